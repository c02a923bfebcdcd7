//! `rate-test` on cumulative evidence (the previous default, `--evidence cumulative`): per
//! code, an always-valid mixture sequential probability ratio test on the candidate's share
//! of all the code's events since the stream started. Under H0 (equal rates, equal users
//! on both builds) the candidate's share is 1/2, so given n = a + c events, c ~ Bin(n, 1/2).
//! The mixture likelihood ratio with a uniform Beta(1,1) prior on the share is
//! Λ = 2^n · B(c+1, a+1); it is a nonnegative H0-martingale, so by Ville's inequality
//! P(Λ ever ≥ 1/α_k) ≤ α_k however often it is looked at. The k-th code discovered gets
//! α_k = α · 6/(π² k²), so the chance of any false alarm over all codes, ever, is ≤ α.
//! An alert is raised only when c > a (a one-sided question: did the candidate get worse?).
//!
//! The price of that bound is speed late in a stream: a code that triples 25 minutes in must
//! first outweigh 25 minutes of balanced counts (see [`super::recent`] for the default).

use serde::{Deserialize, Serialize};

use super::alerts::{rate_ratio, Alert, Method};
use super::mixture::{log_lambda, LnFactorial};

/// Per-code state of the rate test.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct CodeTest {
    max_log_lambda: f64,
    excess_since: Option<i64>,
    open: Option<usize>,
}

/// The always-valid rate test over all codes, on the evidence since the stream started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CumulativeTest {
    alpha: f64,
    #[serde(skip)]
    ln_fact: LnFactorial,
    codes: Vec<CodeTest>,
}

impl CumulativeTest {
    /// A test with overall false-alarm probability `alpha`.
    pub fn new(alpha: f64) -> Self {
        CumulativeTest {
            alpha,
            ln_fact: LnFactorial::new(),
            codes: Vec::new(),
        }
    }

    /// α_k for the code discovered `rank`-th (0-based).
    pub fn alpha_for(&self, rank: u32) -> f64 {
        let k = rank as f64 + 1.0;
        self.alpha * 6.0 / (std::f64::consts::PI * std::f64::consts::PI * k * k)
    }

    /// Re-test `code` after its totals changed in the second ending at `now_s`.
    pub fn update(
        &mut self,
        code: u32,
        rank: u32,
        totals: [u64; 2],
        second: i64,
        alerts: &mut Vec<Alert>,
    ) {
        let i = code as usize;
        if i >= self.codes.len() {
            self.codes.resize(i + 1, CodeTest::default());
        }
        let [a, c] = totals;
        let ll = log_lambda(&self.ln_fact, a, c);
        let alpha_k = self.alpha_for(rank);
        let st = &mut self.codes[i];
        if c > a {
            st.excess_since.get_or_insert(second);
        } else {
            st.excess_since = None;
        }
        if c > a {
            st.max_log_lambda = st.max_log_lambda.max(ll);
        }
        let now = second + 1;
        // Hysteresis: an open alert holds until the evidence falls to half the bar (in log
        // space) or the candidate's excess is gone, so noise at the bar does not flap it.
        let bar = -alpha_k.ln();
        let crossed = c > a && ll >= if st.open.is_some() { bar / 2.0 } else { bar };
        // The ratio, interval and p-value are only needed while an alert is open.
        let report = |st: &CodeTest| {
            (
                (-st.max_log_lambda).exp().clamp(f64::MIN_POSITIVE, 1.0),
                rate_ratio(a, c),
            )
        };
        match (st.open, crossed) {
            (None, true) => {
                let (p_value, (value, lo, hi)) = report(st);
                st.open = Some(alerts.len());
                alerts.push(Alert {
                    code,
                    method: Method::RateTest,
                    window_bins: None,
                    raised_at_s: now,
                    start_s: st.excess_since.unwrap_or(second),
                    stop_s: None,
                    value,
                    ci_low: Some(lo),
                    ci_high: hi,
                    p_value: Some(p_value),
                    threshold: alpha_k,
                    baseline_count: a,
                    candidate_count: c,
                    samples: Vec::new(),
                });
            }
            (Some(k), still) => {
                let (p_value, (value, lo, hi)) = report(st);
                let al = &mut alerts[k];
                al.value = value;
                al.ci_low = Some(lo);
                al.ci_high = hi;
                al.p_value = Some(p_value);
                al.baseline_count = a;
                al.candidate_count = c;
                if !still {
                    al.stop_s = Some(now);
                    st.open = None;
                }
            }
            (None, false) => {}
        }
    }
}
