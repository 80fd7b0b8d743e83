//! 1.5.5 Variable Byte Integer: Remaining Length, Property Length,
//! Subscription Identifier and property identifiers.

use midge_proto::ErrorKind;

use crate::common::*;

// ---- 1.5.5 Variable Byte Integer ----

#[test]
fn mqtt_1_5_5_1_remaining_length_longer_than_four_bytes() {
    for bytes in [
        vec![0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
        vec![0x30, 0x80, 0x80, 0x80, 0x80, 0x01],
        vec![0xC0, 0xFF, 0xFF, 0xFF, 0xFF],
    ] {
        expect(
            &bytes,
            V5,
            ErrorKind::VarIntTooLong,
            MALFORMED,
            Some("MQTT-1.5.5-1"),
        );
    }
}

#[test]
fn mqtt_1_5_5_1_remaining_length_not_minimal() {
    // PINGREQ with Remaining Length 0 written in 2, 3 and 4 bytes.
    for rl in [
        &[0x80, 0x00][..],
        &[0x80, 0x80, 0x00],
        &[0x80, 0x80, 0x80, 0x00],
    ] {
        expect(
            &cat(&[&[0xC0], rl]),
            V5,
            ErrorKind::VarIntNotMinimal,
            MALFORMED,
            Some("MQTT-1.5.5-1"),
        );
    }
    // PUBLISH with Remaining Length 5 written as 0x85 0x00.
    let body = cat(&[&s(b"t"), &[0], b"xx"]);
    expect(
        &cat(&[&[0x30, 0x85, 0x00], &body]),
        V5,
        ErrorKind::VarIntNotMinimal,
        MALFORMED,
        Some("MQTT-1.5.5-1"),
    );
}

#[test]
fn mqtt_1_5_5_1_property_length_not_minimal() {
    // Property Length 0 as 0x80 0x00, and 5 as 0x85 0x80 0x00.
    for (len, content) in [
        (&[0x80, 0x00][..], &[][..]),
        (&[0x85, 0x80, 0x00], &[0x02, 0, 0, 0, 9]),
    ] {
        expect(
            &frame(0x30, &cat(&[&s(b"t"), len, content])),
            V5,
            ErrorKind::VarIntNotMinimal,
            MALFORMED,
            Some("MQTT-1.5.5-1"),
        );
    }
}

#[test]
fn mqtt_1_5_5_1_property_length_longer_than_four_bytes() {
    expect(
        &frame(0x30, &cat(&[&s(b"t"), &[0xFF, 0xFF, 0xFF, 0xFF, 0x7F]])),
        V5,
        ErrorKind::VarIntTooLong,
        MALFORMED,
        Some("MQTT-1.5.5-1"),
    );
}

#[test]
fn mqtt_1_5_5_1_subscription_identifier_not_minimal() {
    for sub_id in [&[0x0B, 0x81, 0x00][..], &[0x0B, 0x80, 0x80, 0x00]] {
        expect(
            &subscribe_v5(sub_id, &cat(&[&s(b"a"), &[0]])),
            V5,
            ErrorKind::VarIntNotMinimal,
            MALFORMED,
            Some("MQTT-1.5.5-1"),
        );
        expect(
            &publish_v5(b"t", sub_id),
            V5,
            ErrorKind::VarIntNotMinimal,
            MALFORMED,
            Some("MQTT-1.5.5-1"),
        );
    }
}

#[test]
fn mqtt_1_5_5_1_subscription_identifier_longer_than_four_bytes() {
    expect(
        &subscribe_v5(
            &[0x0B, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
            &cat(&[&s(b"a"), &[0]]),
        ),
        V5,
        ErrorKind::VarIntTooLong,
        MALFORMED,
        Some("MQTT-1.5.5-1"),
    );
}

#[test]
fn mqtt_1_5_5_1_property_identifier_not_minimal() {
    // Payload Format Indicator (0x01) written as 0x81 0x00.
    expect(
        &publish_v5(b"t", &[0x81, 0x00, 0x01]),
        V5,
        ErrorKind::VarIntNotMinimal,
        MALFORMED,
        Some("MQTT-1.5.5-1"),
    );
}

#[test]
fn incomplete_remaining_length_is_not_an_error() {
    for bytes in [&[0x30][..], &[0x30, 0x80], &[0x30, 0xFF, 0xFF, 0xFF]] {
        assert_eq!(decode(bytes, V5), Ok(None));
    }
}
