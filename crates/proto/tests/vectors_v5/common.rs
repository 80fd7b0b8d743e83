//! Helpers shared by the MQTT 5.0 vector tests: the `bytes!` macro, value
//! constructors, and the decode/encode checks every vector goes through.

use std::num::{NonZeroU16, NonZeroU32};

use midge_proto::bytes::{Bytes, BytesMut};
use midge_proto::property::UserProperty;
use midge_proto::{
    ByteString, DecodeError, Packet, PacketId, ProtocolVersion, TopicFilter, TopicName, codec,
};

pub(crate) const V5: ProtocolVersion = ProtocolVersion::V5;
pub(crate) const MAX: u32 = 1 << 20;

/// Concatenates byte-slice-like pieces written side by side, without commas:
/// `bytes![[0x00, 0x04] b"MQTT" [0x05]]`. Each piece is one token tree (an array
/// literal, a byte string, a variable); anything else goes in parentheses.
macro_rules! bytes {
    ($($part:tt)*) => {{
        let mut v: Vec<u8> = Vec::new();
        $( v.extend_from_slice(&$part[..]); )*
        v
    }};
}

// ---------------------------------------------------------------- helpers ----

pub(crate) fn pid(n: u16) -> PacketId {
    NonZeroU16::new(n).unwrap()
}

pub(crate) fn s(x: &'static str) -> ByteString {
    ByteString::from_static(x)
}

pub(crate) fn bin(x: &'static [u8]) -> Bytes {
    Bytes::from_static(x)
}

pub(crate) fn pair(k: &'static str, v: &'static str) -> UserProperty {
    (s(k), s(v))
}

pub(crate) fn topic(x: &'static str) -> TopicName {
    TopicName::from_static(x).unwrap()
}

pub(crate) fn filter(x: &'static str) -> TopicFilter {
    TopicFilter::new_v5(x).unwrap()
}

pub(crate) fn nz16(v: u16) -> NonZeroU16 {
    NonZeroU16::new(v).unwrap()
}

pub(crate) fn nz32(v: u32) -> NonZeroU32 {
    NonZeroU32::new(v).unwrap()
}

/// Self-check of a hand-written vector: the Remaining Length it declares must
/// cover exactly the bytes that follow the fixed header. Guards against typos in
/// the vectors themselves, so a failure elsewhere points at the codec.
fn check_vector_framing(bytes: &[u8]) {
    let mut rl: usize = 0;
    let mut i = 1;
    loop {
        let b = bytes[i];
        rl |= usize::from(b & 0x7F) << (7 * (i - 1));
        i += 1;
        if b & 0x80 == 0 {
            break;
        }
    }
    assert_eq!(
        rl,
        bytes.len() - i,
        "test vector is inconsistent: Remaining Length {rl} but {} bytes follow",
        bytes.len() - i
    );
}

pub(crate) fn try_decode(bytes: &[u8]) -> Result<Option<Packet>, DecodeError> {
    let mut buf = BytesMut::from(bytes);
    codec::decode(&mut buf, Some(V5), MAX)
}

/// Decodes one whole v5 packet and checks that nothing is left over.
fn decode(bytes: &[u8]) -> Packet {
    let mut buf = BytesMut::from(bytes);
    let packet = codec::decode(&mut buf, Some(V5), MAX)
        .expect("decode failed")
        .expect("packet should be complete");
    assert!(buf.is_empty(), "decode left {} bytes behind", buf.len());
    packet
}

pub(crate) fn decode_err(bytes: &[u8]) -> DecodeError {
    check_vector_framing(bytes);
    try_decode(bytes).expect_err("expected a decode error")
}

fn encode(packet: &Packet) -> Vec<u8> {
    let mut buf = BytesMut::new();
    packet.encode(V5, &mut buf).expect("encode failed");
    buf.to_vec()
}

/// The canonical check: bytes decode to `expected`, `expected` encodes to
/// exactly the bytes, and `encoded_len` counts them.
pub(crate) fn assert_vector(bytes: &[u8], expected: &Packet) {
    check_vector_framing(bytes);
    assert_eq!(&decode(bytes), expected, "decode of {bytes:02X?}");
    let encoded = encode(expected);
    assert_eq!(
        encoded, bytes,
        "encoding of {expected:?}\n  got      {encoded:02X?}\n  expected {bytes:02X?}"
    );
    assert_eq!(expected.encoded_len(V5), bytes.len(), "encoded_len");
}

/// A valid encoding that is not the one the encoder produces: decode it, then
/// check the canonical bytes round trip.
pub(crate) fn assert_decodes_to_canonical(
    noncanonical: &[u8],
    canonical: &[u8],
    expected: &Packet,
) {
    check_vector_framing(noncanonical);
    assert_eq!(
        &decode(noncanonical),
        expected,
        "decode of {noncanonical:02X?}"
    );
    assert_vector(canonical, expected);
}
