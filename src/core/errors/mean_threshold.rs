//! `mean-threshold`, the original rule: at the end of every bin, the mean over the last k
//! closed bins of the per-bin candidate/baseline ratio is compared with a threshold. It has
//! no false-alarm control; it is kept because its output format is the original one.

use serde::{Deserialize, Serialize};

use super::aggregate::Bin;
use super::alerts::{Alert, Method};

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
                            samples: Vec::new(),
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
