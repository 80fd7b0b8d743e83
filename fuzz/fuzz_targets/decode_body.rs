//! Entry point: `Packet::decode_body` on an arbitrary body for an arbitrary
//! fixed-header byte and version (skips framing to reach deep packet code).
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use midge_proto::{FixedHeader, PacketType};

include!("common.rs");

fuzz_target!(|data: &[u8]| {
    let [selector, first, body @ ..] = data else { return };
    let Some(packet_type) = PacketType::from_nibble(first >> 4) else { return };
    let Ok(remaining_length) = u32::try_from(body.len()) else { return };
    let header = FixedHeader { packet_type, flags: first & 0x0F, remaining_length, header_len: 2 };
    let version = version_of(*selector);
    match Packet::decode_body(header, Bytes::copy_from_slice(body), version) {
        Ok(packet) => assert_round_trip(&packet, version.unwrap_or(ProtocolVersion::V5)),
        Err(e) => {
            let _ = (e.rule(), e.reason_code(), e.to_string());
        }
    }
});
