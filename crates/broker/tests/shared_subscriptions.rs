#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! MQTT 5.0 Shared Subscriptions (section 4.8.2) over TCP: one member per
//! message, balancing, granted QoS, no retained messages, hand-over of queued
//! messages when a member leaves, QoS 2 in flight, subscribe errors.

use std::collections::BTreeSet;
use std::num::NonZeroU16;
use std::time::Duration;

use midge_proto::{Connect, Packet, PubResponse, QoS, ReasonCode};
use midge_testkit::{QUIET, TestBroker, TestClient, WAIT, pid, publish};
use tokio::net::TcpStream;

type Client = TestClient<TcpStream>;

fn persistent(c: &mut Connect) {
    c.clean_start = false;
    c.properties.session_expiry_interval = Some(600);
}

/// Reads (and acknowledges) PUBLISHes from `clients` in turn until `n` have
/// arrived in total (panics after [`WAIT`]), answering PUBREL with PUBCOMP;
/// then checks that none of them gets anything more for [`QUIET`]. Returns the
/// payloads and QoS each client got, in arrival order.
async fn collect_n(clients: &mut [&mut Client], n: usize) -> Vec<Vec<(String, QoS)>> {
    let mut got: Vec<Vec<(String, QoS)>> = vec![Vec::new(); clients.len()];
    let deadline = tokio::time::Instant::now() + WAIT;
    while got.iter().map(Vec::len).sum::<usize>() < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {got:?} of {n} messages"
        );
        for (i, c) in clients.iter_mut().enumerate() {
            match c.try_recv(Duration::from_millis(20)).await {
                None => {}
                Some(Packet::Publish(p)) => {
                    c.ack(&p).await;
                    got[i].push((String::from_utf8(p.payload.to_vec()).unwrap(), p.qos));
                }
                Some(Packet::PubRel(r)) => {
                    c.send(Packet::PubComp(PubResponse::new(r.packet_id))).await;
                }
                Some(other) => panic!("unexpected {other:?}"),
            }
        }
    }
    for c in clients.iter_mut() {
        c.expect_no_publish(QUIET).await;
    }
    got
}

fn payloads(v: &[(String, QoS)]) -> Vec<String> {
    v.iter().map(|(p, _)| p.clone()).collect()
}

fn numbers(n: usize) -> BTreeSet<String> {
    (0..n).map(|i| i.to_string()).collect()
}

/// Section 4.8.2: each message matching a Shared Subscription goes to exactly
/// one of the group's sessions (both members get some when both are
/// connected); each group gets its own copy, and a non-shared subscription on
/// the same filter still gets every message, in order ([MQTT-4.6.0-6]).
#[tokio::test]
async fn mqtt_4_8_2_each_message_to_exactly_one_member_per_group() {
    const N: usize = 40;
    let broker = TestBroker::start().await;
    let mut m1 = broker.connect_v5("m1").await;
    let mut m2 = broker.connect_v5("m2").await;
    let mut other = broker.connect_v5("other-group").await;
    let mut plain = broker.connect_v5("plain").await;
    for c in [&mut m1, &mut m2] {
        let ack = c.subscribe(1, "$share/g/sh/+", QoS::AtLeastOnce).await;
        assert_eq!(ack.reason_codes, vec![ReasonCode::GrantedQoS1]);
    }
    other.subscribe(1, "$share/h/sh/t", QoS::AtLeastOnce).await;
    plain.subscribe(1, "sh/t", QoS::AtLeastOnce).await;

    let mut publ = broker.connect_v5("pub").await;
    publ.publish_n("sh/t", QoS::AtLeastOnce, N).await;

    let group = collect_n(&mut [&mut m1, &mut m2], N).await;
    let (g1, g2) = (payloads(&group[0]), payloads(&group[1]));
    let h = payloads(&collect_n(&mut [&mut other], N).await[0]);
    let p = payloads(&collect_n(&mut [&mut plain], N).await[0]);
    assert!(
        !g1.is_empty() && !g2.is_empty(),
        "both members get some: {g1:?} / {g2:?}"
    );
    assert_eq!(g1.len() + g2.len(), N, "each message to exactly one member");
    let union: BTreeSet<String> = g1.iter().chain(&g2).cloned().collect();
    assert_eq!(union, numbers(N));
    let h_set: BTreeSet<String> = h.iter().cloned().collect();
    assert_eq!(
        (h.len(), h_set),
        (N, numbers(N)),
        "the other group gets every message"
    );
    let in_order: Vec<String> = (0..N).map(|i| i.to_string()).collect();
    assert_eq!(
        p, in_order,
        "the non-shared subscriber gets every message, in order"
    );
    broker.stop().await;
}

/// [MQTT-4.8.2-3]: each member gets messages at no more than its own granted
/// QoS.
#[tokio::test]
async fn mqtt_4_8_2_3_granted_qos_of_each_member_respected() {
    const N: usize = 10;
    let broker = TestBroker::start().await;
    let mut low = broker.connect_v5("low").await;
    let mut high = broker.connect_v5("high").await;
    low.subscribe(1, "$share/g/q/t", QoS::AtMostOnce).await;
    high.subscribe(1, "$share/g/q/t", QoS::ExactlyOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    publ.publish_n("q/t", QoS::ExactlyOnce, N).await;
    let got = collect_n(&mut [&mut low, &mut high], N).await;
    let (low_got, high_got) = (&got[0], &got[1]);
    assert!(
        low_got.iter().all(|(_, q)| *q == QoS::AtMostOnce),
        "{low_got:?}"
    );
    assert!(
        high_got.iter().all(|(_, q)| *q == QoS::ExactlyOnce),
        "{high_got:?}"
    );
    assert_eq!(low_got.len() + high_got.len(), N);
    broker.stop().await;
}

/// Section 4.8.2: "No Retained Messages are sent to the Session when it first
/// subscribes" to a Shared Subscription, nor to later members; live messages
/// still flow.
#[tokio::test]
async fn mqtt_4_8_2_no_retained_messages_for_shared_subscriptions() {
    let broker = TestBroker::start().await;
    let mut publ = broker.connect_v5("pub").await;
    let mut r = publish("sr/t", "retained", QoS::AtLeastOnce);
    r.retain = true;
    publ.publish_complete(r).await;

    let mut first = broker.connect_v5("first").await;
    first.subscribe(1, "$share/g/sr/t", QoS::AtLeastOnce).await;
    let mut second = broker.connect_v5("second").await;
    second.subscribe(1, "$share/g/sr/#", QoS::AtLeastOnce).await;
    second.subscribe(2, "$share/g/sr/t", QoS::AtLeastOnce).await;
    first.expect_nothing(QUIET).await;
    second.expect_nothing(Duration::from_millis(50)).await;

    let mut live = publish("sr/t", "live", QoS::AtLeastOnce);
    live.packet_id = Some(pid(2));
    publ.publish_complete(live).await;
    let got = collect_n(&mut [&mut first, &mut second], 2).await;
    let all: Vec<String> = got.iter().flat_map(|v| payloads(v)).collect();
    // "$share/g/sr/t" and "$share/g/sr/#" are two Shared Subscriptions: one
    // copy each, and no retained message anywhere.
    assert_eq!(all, vec!["live".to_owned(), "live".to_owned()]);
    broker.stop().await;
}

/// Section 4.8.2 (a member leaving): messages queued for a member that
/// disconnects (its session persisting) go to the group's remaining member;
/// together the members get every message, and the remaining member gets none
/// twice.
#[tokio::test]
async fn mqtt_4_8_2_queued_messages_go_to_remaining_member_on_disconnect() {
    const N: usize = 12;
    let broker = TestBroker::start().await;
    // A has a window of one: most of its share waits in its queue.
    let mut a = broker
        .connect_v5_with("a", |c| {
            persistent(c);
            c.properties.receive_maximum = NonZeroU16::new(1);
        })
        .await;
    let mut b = broker.connect_v5("b").await;
    a.subscribe(1, "$share/g/hand/t", QoS::AtLeastOnce).await;
    b.subscribe(1, "$share/g/hand/t", QoS::AtLeastOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    publ.publish_n("hand/t", QoS::AtLeastOnce, N).await;

    let held = a.recv_publish().await; // never acknowledged
    let held = String::from_utf8(held.payload.to_vec()).unwrap();
    a.expect_nothing(Duration::from_millis(100)).await;
    a.disconnect(ReasonCode::Success).await;

    let got = payloads(&collect_n(&mut [&mut b], N - 1).await[0]);
    let set: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(set.len(), got.len(), "no duplicates at b: {got:?}");
    let mut all = set.clone();
    all.insert(held.clone());
    assert_eq!(all, numbers(N), "a held {held}, b got {got:?}");
    assert!(got.len() >= N - 1, "b got everything a had not received");
    broker.stop().await;
}

/// Sends one QoS 2 message to member `a` of a two-member group (b gets and
/// completes the others); returns a, b and the message a holds unacknowledged.
async fn qos2_held_by_a(
    broker: &TestBroker,
    a_edit: impl FnOnce(&mut Connect),
) -> (Client, Client, midge_proto::Publish) {
    let mut a = broker.connect_v5_with("a", a_edit).await;
    let mut b = broker.connect_v5("b").await;
    a.subscribe(1, "$share/g/q2/t", QoS::ExactlyOnce).await;
    b.subscribe(1, "$share/g/q2/t", QoS::ExactlyOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    let mut n: u16 = 0;
    let held = 'publish: loop {
        n += 1;
        assert!(n < 20, "a never got a message");
        let mut p = publish("q2/t", &n.to_string(), QoS::ExactlyOnce);
        p.packet_id = Some(pid(n));
        publ.publish_complete(p).await;
        // Wait for message n at a (not acknowledged) or b (completed).
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            assert!(tokio::time::Instant::now() < deadline, "message {n} lost");
            match a.try_recv(Duration::from_millis(20)).await {
                Some(Packet::Publish(p)) => break 'publish *p,
                None => {}
                Some(other) => panic!("unexpected {other:?}"),
            }
            match b.try_recv(Duration::from_millis(20)).await {
                Some(Packet::Publish(p)) => {
                    b.ack(&p).await;
                    break;
                }
                Some(Packet::PubRel(r)) => {
                    b.send(Packet::PubComp(PubResponse::new(r.packet_id))).await;
                }
                None => {}
                Some(other) => panic!("unexpected {other:?}"),
            }
        }
    };
    // b completes whatever it got.
    b.expect_no_publish(QUIET).await;
    (a, b, held)
}

/// [MQTT-4.8.2-4]: a QoS 2 message being sent to a member whose connection
/// breaks is completed with that member when it reconnects (re-sent with DUP 1
/// and the same packet id, [MQTT-4.4.0-1]), not sent to another member.
#[tokio::test]
async fn mqtt_4_8_2_4_qos2_in_flight_completed_with_same_member_after_reconnect() {
    let broker = TestBroker::start().await;
    let (a, mut b, held) = qos2_held_by_a(&broker, persistent).await;
    a.drop_connection().await;
    b.expect_no_publish(QUIET).await;

    let mut a = broker.connect_v5_with("a", persistent).await;
    let again = a.recv_publish().await;
    assert!(again.dup);
    assert_eq!(again.packet_id, held.packet_id);
    assert_eq!(again.payload, held.payload);
    a.send(Packet::PubRec(PubResponse::new(again.packet_id.unwrap())))
        .await;
    match a.recv().await {
        Packet::PubRel(r) => a.send(Packet::PubComp(PubResponse::new(r.packet_id))).await,
        other => panic!("expected PUBREL, got {other:?}"),
    }
    b.expect_no_publish(QUIET).await;
    broker.stop().await;
}

/// [MQTT-4.8.2-5]: if the session of the member a QoS 2 message was being sent
/// to ends before it reconnects, the message is not sent to any other member.
#[tokio::test]
async fn mqtt_4_8_2_5_qos2_in_flight_not_sent_to_other_member_when_session_ends() {
    let broker = TestBroker::start().await;
    // Session Expiry 0: the session ends with the connection.
    let (a, mut b, held) = qos2_held_by_a(&broker, |_| {}).await;
    a.drop_connection().await;
    if let Some(p) = b.try_recv(QUIET).await {
        panic!("message held by a ({:?}) went to b: {p:?}", held.payload);
    }
    broker.stop().await;
}

/// [MQTT-3.8.3-4]: No Local on a Shared Subscription is a Protocol Error:
/// DISCONNECT 0x82, no SUBACK.
#[tokio::test]
async fn mqtt_3_8_3_4_no_local_on_shared_subscription_is_protocol_error() {
    let broker = TestBroker::start().await;
    let mut c = broker.connect_v5("c").await;
    let filter_text = b"$share/g/t";
    let mut body = vec![
        0x00,
        0x01,
        0x00,
        0x00,
        u8::try_from(filter_text.len()).unwrap(),
    ];
    body.extend_from_slice(filter_text);
    body.push(0x04 | 0x01); // No Local, QoS 1
    let mut packet = vec![0x82, u8::try_from(body.len()).unwrap()];
    packet.extend_from_slice(&body);
    c.send_bytes(&packet).await;
    let d = c.expect_close().await.expect("DISCONNECT");
    assert_eq!(d.reason_code, ReasonCode::ProtocolError);
    broker.stop().await;
}

/// [MQTT-4.8.2-1], [MQTT-4.8.2-2]: a `$share` filter without a ShareName,
/// with `+`/`#` in the ShareName or without a filter after it is not a valid
/// Shared Subscription: refused either by SUBACK failure (0x8F Topic Filter
/// invalid) or by closing the connection (DISCONNECT 0x81/0x82/0x8F), never
/// granted.
#[tokio::test]
async fn mqtt_4_8_2_1_invalid_share_name_refused() {
    let broker = TestBroker::start().await;
    for (i, bad) in [
        "$share//t",
        "$share/g",
        "$share/g/",
        "$share/g+/t",
        "$share/#/t",
        "$share/a+b/t",
    ]
    .into_iter()
    .enumerate()
    {
        let mut c = broker.connect_v5(&format!("c{i}")).await;
        let mut body = vec![0x00, 0x01, 0x00, 0x00, u8::try_from(bad.len()).unwrap()];
        body.extend_from_slice(bad.as_bytes());
        body.push(0x01);
        let mut packet = vec![0x82, u8::try_from(body.len()).unwrap()];
        packet.extend_from_slice(&body);
        c.send_bytes(&packet).await;
        match c.try_recv(WAIT).await {
            Some(Packet::SubAck(a)) => {
                assert_eq!(a.reason_codes.len(), 1);
                assert!(a.reason_codes[0].is_error(), "{bad:?} granted: {a:?}");
            }
            Some(Packet::Disconnect(d)) => {
                assert!(
                    matches!(
                        d.reason_code,
                        ReasonCode::MalformedPacket
                            | ReasonCode::ProtocolError
                            | ReasonCode::TopicFilterInvalid
                    ),
                    "{bad:?}: {:?}",
                    d.reason_code
                );
                c.expect_close().await;
            }
            other => panic!("{bad:?}: expected SUBACK failure or DISCONNECT, got {other:?}"),
        }
    }
    broker.stop().await;
}

/// [MQTT-3.10.4-1], [MQTT-3.10.4-2] for a Shared Subscription (section 4.8.2:
/// a session detaches itself by UNSUBSCRIBE with the full filter): after a
/// member unsubscribes, every message goes to the remaining member.
#[tokio::test]
async fn mqtt_3_10_4_1_unsubscribed_member_leaves_shared_group() {
    const N: usize = 10;
    let broker = TestBroker::start().await;
    let mut a = broker.connect_v5("a").await;
    let mut b = broker.connect_v5("b").await;
    a.subscribe(1, "$share/g/u/t", QoS::AtLeastOnce).await;
    b.subscribe(1, "$share/g/u/t", QoS::AtLeastOnce).await;
    let ack = a.unsubscribe(2, &["$share/g/u/t"]).await;
    assert_eq!(ack.reason_codes, vec![ReasonCode::Success]);
    let ack = a.unsubscribe(3, &["$share/g/u/t"]).await;
    assert_eq!(ack.reason_codes, vec![ReasonCode::NoSubscriptionExisted]);

    let mut publ = broker.connect_v5("pub").await;
    publ.publish_n("u/t", QoS::AtLeastOnce, N).await;
    let got = collect_n(&mut [&mut a, &mut b], N).await;
    assert!(got[0].is_empty(), "{:?}", got[0]);
    let b_got: BTreeSet<String> = payloads(&got[1]).into_iter().collect();
    assert_eq!(b_got, numbers(N));
    broker.stop().await;
}
