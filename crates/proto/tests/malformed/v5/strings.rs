//! 1.5.4 UTF-8 Encoded String and 1.5.7 UTF-8 String Pair, in every string
//! field of every packet.

use midge_proto::{ErrorKind, Packet};

use crate::common::*;

// ---- 1.5.4 UTF-8 Encoded String, 1.5.7 UTF-8 String Pair ----

#[test]
fn mqtt_1_5_4_1_ill_formed_utf8_in_every_string() {
    for bad in ILL_FORMED {
        expect_everywhere(
            v5_string_positions(bad),
            ErrorKind::InvalidUtf8,
            "MQTT-1.5.4-1",
        );
    }
}

#[test]
fn mqtt_1_5_4_1_encoded_surrogates_in_every_string() {
    for bad in SURROGATES {
        expect_everywhere(
            v5_string_positions(bad),
            ErrorKind::InvalidUtf8,
            "MQTT-1.5.4-1",
        );
    }
}

#[test]
fn mqtt_1_5_4_1_overlong_encodings_in_every_string() {
    for bad in OVERLONG {
        expect_everywhere(
            v5_string_positions(bad),
            ErrorKind::InvalidUtf8,
            "MQTT-1.5.4-1",
        );
    }
}

#[test]
fn mqtt_1_5_4_1_surrogate_in_publish_topic() {
    expect(
        &publish_v5(b"\xED\xA0\x80", &[]),
        V5,
        ErrorKind::InvalidUtf8,
        MALFORMED,
        Some("MQTT-1.5.4-1"),
    );
}

#[test]
fn mqtt_1_5_4_2_null_character_in_every_string() {
    for bad in NULLS {
        expect_everywhere(
            v5_string_positions(bad),
            ErrorKind::NullCharacter,
            "MQTT-1.5.4-2",
        );
    }
}

#[test]
fn mqtt_1_5_4_2_null_character_in_client_id() {
    expect(
        &connect_v5(0x02, &[], &s(b"cl\0ient")),
        NONE,
        ErrorKind::NullCharacter,
        MALFORMED,
        Some("MQTT-1.5.4-2"),
    );
}

#[test]
fn mqtt_1_5_7_1_user_property_pair_strings() {
    for (k, v) in [
        (&b"\xFF"[..], &b"v"[..]),
        (b"k", b"\xED\xA0\x80"),
        (b"\xC0\xAF", b"v"),
    ] {
        expect(
            &publish_v5(b"t", &p_pair(k, v)),
            V5,
            ErrorKind::InvalidUtf8,
            MALFORMED,
            Some("MQTT-1.5.4-1"),
        );
    }
    expect(
        &publish_v5(b"t", &p_pair(b"k", b"\0")),
        V5,
        ErrorKind::NullCharacter,
        MALFORMED,
        Some("MQTT-1.5.4-2"),
    );
}

#[test]
fn mqtt_1_5_4_3_bom_is_preserved_not_stripped() {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let Packet::Publish(p) = decode_ok(&publish_v5(&cat(&[BOM, b"a/b"]), &[]), V5) else {
        panic!("not a PUBLISH");
    };
    assert_eq!(p.topic.as_str(), "\u{FEFF}a/b");
    assert_eq!(p.topic.len(), 6);

    let bytes = connect_v5(
        0x82,
        &p_pair(BOM, &cat(&[b"v", BOM])),
        &cat(&[&s(&cat(&[BOM, b"c"])), &s(BOM)]),
    );
    let Packet::Connect(c) = decode_ok(&bytes, NONE) else {
        panic!("not a CONNECT");
    };
    assert_eq!(&*c.client_id, "\u{FEFF}c");
    assert_eq!(c.username.as_deref(), Some("\u{FEFF}"));
    assert_eq!(&*c.properties.user_properties[0].0, "\u{FEFF}");
    assert_eq!(&*c.properties.user_properties[0].1, "v\u{FEFF}");

    let Packet::Subscribe(sub) = decode_ok(&subscribe_one_v5(&cat(&[BOM, b"/#"]), 0), V5) else {
        panic!("not a SUBSCRIBE");
    };
    assert_eq!(sub.filters[0].0.as_str(), "\u{FEFF}/#");
}
