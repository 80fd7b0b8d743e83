//! Publisher and subscriber tasks.

use std::num::NonZeroU16;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use midge_proto::session::{Outbound, PubRecOutcome};
use midge_proto::{
    ByteString, Packet, PacketId, PubResponse, Publish, QoS, Subscribe, SubscriptionOptions,
    TopicFilter, TopicName,
};
use tokio::sync::Notify;

use crate::BenchError;
use crate::conn::Conn;
use crate::stats::{self, SubscriberStats};

/// Most publishes encoded before one write.
const BATCH: usize = 64;
/// How long subscribers wait for stragglers once publishing has stopped.
pub(crate) const DRAIN_IDLE: Duration = Duration::from_secs(2);

/// State shared by every task of one run.
#[derive(Debug)]
pub(crate) struct Control {
    /// The clock every timestamp is relative to.
    pub(crate) start: Instant,
    /// Publishers stop when set.
    pub(crate) stop: AtomicBool,
    /// Subscribers stop when set.
    pub(crate) done: AtomicBool,
    /// Deliveries expected but not yet seen (closed-loop window).
    pub(crate) outstanding: AtomicI64,
    /// Closed-loop limit on `outstanding`.
    pub(crate) window: Option<i64>,
    /// Wakes publishers blocked on the window.
    pub(crate) room: Notify,
    /// Messages delivered to subscribers so far (for progress).
    pub(crate) delivered: AtomicU64,
    /// Messages published so far.
    pub(crate) published: AtomicU64,
    /// Time of the last delivery, ns since `start`.
    pub(crate) last_delivery_ns: AtomicU64,
}

impl Control {
    pub(crate) fn new(window: Option<u64>) -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            stop: AtomicBool::new(false),
            done: AtomicBool::new(false),
            outstanding: AtomicI64::new(0),
            window: window.map(|w| i64::try_from(w).unwrap_or(i64::MAX)),
            room: Notify::new(),
            delivered: AtomicU64::new(0),
            published: AtomicU64::new(0),
            last_delivery_ns: AtomicU64::new(0),
        })
    }

    fn window_full(&self) -> bool {
        self.window
            .is_some_and(|w| self.outstanding.load(Ordering::Acquire) >= w)
    }
}

/// What one publisher is asked to do.
#[derive(Debug, Clone)]
pub(crate) struct PublisherPlan {
    pub(crate) index: u32,
    pub(crate) topic: TopicName,
    pub(crate) qos: QoS,
    pub(crate) retain: bool,
    pub(crate) size: usize,
    /// Messages per second for this publisher; `None`: as fast as allowed.
    pub(crate) rate: Option<f64>,
    /// Deliveries each message is expected to make (for the window).
    pub(crate) fan: i64,
    /// Stop after this many messages (retained scenario).
    pub(crate) limit: Option<u64>,
    /// Most QoS 1/2 in flight.
    pub(crate) inflight: u16,
    /// Publish message `n` to `{topic}/{n}` instead of `topic`.
    pub(crate) distinct_topics: bool,
}

/// What a publisher did.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PublisherResult {
    pub(crate) sent: u64,
    pub(crate) acked: u64,
    pub(crate) rejected: u64,
}

/// Publishes until told to stop (or `limit`), then waits for its QoS 1/2
/// acknowledgements and disconnects.
pub(crate) async fn publisher(
    mut conn: Conn,
    receive_maximum: Option<NonZeroU16>,
    plan: PublisherPlan,
    ctl: Arc<Control>,
) -> Result<PublisherResult, BenchError> {
    let window = NonZeroU16::new(plan.inflight).unwrap_or(NonZeroU16::MIN);
    let window = receive_maximum.map_or(window, |m| m.min(window));
    let mut outbound: Outbound<()> = Outbound::new(window);
    let mut result = PublisherResult::default();
    let interval = plan
        .rate
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(1.0 / r));
    let mut next_at = Instant::now();
    loop {
        let stopping =
            ctl.stop.load(Ordering::Acquire) || plan.limit.is_some_and(|l| result.sent >= l);
        if stopping && outbound.is_empty() {
            break;
        }
        let mut batch = 0;
        let mut wait_until: Option<Instant> = None;
        let mut blocked_on_window = false;
        while !stopping && batch < BATCH && plan.limit.is_none_or(|l| result.sent < l) {
            if let Some(step) = interval {
                let now = Instant::now();
                if now < next_at {
                    wait_until = Some(next_at);
                    break;
                }
                // Fallen far behind (a stall): do not burst to catch up.
                next_at = if now.duration_since(next_at) > Duration::from_secs(1) {
                    now + step
                } else {
                    next_at + step
                };
            }
            if ctl.window_full() {
                blocked_on_window = true;
                break;
            }
            if plan.qos != QoS::AtMostOnce && outbound.quota() == 0 {
                break;
            }
            let now_ns = stats::since(ctl.start);
            let topic = if plan.distinct_topics {
                TopicName::new(ByteString::from(format!(
                    "{}/{}",
                    plan.topic.as_str(),
                    result.sent
                )))
                .map_err(|e| BenchError::new(format!("topic: {e}")))?
            } else {
                plan.topic.clone()
            };
            let mut publish = Publish::new(
                topic,
                stats::payload(plan.index, result.sent, now_ns, plan.size),
            );
            publish.qos = plan.qos;
            publish.retain = plan.retain;
            if plan.qos != QoS::AtMostOnce {
                match outbound.start(plan.qos, ()) {
                    Ok(id) => publish.packet_id = Some(id),
                    Err(()) => break,
                }
            }
            conn.encode_publish(&publish)?;
            ctl.outstanding.fetch_add(plan.fan, Ordering::AcqRel);
            ctl.published.fetch_add(1, Ordering::Relaxed);
            result.sent += 1;
            batch += 1;
        }
        conn.flush().await?;
        // Read whatever acknowledgements are buffered or readable now; when
        // nothing could be sent, wait for something to change.
        let idle = batch == 0;
        let mut progressed = drain_acks(&mut conn, &mut outbound, &mut result)?;
        if idle && !progressed {
            let expecting_acks = !outbound.is_empty();
            tokio::select! {
                r = conn.read_more(), if expecting_acks => {
                    if !r? {
                        return Err(BenchError::new("broker closed a publisher's connection"));
                    }
                    progressed = true;
                }
                () = sleep_until_opt(wait_until) => {}
                () = ctl.room.notified(), if blocked_on_window => {}
                () = tokio::time::sleep(Duration::from_millis(20)) => {}
            }
            if progressed {
                drain_acks(&mut conn, &mut outbound, &mut result)?;
            }
        } else if !idle {
            tokio::task::yield_now().await;
        }
        conn.flush().await?;
    }
    conn.close().await;
    Ok(result)
}

/// Handles acknowledgements already buffered (and one non-blocking read).
fn drain_acks(
    conn: &mut Conn,
    outbound: &mut Outbound<()>,
    result: &mut PublisherResult,
) -> Result<bool, BenchError> {
    let mut any = false;
    while let Some(packet) = conn.buffered()? {
        any = true;
        match packet {
            Packet::PubAck(ack) if outbound.on_puback(ack.packet_id).is_ok() => {
                if ack.reason_code.is_error() {
                    result.rejected += 1;
                } else {
                    result.acked += 1;
                }
            }
            Packet::PubRec(rec) => match outbound.on_pubrec(rec.packet_id, rec.reason_code) {
                Ok(PubRecOutcome::Release(()) | PubRecOutcome::AlreadyReleased) => {
                    conn.encode(Packet::PubRel(PubResponse::new(rec.packet_id)))?;
                }
                Ok(PubRecOutcome::Rejected(())) => result.rejected += 1,
                Err(_) => {}
            },
            Packet::PubComp(comp) if outbound.on_pubcomp(comp.packet_id).is_ok() => {
                result.acked += 1;
            }
            Packet::Disconnect(d) => {
                return Err(BenchError::new(format!(
                    "broker disconnected a publisher: {}",
                    d.reason_code.description()
                )));
            }
            _ => {}
        }
    }
    Ok(any)
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

/// Subscribes `conn` to `filter` and waits for the SUBACK.
pub(crate) async fn subscribe(conn: &mut Conn, filter: &str, qos: QoS) -> Result<(), BenchError> {
    let filter = TopicFilter::new_v5(ByteString::from(filter))
        .map_err(|e| BenchError::new(format!("invalid topic filter {filter:?}: {e}")))?;
    let id = PacketId::MIN;
    let subscribe = Subscribe::new(id, vec![(filter, SubscriptionOptions::new(qos))]);
    conn.encode(Packet::Subscribe(subscribe))?;
    conn.flush().await?;
    loop {
        match conn.next().await? {
            Some(Packet::SubAck(ack)) => {
                return match ack.reason_codes.first() {
                    Some(code) if !code.is_error() => Ok(()),
                    Some(code) => Err(BenchError::new(format!(
                        "subscription refused: {}",
                        code.description()
                    ))),
                    None => Err(BenchError::new("empty SUBACK")),
                };
            }
            Some(_) => {}
            None => {
                return Err(BenchError::new(
                    "broker closed the connection before SUBACK",
                ));
            }
        }
    }
}

/// Receives (acknowledging QoS 1/2) until told to stop.
pub(crate) async fn subscriber(
    mut conn: Conn,
    ctl: Arc<Control>,
) -> Result<SubscriberStats, BenchError> {
    let mut stats = SubscriberStats::new()?;
    let mut first = true;
    // Wakes the loop to notice the end of the run. One timer for the whole
    // run: a new one per read would cost a timer registration per read.
    let mut check = tokio::time::interval(Duration::from_millis(50));
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if ctl.done.load(Ordering::Acquire) {
            break;
        }
        // Packets may already be buffered (e.g. retained messages that came
        // with the SUBACK): handle those before waiting for more.
        if !first {
            tokio::select! {
                r = conn.read_more() => {
                    if !r? {
                        return Err(BenchError::new("broker closed a subscriber's connection"));
                    }
                }
                _ = check.tick() => continue,
            }
        }
        first = false;
        let now_ns = stats::since(ctl.start);
        let mut count: i64 = 0;
        let mut settled: i64 = 0;
        while let Some(packet) = conn.buffered()? {
            match packet {
                Packet::Publish(p) => {
                    let n = stats.record(&p.payload, now_ns);
                    settled += i64::try_from(n).unwrap_or(i64::MAX);
                    count += 1;
                    match (p.qos, p.packet_id) {
                        (QoS::AtLeastOnce, Some(id)) => {
                            conn.encode(Packet::PubAck(PubResponse::new(id)))?;
                        }
                        (QoS::ExactlyOnce, Some(id)) => {
                            conn.encode(Packet::PubRec(PubResponse::new(id)))?;
                        }
                        _ => {}
                    }
                }
                Packet::PubRel(rel) => {
                    conn.encode(Packet::PubComp(PubResponse::new(rel.packet_id)))?;
                }
                Packet::Disconnect(d) => {
                    return Err(BenchError::new(format!(
                        "broker disconnected a subscriber: {}",
                        d.reason_code.description()
                    )));
                }
                _ => {}
            }
        }
        if count > 0 {
            let before = ctl.outstanding.fetch_sub(settled, Ordering::AcqRel);
            ctl.delivered
                .fetch_add(count.unsigned_abs(), Ordering::Relaxed);
            ctl.last_delivery_ns.fetch_max(now_ns, Ordering::Relaxed);
            if ctl.window.is_some_and(|w| before - settled < w) {
                ctl.room.notify_waiters();
            }
        }
        conn.flush().await?;
    }
    conn.close().await;
    Ok(stats)
}
