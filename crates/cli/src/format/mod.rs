//! Printing received messages as `mosquitto_sub` does: the payload alone,
//! `-v` (topic and payload, "(null)" for an empty payload), `-N` (no end of
//! line), and `-F format` with its `%` fields (topic, payload, hex, length,
//! message id, QoS, retain, MQTT 5 properties, JSON, times), `@` time codes
//! (strftime, `@N` nanoseconds) and `\` escapes, byte for byte like
//! Mosquitto 2 (including its field widths and cJSON's JSON layout).

mod fields;
mod json;
mod json_parser;
mod parse;
mod time;

use chrono::{DateTime, Local};
use clap::Args;
use midge_proto::Publish;

use self::parse::{Token, parse};
use self::time::time_code;

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
}

/// `fmt::Write` into a byte buffer.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests;
