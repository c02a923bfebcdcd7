//! What the regression detectors report: the alert record, the rate ratio with its
//! interval, and how a code's counts read when its baseline has no events.
//!
//! The detectors themselves live beside this module:
//! * [`super::recent`]: `rate-test` on recent evidence (default), a Shiryaev–Roberts
//!   e-detector that raises a rise soon after it starts, with expected false alerts bounded
//!   by the number of tests it starts;
//! * [`super::cumulative`]: `rate-test` on the evidence since the stream started, a mixture
//!   SPRT with the probability of any false alarm bounded by α;
//! * [`super::mean_threshold`]: the original rule, the mean of the last k bins' ratio above
//!   a threshold.

use serde::{Deserialize, Serialize};

pub use super::mean_threshold::bin_ratio;

/// Which detector made an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Rate test on the candidate's share of a code's events (recent or cumulative evidence).
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
    /// rate-test: candidate/baseline rate ratio of the counts; mean-threshold: the peak
    /// window mean.
    pub value: f64,
    /// rate-test: lower end of the 95% interval of the rate ratio.
    pub ci_low: Option<f64>,
    /// rate-test: upper end of the 95% interval (None: unbounded, no baseline events).
    pub ci_high: Option<f64>,
    /// rate-test: recent evidence: 1 / peak evidence M; cumulative: the always-valid
    /// p-value min(1, 1 / max Λ). Floored at the smallest f64.
    pub p_value: Option<f64>,
    /// mean-threshold: the threshold; rate-test: the bar p_value crossed (1/A or α_k).
    pub threshold: f64,
    /// Baseline events of the code (rate-test recent: since `start_s`; cumulative: since
    /// the stream started; mean-threshold: in the window).
    pub baseline_count: u64,
    /// Candidate events of the code, counted like `baseline_count`.
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

    /// The candidate has events of the code and the baseline none: a new code, whose rate
    /// ratio says nothing but "many".
    pub fn is_new_code(&self) -> bool {
        is_new_code(self.baseline_count, self.candidate_count)
    }
}

/// A code the candidate raised and the baseline never did (over the counts given).
pub fn is_new_code(baseline: u64, candidate: u64) -> bool {
    baseline == 0 && candidate > 0
}

pub use crate::core::text::group_thousands;

/// How a new code's counts read everywhere a ratio would be shown: `new: 0 → 1,352`.
pub fn new_code_text(candidate: u64) -> String {
    format!("new: 0 → {}", group_thousands(candidate))
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
