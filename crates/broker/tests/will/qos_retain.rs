//! Will QoS and Will Retain.

use super::*;

// ---------------------------------------------------------------------------
// Will QoS and Will Retain
// ---------------------------------------------------------------------------

// Section 3.1.2.6 (the Will QoS is the QoS of the published will), delivered
// at min(will QoS, granted QoS) ([MQTT-3.8.4-8]).
#[tokio::test]
async fn mqtt_3_8_4_8_will_qos_honoured() {
    let broker = TestBroker::start().await;
    let mut at2 = tcp_watcher(&broker, V5).await; // QoS 2 subscription
    let (mut at0, _) = broker.connect(connect(V5, "watcher0")).await;
    at0.subscribe(1, "will/#", QoS::AtMostOnce).await;
    for (i, qos) in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce]
        .into_iter()
        .enumerate()
    {
        let id = format!("q{i}");
        let client = tcp_client(
            &broker,
            with_will(V5, &id, will(&format!("will/{id}"), "q", qos, false)),
        )
        .await;
        client.drop_connection().await;
        let p = expect_will(&mut at2, &format!("will/{id}"), "q").await;
        assert_eq!(p.qos, qos, "will QoS {qos:?} at a QoS 2 subscription");
        if qos == QoS::ExactlyOnce {
            // Complete the QoS 2 flow so the next will is not held back.
            match at2.recv().await {
                Packet::PubRel(r) => {
                    at2.send(Packet::PubComp(midge_proto::PubResponse::new(r.packet_id)))
                        .await;
                }
                other => panic!("expected PUBREL, got {other:?}"),
            }
        }
        let p = at0.recv_publish().await;
        assert_eq!(
            p.qos,
            QoS::AtMostOnce,
            "will QoS {qos:?} at a QoS 0 subscription"
        );
    }
    broker.stop().await;
}

// [MQTT-3.1.2-15] (v5), [MQTT-3.1.2-17] (3.1.1): Will Retain 1 publishes the
// will as a retained message: a later subscriber gets it with RETAIN 1
// (section 3.3.1.3 / 3.1.1 [MQTT-3.3.1-8]); an existing subscription gets it
// with RETAIN 0 unless Retain As Published ([MQTT-3.3.1-12], [MQTT-3.3.1-13];
// 3.1.1 [MQTT-3.3.1-9]).
#[tokio::test]
async fn mqtt_3_1_2_15_will_retain_stores_the_will() {
    for version in [V5, V311] {
        let broker = TestBroker::start().await;
        let t = format!("will/retained{}", version.level());
        let mut watcher = tcp_watcher(&broker, version).await;
        let (mut rap, _) = broker.connect(connect(V5, "rap")).await;
        let mut opts = SubscriptionOptions::new(QoS::AtLeastOnce);
        opts.retain_as_published = true;
        rap.subscribe_with(1, "will/#", opts).await;

        let id = format!("ret{}", version.level());
        let client = tcp_client(
            &broker,
            with_will(version, &id, will(&t, "last words", QoS::AtLeastOnce, true)),
        )
        .await;
        client.drop_connection().await;
        let p = expect_will(&mut watcher, &t, "last words").await;
        assert!(
            !p.retain,
            "{version}: established subscription gets RETAIN 0"
        );
        let p = expect_will(&mut rap, &t, "last words").await;
        assert!(p.retain, "{version}: Retain As Published gets RETAIN 1");

        for late_version in [V5, V311] {
            let (mut late, _) = broker.connect(connect(late_version, "late")).await;
            late.subscribe(1, &t, QoS::AtLeastOnce).await;
            let p = expect_will(&mut late, &t, "last words").await;
            assert!(
                p.retain,
                "{version} will, {late_version} subscriber: RETAIN 1"
            );
            assert_eq!(p.qos, QoS::AtLeastOnce);
            late.disconnect(ReasonCode::Success).await;
        }
        watcher.disconnect(ReasonCode::Success).await;
        rap.disconnect(ReasonCode::Success).await;
        broker.stop().await;
    }
}

// [MQTT-3.1.2-14] (v5), [MQTT-3.1.2-16] (3.1.1): Will Retain 0 publishes a
// non-retained message: nothing is stored for later subscribers.
#[tokio::test]
async fn mqtt_3_1_2_14_will_retain_0_is_not_stored() {
    let broker = TestBroker::start().await;
    for version in [V5, V311] {
        let mut watcher = tcp_watcher(&broker, version).await;
        let id = format!("noret{}", version.level());
        let client = tcp_client(
            &broker,
            with_will(
                version,
                &id,
                will("will/noret", "x", QoS::AtLeastOnce, false),
            ),
        )
        .await;
        client.drop_connection().await;
        let p = expect_will(&mut watcher, "will/noret", "x").await;
        assert!(!p.retain);
        let (mut late, _) = broker.connect(connect(version, "late")).await;
        late.subscribe(1, "will/noret", QoS::AtLeastOnce).await;
        tcp_marker(&broker, "will/noret").await;
        late.expect_marker("marker").await;
        late.disconnect(ReasonCode::Success).await;
        watcher.disconnect(ReasonCode::Success).await;
    }
    broker.stop().await;
}
