//! Entry points: `FixedHeader::parse` and `codec::frame`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use midge_proto::{FixedHeader, Frame, ProtocolVersion, codec};

fuzz_target!(|data: &[u8]| {
    let [a, b, c, d, v, buf @ ..] = data else { return };
    let max = u32::from_le_bytes([*a, *b, *c, *d]);
    let version = if v % 2 == 0 { ProtocolVersion::V3_1_1 } else { ProtocolVersion::V5 };
    match FixedHeader::parse(buf, max, version) {
        Ok(Some(h)) => {
            assert!((2..=5).contains(&h.header_len));
            assert!(h.packet_len() as u64 <= u64::from(max));
            match codec::frame(buf, max, version) {
                Ok(Frame::Complete(h2)) => {
                    assert_eq!(h, h2);
                    assert!(buf.len() >= h.packet_len());
                }
                Ok(Frame::Incomplete { at_least }) => {
                    assert_eq!(buf.len() + at_least, h.packet_len());
                }
                Err(e) => panic!("frame failed where parse succeeded: {e}"),
            }
        }
        Ok(None) => assert!(buf.len() < 5),
        Err(_) => {}
    }
});
