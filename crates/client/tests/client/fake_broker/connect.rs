//! Connecting: the CONNECT the client sends, and what it does with the
//! CONNACK (refusals, a session it does not have, packets right behind it).

use crate::*;

#[tokio::test]
async fn v5_connect_packet_carries_the_options() {
    let fake = Fake::start().await;
    let mut o = fake
        .options()
        .client_id("opts")
        .session_expiry(30)
        .keep_alive(42);
    o.receive_maximum = Some(7);
    o.topic_alias_maximum = 3;
    o.maximum_packet_size = Some(4096);
    let (client, _events, _peer, connect) = fake.connect(o, connack_ok(false)).await;
    assert_eq!(connect.protocol, ProtocolVersion::V5);
    assert_eq!(connect.client_id.as_ref() as &str, "opts");
    assert!(connect.clean_start);
    assert_eq!(connect.keep_alive, 42);
    let p = &connect.properties;
    assert_eq!(p.session_expiry_interval, Some(30));
    assert_eq!(p.receive_maximum, NonZeroU16::new(7));
    assert_eq!(p.topic_alias_maximum, Some(3));
    assert_eq!(p.maximum_packet_size, NonZeroU32::new(4096));
    drop(client);
}

#[tokio::test]
async fn v5_connack_refusal_is_refused_error() {
    let fake = Fake::start().await;
    let (result, ()) = tokio::join!(Client::connect(fake.options().client_id("bad")), async {
        let (mut peer, _) = fake.accept().await;
        peer.send(ConnAck::new(ReasonCode::BadUserNameOrPassword, false))
            .await;
    });
    let err = result.unwrap_err();
    assert!(
        matches!(err, ClientError::Refused(ReasonCode::BadUserNameOrPassword)),
        "{err:?}"
    );
}

#[tokio::test]
async fn v311_connack_refusal_is_refused_error() {
    let fake = Fake::start().await;
    let (result, ()) = tokio::join!(
        Client::connect(
            fake.options()
                .version(ProtocolVersion::V3_1_1)
                .client_id("bad3")
        ),
        async {
            let (mut peer, connect) = fake.accept().await;
            assert_eq!(connect.protocol, ProtocolVersion::V3_1_1);
            // Return code 5: not authorized (3.1.1 Table 3.1).
            peer.send(ConnAck::new(ReasonCode::NotAuthorized, false))
                .await;
        }
    );
    let err = result.unwrap_err();
    assert!(
        matches!(err, ClientError::Refused(ReasonCode::NotAuthorized)),
        "{err:?}"
    );
}

#[tokio::test]
async fn packets_right_behind_connack_are_processed() {
    let fake = Fake::start().await;
    let (result, mut peer) =
        tokio::join!(Client::connect(fake.options().client_id("early")), async {
            let (mut peer, _) = fake.accept().await;
            let mut buf = BytesMut::new();
            Packet::ConnAck(Box::new(connack_ok(false)))
                .encode(ProtocolVersion::V5, &mut buf)
                .unwrap();
            let mut p = midge_testkit::publish("early/t", "first", QoS::AtLeastOnce);
            p.packet_id = Some(pid(1));
            Packet::from(p)
                .encode(ProtocolVersion::V5, &mut buf)
                .unwrap();
            peer.send_bytes(&buf).await;
            peer
        });
    let (_client, mut events, _) = result.expect("CONNACK followed by PUBLISH is a valid stream");
    assert_eq!(text(&next_message(&mut events).await), "first");
    match recv(&mut peer).await {
        Packet::PubAck(a) => assert_eq!(a.packet_id, pid(1)),
        other => panic!("expected PUBACK, got {other:?}"),
    }
}

#[tokio::test]
async fn session_present_without_session_state_closes_the_connection() {
    let fake = Fake::start().await;
    let (result, mut peer) = tokio::join!(Client::connect(fake.options().client_id("sp")), async {
        let (mut peer, connect) = fake.accept().await;
        assert!(connect.clean_start);
        peer.send(connack_ok(true)).await;
        peer
    });
    // [MQTT-3.2.2-4]: the client has no session state, so it MUST close the
    // Network Connection (Client::connect may report an error).
    let _keep = result.ok();
    expect_closed(&mut peer, Duration::from_millis(1000)).await;
}
