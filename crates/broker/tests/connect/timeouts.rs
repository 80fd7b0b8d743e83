//! The CONNECT timeout and keep alive.

use super::*;

// ------------------------------------------------------- CONNECT timeout

// v5 and v311 section 3.1.4 (item 1, SHOULD): a Server closes a connection that sends no CONNECT
// within a reasonable time (`connect_timeout_secs`). Nothing is sent.
#[tokio::test(start_paused = true)]
async fn connect_timeout_closes_silent_socket() {
    let mut config = paused_config();
    config.connect_timeout_secs = 3;
    let shared = memory_broker(config);
    let mut c = duplex(&shared);
    let start = Instant::now();
    c.expect_silent_close().await;
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}

// A partial CONNECT (fixed header and part of the body) does not hold the
// connection open past the timeout.
#[tokio::test(start_paused = true)]
async fn connect_timeout_closes_partial_connect() {
    let mut config = paused_config();
    config.connect_timeout_secs = 3;
    let shared = memory_broker(config);
    let mut c = duplex(&shared);
    // Let the connection task start (its timer starts then).
    let start = Instant::now();
    tokio::task::yield_now().await;
    let full = raw_connect(b"MQTT", 5, 0x02, &[0], "partial");
    c.send_bytes(&full[..6]).await;
    advance(Duration::from_secs(2)).await;
    // Trickling more bytes does not restart the timer.
    c.send_bytes(&full[6..9]).await;
    c.expect_silent_close().await;
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}

// A CONNECT that completes just before the timeout is accepted, and the
// timeout no longer applies afterwards.
#[tokio::test(start_paused = true)]
async fn connect_timeout_does_not_close_connected_client() {
    let mut config = paused_config();
    config.connect_timeout_secs = 3;
    let shared = memory_broker(config);
    let mut c = duplex(&shared);
    tokio::task::yield_now().await;
    advance(Duration::from_millis(2_900)).await;
    let mut connect = v5("in-time");
    connect.keep_alive = 0;
    let connack = c.handshake(connect).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    advance(Duration::from_secs(60)).await;
    c.ping().await;
}

// The same over TCP with the smallest allowed timeout (1 s).
#[tokio::test]
async fn connect_timeout_closes_silent_tcp_socket() {
    let broker = TestBroker::with_config(|c| c.connect_timeout_secs = 1).await;
    let mut stream = TcpStream::connect(broker.addr).await.unwrap();
    let start = std::time::Instant::now();
    let got = read_to_close(&mut stream).await;
    assert!(got.is_empty());
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    broker.stop().await;
}

// ------------------------------------------------------------ keep alive

/// A paused-clock broker connection with the given keep alive.
async fn keep_alive_client(
    config: midge_broker::Config,
    version: ProtocolVersion,
    keep_alive: u16,
) -> (TestClient<tokio::io::DuplexStream>, ConnAck) {
    let shared = memory_broker(config);
    let mut c = duplex(&shared);
    let mut connect = connect(version, "ka");
    connect.keep_alive = keep_alive;
    let connack = c.handshake(connect).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    (c, connack)
}

// v5 [MQTT-3.1.2-22]: no packet within 1.5 × Keep Alive: the connection is
// closed; v5 gets DISCONNECT 0x8D first. Not closed before that.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_22_keep_alive_timeout_disconnect_0x8d_v5() {
    let (mut c, _) = keep_alive_client(paused_config(), ProtocolVersion::V5, 1).await;
    advance(Duration::from_millis(1_450)).await;
    // Still open: the PINGREQ is answered and restarts the deadline.
    c.ping().await;
    advance(Duration::from_millis(1_450)).await;
    c.ping().await;
    advance(Duration::from_millis(1_501)).await;
    c.expect_disconnect(ReasonCode::KeepAliveTimeout).await;
}

// v311 [MQTT-3.1.2-24]: the same for 3.1.1, closed "as if the network had
// failed": no packet.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_24_keep_alive_timeout_closes_v311() {
    let (mut c, _) = keep_alive_client(paused_config(), ProtocolVersion::V3_1_1, 1).await;
    advance(Duration::from_millis(1_450)).await;
    c.ping().await;
    advance(Duration::from_millis(1_501)).await;
    c.expect_silent_close().await;
}

// v311 [MQTT-3.1.2-24] for MQTT 3.1 too.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_24_keep_alive_timeout_closes_v31() {
    let (mut c, _) = keep_alive_client(paused_config(), ProtocolVersion::V3_1, 2).await;
    advance(Duration::from_millis(2_900)).await;
    c.ping().await;
    advance(Duration::from_millis(3_001)).await;
    c.expect_silent_close().await;
}

// v5 [MQTT-3.1.2-22]: any control packet, not only PINGREQ, restarts the
// keep-alive deadline.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_22_any_packet_restarts_keep_alive() {
    let (mut c, _) = keep_alive_client(paused_config(), ProtocolVersion::V5, 2).await;
    for _ in 0..5 {
        advance(Duration::from_millis(2_900)).await;
        c.publish_complete(midge_testkit::publish("ka/t", "x", QoS::AtLeastOnce))
            .await;
    }
    advance(Duration::from_millis(2_900)).await;
    c.ping().await;
    advance(Duration::from_millis(3_001)).await;
    c.expect_disconnect(ReasonCode::KeepAliveTimeout).await;
}

// v5 [MQTT-3.1.2-22]: the connection closes once 1.5 × Keep Alive has passed
// without a packet, as observed by a client that just waits (the paused clock
// advances on its own to the broker's deadline). Run on a watchdog thread so
// that a hang fails the test instead of blocking the suite (regression: the
// connection task once re-armed the elapsed deadline and spun forever).
#[test]
fn mqtt_3_1_2_22_keep_alive_closes_when_client_just_waits() {
    let (elapsed, code) = run_paused_with_watchdog(
        Duration::from_secs(5),
        "connection not closed: the broker never finished its keep-alive timeout",
        || async {
            let (mut c, _) = keep_alive_client(paused_config(), ProtocolVersion::V5, 1).await;
            let start = Instant::now();
            let d = c.expect_close().await.map(|d| d.reason_code);
            (start.elapsed(), d)
        },
    );
    assert_eq!(code, Some(ReasonCode::KeepAliveTimeout));
    assert!(
        elapsed >= Duration::from_millis(1_500) && elapsed <= Duration::from_millis(1_501),
        "{elapsed:?}"
    );
}

// v5 [MQTT-3.1.2-22] on the real clock over TCP: Keep Alive 1 s, silence:
// DISCONNECT 0x8D after 1.5 s (not before).
#[tokio::test]
async fn mqtt_3_1_2_22_keep_alive_timeout_over_tcp() {
    let broker = TestBroker::start().await;
    let mut connect = v5("ka-tcp");
    connect.keep_alive = 1;
    let (mut c, _) = broker.connect(connect).await;
    let start = std::time::Instant::now();
    c.expect_disconnect(ReasonCode::KeepAliveTimeout).await;
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(1_450) && waited < Duration::from_secs(3),
        "closed after {waited:?}"
    );
    broker.stop().await;
}

// v5 [MQTT-3.12.4-1], v311 [MQTT-3.12.4-1]: PINGREQ is answered by PINGRESP.
#[tokio::test]
async fn mqtt_3_12_4_1_pingreq_answered_by_pingresp() {
    let broker = TestBroker::start().await;
    for version in [
        ProtocolVersion::V5,
        ProtocolVersion::V3_1_1,
        ProtocolVersion::V3_1,
    ] {
        let (mut c, _) = broker.connect(connect(version, "pinger")).await;
        for _ in 0..3 {
            c.ping().await;
        }
    }
    broker.stop().await;
}

// v5 [MQTT-3.12.4-1], [MQTT-3.1.2-22]: a client pinging every Keep Alive stays
// connected well past 1.5 × Keep Alive.
#[tokio::test(start_paused = true)]
async fn mqtt_3_12_4_1_pings_keep_the_connection_alive() {
    let (mut c, _) = keep_alive_client(paused_config(), ProtocolVersion::V5, 1).await;
    for _ in 0..30 {
        advance(Duration::from_secs(1)).await;
        c.ping().await;
    }
}

// v5 section 3.1.2.10: Keep Alive 0 turns the mechanism off: never closed.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_22_keep_alive_zero_never_times_out() {
    for version in [ProtocolVersion::V5, ProtocolVersion::V3_1_1] {
        let (mut c, _) = keep_alive_client(paused_config(), version, 0).await;
        advance(Duration::from_secs(3 * 24 * 3600)).await;
        c.ping().await;
    }
}

// v5 [MQTT-3.2.2-21], [MQTT-3.2.2-22]: a Server Keep Alive lower than the
// client's is sent in CONNACK and is the one enforced.
#[tokio::test(start_paused = true)]
async fn mqtt_3_2_2_21_server_keep_alive_announced_and_enforced() {
    let mut config = paused_config();
    config.keep_alive.max_secs = 2;
    let (mut c, connack) = keep_alive_client(config, ProtocolVersion::V5, 60).await;
    assert_eq!(connack.properties.server_keep_alive, Some(2));
    advance(Duration::from_millis(2_900)).await;
    c.ping().await;
    advance(Duration::from_millis(3_001)).await;
    c.expect_disconnect(ReasonCode::KeepAliveTimeout).await;
}

// v5 [MQTT-3.2.2-22]: without Server Keep Alive, the client's value is used.
#[tokio::test(start_paused = true)]
async fn mqtt_3_2_2_22_client_keep_alive_within_maximum_used() {
    let mut config = paused_config();
    config.keep_alive.max_secs = 10;
    let (mut c, connack) = keep_alive_client(config, ProtocolVersion::V5, 4).await;
    assert_eq!(connack.properties.server_keep_alive, None);
    advance(Duration::from_millis(5_900)).await;
    c.ping().await;
    advance(Duration::from_millis(6_001)).await;
    c.expect_disconnect(ReasonCode::KeepAliveTimeout).await;
}

// v5 [MQTT-3.2.2-21]: with `keep_alive.allow_zero = false`, a client asking
// for 0 is told to use the maximum, which is enforced.
#[tokio::test(start_paused = true)]
async fn mqtt_3_2_2_21_keep_alive_zero_replaced_when_not_allowed() {
    let mut config = paused_config();
    config.keep_alive.max_secs = 2;
    config.keep_alive.allow_zero = false;
    let (mut c, connack) = keep_alive_client(config, ProtocolVersion::V5, 0).await;
    assert_eq!(connack.properties.server_keep_alive, Some(2));
    advance(Duration::from_millis(3_001)).await;
    c.expect_disconnect(ReasonCode::KeepAliveTimeout).await;
}

// 3.1.1 has no Server Keep Alive: a keep alive above `keep_alive.max_secs`
// cannot be lowered, so the connection is refused (non-zero CONNACK or none,
// v311 [MQTT-3.2.2-5], [MQTT-3.2.2-6]) and closed.
#[tokio::test]
async fn mqtt_3_2_2_5_keep_alive_above_maximum_refused_v311() {
    let broker = TestBroker::with_config(|c| c.keep_alive.max_secs = 10).await;
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V3_1] {
        let mut connect = connect(version, "ka");
        connect.keep_alive = 11;
        let mut c = broker.raw().await;
        expect_v3_refused(&mut c, connect).await;
        // At or below the maximum is fine.
        let mut connect = midge_testkit::connect(version, "ka");
        connect.keep_alive = 10;
        let (mut c, connack) = broker.connect(connect).await;
        assert_eq!(connack.reason_code, ReasonCode::Success);
        c.ping().await;
    }
    broker.stop().await;
}

// 3.1.1: keep alive 0 refused when the broker requires one.
#[tokio::test]
async fn mqtt_3_2_2_5_keep_alive_zero_refused_when_required_v311() {
    let broker = TestBroker::with_config(|c| {
        c.keep_alive.max_secs = 10;
        c.keep_alive.allow_zero = false;
    })
    .await;
    let mut connect = v311("ka0");
    connect.keep_alive = 0;
    let mut c = broker.raw().await;
    expect_v3_refused(&mut c, connect).await;
    broker.stop().await;
}
