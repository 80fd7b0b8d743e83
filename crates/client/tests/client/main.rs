#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! Integration tests for `midge-client`, against the real Midge broker
//! (`TestBroker`) and against a scripted fake broker: a `TcpListener` whose
//! accepted sockets are driven packet by packet through `midge-proto`'s codec
//! (a `TestClient` over the server side of the socket).
//!
//! Spec references are to MQTT 5.0 (`/work/shared/spec/mqtt-v5.0.md`) unless
//! marked 3.1.1.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::num::{NonZeroU16, NonZeroU32};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use midge_client::{Client, ClientError, ConnectOptions, Event, Events, PendingPublish};
use midge_proto::property::SubscribeProperties;
use midge_proto::session::InboundTopicAliases;
use midge_proto::{
    ByteString, ConnAck, Connect, Disconnect, Packet, PacketId, ProtocolVersion, PubResponse,
    Publish, QoS, ReasonCode, SubscriptionOptions, TopicName, Will,
};
use midge_testkit::{Event as PeerEvent, TestBroker, TestClient, filter, pid, topic};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, timeout};

/// How long a test waits for something that should happen promptly.
const WAIT: Duration = Duration::from_secs(5);

/// A socket accepted by the fake broker.
type Peer = TestClient<TcpStream>;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Options for a broker at `addr`, with fast reconnects.
fn options_for(addr: SocketAddr) -> ConnectOptions {
    let mut o = ConnectOptions::new(addr.ip().to_string(), addr.port());
    o.min_backoff = Duration::from_millis(20);
    o.max_backoff = Duration::from_millis(200);
    o.connect_timeout = Duration::from_secs(3);
    o
}

/// A QoS `qos` PUBLISH of `payload` to `name` (no packet id: the client
/// assigns it).
fn message(name: &str, payload: &str, qos: QoS) -> Publish {
    let mut p = Publish::new(topic(name), Bytes::copy_from_slice(payload.as_bytes()));
    p.qos = qos;
    p
}

/// The next event from the client, within [`WAIT`].
async fn next_event(events: &mut Events) -> Event {
    timeout(WAIT, events.recv())
        .await
        .expect("an event within the wait")
        .expect("the client is still running")
}

/// The next event must be a reconnection, with `session_present`.
async fn expect_reconnected(events: &mut Events, session_present: bool) {
    assert_eq!(
        next_event(events).await,
        Event::Reconnected { session_present }
    );
}

/// The next application message from the client, within [`WAIT`].
async fn next_message(events: &mut Events) -> Publish {
    timeout(WAIT, events.next_message())
        .await
        .expect("a message within the wait")
        .expect("the client is still running")
}

/// The result of a publish, within [`WAIT`].
async fn settle(
    pending: PendingPublish,
) -> Result<midge_client::PublishOutcome, midge_client::ClientError> {
    timeout(WAIT, pending)
        .await
        .expect("the publish completes within the wait")
}

/// The payload of `p` as a string.
fn text(p: &Publish) -> String {
    String::from_utf8(p.payload.to_vec()).unwrap()
}

/// A successful CONNACK with no properties.
fn connack_ok(session_present: bool) -> ConnAck {
    ConnAck::new(ReasonCode::Success, session_present)
}

/// A scripted broker on an ephemeral loopback port.
struct Fake {
    listener: TcpListener,
    addr: SocketAddr,
}

impl Fake {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        Self { listener, addr }
    }

    fn options(&self) -> ConnectOptions {
        options_for(self.addr)
    }

    /// Accepts the next connection and reads its CONNECT.
    async fn accept(&self) -> (Peer, Connect) {
        let (stream, _) = timeout(WAIT, self.listener.accept())
            .await
            .expect("the client connects within the wait")
            .unwrap();
        let mut peer = TestClient::new(stream);
        let connect = match peer.recv().await {
            Packet::Connect(c) => *c,
            other => panic!("expected CONNECT, got {other:?}"),
        };
        peer.set_version(connect.protocol);
        (peer, connect)
    }

    /// Connects a client with `options`, answering its CONNECT with `connack`.
    async fn connect(
        &self,
        options: ConnectOptions,
        connack: ConnAck,
    ) -> (Client, Events, Peer, Connect) {
        let (client, (peer, connect)) = tokio::join!(Client::connect(options), async {
            let (mut peer, connect) = self.accept().await;
            peer.send(connack).await;
            (peer, connect)
        });
        let (client, events, _) = client.expect("the client connects");
        (client, events, peer, connect)
    }
}

/// The next packet the fake broker receives, within [`WAIT`].
async fn recv(peer: &mut Peer) -> Packet {
    peer.recv().await
}

/// The next packet, which must be a PUBLISH.
async fn recv_publish(peer: &mut Peer) -> Publish {
    match peer.recv().await {
        Packet::Publish(p) => *p,
        other => panic!("expected PUBLISH, got {other:?}"),
    }
}

/// Asserts the client closes the connection within `wait` (a DISCONNECT
/// before the close is allowed and returned).
async fn expect_closed(peer: &mut Peer, wait: Duration) -> Option<Disconnect> {
    let deadline = Instant::now() + wait;
    let mut disconnect = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match peer.next_event(left).await {
            PeerEvent::Closed => return disconnect,
            PeerEvent::Packet(Packet::Disconnect(d)) => disconnect = Some(d),
            PeerEvent::Packet(other) => panic!("expected the connection to close, got {other:?}"),
            PeerEvent::Open => panic!("the client kept the connection open for {wait:?}"),
        }
    }
}

mod fake_broker;
mod real_broker;
