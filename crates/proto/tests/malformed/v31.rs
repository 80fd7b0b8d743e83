//! MQTT 3.1.

use midge_proto::{ErrorKind, Packet, PacketType, ProtocolVersion};

use crate::common::*;

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
