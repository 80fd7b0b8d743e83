//! Unit tests of the printer: plain, `-v`, `-N` and `-F` output as
//! `mosquitto_sub` prints it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::num::{NonZeroU16, NonZeroU32};

use chrono::TimeZone;
use midge_proto::{ByteString, QoS, TopicName};

use super::*;

fn msg(topic: &str, payload: &[u8]) -> Publish {
    Publish::new(
        TopicName::new(ByteString::from(topic)).unwrap(),
        bytes::Bytes::copy_from_slice(payload),
    )
}

fn now() -> DateTime<Local> {
    Local.timestamp_opt(1_795_330_962, 114_398_197).unwrap()
}

fn printer(format: Option<&str>, verbose: bool, eol: bool, pretty: bool) -> Printer {
    OutputArgs {
        verbose,
        no_eol: !eol,
        format: format.map(str::to_owned),
        pretty,
    }
    .printer()
    .unwrap()
}

fn render(format: &str, m: &Publish) -> String {
    String::from_utf8(
        printer(Some(format), false, true, false)
            .render(m, &now())
            .out,
    )
    .unwrap()
}

#[test]
fn plain_and_verbose() {
    let m = msg("a/b", b"hello");
    let empty = msg("a/b", b"");
    let out = |p: &Printer, m: &Publish| String::from_utf8(p.render(m, &now()).out).unwrap();
    assert_eq!(out(&printer(None, false, true, false), &m), "hello\n");
    assert_eq!(out(&printer(None, false, true, false), &empty), "");
    assert_eq!(out(&printer(None, true, true, false), &m), "a/b hello\n");
    assert_eq!(
        out(&printer(None, true, true, false), &empty),
        "a/b (null)\n"
    );
    assert_eq!(out(&printer(None, true, false, false), &m), "a/b hello");
    assert_eq!(out(&printer(None, true, false, false), &empty), "");
}

/// Expected strings from mosquitto_sub 2.0.11.
#[test]
fn fields_like_mosquitto() {
    let mut m = msg("f/1", b"hello");
    m.qos = QoS::ExactlyOnce;
    m.packet_id = NonZeroU16::new(1);
    let p = &mut m.properties;
    p.content_type = Some("text/plain".into());
    p.user_properties = vec![("a".into(), "b".into()), ("c".into(), "d".into())];
    p.response_topic = Some(TopicName::new(ByteString::from("r/t")).unwrap());
    p.correlation_data = Some(bytes::Bytes::from_static(b"cd"));
    p.message_expiry_interval = Some(100);
    p.payload_format_indicator = Some(true);
    let format =
        "%t|%p|%x|%X|%l|%m|%q|%r|%A|%C|%D|%E|%F|%P|%R|%S|%%|\\t|@@|%10t|%-10t|%05l|%.2p|%-8p|%8x";
    assert_eq!(
        render(format, &m),
        "f/1|hello|68656c6c6f|68656C6C6F|5|1|2|0||text/plain|cd|100|1|a:b c:d|r/t||%|\t|@|       f/1|f/1       |00005|hello|hello   |    6865\n"
    );
    let mut r = msg("f/3", b"x");
    r.retain = true;
    assert_eq!(
        render(format, &r),
        "f/3|x|78|78|1|0|0|1|||||||||%|\t|@|       f/3|f/3       |00001|x|x       |        \n"
    );
    let j = msg("f/3", br#"{"a": [1, 2]}"#);
    assert_eq!(render("%-8p|%8x", &j), "{\"a\": [1|7b226122\n");
    let mut s = msg("s", b"x");
    s.properties.subscription_identifiers = vec![NonZeroU32::new(7).unwrap()];
    assert_eq!(render("%S|%3S|%03A|%5C|", &s), "7|  7|000|     |\n");
}

#[test]
fn json_like_mosquitto() {
    let m = msg("f/4", b"tab\t\"q\"\\");
    let text = render("%j", &m);
    let tail = text.split_once("Z+").map(|(_, t)| t).unwrap();
    assert!(text.starts_with("{\"tst\":\""));
    assert!(tail.ends_with(
        "\",\"topic\":\"f/4\",\"qos\":0,\"retain\":0,\"payloadlen\":8,\"payload\":\"tab\\t\\\"q\\\"\\\\\"}\n"
    ));
    let mut m = msg("f/1", b"hello");
    m.qos = QoS::AtLeastOnce;
    m.packet_id = NonZeroU16::new(2);
    m.properties.content_type = Some("ct".into());
    m.properties.user_properties = vec![("a".into(), "b".into())];
    let text = render("%j", &m);
    assert!(text.ends_with(
        ",\"qos\":1,\"retain\":0,\"payloadlen\":5,\"mid\":2,\"properties\":{\"content-type\":\"ct\",\"user-properties\":{\"a\":\"b\"}},\"payload\":\"hello\"}\n"
    ));
    // %J: the payload parsed and re-printed.
    let j = msg(
        "f/3",
        br#"{"a": [1, 2, {"b": {}}], "n": 1.50, "m": -0, "big": 12345678901234, "e": 1e2}"#,
    );
    assert!(render("%J", &j).ends_with(
        "\"payload\":{\"a\":[1,2,{\"b\":{}}],\"n\":1.5,\"m\":-0,\"big\":12345678901234,\"e\":100}}\n"
    ));
    let bad = msg("f/3", b"x");
    let r = printer(Some("%J"), false, true, false).render(&bad, &now());
    assert_eq!(r.out, b"\n");
    assert_eq!(
        r.error.as_deref(),
        Some("Error: Message payload is not valid JSON on topic f/3.")
    );
    let empty = msg("e", b"");
    assert!(render("%J", &empty).ends_with("\"payload\":null}\n"));
}

#[test]
fn pretty_json_like_cjson() {
    let m = msg(
        "f/1",
        br#"{"a": [1, 2, {"b": {}}], "c": {"d": [], "e": "x"}}"#,
    );
    let out = String::from_utf8(
        printer(Some("%J"), false, true, true)
            .render(&m, &now())
            .out,
    )
    .unwrap();
    let body = out.split_once("\"topic\"").map(|(_, b)| b).unwrap();
    assert_eq!(
        body,
        ":\t\"f/1\",\n\t\"qos\":\t0,\n\t\"retain\":\t0,\n\t\"payloadlen\":\t50,\n\t\"payload\":\t{\n\t\t\"a\":\t[1, 2, {\n\t\t\t\t\"b\":\t{\n\t\t\t\t}\n\t\t\t}],\n\t\t\"c\":\t{\n\t\t\t\"d\":\t[],\n\t\t\t\"e\":\t\"x\"\n\t\t}\n\t}\n}\n"
    );
}

#[test]
fn time_codes() {
    let m = msg("t", b"x");
    let t = now();
    let expected = format!(
        "{}|{}|114398197|{}.114398197",
        t.format("%Y-%m-%dT%H:%M:%S%z"),
        t.format("%H:%M:%S"),
        t.timestamp()
    );
    assert_eq!(render("%I|@H:@M:@S|@N|%U", &m), format!("{expected}\n"));
}
