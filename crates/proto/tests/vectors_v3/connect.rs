//! CONNECT and CONNACK in MQTT 3.1.1 (sections 3.1 and 3.2).

use std::num::NonZeroU16;

use bytes::Bytes;
use midge_proto::property::{ConnAckProperties, ConnectProperties, WillProperties};
use midge_proto::{ConnAck, ErrorKind, Packet, PacketType, QoS, ReasonCode, Will};

use crate::common::{
    V31, V311, assert_connect_vector, assert_encodes, assert_kind, assert_vector, connect_v311,
    decode_err, decode_one, topic,
};

// ---------------------------------------------------------------------------
// CONNECT (3.1.1 section 3.1)
// ---------------------------------------------------------------------------

#[test]
fn v311_connect_minimal_clean_session() {
    // [MQTT-3.1.3-3] the Client Identifier is the first payload field.
    let bytes = [
        0x10, 0x0F, // CONNECT, Remaining Length 15 = 10 + 5
        0x00, 0x04, b'M', b'Q', b'T', b'T', // Protocol Name
        0x04, // Protocol Level 4
        0x02, // Connect Flags: Clean Session
        0x00, 0x3C, // Keep Alive 60
        0x00, 0x03, b'a', b'b', b'c', // Client Identifier
    ];
    let mut c = connect_v311("abc");
    c.keep_alive = 60;
    assert_connect_vector(&bytes, c);
}

#[test]
fn v311_connect_with_will_and_credentials() {
    // Connect Flags and Keep Alive from Figure 3.6 (non normative example):
    // User Name 1, Password 1, Will Retain 0, Will QoS 01, Will Flag 1,
    // Clean Session 1 = 0xCE; Keep Alive 10.
    // [MQTT-3.1.3-1] payload order: Client Id, Will Topic, Will Message, User Name,
    // Password. [MQTT-3.1.2-9] [MQTT-3.1.2-19] [MQTT-3.1.2-21]
    let bytes = [
        0x10, 0x25, // Remaining Length 37 = 10 + 27
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xCE, 0x00, 0x0A, // variable header
        0x00, 0x03, b'c', b'i', b'd', // Client Identifier
        0x00, 0x03, b'w', b'/', b't', // Will Topic
        0x00, 0x03, b'b', b'y', b'e', // Will Message
        0x00, 0x04, b'u', b's', b'e', b'r', // User Name
        0x00, 0x04, b'p', b'a', b's', b's', // Password
    ];
    let mut c = connect_v311("cid");
    c.keep_alive = 10;
    c.will = Some(Will {
        topic: topic("w/t"),
        payload: Bytes::from_static(b"bye"),
        qos: QoS::AtLeastOnce,
        retain: false,
        properties: WillProperties::default(),
    });
    c.username = Some("user".into());
    c.password = Some(Bytes::from_static(b"pass"));
    assert_connect_vector(&bytes, c);
}

#[test]
fn v311_connect_persistent_session_with_retained_qos2_will() {
    // Flags: Will Retain 0x20 | Will QoS 2 (0x10) | Will Flag 0x04, Clean Session 0.
    // [MQTT-3.1.2-4] CleanSession 0; [MQTT-3.1.2-17] Will Retain 1.
    let bytes = [
        0x10, 0x12, // Remaining Length 18 = 10 + 8
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x34, 0x00, 0x00, // keep alive 0
        0x00, 0x01, b'p', // Client Identifier
        0x00, 0x01, b't', // Will Topic
        0x00, 0x00, // Will Message: zero length
    ];
    let mut c = connect_v311("p");
    c.clean_start = false;
    c.will = Some(Will {
        topic: topic("t"),
        payload: Bytes::new(),
        qos: QoS::ExactlyOnce,
        retain: true,
        properties: WillProperties::default(),
    });
    assert_connect_vector(&bytes, c);
}

#[test]
fn v311_connect_username_only() {
    // [MQTT-3.1.2-19] user name present; [MQTT-3.1.2-20] no password.
    let bytes = [
        0x10, 0x15, // Remaining Length 21 = 10 + 4 + 7
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x82, // User Name | Clean Session
        0x01, 0x2C, // Keep Alive 300
        0x00, 0x02, b'u', b'1', // Client Identifier
        0x00, 0x05, b'a', b'l', b'i', b'c', b'e', // User Name
    ];
    let mut c = connect_v311("u1");
    c.keep_alive = 300;
    c.username = Some("alice".into());
    assert_connect_vector(&bytes, c);
}

#[test]
fn v311_connect_binary_password_and_max_keep_alive() {
    // 3.1.3.5: the Password is binary data (0x00 and 0xFF are fine).
    // 3.1.2.10: the maximum Keep Alive is 65535 s (18 h 12 min 15 s).
    let bytes = [
        0x10, 0x16, // Remaining Length 22 = 10 + 4 + 3 + 5
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xC2, // User | Password | Clean
        0xFF, 0xFF, // Keep Alive 65535
        0x00, 0x02, b'i', b'd', // Client Identifier
        0x00, 0x01, b'u', // User Name
        0x00, 0x03, 0x00, 0xFF, 0x10, // Password
    ];
    let mut c = connect_v311("id");
    c.keep_alive = u16::MAX;
    c.username = Some("u".into());
    c.password = Some(Bytes::from_static(&[0x00, 0xFF, 0x10]));
    assert_connect_vector(&bytes, c);
}

#[test]
fn v311_connect_empty_client_id() {
    // [MQTT-3.1.3-6] a zero-byte ClientId is a valid encoding; [MQTT-3.1.3-7] the
    // Client sets CleanSession 1 with it.
    let bytes = [
        0x10, 0x0C, // Remaining Length 12
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x1E, // Keep Alive 30
        0x00, 0x00, // Client Identifier: empty
    ];
    let mut c = connect_v311("");
    c.keep_alive = 30;
    assert_connect_vector(&bytes, c);

    // [MQTT-3.1.3-8] with CleanSession 0 the packet still decodes; refusing it with
    // return code 0x02 is the Server's job, not the codec's.
    let persistent = [
        0x10, 0x0C, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x00, 0x00, 0x1E, 0x00, 0x00,
    ];
    let Packet::Connect(c) = decode_one(&persistent, None) else {
        panic!("not a CONNECT");
    };
    assert!(!c.clean_start);
    assert!(c.client_id.is_empty());
}

#[test]
fn v311_connect_drops_v5_properties_when_encoding() {
    // 3.1.1 has no CONNECT or Will properties: the variable header is exactly
    // 10 bytes ("3.1.1 Remaining Length field").
    let bytes = [
        0x10, 0x17, // Remaining Length 23 = 10 + 4 + 4 + 5
        0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x06, // Will Flag | Clean, Will QoS 0
        0x00, 0x05, // Keep Alive 5
        0x00, 0x02, b'c', b'5', // Client Identifier
        0x00, 0x02, b'l', b'/', // Will Topic "l/"
        0x00, 0x03, b'o', b'f', b'f', // Will Message
    ];
    let mut c = connect_v311("c5");
    c.keep_alive = 5;
    c.properties = ConnectProperties {
        session_expiry_interval: Some(3600),
        receive_maximum: NonZeroU16::new(10),
        user_properties: vec![("k".into(), "v".into())],
        ..ConnectProperties::default()
    };
    c.will = Some(Will {
        topic: topic("l/"),
        payload: Bytes::from_static(b"off"),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: WillProperties {
            will_delay_interval: Some(9),
            content_type: Some("text/plain".into()),
            ..WillProperties::default()
        },
    });
    let packet = Packet::from(c.clone());
    assert_encodes(&packet, V311, &bytes);

    // The bytes decode to the same CONNECT without the properties.
    c.properties = ConnectProperties::default();
    if let Some(w) = c.will.as_mut() {
        w.properties = WillProperties::default();
    }
    assert_eq!(decode_one(&bytes, None), Packet::from(c));
}

#[test]
fn v311_connect_reserved_flag_is_rejected() {
    // [MQTT-3.1.2-3] the reserved bit 0 of the Connect Flags must be zero.
    let bytes = [
        0x10, 0x0D, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x03, 0x00, 0x00, 0x00, 0x01, b'a',
    ];
    let e = decode_err(&bytes, None);
    assert_kind(e, ErrorKind::ConnectReservedFlag, Some("MQTT-3.1.2-3"));
    assert_eq!(e.version(), V311);
    assert_eq!(e.reason_code(), ReasonCode::MalformedPacket);
}

#[test]
fn v311_connect_will_flag_consistency_is_enforced() {
    let with_flags = |flags: u8| {
        [
            0x10, 0x0D, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, flags, 0x00, 0x00, 0x00, 0x01,
            b'a',
        ]
    };
    // [MQTT-3.1.2-13] Will Flag 0 requires Will QoS 0 (here Will QoS 1).
    assert_kind(
        decode_err(&with_flags(0x0A), None),
        ErrorKind::WillQosWithoutWill,
        Some("MQTT-3.1.2-13"),
    );
    // [MQTT-3.1.2-15] Will Flag 0 requires Will Retain 0.
    assert_kind(
        decode_err(&with_flags(0x22), None),
        ErrorKind::WillRetainWithoutWill,
        Some("MQTT-3.1.2-15"),
    );
    // [MQTT-3.1.2-14] Will QoS must not be 3 (flags: QoS 3 | Will Flag | Clean).
    let qos3 = [
        0x10, 0x12, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x1E, 0x00, 0x00, 0x00, 0x01, b'a',
        0x00, 0x01, b't', 0x00, 0x00,
    ];
    assert_kind(
        decode_err(&qos3, None),
        ErrorKind::InvalidWillQos,
        Some("MQTT-3.1.2-14"),
    );
}

#[test]
fn v311_connect_password_requires_username_and_bytes() {
    // [MQTT-3.1.2-22] User Name Flag 0 requires Password Flag 0.
    let pw_only = [
        0x10, 0x10, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x42, 0x00, 0x00, 0x00, 0x01, b'a',
        0x00, 0x01, b'p',
    ];
    assert_kind(
        decode_err(&pw_only, None),
        ErrorKind::PasswordWithoutUsername,
        Some("MQTT-3.1.2-22"),
    );
    // [MQTT-3.1.2-21] Password Flag 1 requires a password in the payload: unlike
    // MQTT 3.1, a missing password is a malformed packet in 3.1.1.
    let missing = [
        0x10, 0x10, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xC2, 0x00, 0x00, 0x00, 0x01, b'a',
        0x00, 0x01, b'u',
    ];
    assert_kind(
        decode_err(&missing, None),
        ErrorKind::MissingPassword,
        Some("MQTT-3.1.2-21"),
    );
}

#[test]
fn v311_connect_protocol_name_and_level_are_checked() {
    // [MQTT-3.1.2-1] wrong protocol name.
    let bad_name = [
        0x10, 0x0D, 0x00, 0x04, b'M', b'Q', b'T', b'X', 0x04, 0x02, 0x00, 0x00, 0x00, 0x01, b'a',
    ];
    let e = decode_err(&bad_name, None);
    assert_kind(e, ErrorKind::InvalidProtocolName, Some("MQTT-3.1.2-1"));
    // [MQTT-3.1.2-2] unsupported level: "MQTT" with level 3 and "MQIsdp" with
    // level 4 are both refused with return code 0x01.
    let mqtt_level3 = [
        0x10, 0x0D, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x03, 0x02, 0x00, 0x00, 0x00, 0x01, b'a',
    ];
    let e = decode_err(&mqtt_level3, None);
    assert_kind(
        e,
        ErrorKind::UnsupportedProtocolLevel(3),
        Some("MQTT-3.1.2-2"),
    );
    assert_eq!(e.reason_code(), ReasonCode::UnsupportedProtocolVersion);
    assert_eq!(e.reason_code().to_v3_connack(), 0x01);
    let mqisdp_level4 = [
        0x10, 0x0F, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x04, 0x02, 0x00, 0x00, 0x00,
        0x01, b'a',
    ];
    assert_eq!(
        decode_err(&mqisdp_level4, None).kind(),
        ErrorKind::UnsupportedProtocolLevel(4)
    );
}

#[test]
fn v311_connect_strings_must_be_well_formed_utf8_without_null() {
    // [MQTT-1.5.3-2] U+0000 in the Client Identifier.
    let nul = [
        0x10, 0x0E, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x00, 0x00, 0x02, b'a',
        0x00,
    ];
    assert_kind(
        decode_err(&nul, None),
        ErrorKind::NullCharacter,
        Some("MQTT-1.5.3-2"),
    );
    // [MQTT-1.5.3-1] an encoded surrogate (U+D800 = ED A0 80) is ill-formed.
    let surrogate = [
        0x10, 0x0F, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x00, 0x00, 0x03, 0xED,
        0xA0, 0x80,
    ];
    assert_kind(
        decode_err(&surrogate, None),
        ErrorKind::InvalidUtf8,
        Some("MQTT-1.5.3-1"),
    );
}

#[test]
fn v311_connect_fixed_header_flags_must_be_zero() {
    // Table 2.2: CONNECT flags are reserved 0000. [MQTT-2.2.2-1] [MQTT-2.2.2-2]
    let bytes = [
        0x11, 0x0D, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x00, 0x00, 0x01, b'a',
    ];
    let e = decode_err(&bytes, None);
    assert_eq!(
        e.kind(),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::Connect, 0x01)
    );
}

// ---------------------------------------------------------------------------
// CONNACK (3.1.1 section 3.2)
// ---------------------------------------------------------------------------

#[test]
fn v311_connack_return_codes_0_to_5() {
    // Table 3.1 - Connect Return code values.
    let table = [
        (0x00, ReasonCode::Success),
        (0x01, ReasonCode::UnsupportedProtocolVersion),
        (0x02, ReasonCode::ClientIdentifierNotValid),
        (0x03, ReasonCode::ServerUnavailable),
        (0x04, ReasonCode::BadUserNameOrPassword),
        (0x05, ReasonCode::NotAuthorized),
    ];
    for (code, reason) in table {
        assert_eq!(ReasonCode::from_v3_connack(code), Some(reason));
        assert_eq!(reason.to_v3_connack(), code);
        let bytes = [0x20, 0x02, 0x00, code];
        let packet = Packet::from(ConnAck::new(reason, false));
        for v in [V311, V31] {
            assert_vector(v, &bytes, &packet);
        }
    }
}

#[test]
fn v311_connack_session_present() {
    // [MQTT-3.2.2-2] Session Present 1 with return code 0.
    assert_vector(
        V311,
        &[0x20, 0x02, 0x01, 0x00],
        &Packet::from(ConnAck::new(ReasonCode::Success, true)),
    );
    // [MQTT-3.2.2-4] Session Present must be 0 with a non-zero return code.
    assert_kind(
        decode_err(&[0x20, 0x02, 0x01, 0x05], Some(V311)),
        ErrorKind::SessionPresentOnRefusal,
        Some("MQTT-3.2.2-4"),
    );
}

#[test]
fn v311_connack_reserved_values_are_rejected() {
    // Table 3.1: 6-255 are reserved.
    for code in [0x06, 0x80, 0xFF] {
        assert_eq!(
            decode_err(&[0x20, 0x02, 0x00, code], Some(V311)).kind(),
            ErrorKind::InvalidConnectReturnCode(code)
        );
    }
    // 3.2.2.1: bits 7-1 of the Connect Acknowledge Flags are reserved, must be 0.
    assert_eq!(
        decode_err(&[0x20, 0x02, 0x02, 0x00], Some(V311)).kind(),
        ErrorKind::ConnAckReservedFlags
    );
    // The Remaining Length is exactly 2: no properties in 3.1.1.
    assert_eq!(
        decode_err(&[0x20, 0x03, 0x00, 0x00, 0x00], Some(V311)).kind(),
        ErrorKind::TrailingBytes
    );
}

#[test]
fn v311_connack_encodes_v5_refusals_as_closest_return_code() {
    let cases = [
        (ReasonCode::Banned, 0x05),
        (ReasonCode::BadAuthenticationMethod, 0x04),
        (ReasonCode::ServerBusy, 0x03),
        (ReasonCode::QuotaExceeded, 0x03),
        (ReasonCode::UnspecifiedError, 0x03),
    ];
    for (reason, code) in cases {
        let ack = ConnAck::new(reason, false);
        assert_encodes(&Packet::from(ack), V311, &[0x20, 0x02, 0x00, code]);
    }
    // CONNACK properties do not exist in 3.1.1 and are dropped.
    let ack = ConnAck {
        session_present: true,
        reason_code: ReasonCode::Success,
        properties: ConnAckProperties {
            assigned_client_identifier: Some("auto-1".into()),
            server_keep_alive: Some(30),
            maximum_qos: Some(QoS::AtLeastOnce),
            ..ConnAckProperties::default()
        },
    };
    assert_encodes(&Packet::from(ack), V311, &[0x20, 0x02, 0x01, 0x00]);
}
