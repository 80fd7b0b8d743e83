//! Codec benchmarks (placeholder replaced below).
fn main() {}
