//! JSON output (`%j`, `%J`): the message as a JSON object, laid out as cJSON
//! prints it.

use std::fmt::Write as _;

use chrono::{DateTime, Local, Timelike};
use midge_proto::Publish;

use super::Bytes;
use super::json_parser::parse_json;

/// A JSON value as cJSON holds it: numbers are doubles, objects keep their
/// order (and duplicate keys).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(Vec<u8>),
    Array(Vec<Json>),
    Object(Vec<(Vec<u8>, Json)>),
}

/// The `%j` (payload as a string) or `%J` (payload parsed as JSON) object;
/// `None` when `%J`'s payload is not JSON.
pub(super) fn json_message(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_like_printf_g() {
        assert_eq!(number_text(0.0), "0");
        assert_eq!(number_text(-0.0), "-0");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(number_text(100.0), "100");
        assert_eq!(number_text(0.1), "0.1");
        assert_eq!(number_text(1e20), "1e+20");
        assert_eq!(number_text(1.5e-7), "1.5e-07");
        assert_eq!(
            number_text(123_456_789_012_345_680.0),
            "1.2345678901234568e+17"
        );
        assert_eq!(number_text(0.0001), "0.0001");
    }
}
