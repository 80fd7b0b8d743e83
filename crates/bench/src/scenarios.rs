//! The scenarios: who publishes to whom, how the run is timed, and the
//! report.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use midge_proto::{ByteString, ProtocolVersion, QoS, TopicName};
use tokio::task::JoinSet;

use crate::conn::Conn;
use crate::flow::{self, Control, DRAIN_IDLE, PublisherPlan, PublisherResult};
use crate::report::{self, Latency, Report, TICKS_PER_SEC};
use crate::stats::{SubscriberStats, new_histogram};
use crate::{BenchArgs, BenchError, Scenario};

/// One publisher of a flow scenario.
struct PubSpec {
    topic: String,
}

/// One subscriber of a flow scenario and the publishers it hears.
struct SubSpec {
    filter: String,
    from: Vec<u32>,
}

fn version_name(v: ProtocolVersion) -> &'static str {
    match v {
        ProtocolVersion::V5 => "5",
        ProtocolVersion::V3_1_1 => "3.1.1",
        ProtocolVersion::V3_1 => "3.1",
    }
}

fn scenario_name(s: Scenario) -> &'static str {
    match s {
        Scenario::Fanin => "fanin",
        Scenario::Fanout => "fanout",
        Scenario::Pairs => "pairs",
        Scenario::Pub => "pub",
        Scenario::Sub => "sub",
        Scenario::Conn => "conn",
        Scenario::Retained => "retained",
    }
}

fn topic(text: &str) -> Result<TopicName, BenchError> {
    TopicName::new(ByteString::from(text))
        .map_err(|e| BenchError::new(format!("invalid topic {text:?}: {e}")))
}

fn layout(args: &BenchArgs) -> (Vec<PubSpec>, Vec<SubSpec>) {
    let n = |default: usize| args.clients.unwrap_or(default).max(1);
    let all = |count: usize| (0..count).map(|i| i as u32).collect::<Vec<_>>();
    match args.scenario {
        Scenario::Fanin => {
            let p = n(16);
            (
                (0..p)
                    .map(|i| PubSpec {
                        topic: format!("bench/fanin/{i}"),
                    })
                    .collect(),
                vec![SubSpec {
                    filter: "bench/fanin/+".into(),
                    from: all(p),
                }],
            )
        }
        Scenario::Fanout => (
            vec![PubSpec {
                topic: "bench/fanout".into(),
            }],
            (0..n(64))
                .map(|_| SubSpec {
                    filter: "bench/fanout".into(),
                    from: vec![0],
                })
                .collect(),
        ),
        Scenario::Pairs => {
            let p = n(32);
            (
                (0..p)
                    .map(|i| PubSpec {
                        topic: format!("bench/pairs/{i}"),
                    })
                    .collect(),
                (0..p)
                    .map(|i| SubSpec {
                        filter: format!("bench/pairs/{i}"),
                        from: vec![i as u32],
                    })
                    .collect(),
            )
        }
        Scenario::Pub => (
            (0..n(1))
                .map(|i| PubSpec {
                    topic: args
                        .topic
                        .clone()
                        .unwrap_or_else(|| format!("bench/pub/{i}")),
                })
                .collect(),
            Vec::new(),
        ),
        Scenario::Sub => (
            Vec::new(),
            (0..n(1))
                .map(|_| SubSpec {
                    filter: args.topic.clone().unwrap_or_else(|| "bench/#".into()),
                    from: Vec::new(),
                })
                .collect(),
        ),
        Scenario::Conn | Scenario::Retained => (Vec::new(), Vec::new()),
    }
}

fn client_id(args: &BenchArgs, role: &str, i: usize) -> String {
    format!(
        "{}-{}-{}{}-{}",
        args.id_prefix,
        scenario_name(args.scenario),
        role,
        i,
        std::process::id()
    )
}

/// Runs the scenario in `args`.
pub(crate) async fn run(args: &BenchArgs, progress: bool) -> Result<Report, BenchError> {
    let addr = args.addr().await?;
    match args.scenario {
        Scenario::Conn => connections(args, addr, progress).await,
        Scenario::Retained => retained(args, addr).await,
        _ => flow_run(args, addr, progress).await,
    }
}

struct Cpu {
    start: Instant,
    bench: Option<u64>,
    broker: Option<u64>,
    pid: Option<u32>,
}

impl Cpu {
    fn start(pid: Option<u32>) -> Self {
        Self {
            start: Instant::now(),
            bench: report::cpu_ticks(None),
            broker: pid.and_then(|p| report::cpu_ticks(Some(p))),
            pid,
        }
    }

    fn finish(&self, report: &mut Report) {
        let secs = self.start.elapsed().as_secs_f64().max(1e-9);
        let percent = |from: Option<u64>, to: Option<u64>| match (from, to) {
            (Some(a), Some(b)) => Some((b.saturating_sub(a)) as f64 / TICKS_PER_SEC / secs * 100.0),
            _ => None,
        };
        report.bench_cpu_percent = percent(self.bench, report::cpu_ticks(None)).unwrap_or(0.0);
        if let Some(pid) = self.pid {
            report.broker_cpu_percent = percent(self.broker, report::cpu_ticks(Some(pid)));
            report.broker_rss_kib = report::rss_kib(pid);
        }
    }
}

fn progress_bar(enabled: bool) -> Option<ProgressBar> {
    if !enabled || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    Some(bar)
}

async fn flow_run(
    args: &BenchArgs,
    addr: SocketAddr,
    progress: bool,
) -> Result<Report, BenchError> {
    let (pubs, subs) = layout(args);
    let mut fan = vec![0i64; pubs.len()];
    for s in &subs {
        for &p in &s.from {
            if let Some(f) = fan.get_mut(p as usize) {
                *f += 1;
            }
        }
    }
    // Subscribers first, each subscribed before anything is published.
    let mut sub_conns = Vec::with_capacity(subs.len());
    for (j, s) in subs.iter().enumerate() {
        let (mut conn, _) = Conn::open(addr, args.version, &client_id(args, "s", j)).await?;
        flow::subscribe(&mut conn, &s.filter, args.qos).await?;
        sub_conns.push(conn);
    }
    let mut pub_conns = Vec::with_capacity(pubs.len());
    for (i, _) in pubs.iter().enumerate() {
        let (conn, connack) = Conn::open(addr, args.version, &client_id(args, "p", i)).await?;
        pub_conns.push((conn, connack.properties.receive_maximum));
    }
    let window = if subs.is_empty() { None } else { args.window };
    let ctl = Control::new(window);
    let cpu = Cpu::start(args.broker_pid);
    let per_pub_rate = args
        .rate
        .filter(|r| *r > 0.0)
        .map(|r| r / pubs.len().max(1) as f64);

    let mut sub_tasks = JoinSet::new();
    for (j, conn) in sub_conns.into_iter().enumerate() {
        let ctl = Arc::clone(&ctl);
        sub_tasks.spawn(async move { (j, flow::subscriber(conn, ctl).await) });
    }
    let mut pub_tasks = JoinSet::new();
    for (i, ((conn, receive_max), spec)) in pub_conns.into_iter().zip(&pubs).enumerate() {
        let plan = PublisherPlan {
            index: i as u32,
            topic: topic(&spec.topic)?,
            qos: args.qos,
            retain: false,
            size: args.size,
            rate: per_pub_rate,
            fan: fan.get(i).copied().unwrap_or(0),
            limit: None,
            inflight: args.inflight,
            distinct_topics: false,
        };
        let ctl = Arc::clone(&ctl);
        pub_tasks.spawn(async move { (i, flow::publisher(conn, receive_max, plan, ctl).await) });
    }

    let bar = progress_bar(progress);
    let duration = Duration::from_secs_f64(args.duration);
    let started = Instant::now();
    while started.elapsed() < duration {
        tokio::time::sleep(
            Duration::from_millis(250).min(duration.saturating_sub(started.elapsed())),
        )
        .await;
        if let Some(bar) = &bar {
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            let published = ctl.published.load(Ordering::Relaxed);
            let delivered = ctl.delivered.load(Ordering::Relaxed);
            bar.set_message(format!(
                "published {published} ({:.0}/s), delivered {delivered} ({:.0}/s)",
                published as f64 / secs,
                delivered as f64 / secs
            ));
            bar.tick();
        }
        if pub_tasks.is_empty() && subs.is_empty() {
            break;
        }
    }
    ctl.stop.store(true, Ordering::Release);
    ctl.room.notify_waiters();
    let mut results = vec![PublisherResult::default(); pubs.len()];
    while let Some(joined) = pub_tasks.join_next().await {
        let (i, result) = joined.map_err(|e| BenchError::new(format!("publisher task: {e}")))?;
        if let Some(slot) = results.get_mut(i) {
            *slot = result?;
        }
    }
    let publish_secs = started.elapsed().as_secs_f64();
    // Wait for stragglers: until everything expected arrived, or nothing
    // arrives for a while.
    let mut last = ctl.delivered.load(Ordering::Relaxed);
    let mut quiet_since = Instant::now();
    while !subs.is_empty() && ctl.outstanding.load(Ordering::Acquire) > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = ctl.delivered.load(Ordering::Relaxed);
        if now != last {
            last = now;
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() > DRAIN_IDLE {
            break;
        }
    }
    ctl.done.store(true, Ordering::Release);
    let mut stats: Vec<Option<SubscriberStats>> = (0..subs.len()).map(|_| None).collect();
    while let Some(joined) = sub_tasks.join_next().await {
        let (j, s) = joined.map_err(|e| BenchError::new(format!("subscriber task: {e}")))?;
        if let Some(slot) = stats.get_mut(j) {
            *slot = Some(s?);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    let mut report = Report {
        scenario: scenario_name(args.scenario).into(),
        version: version_name(args.version).into(),
        qos: args.qos.as_u8(),
        publishers: pubs.len(),
        subscribers: subs.len(),
        size: args.size.max(crate::stats::HEADER_LEN),
        duration_s: publish_secs,
        ..Report::default()
    };
    report.published = results.iter().map(|r| r.sent).sum();
    report.acknowledged = results.iter().map(|r| r.acked).sum();
    report.rejected = results.iter().map(|r| r.rejected).sum();
    report.publish_rate = report.published as f64 / publish_secs.max(1e-9);
    let mut latency = new_histogram()?;
    for (spec, s) in subs.iter().zip(&stats) {
        let Some(s) = s else { continue };
        let (dups, reordered) = s.anomalies();
        report.duplicates += dups;
        report.reordered += reordered;
        let _ = latency.add(&s.latency);
        if spec.from.is_empty() {
            report.delivered += s.received - dups;
            continue;
        }
        for &p in &spec.from {
            let r = results.get(p as usize).copied().unwrap_or_default();
            let expected = r.sent.saturating_sub(r.rejected);
            let got = s.unique_from(p);
            report.expected += expected;
            report.delivered += got;
            report.lost += expected.saturating_sub(got);
        }
    }
    let last_ns = ctl.last_delivery_ns.load(Ordering::Relaxed);
    let delivery_secs = if last_ns > 0 {
        last_ns as f64 / 1e9
    } else {
        publish_secs
    };
    report.delivery_rate = report.delivered as f64 / delivery_secs.max(1e-9);
    report.latency = Latency::from_micros(&latency);
    cpu.finish(&mut report);
    Ok(report)
}

async fn connections(
    args: &BenchArgs,
    addr: SocketAddr,
    progress: bool,
) -> Result<Report, BenchError> {
    let n = args.clients.unwrap_or(1000).max(1);
    let rss_before = args.broker_pid.and_then(report::rss_kib);
    let cpu = Cpu::start(args.broker_pid);
    let bar = progress_bar(progress);
    let step = args
        .rate
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(1.0 / r));
    let mut latency = new_histogram()?;
    let mut conns = Vec::with_capacity(n);
    let started = Instant::now();
    let mut pending = JoinSet::new();
    let mut next_at = Instant::now();
    for i in 0..n {
        if let Some(step) = step {
            tokio::time::sleep_until(tokio::time::Instant::from_std(next_at)).await;
            next_at += step;
        }
        let id = client_id(args, "c", i);
        let version = args.version;
        pending.spawn(async move {
            let t = Instant::now();
            Conn::open(addr, version, &id)
                .await
                .map(|(c, _)| (c, t.elapsed()))
        });
        // Keep at most 64 handshakes in progress.
        while pending.len() >= 64 {
            collect(&mut pending, &mut conns, &mut latency).await?;
        }
        if let Some(bar) = &bar {
            bar.set_message(format!("{} connections", conns.len()));
            bar.tick();
        }
    }
    while !pending.is_empty() {
        collect(&mut pending, &mut conns, &mut latency).await?;
    }
    let connect_secs = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs_f64(args.duration)).await;
    let mut report = Report {
        scenario: "conn".into(),
        version: version_name(args.version).into(),
        connections: conns.len(),
        connect_rate: conns.len() as f64 / connect_secs.max(1e-9),
        duration_s: args.duration,
        latency: Latency::from_micros(&latency),
        ..Report::default()
    };
    cpu.finish(&mut report);
    if let (Some(before), Some(after)) = (rss_before, report.broker_rss_kib) {
        report.broker_bytes_per_connection =
            Some(after.saturating_sub(before) as f64 * 1024.0 / conns.len().max(1) as f64);
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut closing = JoinSet::new();
    for c in conns {
        closing.spawn(c.close());
    }
    while closing.join_next().await.is_some() {}
    Ok(report)
}

async fn collect(
    pending: &mut JoinSet<Result<(Conn, Duration), BenchError>>,
    conns: &mut Vec<Conn>,
    latency: &mut hdrhistogram::Histogram<u64>,
) -> Result<(), BenchError> {
    if let Some(joined) = pending.join_next().await {
        let (conn, took) = joined.map_err(|e| BenchError::new(format!("connect task: {e}")))??;
        let _ = latency.record(u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1));
        conns.push(conn);
    }
    Ok(())
}

async fn retained(args: &BenchArgs, addr: SocketAddr) -> Result<Report, BenchError> {
    let count = args.count.max(1) as u64;
    let base = format!("bench/retained/{}", std::process::id());
    let cpu = Cpu::start(args.broker_pid);
    let qos = if args.qos == QoS::AtMostOnce {
        QoS::AtLeastOnce
    } else {
        args.qos
    };
    let (conn, connack) = Conn::open(addr, args.version, &client_id(args, "p", 0)).await?;
    let ctl = Control::new(None);
    let plan = PublisherPlan {
        index: 0,
        topic: topic(&base)?,
        qos,
        retain: true,
        size: args.size,
        rate: args.rate,
        fan: 0,
        limit: Some(count),
        inflight: args.inflight,
        distinct_topics: true,
    };
    let stored = flow::publisher(
        conn,
        connack.properties.receive_maximum,
        plan,
        Arc::clone(&ctl),
    )
    .await?;

    // One subscriber receives them all.
    let (mut conn, _) = Conn::open(addr, args.version, &client_id(args, "s", 0)).await?;
    let ctl = Control::new(None);
    ctl.outstanding
        .store(i64::try_from(count).unwrap_or(i64::MAX), Ordering::Release);
    let started = Instant::now();
    flow::subscribe(&mut conn, &format!("{base}/#"), qos).await?;
    let sub_ctl = Arc::clone(&ctl);
    let task = tokio::spawn(flow::subscriber(conn, sub_ctl));
    let mut last = 0;
    let mut quiet_since = Instant::now();
    while ctl.outstanding.load(Ordering::Acquire) > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let now = ctl.delivered.load(Ordering::Relaxed);
        if now != last {
            last = now;
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() > DRAIN_IDLE {
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    ctl.done.store(true, Ordering::Release);
    let stats = task
        .await
        .map_err(|e| BenchError::new(format!("subscriber task: {e}")))??;

    // Leave the broker as found: clear the retained messages.
    let (mut cleaner, _) = Conn::open(addr, args.version, &client_id(args, "x", 0)).await?;
    for n in 0..count {
        let mut p = midge_proto::Publish::new(topic(&format!("{base}/{n}"))?, bytes::Bytes::new());
        p.retain = true;
        cleaner.encode(midge_proto::Packet::from(p))?;
        if n % 256 == 0 {
            cleaner.flush().await?;
        }
    }
    cleaner.close().await;

    let (dups, _) = stats.anomalies();
    let got = stats.unique_from(0);
    let mut report = Report {
        scenario: "retained".into(),
        version: version_name(args.version).into(),
        qos: qos.as_u8(),
        publishers: 1,
        subscribers: 1,
        size: args.size.max(crate::stats::HEADER_LEN),
        published: stored.sent,
        acknowledged: stored.acked,
        rejected: stored.rejected,
        expected: stored.sent.saturating_sub(stored.rejected),
        delivered: got,
        lost: stored
            .sent
            .saturating_sub(stored.rejected)
            .saturating_sub(got),
        duplicates: dups,
        duration_s: secs,
        delivery_rate: got as f64 / secs.max(1e-9),
        ..Report::default()
    };
    cpu.finish(&mut report);
    Ok(report)
}
