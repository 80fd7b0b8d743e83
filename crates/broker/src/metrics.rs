//! Broker-wide counters. Plain atomics: cheap to bump on the hot path, read by
//! `$SYS` topics and the metrics endpoint later.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of what the broker did and what it dropped.
#[derive(Debug, Default)]
pub struct Metrics {
    /// PUBLISH packets received from clients.
    pub messages_received: AtomicU64,
    /// PUBLISH packets written to clients.
    pub messages_sent: AtomicU64,
    /// QoS 0 messages dropped because a subscriber's queue was full.
    pub dropped_qos0: AtomicU64,
    /// QoS 1/2 messages dropped by the queue-full policy.
    pub dropped_queue_full: AtomicU64,
    /// Messages dropped because their Message Expiry Interval passed in a queue.
    pub dropped_expired: AtomicU64,
    /// Messages not sent because they exceed the client's Maximum Packet Size.
    pub dropped_too_large: AtomicU64,
    /// QoS 0 messages not queued because the session was offline.
    pub dropped_offline_qos0: AtomicU64,
    /// Retained messages refused because the retained store is full.
    pub dropped_retained_full: AtomicU64,
    /// Connections accepted.
    pub connections_accepted: AtomicU64,
    /// Connections refused because the connection limit was reached.
    pub connections_refused: AtomicU64,
}

impl Metrics {
    /// Adds one to `counter`.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads `counter`.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
