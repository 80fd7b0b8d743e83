//! Connection options.

use std::time::Duration;

use bytes::Bytes;
use midge_proto::property::UserProperty;
use midge_proto::{ByteString, ProtocolVersion, Will};

/// How to connect, and how to reconnect.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Broker host name or IP address.
    pub host: String,
    /// Broker port.
    pub port: u16,
    /// Protocol version: [`ProtocolVersion::V5`], `V3_1_1` or `V3_1`.
    pub version: ProtocolVersion,
    /// Client Identifier; empty asks the broker to assign one.
    pub client_id: String,
    /// Clean Start (3.x: Clean Session) on the first connection. Reconnects
    /// resume the session when it outlives the connection (Session Expiry > 0,
    /// or 3.x with Clean Session 0).
    pub clean_start: bool,
    /// MQTT 5.0 Session Expiry Interval in seconds (0: the session ends with
    /// the connection).
    pub session_expiry: u32,
    /// Keep Alive in seconds (0: off).
    pub keep_alive: u16,
    /// User name.
    pub username: Option<String>,
    /// Password.
    pub password: Option<Bytes>,
    /// Will message.
    pub will: Option<Will>,
    /// MQTT 5.0 Receive Maximum we announce (inbound QoS 1/2 window).
    pub receive_maximum: Option<u16>,
    /// MQTT 5.0 Maximum Packet Size we accept.
    pub maximum_packet_size: Option<u32>,
    /// MQTT 5.0 Topic Alias Maximum we accept from the server.
    pub topic_alias_maximum: u16,
    /// MQTT 5.0 user properties sent in CONNECT.
    pub user_properties: Vec<UserProperty>,
    /// Reconnect automatically when the connection is lost.
    pub reconnect: bool,
    /// First reconnect delay; doubled after each failure up to `max_backoff`.
    pub min_backoff: Duration,
    /// Longest reconnect delay.
    pub max_backoff: Duration,
    /// How long to wait for the TCP connection and CONNACK.
    pub connect_timeout: Duration,
    /// Capacity of the incoming message channel; when full the client stops
    /// reading from the socket (back-pressure to the broker).
    pub message_capacity: usize,
}

impl ConnectOptions {
    /// Options for `host:port` with MQTT 5.0, an empty (assigned) client id,
    /// clean start, keep alive 60 s and automatic reconnect.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
            version: ProtocolVersion::V5,
            client_id: String::new(),
            clean_start: true,
            session_expiry: 0,
            keep_alive: 60,
            username: None,
            password: None,
            will: None,
            receive_maximum: None,
            maximum_packet_size: None,
            topic_alias_maximum: 0,
            user_properties: Vec::new(),
            reconnect: true,
            min_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            message_capacity: 1024,
        }
    }

    /// Sets the client id.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = id.into();
        self
    }

    /// Sets the protocol version.
    pub fn version(mut self, version: ProtocolVersion) -> Self {
        self.version = version;
        self
    }

    /// Sets clean start.
    pub fn clean_start(mut self, clean: bool) -> Self {
        self.clean_start = clean;
        self
    }

    /// Sets the session expiry interval (seconds).
    pub fn session_expiry(mut self, secs: u32) -> Self {
        self.session_expiry = secs;
        self
    }

    /// Sets keep alive (seconds).
    pub fn keep_alive(mut self, secs: u16) -> Self {
        self.keep_alive = secs;
        self
    }

    /// Sets credentials.
    pub fn credentials(mut self, username: impl Into<String>, password: Option<Bytes>) -> Self {
        self.username = Some(username.into());
        self.password = password;
        self
    }

    /// Sets the will.
    pub fn will(mut self, will: Will) -> Self {
        self.will = Some(will);
        self
    }

    /// Turns automatic reconnect on or off.
    pub fn reconnect(mut self, on: bool) -> Self {
        self.reconnect = on;
        self
    }

    /// Whether the session outlives a connection (so reconnects resume it).
    pub(crate) fn session_persists(&self) -> bool {
        if self.version.is_v5() {
            self.session_expiry > 0
        } else {
            !self.clean_start
        }
    }

    /// The Client Identifier as a `ByteString`.
    pub(crate) fn client_id_bytes(&self) -> ByteString {
        ByteString::from(self.client_id.as_str())
    }
}
