//! What `midge pub`, `midge sub` and `midge rr` share: the connection flags
//! of Mosquitto's clients (`-h -p -L -i -I -u -P -V -k -c -x -d --quiet -D
//! --will-*`), their checks and their messages, the resolved
//! [`ConnectOptions`](midge_client::ConnectOptions), connecting with `-d`
//! output, and exit statuses (0: success; the CONNACK reason code when the
//! broker refuses; 27 when `-W` expires; 1 for anything else).

mod conn;
mod connect;
mod failure;
mod flags;
mod log;
mod random;
mod runtime;
mod url;

use std::fmt::Display;
use std::io::{self, Write};
use std::process::ExitCode;

use midge_proto::{ByteString, TopicFilter, TopicName};

pub(crate) use self::conn::Conn;
pub(crate) use self::connect::{connect, describe, io_text};
pub(crate) use self::failure::Failure;
pub(crate) use self::flags::ConnArgs;
pub(crate) use self::log::Log;
pub(crate) use self::random::Rng;
pub(crate) use self::runtime::{Signals, runtime};

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
