//! Helpers shared by the `v5`, `v311` and `v31` tests: building packets,
//! decoding them and checking the errors.

use midge_proto::bytes::BytesMut;
use midge_proto::{DecodeError, ErrorKind, Packet, PacketType, ProtocolVersion, codec};

/// Maximum packet size used unless a test is about the limit.
pub(crate) const MAX: u32 = 1 << 20;

pub(crate) const V5: Option<ProtocolVersion> = Some(ProtocolVersion::V5);
pub(crate) const V311: Option<ProtocolVersion> = Some(ProtocolVersion::V3_1_1);
pub(crate) const V31: Option<ProtocolVersion> = Some(ProtocolVersion::V3_1);
/// A Server before CONNECT: the version is not known yet.
pub(crate) const NONE: Option<ProtocolVersion> = None;

pub(crate) const MALFORMED: u8 = 0x81;
pub(crate) const PROTOCOL_ERROR: u8 = 0x82;
pub(crate) const UNSUPPORTED_PROTOCOL_VERSION: u8 = 0x84;
pub(crate) const TOPIC_FILTER_INVALID: u8 = 0x8F;
pub(crate) const TOPIC_NAME_INVALID: u8 = 0x90;
pub(crate) const TOPIC_ALIAS_INVALID: u8 = 0x94;
pub(crate) const PACKET_TOO_LARGE: u8 = 0x95;

// ---------------------------------------------------------------------------
// Building packets
// ---------------------------------------------------------------------------

/// Appends `v` as a minimal Variable Byte Integer.
pub(crate) fn put_vbi(out: &mut Vec<u8>, mut v: u32) {
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
pub(crate) fn vbi(v: u32) -> Vec<u8> {
    let mut out = Vec::new();
    put_vbi(&mut out, v);
    out
}

/// A whole packet: `first` byte (type and flags), minimal Remaining Length, `body`.
pub(crate) fn frame(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    put_vbi(&mut out, u32::try_from(body.len()).unwrap());
    out.extend_from_slice(body);
    out
}

/// Concatenates fields.
pub(crate) fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A UTF-8 Encoded String or Binary Data field: two-byte length, then the bytes.
pub(crate) fn s(data: &[u8]) -> Vec<u8> {
    let mut out = u16::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(data);
    out
}

/// A property block: Property Length, then the properties.
pub(crate) fn props(content: &[u8]) -> Vec<u8> {
    cat(&[&vbi(u32::try_from(content.len()).unwrap()), content])
}

/// A Byte property.
pub(crate) fn p_byte(id: u8, v: u8) -> Vec<u8> {
    vec![id, v]
}

/// A Two Byte Integer property.
pub(crate) fn p_u16(id: u8, v: u16) -> Vec<u8> {
    cat(&[&[id], &v.to_be_bytes()])
}

/// A Four Byte Integer property.
pub(crate) fn p_u32(id: u8, v: u32) -> Vec<u8> {
    cat(&[&[id], &v.to_be_bytes()])
}

/// A Variable Byte Integer property.
pub(crate) fn p_vbi(id: u8, v: u32) -> Vec<u8> {
    cat(&[&[id], &vbi(v)])
}

/// A UTF-8 string or Binary Data property.
pub(crate) fn p_str(id: u8, v: &[u8]) -> Vec<u8> {
    cat(&[&[id], &s(v)])
}

/// A User Property.
pub(crate) fn p_pair(k: &[u8], v: &[u8]) -> Vec<u8> {
    cat(&[&[0x26], &s(k), &s(v)])
}

/// A CONNECT body: protocol name, level, connect flags, keep alive 60, then
/// `rest` (the properties for 5.0, then the payload).
pub(crate) fn connect_body(name: &[u8], level: u8, flags: u8, rest: &[u8]) -> Vec<u8> {
    cat(&[&s(name), &[level, flags, 0, 60], rest])
}

/// An MQTT 5.0 CONNECT with the given flags, CONNECT properties and payload.
pub(crate) fn connect_v5(flags: u8, properties: &[u8], payload: &[u8]) -> Vec<u8> {
    frame(
        0x10,
        &connect_body(b"MQTT", 5, flags, &cat(&[&props(properties), payload])),
    )
}

/// An MQTT 3.1.1 CONNECT with the given flags and payload.
pub(crate) fn connect_v311(flags: u8, payload: &[u8]) -> Vec<u8> {
    frame(0x10, &connect_body(b"MQTT", 4, flags, payload))
}

/// An MQTT 3.1 CONNECT with the given flags and payload.
pub(crate) fn connect_v31(flags: u8, payload: &[u8]) -> Vec<u8> {
    frame(0x10, &connect_body(b"MQIsdp", 3, flags, payload))
}

/// An MQTT 5.0 CONNECT payload with a Will (Will Properties `will_props`).
pub(crate) fn will_payload_v5(will_props: &[u8], topic: &[u8]) -> Vec<u8> {
    cat(&[&s(b"c"), &props(will_props), &s(topic), &s(b"bye")])
}

/// An MQTT 5.0 PUBLISH (QoS 0) with the given topic and properties.
pub(crate) fn publish_v5(topic: &[u8], properties: &[u8]) -> Vec<u8> {
    frame(0x30, &cat(&[&s(topic), &props(properties), b"payload"]))
}

/// An MQTT 5.0 SUBSCRIBE (packet id 1) with the given properties and payload.
pub(crate) fn subscribe_v5(properties: &[u8], payload: &[u8]) -> Vec<u8> {
    frame(0x82, &cat(&[&[0, 1], &props(properties), payload]))
}

/// An MQTT 5.0 SUBSCRIBE for one filter with the given options byte.
pub(crate) fn subscribe_one_v5(filter: &[u8], options: u8) -> Vec<u8> {
    subscribe_v5(&[], &cat(&[&s(filter), &[options]]))
}

/// An MQTT 3.1.1 SUBSCRIBE (packet id 1) for one filter with the given QoS byte.
pub(crate) fn subscribe_one_v311(filter: &[u8], options: u8) -> Vec<u8> {
    frame(0x82, &cat(&[&[0, 1], &s(filter), &[options]]))
}

/// A body that decodes cleanly as packet type `t` in `version` (with the
/// required fixed-header flags).
pub(crate) fn valid_body(t: PacketType, version: ProtocolVersion) -> Vec<u8> {
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
pub(crate) fn all_types() -> Vec<PacketType> {
    (1..=15).filter_map(PacketType::from_nibble).collect()
}

// ---------------------------------------------------------------------------
// Decoding and checking
// ---------------------------------------------------------------------------

pub(crate) fn decode_with_max(
    bytes: &[u8],
    version: Option<ProtocolVersion>,
    max: u32,
) -> Result<Option<Packet>, DecodeError> {
    let mut buf = BytesMut::from(bytes);
    codec::decode(&mut buf, version, max)
}

pub(crate) fn decode(
    bytes: &[u8],
    version: Option<ProtocolVersion>,
) -> Result<Option<Packet>, DecodeError> {
    decode_with_max(bytes, version, MAX)
}

/// Decodes a complete packet that must be rejected.
#[track_caller]
pub(crate) fn decode_err(bytes: &[u8], version: Option<ProtocolVersion>) -> DecodeError {
    match decode(bytes, version) {
        Err(e) => e,
        Ok(p) => panic!("expected an error for {bytes:02X?} ({version:?}), got {p:?}"),
    }
}

/// Decodes a complete packet that must be accepted.
#[track_caller]
pub(crate) fn decode_ok(bytes: &[u8], version: Option<ProtocolVersion>) -> Packet {
    match decode(bytes, version) {
        Ok(Some(p)) => p,
        Ok(None) => panic!("{bytes:02X?} is incomplete"),
        Err(e) => panic!("{bytes:02X?} ({version:?}) rejected: {e}"),
    }
}

/// Asserts kind, reason code, rule, and that Display names the rule.
#[track_caller]
pub(crate) fn check(err: DecodeError, kind: ErrorKind, reason: u8, rule: Option<&str>) {
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
pub(crate) fn expect(
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
pub(crate) fn expect_kind(
    bytes: &[u8],
    version: Option<ProtocolVersion>,
    kind: ErrorKind,
    reason: u8,
) {
    let err = decode_err(bytes, version);
    assert_eq!(err.kind(), kind, "kind of `{err}`");
    assert_eq!(err.reason_code().as_u8(), reason, "reason code of `{err}`");
}

/// Decodes every strict prefix of `body` (with the Remaining Length fixed up to
/// the prefix) for each `k` in `lens`; each must fail with `Truncated`, or with
/// `at_boundary` when `k == boundary.0`. Also checks that every prefix of the
/// complete wire bytes is merely incomplete.
#[track_caller]
pub(crate) fn assert_prefixes_rejected(
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
pub(crate) fn v5_string_positions(
    bad: &[u8],
) -> Vec<(&'static str, Option<ProtocolVersion>, Vec<u8>)> {
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
pub(crate) fn v311_string_positions(
    bad: &[u8],
) -> Vec<(&'static str, Option<ProtocolVersion>, Vec<u8>)> {
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
pub(crate) fn expect_everywhere(
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
pub(crate) const ILL_FORMED: &[&[u8]] = &[
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
pub(crate) const SURROGATES: &[&[u8]] = &[b"\xED\xA0\x80", b"a/\xED\xBF\xBF", b"\xED\xB2\x80x"];

/// Overlong encodings, including the "modified UTF-8" NUL (0xC0 0x80).
pub(crate) const OVERLONG: &[&[u8]] = &[
    b"\xC0\xAF",
    b"\xC1\xBF",
    b"\xE0\x80\xAF",
    b"\xF0\x80\x80\xAF",
    b"\xC0\x80",
];

/// Strings holding U+0000.
pub(crate) const NULLS: &[&[u8]] = &[b"\0", b"a\0b", b"a/b\0"];
