//! Session takeover: a second connection with the same ClientID.

use super::*;

// --------------------------------------------------------------- takeover

// v5 [MQTT-3.1.4-3]: a second connection with the same ClientID: the existing
// one gets DISCONNECT 0x8E and is closed; the new one works.
#[tokio::test]
async fn mqtt_3_1_4_3_takeover_disconnects_existing_v5() {
    let broker = TestBroker::start().await;
    let mut first = broker.connect_v5("dup").await;
    let (mut second, connack) = broker.connect(v5_session("dup", true, None)).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    first.expect_disconnect(ReasonCode::SessionTakenOver).await;
    second.ping().await;
    second.subscribe(1, "take/t", QoS::AtLeastOnce).await;
    let mut publisher = broker.connect_v5("pub").await;
    assert_eq!(
        publisher.publish_qos1("take/t", "x", 1).await,
        ReasonCode::Success
    );
    assert_eq!(payload(&second.recv_publish().await), "x");
    broker.stop().await;
}

// v311 [MQTT-3.1.4-2]: the existing client is disconnected (no packet in 3.1.1).
#[tokio::test]
async fn mqtt_3_1_4_2_takeover_disconnects_existing_v311() {
    let broker = TestBroker::start().await;
    let mut first = broker.connect_v311("dup").await;
    let (mut second, connack) = broker
        .connect(v3_session(ProtocolVersion::V3_1_1, "dup", true))
        .await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    first.expect_silent_close().await;
    second.ping().await;
    second.subscribe(1, "take/t", QoS::AtLeastOnce).await;
    let mut publisher = broker.connect_v311("pub").await;
    publisher
        .publish_complete(publish("take/t", "x", QoS::AtLeastOnce))
        .await;
    assert_eq!(payload(&second.recv_publish().await), "x");
    broker.stop().await;
}

// v311 [MQTT-3.1.4-2] for MQTT 3.1.
#[tokio::test]
async fn mqtt_3_1_4_2_takeover_disconnects_existing_v31() {
    let broker = TestBroker::start().await;
    let (mut first, _) = broker
        .connect(v3_session(ProtocolVersion::V3_1, "dup31", true))
        .await;
    let (mut second, connack) = broker
        .connect(v3_session(ProtocolVersion::V3_1, "dup31", true))
        .await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    first.expect_silent_close().await;
    second.ping().await;
    broker.stop().await;
}

// v5 [MQTT-3.1.4-3] across versions: a 3.1.1 client taking over a v5 client's
// id closes the v5 connection with 0x8E, and the other way round the 3.1.1
// connection is closed silently.
#[tokio::test]
async fn mqtt_3_1_4_3_takeover_across_versions() {
    let broker = TestBroker::start().await;
    let mut old5 = broker.connect_v5("mixed").await;
    let mut new4 = broker.connect_v311("mixed").await;
    old5.expect_disconnect(ReasonCode::SessionTakenOver).await;
    new4.ping().await;
    let mut new5 = broker.connect_v5("mixed").await;
    new4.expect_silent_close().await;
    new5.ping().await;
    broker.stop().await;
}

// v5 [MQTT-3.1.4-3], [MQTT-3.2.2-3]: a takeover with Clean Start 0 resumes the
// session: Session Present 1 and the subscriptions carry on.
#[tokio::test]
async fn mqtt_3_1_4_3_takeover_resumes_session() {
    let broker = TestBroker::start().await;
    let (mut first, _) = broker.connect(v5_session("resume", true, Some(300))).await;
    first.subscribe(1, "resume/t", QoS::AtLeastOnce).await;
    let (mut second, connack) = broker.connect(v5_session("resume", false, Some(300))).await;
    assert!(connack.session_present);
    first.expect_disconnect(ReasonCode::SessionTakenOver).await;
    let mut publisher = broker.connect_v5("pub").await;
    assert_eq!(
        publisher.publish_qos1("resume/t", "still", 1).await,
        ReasonCode::Success
    );
    assert_eq!(payload(&second.recv_publish().await), "still");
    broker.stop().await;
}

// v5 [MQTT-3.1.4-3], [MQTT-3.1.2-4]: a takeover with Clean Start 1 starts a
// new session: Session Present 0 and the old subscriptions are gone.
#[tokio::test]
async fn mqtt_3_1_4_3_takeover_with_clean_start_discards_session() {
    let broker = TestBroker::start().await;
    let (mut first, _) = broker.connect(v5_session("fresh", true, Some(300))).await;
    first.subscribe(1, "fresh/t", QoS::AtLeastOnce).await;
    let (mut second, connack) = broker.connect(v5_session("fresh", true, Some(300))).await;
    assert!(!connack.session_present);
    first.expect_disconnect(ReasonCode::SessionTakenOver).await;
    let mut publisher = broker.connect_v5("pub").await;
    assert_eq!(
        publisher.publish_qos1("fresh/t", "x", 1).await,
        ReasonCode::NoMatchingSubscribers
    );
    second.expect_nothing(Duration::from_millis(200)).await;
    broker.stop().await;
}
