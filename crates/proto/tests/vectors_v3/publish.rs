//! PUBLISH, PUBACK, PUBREC, PUBREL and PUBCOMP in MQTT 3.1.1 (sections 3.3 to 3.7).

use std::num::NonZeroU32;

use bytes::Bytes;
use midge_proto::property::{AckProperties, PublishProperties};
use midge_proto::{
    ErrorKind, FixedHeader, Packet, PacketType, PubResponse, Publish, QoS, ReasonCode,
};

use crate::common::{
    MAX, V31, V311, assert_encodes, assert_kind, assert_vector, decode_err, decode_one, pid, topic,
};

// ---------------------------------------------------------------------------
// PUBLISH (3.1.1 section 3.3)
// ---------------------------------------------------------------------------

#[test]
fn v311_publish_qos0() {
    // [MQTT-2.3.1-5] no Packet Identifier at QoS 0; [MQTT-4.3.1-1] DUP 0.
    let bytes = [
        0x30, 0x0A, // PUBLISH, QoS 0, Remaining Length 10
        0x00, 0x03, b'a', b'/', b'b', // Topic Name
        b'h', b'e', b'l', b'l', b'o', // Payload
    ];
    let packet = Packet::from(Publish::new(topic("a/b"), "hello"));
    assert_vector(V311, &bytes, &packet);
    assert_vector(V31, &bytes, &packet);
}

#[test]
fn v311_publish_qos1_spec_example() {
    // Figure 3.11: Topic Name "a/b", Packet Identifier 10. [MQTT-2.3.1-1]
    let bytes = [
        0x32, 0x09, // PUBLISH, QoS 1, Remaining Length 9
        0x00, 0x03, 0x61, 0x2F, 0x62, // Topic Name
        0x00, 0x0A, // Packet Identifier 10
        b'h', b'i', // Payload
    ];
    let mut p = Publish::new(topic("a/b"), "hi");
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(pid(10));
    assert_vector(V311, &bytes, &Packet::from(p));
}

#[test]
fn v311_publish_qos1_dup() {
    // [MQTT-3.3.1-1] DUP 1 on re-delivery: flags 1010.
    let bytes = [0x3A, 0x07, 0x00, 0x01, b's', 0xFF, 0xFE, b'o', b'k'];
    let mut p = Publish::new(topic("s"), "ok");
    p.dup = true;
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(pid(0xFFFE));
    assert_vector(V311, &bytes, &Packet::from(p));
}

#[test]
fn v311_publish_qos2_dup_retain_binary_payload() {
    // Flags DUP 1, QoS 10, RETAIN 1 = 1101.
    let bytes = [
        0x3D, 0x0A, // Remaining Length 10 = 5 + 2 + 3
        0x00, 0x03, b'x', b'/', b'y', // Topic Name
        0x12, 0x34, // Packet Identifier 0x1234
        0x00, 0x01, 0xFF, // Payload
    ];
    let mut p = Publish::new(topic("x/y"), Bytes::from_static(&[0x00, 0x01, 0xFF]));
    p.dup = true;
    p.qos = QoS::ExactlyOnce;
    p.retain = true;
    p.packet_id = Some(pid(0x1234));
    assert_vector(V311, &bytes, &Packet::from(p));
}

#[test]
fn v311_publish_retained_empty_payload() {
    // [MQTT-3.3.1-10] a zero-byte retained message: Remaining Length covers only
    // the Topic Name.
    let bytes = [0x31, 0x05, 0x00, 0x03, b'a', b'/', b'b'];
    let mut p = Publish::new(topic("a/b"), Bytes::new());
    p.retain = true;
    assert_vector(V311, &bytes, &Packet::from(p));
}

#[test]
fn v311_publish_two_byte_remaining_length() {
    // 2.2.3: Remaining Length 203 = 0x4B + 1 * 128, encoded 0xCB 0x01.
    let mut bytes = vec![0x30, 0xCB, 0x01, 0x00, 0x01, b't'];
    bytes.extend_from_slice(&[0x5A; 200]);
    let packet = Packet::from(Publish::new(topic("t"), vec![0x5A; 200]));
    assert_vector(V311, &bytes, &packet);

    let header = FixedHeader::parse(&bytes, MAX, V311).unwrap().unwrap();
    assert_eq!(header.packet_type, PacketType::Publish);
    assert_eq!(header.flags, 0);
    assert_eq!(header.remaining_length, 203);
    assert_eq!(header.header_len, 3);
    assert_eq!(header.packet_len(), 206);
}

#[test]
fn v311_publish_topic_keeps_bom_and_utf8() {
    // [MQTT-1.5.3-3] EF BB BF is U+FEFF and must not be stripped.
    let bytes = [
        0x30, 0x0A, // Remaining Length 10 = 2 + 7 + 1
        0x00, 0x07, 0xEF, 0xBB, 0xBF, b'/', 0xC3, 0xA9, b'x', // "\u{FEFF}/éx"
        b'!', // Payload
    ];
    let packet = Packet::from(Publish::new(topic("\u{FEFF}/\u{e9}x"), "!"));
    assert_vector(V311, &bytes, &packet);
}

#[test]
fn v311_publish_drops_v5_properties_when_encoding() {
    let bytes = [0x32, 0x08, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x07, b'!'];
    let mut p = Publish::new(topic("a/b"), "!");
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(pid(7));
    p.properties = PublishProperties {
        payload_format_indicator: Some(true),
        message_expiry_interval: Some(60),
        response_topic: Some(topic("r")),
        correlation_data: Some(Bytes::from_static(b"cd")),
        user_properties: vec![("k".into(), "v".into())],
        subscription_identifiers: vec![NonZeroU32::new(5).unwrap()],
        content_type: Some("text/plain".into()),
        topic_alias: None,
    };
    assert_encodes(&Packet::from(p.clone()), V311, &bytes);
    p.properties = PublishProperties::default();
    assert_eq!(decode_one(&bytes, Some(V311)), Packet::from(p));
}

#[test]
fn v311_publish_malformed_flags_and_topics() {
    // [MQTT-3.3.1-4] both QoS bits set.
    assert_kind(
        decode_err(&[0x36, 0x05, 0x00, 0x01, b'a', 0x00, 0x01], Some(V311)),
        ErrorKind::InvalidPublishQos,
        Some("MQTT-3.3.1-4"),
    );
    // [MQTT-3.3.1-2] DUP must be 0 at QoS 0 in 3.1.1.
    assert_kind(
        decode_err(&[0x38, 0x03, 0x00, 0x01, b'a'], Some(V311)),
        ErrorKind::DupWithQos0,
        Some("MQTT-3.3.1-2"),
    );
    // [MQTT-3.3.2-2] [MQTT-4.7.1-1] no wildcards in a Topic Name.
    assert_kind(
        decode_err(&[0x30, 0x05, 0x00, 0x03, b'a', b'/', b'+'], Some(V311)),
        ErrorKind::TopicNameWildcard,
        Some("MQTT-3.3.2-2"),
    );
    assert_kind(
        decode_err(&[0x30, 0x03, 0x00, 0x01, b'#'], Some(V311)),
        ErrorKind::TopicNameWildcard,
        Some("MQTT-3.3.2-2"),
    );
    // [MQTT-4.7.3-1] Topic Names are at least one character long.
    assert_kind(
        decode_err(&[0x30, 0x03, 0x00, 0x00, b'x'], Some(V311)),
        ErrorKind::EmptyTopic,
        Some("MQTT-4.7.3-1"),
    );
    // [MQTT-2.3.1-1] QoS > 0 requires a non-zero Packet Identifier.
    assert_kind(
        decode_err(&[0x32, 0x05, 0x00, 0x01, b'a', 0x00, 0x00], Some(V311)),
        ErrorKind::ZeroPacketId,
        Some("MQTT-2.3.1-1"),
    );
    // Packet Identifier cut short by the Remaining Length.
    assert_eq!(
        decode_err(&[0x34, 0x04, 0x00, 0x01, b'a', 0x00], Some(V311)).kind(),
        ErrorKind::Truncated
    );
}

// ---------------------------------------------------------------------------
// PUBACK, PUBREC, PUBREL, PUBCOMP (3.1.1 sections 3.4 to 3.7)
// ---------------------------------------------------------------------------

#[test]
fn v311_pub_responses() {
    // Figures 3.12 to 3.17: fixed header, Remaining Length 2, Packet Identifier.
    // PUBREL's fixed header flags are 0010 [MQTT-3.6.1-1]. [MQTT-2.3.1-6]
    let r = PubResponse::new(pid(10));
    for v in [V311, V31] {
        assert_vector(v, &[0x40, 0x02, 0x00, 0x0A], &Packet::PubAck(r.clone()));
        assert_vector(v, &[0x50, 0x02, 0x00, 0x0A], &Packet::PubRec(r.clone()));
        assert_vector(v, &[0x62, 0x02, 0x00, 0x0A], &Packet::PubRel(r.clone()));
        assert_vector(v, &[0x70, 0x02, 0x00, 0x0A], &Packet::PubComp(r.clone()));
    }
    let high = PubResponse::new(pid(0xABCD));
    assert_vector(V311, &[0x40, 0x02, 0xAB, 0xCD], &Packet::PubAck(high));
}

#[test]
fn v311_pub_response_v5_reason_and_properties_encode_as_packet_id_only() {
    let props = AckProperties {
        reason_string: Some("no one listening".into()),
        user_properties: vec![("a".into(), "b".into())],
    };
    let mut ack = PubResponse::with_reason(pid(0x0102), ReasonCode::NoMatchingSubscribers);
    ack.properties = props.clone();
    assert_encodes(
        &Packet::PubAck(ack.clone()),
        V311,
        &[0x40, 0x02, 0x01, 0x02],
    );
    assert_encodes(&Packet::PubRec(ack), V311, &[0x50, 0x02, 0x01, 0x02]);

    let mut rel = PubResponse::with_reason(pid(0x0102), ReasonCode::PacketIdentifierNotFound);
    rel.properties = props;
    assert_encodes(
        &Packet::PubRel(rel.clone()),
        V311,
        &[0x62, 0x02, 0x01, 0x02],
    );
    assert_encodes(&Packet::PubComp(rel), V31, &[0x70, 0x02, 0x01, 0x02]);

    // A failure code is also just dropped: 3.x has no way to carry it.
    let refused = PubResponse::with_reason(pid(3), ReasonCode::NotAuthorized);
    assert_encodes(&Packet::PubAck(refused), V311, &[0x40, 0x02, 0x00, 0x03]);
}

#[test]
fn v311_pub_response_has_no_reason_code_byte() {
    // 3.4.1: Remaining Length is 2 in 3.1.1; a third byte (a 5.0 reason code) is
    // not part of the packet.
    for first in [0x40, 0x50, 0x62, 0x70] {
        assert_eq!(
            decode_err(&[first, 0x03, 0x00, 0x0A, 0x10], Some(V311)).kind(),
            ErrorKind::TrailingBytes
        );
        assert_eq!(
            decode_err(&[first, 0x01, 0x00], Some(V311)).kind(),
            ErrorKind::Truncated
        );
    }
    // Packet Identifier 0 is never valid.
    assert_eq!(
        decode_err(&[0x40, 0x02, 0x00, 0x00], Some(V311)).kind(),
        ErrorKind::ZeroPacketId
    );
}

#[test]
fn v311_pubrel_fixed_header_flags_must_be_0010() {
    // [MQTT-3.6.1-1]
    for first in [0x60, 0x63, 0x6A] {
        assert_kind(
            decode_err(&[first, 0x02, 0x00, 0x0A], Some(V311)),
            ErrorKind::InvalidFixedHeaderFlags(PacketType::PubRel, first & 0x0F),
            Some("MQTT-3.6.1-1"),
        );
    }
    // PUBACK, PUBREC and PUBCOMP flags are reserved 0000. [MQTT-2.2.2-2]
    assert_kind(
        decode_err(&[0x42, 0x02, 0x00, 0x0A], Some(V311)),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::PubAck, 0x02),
        Some("MQTT-2.2.2-2"),
    );
}
