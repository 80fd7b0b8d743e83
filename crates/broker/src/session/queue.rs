//! A session's bounded queue of deliveries not yet sent.
//!
//! Memory is a budget: a queue holds at most `max_messages` deliveries and
//! `max_bytes` of payload. When full, QoS 0 messages go first (the newest QoS 0
//! is simply not queued, or the oldest queued QoS 0 makes room for a QoS 1/2);
//! then the configured policy drops the new message or the oldest one. The
//! caller counts every drop.
//!
//! Before it is full, a queue past its high-water mark (half the limits) holds
//! its publishers back (flow control, see `Session::poll_drained`) until it is
//! down to its low-water mark (a quarter), so a consumer that keeps reading,
//! however slowly, loses nothing.

use std::collections::VecDeque;

use midge_proto::QoS;

use crate::config::QueueFullPolicy;
use crate::message::Delivery;

/// The limits a queue enforces (from the configuration at the time of the push).
#[derive(Debug, Clone, Copy)]
pub struct QueueLimits {
    /// Most deliveries queued.
    pub max_messages: usize,
    /// Most payload bytes queued.
    pub max_bytes: usize,
    /// Whether QoS 0 messages are queued while the session is offline.
    pub queue_qos0_offline: bool,
    /// What to drop when full and no QoS 0 message can go.
    pub policy: QueueFullPolicy,
}

/// The outcome of one push.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Enqueued {
    /// The new delivery is in the queue.
    pub queued: bool,
    /// QoS 0 deliveries dropped (the new one or an older one).
    pub dropped_qos0: u32,
    /// QoS 1/2 deliveries dropped by the queue-full policy.
    pub dropped_full: u32,
    /// The new delivery was QoS 0 for an offline session and not queued.
    pub offline_qos0: bool,
    /// The queue is past its high-water mark: the publisher should wait for
    /// it to drain before reading more.
    pub congested: bool,
}

impl Enqueued {
    /// The new delivery is in the queue.
    pub fn queued(&self) -> bool {
        self.queued
    }
}

/// The queue.
#[derive(Debug, Default)]
pub struct Queue {
    items: VecDeque<Delivery>,
    bytes: usize,
}

impl Queue {
    /// Number of queued deliveries.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Payload bytes queued.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The oldest delivery.
    pub fn front(&self) -> Option<&Delivery> {
        self.items.front()
    }

    /// Removes the oldest delivery.
    pub fn pop(&mut self) -> Option<Delivery> {
        let d = self.items.pop_front()?;
        self.bytes = self.bytes.saturating_sub(d.message.cost());
        Some(d)
    }

    /// Puts deliveries back at the front, in order (a batch that could not be sent).
    pub fn push_front_all(&mut self, items: impl DoubleEndedIterator<Item = Delivery>) {
        for d in items.rev() {
            self.bytes += d.message.cost();
            self.items.push_front(d);
        }
    }

    /// Removes every delivery.
    pub fn drain(&mut self) -> impl Iterator<Item = Delivery> + '_ {
        self.bytes = 0;
        self.items.drain(..)
    }

    /// Removes the deliveries `take` selects, keeping the others in order.
    pub fn extract(&mut self, mut take: impl FnMut(&Delivery) -> bool) -> Vec<Delivery> {
        let mut taken = Vec::new();
        let mut kept = VecDeque::with_capacity(self.items.len());
        for d in self.items.drain(..) {
            if take(&d) {
                self.bytes = self.bytes.saturating_sub(d.message.cost());
                taken.push(d);
            } else {
                kept.push_back(d);
            }
        }
        self.items = kept;
        taken
    }

    /// Queues `d` within `limits`; `online` says whether a connection is attached.
    pub fn push(&mut self, d: Delivery, limits: &QueueLimits, online: bool) -> Enqueued {
        let mut out = Enqueued::default();
        let qos0 = d.qos == QoS::AtMostOnce;
        if qos0 && !online && !limits.queue_qos0_offline {
            out.offline_qos0 = true;
            return out;
        }
        let cost = d.message.cost();
        while self.is_full(cost, limits) {
            if qos0 {
                out.dropped_qos0 += 1;
                return out;
            }
            if let Some(i) = self.items.iter().position(|q| q.qos == QoS::AtMostOnce) {
                if let Some(old) = self.items.remove(i) {
                    self.bytes = self.bytes.saturating_sub(old.message.cost());
                }
                out.dropped_qos0 += 1;
                continue;
            }
            match limits.policy {
                QueueFullPolicy::DropNew => {
                    out.dropped_full += 1;
                    return out;
                }
                QueueFullPolicy::DropOldest => {
                    if self.pop().is_none() {
                        // Empty and still "full": the message alone is over
                        // the byte budget.
                        out.dropped_full += 1;
                        return out;
                    }
                    out.dropped_full += 1;
                }
            }
        }
        self.bytes += cost;
        self.items.push_back(d);
        out.queued = true;
        out
    }

    /// Past the high-water mark: half the message or byte limit.
    pub fn above_high_water(&self, limits: &QueueLimits) -> bool {
        self.items.len() >= limits.max_messages / 2 || self.bytes >= limits.max_bytes / 2
    }

    /// Down to the low-water mark: a quarter of both limits.
    pub fn below_low_water(&self, limits: &QueueLimits) -> bool {
        self.items.len() <= limits.max_messages / 4 && self.bytes <= limits.max_bytes / 4
    }

    fn is_full(&self, cost: usize, limits: &QueueLimits) -> bool {
        self.items.len() >= limits.max_messages || self.bytes + cost > limits.max_bytes
    }
}
