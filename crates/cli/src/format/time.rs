//! The `@` time codes: strftime conversions, and `@N` for nanoseconds.

use std::fmt::Write as _;

use chrono::{DateTime, Local, Timelike};

use super::Bytes;

/// An `@` code: strftime's `%c`, or `N` for the nanoseconds.
pub(super) fn time_code(out: &mut Vec<u8>, code: char, now: &DateTime<Local>) {
    if code == 'N' {
        let _ = write!(Bytes(out), "{:09}", now.nanosecond() % 1_000_000_000);
        return;
    }
    let spec = format!("%{code}");
    let items = chrono::format::StrftimeItems::new(&spec);
    let mut text = String::new();
    if write!(text, "{}", now.format_with_items(items)).is_ok() {
        out.extend_from_slice(text.as_bytes());
    } else {
        // Like C's strftime with an unknown conversion: the code itself.
        out.extend_from_slice(spec.as_bytes());
    }
}
