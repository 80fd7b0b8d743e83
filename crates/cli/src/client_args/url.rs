//! The `-L` URL: `mqtt://[username[:password]@]host[:port]/topic`.

/// What a `-L` URL names.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Url {
    pub(super) username: Option<String>,
    pub(super) password: Option<String>,
    pub(super) host: String,
    pub(super) port: Option<u16>,
    pub(super) topic: String,
}

/// Parses `mqtt://[username[:password]@]host[:port]/topic`.
pub(super) fn parse_url(url: &str) -> Result<Url, String> {
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("mqtt://") {
        url.get(7..).unwrap_or_default()
    } else if lower.starts_with("mqtts://") || lower.starts_with("wss://") {
        return Err("Error: TLS is not supported yet (-L mqtts:// or wss://).".into());
    } else if lower.starts_with("ws://") {
        return Err("Error: WebSocket connections are not supported yet (-L ws://).".into());
    } else {
        return Err("Error: Unsupported URL scheme.".into());
    };
    let Some((authority, topic)) = rest.split_once('/') else {
        return Err("Error: Invalid URL for -L argument specified - topic missing.".into());
    };
    let mut parsed = Url {
        topic: topic.to_owned(),
        ..Url::default()
    };
    let host_port = match authority.rsplit_once('@') {
        Some((credentials, host_port)) => {
            match credentials.split_once(':') {
                Some((user, pass)) => {
                    parsed.username = Some(user.to_owned());
                    parsed.password = Some(pass.to_owned());
                }
                None => parsed.username = Some(credentials.to_owned()),
            }
            host_port
        }
        None => authority,
    };
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        // [v6-address]:port
        match v6.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => return Err(format!("Error: Invalid host in URL '{url}'.")),
        }
    } else {
        match host_port.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    parsed.host = host.to_owned();
    if let Some(p) = port {
        parsed.port = Some(
            p.parse()
                .map_err(|_| format!("Error: Invalid port given: {p}"))?,
        );
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("mqtt://user:pw@example.com:1884/a/b").unwrap(),
            Url {
                username: Some("user".into()),
                password: Some("pw".into()),
                host: "example.com".into(),
                port: Some(1884),
                topic: "a/b".into(),
            }
        );
        let u = parse_url("MQTT://host/t").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.topic.as_str()),
            ("host", None, "t")
        );
        let u = parse_url("mqtt://[::1]:1885/t/#").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.topic.as_str()),
            ("::1", Some(1885), "t/#")
        );
        assert!(parse_url("mqtts://host/t").unwrap_err().contains("TLS"));
        assert!(parse_url("http://host/t").unwrap_err().contains("scheme"));
        assert!(
            parse_url("mqtt://host")
                .unwrap_err()
                .contains("topic missing")
        );
    }
}
