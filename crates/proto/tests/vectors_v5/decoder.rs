//! The stateful `Decoder`, and the data representation rules of section 1.5.

use midge_proto::bytes::{Bytes, BytesMut};
use midge_proto::{
    Auth, Decoder, Disconnect, ErrorKind, Packet, PacketType, PubResponse, Publish, ReasonCode,
    TopicName,
};

use crate::common::{MAX, V5, assert_vector, decode_err, pid, topic, try_decode};

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
