//! PUBACK, PUBREC, PUBREL and PUBCOMP (MQTT 5.0 sections 3.4 to 3.7): the same
//! layout, one type.

use bytes::{BufMut, BytesMut};

use crate::error::{EncodeError, ErrorKind};
use crate::property::{AckProperties, PropertySet};
use crate::reason::ReasonCode;
use crate::types::{PacketId, PacketType, ProtocolVersion};
use crate::wire::Reader;

/// The body of PUBACK, PUBREC, PUBREL or PUBCOMP; the enclosing
/// [`Packet`](crate::Packet) variant says which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PubResponse {
    /// Packet Identifier of the PUBLISH (or PUBREL) acknowledged.
    pub packet_id: PacketId,
    /// Reason Code (5.0 only; Success otherwise).
    pub reason_code: ReasonCode,
    /// Properties (5.0 only).
    pub properties: AckProperties,
}

impl PubResponse {
    /// A successful response for `packet_id`.
    pub fn new(packet_id: PacketId) -> Self {
        Self::with_reason(packet_id, ReasonCode::Success)
    }

    /// A response for `packet_id` carrying `reason_code`.
    pub fn with_reason(packet_id: PacketId, reason_code: ReasonCode) -> Self {
        Self {
            packet_id,
            reason_code,
            properties: AckProperties::default(),
        }
    }

    pub(crate) fn decode(
        kind: PacketType,
        mut r: Reader,
        version: ProtocolVersion,
    ) -> Result<Self, ErrorKind> {
        let packet_id = PacketId::new(r.u16()?).ok_or(ErrorKind::ZeroPacketId)?;
        let mut reason_code = ReasonCode::Success;
        let mut properties = AckProperties::default();
        // 5.0: Reason Code and Properties may be omitted (Remaining Length 2), and the
        // Property Length may be omitted after a Reason Code (Remaining Length 3).
        if version.is_v5() && !r.is_empty() {
            reason_code = decode_reason(kind, r.u8()?)?;
            if !r.is_empty() {
                properties = AckProperties::decode(&mut r, kind)?;
            }
        }
        r.finish()?;
        Ok(Self {
            packet_id,
            reason_code,
            properties,
        })
    }

    pub(crate) fn remaining_len(&self, version: ProtocolVersion) -> usize {
        match self.shape(version) {
            Shape::Bare => 2,
            Shape::WithReason => 3,
            Shape::Full => 3 + self.properties.encoded_len(),
        }
    }

    pub(crate) fn encode_body(
        &self,
        kind: PacketType,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        if version.is_v5() && !self.reason_code.is_valid_for(kind) {
            return Err(EncodeError::InvalidReasonCode(kind, self.reason_code));
        }
        buf.put_u16(self.packet_id.get());
        match self.shape(version) {
            Shape::Bare => Ok(()),
            Shape::WithReason => {
                buf.put_u8(self.reason_code.as_u8());
                Ok(())
            }
            Shape::Full => {
                buf.put_u8(self.reason_code.as_u8());
                self.properties.encode(buf)
            }
        }
    }

    fn shape(&self, version: ProtocolVersion) -> Shape {
        short_form(version, self.reason_code, self.properties.is_empty())
    }
}

/// How much of a reason code plus properties tail goes on the wire.
#[derive(Clone, Copy)]
pub(crate) enum Shape {
    /// Neither reason code nor properties (5.0 Success, or any 3.x).
    Bare,
    /// Reason code, no Property Length.
    WithReason,
    /// Reason code and properties.
    Full,
}

/// The shortest form the specification allows for a reason code and properties.
pub(crate) fn short_form(version: ProtocolVersion, code: ReasonCode, no_props: bool) -> Shape {
    match (version.is_v5(), code == ReasonCode::Success, no_props) {
        (false, ..) | (true, true, true) => Shape::Bare,
        (true, false, true) => Shape::WithReason,
        (true, _, false) => Shape::Full,
    }
}

/// A 5.0 reason code byte, which must be defined and allowed in `kind`.
pub(crate) fn decode_reason(kind: PacketType, code: u8) -> Result<ReasonCode, ErrorKind> {
    ReasonCode::from_u8(code)
        .filter(|c| c.is_valid_for(kind))
        .ok_or(ErrorKind::InvalidReasonCode(kind, code))
}
