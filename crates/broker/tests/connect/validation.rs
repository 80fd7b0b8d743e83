//! Protocol name, level and packet order, a second CONNECT, malformed CONNECT.

use super::*;

// ------------------------------------------- protocol name, level and order

// v311 [MQTT-3.1.2-2]: an unsupported level gets CONNACK return code 0x01 and
// the connection is closed (v5 [MQTT-3.1.2-2] allows this CONNACK, then MUST
// close). The level is unknown, so the 3.1.1 form (no properties) is used.
#[tokio::test]
async fn mqtt_3_1_2_2_unsupported_protocol_level_connack_0x01_then_close() {
    let broker = TestBroker::start().await;
    for level in [0u8, 1, 2, 6, 7, 0x84, 0xFF] {
        let got = raw_exchange(broker.addr, &raw_connect(b"MQTT", level, 0x02, &[], "x")).await;
        assert_eq!(got, [0x20, 0x02, 0x00, 0x01], "level {level}");
    }
    broker.stop().await;
}

// v311 [MQTT-3.1.2-1], v5 [MQTT-3.1.2-1]: an unknown protocol name: the broker
// disconnects (it may not process the CONNECT as MQTT).
#[tokio::test]
async fn mqtt_3_1_2_1_bad_protocol_name_closes() {
    let broker = TestBroker::start().await;
    for name in [&b"MQTX"[..], b"mqtt", b"MQT", b"MQTTT", b"", b"MQIsdq"] {
        let got = raw_exchange(broker.addr, &raw_connect(name, 4, 0x02, &[], "x")).await;
        // The only answer allowed is an "unsupported protocol version"
        // CONNACK (v5 0x84 / 3.x 0x01); Midge sends nothing.
        assert!(
            got.is_empty()
                || got == [0x20, 0x02, 0x00, 0x01]
                || got.starts_with(&[0x20, 0x03, 0x00, 0x84]),
            "name {name:?}: got {got:02X?}"
        );
    }
    broker.stop().await;
}

// v5 and v311 [MQTT-3.1.0-1]: the first packet must be CONNECT; anything else
// closes the connection without an answer.
#[tokio::test]
async fn mqtt_3_1_0_1_first_packet_not_connect_closes() {
    let broker = TestBroker::start().await;
    let packets: [&[u8]; 6] = [
        &[0xC0, 0x00],                                     // PINGREQ
        &[0xE0, 0x00],                                     // DISCONNECT
        &[0x30, 0x05, 0x00, 0x01, b'a', b'h', b'i'],       // PUBLISH QoS 0
        &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x00], // SUBSCRIBE (3.1.1 form)
        &[0x20, 0x02, 0x00, 0x00],                         // CONNACK
        &[0xF0, 0x00],                                     // AUTH
    ];
    for packet in packets {
        let got = raw_exchange(broker.addr, packet).await;
        assert!(got.is_empty(), "after {packet:02X?} got {got:02X?}");
    }
    // The broker is still serving.
    let mut c = broker.connect_v5("after").await;
    c.ping().await;
    broker.stop().await;
}

// A packet sent before CONNECT is not processed: a PUBLISH first does not
// reach a subscriber ([MQTT-3.1.0-1]).
#[tokio::test]
async fn mqtt_3_1_0_1_publish_before_connect_is_not_processed() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "a", QoS::AtMostOnce).await;
    let got = raw_exchange(broker.addr, &[0x30, 0x05, 0x00, 0x01, b'a', b'h', b'i']).await;
    assert!(got.is_empty());
    sub.expect_nothing(Duration::from_millis(200)).await;
    broker.stop().await;
}

// ------------------------------------------------------- second CONNECT

// v5 [MQTT-3.1.0-2]: a second CONNECT is a Protocol Error: DISCONNECT 0x82,
// then close.
#[tokio::test]
async fn mqtt_3_1_0_2_second_connect_is_protocol_error_v5() {
    let broker = TestBroker::start().await;
    let mut c = broker.connect_v5("twice").await;
    c.send(v5("twice")).await;
    c.expect_disconnect(ReasonCode::ProtocolError).await;
    broker.stop().await;
}

// v311 [MQTT-3.1.0-2]: a second CONNECT is a protocol violation: disconnect.
#[tokio::test]
async fn mqtt_3_1_0_2_second_connect_closes_v311() {
    let broker = TestBroker::start().await;
    let mut c = broker.connect_v311("twice").await;
    c.send(v311("twice")).await;
    c.expect_silent_close().await;
    broker.stop().await;
}

// The same for MQTT 3.1.
#[tokio::test]
async fn mqtt_3_1_0_2_second_connect_closes_v31() {
    let broker = TestBroker::start().await;
    let (mut c, connack) = broker.connect(v31("twice")).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    c.send(v31("twice")).await;
    c.expect_silent_close().await;
    broker.stop().await;
}

// v5 [MQTT-3.1.0-2]: also when the second CONNECT names another version.
#[tokio::test]
async fn mqtt_3_1_0_2_second_connect_other_version_is_protocol_error_v5() {
    let broker = TestBroker::start().await;
    let mut c = broker.connect_v5("twice").await;
    c.send_bytes(&raw_connect(b"MQTT", 4, 0x02, &[], "twice"))
        .await;
    c.expect_disconnect(ReasonCode::ProtocolError).await;
    broker.stop().await;
}

// ------------------------------------------------------- malformed CONNECT

// v5 [MQTT-3.1.2-3], [MQTT-3.1.4-1]: the reserved flag set is a Malformed
// Packet: CONNACK 0x81, then close ([MQTT-3.2.2-7]).
#[tokio::test]
async fn mqtt_3_1_2_3_reserved_flag_connack_0x81_v5() {
    let broker = TestBroker::start().await;
    let mut c = broker.raw().await;
    c.set_version(ProtocolVersion::V5);
    c.send_bytes(&raw_connect(b"MQTT", 5, 0x03, &[0], "rsv"))
        .await;
    match c.recv().await {
        Packet::ConnAck(connack) => {
            assert_eq!(connack.reason_code, ReasonCode::MalformedPacket);
            assert!(!connack.session_present);
        }
        other => panic!("expected CONNACK, got {other:?}"),
    }
    c.expect_silent_close().await;
    broker.stop().await;
}

// v311 [MQTT-3.1.2-3], [MQTT-3.1.4-1]: disconnect without CONNACK.
#[tokio::test]
async fn mqtt_3_1_2_3_reserved_flag_closes_without_connack_v311() {
    let broker = TestBroker::start().await;
    let got = raw_exchange(broker.addr, &raw_connect(b"MQTT", 4, 0x03, &[], "rsv")).await;
    assert!(got.is_empty(), "{got:02X?}");
    let got = raw_exchange(broker.addr, &raw_connect(b"MQIsdp", 3, 0x03, &[], "rsv")).await;
    assert!(got.is_empty(), "{got:02X?}");
    broker.stop().await;
}

// v5 [MQTT-3.1.2-11] / [MQTT-3.1.2-13] broken by the client (Will QoS or Will
// Retain without the Will Flag) and Will QoS 3 ([MQTT-3.1.2-12]) are
// Malformed Packets: CONNACK 0x81 then close; 3.1.1 closes without CONNACK
// (v311 [MQTT-3.1.2-13], [MQTT-3.1.2-15], [MQTT-3.1.4-1]).
#[tokio::test]
async fn mqtt_3_1_2_11_will_flags_without_will_are_malformed() {
    let broker = TestBroker::start().await;
    for flags in [0x0A, 0x22, 0x1E] {
        let mut c = broker.raw().await;
        c.set_version(ProtocolVersion::V5);
        c.send_bytes(&raw_connect(b"MQTT", 5, flags, &[0], "w"))
            .await;
        match c.recv().await {
            Packet::ConnAck(connack) => {
                assert_eq!(
                    connack.reason_code,
                    ReasonCode::MalformedPacket,
                    "{flags:02X}"
                );
            }
            other => panic!("expected CONNACK, got {other:?}"),
        }
        c.expect_silent_close().await;
        let got = raw_exchange(broker.addr, &raw_connect(b"MQTT", 4, flags, &[], "w")).await;
        assert!(got.is_empty(), "flags {flags:02X}: {got:02X?}");
    }
    broker.stop().await;
}

// v5 section 2.2.2.2: a property included twice is a Protocol Error: CONNACK
// 0x82 then close ([MQTT-3.2.2-7]).
#[tokio::test]
async fn mqtt_3_2_2_7_duplicate_connect_property_connack_0x82() {
    let broker = TestBroker::start().await;
    let mut c = broker.raw().await;
    c.set_version(ProtocolVersion::V5);
    let props = [10, 0x11, 0, 0, 0, 10, 0x11, 0, 0, 0, 20];
    c.send_bytes(&raw_connect(b"MQTT", 5, 0x02, &props, "dup"))
        .await;
    match c.recv().await {
        Packet::ConnAck(connack) => assert_eq!(connack.reason_code, ReasonCode::ProtocolError),
        other => panic!("expected CONNACK, got {other:?}"),
    }
    c.expect_silent_close().await;
    broker.stop().await;
}

// v5 sections 3.1.2.11.3 and 3.1.2.11.4: Receive Maximum 0 or Maximum Packet
// Size 0 in CONNECT is a Protocol Error: CONNACK 0x82, then close.
#[tokio::test]
async fn mqtt_3_2_2_7_zero_receive_maximum_or_packet_size_connack_0x82() {
    let broker = TestBroker::start().await;
    let bad: [&[u8]; 2] = [&[3, 0x21, 0, 0], &[5, 0x27, 0, 0, 0, 0]];
    for props in bad {
        let mut c = broker.raw().await;
        c.set_version(ProtocolVersion::V5);
        c.send_bytes(&raw_connect(b"MQTT", 5, 0x02, props, "zero"))
            .await;
        match c.recv().await {
            Packet::ConnAck(connack) => {
                assert_eq!(
                    connack.reason_code,
                    ReasonCode::ProtocolError,
                    "{props:02X?}"
                );
            }
            other => panic!("expected CONNACK, got {other:?}"),
        }
        c.expect_silent_close().await;
    }
    broker.stop().await;
}
