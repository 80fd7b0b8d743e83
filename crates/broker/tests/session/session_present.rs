//! Session Present, Clean Start and Clean Session.

use super::*;

// ------------------------------------------------------- Session Present

// v5 [MQTT-3.1.2-4], [MQTT-3.2.2-2]: Clean Start 1 → Session Present 0, even
// when a session was stored, and that session is discarded.
#[tokio::test]
async fn mqtt_3_2_2_2_clean_start_session_present_0_v5() {
    let broker = TestBroker::start().await;
    let (mut c, connack) = broker.connect(v5_session("sp", true, Some(300))).await;
    assert!(!connack.session_present);
    c.subscribe(1, "sp/t", QoS::AtLeastOnce).await;
    c.disconnect_normally().await;
    let (mut c, connack) = broker.connect(v5_session("sp", true, Some(300))).await;
    assert!(!connack.session_present);
    let mut publisher = broker.connect_v5("pub").await;
    assert_eq!(
        publisher.publish_qos1("sp/t", "x", 1).await,
        ReasonCode::NoMatchingSubscribers
    );
    c.expect_nothing(Duration::from_millis(200)).await;
    broker.stop().await;
}

// v5 [MQTT-3.2.2-3], [MQTT-3.1.2-5], [MQTT-3.1.2-6]: Clean Start 0 → Session
// Present 1 with a stored session, 0 without one.
#[tokio::test]
async fn mqtt_3_2_2_3_session_present_reflects_stored_session_v5() {
    let broker = TestBroker::start().await;
    let (c, connack) = broker.connect(v5_session("sp5", false, Some(300))).await;
    assert!(!connack.session_present, "no session yet");
    c.disconnect_normally().await;
    let (c, connack) = broker.connect(v5_session("sp5", false, Some(300))).await;
    assert!(connack.session_present);
    c.disconnect_normally().await;
    let (_c, connack) = broker.connect(v5_session("other", false, Some(300))).await;
    assert!(!connack.session_present);
    broker.stop().await;
}

// v311 [MQTT-3.2.2-1]: CleanSession 1 → Session Present 0 (also after a
// CleanSession 0 session); v311 [MQTT-3.1.2-6]: that session is discarded.
#[tokio::test]
async fn mqtt_3_2_2_1_clean_session_session_present_0_v311() {
    let broker = TestBroker::start().await;
    let (mut c, _) = broker
        .connect(v3_session(ProtocolVersion::V3_1_1, "sp4", false))
        .await;
    c.subscribe(1, "sp4/t", QoS::AtLeastOnce).await;
    c.disconnect_normally().await;
    let (c, connack) = broker
        .connect(v3_session(ProtocolVersion::V3_1_1, "sp4", true))
        .await;
    assert!(!connack.session_present);
    c.disconnect_normally().await;
    // The CleanSession 1 session was not kept either.
    let (mut c, connack) = broker
        .connect(v3_session(ProtocolVersion::V3_1_1, "sp4", false))
        .await;
    assert!(!connack.session_present);
    let mut publisher = broker.connect_v5("pub").await;
    assert_eq!(
        publisher.publish_qos1("sp4/t", "x", 1).await,
        ReasonCode::NoMatchingSubscribers
    );
    c.expect_nothing(Duration::from_millis(200)).await;
    broker.stop().await;
}

// v311 [MQTT-3.2.2-2], [MQTT-3.2.2-3]: CleanSession 0 → Session Present 1 with
// stored state, 0 without. Also MQTT 3.1.
#[tokio::test]
async fn mqtt_3_2_2_2_session_present_reflects_stored_session_v311() {
    let broker = TestBroker::start().await;
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V3_1] {
        let id = format!("sp-{}", version.level());
        let (c, connack) = broker.connect(v3_session(version, &id, false)).await;
        assert!(!connack.session_present, "{version}: no session yet");
        c.disconnect_normally().await;
        let (c, connack) = broker.connect(v3_session(version, &id, false)).await;
        assert!(connack.session_present, "{version}");
        c.disconnect_normally().await;
    }
    broker.stop().await;
}

// v311 [MQTT-3.1.2-4], [MQTT-3.1.2-5]: with CleanSession 0 the subscriptions
// survive the disconnection and QoS 1 messages published meanwhile are stored
// and delivered, in order, on reconnection.
#[tokio::test]
async fn mqtt_3_1_2_5_clean_session_0_keeps_subscriptions_and_queued_messages_v311() {
    let broker = TestBroker::start().await;
    let (mut c, _) = broker
        .connect(v3_session(ProtocolVersion::V3_1_1, "keep", false))
        .await;
    let suback = c.subscribe(1, "keep/#", QoS::ExactlyOnce).await;
    assert_eq!(suback.reason_codes, vec![ReasonCode::GrantedQoS2]);
    c.disconnect_normally().await;

    let mut publisher = broker.connect_v311("pub").await;
    for i in 1..=3 {
        publisher
            .publish_complete(publish(
                &format!("keep/{i}"),
                &i.to_string(),
                QoS::AtLeastOnce,
            ))
            .await;
    }
    publish_qos2(&mut publisher, "keep/4", "4").await;

    let (mut c, connack) = broker
        .connect(v3_session(ProtocolVersion::V3_1_1, "keep", false))
        .await;
    assert!(connack.session_present);
    for i in 1..=4 {
        let p = c.recv_publish().await;
        assert_eq!(payload(&p), i.to_string());
        assert_eq!(p.topic.as_str(), format!("keep/{i}"));
        let expected = if i == 4 {
            QoS::ExactlyOnce
        } else {
            QoS::AtLeastOnce
        };
        assert_eq!(p.qos, expected);
        assert!(!p.dup, "never sent before: DUP 0");
        let id = p.packet_id.unwrap();
        if p.qos == QoS::AtLeastOnce {
            c.send(Packet::PubAck(PubResponse::new(id))).await;
        } else {
            c.send(Packet::PubRec(PubResponse::new(id))).await;
            match c.recv().await {
                Packet::PubRel(r) => assert_eq!(r.packet_id, id),
                other => panic!("expected PUBREL, got {other:?}"),
            }
            c.send(Packet::PubComp(PubResponse::new(id))).await;
        }
    }
    // The subscription is still there for new messages.
    publisher
        .publish_complete(publish("keep/5", "5", QoS::AtLeastOnce))
        .await;
    assert_eq!(payload(&c.recv_publish().await), "5");
    broker.stop().await;
}
