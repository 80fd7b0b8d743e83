//! The MQTT Control Packets: one model for MQTT 3.1, 3.1.1 and 5.0. Version
//! differences live in each packet's decode and encode, not in separate types.

mod connack;
mod connect;
mod disconnect;
mod publish;
mod pubresp;
mod subscribe;
mod unsubscribe;

pub use connack::ConnAck;
pub use connect::{Connect, Will};
pub use disconnect::{Auth, Disconnect};
pub use publish::Publish;
pub use pubresp::PubResponse;
pub use subscribe::{RetainHandling, SubAck, Subscribe, SubscriptionOptions};
pub use unsubscribe::{UnsubAck, Unsubscribe};

use bytes::{BufMut, Bytes, BytesMut};

use crate::codec::FixedHeader;
use crate::error::{DecodeError, EncodeError, ErrorKind};
use crate::types::{PacketType, ProtocolVersion};
use crate::varint;
use crate::wire::{self, Reader};

/// An MQTT Control Packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// CONNECT (boxed: large and rare).
    Connect(Box<Connect>),
    /// CONNACK (boxed: large and rare).
    ConnAck(Box<ConnAck>),
    /// PUBLISH (boxed: the largest packet, and the one moved most; a boxed
    /// PUBLISH keeps every other packet small to move).
    Publish(Box<Publish>),
    /// PUBACK.
    PubAck(PubResponse),
    /// PUBREC.
    PubRec(PubResponse),
    /// PUBREL.
    PubRel(PubResponse),
    /// PUBCOMP.
    PubComp(PubResponse),
    /// SUBSCRIBE.
    Subscribe(Subscribe),
    /// SUBACK.
    SubAck(SubAck),
    /// UNSUBSCRIBE.
    Unsubscribe(Unsubscribe),
    /// UNSUBACK.
    UnsubAck(UnsubAck),
    /// PINGREQ.
    PingReq,
    /// PINGRESP.
    PingResp,
    /// DISCONNECT.
    Disconnect(Disconnect),
    /// AUTH (5.0 only; boxed: large and rare).
    Auth(Box<Auth>),
}

impl Packet {
    /// The packet's type.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Self::Connect(_) => PacketType::Connect,
            Self::ConnAck(_) => PacketType::ConnAck,
            Self::Publish(_) => PacketType::Publish,
            Self::PubAck(_) => PacketType::PubAck,
            Self::PubRec(_) => PacketType::PubRec,
            Self::PubRel(_) => PacketType::PubRel,
            Self::PubComp(_) => PacketType::PubComp,
            Self::Subscribe(_) => PacketType::Subscribe,
            Self::SubAck(_) => PacketType::SubAck,
            Self::Unsubscribe(_) => PacketType::Unsubscribe,
            Self::UnsubAck(_) => PacketType::UnsubAck,
            Self::PingReq => PacketType::PingReq,
            Self::PingResp => PacketType::PingResp,
            Self::Disconnect(_) => PacketType::Disconnect,
            Self::Auth(_) => PacketType::Auth,
        }
    }

    /// Decodes the body of one complete packet whose fixed header is `header`.
    ///
    /// `version` is the connection's protocol version, or `None` before CONNECT, in
    /// which case only CONNECT is accepted ([MQTT-3.1.0-1]). CONNECT always decodes
    /// as the version it declares.
    #[inline]
    pub fn decode_body(
        header: FixedHeader,
        body: Bytes,
        version: Option<ProtocolVersion>,
    ) -> Result<Self, DecodeError> {
        let r = Reader::new(body);
        if header.packet_type == PacketType::Connect {
            // Decode first so that a flags error is scoped to the declared version.
            let decoded = Connect::decode(r);
            let scope = match &decoded {
                Ok(c) => c.protocol,
                Err(e) => e.version(),
            };
            check_flags(header, scope).map_err(|k| DecodeError::new(k, scope))?;
            return decoded.map(|c| Self::Connect(Box::new(c)));
        }
        let Some(v) = version else {
            return Err(DecodeError::new(
                ErrorKind::FirstPacketNotConnect(header.packet_type),
                ProtocolVersion::V5,
            ));
        };
        Self::decode_versioned(header, r, v).map_err(|k| DecodeError::new(k, v))
    }

    #[inline]
    fn decode_versioned(
        header: FixedHeader,
        r: Reader,
        v: ProtocolVersion,
    ) -> Result<Self, ErrorKind> {
        check_flags(header, v)?;
        Ok(match header.packet_type {
            PacketType::Connect => {
                return Connect::decode(r)
                    .map(|c| Self::Connect(Box::new(c)))
                    .map_err(|e| e.kind());
            }
            PacketType::ConnAck => Self::ConnAck(Box::new(ConnAck::decode(r, v)?)),
            PacketType::Publish => Self::Publish(Box::new(Publish::decode(header.flags, r, v)?)),
            t @ PacketType::PubAck => Self::PubAck(PubResponse::decode(t, r, v)?),
            t @ PacketType::PubRec => Self::PubRec(PubResponse::decode(t, r, v)?),
            t @ PacketType::PubRel => Self::PubRel(PubResponse::decode(t, r, v)?),
            t @ PacketType::PubComp => Self::PubComp(PubResponse::decode(t, r, v)?),
            PacketType::Subscribe => Self::Subscribe(Subscribe::decode(r, v)?),
            PacketType::SubAck => Self::SubAck(SubAck::decode(r, v)?),
            PacketType::Unsubscribe => Self::Unsubscribe(Unsubscribe::decode(r, v)?),
            PacketType::UnsubAck => Self::UnsubAck(UnsubAck::decode(r, v)?),
            PacketType::PingReq => {
                r.finish()?;
                Self::PingReq
            }
            PacketType::PingResp => {
                r.finish()?;
                Self::PingResp
            }
            PacketType::Disconnect => Self::Disconnect(Disconnect::decode(r, v)?),
            PacketType::Auth if v.is_v5() => Self::Auth(Box::new(Auth::decode(r)?)),
            PacketType::Auth => return Err(ErrorKind::ReservedPacketType(15)),
        })
    }

    /// The Remaining Length of this packet encoded for `version`.
    pub fn remaining_len(&self, version: ProtocolVersion) -> usize {
        match self {
            Self::Connect(p) => p.remaining_len(),
            Self::ConnAck(p) => p.remaining_len(version),
            Self::Publish(p) => p.remaining_len(version),
            Self::PubAck(p) | Self::PubRec(p) | Self::PubRel(p) | Self::PubComp(p) => {
                p.remaining_len(version)
            }
            Self::Subscribe(p) => p.remaining_len(version),
            Self::SubAck(p) => p.remaining_len(version),
            Self::Unsubscribe(p) => p.remaining_len(version),
            Self::UnsubAck(p) => p.remaining_len(version),
            Self::PingReq | Self::PingResp => 0,
            Self::Disconnect(p) => p.remaining_len(version),
            Self::Auth(p) => p.remaining_len(),
        }
    }

    /// The size of the whole packet (fixed header included) encoded for `version`:
    /// what a Maximum Packet Size is compared against.
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        framed_len(self.remaining_len(version))
    }

    /// Appends this packet, encoded for `version`, to `buf`. The exact size is
    /// computed first and reserved once. On error nothing is appended.
    ///
    /// A CONNECT is encoded for the version it carries. Properties and reason codes
    /// that 3.x cannot express are dropped (3.x SUBACK failures become 0x80).
    pub fn encode(&self, version: ProtocolVersion, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let version = match self {
            Self::Connect(c) => c.protocol,
            Self::Auth(_) if !version.is_v5() => {
                return Err(EncodeError::NotInVersion(PacketType::Auth, version));
            }
            _ => version,
        };
        let kind = self.packet_type();
        let flags = match self {
            Self::Publish(p) => p.flags(),
            _ => kind.required_flags().unwrap_or(0),
        };
        encode_framed(
            kind,
            flags,
            self.remaining_len(version),
            buf,
            |buf| match self {
                Self::Connect(p) => p.encode_body(buf),
                Self::ConnAck(p) => p.encode_body(version, buf),
                Self::Publish(p) => p.encode_body(version, buf),
                Self::PubAck(p) | Self::PubRec(p) | Self::PubRel(p) | Self::PubComp(p) => {
                    p.encode_body(kind, version, buf)
                }
                Self::Subscribe(p) => p.encode_body(version, buf),
                Self::SubAck(p) => p.encode_body(version, buf),
                Self::Unsubscribe(p) => p.encode_body(version, buf),
                Self::UnsubAck(p) => p.encode_body(version, buf),
                Self::PingReq | Self::PingResp => Ok(()),
                Self::Disconnect(p) => p.encode_body(version, buf),
                Self::Auth(p) => p.encode_body(buf),
            },
        )
    }
}

/// The size of a whole packet whose Remaining Length is `rem`.
pub(crate) fn framed_len(rem: usize) -> usize {
    1 + varint::len(u32::try_from(rem).unwrap_or(u32::MAX)) + rem
}

/// Appends one packet to `buf`: the fixed header (`kind`, `flags`, Remaining
/// Length `rem`), then the body `put` writes, `rem` bytes. The exact size is
/// reserved once; on error nothing is appended.
pub(crate) fn encode_framed(
    kind: PacketType,
    flags: u8,
    rem: usize,
    buf: &mut BytesMut,
    put: impl FnOnce(&mut BytesMut) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let rem32 = u32::try_from(rem).map_err(|_| EncodeError::PacketTooLarge)?;
    if rem32 > varint::MAX {
        return Err(EncodeError::PacketTooLarge);
    }
    let start = buf.len();
    buf.reserve(1 + varint::len(rem32) + rem);
    buf.put_u8(((kind as u8) << 4) | flags);
    wire::put_varint(buf, rem32)?;
    if let Err(e) = put(buf) {
        buf.truncate(start);
        return Err(e);
    }
    debug_assert_eq!(buf.len() - start, 1 + varint::len(rem32) + rem);
    Ok(())
}

/// Checks the fixed-header flags ([MQTT-2.1.3-1]). MQTT 3.1 allowed DUP on the
/// packets that carry QoS 1 in their header (PUBREL, SUBSCRIBE, UNSUBSCRIBE).
fn check_flags(header: FixedHeader, v: ProtocolVersion) -> Result<(), ErrorKind> {
    let Some(required) = header.packet_type.required_flags() else {
        return Ok(());
    };
    let ok = header.flags == required
        || (v == ProtocolVersion::V3_1 && required == 0b0010 && header.flags == 0b1010);
    if ok {
        Ok(())
    } else {
        Err(ErrorKind::InvalidFixedHeaderFlags(
            header.packet_type,
            header.flags,
        ))
    }
}

impl From<Publish> for Packet {
    fn from(p: Publish) -> Self {
        Self::Publish(Box::new(p))
    }
}

impl From<Box<Publish>> for Packet {
    fn from(p: Box<Publish>) -> Self {
        Self::Publish(p)
    }
}

impl From<Connect> for Packet {
    fn from(p: Connect) -> Self {
        Self::Connect(Box::new(p))
    }
}

impl From<ConnAck> for Packet {
    fn from(p: ConnAck) -> Self {
        Self::ConnAck(Box::new(p))
    }
}

impl From<Subscribe> for Packet {
    fn from(p: Subscribe) -> Self {
        Self::Subscribe(p)
    }
}

impl From<SubAck> for Packet {
    fn from(p: SubAck) -> Self {
        Self::SubAck(p)
    }
}

impl From<Unsubscribe> for Packet {
    fn from(p: Unsubscribe) -> Self {
        Self::Unsubscribe(p)
    }
}

impl From<UnsubAck> for Packet {
    fn from(p: UnsubAck) -> Self {
        Self::UnsubAck(p)
    }
}

impl From<Disconnect> for Packet {
    fn from(p: Disconnect) -> Self {
        Self::Disconnect(p)
    }
}

impl From<Auth> for Packet {
    fn from(p: Auth) -> Self {
        Self::Auth(Box::new(p))
    }
}
