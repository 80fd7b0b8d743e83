//! The retained-message store: the last retained message of every topic.
//!
//! Sharded by topic hash so concurrent retained publishes to different topics
//! rarely meet on a lock. A subscription without wildcards looks its topic up
//! directly; a wildcard subscription scans the shards.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use midge_proto::{TopicFilter, TopicName, topic};

use crate::message::Message;

const SHARDS: usize = 16;

/// Limits on the retained store.
#[derive(Debug, Clone, Copy)]
pub struct RetainedLimits {
    /// Most retained messages (0: unlimited).
    pub max_messages: usize,
    /// Most payload bytes (0: unlimited).
    pub max_bytes: usize,
}

/// What a retained publish did to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retained {
    /// Stored (new topic or replacing the previous message).
    Stored,
    /// An empty payload removed the topic's message ([MQTT-3.3.1-6]).
    Removed,
    /// Refused: the store is at its limit.
    Full,
}

/// The store.
#[derive(Debug)]
pub struct RetainedStore {
    shards: [RwLock<HashMap<TopicName, Arc<Message>>>; SHARDS],
    hasher: RandomState,
    count: AtomicUsize,
    bytes: AtomicUsize,
}

impl Default for RetainedStore {
    fn default() -> Self {
        Self {
            shards: std::array::from_fn(|_| RwLock::default()),
            hasher: RandomState::new(),
            count: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
        }
    }
}

impl RetainedStore {
    fn shard(&self, topic: &TopicName) -> &RwLock<HashMap<TopicName, Arc<Message>>> {
        let i = (self.hasher.hash_one(topic) % SHARDS as u64) as usize;
        #[allow(clippy::indexing_slicing)] // i < SHARDS, the array's length
        &self.shards[i]
    }

    /// Number of retained messages.
    pub fn len(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stores `message` as its topic's retained message, or removes the topic's
    /// message when the payload is empty ([MQTT-3.3.1-5], [MQTT-3.3.1-6]).
    pub fn set(&self, message: Arc<Message>, limits: &RetainedLimits) -> Retained {
        let mut shard = self
            .shard(&message.topic)
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if message.payload.is_empty() {
            if let Some(old) = shard.remove(&message.topic) {
                self.count.fetch_sub(1, Ordering::Relaxed);
                self.bytes.fetch_sub(old.cost(), Ordering::Relaxed);
            }
            return Retained::Removed;
        }
        let cost = message.cost();
        let old_cost = shard.get(&message.topic).map(|m| m.cost());
        let count_after = self.len() + usize::from(old_cost.is_none());
        let bytes_after = self.bytes.load(Ordering::Relaxed) + cost - old_cost.unwrap_or(0);
        if (limits.max_messages > 0 && count_after > limits.max_messages)
            || (limits.max_bytes > 0 && bytes_after > limits.max_bytes)
        {
            return Retained::Full;
        }
        match shard.insert(message.topic.clone(), message) {
            Some(old) => {
                self.bytes.fetch_sub(old.cost(), Ordering::Relaxed);
            }
            None => {
                self.count.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.bytes.fetch_add(cost, Ordering::Relaxed);
        Retained::Stored
    }

    /// Inserts a message loaded from storage, without limits.
    pub fn restore(&self, message: Arc<Message>) {
        let _ = self.set(
            message,
            &RetainedLimits {
                max_messages: 0,
                max_bytes: 0,
            },
        );
    }

    /// Retained messages matching `filter` (a non-shared filter), skipping and
    /// removing expired ones.
    pub fn matching(&self, filter: &TopicFilter, now: Instant) -> Vec<Arc<Message>> {
        let mut out = Vec::new();
        if !filter.has_wildcards() {
            if let Ok(name) = TopicName::new(filter.as_byte_string().clone()) {
                let shard = self
                    .shard(&name)
                    .read()
                    .unwrap_or_else(PoisonError::into_inner);
                out.extend(shard.get(&name).cloned());
            }
        } else {
            for shard in &self.shards {
                let shard = shard.read().unwrap_or_else(PoisonError::into_inner);
                out.extend(
                    shard
                        .iter()
                        .filter(|(t, _)| topic::matches(filter.as_str(), t.as_str()))
                        .map(|(_, m)| Arc::clone(m)),
                );
            }
        }
        let (live, expired): (Vec<_>, Vec<_>) = out.into_iter().partition(|m| !m.is_expired(now));
        for m in expired {
            self.remove_if_same(&m);
        }
        live
    }

    /// Every retained message (for persistence snapshots and tests).
    pub fn all(&self) -> Vec<Arc<Message>> {
        let mut out = Vec::with_capacity(self.len());
        for shard in &self.shards {
            let shard = shard.read().unwrap_or_else(PoisonError::into_inner);
            out.extend(shard.values().cloned());
        }
        out
    }

    fn remove_if_same(&self, message: &Arc<Message>) {
        let mut shard = self
            .shard(&message.topic)
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if shard
            .get(&message.topic)
            .is_some_and(|m| Arc::ptr_eq(m, message))
        {
            shard.remove(&message.topic);
            self.count.fetch_sub(1, Ordering::Relaxed);
            self.bytes.fetch_sub(message.cost(), Ordering::Relaxed);
        }
    }
}
