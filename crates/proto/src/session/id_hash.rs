//! Hashing of Packet Identifiers for the per-session tables.
//!
//! The keys are 16-bit integers and the tables are small (bounded by the
//! Receive Maximum), so collision flooding is not a concern; SipHash would be
//! most of the cost of an acknowledgement. Fibonacci hashing spreads
//! consecutive identifiers over the table's high bits, which hashbrown uses.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A hasher for `u16` keys.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u16(&mut self, n: u16) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A map keyed by Packet Identifier.
pub(crate) type IdMap<V> = HashMap<u16, V, BuildHasherDefault<IdHasher>>;
/// A set of Packet Identifiers.
pub(crate) type IdSet = HashSet<u16, BuildHasherDefault<IdHasher>>;
