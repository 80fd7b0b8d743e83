//! Connecting (with the `-d` lines of CONNECT and CONNACK), and the
//! descriptions of client failures.

use std::io;

use midge_client::{Client, ClientError, ConnectOptions, Events};

use super::failure::refusal_status;
use super::{Conn, Failure, Log};

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
