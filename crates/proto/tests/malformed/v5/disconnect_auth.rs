//! 3.14 DISCONNECT and 3.15 AUTH.

use midge_proto::{ErrorKind, PacketType};

use crate::common::*;

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
