#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! CONNECT and CONNACK, client identifiers, keep alive, enhanced
//! authentication and graceful shutdown, over TCP (and over in-memory pipes
//! on a paused clock where time matters).
//!
//! Statement ids are scoped by version: `v5` ids come from
//! `mqtt-v5.0-normative.tsv`, `v311` ids from `mqtt-v3.1.1-normative.tsv`.

use std::net::SocketAddr;
use std::time::Duration;

use midge_proto::bytes::Bytes;
use midge_proto::{Auth, ByteString, ConnAck, Connect, Packet, ProtocolVersion, QoS, ReasonCode};
use midge_testkit::{
    TestBroker, TestClient, connect, duplex, memory_broker, read_to_close,
    run_paused_with_watchdog, test_config, v5, v31, v311, will,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, advance};

// ---------------------------------------------------------------- helpers

/// Builds a raw CONNECT: protocol `name`, `level`, connect `flags`, keep
/// alive, `props` (the whole v5 property block, length included; empty for
/// 3.x) and client id. No will, user name or password.
fn raw_connect(name: &[u8], level: u8, flags: u8, props: &[u8], client_id: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&u16::try_from(name.len()).unwrap().to_be_bytes());
    body.extend_from_slice(name);
    body.push(level);
    body.push(flags);
    body.extend_from_slice(&60u16.to_be_bytes());
    body.extend_from_slice(props);
    body.extend_from_slice(&u16::try_from(client_id.len()).unwrap().to_be_bytes());
    body.extend_from_slice(client_id.as_bytes());
    assert!(body.len() < 128, "helper only writes one-byte lengths");
    let mut packet = vec![0x10, u8::try_from(body.len()).unwrap()];
    packet.extend_from_slice(&body);
    packet
}

/// Sends `bytes` on a fresh TCP connection and returns everything the broker
/// writes until it closes the connection. Panics if it stays open.
async fn raw_exchange(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    read_to_close(&mut stream).await
}

/// A refused CONNECT: CONNACK with `code` and Session Present 0, then close.
async fn expect_refusal<S: AsyncRead + AsyncWrite + Unpin>(
    client: &mut TestClient<S>,
    connect: Connect,
    code: ReasonCode,
) -> ConnAck {
    let connack = client.handshake(connect).await;
    assert_eq!(connack.reason_code, code);
    // v5 [MQTT-3.2.2-6], v311 [MQTT-3.2.2-4]
    assert!(!connack.session_present);
    // v5 [MQTT-3.2.2-7], v311 [MQTT-3.2.2-5]
    client.expect_silent_close().await;
    connack
}

/// A refused 3.x CONNECT: either a CONNACK with a non-zero return code or no
/// CONNACK at all (v311 [MQTT-3.2.2-6]), then the connection closes.
async fn expect_v3_refused<S: AsyncRead + AsyncWrite + Unpin>(
    client: &mut TestClient<S>,
    connect: Connect,
) {
    client.set_version(connect.protocol);
    client.send(connect).await;
    match client.try_recv(Duration::from_secs(5)).await {
        None => {}
        Some(Packet::ConnAck(c)) => {
            assert_ne!(c.reason_code, ReasonCode::Success, "CONNECT was accepted");
            assert!(!c.session_present);
            client.expect_silent_close().await;
        }
        Some(other) => panic!("expected CONNACK or close, got {other:?}"),
    }
}

fn paused_config() -> midge_broker::Config {
    test_config()
}

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
