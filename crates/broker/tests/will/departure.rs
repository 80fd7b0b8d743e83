//! When the will is published: every departure but a normal DISCONNECT.

use super::*;

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
