//! Exact delivery accounting and latency: every payload starts with the
//! publisher's index, a sequence number and a send timestamp, so subscribers
//! can count loss, duplicates and reordering exactly and measure latency.

use std::collections::HashMap;
use std::time::Instant;

use bytes::{BufMut, Bytes, BytesMut};
use hdrhistogram::Histogram;

/// Bytes of the header at the start of every benchmark payload.
pub(crate) const HEADER_LEN: usize = 20;

/// Builds a payload of `size` bytes (at least [`HEADER_LEN`]).
pub(crate) fn payload(publisher: u32, seq: u64, sent_ns: u64, size: usize) -> Bytes {
    let mut b = BytesMut::with_capacity(size.max(HEADER_LEN));
    b.put_u32(publisher);
    b.put_u64(seq);
    b.put_u64(sent_ns);
    b.resize(size.max(HEADER_LEN), b'x');
    b.freeze()
}

/// The header of a benchmark payload, if it has one.
pub(crate) fn parse(payload: &[u8]) -> Option<(u32, u64, u64)> {
    let header: &[u8; HEADER_LEN] = payload.get(..HEADER_LEN)?.try_into().ok()?;
    let [a, b, c, d, rest @ ..] = *header;
    let publisher = u32::from_be_bytes([a, b, c, d]);
    let (seq, ts) = rest.split_at(8);
    let seq = u64::from_be_bytes(seq.try_into().ok()?);
    let ts = u64::from_be_bytes(ts.try_into().ok()?);
    Some((publisher, seq, ts))
}

/// Nanoseconds since `start`.
pub(crate) fn since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// What one subscriber saw from one publisher.
#[derive(Debug, Default)]
struct Track {
    seen: Vec<u64>,
    unique: u64,
    highest: Option<u64>,
    duplicates: u64,
    reordered: u64,
}

impl Track {
    /// Records `seq`; returns how many of this publisher's messages are now
    /// accounted for: the message itself plus any skipped ones, which (since
    /// a publisher's messages arrive in order) will never come.
    fn record(&mut self, seq: u64) -> u64 {
        let word = usize::try_from(seq / 64).unwrap_or(usize::MAX);
        if word >= self.seen.len() {
            self.seen
                .resize(word.saturating_add(1).max(self.seen.len() * 2), 0);
        }
        let bit = 1u64 << (seq % 64);
        if let Some(w) = self.seen.get_mut(word) {
            if *w & bit != 0 {
                self.duplicates += 1;
                return 0;
            }
            *w |= bit;
        }
        self.unique += 1;
        match self.highest {
            Some(h) if seq < h => {
                self.reordered += 1;
                0
            }
            highest => {
                self.highest = Some(seq);
                seq - highest.map_or(0, |h| h + 1) + 1
            }
        }
    }
}

/// One subscriber's counts and latencies.
#[derive(Debug)]
pub(crate) struct SubscriberStats {
    tracks: HashMap<u32, Track>,
    /// Latency histogram in microseconds.
    pub(crate) latency: Histogram<u64>,
    /// Messages without a benchmark header.
    pub(crate) foreign: u64,
    /// Messages received, duplicates included.
    pub(crate) received: u64,
}

impl SubscriberStats {
    pub(crate) fn new() -> Result<Self, crate::BenchError> {
        Ok(Self {
            tracks: HashMap::new(),
            latency: new_histogram()?,
            foreign: 0,
            received: 0,
        })
    }

    /// Records one received payload at `now_ns` (same clock as the sender's);
    /// returns how many expected deliveries it settles (see `Track::record`),
    /// so the closed-loop window is not held forever by lost messages.
    pub(crate) fn record(&mut self, payload: &[u8], now_ns: u64) -> u64 {
        self.received += 1;
        match parse(payload) {
            Some((publisher, seq, sent)) => {
                let settled = self.tracks.entry(publisher).or_default().record(seq);
                let micros = now_ns.saturating_sub(sent) / 1000;
                let _ = self.latency.record(micros.max(1));
                settled
            }
            None => {
                self.foreign += 1;
                1
            }
        }
    }

    /// Unique messages received from `publisher`.
    pub(crate) fn unique_from(&self, publisher: u32) -> u64 {
        self.tracks.get(&publisher).map_or(0, |t| t.unique)
    }

    /// Duplicates and reorderings over all publishers.
    pub(crate) fn anomalies(&self) -> (u64, u64) {
        self.tracks
            .values()
            .fold((0, 0), |(d, r), t| (d + t.duplicates, r + t.reordered))
    }
}

/// A latency histogram: 1 µs to 10 minutes, 3 significant digits.
pub(crate) fn new_histogram() -> Result<Histogram<u64>, crate::BenchError> {
    Histogram::new_with_bounds(1, 600_000_000, 3)
        .map_err(|e| crate::BenchError::new(format!("latency histogram: {e}")))
}
