//! Regression detectors over aggregated error counts, both causal and incremental.
//!
//! * `rate-test` (default): per code, an always-valid mixture sequential probability ratio
//!   test on the candidate's share of the code's events. Under H0 (equal rates, equal users
//!   on both builds) the candidate's share is 1/2, so given n = a + c events, c ~ Bin(n, 1/2).
//!   The mixture likelihood ratio with a uniform Beta(1,1) prior on the share is
//!   Λ = 2^n · B(c+1, a+1); it is a nonnegative H0-martingale, so by Ville's inequality
//!   P(Λ ever ≥ 1/α_k) ≤ α_k however often it is looked at. The k-th code discovered gets
//!   α_k = α · 6/(π² k²), so the chance of any false alarm over all codes, ever, is ≤ α.
//!   An alert is raised only when c > a (a one-sided question: did the candidate get worse?).
//! * `mean-threshold` (the original rule): the mean over the last k closed bins of the
//!   per-bin candidate/baseline ratio exceeds a threshold.

use serde::{Deserialize, Serialize};

use super::aggregate::Bin;

/// Which detector made an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Always-valid mixture SPRT per code, false alarms ≤ α over all codes and looks.
    RateTest,
    /// Mean of the last k bins' candidate/baseline ratio above a threshold.
    MeanThreshold,
}

impl Method {
    /// Parse `rate-test` or `mean-threshold`.
    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "rate-test" => Some(Method::RateTest),
            "mean-threshold" => Some(Method::MeanThreshold),
            _ => None,
        }
    }
}

/// One regression alert for one code (and, for mean-threshold, one window).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Code id (index into the stream's code labels).
    pub code: u32,
    /// The detector.
    pub method: Method,
    /// Window length in bins (mean-threshold only).
    pub window_bins: Option<u32>,
    /// Stream second the alert fired (the end of the second or bin whose data crossed the bar).
    pub raised_at_s: i64,
    /// Stream second the regression is dated from (see README).
    pub start_s: i64,
    /// Stream second the alert stopped; None while it is open.
    pub stop_s: Option<i64>,
    /// rate-test: candidate/baseline rate ratio; mean-threshold: the peak window mean.
    pub value: f64,
    /// rate-test: lower end of the 95% interval of the rate ratio.
    pub ci_low: Option<f64>,
    /// rate-test: upper end of the 95% interval (None: unbounded, no baseline events).
    pub ci_high: Option<f64>,
    /// rate-test: always-valid p-value min(1, 1 / max Λ), floored at the smallest f64.
    pub p_value: Option<f64>,
    /// mean-threshold: the threshold; rate-test: the code's α_k.
    pub threshold: f64,
    /// Baseline events of the code so far (rate-test: cumulative; mean-threshold: in window).
    pub baseline_count: u64,
    /// Candidate events of the code so far.
    pub candidate_count: u64,
}

impl Alert {
    /// `open` until stopped, then `closed`.
    pub fn state(&self) -> &'static str {
        if self.stop_s.is_none() {
            "open"
        } else {
            "closed"
        }
    }
}

/// ln(k!) for integers: a table for small k and Stirling's series above, accurate to
/// ~1e-15 relative; hand-written because it is ten lines and the page needs no stats crate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct LnFactorial(Vec<f64>);

impl LnFactorial {
    const TABLE: usize = 256;

    fn new() -> Self {
        let mut t = Vec::with_capacity(Self::TABLE);
        let mut acc = 0.0f64;
        t.push(0.0);
        for k in 1..Self::TABLE {
            acc += (k as f64).ln();
            t.push(acc);
        }
        LnFactorial(t)
    }

    fn get(&self, k: u64) -> f64 {
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

/// Per-code state of the rate test.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct CodeTest {
    max_log_lambda: f64,
    excess_since: Option<i64>,
    open: Option<usize>,
}

/// The always-valid rate test over all codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateTest {
    alpha: f64,
    ln_fact: LnFactorial,
    codes: Vec<CodeTest>,
}

/// log Λ = n ln 2 + ln B(c+1, a+1) = n ln 2 + ln c! + ln a! − ln (n+1)!.
fn log_lambda(lf: &LnFactorial, a: u64, c: u64) -> f64 {
    let n = a + c;
    n as f64 * std::f64::consts::LN_2 + lf.get(c) + lf.get(a) - lf.get(n + 1)
}

/// Haldane-corrected rate ratio (c+½)/(a+½), finite when a code is new in the candidate,
/// with a 95% Wilson interval on the candidate share p mapped through p/(1−p).
pub fn rate_ratio(a: u64, c: u64) -> (f64, f64, Option<f64>) {
    let value = (c as f64 + 0.5) / (a as f64 + 0.5);
    let n = (a + c) as f64;
    if n == 0.0 {
        return (1.0, 0.0, None);
    }
    let z = 1.959_963_984_540_054_f64;
    let p = c as f64 / n;
    let denom = 1.0 + z * z / n;
    let center = (p + z * z / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    let lo = (center - half).max(0.0);
    let hi = center + half;
    let odds = |q: f64| q / (1.0 - q);
    (value, odds(lo), (hi < 1.0 - 1e-12).then(|| odds(hi)))
}

impl RateTest {
    /// A test with overall false-alarm probability `alpha`.
    pub fn new(alpha: f64) -> Self {
        RateTest {
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

/// The ratio a bin contributes for one code: c / b; with no baseline events, c as if the
/// baseline had one (a new code counts, and grows with its volume); with no events at all,
/// 1 (no evidence either way).
pub fn bin_ratio(counts: [u32; 2]) -> f64 {
    match counts {
        [0, 0] => 1.0,
        [0, c] => c as f64,
        [b, c] => c as f64 / b as f64,
    }
}

/// Per-code state of the mean-threshold rule.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct CodeMeans {
    /// The last `max window` bin ratios and counts, newest last (ring by position).
    ratios: Vec<f64>,
    counts: Vec<[u32; 2]>,
    next: usize,
    seen: usize,
    open: Vec<Option<usize>>,
}

/// The original mean-threshold rule over all codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeanThreshold {
    threshold: f64,
    windows: Vec<u32>,
    longest: usize,
    codes: Vec<CodeMeans>,
    bins_seen: usize,
}

impl MeanThreshold {
    /// The rule with a threshold and window lengths in bins (each ≥ 1).
    pub fn new(threshold: f64, windows: &[u32]) -> Self {
        let windows: Vec<u32> = windows.iter().copied().filter(|&k| k > 0).collect();
        let longest = windows.iter().copied().max().unwrap_or(1) as usize;
        MeanThreshold {
            threshold,
            windows,
            longest,
            codes: Vec::new(),
            bins_seen: 0,
        }
    }

    /// Fold one closed bin; `ncodes` is the number of code ids known so far.
    pub fn on_bin(&mut self, bin: &Bin, ncodes: usize, bin_seconds: i64, alerts: &mut Vec<Alert>) {
        let end = bin.start_s + bin_seconds;
        let nw = self.windows.len();
        let longest = self.longest;
        if self.codes.len() < ncodes {
            self.codes.resize_with(ncodes, || CodeMeans {
                ratios: vec![1.0; longest],
                counts: vec![[0, 0]; longest],
                next: 0,
                // Bins before a code first appeared had none of it: they count as empty.
                seen: 0,
                open: vec![None; nw],
            });
        }
        self.bins_seen += 1;
        let bins_seen = self.bins_seen;
        for (code, st) in self.codes.iter_mut().enumerate() {
            let counts = bin.count(code as u32);
            st.ratios[st.next] = bin_ratio(counts);
            st.counts[st.next] = counts;
            st.next = (st.next + 1) % longest;
            st.seen = bins_seen;
            for (w, &k) in self.windows.iter().enumerate() {
                let k = k as usize;
                if st.seen < k {
                    continue;
                }
                let (mut sum, mut b, mut c) = (0.0, 0u64, 0u64);
                for j in 1..=k {
                    let idx = (st.next + longest - j) % longest;
                    sum += st.ratios[idx];
                    b += st.counts[idx][0] as u64;
                    c += st.counts[idx][1] as u64;
                }
                let mean = sum / k as f64;
                let over = mean > self.threshold;
                match (st.open[w], over) {
                    (None, true) => {
                        st.open[w] = Some(alerts.len());
                        alerts.push(Alert {
                            code: code as u32,
                            method: Method::MeanThreshold,
                            window_bins: Some(k as u32),
                            raised_at_s: end,
                            start_s: end,
                            stop_s: None,
                            value: mean,
                            ci_low: None,
                            ci_high: None,
                            p_value: None,
                            threshold: self.threshold,
                            baseline_count: b,
                            candidate_count: c,
                        });
                    }
                    (Some(i), true) => {
                        let al = &mut alerts[i];
                        if mean > al.value {
                            al.value = mean;
                            al.baseline_count = b;
                            al.candidate_count = c;
                        }
                    }
                    (Some(i), false) => {
                        alerts[i].stop_s = Some(end);
                        st.open[w] = None;
                    }
                    (None, false) => {}
                }
            }
        }
    }
}
