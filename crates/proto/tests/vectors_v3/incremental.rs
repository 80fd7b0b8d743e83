//! Incremental decoding, back-to-back packets, zero-copy payloads and size limits.

use bytes::BytesMut;
use midge_proto::codec::{self, Frame};
use midge_proto::{
    Decoder, Disconnect, ErrorKind, FixedHeader, Packet, ProtocolVersion, PubResponse, Publish,
    QoS, ReasonCode, SubAck, UnsubAck,
};

use crate::common::{MAX, V311, connect_v311, decode_err, pid, topic};

// ---------------------------------------------------------------------------
// Incremental decoding and zero-copy
// ---------------------------------------------------------------------------

/// Feeds `bytes` one byte at a time and checks that nothing decodes (and nothing
/// is consumed) until the last byte arrives.
fn feed_byte_by_byte(bytes: &[u8], version: Option<ProtocolVersion>) -> Packet {
    let mut buf = BytesMut::new();
    let (last, head) = bytes.split_last().unwrap();
    for (i, &b) in head.iter().enumerate() {
        buf.extend_from_slice(&[b]);
        let got = codec::decode(&mut buf, version, MAX);
        assert_eq!(got, Ok(None), "after {} of {} bytes", i + 1, bytes.len());
        assert_eq!(&buf[..], &bytes[..=i], "nothing consumed before completion");
        // While the fixed header is incomplete at least one more byte is needed;
        // once it is known, exactly the rest of the packet is.
        let want = match FixedHeader::parse(&buf, MAX, V311).unwrap() {
            None => Frame::Incomplete { at_least: 1 },
            Some(h) => {
                assert_eq!(h.packet_len(), bytes.len());
                Frame::Incomplete {
                    at_least: bytes.len() - buf.len(),
                }
            }
        };
        assert_eq!(codec::frame(&buf, MAX, V311).unwrap(), want);
    }
    buf.extend_from_slice(&[*last]);
    let packet = codec::decode(&mut buf, version, MAX)
        .unwrap()
        .expect("complete after the last byte");
    assert!(buf.is_empty());
    packet
}

#[test]
fn v311_incremental_connect_byte_by_byte() {
    let bytes = [
        0x10, 0x25, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xCE, 0x00, 0x0A, 0x00, 0x03, b'c',
        b'i', b'd', 0x00, 0x03, b'w', b'/', b't', 0x00, 0x03, b'b', b'y', b'e', 0x00, 0x04, b'u',
        b's', b'e', b'r', 0x00, 0x04, b'p', b'a', b's', b's',
    ];
    let Packet::Connect(c) = feed_byte_by_byte(&bytes, None) else {
        panic!("not a CONNECT");
    };
    assert_eq!(c.protocol, V311);
    assert_eq!(c.client_id, "cid");
    assert_eq!(c.password.as_deref(), Some(&b"pass"[..]));
}

#[test]
fn v311_incremental_publish_with_two_byte_remaining_length() {
    // The Remaining Length itself (0xCB 0x01) arrives in two steps.
    let mut bytes = vec![0x32, 0xCD, 0x01, 0x00, 0x01, b't', 0x00, 0x01];
    bytes.extend_from_slice(&[0xA5; 200]);
    assert_eq!(bytes.len(), 3 + 205);

    let mut buf = BytesMut::from(&bytes[..2]);
    assert_eq!(
        codec::frame(&buf, MAX, V311).unwrap(),
        Frame::Incomplete { at_least: 1 }
    );
    buf.extend_from_slice(&bytes[2..3]);
    assert_eq!(
        codec::frame(&buf, MAX, V311).unwrap(),
        Frame::Incomplete { at_least: 205 }
    );

    let packet = feed_byte_by_byte(&bytes, Some(V311));
    let mut p = Publish::new(topic("t"), vec![0xA5; 200]);
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(pid(1));
    assert_eq!(packet, Packet::from(p));
}

#[test]
fn v311_incremental_small_packets_byte_by_byte() {
    let vectors: [(&[u8], Packet); 4] = [
        (
            &[0x62, 0x02, 0x00, 0x0A],
            Packet::PubRel(PubResponse::new(pid(10))),
        ),
        (&[0xC0, 0x00], Packet::PingReq),
        (&[0xE0, 0x00], Packet::from(Disconnect::default())),
        (
            &[0x90, 0x03, 0x00, 0x02, 0x80],
            Packet::from(SubAck::new(pid(2), vec![ReasonCode::UnspecifiedError])),
        ),
    ];
    for (bytes, want) in vectors {
        assert_eq!(feed_byte_by_byte(bytes, Some(V311)), want);
    }
}

#[test]
fn v311_back_to_back_packets_decode_in_order() {
    // [MQTT-6.0.0-2] packets need not align with reads: two and a half packets in
    // one buffer.
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&[
        0x32, 0x08, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x01, b'1', // PUBLISH QoS 1
        0x62, 0x02, 0x00, 0x01, // PUBREL 1
        0xB0, 0x02, 0x00, // first 3 bytes of UNSUBACK
    ]);
    let mut p = Publish::new(topic("a/b"), "1");
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(pid(1));
    assert_eq!(
        codec::decode(&mut buf, Some(V311), MAX).unwrap(),
        Some(Packet::from(p))
    );
    assert_eq!(
        codec::decode(&mut buf, Some(V311), MAX).unwrap(),
        Some(Packet::PubRel(PubResponse::new(pid(1))))
    );
    assert_eq!(codec::decode(&mut buf, Some(V311), MAX).unwrap(), None);
    assert_eq!(
        &buf[..],
        &[0xB0, 0x02, 0x00],
        "partial packet left untouched"
    );
    buf.extend_from_slice(&[0x07]);
    assert_eq!(
        codec::decode(&mut buf, Some(V311), MAX).unwrap(),
        Some(Packet::from(UnsubAck::new(pid(7), Vec::new())))
    );
    assert!(buf.is_empty());
    assert_eq!(codec::decode(&mut buf, Some(V311), MAX).unwrap(), None);
}

#[test]
fn v311_connect_then_publish_in_one_buffer() {
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&[
        0x10, 0x0D, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01,
        b'c', // CONNECT
        0x30, 0x04, 0x00, 0x01, b'x', b'y', // PUBLISH QoS 0
    ]);
    let mut d = Decoder::new(MAX);
    let mut c = connect_v311("c");
    c.keep_alive = 60;
    assert_eq!(d.decode(&mut buf).unwrap(), Some(Packet::from(c)));
    assert_eq!(
        d.decode(&mut buf).unwrap(),
        Some(Packet::from(Publish::new(topic("x"), "y")))
    );
    assert!(buf.is_empty());
}

#[test]
fn v311_publish_payload_is_zero_copy() {
    let mut bytes = vec![0x32, 0x88, 0x01, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x09];
    bytes.extend((0..129u8).map(|i| i.wrapping_mul(7)));
    // Remaining Length 136 = 0x08 + 1 * 128 -> 0x88 0x01; 5 + 2 + 129 = 136.
    assert_eq!(bytes.len(), 3 + 136);
    let mut buf = BytesMut::with_capacity(bytes.len() + 64);
    buf.extend_from_slice(&bytes);
    buf.extend_from_slice(&[0xC0, 0x00]); // a PINGREQ after it

    let start = buf.as_ptr() as usize;
    let end = start + buf.len();
    let inside = |p: *const u8, len: usize| {
        let p = p as usize;
        p >= start && p + len <= end
    };

    let Some(Packet::Publish(p)) = codec::decode(&mut buf, Some(V311), MAX).unwrap() else {
        panic!("not a PUBLISH");
    };
    assert_eq!(p.payload.len(), 129);
    assert_eq!(&p.payload[..], &bytes[10..]);
    assert!(
        inside(p.payload.as_ptr(), p.payload.len()),
        "payload was copied out of the read buffer"
    );
    assert_eq!(p.payload.as_ptr() as usize, start + 10);
    assert!(inside(p.topic.as_ptr(), p.topic.len()), "topic was copied");
    assert_eq!(p.topic.as_ptr() as usize, start + 5);
    assert_eq!(
        codec::decode(&mut buf, Some(V311), MAX).unwrap(),
        Some(Packet::PingReq)
    );
}

#[test]
fn v311_connect_will_and_password_are_zero_copy() {
    let bytes = [
        0x10, 0x25, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xCE, 0x00, 0x0A, 0x00, 0x03, b'c',
        b'i', b'd', 0x00, 0x03, b'w', b'/', b't', 0x00, 0x03, b'b', b'y', b'e', 0x00, 0x04, b'u',
        b's', b'e', b'r', 0x00, 0x04, b'p', b'a', b's', b's',
    ];
    let mut buf = BytesMut::from(&bytes[..]);
    let start = buf.as_ptr() as usize;
    let Some(Packet::Connect(c)) = codec::decode(&mut buf, None, MAX).unwrap() else {
        panic!("not a CONNECT");
    };
    let will = c.will.as_ref().unwrap();
    // Offsets from the layout: Will Message at 24, Password at 35.
    assert_eq!(will.payload.as_ptr() as usize, start + 24);
    assert_eq!(c.password.as_ref().unwrap().as_ptr() as usize, start + 35);
}

#[test]
fn v311_oversized_packet_is_refused_from_the_fixed_header() {
    // Only the fixed header has arrived; the declared size (3 + 203) exceeds the
    // limit, so the codec refuses without waiting for the body.
    let mut buf = BytesMut::from(&[0x30, 0xCB, 0x01][..]);
    let e = codec::decode(&mut buf, Some(V311), 100).unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::PacketTooLarge {
            size: 206,
            max: 100
        }
    );
    assert_eq!(e.rule(), None, "3.1.1 numbers no statement for this");
    // Exactly at the limit is fine.
    let mut bytes = vec![0x30, 0xCB, 0x01, 0x00, 0x01, b't'];
    bytes.extend_from_slice(&[0; 200]);
    let mut buf = BytesMut::from(&bytes[..]);
    assert!(codec::decode(&mut buf, Some(V311), 206).unwrap().is_some());
}

#[test]
fn v311_remaining_length_longer_than_four_bytes_is_malformed() {
    // 2.2.3: at most four Remaining Length bytes.
    let e = decode_err(&[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], Some(V311));
    assert_eq!(e.kind(), ErrorKind::VarIntTooLong);
    // Four bytes is the maximum: 0xFF 0xFF 0xFF 0x7F = 268,435,455 (header parses).
    let h = FixedHeader::parse(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F], u32::MAX, V311)
        .unwrap()
        .unwrap();
    assert_eq!(h.remaining_length, 268_435_455);
    assert_eq!(h.header_len, 5);
}
