//! Client identifiers: empty, assigned, refused and always allowed.

use super::*;

// ----------------------------------------------------------- client ids

// v5 [MQTT-3.1.3-6], [MQTT-3.1.3-7], [MQTT-3.2.2-16]: an empty ClientID gets
// an Assigned Client Identifier, unique to the connection.
#[tokio::test]
async fn mqtt_3_2_2_16_empty_client_id_gets_unique_assigned_id_v5() {
    let broker = TestBroker::start().await;
    let mut ids = Vec::new();
    let mut clients = Vec::new();
    for _ in 0..5 {
        let (c, connack) = broker.connect(v5("")).await;
        assert_eq!(connack.reason_code, ReasonCode::Success);
        let id = connack
            .properties
            .assigned_client_identifier
            .expect("Assigned Client Identifier");
        assert!(!id.is_empty());
        assert!(!ids.contains(&id), "{id} assigned twice");
        ids.push(id);
        clients.push(c);
    }
    // Every connection is still up: none took another's session over.
    for c in &mut clients {
        c.ping().await;
    }
    broker.stop().await;
}

// v5 [MQTT-3.1.3-7]: the CONNECT is processed as if the client had sent the
// assigned ClientID: its session can be resumed under that id.
#[tokio::test]
async fn mqtt_3_1_3_7_assigned_id_names_the_session() {
    let broker = TestBroker::start().await;
    let mut first = v5("");
    first.properties.session_expiry_interval = Some(300);
    let (mut c, connack) = broker.connect(first).await;
    let id = connack.properties.assigned_client_identifier.unwrap();
    c.subscribe(1, "assigned/t", QoS::AtLeastOnce).await;
    c.disconnect(ReasonCode::Success).await;

    let mut again = v5(&id);
    again.clean_start = false;
    again.properties.session_expiry_interval = Some(300);
    let (mut c, connack) = broker.connect(again).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    assert!(connack.session_present);
    // A client that sent an id gets none assigned.
    assert_eq!(connack.properties.assigned_client_identifier, None);
    let mut publisher = broker.connect_v5("pub").await;
    publisher
        .publish_complete(midge_testkit::publish("assigned/t", "x", QoS::AtLeastOnce))
        .await;
    assert_eq!(c.recv_publish().await.topic.as_str(), "assigned/t");
    broker.stop().await;
}

// A v5 client that supplies its ClientID gets no Assigned Client Identifier.
#[tokio::test]
async fn mqtt_3_2_2_16_no_assigned_id_for_non_empty_client_id() {
    let broker = TestBroker::start().await;
    let (_c, connack) = broker.connect(v5("named")).await;
    assert_eq!(connack.properties.assigned_client_identifier, None);
    broker.stop().await;
}

// v5 [MQTT-3.1.3-8]: a broker that does not accept an empty ClientID answers
// CONNACK 0x85 and closes.
#[tokio::test]
async fn mqtt_3_1_3_8_empty_client_id_refused_when_disabled_v5() {
    let broker = TestBroker::with_config(|c| c.session.allow_empty_client_id = false).await;
    let mut c = broker.raw().await;
    expect_refusal(&mut c, v5(""), ReasonCode::ClientIdentifierNotValid).await;
    broker.stop().await;
}

// v311 [MQTT-3.1.3-6]: an empty ClientId with CleanSession 1 is accepted.
#[tokio::test]
async fn mqtt_3_1_3_6_empty_client_id_clean_session_accepted_v311() {
    let broker = TestBroker::start().await;
    let (mut a, connack) = broker.connect(v311("")).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    assert!(!connack.session_present);
    let (mut b, connack) = broker.connect(v311("")).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    // Each got its own unique id: neither connection was taken over.
    a.ping().await;
    b.ping().await;
    broker.stop().await;
}

// v311 [MQTT-3.1.3-8]: an empty ClientId with CleanSession 0 gets CONNACK
// 0x02 (Identifier rejected), then the connection is closed.
#[tokio::test]
async fn mqtt_3_1_3_8_empty_client_id_without_clean_session_rejected_v311() {
    let broker = TestBroker::start().await;
    let mut connect = v311("");
    connect.clean_start = false;
    let mut c = broker.raw().await;
    expect_refusal(&mut c, connect, ReasonCode::ClientIdentifierNotValid).await;
    // On the wire: return code 0x02.
    let got = raw_exchange(broker.addr, &raw_connect(b"MQTT", 4, 0x00, &[], "")).await;
    assert_eq!(got, [0x20, 0x02, 0x00, 0x02]);
    broker.stop().await;
}

// MQTT 3.1 requires a ClientId of 1 to 23 characters: an empty one gets
// CONNACK 0x02 (Identifier rejected), even with CleanSession 1.
#[tokio::test]
async fn mqtt_3_1_3_9_empty_client_id_rejected_v31() {
    let broker = TestBroker::start().await;
    let got = raw_exchange(broker.addr, &raw_connect(b"MQIsdp", 3, 0x02, &[], "")).await;
    assert_eq!(got, [0x20, 0x02, 0x00, 0x02]);
    broker.stop().await;
}

// v5 [MQTT-3.1.3-5] / v311 [MQTT-3.1.3-5]: ClientIDs of 1 to 23 alphanumeric
// characters are always allowed.
#[tokio::test]
async fn mqtt_3_1_3_5_short_alphanumeric_client_ids_allowed() {
    let broker = TestBroker::start().await;
    for id in ["a", "Z9", "0123456789abcdefghijklm"] {
        for version in [
            ProtocolVersion::V5,
            ProtocolVersion::V3_1_1,
            ProtocolVersion::V3_1,
        ] {
            let (mut c, connack) = broker.connect(connect(version, id)).await;
            assert_eq!(connack.reason_code, ReasonCode::Success, "{id} {version}");
            c.ping().await;
        }
    }
    broker.stop().await;
}
