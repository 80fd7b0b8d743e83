//! PUBACK, PUBREC, PUBREL and PUBCOMP (sections 3.4 to 3.7).

use midge_proto::bytes::BytesMut;
use midge_proto::property::AckProperties;
use midge_proto::{EncodeError, ErrorKind, Packet, PacketType, PubResponse, ReasonCode};

use crate::common::{V5, assert_decodes_to_canonical, assert_vector, decode_err, pair, pid, s};

// ------------------------------------------- PUBACK PUBREC PUBREL PUBCOMP ----

#[test]
fn v5_puback_remaining_length_2_success() {
    // Section 3.4.2.1: Remaining Length 2 means Success and no properties.
    assert_vector(
        &[0x40, 0x02, 0x00, 0x01],
        &Packet::PubAck(PubResponse::new(pid(1))),
    );
}

#[test]
fn v5_puback_remaining_length_3_reason_code_no_property_length() {
    // Section 3.4.2.2.1: Remaining Length < 4 means no Property Length.
    assert_vector(
        &[0x40, 0x03, 0x00, 0x02, 0x10],
        &Packet::PubAck(PubResponse::with_reason(
            pid(2),
            ReasonCode::NoMatchingSubscribers,
        )),
    );
}

#[test]
fn v5_puback_with_reason_string_and_user_property() {
    // [MQTT-3.4.2-1] a PUBACK Reason Code (0x99 Payload format invalid).
    let bytes = bytes![
        [0x40, 17]
        [0x00, 0x03]
        [0x99]
        [13]
        [0x1F, 0x00, 0x03] b"bad"
        [0x26, 0x00, 0x01] b"a" [0x00, 0x01] b"b"
    ];
    let puback = PubResponse {
        packet_id: pid(3),
        reason_code: ReasonCode::PayloadFormatInvalid,
        properties: AckProperties {
            reason_string: Some(s("bad")),
            user_properties: vec![pair("a", "b")],
        },
    };
    assert_vector(&bytes, &Packet::PubAck(puback));
}

#[test]
fn v5_puback_explicit_success_forms_decode_to_short_form() {
    let expected = Packet::PubAck(PubResponse::new(pid(1)));
    // Reason Code 0x00 written out, no Property Length.
    assert_decodes_to_canonical(
        &[0x40, 0x03, 0x00, 0x01, 0x00],
        &[0x40, 0x02, 0x00, 0x01],
        &expected,
    );
    // Reason Code 0x00 and Property Length 0 written out.
    assert_decodes_to_canonical(
        &[0x40, 0x04, 0x00, 0x01, 0x00, 0x00],
        &[0x40, 0x02, 0x00, 0x01],
        &expected,
    );
}

#[test]
fn v5_pubrec_short_forms() {
    assert_vector(
        &[0x50, 0x02, 0x00, 0x07],
        &Packet::PubRec(PubResponse::new(pid(7))),
    );
    // [MQTT-3.5.2-1] 0x80 Unspecified error is a PUBREC Reason Code.
    assert_vector(
        &[0x50, 0x03, 0x00, 0x07, 0x80],
        &Packet::PubRec(PubResponse::with_reason(
            pid(7),
            ReasonCode::UnspecifiedError,
        )),
    );
}

#[test]
fn v5_pubrec_with_reason_string() {
    let bytes = bytes![
        [0x50, 11]
        [0x00, 0x08]
        [0x97]
        [7]
        [0x1F, 0x00, 0x04] b"full"
    ];
    let mut pubrec = PubResponse::with_reason(pid(8), ReasonCode::QuotaExceeded);
    pubrec.properties.reason_string = Some(s("full"));
    assert_vector(&bytes, &Packet::PubRec(pubrec));
}

#[test]
fn v5_pubrel_short_forms() {
    // [MQTT-3.6.1-1] fixed header flags 0010.
    assert_vector(
        &[0x62, 0x02, 0x12, 0x34],
        &Packet::PubRel(PubResponse::new(pid(0x1234))),
    );
    // [MQTT-3.6.2-1] 0x92 Packet Identifier not found.
    assert_vector(
        &[0x62, 0x03, 0x12, 0x34, 0x92],
        &Packet::PubRel(PubResponse::with_reason(
            pid(0x1234),
            ReasonCode::PacketIdentifierNotFound,
        )),
    );
}

#[test]
fn v5_pubrel_with_user_properties() {
    let bytes = bytes![
        [0x62, 18]
        [0x00, 0x05]
        [0x92]
        [14]
        [0x26, 0x00, 0x01] b"a" [0x00, 0x01] b"1"
        [0x26, 0x00, 0x01] b"b" [0x00, 0x01] b"2"
    ];
    let mut pubrel = PubResponse::with_reason(pid(5), ReasonCode::PacketIdentifierNotFound);
    pubrel.properties.user_properties = vec![pair("a", "1"), pair("b", "2")];
    assert_vector(&bytes, &Packet::PubRel(pubrel));
}

#[test]
fn v5_pubrel_wrong_flags_and_reason_code_rejected() {
    // [MQTT-3.6.1-1]
    let err = decode_err(&[0x60, 0x02, 0x00, 0x01]);
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidFixedHeaderFlags(PacketType::PubRel, 0)
    );
    assert_eq!(err.rule(), Some("MQTT-3.6.1-1"));
    // [MQTT-3.6.2-1] 0x10 is not a PUBREL Reason Code.
    let err = decode_err(&[0x62, 0x03, 0x00, 0x01, 0x10]);
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidReasonCode(PacketType::PubRel, 0x10)
    );
    let bad = Packet::PubRel(PubResponse::with_reason(
        pid(1),
        ReasonCode::NoMatchingSubscribers,
    ));
    let mut buf = BytesMut::new();
    assert_eq!(
        bad.encode(V5, &mut buf),
        Err(EncodeError::InvalidReasonCode(
            PacketType::PubRel,
            ReasonCode::NoMatchingSubscribers
        ))
    );
    assert!(buf.is_empty());
}

#[test]
fn v5_pubcomp_short_forms() {
    assert_vector(
        &[0x70, 0x02, 0x00, 0x09],
        &Packet::PubComp(PubResponse::new(pid(9))),
    );
    // [MQTT-3.7.2-1]
    assert_vector(
        &[0x70, 0x03, 0x00, 0x09, 0x92],
        &Packet::PubComp(PubResponse::with_reason(
            pid(9),
            ReasonCode::PacketIdentifierNotFound,
        )),
    );
}

#[test]
fn v5_pubcomp_with_reason_string() {
    let bytes = bytes![
        [0x70, 11]
        [0x00, 0x09]
        [0x92]
        [7]
        [0x1F, 0x00, 0x04] b"gone"
    ];
    let mut pubcomp = PubResponse::with_reason(pid(9), ReasonCode::PacketIdentifierNotFound);
    pubcomp.properties.reason_string = Some(s("gone"));
    assert_vector(&bytes, &Packet::PubComp(pubcomp));
}
