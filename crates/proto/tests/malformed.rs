//! Negative decoding tests: one per malformed-packet / protocol-error rule of
//! sections 1 to 4.8 of MQTT 3.1.1 and 5.0 that a receiver can detect from the
//! bytes of a single packet.
//!
//! Statement IDs are version-scoped, so the tests live in `v5`, `v311` and `v31`
//! modules. Each test asserts the exact [`ErrorKind`], the reason code a Server
//! would answer with, the normative statement returned by `DecodeError::rule`
//! and that the error's `Display` names that statement in brackets.
//!
//! Vectors are written as packet bodies; [`frame`] adds the first byte and the
//! Remaining Length so the bytes on the wire stay readable.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use midge_proto::bytes::BytesMut;
use midge_proto::{
    DecodeError, ErrorKind, FixedHeader, Packet, PacketType, PropertyId, ProtocolVersion, codec,
};

/// Maximum packet size used unless a test is about the limit.
const MAX: u32 = 1 << 20;

const V5: Option<ProtocolVersion> = Some(ProtocolVersion::V5);
const V311: Option<ProtocolVersion> = Some(ProtocolVersion::V3_1_1);
const V31: Option<ProtocolVersion> = Some(ProtocolVersion::V3_1);
/// A Server before CONNECT: the version is not known yet.
const NONE: Option<ProtocolVersion> = None;

const MALFORMED: u8 = 0x81;
const PROTOCOL_ERROR: u8 = 0x82;
const UNSUPPORTED_PROTOCOL_VERSION: u8 = 0x84;
const TOPIC_FILTER_INVALID: u8 = 0x8F;
const TOPIC_NAME_INVALID: u8 = 0x90;
const TOPIC_ALIAS_INVALID: u8 = 0x94;
const PACKET_TOO_LARGE: u8 = 0x95;

// ---------------------------------------------------------------------------
// Building packets
// ---------------------------------------------------------------------------

/// Appends `v` as a minimal Variable Byte Integer.
fn put_vbi(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let mut b = (v & 0x7F) as u8;
        v >>= 7;
        if v > 0 {
            b |= 0x80;
        }
        out.push(b);
        if v == 0 {
            break;
        }
    }
}

/// A Variable Byte Integer on its own.
fn vbi(v: u32) -> Vec<u8> {
    let mut out = Vec::new();
    put_vbi(&mut out, v);
    out
}

/// A whole packet: `first` byte (type and flags), minimal Remaining Length, `body`.
fn frame(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    put_vbi(&mut out, u32::try_from(body.len()).unwrap());
    out.extend_from_slice(body);
    out
}

/// Concatenates fields.
fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A UTF-8 Encoded String or Binary Data field: two-byte length, then the bytes.
fn s(data: &[u8]) -> Vec<u8> {
    let mut out = u16::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(data);
    out
}

/// A property block: Property Length, then the properties.
fn props(content: &[u8]) -> Vec<u8> {
    cat(&[&vbi(u32::try_from(content.len()).unwrap()), content])
}

/// A Byte property.
fn p_byte(id: u8, v: u8) -> Vec<u8> {
    vec![id, v]
}

/// A Two Byte Integer property.
fn p_u16(id: u8, v: u16) -> Vec<u8> {
    cat(&[&[id], &v.to_be_bytes()])
}

/// A Four Byte Integer property.
fn p_u32(id: u8, v: u32) -> Vec<u8> {
    cat(&[&[id], &v.to_be_bytes()])
}

/// A Variable Byte Integer property.
fn p_vbi(id: u8, v: u32) -> Vec<u8> {
    cat(&[&[id], &vbi(v)])
}

/// A UTF-8 string or Binary Data property.
fn p_str(id: u8, v: &[u8]) -> Vec<u8> {
    cat(&[&[id], &s(v)])
}

/// A User Property.
fn p_pair(k: &[u8], v: &[u8]) -> Vec<u8> {
    cat(&[&[0x26], &s(k), &s(v)])
}

/// A CONNECT body: protocol name, level, connect flags, keep alive 60, then
/// `rest` (the properties for 5.0, then the payload).
fn connect_body(name: &[u8], level: u8, flags: u8, rest: &[u8]) -> Vec<u8> {
    cat(&[&s(name), &[level, flags, 0, 60], rest])
}

/// An MQTT 5.0 CONNECT with the given flags, CONNECT properties and payload.
fn connect_v5(flags: u8, properties: &[u8], payload: &[u8]) -> Vec<u8> {
    frame(
        0x10,
        &connect_body(b"MQTT", 5, flags, &cat(&[&props(properties), payload])),
    )
}

/// An MQTT 3.1.1 CONNECT with the given flags and payload.
fn connect_v311(flags: u8, payload: &[u8]) -> Vec<u8> {
    frame(0x10, &connect_body(b"MQTT", 4, flags, payload))
}

/// An MQTT 3.1 CONNECT with the given flags and payload.
fn connect_v31(flags: u8, payload: &[u8]) -> Vec<u8> {
    frame(0x10, &connect_body(b"MQIsdp", 3, flags, payload))
}

/// An MQTT 5.0 CONNECT payload with a Will (Will Properties `will_props`).
fn will_payload_v5(will_props: &[u8], topic: &[u8]) -> Vec<u8> {
    cat(&[&s(b"c"), &props(will_props), &s(topic), &s(b"bye")])
}

/// An MQTT 5.0 PUBLISH (QoS 0) with the given topic and properties.
fn publish_v5(topic: &[u8], properties: &[u8]) -> Vec<u8> {
    frame(0x30, &cat(&[&s(topic), &props(properties), b"payload"]))
}

/// An MQTT 5.0 SUBSCRIBE (packet id 1) with the given properties and payload.
fn subscribe_v5(properties: &[u8], payload: &[u8]) -> Vec<u8> {
    frame(0x82, &cat(&[&[0, 1], &props(properties), payload]))
}

/// An MQTT 5.0 SUBSCRIBE for one filter with the given options byte.
fn subscribe_one_v5(filter: &[u8], options: u8) -> Vec<u8> {
    subscribe_v5(&[], &cat(&[&s(filter), &[options]]))
}

/// An MQTT 3.1.1 SUBSCRIBE (packet id 1) for one filter with the given QoS byte.
fn subscribe_one_v311(filter: &[u8], options: u8) -> Vec<u8> {
    frame(0x82, &cat(&[&[0, 1], &s(filter), &[options]]))
}

/// A body that decodes cleanly as packet type `t` in `version` (with the
/// required fixed-header flags).
fn valid_body(t: PacketType, version: ProtocolVersion) -> Vec<u8> {
    let v5 = version.is_v5();
    let p: &[u8] = if v5 { &[0] } else { &[] };
    match t {
        PacketType::Connect => {
            let rest = cat(&[p, &s(b"c")]);
            connect_body(
                version.protocol_name().as_bytes(),
                version.level(),
                0x02,
                &rest,
            )
        }
        PacketType::ConnAck => cat(&[&[0, 0], p]),
        PacketType::Publish => cat(&[&s(b"t"), p]),
        PacketType::PubAck | PacketType::PubRec | PacketType::PubRel | PacketType::PubComp => {
            vec![0, 1]
        }
        PacketType::Subscribe => cat(&[&[0, 1], p, &s(b"a/+"), &[1]]),
        PacketType::SubAck => cat(&[&[0, 1], p, &[1]]),
        PacketType::Unsubscribe => cat(&[&[0, 1], p, &s(b"a/+")]),
        PacketType::UnsubAck if v5 => vec![0, 1, 0, 0],
        PacketType::UnsubAck => vec![0, 1],
        PacketType::PingReq | PacketType::PingResp | PacketType::Disconnect | PacketType::Auth => {
            Vec::new()
        }
    }
}

/// Every packet type.
fn all_types() -> Vec<PacketType> {
    (1..=15).filter_map(PacketType::from_nibble).collect()
}

// ---------------------------------------------------------------------------
// Decoding and checking
// ---------------------------------------------------------------------------

fn decode_with_max(
    bytes: &[u8],
    version: Option<ProtocolVersion>,
    max: u32,
) -> Result<Option<Packet>, DecodeError> {
    let mut buf = BytesMut::from(bytes);
    codec::decode(&mut buf, version, max)
}

fn decode(bytes: &[u8], version: Option<ProtocolVersion>) -> Result<Option<Packet>, DecodeError> {
    decode_with_max(bytes, version, MAX)
}

/// Decodes a complete packet that must be rejected.
#[track_caller]
fn decode_err(bytes: &[u8], version: Option<ProtocolVersion>) -> DecodeError {
    match decode(bytes, version) {
        Err(e) => e,
        Ok(p) => panic!("expected an error for {bytes:02X?} ({version:?}), got {p:?}"),
    }
}

/// Decodes a complete packet that must be accepted.
#[track_caller]
fn decode_ok(bytes: &[u8], version: Option<ProtocolVersion>) -> Packet {
    match decode(bytes, version) {
        Ok(Some(p)) => p,
        Ok(None) => panic!("{bytes:02X?} is incomplete"),
        Err(e) => panic!("{bytes:02X?} ({version:?}) rejected: {e}"),
    }
}

/// Asserts kind, reason code, rule, and that Display names the rule.
#[track_caller]
fn check(err: DecodeError, kind: ErrorKind, reason: u8, rule: Option<&str>) {
    assert_eq!(err.kind(), kind, "kind of `{err}`");
    assert_eq!(
        err.reason_code().as_u8(),
        reason,
        "reason code of `{err}` ({:?})",
        err.reason_code()
    );
    assert_eq!(err.rule(), rule, "rule of `{err}`");
    let text = err.to_string();
    match rule {
        Some(r) => assert!(
            text.contains(&format!("[{r}]")),
            "`{text}` should name [{r}]"
        ),
        None => assert!(!text.contains("[MQTT-"), "`{text}` names a rule"),
    }
}

/// Decodes `bytes` and checks the error: kind, reason code and rule.
#[track_caller]
fn expect(
    bytes: &[u8],
    version: Option<ProtocolVersion>,
    kind: ErrorKind,
    reason: u8,
    rule: Option<&str>,
) {
    check(decode_err(bytes, version), kind, reason, rule);
}

/// Like [`expect`] but leaves the rule unchecked (where the specification has
/// no single statement for the case).
#[track_caller]
fn expect_kind(bytes: &[u8], version: Option<ProtocolVersion>, kind: ErrorKind, reason: u8) {
    let err = decode_err(bytes, version);
    assert_eq!(err.kind(), kind, "kind of `{err}`");
    assert_eq!(err.reason_code().as_u8(), reason, "reason code of `{err}`");
}

/// Decodes every strict prefix of `body` (with the Remaining Length fixed up to
/// the prefix) for each `k` in `lens`; each must fail with `Truncated`, or with
/// `at_boundary` when `k == boundary.0`. Also checks that every prefix of the
/// complete wire bytes is merely incomplete.
#[track_caller]
fn assert_prefixes_rejected(
    first: u8,
    body: &[u8],
    version: Option<ProtocolVersion>,
    lens: impl IntoIterator<Item = usize>,
    boundary: Option<(usize, ErrorKind)>,
) {
    let whole = frame(first, body);
    decode_ok(&whole, version);
    for k in 0..whole.len() {
        assert_eq!(
            decode(&whole[..k], version),
            Ok(None),
            "prefix of {k} wire bytes must be incomplete"
        );
    }
    let mut tested = 0;
    for k in lens {
        assert!(k < body.len());
        let bytes = frame(first, &body[..k]);
        let err = decode_err(&bytes, version);
        match boundary {
            Some((at, kind)) if at == k => {
                assert_eq!(err.kind(), kind, "body cut to {k} bytes: {bytes:02X?}");
            }
            // A cut exactly before a CONNECT payload field its flag promised names
            // the missing field; any other cut is a truncated field.
            _ => assert!(
                matches!(
                    err.kind(),
                    ErrorKind::Truncated
                        | ErrorKind::MissingWill
                        | ErrorKind::MissingUsername
                        | ErrorKind::MissingPassword
                ),
                "body cut to {k} bytes: {bytes:02X?} gave {err}"
            ),
        }
        tested += 1;
    }
    assert!(tested > 0);
}

/// Frames that put `bad` in each UTF-8 string field of MQTT 5.0 packets.
fn v5_string_positions(bad: &[u8]) -> Vec<(&'static str, Option<ProtocolVersion>, Vec<u8>)> {
    let connack = |p: &[u8]| frame(0x20, &cat(&[&[0, 0], &props(p)]));
    vec![
        ("CONNECT client id", NONE, connect_v5(0x02, &[], &s(bad))),
        (
            "CONNECT will topic",
            NONE,
            connect_v5(0x06, &[], &will_payload_v5(&[], bad)),
        ),
        (
            "CONNECT user name",
            NONE,
            connect_v5(0x82, &[], &cat(&[&s(b"c"), &s(bad)])),
        ),
        (
            "CONNECT user property name",
            NONE,
            connect_v5(0x02, &p_pair(bad, b"v"), &s(b"c")),
        ),
        (
            "CONNECT user property value",
            NONE,
            connect_v5(0x02, &p_pair(b"k", bad), &s(b"c")),
        ),
        (
            "CONNECT authentication method",
            NONE,
            connect_v5(0x02, &p_str(0x15, bad), &s(b"c")),
        ),
        (
            "will content type",
            NONE,
            connect_v5(0x06, &[], &will_payload_v5(&p_str(0x03, bad), b"t")),
        ),
        (
            "will response topic",
            NONE,
            connect_v5(0x06, &[], &will_payload_v5(&p_str(0x08, bad), b"t")),
        ),
        (
            "will user property",
            NONE,
            connect_v5(0x06, &[], &will_payload_v5(&p_pair(b"k", bad), b"t")),
        ),
        (
            "CONNACK assigned client identifier",
            V5,
            connack(&p_str(0x12, bad)),
        ),
        ("CONNACK reason string", V5, connack(&p_str(0x1F, bad))),
        (
            "CONNACK response information",
            V5,
            connack(&p_str(0x1A, bad)),
        ),
        ("CONNACK server reference", V5, connack(&p_str(0x1C, bad))),
        ("CONNACK user property", V5, connack(&p_pair(bad, b"v"))),
        ("PUBLISH topic name", V5, publish_v5(bad, &[])),
        (
            "PUBLISH content type",
            V5,
            publish_v5(b"t", &p_str(0x03, bad)),
        ),
        (
            "PUBLISH response topic",
            V5,
            publish_v5(b"t", &p_str(0x08, bad)),
        ),
        (
            "PUBLISH user property name",
            V5,
            publish_v5(b"t", &p_pair(bad, b"v")),
        ),
        (
            "PUBLISH user property value",
            V5,
            publish_v5(b"t", &p_pair(b"k", bad)),
        ),
        (
            "PUBACK reason string",
            V5,
            frame(0x40, &cat(&[&[0, 1, 0x10], &props(&p_str(0x1F, bad))])),
        ),
        ("SUBSCRIBE topic filter", V5, subscribe_one_v5(bad, 1)),
        (
            "SUBSCRIBE user property",
            V5,
            subscribe_v5(&p_pair(b"k", bad), &cat(&[&s(b"a"), &[0]])),
        ),
        (
            "SUBACK reason string",
            V5,
            frame(0x90, &cat(&[&[0, 1], &props(&p_str(0x1F, bad)), &[0]])),
        ),
        (
            "UNSUBSCRIBE topic filter",
            V5,
            frame(0xA2, &cat(&[&[0, 1], &props(&[]), &s(bad)])),
        ),
        (
            "UNSUBACK user property",
            V5,
            frame(0xB0, &cat(&[&[0, 1], &props(&p_pair(bad, b"v")), &[0]])),
        ),
        (
            "DISCONNECT reason string",
            V5,
            frame(0xE0, &cat(&[&[0x80], &props(&p_str(0x1F, bad))])),
        ),
        (
            "DISCONNECT server reference",
            V5,
            frame(0xE0, &cat(&[&[0x9C], &props(&p_str(0x1C, bad))])),
        ),
        (
            "AUTH authentication method",
            V5,
            frame(0xF0, &cat(&[&[0x18], &props(&p_str(0x15, bad))])),
        ),
    ]
}

/// Frames that put `bad` in each UTF-8 string field of MQTT 3.1.1 packets.
fn v311_string_positions(bad: &[u8]) -> Vec<(&'static str, Option<ProtocolVersion>, Vec<u8>)> {
    vec![
        ("CONNECT client id", NONE, connect_v311(0x02, &s(bad))),
        (
            "CONNECT will topic",
            NONE,
            connect_v311(0x06, &cat(&[&s(b"c"), &s(bad), &s(b"bye")])),
        ),
        (
            "CONNECT user name",
            NONE,
            connect_v311(0x82, &cat(&[&s(b"c"), &s(bad)])),
        ),
        (
            "PUBLISH topic name",
            V311,
            frame(0x30, &cat(&[&s(bad), b"x"])),
        ),
        ("SUBSCRIBE topic filter", V311, subscribe_one_v311(bad, 1)),
        (
            "UNSUBSCRIBE topic filter",
            V311,
            frame(0xA2, &cat(&[&[0, 1], &s(bad)])),
        ),
    ]
}

/// Checks that every position in `positions` rejects its string with `kind`.
#[track_caller]
fn expect_everywhere(
    positions: Vec<(&'static str, Option<ProtocolVersion>, Vec<u8>)>,
    kind: ErrorKind,
    rule: &str,
) {
    for (what, version, bytes) in positions {
        let err = decode_err(&bytes, version);
        assert_eq!(err.kind(), kind, "{what}: `{err}` for {bytes:02X?}");
        assert_eq!(err.reason_code().as_u8(), MALFORMED, "{what}: `{err}`");
        assert_eq!(err.rule(), Some(rule), "{what}: `{err}`");
        assert!(err.to_string().contains(&format!("[{rule}]")), "{what}");
    }
}

/// Ill-formed UTF-8 other than surrogates and overlong forms.
const ILL_FORMED: &[&[u8]] = &[
    b"\xFF",
    b"a\xFEb",
    b"\x80",             // lone continuation byte
    b"a\xC3",            // sequence cut short by the string length
    b"\xC3\x28",         // bad continuation byte
    b"\xE2\x82",         // three-byte sequence cut short
    b"\xF4\x90\x80\x80", // above U+10FFFF
    b"\xF8\x88\x80\x80\x80",
];

/// Encodings of U+D800..U+DFFF.
const SURROGATES: &[&[u8]] = &[b"\xED\xA0\x80", b"a/\xED\xBF\xBF", b"\xED\xB2\x80x"];

/// Overlong encodings, including the "modified UTF-8" NUL (0xC0 0x80).
const OVERLONG: &[&[u8]] = &[
    b"\xC0\xAF",
    b"\xC1\xBF",
    b"\xE0\x80\xAF",
    b"\xF0\x80\x80\xAF",
    b"\xC0\x80",
];

/// Strings holding U+0000.
const NULLS: &[&[u8]] = &[b"\0", b"a\0b", b"a/b\0"];

// ===========================================================================
// MQTT 5.0
// ===========================================================================

mod v5 {
    use super::*;

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

        let Packet::Subscribe(sub) = decode_ok(&subscribe_one_v5(&cat(&[BOM, b"/#"]), 0), V5)
        else {
            panic!("not a SUBSCRIBE");
        };
        assert_eq!(sub.filters[0].0.as_str(), "\u{FEFF}/#");
    }

    // ---- 2.1 Fixed header ----

    #[test]
    fn reserved_packet_type_0_is_malformed() {
        for version in [V5, NONE] {
            for first in [0x00, 0x02, 0x0F] {
                expect(
                    &[first, 0x00],
                    version,
                    ErrorKind::ReservedPacketType(0),
                    MALFORMED,
                    None,
                );
            }
        }
    }

    /// Every wrong flags nibble on packet type `t` is rejected with `rule`.
    #[track_caller]
    fn all_wrong_flags(t: PacketType, rule: &str) {
        let body = valid_body(t, ProtocolVersion::V5);
        let required = t.required_flags().unwrap();
        let decode_as = if t == PacketType::Connect { NONE } else { V5 };
        decode_ok(&frame(((t as u8) << 4) | required, &body), decode_as);
        for flags in (0..16u8).filter(|f| *f != required) {
            expect(
                &frame(((t as u8) << 4) | flags, &body),
                decode_as,
                ErrorKind::InvalidFixedHeaderFlags(t, flags),
                MALFORMED,
                Some(rule),
            );
        }
    }

    #[test]
    fn mqtt_2_1_3_1_connect_flags() {
        all_wrong_flags(PacketType::Connect, "MQTT-2.1.3-1");
    }

    #[test]
    fn mqtt_2_1_3_1_connack_flags() {
        all_wrong_flags(PacketType::ConnAck, "MQTT-2.1.3-1");
    }

    #[test]
    fn mqtt_2_1_3_1_puback_pubrec_pubcomp_flags() {
        all_wrong_flags(PacketType::PubAck, "MQTT-2.1.3-1");
        all_wrong_flags(PacketType::PubRec, "MQTT-2.1.3-1");
        all_wrong_flags(PacketType::PubComp, "MQTT-2.1.3-1");
    }

    #[test]
    fn mqtt_2_1_3_1_suback_unsuback_flags() {
        all_wrong_flags(PacketType::SubAck, "MQTT-2.1.3-1");
        all_wrong_flags(PacketType::UnsubAck, "MQTT-2.1.3-1");
    }

    #[test]
    fn mqtt_2_1_3_1_pingreq_pingresp_flags() {
        all_wrong_flags(PacketType::PingReq, "MQTT-2.1.3-1");
        all_wrong_flags(PacketType::PingResp, "MQTT-2.1.3-1");
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

    /// [MQTT-3.14.1-1]: "The Client or Server MUST validate that reserved bits
    /// are set to 0. If they are not zero it sends a DISCONNECT packet with a
    /// Reason code of 0x81" -- the DISCONNECT-specific statement, as PUBREL,
    /// SUBSCRIBE, UNSUBSCRIBE and AUTH get theirs.
    #[test]
    fn mqtt_3_14_1_1_disconnect_flags() {
        all_wrong_flags(PacketType::Disconnect, "MQTT-3.14.1-1");
    }

    #[test]
    fn mqtt_3_15_1_1_auth_flags() {
        all_wrong_flags(PacketType::Auth, "MQTT-3.15.1-1");
    }

    // ---- 2.2.1 Packet Identifier ----

    #[test]
    fn mqtt_2_2_1_3_publish_packet_id_zero() {
        for first in [0x32, 0x34, 0x3A, 0x3D] {
            expect(
                &frame(first, &cat(&[&s(b"t"), &[0, 0], &[0]])),
                V5,
                ErrorKind::ZeroPacketId,
                PROTOCOL_ERROR,
                Some("MQTT-2.2.1-3"),
            );
        }
    }

    #[test]
    fn mqtt_2_2_1_3_subscribe_packet_id_zero() {
        expect(
            &frame(0x82, &cat(&[&[0, 0], &[0], &s(b"a"), &[0]])),
            V5,
            ErrorKind::ZeroPacketId,
            PROTOCOL_ERROR,
            Some("MQTT-2.2.1-3"),
        );
    }

    #[test]
    fn mqtt_2_2_1_3_unsubscribe_packet_id_zero() {
        expect(
            &frame(0xA2, &cat(&[&[0, 0], &[0], &s(b"a")])),
            V5,
            ErrorKind::ZeroPacketId,
            PROTOCOL_ERROR,
            Some("MQTT-2.2.1-3"),
        );
    }

    #[test]
    fn packet_id_zero_in_acknowledgements() {
        for first in [0x40, 0x50, 0x62, 0x70] {
            expect_kind(
                &frame(first, &[0, 0]),
                V5,
                ErrorKind::ZeroPacketId,
                PROTOCOL_ERROR,
            );
            expect_kind(
                &frame(first, &[0, 0, 0, 0]),
                V5,
                ErrorKind::ZeroPacketId,
                PROTOCOL_ERROR,
            );
        }
        expect_kind(
            &frame(0x90, &[0, 0, 0, 0]),
            V5,
            ErrorKind::ZeroPacketId,
            PROTOCOL_ERROR,
        );
        expect_kind(
            &frame(0xB0, &[0, 0, 0, 0]),
            V5,
            ErrorKind::ZeroPacketId,
            PROTOCOL_ERROR,
        );
    }

    // ---- 2.2.2 Properties ----

    #[test]
    fn unknown_property_identifier_is_malformed() {
        for id in [
            0x00u32, 0x04, 0x05, 0x06, 0x07, 0x0A, 0x0C, 0x10, 0x14, 0x1B, 0x1D, 0x1E, 0x20, 0x2B,
            0x7F, 0x80, 0x3FFF,
        ] {
            expect(
                &publish_v5(b"t", &cat(&[&vbi(id), &[0, 0, 0, 0]])),
                V5,
                ErrorKind::UnknownProperty(id),
                MALFORMED,
                None,
            );
        }
        expect(
            &connect_v5(0x02, &[0x2B, 1], &s(b"c")),
            NONE,
            ErrorKind::UnknownProperty(0x2B),
            MALFORMED,
            None,
        );
    }

    #[test]
    fn topic_alias_in_connect_is_malformed() {
        expect(
            &connect_v5(0x02, &p_u16(0x23, 1), &s(b"c")),
            NONE,
            ErrorKind::PropertyNotAllowed(PropertyId::TopicAlias, PacketType::Connect),
            MALFORMED,
            None,
        );
    }

    #[test]
    fn will_delay_interval_in_publish_is_malformed() {
        expect(
            &publish_v5(b"t", &p_u32(0x18, 10)),
            V5,
            ErrorKind::PropertyNotAllowed(PropertyId::WillDelayInterval, PacketType::Publish),
            MALFORMED,
            None,
        );
    }

    #[test]
    fn session_expiry_interval_in_puback_is_malformed() {
        expect(
            &frame(0x40, &cat(&[&[0, 1, 0], &props(&p_u32(0x11, 10))])),
            V5,
            ErrorKind::PropertyNotAllowed(PropertyId::SessionExpiryInterval, PacketType::PubAck),
            MALFORMED,
            None,
        );
    }

    #[test]
    fn property_not_allowed_in_packet_type_is_malformed() {
        use PacketType as T;
        use PropertyId as P;
        let cases = [
            (
                connect_v5(0x02, &p_u32(0x18, 5), &s(b"c")),
                NONE,
                P::WillDelayInterval,
                T::Connect,
            ),
            (
                connect_v5(0x02, &p_str(0x1F, b"r"), &s(b"c")),
                NONE,
                P::ReasonString,
                T::Connect,
            ),
            (
                connect_v5(0x02, &p_byte(0x24, 1), &s(b"c")),
                NONE,
                P::MaximumQoS,
                T::Connect,
            ),
            (
                connect_v5(0x06, &[], &will_payload_v5(&p_u32(0x11, 5), b"t")),
                NONE,
                P::SessionExpiryInterval,
                T::Connect,
            ),
            (
                connect_v5(0x06, &[], &will_payload_v5(&p_u16(0x23, 1), b"t")),
                NONE,
                P::TopicAlias,
                T::Connect,
            ),
            (
                frame(0x20, &cat(&[&[0, 0], &props(&p_u32(0x18, 5))])),
                V5,
                P::WillDelayInterval,
                T::ConnAck,
            ),
            (
                frame(0x20, &cat(&[&[0, 0], &props(&p_u16(0x23, 5))])),
                V5,
                P::TopicAlias,
                T::ConnAck,
            ),
            (
                publish_v5(b"t", &p_str(0x1C, b"other")),
                V5,
                P::ServerReference,
                T::Publish,
            ),
            (
                publish_v5(b"t", &p_u32(0x11, 5)),
                V5,
                P::SessionExpiryInterval,
                T::Publish,
            ),
            (
                frame(0x62, &cat(&[&[0, 1, 0], &props(&p_byte(0x01, 1))])),
                V5,
                P::PayloadFormatIndicator,
                T::PubRel,
            ),
            (
                subscribe_v5(&p_u16(0x21, 5), &cat(&[&s(b"a"), &[0]])),
                V5,
                P::ReceiveMaximum,
                T::Subscribe,
            ),
            (
                frame(0x90, &cat(&[&[0, 1], &props(&p_vbi(0x0B, 1)), &[0]])),
                V5,
                P::SubscriptionIdentifier,
                T::SubAck,
            ),
            (
                frame(0xA2, &cat(&[&[0, 1], &props(&p_vbi(0x0B, 1)), &s(b"a")])),
                V5,
                P::SubscriptionIdentifier,
                T::Unsubscribe,
            ),
            (
                frame(0xA2, &cat(&[&[0, 1], &props(&p_str(0x1F, b"r")), &s(b"a")])),
                V5,
                P::ReasonString,
                T::Unsubscribe,
            ),
            (
                frame(0xE0, &cat(&[&[0], &props(&p_str(0x15, b"m"))])),
                V5,
                P::AuthenticationMethod,
                T::Disconnect,
            ),
            (
                frame(0xF0, &cat(&[&[0x18], &props(&p_u32(0x11, 1))])),
                V5,
                P::SessionExpiryInterval,
                T::Auth,
            ),
        ];
        for (bytes, version, id, t) in cases {
            expect(
                &bytes,
                version,
                ErrorKind::PropertyNotAllowed(id, t),
                MALFORMED,
                None,
            );
        }
    }

    #[test]
    fn duplicate_message_expiry_interval_is_a_protocol_error() {
        expect(
            &publish_v5(b"t", &cat(&[&p_u32(0x02, 10), &p_u32(0x02, 10)])),
            V5,
            ErrorKind::DuplicateProperty(PropertyId::MessageExpiryInterval),
            PROTOCOL_ERROR,
            None,
        );
    }

    #[test]
    fn duplicate_property_is_a_protocol_error() {
        use PropertyId as P;
        let twice = |p: Vec<u8>| cat(&[&p, &p]);
        let cases = [
            (
                connect_v5(0x02, &twice(p_u32(0x11, 1)), &s(b"c")),
                NONE,
                P::SessionExpiryInterval,
            ),
            (
                connect_v5(0x02, &twice(p_u16(0x21, 1)), &s(b"c")),
                NONE,
                P::ReceiveMaximum,
            ),
            (
                connect_v5(0x02, &twice(p_str(0x15, b"m")), &s(b"c")),
                NONE,
                P::AuthenticationMethod,
            ),
            (
                connect_v5(
                    0x02,
                    &cat(&[&p_str(0x15, b"m"), &twice(p_str(0x16, b"d"))]),
                    &s(b"c"),
                ),
                NONE,
                P::AuthenticationData,
            ),
            (
                connect_v5(0x06, &[], &will_payload_v5(&twice(p_byte(0x01, 1)), b"t")),
                NONE,
                P::PayloadFormatIndicator,
            ),
            (
                connect_v5(0x06, &[], &will_payload_v5(&twice(p_u32(0x18, 1)), b"t")),
                NONE,
                P::WillDelayInterval,
            ),
            (
                frame(0x20, &cat(&[&[0, 0], &props(&twice(p_u16(0x13, 5)))])),
                V5,
                P::ServerKeepAlive,
            ),
            (
                frame(0x20, &cat(&[&[0, 0], &props(&twice(p_byte(0x24, 0)))])),
                V5,
                P::MaximumQoS,
            ),
            (publish_v5(b"t", &twice(p_u16(0x23, 1))), V5, P::TopicAlias),
            (
                publish_v5(b"t", &twice(p_str(0x08, b"r"))),
                V5,
                P::ResponseTopic,
            ),
            (
                publish_v5(b"t", &twice(p_str(0x03, b"text"))),
                V5,
                P::ContentType,
            ),
            (
                publish_v5(b"t", &twice(p_str(0x09, b"c"))),
                V5,
                P::CorrelationData,
            ),
            (
                frame(0x40, &cat(&[&[0, 1, 0], &props(&twice(p_str(0x1F, b"r")))])),
                V5,
                P::ReasonString,
            ),
        ];
        for (bytes, version, id) in cases {
            expect(
                &bytes,
                version,
                ErrorKind::DuplicateProperty(id),
                PROTOCOL_ERROR,
                None,
            );
        }
    }

    #[test]
    fn repeated_user_properties_and_subscription_identifiers_in_publish_are_allowed() {
        let bytes = publish_v5(
            b"t",
            &cat(&[
                &p_pair(b"k", b"1"),
                &p_vbi(0x0B, 7),
                &p_pair(b"k", b"2"),
                &p_vbi(0x0B, 268_435_455),
            ]),
        );
        let Packet::Publish(p) = decode_ok(&bytes, V5) else {
            panic!("not a PUBLISH");
        };
        assert_eq!(p.properties.user_properties.len(), 2);
        let ids: Vec<u32> = p
            .properties
            .subscription_identifiers
            .iter()
            .map(|i| i.get())
            .collect();
        assert_eq!(ids, [7, 268_435_455]);

        // User Property may repeat in every packet that carries it.
        let pairs = cat(&[&p_pair(b"a", b"1"), &p_pair(b"a", b"1")]);
        decode_ok(&connect_v5(0x02, &pairs, &s(b"c")), NONE);
        decode_ok(&subscribe_v5(&pairs, &cat(&[&s(b"a"), &[0]])), V5);
        decode_ok(&frame(0xE0, &cat(&[&[0], &props(&pairs)])), V5);
    }

    #[test]
    fn two_subscription_identifiers_in_subscribe_are_a_protocol_error() {
        expect(
            &subscribe_v5(
                &cat(&[&p_vbi(0x0B, 1), &p_vbi(0x0B, 2)]),
                &cat(&[&s(b"a"), &[0]]),
            ),
            V5,
            ErrorKind::DuplicateProperty(PropertyId::SubscriptionIdentifier),
            PROTOCOL_ERROR,
            None,
        );
    }

    #[test]
    fn receive_maximum_zero_is_a_protocol_error() {
        let bad = ErrorKind::InvalidPropertyValue(PropertyId::ReceiveMaximum);
        expect(
            &connect_v5(0x02, &p_u16(0x21, 0), &s(b"c")),
            NONE,
            bad,
            PROTOCOL_ERROR,
            None,
        );
        expect(
            &frame(0x20, &cat(&[&[0, 0], &props(&p_u16(0x21, 0))])),
            V5,
            bad,
            PROTOCOL_ERROR,
            None,
        );
    }

    #[test]
    fn maximum_packet_size_zero_is_a_protocol_error() {
        let bad = ErrorKind::InvalidPropertyValue(PropertyId::MaximumPacketSize);
        expect(
            &connect_v5(0x02, &p_u32(0x27, 0), &s(b"c")),
            NONE,
            bad,
            PROTOCOL_ERROR,
            None,
        );
        expect(
            &frame(0x20, &cat(&[&[0, 0], &props(&p_u32(0x27, 0))])),
            V5,
            bad,
            PROTOCOL_ERROR,
            None,
        );
    }

    #[test]
    fn maximum_qos_2_is_a_protocol_error() {
        for qos in [2, 3, 0xFF] {
            expect(
                &frame(0x20, &cat(&[&[0, 0], &props(&p_byte(0x24, qos))])),
                V5,
                ErrorKind::InvalidPropertyValue(PropertyId::MaximumQoS),
                PROTOCOL_ERROR,
                None,
            );
        }
    }

    #[test]
    fn boolean_property_with_value_2_is_a_protocol_error() {
        use PropertyId as P;
        let connack = |id: u8| frame(0x20, &cat(&[&[0, 0], &props(&p_byte(id, 2))]));
        let cases = [
            (
                connect_v5(0x02, &p_byte(0x17, 2), &s(b"c")),
                NONE,
                P::RequestProblemInformation,
            ),
            (
                connect_v5(0x02, &p_byte(0x19, 2), &s(b"c")),
                NONE,
                P::RequestResponseInformation,
            ),
            (
                connect_v5(0x06, &[], &will_payload_v5(&p_byte(0x01, 2), b"t")),
                NONE,
                P::PayloadFormatIndicator,
            ),
            (
                publish_v5(b"t", &p_byte(0x01, 2)),
                V5,
                P::PayloadFormatIndicator,
            ),
            (connack(0x25), V5, P::RetainAvailable),
            (connack(0x28), V5, P::WildcardSubscriptionAvailable),
            (connack(0x29), V5, P::SubscriptionIdentifierAvailable),
            (connack(0x2A), V5, P::SharedSubscriptionAvailable),
        ];
        for (bytes, version, id) in cases {
            expect(
                &bytes,
                version,
                ErrorKind::InvalidPropertyValue(id),
                PROTOCOL_ERROR,
                None,
            );
        }
    }

    #[test]
    fn subscription_identifier_zero_is_a_protocol_error() {
        let bad = ErrorKind::InvalidPropertyValue(PropertyId::SubscriptionIdentifier);
        expect(
            &subscribe_v5(&p_vbi(0x0B, 0), &cat(&[&s(b"a"), &[0]])),
            V5,
            bad,
            PROTOCOL_ERROR,
            None,
        );
        expect(
            &publish_v5(b"t", &p_vbi(0x0B, 0)),
            V5,
            bad,
            PROTOCOL_ERROR,
            None,
        );
    }

    #[test]
    fn authentication_data_without_method_is_a_protocol_error() {
        let data = p_str(0x16, b"secret");
        expect(
            &connect_v5(0x02, &data, &s(b"c")),
            NONE,
            ErrorKind::AuthDataWithoutMethod,
            PROTOCOL_ERROR,
            None,
        );
        expect(
            &frame(0x20, &cat(&[&[0, 0], &props(&data)])),
            V5,
            ErrorKind::AuthDataWithoutMethod,
            PROTOCOL_ERROR,
            None,
        );
        expect(
            &frame(0xF0, &cat(&[&[0x18], &props(&data)])),
            V5,
            ErrorKind::AuthDataWithoutMethod,
            PROTOCOL_ERROR,
            None,
        );
        // With the method it is fine.
        decode_ok(
            &connect_v5(0x02, &cat(&[&data, &p_str(0x15, b"SCRAM")]), &s(b"c")),
            NONE,
        );
    }

    #[test]
    fn property_length_longer_than_the_packet_is_malformed() {
        for bytes in [
            frame(0x30, &cat(&[&s(b"t"), &[10], &p_u32(0x02, 1)])),
            frame(0x40, &[0, 1, 0x10, 4, 0x1F, 0]),
            frame(0x82, &cat(&[&[0, 1], &[0x80, 0x01], &s(b"a"), &[0]])),
            frame(0x20, &[0, 0, 0x7F]),
            frame(0xE0, &[0, 1]),
        ] {
            expect(&bytes, V5, ErrorKind::Truncated, MALFORMED, None);
        }
    }

    #[test]
    fn property_value_running_past_property_length_is_malformed() {
        // Property Length 3 but Message Expiry Interval needs 5 bytes; the
        // remaining 2 bytes would otherwise parse as payload.
        expect(
            &frame(0x30, &cat(&[&s(b"t"), &[3], &p_u32(0x02, 1)])),
            V5,
            ErrorKind::Truncated,
            MALFORMED,
            None,
        );
        // A Subscription Identifier whose Variable Byte Integer is cut short by
        // the Property Length.
        expect(
            &frame(0x30, &cat(&[&s(b"t"), &[2, 0x0B, 0x80], &[0x01]])),
            V5,
            ErrorKind::Truncated,
            MALFORMED,
            None,
        );
        // A User Property whose value runs past the Property Length.
        let pair = p_pair(b"k", b"value");
        let short = u8::try_from(pair.len() - 2).unwrap();
        expect(
            &frame(0x82, &cat(&[&[0, 1], &[short], &pair, &s(b"a"), &[0]])),
            V5,
            ErrorKind::Truncated,
            MALFORMED,
            None,
        );
    }

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
        let Packet::Connect(c) =
            decode_ok(&connect_v5(0x42, &[], &cat(&[&s(b"c"), &s(b"pw")])), NONE)
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

    // ---- 3.3 PUBLISH ----

    #[test]
    fn mqtt_3_3_1_4_publish_qos_3_is_malformed() {
        for first in [0x36, 0x37, 0x3E, 0x3F] {
            let err = decode_err(&frame(first, &cat(&[&s(b"t"), &[0, 1], &[0]])), V5);
            check(
                err,
                ErrorKind::InvalidPublishQos,
                MALFORMED,
                Some("MQTT-3.3.1-4"),
            );
            assert!(err.to_string().contains("[MQTT-3.3.1-4]"));
        }
    }

    #[test]
    fn mqtt_3_3_1_2_dup_with_qos_0() {
        for first in [0x38, 0x39] {
            expect(
                &frame(first, &cat(&[&s(b"t"), &[0]])),
                V5,
                ErrorKind::DupWithQos0,
                PROTOCOL_ERROR,
                Some("MQTT-3.3.1-2"),
            );
        }
    }

    #[test]
    fn mqtt_3_3_2_2_wildcard_in_topic_name() {
        for topic in [&b"a/+"[..], b"a/#", b"#", b"+", b"a+b", b"sport/tennis#"] {
            expect(
                &publish_v5(topic, &[]),
                V5,
                ErrorKind::TopicNameWildcard,
                TOPIC_NAME_INVALID,
                Some("MQTT-3.3.2-2"),
            );
        }
    }

    #[test]
    fn mqtt_4_7_3_1_empty_topic_without_topic_alias() {
        expect(
            &publish_v5(b"", &p_u32(0x02, 5)),
            V5,
            ErrorKind::EmptyTopic,
            PROTOCOL_ERROR,
            Some("MQTT-4.7.3-1"),
        );
        // With a Topic Alias an empty Topic Name is how the alias is used.
        let Packet::Publish(p) = decode_ok(&publish_v5(b"", &p_u16(0x23, 3)), V5) else {
            panic!("not a PUBLISH");
        };
        assert!(p.topic.is_empty());
        assert_eq!(p.properties.topic_alias.map(|a| a.get()), Some(3));
    }

    /// [MQTT-3.3.2-8]: "A sender MUST NOT send a PUBLISH packet containing a
    /// Topic Alias which has the value 0"; the receiver answers 0x94.
    #[test]
    fn mqtt_3_3_2_8_topic_alias_zero() {
        for topic in [&b"t"[..], b""] {
            expect(
                &publish_v5(topic, &p_u16(0x23, 0)),
                V5,
                ErrorKind::ZeroTopicAlias,
                TOPIC_ALIAS_INVALID,
                Some("MQTT-3.3.2-8"),
            );
        }
    }

    #[test]
    fn mqtt_3_3_2_14_response_topic_with_wildcard() {
        for topic in [&b"r/+"[..], b"r/#", b"#"] {
            expect(
                &publish_v5(b"t", &p_str(0x08, topic)),
                V5,
                ErrorKind::InvalidResponseTopic,
                PROTOCOL_ERROR,
                Some("MQTT-3.3.2-14"),
            );
        }
    }

    #[test]
    fn publish_without_property_length_is_malformed() {
        expect(
            &frame(0x30, &s(b"t")),
            V5,
            ErrorKind::Truncated,
            MALFORMED,
            None,
        );
        expect(
            &frame(0x32, &cat(&[&s(b"t"), &[0, 1]])),
            V5,
            ErrorKind::Truncated,
            MALFORMED,
            None,
        );
    }

    // ---- 3.4 to 3.7 PUBACK, PUBREC, PUBREL, PUBCOMP ----

    #[track_caller]
    fn bad_reason(first: u8, t: PacketType, codes: &[u8], rule: &str) {
        for &code in codes {
            for body in [vec![0, 1, code], vec![0, 1, code, 0]] {
                expect(
                    &frame(first, &body),
                    V5,
                    ErrorKind::InvalidReasonCode(t, code),
                    MALFORMED,
                    Some(rule),
                );
            }
        }
    }

    #[test]
    fn mqtt_3_4_2_1_puback_reason_code_not_allowed() {
        bad_reason(
            0x40,
            PacketType::PubAck,
            &[0x01, 0x04, 0x11, 0x8B, 0x81, 0x92, 0x05, 0x7F, 0xFF],
            "MQTT-3.4.2-1",
        );
    }

    #[test]
    fn mqtt_3_5_2_1_pubrec_reason_code_not_allowed() {
        bad_reason(
            0x50,
            PacketType::PubRec,
            &[0x02, 0x8B, 0x92, 0x94, 0x20],
            "MQTT-3.5.2-1",
        );
    }

    #[test]
    fn mqtt_3_6_2_1_pubrel_reason_code_not_allowed() {
        bad_reason(
            0x62,
            PacketType::PubRel,
            &[0x10, 0x80, 0x87, 0x91, 0x01],
            "MQTT-3.6.2-1",
        );
    }

    #[test]
    fn mqtt_3_7_2_1_pubcomp_reason_code_not_allowed() {
        bad_reason(
            0x70,
            PacketType::PubComp,
            &[0x10, 0x80, 0x87, 0x91, 0x04],
            "MQTT-3.7.2-1",
        );
    }

    #[test]
    fn puback_truncated_packet_id_is_malformed() {
        for body in [&[][..], &[0]] {
            expect(
                &frame(0x40, body),
                V5,
                ErrorKind::Truncated,
                MALFORMED,
                None,
            );
        }
    }

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

    // ---- 3.14 DISCONNECT, 3.15 AUTH ----

    /// [MQTT-3.14.2-1]: "The Client or Server sending the DISCONNECT packet MUST
    /// use one of the DISCONNECT Reason Code values."
    #[test]
    fn mqtt_3_14_2_1_disconnect_reason_code_not_allowed() {
        for code in [
            0x01, 0x02, 0x10, 0x11, 0x18, 0x84, 0x85, 0x91, 0x92, 0xA3, 0xFF,
        ] {
            for body in [vec![code], vec![code, 0]] {
                expect(
                    &frame(0xE0, &body),
                    V5,
                    ErrorKind::InvalidReasonCode(PacketType::Disconnect, code),
                    MALFORMED,
                    Some("MQTT-3.14.2-1"),
                );
            }
        }
    }

    /// [MQTT-3.15.2-1]: "The sender of the AUTH Packet MUST use one of the
    /// Authenticate Reason Codes."
    #[test]
    fn mqtt_3_15_2_1_auth_reason_code_not_allowed() {
        for code in [0x01, 0x04, 0x80, 0x87, 0x8C, 0xFF] {
            expect(
                &frame(0xF0, &cat(&[&[code], &props(&p_str(0x15, b"m"))])),
                V5,
                ErrorKind::InvalidReasonCode(PacketType::Auth, code),
                MALFORMED,
                Some("MQTT-3.15.2-1"),
            );
        }
        for code in [0x00, 0x18, 0x19] {
            decode_ok(
                &frame(0xF0, &cat(&[&[code], &props(&p_str(0x15, b"m"))])),
                V5,
            );
        }
    }

    // ---- Trailing bytes ----

    #[test]
    fn trailing_bytes_after_a_complete_packet_are_malformed() {
        for bytes in [
            frame(0xC0, &[0]),
            frame(0xD0, &[0, 0]),
            frame(0x20, &[0, 0, 0, 0xAA]),
            frame(0x40, &[0, 1, 0, 0, 0xAA]),
            frame(0x62, &[0, 1, 0x92, 0, 0]),
            frame(0xE0, &[0, 0, 0xAA]),
            frame(0xF0, &[0x18, 0, 0xAA]),
        ] {
            expect(&bytes, V5, ErrorKind::TrailingBytes, MALFORMED, None);
        }
    }

    // ---- Maximum Packet Size ----

    #[test]
    fn packet_too_large_from_the_fixed_header_alone() {
        // Only the first 5 bytes: type and a 4-byte Remaining Length.
        let header = [0x30, 0xFF, 0xFF, 0xFF, 0x7F];
        for version in [V5, NONE] {
            let err = decode_with_max(&header, version, 1024).unwrap_err();
            check(
                err,
                ErrorKind::PacketTooLarge {
                    size: 268_435_455 + 5,
                    max: 1024,
                },
                PACKET_TOO_LARGE,
                Some("MQTT-3.2.2-15"),
            );
        }
        let err = FixedHeader::parse(&header, 1024, ProtocolVersion::V5).unwrap_err();
        assert_eq!(err.reason_code().as_u8(), PACKET_TOO_LARGE);
    }

    #[test]
    fn packet_too_large_at_the_exact_limit() {
        // Remaining Length 128 (two bytes): the packet is 131 bytes.
        let header = [0x30, 0x80, 0x01];
        assert_eq!(decode_with_max(&header, V5, 131), Ok(None));
        check(
            decode_with_max(&header, V5, 130).unwrap_err(),
            ErrorKind::PacketTooLarge {
                size: 131,
                max: 130,
            },
            PACKET_TOO_LARGE,
            Some("MQTT-3.2.2-15"),
        );
        // A CONNECT before the version is known: 2 bytes are enough.
        check(
            decode_with_max(&[0x10, 0x7F], NONE, 100).unwrap_err(),
            ErrorKind::PacketTooLarge {
                size: 129,
                max: 100,
            },
            PACKET_TOO_LARGE,
            Some("MQTT-3.2.2-15"),
        );
    }

    // ---- Truncation at every field boundary ----

    #[test]
    fn every_prefix_of_connect_is_rejected() {
        let properties = cat(&[
            &p_u32(0x11, 30),
            &p_u16(0x21, 10),
            &p_pair(b"k", b"v"),
            &p_str(0x15, b"SCRAM"),
            &p_str(0x16, b"data"),
        ]);
        let will = cat(&[&p_u32(0x18, 5), &p_byte(0x01, 1), &p_str(0x08, b"r/t")]);
        let payload = cat(&[
            &s(b"client"),
            &props(&will),
            &s(b"will/t"),
            &s(b"bye"),
            &s(b"user"),
            &s(b"pass"),
        ]);
        let body = connect_body(b"MQTT", 5, 0xEE, &cat(&[&props(&properties), &payload]));
        assert_prefixes_rejected(0x10, &body, NONE, 0..body.len(), None);
    }

    #[test]
    fn every_prefix_of_publish_is_rejected() {
        let properties = cat(&[
            &p_byte(0x01, 1),
            &p_u32(0x02, 60),
            &p_u16(0x23, 3),
            &p_str(0x08, b"r/t"),
            &p_str(0x09, b"corr"),
            &p_pair(b"k", b"v"),
            &p_vbi(0x0B, 300),
            &p_str(0x03, b"text"),
        ]);
        let body = cat(&[&s(b"a/b"), &[0, 7], &props(&properties)]);
        assert_prefixes_rejected(0x3B, &body, V5, 0..body.len(), None);
    }

    #[test]
    fn every_prefix_of_subscribe_is_rejected() {
        let properties = props(&cat(&[&p_vbi(0x0B, 20_000), &p_pair(b"k", b"v")]));
        let body = cat(&[&[0, 9], &properties, &s(b"a/+/#"), &[0x2E]]);
        let after_props = 2 + properties.len();
        assert_prefixes_rejected(
            0x82,
            &body,
            V5,
            0..body.len(),
            Some((after_props, ErrorKind::EmptySubscribe)),
        );
    }

    #[test]
    fn every_prefix_of_unsubscribe_is_rejected() {
        let properties = props(&p_pair(b"k", b"v"));
        let body = cat(&[&[0, 9], &properties, &s(b"a/b")]);
        let after_props = 2 + properties.len();
        assert_prefixes_rejected(
            0xA2,
            &body,
            V5,
            0..body.len(),
            Some((after_props, ErrorKind::EmptyUnsubscribe)),
        );
    }

    #[test]
    fn every_prefix_of_connack_is_rejected() {
        let properties = cat(&[
            &p_u32(0x11, 30),
            &p_u16(0x21, 10),
            &p_byte(0x24, 1),
            &p_str(0x12, b"assigned"),
            &p_u16(0x13, 30),
            &p_pair(b"k", b"v"),
        ]);
        let body = cat(&[&[1, 0], &props(&properties)]);
        assert_prefixes_rejected(0x20, &body, V5, 0..body.len(), None);
    }

    #[test]
    fn every_prefix_of_acknowledgement_properties_is_rejected() {
        // PUBACK: 2 bytes (bare) and 3 bytes (reason only) are valid short forms.
        let body = cat(&[
            &[0, 5, 0x10],
            &props(&cat(&[&p_str(0x1F, b"why"), &p_pair(b"k", b"v")])),
        ]);
        assert_prefixes_rejected(0x40, &body, V5, (0..2).chain(4..body.len()), None);
        // SUBACK: prefixes up to the first reason code.
        let properties = props(&p_str(0x1F, b"r"));
        let body = cat(&[&[0, 9], &properties, &[0, 1, 2]]);
        let after_props = 2 + properties.len();
        assert_prefixes_rejected(
            0x90,
            &body,
            V5,
            0..=after_props,
            Some((after_props, ErrorKind::EmptyAck)),
        );
        // DISCONNECT and AUTH: 0 and 1 bytes are valid short forms.
        let body = cat(&[
            &[0x04],
            &props(&cat(&[&p_u32(0x11, 0), &p_str(0x1F, b"bye")])),
        ]);
        assert_prefixes_rejected(0xE0, &body, V5, 2..body.len(), None);
        let body = cat(&[
            &[0x18],
            &props(&cat(&[&p_str(0x15, b"SCRAM"), &p_str(0x16, b"xyz")])),
        ]);
        assert_prefixes_rejected(0xF0, &body, V5, 2..body.len(), None);
    }
}

// ===========================================================================
// MQTT 3.1.1
// ===========================================================================

mod v311 {
    use super::*;

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
}

// ===========================================================================
// MQTT 3.1
// ===========================================================================

mod v31 {
    use super::*;

    #[test]
    fn mqisdp_level_3_connect_is_accepted() {
        let Packet::Connect(c) = decode_ok(&connect_v31(0x02, &s(b"c")), NONE) else {
            panic!("not a CONNECT");
        };
        assert_eq!(c.protocol, ProtocolVersion::V3_1);
    }

    #[test]
    fn mqtt_name_with_level_3_is_unsupported() {
        expect(
            &frame(0x10, &connect_body(b"MQTT", 3, 0x02, &s(b"c"))),
            NONE,
            ErrorKind::UnsupportedProtocolLevel(3),
            UNSUPPORTED_PROTOCOL_VERSION,
            Some("MQTT-3.1.2-2"),
        );
    }

    #[test]
    fn connect_reserved_flag() {
        expect(
            &connect_v31(0x03, &s(b"c")),
            NONE,
            ErrorKind::ConnectReservedFlag,
            MALFORMED,
            Some("MQTT-3.1.2-3"),
        );
    }

    #[test]
    fn dup_on_pubrel_subscribe_unsubscribe_is_tolerated_but_other_flags_are_not() {
        for t in [
            PacketType::PubRel,
            PacketType::Subscribe,
            PacketType::Unsubscribe,
        ] {
            let body = valid_body(t, ProtocolVersion::V3_1);
            decode_ok(&frame(((t as u8) << 4) | 0b1010, &body), V31);
            for flags in [0b0000, 0b0011, 0b0110, 0b1000] {
                expect_kind(
                    &frame(((t as u8) << 4) | flags, &body),
                    V31,
                    ErrorKind::InvalidFixedHeaderFlags(t, flags),
                    MALFORMED,
                );
            }
        }
    }

    #[test]
    fn publish_qos_3_is_malformed() {
        expect(
            &frame(0x36, &cat(&[&s(b"t"), &[0, 1]])),
            V31,
            ErrorKind::InvalidPublishQos,
            MALFORMED,
            Some("MQTT-3.3.1-4"),
        );
    }

    #[test]
    fn invalid_utf8_and_null_in_strings() {
        expect(
            &connect_v31(0x02, &s(b"\xED\xA0\x80")),
            NONE,
            ErrorKind::InvalidUtf8,
            MALFORMED,
            Some("MQTT-1.5.3-1"),
        );
        expect(
            &frame(0x30, &s(b"a\0")),
            V31,
            ErrorKind::NullCharacter,
            MALFORMED,
            Some("MQTT-1.5.3-2"),
        );
    }

    #[test]
    fn connack_return_code_6_is_reserved() {
        expect(
            &frame(0x20, &[0, 6]),
            V31,
            ErrorKind::InvalidConnectReturnCode(6),
            MALFORMED,
            None,
        );
    }

    #[test]
    fn auth_packet_type_15_is_reserved() {
        expect(
            &[0xF0, 0x00],
            V31,
            ErrorKind::ReservedPacketType(15),
            MALFORMED,
            None,
        );
    }
}
