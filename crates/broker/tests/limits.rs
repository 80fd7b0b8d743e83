#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! Limits and protocol maxima: connection count, packet size, QoS, Receive
//! Maximum, topic length and levels, subscriptions per client, Topic Aliases,
//! Subscription Identifiers from clients, packets a Server never receives.
//!
//! Statement ids are scoped by version: `v5` ids come from
//! `mqtt-v5.0-normative.tsv`, `v311` ids from `mqtt-v3.1.1-normative.tsv`.

use std::num::{NonZeroU16, NonZeroU32};
use std::time::Duration;

use midge_proto::bytes::{Bytes, BytesMut};
use midge_proto::{
    ByteString, ConnAck, Packet, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode, SubAck,
    Subscribe, SubscriptionOptions, TopicName, UnsubAck, Unsubscribe, Will,
};
use midge_testkit::{
    TestBroker, TestClient, aliased, connect, filter, memory_broker, pid, publish, publish_id,
    read_to_close, test_config, v5,
};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, DuplexStream};

// ---------------------------------------------------------------- helpers

/// A QoS 2 PUBLISH with packet id `id`.
fn qos2(topic: &str, id: u16) -> Publish {
    publish_id(topic, "q2", QoS::ExactlyOnce, id)
}

/// The next packet must be a PUBREC for `id` accepting the message.
async fn expect_pubrec_accepted<S: AsyncRead + AsyncWrite + Unpin>(
    client: &mut TestClient<S>,
    id: u16,
) {
    let r = client.expect_pubrec(id).await;
    assert!(!r.reason_code.is_error(), "{r:?}");
}

/// A PUBLISH of `len` payload bytes to `topic` at QoS 0.
fn sized_publish(topic: &str, len: usize) -> Publish {
    Publish::new(
        TopicName::new(ByteString::from(topic)).unwrap(),
        Bytes::from(vec![b'x'; len]),
    )
}

/// A QoS 0 PUBLISH to `topic` whose whole packet is exactly `size` bytes for
/// `version`.
fn publish_of_size(topic: &str, size: usize, version: ProtocolVersion) -> Publish {
    let overhead = Packet::from(sized_publish(topic, 200)).encoded_len(version) - 200;
    let p = sized_publish(topic, size - overhead);
    assert_eq!(Packet::from(p.clone()).encoded_len(version), size);
    p
}

// -------------------------------------------------------- max_connections

// `limits.max_connections`: a connection beyond the limit is closed (without
// CONNACK); the connections already up are unaffected, and a slot freed by a
// disconnection can be used again.
#[tokio::test]
async fn max_connections_closes_extra_connection() {
    let broker = TestBroker::with_config(|c| c.limits.max_connections = 2).await;
    let mut a = broker.connect_v5("a").await;
    let b = broker.connect_v311("b").await;
    let mut extra = broker.raw().await;
    extra.set_version(ProtocolVersion::V5);
    extra.send(v5("extra")).await;
    extra.expect_silent_close().await;
    a.ping().await;

    b.disconnect(ReasonCode::Success).await;
    // The slot is released once the broker has finished with `b`.
    let mut accepted = None;
    for _ in 0..50 {
        let mut c = broker.raw().await;
        c.set_version(ProtocolVersion::V5);
        c.send(v5("late")).await;
        match c.try_recv(Duration::from_secs(2)).await {
            Some(Packet::ConnAck(ack)) => {
                assert_eq!(ack.reason_code, ReasonCode::Success);
                accepted = Some(c);
                break;
            }
            Some(other) => panic!("expected CONNACK, got {other:?}"),
            None => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    let mut late = accepted.expect("a freed slot is reused");
    late.ping().await;
    a.ping().await;
    broker.stop().await;
}

// -------------------------------------------------------- max_packet_size

// v5 [MQTT-3.2.2-15] broken by the client: a packet larger than the Maximum
// Packet Size in CONNACK is a Protocol Error: DISCONNECT 0x95, close. A packet
// of exactly the maximum is accepted. Other clients are unaffected.
#[tokio::test]
async fn mqtt_3_2_2_15_packet_too_large_disconnect_0x95_v5() {
    let broker = TestBroker::with_config(|c| c.limits.max_packet_size = 1024).await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "big/#", QoS::AtMostOnce).await;
    let (mut c, connack) = broker.connect(v5("big")).await;
    assert_eq!(
        connack.properties.maximum_packet_size.map(NonZeroU32::get),
        Some(1024)
    );
    c.send(publish_of_size("big/ok", 1024, ProtocolVersion::V5))
        .await;
    c.ping().await;
    assert_eq!(sub.recv_publish().await.topic.as_str(), "big/ok");
    c.send(publish_of_size("big/no", 1025, ProtocolVersion::V5))
        .await;
    c.expect_disconnect_code(ReasonCode::PacketTooLarge).await;
    // Not delivered; the subscriber and other publishers carry on.
    sub.ping().await;
    let mut other = broker.connect_v5("other").await;
    other
        .publish_complete(publish("big/after", "fine", QoS::AtLeastOnce))
        .await;
    let p = sub.recv_publish().await;
    assert_eq!(p.topic.as_str(), "big/after");
    broker.stop().await;
}

// 3.1.1: an oversized packet closes the connection (no DISCONNECT in 3.1.1).
#[tokio::test]
async fn max_packet_size_exceeded_closes_v311() {
    let broker = TestBroker::with_config(|c| c.limits.max_packet_size = 1024).await;
    let mut sub = broker.connect_v311("sub").await;
    sub.subscribe(1, "big/#", QoS::AtMostOnce).await;
    let mut c = broker.connect_v311("big").await;
    c.send(publish_of_size("big/ok", 1024, ProtocolVersion::V3_1_1))
        .await;
    c.ping().await;
    assert_eq!(sub.recv_publish().await.topic.as_str(), "big/ok");
    c.send(publish_of_size("big/no", 1025, ProtocolVersion::V3_1_1))
        .await;
    c.expect_silent_close().await;
    sub.ping().await;
    sub.expect_nothing(Duration::from_millis(200)).await;
    broker.stop().await;
}

// The limit is enforced from the fixed header: the broker does not wait for
// (or buffer) the body of an oversized packet before disconnecting.
#[tokio::test]
async fn mqtt_3_2_2_15_oversized_packet_refused_from_its_header() {
    let broker = TestBroker::with_config(|c| c.limits.max_packet_size = 1024).await;
    let mut c = broker.connect_v5("hdr").await;
    // PUBLISH, Remaining Length 100000, and no body at all.
    c.send_bytes(&[0x30, 0xA0, 0x8D, 0x06]).await;
    c.expect_disconnect_code(ReasonCode::PacketTooLarge).await;
    broker.stop().await;
}

/// An in-memory connection to `shared` as a bare byte stream.
fn raw_duplex(shared: &std::sync::Arc<midge_broker::broker::Shared>) -> DuplexStream {
    let (client, server) = tokio::io::duplex(64 * 1024);
    tokio::spawn(midge_broker::connection::serve(
        std::sync::Arc::clone(shared),
        server,
        "raw".to_owned(),
    ));
    client
}

fn oversized_connect(version: ProtocolVersion) -> Vec<u8> {
    let mut connect = connect(version, "huge");
    connect.username = Some(ByteString::from("u".repeat(400)));
    let mut bytes = BytesMut::new();
    Packet::from(connect).encode(version, &mut bytes).unwrap();
    bytes.to_vec()
}

// v5 section 4.13.1 / [MQTT-4.13.1-1] and v311 [MQTT-3.2.2-6]: a CONNECT
// larger than the maximum packet size closes the connection. A CONNACK is
// optional (v5: MAY send CONNACK 0x95), but if one is sent it must be valid for
// the client's protocol version: 0x95 in the 5.0 format, or a 3.x return code
// 0x00-0x05 in the 3.x format. In-memory pipe: no TCP reset can hide bytes.
#[tokio::test]
async fn mqtt_4_13_1_1_oversized_connect_closes() {
    let mut config = test_config();
    config.limits.max_packet_size = 256;
    let shared = memory_broker(config);
    for version in [
        ProtocolVersion::V5,
        ProtocolVersion::V3_1_1,
        ProtocolVersion::V3_1,
    ] {
        let mut stream = raw_duplex(&shared);
        stream.write_all(&oversized_connect(version)).await.unwrap();
        let got = read_to_close(&mut stream).await;
        let valid = if version.is_v5() {
            got.is_empty() || got.starts_with(&[0x20, 0x03, 0x00, 0x95, 0x00])
        } else {
            got.is_empty() || (got.len() == 4 && got[..3] == [0x20, 0x02, 0x00] && got[3] <= 5)
        };
        assert!(valid, "{version}: got {got:02X?}");
    }
}

// The same after CONNECT: a large PUBLISH (much bigger than the limit, so
// most of it is still unread when the broker gives up) gets DISCONNECT 0x95
// that the client can read.
#[tokio::test]
async fn mqtt_3_2_2_15_disconnect_0x95_reaches_tcp_client() {
    let broker = TestBroker::with_config(|c| c.limits.max_packet_size = 1024).await;
    let mut c = broker.connect_v5("huge").await;
    c.send(sized_publish("big/t", 200_000)).await;
    c.expect_disconnect_code(ReasonCode::PacketTooLarge).await;
    broker.stop().await;
}

// ------------------------------------------------------------ maximum_qos

// v5 [MQTT-3.2.2-11] broken by the client: a PUBLISH above the Maximum QoS
// announced in CONNACK: DISCONNECT 0x9B, close. Not delivered.
#[tokio::test]
async fn mqtt_3_2_2_11_publish_above_maximum_qos_disconnect_0x9b() {
    for (max, too_high) in [(1u8, QoS::ExactlyOnce), (0, QoS::AtLeastOnce)] {
        let broker = TestBroker::with_config(|c| c.limits.maximum_qos = max).await;
        let mut sub = broker.connect_v5("sub").await;
        sub.subscribe(1, "q/#", QoS::AtMostOnce).await;
        let (mut c, connack) = broker.connect(v5("pub")).await;
        assert_eq!(connack.properties.maximum_qos, QoS::from_u8(max));
        // At the maximum: fine.
        let ok = QoS::from_u8(max).unwrap();
        c.publish_complete(publish("q/ok", "ok", ok)).await;
        assert_eq!(sub.recv_publish().await.topic.as_str(), "q/ok");
        c.send(publish("q/high", "no", too_high)).await;
        c.expect_disconnect_code(ReasonCode::QoSNotSupported).await;
        sub.expect_nothing(Duration::from_millis(200)).await;
        broker.stop().await;
    }
}

// v5 [MQTT-3.2.2-10]: a broker that does not support QoS 2 still accepts a
// SUBSCRIBE asking for QoS 2 (granting at most its Maximum QoS).
#[tokio::test]
async fn mqtt_3_2_2_10_subscribe_qos2_accepted_with_lower_maximum() {
    for (max, granted) in [(1u8, ReasonCode::GrantedQoS1), (0, ReasonCode::Success)] {
        let broker = TestBroker::with_config(|c| c.limits.maximum_qos = max).await;
        let mut c = broker.connect_v5("sub").await;
        let suback = c.subscribe(1, "q/#", QoS::ExactlyOnce).await;
        assert_eq!(suback.reason_codes, vec![granted]);
        c.ping().await;
        broker.stop().await;
    }
}

// v5 [MQTT-3.2.2-14] broken by the client: a retained PUBLISH when Retain
// Available is 0: DISCONNECT 0x9A.
#[tokio::test]
async fn mqtt_3_2_2_14_retained_publish_when_unavailable_disconnect_0x9a() {
    let broker = TestBroker::with_config(|c| c.retained.enabled = false).await;
    let mut c = broker.connect_v5("ret").await;
    let mut p = publish("r/t", "x", QoS::AtMostOnce);
    p.retain = true;
    c.send(p).await;
    c.expect_disconnect_code(ReasonCode::RetainNotSupported)
        .await;
    broker.stop().await;
}

// -------------------------------------------------------- Receive Maximum

// v5 section 3.3.4 ([MQTT-3.3.4-7] broken by the client): more QoS 2
// PUBLISHes awaiting PUBREL than the Receive Maximum in CONNACK: DISCONNECT
// 0x93. A re-sent duplicate does not count; PUBREL frees a slot.
#[tokio::test]
async fn mqtt_3_3_4_7_receive_maximum_exceeded_disconnect_0x93() {
    let broker = TestBroker::with_config(|c| c.limits.receive_maximum = 2).await;
    let (mut c, connack) = broker.connect(v5("rm")).await;
    assert_eq!(
        connack.properties.receive_maximum.map(NonZeroU16::get),
        Some(2)
    );
    c.send(qos2("rm/t", 1)).await;
    expect_pubrec_accepted(&mut c, 1).await;
    c.send(qos2("rm/t", 2)).await;
    expect_pubrec_accepted(&mut c, 2).await;
    // The same packet again (DUP): not a new exchange.
    let mut dup = qos2("rm/t", 2);
    dup.dup = true;
    c.send(dup).await;
    expect_pubrec_accepted(&mut c, 2).await;
    // Releasing one frees a slot.
    c.send(Packet::PubRel(PubResponse::new(pid(1)))).await;
    match c.recv().await {
        Packet::PubComp(p) => assert_eq!(p.packet_id, pid(1)),
        other => panic!("expected PUBCOMP, got {other:?}"),
    }
    c.send(qos2("rm/t", 3)).await;
    expect_pubrec_accepted(&mut c, 3).await;
    // Two awaiting PUBREL (2 and 3): a third is one too many.
    c.send(qos2("rm/t", 4)).await;
    c.expect_disconnect_code(ReasonCode::ReceiveMaximumExceeded)
        .await;
    broker.stop().await;
}

// v5 section 3.3.4: the Receive Maximum counts QoS 1 and QoS 2 PUBLISHes not
// yet answered by PUBACK or PUBCOMP; with two QoS 2 exchanges open (PUBREC
// sent, no PUBCOMP) and Receive Maximum 2, a QoS 1 PUBLISH is one too many
// (the client's send quota is 0, section 4.9): DISCONNECT 0x93.
#[tokio::test]
async fn mqtt_3_3_4_7_receive_maximum_counts_qos1_too() {
    let broker = TestBroker::with_config(|c| c.limits.receive_maximum = 2).await;
    let mut c = broker.connect_v5("rm1").await;
    c.send(qos2("rm/t", 1)).await;
    expect_pubrec_accepted(&mut c, 1).await;
    c.send(qos2("rm/t", 2)).await;
    expect_pubrec_accepted(&mut c, 2).await;
    let mut p = publish("rm/t", "q1", QoS::AtLeastOnce);
    p.packet_id = Some(pid(3));
    c.send(p).await;
    c.expect_disconnect_code(ReasonCode::ReceiveMaximumExceeded)
        .await;
    broker.stop().await;
}

// QoS 1 PUBLISHes answered at once never exceed the Receive Maximum.
#[tokio::test]
async fn mqtt_3_3_4_7_acknowledged_qos1_does_not_exceed_receive_maximum() {
    let broker = TestBroker::with_config(|c| c.limits.receive_maximum = 1).await;
    let mut c = broker.connect_v5("rmq1").await;
    for id in 1..=10 {
        assert!(!c.publish_qos1("rm/q1", "x", id).await.is_error());
    }
    c.ping().await;
    broker.stop().await;
}

// ------------------------------------------------------ topic limits

// `limits.max_topic_length`: a longer topic name is refused (v5: PUBACK 0x90
// Topic Name invalid, or DISCONNECT 0x90) and not delivered; a name of exactly
// the limit is accepted.
#[tokio::test]
async fn max_topic_length_publish_refused_v5() {
    let broker = TestBroker::with_config(|c| c.limits.max_topic_length = 16).await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "#", QoS::AtLeastOnce).await;
    let mut c = broker.connect_v5("long").await;
    let exact = "a".repeat(16);
    assert_eq!(c.publish_qos1(&exact, "ok", 1).await, ReasonCode::Success);
    assert_eq!(sub.recv_publish().await.topic.as_str(), exact);
    let mut p = publish(&"a".repeat(17), "no", QoS::AtLeastOnce);
    p.packet_id = Some(pid(2));
    c.send(p).await;
    match c.try_recv(Duration::from_secs(5)).await {
        Some(Packet::PubAck(a)) => {
            assert_eq!(
                (a.packet_id, a.reason_code),
                (pid(2), ReasonCode::TopicNameInvalid)
            );
        }
        Some(Packet::Disconnect(d)) => assert_eq!(d.reason_code, ReasonCode::TopicNameInvalid),
        other => panic!("expected PUBACK or DISCONNECT 0x90, got {other:?}"),
    }
    sub.expect_nothing(Duration::from_millis(200)).await;
    broker.stop().await;
}

// `limits.max_topic_levels`: more levels than allowed is refused the same way.
#[tokio::test]
async fn max_topic_levels_publish_refused_v5() {
    let broker = TestBroker::with_config(|c| c.limits.max_topic_levels = 3).await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "#", QoS::AtLeastOnce).await;
    let mut c = broker.connect_v5("deep").await;
    assert_eq!(c.publish_qos1("a/b/c", "ok", 1).await, ReasonCode::Success);
    assert_eq!(sub.recv_publish().await.topic.as_str(), "a/b/c");
    let mut p = publish("a/b/c/d", "no", QoS::AtLeastOnce);
    p.packet_id = Some(pid(2));
    c.send(p).await;
    match c.try_recv(Duration::from_secs(5)).await {
        Some(Packet::PubAck(a)) => assert_eq!(a.reason_code, ReasonCode::TopicNameInvalid),
        Some(Packet::Disconnect(d)) => assert_eq!(d.reason_code, ReasonCode::TopicNameInvalid),
        other => panic!("expected PUBACK or DISCONNECT 0x90, got {other:?}"),
    }
    // A QoS 0 PUBLISH cannot be answered: the connection is closed (or the
    // message dropped), never delivered.
    let mut c0 = broker.connect_v5("deep0").await;
    c0.send(publish("a/b/c/d/e", "no", QoS::AtMostOnce)).await;
    if let Some(p) = c0.try_recv(Duration::from_millis(300)).await {
        match p {
            Packet::Disconnect(d) => assert_eq!(d.reason_code, ReasonCode::TopicNameInvalid),
            other => panic!("unexpected {other:?}"),
        }
    }
    sub.expect_nothing(Duration::from_millis(200)).await;
    broker.stop().await;
}

// 3.1.1 cannot refuse a PUBLISH with a code: the connection is closed
// (v311 section 3.3.5) and the message is not delivered.
#[tokio::test]
async fn max_topic_length_publish_closes_v311() {
    let broker = TestBroker::with_config(|c| c.limits.max_topic_length = 16).await;
    let mut sub = broker.connect_v311("sub").await;
    sub.subscribe(1, "#", QoS::AtLeastOnce).await;
    let mut c = broker.connect_v311("long").await;
    c.send(publish(&"a".repeat(17), "no", QoS::AtLeastOnce))
        .await;
    c.expect_silent_close().await;
    sub.expect_nothing(Duration::from_millis(200)).await;
    broker.stop().await;
}

// Topic filters over the length or level limits get SUBACK 0x8F (Topic
// Filter invalid; 3.1.1: 0x80); the other filters of the same SUBSCRIBE are
// granted (v5 [MQTT-3.9.3-1] one code per filter, in order).
#[tokio::test]
async fn topic_limits_subscribe_refused_per_filter() {
    let broker = TestBroker::with_config(|c| {
        c.limits.max_topic_length = 16;
        c.limits.max_topic_levels = 3;
    })
    .await;
    for version in [ProtocolVersion::V5, ProtocolVersion::V3_1_1] {
        let (mut c, _) = broker.connect(connect(version, "filters")).await;
        let opts = SubscriptionOptions::new(QoS::AtLeastOnce);
        c.send(Subscribe::new(
            pid(1),
            vec![
                (filter("a/b/#"), opts),
                (filter(&"f".repeat(17)), opts),
                (filter("a/b/c/d"), opts),
                (filter(&"f".repeat(16)), opts),
            ],
        ))
        .await;
        let refused = if version.is_v5() {
            ReasonCode::TopicFilterInvalid
        } else {
            ReasonCode::UnspecifiedError
        };
        match c.recv().await {
            Packet::SubAck(s) => assert_eq!(
                s.reason_codes,
                vec![
                    ReasonCode::GrantedQoS1,
                    refused,
                    refused,
                    ReasonCode::GrantedQoS1
                ],
                "{version}"
            ),
            other => panic!("expected SUBACK, got {other:?}"),
        }
    }
    broker.stop().await;
}

// A will topic over the limits: v5 CONNACK 0x90 (Topic Name invalid), close.
#[tokio::test]
async fn topic_limits_will_topic_refused_v5() {
    let broker = TestBroker::with_config(|c| c.limits.max_topic_levels = 3).await;
    let mut connect = v5("will");
    connect.will = Some(Will {
        topic: TopicName::new(ByteString::from_static("w/x/y/z")).unwrap(),
        payload: Bytes::from_static(b"bye"),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: Default::default(),
    });
    let mut c = broker.raw().await;
    let connack = c.handshake(connect).await;
    assert_eq!(connack.reason_code, ReasonCode::TopicNameInvalid);
    c.expect_silent_close().await;
    broker.stop().await;
}

// ---------------------------------------------- subscriptions per client

// `limits.max_subscriptions_per_client`: a new subscription beyond the limit
// gets SUBACK 0x97 (Quota exceeded) and is not made; replacing an existing
// subscription is not a new one ([MQTT-3.8.4-3]); unsubscribing frees a slot.
#[tokio::test]
async fn max_subscriptions_per_client_suback_0x97_v5() {
    let broker = TestBroker::with_config(|c| c.limits.max_subscriptions_per_client = 2).await;
    let mut c = broker.connect_v5("subs").await;
    let opts = SubscriptionOptions::new(QoS::AtLeastOnce);
    c.send(Subscribe::new(
        pid(1),
        vec![
            (filter("s/a"), opts),
            (filter("s/b"), opts),
            (filter("s/c"), opts),
        ],
    ))
    .await;
    match c.recv().await {
        Packet::SubAck(s) => assert_eq!(
            s.reason_codes,
            vec![
                ReasonCode::GrantedQoS1,
                ReasonCode::GrantedQoS1,
                ReasonCode::QuotaExceeded
            ]
        ),
        other => panic!("expected SUBACK, got {other:?}"),
    }
    let mut publisher = broker.connect_v5("pub").await;
    assert_eq!(
        publisher.publish_qos1("s/c", "x", 1).await,
        ReasonCode::NoMatchingSubscribers
    );
    // Replacing s/a is allowed at the limit.
    let suback = c.subscribe(2, "s/a", QoS::ExactlyOnce).await;
    assert_eq!(suback.reason_codes, vec![ReasonCode::GrantedQoS2]);
    let suback = c.subscribe(3, "s/d", QoS::AtMostOnce).await;
    assert_eq!(suback.reason_codes, vec![ReasonCode::QuotaExceeded]);
    c.send(Unsubscribe::new(pid(4), vec![filter("s/b")])).await;
    match c.recv().await {
        Packet::UnsubAck(u) => assert_eq!(u.reason_codes, vec![ReasonCode::Success]),
        other => panic!("expected UNSUBACK, got {other:?}"),
    }
    let suback = c.subscribe(5, "s/d", QoS::AtMostOnce).await;
    assert_eq!(suback.reason_codes, vec![ReasonCode::Success]);
    broker.stop().await;
}

// 3.1.1: the refusal is SUBACK 0x80 (Failure).
#[tokio::test]
async fn max_subscriptions_per_client_suback_0x80_v311() {
    let broker = TestBroker::with_config(|c| c.limits.max_subscriptions_per_client = 1).await;
    let mut c = broker.connect_v311("subs").await;
    let suback = c.subscribe(1, "s/a", QoS::AtLeastOnce).await;
    assert_eq!(suback.reason_codes, vec![ReasonCode::GrantedQoS1]);
    let suback = c.subscribe(2, "s/b", QoS::AtLeastOnce).await;
    assert_eq!(suback.reason_codes, vec![ReasonCode::UnspecifiedError]);
    broker.stop().await;
}

// ------------------------------------------------ Subscription Identifier

// v5 [MQTT-3.3.4-6]: a PUBLISH from a client must not carry a Subscription
// Identifier: Protocol Error, DISCONNECT 0x82; not delivered.
#[tokio::test]
async fn mqtt_3_3_4_6_subscription_identifier_from_client_disconnect_0x82() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "sid/#", QoS::AtMostOnce).await;
    let mut c = broker.connect_v5("sid").await;
    let mut p = publish("sid/t", "x", QoS::AtMostOnce);
    p.properties
        .subscription_identifiers
        .push(NonZeroU32::new(5).unwrap());
    c.send(p).await;
    c.expect_disconnect_code(ReasonCode::ProtocolError).await;
    sub.expect_nothing(Duration::from_millis(200)).await;
    broker.stop().await;
}

// -------------------------------------------------------------- Topic Alias

// v5 [MQTT-3.3.2-12]: the broker accepts Topic Aliases from 1 to the Topic
// Alias Maximum it announced; a PUBLISH with an empty topic and a known alias
// is delivered under the mapped topic.
#[tokio::test]
async fn mqtt_3_3_2_12_topic_alias_within_maximum_accepted() {
    let broker = TestBroker::with_config(|c| c.limits.topic_alias_maximum = 4).await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "ta/#", QoS::AtMostOnce).await;
    let (mut c, connack) = broker.connect(v5("alias")).await;
    assert_eq!(connack.properties.topic_alias_maximum, Some(4));
    c.send(aliased("ta/one", 1, "1")).await;
    c.send(aliased("ta/four", 4, "2")).await;
    c.send(aliased("", 1, "3")).await;
    c.send(aliased("", 4, "4")).await;
    // Re-mapping an alias to a new topic.
    c.send(aliased("ta/uno", 1, "5")).await;
    c.send(aliased("", 1, "6")).await;
    c.ping().await;
    let mut got = Vec::new();
    for _ in 0..6 {
        let p = sub.recv_publish().await;
        // The broker does not forward the publisher's alias.
        assert_eq!(p.properties.topic_alias, None);
        got.push((
            p.topic.as_str().to_owned(),
            String::from_utf8(p.payload.to_vec()).unwrap(),
        ));
    }
    let expected: Vec<(String, String)> = [
        ("ta/one", "1"),
        ("ta/four", "2"),
        ("ta/one", "3"),
        ("ta/four", "4"),
        ("ta/uno", "5"),
        ("ta/uno", "6"),
    ]
    .iter()
    .map(|(t, p)| ((*t).to_owned(), (*p).to_owned()))
    .collect();
    assert_eq!(got, expected);
    broker.stop().await;
}

// v5 section 3.3.2.3.4 (3a): an empty topic with an alias never set on this
// connection is a Protocol Error: DISCONNECT 0x82.
#[tokio::test]
async fn mqtt_3_3_2_12_unknown_topic_alias_disconnect_0x82() {
    let broker = TestBroker::start().await;
    let mut c = broker.connect_v5("alias").await;
    c.send(aliased("", 3, "x")).await;
    c.expect_disconnect_code(ReasonCode::ProtocolError).await;
    broker.stop().await;
}

// v5 [MQTT-3.3.2-9]: an alias above the Topic Alias Maximum in CONNACK:
// DISCONNECT 0x94 (Topic Alias invalid).
#[tokio::test]
async fn mqtt_3_3_2_9_topic_alias_above_maximum_disconnect_0x94() {
    let broker = TestBroker::start().await;
    let (mut c, connack) = broker.connect(v5("alias")).await;
    let max = connack.properties.topic_alias_maximum.unwrap();
    c.send(aliased("ta/x", max + 1, "x")).await;
    c.expect_disconnect_code(ReasonCode::TopicAliasInvalid)
        .await;
    broker.stop().await;
}

// v5 [MQTT-3.2.2-18]: with no Topic Alias Maximum in CONNACK (0), any alias
// is invalid: DISCONNECT 0x94.
#[tokio::test]
async fn mqtt_3_2_2_18_topic_alias_when_disabled_disconnect_0x94() {
    let broker = TestBroker::with_config(|c| c.limits.topic_alias_maximum = 0).await;
    let (mut c, connack) = broker.connect(v5("alias")).await;
    assert!(matches!(
        connack.properties.topic_alias_maximum,
        None | Some(0)
    ));
    c.send(aliased("ta/x", 1, "x")).await;
    c.expect_disconnect_code(ReasonCode::TopicAliasInvalid)
        .await;
    broker.stop().await;
}

// v5 [MQTT-3.3.2-8] broken by the client: Topic Alias 0: DISCONNECT 0x94.
#[tokio::test]
async fn mqtt_3_3_2_8_topic_alias_zero_disconnect_0x94() {
    let broker = TestBroker::start().await;
    let mut c = broker.connect_v5("alias0").await;
    // PUBLISH QoS 0, topic "t", properties: Topic Alias (0x23) = 0, payload "x".
    c.send_bytes(&[0x30, 0x08, 0x00, 0x01, b't', 0x03, 0x23, 0x00, 0x00, b'x'])
        .await;
    c.expect_disconnect_code(ReasonCode::TopicAliasInvalid)
        .await;
    broker.stop().await;
}

// v5 [MQTT-3.3.2-7]: alias mappings do not survive the connection, even when
// the session does.
#[tokio::test]
async fn mqtt_3_3_2_7_topic_alias_not_carried_to_next_connection() {
    let broker = TestBroker::start().await;
    let mut connect = v5("alias-s");
    connect.properties.session_expiry_interval = Some(300);
    let (mut c, _) = broker.connect(connect.clone()).await;
    c.send(aliased("ta/x", 1, "x")).await;
    c.ping().await;
    c.send(midge_proto::Disconnect::new(ReasonCode::Success))
        .await;
    c.expect_silent_close().await;
    connect.clean_start = false;
    let (mut c, connack) = broker.connect(connect).await;
    assert!(connack.session_present);
    c.send(aliased("", 1, "y")).await;
    c.expect_disconnect_code(ReasonCode::ProtocolError).await;
    broker.stop().await;
}

// ------------------------------------------- packets a Server never gets

// v5 section 4.13 / 1.2 (Protocol Error): CONNACK, SUBACK, UNSUBACK and
// PINGRESP are Server-to-Client packets; receiving one is a Protocol Error:
// DISCONNECT 0x82. v311 [MQTT-4.8.0-1]: the connection is closed.
#[tokio::test]
async fn mqtt_4_13_1_server_bound_server_packets_are_protocol_errors() {
    let broker = TestBroker::start().await;
    let packets = || -> Vec<Packet> {
        vec![
            Packet::from(ConnAck::new(ReasonCode::Success, false)),
            Packet::from(SubAck::new(pid(1), vec![ReasonCode::Success])),
            Packet::from(UnsubAck::new(pid(1), vec![ReasonCode::Success])),
            Packet::PingResp,
        ]
    };
    for packet in packets() {
        let mut c = broker.connect_v5("wrong-way").await;
        let kind = packet.packet_type();
        c.send(packet).await;
        let d = c
            .expect_close()
            .await
            .unwrap_or_else(|| panic!("{kind}: expected DISCONNECT"));
        assert_eq!(d.reason_code, ReasonCode::ProtocolError, "{kind}");
    }
    for packet in packets() {
        let mut c = broker.connect_v311("wrong-way").await;
        c.send(packet).await;
        c.expect_silent_close().await;
    }
    broker.stop().await;
}

// ------------------------------------------------ isolation of clients

// A client breaking the protocol is disconnected alone: a subscriber and a
// publisher connected at the same time keep working, and the broker keeps
// accepting connections.
#[tokio::test]
async fn misbehaving_client_does_not_affect_others() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "iso/#", QoS::AtLeastOnce).await;
    let mut publisher = broker.connect_v311("pub").await;
    let garbage: [&[u8]; 4] = [
        &[0x00, 0x00],                         // reserved packet type 0
        &[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], // invalid Remaining Length
        &[0x62, 0x02, 0x00, 0x00],             // PUBREL with packet id 0
        &[0x82, 0x00],                         // empty SUBSCRIBE
    ];
    for bytes in garbage {
        let mut bad = broker.connect_v5("bad").await;
        bad.send_bytes(bytes).await;
        let d = bad.expect_close().await;
        assert!(d.is_some_and(|d| d.reason_code.is_error()), "{bytes:02X?}");
        publisher
            .publish_complete(publish("iso/t", "ok", QoS::AtLeastOnce))
            .await;
        let p = sub.recv_publish().await;
        sub.send(Packet::PubAck(PubResponse::new(p.packet_id.unwrap())))
            .await;
    }
    sub.ping().await;
    publisher.ping().await;
    broker.stop().await;
}

// v5 [MQTT-3.1.2-24], [MQTT-3.1.2-25]: the broker never sends a packet larger
// than the client's Maximum Packet Size: such a message is dropped for that
// client, which still gets the following ones.
#[tokio::test]
async fn mqtt_3_1_2_25_message_over_client_maximum_packet_size_dropped() {
    let broker = TestBroker::start().await;
    let mut connect = v5("small");
    connect.properties.maximum_packet_size = NonZeroU32::new(128);
    let (mut sub, _) = broker.connect(connect).await;
    sub.subscribe(1, "mps/#", QoS::AtLeastOnce).await;
    let mut publisher = broker.connect_v5("pub").await;
    let mut big = sized_publish("mps/big", 200);
    big.qos = QoS::AtLeastOnce;
    big.packet_id = Some(pid(1));
    publisher.publish_complete(big).await;
    publisher
        .publish_complete(publish("mps/small", "ok", QoS::AtLeastOnce))
        .await;
    let p = sub.recv_publish().await;
    assert_eq!(p.topic.as_str(), "mps/small");
    sub.send(Packet::PubAck(PubResponse::new(p.packet_id.unwrap())))
        .await;
    sub.expect_nothing(Duration::from_millis(200)).await;
    broker.stop().await;
}
