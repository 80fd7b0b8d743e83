//! PUBLISH from the client: checks, QoS 1/2 receipt, routing, acknowledgement.

use std::sync::Arc;

use bytes::BytesMut;
use midge_proto::session::InboundPublish;
use midge_proto::{
    ByteString, ErrorKind, Packet, PubResponse, Publish, QoS, ReasonCode, TopicName,
};

use crate::connection::{Close, ConnState};
use crate::handle::connect::topic_within_limits;
use crate::message::Message;
use crate::metrics::Metrics;

/// Handles one PUBLISH.
pub fn handle(state: &mut ConnState, mut publish: Box<Publish>) -> Result<(), Close> {
    let v5 = state.is_v5();
    Metrics::bump(&state.shared.metrics.messages_received);
    if v5 && !publish.properties.subscription_identifiers.is_empty() {
        return Err(Close::violation(
            ErrorKind::SubscriptionIdFromClient,
            state.version,
        ));
    }
    state
        .aliases_in
        .resolve(&mut publish)
        .map_err(|k| Close::violation(k, state.version))?;
    if publish.qos > state.maximum_qos {
        // [MQTT-3.2.2-11]: QoS above the Maximum QoS we announced.
        return Err(Close::refuse(
            ReasonCode::QoSNotSupported,
            Some("MQTT-3.2.2-11"),
            format!("PUBLISH with QoS {} above the maximum", publish.qos.as_u8()),
        ));
    }
    let (retain_enabled, within_limits) = {
        let c = state.shared.config();
        (
            c.retained.enabled,
            topic_within_limits(publish.topic.as_str(), &c.limits),
        )
    };
    if publish.retain && !retain_enabled {
        // [MQTT-3.2.2-14]
        return Err(Close::refuse(
            ReasonCode::RetainNotSupported,
            Some("MQTT-3.2.2-14"),
            "retained PUBLISH while Retain Available is 0",
        ));
    }
    let packet_id = publish.packet_id;
    if !within_limits {
        tracing::debug!(client_id = %state.client_id(), "PUBLISH topic over the configured length or level limit");
        return match (v5, publish.qos, packet_id) {
            (true, QoS::AtLeastOnce, Some(id)) => {
                state.send(Packet::PubAck(PubResponse::with_reason(
                    id,
                    ReasonCode::TopicNameInvalid,
                )));
                Ok(())
            }
            (true, QoS::ExactlyOnce, Some(id)) => {
                state.send(Packet::PubRec(PubResponse::with_reason(
                    id,
                    ReasonCode::TopicNameInvalid,
                )));
                Ok(())
            }
            _ => Err(Close::refuse(
                ReasonCode::TopicNameInvalid,
                None,
                "PUBLISH topic over the configured length or level limit",
            )),
        };
    }

    match (publish.qos, packet_id) {
        (QoS::AtMostOnce, _) | (_, None) => {
            route(state, publish);
        }
        (QoS::AtLeastOnce, Some(id)) => {
            state
                .session
                .lock()
                .inbound
                .on_publish(QoS::AtLeastOnce, id)
                .map_err(|k| Close::violation(k, state.version))?;
            // Ownership accepted once routed ([MQTT-4.3.2-4]).
            let receivers = route(state, publish);
            state.send(Packet::PubAck(ack(v5, id, receivers)));
        }
        (QoS::ExactlyOnce, Some(id)) => {
            let receipt = state
                .session
                .lock()
                .inbound
                .on_publish(QoS::ExactlyOnce, id)
                .map_err(|k| Close::violation(k, state.version))?;
            let receivers = match receipt {
                InboundPublish::Deliver => route(state, publish),
                // Re-sent before PUBREL: acknowledged, not delivered again
                // ([MQTT-4.3.3-10]).
                InboundPublish::Duplicate => 1,
            };
            state.send(Packet::PubRec(ack(v5, id, receivers)));
        }
    }
    Ok(())
}

fn ack(v5: bool, id: midge_proto::PacketId, receivers: usize) -> PubResponse {
    if v5 && receivers == 0 {
        PubResponse::with_reason(id, ReasonCode::NoMatchingSubscribers)
    } else {
        PubResponse::new(id)
    }
}

/// Routes the message; returns how many sessions it was queued for.
/// Congested receivers are noted for the connection to wait on.
fn route(state: &mut ConnState, publish: Box<Publish>) -> usize {
    let mut publish = publish;
    // Detach topic and payload from the read buffer: a queued message then
    // holds exactly its own bytes, and the buffer's memory is reused. One
    // allocation holds both, shared from the start (clones only count).
    let topic_len = publish.topic.as_str().len();
    let mut own = BytesMut::with_capacity(topic_len + publish.payload.len());
    own.extend_from_slice(publish.topic.as_str().as_bytes());
    own.extend_from_slice(&publish.payload);
    let topic = own.split_to(topic_len).freeze();
    publish.payload = own.freeze();
    if let Ok(topic) = ByteString::try_from(topic).map(TopicName::new)
        && let Ok(topic) = topic
    {
        publish.topic = topic;
    }
    let message = Message::from_publish(
        *publish,
        Some(state.client_id().clone()),
        crate::clock::now(),
    );
    state
        .shared
        .publish_flow(Arc::new(message), Some(&mut state.congested))
}
