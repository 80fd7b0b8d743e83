//! SUBSCRIBE: limits, storing the subscription, SUBACK, retained messages.

use std::sync::Arc;

use midge_proto::{Packet, QoS, ReasonCode, RetainHandling, SubAck, Subscribe};

use crate::connection::{Close, ConnState};
use crate::handle::connect::topic_within_limits;
use crate::message::Delivery;
use crate::router::Subscriber;
use crate::session::StoredSubscription;
use crate::storage::{SessionRecord, StorageOp};

/// Handles one SUBSCRIBE: one reason code per filter, in order ([MQTT-3.8.4-6],
/// [MQTT-3.9.3-1]).
pub fn handle(state: &mut ConnState, subscribe: Subscribe) -> Result<(), Close> {
    let config = state.shared.config();
    let limits = config.limits.clone();
    let retained_enabled = config.retained.enabled;
    drop(config);
    let sub_id = subscribe.properties.subscription_identifier;
    let now = crate::clock::now();
    let mut codes = Vec::with_capacity(subscribe.filters.len());
    let mut retained_out: Vec<Delivery> = Vec::new();
    for (filter, options) in subscribe.filters {
        let shared = filter.shared();
        if shared.is_some() && filter.validate_shared().is_err() {
            codes.push(ReasonCode::TopicFilterInvalid);
            continue;
        }
        if !topic_within_limits(filter.as_str(), &limits) {
            codes.push(ReasonCode::TopicFilterInvalid);
            continue;
        }
        let mut options = options;
        options.qos = options.qos.min(state.maximum_qos);
        let existed = {
            let mut s = state.session.lock();
            let existed = s.subscriptions.contains_key(&filter);
            if !existed
                && limits.max_subscriptions_per_client > 0
                && s.subscriptions.len() >= limits.max_subscriptions_per_client
            {
                None
            } else {
                s.subscriptions.insert(
                    filter.clone(),
                    StoredSubscription {
                        options,
                        id: sub_id,
                    },
                );
                Some(existed)
            }
        };
        let Some(existed) = existed else {
            codes.push(ReasonCode::QuotaExceeded);
            continue;
        };
        state.shared.router.subscribe(
            &filter,
            Subscriber {
                session: Arc::clone(&state.session),
                options,
                id: sub_id,
            },
        );
        codes.push(ReasonCode::granted(options.qos));

        // Retained messages (section 3.3.1.3): not for shared subscriptions
        // ([MQTT-3.8.4-?] 4.8.2), per Retain Handling ([MQTT-3.3.1-9..11]).
        let send_retained = retained_enabled
            && shared.is_none()
            && match options.retain_handling {
                RetainHandling::SendAtSubscribe => true,
                RetainHandling::SendIfNew => !existed,
                RetainHandling::DoNotSend => false,
            };
        if send_retained {
            for message in state.shared.retained.matching(&filter, now) {
                retained_out.push(Delivery {
                    qos: message.qos.min(options.qos),
                    // RETAIN is 1 on messages sent because of a new
                    // subscription ([MQTT-3.3.1-9]).
                    retain: true,
                    subscription_ids: sub_id.into_iter().collect(),
                    shared_group: None,
                    message,
                });
            }
        }
    }
    state.send(Packet::SubAck(SubAck::new(subscribe.packet_id, codes)));
    if !retained_out.is_empty() {
        // Every matching retained message is owed to the new subscription
        // ([MQTT-3.3.1-9]); their number is bounded by the retained store's
        // own limits, not by the queue's.
        let limits = crate::session::QueueLimits {
            max_messages: usize::MAX,
            max_bytes: usize::MAX,
            queue_qos0_offline: true,
            policy: limits.queue_full_policy,
        };
        for delivery in retained_out {
            let qos0 = delivery.qos == QoS::AtMostOnce;
            let r = state.session.enqueue(delivery, &limits);
            if !r.queued() && qos0 {
                tracing::debug!(client_id = %state.client_id(), "retained message dropped: queue full");
            }
        }
    }
    persist_session(state);
    Ok(())
}

/// Stores the session's subscriptions if the session outlives the connection.
pub fn persist_session(state: &ConnState) {
    if state.expiry_interval == 0 {
        return;
    }
    let subscriptions = state
        .session
        .lock()
        .subscriptions
        .iter()
        .map(|(f, s)| (f.clone(), s.clone()))
        .collect();
    state.shared.persist(StorageOp::PutSession(SessionRecord {
        client_id: state.client_id().clone(),
        expiry_interval: state.expiry_interval,
        subscriptions,
    }));
}
