#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! `midge broker` as a process: command line, configuration errors, start-up
//! failures, serving MQTT, and signals (SIGTERM / SIGINT: graceful shutdown;
//! SIGHUP: configuration reload).

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use midge_proto::{Packet, ProtocolVersion, QoS, ReasonCode};
use midge_testkit::{TestClient, connect, publish};

const BIN: &str = env!("CARGO_BIN_EXE_midge");
/// Longest wait for the broker to start, stop or log something.
const PATIENCE: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A scratch directory under the target dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "broker_cli-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A port nothing listens on (bound and released).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `midge args` to completion (it must not keep running).
fn run(args: &[&str], cwd: &Path) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn midge");
    let deadline = Instant::now() + PATIENCE;
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "midge {args:?} still running after {PATIENCE:?}; stderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A failed start: non-zero exit, one clear error, no panic or backtrace.
fn assert_clean_failure(out: &Output) -> String {
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success(),
        "expected failure, got {:?}; stderr:\n{stderr}",
        out.status
    );
    assert!(
        out.status.code().is_some(),
        "killed by a signal: {:?}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
    assert!(!stderr.contains("stack backtrace"), "backtrace:\n{stderr}");
    assert!(
        !stderr.contains("RUST_BACKTRACE"),
        "backtrace hint:\n{stderr}"
    );
    stderr
}

/// Whether something accepts TCP connections on `addr`.
fn accepts(addr: SocketAddr) -> bool {
    std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

/// A running `midge broker`: killed (and reaped) on drop, whatever happens.
struct Running {
    child: Child,
    stderr: Arc<Mutex<String>>,
    addr: SocketAddr,
}

impl Running {
    /// Starts `midge broker args` in `cwd` and waits until `addr` accepts
    /// connections and the broker says it is ready.
    fn start(args: &[&str], cwd: &Path, addr: SocketAddr) -> Self {
        let mut child = Command::new(BIN)
            .arg("broker")
            .args(args)
            .current_dir(cwd)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn midge broker");
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().unwrap();
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let mut running = Self {
            child,
            stderr,
            addr,
        };
        let deadline = Instant::now() + PATIENCE;
        while !accepts(addr) {
            if let Some(status) = running.child.try_wait().unwrap() {
                panic!(
                    "midge broker exited early ({status:?}); stderr:\n{}",
                    running.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{addr} not accepting after {PATIENCE:?}; stderr:\n{}",
                running.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // Signal handlers are installed right after the ready line.
        running.wait_for_log("broker ready");
        std::thread::sleep(Duration::from_millis(100));
        running
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until the log contains `needle`; returns the log.
    fn wait_for_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let log = self.stderr();
            if log.contains(needle) {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "log never showed {needle:?}; stderr:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits for the process to exit.
    async fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "still running after {PATIENCE:?}; stderr:\n{}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// An MQTT 5.0 client connected (CONNACK Success) to the broker.
    async fn client_v5(&self, id: &str) -> TestClient<tokio::net::TcpStream> {
        let mut client = TestClient::tcp(self.addr).await;
        let connack = client.handshake(connect(ProtocolVersion::V5, id)).await;
        assert_eq!(connack.reason_code, ReasonCode::Success);
        client
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn localhost(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

async fn ping(client: &mut TestClient<tokio::net::TcpStream>) {
    client.send(Packet::PingReq).await;
    match client.recv().await {
        Packet::PingResp => {}
        other => panic!("expected PINGRESP, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

#[test]
fn help_lists_the_broker_command_and_its_flags() {
    let dir = Scratch::new("help");
    let out = run(&["--help"], &dir.0);
    assert!(out.status.success());
    let top = text(&out.stdout);
    for needle in ["broker", "-h, --help", "-V, --version"] {
        assert!(
            top.contains(needle),
            "`midge --help` lacks {needle:?}:\n{top}"
        );
    }

    let out = run(&["broker", "--help"], &dir.0);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for needle in [
        "-p, --port",
        "--bind",
        "-c, --config",
        "--data-dir",
        "-v, --verbose",
        "--log-level",
    ] {
        assert!(
            help.contains(needle),
            "`midge broker --help` lacks {needle:?}:\n{help}"
        );
    }
}

#[test]
fn version_prints_the_package_version() {
    let dir = Scratch::new("version");
    let out = run(&["--version"], &dir.0);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).trim(),
        format!("midge {}", env!("CARGO_PKG_VERSION"))
    );
    // Propagated to the subcommand (clap names it "midge-broker").
    let out = run(&["broker", "--version"], &dir.0);
    assert!(out.status.success());
    assert!(
        text(&out.stdout)
            .trim()
            .ends_with(&format!(" {}", env!("CARGO_PKG_VERSION"))),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn unknown_option_is_a_usage_error() {
    let dir = Scratch::new("usage");
    let out = run(&["broker", "--no-such-flag"], &dir.0);
    let stderr = assert_clean_failure(&out);
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
}

// ---------------------------------------------------------------------------
// Start-up failures
// ---------------------------------------------------------------------------

#[test]
fn config_with_unknown_key_names_file_line_and_key_and_binds_nothing() {
    let dir = Scratch::new("badkey");
    let port = free_port();
    let file = dir.path("midge.toml");
    std::fs::write(
        &file,
        format!(
            "[[listeners]]\nbind = \"127.0.0.1:{port}\"\n\n[limits]\nmax_inflight = 5\nmax_bananas = 3\n"
        ),
    )
    .unwrap();
    let data = dir.path("d");
    let out = run(
        &[
            "broker",
            "-c",
            file.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        &dir.0,
    );
    let stderr = assert_clean_failure(&out);
    let location = format!("{}:6", file.display());
    assert!(
        stderr.contains(&location),
        "stderr does not name {location}:\n{stderr}"
    );
    assert!(stderr.contains("max_bananas"), "key not named:\n{stderr}");
    assert!(!accepts(localhost(port)), "something listens on {port}");
    assert!(!stderr.contains("listening on"), "{stderr}");
}

#[test]
fn bad_bind_address_is_refused_clearly() {
    let dir = Scratch::new("badbind");
    for bad in ["nonsense", "300.1.2.3", "127.0.0.1:99999", "localhost"] {
        let out = run(
            &[
                "broker",
                "--bind",
                bad,
                "--data-dir",
                dir.path("d").to_str().unwrap(),
            ],
            &dir.0,
        );
        let stderr = assert_clean_failure(&out);
        assert!(
            stderr.contains("--bind"),
            "{bad}: option not named:\n{stderr}"
        );
        assert!(stderr.contains(bad), "{bad}: value not quoted:\n{stderr}");
        assert!(!stderr.contains("listening on"), "{stderr}");
    }
}

#[test]
fn port_in_use_fails_cleanly() {
    let dir = Scratch::new("inuse");
    let holder = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let out = run(
        &[
            "broker",
            "-p",
            &port.to_string(),
            "--data-dir",
            dir.path("d").to_str().unwrap(),
        ],
        &dir.0,
    );
    let stderr = assert_clean_failure(&out);
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}")),
        "address not named:\n{stderr}"
    );
    assert!(
        stderr.to_lowercase().contains("in use"),
        "cause not given:\n{stderr}"
    );
    drop(holder);
}

// The failure message gives the OS error once: "cannot listen on ADDR: Address
// already in use (os error 98) (...): Address already in use (os error 98)"
// repeats it (the error's Display includes its source, and `{:#}` prints the
// source chain again).
#[test]
fn port_in_use_message_states_the_cause_once() {
    let dir = Scratch::new("inuse-once");
    let holder = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let out = run(
        &[
            "broker",
            "-p",
            &port.to_string(),
            "--data-dir",
            dir.path("d").to_str().unwrap(),
        ],
        &dir.0,
    );
    let stderr = assert_clean_failure(&out).to_lowercase();
    assert_eq!(stderr.matches("in use").count(), 1, "{stderr}");
    drop(holder);
}

// ---------------------------------------------------------------------------
// Serving and signals
// ---------------------------------------------------------------------------

/// Starts a broker on a free port with `--data-dir <scratch>/d`, checks the
/// data directory was created and an MQTT 5.0 client works end to end, sends
/// `signal` and checks the client gets DISCONNECT 0x8B and the process exits 0.
async fn serve_then_stop(signal: &str) {
    let dir = Scratch::new(&format!("serve-{signal}"));
    let port = free_port();
    let data = dir.path("d");
    assert!(!data.exists());
    let mut broker = Running::start(
        &[
            "-p",
            &port.to_string(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        &dir.0,
        localhost(port),
    );
    assert!(data.is_dir(), "data dir not created");

    let mut sub = broker.client_v5("sub").await;
    sub.subscribe(1, "cli/+", QoS::AtLeastOnce).await;
    let mut publisher = broker.client_v5("pub").await;
    publisher
        .publish_complete(publish("cli/x", "hello", QoS::AtLeastOnce))
        .await;
    let p = sub.recv_publish().await;
    assert_eq!(&p.payload[..], b"hello");

    broker.signal(signal);
    let close = sub.expect_close().await;
    assert_eq!(
        close.map(|d| d.reason_code),
        Some(ReasonCode::ServerShuttingDown),
        "v5 client not told 0x8B on {signal}"
    );
    let status = broker.wait_exit().await;
    let log = broker.stderr();
    assert_eq!(
        status.code(),
        Some(0),
        "{signal}: {status:?}; stderr:\n{log}"
    );
    assert!(!log.contains("panicked"), "{log}");
    assert!(!accepts(localhost(port)), "still listening after exit");
}

#[tokio::test]
async fn sigterm_disconnects_clients_with_0x8b_and_exits_0() {
    serve_then_stop("TERM").await;
}

#[tokio::test]
async fn sigint_disconnects_clients_with_0x8b_and_exits_0() {
    serve_then_stop("INT").await;
}

fn config_text(port: u16, level: &str, data: &Path) -> String {
    format!(
        "data_dir = {data:?}\n\n[[listeners]]\nbind = \"127.0.0.1:{port}\"\n\n[log]\nlevel = \"{level}\"\n",
        data = data.to_str().unwrap()
    )
}

#[tokio::test]
async fn sighup_applies_log_level_reports_listener_change_and_keeps_serving() {
    let dir = Scratch::new("sighup");
    let port = free_port();
    let other_port = free_port();
    let data = dir.path("d");
    let file = dir.path("midge.toml");
    std::fs::write(&file, config_text(port, "info", &data)).unwrap();
    let mut broker = Running::start(&["-c", file.to_str().unwrap()], &dir.0, localhost(port));
    let mut client = broker.client_v5("steady").await;
    assert!(
        !broker.stderr().contains("DEBUG"),
        "debug output at level info"
    );

    std::fs::write(&file, config_text(other_port, "debug", &data)).unwrap();
    broker.signal("HUP");
    let log = broker.wait_for_log("SIGHUP: applied");
    let applied = log
        .lines()
        .find(|l| l.contains("SIGHUP: applied"))
        .unwrap()
        .to_owned();
    assert!(applied.contains("log.level"), "{applied}");
    let log = broker.wait_for_log("restart");
    let restart = log
        .lines()
        .find(|l| l.contains("SIGHUP") && l.contains("restart"))
        .unwrap_or_else(|| panic!("no restart notice:\n{log}"))
        .to_owned();
    assert!(restart.contains("listeners"), "{restart}");

    // Still serving on the old listener, not on the new one; the existing
    // connection is untouched.
    ping(&mut client).await;
    let _second = broker.client_v5("after-reload").await;
    assert!(
        !accepts(localhost(other_port)),
        "new listener bound without restart"
    );
    // The new level is in force: the connection above is logged at debug.
    broker.wait_for_log("after-reload");

    // A broken file on the next SIGHUP: reported, nothing changes.
    std::fs::write(&file, "[log]\nlevel = \"info\"\nbogus = 1\n").unwrap();
    broker.signal("HUP");
    broker.wait_for_log("not reloaded");
    ping(&mut client).await;

    broker.signal("TERM");
    assert_eq!(broker.wait_exit().await.code(), Some(0));
}

#[tokio::test]
async fn bind_ipv6_loopback() {
    if TcpListener::bind("[::1]:0").is_err() {
        eprintln!("skipped: no IPv6 loopback on this machine");
        return;
    }
    let dir = Scratch::new("ipv6");
    let port = TcpListener::bind("[::1]:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("[::1]:{port}").parse().unwrap();
    for args in [
        vec![
            "--bind".to_owned(),
            "::1".to_owned(),
            "-p".to_owned(),
            port.to_string(),
        ],
        vec!["--bind".to_owned(), format!("[::1]:{port}")],
    ] {
        let mut full = args.clone();
        full.push("--data-dir".to_owned());
        full.push(dir.path("d").to_str().unwrap().to_owned());
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        let mut broker = Running::start(&refs, &dir.0, addr);
        let mut client = broker.client_v5("v6").await;
        ping(&mut client).await;
        assert!(
            !accepts(localhost(port)),
            "{args:?}: also listening on IPv4"
        );
        broker.signal("TERM");
        assert_eq!(broker.wait_exit().await.code(), Some(0), "{args:?}");
    }
}
