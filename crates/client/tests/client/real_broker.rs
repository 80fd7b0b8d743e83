//! Against the real Midge broker.

use super::*;

// ---------------------------------------------------------------------------
// Against the real broker
// ---------------------------------------------------------------------------

#[tokio::test]
async fn v5_publish_subscribe_round_trip_at_every_qos() {
    let broker = TestBroker::start().await;
    let (client, mut events, connack) =
        Client::connect(options_for(broker.addr).client_id("rt-v5"))
            .await
            .unwrap();
    assert_eq!(connack.reason_code, ReasonCode::Success);
    assert!(!connack.session_present);

    let suback = client.subscribe("rt/#", QoS::ExactlyOnce).await.unwrap();
    assert_eq!(suback.reason_codes, vec![ReasonCode::GrantedQoS2]);

    for (qos, payload) in [
        (QoS::AtMostOnce, "zero"),
        (QoS::AtLeastOnce, "one"),
        (QoS::ExactlyOnce, "two"),
    ] {
        let outcome = client
            .publish_to("rt/a", payload, qos, false)
            .await
            .unwrap();
        assert!(!outcome.reason_code.is_error());
        let m = next_message(&mut events).await;
        assert_eq!(m.topic.as_str(), "rt/a");
        assert_eq!(text(&m), payload);
        assert_eq!(m.qos, qos, "delivered at min(publish QoS, granted QoS)");
    }
    client.disconnect().await.unwrap();
    broker.stop().await;
}

#[tokio::test]
async fn v311_publish_subscribe_round_trip() {
    let broker = TestBroker::start().await;
    let (client, mut events, connack) = Client::connect(
        options_for(broker.addr)
            .version(ProtocolVersion::V3_1_1)
            .client_id("rt-v311"),
    )
    .await
    .unwrap();
    assert_eq!(connack.reason_code, ReasonCode::Success);

    let suback = client.subscribe("rt3/+", QoS::AtLeastOnce).await.unwrap();
    assert_eq!(suback.reason_codes, vec![ReasonCode::GrantedQoS1]);

    for (qos, payload) in [
        (QoS::AtMostOnce, "zero"),
        (QoS::AtLeastOnce, "one"),
        (QoS::ExactlyOnce, "two"),
    ] {
        client
            .publish_to("rt3/x", payload, qos, false)
            .await
            .unwrap();
        let m = next_message(&mut events).await;
        assert_eq!(text(&m), payload);
        assert_eq!(m.qos, qos.min(QoS::AtLeastOnce));
    }

    // 3.1.1 UNSUBACK has no payload: no reason codes.
    let unsuback = client.unsubscribe(&["rt3/+"]).await.unwrap();
    assert!(unsuback.reason_codes.is_empty() || unsuback.reason_codes == [ReasonCode::Success]);
    client.disconnect().await.unwrap();
    broker.stop().await;
}

#[tokio::test]
async fn subscribe_many_returns_suback_codes_and_unsubscribe_stops_delivery() {
    let broker = TestBroker::start().await;
    let (client, mut events, _) = Client::connect(options_for(broker.addr).client_id("subs"))
        .await
        .unwrap();

    let suback = client
        .subscribe_many(
            vec![
                (filter("s/a/+"), SubscriptionOptions::new(QoS::AtLeastOnce)),
                (filter("s/b/#"), SubscriptionOptions::new(QoS::AtMostOnce)),
                (filter("s/c"), SubscriptionOptions::new(QoS::ExactlyOnce)),
            ],
            SubscribeProperties::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        suback.reason_codes,
        vec![
            ReasonCode::GrantedQoS1,
            ReasonCode::Success,
            ReasonCode::GrantedQoS2
        ]
    );

    let unsuback = client.unsubscribe(&["s/a/+", "s/none"]).await.unwrap();
    assert_eq!(
        unsuback.reason_codes,
        vec![ReasonCode::Success, ReasonCode::NoSubscriptionExisted]
    );

    // Unsubscribed: s/a/1 is not delivered; the s/c marker after it is.
    client
        .publish_to("s/a/1", "gone", QoS::AtLeastOnce, false)
        .await
        .unwrap();
    client
        .publish_to("s/c", "marker", QoS::AtLeastOnce, false)
        .await
        .unwrap();
    let m = next_message(&mut events).await;
    assert_eq!(m.topic.as_str(), "s/c");
    assert_eq!(text(&m), "marker");

    client.disconnect().await.unwrap();
    broker.stop().await;
}

#[tokio::test]
async fn midge_refusal_is_reported_as_refused() {
    let broker = TestBroker::with_config(|c| c.session.allow_empty_client_id = false).await;
    let err = Client::connect(options_for(broker.addr)).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Refused(ReasonCode::ClientIdentifierNotValid)
        ),
        "{err:?}"
    );
    broker.stop().await;
}

#[tokio::test]
async fn outbound_topic_aliases_round_trip_through_midge() {
    // Midge announces Topic Alias Maximum 32 by default.
    let broker = TestBroker::start().await;
    let mut watcher = broker.connect_v5("alias-watcher").await;
    watcher.subscribe(1, "al/#", QoS::AtLeastOnce).await;

    let (client, _events, connack) =
        Client::connect(options_for(broker.addr).client_id("alias-pub"))
            .await
            .unwrap();
    assert!(connack.properties.topic_alias_maximum.unwrap_or(0) > 0);
    for (i, name) in ["al/a", "al/b", "al/a", "al/a", "al/b"].iter().enumerate() {
        client
            .publish_to(name, format!("{i}"), QoS::AtLeastOnce, false)
            .await
            .unwrap();
        let p = watcher.recv_publish_acking().await;
        assert_eq!(p.topic.as_str(), *name);
        assert_eq!(text(&p), format!("{i}"));
    }
    client.disconnect().await.unwrap();
    broker.stop().await;
}

#[tokio::test]
async fn assigned_client_id_and_session_survive_a_takeover_on_midge() {
    let broker = TestBroker::start().await;
    let (client, mut events, connack) =
        Client::connect(options_for(broker.addr).session_expiry(60))
            .await
            .unwrap();
    let assigned = connack
        .properties
        .assigned_client_identifier
        .clone()
        .expect("Midge assigns a client id for an empty one ([MQTT-3.2.2-16])");
    client.subscribe("take/t", QoS::AtLeastOnce).await.unwrap();

    // Take the session over: the client is told 0x8E and reconnects.
    let mut c = midge_testkit::connect(ProtocolVersion::V5, &assigned);
    c.clean_start = false;
    c.properties.session_expiry_interval = Some(60);
    let (mut thief, thief_ack) = broker.connect(c).await;
    assert!(thief_ack.session_present);
    assert_eq!(
        next_event(&mut events).await,
        Event::Disconnected {
            reason: Some(ReasonCode::SessionTakenOver)
        }
    );
    // The client reconnects under the assigned id (so it takes the session
    // back from the thief) with Clean Start 0: the session is present.
    let d = thief.expect_close().await.expect("a DISCONNECT");
    assert_eq!(d.reason_code, ReasonCode::SessionTakenOver);
    expect_reconnected(&mut events, true).await;

    // The subscription survived.
    let mut publisher = broker.connect_v5("take-pub").await;
    publisher
        .publish_complete(midge_testkit::publish("take/t", "after", QoS::AtLeastOnce))
        .await;
    let m = next_message(&mut events).await;
    assert_eq!(text(&m), "after");
    client.disconnect().await.unwrap();
    broker.stop().await;
}

#[tokio::test]
async fn broker_shutdown_reports_disconnected_with_reason() {
    let broker = TestBroker::start().await;
    let (client, mut events, _) =
        Client::connect(options_for(broker.addr).client_id("shut").reconnect(false))
            .await
            .unwrap();
    broker.stop().await;
    assert_eq!(
        next_event(&mut events).await,
        Event::Disconnected {
            reason: Some(ReasonCode::ServerShuttingDown)
        }
    );
    // Without reconnect the client shuts down.
    assert!(timeout(WAIT, events.recv()).await.unwrap().is_none());
    assert!(matches!(
        client
            .publish_to("x", "y", QoS::AtMostOnce, false)
            .await
            .unwrap_err(),
        ClientError::Closed
    ));
}

#[tokio::test]
async fn disconnect_discards_the_will_and_closes_the_client() {
    let broker = TestBroker::start().await;
    let mut watcher = broker.connect_v5("will-watcher").await;
    watcher.subscribe(1, "will/#", QoS::AtLeastOnce).await;

    let will = Will {
        topic: topic("will/gone"),
        payload: Bytes::from_static(b"dead"),
        qos: QoS::AtLeastOnce,
        retain: false,
        properties: Default::default(),
    };
    let (client, mut events, _) =
        Client::connect(options_for(broker.addr).client_id("will-c").will(will))
            .await
            .unwrap();
    client.disconnect().await.unwrap();

    // DISCONNECT 0x00: the will is not published ([MQTT-3.14.4-3]).
    watcher.expect_no_publish(Duration::from_millis(300)).await;

    // Everything afterwards fails with Closed, and the events end.
    assert!(timeout(WAIT, events.recv()).await.unwrap().is_none());
    assert!(matches!(
        client
            .publish_to("a", "b", QoS::AtLeastOnce, false)
            .await
            .unwrap_err(),
        ClientError::Closed
    ));
    assert!(matches!(
        client.subscribe("a", QoS::AtMostOnce).await.unwrap_err(),
        ClientError::Closed
    ));
    assert!(matches!(
        client.disconnect().await.unwrap_err(),
        ClientError::Closed
    ));
    broker.stop().await;
}

/// A broker resuming a session sends the queued messages right behind the
/// CONNACK (Midge writes them in the same buffer); the client must process
/// them ([MQTT-3.1.2-5], [MQTT-4.4.0-1]).
#[tokio::test]
async fn resuming_a_session_with_queued_messages_on_midge() {
    let broker = TestBroker::start().await;
    let mut c = midge_testkit::connect(ProtocolVersion::V5, "queued-1");
    c.properties.session_expiry_interval = Some(60);
    let (mut first, _) = broker.connect(c).await;
    first.subscribe(1, "q/t", QoS::AtLeastOnce).await;
    first.disconnect(ReasonCode::Success).await;

    let mut publisher = broker.connect_v5("queued-pub").await;
    for (i, payload) in ["q1", "q2", "q3"].iter().enumerate() {
        let mut p = midge_testkit::publish("q/t", payload, QoS::AtLeastOnce);
        p.packet_id = Some(pid(u16::try_from(i).unwrap() + 1));
        publisher.publish_complete(p).await;
    }

    let (client, mut events, connack) = Client::connect(
        options_for(broker.addr)
            .client_id("queued-1")
            .clean_start(false)
            .session_expiry(60),
    )
    .await
    .expect("resuming a session with queued messages connects");
    assert!(connack.session_present);
    for payload in ["q1", "q2", "q3"] {
        assert_eq!(text(&next_message(&mut events).await), payload);
    }
    client.disconnect().await.unwrap();
    broker.stop().await;
}
