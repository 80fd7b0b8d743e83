//! `midge-testkit`: what Midge's tests share.
//!
//! # Layout
//! - [`TestBroker`]: a real broker on `127.0.0.1:0` (TCP), or an in-memory
//!   [`Shared`] state driven over `tokio::io::duplex` pipes, where tests can
//!   pause and advance tokio's clock (keep-alive, expiry, will delay) without
//!   sockets or sleeping.
//! - [`TestClient`]: a raw MQTT client speaking packets (or arbitrary bytes)
//!   through `midge-proto`'s codec, with timeouts on every wait, for
//!   byte-level conformance scripts.
//!
//! Everything here panics on failure: it is for tests only.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::large_enum_variant
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use midge_broker::broker::Shared;
use midge_broker::storage::{Persist, Storage};
use midge_broker::{Broker, Config, MemoryStorage};
use midge_proto::{
    ByteString, ConnAck, Connect, Decoder, Packet, PacketId, ProtocolVersion, Publish, QoS, SubAck,
    Subscribe, SubscriptionOptions, TopicFilter, TopicName,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::net::TcpStream;

/// How long a test waits for an expected packet.
pub const WAIT: Duration = Duration::from_secs(5);

/// A broker for one test.
#[derive(Debug)]
pub struct TestBroker {
    broker: Broker,
    /// The TCP address it listens on.
    pub addr: SocketAddr,
}

/// A configuration listening on an ephemeral loopback port.
pub fn test_config() -> Config {
    let mut config = Config::default();
    for l in &mut config.listeners {
        l.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    }
    config
}

impl TestBroker {
    /// A broker with the default configuration on an ephemeral port.
    pub async fn start() -> Self {
        Self::with_config(|_| {}).await
    }

    /// A broker whose default configuration `edit` changes.
    pub async fn with_config(edit: impl FnOnce(&mut Config)) -> Self {
        let mut config = test_config();
        edit(&mut config);
        Self::with_storage(config, Arc::new(MemoryStorage::default())).await
    }

    /// A broker on `storage` (share one `MemoryStorage` to simulate a restart).
    pub async fn with_storage(config: Config, storage: Arc<dyn Storage>) -> Self {
        let broker = Broker::start(config, storage).await.expect("broker starts");
        let addr = broker.local_addrs()[0];
        Self { broker, addr }
    }

    /// The broker's shared state.
    pub fn shared(&self) -> &Arc<Shared> {
        self.broker.shared()
    }

    /// Graceful shutdown.
    pub async fn stop(self) {
        self.broker.shutdown().await;
    }

    /// A raw client connected over TCP (nothing sent yet).
    pub async fn raw(&self) -> TestClient<TcpStream> {
        TestClient::tcp(self.addr).await
    }

    /// A client that has sent `connect` and received a successful CONNACK.
    pub async fn connect(&self, connect: Connect) -> (TestClient<TcpStream>, ConnAck) {
        let mut client = self.raw().await;
        let connack = client.handshake(connect).await;
        (client, connack)
    }

    /// MQTT 5.0 client `id`, clean start, keep alive 60 s.
    pub async fn connect_v5(&self, id: &str) -> TestClient<TcpStream> {
        let (client, connack) = self.connect(connect(ProtocolVersion::V5, id)).await;
        assert_eq!(connack.reason_code, midge_proto::ReasonCode::Success);
        client
    }

    /// MQTT 3.1.1 client `id`, clean session, keep alive 60 s.
    pub async fn connect_v311(&self, id: &str) -> TestClient<TcpStream> {
        let (client, connack) = self.connect(connect(ProtocolVersion::V3_1_1, id)).await;
        assert_eq!(connack.reason_code, midge_proto::ReasonCode::Success);
        client
    }
}

/// An in-memory broker: shared state with no listener. Connections are
/// `tokio::io::duplex` pipes served by the real connection driver.
pub fn memory_broker(config: Config) -> Arc<Shared> {
    Arc::new(Shared::new(config, Persist::disabled()))
}

/// Opens an in-memory connection to `shared`.
pub fn duplex(shared: &Arc<Shared>) -> TestClient<DuplexStream> {
    let (client, server) = tokio::io::duplex(64 * 1024);
    tokio::spawn(midge_broker::connection::serve(
        Arc::clone(shared),
        server,
        "duplex".to_owned(),
    ));
    TestClient::new(client)
}

/// A CONNECT for `version` and client `id` with clean start and keep alive 60.
pub fn connect(version: ProtocolVersion, id: &str) -> Connect {
    let mut c = Connect::new(version, ByteString::from(id));
    c.keep_alive = 60;
    c.clean_start = true;
    c
}

/// A packet id.
pub fn pid(id: u16) -> PacketId {
    PacketId::new(id).expect("non-zero packet id")
}

/// A topic name.
pub fn topic(name: &str) -> TopicName {
    TopicName::new(ByteString::from(name)).expect("valid topic")
}

/// A topic filter (accepting `$share/...`).
pub fn filter(text: &str) -> TopicFilter {
    TopicFilter::new_v5(ByteString::from(text)).expect("valid filter")
}

/// A PUBLISH of `payload` to `topic` at `qos` (packet id 1 if QoS > 0).
pub fn publish(topic_name: &str, payload: &str, qos: QoS) -> Publish {
    let mut p = Publish::new(
        topic(topic_name),
        bytes::Bytes::copy_from_slice(payload.as_bytes()),
    );
    p.qos = qos;
    if qos != QoS::AtMostOnce {
        p.packet_id = Some(pid(1));
    }
    p
}

/// A raw MQTT client.
#[derive(Debug)]
pub struct TestClient<S> {
    stream: S,
    rbuf: BytesMut,
    decoder: Decoder,
    /// Version used to encode (set by [`TestClient::handshake`]).
    pub version: ProtocolVersion,
}

impl TestClient<TcpStream> {
    /// Connects a TCP socket to `addr`.
    pub async fn tcp(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).await.expect("tcp connect");
        stream.set_nodelay(true).expect("nodelay");
        Self::new(stream)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TestClient<S> {
    /// A client over `stream`.
    pub fn new(stream: S) -> Self {
        Self {
            stream,
            rbuf: BytesMut::with_capacity(8192),
            decoder: Decoder::with_version(ProtocolVersion::V5, 1 << 28),
            version: ProtocolVersion::V5,
        }
    }

    /// Sends `connect` and returns the CONNACK (any reason code).
    pub async fn handshake(&mut self, connect: Connect) -> ConnAck {
        self.set_version(connect.protocol);
        self.send(Packet::Connect(Box::new(connect))).await;
        match self.recv().await {
            Packet::ConnAck(c) => *c,
            other => panic!("expected CONNACK, got {other:?}"),
        }
    }

    /// Sets the version packets are encoded and decoded with.
    pub fn set_version(&mut self, version: ProtocolVersion) {
        self.version = version;
        self.decoder.set_version(version);
    }

    /// Sends one packet.
    pub async fn send(&mut self, packet: impl Into<Packet>) {
        let mut buf = BytesMut::new();
        packet
            .into()
            .encode(self.version, &mut buf)
            .expect("test packet encodes");
        self.send_bytes(&buf).await;
    }

    /// Sends raw bytes.
    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        // A closed socket shows up on the next receive.
        let _ = self.stream.write_all(bytes).await;
    }

    /// The next packet, or `None` if none arrives within `wait` or the
    /// connection closes first.
    pub async fn try_recv(&mut self, wait: Duration) -> Option<Packet> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(p) = self
                .decoder
                .decode(&mut self.rbuf)
                .expect("broker sent a valid packet")
            {
                return Some(p);
            }
            self.rbuf.reserve(4096);
            match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.rbuf)).await {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return None,
                Ok(Ok(_)) => {}
            }
        }
    }

    /// The next packet; panics after [`WAIT`].
    pub async fn recv(&mut self) -> Packet {
        match self.try_recv(WAIT).await {
            Some(p) => p,
            None => panic!("no packet within {WAIT:?} (or connection closed)"),
        }
    }

    /// The next packet, which must be a PUBLISH.
    pub async fn recv_publish(&mut self) -> Publish {
        match self.recv().await {
            Packet::Publish(p) => p,
            other => panic!("expected PUBLISH, got {other:?}"),
        }
    }

    /// Asserts nothing arrives for `wait`.
    pub async fn expect_nothing(&mut self, wait: Duration) {
        if let Some(p) = self.try_recv(wait).await {
            panic!("expected nothing, got {p:?}");
        }
    }

    /// Waits for the broker to close the connection; returns the DISCONNECT it
    /// sent first, if any. Panics if another packet arrives or nothing happens.
    pub async fn expect_close(&mut self) -> Option<midge_proto::Disconnect> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut disconnect = None;
        loop {
            match self.decoder.decode(&mut self.rbuf) {
                Ok(Some(Packet::Disconnect(d))) => {
                    disconnect = Some(d);
                    continue;
                }
                Ok(Some(other)) => panic!("expected the connection to close, got {other:?}"),
                Ok(None) => {}
                Err(e) => panic!("broker sent bytes that do not decode: {e}"),
            }
            self.rbuf.reserve(4096);
            match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.rbuf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return disconnect,
                Ok(Ok(_)) => {}
                Err(_) => panic!("connection still open after {WAIT:?}"),
            }
        }
    }

    /// Subscribes to `filter` at `qos` with packet id `id`; returns the SUBACK.
    pub async fn subscribe(&mut self, id: u16, filter_text: &str, qos: QoS) -> SubAck {
        self.subscribe_with(id, filter_text, SubscriptionOptions::new(qos))
            .await
    }

    /// Subscribes with full options.
    pub async fn subscribe_with(
        &mut self,
        id: u16,
        filter_text: &str,
        options: SubscriptionOptions,
    ) -> SubAck {
        self.send(Subscribe::new(
            pid(id),
            vec![(filter(filter_text), options)],
        ))
        .await;
        match self.recv().await {
            Packet::SubAck(s) => s,
            other => panic!("expected SUBACK, got {other:?}"),
        }
    }

    /// Publishes and completes the QoS flow (PUBACK, or PUBREC/PUBREL/PUBCOMP),
    /// skipping nothing: any other packet arriving meanwhile panics.
    pub async fn publish_complete(&mut self, publish: Publish) {
        let qos = publish.qos;
        let id = publish.packet_id;
        self.send(publish).await;
        match (qos, id) {
            (QoS::AtLeastOnce, Some(id)) => match self.recv().await {
                Packet::PubAck(a) if a.packet_id == id => {}
                other => panic!("expected PUBACK {id}, got {other:?}"),
            },
            (QoS::ExactlyOnce, Some(id)) => {
                match self.recv().await {
                    Packet::PubRec(a) if a.packet_id == id => {}
                    other => panic!("expected PUBREC {id}, got {other:?}"),
                }
                self.send(Packet::PubRel(midge_proto::PubResponse::new(id)))
                    .await;
                match self.recv().await {
                    Packet::PubComp(a) if a.packet_id == id => {}
                    other => panic!("expected PUBCOMP {id}, got {other:?}"),
                }
            }
            _ => {}
        }
    }

    /// Closes the socket without DISCONNECT (a network failure, for wills).
    pub async fn drop_connection(mut self) {
        let _ = self.stream.shutdown().await;
    }

    /// Sends DISCONNECT with `reason` and closes.
    pub async fn disconnect(mut self, reason: midge_proto::ReasonCode) {
        self.send(midge_proto::Disconnect::new(reason)).await;
        let _ = self.stream.shutdown().await;
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TestClient<S> {
    /// The next PUBLISH, acknowledged as its QoS requires (PUBACK for QoS 1,
    /// PUBREC for QoS 2). PUBREL packets arriving first (for earlier QoS 2
    /// deliveries) are answered with PUBCOMP; any other packet panics.
    pub async fn recv_publish_acking(&mut self) -> Publish {
        loop {
            match self.recv().await {
                Packet::Publish(p) => {
                    match (p.qos, p.packet_id) {
                        (QoS::AtLeastOnce, Some(id)) => {
                            self.send(Packet::PubAck(midge_proto::PubResponse::new(id)))
                                .await;
                        }
                        (QoS::ExactlyOnce, Some(id)) => {
                            self.send(Packet::PubRec(midge_proto::PubResponse::new(id)))
                                .await;
                        }
                        _ => {}
                    }
                    return p;
                }
                Packet::PubRel(r) => {
                    self.send(Packet::PubComp(midge_proto::PubResponse::new(r.packet_id)))
                        .await;
                }
                other => panic!("expected PUBLISH, got {other:?}"),
            }
        }
    }

    /// Asserts no PUBLISH arrives for `wait`, answering any PUBREL with PUBCOMP
    /// (completing earlier QoS 2 deliveries); any other packet panics.
    pub async fn expect_no_publish(&mut self, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.try_recv(left).await {
                None => return,
                Some(Packet::PubRel(r)) => {
                    self.send(Packet::PubComp(midge_proto::PubResponse::new(r.packet_id)))
                        .await;
                }
                Some(other) => panic!("expected no PUBLISH, got {other:?}"),
            }
        }
    }

    /// Unsubscribes from `filters` with packet id `id`; returns the UNSUBACK.
    pub async fn unsubscribe(&mut self, id: u16, filters: &[&str]) -> midge_proto::UnsubAck {
        self.send(midge_proto::Unsubscribe::new(
            pid(id),
            filters.iter().map(|f| filter(f)).collect(),
        ))
        .await;
        match self.recv().await {
            Packet::UnsubAck(u) => u,
            other => panic!("expected UNSUBACK, got {other:?}"),
        }
    }
}

/// What [`TestClient::next_event`] saw.
#[derive(Debug)]
pub enum Event {
    /// A packet arrived.
    Packet(Packet),
    /// The broker closed the connection (end of stream).
    Closed,
    /// Nothing arrived within the wait and the connection is still open.
    Open,
}

impl<S: AsyncRead + AsyncWrite + Unpin> TestClient<S> {
    /// The next packet, or whether the connection closed or stayed open and
    /// silent for `wait`. With `Duration::ZERO` it only looks at what has
    /// already arrived, so it never needs the clock to move (useful on a
    /// paused clock advanced by hand).
    pub async fn next_event(&mut self, wait: Duration) -> Event {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(p) = self
                .decoder
                .decode(&mut self.rbuf)
                .expect("broker sent a valid packet")
            {
                return Event::Packet(p);
            }
            self.rbuf.reserve(4096);
            match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.rbuf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return Event::Closed,
                Ok(Ok(_)) => {}
                Err(_) => return Event::Open,
            }
        }
    }
}
