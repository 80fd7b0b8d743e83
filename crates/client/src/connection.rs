//! The connection task: owns the socket, runs the QoS flows with
//! `midge_proto::session`, keeps the connection alive and reconnects.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU16;
use std::time::Duration;

use bytes::BytesMut;
use midge_proto::property::{SubscribeProperties, UnsubscribeProperties};
use midge_proto::session::{
    Inbound, InboundPublish, InboundTopicAliases, Outbound, OutboundTopicAliases, PubRecOutcome,
    Resend,
};
use midge_proto::{
    ConnAck, Connect, Decoder, Disconnect, Packet, PacketId, ProtocolVersion, PubResponse, Publish,
    QoS, ReasonCode, SubAck, Subscribe, SubscriptionOptions, TopicFilter, UnsubAck, Unsubscribe,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep, sleep_until, timeout};

use crate::ClientError;
use crate::client::{Event, PublishOutcome};
use crate::options::ConnectOptions;

type Reply<T> = oneshot::Sender<Result<T, ClientError>>;

/// A request from a [`crate::Client`].
#[derive(Debug)]
pub(crate) enum Command {
    Publish(Publish, Reply<PublishOutcome>),
    Subscribe(
        Vec<(TopicFilter, SubscriptionOptions)>,
        SubscribeProperties,
        Reply<SubAck>,
    ),
    Unsubscribe(Vec<TopicFilter>, UnsubscribeProperties, Reply<UnsubAck>),
    Disconnect(Disconnect, Reply<()>),
}

/// A QoS 1/2 publish waiting for its turn or its acknowledgement.
#[derive(Debug)]
struct Outgoing {
    publish: Publish,
    reply: Option<Reply<PublishOutcome>>,
}

impl Outgoing {
    fn finish(&mut self, result: Result<PublishOutcome, ClientError>) {
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(result);
        }
    }
}

/// Why a connection ended.
enum End {
    /// The user disconnected (or dropped every handle): stop.
    Stop,
    /// Lost: reconnect if configured.
    Lost(Option<ReasonCode>),
}

/// An established connection: the socket, what was read with the CONNACK
/// (packets the broker sent right behind it), and the CONNACK.
struct Link {
    stream: TcpStream,
    rbuf: BytesMut,
    connack: ConnAck,
}

/// What the broker's CONNACK allows on this connection.
struct ServerLimits {
    max_packet: usize,
    maximum_qos: QoS,
    retain_available: bool,
    aliases: OutboundTopicAliases,
}

impl ServerLimits {
    fn from(connack: &ConnAck) -> Self {
        let p = &connack.properties;
        Self {
            max_packet: p
                .maximum_packet_size
                .map_or(usize::MAX, |m| m.get() as usize),
            maximum_qos: p.maximum_qos.unwrap_or(QoS::ExactlyOnce),
            retain_available: p.retain_available.unwrap_or(true),
            aliases: OutboundTopicAliases::new(p.topic_alias_maximum.unwrap_or(0)),
        }
    }

    /// Why `publish` may not be sent on this connection, if it may not: QoS
    /// above Maximum QoS ([MQTT-3.2.2-11]), RETAIN without Retain Available
    /// ([MQTT-3.2.2-14]).
    fn refusal(&self, publish: &Publish) -> Option<ReasonCode> {
        if publish.qos > self.maximum_qos {
            Some(ReasonCode::QoSNotSupported)
        } else if publish.retain && !self.retain_available {
            Some(ReasonCode::RetainNotSupported)
        } else {
            None
        }
    }

    /// Encodes `publish` (packet id already set) within the broker's Maximum
    /// Packet Size ([MQTT-3.2.2-15]) and Topic Alias Maximum ([MQTT-3.2.2-18]),
    /// using an alias when allowed.
    fn encode(
        &mut self,
        mut publish: Publish,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<(), ClientError> {
        // Aliases are the client's to choose: one set by the caller is not sent.
        publish.properties.topic_alias = None;
        let len = publish.encoded_len(version);
        if len > self.max_packet {
            return Err(ClientError::Rejected(ReasonCode::PacketTooLarge));
        }
        // A new alias adds at most 5 bytes (property and length fields).
        if version.is_v5() && len + 5 <= self.max_packet {
            self.aliases.apply(&mut publish);
        }
        publish.encode(version, out)?;
        Ok(())
    }
}

struct Task {
    options: ConnectOptions,
    /// Limits of the current connection.
    server: ServerLimits,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<Event>,
    outbound: Outbound<Outgoing>,
    inbound: Inbound,
    /// QoS 1/2 publishes waiting for send quota, in order.
    waiting: VecDeque<Outgoing>,
    subscribes: HashMap<u16, Reply<SubAck>>,
    unsubscribes: HashMap<u16, Reply<UnsubAck>>,
}

/// Connects once and spawns the connection task; returns the first CONNACK.
pub(crate) async fn start(
    options: ConnectOptions,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<Event>,
) -> Result<ConnAck, ClientError> {
    let receive =
        NonZeroU16::new(options.receive_maximum.unwrap_or(u16::MAX)).unwrap_or(NonZeroU16::MAX);
    let mut task = Task {
        options,
        commands,
        events,
        server: ServerLimits::from(&ConnAck::new(ReasonCode::Success, false)),
        outbound: Outbound::new(NonZeroU16::MAX),
        inbound: Inbound::new(receive),
        waiting: VecDeque::new(),
        subscribes: HashMap::new(),
        unsubscribes: HashMap::new(),
    };
    let clean = task.options.clean_start;
    let link = task.connect_once(clean).await?;
    let first = link.connack.clone();
    tokio::spawn(async move { task.run(link).await });
    Ok(first)
}

impl Task {
    async fn connect_once(&mut self, clean_start: bool) -> Result<Link, ClientError> {
        let o = &self.options;
        let addr = (o.host.as_str(), o.port);
        let mut stream = timeout(o.connect_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| ClientError::Timeout)??;
        stream.set_nodelay(true)?;
        let mut connect = Connect::new(o.version, o.client_id_bytes());
        connect.clean_start = clean_start;
        connect.keep_alive = o.keep_alive;
        connect.username = o.username.as_deref().map(Into::into);
        connect.password.clone_from(&o.password);
        connect.will.clone_from(&o.will);
        if o.version.is_v5() {
            let p = &mut connect.properties;
            p.session_expiry_interval = (o.session_expiry > 0).then_some(o.session_expiry);
            p.receive_maximum = o.receive_maximum.and_then(NonZeroU16::new);
            p.maximum_packet_size = o.maximum_packet_size.and_then(std::num::NonZeroU32::new);
            p.topic_alias_maximum = (o.topic_alias_maximum > 0).then_some(o.topic_alias_maximum);
            p.user_properties.clone_from(&o.user_properties);
        }
        let mut buf = BytesMut::new();
        Packet::Connect(Box::new(connect)).encode(o.version, &mut buf)?;
        stream.write_all(&buf).await?;
        let mut decoder =
            Decoder::with_version(o.version, o.maximum_packet_size.unwrap_or(u32::MAX));
        let mut rbuf = BytesMut::with_capacity(1024);
        let connack = timeout(o.connect_timeout, async {
            loop {
                if let Some(packet) = decoder.decode(&mut rbuf)? {
                    return match packet {
                        Packet::ConnAck(c) => Ok(*c),
                        other => Err(ClientError::Protocol(format!(
                            "expected CONNACK, got {:?}",
                            other.packet_type()
                        ))),
                    };
                }
                if stream.read_buf(&mut rbuf).await? == 0 {
                    return Err(ClientError::ConnectionLost);
                }
            }
        })
        .await
        .map_err(|_| ClientError::Timeout)??;
        if connack.reason_code.is_error() {
            return Err(ClientError::Refused(connack.reason_code));
        }
        if clean_start && connack.session_present {
            // [MQTT-3.2.2-4] (v5: the Client MUST close the connection).
            if o.version.is_v5() {
                let mut buf = BytesMut::new();
                let _ = Packet::Disconnect(Disconnect::new(ReasonCode::ProtocolError))
                    .encode(o.version, &mut buf);
                let _ = stream.write_all(&buf).await;
            }
            return Err(ClientError::Protocol(
                "broker reported Session Present after Clean Start".into(),
            ));
        }
        if let Some(id) = &connack.properties.assigned_client_identifier {
            // Reconnects must name the same session.
            self.options.client_id = id.to_string();
        }
        Ok(Link {
            stream,
            rbuf,
            connack,
        })
    }

    async fn run(mut self, link: Link) {
        let mut link = link;
        loop {
            match self.serve(&mut link).await {
                End::Stop => {
                    self.fail_all(|| ClientError::Closed);
                    return;
                }
                End::Lost(reason) => {
                    let _ = link.stream.shutdown().await;
                    self.fail_requests();
                    if self
                        .events
                        .send(Event::Disconnected { reason })
                        .await
                        .is_err()
                        || !self.options.reconnect
                    {
                        self.fail_all(|| {
                            reason.map_or(ClientError::ConnectionLost, ClientError::Disconnected)
                        });
                        return;
                    }
                }
            }
            let mut backoff = self.options.min_backoff;
            loop {
                sleep(backoff).await;
                let clean = !self.options.session_persists();
                match self.connect_once(clean).await {
                    Ok(l) => {
                        link = l;
                        break;
                    }
                    Err(e) => {
                        tracing::debug!("reconnect failed: {e}; retrying in {backoff:?}");
                        backoff = (backoff * 2).min(self.options.max_backoff);
                    }
                }
            }
            let present = link.connack.session_present;
            if self
                .events
                .send(Event::Reconnected {
                    session_present: present,
                })
                .await
                .is_err()
            {
                self.fail_all(|| ClientError::Closed);
                return;
            }
        }
    }

    /// Fails subscribe/unsubscribe requests in flight (they are not resumed).
    fn fail_requests(&mut self) {
        for (id, reply) in self.subscribes.drain() {
            if let Some(id) = PacketId::new(id) {
                self.outbound.release_id(id);
            }
            let _ = reply.send(Err(ClientError::ConnectionLost));
        }
        for (id, reply) in self.unsubscribes.drain() {
            if let Some(id) = PacketId::new(id) {
                self.outbound.release_id(id);
            }
            let _ = reply.send(Err(ClientError::ConnectionLost));
        }
    }

    /// Fails everything pending.
    fn fail_all(&mut self, error: impl Fn() -> ClientError) {
        self.fail_requests();
        for mut o in self.outbound.clear() {
            o.finish(Err(error()));
        }
        for mut o in self.waiting.drain(..) {
            o.finish(Err(error()));
        }
    }

    /// One connection, from CONNACK to its end.
    async fn serve(&mut self, link: &mut Link) -> End {
        let Link {
            stream,
            rbuf,
            connack,
        } = link;
        let o = &self.options;
        let version = o.version;
        let props = &connack.properties;
        let keep_alive = props.server_keep_alive.unwrap_or(o.keep_alive);
        self.server = ServerLimits::from(connack);
        self.outbound
            .set_receive_maximum(props.receive_maximum.unwrap_or(NonZeroU16::MAX));
        let mut aliases_in = InboundTopicAliases::new(o.topic_alias_maximum);
        let mut decoder = Decoder::with_version(version, o.maximum_packet_size.unwrap_or(u32::MAX));
        let mut out = BytesMut::with_capacity(4096);

        // Resume: re-send what was in flight ([MQTT-4.4.0-1]), or start it
        // again on a fresh session.
        if connack.session_present {
            for r in self.outbound.pending() {
                let packet = match r {
                    Resend::Publish {
                        packet_id,
                        qos,
                        item,
                    } => {
                        let mut p = item.publish.clone();
                        p.dup = true;
                        p.qos = qos;
                        p.packet_id = Some(packet_id);
                        Packet::from(p)
                    }
                    Resend::PubRel(id) => Packet::PubRel(PubResponse::new(id)),
                };
                let _ = packet.encode(version, &mut out);
            }
        } else {
            self.inbound.clear();
            let mut again = self.outbound.clear();
            again.extend(self.waiting.drain(..));
            self.waiting = again.into();
        }

        let ping_every = Duration::from_secs(u64::from(keep_alive));
        let mut last_sent = Instant::now();
        let mut ping_sent: Option<Instant> = None;
        let mut disconnect_reply: Option<Reply<()>> = None;
        loop {
            // Everything buffered first: packets may have come right behind
            // the CONNACK.
            loop {
                match decoder.decode(rbuf) {
                    Ok(Some(packet)) => {
                        ping_sent = None;
                        if let Some(end) = self.packet(packet, &mut out, &mut aliases_in).await {
                            // Tell the broker why, when we are the one ending it.
                            if !out.is_empty() {
                                let _ = stream.write_all(&out).await;
                            }
                            return end;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!("broker sent an invalid packet: {e}");
                        if version.is_v5() {
                            let _ = Packet::Disconnect(Disconnect::new(e.reason_code()))
                                .encode(version, &mut out);
                            let _ = stream.write_all(&out).await;
                        }
                        return End::Lost(None);
                    }
                }
            }
            self.pump(&mut out);
            if !out.is_empty() {
                if stream.write_all(&out).await.is_err() {
                    return End::Lost(None);
                }
                out.clear();
                last_sent = Instant::now();
            }
            if let Some(reply) = disconnect_reply.take() {
                close_gracefully(stream, rbuf).await;
                let _ = reply.send(Ok(()));
                return End::Stop;
            }
            let ping_at = (keep_alive > 0).then(|| match ping_sent {
                // No PINGRESP within the keep alive: the connection is dead.
                Some(at) => at + ping_every,
                None => last_sent + ping_every,
            });
            rbuf.reserve(4096);
            tokio::select! {
                cmd = self.commands.recv() => match cmd {
                    None => {
                        let _ = Packet::Disconnect(Disconnect::new(ReasonCode::Success)).encode(version, &mut out);
                        let _ = stream.write_all(&out).await;
                        let _ = stream.shutdown().await;
                        return End::Stop;
                    }
                    Some(Command::Disconnect(d, reply)) => {
                        let _ = Packet::Disconnect(d).encode(version, &mut out);
                        disconnect_reply = Some(reply);
                    }
                    Some(cmd) => self.command(cmd, &mut out),
                },
                r = stream.read_buf(rbuf) => match r {
                    Ok(0) | Err(_) => return End::Lost(None),
                    Ok(_) => {}
                },
                () = sleep_until_opt(ping_at) => {
                    if ping_sent.is_some() {
                        tracing::debug!("no PINGRESP within the keep alive; reconnecting");
                        return End::Lost(None);
                    }
                    let _ = Packet::PingReq.encode(version, &mut out);
                    ping_sent = Some(Instant::now());
                }
            }
        }
    }

    /// Moves waiting QoS 1/2 publishes into flight within the broker's Receive
    /// Maximum ([MQTT-3.3.4-7]).
    fn pump(&mut self, out: &mut BytesMut) {
        let version = self.options.version;
        while self.outbound.quota() > 0 {
            let Some(mut item) = self.waiting.pop_front() else {
                break;
            };
            if let Some(code) = self.server.refusal(&item.publish) {
                item.finish(Err(ClientError::Rejected(code)));
                continue;
            }
            let qos = item.publish.qos;
            let mut p = item.publish.clone();
            p.packet_id = Some(PacketId::MIN);
            if Packet::from(p.clone()).encoded_len(version) > self.server.max_packet {
                item.finish(Err(ClientError::Rejected(ReasonCode::PacketTooLarge)));
                continue;
            }
            match self.outbound.start(qos, item) {
                Ok(id) => {
                    p.packet_id = Some(id);
                    if let Err(e) = self.server.encode(p, version, out) {
                        tracing::warn!("cannot send a PUBLISH: {e}");
                    }
                }
                Err(item) => {
                    self.waiting.push_front(item);
                    break;
                }
            }
        }
    }

    fn command(&mut self, cmd: Command, out: &mut BytesMut) {
        let version = self.options.version;
        match cmd {
            Command::Publish(mut publish, reply) => {
                publish.dup = false;
                publish.packet_id = None;
                if publish.qos == QoS::AtMostOnce {
                    let result = match self.server.refusal(&publish) {
                        Some(code) => Err(ClientError::Rejected(code)),
                        None => {
                            self.server
                                .encode(publish, version, out)
                                .map(|()| PublishOutcome {
                                    reason_code: ReasonCode::Success,
                                })
                        }
                    };
                    let _ = reply.send(result);
                } else {
                    self.waiting.push_back(Outgoing {
                        publish,
                        reply: Some(reply),
                    });
                }
            }
            Command::Subscribe(filters, properties, reply) => {
                let Some(id) = self.outbound.reserve_id() else {
                    let _ = reply.send(Err(ClientError::Protocol(
                        "no free packet identifier".into(),
                    )));
                    return;
                };
                let mut sub = Subscribe::new(id, filters);
                sub.properties = properties;
                match Packet::Subscribe(sub).encode(version, out) {
                    Ok(()) => {
                        self.subscribes.insert(id.get(), reply);
                    }
                    Err(e) => {
                        self.outbound.release_id(id);
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Command::Unsubscribe(filters, properties, reply) => {
                let Some(id) = self.outbound.reserve_id() else {
                    let _ = reply.send(Err(ClientError::Protocol(
                        "no free packet identifier".into(),
                    )));
                    return;
                };
                let mut unsub = Unsubscribe::new(id, filters);
                unsub.properties = properties;
                match Packet::Unsubscribe(unsub).encode(version, out) {
                    Ok(()) => {
                        self.unsubscribes.insert(id.get(), reply);
                    }
                    Err(e) => {
                        self.outbound.release_id(id);
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Command::Disconnect(..) => {}
        }
    }

    /// Handles one packet from the broker; `Some` ends the connection.
    async fn packet(
        &mut self,
        packet: Packet,
        out: &mut BytesMut,
        aliases_in: &mut InboundTopicAliases,
    ) -> Option<End> {
        let version = self.options.version;
        match packet {
            Packet::Publish(mut p) => {
                if let Err(e) = aliases_in.resolve(&mut p) {
                    tracing::warn!("broker sent a bad topic alias: {e}");
                    let _ =
                        Packet::Disconnect(Disconnect::new(e.reason_code())).encode(version, out);
                    return Some(End::Lost(None));
                }
                match (p.qos, p.packet_id) {
                    (QoS::AtMostOnce, _) | (_, None) => {
                        if self.events.send(Event::Message(p)).await.is_err() {
                            return Some(End::Stop);
                        }
                    }
                    (QoS::AtLeastOnce, Some(id)) => {
                        if self.events.send(Event::Message(p)).await.is_err() {
                            return Some(End::Stop);
                        }
                        let _ = Packet::PubAck(PubResponse::new(id)).encode(version, out);
                    }
                    (QoS::ExactlyOnce, Some(id)) => {
                        match self.inbound.on_publish(QoS::ExactlyOnce, id) {
                            Ok(InboundPublish::Deliver) => {
                                if self.events.send(Event::Message(p)).await.is_err() {
                                    return Some(End::Stop);
                                }
                            }
                            Ok(InboundPublish::Duplicate) => {}
                            Err(e) => {
                                tracing::warn!("broker exceeded our Receive Maximum");
                                let _ = Packet::Disconnect(Disconnect::new(e.reason_code()))
                                    .encode(version, out);
                                return Some(End::Lost(None));
                            }
                        }
                        let _ = Packet::PubRec(PubResponse::new(id)).encode(version, out);
                    }
                }
            }
            Packet::PubAck(ack) => match self.outbound.on_puback(ack.packet_id) {
                Ok(mut o) => o.finish(outcome(ack.reason_code)),
                Err(_) => tracing::debug!("PUBACK for unknown packet id {}", ack.packet_id),
            },
            Packet::PubRec(rec) => match self.outbound.on_pubrec(rec.packet_id, rec.reason_code) {
                Ok(PubRecOutcome::Release(mut o)) => {
                    o.finish(outcome(rec.reason_code));
                    let _ = Packet::PubRel(PubResponse::new(rec.packet_id)).encode(version, out);
                }
                Ok(PubRecOutcome::AlreadyReleased) => {
                    let _ = Packet::PubRel(PubResponse::new(rec.packet_id)).encode(version, out);
                }
                Ok(PubRecOutcome::Rejected(mut o)) => o.finish(outcome(rec.reason_code)),
                Err(_) => {
                    let _ = Packet::PubRel(PubResponse::with_reason(
                        rec.packet_id,
                        ReasonCode::PacketIdentifierNotFound,
                    ))
                    .encode(version, out);
                }
            },
            Packet::PubRel(rel) => {
                let code = if self.inbound.on_pubrel(rel.packet_id) {
                    ReasonCode::Success
                } else {
                    ReasonCode::PacketIdentifierNotFound
                };
                let _ = Packet::PubComp(PubResponse::with_reason(rel.packet_id, code))
                    .encode(version, out);
            }
            Packet::PubComp(comp) => {
                if self.outbound.on_pubcomp(comp.packet_id).is_err() {
                    tracing::debug!("PUBCOMP for unknown packet id {}", comp.packet_id);
                }
            }
            Packet::SubAck(ack) => {
                self.outbound.release_id(ack.packet_id);
                if let Some(reply) = self.subscribes.remove(&ack.packet_id.get()) {
                    let _ = reply.send(Ok(ack));
                }
            }
            Packet::UnsubAck(ack) => {
                self.outbound.release_id(ack.packet_id);
                if let Some(reply) = self.unsubscribes.remove(&ack.packet_id.get()) {
                    let _ = reply.send(Ok(ack));
                }
            }
            Packet::PingResp => {}
            Packet::Disconnect(d) => {
                tracing::debug!("broker disconnected us: {:?}", d.reason_code);
                return Some(End::Lost(Some(d.reason_code)));
            }
            other => {
                tracing::warn!("unexpected {:?} from the broker", other.packet_type());
                if version.is_v5() {
                    let _ = Packet::Disconnect(Disconnect::new(ReasonCode::ProtocolError))
                        .encode(version, out);
                }
                return Some(End::Lost(None));
            }
        }
        None
    }
}

/// Half-closes after DISCONNECT and reads until the broker closes (briefly):
/// closing a socket with unread data would send a reset, which can make the
/// broker discard what we sent last.
async fn close_gracefully(stream: &mut TcpStream, rbuf: &mut BytesMut) {
    let _ = stream.shutdown().await;
    let _ = timeout(Duration::from_secs(1), async {
        loop {
            rbuf.clear();
            rbuf.reserve(4096);
            match stream.read_buf(rbuf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
}

fn outcome(code: ReasonCode) -> Result<PublishOutcome, ClientError> {
    if code.is_error() {
        Err(ClientError::Rejected(code))
    } else {
        Ok(PublishOutcome { reason_code: code })
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at).await,
        None => std::future::pending().await,
    }
}
