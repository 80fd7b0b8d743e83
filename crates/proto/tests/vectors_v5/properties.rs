//! Properties (section 2.2.2): order, the identifier table, and property errors.

use midge_proto::bytes::Bytes;
use midge_proto::property::{ConnAckProperties, ConnectProperties, PublishProperties};
use midge_proto::{
    ConnAck, Connect, Disconnect, ErrorKind, Packet, PacketType, PropertyId, Publish, QoS,
    ReasonCode,
};

use crate::common::{
    V5, assert_decodes_to_canonical, assert_vector, decode_err, nz16, nz32, pair, s, topic,
};

// ------------------------------------------------------------- properties ----

/// Section 2.2.2.2: "There is no significance in the order of Properties with
/// different Identifiers." CONNACK properties in descending identifier order.
#[test]
fn v5_connack_properties_in_any_order_decode() {
    let reordered = bytes![
        [0x20, 22]
        [0x00, 0x00]
        [19]
        [0x27, 0x00, 0x00, 0x04, 0x00] // Maximum Packet Size 1024
        [0x24, 0x00]                   // Maximum QoS 0
        [0x21, 0x00, 0x0A]             // Receive Maximum 10
        [0x12, 0x00, 0x01] b"c"        // Assigned Client Identifier
        [0x11, 0x00, 0x00, 0x00, 0x1E] // Session Expiry Interval 30
    ];
    let canonical = bytes![
        [0x20, 22]
        [0x00, 0x00]
        [19]
        [0x11, 0x00, 0x00, 0x00, 0x1E]
        [0x12, 0x00, 0x01] b"c"
        [0x21, 0x00, 0x0A]
        [0x24, 0x00]
        [0x27, 0x00, 0x00, 0x04, 0x00]
    ];
    let connack = ConnAck {
        properties: ConnAckProperties {
            session_expiry_interval: Some(30),
            receive_maximum: Some(nz16(10)),
            maximum_qos: Some(QoS::AtMostOnce),
            maximum_packet_size: Some(nz32(1024)),
            assigned_client_identifier: Some(s("c")),
            ..ConnAckProperties::default()
        },
        ..ConnAck::default()
    };
    assert_decodes_to_canonical(&reordered, &canonical, &Packet::from(connack));
}

/// PUBLISH properties with User Properties interleaved between others: order
/// among User Properties is kept, order relative to other identifiers is not
/// significant.
#[test]
fn v5_publish_properties_in_any_order_decode() {
    let reordered = bytes![
        [0x30, 27]
        [0x00, 0x01] b"t"
        [23]
        [0x26, 0x00, 0x01] b"k" [0x00, 0x01] b"1"
        [0x23, 0x00, 0x02] // Topic Alias 2
        [0x26, 0x00, 0x01] b"k" [0x00, 0x01] b"2"
        [0x0B, 0x03]       // Subscription Identifier 3
        [0x01, 0x00]       // Payload Format Indicator 0
        [0x0B, 0x04]       // Subscription Identifier 4
    ];
    let canonical = bytes![
        [0x30, 27]
        [0x00, 0x01] b"t"
        [23]
        [0x01, 0x00]
        [0x0B, 0x03]
        [0x0B, 0x04]
        [0x23, 0x00, 0x02]
        [0x26, 0x00, 0x01] b"k" [0x00, 0x01] b"1"
        [0x26, 0x00, 0x01] b"k" [0x00, 0x01] b"2"
    ];
    let mut publish = Publish::new(topic("t"), Bytes::new());
    publish.properties = PublishProperties {
        payload_format_indicator: Some(false),
        topic_alias: Some(nz16(2)),
        user_properties: vec![pair("k", "1"), pair("k", "2")],
        subscription_identifiers: vec![nz32(3), nz32(4)],
        ..PublishProperties::default()
    };
    assert_decodes_to_canonical(&reordered, &canonical, &Packet::from(publish));
}

/// CONNECT properties with Maximum Packet Size first and Session Expiry last.
#[test]
fn v5_connect_properties_in_any_order_decode() {
    let reordered = bytes![
        [0x10, 26]
        [0x00, 0x04] b"MQTT"
        [0x05, 0x02, 0x00, 0x00]
        [13]
        [0x27, 0x00, 0x00, 0x01, 0x00] // Maximum Packet Size 256
        [0x21, 0x00, 0x01]             // Receive Maximum 1
        [0x11, 0x00, 0x00, 0x00, 0x01] // Session Expiry Interval 1
        [0x00, 0x00]
    ];
    let canonical = bytes![
        [0x10, 26]
        [0x00, 0x04] b"MQTT"
        [0x05, 0x02, 0x00, 0x00]
        [13]
        [0x11, 0x00, 0x00, 0x00, 0x01]
        [0x21, 0x00, 0x01]
        [0x27, 0x00, 0x00, 0x01, 0x00]
        [0x00, 0x00]
    ];
    let mut connect = Connect::new(V5, "");
    connect.properties = ConnectProperties {
        session_expiry_interval: Some(1),
        receive_maximum: Some(nz16(1)),
        maximum_packet_size: Some(nz32(256)),
        ..ConnectProperties::default()
    };
    assert_decodes_to_canonical(&reordered, &canonical, &Packet::from(connect));
}

/// Table 2-4: all 27 property identifiers, their names, and the gaps.
#[test]
fn v5_property_identifiers_table_2_4() {
    let table: [(u32, PropertyId, &str); 27] = [
        (
            0x01,
            PropertyId::PayloadFormatIndicator,
            "Payload Format Indicator",
        ),
        (
            0x02,
            PropertyId::MessageExpiryInterval,
            "Message Expiry Interval",
        ),
        (0x03, PropertyId::ContentType, "Content Type"),
        (0x08, PropertyId::ResponseTopic, "Response Topic"),
        (0x09, PropertyId::CorrelationData, "Correlation Data"),
        (
            0x0B,
            PropertyId::SubscriptionIdentifier,
            "Subscription Identifier",
        ),
        (
            0x11,
            PropertyId::SessionExpiryInterval,
            "Session Expiry Interval",
        ),
        (
            0x12,
            PropertyId::AssignedClientIdentifier,
            "Assigned Client Identifier",
        ),
        (0x13, PropertyId::ServerKeepAlive, "Server Keep Alive"),
        (
            0x15,
            PropertyId::AuthenticationMethod,
            "Authentication Method",
        ),
        (0x16, PropertyId::AuthenticationData, "Authentication Data"),
        (
            0x17,
            PropertyId::RequestProblemInformation,
            "Request Problem Information",
        ),
        (0x18, PropertyId::WillDelayInterval, "Will Delay Interval"),
        (
            0x19,
            PropertyId::RequestResponseInformation,
            "Request Response Information",
        ),
        (
            0x1A,
            PropertyId::ResponseInformation,
            "Response Information",
        ),
        (0x1C, PropertyId::ServerReference, "Server Reference"),
        (0x1F, PropertyId::ReasonString, "Reason String"),
        (0x21, PropertyId::ReceiveMaximum, "Receive Maximum"),
        (0x22, PropertyId::TopicAliasMaximum, "Topic Alias Maximum"),
        (0x23, PropertyId::TopicAlias, "Topic Alias"),
        (0x24, PropertyId::MaximumQoS, "Maximum QoS"),
        (0x25, PropertyId::RetainAvailable, "Retain Available"),
        (0x26, PropertyId::UserProperty, "User Property"),
        (0x27, PropertyId::MaximumPacketSize, "Maximum Packet Size"),
        (
            0x28,
            PropertyId::WildcardSubscriptionAvailable,
            "Wildcard Subscription Available",
        ),
        (
            0x29,
            PropertyId::SubscriptionIdentifierAvailable,
            "Subscription Identifier Available",
        ),
        (
            0x2A,
            PropertyId::SharedSubscriptionAvailable,
            "Shared Subscription Available",
        ),
    ];
    for (value, id, name) in table {
        assert_eq!(PropertyId::from_u32(value), Some(id), "0x{value:02X}");
        assert_eq!(id as u32, value);
        assert_eq!(id.name(), name);
    }
    let defined: Vec<u32> = table.iter().map(|t| t.0).collect();
    for value in 0..=0x7F_u32 {
        if !defined.contains(&value) {
            assert_eq!(PropertyId::from_u32(value), None, "0x{value:02X}");
        }
    }
}

#[test]
fn v5_property_unknown_identifier_is_malformed() {
    // Section 2.2.2.2: an identifier not valid for the packet is malformed.
    let err = decode_err(&[0x40, 0x06, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00]);
    assert_eq!(err.kind(), ErrorKind::UnknownProperty(0x04));
    assert_eq!(err.reason_code(), ReasonCode::MalformedPacket);
}

#[test]
fn v5_property_not_allowed_in_packet_is_malformed() {
    // Topic Alias in CONNECT.
    let err = decode_err(&bytes![
        [0x10, 16]
        [0x00, 0x04] b"MQTT"
        [0x05, 0x02, 0x00, 0x00]
        [0x03, 0x23, 0x00, 0x01]
        [0x00, 0x00]
    ]);
    assert_eq!(
        err.kind(),
        ErrorKind::PropertyNotAllowed(PropertyId::TopicAlias, PacketType::Connect)
    );
    assert_eq!(err.reason_code(), ReasonCode::MalformedPacket);
    // Will Delay Interval in PUBLISH.
    let err = decode_err(&bytes![
        [0x30, 9]
        [0x00, 0x01] b"t"
        [0x05, 0x18, 0x00, 0x00, 0x00, 0x01]
    ]);
    assert_eq!(
        err.kind(),
        ErrorKind::PropertyNotAllowed(PropertyId::WillDelayInterval, PacketType::Publish)
    );
    // Session Expiry Interval in the Will Properties.
    let err = decode_err(&bytes![
        [0x10, 24]
        [0x00, 0x04] b"MQTT"
        [0x05, 0x06, 0x00, 0x00]
        [0x00]
        [0x00, 0x00]
        [0x05, 0x11, 0x00, 0x00, 0x00, 0x01]
        [0x00, 0x01] b"w"
        [0x00, 0x00]
    ]);
    assert!(
        matches!(
            err.kind(),
            ErrorKind::PropertyNotAllowed(PropertyId::SessionExpiryInterval, _)
        ),
        "{err:?}"
    );
}

#[test]
fn v5_property_duplicates_and_bad_values_are_protocol_errors() {
    // Content Type twice (section 3.3.2.3.9).
    let err = decode_err(&bytes![
        [0x30, 12]
        [0x00, 0x01] b"t"
        [0x08, 0x03, 0x00, 0x01] b"a"
        [0x03, 0x00, 0x01] b"b"
    ]);
    assert_eq!(
        err.kind(),
        ErrorKind::DuplicateProperty(PropertyId::ContentType)
    );
    assert_eq!(err.reason_code(), ReasonCode::ProtocolError);
    // Payload Format Indicator 2.
    let err = decode_err(&bytes![[0x30, 6] [0x00, 0x01] b"t" [0x02, 0x01, 0x02]]);
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidPropertyValue(PropertyId::PayloadFormatIndicator)
    );
    // Receive Maximum 0 (section 3.2.2.3.3).
    let err = decode_err(&[0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x00]);
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidPropertyValue(PropertyId::ReceiveMaximum)
    );
    // User Property may repeat anywhere it is allowed: DISCONNECT with two.
    let bytes = bytes![
        [0xE0, 16]
        [0x00]
        [14]
        [0x26, 0x00, 0x01] b"a" [0x00, 0x01] b"b"
        [0x26, 0x00, 0x01] b"a" [0x00, 0x01] b"b"
    ];
    let mut disconnect = Disconnect::default();
    disconnect.properties.user_properties = vec![pair("a", "b"), pair("a", "b")];
    assert_vector(&bytes, &Packet::from(disconnect));
}

#[test]
fn v5_property_length_beyond_packet_is_malformed() {
    // Property Length 5 with only 2 bytes left in the PUBACK.
    let err = decode_err(&[0x40, 0x06, 0x00, 0x01, 0x80, 0x05, 0x1F, 0x00]);
    assert_eq!(err.kind(), ErrorKind::Truncated);
    assert_eq!(err.reason_code(), ReasonCode::MalformedPacket);
}
