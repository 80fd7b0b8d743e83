//! Persistence of session and retained state, behind the [`Storage`] trait.
//!
//! The publish path never waits on storage: it hands a [`StorageOp`] to
//! [`Persist`], a channel drained by one background task that applies the ops in
//! batches ([`Storage::apply`]). A durable engine plugs in by implementing the
//! trait; handlers do not change. [`MemoryStorage`] keeps everything in memory
//! (state survives a broker restart within one process, as tests use it).

mod memory;

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use midge_proto::{ByteString, TopicFilter, TopicName};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::message::Message;
use crate::session::StoredSubscription;
pub use memory::MemoryStorage;

/// A session as stored: what survives the broker's restart.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    /// Client Identifier.
    pub client_id: ByteString,
    /// Session Expiry Interval in seconds.
    pub expiry_interval: u32,
    /// Subscriptions.
    pub subscriptions: Vec<(TopicFilter, StoredSubscription)>,
}

/// One change to persist.
#[derive(Debug, Clone)]
pub enum StorageOp {
    /// Store (or replace) a topic's retained message.
    PutRetained(Arc<Message>),
    /// Remove a topic's retained message.
    RemoveRetained(TopicName),
    /// Store (or replace) a session.
    PutSession(SessionRecord),
    /// Remove a session.
    RemoveSession(ByteString),
}

/// Everything loaded at start-up.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Retained messages.
    pub retained: Vec<Arc<Message>>,
    /// Sessions.
    pub sessions: Vec<SessionRecord>,
}

/// A storage failure.
#[derive(Debug)]
pub struct StorageError(pub String);

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "storage error: {}", self.0)
    }
}

impl std::error::Error for StorageError {}

/// A storage engine.
pub trait Storage: Send + Sync + fmt::Debug + 'static {
    /// Loads everything stored.
    fn load(&self) -> Result<Snapshot, StorageError>;
    /// Applies a batch of changes, in order. May block (it runs on a blocking
    /// thread).
    fn apply(&self, batch: &[StorageOp]) -> Result<(), StorageError>;
}

/// The sending side of the persistence channel.
#[derive(Debug)]
pub struct Persist {
    tx: Mutex<Option<mpsc::UnboundedSender<StorageOp>>>,
}

impl Persist {
    /// A handle that persists nothing.
    pub fn disabled() -> Self {
        Self {
            tx: Mutex::new(None),
        }
    }

    /// Starts the task applying ops to `storage` in batches. It ends after
    /// [`Persist::close`] once the channel is drained.
    pub fn spawn(storage: Arc<dyn Storage>) -> (Self, JoinHandle<()>) {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let mut batch = Vec::with_capacity(256);
            while rx.recv_many(&mut batch, 1024).await > 0 {
                let ops = std::mem::take(&mut batch);
                let storage = Arc::clone(&storage);
                let applied = tokio::task::spawn_blocking(move || storage.apply(&ops)).await;
                match applied {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::error!("{e}; the change is not persisted"),
                    Err(e) => tracing::error!("storage task failed: {e}"),
                }
            }
        });
        (
            Self {
                tx: Mutex::new(Some(tx)),
            },
            task,
        )
    }

    /// Queues `op` for the storage task.
    pub fn send(&self, op: StorageOp) {
        let tx = self.tx.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tx) = tx.as_ref()
            && tx.send(op).is_err()
        {
            tracing::error!("storage task has stopped; a change is not persisted");
        }
    }

    /// Closes the channel: the storage task applies what is queued and ends.
    /// Later changes are not persisted.
    pub fn close(&self) {
        self.tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}
