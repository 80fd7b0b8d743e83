//! `midge-client`: an async MQTT 3.1.1 / 5.0 client built on `midge-proto`'s
//! session state machine.
//!
//! # Layout
//! - [`options`]: [`ConnectOptions`] (clean start, session expiry, will,
//!   credentials, keep alive, v5 properties, reconnect back-off).
//! - `client`: the [`Client`] handle (publish with completion, subscribe,
//!   unsubscribe, disconnect) and the [`Events`] stream.
//! - `connection`: the task that owns the socket, runs the QoS 1/2 flows
//!   within the broker's Receive Maximum, applies topic aliases, sends
//!   PINGREQ, and reconnects with back-off, resuming the session and
//!   re-sending unacknowledged messages.
//! - [`error`]: the [`ClientError`] type.
//!
//! # Example
//! ```no_run
//! use midge_client::{Client, ConnectOptions};
//! use midge_proto::QoS;
//!
//! # async fn run() -> Result<(), midge_client::ClientError> {
//! let (client, mut events, _connack) =
//!     Client::connect(ConnectOptions::new("127.0.0.1", 1883).client_id("demo")).await?;
//! client.subscribe("sensors/#", QoS::AtLeastOnce).await?;
//! client.publish_to("sensors/1", "21.5", QoS::AtLeastOnce, false).await?;
//! if let Some(message) = events.next_message().await {
//!     println!("{}: {:?}", message.topic.as_str(), message.payload);
//! }
//! client.disconnect().await?;
//! # Ok(()) }
//! ```

mod client;
mod connection;
pub mod error;
pub mod options;

pub use client::{Client, Event, Events, PendingPublish, PublishOutcome};
pub use error::ClientError;
pub use options::ConnectOptions;
