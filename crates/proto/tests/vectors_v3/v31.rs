//! MQTT 3.1 (protocol name `MQIsdp`, level 3): CONNECT, and the 3.1 leniencies
//! in the fixed header flags of PUBLISH, PUBREL, SUBSCRIBE and UNSUBSCRIBE.

use bytes::Bytes;
use midge_proto::property::WillProperties;
use midge_proto::{
    Connect, ErrorKind, Packet, PacketType, ProtocolVersion, PubResponse, Publish, QoS, Subscribe,
    SubscriptionOptions, Unsubscribe, Will,
};

use crate::common::{
    V31, V311, assert_connect_vector, assert_encodes, assert_vector, decode_err, decode_one,
    filter, pid, topic,
};

// ---------------------------------------------------------------------------
// CONNECT (MQTT 3.1, protocol name "MQIsdp", level 3)
// ---------------------------------------------------------------------------

#[test]
fn v31_connect_mqisdp_minimal() {
    let bytes = [
        0x10, 0x10, // Remaining Length 16 = 12 + 4
        0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', // Protocol Name "MQIsdp"
        0x03, // Protocol Version 3
        0x02, // Clean Session
        0x00, 0x3C, // Keep Alive 60
        0x00, 0x02, b'c', b'1', // Client Identifier
    ];
    let mut c = Connect::new(V31, "c1");
    c.keep_alive = 60;
    assert_connect_vector(&bytes, c);
}

#[test]
fn v31_connect_mqisdp_with_will_and_credentials() {
    // Flags: User | Password | Will Retain | Will QoS 1 | Will Flag | Clean = 0xEE.
    let bytes = [
        0x10, 0x1C, // Remaining Length 28 = 12 + 16
        0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0xEE, 0x00, 0x3C, 0x00, 0x02, b'c',
        b'1', // Client Identifier
        0x00, 0x01, b'a', // Will Topic
        0x00, 0x01, b'x', // Will Message
        0x00, 0x01, b'u', // User Name
        0x00, 0x01, b'p', // Password
    ];
    let mut c = Connect::new(V31, "c1");
    c.keep_alive = 60;
    c.will = Some(Will {
        topic: topic("a"),
        payload: Bytes::from_static(b"x"),
        qos: QoS::AtLeastOnce,
        retain: true,
        properties: WillProperties::default(),
    });
    c.username = Some("u".into());
    c.password = Some(Bytes::from_static(b"p"));
    assert_connect_vector(&bytes, c);
}

#[test]
fn v31_connect_password_flag_without_password_bytes_is_accepted() {
    // MQTT 3.1 leniency: the Password Flag is set but the payload ends after the
    // User Name. Decodes as "no password".
    let bytes = [
        0x10, 0x13, // Remaining Length 19 = 12 + 4 + 3
        0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0xC2, 0x00, 0x0A, 0x00, 0x02, b'c',
        b'1', // Client Identifier
        0x00, 0x01, b'u', // User Name, then nothing
    ];
    let mut c = Connect::new(V31, "c1");
    c.keep_alive = 10;
    c.username = Some("u".into());
    assert_eq!(decode_one(&bytes, None), Packet::from(c.clone()));

    // Re-encoding cannot express "flag without bytes": the flag is cleared (0x82).
    let reencoded = [
        0x10, 0x13, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0x82, 0x00, 0x0A, 0x00,
        0x02, b'c', b'1', 0x00, 0x01, b'u',
    ];
    assert_encodes(&Packet::from(c), V31, &reencoded);
}

#[test]
fn v31_connect_encodes_for_its_own_version_whatever_the_argument() {
    // A CONNECT is always encoded for the protocol it carries.
    let bytes = [
        0x10, 0x0F, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0x00, 0x00, 0x00, 0x00,
        0x01, b'z',
    ];
    let mut c = Connect::new(V31, "z");
    c.clean_start = false;
    let packet = Packet::from(c);
    assert_encodes(&packet, ProtocolVersion::V5, &bytes);
    assert_encodes(&packet, V311, &bytes);
    assert_eq!(decode_one(&bytes, None), packet);
}

#[test]
fn v31_publish_qos0_with_dup_is_accepted() {
    // MQTT 3.1 leniency: DUP on a QoS 0 PUBLISH is tolerated (and kept).
    let bytes = [0x38, 0x04, 0x00, 0x01, b'a', b'z'];
    let mut p = Publish::new(topic("a"), "z");
    p.dup = true;
    assert_vector(V31, &bytes, &Packet::from(p));
}

#[test]
fn v31_pubrel_with_dup_bit_is_accepted() {
    // MQTT 3.1 leniency: PUBREL carried QoS 1 in its header and could carry DUP
    // (flags 1010). Re-encoding normalises to 0010.
    assert_eq!(
        decode_one(&[0x6A, 0x02, 0x00, 0x0A], Some(V31)),
        Packet::PubRel(PubResponse::new(pid(10)))
    );
    assert_encodes(
        &Packet::PubRel(PubResponse::new(pid(10))),
        V31,
        &[0x62, 0x02, 0x00, 0x0A],
    );
    // Only DUP is tolerated, not other reserved bits.
    assert_eq!(
        decode_err(&[0x60, 0x02, 0x00, 0x0A], Some(V31)).kind(),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::PubRel, 0x00)
    );
}

#[test]
fn v31_subscribe_and_unsubscribe_with_dup_bit_are_accepted() {
    // MQTT 3.1 leniency: SUBSCRIBE and UNSUBSCRIBE carried QoS 1 and could carry
    // DUP (flags 1010); re-encoding normalises to 0010.
    let sub = Packet::from(Subscribe::new(
        pid(2),
        vec![(filter("a"), SubscriptionOptions::new(QoS::AtLeastOnce))],
    ));
    assert_eq!(
        decode_one(&[0x8A, 0x06, 0x00, 0x02, 0x00, 0x01, b'a', 0x01], Some(V31)),
        sub
    );
    assert_encodes(&sub, V31, &[0x82, 0x06, 0x00, 0x02, 0x00, 0x01, b'a', 0x01]);

    let unsub = Packet::from(Unsubscribe::new(pid(2), vec![filter("a")]));
    assert_eq!(
        decode_one(&[0xAA, 0x05, 0x00, 0x02, 0x00, 0x01, b'a'], Some(V31)),
        unsub
    );
    assert_encodes(&unsub, V31, &[0xA2, 0x05, 0x00, 0x02, 0x00, 0x01, b'a']);
}
