//! Subscriber options.

use super::*;

// ---------------------------------------------------------------------------
// Subscriber options
// ---------------------------------------------------------------------------

#[test]
fn timeout_exits_27() {
    let b = Broker::start();
    let port = b.port();
    let started = Instant::now();
    let out = run(&["sub", "-p", &port, "-t", "nothing", "-W", "1"]);
    assert_eq!(out.status.code(), Some(27));
    assert_eq!(text(&out.stderr), "Timed out\n");
    assert!(started.elapsed() < Duration::from_secs(10));
    let quiet = run(&["sub", "-p", &port, "-t", "nothing", "-W", "1", "--quiet"]);
    assert_eq!(quiet.status.code(), Some(27));
    assert!(quiet.stderr.is_empty());
}

#[test]
fn exit_after_suback() {
    let b = Broker::start();
    let port = b.port();
    let out = run(&[
        "sub", "-p", &port, "-t", "a", "-t", "b", "-q", "1", "-E", "-d",
    ]);
    assert!(out.status.success());
    let got = text(&out.stdout);
    assert!(
        got.contains("sending SUBSCRIBE (Mid: 1, Topic: a, QoS: 1, Options: 0x00)"),
        "{got}"
    );
    assert!(got.contains("sending SUBSCRIBE (Mid: 1, Topic: b, QoS: 1, Options: 0x00)"));
    assert!(got.contains("Subscribed (mid: 1): 1, 1"));
    assert!(got.ends_with("sending DISCONNECT\n"));
    let unsub = run(&["sub", "-p", &port, "-U", "a", "-E", "-d"]);
    assert!(unsub.status.success());
    let got = text(&unsub.stdout);
    assert!(
        got.contains("sending UNSUBSCRIBE (Mid: 1, Topic: a)"),
        "{got}"
    );
    assert!(got.contains("received UNSUBACK"));
}

#[test]
fn retained_messages_skipped_with_r() {
    for version in ["311", "5"] {
        let b = Broker::start();
        publish(&b, &["-t", "r/old", "-m", "stale", "-r"]);
        let sub = Sub::start(&b, &["-t", "r/#", "-v", "-R", "-C", "1", "-V", version]);
        publish(&b, &["-t", "r/new", "-m", "fresh"]);
        assert_eq!(sub.finish().1, "r/new fresh\n", "-V {version}");
    }
}

#[test]
fn retained_only_prints_retained_then_exits() {
    let b = Broker::start();
    publish(&b, &["-t", "k/1", "-m", "one", "-r"]);
    publish(&b, &["-t", "k/2", "-m", "two", "-r"]);
    let mut sub = Sub::start(&b, &["-t", "k/#", "-v", "--retained-only", "-W", "10"]);
    sub.wait_for(|l| l.starts_with("k/1 "));
    sub.wait_for(|l| l.starts_with("k/2 "));
    publish(&b, &["-t", "k/3", "-m", "live"]);
    let (status, out, _) = sub.finish();
    assert!(status.success());
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines, ["k/1 one", "k/2 two"]);
}

#[test]
fn remove_retained_clears_them_except_filtered_out() {
    let b = Broker::start();
    publish(&b, &["-t", "x/1", "-m", "one", "-r"]);
    publish(&b, &["-t", "x/2", "-m", "two", "-r"]);
    publish(&b, &["-t", "x/keep/3", "-m", "three", "-r"]);
    let port = b.port();
    let out = run(&[
        "sub",
        "-p",
        &port,
        "-t",
        "x/#",
        "--remove-retained",
        "-T",
        "x/keep/#",
        "-W",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(27));
    let mut printed: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    printed.sort_unstable();
    assert_eq!(printed, ["one", "two"]);
    let left = run(&["sub", "-p", &port, "-t", "x/#", "-v", "-W", "1"]);
    assert_eq!(left.status.code(), Some(27));
    assert_eq!(text(&left.stdout), "x/keep/3 three\n");
}

#[test]
fn filter_out_topics() {
    let b = Broker::start();
    let sub = Sub::start(
        &b,
        &[
            "-t", "f/#", "-T", "f/skip/#", "-T", "f/+/no", "-v", "-C", "2",
        ],
    );
    for (topic, payload) in [
        ("f/skip/1", "x"),
        ("f/a", "1"),
        ("f/b/no", "x"),
        ("f/skip", "x"),
        ("f/b", "2"),
    ] {
        publish(&b, &["-t", topic, "-m", payload]);
    }
    assert_eq!(sub.finish().1, "f/a 1\nf/b 2\n");
}

#[test]
fn sigint_disconnects_and_exits_0() {
    let b = Broker::start();
    let mut observer = Sub::start(&b, &["-t", "will/#", "-v", "-C", "1"]);
    let sub = Sub::start(
        &b,
        &[
            "-t",
            "s",
            "-V",
            "5",
            "--will-topic",
            "will/sub",
            "--will-payload",
            "gone",
        ],
    );
    kill("-INT", &sub.pid());
    let (status, lines) = sub.finish_all();
    assert!(status.success(), "{status:?}");
    assert_eq!(
        lines
            .last()
            .map(String::as_str)
            .map(|l| l.ends_with("sending DISCONNECT")),
        Some(true)
    );
    // Like mosquitto_sub, an MQTT 5 subscriber disconnects with 0x04 on a
    // signal, so its will is published.
    observer.wait_for(|l| l == "will/sub gone");
    let (status, _, _) = observer.finish();
    assert!(status.success());

    let term = Sub::start(&b, &["-t", "s"]);
    kill("-TERM", &term.pid());
    assert!(term.finish().0.success());
}
