//! DISCONNECT and AUTH (MQTT 5.0 sections 3.14 and 3.15): a reason code and
//! properties that may both be omitted.

use bytes::{BufMut, BytesMut};

use super::pubresp::{Shape, decode_reason, short_form};
use crate::error::{EncodeError, ErrorKind};
use crate::property::{AuthProperties, DisconnectProperties, PropertySet};
use crate::reason::ReasonCode;
use crate::types::{PacketType, ProtocolVersion};
use crate::wire::Reader;

/// Disconnect notification; in 3.x it has no body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Disconnect {
    /// Disconnect Reason Code (5.0 only).
    pub reason_code: ReasonCode,
    /// Properties (5.0 only).
    pub properties: DisconnectProperties,
}

/// Authentication exchange (5.0 only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Auth {
    /// Authenticate Reason Code.
    pub reason_code: ReasonCode,
    /// Properties.
    pub properties: AuthProperties,
}

impl Disconnect {
    /// A DISCONNECT with `reason_code` and no properties.
    pub fn new(reason_code: ReasonCode) -> Self {
        Self {
            reason_code,
            properties: DisconnectProperties::default(),
        }
    }

    pub(crate) fn decode(r: Reader, version: ProtocolVersion) -> Result<Self, ErrorKind> {
        let (reason_code, properties) = decode_tail(r, PacketType::Disconnect, version)?;
        Ok(Self {
            reason_code,
            properties,
        })
    }

    pub(crate) fn remaining_len(&self, version: ProtocolVersion) -> usize {
        tail_len(version, self.reason_code, &self.properties)
    }

    pub(crate) fn encode_body(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        encode_tail(
            buf,
            PacketType::Disconnect,
            version,
            self.reason_code,
            &self.properties,
        )
    }
}

impl Auth {
    /// An AUTH with `reason_code` and no properties.
    pub fn new(reason_code: ReasonCode) -> Self {
        Self {
            reason_code,
            properties: AuthProperties::default(),
        }
    }

    pub(crate) fn decode(r: Reader) -> Result<Self, ErrorKind> {
        let (reason_code, properties) = decode_tail(r, PacketType::Auth, ProtocolVersion::V5)?;
        Ok(Self {
            reason_code,
            properties,
        })
    }

    pub(crate) fn remaining_len(&self) -> usize {
        tail_len(ProtocolVersion::V5, self.reason_code, &self.properties)
    }

    pub(crate) fn encode_body(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        encode_tail(
            buf,
            PacketType::Auth,
            ProtocolVersion::V5,
            self.reason_code,
            &self.properties,
        )
    }
}

/// Remaining Length 0 means Success without properties; 1 means a reason code
/// without properties (section 3.14.2.2.1).
fn decode_tail<P: PropertySet>(
    mut r: Reader,
    kind: PacketType,
    version: ProtocolVersion,
) -> Result<(ReasonCode, P), ErrorKind> {
    let mut code = ReasonCode::Success;
    let mut props = P::default();
    if version.is_v5() && !r.is_empty() {
        code = decode_reason(kind, r.u8()?)?;
        if !r.is_empty() {
            props = P::decode(&mut r, kind)?;
        }
    }
    r.finish()?;
    Ok((code, props))
}

fn tail_len<P: PropertySet>(version: ProtocolVersion, code: ReasonCode, props: &P) -> usize {
    match short_form(version, code, props.content_len() == 0) {
        Shape::Bare => 0,
        Shape::WithReason => 1,
        Shape::Full => 1 + props.encoded_len(),
    }
}

fn encode_tail<P: PropertySet>(
    buf: &mut BytesMut,
    kind: PacketType,
    version: ProtocolVersion,
    code: ReasonCode,
    props: &P,
) -> Result<(), EncodeError> {
    if version.is_v5() && !code.is_valid_for(kind) {
        return Err(EncodeError::InvalidReasonCode(kind, code));
    }
    match short_form(version, code, props.content_len() == 0) {
        Shape::Bare => Ok(()),
        Shape::WithReason => {
            buf.put_u8(code.as_u8());
            Ok(())
        }
        Shape::Full => {
            buf.put_u8(code.as_u8());
            props.encode(buf)
        }
    }
}
