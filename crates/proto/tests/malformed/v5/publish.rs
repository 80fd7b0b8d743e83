//! 3.3 PUBLISH and 3.4 to 3.7 PUBACK, PUBREC, PUBREL, PUBCOMP.

use midge_proto::{ErrorKind, Packet, PacketType};

use crate::common::*;

// ---- 3.3 PUBLISH ----

#[test]
fn mqtt_3_3_1_4_publish_qos_3_is_malformed() {
    for first in [0x36, 0x37, 0x3E, 0x3F] {
        let err = decode_err(&frame(first, &cat(&[&s(b"t"), &[0, 1], &[0]])), V5);
        check(
            err,
            ErrorKind::InvalidPublishQos,
            MALFORMED,
            Some("MQTT-3.3.1-4"),
        );
        assert!(err.to_string().contains("[MQTT-3.3.1-4]"));
    }
}

#[test]
fn mqtt_3_3_1_2_dup_with_qos_0() {
    for first in [0x38, 0x39] {
        expect(
            &frame(first, &cat(&[&s(b"t"), &[0]])),
            V5,
            ErrorKind::DupWithQos0,
            PROTOCOL_ERROR,
            Some("MQTT-3.3.1-2"),
        );
    }
}

#[test]
fn mqtt_3_3_2_2_wildcard_in_topic_name() {
    for topic in [&b"a/+"[..], b"a/#", b"#", b"+", b"a+b", b"sport/tennis#"] {
        expect(
            &publish_v5(topic, &[]),
            V5,
            ErrorKind::TopicNameWildcard,
            TOPIC_NAME_INVALID,
            Some("MQTT-3.3.2-2"),
        );
    }
}

#[test]
fn mqtt_4_7_3_1_empty_topic_without_topic_alias() {
    expect(
        &publish_v5(b"", &p_u32(0x02, 5)),
        V5,
        ErrorKind::EmptyTopic,
        PROTOCOL_ERROR,
        Some("MQTT-4.7.3-1"),
    );
    // With a Topic Alias an empty Topic Name is how the alias is used.
    let Packet::Publish(p) = decode_ok(&publish_v5(b"", &p_u16(0x23, 3)), V5) else {
        panic!("not a PUBLISH");
    };
    assert!(p.topic.is_empty());
    assert_eq!(p.properties.topic_alias.map(|a| a.get()), Some(3));
}

/// [MQTT-3.3.2-8]: "A sender MUST NOT send a PUBLISH packet containing a
/// Topic Alias which has the value 0"; the receiver answers 0x94.
#[test]
fn mqtt_3_3_2_8_topic_alias_zero() {
    for topic in [&b"t"[..], b""] {
        expect(
            &publish_v5(topic, &p_u16(0x23, 0)),
            V5,
            ErrorKind::ZeroTopicAlias,
            TOPIC_ALIAS_INVALID,
            Some("MQTT-3.3.2-8"),
        );
    }
}

#[test]
fn mqtt_3_3_2_14_response_topic_with_wildcard() {
    for topic in [&b"r/+"[..], b"r/#", b"#"] {
        expect(
            &publish_v5(b"t", &p_str(0x08, topic)),
            V5,
            ErrorKind::InvalidResponseTopic,
            PROTOCOL_ERROR,
            Some("MQTT-3.3.2-14"),
        );
    }
}

#[test]
fn publish_without_property_length_is_malformed() {
    expect(
        &frame(0x30, &s(b"t")),
        V5,
        ErrorKind::Truncated,
        MALFORMED,
        None,
    );
    expect(
        &frame(0x32, &cat(&[&s(b"t"), &[0, 1]])),
        V5,
        ErrorKind::Truncated,
        MALFORMED,
        None,
    );
}

// ---- 3.4 to 3.7 PUBACK, PUBREC, PUBREL, PUBCOMP ----

#[track_caller]
fn bad_reason(first: u8, t: PacketType, codes: &[u8], rule: &str) {
    for &code in codes {
        for body in [vec![0, 1, code], vec![0, 1, code, 0]] {
            expect(
                &frame(first, &body),
                V5,
                ErrorKind::InvalidReasonCode(t, code),
                MALFORMED,
                Some(rule),
            );
        }
    }
}

#[test]
fn mqtt_3_4_2_1_puback_reason_code_not_allowed() {
    bad_reason(
        0x40,
        PacketType::PubAck,
        &[0x01, 0x04, 0x11, 0x8B, 0x81, 0x92, 0x05, 0x7F, 0xFF],
        "MQTT-3.4.2-1",
    );
}

#[test]
fn mqtt_3_5_2_1_pubrec_reason_code_not_allowed() {
    bad_reason(
        0x50,
        PacketType::PubRec,
        &[0x02, 0x8B, 0x92, 0x94, 0x20],
        "MQTT-3.5.2-1",
    );
}

#[test]
fn mqtt_3_6_2_1_pubrel_reason_code_not_allowed() {
    bad_reason(
        0x62,
        PacketType::PubRel,
        &[0x10, 0x80, 0x87, 0x91, 0x01],
        "MQTT-3.6.2-1",
    );
}

#[test]
fn mqtt_3_7_2_1_pubcomp_reason_code_not_allowed() {
    bad_reason(
        0x70,
        PacketType::PubComp,
        &[0x10, 0x80, 0x87, 0x91, 0x04],
        "MQTT-3.7.2-1",
    );
}

#[test]
fn puback_truncated_packet_id_is_malformed() {
    for body in [&[][..], &[0]] {
        expect(
            &frame(0x40, body),
            V5,
            ErrorKind::Truncated,
            MALFORMED,
            None,
        );
    }
}
