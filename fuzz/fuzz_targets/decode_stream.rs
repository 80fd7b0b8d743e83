//! Entry point: `codec::Decoder::decode` over an arbitrary byte stream, fed in
//! arbitrary chunk sizes. Checks no panic, bounded progress, and that every
//! decoded packet round-trips through the encoder.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("common.rs");

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Some((&chunk, stream)) = rest.split_first() else { return };
    let chunk = usize::from(chunk).max(1);
    let mut decoder = match version_of(selector) {
        None => midge_proto::Decoder::new(1 << 16),
        Some(v) => midge_proto::Decoder::with_version(v, 1 << 16),
    };
    let mut buf = BytesMut::new();
    for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            let before = buf.len();
            match decoder.decode(&mut buf) {
                Ok(Some(packet)) => {
                    assert!(buf.len() < before, "a decoded packet must consume bytes");
                    let v = decoder.version().unwrap_or(ProtocolVersion::V5);
                    assert_round_trip(&packet, v);
                }
                Ok(None) => {
                    assert_eq!(buf.len(), before, "an incomplete packet must not be consumed");
                    break;
                }
                Err(e) => {
                    let _ = (e.rule(), e.reason_code(), e.to_string());
                    return;
                }
            }
        }
    }
});
