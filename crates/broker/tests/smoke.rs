#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use midge_proto::QoS;
use midge_testkit::{TestBroker, publish};

#[tokio::test]
async fn publish_subscribe_round_trip_v5_and_v311() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("sub").await;
    let suback = sub.subscribe(1, "a/+", QoS::ExactlyOnce).await;
    assert_eq!(
        suback.reason_codes,
        vec![midge_proto::ReasonCode::GrantedQoS2]
    );
    let mut publisher = broker.connect_v311("pub").await;
    publisher
        .publish_complete(publish("a/b", "x", QoS::ExactlyOnce))
        .await;
    let got = sub.recv_publish().await;
    assert_eq!(got.topic.as_str(), "a/b");
    assert_eq!(got.qos, QoS::ExactlyOnce);
    broker.stop().await;
}
