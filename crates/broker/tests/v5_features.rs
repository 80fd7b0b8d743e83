#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! MQTT 5.0 PUBLISH features end to end: properties forwarded unchanged, Message
//! Expiry (virtual clock), request/response, Topic Aliases in both directions.

use std::num::{NonZeroU16, NonZeroU32};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use midge_broker::broker::Shared;
use midge_proto::session::InboundTopicAliases;
use midge_proto::{
    ByteString, Connect, Packet, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode,
};
use midge_testkit::{
    QUIET, TestBroker, TestClient, aliased, connect, duplex, memory_broker, open_duplex, pid,
    publish, test_config, topic, v5_session,
};
use tokio::io::DuplexStream;

/// A persistent (Session Expiry 1 h) v5 client on the in-memory broker.
async fn persistent(shared: &Arc<Shared>, id: &str, clean: bool) -> TestClient<DuplexStream> {
    open_duplex(shared, v5_session(id, clean, 3600)).await.0
}

/// Lets the broker's tasks run until `id`'s session is offline.
async fn wait_offline(shared: &Arc<Shared>, id: &str) {
    for _ in 0..10_000 {
        if shared.session(id).is_some_and(|s| !s.is_online()) {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("session {id} still online");
}

/// Publishes `p` from a fresh client and returns what a `#` subscriber gets.
async fn forwarded(p: Publish) -> Publish {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "#", QoS::AtLeastOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    publ.publish_complete(p).await;
    let got = sub.recv_publish_acking().await;
    broker.stop().await;
    got
}

fn user_properties() -> Vec<(ByteString, ByteString)> {
    [
        ("k", "1"),
        ("a", "x"),
        ("k", "2"),
        ("", ""),
        ("\u{fc}n\u{ef}", "c\u{f6}d\u{e9}"),
        ("k", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (ByteString::from(k), ByteString::from(v)))
    .collect()
}

/// [MQTT-3.3.2-17], [MQTT-3.3.2-18]: every User Property is forwarded
/// unaltered and in order (repeated keys and duplicate pairs included), on live
/// delivery and when sent as a retained message.
#[tokio::test]
async fn mqtt_3_3_2_17_18_user_properties_forwarded_unaltered_in_order() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "up/#", QoS::AtLeastOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    let mut p = publish("up/t", "x", QoS::AtLeastOnce);
    p.retain = true;
    p.properties.user_properties = user_properties();
    publ.publish_complete(p).await;
    let got = sub.recv_publish_acking().await;
    assert_eq!(got.properties.user_properties, user_properties());

    let mut later = broker.connect_v5("later").await;
    later.subscribe(1, "up/t", QoS::AtLeastOnce).await;
    let got = later.recv_publish_acking().await;
    assert!(got.retain);
    assert_eq!(got.properties.user_properties, user_properties());
    broker.stop().await;
}

/// [MQTT-3.3.2-4]: the Payload Format Indicator is forwarded unaltered (1, 0,
/// or absent).
#[tokio::test]
async fn mqtt_3_3_2_4_payload_format_indicator_forwarded_unaltered() {
    for pfi in [Some(true), Some(false), None] {
        let mut p = publish("pfi/t", "h\u{e9}llo", QoS::AtLeastOnce);
        p.properties.payload_format_indicator = pfi;
        let got = forwarded(p).await;
        assert_eq!(got.properties.payload_format_indicator, pfi);
    }
}

/// [MQTT-3.3.2-15]: the Response Topic is forwarded unaltered.
#[tokio::test]
async fn mqtt_3_3_2_15_response_topic_forwarded_unaltered() {
    let mut p = publish("rt/t", "x", QoS::AtLeastOnce);
    p.properties.response_topic = Some(topic("reply/to/\u{e9}/$x"));
    let got = forwarded(p).await;
    assert_eq!(
        got.properties.response_topic.as_ref().map(|t| t.as_str()),
        Some("reply/to/\u{e9}/$x")
    );
}

/// [MQTT-3.3.2-16]: the Correlation Data (binary, zero bytes included) is
/// forwarded unaltered.
#[tokio::test]
async fn mqtt_3_3_2_16_correlation_data_forwarded_unaltered() {
    let data = Bytes::from_static(&[0, 1, 2, 0xFF, 0, 0x80]);
    let mut p = publish("cd/t", "x", QoS::AtLeastOnce);
    p.properties.correlation_data = Some(data.clone());
    let got = forwarded(p).await;
    assert_eq!(got.properties.correlation_data, Some(data));
}

/// [MQTT-3.3.2-20]: the Content Type is forwarded unaltered.
#[tokio::test]
async fn mqtt_3_3_2_20_content_type_forwarded_unaltered() {
    let mut p = publish("ct/t", "{}", QoS::AtLeastOnce);
    p.properties.content_type = Some(ByteString::from("application/json; charset=utf-8"));
    let got = forwarded(p).await;
    assert_eq!(
        got.properties.content_type.as_deref(),
        Some("application/json; charset=utf-8")
    );
}

/// Request / response (section 4.10) end to end, relying on [MQTT-3.3.2-15]
/// and [MQTT-3.3.2-16]: the responder answers on the Response Topic it received
/// with the Correlation Data it received; the requester matches the answer.
#[tokio::test]
async fn mqtt_3_3_2_15_16_request_response_end_to_end() {
    let broker = TestBroker::start().await;
    let mut responder = broker.connect_v5("responder").await;
    responder.subscribe(1, "svc/+/req", QoS::AtLeastOnce).await;
    let mut requester = broker.connect_v5("requester").await;
    requester
        .subscribe(1, "replies/requester", QoS::AtLeastOnce)
        .await;

    for n in 1..=3u16 {
        let mut req = publish("svc/time/req", &format!("q{n}"), QoS::AtLeastOnce);
        req.packet_id = Some(pid(n));
        req.properties.response_topic = Some(topic("replies/requester"));
        req.properties.correlation_data = Some(Bytes::from(vec![0xC0, u8::try_from(n).unwrap()]));
        requester.publish_complete(req).await;

        let got = responder.recv_publish_acking().await;
        let reply_to = got
            .properties
            .response_topic
            .clone()
            .expect("response topic");
        let mut resp = Publish::new(reply_to, Bytes::from(format!("a{n}")));
        resp.qos = QoS::AtLeastOnce;
        resp.packet_id = Some(pid(n));
        resp.properties.correlation_data = got.properties.correlation_data.clone();
        responder.publish_complete(resp).await;

        let answer = requester.recv_publish_acking().await;
        assert_eq!(answer.topic.as_str(), "replies/requester");
        assert_eq!(&answer.payload[..], format!("a{n}").as_bytes());
        assert_eq!(
            answer.properties.correlation_data.as_deref(),
            Some(&[0xC0, u8::try_from(n).unwrap()][..])
        );
    }
    broker.stop().await;
}

/// [MQTT-3.3.2-6]: the Message Expiry Interval sent to a subscriber is the
/// received value minus the time the message waited in the broker: at once
/// (unchanged), after waiting in an offline session's queue, and after waiting
/// behind a full Receive Maximum window. Virtual clock.
#[tokio::test(start_paused = true)]
async fn mqtt_3_3_2_6_message_expiry_forwarded_as_remaining_time() {
    let shared = memory_broker(test_config());
    let mut publ = duplex(&shared);
    publ.handshake(connect(ProtocolVersion::V5, "pub")).await;

    // Live: no waiting.
    let mut sub = persistent(&shared, "sub", true).await;
    sub.subscribe(1, "exp/#", QoS::AtLeastOnce).await;
    let mut p = publish("exp/live", "x", QoS::AtLeastOnce);
    p.properties.message_expiry_interval = Some(60);
    publ.publish_complete(p).await;
    let got = sub.recv_publish_acking().await;
    assert_eq!(got.properties.message_expiry_interval, Some(60));

    // Queued for an offline session for 3 s.
    sub.disconnect(ReasonCode::Success).await;
    wait_offline(&shared, "sub").await;
    let mut p = publish("exp/queued", "x", QoS::AtLeastOnce);
    p.properties.message_expiry_interval = Some(10);
    publ.publish_complete(p).await;
    tokio::time::advance(Duration::from_secs(3)).await;
    let mut sub = persistent(&shared, "sub", false).await;
    let got = sub.recv_publish_acking().await;
    assert_eq!(got.topic.as_str(), "exp/queued");
    assert_eq!(got.properties.message_expiry_interval, Some(7));
    sub.disconnect(ReasonCode::Success).await;

    // Waiting 5 s behind a Receive Maximum of 1.
    let mut c = connect(ProtocolVersion::V5, "narrow");
    c.properties.receive_maximum = NonZeroU16::new(1);
    let mut narrow = duplex(&shared);
    narrow.handshake(c).await;
    narrow.subscribe(1, "win/t", QoS::AtLeastOnce).await;
    for id in 1..=2 {
        let mut p = publish("win/t", &id.to_string(), QoS::AtLeastOnce);
        p.packet_id = Some(pid(id));
        p.properties.message_expiry_interval = Some(30);
        publ.publish_complete(p).await;
    }
    let first = narrow.recv_publish().await;
    assert_eq!(first.properties.message_expiry_interval, Some(30));
    tokio::time::advance(Duration::from_secs(5)).await;
    narrow
        .send(Packet::PubAck(PubResponse::new(first.packet_id.unwrap())))
        .await;
    let second = narrow.recv_publish_acking().await;
    assert_eq!(&second.payload[..], b"2");
    assert_eq!(second.properties.message_expiry_interval, Some(25));
}

/// [MQTT-3.3.2-5]: a message whose Message Expiry Interval passes before
/// onward delivery starts is not delivered: queued for an offline session, or
/// queued behind a full Receive Maximum window. Unexpired messages still are.
/// The drop is counted (`dropped_expired`). Virtual clock.
#[tokio::test(start_paused = true)]
async fn mqtt_3_3_2_5_expired_queued_message_not_delivered() {
    let shared = memory_broker(test_config());
    let mut publ = duplex(&shared);
    publ.handshake(connect(ProtocolVersion::V5, "pub")).await;

    let mut sub = persistent(&shared, "sub", true).await;
    sub.subscribe(1, "exp/#", QoS::AtLeastOnce).await;
    sub.disconnect(ReasonCode::Success).await;
    wait_offline(&shared, "sub").await;

    let mut short = publish("exp/a", "short", QoS::AtLeastOnce);
    short.properties.message_expiry_interval = Some(2);
    publ.publish_complete(short).await;
    let mut forever = publish("exp/a", "forever", QoS::AtLeastOnce);
    forever.packet_id = Some(pid(2));
    publ.publish_complete(forever).await;
    let mut long = publish("exp/a", "long", QoS::AtLeastOnce);
    long.packet_id = Some(pid(3));
    long.properties.message_expiry_interval = Some(100);
    publ.publish_complete(long).await;

    tokio::time::advance(Duration::from_secs(5)).await;
    let mut sub = persistent(&shared, "sub", false).await;
    let got = sub.recv_publish_acking().await;
    assert_eq!(&got.payload[..], b"forever");
    assert_eq!(got.properties.message_expiry_interval, None);
    let got = sub.recv_publish_acking().await;
    assert_eq!(&got.payload[..], b"long");
    assert_eq!(got.properties.message_expiry_interval, Some(95));
    sub.expect_no_publish(Duration::from_secs(1)).await;
    assert_eq!(shared.metrics.dropped_expired.load(Ordering::Relaxed), 1);

    // Online, but stuck behind a Receive Maximum of 1.
    let mut c = connect(ProtocolVersion::V5, "narrow");
    c.properties.receive_maximum = NonZeroU16::new(1);
    let mut narrow = duplex(&shared);
    narrow.handshake(c).await;
    narrow.subscribe(1, "win/t", QoS::AtLeastOnce).await;
    let mut p = publish("win/t", "first", QoS::AtLeastOnce);
    publ.publish_complete(p.clone()).await;
    p.payload = Bytes::from_static(b"expires");
    p.properties.message_expiry_interval = Some(2);
    publ.publish_complete(p.clone()).await;
    p.payload = Bytes::from_static(b"last");
    p.properties.message_expiry_interval = None;
    publ.publish_complete(p).await;
    let first = narrow.recv_publish().await;
    assert_eq!(&first.payload[..], b"first");
    tokio::time::advance(Duration::from_secs(3)).await;
    narrow
        .send(Packet::PubAck(PubResponse::new(first.packet_id.unwrap())))
        .await;
    let got = narrow.recv_publish_acking().await;
    assert_eq!(&got.payload[..], b"last");
    assert_eq!(shared.metrics.dropped_expired.load(Ordering::Relaxed), 2);
}

/// [MQTT-3.3.2-12]: the broker accepts every Topic Alias from 1 to the Topic
/// Alias Maximum it announced: an alias set with a topic, then used with an
/// empty topic, then remapped; subscribers get the real topic and no alias
/// (they set no Topic Alias Maximum).
#[tokio::test]
async fn mqtt_3_3_2_12_inbound_topic_alias_set_then_used() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "ta/#", QoS::AtMostOnce).await;
    let (mut publ, connack) = broker.connect(connect(ProtocolVersion::V5, "pub")).await;
    let max = connack
        .properties
        .topic_alias_maximum
        .expect("broker announces a Topic Alias Maximum");
    assert_eq!(max, 32);

    let sends = [
        aliased("ta/1", 1, "p1"),
        aliased("", 1, "p2"),
        aliased("ta/2", 1, "p3"),
        aliased("", 1, "p4"),
        aliased("ta/max", max, "p5"),
        aliased("", max, "p6"),
        aliased("", 1, "p7"),
    ];
    for p in sends {
        publ.send(p).await;
    }
    let want = [
        ("ta/1", "p1"),
        ("ta/1", "p2"),
        ("ta/2", "p3"),
        ("ta/2", "p4"),
        ("ta/max", "p5"),
        ("ta/max", "p6"),
        ("ta/2", "p7"),
    ];
    for (t, payload) in want {
        let got = sub.recv_publish().await;
        assert_eq!(got.topic.as_str(), t);
        assert_eq!(&got.payload[..], payload.as_bytes());
        assert_eq!(got.properties.topic_alias, None);
    }
    broker.stop().await;
}

/// [MQTT-3.3.2-9], [MQTT-3.3.2-8] enforced by the broker (section 3.3.2.3.4):
/// a Topic Alias of 0 or above the announced maximum is refused with DISCONNECT
/// 0x94 Topic Alias invalid, and nothing is delivered.
#[tokio::test]
async fn mqtt_3_3_2_9_topic_alias_zero_or_above_maximum_disconnects_0x94() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "#", QoS::AtMostOnce).await;

    let mut publ = broker.connect_v5("pub1").await;
    publ.send(aliased("bad/alias", 33, "x")).await;
    let d = publ.expect_close().await.expect("DISCONNECT");
    assert_eq!(d.reason_code, ReasonCode::TopicAliasInvalid);

    // Alias 0, hand-encoded: topic "t", properties [0x23 0x00 0x00], payload "x".
    let mut publ = broker.connect_v5("pub2").await;
    publ.send_bytes(&[0x30, 0x08, 0x00, 0x01, b't', 0x03, 0x23, 0x00, 0x00, b'x'])
        .await;
    let d = publ.expect_close().await.expect("DISCONNECT");
    assert_eq!(d.reason_code, ReasonCode::TopicAliasInvalid);
    sub.expect_nothing(QUIET).await;
    broker.stop().await;
}

/// [MQTT-3.3.2-7]: Topic Alias mappings do not survive the Network Connection:
/// on a new connection (same session), an empty topic with a previously set
/// alias is a Protocol Error (0x82, section 3.3.2.3.4).
#[tokio::test]
async fn mqtt_3_3_2_7_topic_alias_not_carried_to_next_connection() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "#", QoS::AtMostOnce).await;
    let edit = |c: &mut Connect| {
        c.clean_start = false;
        c.properties.session_expiry_interval = Some(600);
    };
    let mut publ = broker.connect_v5_with("pub", edit).await;
    publ.send(aliased("carry/t", 1, "one")).await;
    assert_eq!(&sub.recv_publish().await.payload[..], b"one");
    publ.disconnect(ReasonCode::Success).await;

    let mut publ = broker.connect_v5_with("pub", edit).await;
    publ.send(aliased("", 1, "two")).await;
    let d = publ.expect_close().await.expect("DISCONNECT");
    assert_eq!(d.reason_code, ReasonCode::ProtocolError);
    sub.expect_nothing(QUIET).await;
    broker.stop().await;
}

/// [MQTT-3.1.2-27]: a client that sets no Topic Alias Maximum (or 0) never
/// gets a Topic Alias; every PUBLISH carries its full topic.
#[tokio::test]
async fn mqtt_3_1_2_27_no_outbound_topic_alias_without_maximum() {
    let broker = TestBroker::start().await;
    let mut absent = broker.connect_v5("absent").await;
    let mut zero = broker
        .connect_v5_with("zero", |c| c.properties.topic_alias_maximum = Some(0))
        .await;
    absent.subscribe(1, "na/#", QoS::AtMostOnce).await;
    zero.subscribe(1, "na/#", QoS::AtMostOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    for i in 0..6 {
        let t = format!("na/{}", i % 2);
        publ.send(publish(&t, &t, QoS::AtMostOnce)).await;
    }
    for c in [&mut absent, &mut zero] {
        for i in 0..6 {
            let got = c.recv_publish().await;
            assert_eq!(got.properties.topic_alias, None);
            assert_eq!(got.topic.as_str(), format!("na/{}", i % 2));
        }
    }
    broker.stop().await;
}

/// [MQTT-3.1.2-26], [MQTT-3.3.2-11]: Topic Aliases sent to a client never
/// exceed the Topic Alias Maximum it set, and every PUBLISH resolves (through
/// the aliases the broker established on this connection) to its real topic.
#[tokio::test]
async fn mqtt_3_1_2_26_outbound_topic_alias_never_above_client_maximum() {
    let broker = TestBroker::start().await;
    let mut sub = broker
        .connect_v5_with("sub", |c| c.properties.topic_alias_maximum = Some(2))
        .await;
    sub.subscribe(1, "oa/#", QoS::AtLeastOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    let topics = [
        "oa/a", "oa/b", "oa/c", "oa/a", "oa/a", "oa/d", "oa/b", "oa/b", "oa/e", "oa/a",
    ];
    for round in 0..3 {
        for (i, t) in topics.iter().enumerate() {
            let mut p = publish(t, t, QoS::AtLeastOnce);
            p.packet_id = Some(pid(u16::try_from(round * 100 + i + 1).unwrap()));
            publ.publish_complete(p).await;
        }
    }
    let mut aliases = InboundTopicAliases::new(2);
    let mut used_alias = false;
    for _ in 0..3 {
        for t in topics {
            let mut got = sub.recv_publish_acking().await;
            if let Some(a) = got.properties.topic_alias {
                assert!(a.get() <= 2, "alias {a} above the client's maximum 2");
                used_alias = true;
            }
            aliases
                .resolve(&mut got)
                .expect("alias known on this connection");
            assert_eq!(got.topic.as_str(), t);
            assert_eq!(got.topic.as_str().as_bytes(), &got.payload[..]);
        }
    }
    // Not required by the spec (aliases are optional), but expected of Midge.
    assert!(used_alias, "the broker used outbound topic aliases");
    broker.stop().await;
}

/// [MQTT-3.1.2-24], [MQTT-3.3.2-11] together: a Topic Alias mapping is only
/// in force once the PUBLISH that set it has actually been sent. Here the first
/// PUBLISH on a topic fits the client's Maximum Packet Size without an alias
/// but not with one; whatever the broker does with it, a later, small PUBLISH on
/// the same topic must still resolve to its topic at the client.
#[tokio::test]
async fn mqtt_3_1_2_24_alias_mapping_only_from_publishes_actually_sent() {
    let first = publish("big/t", &"x".repeat(100), QoS::AtMostOnce);
    let fits = u32::try_from(Packet::from(first.clone()).encoded_len(ProtocolVersion::V5)).unwrap();
    let broker = TestBroker::start().await;
    let mut sub = broker
        .connect_v5_with("sub", |c| {
            c.properties.topic_alias_maximum = Some(4);
            c.properties.maximum_packet_size = NonZeroU32::new(fits);
        })
        .await;
    sub.subscribe(1, "big/#", QoS::AtMostOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    publ.send(first).await;
    publ.send(publish("big/t", "small", QoS::AtMostOnce)).await;

    let mut aliases = InboundTopicAliases::new(4);
    loop {
        let mut got = sub.recv_publish().await;
        assert!(
            Packet::from(got.clone()).encoded_len(ProtocolVersion::V5) <= fits as usize,
            "[MQTT-3.1.2-24]"
        );
        aliases
            .resolve(&mut got)
            .expect("every alias used was set on this connection");
        assert_eq!(got.topic.as_str(), "big/t");
        if &got.payload[..] == b"small" {
            break;
        }
    }
    broker.stop().await;
}

/// [MQTT-3.3.4-6]: a PUBLISH from a client carrying a Subscription Identifier
/// is a Protocol Error: DISCONNECT 0x82, not forwarded.
#[tokio::test]
async fn mqtt_3_3_4_6_subscription_identifier_from_client_is_protocol_error() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "#", QoS::AtMostOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    let mut p = publish("sid/from/client", "x", QoS::AtMostOnce);
    p.properties.subscription_identifiers = vec![NonZeroU32::new(3).unwrap()];
    publ.send(p).await;
    let d = publ.expect_close().await.expect("DISCONNECT");
    assert_eq!(d.reason_code, ReasonCode::ProtocolError);
    sub.expect_nothing(QUIET).await;
    broker.stop().await;
}

/// [MQTT-3.3.2-14]: a Response Topic with wildcards is refused (Malformed
/// Packet or Protocol Error, [MQTT-4.13.1-1]) and nothing is forwarded.
#[tokio::test]
async fn mqtt_3_3_2_14_response_topic_with_wildcard_closes_connection() {
    let broker = TestBroker::start().await;
    let mut sub = broker.connect_v5("sub").await;
    sub.subscribe(1, "#", QoS::AtMostOnce).await;
    let mut publ = broker.connect_v5("pub").await;
    // Topic "t", properties [0x08 "a/#"], payload "x".
    publ.send_bytes(&[
        0x30, 0x0B, 0x00, 0x01, b't', 0x06, 0x08, 0x00, 0x03, b'a', b'/', b'#', b'x',
    ])
    .await;
    let d = publ.expect_close().await.expect("DISCONNECT");
    assert!(
        matches!(
            d.reason_code,
            ReasonCode::MalformedPacket | ReasonCode::ProtocolError
        ),
        "{:?}",
        d.reason_code
    );
    sub.expect_nothing(QUIET).await;
    broker.stop().await;
}
