//! QoS 2 (4.3.3), topics (4.7), shared subscriptions (4.8.2), flow control (4.9).

use super::*;

// ------------------------------------------------------------ QoS 2 (4.3.3)

// [MQTT-4.3.3-3] (v5): the Server treats its QoS 2 PUBLISH as unacknowledged
// until the PUBREC: re-sent (DUP=1, same id) on the resumed session; once
// PUBREC arrived only the PUBREL is re-sent, and after PUBCOMP nothing.
#[tokio::test]
async fn mqtt_4_3_3_3_qos2_publish_unacknowledged_until_pubrec() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker.connect_ok(v5_session("q2-unacked", true, 600)).await;
    sub.subscribe(1, "q2/t", QoS::ExactlyOnce).await;
    let mut publ = broker.connect_v5("q2-pub").await;
    publ.publish_complete(publish("q2/t", "once", QoS::ExactlyOnce))
        .await;
    let first = sub.recv_publish().await;
    assert_eq!(first.qos, QoS::ExactlyOnce);
    let id = first.packet_id.unwrap();
    sub.expect_nothing(QUIET).await;
    sub.disconnect_normally().await;

    let (mut sub, connack) = broker
        .connect_ok(v5_session("q2-unacked", false, 600))
        .await;
    assert!(connack.session_present);
    let again = sub.recv_publish().await;
    assert!(again.dup);
    assert_eq!(again.packet_id, Some(id));
    assert_eq!(text(&again), "once");
    sub.send(Packet::PubRec(PubResponse::new(id))).await;
    assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id)));
    sub.disconnect_normally().await;

    let (mut sub, _) = broker
        .connect_ok(v5_session("q2-unacked", false, 600))
        .await;
    assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id)));
    sub.send(Packet::PubComp(PubResponse::new(id))).await;
    sub.expect_nothing(QUIET).await;
    sub.disconnect_normally().await;

    let (mut sub, _) = broker
        .connect_ok(v5_session("q2-unacked", false, 600))
        .await;
    sub.expect_nothing(QUIET).await;
}

// [MQTT-4.3.3-7] (v5): the Server does not apply message expiry to a QoS 2
// PUBLISH it has sent: after the Message Expiry Interval (2 s) has passed
// (10 s offline), the unacknowledged PUBLISH is still re-sent, and so is the
// PUBREL of the one acknowledged with PUBREC.
#[tokio::test(start_paused = true)]
async fn mqtt_4_3_3_7_no_expiry_for_sent_qos2_publish() {
    let shared = memory_broker(Config::default());
    let mut sc = v5_session("q2-expiry", true, 600);
    sc.keep_alive = 0;
    let (mut sub, _) = open_duplex(&shared, sc.clone()).await;
    sub.subscribe(1, "exp/t", QoS::ExactlyOnce).await;
    let mut pc = v5("q2-expiry-pub");
    pc.keep_alive = 0;
    let (mut publ, _) = open_duplex(&shared, pc).await;
    for (i, payload) in ["m1", "m2"].into_iter().enumerate() {
        let mut p = publish_id(
            "exp/t",
            payload,
            QoS::ExactlyOnce,
            u16::try_from(i + 1).unwrap(),
        );
        p.properties.message_expiry_interval = Some(2);
        publ.publish_complete(p).await;
    }
    let p1 = sub.recv_publish().await;
    let p2 = sub.recv_publish().await;
    assert_eq!((text(&p1).as_str(), text(&p2).as_str()), ("m1", "m2"));
    let id2 = p2.packet_id.unwrap();
    sub.send(Packet::PubRec(PubResponse::new(id2))).await;
    assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id2)));
    sub.disconnect_normally().await;

    advance(Duration::from_secs(10)).await;

    sc.clean_start = false;
    let (mut sub, connack) = open_duplex(&shared, sc).await;
    assert!(connack.session_present);
    let again = sub.recv_publish().await;
    assert!(again.dup);
    assert_eq!(again.packet_id, p1.packet_id);
    assert_eq!(text(&again), "m1");
    assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id2)));
}

// [MQTT-4.3.3-9] (v5): after the Server answered a QoS 2 PUBLISH with PUBREC
// 0x80 or above (0x90: topic over the configured limit), a later PUBLISH with
// the same Packet Identifier is a new Application Message: delivered and
// answered PUBREC 0x00, not treated as a duplicate.
#[tokio::test]
async fn mqtt_4_3_3_9_publish_after_refusing_pubrec_is_new_message() {
    let broker = short_topic_broker().await;
    let mut watcher = broker.connect_v5("q2-new-watch").await;
    watcher.subscribe(1, "new/#", QoS::ExactlyOnce).await;
    let mut publ = broker.connect_v5("q2-new-pub").await;

    publ.send(publish_id(&too_long(), "refused", QoS::ExactlyOnce, 7))
        .await;
    assert_eq!(
        publ.recv().await,
        Packet::PubRec(PubResponse::with_reason(
            pid(7),
            ReasonCode::TopicNameInvalid
        ))
    );
    publ.send(publish_id("new/t", "accepted", QoS::ExactlyOnce, 7))
        .await;
    assert_eq!(publ.recv().await, Packet::PubRec(PubResponse::new(pid(7))));
    assert_eq!(text(&watcher.recv_publish_acking().await), "accepted");
    publ.send(Packet::PubRel(PubResponse::new(pid(7)))).await;
    assert_eq!(publ.recv().await, Packet::PubComp(PubResponse::new(pid(7))));
}

// [MQTT-4.3.3-13] (v5): the Server, as receiver, continues the QoS 2
// acknowledgement sequence after the message expired (1 s; the offline
// subscriber never gets it): a re-sent PUBLISH is answered PUBREC, PUBREL
// with PUBCOMP 0x00.
#[tokio::test(start_paused = true)]
async fn mqtt_4_3_3_13_qos2_sequence_continues_after_expiry() {
    let shared = memory_broker(Config::default());
    let mut sc = v5_session("q2-exp13-sub", true, 600);
    sc.keep_alive = 0;
    let (mut sub, _) = open_duplex(&shared, sc.clone()).await;
    sub.subscribe(1, "exp13/t", QoS::ExactlyOnce).await;
    sub.disconnect_normally().await;

    let mut pc = v5("q2-exp13-pub");
    pc.keep_alive = 0;
    let (mut publ, _) = open_duplex(&shared, pc).await;
    let mut p = publish_id("exp13/t", "short-lived", QoS::ExactlyOnce, 3);
    p.properties.message_expiry_interval = Some(1);
    publ.send(p.clone()).await;
    assert_eq!(publ.recv().await, Packet::PubRec(PubResponse::new(pid(3))));

    advance(Duration::from_secs(5)).await;

    p.dup = true;
    publ.send(p).await;
    match publ.recv().await {
        Packet::PubRec(r) => {
            assert_eq!(r.packet_id, pid(3));
            assert!(!r.reason_code.is_error(), "{r:?}");
        }
        other => panic!("expected PUBREC, got {other:?}"),
    }
    publ.send(Packet::PubRel(PubResponse::new(pid(3)))).await;
    assert_eq!(publ.recv().await, Packet::PubComp(PubResponse::new(pid(3))));

    // The expiry was applied: the subscriber never gets the message.
    sc.clean_start = false;
    let (mut sub, connack) = open_duplex(&shared, sc).await;
    assert!(connack.session_present);
    settle().await;
    match sub.next_event(Duration::ZERO).await {
        Event::Open => {}
        other => panic!("expired message delivered: {other:?}"),
    }
}

// ------------------------------------------------------------- topics (4.7)

/// PUBLISH to a topic with U+0000, SUBSCRIBE to a filter with U+0000 and a
/// CONNECT whose will topic has U+0000: each connection is closed (after
/// DISCONNECT 0x81 or a refusing CONNACK, for v5, if anything), nothing is
/// granted or forwarded.
async fn check_null_topics(broker: &TestBroker, version: ProtocolVersion) {
    let level = version.level();
    let mut watcher = broker.connect_v5(&format!("null-watch{level}")).await;
    watcher.subscribe(1, "#", QoS::AtMostOnce).await;
    let is_malformed_disconnect = |p: &Packet| matches!(p, Packet::Disconnect(d) if d.reason_code == ReasonCode::MalformedPacket);

    // PUBLISH.
    let mut c = broker.raw().await;
    c.handshake(connect(version, &format!("null-pub{level}")))
        .await;
    let props: Option<&[u8]> = if version.is_v5() { Some(&[]) } else { None };
    c.send_bytes(&raw_publish(b"null/a\0b", props, b"x")).await;
    let after = until_close(&mut c).await;
    assert!(
        after.is_empty()
            || (version.is_v5() && after.len() == 1 && is_malformed_disconnect(&after[0])),
        "PUBLISH with U+0000 in its topic: {after:?}"
    );

    // SUBSCRIBE.
    let mut c = broker.raw().await;
    c.handshake(connect(version, &format!("null-sub{level}")))
        .await;
    c.send_bytes(&raw_subscribe(version, 1, b"null/\0/#", 0))
        .await;
    let after = until_close(&mut c).await;
    assert!(
        after.is_empty()
            || (version.is_v5() && after.len() == 1 && is_malformed_disconnect(&after[0])),
        "SUBSCRIBE with U+0000 in its filter: {after:?}"
    );

    // Will topic.
    let mut c = broker.raw().await;
    c.set_version(version);
    c.send_bytes(&raw_connect_with_will(
        version,
        &format!("null-will{level}"),
        b"null/w\0",
    ))
    .await;
    let after = until_close(&mut c).await;
    match after.as_slice() {
        [] => {}
        [Packet::ConnAck(a)] if version.is_v5() => assert!(a.reason_code.is_error(), "{a:?}"),
        other => panic!("CONNECT with U+0000 in its will topic: {other:?}"),
    }

    publish_marker(broker, "null/marker", &format!("marker{level}")).await;
    watcher.expect_marker(&format!("marker{level}")).await;
}

// [MQTT-4.7.3-2] (v5): Topic Names and Topic Filters do not include U+0000:
// a PUBLISH, SUBSCRIBE or will topic containing one is a Malformed Packet and
// is not acted on.
#[tokio::test]
async fn mqtt_4_7_3_2_null_character_in_topic_refused() {
    let broker = TestBroker::start().await;
    check_null_topics(&broker, V5).await;
}

// [MQTT-4.7.3-2] (v311): the same for 3.1.1: the connection is closed
// ([MQTT-1.5.3-2]) and nothing is forwarded or subscribed.
#[tokio::test]
async fn v311_mqtt_4_7_3_2_null_character_in_topic_closes_connection() {
    let broker = TestBroker::start().await;
    check_null_topics(&broker, V311).await;
}

// ------------------------------------------------ shared subscriptions (4.8.2)

/// Waits until one of `members` receives a PUBLISH; returns its index and
/// the PUBLISH.
async fn first_receiver(members: &mut [&mut Tcp]) -> (usize, Publish) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no member received the message"
        );
        for (i, m) in members.iter_mut().enumerate() {
            match m.try_recv(Duration::from_millis(20)).await {
                None => {}
                Some(Packet::Publish(p)) => return (i, *p),
                Some(other) => panic!("unexpected {other:?}"),
            }
        }
    }
}

// [MQTT-4.8.2-6] (v5): a group member answering PUBACK (QoS 1) or PUBREC
// (QoS 2) with 0x80 or above makes the Server discard the message: it is not
// sent to the other member, nor again to the rejecting one (not even when the
// rejecting member's session ends).
#[tokio::test]
async fn mqtt_4_8_2_6_rejected_shared_message_not_sent_to_another_member() {
    let broker = TestBroker::start().await;
    for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let n = qos.as_u8();
        let f = format!("$share/g{n}/reject{n}/t");
        let t = format!("reject{n}/t");
        let mut a = broker.connect_v5(&format!("reject{n}-a")).await;
        let mut b = broker.connect_v5(&format!("reject{n}-b")).await;
        a.subscribe(1, &f, qos).await;
        b.subscribe(1, &f, qos).await;
        let mut publ = broker.connect_v5(&format!("reject{n}-pub")).await;
        publ.publish_complete(publish(&t, "rejected", qos)).await;

        let (i, p) = first_receiver(&mut [&mut a, &mut b]).await;
        let (mut rejecter, mut other) = if i == 0 { (a, b) } else { (b, a) };
        let id = p.packet_id.unwrap();
        let refusal = PubResponse::with_reason(id, ReasonCode::UnspecifiedError);
        rejecter
            .send(match qos {
                QoS::AtLeastOnce => Packet::PubAck(refusal),
                _ => Packet::PubRec(refusal),
            })
            .await;
        rejecter.expect_nothing(QUIET).await;
        other.expect_nothing(QUIET).await;
        // The rejecting member leaves and its session ends: the discarded
        // message is not handed over either.
        rejecter.disconnect_normally().await;
        publ.publish_complete(publish(&t, "marker", qos)).await;
        other.expect_marker("marker").await;
    }
}

// --------------------------------------------------------- flow control (4.9)

// [MQTT-4.9.0-1] (v5): the Server's initial send quota is non-zero and not
// above the client's Receive Maximum: with Receive Maximum 2 (QoS 1) and 1
// (QoS 2) and five messages waiting, exactly that many are sent before any
// acknowledgement, and one more per acknowledgement.
#[tokio::test]
async fn mqtt_4_9_0_1_initial_send_quota_within_receive_maximum() {
    let broker = TestBroker::start().await;
    for (qos, receive_maximum) in [(QoS::AtLeastOnce, 2u16), (QoS::ExactlyOnce, 1)] {
        let n = qos.as_u8();
        let t = format!("quota{n}/t");
        let mut c = v5_session(&format!("quota{n}"), true, 600);
        c.properties.receive_maximum = NonZeroU16::new(receive_maximum);
        let (mut sub, _) = broker.connect_ok(c.clone()).await;
        sub.subscribe(1, &t, qos).await;
        sub.disconnect_normally().await;
        let mut publ = broker.connect_v5(&format!("quota{n}-pub")).await;
        for i in 1..=5u16 {
            publ.publish_complete(publish_id(&t, &i.to_string(), qos, i))
                .await;
        }

        // Five messages waiting for the resumed session.
        c.clean_start = false;
        let (mut sub, _) = broker.connect_ok(c).await;
        let mut window = Vec::new();
        for _ in 0..receive_maximum {
            window.push(sub.recv_publish().await);
        }
        sub.expect_nothing(QUIET).await;
        let first = window.remove(0);
        let id = first.packet_id.unwrap();
        match qos {
            QoS::AtLeastOnce => sub.send(Packet::PubAck(PubResponse::new(id))).await,
            _ => {
                sub.send(Packet::PubRec(PubResponse::new(id))).await;
                assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id)));
                sub.expect_nothing(QUIET).await;
                sub.send(Packet::PubComp(PubResponse::new(id))).await;
            }
        }
        let next = sub.recv_publish().await;
        assert_eq!(
            text(&next),
            (receive_maximum + 1).to_string(),
            "the next message"
        );
        sub.expect_nothing(QUIET).await;
    }
}
