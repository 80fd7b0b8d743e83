//! The client handle: requests go to the connection task over a bounded
//! channel; each request completes through its own one-shot reply.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use midge_proto::property::{SubscribeProperties, UnsubscribeProperties};
use midge_proto::{
    ByteString, ConnAck, Disconnect, Publish, QoS, ReasonCode, SubAck, SubscriptionOptions,
    TopicFilter, TopicName, UnsubAck,
};
use tokio::sync::{mpsc, oneshot};

use crate::ClientError;
use crate::connection::{self, Command};
use crate::options::ConnectOptions;

/// What the connection task reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A PUBLISH from the broker (QoS 1/2 acknowledged once it is handed over).
    Message(Box<Publish>),
    /// Connected again after a loss; `session_present` says whether the session
    /// (subscriptions, in-flight messages) was resumed.
    Reconnected {
        /// CONNACK Session Present.
        session_present: bool,
    },
    /// The connection was lost (with the broker's DISCONNECT reason, if it sent
    /// one); the client reconnects if configured to.
    Disconnected {
        /// Reason code of the broker's DISCONNECT.
        reason: Option<ReasonCode>,
    },
}

/// The receiving side of a client: messages and connection events, in order.
#[derive(Debug)]
pub struct Events {
    rx: mpsc::Receiver<Event>,
}

impl Events {
    /// The next event; `None` once the client has shut down.
    pub async fn recv(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// The next message, skipping connection events; `None` once shut down.
    pub async fn next_message(&mut self) -> Option<Publish> {
        loop {
            match self.rx.recv().await? {
                Event::Message(p) => return Some(*p),
                _ => continue,
            }
        }
    }
}

/// How a publish completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishOutcome {
    /// PUBACK (QoS 1) or PUBREC (QoS 2) reason code; `Success` for QoS 0.
    pub reason_code: ReasonCode,
}

/// A publish in progress: resolves when the QoS flow completes (QoS 0: when
/// written).
#[derive(Debug)]
pub struct PendingPublish {
    rx: oneshot::Receiver<Result<PublishOutcome, ClientError>>,
}

impl Future for PendingPublish {
    type Output = Result<PublishOutcome, ClientError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.rx)
            .poll(cx)
            .map(|r| r.unwrap_or(Err(ClientError::Closed)))
    }
}

/// An MQTT client. Cheap to clone; all clones share one connection.
#[derive(Debug, Clone)]
pub struct Client {
    tx: mpsc::Sender<Command>,
}

impl Client {
    /// Connects (the first connection must succeed) and starts the connection
    /// task, which keeps the connection alive and reconnects if configured.
    pub async fn connect(
        options: ConnectOptions,
    ) -> Result<(Client, Events, ConnAck), ClientError> {
        let (tx, rx) = mpsc::channel(256);
        let (events_tx, events_rx) = mpsc::channel(options.message_capacity.max(1));
        let connack = connection::start(options, rx, events_tx).await?;
        Ok((Client { tx }, Events { rx: events_rx }, connack))
    }

    async fn request<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, ClientError>>) -> Command,
    ) -> Result<T, ClientError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(make(reply))
            .await
            .map_err(|_| ClientError::Closed)?;
        rx.await.unwrap_or(Err(ClientError::Closed))
    }

    /// Starts publishing `publish` (its packet id is assigned by the client)
    /// and returns once it is queued; await the result for completion. At most
    /// the broker's Receive Maximum QoS 1/2 messages are in flight at once; the
    /// others wait their turn, in order.
    pub async fn start_publish(&self, publish: Publish) -> Result<PendingPublish, ClientError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Publish(publish, reply))
            .await
            .map_err(|_| ClientError::Closed)?;
        Ok(PendingPublish { rx })
    }

    /// Publishes `publish` and waits for its QoS flow to complete.
    pub async fn publish(&self, publish: Publish) -> Result<PublishOutcome, ClientError> {
        self.start_publish(publish).await?.await
    }

    /// Publishes `payload` to `topic`.
    pub async fn publish_to(
        &self,
        topic: &str,
        payload: impl Into<Bytes>,
        qos: QoS,
        retain: bool,
    ) -> Result<PublishOutcome, ClientError> {
        let topic = TopicName::new(ByteString::from(topic))
            .map_err(|e| ClientError::Protocol(format!("invalid topic {topic:?}: {e}")))?;
        let mut publish = Publish::new(topic, payload);
        publish.qos = qos;
        publish.retain = retain;
        self.publish(publish).await
    }

    /// Subscribes to one filter at `qos`.
    pub async fn subscribe(&self, filter: &str, qos: QoS) -> Result<SubAck, ClientError> {
        let filter = parse_filter(filter)?;
        self.subscribe_many(
            vec![(filter, SubscriptionOptions::new(qos))],
            SubscribeProperties::default(),
        )
        .await
    }

    /// Subscribes to several filters with full options in one SUBSCRIBE.
    pub async fn subscribe_many(
        &self,
        filters: Vec<(TopicFilter, SubscriptionOptions)>,
        properties: SubscribeProperties,
    ) -> Result<SubAck, ClientError> {
        self.request(|reply| Command::Subscribe(filters, properties, reply))
            .await
    }

    /// Unsubscribes from `filters`.
    pub async fn unsubscribe(&self, filters: &[&str]) -> Result<UnsubAck, ClientError> {
        let filters = filters
            .iter()
            .map(|f| parse_filter(f))
            .collect::<Result<Vec<_>, _>>()?;
        self.request(|reply| Command::Unsubscribe(filters, UnsubscribeProperties::default(), reply))
            .await
    }

    /// Sends DISCONNECT (reason 0x00: the will is discarded) and stops the
    /// connection task once everything queued before it is written.
    pub async fn disconnect(&self) -> Result<(), ClientError> {
        self.disconnect_with(Disconnect::new(ReasonCode::Success))
            .await
    }

    /// Sends `disconnect` and stops.
    pub async fn disconnect_with(&self, disconnect: Disconnect) -> Result<(), ClientError> {
        self.request(|reply| Command::Disconnect(disconnect, reply))
            .await
    }
}

fn parse_filter(filter: &str) -> Result<TopicFilter, ClientError> {
    TopicFilter::new_v5(ByteString::from(filter))
        .map_err(|e| ClientError::Protocol(format!("invalid topic filter {filter:?}: {e}")))
}
