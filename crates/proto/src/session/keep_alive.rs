//! Keep Alive (MQTT 5.0 section 3.1.2.10, 3.1.1 section 3.1.2.10): the deadline
//! by which the next control packet must arrive, and the negotiation of the
//! interval between a Client's request and a Server's limit.
//!
//! Sans-IO: the caller passes the current [`Instant`] in and arms its own timer
//! from [`KeepAlive::deadline`].

use std::time::{Duration, Instant};

/// The keep-alive deadline of one Network Connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepAlive {
    interval_secs: u16,
    last_packet: Instant,
}

impl KeepAlive {
    /// A keep alive of `keep_alive_secs` seconds (0 disables it) for a connection
    /// whose last packet (CONNECT) arrived at `now`.
    pub fn new(keep_alive_secs: u16, now: Instant) -> Self {
        Self {
            interval_secs: keep_alive_secs,
            last_packet: now,
        }
    }

    /// A control packet (any type) arrived at `now`: the deadline starts over.
    pub fn on_packet(&mut self, now: Instant) {
        self.last_packet = now;
    }

    /// The Keep Alive in seconds (0: disabled).
    pub fn interval_secs(&self) -> u16 {
        self.interval_secs
    }

    /// When the connection is to be closed if no control packet arrives first:
    /// one and a half times the Keep Alive after the last packet (v5
    /// [MQTT-3.1.2-22], v3.1.1 [MQTT-3.1.2-24]), exact to the millisecond.
    /// `None` when the keep alive is 0 (disabled) or the deadline is beyond what
    /// [`Instant`] can represent.
    pub fn deadline(&self) -> Option<Instant> {
        if self.interval_secs == 0 {
            return None;
        }
        let grace = Duration::from_millis(u64::from(self.interval_secs) * 1500);
        self.last_packet.checked_add(grace)
    }

    /// True when `now` is strictly after the deadline: the connection must be
    /// closed as if the network had failed ([`crate::ErrorKind::KeepAliveTimeout`],
    /// DISCONNECT 0x8D for MQTT 5.0).
    pub fn is_expired(&self, now: Instant) -> bool {
        self.deadline().is_some_and(|deadline| now > deadline)
    }
}

/// The Keep Alive a Server applies to a Client that asked for `client` seconds,
/// given the Server's maximum `server_max` (0: no maximum), and whether it
/// differs from the Client's so the Server must send it in CONNACK as Server Keep
/// Alive, which the Client then uses ([MQTT-3.2.2-21]); without it both use the
/// Client's value ([MQTT-3.2.2-22]).
///
/// A Client asking for 0 (no keep alive) or more than the maximum gets the
/// maximum.
pub fn negotiate_keep_alive(client: u16, server_max: u16) -> (u16, bool) {
    if server_max == 0 {
        (client, false)
    } else if client == 0 || client > server_max {
        (server_max, true)
    } else {
        (client, false)
    }
}
