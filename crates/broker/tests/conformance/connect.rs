//! Packet identifiers (2.2.1), CONNECT (3.1), CONNACK (3.2), authentication (4.12).

use super::*;

// ------------------------------------------------- packet identifiers (2.2.1)

/// Subscribes, unsubscribes and checks every acknowledgement carries the id
/// of its request, one request at a time and pipelined.
async fn check_ack_packet_ids(client: &mut Tcp) {
    for id in [1u16, 0x1234, 0xFFFF] {
        let ack = client.subscribe(id, "pid/a", QoS::AtLeastOnce).await;
        assert_eq!(ack.packet_id, pid(id));
        let ack = client.unsubscribe(id, &["pid/a"]).await;
        assert_eq!(ack.packet_id, pid(id));
    }
    // Pipelined, including a refused filter and a filter never subscribed.
    let version = client.version;
    let long = too_long();
    let requests = vec![
        Packet::Subscribe(Subscribe::new(
            pid(7),
            vec![(filter("pid/b"), opts(QoS::AtMostOnce))],
        )),
        Packet::Subscribe(Subscribe::new(
            pid(3),
            vec![(filter(&long), opts(QoS::AtMostOnce))],
        )),
        Packet::Unsubscribe(Unsubscribe::new(pid(0x8000), vec![filter("pid/none")])),
        Packet::Unsubscribe(Unsubscribe::new(pid(2), vec![filter("pid/b")])),
        Packet::Subscribe(Subscribe::new(
            pid(0xFFFE),
            vec![
                (filter("pid/c"), opts(QoS::ExactlyOnce)),
                (filter("pid/d"), opts(QoS::AtMostOnce)),
            ],
        )),
    ];
    client.send_bytes(&encode_all(version, requests)).await;
    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(match client.recv().await {
            Packet::SubAck(a) => ("SUBACK", a.packet_id.get()),
            Packet::UnsubAck(a) => ("UNSUBACK", a.packet_id.get()),
            other => panic!("expected SUBACK or UNSUBACK, got {other:?}"),
        });
    }
    assert_eq!(
        got,
        vec![
            ("SUBACK", 7),
            ("SUBACK", 3),
            ("UNSUBACK", 0x8000),
            ("UNSUBACK", 2),
            ("SUBACK", 0xFFFE)
        ]
    );
}

// [MQTT-2.2.1-6] (v5): a SUBACK and UNSUBACK contain the Packet Identifier of
// the SUBSCRIBE and UNSUBSCRIBE they answer.
#[tokio::test]
async fn mqtt_2_2_1_6_suback_unsuback_carry_request_packet_id() {
    let broker = short_topic_broker().await;
    let mut client = broker.connect_v5("pid-v5").await;
    check_ack_packet_ids(&mut client).await;
}

// [MQTT-2.3.1-7] (v311): SUBACK and UNSUBACK contain the Packet Identifier of
// the SUBSCRIBE and UNSUBSCRIBE they answer.
#[tokio::test]
async fn v311_mqtt_2_3_1_7_suback_unsuback_carry_request_packet_id() {
    let broker = short_topic_broker().await;
    let mut client = broker.connect_v311("pid-v311").await;
    check_ack_packet_ids(&mut client).await;
}

// ------------------------------------------------------------ CONNECT (3.1)

// [MQTT-3.1.2-7] (v5): with the Will Flag set, the Will Message (properties,
// topic, payload) is stored on the Server: it is published, as sent, when the
// network connection is lost.
#[tokio::test]
async fn mqtt_3_1_2_7_will_message_stored_and_published() {
    let broker = TestBroker::start().await;
    let mut watcher = broker.connect_v5("will-watcher").await;
    watcher.subscribe(1, "will/#", QoS::AtLeastOnce).await;

    let mut w = will("will/w", "gone", QoS::AtLeastOnce, false);
    w.properties.content_type = Some(ByteString::from("text/plain"));
    w.properties.correlation_data = Some(Bytes::from_static(b"\x01\x02"));
    w.properties.user_properties = vec![(ByteString::from("k"), ByteString::from("v"))];
    let mut c = v5("will-owner");
    c.will = Some(w);
    let (client, _) = broker.connect_ok(c).await;
    client.drop_connection().await;

    let p = watcher.recv_publish_acking().await;
    assert_eq!(p.topic.as_str(), "will/w");
    assert_eq!(text(&p), "gone");
    assert_eq!(p.qos, QoS::AtLeastOnce);
    assert_eq!(p.properties.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        p.properties.correlation_data.as_deref(),
        Some(&b"\x01\x02"[..])
    );
    assert_eq!(
        p.properties.user_properties,
        vec![(ByteString::from("k"), ByteString::from("v"))]
    );
}

// [MQTT-3.1.2-7] (v5): the stored Will Message is associated with the
// Session: with a Will Delay Interval (60 s) longer than the Session Expiry
// Interval (5 s) it is published when the session ends, at 5 s.
#[tokio::test(start_paused = true)]
async fn mqtt_3_1_2_7_will_message_associated_with_session() {
    let shared = memory_broker(Config::default());
    let mut wc = v5("will-watch");
    wc.keep_alive = 0;
    let (mut watcher, _) = open_duplex(&shared, wc).await;
    watcher.subscribe(1, "will/#", QoS::AtLeastOnce).await;

    let mut w = will("will/session", "session ended", QoS::AtLeastOnce, false);
    w.properties.will_delay_interval = Some(60);
    let mut c = v5("will-session");
    c.keep_alive = 0;
    c.properties.session_expiry_interval = Some(5);
    c.will = Some(w);
    let (client, _) = open_duplex(&shared, c).await;
    client.drop_connection().await;

    advance(Duration::from_millis(4_900)).await;
    match watcher.next_event(Duration::ZERO).await {
        Event::Open => {}
        other => panic!("will published before the session ended: {other:?}"),
    }
    advance(Duration::from_millis(100)).await;
    match watcher.next_event(Duration::ZERO).await {
        Event::Packet(Packet::Publish(p)) => {
            assert_eq!(p.topic.as_str(), "will/session");
            assert_eq!(text(&p), "session ended");
        }
        other => panic!("expected the will when the session ended, got {other:?}"),
    }
}

// [MQTT-3.1.2-28] (v5): Request Response Information 0 (explicit or absent):
// the CONNACK carries no Response Information.
#[tokio::test]
async fn mqtt_3_1_2_28_no_response_information_unless_requested() {
    let broker = TestBroker::start().await;
    let mut c = v5("rri-0");
    c.properties.request_response_information = Some(false);
    let (_explicit, connack) = broker.connect_ok(c).await;
    assert_eq!(connack.properties.response_information, None, "{connack:?}");

    let (_absent, connack) = broker.connect_ok(v5("rri-absent")).await;
    assert_eq!(connack.properties.response_information, None, "{connack:?}");
}

/// The Reason String and User Properties of an acknowledgement-like packet.
fn problem_properties(p: &Packet) -> (Option<&ByteString>, usize) {
    match p {
        Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => (
            a.properties.reason_string.as_ref(),
            a.properties.user_properties.len(),
        ),
        Packet::SubAck(a) => (
            a.properties.reason_string.as_ref(),
            a.properties.user_properties.len(),
        ),
        Packet::UnsubAck(a) => (
            a.properties.reason_string.as_ref(),
            a.properties.user_properties.len(),
        ),
        Packet::Auth(a) => (
            a.properties.reason_string.as_ref(),
            a.properties.user_properties.len(),
        ),
        _ => (None, 0),
    }
}

// [MQTT-3.1.2-29] (v5): with Request Problem Information 0 the Server sends no
// Reason String or User Property on any packet but PUBLISH, CONNACK and
// DISCONNECT: checked on SUBACK, UNSUBACK, PUBACK, PUBREC, PUBREL, PUBCOMP and
// PINGRESP, on successes and on the error paths that could explain themselves
// (0x8F, 0x11, 0x10, 0x90, 0x92).
#[tokio::test]
async fn mqtt_3_1_2_29_no_reason_string_when_problem_information_not_requested() {
    let broker = short_topic_broker().await;
    let long = too_long();
    let mut c = v5("rpi-0");
    c.properties.request_problem_information = Some(false);
    let (mut cl, _) = broker.connect_ok(c).await;
    let mut seen: Vec<Packet> = Vec::new();

    // SUBACK: one granted, one refused (filter too long).
    cl.send(Subscribe::new(
        pid(1),
        vec![
            (filter("rpi/in"), opts(QoS::ExactlyOnce)),
            (filter(&long), opts(QoS::AtMostOnce)),
        ],
    ))
    .await;
    seen.push(cl.recv().await);
    // UNSUBACK 0x11.
    cl.send(Unsubscribe::new(pid(2), vec![filter("rpi/none")]))
        .await;
    seen.push(cl.recv().await);
    // PUBACK 0x10 and 0x90, PUBREC 0x10 and 0x90.
    cl.send(publish_id("rpi/nobody", "x", QoS::AtLeastOnce, 3))
        .await;
    cl.send(publish_id(&long, "x", QoS::AtLeastOnce, 4)).await;
    cl.send(publish_id("rpi/nobody", "x", QoS::ExactlyOnce, 5))
        .await;
    cl.send(publish_id(&long, "x", QoS::ExactlyOnce, 6)).await;
    for _ in 0..4 {
        seen.push(cl.recv().await);
    }
    // PUBCOMP 0x00 and 0x92 (unknown id); PUBREL 0x92 (unknown id); PINGRESP.
    cl.send(Packet::PubRel(PubResponse::new(pid(5)))).await;
    cl.send(Packet::PubRel(PubResponse::new(pid(77)))).await;
    cl.send(Packet::PubRec(PubResponse::new(pid(78)))).await;
    cl.send(Packet::PingReq).await;
    for _ in 0..4 {
        seen.push(cl.recv().await);
    }
    // A QoS 2 message to itself: PUBREC 0x00, then PUBLISH, PUBREL, PUBCOMP.
    cl.send(publish_id("rpi/in", "self", QoS::ExactlyOnce, 8))
        .await;
    let mut delivered = None;
    for _ in 0..2 {
        match cl.recv().await {
            Packet::Publish(p) => delivered = Some(p),
            other => seen.push(other),
        }
    }
    let delivered = delivered.expect("the QoS 2 message to itself");
    cl.send(Packet::PubRec(PubResponse::new(
        delivered.packet_id.unwrap(),
    )))
    .await;
    cl.send(Packet::PubRel(PubResponse::new(pid(8)))).await;
    for _ in 0..2 {
        seen.push(cl.recv().await);
    }

    let kinds: BTreeSet<&str> = seen.iter().map(|p| p.packet_type().name()).collect();
    for kind in [
        "SUBACK", "UNSUBACK", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "PINGRESP",
    ] {
        assert!(kinds.contains(kind), "no {kind} in {seen:?}");
    }
    let codes: BTreeSet<u8> = seen
        .iter()
        .flat_map(|p| match p {
            Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
                vec![a.reason_code.as_u8()]
            }
            Packet::SubAck(a) => a.reason_codes.iter().map(|c| c.as_u8()).collect(),
            Packet::UnsubAck(a) => a.reason_codes.iter().map(|c| c.as_u8()).collect(),
            _ => Vec::new(),
        })
        .collect();
    for code in [0x8F, 0x11, 0x10, 0x90, 0x92] {
        assert!(
            codes.contains(&code),
            "no reason code {code:#04X} in {seen:?}"
        );
    }
    for p in &seen {
        assert_eq!(
            problem_properties(p),
            (None, 0),
            "Reason String or User Property on {p:?}"
        );
    }
}

/// The Client Identifier selects the session: `alpha`'s subscription and
/// queued message stay with `alpha`, a different id gets none of it.
async fn check_client_id_selects_session(broker: &TestBroker, version: ProtocolVersion) {
    let persistent = |id: &str, clean: bool| match version {
        ProtocolVersion::V5 => v5_session(id, clean, 600),
        _ => v3_session(V311, id, clean),
    };
    let (mut alpha, _) = broker.connect_ok(persistent("alpha", false)).await;
    alpha.subscribe(1, "cid/alpha", QoS::AtLeastOnce).await;
    alpha.disconnect_normally().await;

    let (mut beta, connack) = broker.connect_ok(persistent("beta", false)).await;
    assert!(!connack.session_present, "beta has no session: {connack:?}");
    beta.subscribe(1, "cid/beta", QoS::AtLeastOnce).await;

    let mut publ = broker.connect_v5("cid-pub").await;
    publ.publish_complete(publish("cid/alpha", "for alpha", QoS::AtLeastOnce))
        .await;
    publ.publish_complete(publish("cid/beta", "for beta", QoS::AtLeastOnce))
        .await;

    let p = beta.recv_publish_acking().await;
    assert_eq!(text(&p), "for beta");
    beta.expect_no_publish(QUIET).await;

    let (mut alpha, connack) = broker.connect_ok(persistent("alpha", false)).await;
    assert!(connack.session_present, "alpha's session: {connack:?}");
    let p = alpha.recv_publish_acking().await;
    assert_eq!(text(&p), "for alpha");
    alpha.expect_no_publish(QUIET).await;
}

// [MQTT-3.1.3-2] (v5): the Client Identifier identifies the session state the
// Server holds (subscriptions, queued messages), including an id the Server
// assigned.
#[tokio::test]
async fn mqtt_3_1_3_2_client_id_identifies_session_state() {
    let broker = TestBroker::start().await;
    check_client_id_selects_session(&broker, V5).await;

    // An assigned Client Identifier names the session too.
    let (mut anon, connack) = broker.connect_ok(v5_session("", true, 600)).await;
    let assigned = connack
        .properties
        .assigned_client_identifier
        .clone()
        .expect("an assigned client id");
    anon.subscribe(1, "cid/assigned", QoS::AtLeastOnce).await;
    anon.disconnect_normally().await;
    let (mut again, connack) = broker.connect_ok(v5_session(&assigned, false, 600)).await;
    assert!(connack.session_present, "{connack:?}");
    let mut publ = broker.connect_v5("cid-pub2").await;
    publ.publish_complete(publish("cid/assigned", "kept", QoS::AtLeastOnce))
        .await;
    assert_eq!(text(&again.recv_publish_acking().await), "kept");
}

// [MQTT-3.1.3-2] (v311): the ClientId identifies the session state the Server
// holds.
#[tokio::test]
async fn v311_mqtt_3_1_3_2_client_id_identifies_session_state() {
    let broker = TestBroker::start().await;
    check_client_id_selects_session(&broker, V311).await;
}

/// Sends `refused` with a PUBLISH (retained, QoS 1), SUBSCRIBE and PINGREQ
/// pipelined behind it; the broker must answer only the CONNACK `code` and
/// close, and must not act on the rest.
async fn refused_then_pipelined(broker: &TestBroker, refused: Connect, code: ReasonCode) {
    let tag = refused.client_id.to_string();
    let mut watcher = broker.connect_v5(&format!("watch-{tag}")).await;
    watcher.subscribe(1, "refused/#", QoS::AtLeastOnce).await;

    let mut raw = broker.raw().await;
    raw.set_version(V5);
    let mut p = publish_id("refused/t", "must not be processed", QoS::AtLeastOnce, 1);
    p.retain = true;
    raw.send_bytes(&encode_all(
        V5,
        vec![
            Packet::Connect(Box::new(refused)),
            Packet::from(p),
            Packet::Subscribe(Subscribe::new(
                pid(2),
                vec![(filter("refused/#"), opts(QoS::AtMostOnce))],
            )),
            Packet::PingReq,
        ],
    ))
    .await;
    let got = until_close(&mut raw).await;
    match got.as_slice() {
        [Packet::ConnAck(c)] => assert_eq!(c.reason_code, code, "{c:?}"),
        other => panic!("expected only CONNACK {code:?}, got {other:?}"),
    }

    // The PUBLISH was not routed, nor retained.
    publish_marker(broker, "refused/t", &format!("marker-{tag}")).await;
    watcher.expect_marker(&format!("marker-{tag}")).await;
    let mut late = broker.connect_v5(&format!("late-{tag}")).await;
    late.subscribe(1, "refused/#", QoS::AtLeastOnce).await;
    late.expect_no_publish(QUIET).await;
}

// [MQTT-3.1.4-6] (v5): after refusing a CONNECT, the Server does not process
// the data the client sent after it: a pipelined PUBLISH is neither delivered
// nor retained, SUBSCRIBE and PINGREQ are not answered. Refused for an
// Authentication Method (0x8C) and for an empty Client Identifier when they
// are not allowed (0x85).
#[tokio::test]
async fn mqtt_3_1_4_6_data_after_refused_connect_not_processed() {
    let broker = TestBroker::with_config(|c| c.session.allow_empty_client_id = false).await;
    let mut auth = v5("refused-auth");
    auth.properties.authentication_method = Some(ByteString::from("SCRAM-SHA-1"));
    refused_then_pipelined(&broker, auth, ReasonCode::BadAuthenticationMethod).await;
    refused_then_pipelined(&broker, v5(""), ReasonCode::ClientIdentifierNotValid).await;
}

// ------------------------------------------------------------ CONNACK (3.2)

/// A retained message on `prefix/r`, set by a client that then leaves.
async fn retained_on(broker: &TestBroker, prefix: &str) {
    let mut p = publish(&format!("{prefix}/r"), "retained", QoS::AtLeastOnce);
    p.retain = true;
    let mut publ = broker.connect_v5(&format!("{prefix}-retainer")).await;
    publ.publish_complete(p).await;
    publ.disconnect_normally().await;
}

/// CONNECT, SUBSCRIBE (matching a retained message), PINGREQ and a QoS 1
/// PUBLISH to the subscription written at once: the CONNACK comes first, then
/// the answers to the rest.
async fn check_connack_first_when_pipelined(broker: &TestBroker, version: ProtocolVersion) {
    let prefix = format!("first{}", version.level());
    retained_on(broker, &prefix).await;
    let mut raw = broker.raw().await;
    raw.set_version(version);
    raw.send_bytes(&encode_all(
        version,
        vec![
            Packet::Connect(Box::new(connect(version, &format!("{prefix}-client")))),
            Packet::Subscribe(Subscribe::new(
                pid(1),
                vec![(filter(&format!("{prefix}/#")), opts(QoS::AtLeastOnce))],
            )),
            Packet::PingReq,
            Packet::from(publish_id(
                &format!("{prefix}/x"),
                "live",
                QoS::AtLeastOnce,
                9,
            )),
        ],
    ))
    .await;
    match raw.recv().await {
        Packet::ConnAck(c) => assert_eq!(c.reason_code, ReasonCode::Success, "{c:?}"),
        other => panic!("the first packet must be CONNACK, got {other:?}"),
    }
    let mut kinds = Vec::new();
    for _ in 0..5 {
        let p = raw.recv().await;
        kinds.push(p.packet_type().name());
    }
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        vec!["PINGRESP", "PUBACK", "PUBLISH", "PUBLISH", "SUBACK"]
    );
}

/// A resumed session with a message in flight and two queued: the CONNACK
/// comes before any of them.
async fn check_connack_first_on_resume(broker: &TestBroker, version: ProtocolVersion) {
    let id = format!("resume-first{}", version.level());
    let t = format!("{id}/t");
    let persistent = |clean: bool| match version {
        ProtocolVersion::V5 => v5_session(&id, clean, 600),
        _ => v3_session(V311, &id, clean),
    };
    let (mut sub, _) = broker.connect_ok(persistent(false)).await;
    sub.subscribe(1, &t, QoS::AtLeastOnce).await;
    let mut publ = broker.connect_v5(&format!("{id}-pub")).await;
    publ.publish_complete(publish(&t, "0", QoS::AtLeastOnce))
        .await;
    // Received, not acknowledged: in flight.
    let _ = sub.recv_publish().await;
    sub.disconnect_normally().await;
    for (i, payload) in ["1", "2"].into_iter().enumerate() {
        let id = u16::try_from(i + 2).unwrap();
        publ.publish_complete(publish_id(&t, payload, QoS::AtLeastOnce, id))
            .await;
    }

    let mut raw = broker.raw().await;
    // `handshake` panics unless the first packet is a CONNACK.
    let connack = raw.handshake(persistent(false)).await;
    assert_eq!(connack.reason_code, ReasonCode::Success);
    assert!(connack.session_present);
    let payloads: Vec<String> = [
        raw.recv_publish_acking().await,
        raw.recv_publish_acking().await,
        raw.recv_publish_acking().await,
    ]
    .iter()
    .map(text)
    .collect();
    assert_eq!(payloads, ["0", "1", "2"]);
}

// [MQTT-3.2.0-1] (v5): the Server sends CONNACK 0x00 before any other packet:
// with requests pipelined behind CONNECT and with a resumed session's
// messages waiting.
#[tokio::test]
async fn mqtt_3_2_0_1_connack_success_before_any_other_packet() {
    let broker = TestBroker::start().await;
    check_connack_first_when_pipelined(&broker, V5).await;
    check_connack_first_on_resume(&broker, V5).await;
}

// [MQTT-3.2.0-1] (v311): the first packet sent from the Server to the Client
// is a CONNACK.
#[tokio::test]
async fn v311_mqtt_3_2_0_1_first_packet_is_connack() {
    let broker = TestBroker::start().await;
    check_connack_first_when_pipelined(&broker, V311).await;
    check_connack_first_on_resume(&broker, V311).await;
}

fn connacks(packets: &[Packet]) -> usize {
    packets
        .iter()
        .filter(|p| matches!(p, Packet::ConnAck(_)))
        .count()
}

// [MQTT-3.2.0-2] (v5): at most one CONNACK per network connection: not for a
// second CONNECT (sent later or pipelined with the first), nor to a
// connection whose session is taken over.
#[tokio::test]
async fn mqtt_3_2_0_2_only_one_connack() {
    let broker = TestBroker::start().await;

    // A second CONNECT after the CONNACK.
    let (mut c, _) = broker.connect_ok(v5("one-connack")).await;
    c.send(v5("one-connack")).await;
    let after = until_close(&mut c).await;
    assert_eq!(connacks(&after), 0, "second CONNACK: {after:?}");

    // Two CONNECTs written at once.
    let mut raw = broker.raw().await;
    raw.set_version(V5);
    raw.send_bytes(&encode_all(
        V5,
        vec![
            Packet::Connect(Box::new(v5("two-connects"))),
            Packet::Connect(Box::new(v5("two-connects"))),
        ],
    ))
    .await;
    let all = until_close(&mut raw).await;
    assert_eq!(connacks(&all), 1, "{all:?}");

    // Session takeover: the old connection gets DISCONNECT, not a CONNACK;
    // the new one exactly one CONNACK.
    let (mut old, _) = broker.connect_ok(v5("taken")).await;
    let (mut new, _) = broker.connect_ok(v5("taken")).await;
    let after = until_close(&mut old).await;
    assert_eq!(connacks(&after), 0, "{after:?}");
    new.send(Packet::PingReq).await;
    assert_eq!(new.recv().await, Packet::PingResp);
}

// [MQTT-3.2.2-19] (v5): the Server does not send a Reason String that would
// make the CONNACK larger than the client's Maximum Packet Size: a refusing
// CONNACK (0x8C) to a client announcing 20 bytes arrives within 20 bytes.
#[tokio::test]
async fn mqtt_3_2_2_19_refusing_connack_reason_string_within_maximum_packet_size() {
    let broker = TestBroker::start().await;
    let mut w = Wire::open(broker.addr).await;
    let mut c = v5("mps-refused-auth");
    c.properties.maximum_packet_size = NonZeroU32::new(u32::try_from(SMALL_MAX).unwrap());
    c.properties.authentication_method = Some(ByteString::from("SCRAM-SHA-256"));
    w.send(c).await;
    let (p, size) = w.recv().await;
    match &p {
        Packet::ConnAck(c) => {
            assert_eq!(c.reason_code, ReasonCode::BadAuthenticationMethod, "{c:?}");
        }
        other => panic!("expected CONNACK, got {other:?}"),
    }
    assert_fits(&p, size, SMALL_MAX);
    assert!(w.next().await.is_none(), "connection not closed");
}

// [MQTT-3.2.2-20] (v5): the Server does not send a User Property that would
// make the CONNACK larger than the client's Maximum Packet Size: a successful
// CONNACK to a client announcing 20 bytes fits.
#[tokio::test]
async fn mqtt_3_2_2_20_connack_user_property_within_maximum_packet_size() {
    let broker = TestBroker::start().await;
    // `small_client` checks the CONNACK's size.
    let _client = small_client(&broker, "mps-connack").await;
}

// [MQTT-3.2.2-20] (v5): the same for a refusing CONNACK (0x85).
#[tokio::test]
async fn mqtt_3_2_2_20_refusing_connack_within_maximum_packet_size() {
    let broker = TestBroker::with_config(|c| c.session.allow_empty_client_id = false).await;
    let mut w = Wire::open(broker.addr).await;
    let mut c = v5("");
    c.properties.maximum_packet_size = NonZeroU32::new(u32::try_from(SMALL_MAX).unwrap());
    w.send(c).await;
    let (p, size) = w.recv().await;
    match &p {
        Packet::ConnAck(c) => {
            assert_eq!(c.reason_code, ReasonCode::ClientIdentifierNotValid, "{c:?}");
            assert!(c.properties.user_properties.is_empty(), "{c:?}");
        }
        other => panic!("expected CONNACK, got {other:?}"),
    }
    assert_fits(&p, size, SMALL_MAX);
    assert!(w.next().await.is_none(), "connection not closed");
}

// ---------------------------------------------------- authentication (4.12)

// [MQTT-4.12.0-4] (v5): the Server rejects enhanced authentication (it
// supports no method): CONNACK 0x8C and the connection is closed; an AUTH
// sent right behind the CONNECT is not answered.
#[tokio::test]
async fn mqtt_4_12_0_4_rejected_authentication_closes_connection() {
    let broker = TestBroker::start().await;
    let mut raw = broker.raw().await;
    raw.set_version(V5);
    let mut c = v5("auth-rejected");
    c.properties.authentication_method = Some(ByteString::from("SCRAM-SHA-1"));
    c.properties.authentication_data = Some(Bytes::from_static(b"client-first"));
    let mut auth = Auth::new(ReasonCode::ContinueAuthentication);
    auth.properties.authentication_method = Some(ByteString::from("SCRAM-SHA-1"));
    auth.properties.authentication_data = Some(Bytes::from_static(b"client-final"));
    raw.send_bytes(&encode_all(
        V5,
        vec![Packet::Connect(Box::new(c)), Packet::from(auth)],
    ))
    .await;
    let got = until_close(&mut raw).await;
    match got.as_slice() {
        [Packet::ConnAck(a)] => {
            assert_eq!(a.reason_code, ReasonCode::BadAuthenticationMethod);
        }
        other => panic!("expected only CONNACK 0x8C, got {other:?}"),
    }
}
