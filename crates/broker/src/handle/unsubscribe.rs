//! UNSUBSCRIBE.

use midge_proto::{Packet, ReasonCode, UnsubAck, Unsubscribe};

use crate::connection::{Close, ConnState};
use crate::handle::subscribe::persist_session;

/// Handles one UNSUBSCRIBE: removes each filter ([MQTT-3.10.4-1]) and answers
/// UNSUBACK with one reason code per filter ([MQTT-3.10.4-4], [MQTT-3.11.3-1]).
pub fn handle(state: &mut ConnState, unsubscribe: Unsubscribe) -> Result<(), Close> {
    let mut codes = Vec::with_capacity(unsubscribe.filters.len());
    for filter in &unsubscribe.filters {
        let existed = state.session.lock().subscriptions.remove(filter).is_some();
        if existed {
            state.shared.router.unsubscribe(filter, state.session.id());
            codes.push(ReasonCode::Success);
        } else {
            codes.push(ReasonCode::NoSubscriptionExisted);
        }
    }
    state.send(Packet::UnsubAck(UnsubAck::new(
        unsubscribe.packet_id,
        codes,
    )));
    persist_session(state);
    Ok(())
}
