//! Printing received messages as `mosquitto_sub` does: the payload alone,
//! `-v` (topic and payload, "(null)" for an empty payload), `-N` (no end of
//! line), and `-F format` with its `%` fields (topic, payload, hex, length,
//! message id, QoS, retain, MQTT 5 properties, JSON, times), `@` time codes
//! (strftime, `@N` nanoseconds) and `\` escapes, byte for byte like
//! Mosquitto 2 (including its field widths and cJSON's JSON layout).

use std::fmt::Write as _;

use chrono::{DateTime, Local, Timelike};
use clap::Args;
use midge_proto::Publish;

/// Output flags shared by `sub` and `rr`.
#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// Print the topic before the payload.
    #[arg(short = 'v', long = "verbose")]
    pub(crate) verbose: bool,
    /// Do not add an end of line after each message.
    #[arg(short = 'N')]
    pub(crate) no_eol: bool,
    /// Output format: %t topic, %p payload, %x/%X payload in hex, %l length,
    /// %m message id, %q QoS, %r retain, %j/%J JSON, %I ISO-8601 time, %U
    /// Unix time; MQTT 5: %A topic alias, %C content type, %D correlation
    /// data, %E message expiry, %F payload format, %P user properties, %R
    /// response topic, %S subscription id; @ strftime codes (@N:
    /// nanoseconds); \n \t \\ \0 \a \e \r \v escapes; %% and @@ literals.
    #[arg(short = 'F', value_name = "FORMAT", allow_hyphen_values = true)]
    pub(crate) format: Option<String>,
    /// Pretty-print JSON output (%j, %J).
    #[arg(long)]
    pub(crate) pretty: bool,
}

impl OutputArgs {
    /// The printer for these flags; an error is a whole usage message.
    pub(crate) fn printer(&self) -> Result<Printer, String> {
        let format = self.format.as_deref().map(parse).transpose()?;
        Ok(Printer {
            format,
            verbose: self.verbose,
            eol: !self.no_eol,
            pretty: self.pretty,
        })
    }
}

/// One piece of a `-F` format.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// Bytes printed as they are (after `\` escapes, `%%` and `@@`).
    Literal(Vec<u8>),
    /// A `%` field.
    Field(Spec),
    /// An `@` time code (strftime letter, or `N` for nanoseconds).
    Time(char),
}

/// A `%[-][0][width][.precision]conversion` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spec {
    conversion: u8,
    left: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

const CONVERSIONS: &[u8] = b"%ACDEFIlmPpqRrStjJUxX";

/// Parses and checks a `-F` format (Mosquitto's `check_format` rules).
fn parse(format: &str) -> Result<Vec<Token>, String> {
    let bytes = format.as_bytes();
    let mut tokens = Vec::new();
    let mut literal = Vec::new();
    let incomplete = || "Error: Incomplete format specifier.".to_owned();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                i += 1;
                let mut spec = Spec {
                    conversion: 0,
                    left: false,
                    zero: false,
                    width: 0,
                    precision: None,
                };
                if bytes.get(i) == Some(&b'-') {
                    spec.left = true;
                    i += 1;
                }
                if bytes.get(i) == Some(&b'0') {
                    spec.zero = true;
                    i += 1;
                }
                while let Some(d) = bytes.get(i).filter(|d| d.is_ascii_digit()) {
                    spec.width = spec
                        .width
                        .saturating_mul(10)
                        .saturating_add(usize::from(d - b'0'));
                    i += 1;
                }
                if bytes.get(i) == Some(&b'.') {
                    i += 1;
                    let mut precision = 0usize;
                    while let Some(d) = bytes.get(i).filter(|d| d.is_ascii_digit()) {
                        precision = precision
                            .saturating_mul(10)
                            .saturating_add(usize::from(d - b'0'));
                        i += 1;
                    }
                    spec.precision = Some(precision);
                }
                let Some(&c) = bytes.get(i) else {
                    return Err(incomplete());
                };
                if !CONVERSIONS.contains(&c) {
                    let shown = format
                        .get(i..)
                        .and_then(|s| s.chars().next())
                        .unwrap_or('?');
                    return Err(format!("Error: Invalid format specifier '{shown}'."));
                }
                if c == b'%' {
                    literal.push(b'%');
                } else {
                    spec.conversion = c;
                    flush(&mut tokens, &mut literal);
                    tokens.push(Token::Field(spec));
                }
                i += 1;
            }
            b'@' => {
                i += 1;
                let Some(c) = format.get(i..).and_then(|s| s.chars().next()) else {
                    return Err(incomplete());
                };
                if c == '@' {
                    literal.push(b'@');
                } else {
                    flush(&mut tokens, &mut literal);
                    tokens.push(Token::Time(c));
                }
                i += c.len_utf8();
            }
            b'\\' => {
                i += 1;
                let Some(&c) = bytes.get(i) else {
                    return Err("Error: Incomplete escape specifier.".into());
                };
                let byte = match c {
                    b'\\' => b'\\',
                    b'0' => 0,
                    b'a' => 0x07,
                    b'e' => 0x1b,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'v' => 0x0b,
                    _ => {
                        let shown = format
                            .get(i..)
                            .and_then(|s| s.chars().next())
                            .unwrap_or('?');
                        return Err(format!("Error: Invalid escape specifier '{shown}'."));
                    }
                };
                literal.push(byte);
                i += 1;
            }
            _ => {
                literal.push(b);
                i += 1;
            }
        }
    }
    flush(&mut tokens, &mut literal);
    Ok(tokens)
}

fn flush(tokens: &mut Vec<Token>, literal: &mut Vec<u8>) {
    if !literal.is_empty() {
        tokens.push(Token::Literal(std::mem::take(literal)));
    }
}

/// Renders received messages.
#[derive(Debug, Clone)]
pub(crate) struct Printer {
    format: Option<Vec<Token>>,
    verbose: bool,
    eol: bool,
    pretty: bool,
}

/// A rendered message: bytes for standard output, and an error line for
/// standard error (`%J` with a payload that is not JSON).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Rendered {
    /// For standard output.
    pub(crate) out: Vec<u8>,
    /// For standard error.
    pub(crate) error: Option<String>,
}

impl Printer {
    /// Renders `msg`, received at `now`.
    pub(crate) fn render(&self, msg: &Publish, now: &DateTime<Local>) -> Rendered {
        let mut r = Rendered::default();
        let payload = &msg.payload[..];
        match &self.format {
            Some(tokens) => {
                for t in tokens {
                    match t {
                        Token::Literal(bytes) => r.out.extend_from_slice(bytes),
                        Token::Time(c) => time_code(&mut r.out, *c, now),
                        Token::Field(spec) => self.field(&mut r, spec, msg, now),
                    }
                }
                if self.eol {
                    r.out.push(b'\n');
                }
            }
            None => {
                if self.verbose {
                    if !payload.is_empty() {
                        r.out.extend_from_slice(msg.topic.as_str().as_bytes());
                        r.out.push(b' ');
                        r.out.extend_from_slice(payload);
                        if self.eol {
                            r.out.push(b'\n');
                        }
                    } else if self.eol {
                        r.out.extend_from_slice(msg.topic.as_str().as_bytes());
                        r.out.extend_from_slice(b" (null)\n");
                    }
                } else if !payload.is_empty() {
                    r.out.extend_from_slice(payload);
                    if self.eol {
                        r.out.push(b'\n');
                    }
                }
            }
        }
        r
    }

    fn field(&self, r: &mut Rendered, spec: &Spec, msg: &Publish, now: &DateTime<Local>) {
        let out = &mut r.out;
        let props = &msg.properties;
        let pad = if spec.zero { b'0' } else { b' ' };
        match spec.conversion {
            b'A' => match props.topic_alias {
                Some(a) => int(out, i64::from(a.get()), spec),
                None => blank(out, pad, spec.width),
            },
            b'C' => match &props.content_type {
                Some(c) => string(out, c.as_bytes(), spec),
                None => blank(out, b' ', spec.width),
            },
            b'D' => {
                if let Some(d) = &props.correlation_data {
                    out.extend_from_slice(d);
                }
            }
            b'E' => match props.message_expiry_interval {
                // Mosquitto prints it as a C int.
                Some(e) => int(out, i64::from(e as i32), spec),
                None => blank(out, pad, spec.width),
            },
            b'F' => match props.payload_format_indicator {
                Some(f) => int(out, i64::from(u8::from(f)), spec),
                None => blank(out, pad, spec.width),
            },
            b'I' => {
                let text = now.format("%Y-%m-%dT%H:%M:%S%z").to_string();
                string(out, text.as_bytes(), spec);
            }
            b'j' | b'J' => match json_message(msg, now, spec.conversion == b'j', self.pretty) {
                Some(text) => out.extend_from_slice(&text),
                None => {
                    r.error = Some(format!(
                        "Error: Message payload is not valid JSON on topic {}.",
                        msg.topic.as_str()
                    ));
                }
            },
            b'l' => int(
                out,
                i64::try_from(msg.payload.len()).unwrap_or(i64::MAX),
                spec,
            ),
            b'm' => int(out, i64::from(msg.packet_id.map_or(0, |p| p.get())), spec),
            b'P' => {
                for (i, (k, v)) in props.user_properties.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    out.extend_from_slice(k.as_bytes());
                    out.push(b':');
                    out.extend_from_slice(v.as_bytes());
                }
            }
            b'p' => payload(out, &msg.payload, Hex::No, spec),
            b'q' => out.push(b'0' + msg.qos.as_u8()),
            b'R' => {
                if let Some(t) = &props.response_topic {
                    string(out, t.as_str().as_bytes(), spec);
                }
            }
            b'r' => out.push(if msg.retain { b'1' } else { b'0' }),
            b'S' => match props.subscription_identifiers.first() {
                Some(s) => int(out, i64::from(s.get()), spec),
                None => blank(out, pad, spec.width),
            },
            b't' => string(out, msg.topic.as_str().as_bytes(), spec),
            b'U' => {
                let _ = write!(
                    Bytes(out),
                    "{}.{:09}",
                    now.timestamp(),
                    now.nanosecond() % 1_000_000_000
                );
            }
            b'x' => payload(out, &msg.payload, Hex::Lower, spec),
            b'X' => payload(out, &msg.payload, Hex::Upper, spec),
            _ => {}
        }
    }
}

/// `fmt::Write` into a byte buffer.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// An `@` code: strftime's `%c`, or `N` for the nanoseconds.
fn time_code(out: &mut Vec<u8>, code: char, now: &DateTime<Local>) {
    if code == 'N' {
        let _ = write!(Bytes(out), "{:09}", now.nanosecond() % 1_000_000_000);
        return;
    }
    let spec = format!("%{code}");
    let items = chrono::format::StrftimeItems::new(&spec);
    let mut text = String::new();
    if write!(text, "{}", now.format_with_items(items)).is_ok() {
        out.extend_from_slice(text.as_bytes());
    } else {
        // Like C's strftime with an unknown conversion: the code itself.
        out.extend_from_slice(spec.as_bytes());
    }
}

fn blank(out: &mut Vec<u8>, pad: u8, width: usize) {
    out.extend(std::iter::repeat_n(pad, width));
}

/// printf's `%d`, `%-Nd`, `%0Nd`, `%Nd`.
fn int(out: &mut Vec<u8>, value: i64, spec: &Spec) {
    let w = spec.width;
    let text = if w == 0 {
        value.to_string()
    } else if spec.left {
        format!("{value:<w$}")
    } else if spec.zero {
        format!("{value:0w$}")
    } else {
        format!("{value:>w$}")
    };
    out.extend_from_slice(text.as_bytes());
}

/// printf's `%s` with width and precision (in bytes, as C counts them).
fn string(out: &mut Vec<u8>, value: &[u8], spec: &Spec) {
    let shown = match spec.precision {
        Some(p) => value.get(..p.min(value.len())).unwrap_or(value),
        None => value,
    };
    let pad = spec.width.saturating_sub(shown.len());
    if !spec.left {
        blank(out, b' ', pad);
    }
    out.extend_from_slice(shown);
    if spec.left {
        blank(out, b' ', pad);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hex {
    No,
    Lower,
    Upper,
}

/// Mosquitto's `write_payload`, quirks included: a width truncates the
/// payload (in hex, to half the width), and a left-aligned field without a
/// width is followed by as many spaces as the payload is long.
fn payload(out: &mut Vec<u8>, payload: &[u8], hex: Hex, spec: &Spec) {
    let width = i64::try_from(spec.width).unwrap_or(i64::MAX);
    let mut len = i64::try_from(payload.len()).unwrap_or(i64::MAX);
    let padlen;
    if width > 0 {
        len = len.min(width);
        if hex == Hex::No {
            padlen = width - len;
        } else {
            len /= 2;
            padlen = width - len * 2;
        }
    } else {
        padlen = width - len;
    }
    let pad = if spec.zero { b'0' } else { b' ' };
    if !spec.left && padlen > 0 {
        blank(out, pad, usize::try_from(padlen).unwrap_or(0));
    }
    let shown = payload
        .get(..usize::try_from(len).unwrap_or(0))
        .unwrap_or(payload);
    match hex {
        Hex::No => out.extend_from_slice(shown),
        Hex::Lower => {
            for b in shown {
                let _ = write!(Bytes(out), "{b:02x}");
            }
        }
        Hex::Upper => {
            for b in shown {
                let _ = write!(Bytes(out), "{b:02X}");
            }
        }
    }
    if spec.left {
        // printf("%*s", padlen, ""): a negative width left-justifies too.
        blank(
            out,
            b' ',
            usize::try_from(padlen.unsigned_abs()).unwrap_or(0),
        );
    }
}

// ---------------------------------------------------------------------------
// JSON (%j, %J), laid out as cJSON prints it
// ---------------------------------------------------------------------------

/// A JSON value as cJSON holds it: numbers are doubles, objects keep their
/// order (and duplicate keys).
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(Vec<u8>),
    Array(Vec<Json>),
    Object(Vec<(Vec<u8>, Json)>),
}

/// The `%j` (payload as a string) or `%J` (payload parsed as JSON) object;
/// `None` when `%J`'s payload is not JSON.
fn json_message(
    msg: &Publish,
    now: &DateTime<Local>,
    escaped: bool,
    pretty: bool,
) -> Option<Vec<u8>> {
    let tst = format!(
        "{}.{:06}Z{}",
        now.format("%Y-%m-%dT%H:%M:%S"),
        (now.nanosecond() % 1_000_000_000) / 1000,
        now.format("%z")
    );
    let mut root = vec![
        (b"tst".to_vec(), Json::String(tst.into_bytes())),
        (
            b"topic".to_vec(),
            Json::String(msg.topic.as_str().as_bytes().to_vec()),
        ),
        (b"qos".to_vec(), Json::Number(f64::from(msg.qos.as_u8()))),
        (
            b"retain".to_vec(),
            Json::Number(f64::from(u8::from(msg.retain))),
        ),
        (
            b"payloadlen".to_vec(),
            Json::Number(msg.payload.len() as f64),
        ),
    ];
    if let Some(mid) = msg.packet_id {
        root.push((b"mid".to_vec(), Json::Number(f64::from(mid.get()))));
    }
    let properties = json_properties(msg);
    if !properties.is_empty() {
        root.push((b"properties".to_vec(), Json::Object(properties)));
    }
    let payload = if msg.payload.is_empty() {
        Json::Null
    } else if escaped {
        Json::String(c_string(&msg.payload))
    } else {
        parse_json(&msg.payload)?
    };
    root.push((b"payload".to_vec(), payload));
    let mut out = Vec::new();
    print_json(&mut out, &Json::Object(root), pretty, 0);
    Some(out)
}

/// The bytes of a C string: up to the first NUL.
fn c_string(bytes: &[u8]) -> Vec<u8> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    bytes.get(..end).unwrap_or(bytes).to_vec()
}

/// The properties of a message, in the order they are encoded.
fn json_properties(msg: &Publish) -> Vec<(Vec<u8>, Json)> {
    let p = &msg.properties;
    let mut out = Vec::new();
    let mut add = |name: &str, value: Json| out.push((name.as_bytes().to_vec(), value));
    if let Some(f) = p.payload_format_indicator {
        add(
            "payload-format-indicator",
            Json::Number(f64::from(u8::from(f))),
        );
    }
    if let Some(e) = p.message_expiry_interval {
        add("message-expiry-interval", Json::Number(f64::from(e)));
    }
    if let Some(c) = &p.content_type {
        add("content-type", Json::String(c_string(c.as_bytes())));
    }
    if let Some(r) = &p.response_topic {
        add(
            "response-topic",
            Json::String(c_string(r.as_str().as_bytes())),
        );
    }
    if let Some(d) = &p.correlation_data {
        add("correlation-data", Json::String(c_string(d)));
    }
    for s in &p.subscription_identifiers {
        add("subscription-identifier", Json::Number(f64::from(s.get())));
    }
    if let Some(a) = p.topic_alias {
        add("topic-alias", Json::Number(f64::from(a.get())));
    }
    if !p.user_properties.is_empty() {
        let users = p
            .user_properties
            .iter()
            .map(|(k, v)| (c_string(k.as_bytes()), Json::String(c_string(v.as_bytes()))))
            .collect();
        add("user-properties", Json::Object(users));
    }
    out
}

/// cJSON_Print (`pretty`) or cJSON_PrintUnformatted; `depth` is the nesting
/// of the containers around `value`.
fn print_json(out: &mut Vec<u8>, value: &Json, pretty: bool, depth: usize) {
    match value {
        Json::Null => out.extend_from_slice(b"null"),
        Json::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Json::Number(n) => out.extend_from_slice(number_text(*n).as_bytes()),
        Json::String(s) => json_string(out, s),
        Json::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(if pretty { b", " } else { b"," });
                }
                print_json(out, item, pretty, depth + 1);
            }
            out.push(b']');
        }
        Json::Object(members) => {
            let depth = depth + 1;
            out.push(b'{');
            if pretty {
                out.push(b'\n');
            }
            for (i, (key, item)) in members.iter().enumerate() {
                if pretty {
                    out.extend(std::iter::repeat_n(b'\t', depth));
                }
                json_string(out, key);
                out.push(b':');
                if pretty {
                    out.push(b'\t');
                }
                print_json(out, item, pretty, depth);
                if i + 1 < members.len() {
                    out.push(b',');
                }
                if pretty {
                    out.push(b'\n');
                }
            }
            if pretty {
                out.extend(std::iter::repeat_n(b'\t', depth - 1));
            }
            out.push(b'}');
        }
    }
}

/// A JSON string as cJSON escapes it (bytes of 0x80 and above as they are).
fn json_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..0x20 => {
                let _ = write!(Bytes(out), "\\u{b:04x}");
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// cJSON's number text: `%1.15g`, or `%1.17g` when 15 digits do not give the
/// number back; `null` for NaN and infinities.
fn number_text(n: f64) -> String {
    if !n.is_finite() {
        return "null".into();
    }
    let short = format_g(n, 15);
    if short.parse::<f64>().ok() == Some(n) {
        short
    } else {
        format_g(n, 17)
    }
}

/// C's `%.{precision}g`.
fn format_g(n: f64, precision: usize) -> String {
    if n == 0.0 {
        return if n.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let p = precision.max(1);
    let sci = format!("{:.*e}", p - 1, n);
    let Some((mantissa, exponent)) = sci.split_once('e') else {
        return sci;
    };
    let exponent: i64 = exponent.parse().unwrap_or(0);
    if exponent < -4 || exponent >= i64::try_from(p).unwrap_or(i64::MAX) {
        let mantissa = strip_zeros(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    } else {
        let decimals = usize::try_from(i64::try_from(p).unwrap_or(0) - 1 - exponent).unwrap_or(0);
        strip_zeros(&format!("{n:.decimals$}")).to_owned()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Parses a whole payload as JSON the way cJSON does (whitespace is any byte
/// up to 0x20; numbers as doubles).
fn parse_json(text: &[u8]) -> Option<Json> {
    let mut p = JsonParser { text, at: 0 };
    let value = p.value(0)?;
    p.skip_ws();
    (p.at == text.len()).then_some(value)
}

struct JsonParser<'a> {
    text: &'a [u8],
    at: usize,
}

/// cJSON's nesting limit.
const JSON_NESTING_LIMIT: usize = 1000;

impl JsonParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b <= 0x20) {
            self.at += 1;
        }
    }

    fn eat(&mut self, literal: &[u8]) -> bool {
        let end = self.at + literal.len();
        if self.text.get(self.at..end) == Some(literal) {
            self.at = end;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Option<Json> {
        if depth > JSON_NESTING_LIMIT {
            return None;
        }
        self.skip_ws();
        match self.peek()? {
            b'n' => self.eat(b"null").then_some(Json::Null),
            b't' => self.eat(b"true").then_some(Json::Bool(true)),
            b'f' => self.eat(b"false").then_some(Json::Bool(false)),
            b'"' => self.string().map(Json::String),
            b'-' | b'0'..=b'9' => self.number(),
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.at += 1;
                    return Some(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.peek()? {
                        b',' => self.at += 1,
                        b']' => {
                            self.at += 1;
                            return Some(Json::Array(items));
                        }
                        _ => return None,
                    }
                }
            }
            b'{' => {
                self.at += 1;
                let mut members = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.at += 1;
                    return Some(Json::Object(members));
                }
                loop {
                    self.skip_ws();
                    if self.peek()? != b'"' {
                        return None;
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.at += 1;
                    let value = self.value(depth + 1)?;
                    members.push((key, value));
                    self.skip_ws();
                    match self.peek()? {
                        b',' => self.at += 1,
                        b'}' => {
                            self.at += 1;
                            return Some(Json::Object(members));
                        }
                        _ => return None,
                    }
                }
            }
            _ => None,
        }
    }

    fn number(&mut self) -> Option<Json> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        {
            self.at += 1;
        }
        let text = std::str::from_utf8(self.text.get(start..self.at)?).ok()?;
        text.parse::<f64>().ok().map(Json::Number)
    }

    /// A string starting at the opening quote, escapes decoded.
    fn string(&mut self) -> Option<Vec<u8>> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let b = self.peek()?;
            self.at += 1;
            match b {
                b'"' => return Some(out),
                b'\\' => {
                    let e = self.peek()?;
                    self.at += 1;
                    match e {
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'u' => {
                            let c = self.unicode_escape()?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return None,
                    }
                }
                _ => out.push(b),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = std::str::from_utf8(self.text.get(self.at..self.at + 4)?).ok()?;
        let v = u32::from_str_radix(digits, 16).ok()?;
        self.at += 4;
        Some(v)
    }

    /// After `\u`: one code point (a surrogate pair is two escapes).
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if (0xDC00..=0xDFFF).contains(&first) {
            return None;
        }
        if (0xD800..=0xDBFF).contains(&first) {
            if !self.eat(b"\\u") {
                return None;
            }
            let second = self.hex4()?;
            if !(0xDC00..=0xDFFF).contains(&second) {
                return None;
            }
            return char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00));
        }
        char::from_u32(first)
    }
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
