//! Against a scripted fake broker (exact wire behaviour).

use super::*;

// ---------------------------------------------------------------------------
// Against a scripted fake broker
// ---------------------------------------------------------------------------

#[tokio::test]
async fn v5_connect_packet_carries_the_options() {
    let fake = Fake::start().await;
    let mut o = fake
        .options()
        .client_id("opts")
        .session_expiry(30)
        .keep_alive(42);
    o.receive_maximum = Some(7);
    o.topic_alias_maximum = 3;
    o.maximum_packet_size = Some(4096);
    let (client, _events, _peer, connect) = fake.connect(o, connack_ok(false)).await;
    assert_eq!(connect.protocol, ProtocolVersion::V5);
    assert_eq!(connect.client_id.as_ref() as &str, "opts");
    assert!(connect.clean_start);
    assert_eq!(connect.keep_alive, 42);
    let p = &connect.properties;
    assert_eq!(p.session_expiry_interval, Some(30));
    assert_eq!(p.receive_maximum, NonZeroU16::new(7));
    assert_eq!(p.topic_alias_maximum, Some(3));
    assert_eq!(p.maximum_packet_size, NonZeroU32::new(4096));
    drop(client);
}

#[tokio::test]
async fn v5_connack_refusal_is_refused_error() {
    let fake = Fake::start().await;
    let (result, ()) = tokio::join!(Client::connect(fake.options().client_id("bad")), async {
        let (mut peer, _) = fake.accept().await;
        peer.send(ConnAck::new(ReasonCode::BadUserNameOrPassword, false))
            .await;
    });
    let err = result.unwrap_err();
    assert!(
        matches!(err, ClientError::Refused(ReasonCode::BadUserNameOrPassword)),
        "{err:?}"
    );
}

#[tokio::test]
async fn v311_connack_refusal_is_refused_error() {
    let fake = Fake::start().await;
    let (result, ()) = tokio::join!(
        Client::connect(
            fake.options()
                .version(ProtocolVersion::V3_1_1)
                .client_id("bad3")
        ),
        async {
            let (mut peer, connect) = fake.accept().await;
            assert_eq!(connect.protocol, ProtocolVersion::V3_1_1);
            // Return code 5: not authorized (3.1.1 Table 3.1).
            peer.send(ConnAck::new(ReasonCode::NotAuthorized, false))
                .await;
        }
    );
    let err = result.unwrap_err();
    assert!(
        matches!(err, ClientError::Refused(ReasonCode::NotAuthorized)),
        "{err:?}"
    );
}

#[tokio::test]
async fn assigned_client_id_is_used_on_reconnect() {
    let fake = Fake::start().await;
    let mut ack = connack_ok(false);
    ack.properties.assigned_client_identifier = Some(ByteString::from("auto-42"));
    let (_client, mut events, peer, connect) =
        fake.connect(fake.options().session_expiry(60), ack).await;
    assert_eq!(connect.client_id.as_ref() as &str, "");
    assert!(connect.clean_start);

    drop(peer);
    assert_eq!(
        next_event(&mut events).await,
        Event::Disconnected { reason: None }
    );
    let (mut peer, again) = fake.accept().await;
    assert_eq!(again.client_id.as_ref() as &str, "auto-42");
    assert!(!again.clean_start, "Session Expiry > 0: resume the session");
    assert_eq!(again.properties.session_expiry_interval, Some(60));
    peer.send(connack_ok(true)).await;
    assert_eq!(
        next_event(&mut events).await,
        Event::Reconnected {
            session_present: true
        }
    );
}

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
async fn topic_aliases_stay_within_the_brokers_maximum() {
    let fake = Fake::start().await;
    let mut ack = connack_ok(false);
    ack.properties.topic_alias_maximum = Some(2);
    let (client, _events, mut peer, _) = fake.connect(fake.options().client_id("alias"), ack).await;

    let names = [
        "ta/a", "ta/b", "ta/a", "ta/c", "ta/a", "ta/b", "ta/c", "ta/c",
    ];
    let mut pending = Vec::new();
    for (i, name) in names.iter().enumerate() {
        pending.push(
            client
                .start_publish(message(name, &format!("{i}"), QoS::AtLeastOnce))
                .await
                .unwrap(),
        );
    }
    let mut resolver = InboundTopicAliases::new(2);
    let mut aliased = 0;
    for (i, name) in names.iter().enumerate() {
        let mut p = recv_publish(&mut peer).await;
        if let Some(alias) = p.properties.topic_alias {
            // [MQTT-3.2.2-17] / [MQTT-3.3.2-9]
            assert!(alias.get() <= 2, "Topic Alias {alias} above the maximum 2");
            aliased += 1;
        }
        resolver.resolve(&mut p).expect("a valid alias mapping");
        assert_eq!(p.topic.as_str(), *name);
        assert_eq!(text(&p), format!("{i}"));
        peer.send(Packet::PubAck(PubResponse::new(p.packet_id.unwrap())))
            .await;
    }
    assert!(aliased > 0, "the client uses topic aliases when allowed");
    for p in pending {
        settle(p).await.unwrap();
    }
}

#[tokio::test]
async fn no_topic_alias_without_a_maximum() {
    let fake = Fake::start().await;
    let (client, _events, mut peer, _) = fake
        .connect(fake.options().client_id("noalias"), connack_ok(false))
        .await;
    let mut pending = Vec::new();
    for i in 0..4 {
        pending.push(
            client
                .start_publish(message("na/t", &format!("{i}"), QoS::AtLeastOnce))
                .await
                .unwrap(),
        );
    }
    for _ in 0..4 {
        let p = recv_publish(&mut peer).await;
        // [MQTT-3.2.2-18]
        assert_eq!(p.properties.topic_alias, None);
        assert_eq!(p.topic.as_str(), "na/t");
        peer.send(Packet::PubAck(PubResponse::new(p.packet_id.unwrap())))
            .await;
    }
    for p in pending {
        settle(p).await.unwrap();
    }
}

#[tokio::test]
async fn caller_topic_alias_is_not_sent_without_a_maximum() {
    let fake = Fake::start().await;
    let (client, _events, mut peer, _) = fake
        .connect(fake.options().client_id("callalias"), connack_ok(false))
        .await;
    let mut m = message("ca/t", "x", QoS::AtLeastOnce);
    m.properties.topic_alias = NonZeroU16::new(5);
    let pending = client.start_publish(m).await.unwrap();
    match peer.next_event(Duration::from_millis(500)).await {
        PeerEvent::Packet(Packet::Publish(p)) => {
            // [MQTT-3.2.2-18]: Topic Alias Maximum absent: no Topic Alias.
            assert_eq!(p.properties.topic_alias, None, "MQTT-3.2.2-18");
            assert_eq!(p.topic.as_str(), "ca/t");
            peer.send(Packet::PubAck(PubResponse::new(p.packet_id.unwrap())))
                .await;
            settle(pending).await.unwrap();
        }
        PeerEvent::Open => {
            // Refused locally instead: fine too.
            assert!(settle(pending).await.is_err());
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn pingreq_when_idle_and_reconnect_without_pingresp() {
    let fake = Fake::start().await;
    let (_client, mut events, mut peer, connect) = fake
        .connect(
            fake.options().client_id("ka").keep_alive(1),
            connack_ok(false),
        )
        .await;
    assert_eq!(connect.keep_alive, 1);
    let start = Instant::now();

    // [MQTT-3.1.2-20]: idle, the client sends PINGREQ within the keep alive.
    match peer.next_event(Duration::from_millis(1500)).await {
        PeerEvent::Packet(Packet::PingReq) => {}
        other => panic!("expected PINGREQ, got {other:?}"),
    }
    assert!(start.elapsed() >= Duration::from_millis(500));

    // No PINGRESP: the client gives the connection up and reconnects.
    expect_closed(&mut peer, Duration::from_millis(1500)).await;
    assert_eq!(
        next_event(&mut events).await,
        Event::Disconnected { reason: None }
    );
    let (mut peer, again) = fake.accept().await;
    assert!(
        again.clean_start,
        "Session Expiry 0: nothing to resume, Clean Start 1"
    );
    assert_eq!(again.client_id.as_ref() as &str, "ka");
    peer.send(connack_ok(false)).await;
    assert_eq!(
        next_event(&mut events).await,
        Event::Reconnected {
            session_present: false
        }
    );
}

#[tokio::test]
async fn server_keep_alive_overrides_the_clients() {
    let fake = Fake::start().await;
    let mut ack = connack_ok(false);
    ack.properties.server_keep_alive = Some(1);
    let (_client, mut events, mut peer, connect) = fake
        .connect(fake.options().client_id("ska").keep_alive(60), ack)
        .await;
    assert_eq!(connect.keep_alive, 60);

    // [MQTT-3.2.2-21]: the client uses the Server Keep Alive (1 s).
    for _ in 0..2 {
        match peer.next_event(Duration::from_millis(1500)).await {
            PeerEvent::Packet(Packet::PingReq) => {}
            other => panic!("expected PINGREQ, got {other:?}"),
        }
        peer.send(Packet::PingResp).await;
    }
    // Answered pings keep the connection up.
    assert!(
        timeout(Duration::from_millis(100), events.recv())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn reconnect_resends_unacknowledged_publish_and_pubrel_in_order() {
    let fake = Fake::start().await;
    let (client, mut events, mut peer, connect) = fake
        .connect(
            fake.options().client_id("resume").session_expiry(60),
            connack_ok(false),
        )
        .await;
    assert!(connect.clean_start);

    let qos = [
        QoS::AtLeastOnce,
        QoS::ExactlyOnce,
        QoS::AtLeastOnce,
        QoS::ExactlyOnce,
    ];
    let mut pending = Vec::new();
    for (i, q) in qos.iter().enumerate() {
        pending.push(
            client
                .start_publish(message("re/t", &format!("m{i}"), *q))
                .await
                .unwrap(),
        );
    }
    let mut ids = Vec::new();
    for (i, q) in qos.iter().enumerate() {
        let p = recv_publish(&mut peer).await;
        assert_eq!(text(&p), format!("m{i}"));
        assert_eq!(p.qos, *q);
        assert!(!p.dup);
        ids.push(p.packet_id.unwrap());
    }
    // m1 and m3 (QoS 2) are PUBREC'd and released; m0 and m2 stay unacked.
    peer.send(Packet::PubRec(PubResponse::new(ids[1]))).await;
    peer.send(Packet::PubRec(PubResponse::new(ids[3]))).await;
    for id in [ids[1], ids[3]] {
        match recv(&mut peer).await {
            Packet::PubRel(r) => assert_eq!(r.packet_id, id),
            other => panic!("expected PUBREL {id}, got {other:?}"),
        }
    }
    let mut pending: Vec<Option<PendingPublish>> = pending.into_iter().map(Some).collect();
    // A QoS 2 publish completes at PUBREC.
    settle(pending[1].take().unwrap()).await.unwrap();
    settle(pending[3].take().unwrap()).await.unwrap();

    // The network fails.
    drop(peer);
    assert_eq!(
        next_event(&mut events).await,
        Event::Disconnected { reason: None }
    );

    let (mut peer, again) = fake.accept().await;
    assert!(!again.clean_start, "Session Expiry > 0: Clean Start 0");
    assert_eq!(again.client_id.as_ref() as &str, "resume");
    peer.send(connack_ok(true)).await;

    // [MQTT-4.4.0-1], [MQTT-3.3.1-1], [MQTT-4.6.0-1]: original ids, DUP 1,
    // in the original order.
    let p = recv_publish(&mut peer).await;
    assert_eq!(
        (text(&p).as_str(), p.packet_id, p.dup, p.qos),
        ("m0", Some(ids[0]), true, QoS::AtLeastOnce)
    );
    match recv(&mut peer).await {
        Packet::PubRel(r) => assert_eq!(r.packet_id, ids[1]),
        other => panic!("expected PUBREL {}, got {other:?}", ids[1]),
    }
    let p = recv_publish(&mut peer).await;
    assert_eq!(
        (text(&p).as_str(), p.packet_id, p.dup, p.qos),
        ("m2", Some(ids[2]), true, QoS::AtLeastOnce)
    );
    match recv(&mut peer).await {
        Packet::PubRel(r) => assert_eq!(r.packet_id, ids[3]),
        other => panic!("expected PUBREL {}, got {other:?}", ids[3]),
    }
    assert_eq!(
        next_event(&mut events).await,
        Event::Reconnected {
            session_present: true
        }
    );

    peer.send(Packet::PubAck(PubResponse::new(ids[0]))).await;
    peer.send(Packet::PubComp(PubResponse::new(ids[1]))).await;
    peer.send(Packet::PubAck(PubResponse::new(ids[2]))).await;
    peer.send(Packet::PubComp(PubResponse::new(ids[3]))).await;
    settle(pending[0].take().unwrap()).await.unwrap();
    settle(pending[2].take().unwrap()).await.unwrap();
    // Nothing else is re-sent.
    assert!(matches!(
        peer.next_event(Duration::from_millis(100)).await,
        PeerEvent::Open
    ));
}

#[tokio::test]
async fn v311_reconnect_without_clean_session_resends_with_dup() {
    let fake = Fake::start().await;
    let (client, mut events, mut peer, connect) = fake
        .connect(
            fake.options()
                .version(ProtocolVersion::V3_1_1)
                .client_id("v3resume")
                .clean_start(false),
            connack_ok(false),
        )
        .await;
    assert_eq!(connect.protocol, ProtocolVersion::V3_1_1);
    assert!(!connect.clean_start);
    let pending = client
        .start_publish(message("v3/t", "once", QoS::AtLeastOnce))
        .await
        .unwrap();
    let first = recv_publish(&mut peer).await;
    drop(peer);
    assert_eq!(
        next_event(&mut events).await,
        Event::Disconnected { reason: None }
    );
    let (mut peer, again) = fake.accept().await;
    assert_eq!(again.protocol, ProtocolVersion::V3_1_1);
    assert!(!again.clean_start);
    peer.send(connack_ok(true)).await;
    let p = recv_publish(&mut peer).await;
    assert!(p.dup);
    assert_eq!(p.packet_id, first.packet_id);
    assert_eq!(text(&p), "once");
    peer.send(Packet::PubAck(PubResponse::new(p.packet_id.unwrap())))
        .await;
    settle(pending).await.unwrap();
}

#[tokio::test]
async fn reconnect_without_session_sends_inflight_again_as_new() {
    let fake = Fake::start().await;
    let (client, mut events, mut peer, _) = fake
        .connect(
            fake.options().client_id("fresh").session_expiry(60),
            connack_ok(false),
        )
        .await;
    let p0 = client
        .start_publish(message("fr/t", "m0", QoS::AtLeastOnce))
        .await
        .unwrap();
    let p1 = client
        .start_publish(message("fr/t", "m1", QoS::ExactlyOnce))
        .await
        .unwrap();
    let p2 = client
        .start_publish(message("fr/t", "m2", QoS::ExactlyOnce))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(recv_publish(&mut peer).await.packet_id.unwrap());
    }
    // m2 is PUBREC'd (the broker owns it): it is complete.
    peer.send(Packet::PubRec(PubResponse::new(ids[2]))).await;
    match recv(&mut peer).await {
        Packet::PubRel(r) => assert_eq!(r.packet_id, ids[2]),
        other => panic!("expected PUBREL, got {other:?}"),
    }
    settle(p2).await.unwrap();

    drop(peer);
    assert_eq!(
        next_event(&mut events).await,
        Event::Disconnected { reason: None }
    );
    let (mut peer, again) = fake.accept().await;
    assert!(!again.clean_start);
    peer.send(connack_ok(false)).await;
    assert_eq!(
        next_event(&mut events).await,
        Event::Reconnected {
            session_present: false
        }
    );

    // The session is gone ([MQTT-3.2.2-5]): m0 and m1 start again as new
    // messages (DUP 0); m2's PUBREL is not re-sent.
    let a = recv_publish(&mut peer).await;
    assert_eq!(
        (text(&a).as_str(), a.dup, a.qos),
        ("m0", false, QoS::AtLeastOnce)
    );
    let b = recv_publish(&mut peer).await;
    assert_eq!(
        (text(&b).as_str(), b.dup, b.qos),
        ("m1", false, QoS::ExactlyOnce)
    );
    peer.send(Packet::PubAck(PubResponse::new(a.packet_id.unwrap())))
        .await;
    peer.send(Packet::PubRec(PubResponse::new(b.packet_id.unwrap())))
        .await;
    match recv(&mut peer).await {
        Packet::PubRel(r) => assert_eq!(Some(r.packet_id), b.packet_id),
        other => panic!("expected PUBREL, got {other:?}"),
    }
    peer.send(Packet::PubComp(PubResponse::new(b.packet_id.unwrap())))
        .await;
    settle(p0).await.unwrap();
    settle(p1).await.unwrap();
    assert!(matches!(
        peer.next_event(Duration::from_millis(100)).await,
        PeerEvent::Open
    ));
}

#[tokio::test]
async fn broker_disconnect_reason_is_reported_then_reconnects() {
    let fake = Fake::start().await;
    let (_client, mut events, mut peer, _) = fake
        .connect(fake.options().client_id("dc"), connack_ok(false))
        .await;
    peer.send(Disconnect::new(ReasonCode::ServerShuttingDown))
        .await;
    assert_eq!(
        next_event(&mut events).await,
        Event::Disconnected {
            reason: Some(ReasonCode::ServerShuttingDown)
        }
    );
    // The client closes its side ([MQTT-4.13.2-1]) and reconnects.
    expect_closed(&mut peer, WAIT).await;
    let (mut peer, _) = fake.accept().await;
    peer.send(connack_ok(false)).await;
    assert_eq!(
        next_event(&mut events).await,
        Event::Reconnected {
            session_present: false
        }
    );
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

#[tokio::test]
async fn disconnect_sends_disconnect_success_and_closes() {
    let fake = Fake::start().await;
    let (client, mut events, mut peer, _) = fake
        .connect(fake.options().client_id("bye"), connack_ok(false))
        .await;
    client.disconnect().await.unwrap();
    match recv(&mut peer).await {
        Packet::Disconnect(d) => assert_eq!(d.reason_code, ReasonCode::Success),
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
    // [MQTT-3.14.4-1], [MQTT-3.14.4-2]: nothing more, and the socket closes.
    assert!(expect_closed(&mut peer, WAIT).await.is_none());
    assert!(timeout(WAIT, events.recv()).await.unwrap().is_none());
    assert!(matches!(
        client
            .publish_to("a", "b", QoS::AtMostOnce, false)
            .await
            .unwrap_err(),
        ClientError::Closed
    ));
    assert!(matches!(
        client.unsubscribe(&["a"]).await.unwrap_err(),
        ClientError::Closed
    ));
    // No reconnect after a deliberate disconnect.
    assert!(
        timeout(Duration::from_millis(200), fake.listener.accept())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn invalid_inbound_topic_alias_closes_the_connection() {
    let fake = Fake::start().await;
    let (_client, mut events, mut peer, connect) = fake
        .connect(fake.options().client_id("badalias"), connack_ok(false))
        .await;
    assert_eq!(connect.properties.topic_alias_maximum, None);
    let mut p = midge_testkit::publish("ba/t", "x", QoS::AtMostOnce);
    p.properties.topic_alias = NonZeroU16::new(5);
    peer.send(p).await;
    expect_closed(&mut peer, WAIT).await;
    assert_eq!(
        next_event(&mut events).await,
        Event::Disconnected { reason: None }
    );
}

/// Section 4.13.1: a client detecting a Protocol Error SHOULD send DISCONNECT
/// with the reason code before closing; the client means to (it encodes one)
/// but never writes it.
#[tokio::test]
async fn invalid_inbound_topic_alias_sends_disconnect_0x94() {
    let fake = Fake::start().await;
    let (_client, _events, mut peer, _) = fake
        .connect(fake.options().client_id("badalias2"), connack_ok(false))
        .await;
    let mut p = midge_testkit::publish("ba/t", "x", QoS::AtMostOnce);
    p.properties.topic_alias = NonZeroU16::new(5);
    peer.send(p).await;
    let d = expect_closed(&mut peer, WAIT)
        .await
        .expect("a DISCONNECT before the close");
    assert_eq!(d.reason_code, ReasonCode::TopicAliasInvalid);
}

#[tokio::test]
async fn packets_right_behind_connack_are_processed() {
    let fake = Fake::start().await;
    let (result, mut peer) =
        tokio::join!(Client::connect(fake.options().client_id("early")), async {
            let (mut peer, _) = fake.accept().await;
            let mut buf = BytesMut::new();
            Packet::ConnAck(Box::new(connack_ok(false)))
                .encode(ProtocolVersion::V5, &mut buf)
                .unwrap();
            let mut p = midge_testkit::publish("early/t", "first", QoS::AtLeastOnce);
            p.packet_id = Some(pid(1));
            Packet::Publish(p)
                .encode(ProtocolVersion::V5, &mut buf)
                .unwrap();
            peer.send_bytes(&buf).await;
            peer
        });
    let (_client, mut events, _) = result.expect("CONNACK followed by PUBLISH is a valid stream");
    assert_eq!(text(&next_message(&mut events).await), "first");
    match recv(&mut peer).await {
        Packet::PubAck(a) => assert_eq!(a.packet_id, pid(1)),
        other => panic!("expected PUBACK, got {other:?}"),
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
        Packet::Publish(p.clone()).encoded_len(ProtocolVersion::V5) <= 64,
        "MQTT-3.2.2-15: sent a {}-byte PUBLISH to a broker with Maximum Packet Size 64",
        Packet::Publish(p.clone()).encoded_len(ProtocolVersion::V5)
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
async fn session_present_without_session_state_closes_the_connection() {
    let fake = Fake::start().await;
    let (result, mut peer) = tokio::join!(Client::connect(fake.options().client_id("sp")), async {
        let (mut peer, connect) = fake.accept().await;
        assert!(connect.clean_start);
        peer.send(connack_ok(true)).await;
        peer
    });
    // [MQTT-3.2.2-4]: the client has no session state, so it MUST close the
    // Network Connection (Client::connect may report an error).
    let _keep = result.ok();
    expect_closed(&mut peer, Duration::from_millis(1000)).await;
}

#[tokio::test]
async fn inbound_topic_aliases_are_resolved() {
    // [MQTT-3.3.2-10]: aliases up to the maximum the client sent are accepted;
    // the message handed out carries the full topic.
    let fake = Fake::start().await;
    let mut o = fake.options().client_id("inalias");
    o.topic_alias_maximum = 2;
    let (_client, mut events, mut peer, connect) = fake.connect(o, connack_ok(false)).await;
    assert_eq!(connect.properties.topic_alias_maximum, Some(2));
    let mut first = midge_testkit::publish("ia/t", "1", QoS::AtMostOnce);
    first.properties.topic_alias = NonZeroU16::new(2);
    peer.send(first).await;
    let mut second = Publish::new(TopicName::empty(), Bytes::from_static(b"2"));
    second.properties.topic_alias = NonZeroU16::new(2);
    peer.send(second).await;
    for payload in ["1", "2"] {
        let m = next_message(&mut events).await;
        assert_eq!(m.topic.as_str(), "ia/t");
        assert_eq!(text(&m), payload);
    }
}
