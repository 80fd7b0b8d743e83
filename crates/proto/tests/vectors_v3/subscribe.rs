//! SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK in MQTT 3.1.1 (sections 3.8 to 3.11).

use std::num::NonZeroU32;

use midge_proto::property::{AckProperties, SubscribeProperties, UnsubscribeProperties};
use midge_proto::{
    ErrorKind, Packet, PacketType, QoS, ReasonCode, RetainHandling, SubAck, Subscribe,
    SubscriptionOptions, UnsubAck, Unsubscribe,
};

use crate::common::{
    V31, V311, assert_encodes, assert_kind, assert_vector, decode_err, decode_one, filter, pid,
};

// ---------------------------------------------------------------------------
// SUBSCRIBE (3.1.1 section 3.8)
// ---------------------------------------------------------------------------

#[test]
fn v311_subscribe_spec_example() {
    // Figures 3.20, 3.21 (Packet Identifier 10) and 3.23 ("a/b" QoS 1, "c/d" QoS 2).
    let bytes = [
        0x82, 0x0E, // SUBSCRIBE, flags 0010, Remaining Length 14
        0x00, 0x0A, // Packet Identifier 10
        0x00, 0x03, b'a', b'/', b'b', 0x01, // "a/b", Requested QoS 1
        0x00, 0x03, b'c', b'/', b'd', 0x02, // "c/d", Requested QoS 2
    ];
    let packet = Packet::from(Subscribe::new(
        pid(10),
        vec![
            (filter("a/b"), SubscriptionOptions::new(QoS::AtLeastOnce)),
            (filter("c/d"), SubscriptionOptions::new(QoS::ExactlyOnce)),
        ],
    ));
    assert_vector(V311, &bytes, &packet);
    assert_vector(V31, &bytes, &packet);
}

#[test]
fn v311_subscribe_wildcard_filters() {
    // 4.7.1: "#" alone as the last level, "+" as a whole level. [MQTT-4.7.1-2]
    // [MQTT-4.7.1-3]
    let bytes = [
        0x82, 0x11, // Remaining Length 17 = 2 + 6 + 9
        0x00, 0x01, // Packet Identifier 1
        0x00, 0x03, b'a', b'/', b'#', 0x00, // "a/#" QoS 0
        0x00, 0x06, b'+', b'/', b'+', b'/', b'x', b'#', 0x01, // filter 6 bytes
    ];
    // "+/+/x#": '#' does not stand alone in its level.
    assert_kind(
        decode_err(&bytes, Some(V311)),
        ErrorKind::MultiLevelWildcardPosition,
        Some("MQTT-4.7.1-2"),
    );
    let ok = [
        0x82, 0x10, // Remaining Length 16 = 2 + 6 + 8
        0x00, 0x01, // Packet Identifier 1
        0x00, 0x03, b'a', b'/', b'#', 0x00, // "a/#" QoS 0
        0x00, 0x05, b'+', b'/', b'+', b'/', b'x', 0x01, // "+/+/x" QoS 1
    ];
    let packet = Packet::from(Subscribe::new(
        pid(1),
        vec![
            (filter("a/#"), SubscriptionOptions::new(QoS::AtMostOnce)),
            (filter("+/+/x"), SubscriptionOptions::new(QoS::AtLeastOnce)),
        ],
    ));
    assert_vector(V311, &ok, &packet);
    // "a+" does not occupy a whole level.
    assert_kind(
        decode_err(
            &[0x82, 0x07, 0x00, 0x01, 0x00, 0x02, b'a', b'+', 0x00],
            Some(V311),
        ),
        ErrorKind::SingleLevelWildcardPosition,
        Some("MQTT-4.7.1-3"),
    );
}

#[test]
fn v311_subscribe_drops_v5_options_and_properties() {
    // 3.8.3: in 3.1.1 the byte after each filter is the Requested QoS; bits 7-2
    // are reserved. No Local, Retain As Published, Retain Handling and the
    // SUBSCRIBE properties are not encoded.
    let bytes = [0x82, 0x08, 0x01, 0x00, 0x00, 0x03, b'$', b'/', b'x', 0x02];
    let opts = SubscriptionOptions {
        qos: QoS::ExactlyOnce,
        no_local: true,
        retain_as_published: true,
        retain_handling: RetainHandling::DoNotSend,
    };
    let mut sub = Subscribe::new(pid(0x0100), vec![(filter("$/x"), opts)]);
    sub.properties = SubscribeProperties {
        subscription_identifier: NonZeroU32::new(42),
        user_properties: vec![("k".into(), "v".into())],
    };
    assert_encodes(&Packet::from(sub), V311, &bytes);
    let plain = Subscribe::new(
        pid(0x0100),
        vec![(filter("$/x"), SubscriptionOptions::new(QoS::ExactlyOnce))],
    );
    assert_eq!(decode_one(&bytes, Some(V311)), Packet::from(plain));
}

#[test]
fn v311_subscribe_shared_syntax_is_a_plain_filter() {
    // 3.1.1 has no shared subscriptions: "$share/g" is an ordinary filter, even
    // though 5.0 would reject it as an incomplete shared subscription.
    let bytes = [
        0x82, 0x0D, 0x00, 0x05, 0x00, 0x08, b'$', b's', b'h', b'a', b'r', b'e', b'/', b'g', 0x00,
    ];
    let packet = Packet::from(Subscribe::new(
        pid(5),
        vec![(filter("$share/g"), SubscriptionOptions::default())],
    ));
    assert_vector(V311, &bytes, &packet);
}

#[test]
fn v311_subscribe_malformed() {
    // [MQTT-3.8.3-4] reserved bits of the Requested QoS byte.
    for byte in [0x04, 0x08, 0x10, 0x80] {
        assert_kind(
            decode_err(
                &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', byte],
                Some(V311),
            ),
            ErrorKind::SubscriptionOptionsReserved,
            Some("MQTT-3.8.3-4"),
        );
    }
    // [MQTT-3.8.3-4] QoS 3.
    assert_kind(
        decode_err(
            &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x03],
            Some(V311),
        ),
        ErrorKind::InvalidSubscriptionQos,
        Some("MQTT-3.8.3-4"),
    );
    // [MQTT-3.8.3-3] at least one Topic Filter / QoS pair.
    assert_kind(
        decode_err(&[0x82, 0x02, 0x00, 0x01], Some(V311)),
        ErrorKind::EmptySubscribe,
        Some("MQTT-3.8.3-3"),
    );
    // A filter without its QoS byte.
    assert_eq!(
        decode_err(&[0x82, 0x05, 0x00, 0x01, 0x00, 0x01, b'a'], Some(V311)).kind(),
        ErrorKind::Truncated
    );
    // [MQTT-2.3.1-1] non-zero Packet Identifier.
    assert_kind(
        decode_err(
            &[0x82, 0x06, 0x00, 0x00, 0x00, 0x01, b'a', 0x00],
            Some(V311),
        ),
        ErrorKind::ZeroPacketId,
        Some("MQTT-2.3.1-1"),
    );
    // [MQTT-3.8.1-1] fixed header flags must be 0010.
    for first in [0x80, 0x83, 0x8A] {
        assert_kind(
            decode_err(
                &[first, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x00],
                Some(V311),
            ),
            ErrorKind::InvalidFixedHeaderFlags(PacketType::Subscribe, first & 0x0F),
            Some("MQTT-3.8.1-1"),
        );
    }
}

// ---------------------------------------------------------------------------
// SUBACK (3.1.1 section 3.9)
// ---------------------------------------------------------------------------

#[test]
fn v311_suback_return_codes_0_1_2_and_0x80() {
    // Figure 3.26: 0x00, 0x01, 0x02 granted QoS, 0x80 failure. [MQTT-3.9.3-1]
    let bytes = [
        0x90, 0x06, // SUBACK, Remaining Length 6
        0x00, 0x0A, // Packet Identifier 10
        0x00, 0x01, 0x02, 0x80, // return codes
    ];
    let packet = Packet::from(SubAck::new(
        pid(10),
        vec![
            ReasonCode::GRANTED_QOS_0,
            ReasonCode::GrantedQoS1,
            ReasonCode::GrantedQoS2,
            ReasonCode::UnspecifiedError,
        ],
    ));
    assert_vector(V311, &bytes, &packet);
    assert_vector(V31, &bytes, &packet);
    for (code, reason) in [
        (0x00, ReasonCode::Success),
        (0x01, ReasonCode::GrantedQoS1),
        (0x02, ReasonCode::GrantedQoS2),
        (0x80, ReasonCode::UnspecifiedError),
    ] {
        assert_eq!(ReasonCode::from_v3_suback(code), Some(reason));
        assert_eq!(reason.to_v3_suback(), code);
    }
}

#[test]
fn v311_suback_spec_example() {
    // Figure 3.27: Success QoS 0, Success QoS 2, Failure.
    let bytes = [0x90, 0x05, 0x12, 0x34, 0x00, 0x02, 0x80];
    let packet = Packet::from(SubAck::new(
        pid(0x1234),
        vec![
            ReasonCode::granted(QoS::AtMostOnce),
            ReasonCode::granted(QoS::ExactlyOnce),
            ReasonCode::UnspecifiedError,
        ],
    ));
    assert_vector(V311, &bytes, &packet);
}

#[test]
fn v311_suback_v5_failure_codes_become_0x80() {
    let failures = [
        ReasonCode::NotAuthorized,
        ReasonCode::TopicFilterInvalid,
        ReasonCode::QuotaExceeded,
        ReasonCode::ImplementationSpecificError,
        ReasonCode::PacketIdentifierInUse,
        ReasonCode::SharedSubscriptionsNotSupported,
        ReasonCode::SubscriptionIdentifiersNotSupported,
        ReasonCode::WildcardSubscriptionsNotSupported,
    ];
    let mut ack = SubAck::new(pid(1), failures.to_vec());
    ack.properties = AckProperties {
        reason_string: Some("nope".into()),
        user_properties: Vec::new(),
    };
    let bytes = [
        0x90, 0x0A, 0x00, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    ];
    assert_encodes(&Packet::from(ack), V311, &bytes);
    assert_eq!(
        decode_one(&bytes, Some(V311)),
        Packet::from(SubAck::new(pid(1), vec![ReasonCode::UnspecifiedError; 8]))
    );
}

#[test]
fn v311_suback_reserved_return_codes_are_rejected() {
    // [MQTT-3.9.3-2] codes other than 0x00, 0x01, 0x02, 0x80 are reserved,
    // including 5.0-only failure codes.
    for code in [0x03, 0x7F, 0x81, 0x87, 0x8F, 0xFF] {
        assert_kind(
            decode_err(&[0x90, 0x03, 0x00, 0x01, code], Some(V311)),
            ErrorKind::InvalidReasonCode(PacketType::SubAck, code),
            Some("MQTT-3.9.3-2"),
        );
    }
    // [MQTT-3.8.4-5] one return code per filter: a SUBACK without any is malformed.
    assert_eq!(
        decode_err(&[0x90, 0x02, 0x00, 0x01], Some(V311)).kind(),
        ErrorKind::EmptyAck
    );
}

// ---------------------------------------------------------------------------
// UNSUBSCRIBE and UNSUBACK (3.1.1 sections 3.10 and 3.11)
// ---------------------------------------------------------------------------

#[test]
fn v311_unsubscribe_spec_example() {
    // Figures 3.28, 3.29 and 3.30: Packet Identifier 10, filters "a/b" and "c/d".
    // [MQTT-3.10.3-1] filters packed contiguously.
    let bytes = [
        0xA2, 0x0C, // UNSUBSCRIBE, flags 0010, Remaining Length 12
        0x00, 0x0A, // Packet Identifier 10
        0x00, 0x03, b'a', b'/', b'b', // "a/b"
        0x00, 0x03, b'c', b'/', b'd', // "c/d"
    ];
    let packet = Packet::from(Unsubscribe::new(
        pid(10),
        vec![filter("a/b"), filter("c/d")],
    ));
    assert_vector(V311, &bytes, &packet);
    assert_vector(V31, &bytes, &packet);

    // UNSUBSCRIBE properties do not exist in 3.1.1.
    let mut with_props = Unsubscribe::new(pid(10), vec![filter("a/b"), filter("c/d")]);
    with_props.properties = UnsubscribeProperties {
        user_properties: vec![("k".into(), "v".into())],
    };
    assert_encodes(&Packet::from(with_props), V311, &bytes);
}

#[test]
fn v311_unsubscribe_malformed() {
    // [MQTT-3.10.3-2] at least one Topic Filter.
    assert_kind(
        decode_err(&[0xA2, 0x02, 0x00, 0x0A], Some(V311)),
        ErrorKind::EmptyUnsubscribe,
        Some("MQTT-3.10.3-2"),
    );
    // [MQTT-3.10.1-1] fixed header flags must be 0010.
    for first in [0xA0, 0xA3, 0xAA] {
        assert_kind(
            decode_err(&[first, 0x05, 0x00, 0x0A, 0x00, 0x01, b'a'], Some(V311)),
            ErrorKind::InvalidFixedHeaderFlags(PacketType::Unsubscribe, first & 0x0F),
            Some("MQTT-3.10.1-1"),
        );
    }
    // [MQTT-2.3.1-1] non-zero Packet Identifier.
    assert_kind(
        decode_err(&[0xA2, 0x05, 0x00, 0x00, 0x00, 0x01, b'a'], Some(V311)),
        ErrorKind::ZeroPacketId,
        Some("MQTT-2.3.1-1"),
    );
}

#[test]
fn v311_unsuback_has_no_payload() {
    // Figures 3.31 and 3.32: Remaining Length 2, Packet Identifier only.
    // [MQTT-3.10.4-4]
    let bytes = [0xB0, 0x02, 0x00, 0x0A];
    let packet = Packet::from(UnsubAck::new(pid(10), Vec::new()));
    assert_vector(V311, &bytes, &packet);
    assert_vector(V31, &bytes, &packet);

    // 5.0 reason codes and properties are not encoded in 3.1.1.
    let mut v5_ack = UnsubAck::new(
        pid(10),
        vec![ReasonCode::Success, ReasonCode::NoSubscriptionExisted],
    );
    v5_ack.properties.reason_string = Some("gone".into());
    assert_encodes(&Packet::from(v5_ack), V311, &bytes);

    // Anything after the Packet Identifier is not part of a 3.1.1 UNSUBACK.
    assert_eq!(
        decode_err(&[0xB0, 0x03, 0x00, 0x0A, 0x00], Some(V311)).kind(),
        ErrorKind::TrailingBytes
    );
}
