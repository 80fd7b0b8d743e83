//! Hand-written round-trip examples and version-specific edge cases.

use std::num::{NonZeroU16, NonZeroU32};

use midge_proto::bytes::{Bytes, BytesMut};
use midge_proto::property::{
    AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties, PublishProperties,
    SubscribeProperties, UserProperty, WillProperties,
};
use midge_proto::{
    Auth, ByteString, ConnAck, Connect, Disconnect, EncodeError, ErrorKind, Packet, PacketType,
    ProtocolVersion, PubResponse, Publish, QoS, ReasonCode, SubAck, Subscribe, SubscriptionOptions,
    TopicFilter, TopicName, Will, codec,
};

use crate::strategies::VERSIONS;

// ---------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------

fn roundtrip_once(v: ProtocolVersion, p: &Packet) -> Packet {
    let mut buf = BytesMut::new();
    p.encode(v, &mut buf).unwrap();
    assert_eq!(p.encoded_len(v), buf.len());
    let out = codec::decode(&mut buf, Some(v), u32::MAX).unwrap().unwrap();
    assert!(buf.is_empty());
    out
}

fn s(x: &'static str) -> ByteString {
    ByteString::from_static(x)
}

fn users() -> Vec<UserProperty> {
    vec![(s("k"), s("v1")), (s("k"), s("v2")), (s("ключ"), s(""))]
}

/// All 27 properties, each in a packet that allows it, in one 5.0 exchange.
#[test]
fn every_property_round_trips_in_v5() {
    let v = ProtocolVersion::V5;
    let connect = Connect {
        protocol: v,
        clean_start: false,
        keep_alive: 60,
        properties: ConnectProperties {
            session_expiry_interval: Some(u32::MAX),
            receive_maximum: NonZeroU16::new(20),
            maximum_packet_size: NonZeroU32::new(1 << 20),
            topic_alias_maximum: Some(10),
            request_response_information: Some(true),
            request_problem_information: Some(false),
            user_properties: users(),
            authentication_method: Some(s("SCRAM-SHA-1")),
            authentication_data: Some(Bytes::from_static(b"\x00\x01")),
        },
        client_id: s("client-é"),
        will: Some(Will {
            topic: TopicName::from_static("will/topic").unwrap(),
            payload: Bytes::from_static(b"bye"),
            qos: QoS::ExactlyOnce,
            retain: true,
            properties: WillProperties {
                will_delay_interval: Some(30),
                payload_format_indicator: Some(true),
                message_expiry_interval: Some(3600),
                content_type: Some(s("text/plain")),
                response_topic: Some(TopicName::from_static("resp/1").unwrap()),
                correlation_data: Some(Bytes::from_static(b"corr")),
                user_properties: users(),
            },
        }),
        username: Some(s("user")),
        password: Some(Bytes::from_static(b"\xFFpw")),
    };
    let connack = ConnAck {
        session_present: true,
        reason_code: ReasonCode::Success,
        properties: ConnAckProperties {
            session_expiry_interval: Some(0),
            receive_maximum: NonZeroU16::new(u16::MAX),
            maximum_qos: Some(QoS::AtLeastOnce),
            retain_available: Some(false),
            maximum_packet_size: NonZeroU32::new(268_435_460),
            assigned_client_identifier: Some(s("auto-1")),
            topic_alias_maximum: Some(0),
            reason_string: Some(s("welcome")),
            user_properties: users(),
            wildcard_subscription_available: Some(false),
            subscription_identifiers_available: Some(true),
            shared_subscription_available: Some(false),
            server_keep_alive: Some(120),
            response_information: Some(s("resp/")),
            server_reference: Some(s("other:1883")),
            authentication_method: Some(s("SCRAM-SHA-1")),
            authentication_data: Some(Bytes::new()),
        },
    };
    let publish = Publish {
        dup: true,
        qos: QoS::AtLeastOnce,
        retain: false,
        topic: TopicName::empty(),
        packet_id: NonZeroU16::new(1),
        properties: PublishProperties {
            payload_format_indicator: Some(false),
            message_expiry_interval: Some(1),
            topic_alias: NonZeroU16::new(3),
            response_topic: Some(TopicName::from_static("$SYS/r").unwrap()),
            correlation_data: Some(Bytes::new()),
            user_properties: users(),
            subscription_identifiers: [1, 127, 128, 16_384, 268_435_455]
                .into_iter()
                .map(|i| NonZeroU32::new(i).unwrap())
                .collect(),
            content_type: Some(s("")),
        },
        payload: Bytes::new(),
    };
    let subscribe = Subscribe {
        packet_id: NonZeroU16::MAX,
        filters: vec![(
            TopicFilter::from_static("a/+/#").unwrap(),
            SubscriptionOptions::new(QoS::ExactlyOnce),
        )],
        properties: SubscribeProperties {
            subscription_identifier: NonZeroU32::new(268_435_455),
            user_properties: users(),
        },
    };
    let disconnect = Disconnect {
        reason_code: ReasonCode::ServerMoved,
        properties: DisconnectProperties {
            session_expiry_interval: Some(5),
            reason_string: Some(s("moved")),
            user_properties: users(),
            server_reference: Some(s("elsewhere")),
        },
    };
    let auth = Auth {
        reason_code: ReasonCode::ContinueAuthentication,
        properties: AuthProperties {
            authentication_method: Some(s("SCRAM-SHA-1")),
            authentication_data: Some(Bytes::from_static(b"challenge")),
            reason_string: Some(s("continue")),
            user_properties: users(),
        },
    };
    let packets = [
        Packet::from(connect),
        Packet::from(connack),
        Packet::from(publish),
        Packet::from(subscribe),
        Packet::from(disconnect),
        Packet::from(auth),
    ];
    for p in packets {
        assert_eq!(roundtrip_once(v, &p), p);
    }
}

#[test]
fn auth_cannot_be_encoded_before_v5() {
    for v in [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1] {
        let mut buf = BytesMut::new();
        let res = Packet::from(Auth::new(ReasonCode::Success)).encode(v, &mut buf);
        assert_eq!(res, Err(EncodeError::NotInVersion(PacketType::Auth, v)));
        assert!(buf.is_empty());
    }
}

#[test]
fn auth_header_is_reserved_before_v5() {
    for v in [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1] {
        let mut buf = BytesMut::from(&[0xF0, 0x00][..]);
        let err = codec::decode(&mut buf, Some(v), u32::MAX).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ReservedPacketType(15));
    }
}

#[test]
fn empty_topic_needs_a_topic_alias_in_v5() {
    let mut p = Publish::new(TopicName::empty(), "x");
    for v in VERSIONS {
        let mut buf = BytesMut::new();
        assert_eq!(
            Packet::from(p.clone()).encode(v, &mut buf),
            Err(EncodeError::EmptyTopic)
        );
        assert!(buf.is_empty(), "nothing is appended on error");
    }
    p.properties.topic_alias = NonZeroU16::new(1);
    let p = Packet::from(p);
    assert_eq!(roundtrip_once(ProtocolVersion::V5, &p), p);
}

#[test]
fn qos_and_packet_id_must_agree() {
    let mut p = Publish::new(TopicName::from_static("t").unwrap(), "x");
    p.packet_id = NonZeroU16::new(1);
    let mut buf = BytesMut::new();
    assert_eq!(
        Packet::from(p.clone()).encode(ProtocolVersion::V5, &mut buf),
        Err(EncodeError::PacketIdMismatch)
    );
    p.packet_id = None;
    p.qos = QoS::AtLeastOnce;
    assert_eq!(
        Packet::from(p).encode(ProtocolVersion::V5, &mut buf),
        Err(EncodeError::PacketIdMismatch)
    );
    assert!(buf.is_empty());
}

/// 3.x cannot carry 5.0 reason codes: SUBACK failures collapse to 0x80 and
/// CONNACK refusals to the nearest return code.
#[test]
fn v3_lossy_reason_codes_map_to_their_3x_counterparts() {
    let v = ProtocolVersion::V3_1_1;
    let suback = Packet::from(SubAck::new(
        NonZeroU16::MIN,
        vec![ReasonCode::QuotaExceeded, ReasonCode::GrantedQoS2],
    ));
    assert_eq!(
        roundtrip_once(v, &suback),
        Packet::from(SubAck::new(
            NonZeroU16::MIN,
            vec![ReasonCode::UnspecifiedError, ReasonCode::GrantedQoS2],
        ))
    );
    let connack = Packet::from(ConnAck::new(ReasonCode::Banned, false));
    assert_eq!(
        roundtrip_once(v, &connack),
        Packet::from(ConnAck::new(ReasonCode::NotAuthorized, false))
    );
}

#[test]
fn v5_short_forms_of_acks_and_disconnect() {
    let v = ProtocolVersion::V5;
    // PUBACK with Success and no properties is just the packet id.
    let mut buf = BytesMut::new();
    Packet::PubAck(PubResponse::new(NonZeroU16::new(0x0102).unwrap()))
        .encode(v, &mut buf)
        .unwrap();
    assert_eq!(&buf[..], &[0x40, 0x02, 0x01, 0x02]);
    // The reason code alone, without a Property Length.
    let mut buf = BytesMut::new();
    Packet::PubRec(PubResponse::with_reason(
        NonZeroU16::MIN,
        ReasonCode::NoMatchingSubscribers,
    ))
    .encode(v, &mut buf)
    .unwrap();
    assert_eq!(&buf[..], &[0x50, 0x03, 0x00, 0x01, 0x10]);
    // DISCONNECT Normal disconnection without properties has no body.
    let mut buf = BytesMut::new();
    Packet::from(Disconnect::default())
        .encode(v, &mut buf)
        .unwrap();
    assert_eq!(&buf[..], &[0xE0, 0x00]);
    // A long form with an empty Property Length decodes to the same packet.
    let mut buf = BytesMut::from(&[0x40, 0x04, 0x00, 0x01, 0x00, 0x00][..]);
    assert_eq!(
        codec::decode(&mut buf, Some(v), u32::MAX),
        Ok(Some(Packet::PubAck(PubResponse::new(NonZeroU16::MIN))))
    );
}

#[test]
fn v3_1_connect_uses_mqisdp_and_allows_password_without_username() {
    let mut c = Connect::new(ProtocolVersion::V3_1, "c");
    c.password = Some(Bytes::from_static(b"pw"));
    let p = Packet::from(c);
    let mut buf = BytesMut::new();
    p.encode(ProtocolVersion::V5, &mut buf).unwrap();
    assert_eq!(&buf[2..10], b"\x00\x06MQIsdp");
    assert_eq!(buf[10], 3);
    assert_eq!(
        codec::decode(&mut buf, None, u32::MAX).unwrap(),
        Some(p.clone())
    );
    assert_eq!(roundtrip_once(ProtocolVersion::V3_1, &p), p);
}

#[test]
fn v3_1_1_rejects_password_without_username() {
    // CONNECT, "MQTT" level 4, flags: password + clean session, keep alive 0,
    // client id "c", password "p".
    let bytes = [
        0x10, 0x10, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x42, 0x00, 0x00, 0x00, 0x01, b'c',
        0x00, 0x01, b'p',
    ];
    let mut buf = BytesMut::from(&bytes[..]);
    let err = codec::decode(&mut buf, None, u32::MAX).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PasswordWithoutUsername);
}
