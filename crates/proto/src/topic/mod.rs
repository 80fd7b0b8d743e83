//! Topic Names, Topic Filters and matching (MQTT 5.0 section 4.7, shared
//! subscriptions section 4.8.2).

/// The string-like trait impls both topic newtypes share; construction always
/// goes through the type's validating `new`.
macro_rules! string_impls {
    ($ty:ident) => {
        impl core::ops::Deref for $ty {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = ErrorKind;
            fn try_from(s: &str) -> Result<Self, ErrorKind> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = ErrorKind;
            fn try_from(s: String) -> Result<Self, ErrorKind> {
                Self::new(s)
            }
        }

        impl core::str::FromStr for $ty {
            type Err = ErrorKind;
            fn from_str(s: &str) -> Result<Self, ErrorKind> {
                Self::new(s)
            }
        }

        impl core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(&*self.0, f)
            }
        }

        impl core::fmt::Display for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
use string_impls;

mod filter;
mod name;

pub use filter::{SharedFilter, TopicFilter, matches};
pub use name::TopicName;

use crate::error::ErrorKind;

/// The longest topic the wire format can carry ([MQTT-4.7.3-3]).
pub const MAX_TOPIC_LEN: usize = 65_535;

/// The rules every topic name and filter share: non-empty ([MQTT-4.7.3-1]), no
/// U+0000 ([MQTT-4.7.3-2]) and at most 65,535 bytes ([MQTT-4.7.3-3]).
fn check_common(s: &str) -> Result<(), ErrorKind> {
    check_len(s)?;
    if s.as_bytes().contains(&0) {
        return Err(ErrorKind::NullCharacter);
    }
    Ok(())
}

/// Non-empty ([MQTT-4.7.3-1]) and at most 65,535 bytes ([MQTT-4.7.3-3]).
fn check_len(s: &str) -> Result<(), ErrorKind> {
    if s.is_empty() {
        return Err(ErrorKind::EmptyTopic);
    }
    if s.len() > MAX_TOPIC_LEN {
        return Err(ErrorKind::TopicTooLong);
    }
    Ok(())
}
