#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! Sessions: takeover, Session Present, Clean Start / Clean Session, Session
//! Expiry (on a paused clock), and re-sending unacknowledged messages on
//! resumption.
//!
//! Statement ids are scoped by version: `v5` ids come from
//! `mqtt-v5.0-normative.tsv`, `v311` ids from `mqtt-v3.1.1-normative.tsv`.

use std::time::Duration;

use midge_proto::{
    ConnAck, Connect, Disconnect, Packet, PacketId, ProtocolVersion, PubResponse, Publish, QoS,
    ReasonCode,
};
use midge_testkit::{
    TestBroker, TestClient, memory_broker, no_keep_alive, open_duplex, pid, publish, test_config,
    v3_session, v5_session,
};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream};
use tokio::time::advance;

// ---------------------------------------------------------------- helpers

/// Publishes at QoS 2 and completes the flow.
async fn publish_qos2<S: AsyncRead + AsyncWrite + Unpin>(
    client: &mut TestClient<S>,
    topic: &str,
    payload: &str,
) {
    client
        .publish_complete(publish(topic, payload, QoS::ExactlyOnce))
        .await;
}

fn payload(p: &Publish) -> &str {
    std::str::from_utf8(&p.payload).unwrap()
}

/// A paused-clock broker and a connected client.
async fn memory_client(
    shared: &std::sync::Arc<midge_broker::broker::Shared>,
    connect: Connect,
) -> (TestClient<DuplexStream>, ConnAck) {
    open_duplex(shared, no_keep_alive(connect)).await
}

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

// --------------------------------------------------- resend on resumption

/// Reads one packet that must be a PUBLISH.
async fn next_publish<S: AsyncRead + AsyncWrite + Unpin>(c: &mut TestClient<S>) -> Publish {
    c.recv_publish().await
}

/// Sets up subscriber `id` (already connected as `sub`) with four messages
/// in flight: m1 QoS 1 unacknowledged, m2 QoS 2 PUBREC'd (PUBREL received,
/// no PUBCOMP), m3 QoS 1 unacknowledged, m4 QoS 2 unacknowledged. Returns
/// their packet ids.
async fn four_in_flight<S: AsyncRead + AsyncWrite + Unpin>(
    sub: &mut TestClient<S>,
    publisher: &mut TestClient<tokio::net::TcpStream>,
) -> [PacketId; 4] {
    publisher
        .publish_complete(publish("rs/1", "m1", QoS::AtLeastOnce))
        .await;
    publish_qos2(publisher, "rs/2", "m2").await;
    publisher
        .publish_complete(publish("rs/3", "m3", QoS::AtLeastOnce))
        .await;
    publish_qos2(publisher, "rs/4", "m4").await;
    let mut ids = Vec::new();
    for (i, qos) in [
        QoS::AtLeastOnce,
        QoS::ExactlyOnce,
        QoS::AtLeastOnce,
        QoS::ExactlyOnce,
    ]
    .into_iter()
    .enumerate()
    {
        let p = next_publish(sub).await;
        assert_eq!(payload(&p), format!("m{}", i + 1));
        assert_eq!(p.qos, qos);
        assert!(!p.dup);
        ids.push(p.packet_id.unwrap());
    }
    sub.send(Packet::PubRec(PubResponse::new(ids[1]))).await;
    match sub.recv().await {
        Packet::PubRel(r) => assert_eq!(r.packet_id, ids[1]),
        other => panic!("expected PUBREL, got {other:?}"),
    }
    // [MQTT-4.4.0-1]: nothing is re-sent while the connection stays up.
    sub.expect_nothing(Duration::from_millis(300)).await;
    [ids[0], ids[1], ids[2], ids[3]]
}

/// After resumption: m1, PUBREL m2, m3, m4 re-sent with their ids (PUBLISH
/// with DUP 1), then the queued m5 (DUP 0); then everything is acknowledged
/// and nothing more arrives.
async fn expect_resent_then_queued<S: AsyncRead + AsyncWrite + Unpin>(
    c: &mut TestClient<S>,
    ids: [PacketId; 4],
) {
    let m1 = next_publish(c).await;
    assert_eq!(
        (payload(&m1), m1.dup, m1.qos, m1.packet_id),
        ("m1", true, QoS::AtLeastOnce, Some(ids[0]))
    );
    match c.recv().await {
        Packet::PubRel(r) => assert_eq!(r.packet_id, ids[1]),
        other => panic!("expected PUBREL {}, got {other:?}", ids[1]),
    }
    let m3 = next_publish(c).await;
    assert_eq!(
        (payload(&m3), m3.dup, m3.qos, m3.packet_id),
        ("m3", true, QoS::AtLeastOnce, Some(ids[2]))
    );
    let m4 = next_publish(c).await;
    assert_eq!(
        (payload(&m4), m4.dup, m4.qos, m4.packet_id),
        ("m4", true, QoS::ExactlyOnce, Some(ids[3]))
    );
    let m5 = next_publish(c).await;
    assert_eq!(payload(&m5), "m5");
    assert!(!m5.dup, "first transmission of m5: DUP 0");
    let m5_id = m5.packet_id.unwrap();
    assert!(!ids.contains(&m5_id), "m5 reuses an id in flight");

    c.send(Packet::PubAck(PubResponse::new(ids[0]))).await;
    c.send(Packet::PubComp(PubResponse::new(ids[1]))).await;
    c.send(Packet::PubAck(PubResponse::new(ids[2]))).await;
    c.send(Packet::PubRec(PubResponse::new(ids[3]))).await;
    match c.recv().await {
        Packet::PubRel(r) => assert_eq!(r.packet_id, ids[3]),
        other => panic!("expected PUBREL, got {other:?}"),
    }
    c.send(Packet::PubComp(PubResponse::new(ids[3]))).await;
    c.send(Packet::PubAck(PubResponse::new(m5_id))).await;
    c.expect_nothing(Duration::from_millis(300)).await;
}

// v5 [MQTT-4.4.0-1]: on resumption (Clean Start 0, Session Present 1) the
// unacknowledged PUBLISH packets are re-sent with DUP 1 and their original
// Packet Identifiers, PUBREL for the PUBREC'd one, in the original order;
// messages queued while offline follow.
#[tokio::test]
async fn mqtt_4_4_0_1_resend_unacknowledged_on_resume_v5() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker.connect(v5_session("rs5", true, Some(300))).await;
    sub.subscribe(1, "rs/#", QoS::ExactlyOnce).await;
    let mut publisher = broker.connect_v5("pub").await;
    let ids = four_in_flight(&mut sub, &mut publisher).await;
    sub.disconnect_normally().await;
    assert_eq!(
        publisher.publish_qos1("rs/5", "m5", 9).await,
        ReasonCode::Success
    );
    let (mut sub, connack) = broker.connect(v5_session("rs5", false, Some(300))).await;
    assert!(connack.session_present);
    expect_resent_then_queued(&mut sub, ids).await;
    // Acknowledged exchanges are over: a further resumption re-sends nothing.
    sub.disconnect_normally().await;
    let (mut sub, connack) = broker.connect(v5_session("rs5", false, Some(300))).await;
    assert!(connack.session_present);
    sub.expect_nothing(Duration::from_millis(300)).await;
    broker.stop().await;
}

// v311 [MQTT-4.4.0-1]: the same for 3.1.1 with CleanSession 0, after the
// network connection dropped.
#[tokio::test]
async fn mqtt_4_4_0_1_resend_unacknowledged_on_resume_v311() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker
        .connect(v3_session(ProtocolVersion::V3_1_1, "rs4", false))
        .await;
    sub.subscribe(1, "rs/#", QoS::ExactlyOnce).await;
    let mut publisher = broker.connect_v311("pub").await;
    let ids = four_in_flight(&mut sub, &mut publisher).await;
    sub.drop_connection().await;
    // The broker must have noticed the close before m5 is published.
    broker.wait_detached("rs4").await;
    publisher
        .publish_complete(publish("rs/5", "m5", QoS::AtLeastOnce))
        .await;
    let (mut sub, connack) = broker
        .connect(v3_session(ProtocolVersion::V3_1_1, "rs4", false))
        .await;
    assert!(connack.session_present);
    expect_resent_then_queued(&mut sub, ids).await;
    broker.stop().await;
}

// v5 [MQTT-4.4.0-1] with a takeover: the new connection resumes the session
// of a connection still open and gets the re-sent packets.
#[tokio::test]
async fn mqtt_4_4_0_1_resend_on_takeover_v5() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker.connect(v5_session("rst", true, Some(300))).await;
    sub.subscribe(1, "rs/#", QoS::ExactlyOnce).await;
    let mut publisher = broker.connect_v5("pub").await;
    let ids = four_in_flight(&mut sub, &mut publisher).await;
    let (mut new, connack) = broker.connect(v5_session("rst", false, Some(300))).await;
    assert!(connack.session_present);
    sub.expect_disconnect(ReasonCode::SessionTakenOver).await;
    assert_eq!(
        publisher.publish_qos1("rs/5", "m5", 9).await,
        ReasonCode::Success
    );
    expect_resent_then_queued(&mut new, ids).await;
    broker.stop().await;
}

// v5 [MQTT-3.1.2-4]: resuming with Clean Start 1 discards the in-flight
// messages: nothing is re-sent.
#[tokio::test]
async fn mqtt_3_1_2_4_clean_start_discards_in_flight() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker.connect(v5_session("rsc", true, Some(300))).await;
    sub.subscribe(1, "rs/#", QoS::ExactlyOnce).await;
    let mut publisher = broker.connect_v5("pub").await;
    four_in_flight(&mut sub, &mut publisher).await;
    sub.disconnect_normally().await;
    let (mut sub, connack) = broker.connect(v5_session("rsc", true, Some(300))).await;
    assert!(!connack.session_present);
    sub.expect_nothing(Duration::from_millis(300)).await;
    broker.stop().await;
}

// v5 [MQTT-4.4.0-2]: a PUBREC with an error code ends the exchange: the
// message is not re-sent on resumption.
#[tokio::test]
async fn mqtt_4_4_0_2_rejected_pubrec_not_resent() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker.connect(v5_session("rej", true, Some(300))).await;
    sub.subscribe(1, "rej/#", QoS::ExactlyOnce).await;
    let mut publisher = broker.connect_v5("pub").await;
    publish_qos2(&mut publisher, "rej/1", "no").await;
    let p = sub.recv_publish().await;
    let id = p.packet_id.unwrap();
    sub.send(Packet::PubRec(PubResponse::with_reason(
        id,
        ReasonCode::UnspecifiedError,
    )))
    .await;
    // No PUBREL for a refused PUBREC.
    sub.expect_nothing(Duration::from_millis(200)).await;
    sub.disconnect_normally().await;
    let (mut sub, connack) = broker.connect(v5_session("rej", false, Some(300))).await;
    assert!(connack.session_present);
    sub.expect_nothing(Duration::from_millis(300)).await;
    broker.stop().await;
}

// v5 and v311 [MQTT-4.3.3-10], [MQTT-4.4.0-1]: the broker's receiving side of
// QoS 2 belongs to the session: after resumption a re-sent PUBLISH (DUP 1)
// whose PUBREC was sent is acknowledged again but not delivered twice, and the
// PUBREL is completed ([MQTT-4.3.3-11]).
#[tokio::test]
async fn mqtt_4_3_3_10_inbound_qos2_state_survives_resumption() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "in2/#", QoS::AtMostOnce).await;
    for (version, id) in [
        (ProtocolVersion::V5, "in2-5"),
        (ProtocolVersion::V3_1_1, "in2-4"),
    ] {
        let resume = if version.is_v5() {
            v5_session(id, false, Some(300))
        } else {
            v3_session(version, id, false)
        };
        // v5: a new session that outlives the connection; 3.1.1: CleanSession 0.
        let mut first = resume.clone();
        first.clean_start = version.is_v5();
        let (mut c, _) = broker.connect(first).await;
        let mut p = publish("in2/t", id, QoS::ExactlyOnce);
        p.packet_id = Some(pid(7));
        c.send(p.clone()).await;
        match c.recv().await {
            Packet::PubRec(r) => assert_eq!(r.packet_id, pid(7)),
            other => panic!("expected PUBREC, got {other:?}"),
        }
        assert_eq!(payload(&sub.recv_publish().await), id);
        c.drop_connection().await;
        broker.wait_detached(id).await;

        let (mut c, connack) = broker.connect(resume).await;
        assert!(connack.session_present, "{version}");
        p.dup = true;
        c.send(p).await;
        match c.recv().await {
            Packet::PubRec(r) => assert_eq!(r.packet_id, pid(7)),
            other => panic!("expected PUBREC, got {other:?}"),
        }
        c.send(Packet::PubRel(PubResponse::new(pid(7)))).await;
        match c.recv().await {
            Packet::PubComp(r) => {
                assert_eq!(r.packet_id, pid(7));
                assert_eq!(r.reason_code, ReasonCode::Success, "{version}");
            }
            other => panic!("expected PUBCOMP, got {other:?}"),
        }
        sub.expect_nothing(Duration::from_millis(200)).await;
        c.disconnect_normally().await;
    }
    broker.stop().await;
}

// v5 [MQTT-3.1.2-4]: Clean Start 1 discards the receiving side of QoS 2 too:
// a PUBREL for an exchange of the old session is unknown (PUBCOMP 0x92).
#[tokio::test]
async fn mqtt_3_1_2_4_clean_start_discards_inbound_qos2_state() {
    let broker = TestBroker::start().await;
    let (mut c, _) = broker.connect(v5_session("in2c", true, Some(300))).await;
    let mut p = publish("in2c/t", "x", QoS::ExactlyOnce);
    p.packet_id = Some(pid(7));
    c.send(p).await;
    match c.recv().await {
        Packet::PubRec(r) => assert_eq!(r.packet_id, pid(7)),
        other => panic!("expected PUBREC, got {other:?}"),
    }
    c.disconnect_normally().await;
    let (mut c, connack) = broker.connect(v5_session("in2c", true, Some(300))).await;
    assert!(!connack.session_present);
    c.send(Packet::PubRel(PubResponse::new(pid(7)))).await;
    match c.recv().await {
        Packet::PubComp(r) => {
            assert_eq!(r.packet_id, pid(7));
            assert_eq!(r.reason_code, ReasonCode::PacketIdentifierNotFound);
        }
        other => panic!("expected PUBCOMP, got {other:?}"),
    }
    broker.stop().await;
}
