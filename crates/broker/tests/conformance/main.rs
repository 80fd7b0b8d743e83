#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! Conformance tests for normative statements not covered elsewhere, one test
//! (or a few) per statement, named after it, with the id in a comment.
//!
//! Statement ids are scoped by version: `v5` ids come from
//! `mqtt-v5.0-normative.tsv`, `v311` ids (tests prefixed `v311_`) from
//! `mqtt-v3.1.1-normative.tsv`. Most tests run over TCP (`TestBroker`);
//! anything that depends on time runs on an in-memory broker over `duplex`
//! pipes on tokio's paused clock. "Nothing was delivered" is checked with a
//! marker message published afterwards: the watcher's next message must be
//! the marker.
//!
//! Statements with no test, because they cannot be observed from outside a
//! TCP broker without authentication, TLS or WebSocket, or do not apply:
//!
//! - v5 `MQTT-3.15.2-2`, `MQTT-3.15.2-3` (AUTH Reason String / User Property
//!   within the receiver's Maximum Packet Size): Midge never sends AUTH;
//!   enhanced authentication is refused (CONNACK or DISCONNECT 0x8C).
//! - v5 `MQTT-4.12.1-2` (failed re-authentication closes the connection):
//!   re-authentication needs an Authentication Method accepted in CONNECT, and
//!   Midge refuses every one with CONNACK 0x8C, so it can never start.
//! - v5 `MQTT-6.0.0-1`, `MQTT-6.0.0-4`; v311 `MQTT-6.0.0-1`, `MQTT-6.0.0-4`:
//!   WebSocket transport, not implemented.
//! - v311 `MQTT-7.0.0-1` (a server that also connects out to other servers
//!   conforms as a client too): Midge makes no outbound connections (no
//!   bridging).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::num::{NonZeroU16, NonZeroU32};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use midge_broker::Config;
use midge_proto::{
    Auth, ByteString, Connect, Decoder, Disconnect, Packet, ProtocolVersion, PubResponse, Publish,
    QoS, ReasonCode, Subscribe, SubscriptionOptions, Unsubscribe,
};
use midge_testkit::{
    Event, QUIET, TestBroker, TestClient, WAIT, connect, filter, memory_broker, open_duplex, pid,
    publish, publish_id, raw_packet, raw_subscribe, settle, str_field, text, topic, v3_session, v5,
    v5_session, varint, will,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

const V5: ProtocolVersion = ProtocolVersion::V5;
const V311: ProtocolVersion = ProtocolVersion::V3_1_1;

type Tcp = TestClient<TcpStream>;

// ---------------------------------------------------------------- helpers

/// Every packet the broker sends until it closes the connection; panics if
/// the connection is still open after [`WAIT`].
async fn until_close<S: AsyncRead + AsyncWrite + Unpin>(client: &mut TestClient<S>) -> Vec<Packet> {
    let mut got = Vec::new();
    loop {
        match client.next_event(WAIT).await {
            Event::Packet(p) => got.push(p),
            Event::Closed => return got,
            Event::Open => panic!("connection still open after {WAIT:?}; received {got:?}"),
        }
    }
}

/// Encodes `packets` back to back, to be written at once (pipelined).
fn encode_all(version: ProtocolVersion, packets: Vec<Packet>) -> BytesMut {
    let mut buf = BytesMut::new();
    for p in packets {
        p.encode(version, &mut buf).unwrap();
    }
    buf
}

/// The next PUBLISH, with its QoS flow completed (for QoS 2: PUBREC, then
/// PUBREL answered with PUBCOMP).
async fn recv_complete<S: AsyncRead + AsyncWrite + Unpin>(client: &mut TestClient<S>) -> Publish {
    let p = client.recv_publish_acking().await;
    if p.qos == QoS::ExactlyOnce {
        let id = p.packet_id.unwrap();
        assert_eq!(client.recv().await, Packet::PubRel(PubResponse::new(id)));
        client.send(Packet::PubComp(PubResponse::new(id))).await;
    }
    p
}

/// Publishes `payload` to `topic_name` at QoS 1 from a fresh v5 client.
async fn publish_marker(broker: &TestBroker, topic_name: &str, payload: &str) {
    let mut publ = broker.connect_v5(&format!("marker-{payload}")).await;
    publ.publish_complete(publish(topic_name, payload, QoS::AtLeastOnce))
        .await;
    publ.disconnect_normally().await;
}

/// A subscription with `qos` and default options.
fn opts(qos: QoS) -> SubscriptionOptions {
    SubscriptionOptions::new(qos)
}

/// Whether `topic_name` matches `filter_text` (section 4.7), written
/// independently of the broker's matcher. A `$share/{group}/` prefix is
/// stripped.
fn matches(filter_text: &str, topic_name: &str) -> bool {
    let filter_text = filter_text
        .strip_prefix("$share/")
        .and_then(|rest| rest.split_once('/'))
        .map_or(filter_text, |(_, f)| f);
    if topic_name.starts_with('$') && (filter_text.starts_with('+') || filter_text.starts_with('#'))
    {
        return false;
    }
    let mut f = filter_text.split('/');
    let mut t = topic_name.split('/');
    loop {
        match (f.next(), t.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

// ---- raw bytes

/// A QoS 0 PUBLISH to the raw topic bytes `topic_bytes`; `props` is the v5
/// property list (without its length), `None` for 3.1.1.
fn raw_publish(topic_bytes: &[u8], props: Option<&[u8]>, payload: &[u8]) -> Vec<u8> {
    let mut body = str_field(topic_bytes);
    if let Some(props) = props {
        body.extend(varint(props.len()));
        body.extend_from_slice(props);
    }
    body.extend_from_slice(payload);
    raw_packet(0x30, &body)
}

/// A CONNECT for client `id`, clean start, with a QoS 0 will on the raw
/// topic bytes `will_topic`.
fn raw_connect_with_will(version: ProtocolVersion, id: &str, will_topic: &[u8]) -> Vec<u8> {
    let mut body = str_field(b"MQTT");
    body.push(version.level());
    body.push(0x06); // Will Flag, Clean Start
    body.extend_from_slice(&60u16.to_be_bytes());
    if version.is_v5() {
        body.push(0x00); // CONNECT properties
    }
    body.extend(str_field(id.as_bytes()));
    if version.is_v5() {
        body.push(0x00); // Will properties
    }
    body.extend(str_field(will_topic));
    body.extend(str_field(b"will"));
    raw_packet(0x10, &body)
}

// ---- a client that sees each packet's size on the wire

/// A raw v5 client recording the size in bytes of every packet it receives.
struct Wire {
    stream: TcpStream,
    rbuf: BytesMut,
    decoder: Decoder,
}

impl Wire {
    async fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Self {
            stream,
            rbuf: BytesMut::new(),
            decoder: Decoder::with_version(V5, 1 << 28),
        }
    }

    async fn send(&mut self, packet: impl Into<Packet>) {
        let mut buf = BytesMut::new();
        packet.into().encode(V5, &mut buf).unwrap();
        let _ = self.stream.write_all(&buf).await;
    }

    /// The next packet and its size, or `None` once the broker has closed
    /// the connection; panics after [`WAIT`].
    async fn next(&mut self) -> Option<(Packet, usize)> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let before = self.rbuf.len();
            if let Some(p) = self.decoder.decode(&mut self.rbuf).unwrap() {
                return Some((p, before - self.rbuf.len()));
            }
            self.rbuf.reserve(4096);
            match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.rbuf)).await {
                Ok(Ok(0) | Err(_)) => {
                    assert!(self.rbuf.is_empty(), "partial packet before close");
                    return None;
                }
                Ok(Ok(_)) => {}
                Err(_) => panic!("nothing received within {WAIT:?}"),
            }
        }
    }

    async fn recv(&mut self) -> (Packet, usize) {
        self.next().await.expect("a packet, not a close")
    }
}

/// The Maximum Packet Size the "small" clients announce: room for the
/// broker's CONNACK and small acknowledgements, not for a Reason String.
const SMALL_MAX: usize = 20;

fn assert_fits(packet: &Packet, size: usize, max: usize) {
    assert!(
        size <= max,
        "{size}-byte {:?} exceeds the client's Maximum Packet Size {max}: {packet:?}",
        packet.packet_type()
    );
}

/// A broker whose topic limit is short enough for tests to provoke
/// "Topic Name invalid" and "Topic Filter invalid" reason codes.
async fn short_topic_broker() -> TestBroker {
    TestBroker::with_config(|c| c.limits.max_topic_length = 16).await
}

/// A topic over [`short_topic_broker`]'s limit.
fn too_long() -> String {
    format!("long/{}", "x".repeat(30))
}

/// Connects a v5 client announcing Maximum Packet Size [`SMALL_MAX`]; its
/// successful CONNACK must fit.
async fn small_client(broker: &TestBroker, id: &str) -> Wire {
    let mut w = Wire::open(broker.addr).await;
    let mut c = v5(id);
    c.properties.maximum_packet_size = NonZeroU32::new(u32::try_from(SMALL_MAX).unwrap());
    w.send(c).await;
    let (p, size) = w.recv().await;
    match &p {
        Packet::ConnAck(c) => assert_eq!(c.reason_code, ReasonCode::Success, "{c:?}"),
        other => panic!("expected CONNACK, got {other:?}"),
    }
    assert_fits(&p, size, SMALL_MAX);
    w
}

// ---- paused clock

/// Moves the paused clock forward by `by` after letting the broker process
/// what was sent, then lets it react.
async fn advance(by: Duration) {
    settle().await;
    tokio::time::advance(by).await;
    settle().await;
}

mod connect;
mod delivery;
mod publish;
mod session;
