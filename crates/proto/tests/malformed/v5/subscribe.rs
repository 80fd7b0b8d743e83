//! 3.8 SUBSCRIBE, 3.9 SUBACK, 3.10 UNSUBSCRIBE and 3.11 UNSUBACK.

use midge_proto::{ErrorKind, PacketType};

use crate::common::*;

// ---- 3.8 SUBSCRIBE ----

#[test]
fn mqtt_3_8_3_2_subscribe_without_payload() {
    for properties in [&[][..], &p_vbi(0x0B, 5)] {
        expect(
            &subscribe_v5(properties, &[]),
            V5,
            ErrorKind::EmptySubscribe,
            PROTOCOL_ERROR,
            Some("MQTT-3.8.3-2"),
        );
    }
}

#[test]
fn mqtt_3_8_3_5_subscription_options_reserved_bits() {
    for options in [0x40, 0x80, 0xC0, 0x41, 0xED] {
        expect(
            &subscribe_one_v5(b"a/b", options),
            V5,
            ErrorKind::SubscriptionOptionsReserved,
            MALFORMED,
            Some("MQTT-3.8.3-5"),
        );
    }
}

#[test]
fn subscription_maximum_qos_3_is_a_protocol_error() {
    for options in [0x03, 0x2F] {
        expect(
            &subscribe_one_v5(b"a/b", options),
            V5,
            ErrorKind::InvalidSubscriptionQos,
            PROTOCOL_ERROR,
            None,
        );
    }
}

#[test]
fn retain_handling_3_is_a_protocol_error() {
    for options in [0x30, 0x31, 0x3E] {
        expect(
            &subscribe_one_v5(b"a/b", options),
            V5,
            ErrorKind::InvalidRetainHandling,
            PROTOCOL_ERROR,
            None,
        );
    }
}

#[test]
fn mqtt_3_8_3_4_no_local_on_shared_subscription() {
    for options in [0x04, 0x05, 0x2E] {
        expect(
            &subscribe_one_v5(b"$share/group/a/+", options),
            V5,
            ErrorKind::NoLocalOnSharedSubscription,
            PROTOCOL_ERROR,
            Some("MQTT-3.8.3-4"),
        );
    }
    // No Local on an ordinary subscription is fine.
    decode_ok(&subscribe_one_v5(b"a/+", 0x04), V5);
    // And in the second filter of the packet it is still caught.
    expect(
        &subscribe_v5(&[], &cat(&[&s(b"a"), &[0x04], &s(b"$share/g/b"), &[0x04]])),
        V5,
        ErrorKind::NoLocalOnSharedSubscription,
        PROTOCOL_ERROR,
        Some("MQTT-3.8.3-4"),
    );
}

/// [MQTT-4.8.2-1]: a Shared Subscription's filter "MUST contain a ShareName
/// that is at least one character long".
#[test]
fn mqtt_4_8_2_1_shared_subscription_with_empty_share_name() {
    for filter in [&b"$share//x"[..], b"$share/", b"$share//"] {
        let err = decode_err(&subscribe_one_v5(filter, 0), V5);
        // The kind is being split out of `InvalidSharedSubscription`
        // (`EmptyShareName`); accept either name, but not a wildcard error.
        let kind = format!("{:?}", err.kind());
        assert!(
            matches!(
                kind.as_str(),
                "EmptyShareName" | "InvalidSharedSubscription"
            ),
            "kind of `{err}`: {kind}"
        );
        check(err, err.kind(), TOPIC_FILTER_INVALID, Some("MQTT-4.8.2-1"));
    }
}

/// [MQTT-4.8.2-2]: "The ShareName MUST NOT contain the characters "/", "+"
/// or "#", but MUST be followed by a "/" character. This "/" character MUST
/// be followed by a Topic Filter."
#[test]
fn mqtt_4_8_2_2_share_name_with_wildcard() {
    for filter in [
        &b"$share/a+b/x"[..],
        b"$share/+/x",
        b"$share/a#/x",
        b"$share/#/x",
    ] {
        expect(
            &subscribe_one_v5(filter, 0),
            V5,
            ErrorKind::InvalidSharedSubscription,
            TOPIC_FILTER_INVALID,
            Some("MQTT-4.8.2-2"),
        );
    }
}

#[test]
fn mqtt_4_8_2_2_share_name_without_topic_filter() {
    for filter in [&b"$share/g"[..], b"$share/g/"] {
        expect(
            &subscribe_one_v5(filter, 0),
            V5,
            ErrorKind::InvalidSharedSubscription,
            TOPIC_FILTER_INVALID,
            Some("MQTT-4.8.2-2"),
        );
    }
    decode_ok(&subscribe_one_v5(b"$share/g/#", 0), V5);
    decode_ok(&subscribe_one_v5(b"$share/g//", 0), V5);
}

#[test]
fn mqtt_4_7_1_1_multi_level_wildcard_position() {
    for filter in [
        &b"a/#/b"[..],
        b"a#",
        b"#/",
        b"a/b#",
        b"##",
        b"#/#",
        b"$share/g/a/#/b",
    ] {
        expect(
            &subscribe_one_v5(filter, 0),
            V5,
            ErrorKind::MultiLevelWildcardPosition,
            TOPIC_FILTER_INVALID,
            Some("MQTT-4.7.1-1"),
        );
    }
}

#[test]
fn mqtt_4_7_1_2_single_level_wildcard_position() {
    for filter in [&b"a/b+"[..], b"+a", b"a/+b/c", b"++", b"a+", b"$share/g/x+"] {
        expect(
            &subscribe_one_v5(filter, 0),
            V5,
            ErrorKind::SingleLevelWildcardPosition,
            TOPIC_FILTER_INVALID,
            Some("MQTT-4.7.1-2"),
        );
    }
}

#[test]
fn mqtt_4_7_3_1_empty_topic_filter() {
    expect(
        &subscribe_one_v5(b"", 0),
        V5,
        ErrorKind::EmptyTopic,
        PROTOCOL_ERROR,
        Some("MQTT-4.7.3-1"),
    );
    expect(
        &frame(0xA2, &cat(&[&[0, 1], &[0], &s(b"")])),
        V5,
        ErrorKind::EmptyTopic,
        PROTOCOL_ERROR,
        Some("MQTT-4.7.3-1"),
    );
}

#[test]
fn subscribe_filter_without_options_byte_is_malformed() {
    expect(
        &subscribe_v5(&[], &s(b"a/b")),
        V5,
        ErrorKind::Truncated,
        MALFORMED,
        None,
    );
    expect(
        &subscribe_v5(&[], &cat(&[&s(b"a"), &[0], &s(b"b")])),
        V5,
        ErrorKind::Truncated,
        MALFORMED,
        None,
    );
}

// ---- 3.9 SUBACK, 3.11 UNSUBACK ----

/// [MQTT-3.9.3-2]: "The Server sending the SUBACK packet MUST send one of the
/// Subscribe Reason Code values for each Topic Filter received."
#[test]
fn mqtt_3_9_3_2_suback_reason_code_not_allowed() {
    for code in [0x03, 0x04, 0x10, 0x11, 0x81, 0x82, 0x8B, 0x92, 0xFF] {
        expect(
            &frame(0x90, &[0, 1, 0, 0, code]),
            V5,
            ErrorKind::InvalidReasonCode(PacketType::SubAck, code),
            MALFORMED,
            Some("MQTT-3.9.3-2"),
        );
    }
}

/// [MQTT-3.11.3-2]: "The Server sending the UNSUBACK packet MUST use one of
/// the UNSUBSCRIBE Reason Code values for each Topic Filter received."
#[test]
fn mqtt_3_11_3_2_unsuback_reason_code_not_allowed() {
    for code in [0x01, 0x02, 0x10, 0x97, 0x9E, 0xFF] {
        expect(
            &frame(0xB0, &[0, 1, 0, 0x11, code]),
            V5,
            ErrorKind::InvalidReasonCode(PacketType::UnsubAck, code),
            MALFORMED,
            Some("MQTT-3.11.3-2"),
        );
    }
}

#[test]
fn suback_and_unsuback_without_reason_codes_are_malformed() {
    expect_kind(&frame(0x90, &[0, 1, 0]), V5, ErrorKind::EmptyAck, MALFORMED);
    expect_kind(&frame(0xB0, &[0, 1, 0]), V5, ErrorKind::EmptyAck, MALFORMED);
}

// ---- 3.10 UNSUBSCRIBE ----

#[test]
fn mqtt_3_10_3_2_unsubscribe_without_payload() {
    for properties in [&[][..], &p_pair(b"k", b"v")] {
        expect(
            &frame(0xA2, &cat(&[&[0, 1], &props(properties)])),
            V5,
            ErrorKind::EmptyUnsubscribe,
            PROTOCOL_ERROR,
            Some("MQTT-3.10.3-2"),
        );
    }
}

#[test]
fn unsubscribe_invalid_topic_filter() {
    expect(
        &frame(0xA2, &cat(&[&[0, 1], &[0], &s(b"a"), &s(b"a/#/b")])),
        V5,
        ErrorKind::MultiLevelWildcardPosition,
        TOPIC_FILTER_INVALID,
        Some("MQTT-4.7.1-1"),
    );
}
