//! The broker as a whole: binding listeners, accepting connections within the
//! connection limit, restoring stored state, graceful shutdown.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::broker::Shared;
use crate::config::Config;
use crate::connection;
use crate::router::Subscriber;
use crate::storage::{Persist, Storage};

/// How long shutdown waits for connections to say goodbye.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running broker.
#[derive(Debug)]
pub struct Broker {
    shared: Arc<Shared>,
    local_addrs: Vec<SocketAddr>,
    accept_tasks: Vec<JoinHandle<()>>,
    persist_task: Option<JoinHandle<()>>,
}

/// Why the broker could not start.
#[derive(Debug)]
pub enum StartError {
    /// A listener address could not be bound.
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: io::Error,
    },
    /// Stored state could not be loaded.
    Storage(crate::storage::StorageError),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Bind { addr, source } => write!(
                f,
                "cannot listen on {addr}: {source} (is another broker running? choose another port with -p or --bind)"
            ),
            StartError::Storage(e) => write!(f, "cannot load stored state: {e}"),
        }
    }
}

// The Display text already includes the cause, so `source` is not exposed:
// error-chain printers would say it twice.
impl std::error::Error for StartError {}

impl Broker {
    /// Loads stored state, binds every listener of `config` and starts accepting.
    /// Nothing is left listening if any bind fails.
    pub async fn start(config: Config, storage: Arc<dyn Storage>) -> Result<Self, StartError> {
        let snapshot = storage.load().map_err(StartError::Storage)?;
        let mut listeners = Vec::with_capacity(config.listeners.len());
        for l in &config.listeners {
            let listener = TcpListener::bind(l.bind)
                .await
                .map_err(|source| StartError::Bind {
                    addr: l.bind,
                    source,
                })?;
            listeners.push(listener);
        }
        let (persist, persist_task) = Persist::spawn(storage);
        let shared = Arc::new(Shared::new(config, persist));
        restore(&shared, snapshot);

        let mut local_addrs = Vec::new();
        let mut accept_tasks = Vec::new();
        for listener in listeners {
            let addr = listener.local_addr().map_err(|source| StartError::Bind {
                addr: SocketAddr::from(([0, 0, 0, 0], 0)),
                source,
            })?;
            tracing::info!("listening on {addr}");
            local_addrs.push(addr);
            accept_tasks.push(tokio::spawn(accept_loop(Arc::clone(&shared), listener)));
        }
        Ok(Self {
            shared,
            local_addrs,
            accept_tasks,
            persist_task: Some(persist_task),
        })
    }

    /// The addresses actually bound (port 0 resolved).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.local_addrs
    }

    /// The shared state (for reloads, metrics and tests).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Applies a reloaded configuration's runtime-changeable settings.
    pub fn reload(&self, config: Config) {
        self.shared.set_config(config);
    }

    /// Graceful shutdown: stop accepting, tell every client (v5: DISCONNECT
    /// 0x8B), flush, wait for connection tasks and pending storage writes.
    pub async fn shutdown(mut self) {
        for task in &self.accept_tasks {
            task.abort();
        }
        self.shared.begin_shutdown();
        // Every wait of a connection task ends on the shutdown signal or
        // within its own timeout, so the tasks all end: this only bounds how
        // long their goodbyes may hold shutdown up.
        if !self.shared.connections_closed(SHUTDOWN_GRACE).await {
            tracing::warn!(
                open = self.shared.connection_count(),
                "some connections did not close in time"
            );
        }
        // Sessions do not outlive the process yet: wills still waiting for
        // their delay go out now, as their sessions end.
        self.shared.end_pending_wills();
        self.shared.close_storage();
        if let Some(task) = self.persist_task.take() {
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, task).await;
        }
    }
}

impl Drop for Broker {
    /// A broker dropped without [`Broker::shutdown`] still stops: no more
    /// accepting, and every connection is told to go (without the wait).
    fn drop(&mut self) {
        for task in &self.accept_tasks {
            task.abort();
        }
        self.shared.begin_shutdown();
    }
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and the like: back off, keep serving.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection::serve(
            Arc::clone(&shared),
            stream,
            peer.to_string(),
        ));
    }
}

/// Re-creates stored sessions (offline, subscriptions in the tree) and
/// retained messages.
fn restore(shared: &Arc<Shared>, snapshot: crate::storage::Snapshot) {
    for message in snapshot.retained {
        shared.retained.restore(message);
    }
    for record in snapshot.sessions {
        let session = shared.restore_session(&record.client_id, record.expiry_interval);
        for (filter, sub) in &record.subscriptions {
            session
                .lock()
                .subscriptions
                .insert(filter.clone(), sub.clone());
            shared.router.subscribe(
                filter,
                Subscriber {
                    session: Arc::clone(&session),
                    options: sub.options,
                    id: sub.id,
                },
            );
        }
    }
}
