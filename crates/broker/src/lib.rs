//! `midge-broker`: the Midge MQTT broker (MQTT 3.1, 3.1.1 and 5.0 over TCP).
//!
//! # Layout
//! - [`config`]: the TOML configuration, its defaults and validation.
//! - [`server`]: [`Broker`]: listeners, connection limit, start-up restore,
//!   graceful shutdown.
//! - [`connection`]: the per-connection task: read, decode, dispatch, pump
//!   queued deliveries, coalesced writes, close with the right reason code.
//! - [`handle`]: one handler per packet kind (CONNECT, PUBLISH, acks,
//!   SUBSCRIBE, UNSUBSCRIBE, DISCONNECT).
//! - [`broker`]: state shared by all connections and the session lifecycle
//!   (attach and takeover, wills, expiry, shared-subscription hand-over).
//! - [`router`]: the copy-on-write subscription tree; matching and fan-out.
//! - [`session`]: per-client session state and its bounded delivery queue.
//! - [`retained`]: the sharded retained-message store.
//! - [`message`]: shared Application Messages and per-subscriber deliveries.
//! - [`storage`]: the [`Storage`] trait, batching
//!   persistence task and in-memory engine.
//! - [`clock`]: the single clock read (virtual in tests).
//! - [`metrics`]: broker-wide counters of traffic and drops.
//!
//! The protocol rules that depend only on one connection's state (packet ids,
//! in-flight windows, keep-alive, topic aliases) live in
//! `midge_proto::session`, sans-IO; this crate adds policy and IO.

pub mod broker;
pub mod clock;
pub mod config;
pub mod connection;
pub mod handle;
pub mod message;
pub mod metrics;
pub mod retained;
pub mod router;
pub mod server;
pub mod session;
pub mod storage;

pub use config::Config;
pub use server::{Broker, StartError};
pub use storage::{MemoryStorage, Storage};
