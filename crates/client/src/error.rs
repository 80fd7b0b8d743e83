//! Client errors.

use std::fmt;
use std::io;

use midge_proto::{DecodeError, EncodeError, ReasonCode};

/// What went wrong.
#[derive(Debug)]
pub enum ClientError {
    /// The TCP connection failed.
    Io(io::Error),
    /// The broker refused the connection (CONNACK reason code).
    Refused(ReasonCode),
    /// No CONNACK (or TCP connection) within the connect timeout.
    Timeout,
    /// The broker sent something that is not valid MQTT.
    Protocol(String),
    /// The broker rejected this request (PUBACK, PUBREC, SUBACK or UNSUBACK
    /// reason code 0x80 or above).
    Rejected(ReasonCode),
    /// The connection was lost before the request completed (and it cannot be
    /// completed on a later connection).
    ConnectionLost,
    /// The broker disconnected us with this reason code.
    Disconnected(ReasonCode),
    /// The client has shut down.
    Closed,
    /// The request cannot be encoded (e.g. invalid for the protocol version).
    Encode(EncodeError),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Io(e) => write!(f, "connection failed: {e}"),
            ClientError::Refused(code) => write!(
                f,
                "connection refused by the broker: {} (0x{:02X})",
                code.description(),
                code.as_u8()
            ),
            ClientError::Timeout => f.write_str("timed out waiting for the broker"),
            ClientError::Protocol(e) => write!(f, "protocol error: {e}"),
            ClientError::Rejected(code) => write!(
                f,
                "rejected by the broker: {} (0x{:02X})",
                code.description(),
                code.as_u8()
            ),
            ClientError::ConnectionLost => f.write_str("connection lost"),
            ClientError::Disconnected(code) => write!(
                f,
                "disconnected by the broker: {} (0x{:02X})",
                code.description(),
                code.as_u8()
            ),
            ClientError::Closed => f.write_str("client is closed"),
            ClientError::Encode(e) => write!(f, "cannot encode the request: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        ClientError::Io(e)
    }
}

impl From<DecodeError> for ClientError {
    fn from(e: DecodeError) -> Self {
        ClientError::Protocol(e.to_string())
    }
}

impl From<EncodeError> for ClientError {
    fn from(e: EncodeError) -> Self {
        ClientError::Encode(e)
    }
}
