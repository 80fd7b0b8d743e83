//! DISCONNECT, from the broker (reason reported, then a reconnect) and from
//! the client (sent, then closed for good).

use crate::*;

#[tokio::test]
async fn broker_disconnect_reason_is_reported_then_reconnects() {
    let fake = Fake::start().await;
    let (_client, mut events, mut peer, _) = fake
        .connect(fake.options().client_id("dc"), connack_ok(false))
        .await;
    peer.send(Disconnect::new(ReasonCode::ServerShuttingDown))
        .await;
    assert_eq!(
        next_event(&mut events).await,
        Event::Disconnected {
            reason: Some(ReasonCode::ServerShuttingDown)
        }
    );
    // The client closes its side ([MQTT-4.13.2-1]) and reconnects.
    expect_closed(&mut peer, WAIT).await;
    let (mut peer, _) = fake.accept().await;
    peer.send(connack_ok(false)).await;
    expect_reconnected(&mut events, false).await;
}

#[tokio::test]
async fn disconnect_sends_disconnect_success_and_closes() {
    let fake = Fake::start().await;
    let (client, mut events, mut peer, _) = fake
        .connect(fake.options().client_id("bye"), connack_ok(false))
        .await;
    client.disconnect().await.unwrap();
    match recv(&mut peer).await {
        Packet::Disconnect(d) => assert_eq!(d.reason_code, ReasonCode::Success),
        other => panic!("expected DISCONNECT, got {other:?}"),
    }
    // [MQTT-3.14.4-1], [MQTT-3.14.4-2]: nothing more, and the socket closes.
    assert!(expect_closed(&mut peer, WAIT).await.is_none());
    assert!(timeout(WAIT, events.recv()).await.unwrap().is_none());
    assert!(matches!(
        client
            .publish_to("a", "b", QoS::AtMostOnce, false)
            .await
            .unwrap_err(),
        ClientError::Closed
    ));
    assert!(matches!(
        client.unsubscribe(&["a"]).await.unwrap_err(),
        ClientError::Closed
    ));
    // No reconnect after a deliberate disconnect.
    assert!(
        timeout(Duration::from_millis(200), fake.listener.accept())
            .await
            .is_err()
    );
}
