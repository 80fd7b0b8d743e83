#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! Regressions found in review, each on an in-memory broker driven over
//! `duplex` pipes on tokio's paused clock (deterministic, no real waiting):
//!
//! - Stale hold timer: once a publisher's flow-control hold has ended (the
//!   congested subscriber was marked slow after 1 s, or drained), a new hold
//!   on another subscriber, caused by PUBLISHes decoded afterwards, gets the
//!   whole `MAX_HELD_BACK` (1 s) of its own. It used to reuse the expired
//!   deadline of the first hold, marking the second subscriber a slow
//!   consumer at once (or early), so its queue overflowed.
//! - Partial write, then takeover: when a takeover interrupts a connection
//!   halfway through writing its output buffer, its final write goes on from
//!   where the partial write stopped, so the client reads one valid stream
//!   ending in DISCONNECT 0x8E. It used to re-send the buffer from its first
//!   byte, splicing a packet's start into the middle of another.
//! - Racing takeovers: two connections taking over the same client id at
//!   once leave exactly one of them attached; the other is taken over in
//!   turn. Both used to end up attached, one to a session no longer in the
//!   registry, which a broker shutdown never closed.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use midge_broker::Config;
use midge_broker::broker::Shared;
use midge_proto::bytes::BytesMut;
use midge_proto::{
    Decoder, Packet, ProtocolVersion, QoS, ReasonCode, Subscribe, SubscriptionOptions,
};
use midge_testkit::{
    Event, QUIET, TestClient, WAIT, advance_to, duplex, duplex_subscriber, encode_all, filter,
    memory_broker, no_keep_alive, open_duplex, parse_seq, pid, publish_id, read_to_close,
    seq_payload, settle, v5,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::time::Instant;

// ---------------------------------------------------------------- helpers

/// Longest a publisher may be held back per episode (the broker's
/// `MAX_HELD_BACK`).
const MAX_HELD_BACK: Duration = Duration::from_secs(1);

/// `limits.max_queued_messages` in the hold tests: high-water mark 50,
/// low-water mark 25.
const MAX_QUEUED: usize = 100;

/// `limits.max_inflight` in the hold tests.
const INFLIGHT: usize = 10;

/// The topic of the subscriber that congests first.
const FIRST: &str = "rr/first";

/// The topic of the subscriber that congests second.
const SECOND: &str = "rr/second";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Messages `seqs` of publisher `tag` to `topic` at `qos` ([`seq_payload`]
/// of `size` bytes), encoded back to back for one write; packet ids from
/// `first_id` for QoS > 0.
fn burst(
    topic: &str,
    tag: usize,
    seqs: Range<usize>,
    qos: QoS,
    size: usize,
    first_id: u16,
) -> BytesMut {
    let start = seqs.start;
    encode_all(
        ProtocolVersion::V5,
        seqs.map(|seq| {
            let id = first_id + u16::try_from(seq - start).unwrap();
            publish_id(topic, &seq_payload(tag, seq, size), qos, id)
        }),
    )
}

/// Every packet that has arrived at `client` by now (on the paused clock:
/// nothing is waited for).
async fn arrived<S: AsyncRead + AsyncWrite + Unpin>(client: &mut TestClient<S>) -> Vec<Packet> {
    settle().await;
    let mut packets = Vec::new();
    loop {
        match client.next_event(Duration::ZERO).await {
            Event::Packet(p) => packets.push(p),
            Event::Open => return packets,
            Event::Closed => panic!("connection closed; got {packets:?}"),
        }
    }
}

/// A short name for `packet`: "PUBACK {id}", "PINGRESP", or its type.
fn name(packet: &Packet) -> String {
    match packet {
        Packet::PubAck(a) => format!("PUBACK {}", a.packet_id.get()),
        Packet::PingResp => "PINGRESP".to_owned(),
        other => format!("{:?}", other.packet_type()),
    }
}

/// Asserts `packets` are the PUBACKs of `ids`, in order, then a PINGRESP if
/// `pingresp`, and nothing else.
fn assert_pubacks(packets: &[Packet], ids: Range<u16>, pingresp: bool, when: &str) {
    let mut expected: Vec<String> = ids.map(|id| format!("PUBACK {id}")).collect();
    if pingresp {
        expected.push("PINGRESP".to_owned());
    }
    let got: Vec<String> = packets.iter().map(name).collect();
    assert_eq!(got, expected, "{when}");
}

/// Reads (acknowledging each) every PUBLISH `client` gets, on the paused
/// clock, until no more arrive; returns their (tag, seq).
async fn read_all<S: AsyncRead + AsyncWrite + Unpin>(
    client: &mut TestClient<S>,
) -> Vec<(usize, usize)> {
    let mut got = Vec::new();
    loop {
        let before = got.len();
        for packet in arrived(client).await {
            match packet {
                Packet::Publish(p) => {
                    client.ack(&p).await;
                    got.push(parse_seq(&p));
                }
                other => panic!("expected PUBLISH, got {other:?}"),
            }
        }
        if got.len() == before {
            return got;
        }
    }
}

type Client = TestClient<DuplexStream>;

/// An in-memory broker (`max_queued_messages` [`MAX_QUEUED`],
/// `max_inflight` [`INFLIGHT`]) with two QoS 1 subscribers that never read
/// unless told to: `first` on [`FIRST`], empty, and `second` on [`SECOND`],
/// one message short of its high-water mark (10 in flight, 49 queued:
/// messages 0..59 of publisher tag 0). Returns the broker, `first`,
/// `second` and the publisher.
async fn two_subscribers() -> (Arc<Shared>, Client, Client, Client) {
    let mut config = Config::default();
    config.limits.max_queued_messages = MAX_QUEUED;
    config.limits.max_inflight = u16::try_from(INFLIGHT).unwrap();
    let shared = memory_broker(config);
    let first = duplex_subscriber(&shared, "first", FIRST, QoS::AtLeastOnce).await;
    let second = duplex_subscriber(&shared, "second", SECOND, QoS::AtLeastOnce).await;
    let (mut other, _) = open_duplex(&shared, no_keep_alive(v5("other"))).await;
    // In two writes, so the first 10 are in flight before the rest queue.
    other
        .send_bytes(&burst(SECOND, 0, 0..INFLIGHT, QoS::AtLeastOnce, 10, 1))
        .await;
    settle().await;
    other
        .send_bytes(&burst(SECOND, 0, INFLIGHT..59, QoS::AtLeastOnce, 10, 11))
        .await;
    settle().await;
    assert_eq!(
        shared.session("second").unwrap().lock().queue.len(),
        MAX_QUEUED / 2 - 1
    );
    let (publ, _) = open_duplex(&shared, no_keep_alive(v5("pub"))).await;
    (shared, first, second, publ)
}

/// The publisher's one write: 60 QoS 1 messages to [`FIRST`] (packet ids
/// 1..=60; `first` congests after 50), `n` to [`SECOND`] (tag 1, packet ids
/// from 61; `second` congests at the first), then a PINGREQ.
fn publisher_write(n: usize) -> BytesMut {
    let mut bytes = burst(FIRST, 1, 0..60, QoS::AtLeastOnce, 10, 1);
    bytes.extend_from_slice(&burst(SECOND, 1, 0..n, QoS::AtLeastOnce, 10, 61));
    Packet::PingReq
        .encode(ProtocolVersion::V5, &mut bytes)
        .unwrap();
    bytes
}

// ------------------------------------------------------ stale hold timer

/// A hold that starts once another has timed out lasts its own full second.
/// `first` never reads: it holds the publisher back from 0 s to 1 s and is
/// then a slow consumer. The next message, decoded at 1 s from the same
/// buffer, brings `second` to its high-water mark: a new hold, from 1 s to
/// 2 s, so the PINGREQ behind it is answered at 2 s, not at 1 s (the expired
/// deadline of the first hold, which used to mark `second` slow at once).
/// Nothing is dropped and `second` then reads all its messages.
#[tokio::test(start_paused = true)]
async fn hold_after_a_timed_out_hold_gets_its_own_full_second() {
    let (shared, _first, mut second, mut publ) = two_subscribers().await;
    let start = Instant::now();
    publ.send_bytes(&publisher_write(1)).await;

    advance_to(start, MAX_HELD_BACK).await;
    let packets = arrived(&mut publ).await;
    assert_pubacks(&packets, 1..62, false, "at 1 s, the first hold over");

    advance_to(start, 2 * MAX_HELD_BACK - ms(1)).await;
    let packets = arrived(&mut publ).await;
    assert_pubacks(
        &packets,
        0..0,
        false,
        "at 1.999 s, still held back by `second`",
    );

    advance_to(start, 2 * MAX_HELD_BACK).await;
    let packets = arrived(&mut publ).await;
    assert_pubacks(&packets, 0..0, true, "at 2 s");

    assert_eq!(shared.metrics.dropped_queue_full.load(Ordering::Relaxed), 0);
    let got = read_all(&mut second).await;
    let expected: Vec<_> = (0..59).map(|s| (0, s)).chain([(1, 0)]).collect();
    assert_eq!(got, expected);
}

/// A hold that starts once another has ended by draining lasts its own full
/// second too. `first` holds the publisher back from 0 s until it reads
/// everything at 0.5 s; the publisher goes on and brings `second` to its
/// high-water mark: a new hold, until 1.5 s. `second` reads at 1.2 s, past
/// the first hold's deadline (1 s, at which it used to be marked slow, its
/// queue then overflowing by the publisher's 59 further messages): still
/// held back until then, the publisher goes on as `second` drains, and
/// `second` gets every message, none dropped.
#[tokio::test(start_paused = true)]
async fn hold_after_a_drained_hold_gets_its_own_full_second() {
    const N: usize = 60;
    let (shared, mut first, mut second, mut publ) = two_subscribers().await;
    let start = Instant::now();
    publ.send_bytes(&publisher_write(N)).await;

    advance_to(start, ms(500)).await;
    let got = read_all(&mut first).await;
    assert_eq!(got, (0..60).map(|s| (1, s)).collect::<Vec<_>>());
    let packets = arrived(&mut publ).await;
    assert_pubacks(&packets, 1..62, false, "at 0.5 s, `first` drained");

    advance_to(start, ms(1200)).await;
    let packets = arrived(&mut publ).await;
    assert_pubacks(
        &packets,
        0..0,
        false,
        "at 1.2 s, still held back by `second`",
    );

    let got = read_all(&mut second).await;
    let expected: Vec<_> = (0..59)
        .map(|s| (0, s))
        .chain((0..N).map(|s| (1, s)))
        .collect();
    assert_eq!(got, expected, "`second` lost messages");
    assert_eq!(shared.metrics.dropped_queue_full.load(Ordering::Relaxed), 0);
    let packets = arrived(&mut publ).await;
    let last = 61 + u16::try_from(N).unwrap();
    assert_pubacks(&packets, 62..last, true, "once `second` drained");
    assert_eq!(start.elapsed(), ms(1200));
}

// ------------------------------------------- partial write, then takeover

/// A takeover while the old connection is halfway through writing its
/// output buffer. Subscriber `s` (QoS 0, over a raw 64 KiB pipe) reads
/// nothing while 200 messages of 1,000 bytes are published to it, so its
/// connection's write stops when the pipe is full. A new connection then
/// takes `s` over; only then does the old client read, to the close. Its
/// stream decodes whole: CONNACK, SUBACK, the messages in order from the
/// first, each once, and a final DISCONNECT 0x8E (the old connection's last
/// write took up where the interrupted one stopped). The new connection is
/// served.
#[tokio::test(start_paused = true)]
async fn takeover_during_a_partial_write_continues_the_stream() {
    const PIPE: usize = 64 * 1024;
    let shared = memory_broker(Config::default());
    let (mut raw, server) = tokio::io::duplex(PIPE);
    tokio::spawn(midge_broker::connection::serve(
        Arc::clone(&shared),
        server,
        "raw".to_owned(),
    ));
    let mut hello = BytesMut::new();
    Packet::Connect(Box::new(no_keep_alive(v5("s"))))
        .encode(ProtocolVersion::V5, &mut hello)
        .unwrap();
    Packet::from(Subscribe::new(
        pid(1),
        vec![(filter("rr/t"), SubscriptionOptions::new(QoS::AtMostOnce))],
    ))
    .encode(ProtocolVersion::V5, &mut hello)
    .unwrap();
    raw.write_all(&hello).await.unwrap();
    let mut decoder = Decoder::with_version(ProtocolVersion::V5, 1 << 28);
    let mut rbuf = BytesMut::new();
    let mut packets = Vec::new();
    tokio::time::timeout(WAIT, async {
        while packets.len() < 2 {
            match decoder.decode(&mut rbuf).unwrap() {
                Some(p) => packets.push(p),
                None => assert!(raw.read_buf(&mut rbuf).await.unwrap() > 0),
            }
        }
    })
    .await
    .expect("CONNACK and SUBACK");
    assert!(
        matches!(&packets[..], [Packet::ConnAck(c), Packet::SubAck(_)] if c.reason_code == ReasonCode::Success),
        "{packets:?}"
    );

    let (mut publ, _) = open_duplex(&shared, no_keep_alive(v5("p"))).await;
    publ.send_bytes(&burst("rr/t", 0, 0..200, QoS::AtMostOnce, 1000, 1))
        .await;
    publ.ping().await;
    let taker = tokio::spawn({
        let shared = Arc::clone(&shared);
        async move { open_duplex(&shared, no_keep_alive(v5("s"))).await.0 }
    });
    // Everything runs until blocked: the old connection on its full pipe.
    tokio::time::sleep(ms(100)).await;

    let got = read_to_close(&mut raw).await;
    assert!(
        got.len() > PIPE,
        "received {} bytes: the pipe never filled",
        got.len()
    );
    rbuf.extend_from_slice(&got);
    let mut messages = 0;
    let disconnect = loop {
        match decoder.decode(&mut rbuf) {
            Ok(Some(Packet::Publish(p))) => {
                let n = messages;
                assert!(
                    p.payload[..] == *seq_payload(0, n, 1000).as_bytes(),
                    "message {n} of the stream is not message {n} (repeated, skipped or corrupt)"
                );
                messages += 1;
            }
            Ok(Some(Packet::Disconnect(d))) => break d,
            Ok(Some(other)) => panic!("after {messages} messages: {other:?}"),
            Ok(None) => panic!("stream ended after {messages} messages, no DISCONNECT"),
            Err(e) => panic!("after {messages} messages: {e}"),
        }
    };
    assert_eq!(disconnect.reason_code, ReasonCode::SessionTakenOver);
    assert!(rbuf.is_empty(), "{} bytes after the DISCONNECT", rbuf.len());
    assert!(messages > 0);

    let mut taker = taker.await.unwrap();
    taker.ping().await;
}

// ------------------------------------------------------ racing takeovers

/// Whether `client`, which sent a CONNECT for a client id taken over by
/// another connection at the same time, is attached: it got a Success
/// CONNACK and then nothing. Otherwise it was taken over in turn (DISCONNECT
/// 0x8E, then the close) or closed.
async fn attached(client: &mut Client) -> bool {
    match client.next_event(WAIT).await {
        Event::Packet(Packet::ConnAck(c)) => assert_eq!(c.reason_code, ReasonCode::Success),
        Event::Closed => return false,
        other => panic!("expected CONNACK, got {other:?}"),
    }
    match client.next_event(QUIET).await {
        Event::Open => true,
        Event::Closed => false,
        Event::Packet(Packet::Disconnect(d)) => {
            assert_eq!(d.reason_code, ReasonCode::SessionTakenOver);
            assert!(matches!(client.next_event(WAIT).await, Event::Closed));
            false
        }
        other => panic!("expected nothing or DISCONNECT 0x8E, got {other:?}"),
    }
}

/// Connections B and C take over A's client id at once: A is taken over,
/// exactly one of B and C is attached (and served), the other is taken over
/// in turn. On shutdown the one attached is told so and every connection
/// closes.
#[tokio::test(start_paused = true)]
async fn racing_takeovers_leave_exactly_one_connection_attached() {
    let shared = memory_broker(Config::default());
    let (mut a, _) = open_duplex(&shared, no_keep_alive(v5("x"))).await;
    let mut b = duplex(&shared);
    let mut c = duplex(&shared);
    b.send(Packet::Connect(Box::new(no_keep_alive(v5("x")))))
        .await;
    c.send(Packet::Connect(Box::new(no_keep_alive(v5("x")))))
        .await;
    a.expect_disconnect(ReasonCode::SessionTakenOver).await;

    let b_attached = attached(&mut b).await;
    let c_attached = attached(&mut c).await;
    assert!(
        b_attached != c_attached,
        "attached: b {b_attached}, c {c_attached}"
    );
    let mut winner = if b_attached { b } else { c };
    winner.ping().await;
    assert!(shared.session("x").unwrap().is_online());

    shared.begin_shutdown();
    winner
        .expect_disconnect(ReasonCode::ServerShuttingDown)
        .await;
    assert!(
        shared.connections_closed(WAIT).await,
        "{} connection(s) still open after shutdown",
        shared.connection_count()
    );
    assert_eq!(shared.connection_count(), 0);
}
