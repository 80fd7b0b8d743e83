#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! Will messages (MQTT 5.0 sections 3.1.2.5-3.1.2.7, 3.1.3.2, 3.14.4; MQTT
//! 3.1.1 sections 3.1.2.5-3.1.2.7, 3.14.4): when a will is published, with
//! which QoS, RETAIN and properties, and the MQTT 5.0 Will Delay Interval.
//!
//! Tests without timing run over TCP (`TestBroker`); anything with a delay runs
//! on an in-memory broker over `duplex` pipes on tokio's paused clock.
//!
//! "Nothing was published" is checked without sleeping: once the connection
//! with the will is gone, a marker message is published on the will topic by
//! another client, and the watcher's next message must be that marker.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use midge_broker::Config;
use midge_broker::broker::Shared;
use midge_proto::property::WillProperties;
use midge_proto::{
    ByteString, Connect, Disconnect, Packet, ProtocolVersion, Publish, QoS, ReasonCode,
    SubscriptionOptions, Will,
};
use midge_testkit::{
    Event, TestBroker, TestClient, advance_to, connect, delayed_will, duplex, memory_broker,
    no_keep_alive, open_duplex, publish, settle, topic, v5_session, will, will_watcher,
};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream};
use tokio::net::TcpStream;
use tokio::time::Instant;

const V5: ProtocolVersion = ProtocolVersion::V5;
const V311: ProtocolVersion = ProtocolVersion::V3_1_1;

/// A CONNECT for `id` carrying `w`.
fn with_will(version: ProtocolVersion, id: &str, w: Will) -> Connect {
    let mut c = connect(version, id);
    c.will = Some(w);
    c
}

/// A v5 CONNECT resuming (`clean_start` false) or replacing the session of `id`.
fn reconnect(id: &str, clean_start: bool, expiry: u32) -> Connect {
    // Idle for long stretches of virtual time: no keep alive.
    no_keep_alive(v5_session(id, clean_start, expiry))
}

/// A client subscribed to `will/#` at QoS 2.
async fn tcp_watcher(broker: &TestBroker, version: ProtocolVersion) -> TestClient<TcpStream> {
    let (mut w, _) = broker.connect(connect(version, "watcher")).await;
    w.subscribe(1, "will/#", QoS::ExactlyOnce).await;
    w
}

async fn tcp_client(broker: &TestBroker, c: Connect) -> TestClient<TcpStream> {
    broker.connect_ok(c).await.0
}

/// Publishes "marker" on `topic_name` from a fresh v5 client.
async fn tcp_marker(broker: &TestBroker, topic_name: &str) {
    let mut m = broker.connect_v5("marker").await;
    m.publish_complete(publish(topic_name, "marker", QoS::AtLeastOnce))
        .await;
    m.disconnect(ReasonCode::Success).await;
}

/// Receives the will `watcher` must get next and checks topic and payload.
async fn expect_will<S: AsyncRead + AsyncWrite + Unpin>(
    watcher: &mut TestClient<S>,
    topic_name: &str,
    payload: &str,
) -> Publish {
    let p = watcher.recv_publish_acking().await;
    assert_eq!(p.topic.as_str(), topic_name);
    assert_eq!(&p.payload[..], payload.as_bytes());
    p
}

mod delay;
mod departure;
mod properties;
mod qos_retain;
