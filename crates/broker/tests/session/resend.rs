//! Re-sending unacknowledged messages on resumption.

use super::*;

// --------------------------------------------------- resend on resumption

/// Reads one packet that must be a PUBLISH.
async fn next_publish<S: AsyncRead + AsyncWrite + Unpin>(c: &mut TestClient<S>) -> Publish {
    c.recv_publish().await
}

/// Sets up subscriber `id` (already connected as `sub`) with four messages
/// in flight: m1 QoS 1 unacknowledged, m2 QoS 2 PUBREC'd (PUBREL received,
/// no PUBCOMP), m3 QoS 1 unacknowledged, m4 QoS 2 unacknowledged. Returns
/// their packet ids.
async fn four_in_flight<S: AsyncRead + AsyncWrite + Unpin>(
    sub: &mut TestClient<S>,
    publisher: &mut TestClient<tokio::net::TcpStream>,
) -> [PacketId; 4] {
    publisher
        .publish_complete(publish("rs/1", "m1", QoS::AtLeastOnce))
        .await;
    publish_qos2(publisher, "rs/2", "m2").await;
    publisher
        .publish_complete(publish("rs/3", "m3", QoS::AtLeastOnce))
        .await;
    publish_qos2(publisher, "rs/4", "m4").await;
    let mut ids = Vec::new();
    for (i, qos) in [
        QoS::AtLeastOnce,
        QoS::ExactlyOnce,
        QoS::AtLeastOnce,
        QoS::ExactlyOnce,
    ]
    .into_iter()
    .enumerate()
    {
        let p = next_publish(sub).await;
        assert_eq!(payload(&p), format!("m{}", i + 1));
        assert_eq!(p.qos, qos);
        assert!(!p.dup);
        ids.push(p.packet_id.unwrap());
    }
    sub.send(Packet::PubRec(PubResponse::new(ids[1]))).await;
    match sub.recv().await {
        Packet::PubRel(r) => assert_eq!(r.packet_id, ids[1]),
        other => panic!("expected PUBREL, got {other:?}"),
    }
    // [MQTT-4.4.0-1]: nothing is re-sent while the connection stays up.
    sub.expect_nothing(Duration::from_millis(300)).await;
    [ids[0], ids[1], ids[2], ids[3]]
}

/// After resumption: m1, PUBREL m2, m3, m4 re-sent with their ids (PUBLISH
/// with DUP 1), then the queued m5 (DUP 0); then everything is acknowledged
/// and nothing more arrives.
async fn expect_resent_then_queued<S: AsyncRead + AsyncWrite + Unpin>(
    c: &mut TestClient<S>,
    ids: [PacketId; 4],
) {
    let m1 = next_publish(c).await;
    assert_eq!(
        (payload(&m1), m1.dup, m1.qos, m1.packet_id),
        ("m1", true, QoS::AtLeastOnce, Some(ids[0]))
    );
    match c.recv().await {
        Packet::PubRel(r) => assert_eq!(r.packet_id, ids[1]),
        other => panic!("expected PUBREL {}, got {other:?}", ids[1]),
    }
    let m3 = next_publish(c).await;
    assert_eq!(
        (payload(&m3), m3.dup, m3.qos, m3.packet_id),
        ("m3", true, QoS::AtLeastOnce, Some(ids[2]))
    );
    let m4 = next_publish(c).await;
    assert_eq!(
        (payload(&m4), m4.dup, m4.qos, m4.packet_id),
        ("m4", true, QoS::ExactlyOnce, Some(ids[3]))
    );
    let m5 = next_publish(c).await;
    assert_eq!(payload(&m5), "m5");
    assert!(!m5.dup, "first transmission of m5: DUP 0");
    let m5_id = m5.packet_id.unwrap();
    assert!(!ids.contains(&m5_id), "m5 reuses an id in flight");

    c.send(Packet::PubAck(PubResponse::new(ids[0]))).await;
    c.send(Packet::PubComp(PubResponse::new(ids[1]))).await;
    c.send(Packet::PubAck(PubResponse::new(ids[2]))).await;
    c.send(Packet::PubRec(PubResponse::new(ids[3]))).await;
    match c.recv().await {
        Packet::PubRel(r) => assert_eq!(r.packet_id, ids[3]),
        other => panic!("expected PUBREL, got {other:?}"),
    }
    c.send(Packet::PubComp(PubResponse::new(ids[3]))).await;
    c.send(Packet::PubAck(PubResponse::new(m5_id))).await;
    c.expect_nothing(Duration::from_millis(300)).await;
}

// v5 [MQTT-4.4.0-1]: on resumption (Clean Start 0, Session Present 1) the
// unacknowledged PUBLISH packets are re-sent with DUP 1 and their original
// Packet Identifiers, PUBREL for the PUBREC'd one, in the original order;
// messages queued while offline follow.
#[tokio::test]
async fn mqtt_4_4_0_1_resend_unacknowledged_on_resume_v5() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker.connect(v5_session("rs5", true, Some(300))).await;
    sub.subscribe(1, "rs/#", QoS::ExactlyOnce).await;
    let mut publisher = broker.connect_v5("pub").await;
    let ids = four_in_flight(&mut sub, &mut publisher).await;
    sub.disconnect_normally().await;
    assert_eq!(
        publisher.publish_qos1("rs/5", "m5", 9).await,
        ReasonCode::Success
    );
    let (mut sub, connack) = broker.connect(v5_session("rs5", false, Some(300))).await;
    assert!(connack.session_present);
    expect_resent_then_queued(&mut sub, ids).await;
    // Acknowledged exchanges are over: a further resumption re-sends nothing.
    sub.disconnect_normally().await;
    let (mut sub, connack) = broker.connect(v5_session("rs5", false, Some(300))).await;
    assert!(connack.session_present);
    sub.expect_nothing(Duration::from_millis(300)).await;
    broker.stop().await;
}

// v311 [MQTT-4.4.0-1]: the same for 3.1.1 with CleanSession 0, after the
// network connection dropped.
#[tokio::test]
async fn mqtt_4_4_0_1_resend_unacknowledged_on_resume_v311() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker
        .connect(v3_session(ProtocolVersion::V3_1_1, "rs4", false))
        .await;
    sub.subscribe(1, "rs/#", QoS::ExactlyOnce).await;
    let mut publisher = broker.connect_v311("pub").await;
    let ids = four_in_flight(&mut sub, &mut publisher).await;
    sub.drop_connection().await;
    // The broker must have noticed the close before m5 is published.
    broker.wait_detached("rs4").await;
    publisher
        .publish_complete(publish("rs/5", "m5", QoS::AtLeastOnce))
        .await;
    let (mut sub, connack) = broker
        .connect(v3_session(ProtocolVersion::V3_1_1, "rs4", false))
        .await;
    assert!(connack.session_present);
    expect_resent_then_queued(&mut sub, ids).await;
    broker.stop().await;
}

// v5 [MQTT-4.4.0-1] with a takeover: the new connection resumes the session
// of a connection still open and gets the re-sent packets.
#[tokio::test]
async fn mqtt_4_4_0_1_resend_on_takeover_v5() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker.connect(v5_session("rst", true, Some(300))).await;
    sub.subscribe(1, "rs/#", QoS::ExactlyOnce).await;
    let mut publisher = broker.connect_v5("pub").await;
    let ids = four_in_flight(&mut sub, &mut publisher).await;
    let (mut new, connack) = broker.connect(v5_session("rst", false, Some(300))).await;
    assert!(connack.session_present);
    sub.expect_disconnect(ReasonCode::SessionTakenOver).await;
    assert_eq!(
        publisher.publish_qos1("rs/5", "m5", 9).await,
        ReasonCode::Success
    );
    expect_resent_then_queued(&mut new, ids).await;
    broker.stop().await;
}

// v5 [MQTT-3.1.2-4]: resuming with Clean Start 1 discards the in-flight
// messages: nothing is re-sent.
#[tokio::test]
async fn mqtt_3_1_2_4_clean_start_discards_in_flight() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker.connect(v5_session("rsc", true, Some(300))).await;
    sub.subscribe(1, "rs/#", QoS::ExactlyOnce).await;
    let mut publisher = broker.connect_v5("pub").await;
    four_in_flight(&mut sub, &mut publisher).await;
    sub.disconnect_normally().await;
    let (mut sub, connack) = broker.connect(v5_session("rsc", true, Some(300))).await;
    assert!(!connack.session_present);
    sub.expect_nothing(Duration::from_millis(300)).await;
    broker.stop().await;
}

// v5 [MQTT-4.4.0-2]: a PUBREC with an error code ends the exchange: the
// message is not re-sent on resumption.
#[tokio::test]
async fn mqtt_4_4_0_2_rejected_pubrec_not_resent() {
    let broker = TestBroker::start().await;
    let (mut sub, _) = broker.connect(v5_session("rej", true, Some(300))).await;
    sub.subscribe(1, "rej/#", QoS::ExactlyOnce).await;
    let mut publisher = broker.connect_v5("pub").await;
    publish_qos2(&mut publisher, "rej/1", "no").await;
    let p = sub.recv_publish().await;
    let id = p.packet_id.unwrap();
    sub.send(Packet::PubRec(PubResponse::with_reason(
        id,
        ReasonCode::UnspecifiedError,
    )))
    .await;
    // No PUBREL for a refused PUBREC.
    sub.expect_nothing(Duration::from_millis(200)).await;
    sub.disconnect_normally().await;
    let (mut sub, connack) = broker.connect(v5_session("rej", false, Some(300))).await;
    assert!(connack.session_present);
    sub.expect_nothing(Duration::from_millis(300)).await;
    broker.stop().await;
}

// v5 and v311 [MQTT-4.3.3-10], [MQTT-4.4.0-1]: the broker's receiving side of
// QoS 2 belongs to the session: after resumption a re-sent PUBLISH (DUP 1)
// whose PUBREC was sent is acknowledged again but not delivered twice, and the
// PUBREL is completed ([MQTT-4.3.3-11]).
#[tokio::test]
async fn mqtt_4_3_3_10_inbound_qos2_state_survives_resumption() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "in2/#", QoS::AtMostOnce).await;
    for (version, id) in [
        (ProtocolVersion::V5, "in2-5"),
        (ProtocolVersion::V3_1_1, "in2-4"),
    ] {
        let resume = if version.is_v5() {
            v5_session(id, false, Some(300))
        } else {
            v3_session(version, id, false)
        };
        // v5: a new session that outlives the connection; 3.1.1: CleanSession 0.
        let mut first = resume.clone();
        first.clean_start = version.is_v5();
        let (mut c, _) = broker.connect(first).await;
        let mut p = publish("in2/t", id, QoS::ExactlyOnce);
        p.packet_id = Some(pid(7));
        c.send(p.clone()).await;
        match c.recv().await {
            Packet::PubRec(r) => assert_eq!(r.packet_id, pid(7)),
            other => panic!("expected PUBREC, got {other:?}"),
        }
        assert_eq!(payload(&sub.recv_publish().await), id);
        c.drop_connection().await;
        broker.wait_detached(id).await;

        let (mut c, connack) = broker.connect(resume).await;
        assert!(connack.session_present, "{version}");
        p.dup = true;
        c.send(p).await;
        match c.recv().await {
            Packet::PubRec(r) => assert_eq!(r.packet_id, pid(7)),
            other => panic!("expected PUBREC, got {other:?}"),
        }
        c.send(Packet::PubRel(PubResponse::new(pid(7)))).await;
        match c.recv().await {
            Packet::PubComp(r) => {
                assert_eq!(r.packet_id, pid(7));
                assert_eq!(r.reason_code, ReasonCode::Success, "{version}");
            }
            other => panic!("expected PUBCOMP, got {other:?}"),
        }
        sub.expect_nothing(Duration::from_millis(200)).await;
        c.disconnect_normally().await;
    }
    broker.stop().await;
}

// v5 [MQTT-3.1.2-4]: Clean Start 1 discards the receiving side of QoS 2 too:
// a PUBREL for an exchange of the old session is unknown (PUBCOMP 0x92).
#[tokio::test]
async fn mqtt_3_1_2_4_clean_start_discards_inbound_qos2_state() {
    let broker = TestBroker::start().await;
    let (mut c, _) = broker.connect(v5_session("in2c", true, Some(300))).await;
    let mut p = publish("in2c/t", "x", QoS::ExactlyOnce);
    p.packet_id = Some(pid(7));
    c.send(p).await;
    match c.recv().await {
        Packet::PubRec(r) => assert_eq!(r.packet_id, pid(7)),
        other => panic!("expected PUBREC, got {other:?}"),
    }
    c.disconnect_normally().await;
    let (mut c, connack) = broker.connect(v5_session("in2c", true, Some(300))).await;
    assert!(!connack.session_present);
    c.send(Packet::PubRel(PubResponse::new(pid(7)))).await;
    match c.recv().await {
        Packet::PubComp(r) => {
            assert_eq!(r.packet_id, pid(7));
            assert_eq!(r.reason_code, ReasonCode::PacketIdentifierNotFound);
        }
        other => panic!("expected PUBCOMP, got {other:?}"),
    }
    broker.stop().await;
}
