//! The subscription tree: one node per topic level, copy-on-write.
//!
//! Publishers read a snapshot without taking any lock; a subscription change
//! copies the nodes on its path (path copying) and swaps the new root in. Nodes
//! off the path are shared between snapshots through `Arc`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use midge_proto::ByteString;

use super::Subscriber;

/// One topic level.
#[derive(Debug, Clone, Default)]
pub(crate) struct Node {
    /// Children by level text; `+` and `#` are children like any other.
    children: HashMap<ByteString, Arc<Node>>,
    /// Whether `children` has a `+` / a `#` child: most levels have neither,
    /// and knowing it saves matching two hash lookups per level.
    has_plus: bool,
    has_hash: bool,
    /// Non-shared subscriptions whose filter ends here.
    subscribers: Vec<Subscriber>,
    /// Shared subscription groups whose filter ends here.
    groups: Vec<SharedGroup>,
}

/// The members of one `$share/{group}/{filter}` group.
#[derive(Debug, Clone)]
pub(crate) struct SharedGroup {
    pub(crate) name: ByteString,
    pub(crate) members: Vec<Subscriber>,
    /// Round-robin position, shared by every snapshot of this group.
    pub(crate) cursor: Arc<AtomicUsize>,
}

impl SharedGroup {
    /// The next member in turn, preferring connected ones.
    pub(crate) fn pick(&self) -> Option<&Subscriber> {
        let len = self.members.len();
        if len == 0 {
            return None;
        }
        let start = self.cursor.fetch_add(1, Ordering::Relaxed);
        (0..len)
            .filter_map(|i| self.members.get((start + i) % len))
            .find(|m| m.session.is_online())
            .or_else(|| self.members.get(start % len))
    }
}

/// Where a subscription goes: plain, or in a shared group.
pub(crate) enum Slot<'a> {
    Plain,
    Shared(&'a str),
}

impl Node {
    pub(crate) fn is_empty(&self) -> bool {
        self.children.is_empty() && self.subscribers.is_empty() && self.groups.is_empty()
    }

    /// A copy of `self` with `sub` added (or replacing the same session's
    /// subscription, [MQTT-3.8.4-3]) at `levels`.
    pub(crate) fn with(&self, levels: &[&str], slot: &Slot<'_>, sub: Subscriber) -> Node {
        let mut node = self.clone();
        match levels.split_first() {
            None => match slot {
                Slot::Plain => upsert(&mut node.subscribers, sub),
                Slot::Shared(group) => match node.groups.iter_mut().find(|g| g.name == **group) {
                    Some(g) => upsert(&mut g.members, sub),
                    None => node.groups.push(SharedGroup {
                        name: ByteString::from(*group),
                        members: vec![sub],
                        cursor: Arc::default(),
                    }),
                },
            },
            Some((first, rest)) => {
                let child = match node.children.get(*first) {
                    Some(child) => child.with(rest, slot, sub),
                    None => Node::default().with(rest, slot, sub),
                };
                node.children
                    .insert(ByteString::from(*first), Arc::new(child));
                node.note_wildcards();
            }
        }
        node
    }

    fn note_wildcards(&mut self) {
        self.has_plus = self.children.contains_key("+");
        self.has_hash = self.children.contains_key("#");
    }

    /// A copy of `self` without the subscription of session `id` at `levels`, or
    /// `None` when there is no such subscription.
    pub(crate) fn without(&self, levels: &[&str], slot: &Slot<'_>, id: u64) -> Option<Node> {
        let mut node = self.clone();
        match levels.split_first() {
            None => match slot {
                Slot::Plain => {
                    let before = node.subscribers.len();
                    node.subscribers.retain(|s| s.session.id() != id);
                    (node.subscribers.len() != before).then_some(node)
                }
                Slot::Shared(group) => {
                    let index = node.groups.iter().position(|g| g.name == **group)?;
                    let g = node.groups.get_mut(index)?;
                    let before = g.members.len();
                    g.members.retain(|s| s.session.id() != id);
                    if g.members.len() == before {
                        return None;
                    }
                    if g.members.is_empty() {
                        node.groups.remove(index);
                    }
                    Some(node)
                }
            },
            Some((first, rest)) => {
                let child = node.children.get(*first)?.without(rest, slot, id)?;
                if child.is_empty() {
                    node.children.remove(*first);
                } else {
                    node.children
                        .insert(ByteString::from(*first), Arc::new(child));
                }
                node.note_wildcards();
                Some(node)
            }
        }
    }

    /// Calls `visit` for every subscription matching the topic `levels`
    /// (section 4.7). `root` is true at the top level, where wildcards do not
    /// match `$`-topics ([MQTT-4.7.2-1]).
    pub(crate) fn visit<'a>(
        &'a self,
        levels: &[&str],
        root: bool,
        visit: &mut impl FnMut(Match<'a>),
    ) {
        let system = root && levels.first().is_some_and(|l| l.starts_with('$'));
        if !system
            && self.has_hash
            && let Some(hash) = self.children.get("#")
        {
            hash.visit_here(visit);
        }
        match levels.split_first() {
            None => self.visit_here(visit),
            Some((first, rest)) => {
                if let Some(child) = self.children.get(*first) {
                    child.visit(rest, false, visit);
                }
                if !system
                    && self.has_plus
                    && let Some(plus) = self.children.get("+")
                {
                    plus.visit(rest, false, visit);
                }
            }
        }
    }

    fn visit_here<'a>(&'a self, visit: &mut impl FnMut(Match<'a>)) {
        for sub in &self.subscribers {
            visit(Match::Plain(sub));
        }
        for group in &self.groups {
            visit(Match::Group(group));
        }
    }
}

/// One matching subscription.
pub(crate) enum Match<'a> {
    Plain(&'a Subscriber),
    Group(&'a SharedGroup),
}

fn upsert(list: &mut Vec<Subscriber>, sub: Subscriber) {
    let id = sub.session.id();
    match list.iter_mut().find(|s| s.session.id() == id) {
        Some(existing) => *existing = sub,
        None => list.push(sub),
    }
}
