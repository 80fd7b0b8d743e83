//! CONNECT (MQTT 5.0 section 3.1, 3.1.1 section 3.1).

use bytes::{BufMut, Bytes, BytesMut};
use bytestring::ByteString;

use crate::error::{DecodeError, EncodeError, ErrorKind};
use crate::property::{ConnectProperties, PropertySet, WillProperties};
use crate::topic::TopicName;
use crate::types::{PacketType, ProtocolVersion, QoS};
use crate::wire::{self, Reader};

/// Connection request: the first packet a Client sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// Protocol version requested; every later packet is coded for it.
    pub protocol: ProtocolVersion,
    /// Clean Start (5.0) / Clean Session (3.x).
    pub clean_start: bool,
    /// Keep Alive in seconds; 0 disables it.
    pub keep_alive: u16,
    /// CONNECT properties (5.0 only; empty otherwise).
    pub properties: ConnectProperties,
    /// Client Identifier; may be empty.
    pub client_id: ByteString,
    /// The Will Message, if the Will Flag is set.
    pub will: Option<Will>,
    /// User Name.
    pub username: Option<ByteString>,
    /// Password (binary in 5.0).
    pub password: Option<Bytes>,
}

/// A Will Message carried by CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Will {
    /// Will Topic.
    pub topic: TopicName,
    /// Will Payload.
    pub payload: Bytes,
    /// Will QoS.
    pub qos: QoS,
    /// Will Retain.
    pub retain: bool,
    /// Will Properties (5.0 only).
    pub properties: WillProperties,
}

const CLEAN_START: u8 = 0b0000_0010;
const WILL_FLAG: u8 = 0b0000_0100;
const WILL_RETAIN: u8 = 0b0010_0000;
const PASSWORD: u8 = 0b0100_0000;
const USERNAME: u8 = 0b1000_0000;

/// Fails with `missing` if the payload ended before a field its flag promised.
fn present(r: &Reader, missing: ErrorKind) -> Result<(), ErrorKind> {
    if r.is_empty() { Err(missing) } else { Ok(()) }
}

impl Connect {
    /// A CONNECT for `protocol` with the given client id, clean start, no keep-alive.
    pub fn new(protocol: ProtocolVersion, client_id: impl Into<ByteString>) -> Self {
        Self {
            protocol,
            clean_start: true,
            keep_alive: 0,
            properties: ConnectProperties::default(),
            client_id: client_id.into(),
            will: None,
            username: None,
            password: None,
        }
    }

    /// Decodes a CONNECT body. Errors before the protocol level is known are
    /// reported against MQTT 5.0.
    pub(crate) fn decode(mut r: Reader) -> Result<Self, DecodeError> {
        let v5 = |kind| DecodeError::new(kind, ProtocolVersion::V5);
        let name = r.binary().map_err(v5)?;
        let level = r.u8().map_err(v5)?;
        let protocol = match (&name[..], level) {
            (b"MQTT", 4) => ProtocolVersion::V3_1_1,
            (b"MQTT", 5) => ProtocolVersion::V5,
            (b"MQIsdp", 3) => ProtocolVersion::V3_1,
            (b"MQTT" | b"MQIsdp", _) => return Err(v5(ErrorKind::UnsupportedProtocolLevel(level))),
            _ => return Err(v5(ErrorKind::InvalidProtocolName)),
        };
        Self::decode_rest(r, protocol).map_err(|kind| DecodeError::new(kind, protocol))
    }

    fn decode_rest(mut r: Reader, protocol: ProtocolVersion) -> Result<Self, ErrorKind> {
        let flags = r.u8()?;
        if flags & 0x01 != 0 {
            return Err(ErrorKind::ConnectReservedFlag);
        }
        let will_flag = flags & WILL_FLAG != 0;
        let will_qos = (flags >> 3) & 0b11;
        let will_retain = flags & WILL_RETAIN != 0;
        if !will_flag && will_qos != 0 {
            return Err(ErrorKind::WillQosWithoutWill);
        }
        if !will_flag && will_retain {
            return Err(ErrorKind::WillRetainWithoutWill);
        }
        let will_qos = QoS::from_u8(will_qos).ok_or(ErrorKind::InvalidWillQos)?;
        let has_username = flags & USERNAME != 0;
        let has_password = flags & PASSWORD != 0;
        if protocol == ProtocolVersion::V3_1_1 && has_password && !has_username {
            return Err(ErrorKind::PasswordWithoutUsername);
        }
        let keep_alive = r.u16()?;
        let properties = if protocol.is_v5() {
            ConnectProperties::decode(&mut r, PacketType::Connect)?
        } else {
            ConnectProperties::default()
        };

        // Payload order: Client Identifier, Will Properties, Will Topic, Will Payload,
        // User Name, Password ([MQTT-3.1.3-1]).
        let client_id = r.string()?;
        let will = if will_flag {
            present(&r, ErrorKind::MissingWill)?;
            let properties = if protocol.is_v5() {
                WillProperties::decode(&mut r, PacketType::Connect)?
            } else {
                WillProperties::default()
            };
            let topic = TopicName::new(r.string()?).map_err(|k| match k {
                ErrorKind::TopicNameWildcard => ErrorKind::WillTopicWildcard,
                k => k,
            })?;
            let payload = r.binary()?;
            Some(Will {
                topic,
                payload,
                qos: will_qos,
                retain: will_retain,
                properties,
            })
        } else {
            None
        };
        let username = if has_username {
            present(&r, ErrorKind::MissingUsername)?;
            Some(r.string()?)
        } else {
            None
        };
        // MQTT 3.1 clients (and Mosquitto) may set the Password Flag without a password.
        let password = if has_password && !(protocol == ProtocolVersion::V3_1 && r.is_empty()) {
            present(&r, ErrorKind::MissingPassword)?;
            Some(r.binary()?)
        } else {
            None
        };
        r.finish()?;
        Ok(Self {
            protocol,
            clean_start: flags & CLEAN_START != 0,
            keep_alive,
            properties,
            client_id,
            will,
            username,
            password,
        })
    }

    pub(crate) fn remaining_len(&self) -> usize {
        let v5 = self.protocol.is_v5();
        let mut n = wire::field_len(self.protocol.protocol_name().len()) + 1 + 1 + 2;
        if v5 {
            n += self.properties.encoded_len();
        }
        n += wire::field_len(self.client_id.len());
        if let Some(will) = &self.will {
            if v5 {
                n += will.properties.encoded_len();
            }
            n += wire::field_len(will.topic.len()) + wire::field_len(will.payload.len());
        }
        n += self
            .username
            .as_ref()
            .map_or(0, |u| wire::field_len(u.len()));
        n += self
            .password
            .as_ref()
            .map_or(0, |p| wire::field_len(p.len()));
        n
    }

    pub(crate) fn encode_body(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let v5 = self.protocol.is_v5();
        if self.protocol == ProtocolVersion::V3_1_1
            && self.password.is_some()
            && self.username.is_none()
        {
            return Err(EncodeError::Violates(ErrorKind::PasswordWithoutUsername));
        }
        wire::put_string(buf, self.protocol.protocol_name())?;
        buf.put_u8(self.protocol.level());
        let mut flags = 0;
        if self.clean_start {
            flags |= CLEAN_START;
        }
        if let Some(will) = &self.will {
            flags |= WILL_FLAG | (will.qos.as_u8() << 3);
            if will.retain {
                flags |= WILL_RETAIN;
            }
        }
        if self.username.is_some() {
            flags |= USERNAME;
        }
        if self.password.is_some() {
            flags |= PASSWORD;
        }
        buf.put_u8(flags);
        buf.put_u16(self.keep_alive);
        if v5 {
            self.properties.encode(buf)?;
        }
        wire::put_string(buf, &self.client_id)?;
        if let Some(will) = &self.will {
            if v5 {
                will.properties.encode(buf)?;
            }
            if will.topic.is_empty() {
                return Err(EncodeError::Violates(ErrorKind::EmptyTopic));
            }
            wire::put_binary(buf, will.topic.as_bytes())?;
            wire::put_binary(buf, &will.payload)?;
        }
        if let Some(u) = &self.username {
            wire::put_string(buf, u)?;
        }
        if let Some(p) = &self.password {
            wire::put_binary(buf, p)?;
        }
        Ok(())
    }
}
