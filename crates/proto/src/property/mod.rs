//! MQTT 5.0 properties (section 2.2.2): identifiers, the generic reader that
//! enforces "no unknown identifier" and "no duplicates", and the per-packet
//! property sets in `sets`. Each set accepts exactly the properties the
//! specification allows in its packet; anything else is a Malformed Packet.

mod sets;

pub(crate) use sets::PropertySet;
pub use sets::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties,
    PublishProperties, SubscribeProperties, UnsubscribeProperties, UserProperty, WillProperties,
};

use core::fmt;
use core::num::{NonZeroU16, NonZeroU32};

use bytes::{BufMut, Bytes, BytesMut};
use bytestring::ByteString;

use crate::error::{EncodeError, ErrorKind};
use crate::topic::TopicName;
use crate::types::{PacketType, QoS};
use crate::varint;
use crate::wire::{self, Reader};

macro_rules! property_ids {
    ($( $(#[$doc:meta])* $name:ident = $value:literal, $text:literal, $kind:ident; )*) => {
        /// A property identifier (MQTT 5.0 Table 2-4).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum PropertyId {
            $( $(#[$doc])* $name = $value, )*
        }

        impl PropertyId {
            /// The property for an identifier, if MQTT 5.0 defines it.
            pub const fn from_u32(v: u32) -> Option<Self> {
                match v {
                    $( $value => Some(Self::$name), )*
                    _ => None,
                }
            }

            /// The name the specification gives this property.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Self::$name => $text, )*
                }
            }

            const fn kind(self) -> Kind {
                match self {
                    $( Self::$name => Kind::$kind, )*
                }
            }
        }
    };
}

property_ids! {
    /// 0x01, Byte.
    PayloadFormatIndicator = 0x01, "Payload Format Indicator", Byte;
    /// 0x02, Four Byte Integer.
    MessageExpiryInterval = 0x02, "Message Expiry Interval", U32;
    /// 0x03, UTF-8 string.
    ContentType = 0x03, "Content Type", Str;
    /// 0x08, UTF-8 string.
    ResponseTopic = 0x08, "Response Topic", Str;
    /// 0x09, Binary Data.
    CorrelationData = 0x09, "Correlation Data", Bin;
    /// 0x0B, Variable Byte Integer.
    SubscriptionIdentifier = 0x0B, "Subscription Identifier", VarInt;
    /// 0x11, Four Byte Integer.
    SessionExpiryInterval = 0x11, "Session Expiry Interval", U32;
    /// 0x12, UTF-8 string.
    AssignedClientIdentifier = 0x12, "Assigned Client Identifier", Str;
    /// 0x13, Two Byte Integer.
    ServerKeepAlive = 0x13, "Server Keep Alive", U16;
    /// 0x15, UTF-8 string.
    AuthenticationMethod = 0x15, "Authentication Method", Str;
    /// 0x16, Binary Data.
    AuthenticationData = 0x16, "Authentication Data", Bin;
    /// 0x17, Byte.
    RequestProblemInformation = 0x17, "Request Problem Information", Byte;
    /// 0x18, Four Byte Integer.
    WillDelayInterval = 0x18, "Will Delay Interval", U32;
    /// 0x19, Byte.
    RequestResponseInformation = 0x19, "Request Response Information", Byte;
    /// 0x1A, UTF-8 string.
    ResponseInformation = 0x1A, "Response Information", Str;
    /// 0x1C, UTF-8 string.
    ServerReference = 0x1C, "Server Reference", Str;
    /// 0x1F, UTF-8 string.
    ReasonString = 0x1F, "Reason String", Str;
    /// 0x21, Two Byte Integer.
    ReceiveMaximum = 0x21, "Receive Maximum", U16;
    /// 0x22, Two Byte Integer.
    TopicAliasMaximum = 0x22, "Topic Alias Maximum", U16;
    /// 0x23, Two Byte Integer.
    TopicAlias = 0x23, "Topic Alias", U16;
    /// 0x24, Byte.
    MaximumQoS = 0x24, "Maximum QoS", Byte;
    /// 0x25, Byte.
    RetainAvailable = 0x25, "Retain Available", Byte;
    /// 0x26, UTF-8 String Pair.
    UserProperty = 0x26, "User Property", Pair;
    /// 0x27, Four Byte Integer.
    MaximumPacketSize = 0x27, "Maximum Packet Size", U32;
    /// 0x28, Byte.
    WildcardSubscriptionAvailable = 0x28, "Wildcard Subscription Available", Byte;
    /// 0x29, Byte.
    SubscriptionIdentifierAvailable = 0x29, "Subscription Identifier Available", Byte;
    /// 0x2A, Byte.
    SharedSubscriptionAvailable = 0x2A, "Shared Subscription Available", Byte;
}

impl fmt::Display for PropertyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:02X})", self.name(), *self as u8)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Byte,
    U16,
    U32,
    VarInt,
    Str,
    Bin,
    Pair,
}

/// A decoded property value, typed by its identifier.
pub(crate) enum Value {
    Byte(u8),
    U16(u16),
    U32(u32),
    VarInt(u32),
    Str(ByteString),
    Bin(Bytes),
    Pair(ByteString, ByteString),
}

/// Iterates over the properties of one packet, rejecting unknown identifiers and
/// repeated ones. User Property may always repeat; Subscription Identifier only
/// where `multi_sub_id` allows it (PUBLISH).
pub(crate) struct PropReader {
    r: Reader,
    seen: u64,
    multi_sub_id: bool,
}

impl PropReader {
    /// Reads the Property Length and takes that many bytes from `r`.
    pub(crate) fn new(r: &mut Reader, multi_sub_id: bool) -> Result<Self, ErrorKind> {
        let len = r.varint()?;
        let len = usize::try_from(len).map_err(|_| ErrorKind::Truncated)?;
        Ok(Self {
            r: Reader::new(r.take(len)?),
            seen: 0,
            multi_sub_id,
        })
    }

    pub(crate) fn next(&mut self) -> Result<Option<(PropertyId, Value)>, ErrorKind> {
        if self.r.is_empty() {
            return Ok(None);
        }
        let raw = self.r.varint()?;
        let id = PropertyId::from_u32(raw).ok_or(ErrorKind::UnknownProperty(raw))?;
        let repeatable = matches!(id, PropertyId::UserProperty)
            || (self.multi_sub_id && matches!(id, PropertyId::SubscriptionIdentifier));
        let bit = 1u64 << (id as u8);
        if self.seen & bit != 0 && !repeatable {
            return Err(ErrorKind::DuplicateProperty(id));
        }
        self.seen |= bit;
        let value = match id.kind() {
            Kind::Byte => Value::Byte(self.r.u8()?),
            Kind::U16 => Value::U16(self.r.u16()?),
            Kind::U32 => Value::U32(self.r.u32()?),
            Kind::VarInt => Value::VarInt(self.r.varint()?),
            Kind::Str => Value::Str(self.r.string()?),
            Kind::Bin => Value::Bin(self.r.binary()?),
            Kind::Pair => Value::Pair(self.r.string()?, self.r.string()?),
        };
        Ok(Some((id, value)))
    }
}

// ---- value conversions used by the property sets while decoding ----

pub(crate) fn to_bool(id: PropertyId, v: u8) -> Result<bool, ErrorKind> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(ErrorKind::InvalidPropertyValue(id)),
    }
}

pub(crate) fn to_nonzero16(id: PropertyId, v: u16) -> Result<NonZeroU16, ErrorKind> {
    NonZeroU16::new(v).ok_or(ErrorKind::InvalidPropertyValue(id))
}

pub(crate) fn to_nonzero32(id: PropertyId, v: u32) -> Result<NonZeroU32, ErrorKind> {
    NonZeroU32::new(v).ok_or(ErrorKind::InvalidPropertyValue(id))
}

pub(crate) fn to_max_qos(v: u8) -> Result<QoS, ErrorKind> {
    match v {
        0 => Ok(QoS::AtMostOnce),
        1 => Ok(QoS::AtLeastOnce),
        _ => Err(ErrorKind::InvalidPropertyValue(PropertyId::MaximumQoS)),
    }
}

pub(crate) fn to_response_topic(s: ByteString) -> Result<TopicName, ErrorKind> {
    TopicName::new(s).map_err(|_| ErrorKind::InvalidResponseTopic)
}

pub(crate) fn not_allowed(id: PropertyId, packet: PacketType) -> ErrorKind {
    ErrorKind::PropertyNotAllowed(id, packet)
}

// ---- encoding: exact lengths and writers (every identifier fits in one byte) ----

pub(crate) fn len_byte<T>(v: &Option<T>) -> usize {
    if v.is_some() { 2 } else { 0 }
}

pub(crate) fn len_u16<T>(v: &Option<T>) -> usize {
    if v.is_some() { 3 } else { 0 }
}

pub(crate) fn len_u32<T>(v: &Option<T>) -> usize {
    if v.is_some() { 5 } else { 0 }
}

pub(crate) fn len_varint(v: u32) -> usize {
    1 + varint::len(v)
}

pub(crate) fn len_str<T: AsRef<[u8]>>(v: &Option<T>) -> usize {
    v.as_ref()
        .map_or(0, |s| 1 + wire::field_len(s.as_ref().len()))
}

pub(crate) fn len_pairs(v: &[(ByteString, ByteString)]) -> usize {
    v.iter()
        .map(|(k, v)| 1 + wire::field_len(k.len()) + wire::field_len(v.len()))
        .sum()
}

pub(crate) fn put_byte(buf: &mut BytesMut, id: PropertyId, v: Option<u8>) {
    if let Some(v) = v {
        buf.put_u8(id as u8);
        buf.put_u8(v);
    }
}

pub(crate) fn put_u16(buf: &mut BytesMut, id: PropertyId, v: Option<u16>) {
    if let Some(v) = v {
        buf.put_u8(id as u8);
        buf.put_u16(v);
    }
}

pub(crate) fn put_u32(buf: &mut BytesMut, id: PropertyId, v: Option<u32>) {
    if let Some(v) = v {
        buf.put_u8(id as u8);
        buf.put_u32(v);
    }
}

pub(crate) fn put_varint(buf: &mut BytesMut, id: PropertyId, v: u32) -> Result<(), EncodeError> {
    if v == 0 || v > varint::MAX {
        return Err(EncodeError::InvalidPropertyValue(id));
    }
    buf.put_u8(id as u8);
    varint::put(buf, v);
    Ok(())
}

/// Writes an optional length-prefixed property with `write` (binary or string).
fn put_field<T: ?Sized>(
    buf: &mut BytesMut,
    id: PropertyId,
    v: Option<&T>,
    write: fn(&mut BytesMut, &T) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    if let Some(v) = v {
        buf.put_u8(id as u8);
        write(buf, v)?;
    }
    Ok(())
}

pub(crate) fn put_bytes<T: AsRef<[u8]>>(
    buf: &mut BytesMut,
    id: PropertyId,
    v: &Option<T>,
) -> Result<(), EncodeError> {
    put_field(buf, id, v.as_ref().map(AsRef::as_ref), wire::put_binary)
}

/// Like [`put_bytes`] for UTF-8 strings, which must not hold U+0000.
pub(crate) fn put_str<T: AsRef<str>>(
    buf: &mut BytesMut,
    id: PropertyId,
    v: &Option<T>,
) -> Result<(), EncodeError> {
    put_field(buf, id, v.as_ref().map(AsRef::as_ref), wire::put_string)
}

pub(crate) fn put_pairs(
    buf: &mut BytesMut,
    pairs: &[(ByteString, ByteString)],
) -> Result<(), EncodeError> {
    for (k, v) in pairs {
        buf.put_u8(PropertyId::UserProperty as u8);
        wire::put_string(buf, k)?;
        wire::put_string(buf, v)?;
    }
    Ok(())
}

/// Encoded size of a property block whose content is `len` bytes: the Property
/// Length Variable Byte Integer plus the content.
pub(crate) fn block_len(len: usize) -> usize {
    varint::len(u32::try_from(len).unwrap_or(u32::MAX)) + len
}
