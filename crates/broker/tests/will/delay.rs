//! Will Delay Interval (v5), on the paused clock.

use super::*;

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
