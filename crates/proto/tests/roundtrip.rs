//! Codec round trips: every valid packet of MQTT 3.1, 3.1.1 and 5.0 survives
//! `decode(encode(p)) == p`, whole, split across two reads, back to back with
//! another packet and fed to a [`Decoder`] in arbitrary chunks; and decoding
//! arbitrary bytes never panics and only ever yields packets that round-trip.
//!
//! The strategies generate only what each version can express: no properties,
//! no AUTH and only the reason codes with a 3.x return code for 3.x; reason codes
//! allowed by [`ReasonCode::is_valid_for`] for 5.0.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::fmt::Debug;
use std::num::{NonZeroU16, NonZeroU32};

use midge_proto::bytes::{BufMut, Bytes, BytesMut};
use midge_proto::property::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties,
    PublishProperties, SubscribeProperties, UnsubscribeProperties, UserProperty, WillProperties,
};
use midge_proto::{
    Auth, ByteString, ConnAck, Connect, Decoder, Disconnect, EncodeError, ErrorKind, FixedHeader,
    Packet, PacketType, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode, RetainHandling,
    SubAck, Subscribe, SubscriptionOptions, TopicFilter, TopicName, UnsubAck, Unsubscribe, Will,
    codec,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::strategy::Union;
use proptest::test_runner::TestCaseError;

const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

// ---------------------------------------------------------------------------
// Primitive strategies
// ---------------------------------------------------------------------------

/// Any character an MQTT UTF-8 string may carry (everything but U+0000),
/// multi-byte characters included.
fn string_char() -> impl Strategy<Value = char> {
    any::<char>().prop_filter("U+0000 is not allowed", |c| *c != '\0')
}

/// An MQTT UTF-8 Encoded String, possibly empty.
fn mqtt_string() -> impl Strategy<Value = ByteString> {
    prop_oneof![
        3 => vec(string_char(), 0..12)
            .prop_map(|cs| ByteString::from(cs.into_iter().collect::<String>())),
        1 => select(vec!["", "key", "é", "日本語", "🦀 crab", "a b", "\u{FEFF}bom", "$SYS"])
            .prop_map(ByteString::from_static),
    ]
}

/// Binary Data of at most `max` bytes, possibly empty.
fn binary(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..=max).prop_map(Bytes::from)
}

/// A PUBLISH payload: usually small, sometimes long enough for a two- or
/// three-byte Remaining Length, sometimes empty.
fn payload() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        8 => binary(64),
        2 => binary(300),
        1 => Just(Bytes::new()),
        1 => (any::<u8>(), 16_384usize..17_000).prop_map(|(b, n)| Bytes::from(vec![b; n])),
    ]
}

fn qos() -> impl Strategy<Value = QoS> {
    select(vec![QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])
}

fn nz16() -> impl Strategy<Value = NonZeroU16> {
    prop_oneof![
        Just(NonZeroU16::MIN),
        Just(NonZeroU16::MAX),
        (1..=u16::MAX).prop_map(|v| NonZeroU16::new(v).unwrap()),
    ]
}

fn nz32() -> impl Strategy<Value = NonZeroU32> {
    prop_oneof![
        Just(NonZeroU32::MIN),
        Just(NonZeroU32::MAX),
        (1..=u32::MAX).prop_map(|v| NonZeroU32::new(v).unwrap()),
    ]
}

fn any_u32() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0), Just(u32::MAX), any::<u32>()]
}

/// A Subscription Identifier, 1 to 268,435,455, spread over the four
/// Variable Byte Integer lengths.
fn subscription_id() -> impl Strategy<Value = NonZeroU32> {
    prop_oneof![
        1u32..=127,
        128u32..=16_383,
        16_384u32..=2_097_151,
        2_097_152u32..=268_435_455,
        Just(268_435_455u32),
    ]
    .prop_map(|v| NonZeroU32::new(v).unwrap())
}

fn user_properties() -> impl Strategy<Value = Vec<UserProperty>> {
    prop_oneof![
        1 => Just(Vec::new()),
        3 => vec((mqtt_string(), mqtt_string()), 1..5),
        // The same name several times: order and repetition must be kept.
        1 => (mqtt_string(), vec(mqtt_string(), 2..4))
            .prop_map(|(k, vs)| vs.into_iter().map(|v| (k.clone(), v)).collect()),
    ]
}

/// Authentication Method and Data: Data only together with a Method.
fn auth_pair() -> impl Strategy<Value = (Option<ByteString>, Option<Bytes>)> {
    option::of((mqtt_string(), option::of(binary(32))))
        .prop_map(|p| p.map_or((None, None), |(m, d)| (Some(m), d)))
}

// ---------------------------------------------------------------------------
// Topics
// ---------------------------------------------------------------------------

/// Characters allowed inside one level of a topic name: no separator, no
/// wildcard, no U+0000.
fn level_char() -> impl Strategy<Value = char> {
    any::<char>().prop_filter("separator, wildcard or U+0000", |c| {
        !matches!(c, '\0' | '/' | '+' | '#')
    })
}

/// One topic level (possibly empty, `$`-prefixed, multi-byte, with spaces).
fn topic_level() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(vec![
            "sport", "tennis", "player1", "", " ", "$SYS", "$foo", "é", "日本", "🦀",
            "Accounts payable", "share", "$shared",
        ])
        .prop_map(String::from),
        2 => vec(level_char(), 1..6).prop_map(|cs| cs.into_iter().collect::<String>()),
    ]
    // A first level of exactly `$share` would make a 5.0 filter a (possibly
    // malformed) shared subscription; shared filters are generated explicitly.
    .prop_map(|l| if l == "$share" { "share".to_owned() } else { l })
}

fn topic_string() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => vec(topic_level(), 1..5).prop_map(|levels| {
            let s = levels.join("/");
            if s.is_empty() { "x".to_owned() } else { s }
        }),
        1 => (1usize..200).prop_map(|n| format!("{}end", "é/".repeat(n))),
    ]
}

fn topic_name() -> impl Strategy<Value = TopicName> {
    topic_string().prop_map(|s| TopicName::new(s).expect("generated topic names are valid"))
}

/// A Topic Filter without shared-subscription prefix: literal levels and `+`,
/// optionally ending in `#`.
fn plain_filter_string() -> impl Strategy<Value = String> {
    (
        vec(
            prop_oneof![3 => topic_level(), 1 => Just("+".to_owned())],
            0..5,
        ),
        any::<bool>(),
    )
        .prop_map(|(mut levels, hash)| {
            if hash {
                levels.push("#".to_owned());
            }
            let s = levels.join("/");
            if s.is_empty() { "#".to_owned() } else { s }
        })
}

/// A ShareName: non-empty, no `/`, `+`, `#` or U+0000.
fn share_name() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec!["g", "consumer1", "グループ", "$SYS", "a b"]).prop_map(String::from),
        vec(level_char(), 1..6).prop_map(|cs| cs.into_iter().collect::<String>()),
    ]
}

fn filter_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => plain_filter_string(),
        1 => (share_name(), plain_filter_string()).prop_map(|(g, f)| format!("$share/{g}/{f}")),
    ]
}

/// A Topic Filter valid in `v` (5.0 also checks the `$share/` syntax).
fn topic_filter(v: ProtocolVersion) -> impl Strategy<Value = TopicFilter> {
    filter_string().prop_map(move |s| {
        if v.is_v5() {
            TopicFilter::new_v5(s).expect("generated 5.0 filters are valid")
        } else {
            TopicFilter::new(s).expect("generated filters are valid")
        }
    })
}

// ---------------------------------------------------------------------------
// Property sets (5.0)
// ---------------------------------------------------------------------------

fn connect_properties() -> impl Strategy<Value = ConnectProperties> {
    (
        option::of(any_u32()),
        option::of(nz16()),
        option::of(nz32()),
        option::of(any::<u16>()),
        option::of(any::<bool>()),
        option::of(any::<bool>()),
        user_properties(),
        auth_pair(),
    )
        .prop_map(
            |(sei, rm, mps, tam, rri, rpi, user, (am, ad))| ConnectProperties {
                session_expiry_interval: sei,
                receive_maximum: rm,
                maximum_packet_size: mps,
                topic_alias_maximum: tam,
                request_response_information: rri,
                request_problem_information: rpi,
                user_properties: user,
                authentication_method: am,
                authentication_data: ad,
            },
        )
}

fn will_properties() -> impl Strategy<Value = WillProperties> {
    (
        option::of(any_u32()),
        option::of(any::<bool>()),
        option::of(any_u32()),
        option::of(mqtt_string()),
        option::of(topic_name()),
        option::of(binary(32)),
        user_properties(),
    )
        .prop_map(|(wdi, pfi, mei, ct, rt, cd, user)| WillProperties {
            will_delay_interval: wdi,
            payload_format_indicator: pfi,
            message_expiry_interval: mei,
            content_type: ct,
            response_topic: rt,
            correlation_data: cd,
            user_properties: user,
        })
}

fn connack_properties() -> impl Strategy<Value = ConnAckProperties> {
    let limits = (
        option::of(any_u32()),
        option::of(nz16()),
        option::of(select(vec![QoS::AtMostOnce, QoS::AtLeastOnce])),
        option::of(any::<bool>()),
        option::of(nz32()),
        option::of(any::<u16>()),
        option::of(any::<u16>()),
    );
    let availability = (
        option::of(any::<bool>()),
        option::of(any::<bool>()),
        option::of(any::<bool>()),
    );
    let strings = (
        option::of(mqtt_string()),
        option::of(mqtt_string()),
        option::of(mqtt_string()),
        option::of(mqtt_string()),
        user_properties(),
        auth_pair(),
    );
    (limits, availability, strings).prop_map(
        |((sei, rm, mq, ra, mps, tam, ska), (wsa, sia, ssa), (aci, rs, ri, sr, user, (am, ad)))| {
            ConnAckProperties {
                session_expiry_interval: sei,
                receive_maximum: rm,
                maximum_qos: mq,
                retain_available: ra,
                maximum_packet_size: mps,
                assigned_client_identifier: aci,
                topic_alias_maximum: tam,
                reason_string: rs,
                user_properties: user,
                wildcard_subscription_available: wsa,
                subscription_identifiers_available: sia,
                shared_subscription_available: ssa,
                server_keep_alive: ska,
                response_information: ri,
                server_reference: sr,
                authentication_method: am,
                authentication_data: ad,
            }
        },
    )
}

fn publish_properties() -> impl Strategy<Value = PublishProperties> {
    (
        option::of(any::<bool>()),
        option::of(any_u32()),
        option::of(nz16()),
        option::of(topic_name()),
        option::of(binary(32)),
        user_properties(),
        prop_oneof![
            2 => Just(Vec::new()),
            1 => vec(subscription_id(), 1..5),
        ],
        option::of(mqtt_string()),
    )
        .prop_map(|(pfi, mei, ta, rt, cd, user, ids, ct)| PublishProperties {
            payload_format_indicator: pfi,
            message_expiry_interval: mei,
            topic_alias: ta,
            response_topic: rt,
            correlation_data: cd,
            user_properties: user,
            subscription_identifiers: ids,
            content_type: ct,
        })
}

fn ack_properties() -> impl Strategy<Value = AckProperties> {
    (option::of(mqtt_string()), user_properties()).prop_map(|(rs, user)| AckProperties {
        reason_string: rs,
        user_properties: user,
    })
}

fn subscribe_properties() -> impl Strategy<Value = SubscribeProperties> {
    (option::of(subscription_id()), user_properties()).prop_map(|(id, user)| SubscribeProperties {
        subscription_identifier: id,
        user_properties: user,
    })
}

fn unsubscribe_properties() -> impl Strategy<Value = UnsubscribeProperties> {
    user_properties().prop_map(|user| UnsubscribeProperties {
        user_properties: user,
    })
}

fn disconnect_properties() -> impl Strategy<Value = DisconnectProperties> {
    (
        option::of(any_u32()),
        option::of(mqtt_string()),
        user_properties(),
        option::of(mqtt_string()),
    )
        .prop_map(|(sei, rs, user, sr)| DisconnectProperties {
            session_expiry_interval: sei,
            reason_string: rs,
            user_properties: user,
            server_reference: sr,
        })
}

fn auth_properties() -> impl Strategy<Value = AuthProperties> {
    (auth_pair(), option::of(mqtt_string()), user_properties()).prop_map(|((am, ad), rs, user)| {
        AuthProperties {
            authentication_method: am,
            authentication_data: ad,
            reason_string: rs,
            user_properties: user,
        }
    })
}

/// `props` in 5.0, the empty set otherwise (3.x has no properties).
fn v5_only<T, S>(v: ProtocolVersion, props: S) -> BoxedStrategy<T>
where
    T: Default + Clone + Debug + 'static,
    S: Strategy<Value = T> + 'static,
{
    if v.is_v5() {
        props.boxed()
    } else {
        Just(T::default()).boxed()
    }
}

// ---------------------------------------------------------------------------
// Reason codes
// ---------------------------------------------------------------------------

/// Every 5.0 reason code allowed in `kind`.
fn codes_for(kind: PacketType) -> Vec<ReasonCode> {
    (0..=u8::MAX)
        .filter_map(ReasonCode::from_u8)
        .filter(|c| c.is_valid_for(kind))
        .collect()
}

/// A reason code for `kind` that `v` can carry.
fn reason(v: ProtocolVersion, kind: PacketType) -> BoxedStrategy<ReasonCode> {
    if v.is_v5() {
        return select(codes_for(kind)).boxed();
    }
    match kind {
        PacketType::ConnAck => select(vec![
            ReasonCode::Success,
            ReasonCode::UnsupportedProtocolVersion,
            ReasonCode::ClientIdentifierNotValid,
            ReasonCode::ServerUnavailable,
            ReasonCode::BadUserNameOrPassword,
            ReasonCode::NotAuthorized,
        ])
        .boxed(),
        PacketType::SubAck => select(vec![
            ReasonCode::Success,
            ReasonCode::GrantedQoS1,
            ReasonCode::GrantedQoS2,
            ReasonCode::UnspecifiedError,
        ])
        .boxed(),
        _ => Just(ReasonCode::Success).boxed(),
    }
}

// ---------------------------------------------------------------------------
// Packets
// ---------------------------------------------------------------------------

fn will(v: ProtocolVersion) -> impl Strategy<Value = Will> {
    (
        topic_name(),
        binary(64),
        qos(),
        any::<bool>(),
        v5_only(v, will_properties()),
    )
        .prop_map(|(topic, payload, qos, retain, properties)| Will {
            topic,
            payload,
            qos,
            retain,
            properties,
        })
}

fn connect(v: ProtocolVersion) -> impl Strategy<Value = Packet> {
    (
        any::<bool>(),
        any::<u16>(),
        v5_only(v, connect_properties()),
        mqtt_string(),
        option::of(will(v)),
        option::of(mqtt_string()),
        option::of(binary(32)),
    )
        .prop_map(
            move |(clean_start, keep_alive, properties, client_id, will, username, password)| {
                // 3.1.1 has no Password without a User Name ([MQTT-3.1.2-22]).
                let password = if v == ProtocolVersion::V3_1_1 && username.is_none() {
                    None
                } else {
                    password
                };
                Packet::from(Connect {
                    protocol: v,
                    clean_start,
                    keep_alive,
                    properties,
                    client_id,
                    will,
                    username,
                    password,
                })
            },
        )
}

fn connack(v: ProtocolVersion) -> impl Strategy<Value = Packet> {
    (
        any::<bool>(),
        reason(v, PacketType::ConnAck),
        v5_only(v, connack_properties()),
    )
        .prop_map(|(session_present, reason_code, properties)| {
            Packet::from(ConnAck {
                // Session Present only on an accepted connection.
                session_present: session_present && reason_code == ReasonCode::Success,
                reason_code,
                properties,
            })
        })
}

fn publish(v: ProtocolVersion) -> impl Strategy<Value = Packet> {
    (
        qos(),
        any::<bool>(),
        any::<bool>(),
        topic_name(),
        any::<bool>(),
        nz16(),
        v5_only(v, publish_properties()),
        payload(),
    )
        .prop_map(
            move |(qos, dup, retain, topic, empty_topic, id, properties, payload)| {
                let qos0 = qos == QoS::AtMostOnce;
                let topic = if empty_topic && v.is_v5() && properties.topic_alias.is_some() {
                    TopicName::empty()
                } else {
                    topic
                };
                Packet::Publish(Publish {
                    dup: dup && !qos0,
                    qos,
                    retain,
                    topic,
                    packet_id: (!qos0).then_some(id),
                    properties,
                    payload,
                })
            },
        )
}

fn pub_response(v: ProtocolVersion, kind: PacketType) -> impl Strategy<Value = Packet> {
    (nz16(), reason(v, kind), v5_only(v, ack_properties())).prop_map(
        move |(packet_id, reason_code, properties)| {
            let r = PubResponse {
                packet_id,
                reason_code,
                properties,
            };
            match kind {
                PacketType::PubAck => Packet::PubAck(r),
                PacketType::PubRec => Packet::PubRec(r),
                PacketType::PubRel => Packet::PubRel(r),
                _ => Packet::PubComp(r),
            }
        },
    )
}

fn retain_handling() -> impl Strategy<Value = RetainHandling> {
    select(vec![
        RetainHandling::SendAtSubscribe,
        RetainHandling::SendIfNew,
        RetainHandling::DoNotSend,
    ])
}

fn subscription_options(v: ProtocolVersion) -> BoxedStrategy<SubscriptionOptions> {
    if v.is_v5() {
        (qos(), any::<bool>(), any::<bool>(), retain_handling())
            .prop_map(
                |(qos, no_local, retain_as_published, retain_handling)| SubscriptionOptions {
                    qos,
                    no_local,
                    retain_as_published,
                    retain_handling,
                },
            )
            .boxed()
    } else {
        qos().prop_map(SubscriptionOptions::new).boxed()
    }
}

fn subscribe(v: ProtocolVersion) -> impl Strategy<Value = Packet> {
    (
        nz16(),
        vec((topic_filter(v), subscription_options(v)), 1..5),
        v5_only(v, subscribe_properties()),
    )
        .prop_map(|(packet_id, mut filters, properties)| {
            // No Local is not allowed on a Shared Subscription ([MQTT-3.8.3-4]).
            for (filter, options) in &mut filters {
                if filter.shared().is_some() {
                    options.no_local = false;
                }
            }
            Packet::Subscribe(Subscribe {
                packet_id,
                filters,
                properties,
            })
        })
}

fn suback(v: ProtocolVersion) -> impl Strategy<Value = Packet> {
    (
        nz16(),
        vec(reason(v, PacketType::SubAck), 1..6),
        v5_only(v, ack_properties()),
    )
        .prop_map(|(packet_id, reason_codes, properties)| {
            Packet::SubAck(SubAck {
                packet_id,
                reason_codes,
                properties,
            })
        })
}

fn unsubscribe(v: ProtocolVersion) -> impl Strategy<Value = Packet> {
    (
        nz16(),
        vec(topic_filter(v), 1..5),
        v5_only(v, unsubscribe_properties()),
    )
        .prop_map(|(packet_id, filters, properties)| {
            Packet::Unsubscribe(Unsubscribe {
                packet_id,
                filters,
                properties,
            })
        })
}

fn unsuback(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    if v.is_v5() {
        (
            nz16(),
            vec(reason(v, PacketType::UnsubAck), 1..6),
            ack_properties(),
        )
            .prop_map(|(packet_id, reason_codes, properties)| {
                Packet::UnsubAck(UnsubAck {
                    packet_id,
                    reason_codes,
                    properties,
                })
            })
            .boxed()
    } else {
        nz16()
            .prop_map(|id| Packet::UnsubAck(UnsubAck::new(id, Vec::new())))
            .boxed()
    }
}

fn disconnect(v: ProtocolVersion) -> impl Strategy<Value = Packet> {
    (
        reason(v, PacketType::Disconnect),
        v5_only(v, disconnect_properties()),
    )
        .prop_map(|(reason_code, properties)| {
            Packet::Disconnect(Disconnect {
                reason_code,
                properties,
            })
        })
}

fn auth() -> impl Strategy<Value = Packet> {
    (
        reason(ProtocolVersion::V5, PacketType::Auth),
        auth_properties(),
    )
        .prop_map(|(reason_code, properties)| {
            Packet::Auth(Auth {
                reason_code,
                properties,
            })
        })
}

/// Any valid packet of version `v`.
fn packet(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    let mut arms: Vec<(u32, BoxedStrategy<Packet>)> = vec![
        (2, connect(v).boxed()),
        (2, connack(v).boxed()),
        (4, publish(v).boxed()),
        (1, pub_response(v, PacketType::PubAck).boxed()),
        (1, pub_response(v, PacketType::PubRec).boxed()),
        (1, pub_response(v, PacketType::PubRel).boxed()),
        (1, pub_response(v, PacketType::PubComp).boxed()),
        (2, subscribe(v).boxed()),
        (2, suback(v).boxed()),
        (2, unsubscribe(v).boxed()),
        (1, unsuback(v)),
        (1, Just(Packet::PingReq).boxed()),
        (1, Just(Packet::PingResp).boxed()),
        (1, disconnect(v).boxed()),
    ];
    if v.is_v5() {
        arms.push((1, auth().boxed()));
    }
    Union::new_weighted(arms).boxed()
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

fn encode(p: &Packet, v: ProtocolVersion) -> Result<BytesMut, TestCaseError> {
    let mut buf = BytesMut::new();
    let res = p.encode(v, &mut buf);
    prop_assert_eq!(res, Ok(()), "encoding {:?} for {}", p, v);
    Ok(buf)
}

/// The full round-trip contract for one valid packet.
fn check_roundtrip(v: ProtocolVersion, p: &Packet, split: Index) -> Result<(), TestCaseError> {
    let encoded = encode(p, v)?;
    prop_assert_eq!(p.encoded_len(v), encoded.len(), "encoded_len of {:?}", p);
    let bytes = encoded.clone().freeze();
    let len = bytes.len();

    // Whole buffer: the same packet, everything consumed.
    let mut buf = encoded;
    prop_assert_eq!(
        codec::decode(&mut buf, Some(v), u32::MAX),
        Ok(Some(p.clone()))
    );
    prop_assert!(buf.is_empty(), "{} bytes left over", buf.len());

    // Split at an arbitrary point: nothing until the rest arrives.
    let at = split.index(len);
    let mut buf = BytesMut::from(&bytes[..at]);
    prop_assert_eq!(codec::decode(&mut buf, Some(v), u32::MAX), Ok(None));
    prop_assert_eq!(buf.len(), at, "an incomplete packet consumed bytes");
    buf.extend_from_slice(&bytes[at..]);
    prop_assert_eq!(
        codec::decode(&mut buf, Some(v), u32::MAX),
        Ok(Some(p.clone()))
    );
    prop_assert!(buf.is_empty());

    // Followed by another packet: exactly one packet is taken each time.
    let mut buf = BytesMut::from(&bytes[..]);
    buf.put_slice(&[0xC0, 0x00]); // PINGREQ
    prop_assert_eq!(
        codec::decode(&mut buf, Some(v), u32::MAX),
        Ok(Some(p.clone()))
    );
    prop_assert_eq!(
        codec::decode(&mut buf, Some(v), u32::MAX),
        Ok(Some(Packet::PingReq))
    );
    prop_assert!(buf.is_empty());

    // The maximum packet size is compared with the whole encoded length.
    let limit = u32::try_from(len).unwrap();
    let mut buf = BytesMut::from(&bytes[..]);
    prop_assert_eq!(codec::decode(&mut buf, Some(v), limit), Ok(Some(p.clone())));
    let mut buf = BytesMut::from(&bytes[..]);
    let too_small = codec::decode(&mut buf, Some(v), limit - 1);
    prop_assert!(
        matches!(&too_small, Err(e) if matches!(e.kind(), ErrorKind::PacketTooLarge { .. })),
        "limit {} for a {}-byte packet gave {:?}",
        limit - 1,
        len,
        too_small
    );

    // CONNECT decodes without a known version and sets the decoder's version.
    if let Packet::Connect(c) = p {
        prop_assert_eq!(c.protocol, v);
        let mut buf = BytesMut::from(&bytes[..]);
        let mut decoder = Decoder::new(u32::MAX);
        prop_assert_eq!(decoder.decode(&mut buf), Ok(Some(p.clone())));
        prop_assert_eq!(decoder.version(), Some(v));
    }
    Ok(())
}

fn roundtrip_cases() -> ProptestConfig {
    ProptestConfig::with_cases(512)
}

proptest! {
    #![proptest_config(roundtrip_cases())]

    #[test]
    fn roundtrip_v3_1(p in packet(ProtocolVersion::V3_1), split in any::<Index>()) {
        check_roundtrip(ProtocolVersion::V3_1, &p, split)?;
    }

    #[test]
    fn roundtrip_v3_1_1(p in packet(ProtocolVersion::V3_1_1), split in any::<Index>()) {
        check_roundtrip(ProtocolVersion::V3_1_1, &p, split)?;
    }

    #[test]
    fn roundtrip_v5(p in packet(ProtocolVersion::V5), split in any::<Index>()) {
        check_roundtrip(ProtocolVersion::V5, &p, split)?;
    }
}

// ---------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------

fn stream() -> impl Strategy<Value = (ProtocolVersion, Vec<Packet>, Vec<Index>)> {
    select(VERSIONS.to_vec())
        .prop_flat_map(|v| (Just(v), vec(packet(v), 1..6), vec(any::<Index>(), 0..8)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Several packets written back to back and delivered in arbitrary chunks come
    /// out of a `Decoder` in order, each as soon as its last byte arrives.
    #[test]
    fn stream_in_arbitrary_chunks((v, packets, cuts) in stream()) {
        let mut wire = BytesMut::new();
        for p in &packets {
            wire.extend_from_slice(&encode(p, v)?);
        }
        let wire = wire.freeze();
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(wire.len())).collect();
        cuts.push(wire.len());
        cuts.sort_unstable();

        let mut decoder = Decoder::with_version(v, u32::MAX);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut from = 0;
        for to in cuts {
            buf.extend_from_slice(&wire[from..to]);
            from = to;
            while let Some(p) = decoder.decode(&mut buf).map_err(|e| {
                TestCaseError::fail(format!("decode error {e} in a valid stream"))
            })? {
                out.push(p);
            }
        }
        prop_assert!(buf.is_empty());
        prop_assert_eq!(out, packets);
    }
}

// ---------------------------------------------------------------------------
// Arbitrary input
// ---------------------------------------------------------------------------

fn put_varint(out: &mut Vec<u8>, mut v: usize) {
    loop {
        let mut b = u8::try_from(v % 128).unwrap();
        v /= 128;
        if v > 0 {
            b |= 0x80;
        }
        out.push(b);
        if v == 0 {
            break;
        }
    }
}

/// A valid packet of some version, damaged: a few body bytes changed, a byte
/// inserted or removed, the header flags altered, and usually re-framed so the
/// Remaining Length matches the damaged body (which then reaches the body decoder).
fn damaged_packet() -> impl Strategy<Value = Vec<u8>> {
    select(VERSIONS.to_vec())
        .prop_flat_map(|v| {
            (
                Just(v),
                packet(v),
                vec((any::<Index>(), 1..=u8::MAX), 0..3),
                option::of((any::<Index>(), any::<u8>(), any::<bool>())),
                prop_oneof![6 => Just(0u8), 1 => 1u8..16],
                prop_oneof![4 => Just(true), 1 => Just(false)],
            )
        })
        .prop_map(|(v, p, flips, edit, flag_flip, reframe)| {
            let mut buf = BytesMut::new();
            p.encode(v, &mut buf).unwrap();
            let header = FixedHeader::parse(&buf, u32::MAX, v).unwrap().unwrap();
            let mut body = buf[header.header_len..].to_vec();
            if !body.is_empty() {
                for (at, x) in flips {
                    let i = at.index(body.len());
                    body[i] ^= x;
                }
            }
            match edit {
                Some((at, b, true)) => body.insert(at.index(body.len() + 1), b),
                Some((at, _, false)) if !body.is_empty() => {
                    body.remove(at.index(body.len()));
                }
                _ => {}
            }
            let mut out = vec![buf[0] ^ flag_flip];
            if reframe {
                put_varint(&mut out, body.len());
            } else {
                out.extend_from_slice(&buf[1..header.header_len]);
            }
            out.extend(body);
            out
        })
}

/// Bytes a peer might send: noise, noise inside a well-formed fixed header, and
/// damaged valid packets of any version.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    let noise = vec(any::<u8>(), 0..64);
    let framed = (any::<u8>(), vec(any::<u8>(), 0..64)).prop_map(|(first, body)| {
        let mut out = vec![first];
        put_varint(&mut out, body.len());
        out.extend(body);
        out
    });
    prop_oneof![1 => noise, 2 => framed, 6 => damaged_packet()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Decoding arbitrary bytes never panics. It fails, asks for more bytes (and
    /// consumes nothing), or yields a packet that re-encodes and decodes to itself.
    #[test]
    fn arbitrary_bytes_never_panic(input in hostile_bytes()) {
        let versions = [
            None,
            Some(ProtocolVersion::V3_1),
            Some(ProtocolVersion::V3_1_1),
            Some(ProtocolVersion::V5),
        ];
        for version in versions {
            let mut buf = BytesMut::from(&input[..]);
            match codec::decode(&mut buf, version, u32::MAX) {
                Err(_) => {}
                Ok(None) => prop_assert_eq!(buf.len(), input.len()),
                Ok(Some(p)) => {
                    if version.is_none() {
                        prop_assert_eq!(p.packet_type(), PacketType::Connect);
                    }
                    let v = version.unwrap_or(ProtocolVersion::V5);
                    let mut out = encode(&p, v)?;
                    prop_assert_eq!(p.encoded_len(v), out.len());
                    prop_assert_eq!(codec::decode(&mut out, version, u32::MAX), Ok(Some(p)));
                    prop_assert!(out.is_empty());
                }
            }
        }
    }
}

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
