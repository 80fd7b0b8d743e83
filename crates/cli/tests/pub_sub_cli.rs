#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! `midge pub`, `midge sub` and `midge rr` as processes, against a broker
//! started in-process (`midge_testkit::TestBroker` on an ephemeral port):
//! QoS 0/1/2 round trips, `-v`/`-N`/`-F` output compared with what
//! `mosquitto_sub` 2.0 prints, `-C`, `-W` (exit 27), retained-message
//! options, `-T`, `-l` with every line delivered, `-D` properties, exit
//! statuses on refusal and usage errors, unsupported transports,
//! request/response, signals; and, where `mosquitto_pub`/`mosquitto_sub` are
//! installed, identical `-v` output across the two implementations.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use midge_broker::Config;
use midge_client::{Client, ConnectOptions};
use midge_proto::{Publish, QoS};
use midge_testkit::TestBroker;

const BIN: &str = env!("CARGO_BIN_EXE_midge");
/// Longest wait for a process or an expected line.
const PATIENCE: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A broker on its own runtime, stopped on drop.
struct Broker {
    rt: tokio::runtime::Runtime,
    broker: Option<TestBroker>,
    port: u16,
}

impl Broker {
    fn start() -> Self {
        Self::with_config(|_| {})
    }

    fn with_config(edit: impl FnOnce(&mut Config)) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let broker = rt.block_on(TestBroker::with_config(edit));
        let port = broker.addr.port();
        Self {
            rt,
            broker: Some(broker),
            port,
        }
    }

    fn port(&self) -> String {
        self.port.to_string()
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(b) = self.broker.take() {
            self.rt.block_on(b.stop());
        }
    }
}

fn midge(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("RUST_LOG").env("TZ", "UTC");
    cmd
}

/// Waits for `child` for at most PATIENCE (then kills it and fails).
fn wait_with_deadline(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("process did not exit within {PATIENCE:?}");
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Runs a command to completion with `stdin` as its input.
fn run_cmd(mut cmd: Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let status = wait_with_deadline(&mut child);
    writer.join().unwrap();
    Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

/// `midge args` with empty standard input.
fn run(args: &[&str]) -> Output {
    run_cmd(midge(args), b"")
}

/// `midge pub -p PORT args`, which must succeed.
fn publish(b: &Broker, args: &[&str]) {
    let port = b.port();
    let mut all = vec!["pub", "-p", &port];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(
        out.status.success(),
        "midge {all:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A running subscriber (`midge sub -d` or `mosquitto_sub -d`) whose output
/// lines are collected; `-d` tells when the subscription is in place.
struct Sub {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: thread::JoinHandle<String>,
}

impl Sub {
    /// `midge sub -d -p PORT args`, once subscribed.
    fn start(b: &Broker, args: &[&str]) -> Sub {
        let port = b.port();
        let mut all = vec!["sub", "-d", "-p", &port];
        all.extend_from_slice(args);
        Self::spawn(midge(&all), true)
    }

    fn spawn(mut cmd: Command, wait_for_suback: bool) -> Sub {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn subscriber");
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let mut sub = Sub {
            child,
            lines,
            seen: Vec::new(),
            stderr,
        };
        if wait_for_suback {
            sub.wait_for(|l| l.starts_with("Subscribed (mid:"));
        }
        sub
    }

    /// Waits for an output line matching `pred`.
    fn wait_for(&mut self, pred: impl Fn(&str) -> bool) {
        if self.seen.iter().any(|l| pred(l)) {
            return;
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let hit = pred(&line);
                    self.seen.push(line);
                    if hit {
                        return;
                    }
                }
                Err(_) => panic!("expected line not printed; got {:?}", self.seen),
            }
        }
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// Waits for the exit; the output without the `-d` lines, and stderr.
    fn finish(mut self) -> (ExitStatus, String, String) {
        let status = wait_with_deadline(&mut self.child);
        while let Ok(line) = self.lines.recv_timeout(PATIENCE) {
            self.seen.push(line);
        }
        let out: String = self
            .seen
            .iter()
            .filter(|l| !l.starts_with("Client ") && !l.starts_with("Subscribed (mid:"))
            .map(|l| format!("{l}\n"))
            .collect();
        (status, out, self.stderr.join().unwrap())
    }

    /// Every line printed, `-d` lines included.
    fn finish_all(mut self) -> (ExitStatus, Vec<String>) {
        let status = wait_with_deadline(&mut self.child);
        while let Ok(line) = self.lines.recv_timeout(PATIENCE) {
            self.seen.push(line);
        }
        (status, self.seen)
    }
}

/// A scratch file, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(contents: &[u8]) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "pub_sub_cli-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, contents).unwrap();
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn kill(signal: &str, pid: &str) {
    let status = Command::new("kill")
        .args([signal, pid])
        .status()
        .expect("kill");
    assert!(status.success());
}

fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

#[test]
fn round_trip_at_each_qos() {
    let b = Broker::start();
    for qos in ["0", "1", "2"] {
        let sub = Sub::start(&b, &["-t", "rt/#", "-q", qos, "-v", "-C", "2"]);
        publish(
            &b,
            &["-t", "rt/a", "-q", qos, "-m", &format!("hello {qos}")],
        );
        publish(&b, &["-t", "rt/b", "-q", qos, "-m", "bye"]);
        let (status, out, _) = sub.finish();
        assert!(status.success());
        assert_eq!(out, format!("rt/a hello {qos}\nrt/b bye\n"), "QoS {qos}");
    }
}

#[test]
fn round_trip_mqtt_5_and_3_1() {
    let b = Broker::start();
    let sub = Sub::start(&b, &["-t", "v/#", "-V", "5", "-q", "2", "-v", "-C", "2"]);
    publish(&b, &["-t", "v/5", "-V", "mqttv5", "-q", "2", "-m", "five"]);
    publish(
        &b,
        &["-t", "v/31", "-V", "31", "-q", "1", "-m", "three-one"],
    );
    let (status, out, _) = sub.finish();
    assert!(status.success());
    assert_eq!(out, "v/5 five\nv/31 three-one\n");
}

#[test]
fn plain_output_skips_empty_payloads_and_verbose_prints_null() {
    let b = Broker::start();
    let plain = Sub::start(&b, &["-t", "e", "-C", "3"]);
    let verbose = Sub::start(&b, &["-t", "e", "-C", "3", "-v"]);
    publish(&b, &["-t", "e", "-m", "a"]);
    publish(&b, &["-t", "e", "-n"]);
    publish(&b, &["-t", "e", "-m", "b"]);
    assert_eq!(plain.finish().1, "a\nb\n");
    assert_eq!(verbose.finish().1, "e a\ne (null)\ne b\n");
}

#[test]
fn no_end_of_line_with_n() {
    let b = Broker::start();
    publish(&b, &["-t", "n/1", "-m", "one", "-r"]);
    publish(&b, &["-t", "n/2", "-m", "two", "-r"]);
    let port = b.port();
    let out = run(&[
        "sub", "-p", &port, "-t", "n/1", "-t", "n/2", "-v", "-N", "-C", "2",
    ]);
    assert!(out.status.success());
    let got = text(&out.stdout);
    assert!(
        got == "n/1 onen/2 two" || got == "n/2 twon/1 one",
        "{got:?}"
    );
}

#[test]
fn publish_modes_file_stdin_null_and_repeat() {
    let b = Broker::start();
    let file = TempFile::new(b"from a file\nwith two lines");
    let sub = Sub::start(&b, &["-t", "m", "-C", "6", "-F", "%l:%p"]);
    let port = b.port();
    publish(&b, &["-t", "m", "-f", file.0.to_str().unwrap()]);
    let out = run_cmd(
        midge(&["pub", "-p", &port, "-t", "m", "-s"]),
        b"all of\nstdin",
    );
    assert!(out.status.success());
    publish(&b, &["-t", "m", "-n"]);
    publish(
        &b,
        &[
            "-t",
            "m",
            "-m",
            "again",
            "--repeat",
            "3",
            "--repeat-delay",
            "0.05",
        ],
    );
    let (status, out, _) = sub.finish();
    assert!(status.success());
    assert_eq!(
        out,
        "26:from a file\nwith two lines\n12:all of\nstdin\n0:\n5:again\n5:again\n5:again\n"
    );
}

#[test]
fn lines_from_stdin_are_all_delivered() {
    let b = Broker::start();
    let port = b.port();
    for qos in ["0", "1", "2"] {
        let sub = Sub::start(&b, &["-t", "lines", "-q", qos, "-C", "1000"]);
        let input: String = (1..=1000).map(|i| format!("line {i}\n")).collect();
        let out = run_cmd(
            midge(&["pub", "-p", &port, "-t", "lines", "-l", "-q", qos]),
            input.as_bytes(),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let (status, got, _) = sub.finish();
        assert!(status.success());
        assert_eq!(got, input, "QoS {qos}");
    }
}

#[test]
fn lines_keep_empty_lines_and_a_last_line_without_newline() {
    let b = Broker::start();
    let port = b.port();
    let sub = Sub::start(&b, &["-t", "l", "-C", "3", "-F", "[%p]"]);
    let out = run_cmd(midge(&["pub", "-p", &port, "-t", "l", "-l"]), b"a\n\nlast");
    assert!(out.status.success());
    assert_eq!(sub.finish().1, "[a]\n[]\n[last]\n");
}

#[test]
fn url_gives_host_port_and_topic() {
    let b = Broker::start();
    let url = format!("mqtt://127.0.0.1:{}/u/topic", b.port);
    let sub = Sub::spawn(midge(&["sub", "-d", "-L", &url, "-v", "-C", "1"]), true);
    let out = run(&["pub", "-L", &url, "-m", "via url"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(sub.finish().1, "u/topic via url\n");
}

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

// ---------------------------------------------------------------------------
// Exit statuses and errors
// ---------------------------------------------------------------------------

#[test]
fn refused_connection_exits_with_the_connack_code() {
    let b = Broker::with_config(|c| c.session.allow_empty_client_id = false);
    let port = b.port();
    let v311 = run(&["pub", "-p", &port, "-t", "a", "-m", "x"]);
    assert_eq!(v311.status.code(), Some(2));
    assert_eq!(
        text(&v311.stderr),
        "Connection error: Connection Refused: identifier rejected.\n"
    );
    let v5 = run(&["sub", "-p", &port, "-t", "a", "-V", "5"]);
    assert_eq!(v5.status.code(), Some(0x85));
    assert_eq!(
        text(&v5.stderr),
        "Connection error: Client Identifier not valid\n"
    );
    let quiet = run(&[
        "rr", "-p", &port, "-t", "a", "-e", "b", "-m", "x", "--quiet",
    ]);
    assert_eq!(quiet.status.code(), Some(0x85));
    assert!(quiet.stderr.is_empty());

    // MQTT 3.1 needs a client id: an explicitly empty one is refused.
    let open = Broker::start();
    let port = open.port();
    let v31 = run(&[
        "pub", "-p", &port, "-V", "31", "-i", "", "-t", "a", "-m", "x",
    ]);
    assert_eq!(v31.status.code(), Some(2));
    // Without -i a random one is made up, as libmosquitto does.
    let ok = run(&["pub", "-p", &port, "-V", "31", "-t", "a", "-m", "x"]);
    assert!(ok.status.success());
}

#[test]
fn connection_failure_is_one_line_and_status_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let out = run(&["pub", "-h", "127.0.0.1", "-p", &port, "-t", "a", "-m", "x"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("Error: cannot connect to 127.0.0.1:"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn usage_errors_exit_1() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["pub", "-t", "a", "-m", "x", "-f", "file"],
            "Only one type of message can be sent at once.",
        ),
        (
            &["pub", "-t", "a", "-m", "x", "-l"],
            "Only one type of message can be sent at once.",
        ),
        (
            &["pub", "-t", "a", "-l", "-s"],
            "Only one type of message can be sent at once.",
        ),
        (
            &["pub", "-t", "a"],
            "Both topic and message must be supplied.",
        ),
        (
            &["pub", "-m", "a"],
            "Both topic and message must be supplied.",
        ),
        (
            &["pub", "-t", "a/#", "-m", "x"],
            "Invalid publish topic 'a/#'",
        ),
        (
            &["pub", "-t", "a", "-m", "x", "-q", "3"],
            "Invalid QoS given: 3",
        ),
        (&["pub", "-t", "a", "-m", "x", "--bogus"], "--bogus"),
        (
            &["pub", "-t", "a", "-m", "x", "-c"],
            "You must provide a client id if you are using the -c option.",
        ),
        (
            &["pub", "-t", "a", "-m", "x", "-i", "a", "-I", "b"],
            "-i and -I argument cannot be used together.",
        ),
        (
            &[
                "pub",
                "-t",
                "a",
                "-m",
                "x",
                "-D",
                "connect",
                "topic-alias",
                "3",
            ],
            "topic-alias property not allowed for connect",
        ),
        (
            &[
                "pub",
                "-t",
                "a",
                "-m",
                "x",
                "-D",
                "publish",
                "user-property",
                "k",
            ],
            "not enough arguments",
        ),
        (
            &[
                "pub",
                "-t",
                "a",
                "-m",
                "x",
                "-D",
                "publish",
                "message-expiry-interval",
                "abc",
            ],
            "Property value 'abc' not a number.",
        ),
        (
            &[
                "pub",
                "-t",
                "a",
                "-m",
                "x",
                "-V",
                "311",
                "-D",
                "publish",
                "content-type",
                "c",
            ],
            "need MQTT v5",
        ),
        (
            &["pub", "-t", "a", "-m", "x", "--will-payload", "p"],
            "Will payload given, but no will topic given.",
        ),
        (&["sub"], "You must specify a topic"),
        (
            &["sub", "-t", "a/#/b"],
            "Invalid subscription topic 'a/#/b'",
        ),
        (
            &["sub", "-t", "a", "-R", "--retained-only"],
            "Combining '-R' and '--retained-only' makes no sense.",
        ),
        (&["sub", "-t", "a", "-C", "0"], "Invalid message count"),
        (&["sub", "-t", "a", "-W", "0"], "Invalid timeout"),
        (
            &["sub", "-t", "a", "-F", "%k"],
            "Invalid format specifier 'k'.",
        ),
        (
            &["sub", "-t", "a", "-F", "%"],
            "Incomplete format specifier.",
        ),
        (
            &["sub", "-t", "a", "-F", "\\q"],
            "Invalid escape specifier 'q'.",
        ),
        (
            &["rr", "-t", "a", "-m", "x"],
            "All of topic, message, and response topic must be supplied.",
        ),
        (
            &["rr", "-t", "a", "-e", "b", "-m", "x", "-V", "311"],
            "needs MQTT v5",
        ),
    ];
    for (args, expected) in cases {
        let out = run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "midge {args:?}: {}",
            text(&out.stderr)
        );
        let err = text(&out.stderr);
        assert!(err.contains(expected), "midge {args:?}: {err}");
        assert!(!err.contains("panicked"), "midge {args:?}: {err}");
    }
}

#[test]
fn unsupported_transports_are_rejected() {
    let cases: &[(&[&str], &str)] = &[
        (&["--cafile", "ca.pem"], "TLS is not supported yet"),
        (&["--capath", "/etc/ssl"], "TLS is not supported yet"),
        (
            &["--cert", "c.pem", "--key", "k.pem"],
            "TLS is not supported yet",
        ),
        (&["--insecure"], "TLS is not supported yet"),
        (&["--tls-version", "tlsv1.3"], "TLS is not supported yet"),
        (&["--tls-use-os-certs"], "TLS is not supported yet"),
        (
            &["--psk", "00ff", "--psk-identity", "me"],
            "TLS-PSK is not supported yet",
        ),
        (&["--unix", "/tmp/mqtt.sock"], "not supported yet"),
        (&["--proxy", "socks5h://localhost"], "not supported yet"),
        (&["-A", "127.0.0.1"], "not supported yet"),
        (&["-L", "mqtts://localhost/t"], "TLS is not supported yet"),
    ];
    for tool in [
        &["pub", "-t", "a", "-m", "x"][..],
        &["sub", "-t", "a"],
        &["rr", "-t", "a", "-e", "b", "-m", "x"],
    ] {
        for (flags, expected) in cases {
            let mut args = tool.to_vec();
            args.extend_from_slice(flags);
            let out = run(&args);
            assert_eq!(out.status.code(), Some(1), "midge {args:?}");
            let err = text(&out.stderr);
            assert!(err.contains(expected), "midge {args:?}: {err}");
        }
    }
}

#[test]
fn help_and_version() {
    let help = run(&["pub", "--help"]);
    assert!(help.status.success());
    let help = text(&help.stdout);
    assert!(help.contains("-h, --host <HOST>"), "{help}");
    assert!(help.contains("-V, --protocol-version <VERSION>"));
    for args in [
        &["--version"][..],
        &["broker", "--version"],
        &["sub", "--version"],
    ] {
        let out = run(args);
        assert!(out.status.success());
        assert!(
            text(&out.stdout).contains(env!("CARGO_PKG_VERSION")),
            "{args:?}"
        );
    }
}

#[test]
fn debug_output_of_a_publish() {
    let b = Broker::start();
    let port = b.port();
    let q1 = run(&[
        "pub", "-p", &port, "-t", "d", "-m", "hello", "-q", "1", "-i", "dbg", "-d",
    ]);
    assert!(q1.status.success());
    assert_eq!(
        text(&q1.stdout),
        "Client dbg sending CONNECT\n\
         Client dbg received CONNACK (0)\n\
         Client dbg sending PUBLISH (d0, q1, r0, m1, 'd', ... (5 bytes))\n\
         Client dbg received PUBACK (Mid: 1, RC:0)\n\
         Client dbg sending DISCONNECT\n"
    );
    let q2 = run(&[
        "pub", "-p", &port, "-t", "d", "-m", "hi", "-q", "2", "-r", "-i", "dbg", "-d",
    ]);
    assert_eq!(
        text(&q2.stdout),
        "Client dbg sending CONNECT\n\
         Client dbg received CONNACK (0)\n\
         Client dbg sending PUBLISH (d0, q2, r1, m1, 'd', ... (2 bytes))\n\
         Client dbg received PUBREC (Mid: 1)\n\
         Client dbg sending PUBREL (m1)\n\
         Client dbg sending DISCONNECT\n"
    );
}

// ---------------------------------------------------------------------------
// Request / response
// ---------------------------------------------------------------------------

/// Answers one request on `req`: "pong:" + the request, to its Response
/// Topic, with its Correlation Data.
fn responder(b: &Broker) -> tokio::task::JoinHandle<()> {
    let port = b.port;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let handle = b.rt.spawn(async move {
        let (client, mut events, _) =
            Client::connect(ConnectOptions::new("127.0.0.1", port).client_id("responder"))
                .await
                .unwrap();
        client.subscribe("req", QoS::AtLeastOnce).await.unwrap();
        ready_tx.send(()).unwrap();
        let request = events.next_message().await.unwrap();
        let reply_to = request.properties.response_topic.clone().unwrap();
        let mut payload = b"pong:".to_vec();
        payload.extend_from_slice(&request.payload);
        let mut reply = Publish::new(reply_to, Bytes::from(payload));
        reply.qos = QoS::AtLeastOnce;
        reply.properties.correlation_data = request.properties.correlation_data.clone();
        client.publish(reply).await.unwrap();
        client.disconnect().await.unwrap();
    });
    ready_rx.recv_timeout(PATIENCE).unwrap();
    handle
}

#[test]
fn request_response() {
    let b = Broker::start();
    let port = b.port();
    let answered = responder(&b);
    let out = run(&[
        "rr",
        "-p",
        &port,
        "-t",
        "req",
        "-e",
        "resp/me",
        "-m",
        "ping",
        "-q",
        "1",
        "-W",
        "10",
        "-D",
        "publish",
        "correlation-data",
        "c-42",
        "-F",
        "%t %p %D",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "resp/me pong:ping c-42\n");
    b.rt.block_on(answered).unwrap();

    // Nobody answers: -W expires with status 27.
    let out = run(&[
        "rr", "-p", &port, "-t", "req", "-e", "resp/me", "-m", "ping", "-W", "1",
    ]);
    assert_eq!(out.status.code(), Some(27));
    assert_eq!(text(&out.stderr), "Timed out\n");
}

#[test]
fn request_response_with_verbose_output() {
    let b = Broker::start();
    let port = b.port();
    let answered = responder(&b);
    let out = run(&[
        "rr", "-p", &port, "-t", "req", "-e", "r/v", "-m", "x", "-v", "-W", "10",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "r/v pong:x\n");
    b.rt.block_on(answered).unwrap();
}

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
