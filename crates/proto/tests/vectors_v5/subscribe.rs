//! SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK (sections 3.8 to 3.11).

use midge_proto::property::{AckProperties, SubscribeProperties, UnsubscribeProperties};
use midge_proto::{
    ErrorKind, Packet, PacketType, PropertyId, QoS, ReasonCode, RetainHandling, SubAck, Subscribe,
    SubscriptionOptions, UnsubAck, Unsubscribe,
};

use crate::common::{assert_vector, decode_err, filter, nz32, pair, pid, s};

// -------------------------------------------------------------- SUBSCRIBE ----

/// Section 3.8.3.1, Figure 3-21: "a/b" at QoS 1 and "c/d" at QoS 2.
#[test]
fn v5_subscribe_spec_figure_3_21() {
    // [MQTT-3.8.1-1] fixed header flags 0010.
    let bytes = bytes![
        [0x82, 15]
        [0x00, 0x01] // Packet Identifier
        [0x00]       // no properties
        [0x00, 0x03] b"a/b"
        [0x01]
        [0x00, 0x03] b"c/d"
        [0x02]
    ];
    let subscribe = Subscribe::new(
        pid(1),
        vec![
            (filter("a/b"), SubscriptionOptions::new(QoS::AtLeastOnce)),
            (filter("c/d"), SubscriptionOptions::new(QoS::ExactlyOnce)),
        ],
    );
    assert_vector(&bytes, &Packet::from(subscribe));
}

/// Subscription Options byte (Figure 3-20): QoS bits 0-1, No Local bit 2, Retain
/// As Published bit 3, Retain Handling bits 4-5 (values 0, 1 and 2).
#[test]
fn v5_subscribe_options_byte_every_field() {
    let bytes = bytes![
        [0x82, 23]
        [0x01, 0x02]
        [0x00]
        [0x00, 0x01] b"a"
        [0b0000_0000] // QoS 0, RH 0
        [0x00, 0x01] b"b"
        [0b0000_0101] // QoS 1, No Local
        [0x00, 0x01] b"c"
        [0b0000_1010] // QoS 2, Retain As Published
        [0x00, 0x01] b"d"
        [0b0001_0000] // Retain Handling 1
        [0x00, 0x01] b"e"
        [0b0010_1101] // Retain Handling 2, RAP, NL, QoS 1
    ];
    let opts = |qos, no_local, retain_as_published, retain_handling| SubscriptionOptions {
        qos,
        no_local,
        retain_as_published,
        retain_handling,
    };
    let subscribe = Subscribe::new(
        pid(0x0102),
        vec![
            (
                filter("a"),
                opts(
                    QoS::AtMostOnce,
                    false,
                    false,
                    RetainHandling::SendAtSubscribe,
                ),
            ),
            (
                filter("b"),
                opts(
                    QoS::AtLeastOnce,
                    true,
                    false,
                    RetainHandling::SendAtSubscribe,
                ),
            ),
            (
                filter("c"),
                opts(
                    QoS::ExactlyOnce,
                    false,
                    true,
                    RetainHandling::SendAtSubscribe,
                ),
            ),
            (
                filter("d"),
                opts(QoS::AtMostOnce, false, false, RetainHandling::SendIfNew),
            ),
            (
                filter("e"),
                opts(QoS::AtLeastOnce, true, true, RetainHandling::DoNotSend),
            ),
        ],
    );
    assert_vector(&bytes, &Packet::from(subscribe));
}

/// SUBSCRIBE properties: a two-byte Subscription Identifier (200 = 0xC8 0x01)
/// and a User Property.
#[test]
fn v5_subscribe_with_subscription_identifier_and_user_property() {
    let bytes = bytes![
        [0x82, 22]
        [0x00, 0x0A]
        [13]
        [0x0B, 0xC8, 0x01] // Subscription Identifier 200
        [0x26, 0x00, 0x03] b"reg" [0x00, 0x02] b"eu"
        [0x00, 0x03] b"x/#"
        [0x01]
    ];
    let subscribe = Subscribe {
        packet_id: pid(10),
        filters: vec![(filter("x/#"), SubscriptionOptions::new(QoS::AtLeastOnce))],
        properties: SubscribeProperties {
            subscription_identifier: Some(nz32(200)),
            user_properties: vec![pair("reg", "eu")],
        },
    };
    assert_vector(&bytes, &Packet::from(subscribe));
}

/// A Shared Subscription `$share/{ShareName}/{filter}` (section 4.8.2).
#[test]
fn v5_subscribe_shared_subscription() {
    // [MQTT-4.8.2-1] [MQTT-4.8.2-2]
    let bytes = bytes![
        [0x82, 28]
        [0x00, 0x02]
        [0x00]
        [0x00, 22] b"$share/group/sensors/+"
        [0b0010_0001] // Retain Handling 2, QoS 1
    ];
    let opts = SubscriptionOptions {
        qos: QoS::AtLeastOnce,
        retain_handling: RetainHandling::DoNotSend,
        ..SubscriptionOptions::default()
    };
    let subscribe = Subscribe::new(pid(2), vec![(filter("$share/group/sensors/+"), opts)]);
    assert_vector(&bytes, &Packet::from(subscribe.clone()));
    let shared = subscribe.filters[0]
        .0
        .shared()
        .expect("a shared subscription");
    assert_eq!(shared.group, "group");
    assert_eq!(shared.filter, "sensors/+");
}

#[test]
fn v5_subscribe_no_local_on_shared_subscription_is_protocol_error() {
    // [MQTT-3.8.3-4]
    let err = decode_err(&bytes![
        [0x82, 20]
        [0x00, 0x02]
        [0x00]
        [0x00, 14] b"$share/g/a/b/c"
        [0b0000_0101]
    ]);
    assert_eq!(err.kind(), ErrorKind::NoLocalOnSharedSubscription);
    assert_eq!(err.reason_code(), ReasonCode::ProtocolError);
}

#[test]
fn v5_subscribe_invalid_shared_subscription_filters() {
    // [MQTT-4.8.2-1] a ShareName at least one character long; [MQTT-4.8.2-2] no
    // wildcard in the ShareName, and a "/" plus a Topic Filter after it.
    let cases: [(&[u8], &str); 3] = [
        (b"$share//a", "MQTT-4.8.2-1"),
        (b"$share/g", "MQTT-4.8.2-2"),
        (b"$share/+/a", "MQTT-4.8.2-2"),
    ];
    for (f, rule) in cases {
        let len = u8::try_from(f.len()).unwrap();
        let err = decode_err(&bytes![
            [0x82, 6 + len]
            [0x00, 0x01]
            [0x00]
            [0x00, len] f
            [0x00]
        ]);
        assert_eq!(err.rule(), Some(rule), "{f:?}: {err:?}");
    }
}

#[test]
fn v5_subscribe_options_reserved_values_rejected() {
    let with_options = |o: u8| bytes![[0x82, 7] [0x00, 0x01] [0x00] [0x00, 0x01] b"a" [o]];
    // [MQTT-3.8.3-5] reserved bits 6-7.
    let err = decode_err(&with_options(0b0100_0001));
    assert_eq!(err.kind(), ErrorKind::SubscriptionOptionsReserved);
    assert_eq!(err.reason_code(), ReasonCode::MalformedPacket);
    // Retain Handling 3 and Maximum QoS 3 are Protocol Errors (section 3.8.3.1).
    assert_eq!(
        decode_err(&with_options(0b0011_0000)).kind(),
        ErrorKind::InvalidRetainHandling
    );
    assert_eq!(
        decode_err(&with_options(0b0000_0011)).kind(),
        ErrorKind::InvalidSubscriptionQos
    );
}

#[test]
fn v5_subscribe_structural_errors() {
    // [MQTT-3.8.3-2] no Topic Filter.
    let err = decode_err(&[0x82, 0x03, 0x00, 0x01, 0x00]);
    assert_eq!(err.kind(), ErrorKind::EmptySubscribe);
    // [MQTT-3.8.1-1] flags must be 0010.
    let err = decode_err(&bytes![
        [0x80, 7]
        [0x00, 0x01]
        [0x00]
        [0x00, 0x01] b"a"
        [0x00]
    ]);
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::Subscribe, 0)
    );
    // Section 3.8.2.1.2: Subscription Identifier more than once.
    let err = decode_err(&bytes![
        [0x82, 11]
        [0x00, 0x01]
        [0x04, 0x0B, 0x01, 0x0B, 0x02]
        [0x00, 0x01] b"a"
        [0x00]
    ]);
    assert_eq!(
        err.kind(),
        ErrorKind::DuplicateProperty(PropertyId::SubscriptionIdentifier)
    );
}

// ----------------------------------------------------------------- SUBACK ----

#[test]
fn v5_suback_reason_codes() {
    // [MQTT-3.9.3-1] one code per filter, in order; [MQTT-3.9.3-2] Subscribe codes.
    let codes = [
        0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2,
    ];
    let bytes = bytes![[0x90, 15] [0x00, 0x0A] [0x00] codes];
    let suback = SubAck::new(
        pid(10),
        vec![
            ReasonCode::GRANTED_QOS_0,
            ReasonCode::GrantedQoS1,
            ReasonCode::GrantedQoS2,
            ReasonCode::UnspecifiedError,
            ReasonCode::ImplementationSpecificError,
            ReasonCode::NotAuthorized,
            ReasonCode::TopicFilterInvalid,
            ReasonCode::PacketIdentifierInUse,
            ReasonCode::QuotaExceeded,
            ReasonCode::SharedSubscriptionsNotSupported,
            ReasonCode::SubscriptionIdentifiersNotSupported,
            ReasonCode::WildcardSubscriptionsNotSupported,
        ],
    );
    assert_vector(&bytes, &Packet::from(suback));
}

#[test]
fn v5_suback_with_reason_string_and_user_property() {
    let bytes = bytes![
        [0x90, 15]
        [0x00, 0x0B]
        [11]
        [0x1F, 0x00, 0x01] b"q"
        [0x26, 0x00, 0x01] b"a" [0x00, 0x01] b"b"
        [0x01]
    ];
    let suback = SubAck {
        packet_id: pid(11),
        reason_codes: vec![ReasonCode::GrantedQoS1],
        properties: AckProperties {
            reason_string: Some(s("q")),
            user_properties: vec![pair("a", "b")],
        },
    };
    assert_vector(&bytes, &Packet::from(suback));
}

#[test]
fn v5_suback_rejects_codes_not_allowed() {
    // [MQTT-3.9.3-2] 0x11 and 0x92 are not Subscribe Reason Codes; 0x03 is undefined.
    for code in [0x11, 0x92, 0x03] {
        assert_eq!(
            decode_err(&[0x90, 0x04, 0x00, 0x01, 0x00, code]).kind(),
            ErrorKind::InvalidReasonCode(PacketType::SubAck, code)
        );
    }
    // A SUBACK must carry at least one code.
    assert_eq!(
        decode_err(&[0x90, 0x03, 0x00, 0x01, 0x00]).kind(),
        ErrorKind::EmptyAck
    );
}

// ------------------------------------------------------------ UNSUBSCRIBE ----

/// Section 3.10.3, Figure 3.30: "a/b" and "c/d", here with a User Property.
#[test]
fn v5_unsubscribe_spec_figure_3_30_with_user_property() {
    // [MQTT-3.10.1-1] flags 0010.
    let bytes = bytes![
        [0xA2, 20]
        [0x00, 0x0B]
        [7]
        [0x26, 0x00, 0x01] b"u" [0x00, 0x01] b"v"
        [0x00, 0x03] b"a/b"
        [0x00, 0x03] b"c/d"
    ];
    let unsubscribe = Unsubscribe {
        packet_id: pid(11),
        filters: vec![filter("a/b"), filter("c/d")],
        properties: UnsubscribeProperties {
            user_properties: vec![pair("u", "v")],
        },
    };
    assert_vector(&bytes, &Packet::from(unsubscribe));
}

#[test]
fn v5_unsubscribe_shared_filter_without_properties() {
    let bytes = bytes![
        [0xA2, 17]
        [0x00, 0x0C]
        [0x00]
        [0x00, 12] b"$share/g/a/#"
    ];
    let unsubscribe = Unsubscribe::new(pid(12), vec![filter("$share/g/a/#")]);
    assert_vector(&bytes, &Packet::from(unsubscribe));
}

#[test]
fn v5_unsubscribe_errors() {
    // [MQTT-3.10.3-2]
    assert_eq!(
        decode_err(&[0xA2, 0x03, 0x00, 0x01, 0x00]).kind(),
        ErrorKind::EmptyUnsubscribe
    );
    // [MQTT-3.10.1-1]
    let err = decode_err(&bytes![[0xA0, 6] [0x00, 0x01] [0x00] [0x00, 0x01] b"a"]);
    assert_eq!(err.rule(), Some("MQTT-3.10.1-1"));
}

// --------------------------------------------------------------- UNSUBACK ----

#[test]
fn v5_unsuback_reason_codes() {
    // [MQTT-3.11.3-1] [MQTT-3.11.3-2]
    let bytes = bytes![
        [0xB0, 10]
        [0x00, 0x0B]
        [0x00]
        [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91]
    ];
    let unsuback = UnsubAck::new(
        pid(11),
        vec![
            ReasonCode::Success,
            ReasonCode::NoSubscriptionExisted,
            ReasonCode::UnspecifiedError,
            ReasonCode::ImplementationSpecificError,
            ReasonCode::NotAuthorized,
            ReasonCode::TopicFilterInvalid,
            ReasonCode::PacketIdentifierInUse,
        ],
    );
    assert_vector(&bytes, &Packet::from(unsuback));
}

#[test]
fn v5_unsuback_with_reason_string() {
    let bytes = bytes![
        [0xB0, 11]
        [0x00, 0x0C]
        [7]
        [0x1F, 0x00, 0x04] b"none"
        [0x11]
    ];
    let mut unsuback = UnsubAck::new(pid(12), vec![ReasonCode::NoSubscriptionExisted]);
    unsuback.properties.reason_string = Some(s("none"));
    assert_vector(&bytes, &Packet::from(unsuback));
}

#[test]
fn v5_unsuback_rejects_codes_not_allowed() {
    // [MQTT-3.11.3-2] Granted QoS 1 and Quota exceeded are not Unsubscribe codes.
    for code in [0x01, 0x97] {
        assert_eq!(
            decode_err(&[0xB0, 0x04, 0x00, 0x01, 0x00, code]).kind(),
            ErrorKind::InvalidReasonCode(PacketType::UnsubAck, code)
        );
    }
}
