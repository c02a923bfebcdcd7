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
    /// The figures as they stood at the raise, at the end of each bin the alert was open
    /// in and at its stop (the engine records them, see [`Alert::record`]), so what an
    /// incident folds from them depends on the events alone, not on how often a page
    /// looked. Empty for an alert made outside the engine.
    pub samples: Vec<AlertSample>,
}

/// An alert's figures at one stream second.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AlertSample {
    /// Stream second the figures were read.
    pub at_s: i64,
    /// As [`Alert::value`].
    pub value: f64,
    /// As [`Alert::ci_low`].
    pub ci_low: Option<f64>,
    /// As [`Alert::candidate_count`].
    pub candidate_count: u64,
}

impl AlertSample {
    /// The figure a severity rule compares with its ratio bar: the lower bound, else the
    /// ratio.
    pub fn evidence(&self) -> f64 {
        self.ci_low.unwrap_or(self.value)
    }
}

/// Most samples an alert keeps; past it, neighbours are merged keeping the stronger
/// evidence (an alert open for a day of 1 s bins must not grow a checkpoint without
/// bound, and the strongest reading is what a severity is decided on).
pub const MAX_ALERT_SAMPLES: usize = 512;

impl Alert {
    /// The figures now, dated `at_s`.
    pub fn figures(&self, at_s: i64) -> AlertSample {
        AlertSample {
            at_s,
            value: self.value,
            ci_low: self.ci_low,
            candidate_count: self.candidate_count,
        }
    }

    /// Keeps the figures now, dated `at_s`, unless they equal the last kept ones (a quiet
    /// bin adds nothing).
    pub fn record(&mut self, at_s: i64) {
        let now = self.figures(at_s);
        let same = |s: &AlertSample| {
            s.value == now.value
                && s.ci_low == now.ci_low
                && s.candidate_count == now.candidate_count
        };
        match self.samples.last_mut() {
            Some(last) if same(last) => return,
            Some(last) if last.at_s >= at_s => {
                *last = now;
                return;
            }
            _ => {}
        }
        if self.samples.len() >= MAX_ALERT_SAMPLES {
            // The raise stays first; later pairs keep their stronger reading.
            let first = self.samples[0];
            let thinned: Vec<AlertSample> = std::iter::once(first)
                .chain(self.samples[1..].chunks(2).map(|p| {
                    p.iter().copied().fold(p[0], |best, q| {
                        if q.evidence() > best.evidence() {
                            q
                        } else {
                            best
                        }
                    })
                }))
                .collect();
            self.samples = thinned;
        }
        self.samples.push(now);
    }

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
