//! Byte-exact MQTT 5.0 test vectors for all 15 control packets.
//!
//! Every expected byte string below was written by hand from the packet layouts
//! in the MQTT 5.0 specification (figures in chapter 3, Table 1-1 for Variable Byte
//! Integers, Table 2-4 for properties, Table 2-6 for reason codes); none was
//! produced by running the encoder. Where the encoding is canonical each vector
//! is checked in both directions: decoding the bytes gives the expected packet,
//! and encoding the packet gives exactly the bytes (and `Packet::encoded_len`
//! agrees with the number of bytes written). Non-canonical but valid encodings
//! (properties in another order, explicit Success reason codes) are decode-only.
//!
//! Properties inside one block are written in the order the encoder emits them;
//! the specification gives that order no significance (section 2.2.2.2).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::num::{NonZeroU16, NonZeroU32};

use midge_proto::bytes::{Bytes, BytesMut};
use midge_proto::property::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties,
    PublishProperties, SubscribeProperties, UnsubscribeProperties, UserProperty, WillProperties,
};
use midge_proto::{
    Auth, ByteString, ConnAck, Connect, DecodeError, Decoder, Disconnect, EncodeError, ErrorKind,
    Packet, PacketId, PacketType, PropertyId, ProtocolVersion, PubResponse, Publish, QoS,
    ReasonCode, RetainHandling, SubAck, Subscribe, SubscriptionOptions, TopicFilter, TopicName,
    UnsubAck, Unsubscribe, Will, codec,
};

const V5: ProtocolVersion = ProtocolVersion::V5;
const MAX: u32 = 1 << 20;

/// Concatenates byte-slice-like pieces written side by side, without commas:
/// `bytes![[0x00, 0x04] b"MQTT" [0x05]]`. Each piece is one token tree (an array
/// literal, a byte string, a variable); anything else goes in parentheses.
macro_rules! bytes {
    ($($part:tt)*) => {{
        let mut v: Vec<u8> = Vec::new();
        $( v.extend_from_slice(&$part[..]); )*
        v
    }};
}

// ---------------------------------------------------------------- helpers ----

fn pid(n: u16) -> PacketId {
    NonZeroU16::new(n).unwrap()
}

fn s(x: &'static str) -> ByteString {
    ByteString::from_static(x)
}

fn bin(x: &'static [u8]) -> Bytes {
    Bytes::from_static(x)
}

fn pair(k: &'static str, v: &'static str) -> UserProperty {
    (s(k), s(v))
}

fn topic(x: &'static str) -> TopicName {
    TopicName::from_static(x).unwrap()
}

fn filter(x: &'static str) -> TopicFilter {
    TopicFilter::new_v5(x).unwrap()
}

fn nz16(v: u16) -> NonZeroU16 {
    NonZeroU16::new(v).unwrap()
}

fn nz32(v: u32) -> NonZeroU32 {
    NonZeroU32::new(v).unwrap()
}

/// Self-check of a hand-written vector: the Remaining Length it declares must
/// cover exactly the bytes that follow the fixed header. Guards against typos in
/// the vectors themselves, so a failure elsewhere points at the codec.
fn check_vector_framing(bytes: &[u8]) {
    let mut rl: usize = 0;
    let mut i = 1;
    loop {
        let b = bytes[i];
        rl |= usize::from(b & 0x7F) << (7 * (i - 1));
        i += 1;
        if b & 0x80 == 0 {
            break;
        }
    }
    assert_eq!(
        rl,
        bytes.len() - i,
        "test vector is inconsistent: Remaining Length {rl} but {} bytes follow",
        bytes.len() - i
    );
}

fn try_decode(bytes: &[u8]) -> Result<Option<Packet>, DecodeError> {
    let mut buf = BytesMut::from(bytes);
    codec::decode(&mut buf, Some(V5), MAX)
}

/// Decodes one whole v5 packet and checks that nothing is left over.
fn decode(bytes: &[u8]) -> Packet {
    let mut buf = BytesMut::from(bytes);
    let packet = codec::decode(&mut buf, Some(V5), MAX)
        .expect("decode failed")
        .expect("packet should be complete");
    assert!(buf.is_empty(), "decode left {} bytes behind", buf.len());
    packet
}

fn decode_err(bytes: &[u8]) -> DecodeError {
    check_vector_framing(bytes);
    try_decode(bytes).expect_err("expected a decode error")
}

fn encode(packet: &Packet) -> Vec<u8> {
    let mut buf = BytesMut::new();
    packet.encode(V5, &mut buf).expect("encode failed");
    buf.to_vec()
}

/// The canonical check: bytes decode to `expected`, `expected` encodes to
/// exactly the bytes, and `encoded_len` counts them.
fn assert_vector(bytes: &[u8], expected: &Packet) {
    check_vector_framing(bytes);
    assert_eq!(&decode(bytes), expected, "decode of {bytes:02X?}");
    let encoded = encode(expected);
    assert_eq!(
        encoded, bytes,
        "encoding of {expected:?}\n  got      {encoded:02X?}\n  expected {bytes:02X?}"
    );
    assert_eq!(expected.encoded_len(V5), bytes.len(), "encoded_len");
}

/// A valid encoding that is not the one the encoder produces: decode it, then
/// check the canonical bytes round trip.
fn assert_decodes_to_canonical(noncanonical: &[u8], canonical: &[u8], expected: &Packet) {
    check_vector_framing(noncanonical);
    assert_eq!(
        &decode(noncanonical),
        expected,
        "decode of {noncanonical:02X?}"
    );
    assert_vector(canonical, expected);
}

// ---------------------------------------------------------------- CONNECT ----

/// Section 3.1.2.12, Figure 3-6: the variable header of the specification's
/// example (User Name, Password, Will QoS 1, Will Flag, Clean Start, Keep Alive
/// 10, Session Expiry Interval 10), completed with a payload.
#[test]
fn v5_connect_spec_figure_3_6_variable_header() {
    let bytes = bytes![
        [0x10, 35]                           // CONNECT, Remaining Length 35
        [0x00, 0x04]                         // Protocol Name length
        b"MQTT"                              // Protocol Name [MQTT-3.1.2-1]
        [0x05]                               // Protocol Version 5
        [0b1100_1110]                        // UN, PW, Will QoS 01, Will, Clean Start
        [0x00, 0x0A]                         // Keep Alive 10
        [0x05, 0x11, 0x00, 0x00, 0x00, 0x0A] // Properties: Session Expiry Interval 10
        [0x00, 0x02] b"c1"                   // Client Identifier
        [0x00]                               // Will Properties: none
        [0x00, 0x01] b"w"                    // Will Topic
        [0x00, 0x03] b"bye"                  // Will Payload
        [0x00, 0x01] b"u"                    // User Name
        [0x00, 0x01] b"p"                    // Password
    ];
    let connect = Connect {
        protocol: V5,
        clean_start: true,
        keep_alive: 10,
        properties: ConnectProperties {
            session_expiry_interval: Some(10),
            ..ConnectProperties::default()
        },
        client_id: s("c1"),
        will: Some(Will {
            topic: topic("w"),
            payload: bin(b"bye"),
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: WillProperties::default(),
        }),
        username: Some(s("u")),
        password: Some(bin(b"p")),
    };
    // [MQTT-3.1.3-1] payload order: Client Identifier, Will Properties, Will Topic,
    // Will Payload, User Name, Password.
    assert_vector(&bytes, &Packet::from(connect));
}

/// A zero-length Client Identifier and an empty property block (Property Length
/// 0 is mandatory when there are no properties).
#[test]
fn v5_connect_minimal_empty_client_id() {
    // [MQTT-2.2.2-1] "no properties" is a Property Length of zero.
    let bytes = bytes![
        [0x10, 13]
        [0x00, 0x04] b"MQTT"
        [0x05]
        [0x02]       // Clean Start
        [0x00, 0x3C] // Keep Alive 60
        [0x00]       // Property Length 0
        [0x00, 0x00] // Client Identifier ""
    ];
    let mut connect = Connect::new(V5, "");
    connect.keep_alive = 60;
    assert_vector(&bytes, &Packet::from(connect));
}

/// Every CONNECT property: 0x11, 0x15, 0x16, 0x17, 0x19, 0x21, 0x22, 0x26 (twice,
/// same name, order kept) and 0x27.
#[test]
fn v5_connect_with_all_connect_properties() {
    let bytes = bytes![
        [0x10, 63]
        [0x00, 0x04] b"MQTT"
        [0x05, 0x02, 0x00, 0x1E]                  // level 5, Clean Start, Keep Alive 30
        [48]                                      // Property Length
        [0x11, 0x00, 0x00, 0x0E, 0x10]            // Session Expiry Interval 3600 (4-byte int)
        [0x15, 0x00, 0x05] b"SCRAM"               // Authentication Method (UTF-8 string)
        [0x16, 0x00, 0x03, 0x01, 0x02, 0x03]      // Authentication Data (Binary Data)
        [0x17, 0x00]                              // Request Problem Information 0 (Byte)
        [0x19, 0x01]                              // Request Response Information 1 (Byte)
        [0x21, 0x00, 0x14]                        // Receive Maximum 20 (Two Byte Integer)
        [0x22, 0x00, 0x0A]                        // Topic Alias Maximum 10
        [0x26, 0x00, 0x01] b"a" [0x00, 0x01] b"1" // User Property a=1
        [0x26, 0x00, 0x01] b"a" [0x00, 0x01] b"2" // User Property a=2
        [0x27, 0x00, 0x00, 0x10, 0x00]            // Maximum Packet Size 4096
        [0x00, 0x02] b"id"
    ];
    let mut connect = Connect::new(V5, "id");
    connect.keep_alive = 30;
    connect.properties = ConnectProperties {
        session_expiry_interval: Some(3600),
        receive_maximum: Some(nz16(20)),
        maximum_packet_size: Some(nz32(4096)),
        topic_alias_maximum: Some(10),
        request_response_information: Some(true),
        request_problem_information: Some(false),
        user_properties: vec![pair("a", "1"), pair("a", "2")],
        authentication_method: Some(s("SCRAM")),
        authentication_data: Some(bin(&[1, 2, 3])),
    };
    assert_vector(&bytes, &Packet::from(connect));
}

/// A Will with every Will Property (0x01, 0x02, 0x03, 0x08, 0x09, 0x18, 0x26),
/// Will QoS 2 and Will Retain, plus User Name and a binary Password.
#[test]
fn v5_connect_with_will_properties_username_and_password() {
    let bytes = bytes![
        [0x10, 77]
        [0x00, 0x04] b"MQTT"
        [0x05]
        [0b1111_0100]                             // UN, PW, Will Retain, Will QoS 2, Will
        [0x00, 0x00]                              // Keep Alive 0
        [0x00]                                    // CONNECT Property Length 0
        [0x00, 0x02] b"cl"
        [37]                                      // Will Property Length
        [0x01, 0x01]                              // Payload Format Indicator 1
        [0x02, 0x00, 0x00, 0x00, 0x3C]            // Message Expiry Interval 60
        [0x03, 0x00, 0x04] b"text"                // Content Type
        [0x08, 0x00, 0x03] b"r/1"                 // Response Topic
        [0x09, 0x00, 0x02, 0xCA, 0xFE]            // Correlation Data
        [0x18, 0x00, 0x00, 0x00, 0x05]            // Will Delay Interval 5
        [0x26, 0x00, 0x01] b"k" [0x00, 0x01] b"v" // User Property
        [0x00, 0x06] b"will/t"                    // Will Topic
        [0x00, 0x04] b"gone"                      // Will Payload
        [0x00, 0x04] b"user"                      // User Name
        [0x00, 0x02, 0x00, 0xFF]                  // Password: arbitrary binary data
    ];
    let connect = Connect {
        protocol: V5,
        clean_start: false,
        keep_alive: 0,
        properties: ConnectProperties::default(),
        client_id: s("cl"),
        will: Some(Will {
            topic: topic("will/t"),
            payload: bin(b"gone"),
            qos: QoS::ExactlyOnce,
            retain: true,
            properties: WillProperties {
                will_delay_interval: Some(5),
                payload_format_indicator: Some(true),
                message_expiry_interval: Some(60),
                content_type: Some(s("text")),
                response_topic: Some(topic("r/1")),
                correlation_data: Some(bin(&[0xCA, 0xFE])),
                user_properties: vec![pair("k", "v")],
            },
        }),
        username: Some(s("user")),
        password: Some(bin(&[0x00, 0xFF])),
    };
    assert_vector(&bytes, &Packet::from(connect));
}

/// MQTT 5.0 allows a Password without a User Name (section 3.1.2.9,
/// non-normative comment), unlike 3.1.1.
#[test]
fn v5_connect_password_without_username() {
    // [MQTT-3.1.2-16] no User Name when its flag is 0; [MQTT-3.1.2-19] Password present.
    let bytes = bytes![
        [0x10, 19]
        [0x00, 0x04] b"MQTT"
        [0x05]
        [0b0100_0010] // Password Flag, Clean Start
        [0x00, 0x00]
        [0x00]
        [0x00, 0x01] b"p"
        [0x00, 0x03] b"sec"
    ];
    let mut connect = Connect::new(V5, "p");
    connect.password = Some(bin(b"sec"));
    assert_vector(&bytes, &Packet::from(connect));
}

#[test]
fn v5_connect_reserved_flag_is_malformed() {
    // [MQTT-3.1.2-3]
    let bytes = bytes![
        [0x10, 13]
        [0x00, 0x04] b"MQTT"
        [0x05, 0x03, 0x00, 0x3C, 0x00, 0x00, 0x00]
    ];
    let err = decode_err(&bytes);
    assert_eq!(err.kind(), ErrorKind::ConnectReservedFlag);
    assert_eq!(err.reason_code(), ReasonCode::MalformedPacket);
    assert_eq!(err.rule(), Some("MQTT-3.1.2-3"));
}

#[test]
fn v5_connect_will_flags_without_will_are_rejected() {
    let connect_with_flags = |flags: u8| {
        bytes![
            [0x10, 13]
            [0x00, 0x04] b"MQTT"
            [0x05, flags, 0x00, 0x00, 0x00, 0x00, 0x00]
        ]
    };
    // [MQTT-3.1.2-11] Will QoS must be 0 without the Will Flag.
    assert_eq!(
        decode_err(&connect_with_flags(0b0000_1010)).kind(),
        ErrorKind::WillQosWithoutWill
    );
    // [MQTT-3.1.2-13] Will Retain must be 0 without the Will Flag.
    assert_eq!(
        decode_err(&connect_with_flags(0b0010_0010)).kind(),
        ErrorKind::WillRetainWithoutWill
    );
    // [MQTT-3.1.2-12] Will QoS 3 is malformed.
    assert_eq!(
        decode_err(&connect_with_flags(0b0001_1110)).kind(),
        ErrorKind::InvalidWillQos
    );
}

// ---------------------------------------------------------------- CONNACK ----

#[test]
fn v5_connack_success_without_properties() {
    assert_vector(
        &[0x20, 0x03, 0x00, 0x00, 0x00],
        &Packet::from(ConnAck::new(ReasonCode::Success, false)),
    );
}

#[test]
fn v5_connack_session_present() {
    // Connect Acknowledge Flags bit 0; bits 7-1 reserved [MQTT-3.2.2-1].
    assert_vector(
        &[0x20, 0x03, 0x01, 0x00, 0x00],
        &Packet::from(ConnAck::new(ReasonCode::Success, true)),
    );
}

#[test]
fn v5_connack_refusal_reason_codes() {
    // [MQTT-3.2.2-8] a Connect Reason Code value; Session Present 0 [MQTT-3.2.2-6].
    for code in [0x80, 0x84, 0x85, 0x86, 0x87, 0x8A, 0x9C, 0x9F] {
        let rc = ReasonCode::from_u8(code).unwrap();
        assert_vector(
            &[0x20, 0x03, 0x00, code, 0x00],
            &Packet::from(ConnAck::new(rc, false)),
        );
    }
}

#[test]
fn v5_connack_session_present_with_refusal_is_rejected() {
    // [MQTT-3.2.2-6]
    let err = decode_err(&[0x20, 0x03, 0x01, 0x87, 0x00]);
    assert_eq!(err.kind(), ErrorKind::SessionPresentOnRefusal);
    assert_eq!(err.rule(), Some("MQTT-3.2.2-6"));
}

#[test]
fn v5_connack_reserved_flags_are_malformed() {
    // [MQTT-3.2.2-1]
    assert_eq!(
        decode_err(&[0x20, 0x03, 0x02, 0x00, 0x00]).kind(),
        ErrorKind::ConnAckReservedFlags
    );
}

#[test]
fn v5_connack_reason_code_not_allowed_is_malformed() {
    // 0x10 (No matching subscribers) is not a Connect Reason Code.
    assert_eq!(
        decode_err(&[0x20, 0x03, 0x00, 0x10, 0x00]).kind(),
        ErrorKind::InvalidReasonCode(PacketType::ConnAck, 0x10)
    );
}

/// All 17 CONNACK properties: 0x11, 0x12, 0x13, 0x15, 0x16, 0x1A, 0x1C, 0x1F,
/// 0x21, 0x22, 0x24, 0x25, 0x26 (twice, one with an empty value), 0x27, 0x28,
/// 0x29, 0x2A.
#[test]
fn v5_connack_with_all_properties() {
    let bytes = bytes![
        [0x20, 85]
        [0x00, 0x00]                              // flags, Success
        [82]                                      // Property Length
        [0x11, 0xFF, 0xFF, 0xFF, 0xFF]            // Session Expiry Interval: never
        [0x12, 0x00, 0x04] b"auto"                // Assigned Client Identifier
        [0x13, 0x00, 0x78]                        // Server Keep Alive 120
        [0x15, 0x00, 0x05] b"SCRAM"               // Authentication Method
        [0x16, 0x00, 0x02, 0x0A, 0x0B]            // Authentication Data
        [0x1A, 0x00, 0x04] b"resp"                // Response Information
        [0x1C, 0x00, 0x05] b"other"               // Server Reference
        [0x1F, 0x00, 0x02] b"ok"                  // Reason String
        [0x21, 0x00, 0x64]                        // Receive Maximum 100
        [0x22, 0x00, 0x05]                        // Topic Alias Maximum 5
        [0x24, 0x01]                              // Maximum QoS 1
        [0x25, 0x00]                              // Retain Available 0
        [0x26, 0x00, 0x01] b"x" [0x00, 0x01] b"y" // User Property x=y
        [0x26, 0x00, 0x01] b"a" [0x00, 0x00]      // User Property a=""
        [0x27, 0x00, 0x01, 0x00, 0x00]            // Maximum Packet Size 65536
        [0x28, 0x00]                              // Wildcard Subscription Available 0
        [0x29, 0x01]                              // Subscription Identifiers Available 1
        [0x2A, 0x00]                              // Shared Subscription Available 0
    ];
    let connack = ConnAck {
        session_present: false,
        reason_code: ReasonCode::Success,
        properties: ConnAckProperties {
            session_expiry_interval: Some(u32::MAX),
            receive_maximum: Some(nz16(100)),
            maximum_qos: Some(QoS::AtLeastOnce),
            retain_available: Some(false),
            maximum_packet_size: Some(nz32(65_536)),
            assigned_client_identifier: Some(s("auto")),
            topic_alias_maximum: Some(5),
            reason_string: Some(s("ok")),
            user_properties: vec![pair("x", "y"), pair("a", "")],
            wildcard_subscription_available: Some(false),
            subscription_identifiers_available: Some(true),
            shared_subscription_available: Some(false),
            server_keep_alive: Some(120),
            response_information: Some(s("resp")),
            server_reference: Some(s("other")),
            authentication_method: Some(s("SCRAM")),
            authentication_data: Some(bin(&[0x0A, 0x0B])),
        },
    };
    assert_vector(&bytes, &Packet::from(connack));
}

#[test]
fn v5_connack_maximum_qos_2_is_protocol_error() {
    // Section 3.2.2.3.4: a Maximum QoS other than 0 or 1 is a Protocol Error.
    let err = decode_err(&[0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02]);
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidPropertyValue(PropertyId::MaximumQoS)
    );
    assert_eq!(err.reason_code(), ReasonCode::ProtocolError);
}

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

// ------------------------------------------- PUBACK PUBREC PUBREL PUBCOMP ----

#[test]
fn v5_puback_remaining_length_2_success() {
    // Section 3.4.2.1: Remaining Length 2 means Success and no properties.
    assert_vector(
        &[0x40, 0x02, 0x00, 0x01],
        &Packet::PubAck(PubResponse::new(pid(1))),
    );
}

#[test]
fn v5_puback_remaining_length_3_reason_code_no_property_length() {
    // Section 3.4.2.2.1: Remaining Length < 4 means no Property Length.
    assert_vector(
        &[0x40, 0x03, 0x00, 0x02, 0x10],
        &Packet::PubAck(PubResponse::with_reason(
            pid(2),
            ReasonCode::NoMatchingSubscribers,
        )),
    );
}

#[test]
fn v5_puback_with_reason_string_and_user_property() {
    // [MQTT-3.4.2-1] a PUBACK Reason Code (0x99 Payload format invalid).
    let bytes = bytes![
        [0x40, 17]
        [0x00, 0x03]
        [0x99]
        [13]
        [0x1F, 0x00, 0x03] b"bad"
        [0x26, 0x00, 0x01] b"a" [0x00, 0x01] b"b"
    ];
    let puback = PubResponse {
        packet_id: pid(3),
        reason_code: ReasonCode::PayloadFormatInvalid,
        properties: AckProperties {
            reason_string: Some(s("bad")),
            user_properties: vec![pair("a", "b")],
        },
    };
    assert_vector(&bytes, &Packet::PubAck(puback));
}

#[test]
fn v5_puback_explicit_success_forms_decode_to_short_form() {
    let expected = Packet::PubAck(PubResponse::new(pid(1)));
    // Reason Code 0x00 written out, no Property Length.
    assert_decodes_to_canonical(
        &[0x40, 0x03, 0x00, 0x01, 0x00],
        &[0x40, 0x02, 0x00, 0x01],
        &expected,
    );
    // Reason Code 0x00 and Property Length 0 written out.
    assert_decodes_to_canonical(
        &[0x40, 0x04, 0x00, 0x01, 0x00, 0x00],
        &[0x40, 0x02, 0x00, 0x01],
        &expected,
    );
}

#[test]
fn v5_pubrec_short_forms() {
    assert_vector(
        &[0x50, 0x02, 0x00, 0x07],
        &Packet::PubRec(PubResponse::new(pid(7))),
    );
    // [MQTT-3.5.2-1] 0x80 Unspecified error is a PUBREC Reason Code.
    assert_vector(
        &[0x50, 0x03, 0x00, 0x07, 0x80],
        &Packet::PubRec(PubResponse::with_reason(
            pid(7),
            ReasonCode::UnspecifiedError,
        )),
    );
}

#[test]
fn v5_pubrec_with_reason_string() {
    let bytes = bytes![
        [0x50, 11]
        [0x00, 0x08]
        [0x97]
        [7]
        [0x1F, 0x00, 0x04] b"full"
    ];
    let mut pubrec = PubResponse::with_reason(pid(8), ReasonCode::QuotaExceeded);
    pubrec.properties.reason_string = Some(s("full"));
    assert_vector(&bytes, &Packet::PubRec(pubrec));
}

#[test]
fn v5_pubrel_short_forms() {
    // [MQTT-3.6.1-1] fixed header flags 0010.
    assert_vector(
        &[0x62, 0x02, 0x12, 0x34],
        &Packet::PubRel(PubResponse::new(pid(0x1234))),
    );
    // [MQTT-3.6.2-1] 0x92 Packet Identifier not found.
    assert_vector(
        &[0x62, 0x03, 0x12, 0x34, 0x92],
        &Packet::PubRel(PubResponse::with_reason(
            pid(0x1234),
            ReasonCode::PacketIdentifierNotFound,
        )),
    );
}

#[test]
fn v5_pubrel_with_user_properties() {
    let bytes = bytes![
        [0x62, 18]
        [0x00, 0x05]
        [0x92]
        [14]
        [0x26, 0x00, 0x01] b"a" [0x00, 0x01] b"1"
        [0x26, 0x00, 0x01] b"b" [0x00, 0x01] b"2"
    ];
    let mut pubrel = PubResponse::with_reason(pid(5), ReasonCode::PacketIdentifierNotFound);
    pubrel.properties.user_properties = vec![pair("a", "1"), pair("b", "2")];
    assert_vector(&bytes, &Packet::PubRel(pubrel));
}

#[test]
fn v5_pubrel_wrong_flags_and_reason_code_rejected() {
    // [MQTT-3.6.1-1]
    let err = decode_err(&[0x60, 0x02, 0x00, 0x01]);
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::PubRel, 0)
    );
    assert_eq!(err.rule(), Some("MQTT-3.6.1-1"));
    // [MQTT-3.6.2-1] 0x10 is not a PUBREL Reason Code.
    let err = decode_err(&[0x62, 0x03, 0x00, 0x01, 0x10]);
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidReasonCode(PacketType::PubRel, 0x10)
    );
    let bad = Packet::PubRel(PubResponse::with_reason(
        pid(1),
        ReasonCode::NoMatchingSubscribers,
    ));
    let mut buf = BytesMut::new();
    assert_eq!(
        bad.encode(V5, &mut buf),
        Err(EncodeError::InvalidReasonCode(
            PacketType::PubRel,
            ReasonCode::NoMatchingSubscribers
        ))
    );
    assert!(buf.is_empty());
}

#[test]
fn v5_pubcomp_short_forms() {
    assert_vector(
        &[0x70, 0x02, 0x00, 0x09],
        &Packet::PubComp(PubResponse::new(pid(9))),
    );
    // [MQTT-3.7.2-1]
    assert_vector(
        &[0x70, 0x03, 0x00, 0x09, 0x92],
        &Packet::PubComp(PubResponse::with_reason(
            pid(9),
            ReasonCode::PacketIdentifierNotFound,
        )),
    );
}

#[test]
fn v5_pubcomp_with_reason_string() {
    let bytes = bytes![
        [0x70, 11]
        [0x00, 0x09]
        [0x92]
        [7]
        [0x1F, 0x00, 0x04] b"gone"
    ];
    let mut pubcomp = PubResponse::with_reason(pid(9), ReasonCode::PacketIdentifierNotFound);
    pubcomp.properties.reason_string = Some(s("gone"));
    assert_vector(&bytes, &Packet::PubComp(pubcomp));
}

// -------------------------------------------------------------- SUBSCRIBE ----

/// Section 3.8.3.1, Figure 3-21: "a/b" at QoS 1 and "c/d" at QoS 2.
#[test]
fn v5_subscribe_spec_figure_3_21() {
    // [MQTT-3.8.1-1] fixed header flags 0010.
    let bytes = bytes![
        [0x82, 15]
        [0x00, 0x01] // Packet Identifier
        [0x00]       // no properties
        [0x00, 0x03] b"a/b"
        [0x01]
        [0x00, 0x03] b"c/d"
        [0x02]
    ];
    let subscribe = Subscribe::new(
        pid(1),
        vec![
            (filter("a/b"), SubscriptionOptions::new(QoS::AtLeastOnce)),
            (filter("c/d"), SubscriptionOptions::new(QoS::ExactlyOnce)),
        ],
    );
    assert_vector(&bytes, &Packet::from(subscribe));
}

/// Subscription Options byte (Figure 3-20): QoS bits 0-1, No Local bit 2, Retain
/// As Published bit 3, Retain Handling bits 4-5 (values 0, 1 and 2).
#[test]
fn v5_subscribe_options_byte_every_field() {
    let bytes = bytes![
        [0x82, 23]
        [0x01, 0x02]
        [0x00]
        [0x00, 0x01] b"a"
        [0b0000_0000] // QoS 0, RH 0
        [0x00, 0x01] b"b"
        [0b0000_0101] // QoS 1, No Local
        [0x00, 0x01] b"c"
        [0b0000_1010] // QoS 2, Retain As Published
        [0x00, 0x01] b"d"
        [0b0001_0000] // Retain Handling 1
        [0x00, 0x01] b"e"
        [0b0010_1101] // Retain Handling 2, RAP, NL, QoS 1
    ];
    let opts = |qos, no_local, retain_as_published, retain_handling| SubscriptionOptions {
        qos,
        no_local,
        retain_as_published,
        retain_handling,
    };
    let subscribe = Subscribe::new(
        pid(0x0102),
        vec![
            (
                filter("a"),
                opts(
                    QoS::AtMostOnce,
                    false,
                    false,
                    RetainHandling::SendAtSubscribe,
                ),
            ),
            (
                filter("b"),
                opts(
                    QoS::AtLeastOnce,
                    true,
                    false,
                    RetainHandling::SendAtSubscribe,
                ),
            ),
            (
                filter("c"),
                opts(
                    QoS::ExactlyOnce,
                    false,
                    true,
                    RetainHandling::SendAtSubscribe,
                ),
            ),
            (
                filter("d"),
                opts(QoS::AtMostOnce, false, false, RetainHandling::SendIfNew),
            ),
            (
                filter("e"),
                opts(QoS::AtLeastOnce, true, true, RetainHandling::DoNotSend),
            ),
        ],
    );
    assert_vector(&bytes, &Packet::from(subscribe));
}

/// SUBSCRIBE properties: a two-byte Subscription Identifier (200 = 0xC8 0x01)
/// and a User Property.
#[test]
fn v5_subscribe_with_subscription_identifier_and_user_property() {
    let bytes = bytes![
        [0x82, 22]
        [0x00, 0x0A]
        [13]
        [0x0B, 0xC8, 0x01] // Subscription Identifier 200
        [0x26, 0x00, 0x03] b"reg" [0x00, 0x02] b"eu"
        [0x00, 0x03] b"x/#"
        [0x01]
    ];
    let subscribe = Subscribe {
        packet_id: pid(10),
        filters: vec![(filter("x/#"), SubscriptionOptions::new(QoS::AtLeastOnce))],
        properties: SubscribeProperties {
            subscription_identifier: Some(nz32(200)),
            user_properties: vec![pair("reg", "eu")],
        },
    };
    assert_vector(&bytes, &Packet::from(subscribe));
}

/// A Shared Subscription `$share/{ShareName}/{filter}` (section 4.8.2).
#[test]
fn v5_subscribe_shared_subscription() {
    // [MQTT-4.8.2-1] [MQTT-4.8.2-2]
    let bytes = bytes![
        [0x82, 28]
        [0x00, 0x02]
        [0x00]
        [0x00, 22] b"$share/group/sensors/+"
        [0b0010_0001] // Retain Handling 2, QoS 1
    ];
    let opts = SubscriptionOptions {
        qos: QoS::AtLeastOnce,
        retain_handling: RetainHandling::DoNotSend,
        ..SubscriptionOptions::default()
    };
    let subscribe = Subscribe::new(pid(2), vec![(filter("$share/group/sensors/+"), opts)]);
    assert_vector(&bytes, &Packet::from(subscribe.clone()));
    let shared = subscribe.filters[0]
        .0
        .shared()
        .expect("a shared subscription");
    assert_eq!(shared.group, "group");
    assert_eq!(shared.filter, "sensors/+");
}

#[test]
fn v5_subscribe_no_local_on_shared_subscription_is_protocol_error() {
    // [MQTT-3.8.3-4]
    let err = decode_err(&bytes![
        [0x82, 20]
        [0x00, 0x02]
        [0x00]
        [0x00, 14] b"$share/g/a/b/c"
        [0b0000_0101]
    ]);
    assert_eq!(err.kind(), ErrorKind::NoLocalOnSharedSubscription);
    assert_eq!(err.reason_code(), ReasonCode::ProtocolError);
}

#[test]
fn v5_subscribe_invalid_shared_subscription_filters() {
    // [MQTT-4.8.2-1] a ShareName at least one character long; [MQTT-4.8.2-2] no
    // wildcard in the ShareName, and a "/" plus a Topic Filter after it.
    let cases: [(&[u8], &str); 3] = [
        (b"$share//a", "MQTT-4.8.2-1"),
        (b"$share/g", "MQTT-4.8.2-2"),
        (b"$share/+/a", "MQTT-4.8.2-2"),
    ];
    for (f, rule) in cases {
        let len = u8::try_from(f.len()).unwrap();
        let err = decode_err(&bytes![
            [0x82, 6 + len]
            [0x00, 0x01]
            [0x00]
            [0x00, len] f
            [0x00]
        ]);
        assert_eq!(err.rule(), Some(rule), "{f:?}: {err:?}");
    }
}

#[test]
fn v5_subscribe_options_reserved_values_rejected() {
    let with_options = |o: u8| bytes![[0x82, 7] [0x00, 0x01] [0x00] [0x00, 0x01] b"a" [o]];
    // [MQTT-3.8.3-5] reserved bits 6-7.
    let err = decode_err(&with_options(0b0100_0001));
    assert_eq!(err.kind(), ErrorKind::SubscriptionOptionsReserved);
    assert_eq!(err.reason_code(), ReasonCode::MalformedPacket);
    // Retain Handling 3 and Maximum QoS 3 are Protocol Errors (section 3.8.3.1).
    assert_eq!(
        decode_err(&with_options(0b0011_0000)).kind(),
        ErrorKind::InvalidRetainHandling
    );
    assert_eq!(
        decode_err(&with_options(0b0000_0011)).kind(),
        ErrorKind::InvalidSubscriptionQos
    );
}

#[test]
fn v5_subscribe_structural_errors() {
    // [MQTT-3.8.3-2] no Topic Filter.
    let err = decode_err(&[0x82, 0x03, 0x00, 0x01, 0x00]);
    assert_eq!(err.kind(), ErrorKind::EmptySubscribe);
    // [MQTT-3.8.1-1] flags must be 0010.
    let err = decode_err(&bytes![
        [0x80, 7]
        [0x00, 0x01]
        [0x00]
        [0x00, 0x01] b"a"
        [0x00]
    ]);
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::Subscribe, 0)
    );
    // Section 3.8.2.1.2: Subscription Identifier more than once.
    let err = decode_err(&bytes![
        [0x82, 11]
        [0x00, 0x01]
        [0x04, 0x0B, 0x01, 0x0B, 0x02]
        [0x00, 0x01] b"a"
        [0x00]
    ]);
    assert_eq!(
        err.kind(),
        ErrorKind::DuplicateProperty(PropertyId::SubscriptionIdentifier)
    );
}

// ----------------------------------------------------------------- SUBACK ----

#[test]
fn v5_suback_reason_codes() {
    // [MQTT-3.9.3-1] one code per filter, in order; [MQTT-3.9.3-2] Subscribe codes.
    let codes = [
        0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2,
    ];
    let bytes = bytes![[0x90, 15] [0x00, 0x0A] [0x00] codes];
    let suback = SubAck::new(
        pid(10),
        vec![
            ReasonCode::GRANTED_QOS_0,
            ReasonCode::GrantedQoS1,
            ReasonCode::GrantedQoS2,
            ReasonCode::UnspecifiedError,
            ReasonCode::ImplementationSpecificError,
            ReasonCode::NotAuthorized,
            ReasonCode::TopicFilterInvalid,
            ReasonCode::PacketIdentifierInUse,
            ReasonCode::QuotaExceeded,
            ReasonCode::SharedSubscriptionsNotSupported,
            ReasonCode::SubscriptionIdentifiersNotSupported,
            ReasonCode::WildcardSubscriptionsNotSupported,
        ],
    );
    assert_vector(&bytes, &Packet::from(suback));
}

#[test]
fn v5_suback_with_reason_string_and_user_property() {
    let bytes = bytes![
        [0x90, 15]
        [0x00, 0x0B]
        [11]
        [0x1F, 0x00, 0x01] b"q"
        [0x26, 0x00, 0x01] b"a" [0x00, 0x01] b"b"
        [0x01]
    ];
    let suback = SubAck {
        packet_id: pid(11),
        reason_codes: vec![ReasonCode::GrantedQoS1],
        properties: AckProperties {
            reason_string: Some(s("q")),
            user_properties: vec![pair("a", "b")],
        },
    };
    assert_vector(&bytes, &Packet::from(suback));
}

#[test]
fn v5_suback_rejects_codes_not_allowed() {
    // [MQTT-3.9.3-2] 0x11 and 0x92 are not Subscribe Reason Codes; 0x03 is undefined.
    for code in [0x11, 0x92, 0x03] {
        assert_eq!(
            decode_err(&[0x90, 0x04, 0x00, 0x01, 0x00, code]).kind(),
            ErrorKind::InvalidReasonCode(PacketType::SubAck, code)
        );
    }
    // A SUBACK must carry at least one code.
    assert_eq!(
        decode_err(&[0x90, 0x03, 0x00, 0x01, 0x00]).kind(),
        ErrorKind::EmptyAck
    );
}

// ------------------------------------------------------------ UNSUBSCRIBE ----

/// Section 3.10.3, Figure 3.30: "a/b" and "c/d", here with a User Property.
#[test]
fn v5_unsubscribe_spec_figure_3_30_with_user_property() {
    // [MQTT-3.10.1-1] flags 0010.
    let bytes = bytes![
        [0xA2, 20]
        [0x00, 0x0B]
        [7]
        [0x26, 0x00, 0x01] b"u" [0x00, 0x01] b"v"
        [0x00, 0x03] b"a/b"
        [0x00, 0x03] b"c/d"
    ];
    let unsubscribe = Unsubscribe {
        packet_id: pid(11),
        filters: vec![filter("a/b"), filter("c/d")],
        properties: UnsubscribeProperties {
            user_properties: vec![pair("u", "v")],
        },
    };
    assert_vector(&bytes, &Packet::from(unsubscribe));
}

#[test]
fn v5_unsubscribe_shared_filter_without_properties() {
    let bytes = bytes![
        [0xA2, 17]
        [0x00, 0x0C]
        [0x00]
        [0x00, 12] b"$share/g/a/#"
    ];
    let unsubscribe = Unsubscribe::new(pid(12), vec![filter("$share/g/a/#")]);
    assert_vector(&bytes, &Packet::from(unsubscribe));
}

#[test]
fn v5_unsubscribe_errors() {
    // [MQTT-3.10.3-2]
    assert_eq!(
        decode_err(&[0xA2, 0x03, 0x00, 0x01, 0x00]).kind(),
        ErrorKind::EmptyUnsubscribe
    );
    // [MQTT-3.10.1-1]
    let err = decode_err(&bytes![[0xA0, 6] [0x00, 0x01] [0x00] [0x00, 0x01] b"a"]);
    assert_eq!(err.rule(), Some("MQTT-3.10.1-1"));
}

// --------------------------------------------------------------- UNSUBACK ----

#[test]
fn v5_unsuback_reason_codes() {
    // [MQTT-3.11.3-1] [MQTT-3.11.3-2]
    let bytes = bytes![
        [0xB0, 10]
        [0x00, 0x0B]
        [0x00]
        [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91]
    ];
    let unsuback = UnsubAck::new(
        pid(11),
        vec![
            ReasonCode::Success,
            ReasonCode::NoSubscriptionExisted,
            ReasonCode::UnspecifiedError,
            ReasonCode::ImplementationSpecificError,
            ReasonCode::NotAuthorized,
            ReasonCode::TopicFilterInvalid,
            ReasonCode::PacketIdentifierInUse,
        ],
    );
    assert_vector(&bytes, &Packet::from(unsuback));
}

#[test]
fn v5_unsuback_with_reason_string() {
    let bytes = bytes![
        [0xB0, 11]
        [0x00, 0x0C]
        [7]
        [0x1F, 0x00, 0x04] b"none"
        [0x11]
    ];
    let mut unsuback = UnsubAck::new(pid(12), vec![ReasonCode::NoSubscriptionExisted]);
    unsuback.properties.reason_string = Some(s("none"));
    assert_vector(&bytes, &Packet::from(unsuback));
}

#[test]
fn v5_unsuback_rejects_codes_not_allowed() {
    // [MQTT-3.11.3-2] Granted QoS 1 and Quota exceeded are not Unsubscribe codes.
    for code in [0x01, 0x97] {
        assert_eq!(
            decode_err(&[0xB0, 0x04, 0x00, 0x01, 0x00, code]).kind(),
            ErrorKind::InvalidReasonCode(PacketType::UnsubAck, code)
        );
    }
}

// ------------------------------------------------------ PINGREQ PINGRESP ----

#[test]
fn v5_pingreq_and_pingresp() {
    assert_vector(&[0xC0, 0x00], &Packet::PingReq);
    assert_vector(&[0xD0, 0x00], &Packet::PingResp);
    // [MQTT-2.1.3-1] reserved flags; a body is malformed.
    assert_eq!(
        decode_err(&[0xC1, 0x00]).kind(),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::PingReq, 1)
    );
    assert_eq!(
        decode_err(&[0xD0, 0x01, 0x00]).kind(),
        ErrorKind::TrailingBytes
    );
}

// ------------------------------------------------------------- DISCONNECT ----

#[test]
fn v5_disconnect_remaining_length_0() {
    // Section 3.14.2.1: Remaining Length 0 means Normal disconnection.
    assert_vector(
        &[0xE0, 0x00],
        &Packet::from(Disconnect::new(ReasonCode::NORMAL_DISCONNECTION)),
    );
}

#[test]
fn v5_disconnect_remaining_length_1() {
    // Section 3.14.2.2.1: Remaining Length < 2 means Property Length 0.
    assert_vector(
        &[0xE0, 0x01, 0x04],
        &Packet::from(Disconnect::new(ReasonCode::DisconnectWithWillMessage)),
    );
    assert_vector(
        &[0xE0, 0x01, 0x8E],
        &Packet::from(Disconnect::new(ReasonCode::SessionTakenOver)),
    );
    // An explicit 0x00 decodes to the same packet, whose canonical form is E0 00.
    assert_decodes_to_canonical(
        &[0xE0, 0x01, 0x00],
        &[0xE0, 0x00],
        &Packet::from(Disconnect::default()),
    );
}

/// Section 3.14.2.2, Figure 3-24: Normal disconnection with Session Expiry
/// Interval 0. (The figure labels the Property Length "Length (5)" but prints
/// the bits of 7; 5 is correct: one identifier byte and a Four Byte Integer.)
#[test]
fn v5_disconnect_spec_figure_3_24() {
    let bytes = [0xE0, 0x07, 0x00, 0x05, 0x11, 0x00, 0x00, 0x00, 0x00];
    let disconnect = Disconnect {
        reason_code: ReasonCode::NORMAL_DISCONNECTION,
        properties: DisconnectProperties {
            session_expiry_interval: Some(0),
            ..DisconnectProperties::default()
        },
    };
    assert_vector(&bytes, &Packet::from(disconnect));
}

#[test]
fn v5_disconnect_server_moved_with_server_reference() {
    // [MQTT-3.14.2-1] 0x9D Server moved, with Server Reference (section 4.11).
    let bytes = bytes![
        [0xE0, 25]
        [0x9D]
        [23]
        [0x1C, 0x00, 0x06] b"b:1883"
        [0x1F, 0x00, 0x04] b"move"
        [0x26, 0x00, 0x01] b"n" [0x00, 0x01] b"1"
    ];
    let disconnect = Disconnect {
        reason_code: ReasonCode::ServerMoved,
        properties: DisconnectProperties {
            session_expiry_interval: None,
            reason_string: Some(s("move")),
            user_properties: vec![pair("n", "1")],
            server_reference: Some(s("b:1883")),
        },
    };
    assert_vector(&bytes, &Packet::from(disconnect));
}

#[test]
fn v5_disconnect_errors() {
    // [MQTT-3.14.2-1] 0x01 is not a DISCONNECT Reason Code.
    assert_eq!(
        decode_err(&[0xE0, 0x01, 0x01]).kind(),
        ErrorKind::InvalidReasonCode(PacketType::Disconnect, 0x01)
    );
    // [MQTT-3.14.1-1] reserved flags.
    assert_eq!(
        decode_err(&[0xE2, 0x00]).kind(),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::Disconnect, 2)
    );
    // Assigned Client Identifier is not a DISCONNECT property.
    assert_eq!(
        decode_err(&[0xE0, 0x05, 0x00, 0x03, 0x12, 0x00, 0x00]).kind(),
        ErrorKind::PropertyNotAllowed(PropertyId::AssignedClientIdentifier, PacketType::Disconnect)
    );
}

// ------------------------------------------------------------------- AUTH ----

#[test]
fn v5_auth_remaining_length_0() {
    // Section 3.15.2.1: Remaining Length 0 means Success and no properties.
    assert_vector(&[0xF0, 0x00], &Packet::from(Auth::new(ReasonCode::Success)));
}

#[test]
fn v5_auth_remaining_length_1() {
    // [MQTT-3.15.2-1] 0x19 Re-authenticate.
    assert_vector(
        &[0xF0, 0x01, 0x19],
        &Packet::from(Auth::new(ReasonCode::ReAuthenticate)),
    );
}

#[test]
fn v5_auth_continue_with_all_auth_properties() {
    // [MQTT-4.12.0-2] Continue authentication (0x18) with method and data.
    let bytes = bytes![
        [0xF0, 48]
        [0x18]
        [46]
        [0x15, 0x00, 0x0B] b"SCRAM-SHA-1"
        [0x16, 0x00, 0x0F] b"n,,n=user,r=abc"
        [0x1F, 0x00, 0x04] b"cont"
        [0x26, 0x00, 0x01] b"s" [0x00, 0x01] b"1"
    ];
    let auth = Auth {
        reason_code: ReasonCode::ContinueAuthentication,
        properties: AuthProperties {
            authentication_method: Some(s("SCRAM-SHA-1")),
            authentication_data: Some(bin(b"n,,n=user,r=abc")),
            reason_string: Some(s("cont")),
            user_properties: vec![pair("s", "1")],
        },
    };
    assert_vector(&bytes, &Packet::from(auth));
}

#[test]
fn v5_auth_errors() {
    // [MQTT-3.15.1-1]
    let err = decode_err(&[0xF1, 0x00]);
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::Auth, 1)
    );
    assert_eq!(err.rule(), Some("MQTT-3.15.1-1"));
    // [MQTT-3.15.2-1] 0x87 is not an Authenticate Reason Code.
    assert_eq!(
        decode_err(&[0xF0, 0x01, 0x87]).kind(),
        ErrorKind::InvalidReasonCode(PacketType::Auth, 0x87)
    );
    // Section 3.1.2.11.10: Authentication Data without Authentication Method.
    let err = decode_err(&[0xF0, 0x06, 0x18, 0x04, 0x16, 0x00, 0x01, 0xAA]);
    assert_eq!(err.kind(), ErrorKind::AuthDataWithoutMethod);
    assert_eq!(err.reason_code(), ReasonCode::ProtocolError);
}

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

// ----------------------------------------------------------- reason codes ----

/// Table 2-6: every defined Reason Code, its value and its name.
const REASON_CODES: [(u8, ReasonCode, &str); 43] = [
    (0x00, ReasonCode::Success, "Success"),
    (0x01, ReasonCode::GrantedQoS1, "Granted QoS 1"),
    (0x02, ReasonCode::GrantedQoS2, "Granted QoS 2"),
    (
        0x04,
        ReasonCode::DisconnectWithWillMessage,
        "Disconnect with Will Message",
    ),
    (
        0x10,
        ReasonCode::NoMatchingSubscribers,
        "No matching subscribers",
    ),
    (
        0x11,
        ReasonCode::NoSubscriptionExisted,
        "No subscription existed",
    ),
    (
        0x18,
        ReasonCode::ContinueAuthentication,
        "Continue authentication",
    ),
    (0x19, ReasonCode::ReAuthenticate, "Re-authenticate"),
    (0x80, ReasonCode::UnspecifiedError, "Unspecified error"),
    (0x81, ReasonCode::MalformedPacket, "Malformed Packet"),
    (0x82, ReasonCode::ProtocolError, "Protocol Error"),
    (
        0x83,
        ReasonCode::ImplementationSpecificError,
        "Implementation specific error",
    ),
    (
        0x84,
        ReasonCode::UnsupportedProtocolVersion,
        "Unsupported Protocol Version",
    ),
    (
        0x85,
        ReasonCode::ClientIdentifierNotValid,
        "Client Identifier not valid",
    ),
    (
        0x86,
        ReasonCode::BadUserNameOrPassword,
        "Bad User Name or Password",
    ),
    (0x87, ReasonCode::NotAuthorized, "Not authorized"),
    (0x88, ReasonCode::ServerUnavailable, "Server unavailable"),
    (0x89, ReasonCode::ServerBusy, "Server busy"),
    (0x8A, ReasonCode::Banned, "Banned"),
    (0x8B, ReasonCode::ServerShuttingDown, "Server shutting down"),
    (
        0x8C,
        ReasonCode::BadAuthenticationMethod,
        "Bad authentication method",
    ),
    (0x8D, ReasonCode::KeepAliveTimeout, "Keep Alive timeout"),
    (0x8E, ReasonCode::SessionTakenOver, "Session taken over"),
    (0x8F, ReasonCode::TopicFilterInvalid, "Topic Filter invalid"),
    (0x90, ReasonCode::TopicNameInvalid, "Topic Name invalid"),
    (
        0x91,
        ReasonCode::PacketIdentifierInUse,
        "Packet Identifier in use",
    ),
    (
        0x92,
        ReasonCode::PacketIdentifierNotFound,
        "Packet Identifier not found",
    ),
    (
        0x93,
        ReasonCode::ReceiveMaximumExceeded,
        "Receive Maximum exceeded",
    ),
    (0x94, ReasonCode::TopicAliasInvalid, "Topic Alias invalid"),
    (0x95, ReasonCode::PacketTooLarge, "Packet too large"),
    (
        0x96,
        ReasonCode::MessageRateTooHigh,
        "Message rate too high",
    ),
    (0x97, ReasonCode::QuotaExceeded, "Quota exceeded"),
    (
        0x98,
        ReasonCode::AdministrativeAction,
        "Administrative action",
    ),
    (
        0x99,
        ReasonCode::PayloadFormatInvalid,
        "Payload format invalid",
    ),
    (0x9A, ReasonCode::RetainNotSupported, "Retain not supported"),
    (0x9B, ReasonCode::QoSNotSupported, "QoS not supported"),
    (0x9C, ReasonCode::UseAnotherServer, "Use another server"),
    (0x9D, ReasonCode::ServerMoved, "Server moved"),
    (
        0x9E,
        ReasonCode::SharedSubscriptionsNotSupported,
        "Shared Subscriptions not supported",
    ),
    (
        0x9F,
        ReasonCode::ConnectionRateExceeded,
        "Connection rate exceeded",
    ),
    (0xA0, ReasonCode::MaximumConnectTime, "Maximum connect time"),
    (
        0xA1,
        ReasonCode::SubscriptionIdentifiersNotSupported,
        "Subscription Identifiers not supported",
    ),
    (
        0xA2,
        ReasonCode::WildcardSubscriptionsNotSupported,
        "Wildcard Subscriptions not supported",
    ),
];

#[test]
fn v5_reason_code_from_u8_all_43_defined() {
    for (value, code, name) in REASON_CODES {
        assert_eq!(ReasonCode::from_u8(value), Some(code), "0x{value:02X}");
        assert_eq!(code.as_u8(), value);
        assert_eq!(code.description(), name, "0x{value:02X}");
        // Section 2.4: codes below 0x80 are successes, 0x80 and above failures.
        assert_eq!(code.is_error(), value >= 0x80, "0x{value:02X}");
        assert_eq!(code.to_string(), format!("{name} (0x{value:02X})"));
    }
}

#[test]
fn v5_reason_code_from_u8_undefined_is_none() {
    for v in [0x03, 0x05, 0x0F, 0x12, 0x17, 0x1A, 0x7F, 0xA3, 0xFF] {
        assert_eq!(ReasonCode::from_u8(v), None, "0x{v:02X}");
    }
    let defined = (0..=u8::MAX)
        .filter(|&v| ReasonCode::from_u8(v).is_some())
        .count();
    assert_eq!(defined, 43);
    for v in 0..=u8::MAX {
        let listed = REASON_CODES.iter().any(|r| r.0 == v);
        assert_eq!(ReasonCode::from_u8(v).is_some(), listed, "0x{v:02X}");
    }
}

#[test]
fn v5_reason_code_zero_has_three_names() {
    // Table 2-6: 0x00 is Success, Normal disconnection and Granted QoS 0.
    assert_eq!(ReasonCode::NORMAL_DISCONNECTION, ReasonCode::Success);
    assert_eq!(ReasonCode::GRANTED_QOS_0, ReasonCode::Success);
    assert_eq!(ReasonCode::default().as_u8(), 0x00);
    assert_eq!(ReasonCode::granted(QoS::AtMostOnce), ReasonCode::Success);
    assert_eq!(
        ReasonCode::granted(QoS::AtLeastOnce),
        ReasonCode::GrantedQoS1
    );
    assert_eq!(
        ReasonCode::granted(QoS::ExactlyOnce),
        ReasonCode::GrantedQoS2
    );
}

#[test]
fn v5_reason_code_is_valid_for_spot_checks() {
    use PacketType::*;
    let cells: [(u8, PacketType, bool); 24] = [
        (0x00, ConnAck, true),
        (0x00, PubRel, true),
        (0x00, SubAck, true),     // Granted QoS 0
        (0x00, Disconnect, true), // Normal disconnection
        (0x00, Auth, true),
        (0x01, SubAck, true),
        (0x01, UnsubAck, false),
        (0x04, Disconnect, true),
        (0x04, ConnAck, false),
        (0x10, PubAck, true),
        (0x10, PubRel, false),
        (0x11, UnsubAck, true),
        (0x11, SubAck, false),
        (0x18, Auth, true),
        (0x19, Disconnect, false),
        (0x80, PubRec, true),
        (0x80, PubComp, false),
        (0x81, ConnAck, true),
        (0x81, PubAck, false),
        (0x8B, Disconnect, true),
        (0x8B, ConnAck, false),
        (0x90, ConnAck, true),
        (0x92, PubComp, true),
        (0x9E, UnsubAck, false),
    ];
    for (value, packet, allowed) in cells {
        let code = ReasonCode::from_u8(value).unwrap();
        assert_eq!(
            code.is_valid_for(packet),
            allowed,
            "0x{value:02X} in {packet}"
        );
    }
}

/// The whole of Table 2-6: for each code, exactly the listed packets allow it.
#[test]
fn v5_reason_code_is_valid_for_full_table_2_6() {
    use PacketType::*;
    const ALL: [PacketType; 15] = [
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
        PingReq,
        PingResp,
        Disconnect,
        Auth,
    ];
    let table: [(u8, &[PacketType]); 43] = [
        (
            0x00,
            &[
                ConnAck, PubAck, PubRec, PubRel, PubComp, UnsubAck, Auth, Disconnect, SubAck,
            ],
        ),
        (0x01, &[SubAck]),
        (0x02, &[SubAck]),
        (0x04, &[Disconnect]),
        (0x10, &[PubAck, PubRec]),
        (0x11, &[UnsubAck]),
        (0x18, &[Auth]),
        (0x19, &[Auth]),
        (
            0x80,
            &[ConnAck, PubAck, PubRec, SubAck, UnsubAck, Disconnect],
        ),
        (0x81, &[ConnAck, Disconnect]),
        (0x82, &[ConnAck, Disconnect]),
        (
            0x83,
            &[ConnAck, PubAck, PubRec, SubAck, UnsubAck, Disconnect],
        ),
        (0x84, &[ConnAck]),
        (0x85, &[ConnAck]),
        (0x86, &[ConnAck]),
        (
            0x87,
            &[ConnAck, PubAck, PubRec, SubAck, UnsubAck, Disconnect],
        ),
        (0x88, &[ConnAck]),
        (0x89, &[ConnAck, Disconnect]),
        (0x8A, &[ConnAck]),
        (0x8B, &[Disconnect]),
        (0x8C, &[ConnAck, Disconnect]),
        (0x8D, &[Disconnect]),
        (0x8E, &[Disconnect]),
        (0x8F, &[SubAck, UnsubAck, Disconnect]),
        (0x90, &[ConnAck, PubAck, PubRec, Disconnect]),
        (0x91, &[PubAck, PubRec, SubAck, UnsubAck]),
        (0x92, &[PubRel, PubComp]),
        (0x93, &[Disconnect]),
        (0x94, &[Disconnect]),
        (0x95, &[ConnAck, Disconnect]),
        (0x96, &[Disconnect]),
        (0x97, &[ConnAck, PubAck, PubRec, SubAck, Disconnect]),
        (0x98, &[Disconnect]),
        (0x99, &[ConnAck, PubAck, PubRec, Disconnect]),
        (0x9A, &[ConnAck, Disconnect]),
        (0x9B, &[ConnAck, Disconnect]),
        (0x9C, &[ConnAck, Disconnect]),
        (0x9D, &[ConnAck, Disconnect]),
        (0x9E, &[SubAck, Disconnect]),
        (0x9F, &[ConnAck, Disconnect]),
        (0xA0, &[Disconnect]),
        (0xA1, &[SubAck, Disconnect]),
        (0xA2, &[SubAck, Disconnect]),
    ];
    for (value, allowed) in table {
        let code = ReasonCode::from_u8(value).unwrap();
        for packet in ALL {
            assert_eq!(
                code.is_valid_for(packet),
                allowed.contains(&packet),
                "0x{value:02X} ({}) in {packet}",
                code.description()
            );
        }
    }
}

// ---------------------------------------------------------------- Decoder ----

#[test]
fn v5_decoder_learns_version_from_first_connect() {
    let mut decoder = Decoder::new(MAX);
    assert_eq!(decoder.version(), None);
    let mut buf = BytesMut::from(
        &bytes![
            [0x10, 13]
            [0x00, 0x04] b"MQTT"
            [0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x00]
            // Packets that only make sense in 5.0:
            [0xF0, 0x01, 0x19]             // AUTH Re-authenticate
            [0x40, 0x03, 0x00, 0x01, 0x10] // PUBACK with a Reason Code
        ][..],
    );
    let first = decoder.decode(&mut buf).unwrap().unwrap();
    assert!(matches!(first, Packet::Connect(ref c) if c.protocol == V5));
    assert_eq!(decoder.version(), Some(V5));
    assert_eq!(
        decoder.decode(&mut buf).unwrap(),
        Some(Packet::from(Auth::new(ReasonCode::ReAuthenticate)))
    );
    assert_eq!(
        decoder.decode(&mut buf).unwrap(),
        Some(Packet::PubAck(PubResponse::with_reason(
            pid(1),
            ReasonCode::NoMatchingSubscribers
        )))
    );
    assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    assert!(buf.is_empty());
}

#[test]
fn v5_decoder_requires_connect_first() {
    // [MQTT-3.1.0-1]
    let mut decoder = Decoder::new(MAX);
    let mut buf = BytesMut::from(&[0xC0, 0x00][..]);
    let err = decoder.decode(&mut buf).unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::FirstPacketNotConnect(PacketType::PingReq)
    );
    assert_eq!(err.rule(), Some("MQTT-3.1.0-1"));
    assert_eq!(decoder.version(), None);
}

#[test]
fn v5_decoder_byte_at_a_time() {
    // Server shutting down, with an explicit empty property block.
    let bytes = [0xE0, 0x02, 0x8B, 0x00];
    let mut decoder = Decoder::with_version(V5, MAX);
    let mut buf = BytesMut::new();
    for (i, &b) in bytes.iter().enumerate() {
        buf.extend_from_slice(&[b]);
        let out = decoder.decode(&mut buf).unwrap();
        if i + 1 < bytes.len() {
            assert_eq!(out, None, "complete after {} bytes", i + 1);
            assert_eq!(buf.len(), i + 1, "nothing consumed while incomplete");
        } else {
            assert_eq!(
                out,
                Some(Packet::from(Disconnect::new(
                    ReasonCode::ServerShuttingDown
                )))
            );
        }
    }
    // The canonical form of that DISCONNECT omits the empty property block.
    assert_vector(
        &[0xE0, 0x01, 0x8B],
        &Packet::from(Disconnect::new(ReasonCode::ServerShuttingDown)),
    );
}

#[test]
fn v5_decoder_enforces_maximum_packet_size_from_fixed_header() {
    // [MQTT-3.2.2-15] a packet larger than the Maximum Packet Size is refused as
    // soon as its fixed header is read. This PUBLISH is 12 bytes in total.
    let mut decoder = Decoder::with_version(V5, 11);
    let mut buf = BytesMut::from(&[0x30, 0x0A, 0x00, 0x01][..]);
    let err = decoder.decode(&mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PacketTooLarge { size: 12, max: 11 });
    assert_eq!(err.reason_code(), ReasonCode::PacketTooLarge);
    // Exactly at the limit is accepted.
    decoder.set_max_packet_size(12);
    let mut buf = BytesMut::from(&bytes![[0x30, 0x0A] [0x00, 0x01] b"t" [0x00] b"abcdef"][..]);
    assert_eq!(
        decoder.decode(&mut buf).unwrap(),
        Some(Packet::from(Publish::new(topic("t"), "abcdef")))
    );
}

// ----------------------------------------------------------- encoded_len ----

#[test]
fn v5_encoded_len_equals_bytes_written() {
    let mut big = Publish::new(topic("big"), Bytes::from(vec![0u8; 200_000]));
    big.qos = QoS::AtLeastOnce;
    big.packet_id = Some(pid(1));
    let mut with_props = Publish::new(topic("a/b"), "x");
    with_props.properties.subscription_identifiers = vec![nz32(268_435_455), nz32(128)];
    with_props.properties.user_properties = vec![pair("k", "v"); 40];
    let mut connect = Connect::new(V5, "client");
    connect.will = Some(Will {
        topic: topic("w"),
        payload: bin(b"p"),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: WillProperties {
            will_delay_interval: Some(1),
            ..WillProperties::default()
        },
    });
    let packets = [
        Packet::from(big),
        Packet::from(with_props),
        Packet::from(connect),
        Packet::from(ConnAck::new(ReasonCode::Success, true)),
        Packet::PubAck(PubResponse::new(pid(1))),
        Packet::PubRec(PubResponse::with_reason(pid(1), ReasonCode::QuotaExceeded)),
        Packet::PingReq,
        Packet::from(Disconnect::default()),
        Packet::from(Auth::new(ReasonCode::ContinueAuthentication)),
    ];
    for packet in &packets {
        let mut buf = BytesMut::new();
        packet.encode(V5, &mut buf).unwrap();
        assert_eq!(
            packet.encoded_len(V5),
            buf.len(),
            "{:?}",
            packet.packet_type()
        );
        // What is not Remaining Length is the fixed header: 2 to 5 bytes.
        let header = buf.len() - packet.remaining_len(V5);
        assert!((2..=5).contains(&header), "fixed header of {header} bytes");
    }
    // 200 000 + 2 + 3 + 2 + 1 = 200 008 needs a three-byte Remaining Length
    // (0xC8 0x9A 0x0C), so the packet is 1 + 3 + 200 008 bytes.
    let mut buf = BytesMut::new();
    packets[0].encode(V5, &mut buf).unwrap();
    assert_eq!(&buf[..4], &[0x32, 0xC8, 0x9A, 0x0C]);
    assert_eq!(buf.len(), 200_012);
}

#[test]
fn v5_encode_appends_to_existing_buffer() {
    let mut buf = BytesMut::from(&[0xAA][..]);
    Packet::PingResp.encode(V5, &mut buf).unwrap();
    Packet::PubComp(PubResponse::new(pid(3)))
        .encode(V5, &mut buf)
        .unwrap();
    assert_eq!(&buf[..], &[0xAA, 0xD0, 0x00, 0x70, 0x02, 0x00, 0x03]);
}

// ------------------------------------------------ data representation (1.5) ----

#[test]
fn v5_utf8_string_rules() {
    // [MQTT-1.5.4-3] U+FEFF (EF BB BF) is kept, not stripped, wherever it appears.
    let bytes = bytes![[0x30, 7] [0x00, 0x04] [0xEF, 0xBB, 0xBF] b"a" [0x00]];
    let publish = Publish::new(TopicName::new("\u{FEFF}a").unwrap(), Bytes::new());
    assert_vector(&bytes, &Packet::from(publish));
    // [MQTT-1.5.4-1] an encoded surrogate (U+D800 = ED A0 80) is malformed.
    let err = decode_err(&bytes![
        [0x30, 7]
        [0x00, 0x04]
        [0xED, 0xA0, 0x80] b"a"
        [0x00]
    ]);
    assert_eq!(err.kind(), ErrorKind::InvalidUtf8);
    assert_eq!(err.rule(), Some("MQTT-1.5.4-1"));
    // [MQTT-1.5.4-2] [MQTT-1.5.7-1] U+0000 in the value of a User Property.
    let err = decode_err(&bytes![
        [0x40, 12]
        [0x00, 0x01]
        [0x00]
        [8]
        [0x26, 0x00, 0x01] b"k" [0x00, 0x02]
        [b'v', 0x00]
    ]);
    assert_eq!(err.kind(), ErrorKind::NullCharacter);
    assert_eq!(err.rule(), Some("MQTT-1.5.4-2"));
}

#[test]
fn v5_variable_byte_integer_must_be_minimal() {
    // [MQTT-1.5.5-1] Remaining Length 0 written in two bytes.
    let err = try_decode(&[0xC0, 0x80, 0x00]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::VarIntNotMinimal);
    assert_eq!(err.rule(), Some("MQTT-1.5.5-1"));
    // A Subscription Identifier of 5 written as 0x85 0x00.
    let err = decode_err(&bytes![
        [0x30, 7]
        [0x00, 0x01] b"t"
        [0x03, 0x0B, 0x85, 0x00]
    ]);
    assert_eq!(err.kind(), ErrorKind::VarIntNotMinimal);
    // Property Length 0 written in two bytes.
    let err = decode_err(&[0x40, 0x05, 0x00, 0x01, 0x10, 0x80, 0x00]);
    assert_eq!(err.kind(), ErrorKind::VarIntNotMinimal);
    // More than four bytes (section 1.5.5: "The maximum number of bytes ... is four").
    let err = try_decode(&[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::VarIntTooLong);
    assert_eq!(err.reason_code(), ReasonCode::MalformedPacket);
}

#[test]
fn v5_reserved_packet_type_0_is_malformed() {
    // Section 2.1.2, Table 2-1: packet type 0 is Reserved.
    let err = try_decode(&[0x00, 0x00]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReservedPacketType(0));
    assert_eq!(err.reason_code(), ReasonCode::MalformedPacket);
}

// ------------------------------------------ the encoder's side of the rules ----

/// The encoder must refuse `packet` (the spec forbids sending it), leaving the
/// buffer untouched. On failure the message shows what was emitted and what a
/// receiver (our own decoder) says about those bytes.
fn assert_encode_refused(packet: &Packet, rule: &str) {
    let mut buf = BytesMut::from(&[0xAA][..]);
    let result = packet.encode(V5, &mut buf);
    let emitted = buf[1..].to_vec();
    let verdict = try_decode(&emitted).map(|_| ()).map_err(|e| e.kind());
    assert!(
        result.is_err(),
        "{rule}: encoder sent a packet a receiver must reject\n  bytes   {emitted:02X?}\n  decoder {verdict:?}"
    );
    assert_eq!(&buf[..], &[0xAA], "nothing appended on error");
}

#[test]
fn v5_encode_refuses_dup_on_qos0() {
    // [MQTT-3.3.1-2]
    let mut publish = Publish::new(topic("t"), "x");
    publish.dup = true;
    assert_encode_refused(&Packet::from(publish.clone()), "MQTT-3.3.1-2");
    let mut buf = BytesMut::new();
    assert_eq!(
        Packet::from(publish).encode(V5, &mut buf),
        Err(EncodeError::Violates(ErrorKind::DupWithQos0))
    );
}

#[test]
fn v5_encode_refuses_session_present_on_refusal() {
    // [MQTT-3.2.2-6]
    let connack = ConnAck::new(ReasonCode::NotAuthorized, true);
    assert_encode_refused(&Packet::from(connack), "MQTT-3.2.2-6");
}

/// [MQTT-1.5.4-2] U+0000 in any UTF-8 string property, and in both strings of a
/// User Property [MQTT-1.5.7-1].
#[test]
fn v5_encode_refuses_u0000_in_every_string_property() {
    let nul = || s("a\0b");
    let mut connect = Connect::new(V5, "c");
    connect.properties.authentication_method = Some(nul());
    assert_encode_refused(&Packet::from(connect), "Authentication Method in CONNECT");

    let mut connect = Connect::new(V5, "c");
    connect.will = Some(Will {
        topic: topic("w"),
        payload: Bytes::new(),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: WillProperties {
            content_type: Some(nul()),
            ..WillProperties::default()
        },
    });
    assert_encode_refused(&Packet::from(connect), "Content Type in Will Properties");

    let connack_with = |f: fn(&mut ConnAckProperties, ByteString)| {
        let mut connack = ConnAck::new(ReasonCode::Success, false);
        f(&mut connack.properties, nul());
        Packet::from(connack)
    };
    assert_encode_refused(
        &connack_with(|p, v| p.assigned_client_identifier = Some(v)),
        "Assigned Client Identifier in CONNACK",
    );
    assert_encode_refused(
        &connack_with(|p, v| p.authentication_method = Some(v)),
        "Authentication Method in CONNACK",
    );
    assert_encode_refused(
        &connack_with(|p, v| p.response_information = Some(v)),
        "Response Information in CONNACK",
    );
    assert_encode_refused(
        &connack_with(|p, v| p.server_reference = Some(v)),
        "Server Reference in CONNACK",
    );
    assert_encode_refused(
        &connack_with(|p, v| p.reason_string = Some(v)),
        "Reason String in CONNACK",
    );
    assert_encode_refused(
        &connack_with(|p, v| p.user_properties = vec![(v, s("x"))]),
        "User Property name in CONNACK",
    );
    assert_encode_refused(
        &connack_with(|p, v| p.user_properties = vec![(s("x"), v)]),
        "User Property value in CONNACK",
    );

    let mut publish = Publish::new(topic("t"), "x");
    publish.properties.content_type = Some(nul());
    assert_encode_refused(&Packet::from(publish), "Content Type in PUBLISH");

    let mut puback = PubResponse::new(pid(1));
    puback.properties.reason_string = Some(nul());
    assert_encode_refused(&Packet::PubAck(puback), "Reason String in PUBACK");

    let mut disconnect = Disconnect::default();
    disconnect.properties.server_reference = Some(nul());
    assert_encode_refused(&Packet::from(disconnect), "Server Reference in DISCONNECT");

    let mut auth = Auth::new(ReasonCode::ContinueAuthentication);
    auth.properties.authentication_method = Some(nul());
    assert_encode_refused(&Packet::from(auth), "Authentication Method in AUTH");
}

/// Section 3.1.2.11.10 (and 3.2.2.3.18, 3.15.2.2.3): "It is a Protocol Error to
/// include Authentication Data if there is no Authentication Method."
#[test]
fn v5_encode_refuses_authentication_data_without_method() {
    let mut auth = Auth::new(ReasonCode::ContinueAuthentication);
    auth.properties.authentication_data = Some(bin(b"x"));
    assert_encode_refused(&Packet::from(auth), "AUTH: data without method");

    let mut connect = Connect::new(V5, "c");
    connect.properties.authentication_data = Some(bin(b"x"));
    assert_encode_refused(&Packet::from(connect), "CONNECT: data without method");

    let mut connack = ConnAck::new(ReasonCode::Success, false);
    connack.properties.authentication_data = Some(bin(b"x"));
    assert_encode_refused(&Packet::from(connack), "CONNACK: data without method");
}

#[test]
fn v5_encode_refuses_no_local_on_shared_subscription() {
    // [MQTT-3.8.3-4]
    let opts = SubscriptionOptions {
        no_local: true,
        ..SubscriptionOptions::new(QoS::AtLeastOnce)
    };
    let subscribe = Subscribe::new(pid(1), vec![(filter("$share/g/a"), opts)]);
    assert_encode_refused(&Packet::from(subscribe), "MQTT-3.8.3-4");
}

/// `TopicName::empty()` is only valid as a PUBLISH topic next to a Topic Alias;
/// a zero-length Will Topic or Response Topic breaks [MQTT-4.7.3-1].
#[test]
fn v5_encode_refuses_empty_will_topic_and_response_topic() {
    let mut connect = Connect::new(V5, "c");
    connect.will = Some(Will {
        topic: TopicName::empty(),
        payload: Bytes::new(),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: WillProperties::default(),
    });
    assert_encode_refused(&Packet::from(connect), "MQTT-4.7.3-1 (Will Topic)");

    let mut publish = Publish::new(topic("t"), "x");
    publish.properties.response_topic = Some(TopicName::empty());
    assert_encode_refused(&Packet::from(publish), "MQTT-4.7.3-1 (Response Topic)");
}
