//! MQTT 5.0 Topic Alias mappings (section 3.3.2.3.4): the receiving side's
//! `InboundTopicAliases` and the sending side's `OutboundTopicAliases`, including a
//! sender/receiver pair wired through the real codec.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::num::NonZeroU16;

use midge_proto::bytes::BytesMut;
use midge_proto::session::{InboundTopicAliases, OutboundTopicAliases};
use midge_proto::{ErrorKind, Packet, ProtocolVersion, Publish, ReasonCode, TopicName, codec};

fn publish(topic: &str, alias: Option<u16>) -> Publish {
    let topic = if topic.is_empty() {
        TopicName::empty()
    } else {
        TopicName::new(topic).unwrap()
    };
    let mut p = Publish::new(topic, "x");
    p.properties.topic_alias = alias.and_then(NonZeroU16::new);
    p
}

#[test]
fn inbound_sets_then_resolves_a_mapping() {
    let mut aliases = InboundTopicAliases::new(10);
    let mut first = publish("sensors/a", Some(3));
    aliases.resolve(&mut first).unwrap();
    assert_eq!(first.topic.as_str(), "sensors/a");
    assert_eq!(
        first.properties.topic_alias, None,
        "alias is stripped before forwarding"
    );

    let mut second = publish("", Some(3));
    aliases.resolve(&mut second).unwrap();
    assert_eq!(second.topic.as_str(), "sensors/a");
    assert_eq!(second.properties.topic_alias, None);
}

#[test]
fn inbound_non_empty_topic_replaces_the_mapping() {
    // Section 3.3.2.3.4 item 2b: a new non-empty topic updates the mapping.
    let mut aliases = InboundTopicAliases::new(2);
    aliases.resolve(&mut publish("a", Some(1))).unwrap();
    aliases.resolve(&mut publish("b", Some(1))).unwrap();
    let mut p = publish("", Some(1));
    aliases.resolve(&mut p).unwrap();
    assert_eq!(p.topic.as_str(), "b");
}

#[test]
fn inbound_without_alias_is_untouched() {
    let mut aliases = InboundTopicAliases::new(0);
    let mut p = publish("plain/topic", None);
    aliases.resolve(&mut p).unwrap();
    assert_eq!(p, publish("plain/topic", None));
}

#[test]
fn mqtt_3_3_2_12_every_alias_up_to_the_maximum_is_accepted() {
    let mut aliases = InboundTopicAliases::new(65_535);
    for alias in [1, 2, 1000, 65_535] {
        aliases.resolve(&mut publish("t", Some(alias))).unwrap();
        let mut p = publish("", Some(alias));
        aliases.resolve(&mut p).unwrap();
        assert_eq!(p.topic.as_str(), "t");
    }
}

#[test]
fn mqtt_3_3_2_9_alias_above_the_maximum_is_topic_alias_invalid() {
    let mut aliases = InboundTopicAliases::new(4);
    let err = aliases.resolve(&mut publish("t", Some(5))).unwrap_err();
    assert_eq!(err, ErrorKind::TopicAliasOutOfRange { alias: 5, max: 4 });
    assert_eq!(err.reason_code(), ReasonCode::TopicAliasInvalid);
    assert_eq!(err.rule(ProtocolVersion::V5), Some("MQTT-3.3.2-9"));

    // A connection that announced no Topic Alias Maximum accepts no alias at all.
    let mut none = InboundTopicAliases::new(0);
    let err = none.resolve(&mut publish("t", Some(1))).unwrap_err();
    assert_eq!(err.reason_code(), ReasonCode::TopicAliasInvalid);
}

#[test]
fn empty_topic_with_an_unset_alias_is_a_protocol_error() {
    // Section 3.3.2.3.4 item 3a.
    let mut aliases = InboundTopicAliases::new(4);
    let err = aliases.resolve(&mut publish("", Some(2))).unwrap_err();
    assert_eq!(err, ErrorKind::UnknownTopicAlias(2));
    assert_eq!(err.reason_code(), ReasonCode::ProtocolError);
    // Setting alias 1 does not make alias 2 known.
    aliases.resolve(&mut publish("t", Some(1))).unwrap();
    assert!(aliases.resolve(&mut publish("", Some(2))).is_err());
}

#[test]
fn mqtt_3_3_2_7_mappings_do_not_outlive_the_connection() {
    // Mappings are values owned by one connection: a new connection starts empty.
    let mut first = InboundTopicAliases::new(4);
    first.resolve(&mut publish("t", Some(1))).unwrap();
    let mut second = InboundTopicAliases::new(4);
    assert_eq!(
        second.resolve(&mut publish("", Some(1))).unwrap_err(),
        ErrorKind::UnknownTopicAlias(1)
    );
}

#[test]
fn outbound_first_use_sends_topic_and_alias_then_alias_only() {
    let mut aliases = OutboundTopicAliases::new(8);
    let mut first = publish("factory/line-7/temp", None);
    aliases.apply(&mut first);
    assert_eq!(first.topic.as_str(), "factory/line-7/temp");
    assert_eq!(first.properties.topic_alias, NonZeroU16::new(1));

    let mut second = publish("factory/line-7/temp", None);
    aliases.apply(&mut second);
    assert!(second.topic.is_empty());
    assert_eq!(second.properties.topic_alias, NonZeroU16::new(1));

    let mut other = publish("factory/line-7/rpm", None);
    aliases.apply(&mut other);
    assert_eq!(other.topic.as_str(), "factory/line-7/rpm");
    assert_eq!(other.properties.topic_alias, NonZeroU16::new(2));
}

#[test]
fn mqtt_3_3_2_11_outbound_never_exceeds_the_peer_maximum() {
    let mut aliases = OutboundTopicAliases::new(3);
    for i in 0..50 {
        let mut p = publish(&format!("topic/{}", i % 7), None);
        aliases.apply(&mut p);
        let alias = p.properties.topic_alias.unwrap().get();
        assert!((1..=3).contains(&alias), "alias {alias}");
    }
}

#[test]
fn outbound_disabled_when_the_peer_accepts_no_alias() {
    let mut aliases = OutboundTopicAliases::new(0);
    let mut p = publish("t", None);
    aliases.apply(&mut p);
    assert_eq!(p, publish("t", None));
}

#[test]
fn outbound_rebinding_sends_the_topic_again() {
    let mut aliases = OutboundTopicAliases::new(1);
    let mut a = publish("a", None);
    aliases.apply(&mut a);
    let mut b = publish("b", None);
    aliases.apply(&mut b);
    assert_eq!(
        (b.topic.as_str(), b.properties.topic_alias),
        ("b", NonZeroU16::new(1))
    );
    // "a" lost its alias, so it must be sent in full again.
    let mut a2 = publish("a", None);
    aliases.apply(&mut a2);
    assert_eq!(a2.topic.as_str(), "a");
}

/// A sender and a receiver with the same maximum, talking through the codec:
/// whatever the sender's choices, the receiver recovers every topic.
#[test]
fn sender_and_receiver_agree_through_the_codec() {
    let max = 4;
    let mut out = OutboundTopicAliases::new(max);
    let mut inb = InboundTopicAliases::new(max);
    // Three hot topics and a rotation of eleven cold ones that keep evicting.
    let topics: Vec<String> = (0..200)
        .map(|i| {
            if i % 4 == 0 {
                format!("cold/{}", (i * 7919) % 11)
            } else {
                format!("hot/{}", i % 3)
            }
        })
        .collect();
    let mut wire = BytesMut::new();
    for topic in &topics {
        let mut p = publish(topic, None);
        out.apply(&mut p);
        Packet::from(p)
            .encode(ProtocolVersion::V5, &mut wire)
            .unwrap();
    }
    let mut saved_bytes = 0;
    for topic in &topics {
        let Some(Packet::Publish(mut p)) =
            codec::decode(&mut wire, Some(ProtocolVersion::V5), u32::MAX).unwrap()
        else {
            panic!("expected a PUBLISH");
        };
        if p.topic.is_empty() {
            saved_bytes += topic.len();
        }
        inb.resolve(&mut p).unwrap();
        assert_eq!(p.topic.as_str(), topic);
    }
    assert!(wire.is_empty());
    assert!(saved_bytes > 0, "some topics were sent as aliases only");
}
