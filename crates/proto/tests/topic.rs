//! Topic Name and Topic Filter validation and matching against MQTT 5.0 section
//! 4.7 (Topic Names and Topic Filters) and section 4.8.2 (Shared Subscriptions),
//! plus a property test comparing [`topic::matches`] with an independent
//! reference matcher.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use midge_proto::topic::{self, MAX_TOPIC_LEN, SharedFilter};
use midge_proto::{ErrorKind, ProtocolVersion, TopicFilter, TopicName};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

fn name(s: &str) -> TopicName {
    TopicName::new(s)
        .map_err(|e| format!("{s:?}: {e}"))
        .unwrap()
}

fn filter(s: &str) -> TopicFilter {
    TopicFilter::new(s)
        .map_err(|e| format!("{s:?}: {e}"))
        .unwrap()
}

/// Whether `f` matches `t`, through both the free function and the method.
fn m(f: &str, t: &str) -> bool {
    let by_fn = topic::matches(f, t);
    assert_eq!(
        by_fn,
        filter(f).matches(&name(t)),
        "function and method disagree for {f:?} / {t:?}"
    );
    by_fn
}

// ---------------------------------------------------------------------------
// 4.7.1.2 Multi-level wildcard
// ---------------------------------------------------------------------------

#[test]
fn multi_level_wildcard_spec_examples() {
    // "sport/tennis/player1/#" receives messages published to these topics.
    let f = "sport/tennis/player1/#";
    assert!(m(f, "sport/tennis/player1"));
    assert!(m(f, "sport/tennis/player1/ranking"));
    assert!(m(f, "sport/tennis/player1/score/wimbledon"));
    assert!(!m(f, "sport/tennis/player2"));
    assert!(!m(f, "sport/tennis"));
    // "sport/#" also matches the singular "sport": # includes the parent level.
    assert!(m("sport/#", "sport"));
    assert!(m("sport/#", "sport/"));
    assert!(!m("sport/#", "sports"));
    // "#" is valid and matches every (non-$) topic.
    assert!(m("#", "sport"));
    assert!(m("#", "sport/tennis/player1"));
    assert!(m("#", "/"));
}

#[test]
fn multi_level_wildcard_position_mqtt_4_7_1_1() {
    // Valid: "#" alone, as the last level.
    for f in ["#", "sport/tennis/#", "/#", "+/#", "a//#", "$SYS/#"] {
        assert!(TopicFilter::new(f).is_ok(), "{f:?} should be valid");
    }
    // "sport/tennis#" and "sport/tennis/#/ranking" are the specification's
    // invalid examples.
    for f in [
        "sport/tennis#",
        "sport/tennis/#/ranking",
        "#/",
        "#/a",
        "a#",
        "#a",
        "##",
        "a/##",
        "a/#/#",
        "a/b#c",
    ] {
        assert_eq!(
            TopicFilter::new(f),
            Err(ErrorKind::MultiLevelWildcardPosition),
            "{f:?}"
        );
    }
    assert_eq!(
        ErrorKind::MultiLevelWildcardPosition.rule(ProtocolVersion::V5),
        Some("MQTT-4.7.1-1")
    );
    // MQTT 3.1.1 numbers the same statement [MQTT-4.7.1-2].
    assert_eq!(
        ErrorKind::MultiLevelWildcardPosition.rule(ProtocolVersion::V3_1_1),
        Some("MQTT-4.7.1-2")
    );
}

// ---------------------------------------------------------------------------
// 4.7.1.3 Single-level wildcard
// ---------------------------------------------------------------------------

#[test]
fn single_level_wildcard_spec_examples() {
    let f = "sport/tennis/+";
    assert!(m(f, "sport/tennis/player1"));
    assert!(m(f, "sport/tennis/player2"));
    assert!(!m(f, "sport/tennis/player1/ranking"));
    // "sport/+" does not match "sport" but does match "sport/".
    assert!(!m("sport/+", "sport"));
    assert!(m("sport/+", "sport/"));
    // "/finance" matches "+/+" and "/+", but not "+".
    assert!(m("+/+", "/finance"));
    assert!(m("/+", "/finance"));
    assert!(!m("+", "/finance"));
    // "+" on its own level in the middle, and combined with "#".
    assert!(m("sport/+/player1", "sport/tennis/player1"));
    assert!(!m("sport/+/player1", "sport/tennis/player2"));
    assert!(m("+/tennis/#", "sport/tennis/player1/ranking"));
    assert!(m("+/tennis/#", "sport/tennis"));
    assert!(!m("+/tennis/#", "sport/golf"));
}

#[test]
fn single_level_wildcard_position_mqtt_4_7_1_2() {
    for f in [
        "+",
        "+/tennis/#",
        "sport/+/player1",
        "+/+",
        "/+",
        "+/",
        "a//+",
        "+/+/+",
    ] {
        assert!(TopicFilter::new(f).is_ok(), "{f:?} should be valid");
    }
    // "sport+" is the specification's invalid example.
    for f in [
        "sport+", "+sport", "sport/+x", "a/b+/c", "++", "a/++", "+a/b",
    ] {
        assert_eq!(
            TopicFilter::new(f),
            Err(ErrorKind::SingleLevelWildcardPosition),
            "{f:?}"
        );
    }
    assert_eq!(
        ErrorKind::SingleLevelWildcardPosition.rule(ProtocolVersion::V5),
        Some("MQTT-4.7.1-2")
    );
    // MQTT 3.1.1 numbers the same statement [MQTT-4.7.1-3].
    assert_eq!(
        ErrorKind::SingleLevelWildcardPosition.rule(ProtocolVersion::V3_1_1),
        Some("MQTT-4.7.1-3")
    );
}

#[test]
fn topic_names_reject_wildcards() {
    for t in ["+", "#", "a/+", "a/#", "sport+", "a#b", "+/tennis"] {
        assert_eq!(
            TopicName::new(t),
            Err(ErrorKind::TopicNameWildcard),
            "{t:?}"
        );
    }
}

#[test]
fn has_wildcards() {
    assert!(filter("a/+").has_wildcards());
    assert!(filter("#").has_wildcards());
    assert!(filter("$share/g/+").has_wildcards());
    assert!(!filter("a/b").has_wildcards());
    assert!(!filter("/").has_wildcards());
}

// ---------------------------------------------------------------------------
// 4.7.2 Topics beginning with $
// ---------------------------------------------------------------------------

#[test]
fn wildcards_do_not_match_dollar_topics_mqtt_4_7_2_1() {
    // A subscription to "#" does not receive messages published to "$SYS/...".
    assert!(!m("#", "$SYS/broker/uptime"));
    assert!(!m("#", "$SYS"));
    assert!(!m("#", "$"));
    // "+/monitor/Clients" does not match "$SYS/monitor/Clients".
    assert!(!m("+/monitor/Clients", "$SYS/monitor/Clients"));
    assert!(!m("+", "$SYS"));
    assert!(!m("+/#", "$SYS/a"));
    // "$SYS/#" and "$SYS/monitor/+" do.
    assert!(m("$SYS/#", "$SYS/monitor/Clients"));
    assert!(m("$SYS/#", "$SYS"));
    assert!(m("$SYS/monitor/+", "$SYS/monitor/Clients"));
    assert!(m("$SYS/monitor/Clients", "$SYS/monitor/Clients"));
    assert!(!m("$SYS/monitor/+", "$SYS/other/Clients"));
    // Only the first character matters: a later "$" level is ordinary.
    assert!(m("#", "a/$SYS"));
    assert!(m("+/$SYS", "a/$SYS"));
    assert!(m("a/+", "a/$x"));
    // A filter starting with "$" but no wildcard matches literally.
    assert!(!m("$SYS/#", "SYS/a"));
}

#[test]
fn is_system() {
    assert!(name("$SYS/broker/uptime").is_system());
    assert!(name("$SYS").is_system());
    assert!(name("$").is_system());
    assert!(name("$foo/bar").is_system());
    assert!(!name("SYS/$").is_system());
    assert!(!name("a/$SYS").is_system());
    assert!(!name(" $SYS").is_system());
    assert!(!TopicName::empty().is_system());
}

// ---------------------------------------------------------------------------
// 4.7.3 Topic semantic and usage
// ---------------------------------------------------------------------------

#[test]
fn empty_topic_rejected_mqtt_4_7_3_1() {
    assert_eq!(TopicName::new(""), Err(ErrorKind::EmptyTopic));
    assert_eq!(TopicFilter::new(""), Err(ErrorKind::EmptyTopic));
    assert_eq!(TopicFilter::new_v5(""), Err(ErrorKind::EmptyTopic));
    assert_eq!(
        ErrorKind::EmptyTopic.rule(ProtocolVersion::V5),
        Some("MQTT-4.7.3-1")
    );
}

#[test]
fn null_character_rejected_mqtt_4_7_3_2() {
    for s in ["\0", "a\0b", "a/\0", "\0/#", "$SYS\0"] {
        assert_eq!(TopicName::new(s), Err(ErrorKind::NullCharacter), "{s:?}");
        assert_eq!(TopicFilter::new(s), Err(ErrorKind::NullCharacter), "{s:?}");
    }
    assert_eq!(
        TopicFilter::new_v5("$share/g/a\0"),
        Err(ErrorKind::NullCharacter)
    );
    assert_eq!(
        TopicFilter::new_v5("$share/g\0/a"),
        Err(ErrorKind::NullCharacter)
    );
}

#[test]
fn length_limit_mqtt_4_7_3_3() {
    assert_eq!(MAX_TOPIC_LEN, 65_535);
    let ok = "a".repeat(65_535);
    let too_long = "a".repeat(65_536);
    assert_eq!(TopicName::new(ok.clone()).unwrap().len(), 65_535);
    assert_eq!(TopicFilter::new(ok).unwrap().len(), 65_535);
    assert_eq!(
        TopicName::new(too_long.clone()),
        Err(ErrorKind::TopicTooLong)
    );
    assert_eq!(TopicFilter::new(too_long), Err(ErrorKind::TopicTooLong));
    // A filter ending in a wildcard at the limit.
    let ok_filter = format!("{}/#", "a".repeat(65_533));
    assert!(TopicFilter::new(ok_filter.clone()).is_ok());
    assert_eq!(
        TopicFilter::new(format!("a{ok_filter}")),
        Err(ErrorKind::TopicTooLong)
    );
    assert_eq!(
        ErrorKind::TopicTooLong.rule(ProtocolVersion::V5),
        Some("MQTT-4.7.3-3")
    );
}

#[test]
fn length_limit_counts_bytes_not_characters() {
    // "é" is two bytes in UTF-8, "€" three.
    let two = format!("{}a", "é".repeat(32_767));
    assert_eq!(two.len(), 65_535);
    assert!(TopicName::new(two.clone()).is_ok());
    assert_eq!(
        TopicName::new(format!("{two}a")),
        Err(ErrorKind::TopicTooLong)
    );
    let three = "€".repeat(21_845);
    assert_eq!(three.len(), 65_535);
    assert!(TopicFilter::new(three.clone()).is_ok());
    assert_eq!(
        TopicFilter::new(format!("{three}/")),
        Err(ErrorKind::TopicTooLong)
    );
    // 21,846 characters is far below 65,535 characters but above 65,535 bytes.
    assert_eq!(
        TopicName::new("€".repeat(21_846)),
        Err(ErrorKind::TopicTooLong)
    );
}

#[test]
fn case_sensitive_mqtt_4_7_3_4() {
    // "ACCOUNTS" and "Accounts" are two different topic names.
    assert_ne!(name("ACCOUNTS"), name("Accounts"));
    assert!(!m("ACCOUNTS", "Accounts"));
    assert!(!m("accounts", "Accounts"));
    assert!(m("Accounts", "Accounts"));
    assert!(!m("$sys/#", "$SYS/a"));
    assert!(!m("sport/TENNIS/+", "sport/tennis/player1"));
}

#[test]
fn no_normalisation_mqtt_4_7_3_4() {
    // Precomposed U+00E9 and "e" + combining acute U+0301 look alike but differ.
    let nfc = "caf\u{e9}";
    let nfd = "cafe\u{301}";
    assert_ne!(name(nfc), name(nfd));
    assert!(!m(nfc, nfd));
    assert!(!m(nfd, nfc));
    assert!(m(nfc, nfc));
    // Full-width and ASCII letters are different.
    assert!(!m("\u{FF41}", "a"));
    // Nothing is trimmed, collapsed or rewritten.
    for raw in [" a", "a ", "a//b", "a/./b", "a/../b", "\u{FEFF}x", "A/b\\c"] {
        assert_eq!(name(raw).as_str(), raw);
        assert_eq!(filter(raw).as_str(), raw);
        assert_eq!(name(raw).to_string(), raw);
    }
    assert!(!m("a/b", "a//b"));
    assert!(!m("a//b", "a/b"));
    assert!(!m("a/b", "a/b/"));
    assert!(!m("a/b", "/a/b"));
    assert!(!m("a", "a "));
    assert!(!m("a/./b", "a/b"));
}

#[test]
fn spaces_are_allowed() {
    // "Accounts payable" is a valid topic name with a space.
    assert!(m("Accounts payable", "Accounts payable"));
    assert!(m("Accounts payable/+", "Accounts payable/2024"));
    assert!(m("+/ /#", "x/ /y"));
    assert!(name(" ").levels().eq([" "]));
    assert!(name(" / ").levels().eq([" ", " "]));
    assert!(!m("Accounts payable", "Accountspayable"));
}

#[test]
fn multi_byte_utf8_levels() {
    assert!(m("日本/+/🦀", "日本/東京/🦀"));
    assert!(m("é/#", "é/ü/ß"));
    assert!(!m("日本/+", "日本/東京/🦀"));
    assert!(name("日本/東京").levels().eq(["日本", "東京"]));
}

#[test]
fn leading_and_trailing_separators_make_empty_levels() {
    assert!(name("/finance").levels().eq(["", "finance"]));
    assert!(name("finance/").levels().eq(["finance", ""]));
    assert!(name("/").levels().eq(["", ""]));
    assert!(name("a//b").levels().eq(["a", "", "b"]));
    assert!(name("//").levels().eq(["", "", ""]));
    // A leading "/" makes a distinct topic.
    assert_ne!(name("/finance"), name("finance"));
    assert!(!m("finance", "/finance"));
    assert!(!m("/finance", "finance"));
    // Empty levels are matched like any other.
    assert!(!m("+", "/finance"));
    assert!(m("+/+", "/"));
    assert!(!m("+", "/"));
    assert!(m("#", "/"));
    assert!(m("/#", "/"));
    assert!(m("/#", "/finance"));
    assert!(!m("/#", "finance"));
    assert!(m("finance/+", "finance/"));
    assert!(m("a/+/b", "a//b"));
    assert!(m("a//b", "a//b"));
    assert!(!m("a/+/b", "a/b"));
}

#[test]
fn filter_levels() {
    assert!(filter("sport/+/#").levels().eq(["sport", "+", "#"]));
    assert!(filter("#").levels().eq(["#"]));
    assert!(filter("/+").levels().eq(["", "+"]));
    assert!(
        filter("$share/g/a/b")
            .levels()
            .eq(["$share", "g", "a", "b"])
    );
}

#[test]
fn empty_topic_name_for_topic_alias() {
    let e = TopicName::empty();
    assert!(e.is_empty());
    assert_eq!(e.len(), 0);
    assert_eq!(e.as_str(), "");
    assert!(e.levels().eq([""]));
    assert_eq!(e, TopicName::empty());
    assert_ne!(e, name("a"));
    // Only `empty()` makes one; validation still rejects "".
    assert_eq!(TopicName::new(""), Err(ErrorKind::EmptyTopic));
    assert_eq!("".parse::<TopicName>(), Err(ErrorKind::EmptyTopic));
}

#[test]
fn constructors_agree() {
    for s in ["a/b", "$SYS/x", "/", "é"] {
        let n = name(s);
        assert_eq!(TopicName::try_from(s), Ok(n.clone()));
        assert_eq!(TopicName::try_from(s.to_owned()), Ok(n.clone()));
        assert_eq!(s.parse::<TopicName>(), Ok(n.clone()));
        assert_eq!(n.as_byte_string(), s);
        assert_eq!(n.clone().into_inner(), s);
        assert_eq!(format!("{n}"), s);
        assert_eq!(format!("{n:?}"), format!("{s:?}"));
    }
    assert_eq!(TopicName::from_static("a/b"), Ok(name("a/b")));
    assert_eq!(
        TopicName::from_static("a/+"),
        Err(ErrorKind::TopicNameWildcard)
    );
    for s in ["a/+", "#", "$share/g/#"] {
        let f = filter(s);
        assert_eq!(TopicFilter::try_from(s), Ok(f.clone()));
        assert_eq!(TopicFilter::try_from(s.to_owned()), Ok(f.clone()));
        assert_eq!(s.parse::<TopicFilter>(), Ok(f.clone()));
        assert_eq!(TopicFilter::from_static(s), Ok(f.clone()));
        assert_eq!(format!("{f}"), s);
    }
    assert_eq!(
        "a+".parse::<TopicFilter>(),
        Err(ErrorKind::SingleLevelWildcardPosition)
    );
}

// ---------------------------------------------------------------------------
// 4.8.2 Shared Subscriptions
// ---------------------------------------------------------------------------

#[test]
fn shared_subscription_parsing() {
    let cases = [
        // The specification's example.
        (
            "$share/consumer1/sport/tennis/+",
            "consumer1",
            "sport/tennis/+",
        ),
        (
            "$share/consumer2/sport/tennis/+",
            "consumer2",
            "sport/tennis/+",
        ),
        ("$share/g/#", "g", "#"),
        ("$share/g/+", "g", "+"),
        ("$share/g/a", "g", "a"),
        ("$share/g//finance", "g", "/finance"),
        ("$share/g/$SYS/#", "g", "$SYS/#"),
        ("$share/グループ/日本/+", "グループ", "日本/+"),
        ("$share/a b/c d", "a b", "c d"),
        ("$share/$share/x", "$share", "x"),
    ];
    for (raw, group, inner) in cases {
        let f = TopicFilter::new_v5(raw).unwrap();
        assert_eq!(
            f.shared(),
            Some(SharedFilter {
                group,
                filter: inner
            }),
            "{raw:?}"
        );
        assert_eq!(f.validate_shared(), Ok(()));
        assert_eq!(f.as_str(), raw, "the filter is kept as written");
    }
}

#[test]
fn shared_subscription_share_name_rules_mqtt_4_8_2_1() {
    // The ShareName must be at least one character long.
    for raw in ["$share//f", "$share//#", "$share", "$share/"] {
        let f = filter(raw);
        assert_eq!(f.shared(), None, "{raw:?}");
        assert_eq!(
            f.validate_shared(),
            Err(ErrorKind::EmptyShareName),
            "{raw:?}"
        );
        assert_eq!(
            TopicFilter::new_v5(raw),
            Err(ErrorKind::EmptyShareName),
            "{raw:?}"
        );
    }
    assert_eq!(
        ErrorKind::EmptyShareName.rule(ProtocolVersion::V5),
        Some("MQTT-4.8.2-1")
    );
}

#[test]
fn shared_subscription_structure_mqtt_4_8_2_2() {
    // The ShareName must not contain "+" or "#" and must be followed by "/" and
    // a (non-empty) Topic Filter.
    for raw in [
        "$share/g",
        "$share/g/",
        "$share/+/f",
        "$share/#",
        "$share/+",
        "$share/+/#",
    ] {
        let f = filter(raw);
        assert_eq!(f.shared(), None, "{raw:?}");
        assert_eq!(
            f.validate_shared(),
            Err(ErrorKind::InvalidSharedSubscription),
            "{raw:?}"
        );
        assert_eq!(
            TopicFilter::new_v5(raw),
            Err(ErrorKind::InvalidSharedSubscription),
            "{raw:?}"
        );
    }
    // A ShareName holding a wildcard breaks [MQTT-4.8.2-2] before any
    // wildcard-placement rule is considered; `new` alone still rejects it.
    for raw in ["$share/g+/f", "$share/g#/f"] {
        assert_eq!(
            TopicFilter::new_v5(raw),
            Err(ErrorKind::InvalidSharedSubscription),
            "{raw:?}"
        );
    }
    assert_eq!(
        TopicFilter::new("$share/g+/f"),
        Err(ErrorKind::SingleLevelWildcardPosition)
    );
    assert_eq!(
        TopicFilter::new("$share/g#/f"),
        Err(ErrorKind::MultiLevelWildcardPosition)
    );
    // The filter after the ShareName follows the ordinary rules.
    assert_eq!(
        TopicFilter::new_v5("$share/g/a#"),
        Err(ErrorKind::MultiLevelWildcardPosition)
    );
    assert_eq!(
        TopicFilter::new_v5("$share/g/#/a"),
        Err(ErrorKind::MultiLevelWildcardPosition)
    );
    assert_eq!(
        ErrorKind::InvalidSharedSubscription.rule(ProtocolVersion::V5),
        Some("MQTT-4.8.2-2")
    );
}

#[test]
fn not_shared_subscriptions() {
    // Only the exact, case-sensitive "$share/" prefix makes a shared subscription.
    for raw in [
        "$sharex/g/f",
        "$shared/g/f",
        "$SHARE/g/f",
        "share/g/f",
        "a/$share/g/f",
        "/$share/g/f",
        "$SYS/#",
        "#",
    ] {
        let f = TopicFilter::new_v5(raw).unwrap();
        assert_eq!(f.shared(), None, "{raw:?}");
        assert_eq!(f.validate_shared(), Ok(()), "{raw:?}");
    }
}

#[test]
fn shared_syntax_is_checked_only_by_new_v5() {
    // 3.x has no shared subscriptions: "$share/g" is an ordinary filter there.
    let f = TopicFilter::new("$share/g").unwrap();
    assert_eq!(f.as_str(), "$share/g");
    assert_eq!(f.shared(), None);
    assert!(f.validate_shared().is_err());
}

#[test]
fn shared_filter_matching() {
    // `matches` takes the filter literally; the inner filter does the matching.
    let f = TopicFilter::new_v5("$share/g/sport/+").unwrap();
    let shared = f.shared().unwrap();
    assert!(topic::matches(shared.filter, "sport/tennis"));
    assert!(!topic::matches(shared.filter, "sport"));
    assert!(!f.matches(&name("sport/tennis")));
    // The $-rule applies to the inner filter.
    let f = TopicFilter::new_v5("$share/g/#").unwrap();
    assert!(!topic::matches(f.shared().unwrap().filter, "$SYS/x"));
}

// ---------------------------------------------------------------------------
// Property tests against a reference matcher
// ---------------------------------------------------------------------------

/// One level of a generated filter.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Lvl {
    Lit(String),
    Plus,
}

/// The reference: MQTT 5.0 section 4.7 written directly over level lists.
fn reference_matches(filter: &[Lvl], hash: bool, topic: &[String]) -> bool {
    let starts_with_wildcard = match filter.first() {
        Some(Lvl::Plus) => true,
        Some(Lvl::Lit(_)) => false,
        None => hash,
    };
    let system = topic.first().is_some_and(|l| l.starts_with('$'));
    if system && starts_with_wildcard {
        return false;
    }
    levels_match(filter, hash, topic)
}

fn levels_match(filter: &[Lvl], hash: bool, topic: &[String]) -> bool {
    match (filter.split_first(), topic.split_first()) {
        // Filter used up: "#" takes whatever remains (even nothing, the parent
        // level); otherwise the topic must be used up too.
        (None, _) => hash || topic.is_empty(),
        (Some(_), None) => false,
        (Some((Lvl::Plus, f)), Some((_, t))) => levels_match(f, hash, t),
        (Some((Lvl::Lit(a), f)), Some((b, t))) => a == b && levels_match(f, hash, t),
    }
}

fn filter_text(filter: &[Lvl], hash: bool) -> String {
    let mut parts: Vec<&str> = filter
        .iter()
        .map(|l| match l {
            Lvl::Lit(s) => s.as_str(),
            Lvl::Plus => "+",
        })
        .collect();
    if hash {
        parts.push("#");
    }
    parts.join("/")
}

/// A small alphabet of levels so that filters and topics often coincide.
fn level() -> impl Strategy<Value = String> {
    select(vec![
        "", "a", "b", "ab", "A", "$a", "$SYS", "é", " ", "日本",
    ])
    .prop_map(String::from)
}

fn topic_levels() -> impl Strategy<Value = Vec<String>> {
    vec(level(), 1..6).prop_filter("the topic must not be empty", |t| !t.join("/").is_empty())
}

fn independent_filter() -> impl Strategy<Value = (Vec<Lvl>, bool)> {
    (
        vec(
            prop_oneof![3 => level().prop_map(Lvl::Lit), 1 => Just(Lvl::Plus)],
            0..6,
        ),
        any::<bool>(),
    )
}

/// A topic and a filter derived from it: some levels replaced by "+" or another
/// literal, possibly cut short and ended with "#", possibly extended.
fn related_pair() -> impl Strategy<Value = (Vec<String>, Vec<Lvl>, bool)> {
    topic_levels().prop_flat_map(|topic| {
        let n = topic.len();
        (
            Just(topic),
            vec((0u8..4, level()), n),
            0..=n,
            any::<bool>(),
            vec(level(), 0..2),
        )
            .prop_map(|(topic, edits, keep, hash, extra)| {
                let mut filter: Vec<Lvl> = topic
                    .iter()
                    .zip(edits)
                    .map(|(t, (op, other))| match op {
                        0 | 1 => Lvl::Lit(t.clone()),
                        2 => Lvl::Plus,
                        _ => Lvl::Lit(other),
                    })
                    .collect();
                if hash {
                    filter.truncate(keep);
                } else {
                    filter.extend(extra.into_iter().map(Lvl::Lit));
                }
                (topic, filter, hash)
            })
    })
}

fn check_against_reference(
    topic: &[String],
    filter: &[Lvl],
    hash: bool,
) -> Result<(), TestCaseError> {
    let t = topic.join("/");
    let f = filter_text(filter, hash);
    if f.is_empty() {
        return Ok(()); // not a valid filter
    }
    let name = TopicName::new(t.as_str());
    prop_assert!(name.is_ok(), "{:?} rejected: {:?}", t, name);
    let tf = TopicFilter::new_v5(f.as_str());
    prop_assert!(tf.is_ok(), "{:?} rejected: {:?}", f, tf);
    let expected = reference_matches(filter, hash, topic);
    prop_assert_eq!(topic::matches(&f, &t), expected, "{:?} / {:?}", f, t);
    prop_assert_eq!(tf.unwrap().matches(&name.unwrap()), expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn matches_agrees_with_reference_on_random_pairs(
        topic in topic_levels(),
        (filter, hash) in independent_filter(),
    ) {
        check_against_reference(&topic, &filter, hash)?;
    }

    #[test]
    fn matches_agrees_with_reference_on_related_pairs((topic, filter, hash) in related_pair()) {
        check_against_reference(&topic, &filter, hash)?;
    }

    /// A valid topic name is a valid filter that matches exactly itself, and
    /// "#" matches it unless it starts with "$".
    #[test]
    fn name_as_filter_matches_itself(topic in topic_levels(), other in topic_levels()) {
        let t = topic.join("/");
        let o = other.join("/");
        let f = TopicFilter::new(t.as_str()).unwrap();
        prop_assert!(f.matches(&TopicName::new(t.as_str()).unwrap()));
        prop_assert_eq!(topic::matches(&t, &o), t == o);
        prop_assert_eq!(topic::matches("#", &t), !t.starts_with('$'));
        prop_assert!(TopicName::new(t.as_str()).unwrap().levels().eq(topic.iter().map(String::as_str)));
    }

    /// Putting "+" or "#" inside a level with other characters is always rejected.
    #[test]
    fn wildcards_inside_a_level_are_rejected(
        before in level(),
        after in level(),
        wildcard in select(vec!['+', '#']),
        prefix in vec(level(), 0..3),
    ) {
        // At least one other character shares the level with the wildcard.
        let before = if before.is_empty() && after.is_empty() { "x".to_owned() } else { before };
        let mut levels = prefix;
        levels.push(format!("{before}{wildcard}{after}"));
        let f = levels.join("/");
        let expected = if wildcard == '#' {
            ErrorKind::MultiLevelWildcardPosition
        } else {
            ErrorKind::SingleLevelWildcardPosition
        };
        prop_assert_eq!(TopicFilter::new(f.as_str()), Err(expected));
        prop_assert_eq!(TopicName::new(f.as_str()), Err(ErrorKind::TopicNameWildcard));
    }
}
