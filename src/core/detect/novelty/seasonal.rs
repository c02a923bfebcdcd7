//! The seasonal view: a value against the same phase of earlier cycles.
//!
//! The metric's dominant period is found in steps (points, never stream time) from the
//! autocorrelation of its recent values, rechecked every `check_every` points. The residual
//! of a value is its difference from the median of the values one, two, … `cycles` periods
//! back, ranked among the recent residuals ([`TailWindow`]): a value ordinary for the metric
//! but not for this phase of its cycle (a daily peak that does not come) is rare here while
//! the range view sees nothing.

use serde::{Deserialize, Serialize};

use crate::core::detect::tail::TailWindow;
use crate::core::forecast::acf::{autocorrelation, detrend, dominant_lag, lagged};

/// A period changes only when the new one differs by more than this share…
const PERIOD_TOLERANCE: f64 = 0.03;
/// … and its autocorrelation beats the current one's by this much.
const SWITCH_MARGIN: f64 = 0.1;
/// Values the period detection looks at.
const DETECT_SPAN: usize = 4096;
/// Blocks the coarse autocorrelation scan works on at most.
const COARSE: usize = 512;
/// Autocorrelation a period's peak must reach.
const MIN_PEAK: f64 = 0.2;
/// Shortest period used, in steps.
const MIN_PERIOD: f64 = 8.0;
/// Earlier cycles compared with at most.
const MAX_CYCLES: usize = 16;

/// State of the seasonal view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Seasonal {
    cycles: usize,
    check_every: usize,
    warm: usize,
    period: Option<f64>,
    /// Autocorrelation at the period when last checked.
    strength: f64,
    resid: TailWindow,
}

/// One judgement of the seasonal view.
pub(super) struct SeasonalVerdict {
    /// `−log10` of the residual's two-sided tail probability.
    pub surprise: f64,
    /// The residual in `scale`s.
    pub distance: f64,
    /// Residuals the calibration held.
    pub held: usize,
    /// Autocorrelation at the period.
    pub strength: f64,
}

impl Seasonal {
    /// A view comparing with `cycles` earlier cycles, rechecking the period every
    /// `check_every` points, calibrating on the last `cap` residuals once it holds `warm`.
    pub(super) fn new(cycles: usize, check_every: usize, cap: usize, warm: usize) -> Self {
        Seasonal {
            cycles: cycles.clamp(1, MAX_CYCLES),
            check_every: check_every.max(1),
            warm,
            period: None,
            strength: 0.0,
            resid: TailWindow::new(cap),
        }
    }

    /// The period in use, in steps.
    pub(super) fn period(&self) -> Option<f64> {
        self.period
    }

    /// Judges `x` against `hist` (the values before it, newest last; `n` values seen so
    /// far), then learns its residuals. None until the view has a period and `warm`
    /// residuals (and while `judge` is false).
    pub(super) fn judge(
        &mut self,
        hist: &TailWindow,
        n: usize,
        x: f64,
        scale: f64,
        judge: bool,
    ) -> Option<SeasonalVerdict> {
        // Checks at 256, 512, … points until `check_every`, then every `check_every`.
        let due = if n < self.check_every {
            n >= 256 && n.is_power_of_two()
        } else {
            n % self.check_every == 0
        };
        if due {
            self.check_period(hist);
        }
        let p = self.period?;
        let e = residual(hist, x, p, self.cycles)?;
        let out = (judge && self.resid.len() >= self.warm).then(|| SeasonalVerdict {
            surprise: self.resid.surprise(e),
            distance: e / scale,
            held: self.resid.len(),
            strength: self.strength,
        });
        self.resid.push(e);
        out
    }

    /// Looks for the period on the recent values; keeps the current one unless a clearly
    /// stronger, different one shows.
    fn check_period(&mut self, hist: &TailWindow) {
        let m = hist.len().min(DETECT_SPAN);
        if m < 64 {
            return;
        }
        let values = hist.recent_values(m);
        let y = prepared(&values);
        if y.is_empty() {
            return;
        }
        let current = self.period.map(|p| acf_at(&y, p.round() as usize));
        self.strength = current.unwrap_or(0.0);
        let Some((p, r)) = find_period(&y).filter(|&(p, _)| p >= MIN_PERIOD) else {
            return;
        };
        let switch = match (self.period, current) {
            (Some(old), Some(r_old)) => {
                (p - old).abs() > PERIOD_TOLERANCE * old && r > r_old + SWITCH_MARGIN
            }
            _ => true,
        };
        if switch {
            if self.period.is_none() {
                self.resid.clear();
            }
            self.period = Some(p);
            self.strength = r;
        }
    }
}

/// `x` less the median of the values one, two, … `cycles` periods `p` back in `hist`.
fn residual(hist: &TailWindow, x: f64, p: f64, cycles: usize) -> Option<f64> {
    let mut refs = [0.0; MAX_CYCLES];
    let mut k = 0;
    for c in 1..=cycles.min(MAX_CYCLES) {
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
    Some(x - med)
}

/// `v` clipped to its 1st–99th percentiles and detrended; empty when constant. Clipping
/// keeps spikes from faking or hiding a cycle without the median-absolute-deviation rule's
/// flaw: on a two-level series (a daily square wave) that rule clips the upper level away.
fn prepared(v: &[f64]) -> Vec<f64> {
    let m = v.len();
    if m == 0 {
        return Vec::new();
    }
    let mut s = v.to_vec();
    let lo = *s.select_nth_unstable_by(m / 100, f64::total_cmp).1;
    let hi = *s.select_nth_unstable_by(m - 1 - m / 100, f64::total_cmp).1;
    if !(hi > lo) {
        return Vec::new();
    }
    let c: Vec<f64> = v.iter().map(|x| x.clamp(lo, hi)).collect();
    detrend(&c)
}

/// Autocorrelation of prepared values `y` at `lag` (0 when out of reach).
fn acf_at(y: &[f64], lag: usize) -> f64 {
    let var: f64 = y.iter().map(|x| x * x).sum();
    if lag == 0 || lag >= y.len() || !(var > 0.0) {
        return 0.0;
    }
    lagged(y, lag) / var
}

/// The dominant period of prepared values `y` in steps and its autocorrelation, or None.
/// The values are averaged in blocks so at most [`COARSE`] remain, and the blocks'
/// autocorrelation is scanned for its highest peak after the first dip below zero (taking
/// the first peak within 85% of it, so a multiple of the period does not win); the lag is
/// then refined at full resolution.
fn find_period(y: &[f64]) -> Option<(f64, f64)> {
    let m = y.len();
    if m < 32 {
        return None;
    }
    let b = m.div_ceil(COARSE);
    let mb = m / b;
    let blocks: Vec<f64> = (0..mb)
        .map(|i| y[i * b..(i + 1) * b].iter().sum::<f64>() / b as f64)
        .collect();
    let acf = autocorrelation(&blocks, mb / 2);
    let (lag, _) = dominant_lag(&acf, MIN_PEAK)?;
    // Climb the full-resolution autocorrelation from the coarse lag, within a block of it.
    let (from, to) = ((lag * b).saturating_sub(b).max(2), (lag * b + b).min(m / 2));
    let var: f64 = y.iter().map(|x| x * x).sum();
    let at = |l: usize| lagged(y, l) / var;
    let mut best_l = (lag * b).clamp(from, to);
    let mut best_r = at(best_l);
    for step in [-1_isize, 1] {
        loop {
            let l = best_l as isize + step;
            if l < from as isize || l > to as isize {
                break;
            }
            let r = at(l as usize);
            if r <= best_r {
                break;
            }
            (best_l, best_r) = (l as usize, r);
        }
    }
    Some((best_l as f64, best_r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_noisy_square_wave_has_its_period() {
        // Two levels, as a daily on/off load: the upper level must not be clipped away.
        let mut x = 0.7_f64;
        let v: Vec<f64> = (0..3000)
            .map(|i| {
                x = (x * 3.9 * (1.0 - x)).clamp(0.01, 0.99);
                (if (i % 288) < 144 { 20.0 } else { 80.0 }) + 5.0 * (x - 0.5)
            })
            .collect();
        let (p, r) = find_period(&prepared(&v)).unwrap();
        assert_eq!(p, 288.0);
        assert!(r > 0.5, "{r}");
    }

    #[test]
    fn noise_has_no_period() {
        let mut x = 0.3_f64;
        let v: Vec<f64> = (0..3000)
            .map(|_| {
                x = (x * 3.99 * (1.0 - x)).clamp(0.001, 0.999);
                x
            })
            .collect();
        assert_eq!(find_period(&prepared(&v)), None);
    }
}
