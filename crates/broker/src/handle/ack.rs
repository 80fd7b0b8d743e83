//! PUBACK, PUBREC, PUBREL and PUBCOMP from the client.

use midge_proto::session::PubRecOutcome;
use midge_proto::{Packet, PubResponse, ReasonCode};

use crate::connection::{Close, ConnState};

/// PUBACK: our QoS 1 PUBLISH is acknowledged ([MQTT-4.3.2-3]); its slot in the
/// Receive Maximum window is free again.
pub fn puback(state: &mut ConnState, ack: PubResponse) -> Result<(), Close> {
    if state
        .session
        .lock()
        .outbound
        .on_puback(ack.packet_id)
        .is_err()
    {
        tracing::debug!(client_id = %state.client_id(), id = ack.packet_id.get(), "PUBACK for a packet id not awaiting one; ignored");
    }
    Ok(())
}

/// PUBREC: answer PUBREL ([MQTT-4.3.3-4]), or drop the message on an error
/// code ([MQTT-4.4.0-2]).
pub fn pubrec(state: &mut ConnState, ack: PubResponse) -> Result<(), Close> {
    let outcome = state
        .session
        .lock()
        .outbound
        .on_pubrec(ack.packet_id, ack.reason_code);
    match outcome {
        Ok(PubRecOutcome::Release(_) | PubRecOutcome::AlreadyReleased) => {
            state.send(Packet::PubRel(PubResponse::new(ack.packet_id)));
        }
        Ok(PubRecOutcome::Rejected(_)) => {}
        Err(_) => {
            // Section 4.3.3: an unknown id is answered with PUBREL 0x92.
            state.send(Packet::PubRel(PubResponse::with_reason(
                ack.packet_id,
                ReasonCode::PacketIdentifierNotFound,
            )));
        }
    }
    Ok(())
}

/// PUBREL: the client releases a QoS 2 message; answer PUBCOMP
/// ([MQTT-4.3.3-11]), 0x92 when the id is unknown.
pub fn pubrel(state: &mut ConnState, rel: PubResponse) -> Result<(), Close> {
    let known = state.session.lock().inbound.on_pubrel(rel.packet_id);
    let response = if known {
        PubResponse::new(rel.packet_id)
    } else {
        PubResponse::with_reason(rel.packet_id, ReasonCode::PacketIdentifierNotFound)
    };
    state.send(Packet::PubComp(response));
    Ok(())
}

/// PUBCOMP: our QoS 2 flow is complete ([MQTT-4.3.3-5]).
pub fn pubcomp(state: &mut ConnState, comp: PubResponse) -> Result<(), Close> {
    if state
        .session
        .lock()
        .outbound
        .on_pubcomp(comp.packet_id)
        .is_err()
    {
        tracing::debug!(client_id = %state.client_id(), id = comp.packet_id.get(), "PUBCOMP for a packet id not awaiting one; ignored");
    }
    Ok(())
}
