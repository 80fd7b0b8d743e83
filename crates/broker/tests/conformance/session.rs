//! DISCONNECT (3.14), session state (4.1), transport (4.2), errors (3.1.1 4.8, 4.13), 3.1.1 conformance (7).

use super::*;

// --------------------------------------------------------- DISCONNECT (3.14)

/// A v5 subscriber with Receive Maximum 1 holding one unacknowledged QoS 1
/// message, with nine more queued behind it.
async fn busy_subscriber(broker: &TestBroker, id: &str) -> (Tcp, Publish) {
    let mut c = v5(id);
    c.properties.receive_maximum = NonZeroU16::new(1);
    let (mut sub, _) = broker.connect_ok(c).await;
    let t = format!("{id}/t");
    sub.subscribe(1, &t, QoS::AtLeastOnce).await;
    let mut publ = broker.connect_v5(&format!("{id}-pub")).await;
    for i in 1..=10u16 {
        publ.publish_complete(publish_id(&t, &i.to_string(), QoS::AtLeastOnce, i))
            .await;
    }
    let first = sub.recv_publish().await;
    (sub, first)
}

/// The DISCONNECT the broker sent is the last packet before the close.
fn assert_disconnect_last(packets: &[Packet], code: ReasonCode) {
    match packets.last() {
        Some(Packet::Disconnect(d)) => assert_eq!(d.reason_code, code, "{packets:?}"),
        _ => panic!("expected DISCONNECT {code:?} last, got {packets:?}"),
    }
    let disconnects = packets
        .iter()
        .filter(|p| matches!(p, Packet::Disconnect(_)))
        .count();
    assert_eq!(disconnects, 1, "{packets:?}");
}

// [MQTT-3.14.4-1] (v5): after sending DISCONNECT the Server sends nothing
// more: a subscriber with queued messages that frees its Receive Maximum
// window and breaks a rule in the same write gets DISCONNECT 0x82 as the last
// packet.
#[tokio::test]
async fn mqtt_3_14_4_1_nothing_after_server_disconnect() {
    let broker = TestBroker::start().await;
    let (mut sub, first) = busy_subscriber(&broker, "after-disconnect").await;
    sub.send_bytes(&encode_all(
        V5,
        vec![
            Packet::PubAck(PubResponse::new(first.packet_id.unwrap())),
            Packet::Connect(Box::new(v5("after-disconnect"))),
        ],
    ))
    .await;
    let after = until_close(&mut sub).await;
    assert_disconnect_last(&after, ReasonCode::ProtocolError);
}

// [MQTT-3.14.4-2] (v5): after sending DISCONNECT the Server closes the network
// connection: on a protocol error, a session takeover and a shutdown (each
// with messages still queued for the client).
#[tokio::test]
async fn mqtt_3_14_4_2_connection_closed_after_server_disconnect() {
    let broker = TestBroker::start().await;

    let (mut sub, _) = busy_subscriber(&broker, "close-violation").await;
    sub.send(v5("close-violation")).await;
    let after = until_close(&mut sub).await;
    assert_disconnect_last(&after, ReasonCode::ProtocolError);

    let (mut sub, _) = busy_subscriber(&broker, "close-takeover").await;
    let (_new, _) = broker.connect_ok(v5("close-takeover")).await;
    let after = until_close(&mut sub).await;
    assert_disconnect_last(&after, ReasonCode::SessionTakenOver);

    let (mut sub, _) = busy_subscriber(&broker, "close-shutdown").await;
    broker.stop().await;
    let after = until_close(&mut sub).await;
    assert_disconnect_last(&after, ReasonCode::ServerShuttingDown);
}

// ------------------------------------------------------ session state (4.1)

// [MQTT-4.1.0-1] (v5): the Server does not discard the Session State while the
// network connection is open, however long past the Session Expiry Interval
// (0 and 1 s, an hour idle with Keep Alive 0): the subscription and a QoS 2
// exchange awaiting PUBREL are still there.
#[tokio::test(start_paused = true)]
async fn mqtt_4_1_0_1_session_state_kept_while_connected() {
    let shared = memory_broker(Config::default());
    for expiry in [0u32, 1] {
        let id = format!("kept-{expiry}");
        let mut c = v5(&id);
        c.keep_alive = 0;
        c.properties.session_expiry_interval = Some(expiry);
        let (mut cl, _) = open_duplex(&shared, c).await;
        let t = format!("{id}/t");
        cl.subscribe(1, &t, QoS::AtLeastOnce).await;
        cl.send(publish_id("kept/other", "x", QoS::ExactlyOnce, 5))
            .await;
        match cl.recv().await {
            Packet::PubRec(r) => assert_eq!(r.packet_id, pid(5)),
            other => panic!("expected PUBREC, got {other:?}"),
        }

        advance(Duration::from_secs(3600)).await;

        cl.send(Packet::PubRel(PubResponse::new(pid(5)))).await;
        match cl.recv().await {
            Packet::PubComp(c) => assert_eq!(c.reason_code, ReasonCode::Success, "{c:?}"),
            other => panic!("expected PUBCOMP, got {other:?}"),
        }
        let (mut publ, _) = open_duplex(&shared, v5(&format!("{id}-pub"))).await;
        publ.publish_complete(publish(&t, "still subscribed", QoS::AtLeastOnce))
            .await;
        assert_eq!(text(&cl.recv_publish_acking().await), "still subscribed");
        let ack = cl.unsubscribe(2, &[&t]).await;
        assert_eq!(ack.reason_codes, vec![ReasonCode::Success]);
    }
}

// [MQTT-4.1.0-1] (v311): the Server stores the Session state for the whole
// session: subscriptions, a message in flight and messages queued while the
// client was away.
#[tokio::test]
async fn v311_mqtt_4_1_0_1_session_state_stored_for_session_duration() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker.connect_ok(v3_session(V311, "stored", false)).await;
    sub.subscribe(1, "stored/t", QoS::AtLeastOnce).await;
    let mut publ = broker.connect_v5("stored-pub").await;
    publ.publish_complete(publish("stored/t", "0", QoS::AtLeastOnce))
        .await;
    let inflight = sub.recv_publish().await;
    sub.disconnect_normally().await;
    for i in 1..=3u16 {
        publ.publish_complete(publish_id("stored/t", &i.to_string(), QoS::AtLeastOnce, i))
            .await;
    }

    let (mut sub, connack) = broker.connect_ok(v3_session(V311, "stored", false)).await;
    assert!(connack.session_present);
    let again = sub.recv_publish_acking().await;
    assert!(again.dup);
    assert_eq!(again.packet_id, inflight.packet_id);
    assert_eq!(text(&again), "0");
    for i in 1..=3 {
        assert_eq!(text(&sub.recv_publish_acking().await), i.to_string());
    }
    // The subscription is still there.
    publ.publish_complete(publish("stored/t", "4", QoS::AtLeastOnce))
        .await;
    assert_eq!(text(&sub.recv_publish_acking().await), "4");
}

// [MQTT-3.1.2-7] (v311): retained messages are not part of the session state
// and are not deleted when the session ends (a clean session disconnecting,
// or a persistent session discarded by a clean-session reconnect).
#[tokio::test]
async fn v311_mqtt_3_1_2_7_retained_messages_survive_session_end() {
    let broker = TestBroker::start().await;
    let mut a = broker.connect_v311("ret-a").await;
    let mut p = publish("keep/a", "A", QoS::AtLeastOnce);
    p.retain = true;
    a.publish_complete(p).await;
    a.disconnect_normally().await;

    let (mut b, _) = broker.connect_ok(v3_session(V311, "ret-b", false)).await;
    let mut p = publish("keep/b", "B", QoS::AtLeastOnce);
    p.retain = true;
    b.publish_complete(p).await;
    b.disconnect_normally().await;
    let (b, _) = broker.connect_ok(v3_session(V311, "ret-b", true)).await;
    b.disconnect_normally().await;

    let mut s = broker.connect_v311("ret-s").await;
    s.subscribe(1, "keep/#", QoS::AtLeastOnce).await;
    let mut got = BTreeSet::new();
    for _ in 0..2 {
        let p = s.recv_publish_acking().await;
        assert!(p.retain);
        got.insert(text(&p));
    }
    assert_eq!(got, BTreeSet::from(["A".to_owned(), "B".to_owned()]));
}

// ------------------------------------------------------------ transport (4.2)

/// CONNECT, SUBSCRIBE and 20 QoS 1 PUBLISHes written one byte at a time are
/// all processed, in order.
async fn check_byte_stream(broker: &TestBroker, version: ProtocolVersion) {
    let id = format!("bytes{}", version.level());
    let t = format!("{id}/t");
    let mut packets = vec![
        Packet::Connect(Box::new(connect(version, &id))),
        Packet::Subscribe(Subscribe::new(
            pid(1),
            vec![(filter(&t), opts(QoS::AtLeastOnce))],
        )),
    ];
    for i in 1..=20u16 {
        packets.push(Packet::from(publish_id(
            &t,
            &i.to_string(),
            QoS::AtLeastOnce,
            i,
        )));
    }
    let bytes = encode_all(version, packets);
    let mut raw = broker.raw().await;
    raw.set_version(version);
    for b in bytes.iter() {
        raw.send_bytes(std::slice::from_ref(b)).await;
    }
    match raw.recv().await {
        Packet::ConnAck(c) => assert_eq!(c.reason_code, ReasonCode::Success),
        other => panic!("expected CONNACK, got {other:?}"),
    }
    assert!(matches!(raw.recv().await, Packet::SubAck(_)));
    let mut acks = Vec::new();
    let mut delivered = Vec::new();
    while acks.len() < 20 || delivered.len() < 20 {
        match raw.recv().await {
            Packet::PubAck(a) => acks.push(a.packet_id.get()),
            Packet::Publish(p) => {
                raw.send(Packet::PubAck(PubResponse::new(p.packet_id.unwrap())))
                    .await;
                delivered.push(text(&p));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(acks, (1..=20).collect::<Vec<u16>>());
    assert_eq!(
        delivered,
        (1..=20).map(|i| i.to_string()).collect::<Vec<_>>()
    );
}

// [MQTT-4.2.0-1] (v5): the Server supports an ordered, lossless byte stream
// (TCP): packets split into single bytes are reassembled and processed in
// order.
#[tokio::test]
async fn mqtt_4_2_0_1_ordered_lossless_byte_stream() {
    let broker = TestBroker::start().await;
    check_byte_stream(&broker, V5).await;
}

// [MQTT-7.1.1-1] (v311): the Server supports an ordered, lossless byte stream
// (TCP).
#[tokio::test]
async fn v311_mqtt_7_1_1_1_ordered_lossless_byte_stream() {
    let broker = TestBroker::start().await;
    check_byte_stream(&broker, V311).await;
}

// ------------------------------------------------------ errors (3.1.1 4.8)

// [MQTT-4.8.0-2] (v311): a Transient Error while processing an inbound packet
// closes that connection: a 3.1.1 client whose third QoS 2 PUBLISH finds the
// Server's inbound QoS 2 table full (`limits.receive_maximum` = 2, which 3.1.1
// cannot announce) is disconnected without a PUBREC; other clients are not
// affected.
#[tokio::test]
async fn v311_mqtt_4_8_0_2_transient_error_closes_connection() {
    let broker = TestBroker::with_config(|c| c.limits.receive_maximum = 2).await;
    let mut bystander = broker.connect_v311("transient-bystander").await;
    let mut c = broker.connect_v311("transient").await;
    for id in 1..=2 {
        c.send(publish_id("transient/t", "x", QoS::ExactlyOnce, id))
            .await;
        assert_eq!(c.recv().await, Packet::PubRec(PubResponse::new(pid(id))));
    }
    c.send(publish_id("transient/t", "x", QoS::ExactlyOnce, 3))
        .await;
    let after = until_close(&mut c).await;
    assert!(after.is_empty(), "{after:?}");

    bystander.send(Packet::PingReq).await;
    assert_eq!(bystander.recv().await, Packet::PingResp);
}

// ------------------------------------------------------------- errors (4.13)

// [MQTT-4.13.2-1] (v5): a CONNACK or DISCONNECT with a Reason Code of 0x80 or
// above is followed by the close of the connection: the Server's refusing
// CONNACK, the Server's DISCONNECT on a protocol error, and a client's
// DISCONNECT 0x80 (the Server closes its side, sending nothing).
#[tokio::test]
async fn mqtt_4_13_2_1_error_reason_code_closes_connection() {
    let broker = TestBroker::start().await;

    let mut raw = broker.raw().await;
    let mut c = v5("error-connack");
    c.properties.authentication_method = Some(ByteString::from("GS2-KRB5"));
    let connack = raw.handshake(c).await;
    assert!(connack.reason_code.is_error());
    assert!(until_close(&mut raw).await.is_empty());

    let mut c = broker.connect_v5("error-disconnect").await;
    c.send(Packet::PingResp).await;
    let after = until_close(&mut c).await;
    match after.as_slice() {
        [Packet::Disconnect(d)] => assert!(d.reason_code.is_error(), "{d:?}"),
        other => panic!("expected DISCONNECT then close, got {other:?}"),
    }

    let mut c = broker.connect_v5("client-error").await;
    c.send(Disconnect::new(ReasonCode::UnspecifiedError)).await;
    let after = until_close(&mut c).await;
    assert!(after.is_empty(), "{after:?}");
}

// ------------------------------------------------------ conformance (3.1.1 7)

// [MQTT-7.0.0-2] (v311): no extension is needed to interoperate: clients
// using only what the specification defines (a bare 3.1.1 CONNECT, a v5
// CONNECT without properties) exchange messages at every QoS, across
// versions.
#[tokio::test]
async fn v311_mqtt_7_0_0_2_no_extensions_needed_to_interoperate() {
    let broker = TestBroker::start().await;
    let mut bare311 = Connect::new(V311, ByteString::from("bare311"));
    bare311.clean_start = true;
    let bare5 = Connect::new(V5, ByteString::from("bare5"));
    let (mut a, _) = broker.connect_ok(bare311).await;
    let (mut b, _) = broker.connect_ok(bare5).await;
    // Each subscribes to what the other publishes.
    a.subscribe(1, "interop/from5/#", QoS::ExactlyOnce).await;
    b.subscribe(1, "interop/from311/#", QoS::ExactlyOnce).await;
    for (i, qos) in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce]
        .into_iter()
        .enumerate()
    {
        let id = u16::try_from(i + 1).unwrap();
        let to_b = format!("interop/from311/{i}");
        let to_a = format!("interop/from5/{i}");
        a.publish_complete(publish_id(&to_b, "from 3.1.1", qos, id))
            .await;
        let p = recv_complete(&mut b).await;
        assert_eq!((p.topic.as_str(), p.qos), (to_b.as_str(), qos));
        assert_eq!(text(&p), "from 3.1.1");
        b.publish_complete(publish_id(&to_a, "from 5", qos, id))
            .await;
        let p = recv_complete(&mut a).await;
        assert_eq!((p.topic.as_str(), p.qos), (to_a.as_str(), qos));
        assert_eq!(text(&p), "from 5");
    }
}
