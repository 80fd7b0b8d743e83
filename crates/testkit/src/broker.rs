//! Brokers for tests: [`TestBroker`] over TCP, or shared state served over
//! in-memory pipes ([`memory_broker`], [`duplex`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use midge_broker::broker::Shared;
use midge_broker::session::Session;
use midge_broker::storage::{Persist, Storage};
use midge_broker::{Broker, Config, MemoryStorage};
use midge_proto::{ConnAck, Connect, ProtocolVersion, QoS, ReasonCode};
use tokio::io::DuplexStream;
use tokio::net::TcpStream;

use crate::client::TestClient;
use crate::packets::{connect, no_keep_alive};

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

    /// A client that has sent `connect` and received a CONNACK (any reason
    /// code).
    pub async fn connect(&self, connect: Connect) -> (TestClient<TcpStream>, ConnAck) {
        let mut client = self.raw().await;
        let connack = client.handshake(connect).await;
        (client, connack)
    }

    /// A client that has sent `connect`; the CONNACK must be Success.
    pub async fn connect_ok(&self, connect: Connect) -> (TestClient<TcpStream>, ConnAck) {
        let mut client = self.raw().await;
        let connack = client.connect_ok(connect).await;
        (client, connack)
    }

    /// Client `id` speaking `version`, clean start, keep alive 60 s; the
    /// CONNACK must be Success.
    pub async fn connect_version(
        &self,
        version: ProtocolVersion,
        id: &str,
    ) -> TestClient<TcpStream> {
        let (client, connack) = self.connect(connect(version, id)).await;
        assert_eq!(connack.reason_code, ReasonCode::Success);
        client
    }

    /// MQTT 5.0 client `id`, clean start, keep alive 60 s.
    pub async fn connect_v5(&self, id: &str) -> TestClient<TcpStream> {
        self.connect_version(ProtocolVersion::V5, id).await
    }

    /// MQTT 3.1.1 client `id`, clean session, keep alive 60 s.
    pub async fn connect_v311(&self, id: &str) -> TestClient<TcpStream> {
        self.connect_version(ProtocolVersion::V3_1_1, id).await
    }

    /// MQTT 5.0 client `id` whose CONNECT (clean start, keep alive 60 s)
    /// `edit` changes first; the CONNACK must be Success.
    pub async fn connect_v5_with(
        &self,
        id: &str,
        edit: impl FnOnce(&mut Connect),
    ) -> TestClient<TcpStream> {
        let mut c = connect(ProtocolVersion::V5, id);
        edit(&mut c);
        let (client, connack) = self.connect(c).await;
        assert_eq!(connack.reason_code, ReasonCode::Success);
        client
    }

    /// Waits until `id`'s session is stored and offline (the broker has
    /// detached it from its connection). Panics after 5 s, also if the session
    /// does not exist.
    pub async fn wait_offline(&self, id: &str) {
        self.wait_session(id, |s| s.is_some_and(|s| !s.is_online()), "still online")
            .await;
    }

    /// Waits until no connection is attached to `id`'s session any more: it is
    /// offline, or it has ended. Panics after 5 s.
    pub async fn wait_detached(&self, id: &str) {
        self.wait_session(
            id,
            |s| s.is_none_or(|s| !s.is_online()),
            "connection still attached",
        )
        .await;
    }

    /// Polls `id`'s session (every 5 ms, for 5 s) until `done`.
    async fn wait_session(&self, id: &str, done: impl Fn(Option<&Session>) -> bool, what: &str) {
        for _ in 0..1000 {
            if done(self.shared().session(id).as_deref()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("session {id}: {what} after 5 s");
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

/// Opens an in-memory connection to `shared` and sends `connect`; the CONNACK
/// must be Success.
pub async fn open_duplex(
    shared: &Arc<Shared>,
    connect: Connect,
) -> (TestClient<DuplexStream>, ConnAck) {
    let mut client = duplex(shared);
    let connack = client.connect_ok(connect).await;
    (client, connack)
}

/// In-memory v5 client `watcher` (clean start, keep alive 0 so it can idle
/// through long stretches of virtual time) subscribed to `will/#` at QoS 1.
pub async fn will_watcher(shared: &Arc<Shared>) -> TestClient<DuplexStream> {
    duplex_subscriber(shared, "watcher", "will/#", QoS::AtLeastOnce).await
}

/// In-memory v5 client `id` (clean start, keep alive 0) subscribed to
/// `filter` at `qos`.
pub async fn duplex_subscriber(
    shared: &Arc<Shared>,
    id: &str,
    filter: &str,
    qos: QoS,
) -> TestClient<DuplexStream> {
    let (mut client, _) =
        open_duplex(shared, no_keep_alive(connect(ProtocolVersion::V5, id))).await;
    client.subscribe(1, filter, qos).await;
    client
}
