//! CONNECT: validation, client identifier, keep alive, session takeover and
//! resumption, CONNACK.

use std::hash::{BuildHasher, RandomState};
use std::num::{NonZeroU16, NonZeroU32};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::BytesMut;
use midge_proto::property::ConnAckProperties;
use midge_proto::session::{InboundTopicAliases, KeepAlive, OutboundTopicAliases, Resend};
use midge_proto::{
    ByteString, ConnAck, Connect, DecodeError, ErrorKind, Packet, PacketType, ProtocolVersion,
    PubResponse, QoS, ReasonCode,
};

use crate::broker::Shared;
use crate::connection::ConnState;

/// Largest packet MQTT can express: the client's limit when it sets none.
const MQTT_MAX_PACKET: usize = 268_435_460;

/// A connection accepted: its state and its session links.
#[derive(Debug)]
pub struct Accepted {
    /// Connection state, CONNACK and any re-sent packets already in `out`.
    pub state: ConnState,
}

/// The CONNACK bytes (if any) to answer a CONNECT that failed to decode.
pub fn refusal_for_decode_error(e: &DecodeError) -> Option<BytesMut> {
    let (version, code) = match e.kind() {
        // Unknown level: answer in 3.1.1 form, return code 0x01
        // ([MQTT-3.1.2-2] in both versions).
        ErrorKind::UnsupportedProtocolLevel(_) => (
            ProtocolVersion::V3_1_1,
            ReasonCode::UnsupportedProtocolVersion,
        ),
        // The version is unknown until the variable header is read: a CONNECT
        // too large to read gets no CONNACK.
        ErrorKind::InvalidProtocolName
        | ErrorKind::FirstPacketNotConnect(_)
        | ErrorKind::PacketTooLarge { .. } => return None,
        _ if e.version().is_v5() => {
            let code = e.reason_code();
            let code = if code.is_valid_for(PacketType::ConnAck) {
                code
            } else {
                ReasonCode::MalformedPacket
            };
            (ProtocolVersion::V5, code)
        }
        // 3.x: close without CONNACK ([MQTT-3.1.4-1]).
        _ => return None,
    };
    encode_connack(version, ConnAck::new(code, false))
}

fn encode_connack(version: ProtocolVersion, connack: ConnAck) -> Option<BytesMut> {
    let mut buf = BytesMut::new();
    Packet::ConnAck(Box::new(connack))
        .encode(version, &mut buf)
        .ok()?;
    Some(buf)
}

/// Who a refusing CONNACK goes to.
struct Client<'a> {
    version: ProtocolVersion,
    peer: &'a str,
    /// The client's Maximum Packet Size.
    max_packet: usize,
}

/// A refusing CONNACK; the v5 Reason String says why unless it would take the
/// packet over the client's Maximum Packet Size ([MQTT-3.2.2-19]).
fn refuse(to: &Client<'_>, code: ReasonCode, why: &str) -> BytesMut {
    tracing::debug!(peer = %to.peer, "refusing connection: {why} (reason 0x{:02X})", code.as_u8());
    let mut connack = ConnAck::new(code, false);
    if to.version.is_v5() {
        connack.properties.reason_string = Some(ByteString::from(why));
        let len = Packet::ConnAck(Box::new(connack.clone())).encoded_len(to.version);
        if len > to.max_packet {
            connack.properties.reason_string = None;
        }
    }
    encode_connack(to.version, connack).unwrap_or_default()
}

static ASSIGNED: AtomicU64 = AtomicU64::new(0);

fn assign_client_id() -> ByteString {
    let n = ASSIGNED.fetch_add(1, Ordering::Relaxed);
    let random = RandomState::new().hash_one(n);
    ByteString::from(format!("midge-{random:016x}"))
}

/// Processes CONNECT ([MQTT-3.1.4-1..5]): on success the session is attached
/// and CONNACK plus everything to re-send is in the state's output buffer; on
/// refusal, the CONNACK to send before closing.
pub async fn accept(
    shared: &Arc<Shared>,
    connect: Connect,
    peer: String,
) -> Result<Accepted, BytesMut> {
    let config = shared.config();
    let version = connect.protocol;
    let v5 = version.is_v5();
    let props = &connect.properties;
    let client_max_packet = props
        .maximum_packet_size
        .map_or(MQTT_MAX_PACKET, |m| m.get() as usize);
    let to = Client {
        version,
        peer: &peer,
        max_packet: client_max_packet,
    };

    // Enhanced authentication is not supported ([MQTT-4.12.0-1]).
    if let Some(method) = &props.authentication_method {
        return Err(refuse(
            &to,
            ReasonCode::BadAuthenticationMethod,
            &format!("authentication method {method:?} is not supported"),
        ));
    }

    // Client Identifier.
    let mut assigned = None;
    let client_id = if connect.client_id.is_empty() {
        let refusal = if !config.session.allow_empty_client_id {
            Some("empty client identifiers are not allowed here (session.allow_empty_client_id)")
        } else {
            match version {
                ProtocolVersion::V5 => None,
                // [MQTT-3.1.3-7], [MQTT-3.1.3-8]
                ProtocolVersion::V3_1_1 if connect.clean_start => None,
                ProtocolVersion::V3_1_1 => Some("empty client identifier needs clean session"),
                ProtocolVersion::V3_1 => Some("MQTT 3.1 needs a client identifier"),
            }
        };
        if let Some(why) = refusal {
            return Err(refuse(&to, ReasonCode::ClientIdentifierNotValid, why));
        }
        let id = assign_client_id();
        if v5 {
            assigned = Some(id.clone());
        }
        id
    } else {
        // A copy: the decoded identifier is a slice of the read buffer, which
        // it would keep allocated for as long as the session lives.
        ByteString::from(&*connect.client_id)
    };

    // Keep Alive: a v5 client is told the value in force (Server Keep Alive,
    // [MQTT-3.2.2-21]); a 3.x client outside the bounds cannot be, so it is refused.
    let max_keep_alive = config.keep_alive.max_secs;
    let keep_alive = match connect.keep_alive {
        _ if max_keep_alive == 0 => connect.keep_alive,
        0 if config.keep_alive.allow_zero => 0,
        0 => max_keep_alive,
        k => k.min(max_keep_alive),
    };
    let announce_keep_alive = keep_alive != connect.keep_alive;
    if announce_keep_alive && !v5 {
        return Err(refuse(
            &to,
            ReasonCode::ImplementationSpecificError,
            "keep alive outside the broker's bounds (keep_alive.max_secs)",
        ));
    }

    // Will.
    let maximum_qos = QoS::from_u8(config.limits.maximum_qos).unwrap_or(QoS::ExactlyOnce);
    if let Some(will) = &connect.will {
        if will.qos > maximum_qos {
            // [MQTT-3.2.2-12]
            return Err(refuse(
                &to,
                ReasonCode::QoSNotSupported,
                "will QoS above the maximum",
            ));
        }
        if will.retain && !config.retained.enabled {
            // [MQTT-3.2.2-13]
            return Err(refuse(
                &to,
                ReasonCode::RetainNotSupported,
                "retained messages are disabled",
            ));
        }
        if !topic_within_limits(will.topic.as_str(), &config.limits) {
            return Err(refuse(
                &to,
                ReasonCode::TopicNameInvalid,
                "will topic exceeds the topic limits",
            ));
        }
    }

    // Session Expiry Interval.
    let requested_expiry = if v5 {
        props.session_expiry_interval.unwrap_or(0)
    } else if connect.clean_start {
        0
    } else {
        u32::MAX
    };
    let expiry = requested_expiry.min(config.session.max_expiry_secs);

    let limits = config.limits.clone();
    let retain_available = config.retained.enabled;
    drop(config);

    let attached = shared.attach(&client_id, connect.clean_start).await;
    let session = attached.session;
    // [MQTT-3.2.2-2], [MQTT-3.2.2-3]
    let present = attached.present && !connect.clean_start;

    let mut connack = ConnAck::new(ReasonCode::Success, present);
    if v5 {
        let p: &mut ConnAckProperties = &mut connack.properties;
        p.assigned_client_identifier = assigned;
        if expiry != requested_expiry {
            p.session_expiry_interval = Some(expiry);
        }
        if announce_keep_alive {
            p.server_keep_alive = Some(keep_alive);
        }
        if limits.receive_maximum != u16::MAX {
            p.receive_maximum = NonZeroU16::new(limits.receive_maximum);
        }
        if maximum_qos != QoS::ExactlyOnce {
            p.maximum_qos = Some(maximum_qos);
        }
        if !retain_available {
            p.retain_available = Some(false);
        }
        p.maximum_packet_size = NonZeroU32::new(limits.max_packet_size);
        if limits.topic_alias_maximum > 0 {
            p.topic_alias_maximum = Some(limits.topic_alias_maximum);
        }
    }

    let client_receive_max = props.receive_maximum.map_or(u16::MAX, NonZeroU16::get);
    let window = client_receive_max.min(limits.max_inflight.max(1));
    {
        let mut s = session.lock();
        s.outbound
            .set_receive_maximum(NonZeroU16::new(window).unwrap_or(NonZeroU16::MIN));
        s.inbound.set_receive_maximum(
            NonZeroU16::new(limits.receive_maximum).unwrap_or(NonZeroU16::MIN),
        );
    }

    let now = crate::clock::now();
    let mut state = ConnState {
        shared: Arc::clone(shared),
        peer,
        version,
        session,
        generation: attached.generation,
        will: connect.will.map(Box::new),
        keep_alive: KeepAlive::new(keep_alive, now),
        aliases_in: InboundTopicAliases::new(if v5 { limits.topic_alias_maximum } else { 0 }),
        aliases_out: OutboundTopicAliases::new(if v5 {
            props.topic_alias_maximum.unwrap_or(0)
        } else {
            0
        }),
        client_max_packet,
        problem_info: props.request_problem_information.unwrap_or(true),
        expiry_interval: expiry,
        connect_expiry_zero: requested_expiry == 0,
        maximum_qos,
        out: BytesMut::new(),
        congested: Vec::new(),
    };
    state.send(Packet::ConnAck(Box::new(connack)));
    tracing::debug!(client_id = %state.client_id(), peer = %state.peer, %version, present, keep_alive, "client connected");

    // Re-send unacknowledged PUBLISH (DUP=1) and PUBREL, in order ([MQTT-4.4.0-1]).
    if present {
        let resend: Vec<Packet> = {
            let s = state.session.lock();
            s.outbound
                .pending()
                .into_iter()
                .map(|r| match r {
                    Resend::Publish {
                        packet_id,
                        qos,
                        item,
                    } => {
                        let mut publish = item.to_publish(now);
                        publish.dup = true;
                        publish.qos = qos;
                        publish.packet_id = Some(packet_id);
                        Packet::from(publish)
                    }
                    Resend::PubRel(id) => Packet::PubRel(PubResponse::new(id)),
                })
                .collect()
        };
        for packet in resend {
            state.send(packet);
        }
    }
    Ok(Accepted { state })
}

/// Whether `topic` is within the configured topic length and level limits.
pub fn topic_within_limits(topic: &str, limits: &crate::config::Limits) -> bool {
    topic.len() <= limits.max_topic_length && topic.split('/').count() <= limits.max_topic_levels
}
