//! Encoder conformance: never emit bytes a 3.1.1 receiver must reject.

use bytes::{Bytes, BytesMut};
use midge_proto::{ConnAck, Packet, ProtocolVersion, Publish, ReasonCode, codec};

use crate::common::{MAX, V311, connect_v311, topic};

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
