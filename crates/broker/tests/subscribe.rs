#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! SUBSCRIBE / UNSUBSCRIBE over TCP: overlapping subscriptions and Subscription
//! Identifiers, replacing a subscription, topic matching (section 4.7), invalid
//! filters, UNSUBACK, No Local. Statements are cited per version: v5 ids unless
//! marked "3.1.1".

use std::collections::BTreeSet;
use std::num::NonZeroU32;

use midge_proto::{
    Packet, ProtocolVersion, QoS, ReasonCode, Subscribe, SubscriptionOptions, TopicFilter,
};
use midge_testkit::{QUIET, TestBroker, TestClient, filter, pid, publish, raw_subscribe};
use tokio::net::TcpStream;

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V5, ProtocolVersion::V3_1_1];

/// SUBSCRIBE of `filter_text` at `qos` with Subscription Identifier `sub_id`.
async fn subscribe_id(
    c: &mut TestClient<TcpStream>,
    id: u16,
    filter_text: &str,
    qos: QoS,
    sub_id: Option<u32>,
) -> Vec<ReasonCode> {
    let mut s = Subscribe::new(
        pid(id),
        vec![(filter(filter_text), SubscriptionOptions::new(qos))],
    );
    s.properties.subscription_identifier = sub_id.map(|v| NonZeroU32::new(v).unwrap());
    c.send(s).await;
    match c.recv().await {
        Packet::SubAck(a) => {
            assert_eq!(a.packet_id, pid(id), "[MQTT-3.8.4-2]");
            a.reason_codes
        }
        other => panic!("expected SUBACK, got {other:?}"),
    }
}

fn ids(p: &midge_proto::Publish) -> Vec<u32> {
    let mut v: Vec<u32> = p
        .properties
        .subscription_identifiers
        .iter()
        .map(|i| i.get())
        .collect();
    v.sort_unstable();
    v
}

/// Subscribes one client per filter (plus the sentinel topic `end`), publishes
/// every topic at QoS 1 then `end`, and returns, per filter, the topics received.
async fn matching_matrix(
    version: ProtocolVersion,
    filters: &[&str],
    topics: &[&str],
) -> Vec<(String, BTreeSet<String>)> {
    let broker = TestBroker::start().await;
    let mut subs = Vec::new();
    for (i, f) in filters.iter().enumerate() {
        let mut s = broker.connect_version(version, &format!("sub{i}")).await;
        let ack = s.subscribe(1, f, QoS::AtMostOnce).await;
        assert_eq!(ack.reason_codes, vec![ReasonCode::Success], "{f}");
        s.subscribe(2, "end", QoS::AtMostOnce).await;
        subs.push(((*f).to_owned(), s));
    }
    let mut publ = broker.connect_version(version, "pub").await;
    for (i, t) in topics.iter().enumerate() {
        let mut p = publish(t, t, QoS::AtLeastOnce);
        p.packet_id = Some(pid(u16::try_from(i + 1).unwrap()));
        publ.publish_complete(p).await;
    }
    publ.publish_complete(publish("end", "end", QoS::AtLeastOnce))
        .await;
    let mut out = Vec::new();
    for (f, mut s) in subs {
        let mut got = BTreeSet::new();
        loop {
            let p = s.recv_publish().await;
            if p.topic.as_str() == "end" {
                break;
            }
            got.insert(p.topic.as_str().to_owned());
        }
        out.push((f, got));
    }
    broker.stop().await;
    out
}

fn check_matrix(
    version: ProtocolVersion,
    got: &[(String, BTreeSet<String>)],
    want: &[(&str, &[&str])],
) {
    for ((f, topics), (wf, wtopics)) in got.iter().zip(want) {
        assert_eq!(f, wf);
        let want: BTreeSet<String> = wtopics.iter().map(|t| (*t).to_owned()).collect();
        assert_eq!(topics, &want, "{version}: filter {f:?}");
    }
}

/// [MQTT-3.3.4-2], [MQTT-3.3.4-3], [MQTT-3.3.4-4]: overlapping subscriptions
/// of one client give ONE copy, at the highest QoS of the matching
/// subscriptions, carrying the Subscription Identifiers of all of them.
#[tokio::test]
async fn mqtt_3_3_4_2_overlapping_subscriptions_one_copy_max_qos_all_ids() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_version(ProtocolVersion::V5, "sub").await;
    assert_eq!(
        subscribe_id(&mut sub, 1, "a/+", QoS::AtLeastOnce, Some(1)).await,
        vec![ReasonCode::GrantedQoS1]
    );
    assert_eq!(
        subscribe_id(&mut sub, 2, "a/#", QoS::ExactlyOnce, Some(2)).await,
        vec![ReasonCode::GrantedQoS2]
    );
    subscribe_id(&mut sub, 3, "a/b", QoS::AtMostOnce, None).await;
    let mut publ = broker.connect_version(ProtocolVersion::V5, "pub").await;

    // a/b matches all three: QoS 2 (max), ids 1 and 2.
    publ.publish_complete(publish("a/b", "1", QoS::ExactlyOnce))
        .await;
    let got = sub.recv_publish_acking().await;
    assert_eq!(got.topic.as_str(), "a/b");
    assert_eq!(got.qos, QoS::ExactlyOnce);
    assert_eq!(ids(&got), vec![1, 2]);
    sub.expect_no_publish(QUIET).await;

    // Published at QoS 1: min(1, max granted 2) = 1.
    publ.publish_complete(publish("a/c", "2", QoS::AtLeastOnce))
        .await;
    let got = sub.recv_publish_acking().await;
    assert_eq!(got.qos, QoS::AtLeastOnce);
    assert_eq!(ids(&got), vec![1, 2]);
    sub.expect_no_publish(QUIET).await;

    // a/c/d matches only a/#.
    publ.publish_complete(publish("a/c/d", "3", QoS::ExactlyOnce))
        .await;
    let got = sub.recv_publish_acking().await;
    assert_eq!(got.qos, QoS::ExactlyOnce);
    assert_eq!(ids(&got), vec![2]);
    sub.expect_no_publish(QUIET).await;
    broker.stop().await;
}

/// 3.1.1 [MQTT-3.3.5-1]: with overlapping subscriptions the message is
/// delivered respecting the maximum QoS of the matching subscriptions (extra
/// copies are allowed in 3.1.1, so only the max-QoS copy is required).
#[tokio::test]
async fn mqtt_3_3_5_1_v311_overlapping_subscriptions_delivered_at_max_qos() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_version(ProtocolVersion::V3_1_1, "sub").await;
    sub.subscribe(1, "a/+", QoS::AtMostOnce).await;
    sub.subscribe(2, "a/#", QoS::ExactlyOnce).await;
    sub.subscribe(3, "#", QoS::AtLeastOnce).await;
    let mut publ = broker.connect_version(ProtocolVersion::V3_1_1, "pub").await;
    publ.publish_complete(publish("a/b", "x", QoS::ExactlyOnce))
        .await;
    let mut copies = vec![sub.recv_publish_acking().await];
    while let Some(p) = sub.try_recv(QUIET).await {
        match p {
            Packet::Publish(p) => copies.push(*p),
            Packet::PubRel(r) => {
                sub.send(Packet::PubComp(midge_proto::PubResponse::new(r.packet_id)))
                    .await;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(copies.len() <= 3, "at most one copy per subscription");
    assert!(
        copies.iter().any(|p| p.qos == QoS::ExactlyOnce),
        "a copy at the maximum QoS: {copies:?}"
    );
    broker.stop().await;
}

/// [MQTT-3.3.4-3]: the Subscription Identifier of the matching subscription is
/// sent with the message (up to the largest value, 268,435,455); a
/// subscription without one gives a message without any.
#[tokio::test]
async fn mqtt_3_3_4_3_subscription_identifier_forwarded() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_version(ProtocolVersion::V5, "sub").await;
    subscribe_id(&mut sub, 1, "sid/big", QoS::AtMostOnce, Some(268_435_455)).await;
    subscribe_id(&mut sub, 2, "sid/small", QoS::AtMostOnce, Some(1)).await;
    subscribe_id(&mut sub, 3, "sid/none", QoS::AtMostOnce, None).await;
    let mut publ = broker.connect_version(ProtocolVersion::V5, "pub").await;
    for t in ["sid/big", "sid/small", "sid/none"] {
        publ.publish_complete(publish(t, "x", QoS::AtLeastOnce))
            .await;
    }
    let mut got = Vec::new();
    for _ in 0..3 {
        let p = sub.recv_publish().await;
        got.push((p.topic.as_str().to_owned(), ids(&p)));
    }
    got.sort();
    assert_eq!(
        got,
        vec![
            ("sid/big".to_owned(), vec![268_435_455]),
            ("sid/none".to_owned(), vec![]),
            ("sid/small".to_owned(), vec![1]),
        ]
    );
    broker.stop().await;
}

/// [MQTT-3.8.4-3] (3.1.1 [MQTT-3.8.4-3]): a SUBSCRIBE with a filter identical
/// to an existing one replaces that subscription: its QoS and Subscription
/// Identifier change and there is still only one copy per message.
#[tokio::test]
async fn mqtt_3_8_4_3_resubscribe_replaces_subscription_options() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        let v5 = version.is_v5();
        subscribe_id(&mut sub, 1, "re/t", QoS::AtMostOnce, v5.then_some(1)).await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.publish_complete(publish("re/t", "before", QoS::ExactlyOnce))
            .await;
        let got = sub.recv_publish_acking().await;
        assert_eq!(got.qos, QoS::AtMostOnce, "{version}");
        if v5 {
            assert_eq!(ids(&got), vec![1]);
        }

        assert_eq!(
            subscribe_id(&mut sub, 2, "re/t", QoS::ExactlyOnce, v5.then_some(2)).await,
            vec![ReasonCode::GrantedQoS2]
        );
        publ.publish_complete(publish("re/t", "after", QoS::ExactlyOnce))
            .await;
        let got = sub.recv_publish_acking().await;
        assert_eq!(&got.payload[..], b"after");
        assert_eq!(got.qos, QoS::ExactlyOnce, "{version}: new options in force");
        if v5 {
            assert_eq!(ids(&got), vec![2], "the old identifier is gone");
        }
        sub.expect_no_publish(QUIET).await;

        if v5 {
            // Replaced again without an identifier.
            subscribe_id(&mut sub, 3, "re/t", QoS::AtLeastOnce, None).await;
            publ.publish_complete(publish("re/t", "again", QoS::ExactlyOnce))
                .await;
            let got = sub.recv_publish_acking().await;
            assert_eq!(got.qos, QoS::AtLeastOnce);
            assert_eq!(ids(&got), Vec::<u32>::new());
            sub.expect_no_publish(QUIET).await;
        }
        broker.stop().await;
    }
}

/// [MQTT-4.7.1-2] (3.1.1 [MQTT-4.7.1-3]): `+` matches exactly one level,
/// including an empty one, at any position.
#[tokio::test]
async fn mqtt_4_7_1_2_single_level_wildcard_matching() {
    let filters = ["sport/tennis/+", "sport/+", "+", "+/+", "/+", "+/tennis/#"];
    let topics = [
        "sport",
        "sport/",
        "sport/tennis",
        "sport/tennis/player1",
        "sport/tennis/player1/ranking",
        "/finance",
        "finance",
    ];
    let want: [(&str, &[&str]); 6] = [
        ("sport/tennis/+", &["sport/tennis/player1"]),
        ("sport/+", &["sport/", "sport/tennis"]),
        ("+", &["sport", "finance"]),
        ("+/+", &["sport/", "sport/tennis", "/finance"]),
        ("/+", &["/finance"]),
        (
            "+/tennis/#",
            &[
                "sport/tennis",
                "sport/tennis/player1",
                "sport/tennis/player1/ranking",
            ],
        ),
    ];
    for version in VERSIONS {
        let got = matching_matrix(version, &filters, &topics).await;
        check_matrix(version, &got, &want);
    }
}

/// [MQTT-4.7.1-1] (3.1.1 [MQTT-4.7.1-2]): `#` matches its parent level and any
/// number of child levels; `sport/#` matches `sport`; `#` alone matches every
/// topic not starting with `$`.
#[tokio::test]
async fn mqtt_4_7_1_1_multi_level_wildcard_matching() {
    let filters = ["sport/#", "sport/tennis/#", "#", "sport/tennis/player1/#"];
    let topics = [
        "sport",
        "sport/tennis",
        "sport/tennis/player1",
        "sport/tennis/player1/ranking",
        "sport/tennis/player1/score/wimbledon",
        "sports",
        "/sport",
    ];
    let want: [(&str, &[&str]); 4] = [
        (
            "sport/#",
            &[
                "sport",
                "sport/tennis",
                "sport/tennis/player1",
                "sport/tennis/player1/ranking",
                "sport/tennis/player1/score/wimbledon",
            ],
        ),
        (
            "sport/tennis/#",
            &[
                "sport/tennis",
                "sport/tennis/player1",
                "sport/tennis/player1/ranking",
                "sport/tennis/player1/score/wimbledon",
            ],
        ),
        (
            "#",
            &[
                "sport",
                "sport/tennis",
                "sport/tennis/player1",
                "sport/tennis/player1/ranking",
                "sport/tennis/player1/score/wimbledon",
                "sports",
                "/sport",
            ],
        ),
        (
            "sport/tennis/player1/#",
            &[
                "sport/tennis/player1",
                "sport/tennis/player1/ranking",
                "sport/tennis/player1/score/wimbledon",
            ],
        ),
    ];
    for version in VERSIONS {
        let got = matching_matrix(version, &filters, &topics).await;
        check_matrix(version, &got, &want);
    }
}

/// [MQTT-4.7.2-1] (3.1.1 [MQTT-4.7.2-1]): filters starting with a wildcard do
/// not match Topic Names starting with `$`; `$SYS/#` and `$SYS/+` do.
#[tokio::test]
async fn mqtt_4_7_2_1_dollar_topics_not_matched_by_leading_wildcards() {
    let filters = ["#", "+/x", "+/+", "+/#", "$SYS/#", "$SYS/+", "$SYS/x"];
    let topics = ["$SYS/x", "$SYS/a/b", "sys/x"];
    let want: [(&str, &[&str]); 7] = [
        ("#", &["sys/x"]),
        ("+/x", &["sys/x"]),
        ("+/+", &["sys/x"]),
        ("+/#", &["sys/x"]),
        ("$SYS/#", &["$SYS/x", "$SYS/a/b"]),
        ("$SYS/+", &["$SYS/x"]),
        ("$SYS/x", &["$SYS/x"]),
    ];
    for version in VERSIONS {
        let got = matching_matrix(version, &filters, &topics).await;
        check_matrix(version, &got, &want);
    }
}

/// [MQTT-4.7.3-4] (3.1.1 [MQTT-4.7.3-4]): no normalization when matching:
/// case matters, empty levels and trailing `/` are significant.
#[tokio::test]
async fn mqtt_4_7_3_4_matching_without_normalization() {
    let filters = ["ACCOUNTS", "a/b", "a//b", "a/", "/finance", "caf\u{e9}"];
    let topics = [
        "ACCOUNTS",
        "Accounts",
        "accounts",
        "a/b",
        "a//b",
        "a/",
        "a",
        "/finance",
        "finance",
        "caf\u{e9}",
        "cafe\u{301}",
    ];
    let want: [(&str, &[&str]); 6] = [
        ("ACCOUNTS", &["ACCOUNTS"]),
        ("a/b", &["a/b"]),
        ("a//b", &["a//b"]),
        ("a/", &["a/"]),
        ("/finance", &["/finance"]),
        ("caf\u{e9}", &["caf\u{e9}"]),
    ];
    for version in VERSIONS {
        let got = matching_matrix(version, &filters, &topics).await;
        check_matrix(version, &got, &want);
    }
}

/// Invalid Topic Filters: [MQTT-4.7.1-1], [MQTT-4.7.1-2], [MQTT-4.7.3-1] and
/// [MQTT-4.13.1-1] (3.1.1 [MQTT-4.7.1-2], [MQTT-4.7.1-3], [MQTT-4.7.3-1],
/// [MQTT-4.8.0-1]): a misplaced wildcard or an empty filter makes the SUBSCRIBE
/// malformed; no SUBACK, the connection is closed, after a v5 DISCONNECT whose
/// reason is 0x81 Malformed Packet, 0x82 Protocol Error or the more specific 0x8F
/// Topic Filter invalid.
#[tokio::test]
async fn mqtt_4_7_1_1_invalid_filter_closes_connection_without_suback() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        for (i, bad) in ["a/#/b", "a+", "a/b#", "#/a", "a/+b", "++", "##", ""]
            .into_iter()
            .enumerate()
        {
            let mut c = broker.connect_version(version, &format!("c{i}")).await;
            c.send_bytes(&raw_subscribe(version, 1, bad.as_bytes(), 1))
                .await;
            let disconnect = c.expect_close().await;
            if version.is_v5() {
                let d = disconnect.unwrap_or_else(|| panic!("{bad:?}: DISCONNECT expected"));
                assert!(
                    matches!(
                        d.reason_code,
                        ReasonCode::MalformedPacket
                            | ReasonCode::ProtocolError
                            | ReasonCode::TopicFilterInvalid
                    ),
                    "{bad:?}: {:?}",
                    d.reason_code
                );
            } else {
                assert!(disconnect.is_none());
            }
        }
        // Nothing was subscribed: a valid client sees the broker still works
        // and nobody got "a/b".
        let mut probe = broker.connect_version(version, "probe").await;
        probe.subscribe(1, "a/#", QoS::AtMostOnce).await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.send(publish("a/b", "x", QoS::AtMostOnce)).await;
        probe.recv_publish().await;
        broker.stop().await;
    }
}

/// [MQTT-3.10.4-1], [MQTT-3.10.4-2], [MQTT-3.10.4-4], [MQTT-3.10.4-5]
/// (3.1.1 [MQTT-3.10.4-1], [MQTT-3.10.4-2], [MQTT-3.10.4-4]): UNSUBSCRIBE
/// deletes the subscription (no more delivery), other subscriptions stay, and
/// the UNSUBACK carries the UNSUBSCRIBE's packet id (v5: reason 0x00).
#[tokio::test]
async fn mqtt_3_10_4_1_unsubscribe_stops_delivery() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "un/a", QoS::AtLeastOnce).await;
        sub.subscribe(2, "un/b", QoS::AtLeastOnce).await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.publish_complete(publish("un/a", "1", QoS::AtLeastOnce))
            .await;
        assert_eq!(&sub.recv_publish_acking().await.payload[..], b"1");

        let ack = sub.unsubscribe(77, &["un/a"]).await;
        assert_eq!(ack.packet_id, pid(77));
        if version.is_v5() {
            assert_eq!(ack.reason_codes, vec![ReasonCode::Success]);
        } else {
            assert!(ack.reason_codes.is_empty());
        }
        publ.publish_complete(publish("un/a", "2", QoS::AtLeastOnce))
            .await;
        publ.publish_complete(publish("un/b", "3", QoS::AtLeastOnce))
            .await;
        let got = sub.recv_publish_acking().await;
        assert_eq!(
            (got.topic.as_str(), &got.payload[..]),
            ("un/b", &b"3"[..]),
            "{version}"
        );
        sub.expect_no_publish(QUIET).await;
        broker.stop().await;
    }
}

/// [MQTT-3.11.3-1], [MQTT-3.11.3-2], [MQTT-3.10.4-1], [MQTT-3.10.4-6]: one
/// UNSUBACK with one reason code per filter in order: 0x00 Success, 0x11 No
/// subscription existed (section 3.11.3); filters are compared character by
/// character, so `c/x` does not remove `c/+`.
#[tokio::test]
async fn mqtt_3_11_3_1_unsuback_reason_code_per_filter() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_version(ProtocolVersion::V5, "sub").await;
    sub.subscribe(1, "u/a", QoS::AtMostOnce).await;
    sub.subscribe(2, "u/b/#", QoS::AtMostOnce).await;
    sub.subscribe(3, "c/+", QoS::AtMostOnce).await;
    let ack = sub
        .unsubscribe(4, &["u/a", "u/missing", "u/b/#", "c/x", "u/a"])
        .await;
    assert_eq!(ack.packet_id, pid(4));
    assert_eq!(
        ack.reason_codes,
        vec![
            ReasonCode::Success,
            ReasonCode::NoSubscriptionExisted,
            ReasonCode::Success,
            ReasonCode::NoSubscriptionExisted,
            ReasonCode::NoSubscriptionExisted,
        ]
    );
    let mut publ = broker.connect_version(ProtocolVersion::V5, "pub").await;
    for t in ["u/a", "u/b/c", "c/x"] {
        publ.publish_complete(publish(t, t, QoS::AtLeastOnce)).await;
    }
    assert_eq!(sub.recv_publish().await.topic.as_str(), "c/x");
    sub.expect_nothing(QUIET).await;
    broker.stop().await;
}

/// 3.1.1 [MQTT-3.10.4-4], [MQTT-3.10.4-5]: the UNSUBACK has the UNSUBSCRIBE's
/// packet id and no payload (the test client's 3.1.1 decoder refuses trailing
/// bytes), also when nothing was deleted.
#[tokio::test]
async fn mqtt_3_10_4_5_v311_unsuback_without_payload_even_if_nothing_deleted() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_version(ProtocolVersion::V3_1_1, "sub").await;
    let ack = sub.unsubscribe(9, &["never/subscribed", "x/#"]).await;
    assert_eq!(ack.packet_id, pid(9));
    assert!(ack.reason_codes.is_empty());
    sub.subscribe(1, "x/#", QoS::AtMostOnce).await;
    let ack = sub.unsubscribe(10, &["x/#"]).await;
    assert_eq!(ack.packet_id, pid(10));
    broker.stop().await;
}

/// [MQTT-3.8.3-3]: with No Local, a client's own messages are not forwarded to
/// it, but are forwarded to other subscribers; messages from others reach it;
/// an overlapping subscription without No Local still delivers its own messages.
#[tokio::test]
async fn mqtt_3_8_3_3_no_local_own_messages_not_forwarded() {
    let broker = TestBroker::start().await;
    let mut a = broker.connect_version(ProtocolVersion::V5, "a").await;
    let mut opts = SubscriptionOptions::new(QoS::AtLeastOnce);
    opts.no_local = true;
    a.subscribe_with(1, "nl/t", opts).await;
    let mut b = broker.connect_version(ProtocolVersion::V5, "b").await;
    b.subscribe(1, "nl/t", QoS::AtLeastOnce).await;

    // a's own message: only b gets it (publish_complete panics on any other
    // packet reaching a).
    a.publish_complete(publish("nl/t", "from-a", QoS::AtLeastOnce))
        .await;
    assert_eq!(&b.recv_publish_acking().await.payload[..], b"from-a");
    a.expect_nothing(QUIET).await;

    // b's message reaches a.
    b.publish_complete(publish("nl/t", "from-b", QoS::AtLeastOnce))
        .await;
    assert_eq!(&a.recv_publish_acking().await.payload[..], b"from-b");
    assert_eq!(&b.recv_publish_acking().await.payload[..], b"from-b");

    // An overlapping subscription without No Local: a gets its own message once.
    a.subscribe(2, "nl/#", QoS::AtMostOnce).await;
    a.send(publish("nl/t", "own", QoS::AtMostOnce)).await;
    let got = a.recv_publish().await;
    assert_eq!(&got.payload[..], b"own");
    assert_eq!(got.qos, QoS::AtMostOnce);
    a.expect_nothing(QUIET).await;
    broker.stop().await;
}

/// [MQTT-3.8.4-5], [MQTT-3.8.4-6], [MQTT-3.9.3-1] (3.1.1 [MQTT-3.8.4-4],
/// [MQTT-3.8.4-5], [MQTT-3.9.3-1]): a SUBSCRIBE with several filters gets one
/// SUBACK with one code per filter in order; each works as its own subscription.
#[tokio::test]
async fn mqtt_3_9_3_1_suback_codes_in_filter_order() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        let f = |t: &str| TopicFilter::new(t.to_owned()).unwrap();
        sub.send(Subscribe::new(
            pid(5),
            vec![
                (f("m/2"), SubscriptionOptions::new(QoS::ExactlyOnce)),
                (f("m/0"), SubscriptionOptions::new(QoS::AtMostOnce)),
                (f("m/1"), SubscriptionOptions::new(QoS::AtLeastOnce)),
            ],
        ))
        .await;
        match sub.recv().await {
            Packet::SubAck(a) => {
                assert_eq!(a.packet_id, pid(5));
                assert_eq!(
                    a.reason_codes,
                    vec![
                        ReasonCode::GrantedQoS2,
                        ReasonCode::Success,
                        ReasonCode::GrantedQoS1
                    ],
                    "{version}"
                );
            }
            other => panic!("expected SUBACK, got {other:?}"),
        }
        let mut publ = broker.connect_version(version, "pub").await;
        for t in ["m/2", "m/0", "m/1"] {
            publ.publish_complete(publish(t, t, QoS::ExactlyOnce)).await;
        }
        let mut got = Vec::new();
        for _ in 0..3 {
            let p = sub.recv_publish_acking().await;
            got.push((p.topic.as_str().to_owned(), p.qos));
        }
        got.sort();
        assert_eq!(
            got,
            vec![
                ("m/0".to_owned(), QoS::AtMostOnce),
                ("m/1".to_owned(), QoS::AtLeastOnce),
                ("m/2".to_owned(), QoS::ExactlyOnce),
            ]
        );
        broker.stop().await;
    }
}

/// [MQTT-3.8.4-7], [MQTT-3.8.4-8] (3.1.1 [MQTT-3.8.4-5], [MQTT-3.8.4-6]): the
/// broker may grant less than requested (here `maximum_qos = 1`); SUBACK shows
/// the granted QoS and messages are sent at no more than it.
#[tokio::test]
async fn mqtt_3_8_4_7_granted_qos_below_requested_is_respected() {
    for version in VERSIONS {
        let broker = TestBroker::with_config(|c| c.limits.maximum_qos = 1).await;
        let mut sub = broker.connect_version(version, "sub").await;
        let ack = sub.subscribe(1, "g/t", QoS::ExactlyOnce).await;
        assert_eq!(ack.reason_codes, vec![ReasonCode::GrantedQoS1], "{version}");
        let mut publ = broker.connect_version(version, "pub").await;
        publ.publish_complete(publish("g/t", "x", QoS::AtLeastOnce))
            .await;
        let got = sub.recv_publish_acking().await;
        assert_eq!(got.qos, QoS::AtLeastOnce);
        broker.stop().await;
    }
}

/// [MQTT-3.10.4-3] (3.1.1 [MQTT-3.10.4-3]): after UNSUBSCRIBE the broker
/// completes the QoS 1 and QoS 2 deliveries it had started for that filter
/// (PUBREL answers the PUBREC; a PUBACK is accepted), and adds no new ones.
#[tokio::test]
async fn mqtt_3_10_4_3_unsubscribe_completes_started_qos_flows() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "inflight/t", QoS::ExactlyOnce).await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.publish_complete(publish("inflight/t", "q2", QoS::ExactlyOnce))
            .await;
        let mut q1 = publish("inflight/t", "q1", QoS::AtLeastOnce);
        q1.packet_id = Some(pid(2));
        publ.publish_complete(q1).await;
        let two = sub.recv_publish().await;
        let one = sub.recv_publish().await;
        assert_eq!((two.qos, one.qos), (QoS::ExactlyOnce, QoS::AtLeastOnce));

        sub.unsubscribe(3, &["inflight/t"]).await;
        let mut more = publish("inflight/t", "after", QoS::AtLeastOnce);
        more.packet_id = Some(pid(4));
        publ.publish_complete(more).await;

        sub.send(Packet::PubAck(midge_proto::PubResponse::new(
            one.packet_id.unwrap(),
        )))
        .await;
        sub.send(Packet::PubRec(midge_proto::PubResponse::new(
            two.packet_id.unwrap(),
        )))
        .await;
        match sub.recv().await {
            Packet::PubRel(r) => {
                assert_eq!(r.packet_id, two.packet_id.unwrap(), "{version}");
                sub.send(Packet::PubComp(midge_proto::PubResponse::new(r.packet_id)))
                    .await;
            }
            other => panic!("{version}: expected PUBREL, got {other:?}"),
        }
        sub.expect_nothing(QUIET).await;
        broker.stop().await;
    }
}
