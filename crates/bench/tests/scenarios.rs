#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

//! Every scenario against an in-process Midge broker: exact counts, no loss in
//! a closed loop.

use clap::Parser;
use midge_bench::{BenchArgs, Report};
use midge_testkit::TestBroker;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: BenchArgs,
}

async fn bench(broker: &TestBroker, argv: &[&str]) -> Report {
    let port = broker.addr.port().to_string();
    let mut full = vec!["bench", "--host", "127.0.0.1", "-p", &port];
    full.extend_from_slice(argv);
    let cli = Cli::try_parse_from(full).unwrap();
    midge_bench::run(&cli.args, false).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanin_qos1_closed_loop_loses_nothing() {
    let broker = TestBroker::start().await;
    let r = bench(
        &broker,
        &["fanin", "-c", "4", "-q", "1", "-d", "1", "-w", "500"],
    )
    .await;
    assert!(r.published > 100, "{r}");
    assert_eq!(r.expected, r.published);
    assert_eq!(r.lost, 0, "{r}");
    assert_eq!(r.duplicates, 0, "{r}");
    assert_eq!(r.reordered, 0, "{r}");
    assert_eq!(r.acknowledged, r.published);
    assert!(r.latency.samples > 0);
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_qos0_counts_every_subscriber() {
    let broker = TestBroker::start().await;
    let r = bench(
        &broker,
        &["fanout", "-c", "8", "-d", "1", "-w", "2000", "-V", "5"],
    )
    .await;
    assert_eq!(r.subscribers, 8);
    assert_eq!(r.expected, r.published * 8, "{r}");
    assert_eq!(r.lost, 0, "{r}");
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairs_qos2_rate_limited() {
    let broker = TestBroker::start().await;
    let r = bench(
        &broker,
        &["pairs", "-c", "4", "-q", "2", "-d", "1", "-r", "400"],
    )
    .await;
    // 400 msg/s for 1 s over 4 publishers.
    assert!((300..=500).contains(&r.published), "{r}");
    assert_eq!(r.lost, 0, "{r}");
    assert_eq!(r.duplicates, 0, "{r}");
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conn_and_retained() {
    let broker = TestBroker::start().await;
    let r = bench(&broker, &["conn", "-c", "200", "-d", "0.2"]).await;
    assert_eq!(r.connections, 200);
    let r = bench(&broker, &["retained", "--count", "500", "-d", "1"]).await;
    assert_eq!(r.delivered, 500, "{r}");
    assert_eq!(r.lost, 0);
    // The clean-up publishes are processed after the run returns.
    for _ in 0..100 {
        if broker.shared().retained.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(broker.shared().retained.len(), 0, "cleaned up");
    broker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_report_serializes() {
    let broker = TestBroker::start().await;
    let r = bench(&broker, &["pub", "-d", "0.3"]).await;
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["scenario"], "pub");
    assert!(json["published"].as_u64().unwrap() > 0);
    broker.stop().await;
}
