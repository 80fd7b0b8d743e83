//! MQTT 3.1.1.

use midge_proto::{ErrorKind, Packet, PacketType, ProtocolVersion};

use crate::common::*;

// ---- 2.2.3 Remaining Length ----

#[test]
fn remaining_length_longer_than_four_bytes() {
    // 3.1.1 numbers no statement for this; it is still malformed.
    expect(
        &[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
        V311,
        ErrorKind::VarIntTooLong,
        MALFORMED,
        None,
    );
}

// ---- 1.5.3 UTF-8 encoded strings ----

#[test]
fn mqtt_1_5_3_1_ill_formed_utf8_in_every_string() {
    for bad in ILL_FORMED {
        expect_everywhere(
            v311_string_positions(bad),
            ErrorKind::InvalidUtf8,
            "MQTT-1.5.3-1",
        );
    }
}

#[test]
fn mqtt_1_5_3_1_encoded_surrogates_in_every_string() {
    for bad in SURROGATES {
        expect_everywhere(
            v311_string_positions(bad),
            ErrorKind::InvalidUtf8,
            "MQTT-1.5.3-1",
        );
    }
}

#[test]
fn mqtt_1_5_3_1_overlong_encodings_in_every_string() {
    for bad in OVERLONG {
        expect_everywhere(
            v311_string_positions(bad),
            ErrorKind::InvalidUtf8,
            "MQTT-1.5.3-1",
        );
    }
}

#[test]
fn mqtt_1_5_3_2_null_character_in_every_string() {
    for bad in NULLS {
        expect_everywhere(
            v311_string_positions(bad),
            ErrorKind::NullCharacter,
            "MQTT-1.5.3-2",
        );
    }
}

#[test]
fn mqtt_1_5_3_3_bom_is_preserved_not_stripped() {
    let Packet::Publish(p) = decode_ok(&frame(0x30, &s(b"\xEF\xBB\xBFt")), V311) else {
        panic!("not a PUBLISH");
    };
    assert_eq!(p.topic.as_str(), "\u{FEFF}t");
    let Packet::Connect(c) = decode_ok(&connect_v311(0x02, &s(b"\xEF\xBB\xBF")), NONE) else {
        panic!("not a CONNECT");
    };
    assert_eq!(c.protocol, ProtocolVersion::V3_1_1);
    assert_eq!(&*c.client_id, "\u{FEFF}");
}

// ---- 2.2 Fixed header ----

#[test]
fn reserved_packet_type_0_is_malformed() {
    expect(
        &[0x00, 0x00],
        V311,
        ErrorKind::ReservedPacketType(0),
        MALFORMED,
        None,
    );
}

#[test]
fn auth_packet_type_15_is_reserved_in_v311() {
    for bytes in [vec![0xF0, 0x00], vec![0xF0, 0x02, 0x18, 0x00]] {
        expect(
            &bytes,
            V311,
            ErrorKind::ReservedPacketType(15),
            MALFORMED,
            None,
        );
    }
    // Reported from the first byte, before the body arrives.
    check(
        decode(&[0xF0], V311).unwrap_err(),
        ErrorKind::ReservedPacketType(15),
        MALFORMED,
        None,
    );
}

#[track_caller]
fn all_wrong_flags(t: PacketType, rule: &str) {
    let body = valid_body(t, ProtocolVersion::V3_1_1);
    let required = t.required_flags().unwrap();
    let decode_as = if t == PacketType::Connect { NONE } else { V311 };
    decode_ok(&frame(((t as u8) << 4) | required, &body), decode_as);
    for flags in (0..16u8).filter(|f| *f != required) {
        let err = decode_err(&frame(((t as u8) << 4) | flags, &body), decode_as);
        assert_eq!(err.version(), ProtocolVersion::V3_1_1, "`{err}`");
        check(
            err,
            ErrorKind::InvalidFixedHeaderFlags(t, flags),
            MALFORMED,
            Some(rule),
        );
    }
}

#[test]
fn mqtt_2_2_2_2_invalid_flags_for_every_non_publish_type() {
    for t in [
        PacketType::ConnAck,
        PacketType::PubAck,
        PacketType::PubRec,
        PacketType::PubComp,
        PacketType::SubAck,
        PacketType::UnsubAck,
        PacketType::PingReq,
        PacketType::PingResp,
    ] {
        all_wrong_flags(t, "MQTT-2.2.2-2");
    }
}

/// A 3.1.1 CONNECT is decoded as 3.1.1, so its fixed-header error is the
/// 3.1.1 statement [MQTT-2.2.2-2], not 5.0's [MQTT-2.1.3-1].
#[test]
fn mqtt_2_2_2_2_connect_flags() {
    all_wrong_flags(PacketType::Connect, "MQTT-2.2.2-2");
}

#[test]
fn mqtt_3_6_1_1_pubrel_flags() {
    all_wrong_flags(PacketType::PubRel, "MQTT-3.6.1-1");
}

#[test]
fn mqtt_3_8_1_1_subscribe_flags() {
    all_wrong_flags(PacketType::Subscribe, "MQTT-3.8.1-1");
}

#[test]
fn mqtt_3_10_1_1_unsubscribe_flags() {
    all_wrong_flags(PacketType::Unsubscribe, "MQTT-3.10.1-1");
}

/// [MQTT-3.14.1-1]: "The Server MUST validate that reserved bits are set to
/// zero and disconnect the Client if they are not zero."
#[test]
fn mqtt_3_14_1_1_disconnect_flags() {
    all_wrong_flags(PacketType::Disconnect, "MQTT-3.14.1-1");
}

// ---- 2.3.1 Packet Identifier ----

#[test]
fn mqtt_2_3_1_1_packet_id_zero() {
    for bytes in [
        frame(0x32, &cat(&[&s(b"t"), &[0, 0]])),
        frame(0x34, &cat(&[&s(b"t"), &[0, 0], b"x"])),
        frame(0x82, &cat(&[&[0, 0], &s(b"a"), &[0]])),
        frame(0xA2, &cat(&[&[0, 0], &s(b"a")])),
    ] {
        expect(
            &bytes,
            V311,
            ErrorKind::ZeroPacketId,
            PROTOCOL_ERROR,
            Some("MQTT-2.3.1-1"),
        );
    }
    for first in [0x40, 0x50, 0x62, 0x70, 0xB0] {
        expect_kind(
            &frame(first, &[0, 0]),
            V311,
            ErrorKind::ZeroPacketId,
            PROTOCOL_ERROR,
        );
    }
}

// ---- 3.1 CONNECT ----

#[test]
fn mqtt_3_1_2_1_wrong_protocol_name() {
    expect(
        &frame(0x10, &connect_body(b"MQTX", 4, 0x02, &s(b"c"))),
        NONE,
        ErrorKind::InvalidProtocolName,
        UNSUPPORTED_PROTOCOL_VERSION,
        Some("MQTT-3.1.2-1"),
    );
}

#[test]
fn mqtt_3_1_2_2_unsupported_protocol_level() {
    expect(
        &frame(0x10, &connect_body(b"MQTT", 2, 0x02, &s(b"c"))),
        NONE,
        ErrorKind::UnsupportedProtocolLevel(2),
        UNSUPPORTED_PROTOCOL_VERSION,
        Some("MQTT-3.1.2-2"),
    );
}

#[test]
fn mqtt_3_1_2_3_connect_reserved_flag() {
    let err = decode_err(&connect_v311(0x03, &s(b"c")), NONE);
    assert_eq!(err.version(), ProtocolVersion::V3_1_1);
    check(
        err,
        ErrorKind::ConnectReservedFlag,
        MALFORMED,
        Some("MQTT-3.1.2-3"),
    );
}

#[test]
fn mqtt_3_1_2_13_will_qos_without_will_flag() {
    for flags in [0x0A, 0x12] {
        expect(
            &connect_v311(flags, &s(b"c")),
            NONE,
            ErrorKind::WillQosWithoutWill,
            MALFORMED,
            Some("MQTT-3.1.2-13"),
        );
    }
}

#[test]
fn mqtt_3_1_2_14_will_qos_3() {
    expect(
        &connect_v311(0x1E, &cat(&[&s(b"c"), &s(b"t"), &s(b"bye")])),
        NONE,
        ErrorKind::InvalidWillQos,
        MALFORMED,
        Some("MQTT-3.1.2-14"),
    );
}

#[test]
fn mqtt_3_1_2_15_will_retain_without_will_flag() {
    expect(
        &connect_v311(0x22, &s(b"c")),
        NONE,
        ErrorKind::WillRetainWithoutWill,
        MALFORMED,
        Some("MQTT-3.1.2-15"),
    );
}

#[test]
fn mqtt_3_1_2_22_password_without_user_name() {
    expect(
        &connect_v311(0x42, &cat(&[&s(b"c"), &s(b"pw")])),
        NONE,
        ErrorKind::PasswordWithoutUsername,
        MALFORMED,
        Some("MQTT-3.1.2-22"),
    );
}

/// [MQTT-3.1.2-9]: "If the Will Flag is set to 1, ... the Will Topic and Will
/// Message fields MUST be present in the payload."
#[test]
fn mqtt_3_1_2_9_will_flag_without_will_fields() {
    expect(
        &connect_v311(0x06, &s(b"c")),
        NONE,
        ErrorKind::MissingWill,
        MALFORMED,
        Some("MQTT-3.1.2-9"),
    );
}

/// [MQTT-3.1.2-19]: "If the User Name Flag is set to 1, a user name MUST be
/// present in the payload."
#[test]
fn mqtt_3_1_2_19_user_name_flag_without_user_name() {
    expect(
        &connect_v311(0x82, &s(b"c")),
        NONE,
        ErrorKind::MissingUsername,
        MALFORMED,
        Some("MQTT-3.1.2-19"),
    );
}

/// [MQTT-3.1.2-21]: "If the Password Flag is set to 1, a password MUST be
/// present in the payload."
#[test]
fn mqtt_3_1_2_21_password_flag_without_password() {
    expect(
        &connect_v311(0xC2, &cat(&[&s(b"c"), &s(b"u")])),
        NONE,
        ErrorKind::MissingPassword,
        MALFORMED,
        Some("MQTT-3.1.2-21"),
    );
}

/// [MQTT-4.7.1-1]: "The wildcard characters can be used in Topic Filters, but
/// MUST NOT be used within a Topic Name" -- the Will Topic is not a PUBLISH
/// Topic Name, so [MQTT-3.3.2-2] is not the statement.
#[test]
fn mqtt_4_7_1_1_will_topic_with_wildcard() {
    expect(
        &connect_v311(0x06, &cat(&[&s(b"c"), &s(b"a/#"), &s(b"bye")])),
        NONE,
        ErrorKind::WillTopicWildcard,
        TOPIC_NAME_INVALID,
        Some("MQTT-4.7.1-1"),
    );
}

// ---- 3.2 CONNACK ----

#[test]
fn connack_reserved_flags() {
    // "Bits 7-1 are reserved and MUST be set to 0" is unnumbered in 3.1.1.
    for flags in [0x02, 0x80, 0xFF] {
        expect(
            &frame(0x20, &[flags, 0]),
            V311,
            ErrorKind::ConnAckReservedFlags,
            MALFORMED,
            None,
        );
    }
}

#[test]
fn mqtt_3_2_2_4_session_present_with_refusal() {
    for code in 1..=5 {
        expect(
            &frame(0x20, &[0x01, code]),
            V311,
            ErrorKind::SessionPresentOnRefusal,
            PROTOCOL_ERROR,
            Some("MQTT-3.2.2-4"),
        );
    }
}

#[test]
fn connack_return_code_6_is_reserved() {
    for code in [6, 0x80, 0xFF] {
        expect(
            &frame(0x20, &[0, code]),
            V311,
            ErrorKind::InvalidConnectReturnCode(code),
            MALFORMED,
            None,
        );
    }
}

// ---- 3.3 PUBLISH ----

#[test]
fn mqtt_3_3_1_4_publish_qos_3_is_malformed() {
    let err = decode_err(&frame(0x36, &cat(&[&s(b"t"), &[0, 1]])), V311);
    assert!(err.to_string().contains("[MQTT-3.3.1-4]"), "{err}");
    check(
        err,
        ErrorKind::InvalidPublishQos,
        MALFORMED,
        Some("MQTT-3.3.1-4"),
    );
}

#[test]
fn mqtt_3_3_1_2_dup_with_qos_0() {
    expect(
        &frame(0x38, &s(b"t")),
        V311,
        ErrorKind::DupWithQos0,
        PROTOCOL_ERROR,
        Some("MQTT-3.3.1-2"),
    );
}

#[test]
fn mqtt_3_3_2_2_wildcard_in_topic_name() {
    for topic in [&b"a/+"[..], b"#", b"a#"] {
        expect(
            &frame(0x30, &s(topic)),
            V311,
            ErrorKind::TopicNameWildcard,
            TOPIC_NAME_INVALID,
            Some("MQTT-3.3.2-2"),
        );
    }
}

#[test]
fn mqtt_4_7_3_1_empty_topic_name() {
    expect(
        &frame(0x30, &cat(&[&s(b""), b"payload"])),
        V311,
        ErrorKind::EmptyTopic,
        PROTOCOL_ERROR,
        Some("MQTT-4.7.3-1"),
    );
}

// ---- 3.8 SUBSCRIBE ----

#[test]
fn mqtt_3_8_3_3_subscribe_without_payload() {
    expect(
        &frame(0x82, &[0, 1]),
        V311,
        ErrorKind::EmptySubscribe,
        PROTOCOL_ERROR,
        Some("MQTT-3.8.3-3"),
    );
}

#[test]
fn mqtt_3_8_3_4_requested_qos_reserved_bits() {
    // Including the 5.0 option bits, which are reserved in 3.1.1.
    for options in [0x04, 0x08, 0x10, 0x20, 0x80, 0xFC] {
        expect(
            &subscribe_one_v311(b"a/b", options),
            V311,
            ErrorKind::SubscriptionOptionsReserved,
            MALFORMED,
            Some("MQTT-3.8.3-4"),
        );
    }
}

/// [MQTT-3.8.3-4]: "The Server MUST treat a SUBSCRIBE packet as malformed
/// ... if ... QoS is not 0,1 or 2" -- malformed (0x81), not a protocol error.
#[test]
fn mqtt_3_8_3_4_requested_qos_3() {
    expect(
        &subscribe_one_v311(b"a/b", 0x03),
        V311,
        ErrorKind::InvalidSubscriptionQos,
        MALFORMED,
        Some("MQTT-3.8.3-4"),
    );
}

#[test]
fn mqtt_4_7_1_2_multi_level_wildcard_position() {
    for filter in [&b"a/#/b"[..], b"a#", b"#/"] {
        expect(
            &subscribe_one_v311(filter, 0),
            V311,
            ErrorKind::MultiLevelWildcardPosition,
            TOPIC_FILTER_INVALID,
            Some("MQTT-4.7.1-2"),
        );
    }
}

#[test]
fn mqtt_4_7_1_3_single_level_wildcard_position() {
    for filter in [&b"a/b+"[..], b"+a", b"a/+b/c"] {
        expect(
            &subscribe_one_v311(filter, 0),
            V311,
            ErrorKind::SingleLevelWildcardPosition,
            TOPIC_FILTER_INVALID,
            Some("MQTT-4.7.1-3"),
        );
    }
}

#[test]
fn shared_subscription_syntax_is_not_checked_in_v311() {
    // `$share/...` is an ordinary filter before 5.0.
    for filter in [&b"$share//x"[..], b"$share/g", b"$share/+/x"] {
        decode_ok(&subscribe_one_v311(filter, 1), V311);
    }
}

// ---- 3.9 SUBACK ----

#[test]
fn mqtt_3_9_3_2_suback_return_code_3() {
    for code in [0x03, 0x10, 0x81, 0xFF] {
        expect(
            &frame(0x90, &[0, 1, 0, code]),
            V311,
            ErrorKind::InvalidReasonCode(PacketType::SubAck, code),
            MALFORMED,
            Some("MQTT-3.9.3-2"),
        );
    }
}

// ---- 3.10 UNSUBSCRIBE ----

#[test]
fn mqtt_3_10_3_2_unsubscribe_without_payload() {
    expect(
        &frame(0xA2, &[0, 1]),
        V311,
        ErrorKind::EmptyUnsubscribe,
        PROTOCOL_ERROR,
        Some("MQTT-3.10.3-2"),
    );
}

// ---- Trailing bytes ----

#[test]
fn trailing_bytes_after_a_complete_packet_are_malformed() {
    for bytes in [
        frame(0xC0, &[0]),
        frame(0xD0, &[0]),
        frame(0x20, &[0, 0, 0]),
        frame(0x40, &[0, 1, 0]),
        frame(0x50, &[0, 1, 0, 0]),
        frame(0x62, &[0, 1, 0x92]),
        frame(0x70, &[0, 1, 0]),
        frame(0xB0, &[0, 1, 0]),
        frame(0xE0, &[0]),
        connect_v311(0x02, &cat(&[&s(b"c"), &s(b"u")])),
    ] {
        let version = if bytes[0] == 0x10 { NONE } else { V311 };
        expect(&bytes, version, ErrorKind::TrailingBytes, MALFORMED, None);
    }
}

// ---- Maximum packet size ----

#[test]
fn packet_too_large_from_the_fixed_header_alone() {
    check(
        decode_with_max(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F], V311, 4096).unwrap_err(),
        ErrorKind::PacketTooLarge {
            size: 268_435_460,
            max: 4096,
        },
        PACKET_TOO_LARGE,
        None,
    );
}

// ---- Truncation at every field boundary ----

#[test]
fn every_prefix_of_connect_is_rejected() {
    let payload = cat(&[
        &s(b"client"),
        &s(b"will/t"),
        &s(b"bye"),
        &s(b"user"),
        &s(b"pass"),
    ]);
    let body = connect_body(b"MQTT", 4, 0xEE, &payload);
    assert_prefixes_rejected(0x10, &body, NONE, 0..body.len(), None);
}

#[test]
fn every_prefix_of_publish_subscribe_and_acks_is_rejected() {
    let body = cat(&[&s(b"a/b"), &[0, 7]]);
    assert_prefixes_rejected(0x32, &body, V311, 0..body.len(), None);
    let body = cat(&[&[0, 9], &s(b"a/#"), &[1]]);
    assert_prefixes_rejected(
        0x82,
        &body,
        V311,
        0..body.len(),
        Some((2, ErrorKind::EmptySubscribe)),
    );
    let body = cat(&[&[0, 9], &s(b"a/#")]);
    assert_prefixes_rejected(
        0xA2,
        &body,
        V311,
        0..body.len(),
        Some((2, ErrorKind::EmptyUnsubscribe)),
    );
    assert_prefixes_rejected(0x20, &[0, 0], V311, 0..2, None);
    assert_prefixes_rejected(0x40, &[0, 1], V311, 0..2, None);
    assert_prefixes_rejected(0x90, &[0, 1, 0], V311, 0..2, None);
}
