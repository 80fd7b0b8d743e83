//! The connection flags shared by `pub`, `sub` and `rr` (clap), their value
//! parsers, and the check of the flags that are not supported yet.

use clap::Args;
use midge_proto::{ProtocolVersion, QoS};

/// Help heading of the flags Midge does not support yet.
const UNSUPPORTED: &str = "Not supported yet";

/// Connection flags shared by `pub`, `sub` and `rr` (Mosquitto's spelling).
#[derive(Debug, Args)]
pub(crate) struct ConnArgs {
    /// MQTT host to connect to. Defaults to localhost.
    #[arg(
        short = 'h',
        long = "host",
        value_name = "HOST",
        allow_hyphen_values = true
    )]
    pub(super) host: Option<String>,
    /// Network port to connect to. Defaults to 1883.
    #[arg(short = 'p', long = "port", value_name = "PORT")]
    pub(super) port: Option<u16>,
    /// User, password, host, port and topic as a URL:
    /// mqtt://[username[:password]@]host[:port]/topic
    #[arg(short = 'L', long = "url", value_name = "URL")]
    pub(super) url: Option<String>,
    /// Quality of service level: 0, 1 or 2. Defaults to 0.
    #[arg(short = 'q', long = "qos", value_name = "QOS", value_parser = parse_qos)]
    pub(crate) qos: Option<QoS>,
    /// Id to use for this client. Defaults to an empty id (the broker assigns
    /// one; MQTT 3.1: a random id).
    #[arg(
        short = 'i',
        long = "id",
        value_name = "ID",
        allow_hyphen_values = true
    )]
    pub(super) id: Option<String>,
    /// Client id: this prefix followed by the process id.
    #[arg(
        short = 'I',
        long = "id-prefix",
        value_name = "PREFIX",
        allow_hyphen_values = true
    )]
    pub(super) id_prefix: Option<String>,
    /// Username.
    #[arg(
        short = 'u',
        long = "username",
        value_name = "USER",
        allow_hyphen_values = true
    )]
    pub(super) username: Option<String>,
    /// Password.
    #[arg(
        short = 'P',
        long = "pw",
        value_name = "PASSWORD",
        allow_hyphen_values = true
    )]
    pub(super) password: Option<String>,
    /// MQTT protocol version: mqttv5 (5), mqttv311 (311) or mqttv31 (31).
    /// Defaults to mqttv311 (rr: mqttv5); -D selects mqttv5.
    #[arg(short = 'V', long = "protocol-version", value_name = "VERSION", value_parser = parse_version)]
    pub(super) protocol_version: Option<ProtocolVersion>,
    /// Keep alive in seconds (5 to 65535, or 0 for none). Defaults to 60.
    #[arg(short = 'k', long = "keepalive", value_name = "SECONDS", value_parser = parse_keepalive)]
    pub(super) keepalive: Option<u16>,
    /// Disable clean session / enable a persistent session: the broker keeps
    /// the session when the client disconnects (MQTT 5: for -x seconds,
    /// default forever).
    #[arg(short = 'c', long = "disable-clean-session")]
    pub(super) no_clean: bool,
    /// MQTT 5 session expiry interval in seconds; -1, 4294967295 or ∞ for
    /// never. Defaults to -1 with -c, else 0.
    #[arg(short = 'x', value_name = "SECONDS", allow_hyphen_values = true, value_parser = parse_session_expiry)]
    pub(super) session_expiry: Option<u32>,
    /// Print the packets sent and received.
    #[arg(short = 'd', long = "debug")]
    pub(crate) debug: bool,
    /// Don't print error messages.
    #[arg(long)]
    pub(crate) quiet: bool,
    /// MQTT 5 property: -D command identifier value, e.g. -D publish
    /// message-expiry-interval 60, -D connect user-property key value.
    /// Commands: connect, publish, subscribe, unsubscribe, disconnect, will.
    #[arg(
        short = 'D',
        long = "property",
        num_args = 3..=4,
        value_names = ["COMMAND", "IDENTIFIER", "VALUE"],
        allow_negative_numbers = true,
        action = clap::ArgAction::Append
    )]
    pub(super) property: Vec<String>,
    /// Topic of the client's will (sent by the broker if the client
    /// disconnects unexpectedly).
    #[arg(long = "will-topic", value_name = "TOPIC", allow_hyphen_values = true)]
    pub(super) will_topic: Option<String>,
    /// Payload of the will (default: empty).
    #[arg(
        long = "will-payload",
        value_name = "PAYLOAD",
        allow_hyphen_values = true
    )]
    pub(super) will_payload: Option<String>,
    /// QoS of the will.
    #[arg(long = "will-qos", value_name = "QOS", value_parser = parse_will_qos)]
    pub(super) will_qos: Option<QoS>,
    /// Retain the will.
    #[arg(long = "will-retain")]
    pub(super) will_retain: bool,
    /// Disable Nagle's algorithm (always the case).
    #[arg(long)]
    pub(super) nodelay: bool,
    /// Bind the outgoing socket to this address (not supported yet).
    #[arg(short = 'A', value_name = "ADDRESS", help_heading = UNSUPPORTED)]
    pub(super) bind_address: Option<String>,
    /// Connect through a unix domain socket (not supported yet).
    #[arg(long, value_name = "PATH", help_heading = UNSUPPORTED)]
    pub(super) unix: Option<String>,
    /// SOCKS5 proxy URL (not supported yet).
    #[arg(long, value_name = "URL", help_heading = UNSUPPORTED)]
    pub(super) proxy: Option<String>,
    /// TLS: trusted CA certificates file (TLS is not supported yet).
    #[arg(long, value_name = "FILE", help_heading = UNSUPPORTED)]
    pub(super) cafile: Option<String>,
    /// TLS: trusted CA certificates directory (not supported yet).
    #[arg(long, value_name = "DIR", help_heading = UNSUPPORTED)]
    pub(super) capath: Option<String>,
    /// TLS: client certificate (not supported yet).
    #[arg(long, value_name = "FILE", help_heading = UNSUPPORTED)]
    pub(super) cert: Option<String>,
    /// TLS: client private key (not supported yet).
    #[arg(long, value_name = "FILE", help_heading = UNSUPPORTED)]
    pub(super) key: Option<String>,
    /// TLS: key file type (not supported yet).
    #[arg(long, value_name = "KEYFORM", help_heading = UNSUPPORTED)]
    pub(super) keyform: Option<String>,
    /// TLS: cipher list (not supported yet).
    #[arg(long, value_name = "CIPHERS", help_heading = UNSUPPORTED)]
    pub(super) ciphers: Option<String>,
    /// TLS: protocol version (not supported yet).
    #[arg(long = "tls-version", value_name = "VERSION", help_heading = UNSUPPORTED)]
    pub(super) tls_version: Option<String>,
    /// TLS: do not check the server's host name (not supported yet).
    #[arg(long, help_heading = UNSUPPORTED)]
    pub(super) insecure: bool,
    /// TLS: ALPN protocol (not supported yet).
    #[arg(long = "tls-alpn", value_name = "PROTOCOL", help_heading = UNSUPPORTED)]
    pub(super) tls_alpn: Option<String>,
    /// TLS: engine (not supported yet).
    #[arg(long = "tls-engine", value_name = "ENGINE", help_heading = UNSUPPORTED)]
    pub(super) tls_engine: Option<String>,
    /// TLS: engine key password SHA-1 (not supported yet).
    #[arg(long = "tls-engine-kpass-sha1", value_name = "SHA1", help_heading = UNSUPPORTED)]
    pub(super) tls_engine_kpass_sha1: Option<String>,
    /// TLS: trust the operating system's CA certificates (not supported yet).
    #[arg(long = "tls-use-os-certs", help_heading = UNSUPPORTED)]
    pub(super) tls_use_os_certs: bool,
    /// TLS-PSK key in hexadecimal (not supported yet).
    #[arg(long, value_name = "KEY", help_heading = UNSUPPORTED)]
    pub(super) psk: Option<String>,
    /// TLS-PSK identity (not supported yet).
    #[arg(long = "psk-identity", value_name = "IDENTITY", help_heading = UNSUPPORTED)]
    pub(super) psk_identity: Option<String>,
}

fn parse_qos(s: &str) -> Result<QoS, String> {
    s.trim()
        .parse::<u8>()
        .ok()
        .and_then(QoS::from_u8)
        .ok_or_else(|| format!("Invalid QoS given: {s}"))
}

fn parse_will_qos(s: &str) -> Result<QoS, String> {
    s.trim()
        .parse::<u8>()
        .ok()
        .and_then(QoS::from_u8)
        .ok_or_else(|| format!("Invalid will QoS {s}."))
}

fn parse_version(s: &str) -> Result<ProtocolVersion, String> {
    match s {
        "mqttv31" | "31" => Ok(ProtocolVersion::V3_1),
        "mqttv311" | "311" => Ok(ProtocolVersion::V3_1_1),
        "mqttv5" | "5" => Ok(ProtocolVersion::V5),
        _ => Err("Invalid protocol version argument given (mqttv5, mqttv311 or mqttv31).".into()),
    }
}

fn parse_keepalive(s: &str) -> Result<u16, String> {
    match s.trim().parse::<u32>() {
        Ok(0) => Ok(0),
        Ok(k @ 5..=65535) => u16::try_from(k).map_err(|e| e.to_string()),
        _ => Err("Invalid keepalive given, it must be between 5 and 65535 inclusive.".into()),
    }
}

fn parse_session_expiry(s: &str) -> Result<u32, String> {
    if s == "∞" {
        return Ok(u32::MAX);
    }
    let n: i64 = s
        .trim()
        .parse()
        .map_err(|_| "session-expiry-interval not a number.".to_owned())?;
    match n {
        -1 => Ok(u32::MAX),
        _ => u32::try_from(n).map_err(|_| "session-expiry-interval out of range.".to_owned()),
    }
}

impl ConnArgs {
    /// Fails for the transports and TLS options that are not supported yet.
    pub(super) fn check_unsupported(&self) -> Result<(), String> {
        let tls = [
            ("--cafile", self.cafile.is_some()),
            ("--capath", self.capath.is_some()),
            ("--cert", self.cert.is_some()),
            ("--key", self.key.is_some()),
            ("--keyform", self.keyform.is_some()),
            ("--ciphers", self.ciphers.is_some()),
            ("--tls-version", self.tls_version.is_some()),
            ("--insecure", self.insecure),
            ("--tls-alpn", self.tls_alpn.is_some()),
            ("--tls-engine", self.tls_engine.is_some()),
            (
                "--tls-engine-kpass-sha1",
                self.tls_engine_kpass_sha1.is_some(),
            ),
            ("--tls-use-os-certs", self.tls_use_os_certs),
        ];
        if let Some((flag, _)) = tls.iter().find(|(_, given)| *given) {
            return Err(format!("Error: TLS is not supported yet ({flag})."));
        }
        if self.psk.is_some() || self.psk_identity.is_some() {
            return Err("Error: TLS-PSK is not supported yet (--psk).".into());
        }
        if self.unix.is_some() {
            return Err("Error: Unix domain sockets are not supported yet (--unix).".into());
        }
        if self.proxy.is_some() {
            return Err("Error: SOCKS5 proxies are not supported yet (--proxy).".into());
        }
        if self.bind_address.is_some() {
            return Err("Error: Binding to a local address is not supported yet (-A).".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn value_parsers() {
        assert_eq!(parse_qos("2").unwrap(), QoS::ExactlyOnce);
        assert!(parse_qos("3").is_err());
        assert_eq!(parse_version("mqttv5").unwrap(), ProtocolVersion::V5);
        assert_eq!(parse_version("31").unwrap(), ProtocolVersion::V3_1);
        assert!(parse_version("4").is_err());
        assert_eq!(parse_keepalive("0").unwrap(), 0);
        assert!(parse_keepalive("4").is_err());
        assert_eq!(parse_keepalive("65535").unwrap(), 65535);
        assert_eq!(parse_session_expiry("-1").unwrap(), u32::MAX);
        assert_eq!(parse_session_expiry("∞").unwrap(), u32::MAX);
        assert_eq!(parse_session_expiry("10").unwrap(), 10);
        assert!(parse_session_expiry("-2").is_err());
        assert!(parse_session_expiry("x").is_err());
    }
}
