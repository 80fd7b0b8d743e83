//! DISCONNECT from the client.

use midge_proto::{Disconnect, ReasonCode};

use crate::connection::{Close, ConnState};

/// Handles DISCONNECT: reason 0x00 discards the will ([MQTT-3.14.4-3]), 0x04
/// and error codes keep it; a v5 client may change the Session Expiry
/// Interval, but not from 0 (section 3.14.2.2.2: a Protocol Error).
pub fn handle(state: &mut ConnState, disconnect: Disconnect) -> Result<(), Close> {
    if let Some(expiry) = disconnect.properties.session_expiry_interval {
        if state.connect_expiry_zero && expiry != 0 {
            return Err(Close::refuse(
                ReasonCode::ProtocolError,
                None,
                "DISCONNECT sets a Session Expiry Interval after CONNECT set 0",
            ));
        }
        let max = state.shared.config().session.max_expiry_secs;
        state.expiry_interval = expiry.min(max);
    }
    let with_will = disconnect.reason_code != ReasonCode::Success;
    Err(Close::Disconnect { with_will })
}
