#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! Retained messages: storing, replacing and deleting, the RETAIN flag on
//! delivery, Retain As Published, Retain Handling, QoS downgrade, expiry,
//! wildcard subscriptions. Statements are cited per version: v5 ids unless
//! marked "3.1.1".

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::time::Duration;

use midge_proto::{
    Packet, ProtocolVersion, Publish, QoS, ReasonCode, RetainHandling, Subscribe,
    SubscriptionOptions,
};
use midge_testkit::{
    QUIET, TestBroker, connect, duplex, filter, memory_broker, pid, publish, test_config,
};

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V5, ProtocolVersion::V3_1_1];

fn retained(topic: &str, payload: &str, qos: QoS) -> Publish {
    let mut p = publish(topic, payload, qos);
    p.retain = true;
    p
}

fn with_handling(qos: QoS, handling: RetainHandling) -> SubscriptionOptions {
    let mut o = SubscriptionOptions::new(qos);
    o.retain_handling = handling;
    o
}

/// [MQTT-3.3.1-5], [MQTT-3.3.1-9] (3.1.1 [MQTT-3.3.1-5], [MQTT-3.3.1-6],
/// [MQTT-3.3.1-8]): a retained message is stored and sent, with RETAIN 1, to a
/// client subscribing later.
#[tokio::test]
async fn mqtt_3_3_1_5_retained_message_sent_to_later_subscriber_with_retain_1() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.publish_complete(retained("r/t", "kept", QoS::AtLeastOnce))
            .await;
        publ.disconnect(ReasonCode::Success).await;

        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "r/t", QoS::AtLeastOnce).await;
        let got = sub.recv_publish_acking().await;
        assert_eq!(got.topic.as_str(), "r/t");
        assert_eq!(&got.payload[..], b"kept");
        assert!(got.retain, "{version}: RETAIN 1 on a retained message");
        assert_eq!(got.qos, QoS::AtLeastOnce);
        sub.expect_no_publish(QUIET).await;
        broker.stop().await;
    }
}

/// [MQTT-3.3.1-5] (3.1.1 [MQTT-3.3.1-5], [MQTT-3.3.1-7]): a new retained
/// message replaces the topic's previous one.
#[tokio::test]
async fn mqtt_3_3_1_5_retained_message_replaced() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.publish_complete(retained("r/t", "old", QoS::AtLeastOnce))
            .await;
        publ.publish_complete(retained("r/t", "new", QoS::AtMostOnce))
            .await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "r/t", QoS::ExactlyOnce).await;
        let got = sub.recv_publish_acking().await;
        assert_eq!(&got.payload[..], b"new", "{version}");
        assert_eq!(got.qos, QoS::AtMostOnce);
        sub.expect_no_publish(QUIET).await;
        broker.stop().await;
    }
}

/// [MQTT-3.3.1-6], [MQTT-3.3.1-7] (3.1.1 [MQTT-3.3.1-10], [MQTT-3.3.1-11]): a
/// retained PUBLISH with an empty payload is forwarded as normal to current
/// subscribers, removes the retained message and is not stored itself.
#[tokio::test]
async fn mqtt_3_3_1_6_empty_retained_payload_deletes_retained_message() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut live = broker.connect_version(version, "live").await;
        live.subscribe(1, "r/#", QoS::AtLeastOnce).await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.publish_complete(retained("r/t", "kept", QoS::AtLeastOnce))
            .await;
        assert_eq!(&live.recv_publish_acking().await.payload[..], b"kept");
        publ.publish_complete(retained("r/t", "", QoS::AtLeastOnce))
            .await;
        let got = live.recv_publish_acking().await;
        assert_eq!(got.topic.as_str(), "r/t");
        assert!(got.payload.is_empty(), "{version}: forwarded as normal");
        // An empty retained message on a topic that had none is not stored either.
        publ.publish_complete(retained("r/other", "", QoS::AtMostOnce))
            .await;
        assert!(live.recv_publish_acking().await.payload.is_empty());

        let mut later = broker.connect_version(version, "later").await;
        later.subscribe(1, "r/#", QoS::AtLeastOnce).await;
        later.expect_no_publish(QUIET).await;
        assert_eq!(broker.shared().retained.len(), 0);
        broker.stop().await;
    }
}

/// [MQTT-3.3.1-8] (3.1.1 [MQTT-3.3.1-12]): a PUBLISH with RETAIN 0 neither
/// stores, replaces nor removes the retained message.
#[tokio::test]
async fn mqtt_3_3_1_8_non_retained_publish_leaves_retained_message_alone() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.publish_complete(retained("r/t", "kept", QoS::AtLeastOnce))
            .await;
        publ.publish_complete(publish("r/t", "not-kept", QoS::AtLeastOnce))
            .await;
        publ.publish_complete(publish("r/t", "", QoS::AtLeastOnce))
            .await;
        publ.publish_complete(publish("r/none", "not-kept", QoS::AtLeastOnce))
            .await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "r/#", QoS::AtLeastOnce).await;
        let got = sub.recv_publish_acking().await;
        assert_eq!(
            (got.topic.as_str(), &got.payload[..]),
            ("r/t", &b"kept"[..]),
            "{version}"
        );
        sub.expect_no_publish(QUIET).await;
        broker.stop().await;
    }
}

/// [MQTT-3.3.1-12] (3.1.1 [MQTT-3.3.1-9]): a message forwarded to an
/// established subscription has RETAIN 0, whatever the publisher set, unless
/// Retain As Published (v5).
#[tokio::test]
async fn mqtt_3_3_1_12_retain_flag_cleared_when_not_retain_as_published() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "r/t", QoS::AtLeastOnce).await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.publish_complete(retained("r/t", "live", QoS::AtLeastOnce))
            .await;
        let got = sub.recv_publish_acking().await;
        assert_eq!(&got.payload[..], b"live");
        assert!(!got.retain, "{version}: RETAIN 0 on a live delivery");
        broker.stop().await;
    }
}

/// [MQTT-3.3.1-13]: with Retain As Published, RETAIN is forwarded as the
/// publisher set it (1 for a retained message, 0 otherwise); messages sent
/// because of the subscription still have RETAIN 1 ([MQTT-3.3.1-9]).
#[tokio::test]
async fn mqtt_3_3_1_13_retain_flag_kept_with_retain_as_published() {
    let broker = TestBroker::start().await;
    let mut publ = broker.connect_version(ProtocolVersion::V5, "pub").await;
    publ.publish_complete(retained("rap/old", "stored", QoS::AtMostOnce))
        .await;
    let mut sub = broker.connect_version(ProtocolVersion::V5, "sub").await;
    let mut opts = SubscriptionOptions::new(QoS::AtLeastOnce);
    opts.retain_as_published = true;
    sub.subscribe_with(1, "rap/#", opts).await;
    let got = sub.recv_publish_acking().await;
    assert_eq!(&got.payload[..], b"stored");
    assert!(got.retain);

    publ.publish_complete(retained("rap/t", "r1", QoS::AtLeastOnce))
        .await;
    let got = sub.recv_publish_acking().await;
    assert_eq!(&got.payload[..], b"r1");
    assert!(got.retain, "retained message forwarded with RETAIN 1");

    publ.publish_complete(publish("rap/t", "r0", QoS::AtLeastOnce))
        .await;
    let got = sub.recv_publish_acking().await;
    assert_eq!(&got.payload[..], b"r0");
    assert!(!got.retain, "non-retained message forwarded with RETAIN 0");
    broker.stop().await;
}

/// [MQTT-3.3.1-9], [MQTT-3.8.4-4] (3.1.1 [MQTT-3.3.1-6], [MQTT-3.8.4-3]):
/// Retain Handling 0 sends the retained messages at every SUBSCRIBE, including
/// one replacing an existing subscription; v5 carries the Subscription
/// Identifier ([MQTT-3.3.4-3]).
#[tokio::test]
async fn mqtt_3_3_1_9_retain_handling_0_sends_retained_at_every_subscribe() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.publish_complete(retained("rh0/t", "kept", QoS::AtLeastOnce))
            .await;
        let mut sub = broker.connect_version(version, "sub").await;
        for (round, sub_id) in [(1u16, 5u32), (2, 6)] {
            let mut s = Subscribe::new(
                pid(round),
                vec![(
                    filter("rh0/t"),
                    with_handling(QoS::AtLeastOnce, RetainHandling::SendAtSubscribe),
                )],
            );
            if version.is_v5() {
                s.properties.subscription_identifier = NonZeroU32::new(sub_id);
            }
            sub.send(s).await;
            assert!(matches!(sub.recv().await, Packet::SubAck(_)));
            let got = sub.recv_publish_acking().await;
            assert_eq!(&got.payload[..], b"kept", "{version} round {round}");
            assert!(got.retain);
            if version.is_v5() {
                let ids: Vec<u32> = got
                    .properties
                    .subscription_identifiers
                    .iter()
                    .map(|i| i.get())
                    .collect();
                assert_eq!(ids, vec![sub_id]);
            }
        }
        sub.expect_no_publish(QUIET).await;
        broker.stop().await;
    }
}

/// [MQTT-3.3.1-10] (body text, section 3.3.1.3; the appendix copy of the
/// statement has the two cases swapped): Retain Handling 1 sends the retained
/// messages only if the subscription did not already exist.
#[tokio::test]
async fn mqtt_3_3_1_10_retain_handling_1_sends_retained_only_for_new_subscription() {
    let broker = TestBroker::start().await;
    let mut publ = broker.connect_version(ProtocolVersion::V5, "pub").await;
    publ.publish_complete(retained("rh1/t", "kept", QoS::AtLeastOnce))
        .await;
    let mut sub = broker.connect_version(ProtocolVersion::V5, "sub").await;
    let opts = with_handling(QoS::AtLeastOnce, RetainHandling::SendIfNew);
    sub.subscribe_with(1, "rh1/t", opts).await;
    let got = sub.recv_publish_acking().await;
    assert_eq!(&got.payload[..], b"kept");
    assert!(got.retain);
    // Same filter again: the subscription exists, nothing is sent.
    sub.subscribe_with(2, "rh1/t", opts).await;
    sub.expect_no_publish(QUIET).await;
    // After UNSUBSCRIBE it is new again.
    sub.unsubscribe(3, &["rh1/t"]).await;
    sub.subscribe_with(4, "rh1/t", opts).await;
    assert_eq!(&sub.recv_publish_acking().await.payload[..], b"kept");
    broker.stop().await;
}

/// [MQTT-3.3.1-11]: Retain Handling 2 never sends retained messages at
/// subscribe time; later messages still flow.
#[tokio::test]
async fn mqtt_3_3_1_11_retain_handling_2_never_sends_retained() {
    let broker = TestBroker::start().await;
    let mut publ = broker.connect_version(ProtocolVersion::V5, "pub").await;
    publ.publish_complete(retained("rh2/t", "kept", QoS::AtLeastOnce))
        .await;
    let mut sub = broker.connect_version(ProtocolVersion::V5, "sub").await;
    let opts = with_handling(QoS::AtLeastOnce, RetainHandling::DoNotSend);
    sub.subscribe_with(1, "rh2/t", opts).await;
    sub.subscribe_with(2, "rh2/t", opts).await;
    sub.subscribe_with(3, "rh2/#", opts).await;
    sub.expect_no_publish(QUIET).await;
    publ.publish_complete(publish("rh2/t", "live", QoS::AtLeastOnce))
        .await;
    assert_eq!(&sub.recv_publish_acking().await.payload[..], b"live");
    broker.stop().await;
}

/// [MQTT-3.8.4-8] (3.1.1 [MQTT-3.8.4-6]) for retained messages: a retained
/// message is sent at min(its QoS, the granted QoS).
#[tokio::test]
async fn mqtt_3_8_4_8_retained_message_qos_downgraded_to_granted() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.publish_complete(retained("rq/2", "two", QoS::ExactlyOnce))
            .await;
        publ.publish_complete(retained("rq/0", "zero", QoS::AtMostOnce))
            .await;
        for granted in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let mut sub = broker
                .connect_version(version, &format!("sub{}", granted.as_u8()))
                .await;
            sub.subscribe(1, "rq/+", granted).await;
            let mut got = BTreeMap::new();
            for _ in 0..2 {
                let p = sub.recv_publish_acking().await;
                assert!(p.retain);
                got.insert(p.topic.as_str().to_owned(), p.qos);
            }
            assert_eq!(got["rq/2"], granted, "{version}");
            assert_eq!(got["rq/0"], QoS::AtMostOnce, "{version}");
            sub.expect_no_publish(QUIET).await;
        }
        broker.stop().await;
    }
}

/// 3.1.1 [MQTT-3.3.1-6] / v5 [MQTT-3.3.1-9]: a wildcard subscription receives
/// the retained message of every matching topic, and only those; `$` topics
/// only for filters not starting with a wildcard ([MQTT-4.7.2-1]).
#[tokio::test]
async fn mqtt_3_3_1_6_wildcard_subscription_receives_every_matching_retained() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut publ = broker.connect_version(version, "pub").await;
        for t in ["w/1", "w/2", "w/a/b", "w", "x/1", "$SYS/w"] {
            publ.publish_complete(retained(t, t, QoS::AtLeastOnce))
                .await;
        }
        let cases: [(&str, &[&str]); 4] = [
            ("w/#", &["w", "w/1", "w/2", "w/a/b"]),
            ("w/+", &["w/1", "w/2"]),
            ("#", &["w", "w/1", "w/2", "w/a/b", "x/1"]),
            ("$SYS/#", &["$SYS/w"]),
        ];
        for (i, (f, want)) in cases.into_iter().enumerate() {
            let mut sub = broker.connect_version(version, &format!("sub{i}")).await;
            sub.subscribe(1, f, QoS::AtLeastOnce).await;
            let mut got = Vec::new();
            for _ in 0..want.len() {
                let p = sub.recv_publish_acking().await;
                assert!(p.retain);
                assert_eq!(p.topic.as_str().as_bytes(), &p.payload[..]);
                got.push(p.topic.as_str().to_owned());
            }
            got.sort();
            assert_eq!(got, want, "{version}: {f}");
            sub.expect_no_publish(QUIET).await;
        }
        broker.stop().await;
    }
}

/// [MQTT-3.3.2-5], [MQTT-3.3.2-6] for retained messages (section 3.3.2.3.3):
/// a retained message is sent with the remaining Message Expiry Interval, and
/// not at all once it has expired. Virtual clock.
#[tokio::test(start_paused = true)]
async fn mqtt_3_3_2_5_expired_retained_message_not_sent() {
    let shared = memory_broker(test_config());
    let mut publ = duplex(&shared);
    publ.handshake(connect(ProtocolVersion::V5, "pub")).await;
    let mut p = retained("exp/t", "short-lived", QoS::AtLeastOnce);
    p.properties.message_expiry_interval = Some(10);
    publ.publish_complete(p).await;
    publ.publish_complete(retained("exp/forever", "kept", QoS::AtLeastOnce))
        .await;

    tokio::time::advance(Duration::from_secs(4)).await;
    let mut early = duplex(&shared);
    early.handshake(connect(ProtocolVersion::V5, "early")).await;
    early.subscribe(1, "exp/t", QoS::AtLeastOnce).await;
    let got = early.recv_publish_acking().await;
    assert_eq!(&got.payload[..], b"short-lived");
    assert_eq!(got.properties.message_expiry_interval, Some(6));

    tokio::time::advance(Duration::from_secs(7)).await;
    let mut late = duplex(&shared);
    late.handshake(connect(ProtocolVersion::V5, "late")).await;
    late.subscribe(1, "exp/#", QoS::AtLeastOnce).await;
    let got = late.recv_publish_acking().await;
    assert_eq!(&got.payload[..], b"kept");
    assert_eq!(got.properties.message_expiry_interval, None);
    late.expect_no_publish(Duration::from_secs(1)).await;
}

/// [MQTT-3.3.1-9] (3.1.1 [MQTT-3.3.1-6]) at scale, default configuration: a
/// wildcard subscription gets EVERY matching retained message, even when there
/// are more of them than a session queue holds (`limits.max_queued_messages`,
/// 1000 by default, bounds what waits for an offline or slow client, not the
/// retained messages a subscription is owed).
#[tokio::test]
async fn mqtt_3_3_1_9_every_matching_retained_message_sent_beyond_queue_size() {
    const N: usize = 1500;
    let broker = TestBroker::start().await;
    let mut publ = broker.connect_version(ProtocolVersion::V5, "pub").await;
    for i in 0..N {
        publ.send(retained(&format!("many/{i}"), "r", QoS::AtMostOnce))
            .await;
    }
    // A QoS 1 round trip: every retained PUBLISH before it has been handled.
    publ.publish_complete(publish("sync", "", QoS::AtLeastOnce))
        .await;
    assert_eq!(broker.shared().retained.len(), N);

    let mut sub = broker.connect_version(ProtocolVersion::V5, "sub").await;
    sub.subscribe(1, "many/#", QoS::AtMostOnce).await;
    let mut got = std::collections::BTreeSet::new();
    while let Some(p) = sub.try_recv(QUIET).await {
        let Packet::Publish(p) = p else {
            panic!("unexpected {p:?}");
        };
        assert!(p.retain);
        got.insert(p.topic.as_str().to_owned());
    }
    assert_eq!(got.len(), N, "retained messages received");
    broker.stop().await;
}
