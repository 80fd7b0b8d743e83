//! Routing: which sessions receive a published message.
//!
//! The subscription tree (`tree`) is read-mostly and shared: publishers load
//! the current snapshot with one atomic load and walk it without locks;
//! SUBSCRIBE / UNSUBSCRIBE serialize on a writer mutex, build a new snapshot by
//! path copying and swap it in.

mod tree;

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::ArcSwap;
use midge_proto::{SubscriptionOptions, TopicFilter, TopicName};
use smallvec::SmallVec;

use crate::message::{Delivery, Message};
use crate::session::Session;
use tree::{Match, Node, Slot};

/// One subscription in the tree.
#[derive(Debug, Clone)]
pub struct Subscriber {
    /// The subscribing session.
    pub session: Arc<Session>,
    /// Its options.
    pub options: SubscriptionOptions,
    /// Its Subscription Identifier, if any.
    pub id: Option<NonZeroU32>,
}

/// The subscription tree and its writer lock.
#[derive(Debug, Default)]
pub struct Router {
    root: ArcSwap<Node>,
    writer: Mutex<()>,
}

/// The receivers of one message (inline up to two: no allocation for the
/// usual one or two).
pub type Targets = SmallVec<[Target; 2]>;

/// One target of a routed message: a session and what it gets.
pub struct Target {
    /// The receiving session.
    pub session: Arc<Session>,
    /// The delivery to queue.
    pub delivery: Delivery,
}

impl Router {
    /// Adds (or replaces) `session`'s subscription to `filter`.
    pub fn subscribe(&self, filter: &TopicFilter, subscriber: Subscriber) {
        let (slot, path) = split(filter);
        let levels: Vec<&str> = path.split('/').collect();
        let _guard = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let root = self.root.load();
        self.root
            .store(Arc::new(root.with(&levels, &slot, subscriber)));
    }

    /// Removes session `session_id`'s subscription to `filter`; false if it had none.
    pub fn unsubscribe(&self, filter: &TopicFilter, session_id: u64) -> bool {
        let (slot, path) = split(filter);
        let levels: Vec<&str> = path.split('/').collect();
        let _guard = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let root = self.root.load();
        match root.without(&levels, &slot, session_id) {
            Some(new) => {
                self.root.store(Arc::new(new));
                true
            }
            None => false,
        }
    }

    /// The sessions that receive `message`, one [`Target`] per session: with
    /// overlapping subscriptions a session gets one copy at the highest granted
    /// QoS carrying every matching Subscription Identifier ([MQTT-3.3.4-2],
    /// [MQTT-3.3.4-3]); each shared group gives the message to one member.
    ///
    /// Small cases (the common ones) allocate nothing here: the lists live on
    /// the stack up to a few entries.
    pub fn route(&self, message: &Arc<Message>) -> Targets {
        let root = self.root.load();
        let levels: SmallVec<[&str; 16]> = message.topic.levels().collect();
        let mut plain: SmallVec<[&Subscriber; 8]> = SmallVec::new();
        let mut shared: SmallVec<[(&Subscriber, &str); 4]> = SmallVec::new();
        root.visit(&levels, true, &mut |m| match m {
            Match::Plain(sub) => {
                // No Local: never back to the publishing client ([MQTT-3.8.3-3]).
                let own = sub.options.no_local
                    && message
                        .origin
                        .as_ref()
                        .is_some_and(|o| *o == *sub.session.client_id());
                if !own {
                    plain.push(sub);
                }
            }
            Match::Group(group) => {
                if let Some(member) = group.pick() {
                    shared.push((member, &group.name));
                }
            }
        });
        let mut targets = Targets::with_capacity(plain.len() + shared.len());
        plain.sort_by_key(|s| s.session.id());
        let mut iter = plain.into_iter().peekable();
        while let Some(first) = iter.next() {
            let mut delivery = delivery_for(message, first);
            while let Some(next) = iter.next_if(|n| n.session.id() == first.session.id()) {
                let more = delivery_for(message, next);
                delivery.qos = delivery.qos.max(more.qos);
                delivery.retain |= more.retain;
                delivery.subscription_ids.extend(more.subscription_ids);
            }
            targets.push(Target {
                session: Arc::clone(&first.session),
                delivery,
            });
        }
        for (member, group) in shared {
            let mut delivery = delivery_for(message, member);
            delivery.shared_group = Some(group.into());
            targets.push(Target {
                session: Arc::clone(&member.session),
                delivery,
            });
        }
        targets
    }

    /// One member of shared group `group` on `filter` other than session
    /// `except`, connected if possible: where a leaving member's messages go.
    pub fn shared_member(&self, group: &str, topic: &TopicName, except: u64) -> Option<Subscriber> {
        let root = self.root.load();
        let levels: Vec<&str> = topic.levels().collect();
        let mut found: Option<Subscriber> = None;
        root.visit(&levels, true, &mut |m| {
            if let Match::Group(g) = m
                && found.is_none()
                && g.name == group
            {
                {
                    found = g
                        .members
                        .iter()
                        .filter(|s| s.session.id() != except)
                        .find(|s| s.session.is_online())
                        .cloned();
                }
            }
        });
        found
    }
}

fn delivery_for(message: &Arc<Message>, sub: &Subscriber) -> Delivery {
    Delivery {
        message: Arc::clone(message),
        qos: message.qos.min(sub.options.qos),
        // Retain As Published; otherwise RETAIN is 0 on forwarded messages
        // ([MQTT-3.3.1-12], [MQTT-3.3.1-13]).
        retain: message.retain && sub.options.retain_as_published,
        subscription_ids: sub.id.into_iter().collect(),
        shared_group: None,
    }
}

fn split(filter: &TopicFilter) -> (Slot<'_>, &str) {
    match filter.shared() {
        Some(shared) => (Slot::Shared(shared.group), shared.filter),
        None => (Slot::Plain, filter.as_str()),
    }
}
