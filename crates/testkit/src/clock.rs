//! Driving tokio's paused clock by hand (tests with
//! `#[tokio::test(start_paused = true)]` on an in-memory broker).

use std::time::Duration;

use tokio::time::Instant;

/// Lets every runnable task (the broker's connection tasks) run.
pub async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

/// Lets the broker process what was sent, then moves the paused clock to
/// `start + offset` by hand (no auto-advance, which a busy task would block)
/// and lets every task run. Panics if that is in the past.
pub async fn advance_to(start: Instant, offset: Duration) {
    // Whatever was sent so far is processed at the current time first.
    settle().await;
    let target = start + offset;
    let now = Instant::now();
    assert!(target >= now, "advance_to goes back in time");
    tokio::time::advance(target - now).await;
    settle().await;
}

/// Runs the future `make` builds on a fresh current-thread runtime whose
/// clock starts paused, on a thread of its own, and returns its output. A
/// watchdog on the real clock panics with `what` unless it finishes within
/// `limit`, so a hang or a livelock on the paused clock fails the test
/// instead of blocking the suite.
pub fn run_paused_with_watchdog<T, F>(
    limit: Duration,
    what: &str,
    make: impl FnOnce() -> F + Send + 'static,
) -> T
where
    F: Future<Output = T>,
    T: Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        let result = rt.block_on(make());
        let _ = tx.send(result);
    });
    rx.recv_timeout(limit).expect(what)
}
