//! 2.2.2 Properties: identifiers, placement, duplicates, values and lengths.

use midge_proto::{ErrorKind, Packet, PacketType, PropertyId};

use crate::common::*;

// ---- 2.2.2 Properties ----

#[test]
fn unknown_property_identifier_is_malformed() {
    for id in [
        0x00u32, 0x04, 0x05, 0x06, 0x07, 0x0A, 0x0C, 0x10, 0x14, 0x1B, 0x1D, 0x1E, 0x20, 0x2B,
        0x7F, 0x80, 0x3FFF,
    ] {
        expect(
            &publish_v5(b"t", &cat(&[&vbi(id), &[0, 0, 0, 0]])),
            V5,
            ErrorKind::UnknownProperty(id),
            MALFORMED,
            None,
        );
    }
    expect(
        &connect_v5(0x02, &[0x2B, 1], &s(b"c")),
        NONE,
        ErrorKind::UnknownProperty(0x2B),
        MALFORMED,
        None,
    );
}

#[test]
fn topic_alias_in_connect_is_malformed() {
    expect(
        &connect_v5(0x02, &p_u16(0x23, 1), &s(b"c")),
        NONE,
        ErrorKind::PropertyNotAllowed(PropertyId::TopicAlias, PacketType::Connect),
        MALFORMED,
        None,
    );
}

#[test]
fn will_delay_interval_in_publish_is_malformed() {
    expect(
        &publish_v5(b"t", &p_u32(0x18, 10)),
        V5,
        ErrorKind::PropertyNotAllowed(PropertyId::WillDelayInterval, PacketType::Publish),
        MALFORMED,
        None,
    );
}

#[test]
fn session_expiry_interval_in_puback_is_malformed() {
    expect(
        &frame(0x40, &cat(&[&[0, 1, 0], &props(&p_u32(0x11, 10))])),
        V5,
        ErrorKind::PropertyNotAllowed(PropertyId::SessionExpiryInterval, PacketType::PubAck),
        MALFORMED,
        None,
    );
}

#[test]
fn property_not_allowed_in_packet_type_is_malformed() {
    use PacketType as T;
    use PropertyId as P;
    let cases = [
        (
            connect_v5(0x02, &p_u32(0x18, 5), &s(b"c")),
            NONE,
            P::WillDelayInterval,
            T::Connect,
        ),
        (
            connect_v5(0x02, &p_str(0x1F, b"r"), &s(b"c")),
            NONE,
            P::ReasonString,
            T::Connect,
        ),
        (
            connect_v5(0x02, &p_byte(0x24, 1), &s(b"c")),
            NONE,
            P::MaximumQoS,
            T::Connect,
        ),
        (
            connect_v5(0x06, &[], &will_payload_v5(&p_u32(0x11, 5), b"t")),
            NONE,
            P::SessionExpiryInterval,
            T::Connect,
        ),
        (
            connect_v5(0x06, &[], &will_payload_v5(&p_u16(0x23, 1), b"t")),
            NONE,
            P::TopicAlias,
            T::Connect,
        ),
        (
            frame(0x20, &cat(&[&[0, 0], &props(&p_u32(0x18, 5))])),
            V5,
            P::WillDelayInterval,
            T::ConnAck,
        ),
        (
            frame(0x20, &cat(&[&[0, 0], &props(&p_u16(0x23, 5))])),
            V5,
            P::TopicAlias,
            T::ConnAck,
        ),
        (
            publish_v5(b"t", &p_str(0x1C, b"other")),
            V5,
            P::ServerReference,
            T::Publish,
        ),
        (
            publish_v5(b"t", &p_u32(0x11, 5)),
            V5,
            P::SessionExpiryInterval,
            T::Publish,
        ),
        (
            frame(0x62, &cat(&[&[0, 1, 0], &props(&p_byte(0x01, 1))])),
            V5,
            P::PayloadFormatIndicator,
            T::PubRel,
        ),
        (
            subscribe_v5(&p_u16(0x21, 5), &cat(&[&s(b"a"), &[0]])),
            V5,
            P::ReceiveMaximum,
            T::Subscribe,
        ),
        (
            frame(0x90, &cat(&[&[0, 1], &props(&p_vbi(0x0B, 1)), &[0]])),
            V5,
            P::SubscriptionIdentifier,
            T::SubAck,
        ),
        (
            frame(0xA2, &cat(&[&[0, 1], &props(&p_vbi(0x0B, 1)), &s(b"a")])),
            V5,
            P::SubscriptionIdentifier,
            T::Unsubscribe,
        ),
        (
            frame(0xA2, &cat(&[&[0, 1], &props(&p_str(0x1F, b"r")), &s(b"a")])),
            V5,
            P::ReasonString,
            T::Unsubscribe,
        ),
        (
            frame(0xE0, &cat(&[&[0], &props(&p_str(0x15, b"m"))])),
            V5,
            P::AuthenticationMethod,
            T::Disconnect,
        ),
        (
            frame(0xF0, &cat(&[&[0x18], &props(&p_u32(0x11, 1))])),
            V5,
            P::SessionExpiryInterval,
            T::Auth,
        ),
    ];
    for (bytes, version, id, t) in cases {
        expect(
            &bytes,
            version,
            ErrorKind::PropertyNotAllowed(id, t),
            MALFORMED,
            None,
        );
    }
}

#[test]
fn duplicate_message_expiry_interval_is_a_protocol_error() {
    expect(
        &publish_v5(b"t", &cat(&[&p_u32(0x02, 10), &p_u32(0x02, 10)])),
        V5,
        ErrorKind::DuplicateProperty(PropertyId::MessageExpiryInterval),
        PROTOCOL_ERROR,
        None,
    );
}

#[test]
fn duplicate_property_is_a_protocol_error() {
    use PropertyId as P;
    let twice = |p: Vec<u8>| cat(&[&p, &p]);
    let cases = [
        (
            connect_v5(0x02, &twice(p_u32(0x11, 1)), &s(b"c")),
            NONE,
            P::SessionExpiryInterval,
        ),
        (
            connect_v5(0x02, &twice(p_u16(0x21, 1)), &s(b"c")),
            NONE,
            P::ReceiveMaximum,
        ),
        (
            connect_v5(0x02, &twice(p_str(0x15, b"m")), &s(b"c")),
            NONE,
            P::AuthenticationMethod,
        ),
        (
            connect_v5(
                0x02,
                &cat(&[&p_str(0x15, b"m"), &twice(p_str(0x16, b"d"))]),
                &s(b"c"),
            ),
            NONE,
            P::AuthenticationData,
        ),
        (
            connect_v5(0x06, &[], &will_payload_v5(&twice(p_byte(0x01, 1)), b"t")),
            NONE,
            P::PayloadFormatIndicator,
        ),
        (
            connect_v5(0x06, &[], &will_payload_v5(&twice(p_u32(0x18, 1)), b"t")),
            NONE,
            P::WillDelayInterval,
        ),
        (
            frame(0x20, &cat(&[&[0, 0], &props(&twice(p_u16(0x13, 5)))])),
            V5,
            P::ServerKeepAlive,
        ),
        (
            frame(0x20, &cat(&[&[0, 0], &props(&twice(p_byte(0x24, 0)))])),
            V5,
            P::MaximumQoS,
        ),
        (publish_v5(b"t", &twice(p_u16(0x23, 1))), V5, P::TopicAlias),
        (
            publish_v5(b"t", &twice(p_str(0x08, b"r"))),
            V5,
            P::ResponseTopic,
        ),
        (
            publish_v5(b"t", &twice(p_str(0x03, b"text"))),
            V5,
            P::ContentType,
        ),
        (
            publish_v5(b"t", &twice(p_str(0x09, b"c"))),
            V5,
            P::CorrelationData,
        ),
        (
            frame(0x40, &cat(&[&[0, 1, 0], &props(&twice(p_str(0x1F, b"r")))])),
            V5,
            P::ReasonString,
        ),
    ];
    for (bytes, version, id) in cases {
        expect(
            &bytes,
            version,
            ErrorKind::DuplicateProperty(id),
            PROTOCOL_ERROR,
            None,
        );
    }
}

#[test]
fn repeated_user_properties_and_subscription_identifiers_in_publish_are_allowed() {
    let bytes = publish_v5(
        b"t",
        &cat(&[
            &p_pair(b"k", b"1"),
            &p_vbi(0x0B, 7),
            &p_pair(b"k", b"2"),
            &p_vbi(0x0B, 268_435_455),
        ]),
    );
    let Packet::Publish(p) = decode_ok(&bytes, V5) else {
        panic!("not a PUBLISH");
    };
    assert_eq!(p.properties.user_properties.len(), 2);
    let ids: Vec<u32> = p
        .properties
        .subscription_identifiers
        .iter()
        .map(|i| i.get())
        .collect();
    assert_eq!(ids, [7, 268_435_455]);

    // User Property may repeat in every packet that carries it.
    let pairs = cat(&[&p_pair(b"a", b"1"), &p_pair(b"a", b"1")]);
    decode_ok(&connect_v5(0x02, &pairs, &s(b"c")), NONE);
    decode_ok(&subscribe_v5(&pairs, &cat(&[&s(b"a"), &[0]])), V5);
    decode_ok(&frame(0xE0, &cat(&[&[0], &props(&pairs)])), V5);
}

#[test]
fn two_subscription_identifiers_in_subscribe_are_a_protocol_error() {
    expect(
        &subscribe_v5(
            &cat(&[&p_vbi(0x0B, 1), &p_vbi(0x0B, 2)]),
            &cat(&[&s(b"a"), &[0]]),
        ),
        V5,
        ErrorKind::DuplicateProperty(PropertyId::SubscriptionIdentifier),
        PROTOCOL_ERROR,
        None,
    );
}

#[test]
fn receive_maximum_zero_is_a_protocol_error() {
    let bad = ErrorKind::InvalidPropertyValue(PropertyId::ReceiveMaximum);
    expect(
        &connect_v5(0x02, &p_u16(0x21, 0), &s(b"c")),
        NONE,
        bad,
        PROTOCOL_ERROR,
        None,
    );
    expect(
        &frame(0x20, &cat(&[&[0, 0], &props(&p_u16(0x21, 0))])),
        V5,
        bad,
        PROTOCOL_ERROR,
        None,
    );
}

#[test]
fn maximum_packet_size_zero_is_a_protocol_error() {
    let bad = ErrorKind::InvalidPropertyValue(PropertyId::MaximumPacketSize);
    expect(
        &connect_v5(0x02, &p_u32(0x27, 0), &s(b"c")),
        NONE,
        bad,
        PROTOCOL_ERROR,
        None,
    );
    expect(
        &frame(0x20, &cat(&[&[0, 0], &props(&p_u32(0x27, 0))])),
        V5,
        bad,
        PROTOCOL_ERROR,
        None,
    );
}

#[test]
fn maximum_qos_2_is_a_protocol_error() {
    for qos in [2, 3, 0xFF] {
        expect(
            &frame(0x20, &cat(&[&[0, 0], &props(&p_byte(0x24, qos))])),
            V5,
            ErrorKind::InvalidPropertyValue(PropertyId::MaximumQoS),
            PROTOCOL_ERROR,
            None,
        );
    }
}

#[test]
fn boolean_property_with_value_2_is_a_protocol_error() {
    use PropertyId as P;
    let connack = |id: u8| frame(0x20, &cat(&[&[0, 0], &props(&p_byte(id, 2))]));
    let cases = [
        (
            connect_v5(0x02, &p_byte(0x17, 2), &s(b"c")),
            NONE,
            P::RequestProblemInformation,
        ),
        (
            connect_v5(0x02, &p_byte(0x19, 2), &s(b"c")),
            NONE,
            P::RequestResponseInformation,
        ),
        (
            connect_v5(0x06, &[], &will_payload_v5(&p_byte(0x01, 2), b"t")),
            NONE,
            P::PayloadFormatIndicator,
        ),
        (
            publish_v5(b"t", &p_byte(0x01, 2)),
            V5,
            P::PayloadFormatIndicator,
        ),
        (connack(0x25), V5, P::RetainAvailable),
        (connack(0x28), V5, P::WildcardSubscriptionAvailable),
        (connack(0x29), V5, P::SubscriptionIdentifierAvailable),
        (connack(0x2A), V5, P::SharedSubscriptionAvailable),
    ];
    for (bytes, version, id) in cases {
        expect(
            &bytes,
            version,
            ErrorKind::InvalidPropertyValue(id),
            PROTOCOL_ERROR,
            None,
        );
    }
}

#[test]
fn subscription_identifier_zero_is_a_protocol_error() {
    let bad = ErrorKind::InvalidPropertyValue(PropertyId::SubscriptionIdentifier);
    expect(
        &subscribe_v5(&p_vbi(0x0B, 0), &cat(&[&s(b"a"), &[0]])),
        V5,
        bad,
        PROTOCOL_ERROR,
        None,
    );
    expect(
        &publish_v5(b"t", &p_vbi(0x0B, 0)),
        V5,
        bad,
        PROTOCOL_ERROR,
        None,
    );
}

#[test]
fn authentication_data_without_method_is_a_protocol_error() {
    let data = p_str(0x16, b"secret");
    expect(
        &connect_v5(0x02, &data, &s(b"c")),
        NONE,
        ErrorKind::AuthDataWithoutMethod,
        PROTOCOL_ERROR,
        None,
    );
    expect(
        &frame(0x20, &cat(&[&[0, 0], &props(&data)])),
        V5,
        ErrorKind::AuthDataWithoutMethod,
        PROTOCOL_ERROR,
        None,
    );
    expect(
        &frame(0xF0, &cat(&[&[0x18], &props(&data)])),
        V5,
        ErrorKind::AuthDataWithoutMethod,
        PROTOCOL_ERROR,
        None,
    );
    // With the method it is fine.
    decode_ok(
        &connect_v5(0x02, &cat(&[&data, &p_str(0x15, b"SCRAM")]), &s(b"c")),
        NONE,
    );
}

#[test]
fn property_length_longer_than_the_packet_is_malformed() {
    for bytes in [
        frame(0x30, &cat(&[&s(b"t"), &[10], &p_u32(0x02, 1)])),
        frame(0x40, &[0, 1, 0x10, 4, 0x1F, 0]),
        frame(0x82, &cat(&[&[0, 1], &[0x80, 0x01], &s(b"a"), &[0]])),
        frame(0x20, &[0, 0, 0x7F]),
        frame(0xE0, &[0, 1]),
    ] {
        expect(&bytes, V5, ErrorKind::Truncated, MALFORMED, None);
    }
}

#[test]
fn property_value_running_past_property_length_is_malformed() {
    // Property Length 3 but Message Expiry Interval needs 5 bytes; the
    // remaining 2 bytes would otherwise parse as payload.
    expect(
        &frame(0x30, &cat(&[&s(b"t"), &[3], &p_u32(0x02, 1)])),
        V5,
        ErrorKind::Truncated,
        MALFORMED,
        None,
    );
    // A Subscription Identifier whose Variable Byte Integer is cut short by
    // the Property Length.
    expect(
        &frame(0x30, &cat(&[&s(b"t"), &[2, 0x0B, 0x80], &[0x01]])),
        V5,
        ErrorKind::Truncated,
        MALFORMED,
        None,
    );
    // A User Property whose value runs past the Property Length.
    let pair = p_pair(b"k", b"value");
    let short = u8::try_from(pair.len() - 2).unwrap();
    expect(
        &frame(0x82, &cat(&[&[0, 1], &[short], &pair, &s(b"a"), &[0]])),
        V5,
        ErrorKind::Truncated,
        MALFORMED,
        None,
    );
}
