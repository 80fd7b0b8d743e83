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

mod errors;
mod formats;
mod mosquitto_cross;
mod request_response;
mod round_trips;
mod subscriber_options;
