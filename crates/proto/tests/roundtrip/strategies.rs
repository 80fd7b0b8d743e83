//! Proptest strategies for every valid packet of MQTT 3.1, 3.1.1 and 5.0.

use std::fmt::Debug;
use std::num::{NonZeroU16, NonZeroU32};

use midge_proto::bytes::Bytes;
use midge_proto::property::{
    AckProperties, AuthProperties, ConnAckProperties, ConnectProperties, DisconnectProperties,
    PublishProperties, SubscribeProperties, UnsubscribeProperties, UserProperty, WillProperties,
};
use midge_proto::{
    Auth, ByteString, ConnAck, Connect, Disconnect, Packet, PacketType, ProtocolVersion,
    PubResponse, Publish, QoS, ReasonCode, RetainHandling, SubAck, Subscribe, SubscriptionOptions,
    TopicFilter, TopicName, UnsubAck, Unsubscribe, Will,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;

pub(crate) const VERSIONS: [ProtocolVersion; 3] = [
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
                Packet::from(Publish {
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
            Packet::from(Auth {
                reason_code,
                properties,
            })
        })
}

/// Any valid packet of version `v`.
pub(crate) fn packet(v: ProtocolVersion) -> BoxedStrategy<Packet> {
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
