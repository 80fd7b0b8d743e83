//! CONNECT and CONNACK (sections 3.1 and 3.2).

use midge_proto::property::{ConnAckProperties, ConnectProperties, WillProperties};
use midge_proto::{
    ConnAck, Connect, ErrorKind, Packet, PacketType, PropertyId, QoS, ReasonCode, Will,
};

use crate::common::{V5, assert_vector, bin, decode_err, nz16, nz32, pair, s, topic};

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
