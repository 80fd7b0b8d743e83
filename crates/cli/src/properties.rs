//! `-D command identifier value` (`--property`): MQTT 5.0 properties for the
//! packets the client tools send, checked the way `mosquitto_pub` checks them
//! (command and property names, which property each packet may carry, value
//! ranges, duplicates) and, beyond it, against the specification's value
//! rules (a Topic Alias of 0, a Payload Format Indicator of 2, a Response
//! Topic with wildcards are refused here rather than by the broker).

use std::num::{NonZeroU16, NonZeroU32};

use bytes::Bytes;
use midge_proto::property::{
    ConnectProperties, DisconnectProperties, PublishProperties, SubscribeProperties,
    UnsubscribeProperties, WillProperties,
};
use midge_proto::{ByteString, PropertyId, TopicName};

/// The properties given with `-D`, one set per packet.
#[derive(Debug, Clone, Default)]
pub(crate) struct Properties {
    /// `-D connect ...`.
    pub(crate) connect: ConnectProperties,
    /// `-D publish ...`.
    pub(crate) publish: PublishProperties,
    /// `-D subscribe ...`.
    pub(crate) subscribe: SubscribeProperties,
    /// `-D unsubscribe ...`.
    pub(crate) unsubscribe: UnsubscribeProperties,
    /// `-D disconnect ...`.
    pub(crate) disconnect: DisconnectProperties,
    /// `-D will ...` (Will Properties in CONNECT).
    pub(crate) will: WillProperties,
    /// Whether any `-D` was given (which selects MQTT 5.0).
    pub(crate) any: bool,
}

/// The packets a property can be named for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    Connect,
    ConnAck,
    Publish,
    PubAck,
    PubRec,
    PubRel,
    PubComp,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    Disconnect,
    Auth,
    Will,
}

impl Cmd {
    fn parse(name: &str) -> Option<Cmd> {
        Some(match name.to_ascii_lowercase().as_str() {
            "connect" => Cmd::Connect,
            "connack" => Cmd::ConnAck,
            "publish" => Cmd::Publish,
            "puback" => Cmd::PubAck,
            "pubrec" => Cmd::PubRec,
            "pubrel" => Cmd::PubRel,
            "pubcomp" => Cmd::PubComp,
            "subscribe" => Cmd::Subscribe,
            "suback" => Cmd::SubAck,
            "unsubscribe" => Cmd::Unsubscribe,
            "unsuback" => Cmd::UnsubAck,
            "disconnect" => Cmd::Disconnect,
            "auth" => Cmd::Auth,
            "will" => Cmd::Will,
            _ => return None,
        })
    }

    /// The name used in "Error in ... properties" messages.
    fn upper(self) -> &'static str {
        match self {
            Cmd::Connect => "CONNECT",
            Cmd::ConnAck => "CONNACK",
            Cmd::Publish => "PUBLISH",
            Cmd::PubAck => "PUBACK",
            Cmd::PubRec => "PUBREC",
            Cmd::PubRel => "PUBREL",
            Cmd::PubComp => "PUBCOMP",
            Cmd::Subscribe => "SUBSCRIBE",
            Cmd::SubAck => "SUBACK",
            Cmd::Unsubscribe => "UNSUBSCRIBE",
            Cmd::UnsubAck => "UNSUBACK",
            Cmd::Disconnect => "DISCONNECT",
            Cmd::Auth => "AUTH",
            Cmd::Will => "Will",
        }
    }

    /// Whether MQTT 5.0 allows property `id` in this packet (Table 2-4).
    fn allows(self, id: PropertyId) -> bool {
        use PropertyId as P;
        if id == P::UserProperty {
            return true;
        }
        match self {
            Cmd::Connect => matches!(
                id,
                P::SessionExpiryInterval
                    | P::ReceiveMaximum
                    | P::MaximumPacketSize
                    | P::TopicAliasMaximum
                    | P::RequestResponseInformation
                    | P::RequestProblemInformation
                    | P::AuthenticationMethod
                    | P::AuthenticationData
            ),
            Cmd::ConnAck => matches!(
                id,
                P::SessionExpiryInterval
                    | P::ReceiveMaximum
                    | P::MaximumQoS
                    | P::RetainAvailable
                    | P::MaximumPacketSize
                    | P::AssignedClientIdentifier
                    | P::TopicAliasMaximum
                    | P::ReasonString
                    | P::WildcardSubscriptionAvailable
                    | P::SubscriptionIdentifierAvailable
                    | P::SharedSubscriptionAvailable
                    | P::ServerKeepAlive
                    | P::ResponseInformation
                    | P::ServerReference
                    | P::AuthenticationMethod
                    | P::AuthenticationData
            ),
            Cmd::Publish => matches!(
                id,
                P::PayloadFormatIndicator
                    | P::MessageExpiryInterval
                    | P::TopicAlias
                    | P::ResponseTopic
                    | P::CorrelationData
                    | P::SubscriptionIdentifier
                    | P::ContentType
            ),
            Cmd::PubAck
            | Cmd::PubRec
            | Cmd::PubRel
            | Cmd::PubComp
            | Cmd::SubAck
            | Cmd::UnsubAck => id == P::ReasonString,
            Cmd::Subscribe => id == P::SubscriptionIdentifier,
            Cmd::Unsubscribe => false,
            Cmd::Disconnect => matches!(
                id,
                P::SessionExpiryInterval | P::ReasonString | P::ServerReference
            ),
            Cmd::Auth => matches!(
                id,
                P::AuthenticationMethod | P::AuthenticationData | P::ReasonString
            ),
            Cmd::Will => matches!(
                id,
                P::WillDelayInterval
                    | P::PayloadFormatIndicator
                    | P::MessageExpiryInterval
                    | P::ContentType
                    | P::ResponseTopic
                    | P::CorrelationData
            ),
        }
    }
}

/// How a property's value is written on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Byte,
    U16,
    U32,
    VarInt,
    Str,
    Bin,
    Pair,
}

/// Property names as Mosquitto spells them.
const NAMES: [(&str, PropertyId, Kind); 27] = [
    (
        "payload-format-indicator",
        PropertyId::PayloadFormatIndicator,
        Kind::Byte,
    ),
    (
        "message-expiry-interval",
        PropertyId::MessageExpiryInterval,
        Kind::U32,
    ),
    ("content-type", PropertyId::ContentType, Kind::Str),
    ("response-topic", PropertyId::ResponseTopic, Kind::Str),
    ("correlation-data", PropertyId::CorrelationData, Kind::Bin),
    (
        "subscription-identifier",
        PropertyId::SubscriptionIdentifier,
        Kind::VarInt,
    ),
    (
        "session-expiry-interval",
        PropertyId::SessionExpiryInterval,
        Kind::U32,
    ),
    (
        "assigned-client-identifier",
        PropertyId::AssignedClientIdentifier,
        Kind::Str,
    ),
    ("server-keep-alive", PropertyId::ServerKeepAlive, Kind::U16),
    (
        "authentication-method",
        PropertyId::AuthenticationMethod,
        Kind::Str,
    ),
    (
        "authentication-data",
        PropertyId::AuthenticationData,
        Kind::Bin,
    ),
    (
        "request-problem-information",
        PropertyId::RequestProblemInformation,
        Kind::Byte,
    ),
    (
        "will-delay-interval",
        PropertyId::WillDelayInterval,
        Kind::U32,
    ),
    (
        "request-response-information",
        PropertyId::RequestResponseInformation,
        Kind::Byte,
    ),
    (
        "response-information",
        PropertyId::ResponseInformation,
        Kind::Str,
    ),
    ("server-reference", PropertyId::ServerReference, Kind::Str),
    ("reason-string", PropertyId::ReasonString, Kind::Str),
    ("receive-maximum", PropertyId::ReceiveMaximum, Kind::U16),
    (
        "topic-alias-maximum",
        PropertyId::TopicAliasMaximum,
        Kind::U16,
    ),
    ("topic-alias", PropertyId::TopicAlias, Kind::U16),
    ("maximum-qos", PropertyId::MaximumQoS, Kind::Byte),
    ("retain-available", PropertyId::RetainAvailable, Kind::Byte),
    ("user-property", PropertyId::UserProperty, Kind::Pair),
    (
        "maximum-packet-size",
        PropertyId::MaximumPacketSize,
        Kind::U32,
    ),
    (
        "wildcard-subscription-available",
        PropertyId::WildcardSubscriptionAvailable,
        Kind::Byte,
    ),
    (
        "subscription-identifier-available",
        PropertyId::SubscriptionIdentifierAvailable,
        Kind::Byte,
    ),
    (
        "shared-subscription-available",
        PropertyId::SharedSubscriptionAvailable,
        Kind::Byte,
    ),
];

fn lookup(name: &str) -> Option<(PropertyId, Kind)> {
    NAMES
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, id, kind)| (id, kind))
}

/// A parsed value.
enum Value {
    Number(u32),
    Str(String),
    Pair(String, String),
}

/// Splits the values of every `-D` (clap hands them over as one list) into
/// one `[command, identifier, value]` or `[command, "user-property", key,
/// value]` per property.
pub(crate) fn group(values: &[String]) -> Vec<Vec<String>> {
    let mut groups = Vec::new();
    let mut rest = values;
    while !rest.is_empty() {
        let pair = rest
            .get(1)
            .is_some_and(|name| lookup(name).is_some_and(|(_, kind)| kind == Kind::Pair));
        let take = if pair { 4 } else { 3 }.min(rest.len());
        let (group, tail) = rest.split_at(take);
        groups.push(group.to_vec());
        rest = tail;
    }
    groups
}

/// What a `-D` could not be used for: the message (internally without the
/// "Error: " that [`Properties::parse`] puts in front).
pub(crate) type PropertyError = String;

impl Properties {
    /// Parses every `-D` (each `[command, identifier, value]` or, for
    /// user-property, `[command, identifier, key, value]`). Returns the
    /// properties and warnings for properties the client cannot send yet; an
    /// error is a whole line ("Error: ...").
    pub(crate) fn parse(specs: &[Vec<String>]) -> Result<(Properties, Vec<String>), PropertyError> {
        let mut props = Properties::default();
        let mut seen: Vec<(Cmd, PropertyId)> = Vec::new();
        let mut warnings = Vec::new();
        for spec in specs {
            props.any = true;
            let (cmd, id, name, value) = parse_one(spec).map_err(|m| format!("Error: {m}"))?;
            if id != PropertyId::UserProperty {
                if seen.contains(&(cmd, id)) {
                    return Err(format!(
                        "Error in {} properties: Duplicate property in property list",
                        cmd.upper()
                    ));
                }
                seen.push((cmd, id));
            }
            if let Some(w) = props
                .set(cmd, id, name, value)
                .map_err(|m| format!("Error: {m}"))?
            {
                warnings.push(w);
            }
        }
        Ok((props, warnings))
    }

    /// Stores one property; `Some` is a warning that it will not be sent.
    fn set(
        &mut self,
        cmd: Cmd,
        id: PropertyId,
        name: &str,
        value: Value,
    ) -> Result<Option<String>, PropertyError> {
        use PropertyId as P;
        let not_sent = || {
            Some(format!(
                "Warning: -D {} {name} is not sent: not supported by the client yet.",
                cmd_name(cmd)
            ))
        };
        match (cmd, id, value) {
            (_, P::AuthenticationMethod | P::AuthenticationData, _) => Err(format!(
                "{name} property not supported yet (enhanced authentication)."
            )),
            (Cmd::Connect, P::SessionExpiryInterval, Value::Number(n)) => {
                self.connect.session_expiry_interval = Some(n);
                Ok(None)
            }
            (Cmd::Connect, P::ReceiveMaximum, Value::Number(n)) => {
                self.connect.receive_maximum = Some(nonzero16(n, name)?);
                Ok(None)
            }
            (Cmd::Connect, P::MaximumPacketSize, Value::Number(n)) => {
                self.connect.maximum_packet_size = Some(nonzero32(n, name)?);
                Ok(None)
            }
            (Cmd::Connect, P::TopicAliasMaximum, Value::Number(n)) => {
                self.connect.topic_alias_maximum = Some(u16::try_from(n).unwrap_or(u16::MAX));
                Ok(None)
            }
            (Cmd::Connect, P::RequestProblemInformation, Value::Number(n)) => {
                self.connect.request_problem_information = Some(flag(n, name)?);
                Ok(not_sent())
            }
            (Cmd::Connect, P::RequestResponseInformation, Value::Number(n)) => {
                self.connect.request_response_information = Some(flag(n, name)?);
                Ok(not_sent())
            }
            (Cmd::Connect, P::UserProperty, Value::Pair(k, v)) => {
                self.connect.user_properties.push(pair(k, v));
                Ok(None)
            }
            (Cmd::Publish, P::SubscriptionIdentifier, _) => Err(format!(
                "{name} property not supported for {} in --property argument.",
                cmd_name(cmd)
            )),
            (Cmd::Publish | Cmd::Will, _, value) => {
                let set = Message::from_value(id, name, value)?;
                match cmd {
                    Cmd::Will => set.apply_will(&mut self.will),
                    _ => set.apply_publish(&mut self.publish),
                }
                Ok(None)
            }
            (Cmd::Subscribe, P::SubscriptionIdentifier, Value::Number(n)) => {
                if n == 0 || n > 268_435_455 {
                    return Err(out_of_range(i64::from(n), name));
                }
                self.subscribe.subscription_identifier = NonZeroU32::new(n);
                Ok(None)
            }
            (Cmd::Subscribe, P::UserProperty, Value::Pair(k, v)) => {
                self.subscribe.user_properties.push(pair(k, v));
                Ok(None)
            }
            (Cmd::Unsubscribe, P::UserProperty, Value::Pair(k, v)) => {
                self.unsubscribe.user_properties.push(pair(k, v));
                Ok(not_sent())
            }
            (Cmd::Disconnect, P::SessionExpiryInterval, Value::Number(n)) => {
                self.disconnect.session_expiry_interval = Some(n);
                Ok(None)
            }
            (Cmd::Disconnect, P::ReasonString, Value::Str(s)) => {
                self.disconnect.reason_string = Some(ByteString::from(s));
                Ok(None)
            }
            (Cmd::Disconnect, P::ServerReference, Value::Str(s)) => {
                self.disconnect.server_reference = Some(ByteString::from(s));
                Ok(None)
            }
            (Cmd::Disconnect, P::UserProperty, Value::Pair(k, v)) => {
                self.disconnect.user_properties.push(pair(k, v));
                Ok(None)
            }
            _ => Err(format!(
                "{name} property not supported for {} in --property argument.",
                cmd_name(cmd)
            )),
        }
    }
}

/// One application-message property (PUBLISH or Will).
enum Message {
    PayloadFormat(bool),
    Expiry(u32),
    ContentType(ByteString),
    ResponseTopic(TopicName),
    Correlation(Bytes),
    User(ByteString, ByteString),
    TopicAlias(NonZeroU16),
    WillDelay(u32),
}

impl Message {
    fn from_value(id: PropertyId, name: &str, value: Value) -> Result<Message, PropertyError> {
        use PropertyId as P;
        Ok(match (id, value) {
            (P::PayloadFormatIndicator, Value::Number(n)) => Message::PayloadFormat(flag(n, name)?),
            (P::MessageExpiryInterval, Value::Number(n)) => Message::Expiry(n),
            (P::WillDelayInterval, Value::Number(n)) => Message::WillDelay(n),
            (P::TopicAlias, Value::Number(n)) => Message::TopicAlias(nonzero16(n, name)?),
            (P::ContentType, Value::Str(s)) => Message::ContentType(ByteString::from(s)),
            (P::ResponseTopic, Value::Str(s)) => {
                let topic = TopicName::new(ByteString::from(s.as_str())).map_err(|e| {
                    format!("Invalid response topic '{s}' for property {name}: {e}.")
                })?;
                Message::ResponseTopic(topic)
            }
            (P::CorrelationData, Value::Str(s)) => Message::Correlation(Bytes::from(s)),
            (P::UserProperty, Value::Pair(k, v)) => {
                Message::User(ByteString::from(k), ByteString::from(v))
            }
            _ => {
                return Err(format!(
                    "Invalid property name {name} given in --property argument."
                ));
            }
        })
    }

    fn apply_publish(self, p: &mut PublishProperties) {
        match self {
            Message::PayloadFormat(b) => p.payload_format_indicator = Some(b),
            Message::Expiry(n) => p.message_expiry_interval = Some(n),
            Message::ContentType(s) => p.content_type = Some(s),
            Message::ResponseTopic(t) => p.response_topic = Some(t),
            Message::Correlation(b) => p.correlation_data = Some(b),
            Message::User(k, v) => p.user_properties.push((k, v)),
            Message::TopicAlias(a) => p.topic_alias = Some(a),
            // Not allowed in PUBLISH: rejected by `Cmd::allows` before.
            Message::WillDelay(_) => {}
        }
    }

    fn apply_will(self, p: &mut WillProperties) {
        match self {
            Message::PayloadFormat(b) => p.payload_format_indicator = Some(b),
            Message::Expiry(n) => p.message_expiry_interval = Some(n),
            Message::ContentType(s) => p.content_type = Some(s),
            Message::ResponseTopic(t) => p.response_topic = Some(t),
            Message::Correlation(b) => p.correlation_data = Some(b),
            Message::User(k, v) => p.user_properties.push((k, v)),
            Message::WillDelay(n) => p.will_delay_interval = Some(n),
            // Not allowed in a Will: rejected by `Cmd::allows` before.
            Message::TopicAlias(_) => {}
        }
    }
}

fn cmd_name(cmd: Cmd) -> &'static str {
    match cmd {
        Cmd::Connect => "connect",
        Cmd::ConnAck => "connack",
        Cmd::Publish => "publish",
        Cmd::PubAck => "puback",
        Cmd::PubRec => "pubrec",
        Cmd::PubRel => "pubrel",
        Cmd::PubComp => "pubcomp",
        Cmd::Subscribe => "subscribe",
        Cmd::SubAck => "suback",
        Cmd::Unsubscribe => "unsubscribe",
        Cmd::UnsubAck => "unsuback",
        Cmd::Disconnect => "disconnect",
        Cmd::Auth => "auth",
        Cmd::Will => "will",
    }
}

/// Checks one `-D` and parses its value.
fn parse_one(spec: &[String]) -> Result<(Cmd, PropertyId, &str, Value), PropertyError> {
    let not_enough = || "--property argument given but not enough arguments specified.".to_owned();
    let [cmd_name_arg, prop_name, rest @ ..] = spec else {
        return Err(not_enough());
    };
    let cmd = Cmd::parse(cmd_name_arg)
        .ok_or_else(|| format!("Invalid command {cmd_name_arg} given in --property argument."))?;
    let (id, kind) = lookup(prop_name).ok_or_else(|| {
        format!("Invalid property name {prop_name} given in --property argument.")
    })?;
    if !cmd.allows(id) {
        return Err(format!(
            "{prop_name} property not allowed for {cmd_name_arg} in --property argument."
        ));
    }
    let name = prop_name.as_str();
    let value = match (kind, rest) {
        (Kind::Pair, [key, value]) => Value::Pair(key.clone(), value.clone()),
        (Kind::Pair, _) | (_, []) => return Err(not_enough()),
        (_, [_, extra, ..]) => return Err(format!("Unknown option '{extra}'.")),
        (Kind::Str | Kind::Bin, [value]) => {
            if kind == Kind::Bin && value.len() > usize::from(u16::MAX) {
                return Err(format!("Property value too long for property {name}."));
            }
            Value::Str(value.clone())
        }
        (Kind::Byte, [value]) => Value::Number(number(value, name, u64::from(u8::MAX))?),
        (Kind::U16, [value]) => Value::Number(number(value, name, u64::from(u16::MAX))?),
        (Kind::U32 | Kind::VarInt, [value]) => {
            Value::Number(number(value, name, u64::from(u32::MAX))?)
        }
    };
    Ok((cmd, id, name, value))
}

/// A decimal (or `0x` hexadecimal) number between 0 and `max`.
fn number(text: &str, name: &str, max: u64) -> Result<u32, PropertyError> {
    let trimmed = text.trim();
    let parsed = if let Some(hex) = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
    {
        i64::from_str_radix(hex, 16)
    } else {
        trimmed.parse::<i64>()
    };
    let n = parsed.map_err(|_| format!("Property value '{text}' not a number."))?;
    match u64::try_from(n) {
        Ok(v) if v <= max => u32::try_from(v).map_err(|_| out_of_range(n, name)),
        _ => Err(out_of_range(n, name)),
    }
}

fn out_of_range(n: i64, name: &str) -> PropertyError {
    format!("Property value ({n}) out of range for property {name}.")
}

fn flag(n: u32, name: &str) -> Result<bool, PropertyError> {
    match n {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(out_of_range(i64::from(n), name)),
    }
}

fn nonzero16(n: u32, name: &str) -> Result<NonZeroU16, PropertyError> {
    u16::try_from(n)
        .ok()
        .and_then(NonZeroU16::new)
        .ok_or_else(|| out_of_range(i64::from(n), name))
}

fn nonzero32(n: u32, name: &str) -> Result<NonZeroU32, PropertyError> {
    NonZeroU32::new(n).ok_or_else(|| out_of_range(i64::from(n), name))
}

fn pair(k: String, v: String) -> (ByteString, ByteString) {
    (ByteString::from(k), ByteString::from(v))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    fn spec(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    fn parse(all: &[&[&str]]) -> Result<Properties, String> {
        let specs: Vec<Vec<String>> = all.iter().map(|a| spec(a)).collect();
        Properties::parse(&specs).map(|(p, _)| p)
    }

    #[test]
    fn publish_properties_are_set() {
        let p = parse(&[
            &["publish", "message-expiry-interval", "100"],
            &["publish", "user-property", "a", "b"],
            &["publish", "user-property", "a", "c"],
            &["publish", "content-type", "text/plain"],
            &["publish", "response-topic", "r/t"],
            &["publish", "correlation-data", "cd"],
            &["publish", "payload-format-indicator", "1"],
            &["publish", "topic-alias", "3"],
        ])
        .unwrap();
        assert!(p.any);
        let pp = &p.publish;
        assert_eq!(pp.message_expiry_interval, Some(100));
        assert_eq!(pp.user_properties.len(), 2);
        assert_eq!(pp.content_type.as_deref(), Some("text/plain"));
        assert_eq!(pp.response_topic.as_ref().map(|t| t.as_str()), Some("r/t"));
        assert_eq!(pp.correlation_data.as_deref(), Some(&b"cd"[..]));
        assert_eq!(pp.payload_format_indicator, Some(true));
        assert_eq!(pp.topic_alias.map(NonZeroU16::get), Some(3));
    }

    #[test]
    fn connect_subscribe_disconnect_will() {
        let p = parse(&[
            &["connect", "session-expiry-interval", "60"],
            &["connect", "receive-maximum", "10"],
            &["connect", "maximum-packet-size", "0x1000"],
            &["connect", "topic-alias-maximum", "5"],
            &["connect", "user-property", "k", "v"],
            &["subscribe", "subscription-identifier", "7"],
            &["disconnect", "reason-string", "bye"],
            &["will", "will-delay-interval", "5"],
        ])
        .unwrap();
        assert_eq!(p.connect.session_expiry_interval, Some(60));
        assert_eq!(p.connect.receive_maximum.map(NonZeroU16::get), Some(10));
        assert_eq!(
            p.connect.maximum_packet_size.map(NonZeroU32::get),
            Some(4096)
        );
        assert_eq!(p.connect.topic_alias_maximum, Some(5));
        assert_eq!(
            p.subscribe.subscription_identifier.map(NonZeroU32::get),
            Some(7)
        );
        assert_eq!(p.disconnect.reason_string.as_deref(), Some("bye"));
        assert_eq!(p.will.will_delay_interval, Some(5));
    }

    #[test]
    fn errors_match_mosquitto() {
        let err = |a: &[&str]| {
            let e = parse(&[a]).unwrap_err();
            e.strip_prefix("Error: ").unwrap().to_owned()
        };
        assert_eq!(
            err(&["connect", "topic-alias", "3"]),
            "topic-alias property not allowed for connect in --property argument."
        );
        assert_eq!(
            err(&["publish", "subscription-identifier", "3"]),
            "subscription-identifier property not supported for publish in --property argument."
        );
        assert_eq!(
            err(&["foo", "topic-alias", "3"]),
            "Invalid command foo given in --property argument."
        );
        assert_eq!(
            err(&["publish", "bar", "3"]),
            "Invalid property name bar given in --property argument."
        );
        assert_eq!(
            err(&["publish", "payload-format-indicator", "300"]),
            "Property value (300) out of range for property payload-format-indicator."
        );
        assert_eq!(
            err(&["publish", "message-expiry-interval", "abc"]),
            "Property value 'abc' not a number."
        );
        assert_eq!(
            err(&["publish", "user-property", "k"]),
            "--property argument given but not enough arguments specified."
        );
        assert_eq!(
            err(&["puback", "reason-string", "x"]),
            "reason-string property not supported for puback in --property argument."
        );
        assert_eq!(
            err(&["publish", "topic-alias", "0"]),
            "Property value (0) out of range for property topic-alias."
        );
        assert!(err(&["publish", "response-topic", "a/#"]).contains("Invalid response topic"));
        assert_eq!(
            parse(&[
                &["publish", "content-type", "a"],
                &["publish", "content-type", "b"]
            ])
            .unwrap_err(),
            "Error in PUBLISH properties: Duplicate property in property list"
        );
    }

    #[test]
    fn unsendable_properties_warn() {
        let specs = vec![
            spec(&["connect", "request-problem-information", "1"]),
            spec(&["unsubscribe", "user-property", "a", "b"]),
        ];
        let (_, warnings) = Properties::parse(&specs).unwrap();
        assert_eq!(warnings.len(), 2);
    }
}
