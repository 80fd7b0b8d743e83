//! Random numbers: the random client id of MQTT 3.1, and a small generator.

/// A random client id for MQTT 3.1, which needs one (at most 23 characters).
pub(super) fn random_client_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = Rng::new();
    let tail: String = (0..17)
        .map(|_| {
            let i = usize::try_from(rng.next() % ALPHABET.len() as u64).unwrap_or(0);
            ALPHABET.get(i).map_or('x', |&b| char::from(b))
        })
        .collect();
    format!("midge-{tail}")
}

/// A small non-cryptographic random generator (xorshift64*), seeded from the
/// clock and the process id.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator seeded from the time and process id.
    pub(crate) fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let seed = (nanos as u64)
            ^ (u64::from(std::process::id()) << 32)
            ^ call.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Self(seed | 1)
    }

    /// The next number.
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_fit_mqtt_3_1() {
        let id = random_client_id();
        assert_eq!(id.len(), 23);
        assert_ne!(id, random_client_id());
    }
}
