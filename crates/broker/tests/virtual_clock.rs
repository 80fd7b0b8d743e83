#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! Timing rules checked on tokio's paused clock: an in-memory broker
//! (`memory_broker`) driven over `duplex` pipes, with the clock advanced by
//! hand or by auto-advance (a paused runtime with nothing to do jumps to the
//! next timer). Every assertion on "when" is exact, not a real-time race.

use std::sync::Arc;
use std::time::Duration;

use midge_broker::Config;
use midge_broker::broker::Shared;
use midge_proto::{Disconnect, Packet, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode};
use midge_testkit::{
    Event, TestClient, advance_to, connect, delayed_will, duplex, memory_broker, open_duplex,
    publish, run_paused_with_watchdog, v5_session, will_watcher,
};
use tokio::io::DuplexStream;
use tokio::time::Instant;

type Client = TestClient<DuplexStream>;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Sleeps on the virtual clock until `at` after `start`.
async fn at(start: Instant, offset: Duration) {
    tokio::time::sleep_until(start + offset).await;
}

/// The connection is open and nothing has arrived.
async fn assert_open(client: &mut Client) {
    match client.next_event(Duration::ZERO).await {
        Event::Open => {}
        other => panic!(
            "expected an open, silent connection at {:?}, got {other:?}",
            Instant::now()
        ),
    }
}

/// The connection was closed, after a DISCONNECT with `code` if given.
async fn assert_closed(client: &mut Client, code: Option<ReasonCode>) {
    if let Some(code) = code {
        match client.next_event(Duration::ZERO).await {
            Event::Packet(Packet::Disconnect(d)) => assert_eq!(d.reason_code, code),
            other => panic!("expected DISCONNECT {code:?}, got {other:?}"),
        }
    }
    match client.next_event(Duration::ZERO).await {
        Event::Closed => {}
        other => panic!("expected the connection closed, got {other:?}"),
    }
}

/// Waits for the close; returns when it happened (relative to `start`) and the
/// DISCONNECT reason code sent first, if any.
async fn close_time(client: &mut Client, start: Instant) -> (Duration, Option<ReasonCode>) {
    let d = client.expect_close().await;
    (start.elapsed(), d.map(|d| d.reason_code))
}

// ---------------------------------------------------------------------------
// Keep alive
// ---------------------------------------------------------------------------

// [MQTT-3.1.2-22] (v5): no packet within 1.5 x Keep Alive closes the connection;
// a v5 client may be told why first (DISCONNECT 0x8D Keep Alive timeout,
// section 4.13). Open at 1.4 s (and 1.499 s), closed at 1.5 s.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_22_keep_alive_1s_closes_at_1_5s_not_1_4s() {
    let shared = memory_broker(Config::default());
    let mut c = connect(ProtocolVersion::V5, "ka");
    c.keep_alive = 1;
    let (mut client, _) = open_duplex(&shared, c).await;
    let start = Instant::now();
    advance_to(start, ms(1400)).await;
    assert_open(&mut client).await;
    advance_to(start, ms(1499)).await;
    assert_open(&mut client).await;
    advance_to(start, ms(1500)).await;
    assert_closed(&mut client, Some(ReasonCode::KeepAliveTimeout)).await;
}

// [MQTT-3.1.2-24] (3.1.1): the same rule for MQTT 3.1.1 ("disconnect ... as if
// the network had failed": no packet, the connection just closes).
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_24_v311_keep_alive_1s_closes_at_1_5s_not_1_4s() {
    let shared = memory_broker(Config::default());
    let mut c = connect(ProtocolVersion::V3_1_1, "ka311");
    c.keep_alive = 1;
    let (mut client, _) = open_duplex(&shared, c).await;
    let start = Instant::now();
    advance_to(start, ms(1400)).await;
    assert_open(&mut client).await;
    advance_to(start, ms(1499)).await;
    assert_open(&mut client).await;
    advance_to(start, ms(1500)).await;
    assert_closed(&mut client, None).await;
}

// [MQTT-3.1.2-22] reached by auto-advance (nothing else to do, the paused
// clock jumps to the keep-alive deadline): the connection closes exactly then.
// A driver that re-arms its timer at the deadline without closing busy-loops
// and the clock never moves again; the watchdog (real time, on another
// thread) turns that livelock into a failure instead of a hung test run.
#[test]
fn mqtt_3_1_2_22_keep_alive_timeout_by_auto_advance_does_not_livelock() {
    let (when, code) = run_paused_with_watchdog(
        Duration::from_secs(20),
        "keep-alive close never happened on the paused clock (livelock?)",
        || async {
            let shared = memory_broker(Config::default());
            let mut c = connect(ProtocolVersion::V5, "ka-auto");
            c.keep_alive = 1;
            let (mut client, _) = open_duplex(&shared, c).await;
            let start = Instant::now();
            close_time(&mut client, start).await
        },
    );
    assert_eq!(when, ms(1500), "closed at {when:?}");
    assert_eq!(code, Some(ReasonCode::KeepAliveTimeout));
}

// [MQTT-3.1.2-22]: the 1.5 x Keep Alive period starts over with every control
// packet received, whatever its type (PINGREQ, SUBSCRIBE, PUBLISH, PUBACK).
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_22_keep_alive_resets_on_every_packet() {
    let shared = memory_broker(Config::default());
    let mut c = connect(ProtocolVersion::V5, "ka-reset");
    c.keep_alive = 2; // deadline: 3 s after the last packet
    let (mut client, _) = open_duplex(&shared, c).await;
    let start = Instant::now();

    advance_to(start, ms(2900)).await;
    client.ping().await; // PINGREQ
    advance_to(start, ms(5800)).await;
    client.subscribe(1, "ka/+", QoS::AtLeastOnce).await; // SUBSCRIBE
    advance_to(start, ms(8700)).await;
    client
        .publish_complete(publish("ka/x", "p", QoS::AtLeastOnce)) // PUBLISH QoS 1
        .await;
    // Our own message comes back (we subscribed).
    let p = client.recv_publish().await;
    advance_to(start, ms(11_600)).await;
    client
        .send(Packet::PubAck(PubResponse::new(p.packet_id.unwrap()))) // PUBACK
        .await;
    advance_to(start, ms(14_500)).await;
    client.send(publish("other", "q", QoS::AtMostOnce)).await; // PUBLISH QoS 0
    // Last packet at 14.5 s: open until 17.5 s.
    advance_to(start, ms(17_499)).await;
    assert_open(&mut client).await;
    advance_to(start, ms(17_500)).await;
    assert_closed(&mut client, Some(ReasonCode::KeepAliveTimeout)).await;
}

// Section 3.1.2.10: a Keep Alive of 0 turns the mechanism off.
#[tokio::test(start_paused = true)]
async fn keep_alive_zero_never_closes() {
    let shared = memory_broker(Config::default());
    let mut c = connect(ProtocolVersion::V5, "ka0");
    c.keep_alive = 0;
    let (mut client, _) = open_duplex(&shared, c).await;
    tokio::time::sleep(secs(24 * 3600)).await;
    client.ping().await;
}

// [MQTT-3.2.2-21], [MQTT-3.2.2-22]: a Server Keep Alive in CONNACK is the value
// in force; the server closes after 1.5 times it ([MQTT-3.1.2-22]).
#[tokio::test(start_paused = true)]
async fn mqtt_3_2_2_21_server_keep_alive_is_the_one_enforced() {
    let mut config = Config::default();
    config.keep_alive.max_secs = 2;
    let shared = memory_broker(config);
    let mut c = connect(ProtocolVersion::V5, "ska");
    c.keep_alive = 60;
    let (mut client, connack) = open_duplex(&shared, c).await;
    assert_eq!(connack.properties.server_keep_alive, Some(2));
    let start = Instant::now();
    advance_to(start, ms(2999)).await;
    assert_open(&mut client).await;
    advance_to(start, ms(3000)).await;
    assert_closed(&mut client, Some(ReasonCode::KeepAliveTimeout)).await;
}

// ---------------------------------------------------------------------------
// Connect timeout
// ---------------------------------------------------------------------------

// [MQTT-3.1.0-1] with the broker's connect timeout: a connection that sends
// nothing is closed after `connect_timeout_secs`, not before.
#[tokio::test(start_paused = true)]
async fn connect_timeout_closes_a_silent_connection() {
    let shared = memory_broker(Config {
        connect_timeout_secs: 2,
        ..Config::default()
    });
    let mut client = duplex(&shared);
    let start = Instant::now();
    let (when, code) = close_time(&mut client, start).await;
    assert_eq!(when, secs(2), "closed at {when:?}");
    assert_eq!(code, None);
}

// A CONNECT trickled in byte by byte does not extend the connect timeout.
#[tokio::test(start_paused = true)]
async fn connect_timeout_counts_from_accept_not_from_last_byte() {
    let shared = memory_broker(Config {
        connect_timeout_secs: 2,
        ..Config::default()
    });
    let mut client = duplex(&shared);
    let start = Instant::now();
    let mut bytes = bytes::BytesMut::new();
    Packet::Connect(Box::new(connect(ProtocolVersion::V5, "slow")))
        .encode(ProtocolVersion::V5, &mut bytes)
        .unwrap();
    // All but the last byte, spread over 1.8 s.
    for (i, b) in bytes[..bytes.len() - 1].iter().enumerate() {
        at(start, ms(100 * i as u64).min(ms(1800))).await;
        client.send_bytes(&[*b]).await;
    }
    let (when, code) = close_time(&mut client, start).await;
    assert_eq!(when, secs(2), "closed at {when:?}");
    assert_eq!(code, None);
}

// A CONNECT completed just before the timeout is served normally.
#[tokio::test(start_paused = true)]
async fn connect_just_before_timeout_is_accepted() {
    let shared = memory_broker(Config {
        connect_timeout_secs: 2,
        ..Config::default()
    });
    let mut client = duplex(&shared);
    let start = Instant::now();
    at(start, ms(1999)).await;
    let connack = client
        .handshake(connect(ProtocolVersion::V5, "just-in-time"))
        .await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    tokio::time::sleep(secs(30)).await;
    client.ping().await;
}

// ---------------------------------------------------------------------------
// Session expiry
// ---------------------------------------------------------------------------

// [MQTT-3.1.2-23], [MQTT-3.2.2-3]: with Session Expiry Interval 10 the session
// outlives the connection: a reconnect at 9 s resumes it (Session Present 1,
// subscriptions and queued messages intact).
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_23_session_present_9s_into_a_10s_expiry() {
    let shared = memory_broker(Config::default());
    let (mut sub, connack) = open_duplex(&shared, v5_session("exp", true, 10)).await;
    assert!(!connack.session_present);
    sub.subscribe(1, "exp/t", QoS::AtLeastOnce).await;
    sub.disconnect_normally().await;
    let start = Instant::now();

    let (mut publisher, _) = open_duplex(&shared, connect(ProtocolVersion::V5, "exp-pub")).await;
    publisher
        .publish_complete(publish("exp/t", "queued", QoS::AtLeastOnce))
        .await;

    at(start, secs(9)).await;
    let (mut sub, connack) = open_duplex(&shared, v5_session("exp", false, 10)).await;
    assert!(connack.session_present, "session gone before it expired");
    let p = sub.recv_publish().await;
    assert_eq!(&p.payload[..], b"queued");
}

// [MQTT-4.1.0-2], [MQTT-3.2.2-3]: once the Session Expiry Interval has passed
// the session is discarded: Session Present 0, no subscriptions, no messages.
#[tokio::test(start_paused = true)]
async fn mqtt_4_1_0_2_session_discarded_after_expiry() {
    let shared = memory_broker(Config::default());
    let (mut sub, _) = open_duplex(&shared, v5_session("gone", true, 10)).await;
    sub.subscribe(1, "gone/t", QoS::AtLeastOnce).await;
    sub.disconnect_normally().await;
    let start = Instant::now();

    let (mut publisher, _) = open_duplex(&shared, connect(ProtocolVersion::V5, "gone-pub")).await;
    publisher
        .publish_complete(publish("gone/t", "queued", QoS::AtLeastOnce))
        .await;

    at(start, ms(9999)).await;
    assert!(shared.session("gone").is_some(), "expired early");
    at(start, ms(10_001)).await;
    assert!(shared.session("gone").is_none(), "not discarded at 10 s");

    let (mut sub, connack) = open_duplex(&shared, v5_session("gone", false, 10)).await;
    assert!(!connack.session_present);
    // Neither the message queued nor the subscription survived.
    publisher
        .publish_complete(publish("gone/t", "after", QoS::AtLeastOnce))
        .await;
    sub.expect_nothing(secs(1)).await;
}

// [MQTT-4.1.0-2]: the expiry also runs from a network close (no DISCONNECT).
#[tokio::test(start_paused = true)]
async fn mqtt_4_1_0_2_session_expiry_counts_from_network_close() {
    let shared = memory_broker(Config::default());
    let (client, _) = open_duplex(&shared, v5_session("netexp", true, 10)).await;
    client.drop_connection().await;
    tokio::task::yield_now().await;
    let start = Instant::now();
    at(start, ms(9999)).await;
    assert!(shared.session("netexp").is_some(), "expired early");
    let (c, connack) = open_duplex(&shared, v5_session("netexp", false, 10)).await;
    assert!(connack.session_present);
    c.drop_connection().await;
    tokio::task::yield_now().await;
    let start = Instant::now();
    at(start, ms(10_001)).await;
    let (_c, connack) = open_duplex(&shared, v5_session("netexp", false, 10)).await;
    assert!(!connack.session_present);
}

// Section 3.1.2.11.2: Session Expiry Interval 0xFFFFFFFF means the session
// does not expire; a 3.1.1 session with CleanSession 0 is kept likewise
// (3.1.1 [MQTT-3.1.2-4]).
#[tokio::test(start_paused = true)]
async fn session_expiry_max_and_v311_persistent_sessions_never_expire() {
    let shared = memory_broker(Config::default());
    let (c, _) = open_duplex(&shared, v5_session("forever", true, u32::MAX)).await;
    c.disconnect_normally().await;
    let mut c311 = connect(ProtocolVersion::V3_1_1, "forever311");
    c311.clean_start = false;
    let (c, _) = open_duplex(&shared, c311.clone()).await;
    c.disconnect_normally().await;
    tokio::time::sleep(secs(400 * 24 * 3600)).await;
    let (_c, connack) = open_duplex(&shared, v5_session("forever", false, u32::MAX)).await;
    assert!(connack.session_present);
    let (_c, connack) = open_duplex(&shared, c311).await;
    assert!(connack.session_present);
}

// Section 3.14.2.2.2: a Session Expiry Interval in DISCONNECT replaces the one
// from CONNECT ([MQTT-4.1.0-2] then applies with the new value).
#[tokio::test(start_paused = true)]
async fn disconnect_session_expiry_interval_replaces_connect_value() {
    let shared = memory_broker(Config::default());
    let (mut client, _) = open_duplex(&shared, v5_session("dexp", true, 100)).await;
    let mut d = Disconnect::new(ReasonCode::Success);
    d.properties.session_expiry_interval = Some(5);
    client.send(d).await;
    assert_eq!(client.expect_close().await, None);
    let start = Instant::now();
    at(start, ms(4999)).await;
    assert!(shared.session("dexp").is_some());
    at(start, ms(5001)).await;
    assert!(shared.session("dexp").is_none());
}

// ---------------------------------------------------------------------------
// Message expiry
// ---------------------------------------------------------------------------

/// A v5 subscriber `id` with a 100 s session subscribed to `filter` at QoS 1,
/// then disconnected.
async fn offline_subscriber(shared: &Arc<Shared>, id: &str, filter: &str) {
    let (mut sub, _) = open_duplex(shared, v5_session(id, true, 100)).await;
    sub.subscribe(1, filter, QoS::AtLeastOnce).await;
    sub.disconnect_normally().await;
}

fn expiring(topic_name: &str, payload: &str, secs: u32) -> Publish {
    let mut p = publish(topic_name, payload, QoS::AtLeastOnce);
    p.properties.message_expiry_interval = Some(secs);
    p
}

// [MQTT-3.3.2-6]: a message that waited 3 s of its 5 s lifetime is sent with
// Message Expiry Interval 2.
#[tokio::test(start_paused = true)]
async fn mqtt_3_3_2_6_queued_message_carries_remaining_expiry() {
    let shared = memory_broker(Config::default());
    offline_subscriber(&shared, "mexp", "mexp/t").await;
    let (mut publisher, _) = open_duplex(&shared, connect(ProtocolVersion::V5, "mexp-pub")).await;
    publisher
        .publish_complete(expiring("mexp/t", "five", 5))
        .await;
    let start = Instant::now();
    at(start, secs(3)).await;
    let (mut sub, connack) = open_duplex(&shared, v5_session("mexp", false, 100)).await;
    assert!(connack.session_present);
    let p = sub.recv_publish().await;
    assert_eq!(&p.payload[..], b"five");
    assert_eq!(p.properties.message_expiry_interval, Some(2));
}

// [MQTT-3.3.2-5]: a queued message whose Message Expiry Interval has passed
// before delivery started is deleted for that subscriber.
#[tokio::test(start_paused = true)]
async fn mqtt_3_3_2_5_expired_queued_message_is_dropped() {
    let shared = memory_broker(Config::default());
    offline_subscriber(&shared, "mdrop", "mdrop/t").await;
    let (mut publisher, _) = open_duplex(&shared, connect(ProtocolVersion::V5, "mdrop-pub")).await;
    publisher
        .publish_complete(expiring("mdrop/t", "expires", 5))
        .await;
    publisher
        .publish_complete(publish("mdrop/t", "stays", QoS::AtLeastOnce))
        .await;
    let start = Instant::now();
    at(start, ms(5001)).await;
    let (mut sub, connack) = open_duplex(&shared, v5_session("mdrop", false, 100)).await;
    assert!(connack.session_present);
    let p = sub.recv_publish().await;
    assert_eq!(&p.payload[..], b"stays", "the expired message was sent");
    assert_eq!(p.properties.message_expiry_interval, None);
}

// [MQTT-3.3.2-5], [MQTT-3.3.2-6] for retained messages: a new subscriber gets
// a retained message with its remaining lifetime, and none once it expired.
#[tokio::test(start_paused = true)]
async fn mqtt_3_3_2_5_retained_message_expires() {
    let shared = memory_broker(Config::default());
    let (mut publisher, _) = open_duplex(&shared, connect(ProtocolVersion::V5, "rexp-pub")).await;
    let mut p = expiring("rexp/t", "retained", 5);
    p.retain = true;
    publisher.publish_complete(p).await;
    let start = Instant::now();

    at(start, secs(3)).await;
    let (mut early, _) = open_duplex(&shared, connect(ProtocolVersion::V5, "rexp-early")).await;
    early.subscribe(1, "rexp/t", QoS::AtLeastOnce).await;
    let got = early.recv_publish().await;
    assert!(got.retain);
    assert_eq!(got.properties.message_expiry_interval, Some(2));

    at(start, ms(5001)).await;
    let (mut late, _) = open_duplex(&shared, connect(ProtocolVersion::V5, "rexp-late")).await;
    late.subscribe(1, "rexp/t", QoS::AtLeastOnce).await;
    late.expect_nothing(secs(1)).await;
}

// ---------------------------------------------------------------------------
// Will Delay Interval (section 3.1.3.2.2)
// ---------------------------------------------------------------------------

// [MQTT-3.1.2-8], section 3.1.3.2.2: the will waits exactly its Will Delay
// Interval after the network connection closed.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_8_will_published_exactly_after_will_delay() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let (client, _) = open_duplex(&shared, delayed_will("wd", 5, 60)).await;
    client.drop_connection().await;
    let start = Instant::now();
    watcher.expect_nothing(ms(4999)).await;
    let p = watcher.recv_publish().await;
    assert_eq!(start.elapsed(), secs(5));
    assert_eq!(p.topic.as_str(), "will/wd");
}

// Section 3.1.3.2.2 ("until the Will Delay Interval has passed or the Session
// ends, whichever happens first"), [MQTT-3.1.2-8]: a 3 s session with a 10 s
// will delay publishes the will when the session ends, at 3 s.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_8_will_published_when_session_expires_first() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let (client, _) = open_duplex(&shared, delayed_will("wse", 10, 3)).await;
    client.drop_connection().await;
    let start = Instant::now();
    watcher.expect_nothing(ms(2999)).await;
    let p = watcher.recv_publish().await;
    assert_eq!(start.elapsed(), secs(3));
    assert_eq!(p.topic.as_str(), "will/wse");
}

// [MQTT-3.1.3-9]: a new connection to the session before the delay passed
// means the will is never sent.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_3_9_reconnect_within_will_delay_cancels_will() {
    let shared = memory_broker(Config::default());
    let mut watcher = will_watcher(&shared).await;
    let (client, _) = open_duplex(&shared, delayed_will("wrc", 5, 60)).await;
    client.drop_connection().await;
    let start = Instant::now();
    at(start, ms(4999)).await;
    let (mut again, connack) = open_duplex(&shared, v5_session("wrc", false, 60)).await;
    assert!(connack.session_present);
    watcher.expect_nothing(secs(60)).await;
    again.ping().await;
}
