//! Packet builders: CONNECTs, wills, PUBLISHes, and raw bytes for packets the
//! codec would refuse to encode.

use bytes::{Bytes, BytesMut};
use midge_proto::property::WillProperties;
use midge_proto::{
    ByteString, Connect, PacketId, ProtocolVersion, Publish, QoS, TopicFilter, TopicName, Will,
};

/// A CONNECT for `version` and client `id` with clean start and keep alive 60.
pub fn connect(version: ProtocolVersion, id: &str) -> Connect {
    let mut c = Connect::new(version, ByteString::from(id));
    c.keep_alive = 60;
    c.clean_start = true;
    c
}

/// A v5 [`connect`] for `id`.
pub fn v5(id: &str) -> Connect {
    connect(ProtocolVersion::V5, id)
}

/// A 3.1.1 [`connect`] for `id`.
pub fn v311(id: &str) -> Connect {
    connect(ProtocolVersion::V3_1_1, id)
}

/// A 3.1 [`connect`] for `id`.
pub fn v31(id: &str) -> Connect {
    connect(ProtocolVersion::V3_1, id)
}

/// A v5 CONNECT for `id` with `clean_start` and Session Expiry Interval
/// `expiry` (`None`: the property is absent, i.e. 0).
pub fn v5_session(id: &str, clean_start: bool, expiry: impl Into<Option<u32>>) -> Connect {
    let mut c = v5(id);
    c.clean_start = clean_start;
    c.properties.session_expiry_interval = expiry.into();
    c
}

/// A 3.1.1 (or 3.1) CONNECT for `id` with `clean_session`.
pub fn v3_session(version: ProtocolVersion, id: &str, clean_session: bool) -> Connect {
    let mut c = connect(version, id);
    c.clean_start = clean_session;
    c
}

/// The same CONNECT with keep alive 0, for paused-clock tests (a keep-alive
/// deadline would otherwise close the connection when the clock jumps).
pub fn no_keep_alive(mut c: Connect) -> Connect {
    c.keep_alive = 0;
    c
}

/// A will of `payload` on `topic_name` at `qos`, without properties.
pub fn will(topic_name: &str, payload: &str, qos: QoS, retain: bool) -> Will {
    Will {
        topic: topic(topic_name),
        payload: Bytes::copy_from_slice(payload.as_bytes()),
        qos,
        retain,
        properties: WillProperties::default(),
    }
}

/// A v5 CONNECT for `id` (clean start) with Session Expiry Interval `expiry`
/// and a QoS 1 will "gone" on `will/{id}` delayed by `delay` seconds.
pub fn delayed_will(id: &str, delay: u32, expiry: u32) -> Connect {
    let mut w = will(&format!("will/{id}"), "gone", QoS::AtLeastOnce, false);
    w.properties.will_delay_interval = Some(delay);
    let mut c = v5_session(id, true, expiry);
    c.will = Some(w);
    c
}

/// A packet id.
pub fn pid(id: u16) -> PacketId {
    PacketId::new(id).expect("non-zero packet id")
}

/// A topic name.
pub fn topic(name: &str) -> TopicName {
    TopicName::new(ByteString::from(name)).expect("valid topic")
}

/// A topic filter (accepting `$share/...`).
pub fn filter(text: &str) -> TopicFilter {
    TopicFilter::new_v5(ByteString::from(text)).expect("valid filter")
}

/// A PUBLISH of `payload` to `topic` at `qos` (packet id 1 if QoS > 0).
pub fn publish(topic_name: &str, payload: &str, qos: QoS) -> Publish {
    let mut p = Publish::new(
        topic(topic_name),
        bytes::Bytes::copy_from_slice(payload.as_bytes()),
    );
    p.qos = qos;
    if qos != QoS::AtMostOnce {
        p.packet_id = Some(pid(1));
    }
    p
}

/// A [`publish`] with packet id `id` (when QoS > 0).
pub fn publish_id(topic_name: &str, payload: &str, qos: QoS, id: u16) -> Publish {
    let mut p = publish(topic_name, payload, qos);
    if qos != QoS::AtMostOnce {
        p.packet_id = Some(pid(id));
    }
    p
}

/// A QoS 0 PUBLISH of `payload` with Topic Alias `alias` (0: no alias) to
/// `topic_name` (empty: the zero-length topic that uses the alias).
pub fn aliased(topic_name: &str, alias: u16, payload: &str) -> Publish {
    let t = if topic_name.is_empty() {
        TopicName::empty()
    } else {
        topic(topic_name)
    };
    let mut p = Publish::new(t, Bytes::copy_from_slice(payload.as_bytes()));
    p.properties.topic_alias = std::num::NonZeroU16::new(alias);
    p
}

/// The payload of message `seq` of publisher `tag`: "{tag}:{seq}:" padded
/// with `x` to `size` bytes. For tests that count loss, duplicates and order
/// ([`parse_seq`] reads it back).
pub fn seq_payload(tag: usize, seq: usize, size: usize) -> String {
    let mut body = format!("{tag}:{seq}:");
    if body.len() < size {
        body.push_str(&"x".repeat(size - body.len()));
    }
    body
}

/// The (publisher tag, sequence number) a [`seq_payload`] carries; panics on
/// any other payload.
pub fn parse_seq(p: &Publish) -> (usize, usize) {
    let t = text(p);
    let mut fields = t.split(':');
    let tag = fields.next().unwrap().parse().unwrap();
    let seq = fields.next().unwrap().parse().unwrap();
    (tag, seq)
}

/// `publishes` encoded back to back for `version`, for one write.
pub fn encode_all(
    version: ProtocolVersion,
    publishes: impl IntoIterator<Item = Publish>,
) -> BytesMut {
    let mut buf = BytesMut::new();
    for p in publishes {
        p.encode(version, &mut buf).unwrap();
    }
    buf
}

/// The payload of `p` as text; panics unless it is UTF-8.
pub fn text(p: &Publish) -> String {
    String::from_utf8(p.payload.to_vec()).unwrap()
}

/// `n` as a Variable Byte Integer.
pub fn varint(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let mut b = u8::try_from(n % 128).unwrap();
        n /= 128;
        if n > 0 {
            b |= 0x80;
        }
        out.push(b);
        if n == 0 {
            return out;
        }
    }
}

/// A length-prefixed string field holding exactly `bytes` (which need not be
/// UTF-8).
pub fn str_field(bytes: &[u8]) -> Vec<u8> {
    let mut out = u16::try_from(bytes.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(bytes);
    out
}

/// A raw packet: `first` byte, Remaining Length, `body`.
pub fn raw_packet(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    out.extend(varint(body.len()));
    out.extend_from_slice(body);
    out
}

/// A raw SUBSCRIBE with packet id `id` and one filter, the raw bytes
/// `filter_bytes`, with the options byte `options` (v5: an empty property
/// list).
pub fn raw_subscribe(
    version: ProtocolVersion,
    id: u16,
    filter_bytes: &[u8],
    options: u8,
) -> Vec<u8> {
    let mut body = id.to_be_bytes().to_vec();
    if version.is_v5() {
        body.push(0);
    }
    body.extend(str_field(filter_bytes));
    body.push(options);
    raw_packet(0x82, &body)
}
