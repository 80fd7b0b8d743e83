//! `midge rr`: MQTT 5 request/response, like `mosquitto_rr`: subscribe to the
//! response topic (`-e`), publish the request to `-t` with that Response
//! Topic, print the first response (as `midge sub` prints messages) and
//! disconnect. `-W` bounds the wait (exit status 27).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use chrono::Local;
use clap::{ArgAction, Args};
use midge_client::Event;
use midge_proto::{
    Disconnect, Publish, ReasonCode, RetainHandling, SubscriptionOptions, TopicName,
};
use tokio::time::Instant;

use crate::client_args::{self, Conn, ConnArgs, Failure, Log, Signals, Tool};
use crate::format::{OutputArgs, Printer};

/// Options of `midge rr`.
#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub(crate) struct RrArgs {
    /// Topic the request is published to.
    #[arg(short = 't', long = "topic", value_name = "TOPIC", allow_hyphen_values = true, action = ArgAction::Append)]
    topic: Vec<String>,
    /// Response topic: subscribed to, and sent as the request's Response Topic.
    #[arg(short = 'e', value_name = "RESPONSE_TOPIC", allow_hyphen_values = true)]
    response_topic: Option<String>,
    /// Request payload.
    #[arg(short = 'm', long = "message", value_name = "MESSAGE", allow_hyphen_values = true, action = ArgAction::Append)]
    message: Vec<String>,
    /// Send the contents of a file as the request.
    #[arg(short = 'f', long = "file", value_name = "FILE", action = ArgAction::Append)]
    file: Vec<PathBuf>,
    /// Send a null (zero length) request.
    #[arg(short = 'n', long = "null-message", action = ArgAction::Count)]
    null_message: u8,
    /// Read stdin to its end and send it as the request.
    #[arg(short = 's', long = "stdin-file", action = ArgAction::Count)]
    stdin_file: u8,
    /// Ignore retained messages on the response topic.
    #[arg(short = 'R')]
    no_retain: bool,
    /// Seconds to wait for the response; then exit with status 27.
    #[arg(short = 'W', value_name = "SECONDS", value_parser = parse_timeout)]
    timeout: Option<u32>,
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

/// `-W`: at least one second (Mosquitto's rule).
pub(crate) fn parse_timeout(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("Invalid timeout \"{s}\".")),
    }
}

#[derive(Debug)]
struct Plan {
    conn: Conn,
    printer: Printer,
    topic: TopicName,
    response_topic: TopicName,
    payload: Bytes,
    no_retain: bool,
    timeout: Option<Duration>,
}

impl RrArgs {
    fn plan(&self) -> Result<Plan, String> {
        let conn = self.conn.resolve(Tool::Rr)?;
        if !conn.options.version.is_v5() {
            return Err(
                "Error: midge rr needs MQTT v5 (the request carries a Response Topic); use -V 5."
                    .into(),
            );
        }
        let printer = self.output.printer()?;
        let modes = self.message.len()
            + self.file.len()
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
        let (Some(topic), Some(response_topic), 1) = (topic, self.response_topic.as_ref(), modes)
        else {
            return Err(
                "Error: All of topic, message, and response topic must be supplied.".into(),
            );
        };
        let topic = client_args::publish_topic(&topic, "publish topic")?;
        let response_topic = client_args::publish_topic(response_topic, "response topic")?;
        let payload = if let Some(m) = self.message.first() {
            Bytes::from(m.clone())
        } else if let Some(path) = self.file.first() {
            Bytes::from(std::fs::read(path).map_err(|e| {
                format!(
                    "Error: Unable to read file \"{}\": {}.",
                    path.display(),
                    client_args::io_text(&e)
                )
            })?)
        } else if self.stdin_file > 0 {
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut data).map_err(|e| {
                format!(
                    "Error: Unable to read standard input: {}.",
                    client_args::io_text(&e)
                )
            })?;
            Bytes::from(data)
        } else {
            Bytes::new()
        };
        Ok(Plan {
            conn,
            printer,
            topic,
            response_topic,
            payload,
            no_retain: self.no_retain,
            timeout: self.timeout.map(|s| Duration::from_secs(u64::from(s))),
        })
    }
}

/// Runs `midge rr`.
pub(crate) fn run(args: RrArgs) -> anyhow::Result<ExitCode> {
    let plan = match args.plan() {
        Ok(plan) => plan,
        Err(message) => return Ok(client_args::usage_error(Tool::Rr, &message)),
    };
    let quiet = plan.conn.quiet;
    let result = client_args::runtime()?.block_on(request(plan));
    Ok(match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(quiet),
    })
}

/// Sleeps until `deadline`, or forever.
pub(crate) async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// How waiting for the response ended.
enum End {
    Response,
    Signal,
    TimedOut,
}

async fn request(plan: Plan) -> Result<(), Failure> {
    let deadline = plan.timeout.map(|t| Instant::now() + t);
    let mut signals = Signals::new()?;
    let mut log = Log::new(&plan.conn);
    let connected = tokio::select! {
        c = client_args::connect(&plan.conn, &mut log) => c?,
        () = until(deadline) => return Err(Failure::TimedOut),
        () = signals.recv() => return Ok(()),
    };
    let (client, mut events) = connected;

    // Subscribe to the response topic.
    let mut options = SubscriptionOptions::new(plan.conn.qos);
    if plan.no_retain {
        options.retain_handling = RetainHandling::DoNotSend;
    }
    let filter = client_args::topic_filter(plan.response_topic.as_str(), "response topic")
        .map_err(Failure::Error)?;
    let mid = log.next_mid();
    log.packet(format_args!(
        "sending SUBSCRIBE (Mid: {mid}, Topic: {}, QoS: {}, Options: 0x{:02x})",
        plan.response_topic.as_str(),
        plan.conn.qos.as_u8(),
        (options.retain_handling as u8) << 4
    ));
    let subscribe =
        client.subscribe_many(vec![(filter, options)], plan.conn.props.subscribe.clone());
    let suback = tokio::select! {
        s = subscribe => s.map_err(|e| Failure::Error(client_args::describe(&e)))?,
        () = until(deadline) => return Err(Failure::TimedOut),
        () = signals.recv() => return Ok(()),
    };
    log.packet("received SUBACK");
    if let Some(code) = suback.reason_codes.iter().find(|c| c.is_error()) {
        return Err(Failure::Error(format!(
            "the broker refused the subscription to the response topic: {}",
            code.description()
        )));
    }

    // Publish the request.
    let mut request = Publish::new(plan.topic.clone(), plan.payload.clone());
    request.qos = plan.conn.qos;
    request.properties = plan.conn.props.publish.clone();
    request.properties.response_topic = Some(plan.response_topic.clone());
    let mid = log.next_mid();
    log.sending_publish(
        mid,
        request.qos,
        false,
        request.topic.as_str(),
        request.payload.len(),
    );
    let pending = client
        .start_publish(request)
        .await
        .map_err(|e| Failure::Error(client_args::describe(&e)))?;

    // Wait for the response.
    let end = loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(Event::Message(msg)) => {
                    log.packet(format_args!(
                        "received PUBLISH (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))",
                        u8::from(msg.dup),
                        msg.qos.as_u8(),
                        u8::from(msg.retain),
                        msg.packet_id.map_or(0, |p| p.get()),
                        msg.topic.as_str(),
                        msg.payload.len()
                    ));
                    if msg.retain && plan.no_retain {
                        continue;
                    }
                    let rendered = plan.printer.render(&msg, &Local::now());
                    if let Some(e) = &rendered.error {
                        log.error(e);
                    }
                    if let Err(e) = client_args::write_stdout(&rendered.out)
                        && e.kind() != std::io::ErrorKind::BrokenPipe
                    {
                        return Err(Failure::Error(format!(
                            "cannot write to standard output: {}",
                            client_args::io_text(&e)
                        )));
                    }
                    break End::Response;
                }
                Some(Event::Disconnected { reason }) => {
                    return Err(Failure::Error(match reason {
                        Some(code) => format!("disconnected by the broker: {}", code.description()),
                        None => "connection lost".into(),
                    }));
                }
                Some(Event::Reconnected { .. }) => {}
                None => return Err(Failure::Error("connection lost".into())),
            },
            () = until(deadline) => break End::TimedOut,
            () = signals.recv() => break End::Signal,
        }
    };

    // The request's QoS flow completes before the DISCONNECT.
    if matches!(end, End::Response) {
        match pending.await {
            Ok(o) if o.reason_code.is_error() => log.error(format_args!(
                "Warning: Publish {mid} failed: {}.",
                o.reason_code.description()
            )),
            Err(midge_client::ClientError::Rejected(code)) => log.error(format_args!(
                "Warning: Publish {mid} failed: {}.",
                code.description()
            )),
            _ => {}
        }
    }
    log.packet("sending DISCONNECT");
    let mut disconnect = Disconnect::new(ReasonCode::Success);
    disconnect.properties = plan.conn.props.disconnect.clone();
    let _ = client.disconnect_with(disconnect).await;
    match end {
        End::Response | End::Signal => Ok(()),
        End::TimedOut => Err(Failure::TimedOut),
    }
}
