#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! Will messages (MQTT 5.0 sections 3.1.2.5-3.1.2.7, 3.1.3.2, 3.14.4; MQTT
//! 3.1.1 sections 3.1.2.5-3.1.2.7, 3.14.4): when a will is published, with
//! which QoS, RETAIN and properties, and the MQTT 5.0 Will Delay Interval.
//!
//! Tests without timing run over TCP (`TestBroker`); anything with a delay runs
//! on an in-memory broker over `duplex` pipes on tokio's paused clock.
//!
//! "Nothing was published" is checked without sleeping: once the connection
//! with the will is gone, a marker message is published on the will topic by
//! another client, and the watcher's next message must be that marker.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use midge_broker::Config;
use midge_broker::broker::Shared;
use midge_proto::property::WillProperties;
use midge_proto::{
    ByteString, Connect, Disconnect, Packet, ProtocolVersion, Publish, QoS, ReasonCode,
    SubscriptionOptions, Will,
};
use midge_testkit::{
    Event, TestBroker, TestClient, advance_to, connect, delayed_will, duplex, memory_broker,
    no_keep_alive, open_duplex, publish, settle, topic, v5_session, will, will_watcher,
};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream};
use tokio::net::TcpStream;
use tokio::time::Instant;

const V5: ProtocolVersion = ProtocolVersion::V5;
const V311: ProtocolVersion = ProtocolVersion::V3_1_1;

/// A CONNECT for `id` carrying `w`.
fn with_will(version: ProtocolVersion, id: &str, w: Will) -> Connect {
    let mut c = connect(version, id);
    c.will = Some(w);
    c
}

/// A v5 CONNECT resuming (`clean_start` false) or replacing the session of `id`.
fn reconnect(id: &str, clean_start: bool, expiry: u32) -> Connect {
    // Idle for long stretches of virtual time: no keep alive.
    no_keep_alive(v5_session(id, clean_start, expiry))
}

/// A client subscribed to `will/#` at QoS 2.
async fn tcp_watcher(broker: &TestBroker, version: ProtocolVersion) -> TestClient<TcpStream> {
    let (mut w, _) = broker.connect(connect(version, "watcher")).await;
    w.subscribe(1, "will/#", QoS::ExactlyOnce).await;
    w
}

async fn tcp_client(broker: &TestBroker, c: Connect) -> TestClient<TcpStream> {
    broker.connect_ok(c).await.0
}

/// Publishes "marker" on `topic_name` from a fresh v5 client.
async fn tcp_marker(broker: &TestBroker, topic_name: &str) {
    let mut m = broker.connect_v5("marker").await;
    m.publish_complete(publish(topic_name, "marker", QoS::AtLeastOnce))
        .await;
    m.disconnect(ReasonCode::Success).await;
}

/// Receives the will `watcher` must get next and checks topic and payload.
async fn expect_will<S: AsyncRead + AsyncWrite + Unpin>(
    watcher: &mut TestClient<S>,
    topic_name: &str,
    payload: &str,
) -> Publish {
    let p = watcher.recv_publish_acking().await;
    assert_eq!(p.topic.as_str(), topic_name);
    assert_eq!(&p.payload[..], payload.as_bytes());
    p
}

// ---------------------------------------------------------------------------
// Published on every departure but a normal DISCONNECT
// ---------------------------------------------------------------------------

// [MQTT-3.1.2-8] (v5), [MQTT-3.1.2-14]: network close without DISCONNECT
// publishes the will, as a non-retained message.
#[tokio::test]
async fn mqtt_3_1_2_8_v5_will_published_on_network_close() {
    let broker = TestBroker::start().await;
    let mut watcher = tcp_watcher(&broker, V5).await;
    let client = tcp_client(
        &broker,
        with_will(V5, "nc5", will("will/nc5", "bye", QoS::AtLeastOnce, false)),
    )
    .await;
    client.drop_connection().await;
    let p = expect_will(&mut watcher, "will/nc5", "bye").await;
    assert_eq!(p.qos, QoS::AtLeastOnce);
    assert!(!p.retain);
    broker.stop().await;
}

// [MQTT-3.1.2-8] (3.1.1), [MQTT-3.1.2-16] (3.1.1): the same for MQTT 3.1.1.
#[tokio::test]
async fn mqtt_3_1_2_8_v311_will_published_on_network_close() {
    let broker = TestBroker::start().await;
    let mut watcher = tcp_watcher(&broker, V311).await;
    let client = tcp_client(
        &broker,
        with_will(
            V311,
            "nc311",
            will("will/nc311", "bye", QoS::AtLeastOnce, false),
        ),
    )
    .await;
    client.drop_connection().await;
    let p = expect_will(&mut watcher, "will/nc311", "bye").await;
    assert_eq!(p.qos, QoS::AtLeastOnce);
    assert!(!p.retain);
    broker.stop().await;
}

// [MQTT-3.1.2-12] (3.1.1): no Will Flag, nothing published when the
// connection ends.
#[tokio::test]
async fn mqtt_3_1_2_12_v311_no_will_flag_nothing_published() {
    let broker = TestBroker::start().await;
    let mut watcher = tcp_watcher(&broker, V311).await;
    let mut client = tcp_client(&broker, connect(V311, "nowill")).await;
    // A second CONNECT is a protocol violation: the broker closes, so the
    // connection has certainly ended before the marker.
    client
        .send(Packet::Connect(Box::new(connect(V311, "nowill"))))
        .await;
    assert_eq!(client.expect_close().await, None);
    tcp_marker(&broker, "will/nowill").await;
    watcher.expect_marker("marker").await;
    broker.stop().await;
}

// [MQTT-3.1.2-8] with [MQTT-3.1.2-22] (v5) / [MQTT-3.1.2-24] (3.1.1): a
// keep-alive timeout closes the connection "as if the network had failed", so
// the will is published.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_8_will_published_on_keep_alive_timeout() {
    for version in [V5, V311] {
        let shared = memory_broker(Config::default());
        let mut watcher = duplex(&shared);
        watcher.connect_ok(connect(version, "watcher")).await;
        watcher.subscribe(1, "will/#", QoS::AtLeastOnce).await;
        let mut client = duplex(&shared);
        let mut c = with_will(
            version,
            "ka",
            will("will/ka", "timeout", QoS::AtLeastOnce, false),
        );
        c.keep_alive = 1;
        client.connect_ok(c).await;
        let start = Instant::now();
        advance_to(start, Duration::from_millis(1400)).await;
        assert!(
            matches!(watcher.next_event(Duration::ZERO).await, Event::Open),
            "{version}: will before the keep-alive timeout"
        );
        advance_to(start, Duration::from_millis(1500)).await;
        let close = client.expect_close().await;
        if version.is_v5() {
            assert_eq!(
                close.map(|d| d.reason_code),
                Some(ReasonCode::KeepAliveTimeout)
            );
        }
        expect_will(&mut watcher, "will/ka", "timeout").await;
    }
}

// [MQTT-3.1.0-2], [MQTT-3.1.2-8]: a second CONNECT is a Protocol Error (v5:
// DISCONNECT 0x82); the connection closes without a normal DISCONNECT, so the
// will is published.
#[tokio::test]
async fn mqtt_3_1_0_2_second_connect_closes_and_publishes_will() {
    let broker = TestBroker::start().await;
    for version in [V5, V311] {
        let mut watcher = tcp_watcher(&broker, version).await;
        let id = format!("twice{}", version.level());
        let mut client = tcp_client(
            &broker,
            with_will(
                version,
                &id,
                will("will/twice", "error", QoS::AtMostOnce, false),
            ),
        )
        .await;
        client
            .send(Packet::Connect(Box::new(connect(version, &id))))
            .await;
        let close = client.expect_close().await;
        if version.is_v5() {
            assert_eq!(
                close.map(|d| d.reason_code),
                Some(ReasonCode::ProtocolError)
            );
        } else {
            assert_eq!(close, None);
        }
        expect_will(&mut watcher, "will/twice", "error").await;
        watcher.disconnect(ReasonCode::Success).await;
    }
    broker.stop().await;
}

// [MQTT-3.1.4-3] (v5), [MQTT-3.1.2-8]: a session takeover closes the existing
// connection (DISCONNECT 0x8E) and publishes its will (Will Delay 0: at the
// close), whether the new connection starts clean or resumes.
#[tokio::test]
async fn mqtt_3_1_4_3_v5_takeover_publishes_will() {
    let broker = TestBroker::start().await;
    let mut watcher = tcp_watcher(&broker, V5).await;
    for clean_start in [true, false] {
        let mut c = with_will(
            V5,
            "taken",
            will("will/taken", "old", QoS::AtLeastOnce, false),
        );
        c.properties.session_expiry_interval = Some(100);
        let mut old = tcp_client(&broker, c).await;
        let _new = tcp_client(&broker, reconnect("taken", clean_start, 100)).await;
        let close = old.expect_close().await;
        assert_eq!(
            close.map(|d| d.reason_code),
            Some(ReasonCode::SessionTakenOver)
        );
        expect_will(&mut watcher, "will/taken", "old").await;
    }
    broker.stop().await;
}

// [MQTT-3.1.4-2] (3.1.1), [MQTT-3.1.2-8] (3.1.1): the existing client is
// disconnected; it sent no DISCONNECT, so its will is published.
#[tokio::test]
async fn mqtt_3_1_4_2_v311_takeover_publishes_will() {
    let broker = TestBroker::start().await;
    let mut watcher = tcp_watcher(&broker, V311).await;
    let mut old = tcp_client(
        &broker,
        with_will(
            V311,
            "taken311",
            will("will/taken311", "old", QoS::AtLeastOnce, false),
        ),
    )
    .await;
    let _new = tcp_client(&broker, connect(V311, "taken311")).await;
    assert_eq!(old.expect_close().await, None);
    expect_will(&mut watcher, "will/taken311", "old").await;
    broker.stop().await;
}

// [MQTT-3.14.4-3], [MQTT-3.1.2-10] (v5 and 3.1.1): DISCONNECT (v5: reason
// 0x00) discards the will.
#[tokio::test]
async fn mqtt_3_14_4_3_normal_disconnect_discards_will() {
    let broker = TestBroker::start().await;
    for version in [V5, V311] {
        let mut watcher = tcp_watcher(&broker, version).await;
        let id = format!("polite{}", version.level());
        let mut client = tcp_client(
            &broker,
            with_will(
                version,
                &id,
                will("will/polite", "never", QoS::AtLeastOnce, true),
            ),
        )
        .await;
        client.send(Disconnect::new(ReasonCode::Success)).await;
        assert_eq!(client.expect_close().await, None);
        tcp_marker(&broker, "will/polite").await;
        watcher.expect_marker("marker").await;
        // Will Retain was 1: nothing may have been retained either.
        let mut late = broker.connect_v5("late").await;
        late.subscribe(1, "will/polite", QoS::AtLeastOnce).await;
        tcp_marker(&broker, "will/polite").await;
        late.expect_marker("marker").await;
        late.disconnect(ReasonCode::Success).await;
        watcher.disconnect(ReasonCode::Success).await;
    }
    broker.stop().await;
}

// [MQTT-3.1.2-8], [MQTT-3.14.4-3] (v5): only reason 0x00 discards the will;
// DISCONNECT 0x04 (Disconnect with Will Message) publishes it, and so does a
// DISCONNECT with an error reason code (0x80 Unspecified error).
#[tokio::test]
async fn mqtt_3_1_2_8_v5_disconnect_other_than_0x00_publishes_will() {
    let broker = TestBroker::start().await;
    let mut watcher = tcp_watcher(&broker, V5).await;
    for code in [
        ReasonCode::DisconnectWithWillMessage,
        ReasonCode::UnspecifiedError,
    ] {
        let mut client = tcp_client(
            &broker,
            with_will(
                V5,
                "with-will",
                will("will/0x04", "asked", QoS::AtLeastOnce, false),
            ),
        )
        .await;
        client.send(Disconnect::new(code)).await;
        assert_eq!(client.expect_close().await, None);
        expect_will(&mut watcher, "will/0x04", "asked").await;
    }
    broker.stop().await;
}

// Section 3.14.2.2.2: a DISCONNECT setting a non-zero Session Expiry Interval
// after CONNECT set 0 is a Protocol Error and "not a valid DISCONNECT packet":
// the server answers DISCONNECT 0x82 and the will is not discarded
// ([MQTT-3.1.2-8]) even though the reason code was 0x00.
#[tokio::test]
async fn mqtt_3_1_2_8_invalid_disconnect_does_not_discard_will() {
    let broker = TestBroker::start().await;
    let mut watcher = tcp_watcher(&broker, V5).await;
    let mut c = with_will(
        V5,
        "bad-bye",
        will("will/bad-bye", "kept", QoS::AtLeastOnce, false),
    );
    c.properties.session_expiry_interval = Some(0);
    let mut client = tcp_client(&broker, c).await;
    let mut d = Disconnect::new(ReasonCode::Success);
    d.properties.session_expiry_interval = Some(10);
    client.send(d).await;
    let close = client.expect_close().await;
    assert_eq!(
        close.map(|d| d.reason_code),
        Some(ReasonCode::ProtocolError)
    );
    expect_will(&mut watcher, "will/bad-bye", "kept").await;
    broker.stop().await;
}

// [MQTT-3.1.2-8] (v5 and 3.1.1); v5 section 3.1.2.5 lists "the Server closes
// the Network Connection without first receiving a DISCONNECT packet with a
// Reason Code 0x00" among the cases that publish the will. A broker shutdown
// is such a close: a retained will ("device offline") must be stored, so it
// is there after a restart on the same storage.
#[tokio::test]
async fn mqtt_3_1_2_8_will_published_when_server_shuts_down() {
    let storage: Arc<dyn midge_broker::Storage> = Arc::new(midge_broker::MemoryStorage::default());
    let broker = TestBroker::with_storage(midge_testkit::test_config(), Arc::clone(&storage)).await;
    let mut clients = Vec::new();
    for version in [V5, V311] {
        let id = format!("dev{}", version.level());
        let (c, _) = broker
            .connect(with_will(
                version,
                &id,
                will(&format!("status/{id}"), "offline", QoS::AtLeastOnce, true),
            ))
            .await;
        clients.push(c);
    }
    broker.stop().await;
    for c in &mut clients {
        c.expect_close().await;
    }
    let broker = TestBroker::with_storage(midge_testkit::test_config(), storage).await;
    let mut late = broker.connect_v5("late").await;
    late.subscribe(1, "status/+", QoS::AtLeastOnce).await;
    let mut got = Vec::new();
    for _ in 0..2 {
        let p = late.recv_publish_acking().await;
        assert!(p.retain);
        assert_eq!(&p.payload[..], b"offline");
        got.push(p.topic.as_str().to_owned());
    }
    got.sort();
    assert_eq!(got, ["status/dev4", "status/dev5"]);
    broker.stop().await;
}

// ---------------------------------------------------------------------------
// Will QoS and Will Retain
// ---------------------------------------------------------------------------

// Section 3.1.2.6 (the Will QoS is the QoS of the published will), delivered
// at min(will QoS, granted QoS) ([MQTT-3.8.4-8]).
#[tokio::test]
async fn mqtt_3_8_4_8_will_qos_honoured() {
    let broker = TestBroker::start().await;
    let mut at2 = tcp_watcher(&broker, V5).await; // QoS 2 subscription
    let (mut at0, _) = broker.connect(connect(V5, "watcher0")).await;
    at0.subscribe(1, "will/#", QoS::AtMostOnce).await;
    for (i, qos) in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce]
        .into_iter()
        .enumerate()
    {
        let id = format!("q{i}");
        let client = tcp_client(
            &broker,
            with_will(V5, &id, will(&format!("will/{id}"), "q", qos, false)),
        )
        .await;
        client.drop_connection().await;
        let p = expect_will(&mut at2, &format!("will/{id}"), "q").await;
        assert_eq!(p.qos, qos, "will QoS {qos:?} at a QoS 2 subscription");
        if qos == QoS::ExactlyOnce {
            // Complete the QoS 2 flow so the next will is not held back.
            match at2.recv().await {
                Packet::PubRel(r) => {
                    at2.send(Packet::PubComp(midge_proto::PubResponse::new(r.packet_id)))
                        .await;
                }
                other => panic!("expected PUBREL, got {other:?}"),
            }
        }
        let p = at0.recv_publish().await;
        assert_eq!(
            p.qos,
            QoS::AtMostOnce,
            "will QoS {qos:?} at a QoS 0 subscription"
        );
    }
    broker.stop().await;
}

// [MQTT-3.1.2-15] (v5), [MQTT-3.1.2-17] (3.1.1): Will Retain 1 publishes the
// will as a retained message: a later subscriber gets it with RETAIN 1
// (section 3.3.1.3 / 3.1.1 [MQTT-3.3.1-8]); an existing subscription gets it
// with RETAIN 0 unless Retain As Published ([MQTT-3.3.1-12], [MQTT-3.3.1-13];
// 3.1.1 [MQTT-3.3.1-9]).
#[tokio::test]
async fn mqtt_3_1_2_15_will_retain_stores_the_will() {
    for version in [V5, V311] {
        let broker = TestBroker::start().await;
        let t = format!("will/retained{}", version.level());
        let mut watcher = tcp_watcher(&broker, version).await;
        let (mut rap, _) = broker.connect(connect(V5, "rap")).await;
        let mut opts = SubscriptionOptions::new(QoS::AtLeastOnce);
        opts.retain_as_published = true;
        rap.subscribe_with(1, "will/#", opts).await;

        let id = format!("ret{}", version.level());
        let client = tcp_client(
            &broker,
            with_will(version, &id, will(&t, "last words", QoS::AtLeastOnce, true)),
        )
        .await;
        client.drop_connection().await;
        let p = expect_will(&mut watcher, &t, "last words").await;
        assert!(
            !p.retain,
            "{version}: established subscription gets RETAIN 0"
        );
        let p = expect_will(&mut rap, &t, "last words").await;
        assert!(p.retain, "{version}: Retain As Published gets RETAIN 1");

        for late_version in [V5, V311] {
            let (mut late, _) = broker.connect(connect(late_version, "late")).await;
            late.subscribe(1, &t, QoS::AtLeastOnce).await;
            let p = expect_will(&mut late, &t, "last words").await;
            assert!(
                p.retain,
                "{version} will, {late_version} subscriber: RETAIN 1"
            );
            assert_eq!(p.qos, QoS::AtLeastOnce);
            late.disconnect(ReasonCode::Success).await;
        }
        watcher.disconnect(ReasonCode::Success).await;
        rap.disconnect(ReasonCode::Success).await;
        broker.stop().await;
    }
}

// [MQTT-3.1.2-14] (v5), [MQTT-3.1.2-16] (3.1.1): Will Retain 0 publishes a
// non-retained message: nothing is stored for later subscribers.
#[tokio::test]
async fn mqtt_3_1_2_14_will_retain_0_is_not_stored() {
    let broker = TestBroker::start().await;
    for version in [V5, V311] {
        let mut watcher = tcp_watcher(&broker, version).await;
        let id = format!("noret{}", version.level());
        let client = tcp_client(
            &broker,
            with_will(
                version,
                &id,
                will("will/noret", "x", QoS::AtLeastOnce, false),
            ),
        )
        .await;
        client.drop_connection().await;
        let p = expect_will(&mut watcher, "will/noret", "x").await;
        assert!(!p.retain);
        let (mut late, _) = broker.connect(connect(version, "late")).await;
        late.subscribe(1, "will/noret", QoS::AtLeastOnce).await;
        tcp_marker(&broker, "will/noret").await;
        late.expect_marker("marker").await;
        late.disconnect(ReasonCode::Success).await;
        watcher.disconnect(ReasonCode::Success).await;
    }
    broker.stop().await;
}

// ---------------------------------------------------------------------------
// Will properties (v5)
// ---------------------------------------------------------------------------

// Section 3.1.3.2: the Will Properties go out with the will: Payload Format
// Indicator ([MQTT-3.3.2-4]), Message Expiry Interval (3.1.3.2.4,
// [MQTT-3.3.2-6]), Content Type ([MQTT-3.3.2-20]), Response Topic
// ([MQTT-3.3.2-15]), Correlation Data ([MQTT-3.3.2-16]) and User Properties in
// order ([MQTT-3.1.3-10], [MQTT-3.3.2-17], [MQTT-3.3.2-18]).
#[tokio::test]
async fn mqtt_3_1_3_10_will_properties_forwarded() {
    let broker = TestBroker::start().await;
    let mut watcher = tcp_watcher(&broker, V5).await;
    let mut w = will(
        "will/props",
        "{\"state\":\"offline\"}",
        QoS::AtLeastOnce,
        false,
    );
    let user: Vec<(ByteString, ByteString)> =
        [("b", "1"), ("a", "2"), ("b", "3"), ("z", ""), ("a", "0")]
            .iter()
            .map(|(k, v)| (ByteString::from(*k), ByteString::from(*v)))
            .collect();
    w.properties = WillProperties {
        will_delay_interval: None,
        payload_format_indicator: Some(true),
        message_expiry_interval: Some(3600),
        content_type: Some(ByteString::from("application/json")),
        response_topic: Some(topic("reply/props")),
        correlation_data: Some(Bytes::from_static(&[0, 1, 2, 0xFF])),
        user_properties: user.clone(),
    };
    let client = tcp_client(&broker, with_will(V5, "props", w)).await;
    client.drop_connection().await;
    let p = expect_will(&mut watcher, "will/props", "{\"state\":\"offline\"}").await;
    let props = &p.properties;
    assert_eq!(props.payload_format_indicator, Some(true));
    let expiry = props
        .message_expiry_interval
        .expect("Message Expiry Interval forwarded");
    assert!((3599..=3600).contains(&expiry), "expiry {expiry}");
    assert_eq!(props.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        props.response_topic.as_ref().map(|t| t.as_str()),
        Some("reply/props")
    );
    assert_eq!(
        props.correlation_data.as_deref(),
        Some(&[0u8, 1, 2, 0xFF][..])
    );
    assert_eq!(props.user_properties, user);
    // The Will Delay Interval is a will property, not a PUBLISH one; nothing
    // per-connection leaks in.
    assert_eq!(props.topic_alias, None);
    assert!(props.subscription_identifiers.is_empty());
    broker.stop().await;
}

// Section 3.1.3.2.4: absent Will Message Expiry Interval, no Message Expiry
// Interval is sent with the will.
#[tokio::test]
async fn will_without_properties_publishes_none() {
    let broker = TestBroker::start().await;
    let mut watcher = tcp_watcher(&broker, V5).await;
    let client = tcp_client(
        &broker,
        with_will(V5, "bare", will("will/bare", "b", QoS::AtLeastOnce, false)),
    )
    .await;
    client.drop_connection().await;
    let p = expect_will(&mut watcher, "will/bare", "b").await;
    assert_eq!(p.properties.message_expiry_interval, None);
    assert_eq!(p.properties.payload_format_indicator, None);
    assert_eq!(p.properties.content_type, None);
    assert!(p.properties.user_properties.is_empty());
    broker.stop().await;
}

// ---------------------------------------------------------------------------
// Will Delay Interval (v5, section 3.1.3.2.2), on the paused clock
// ---------------------------------------------------------------------------

async fn mem_client(shared: &Arc<Shared>, c: Connect) -> TestClient<DuplexStream> {
    open_duplex(shared, c).await.0
}

/// Publishes "marker" on `topic_name` from a fresh in-memory client.
async fn mem_marker(shared: &Arc<Shared>, topic_name: &str) {
    let mut m = mem_client(shared, connect(V5, "marker")).await;
    m.publish_complete(publish(topic_name, "marker", QoS::AtLeastOnce))
        .await;
    m.disconnect(ReasonCode::Success).await;
}

// [MQTT-3.1.2-8], section 3.1.3.2.2: the will is not published before the
// Will Delay Interval, and is published when it has passed.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_8_will_delay_not_before_published_after() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let client = mem_client(&shared, delayed_will("wd", 5, 100)).await;
    client.drop_connection().await;
    let start = Instant::now();
    watcher.expect_nothing(Duration::from_millis(4999)).await;
    expect_will(&mut watcher, "will/wd", "gone").await;
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

// [MQTT-3.1.2-8], section 3.1.3.2.2: DISCONNECT 0x04 also waits for the delay.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_8_will_delay_applies_to_disconnect_0x04() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let mut client = mem_client(&shared, delayed_will("wd4", 5, 100)).await;
    client
        .send(Disconnect::new(ReasonCode::DisconnectWithWillMessage))
        .await;
    assert_eq!(client.expect_close().await, None);
    let start = Instant::now();
    watcher.expect_nothing(Duration::from_millis(4999)).await;
    expect_will(&mut watcher, "will/wd4", "gone").await;
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

// [MQTT-3.1.3-9]: reconnecting to the session (Clean Start 0) before the Will
// Delay Interval passed: the will is never sent.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_3_9_resume_before_will_delay_cancels_will() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let client = mem_client(&shared, delayed_will("wr", 5, 100)).await;
    client.drop_connection().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut again = duplex(&shared);
    let connack = again.handshake(reconnect("wr", false, 100)).await;
    assert!(connack.session_present);
    watcher.expect_nothing(Duration::from_secs(60)).await;
    mem_marker(&shared, "will/wr").await;
    watcher.expect_marker("marker").await;
    // The resumed connection ends (no will of its own now): still nothing.
    again.drop_connection().await;
    settle().await;
    mem_marker(&shared, "will/wr").await;
    watcher.expect_marker("marker").await;
}

// [MQTT-3.1.3-9] via takeover: a new connection with Clean Start 0 takes the
// session over while the old one is connected; the old will has a delay, the
// session continues, so the will is not sent.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_3_9_takeover_resuming_session_does_not_send_delayed_will() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let mut old = mem_client(&shared, delayed_will("wt0", 30, 100)).await;
    let mut new = duplex(&shared);
    let connack = new.handshake(reconnect("wt0", false, 100)).await;
    assert!(connack.session_present);
    let close = old.expect_close().await;
    assert_eq!(
        close.map(|d| d.reason_code),
        Some(ReasonCode::SessionTakenOver)
    );
    watcher.expect_nothing(Duration::from_secs(120)).await;
    mem_marker(&shared, "will/wt0").await;
    watcher.expect_marker("marker").await;
}

// [MQTT-3.1.2-8], section 3.1.3.2.2 and the non-normative comment in 3.1.4:
// a takeover with Clean Start 1 ends the old session, so a delayed will is
// published at once.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_8_takeover_with_clean_start_publishes_delayed_will_at_once() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let mut old = mem_client(&shared, delayed_will("wt1", 30, 100)).await;
    let start = Instant::now();
    let mut new = duplex(&shared);
    let connack = new.handshake(reconnect("wt1", true, 100)).await;
    assert!(!connack.session_present);
    let close = old.expect_close().await;
    assert_eq!(
        close.map(|d| d.reason_code),
        Some(ReasonCode::SessionTakenOver)
    );
    expect_will(&mut watcher, "will/wt1", "gone").await;
    assert_eq!(start.elapsed(), Duration::ZERO);
}

// [MQTT-3.1.2-8] and the non-normative comment in 3.1.4: when the existing
// connection had Session Expiry 0, its session ends on the takeover, so even a
// delayed will goes at once, and the new connection (Clean Start 0) finds no
// session ([MQTT-3.2.2-3]).
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_8_takeover_of_expiry_0_session_publishes_delayed_will_at_once() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let mut old = mem_client(&shared, delayed_will("wtx", 30, 0)).await;
    let start = Instant::now();
    let mut new = duplex(&shared);
    let connack = new.handshake(reconnect("wtx", false, 100)).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    assert!(!connack.session_present);
    let close = old.expect_close().await;
    assert_eq!(
        close.map(|d| d.reason_code),
        Some(ReasonCode::SessionTakenOver)
    );
    expect_will(&mut watcher, "will/wtx", "gone").await;
    assert_eq!(start.elapsed(), Duration::ZERO);
}

// [MQTT-3.1.2-4], [MQTT-3.1.2-8]: reconnecting with Clean Start 1 after a
// network close, before the delay passed, ends the session: the will goes at
// once (this is not a new connection "to this Session", [MQTT-3.1.3-9]).
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_8_clean_start_reconnect_publishes_delayed_will_at_once() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let client = mem_client(&shared, delayed_will("wc", 30, 100)).await;
    client.drop_connection().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let start = Instant::now();
    let mut again = duplex(&shared);
    let connack = again.handshake(reconnect("wc", true, 100)).await;
    assert!(!connack.session_present);
    expect_will(&mut watcher, "will/wc", "gone").await;
    assert_eq!(start.elapsed(), Duration::ZERO);
}

// [MQTT-3.1.2-8], section 3.1.3.2.2: Session Expiry Interval 0 means the
// session ends with the connection: a delayed will is published at once.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_8_session_expiry_0_publishes_delayed_will_at_once() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let client = mem_client(&shared, delayed_will("we0", 30, 0)).await;
    client.drop_connection().await;
    let start = Instant::now();
    expect_will(&mut watcher, "will/we0", "gone").await;
    assert_eq!(start.elapsed(), Duration::ZERO);
}

// [MQTT-3.1.2-8], section 3.1.3.2.2: Session Expiry shorter than the Will
// Delay: the will goes when the session ends.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_8_session_expiry_before_will_delay_publishes_at_expiry() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let client = mem_client(&shared, delayed_will("we3", 30, 3)).await;
    client.drop_connection().await;
    let start = Instant::now();
    watcher.expect_nothing(Duration::from_millis(2999)).await;
    expect_will(&mut watcher, "will/we3", "gone").await;
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}

// [MQTT-3.1.2-8], section 3.14.2.2.2: DISCONNECT 0x04 setting Session Expiry
// Interval 0 ends the session at the close: a delayed will goes at once.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_8_disconnect_0x04_with_expiry_0_publishes_at_once() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let mut client = mem_client(&shared, delayed_will("wdx", 30, 100)).await;
    let mut d = Disconnect::new(ReasonCode::DisconnectWithWillMessage);
    d.properties.session_expiry_interval = Some(0);
    client.send(d).await;
    assert_eq!(client.expect_close().await, None);
    let start = Instant::now();
    expect_will(&mut watcher, "will/wdx", "gone").await;
    assert_eq!(start.elapsed(), Duration::ZERO);
}

// [MQTT-3.1.2-10]: once published the will is removed from the session: a
// resumed connection without a will that fails again publishes nothing.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_10_will_removed_once_published() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let client = mem_client(&shared, delayed_will("once", 0, 100)).await;
    client.drop_connection().await;
    expect_will(&mut watcher, "will/once", "gone").await;
    let mut again = duplex(&shared);
    let connack = again.handshake(reconnect("once", false, 100)).await;
    assert!(connack.session_present);
    again.drop_connection().await;
    watcher.expect_nothing(Duration::from_secs(200)).await;
    mem_marker(&shared, "will/once").await;
    watcher.expect_marker("marker").await;
}

// Section 3.1.3.2.4: the Will Message Expiry Interval is the lifetime of the
// will from its publication: after a 3 s Will Delay, a 10 s expiry is still
// sent as 10, and a subscriber arriving 4 s later gets a retained will with 6.
#[tokio::test(start_paused = true)]
async fn will_message_expiry_counts_from_publication() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let mut c = delayed_will("wexp", 3, 100);
    {
        let w = c.will.as_mut().unwrap();
        w.retain = true;
        w.properties.message_expiry_interval = Some(10);
    }
    let client = mem_client(&shared, c).await;
    // The connection lived 20 s before failing: that does not count either.
    tokio::time::sleep(Duration::from_secs(20)).await;
    client.drop_connection().await;
    let start = Instant::now();
    let p = expect_will(&mut watcher, "will/wexp", "gone").await;
    assert_eq!(start.elapsed(), Duration::from_secs(3));
    assert_eq!(p.properties.message_expiry_interval, Some(10));
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut late = mem_client(&shared, connect(V5, "late")).await;
    late.subscribe(1, "will/wexp", QoS::AtLeastOnce).await;
    let p = expect_will(&mut late, "will/wexp", "gone").await;
    assert!(p.retain);
    assert_eq!(p.properties.message_expiry_interval, Some(6));
}
