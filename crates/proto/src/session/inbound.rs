//! The receiver's side of QoS 2 delivery (section 4.3.3) and of flow control
//! (section 4.9): the Packet Identifiers of one session whose PUBLISH has been
//! received and acknowledged with PUBREC but not yet released by PUBREL.
//!
//! This state belongs to the Session: a PUBREL may arrive on a later connection.

use super::id_hash::IdSet;
use std::num::NonZeroU16;

use crate::error::ErrorKind;
use crate::types::{PacketId, QoS};

/// What to do with a PUBLISH just received, as decided by [`Inbound::on_publish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InboundPublish {
    /// A new Application Message: deliver it onwards, then acknowledge it (PUBACK
    /// for QoS 1, PUBREC for QoS 2, nothing for QoS 0).
    Deliver,
    /// A QoS 2 PUBLISH whose Packet Identifier still awaits PUBREL: send PUBREC
    /// again but do not deliver the message a second time ([MQTT-4.3.3-10]).
    Duplicate,
}

/// The QoS 2 exchanges one session has received and not yet seen released, and
/// the Receive Maximum we announced to the peer. An empty `Inbound` allocates
/// nothing.
#[derive(Debug, Clone)]
pub struct Inbound {
    receive_maximum: NonZeroU16,
    awaiting_pubrel: IdSet,
}

impl Inbound {
    /// Receiver state enforcing the Receive Maximum `receive_maximum` we announced
    /// (CONNACK for a server, CONNECT for a client).
    pub fn new(receive_maximum: NonZeroU16) -> Self {
        Self {
            receive_maximum,
            awaiting_pubrel: IdSet::default(),
        }
    }

    /// Takes the Receive Maximum announced on a new connection.
    pub fn set_receive_maximum(&mut self, receive_maximum: NonZeroU16) {
        self.receive_maximum = receive_maximum;
    }

    /// The Receive Maximum in force.
    pub fn receive_maximum(&self) -> NonZeroU16 {
        self.receive_maximum
    }

    /// A PUBLISH with `qos` and Packet Identifier `id` arrived (for QoS 0, `id`
    /// is ignored).
    ///
    /// QoS 0 is always delivered; QoS 1 is delivered unless the QoS 2 exchanges
    /// awaiting PUBREL already fill the Receive Maximum (the receiver
    /// acknowledges QoS 1 at once, after which the same identifier is a new
    /// publication, [MQTT-4.3.2-5]). A QoS 2 PUBLISH whose identifier awaits PUBREL is a
    /// [`InboundPublish::Duplicate`] ([MQTT-4.3.3-10]); otherwise it is recorded as
    /// awaiting PUBREL and delivered; if the caller then refuses it (PUBREC 0x80
    /// or above) it calls [`Inbound::forget`].
    ///
    /// Errors with [`ErrorKind::ReceiveMaximumExceeded`] (DISCONNECT 0x93), leaving
    /// the state unchanged, when a new QoS 1 or QoS 2 PUBLISH would exceed the
    /// Receive Maximum ([MQTT-3.3.4-7] is the sender's obligation being enforced).
    pub fn on_publish(&mut self, qos: QoS, id: PacketId) -> Result<InboundPublish, ErrorKind> {
        match qos {
            QoS::AtMostOnce => Ok(InboundPublish::Deliver),
            // Acknowledged at once, so it never stays unacknowledged; but while
            // it is being received it is one more on top of those awaiting
            // PUBREL.
            QoS::AtLeastOnce => {
                if self.awaiting_pubrel.len() >= usize::from(self.receive_maximum.get()) {
                    Err(ErrorKind::ReceiveMaximumExceeded)
                } else {
                    Ok(InboundPublish::Deliver)
                }
            }
            QoS::ExactlyOnce => {
                if self.awaiting_pubrel.contains(&id.get()) {
                    Ok(InboundPublish::Duplicate)
                } else if self.awaiting_pubrel.len() >= usize::from(self.receive_maximum.get()) {
                    Err(ErrorKind::ReceiveMaximumExceeded)
                } else {
                    self.awaiting_pubrel.insert(id.get());
                    Ok(InboundPublish::Deliver)
                }
            }
        }
    }

    /// Forgets the QoS 2 exchange `id` after the caller answered its PUBLISH with
    /// a PUBREC reason code of 0x80 or above: a later PUBLISH with that identifier
    /// is a new Application Message ([MQTT-4.3.3-9]). Returns whether `id` was
    /// awaiting PUBREL.
    pub fn forget(&mut self, id: PacketId) -> bool {
        self.on_pubrel(id)
    }

    /// A PUBREL arrived for `id`: ends the exchange. True when `id` was awaiting
    /// PUBREL (answer PUBCOMP Success, [MQTT-4.3.3-11]); false when it was unknown
    /// (answer PUBCOMP 0x92, Packet Identifier not found). Either way the
    /// identifier is then a new publication if it comes again.
    pub fn on_pubrel(&mut self, id: PacketId) -> bool {
        let known = self.awaiting_pubrel.remove(&id.get());
        if self.awaiting_pubrel.is_empty() && self.awaiting_pubrel.capacity() > KEEP_CAPACITY {
            self.awaiting_pubrel = IdSet::default();
        }
        known
    }

    /// True when `id` is a QoS 2 exchange awaiting PUBREL.
    pub fn contains(&self, id: PacketId) -> bool {
        self.awaiting_pubrel.contains(&id.get())
    }

    /// The number of QoS 2 exchanges awaiting PUBREL.
    pub fn awaiting_pubrel(&self) -> usize {
        self.awaiting_pubrel.len()
    }

    /// Forgets every exchange (a new session, Clean Start) and frees the memory.
    pub fn clear(&mut self) {
        self.awaiting_pubrel = IdSet::default();
    }
}

/// An emptied set keeps its allocation up to this capacity; a larger one is
/// released.
const KEEP_CAPACITY: usize = 128;
