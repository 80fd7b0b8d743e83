//! Truncation at every field boundary.

use midge_proto::ErrorKind;

use crate::common::*;

// ---- Truncation at every field boundary ----

#[test]
fn every_prefix_of_connect_is_rejected() {
    let properties = cat(&[
        &p_u32(0x11, 30),
        &p_u16(0x21, 10),
        &p_pair(b"k", b"v"),
        &p_str(0x15, b"SCRAM"),
        &p_str(0x16, b"data"),
    ]);
    let will = cat(&[&p_u32(0x18, 5), &p_byte(0x01, 1), &p_str(0x08, b"r/t")]);
    let payload = cat(&[
        &s(b"client"),
        &props(&will),
        &s(b"will/t"),
        &s(b"bye"),
        &s(b"user"),
        &s(b"pass"),
    ]);
    let body = connect_body(b"MQTT", 5, 0xEE, &cat(&[&props(&properties), &payload]));
    assert_prefixes_rejected(0x10, &body, NONE, 0..body.len(), None);
}

#[test]
fn every_prefix_of_publish_is_rejected() {
    let properties = cat(&[
        &p_byte(0x01, 1),
        &p_u32(0x02, 60),
        &p_u16(0x23, 3),
        &p_str(0x08, b"r/t"),
        &p_str(0x09, b"corr"),
        &p_pair(b"k", b"v"),
        &p_vbi(0x0B, 300),
        &p_str(0x03, b"text"),
    ]);
    let body = cat(&[&s(b"a/b"), &[0, 7], &props(&properties)]);
    assert_prefixes_rejected(0x3B, &body, V5, 0..body.len(), None);
}

#[test]
fn every_prefix_of_subscribe_is_rejected() {
    let properties = props(&cat(&[&p_vbi(0x0B, 20_000), &p_pair(b"k", b"v")]));
    let body = cat(&[&[0, 9], &properties, &s(b"a/+/#"), &[0x2E]]);
    let after_props = 2 + properties.len();
    assert_prefixes_rejected(
        0x82,
        &body,
        V5,
        0..body.len(),
        Some((after_props, ErrorKind::EmptySubscribe)),
    );
}

#[test]
fn every_prefix_of_unsubscribe_is_rejected() {
    let properties = props(&p_pair(b"k", b"v"));
    let body = cat(&[&[0, 9], &properties, &s(b"a/b")]);
    let after_props = 2 + properties.len();
    assert_prefixes_rejected(
        0xA2,
        &body,
        V5,
        0..body.len(),
        Some((after_props, ErrorKind::EmptyUnsubscribe)),
    );
}

#[test]
fn every_prefix_of_connack_is_rejected() {
    let properties = cat(&[
        &p_u32(0x11, 30),
        &p_u16(0x21, 10),
        &p_byte(0x24, 1),
        &p_str(0x12, b"assigned"),
        &p_u16(0x13, 30),
        &p_pair(b"k", b"v"),
    ]);
    let body = cat(&[&[1, 0], &props(&properties)]);
    assert_prefixes_rejected(0x20, &body, V5, 0..body.len(), None);
}

#[test]
fn every_prefix_of_acknowledgement_properties_is_rejected() {
    // PUBACK: 2 bytes (bare) and 3 bytes (reason only) are valid short forms.
    let body = cat(&[
        &[0, 5, 0x10],
        &props(&cat(&[&p_str(0x1F, b"why"), &p_pair(b"k", b"v")])),
    ]);
    assert_prefixes_rejected(0x40, &body, V5, (0..2).chain(4..body.len()), None);
    // SUBACK: prefixes up to the first reason code.
    let properties = props(&p_str(0x1F, b"r"));
    let body = cat(&[&[0, 9], &properties, &[0, 1, 2]]);
    let after_props = 2 + properties.len();
    assert_prefixes_rejected(
        0x90,
        &body,
        V5,
        0..=after_props,
        Some((after_props, ErrorKind::EmptyAck)),
    );
    // DISCONNECT and AUTH: 0 and 1 bytes are valid short forms.
    let body = cat(&[
        &[0x04],
        &props(&cat(&[&p_u32(0x11, 0), &p_str(0x1F, b"bye")])),
    ]);
    assert_prefixes_rejected(0xE0, &body, V5, 2..body.len(), None);
    let body = cat(&[
        &[0x18],
        &props(&cat(&[&p_str(0x15, b"SCRAM"), &p_str(0x16, b"xyz")])),
    ]);
    assert_prefixes_rejected(0xF0, &body, V5, 2..body.len(), None);
}
