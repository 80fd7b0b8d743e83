//! Application Messages as the broker holds them: one immutable [`Message`] per
//! PUBLISH received, shared by reference (`Arc`) with every subscriber's queue, and
//! one small [`Delivery`] per subscriber saying how that subscriber gets it.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use midge_proto::property::PublishProperties;
use midge_proto::{ByteString, Publish, QoS, TopicName};

/// One Application Message, as published. The payload and topic are shared
/// `Bytes`; nothing here is copied per subscriber.
#[derive(Debug)]
pub struct Message {
    /// Topic Name (never empty: aliases are resolved on receipt).
    pub topic: TopicName,
    /// Payload.
    pub payload: Bytes,
    /// QoS the publisher used.
    pub qos: QoS,
    /// RETAIN flag as published.
    pub retain: bool,
    /// Properties to forward: everything but Topic Alias and Subscription
    /// Identifiers, which are per connection and per subscription.
    pub properties: PublishProperties,
    /// Client Identifier of the publisher (for No Local); `None` for messages the
    /// broker itself originates.
    pub origin: Option<ByteString>,
    /// When the Message Expiry Interval runs out, if it was set.
    pub expires_at: Option<Instant>,
}

impl Message {
    /// The message carried by a received `publish` (its Topic Alias already
    /// resolved), received at `now` from client `origin`.
    pub fn from_publish(publish: Publish, origin: Option<ByteString>, now: Instant) -> Self {
        let mut properties = publish.properties;
        properties.topic_alias = None;
        properties.subscription_identifiers = Vec::new();
        let expires_at = properties
            .message_expiry_interval
            .map(|secs| now + Duration::from_secs(u64::from(secs)));
        Self {
            topic: publish.topic,
            payload: publish.payload,
            qos: publish.qos,
            retain: publish.retain,
            properties,
            origin,
            expires_at,
        }
    }

    /// Whether the message has expired at `now` (MQTT 5.0 section 3.3.2.3.3).
    pub fn is_expired(&self, now: Instant) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }

    /// The Message Expiry Interval to forward at `now`: the time remaining, in
    /// whole seconds rounded up ([MQTT-3.3.2-6]). `None` when none was set.
    pub fn remaining_expiry(&self, now: Instant) -> Option<u32> {
        let at = self.expires_at?;
        let left = at.saturating_duration_since(now);
        let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        Some(u32::try_from(secs).unwrap_or(u32::MAX))
    }

    /// Payload size counted against queue and retained-store budgets: payload
    /// plus topic (properties are small and bounded by the packet size).
    pub fn cost(&self) -> usize {
        self.payload.len() + self.topic.as_str().len()
    }
}

/// One message on its way to one subscriber.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The shared message.
    pub message: Arc<Message>,
    /// QoS for this subscriber: min(published, granted) ([MQTT-3.8.4-8]).
    pub qos: QoS,
    /// RETAIN flag to send.
    pub retain: bool,
    /// Subscription Identifiers of every matching subscription ([MQTT-3.3.4-3]).
    pub subscription_ids: Vec<NonZeroU32>,
    /// Set when the message came through a shared subscription: the group it
    /// belongs to, so it can go to another member if this one leaves.
    pub shared_group: Option<ByteString>,
}

impl Delivery {
    /// The PUBLISH to write for this delivery at `now` (no packet id yet).
    pub fn to_publish(&self, now: Instant) -> Publish {
        let message = &self.message;
        let mut properties = message.properties.clone();
        properties.message_expiry_interval = message.remaining_expiry(now);
        properties
            .subscription_identifiers
            .clone_from(&self.subscription_ids);
        Publish {
            dup: false,
            qos: self.qos,
            retain: self.retain,
            topic: message.topic.clone(),
            packet_id: None,
            properties,
            payload: message.payload.clone(),
        }
    }
}
