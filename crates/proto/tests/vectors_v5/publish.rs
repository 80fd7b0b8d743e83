//! PUBLISH (section 3.3).

use midge_proto::bytes::{Bytes, BytesMut};
use midge_proto::property::PublishProperties;
use midge_proto::{
    ByteString, EncodeError, ErrorKind, Packet, PropertyId, Publish, QoS, ReasonCode, TopicName,
};

use crate::common::{V5, assert_vector, bin, decode_err, nz16, nz32, pair, pid, s, topic};

// ---------------------------------------------------------------- PUBLISH ----

/// Section 3.3.2.3.9, Figure 3-9: Topic Name "a/b", Packet Identifier 10, no
/// properties (here at QoS 1, with a payload).
#[test]
fn v5_publish_spec_figure_3_9() {
    let bytes = bytes![
        [0x32, 13]   // PUBLISH, QoS 1
        [0x00, 0x03] b"a/b"
        [0x00, 0x0A] // Packet Identifier 10
        [0x00]       // no properties
        b"hello"
    ];
    let mut publish = Publish::new(topic("a/b"), "hello");
    publish.qos = QoS::AtLeastOnce;
    publish.packet_id = Some(pid(10));
    assert_vector(&bytes, &Packet::from(publish));
}

#[test]
fn v5_publish_qos0_has_no_packet_identifier() {
    // [MQTT-2.2.1-2]
    let bytes = bytes![[0x30, 7] [0x00, 0x01] b"t" [0x00] b"xyz"];
    assert_vector(&bytes, &Packet::from(Publish::new(topic("t"), "xyz")));
}

#[test]
fn v5_publish_qos2_dup_retain_flags() {
    let bytes = bytes![
        [0x3D, 8]    // PUBLISH, DUP 1, QoS 2, RETAIN 1
        [0x00, 0x01] b"t"
        [0xFF, 0xFF] // Packet Identifier 65535
        [0x00]
        [0x2A, 0x2B]
    ];
    let publish = Publish {
        dup: true,
        qos: QoS::ExactlyOnce,
        retain: true,
        topic: topic("t"),
        packet_id: Some(pid(0xFFFF)),
        properties: PublishProperties::default(),
        payload: bin(&[0x2A, 0x2B]),
    };
    assert_vector(&bytes, &Packet::from(publish));
}

#[test]
fn v5_publish_empty_payload() {
    let bytes = bytes![[0x31, 4] [0x00, 0x01] b"r" [0x00]];
    let mut publish = Publish::new(topic("r"), Bytes::new());
    publish.retain = true;
    assert_vector(&bytes, &Packet::from(publish));
}

/// Every PUBLISH property: 0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x23 and 0x26
/// (repeated name, kept in order around another name).
#[test]
fn v5_publish_with_all_publish_properties() {
    let bytes = bytes![
        [0x32, 81]
        [0x00, 0x03] b"s/1"
        [0x12, 0x34]                               // Packet Identifier
        [71]                                       // Property Length
        [0x01, 0x01]                               // Payload Format Indicator: UTF-8
        [0x02, 0x00, 0x01, 0x51, 0x80]             // Message Expiry Interval 86400
        [0x03, 0x00, 0x10] b"application/json"     // Content Type
        [0x08, 0x00, 0x07] b"reply/7"              // Response Topic
        [0x09, 0x00, 0x04, 0xDE, 0xAD, 0xBE, 0xEF] // Correlation Data
        [0x0B, 0x05]                               // Subscription Identifier 5
        [0x23, 0x00, 0x03]                         // Topic Alias 3
        [0x26, 0x00, 0x01] b"k" [0x00, 0x02] b"v1"
        [0x26, 0x00, 0x01] b"z" [0x00, 0x01] b"0"
        [0x26, 0x00, 0x01] b"k" [0x00, 0x02] b"v2"
        b"{}"                                      // payload
    ];
    let publish = Publish {
        dup: false,
        qos: QoS::AtLeastOnce,
        retain: false,
        topic: topic("s/1"),
        packet_id: Some(pid(0x1234)),
        properties: PublishProperties {
            payload_format_indicator: Some(true),
            message_expiry_interval: Some(86_400),
            topic_alias: Some(nz16(3)),
            response_topic: Some(topic("reply/7")),
            correlation_data: Some(bin(&[0xDE, 0xAD, 0xBE, 0xEF])),
            // [MQTT-3.3.2-17] [MQTT-3.3.2-18] User Properties kept in order.
            user_properties: vec![pair("k", "v1"), pair("z", "0"), pair("k", "v2")],
            subscription_identifiers: vec![nz32(5)],
            content_type: Some(s("application/json")),
        },
        payload: bin(b"{}"),
    };
    assert_vector(&bytes, &Packet::from(publish));
}

/// Several Subscription Identifiers in one PUBLISH (section 3.3.2.3.8), at both
/// ends of every Variable Byte Integer size in Table 1-1.
#[test]
fn v5_publish_multiple_subscription_identifiers_all_varint_sizes() {
    // [MQTT-3.3.4-4] one copy carries the identifiers of all matching subscriptions.
    let bytes = bytes![
        [0x30, 32]
        [0x00, 0x01] b"t"
        [28]                           // Property Length
        [0x0B, 0x01]                   // 1
        [0x0B, 0x7F]                   // 127
        [0x0B, 0x80, 0x01]             // 128
        [0x0B, 0xFF, 0x7F]             // 16 383
        [0x0B, 0x80, 0x80, 0x01]       // 16 384
        [0x0B, 0xFF, 0xFF, 0x7F]       // 2 097 151
        [0x0B, 0x80, 0x80, 0x80, 0x01] // 2 097 152
        [0x0B, 0xFF, 0xFF, 0xFF, 0x7F] // 268 435 455
    ];
    let mut publish = Publish::new(topic("t"), Bytes::new());
    publish.properties.subscription_identifiers = [
        1,
        127,
        128,
        16_383,
        16_384,
        2_097_151,
        2_097_152,
        268_435_455,
    ]
    .into_iter()
    .map(nz32)
    .collect();
    assert_vector(&bytes, &Packet::from(publish));
}

#[test]
fn v5_publish_subscription_identifier_zero_is_protocol_error() {
    let err = decode_err(&bytes![[0x30, 6] [0x00, 0x01] b"t" [0x02, 0x0B, 0x00]]);
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidPropertyValue(PropertyId::SubscriptionIdentifier)
    );
    assert_eq!(err.reason_code(), ReasonCode::ProtocolError);
}

/// A Topic Alias with a zero-length Topic Name (section 3.3.2.3.4): the sender
/// uses a previously set alias.
#[test]
fn v5_publish_topic_alias_with_empty_topic_name() {
    let bytes = bytes![
        [0x30, 10]
        [0x00, 0x00]             // zero-length Topic Name
        [0x03, 0x23, 0x00, 0x05] // Topic Alias 5
        b"data"
    ];
    let mut publish = Publish::new(TopicName::empty(), "data");
    publish.properties.topic_alias = Some(nz16(5));
    assert_vector(&bytes, &Packet::from(publish));
}

#[test]
fn v5_publish_topic_alias_with_topic_name_sets_mapping() {
    let bytes = bytes![
        [0x30, 12]
        [0x00, 0x03] b"a/b"
        [0x03, 0x23, 0x00, 0x01] b"abc"
    ];
    let mut publish = Publish::new(topic("a/b"), "abc");
    publish.properties.topic_alias = Some(nz16(1));
    assert_vector(&bytes, &Packet::from(publish));
}

#[test]
fn v5_publish_empty_topic_without_alias_is_rejected() {
    // Section 3.3.2.3.4: a zero-length Topic Name without a Topic Alias is a
    // Protocol Error; [MQTT-4.7.3-1] topic names are at least one character.
    let err = decode_err(&[0x30, 0x03, 0x00, 0x00, 0x00]);
    assert_eq!(err.kind(), ErrorKind::EmptyTopic);
    let publish = Publish::new(TopicName::empty(), Bytes::new());
    let mut buf = BytesMut::new();
    assert_eq!(
        Packet::from(publish).encode(V5, &mut buf),
        Err(EncodeError::EmptyTopic)
    );
    assert!(buf.is_empty(), "nothing is appended on error");
}

#[test]
fn v5_publish_topic_alias_zero_is_rejected() {
    // [MQTT-3.3.2-8]
    let err = decode_err(&bytes![
        [0x30, 7]
        [0x00, 0x01] b"t"
        [0x03, 0x23, 0x00, 0x00]
    ]);
    assert_eq!(err.kind(), ErrorKind::ZeroTopicAlias);
    assert_eq!(err.reason_code(), ReasonCode::TopicAliasInvalid);
}

#[test]
fn v5_publish_flag_errors() {
    // [MQTT-3.3.1-4] both QoS bits set.
    let err = decode_err(&bytes![[0x36, 5] [0x00, 0x01] b"t" [0x00, 0x01]]);
    assert_eq!(err.kind(), ErrorKind::InvalidPublishQos);
    // [MQTT-3.3.1-2] DUP must be 0 at QoS 0.
    let err = decode_err(&bytes![[0x38, 4] [0x00, 0x01] b"t" [0x00]]);
    assert_eq!(err.kind(), ErrorKind::DupWithQos0);
    // [MQTT-2.2.1-3] Packet Identifier 0 at QoS 1.
    let err = decode_err(&bytes![[0x32, 6] [0x00, 0x01] b"t" [0x00, 0x00] [0x00]]);
    assert_eq!(err.kind(), ErrorKind::ZeroPacketId);
}

#[test]
fn v5_publish_topic_and_response_topic_wildcards_rejected() {
    // [MQTT-3.3.2-2]
    let err = decode_err(&bytes![[0x30, 4] [0x00, 0x01] b"#" [0x00]]);
    assert_eq!(err.kind(), ErrorKind::TopicNameWildcard);
    // [MQTT-3.3.2-14]
    let err = decode_err(&bytes![
        [0x30, 9]
        [0x00, 0x01] b"t"
        [0x05, 0x08, 0x00, 0x02] b"a+"
    ]);
    assert_eq!(err.kind(), ErrorKind::InvalidResponseTopic);
    assert_eq!(err.rule(), Some("MQTT-3.3.2-14"));
}

/// Remaining Length and Property Length both need two Variable Byte Integer
/// bytes: 241 = 0xF1 0x01 and 136 = 0x88 0x01.
#[test]
fn v5_publish_two_byte_remaining_length_and_property_length() {
    let value = [b'x'; 130];
    let payload = [b'p'; 100];
    let bytes = bytes![
        [0x30, 0xF1, 0x01]                   // Remaining Length 241
        [0x00, 0x01] b"t"
        [0x88, 0x01]                         // Property Length 136
        [0x26, 0x00, 0x01] b"k" [0x00, 0x82] // value length 130
        value
        payload
    ];
    let mut publish = Publish::new(topic("t"), Bytes::copy_from_slice(&payload));
    publish.properties.user_properties = vec![(s("k"), ByteString::from("x".repeat(130)))];
    assert_eq!(bytes.len(), 244);
    assert_vector(&bytes, &Packet::from(publish));
}
