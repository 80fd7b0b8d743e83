//! [`TopicFilter`], shared subscriptions and topic matching.

use bytestring::ByteString;

use super::TopicName;
use crate::error::ErrorKind;

const SHARE_PREFIX: &str = "$share/";

/// A validated Topic Filter: non-empty, no U+0000, at most 65,535 bytes, `#` only
/// alone in the last level ([MQTT-4.7.1-1]) and `+` only as a whole level
/// ([MQTT-4.7.1-2]). Cloning shares the underlying bytes.
///
/// The filter is kept as written. A `$share/{group}/{filter}` filter is a Shared
/// Subscription in MQTT 5.0; [`TopicFilter::shared`] splits it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicFilter(ByteString);

/// The parts of a Shared Subscription filter `$share/{group}/{filter}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedFilter<'a> {
    /// The ShareName.
    pub group: &'a str,
    /// The filter after the ShareName.
    pub filter: &'a str,
}

impl TopicFilter {
    /// Validates `filter` as a Topic Filter (wildcard placement, length, U+0000).
    /// Shared-subscription syntax is checked by [`TopicFilter::validate_shared`].
    pub fn new(filter: impl Into<ByteString>) -> Result<Self, ErrorKind> {
        let filter = filter.into();
        super::check_common(&filter)?;
        check_wildcards(&filter)?;
        Ok(Self(filter))
    }

    /// Validates `filter` as a Topic Filter and, if it starts with `$share`, as a
    /// Shared Subscription ([MQTT-4.8.2-1], [MQTT-4.8.2-2]).
    pub fn new_v5(filter: impl Into<ByteString>) -> Result<Self, ErrorKind> {
        let filter = filter.into();
        super::check_common(&filter)?;
        // ShareName rules first, so `$share/a+b/x` reports [MQTT-4.8.2-2] rather
        // than a wildcard-placement error.
        check_shared(&filter)?;
        check_wildcards(&filter)?;
        Ok(Self(filter))
    }

    /// Checks the Shared Subscription syntax of a filter starting with `$share`:
    /// a non-empty ShareName ([MQTT-4.8.2-1]) without `/`, `+` or `#`, then `/`
    /// and a non-empty filter ([MQTT-4.8.2-2]). Other filters pass.
    pub fn validate_shared(&self) -> Result<(), ErrorKind> {
        check_shared(&self.0)
    }

    /// A Topic Filter from a `'static` string, validated.
    pub fn from_static(filter: &'static str) -> Result<Self, ErrorKind> {
        Self::new(ByteString::from_static(filter))
    }

    /// The filter as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The underlying shared string.
    pub fn as_byte_string(&self) -> &ByteString {
        &self.0
    }

    /// Consumes the filter, returning the shared string.
    pub fn into_inner(self) -> ByteString {
        self.0
    }

    /// The group and inner filter of a well-formed `$share/{group}/{filter}`.
    pub fn shared(&self) -> Option<SharedFilter<'_>> {
        let rest = self.0.strip_prefix(SHARE_PREFIX)?;
        let (group, filter) = rest.split_once('/')?;
        if group.is_empty() || filter.is_empty() || group.contains(['+', '#']) {
            return None;
        }
        Some(SharedFilter { group, filter })
    }

    /// True if the filter contains `+` or `#`.
    pub fn has_wildcards(&self) -> bool {
        self.0.bytes().any(|b| b == b'+' || b == b'#')
    }

    /// The levels of the filter, split on `/`.
    pub fn levels(&self) -> core::str::Split<'_, char> {
        self.0.split('/')
    }

    /// Whether this filter, taken literally (no shared-subscription prefix
    /// stripping), matches `topic`.
    pub fn matches(&self, topic: &TopicName) -> bool {
        matches(&self.0, topic.as_str())
    }
}

fn check_shared(filter: &str) -> Result<(), ErrorKind> {
    if matches!(filter, "$share" | "$share/") || filter.starts_with("$share//") {
        return Err(ErrorKind::EmptyShareName);
    }
    let Some(rest) = filter.strip_prefix(SHARE_PREFIX) else {
        return Ok(());
    };
    match rest.split_once('/') {
        Some((group, inner)) if !group.contains(['+', '#']) && !inner.is_empty() => Ok(()),
        _ => Err(ErrorKind::InvalidSharedSubscription),
    }
}

fn check_wildcards(filter: &str) -> Result<(), ErrorKind> {
    let mut levels = filter.split('/').peekable();
    while let Some(level) = levels.next() {
        if level.contains('#') && (level != "#" || levels.peek().is_some()) {
            return Err(ErrorKind::MultiLevelWildcardPosition);
        }
        if level.contains('+') && level != "+" {
            return Err(ErrorKind::SingleLevelWildcardPosition);
        }
    }
    Ok(())
}

/// Whether the (valid) topic filter `filter` matches the (valid) topic name `topic`,
/// level by level: `+` matches one level, `#` the parent level and any below it.
/// Filters starting with a wildcard never match topics starting with `$`
/// ([MQTT-4.7.2-1]). No normalisation is applied ([MQTT-4.7.3-4]).
pub fn matches(filter: &str, topic: &str) -> bool {
    if topic.starts_with('$') && filter.starts_with(['+', '#']) {
        return false;
    }
    let mut f = filter.split('/');
    let mut t = topic.split('/');
    loop {
        match (f.next(), t.next()) {
            (Some("#"), _) => return true,
            (Some(fl), Some(tl)) => {
                if fl != "+" && fl != tl {
                    return false;
                }
            }
            (None, None) => return true,
            _ => return false,
        }
    }
}

super::string_impls!(TopicFilter);
