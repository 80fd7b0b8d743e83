//! The rendering of each `%` field, with printf's widths, precisions and
//! Mosquitto's payload quirks.

use std::fmt::Write as _;

use chrono::{DateTime, Local, Timelike};
use midge_proto::Publish;

use super::json::json_message;
use super::parse::Spec;
use super::{Bytes, Printer, Rendered};

impl Printer {
    pub(super) fn field(
        &self,
        r: &mut Rendered,
        spec: &Spec,
        msg: &Publish,
        now: &DateTime<Local>,
    ) {
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
