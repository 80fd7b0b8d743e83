//! PUBLISH (MQTT 5.0 section 3.3, 3.1.1 section 3.3).

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{EncodeError, ErrorKind};
use crate::property::{PropertySet, PublishProperties};
use crate::topic::TopicName;
use crate::types::{PacketId, PacketType, ProtocolVersion, QoS};
use crate::wire::{self, Reader};

/// An Application Message in flight. The payload shares the receive buffer, and
/// cloning a `Publish` copies no payload or topic bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    /// DUP: this is a re-delivery.
    pub dup: bool,
    /// QoS of this delivery.
    pub qos: QoS,
    /// RETAIN.
    pub retain: bool,
    /// Topic Name; empty only when an MQTT 5.0 Topic Alias names the topic.
    pub topic: TopicName,
    /// Packet Identifier, present exactly when QoS > 0.
    pub packet_id: Option<PacketId>,
    /// PUBLISH properties (5.0 only).
    pub properties: PublishProperties,
    /// Application Message payload.
    pub payload: Bytes,
}

impl Publish {
    /// A QoS 0, non-retained message without properties.
    pub fn new(topic: TopicName, payload: impl Into<Bytes>) -> Self {
        Self {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic,
            packet_id: None,
            properties: PublishProperties::default(),
            payload: payload.into(),
        }
    }

    pub(crate) fn decode(
        flags: u8,
        mut r: Reader,
        version: ProtocolVersion,
    ) -> Result<Self, ErrorKind> {
        let dup = flags & 0b1000 != 0;
        let retain = flags & 0b0001 != 0;
        let qos = QoS::from_u8((flags >> 1) & 0b11).ok_or(ErrorKind::InvalidPublishQos)?;
        if dup && qos == QoS::AtMostOnce && version != ProtocolVersion::V3_1 {
            return Err(ErrorKind::DupWithQos0);
        }
        let topic = r.utf8()?;
        let packet_id = if qos == QoS::AtMostOnce {
            None
        } else {
            Some(PacketId::new(r.u16()?).ok_or(ErrorKind::ZeroPacketId)?)
        };
        let properties = if version.is_v5() {
            PublishProperties::decode(&mut r, PacketType::Publish)?
        } else {
            PublishProperties::default()
        };
        let topic = if topic.is_empty() && properties.topic_alias.is_some() {
            TopicName::empty()
        } else {
            TopicName::new(topic)?
        };
        Ok(Self {
            dup,
            qos,
            retain,
            topic,
            packet_id,
            properties,
            payload: r.rest(),
        })
    }

    /// The low nibble of the first byte: DUP, QoS, RETAIN.
    /// The size of this PUBLISH encoded for `version`, fixed header included
    /// (as [`Packet::encoded_len`](crate::Packet::encoded_len)).
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        super::framed_len(self.remaining_len(version))
    }

    /// Appends this PUBLISH, encoded for `version`, to `buf`: what
    /// [`Packet::encode`](crate::Packet::encode) does for it, without moving
    /// it into a `Packet` first. On error nothing is appended.
    pub fn encode(&self, version: ProtocolVersion, buf: &mut BytesMut) -> Result<(), EncodeError> {
        super::encode_framed(
            PacketType::Publish,
            self.flags(),
            self.remaining_len(version),
            buf,
            |buf| self.encode_body(version, buf),
        )
    }

    pub(crate) fn flags(&self) -> u8 {
        (u8::from(self.dup) << 3) | (self.qos.as_u8() << 1) | u8::from(self.retain)
    }

    pub(crate) fn remaining_len(&self, version: ProtocolVersion) -> usize {
        wire::field_len(self.topic.len())
            + if self.packet_id.is_some() { 2 } else { 0 }
            + if version.is_v5() {
                self.properties.encoded_len()
            } else {
                0
            }
            + self.payload.len()
    }

    pub(crate) fn encode_body(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        if (self.qos == QoS::AtMostOnce) != self.packet_id.is_none() {
            return Err(EncodeError::PacketIdMismatch);
        }
        if self.topic.is_empty() && !(version.is_v5() && self.properties.topic_alias.is_some()) {
            return Err(EncodeError::EmptyTopic);
        }
        if self.dup && self.qos == QoS::AtMostOnce && version != ProtocolVersion::V3_1 {
            return Err(EncodeError::Violates(ErrorKind::DupWithQos0));
        }
        wire::put_binary(buf, self.topic.as_bytes())?;
        if let Some(id) = self.packet_id {
            buf.put_u16(id.get());
        }
        if version.is_v5() {
            self.properties.encode(buf)?;
        }
        buf.put_slice(&self.payload);
        Ok(())
    }
}
