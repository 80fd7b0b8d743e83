//! CONNACK per version and CONNACK properties.

use super::*;

// ------------------------------------------------------ CONNACK per version

// v5 [MQTT-3.1.4-5]; [MQTT-3.1.2-4], [MQTT-3.2.2-2]: Clean Start 1 → Session Present 0.
#[tokio::test]
async fn mqtt_3_1_4_5_connack_success_v5() {
    let broker = TestBroker::start().await;
    let (mut c, connack) = broker.connect(v5("c5")).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    assert!(!connack.session_present);
    c.ping().await;
    broker.stop().await;
}

// v311 [MQTT-3.1.4-4]; v311 [MQTT-3.2.2-1].
#[tokio::test]
async fn mqtt_3_1_4_4_connack_success_v311() {
    let broker = TestBroker::start().await;
    let (mut c, connack) = broker.connect(v311("c4")).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    assert!(!connack.session_present);
    c.ping().await;
    broker.stop().await;
}

// MQTT 3.1 (protocol name "MQIsdp", level 3) is accepted like 3.1.1
// (v311 [MQTT-3.1.4-4]).
#[tokio::test]
async fn mqtt_3_1_4_4_connack_success_v31() {
    let broker = TestBroker::start().await;
    let (mut c, connack) = broker.connect(v31("c3")).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    assert!(!connack.session_present);
    c.ping().await;
    broker.stop().await;
}

// The same CONNACK on the wire, byte for byte, for each version: 3.x has no
// properties; v5 carries at least the reason code and a property block.
#[tokio::test]
async fn mqtt_3_1_4_4_connack_bytes_v31_v311() {
    let broker = TestBroker::start().await;
    for (name, level) in [(&b"MQIsdp"[..], 3u8), (&b"MQTT"[..], 4)] {
        let mut stream = TcpStream::connect(broker.addr).await.unwrap();
        stream
            .write_all(&raw_connect(name, level, 0x02, &[], "bytes"))
            .await
            .unwrap();
        let mut connack = [0u8; 4];
        tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut connack))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(connack, [0x20, 0x02, 0x00, 0x00], "level {level}");
    }
    broker.stop().await;
}

// ------------------------------------------------------ CONNACK properties

// v5 section 3.2.2.3: with the defaults, CONNACK announces Receive Maximum
// 100, Maximum Packet Size 1 MiB and Topic Alias Maximum 32; no Maximum QoS
// (2), no Retain Available (1), no Server Keep Alive, no Authentication
// Method ([MQTT-4.12.0-6]).
#[tokio::test]
async fn mqtt_3_2_2_9_connack_properties_defaults() {
    let broker = TestBroker::start().await;
    let (_c, connack) = broker.connect(v5("props")).await;
    let p = &connack.properties;
    assert_eq!(p.receive_maximum.map(|r| r.get()), Some(100));
    assert_eq!(p.maximum_packet_size.map(|m| m.get()), Some(1_048_576));
    assert_eq!(p.topic_alias_maximum, Some(32));
    assert_eq!(p.maximum_qos, None);
    assert_ne!(p.retain_available, Some(false));
    assert_eq!(p.server_keep_alive, None);
    assert_eq!(p.authentication_method, None);
    assert_eq!(p.authentication_data, None);
    assert_eq!(p.assigned_client_identifier, None);
    broker.stop().await;
}

// v5 sections 3.2.2.3.3, 3.2.2.3.6, 3.2.2.3.8 and [MQTT-3.2.2-9]: the
// configured values are announced; Topic Alias Maximum 0 is absent (or 0).
#[tokio::test]
async fn mqtt_3_2_2_9_connack_properties_as_configured() {
    let broker = TestBroker::with_config(|c| {
        c.limits.receive_maximum = 7;
        c.limits.max_packet_size = 4096;
        c.limits.topic_alias_maximum = 0;
        c.limits.maximum_qos = 1;
    })
    .await;
    let (_c, connack) = broker.connect(v5("props")).await;
    let p = &connack.properties;
    assert_eq!(p.receive_maximum.map(|r| r.get()), Some(7));
    assert_eq!(p.maximum_packet_size.map(|m| m.get()), Some(4096));
    assert!(matches!(p.topic_alias_maximum, None | Some(0)));
    assert_eq!(p.maximum_qos, Some(QoS::AtLeastOnce));
    broker.stop().await;
}

// v5 [MQTT-3.2.2-9]: Maximum QoS 0 is announced.
#[tokio::test]
async fn mqtt_3_2_2_9_maximum_qos_0_announced() {
    let broker = TestBroker::with_config(|c| c.limits.maximum_qos = 0).await;
    let (_c, connack) = broker.connect(v5("q0")).await;
    assert_eq!(connack.properties.maximum_qos, Some(QoS::AtMostOnce));
    broker.stop().await;
}

// v5 [MQTT-3.2.2-12]: a Will QoS above the broker's maximum: CONNACK 0x9B and
// close.
#[tokio::test]
async fn mqtt_3_2_2_12_will_qos_above_maximum_refused_0x9b() {
    for (max, will_qos) in [(1u8, QoS::ExactlyOnce), (0, QoS::AtLeastOnce)] {
        let broker = TestBroker::with_config(|c| c.limits.maximum_qos = max).await;
        let mut connect = v5("willq");
        connect.will = Some(will("will/topic", "gone", will_qos, false));
        let mut c = broker.raw().await;
        expect_refusal(&mut c, connect, ReasonCode::QoSNotSupported).await;
        // A will at the maximum is accepted.
        let mut connect = v5("willq");
        connect.will = Some(will(
            "will/topic",
            "gone",
            QoS::from_u8(max).unwrap(),
            false,
        ));
        let (_c, connack) = broker.connect(connect).await;
        assert_eq!(connack.reason_code, ReasonCode::Success);
        broker.stop().await;
    }
}

// v5 section 3.2.2.3.5 and [MQTT-3.2.2-13]: with retained messages disabled,
// Retain Available is 0 and a retained will is refused with 0x9A.
#[tokio::test]
async fn mqtt_3_2_2_13_retain_unavailable_announced_and_retained_will_refused() {
    let broker = TestBroker::with_config(|c| c.retained.enabled = false).await;
    let (_c, connack) = broker.connect(v5("r0")).await;
    assert_eq!(connack.properties.retain_available, Some(false));
    let mut connect = v5("rwill");
    connect.will = Some(will("will/topic", "gone", QoS::AtMostOnce, true));
    let mut c = broker.raw().await;
    expect_refusal(&mut c, connect, ReasonCode::RetainNotSupported).await;
    // A non-retained will is fine.
    let mut connect = v5("rwill");
    connect.will = Some(will("will/topic", "gone", QoS::AtMostOnce, false));
    let (_c, connack) = broker.connect(connect).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    broker.stop().await;
}

// 3.x CONNACK carries no properties whatever the configuration (exactly 4
// bytes).
#[tokio::test]
async fn mqtt_3_2_connack_has_no_properties_v311() {
    let broker = TestBroker::with_config(|c| {
        c.limits.maximum_qos = 1;
        c.retained.enabled = false;
        c.limits.receive_maximum = 3;
    })
    .await;
    let mut stream = TcpStream::connect(broker.addr).await.unwrap();
    stream
        .write_all(&raw_connect(b"MQTT", 4, 0x02, &[], "np"))
        .await
        .unwrap();
    let mut connack = [0u8; 4];
    stream.read_exact(&mut connack).await.unwrap();
    assert_eq!(connack, [0x20, 0x02, 0x00, 0x00]);
    // Nothing else follows.
    stream.write_all(&[0xC0, 0x00]).await.unwrap();
    let mut pingresp = [0u8; 2];
    stream.read_exact(&mut pingresp).await.unwrap();
    assert_eq!(pingresp, [0xD0, 0x00]);
    broker.stop().await;
}
