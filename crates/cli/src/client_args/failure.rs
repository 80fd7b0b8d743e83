//! Why a client tool stops unsuccessfully, and its exit status.

use std::process::ExitCode;

use midge_proto::{ProtocolVersion, ReasonCode};

use super::{EXIT_TIMED_OUT, eprint_line};

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
pub(super) fn refusal_status(code: ReasonCode, version: ProtocolVersion) -> u8 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_of_refusals() {
        assert_eq!(
            refusal_status(ReasonCode::ClientIdentifierNotValid, ProtocolVersion::V5),
            0x85
        );
        assert_eq!(
            refusal_status(
                ReasonCode::ClientIdentifierNotValid,
                ProtocolVersion::V3_1_1
            ),
            2
        );
    }
}
