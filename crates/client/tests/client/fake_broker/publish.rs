//! PUBLISH flows: acknowledgements with error codes, the broker's limits
//! (Receive Maximum, Maximum Packet Size, Maximum QoS, Retain Available),
//! and inbound QoS 2 delivered exactly once.

use crate::*;

#[tokio::test]
async fn puback_and_pubrec_error_codes_are_rejected() {
    let fake = Fake::start().await;
    let (client, _events, mut peer, _) = fake
        .connect(fake.options().client_id("rej"), connack_ok(false))
        .await;

    let q1 = client
        .start_publish(message("rej/1", "a", QoS::AtLeastOnce))
        .await
        .unwrap();
    let p = recv_publish(&mut peer).await;
    let id = p.packet_id.unwrap();
    peer.send(Packet::PubAck(PubResponse::with_reason(
        id,
        ReasonCode::NotAuthorized,
    )))
    .await;
    let err = settle(q1).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Rejected(ReasonCode::NotAuthorized)),
        "{err:?}"
    );

    let q2 = client
        .start_publish(message("rej/2", "b", QoS::ExactlyOnce))
        .await
        .unwrap();
    let p = recv_publish(&mut peer).await;
    let id = p.packet_id.unwrap();
    peer.send(Packet::PubRec(PubResponse::with_reason(
        id,
        ReasonCode::QuotaExceeded,
    )))
    .await;
    let err = settle(q2).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Rejected(ReasonCode::QuotaExceeded)),
        "{err:?}"
    );
    // No PUBREL after a failed PUBREC ([MQTT-4.3.3-4]), and the message is
    // not retransmitted ([MQTT-4.4.0-2]).
    assert!(matches!(
        peer.next_event(Duration::from_millis(150)).await,
        PeerEvent::Open
    ));

    // A success code below 0x80 (0x10 No matching subscribers) completes.
    let q3 = client
        .start_publish(message("rej/3", "c", QoS::AtLeastOnce))
        .await
        .unwrap();
    let p = recv_publish(&mut peer).await;
    peer.send(Packet::PubAck(PubResponse::with_reason(
        p.packet_id.unwrap(),
        ReasonCode::NoMatchingSubscribers,
    )))
    .await;
    assert_eq!(
        settle(q3).await.unwrap().reason_code,
        ReasonCode::NoMatchingSubscribers
    );
}

/// In flight on the fake broker's side.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Flight {
    AwaitingAck,
    AwaitingRec,
    Released,
}

#[tokio::test]
async fn receive_maximum_is_respected() {
    let fake = Fake::start().await;
    let mut ack = connack_ok(false);
    ack.properties.receive_maximum = NonZeroU16::new(2);
    let (client, _events, mut peer, _) =
        fake.connect(fake.options().client_id("recvmax"), ack).await;

    let mut pending = Vec::new();
    for i in 0..20 {
        let qos = if i % 3 == 2 {
            QoS::ExactlyOnce
        } else {
            QoS::AtLeastOnce
        };
        pending.push(
            client
                .start_publish(message("rm/t", &format!("{i}"), qos))
                .await
                .unwrap(),
        );
    }

    // Unacknowledged = sent and not yet PUBACKed / PUBCOMPed.
    let mut flight: VecDeque<(PacketId, Flight)> = VecDeque::new();
    let mut seen = Vec::new();
    let mut max_in_flight = 0;
    while seen.len() < 20 || !flight.is_empty() {
        match peer.next_event(Duration::from_millis(30)).await {
            PeerEvent::Packet(Packet::Publish(p)) => {
                assert!(!p.dup, "a first transmission has DUP 0");
                assert!(
                    flight.len() < 2,
                    "MQTT-3.3.4-7: a third unacknowledged QoS>0 PUBLISH was sent with Receive Maximum 2"
                );
                let state = match p.qos {
                    QoS::AtLeastOnce => Flight::AwaitingAck,
                    QoS::ExactlyOnce => Flight::AwaitingRec,
                    QoS::AtMostOnce => panic!("unexpected QoS 0"),
                };
                flight.push_back((p.packet_id.unwrap(), state));
                max_in_flight = max_in_flight.max(flight.len());
                seen.push(text(&p));
            }
            PeerEvent::Packet(Packet::PubRel(r)) => {
                let at = flight
                    .iter()
                    .position(|(id, s)| *id == r.packet_id && *s == Flight::Released)
                    .expect("PUBREL for a PUBREC'd message");
                flight.remove(at);
                peer.send(Packet::PubComp(PubResponse::new(r.packet_id)))
                    .await;
            }
            PeerEvent::Packet(other) => panic!("unexpected {other:?}"),
            PeerEvent::Closed => panic!("the client closed the connection"),
            PeerEvent::Open => {
                // Quiet: acknowledge the oldest.
                let (id, state) = *flight.front().expect("the client stalled with quota left");
                match state {
                    Flight::AwaitingAck => {
                        flight.pop_front();
                        peer.send(Packet::PubAck(PubResponse::new(id))).await;
                    }
                    Flight::AwaitingRec => {
                        flight[0].1 = Flight::Released;
                        peer.send(Packet::PubRec(PubResponse::new(id))).await;
                    }
                    Flight::Released => panic!("no PUBREL for PUBREC {id}"),
                }
            }
        }
    }
    assert_eq!(max_in_flight, 2, "the window is used");
    let expected: Vec<String> = (0..20).map(|i| format!("{i}")).collect();
    assert_eq!(seen, expected, "sent in order");
    for p in pending {
        settle(p).await.unwrap();
    }
}

#[tokio::test]
async fn publish_larger_than_the_brokers_maximum_packet_size_is_refused() {
    let fake = Fake::start().await;
    let mut ack = connack_ok(false);
    ack.properties.maximum_packet_size = NonZeroU32::new(64);
    let (client, _events, mut peer, _) = fake.connect(fake.options().client_id("big1"), ack).await;
    let big = "x".repeat(200);
    let err = client
        .publish_to("big/t", big, QoS::AtLeastOnce, false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Rejected(ReasonCode::PacketTooLarge)),
        "{err:?}"
    );
    // [MQTT-3.2.2-15]: not sent; the next (small) one is.
    let pending = client
        .start_publish(message("big/t", "small", QoS::AtLeastOnce))
        .await
        .unwrap();
    let p = recv_publish(&mut peer).await;
    assert_eq!(text(&p), "small");
    peer.send(Packet::PubAck(PubResponse::new(p.packet_id.unwrap())))
        .await;
    settle(pending).await.unwrap();
}

#[tokio::test]
async fn qos0_publish_larger_than_the_brokers_maximum_packet_size_is_not_sent() {
    let fake = Fake::start().await;
    let mut ack = connack_ok(false);
    ack.properties.maximum_packet_size = NonZeroU32::new(64);
    let (client, _events, mut peer, _) = fake.connect(fake.options().client_id("big0"), ack).await;
    let big = "x".repeat(200);
    let _ = client
        .publish_to("big/t", big, QoS::AtMostOnce, false)
        .await;
    client
        .publish_to("big/t", "small", QoS::AtMostOnce, false)
        .await
        .unwrap();
    let p = recv_publish(&mut peer).await;
    assert!(
        Packet::from(p.clone()).encoded_len(ProtocolVersion::V5) <= 64,
        "MQTT-3.2.2-15: sent a {}-byte PUBLISH to a broker with Maximum Packet Size 64",
        Packet::from(p.clone()).encoded_len(ProtocolVersion::V5)
    );
    assert_eq!(text(&p), "small");
}

#[tokio::test]
async fn publish_never_exceeds_the_brokers_maximum_qos() {
    let fake = Fake::start().await;
    let mut ack = connack_ok(false);
    ack.properties.maximum_qos = Some(QoS::AtLeastOnce);
    let (client, _events, mut peer, _) =
        fake.connect(fake.options().client_id("maxqos"), ack).await;
    let pending = client
        .start_publish(message("mq/t", "two", QoS::ExactlyOnce))
        .await
        .unwrap();
    match peer.next_event(Duration::from_millis(500)).await {
        PeerEvent::Packet(Packet::Publish(p)) => {
            assert!(
                p.qos <= QoS::AtLeastOnce,
                "MQTT-3.2.2-11: PUBLISH at {:?} above Maximum QoS 1",
                p.qos
            );
            if let Some(id) = p.packet_id {
                peer.send(Packet::PubAck(PubResponse::new(id))).await;
            }
            let _ = settle(pending).await;
        }
        PeerEvent::Open => {
            assert!(settle(pending).await.is_err(), "refused locally");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn no_retained_publish_when_retain_is_unavailable() {
    let fake = Fake::start().await;
    let mut ack = connack_ok(false);
    ack.properties.retain_available = Some(false);
    let (client, _events, mut peer, _) = fake
        .connect(fake.options().client_id("noretain"), ack)
        .await;
    let _ = client
        .publish_to("nr/t", "kept", QoS::AtMostOnce, true)
        .await;
    client
        .publish_to("nr/t", "marker", QoS::AtMostOnce, false)
        .await
        .unwrap();
    loop {
        let p = recv_publish(&mut peer).await;
        // [MQTT-3.2.2-14]
        assert!(
            !p.retain,
            "MQTT-3.2.2-14: RETAIN 1 sent with Retain Available 0"
        );
        if text(&p) == "marker" {
            break;
        }
    }
}

#[tokio::test]
async fn inbound_qos2_is_delivered_exactly_once() {
    let fake = Fake::start().await;
    let (_client, mut events, mut peer, _) = fake
        .connect(fake.options().client_id("in2"), connack_ok(false))
        .await;

    let mut p = midge_testkit::publish("in/t", "x", QoS::ExactlyOnce);
    p.packet_id = Some(pid(7));
    peer.send(p.clone()).await;
    match recv(&mut peer).await {
        Packet::PubRec(r) => assert_eq!(r.packet_id, pid(7)),
        other => panic!("expected PUBREC, got {other:?}"),
    }
    // A duplicate before PUBREL: PUBREC again, not delivered again
    // ([MQTT-4.3.3-10]).
    let mut dup = p.clone();
    dup.dup = true;
    peer.send(dup).await;
    match recv(&mut peer).await {
        Packet::PubRec(r) => assert_eq!(r.packet_id, pid(7)),
        other => panic!("expected PUBREC, got {other:?}"),
    }
    // PUBREL → PUBCOMP ([MQTT-4.3.3-11]).
    peer.send(Packet::PubRel(PubResponse::new(pid(7)))).await;
    match recv(&mut peer).await {
        Packet::PubComp(c) => {
            assert_eq!(c.packet_id, pid(7));
            assert_eq!(c.reason_code, ReasonCode::Success);
        }
        other => panic!("expected PUBCOMP, got {other:?}"),
    }
    // After PUBCOMP the id names a new message ([MQTT-4.3.3-12]).
    let mut again = midge_testkit::publish("in/t", "y", QoS::ExactlyOnce);
    again.packet_id = Some(pid(7));
    peer.send(again).await;
    match recv(&mut peer).await {
        Packet::PubRec(r) => assert_eq!(r.packet_id, pid(7)),
        other => panic!("expected PUBREC, got {other:?}"),
    }
    // QoS 1 is acknowledged with PUBACK.
    let mut one = midge_testkit::publish("in/t", "z", QoS::AtLeastOnce);
    one.packet_id = Some(pid(8));
    peer.send(one).await;
    match recv(&mut peer).await {
        Packet::PubAck(a) => assert_eq!(a.packet_id, pid(8)),
        other => panic!("expected PUBACK, got {other:?}"),
    }

    for payload in ["x", "y", "z"] {
        let m = next_message(&mut events).await;
        assert_eq!(text(&m), payload, "delivered once each, in order");
    }
    assert!(
        timeout(Duration::from_millis(100), events.recv())
            .await
            .is_err()
    );
}
