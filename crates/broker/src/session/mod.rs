//! Sessions: the state MQTT keeps for a Client Identifier across connections
//! (subscriptions, queued messages, QoS 1/2 flows in both directions).
//!
//! A [`Session`] is shared (`Arc`) between the router, which queues deliveries
//! for it from any publisher's task, and the connection task currently attached
//! to it, which drains the queue onto its socket. Its state sits behind its own
//! mutex, never held across an `.await`: publishers to different sessions never
//! contend, and there is no global lock on the publish path.
//!
//! The attached connection's task waker lives in that state too: queueing a
//! delivery, a takeover and a broker shutdown all wake it through
//! [`Session::wake`], and the task sees why in [`Session::poll_signal`]. No
//! channel or timer is kept per connection for these.

mod queue;

use std::collections::HashMap;
use std::num::{NonZeroU16, NonZeroU32};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use midge_proto::session::{Inbound, Outbound};
use midge_proto::{ByteString, SubscriptionOptions, TopicFilter, Will};

use crate::message::Delivery;
pub use queue::{Enqueued, QueueLimits};

/// A session, alive from its first CONNECT until it ends (clean start, expiry).
#[derive(Debug)]
pub struct Session {
    id: u64,
    client_id: ByteString,
    online: AtomicBool,
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

/// Why the attached connection was woken (see [`Session::poll_signal`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Another connection took the session over ([MQTT-3.1.4-3]): go.
    TakenOver,
    /// The broker is shutting down: go.
    Shutdown,
    /// Deliveries may be waiting in the queue.
    Deliveries,
}

/// The connection attached to a session, as the session sees it.
#[derive(Debug, Default)]
pub enum Attachment {
    /// No connection.
    #[default]
    None,
    /// A connection is attached.
    Attached,
    /// A connection taking over has told the attached one to go, and waits
    /// (its task woken through `waiters`) until it has let go.
    Leaving {
        /// Tasks waiting to take over.
        waiters: Vec<Waker>,
    },
}

impl Attachment {
    /// Whether no connection is attached.
    pub fn is_none(&self) -> bool {
        matches!(self, Attachment::None)
    }
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
    /// The attached connection, if any (set by `Shared::attach`, cleared by
    /// [`SessionState::let_go`]).
    pub attachment: Attachment,
    /// A delayed will (boxed: rare, and large).
    pub pending_will: Option<Box<PendingWill>>,
    /// The session has ended and was removed from the registry.
    pub ended: bool,
    /// The attached connection's task, while it waits.
    waker: Option<Waker>,
    /// Woken since the connection last looked: deliveries may be waiting.
    woken: bool,
    /// Publishers held back until the queue drains (flow control).
    drain_waiters: Vec<Waker>,
    /// A slow consumer: it held a publisher back for the longest time
    /// allowed, so it holds none back until its queue has drained.
    slow: bool,
}

impl Session {
    /// A new, empty, offline session.
    pub fn new(id: u64, client_id: ByteString, inflight: NonZeroU16, receive: NonZeroU16) -> Self {
        Self {
            id,
            client_id,
            online: AtomicBool::new(false),
            state: Mutex::new(SessionState {
                subscriptions: HashMap::new(),
                queue: queue::Queue::default(),
                outbound: Outbound::new(inflight),
                inbound: Inbound::new(receive),
                expiry_interval: 0,
                generation: 0,
                attachment: Attachment::None,
                pending_will: None,
                ended: false,
                waker: None,
                woken: false,
                drain_waiters: Vec::new(),
                slow: false,
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

    /// Wakes the attached connection, to look at the queue and at whether it
    /// must go. A wake before the connection waits is not lost.
    pub fn wake(&self) {
        let waker = self.lock().wake();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// What the connection of `generation` must act on, registering its task
    /// to be woken otherwise. `shutdown` is the broker's shutdown flag, read
    /// under the session lock so a shutdown waking every session is never
    /// missed. With `take_deliveries` false (while the connection is busy
    /// writing) only reasons to go are reported.
    pub fn poll_signal(
        &self,
        cx: &mut Context<'_>,
        generation: u64,
        shutdown: &AtomicBool,
        take_deliveries: bool,
    ) -> Poll<Signal> {
        let mut state = self.lock();
        // Told to go by a connection taking over, or one has attached since.
        if state.generation != generation || matches!(state.attachment, Attachment::Leaving { .. })
        {
            return Poll::Ready(Signal::TakenOver);
        }
        if shutdown.load(Ordering::SeqCst) {
            return Poll::Ready(Signal::Shutdown);
        }
        if take_deliveries && state.woken {
            state.woken = false;
            return Poll::Ready(Signal::Deliveries);
        }
        match &state.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => state.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Tells the attached connection, if any, to go and waits until it has
    /// let go of the session ([`SessionState::let_go`]).
    pub async fn take_over(&self) {
        std::future::poll_fn(|cx| {
            let mut state = self.lock();
            let connection = match &mut state.attachment {
                Attachment::None => return Poll::Ready(()),
                Attachment::Attached => {
                    state.attachment = Attachment::Leaving {
                        waiters: vec![cx.waker().clone()],
                    };
                    state.wake()
                }
                Attachment::Leaving { waiters } => {
                    if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
                        waiters.push(cx.waker().clone());
                    }
                    None
                }
            };
            drop(state);
            if let Some(waker) = connection {
                waker.wake();
            }
            Poll::Pending
        })
        .await;
    }

    /// Flow control: ready once this session's queue no longer holds
    /// publishers back (drained to its low-water mark, offline, or a slow
    /// consumer); otherwise the publisher's task is woken when it is.
    pub fn poll_drained(&self, cx: &mut Context<'_>, limits: &QueueLimits) -> Poll<()> {
        let mut state = self.lock();
        if state.slow || !self.is_online() || state.queue.below_low_water(limits) {
            return Poll::Ready(());
        }
        if !state.drain_waiters.iter().any(|w| w.will_wake(cx.waker())) {
            state.drain_waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }

    /// Forgets the publisher task of `waker`, which no longer waits for this
    /// session to drain (its connection has ended).
    pub fn forget_drain_waiter(&self, waker: &Waker) {
        self.lock().drain_waiters.retain(|w| !w.will_wake(waker));
    }

    /// Marks the session a slow consumer (it held the publisher of `waker`
    /// back for the longest time allowed): publishers are no longer held back
    /// for it, its queue overflows by policy, until it has drained.
    pub fn mark_slow(&self, waker: &Waker) {
        let mut state = self.lock();
        state.slow = true;
        state.drain_waiters.retain(|w| !w.will_wake(waker));
    }

    /// Queues `delivery` under `limits`, waking the connection if one is attached.
    pub fn enqueue(&self, delivery: Delivery, limits: &QueueLimits) -> Enqueued {
        let online = self.is_online();
        let (result, waker) = {
            let mut state = self.lock();
            let mut result = state.queue.push(delivery, limits, online);
            let waker = if online && result.queued() {
                result.congested = !state.slow && state.queue.above_high_water(limits);
                state.wake()
            } else {
                None
            };
            (result, waker)
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        result
    }
}

impl SessionState {
    /// The attached connection has let go of the session: no connection is
    /// attached any more. Its task waker is dropped (kept, it would keep the
    /// finished task's memory); the tasks waiting to take over are returned,
    /// to be woken once the lock is released.
    /// Publishers held back for this session go on too.
    #[must_use = "the returned tasks must be woken"]
    pub fn let_go(&mut self) -> Vec<Waker> {
        self.waker = None;
        let mut wake = std::mem::take(&mut self.drain_waiters);
        if let Attachment::Leaving { waiters } = std::mem::take(&mut self.attachment) {
            wake.extend(waiters);
        }
        wake
    }

    /// Whether publishers are held back for this session, or it is a slow
    /// consumer: [`SessionState::drained`] has something to do.
    pub fn holds_back(&self) -> bool {
        !self.drain_waiters.is_empty() || self.slow
    }

    /// After deliveries were taken from the queue: once it is down to its
    /// low-water mark, the publishers held back for it, to be woken once the
    /// lock is released (and a slow consumer is one no more).
    pub fn drained(&mut self, limits: &QueueLimits) -> Vec<Waker> {
        if (self.drain_waiters.is_empty() && !self.slow) || !self.queue.below_low_water(limits) {
            return Vec::new();
        }
        self.slow = false;
        std::mem::take(&mut self.drain_waiters)
    }

    /// Marks the session woken; the waker to wake once the lock is released.
    fn wake(&mut self) -> Option<Waker> {
        self.woken = true;
        self.waker.take()
    }
}
