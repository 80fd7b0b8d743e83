//! Keep Alive, `session::KeepAlive` and `session::negotiate_keep_alive`: the
//! deadline of one and a half times the Keep Alive after the last packet, on a
//! virtual clock (a fixed `Instant` plus offsets), and the Server Keep Alive
//! negotiation.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::time::{Duration, Instant};

use midge_proto::session::{KeepAlive, negotiate_keep_alive};
use midge_proto::{ErrorKind, PacketType, ProtocolVersion, ReasonCode};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn zero_disables_keep_alive() {
    let t0 = Instant::now();
    let ka = KeepAlive::new(0, t0);
    assert_eq!(ka.interval_secs(), 0);
    assert_eq!(ka.deadline(), None);
    assert!(!ka.is_expired(t0));
    assert!(!ka.is_expired(t0 + Duration::from_secs(10 * 365 * 24 * 3600)));
}

#[test]
fn one_second_is_exactly_1500_ms_mqtt_3_1_2_22() {
    let t0 = Instant::now();
    let ka = KeepAlive::new(1, t0);
    assert_eq!(ka.interval_secs(), 1);
    assert_eq!(ka.deadline(), Some(t0 + ms(1500)));
    assert!(!ka.is_expired(t0));
    assert!(!ka.is_expired(t0 + ms(1499)));
    // Exactly at the deadline: not yet expired.
    assert!(!ka.is_expired(t0 + ms(1500)));
    // Strictly after: expired.
    assert!(ka.is_expired(t0 + ms(1501)));
    assert!(ka.is_expired(t0 + ms(1500) + Duration::from_nanos(1)));
}

#[test]
fn sixty_seconds_is_90_s_mqtt_3_1_2_24_v3_1_1() {
    let t0 = Instant::now();
    let ka = KeepAlive::new(60, t0);
    assert_eq!(ka.deadline(), Some(t0 + ms(90_000)));
    assert!(!ka.is_expired(t0 + ms(60_000)));
    assert!(!ka.is_expired(t0 + ms(90_000)));
    assert!(ka.is_expired(t0 + ms(90_001)));
}

#[test]
fn maximum_65535_seconds() {
    let t0 = Instant::now();
    let ka = KeepAlive::new(u16::MAX, t0);
    assert_eq!(ka.interval_secs(), 65535);
    // 65535 * 1.5 s = 98302.5 s.
    assert_eq!(ka.deadline(), Some(t0 + ms(98_302_500)));
    assert!(!ka.is_expired(t0 + ms(98_302_500)));
    assert!(ka.is_expired(t0 + ms(98_302_501)));
}

#[test]
fn any_packet_resets_the_deadline() {
    let t0 = Instant::now();
    let mut ka = KeepAlive::new(10, t0);
    assert_eq!(ka.deadline(), Some(t0 + ms(15_000)));
    ka.on_packet(t0 + ms(14_000));
    assert_eq!(ka.deadline(), Some(t0 + ms(29_000)));
    assert!(
        !ka.is_expired(t0 + ms(15_001)),
        "old deadline no longer applies"
    );
    assert!(!ka.is_expired(t0 + ms(29_000)));
    assert!(ka.is_expired(t0 + ms(29_001)));
    // Repeated packets keep pushing it out.
    for i in 1..=10 {
        ka.on_packet(t0 + ms(14_000 + i * 10_000));
    }
    assert_eq!(ka.deadline(), Some(t0 + ms(129_000)));
    assert!(!ka.is_expired(t0 + ms(129_000)));
}

#[test]
fn reset_with_zero_keep_alive_stays_disabled() {
    let t0 = Instant::now();
    let mut ka = KeepAlive::new(0, t0);
    ka.on_packet(t0 + ms(5));
    assert_eq!(ka.deadline(), None);
    assert!(!ka.is_expired(t0 + ms(1_000_000)));
}

#[test]
fn keep_alive_is_copy_and_comparable() {
    let t0 = Instant::now();
    let a = KeepAlive::new(30, t0);
    let mut b = a;
    assert_eq!(a, b);
    b.on_packet(t0 + ms(1));
    assert_ne!(a, b);
    assert_eq!(a.deadline(), Some(t0 + ms(45_000)));
}

#[test]
fn keep_alive_timeout_error_kind() {
    let err = ErrorKind::KeepAliveTimeout;
    assert_eq!(err.reason_code(), ReasonCode::KeepAliveTimeout);
    assert_eq!(err.reason_code().as_u8(), 0x8D);
    assert!(err.reason_code().is_valid_for(PacketType::Disconnect));
    assert_eq!(err.rule(ProtocolVersion::V5), Some("MQTT-3.1.2-22"));
    assert_eq!(err.rule(ProtocolVersion::V3_1_1), Some("MQTT-3.1.2-24"));
    assert_eq!(err.rule(ProtocolVersion::V3_1), Some("MQTT-3.1.2-24"));
}

#[test]
fn negotiate_without_server_maximum_keeps_client_value_mqtt_3_2_2_22() {
    assert_eq!(negotiate_keep_alive(0, 0), (0, false));
    assert_eq!(negotiate_keep_alive(1, 0), (1, false));
    assert_eq!(negotiate_keep_alive(60, 0), (60, false));
    assert_eq!(negotiate_keep_alive(u16::MAX, 0), (u16::MAX, false));
}

#[test]
fn negotiate_within_server_maximum_keeps_client_value_mqtt_3_2_2_22() {
    assert_eq!(negotiate_keep_alive(60, 60), (60, false));
    assert_eq!(negotiate_keep_alive(30, 60), (30, false));
    assert_eq!(negotiate_keep_alive(1, u16::MAX), (1, false));
}

#[test]
fn negotiate_above_server_maximum_announces_server_keep_alive_mqtt_3_2_2_21() {
    assert_eq!(negotiate_keep_alive(61, 60), (60, true));
    assert_eq!(negotiate_keep_alive(u16::MAX, 1), (1, true));
}

#[test]
fn negotiate_client_zero_gets_server_maximum_mqtt_3_2_2_21() {
    assert_eq!(negotiate_keep_alive(0, 60), (60, true));
    assert_eq!(negotiate_keep_alive(0, 1), (1, true));
}
