//! Helpers shared by the MQTT 3.1 / 3.1.1 vector tests.

use std::num::NonZeroU16;

use bytes::BytesMut;
use midge_proto::{
    Connect, DecodeError, ErrorKind, Packet, ProtocolVersion, TopicFilter, TopicName, codec,
};

pub(crate) const V31: ProtocolVersion = ProtocolVersion::V3_1;
pub(crate) const V311: ProtocolVersion = ProtocolVersion::V3_1_1;
pub(crate) const MAX: u32 = 1 << 20;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

pub(crate) fn pid(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).unwrap()
}

pub(crate) fn topic(s: &'static str) -> TopicName {
    TopicName::new(s).unwrap()
}

pub(crate) fn filter(s: &'static str) -> TopicFilter {
    TopicFilter::new(s).unwrap()
}

/// Decodes exactly one packet from `bytes`, which must be consumed completely.
pub(crate) fn decode_one(bytes: &[u8], version: Option<ProtocolVersion>) -> Packet {
    let mut buf = BytesMut::from(bytes);
    let packet = codec::decode(&mut buf, version, MAX)
        .unwrap_or_else(|e| panic!("decoding {bytes:02X?} failed: {e}"))
        .unwrap_or_else(|| panic!("decoding {bytes:02X?}: packet reported incomplete"));
    assert!(buf.is_empty(), "decode left {} bytes behind", buf.len());
    packet
}

/// Decodes `bytes` expecting an error.
pub(crate) fn decode_err(bytes: &[u8], version: Option<ProtocolVersion>) -> DecodeError {
    let mut buf = BytesMut::from(bytes);
    match codec::decode(&mut buf, version, MAX) {
        Err(e) => e,
        Ok(p) => panic!("decoding {bytes:02X?} should fail, got {p:?}"),
    }
}

/// Encodes `packet` for `version`.
fn encode(packet: &Packet, version: ProtocolVersion) -> Vec<u8> {
    let mut buf = BytesMut::new();
    packet
        .encode(version, &mut buf)
        .unwrap_or_else(|e| panic!("encoding {packet:?} failed: {e}"));
    assert_eq!(
        packet.encoded_len(version),
        buf.len(),
        "encoded_len disagrees with the bytes written"
    );
    buf.to_vec()
}

/// Encodes `packet` for `version` and checks the result is exactly `bytes`.
pub(crate) fn assert_encodes(packet: &Packet, version: ProtocolVersion, bytes: &[u8]) {
    let got = encode(packet, version);
    assert_eq!(
        got, bytes,
        "encoding for {version}\n got: {got:02X?}\nwant: {bytes:02X?}"
    );
}

/// Both directions: `bytes` decodes (on a connection of `version`) to `packet`,
/// and `packet` encodes for `version` to exactly `bytes`.
pub(crate) fn assert_vector(version: ProtocolVersion, bytes: &[u8], packet: &Packet) {
    let decoded = decode_one(bytes, Some(version));
    assert_eq!(&decoded, packet, "decoding {bytes:02X?} as {version}");
    assert_encodes(packet, version, bytes);
}

/// Both directions for a CONNECT, which is decoded before any version is known.
pub(crate) fn assert_connect_vector(bytes: &[u8], connect: Connect) {
    let version = connect.protocol;
    let packet = Packet::from(connect);
    assert_eq!(
        decode_one(bytes, None),
        packet,
        "decoding CONNECT {bytes:02X?}"
    );
    assert_encodes(&packet, version, bytes);
}

pub(crate) fn assert_kind(err: DecodeError, kind: ErrorKind, rule: Option<&str>) {
    assert_eq!(err.kind(), kind, "error kind for {err}");
    assert_eq!(err.rule(), rule, "normative statement for {err}");
}

pub(crate) fn connect_v311(client_id: &'static str) -> Connect {
    Connect::new(V311, client_id)
}
