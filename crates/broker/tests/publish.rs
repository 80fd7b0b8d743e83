#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! Message delivery over TCP: QoS 0/1/2 flows in both directions, exactly-once
//! receipt, outbound QoS, broker packet identifiers, "No matching subscribers",
//! invalid Topic Names and ordering. Statements are cited per version: v5 ids
//! unless marked "3.1.1".

use std::collections::HashSet;

use midge_proto::{Packet, PacketId, ProtocolVersion, PubResponse, QoS, ReasonCode};
use midge_testkit::{QUIET, TestBroker, TestClient, connect, pid, publish, publish_id};
use tokio::net::TcpStream;

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V5, ProtocolVersion::V3_1_1];
const ALL_QOS: [QoS; 3] = [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce];

/// Publishes `n` messages "0".."n-1" to `topic` at `qos`, at most 50
/// unacknowledged at a time (within the broker's Receive Maximum), completing
/// every QoS flow.
async fn publish_many(c: &mut TestClient<TcpStream>, topic: &str, qos: QoS, n: usize) {
    const WINDOW: usize = 50;
    let mut next = 0;
    while next < n {
        let end = (next + WINDOW).min(n);
        for i in next..end {
            let mut p = publish(topic, &i.to_string(), qos);
            if qos != QoS::AtMostOnce {
                p.packet_id = Some(pid(u16::try_from(i % 60_000 + 1).unwrap()));
            }
            c.send(p).await;
        }
        for i in next..end {
            let id = u16::try_from(i % 60_000 + 1).unwrap();
            match qos {
                QoS::AtMostOnce => {}
                QoS::AtLeastOnce => {
                    c.expect_puback(id).await;
                }
                QoS::ExactlyOnce => {
                    c.expect_pubrec(id).await;
                }
            }
        }
        if qos == QoS::ExactlyOnce {
            for i in next..end {
                let id = u16::try_from(i % 60_000 + 1).unwrap();
                c.send(Packet::PubRel(PubResponse::new(pid(id)))).await;
            }
            for i in next..end {
                c.expect_pubcomp(u16::try_from(i % 60_000 + 1).unwrap())
                    .await;
            }
        }
        next = end;
    }
}

/// [MQTT-4.3.1-1] (v5 and 3.1.1): a QoS 0 message is sent with QoS 0 and DUP 0,
/// without a Packet Identifier ([MQTT-2.2.1-2]; 3.1.1 [MQTT-2.3.1-5]); the
/// publisher gets no response ([MQTT-3.3.4-1]).
#[tokio::test]
async fn mqtt_4_3_1_1_qos0_delivered_with_qos0_dup0_and_no_response() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "q0/t", QoS::ExactlyOnce).await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.send(publish("q0/t", "zero", QoS::AtMostOnce)).await;
        let got = sub.recv_publish().await;
        assert_eq!(got.topic.as_str(), "q0/t", "{version}");
        assert_eq!(&got.payload[..], b"zero");
        assert_eq!(
            (got.qos, got.dup, got.packet_id),
            (QoS::AtMostOnce, false, None)
        );
        publ.expect_nothing(QUIET).await;
        sub.expect_nothing(QUIET).await;
        broker.stop().await;
    }
}

/// QoS 1 in both directions (v5 [MQTT-4.3.2-4], [MQTT-2.2.1-5], [MQTT-4.3.2-1],
/// [MQTT-4.3.2-2], [MQTT-4.3.2-3]; 3.1.1 [MQTT-4.3.2-1], [MQTT-4.3.2-2],
/// [MQTT-2.3.1-6]): the broker answers the publisher's PUBLISH with a PUBACK
/// carrying its Packet Identifier, forwards it with QoS 1, DUP 0 and a non-zero
/// id of its own, and once the subscriber's PUBACK arrives sends nothing more.
#[tokio::test]
async fn mqtt_4_3_2_4_qos1_flow_in_both_directions() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "q1/t", QoS::AtLeastOnce).await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.send(publish_id("q1/t", "one", QoS::AtLeastOnce, 17))
            .await;
        let ack = publ.expect_puback(17).await;
        assert_eq!(ack.reason_code, ReasonCode::Success, "{version}");

        let got = sub.recv_publish().await;
        assert_eq!(&got.payload[..], b"one");
        assert_eq!((got.qos, got.dup), (QoS::AtLeastOnce, false), "{version}");
        let id = got.packet_id.expect("QoS 1 carries a packet id");
        sub.send(Packet::PubAck(PubResponse::new(id))).await;
        sub.expect_nothing(QUIET).await;
        publ.expect_nothing(QUIET).await;
        broker.stop().await;
    }
}

/// QoS 2 in both directions (v5 [MQTT-4.3.3-8], [MQTT-4.3.3-11], [MQTT-4.3.3-1],
/// [MQTT-4.3.3-2], [MQTT-4.3.3-4], [MQTT-4.3.3-5]; 3.1.1 [MQTT-4.3.3-1],
/// [MQTT-4.3.3-2]): PUBLISH/PUBREC/PUBREL/PUBCOMP with the publisher, then
/// PUBLISH (QoS 2, DUP 0) / PUBREC / PUBREL (same id) / PUBCOMP with the
/// subscriber, and nothing after.
#[tokio::test]
async fn mqtt_4_3_3_1_qos2_flow_in_both_directions() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "q2/t", QoS::ExactlyOnce).await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.send(publish_id("q2/t", "two", QoS::ExactlyOnce, 9))
            .await;
        assert_eq!(publ.expect_pubrec(9).await.reason_code, ReasonCode::Success);
        publ.send(Packet::PubRel(PubResponse::new(pid(9)))).await;
        assert_eq!(
            publ.expect_pubcomp(9).await.reason_code,
            ReasonCode::Success
        );

        let got = sub.recv_publish().await;
        assert_eq!(&got.payload[..], b"two");
        assert_eq!((got.qos, got.dup), (QoS::ExactlyOnce, false), "{version}");
        let id = got.packet_id.expect("QoS 2 carries a packet id");
        sub.send(Packet::PubRec(PubResponse::new(id))).await;
        match sub.recv().await {
            Packet::PubRel(r) => {
                assert_eq!(r.packet_id, id);
                assert_eq!(r.reason_code, ReasonCode::Success);
            }
            other => panic!("expected PUBREL, got {other:?}"),
        }
        sub.send(Packet::PubComp(PubResponse::new(id))).await;
        sub.expect_nothing(QUIET).await;
        publ.expect_nothing(QUIET).await;
        broker.stop().await;
    }
}

/// [MQTT-4.3.3-10] (3.1.1 [MQTT-4.3.3-2]): a QoS 2 PUBLISH re-sent with DUP 1
/// and the same Packet Identifier before PUBREL is acknowledged with PUBREC
/// again but not delivered onwards a second time.
#[tokio::test]
async fn mqtt_4_3_3_10_qos2_resent_before_pubrel_acknowledged_not_redelivered() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "once/t", QoS::ExactlyOnce).await;
        let mut publ = broker.connect_version(version, "pub").await;

        let first = publish_id("once/t", "exactly-once", QoS::ExactlyOnce, 7);
        publ.send(first.clone()).await;
        publ.expect_pubrec(7).await;
        let mut again = first.clone();
        again.dup = true;
        publ.send(again.clone()).await;
        publ.expect_pubrec(7).await;
        publ.send(again).await;
        publ.expect_pubrec(7).await;
        publ.send(Packet::PubRel(PubResponse::new(pid(7)))).await;
        publ.expect_pubcomp(7).await;

        let got = sub.recv_publish_acking().await;
        assert_eq!(&got.payload[..], b"exactly-once", "{version}");
        sub.expect_no_publish(QUIET).await;
        broker.stop().await;
    }
}

/// [MQTT-4.3.3-10] (3.1.1 [MQTT-4.3.3-2]) across connections: the QoS 2
/// receipt is Session State, so a PUBLISH re-sent with DUP 1 on a new
/// connection of the same session ([MQTT-4.4.0-1]) before PUBREL is
/// acknowledged with PUBREC and not delivered again; PUBREL then completes it.
#[tokio::test]
async fn mqtt_4_3_3_10_qos2_duplicate_detected_after_reconnect() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "once/r", QoS::ExactlyOnce).await;

        let mut c = connect(version, "pub");
        c.clean_start = false;
        if version.is_v5() {
            c.properties.session_expiry_interval = Some(600);
        }
        let (mut publ, _) = broker.connect(c.clone()).await;
        let first = publish_id("once/r", "exactly-once", QoS::ExactlyOnce, 11);
        publ.send(first.clone()).await;
        publ.expect_pubrec(11).await;
        publ.drop_connection().await;

        let (mut publ, connack) = broker.connect(c).await;
        assert!(connack.session_present, "{version}");
        let mut again = first;
        again.dup = true;
        publ.send(again).await;
        publ.expect_pubrec(11).await;
        publ.send(Packet::PubRel(PubResponse::new(pid(11)))).await;
        assert_eq!(
            publ.expect_pubcomp(11).await.reason_code,
            ReasonCode::Success
        );

        let got = sub.recv_publish_acking().await;
        assert_eq!(&got.payload[..], b"exactly-once", "{version}");
        sub.expect_no_publish(QUIET).await;
        broker.stop().await;
    }
}

/// [MQTT-4.3.3-12] (3.1.1 [MQTT-4.3.3-2]): after PUBCOMP, a PUBLISH with the
/// same Packet Identifier is a new Application Message and is delivered.
#[tokio::test]
async fn mqtt_4_3_3_12_same_packet_id_after_pubcomp_is_a_new_message() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "reuse/t", QoS::ExactlyOnce).await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.publish_complete(publish_id("reuse/t", "first", QoS::ExactlyOnce, 5))
            .await;
        publ.publish_complete(publish_id("reuse/t", "second", QoS::ExactlyOnce, 5))
            .await;
        // Even with DUP set, the id was released: a new message.
        let mut third = publish_id("reuse/t", "third", QoS::ExactlyOnce, 5);
        third.dup = true;
        publ.publish_complete(third).await;

        for want in ["first", "second", "third"] {
            let got = sub.recv_publish_acking().await;
            assert_eq!(&got.payload[..], want.as_bytes(), "{version}");
        }
        sub.expect_no_publish(QUIET).await;
        broker.stop().await;
    }
}

/// [MQTT-4.3.2-5] (3.1.1 [MQTT-4.3.2-2]): after PUBACK, a QoS 1 PUBLISH with
/// the same Packet Identifier is a new Application Message, whatever its DUP flag.
#[tokio::test]
async fn mqtt_4_3_2_5_same_packet_id_after_puback_is_a_new_message() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "reuse1/t", QoS::AtLeastOnce).await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.publish_complete(publish_id("reuse1/t", "a", QoS::AtLeastOnce, 3))
            .await;
        let mut b = publish_id("reuse1/t", "b", QoS::AtLeastOnce, 3);
        b.dup = true;
        publ.publish_complete(b).await;
        for want in ["a", "b"] {
            let got = sub.recv_publish_acking().await;
            assert_eq!(&got.payload[..], want.as_bytes(), "{version}");
        }
        sub.expect_no_publish(QUIET).await;
        broker.stop().await;
    }
}

/// [MQTT-4.3.3-11]: a PUBREL is always answered with a PUBCOMP carrying its
/// Packet Identifier; in v5 an unknown id gets reason 0x92 Packet Identifier not
/// found (section 3.7.2.1). 3.1.1: PUBCOMP with the same id.
#[tokio::test]
async fn mqtt_4_3_3_11_pubrel_for_unknown_id_answered_with_pubcomp_0x92() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut publ = broker.connect_version(version, "pub").await;
        publ.send(Packet::PubRel(PubResponse::new(pid(42)))).await;
        let comp = publ.expect_pubcomp(42).await;
        if version.is_v5() {
            assert_eq!(comp.reason_code, ReasonCode::PacketIdentifierNotFound);
        }
        // The connection stays usable.
        publ.publish_complete(publish_id("x", "y", QoS::ExactlyOnce, 42))
            .await;
        broker.stop().await;
    }
}

/// [MQTT-3.8.4-8] (3.1.1 [MQTT-3.8.4-6]) and [MQTT-3.3.4-1]: the QoS of a
/// forwarded message is the minimum of the published QoS and the granted QoS,
/// for all nine combinations; each flow is completed by the subscriber.
#[tokio::test]
async fn mqtt_3_8_4_8_outbound_qos_is_min_of_published_and_granted() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut subs = Vec::new();
        for granted in ALL_QOS {
            let mut s = broker
                .connect_version(version, &format!("sub{}", granted.as_u8()))
                .await;
            let ack = s.subscribe(1, "min/qos", granted).await;
            assert_eq!(ack.reason_codes, vec![ReasonCode::granted(granted)]);
            subs.push((granted, s));
        }
        let mut publ = broker.connect_version(version, "pub").await;
        for (i, published) in ALL_QOS.into_iter().enumerate() {
            publ.publish_complete(publish_id(
                "min/qos",
                &published.as_u8().to_string(),
                published,
                u16::try_from(i + 1).unwrap(),
            ))
            .await;
        }
        for (granted, s) in &mut subs {
            let mut seen = Vec::new();
            for _ in 0..3 {
                let got = s.recv_publish_acking().await;
                let published = QoS::from_u8(got.payload[0] - b'0').unwrap();
                assert_eq!(
                    got.qos,
                    published.min(*granted),
                    "{version}: published {published:?}, granted {granted:?}"
                );
                assert_eq!(got.packet_id.is_some(), got.qos != QoS::AtMostOnce);
                seen.push(published);
            }
            seen.sort();
            assert_eq!(seen, ALL_QOS.to_vec());
            s.expect_no_publish(QUIET).await;
        }
        broker.stop().await;
    }
}

/// [MQTT-2.2.1-4], [MQTT-4.3.2-1], [MQTT-4.3.3-1] (3.1.1 [MQTT-2.3.1-1],
/// [MQTT-2.3.1-4], [MQTT-4.3.2-1], [MQTT-4.3.3-1]): every QoS 1/2 PUBLISH the
/// broker sends has a non-zero Packet Identifier not used by any other exchange
/// still in flight (QoS 1 and QoS 2 share the space; an id awaiting PUBCOMP is
/// still in use).
#[tokio::test]
async fn mqtt_2_2_1_4_broker_packet_ids_non_zero_and_unique_in_flight() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "ids/#", QoS::ExactlyOnce).await;
        let mut publ = broker.connect_version(version, "pub").await;

        let qos_of = |i: usize| {
            if i.is_multiple_of(2) {
                QoS::AtLeastOnce
            } else {
                QoS::ExactlyOnce
            }
        };
        for i in 0..60 {
            publ.publish_complete(publish_id(
                "ids/a",
                &i.to_string(),
                qos_of(i),
                u16::try_from(i + 1).unwrap(),
            ))
            .await;
        }
        let mut in_flight: Vec<(PacketId, QoS)> = Vec::new();
        for i in 0..60 {
            let got = sub.recv_publish().await;
            assert_eq!(&got.payload[..], i.to_string().as_bytes());
            let id = got.packet_id.expect("QoS > 0 has an id");
            assert_ne!(id.get(), 0);
            in_flight.push((id, got.qos));
        }
        let ids: HashSet<u16> = in_flight.iter().map(|(id, _)| id.get()).collect();
        assert_eq!(ids.len(), 60, "{version}: ids in flight are distinct");

        // Complete the first 20 QoS 1 exchanges and move the first 10 QoS 2
        // ones to "awaiting PUBCOMP" (their ids stay in use).
        let mut still_used: HashSet<u16> = ids.clone();
        let mut awaiting_comp = 0;
        for (id, qos) in in_flight.iter().take(40) {
            match qos {
                QoS::AtLeastOnce => {
                    sub.send(Packet::PubAck(PubResponse::new(*id))).await;
                    still_used.remove(&id.get());
                }
                _ => {
                    sub.send(Packet::PubRec(PubResponse::new(*id))).await;
                    awaiting_comp += 1;
                }
            }
        }
        for _ in 0..awaiting_comp {
            match sub.recv().await {
                Packet::PubRel(r) => assert!(still_used.contains(&r.packet_id.get())),
                other => panic!("expected PUBREL, got {other:?}"),
            }
        }
        for i in 60..100 {
            publ.publish_complete(publish_id(
                "ids/b",
                &i.to_string(),
                qos_of(i),
                u16::try_from(i + 1).unwrap(),
            ))
            .await;
        }
        for _ in 60..100 {
            let got = sub.recv_publish().await;
            let id = got.packet_id.expect("QoS > 0 has an id").get();
            assert!(
                still_used.insert(id),
                "{version}: packet id {id} reused while still in flight"
            );
        }
        broker.stop().await;
    }
}

/// v5 PUBACK / PUBREC reason code 0x10 No matching subscribers (sections
/// 3.4.2.1, 3.5.2.1; [MQTT-3.3.4-1]): a QoS 1/2 message nobody is subscribed to
/// is still acknowledged, with 0x10; with a subscriber, 0x00. 3.1.1 PUBACK has
/// no reason code.
#[tokio::test]
async fn mqtt_3_3_4_1_puback_0x10_when_no_matching_subscribers() {
    let broker = TestBroker::start().await;
    let mut publ = broker.connect_version(ProtocolVersion::V5, "pub").await;
    publ.send(publish_id("nobody/here", "x", QoS::AtLeastOnce, 1))
        .await;
    assert_eq!(
        publ.expect_puback(1).await.reason_code,
        ReasonCode::NoMatchingSubscribers
    );
    publ.send(publish_id("nobody/here", "x", QoS::ExactlyOnce, 2))
        .await;
    assert_eq!(
        publ.expect_pubrec(2).await.reason_code,
        ReasonCode::NoMatchingSubscribers
    );
    publ.send(Packet::PubRel(PubResponse::new(pid(2)))).await;
    assert_eq!(
        publ.expect_pubcomp(2).await.reason_code,
        ReasonCode::Success
    );

    let mut sub = broker.connect_version(ProtocolVersion::V5, "sub").await;
    sub.subscribe(1, "nobody/+", QoS::AtMostOnce).await;
    publ.send(publish_id("nobody/here", "x", QoS::AtLeastOnce, 3))
        .await;
    assert_eq!(publ.expect_puback(3).await.reason_code, ReasonCode::Success);
    sub.recv_publish().await;

    let mut old = broker.connect_version(ProtocolVersion::V3_1_1, "old").await;
    old.send(publish_id("nobody/else", "x", QoS::AtLeastOnce, 4))
        .await;
    old.expect_puback(4).await;
    broker.stop().await;
}

/// A PUBLISH Topic Name with a wildcard is refused: [MQTT-3.3.2-2],
/// [MQTT-4.7.0-1], [MQTT-4.13.1-1] (3.1.1 [MQTT-3.3.2-2], [MQTT-4.7.1-1],
/// [MQTT-4.8.0-1]): the connection is closed, after a v5 DISCONNECT with a
/// Malformed Packet / Protocol Error class reason (0x81, 0x82, or the more
/// specific 0x90 Topic Name invalid), and nothing is delivered.
#[tokio::test]
async fn mqtt_3_3_2_2_wildcard_in_publish_topic_closes_connection() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "#", QoS::AtMostOnce).await;
        for (i, topic_name) in ["a/+", "a/#", "+", "#", "a/b+", "a#"]
            .into_iter()
            .enumerate()
        {
            let mut publ = broker.connect_version(version, &format!("pub{i}")).await;
            let mut body = Vec::new();
            body.extend_from_slice(&u16::try_from(topic_name.len()).unwrap().to_be_bytes());
            body.extend_from_slice(topic_name.as_bytes());
            if version.is_v5() {
                body.push(0); // no properties
            }
            body.extend_from_slice(b"payload");
            let mut packet = vec![0x30, u8::try_from(body.len()).unwrap()];
            packet.extend_from_slice(&body);
            publ.send_bytes(&packet).await;
            let disconnect = publ.expect_close().await;
            if version.is_v5() {
                let d = disconnect.unwrap_or_else(|| {
                    panic!("v5: DISCONNECT expected before close for topic {topic_name:?}")
                });
                assert!(
                    matches!(
                        d.reason_code,
                        ReasonCode::MalformedPacket
                            | ReasonCode::ProtocolError
                            | ReasonCode::TopicNameInvalid
                    ),
                    "{topic_name:?}: {:?}",
                    d.reason_code
                );
            } else {
                assert!(disconnect.is_none(), "3.1.1 has no server DISCONNECT");
            }
        }
        sub.expect_nothing(QUIET).await;
        broker.stop().await;
    }
}

/// [MQTT-3.3.1-3] (v5 and 3.1.1): the DUP flag of a forwarded PUBLISH depends
/// only on whether the broker is re-sending it, not on the incoming DUP flag.
#[tokio::test]
async fn mqtt_3_3_1_3_outgoing_dup_set_independently_of_incoming() {
    for version in VERSIONS {
        let broker = TestBroker::start().await;
        let mut sub = broker.connect_version(version, "sub").await;
        sub.subscribe(1, "dup/t", QoS::ExactlyOnce).await;
        let mut publ = broker.connect_version(version, "pub").await;
        for (qos, id) in [(QoS::AtLeastOnce, 1), (QoS::ExactlyOnce, 2)] {
            let mut p = publish_id("dup/t", "d", qos, id);
            p.dup = true;
            publ.publish_complete(p).await;
            let got = sub.recv_publish_acking().await;
            assert_eq!(got.qos, qos);
            assert!(!got.dup, "{version}: first transmission has DUP 0");
        }
        sub.expect_no_publish(QUIET).await;
        broker.stop().await;
    }
}

/// [MQTT-4.6.0-5], [MQTT-4.6.0-6] (3.1.1 [MQTT-4.6.0-5], [MQTT-4.6.0-6]): 500
/// messages published on one topic at one QoS arrive in publish order, at QoS 0,
/// 1 and 2.
#[tokio::test]
async fn mqtt_4_6_0_5_ordered_topic_500_messages_arrive_in_order() {
    const N: usize = 500;
    for version in VERSIONS {
        for qos in ALL_QOS {
            let broker = TestBroker::start().await;
            let mut sub = broker.connect_version(version, "sub").await;
            sub.subscribe(1, "order/t", qos).await;
            let mut publ = broker.connect_version(version, "pub").await;
            let receiver = tokio::spawn(async move {
                for i in 0..N {
                    let got = sub.recv_publish_acking().await;
                    assert_eq!(got.qos, qos);
                    assert_eq!(
                        std::str::from_utf8(&got.payload).unwrap(),
                        i.to_string(),
                        "{version} {qos:?}: message {i} out of order"
                    );
                }
                sub.expect_no_publish(QUIET).await;
            });
            publish_many(&mut publ, "order/t", qos, N).await;
            receiver.await.unwrap();
            broker.stop().await;
        }
    }
}
