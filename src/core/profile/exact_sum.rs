//! Exact summation of f64 values, for a correctly rounded mean.

/// The mean of `values`, equal to the exact rational mean correctly rounded to f64 (what
/// Python's `statistics.mean` returns for floats). NaN values are skipped. None when no
/// value is left; NaN or ±inf when the data holds infinities.
pub fn exact_mean(values: &[f64]) -> Option<f64> {
    let mut acc = ExactSum::new();
    for &x in values {
        acc.add(x);
    }
    acc.mean()
}

/// An exact sum of f64 values in a fixed-point "superaccumulator": every finite double is
/// an integer multiple of 2^-1074, so the sum is one big integer in base 2^32 digits, kept
/// carry-save in i64 limbs (each limb absorbs 2^30 additions before carries must move).
/// Hand-written because the mean must be the exact sum divided by n with a single rounding
/// (bit-identical to Python's fractions), which fsum-style crates, returning an already
/// rounded sum, cannot give; and because it costs a few integer operations per value, far
/// less than Shewchuk's partials on long columns.
#[derive(Debug, Clone)]
pub(crate) struct ExactSum {
    limbs: [i64; LIMBS],
    count: u64,
    since_normalise: u32,
    pos_inf: bool,
    neg_inf: bool,
}

/// Digits needed: positions 0..=2045 for the lowest bit of a double (2^-1074 .. 2^971), plus
/// 85 bits for a shifted mantissa, plus headroom for carries of up to 2^64 additions.
const LIMBS: usize = 72;

impl ExactSum {
    pub(crate) fn new() -> ExactSum {
        ExactSum {
            limbs: [0; LIMBS],
            count: 0,
            since_normalise: 0,
            pos_inf: false,
            neg_inf: false,
        }
    }

    /// A finite nonzero `x` as `m * 2^(pos - 1074)` (pos >= 0) with its sign. Infinities
    /// are recorded in the flags; they and zeros give None (nothing to add to the limbs).
    #[inline]
    fn decompose(&mut self, x: f64) -> Option<(u64, usize, bool)> {
        let bits = x.to_bits();
        let biased = ((bits >> 52) & 0x7FF) as usize;
        let frac = bits & ((1u64 << 52) - 1);
        if biased == 0x7FF {
            if x > 0.0 {
                self.pos_inf = true;
            } else {
                self.neg_inf = true;
            }
            return None;
        }
        let (m, pos) = if biased == 0 {
            (frac, 0)
        } else {
            (frac | (1u64 << 52), biased - 1)
        };
        (m != 0).then_some((m, pos, bits >> 63 == 1))
    }

    /// Adds a value; NaN is skipped (it marks a missing cell).
    #[inline]
    pub(crate) fn add(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.count += 1;
        let Some((m, pos, negative)) = self.decompose(x) else {
            return;
        };
        let (k, shift) = (pos / 32, pos % 32);
        let v = (m as u128) << shift;
        let parts = [
            (v & 0xFFFF_FFFF) as i64,
            ((v >> 32) & 0xFFFF_FFFF) as i64,
            (v >> 64) as i64,
        ];
        if !negative {
            self.limbs[k] += parts[0];
            self.limbs[k + 1] += parts[1];
            self.limbs[k + 2] += parts[2];
        } else {
            self.limbs[k] -= parts[0];
            self.limbs[k + 1] -= parts[1];
            self.limbs[k + 2] -= parts[2];
        }
        self.since_normalise += 1;
        if self.since_normalise >= 1 << 30 {
            self.normalise();
        }
    }

    /// Adds `n` copies of a value at the cost of one addition (NaN is skipped): the product
    /// of mantissa and count is exact in 117 bits and goes in as 32-bit pieces.
    pub(crate) fn add_n(&mut self, x: f64, n: u64) {
        if x.is_nan() || n == 0 {
            return;
        }
        self.count += n;
        let Some((m, pos, negative)) = self.decompose(x) else {
            return;
        };
        let (k, shift) = (pos / 32, pos % 32);
        let v = m as u128 * n as u128;
        for i in 0..4 {
            // Each piece shifted stays below 2^63 and splits over two limbs, so every limb
            // still receives values below 2^32, at most two per call.
            let w = (((v >> (32 * i)) & 0xFFFF_FFFF) as u64) << shift;
            let (lo, hi) = ((w & 0xFFFF_FFFF) as i64, (w >> 32) as i64);
            if !negative {
                self.limbs[k + i] += lo;
                self.limbs[k + i + 1] += hi;
            } else {
                self.limbs[k + i] -= lo;
                self.limbs[k + i + 1] -= hi;
            }
        }
        self.since_normalise += 2;
        if self.since_normalise >= 1 << 30 {
            self.normalise();
        }
    }

    /// Moves carries up so every limb but the top is in 0..2^32.
    pub(crate) fn normalise(&mut self) {
        for k in 0..LIMBS - 1 {
            let carry = self.limbs[k] >> 32;
            self.limbs[k] -= carry << 32;
            self.limbs[k + 1] += carry;
        }
        self.since_normalise = 0;
    }

    /// The exact sum divided by the count, rounded to nearest, ties to even.
    pub(crate) fn mean(mut self) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        if self.pos_inf || self.neg_inf {
            return Some(match (self.pos_inf, self.neg_inf) {
                (true, true) => f64::NAN,
                (true, false) => f64::INFINITY,
                _ => f64::NEG_INFINITY,
            });
        }
        self.normalise();
        let negative = self.limbs[LIMBS - 1] < 0;
        // Magnitude as base-2^32 digits, least significant first.
        let mut digits = [0u64; LIMBS];
        if negative {
            // Two's complement negation across the digits.
            let mut carry = 1u64;
            for (d, &limb) in digits.iter_mut().zip(&self.limbs) {
                let v = (!(limb as u64) & 0xFFFF_FFFF) + carry;
                *d = v & 0xFFFF_FFFF;
                carry = v >> 32;
            }
        } else {
            for (d, &limb) in digits.iter_mut().zip(&self.limbs) {
                *d = limb as u64;
            }
        }
        // Long division by n from the top digit down.
        let n = self.count as u128;
        let mut rem: u128 = 0;
        let mut q = [0u64; LIMBS];
        for k in (0..LIMBS).rev() {
            let cur = (rem << 32) | digits[k] as u128;
            q[k] = (cur / n) as u64;
            rem = cur % n;
        }
        let Some(top) = (0..LIMBS).rev().find(|&k| q[k] != 0) else {
            // |mean| < 2^-1074: rounds to 0 or to the smallest subnormal.
            let up = 2 * rem > n; // a tie goes to 0, the even neighbour
            let v = if up { f64::from_bits(1) } else { 0.0 };
            return Some(if negative { -v } else { v });
        };
        let lo = top.saturating_sub(2);
        let mut window: u128 = 0;
        for k in (lo..=top).rev() {
            window = (window << 32) | q[k] as u128;
        }
        let lower_nonzero = q[..lo].iter().any(|&d| d != 0);
        let bits = 128 - window.leading_zeros() as usize;
        let (mant, exp) = if bits <= 53 {
            // The whole quotient fits: round on the remainder alone.
            let twice = 2 * rem;
            let up = twice > n || (twice == n && window & 1 == 1);
            (window + up as u128, -1074i32)
        } else {
            let drop = bits - 53;
            let m = window >> drop;
            let half = (window >> (drop - 1)) & 1 == 1;
            let sticky = window & ((1u128 << (drop - 1)) - 1) != 0 || lower_nonzero || rem != 0;
            let up = half && (sticky || m & 1 == 1);
            (m + up as u128, 32 * lo as i32 - 1074 + drop as i32)
        };
        let v = ldexp(mant as f64, exp);
        Some(if negative { -v } else { v })
    }
}

/// x * 2^e for an integer-valued x below 2^54, exact whenever the result is representable.
fn ldexp(x: f64, e: i32) -> f64 {
    // Two steps keep each power of two a normal double.
    let (e1, e2) = (e / 2, e - e / 2);
    let p = |k: i32| f64::from_bits(((k + 1023) as u64) << 52);
    x * p(e1) * p(e2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rng::SplitMix64;

    #[test]
    fn adding_n_copies_at_once_equals_adding_them_one_by_one() {
        let mut rng = SplitMix64::new(11);
        for _ in 0..300 {
            let (mut one, mut many) = (ExactSum::new(), ExactSum::new());
            for _ in 0..1 + rng.below(6) {
                let x = match rng.below(4) {
                    0 => (rng.normal() * 1e6).round() / 100.0,
                    1 => rng.normal() * 1e-300,
                    2 => -rng.next_f64() * 1e300,
                    _ => f64::from_bits(rng.below(1 << 52)),
                };
                let n = rng.below(400);
                for _ in 0..n {
                    one.add(x);
                }
                many.add_n(x, n);
            }
            assert_eq!(one.count, many.count);
            assert_eq!(one.mean().map(f64::to_bits), many.mean().map(f64::to_bits));
        }
    }
}
