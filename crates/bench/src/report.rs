//! The benchmark summary: human-readable table or JSON, plus CPU time of the
//! benchmark and (optionally) the broker.

use std::fmt;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Maximum.
    pub max_ms: f64,
    /// Samples.
    pub samples: u64,
}

impl Latency {
    pub(crate) fn from_micros(h: &Histogram<u64>) -> Self {
        let ms = |v: u64| v as f64 / 1000.0;
        Self {
            p50_ms: ms(h.value_at_quantile(0.5)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
            samples: h.len(),
        }
    }
}

/// The result of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// MQTT version.
    pub version: String,
    /// QoS.
    pub qos: u8,
    /// Publishers.
    pub publishers: usize,
    /// Subscribers.
    pub subscribers: usize,
    /// Payload size.
    pub size: usize,
    /// Seconds spent publishing.
    pub duration_s: f64,
    /// Messages published.
    pub published: u64,
    /// QoS 1/2 publishes acknowledged.
    pub acknowledged: u64,
    /// Publishes refused by the broker (reason code >= 0x80).
    pub rejected: u64,
    /// Deliveries expected (published x matching subscribers).
    pub expected: u64,
    /// Unique deliveries received.
    pub delivered: u64,
    /// Expected deliveries never received.
    pub lost: u64,
    /// Deliveries received more than once.
    pub duplicates: u64,
    /// Deliveries received after a later message of the same publisher.
    pub reordered: u64,
    /// Publishes per second.
    pub publish_rate: f64,
    /// Unique deliveries per second (from start to the last delivery).
    pub delivery_rate: f64,
    /// End-to-end latency.
    pub latency: Latency,
    /// Connections opened (conn scenario).
    pub connections: usize,
    /// Connections per second (conn scenario).
    pub connect_rate: f64,
    /// CPU time used by the benchmark, as % of one core.
    pub bench_cpu_percent: f64,
    /// CPU time used by the broker (with --broker-pid), as % of one core.
    pub broker_cpu_percent: Option<f64>,
    /// Broker resident memory at the end (with --broker-pid), KiB.
    pub broker_rss_kib: Option<u64>,
    /// Broker memory per connection (conn scenario with --broker-pid), bytes.
    pub broker_bytes_per_connection: Option<f64>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "scenario {} | MQTT {} | QoS {} | {} publishers, {} subscribers | {} B payload | {:.1} s",
            self.scenario,
            self.version,
            self.qos,
            self.publishers,
            self.subscribers,
            self.size,
            self.duration_s
        )?;
        if self.connections > 0 {
            writeln!(
                f,
                "connections  {} opened, {:.0}/s",
                self.connections, self.connect_rate
            )?;
        }
        if self.published > 0 {
            writeln!(
                f,
                "published    {} ({:.0} msg/s), acknowledged {}, rejected {}",
                self.published, self.publish_rate, self.acknowledged, self.rejected
            )?;
        }
        if self.expected > 0 || self.delivered > 0 {
            writeln!(
                f,
                "delivered    {} of {} expected ({:.0} msg/s); lost {}, duplicates {}, reordered {}",
                self.delivered,
                self.expected,
                self.delivery_rate,
                self.lost,
                self.duplicates,
                self.reordered
            )?;
        }
        if self.latency.samples > 0 {
            let l = &self.latency;
            writeln!(
                f,
                "latency ms   p50 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
                l.p50_ms, l.p99_ms, l.p999_ms, l.max_ms
            )?;
        }
        write!(f, "cpu          bench {:.0}%", self.bench_cpu_percent)?;
        if let Some(b) = self.broker_cpu_percent {
            write!(f, ", broker {b:.0}%")?;
        }
        if let Some(rss) = self.broker_rss_kib {
            write!(f, " | broker RSS {rss} KiB")?;
        }
        if let Some(per) = self.broker_bytes_per_connection {
            write!(f, " ({per:.0} B per connection)")?;
        }
        writeln!(f)
    }
}

/// CPU ticks (user + system) of a process, from /proc (Linux).
pub(crate) fn cpu_ticks(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name (which may contain spaces) start at ')'.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks per second of /proc CPU times (USER_HZ, 100 on Linux).
pub(crate) const TICKS_PER_SEC: f64 = 100.0;

/// Resident set size of a process in KiB, from /proc (Linux).
pub(crate) fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}
