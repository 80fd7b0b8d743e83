//! PINGREQ, PINGRESP, DISCONNECT and AUTH (sections 3.12 to 3.15).

use midge_proto::property::{AuthProperties, DisconnectProperties};
use midge_proto::{Auth, Disconnect, ErrorKind, Packet, PacketType, PropertyId, ReasonCode};

use crate::common::{assert_decodes_to_canonical, assert_vector, bin, decode_err, pair, s};

// ------------------------------------------------------ PINGREQ PINGRESP ----

#[test]
fn v5_pingreq_and_pingresp() {
    assert_vector(&[0xC0, 0x00], &Packet::PingReq);
    assert_vector(&[0xD0, 0x00], &Packet::PingResp);
    // [MQTT-2.1.3-1] reserved flags; a body is malformed.
    assert_eq!(
        decode_err(&[0xC1, 0x00]).kind(),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::PingReq, 1)
    );
    assert_eq!(
        decode_err(&[0xD0, 0x01, 0x00]).kind(),
        ErrorKind::TrailingBytes
    );
}

// ------------------------------------------------------------- DISCONNECT ----

#[test]
fn v5_disconnect_remaining_length_0() {
    // Section 3.14.2.1: Remaining Length 0 means Normal disconnection.
    assert_vector(
        &[0xE0, 0x00],
        &Packet::from(Disconnect::new(ReasonCode::NORMAL_DISCONNECTION)),
    );
}

#[test]
fn v5_disconnect_remaining_length_1() {
    // Section 3.14.2.2.1: Remaining Length < 2 means Property Length 0.
    assert_vector(
        &[0xE0, 0x01, 0x04],
        &Packet::from(Disconnect::new(ReasonCode::DisconnectWithWillMessage)),
    );
    assert_vector(
        &[0xE0, 0x01, 0x8E],
        &Packet::from(Disconnect::new(ReasonCode::SessionTakenOver)),
    );
    // An explicit 0x00 decodes to the same packet, whose canonical form is E0 00.
    assert_decodes_to_canonical(
        &[0xE0, 0x01, 0x00],
        &[0xE0, 0x00],
        &Packet::from(Disconnect::default()),
    );
}

/// Section 3.14.2.2, Figure 3-24: Normal disconnection with Session Expiry
/// Interval 0. (The figure labels the Property Length "Length (5)" but prints
/// the bits of 7; 5 is correct: one identifier byte and a Four Byte Integer.)
#[test]
fn v5_disconnect_spec_figure_3_24() {
    let bytes = [0xE0, 0x07, 0x00, 0x05, 0x11, 0x00, 0x00, 0x00, 0x00];
    let disconnect = Disconnect {
        reason_code: ReasonCode::NORMAL_DISCONNECTION,
        properties: DisconnectProperties {
            session_expiry_interval: Some(0),
            ..DisconnectProperties::default()
        },
    };
    assert_vector(&bytes, &Packet::from(disconnect));
}

#[test]
fn v5_disconnect_server_moved_with_server_reference() {
    // [MQTT-3.14.2-1] 0x9D Server moved, with Server Reference (section 4.11).
    let bytes = bytes![
        [0xE0, 25]
        [0x9D]
        [23]
        [0x1C, 0x00, 0x06] b"b:1883"
        [0x1F, 0x00, 0x04] b"move"
        [0x26, 0x00, 0x01] b"n" [0x00, 0x01] b"1"
    ];
    let disconnect = Disconnect {
        reason_code: ReasonCode::ServerMoved,
        properties: DisconnectProperties {
            session_expiry_interval: None,
            reason_string: Some(s("move")),
            user_properties: vec![pair("n", "1")],
            server_reference: Some(s("b:1883")),
        },
    };
    assert_vector(&bytes, &Packet::from(disconnect));
}

#[test]
fn v5_disconnect_errors() {
    // [MQTT-3.14.2-1] 0x01 is not a DISCONNECT Reason Code.
    assert_eq!(
        decode_err(&[0xE0, 0x01, 0x01]).kind(),
        ErrorKind::InvalidReasonCode(PacketType::Disconnect, 0x01)
    );
    // [MQTT-3.14.1-1] reserved flags.
    assert_eq!(
        decode_err(&[0xE2, 0x00]).kind(),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::Disconnect, 2)
    );
    // Assigned Client Identifier is not a DISCONNECT property.
    assert_eq!(
        decode_err(&[0xE0, 0x05, 0x00, 0x03, 0x12, 0x00, 0x00]).kind(),
        ErrorKind::PropertyNotAllowed(PropertyId::AssignedClientIdentifier, PacketType::Disconnect)
    );
}

// ------------------------------------------------------------------- AUTH ----

#[test]
fn v5_auth_remaining_length_0() {
    // Section 3.15.2.1: Remaining Length 0 means Success and no properties.
    assert_vector(&[0xF0, 0x00], &Packet::from(Auth::new(ReasonCode::Success)));
}

#[test]
fn v5_auth_remaining_length_1() {
    // [MQTT-3.15.2-1] 0x19 Re-authenticate.
    assert_vector(
        &[0xF0, 0x01, 0x19],
        &Packet::from(Auth::new(ReasonCode::ReAuthenticate)),
    );
}

#[test]
fn v5_auth_continue_with_all_auth_properties() {
    // [MQTT-4.12.0-2] Continue authentication (0x18) with method and data.
    let bytes = bytes![
        [0xF0, 48]
        [0x18]
        [46]
        [0x15, 0x00, 0x0B] b"SCRAM-SHA-1"
        [0x16, 0x00, 0x0F] b"n,,n=user,r=abc"
        [0x1F, 0x00, 0x04] b"cont"
        [0x26, 0x00, 0x01] b"s" [0x00, 0x01] b"1"
    ];
    let auth = Auth {
        reason_code: ReasonCode::ContinueAuthentication,
        properties: AuthProperties {
            authentication_method: Some(s("SCRAM-SHA-1")),
            authentication_data: Some(bin(b"n,,n=user,r=abc")),
            reason_string: Some(s("cont")),
            user_properties: vec![pair("s", "1")],
        },
    };
    assert_vector(&bytes, &Packet::from(auth));
}

#[test]
fn v5_auth_errors() {
    // [MQTT-3.15.1-1]
    let err = decode_err(&[0xF1, 0x00]);
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::Auth, 1)
    );
    assert_eq!(err.rule(), Some("MQTT-3.15.1-1"));
    // [MQTT-3.15.2-1] 0x87 is not an Authenticate Reason Code.
    assert_eq!(
        decode_err(&[0xF0, 0x01, 0x87]).kind(),
        ErrorKind::InvalidReasonCode(PacketType::Auth, 0x87)
    );
    // Section 3.1.2.11.10: Authentication Data without Authentication Method.
    let err = decode_err(&[0xF0, 0x06, 0x18, 0x04, 0x16, 0x00, 0x01, 0xAA]);
    assert_eq!(err.kind(), ErrorKind::AuthDataWithoutMethod);
    assert_eq!(err.reason_code(), ReasonCode::ProtocolError);
}
