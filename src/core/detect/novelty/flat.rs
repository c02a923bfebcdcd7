//! The flat-run view: a metric that holds one value for longer than it ever has (among its
//! last `cap` runs of equal values) is doing something it has not done before, however
//! ordinary the held value is. A stuck sensor, a service that stops reporting changes, a
//! key held down: each value of such a run is common, its length is not.
//!
//! The rule is counted in points and needs no scale: a run of repeated values that grows
//! past the longest of the last `R` completed runs is a one-in-`R + 1` event (the chance
//! that the newest of `R + 1` exchangeable runs is the longest), so its surprise is
//! `log10(R + 1)`, read once per run, at the point where it becomes the longest.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// State of the flat-run view.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct FlatRuns {
    /// The value of the current run.
    last: Option<f64>,
    /// Points in the current run.
    run: u32,
    /// Whether the current run has already become the longest (it counts once).
    crossed: bool,
    /// Completed runs so far.
    done: u64,
    /// The sliding maximum of the last `cap` completed runs' lengths: (run number, length),
    /// lengths decreasing from the front.
    longest: VecDeque<(u64, u32)>,
}

impl FlatRuns {
    /// Takes `x` (finite); returns the surprise when the run it extends becomes longer
    /// than each of the last `cap` completed runs, at least `min_len` points long, with
    /// at least `warm` runs held.
    pub(super) fn push(&mut self, x: f64, cap: usize, min_len: usize, warm: usize) -> Option<f64> {
        if self.last == Some(x) {
            self.run = self.run.saturating_add(1);
            let held = self.done.min(cap as u64);
            let record = self.longest.front().map_or(0, |r| r.1);
            if !self.crossed
                && held >= warm.max(1) as u64
                && self.run as usize >= min_len
                && self.run > record
            {
                self.crossed = true;
                return Some(((held + 1) as f64).log10());
            }
            return None;
        }
        if self.last.is_some() {
            self.close(cap);
        }
        self.last = Some(x);
        self.run = 1;
        self.crossed = false;
        None
    }

    /// Ends the current run: it joins the sliding maximum.
    fn close(&mut self, cap: usize) {
        let (k, len) = (self.done, self.run);
        while self.longest.back().is_some_and(|r| r.1 <= len) {
            self.longest.pop_back();
        }
        self.longest.push_back((k, len));
        self.done += 1;
        let first = self.done.saturating_sub(cap.max(1) as u64);
        while self.longest.front().is_some_and(|r| r.0 < first) {
            self.longest.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `runs` (value, length) and returns the points where the view fired.
    fn fire(runs: &[(f64, usize)], min_len: usize, warm: usize) -> Vec<(usize, f64)> {
        let mut f = FlatRuns::default();
        let mut out = Vec::new();
        let mut i = 0;
        for &(v, n) in runs {
            for _ in 0..n {
                if let Some(s) = f.push(v, 100, min_len, warm) {
                    out.push((i, s));
                }
                i += 1;
            }
        }
        out
    }

    #[test]
    fn a_run_longer_than_every_earlier_one_fires_once_where_it_becomes_the_longest() {
        // Twenty alternating runs of 3, then a run of 10 of the same value.
        let mut runs: Vec<(f64, usize)> = (0..20).map(|k| ((k % 2) as f64, 3)).collect();
        runs.push((5.0, 10));
        runs.push((1.0, 1));
        let got = fire(&runs, 2, 20);
        assert_eq!(got.len(), 1, "{got:?}");
        // The 4th point of the run of 5s (index 60 + 3) beats the record of 3.
        assert_eq!(got[0].0, 63);
        assert!((got[0].1 - 21f64.log10()).abs() < 1e-12);
    }

    #[test]
    fn runs_no_longer_than_the_record_and_short_runs_stay_quiet() {
        let mut runs: Vec<(f64, usize)> = (0..30).map(|k| ((k % 2) as f64, 4)).collect();
        runs.push((7.0, 4));
        assert!(fire(&runs, 2, 20).is_empty());
        // A changing series (every run one point) with one repeat: too short for min_len 3.
        let mut runs: Vec<(f64, usize)> = (0..50).map(|k| (k as f64, 1)).collect();
        runs.push((9.5, 2));
        assert!(fire(&runs, 3, 20).is_empty());
        assert_eq!(fire(&runs, 2, 20).len(), 1);
    }

    #[test]
    fn the_record_is_that_of_the_last_cap_runs() {
        // One run of 50 long ago, then 200 runs of 2: a run of 10 beats the last 100.
        let mut runs = vec![(9.0, 50)];
        runs.extend((0..200).map(|k| ((k % 2) as f64, 2)));
        runs.push((3.0, 10));
        assert_eq!(fire(&runs, 2, 20).len(), 1);
    }
}
