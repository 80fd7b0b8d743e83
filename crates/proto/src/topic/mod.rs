//! Topic Names, Topic Filters and matching (MQTT 5.0 section 4.7, shared
//! subscriptions section 4.8.2).

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
    if s.is_empty() {
        return Err(ErrorKind::EmptyTopic);
    }
    if s.len() > MAX_TOPIC_LEN {
        return Err(ErrorKind::TopicTooLong);
    }
    if s.as_bytes().contains(&0) {
        return Err(ErrorKind::NullCharacter);
    }
    Ok(())
}
