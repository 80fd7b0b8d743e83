#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! Flow control and resource limits over TCP: the client's Receive Maximum
//! (section 4.9), the client's Maximum Packet Size, slow subscribers, session
//! queue limits and their drop counters.

use std::collections::VecDeque;
use std::num::{NonZeroU16, NonZeroU32};
use std::sync::atomic::Ordering;
use std::time::Duration;

use midge_broker::config::QueueFullPolicy;
use midge_proto::{Connect, Packet, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode};
use midge_testkit::{QUIET, TestBroker, TestClient, connect, pid, publish, text};
use tokio::net::{TcpSocket, TcpStream};

type Client = TestClient<TcpStream>;

async fn client_with(
    broker: &TestBroker,
    version: ProtocolVersion,
    id: &str,
    edit: impl FnOnce(&mut Connect),
) -> (Client, bool) {
    let mut c = connect(version, id);
    edit(&mut c);
    let (client, connack) = broker.connect(c).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    (client, connack.session_present)
}

async fn receive_max(broker: &TestBroker, id: &str, max: u16) -> Client {
    client_with(broker, ProtocolVersion::V5, id, |c| {
        c.properties.receive_maximum = NonZeroU16::new(max);
    })
    .await
    .0
}

/// [MQTT-3.3.4-9], [MQTT-4.9.0-2], [MQTT-4.6.0-6]: with a Receive Maximum of
/// 2 the broker never has more than 2 unacknowledged QoS 1 PUBLISHes out; each
/// PUBACK lets exactly one more through, in publish order.
#[tokio::test]
async fn mqtt_3_3_4_9_receive_maximum_bounds_unacknowledged_qos1() {
    const N: usize = 12;
    let broker = TestBroker::start().await;
    let mut sub = receive_max(&broker, "sub", 2).await;
    sub.subscribe(1, "fc/t", QoS::AtLeastOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    publ.publish_n("fc/t", QoS::AtLeastOnce, N).await;

    let mut in_flight: VecDeque<Publish> = VecDeque::new();
    let mut next = 0;
    let mut quiet_checks = 0;
    while next < N || !in_flight.is_empty() {
        if in_flight.len() < 2 && next < N {
            let p = sub.recv_publish().await;
            assert_eq!(text(&p), next.to_string(), "in order");
            next += 1;
            in_flight.push_back(p);
        } else {
            if quiet_checks < 4 {
                // Quota is 0: nothing more may come.
                sub.expect_nothing(Duration::from_millis(150)).await;
                quiet_checks += 1;
            }
            let oldest = in_flight.pop_front().unwrap();
            sub.send(Packet::PubAck(PubResponse::new(oldest.packet_id.unwrap())))
                .await;
        }
    }
    sub.expect_nothing(QUIET).await;
    broker.stop().await;
}

/// [MQTT-3.3.4-9], [MQTT-4.9.0-2] for QoS 2 (section 4.9: PUBCOMP replenishes
/// the quota): a QoS 2 PUBLISH counts against the Receive Maximum until its
/// PUBCOMP, not its PUBREC; a PUBREC with a reason code of 0x80 or more ends
/// the exchange at once ([MQTT-4.4.0-2]: no PUBREL, not re-sent).
#[tokio::test]
async fn mqtt_4_9_0_2_qos2_counts_against_receive_maximum_until_pubcomp() {
    let broker = TestBroker::start().await;
    let mut sub = receive_max(&broker, "sub", 2).await;
    sub.subscribe(1, "fc2/t", QoS::ExactlyOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    publ.publish_n("fc2/t", QoS::ExactlyOnce, 5).await;

    let a = sub.recv_publish().await;
    let b = sub.recv_publish().await;
    assert_eq!((text(&a), text(&b)), ("0".into(), "1".into()));
    sub.expect_nothing(QUIET).await;
    for p in [&a, &b] {
        sub.send(Packet::PubRec(PubResponse::new(p.packet_id.unwrap())))
            .await;
    }
    for p in [&a, &b] {
        match sub.recv().await {
            Packet::PubRel(r) => assert_eq!(r.packet_id, p.packet_id.unwrap()),
            other => panic!("expected PUBREL, got {other:?}"),
        }
    }
    // Both still await PUBCOMP: the quota is still 0.
    sub.expect_nothing(QUIET).await;
    sub.send(Packet::PubComp(PubResponse::new(a.packet_id.unwrap())))
        .await;
    let c = sub.recv_publish().await;
    assert_eq!(text(&c), "2");
    sub.expect_nothing(QUIET).await;

    // Refuse "2" with PUBREC 0x80: its slot is free at once, no PUBREL for it.
    sub.send(Packet::PubRec(PubResponse::with_reason(
        c.packet_id.unwrap(),
        ReasonCode::UnspecifiedError,
    )))
    .await;
    let d = sub.recv_publish().await;
    assert_eq!(text(&d), "3");
    sub.expect_nothing(QUIET).await;
    sub.send(Packet::PubComp(PubResponse::new(b.packet_id.unwrap())))
        .await;
    let e = sub.recv_publish_acking().await;
    assert_eq!(text(&e), "4");
    broker.stop().await;
}

/// [MQTT-3.3.4-10], [MQTT-4.9.0-3]: with the send quota at 0 the broker still
/// answers every other packet: PINGRESP, SUBACK, UNSUBACK, and the acks of the
/// client's own QoS 1 and QoS 2 PUBLISHes.
#[tokio::test]
async fn mqtt_3_3_4_10_other_packets_flow_while_quota_is_zero() {
    let broker = TestBroker::start().await;
    let mut sub = receive_max(&broker, "sub", 1).await;
    sub.subscribe(1, "q0/t", QoS::AtLeastOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    publ.publish_n("q0/t", QoS::AtLeastOnce, 3).await;
    let held = sub.recv_publish().await; // quota now 0
    sub.expect_nothing(Duration::from_millis(150)).await;

    sub.send(Packet::PingReq).await;
    assert!(matches!(sub.recv().await, Packet::PingResp));
    let ack = sub.subscribe(2, "other/#", QoS::AtLeastOnce).await;
    assert_eq!(ack.packet_id, pid(2));
    let ack = sub.unsubscribe(3, &["other/#"]).await;
    assert_eq!(ack.packet_id, pid(3));
    sub.publish_complete({
        let mut p = publish("elsewhere", "x", QoS::AtLeastOnce);
        p.packet_id = Some(pid(10));
        p
    })
    .await;
    sub.publish_complete({
        let mut p = publish("elsewhere", "y", QoS::ExactlyOnce);
        p.packet_id = Some(pid(11));
        p
    })
    .await;

    sub.send(Packet::PubAck(PubResponse::new(held.packet_id.unwrap())))
        .await;
    assert_eq!(text(&sub.recv_publish_acking().await), "1");
    assert_eq!(text(&sub.recv_publish_acking().await), "2");
    broker.stop().await;
}

/// `limits.max_inflight` bounds the in-flight window of a 3.1.1 client, which
/// has no Receive Maximum (midge.example.toml), and the rest follows in order.
#[tokio::test]
async fn config_max_inflight_bounds_v311_in_flight_window() {
    let broker = TestBroker::with_config(|c| c.limits.max_inflight = 2).await;
    let (mut sub, _) = client_with(&broker, ProtocolVersion::V3_1_1, "sub", |_| {}).await;
    sub.subscribe(1, "w/t", QoS::AtLeastOnce).await;
    let (mut publ, _) = client_with(&broker, ProtocolVersion::V3_1_1, "pub", |_| {}).await;
    publ.publish_n("w/t", QoS::AtLeastOnce, 5).await;
    let a = sub.recv_publish().await;
    let b = sub.recv_publish().await;
    sub.expect_nothing(QUIET).await;
    for p in [&a, &b] {
        sub.send(Packet::PubAck(PubResponse::new(p.packet_id.unwrap())))
            .await;
    }
    for want in ["2", "3", "4"] {
        assert_eq!(text(&sub.recv_publish_acking().await), want);
    }
    broker.stop().await;
}

/// [MQTT-3.1.2-24], [MQTT-3.1.2-25]: a message larger than the client's
/// Maximum Packet Size is not sent to it, and the broker carries on as if it
/// had been sent: it takes no Receive Maximum slot, later smaller messages are
/// delivered, other subscribers get it; the drop is counted.
#[tokio::test]
async fn mqtt_3_1_2_24_25_messages_over_client_maximum_packet_size_not_sent() {
    let broker = TestBroker::start().await;
    let (mut small, _) = client_with(&broker, ProtocolVersion::V5, "small", |c| {
        c.properties.maximum_packet_size = NonZeroU32::new(128);
        c.properties.receive_maximum = NonZeroU16::new(1);
    })
    .await;
    small.subscribe(1, "mps/t", QoS::AtLeastOnce).await;
    let mut big = broker.connect_v5("big").await;
    big.subscribe(1, "mps/t", QoS::AtLeastOnce).await;
    let mut publ = broker.connect_v5("pub").await;

    let payloads = [
        "a".repeat(50),
        "b".repeat(500),
        "c".repeat(50),
        "d".repeat(126),
        "e".repeat(10),
    ];
    for (i, body) in payloads.iter().enumerate() {
        let mut p = publish("mps/t", body, QoS::AtLeastOnce);
        p.packet_id = Some(pid(u16::try_from(i + 1).unwrap()));
        publ.publish_complete(p).await;
    }
    for body in &payloads {
        assert_eq!(&text(&big.recv_publish_acking().await), body);
    }
    for want in [&payloads[0], &payloads[2], &payloads[4]] {
        let got = small.recv_publish_acking().await;
        assert!(Packet::from(got.clone()).encoded_len(ProtocolVersion::V5) <= 128);
        assert_eq!(&text(&got), want);
    }
    small.expect_no_publish(QUIET).await;
    assert_eq!(
        broker
            .shared()
            .metrics
            .dropped_too_large
            .load(Ordering::Relaxed),
        2
    );
    broker.stop().await;
}

/// [MQTT-3.1.2-25] with an outbound Topic Alias: a QoS 1 PUBLISH that fits the
/// client's Maximum Packet Size without an alias but not with one must not be
/// left "in flight" unsent, holding the only Receive Maximum slot: later
/// messages must still be delivered.
#[tokio::test]
async fn mqtt_3_1_2_25_publish_dropped_for_size_does_not_hold_receive_maximum() {
    let mut first = publish("alias/t", &"x".repeat(100), QoS::AtLeastOnce);
    first.packet_id = Some(pid(1));
    // The size as the broker sends it (its own packet id is also 2 bytes).
    let fits = u32::try_from(Packet::from(first.clone()).encoded_len(ProtocolVersion::V5)).unwrap();
    let broker = TestBroker::start().await;
    let (mut sub, _) = client_with(&broker, ProtocolVersion::V5, "sub", |c| {
        c.properties.maximum_packet_size = NonZeroU32::new(fits);
        c.properties.receive_maximum = NonZeroU16::new(1);
        c.properties.topic_alias_maximum = Some(4);
    })
    .await;
    sub.subscribe(1, "alias/#", QoS::AtLeastOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    publ.publish_complete(first).await;
    let mut next = publish("alias/u", "next", QoS::AtLeastOnce);
    next.packet_id = Some(pid(2));
    publ.publish_complete(next).await;
    loop {
        let Some(p) = sub.try_recv(Duration::from_secs(2)).await else {
            panic!("delivery stalled: \"next\" never arrived");
        };
        let Packet::Publish(p) = p else {
            panic!("unexpected {p:?}");
        };
        sub.send(Packet::PubAck(PubResponse::new(p.packet_id.unwrap())))
            .await;
        if &p.payload[..] == b"next" {
            break;
        }
    }
    broker.stop().await;
}

/// A subscriber that never reads does not stop another subscriber from
/// receiving every message; its own queue stays within
/// `limits.max_queued_messages` and the drops are counted.
#[tokio::test]
async fn slow_subscriber_does_not_block_other_subscribers() {
    const N: usize = 1500;
    const MAX_QUEUED: usize = 10;
    let broker = TestBroker::with_config(|c| c.limits.max_queued_messages = MAX_QUEUED).await;

    // The slow subscriber: a tiny receive buffer, and it never reads.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(broker.addr).await.unwrap();
    let mut slow = TestClient::new(stream);
    slow.handshake(connect(ProtocolVersion::V5, "slow")).await;
    slow.subscribe(1, "load/t", QoS::AtMostOnce).await;

    let mut fast = broker.connect_v5("fast").await;
    fast.subscribe(1, "load/t", QoS::AtMostOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    let body = "z".repeat(8 * 1024);
    for i in 0..N {
        let mut p = publish("load/t", &body, QoS::AtMostOnce);
        p.payload = bytes::Bytes::from(format!("{i}:{body}"));
        publ.send(p).await;
        let got = fast.recv_publish().await;
        assert!(
            got.payload.starts_with(format!("{i}:").as_bytes()),
            "fast subscriber got every message in order"
        );
    }
    let session = broker.shared().session("slow").expect("slow session");
    assert!(session.lock().queue.len() <= MAX_QUEUED);
    let m = &broker.shared().metrics;
    assert!(
        m.dropped_qos0.load(Ordering::Relaxed) > 0,
        "the slow subscriber's overflow is counted: {}",
        m.dropped_qos0.load(Ordering::Relaxed)
    );
    drop(slow);
    broker.stop().await;
}

async fn offline_v311_subscriber(broker: &TestBroker, qos: QoS) {
    let (mut sub, _) = client_with(broker, ProtocolVersion::V3_1_1, "sub", |c| {
        c.clean_start = false
    })
    .await;
    sub.subscribe(1, "off/t", qos).await;
    sub.disconnect(ReasonCode::Success).await;
    broker.wait_offline("sub").await;
}

async fn reconnect_v311(broker: &TestBroker) -> Client {
    let (sub, present) = client_with(broker, ProtocolVersion::V3_1_1, "sub", |c| {
        c.clean_start = false
    })
    .await;
    assert!(present, "session present");
    sub
}

/// `limits.max_queued_messages` (with `queue_full_policy`): an offline 3.1.1
/// persistent session ([MQTT-4.5.0-1] queues for it) keeps at most that many
/// messages; with "drop-new" the first ones, with "drop-oldest" the last ones;
/// drops are counted in `dropped_queue_full`.
#[tokio::test]
async fn offline_session_queue_bounded_by_max_queued_messages() {
    for (policy, want) in [
        (QueueFullPolicy::DropNew, 0..5),
        (QueueFullPolicy::DropOldest, 15..20),
    ] {
        let broker = TestBroker::with_config(|c| {
            c.limits.max_queued_messages = 5;
            c.limits.queue_full_policy = policy;
        })
        .await;
        offline_v311_subscriber(&broker, QoS::AtLeastOnce).await;
        let (mut publ, _) = client_with(&broker, ProtocolVersion::V3_1_1, "pub", |_| {}).await;
        publ.publish_n("off/t", QoS::AtLeastOnce, 20).await;

        let mut sub = reconnect_v311(&broker).await;
        for i in want {
            assert_eq!(
                text(&sub.recv_publish_acking().await),
                i.to_string(),
                "{policy:?}"
            );
        }
        sub.expect_no_publish(QUIET).await;
        assert_eq!(
            broker
                .shared()
                .metrics
                .dropped_queue_full
                .load(Ordering::Relaxed),
            15
        );
        broker.stop().await;
    }
}

/// `limits.queue_qos0_offline`: QoS 0 messages are not queued for an offline
/// session by default (counted in `dropped_offline_qos0`), QoS 1 are; with the
/// option on, both are, in order.
#[tokio::test]
async fn qos0_queued_for_offline_session_only_when_configured() {
    for queue_qos0 in [false, true] {
        let broker = TestBroker::with_config(|c| c.limits.queue_qos0_offline = queue_qos0).await;
        offline_v311_subscriber(&broker, QoS::AtLeastOnce).await;
        let (mut publ, _) = client_with(&broker, ProtocolVersion::V3_1_1, "pub", |_| {}).await;
        for (i, qos) in [
            QoS::AtMostOnce,
            QoS::AtLeastOnce,
            QoS::AtMostOnce,
            QoS::AtLeastOnce,
        ]
        .into_iter()
        .enumerate()
        {
            let mut p = publish("off/t", &format!("{i}-q{}", qos.as_u8()), qos);
            if qos != QoS::AtMostOnce {
                p.packet_id = Some(pid(u16::try_from(i + 1).unwrap()));
            }
            publ.publish_complete(p).await;
        }
        let want: &[&str] = if queue_qos0 {
            &["0-q0", "1-q1", "2-q0", "3-q1"]
        } else {
            &["1-q1", "3-q1"]
        };
        let mut sub = reconnect_v311(&broker).await;
        for w in want {
            assert_eq!(
                &text(&sub.recv_publish_acking().await),
                w,
                "queue_qos0_offline = {queue_qos0}"
            );
        }
        sub.expect_no_publish(QUIET).await;
        let dropped = broker
            .shared()
            .metrics
            .dropped_offline_qos0
            .load(Ordering::Relaxed);
        assert_eq!(dropped, if queue_qos0 { 0 } else { 2 });
        broker.stop().await;
    }
}

/// midge.example.toml: "Queued QoS 0 messages are always dropped first": a
/// full queue makes room for a QoS 1 message by dropping the oldest queued
/// QoS 0 one (counted in `dropped_qos0`), and a new QoS 0 message is dropped
/// when nothing else can go.
#[tokio::test]
async fn full_queue_drops_qos0_before_qos1() {
    let broker = TestBroker::with_config(|c| {
        c.limits.max_queued_messages = 4;
        c.limits.queue_qos0_offline = true;
    })
    .await;
    offline_v311_subscriber(&broker, QoS::AtLeastOnce).await;
    let (mut publ, _) = client_with(&broker, ProtocolVersion::V3_1_1, "pub", |_| {}).await;
    let sends = [
        ("a0", QoS::AtMostOnce),
        ("b0", QoS::AtMostOnce),
        ("c1", QoS::AtLeastOnce),
        ("d1", QoS::AtLeastOnce),
        ("e1", QoS::AtLeastOnce), // drops a0
        ("f0", QoS::AtMostOnce),  // dropped: the queue holds b0 c1 d1 e1
        ("g1", QoS::AtLeastOnce), // drops b0
    ];
    for (i, (body, qos)) in sends.into_iter().enumerate() {
        let mut p = publish("off/t", body, qos);
        if qos != QoS::AtMostOnce {
            p.packet_id = Some(pid(u16::try_from(i + 1).unwrap()));
        }
        publ.publish_complete(p).await;
    }
    let mut sub = reconnect_v311(&broker).await;
    for want in ["c1", "d1", "e1", "g1"] {
        assert_eq!(text(&sub.recv_publish_acking().await), want);
    }
    sub.expect_no_publish(QUIET).await;
    let m = &broker.shared().metrics;
    assert_eq!(m.dropped_qos0.load(Ordering::Relaxed), 3);
    assert_eq!(m.dropped_queue_full.load(Ordering::Relaxed), 0);
    broker.stop().await;
}

/// Section 3.3.4 (the broker enforcing [MQTT-3.3.4-7]): a client with more
/// unreleased QoS 2 PUBLISHes than the Receive Maximum the broker announced is
/// disconnected with 0x93 Receive Maximum exceeded; the message over the limit
/// is not delivered.
#[tokio::test]
async fn mqtt_3_3_4_7_inbound_receive_maximum_exceeded_disconnect_0x93() {
    let broker = TestBroker::with_config(|c| c.limits.receive_maximum = 3).await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "rm/t", QoS::AtMostOnce).await;
    let (mut publ, connack) = broker.connect(connect(ProtocolVersion::V5, "pub")).await;
    assert_eq!(connack.properties.receive_maximum, NonZeroU16::new(3));
    for id in 1..=3u16 {
        let mut p = publish("rm/t", &id.to_string(), QoS::ExactlyOnce);
        p.packet_id = Some(pid(id));
        publ.send(p).await;
        match publ.recv().await {
            Packet::PubRec(r) => assert_eq!(r.packet_id, pid(id)),
            other => panic!("expected PUBREC, got {other:?}"),
        }
    }
    let mut p = publish("rm/t", "4", QoS::ExactlyOnce);
    p.packet_id = Some(pid(4));
    publ.send(p).await;
    let d = publ.expect_close().await.expect("DISCONNECT");
    assert_eq!(d.reason_code, ReasonCode::ReceiveMaximumExceeded);
    for want in ["1", "2", "3"] {
        assert_eq!(text(&sub.recv_publish().await), want);
    }
    sub.expect_nothing(QUIET).await;
    broker.stop().await;
}
