//! The round-trip properties: single packets, streams in arbitrary chunks, and
//! arbitrary (hostile) bytes.

use midge_proto::bytes::{BufMut, BytesMut};
use midge_proto::{Decoder, ErrorKind, FixedHeader, Packet, PacketType, ProtocolVersion, codec};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestCaseError;

use crate::strategies::{VERSIONS, packet};

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

fn encode(p: &Packet, v: ProtocolVersion) -> Result<BytesMut, TestCaseError> {
    let mut buf = BytesMut::new();
    let res = p.encode(v, &mut buf);
    prop_assert_eq!(res, Ok(()), "encoding {:?} for {}", p, v);
    Ok(buf)
}

/// The full round-trip contract for one valid packet.
fn check_roundtrip(v: ProtocolVersion, p: &Packet, split: Index) -> Result<(), TestCaseError> {
    let encoded = encode(p, v)?;
    prop_assert_eq!(p.encoded_len(v), encoded.len(), "encoded_len of {:?}", p);
    // A PUBLISH encoded on its own is byte for byte the same.
    if let Packet::Publish(publish) = p {
        let mut alone = BytesMut::new();
        prop_assert_eq!(publish.encode(v, &mut alone), Ok(()));
        prop_assert_eq!(&alone, &encoded);
        prop_assert_eq!(publish.encoded_len(v), encoded.len());
    }
    let bytes = encoded.clone().freeze();
    let len = bytes.len();

    // Whole buffer: the same packet, everything consumed.
    let mut buf = encoded;
    prop_assert_eq!(
        codec::decode(&mut buf, Some(v), u32::MAX),
        Ok(Some(p.clone()))
    );
    prop_assert!(buf.is_empty(), "{} bytes left over", buf.len());

    // Split at an arbitrary point: nothing until the rest arrives.
    let at = split.index(len);
    let mut buf = BytesMut::from(&bytes[..at]);
    prop_assert_eq!(codec::decode(&mut buf, Some(v), u32::MAX), Ok(None));
    prop_assert_eq!(buf.len(), at, "an incomplete packet consumed bytes");
    buf.extend_from_slice(&bytes[at..]);
    prop_assert_eq!(
        codec::decode(&mut buf, Some(v), u32::MAX),
        Ok(Some(p.clone()))
    );
    prop_assert!(buf.is_empty());

    // Followed by another packet: exactly one packet is taken each time.
    let mut buf = BytesMut::from(&bytes[..]);
    buf.put_slice(&[0xC0, 0x00]); // PINGREQ
    prop_assert_eq!(
        codec::decode(&mut buf, Some(v), u32::MAX),
        Ok(Some(p.clone()))
    );
    prop_assert_eq!(
        codec::decode(&mut buf, Some(v), u32::MAX),
        Ok(Some(Packet::PingReq))
    );
    prop_assert!(buf.is_empty());

    // The maximum packet size is compared with the whole encoded length.
    let limit = u32::try_from(len).unwrap();
    let mut buf = BytesMut::from(&bytes[..]);
    prop_assert_eq!(codec::decode(&mut buf, Some(v), limit), Ok(Some(p.clone())));
    let mut buf = BytesMut::from(&bytes[..]);
    let too_small = codec::decode(&mut buf, Some(v), limit - 1);
    prop_assert!(
        matches!(&too_small, Err(e) if matches!(e.kind(), ErrorKind::PacketTooLarge { .. })),
        "limit {} for a {}-byte packet gave {:?}",
        limit - 1,
        len,
        too_small
    );

    // CONNECT decodes without a known version and sets the decoder's version.
    if let Packet::Connect(c) = p {
        prop_assert_eq!(c.protocol, v);
        let mut buf = BytesMut::from(&bytes[..]);
        let mut decoder = Decoder::new(u32::MAX);
        prop_assert_eq!(decoder.decode(&mut buf), Ok(Some(p.clone())));
        prop_assert_eq!(decoder.version(), Some(v));
    }
    Ok(())
}

fn roundtrip_cases() -> ProptestConfig {
    ProptestConfig::with_cases(512)
}

proptest! {
    #![proptest_config(roundtrip_cases())]

    #[test]
    fn roundtrip_v3_1(p in packet(ProtocolVersion::V3_1), split in any::<Index>()) {
        check_roundtrip(ProtocolVersion::V3_1, &p, split)?;
    }

    #[test]
    fn roundtrip_v3_1_1(p in packet(ProtocolVersion::V3_1_1), split in any::<Index>()) {
        check_roundtrip(ProtocolVersion::V3_1_1, &p, split)?;
    }

    #[test]
    fn roundtrip_v5(p in packet(ProtocolVersion::V5), split in any::<Index>()) {
        check_roundtrip(ProtocolVersion::V5, &p, split)?;
    }
}

// ---------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------

fn stream() -> impl Strategy<Value = (ProtocolVersion, Vec<Packet>, Vec<Index>)> {
    select(VERSIONS.to_vec())
        .prop_flat_map(|v| (Just(v), vec(packet(v), 1..6), vec(any::<Index>(), 0..8)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Several packets written back to back and delivered in arbitrary chunks come
    /// out of a `Decoder` in order, each as soon as its last byte arrives.
    #[test]
    fn stream_in_arbitrary_chunks((v, packets, cuts) in stream()) {
        let mut wire = BytesMut::new();
        for p in &packets {
            wire.extend_from_slice(&encode(p, v)?);
        }
        let wire = wire.freeze();
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(wire.len())).collect();
        cuts.push(wire.len());
        cuts.sort_unstable();

        let mut decoder = Decoder::with_version(v, u32::MAX);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut from = 0;
        for to in cuts {
            buf.extend_from_slice(&wire[from..to]);
            from = to;
            while let Some(p) = decoder.decode(&mut buf).map_err(|e| {
                TestCaseError::fail(format!("decode error {e} in a valid stream"))
            })? {
                out.push(p);
            }
        }
        prop_assert!(buf.is_empty());
        prop_assert_eq!(out, packets);
    }
}

// ---------------------------------------------------------------------------
// Arbitrary input
// ---------------------------------------------------------------------------

fn put_varint(out: &mut Vec<u8>, mut v: usize) {
    loop {
        let mut b = u8::try_from(v % 128).unwrap();
        v /= 128;
        if v > 0 {
            b |= 0x80;
        }
        out.push(b);
        if v == 0 {
            break;
        }
    }
}

/// A valid packet of some version, damaged: a few body bytes changed, a byte
/// inserted or removed, the header flags altered, and usually re-framed so the
/// Remaining Length matches the damaged body (which then reaches the body decoder).
fn damaged_packet() -> impl Strategy<Value = Vec<u8>> {
    select(VERSIONS.to_vec())
        .prop_flat_map(|v| {
            (
                Just(v),
                packet(v),
                vec((any::<Index>(), 1..=u8::MAX), 0..3),
                option::of((any::<Index>(), any::<u8>(), any::<bool>())),
                prop_oneof![6 => Just(0u8), 1 => 1u8..16],
                prop_oneof![4 => Just(true), 1 => Just(false)],
            )
        })
        .prop_map(|(v, p, flips, edit, flag_flip, reframe)| {
            let mut buf = BytesMut::new();
            p.encode(v, &mut buf).unwrap();
            let header = FixedHeader::parse(&buf, u32::MAX, v).unwrap().unwrap();
            let mut body = buf[header.header_len..].to_vec();
            if !body.is_empty() {
                for (at, x) in flips {
                    let i = at.index(body.len());
                    body[i] ^= x;
                }
            }
            match edit {
                Some((at, b, true)) => body.insert(at.index(body.len() + 1), b),
                Some((at, _, false)) if !body.is_empty() => {
                    body.remove(at.index(body.len()));
                }
                _ => {}
            }
            let mut out = vec![buf[0] ^ flag_flip];
            if reframe {
                put_varint(&mut out, body.len());
            } else {
                out.extend_from_slice(&buf[1..header.header_len]);
            }
            out.extend(body);
            out
        })
}

/// Bytes a peer might send: noise, noise inside a well-formed fixed header, and
/// damaged valid packets of any version.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let noise = vec(any::<u8>(), 0..64);
    let framed = (any::<u8>(), vec(any::<u8>(), 0..64)).prop_map(|(first, body)| {
        let mut out = vec![first];
        put_varint(&mut out, body.len());
        out.extend(body);
        out
    });
    prop_oneof![1 => noise, 2 => framed, 6 => damaged_packet()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Decoding arbitrary bytes never panics. It fails, asks for more bytes (and
    /// consumes nothing), or yields a packet that re-encodes and decodes to itself.
    #[test]
    fn arbitrary_bytes_never_panic(input in hostile_bytes()) {
        let versions = [
            None,
            Some(ProtocolVersion::V3_1),
            Some(ProtocolVersion::V3_1_1),
            Some(ProtocolVersion::V5),
        ];
        for version in versions {
            let mut buf = BytesMut::from(&input[..]);
            match codec::decode(&mut buf, version, u32::MAX) {
                Err(_) => {}
                Ok(None) => prop_assert_eq!(buf.len(), input.len()),
                Ok(Some(p)) => {
                    if version.is_none() {
                        prop_assert_eq!(p.packet_type(), PacketType::Connect);
                    }
                    let v = version.unwrap_or(ProtocolVersion::V5);
                    let mut out = encode(&p, v)?;
                    prop_assert_eq!(p.encoded_len(v), out.len());
                    prop_assert_eq!(codec::decode(&mut out, version, u32::MAX), Ok(Some(p)));
                    prop_assert!(out.is_empty());
                }
            }
        }
    }
}
