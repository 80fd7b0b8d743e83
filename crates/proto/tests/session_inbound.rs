//! The receiver's side of QoS delivery, `session::Inbound`: QoS 2 duplicate
//! detection until PUBREL, the Receive Maximum we announced, and the error kinds
//! a server raises for packets a client must not send.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::num::NonZeroU16;

use midge_proto::session::{Inbound, InboundPublish};
use midge_proto::{ErrorKind, PacketId, PacketType, ProtocolVersion, QoS, ReasonCode};

fn rm(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).unwrap()
}

fn pid(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

#[test]
fn new_inbound_is_empty() {
    let inbound = Inbound::new(rm(10));
    assert_eq!(inbound.awaiting_pubrel(), 0);
    assert_eq!(inbound.receive_maximum(), rm(10));
    assert!(!inbound.contains(pid(1)));
}

#[test]
fn qos0_is_always_delivered() {
    let mut inbound = Inbound::new(rm(1));
    for _ in 0..3 {
        assert_eq!(
            inbound.on_publish(QoS::AtMostOnce, pid(1)),
            Ok(InboundPublish::Deliver)
        );
    }
    assert_eq!(inbound.awaiting_pubrel(), 0);
}

#[test]
fn qos1_same_id_is_a_new_publication_mqtt_4_3_2_5() {
    let mut inbound = Inbound::new(rm(1));
    for _ in 0..3 {
        assert_eq!(
            inbound.on_publish(QoS::AtLeastOnce, pid(7)),
            Ok(InboundPublish::Deliver)
        );
    }
    // QoS 1 is acknowledged at once: nothing is kept.
    assert_eq!(inbound.awaiting_pubrel(), 0);
    assert!(!inbound.contains(pid(7)));
    assert_eq!(
        inbound.on_publish(QoS::ExactlyOnce, pid(8)),
        Ok(InboundPublish::Deliver)
    );
    // With the one slot held by a QoS 2 exchange, a QoS 1 PUBLISH is one
    // unacknowledged PUBLISH too many.
    assert_eq!(
        inbound.on_publish(QoS::AtLeastOnce, pid(9)),
        Err(ErrorKind::ReceiveMaximumExceeded)
    );
}

#[test]
fn qos2_is_delivered_once_until_pubrel_mqtt_4_3_3_10() {
    let mut inbound = Inbound::new(rm(10));
    assert_eq!(
        inbound.on_publish(QoS::ExactlyOnce, pid(5)),
        Ok(InboundPublish::Deliver)
    );
    assert!(inbound.contains(pid(5)));
    assert_eq!(inbound.awaiting_pubrel(), 1);
    // The re-sent PUBLISH (DUP=1) is answered with PUBREC again, not delivered.
    for _ in 0..3 {
        assert_eq!(
            inbound.on_publish(QoS::ExactlyOnce, pid(5)),
            Ok(InboundPublish::Duplicate)
        );
    }
    assert_eq!(inbound.awaiting_pubrel(), 1);
}

#[test]
fn pubrel_completes_and_frees_the_id_mqtt_4_3_3_11_mqtt_4_3_3_12() {
    let mut inbound = Inbound::new(rm(10));
    inbound.on_publish(QoS::ExactlyOnce, pid(5)).unwrap();
    assert!(inbound.on_pubrel(pid(5)), "PUBCOMP Success");
    assert!(!inbound.contains(pid(5)));
    assert_eq!(inbound.awaiting_pubrel(), 0);
    // After PUBCOMP the same identifier is a new Application Message.
    assert_eq!(
        inbound.on_publish(QoS::ExactlyOnce, pid(5)),
        Ok(InboundPublish::Deliver)
    );
}

#[test]
fn pubrel_for_unknown_id_is_false_for_pubcomp_0x92() {
    let mut inbound = Inbound::new(rm(10));
    assert!(!inbound.on_pubrel(pid(3)));
    inbound.on_publish(QoS::ExactlyOnce, pid(4)).unwrap();
    assert!(!inbound.on_pubrel(pid(3)));
    assert!(inbound.on_pubrel(pid(4)));
    // A duplicate PUBREL after PUBCOMP: unknown now.
    assert!(!inbound.on_pubrel(pid(4)));
    assert_eq!(
        ErrorKind::UnknownPacketId(4).reason_code(),
        ReasonCode::PacketIdentifierNotFound
    );
    assert!(ReasonCode::PacketIdentifierNotFound.is_valid_for(PacketType::PubComp));
}

#[test]
fn pubrec_error_forgets_the_id_mqtt_4_3_3_9() {
    let mut inbound = Inbound::new(rm(10));
    inbound.on_publish(QoS::ExactlyOnce, pid(6)).unwrap();
    // The caller refused it with PUBREC 0x87: the next PUBLISH with 6 is new.
    assert!(inbound.forget(pid(6)));
    assert_eq!(
        inbound.on_publish(QoS::ExactlyOnce, pid(6)),
        Ok(InboundPublish::Deliver)
    );
    assert!(!inbound.forget(pid(99)));
}

#[test]
fn receive_maximum_exceeded_mqtt_3_3_4_7() {
    let mut inbound = Inbound::new(rm(2));
    inbound.on_publish(QoS::ExactlyOnce, pid(1)).unwrap();
    inbound.on_publish(QoS::ExactlyOnce, pid(2)).unwrap();
    assert_eq!(
        inbound.on_publish(QoS::ExactlyOnce, pid(3)),
        Err(ErrorKind::ReceiveMaximumExceeded)
    );
    // State unchanged; duplicates of the held ones are still recognised.
    assert_eq!(inbound.awaiting_pubrel(), 2);
    assert!(!inbound.contains(pid(3)));
    assert_eq!(
        inbound.on_publish(QoS::ExactlyOnce, pid(2)),
        Ok(InboundPublish::Duplicate)
    );
    // QoS 1 counts too (MQTT-3.3.4-7); QoS 0 does not.
    assert_eq!(
        inbound.on_publish(QoS::AtLeastOnce, pid(3)),
        Err(ErrorKind::ReceiveMaximumExceeded)
    );
    assert_eq!(
        inbound.on_publish(QoS::AtMostOnce, pid(3)),
        Ok(InboundPublish::Deliver)
    );
    // Once one is released there is room again.
    assert!(inbound.on_pubrel(pid(1)));
    assert_eq!(
        inbound.on_publish(QoS::ExactlyOnce, pid(3)),
        Ok(InboundPublish::Deliver)
    );
}

#[test]
fn receive_maximum_exceeded_error_kind() {
    let err = ErrorKind::ReceiveMaximumExceeded;
    assert_eq!(err.reason_code(), ReasonCode::ReceiveMaximumExceeded);
    assert_eq!(err.reason_code().as_u8(), 0x93);
    assert!(err.reason_code().is_valid_for(PacketType::Disconnect));
    assert_eq!(err.rule(ProtocolVersion::V5), Some("MQTT-3.3.4-7"));
    assert_eq!(err.rule(ProtocolVersion::V3_1_1), None);
}

#[test]
fn set_receive_maximum_applies_to_new_exchanges() {
    let mut inbound = Inbound::new(rm(3));
    for id in 1..=3 {
        inbound.on_publish(QoS::ExactlyOnce, pid(id)).unwrap();
    }
    inbound.set_receive_maximum(rm(2));
    assert_eq!(inbound.receive_maximum(), rm(2));
    // Held exchanges survive; a new one is refused until below the maximum.
    assert_eq!(inbound.awaiting_pubrel(), 3);
    assert_eq!(
        inbound.on_publish(QoS::ExactlyOnce, pid(3)),
        Ok(InboundPublish::Duplicate)
    );
    assert_eq!(
        inbound.on_publish(QoS::ExactlyOnce, pid(4)),
        Err(ErrorKind::ReceiveMaximumExceeded)
    );
    inbound.on_pubrel(pid(1));
    assert_eq!(
        inbound.on_publish(QoS::ExactlyOnce, pid(4)),
        Err(ErrorKind::ReceiveMaximumExceeded)
    );
    inbound.on_pubrel(pid(2));
    assert_eq!(
        inbound.on_publish(QoS::ExactlyOnce, pid(4)),
        Ok(InboundPublish::Deliver)
    );
}

#[test]
fn receive_maximum_65535_holds_every_id() {
    let mut inbound = Inbound::new(rm(u16::MAX));
    for id in 1..=u16::MAX {
        assert_eq!(
            inbound.on_publish(QoS::ExactlyOnce, pid(id)),
            Ok(InboundPublish::Deliver)
        );
    }
    assert_eq!(inbound.awaiting_pubrel(), 65535);
    for id in 1..=u16::MAX {
        assert!(inbound.on_pubrel(pid(id)));
    }
    assert_eq!(inbound.awaiting_pubrel(), 0);
}

#[test]
fn clear_forgets_everything() {
    let mut inbound = Inbound::new(rm(10));
    inbound.on_publish(QoS::ExactlyOnce, pid(1)).unwrap();
    inbound.on_publish(QoS::ExactlyOnce, pid(2)).unwrap();
    let copy = inbound.clone();
    inbound.clear();
    assert_eq!(inbound.awaiting_pubrel(), 0);
    assert!(!inbound.on_pubrel(pid(1)));
    assert_eq!(
        inbound.on_publish(QoS::ExactlyOnce, pid(2)),
        Ok(InboundPublish::Deliver)
    );
    assert_eq!(copy.awaiting_pubrel(), 2, "a clone is independent");
}

#[test]
fn second_connect_is_a_protocol_error_mqtt_3_1_0_2() {
    let err = ErrorKind::SecondConnect;
    assert_eq!(err.reason_code(), ReasonCode::ProtocolError);
    for v in [
        ProtocolVersion::V3_1,
        ProtocolVersion::V3_1_1,
        ProtocolVersion::V5,
    ] {
        assert_eq!(err.rule(v), Some("MQTT-3.1.0-2"), "{v}");
    }
    assert_eq!(err.to_string(), "second CONNECT on the same connection");
}

#[test]
fn unexpected_packets_are_protocol_errors() {
    for t in [
        PacketType::ConnAck,
        PacketType::SubAck,
        PacketType::UnsubAck,
        PacketType::PingResp,
        PacketType::Auth,
    ] {
        let err = ErrorKind::UnexpectedPacket(t);
        assert_eq!(err.reason_code(), ReasonCode::ProtocolError);
        assert_eq!(err.rule(ProtocolVersion::V5), None);
        assert_eq!(err.rule(ProtocolVersion::V3_1_1), None);
        assert_eq!(err.to_string(), format!("unexpected {t} packet"));
    }
}

#[test]
fn subscription_id_from_client_mqtt_3_3_4_6() {
    let err = ErrorKind::SubscriptionIdFromClient;
    assert_eq!(err.reason_code(), ReasonCode::ProtocolError);
    assert_eq!(err.rule(ProtocolVersion::V5), Some("MQTT-3.3.4-6"));
    assert_eq!(err.rule(ProtocolVersion::V3_1_1), None);
    assert!(err.to_string().contains("subscription identifier"));
}
