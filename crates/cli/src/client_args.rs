//! What `midge pub`, `midge sub` and `midge rr` share: the connection flags
//! of Mosquitto's clients (`-h -p -L -i -I -u -P -V -k -c -x -d --quiet -D
//! --will-*`), their checks and their messages, the resolved
//! [`ConnectOptions`], connecting with `-d` output, and exit statuses
//! (0: success; the CONNACK reason code when the broker refuses; 27 when `-W`
//! expires; 1 for anything else).

use std::fmt::Display;
use std::io::{self, Write};
use std::process::ExitCode;

use bytes::Bytes;
use clap::Args;
use midge_client::{Client, ClientError, ConnectOptions, Events};
use midge_proto::{ByteString, ProtocolVersion, QoS, ReasonCode, TopicFilter, TopicName, Will};

use crate::properties::Properties;

/// Exit status when `-W` expires (Mosquitto's `MOSQ_ERR_TIMEOUT`).
pub(crate) const EXIT_TIMED_OUT: u8 = 27;

/// Which tool is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tool {
    /// `midge pub`.
    Pub,
    /// `midge sub`.
    Sub,
    /// `midge rr`.
    Rr,
}

impl Tool {
    /// The subcommand name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Tool::Pub => "pub",
            Tool::Sub => "sub",
            Tool::Rr => "rr",
        }
    }
}

/// Help heading of the flags Midge does not support yet.
const UNSUPPORTED: &str = "Not supported yet";

/// Connection flags shared by `pub`, `sub` and `rr` (Mosquitto's spelling).
#[derive(Debug, Args)]
pub(crate) struct ConnArgs {
    /// MQTT host to connect to. Defaults to localhost.
    #[arg(
        short = 'h',
        long = "host",
        value_name = "HOST",
        allow_hyphen_values = true
    )]
    host: Option<String>,
    /// Network port to connect to. Defaults to 1883.
    #[arg(short = 'p', long = "port", value_name = "PORT")]
    port: Option<u16>,
    /// User, password, host, port and topic as a URL:
    /// mqtt://[username[:password]@]host[:port]/topic
    #[arg(short = 'L', long = "url", value_name = "URL")]
    url: Option<String>,
    /// Quality of service level: 0, 1 or 2. Defaults to 0.
    #[arg(short = 'q', long = "qos", value_name = "QOS", value_parser = parse_qos)]
    pub(crate) qos: Option<QoS>,
    /// Id to use for this client. Defaults to an empty id (the broker assigns
    /// one; MQTT 3.1: a random id).
    #[arg(
        short = 'i',
        long = "id",
        value_name = "ID",
        allow_hyphen_values = true
    )]
    id: Option<String>,
    /// Client id: this prefix followed by the process id.
    #[arg(
        short = 'I',
        long = "id-prefix",
        value_name = "PREFIX",
        allow_hyphen_values = true
    )]
    id_prefix: Option<String>,
    /// Username.
    #[arg(
        short = 'u',
        long = "username",
        value_name = "USER",
        allow_hyphen_values = true
    )]
    username: Option<String>,
    /// Password.
    #[arg(
        short = 'P',
        long = "pw",
        value_name = "PASSWORD",
        allow_hyphen_values = true
    )]
    password: Option<String>,
    /// MQTT protocol version: mqttv5 (5), mqttv311 (311) or mqttv31 (31).
    /// Defaults to mqttv311 (rr: mqttv5); -D selects mqttv5.
    #[arg(short = 'V', long = "protocol-version", value_name = "VERSION", value_parser = parse_version)]
    protocol_version: Option<ProtocolVersion>,
    /// Keep alive in seconds (5 to 65535, or 0 for none). Defaults to 60.
    #[arg(short = 'k', long = "keepalive", value_name = "SECONDS", value_parser = parse_keepalive)]
    keepalive: Option<u16>,
    /// Disable clean session / enable a persistent session: the broker keeps
    /// the session when the client disconnects (MQTT 5: for -x seconds,
    /// default forever).
    #[arg(short = 'c', long = "disable-clean-session")]
    no_clean: bool,
    /// MQTT 5 session expiry interval in seconds; -1, 4294967295 or ∞ for
    /// never. Defaults to -1 with -c, else 0.
    #[arg(short = 'x', value_name = "SECONDS", allow_hyphen_values = true, value_parser = parse_session_expiry)]
    session_expiry: Option<u32>,
    /// Print the packets sent and received.
    #[arg(short = 'd', long = "debug")]
    pub(crate) debug: bool,
    /// Don't print error messages.
    #[arg(long)]
    pub(crate) quiet: bool,
    /// MQTT 5 property: -D command identifier value, e.g. -D publish
    /// message-expiry-interval 60, -D connect user-property key value.
    /// Commands: connect, publish, subscribe, unsubscribe, disconnect, will.
    #[arg(
        short = 'D',
        long = "property",
        num_args = 3..=4,
        value_names = ["COMMAND", "IDENTIFIER", "VALUE"],
        allow_negative_numbers = true,
        action = clap::ArgAction::Append
    )]
    property: Vec<String>,
    /// Topic of the client's will (sent by the broker if the client
    /// disconnects unexpectedly).
    #[arg(long = "will-topic", value_name = "TOPIC", allow_hyphen_values = true)]
    will_topic: Option<String>,
    /// Payload of the will (default: empty).
    #[arg(
        long = "will-payload",
        value_name = "PAYLOAD",
        allow_hyphen_values = true
    )]
    will_payload: Option<String>,
    /// QoS of the will.
    #[arg(long = "will-qos", value_name = "QOS", value_parser = parse_will_qos)]
    will_qos: Option<QoS>,
    /// Retain the will.
    #[arg(long = "will-retain")]
    will_retain: bool,
    /// Disable Nagle's algorithm (always the case).
    #[arg(long)]
    nodelay: bool,
    /// Bind the outgoing socket to this address (not supported yet).
    #[arg(short = 'A', value_name = "ADDRESS", help_heading = UNSUPPORTED)]
    bind_address: Option<String>,
    /// Connect through a unix domain socket (not supported yet).
    #[arg(long, value_name = "PATH", help_heading = UNSUPPORTED)]
    unix: Option<String>,
    /// SOCKS5 proxy URL (not supported yet).
    #[arg(long, value_name = "URL", help_heading = UNSUPPORTED)]
    proxy: Option<String>,
    /// TLS: trusted CA certificates file (TLS is not supported yet).
    #[arg(long, value_name = "FILE", help_heading = UNSUPPORTED)]
    cafile: Option<String>,
    /// TLS: trusted CA certificates directory (not supported yet).
    #[arg(long, value_name = "DIR", help_heading = UNSUPPORTED)]
    capath: Option<String>,
    /// TLS: client certificate (not supported yet).
    #[arg(long, value_name = "FILE", help_heading = UNSUPPORTED)]
    cert: Option<String>,
    /// TLS: client private key (not supported yet).
    #[arg(long, value_name = "FILE", help_heading = UNSUPPORTED)]
    key: Option<String>,
    /// TLS: key file type (not supported yet).
    #[arg(long, value_name = "KEYFORM", help_heading = UNSUPPORTED)]
    keyform: Option<String>,
    /// TLS: cipher list (not supported yet).
    #[arg(long, value_name = "CIPHERS", help_heading = UNSUPPORTED)]
    ciphers: Option<String>,
    /// TLS: protocol version (not supported yet).
    #[arg(long = "tls-version", value_name = "VERSION", help_heading = UNSUPPORTED)]
    tls_version: Option<String>,
    /// TLS: do not check the server's host name (not supported yet).
    #[arg(long, help_heading = UNSUPPORTED)]
    insecure: bool,
    /// TLS: ALPN protocol (not supported yet).
    #[arg(long = "tls-alpn", value_name = "PROTOCOL", help_heading = UNSUPPORTED)]
    tls_alpn: Option<String>,
    /// TLS: engine (not supported yet).
    #[arg(long = "tls-engine", value_name = "ENGINE", help_heading = UNSUPPORTED)]
    tls_engine: Option<String>,
    /// TLS: engine key password SHA-1 (not supported yet).
    #[arg(long = "tls-engine-kpass-sha1", value_name = "SHA1", help_heading = UNSUPPORTED)]
    tls_engine_kpass_sha1: Option<String>,
    /// TLS: trust the operating system's CA certificates (not supported yet).
    #[arg(long = "tls-use-os-certs", help_heading = UNSUPPORTED)]
    tls_use_os_certs: bool,
    /// TLS-PSK key in hexadecimal (not supported yet).
    #[arg(long, value_name = "KEY", help_heading = UNSUPPORTED)]
    psk: Option<String>,
    /// TLS-PSK identity (not supported yet).
    #[arg(long = "psk-identity", value_name = "IDENTITY", help_heading = UNSUPPORTED)]
    psk_identity: Option<String>,
}

fn parse_qos(s: &str) -> Result<QoS, String> {
    s.trim()
        .parse::<u8>()
        .ok()
        .and_then(QoS::from_u8)
        .ok_or_else(|| format!("Invalid QoS given: {s}"))
}

fn parse_will_qos(s: &str) -> Result<QoS, String> {
    s.trim()
        .parse::<u8>()
        .ok()
        .and_then(QoS::from_u8)
        .ok_or_else(|| format!("Invalid will QoS {s}."))
}

fn parse_version(s: &str) -> Result<ProtocolVersion, String> {
    match s {
        "mqttv31" | "31" => Ok(ProtocolVersion::V3_1),
        "mqttv311" | "311" => Ok(ProtocolVersion::V3_1_1),
        "mqttv5" | "5" => Ok(ProtocolVersion::V5),
        _ => Err("Invalid protocol version argument given (mqttv5, mqttv311 or mqttv31).".into()),
    }
}

fn parse_keepalive(s: &str) -> Result<u16, String> {
    match s.trim().parse::<u32>() {
        Ok(0) => Ok(0),
        Ok(k @ 5..=65535) => u16::try_from(k).map_err(|e| e.to_string()),
        _ => Err("Invalid keepalive given, it must be between 5 and 65535 inclusive.".into()),
    }
}

fn parse_session_expiry(s: &str) -> Result<u32, String> {
    if s == "∞" {
        return Ok(u32::MAX);
    }
    let n: i64 = s
        .trim()
        .parse()
        .map_err(|_| "session-expiry-interval not a number.".to_owned())?;
    match n {
        -1 => Ok(u32::MAX),
        _ => u32::try_from(n).map_err(|_| "session-expiry-interval out of range.".to_owned()),
    }
}

/// The connection settings, resolved and checked.
#[derive(Debug, Clone)]
pub(crate) struct Conn {
    /// What to connect with.
    pub(crate) options: ConnectOptions,
    /// The `-D` properties.
    pub(crate) props: Properties,
    /// `-q` (default 0).
    pub(crate) qos: QoS,
    /// The topic of `-L`, if given.
    pub(crate) url_topic: Option<String>,
    /// `-d`.
    pub(crate) debug: bool,
    /// `--quiet`.
    pub(crate) quiet: bool,
    /// Warnings to print before connecting.
    pub(crate) warnings: Vec<String>,
}

/// What a `-L` URL names.
#[derive(Debug, Default, PartialEq, Eq)]
struct Url {
    username: Option<String>,
    password: Option<String>,
    host: String,
    port: Option<u16>,
    topic: String,
}

/// Parses `mqtt://[username[:password]@]host[:port]/topic`.
fn parse_url(url: &str) -> Result<Url, String> {
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("mqtt://") {
        url.get(7..).unwrap_or_default()
    } else if lower.starts_with("mqtts://") || lower.starts_with("wss://") {
        return Err("Error: TLS is not supported yet (-L mqtts:// or wss://).".into());
    } else if lower.starts_with("ws://") {
        return Err("Error: WebSocket connections are not supported yet (-L ws://).".into());
    } else {
        return Err("Error: Unsupported URL scheme.".into());
    };
    let Some((authority, topic)) = rest.split_once('/') else {
        return Err("Error: Invalid URL for -L argument specified - topic missing.".into());
    };
    let mut parsed = Url {
        topic: topic.to_owned(),
        ..Url::default()
    };
    let host_port = match authority.rsplit_once('@') {
        Some((credentials, host_port)) => {
            match credentials.split_once(':') {
                Some((user, pass)) => {
                    parsed.username = Some(user.to_owned());
                    parsed.password = Some(pass.to_owned());
                }
                None => parsed.username = Some(credentials.to_owned()),
            }
            host_port
        }
        None => authority,
    };
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        // [v6-address]:port
        match v6.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => return Err(format!("Error: Invalid host in URL '{url}'.")),
        }
    } else {
        match host_port.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    parsed.host = host.to_owned();
    if let Some(p) = port {
        parsed.port = Some(
            p.parse()
                .map_err(|_| format!("Error: Invalid port given: {p}"))?,
        );
    }
    Ok(parsed)
}

impl ConnArgs {
    /// Fails for the transports and TLS options that are not supported yet.
    fn check_unsupported(&self) -> Result<(), String> {
        let tls = [
            ("--cafile", self.cafile.is_some()),
            ("--capath", self.capath.is_some()),
            ("--cert", self.cert.is_some()),
            ("--key", self.key.is_some()),
            ("--keyform", self.keyform.is_some()),
            ("--ciphers", self.ciphers.is_some()),
            ("--tls-version", self.tls_version.is_some()),
            ("--insecure", self.insecure),
            ("--tls-alpn", self.tls_alpn.is_some()),
            ("--tls-engine", self.tls_engine.is_some()),
            (
                "--tls-engine-kpass-sha1",
                self.tls_engine_kpass_sha1.is_some(),
            ),
            ("--tls-use-os-certs", self.tls_use_os_certs),
        ];
        if let Some((flag, _)) = tls.iter().find(|(_, given)| *given) {
            return Err(format!("Error: TLS is not supported yet ({flag})."));
        }
        if self.psk.is_some() || self.psk_identity.is_some() {
            return Err("Error: TLS-PSK is not supported yet (--psk).".into());
        }
        if self.unix.is_some() {
            return Err("Error: Unix domain sockets are not supported yet (--unix).".into());
        }
        if self.proxy.is_some() {
            return Err("Error: SOCKS5 proxies are not supported yet (--proxy).".into());
        }
        if self.bind_address.is_some() {
            return Err("Error: Binding to a local address is not supported yet (-A).".into());
        }
        Ok(())
    }

    /// Checks the flags and builds the connection settings. Errors are whole
    /// usage messages ("Error: ...").
    pub(crate) fn resolve(&self, tool: Tool) -> Result<Conn, String> {
        let _ = self.nodelay; // TCP_NODELAY is always set.
        self.check_unsupported()?;
        let url = self.url.as_deref().map(parse_url).transpose()?;
        let (props, warnings) = Properties::parse(&crate::properties::group(&self.property))?;

        let default_version = match tool {
            Tool::Rr => ProtocolVersion::V5,
            Tool::Pub | Tool::Sub => ProtocolVersion::V3_1_1,
        };
        let version = match self.protocol_version {
            Some(v) if props.any && !v.is_v5() => {
                return Err("Error: -D properties need MQTT v5 (-V 5).".into());
            }
            Some(v) => v,
            None if props.any => ProtocolVersion::V5,
            None => default_version,
        };

        // Client id.
        if self.id.is_some() && self.id_prefix.is_some() {
            return Err("Error: -i and -I argument cannot be used together.".into());
        }
        let explicit_id = match (&self.id, &self.id_prefix) {
            (Some(id), _) => Some(id.clone()),
            (None, Some(prefix)) => Some(format!("{prefix}{}", std::process::id())),
            (None, None) => None,
        };
        let has_own_id = self.id.as_deref().is_some_and(|id| !id.is_empty());
        let client_id = match explicit_id {
            Some(id) => id,
            None if version == ProtocolVersion::V3_1 => random_client_id(),
            None => String::new(),
        };

        // Session.
        let clean_start = !self.no_clean;
        let mut session_expiry = 0;
        if version.is_v5() {
            session_expiry = match (self.session_expiry, props.connect.session_expiry_interval) {
                (Some(_), Some(_)) => {
                    return Err(
                        "Error in CONNECT properties: Duplicate property in property list".into(),
                    );
                }
                (Some(x), None) | (None, Some(x)) => x,
                (None, None) if self.no_clean => u32::MAX,
                (None, None) => 0,
            };
            if session_expiry == u32::MAX && !has_own_id {
                return Err("Error: You must provide a client id if you are using an infinite session expiry interval.".into());
            }
        } else if self.no_clean && !has_own_id {
            return Err(
                "Error: You must provide a client id if you are using the -c option.".into(),
            );
        }

        // Will.
        if self.will_payload.is_some() && self.will_topic.is_none() {
            return Err("Error: Will payload given, but no will topic given.".into());
        }
        if self.will_retain && self.will_topic.is_none() {
            return Err("Error: Will retain given, but no will topic given.".into());
        }
        let will = match &self.will_topic {
            Some(topic) => Some(Will {
                topic: TopicName::new(ByteString::from(topic.as_str())).map_err(|_| {
                    format!("Error: Invalid will topic '{topic}', does it contain '+' or '#'?")
                })?,
                payload: Bytes::from(self.will_payload.clone().unwrap_or_default()),
                qos: self.will_qos.unwrap_or_default(),
                retain: self.will_retain,
                properties: if version.is_v5() {
                    props.will.clone()
                } else {
                    Default::default()
                },
            }),
            None => None,
        };

        // Where and who.
        let host = self
            .host
            .clone()
            .or_else(|| url.as_ref().map(|u| u.host.clone()))
            .unwrap_or_else(|| "localhost".to_owned());
        let port = self
            .port
            .or_else(|| url.as_ref().and_then(|u| u.port))
            .unwrap_or(1883);
        let username = self
            .username
            .clone()
            .or_else(|| url.as_ref().and_then(|u| u.username.clone()));
        let password = self
            .password
            .clone()
            .or_else(|| url.as_ref().and_then(|u| u.password.clone()));
        if password.is_some() && username.is_none() && !version.is_v5() {
            return Err("Error: A password (-P) needs a username (-u) before MQTT v5.".into());
        }

        let mut options = ConnectOptions::new(host, port)
            .version(version)
            .client_id(client_id)
            .clean_start(clean_start)
            .session_expiry(session_expiry)
            .keep_alive(self.keepalive.unwrap_or(60))
            .reconnect(false);
        options.username = username;
        options.password = password.map(Bytes::from);
        options.will = will;
        if version.is_v5() {
            let c = &props.connect;
            options.receive_maximum = c.receive_maximum.map(|r| r.get());
            options.maximum_packet_size = c.maximum_packet_size.map(|m| m.get());
            options.topic_alias_maximum = c.topic_alias_maximum.unwrap_or(0);
            options.user_properties.clone_from(&c.user_properties);
        }
        Ok(Conn {
            options,
            props,
            qos: self.qos.unwrap_or_default(),
            url_topic: url.map(|u| u.topic),
            debug: self.debug,
            quiet: self.quiet,
            warnings,
        })
    }
}

/// A random client id for MQTT 3.1, which needs one (at most 23 characters).
fn random_client_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = Rng::new();
    let tail: String = (0..17)
        .map(|_| {
            let i = usize::try_from(rng.next() % ALPHABET.len() as u64).unwrap_or(0);
            ALPHABET.get(i).map_or('x', |&b| char::from(b))
        })
        .collect();
    format!("midge-{tail}")
}

/// A small non-cryptographic random generator (xorshift64*), seeded from the
/// clock and the process id.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator seeded from the time and process id.
    pub(crate) fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let seed = (nanos as u64)
            ^ (u64::from(std::process::id()) << 32)
            ^ call.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Self(seed | 1)
    }

    /// The next number.
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Validates a topic to publish to (`-t`, `-e`).
pub(crate) fn publish_topic(topic: &str, what: &str) -> Result<TopicName, String> {
    TopicName::new(ByteString::from(topic))
        .map_err(|_| format!("Error: Invalid {what} '{topic}', does it contain '+' or '#'?"))
}

/// Validates a topic filter (`-t`, `-T`, `-U` of `sub`).
pub(crate) fn topic_filter(filter: &str, what: &str) -> Result<TopicFilter, String> {
    TopicFilter::new_v5(ByteString::from(filter)).map_err(|_| {
        format!("Error: Invalid {what} '{filter}', are all '+' and '#' wildcards correct?")
    })
}

/// Why a client tool stops unsuccessfully.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The broker refused the connection.
    Refused(ReasonCode, ProtocolVersion),
    /// `-W` expired.
    TimedOut,
    /// Anything else: the message, without "Error: ".
    Error(String),
}

impl Failure {
    /// Prints the failure (unless `--quiet`) and returns the exit status.
    pub(crate) fn report(&self, quiet: bool) -> ExitCode {
        match self {
            Failure::Refused(code, version) => {
                let status = refusal_status(*code, *version);
                if !quiet {
                    if version.is_v5() {
                        let hint = if *code == ReasonCode::UnsupportedProtocolVersion {
                            ". Try connecting to an MQTT v5 broker, or use MQTT v3.x mode."
                        } else {
                            ""
                        };
                        eprint_line(format_args!(
                            "Connection error: {}{hint}",
                            code.description()
                        ));
                    } else {
                        eprint_line(format_args!("Connection error: {}", connack_string(status)));
                    }
                }
                ExitCode::from(status)
            }
            Failure::TimedOut => {
                if !quiet {
                    eprint_line("Timed out");
                }
                ExitCode::from(EXIT_TIMED_OUT)
            }
            Failure::Error(message) => {
                if !quiet {
                    eprint_line(format_args!("Error: {message}"));
                }
                ExitCode::FAILURE
            }
        }
    }
}

/// The exit status for a refusal: the MQTT 5 reason code, or the 3.x
/// CONNACK return code.
fn refusal_status(code: ReasonCode, version: ProtocolVersion) -> u8 {
    if version.is_v5() {
        code.as_u8()
    } else {
        code.to_v3_connack()
    }
}

/// Mosquitto's text for an MQTT 3.x CONNACK return code.
fn connack_string(code: u8) -> &'static str {
    match code {
        0 => "Connection Accepted.",
        1 => "Connection Refused: unacceptable protocol version.",
        2 => "Connection Refused: identifier rejected.",
        3 => "Connection Refused: broker unavailable.",
        4 => "Connection Refused: bad user name or password.",
        5 => "Connection Refused: not authorised.",
        _ => "Connection Refused: unknown reason.",
    }
}

/// Prints a usage error and returns status 1.
pub(crate) fn usage_error(tool: Tool, message: &str) -> ExitCode {
    eprint_line(message);
    eprint_line(format_args!(
        "\nUse 'midge {} --help' to see usage.",
        tool.name()
    ));
    ExitCode::FAILURE
}

/// Writes one line to standard error, ignoring failures (there is nowhere
/// else to report them).
pub(crate) fn eprint_line(line: impl Display) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Writes bytes to standard output and flushes.
pub(crate) fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// `-d` output ("Client ID sending PUBLISH (...)", on standard output like
/// Mosquitto's) and message ids for it.
#[derive(Debug)]
pub(crate) struct Log {
    debug: bool,
    quiet: bool,
    client: String,
    last_mid: u16,
}

impl Log {
    /// A log for `conn`.
    pub(crate) fn new(conn: &Conn) -> Self {
        Self {
            debug: conn.debug,
            quiet: conn.quiet,
            client: conn.options.client_id.clone(),
            last_mid: 0,
        }
    }

    /// Prints "Client ID {what}" with `-d`.
    pub(crate) fn packet(&self, what: impl Display) {
        if self.debug {
            let id = if self.client.is_empty() {
                "(null)"
            } else {
                &self.client
            };
            let _ = write_stdout(format!("Client {id} {what}\n").as_bytes());
        }
    }

    /// Prints a line with `-d` (and without `--quiet`).
    pub(crate) fn debug_line(&self, line: impl Display) {
        if self.debug && !self.quiet {
            let _ = write_stdout(format!("{line}\n").as_bytes());
        }
    }

    /// Prints an error or warning line on standard error unless `--quiet`.
    pub(crate) fn error(&self, line: impl Display) {
        if !self.quiet {
            eprint_line(line);
        }
    }

    /// The message id of the next packet sent that has one. The client
    /// library numbers SUBSCRIBE, UNSUBSCRIBE and QoS 1/2 PUBLISH in order,
    /// so this is the id on the wire for those; QoS 0 messages get one too,
    /// as with Mosquitto.
    pub(crate) fn next_mid(&mut self) -> u16 {
        self.last_mid = if self.last_mid == u16::MAX {
            1
        } else {
            self.last_mid + 1
        };
        self.last_mid
    }

    /// "sending PUBLISH (d0, q1, r0, m1, 'topic', ... (5 bytes))".
    pub(crate) fn sending_publish(
        &self,
        mid: u16,
        qos: QoS,
        retain: bool,
        topic: &str,
        len: usize,
    ) {
        self.packet(format_args!(
            "sending PUBLISH (d0, q{}, r{}, m{mid}, '{topic}', ... ({len} bytes))",
            qos.as_u8(),
            u8::from(retain)
        ));
    }
}

/// Connects, printing the CONNECT/CONNACK lines with `-d`.
pub(crate) async fn connect(conn: &Conn, log: &mut Log) -> Result<(Client, Events), Failure> {
    for w in &conn.warnings {
        log.error(w);
    }
    let version = conn.options.version;
    log.packet("sending CONNECT");
    match Client::connect(conn.options.clone()).await {
        Ok((client, events, connack)) => {
            if let Some(id) = &connack.properties.assigned_client_identifier {
                log.client = id.to_string();
            }
            log.packet("received CONNACK (0)");
            Ok((client, events))
        }
        Err(ClientError::Refused(code)) => {
            log.packet(format_args!(
                "received CONNACK ({})",
                refusal_status(code, version)
            ));
            Err(Failure::Refused(code, version))
        }
        Err(e) => Err(Failure::Error(describe_connect_error(&e, &conn.options))),
    }
}

/// A one-line description of a connection failure.
fn describe_connect_error(e: &ClientError, o: &ConnectOptions) -> String {
    let address = if o.host.contains(':') {
        format!("[{}]:{}", o.host, o.port)
    } else {
        format!("{}:{}", o.host, o.port)
    };
    match e {
        ClientError::Io(io) => format!("cannot connect to {address}: {}", io_text(io)),
        ClientError::Timeout => format!("cannot connect to {address}: timed out"),
        ClientError::ConnectionLost => {
            format!("cannot connect to {address}: the broker closed the connection")
        }
        other => format!("cannot connect to {address}: {other}"),
    }
}

/// An I/O error without the "(os error N)" suffix.
pub(crate) fn io_text(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text.get(..at).unwrap_or(&text).to_owned(),
        None => text,
    }
}

/// A description of a client failure after connecting.
pub(crate) fn describe(e: &ClientError) -> String {
    match e {
        ClientError::Io(io) => format!("connection failed: {}", io_text(io)),
        ClientError::Closed => "the connection is closed".into(),
        other => other.to_string(),
    }
}

/// A single-threaded runtime for a client tool.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context as _;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// SIGINT and SIGTERM.
pub(crate) struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

impl Signals {
    /// Installs the handlers (within a runtime).
    pub(crate) fn new() -> Result<Self, Failure> {
        use tokio::signal::unix::{SignalKind, signal};
        let install = |kind| {
            signal(kind)
                .map_err(|e| Failure::Error(format!("cannot install a signal handler: {e}")))
        };
        Ok(Self {
            int: install(SignalKind::interrupt())?,
            term: install(SignalKind::terminate())?,
        })
    }

    /// Resolves on the next SIGINT or SIGTERM.
    pub(crate) async fn recv(&mut self) {
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
    }
}

#[cfg(test)]
#[path = "client_args_tests.rs"]
mod tests;
