//! MQTT 5.0 Topic Aliases (section 3.3.2.3.4): the receiver's mapping from alias
//! to topic, and the sender's choice of aliases.
//!
//! Mappings live for one Network Connection only ([MQTT-3.3.2-7]): create new
//! values for every connection and never persist them. A sender keeps the full
//! topic in its session state and applies [`OutboundTopicAliases::apply`] to the
//! copy it writes, so a PUBLISH re-sent on a later connection carries its topic.

use std::collections::HashMap;
use std::num::NonZeroU16;

use crate::error::ErrorKind;
use crate::packet::Publish;
use crate::topic::TopicName;

/// The aliases a peer has set on this connection, up to the Topic Alias Maximum
/// we announced (CONNACK for a server, CONNECT for a client).
#[derive(Debug, Clone, Default)]
pub struct InboundTopicAliases {
    max: u16,
    /// Index `alias - 1`; grows only as far as the highest alias used.
    topics: Vec<Option<TopicName>>,
}

impl InboundTopicAliases {
    /// Mappings for a connection where we accept aliases `1..=max` (0: none).
    pub fn new(max: u16) -> Self {
        Self {
            max,
            topics: Vec::new(),
        }
    }

    /// The Topic Alias Maximum in force.
    pub fn max(&self) -> u16 {
        self.max
    }

    /// Applies the Topic Alias of a received `publish`, if it has one: a non-empty
    /// topic sets (or replaces) the mapping, an empty topic is replaced by the
    /// mapped one. The alias is then removed, so the message can be stored or
    /// forwarded as an ordinary PUBLISH.
    ///
    /// Errors: an alias above the maximum ([MQTT-3.3.2-9] from the server's side,
    /// reason 0x94) and an empty topic with an alias never set (0x82). Alias 0
    /// and an empty topic without an alias are already rejected by the decoder.
    pub fn resolve(&mut self, publish: &mut Publish) -> Result<(), ErrorKind> {
        let Some(alias) = publish.properties.topic_alias.take() else {
            return Ok(());
        };
        if alias.get() > self.max {
            return Err(ErrorKind::TopicAliasOutOfRange {
                alias: alias.get(),
                max: self.max,
            });
        }
        let index = usize::from(alias.get() - 1);
        if publish.topic.is_empty() {
            match self.topics.get(index) {
                Some(Some(topic)) => publish.topic = topic.clone(),
                _ => return Err(ErrorKind::UnknownTopicAlias(alias.get())),
            }
        } else {
            if self.topics.len() <= index {
                self.topics.resize(index + 1, None);
            }
            if let Some(slot) = self.topics.get_mut(index) {
                *slot = Some(publish.topic.clone());
            }
        }
        Ok(())
    }
}

/// The aliases we have set towards a peer on this connection, bounded by the
/// Topic Alias Maximum the peer announced ([MQTT-3.3.2-11] for a server).
///
/// Small until the first alias is set: most connections never use one.
#[derive(Debug, Clone, Default)]
pub struct OutboundTopicAliases {
    max: u16,
    /// The next alias to rebind once all are in use (round robin).
    next_victim: u16,
    table: Option<Box<AliasTable>>,
}

#[derive(Debug, Clone, Default)]
struct AliasTable {
    by_topic: HashMap<TopicName, NonZeroU16>,
    /// Index `alias - 1`: the topic each assigned alias stands for.
    by_alias: Vec<TopicName>,
}

impl OutboundTopicAliases {
    /// Aliases for a peer that accepts `1..=max` (0: the peer accepts none).
    pub fn new(max: u16) -> Self {
        Self {
            max,
            ..Self::default()
        }
    }

    /// The peer's Topic Alias Maximum.
    pub fn max(&self) -> u16 {
        self.max
    }

    /// Rewrites `publish` (the copy about to be written) to use an alias: a topic
    /// already mapped is sent as an empty topic plus its alias; a new topic gets a
    /// free alias, or once all are taken rebinds the next one in turn, and is sent
    /// with both topic and alias. Does nothing when the peer accepts no aliases or
    /// the PUBLISH already carries one.
    pub fn apply(&mut self, publish: &mut Publish) {
        if self.max == 0 || publish.properties.topic_alias.is_some() || publish.topic.is_empty() {
            return;
        }
        let table = self.table.get_or_insert_with(Box::default);
        if let Some(&alias) = table.by_topic.get(&publish.topic) {
            publish.properties.topic_alias = Some(alias);
            publish.topic = TopicName::empty();
            return;
        }
        let alias = if table.by_alias.len() < usize::from(self.max) {
            table.by_alias.push(publish.topic.clone());
            table.by_alias.len()
        } else {
            let index = usize::from(self.next_victim);
            self.next_victim = (self.next_victim + 1) % self.max;
            match table.by_alias.get_mut(index) {
                Some(slot) => {
                    let old = std::mem::replace(slot, publish.topic.clone());
                    table.by_topic.remove(&old);
                }
                None => return,
            }
            index + 1
        };
        let Some(alias) = u16::try_from(alias).ok().and_then(NonZeroU16::new) else {
            return;
        };
        table.by_topic.insert(publish.topic.clone(), alias);
        publish.properties.topic_alias = Some(alias);
    }
}
