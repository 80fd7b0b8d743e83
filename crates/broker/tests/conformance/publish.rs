//! PUBLISH (3.3), acknowledgements and Maximum Packet Size, SUBSCRIBE (3.8), QoS 2 (4.3.3), topics (4.7), shared subscriptions (4.8.2), flow control (4.9).

use super::*;

// ------------------------------------------------------------ PUBLISH (3.3)

/// Subscribes `client` to `filters` (QoS 0), publishes QoS 0 messages to
/// every topic of `topics` and a final marker on `marker`, and returns the
/// topics received before the marker.
async fn topics_received(
    broker: &TestBroker,
    client: &mut Tcp,
    filters: &[&str],
    topics: &[&str],
    marker: &str,
) -> Vec<String> {
    for (i, f) in filters.iter().enumerate() {
        let ack = client
            .subscribe(u16::try_from(i + 1).unwrap(), f, QoS::AtMostOnce)
            .await;
        assert!(!ack.reason_codes[0].is_error(), "{f}: {ack:?}");
    }
    let mut publ = broker.connect_v5(&format!("pub-{marker}")).await;
    for t in topics {
        publ.send(publish(t, t, QoS::AtMostOnce)).await;
    }
    publ.send(publish(marker, "end", QoS::AtMostOnce)).await;
    let mut got = Vec::new();
    loop {
        let p = client.recv_publish().await;
        if text(&p) == "end" {
            return got;
        }
        got.push(p.topic.as_str().to_owned());
    }
}

const MATCH_TOPICS: &[&str] = &[
    "sport/tennis/player1",
    "sport/tennis/player1/ranking",
    "sport/golf/player1",
    "finance",
    "finance/stock/ibm",
    "world/news",
    "world/news/today",
    "news",
    "Finance/stock",
    "$SYS/news",
    "shared/a",
    "shared/a/b",
];

fn check_topics_match(filters: &[&str], got: &[String], expected: &[&str]) {
    for t in got {
        assert!(
            filters.iter().any(|f| matches(f, t)),
            "received {t:?}, which matches none of {filters:?}"
        );
    }
    assert_eq!(got, expected);
}

// [MQTT-3.3.2-3] (v5): the Topic Name of a PUBLISH sent to a subscriber
// matches the subscription's Topic Filter (with `+`, `#`, a `$` topic and a
// shared subscription); non-matching topics are not sent.
#[tokio::test]
async fn mqtt_3_3_2_3_topic_name_matches_subscription_filter() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("match-v5").await;
    let filters = [
        "sport/tennis/+",
        "finance/#",
        "+/news",
        "$share/grp/shared/+",
    ];
    let got = topics_received(&broker, &mut sub, &filters, MATCH_TOPICS, "finance/end").await;
    check_topics_match(
        &filters,
        &got,
        &[
            "sport/tennis/player1",
            "finance",
            "finance/stock/ibm",
            "world/news",
            "shared/a",
        ],
    );
}

// [MQTT-3.3.2-3] (v311): the Topic Name of a PUBLISH sent to a subscriber
// matches the subscription's Topic Filter.
#[tokio::test]
async fn v311_mqtt_3_3_2_3_topic_name_matches_subscription_filter() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v311("match-v311").await;
    let filters = ["sport/tennis/+", "finance/#", "+/news"];
    let got = topics_received(&broker, &mut sub, &filters, MATCH_TOPICS, "finance/end").await;
    check_topics_match(
        &filters,
        &got,
        &[
            "sport/tennis/player1",
            "finance",
            "finance/stock/ibm",
            "world/news",
        ],
    );
}

/// A PUBLISH whose string property `property_id` holds ill-formed UTF-8 is a
/// Malformed Packet: the connection is closed (after DISCONNECT 0x81 if any)
/// and the message is not forwarded. A well-formed non-ASCII value is
/// forwarded unchanged, as a UTF-8 string.
async fn check_utf8_property(property_id: u8, name: &str) {
    let broker = TestBroker::start().await;
    let mut watcher = broker.connect_v5(&format!("{name}-watch")).await;
    watcher.subscribe(1, "utf8/#", QoS::AtMostOnce).await;

    // Well-formed: forwarded as sent.
    let value = "réponse/客户/✓";
    let mut publ = broker.connect_v5(&format!("{name}-good")).await;
    let mut p = publish("utf8/good", "good", QoS::AtLeastOnce);
    match property_id {
        0x08 => p.properties.response_topic = Some(topic(value)),
        _ => p.properties.content_type = Some(ByteString::from(value)),
    }
    publ.publish_complete(p).await;
    let got = watcher.recv_publish().await;
    let forwarded = match property_id {
        0x08 => got.properties.response_topic.map(|t| t.as_str().to_owned()),
        _ => got.properties.content_type.map(|t| t.to_string()),
    };
    assert_eq!(forwarded.as_deref(), Some(value));

    // Ill-formed (0xFF never appears in UTF-8; 0xC3 0x28 is a broken
    // sequence).
    for bad in [&b"r\xFFs"[..], &b"r\xC3\x28s"[..]] {
        let mut raw = broker.raw().await;
        raw.handshake(v5(&format!("{name}-bad"))).await;
        let mut props = vec![property_id];
        props.extend(str_field(bad));
        raw.send_bytes(&raw_publish(b"utf8/bad", Some(&props), b"bad"))
            .await;
        let after = until_close(&mut raw).await;
        match after.as_slice() {
            [] => {}
            [Packet::Disconnect(d)] => assert_eq!(d.reason_code, ReasonCode::MalformedPacket),
            other => panic!("expected the connection closed, got {other:?}"),
        }
    }
    publ.publish_complete(publish("utf8/marker", "marker", QoS::AtLeastOnce))
        .await;
    watcher.expect_marker("marker").await;
}

// [MQTT-3.3.2-13] (v5): the Response Topic is a UTF-8 Encoded String: one
// that is not is refused as malformed and not forwarded; a valid one is
// forwarded unchanged.
#[tokio::test]
async fn mqtt_3_3_2_13_response_topic_is_utf8() {
    check_utf8_property(0x08, "response-topic").await;
}

// [MQTT-3.3.2-19] (v5): the Content Type is a UTF-8 Encoded String: one that
// is not is refused as malformed and not forwarded; a valid one is forwarded
// unchanged.
#[tokio::test]
async fn mqtt_3_3_2_19_content_type_is_utf8() {
    check_utf8_property(0x03, "content-type").await;
}

/// The next packet must be a PUBACK for `id`, or the connection must close
/// without anything else arriving.
async fn assert_positive_ack_or_close(client: &mut Tcp, id: u16) {
    match client.next_event(WAIT).await {
        Event::Closed => {}
        Event::Packet(Packet::PubAck(a)) if a.packet_id == pid(id) => {
            assert_eq!(a.reason_code, ReasonCode::Success);
        }
        other => panic!("expected PUBACK {id} or a close, got {other:?}"),
    }
}

// [MQTT-3.3.5-2] (v311): a PUBLISH the Server does not accept (a topic over
// `limits.max_topic_length`; RETAIN while retained messages are disabled) is
// positively acknowledged or the connection is closed; it is not delivered.
#[tokio::test]
async fn v311_mqtt_3_3_5_2_refused_publish_acknowledged_or_closed() {
    let broker = TestBroker::with_config(|c| {
        c.limits.max_topic_length = 16;
        c.retained.enabled = false;
    })
    .await;
    let mut watcher = broker.connect_v311("refuse-watch").await;
    watcher.subscribe(1, "#", QoS::AtLeastOnce).await;

    let mut long = broker.connect_v311("refuse-long").await;
    long.send(publish_id(&too_long(), "no", QoS::AtLeastOnce, 1))
        .await;
    assert_positive_ack_or_close(&mut long, 1).await;

    let mut retained = broker.connect_v311("refuse-retain").await;
    let mut p = publish_id("r/t", "no", QoS::AtLeastOnce, 2);
    p.retain = true;
    retained.send(p).await;
    assert_positive_ack_or_close(&mut retained, 2).await;

    publish_marker(&broker, "m/t", "marker").await;
    watcher.expect_marker("marker").await;
}

// ------------------------------------- acknowledgements and Maximum Packet Size

/// Reads the next packet, which must fit [`SMALL_MAX`].
async fn recv_small(w: &mut Wire) -> Packet {
    let (p, size) = w.recv().await;
    assert_fits(&p, size, SMALL_MAX);
    p
}

fn pubresp(p: &Packet) -> (&'static str, u16, u8) {
    match p {
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => (
            p.packet_type().name(),
            a.packet_id.get(),
            a.reason_code.as_u8(),
        ),
        other => panic!("expected a PUBLISH acknowledgement, got {other:?}"),
    }
}

// [MQTT-3.4.2-2], [MQTT-3.4.2-3] (v5): no Reason String or User Property that
// would make a PUBACK exceed the client's Maximum Packet Size: PUBACK 0x10 (no
// subscribers) and 0x90 (topic refused) fit in 20 bytes.
#[tokio::test]
async fn mqtt_3_4_2_2_puback_within_maximum_packet_size() {
    let broker = short_topic_broker().await;
    let mut w = small_client(&broker, "mps-puback").await;
    w.send(publish_id("mps/none", "x", QoS::AtLeastOnce, 1))
        .await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBACK", 1, 0x10));
    w.send(publish_id(&too_long(), "x", QoS::AtLeastOnce, 2))
        .await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBACK", 2, 0x90));
}

// [MQTT-3.5.2-2], [MQTT-3.5.2-3] (v5): the same for PUBREC (0x10 and 0x90).
#[tokio::test]
async fn mqtt_3_5_2_2_pubrec_within_maximum_packet_size() {
    let broker = short_topic_broker().await;
    let mut w = small_client(&broker, "mps-pubrec").await;
    w.send(publish_id("mps/none", "x", QoS::ExactlyOnce, 1))
        .await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBREC", 1, 0x10));
    w.send(publish_id(&too_long(), "x", QoS::ExactlyOnce, 2))
        .await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBREC", 2, 0x90));
}

// [MQTT-3.6.2-2], [MQTT-3.6.2-3] (v5): the same for the PUBREL the Server
// sends: after the client's PUBREC (0x00) and for an unknown id (0x92).
#[tokio::test]
async fn mqtt_3_6_2_2_pubrel_within_maximum_packet_size() {
    let broker = TestBroker::start().await;
    let mut w = small_client(&broker, "mps-pubrel").await;
    w.send(Subscribe::new(
        pid(1),
        vec![(filter("me"), opts(QoS::ExactlyOnce))],
    ))
    .await;
    assert!(matches!(recv_small(&mut w).await, Packet::SubAck(_)));
    w.send(publish_id("me", "x", QoS::ExactlyOnce, 2)).await;
    let mut delivered = None;
    for _ in 0..2 {
        match recv_small(&mut w).await {
            Packet::Publish(p) => delivered = p.packet_id,
            other => assert_eq!(pubresp(&other), ("PUBREC", 2, 0x00)),
        }
    }
    let delivered = delivered.expect("the QoS 2 message to itself");
    w.send(Packet::PubRec(PubResponse::new(delivered))).await;
    assert_eq!(
        pubresp(&recv_small(&mut w).await),
        ("PUBREL", delivered.get(), 0x00)
    );
    w.send(Packet::PubRec(PubResponse::new(pid(777)))).await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBREL", 777, 0x92));
}

// [MQTT-3.7.2-2], [MQTT-3.7.2-3] (v5): the same for PUBCOMP: after PUBREL
// (0x00) and for an unknown id (0x92).
#[tokio::test]
async fn mqtt_3_7_2_2_pubcomp_within_maximum_packet_size() {
    let broker = TestBroker::start().await;
    let mut w = small_client(&broker, "mps-pubcomp").await;
    w.send(publish_id("mps/none", "x", QoS::ExactlyOnce, 1))
        .await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBREC", 1, 0x10));
    w.send(Packet::PubRel(PubResponse::new(pid(1)))).await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBCOMP", 1, 0x00));
    w.send(Packet::PubRel(PubResponse::new(pid(99)))).await;
    assert_eq!(pubresp(&recv_small(&mut w).await), ("PUBCOMP", 99, 0x92));
}

// [MQTT-3.9.2-1], [MQTT-3.9.2-2] (v5): no Reason String or User Property that
// would make a SUBACK exceed the client's Maximum Packet Size: a SUBACK
// granting one filter and refusing another (0x8F) fits in 20 bytes.
#[tokio::test]
async fn mqtt_3_9_2_1_suback_within_maximum_packet_size() {
    let broker = short_topic_broker().await;
    let mut w = small_client(&broker, "mps-suback").await;
    w.send(Subscribe::new(
        pid(5),
        vec![
            (filter("mps/ok"), opts(QoS::AtLeastOnce)),
            (filter(&too_long()), opts(QoS::AtLeastOnce)),
        ],
    ))
    .await;
    match recv_small(&mut w).await {
        Packet::SubAck(a) => {
            assert_eq!(a.packet_id, pid(5));
            assert_eq!(
                a.reason_codes,
                vec![ReasonCode::GrantedQoS1, ReasonCode::TopicFilterInvalid]
            );
        }
        other => panic!("expected SUBACK, got {other:?}"),
    }
}

// [MQTT-3.11.2-1], [MQTT-3.11.2-2] (v5): the same for UNSUBACK (0x00 and
// 0x11).
#[tokio::test]
async fn mqtt_3_11_2_1_unsuback_within_maximum_packet_size() {
    let broker = TestBroker::start().await;
    let mut w = small_client(&broker, "mps-unsuback").await;
    w.send(Subscribe::new(
        pid(1),
        vec![(filter("mps/ok"), opts(QoS::AtLeastOnce))],
    ))
    .await;
    assert!(matches!(recv_small(&mut w).await, Packet::SubAck(_)));
    w.send(Unsubscribe::new(
        pid(6),
        vec![filter("mps/ok"), filter("mps/none")],
    ))
    .await;
    match recv_small(&mut w).await {
        Packet::UnsubAck(a) => {
            assert_eq!(a.packet_id, pid(6));
            assert_eq!(
                a.reason_codes,
                vec![ReasonCode::Success, ReasonCode::NoSubscriptionExisted]
            );
        }
        other => panic!("expected UNSUBACK, got {other:?}"),
    }
}

/// Reads until the close; the DISCONNECT must come last and fit `SMALL_MAX`.
async fn small_disconnect(w: &mut Wire) -> ReasonCode {
    let mut got = Vec::new();
    while let Some((p, size)) = w.next().await {
        assert_fits(&p, size, SMALL_MAX);
        got.push(p);
    }
    match got.last() {
        Some(Packet::Disconnect(d)) => d.reason_code,
        _ => panic!("expected a DISCONNECT before the close, got {got:?}"),
    }
}

// [MQTT-3.14.2-3], [MQTT-3.14.2-4] (v5): no Reason String or User Property
// that would make the Server's DISCONNECT exceed the client's Maximum Packet
// Size: DISCONNECT 0x82 (protocol error) and 0x8E (session taken over) fit in
// 20 bytes.
#[tokio::test]
async fn mqtt_3_14_2_3_disconnect_within_maximum_packet_size() {
    let broker = TestBroker::start().await;
    let mut w = small_client(&broker, "mps-disconnect").await;
    w.send(v5("mps-disconnect")).await;
    assert_eq!(small_disconnect(&mut w).await, ReasonCode::ProtocolError);

    let mut old = small_client(&broker, "mps-taken").await;
    let _new = small_client(&broker, "mps-taken").await;
    assert_eq!(
        small_disconnect(&mut old).await,
        ReasonCode::SessionTakenOver
    );
}

// ------------------------------------------------------------ QoS 2 (4.3.3)

// [MQTT-4.3.3-3] (v5): the Server treats its QoS 2 PUBLISH as unacknowledged
// until the PUBREC: re-sent (DUP=1, same id) on the resumed session; once
// PUBREC arrived only the PUBREL is re-sent, and after PUBCOMP nothing.
#[tokio::test]
async fn mqtt_4_3_3_3_qos2_publish_unacknowledged_until_pubrec() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker.connect_ok(v5_session("q2-unacked", true, 600)).await;
    sub.subscribe(1, "q2/t", QoS::ExactlyOnce).await;
    let mut publ = broker.connect_v5("q2-pub").await;
    publ.publish_complete(publish("q2/t", "once", QoS::ExactlyOnce))
        .await;
    let first = sub.recv_publish().await;
    assert_eq!(first.qos, QoS::ExactlyOnce);
    let id = first.packet_id.unwrap();
    sub.expect_nothing(QUIET).await;
    sub.disconnect_normally().await;

    let (mut sub, connack) = broker
        .connect_ok(v5_session("q2-unacked", false, 600))
        .await;
    assert!(connack.session_present);
    let again = sub.recv_publish().await;
    assert!(again.dup);
    assert_eq!(again.packet_id, Some(id));
    assert_eq!(text(&again), "once");
    sub.send(Packet::PubRec(PubResponse::new(id))).await;
    assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id)));
    sub.disconnect_normally().await;

    let (mut sub, _) = broker
        .connect_ok(v5_session("q2-unacked", false, 600))
        .await;
    assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id)));
    sub.send(Packet::PubComp(PubResponse::new(id))).await;
    sub.expect_nothing(QUIET).await;
    sub.disconnect_normally().await;

    let (mut sub, _) = broker
        .connect_ok(v5_session("q2-unacked", false, 600))
        .await;
    sub.expect_nothing(QUIET).await;
}

// [MQTT-4.3.3-7] (v5): the Server does not apply message expiry to a QoS 2
// PUBLISH it has sent: after the Message Expiry Interval (2 s) has passed
// (10 s offline), the unacknowledged PUBLISH is still re-sent, and so is the
// PUBREL of the one acknowledged with PUBREC.
#[tokio::test(start_paused = true)]
async fn mqtt_4_3_3_7_no_expiry_for_sent_qos2_publish() {
    let shared = memory_broker(Config::default());
    let mut sc = v5_session("q2-expiry", true, 600);
    sc.keep_alive = 0;
    let (mut sub, _) = open_duplex(&shared, sc.clone()).await;
    sub.subscribe(1, "exp/t", QoS::ExactlyOnce).await;
    let mut pc = v5("q2-expiry-pub");
    pc.keep_alive = 0;
    let (mut publ, _) = open_duplex(&shared, pc).await;
    for (i, payload) in ["m1", "m2"].into_iter().enumerate() {
        let mut p = publish_id(
            "exp/t",
            payload,
            QoS::ExactlyOnce,
            u16::try_from(i + 1).unwrap(),
        );
        p.properties.message_expiry_interval = Some(2);
        publ.publish_complete(p).await;
    }
    let p1 = sub.recv_publish().await;
    let p2 = sub.recv_publish().await;
    assert_eq!((text(&p1).as_str(), text(&p2).as_str()), ("m1", "m2"));
    let id2 = p2.packet_id.unwrap();
    sub.send(Packet::PubRec(PubResponse::new(id2))).await;
    assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id2)));
    sub.disconnect_normally().await;

    advance(Duration::from_secs(10)).await;

    sc.clean_start = false;
    let (mut sub, connack) = open_duplex(&shared, sc).await;
    assert!(connack.session_present);
    let again = sub.recv_publish().await;
    assert!(again.dup);
    assert_eq!(again.packet_id, p1.packet_id);
    assert_eq!(text(&again), "m1");
    assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id2)));
}

// [MQTT-4.3.3-9] (v5): after the Server answered a QoS 2 PUBLISH with PUBREC
// 0x80 or above (0x90: topic over the configured limit), a later PUBLISH with
// the same Packet Identifier is a new Application Message: delivered and
// answered PUBREC 0x00, not treated as a duplicate.
#[tokio::test]
async fn mqtt_4_3_3_9_publish_after_refusing_pubrec_is_new_message() {
    let broker = short_topic_broker().await;
    let mut watcher = broker.connect_v5("q2-new-watch").await;
    watcher.subscribe(1, "new/#", QoS::ExactlyOnce).await;
    let mut publ = broker.connect_v5("q2-new-pub").await;

    publ.send(publish_id(&too_long(), "refused", QoS::ExactlyOnce, 7))
        .await;
    assert_eq!(
        publ.recv().await,
        Packet::PubRec(PubResponse::with_reason(
            pid(7),
            ReasonCode::TopicNameInvalid
        ))
    );
    publ.send(publish_id("new/t", "accepted", QoS::ExactlyOnce, 7))
        .await;
    assert_eq!(publ.recv().await, Packet::PubRec(PubResponse::new(pid(7))));
    assert_eq!(text(&watcher.recv_publish_acking().await), "accepted");
    publ.send(Packet::PubRel(PubResponse::new(pid(7)))).await;
    assert_eq!(publ.recv().await, Packet::PubComp(PubResponse::new(pid(7))));
}

// [MQTT-4.3.3-13] (v5): the Server, as receiver, continues the QoS 2
// acknowledgement sequence after the message expired (1 s; the offline
// subscriber never gets it): a re-sent PUBLISH is answered PUBREC, PUBREL
// with PUBCOMP 0x00.
#[tokio::test(start_paused = true)]
async fn mqtt_4_3_3_13_qos2_sequence_continues_after_expiry() {
    let shared = memory_broker(Config::default());
    let mut sc = v5_session("q2-exp13-sub", true, 600);
    sc.keep_alive = 0;
    let (mut sub, _) = open_duplex(&shared, sc.clone()).await;
    sub.subscribe(1, "exp13/t", QoS::ExactlyOnce).await;
    sub.disconnect_normally().await;

    let mut pc = v5("q2-exp13-pub");
    pc.keep_alive = 0;
    let (mut publ, _) = open_duplex(&shared, pc).await;
    let mut p = publish_id("exp13/t", "short-lived", QoS::ExactlyOnce, 3);
    p.properties.message_expiry_interval = Some(1);
    publ.send(p.clone()).await;
    assert_eq!(publ.recv().await, Packet::PubRec(PubResponse::new(pid(3))));

    advance(Duration::from_secs(5)).await;

    p.dup = true;
    publ.send(p).await;
    match publ.recv().await {
        Packet::PubRec(r) => {
            assert_eq!(r.packet_id, pid(3));
            assert!(!r.reason_code.is_error(), "{r:?}");
        }
        other => panic!("expected PUBREC, got {other:?}"),
    }
    publ.send(Packet::PubRel(PubResponse::new(pid(3)))).await;
    assert_eq!(publ.recv().await, Packet::PubComp(PubResponse::new(pid(3))));

    // The expiry was applied: the subscriber never gets the message.
    sc.clean_start = false;
    let (mut sub, connack) = open_duplex(&shared, sc).await;
    assert!(connack.session_present);
    settle().await;
    match sub.next_event(Duration::ZERO).await {
        Event::Open => {}
        other => panic!("expired message delivered: {other:?}"),
    }
}

// ------------------------------------------------------------- topics (4.7)

/// PUBLISH to a topic with U+0000, SUBSCRIBE to a filter with U+0000 and a
/// CONNECT whose will topic has U+0000: each connection is closed (after
/// DISCONNECT 0x81 or a refusing CONNACK, for v5, if anything), nothing is
/// granted or forwarded.
async fn check_null_topics(broker: &TestBroker, version: ProtocolVersion) {
    let level = version.level();
    let mut watcher = broker.connect_v5(&format!("null-watch{level}")).await;
    watcher.subscribe(1, "#", QoS::AtMostOnce).await;
    let is_malformed_disconnect = |p: &Packet| matches!(p, Packet::Disconnect(d) if d.reason_code == ReasonCode::MalformedPacket);

    // PUBLISH.
    let mut c = broker.raw().await;
    c.handshake(connect(version, &format!("null-pub{level}")))
        .await;
    let props: Option<&[u8]> = if version.is_v5() { Some(&[]) } else { None };
    c.send_bytes(&raw_publish(b"null/a\0b", props, b"x")).await;
    let after = until_close(&mut c).await;
    assert!(
        after.is_empty()
            || (version.is_v5() && after.len() == 1 && is_malformed_disconnect(&after[0])),
        "PUBLISH with U+0000 in its topic: {after:?}"
    );

    // SUBSCRIBE.
    let mut c = broker.raw().await;
    c.handshake(connect(version, &format!("null-sub{level}")))
        .await;
    c.send_bytes(&raw_subscribe(version, 1, b"null/\0/#", 0))
        .await;
    let after = until_close(&mut c).await;
    assert!(
        after.is_empty()
            || (version.is_v5() && after.len() == 1 && is_malformed_disconnect(&after[0])),
        "SUBSCRIBE with U+0000 in its filter: {after:?}"
    );

    // Will topic.
    let mut c = broker.raw().await;
    c.set_version(version);
    c.send_bytes(&raw_connect_with_will(
        version,
        &format!("null-will{level}"),
        b"null/w\0",
    ))
    .await;
    let after = until_close(&mut c).await;
    match after.as_slice() {
        [] => {}
        [Packet::ConnAck(a)] if version.is_v5() => assert!(a.reason_code.is_error(), "{a:?}"),
        other => panic!("CONNECT with U+0000 in its will topic: {other:?}"),
    }

    publish_marker(broker, "null/marker", &format!("marker{level}")).await;
    watcher.expect_marker(&format!("marker{level}")).await;
}

// [MQTT-4.7.3-2] (v5): Topic Names and Topic Filters do not include U+0000:
// a PUBLISH, SUBSCRIBE or will topic containing one is a Malformed Packet and
// is not acted on.
#[tokio::test]
async fn mqtt_4_7_3_2_null_character_in_topic_refused() {
    let broker = TestBroker::start().await;
    check_null_topics(&broker, V5).await;
}

// [MQTT-4.7.3-2] (v311): the same for 3.1.1: the connection is closed
// ([MQTT-1.5.3-2]) and nothing is forwarded or subscribed.
#[tokio::test]
async fn v311_mqtt_4_7_3_2_null_character_in_topic_closes_connection() {
    let broker = TestBroker::start().await;
    check_null_topics(&broker, V311).await;
}

// ------------------------------------------------ shared subscriptions (4.8.2)

/// Waits until one of `members` receives a PUBLISH; returns its index and
/// the PUBLISH.
async fn first_receiver(members: &mut [&mut Tcp]) -> (usize, Publish) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no member received the message"
        );
        for (i, m) in members.iter_mut().enumerate() {
            match m.try_recv(Duration::from_millis(20)).await {
                None => {}
                Some(Packet::Publish(p)) => return (i, *p),
                Some(other) => panic!("unexpected {other:?}"),
            }
        }
    }
}

// [MQTT-4.8.2-6] (v5): a group member answering PUBACK (QoS 1) or PUBREC
// (QoS 2) with 0x80 or above makes the Server discard the message: it is not
// sent to the other member, nor again to the rejecting one (not even when the
// rejecting member's session ends).
#[tokio::test]
async fn mqtt_4_8_2_6_rejected_shared_message_not_sent_to_another_member() {
    let broker = TestBroker::start().await;
    for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let n = qos.as_u8();
        let f = format!("$share/g{n}/reject{n}/t");
        let t = format!("reject{n}/t");
        let mut a = broker.connect_v5(&format!("reject{n}-a")).await;
        let mut b = broker.connect_v5(&format!("reject{n}-b")).await;
        a.subscribe(1, &f, qos).await;
        b.subscribe(1, &f, qos).await;
        let mut publ = broker.connect_v5(&format!("reject{n}-pub")).await;
        publ.publish_complete(publish(&t, "rejected", qos)).await;

        let (i, p) = first_receiver(&mut [&mut a, &mut b]).await;
        let (mut rejecter, mut other) = if i == 0 { (a, b) } else { (b, a) };
        let id = p.packet_id.unwrap();
        let refusal = PubResponse::with_reason(id, ReasonCode::UnspecifiedError);
        rejecter
            .send(match qos {
                QoS::AtLeastOnce => Packet::PubAck(refusal),
                _ => Packet::PubRec(refusal),
            })
            .await;
        rejecter.expect_nothing(QUIET).await;
        other.expect_nothing(QUIET).await;
        // The rejecting member leaves and its session ends: the discarded
        // message is not handed over either.
        rejecter.disconnect_normally().await;
        publ.publish_complete(publish(&t, "marker", qos)).await;
        other.expect_marker("marker").await;
    }
}

// --------------------------------------------------------- flow control (4.9)

// [MQTT-4.9.0-1] (v5): the Server's initial send quota is non-zero and not
// above the client's Receive Maximum: with Receive Maximum 2 (QoS 1) and 1
// (QoS 2) and five messages waiting, exactly that many are sent before any
// acknowledgement, and one more per acknowledgement.
#[tokio::test]
async fn mqtt_4_9_0_1_initial_send_quota_within_receive_maximum() {
    let broker = TestBroker::start().await;
    for (qos, receive_maximum) in [(QoS::AtLeastOnce, 2u16), (QoS::ExactlyOnce, 1)] {
        let n = qos.as_u8();
        let t = format!("quota{n}/t");
        let mut c = v5_session(&format!("quota{n}"), true, 600);
        c.properties.receive_maximum = NonZeroU16::new(receive_maximum);
        let (mut sub, _) = broker.connect_ok(c.clone()).await;
        sub.subscribe(1, &t, qos).await;
        sub.disconnect_normally().await;
        let mut publ = broker.connect_v5(&format!("quota{n}-pub")).await;
        for i in 1..=5u16 {
            publ.publish_complete(publish_id(&t, &i.to_string(), qos, i))
                .await;
        }

        // Five messages waiting for the resumed session.
        c.clean_start = false;
        let (mut sub, _) = broker.connect_ok(c).await;
        let mut window = Vec::new();
        for _ in 0..receive_maximum {
            window.push(sub.recv_publish().await);
        }
        sub.expect_nothing(QUIET).await;
        let first = window.remove(0);
        let id = first.packet_id.unwrap();
        match qos {
            QoS::AtLeastOnce => sub.send(Packet::PubAck(PubResponse::new(id))).await,
            _ => {
                sub.send(Packet::PubRec(PubResponse::new(id))).await;
                assert_eq!(sub.recv().await, Packet::PubRel(PubResponse::new(id)));
                sub.expect_nothing(QUIET).await;
                sub.send(Packet::PubComp(PubResponse::new(id))).await;
            }
        }
        let next = sub.recv_publish().await;
        assert_eq!(
            text(&next),
            (receive_maximum + 1).to_string(),
            "the next message"
        );
        sub.expect_nothing(QUIET).await;
    }
}

// ---------------------------------------------------------- SUBSCRIBE (3.8)

/// Every SUBSCRIBE is answered with a SUBACK with one code per filter:
/// granted, refused (too long) and refused (over the subscription quota).
async fn check_suback_for_every_subscribe(client: &mut Tcp) {
    let v5 = client.version.is_v5();
    let refused_long = if v5 {
        ReasonCode::TopicFilterInvalid
    } else {
        ReasonCode::UnspecifiedError
    };
    let quota = if v5 {
        ReasonCode::QuotaExceeded
    } else {
        ReasonCode::UnspecifiedError
    };
    let ack = client.subscribe(1, "s/a", QoS::AtMostOnce).await;
    assert_eq!(ack.reason_codes, vec![ReasonCode::granted(QoS::AtMostOnce)]);
    let ack = client.subscribe(2, &too_long(), QoS::AtLeastOnce).await;
    assert_eq!(ack.reason_codes, vec![refused_long]);
    client
        .send(Subscribe::new(
            pid(3),
            vec![
                (filter("s/b"), opts(QoS::ExactlyOnce)),
                (filter("s/c"), opts(QoS::AtLeastOnce)),
                (filter(&too_long()), opts(QoS::AtMostOnce)),
            ],
        ))
        .await;
    match client.recv().await {
        Packet::SubAck(a) => {
            assert_eq!(a.packet_id, pid(3));
            assert_eq!(
                a.reason_codes,
                vec![ReasonCode::GrantedQoS2, quota, refused_long]
            );
        }
        other => panic!("expected SUBACK, got {other:?}"),
    }
    // Re-subscribing to an existing filter is answered too.
    let ack = client.subscribe(4, "s/a", QoS::AtLeastOnce).await;
    assert_eq!(ack.reason_codes, vec![ReasonCode::GrantedQoS1]);
}

async fn subscribe_limits_broker() -> TestBroker {
    TestBroker::with_config(|c| {
        c.limits.max_topic_length = 16;
        c.limits.max_subscriptions_per_client = 2;
    })
    .await
}

// [MQTT-3.8.4-1] (v5): the Server answers every SUBSCRIBE with a SUBACK, also
// when it refuses some or all of the filters.
#[tokio::test]
async fn mqtt_3_8_4_1_subscribe_answered_with_suback() {
    let broker = subscribe_limits_broker().await;
    let mut client = broker.connect_v5("suback-v5").await;
    check_suback_for_every_subscribe(&mut client).await;
}

// [MQTT-3.8.4-1] (v311): the Server answers every SUBSCRIBE with a SUBACK.
#[tokio::test]
async fn v311_mqtt_3_8_4_1_subscribe_answered_with_suback() {
    let broker = subscribe_limits_broker().await;
    let mut client = broker.connect_v311("suback-v311").await;
    check_suback_for_every_subscribe(&mut client).await;
}
