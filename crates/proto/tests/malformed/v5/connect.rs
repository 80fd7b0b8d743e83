//! 3.1 CONNECT and 3.2 CONNACK.

use midge_proto::{ErrorKind, Packet, PacketType, ProtocolVersion};

use crate::common::*;

// ---- 3.1 CONNECT ----

#[test]
fn mqtt_3_1_0_1_first_packet_not_connect() {
    for t in all_types()
        .into_iter()
        .filter(|t| *t != PacketType::Connect)
    {
        let flags = t.required_flags().unwrap_or(0);
        let body = valid_body(t, ProtocolVersion::V5);
        let bytes = frame(((t as u8) << 4) | flags, &body);
        expect(
            &bytes,
            NONE,
            ErrorKind::FirstPacketNotConnect(t),
            PROTOCOL_ERROR,
            Some("MQTT-3.1.0-1"),
        );
    }
}

#[test]
fn mqtt_3_1_2_1_wrong_protocol_name() {
    for name in [&b"MQTX"[..], b"mqtt", b"MQTT\0", b"", b"MQ", b"\xFF\xFE"] {
        expect(
            &frame(0x10, &connect_body(name, 5, 0x02, &cat(&[&[0], &s(b"c")]))),
            NONE,
            ErrorKind::InvalidProtocolName,
            UNSUPPORTED_PROTOCOL_VERSION,
            Some("MQTT-3.1.2-1"),
        );
    }
}

#[test]
fn mqtt_3_1_2_2_unsupported_protocol_level() {
    for level in [0, 1, 2, 6, 0x85, 0xFF] {
        expect(
            &frame(
                0x10,
                &connect_body(b"MQTT", level, 0x02, &cat(&[&[0], &s(b"c")])),
            ),
            NONE,
            ErrorKind::UnsupportedProtocolLevel(level),
            UNSUPPORTED_PROTOCOL_VERSION,
            Some("MQTT-3.1.2-2"),
        );
    }
}

#[test]
fn mqtt_3_1_2_3_connect_reserved_flag() {
    for flags in [0x01, 0x03, 0xC3] {
        expect(
            &connect_v5(flags, &[], &cat(&[&s(b"c"), &s(b"u"), &s(b"p")])),
            NONE,
            ErrorKind::ConnectReservedFlag,
            MALFORMED,
            Some("MQTT-3.1.2-3"),
        );
    }
}

#[test]
fn mqtt_3_1_2_11_will_qos_without_will_flag() {
    for flags in [0x0A, 0x12, 0x1A] {
        expect(
            &connect_v5(flags, &[], &s(b"c")),
            NONE,
            ErrorKind::WillQosWithoutWill,
            MALFORMED,
            Some("MQTT-3.1.2-11"),
        );
    }
}

#[test]
fn mqtt_3_1_2_12_will_qos_3() {
    expect(
        &connect_v5(0x1E, &[], &will_payload_v5(&[], b"t")),
        NONE,
        ErrorKind::InvalidWillQos,
        MALFORMED,
        Some("MQTT-3.1.2-12"),
    );
}

#[test]
fn mqtt_3_1_2_13_will_retain_without_will_flag() {
    expect(
        &connect_v5(0x22, &[], &s(b"c")),
        NONE,
        ErrorKind::WillRetainWithoutWill,
        MALFORMED,
        Some("MQTT-3.1.2-13"),
    );
}

/// [MQTT-3.1.2-9]: with the Will Flag set, Will Properties, Will Topic and
/// Will Payload MUST be present.
#[test]
fn mqtt_3_1_2_9_will_flag_without_will_fields() {
    expect(
        &connect_v5(0x06, &[], &s(b"c")),
        NONE,
        ErrorKind::MissingWill,
        MALFORMED,
        Some("MQTT-3.1.2-9"),
    );
}

/// [MQTT-3.1.2-17]: with the User Name Flag set, a User Name MUST be present.
#[test]
fn mqtt_3_1_2_17_user_name_flag_without_user_name() {
    expect(
        &connect_v5(0x82, &[], &s(b"c")),
        NONE,
        ErrorKind::MissingUsername,
        MALFORMED,
        Some("MQTT-3.1.2-17"),
    );
}

/// [MQTT-3.1.2-19]: with the Password Flag set, a Password MUST be present.
#[test]
fn mqtt_3_1_2_19_password_flag_without_password() {
    expect(
        &connect_v5(0xC2, &[], &cat(&[&s(b"c"), &s(b"u")])),
        NONE,
        ErrorKind::MissingPassword,
        MALFORMED,
        Some("MQTT-3.1.2-19"),
    );
}

#[test]
fn password_without_user_name_is_accepted_in_v5() {
    let Packet::Connect(c) = decode_ok(&connect_v5(0x42, &[], &cat(&[&s(b"c"), &s(b"pw")])), NONE)
    else {
        panic!("not a CONNECT");
    };
    assert_eq!(c.protocol, ProtocolVersion::V5);
    assert_eq!(c.username, None);
    assert_eq!(c.password.as_deref(), Some(&b"pw"[..]));
}

/// [MQTT-4.7.0-1]: wildcards MUST NOT be used within a Topic Name; the Will
/// Topic is a Topic Name but not a PUBLISH's ([MQTT-3.3.2-2] is PUBLISH-only).
#[test]
fn mqtt_4_7_0_1_will_topic_with_wildcard() {
    for topic in [&b"a/+"[..], b"#"] {
        expect(
            &connect_v5(0x06, &[], &will_payload_v5(&[], topic)),
            NONE,
            ErrorKind::WillTopicWildcard,
            TOPIC_NAME_INVALID,
            Some("MQTT-4.7.0-1"),
        );
    }
}

#[test]
fn mqtt_4_7_3_1_empty_will_topic() {
    expect(
        &connect_v5(0x06, &[], &will_payload_v5(&[], b"")),
        NONE,
        ErrorKind::EmptyTopic,
        PROTOCOL_ERROR,
        Some("MQTT-4.7.3-1"),
    );
}

#[test]
fn connect_with_trailing_bytes_is_malformed() {
    // User Name Flag clear but a user name follows the client id.
    expect(
        &connect_v5(0x02, &[], &cat(&[&s(b"c"), &s(b"u")])),
        NONE,
        ErrorKind::TrailingBytes,
        MALFORMED,
        None,
    );
}

// ---- 3.2 CONNACK ----

/// [MQTT-3.2.2-1]: "Byte 1 is the Connect Acknowledge Flags. Bits 7-1 are
/// reserved and MUST be set to 0."
#[test]
fn mqtt_3_2_2_1_connack_reserved_flags() {
    for flags in (2..=0xFFu8).filter(|f| f & 0xFE != 0) {
        expect(
            &frame(0x20, &[flags, 0, 0]),
            V5,
            ErrorKind::ConnAckReservedFlags,
            MALFORMED,
            Some("MQTT-3.2.2-1"),
        );
    }
}

#[test]
fn mqtt_3_2_2_6_session_present_with_refusal() {
    for code in [0x80, 0x85, 0x87, 0x9F] {
        expect(
            &frame(0x20, &[0x01, code, 0]),
            V5,
            ErrorKind::SessionPresentOnRefusal,
            PROTOCOL_ERROR,
            Some("MQTT-3.2.2-6"),
        );
    }
    decode_ok(&frame(0x20, &[0x01, 0x00, 0]), V5);
}

/// [MQTT-3.2.2-8]: "The Server sending the CONNACK packet MUST use one of the
/// Connect Reason Code values."
#[test]
fn mqtt_3_2_2_8_connack_reason_code_not_allowed() {
    for code in [
        0x01, 0x02, 0x03, 0x04, 0x10, 0x18, 0x8B, 0x8E, 0x93, 0x7F, 0xA3, 0xFF,
    ] {
        expect(
            &frame(0x20, &[0, code, 0]),
            V5,
            ErrorKind::InvalidReasonCode(PacketType::ConnAck, code),
            MALFORMED,
            Some("MQTT-3.2.2-8"),
        );
    }
}

#[test]
fn connack_without_property_length_is_malformed() {
    expect(
        &frame(0x20, &[0, 0]),
        V5,
        ErrorKind::Truncated,
        MALFORMED,
        None,
    );
    expect(
        &frame(0x20, &[0]),
        V5,
        ErrorKind::Truncated,
        MALFORMED,
        None,
    );
}
