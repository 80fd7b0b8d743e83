//! SUBSCRIBE and SUBACK (MQTT 5.0 sections 3.8 and 3.9).

use bytes::{BufMut, BytesMut};

use super::pubresp::decode_reason;
use crate::error::{EncodeError, ErrorKind};
use crate::property::{AckProperties, PropertySet, SubscribeProperties};
use crate::reason::ReasonCode;
use crate::topic::TopicFilter;
use crate::types::{PacketId, PacketType, ProtocolVersion, QoS};
use crate::wire::{self, Reader};

/// Retain Handling subscription option (5.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RetainHandling {
    /// 0: send retained messages at the time of the subscribe.
    #[default]
    SendAtSubscribe = 0,
    /// 1: send retained messages only if the subscription did not exist.
    SendIfNew = 1,
    /// 2: do not send retained messages.
    DoNotSend = 2,
}

/// Subscription Options (section 3.8.3.1); 3.x carries only the QoS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SubscriptionOptions {
    /// Maximum QoS.
    pub qos: QoS,
    /// No Local (5.0).
    pub no_local: bool,
    /// Retain As Published (5.0).
    pub retain_as_published: bool,
    /// Retain Handling (5.0).
    pub retain_handling: RetainHandling,
}

impl SubscriptionOptions {
    /// Options with maximum QoS `qos` and the defaults for everything else.
    pub fn new(qos: QoS) -> Self {
        Self {
            qos,
            ..Self::default()
        }
    }

    fn decode(byte: u8, version: ProtocolVersion) -> Result<Self, ErrorKind> {
        let reserved = if version.is_v5() {
            0b1100_0000
        } else {
            0b1111_1100
        };
        if byte & reserved != 0 {
            return Err(ErrorKind::SubscriptionOptionsReserved);
        }
        let qos = QoS::from_u8(byte & 0b11).ok_or(ErrorKind::InvalidSubscriptionQos)?;
        let retain_handling = match (byte >> 4) & 0b11 {
            0 => RetainHandling::SendAtSubscribe,
            1 => RetainHandling::SendIfNew,
            2 => RetainHandling::DoNotSend,
            _ => return Err(ErrorKind::InvalidRetainHandling),
        };
        Ok(Self {
            qos,
            no_local: byte & 0b0100 != 0,
            retain_as_published: byte & 0b1000 != 0,
            retain_handling,
        })
    }

    fn encode(self, version: ProtocolVersion) -> u8 {
        let mut b = self.qos.as_u8();
        if version.is_v5() {
            b |= u8::from(self.no_local) << 2
                | u8::from(self.retain_as_published) << 3
                | (self.retain_handling as u8) << 4;
        }
        b
    }
}

/// Subscribe request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    /// Packet Identifier.
    pub packet_id: PacketId,
    /// Topic Filters with their options, in order; never empty on the wire.
    pub filters: Vec<(TopicFilter, SubscriptionOptions)>,
    /// SUBSCRIBE properties (5.0 only).
    pub properties: SubscribeProperties,
}

impl Subscribe {
    /// A SUBSCRIBE without properties.
    pub fn new(packet_id: PacketId, filters: Vec<(TopicFilter, SubscriptionOptions)>) -> Self {
        Self {
            packet_id,
            filters,
            properties: SubscribeProperties::default(),
        }
    }

    pub(crate) fn decode(mut r: Reader, version: ProtocolVersion) -> Result<Self, ErrorKind> {
        let packet_id = PacketId::new(r.u16()?).ok_or(ErrorKind::ZeroPacketId)?;
        let properties = if version.is_v5() {
            SubscribeProperties::decode(&mut r, PacketType::Subscribe)?
        } else {
            SubscribeProperties::default()
        };
        let mut filters = Vec::new();
        while !r.is_empty() {
            let filter = decode_filter(&mut r, version)?;
            let options = SubscriptionOptions::decode(r.u8()?, version)?;
            if options.no_local && version.is_v5() && filter.shared().is_some() {
                return Err(ErrorKind::NoLocalOnSharedSubscription);
            }
            filters.push((filter, options));
        }
        if filters.is_empty() {
            return Err(ErrorKind::EmptySubscribe);
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
            .map(|(f, _)| wire::field_len(f.len()) + 1)
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
        for (filter, options) in &self.filters {
            if options.no_local && version.is_v5() && filter.shared().is_some() {
                return Err(EncodeError::Violates(
                    ErrorKind::NoLocalOnSharedSubscription,
                ));
            }
            wire::put_binary(buf, filter.as_bytes())?;
            buf.put_u8(options.encode(version));
        }
        Ok(())
    }
}

/// Reads one Topic Filter; in 5.0 `$share/...` filters must be well-formed.
pub(crate) fn decode_filter(
    r: &mut Reader,
    version: ProtocolVersion,
) -> Result<TopicFilter, ErrorKind> {
    let s = r.string()?;
    if version.is_v5() {
        TopicFilter::new_v5(s)
    } else {
        TopicFilter::new(s)
    }
}

/// Subscribe acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubAck {
    /// Packet Identifier of the SUBSCRIBE.
    pub packet_id: PacketId,
    /// One code per Topic Filter, in order; 3.x maps failures to 0x80.
    pub reason_codes: Vec<ReasonCode>,
    /// Properties (5.0 only).
    pub properties: AckProperties,
}

impl SubAck {
    /// A SUBACK without properties.
    pub fn new(packet_id: PacketId, reason_codes: Vec<ReasonCode>) -> Self {
        Self {
            packet_id,
            reason_codes,
            properties: AckProperties::default(),
        }
    }

    pub(crate) fn decode(mut r: Reader, version: ProtocolVersion) -> Result<Self, ErrorKind> {
        let packet_id = PacketId::new(r.u16()?).ok_or(ErrorKind::ZeroPacketId)?;
        let properties = if version.is_v5() {
            AckProperties::decode(&mut r, PacketType::SubAck)?
        } else {
            AckProperties::default()
        };
        let reason_codes = decode_codes(&mut r, PacketType::SubAck, version)?;
        Ok(Self {
            packet_id,
            reason_codes,
            properties,
        })
    }

    pub(crate) fn remaining_len(&self, version: ProtocolVersion) -> usize {
        2 + if version.is_v5() {
            self.properties.encoded_len()
        } else {
            0
        } + self.reason_codes.len()
    }

    pub(crate) fn encode_body(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        encode_codes(
            buf,
            PacketType::SubAck,
            self.packet_id,
            &self.properties,
            &self.reason_codes,
            version,
        )
    }
}

/// Reads the reason-code list that ends a SUBACK or a 5.0 UNSUBACK.
pub(crate) fn decode_codes(
    r: &mut Reader,
    kind: PacketType,
    version: ProtocolVersion,
) -> Result<Vec<ReasonCode>, ErrorKind> {
    if r.is_empty() {
        return Err(ErrorKind::EmptyAck);
    }
    let raw = r.rest();
    raw.iter()
        .map(|&c| {
            if version.is_v5() {
                decode_reason(kind, c)
            } else {
                ReasonCode::from_v3_suback(c).ok_or(ErrorKind::InvalidReasonCode(kind, c))
            }
        })
        .collect()
}

/// Writes packet id, properties (5.0) and the reason-code list of SUBACK/UNSUBACK.
pub(crate) fn encode_codes(
    buf: &mut BytesMut,
    kind: PacketType,
    packet_id: PacketId,
    properties: &AckProperties,
    codes: &[ReasonCode],
    version: ProtocolVersion,
) -> Result<(), EncodeError> {
    if codes.is_empty() {
        return Err(EncodeError::EmptyPayload);
    }
    if let Some(&bad) = codes.iter().find(|c| !c.is_valid_for(kind)) {
        return Err(EncodeError::InvalidReasonCode(kind, bad));
    }
    buf.put_u16(packet_id.get());
    if version.is_v5() {
        properties.encode(buf)?;
        buf.extend(codes.iter().map(|c| c.as_u8()));
    } else {
        buf.extend(codes.iter().map(|c| c.to_v3_suback()));
    }
    Ok(())
}
