//! Output formats (expected strings are what mosquitto_sub 2.0.11 prints).

use super::*;

// ---------------------------------------------------------------------------
// Output formats (expected strings are what mosquitto_sub 2.0.11 prints)
// ---------------------------------------------------------------------------

const FIELDS: &str =
    "%t|%p|%x|%X|%l|%m|%q|%r|%A|%C|%D|%E|%F|%P|%R|%S|%%|\\t|@@|%10t|%-10t|%05l|%.2p|%-8p|%8x";

#[test]
fn format_fields_with_v5_properties() {
    let b = Broker::start();
    let sub = Sub::start(
        &b,
        &["-t", "f/#", "-V", "5", "-q", "2", "-C", "2", "-F", FIELDS],
    );
    publish(
        &b,
        &[
            "-t",
            "f/1",
            "-m",
            "hello",
            "-q",
            "2",
            "-D",
            "publish",
            "content-type",
            "text/plain",
            "-D",
            "publish",
            "user-property",
            "a",
            "b",
            "-D",
            "publish",
            "user-property",
            "c",
            "d",
            "-D",
            "publish",
            "response-topic",
            "r/t",
            "-D",
            "publish",
            "correlation-data",
            "cd",
            "-D",
            "publish",
            "message-expiry-interval",
            "100",
            "-D",
            "publish",
            "payload-format-indicator",
            "1",
        ],
    );
    publish(&b, &["-t", "f/3", "-m", "x"]);
    let (status, out, _) = sub.finish();
    assert!(status.success());
    assert_eq!(
        out,
        "f/1|hello|68656c6c6f|68656C6C6F|5|1|2|0||text/plain|cd|100|1|a:b c:d|r/t||%|\t|@|       f/1|f/1       |00005|hello|hello   |    6865\n\
         f/3|x|78|78|1|0|0|0|||||||||%|\t|@|       f/3|f/3       |00001|x|x       |        \n"
    );
}

#[test]
fn user_property_and_message_expiry() {
    let b = Broker::start();
    let sub = Sub::start(&b, &["-t", "p", "-V", "5", "-C", "1", "-F", "%P|%E|%p"]);
    publish(
        &b,
        &[
            "-t",
            "p",
            "-m",
            "props",
            "-D",
            "publish",
            "user-property",
            "key",
            "value",
            "-D",
            "publish",
            "message-expiry-interval",
            "60",
        ],
    );
    assert_eq!(sub.finish().1, "key:value|60|props\n");

    // The expiry is real: a retained message with 1 s is gone after 2 s.
    publish(
        &b,
        &[
            "-t",
            "gone",
            "-m",
            "soon",
            "-r",
            "-D",
            "publish",
            "message-expiry-interval",
            "1",
        ],
    );
    thread::sleep(Duration::from_millis(2100));
    let port = b.port();
    let out = run(&["sub", "-p", &port, "-t", "gone", "-W", "1"]);
    assert_eq!(out.status.code(), Some(27));
    assert!(out.stdout.is_empty());
}

#[test]
fn json_formats() {
    let b = Broker::start();
    let sub = Sub::start(
        &b,
        &["-t", "j", "-V", "5", "-q", "1", "-C", "3", "-F", "%j"],
    );
    let json = Sub::start(&b, &["-t", "j", "-V", "5", "-C", "3", "-F", "%J"]);
    publish(
        &b,
        &[
            "-t",
            "j",
            "-q",
            "1",
            "-m",
            "tab\t\"q\"",
            "-D",
            "publish",
            "content-type",
            "ct",
            "-D",
            "publish",
            "user-property",
            "a",
            "b",
        ],
    );
    publish(
        &b,
        &[
            "-t",
            "j",
            "-m",
            r#"{"a": [1, 2.50, {"b": {}}], "c": "\u00e9"}"#,
        ],
    );
    publish(&b, &["-t", "j", "-n"]);
    let strip_tst = |out: String| -> Vec<String> {
        out.lines()
            .map(|l| {
                assert!(l.starts_with("{\"tst\":\""), "{l}");
                let (_, rest) = l.split_once("\",\"topic\"").unwrap();
                format!("{{\"topic\"{rest}")
            })
            .collect()
    };
    let (_, out, _) = sub.finish();
    assert_eq!(
        strip_tst(out),
        [
            r#"{"topic":"j","qos":1,"retain":0,"payloadlen":7,"mid":1,"properties":{"content-type":"ct","user-properties":{"a":"b"}},"payload":"tab\t\"q\""}"#,
            r#"{"topic":"j","qos":0,"retain":0,"payloadlen":42,"payload":"{\"a\": [1, 2.50, {\"b\": {}}], \"c\": \"\\u00e9\"}"}"#,
            r#"{"topic":"j","qos":0,"retain":0,"payloadlen":0,"payload":null}"#,
        ]
    );
    let (_, out, err) = json.finish();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0], "");
    assert!(
        lines[1].ends_with(r#","payload":{"a":[1,2.5,{"b":{}}],"c":"é"}}"#),
        "{}",
        lines[1]
    );
    assert!(lines[2].ends_with(r#","payload":null}"#));
    assert_eq!(
        err,
        "Error: Message payload is not valid JSON on topic j.\n"
    );
}

#[test]
fn time_formats() {
    let b = Broker::start();
    let sub = Sub::start(
        &b,
        &["-t", "t", "-C", "1", "-F", "%I|%U|@Y-@m-@d @H:@M:@S.@N|@@"],
    );
    publish(&b, &["-t", "t", "-m", "x"]);
    let (_, out, _) = sub.finish();
    let line = out.trim_end();
    let parts: Vec<&str> = line.split('|').collect();
    assert_eq!(parts.len(), 4, "{line}");
    // TZ=UTC: 2026-11-22T07:02:41+0000
    assert_eq!(parts[0].len(), 24, "{line}");
    assert!(parts[0].ends_with("+0000"), "{line}");
    let (secs, nanos) = parts[1].split_once('.').unwrap();
    assert!(secs.parse::<u64>().unwrap() > 1_600_000_000);
    assert_eq!(nanos.len(), 9);
    assert_eq!(
        parts[2].len(),
        "2026-11-22 07:02:41.123456789".len(),
        "{line}"
    );
    assert_eq!(&parts[2][..10], &parts[0][..10]);
    assert_eq!(parts[3], "@");
}
