//! Packet length: trailing bytes after a complete packet and the Maximum
//! Packet Size.

use midge_proto::{ErrorKind, FixedHeader, ProtocolVersion};

use crate::common::*;

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
