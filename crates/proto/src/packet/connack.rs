//! CONNACK (MQTT 5.0 section 3.2, 3.1.1 section 3.2).

use bytes::{BufMut, BytesMut};

use crate::error::{EncodeError, ErrorKind};
use crate::property::{ConnAckProperties, PropertySet};
use crate::reason::ReasonCode;
use crate::types::{PacketType, ProtocolVersion};
use crate::wire::Reader;

/// Connect acknowledgement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnAck {
    /// Session Present.
    pub session_present: bool,
    /// Connect Reason Code; for 3.x it maps to a return code 0 to 5.
    pub reason_code: ReasonCode,
    /// CONNACK properties (5.0 only).
    pub properties: ConnAckProperties,
}

impl ConnAck {
    /// A CONNACK with `reason_code` and no properties.
    pub fn new(reason_code: ReasonCode, session_present: bool) -> Self {
        Self {
            session_present,
            reason_code,
            properties: ConnAckProperties::default(),
        }
    }

    pub(crate) fn decode(mut r: Reader, version: ProtocolVersion) -> Result<Self, ErrorKind> {
        let flags = r.u8()?;
        if flags & 0xFE != 0 {
            return Err(ErrorKind::ConnAckReservedFlags);
        }
        let code = r.u8()?;
        let reason_code = if version.is_v5() {
            ReasonCode::from_u8(code)
                .filter(|c| c.is_valid_for(PacketType::ConnAck))
                .ok_or(ErrorKind::InvalidReasonCode(PacketType::ConnAck, code))?
        } else {
            ReasonCode::from_v3_connack(code).ok_or(ErrorKind::InvalidConnectReturnCode(code))?
        };
        let session_present = flags & 1 != 0;
        if session_present && reason_code != ReasonCode::Success {
            return Err(ErrorKind::SessionPresentOnRefusal);
        }
        let properties = if version.is_v5() {
            ConnAckProperties::decode(&mut r, PacketType::ConnAck)?
        } else {
            ConnAckProperties::default()
        };
        r.finish()?;
        Ok(Self {
            session_present,
            reason_code,
            properties,
        })
    }

    pub(crate) fn remaining_len(&self, version: ProtocolVersion) -> usize {
        2 + if version.is_v5() {
            self.properties.encoded_len()
        } else {
            0
        }
    }

    pub(crate) fn encode_body(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        if !self.reason_code.is_valid_for(PacketType::ConnAck) {
            return Err(EncodeError::InvalidReasonCode(
                PacketType::ConnAck,
                self.reason_code,
            ));
        }
        if self.session_present && self.reason_code != ReasonCode::Success {
            return Err(EncodeError::Violates(ErrorKind::SessionPresentOnRefusal));
        }
        buf.put_u8(u8::from(self.session_present));
        if version.is_v5() {
            buf.put_u8(self.reason_code.as_u8());
            self.properties.encode(buf)
        } else {
            buf.put_u8(self.reason_code.to_v3_connack());
            Ok(())
        }
    }
}
