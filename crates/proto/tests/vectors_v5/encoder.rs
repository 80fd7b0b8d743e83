//! `encoded_len`, and the encoder refusing packets the specification forbids sending.

use midge_proto::bytes::{Bytes, BytesMut};
use midge_proto::property::{ConnAckProperties, WillProperties};
use midge_proto::{
    Auth, ByteString, ConnAck, Connect, Disconnect, EncodeError, ErrorKind, Packet, PubResponse,
    Publish, QoS, ReasonCode, Subscribe, SubscriptionOptions, TopicName, Will,
};

use crate::common::{V5, bin, filter, nz32, pair, pid, s, topic, try_decode};

// ----------------------------------------------------------- encoded_len ----

#[test]
fn v5_encoded_len_equals_bytes_written() {
    let mut big = Publish::new(topic("big"), Bytes::from(vec![0u8; 200_000]));
    big.qos = QoS::AtLeastOnce;
    big.packet_id = Some(pid(1));
    let mut with_props = Publish::new(topic("a/b"), "x");
    with_props.properties.subscription_identifiers = vec![nz32(268_435_455), nz32(128)];
    with_props.properties.user_properties = vec![pair("k", "v"); 40];
    let mut connect = Connect::new(V5, "client");
    connect.will = Some(Will {
        topic: topic("w"),
        payload: bin(b"p"),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: WillProperties {
            will_delay_interval: Some(1),
            ..WillProperties::default()
        },
    });
    let packets = [
        Packet::from(big),
        Packet::from(with_props),
        Packet::from(connect),
        Packet::from(ConnAck::new(ReasonCode::Success, true)),
        Packet::PubAck(PubResponse::new(pid(1))),
        Packet::PubRec(PubResponse::with_reason(pid(1), ReasonCode::QuotaExceeded)),
        Packet::PingReq,
        Packet::from(Disconnect::default()),
        Packet::from(Auth::new(ReasonCode::ContinueAuthentication)),
    ];
    for packet in &packets {
        let mut buf = BytesMut::new();
        packet.encode(V5, &mut buf).unwrap();
        assert_eq!(
            packet.encoded_len(V5),
            buf.len(),
            "{:?}",
            packet.packet_type()
        );
        // What is not Remaining Length is the fixed header: 2 to 5 bytes.
        let header = buf.len() - packet.remaining_len(V5);
        assert!((2..=5).contains(&header), "fixed header of {header} bytes");
    }
    // 200 000 + 2 + 3 + 2 + 1 = 200 008 needs a three-byte Remaining Length
    // (0xC8 0x9A 0x0C), so the packet is 1 + 3 + 200 008 bytes.
    let mut buf = BytesMut::new();
    packets[0].encode(V5, &mut buf).unwrap();
    assert_eq!(&buf[..4], &[0x32, 0xC8, 0x9A, 0x0C]);
    assert_eq!(buf.len(), 200_012);
}

#[test]
fn v5_encode_appends_to_existing_buffer() {
    let mut buf = BytesMut::from(&[0xAA][..]);
    Packet::PingResp.encode(V5, &mut buf).unwrap();
    Packet::PubComp(PubResponse::new(pid(3)))
        .encode(V5, &mut buf)
        .unwrap();
    assert_eq!(&buf[..], &[0xAA, 0xD0, 0x00, 0x70, 0x02, 0x00, 0x03]);
}

// ------------------------------------------ the encoder's side of the rules ----

/// The encoder must refuse `packet` (the spec forbids sending it), leaving the
/// buffer untouched. On failure the message shows what was emitted and what a
/// receiver (our own decoder) says about those bytes.
fn assert_encode_refused(packet: &Packet, rule: &str) {
    let mut buf = BytesMut::from(&[0xAA][..]);
    let result = packet.encode(V5, &mut buf);
    let emitted = buf[1..].to_vec();
    let verdict = try_decode(&emitted).map(|_| ()).map_err(|e| e.kind());
    assert!(
        result.is_err(),
        "{rule}: encoder sent a packet a receiver must reject\n  bytes   {emitted:02X?}\n  decoder {verdict:?}"
    );
    assert_eq!(&buf[..], &[0xAA], "nothing appended on error");
}

#[test]
fn v5_encode_refuses_dup_on_qos0() {
    // [MQTT-3.3.1-2]
    let mut publish = Publish::new(topic("t"), "x");
    publish.dup = true;
    assert_encode_refused(&Packet::from(publish.clone()), "MQTT-3.3.1-2");
    let mut buf = BytesMut::new();
    assert_eq!(
        Packet::from(publish).encode(V5, &mut buf),
        Err(EncodeError::Violates(ErrorKind::DupWithQos0))
    );
}

#[test]
fn v5_encode_refuses_session_present_on_refusal() {
    // [MQTT-3.2.2-6]
    let connack = ConnAck::new(ReasonCode::NotAuthorized, true);
    assert_encode_refused(&Packet::from(connack), "MQTT-3.2.2-6");
}

/// [MQTT-1.5.4-2] U+0000 in any UTF-8 string property, and in both strings of a
/// User Property [MQTT-1.5.7-1].
#[test]
fn v5_encode_refuses_u0000_in_every_string_property() {
    let nul = || s("a\0b");
    let mut connect = Connect::new(V5, "c");
    connect.properties.authentication_method = Some(nul());
    assert_encode_refused(&Packet::from(connect), "Authentication Method in CONNECT");

    let mut connect = Connect::new(V5, "c");
    connect.will = Some(Will {
        topic: topic("w"),
        payload: Bytes::new(),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: WillProperties {
            content_type: Some(nul()),
            ..WillProperties::default()
        },
    });
    assert_encode_refused(&Packet::from(connect), "Content Type in Will Properties");

    let connack_with = |f: fn(&mut ConnAckProperties, ByteString)| {
        let mut connack = ConnAck::new(ReasonCode::Success, false);
        f(&mut connack.properties, nul());
        Packet::from(connack)
    };
    assert_encode_refused(
        &connack_with(|p, v| p.assigned_client_identifier = Some(v)),
        "Assigned Client Identifier in CONNACK",
    );
    assert_encode_refused(
        &connack_with(|p, v| p.authentication_method = Some(v)),
        "Authentication Method in CONNACK",
    );
    assert_encode_refused(
        &connack_with(|p, v| p.response_information = Some(v)),
        "Response Information in CONNACK",
    );
    assert_encode_refused(
        &connack_with(|p, v| p.server_reference = Some(v)),
        "Server Reference in CONNACK",
    );
    assert_encode_refused(
        &connack_with(|p, v| p.reason_string = Some(v)),
        "Reason String in CONNACK",
    );
    assert_encode_refused(
        &connack_with(|p, v| p.user_properties = vec![(v, s("x"))]),
        "User Property name in CONNACK",
    );
    assert_encode_refused(
        &connack_with(|p, v| p.user_properties = vec![(s("x"), v)]),
        "User Property value in CONNACK",
    );

    let mut publish = Publish::new(topic("t"), "x");
    publish.properties.content_type = Some(nul());
    assert_encode_refused(&Packet::from(publish), "Content Type in PUBLISH");

    let mut puback = PubResponse::new(pid(1));
    puback.properties.reason_string = Some(nul());
    assert_encode_refused(&Packet::PubAck(puback), "Reason String in PUBACK");

    let mut disconnect = Disconnect::default();
    disconnect.properties.server_reference = Some(nul());
    assert_encode_refused(&Packet::from(disconnect), "Server Reference in DISCONNECT");

    let mut auth = Auth::new(ReasonCode::ContinueAuthentication);
    auth.properties.authentication_method = Some(nul());
    assert_encode_refused(&Packet::from(auth), "Authentication Method in AUTH");
}

/// Section 3.1.2.11.10 (and 3.2.2.3.18, 3.15.2.2.3): "It is a Protocol Error to
/// include Authentication Data if there is no Authentication Method."
#[test]
fn v5_encode_refuses_authentication_data_without_method() {
    let mut auth = Auth::new(ReasonCode::ContinueAuthentication);
    auth.properties.authentication_data = Some(bin(b"x"));
    assert_encode_refused(&Packet::from(auth), "AUTH: data without method");

    let mut connect = Connect::new(V5, "c");
    connect.properties.authentication_data = Some(bin(b"x"));
    assert_encode_refused(&Packet::from(connect), "CONNECT: data without method");

    let mut connack = ConnAck::new(ReasonCode::Success, false);
    connack.properties.authentication_data = Some(bin(b"x"));
    assert_encode_refused(&Packet::from(connack), "CONNACK: data without method");
}

#[test]
fn v5_encode_refuses_no_local_on_shared_subscription() {
    // [MQTT-3.8.3-4]
    let opts = SubscriptionOptions {
        no_local: true,
        ..SubscriptionOptions::new(QoS::AtLeastOnce)
    };
    let subscribe = Subscribe::new(pid(1), vec![(filter("$share/g/a"), opts)]);
    assert_encode_refused(&Packet::from(subscribe), "MQTT-3.8.3-4");
}

/// `TopicName::empty()` is only valid as a PUBLISH topic next to a Topic Alias;
/// a zero-length Will Topic or Response Topic breaks [MQTT-4.7.3-1].
#[test]
fn v5_encode_refuses_empty_will_topic_and_response_topic() {
    let mut connect = Connect::new(V5, "c");
    connect.will = Some(Will {
        topic: TopicName::empty(),
        payload: Bytes::new(),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: WillProperties::default(),
    });
    assert_encode_refused(&Packet::from(connect), "MQTT-4.7.3-1 (Will Topic)");

    let mut publish = Publish::new(topic("t"), "x");
    publish.properties.response_topic = Some(TopicName::empty());
    assert_encode_refused(&Packet::from(publish), "MQTT-4.7.3-1 (Response Topic)");
}
