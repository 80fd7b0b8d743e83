//! Keep alive: PINGREQ when idle, the Server Keep Alive, and giving up a
//! connection without PINGRESP.

use crate::*;

#[tokio::test]
async fn pingreq_when_idle_and_reconnect_without_pingresp() {
    let fake = Fake::start().await;
    let (_client, mut events, mut peer, connect) = fake
        .connect(
            fake.options().client_id("ka").keep_alive(1),
            connack_ok(false),
        )
        .await;
    assert_eq!(connect.keep_alive, 1);
    let start = Instant::now();

    // [MQTT-3.1.2-20]: idle, the client sends PINGREQ within the keep alive.
    match peer.next_event(Duration::from_millis(1500)).await {
        PeerEvent::Packet(Packet::PingReq) => {}
        other => panic!("expected PINGREQ, got {other:?}"),
    }
    assert!(start.elapsed() >= Duration::from_millis(500));

    // No PINGRESP: the client gives the connection up and reconnects.
    expect_closed(&mut peer, Duration::from_millis(1500)).await;
    assert_eq!(
        next_event(&mut events).await,
        Event::Disconnected { reason: None }
    );
    let (mut peer, again) = fake.accept().await;
    assert!(
        again.clean_start,
        "Session Expiry 0: nothing to resume, Clean Start 1"
    );
    assert_eq!(again.client_id.as_ref() as &str, "ka");
    peer.send(connack_ok(false)).await;
    expect_reconnected(&mut events, false).await;
}

#[tokio::test]
async fn server_keep_alive_overrides_the_clients() {
    let fake = Fake::start().await;
    let mut ack = connack_ok(false);
    ack.properties.server_keep_alive = Some(1);
    let (_client, mut events, mut peer, connect) = fake
        .connect(fake.options().client_id("ska").keep_alive(60), ack)
        .await;
    assert_eq!(connect.keep_alive, 60);

    // [MQTT-3.2.2-21]: the client uses the Server Keep Alive (1 s).
    for _ in 0..2 {
        match peer.next_event(Duration::from_millis(1500)).await {
            PeerEvent::Packet(Packet::PingReq) => {}
            other => panic!("expected PINGREQ, got {other:?}"),
        }
        peer.send(Packet::PingResp).await;
    }
    // Answered pings keep the connection up.
    assert!(
        timeout(Duration::from_millis(100), events.recv())
            .await
            .is_err()
    );
}
