//! 2.1 Fixed header flags and 2.2.1 Packet Identifier.

use midge_proto::{ErrorKind, PacketType, ProtocolVersion};

use crate::common::*;

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
