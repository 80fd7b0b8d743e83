//! PINGREQ, PINGRESP and DISCONNECT (sections 3.12 to 3.14), and connection-level
//! behaviour: CONNECT first, version learned from CONNECT.

use bytes::BytesMut;
use midge_proto::property::DisconnectProperties;
use midge_proto::{
    Auth, Decoder, Disconnect, EncodeError, ErrorKind, Packet, PacketType, PubResponse, ReasonCode,
};

use crate::common::{MAX, V31, V311, assert_encodes, assert_kind, assert_vector, decode_err, pid};

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
