//! Session Expiry (v5), partly on the paused clock.

use super::*;

// ---------------------------------------------------- Session Expiry (v5)

// v5 [MQTT-3.1.2-23] (no state kept with expiry 0) and [MQTT-4.1.0-2]: a
// Session Expiry Interval of 0 (absent) ends the session when the connection
// closes.
#[tokio::test]
async fn mqtt_4_1_0_2_expiry_zero_discards_session_at_disconnect() {
    let broker = TestBroker::start().await;
    let (mut c, _) = broker.connect(v5_session("e0", true, None)).await;
    c.subscribe(1, "e0/t", QoS::AtLeastOnce).await;
    c.disconnect_normally().await;
    let mut publisher = broker.connect_v5("pub").await;
    assert_eq!(
        publisher.publish_qos1("e0/t", "x", 1).await,
        ReasonCode::NoMatchingSubscribers
    );
    let (mut c, connack) = broker.connect(v5_session("e0", false, None)).await;
    assert!(!connack.session_present);
    c.expect_nothing(Duration::from_millis(200)).await;
    broker.stop().await;
}

// The same when the network connection drops without DISCONNECT.
#[tokio::test]
async fn mqtt_4_1_0_2_expiry_zero_discards_session_on_network_close() {
    let broker = TestBroker::start().await;
    let (mut c, _) = broker.connect(v5_session("e0n", true, Some(0))).await;
    c.subscribe(1, "e0n/t", QoS::AtLeastOnce).await;
    c.drop_connection().await;
    let mut publisher = broker.connect_v5("pub").await;
    // The broker sees the close asynchronously: poll briefly.
    let mut code = ReasonCode::Success;
    for i in 1..=50 {
        code = publisher.publish_qos1("e0n/t", "x", i).await;
        if code == ReasonCode::NoMatchingSubscribers {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(code, ReasonCode::NoMatchingSubscribers);
    let (_c, connack) = broker.connect(v5_session("e0n", false, None)).await;
    assert!(!connack.session_present);
    broker.stop().await;
}

// v5 [MQTT-3.1.2-23], [MQTT-4.1.0-2]: with a Session Expiry Interval of N
// seconds the session (and messages queued for it) is kept for N seconds.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_23_session_kept_until_expiry() {
    let shared = memory_broker(test_config());
    let (mut c, _) = memory_client(&shared, v5_session("exp", true, Some(10))).await;
    c.subscribe(1, "exp/t", QoS::AtLeastOnce).await;
    c.disconnect_normally().await;
    let (mut publisher, _) = memory_client(&shared, v5_session("pub", true, None)).await;
    advance(Duration::from_secs(9)).await;
    assert_eq!(
        publisher.publish_qos1("exp/t", "late", 1).await,
        ReasonCode::Success
    );
    let (mut c, connack) = memory_client(&shared, v5_session("exp", false, Some(10))).await;
    assert!(connack.session_present);
    let p = c.recv_publish().await;
    assert_eq!(payload(&p), "late");
}

// v5 [MQTT-4.1.0-2]: once the Session Expiry Interval has passed the session
// is discarded: no subscriber left, Session Present 0.
#[tokio::test(start_paused = true)]
async fn mqtt_4_1_0_2_session_discarded_after_expiry() {
    let shared = memory_broker(test_config());
    let (mut c, _) = memory_client(&shared, v5_session("exp", true, Some(10))).await;
    c.subscribe(1, "exp/t", QoS::AtLeastOnce).await;
    c.disconnect_normally().await;
    let (mut publisher, _) = memory_client(&shared, v5_session("pub", true, None)).await;
    advance(Duration::from_secs(11)).await;
    assert_eq!(
        publisher.publish_qos1("exp/t", "x", 1).await,
        ReasonCode::NoMatchingSubscribers
    );
    let (mut c, connack) = memory_client(&shared, v5_session("exp", false, Some(10))).await;
    assert!(!connack.session_present);
    c.expect_nothing(Duration::from_secs(1)).await;
}

// v5 [MQTT-4.1.0-2]: the expiry counts from the close: a session resumed and
// closed again gets a new full interval.
#[tokio::test(start_paused = true)]
async fn mqtt_4_1_0_2_expiry_restarts_at_each_disconnect() {
    let shared = memory_broker(test_config());
    let (c, _) = memory_client(&shared, v5_session("exp2", true, Some(10))).await;
    c.disconnect_normally().await;
    advance(Duration::from_secs(8)).await;
    let (c, connack) = memory_client(&shared, v5_session("exp2", false, Some(10))).await;
    assert!(connack.session_present);
    c.disconnect_normally().await;
    // 16 s after the first close, 8 s after the second.
    advance(Duration::from_secs(8)).await;
    let (c, connack) = memory_client(&shared, v5_session("exp2", false, Some(10))).await;
    assert!(connack.session_present);
    c.disconnect_normally().await;
}

// v5 [MQTT-3.1.2-23]: the session is also kept when the network connection
// drops without DISCONNECT, for the Session Expiry Interval, then discarded
// ([MQTT-4.1.0-2]).
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_23_session_kept_after_network_drop() {
    let shared = memory_broker(test_config());
    let (mut c, _) = memory_client(&shared, v5_session("drop", true, Some(10))).await;
    c.subscribe(1, "drop/t", QoS::AtLeastOnce).await;
    c.drop_connection().await;
    let (mut publisher, _) = memory_client(&shared, v5_session("pub", true, None)).await;
    advance(Duration::from_secs(9)).await;
    assert_eq!(
        publisher.publish_qos1("drop/t", "x", 1).await,
        ReasonCode::Success
    );
    advance(Duration::from_secs(2)).await;
    assert_eq!(
        publisher.publish_qos1("drop/t", "x", 2).await,
        ReasonCode::NoMatchingSubscribers
    );
    let (_c, connack) = memory_client(&shared, v5_session("drop", false, Some(10))).await;
    assert!(!connack.session_present);
}

// v5 section 3.1.2.11.2: 0xFFFFFFFF means the session does not expire.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_23_expiry_max_never_expires() {
    let shared = memory_broker(test_config());
    let (mut c, _) = memory_client(&shared, v5_session("forever", true, Some(u32::MAX))).await;
    c.subscribe(1, "forever/t", QoS::AtLeastOnce).await;
    c.disconnect_normally().await;
    advance(Duration::from_secs(400 * 24 * 3600)).await;
    let (mut publisher, _) = memory_client(&shared, v5_session("pub", true, None)).await;
    assert_eq!(
        publisher.publish_qos1("forever/t", "x", 1).await,
        ReasonCode::Success
    );
    let (mut c, connack) =
        memory_client(&shared, v5_session("forever", false, Some(u32::MAX))).await;
    assert!(connack.session_present);
    assert_eq!(payload(&c.recv_publish().await), "x");
}

// v5 section 3.2.2.3.2: a Session Expiry Interval above
// `session.max_expiry_secs` is lowered, announced in CONNACK, and applied.
#[tokio::test(start_paused = true)]
async fn mqtt_3_2_2_3_2_session_expiry_capped_and_announced() {
    let mut config = test_config();
    config.session.max_expiry_secs = 5;
    let shared = memory_broker(config);
    let (c, connack) = memory_client(&shared, v5_session("cap", true, Some(100))).await;
    assert_eq!(connack.properties.session_expiry_interval, Some(5));
    c.disconnect_normally().await;
    advance(Duration::from_secs(6)).await;
    let (_c, connack) = memory_client(&shared, v5_session("cap", false, Some(100))).await;
    assert!(!connack.session_present);
    // A value within the maximum is not echoed.
    let (_c, connack) = memory_client(&shared, v5_session("low", true, Some(3))).await;
    assert_eq!(connack.properties.session_expiry_interval, None);
}

// v5 section 3.14.2.2.2: DISCONNECT may set a new Session Expiry Interval
// (longer here), which then applies.
#[tokio::test(start_paused = true)]
async fn mqtt_3_14_2_2_disconnect_extends_session_expiry() {
    let shared = memory_broker(test_config());
    let (c, _) = memory_client(&shared, v5_session("ext", true, Some(5))).await;
    let mut d = Disconnect::new(ReasonCode::Success);
    d.properties.session_expiry_interval = Some(100);
    c.disconnect_with(d).await;
    advance(Duration::from_secs(50)).await;
    let (c, connack) = memory_client(&shared, v5_session("ext", false, Some(5))).await;
    assert!(connack.session_present);
    c.disconnect_normally().await;
}

// A Session Expiry Interval set by DISCONNECT is capped by
// `session.max_expiry_secs` like the one in CONNECT.
#[tokio::test(start_paused = true)]
async fn mqtt_3_14_2_2_disconnect_expiry_capped_by_maximum() {
    let mut config = test_config();
    config.session.max_expiry_secs = 60;
    let shared = memory_broker(config);
    let (c, _) = memory_client(&shared, v5_session("dcap", true, Some(5))).await;
    let mut d = Disconnect::new(ReasonCode::Success);
    d.properties.session_expiry_interval = Some(100_000);
    c.disconnect_with(d).await;
    advance(Duration::from_secs(59)).await;
    let (c, connack) = memory_client(&shared, v5_session("dcap", false, Some(5))).await;
    assert!(connack.session_present, "kept within the maximum");
    let mut d = Disconnect::new(ReasonCode::Success);
    d.properties.session_expiry_interval = Some(100_000);
    c.disconnect_with(d).await;
    advance(Duration::from_secs(61)).await;
    let (_c, connack) = memory_client(&shared, v5_session("dcap", false, Some(5))).await;
    assert!(!connack.session_present, "discarded after the maximum");
}

// v5 section 3.14.2.2.2: DISCONNECT with Session Expiry Interval 0 ends a
// session that would otherwise have been kept.
#[tokio::test]
async fn mqtt_3_14_2_2_disconnect_expiry_zero_discards_session() {
    let broker = TestBroker::start().await;
    let (mut c, _) = broker.connect(v5_session("dz", true, Some(300))).await;
    c.subscribe(1, "dz/t", QoS::AtLeastOnce).await;
    let mut d = Disconnect::new(ReasonCode::Success);
    d.properties.session_expiry_interval = Some(0);
    c.disconnect_with(d).await;
    let mut publisher = broker.connect_v5("pub").await;
    assert_eq!(
        publisher.publish_qos1("dz/t", "x", 1).await,
        ReasonCode::NoMatchingSubscribers
    );
    let (_c, connack) = broker.connect(v5_session("dz", false, Some(300))).await;
    assert!(!connack.session_present);
    broker.stop().await;
}

// v5 section 3.14.2.2.2: a non-zero Session Expiry Interval in DISCONNECT
// after CONNECT set 0 is a Protocol Error: DISCONNECT 0x82 (without a Session
// Expiry Interval, [MQTT-3.14.2-2]) and the session is not kept.
#[tokio::test]
async fn mqtt_3_14_2_2_disconnect_cannot_set_expiry_after_zero() {
    let broker = TestBroker::start().await;
    let (mut c, _) = broker.connect(v5_session("from0", true, None)).await;
    c.subscribe(1, "from0/t", QoS::AtLeastOnce).await;
    let mut d = Disconnect::new(ReasonCode::Success);
    d.properties.session_expiry_interval = Some(100);
    c.send(d).await;
    c.expect_disconnect(ReasonCode::ProtocolError).await;
    let mut publisher = broker.connect_v5("pub").await;
    assert_eq!(
        publisher.publish_qos1("from0/t", "x", 1).await,
        ReasonCode::NoMatchingSubscribers
    );
    let (_c, connack) = broker.connect(v5_session("from0", false, None)).await;
    assert!(!connack.session_present);
    broker.stop().await;
}

// Explicit 0 in CONNECT is the same as absent.
#[tokio::test]
async fn mqtt_3_14_2_2_disconnect_cannot_set_expiry_after_explicit_zero() {
    let broker = TestBroker::start().await;
    let (mut c, _) = broker.connect(v5_session("from0x", true, Some(0))).await;
    let mut d = Disconnect::new(ReasonCode::Success);
    d.properties.session_expiry_interval = Some(1);
    c.send(d).await;
    c.expect_disconnect(ReasonCode::ProtocolError).await;
    broker.stop().await;
}
