//! `midge-proto`: the sans-IO MQTT core of Midge.
//!
//! One packet model and one codec for MQTT 3.1 (level 3), 3.1.1 (level 4) and 5.0
//! (level 5). No sockets, no async runtime, no clock: bytes in, packets out.
//!
//! # Layout
//! - [`types`]: protocol version, QoS, packet type, packet identifier.
//! - [`reason`]: every MQTT 5.0 reason code, where each is allowed, 3.x mappings.
//! - [`error`]: decode errors naming the normative statement and reason code.
//! - [`varint`] and `wire`: Variable Byte Integer, strings, binary data.
//! - [`property`]: property identifiers and the per-packet property sets.
//! - [`topic`]: [`TopicName`] / [`TopicFilter`] newtypes, shared subscriptions,
//!   matching.
//! - [`packet`]: the 15 control packets, each in its own file.
//! - [`codec`]: incremental framing and decoding out of a read buffer.
//! - [`session`]: per-connection protocol state (MQTT 5.0 Topic Aliases).
//!
//! # Example
//! ```
//! use bytes::BytesMut;
//! use midge_proto::{Packet, ProtocolVersion, Publish, QoS, TopicName, codec};
//!
//! let mut publish = Publish::new(TopicName::new("sensors/1/temp")?, "21.5");
//! publish.qos = QoS::AtLeastOnce;
//! publish.packet_id = std::num::NonZeroU16::new(7);
//!
//! let mut buf = BytesMut::new();
//! publish.encode(ProtocolVersion::V5, &mut buf)?;
//!
//! let decoded = codec::decode(&mut buf, Some(ProtocolVersion::V5), 1 << 20)?;
//! assert_eq!(decoded, Some(Packet::from(publish)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod codec;
pub mod error;
pub mod packet;
pub mod property;
pub mod reason;
pub mod session;
pub mod topic;
pub mod types;
pub mod varint;
mod wire;

pub use bytes;
pub use bytestring::{self, ByteString};
pub use codec::{Decoder, FixedHeader, Frame};
pub use error::{DecodeError, EncodeError, ErrorKind};
pub use packet::{
    Auth, ConnAck, Connect, Disconnect, Packet, PubResponse, Publish, RetainHandling, SubAck,
    Subscribe, SubscriptionOptions, UnsubAck, Unsubscribe, Will,
};
pub use property::PropertyId;
pub use reason::ReasonCode;
pub use topic::{TopicFilter, TopicName};
pub use types::{PacketId, PacketType, ProtocolVersion, QoS};
