//! PUBLISH (3.3), acknowledgements and Maximum Packet Size, SUBSCRIBE (3.8).

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
