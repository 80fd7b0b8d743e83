//! Codec benchmarks: `cargo bench -p midge-proto`.
//!
//! Decode and encode of PUBLISH (64 B and 1 KiB payloads, MQTT 3.1.1 and 5.0) and
//! of an MQTT 5.0 CONNECT with properties. Decoding starts from a `BytesMut` that
//! already holds the packet, as a connection's read buffer would.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::num::{NonZeroU16, NonZeroU32};

use bytes::{Bytes, BytesMut};
use divan::{Bencher, black_box};
use midge_proto::{
    ByteString, Connect, Packet, ProtocolVersion, Publish, QoS, TopicName, Will, codec,
    property::{ConnectProperties, PublishProperties, WillProperties},
};

fn main() {
    divan::main();
}

const SIZES: &[usize] = &[64, 1024];

fn publish(size: usize, version: ProtocolVersion) -> Packet {
    let mut p = Publish::new(
        TopicName::new("factory/line-7/sensor/temperature").unwrap(),
        Bytes::from(vec![0xA5; size]),
    );
    p.qos = QoS::AtLeastOnce;
    p.packet_id = NonZeroU16::new(4242);
    if version.is_v5() {
        p.properties = PublishProperties {
            message_expiry_interval: Some(3600),
            content_type: Some(ByteString::from_static("application/octet-stream")),
            ..PublishProperties::default()
        };
    }
    Packet::from(p)
}

fn connect_v5() -> Packet {
    let mut c = Connect::new(ProtocolVersion::V5, "device-0042-abcdef");
    c.keep_alive = 60;
    c.clean_start = false;
    c.username = Some(ByteString::from_static("device-0042"));
    c.password = Some(Bytes::from_static(b"s3cr3t-t0ken-value"));
    c.properties = ConnectProperties {
        session_expiry_interval: Some(86_400),
        receive_maximum: NonZeroU16::new(100),
        maximum_packet_size: NonZeroU32::new(1 << 20),
        topic_alias_maximum: Some(16),
        request_problem_information: Some(true),
        user_properties: vec![
            (
                ByteString::from_static("region"),
                ByteString::from_static("eu-west"),
            ),
            (
                ByteString::from_static("fw"),
                ByteString::from_static("2.4.1"),
            ),
        ],
        ..ConnectProperties::default()
    };
    c.will = Some(Will {
        topic: TopicName::new("devices/0042/status").unwrap(),
        payload: Bytes::from_static(b"offline"),
        qos: QoS::AtLeastOnce,
        retain: true,
        properties: WillProperties {
            will_delay_interval: Some(30),
            ..WillProperties::default()
        },
    });
    Packet::Connect(Box::new(c))
}

fn encoded(packet: &Packet, version: ProtocolVersion) -> Bytes {
    let mut buf = BytesMut::new();
    packet.encode(version, &mut buf).unwrap();
    buf.freeze()
}

/// A read buffer in its steady state: bytes already split off it before, so
/// `split_to` shares the allocation instead of promoting a fresh `Vec`.
fn read_buffer(wire: &[u8]) -> BytesMut {
    let mut buf = BytesMut::with_capacity(2 * wire.len());
    buf.extend_from_slice(wire);
    buf.extend_from_slice(wire);
    drop(buf.split_to(wire.len()));
    buf
}

fn bench_decode(bencher: Bencher<'_, '_>, packet: &Packet, version: ProtocolVersion) {
    let wire = encoded(packet, version);
    bencher
        .with_inputs(|| read_buffer(&wire))
        .bench_local_refs(|buf| {
            black_box(codec::decode(buf, Some(version), u32::MAX).unwrap());
        });
}

fn bench_encode(bencher: Bencher<'_, '_>, packet: &Packet, version: ProtocolVersion) {
    let mut buf = BytesMut::with_capacity(4096);
    bencher.bench_local(|| {
        buf.clear();
        black_box(&packet).encode(version, &mut buf).unwrap();
        black_box(buf.len());
    });
}

#[divan::bench(args = SIZES)]
fn decode_publish_v311(bencher: Bencher<'_, '_>, size: usize) {
    bench_decode(
        bencher,
        &publish(size, ProtocolVersion::V3_1_1),
        ProtocolVersion::V3_1_1,
    );
}

#[divan::bench(args = SIZES)]
fn decode_publish_v5(bencher: Bencher<'_, '_>, size: usize) {
    bench_decode(
        bencher,
        &publish(size, ProtocolVersion::V5),
        ProtocolVersion::V5,
    );
}

#[divan::bench(args = SIZES)]
fn encode_publish_v311(bencher: Bencher<'_, '_>, size: usize) {
    bench_encode(
        bencher,
        &publish(size, ProtocolVersion::V3_1_1),
        ProtocolVersion::V3_1_1,
    );
}

#[divan::bench(args = SIZES)]
fn encode_publish_v5(bencher: Bencher<'_, '_>, size: usize) {
    bench_encode(
        bencher,
        &publish(size, ProtocolVersion::V5),
        ProtocolVersion::V5,
    );
}

#[divan::bench]
fn decode_connect_v5(bencher: Bencher<'_, '_>) {
    bench_decode(bencher, &connect_v5(), ProtocolVersion::V5);
}

#[divan::bench]
fn encode_connect_v5(bencher: Bencher<'_, '_>) {
    bench_encode(bencher, &connect_v5(), ProtocolVersion::V5);
}
