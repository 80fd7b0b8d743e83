//! Reason Codes (section 2.4, Table 2-6).

use midge_proto::{PacketType, QoS, ReasonCode};

// ----------------------------------------------------------- reason codes ----

/// Table 2-6: every defined Reason Code, its value and its name.
const REASON_CODES: [(u8, ReasonCode, &str); 43] = [
    (0x00, ReasonCode::Success, "Success"),
    (0x01, ReasonCode::GrantedQoS1, "Granted QoS 1"),
    (0x02, ReasonCode::GrantedQoS2, "Granted QoS 2"),
    (
        0x04,
        ReasonCode::DisconnectWithWillMessage,
        "Disconnect with Will Message",
    ),
    (
        0x10,
        ReasonCode::NoMatchingSubscribers,
        "No matching subscribers",
    ),
    (
        0x11,
        ReasonCode::NoSubscriptionExisted,
        "No subscription existed",
    ),
    (
        0x18,
        ReasonCode::ContinueAuthentication,
        "Continue authentication",
    ),
    (0x19, ReasonCode::ReAuthenticate, "Re-authenticate"),
    (0x80, ReasonCode::UnspecifiedError, "Unspecified error"),
    (0x81, ReasonCode::MalformedPacket, "Malformed Packet"),
    (0x82, ReasonCode::ProtocolError, "Protocol Error"),
    (
        0x83,
        ReasonCode::ImplementationSpecificError,
        "Implementation specific error",
    ),
    (
        0x84,
        ReasonCode::UnsupportedProtocolVersion,
        "Unsupported Protocol Version",
    ),
    (
        0x85,
        ReasonCode::ClientIdentifierNotValid,
        "Client Identifier not valid",
    ),
    (
        0x86,
        ReasonCode::BadUserNameOrPassword,
        "Bad User Name or Password",
    ),
    (0x87, ReasonCode::NotAuthorized, "Not authorized"),
    (0x88, ReasonCode::ServerUnavailable, "Server unavailable"),
    (0x89, ReasonCode::ServerBusy, "Server busy"),
    (0x8A, ReasonCode::Banned, "Banned"),
    (0x8B, ReasonCode::ServerShuttingDown, "Server shutting down"),
    (
        0x8C,
        ReasonCode::BadAuthenticationMethod,
        "Bad authentication method",
    ),
    (0x8D, ReasonCode::KeepAliveTimeout, "Keep Alive timeout"),
    (0x8E, ReasonCode::SessionTakenOver, "Session taken over"),
    (0x8F, ReasonCode::TopicFilterInvalid, "Topic Filter invalid"),
    (0x90, ReasonCode::TopicNameInvalid, "Topic Name invalid"),
    (
        0x91,
        ReasonCode::PacketIdentifierInUse,
        "Packet Identifier in use",
    ),
    (
        0x92,
        ReasonCode::PacketIdentifierNotFound,
        "Packet Identifier not found",
    ),
    (
        0x93,
        ReasonCode::ReceiveMaximumExceeded,
        "Receive Maximum exceeded",
    ),
    (0x94, ReasonCode::TopicAliasInvalid, "Topic Alias invalid"),
    (0x95, ReasonCode::PacketTooLarge, "Packet too large"),
    (
        0x96,
        ReasonCode::MessageRateTooHigh,
        "Message rate too high",
    ),
    (0x97, ReasonCode::QuotaExceeded, "Quota exceeded"),
    (
        0x98,
        ReasonCode::AdministrativeAction,
        "Administrative action",
    ),
    (
        0x99,
        ReasonCode::PayloadFormatInvalid,
        "Payload format invalid",
    ),
    (0x9A, ReasonCode::RetainNotSupported, "Retain not supported"),
    (0x9B, ReasonCode::QoSNotSupported, "QoS not supported"),
    (0x9C, ReasonCode::UseAnotherServer, "Use another server"),
    (0x9D, ReasonCode::ServerMoved, "Server moved"),
    (
        0x9E,
        ReasonCode::SharedSubscriptionsNotSupported,
        "Shared Subscriptions not supported",
    ),
    (
        0x9F,
        ReasonCode::ConnectionRateExceeded,
        "Connection rate exceeded",
    ),
    (0xA0, ReasonCode::MaximumConnectTime, "Maximum connect time"),
    (
        0xA1,
        ReasonCode::SubscriptionIdentifiersNotSupported,
        "Subscription Identifiers not supported",
    ),
    (
        0xA2,
        ReasonCode::WildcardSubscriptionsNotSupported,
        "Wildcard Subscriptions not supported",
    ),
];

#[test]
fn v5_reason_code_from_u8_all_43_defined() {
    for (value, code, name) in REASON_CODES {
        assert_eq!(ReasonCode::from_u8(value), Some(code), "0x{value:02X}");
        assert_eq!(code.as_u8(), value);
        assert_eq!(code.description(), name, "0x{value:02X}");
        // Section 2.4: codes below 0x80 are successes, 0x80 and above failures.
        assert_eq!(code.is_error(), value >= 0x80, "0x{value:02X}");
        assert_eq!(code.to_string(), format!("{name} (0x{value:02X})"));
    }
}

#[test]
fn v5_reason_code_from_u8_undefined_is_none() {
    for v in [0x03, 0x05, 0x0F, 0x12, 0x17, 0x1A, 0x7F, 0xA3, 0xFF] {
        assert_eq!(ReasonCode::from_u8(v), None, "0x{v:02X}");
    }
    let defined = (0..=u8::MAX)
        .filter(|&v| ReasonCode::from_u8(v).is_some())
        .count();
    assert_eq!(defined, 43);
    for v in 0..=u8::MAX {
        let listed = REASON_CODES.iter().any(|r| r.0 == v);
        assert_eq!(ReasonCode::from_u8(v).is_some(), listed, "0x{v:02X}");
    }
}

#[test]
fn v5_reason_code_zero_has_three_names() {
    // Table 2-6: 0x00 is Success, Normal disconnection and Granted QoS 0.
    assert_eq!(ReasonCode::NORMAL_DISCONNECTION, ReasonCode::Success);
    assert_eq!(ReasonCode::GRANTED_QOS_0, ReasonCode::Success);
    assert_eq!(ReasonCode::default().as_u8(), 0x00);
    assert_eq!(ReasonCode::granted(QoS::AtMostOnce), ReasonCode::Success);
    assert_eq!(
        ReasonCode::granted(QoS::AtLeastOnce),
        ReasonCode::GrantedQoS1
    );
    assert_eq!(
        ReasonCode::granted(QoS::ExactlyOnce),
        ReasonCode::GrantedQoS2
    );
}

#[test]
fn v5_reason_code_is_valid_for_spot_checks() {
    use PacketType::*;
    let cells: [(u8, PacketType, bool); 24] = [
        (0x00, ConnAck, true),
        (0x00, PubRel, true),
        (0x00, SubAck, true),     // Granted QoS 0
        (0x00, Disconnect, true), // Normal disconnection
        (0x00, Auth, true),
        (0x01, SubAck, true),
        (0x01, UnsubAck, false),
        (0x04, Disconnect, true),
        (0x04, ConnAck, false),
        (0x10, PubAck, true),
        (0x10, PubRel, false),
        (0x11, UnsubAck, true),
        (0x11, SubAck, false),
        (0x18, Auth, true),
        (0x19, Disconnect, false),
        (0x80, PubRec, true),
        (0x80, PubComp, false),
        (0x81, ConnAck, true),
        (0x81, PubAck, false),
        (0x8B, Disconnect, true),
        (0x8B, ConnAck, false),
        (0x90, ConnAck, true),
        (0x92, PubComp, true),
        (0x9E, UnsubAck, false),
    ];
    for (value, packet, allowed) in cells {
        let code = ReasonCode::from_u8(value).unwrap();
        assert_eq!(
            code.is_valid_for(packet),
            allowed,
            "0x{value:02X} in {packet}"
        );
    }
}

/// The whole of Table 2-6: for each code, exactly the listed packets allow it.
#[test]
fn v5_reason_code_is_valid_for_full_table_2_6() {
    use PacketType::*;
    const ALL: [PacketType; 15] = [
        Connect,
        ConnAck,
        Publish,
        PubAck,
        PubRec,
        PubRel,
        PubComp,
        Subscribe,
        SubAck,
        Unsubscribe,
        UnsubAck,
        PingReq,
        PingResp,
        Disconnect,
        Auth,
    ];
    let table: [(u8, &[PacketType]); 43] = [
        (
            0x00,
            &[
                ConnAck, PubAck, PubRec, PubRel, PubComp, UnsubAck, Auth, Disconnect, SubAck,
            ],
        ),
        (0x01, &[SubAck]),
        (0x02, &[SubAck]),
        (0x04, &[Disconnect]),
        (0x10, &[PubAck, PubRec]),
        (0x11, &[UnsubAck]),
        (0x18, &[Auth]),
        (0x19, &[Auth]),
        (
            0x80,
            &[ConnAck, PubAck, PubRec, SubAck, UnsubAck, Disconnect],
        ),
        (0x81, &[ConnAck, Disconnect]),
        (0x82, &[ConnAck, Disconnect]),
        (
            0x83,
            &[ConnAck, PubAck, PubRec, SubAck, UnsubAck, Disconnect],
        ),
        (0x84, &[ConnAck]),
        (0x85, &[ConnAck]),
        (0x86, &[ConnAck]),
        (
            0x87,
            &[ConnAck, PubAck, PubRec, SubAck, UnsubAck, Disconnect],
        ),
        (0x88, &[ConnAck]),
        (0x89, &[ConnAck, Disconnect]),
        (0x8A, &[ConnAck]),
        (0x8B, &[Disconnect]),
        (0x8C, &[ConnAck, Disconnect]),
        (0x8D, &[Disconnect]),
        (0x8E, &[Disconnect]),
        (0x8F, &[SubAck, UnsubAck, Disconnect]),
        (0x90, &[ConnAck, PubAck, PubRec, Disconnect]),
        (0x91, &[PubAck, PubRec, SubAck, UnsubAck]),
        (0x92, &[PubRel, PubComp]),
        (0x93, &[Disconnect]),
        (0x94, &[Disconnect]),
        (0x95, &[ConnAck, Disconnect]),
        (0x96, &[Disconnect]),
        (0x97, &[ConnAck, PubAck, PubRec, SubAck, Disconnect]),
        (0x98, &[Disconnect]),
        (0x99, &[ConnAck, PubAck, PubRec, Disconnect]),
        (0x9A, &[ConnAck, Disconnect]),
        (0x9B, &[ConnAck, Disconnect]),
        (0x9C, &[ConnAck, Disconnect]),
        (0x9D, &[ConnAck, Disconnect]),
        (0x9E, &[SubAck, Disconnect]),
        (0x9F, &[ConnAck, Disconnect]),
        (0xA0, &[Disconnect]),
        (0xA1, &[SubAck, Disconnect]),
        (0xA2, &[SubAck, Disconnect]),
    ];
    for (value, allowed) in table {
        let code = ReasonCode::from_u8(value).unwrap();
        for packet in ALL {
            assert_eq!(
                code.is_valid_for(packet),
                allowed.contains(&packet),
                "0x{value:02X} ({}) in {packet}",
                code.description()
            );
        }
    }
}
