//! `midge pub`: publish one message (`-m`, `-f`, `-n`, `-s`, optionally
//! `--repeat`ed) or each line of standard input (`-l`), like
//! `mosquitto_pub`. Every publish's QoS flow completes before the client
//! disconnects; unlike `mosquitto_pub -l`, no line is ever dropped, however
//! fast standard input comes.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use clap::{ArgAction, Args};
use midge_client::{Client, ClientError, PendingPublish, PublishOutcome};
use midge_proto::{Disconnect, Publish, QoS, ReasonCode, TopicName};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::client_args::{self, Conn, ConnArgs, Failure, Log, Tool};

/// Options of `midge pub`.
#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub(crate) struct PubArgs {
    /// MQTT topic to publish to.
    #[arg(short = 't', long = "topic", value_name = "TOPIC", allow_hyphen_values = true, action = ArgAction::Append)]
    topic: Vec<String>,
    /// Message payload to send.
    #[arg(short = 'm', long = "message", value_name = "MESSAGE", allow_hyphen_values = true, action = ArgAction::Append)]
    message: Vec<String>,
    /// Send the contents of a file as the message.
    #[arg(short = 'f', long = "file", value_name = "FILE", action = ArgAction::Append)]
    file: Vec<PathBuf>,
    /// Read messages from stdin, sending a separate message for each line.
    #[arg(short = 'l', long = "stdin-line", action = ArgAction::Count)]
    stdin_line: u8,
    /// Send a null (zero length) message.
    #[arg(short = 'n', long = "null-message", action = ArgAction::Count)]
    null_message: u8,
    /// Read stdin to its end and send it as one message.
    #[arg(short = 's', long = "stdin-file", action = ArgAction::Count)]
    stdin_file: u8,
    /// Retain the message.
    #[arg(short = 'r', long = "retain")]
    retain: bool,
    /// With -m, -f, -n or -s: publish the message N times.
    #[arg(long, value_name = "N", value_parser = parse_repeat)]
    repeat: Option<u32>,
    /// With --repeat: seconds to wait between publishes (default 0).
    #[arg(long = "repeat-delay", value_name = "SECONDS", value_parser = parse_delay)]
    repeat_delay: Option<Duration>,
    /// Most QoS 1/2 messages in flight at once (default 20).
    #[arg(short = 'M', value_name = "MAX_INFLIGHT", value_parser = parse_inflight)]
    max_inflight: Option<usize>,
    #[command(flatten)]
    conn: ConnArgs,
    /// Print help.
    #[arg(long, action = ArgAction::Help)]
    help: Option<bool>,
    /// Print the version.
    #[arg(long, action = ArgAction::Version)]
    version: Option<bool>,
}

fn parse_repeat(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("--repeat argument must be >0.".into()),
    }
}

fn parse_delay(s: &str) -> Result<Duration, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .and_then(|f| Duration::try_from_secs_f64(f).ok())
        .ok_or_else(|| "--repeat-delay argument must be >=0.0.".into())
}

fn parse_inflight(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("Maximum inflight messages must be greater than 0.".into()),
    }
}

/// What to publish.
#[derive(Debug)]
enum Mode {
    /// One payload (`-m`, `-f`, `-n`, `-s`).
    Message(Bytes),
    /// Each line of standard input (`-l`).
    Lines,
}

/// The checked command line.
#[derive(Debug)]
struct Plan {
    conn: Conn,
    topic: TopicName,
    mode: Mode,
    retain: bool,
    repeat: u32,
    delay: Duration,
    max_inflight: usize,
}

impl PubArgs {
    /// Checks the arguments; errors are whole usage messages.
    fn plan(&self) -> Result<Plan, String> {
        let conn = self.conn.resolve(Tool::Pub)?;
        let modes = self.message.len()
            + self.file.len()
            + usize::from(self.stdin_line)
            + usize::from(self.null_message)
            + usize::from(self.stdin_file);
        if modes > 1 {
            return Err("Error: Only one type of message can be sent at once.".into());
        }
        let topic = self
            .topic
            .last()
            .cloned()
            .or_else(|| conn.url_topic.clone());
        let Some(topic) = topic.filter(|_| modes == 1) else {
            return Err("Error: Both topic and message must be supplied.".into());
        };
        let topic = client_args::publish_topic(&topic, "publish topic")?;
        let mode = if let Some(m) = self.message.first() {
            Mode::Message(Bytes::from(m.clone()))
        } else if let Some(path) = self.file.first() {
            let data = std::fs::read(path).map_err(|e| {
                format!(
                    "Error: Unable to read file \"{}\": {}.",
                    path.display(),
                    client_args::io_text(&e)
                )
            })?;
            Mode::Message(Bytes::from(data))
        } else if self.null_message > 0 {
            Mode::Message(Bytes::new())
        } else if self.stdin_file > 0 {
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut data).map_err(|e| {
                format!(
                    "Error: Unable to read standard input: {}.",
                    client_args::io_text(&e)
                )
            })?;
            Mode::Message(Bytes::from(data))
        } else {
            Mode::Lines
        };
        Ok(Plan {
            conn,
            topic,
            mode,
            retain: self.retain,
            repeat: self.repeat.unwrap_or(1),
            delay: self.repeat_delay.unwrap_or_default(),
            max_inflight: self.max_inflight.unwrap_or(20),
        })
    }
}

/// Runs `midge pub`.
pub(crate) fn run(args: PubArgs) -> anyhow::Result<ExitCode> {
    let plan = match args.plan() {
        Ok(plan) => plan,
        Err(message) => return Ok(client_args::usage_error(Tool::Pub, &message)),
    };
    let quiet = plan.conn.quiet;
    let result = client_args::runtime()?.block_on(publish(plan));
    Ok(match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(quiet),
    })
}

async fn publish(plan: Plan) -> Result<(), Failure> {
    let mut log = Log::new(&plan.conn);
    let (client, _events) = client_args::connect(&plan.conn, &mut log).await?;
    let mut window = Window {
        max: plan.max_inflight,
        queue: VecDeque::new(),
        sent: 0,
        rejected: 0,
    };
    let message = |payload: Bytes| {
        let mut p = Publish::new(plan.topic.clone(), payload);
        p.qos = plan.conn.qos;
        p.retain = plan.retain;
        p.properties = plan.conn.props.publish.clone();
        p
    };
    match &plan.mode {
        Mode::Message(payload) => {
            for i in 0..plan.repeat {
                if i > 0 && !plan.delay.is_zero() {
                    window.drain(&log).await?;
                    tokio::time::sleep(plan.delay).await;
                }
                window
                    .publish(&client, &mut log, message(payload.clone()))
                    .await?;
            }
        }
        Mode::Lines => {
            let mut stdin = BufReader::new(tokio::io::stdin());
            let mut line = Vec::new();
            loop {
                // Report completions while waiting for the next line.
                let next = tokio::select! {
                    read = stdin.read_until(b'\n', &mut line) => Next::Read(read),
                    done = window.next_done() => Next::Done(done),
                };
                let read = match next {
                    Next::Read(read) => read,
                    Next::Done(done) => {
                        window.finish(&log, done)?;
                        continue;
                    }
                };
                read.map_err(|e| {
                    Failure::Error(format!(
                        "cannot read standard input: {}",
                        client_args::io_text(&e)
                    ))
                })?;
                // A read interrupted by a completion left its bytes in `line`
                // (and the call that finishes the line may count none): what
                // matters is what `line` holds. Empty: end of input.
                if line.is_empty() {
                    break;
                }
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                let payload = Bytes::from(std::mem::take(&mut line));
                window.publish(&client, &mut log, message(payload)).await?;
            }
        }
    }
    window.drain(&log).await?;
    log.packet("sending DISCONNECT");
    let mut disconnect = Disconnect::new(ReasonCode::Success);
    disconnect.properties = plan.conn.props.disconnect.clone();
    client
        .disconnect_with(disconnect)
        .await
        .map_err(|e| Failure::Error(client_args::describe(&e)))?;
    if window.rejected > 0 {
        return Err(Failure::Error(format!(
            "{} of {} messages were rejected by the broker.",
            window.rejected, window.sent
        )));
    }
    Ok(())
}

/// What happened first while reading standard input.
enum Next {
    Read(std::io::Result<usize>),
    Done(Done),
}

/// A completed publish: its message id, QoS and outcome.
type Done = (u16, QoS, Result<PublishOutcome, ClientError>);

/// A publish whose QoS flow is under way.
#[derive(Debug)]
struct InFlight {
    mid: u16,
    qos: QoS,
    pending: PendingPublish,
}

/// The publishes in flight, oldest first, at most `max` of them.
#[derive(Debug)]
struct Window {
    max: usize,
    queue: VecDeque<InFlight>,
    sent: u64,
    rejected: u64,
}

impl Window {
    /// Starts `publish`, first waiting for the oldest to complete if the
    /// window is full.
    async fn publish(
        &mut self,
        client: &Client,
        log: &mut Log,
        publish: Publish,
    ) -> Result<(), Failure> {
        while self.queue.len() >= self.max {
            let done = self.next_done().await;
            self.finish(log, done)?;
        }
        let mid = log.next_mid();
        log.sending_publish(
            mid,
            publish.qos,
            publish.retain,
            publish.topic.as_str(),
            publish.payload.len(),
        );
        let qos = publish.qos;
        let pending = client
            .start_publish(publish)
            .await
            .map_err(|e| Failure::Error(client_args::describe(&e)))?;
        self.sent += 1;
        self.queue.push_back(InFlight { mid, qos, pending });
        Ok(())
    }

    /// The oldest publish, once it completes (never, if there is none).
    async fn next_done(&mut self) -> Done {
        let Some(front) = self.queue.front_mut() else {
            return std::future::pending().await;
        };
        let result = (&mut front.pending).await;
        let (mid, qos) = (front.mid, front.qos);
        self.queue.pop_front();
        (mid, qos, result)
    }

    /// Reports a completed publish.
    fn finish(&mut self, log: &Log, (mid, qos, result): Done) -> Result<(), Failure> {
        let code = match result {
            Ok(outcome) => outcome.reason_code,
            Err(ClientError::Rejected(code)) => code,
            Err(e) => return Err(Failure::Error(client_args::describe(&e))),
        };
        match qos {
            QoS::AtMostOnce => {}
            QoS::AtLeastOnce => {
                log.packet(format_args!(
                    "received PUBACK (Mid: {mid}, RC:{})",
                    code.as_u8()
                ));
            }
            QoS::ExactlyOnce => {
                log.packet(format_args!("received PUBREC (Mid: {mid})"));
                if !code.is_error() {
                    log.packet(format_args!("sending PUBREL (m{mid})"));
                }
            }
        }
        if code.is_error() {
            self.rejected += 1;
            log.error(format_args!(
                "Warning: Publish {mid} failed: {}.",
                code.description()
            ));
        }
        Ok(())
    }

    /// Waits for every publish in flight.
    async fn drain(&mut self, log: &Log) -> Result<(), Failure> {
        while !self.queue.is_empty() {
            let done = self.next_done().await;
            self.finish(log, done)?;
        }
        Ok(())
    }
}
