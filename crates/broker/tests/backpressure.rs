#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! Publisher flow control (backpressure): a client whose PUBLISHes fill an
//! online subscriber's queue past its high-water mark (half of
//! `limits.max_queued_messages` or `max_queued_bytes`) stops reading its
//! socket until that queue has drained to its low-water mark (a quarter), so
//! a subscriber that keeps reading, however slowly, loses nothing: QoS 0
//! bursts, many publishers into one subscriber, a client flooding its own
//! subscription. A publisher is held back at most 1 s per episode: a
//! subscriber that never reads is then a slow consumer whose queue overflows
//! by policy while the publisher and the other subscribers go on. Offline
//! sessions never hold publishers back.
//!
//! The TCP tests use real time; the tests about the 1 s hold run an
//! in-memory broker on tokio's paused clock, so the hold costs no real time
//! and its length is measured exactly.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use midge_broker::Config;
use midge_broker::broker::Shared;
use midge_proto::bytes::BytesMut;
use midge_proto::{Packet, ProtocolVersion, Publish, QoS, ReasonCode};
use midge_testkit::{
    Event, QUIET, TestBroker, TestClient, WAIT, advance_to, duplex_subscriber, encode_all,
    memory_broker, no_keep_alive, open_duplex, parse_seq, pid, publish, publish_id,
    run_paused_with_watchdog, seq_payload, settle, text, v5, v5_session,
};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream};
use tokio::net::TcpStream;
use tokio::time::Instant;

// ---------------------------------------------------------------- helpers

/// The topic every test publishes to.
const TOPIC: &str = "bp/t";

/// `limits.max_queued_messages` in these tests: high-water mark 50, low-water
/// mark 25.
const MAX_QUEUED: usize = 100;

/// `limits.max_inflight` (the default, set explicitly where it matters).
const MAX_INFLIGHT: usize = 100;

/// QoS 1 PUBLISHes a publisher sends before waiting for their PUBACKs: the
/// broker's Receive Maximum (`limits.receive_maximum`, default 100).
const WINDOW: usize = 100;

/// Longest a publisher may be held back per episode (the broker's
/// `MAX_HELD_BACK`).
const MAX_HELD_BACK: Duration = Duration::from_secs(1);

/// A broker over TCP with `limits.max_queued_messages` = [`MAX_QUEUED`].
async fn small_queue_broker() -> TestBroker {
    TestBroker::with_config(|c| c.limits.max_queued_messages = MAX_QUEUED).await
}

/// The packet id of message `seq` (unique within a window).
fn packet_id(seq: usize) -> u16 {
    u16::try_from(seq % 60_000 + 1).unwrap()
}

/// Message `seq` of publisher `tag` ([`seq_payload`] of `size` bytes) at
/// `qos` (packet id [`packet_id`] for QoS > 0).
fn message(tag: usize, seq: usize, qos: QoS, size: usize) -> Publish {
    publish_id(TOPIC, &seq_payload(tag, seq, size), qos, packet_id(seq))
}

/// Messages `seqs` of publisher `tag`, encoded back to back for one write.
fn burst(
    version: ProtocolVersion,
    tag: usize,
    seqs: Range<usize>,
    qos: QoS,
    size: usize,
) -> BytesMut {
    encode_all(version, seqs.map(|seq| message(tag, seq, qos, size)))
}

/// An in-memory broker (paused clock) with [`MAX_QUEUED`] and
/// [`MAX_INFLIGHT`], and two QoS 1 subscribers of [`TOPIC`]: "stuck", which
/// the test never reads, and "normal".
async fn stuck_and_normal() -> (Arc<Shared>, MemClient, MemClient) {
    let mut config = Config::default();
    config.limits.max_queued_messages = MAX_QUEUED;
    config.limits.max_inflight = u16::try_from(MAX_INFLIGHT).unwrap();
    let shared = memory_broker(config);
    let stuck = duplex_subscriber(&shared, "stuck", TOPIC, QoS::AtLeastOnce).await;
    let normal = duplex_subscriber(&shared, "normal", TOPIC, QoS::AtLeastOnce).await;
    (shared, stuck, normal)
}

/// A client of the in-memory broker.
type MemClient = TestClient<DuplexStream>;

/// Publishes messages `0..n` of publisher `tag` at QoS 1, a [`WINDOW`] at a
/// time (each window one write), and checks every PUBACK: in order, Success.
async fn publish_qos1_windows<S: AsyncRead + AsyncWrite + Unpin>(
    client: &mut TestClient<S>,
    tag: usize,
    n: usize,
    size: usize,
) {
    for start in (0..n).step_by(WINDOW) {
        let end = (start + WINDOW).min(n);
        let bytes = burst(client.version, tag, start..end, QoS::AtLeastOnce, size);
        client.send_bytes(&bytes).await;
        for seq in start..end {
            let ack = client.expect_puback(packet_id(seq)).await;
            assert_eq!(
                ack.reason_code,
                ReasonCode::Success,
                "publisher {tag}: PUBACK for message {seq}"
            );
        }
    }
}

/// Receives messages `0..n` of publisher 0 (acknowledging QoS 1), in order,
/// sleeping a millisecond every 100 messages when `pause` (a slow reader
/// that keeps reading).
async fn receive_in_order<S: AsyncRead + AsyncWrite + Unpin>(
    client: &mut TestClient<S>,
    n: usize,
    pause: bool,
) {
    for seq in 0..n {
        if pause && seq % 100 == 99 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let p = match client.try_recv(WAIT).await {
            Some(Packet::Publish(p)) => p,
            other => panic!("message {seq} of {n} never arrived (lost?); got {other:?}"),
        };
        client.ack(&p).await;
        assert_eq!(
            parse_seq(&p),
            (0, seq),
            "message {seq} of {n}: lost or out of order"
        );
    }
}

/// Reads (and acknowledges) every PUBLISH that arrives until none has for
/// 100 ms; returns their sequence numbers.
async fn read_until_quiet<S: AsyncRead + AsyncWrite + Unpin>(
    client: &mut TestClient<S>,
) -> Vec<usize> {
    let mut seqs = Vec::new();
    loop {
        match client.next_event(Duration::from_millis(100)).await {
            Event::Packet(Packet::Publish(p)) => {
                client.ack(&p).await;
                seqs.push(parse_seq(&p).1);
            }
            Event::Packet(other) => panic!("expected PUBLISH, got {other:?}"),
            Event::Open => return seqs,
            Event::Closed => panic!("disconnected"),
        }
    }
}

/// Asserts the broker dropped no message from any queue.
fn assert_no_drops(shared: &midge_broker::broker::Shared) {
    let m = &shared.metrics;
    assert_eq!(m.dropped_qos0.load(Ordering::Relaxed), 0, "QoS 0 drops");
    assert_eq!(
        m.dropped_queue_full.load(Ordering::Relaxed),
        0,
        "queue-full drops"
    );
}

// ------------------------------------------------ lossless under pressure

/// A publisher writes 5,000 QoS 0 PUBLISHes in one write, as fast as the
/// broker takes them; the QoS 0 subscriber keeps reading but pauses 1 ms every
/// 100 messages. Without flow control its 100-message queue would overflow
/// and drop QoS 0 messages; held back at the high-water mark, the publisher
/// waits for it instead: it receives all 5,000, in order, and nothing is
/// dropped. The publisher's connection is served afterwards.
#[tokio::test]
async fn qos0_burst_reaches_a_slow_but_reading_subscriber_whole_and_in_order() {
    const N: usize = 5_000;
    let broker = small_queue_broker().await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, TOPIC, QoS::AtMostOnce).await;
    let mut publ = broker.connect_v5("pub").await;

    let bytes = burst(publ.version, 0, 0..N, QoS::AtMostOnce, 100);
    let writer = tokio::spawn(async move {
        publ.send_bytes(&bytes).await;
        publ
    });
    receive_in_order(&mut sub, N, true).await;
    sub.expect_nothing(QUIET).await;

    let mut publ = writer.await.unwrap();
    publ.ping().await;
    assert_no_drops(broker.shared());
    broker.stop().await;
}

/// Eight publishers each publish 1,000 QoS 1 messages (100 per write, the
/// broker's Receive Maximum) to one QoS 1 subscriber that pauses 1 ms every
/// 100 messages: every publisher gets every PUBACK (Success), the subscriber
/// receives all 8,000 messages exactly once, each publisher's in order, and
/// nothing is dropped.
#[tokio::test]
async fn eight_qos1_publishers_into_one_slow_subscriber_lose_nothing() {
    const PUBLISHERS: usize = 8;
    const N: usize = 1_000;
    let broker = small_queue_broker().await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, TOPIC, QoS::AtLeastOnce).await;

    let mut publishers = Vec::new();
    for tag in 0..PUBLISHERS {
        let mut publ = broker.connect_v5(&format!("pub{tag}")).await;
        publishers.push(tokio::spawn(async move {
            publish_qos1_windows(&mut publ, tag, N, 100).await;
            publ
        }));
    }

    let mut next = [0usize; PUBLISHERS];
    for i in 0..PUBLISHERS * N {
        if i % 100 == 99 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let p = sub.recv_publish_acking().await;
        let (tag, seq) = parse_seq(&p);
        assert_eq!(
            seq, next[tag],
            "publisher {tag}: message lost, repeated or out of order"
        );
        next[tag] += 1;
    }
    assert_eq!(next, [N; PUBLISHERS]);
    sub.expect_nothing(QUIET).await;

    for publ in publishers {
        publ.await.unwrap().ping().await;
    }
    assert_no_drops(broker.shared());
    broker.stop().await;
}

// ------------------------------------------------------- slow consumers

/// A subscriber that is connected and subscribed (QoS 1) but never reads
/// holds the publisher back for at most about a second (virtual time), then
/// is a slow consumer: the publisher goes on publishing 2,000 QoS 1 messages
/// (1 KiB each) and gets every PUBACK, and a second subscriber of the same
/// topic that reads receives all of them, in order. The stuck one, when it
/// finally reads (and acknowledges), gets at most `max_inflight` messages
/// written before it stalled plus `max_queued_messages` queued, far fewer
/// than were sent, in order: the rest overflowed its queue by policy
/// (drop-new), each drop counted.
#[test]
fn stuck_subscriber_holds_the_publisher_back_at_most_a_second() {
    const N: usize = 2_000;
    const SIZE: usize = 1024;
    let (elapsed, stuck_seqs, dropped_full, dropped_qos0) = run_paused_with_watchdog(
        Duration::from_secs(60),
        "stuck-subscriber test did not finish (publisher held back forever?)",
        || async {
            let (shared, mut stuck, mut normal) = stuck_and_normal().await;
            let reader = tokio::spawn(async move {
                receive_in_order(&mut normal, N, false).await;
                normal
            });

            let (mut publ, _) = open_duplex(&shared, no_keep_alive(v5("pub"))).await;
            let start = Instant::now();
            publish_qos1_windows(&mut publ, 0, N, SIZE).await;
            let elapsed = start.elapsed();
            let mut normal = reader.await.unwrap();
            normal.expect_no_publish(QUIET).await;

            // The stuck subscriber finally reads everything it is sent.
            let seqs = read_until_quiet(&mut stuck).await;
            publ.ping().await;
            let m = &shared.metrics;
            (
                elapsed,
                seqs,
                m.dropped_queue_full.load(Ordering::Relaxed),
                m.dropped_qos0.load(Ordering::Relaxed),
            )
        },
    );
    eprintln!(
        "publisher took {elapsed:?} (virtual); stuck subscriber got {} of {N}",
        stuck_seqs.len()
    );
    assert!(
        elapsed < 2 * MAX_HELD_BACK,
        "publisher held back {elapsed:?}: more than about {MAX_HELD_BACK:?}"
    );
    assert!(
        stuck_seqs.len() <= MAX_INFLIGHT + MAX_QUEUED,
        "stuck subscriber got {} messages: more than in flight plus queued",
        stuck_seqs.len()
    );
    assert!(
        stuck_seqs.windows(2).all(|w| w[0] < w[1]),
        "stuck subscriber's messages out of order or repeated: {stuck_seqs:?}"
    );
    assert_eq!(
        stuck_seqs.len() as u64 + dropped_full,
        N as u64,
        "every message is delivered to the stuck subscriber or counted as dropped"
    );
    assert_eq!(dropped_qos0, 0);
}

/// While held back, a publisher's connection still sends its own
/// deliveries but answers nothing new. A stuck QoS 1 subscriber (never
/// reads; `max_inflight` 10 here) congests once 50 messages are queued, its
/// high-water mark (after 50 to 60 messages, as up to 10 may be in flight).
/// The publisher wrote 80 QoS 1 messages and a PINGREQ in one write, and is
/// subscribed to another topic. On the paused clock: it gets the PUBACKs of
/// the messages read up to there and not one more; a message a third client
/// publishes to its other topic reaches it at once; the rest is not answered
/// at 999 ms, and is at 1 s, when the hold ends (the stuck subscriber is then
/// a slow consumer).
#[tokio::test(start_paused = true)]
async fn held_back_publisher_gets_its_deliveries_but_answers_nothing_new() {
    const INFLIGHT: usize = 10;
    const CONGESTED_AT: usize = INFLIGHT + MAX_QUEUED / 2;
    const SENT: usize = 80;
    let mut config = Config::default();
    config.limits.max_queued_messages = MAX_QUEUED;
    config.limits.max_inflight = u16::try_from(INFLIGHT).unwrap();
    let shared = memory_broker(config);
    let _stuck = duplex_subscriber(&shared, "stuck", TOPIC, QoS::AtLeastOnce).await;
    let mut publ = duplex_subscriber(&shared, "pub", "bp/other", QoS::AtMostOnce).await;
    let (mut third, _) = open_duplex(&shared, no_keep_alive(v5("third"))).await;

    let start = Instant::now();
    let mut bytes = burst(publ.version, 0, 0..SENT, QoS::AtLeastOnce, 100);
    Packet::PingReq.encode(publ.version, &mut bytes).unwrap();
    publ.send_bytes(&bytes).await;
    settle().await;
    // It stopped reading once the stuck subscriber's queue reached its
    // high-water mark: after 50 to 60 messages (0 to 10 of them in flight).
    let mut acked = 0;
    loop {
        match publ.next_event(Duration::ZERO).await {
            Event::Packet(Packet::PubAck(a)) => {
                assert_eq!(a.packet_id, pid(packet_id(acked)));
                acked += 1;
            }
            Event::Open => break,
            other => panic!("expected PUBACKs, got {other:?}"),
        }
    }
    assert!(
        (MAX_QUEUED / 2..=CONGESTED_AT).contains(&acked),
        "the publisher read {acked} of {SENT} messages before it was held back"
    );
    assert!(shared.session("stuck").unwrap().lock().queue.len() > MAX_QUEUED / 4);

    third
        .send(publish("bp/other", "meanwhile", QoS::AtMostOnce))
        .await;
    settle().await;
    match publ.next_event(Duration::ZERO).await {
        Event::Packet(Packet::Publish(p)) => assert_eq!(text(&p), "meanwhile"),
        other => panic!("held-back publisher: expected its delivery at once, got {other:?}"),
    }
    assert_eq!(start.elapsed(), Duration::ZERO);

    advance_to(start, MAX_HELD_BACK - Duration::from_millis(1)).await;
    match publ.next_event(Duration::ZERO).await {
        Event::Open => {}
        other => panic!("held-back publisher answered before the hold ended: {other:?}"),
    }
    advance_to(start, MAX_HELD_BACK).await;
    for seq in acked..SENT {
        match publ.next_event(Duration::ZERO).await {
            Event::Packet(Packet::PubAck(a)) => assert_eq!(a.packet_id, pid(packet_id(seq))),
            other => panic!("expected the PUBACK of message {seq} after the hold, got {other:?}"),
        }
    }
    match publ.next_event(Duration::ZERO).await {
        Event::Packet(Packet::PingResp) => {}
        other => panic!("expected PINGRESP once the hold ended, got {other:?}"),
    }
}

/// A slow consumer is one only until its queue has drained to the low-water
/// mark: it then holds publishers back again. A stuck QoS 1 subscriber holds
/// the publisher of 1,000 QoS 1 messages back for 1 s, then overflows; once
/// it has read (and acknowledged) everything, it is stuck again for the
/// next 1,000 messages and again holds the publisher back for 1 s (it
/// would not, still marked slow). Each time it gets at most `max_inflight`
/// plus `max_queued_messages` of them; the other subscriber gets all.
#[test]
fn slow_consumer_holds_publishers_back_again_once_drained() {
    const N: usize = 1_000;
    let (holds, got, dropped_full) = run_paused_with_watchdog(
        Duration::from_secs(60),
        "slow-consumer recovery test did not finish",
        || async {
            let (shared, mut stuck, mut normal) = stuck_and_normal().await;
            let (mut publ, _) = open_duplex(&shared, no_keep_alive(v5("pub"))).await;

            let mut holds = Vec::new();
            let mut got = Vec::new();
            for _round in 0..2 {
                let reader = tokio::spawn(async move {
                    receive_in_order(&mut normal, N, false).await;
                    normal
                });
                let start = Instant::now();
                publish_qos1_windows(&mut publ, 0, N, 100).await;
                holds.push(start.elapsed());
                normal = reader.await.unwrap();
                let seqs = read_until_quiet(&mut stuck).await;
                assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
                got.push(seqs.len());
            }
            let dropped_full = shared.metrics.dropped_queue_full.load(Ordering::Relaxed);
            (holds, got, dropped_full)
        },
    );
    eprintln!("holds {holds:?} (virtual); stuck subscriber got {got:?} of {N} per round");
    for (round, hold) in holds.iter().enumerate() {
        assert!(
            *hold >= MAX_HELD_BACK && *hold < 2 * MAX_HELD_BACK,
            "round {round}: publisher held back {hold:?}, expected one hold of {MAX_HELD_BACK:?}"
        );
    }
    for (round, n) in got.iter().enumerate() {
        assert!(
            *n <= MAX_INFLIGHT + MAX_QUEUED,
            "round {round}: stuck subscriber got {n}"
        );
    }
    assert_eq!(
        got.iter().sum::<usize>() as u64 + dropped_full,
        2 * N as u64,
        "every message is delivered to the stuck subscriber or counted as dropped"
    );
}

/// A client subscribed (QoS 0) to the topic it floods with 5,000 QoS 0
/// PUBLISHes in one write fills its own queue: held back by itself, it must
/// still send its own deliveries, and go on reading once they drained. It is
/// not deadlocked: reading them back on the same connection (pausing 1 ms
/// every 100 messages) it receives all 5,000, in order, and nothing is
/// dropped. (The client writes and reads at once through two handles of one
/// socket.)
#[tokio::test]
async fn publisher_flooding_its_own_subscription_is_not_deadlocked() {
    const N: usize = 5_000;
    let broker = small_queue_broker().await;
    let socket = TcpStream::connect(broker.addr)
        .await
        .unwrap()
        .into_std()
        .unwrap();
    socket.set_nodelay(true).unwrap();
    let clone = socket.try_clone().unwrap();
    let mut reader = TestClient::new(TcpStream::from_std(socket).unwrap());
    reader.connect_ok(v5("self")).await;
    reader.subscribe(1, TOPIC, QoS::AtMostOnce).await;
    let mut writer = TestClient::new(TcpStream::from_std(clone).unwrap());
    writer.set_version(ProtocolVersion::V5);

    let bytes = burst(ProtocolVersion::V5, 0, 0..N, QoS::AtMostOnce, 100);
    let write = tokio::spawn(async move {
        writer.send_bytes(&bytes).await;
    });
    receive_in_order(&mut reader, N, true).await;
    write.await.unwrap();
    reader.expect_nothing(QUIET).await;
    reader.ping().await;
    assert_no_drops(broker.shared());
    broker.stop().await;
}

// ------------------------------------------------------ offline sessions

/// An offline persistent session never holds a publisher back: 1,000 QoS 1
/// messages for it are all acknowledged with no wait at all (virtual time
/// does not move), its queue keeps `max_queued_messages` of them and the
/// rest are dropped by policy (drop-new), counted; on reconnecting it gets
/// the first 100, in order.
#[tokio::test(start_paused = true)]
async fn offline_session_never_holds_the_publisher_back() {
    const N: usize = 1_000;
    let mut config = Config::default();
    config.limits.max_queued_messages = MAX_QUEUED;
    let shared = memory_broker(config);
    let (mut sub, _) = open_duplex(&shared, no_keep_alive(v5_session("off", true, 3600))).await;
    sub.subscribe(1, TOPIC, QoS::AtLeastOnce).await;
    sub.disconnect_normally().await;

    let (mut publ, _) = open_duplex(&shared, no_keep_alive(v5("pub"))).await;
    let start = Instant::now();
    publish_qos1_windows(&mut publ, 0, N, 100).await;
    assert_eq!(start.elapsed(), Duration::ZERO, "publisher was held back");
    assert_eq!(
        shared.session("off").unwrap().lock().queue.len(),
        MAX_QUEUED
    );
    assert_eq!(
        shared.metrics.dropped_queue_full.load(Ordering::Relaxed),
        (N - MAX_QUEUED) as u64
    );

    let (mut sub, connack) =
        open_duplex(&shared, no_keep_alive(v5_session("off", false, 3600))).await;
    assert!(connack.session_present);
    receive_in_order(&mut sub, MAX_QUEUED, false).await;
    sub.expect_no_publish(QUIET).await;
}
