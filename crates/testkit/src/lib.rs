//! `midge-testkit`: what Midge's tests share.
//!
//! # Layout
//! - [`TestBroker`]: a real broker on `127.0.0.1:0` (TCP), or an in-memory
//!   [`Shared`] state driven over `tokio::io::duplex` pipes, where tests can
//!   pause and advance tokio's clock (keep-alive, expiry, will delay) without
//!   sockets or sleeping ([`settle`], [`advance_to`]).
//! - [`TestClient`]: a raw MQTT client speaking packets (or arbitrary bytes)
//!   through `midge-proto`'s codec, with timeouts on every wait, for
//!   byte-level conformance scripts.
//! - Packet builders: CONNECTs ([`v5`], [`v5_session`], [`delayed_will`], …),
//!   PUBLISHes ([`publish`], [`publish_id`], [`aliased`]) and raw bytes
//!   ([`raw_packet`], [`raw_subscribe`]) for what the codec refuses to encode.
//!
//! Everything here panics on failure: it is for tests only.
//!
//! [`Shared`]: midge_broker::broker::Shared

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::large_enum_variant
)]

use std::time::Duration;

mod broker;
mod client;
mod clock;
mod packets;

pub use broker::{
    TestBroker, duplex, duplex_subscriber, memory_broker, open_duplex, test_config, will_watcher,
};
pub use client::{Event, TestClient, read_to_close};
pub use clock::{advance_to, run_paused_with_watchdog, settle};
pub use packets::{
    aliased, connect, delayed_will, encode_all, filter, no_keep_alive, parse_seq, pid, publish,
    publish_id, raw_packet, raw_subscribe, seq_payload, str_field, text, topic, v3_session, v5,
    v5_session, v31, v311, varint, will,
};

/// How long a test waits for an expected packet.
pub const WAIT: Duration = Duration::from_secs(5);

/// How long "nothing (more) arrives" is watched for.
pub const QUIET: Duration = Duration::from_millis(300);
