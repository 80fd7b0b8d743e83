//! The state of one connection after CONNECT, shared by the packet handlers.

use std::sync::Arc;

use bytes::BytesMut;
use midge_proto::session::{InboundTopicAliases, KeepAlive, OutboundTopicAliases};
use midge_proto::{
    ByteString, DecodeError, ErrorKind, Packet, ProtocolVersion, QoS, ReasonCode, Will,
};

use crate::broker::Shared;
use crate::metrics::Metrics;
use crate::session::Session;

/// Most PUBLISH packets written per wake-up, so one busy subscription cannot
/// starve the connection's reads.
const PUMP_BATCH: usize = 256;

/// Largest output buffer capacity kept between writes.
const OUT_KEEP: usize = 16 * 1024;

/// Most bytes a Topic Alias can add to a PUBLISH: the property (3 bytes) plus
/// one more byte in each of the Property Length and Remaining Length fields.
const ALIAS_OVERHEAD: usize = 5;

/// Why a connection ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Close {
    /// The client sent DISCONNECT; `with_will` for reason 0x04 or an error code.
    Disconnect {
        /// Publish the will.
        with_will: bool,
    },
    /// The network connection closed or failed.
    Network,
    /// The client broke a rule: a v5 client gets DISCONNECT with `code`.
    Violation {
        /// Reason code to send.
        code: ReasonCode,
        /// The normative statement broken, if numbered.
        rule: Option<&'static str>,
        /// What happened.
        detail: String,
    },
    /// No packet within 1.5 times the Keep Alive.
    KeepAlive,
    /// Another connection took the session over.
    TakenOver,
    /// The broker is shutting down.
    Shutdown,
}

impl Close {
    /// A violation described by `kind` for `version`.
    pub fn violation(kind: ErrorKind, version: ProtocolVersion) -> Self {
        Close::Violation {
            code: kind.reason_code(),
            rule: kind.rule(version),
            detail: kind.to_string(),
        }
    }

    /// A violation found by the decoder.
    pub fn decode(e: &DecodeError) -> Self {
        Close::Violation {
            code: e.reason_code(),
            rule: e.rule(),
            detail: e.to_string(),
        }
    }

    /// A violation with a reason code and no numbered rule.
    pub fn refuse(code: ReasonCode, rule: Option<&'static str>, detail: impl Into<String>) -> Self {
        Close::Violation {
            code,
            rule,
            detail: detail.into(),
        }
    }

    /// The DISCONNECT reason code a v5 client is sent, if any.
    pub fn disconnect_code(&self) -> Option<ReasonCode> {
        match self {
            Close::Violation { code, .. } => Some(*code),
            Close::KeepAlive => Some(ReasonCode::KeepAliveTimeout),
            Close::TakenOver => Some(ReasonCode::SessionTakenOver),
            Close::Shutdown => Some(ReasonCode::ServerShuttingDown),
            Close::Disconnect { .. } | Close::Network => None,
        }
    }
}

/// Everything one connection knows after a successful CONNECT.
#[derive(Debug)]
pub struct ConnState {
    /// Broker state.
    pub shared: Arc<Shared>,
    /// Peer address, for logs.
    pub peer: String,
    /// Protocol version of the connection.
    pub version: ProtocolVersion,
    /// The session.
    pub session: Arc<Session>,
    /// The session generation of this connection.
    pub generation: u64,
    /// The will, until a normal DISCONNECT discards it (boxed: most
    /// connections have none, and it is large).
    pub will: Option<Box<Will>>,
    /// Keep-alive deadline.
    pub keep_alive: KeepAlive,
    /// Topic aliases the client set.
    pub aliases_in: InboundTopicAliases,
    /// Topic aliases we set.
    pub aliases_out: OutboundTopicAliases,
    /// The client's Maximum Packet Size.
    pub client_max_packet: usize,
    /// Request Problem Information: whether reason strings may be sent.
    pub problem_info: bool,
    /// Session Expiry Interval at the time of disconnection.
    pub expiry_interval: u32,
    /// The Session Expiry Interval was 0 in CONNECT (section 3.14.2.2.2).
    pub connect_expiry_zero: bool,
    /// Highest QoS accepted.
    pub maximum_qos: QoS,
    /// Outbound bytes, written (coalesced) once per loop turn.
    pub out: BytesMut,
    /// Sessions whose queues this connection's PUBLISHes filled past their
    /// high-water mark: it reads no more until they drain (flow control).
    pub congested: Vec<Arc<Session>>,
}

impl ConnState {
    /// The Client Identifier (possibly assigned), kept by the session.
    pub fn client_id(&self) -> &ByteString {
        self.session.client_id()
    }

    /// Whether the connection is MQTT 5.0.
    pub fn is_v5(&self) -> bool {
        self.version.is_v5()
    }

    /// Encodes `packet` into the output buffer. A packet over the client's
    /// Maximum Packet Size loses its reason string and user properties
    /// ([MQTT-3.1.2-24], e.g. [MQTT-3.2.2-19]); if still too large it is not sent.
    pub fn send(&mut self, packet: impl Into<Packet>) {
        let mut packet = packet.into();
        // Request Problem Information 0: no Reason String or User Property
        // except on PUBLISH, CONNACK and DISCONNECT ([MQTT-3.1.2-29]).
        if !self.problem_info
            && !matches!(
                packet,
                Packet::Publish(_) | Packet::ConnAck(_) | Packet::Disconnect(_)
            )
        {
            strip_optional(&mut packet);
        }
        if self.is_v5() && packet.encoded_len(self.version) > self.client_max_packet {
            strip_optional(&mut packet);
            if packet.encoded_len(self.version) > self.client_max_packet {
                tracing::debug!(client_id = %self.client_id(), "packet over the client's Maximum Packet Size not sent");
                return;
            }
        }
        self.encode(&packet);
    }

    /// Encodes `packet` into the output buffer as it is.
    fn encode(&mut self, packet: &Packet) {
        if let Err(e) = packet.encode(self.version, &mut self.out) {
            tracing::error!(client_id = %self.client_id(), "cannot encode {:?}: {e}", packet.packet_type());
        }
    }

    /// Empties the output buffer after a write; a buffer grown by a burst is
    /// let go (one a connection made for itself is kept: making it again for
    /// every write would cost an allocation per write).
    pub fn release_output(&mut self) {
        if self.out.capacity() > OUT_KEEP {
            self.out = BytesMut::new();
        } else {
            self.out.clear();
        }
    }

    /// Moves queued deliveries onto the output buffer, within the client's
    /// Receive Maximum ([MQTT-3.3.4-9]) and Maximum Packet Size
    /// ([MQTT-3.1.2-25]: too large is dropped as if sent), dropping expired
    /// messages ([MQTT-3.3.2-5]). Stops after a batch and wakes itself to go on.
    pub fn pump(&mut self) {
        let now = crate::clock::now();
        let metrics = &self.shared.metrics;
        let mut batch = Vec::new();
        let mut drained = Vec::new();
        let more = {
            let mut state = self.session.lock();
            batch.reserve(state.queue.len().min(PUMP_BATCH));
            while batch.len() < PUMP_BATCH {
                let Some(front) = state.queue.front() else {
                    break;
                };
                if front.message.is_expired(now) {
                    state.queue.pop();
                    Metrics::bump(&metrics.dropped_expired);
                    continue;
                }
                if front.qos != QoS::AtMostOnce && state.outbound.quota() == 0 {
                    break;
                }
                let Some(delivery) = state.queue.pop() else {
                    break;
                };
                let mut publish = delivery.to_publish(now);
                if publish.qos != QoS::AtMostOnce {
                    publish.packet_id = Some(midge_proto::PacketId::MIN);
                }
                let len = publish.encoded_len(self.version);
                if len > self.client_max_packet {
                    Metrics::bump(&metrics.dropped_too_large);
                    continue;
                }
                // A new alias adds its property; use one only with room to spare
                // so the packet stays within the client's limit either way.
                let alias_ok = len + ALIAS_OVERHEAD <= self.client_max_packet;
                if delivery.qos != QoS::AtMostOnce {
                    match state.outbound.start(delivery.qos, delivery) {
                        Ok(id) => publish.packet_id = Some(id),
                        Err(delivery) => {
                            state.queue.push_front_all(std::iter::once(delivery));
                            break;
                        }
                    }
                }
                batch.push((publish, alias_ok));
            }
            let more = batch.len() == PUMP_BATCH && !state.queue.is_empty();
            if !batch.is_empty() && state.holds_back() {
                drained = state.drained(&self.shared.queue_limits());
            }
            more
        };
        drained.into_iter().for_each(std::task::Waker::wake);
        if !batch.is_empty() {
            metrics
                .messages_sent
                .fetch_add(batch.len() as u64, std::sync::atomic::Ordering::Relaxed);
        }
        // Encoded where they lie: a PUBLISH is large, and every move of it
        // is a copy. Each is within the client's Maximum Packet Size, as
        // checked above.
        let v5 = self.is_v5();
        for (publish, alias_ok) in &mut batch {
            if *alias_ok && v5 {
                self.aliases_out.apply(publish);
            }
            if let Err(e) = publish.encode(self.version, &mut self.out) {
                tracing::error!(client_id = %self.session.client_id(), "cannot encode PUBLISH: {e}");
            }
        }
        if more {
            self.session.wake();
        }
    }
}

impl Drop for ConnState {
    /// A connection task that ends without detaching (a bug, or its task
    /// dropped) still lets go of its session, so a connection taking over is
    /// not kept waiting.
    fn drop(&mut self) {
        let waiters = {
            let mut state = self.session.lock();
            if state.generation != self.generation || state.attachment.is_none() {
                return;
            }
            state.let_go()
        };
        self.session.set_online(false);
        waiters.into_iter().for_each(std::task::Waker::wake);
    }
}

fn strip_optional(packet: &mut Packet) {
    match packet {
        Packet::ConnAck(c) => {
            c.properties.reason_string = None;
            c.properties.user_properties.clear();
        }
        Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
            p.properties.reason_string = None;
            p.properties.user_properties.clear();
        }
        Packet::SubAck(s) => {
            s.properties.reason_string = None;
            s.properties.user_properties.clear();
        }
        Packet::UnsubAck(s) => {
            s.properties.reason_string = None;
            s.properties.user_properties.clear();
        }
        Packet::Disconnect(d) => {
            d.properties.reason_string = None;
            d.properties.user_properties.clear();
        }
        Packet::Auth(a) => {
            a.properties.reason_string = None;
            a.properties.user_properties.clear();
        }
        _ => {}
    }
}
