//! Against Mosquitto's clients, when installed.

use super::*;

// ---------------------------------------------------------------------------
// Against Mosquitto's clients, when installed
// ---------------------------------------------------------------------------

#[test]
fn same_verbose_output_as_mosquitto() {
    if !installed("mosquitto_sub") || !installed("mosquitto_pub") || !installed("stdbuf") {
        eprintln!("mosquitto_pub/mosquitto_sub not installed: skipped");
        return;
    }
    let b = Broker::start();
    let port = b.port();
    let messages: &[(&str, &str, &str)] = &[
        ("c/1", "hello", "0"),
        ("c/2", "", "1"),
        ("c/3/deep", "with spaces and ünïcode", "2"),
    ];

    // mosquitto_pub -> midge sub
    let midge_sub = Sub::start(&b, &["-t", "c/#", "-v", "-q", "2", "-C", "3"]);
    for (topic, payload, qos) in messages {
        let mut cmd = Command::new("mosquitto_pub");
        cmd.args(["-p", &port, "-t", topic, "-q", qos]);
        if payload.is_empty() {
            cmd.arg("-n");
        } else {
            cmd.args(["-m", payload]);
        }
        assert!(run_cmd(cmd, b"").status.success());
    }
    let (status, from_mosquitto, _) = midge_sub.finish();
    assert!(status.success());

    // midge pub -> mosquitto_sub
    // stdbuf: mosquitto_sub's -d lines are not flushed when piped.
    let mut cmd = Command::new("stdbuf");
    cmd.args([
        "-oL",
        "mosquitto_sub",
        "-d",
        "-p",
        &port,
        "-t",
        "c/#",
        "-v",
        "-q",
        "2",
        "-C",
        "3",
    ]);
    let mosquitto_sub = Sub::spawn(cmd, true);
    for (topic, payload, qos) in messages {
        if payload.is_empty() {
            publish(&b, &["-t", topic, "-q", qos, "-n"]);
        } else {
            publish(&b, &["-t", topic, "-q", qos, "-m", payload]);
        }
    }
    let (status, from_midge, _) = mosquitto_sub.finish();
    assert!(status.success());

    assert_eq!(from_mosquitto, from_midge);
    assert_eq!(
        from_midge,
        "c/1 hello\nc/2 (null)\nc/3/deep with spaces and ünïcode\n"
    );
}

#[test]
fn same_format_output_as_mosquitto() {
    if !installed("mosquitto_sub") || !installed("stdbuf") {
        eprintln!("mosquitto_sub not installed: skipped");
        return;
    }
    let b = Broker::start();
    let format = "%t|%p|%x|%l|%q|%r|%C|%P|%R|%E|%-6p|%6l|%j";
    let midge_sub = Sub::start(
        &b,
        &["-t", "fmt/#", "-V", "5", "-q", "1", "-C", "2", "-F", format],
    );
    let port = b.port();
    let mut cmd = Command::new("stdbuf");
    cmd.args([
        "-oL",
        "mosquitto_sub",
        "-d",
        "-p",
        &port,
        "-t",
        "fmt/#",
        "-V",
        "5",
        "-q",
        "1",
        "-C",
        "2",
        "-F",
        format,
    ]);
    let mosquitto_sub = Sub::spawn(cmd, true);
    publish(
        &b,
        &[
            "-t",
            "fmt/a",
            "-m",
            "{\"x\": 1}",
            "-q",
            "1",
            "-D",
            "publish",
            "content-type",
            "application/json",
            "-D",
            "publish",
            "user-property",
            "k",
            "v",
            "-D",
            "publish",
            "response-topic",
            "back",
            "-D",
            "publish",
            "message-expiry-interval",
            "300",
        ],
    );
    publish(&b, &["-t", "fmt/b", "-m", "plain"]);
    let strip_tst = |s: String| -> String {
        s.lines()
            .map(|l| match l.split_once("{\"tst\":\"") {
                Some((head, rest)) => {
                    format!("{head}{{TST{}", &rest[rest.find('"').unwrap()..])
                }
                None => l.to_owned(),
            })
            .map(|l| format!("{l}\n"))
            .collect()
    };
    let (_, ours, _) = midge_sub.finish();
    let (_, theirs, _) = mosquitto_sub.finish();
    assert_eq!(strip_tst(ours), strip_tst(theirs));
}
