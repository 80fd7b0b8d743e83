#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! Sessions: takeover, Session Present, Clean Start / Clean Session, Session
//! Expiry (on a paused clock), and re-sending unacknowledged messages on
//! resumption.
//!
//! Statement ids are scoped by version: `v5` ids come from
//! `mqtt-v5.0-normative.tsv`, `v311` ids from `mqtt-v3.1.1-normative.tsv`.

use std::time::Duration;

use midge_proto::{
    ConnAck, Connect, Disconnect, Packet, PacketId, ProtocolVersion, PubResponse, Publish, QoS,
    ReasonCode,
};
use midge_testkit::{
    TestBroker, TestClient, memory_broker, no_keep_alive, open_duplex, pid, publish, test_config,
    v3_session, v5_session,
};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream};
use tokio::time::advance;

// ---------------------------------------------------------------- helpers

/// Publishes at QoS 2 and completes the flow.
async fn publish_qos2<S: AsyncRead + AsyncWrite + Unpin>(
    client: &mut TestClient<S>,
    topic: &str,
    payload: &str,
) {
    client
        .publish_complete(publish(topic, payload, QoS::ExactlyOnce))
        .await;
}

fn payload(p: &Publish) -> &str {
    std::str::from_utf8(&p.payload).unwrap()
}

/// A paused-clock broker and a connected client.
async fn memory_client(
    shared: &std::sync::Arc<midge_broker::broker::Shared>,
    connect: Connect,
) -> (TestClient<DuplexStream>, ConnAck) {
    open_duplex(shared, no_keep_alive(connect)).await
}

mod expiry;
mod resend;
mod session_present;
mod takeover;
