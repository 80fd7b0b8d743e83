//! The broker's shared state and the session lifecycle: routing a message to
//! its subscribers, attaching connections to sessions (with takeover), wills
//! and session expiry.

use std::collections::HashMap;
use std::num::NonZeroU16;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Waker;
use std::time::Duration;

use arc_swap::ArcSwap;
use midge_proto::{ByteString, Publish, QoS, Will};
use tokio::sync::{Notify, watch};

use crate::config::Config;
use crate::message::{Delivery, Message};
use crate::metrics::Metrics;
use crate::retained::{Retained, RetainedLimits, RetainedStore};
use crate::router::Router;
use crate::session::{Attachment, Enqueued, PendingWill, QueueLimits, Session};
use crate::storage::{Persist, StorageOp};

/// How long a new connection waits for the connection it takes over to let go.
const TAKEOVER_TIMEOUT: Duration = Duration::from_secs(10);

/// State shared by every connection of one broker.
#[derive(Debug)]
pub struct Shared {
    config: ArcSwap<Config>,
    /// Subscriptions.
    pub router: Router,
    /// Retained messages.
    pub retained: RetainedStore,
    /// Counters.
    pub metrics: Metrics,
    sessions: Mutex<HashMap<ByteString, Arc<Session>>>,
    next_session_id: AtomicU64,
    shutdown: watch::Sender<bool>,
    shutting_down: AtomicBool,
    /// Connections being served, within `connection_limit`.
    connections: AtomicUsize,
    connection_limit: usize,
    /// Notified when the last connection ends.
    all_closed: Notify,
    persist: Persist,
}

/// One connection counted against `limits.max_connections`; dropping it
/// (when the connection task ends, however it ends) frees the slot.
#[derive(Debug)]
pub struct ConnectionSlot {
    shared: Arc<Shared>,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if self.shared.connections.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.all_closed.notify_waiters();
        }
    }
}

/// A session a connection has attached to.
#[derive(Debug)]
pub struct Attached {
    /// The session.
    pub session: Arc<Session>,
    /// Whether it existed before (CONNACK Session Present).
    pub present: bool,
    /// Its generation for this connection.
    pub generation: u64,
}

/// How a connection ended, as far as the session is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// DISCONNECT with reason 0x00: discard the will ([MQTT-3.14.4-3]).
    Normal,
    /// Anything else: the will is published ([MQTT-3.1.2-8]), after its delay.
    Abnormal,
}

impl Shared {
    /// New shared state for `config`, persisting through `persist`.
    pub fn new(config: Config, persist: Persist) -> Self {
        Self {
            connection_limit: config.limits.max_connections,
            config: ArcSwap::from_pointee(config),
            router: Router::default(),
            retained: RetainedStore::default(),
            metrics: Metrics::default(),
            sessions: Mutex::new(HashMap::new()),
            next_session_id: AtomicU64::new(1),
            shutdown: watch::Sender::new(false),
            shutting_down: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            all_closed: Notify::new(),
            persist,
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> arc_swap::Guard<Arc<Config>> {
        self.config.load()
    }

    /// Replaces the configuration (SIGHUP reload of the reloadable parts).
    pub fn set_config(&self, config: Config) {
        self.config.store(Arc::new(config));
    }

    /// A receiver that turns `true` when the broker shuts down (for
    /// connections still in their CONNECT phase).
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// The flag set when the broker shuts down, for
    /// [`Session::poll_signal`].
    pub fn shutdown_flag(&self) -> &AtomicBool {
        &self.shutting_down
    }

    /// Starts shutting down: every connection is told to go.
    pub fn begin_shutdown(&self) {
        // The flag first: a session attached after the wake-up below sees it.
        self.shutting_down.store(true, Ordering::SeqCst);
        self.shutdown.send_replace(true);
        let sessions: Vec<Arc<Session>> = self.sessions_map().values().cloned().collect();
        for session in sessions {
            session.wake();
        }
    }

    /// A slot for one more connection, or `None` at `limits.max_connections`
    /// (read at start: changing it takes a restart).
    pub fn open_connection(self: &Arc<Self>) -> Option<ConnectionSlot> {
        self.connections
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.connection_limit).then_some(n + 1)
            })
            .ok()?;
        Some(ConnectionSlot {
            shared: Arc::clone(self),
        })
    }

    /// Connections being served (including those still in their CONNECT phase).
    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::Acquire)
    }

    /// Waits, at most `timeout`, until no connection is being served;
    /// whether none is.
    pub async fn connections_closed(&self, timeout: Duration) -> bool {
        tokio::time::timeout(timeout, async {
            loop {
                let notified = self.all_closed.notified();
                let mut notified = std::pin::pin!(notified);
                // Registered before the count is read: the last connection
                // ending in between is not missed.
                notified.as_mut().enable();
                if self.connection_count() == 0 {
                    return;
                }
                notified.await;
            }
        })
        .await
        .is_ok()
    }

    /// Number of sessions (connected or not).
    pub fn session_count(&self) -> usize {
        self.sessions_map().len()
    }

    /// The session of `client_id`, if there is one.
    pub fn session(&self, client_id: &str) -> Option<Arc<Session>> {
        self.sessions_map().get(client_id).cloned()
    }

    fn sessions_map(&self) -> std::sync::MutexGuard<'_, HashMap<ByteString, Arc<Session>>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The session queue limits in force.
    pub fn queue_limits(&self) -> QueueLimits {
        let c = self.config();
        QueueLimits {
            max_messages: c.limits.max_queued_messages,
            max_bytes: c.limits.max_queued_bytes,
            queue_qos0_offline: c.limits.queue_qos0_offline,
            policy: c.limits.queue_full_policy,
        }
    }

    /// Publishes `message`: stores it if retained, queues it for every matching
    /// subscription; returns how many sessions it was queued for. Never waits:
    /// full queues drop per policy, counted.
    pub fn publish(&self, message: Arc<Message>) -> usize {
        self.publish_flow(message, None)
    }

    /// [`Shared::publish`] for a client's PUBLISH: sessions whose queues are
    /// now past their high-water mark are added to `congested` (once each),
    /// for the publisher to wait on before reading more (flow control).
    pub fn publish_flow(
        &self,
        message: Arc<Message>,
        mut congested: Option<&mut Vec<Arc<Session>>>,
    ) -> usize {
        if message.retain {
            let c = self.config();
            if c.retained.enabled {
                let limits = RetainedLimits {
                    max_messages: c.retained.max_messages,
                    max_bytes: c.retained.max_bytes,
                };
                match self.retained.set(Arc::clone(&message), &limits) {
                    Retained::Stored => self
                        .persist
                        .send(StorageOp::PutRetained(Arc::clone(&message))),
                    Retained::Removed => self
                        .persist
                        .send(StorageOp::RemoveRetained(message.topic.clone())),
                    Retained::Full => {
                        Metrics::bump(&self.metrics.dropped_retained_full);
                        tracing::warn!(topic = %message.topic.as_str(), "retained store full; message not retained");
                    }
                }
            }
        }
        let limits = self.queue_limits();
        let targets = self.router.route(&message);
        let receivers = targets.len();
        for target in targets {
            let result = target.session.enqueue(target.delivery, &limits);
            self.count(result);
            if let (true, Some(list)) = (result.congested, congested.as_deref_mut())
                && !list.iter().any(|s| Arc::ptr_eq(s, &target.session))
            {
                list.push(target.session);
            }
        }
        receivers
    }

    /// Stops persisting (end of shutdown): queued changes are still written.
    pub fn close_storage(&self) {
        self.persist.close();
    }

    /// Hands `op` to the storage task.
    pub fn persist(&self, op: StorageOp) {
        self.persist.send(op);
    }

    fn count(&self, result: Enqueued) {
        let m = &self.metrics;
        if result.dropped_qos0 > 0 {
            m.dropped_qos0
                .fetch_add(u64::from(result.dropped_qos0), Ordering::Relaxed);
        }
        if result.dropped_full > 0 {
            m.dropped_queue_full
                .fetch_add(u64::from(result.dropped_full), Ordering::Relaxed);
        }
        if result.offline_qos0 {
            Metrics::bump(&m.dropped_offline_qos0);
        }
    }

    /// Attaches a new connection to the session of `client_id`, taking it over
    /// from a connection still attached ([MQTT-3.1.4-3]) and starting afresh
    /// when `clean_start` is set ([MQTT-3.1.2-4]) or no session exists.
    pub async fn attach(&self, client_id: &ByteString, clean_start: bool) -> Attached {
        // Connections racing for one client id: each round either attaches
        // or finds another connection got there first, and takes that one
        // over in the next round, so the last one in holds the session.
        loop {
            let existing = self.session(client_id);
            if let Some(session) = &existing
                && tokio::time::timeout(TAKEOVER_TIMEOUT, session.take_over())
                    .await
                    .is_err()
            {
                tracing::warn!(client_id = %client_id, "connection being taken over did not let go in time");
                let waiters = session.lock().let_go();
                waiters.into_iter().for_each(Waker::wake);
            }
            let resumed = match &existing {
                Some(session) if clean_start => {
                    self.end_session(session);
                    None
                }
                Some(session) if !session.lock().ended => Some(Arc::clone(session)),
                _ => None,
            };
            let present = resumed.is_some();
            let session = match resumed {
                Some(s) => s,
                None => {
                    let mut map = self.sessions_map();
                    // Another connection registered a session meanwhile.
                    if map
                        .get(client_id)
                        .is_some_and(|s| !existing.as_ref().is_some_and(|e| Arc::ptr_eq(s, e)))
                    {
                        continue;
                    }
                    let s = self.new_session(client_id);
                    map.insert(client_id.clone(), Arc::clone(&s));
                    s
                }
            };
            let generation = {
                let mut state = session.lock();
                if !state.attachment.is_none() || state.ended {
                    // Another connection attached (or the session ended) meanwhile.
                    continue;
                }
                state.generation += 1;
                state.attachment = Attachment::Attached;
                // Resumed before the Will Delay Interval passed: no will
                // (MQTT 5.0 section 3.1.3.2.2).
                state.pending_will = None;
                state.generation
            };
            session.set_online(true);
            return Attached {
                session,
                present,
                generation,
            };
        }
    }

    /// Re-creates a stored session, offline, scheduling its expiry as if its
    /// client had just disconnected.
    pub fn restore_session(
        self: &Arc<Self>,
        client_id: &ByteString,
        expiry_secs: u32,
    ) -> Arc<Session> {
        let session = self.new_session(client_id);
        self.sessions_map()
            .insert(client_id.clone(), Arc::clone(&session));
        self.detach(&session, 0, None, Departure::Normal, expiry_secs.max(1));
        session
    }

    fn new_session(&self, client_id: &ByteString) -> Arc<Session> {
        let c = self.config();
        let inflight = NonZeroU16::new(c.limits.max_inflight).unwrap_or(NonZeroU16::MIN);
        let receive = NonZeroU16::new(c.limits.receive_maximum).unwrap_or(NonZeroU16::MIN);
        let id = self.next_session_id.fetch_add(1, Ordering::Relaxed);
        Arc::new(Session::new(id, client_id.clone(), inflight, receive))
    }

    /// The connection of `generation` leaves `session`: handles the will
    /// (published on any departure but a normal DISCONNECT, after its delay),
    /// hands queued shared-subscription messages to other group members, and
    /// ends the session now (expiry 0) or schedules its expiry
    /// ([MQTT-4.1.0-2]).
    pub fn detach(
        self: &Arc<Self>,
        session: &Arc<Session>,
        generation: u64,
        will: Option<Will>,
        departure: Departure,
        expiry_secs: u32,
    ) {
        let waiters = {
            let mut state = session.lock();
            if state.generation != generation {
                return;
            }
            state.expiry_interval = expiry_secs;
            // Offline first, under the lock: a publisher checking whether to
            // wait for this session to drain sees it, and waits no more.
            session.set_online(false);
            state.let_go()
        };
        self.redistribute_shared(session, false);
        if let (Some(will), Departure::Abnormal) = (will, departure) {
            let delay = will.properties.will_delay_interval.unwrap_or(0);
            if delay == 0 || expiry_secs == 0 {
                self.publish_will(will, session.client_id());
            } else {
                session.lock().pending_will = Some(Box::new(PendingWill { will, generation }));
                let shared = Arc::clone(self);
                let session = Arc::clone(session);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(u64::from(delay))).await;
                    let will = {
                        let mut state = session.lock();
                        match &state.pending_will {
                            Some(p) if p.generation == generation => {
                                state.pending_will.take().map(|p| p.will)
                            }
                            _ => None,
                        }
                    };
                    if let Some(will) = will {
                        shared.publish_will(will, session.client_id());
                    }
                });
            }
        }
        match expiry_secs {
            0 => self.end_session(session),
            u32::MAX => {}
            secs => {
                let shared = Arc::clone(self);
                let session = Arc::clone(session);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(u64::from(secs))).await;
                    // Checked under the same lock that ends it: a connection
                    // resuming the session in between keeps it.
                    let expired = shared.end_session_when(&session, |state| {
                        state.generation == generation && state.attachment.is_none()
                    });
                    if expired {
                        tracing::debug!(client_id = %session.client_id(), "session expired");
                    }
                });
            }
        }
        // Last: a connection taking over goes on once all this is done.
        waiters.into_iter().for_each(Waker::wake);
    }

    /// Ends `session`: removes it and its subscriptions, publishes a will still
    /// waiting for its delay (the session ending first), and hands its undelivered
    /// shared-subscription messages to other group members.
    pub fn end_session(&self, session: &Arc<Session>) {
        self.end_session_when(session, |_| true);
    }

    /// [`Shared::end_session`] if `now` holds for its state, checked under
    /// the lock that ends it; whether it ended.
    pub fn end_session_when(
        &self,
        session: &Arc<Session>,
        now: impl FnOnce(&crate::session::SessionState) -> bool,
    ) -> bool {
        let (filters, will) = {
            let mut state = session.lock();
            if state.ended || !now(&state) {
                return false;
            }
            state.ended = true;
            let filters: Vec<_> = state.subscriptions.drain().map(|(f, _)| f).collect();
            (filters, state.pending_will.take())
        };
        {
            let mut map = self.sessions_map();
            if map
                .get(session.client_id())
                .is_some_and(|s| Arc::ptr_eq(s, session))
            {
                map.remove(session.client_id());
            }
        }
        for filter in &filters {
            self.router.unsubscribe(filter, session.id());
        }
        self.redistribute_shared(session, true);
        if let Some(pending) = will {
            self.publish_will(pending.will, session.client_id());
        }
        self.persist
            .send(StorageOp::RemoveSession(session.client_id().clone()));
        true
    }

    /// Publishes every will still waiting for its Will Delay Interval (at
    /// shutdown, when the sessions end with the process).
    pub fn end_pending_wills(&self) {
        let sessions: Vec<Arc<Session>> = self.sessions_map().values().cloned().collect();
        for session in sessions {
            let pending = session.lock().pending_will.take();
            if let Some(p) = pending {
                self.publish_will(p.will, session.client_id());
            }
        }
    }

    /// Moves messages a session got through shared subscriptions to other
    /// members of their groups: queued ones when it goes offline, in-flight ones
    /// too when it ends (MQTT 5.0 section 4.8.2).
    fn redistribute_shared(&self, session: &Arc<Session>, ended: bool) {
        let moved: Vec<Delivery> = {
            let mut state = session.lock();
            let mut moved = state.queue.extract(|d| d.shared_group.is_some());
            if ended {
                // A QoS 2 message already sent stays with its receiver: it
                // is never delivered to another member ([MQTT-4.8.2-5]).
                moved.extend(
                    state
                        .outbound
                        .clear()
                        .into_iter()
                        .filter(|d| d.shared_group.is_some() && d.qos != QoS::ExactlyOnce),
                );
            }
            moved
        };
        if moved.is_empty() {
            return;
        }
        let limits = self.queue_limits();
        for delivery in moved {
            let Some(group) = &delivery.shared_group else {
                continue;
            };
            let member = self
                .router
                .shared_member(group, &delivery.message.topic, session.id());
            if let Some(member) = member {
                let mut d = delivery.clone();
                d.qos = d.message.qos.min(member.options.qos);
                d.subscription_ids = member.id.into_iter().collect();
                let result = member.session.enqueue(d, &limits);
                self.count(result);
            }
        }
    }

    /// Publishes a will message (with its properties, MQTT 5.0 section 3.1.3.2).
    pub fn publish_will(&self, will: Will, client_id: &ByteString) {
        tracing::debug!(client_id = %client_id, topic = %will.topic.as_str(), "publishing will");
        let mut publish = Publish::new(will.topic, will.payload);
        publish.qos = will.qos;
        publish.retain = will.retain;
        let p = will.properties;
        publish.properties.payload_format_indicator = p.payload_format_indicator;
        publish.properties.message_expiry_interval = p.message_expiry_interval;
        publish.properties.content_type = p.content_type;
        publish.properties.response_topic = p.response_topic;
        publish.properties.correlation_data = p.correlation_data;
        publish.properties.user_properties = p.user_properties;
        let message = Message::from_publish(publish, Some(client_id.clone()), crate::clock::now());
        self.publish(Arc::new(message));
    }
}
