//! The sender's side of QoS 1 and QoS 2 delivery (sections 4.3.2, 4.3.3, 4.4 and
//! 4.9): Packet Identifier allocation, the send quota and the in-flight messages
//! of one session, in send order.
//!
//! A server keeps one [`Outbound`] per session for the PUBLISH packets it sends to
//! the client; a client keeps one for the PUBLISH packets it sends to the server.
//! Unlike Topic Aliases, this state belongs to the Session and outlives a Network
//! Connection: on a reconnect without Clean Start, [`Outbound::pending`] lists what
//! must be sent again ([MQTT-4.4.0-1]).

use super::id_hash::{IdMap, IdSet};
use std::num::NonZeroU16;

use crate::error::ErrorKind;
use crate::reason::ReasonCode;
use crate::types::{PacketId, QoS};

/// An emptied table keeps its allocation up to this capacity (a typical
/// in-flight window, so a busy session does not reallocate every time it
/// drains); a larger one is released so that a session that once had a burst
/// in flight goes back to costing little when idle.
const KEEP_CAPACITY: usize = 128;

/// Where one outgoing QoS > 0 exchange stands.
#[derive(Debug, Clone)]
enum Awaiting<T> {
    /// QoS 1 PUBLISH sent, waiting for PUBACK.
    Ack(T),
    /// QoS 2 PUBLISH sent, waiting for PUBREC.
    Rec(T),
    /// PUBREL sent, waiting for PUBCOMP. The message itself has been handed back
    /// because the PUBLISH is never sent again ([MQTT-4.3.3-6]).
    Comp,
}

/// One in-flight exchange: its state and its place in the send order.
#[derive(Debug, Clone)]
struct Entry<T> {
    seq: u64,
    state: Awaiting<T>,
}

/// What a PUBREC did to an outgoing QoS 2 exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PubRecOutcome<T> {
    /// Reason code below 0x80: the exchange now awaits PUBCOMP and the caller must
    /// send PUBREL with the same Packet Identifier ([MQTT-4.3.3-4]). The message is
    /// returned because the PUBLISH is never re-sent after PUBREL ([MQTT-4.3.3-6]).
    Release(T),
    /// Reason code 0x80 or above: the PUBLISH is treated as acknowledged, the
    /// exchange is over and the message must not be retransmitted
    /// ([MQTT-4.4.0-2]). No PUBREL is sent.
    Rejected(T),
    /// A PUBREC for an exchange already awaiting PUBCOMP (a duplicate): the caller
    /// sends PUBREL again.
    AlreadyReleased,
}

/// An exchange to resume on a new connection, as listed by [`Outbound::pending`].
#[derive(Debug, PartialEq, Eq)]
pub enum Resend<'a, T> {
    /// Send the PUBLISH again with DUP set and its original Packet Identifier.
    Publish {
        /// The original Packet Identifier.
        packet_id: PacketId,
        /// The QoS it was sent with.
        qos: QoS,
        /// The message.
        item: &'a T,
    },
    /// Send PUBREL again for this Packet Identifier.
    PubRel(PacketId),
}

// `Resend` holds only a reference to `T`: copyable whatever `T` is.
impl<T> Clone for Resend<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Resend<'_, T> {}

/// The QoS 1 and QoS 2 PUBLISH packets one session has sent and not yet seen
/// acknowledged, bounded by the peer's Receive Maximum.
///
/// `T` is whatever the caller needs to send the PUBLISH again (typically the
/// message). An empty `Outbound` allocates nothing.
#[derive(Debug, Clone)]
pub struct Outbound<T> {
    receive_maximum: NonZeroU16,
    entries: IdMap<Entry<T>>,
    /// Identifiers held by other exchanges of the sender (SUBSCRIBE,
    /// UNSUBSCRIBE), which share the identifier space ([MQTT-2.2.1-3]).
    reserved: IdSet,
    /// The Packet Identifier given out last (0 before the first).
    last_id: u16,
    /// The send sequence of the next exchange started.
    next_seq: u64,
}

impl<T> Outbound<T> {
    /// In-flight state for a peer whose Receive Maximum is `receive_maximum`: the
    /// initial send quota ([MQTT-4.9.0-1]).
    pub fn new(receive_maximum: NonZeroU16) -> Self {
        Self {
            receive_maximum,
            entries: IdMap::default(),
            reserved: IdSet::default(),
            last_id: 0,
            next_seq: 0,
        }
    }

    /// Takes the Receive Maximum the peer announced on a new connection. Exchanges
    /// still in flight count against it; the quota is 0 until enough complete.
    pub fn set_receive_maximum(&mut self, receive_maximum: NonZeroU16) {
        self.receive_maximum = receive_maximum;
    }

    /// The peer's Receive Maximum in force.
    pub fn receive_maximum(&self) -> NonZeroU16 {
        self.receive_maximum
    }

    /// How many more QoS 1 or QoS 2 PUBLISH packets may be sent now: the Receive
    /// Maximum less every exchange in flight, including those awaiting PUBCOMP
    /// ([MQTT-4.9.0-2], [MQTT-3.3.4-9] for a server, [MQTT-3.3.4-7] for a client).
    pub fn quota(&self) -> u16 {
        let in_flight = u16::try_from(self.entries.len()).unwrap_or(u16::MAX);
        self.receive_maximum.get().saturating_sub(in_flight)
    }

    /// The number of exchanges in flight.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is in flight.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Starts a QoS 1 or QoS 2 exchange for `item`: allocates an unused Packet
    /// Identifier ([MQTT-4.3.2-1], [MQTT-4.3.3-1]) and records the exchange as
    /// awaiting PUBACK or PUBREC. Identifiers are given out in turn through
    /// `1..=65535`, skipping those in use; never 0 (v5 [MQTT-2.2.1-3] and
    /// [MQTT-2.2.1-4], v3.1.1 [MQTT-2.3.1-1]).
    ///
    /// Returns `item` back when the quota is 0 ([MQTT-4.9.0-2]) or `qos` is 0,
    /// which has no exchange to track.
    pub fn start(&mut self, qos: QoS, item: T) -> Result<PacketId, T> {
        if self.quota() == 0 {
            return Err(item);
        }
        let state: fn(T) -> Awaiting<T> = match qos {
            QoS::AtMostOnce => return Err(item),
            QoS::AtLeastOnce => Awaiting::Ack,
            QoS::ExactlyOnce => Awaiting::Rec,
        };
        // A positive quota means fewer than 65,535 identifiers are in use.
        let Some(id) = self.free_id() else {
            return Err(item);
        };
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.last_id = id.get();
        self.entries.insert(
            id.get(),
            Entry {
                seq,
                state: state(item),
            },
        );
        Ok(id)
    }

    /// Reserves an unused Packet Identifier for another kind of exchange
    /// (SUBSCRIBE or UNSUBSCRIBE): no PUBLISH gets it until
    /// [`Outbound::release_id`]. It does not count against the send quota.
    /// `None` when all 65,535 identifiers are in use.
    pub fn reserve_id(&mut self) -> Option<PacketId> {
        let id = self.free_id()?;
        self.last_id = id.get();
        self.reserved.insert(id.get());
        Some(id)
    }

    /// Frees an identifier from [`Outbound::reserve_id`] (its SUBACK or
    /// UNSUBACK arrived). Returns whether it was reserved.
    pub fn release_id(&mut self, id: PacketId) -> bool {
        self.reserved.remove(&id.get())
    }

    /// Whether `id` is in use by an exchange in flight or a reservation.
    pub fn contains(&self, id: PacketId) -> bool {
        self.entries.contains_key(&id.get()) || self.reserved.contains(&id.get())
    }

    /// The next Packet Identifier after the last one given out that is not in use.
    fn free_id(&self) -> Option<PacketId> {
        let mut candidate = self.last_id;
        for _ in 0..u16::MAX {
            candidate = candidate.checked_add(1).unwrap_or(1);
            if !self.entries.contains_key(&candidate) && !self.reserved.contains(&candidate) {
                return PacketId::new(candidate);
            }
        }
        None
    }

    /// A PUBACK arrived: ends the QoS 1 exchange `id` and returns its message.
    ///
    /// Errors with [`ErrorKind::UnknownPacketId`], changing nothing, when `id` is
    /// not a QoS 1 exchange awaiting PUBACK.
    pub fn on_puback(&mut self, id: PacketId) -> Result<T, ErrorKind> {
        let unknown = ErrorKind::UnknownPacketId(id.get());
        match self.entries.get(&id.get()).map(|entry| &entry.state) {
            Some(Awaiting::Ack(_)) => match self.remove(id) {
                Some(Awaiting::Ack(item)) => Ok(item),
                _ => Err(unknown),
            },
            _ => Err(unknown),
        }
    }

    /// A PUBREC with `reason` arrived for the QoS 2 exchange `id`; see
    /// [`PubRecOutcome`] for what the caller does next.
    ///
    /// Errors with [`ErrorKind::UnknownPacketId`], changing nothing, when `id` is
    /// not a QoS 2 exchange.
    pub fn on_pubrec(
        &mut self,
        id: PacketId,
        reason: ReasonCode,
    ) -> Result<PubRecOutcome<T>, ErrorKind> {
        let unknown = ErrorKind::UnknownPacketId(id.get());
        let Some(entry) = self.entries.get_mut(&id.get()) else {
            return Err(unknown);
        };
        match entry.state {
            Awaiting::Ack(_) => return Err(unknown),
            Awaiting::Comp => return Ok(PubRecOutcome::AlreadyReleased),
            Awaiting::Rec(_) => {}
        }
        if reason.is_error() {
            match self.remove(id) {
                Some(Awaiting::Rec(item)) => Ok(PubRecOutcome::Rejected(item)),
                _ => Err(unknown),
            }
        } else {
            match std::mem::replace(&mut entry.state, Awaiting::Comp) {
                Awaiting::Rec(item) => Ok(PubRecOutcome::Release(item)),
                other => {
                    entry.state = other;
                    Err(unknown)
                }
            }
        }
    }

    /// A PUBCOMP arrived: ends the QoS 2 exchange `id`, which must be awaiting
    /// PUBCOMP; its Packet Identifier is free again.
    ///
    /// Errors with [`ErrorKind::UnknownPacketId`], changing nothing, otherwise.
    pub fn on_pubcomp(&mut self, id: PacketId) -> Result<(), ErrorKind> {
        match self.entries.get(&id.get()).map(|entry| &entry.state) {
            Some(Awaiting::Comp) => {
                self.remove(id);
                Ok(())
            }
            _ => Err(ErrorKind::UnknownPacketId(id.get())),
        }
    }

    /// Every unacknowledged exchange in its original send order, for resending on
    /// a new connection without Clean Start with the original Packet Identifiers
    /// ([MQTT-4.4.0-1]): PUBLISH (with DUP set) for exchanges awaiting PUBACK or
    /// PUBREC, PUBREL for those awaiting PUBCOMP.
    pub fn pending(&self) -> Vec<Resend<'_, T>> {
        self.in_send_order()
            .into_iter()
            .filter_map(|(id, entry)| {
                let packet_id = PacketId::new(id)?;
                Some(match &entry.state {
                    Awaiting::Ack(item) => Resend::Publish {
                        packet_id,
                        qos: QoS::AtLeastOnce,
                        item,
                    },
                    Awaiting::Rec(item) => Resend::Publish {
                        packet_id,
                        qos: QoS::ExactlyOnce,
                        item,
                    },
                    Awaiting::Comp => Resend::PubRel(packet_id),
                })
            })
            .collect()
    }

    /// The messages still held (exchanges awaiting PUBACK or PUBREC), in send order.
    pub fn iter_items(&self) -> impl Iterator<Item = &T> {
        self.in_send_order()
            .into_iter()
            .filter_map(|(_, entry)| entry.state.item())
    }

    /// Discards every exchange (a new session, Clean Start) and returns the
    /// messages still held, in send order. Frees the table's memory.
    pub fn clear(&mut self) -> Vec<T> {
        self.reserved.clear();
        let mut entries: Vec<Entry<T>> = std::mem::take(&mut self.entries).into_values().collect();
        entries.sort_unstable_by_key(|entry| entry.seq);
        entries
            .into_iter()
            .filter_map(|entry| entry.state.into_item())
            .collect()
    }

    /// The entries sorted by send sequence.
    fn in_send_order(&self) -> Vec<(u16, &Entry<T>)> {
        let mut entries: Vec<(u16, &Entry<T>)> = self
            .entries
            .iter()
            .map(|(&id, entry)| (id, entry))
            .collect();
        entries.sort_unstable_by_key(|(_, entry)| entry.seq);
        entries
    }

    /// Removes exchange `id`, giving a large table's memory back once it is
    /// empty. (Lookups use `get`, never `entry`, which may allocate.)
    fn remove(&mut self, id: PacketId) -> Option<Awaiting<T>> {
        let removed = self.entries.remove(&id.get());
        if self.entries.is_empty() && self.entries.capacity() > KEEP_CAPACITY {
            self.entries = IdMap::default();
        }
        removed.map(|entry| entry.state)
    }
}

impl<T> Awaiting<T> {
    fn item(&self) -> Option<&T> {
        match self {
            Self::Ack(item) | Self::Rec(item) => Some(item),
            Self::Comp => None,
        }
    }

    fn into_item(self) -> Option<T> {
        match self {
            Self::Ack(item) | Self::Rec(item) => Some(item),
            Self::Comp => None,
        }
    }
}
