//! The broker's TOML configuration: its shape, defaults, validation and
//! hot-reload classification.
//!
//! Every section and every key is optional; a missing key takes its default
//! (see the `Default` impls, and `midge.example.toml` at the repository root,
//! which lists every option set to its default). Unknown keys are rejected.
//! All durations are integer seconds and their keys end in `_secs`.
//!
//! Errors name the file, the 1-based line and column, and the dotted key when
//! known, e.g. `midge.toml:12:1: limits.max_packet_size = 10 is out of range:
//! must be between 64 and 268435455`.

use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The largest packet MQTT can encode (the Remaining Length maximum).
const MQTT_MAX_PACKET_SIZE: u32 = 268_435_455;
/// The smallest `limits.max_packet_size` we accept.
const MIN_PACKET_SIZE: u32 = 64;
/// The longest topic MQTT can encode (a UTF-8 string with a 16-bit length).
const MQTT_MAX_TOPIC_LENGTH: usize = 65_535;
/// The log levels accepted in `log.level`, lowest verbosity first.
const LOG_LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// The whole broker configuration, as read from a TOML file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
pub struct Config {
    /// The sockets the broker accepts MQTT connections on (TOML:
    /// `[[listeners]]`). Must be non-empty with no duplicate addresses.
    /// Default: one listener on `127.0.0.1:1883`. Needs a restart to change.
    pub listeners: Vec<ListenerConfig>,
    /// The directory the broker keeps its persistent state in, relative to the
    /// working directory unless absolute. Default `./midge-data`. Needs a
    /// restart to change.
    pub data_dir: PathBuf,
    /// Logging (`[log]`).
    pub log: LogConfig,
    /// Resource limits and protocol maxima (`[limits]`).
    pub limits: Limits,
    /// Keep alive policy (`[keep_alive]`).
    pub keep_alive: KeepAliveConfig,
    /// Session policy (`[session]`).
    pub session: SessionConfig,
    /// Retained message store (`[retained]`).
    pub retained: RetainedConfig,
    /// Seconds a new socket has to complete its CONNECT before it is closed.
    /// Default 10; must be at least 1.
    pub connect_timeout_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listeners: vec![ListenerConfig::default()],
            data_dir: PathBuf::from("./midge-data"),
            log: LogConfig::default(),
            limits: Limits::default(),
            keep_alive: KeepAliveConfig::default(),
            session: SessionConfig::default(),
            retained: RetainedConfig::default(),
            connect_timeout_secs: 10,
        }
    }
}

/// One listening socket (an entry of `[[listeners]]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
pub struct ListenerConfig {
    /// The address and port to bind, IPv4 (`"0.0.0.0:1883"`) or IPv6
    /// (`"[::1]:1883"`). Default `127.0.0.1:1883`.
    pub bind: SocketAddr,
}

impl Default for ListenerConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 1883)),
        }
    }
}

/// Logging configuration (`[log]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
pub struct LogConfig {
    /// The log filter: a level (`error`, `warn`, `info`, `debug`, `trace`, or
    /// `off`), or a comma-separated directive list in the `tracing`
    /// `EnvFilter` style where each item is `level` or `target=level`, e.g.
    /// `"info,midge_broker=debug"`. Levels are case-insensitive. Default
    /// `info`. Reloadable.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".to_owned(),
        }
    }
}

/// Resource limits and protocol maxima (`[limits]`). All reloadable; a new
/// value applies to connections, sessions and packets from then on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
pub struct Limits {
    /// The most simultaneous client connections. Default 10 000; at least 1.
    pub max_connections: usize,
    /// The largest MQTT packet accepted, in bytes, announced to v5 clients as
    /// Maximum Packet Size. Default 1 048 576 (1 MiB); 64 to 268 435 455.
    pub max_packet_size: u32,
    /// The inbound QoS 1/2 window (Receive Maximum) announced to v5 clients.
    /// Default 100; at least 1.
    pub receive_maximum: u16,
    /// The outbound QoS 1/2 in-flight window per session; the effective window
    /// is the minimum of this and the client's Receive Maximum. Default 100;
    /// at least 1.
    pub max_inflight: u16,
    /// The most messages queued per session (offline, or beyond the in-flight
    /// window). Default 1000; at least 1.
    pub max_queued_messages: usize,
    /// The most payload bytes queued per session. Default 64 MiB; at least 1.
    pub max_queued_bytes: usize,
    /// Whether QoS 0 messages are queued for offline sessions (Mosquitto's
    /// `queue_qos0_messages`). Default false.
    pub queue_qos0_offline: bool,
    /// What to do when a session's queue is full. Default `drop-new`.
    pub queue_full_policy: QueueFullPolicy,
    /// The longest topic name or filter accepted, in bytes. Default 65 535;
    /// 1 to 65 535.
    pub max_topic_length: usize,
    /// The most `/`-separated levels in a topic name or filter. Default 128;
    /// at least 1.
    pub max_topic_levels: usize,
    /// The most subscriptions one client may hold. Default 1000; 0 means
    /// unlimited.
    pub max_subscriptions_per_client: usize,
    /// The inbound Topic Alias Maximum announced to v5 clients (how many
    /// aliases we accept from each). Default 32; 0 disables topic aliases.
    pub topic_alias_maximum: u16,
    /// The highest QoS the broker supports, announced in CONNACK (v5) when
    /// below 2. Default 2; 0 to 2.
    pub maximum_qos: u8,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            max_packet_size: 1_048_576,
            receive_maximum: 100,
            max_inflight: 100,
            max_queued_messages: 10_000,
            max_queued_bytes: 64 * 1024 * 1024,
            queue_qos0_offline: false,
            queue_full_policy: QueueFullPolicy::default(),
            max_topic_length: MQTT_MAX_TOPIC_LENGTH,
            max_topic_levels: 128,
            max_subscriptions_per_client: 1000,
            topic_alias_maximum: 32,
            maximum_qos: 2,
        }
    }
}

/// What happens to a message that does not fit in a full session queue
/// (`limits.queue_full_policy`).
///
/// Queued QoS 0 messages are always dropped first to make room; this policy
/// applies only when the queue holds nothing but QoS 1/2 messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueueFullPolicy {
    /// Drop the incoming message (TOML `"drop-new"`). The default.
    #[default]
    DropNew,
    /// Drop the oldest queued message to make room (TOML `"drop-oldest"`).
    DropOldest,
}

/// Keep alive policy (`[keep_alive]`). Reloadable (applies to new
/// connections).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
pub struct KeepAliveConfig {
    /// The longest keep alive allowed, in seconds; 0 means no maximum. A v5
    /// client asking for more (or for 0) is told Server Keep Alive = this
    /// value; a 3.x client asking for more is refused. Default 0.
    pub max_secs: u16,
    /// Whether a keep alive of 0 (disabled) is allowed. When false and
    /// `max_secs` > 0, a v5 client's 0 is replaced by `max_secs`. Default
    /// true.
    pub allow_zero: bool,
}

impl Default for KeepAliveConfig {
    fn default() -> Self {
        Self {
            max_secs: 0,
            allow_zero: true,
        }
    }
}

/// Session policy (`[session]`). Reloadable (applies to new connections).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
pub struct SessionConfig {
    /// The longest Session Expiry Interval granted, in seconds; a client's
    /// request is capped at this, and the lowered value announced in CONNACK.
    /// Default 4 294 967 295 (`0xFFFF_FFFF`, sessions that never expire are
    /// allowed).
    pub max_expiry_secs: u32,
    /// Whether clients with an empty client id (v5, or 3.1.1 with a clean
    /// session) are accepted and given an assigned id. Default true.
    pub allow_empty_client_id: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            max_expiry_secs: u32::MAX,
            allow_empty_client_id: true,
        }
    }
}

/// Retained message store (`[retained]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
pub struct RetainedConfig {
    /// Whether retained messages are supported (Retain Available in CONNACK).
    /// Default true. Needs a restart to change.
    pub enabled: bool,
    /// The most retained messages stored. Default 100 000; 0 means unlimited.
    /// Reloadable.
    pub max_messages: usize,
    /// The most retained payload bytes stored in total. Default 256 MiB; 0
    /// means unlimited. Reloadable.
    pub max_bytes: usize,
}

impl Default for RetainedConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            max_messages: 100_000,
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

/// What a configuration reload changes, as dotted keys (see
/// [`Config::reload`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReloadPlan {
    /// Changed keys that take effect at runtime: `log.level`, every
    /// `limits.*`, `keep_alive.*` and `session.*` key,
    /// `retained.max_messages`, `retained.max_bytes` and
    /// `connect_timeout_secs`.
    pub applied: Vec<String>,
    /// Changed keys that only take effect after a restart: `listeners`,
    /// `data_dir` and `retained.enabled`.
    pub needs_restart: Vec<String>,
}

impl ReloadPlan {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.applied.is_empty() && self.needs_restart.is_empty()
    }
}

/// What kind of failure a [`ConfigError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The file could not be read.
    Read,
    /// The file is not valid TOML, or does not match the configuration's
    /// shape (unknown key, wrong type, malformed address, ...).
    Parse,
    /// The file parsed but a value is out of range or inconsistent.
    Invalid,
}

/// A configuration file could not be read, parsed or validated.
///
/// Displays as `{file}:{line}:{column}: {message}` (or `{file}: {message}`
/// when the position is unknown), line and column 1-based.
#[derive(Debug)]
pub struct ConfigError {
    kind: ConfigErrorKind,
    file: PathBuf,
    position: Option<(usize, usize)>,
    key: Option<String>,
    message: String,
    source: Option<std::io::Error>,
}

impl ConfigError {
    /// What kind of failure this is.
    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }

    /// The configuration file the error is about.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The 1-based line of the error, when known.
    pub fn line(&self) -> Option<usize> {
        self.position.map(|(line, _)| line)
    }

    /// The 1-based column (in characters) of the error, when known.
    pub fn column(&self) -> Option<usize> {
        self.position.map(|(_, column)| column)
    }

    /// The dotted key the error is about (e.g. `limits.max_packet_size`, or
    /// `listeners[1].bind` inside an array of tables), when known.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The message, without the file and position.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        match self.position {
            Some((line, column)) => write!(f, "{file}:{line}:{column}: {}", self.message),
            None => write!(f, "{file}: {}", self.message),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl Config {
    /// Reads, parses and validates the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_toml_str(&text, path),
            Err(err) => Err(ConfigError {
                kind: ConfigErrorKind::Read,
                file: path.to_path_buf(),
                position: None,
                key: None,
                message: format!("cannot read configuration file: {err}"),
                source: Some(err),
            }),
        }
    }

    /// Parses and validates `text`, the contents of the file `path` (used
    /// only in error messages).
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|err| parse_error(text, path, &err))?;
        config
            .validate()
            .map_err(|(key, message)| invalid_error(text, path, key, message))?;
        Ok(config)
    }

    /// Checks the semantic constraints the types cannot express (ranges,
    /// non-empty and distinct listeners, log directives). On failure returns
    /// the dotted key (e.g. `limits.max_packet_size`, `listeners[1].bind`) and
    /// a message that names the key, its value and what is allowed.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.listeners.is_empty() {
            return Err((
                "listeners".to_owned(),
                "listeners is empty: at least one [[listeners]] entry is required".to_owned(),
            ));
        }
        for (i, listener) in self.listeners.iter().enumerate() {
            let mut earlier = self.listeners.iter().take(i);
            if let Some(j) = earlier.position(|l| l.bind == listener.bind) {
                return Err((
                    format!("listeners[{i}].bind"),
                    format!(
                        "listeners[{i}].bind = \"{}\" is a duplicate: listeners[{j}] already binds \
                         that address",
                        listener.bind
                    ),
                ));
            }
        }
        if let Err(why) = check_log_filter(&self.log.level) {
            return Err((
                "log.level".to_owned(),
                format!("log.level = {:?} is invalid: {why}", self.log.level),
            ));
        }
        let l = &self.limits;
        at_least("connect_timeout_secs", self.connect_timeout_secs, 1)?;
        at_least("limits.max_connections", l.max_connections, 1)?;
        between(
            "limits.max_packet_size",
            l.max_packet_size,
            MIN_PACKET_SIZE,
            MQTT_MAX_PACKET_SIZE,
        )?;
        at_least("limits.receive_maximum", l.receive_maximum, 1)?;
        at_least("limits.max_inflight", l.max_inflight, 1)?;
        at_least("limits.max_queued_messages", l.max_queued_messages, 1)?;
        at_least("limits.max_queued_bytes", l.max_queued_bytes, 1)?;
        between(
            "limits.max_topic_length",
            l.max_topic_length,
            1,
            MQTT_MAX_TOPIC_LENGTH,
        )?;
        at_least("limits.max_topic_levels", l.max_topic_levels, 1)?;
        between("limits.maximum_qos", l.maximum_qos, 0, 2)?;
        Ok(())
    }

    /// Classifies what changes between `self` (the running configuration) and
    /// `new` (a freshly loaded one): which changed keys apply at runtime and
    /// which need a restart. Applies nothing itself.
    pub fn reload(&self, new: &Config) -> ReloadPlan {
        let mut plan = ReloadPlan::default();
        let mut applied = |key: &str, changed: bool| {
            if changed {
                plan.applied.push(key.to_owned());
            }
        };
        let (a, b) = (&self.limits, &new.limits);
        applied("log.level", self.log.level != new.log.level);
        applied(
            "limits.max_connections",
            a.max_connections != b.max_connections,
        );
        applied(
            "limits.max_packet_size",
            a.max_packet_size != b.max_packet_size,
        );
        applied(
            "limits.receive_maximum",
            a.receive_maximum != b.receive_maximum,
        );
        applied("limits.max_inflight", a.max_inflight != b.max_inflight);
        applied(
            "limits.max_queued_messages",
            a.max_queued_messages != b.max_queued_messages,
        );
        applied(
            "limits.max_queued_bytes",
            a.max_queued_bytes != b.max_queued_bytes,
        );
        applied(
            "limits.queue_qos0_offline",
            a.queue_qos0_offline != b.queue_qos0_offline,
        );
        applied(
            "limits.queue_full_policy",
            a.queue_full_policy != b.queue_full_policy,
        );
        applied(
            "limits.max_topic_length",
            a.max_topic_length != b.max_topic_length,
        );
        applied(
            "limits.max_topic_levels",
            a.max_topic_levels != b.max_topic_levels,
        );
        applied(
            "limits.max_subscriptions_per_client",
            a.max_subscriptions_per_client != b.max_subscriptions_per_client,
        );
        applied(
            "limits.topic_alias_maximum",
            a.topic_alias_maximum != b.topic_alias_maximum,
        );
        applied("limits.maximum_qos", a.maximum_qos != b.maximum_qos);
        applied(
            "keep_alive.max_secs",
            self.keep_alive.max_secs != new.keep_alive.max_secs,
        );
        applied(
            "keep_alive.allow_zero",
            self.keep_alive.allow_zero != new.keep_alive.allow_zero,
        );
        applied(
            "session.max_expiry_secs",
            self.session.max_expiry_secs != new.session.max_expiry_secs,
        );
        applied(
            "session.allow_empty_client_id",
            self.session.allow_empty_client_id != new.session.allow_empty_client_id,
        );
        applied(
            "retained.max_messages",
            self.retained.max_messages != new.retained.max_messages,
        );
        applied(
            "retained.max_bytes",
            self.retained.max_bytes != new.retained.max_bytes,
        );
        applied(
            "connect_timeout_secs",
            self.connect_timeout_secs != new.connect_timeout_secs,
        );

        let mut restart = |key: &str, changed: bool| {
            if changed {
                plan.needs_restart.push(key.to_owned());
            }
        };
        restart("listeners", self.listeners != new.listeners);
        restart("data_dir", self.data_dir != new.data_dir);
        restart(
            "retained.enabled",
            self.retained.enabled != new.retained.enabled,
        );
        plan
    }
}

/// Fails with a range message unless `value >= min`.
fn at_least<T>(key: &str, value: T, min: T) -> Result<(), (String, String)>
where
    T: PartialOrd + fmt::Display,
{
    if value >= min {
        Ok(())
    } else {
        Err((
            key.to_owned(),
            format!("{key} = {value} is out of range: must be at least {min}"),
        ))
    }
}

/// Fails with a range message unless `min <= value <= max`.
fn between<T>(key: &str, value: T, min: T, max: T) -> Result<(), (String, String)>
where
    T: PartialOrd + fmt::Display,
{
    if value >= min && value <= max {
        Ok(())
    } else {
        Err((
            key.to_owned(),
            format!("{key} = {value} is out of range: must be between {min} and {max}"),
        ))
    }
}

/// Checks a log filter: comma-separated `level` / `target=level` items.
fn check_log_filter(filter: &str) -> Result<(), String> {
    const HINT: &str = "expected one of off, error, warn, info, debug, trace, or a directive list \
                        like \"info,midge_broker=debug\"";
    if filter.trim().is_empty() {
        return Err(format!("it is empty; {HINT}"));
    }
    for item in filter.split(',').map(str::trim) {
        let level = match item.split_once('=') {
            Some((target, level)) => {
                let target = target.trim();
                if target.is_empty() || target.contains(char::is_whitespace) {
                    return Err(format!(
                        "bad target {target:?} in directive {item:?}; {HINT}"
                    ));
                }
                level.trim()
            }
            None => item,
        };
        if !LOG_LEVELS.iter().any(|l| l.eq_ignore_ascii_case(level)) {
            return Err(format!("unknown level {level:?}; {HINT}"));
        }
    }
    Ok(())
}

/// Builds the error for a TOML syntax or shape (serde) error.
fn parse_error(text: &str, path: &Path, err: &toml::de::Error) -> ConfigError {
    let span = err.span();
    let position = span.as_ref().map(|s| line_column(text, s.start));
    let key = span
        .as_ref()
        .and_then(|s| key_at(text, s.start))
        .or_else(|| unknown_field(err.message()).map(str::to_owned));
    let mut message = one_line(err.message());
    if message == "invalid socket address syntax" {
        message
            .push_str(": expected an IP address and port, e.g. \"0.0.0.0:1883\" or \"[::1]:1883\"");
    }
    let message = match &key {
        Some(key) => format!("{key}: {message}"),
        None => message,
    };
    ConfigError {
        kind: ConfigErrorKind::Parse,
        file: path.to_path_buf(),
        position,
        key,
        message,
        source: None,
    }
}

/// Builds the error for a failed [`Config::validate`], locating `key` in
/// `text`.
fn invalid_error(text: &str, path: &Path, key: String, message: String) -> ConfigError {
    let position = locate_key(text, &key).map(|offset| line_column(text, offset));
    ConfigError {
        kind: ConfigErrorKind::Invalid,
        file: path.to_path_buf(),
        position,
        key: Some(key),
        message,
        source: None,
    }
}

/// Joins a possibly multi-line message into one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The field named by serde's "unknown field `foo`, expected ..." message.
fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split_once('`').map(|(field, _)| field)
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = (0..=offset.min(text.len()))
        .rev()
        .find(|&o| text.is_char_boundary(o))
        .unwrap_or(0);
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// True when `offset` falls inside `span` (or at the start of an empty span).
fn contains(span: &Range<usize>, offset: usize) -> bool {
    span.contains(&offset) || (span.is_empty() && span.start == offset)
}

/// The dotted key whose key or value covers byte `offset`, deepest first.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let root = DeTable::parse(text).ok()?;
    key_in_table(root.get_ref(), offset, "")
}

/// [`key_at`] within one table, whose keys are prefixed with `prefix`.
fn key_in_table(table: &DeTable<'_>, offset: usize, prefix: &str) -> Option<String> {
    table.iter().find_map(|(key, value)| {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        key_in_value(value, offset, &path).or_else(|| {
            (contains(&key.span(), offset) || contains(&value.span(), offset)).then_some(path)
        })
    })
}

/// [`key_at`] within a value: the deepest key inside it, if it is a
/// container.
fn key_in_value(value: &Spanned<DeValue<'_>>, offset: usize, path: &str) -> Option<String> {
    match value.get_ref() {
        DeValue::Table(table) => key_in_table(table, offset, path),
        DeValue::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let path = format!("{path}[{i}]");
            key_in_value(item, offset, &path)
                .or_else(|| contains(&item.span(), offset).then_some(path))
        }),
        _ => None,
    }
}

/// The byte offset of dotted `key` (`a.b`, `a[1].b`) in `text`: the start of
/// its last segment's key, or of the deepest part of the path that exists.
fn locate_key(text: &str, key: &str) -> Option<usize> {
    let root = DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut found = None;
    for segment in key.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let Some((k, mut v)) = table.get_key_value(name) else {
            break;
        };
        found = Some(k.span().start);
        if let Some(i) = index {
            let Some(item) = v.get_ref().as_array().and_then(|items| items.get(i)) else {
                break;
            };
            found = Some(item.span().start);
            v = item;
        }
        match v.get_ref().as_table() {
            Some(t) => table = t,
            None => break,
        }
    }
    found
}
