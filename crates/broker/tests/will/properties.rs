//! Will properties (v5).

use super::*;

// ---------------------------------------------------------------------------
// Will properties (v5)
// ---------------------------------------------------------------------------

// Section 3.1.3.2: the Will Properties go out with the will: Payload Format
// Indicator ([MQTT-3.3.2-4]), Message Expiry Interval (3.1.3.2.4,
// [MQTT-3.3.2-6]), Content Type ([MQTT-3.3.2-20]), Response Topic
// ([MQTT-3.3.2-15]), Correlation Data ([MQTT-3.3.2-16]) and User Properties in
// order ([MQTT-3.1.3-10], [MQTT-3.3.2-17], [MQTT-3.3.2-18]).
#[tokio::test]
async fn mqtt_3_1_3_10_will_properties_forwarded() {
    let broker = TestBroker::start().await;
    let mut watcher = tcp_watcher(&broker, V5).await;
    let mut w = will(
        "will/props",
        "{\"state\":\"offline\"}",
        QoS::AtLeastOnce,
        false,
    );
    let user: Vec<(ByteString, ByteString)> =
        [("b", "1"), ("a", "2"), ("b", "3"), ("z", ""), ("a", "0")]
            .iter()
            .map(|(k, v)| (ByteString::from(*k), ByteString::from(*v)))
            .collect();
    w.properties = WillProperties {
        will_delay_interval: None,
        payload_format_indicator: Some(true),
        message_expiry_interval: Some(3600),
        content_type: Some(ByteString::from("application/json")),
        response_topic: Some(topic("reply/props")),
        correlation_data: Some(Bytes::from_static(&[0, 1, 2, 0xFF])),
        user_properties: user.clone(),
    };
    let client = tcp_client(&broker, with_will(V5, "props", w)).await;
    client.drop_connection().await;
    let p = expect_will(&mut watcher, "will/props", "{\"state\":\"offline\"}").await;
    let props = &p.properties;
    assert_eq!(props.payload_format_indicator, Some(true));
    let expiry = props
        .message_expiry_interval
        .expect("Message Expiry Interval forwarded");
    assert!((3599..=3600).contains(&expiry), "expiry {expiry}");
    assert_eq!(props.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        props.response_topic.as_ref().map(|t| t.as_str()),
        Some("reply/props")
    );
    assert_eq!(
        props.correlation_data.as_deref(),
        Some(&[0u8, 1, 2, 0xFF][..])
    );
    assert_eq!(props.user_properties, user);
    // The Will Delay Interval is a will property, not a PUBLISH one; nothing
    // per-connection leaks in.
    assert_eq!(props.topic_alias, None);
    assert!(props.subscription_identifiers.is_empty());
    broker.stop().await;
}

// Section 3.1.3.2.4: absent Will Message Expiry Interval, no Message Expiry
// Interval is sent with the will.
#[tokio::test]
async fn will_without_properties_publishes_none() {
    let broker = TestBroker::start().await;
    let mut watcher = tcp_watcher(&broker, V5).await;
    let client = tcp_client(
        &broker,
        with_will(V5, "bare", will("will/bare", "b", QoS::AtLeastOnce, false)),
    )
    .await;
    client.drop_connection().await;
    let p = expect_will(&mut watcher, "will/bare", "b").await;
    assert_eq!(p.properties.message_expiry_interval, None);
    assert_eq!(p.properties.payload_format_indicator, None);
    assert_eq!(p.properties.content_type, None);
    assert!(p.properties.user_properties.is_empty());
    broker.stop().await;
}
