//! The `-d` output of the client tools, and message ids for it.

use std::fmt::Display;

use midge_proto::QoS;

use super::{Conn, eprint_line, write_stdout};

/// `-d` output ("Client ID sending PUBLISH (...)", on standard output like
/// Mosquitto's) and message ids for it.
#[derive(Debug)]
pub(crate) struct Log {
    debug: bool,
    quiet: bool,
    pub(super) client: String,
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
