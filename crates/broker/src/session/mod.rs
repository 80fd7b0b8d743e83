//! Sessions: the state MQTT keeps for a Client Identifier across connections
//! (subscriptions, queued messages, QoS 1/2 flows in both directions).
//!
//! A [`Session`] is shared (`Arc`) between the router, which queues deliveries
//! for it from any publisher's task, and the connection task currently attached
//! to it, which drains the queue onto its socket. Its state sits behind its own
//! mutex, never held across an `.await`: publishers to different sessions never
//! contend, and there is no global lock on the publish path.

mod queue;

use std::collections::HashMap;
use std::num::{NonZeroU16, NonZeroU32};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use midge_proto::session::{Inbound, Outbound};
use midge_proto::{ByteString, SubscriptionOptions, TopicFilter, Will};
use tokio::sync::{Notify, oneshot};

use crate::message::Delivery;
pub use queue::{Enqueued, QueueLimits};

/// A session, alive from its first CONNECT until it ends (clean start, expiry).
#[derive(Debug)]
pub struct Session {
    id: u64,
    client_id: ByteString,
    online: AtomicBool,
    /// Wakes the attached connection task when deliveries are queued.
    notify: Notify,
    state: Mutex<SessionState>,
}

/// A subscription as the session remembers it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSubscription {
    /// Subscription options as granted.
    pub options: SubscriptionOptions,
    /// Subscription Identifier.
    pub id: Option<NonZeroU32>,
}

/// What a connection task attached to the session can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kick {
    /// Another connection took the session over ([MQTT-3.1.4-3]).
    TakenOver,
}

/// The handle of the connection attached to a session.
#[derive(Debug)]
pub struct Attachment {
    /// Tells the connection to go.
    pub kick: oneshot::Sender<Kick>,
    /// Completes (with an error) once the connection task has let go of the session.
    pub done: oneshot::Receiver<()>,
}

/// A will waiting for its Will Delay Interval (MQTT 5.0 section 3.1.3.2.2).
#[derive(Debug, Clone)]
pub struct PendingWill {
    /// The will.
    pub will: Will,
    /// The session generation whose connection left it.
    pub generation: u64,
}

/// The mutable part of a session.
#[derive(Debug)]
pub struct SessionState {
    /// Subscriptions by filter.
    pub subscriptions: HashMap<TopicFilter, StoredSubscription>,
    /// Deliveries waiting to be sent.
    pub queue: queue::Queue,
    /// Our QoS 1/2 PUBLISHes to the client awaiting acknowledgement.
    pub outbound: Outbound<Delivery>,
    /// The client's QoS 2 PUBLISHes awaiting PUBREL.
    pub inbound: Inbound,
    /// Session Expiry Interval in seconds (0xFFFF_FFFF: never).
    pub expiry_interval: u32,
    /// Incremented each time a connection attaches; timers compare it.
    pub generation: u64,
    /// The attached connection, if any.
    pub attachment: Option<Attachment>,
    /// A delayed will (boxed: rare, and large).
    pub pending_will: Option<Box<PendingWill>>,
    /// The session has ended and was removed from the registry.
    pub ended: bool,
}

impl Session {
    /// A new, empty, offline session.
    pub fn new(id: u64, client_id: ByteString, inflight: NonZeroU16, receive: NonZeroU16) -> Self {
        Self {
            id,
            client_id,
            online: AtomicBool::new(false),
            notify: Notify::new(),
            state: Mutex::new(SessionState {
                subscriptions: HashMap::new(),
                queue: queue::Queue::default(),
                outbound: Outbound::new(inflight),
                inbound: Inbound::new(receive),
                expiry_interval: 0,
                generation: 0,
                attachment: None,
                pending_will: None,
                ended: false,
            }),
        }
    }

    /// Unique id of this session object (a new session for the same client id
    /// gets a new one).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The Client Identifier.
    pub fn client_id(&self) -> &ByteString {
        &self.client_id
    }

    /// Whether a connection is attached.
    pub fn is_online(&self) -> bool {
        self.online.load(Ordering::Acquire)
    }

    /// Marks the session online or offline.
    pub fn set_online(&self, online: bool) {
        self.online.store(online, Ordering::Release);
    }

    /// Locks the state. A poisoned lock (a panic elsewhere) still yields the
    /// state: it is kept consistent by every method that mutates it.
    pub fn lock(&self) -> MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until deliveries may be waiting.
    pub async fn notified(&self) {
        self.notify.notified().await;
    }

    /// Wakes the attached connection.
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    /// Queues `delivery` under `limits`, waking the connection if one is attached.
    pub fn enqueue(&self, delivery: Delivery, limits: &QueueLimits) -> Enqueued {
        let online = self.is_online();
        let result = self.lock().queue.push(delivery, limits, online);
        if online && result.queued() {
            self.wake();
        }
        result
    }
}
