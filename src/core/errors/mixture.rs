//! The uniform-prior mixture likelihood ratio of a binomial share, shared by both rate
//! tests: with n = a + c events of a code, under "no regression" c ~ Bin(n, ½), and
//! Λ = ∫₀¹ (2p)^c (2(1−p))^a dp = 2ⁿ · B(c+1, a+1) is a nonnegative martingale with mean 1.

/// ln(k!) for integers: a table for small k and Stirling's series above, accurate to
/// ~1e-15 relative; hand-written because it is ten lines and the page needs no stats crate.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct LnFactorial(Vec<f64>);

impl LnFactorial {
    const TABLE: usize = 256;

    pub(super) fn new() -> Self {
        let mut t = Vec::with_capacity(Self::TABLE);
        let mut acc = 0.0f64;
        t.push(0.0);
        for k in 1..Self::TABLE {
            acc += (k as f64).ln();
            t.push(acc);
        }
        LnFactorial(t)
    }

    pub(super) fn get(&self, k: u64) -> f64 {
        if (k as usize) < Self::TABLE {
            return self.0[k as usize];
        }
        let x = k as f64;
        let r = 1.0 / x;
        let r2 = r * r;
        x * x.ln() - x
            + 0.5 * (2.0 * std::f64::consts::PI * x).ln()
            + r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 / 1260.0))
    }
}

impl Default for LnFactorial {
    fn default() -> Self {
        LnFactorial::new()
    }
}

/// log Λ = n ln 2 + ln B(c+1, a+1) = n ln 2 + ln c! + ln a! − ln (n+1)!.
pub(super) fn log_lambda(lf: &LnFactorial, a: u64, c: u64) -> f64 {
    let n = a + c;
    n as f64 * std::f64::consts::LN_2 + lf.get(c) + lf.get(a) - lf.get(n + 1)
}

/// The share 6 / (π² k²) of a budget that the code discovered `rank`-th (0-based, k = rank
/// + 1) gets; the shares of all codes sum to 1.
pub(super) fn rank_share(rank: u32) -> f64 {
    let k = f64::from(rank) + 1.0;
    6.0 / (std::f64::consts::PI * std::f64::consts::PI * k * k)
}
