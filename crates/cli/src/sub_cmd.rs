//! `midge sub`: subscribe and print messages, like `mosquitto_sub`: `-C`
//! count, `-W` timeout (exit status 27), `-R` / `--retained-only` /
//! `--remove-retained`, `-T` filters, `-U` unsubscribe, `-E` exit after
//! SUBACK. SIGINT and SIGTERM disconnect (MQTT 5: with reason 0x04, so the
//! will is published, as Mosquitto does) and exit 0. The connection is
//! re-established, and the subscriptions made again, if it is lost.

use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, Local};
use clap::{ArgAction, Args};
use midge_client::{Client, ClientError, Event, PendingPublish};
use midge_proto::{
    Disconnect, Publish, QoS, ReasonCode, RetainHandling, SubAck, SubscriptionOptions, TopicFilter,
    UnsubAck,
};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::client_args::{self, Conn, ConnArgs, Failure, Log, Rng, Signals, Tool};
use crate::format::{OutputArgs, Printer};
use crate::rr_cmd::{parse_timeout, until};

/// Options of `midge sub`.
#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub(crate) struct SubArgs {
    /// MQTT topic filter to subscribe to. May be repeated.
    #[arg(short = 't', long = "topic", value_name = "TOPIC", allow_hyphen_values = true, action = ArgAction::Append)]
    topic: Vec<String>,
    /// Topic filter whose messages are not printed. May be repeated.
    #[arg(short = 'T', long = "filter-out", value_name = "FILTER", allow_hyphen_values = true, action = ArgAction::Append)]
    filter_out: Vec<String>,
    /// Unsubscribe from this topic filter (of a persistent session). May be
    /// repeated.
    #[arg(short = 'U', long = "unsubscribe", value_name = "TOPIC", allow_hyphen_values = true, action = ArgAction::Append)]
    unsubscribe: Vec<String>,
    /// Disconnect and exit after receiving this many messages.
    #[arg(short = 'C', value_name = "COUNT", value_parser = parse_count)]
    count: Option<u32>,
    /// Exit once the subscriptions have been acknowledged by the broker.
    #[arg(short = 'E')]
    exit_after_subscribe: bool,
    /// Do not print stale messages (those with retain set).
    #[arg(short = 'R')]
    no_retain: bool,
    /// Only handle retained messages; exit at the first non-retained one.
    #[arg(long = "retained-only")]
    retained_only: bool,
    /// Clear each retained message received (publish an empty retained
    /// message to its topic). Use -T to keep some.
    #[arg(long = "remove-retained")]
    remove_retained: bool,
    /// MQTT 5: messages keep the retain flag they were published with.
    #[arg(long = "retain-as-published")]
    retain_as_published: bool,
    /// Exit with status 27 after this many seconds.
    #[arg(short = 'W', value_name = "SECONDS", value_parser = parse_timeout)]
    timeout: Option<u32>,
    /// Print only this percentage (0.1 to 100) of the messages, at random.
    #[arg(long = "random-filter", value_name = "PERCENT", value_parser = parse_chance)]
    random_filter: Option<f64>,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    conn: ConnArgs,
    /// Print help.
    #[arg(long, action = ArgAction::Help)]
    help: Option<bool>,
    /// Print the version.
    #[arg(long, action = ArgAction::Version)]
    version: Option<bool>,
}

fn parse_count(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("Invalid message count \"{s}\".")),
    }
}

fn parse_chance(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(p) if (0.1..=100.0).contains(&p) => Ok(p),
        _ => Err("--random-filter chance must be between 0.1-100.0".into()),
    }
}

#[derive(Debug)]
struct Plan {
    conn: Conn,
    printer: Printer,
    filters: Vec<(TopicFilter, SubscriptionOptions)>,
    filter_out: Vec<String>,
    unsubscribe: Vec<String>,
    count: Option<u32>,
    exit_after_subscribe: bool,
    no_retain: bool,
    retained_only: bool,
    remove_retained: bool,
    timeout: Option<Duration>,
    random_filter: Option<f64>,
}

impl SubArgs {
    fn plan(&self) -> Result<Plan, String> {
        let mut conn = self.conn.resolve(Tool::Sub)?;
        let printer = self.output.printer()?;
        let mut topics: Vec<String> = conn.url_topic.iter().cloned().collect();
        topics.extend(self.topic.iter().cloned());
        if topics.is_empty() && self.unsubscribe.is_empty() {
            return Err(
                "Error: You must specify a topic to subscribe to (-t) or unsubscribe from (-U)."
                    .into(),
            );
        }
        if self.no_retain && self.retained_only {
            return Err("Error: Combining '-R' and '--retained-only' makes no sense.".into());
        }
        let mut options = SubscriptionOptions::new(conn.qos);
        options.retain_as_published = self.retain_as_published;
        if self.no_retain {
            options.retain_handling = RetainHandling::DoNotSend;
        }
        let filters = topics
            .iter()
            .map(|t| client_args::topic_filter(t, "subscription topic").map(|f| (f, options)))
            .collect::<Result<Vec<_>, _>>()?;
        for f in &self.filter_out {
            client_args::topic_filter(f, "filter topic")?;
        }
        for u in &self.unsubscribe {
            client_args::topic_filter(u, "unsubscribe topic")?;
        }
        // Like Mosquitto: with few messages wanted, a matching Receive
        // Maximum keeps the broker from sending many more.
        if let Some(c) = self.count.filter(|&c| c < 20)
            && conn.options.version.is_v5()
            && conn.options.receive_maximum.is_none()
        {
            conn.options.receive_maximum = u16::try_from(c).ok();
        }
        // Resubscribe after a lost connection, as mosquitto_sub does.
        conn.options.reconnect = true;
        Ok(Plan {
            conn,
            printer,
            filters,
            filter_out: self.filter_out.clone(),
            unsubscribe: self.unsubscribe.clone(),
            count: self.count,
            exit_after_subscribe: self.exit_after_subscribe,
            no_retain: self.no_retain,
            retained_only: self.retained_only,
            remove_retained: self.remove_retained,
            timeout: self.timeout.map(|s| Duration::from_secs(u64::from(s))),
            random_filter: self.random_filter,
        })
    }
}

/// Runs `midge sub`.
pub(crate) fn run(args: SubArgs) -> anyhow::Result<ExitCode> {
    let plan = match args.plan() {
        Ok(plan) => plan,
        Err(message) => return Ok(client_args::usage_error(Tool::Sub, &message)),
    };
    let quiet = plan.conn.quiet;
    let result = client_args::runtime()?.block_on(subscribe(plan));
    Ok(match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(quiet),
    })
}

/// Why the subscriber stops.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// -C reached, --retained-only done, -E, or standard output closed.
    Done,
    /// SIGINT or SIGTERM.
    Signal,
    /// -W expired.
    TimedOut,
}

/// Results of the SUBSCRIBE and UNSUBSCRIBE sent after connecting.
type Acks = (
    Option<Result<SubAck, ClientError>>,
    Option<Result<UnsubAck, ClientError>>,
);

struct Subscriber {
    plan: Plan,
    client: Client,
    log: Log,
    /// Empty retained messages published by --remove-retained.
    removals: Vec<(u16, PendingPublish)>,
    received: u32,
    rng: Rng,
    /// False between a lost connection and the reconnection.
    connected: bool,
}

/// Longest wait for the last acknowledgements and the DISCONNECT when
/// stopping.
const CLOSING: Duration = Duration::from_secs(10);

async fn subscribe(plan: Plan) -> Result<(), Failure> {
    let deadline = plan.timeout.map(|t| Instant::now() + t);
    let mut signals = Signals::new()?;
    let mut log = Log::new(&plan.conn);
    let connected = tokio::select! {
        c = client_args::connect(&plan.conn, &mut log) => c?,
        () = until(deadline) => return Err(Failure::TimedOut),
        () = signals.recv() => return Ok(()),
    };
    let (client, mut events) = connected;
    let mut sub = Subscriber {
        plan,
        client,
        log,
        removals: Vec::new(),
        received: 0,
        rng: Rng::new(),
        connected: true,
    };
    let mut acks: Option<JoinHandle<Acks>> = Some(sub.send_subscriptions());

    let stop = loop {
        tokio::select! {
            joined = join(&mut acks) => {
                acks = None;
                if let Ok(result) = joined
                    && sub.on_acks(result)
                {
                    break Stop::Done;
                }
            }
            event = events.recv() => match event {
                Some(Event::Message(msg)) => {
                    if sub.on_message(&msg).await? {
                        break Stop::Done;
                    }
                }
                Some(Event::Disconnected { reason }) => {
                    sub.connected = false;
                    if let Some(code) = reason {
                        sub.log.packet(format_args!("received DISCONNECT ({})", code.as_u8()));
                    }
                }
                Some(Event::Reconnected { .. }) => {
                    sub.connected = true;
                    sub.log.packet("sending CONNECT");
                    sub.log.packet("received CONNACK (0)");
                    if let Some(old) = acks.take() {
                        old.abort();
                    }
                    acks = Some(sub.send_subscriptions());
                }
                None => return Err(Failure::Error("connection lost".into())),
            },
            () = until(deadline) => break Stop::TimedOut,
            () = signals.recv() => break Stop::Signal,
        }
    };
    if let Some(handle) = acks {
        handle.abort();
    }
    sub.finish(stop).await
}

impl Subscriber {
    /// Sends the SUBSCRIBE (all `-t` in one packet) and the UNSUBSCRIBE
    /// (all `-U`), in that order, from a task so that messages keep flowing
    /// while the acknowledgements are awaited.
    fn send_subscriptions(&mut self) -> JoinHandle<Acks> {
        let filters = self.plan.filters.clone();
        if !filters.is_empty() {
            let mid = self.log.next_mid();
            for (f, o) in &filters {
                self.log.packet(format_args!(
                    "sending SUBSCRIBE (Mid: {mid}, Topic: {}, QoS: {}, Options: 0x{:02x})",
                    f.as_str(),
                    o.qos.as_u8(),
                    options_byte(o)
                ));
            }
        }
        let unsubscribe = self.plan.unsubscribe.clone();
        if !unsubscribe.is_empty() {
            let mid = self.log.next_mid();
            for t in &unsubscribe {
                self.log
                    .packet(format_args!("sending UNSUBSCRIBE (Mid: {mid}, Topic: {t})"));
            }
        }
        let properties = self.plan.conn.props.subscribe.clone();
        let client = self.client.clone();
        tokio::spawn(async move {
            let sub = async {
                if filters.is_empty() {
                    None
                } else {
                    Some(client.subscribe_many(filters, properties).await)
                }
            };
            let unsub = async {
                if unsubscribe.is_empty() {
                    None
                } else {
                    let list: Vec<&str> = unsubscribe.iter().map(String::as_str).collect();
                    Some(client.unsubscribe(&list).await)
                }
            };
            // Polled in order: the SUBSCRIBE is queued before the UNSUBSCRIBE.
            tokio::join!(sub, unsub)
        })
    }

    /// Reports the SUBACK / UNSUBACK; true when `-E` says to stop.
    fn on_acks(&mut self, (suback, unsuback): Acks) -> bool {
        let mut lost = false;
        match suback {
            Some(Ok(ack)) => {
                self.log.packet("received SUBACK");
                let codes: Vec<String> = ack
                    .reason_codes
                    .iter()
                    .map(|c| c.as_u8().to_string())
                    .collect();
                self.log.debug_line(format_args!(
                    "Subscribed (mid: {}): {}",
                    ack.packet_id,
                    codes.join(", ")
                ));
                if ack.reason_codes.iter().all(|c| c.is_error()) {
                    self.log.error("All subscription requests were denied.");
                }
            }
            Some(Err(_)) => lost = true,
            None => {}
        }
        match unsuback {
            Some(Ok(_)) => self.log.packet("received UNSUBACK"),
            Some(Err(_)) => lost = true,
            None => {}
        }
        // A lost connection is re-established and the requests sent again.
        !lost && self.plan.exit_after_subscribe
    }

    /// Handles one message; true when the subscriber should stop.
    async fn on_message(&mut self, msg: &Publish) -> Result<bool, Failure> {
        self.log.packet(format_args!(
            "received PUBLISH (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))",
            u8::from(msg.dup),
            msg.qos.as_u8(),
            u8::from(msg.retain),
            msg.packet_id.map_or(0, |p| p.get()),
            msg.topic.as_str(),
            msg.payload.len()
        ));
        let mid = msg.packet_id.map_or(0, |p| p.get());
        match msg.qos {
            QoS::AtMostOnce => {}
            QoS::AtLeastOnce => self
                .log
                .packet(format_args!("sending PUBACK (m{mid}, rc0)")),
            QoS::ExactlyOnce => self
                .log
                .packet(format_args!("sending PUBREC (m{mid}, rc0)")),
        }
        let plan = &self.plan;
        if plan.retained_only && !msg.retain {
            return Ok(true);
        }
        if msg.retain && plan.no_retain {
            return Ok(false);
        }
        let topic = msg.topic.as_str();
        if plan
            .filter_out
            .iter()
            .any(|f| midge_proto::topic::matches(f, topic))
        {
            return Ok(false);
        }
        if plan.remove_retained && msg.retain {
            self.remove_retained(msg).await?;
        }
        if self.print(msg)? {
            return Ok(true);
        }
        if let Some(count) = self.plan.count {
            self.received += 1;
            if self.received >= count {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Publishes an empty retained message to `msg`'s topic (QoS 1).
    async fn remove_retained(&mut self, msg: &Publish) -> Result<(), Failure> {
        let mut clear = Publish::new(msg.topic.clone(), bytes::Bytes::new());
        clear.qos = QoS::AtLeastOnce;
        clear.retain = true;
        let mid = self.log.next_mid();
        self.log
            .sending_publish(mid, clear.qos, true, clear.topic.as_str(), 0);
        let pending = self
            .client
            .start_publish(clear)
            .await
            .map_err(|e| Failure::Error(client_args::describe(&e)))?;
        self.removals.push((mid, pending));
        Ok(())
    }

    /// Prints `msg`; true when standard output is gone.
    fn print(&mut self, msg: &Publish) -> Result<bool, Failure> {
        if let Some(percent) = self.plan.random_filter {
            let roll = (self.rng.next() % 1_000_000) as f64 / 10_000.0;
            if roll >= percent {
                return Ok(false);
            }
        }
        let now: DateTime<Local> = Local::now();
        let rendered = self.plan.printer.render(msg, &now);
        if let Some(e) = &rendered.error {
            self.log.error(e);
        }
        match client_args::write_stdout(&rendered.out) {
            Ok(()) => Ok(false),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(true),
            Err(e) => Err(Failure::Error(format!(
                "cannot write to standard output: {}",
                client_args::io_text(&e)
            ))),
        }
    }

    /// Completes the --remove-retained publishes, disconnects, and gives the
    /// result for `stop`.
    async fn finish(mut self, stop: Stop) -> Result<(), Failure> {
        let result = match stop {
            Stop::Done | Stop::Signal => Ok(()),
            Stop::TimedOut => Err(Failure::TimedOut),
        };
        // While the client is reconnecting it takes no requests: there is
        // nothing to complete or disconnect.
        if !self.connected {
            return result;
        }
        let _ = tokio::time::timeout(CLOSING, self.close(stop)).await;
        result
    }

    /// Completes the --remove-retained publishes and disconnects.
    async fn close(&mut self, stop: Stop) {
        for (mid, pending) in std::mem::take(&mut self.removals) {
            match pending.await {
                Ok(o) => self.log.packet(format_args!(
                    "received PUBACK (Mid: {mid}, RC:{})",
                    o.reason_code.as_u8()
                )),
                Err(ClientError::Rejected(code)) => self.log.error(format_args!(
                    "Warning: Publish {mid} failed: {}.",
                    code.description()
                )),
                Err(_) => {}
            }
        }
        // Interrupted or timed out: like Mosquitto, an MQTT 5 client asks the
        // broker to publish its will (0x04).
        let reason = match stop {
            Stop::Done => ReasonCode::Success,
            Stop::Signal | Stop::TimedOut => ReasonCode::DisconnectWithWillMessage,
        };
        self.log.packet("sending DISCONNECT");
        let mut disconnect = Disconnect::new(reason);
        disconnect.properties = self.plan.conn.props.disconnect.clone();
        let _ = self.client.disconnect_with(disconnect).await;
    }
}

/// The acknowledgements, once the task sending the requests ends (never, if
/// there is none).
async fn join(task: &mut Option<JoinHandle<Acks>>) -> Result<Acks, tokio::task::JoinError> {
    match task {
        Some(handle) => handle.await,
        None => std::future::pending().await,
    }
}

/// The subscription options byte as Mosquitto's `-d` shows it (without the
/// QoS bits).
fn options_byte(o: &SubscriptionOptions) -> u8 {
    u8::from(o.no_local) << 2
        | u8::from(o.retain_as_published) << 3
        | (o.retain_handling as u8) << 4
}
