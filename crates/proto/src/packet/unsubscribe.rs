//! UNSUBSCRIBE and UNSUBACK (MQTT 5.0 sections 3.10 and 3.11).

use bytes::{BufMut, BytesMut};

use super::subscribe::{decode_codes, decode_filter, encode_codes};
use crate::error::{EncodeError, ErrorKind};
use crate::property::{AckProperties, PropertySet, UnsubscribeProperties};
use crate::reason::ReasonCode;
use crate::topic::TopicFilter;
use crate::types::{PacketId, PacketType, ProtocolVersion};
use crate::wire::{self, Reader};

/// Unsubscribe request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    /// Packet Identifier.
    pub packet_id: PacketId,
    /// Topic Filters to remove, in order; never empty on the wire.
    pub filters: Vec<TopicFilter>,
    /// Properties (5.0 only).
    pub properties: UnsubscribeProperties,
}

impl Unsubscribe {
    /// An UNSUBSCRIBE without properties.
    pub fn new(packet_id: PacketId, filters: Vec<TopicFilter>) -> Self {
        Self {
            packet_id,
            filters,
            properties: UnsubscribeProperties::default(),
        }
    }

    pub(crate) fn decode(mut r: Reader, version: ProtocolVersion) -> Result<Self, ErrorKind> {
        let packet_id = PacketId::new(r.u16()?).ok_or(ErrorKind::ZeroPacketId)?;
        let properties = if version.is_v5() {
            UnsubscribeProperties::decode(&mut r, PacketType::Unsubscribe)?
        } else {
            UnsubscribeProperties::default()
        };
        let mut filters = Vec::new();
        while !r.is_empty() {
            filters.push(decode_filter(&mut r, version)?);
        }
        if filters.is_empty() {
            return Err(ErrorKind::EmptyUnsubscribe);
        }
        Ok(Self {
            packet_id,
            filters,
            properties,
        })
    }

    pub(crate) fn remaining_len(&self, version: ProtocolVersion) -> usize {
        2 + if version.is_v5() {
            self.properties.encoded_len()
        } else {
            0
        } + self
            .filters
            .iter()
            .map(|f| wire::field_len(f.len()))
            .sum::<usize>()
    }

    pub(crate) fn encode_body(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        if self.filters.is_empty() {
            return Err(EncodeError::EmptyPayload);
        }
        buf.put_u16(self.packet_id.get());
        if version.is_v5() {
            self.properties.encode(buf)?;
        }
        for filter in &self.filters {
            wire::put_binary(buf, filter.as_bytes())?;
        }
        Ok(())
    }
}

/// Unsubscribe acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubAck {
    /// Packet Identifier of the UNSUBSCRIBE.
    pub packet_id: PacketId,
    /// One code per Topic Filter (5.0 only; 3.x UNSUBACK carries none).
    pub reason_codes: Vec<ReasonCode>,
    /// Properties (5.0 only).
    pub properties: AckProperties,
}

impl UnsubAck {
    /// An UNSUBACK without properties.
    pub fn new(packet_id: PacketId, reason_codes: Vec<ReasonCode>) -> Self {
        Self {
            packet_id,
            reason_codes,
            properties: AckProperties::default(),
        }
    }

    pub(crate) fn decode(mut r: Reader, version: ProtocolVersion) -> Result<Self, ErrorKind> {
        let packet_id = PacketId::new(r.u16()?).ok_or(ErrorKind::ZeroPacketId)?;
        if !version.is_v5() {
            r.finish()?;
            return Ok(Self::new(packet_id, Vec::new()));
        }
        let properties = AckProperties::decode(&mut r, PacketType::UnsubAck)?;
        let reason_codes = decode_codes(&mut r, PacketType::UnsubAck, version)?;
        Ok(Self {
            packet_id,
            reason_codes,
            properties,
        })
    }

    pub(crate) fn remaining_len(&self, version: ProtocolVersion) -> usize {
        if version.is_v5() {
            2 + self.properties.encoded_len() + self.reason_codes.len()
        } else {
            2
        }
    }

    pub(crate) fn encode_body(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        if !version.is_v5() {
            buf.put_u16(self.packet_id.get());
            return Ok(());
        }
        encode_codes(
            buf,
            PacketType::UnsubAck,
            self.packet_id,
            &self.properties,
            &self.reason_codes,
            version,
        )
    }
}
