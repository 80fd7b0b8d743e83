//! [`TopicName`]: the topic of a PUBLISH.

use bytestring::ByteString;

use crate::error::ErrorKind;

/// A validated Topic Name: non-empty, no wildcards ([MQTT-3.3.2-2]), no U+0000, at
/// most 65,535 bytes. Cloning shares the underlying bytes.
///
/// The one exception to "non-empty" is [`TopicName::empty`], which an MQTT 5.0
/// PUBLISH uses together with a Topic Alias.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicName(ByteString);

impl TopicName {
    /// Validates `name` as a Topic Name.
    pub fn new(name: impl Into<ByteString>) -> Result<Self, ErrorKind> {
        let name = name.into();
        super::check_len(&name)?;
        // One pass for both byte rules: this runs for every PUBLISH received.
        for &b in name.as_bytes() {
            match b {
                0 => return Err(ErrorKind::NullCharacter),
                b'+' | b'#' => return Err(ErrorKind::TopicNameWildcard),
                _ => {}
            }
        }
        Ok(Self(name))
    }

    /// The zero-length topic of an MQTT 5.0 PUBLISH that names its topic through a
    /// Topic Alias only. Not valid anywhere else.
    pub const fn empty() -> Self {
        Self(ByteString::from_static(""))
    }

    /// A Topic Name from a `'static` string, validated.
    pub fn from_static(name: &'static str) -> Result<Self, ErrorKind> {
        Self::new(ByteString::from_static(name))
    }

    /// The topic as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The underlying shared string.
    pub fn as_byte_string(&self) -> &ByteString {
        &self.0
    }

    /// Consumes the name, returning the shared string.
    pub fn into_inner(self) -> ByteString {
        self.0
    }

    /// True for topics starting with `$` (e.g. `$SYS/...`), which filters starting
    /// with a wildcard do not match ([MQTT-4.7.2-1]).
    pub fn is_system(&self) -> bool {
        self.0.starts_with('$')
    }

    /// The levels of the topic, split on `/`.
    pub fn levels(&self) -> core::str::Split<'_, char> {
        self.0.split('/')
    }
}

super::string_impls!(TopicName);
