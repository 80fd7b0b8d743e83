//! Decode and encode errors.
//!
//! Every decode error names the normative statement it enforces (when the
//! specification numbers one) and carries the reason code a Server sends for it.
//! Statement IDs are version-scoped: the same violation has a different ID in
//! MQTT 3.1.1 and 5.0, so [`DecodeError::rule`] answers for the version the packet
//! was decoded as.

use core::fmt;

use crate::property::PropertyId;
use crate::reason::ReasonCode;
use crate::types::{PacketType, ProtocolVersion};

/// What was wrong with the bytes received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The packet (fixed header plus Remaining Length) exceeds the maximum packet size.
    PacketTooLarge {
        /// Size of the whole packet in bytes as declared by its fixed header.
        size: u64,
        /// The limit in force.
        max: u32,
    },
    /// A Variable Byte Integer has a continuation bit set on its fourth byte.
    VarIntTooLong,
    /// A Variable Byte Integer is not in its shortest form.
    VarIntNotMinimal,
    /// The packet type nibble is reserved (0, or 15 before MQTT 5.0).
    ReservedPacketType(u8),
    /// The fixed-header flags are not the ones required for this packet type.
    InvalidFixedHeaderFlags(PacketType, u8),
    /// The packet ended before a field was complete.
    Truncated,
    /// The packet holds bytes after its last field.
    TrailingBytes,
    /// A UTF-8 Encoded String is not well-formed UTF-8 (or encodes a surrogate).
    InvalidUtf8,
    /// A UTF-8 Encoded String contains U+0000.
    NullCharacter,
    /// The first packet on a connection is not CONNECT.
    FirstPacketNotConnect(PacketType),
    /// CONNECT carries a protocol name other than `MQTT` (or `MQIsdp` for level 3).
    InvalidProtocolName,
    /// CONNECT carries a protocol level Midge does not speak.
    UnsupportedProtocolLevel(u8),
    /// The reserved bit 0 of the CONNECT flags is set.
    ConnectReservedFlag,
    /// Will QoS is not 0 while the Will Flag is 0.
    WillQosWithoutWill,
    /// Will Retain is set while the Will Flag is 0.
    WillRetainWithoutWill,
    /// Will QoS is 3.
    InvalidWillQos,
    /// MQTT 3.x: the Password Flag is set without the User Name Flag.
    PasswordWithoutUsername,
    /// CONNACK acknowledge flags has reserved bits set.
    ConnAckReservedFlags,
    /// CONNACK has Session Present set together with a refusal.
    SessionPresentOnRefusal,
    /// An MQTT 3.x CONNACK return code above 5.
    InvalidConnectReturnCode(u8),
    /// A reason code that is undefined or not allowed in this packet type.
    InvalidReasonCode(PacketType, u8),
    /// PUBLISH has both QoS bits set.
    InvalidPublishQos,
    /// PUBLISH has DUP set with QoS 0.
    DupWithQos0,
    /// A Packet Identifier is 0.
    ZeroPacketId,
    /// A Topic Name contains a wildcard character.
    TopicNameWildcard,
    /// The Will Topic contains a wildcard character.
    WillTopicWildcard,
    /// The Will Flag is set but the Will fields are missing from the payload.
    MissingWill,
    /// The User Name Flag is set but the payload has no User Name.
    MissingUsername,
    /// The Password Flag is set but the payload has no Password.
    MissingPassword,
    /// A Topic Name or Filter is empty (without a Topic Alias, for a v5 PUBLISH).
    EmptyTopic,
    /// A Topic Name or Filter longer than 65,535 bytes.
    TopicTooLong,
    /// A Topic Filter uses `#` anywhere but alone as the last level.
    MultiLevelWildcardPosition,
    /// A Topic Filter uses `+` without it occupying a whole level.
    SingleLevelWildcardPosition,
    /// A Shared Subscription filter without a ShareName (`$share`, `$share//f`).
    EmptyShareName,
    /// A `$share/` filter whose ShareName holds `+` or `#`, or with no filter after it.
    InvalidSharedSubscription,
    /// SUBSCRIBE carries no Topic Filter.
    EmptySubscribe,
    /// UNSUBSCRIBE carries no Topic Filter.
    EmptyUnsubscribe,
    /// SUBACK or UNSUBACK (v5) carries no reason code.
    EmptyAck,
    /// Reserved bits of the Subscription Options byte are set.
    SubscriptionOptionsReserved,
    /// The Maximum QoS of a subscription is 3.
    InvalidSubscriptionQos,
    /// Retain Handling is 3.
    InvalidRetainHandling,
    /// No Local is set on a Shared Subscription.
    NoLocalOnSharedSubscription,
    /// A property identifier that MQTT 5.0 does not define.
    UnknownProperty(u32),
    /// A property that is not allowed in this packet (or in the Will Properties).
    PropertyNotAllowed(PropertyId, PacketType),
    /// A property that may appear only once appears again.
    DuplicateProperty(PropertyId),
    /// A property has a value outside the range its definition allows.
    InvalidPropertyValue(PropertyId),
    /// A Topic Alias of 0.
    ZeroTopicAlias,
    /// A Topic Alias above the Topic Alias Maximum announced to the sender.
    TopicAliasOutOfRange {
        /// The alias received.
        alias: u16,
        /// The maximum in force.
        max: u16,
    },
    /// An empty topic with a Topic Alias that was never set on this connection.
    UnknownTopicAlias(u16),
    /// A Response Topic that is not a valid Topic Name.
    InvalidResponseTopic,
    /// Authentication Data without an Authentication Method.
    AuthDataWithoutMethod,
    /// A Client sent CONNECT again on a connection that already has one.
    SecondConnect,
    /// The peer sent more QoS 2 PUBLISH packets awaiting PUBREL than the Receive
    /// Maximum we announced.
    ReceiveMaximumExceeded,
    /// A packet a Server never receives (CONNACK, SUBACK, UNSUBACK, PINGRESP), or
    /// AUTH before MQTT 5.0.
    UnexpectedPacket(PacketType),
    /// A PUBLISH from a Client carries a Subscription Identifier.
    SubscriptionIdFromClient,
    /// No control packet arrived within one and a half times the Keep Alive.
    KeepAliveTimeout,
    /// A Packet Identifier that is already in use was asked for again.
    PacketIdInUse(u16),
    /// An acknowledgement for a Packet Identifier with no exchange in the state
    /// it acknowledges.
    UnknownPacketId(u16),
}

impl ErrorKind {
    /// The reason code a receiver sends (CONNACK or DISCONNECT) for this error.
    pub const fn reason_code(self) -> ReasonCode {
        use ErrorKind::*;
        match self {
            PacketTooLarge { .. } => ReasonCode::PacketTooLarge,
            InvalidProtocolName | UnsupportedProtocolLevel(_) => {
                ReasonCode::UnsupportedProtocolVersion
            }
            TopicNameWildcard | WillTopicWildcard => ReasonCode::TopicNameInvalid,
            MultiLevelWildcardPosition
            | SingleLevelWildcardPosition
            | EmptyShareName
            | InvalidSharedSubscription => ReasonCode::TopicFilterInvalid,
            ZeroTopicAlias | TopicAliasOutOfRange { .. } => ReasonCode::TopicAliasInvalid,
            FirstPacketNotConnect(_)
            | SessionPresentOnRefusal
            | DupWithQos0
            | ZeroPacketId
            | EmptyTopic
            | EmptySubscribe
            | EmptyUnsubscribe
            | InvalidSubscriptionQos
            | InvalidRetainHandling
            | NoLocalOnSharedSubscription
            | DuplicateProperty(_)
            | InvalidPropertyValue(_)
            | InvalidResponseTopic
            | UnknownTopicAlias(_)
            | AuthDataWithoutMethod
            | SecondConnect
            | UnexpectedPacket(_)
            | SubscriptionIdFromClient
            | PacketIdInUse(_) => ReasonCode::ProtocolError,
            ReceiveMaximumExceeded => ReasonCode::ReceiveMaximumExceeded,
            KeepAliveTimeout => ReasonCode::KeepAliveTimeout,
            UnknownPacketId(_) => ReasonCode::PacketIdentifierNotFound,
            VarIntTooLong
            | VarIntNotMinimal
            | ReservedPacketType(_)
            | InvalidFixedHeaderFlags(..)
            | Truncated
            | TrailingBytes
            | InvalidUtf8
            | NullCharacter
            | ConnectReservedFlag
            | MissingWill
            | MissingUsername
            | MissingPassword
            | WillQosWithoutWill
            | WillRetainWithoutWill
            | InvalidWillQos
            | PasswordWithoutUsername
            | ConnAckReservedFlags
            | InvalidConnectReturnCode(_)
            | InvalidReasonCode(..)
            | InvalidPublishQos
            | EmptyAck
            | TopicTooLong
            | SubscriptionOptionsReserved
            | UnknownProperty(_)
            | PropertyNotAllowed(..) => ReasonCode::MalformedPacket,
        }
    }

    /// The normative statement this error enforces, for protocol `version`.
    pub const fn rule(self, version: ProtocolVersion) -> Option<&'static str> {
        use ErrorKind::*;
        let v5 = version.is_v5();
        Some(match self {
            PacketTooLarge { .. } if v5 => "MQTT-3.2.2-15",
            VarIntTooLong | VarIntNotMinimal if v5 => "MQTT-1.5.5-1",
            InvalidFixedHeaderFlags(PacketType::PubRel, _) => "MQTT-3.6.1-1",
            InvalidFixedHeaderFlags(PacketType::Subscribe, _) => "MQTT-3.8.1-1",
            InvalidFixedHeaderFlags(PacketType::Unsubscribe, _) => "MQTT-3.10.1-1",
            InvalidFixedHeaderFlags(PacketType::Auth, _) => "MQTT-3.15.1-1",
            InvalidFixedHeaderFlags(PacketType::Disconnect, _) => "MQTT-3.14.1-1",
            InvalidFixedHeaderFlags(..) if v5 => "MQTT-2.1.3-1",
            InvalidFixedHeaderFlags(..) => "MQTT-2.2.2-2",
            InvalidUtf8 if v5 => "MQTT-1.5.4-1",
            InvalidUtf8 => "MQTT-1.5.3-1",
            NullCharacter if v5 => "MQTT-1.5.4-2",
            NullCharacter => "MQTT-1.5.3-2",
            FirstPacketNotConnect(_) => "MQTT-3.1.0-1",
            InvalidProtocolName => "MQTT-3.1.2-1",
            UnsupportedProtocolLevel(_) => "MQTT-3.1.2-2",
            ConnectReservedFlag => "MQTT-3.1.2-3",
            WillQosWithoutWill if v5 => "MQTT-3.1.2-11",
            WillQosWithoutWill => "MQTT-3.1.2-13",
            WillRetainWithoutWill if v5 => "MQTT-3.1.2-13",
            WillRetainWithoutWill => "MQTT-3.1.2-15",
            InvalidWillQos if v5 => "MQTT-3.1.2-12",
            InvalidWillQos => "MQTT-3.1.2-14",
            PasswordWithoutUsername if !v5 => "MQTT-3.1.2-22",
            SessionPresentOnRefusal if v5 => "MQTT-3.2.2-6",
            SessionPresentOnRefusal => "MQTT-3.2.2-4",
            InvalidReasonCode(t, _) if v5 => match t {
                PacketType::ConnAck => "MQTT-3.2.2-8",
                PacketType::PubAck => "MQTT-3.4.2-1",
                PacketType::PubRec => "MQTT-3.5.2-1",
                PacketType::PubRel => "MQTT-3.6.2-1",
                PacketType::PubComp => "MQTT-3.7.2-1",
                PacketType::SubAck => "MQTT-3.9.3-2",
                PacketType::UnsubAck => "MQTT-3.11.3-2",
                PacketType::Disconnect => "MQTT-3.14.2-1",
                PacketType::Auth => "MQTT-3.15.2-1",
                _ => return None,
            },
            InvalidReasonCode(PacketType::SubAck, _) => "MQTT-3.9.3-2",
            ConnAckReservedFlags if v5 => "MQTT-3.2.2-1",
            ZeroTopicAlias => "MQTT-3.3.2-8",
            TopicAliasOutOfRange { .. } => "MQTT-3.3.2-9",
            WillTopicWildcard if v5 => "MQTT-4.7.0-1",
            WillTopicWildcard => "MQTT-4.7.1-1",
            MissingWill => "MQTT-3.1.2-9",
            MissingUsername if v5 => "MQTT-3.1.2-17",
            MissingUsername => "MQTT-3.1.2-19",
            MissingPassword if v5 => "MQTT-3.1.2-19",
            MissingPassword => "MQTT-3.1.2-21",
            InvalidPublishQos => "MQTT-3.3.1-4",
            DupWithQos0 => "MQTT-3.3.1-2",
            ZeroPacketId if v5 => "MQTT-2.2.1-3",
            ZeroPacketId => "MQTT-2.3.1-1",
            TopicNameWildcard => "MQTT-3.3.2-2",
            EmptyTopic => "MQTT-4.7.3-1",
            TopicTooLong => "MQTT-4.7.3-3",
            MultiLevelWildcardPosition if v5 => "MQTT-4.7.1-1",
            MultiLevelWildcardPosition => "MQTT-4.7.1-2",
            SingleLevelWildcardPosition if v5 => "MQTT-4.7.1-2",
            SingleLevelWildcardPosition => "MQTT-4.7.1-3",
            EmptyShareName => "MQTT-4.8.2-1",
            InvalidSharedSubscription => "MQTT-4.8.2-2",
            EmptySubscribe if v5 => "MQTT-3.8.3-2",
            EmptySubscribe => "MQTT-3.8.3-3",
            EmptyUnsubscribe => "MQTT-3.10.3-2",
            SubscriptionOptionsReserved if v5 => "MQTT-3.8.3-5",
            SubscriptionOptionsReserved | InvalidSubscriptionQos if !v5 => "MQTT-3.8.3-4",
            NoLocalOnSharedSubscription => "MQTT-3.8.3-4",
            InvalidResponseTopic => "MQTT-3.3.2-14",
            SecondConnect => "MQTT-3.1.0-2",
            ReceiveMaximumExceeded if v5 => "MQTT-3.3.4-7",
            SubscriptionIdFromClient if v5 => "MQTT-3.3.4-6",
            KeepAliveTimeout if v5 => "MQTT-3.1.2-22",
            KeepAliveTimeout => "MQTT-3.1.2-24",
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorKind::*;
        match self {
            PacketTooLarge { size, max } => {
                write!(
                    f,
                    "packet of {size} bytes exceeds the maximum packet size of {max}"
                )
            }
            VarIntTooLong => f.write_str("variable byte integer longer than 4 bytes"),
            VarIntNotMinimal => f.write_str("variable byte integer not in its shortest form"),
            ReservedPacketType(t) => write!(f, "reserved packet type {t}"),
            InvalidFixedHeaderFlags(t, flags) => {
                write!(f, "invalid fixed header flags 0b{flags:04b} for {t}")
            }
            Truncated => f.write_str("packet ends in the middle of a field"),
            TrailingBytes => f.write_str("unexpected bytes after the last field"),
            InvalidUtf8 => f.write_str("string is not well-formed UTF-8"),
            NullCharacter => f.write_str("string contains U+0000"),
            FirstPacketNotConnect(t) => write!(f, "first packet is {t}, not CONNECT"),
            InvalidProtocolName => f.write_str("unknown protocol name"),
            UnsupportedProtocolLevel(l) => write!(f, "unsupported protocol level {l}"),
            ConnectReservedFlag => f.write_str("reserved CONNECT flag is set"),
            WillQosWithoutWill => f.write_str("will QoS set without a will"),
            WillRetainWithoutWill => f.write_str("will retain set without a will"),
            InvalidWillQos => f.write_str("will QoS 3"),
            PasswordWithoutUsername => f.write_str("password flag set without user name flag"),
            ConnAckReservedFlags => f.write_str("reserved CONNACK flags are set"),
            SessionPresentOnRefusal => f.write_str("session present set on a refused CONNACK"),
            InvalidConnectReturnCode(c) => write!(f, "invalid CONNACK return code {c}"),
            InvalidReasonCode(t, c) => write!(f, "reason code 0x{c:02X} is not valid in {t}"),
            InvalidPublishQos => f.write_str("PUBLISH with QoS 3"),
            DupWithQos0 => f.write_str("PUBLISH with DUP set at QoS 0"),
            ZeroPacketId => f.write_str("packet identifier 0"),
            TopicNameWildcard => f.write_str("topic name contains a wildcard"),
            WillTopicWildcard => f.write_str("will topic contains a wildcard"),
            MissingWill => f.write_str("will flag set but will fields missing"),
            MissingUsername => f.write_str("user name flag set but user name missing"),
            MissingPassword => f.write_str("password flag set but password missing"),
            EmptyTopic => f.write_str("empty topic"),
            TopicTooLong => f.write_str("topic longer than 65535 bytes"),
            MultiLevelWildcardPosition => {
                f.write_str("'#' must be alone in the last level of a topic filter")
            }
            SingleLevelWildcardPosition => {
                f.write_str("'+' must occupy a whole level of a topic filter")
            }
            EmptyShareName => f.write_str("shared subscription without a share name"),
            InvalidSharedSubscription => f.write_str("invalid shared subscription filter"),
            EmptySubscribe => f.write_str("SUBSCRIBE without topic filters"),
            EmptyUnsubscribe => f.write_str("UNSUBSCRIBE without topic filters"),
            EmptyAck => f.write_str("acknowledgement without reason codes"),
            SubscriptionOptionsReserved => f.write_str("reserved subscription option bits set"),
            InvalidSubscriptionQos => f.write_str("subscription maximum QoS 3"),
            InvalidRetainHandling => f.write_str("retain handling 3"),
            NoLocalOnSharedSubscription => f.write_str("no local set on a shared subscription"),
            UnknownProperty(id) => write!(f, "unknown property identifier 0x{id:02X}"),
            PropertyNotAllowed(p, t) => write!(f, "property {p} is not allowed in {t}"),
            DuplicateProperty(p) => write!(f, "property {p} appears more than once"),
            InvalidPropertyValue(p) => write!(f, "invalid value for property {p}"),
            ZeroTopicAlias => f.write_str("topic alias 0"),
            TopicAliasOutOfRange { alias, max } => {
                write!(
                    f,
                    "topic alias {alias} exceeds the topic alias maximum {max}"
                )
            }
            UnknownTopicAlias(a) => write!(f, "topic alias {a} was never set on this connection"),
            InvalidResponseTopic => f.write_str("response topic is not a valid topic name"),
            AuthDataWithoutMethod => {
                f.write_str("authentication data without authentication method")
            }
            SecondConnect => f.write_str("second CONNECT on the same connection"),
            ReceiveMaximumExceeded => {
                f.write_str("more QoS 2 PUBLISH packets awaiting PUBREL than the receive maximum")
            }
            UnexpectedPacket(t) => write!(f, "unexpected {t} packet"),
            SubscriptionIdFromClient => {
                f.write_str("PUBLISH from a client carries a subscription identifier")
            }
            KeepAliveTimeout => f.write_str("no packet received within 1.5 times the keep alive"),
            PacketIdInUse(id) => write!(f, "packet identifier {id} is already in use"),
            UnknownPacketId(id) => write!(f, "packet identifier {id} not found"),
        }
    }
}

impl std::error::Error for ErrorKind {}

/// A packet could not be decoded. Carries what was wrong, for which protocol
/// version, the statement violated and the reason code to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    kind: ErrorKind,
    version: ProtocolVersion,
}

impl DecodeError {
    /// An error of `kind` met while decoding a packet of `version`.
    pub const fn new(kind: ErrorKind, version: ProtocolVersion) -> Self {
        Self { kind, version }
    }

    /// What was wrong.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The protocol version the packet was decoded as.
    pub const fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The reason code to send in CONNACK or DISCONNECT (MQTT 5.0); MQTT 3.x peers
    /// are disconnected without one, but the code still classifies the error.
    pub const fn reason_code(&self) -> ReasonCode {
        match self.kind {
            // 3.1.1 [MQTT-3.8.3-4] treats a requested QoS of 3 as malformed; 5.0
            // calls it a Protocol Error.
            ErrorKind::InvalidSubscriptionQos if !self.version.is_v5() => {
                ReasonCode::MalformedPacket
            }
            kind => kind.reason_code(),
        }
    }

    /// The normative statement violated, e.g. `MQTT-3.3.1-4`, for this version.
    pub const fn rule(&self) -> Option<&'static str> {
        self.kind.rule(self.version)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = match self.reason_code() {
            ReasonCode::MalformedPacket => "malformed packet",
            ReasonCode::ProtocolError => "protocol error",
            other => other.description(),
        };
        write!(f, "{class}: {}", self.kind)?;
        if let Some(rule) = self.rule() {
            write!(f, " [{rule}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}

/// A packet could not be encoded: the value cannot be represented on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// A string or binary field is longer than 65,535 bytes.
    FieldTooLong,
    /// The packet's Remaining Length would exceed 268,435,455 bytes.
    PacketTooLarge,
    /// A PUBLISH has QoS > 0 without a Packet Identifier, or QoS 0 with one.
    PacketIdMismatch,
    /// The packet type does not exist in this protocol version (AUTH before 5.0).
    NotInVersion(PacketType, ProtocolVersion),
    /// A PUBLISH with an empty topic name outside MQTT 5.0 topic aliasing.
    EmptyTopic,
    /// SUBSCRIBE or UNSUBSCRIBE without a filter, or SUBACK without a code.
    EmptyPayload,
    /// A reason code not allowed in this packet type.
    InvalidReasonCode(PacketType, ReasonCode),
    /// A property value outside its allowed range (e.g. Subscription Identifier 0).
    InvalidPropertyValue(PropertyId),
    /// The packet breaks a rule the receiver enforces (the same rule a decoder
    /// would report, e.g. U+0000 in a string or DUP on a QoS 0 PUBLISH).
    Violates(ErrorKind),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FieldTooLong => f.write_str("string or binary field longer than 65535 bytes"),
            Self::PacketTooLarge => f.write_str("packet longer than 268435455 bytes"),
            Self::PacketIdMismatch => {
                f.write_str("PUBLISH packet identifier must be present exactly when QoS > 0")
            }
            Self::NotInVersion(t, v) => write!(f, "{t} does not exist in {v}"),
            Self::EmptyTopic => f.write_str("empty topic name without a topic alias"),
            Self::EmptyPayload => f.write_str("packet needs at least one entry"),
            Self::InvalidReasonCode(t, c) => write!(f, "reason code {c} is not valid in {t}"),
            Self::InvalidPropertyValue(p) => write!(f, "invalid value for property {p}"),
            Self::Violates(kind) => write!(f, "would send a packet the peer must reject: {kind}"),
        }
    }
}

impl std::error::Error for EncodeError {}
