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

mod auth;
mod client_id;
mod connack;
mod shutdown;
mod timeouts;
mod validation;
