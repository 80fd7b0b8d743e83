//! The connection settings resolved from the flags: checks, defaults, the
//! will, and the client's [`ConnectOptions`].

use bytes::Bytes;
use midge_client::ConnectOptions;
use midge_proto::{ByteString, ProtocolVersion, QoS, TopicName, Will};

use super::Tool;
use super::flags::ConnArgs;
use super::random::random_client_id;
use super::url::parse_url;
use crate::properties::Properties;

/// The connection settings, resolved and checked.
#[derive(Debug, Clone)]
pub(crate) struct Conn {
    /// What to connect with.
    pub(crate) options: ConnectOptions,
    /// The `-D` properties.
    pub(crate) props: Properties,
    /// `-q` (default 0).
    pub(crate) qos: QoS,
    /// The topic of `-L`, if given.
    pub(crate) url_topic: Option<String>,
    /// `-d`.
    pub(crate) debug: bool,
    /// `--quiet`.
    pub(crate) quiet: bool,
    /// Warnings to print before connecting.
    pub(crate) warnings: Vec<String>,
}

impl ConnArgs {
    /// Checks the flags and builds the connection settings. Errors are whole
    /// usage messages ("Error: ...").
    pub(crate) fn resolve(&self, tool: Tool) -> Result<Conn, String> {
        let _ = self.nodelay; // TCP_NODELAY is always set.
        self.check_unsupported()?;
        let url = self.url.as_deref().map(parse_url).transpose()?;
        let (props, warnings) = Properties::parse(&crate::properties::group(&self.property))?;

        let default_version = match tool {
            Tool::Rr => ProtocolVersion::V5,
            Tool::Pub | Tool::Sub => ProtocolVersion::V3_1_1,
        };
        let version = match self.protocol_version {
            Some(v) if props.any && !v.is_v5() => {
                return Err("Error: -D properties need MQTT v5 (-V 5).".into());
            }
            Some(v) => v,
            None if props.any => ProtocolVersion::V5,
            None => default_version,
        };

        // Client id.
        if self.id.is_some() && self.id_prefix.is_some() {
            return Err("Error: -i and -I argument cannot be used together.".into());
        }
        let explicit_id = match (&self.id, &self.id_prefix) {
            (Some(id), _) => Some(id.clone()),
            (None, Some(prefix)) => Some(format!("{prefix}{}", std::process::id())),
            (None, None) => None,
        };
        let has_own_id = self.id.as_deref().is_some_and(|id| !id.is_empty());
        let client_id = match explicit_id {
            Some(id) => id,
            None if version == ProtocolVersion::V3_1 => random_client_id(),
            None => String::new(),
        };

        // Session.
        let clean_start = !self.no_clean;
        let mut session_expiry = 0;
        if version.is_v5() {
            session_expiry = match (self.session_expiry, props.connect.session_expiry_interval) {
                (Some(_), Some(_)) => {
                    return Err(
                        "Error in CONNECT properties: Duplicate property in property list".into(),
                    );
                }
                (Some(x), None) | (None, Some(x)) => x,
                (None, None) if self.no_clean => u32::MAX,
                (None, None) => 0,
            };
            if session_expiry == u32::MAX && !has_own_id {
                return Err("Error: You must provide a client id if you are using an infinite session expiry interval.".into());
            }
        } else if self.no_clean && !has_own_id {
            return Err(
                "Error: You must provide a client id if you are using the -c option.".into(),
            );
        }

        // Will.
        if self.will_payload.is_some() && self.will_topic.is_none() {
            return Err("Error: Will payload given, but no will topic given.".into());
        }
        if self.will_retain && self.will_topic.is_none() {
            return Err("Error: Will retain given, but no will topic given.".into());
        }
        let will = match &self.will_topic {
            Some(topic) => Some(Will {
                topic: TopicName::new(ByteString::from(topic.as_str())).map_err(|_| {
                    format!("Error: Invalid will topic '{topic}', does it contain '+' or '#'?")
                })?,
                payload: Bytes::from(self.will_payload.clone().unwrap_or_default()),
                qos: self.will_qos.unwrap_or_default(),
                retain: self.will_retain,
                properties: if version.is_v5() {
                    props.will.clone()
                } else {
                    Default::default()
                },
            }),
            None => None,
        };

        // Where and who.
        let host = self
            .host
            .clone()
            .or_else(|| url.as_ref().map(|u| u.host.clone()))
            .unwrap_or_else(|| "localhost".to_owned());
        let port = self
            .port
            .or_else(|| url.as_ref().and_then(|u| u.port))
            .unwrap_or(1883);
        let username = self
            .username
            .clone()
            .or_else(|| url.as_ref().and_then(|u| u.username.clone()));
        let password = self
            .password
            .clone()
            .or_else(|| url.as_ref().and_then(|u| u.password.clone()));
        if password.is_some() && username.is_none() && !version.is_v5() {
            return Err("Error: A password (-P) needs a username (-u) before MQTT v5.".into());
        }

        let mut options = ConnectOptions::new(host, port)
            .version(version)
            .client_id(client_id)
            .clean_start(clean_start)
            .session_expiry(session_expiry)
            .keep_alive(self.keepalive.unwrap_or(60))
            .reconnect(false);
        options.username = username;
        options.password = password.map(Bytes::from);
        options.will = will;
        if version.is_v5() {
            let c = &props.connect;
            options.receive_maximum = c.receive_maximum.map(|r| r.get());
            options.maximum_packet_size = c.maximum_packet_size.map(|m| m.get());
            options.topic_alias_maximum = c.topic_alias_maximum.unwrap_or(0);
            options.user_properties.clone_from(&c.user_properties);
        }
        Ok(Conn {
            options,
            props,
            qos: self.qos.unwrap_or_default(),
            url_topic: url.map(|u| u.topic),
            debug: self.debug,
            quiet: self.quiet,
            warnings,
        })
    }
}
