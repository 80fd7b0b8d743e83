//! Per-connection and per-session protocol state, sans-IO: no sockets, no
//! runtime, no clock (time is passed in as [`std::time::Instant`]).
//!
//! - [`Outbound`]: the sender's side of QoS 1 / QoS 2 delivery. Packet
//!   Identifier allocation, the send quota from the peer's Receive Maximum, the
//!   in-flight exchanges in send order and what to resend on reconnect.
//!   Session state.
//! - [`Inbound`]: the receiver's side. QoS 2 Packet Identifiers awaiting PUBREL
//!   (duplicate detection) and the Receive Maximum we announced. Session state.
//! - [`KeepAlive`] and [`negotiate_keep_alive`]: the keep-alive deadline of one
//!   connection and the Server Keep Alive negotiation.
//! - [`InboundTopicAliases`] / [`OutboundTopicAliases`]: MQTT 5.0 Topic Alias
//!   mappings of one Network Connection.
//!
//! Session state outlives a Network Connection when the session does (Clean
//! Start 0); connection state is created anew for every connection.

mod id_hash;
mod inbound;
mod keep_alive;
mod outbound;
mod topic_alias;

pub use inbound::{Inbound, InboundPublish};
pub use keep_alive::{KeepAlive, negotiate_keep_alive};
pub use outbound::{Outbound, PubRecOutcome, Resend};
pub use topic_alias::{InboundTopicAliases, OutboundTopicAliases};
