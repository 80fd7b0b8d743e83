//! The sender's side of QoS 1 / QoS 2 delivery, `session::Outbound`: Packet
//! Identifier allocation, the send quota, the PUBACK / PUBREC / PUBREL / PUBCOMP
//! flows, what is resent on reconnect and in which order, plus a property test
//! against a simple model.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::collections::HashSet;
use std::num::NonZeroU16;

use midge_proto::session::{Outbound, PubRecOutcome, Resend};
use midge_proto::{ErrorKind, PacketId, ProtocolVersion, QoS, ReasonCode};
use proptest::prelude::*;

fn rm(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).unwrap()
}

fn pid(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

/// Starts and acknowledges `n` QoS 1 exchanges, advancing the identifier counter.
fn burn_ids(out: &mut Outbound<u32>, n: u32) {
    for i in 0..n {
        let id = out.start(QoS::AtLeastOnce, i).unwrap();
        out.on_puback(id).unwrap();
    }
}

#[test]
fn new_outbound_is_empty_with_full_quota_mqtt_4_9_0_1() {
    let out: Outbound<u32> = Outbound::new(rm(10));
    assert!(out.is_empty());
    assert_eq!(out.len(), 0);
    assert_eq!(out.quota(), 10);
    assert_eq!(out.receive_maximum(), rm(10));
    assert!(out.pending().is_empty());
    assert_eq!(out.iter_items().count(), 0);
}

#[test]
fn qos0_is_not_tracked() {
    let mut out = Outbound::new(rm(10));
    assert_eq!(out.start(QoS::AtMostOnce, "m"), Err("m"));
    assert!(out.is_empty());
    assert_eq!(out.quota(), 10);
}

#[test]
fn first_ids_are_1_2_3_never_0_mqtt_2_2_1_3() {
    let mut out = Outbound::new(rm(10));
    assert_eq!(out.start(QoS::AtLeastOnce, 1).unwrap(), pid(1));
    assert_eq!(out.start(QoS::ExactlyOnce, 2).unwrap(), pid(2));
    assert_eq!(out.start(QoS::AtLeastOnce, 3).unwrap(), pid(3));
}

#[test]
fn all_65535_ids_unique_and_non_zero_mqtt_2_2_1_4_mqtt_4_3_2_1() {
    let mut out = Outbound::new(rm(u16::MAX));
    let mut seen = HashSet::new();
    for i in 0..u32::from(u16::MAX) {
        let qos = if i % 2 == 0 {
            QoS::AtLeastOnce
        } else {
            QoS::ExactlyOnce
        };
        let id = out.start(qos, i).unwrap();
        assert!(seen.insert(id.get()), "id {id} given out twice");
    }
    assert_eq!(seen.len(), 65535);
    assert!(!seen.contains(&0));
    assert_eq!(out.quota(), 0);
    // Every identifier is in use: nothing more can start.
    assert_eq!(out.start(QoS::AtLeastOnce, 99), Err(99));
}

#[test]
fn ids_wrap_from_65535_to_1_not_0() {
    let mut out = Outbound::new(rm(1));
    burn_ids(&mut out, 65534);
    assert_eq!(out.start(QoS::AtLeastOnce, 0).unwrap(), pid(65535));
    out.on_puback(pid(65535)).unwrap();
    assert_eq!(out.start(QoS::AtLeastOnce, 0).unwrap(), pid(1));
}

#[test]
fn ids_skip_those_in_use_mqtt_4_3_2_1_mqtt_4_3_3_1() {
    let mut out = Outbound::new(rm(3));
    let held = out.start(QoS::ExactlyOnce, 0).unwrap();
    assert_eq!(held, pid(1));
    // Cycle through 2..=65535 while 1 stays in flight; after the wrap the next
    // free identifier is 2, not the in-use 1.
    burn_ids(&mut out, 65534);
    let next = out.start(QoS::AtLeastOnce, 7).unwrap();
    assert_eq!(next, pid(2));
    assert_eq!(out.len(), 2);
}

#[test]
fn ids_after_wrap_skip_a_run_of_in_use_ids() {
    let mut out = Outbound::new(rm(u16::MAX));
    for i in 0..65535u32 {
        out.start(QoS::AtLeastOnce, i).unwrap();
    }
    out.on_puback(pid(5)).unwrap();
    out.on_puback(pid(2)).unwrap();
    // The counter is at 65535: 1 is in use, 2 is free, then 3 and 4 are in use.
    assert_eq!(out.start(QoS::AtLeastOnce, 100).unwrap(), pid(2));
    assert_eq!(out.start(QoS::AtLeastOnce, 101).unwrap(), pid(5));
    assert_eq!(out.start(QoS::AtLeastOnce, 102), Err(102));
}

#[test]
fn acknowledged_ids_are_not_reused_at_once() {
    // Identifiers are given out in turn, so a just-freed one is not the next.
    let mut out = Outbound::new(rm(10));
    let a = out.start(QoS::AtLeastOnce, 0).unwrap();
    out.on_puback(a).unwrap();
    assert_eq!(out.start(QoS::AtLeastOnce, 0).unwrap(), pid(2));
}

#[test]
fn quota_counts_every_state_mqtt_4_9_0_2_mqtt_3_3_4_9() {
    let mut out = Outbound::new(rm(3));
    let q1 = out.start(QoS::AtLeastOnce, "q1").unwrap();
    assert_eq!(out.quota(), 2);
    let q2 = out.start(QoS::ExactlyOnce, "q2").unwrap();
    assert_eq!(out.quota(), 1);
    // Awaiting PUBCOMP still counts: only PUBCOMP ends the exchange.
    assert_eq!(
        out.on_pubrec(q2, ReasonCode::Success).unwrap(),
        PubRecOutcome::Release("q2")
    );
    assert_eq!(out.quota(), 1);
    let _q3 = out.start(QoS::AtLeastOnce, "q3").unwrap();
    assert_eq!(out.quota(), 0);
    // Quota 0: MUST NOT send more QoS > 0 PUBLISH; the item comes back.
    assert_eq!(out.start(QoS::AtLeastOnce, "q4"), Err("q4"));
    assert_eq!(out.start(QoS::ExactlyOnce, "q5"), Err("q5"));
    assert_eq!(out.len(), 3);

    out.on_pubcomp(q2).unwrap();
    assert_eq!(out.quota(), 1);
    out.on_puback(q1).unwrap();
    assert_eq!(out.quota(), 2);
}

#[test]
fn pubrec_error_frees_quota_mqtt_3_3_4_9() {
    let mut out = Outbound::new(rm(1));
    let id = out.start(QoS::ExactlyOnce, "m").unwrap();
    assert_eq!(out.quota(), 0);
    assert_eq!(
        out.on_pubrec(id, ReasonCode::QuotaExceeded).unwrap(),
        PubRecOutcome::Rejected("m")
    );
    assert_eq!(out.quota(), 1);
}

#[test]
fn lower_receive_maximum_on_reconnect_saturates_quota() {
    let mut out = Outbound::new(rm(5));
    for i in 0..4 {
        out.start(QoS::AtLeastOnce, i).unwrap();
    }
    out.set_receive_maximum(rm(2));
    assert_eq!(out.receive_maximum(), rm(2));
    assert_eq!(out.quota(), 0);
    assert_eq!(out.start(QoS::AtLeastOnce, 9), Err(9));
    out.on_puback(pid(1)).unwrap();
    out.on_puback(pid(2)).unwrap();
    assert_eq!(out.quota(), 0, "2 still in flight, maximum 2");
    out.on_puback(pid(3)).unwrap();
    assert_eq!(out.quota(), 1);
    out.set_receive_maximum(rm(100));
    assert_eq!(out.quota(), 99);
}

#[test]
fn qos1_flow_mqtt_4_3_2_1() {
    let mut out = Outbound::new(rm(10));
    let id = out.start(QoS::AtLeastOnce, "hello").unwrap();
    assert_eq!(
        out.pending(),
        vec![Resend::Publish {
            packet_id: id,
            qos: QoS::AtLeastOnce,
            item: &"hello"
        }]
    );
    assert_eq!(out.on_puback(id), Ok("hello"));
    assert!(out.is_empty());
    assert!(out.pending().is_empty());
    // A second PUBACK for the same identifier is unknown now.
    assert_eq!(out.on_puback(id), Err(ErrorKind::UnknownPacketId(id.get())));
}

#[test]
fn qos2_flow_mqtt_4_3_3_4_mqtt_4_3_3_5_mqtt_4_3_3_6() {
    let mut out = Outbound::new(rm(10));
    let id = out.start(QoS::ExactlyOnce, "hello").unwrap();
    assert_eq!(
        out.pending(),
        vec![Resend::Publish {
            packet_id: id,
            qos: QoS::ExactlyOnce,
            item: &"hello"
        }]
    );
    // PUBREC < 0x80: send PUBREL; the message is handed back, the PUBLISH is
    // never re-sent after PUBREL [MQTT-4.3.3-6].
    assert_eq!(
        out.on_pubrec(id, ReasonCode::Success),
        Ok(PubRecOutcome::Release("hello"))
    );
    assert_eq!(out.len(), 1);
    // PUBREL is unacknowledged until PUBCOMP [MQTT-4.3.3-5].
    assert_eq!(out.pending(), vec![Resend::PubRel(id)]);
    assert_eq!(out.iter_items().count(), 0);
    assert_eq!(out.on_pubcomp(id), Ok(()));
    assert!(out.is_empty());
    assert_eq!(
        out.on_pubcomp(id),
        Err(ErrorKind::UnknownPacketId(id.get()))
    );
}

#[test]
fn pubrec_no_matching_subscribers_is_success_mqtt_4_3_3_4() {
    // 0x10 is below 0x80: a success, PUBREL follows.
    let mut out = Outbound::new(rm(10));
    let id = out.start(QoS::ExactlyOnce, 1).unwrap();
    assert_eq!(
        out.on_pubrec(id, ReasonCode::NoMatchingSubscribers),
        Ok(PubRecOutcome::Release(1))
    );
    assert_eq!(out.pending(), vec![Resend::PubRel(id)]);
}

#[test]
fn pubrec_0x80_or_above_ends_the_exchange_mqtt_4_4_0_2() {
    for reason in [
        ReasonCode::UnspecifiedError,
        ReasonCode::ImplementationSpecificError,
        ReasonCode::NotAuthorized,
        ReasonCode::TopicNameInvalid,
        ReasonCode::PacketIdentifierInUse,
        ReasonCode::QuotaExceeded,
        ReasonCode::PayloadFormatInvalid,
    ] {
        let mut out = Outbound::new(rm(10));
        let id = out.start(QoS::ExactlyOnce, "m").unwrap();
        assert_eq!(
            out.on_pubrec(id, reason),
            Ok(PubRecOutcome::Rejected("m")),
            "{reason}"
        );
        assert!(out.is_empty(), "{reason}");
        // Treated as acknowledged: never retransmitted, no PUBREL pending.
        assert!(out.pending().is_empty(), "{reason}");
        assert_eq!(
            out.on_pubcomp(id),
            Err(ErrorKind::UnknownPacketId(id.get()))
        );
    }
}

#[test]
fn duplicate_pubrec_asks_for_pubrel_again() {
    let mut out = Outbound::new(rm(10));
    let id = out.start(QoS::ExactlyOnce, "m").unwrap();
    assert_eq!(
        out.on_pubrec(id, ReasonCode::Success),
        Ok(PubRecOutcome::Release("m"))
    );
    assert_eq!(
        out.on_pubrec(id, ReasonCode::Success),
        Ok(PubRecOutcome::AlreadyReleased)
    );
    // Even a duplicate carrying an error code leaves the released exchange alone.
    assert_eq!(
        out.on_pubrec(id, ReasonCode::UnspecifiedError),
        Ok(PubRecOutcome::AlreadyReleased)
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out.pending(), vec![Resend::PubRel(id)]);
    out.on_pubcomp(id).unwrap();
    assert!(out.is_empty());
}

#[test]
fn unknown_ids_are_errors_with_0x92() {
    let mut out: Outbound<u32> = Outbound::new(rm(10));
    let id = pid(42);
    let err = ErrorKind::UnknownPacketId(42);
    assert_eq!(out.on_puback(id), Err(err));
    assert_eq!(out.on_pubrec(id, ReasonCode::Success), Err(err));
    assert_eq!(out.on_pubcomp(id), Err(err));
    assert!(out.is_empty());
    assert_eq!(err.reason_code(), ReasonCode::PacketIdentifierNotFound);
    assert_eq!(err.reason_code().as_u8(), 0x92);
    assert_eq!(err.rule(ProtocolVersion::V5), None);
    assert_eq!(err.to_string(), "packet identifier 42 not found");
}

#[test]
fn acks_in_the_wrong_state_are_errors_and_change_nothing() {
    let mut out = Outbound::new(rm(10));
    let q1 = out.start(QoS::AtLeastOnce, "q1").unwrap();
    let q2 = out.start(QoS::ExactlyOnce, "q2").unwrap();
    let q2_released = out.start(QoS::ExactlyOnce, "q2r").unwrap();
    out.on_pubrec(q2_released, ReasonCode::Success).unwrap();
    let before = format!("{:?}", out.pending());

    // PUBREC / PUBCOMP for a QoS 1 exchange.
    assert_eq!(
        out.on_pubrec(q1, ReasonCode::Success),
        Err(ErrorKind::UnknownPacketId(q1.get()))
    );
    assert_eq!(
        out.on_pubrec(q1, ReasonCode::UnspecifiedError),
        Err(ErrorKind::UnknownPacketId(q1.get()))
    );
    assert_eq!(
        out.on_pubcomp(q1),
        Err(ErrorKind::UnknownPacketId(q1.get()))
    );
    // PUBACK / PUBCOMP for a QoS 2 exchange awaiting PUBREC.
    assert_eq!(out.on_puback(q2), Err(ErrorKind::UnknownPacketId(q2.get())));
    assert_eq!(
        out.on_pubcomp(q2),
        Err(ErrorKind::UnknownPacketId(q2.get()))
    );
    // PUBACK for a QoS 2 exchange awaiting PUBCOMP.
    assert_eq!(
        out.on_puback(q2_released),
        Err(ErrorKind::UnknownPacketId(q2_released.get()))
    );

    assert_eq!(format!("{:?}", out.pending()), before);
    assert_eq!(out.len(), 3);
    assert_eq!(out.quota(), 7);
}

#[test]
fn pending_is_in_send_order_with_pubrel_interleaved_mqtt_4_4_0_1() {
    let mut out = Outbound::new(rm(10));
    let a = out.start(QoS::AtLeastOnce, "a").unwrap();
    let b = out.start(QoS::ExactlyOnce, "b").unwrap();
    let c = out.start(QoS::ExactlyOnce, "c").unwrap();
    let d = out.start(QoS::AtLeastOnce, "d").unwrap();
    let e = out.start(QoS::ExactlyOnce, "e").unwrap();
    let f = out.start(QoS::ExactlyOnce, "f").unwrap();
    // Acknowledge out of order.
    out.on_pubrec(e, ReasonCode::Success).unwrap();
    out.on_pubrec(b, ReasonCode::Success).unwrap();
    out.on_puback(a).unwrap();
    out.on_pubrec(f, ReasonCode::UnspecifiedError).unwrap();

    assert_eq!(
        out.pending(),
        vec![
            Resend::PubRel(b),
            Resend::Publish {
                packet_id: c,
                qos: QoS::ExactlyOnce,
                item: &"c"
            },
            Resend::Publish {
                packet_id: d,
                qos: QoS::AtLeastOnce,
                item: &"d"
            },
            Resend::PubRel(e),
        ]
    );
    assert_eq!(out.iter_items().copied().collect::<Vec<_>>(), ["c", "d"]);
}

#[test]
fn pending_follows_send_order_not_id_order_across_the_wrap() {
    let mut out = Outbound::new(rm(10));
    burn_ids(&mut out, 65533);
    let x = out.start(QoS::ExactlyOnce, 1).unwrap();
    let y = out.start(QoS::AtLeastOnce, 2).unwrap();
    let z = out.start(QoS::ExactlyOnce, 3).unwrap();
    assert_eq!((x.get(), y.get(), z.get()), (65534, 65535, 1));
    out.on_pubrec(x, ReasonCode::Success).unwrap();
    assert_eq!(
        out.pending(),
        vec![
            Resend::PubRel(x),
            Resend::Publish {
                packet_id: y,
                qos: QoS::AtLeastOnce,
                item: &2
            },
            Resend::Publish {
                packet_id: z,
                qos: QoS::ExactlyOnce,
                item: &3
            },
        ]
    );
}

#[test]
fn pending_keeps_original_ids_for_resend_mqtt_4_4_0_1() {
    // Resending does not change the exchange: the same ids, again and again, and
    // the acks still match them afterwards.
    let mut out = Outbound::new(rm(10));
    let a = out.start(QoS::AtLeastOnce, "a").unwrap();
    let b = out.start(QoS::ExactlyOnce, "b").unwrap();
    let first = out.pending();
    let second = out.pending();
    assert_eq!(first, second);
    assert_eq!(out.len(), 2);
    out.on_puback(a).unwrap();
    out.on_pubrec(b, ReasonCode::Success).unwrap();
    out.on_pubcomp(b).unwrap();
    assert!(out.is_empty());
}

#[test]
fn clear_returns_held_items_in_send_order() {
    let mut out = Outbound::new(rm(10));
    burn_ids(&mut out, 65534);
    out.start(QoS::ExactlyOnce, 10).unwrap(); // id 65535
    let released = out.start(QoS::ExactlyOnce, 11).unwrap(); // id 1
    out.start(QoS::AtLeastOnce, 12).unwrap(); // id 2
    out.on_pubrec(released, ReasonCode::Success).unwrap();
    assert_eq!(out.clear(), vec![10, 12]);
    assert!(out.is_empty());
    assert_eq!(out.quota(), 10);
    assert!(out.pending().is_empty());
    // Acks for the discarded exchanges are unknown now.
    assert_eq!(
        out.on_pubcomp(released),
        Err(ErrorKind::UnknownPacketId(released.get()))
    );
    // The outbound is usable again.
    let id = out.start(QoS::AtLeastOnce, 13).unwrap();
    assert_eq!(out.on_puback(id), Ok(13));
}

#[test]
fn clone_is_independent() {
    let mut out = Outbound::new(rm(10));
    let id = out.start(QoS::AtLeastOnce, String::from("m")).unwrap();
    let copy = out.clone();
    out.on_puback(id).unwrap();
    assert!(out.is_empty());
    assert_eq!(copy.len(), 1);
    assert!(format!("{copy:?}").contains("\"m\""));
}

#[test]
fn packet_id_in_use_error_kind() {
    let err = ErrorKind::PacketIdInUse(7);
    assert_eq!(err.reason_code(), ReasonCode::ProtocolError);
    assert_eq!(err.rule(ProtocolVersion::V5), None);
    assert_eq!(err.to_string(), "packet identifier 7 is already in use");
}

// ---------------------------------------------------------------------------
// Property test: random operations against a model.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModelState {
    Ack,
    Rec,
    Comp,
}

#[derive(Debug, Clone)]
enum Op {
    Start(bool),
    PubAck(prop::sample::Index),
    PubRec(prop::sample::Index, u8),
    PubComp(prop::sample::Index),
    Unknown(u16, u8),
    SetReceiveMaximum(u16),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    let reason = prop::sample::select(vec![0x00u8, 0x10, 0x80, 0x83, 0x87, 0x91, 0x97]);
    prop_oneof![
        8 => any::<bool>().prop_map(Op::Start),
        3 => any::<prop::sample::Index>().prop_map(Op::PubAck),
        3 => (any::<prop::sample::Index>(), reason.clone()).prop_map(|(i, r)| Op::PubRec(i, r)),
        3 => any::<prop::sample::Index>().prop_map(Op::PubComp),
        1 => (any::<u16>(), 0u8..3).prop_map(|(id, kind)| Op::Unknown(id, kind)),
        1 => (1u16..=8).prop_map(Op::SetReceiveMaximum),
        1 => Just(Op::Clear),
    ]
}

/// The model: in-flight exchanges in send order, and the last identifier given.
struct Model {
    max: u16,
    entries: Vec<(u16, ModelState, u32)>,
    last_id: u16,
}

impl Model {
    fn next_id(&self) -> u16 {
        let mut c = self.last_id;
        loop {
            c = if c == u16::MAX { 1 } else { c + 1 };
            if !self.entries.iter().any(|(id, _, _)| *id == c) {
                return c;
            }
        }
    }

    fn position(&self, id: u16) -> Option<usize> {
        self.entries.iter().position(|(i, _, _)| *i == id)
    }
}

fn check(out: &Outbound<u32>, model: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(out.len(), model.entries.len());
    prop_assert_eq!(out.is_empty(), model.entries.is_empty());
    let in_flight = u16::try_from(model.entries.len()).unwrap();
    prop_assert_eq!(out.quota(), model.max.saturating_sub(in_flight));
    let pending = out.pending();
    let ids: HashSet<u16> = pending
        .iter()
        .map(|r| match r {
            Resend::Publish { packet_id, .. } => packet_id.get(),
            Resend::PubRel(id) => id.get(),
        })
        .collect();
    prop_assert_eq!(ids.len(), pending.len(), "ids unique");
    let expected: Vec<Resend<'_, u32>> = model
        .entries
        .iter()
        .map(|(id, state, item)| match state {
            ModelState::Ack => Resend::Publish {
                packet_id: pid(*id),
                qos: QoS::AtLeastOnce,
                item,
            },
            ModelState::Rec => Resend::Publish {
                packet_id: pid(*id),
                qos: QoS::ExactlyOnce,
                item,
            },
            ModelState::Comp => Resend::PubRel(pid(*id)),
        })
        .collect();
    prop_assert_eq!(pending, expected, "pending() in send order");
    Ok(())
}

/// Picks an entry of the model, if there is one.
fn pick(model: &Model, index: &prop::sample::Index) -> Option<(usize, u16, ModelState)> {
    if model.entries.is_empty() {
        return None;
    }
    let i = index.index(model.entries.len());
    let (id, state, _) = model.entries[i];
    Some((i, id, state))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_flows_match_the_model(
        initial_max in 1u16..=8,
        skip in prop_oneof![4 => Just(0u32), 4 => 1u32..20, 1 => 65_520u32..65_540],
        ops in prop::collection::vec(op(), 1..200),
    ) {
        let mut out: Outbound<u32> = Outbound::new(rm(initial_max));
        // Start somewhere along the identifier cycle so the wrap is exercised.
        burn_ids(&mut out, skip);
        let mut model = Model {
            max: initial_max,
            entries: Vec::new(),
            last_id: u16::try_from(skip % 65535).unwrap(),
        };
        let mut next_item = 1_000_000u32;

        for op in ops {
            match op {
                Op::Start(qos2) => {
                    let qos = if qos2 { QoS::ExactlyOnce } else { QoS::AtLeastOnce };
                    next_item += 1;
                    let result = out.start(qos, next_item);
                    if usize::from(model.max) <= model.entries.len() {
                        prop_assert_eq!(result, Err(next_item));
                    } else {
                        let expected = model.next_id();
                        let id = result.unwrap();
                        prop_assert_eq!(id.get(), expected);
                        model.last_id = expected;
                        let state = if qos2 {
                            ModelState::Rec
                        } else {
                            ModelState::Ack
                        };
                        model.entries.push((expected, state, next_item));
                    }
                }
                Op::PubAck(index) => {
                    if let Some((i, id, state)) = pick(&model, &index) {
                        let result = out.on_puback(pid(id));
                        if state == ModelState::Ack {
                            prop_assert_eq!(result, Ok(model.entries.remove(i).2));
                        } else {
                            prop_assert_eq!(result, Err(ErrorKind::UnknownPacketId(id)));
                        }
                    }
                }
                Op::PubRec(index, code) => {
                    if let Some((i, id, state)) = pick(&model, &index) {
                        let reason = ReasonCode::from_u8(code).unwrap();
                        let result = out.on_pubrec(pid(id), reason);
                        match state {
                            ModelState::Ack => {
                                prop_assert_eq!(result, Err(ErrorKind::UnknownPacketId(id)));
                            }
                            ModelState::Comp => {
                                prop_assert_eq!(result, Ok(PubRecOutcome::AlreadyReleased));
                            }
                            ModelState::Rec if code >= 0x80 => {
                                let item = model.entries.remove(i).2;
                                prop_assert_eq!(result, Ok(PubRecOutcome::Rejected(item)));
                            }
                            ModelState::Rec => {
                                model.entries[i].1 = ModelState::Comp;
                                let item = model.entries[i].2;
                                prop_assert_eq!(result, Ok(PubRecOutcome::Release(item)));
                            }
                        }
                    }
                }
                Op::PubComp(index) => {
                    if let Some((i, id, state)) = pick(&model, &index) {
                        let result = out.on_pubcomp(pid(id));
                        if state == ModelState::Comp {
                            prop_assert_eq!(result, Ok(()));
                            model.entries.remove(i);
                        } else {
                            prop_assert_eq!(result, Err(ErrorKind::UnknownPacketId(id)));
                        }
                    }
                }
                Op::Unknown(raw, kind) => {
                    let Some(id) = PacketId::new(raw) else { continue };
                    if model.position(raw).is_some() {
                        continue;
                    }
                    let err = ErrorKind::UnknownPacketId(raw);
                    match kind {
                        0 => prop_assert_eq!(out.on_puback(id), Err(err)),
                        1 => prop_assert_eq!(out.on_pubrec(id, ReasonCode::Success), Err(err)),
                        _ => prop_assert_eq!(out.on_pubcomp(id), Err(err)),
                    }
                }
                Op::SetReceiveMaximum(max) => {
                    out.set_receive_maximum(rm(max));
                    model.max = max;
                }
                Op::Clear => {
                    let expected: Vec<u32> = model
                        .entries
                        .iter()
                        .filter(|(_, state, _)| *state != ModelState::Comp)
                        .map(|(_, _, item)| *item)
                        .collect();
                    prop_assert_eq!(out.clear(), expected);
                    model.entries.clear();
                }
            }
            check(&out, &model)?;
        }
    }
}

// [MQTT-2.2.1-3]: SUBSCRIBE and UNSUBSCRIBE share the identifier space with
// QoS > 0 PUBLISH: a reserved identifier is never given to a PUBLISH until
// released, and reservations do not use the send quota.
#[test]
fn reserved_ids_are_not_given_to_publishes_mqtt_2_2_1_3() {
    let mut out: Outbound<u32> = Outbound::new(NonZeroU16::new(2).unwrap());
    let sub = out.reserve_id().unwrap();
    assert_eq!(sub.get(), 1);
    assert!(out.contains(sub));
    assert_eq!(out.quota(), 2);
    let a = out.start(QoS::AtLeastOnce, 10).unwrap();
    assert_ne!(a, sub);
    assert!(out.release_id(sub));
    assert!(!out.release_id(sub));
    assert!(!out.contains(sub));
    out.on_puback(a).unwrap();
    // Reservations survive wrap-around: with 1 reserved, 65,534 PUBLISH ids
    // later the allocator skips it.
    let held = out.reserve_id().unwrap();
    for n in 0..70_000u32 {
        let id = out.start(QoS::AtLeastOnce, n).unwrap();
        assert_ne!(id, held);
        out.on_puback(id).unwrap();
    }
    out.clear();
    assert!(!out.contains(held));
}
