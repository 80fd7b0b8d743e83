//! Reconnecting and resuming the session: the assigned client id, and
//! in-flight messages re-sent (or sent again as new without a session).

use crate::*;

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
    expect_reconnected(&mut events, true).await;
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
    expect_reconnected(&mut events, true).await;

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
    expect_reconnected(&mut events, false).await;

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
