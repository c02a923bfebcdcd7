//! The seasonal view: a value against the same phase of earlier cycles.
//!
//! The metric's dominant period is found in steps (points, never stream time) by
//! [`crate::core::forecast::detect_period`] on its recent values, rechecked now and then. The
//! residual of a value is its difference from the median of the values one, two, … `cycles`
//! periods back; residuals are ranked among the recent residuals ([`TailWindow`]), so a
//! value ordinary for the metric but not for this phase of its cycle (a daily peak that
//! does not come) is rare here while the range view sees nothing.

use serde::{Deserialize, Serialize};

use super::tail::TailWindow;

/// A period changes only when the new one differs by more than this share.
const PERIOD_TOLERANCE: f64 = 0.03;
/// Values the period detection looks at.
const DETECT_SPAN: usize = 4096;
/// Blocks the coarse autocorrelation scan works on at most.
const COARSE: usize = 512;
/// Autocorrelation a period's peak must reach.
const MIN_PEAK: f64 = 0.2;
/// A new period replaces the current one when its autocorrelation is higher by this much.
const SWITCH_MARGIN: f64 = 0.1;
/// Shortest period used, in steps.
const MIN_PERIOD: f64 = 8.0;

/// State of the seasonal view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seasonal {
    cycles: usize,
    check_every: usize,
    warm: usize,
    period: Option<f64>,
    resid: TailWindow,
    /// Residuals since the period was set.
    since: usize,
    /// Autocorrelation at the period when last checked.
    strength: f64,
    reset_on_switch: bool,
}

impl Seasonal {
    /// A view comparing with `cycles` earlier cycles, rechecking the period every
    /// `check_every` points, calibrating on the last `cap` residuals once it has `warm`.
    pub fn new(cycles: usize, check_every: usize, cap: usize, warm: usize, reset_on_switch: bool) -> Self {
        Seasonal {
            cycles: cycles.max(1),
            check_every: check_every.max(1),
            warm,
            period: None,
            resid: TailWindow::new(cap),
            since: 0,
            strength: 0.0,
            reset_on_switch: false,
        }
    }

    /// Residuals the calibration holds.
    pub fn calibrated(&self) -> usize {
        self.resid.len()
    }

    /// The period in use, in steps.
    pub fn period(&self) -> Option<f64> {
        self.period
    }

    /// Judges `x` against `hist` (the values before it, newest last; `n` values seen so
    /// far), then learns its residual. Returns (surprise, residual in `scale`s) once the
    /// view has a period and enough residuals.
    pub fn judge(&mut self, hist: &TailWindow, n: usize, x: f64, scale: f64, judge: bool) -> Option<(f64, f64)> {
        if n > 0 && n % self.check_every == 0 {
            self.check_period(hist);
        }
        let p = self.period?;
        let mut refs = [0.0; 16];
        let mut k = 0;
        for c in 1..=self.cycles.min(refs.len()) {
            let back = (c as f64 * p).round() as usize;
            match back.checked_sub(1).and_then(|b| hist.recent(b)) {
                Some(v) => {
                    refs[k] = v;
                    k += 1;
                }
                None => break,
            }
        }
        if k == 0 {
            return None;
        }
        let refs = &mut refs[..k];
        refs.sort_by(f64::total_cmp);
        let med = if k % 2 == 1 {
            refs[k / 2]
        } else {
            0.5 * (refs[k / 2 - 1] + refs[k / 2])
        };
        let e = x - med;
        let out = (judge && self.since >= self.warm).then(|| (self.resid.surprise(e), e / scale));
        self.resid.push(e);
        self.since += 1;
        out
    }

    fn check_period(&mut self, hist: &TailWindow) {
        let m = hist.len().min(DETECT_SPAN);
        if m < 64 {
            return;
        }
        let values: Vec<f64> = (0..m).rev().filter_map(|b| hist.recent(b)).collect();
        let found = find_period(&values).filter(|&(p, _)| p >= MIN_PERIOD);
        // The current period's strength on the same values.
        let current = self.period.map(|p| acf_at(&values, p.round() as usize));
        self.strength = current.unwrap_or(0.0);
        let Some((p, r)) = found else {
            return;
        };
        let switch = match (self.period, current) {
            (Some(old), Some(r_old)) => {
                (p - old).abs() > PERIOD_TOLERANCE * old && r > r_old + SWITCH_MARGIN
            }
            _ => true,
        };
        if switch {
            let first = self.period.is_none();
            self.period = Some(p);
            self.strength = r;
            if first || self.reset_on_switch {
                self.resid.clear();
                self.since = 0;
            }
        }
    }

    /// Autocorrelation at the period when last checked.
    pub fn strength(&self) -> f64 {
        self.strength
    }
}

/// Autocorrelation of `v` (clipped and detrended as for detection) at `lag`.
fn acf_at(v: &[f64], lag: usize) -> f64 {
    let y = prepared(v);
    let m = y.len();
    if lag == 0 || lag >= m {
        return 0.0;
    }
    let var: f64 = y.iter().map(|x| x * x).sum();
    if !(var > 0.0) {
        return 0.0;
    }
    y[..m - lag].iter().zip(&y[lag..]).map(|(a, b)| a * b).sum::<f64>() / var
}

/// `v` clipped to its 1st–99th percentiles and detrended (empty when constant).
fn prepared(v: &[f64]) -> Vec<f64> {
    let m = v.len();
    if m == 0 {
        return Vec::new();
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let (lo, hi) = (s[m / 100], s[m - 1 - m / 100]);
    if !(hi > lo) {
        return Vec::new();
    }
    let c: Vec<f64> = v.iter().map(|x| x.clamp(lo, hi)).collect();
    detrended(&c)
}

/// The dominant period of `v` in steps, or None. The values are clipped to their 1st–99th
/// percentiles (spikes would fake or hide a cycle; a median-absolute-deviation rule would
/// clip the upper level of a two-level series), detrended, averaged in blocks so at most
/// [`COARSE`] remain, and the blocks' autocorrelation is scanned for the highest peak after
/// its first dip below zero (the first peak within 85% of it, so a multiple of the period
/// does not win). The lag is then refined at full resolution.
pub(crate) fn find_period(v: &[f64]) -> Option<(f64, f64)> {
    let m = v.len();
    if m < 32 {
        return None;
    }
    let y = prepared(v);
    if y.is_empty() {
        return None;
    }
    let b = m.div_ceil(COARSE);
    let mb = m / b;
    let blocks: Vec<f64> = (0..mb).map(|i| y[i * b..(i + 1) * b].iter().sum::<f64>() / b as f64).collect();
    let acf = autocorrelation(&blocks, mb / 2);
    let first_dip = acf.iter().position(|&r| r < 0.0)?;
    let max_lag = acf.len() - 1;
    let peak = |l: usize| acf[l] > acf[l - 1] && acf[l] >= acf[l + 1];
    let (best_lag, best) = (first_dip.max(2)..max_lag)
        .filter(|&l| peak(l))
        .map(|l| (l, acf[l]))
        .fold(None, |acc: Option<(usize, f64)>, (l, r)| match acc {
            Some((_, br)) if br >= r => acc,
            _ => Some((l, r)),
        })?;
    if best < MIN_PEAK {
        return None;
    }
    let lag = (first_dip.max(2)..best_lag)
        .find(|&l| peak(l) && acf[l] >= 0.85 * best)
        .unwrap_or(best_lag);
    // Refine at full resolution around the coarse lag.
    let var: f64 = y.iter().map(|x| x * x).sum();
    if !(var > 0.0) {
        return None;
    }
    let (from, to) = ((lag * b).saturating_sub(b).max(2), (lag * b + b).min(m / 2));
    let mut best_l = lag * b;
    let mut best_r = f64::NEG_INFINITY;
    for l in from..=to {
        let r = y[..m - l].iter().zip(&y[l..]).map(|(a, b)| a * b).sum::<f64>() / var;
        if r > best_r {
            best_r = r;
            best_l = l;
        }
    }
    Some((best_l as f64, best_r))
}

/// Residuals from the least-squares line through `y`.
fn detrended(y: &[f64]) -> Vec<f64> {
    let n = y.len() as f64;
    let mx = (n - 1.0) / 2.0;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, v) in y.iter().enumerate() {
        let dx = i as f64 - mx;
        sxy += dx * (v - my);
        sxx += dx * dx;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    y.iter()
        .enumerate()
        .map(|(i, v)| v - my - slope * (i as f64 - mx))
        .collect()
}

/// Biased autocorrelation of `y` at lags 0..=max_lag (all zero for a constant).
fn autocorrelation(y: &[f64], max_lag: usize) -> Vec<f64> {
    let var: f64 = y.iter().map(|x| x * x).sum();
    (0..=max_lag)
        .map(|l| {
            if var > 0.0 {
                y[..y.len() - l].iter().zip(&y[l..]).map(|(a, b)| a * b).sum::<f64>() / var
            } else {
                0.0
            }
        })
        .collect()
}
