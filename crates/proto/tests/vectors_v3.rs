//! Byte-exact test vectors for MQTT 3.1.1 (protocol level 4) and MQTT 3.1
//! (protocol level 3, protocol name `MQIsdp`).
//!
//! Every expected byte string below was written by hand from the packet layouts of
//! the MQTT 3.1.1 specification (section 3.x "Fixed header", "Variable header" and
//! "Payload" figures), never produced by running the encoder. Each vector is
//! checked in both directions: the bytes decode to the expected [`Packet`], and
//! that packet encodes to exactly the bytes.
//!
//! Normative statement IDs in comments (`[MQTT-x.y.z-n]`) are MQTT 3.1.1 IDs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::num::{NonZeroU16, NonZeroU32};

use bytes::{Bytes, BytesMut};
use midge_proto::codec::{self, Frame};
use midge_proto::property::{
    AckProperties, ConnAckProperties, ConnectProperties, DisconnectProperties, PublishProperties,
    SubscribeProperties, UnsubscribeProperties, WillProperties,
};
use midge_proto::{
    Auth, ConnAck, Connect, DecodeError, Decoder, Disconnect, EncodeError, ErrorKind, FixedHeader,
    Packet, PacketType, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode, RetainHandling,
    SubAck, Subscribe, SubscriptionOptions, TopicFilter, TopicName, UnsubAck, Unsubscribe, Will,
};

const V31: ProtocolVersion = ProtocolVersion::V3_1;
const V311: ProtocolVersion = ProtocolVersion::V3_1_1;
const MAX: u32 = 1 << 20;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn pid(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).unwrap()
}

fn topic(s: &'static str) -> TopicName {
    TopicName::new(s).unwrap()
}

fn filter(s: &'static str) -> TopicFilter {
    TopicFilter::new(s).unwrap()
}

/// Decodes exactly one packet from `bytes`, which must be consumed completely.
fn decode_one(bytes: &[u8], version: Option<ProtocolVersion>) -> Packet {
    let mut buf = BytesMut::from(bytes);
    let packet = codec::decode(&mut buf, version, MAX)
        .unwrap_or_else(|e| panic!("decoding {bytes:02X?} failed: {e}"))
        .unwrap_or_else(|| panic!("decoding {bytes:02X?}: packet reported incomplete"));
    assert!(buf.is_empty(), "decode left {} bytes behind", buf.len());
    packet
}

/// Decodes `bytes` expecting an error.
fn decode_err(bytes: &[u8], version: Option<ProtocolVersion>) -> DecodeError {
    let mut buf = BytesMut::from(bytes);
    match codec::decode(&mut buf, version, MAX) {
        Err(e) => e,
        Ok(p) => panic!("decoding {bytes:02X?} should fail, got {p:?}"),
    }
}

/// Encodes `packet` for `version`.
fn encode(packet: &Packet, version: ProtocolVersion) -> Vec<u8> {
    let mut buf = BytesMut::new();
    packet
        .encode(version, &mut buf)
        .unwrap_or_else(|e| panic!("encoding {packet:?} failed: {e}"));
    assert_eq!(
        packet.encoded_len(version),
        buf.len(),
        "encoded_len disagrees with the bytes written"
    );
    buf.to_vec()
}

/// Encodes `packet` for `version` and checks the result is exactly `bytes`.
fn assert_encodes(packet: &Packet, version: ProtocolVersion, bytes: &[u8]) {
    let got = encode(packet, version);
    assert_eq!(
        got, bytes,
        "encoding for {version}\n got: {got:02X?}\nwant: {bytes:02X?}"
    );
}

/// Both directions: `bytes` decodes (on a connection of `version`) to `packet`,
/// and `packet` encodes for `version` to exactly `bytes`.
fn assert_vector(version: ProtocolVersion, bytes: &[u8], packet: &Packet) {
    let decoded = decode_one(bytes, Some(version));
    assert_eq!(&decoded, packet, "decoding {bytes:02X?} as {version}");
    assert_encodes(packet, version, bytes);
}

/// Both directions for a CONNECT, which is decoded before any version is known.
fn assert_connect_vector(bytes: &[u8], connect: Connect) {
    let version = connect.protocol;
    let packet = Packet::from(connect);
    assert_eq!(
        decode_one(bytes, None),
        packet,
        "decoding CONNECT {bytes:02X?}"
    );
    assert_encodes(&packet, version, bytes);
}

fn assert_kind(err: DecodeError, kind: ErrorKind, rule: Option<&str>) {
    assert_eq!(err.kind(), kind, "error kind for {err}");
    assert_eq!(err.rule(), rule, "normative statement for {err}");
}

fn connect_v311(client_id: &'static str) -> Connect {
    Connect::new(V311, client_id)
}

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
// CONNECT (MQTT 3.1, protocol name "MQIsdp", level 3)
// ---------------------------------------------------------------------------

#[test]
fn v31_connect_mqisdp_minimal() {
    let bytes = [
        0x10, 0x10, // Remaining Length 16 = 12 + 4
        0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', // Protocol Name "MQIsdp"
        0x03, // Protocol Version 3
        0x02, // Clean Session
        0x00, 0x3C, // Keep Alive 60
        0x00, 0x02, b'c', b'1', // Client Identifier
    ];
    let mut c = Connect::new(V31, "c1");
    c.keep_alive = 60;
    assert_connect_vector(&bytes, c);
}

#[test]
fn v31_connect_mqisdp_with_will_and_credentials() {
    // Flags: User | Password | Will Retain | Will QoS 1 | Will Flag | Clean = 0xEE.
    let bytes = [
        0x10, 0x1C, // Remaining Length 28 = 12 + 16
        0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0xEE, 0x00, 0x3C, 0x00, 0x02, b'c',
        b'1', // Client Identifier
        0x00, 0x01, b'a', // Will Topic
        0x00, 0x01, b'x', // Will Message
        0x00, 0x01, b'u', // User Name
        0x00, 0x01, b'p', // Password
    ];
    let mut c = Connect::new(V31, "c1");
    c.keep_alive = 60;
    c.will = Some(Will {
        topic: topic("a"),
        payload: Bytes::from_static(b"x"),
        qos: QoS::AtLeastOnce,
        retain: true,
        properties: WillProperties::default(),
    });
    c.username = Some("u".into());
    c.password = Some(Bytes::from_static(b"p"));
    assert_connect_vector(&bytes, c);
}

#[test]
fn v31_connect_password_flag_without_password_bytes_is_accepted() {
    // MQTT 3.1 leniency: the Password Flag is set but the payload ends after the
    // User Name. Decodes as "no password".
    let bytes = [
        0x10, 0x13, // Remaining Length 19 = 12 + 4 + 3
        0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0xC2, 0x00, 0x0A, 0x00, 0x02, b'c',
        b'1', // Client Identifier
        0x00, 0x01, b'u', // User Name, then nothing
    ];
    let mut c = Connect::new(V31, "c1");
    c.keep_alive = 10;
    c.username = Some("u".into());
    assert_eq!(decode_one(&bytes, None), Packet::from(c.clone()));

    // Re-encoding cannot express "flag without bytes": the flag is cleared (0x82).
    let reencoded = [
        0x10, 0x13, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0x82, 0x00, 0x0A, 0x00,
        0x02, b'c', b'1', 0x00, 0x01, b'u',
    ];
    assert_encodes(&Packet::from(c), V31, &reencoded);
}

#[test]
fn v31_connect_encodes_for_its_own_version_whatever_the_argument() {
    // A CONNECT is always encoded for the protocol it carries.
    let bytes = [
        0x10, 0x0F, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0x00, 0x00, 0x00, 0x00,
        0x01, b'z',
    ];
    let mut c = Connect::new(V31, "z");
    c.clean_start = false;
    let packet = Packet::from(c);
    assert_encodes(&packet, ProtocolVersion::V5, &bytes);
    assert_encodes(&packet, V311, &bytes);
    assert_eq!(decode_one(&bytes, None), packet);
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

// ---------------------------------------------------------------------------
// PUBLISH (3.1.1 section 3.3)
// ---------------------------------------------------------------------------

#[test]
fn v311_publish_qos0() {
    // [MQTT-2.3.1-5] no Packet Identifier at QoS 0; [MQTT-4.3.1-1] DUP 0.
    let bytes = [
        0x30, 0x0A, // PUBLISH, QoS 0, Remaining Length 10
        0x00, 0x03, b'a', b'/', b'b', // Topic Name
        b'h', b'e', b'l', b'l', b'o', // Payload
    ];
    let packet = Packet::from(Publish::new(topic("a/b"), "hello"));
    assert_vector(V311, &bytes, &packet);
    assert_vector(V31, &bytes, &packet);
}

#[test]
fn v311_publish_qos1_spec_example() {
    // Figure 3.11: Topic Name "a/b", Packet Identifier 10. [MQTT-2.3.1-1]
    let bytes = [
        0x32, 0x09, // PUBLISH, QoS 1, Remaining Length 9
        0x00, 0x03, 0x61, 0x2F, 0x62, // Topic Name
        0x00, 0x0A, // Packet Identifier 10
        b'h', b'i', // Payload
    ];
    let mut p = Publish::new(topic("a/b"), "hi");
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(pid(10));
    assert_vector(V311, &bytes, &Packet::from(p));
}

#[test]
fn v311_publish_qos1_dup() {
    // [MQTT-3.3.1-1] DUP 1 on re-delivery: flags 1010.
    let bytes = [0x3A, 0x07, 0x00, 0x01, b's', 0xFF, 0xFE, b'o', b'k'];
    let mut p = Publish::new(topic("s"), "ok");
    p.dup = true;
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(pid(0xFFFE));
    assert_vector(V311, &bytes, &Packet::from(p));
}

#[test]
fn v311_publish_qos2_dup_retain_binary_payload() {
    // Flags DUP 1, QoS 10, RETAIN 1 = 1101.
    let bytes = [
        0x3D, 0x0A, // Remaining Length 10 = 5 + 2 + 3
        0x00, 0x03, b'x', b'/', b'y', // Topic Name
        0x12, 0x34, // Packet Identifier 0x1234
        0x00, 0x01, 0xFF, // Payload
    ];
    let mut p = Publish::new(topic("x/y"), Bytes::from_static(&[0x00, 0x01, 0xFF]));
    p.dup = true;
    p.qos = QoS::ExactlyOnce;
    p.retain = true;
    p.packet_id = Some(pid(0x1234));
    assert_vector(V311, &bytes, &Packet::from(p));
}

#[test]
fn v311_publish_retained_empty_payload() {
    // [MQTT-3.3.1-10] a zero-byte retained message: Remaining Length covers only
    // the Topic Name.
    let bytes = [0x31, 0x05, 0x00, 0x03, b'a', b'/', b'b'];
    let mut p = Publish::new(topic("a/b"), Bytes::new());
    p.retain = true;
    assert_vector(V311, &bytes, &Packet::from(p));
}

#[test]
fn v311_publish_two_byte_remaining_length() {
    // 2.2.3: Remaining Length 203 = 0x4B + 1 * 128, encoded 0xCB 0x01.
    let mut bytes = vec![0x30, 0xCB, 0x01, 0x00, 0x01, b't'];
    bytes.extend_from_slice(&[0x5A; 200]);
    let packet = Packet::from(Publish::new(topic("t"), vec![0x5A; 200]));
    assert_vector(V311, &bytes, &packet);

    let header = FixedHeader::parse(&bytes, MAX, V311).unwrap().unwrap();
    assert_eq!(header.packet_type, PacketType::Publish);
    assert_eq!(header.flags, 0);
    assert_eq!(header.remaining_length, 203);
    assert_eq!(header.header_len, 3);
    assert_eq!(header.packet_len(), 206);
}

#[test]
fn v311_publish_topic_keeps_bom_and_utf8() {
    // [MQTT-1.5.3-3] EF BB BF is U+FEFF and must not be stripped.
    let bytes = [
        0x30, 0x0A, // Remaining Length 10 = 2 + 7 + 1
        0x00, 0x07, 0xEF, 0xBB, 0xBF, b'/', 0xC3, 0xA9, b'x', // "\u{FEFF}/éx"
        b'!', // Payload
    ];
    let packet = Packet::from(Publish::new(topic("\u{FEFF}/\u{e9}x"), "!"));
    assert_vector(V311, &bytes, &packet);
}

#[test]
fn v311_publish_drops_v5_properties_when_encoding() {
    let bytes = [0x32, 0x08, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x07, b'!'];
    let mut p = Publish::new(topic("a/b"), "!");
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(pid(7));
    p.properties = PublishProperties {
        payload_format_indicator: Some(true),
        message_expiry_interval: Some(60),
        response_topic: Some(topic("r")),
        correlation_data: Some(Bytes::from_static(b"cd")),
        user_properties: vec![("k".into(), "v".into())],
        subscription_identifiers: vec![NonZeroU32::new(5).unwrap()],
        content_type: Some("text/plain".into()),
        topic_alias: None,
    };
    assert_encodes(&Packet::from(p.clone()), V311, &bytes);
    p.properties = PublishProperties::default();
    assert_eq!(decode_one(&bytes, Some(V311)), Packet::from(p));
}

#[test]
fn v311_publish_malformed_flags_and_topics() {
    // [MQTT-3.3.1-4] both QoS bits set.
    assert_kind(
        decode_err(&[0x36, 0x05, 0x00, 0x01, b'a', 0x00, 0x01], Some(V311)),
        ErrorKind::InvalidPublishQos,
        Some("MQTT-3.3.1-4"),
    );
    // [MQTT-3.3.1-2] DUP must be 0 at QoS 0 in 3.1.1.
    assert_kind(
        decode_err(&[0x38, 0x03, 0x00, 0x01, b'a'], Some(V311)),
        ErrorKind::DupWithQos0,
        Some("MQTT-3.3.1-2"),
    );
    // [MQTT-3.3.2-2] [MQTT-4.7.1-1] no wildcards in a Topic Name.
    assert_kind(
        decode_err(&[0x30, 0x05, 0x00, 0x03, b'a', b'/', b'+'], Some(V311)),
        ErrorKind::TopicNameWildcard,
        Some("MQTT-3.3.2-2"),
    );
    assert_kind(
        decode_err(&[0x30, 0x03, 0x00, 0x01, b'#'], Some(V311)),
        ErrorKind::TopicNameWildcard,
        Some("MQTT-3.3.2-2"),
    );
    // [MQTT-4.7.3-1] Topic Names are at least one character long.
    assert_kind(
        decode_err(&[0x30, 0x03, 0x00, 0x00, b'x'], Some(V311)),
        ErrorKind::EmptyTopic,
        Some("MQTT-4.7.3-1"),
    );
    // [MQTT-2.3.1-1] QoS > 0 requires a non-zero Packet Identifier.
    assert_kind(
        decode_err(&[0x32, 0x05, 0x00, 0x01, b'a', 0x00, 0x00], Some(V311)),
        ErrorKind::ZeroPacketId,
        Some("MQTT-2.3.1-1"),
    );
    // Packet Identifier cut short by the Remaining Length.
    assert_eq!(
        decode_err(&[0x34, 0x04, 0x00, 0x01, b'a', 0x00], Some(V311)).kind(),
        ErrorKind::Truncated
    );
}

#[test]
fn v31_publish_qos0_with_dup_is_accepted() {
    // MQTT 3.1 leniency: DUP on a QoS 0 PUBLISH is tolerated (and kept).
    let bytes = [0x38, 0x04, 0x00, 0x01, b'a', b'z'];
    let mut p = Publish::new(topic("a"), "z");
    p.dup = true;
    assert_vector(V31, &bytes, &Packet::from(p));
}

// ---------------------------------------------------------------------------
// PUBACK, PUBREC, PUBREL, PUBCOMP (3.1.1 sections 3.4 to 3.7)
// ---------------------------------------------------------------------------

#[test]
fn v311_pub_responses() {
    // Figures 3.12 to 3.17: fixed header, Remaining Length 2, Packet Identifier.
    // PUBREL's fixed header flags are 0010 [MQTT-3.6.1-1]. [MQTT-2.3.1-6]
    let r = PubResponse::new(pid(10));
    for v in [V311, V31] {
        assert_vector(v, &[0x40, 0x02, 0x00, 0x0A], &Packet::PubAck(r.clone()));
        assert_vector(v, &[0x50, 0x02, 0x00, 0x0A], &Packet::PubRec(r.clone()));
        assert_vector(v, &[0x62, 0x02, 0x00, 0x0A], &Packet::PubRel(r.clone()));
        assert_vector(v, &[0x70, 0x02, 0x00, 0x0A], &Packet::PubComp(r.clone()));
    }
    let high = PubResponse::new(pid(0xABCD));
    assert_vector(V311, &[0x40, 0x02, 0xAB, 0xCD], &Packet::PubAck(high));
}

#[test]
fn v311_pub_response_v5_reason_and_properties_encode_as_packet_id_only() {
    let props = AckProperties {
        reason_string: Some("no one listening".into()),
        user_properties: vec![("a".into(), "b".into())],
    };
    let mut ack = PubResponse::with_reason(pid(0x0102), ReasonCode::NoMatchingSubscribers);
    ack.properties = props.clone();
    assert_encodes(
        &Packet::PubAck(ack.clone()),
        V311,
        &[0x40, 0x02, 0x01, 0x02],
    );
    assert_encodes(&Packet::PubRec(ack), V311, &[0x50, 0x02, 0x01, 0x02]);

    let mut rel = PubResponse::with_reason(pid(0x0102), ReasonCode::PacketIdentifierNotFound);
    rel.properties = props;
    assert_encodes(
        &Packet::PubRel(rel.clone()),
        V311,
        &[0x62, 0x02, 0x01, 0x02],
    );
    assert_encodes(&Packet::PubComp(rel), V31, &[0x70, 0x02, 0x01, 0x02]);

    // A failure code is also just dropped: 3.x has no way to carry it.
    let refused = PubResponse::with_reason(pid(3), ReasonCode::NotAuthorized);
    assert_encodes(&Packet::PubAck(refused), V311, &[0x40, 0x02, 0x00, 0x03]);
}

#[test]
fn v311_pub_response_has_no_reason_code_byte() {
    // 3.4.1: Remaining Length is 2 in 3.1.1; a third byte (a 5.0 reason code) is
    // not part of the packet.
    for first in [0x40, 0x50, 0x62, 0x70] {
        assert_eq!(
            decode_err(&[first, 0x03, 0x00, 0x0A, 0x10], Some(V311)).kind(),
            ErrorKind::TrailingBytes
        );
        assert_eq!(
            decode_err(&[first, 0x01, 0x00], Some(V311)).kind(),
            ErrorKind::Truncated
        );
    }
    // Packet Identifier 0 is never valid.
    assert_eq!(
        decode_err(&[0x40, 0x02, 0x00, 0x00], Some(V311)).kind(),
        ErrorKind::ZeroPacketId
    );
}

#[test]
fn v311_pubrel_fixed_header_flags_must_be_0010() {
    // [MQTT-3.6.1-1]
    for first in [0x60, 0x63, 0x6A] {
        assert_kind(
            decode_err(&[first, 0x02, 0x00, 0x0A], Some(V311)),
            ErrorKind::InvalidFixedHeaderFlags(PacketType::PubRel, first & 0x0F),
            Some("MQTT-3.6.1-1"),
        );
    }
    // PUBACK, PUBREC and PUBCOMP flags are reserved 0000. [MQTT-2.2.2-2]
    assert_kind(
        decode_err(&[0x42, 0x02, 0x00, 0x0A], Some(V311)),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::PubAck, 0x02),
        Some("MQTT-2.2.2-2"),
    );
}

#[test]
fn v31_pubrel_with_dup_bit_is_accepted() {
    // MQTT 3.1 leniency: PUBREL carried QoS 1 in its header and could carry DUP
    // (flags 1010). Re-encoding normalises to 0010.
    assert_eq!(
        decode_one(&[0x6A, 0x02, 0x00, 0x0A], Some(V31)),
        Packet::PubRel(PubResponse::new(pid(10)))
    );
    assert_encodes(
        &Packet::PubRel(PubResponse::new(pid(10))),
        V31,
        &[0x62, 0x02, 0x00, 0x0A],
    );
    // Only DUP is tolerated, not other reserved bits.
    assert_eq!(
        decode_err(&[0x60, 0x02, 0x00, 0x0A], Some(V31)).kind(),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::PubRel, 0x00)
    );
}

// ---------------------------------------------------------------------------
// SUBSCRIBE (3.1.1 section 3.8)
// ---------------------------------------------------------------------------

#[test]
fn v311_subscribe_spec_example() {
    // Figures 3.20, 3.21 (Packet Identifier 10) and 3.23 ("a/b" QoS 1, "c/d" QoS 2).
    let bytes = [
        0x82, 0x0E, // SUBSCRIBE, flags 0010, Remaining Length 14
        0x00, 0x0A, // Packet Identifier 10
        0x00, 0x03, b'a', b'/', b'b', 0x01, // "a/b", Requested QoS 1
        0x00, 0x03, b'c', b'/', b'd', 0x02, // "c/d", Requested QoS 2
    ];
    let packet = Packet::from(Subscribe::new(
        pid(10),
        vec![
            (filter("a/b"), SubscriptionOptions::new(QoS::AtLeastOnce)),
            (filter("c/d"), SubscriptionOptions::new(QoS::ExactlyOnce)),
        ],
    ));
    assert_vector(V311, &bytes, &packet);
    assert_vector(V31, &bytes, &packet);
}

#[test]
fn v311_subscribe_wildcard_filters() {
    // 4.7.1: "#" alone as the last level, "+" as a whole level. [MQTT-4.7.1-2]
    // [MQTT-4.7.1-3]
    let bytes = [
        0x82, 0x11, // Remaining Length 17 = 2 + 6 + 9
        0x00, 0x01, // Packet Identifier 1
        0x00, 0x03, b'a', b'/', b'#', 0x00, // "a/#" QoS 0
        0x00, 0x06, b'+', b'/', b'+', b'/', b'x', b'#', 0x01, // filter 6 bytes
    ];
    // "+/+/x#": '#' does not stand alone in its level.
    assert_kind(
        decode_err(&bytes, Some(V311)),
        ErrorKind::MultiLevelWildcardPosition,
        Some("MQTT-4.7.1-2"),
    );
    let ok = [
        0x82, 0x10, // Remaining Length 16 = 2 + 6 + 8
        0x00, 0x01, // Packet Identifier 1
        0x00, 0x03, b'a', b'/', b'#', 0x00, // "a/#" QoS 0
        0x00, 0x05, b'+', b'/', b'+', b'/', b'x', 0x01, // "+/+/x" QoS 1
    ];
    let packet = Packet::from(Subscribe::new(
        pid(1),
        vec![
            (filter("a/#"), SubscriptionOptions::new(QoS::AtMostOnce)),
            (filter("+/+/x"), SubscriptionOptions::new(QoS::AtLeastOnce)),
        ],
    ));
    assert_vector(V311, &ok, &packet);
    // "a+" does not occupy a whole level.
    assert_kind(
        decode_err(
            &[0x82, 0x07, 0x00, 0x01, 0x00, 0x02, b'a', b'+', 0x00],
            Some(V311),
        ),
        ErrorKind::SingleLevelWildcardPosition,
        Some("MQTT-4.7.1-3"),
    );
}

#[test]
fn v311_subscribe_drops_v5_options_and_properties() {
    // 3.8.3: in 3.1.1 the byte after each filter is the Requested QoS; bits 7-2
    // are reserved. No Local, Retain As Published, Retain Handling and the
    // SUBSCRIBE properties are not encoded.
    let bytes = [0x82, 0x08, 0x01, 0x00, 0x00, 0x03, b'$', b'/', b'x', 0x02];
    let opts = SubscriptionOptions {
        qos: QoS::ExactlyOnce,
        no_local: true,
        retain_as_published: true,
        retain_handling: RetainHandling::DoNotSend,
    };
    let mut sub = Subscribe::new(pid(0x0100), vec![(filter("$/x"), opts)]);
    sub.properties = SubscribeProperties {
        subscription_identifier: NonZeroU32::new(42),
        user_properties: vec![("k".into(), "v".into())],
    };
    assert_encodes(&Packet::from(sub), V311, &bytes);
    let plain = Subscribe::new(
        pid(0x0100),
        vec![(filter("$/x"), SubscriptionOptions::new(QoS::ExactlyOnce))],
    );
    assert_eq!(decode_one(&bytes, Some(V311)), Packet::from(plain));
}

#[test]
fn v311_subscribe_shared_syntax_is_a_plain_filter() {
    // 3.1.1 has no shared subscriptions: "$share/g" is an ordinary filter, even
    // though 5.0 would reject it as an incomplete shared subscription.
    let bytes = [
        0x82, 0x0D, 0x00, 0x05, 0x00, 0x08, b'$', b's', b'h', b'a', b'r', b'e', b'/', b'g', 0x00,
    ];
    let packet = Packet::from(Subscribe::new(
        pid(5),
        vec![(filter("$share/g"), SubscriptionOptions::default())],
    ));
    assert_vector(V311, &bytes, &packet);
}

#[test]
fn v311_subscribe_malformed() {
    // [MQTT-3.8.3-4] reserved bits of the Requested QoS byte.
    for byte in [0x04, 0x08, 0x10, 0x80] {
        assert_kind(
            decode_err(
                &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', byte],
                Some(V311),
            ),
            ErrorKind::SubscriptionOptionsReserved,
            Some("MQTT-3.8.3-4"),
        );
    }
    // [MQTT-3.8.3-4] QoS 3.
    assert_kind(
        decode_err(
            &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x03],
            Some(V311),
        ),
        ErrorKind::InvalidSubscriptionQos,
        Some("MQTT-3.8.3-4"),
    );
    // [MQTT-3.8.3-3] at least one Topic Filter / QoS pair.
    assert_kind(
        decode_err(&[0x82, 0x02, 0x00, 0x01], Some(V311)),
        ErrorKind::EmptySubscribe,
        Some("MQTT-3.8.3-3"),
    );
    // A filter without its QoS byte.
    assert_eq!(
        decode_err(&[0x82, 0x05, 0x00, 0x01, 0x00, 0x01, b'a'], Some(V311)).kind(),
        ErrorKind::Truncated
    );
    // [MQTT-2.3.1-1] non-zero Packet Identifier.
    assert_kind(
        decode_err(
            &[0x82, 0x06, 0x00, 0x00, 0x00, 0x01, b'a', 0x00],
            Some(V311),
        ),
        ErrorKind::ZeroPacketId,
        Some("MQTT-2.3.1-1"),
    );
    // [MQTT-3.8.1-1] fixed header flags must be 0010.
    for first in [0x80, 0x83, 0x8A] {
        assert_kind(
            decode_err(
                &[first, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x00],
                Some(V311),
            ),
            ErrorKind::InvalidFixedHeaderFlags(PacketType::Subscribe, first & 0x0F),
            Some("MQTT-3.8.1-1"),
        );
    }
}

#[test]
fn v31_subscribe_and_unsubscribe_with_dup_bit_are_accepted() {
    // MQTT 3.1 leniency: SUBSCRIBE and UNSUBSCRIBE carried QoS 1 and could carry
    // DUP (flags 1010); re-encoding normalises to 0010.
    let sub = Packet::from(Subscribe::new(
        pid(2),
        vec![(filter("a"), SubscriptionOptions::new(QoS::AtLeastOnce))],
    ));
    assert_eq!(
        decode_one(&[0x8A, 0x06, 0x00, 0x02, 0x00, 0x01, b'a', 0x01], Some(V31)),
        sub
    );
    assert_encodes(&sub, V31, &[0x82, 0x06, 0x00, 0x02, 0x00, 0x01, b'a', 0x01]);

    let unsub = Packet::from(Unsubscribe::new(pid(2), vec![filter("a")]));
    assert_eq!(
        decode_one(&[0xAA, 0x05, 0x00, 0x02, 0x00, 0x01, b'a'], Some(V31)),
        unsub
    );
    assert_encodes(&unsub, V31, &[0xA2, 0x05, 0x00, 0x02, 0x00, 0x01, b'a']);
}

// ---------------------------------------------------------------------------
// SUBACK (3.1.1 section 3.9)
// ---------------------------------------------------------------------------

#[test]
fn v311_suback_return_codes_0_1_2_and_0x80() {
    // Figure 3.26: 0x00, 0x01, 0x02 granted QoS, 0x80 failure. [MQTT-3.9.3-1]
    let bytes = [
        0x90, 0x06, // SUBACK, Remaining Length 6
        0x00, 0x0A, // Packet Identifier 10
        0x00, 0x01, 0x02, 0x80, // return codes
    ];
    let packet = Packet::from(SubAck::new(
        pid(10),
        vec![
            ReasonCode::GRANTED_QOS_0,
            ReasonCode::GrantedQoS1,
            ReasonCode::GrantedQoS2,
            ReasonCode::UnspecifiedError,
        ],
    ));
    assert_vector(V311, &bytes, &packet);
    assert_vector(V31, &bytes, &packet);
    for (code, reason) in [
        (0x00, ReasonCode::Success),
        (0x01, ReasonCode::GrantedQoS1),
        (0x02, ReasonCode::GrantedQoS2),
        (0x80, ReasonCode::UnspecifiedError),
    ] {
        assert_eq!(ReasonCode::from_v3_suback(code), Some(reason));
        assert_eq!(reason.to_v3_suback(), code);
    }
}

#[test]
fn v311_suback_spec_example() {
    // Figure 3.27: Success QoS 0, Success QoS 2, Failure.
    let bytes = [0x90, 0x05, 0x12, 0x34, 0x00, 0x02, 0x80];
    let packet = Packet::from(SubAck::new(
        pid(0x1234),
        vec![
            ReasonCode::granted(QoS::AtMostOnce),
            ReasonCode::granted(QoS::ExactlyOnce),
            ReasonCode::UnspecifiedError,
        ],
    ));
    assert_vector(V311, &bytes, &packet);
}

#[test]
fn v311_suback_v5_failure_codes_become_0x80() {
    let failures = [
        ReasonCode::NotAuthorized,
        ReasonCode::TopicFilterInvalid,
        ReasonCode::QuotaExceeded,
        ReasonCode::ImplementationSpecificError,
        ReasonCode::PacketIdentifierInUse,
        ReasonCode::SharedSubscriptionsNotSupported,
        ReasonCode::SubscriptionIdentifiersNotSupported,
        ReasonCode::WildcardSubscriptionsNotSupported,
    ];
    let mut ack = SubAck::new(pid(1), failures.to_vec());
    ack.properties = AckProperties {
        reason_string: Some("nope".into()),
        user_properties: Vec::new(),
    };
    let bytes = [
        0x90, 0x0A, 0x00, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    ];
    assert_encodes(&Packet::from(ack), V311, &bytes);
    assert_eq!(
        decode_one(&bytes, Some(V311)),
        Packet::from(SubAck::new(pid(1), vec![ReasonCode::UnspecifiedError; 8]))
    );
}

#[test]
fn v311_suback_reserved_return_codes_are_rejected() {
    // [MQTT-3.9.3-2] codes other than 0x00, 0x01, 0x02, 0x80 are reserved,
    // including 5.0-only failure codes.
    for code in [0x03, 0x7F, 0x81, 0x87, 0x8F, 0xFF] {
        assert_kind(
            decode_err(&[0x90, 0x03, 0x00, 0x01, code], Some(V311)),
            ErrorKind::InvalidReasonCode(PacketType::SubAck, code),
            Some("MQTT-3.9.3-2"),
        );
    }
    // [MQTT-3.8.4-5] one return code per filter: a SUBACK without any is malformed.
    assert_eq!(
        decode_err(&[0x90, 0x02, 0x00, 0x01], Some(V311)).kind(),
        ErrorKind::EmptyAck
    );
}

// ---------------------------------------------------------------------------
// UNSUBSCRIBE and UNSUBACK (3.1.1 sections 3.10 and 3.11)
// ---------------------------------------------------------------------------

#[test]
fn v311_unsubscribe_spec_example() {
    // Figures 3.28, 3.29 and 3.30: Packet Identifier 10, filters "a/b" and "c/d".
    // [MQTT-3.10.3-1] filters packed contiguously.
    let bytes = [
        0xA2, 0x0C, // UNSUBSCRIBE, flags 0010, Remaining Length 12
        0x00, 0x0A, // Packet Identifier 10
        0x00, 0x03, b'a', b'/', b'b', // "a/b"
        0x00, 0x03, b'c', b'/', b'd', // "c/d"
    ];
    let packet = Packet::from(Unsubscribe::new(
        pid(10),
        vec![filter("a/b"), filter("c/d")],
    ));
    assert_vector(V311, &bytes, &packet);
    assert_vector(V31, &bytes, &packet);

    // UNSUBSCRIBE properties do not exist in 3.1.1.
    let mut with_props = Unsubscribe::new(pid(10), vec![filter("a/b"), filter("c/d")]);
    with_props.properties = UnsubscribeProperties {
        user_properties: vec![("k".into(), "v".into())],
    };
    assert_encodes(&Packet::from(with_props), V311, &bytes);
}

#[test]
fn v311_unsubscribe_malformed() {
    // [MQTT-3.10.3-2] at least one Topic Filter.
    assert_kind(
        decode_err(&[0xA2, 0x02, 0x00, 0x0A], Some(V311)),
        ErrorKind::EmptyUnsubscribe,
        Some("MQTT-3.10.3-2"),
    );
    // [MQTT-3.10.1-1] fixed header flags must be 0010.
    for first in [0xA0, 0xA3, 0xAA] {
        assert_kind(
            decode_err(&[first, 0x05, 0x00, 0x0A, 0x00, 0x01, b'a'], Some(V311)),
            ErrorKind::InvalidFixedHeaderFlags(PacketType::Unsubscribe, first & 0x0F),
            Some("MQTT-3.10.1-1"),
        );
    }
    // [MQTT-2.3.1-1] non-zero Packet Identifier.
    assert_kind(
        decode_err(&[0xA2, 0x05, 0x00, 0x00, 0x00, 0x01, b'a'], Some(V311)),
        ErrorKind::ZeroPacketId,
        Some("MQTT-2.3.1-1"),
    );
}

#[test]
fn v311_unsuback_has_no_payload() {
    // Figures 3.31 and 3.32: Remaining Length 2, Packet Identifier only.
    // [MQTT-3.10.4-4]
    let bytes = [0xB0, 0x02, 0x00, 0x0A];
    let packet = Packet::from(UnsubAck::new(pid(10), Vec::new()));
    assert_vector(V311, &bytes, &packet);
    assert_vector(V31, &bytes, &packet);

    // 5.0 reason codes and properties are not encoded in 3.1.1.
    let mut v5_ack = UnsubAck::new(
        pid(10),
        vec![ReasonCode::Success, ReasonCode::NoSubscriptionExisted],
    );
    v5_ack.properties.reason_string = Some("gone".into());
    assert_encodes(&Packet::from(v5_ack), V311, &bytes);

    // Anything after the Packet Identifier is not part of a 3.1.1 UNSUBACK.
    assert_eq!(
        decode_err(&[0xB0, 0x03, 0x00, 0x0A, 0x00], Some(V311)).kind(),
        ErrorKind::TrailingBytes
    );
}

// ---------------------------------------------------------------------------
// PINGREQ, PINGRESP, DISCONNECT (3.1.1 sections 3.12 to 3.14)
// ---------------------------------------------------------------------------

#[test]
fn v311_pingreq_and_pingresp() {
    // Figures 3.33 and 3.34. [MQTT-3.12.4-1]
    for v in [V311, V31] {
        assert_vector(v, &[0xC0, 0x00], &Packet::PingReq);
        assert_vector(v, &[0xD0, 0x00], &Packet::PingResp);
    }
    assert_eq!(
        decode_err(&[0xC0, 0x01, 0x00], Some(V311)).kind(),
        ErrorKind::TrailingBytes
    );
    assert_kind(
        decode_err(&[0xD2, 0x00], Some(V311)),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::PingResp, 0x02),
        Some("MQTT-2.2.2-2"),
    );
}

#[test]
fn v311_disconnect_has_no_body() {
    // Figure 3.35: Remaining Length 0; no variable header, no payload.
    for v in [V311, V31] {
        assert_vector(v, &[0xE0, 0x00], &Packet::from(Disconnect::default()));
    }
    // 5.0 reason codes and properties are dropped.
    let mut d = Disconnect::new(ReasonCode::ServerShuttingDown);
    d.properties = DisconnectProperties {
        reason_string: Some("bye".into()),
        server_reference: Some("other:1883".into()),
        ..DisconnectProperties::default()
    };
    assert_encodes(&Packet::from(d), V311, &[0xE0, 0x00]);
    assert_encodes(
        &Packet::from(Disconnect::new(ReasonCode::DisconnectWithWillMessage)),
        V311,
        &[0xE0, 0x00],
    );
    // A 5.0-style reason code byte is not part of a 3.1.1 DISCONNECT.
    assert_eq!(
        decode_err(&[0xE0, 0x01, 0x00], Some(V311)).kind(),
        ErrorKind::TrailingBytes
    );
}

#[test]
fn v311_disconnect_reserved_flags_are_rejected() {
    // [MQTT-3.14.1-1] the Server validates the reserved bits are zero.
    // [MQTT-2.2.2-2] invalid flags close the connection.
    let e = decode_err(&[0xE1, 0x00], Some(V311));
    assert_eq!(
        e.kind(),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::Disconnect, 0x01)
    );
    assert!(
        matches!(e.rule(), Some("MQTT-3.14.1-1" | "MQTT-2.2.2-2")),
        "rule {:?}",
        e.rule()
    );
}

#[test]
fn v311_auth_packet_type_is_reserved() {
    // Table 2.1: type 15 is reserved in 3.1.1; AUTH exists only in 5.0.
    assert_eq!(
        decode_err(&[0xF0, 0x00], Some(V311)).kind(),
        ErrorKind::ReservedPacketType(15)
    );
    assert_eq!(
        decode_err(&[0xF0, 0x00], Some(V31)).kind(),
        ErrorKind::ReservedPacketType(15)
    );
    // Type 0 is reserved in every version.
    assert_eq!(
        decode_err(&[0x00, 0x00], Some(V311)).kind(),
        ErrorKind::ReservedPacketType(0)
    );
    let mut buf = BytesMut::new();
    assert_eq!(
        Packet::from(Auth::new(ReasonCode::Success)).encode(V311, &mut buf),
        Err(EncodeError::NotInVersion(PacketType::Auth, V311))
    );
    assert!(buf.is_empty(), "nothing is appended on error");
}

// ---------------------------------------------------------------------------
// Connection-level behaviour
// ---------------------------------------------------------------------------

#[test]
fn v311_first_packet_must_be_connect() {
    // [MQTT-3.1.0-1] before CONNECT (version unknown) only CONNECT is accepted.
    assert_kind(
        decode_err(&[0xC0, 0x00], None),
        ErrorKind::FirstPacketNotConnect(PacketType::PingReq),
        Some("MQTT-3.1.0-1"),
    );
}

#[test]
fn v311_decoder_learns_version_from_connect() {
    let connect_v31 = [
        0x10, 0x0F, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0x02, 0x00, 0x00, 0x00,
        0x01, b'a',
    ];
    let connect_v311 = [
        0x10, 0x0D, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x00, 0x00, 0x01, b'a',
    ];
    let pubrel_dup = [0x6A, 0x02, 0x00, 0x0A];

    // A 3.1 connection then tolerates the 3.1 PUBREL DUP bit...
    let mut d = Decoder::new(MAX);
    let mut buf = BytesMut::from(&connect_v31[..]);
    buf.extend_from_slice(&pubrel_dup);
    assert!(matches!(d.decode(&mut buf), Ok(Some(Packet::Connect(_)))));
    assert_eq!(d.version(), Some(V31));
    assert_eq!(
        d.decode(&mut buf).unwrap(),
        Some(Packet::PubRel(PubResponse::new(pid(10))))
    );
    assert!(buf.is_empty());

    // ...and a 3.1.1 connection does not. [MQTT-3.6.1-1]
    let mut d = Decoder::new(MAX);
    let mut buf = BytesMut::from(&connect_v311[..]);
    buf.extend_from_slice(&pubrel_dup);
    assert!(matches!(d.decode(&mut buf), Ok(Some(Packet::Connect(_)))));
    assert_eq!(d.version(), Some(V311));
    let e = d.decode(&mut buf).unwrap_err();
    assert_eq!(e.version(), V311);
    assert_eq!(e.rule(), Some("MQTT-3.6.1-1"));
}

// ---------------------------------------------------------------------------
// Incremental decoding and zero-copy
// ---------------------------------------------------------------------------

/// Feeds `bytes` one byte at a time and checks that nothing decodes (and nothing
/// is consumed) until the last byte arrives.
fn feed_byte_by_byte(bytes: &[u8], version: Option<ProtocolVersion>) -> Packet {
    let mut buf = BytesMut::new();
    let (last, head) = bytes.split_last().unwrap();
    for (i, &b) in head.iter().enumerate() {
        buf.extend_from_slice(&[b]);
        let got = codec::decode(&mut buf, version, MAX);
        assert_eq!(got, Ok(None), "after {} of {} bytes", i + 1, bytes.len());
        assert_eq!(&buf[..], &bytes[..=i], "nothing consumed before completion");
        // While the fixed header is incomplete at least one more byte is needed;
        // once it is known, exactly the rest of the packet is.
        let want = match FixedHeader::parse(&buf, MAX, V311).unwrap() {
            None => Frame::Incomplete { at_least: 1 },
            Some(h) => {
                assert_eq!(h.packet_len(), bytes.len());
                Frame::Incomplete {
                    at_least: bytes.len() - buf.len(),
                }
            }
        };
        assert_eq!(codec::frame(&buf, MAX, V311).unwrap(), want);
    }
    buf.extend_from_slice(&[*last]);
    let packet = codec::decode(&mut buf, version, MAX)
        .unwrap()
        .expect("complete after the last byte");
    assert!(buf.is_empty());
    packet
}

#[test]
fn v311_incremental_connect_byte_by_byte() {
    let bytes = [
        0x10, 0x25, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xCE, 0x00, 0x0A, 0x00, 0x03, b'c',
        b'i', b'd', 0x00, 0x03, b'w', b'/', b't', 0x00, 0x03, b'b', b'y', b'e', 0x00, 0x04, b'u',
        b's', b'e', b'r', 0x00, 0x04, b'p', b'a', b's', b's',
    ];
    let Packet::Connect(c) = feed_byte_by_byte(&bytes, None) else {
        panic!("not a CONNECT");
    };
    assert_eq!(c.protocol, V311);
    assert_eq!(c.client_id, "cid");
    assert_eq!(c.password.as_deref(), Some(&b"pass"[..]));
}

#[test]
fn v311_incremental_publish_with_two_byte_remaining_length() {
    // The Remaining Length itself (0xCB 0x01) arrives in two steps.
    let mut bytes = vec![0x32, 0xCD, 0x01, 0x00, 0x01, b't', 0x00, 0x01];
    bytes.extend_from_slice(&[0xA5; 200]);
    assert_eq!(bytes.len(), 3 + 205);

    let mut buf = BytesMut::from(&bytes[..2]);
    assert_eq!(
        codec::frame(&buf, MAX, V311).unwrap(),
        Frame::Incomplete { at_least: 1 }
    );
    buf.extend_from_slice(&bytes[2..3]);
    assert_eq!(
        codec::frame(&buf, MAX, V311).unwrap(),
        Frame::Incomplete { at_least: 205 }
    );

    let packet = feed_byte_by_byte(&bytes, Some(V311));
    let mut p = Publish::new(topic("t"), vec![0xA5; 200]);
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(pid(1));
    assert_eq!(packet, Packet::from(p));
}

#[test]
fn v311_incremental_small_packets_byte_by_byte() {
    let vectors: [(&[u8], Packet); 4] = [
        (
            &[0x62, 0x02, 0x00, 0x0A],
            Packet::PubRel(PubResponse::new(pid(10))),
        ),
        (&[0xC0, 0x00], Packet::PingReq),
        (&[0xE0, 0x00], Packet::from(Disconnect::default())),
        (
            &[0x90, 0x03, 0x00, 0x02, 0x80],
            Packet::from(SubAck::new(pid(2), vec![ReasonCode::UnspecifiedError])),
        ),
    ];
    for (bytes, want) in vectors {
        assert_eq!(feed_byte_by_byte(bytes, Some(V311)), want);
    }
}

#[test]
fn v311_back_to_back_packets_decode_in_order() {
    // [MQTT-6.0.0-2] packets need not align with reads: two and a half packets in
    // one buffer.
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&[
        0x32, 0x08, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x01, b'1', // PUBLISH QoS 1
        0x62, 0x02, 0x00, 0x01, // PUBREL 1
        0xB0, 0x02, 0x00, // first 3 bytes of UNSUBACK
    ]);
    let mut p = Publish::new(topic("a/b"), "1");
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(pid(1));
    assert_eq!(
        codec::decode(&mut buf, Some(V311), MAX).unwrap(),
        Some(Packet::from(p))
    );
    assert_eq!(
        codec::decode(&mut buf, Some(V311), MAX).unwrap(),
        Some(Packet::PubRel(PubResponse::new(pid(1))))
    );
    assert_eq!(codec::decode(&mut buf, Some(V311), MAX).unwrap(), None);
    assert_eq!(
        &buf[..],
        &[0xB0, 0x02, 0x00],
        "partial packet left untouched"
    );
    buf.extend_from_slice(&[0x07]);
    assert_eq!(
        codec::decode(&mut buf, Some(V311), MAX).unwrap(),
        Some(Packet::from(UnsubAck::new(pid(7), Vec::new())))
    );
    assert!(buf.is_empty());
    assert_eq!(codec::decode(&mut buf, Some(V311), MAX).unwrap(), None);
}

#[test]
fn v311_connect_then_publish_in_one_buffer() {
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&[
        0x10, 0x0D, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01,
        b'c', // CONNECT
        0x30, 0x04, 0x00, 0x01, b'x', b'y', // PUBLISH QoS 0
    ]);
    let mut d = Decoder::new(MAX);
    let mut c = connect_v311("c");
    c.keep_alive = 60;
    assert_eq!(d.decode(&mut buf).unwrap(), Some(Packet::from(c)));
    assert_eq!(
        d.decode(&mut buf).unwrap(),
        Some(Packet::from(Publish::new(topic("x"), "y")))
    );
    assert!(buf.is_empty());
}

#[test]
fn v311_publish_payload_is_zero_copy() {
    let mut bytes = vec![0x32, 0x88, 0x01, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x09];
    bytes.extend((0..129u8).map(|i| i.wrapping_mul(7)));
    // Remaining Length 136 = 0x08 + 1 * 128 -> 0x88 0x01; 5 + 2 + 129 = 136.
    assert_eq!(bytes.len(), 3 + 136);
    let mut buf = BytesMut::with_capacity(bytes.len() + 64);
    buf.extend_from_slice(&bytes);
    buf.extend_from_slice(&[0xC0, 0x00]); // a PINGREQ after it

    let start = buf.as_ptr() as usize;
    let end = start + buf.len();
    let inside = |p: *const u8, len: usize| {
        let p = p as usize;
        p >= start && p + len <= end
    };

    let Some(Packet::Publish(p)) = codec::decode(&mut buf, Some(V311), MAX).unwrap() else {
        panic!("not a PUBLISH");
    };
    assert_eq!(p.payload.len(), 129);
    assert_eq!(&p.payload[..], &bytes[10..]);
    assert!(
        inside(p.payload.as_ptr(), p.payload.len()),
        "payload was copied out of the read buffer"
    );
    assert_eq!(p.payload.as_ptr() as usize, start + 10);
    assert!(inside(p.topic.as_ptr(), p.topic.len()), "topic was copied");
    assert_eq!(p.topic.as_ptr() as usize, start + 5);
    assert_eq!(
        codec::decode(&mut buf, Some(V311), MAX).unwrap(),
        Some(Packet::PingReq)
    );
}

#[test]
fn v311_connect_will_and_password_are_zero_copy() {
    let bytes = [
        0x10, 0x25, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xCE, 0x00, 0x0A, 0x00, 0x03, b'c',
        b'i', b'd', 0x00, 0x03, b'w', b'/', b't', 0x00, 0x03, b'b', b'y', b'e', 0x00, 0x04, b'u',
        b's', b'e', b'r', 0x00, 0x04, b'p', b'a', b's', b's',
    ];
    let mut buf = BytesMut::from(&bytes[..]);
    let start = buf.as_ptr() as usize;
    let Some(Packet::Connect(c)) = codec::decode(&mut buf, None, MAX).unwrap() else {
        panic!("not a CONNECT");
    };
    let will = c.will.as_ref().unwrap();
    // Offsets from the layout: Will Message at 24, Password at 35.
    assert_eq!(will.payload.as_ptr() as usize, start + 24);
    assert_eq!(c.password.as_ref().unwrap().as_ptr() as usize, start + 35);
}

#[test]
fn v311_oversized_packet_is_refused_from_the_fixed_header() {
    // Only the fixed header has arrived; the declared size (3 + 203) exceeds the
    // limit, so the codec refuses without waiting for the body.
    let mut buf = BytesMut::from(&[0x30, 0xCB, 0x01][..]);
    let e = codec::decode(&mut buf, Some(V311), 100).unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::PacketTooLarge {
            size: 206,
            max: 100
        }
    );
    assert_eq!(e.rule(), None, "3.1.1 numbers no statement for this");
    // Exactly at the limit is fine.
    let mut bytes = vec![0x30, 0xCB, 0x01, 0x00, 0x01, b't'];
    bytes.extend_from_slice(&[0; 200]);
    let mut buf = BytesMut::from(&bytes[..]);
    assert!(codec::decode(&mut buf, Some(V311), 206).unwrap().is_some());
}

#[test]
fn v311_remaining_length_longer_than_four_bytes_is_malformed() {
    // 2.2.3: at most four Remaining Length bytes.
    let e = decode_err(&[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], Some(V311));
    assert_eq!(e.kind(), ErrorKind::VarIntTooLong);
    // Four bytes is the maximum: 0xFF 0xFF 0xFF 0x7F = 268,435,455 (header parses).
    let h = FixedHeader::parse(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F], u32::MAX, V311)
        .unwrap()
        .unwrap();
    assert_eq!(h.remaining_length, 268_435_455);
    assert_eq!(h.header_len, 5);
}

// ---------------------------------------------------------------------------
// Encoder conformance
// ---------------------------------------------------------------------------

/// Encoding for `version` must either refuse `packet` or produce bytes that a
/// receiver of `version` accepts; returns a description of the violation if not.
fn encoder_violation(packet: &Packet, version: ProtocolVersion) -> Option<String> {
    let mut buf = BytesMut::new();
    if packet.encode(version, &mut buf).is_err() {
        return None;
    }
    let bytes = buf.to_vec();
    let rx_version = match packet {
        Packet::Connect(_) => None,
        _ => Some(version),
    };
    match codec::decode(&mut buf, rx_version, MAX) {
        Ok(Some(_)) => None,
        other => Some(format!(
            "{packet:?} encoded as {bytes:02X?}, decoded as {other:?}"
        )),
    }
}

// The encoder guards some rules already (QoS/Packet Identifier agreement, empty
// topic, empty SUBSCRIBE, reason codes not allowed in a packet). The tests below
// check that it also never emits bytes that a receiver of the same version must
// reject as malformed: it may refuse, or normalise, but not put them on the wire.

#[test]
fn v311_encoder_refuses_or_clears_dup_on_qos0_publish() {
    // [MQTT-3.3.1-2] [MQTT-4.3.1-1] DUP 0 for all QoS 0 messages (the sender side).
    let mut p = Publish::new(topic("a"), "z");
    p.dup = true;
    let violation = encoder_violation(&Packet::from(p), V311);
    assert_eq!(violation, None);
}

#[test]
fn v311_encoder_refuses_password_without_username() {
    // [MQTT-3.1.2-22] if the User Name Flag is 0, the Password Flag must be 0.
    let mut c = connect_v311("a");
    c.password = Some(Bytes::from_static(b"p"));
    assert_eq!(encoder_violation(&Packet::from(c), V311), None);
}

#[test]
fn v311_encoder_refuses_session_present_on_refused_connack() {
    // [MQTT-3.2.2-4] Session Present 0 with a non-zero return code.
    let ack = ConnAck::new(ReasonCode::NotAuthorized, true);
    assert_eq!(encoder_violation(&Packet::from(ack), V311), None);
}

#[test]
fn v311_encoder_refuses_null_character_in_strings() {
    // [MQTT-1.5.3-2] a UTF-8 encoded string must not include U+0000.
    let c = connect_v311("a\0b");
    assert_eq!(encoder_violation(&Packet::from(c), V311), None);
}
