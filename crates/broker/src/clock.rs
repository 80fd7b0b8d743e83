//! The broker's one clock read. It goes through tokio's clock so tests can
//! pause and advance time (`tokio::time::pause`) and every deadline — keep
//! alive, message expiry, will delay, session expiry — moves with it.

use std::time::Instant;

/// The current time.
pub fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}
