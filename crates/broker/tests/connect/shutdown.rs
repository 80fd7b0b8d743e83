//! Graceful shutdown.

use super::*;

// ------------------------------------------------------------- shutdown

// v5 section 4.13 / reason code 0x8B: on graceful shutdown a connected v5
// client gets DISCONNECT 0x8B and the connection closes; a 3.1.1 client is
// just disconnected ([MQTT-3.14.0-1]: only after a successful CONNACK).
#[tokio::test]
async fn mqtt_3_14_0_1_shutdown_sends_disconnect_0x8b() {
    let broker = TestBroker::start().await;
    let mut c5 = broker.connect_v5("down5").await;
    let mut c4 = broker.connect_v311("down4").await;
    c5.ping().await;
    let (_, d5, d4) = tokio::join!(broker.stop(), c5.expect_close(), c4.expect_close());
    assert_eq!(
        d5.map(|d| d.reason_code),
        Some(ReasonCode::ServerShuttingDown)
    );
    assert!(d4.is_none(), "{d4:?}");
}

// A socket that has not sent CONNECT yet does not hold up a graceful
// shutdown: it is closed at once (not after the grace period or the CONNECT
// timeout).
#[tokio::test]
async fn shutdown_closes_sockets_waiting_for_connect() {
    let broker = TestBroker::start().await;
    let mut silent = TcpStream::connect(broker.addr).await.unwrap();
    let mut c5 = broker.connect_v5("down5").await;
    c5.ping().await;
    let start = std::time::Instant::now();
    let (_, d5, got) = tokio::join!(broker.stop(), c5.expect_close(), read_to_close(&mut silent));
    assert_eq!(
        d5.map(|d| d.reason_code),
        Some(ReasonCode::ServerShuttingDown)
    );
    assert!(got.is_empty());
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "shutdown took {:?}",
        start.elapsed()
    );
}
