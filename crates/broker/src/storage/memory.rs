//! In-memory storage.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use midge_proto::{ByteString, TopicName};

use super::{SessionRecord, Snapshot, Storage, StorageError, StorageOp};
use crate::message::Message;

/// Keeps session and retained state in memory. Sharing one instance between
/// two broker runs in a process carries the state across (as a disk would).
#[derive(Debug, Default)]
pub struct MemoryStorage {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    retained: HashMap<TopicName, Arc<Message>>,
    sessions: HashMap<ByteString, SessionRecord>,
}

impl Storage for MemoryStorage {
    fn load(&self) -> Result<Snapshot, StorageError> {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(Snapshot {
            retained: inner.retained.values().cloned().collect(),
            sessions: inner.sessions.values().cloned().collect(),
        })
    }

    fn apply(&self, batch: &[StorageOp]) -> Result<(), StorageError> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        for op in batch {
            match op {
                StorageOp::PutRetained(m) => {
                    inner.retained.insert(m.topic.clone(), Arc::clone(m));
                }
                StorageOp::RemoveRetained(t) => {
                    inner.retained.remove(t);
                }
                StorageOp::PutSession(s) => {
                    inner.sessions.insert(s.client_id.clone(), s.clone());
                }
                StorageOp::RemoveSession(id) => {
                    inner.sessions.remove(id);
                }
            }
        }
        Ok(())
    }
}
