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

// ------------------------------------------------- packet identifiers (2.2.1)

/// Subscribes, unsubscribes and checks every acknowledgement carries the id
/// of its request, one request at a time and pipelined.
async fn check_ack_packet_ids(client: &mut Tcp) {
    for id in [1u16, 0x1234, 0xFFFF] {
        let ack = client.subscribe(id, "pid/a", QoS::AtLeastOnce).await;
        assert_eq!(ack.packet_id, pid(id));
        let ack = client.unsubscribe(id, &["pid/a"]).await;
        assert_eq!(ack.packet_id, pid(id));
    }
    // Pipelined, including a refused filter and a filter never subscribed.
    let version = client.version;
    let long = too_long();
    let requests = vec![
        Packet::Subscribe(Subscribe::new(
            pid(7),
            vec![(filter("pid/b"), opts(QoS::AtMostOnce))],
        )),
        Packet::Subscribe(Subscribe::new(
            pid(3),
            vec![(filter(&long), opts(QoS::AtMostOnce))],
        )),
        Packet::Unsubscribe(Unsubscribe::new(pid(0x8000), vec![filter("pid/none")])),
        Packet::Unsubscribe(Unsubscribe::new(pid(2), vec![filter("pid/b")])),
        Packet::Subscribe(Subscribe::new(
            pid(0xFFFE),
            vec![
                (filter("pid/c"), opts(QoS::ExactlyOnce)),
                (filter("pid/d"), opts(QoS::AtMostOnce)),
            ],
        )),
    ];
    client.send_bytes(&encode_all(version, requests)).await;
    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(match client.recv().await {
            Packet::SubAck(a) => ("SUBACK", a.packet_id.get()),
            Packet::UnsubAck(a) => ("UNSUBACK", a.packet_id.get()),
            other => panic!("expected SUBACK or UNSUBACK, got {other:?}"),
        });
    }
    assert_eq!(
        got,
        vec![
            ("SUBACK", 7),
            ("SUBACK", 3),
            ("UNSUBACK", 0x8000),
            ("UNSUBACK", 2),
            ("SUBACK", 0xFFFE)
        ]
    );
}

// [MQTT-2.2.1-6] (v5): a SUBACK and UNSUBACK contain the Packet Identifier of
// the SUBSCRIBE and UNSUBSCRIBE they answer.
#[tokio::test]
async fn mqtt_2_2_1_6_suback_unsuback_carry_request_packet_id() {
    let broker = short_topic_broker().await;
    let mut client = broker.connect_v5("pid-v5").await;
    check_ack_packet_ids(&mut client).await;
}

// [MQTT-2.3.1-7] (v311): SUBACK and UNSUBACK contain the Packet Identifier of
// the SUBSCRIBE and UNSUBSCRIBE they answer.
#[tokio::test]
async fn v311_mqtt_2_3_1_7_suback_unsuback_carry_request_packet_id() {
    let broker = short_topic_broker().await;
    let mut client = broker.connect_v311("pid-v311").await;
    check_ack_packet_ids(&mut client).await;
}

// ------------------------------------------------------------ CONNECT (3.1)

// [MQTT-3.1.2-7] (v5): with the Will Flag set, the Will Message (properties,
// topic, payload) is stored on the Server: it is published, as sent, when the
// network connection is lost.
#[tokio::test]
async fn mqtt_3_1_2_7_will_message_stored_and_published() {
    let broker = TestBroker::start().await;
    let mut watcher = broker.connect_v5("will-watcher").await;
    watcher.subscribe(1, "will/#", QoS::AtLeastOnce).await;

    let mut w = will("will/w", "gone", QoS::AtLeastOnce, false);
    w.properties.content_type = Some(ByteString::from("text/plain"));
    w.properties.correlation_data = Some(Bytes::from_static(b"\x01\x02"));
    w.properties.user_properties = vec![(ByteString::from("k"), ByteString::from("v"))];
    let mut c = v5("will-owner");
    c.will = Some(w);
    let (client, _) = broker.connect_ok(c).await;
    client.drop_connection().await;

    let p = watcher.recv_publish_acking().await;
    assert_eq!(p.topic.as_str(), "will/w");
    assert_eq!(text(&p), "gone");
    assert_eq!(p.qos, QoS::AtLeastOnce);
    assert_eq!(p.properties.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        p.properties.correlation_data.as_deref(),
        Some(&b"\x01\x02"[..])
    );
    assert_eq!(
        p.properties.user_properties,
        vec![(ByteString::from("k"), ByteString::from("v"))]
    );
}

// [MQTT-3.1.2-7] (v5): the stored Will Message is associated with the
// Session: with a Will Delay Interval (60 s) longer than the Session Expiry
// Interval (5 s) it is published when the session ends, at 5 s.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_7_will_message_associated_with_session() {
    let shared = memory_broker(Config::default());
    let mut wc = v5("will-watch");
    wc.keep_alive = 0;
    let (mut watcher, _) = open_duplex(&shared, wc).await;
    watcher.subscribe(1, "will/#", QoS::AtLeastOnce).await;

    let mut w = will("will/session", "session ended", QoS::AtLeastOnce, false);
    w.properties.will_delay_interval = Some(60);
    let mut c = v5("will-session");
    c.keep_alive = 0;
    c.properties.session_expiry_interval = Some(5);
    c.will = Some(w);
    let (client, _) = open_duplex(&shared, c).await;
    client.drop_connection().await;

    advance(Duration::from_millis(4_900)).await;
    match watcher.next_event(Duration::ZERO).await {
        Event::Open => {}
        other => panic!("will published before the session ended: {other:?}"),
    }
    advance(Duration::from_millis(100)).await;
    match watcher.next_event(Duration::ZERO).await {
        Event::Packet(Packet::Publish(p)) => {
            assert_eq!(p.topic.as_str(), "will/session");
            assert_eq!(text(&p), "session ended");
        }
        other => panic!("expected the will when the session ended, got {other:?}"),
    }
}

// [MQTT-3.1.2-28] (v5): Request Response Information 0 (explicit or absent):
// the CONNACK carries no Response Information.
#[tokio::test]
async fn mqtt_3_1_2_28_no_response_information_unless_requested() {
    let broker = TestBroker::start().await;
    let mut c = v5("rri-0");
    c.properties.request_response_information = Some(false);
    let (_explicit, connack) = broker.connect_ok(c).await;
    assert_eq!(connack.properties.response_information, None, "{connack:?}");

    let (_absent, connack) = broker.connect_ok(v5("rri-absent")).await;
    assert_eq!(connack.properties.response_information, None, "{connack:?}");
}

/// The Reason String and User Properties of an acknowledgement-like packet.
fn problem_properties(p: &Packet) -> (Option<&ByteString>, usize) {
    match p {
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => (
            a.properties.reason_string.as_ref(),
            a.properties.user_properties.len(),
        ),
        Packet::SubAck(a) => (
            a.properties.reason_string.as_ref(),
            a.properties.user_properties.len(),
        ),
        Packet::UnsubAck(a) => (
            a.properties.reason_string.as_ref(),
            a.properties.user_properties.len(),
        ),
        Packet::Auth(a) => (
            a.properties.reason_string.as_ref(),
            a.properties.user_properties.len(),
        ),
        _ => (None, 0),
    }
}

// [MQTT-3.1.2-29] (v5): with Request Problem Information 0 the Server sends no
// Reason String or User Property on any packet but PUBLISH, CONNACK and
// DISCONNECT: checked on SUBACK, UNSUBACK, PUBACK, PUBREC, PUBREL, PUBCOMP and
// PINGRESP, on successes and on the error paths that could explain themselves
// (0x8F, 0x11, 0x10, 0x90, 0x92).
#[tokio::test]
async fn mqtt_3_1_2_29_no_reason_string_when_problem_information_not_requested() {
    let broker = short_topic_broker().await;
    let long = too_long();
    let mut c = v5("rpi-0");
    c.properties.request_problem_information = Some(false);
    let (mut cl, _) = broker.connect_ok(c).await;
    let mut seen: Vec<Packet> = Vec::new();

    // SUBACK: one granted, one refused (filter too long).
    cl.send(Subscribe::new(
        pid(1),
        vec![
            (filter("rpi/in"), opts(QoS::ExactlyOnce)),
            (filter(&long), opts(QoS::AtMostOnce)),
        ],
    ))
    .await;
    seen.push(cl.recv().await);
    // UNSUBACK 0x11.
    cl.send(Unsubscribe::new(pid(2), vec![filter("rpi/none")]))
        .await;
    seen.push(cl.recv().await);
    // PUBACK 0x10 and 0x90, PUBREC 0x10 and 0x90.
    cl.send(publish_id("rpi/nobody", "x", QoS::AtLeastOnce, 3))
        .await;
    cl.send(publish_id(&long, "x", QoS::AtLeastOnce, 4)).await;
    cl.send(publish_id("rpi/nobody", "x", QoS::ExactlyOnce, 5))
        .await;
    cl.send(publish_id(&long, "x", QoS::ExactlyOnce, 6)).await;
    for _ in 0..4 {
        seen.push(cl.recv().await);
    }
    // PUBCOMP 0x00 and 0x92 (unknown id); PUBREL 0x92 (unknown id); PINGRESP.
    cl.send(Packet::PubRel(PubResponse::new(pid(5)))).await;
    cl.send(Packet::PubRel(PubResponse::new(pid(77)))).await;
    cl.send(Packet::PubRec(PubResponse::new(pid(78)))).await;
    cl.send(Packet::PingReq).await;
    for _ in 0..4 {
        seen.push(cl.recv().await);
    }
    // A QoS 2 message to itself: PUBREC 0x00, then PUBLISH, PUBREL, PUBCOMP.
    cl.send(publish_id("rpi/in", "self", QoS::ExactlyOnce, 8))
        .await;
    let mut delivered = None;
    for _ in 0..2 {
        match cl.recv().await {
            Packet::Publish(p) => delivered = Some(p),
            other => seen.push(other),
        }
    }
    let delivered = delivered.expect("the QoS 2 message to itself");
    cl.send(Packet::PubRec(PubResponse::new(
        delivered.packet_id.unwrap(),
    )))
    .await;
    cl.send(Packet::PubRel(PubResponse::new(pid(8)))).await;
    for _ in 0..2 {
        seen.push(cl.recv().await);
    }

    let kinds: BTreeSet<&str> = seen.iter().map(|p| p.packet_type().name()).collect();
    for kind in [
        "SUBACK", "UNSUBACK", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "PINGRESP",
    ] {
        assert!(kinds.contains(kind), "no {kind} in {seen:?}");
    }
    let codes: BTreeSet<u8> = seen
        .iter()
        .flat_map(|p| match p {
            Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
                vec![a.reason_code.as_u8()]
            }
            Packet::SubAck(a) => a.reason_codes.iter().map(|c| c.as_u8()).collect(),
            Packet::UnsubAck(a) => a.reason_codes.iter().map(|c| c.as_u8()).collect(),
            _ => Vec::new(),
        })
        .collect();
    for code in [0x8F, 0x11, 0x10, 0x90, 0x92] {
        assert!(
            codes.contains(&code),
            "no reason code {code:#04X} in {seen:?}"
        );
    }
    for p in &seen {
        assert_eq!(
            problem_properties(p),
            (None, 0),
            "Reason String or User Property on {p:?}"
        );
    }
}

/// The Client Identifier selects the session: `alpha`'s subscription and
/// queued message stay with `alpha`, a different id gets none of it.
async fn check_client_id_selects_session(broker: &TestBroker, version: ProtocolVersion) {
    let persistent = |id: &str, clean: bool| match version {
        ProtocolVersion::V5 => v5_session(id, clean, 600),
        _ => v3_session(V311, id, clean),
    };
    let (mut alpha, _) = broker.connect_ok(persistent("alpha", false)).await;
    alpha.subscribe(1, "cid/alpha", QoS::AtLeastOnce).await;
    alpha.disconnect_normally().await;

    let (mut beta, connack) = broker.connect_ok(persistent("beta", false)).await;
    assert!(!connack.session_present, "beta has no session: {connack:?}");
    beta.subscribe(1, "cid/beta", QoS::AtLeastOnce).await;

    let mut publ = broker.connect_v5("cid-pub").await;
    publ.publish_complete(publish("cid/alpha", "for alpha", QoS::AtLeastOnce))
        .await;
    publ.publish_complete(publish("cid/beta", "for beta", QoS::AtLeastOnce))
        .await;

    let p = beta.recv_publish_acking().await;
    assert_eq!(text(&p), "for beta");
    beta.expect_no_publish(QUIET).await;

    let (mut alpha, connack) = broker.connect_ok(persistent("alpha", false)).await;
    assert!(connack.session_present, "alpha's session: {connack:?}");
    let p = alpha.recv_publish_acking().await;
    assert_eq!(text(&p), "for alpha");
    alpha.expect_no_publish(QUIET).await;
}

// [MQTT-3.1.3-2] (v5): the Client Identifier identifies the session state the
// Server holds (subscriptions, queued messages), including an id the Server
// assigned.
#[tokio::test]
async fn mqtt_3_1_3_2_client_id_identifies_session_state() {
    let broker = TestBroker::start().await;
    check_client_id_selects_session(&broker, V5).await;

    // An assigned Client Identifier names the session too.
    let (mut anon, connack) = broker.connect_ok(v5_session("", true, 600)).await;
    let assigned = connack
        .properties
        .assigned_client_identifier
        .clone()
        .expect("an assigned client id");
    anon.subscribe(1, "cid/assigned", QoS::AtLeastOnce).await;
    anon.disconnect_normally().await;
    let (mut again, connack) = broker.connect_ok(v5_session(&assigned, false, 600)).await;
    assert!(connack.session_present, "{connack:?}");
    let mut publ = broker.connect_v5("cid-pub2").await;
    publ.publish_complete(publish("cid/assigned", "kept", QoS::AtLeastOnce))
        .await;
    assert_eq!(text(&again.recv_publish_acking().await), "kept");
}

// [MQTT-3.1.3-2] (v311): the ClientId identifies the session state the Server
// holds.
#[tokio::test]
async fn v311_mqtt_3_1_3_2_client_id_identifies_session_state() {
    let broker = TestBroker::start().await;
    check_client_id_selects_session(&broker, V311).await;
}

/// Sends `refused` with a PUBLISH (retained, QoS 1), SUBSCRIBE and PINGREQ
/// pipelined behind it; the broker must answer only the CONNACK `code` and
/// close, and must not act on the rest.
async fn refused_then_pipelined(broker: &TestBroker, refused: Connect, code: ReasonCode) {
    let tag = refused.client_id.to_string();
    let mut watcher = broker.connect_v5(&format!("watch-{tag}")).await;
    watcher.subscribe(1, "refused/#", QoS::AtLeastOnce).await;

    let mut raw = broker.raw().await;
    raw.set_version(V5);
    let mut p = publish_id("refused/t", "must not be processed", QoS::AtLeastOnce, 1);
    p.retain = true;
    raw.send_bytes(&encode_all(
        V5,
        vec![
            Packet::Connect(Box::new(refused)),
            Packet::Publish(p),
            Packet::Subscribe(Subscribe::new(
                pid(2),
                vec![(filter("refused/#"), opts(QoS::AtMostOnce))],
            )),
            Packet::PingReq,
        ],
    ))
    .await;
    let got = until_close(&mut raw).await;
    match got.as_slice() {
        [Packet::ConnAck(c)] => assert_eq!(c.reason_code, code, "{c:?}"),
        other => panic!("expected only CONNACK {code:?}, got {other:?}"),
    }

    // The PUBLISH was not routed, nor retained.
    publish_marker(broker, "refused/t", &format!("marker-{tag}")).await;
    watcher.expect_marker(&format!("marker-{tag}")).await;
    let mut late = broker.connect_v5(&format!("late-{tag}")).await;
    late.subscribe(1, "refused/#", QoS::AtLeastOnce).await;
    late.expect_no_publish(QUIET).await;
}

// [MQTT-3.1.4-6] (v5): after refusing a CONNECT, the Server does not process
// the data the client sent after it: a pipelined PUBLISH is neither delivered
// nor retained, SUBSCRIBE and PINGREQ are not answered. Refused for an
// Authentication Method (0x8C) and for an empty Client Identifier when they
// are not allowed (0x85).
#[tokio::test]
async fn mqtt_3_1_4_6_data_after_refused_connect_not_processed() {
    let broker = TestBroker::with_config(|c| c.session.allow_empty_client_id = false).await;
    let mut auth = v5("refused-auth");
    auth.properties.authentication_method = Some(ByteString::from("SCRAM-SHA-1"));
    refused_then_pipelined(&broker, auth, ReasonCode::BadAuthenticationMethod).await;
    refused_then_pipelined(&broker, v5(""), ReasonCode::ClientIdentifierNotValid).await;
}

// ------------------------------------------------------------ CONNACK (3.2)

/// A retained message on `prefix/r`, set by a client that then leaves.
async fn retained_on(broker: &TestBroker, prefix: &str) {
    let mut p = publish(&format!("{prefix}/r"), "retained", QoS::AtLeastOnce);
    p.retain = true;
    let mut publ = broker.connect_v5(&format!("{prefix}-retainer")).await;
    publ.publish_complete(p).await;
    publ.disconnect_normally().await;
}

/// CONNECT, SUBSCRIBE (matching a retained message), PINGREQ and a QoS 1
/// PUBLISH to the subscription written at once: the CONNACK comes first, then
/// the answers to the rest.
async fn check_connack_first_when_pipelined(broker: &TestBroker, version: ProtocolVersion) {
    let prefix = format!("first{}", version.level());
    retained_on(broker, &prefix).await;
    let mut raw = broker.raw().await;
    raw.set_version(version);
    raw.send_bytes(&encode_all(
        version,
        vec![
            Packet::Connect(Box::new(connect(version, &format!("{prefix}-client")))),
            Packet::Subscribe(Subscribe::new(
                pid(1),
                vec![(filter(&format!("{prefix}/#")), opts(QoS::AtLeastOnce))],
            )),
            Packet::PingReq,
            Packet::Publish(publish_id(
                &format!("{prefix}/x"),
                "live",
                QoS::AtLeastOnce,
                9,
            )),
        ],
    ))
    .await;
    match raw.recv().await {
        Packet::ConnAck(c) => assert_eq!(c.reason_code, ReasonCode::Success, "{c:?}"),
        other => panic!("the first packet must be CONNACK, got {other:?}"),
    }
    let mut kinds = Vec::new();
    for _ in 0..5 {
        let p = raw.recv().await;
        kinds.push(p.packet_type().name());
    }
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        vec!["PINGRESP", "PUBACK", "PUBLISH", "PUBLISH", "SUBACK"]
    );
}

/// A resumed session with a message in flight and two queued: the CONNACK
/// comes before any of them.
async fn check_connack_first_on_resume(broker: &TestBroker, version: ProtocolVersion) {
    let id = format!("resume-first{}", version.level());
    let t = format!("{id}/t");
    let persistent = |clean: bool| match version {
        ProtocolVersion::V5 => v5_session(&id, clean, 600),
        _ => v3_session(V311, &id, clean),
    };
    let (mut sub, _) = broker.connect_ok(persistent(false)).await;
    sub.subscribe(1, &t, QoS::AtLeastOnce).await;
    let mut publ = broker.connect_v5(&format!("{id}-pub")).await;
    publ.publish_complete(publish(&t, "0", QoS::AtLeastOnce))
        .await;
    // Received, not acknowledged: in flight.
    let _ = sub.recv_publish().await;
    sub.disconnect_normally().await;
    for (i, payload) in ["1", "2"].into_iter().enumerate() {
        let id = u16::try_from(i + 2).unwrap();
        publ.publish_complete(publish_id(&t, payload, QoS::AtLeastOnce, id))
            .await;
    }

    let mut raw = broker.raw().await;
    // `handshake` panics unless the first packet is a CONNACK.
    let connack = raw.handshake(persistent(false)).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    assert!(connack.session_present);
    let payloads: Vec<String> = [
        raw.recv_publish_acking().await,
        raw.recv_publish_acking().await,
        raw.recv_publish_acking().await,
    ]
    .iter()
    .map(text)
    .collect();
    assert_eq!(payloads, ["0", "1", "2"]);
}

// [MQTT-3.2.0-1] (v5): the Server sends CONNACK 0x00 before any other packet:
// with requests pipelined behind CONNECT and with a resumed session's
// messages waiting.
#[tokio::test]
async fn mqtt_3_2_0_1_connack_success_before_any_other_packet() {
    let broker = TestBroker::start().await;
    check_connack_first_when_pipelined(&broker, V5).await;
    check_connack_first_on_resume(&broker, V5).await;
}

// [MQTT-3.2.0-1] (v311): the first packet sent from the Server to the Client
// is a CONNACK.
#[tokio::test]
async fn v311_mqtt_3_2_0_1_first_packet_is_connack() {
    let broker = TestBroker::start().await;
    check_connack_first_when_pipelined(&broker, V311).await;
    check_connack_first_on_resume(&broker, V311).await;
}

fn connacks(packets: &[Packet]) -> usize {
    packets
        .iter()
        .filter(|p| matches!(p, Packet::ConnAck(_)))
        .count()
}

// [MQTT-3.2.0-2] (v5): at most one CONNACK per network connection: not for a
// second CONNECT (sent later or pipelined with the first), nor to a
// connection whose session is taken over.
#[tokio::test]
async fn mqtt_3_2_0_2_only_one_connack() {
    let broker = TestBroker::start().await;

    // A second CONNECT after the CONNACK.
    let (mut c, _) = broker.connect_ok(v5("one-connack")).await;
    c.send(v5("one-connack")).await;
    let after = until_close(&mut c).await;
    assert_eq!(connacks(&after), 0, "second CONNACK: {after:?}");

    // Two CONNECTs written at once.
    let mut raw = broker.raw().await;
    raw.set_version(V5);
    raw.send_bytes(&encode_all(
        V5,
        vec![
            Packet::Connect(Box::new(v5("two-connects"))),
            Packet::Connect(Box::new(v5("two-connects"))),
        ],
    ))
    .await;
    let all = until_close(&mut raw).await;
    assert_eq!(connacks(&all), 1, "{all:?}");

    // Session takeover: the old connection gets DISCONNECT, not a CONNACK;
    // the new one exactly one CONNACK.
    let (mut old, _) = broker.connect_ok(v5("taken")).await;
    let (mut new, _) = broker.connect_ok(v5("taken")).await;
    let after = until_close(&mut old).await;
    assert_eq!(connacks(&after), 0, "{after:?}");
    new.send(Packet::PingReq).await;
    assert_eq!(new.recv().await, Packet::PingResp);
}

// [MQTT-3.2.2-19] (v5): the Server does not send a Reason String that would
// make the CONNACK larger than the client's Maximum Packet Size: a refusing
// CONNACK (0x8C) to a client announcing 20 bytes arrives within 20 bytes.
#[tokio::test]
async fn mqtt_3_2_2_19_refusing_connack_reason_string_within_maximum_packet_size() {
    let broker = TestBroker::start().await;
    let mut w = Wire::open(broker.addr).await;
    let mut c = v5("mps-refused-auth");
    c.properties.maximum_packet_size = NonZeroU32::new(u32::try_from(SMALL_MAX).unwrap());
    c.properties.authentication_method = Some(ByteString::from("SCRAM-SHA-256"));
    w.send(c).await;
    let (p, size) = w.recv().await;
    match &p {
        Packet::ConnAck(c) => {
            assert_eq!(c.reason_code, ReasonCode::BadAuthenticationMethod, "{c:?}");
        }
        other => panic!("expected CONNACK, got {other:?}"),
    }
    assert_fits(&p, size, SMALL_MAX);
    assert!(w.next().await.is_none(), "connection not closed");
}

// [MQTT-3.2.2-20] (v5): the Server does not send a User Property that would
// make the CONNACK larger than the client's Maximum Packet Size: a successful
// CONNACK to a client announcing 20 bytes fits.
#[tokio::test]
async fn mqtt_3_2_2_20_connack_user_property_within_maximum_packet_size() {
    let broker = TestBroker::start().await;
    // `small_client` checks the CONNACK's size.
    let _client = small_client(&broker, "mps-connack").await;
}

// [MQTT-3.2.2-20] (v5): the same for a refusing CONNACK (0x85).
#[tokio::test]
async fn mqtt_3_2_2_20_refusing_connack_within_maximum_packet_size() {
    let broker = TestBroker::with_config(|c| c.session.allow_empty_client_id = false).await;
    let mut w = Wire::open(broker.addr).await;
    let mut c = v5("");
    c.properties.maximum_packet_size = NonZeroU32::new(u32::try_from(SMALL_MAX).unwrap());
    w.send(c).await;
    let (p, size) = w.recv().await;
    match &p {
        Packet::ConnAck(c) => {
            assert_eq!(c.reason_code, ReasonCode::ClientIdentifierNotValid, "{c:?}");
            assert!(c.properties.user_properties.is_empty(), "{c:?}");
        }
        other => panic!("expected CONNACK, got {other:?}"),
    }
    assert_fits(&p, size, SMALL_MAX);
    assert!(w.next().await.is_none(), "connection not closed");
}

// ------------------------------------------------------------ PUBLISH (3.3)

/// Subscribes `client` to `filters` (QoS 0), publishes QoS 0 messages to
/// every topic of `topics` and a final marker on `marker`, and returns the
/// topics received before the marker.
async fn topics_received(
    broker: &TestBroker,
    client: &mut Tcp,
    filters: &[&str],
    topics: &[&str],
    marker: &str,
) -> Vec<String> {
    for (i, f) in filters.iter().enumerate() {
        let ack = client
            .subscribe(u16::try_from(i + 1).unwrap(), f, QoS::AtMostOnce)
            .await;
        assert!(!ack.reason_codes[0].is_error(), "{f}: {ack:?}");
    }
    let mut publ = broker.connect_v5(&format!("pub-{marker}")).await;
    for t in topics {
        publ.send(publish(t, t, QoS::AtMostOnce)).await;
    }
    publ.send(publish(marker, "end", QoS::AtMostOnce)).await;
    let mut got = Vec::new();
    loop {
        let p = client.recv_publish().await;
        if text(&p) == "end" {
            return got;
        }
        got.push(p.topic.as_str().to_owned());
    }
}

const MATCH_TOPICS: &[&str] = &[
    "sport/tennis/player1",
    "sport/tennis/player1/ranking",
    "sport/golf/player1",
    "finance",
    "finance/stock/ibm",
    "world/news",
    "world/news/today",
    "news",
    "Finance/stock",
    "$SYS/news",
    "shared/a",
    "shared/a/b",
];

fn check_topics_match(filters: &[&str], got: &[String], expected: &[&str]) {
    for t in got {
        assert!(
            filters.iter().any(|f| matches(f, t)),
            "received {t:?}, which matches none of {filters:?}"
        );
    }
    assert_eq!(got, expected);
}

// [MQTT-3.3.2-3] (v5): the Topic Name of a PUBLISH sent to a subscriber
// matches the subscription's Topic Filter (with `+`, `#`, a `$` topic and a
// shared subscription); non-matching topics are not sent.
#[tokio::test]
async fn mqtt_3_3_2_3_topic_name_matches_subscription_filter() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("match-v5").await;
    let filters = [
        "sport/tennis/+",
        "finance/#",
        "+/news",
        "$share/grp/shared/+",
    ];
    let got = topics_received(&broker, &mut sub, &filters, MATCH_TOPICS, "finance/end").await;
    check_topics_match(
        &filters,
        &got,
        &[
            "sport/tennis/player1",
            "finance",
            "finance/stock/ibm",
            "world/news",
            "shared/a",
        ],
    );
}

// [MQTT-3.3.2-3] (v311): the Topic Name of a PUBLISH sent to a subscriber
// matches the subscription's Topic Filter.
#[tokio::test]
async fn v311_mqtt_3_3_2_3_topic_name_matches_subscription_filter() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v311("match-v311").await;
    let filters = ["sport/tennis/+", "finance/#", "+/news"];
    let got = topics_received(&broker, &mut sub, &filters, MATCH_TOPICS, "finance/end").await;
    check_topics_match(
        &filters,
        &got,
        &[
            "sport/tennis/player1",
            "finance",
            "finance/stock/ibm",
            "world/news",
        ],
    );
}

/// A PUBLISH whose string property `property_id` holds ill-formed UTF-8 is a
/// Malformed Packet: the connection is closed (after DISCONNECT 0x81 if any)
/// and the message is not forwarded. A well-formed non-ASCII value is
/// forwarded unchanged, as a UTF-8 string.
async fn check_utf8_property(property_id: u8, name: &str) {
    let broker = TestBroker::start().await;
    let mut watcher = broker.connect_v5(&format!("{name}-watch")).await;
    watcher.subscribe(1, "utf8/#", QoS::AtMostOnce).await;

    // Well-formed: forwarded as sent.
    let value = "réponse/客户/✓";
    let mut publ = broker.connect_v5(&format!("{name}-good")).await;
    let mut p = publish("utf8/good", "good", QoS::AtLeastOnce);
    match property_id {
        0x08 => p.properties.response_topic = Some(topic(value)),
        _ => p.properties.content_type = Some(ByteString::from(value)),
    }
    publ.publish_complete(p).await;
    let got = watcher.recv_publish().await;
    let forwarded = match property_id {
        0x08 => got.properties.response_topic.map(|t| t.as_str().to_owned()),
        _ => got.properties.content_type.map(|t| t.to_string()),
    };
    assert_eq!(forwarded.as_deref(), Some(value));

    // Ill-formed (0xFF never appears in UTF-8; 0xC3 0x28 is a broken
    // sequence).
    for bad in [&b"r\xFFs"[..], &b"r\xC3\x28s"[..]] {
        let mut raw = broker.raw().await;
        raw.handshake(v5(&format!("{name}-bad"))).await;
        let mut props = vec![property_id];
        props.extend(str_field(bad));
        raw.send_bytes(&raw_publish(b"utf8/bad", Some(&props), b"bad"))
            .await;
        let after = until_close(&mut raw).await;
        match after.as_slice() {
            [] => {}
            [Packet::Disconnect(d)] => assert_eq!(d.reason_code, ReasonCode::MalformedPacket),
            other => panic!("expected the connection closed, got {other:?}"),
        }
    }
    publ.publish_complete(publish("utf8/marker", "marker", QoS::AtLeastOnce))
        .await;
    watcher.expect_marker("marker").await;
}

// [MQTT-3.3.2-13] (v5): the Response Topic is a UTF-8 Encoded String: one
// that is not is refused as malformed and not forwarded; a valid one is
// forwarded unchanged.
#[tokio::test]
async fn mqtt_3_3_2_13_response_topic_is_utf8() {
    check_utf8_property(0x08, "response-topic").await;
}

// [MQTT-3.3.2-19] (v5): the Content Type is a UTF-8 Encoded String: one that
// is not is refused as malformed and not forwarded; a valid one is forwarded
// unchanged.
#[tokio::test]
async fn mqtt_3_3_2_19_content_type_is_utf8() {
    check_utf8_property(0x03, "content-type").await;
}

/// The next packet must be a PUBACK for `id`, or the connection must close
/// without anything else arriving.
async fn assert_positive_ack_or_close(client: &mut Tcp, id: u16) {
    match client.next_event(WAIT).await {
        Event::Closed => {}
        Event::Packet(Packet::PubAck(a)) if a.packet_id == pid(id) => {
            assert_eq!(a.reason_code, ReasonCode::Success);
        }
        other => panic!("expected PUBACK {id} or a close, got {other:?}"),
    }
}

// [MQTT-3.3.5-2] (v311): a PUBLISH the Server does not accept (a topic over
// `limits.max_topic_length`; RETAIN while retained messages are disabled) is
// positively acknowledged or the connection is closed; it is not delivered.
#[tokio::test]
async fn v311_mqtt_3_3_5_2_refused_publish_acknowledged_or_closed() {
    let broker = TestBroker::with_config(|c| {
        c.limits.max_topic_length = 16;
        c.retained.enabled = false;
    })
    .await;
    let mut watcher = broker.connect_v311("refuse-watch").await;
    watcher.subscribe(1, "#", QoS::AtLeastOnce).await;

    let mut long = broker.connect_v311("refuse-long").await;
    long.send(publish_id(&too_long(), "no", QoS::AtLeastOnce, 1))
        .await;
    assert_positive_ack_or_close(&mut long, 1).await;

    let mut retained = broker.connect_v311("refuse-retain").await;
    let mut p = publish_id("r/t", "no", QoS::AtLeastOnce, 2);
    p.retain = true;
    retained.send(p).await;
    assert_positive_ack_or_close(&mut retained, 2).await;

    publish_marker(&broker, "m/t", "marker").await;
    watcher.expect_marker("marker").await;
}

// ------------------------------------- acknowledgements and Maximum Packet Size

/// Reads the next packet, which must fit [`SMALL_MAX`].
async fn recv_small(w: &mut Wire) -> Packet {
    let (p, size) = w.recv().await;
    assert_fits(&p, size, SMALL_MAX);
    p
}

fn pubresp(p: &Packet) -> (&'static str, u16, u8) {
    match p {
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => (
            p.packet_type().name(),
            a.packet_id.get(),
            a.reason_code.as_u8(),
        ),
        other => panic!("expected a PUBLISH acknowledgement, got {other:?}"),
    }
}

// [MQTT-3.4.2-2], [MQTT-3.4.2-3] (v5): no Reason String or User Property that
// would make a PUBACK exceed the client's Maximum Packet Size: PUBACK 0x10 (no
// subscribers) and 0x90 (topic refused) fit in 20 bytes.
#[tokio::test]
async fn mqtt_3_4_2_2_puback_within_maximum_packet_size() {
    let broker = short_topic_broker().await;
    let mut w = small_client(&broker, "mps-puback").await;
    w.send(publish_id("mps/none", "x", QoS::AtLeastOnce, 1))
        .await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBACK", 1, 0x10));
    w.send(publish_id(&too_long(), "x", QoS::AtLeastOnce, 2))
        .await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBACK", 2, 0x90));
}

// [MQTT-3.5.2-2], [MQTT-3.5.2-3] (v5): the same for PUBREC (0x10 and 0x90).
#[tokio::test]
async fn mqtt_3_5_2_2_pubrec_within_maximum_packet_size() {
    let broker = short_topic_broker().await;
    let mut w = small_client(&broker, "mps-pubrec").await;
    w.send(publish_id("mps/none", "x", QoS::ExactlyOnce, 1))
        .await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBREC", 1, 0x10));
    w.send(publish_id(&too_long(), "x", QoS::ExactlyOnce, 2))
        .await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBREC", 2, 0x90));
}

// [MQTT-3.6.2-2], [MQTT-3.6.2-3] (v5): the same for the PUBREL the Server
// sends: after the client's PUBREC (0x00) and for an unknown id (0x92).
#[tokio::test]
async fn mqtt_3_6_2_2_pubrel_within_maximum_packet_size() {
    let broker = TestBroker::start().await;
    let mut w = small_client(&broker, "mps-pubrel").await;
    w.send(Subscribe::new(
        pid(1),
        vec![(filter("me"), opts(QoS::ExactlyOnce))],
    ))
    .await;
    assert!(matches!(recv_small(&mut w).await, Packet::SubAck(_)));
    w.send(publish_id("me", "x", QoS::ExactlyOnce, 2)).await;
    let mut delivered = None;
    for _ in 0..2 {
        match recv_small(&mut w).await {
            Packet::Publish(p) => delivered = p.packet_id,
            other => assert_eq!(pubresp(&other), ("PUBREC", 2, 0x00)),
        }
    }
    let delivered = delivered.expect("the QoS 2 message to itself");
    w.send(Packet::PubRec(PubResponse::new(delivered))).await;
    assert_eq!(
        pubresp(&recv_small(&mut w).await),
        ("PUBREL", delivered.get(), 0x00)
    );
    w.send(Packet::PubRec(PubResponse::new(pid(777)))).await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBREL", 777, 0x92));
}

// [MQTT-3.7.2-2], [MQTT-3.7.2-3] (v5): the same for PUBCOMP: after PUBREL
// (0x00) and for an unknown id (0x92).
#[tokio::test]
async fn mqtt_3_7_2_2_pubcomp_within_maximum_packet_size() {
    let broker = TestBroker::start().await;
    let mut w = small_client(&broker, "mps-pubcomp").await;
    w.send(publish_id("mps/none", "x", QoS::ExactlyOnce, 1))
        .await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBREC", 1, 0x10));
    w.send(Packet::PubRel(PubResponse::new(pid(1)))).await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBCOMP", 1, 0x00));
    w.send(Packet::PubRel(PubResponse::new(pid(99)))).await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBCOMP", 99, 0x92));
}

// [MQTT-3.9.2-1], [MQTT-3.9.2-2] (v5): no Reason String or User Property that
// would make a SUBACK exceed the client's Maximum Packet Size: a SUBACK
// granting one filter and refusing another (0x8F) fits in 20 bytes.
#[tokio::test]
async fn mqtt_3_9_2_1_suback_within_maximum_packet_size() {
    let broker = short_topic_broker().await;
    let mut w = small_client(&broker, "mps-suback").await;
    w.send(Subscribe::new(
        pid(5),
        vec![
            (filter("mps/ok"), opts(QoS::AtLeastOnce)),
            (filter(&too_long()), opts(QoS::AtLeastOnce)),
        ],
    ))
    .await;
    match recv_small(&mut w).await {
        Packet::SubAck(a) => {
            assert_eq!(a.packet_id, pid(5));
            assert_eq!(
                a.reason_codes,
                vec![ReasonCode::GrantedQoS1, ReasonCode::TopicFilterInvalid]
            );
        }
        other => panic!("expected SUBACK, got {other:?}"),
    }
}

// [MQTT-3.11.2-1], [MQTT-3.11.2-2] (v5): the same for UNSUBACK (0x00 and
// 0x11).
#[tokio::test]
async fn mqtt_3_11_2_1_unsuback_within_maximum_packet_size() {
    let broker = TestBroker::start().await;
    let mut w = small_client(&broker, "mps-unsuback").await;
    w.send(Subscribe::new(
        pid(1),
        vec![(filter("mps/ok"), opts(QoS::AtLeastOnce))],
    ))
    .await;
    assert!(matches!(recv_small(&mut w).await, Packet::SubAck(_)));
    w.send(Unsubscribe::new(
        pid(6),
        vec![filter("mps/ok"), filter("mps/none")],
    ))
    .await;
    match recv_small(&mut w).await {
        Packet::UnsubAck(a) => {
            assert_eq!(a.packet_id, pid(6));
            assert_eq!(
                a.reason_codes,
                vec![ReasonCode::Success, ReasonCode::NoSubscriptionExisted]
            );
        }
        other => panic!("expected UNSUBACK, got {other:?}"),
    }
}

/// Reads until the close; the DISCONNECT must come last and fit `SMALL_MAX`.
async fn small_disconnect(w: &mut Wire) -> ReasonCode {
    let mut got = Vec::new();
    while let Some((p, size)) = w.next().await {
        assert_fits(&p, size, SMALL_MAX);
        got.push(p);
    }
    match got.last() {
        Some(Packet::Disconnect(d)) => d.reason_code,
        _ => panic!("expected a DISCONNECT before the close, got {got:?}"),
    }
}

// [MQTT-3.14.2-3], [MQTT-3.14.2-4] (v5): no Reason String or User Property
// that would make the Server's DISCONNECT exceed the client's Maximum Packet
// Size: DISCONNECT 0x82 (protocol error) and 0x8E (session taken over) fit in
// 20 bytes.
#[tokio::test]
async fn mqtt_3_14_2_3_disconnect_within_maximum_packet_size() {
    let broker = TestBroker::start().await;
    let mut w = small_client(&broker, "mps-disconnect").await;
    w.send(v5("mps-disconnect")).await;
    assert_eq!(small_disconnect(&mut w).await, ReasonCode::ProtocolError);

    let mut old = small_client(&broker, "mps-taken").await;
    let _new = small_client(&broker, "mps-taken").await;
    assert_eq!(
        small_disconnect(&mut old).await,
        ReasonCode::SessionTakenOver
    );
}

// ---------------------------------------------------------- SUBSCRIBE (3.8)

/// Every SUBSCRIBE is answered with a SUBACK with one code per filter:
/// granted, refused (too long) and refused (over the subscription quota).
async fn check_suback_for_every_subscribe(client: &mut Tcp) {
    let v5 = client.version.is_v5();
    let refused_long = if v5 {
        ReasonCode::TopicFilterInvalid
    } else {
        ReasonCode::UnspecifiedError
    };
    let quota = if v5 {
        ReasonCode::QuotaExceeded
    } else {
        ReasonCode::UnspecifiedError
    };
    let ack = client.subscribe(1, "s/a", QoS::AtMostOnce).await;
    assert_eq!(ack.reason_codes, vec![ReasonCode::granted(QoS::AtMostOnce)]);
    let ack = client.subscribe(2, &too_long(), QoS::AtLeastOnce).await;
    assert_eq!(ack.reason_codes, vec![refused_long]);
    client
        .send(Subscribe::new(
            pid(3),
            vec![
                (filter("s/b"), opts(QoS::ExactlyOnce)),
                (filter("s/c"), opts(QoS::AtLeastOnce)),
                (filter(&too_long()), opts(QoS::AtMostOnce)),
            ],
        ))
        .await;
    match client.recv().await {
        Packet::SubAck(a) => {
            assert_eq!(a.packet_id, pid(3));
            assert_eq!(
                a.reason_codes,
                vec![ReasonCode::GrantedQoS2, quota, refused_long]
            );
        }
        other => panic!("expected SUBACK, got {other:?}"),
    }
    // Re-subscribing to an existing filter is answered too.
    let ack = client.subscribe(4, "s/a", QoS::AtLeastOnce).await;
    assert_eq!(ack.reason_codes, vec![ReasonCode::GrantedQoS1]);
}

async fn subscribe_limits_broker() -> TestBroker {
    TestBroker::with_config(|c| {
        c.limits.max_topic_length = 16;
        c.limits.max_subscriptions_per_client = 2;
    })
    .await
}

// [MQTT-3.8.4-1] (v5): the Server answers every SUBSCRIBE with a SUBACK, also
// when it refuses some or all of the filters.
#[tokio::test]
async fn mqtt_3_8_4_1_subscribe_answered_with_suback() {
    let broker = subscribe_limits_broker().await;
    let mut client = broker.connect_v5("suback-v5").await;
    check_suback_for_every_subscribe(&mut client).await;
}

// [MQTT-3.8.4-1] (v311): the Server answers every SUBSCRIBE with a SUBACK.
#[tokio::test]
async fn v311_mqtt_3_8_4_1_subscribe_answered_with_suback() {
    let broker = subscribe_limits_broker().await;
    let mut client = broker.connect_v311("suback-v311").await;
    check_suback_for_every_subscribe(&mut client).await;
}

// --------------------------------------------------------- DISCONNECT (3.14)

/// A v5 subscriber with Receive Maximum 1 holding one unacknowledged QoS 1
/// message, with nine more queued behind it.
async fn busy_subscriber(broker: &TestBroker, id: &str) -> (Tcp, Publish) {
    let mut c = v5(id);
    c.properties.receive_maximum = NonZeroU16::new(1);
    let (mut sub, _) = broker.connect_ok(c).await;
    let t = format!("{id}/t");
    sub.subscribe(1, &t, QoS::AtLeastOnce).await;
    let mut publ = broker.connect_v5(&format!("{id}-pub")).await;
    for i in 1..=10u16 {
        publ.publish_complete(publish_id(&t, &i.to_string(), QoS::AtLeastOnce, i))
            .await;
    }
    let first = sub.recv_publish().await;
    (sub, first)
}

/// The DISCONNECT the broker sent is the last packet before the close.
fn assert_disconnect_last(packets: &[Packet], code: ReasonCode) {
    match packets.last() {
        Some(Packet::Disconnect(d)) => assert_eq!(d.reason_code, code, "{packets:?}"),
        _ => panic!("expected DISCONNECT {code:?} last, got {packets:?}"),
    }
    let disconnects = packets
        .iter()
        .filter(|p| matches!(p, Packet::Disconnect(_)))
        .count();
    assert_eq!(disconnects, 1, "{packets:?}");
}

// [MQTT-3.14.4-1] (v5): after sending DISCONNECT the Server sends nothing
// more: a subscriber with queued messages that frees its Receive Maximum
// window and breaks a rule in the same write gets DISCONNECT 0x82 as the last
// packet.
#[tokio::test]
async fn mqtt_3_14_4_1_nothing_after_server_disconnect() {
    let broker = TestBroker::start().await;
    let (mut sub, first) = busy_subscriber(&broker, "after-disconnect").await;
    sub.send_bytes(&encode_all(
        V5,
        vec![
            Packet::PubAck(PubResponse::new(first.packet_id.unwrap())),
            Packet::Connect(Box::new(v5("after-disconnect"))),
        ],
    ))
    .await;
    let after = until_close(&mut sub).await;
    assert_disconnect_last(&after, ReasonCode::ProtocolError);
}

// [MQTT-3.14.4-2] (v5): after sending DISCONNECT the Server closes the network
// connection: on a protocol error, a session takeover and a shutdown (each
// with messages still queued for the client).
#[tokio::test]
async fn mqtt_3_14_4_2_connection_closed_after_server_disconnect() {
    let broker = TestBroker::start().await;

    let (mut sub, _) = busy_subscriber(&broker, "close-violation").await;
    sub.send(v5("close-violation")).await;
    let after = until_close(&mut sub).await;
    assert_disconnect_last(&after, ReasonCode::ProtocolError);

    let (mut sub, _) = busy_subscriber(&broker, "close-takeover").await;
    let (_new, _) = broker.connect_ok(v5("close-takeover")).await;
    let after = until_close(&mut sub).await;
    assert_disconnect_last(&after, ReasonCode::SessionTakenOver);

    let (mut sub, _) = busy_subscriber(&broker, "close-shutdown").await;
    broker.stop().await;
    let after = until_close(&mut sub).await;
    assert_disconnect_last(&after, ReasonCode::ServerShuttingDown);
}

// ------------------------------------------------------ session state (4.1)

// [MQTT-4.1.0-1] (v5): the Server does not discard the Session State while the
// network connection is open, however long past the Session Expiry Interval
// (0 and 1 s, an hour idle with Keep Alive 0): the subscription and a QoS 2
// exchange awaiting PUBREL are still there.
#[tokio::test(start_paused = true)]
async fn mqtt_4_1_0_1_session_state_kept_while_connected() {
    let shared = memory_broker(Config::default());
    for expiry in [0u32, 1] {
        let id = format!("kept-{expiry}");
        let mut c = v5(&id);
        c.keep_alive = 0;
        c.properties.session_expiry_interval = Some(expiry);
        let (mut cl, _) = open_duplex(&shared, c).await;
        let t = format!("{id}/t");
        cl.subscribe(1, &t, QoS::AtLeastOnce).await;
        cl.send(publish_id("kept/other", "x", QoS::ExactlyOnce, 5))
            .await;
        match cl.recv().await {
            Packet::PubRec(r) => assert_eq!(r.packet_id, pid(5)),
            other => panic!("expected PUBREC, got {other:?}"),
        }

        advance(Duration::from_secs(3600)).await;

        cl.send(Packet::PubRel(PubResponse::new(pid(5)))).await;
        match cl.recv().await {
            Packet::PubComp(c) => assert_eq!(c.reason_code, ReasonCode::Success, "{c:?}"),
            other => panic!("expected PUBCOMP, got {other:?}"),
        }
        let (mut publ, _) = open_duplex(&shared, v5(&format!("{id}-pub"))).await;
        publ.publish_complete(publish(&t, "still subscribed", QoS::AtLeastOnce))
            .await;
        assert_eq!(text(&cl.recv_publish_acking().await), "still subscribed");
        let ack = cl.unsubscribe(2, &[&t]).await;
        assert_eq!(ack.reason_codes, vec![ReasonCode::Success]);
    }
}

// [MQTT-4.1.0-1] (v311): the Server stores the Session state for the whole
// session: subscriptions, a message in flight and messages queued while the
// client was away.
#[tokio::test]
async fn v311_mqtt_4_1_0_1_session_state_stored_for_session_duration() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker.connect_ok(v3_session(V311, "stored", false)).await;
    sub.subscribe(1, "stored/t", QoS::AtLeastOnce).await;
    let mut publ = broker.connect_v5("stored-pub").await;
    publ.publish_complete(publish("stored/t", "0", QoS::AtLeastOnce))
        .await;
    let inflight = sub.recv_publish().await;
    sub.disconnect_normally().await;
    for i in 1..=3u16 {
        publ.publish_complete(publish_id("stored/t", &i.to_string(), QoS::AtLeastOnce, i))
            .await;
    }

    let (mut sub, connack) = broker.connect_ok(v3_session(V311, "stored", false)).await;
    assert!(connack.session_present);
    let again = sub.recv_publish_acking().await;
    assert!(again.dup);
    assert_eq!(again.packet_id, inflight.packet_id);
    assert_eq!(text(&again), "0");
    for i in 1..=3 {
        assert_eq!(text(&sub.recv_publish_acking().await), i.to_string());
    }
    // The subscription is still there.
    publ.publish_complete(publish("stored/t", "4", QoS::AtLeastOnce))
        .await;
    assert_eq!(text(&sub.recv_publish_acking().await), "4");
}

// [MQTT-3.1.2-7] (v311): retained messages are not part of the session state
// and are not deleted when the session ends (a clean session disconnecting,
// or a persistent session discarded by a clean-session reconnect).
#[tokio::test]
async fn v311_mqtt_3_1_2_7_retained_messages_survive_session_end() {
    let broker = TestBroker::start().await;
    let mut a = broker.connect_v311("ret-a").await;
    let mut p = publish("keep/a", "A", QoS::AtLeastOnce);
    p.retain = true;
    a.publish_complete(p).await;
    a.disconnect_normally().await;

    let (mut b, _) = broker.connect_ok(v3_session(V311, "ret-b", false)).await;
    let mut p = publish("keep/b", "B", QoS::AtLeastOnce);
    p.retain = true;
    b.publish_complete(p).await;
    b.disconnect_normally().await;
    let (b, _) = broker.connect_ok(v3_session(V311, "ret-b", true)).await;
    b.disconnect_normally().await;

    let mut s = broker.connect_v311("ret-s").await;
    s.subscribe(1, "keep/#", QoS::AtLeastOnce).await;
    let mut got = BTreeSet::new();
    for _ in 0..2 {
        let p = s.recv_publish_acking().await;
        assert!(p.retain);
        got.insert(text(&p));
    }
    assert_eq!(got, BTreeSet::from(["A".to_owned(), "B".to_owned()]));
}

// ------------------------------------------------------------ transport (4.2)

/// CONNECT, SUBSCRIBE and 20 QoS 1 PUBLISHes written one byte at a time are
/// all processed, in order.
async fn check_byte_stream(broker: &TestBroker, version: ProtocolVersion) {
    let id = format!("bytes{}", version.level());
    let t = format!("{id}/t");
    let mut packets = vec![
        Packet::Connect(Box::new(connect(version, &id))),
        Packet::Subscribe(Subscribe::new(
            pid(1),
            vec![(filter(&t), opts(QoS::AtLeastOnce))],
        )),
    ];
    for i in 1..=20u16 {
        packets.push(Packet::Publish(publish_id(
            &t,
            &i.to_string(),
            QoS::AtLeastOnce,
            i,
        )));
    }
    let bytes = encode_all(version, packets);
    let mut raw = broker.raw().await;
    raw.set_version(version);
    for b in bytes.iter() {
        raw.send_bytes(std::slice::from_ref(b)).await;
    }
    match raw.recv().await {
        Packet::ConnAck(c) => assert_eq!(c.reason_code, ReasonCode::Success),
        other => panic!("expected CONNACK, got {other:?}"),
    }
    assert!(matches!(raw.recv().await, Packet::SubAck(_)));
    let mut acks = Vec::new();
    let mut delivered = Vec::new();
    while acks.len() < 20 || delivered.len() < 20 {
        match raw.recv().await {
            Packet::PubAck(a) => acks.push(a.packet_id.get()),
            Packet::Publish(p) => {
                raw.send(Packet::PubAck(PubResponse::new(p.packet_id.unwrap())))
                    .await;
                delivered.push(text(&p));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(acks, (1..=20).collect::<Vec<u16>>());
    assert_eq!(
        delivered,
        (1..=20).map(|i| i.to_string()).collect::<Vec<_>>()
    );
}

// [MQTT-4.2.0-1] (v5): the Server supports an ordered, lossless byte stream
// (TCP): packets split into single bytes are reassembled and processed in
// order.
#[tokio::test]
async fn mqtt_4_2_0_1_ordered_lossless_byte_stream() {
    let broker = TestBroker::start().await;
    check_byte_stream(&broker, V5).await;
}

// [MQTT-7.1.1-1] (v311): the Server supports an ordered, lossless byte stream
// (TCP).
#[tokio::test]
async fn v311_mqtt_7_1_1_1_ordered_lossless_byte_stream() {
    let broker = TestBroker::start().await;
    check_byte_stream(&broker, V311).await;
}

// ------------------------------------------------------------ QoS 2 (4.3.3)

// [MQTT-4.3.3-3] (v5): the Server treats its QoS 2 PUBLISH as unacknowledged
// until the PUBREC: re-sent (DUP=1, same id) on the resumed session; once
// PUBREC arrived only the PUBREL is re-sent, and after PUBCOMP nothing.
#[tokio::test]
async fn mqtt_4_3_3_3_qos2_publish_unacknowledged_until_pubrec() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker.connect_ok(v5_session("q2-unacked", true, 600)).await;
    sub.subscribe(1, "q2/t", QoS::ExactlyOnce).await;
    let mut publ = broker.connect_v5("q2-pub").await;
    publ.publish_complete(publish("q2/t", "once", QoS::ExactlyOnce))
        .await;
    let first = sub.recv_publish().await;
    assert_eq!(first.qos, QoS::ExactlyOnce);
    let id = first.packet_id.unwrap();
    sub.expect_nothing(QUIET).await;
    sub.disconnect_normally().await;

    let (mut sub, connack) = broker
        .connect_ok(v5_session("q2-unacked", false, 600))
        .await;
    assert!(connack.session_present);
    let again = sub.recv_publish().await;
    assert!(again.dup);
    assert_eq!(again.packet_id, Some(id));
    assert_eq!(text(&again), "once");
    sub.send(Packet::PubRec(PubResponse::new(id))).await;
    assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id)));
    sub.disconnect_normally().await;

    let (mut sub, _) = broker
        .connect_ok(v5_session("q2-unacked", false, 600))
        .await;
    assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id)));
    sub.send(Packet::PubComp(PubResponse::new(id))).await;
    sub.expect_nothing(QUIET).await;
    sub.disconnect_normally().await;

    let (mut sub, _) = broker
        .connect_ok(v5_session("q2-unacked", false, 600))
        .await;
    sub.expect_nothing(QUIET).await;
}

// [MQTT-4.3.3-7] (v5): the Server does not apply message expiry to a QoS 2
// PUBLISH it has sent: after the Message Expiry Interval (2 s) has passed
// (10 s offline), the unacknowledged PUBLISH is still re-sent, and so is the
// PUBREL of the one acknowledged with PUBREC.
#[tokio::test(start_paused = true)]
async fn mqtt_4_3_3_7_no_expiry_for_sent_qos2_publish() {
    let shared = memory_broker(Config::default());
    let mut sc = v5_session("q2-expiry", true, 600);
    sc.keep_alive = 0;
    let (mut sub, _) = open_duplex(&shared, sc.clone()).await;
    sub.subscribe(1, "exp/t", QoS::ExactlyOnce).await;
    let mut pc = v5("q2-expiry-pub");
    pc.keep_alive = 0;
    let (mut publ, _) = open_duplex(&shared, pc).await;
    for (i, payload) in ["m1", "m2"].into_iter().enumerate() {
        let mut p = publish_id(
            "exp/t",
            payload,
            QoS::ExactlyOnce,
            u16::try_from(i + 1).unwrap(),
        );
        p.properties.message_expiry_interval = Some(2);
        publ.publish_complete(p).await;
    }
    let p1 = sub.recv_publish().await;
    let p2 = sub.recv_publish().await;
    assert_eq!((text(&p1).as_str(), text(&p2).as_str()), ("m1", "m2"));
    let id2 = p2.packet_id.unwrap();
    sub.send(Packet::PubRec(PubResponse::new(id2))).await;
    assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id2)));
    sub.disconnect_normally().await;

    advance(Duration::from_secs(10)).await;

    sc.clean_start = false;
    let (mut sub, connack) = open_duplex(&shared, sc).await;
    assert!(connack.session_present);
    let again = sub.recv_publish().await;
    assert!(again.dup);
    assert_eq!(again.packet_id, p1.packet_id);
    assert_eq!(text(&again), "m1");
    assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id2)));
}

// [MQTT-4.3.3-9] (v5): after the Server answered a QoS 2 PUBLISH with PUBREC
// 0x80 or above (0x90: topic over the configured limit), a later PUBLISH with
// the same Packet Identifier is a new Application Message: delivered and
// answered PUBREC 0x00, not treated as a duplicate.
#[tokio::test]
async fn mqtt_4_3_3_9_publish_after_refusing_pubrec_is_new_message() {
    let broker = short_topic_broker().await;
    let mut watcher = broker.connect_v5("q2-new-watch").await;
    watcher.subscribe(1, "new/#", QoS::ExactlyOnce).await;
    let mut publ = broker.connect_v5("q2-new-pub").await;

    publ.send(publish_id(&too_long(), "refused", QoS::ExactlyOnce, 7))
        .await;
    assert_eq!(
        publ.recv().await,
        Packet::PubRec(PubResponse::with_reason(
            pid(7),
            ReasonCode::TopicNameInvalid
        ))
    );
    publ.send(publish_id("new/t", "accepted", QoS::ExactlyOnce, 7))
        .await;
    assert_eq!(publ.recv().await, Packet::PubRec(PubResponse::new(pid(7))));
    assert_eq!(text(&watcher.recv_publish_acking().await), "accepted");
    publ.send(Packet::PubRel(PubResponse::new(pid(7)))).await;
    assert_eq!(publ.recv().await, Packet::PubComp(PubResponse::new(pid(7))));
}

// [MQTT-4.3.3-13] (v5): the Server, as receiver, continues the QoS 2
// acknowledgement sequence after the message expired (1 s; the offline
// subscriber never gets it): a re-sent PUBLISH is answered PUBREC, PUBREL
// with PUBCOMP 0x00.
#[tokio::test(start_paused = true)]
async fn mqtt_4_3_3_13_qos2_sequence_continues_after_expiry() {
    let shared = memory_broker(Config::default());
    let mut sc = v5_session("q2-exp13-sub", true, 600);
    sc.keep_alive = 0;
    let (mut sub, _) = open_duplex(&shared, sc.clone()).await;
    sub.subscribe(1, "exp13/t", QoS::ExactlyOnce).await;
    sub.disconnect_normally().await;

    let mut pc = v5("q2-exp13-pub");
    pc.keep_alive = 0;
    let (mut publ, _) = open_duplex(&shared, pc).await;
    let mut p = publish_id("exp13/t", "short-lived", QoS::ExactlyOnce, 3);
    p.properties.message_expiry_interval = Some(1);
    publ.send(p.clone()).await;
    assert_eq!(publ.recv().await, Packet::PubRec(PubResponse::new(pid(3))));

    advance(Duration::from_secs(5)).await;

    p.dup = true;
    publ.send(p).await;
    match publ.recv().await {
        Packet::PubRec(r) => {
            assert_eq!(r.packet_id, pid(3));
            assert!(!r.reason_code.is_error(), "{r:?}");
        }
        other => panic!("expected PUBREC, got {other:?}"),
    }
    publ.send(Packet::PubRel(PubResponse::new(pid(3)))).await;
    assert_eq!(publ.recv().await, Packet::PubComp(PubResponse::new(pid(3))));

    // The expiry was applied: the subscriber never gets the message.
    sc.clean_start = false;
    let (mut sub, connack) = open_duplex(&shared, sc).await;
    assert!(connack.session_present);
    settle().await;
    match sub.next_event(Duration::ZERO).await {
        Event::Open => {}
        other => panic!("expired message delivered: {other:?}"),
    }
}

// ------------------------------------------------------------- topics (4.7)

/// PUBLISH to a topic with U+0000, SUBSCRIBE to a filter with U+0000 and a
/// CONNECT whose will topic has U+0000: each connection is closed (after
/// DISCONNECT 0x81 or a refusing CONNACK, for v5, if anything), nothing is
/// granted or forwarded.
async fn check_null_topics(broker: &TestBroker, version: ProtocolVersion) {
    let level = version.level();
    let mut watcher = broker.connect_v5(&format!("null-watch{level}")).await;
    watcher.subscribe(1, "#", QoS::AtMostOnce).await;
    let is_malformed_disconnect = |p: &Packet| matches!(p, Packet::Disconnect(d) if d.reason_code == ReasonCode::MalformedPacket);

    // PUBLISH.
    let mut c = broker.raw().await;
    c.handshake(connect(version, &format!("null-pub{level}")))
        .await;
    let props: Option<&[u8]> = if version.is_v5() { Some(&[]) } else { None };
    c.send_bytes(&raw_publish(b"null/a\0b", props, b"x")).await;
    let after = until_close(&mut c).await;
    assert!(
        after.is_empty()
            || (version.is_v5() && after.len() == 1 && is_malformed_disconnect(&after[0])),
        "PUBLISH with U+0000 in its topic: {after:?}"
    );

    // SUBSCRIBE.
    let mut c = broker.raw().await;
    c.handshake(connect(version, &format!("null-sub{level}")))
        .await;
    c.send_bytes(&raw_subscribe(version, 1, b"null/\0/#", 0))
        .await;
    let after = until_close(&mut c).await;
    assert!(
        after.is_empty()
            || (version.is_v5() && after.len() == 1 && is_malformed_disconnect(&after[0])),
        "SUBSCRIBE with U+0000 in its filter: {after:?}"
    );

    // Will topic.
    let mut c = broker.raw().await;
    c.set_version(version);
    c.send_bytes(&raw_connect_with_will(
        version,
        &format!("null-will{level}"),
        b"null/w\0",
    ))
    .await;
    let after = until_close(&mut c).await;
    match after.as_slice() {
        [] => {}
        [Packet::ConnAck(a)] if version.is_v5() => assert!(a.reason_code.is_error(), "{a:?}"),
        other => panic!("CONNECT with U+0000 in its will topic: {other:?}"),
    }

    publish_marker(broker, "null/marker", &format!("marker{level}")).await;
    watcher.expect_marker(&format!("marker{level}")).await;
}

// [MQTT-4.7.3-2] (v5): Topic Names and Topic Filters do not include U+0000:
// a PUBLISH, SUBSCRIBE or will topic containing one is a Malformed Packet and
// is not acted on.
#[tokio::test]
async fn mqtt_4_7_3_2_null_character_in_topic_refused() {
    let broker = TestBroker::start().await;
    check_null_topics(&broker, V5).await;
}

// [MQTT-4.7.3-2] (v311): the same for 3.1.1: the connection is closed
// ([MQTT-1.5.3-2]) and nothing is forwarded or subscribed.
#[tokio::test]
async fn v311_mqtt_4_7_3_2_null_character_in_topic_closes_connection() {
    let broker = TestBroker::start().await;
    check_null_topics(&broker, V311).await;
}

// ------------------------------------------------------ errors (3.1.1 4.8)

// [MQTT-4.8.0-2] (v311): a Transient Error while processing an inbound packet
// closes that connection: a 3.1.1 client whose third QoS 2 PUBLISH finds the
// Server's inbound QoS 2 table full (`limits.receive_maximum` = 2, which 3.1.1
// cannot announce) is disconnected without a PUBREC; other clients are not
// affected.
#[tokio::test]
async fn v311_mqtt_4_8_0_2_transient_error_closes_connection() {
    let broker = TestBroker::with_config(|c| c.limits.receive_maximum = 2).await;
    let mut bystander = broker.connect_v311("transient-bystander").await;
    let mut c = broker.connect_v311("transient").await;
    for id in 1..=2 {
        c.send(publish_id("transient/t", "x", QoS::ExactlyOnce, id))
            .await;
        assert_eq!(c.recv().await, Packet::PubRec(PubResponse::new(pid(id))));
    }
    c.send(publish_id("transient/t", "x", QoS::ExactlyOnce, 3))
        .await;
    let after = until_close(&mut c).await;
    assert!(after.is_empty(), "{after:?}");

    bystander.send(Packet::PingReq).await;
    assert_eq!(bystander.recv().await, Packet::PingResp);
}

// ------------------------------------------------ shared subscriptions (4.8.2)

/// Waits until one of `members` receives a PUBLISH; returns its index and
/// the PUBLISH.
async fn first_receiver(members: &mut [&mut Tcp]) -> (usize, Publish) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no member received the message"
        );
        for (i, m) in members.iter_mut().enumerate() {
            match m.try_recv(Duration::from_millis(20)).await {
                None => {}
                Some(Packet::Publish(p)) => return (i, p),
                Some(other) => panic!("unexpected {other:?}"),
            }
        }
    }
}

// [MQTT-4.8.2-6] (v5): a group member answering PUBACK (QoS 1) or PUBREC
// (QoS 2) with 0x80 or above makes the Server discard the message: it is not
// sent to the other member, nor again to the rejecting one (not even when the
// rejecting member's session ends).
#[tokio::test]
async fn mqtt_4_8_2_6_rejected_shared_message_not_sent_to_another_member() {
    let broker = TestBroker::start().await;
    for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let n = qos.as_u8();
        let f = format!("$share/g{n}/reject{n}/t");
        let t = format!("reject{n}/t");
        let mut a = broker.connect_v5(&format!("reject{n}-a")).await;
        let mut b = broker.connect_v5(&format!("reject{n}-b")).await;
        a.subscribe(1, &f, qos).await;
        b.subscribe(1, &f, qos).await;
        let mut publ = broker.connect_v5(&format!("reject{n}-pub")).await;
        publ.publish_complete(publish(&t, "rejected", qos)).await;

        let (i, p) = first_receiver(&mut [&mut a, &mut b]).await;
        let (mut rejecter, mut other) = if i == 0 { (a, b) } else { (b, a) };
        let id = p.packet_id.unwrap();
        let refusal = PubResponse::with_reason(id, ReasonCode::UnspecifiedError);
        rejecter
            .send(match qos {
                QoS::AtLeastOnce => Packet::PubAck(refusal),
                _ => Packet::PubRec(refusal),
            })
            .await;
        rejecter.expect_nothing(QUIET).await;
        other.expect_nothing(QUIET).await;
        // The rejecting member leaves and its session ends: the discarded
        // message is not handed over either.
        rejecter.disconnect_normally().await;
        publ.publish_complete(publish(&t, "marker", qos)).await;
        other.expect_marker("marker").await;
    }
}

// --------------------------------------------------------- flow control (4.9)

// [MQTT-4.9.0-1] (v5): the Server's initial send quota is non-zero and not
// above the client's Receive Maximum: with Receive Maximum 2 (QoS 1) and 1
// (QoS 2) and five messages waiting, exactly that many are sent before any
// acknowledgement, and one more per acknowledgement.
#[tokio::test]
async fn mqtt_4_9_0_1_initial_send_quota_within_receive_maximum() {
    let broker = TestBroker::start().await;
    for (qos, receive_maximum) in [(QoS::AtLeastOnce, 2u16), (QoS::ExactlyOnce, 1)] {
        let n = qos.as_u8();
        let t = format!("quota{n}/t");
        let mut c = v5_session(&format!("quota{n}"), true, 600);
        c.properties.receive_maximum = NonZeroU16::new(receive_maximum);
        let (mut sub, _) = broker.connect_ok(c.clone()).await;
        sub.subscribe(1, &t, qos).await;
        sub.disconnect_normally().await;
        let mut publ = broker.connect_v5(&format!("quota{n}-pub")).await;
        for i in 1..=5u16 {
            publ.publish_complete(publish_id(&t, &i.to_string(), qos, i))
                .await;
        }

        // Five messages waiting for the resumed session.
        c.clean_start = false;
        let (mut sub, _) = broker.connect_ok(c).await;
        let mut window = Vec::new();
        for _ in 0..receive_maximum {
            window.push(sub.recv_publish().await);
        }
        sub.expect_nothing(QUIET).await;
        let first = window.remove(0);
        let id = first.packet_id.unwrap();
        match qos {
            QoS::AtLeastOnce => sub.send(Packet::PubAck(PubResponse::new(id))).await,
            _ => {
                sub.send(Packet::PubRec(PubResponse::new(id))).await;
                assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id)));
                sub.expect_nothing(QUIET).await;
                sub.send(Packet::PubComp(PubResponse::new(id))).await;
            }
        }
        let next = sub.recv_publish().await;
        assert_eq!(
            text(&next),
            (receive_maximum + 1).to_string(),
            "the next message"
        );
        sub.expect_nothing(QUIET).await;
    }
}

// ---------------------------------------------------- authentication (4.12)

// [MQTT-4.12.0-4] (v5): the Server rejects enhanced authentication (it
// supports no method): CONNACK 0x8C and the connection is closed; an AUTH
// sent right behind the CONNECT is not answered.
#[tokio::test]
async fn mqtt_4_12_0_4_rejected_authentication_closes_connection() {
    let broker = TestBroker::start().await;
    let mut raw = broker.raw().await;
    raw.set_version(V5);
    let mut c = v5("auth-rejected");
    c.properties.authentication_method = Some(ByteString::from("SCRAM-SHA-1"));
    c.properties.authentication_data = Some(Bytes::from_static(b"client-first"));
    let mut auth = Auth::new(ReasonCode::ContinueAuthentication);
    auth.properties.authentication_method = Some(ByteString::from("SCRAM-SHA-1"));
    auth.properties.authentication_data = Some(Bytes::from_static(b"client-final"));
    raw.send_bytes(&encode_all(
        V5,
        vec![Packet::Connect(Box::new(c)), Packet::Auth(auth)],
    ))
    .await;
    let got = until_close(&mut raw).await;
    match got.as_slice() {
        [Packet::ConnAck(a)] => {
            assert_eq!(a.reason_code, ReasonCode::BadAuthenticationMethod);
        }
        other => panic!("expected only CONNACK 0x8C, got {other:?}"),
    }
}

// ------------------------------------------------------------- errors (4.13)

// [MQTT-4.13.2-1] (v5): a CONNACK or DISCONNECT with a Reason Code of 0x80 or
// above is followed by the close of the connection: the Server's refusing
// CONNACK, the Server's DISCONNECT on a protocol error, and a client's
// DISCONNECT 0x80 (the Server closes its side, sending nothing).
#[tokio::test]
async fn mqtt_4_13_2_1_error_reason_code_closes_connection() {
    let broker = TestBroker::start().await;

    let mut raw = broker.raw().await;
    let mut c = v5("error-connack");
    c.properties.authentication_method = Some(ByteString::from("GS2-KRB5"));
    let connack = raw.handshake(c).await;
    assert!(connack.reason_code.is_error());
    assert!(until_close(&mut raw).await.is_empty());

    let mut c = broker.connect_v5("error-disconnect").await;
    c.send(Packet::PingResp).await;
    let after = until_close(&mut c).await;
    match after.as_slice() {
        [Packet::Disconnect(d)] => assert!(d.reason_code.is_error(), "{d:?}"),
        other => panic!("expected DISCONNECT then close, got {other:?}"),
    }

    let mut c = broker.connect_v5("client-error").await;
    c.send(Disconnect::new(ReasonCode::UnspecifiedError)).await;
    let after = until_close(&mut c).await;
    assert!(after.is_empty(), "{after:?}");
}

// ------------------------------------------------------ conformance (3.1.1 7)

// [MQTT-7.0.0-2] (v311): no extension is needed to interoperate: clients
// using only what the specification defines (a bare 3.1.1 CONNECT, a v5
// CONNECT without properties) exchange messages at every QoS, across
// versions.
#[tokio::test]
async fn v311_mqtt_7_0_0_2_no_extensions_needed_to_interoperate() {
    let broker = TestBroker::start().await;
    let mut bare311 = Connect::new(V311, ByteString::from("bare311"));
    bare311.clean_start = true;
    let bare5 = Connect::new(V5, ByteString::from("bare5"));
    let (mut a, _) = broker.connect_ok(bare311).await;
    let (mut b, _) = broker.connect_ok(bare5).await;
    // Each subscribes to what the other publishes.
    a.subscribe(1, "interop/from5/#", QoS::ExactlyOnce).await;
    b.subscribe(1, "interop/from311/#", QoS::ExactlyOnce).await;
    for (i, qos) in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce]
        .into_iter()
        .enumerate()
    {
        let id = u16::try_from(i + 1).unwrap();
        let to_b = format!("interop/from311/{i}");
        let to_a = format!("interop/from5/{i}");
        a.publish_complete(publish_id(&to_b, "from 3.1.1", qos, id))
            .await;
        let p = recv_complete(&mut b).await;
        assert_eq!((p.topic.as_str(), p.qos), (to_b.as_str(), qos));
        assert_eq!(text(&p), "from 3.1.1");
        b.publish_complete(publish_id(&to_a, "from 5", qos, id))
            .await;
        let p = recv_complete(&mut a).await;
        assert_eq!((p.topic.as_str(), p.qos), (to_a.as_str(), qos));
        assert_eq!(text(&p), "from 5");
    }
}
