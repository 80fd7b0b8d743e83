#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! `midge bench` through the real binary.

use std::process::Command;

use midge_testkit::TestBroker;

fn bench(port: u16, args: &[&str]) -> std::process::Output {
    let port = port.to_string();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_midge"));
    cmd.args(["bench", "-p", &port]).args(args);
    cmd.output().expect("midge runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairs_json_summary_counts_every_message() {
    let broker = TestBroker::start().await;
    let port = broker.addr.port();
    let out = tokio::task::spawn_blocking(move || {
        bench(
            port,
            &[
                "pairs", "-c", "2", "-q", "1", "-d", "0.5", "-w", "200", "--json",
            ],
        )
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["scenario"], "pairs");
    let published = json["published"].as_u64().unwrap();
    assert!(published > 0);
    assert_eq!(json["delivered"].as_u64().unwrap(), published);
    assert_eq!(json["lost"], 0);
    assert!(json["latency"]["p99_ms"].as_f64().unwrap() > 0.0);
    broker.stop().await;
}

#[test]
fn unreachable_broker_is_a_one_line_error() {
    // Port 1 on loopback: nothing listens there.
    let out = bench(1, &["pub", "-d", "0.2"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("midge: cannot connect to 127.0.0.1:1"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn bad_arguments_are_usage_errors() {
    let out = bench(1883, &["nosuchscenario"]);
    assert!(!out.status.success());
    let out = bench(1883, &["fanin", "-q", "3"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("QoS must be 0, 1 or 2"));
}
