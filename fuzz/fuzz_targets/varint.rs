//! Entry point: `varint::decode`. Every accepted value re-encodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use midge_proto::varint::{self, VarInt};

fuzz_target!(|data: &[u8]| {
    if let Ok(VarInt::Value(v, n)) = varint::decode(data) {
        assert!(v <= varint::MAX);
        assert_eq!(n, varint::len(v));
        let mut out = Vec::new();
        varint::put(&mut out, v);
        assert_eq!(&out[..], &data[..n]);
    }
});
