//! Unit tests of `client_args.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

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

#[test]
fn random_ids_fit_mqtt_3_1() {
    let id = random_client_id();
    assert_eq!(id.len(), 23);
    assert_ne!(id, random_client_id());
}

#[test]
fn exit_status_of_refusals() {
    assert_eq!(
        refusal_status(ReasonCode::ClientIdentifierNotValid, ProtocolVersion::V5),
        0x85
    );
    assert_eq!(
        refusal_status(
            ReasonCode::ClientIdentifierNotValid,
            ProtocolVersion::V3_1_1
        ),
        2
    );
}
