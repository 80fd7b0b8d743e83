//! `midge-bench`: the load generator behind `midge bench`, for any MQTT broker.
//!
//! # Layout
//! - [`BenchArgs`] and [`Scenario`]: the command line.
//! - `conn`: a lean raw MQTT connection (codec + batched writes).
//! - `stats`: payload headers, exact loss / duplicate / reorder accounting,
//!   HDR latency histograms.
//! - `flow`: publisher and subscriber tasks (rate, closed-loop window, QoS
//!   1/2 flows with `midge_proto::session`).
//! - `scenarios`: fan-in, fan-out, pairs, pub, sub, conn, retained.
//! - `report`: the summary (human table or JSON) and CPU accounting.

mod conn;
mod flow;
mod report;
mod scenarios;
mod stats;

use std::fmt;
use std::net::SocketAddr;

use clap::{Args, ValueEnum};
use midge_proto::{ProtocolVersion, QoS};

pub use report::Report;

/// A benchmark failure.
#[derive(Debug)]
pub struct BenchError(String);

impl BenchError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BenchError {}

/// What to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// `--clients` publishers to one subscriber (topics `bench/fanin/<i>`,
    /// subscription `bench/fanin/+`).
    Fanin,
    /// One publisher to `--clients` subscribers on `bench/fanout`.
    Fanout,
    /// `--clients` publisher/subscriber pairs, each on its own topic.
    Pairs,
    /// Publishers only (to `--topic`, default `bench/pub/<i>`).
    Pub,
    /// Subscribers only (to `--topic`, default `bench/#`), counting whatever
    /// arrives.
    Sub,
    /// Opens `--clients` connections (at `--rate` per second), holds them for
    /// `--duration`, reports connect latency and the broker's memory per
    /// connection (with `--broker-pid`).
    Conn,
    /// Publishes `--count` retained messages, then times one subscriber
    /// receiving them all.
    Retained,
}

/// Options of `midge bench`.
#[derive(Debug, Clone, Args)]
#[command(disable_version_flag = true)]
pub struct BenchArgs {
    /// Scenario to run.
    #[arg(value_enum)]
    pub scenario: Scenario,
    /// Broker host (IP address or name).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Broker port.
    #[arg(short, long, default_value_t = 1883)]
    pub port: u16,
    /// MQTT version: 5, 311 or 31 (mqttv5, mqttv311, mqttv31 also accepted).
    #[arg(short = 'V', long = "protocol", default_value = "311", value_parser = parse_version)]
    pub version: ProtocolVersion,
    /// Number of clients: publishers (fanin, pub), subscribers (fanout, sub),
    /// pairs (pairs) or connections (conn).
    #[arg(short, long)]
    pub clients: Option<usize>,
    /// QoS of publishes and subscriptions.
    #[arg(short, long, default_value = "0", value_parser = parse_qos)]
    pub qos: QoS,
    /// Payload size in bytes (at least 20: sequence header).
    #[arg(short, long, default_value_t = 64)]
    pub size: usize,
    /// Total publish rate in messages per second over all publishers
    /// (connections per second for `conn`); 0 or absent: as fast as allowed.
    #[arg(short, long)]
    pub rate: Option<f64>,
    /// How long to publish (or hold connections), in seconds.
    #[arg(short, long, default_value_t = 10.0)]
    pub duration: f64,
    /// Closed loop: at most this many messages published but not yet
    /// delivered to every subscriber, over all clients.
    #[arg(short, long)]
    pub window: Option<u64>,
    /// Most QoS 1/2 publishes in flight per publisher (also capped by the
    /// broker's Receive Maximum).
    #[arg(long, default_value_t = 100)]
    pub inflight: u16,
    /// Topic (pub) or filter (sub) to use instead of the scenario's default.
    #[arg(short, long)]
    pub topic: Option<String>,
    /// Retained messages to publish (retained scenario).
    #[arg(long, default_value_t = 10_000)]
    pub count: usize,
    /// PID of the broker process, to report its CPU time and memory.
    #[arg(long)]
    pub broker_pid: Option<u32>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Prefix of client identifiers.
    #[arg(long, default_value = "midge-bench")]
    pub id_prefix: String,
}

fn parse_version(s: &str) -> Result<ProtocolVersion, String> {
    match s {
        "5" | "mqttv5" => Ok(ProtocolVersion::V5),
        "311" | "mqttv311" => Ok(ProtocolVersion::V3_1_1),
        "31" | "mqttv31" => Ok(ProtocolVersion::V3_1),
        other => Err(format!(
            "unknown protocol version {other:?} (use 5, 311 or 31)"
        )),
    }
}

fn parse_qos(s: &str) -> Result<QoS, String> {
    s.parse::<u8>()
        .ok()
        .and_then(QoS::from_u8)
        .ok_or_else(|| format!("QoS must be 0, 1 or 2, not {s:?}"))
}

impl BenchArgs {
    pub(crate) async fn addr(&self) -> Result<SocketAddr, BenchError> {
        let target = format!("{}:{}", self.host, self.port);
        tokio::net::lookup_host(&target)
            .await
            .map_err(|e| BenchError::new(format!("cannot resolve {target}: {e}")))?
            .next()
            .ok_or_else(|| BenchError::new(format!("{target} resolves to no address")))
    }
}

/// Runs the benchmark described by `args` on the current tokio runtime and
/// returns its report. `progress` shows a live progress bar (on a terminal).
pub async fn run(args: &BenchArgs, progress: bool) -> Result<Report, BenchError> {
    if args.duration <= 0.0 || !args.duration.is_finite() {
        return Err(BenchError::new(
            "--duration must be a positive number of seconds",
        ));
    }
    scenarios::run(args, progress).await
}
