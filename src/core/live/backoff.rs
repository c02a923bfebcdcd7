//! Retry pacing after a failed request: exponential, capped, with a deterministic jitter so
//! many tabs polling one server do not retry in step.

use serde::{Deserialize, Serialize};

/// First wait after a failure, ms.
pub const FIRST_MS: i64 = 1_000;
/// Longest wait, ms: a server back after an outage is polled again within a minute.
pub const MAX_MS: i64 = 60_000;

/// Failures in a row and the wait before the next attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backoff {
    failures: u32,
    seed: u64,
}

impl Backoff {
    /// No failure yet; `seed` spreads the jitter (say, the page's start time).
    ///
    /// ```
    /// use pipescope::core::live::Backoff;
    /// let mut b = Backoff::new(7);
    /// let first = b.fail();
    /// assert!((750..=1_250).contains(&first));
    /// assert!(b.fail() > first);
    /// b.succeed();
    /// assert_eq!(b.failures(), 0);
    /// ```
    pub fn new(seed: u64) -> Self {
        Backoff { failures: 0, seed }
    }

    /// Counts a failure and returns how long to wait before the next attempt, ms: about
    /// 1 s, 2 s, 4 s, … up to a minute, each ±25%.
    pub fn fail(&mut self) -> i64 {
        self.failures = self.failures.saturating_add(1);
        let base = FIRST_MS
            .saturating_mul(1 << (self.failures - 1).min(16))
            .min(MAX_MS);
        // SplitMix64 of (seed, failures): a fixed spread per attempt, no global RNG.
        let mut z = self
            .seed
            .wrapping_add(u64::from(self.failures).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let unit = (z >> 11) as f64 / (1u64 << 53) as f64;
        (base as f64 * (0.75 + 0.5 * unit)).round() as i64
    }

    /// A request went through: the next failure starts from the first wait again.
    pub fn succeed(&mut self) {
        self.failures = 0;
    }

    /// Failures in a row so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_to_a_minute_and_restart_after_success() {
        let mut b = Backoff::new(42);
        let waits: Vec<i64> = (0..10).map(|_| b.fail()).collect();
        for (k, w) in waits.iter().enumerate() {
            let base = (FIRST_MS << k.min(16)).min(MAX_MS) as f64;
            assert!(
                (*w as f64) >= 0.75 * base - 1.0 && (*w as f64) <= 1.25 * base + 1.0,
                "wait {k}: {w}"
            );
        }
        assert!(waits[9] >= 45_000);
        b.succeed();
        assert!(b.fail() <= 1_250);
    }

    #[test]
    fn tabs_with_other_seeds_spread_out() {
        let a = Backoff::new(1).fail();
        let b = Backoff::new(2).fail();
        let c = Backoff::new(3).fail();
        assert!(a != b || b != c);
    }
}
