// Shared by the fuzz targets (included with `include!`).

use bytes::BytesMut;
use midge_proto::{Packet, ProtocolVersion, codec};

/// Picks the connection state from a selector byte.
fn version_of(selector: u8) -> Option<ProtocolVersion> {
    match selector % 4 {
        0 => None,
        1 => Some(ProtocolVersion::V3_1),
        2 => Some(ProtocolVersion::V3_1_1),
        _ => Some(ProtocolVersion::V5),
    }
}

/// Every packet the decoder accepts must encode, with `encoded_len` exact, and
/// decode back to itself.
fn assert_round_trip(packet: &Packet, version: ProtocolVersion) {
    let version = match packet {
        Packet::Connect(c) => c.protocol,
        _ => version,
    };
    let mut out = BytesMut::new();
    if let Err(e) = packet.encode(version, &mut out) {
        panic!("decoded packet does not re-encode: {e}: {packet:?}");
    }
    assert_eq!(out.len(), packet.encoded_len(version), "encoded_len mismatch");
    let again = codec::decode(&mut out, Some(version), u32::MAX)
        .unwrap_or_else(|e| panic!("re-encoded packet does not decode: {e}: {packet:?}"));
    assert_eq!(again.as_ref(), Some(packet), "round trip changed the packet");
    assert!(out.is_empty(), "round trip left bytes behind");
}
