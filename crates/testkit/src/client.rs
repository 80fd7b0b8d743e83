//! [`TestClient`]: a raw MQTT client for byte-level test scripts.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use midge_proto::{
    ConnAck, Connect, Decoder, Disconnect, Packet, ProtocolVersion, PubResponse, Publish, QoS,
    ReasonCode, SubAck, Subscribe, SubscriptionOptions,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::WAIT;
use crate::packets::{filter, pid, publish};

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
        match self.next_event(wait).await {
            Event::Packet(p) => Some(p),
            Event::Closed | Event::Open => None,
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
            Packet::Publish(p) => *p,
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
    pub async fn expect_close(&mut self) -> Option<Disconnect> {
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
                self.send(Packet::PubRel(PubResponse::new(id))).await;
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
    pub async fn disconnect(mut self, reason: ReasonCode) {
        self.send(Disconnect::new(reason)).await;
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
                    self.ack(&p).await;
                    return *p;
                }
                Packet::PubRel(r) => {
                    self.send(Packet::PubComp(PubResponse::new(r.packet_id)))
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
                    self.send(Packet::PubComp(PubResponse::new(r.packet_id)))
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

impl<S: AsyncRead + AsyncWrite + Unpin> TestClient<S> {
    /// Sends `connect`; the CONNACK must be Success. Returns it.
    pub async fn connect_ok(&mut self, connect: Connect) -> ConnAck {
        let connack = self.handshake(connect).await;
        assert_eq!(connack.reason_code, ReasonCode::Success, "{connack:?}");
        connack
    }

    /// Sends PINGREQ and expects PINGRESP: the connection is open and served.
    pub async fn ping(&mut self) {
        self.send(Packet::PingReq).await;
        match self.recv().await {
            Packet::PingResp => {}
            other => panic!("expected PINGRESP, got {other:?}"),
        }
    }

    /// The connection must close without any packet (as 3.x always does).
    pub async fn expect_silent_close(&mut self) {
        if let Some(d) = self.expect_close().await {
            panic!("expected a close without DISCONNECT, got {d:?}");
        }
    }

    /// The connection must close after a DISCONNECT with `code`, which must
    /// carry no Session Expiry Interval (v5 [MQTT-3.14.2-2]: the Server never
    /// sends one). Returns the DISCONNECT.
    pub async fn expect_disconnect(&mut self, code: ReasonCode) -> Disconnect {
        let disconnect = self.expect_disconnect_code(code).await;
        assert_eq!(disconnect.properties.session_expiry_interval, None);
        disconnect
    }

    /// The connection must close after a DISCONNECT with `code` (its
    /// properties are not checked); returns it.
    pub async fn expect_disconnect_code(&mut self, code: ReasonCode) -> Disconnect {
        let disconnect = self
            .expect_close()
            .await
            .unwrap_or_else(|| panic!("expected DISCONNECT {code} before the close"));
        assert_eq!(disconnect.reason_code, code);
        disconnect
    }

    /// Sends `disconnect` and waits until the broker has closed the connection
    /// (without sending anything), so the broker is done with it before the
    /// test goes on.
    pub async fn disconnect_with(mut self, disconnect: Disconnect) {
        self.send(disconnect).await;
        self.expect_silent_close().await;
    }

    /// A normal DISCONNECT (0x00), waiting for the broker to close the
    /// connection (it lets go of the session in the same step).
    pub async fn disconnect_normally(self) {
        self.disconnect_with(Disconnect::new(ReasonCode::Success))
            .await;
    }

    /// Acknowledges `p` as its QoS requires: PUBACK for QoS 1, PUBREC for
    /// QoS 2, nothing for QoS 0.
    pub async fn ack(&mut self, p: &Publish) {
        match (p.qos, p.packet_id) {
            (QoS::AtLeastOnce, Some(id)) => self.send(Packet::PubAck(PubResponse::new(id))).await,
            (QoS::ExactlyOnce, Some(id)) => self.send(Packet::PubRec(PubResponse::new(id))).await,
            _ => {}
        }
    }

    /// Publishes at QoS 1 with packet id `id` and returns the PUBACK reason
    /// code (v5: 0x10 No matching subscribers tells whether a session still
    /// holds a subscription).
    pub async fn publish_qos1(&mut self, topic: &str, payload: &str, id: u16) -> ReasonCode {
        let mut p = publish(topic, payload, QoS::AtLeastOnce);
        p.packet_id = Some(pid(id));
        self.send(p).await;
        match self.recv().await {
            Packet::PubAck(a) => {
                assert_eq!(a.packet_id, pid(id));
                a.reason_code
            }
            other => panic!("expected PUBACK, got {other:?}"),
        }
    }

    /// Publishes "0".."n-1" to `topic` at `qos` (packet ids from 1), each flow
    /// completed before the next message.
    pub async fn publish_n(&mut self, topic: &str, qos: QoS, n: usize) {
        for i in 0..n {
            let mut p = publish(topic, &i.to_string(), qos);
            if qos != QoS::AtMostOnce {
                p.packet_id = Some(pid(u16::try_from(i % 60_000 + 1).unwrap()));
            }
            self.publish_complete(p).await;
        }
    }

    /// The next packet, which must be a PUBACK for `id` (any reason code).
    pub async fn expect_puback(&mut self, id: u16) -> PubResponse {
        match self.recv().await {
            Packet::PubAck(a) if a.packet_id == pid(id) => a,
            other => panic!("expected PUBACK {id}, got {other:?}"),
        }
    }

    /// The next packet, which must be a PUBREC for `id` (any reason code).
    pub async fn expect_pubrec(&mut self, id: u16) -> PubResponse {
        match self.recv().await {
            Packet::PubRec(a) if a.packet_id == pid(id) => a,
            other => panic!("expected PUBREC {id}, got {other:?}"),
        }
    }

    /// The next packet, which must be a PUBCOMP for `id` (any reason code).
    pub async fn expect_pubcomp(&mut self, id: u16) -> PubResponse {
        match self.recv().await {
            Packet::PubComp(a) if a.packet_id == pid(id) => a,
            other => panic!("expected PUBCOMP {id}, got {other:?}"),
        }
    }

    /// The next PUBLISH (acknowledged) must carry the payload `marker`:
    /// whatever was published on this client's filters before the marker did
    /// not reach it.
    pub async fn expect_marker(&mut self, marker: &str) {
        let p = self.recv_publish_acking().await;
        assert_eq!(
            &p.payload[..],
            marker.as_bytes(),
            "expected only the marker {marker:?}, got {p:?} (topic {})",
            p.topic.as_str()
        );
    }
}

/// Reads `stream` until the peer closes it and returns every byte received;
/// panics if it is still open after 5 s.
pub async fn read_to_close<S: AsyncRead + Unpin>(stream: &mut S) -> Vec<u8> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "connection still open; received {got:02X?}");
    got
}
