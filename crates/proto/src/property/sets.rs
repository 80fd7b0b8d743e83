//! The property set of each packet (MQTT 5.0 sections 3.1.2.11, 3.1.3.2, 3.2.2.3,
//! 3.3.2.3, 3.4.2.2 to 3.11.2.1, 3.14.2.2, 3.15.2.2).

use core::num::{NonZeroU16, NonZeroU32};

use bytes::{Bytes, BytesMut};
use bytestring::ByteString;

use super::{
    PropReader, PropertyId as Id, Value, block_len, len_byte, len_pairs, len_str, len_u16, len_u32,
    len_varint, not_allowed, put_byte, put_bytes, put_pairs, put_str, put_u16, put_u32, put_varint,
    to_bool, to_max_qos, to_nonzero16, to_nonzero32, to_response_topic,
};
use crate::error::{EncodeError, ErrorKind};
use crate::topic::TopicName;
use crate::types::{PacketType, QoS};
use crate::wire::{self, Reader};

/// A User Property: a name and value pair, forwarded in order.
pub type UserProperty = (ByteString, ByteString);

/// Shared behaviour of the per-packet property sets.
pub(crate) trait PropertySet: Default {
    /// Subscription Identifier may repeat (PUBLISH only).
    const MULTI_SUB_ID: bool = false;

    /// Stores one decoded property, or rejects it as not allowed in `packet`.
    fn apply(&mut self, id: Id, v: Value, packet: PacketType) -> Result<(), ErrorKind>;

    /// Checks rules that span several properties.
    fn check(&self) -> Result<(), ErrorKind> {
        Ok(())
    }

    /// Length of the encoded properties, without the Property Length field.
    fn content_len(&self) -> usize;

    /// Appends the encoded properties, without the Property Length field.
    fn put(&self, buf: &mut BytesMut) -> Result<(), EncodeError>;

    /// Reads a Property Length and the properties it covers.
    fn decode(r: &mut Reader, packet: PacketType) -> Result<Self, ErrorKind> {
        let mut set = Self::default();
        let mut props = PropReader::new(r, Self::MULTI_SUB_ID)?;
        while let Some((id, v)) = props.next()? {
            set.apply(id, v, packet)?;
        }
        set.check()?;
        Ok(set)
    }

    /// Encoded size including the Property Length field.
    fn encoded_len(&self) -> usize {
        block_len(self.content_len())
    }

    /// Appends the Property Length field and the properties.
    fn encode(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        self.check().map_err(EncodeError::Violates)?;
        let len = u32::try_from(self.content_len()).map_err(|_| EncodeError::PacketTooLarge)?;
        wire::put_varint(buf, len)?;
        self.put(buf)
    }
}

/// A Response Topic must be a valid, non-empty Topic Name ([MQTT-3.3.2-14]); only
/// [`TopicName::empty`] can break that.
fn response_topic_check(topic: &Option<TopicName>) -> Result<(), ErrorKind> {
    match topic {
        Some(t) if t.is_empty() => Err(ErrorKind::InvalidResponseTopic),
        _ => Ok(()),
    }
}

fn auth_pair_check(method: &Option<ByteString>, data: &Option<Bytes>) -> Result<(), ErrorKind> {
    if data.is_some() && method.is_none() {
        return Err(ErrorKind::AuthDataWithoutMethod);
    }
    Ok(())
}

/// CONNECT properties (section 3.1.2.11).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectProperties {
    /// Session Expiry Interval in seconds; absent means 0.
    pub session_expiry_interval: Option<u32>,
    /// Receive Maximum; absent means 65,535.
    pub receive_maximum: Option<NonZeroU16>,
    /// Maximum Packet Size the Client accepts; absent means no limit.
    pub maximum_packet_size: Option<NonZeroU32>,
    /// Topic Alias Maximum the Client accepts; absent means 0.
    pub topic_alias_maximum: Option<u16>,
    /// Request Response Information.
    pub request_response_information: Option<bool>,
    /// Request Problem Information; absent means true.
    pub request_problem_information: Option<bool>,
    /// User Properties, in order.
    pub user_properties: Vec<UserProperty>,
    /// Authentication Method for extended authentication.
    pub authentication_method: Option<ByteString>,
    /// Authentication Data.
    pub authentication_data: Option<Bytes>,
}

impl PropertySet for ConnectProperties {
    fn apply(&mut self, id: Id, v: Value, packet: PacketType) -> Result<(), ErrorKind> {
        match (id, v) {
            (Id::SessionExpiryInterval, Value::U32(x)) => self.session_expiry_interval = Some(x),
            (Id::ReceiveMaximum, Value::U16(x)) => {
                self.receive_maximum = Some(to_nonzero16(id, x)?)
            }
            (Id::MaximumPacketSize, Value::U32(x)) => {
                self.maximum_packet_size = Some(to_nonzero32(id, x)?);
            }
            (Id::TopicAliasMaximum, Value::U16(x)) => self.topic_alias_maximum = Some(x),
            (Id::RequestResponseInformation, Value::Byte(x)) => {
                self.request_response_information = Some(to_bool(id, x)?);
            }
            (Id::RequestProblemInformation, Value::Byte(x)) => {
                self.request_problem_information = Some(to_bool(id, x)?);
            }
            (Id::UserProperty, Value::Pair(k, v)) => self.user_properties.push((k, v)),
            (Id::AuthenticationMethod, Value::Str(x)) => self.authentication_method = Some(x),
            (Id::AuthenticationData, Value::Bin(x)) => self.authentication_data = Some(x),
            _ => return Err(not_allowed(id, packet)),
        }
        Ok(())
    }

    fn check(&self) -> Result<(), ErrorKind> {
        auth_pair_check(&self.authentication_method, &self.authentication_data)
    }

    fn content_len(&self) -> usize {
        len_u32(&self.session_expiry_interval)
            + len_u16(&self.receive_maximum)
            + len_u32(&self.maximum_packet_size)
            + len_u16(&self.topic_alias_maximum)
            + len_byte(&self.request_response_information)
            + len_byte(&self.request_problem_information)
            + len_pairs(&self.user_properties)
            + len_str(&self.authentication_method)
            + len_str(&self.authentication_data)
    }

    fn put(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_u32(buf, Id::SessionExpiryInterval, self.session_expiry_interval);
        put_str(buf, Id::AuthenticationMethod, &self.authentication_method)?;
        put_bytes(buf, Id::AuthenticationData, &self.authentication_data)?;
        put_byte(
            buf,
            Id::RequestProblemInformation,
            self.request_problem_information.map(u8::from),
        );
        put_byte(
            buf,
            Id::RequestResponseInformation,
            self.request_response_information.map(u8::from),
        );
        put_u16(
            buf,
            Id::ReceiveMaximum,
            self.receive_maximum.map(NonZeroU16::get),
        );
        put_u16(buf, Id::TopicAliasMaximum, self.topic_alias_maximum);
        put_pairs(buf, &self.user_properties)?;
        put_u32(
            buf,
            Id::MaximumPacketSize,
            self.maximum_packet_size.map(NonZeroU32::get),
        );
        Ok(())
    }
}

/// Will Properties in the CONNECT payload (section 3.1.3.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WillProperties {
    /// Will Delay Interval in seconds; absent means 0.
    pub will_delay_interval: Option<u32>,
    /// Payload Format Indicator: true for UTF-8 text.
    pub payload_format_indicator: Option<bool>,
    /// Message Expiry Interval in seconds.
    pub message_expiry_interval: Option<u32>,
    /// Content Type.
    pub content_type: Option<ByteString>,
    /// Response Topic.
    pub response_topic: Option<TopicName>,
    /// Correlation Data.
    pub correlation_data: Option<Bytes>,
    /// User Properties, in order.
    pub user_properties: Vec<UserProperty>,
}

impl PropertySet for WillProperties {
    fn apply(&mut self, id: Id, v: Value, packet: PacketType) -> Result<(), ErrorKind> {
        match (id, v) {
            (Id::WillDelayInterval, Value::U32(x)) => self.will_delay_interval = Some(x),
            (Id::PayloadFormatIndicator, Value::Byte(x)) => {
                self.payload_format_indicator = Some(to_bool(id, x)?);
            }
            (Id::MessageExpiryInterval, Value::U32(x)) => self.message_expiry_interval = Some(x),
            (Id::ContentType, Value::Str(x)) => self.content_type = Some(x),
            (Id::ResponseTopic, Value::Str(x)) => self.response_topic = Some(to_response_topic(x)?),
            (Id::CorrelationData, Value::Bin(x)) => self.correlation_data = Some(x),
            (Id::UserProperty, Value::Pair(k, v)) => self.user_properties.push((k, v)),
            _ => return Err(not_allowed(id, packet)),
        }
        Ok(())
    }

    fn check(&self) -> Result<(), ErrorKind> {
        response_topic_check(&self.response_topic)
    }

    fn content_len(&self) -> usize {
        len_u32(&self.will_delay_interval)
            + len_byte(&self.payload_format_indicator)
            + len_u32(&self.message_expiry_interval)
            + len_str(&self.content_type)
            + len_str(&self.response_topic.as_ref().map(TopicName::as_str))
            + len_str(&self.correlation_data)
            + len_pairs(&self.user_properties)
    }

    fn put(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_byte(
            buf,
            Id::PayloadFormatIndicator,
            self.payload_format_indicator.map(u8::from),
        );
        put_u32(buf, Id::MessageExpiryInterval, self.message_expiry_interval);
        put_str(buf, Id::ContentType, &self.content_type)?;
        put_bytes(
            buf,
            Id::ResponseTopic,
            &self.response_topic.as_ref().map(TopicName::as_str),
        )?;
        put_bytes(buf, Id::CorrelationData, &self.correlation_data)?;
        put_u32(buf, Id::WillDelayInterval, self.will_delay_interval);
        put_pairs(buf, &self.user_properties)
    }
}

/// CONNACK properties (section 3.2.2.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnAckProperties {
    /// Session Expiry Interval the Server uses, when it differs from the Client's.
    pub session_expiry_interval: Option<u32>,
    /// Receive Maximum of the Server; absent means 65,535.
    pub receive_maximum: Option<NonZeroU16>,
    /// Maximum QoS the Server supports (0 or 1); absent means 2.
    pub maximum_qos: Option<QoS>,
    /// Retain Available; absent means true.
    pub retain_available: Option<bool>,
    /// Maximum Packet Size the Server accepts.
    pub maximum_packet_size: Option<NonZeroU32>,
    /// Client Identifier assigned by the Server for an empty one.
    pub assigned_client_identifier: Option<ByteString>,
    /// Topic Alias Maximum the Server accepts; absent means 0.
    pub topic_alias_maximum: Option<u16>,
    /// Reason String.
    pub reason_string: Option<ByteString>,
    /// User Properties, in order.
    pub user_properties: Vec<UserProperty>,
    /// Wildcard Subscription Available; absent means true.
    pub wildcard_subscription_available: Option<bool>,
    /// Subscription Identifiers Available; absent means true.
    pub subscription_identifiers_available: Option<bool>,
    /// Shared Subscription Available; absent means true.
    pub shared_subscription_available: Option<bool>,
    /// Server Keep Alive, overriding the Client's Keep Alive.
    pub server_keep_alive: Option<u16>,
    /// Response Information.
    pub response_information: Option<ByteString>,
    /// Server Reference.
    pub server_reference: Option<ByteString>,
    /// Authentication Method.
    pub authentication_method: Option<ByteString>,
    /// Authentication Data.
    pub authentication_data: Option<Bytes>,
}

impl PropertySet for ConnAckProperties {
    fn apply(&mut self, id: Id, v: Value, packet: PacketType) -> Result<(), ErrorKind> {
        match (id, v) {
            (Id::SessionExpiryInterval, Value::U32(x)) => self.session_expiry_interval = Some(x),
            (Id::ReceiveMaximum, Value::U16(x)) => {
                self.receive_maximum = Some(to_nonzero16(id, x)?)
            }
            (Id::MaximumQoS, Value::Byte(x)) => self.maximum_qos = Some(to_max_qos(x)?),
            (Id::RetainAvailable, Value::Byte(x)) => self.retain_available = Some(to_bool(id, x)?),
            (Id::MaximumPacketSize, Value::U32(x)) => {
                self.maximum_packet_size = Some(to_nonzero32(id, x)?);
            }
            (Id::AssignedClientIdentifier, Value::Str(x)) => {
                self.assigned_client_identifier = Some(x);
            }
            (Id::TopicAliasMaximum, Value::U16(x)) => self.topic_alias_maximum = Some(x),
            (Id::ReasonString, Value::Str(x)) => self.reason_string = Some(x),
            (Id::UserProperty, Value::Pair(k, v)) => self.user_properties.push((k, v)),
            (Id::WildcardSubscriptionAvailable, Value::Byte(x)) => {
                self.wildcard_subscription_available = Some(to_bool(id, x)?);
            }
            (Id::SubscriptionIdentifierAvailable, Value::Byte(x)) => {
                self.subscription_identifiers_available = Some(to_bool(id, x)?);
            }
            (Id::SharedSubscriptionAvailable, Value::Byte(x)) => {
                self.shared_subscription_available = Some(to_bool(id, x)?);
            }
            (Id::ServerKeepAlive, Value::U16(x)) => self.server_keep_alive = Some(x),
            (Id::ResponseInformation, Value::Str(x)) => self.response_information = Some(x),
            (Id::ServerReference, Value::Str(x)) => self.server_reference = Some(x),
            (Id::AuthenticationMethod, Value::Str(x)) => self.authentication_method = Some(x),
            (Id::AuthenticationData, Value::Bin(x)) => self.authentication_data = Some(x),
            _ => return Err(not_allowed(id, packet)),
        }
        Ok(())
    }

    fn check(&self) -> Result<(), ErrorKind> {
        auth_pair_check(&self.authentication_method, &self.authentication_data)
    }

    fn content_len(&self) -> usize {
        len_u32(&self.session_expiry_interval)
            + len_u16(&self.receive_maximum)
            + len_byte(&self.maximum_qos)
            + len_byte(&self.retain_available)
            + len_u32(&self.maximum_packet_size)
            + len_str(&self.assigned_client_identifier)
            + len_u16(&self.topic_alias_maximum)
            + len_str(&self.reason_string)
            + len_pairs(&self.user_properties)
            + len_byte(&self.wildcard_subscription_available)
            + len_byte(&self.subscription_identifiers_available)
            + len_byte(&self.shared_subscription_available)
            + len_u16(&self.server_keep_alive)
            + len_str(&self.response_information)
            + len_str(&self.server_reference)
            + len_str(&self.authentication_method)
            + len_str(&self.authentication_data)
    }

    fn put(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        if self.maximum_qos == Some(QoS::ExactlyOnce) {
            return Err(EncodeError::InvalidPropertyValue(Id::MaximumQoS));
        }
        put_u32(buf, Id::SessionExpiryInterval, self.session_expiry_interval);
        put_str(
            buf,
            Id::AssignedClientIdentifier,
            &self.assigned_client_identifier,
        )?;
        put_u16(buf, Id::ServerKeepAlive, self.server_keep_alive);
        put_str(buf, Id::AuthenticationMethod, &self.authentication_method)?;
        put_bytes(buf, Id::AuthenticationData, &self.authentication_data)?;
        put_str(buf, Id::ResponseInformation, &self.response_information)?;
        put_str(buf, Id::ServerReference, &self.server_reference)?;
        put_str(buf, Id::ReasonString, &self.reason_string)?;
        put_u16(
            buf,
            Id::ReceiveMaximum,
            self.receive_maximum.map(NonZeroU16::get),
        );
        put_u16(buf, Id::TopicAliasMaximum, self.topic_alias_maximum);
        put_byte(buf, Id::MaximumQoS, self.maximum_qos.map(QoS::as_u8));
        put_byte(
            buf,
            Id::RetainAvailable,
            self.retain_available.map(u8::from),
        );
        put_pairs(buf, &self.user_properties)?;
        put_u32(
            buf,
            Id::MaximumPacketSize,
            self.maximum_packet_size.map(NonZeroU32::get),
        );
        put_byte(
            buf,
            Id::WildcardSubscriptionAvailable,
            self.wildcard_subscription_available.map(u8::from),
        );
        put_byte(
            buf,
            Id::SubscriptionIdentifierAvailable,
            self.subscription_identifiers_available.map(u8::from),
        );
        put_byte(
            buf,
            Id::SharedSubscriptionAvailable,
            self.shared_subscription_available.map(u8::from),
        );
        Ok(())
    }
}

/// PUBLISH properties (section 3.3.2.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishProperties {
    /// Payload Format Indicator: true for UTF-8 text.
    pub payload_format_indicator: Option<bool>,
    /// Message Expiry Interval in seconds.
    pub message_expiry_interval: Option<u32>,
    /// Topic Alias (never 0).
    pub topic_alias: Option<NonZeroU16>,
    /// Response Topic.
    pub response_topic: Option<TopicName>,
    /// Correlation Data.
    pub correlation_data: Option<Bytes>,
    /// User Properties, in order.
    pub user_properties: Vec<UserProperty>,
    /// Subscription Identifiers of the matching subscriptions (Server to Client only).
    pub subscription_identifiers: Vec<NonZeroU32>,
    /// Content Type.
    pub content_type: Option<ByteString>,
}

impl PublishProperties {
    /// True when no property is set (the common case on the hot path).
    pub fn is_empty(&self) -> bool {
        self.content_len() == 0
    }
}

impl PropertySet for PublishProperties {
    const MULTI_SUB_ID: bool = true;

    fn apply(&mut self, id: Id, v: Value, packet: PacketType) -> Result<(), ErrorKind> {
        match (id, v) {
            (Id::PayloadFormatIndicator, Value::Byte(x)) => {
                self.payload_format_indicator = Some(to_bool(id, x)?);
            }
            (Id::MessageExpiryInterval, Value::U32(x)) => self.message_expiry_interval = Some(x),
            (Id::TopicAlias, Value::U16(x)) => {
                self.topic_alias = Some(NonZeroU16::new(x).ok_or(ErrorKind::ZeroTopicAlias)?);
            }
            (Id::ResponseTopic, Value::Str(x)) => self.response_topic = Some(to_response_topic(x)?),
            (Id::CorrelationData, Value::Bin(x)) => self.correlation_data = Some(x),
            (Id::UserProperty, Value::Pair(k, v)) => self.user_properties.push((k, v)),
            (Id::SubscriptionIdentifier, Value::VarInt(x)) => {
                self.subscription_identifiers.push(to_nonzero32(id, x)?);
            }
            (Id::ContentType, Value::Str(x)) => self.content_type = Some(x),
            _ => return Err(not_allowed(id, packet)),
        }
        Ok(())
    }

    fn check(&self) -> Result<(), ErrorKind> {
        response_topic_check(&self.response_topic)
    }

    fn content_len(&self) -> usize {
        len_byte(&self.payload_format_indicator)
            + len_u32(&self.message_expiry_interval)
            + len_u16(&self.topic_alias)
            + len_str(&self.response_topic.as_ref().map(TopicName::as_str))
            + len_str(&self.correlation_data)
            + len_pairs(&self.user_properties)
            + self
                .subscription_identifiers
                .iter()
                .map(|s| len_varint(s.get()))
                .sum::<usize>()
            + len_str(&self.content_type)
    }

    fn put(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_byte(
            buf,
            Id::PayloadFormatIndicator,
            self.payload_format_indicator.map(u8::from),
        );
        put_u32(buf, Id::MessageExpiryInterval, self.message_expiry_interval);
        put_str(buf, Id::ContentType, &self.content_type)?;
        put_bytes(
            buf,
            Id::ResponseTopic,
            &self.response_topic.as_ref().map(TopicName::as_str),
        )?;
        put_bytes(buf, Id::CorrelationData, &self.correlation_data)?;
        for id in &self.subscription_identifiers {
            put_varint(buf, Id::SubscriptionIdentifier, id.get())?;
        }
        put_u16(buf, Id::TopicAlias, self.topic_alias.map(NonZeroU16::get));
        put_pairs(buf, &self.user_properties)
    }
}

/// Properties of PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and UNSUBACK.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AckProperties {
    /// Reason String.
    pub reason_string: Option<ByteString>,
    /// User Properties, in order.
    pub user_properties: Vec<UserProperty>,
}

impl AckProperties {
    /// True when no property is set.
    pub fn is_empty(&self) -> bool {
        self.reason_string.is_none() && self.user_properties.is_empty()
    }
}

impl PropertySet for AckProperties {
    fn apply(&mut self, id: Id, v: Value, packet: PacketType) -> Result<(), ErrorKind> {
        match (id, v) {
            (Id::ReasonString, Value::Str(x)) => self.reason_string = Some(x),
            (Id::UserProperty, Value::Pair(k, v)) => self.user_properties.push((k, v)),
            _ => return Err(not_allowed(id, packet)),
        }
        Ok(())
    }

    fn content_len(&self) -> usize {
        len_str(&self.reason_string) + len_pairs(&self.user_properties)
    }

    fn put(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_str(buf, Id::ReasonString, &self.reason_string)?;
        put_pairs(buf, &self.user_properties)
    }
}

/// SUBSCRIBE properties (section 3.8.2.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscribeProperties {
    /// Subscription Identifier, 1 to 268,435,455.
    pub subscription_identifier: Option<NonZeroU32>,
    /// User Properties, in order.
    pub user_properties: Vec<UserProperty>,
}

impl PropertySet for SubscribeProperties {
    fn apply(&mut self, id: Id, v: Value, packet: PacketType) -> Result<(), ErrorKind> {
        match (id, v) {
            (Id::SubscriptionIdentifier, Value::VarInt(x)) => {
                self.subscription_identifier = Some(to_nonzero32(id, x)?);
            }
            (Id::UserProperty, Value::Pair(k, v)) => self.user_properties.push((k, v)),
            _ => return Err(not_allowed(id, packet)),
        }
        Ok(())
    }

    fn content_len(&self) -> usize {
        self.subscription_identifier
            .map_or(0, |s| len_varint(s.get()))
            + len_pairs(&self.user_properties)
    }

    fn put(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        if let Some(id) = self.subscription_identifier {
            put_varint(buf, Id::SubscriptionIdentifier, id.get())?;
        }
        put_pairs(buf, &self.user_properties)
    }
}

/// UNSUBSCRIBE properties (section 3.10.2.1): User Properties only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnsubscribeProperties {
    /// User Properties, in order.
    pub user_properties: Vec<UserProperty>,
}

impl PropertySet for UnsubscribeProperties {
    fn apply(&mut self, id: Id, v: Value, packet: PacketType) -> Result<(), ErrorKind> {
        match (id, v) {
            (Id::UserProperty, Value::Pair(k, v)) => self.user_properties.push((k, v)),
            _ => return Err(not_allowed(id, packet)),
        }
        Ok(())
    }

    fn content_len(&self) -> usize {
        len_pairs(&self.user_properties)
    }

    fn put(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_pairs(buf, &self.user_properties)
    }
}

/// DISCONNECT properties (section 3.14.2.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisconnectProperties {
    /// Session Expiry Interval (Client to Server only).
    pub session_expiry_interval: Option<u32>,
    /// Reason String.
    pub reason_string: Option<ByteString>,
    /// User Properties, in order.
    pub user_properties: Vec<UserProperty>,
    /// Server Reference (Server to Client only).
    pub server_reference: Option<ByteString>,
}

impl DisconnectProperties {
    /// True when no property is set.
    pub fn is_empty(&self) -> bool {
        self.content_len() == 0
    }
}

impl PropertySet for DisconnectProperties {
    fn apply(&mut self, id: Id, v: Value, packet: PacketType) -> Result<(), ErrorKind> {
        match (id, v) {
            (Id::SessionExpiryInterval, Value::U32(x)) => self.session_expiry_interval = Some(x),
            (Id::ReasonString, Value::Str(x)) => self.reason_string = Some(x),
            (Id::UserProperty, Value::Pair(k, v)) => self.user_properties.push((k, v)),
            (Id::ServerReference, Value::Str(x)) => self.server_reference = Some(x),
            _ => return Err(not_allowed(id, packet)),
        }
        Ok(())
    }

    fn content_len(&self) -> usize {
        len_u32(&self.session_expiry_interval)
            + len_str(&self.reason_string)
            + len_pairs(&self.user_properties)
            + len_str(&self.server_reference)
    }

    fn put(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_u32(buf, Id::SessionExpiryInterval, self.session_expiry_interval);
        put_str(buf, Id::ServerReference, &self.server_reference)?;
        put_str(buf, Id::ReasonString, &self.reason_string)?;
        put_pairs(buf, &self.user_properties)
    }
}

/// AUTH properties (section 3.15.2.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthProperties {
    /// Authentication Method.
    pub authentication_method: Option<ByteString>,
    /// Authentication Data.
    pub authentication_data: Option<Bytes>,
    /// Reason String.
    pub reason_string: Option<ByteString>,
    /// User Properties, in order.
    pub user_properties: Vec<UserProperty>,
}

impl AuthProperties {
    /// True when no property is set.
    pub fn is_empty(&self) -> bool {
        self.content_len() == 0
    }
}

impl PropertySet for AuthProperties {
    fn apply(&mut self, id: Id, v: Value, packet: PacketType) -> Result<(), ErrorKind> {
        match (id, v) {
            (Id::AuthenticationMethod, Value::Str(x)) => self.authentication_method = Some(x),
            (Id::AuthenticationData, Value::Bin(x)) => self.authentication_data = Some(x),
            (Id::ReasonString, Value::Str(x)) => self.reason_string = Some(x),
            (Id::UserProperty, Value::Pair(k, v)) => self.user_properties.push((k, v)),
            _ => return Err(not_allowed(id, packet)),
        }
        Ok(())
    }

    fn check(&self) -> Result<(), ErrorKind> {
        auth_pair_check(&self.authentication_method, &self.authentication_data)
    }

    fn content_len(&self) -> usize {
        len_str(&self.authentication_method)
            + len_str(&self.authentication_data)
            + len_str(&self.reason_string)
            + len_pairs(&self.user_properties)
    }

    fn put(&self, buf: &mut BytesMut) -> Result<(), EncodeError> {
        put_str(buf, Id::AuthenticationMethod, &self.authentication_method)?;
        put_bytes(buf, Id::AuthenticationData, &self.authentication_data)?;
        put_str(buf, Id::ReasonString, &self.reason_string)?;
        put_pairs(buf, &self.user_properties)
    }
}
