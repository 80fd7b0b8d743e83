//! Enhanced authentication, refused.

use super::*;

// ------------------------------------------------- enhanced authentication

// v5 [MQTT-4.12.0-1]: an unsupported Authentication Method: CONNACK 0x8C (or
// 0x87) and close.
#[tokio::test]
async fn mqtt_4_12_0_1_unsupported_authentication_method_connack_0x8c() {
    let broker = TestBroker::start().await;
    let mut connect = v5("auth");
    connect.properties.authentication_method = Some(ByteString::from_static("SCRAM-SHA-1"));
    connect.properties.authentication_data = Some(Bytes::from_static(b"client-first"));
    let mut c = broker.raw().await;
    let connack = expect_refusal(&mut c, connect, ReasonCode::BadAuthenticationMethod).await;
    // Not an AUTH exchange either ([MQTT-4.12.0-5] applies to success only).
    assert_eq!(connack.properties.assigned_client_identifier, None);
    broker.stop().await;
}

// v5 [MQTT-4.12.0-7] broken by the client, section 3.15: AUTH without an
// Authentication Method in CONNECT: DISCONNECT 0x8C (Bad authentication
// method: "does not match the authentication method currently in use"), close.
#[tokio::test]
async fn mqtt_4_12_0_7_auth_without_method_disconnect_0x8c() {
    let broker = TestBroker::start().await;
    let mut c = broker.connect_v5("auth").await;
    let mut auth = Auth::new(ReasonCode::ReAuthenticate);
    auth.properties.authentication_method = Some(ByteString::from_static("SCRAM-SHA-1"));
    c.send(auth).await;
    c.expect_disconnect(ReasonCode::BadAuthenticationMethod)
        .await;
    broker.stop().await;
}

// 3.x has no AUTH packet: type 15 is reserved (malformed): close.
#[tokio::test]
async fn mqtt_2_2_1_reserved_packet_type_15_closes_v311() {
    let broker = TestBroker::start().await;
    let mut c = broker.connect_v311("auth3").await;
    c.send_bytes(&[0xF0, 0x00]).await;
    c.expect_silent_close().await;
    broker.stop().await;
}
