//! Per-connection protocol state, sans-IO. This is where the session state
//! machine grows (packet identifiers, in-flight windows, keep-alive); today it
//! holds the MQTT 5.0 Topic Alias mappings of one Network Connection.

mod topic_alias;

pub use topic_alias::{InboundTopicAliases, OutboundTopicAliases};
