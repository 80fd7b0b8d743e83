//! Topic aliases, outbound (within the broker's maximum) and inbound
//! (resolved, or the connection closed when invalid).

use crate::*;

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
