//! Finding the dominant period of a series from its autocorrelation.
//!
//! The series is put on a regular grid (bin means, gaps filled by linear interpolation),
//! detrended by a straight line, and its biased autocorrelation is scanned for the highest
//! peak after the first dip below zero. The biased estimator (divided by n, not n − lag)
//! shrinks long lags, so a multiple of the true period never beats the period itself.

use super::acf::{autocorrelation, detrend, dominant_lag};

/// Grid points at most: the scan is O(grid × lags), so this bounds its cost (about 1 ms).
/// 1024 steps show a weekly cycle in hourly data six times over.
const MAX_GRID: usize = 1024;
/// Autocorrelation a peak must reach to count as seasonality rather than noise.
const MIN_PEAK: f64 = 0.2;

/// Periods people set by hand; a detected period within 1% of one is snapped to it.
pub(crate) const ROUND_PERIODS_S: [f64; 8] = [
    60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 86_400.0, 604_800.0,
];

/// The dominant period in seconds of `values` observed at `times_s`, or None when the
/// series shows no clear repetition (or is too short to show two cycles). Non-finite
/// pairs are skipped; times need not be sorted or evenly spaced.
pub fn detect_period(times_s: &[f64], values: &[f64]) -> Option<f64> {
    let mut pts: Vec<(f64, f64)> = times_s
        .iter()
        .zip(values)
        .filter(|(t, v)| t.is_finite() && v.is_finite())
        .map(|(&t, &v)| (t, v))
        .collect();
    if pts.len() < 8 {
        return None;
    }
    if !pts.windows(2).all(|w| w[0].0 <= w[1].0) {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let step = median_step(&pts)?;
    // Longer series: the most recent MAX_GRID steps at full resolution. Coarsening the
    // grid instead would alias away the fast cycles (a daily one in years of hourly data).
    let newest = pts[pts.len() - 1].0;
    let from = pts.partition_point(|p| p.0 < newest - step * (MAX_GRID - 1) as f64);
    let grid = regular_grid(&pts[from..], step);
    let m = grid.len();
    if m < 8 {
        return None;
    }
    // Spikes out before the line too, or they tilt it and the tilt reads as correlation.
    let detrended = winsorize(detrend(&winsorize(grid)));
    let var: f64 = detrended.iter().map(|x| x * x).sum::<f64>();
    if !(var > 0.0) {
        return None;
    }
    let max_lag = m / 2;
    let acf = autocorrelation(&detrended, max_lag);
    let (lag, _) = dominant_lag(&acf, MIN_PEAK)?;
    // Refine to a fraction of a grid step: the period whose multiples collect the most
    // autocorrelation (linearly interpolated between lags). Using every multiple that
    // fits makes the estimate sharper the more cycles the data holds, and a period of a
    // whole number of ticks, the usual case, is a candidate exactly (the first, so it
    // wins ties).
    let acf_at = |x: f64| {
        let i = x.floor() as usize;
        let f = x - i as f64;
        if i + 1 > max_lag {
            return None;
        }
        Some(acf[i] * (1.0 - f) + acf[i + 1] * f)
    };
    let mut best_lag = lag as f64;
    let mut best_score = f64::NEG_INFINITY;
    for j in (0..=40).map(|j: i32| if j % 2 == 0 { j / 2 } else { -(j + 1) / 2 }) {
        let cand = lag as f64 + j as f64 * 0.05;
        let mut score = 0.0;
        let mut k = 1.0;
        while let Some(r) = acf_at(k * cand) {
            score += r;
            k += 1.0;
        }
        if score > best_score + 1e-9 {
            best_score = score;
            best_lag = cand;
        }
    }
    let period = best_lag * step;
    Some(
        ROUND_PERIODS_S
            .iter()
            .copied()
            .find(|&p| (period - p).abs() <= 0.01 * p)
            .unwrap_or(period),
    )
}

/// Median positive spacing between consecutive times.
pub(crate) fn median_step(sorted: &[(f64, f64)]) -> Option<f64> {
    let mut d: Vec<f64> = sorted
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .filter(|&d| d > 0.0)
        .collect();
    if d.is_empty() {
        return None;
    }
    let mid = d.len() / 2;
    let (_, m, _) = d.select_nth_unstable_by(mid, f64::total_cmp);
    Some(*m)
}

/// Bin means on a grid of `step` from the first time; empty bins interpolated.
fn regular_grid(sorted: &[(f64, f64)], step: f64) -> Vec<f64> {
    let t0 = sorted[0].0;
    let m = ((sorted[sorted.len() - 1].0 - t0) / step).round() as usize + 1;
    let mut sum = vec![0.0; m];
    let mut count = vec![0u32; m];
    for &(t, v) in sorted {
        let i = (((t - t0) / step).round() as usize).min(m - 1);
        sum[i] += v;
        count[i] += 1;
    }
    let mut out: Vec<f64> = vec![f64::NAN; m];
    for i in 0..m {
        if count[i] > 0 {
            out[i] = sum[i] / count[i] as f64;
        }
    }
    let mut last: Option<usize> = None;
    for i in 0..m {
        if count[i] == 0 {
            continue;
        }
        if let Some(l) = last {
            for j in l + 1..i {
                let f = (j - l) as f64 / (i - l) as f64;
                out[j] = out[l] + f * (out[i] - out[l]);
            }
        }
        last = Some(i);
    }
    out
}

/// Centres values on their median and sets those beyond 4 robust σ to it, so a few
/// spikes can neither swamp the variance nor fake a cycle.
fn winsorize(mut v: Vec<f64>) -> Vec<f64> {
    let mut s = v.clone();
    let mid = s.len() / 2;
    let med = *s.select_nth_unstable_by(mid, f64::total_cmp).1;
    let mut dev: Vec<f64> = v.iter().map(|x| (x - med).abs()).collect();
    let mad = *dev.select_nth_unstable_by(mid, f64::total_cmp).1;
    if mad > 0.0 {
        let lim = 4.0 * 1.4826 * mad;
        for x in &mut v {
            // Set to the median (0 here), not clamped: a clamped spike still leaves a
            // bump of several σ that correlates with other spikes at random lags.
            *x = if (*x - med).abs() > lim {
                0.0
            } else {
                *x - med
            };
        }
    }
    v
}

/// Sharpens a detected period by least squares: the period, within ±2% of `period_s`,
/// whose Fourier fit of `order` harmonics (plus a line) leaves the smallest squared error.
/// Autocorrelation only resolves a period to about a grid step over the cycles it sees;
/// a few tenths of a percent off drifts the phase visibly within tens of cycles.
pub(crate) fn refine_period(sorted: &[(f64, f64)], period_s: f64, order: usize) -> f64 {
    use super::solve::{Design, NormalEq};
    // The newest 1000 points at most: the refinement runs ~30 small fits. (Not a
    // stride over all of them, which could alias the very cycle being measured.)
    let pts = &sorted[sorted.len().saturating_sub(1000)..];
    let n = pts.len();
    if n < 4 * order + 4 {
        return period_s;
    }
    let t0 = pts[0].0;
    let span = (pts[n - 1].0 - t0).max(f64::MIN_POSITIVE);
    // Clipped like the autocorrelation input: squared error is at the mercy of outliers.
    let y = winsorize(pts.iter().map(|p| p.1).collect());
    let sse = |p: f64| -> f64 {
        let mut cols = vec![
            vec![1.0; n],
            pts.iter().map(|q| (q.0 - t0) / span).collect(),
        ];
        // Harmonics by the angle-addition recurrence from one sin_cos per point: the
        // refinement runs ~30 fits, and a sin and a cos per point and harmonic were most of
        // a first fit's time (1.5 ms of 1.6 for 150 points).
        let w = 2.0 * std::f64::consts::PI / p;
        let first = cols.len();
        for _ in 0..order {
            cols.push(vec![0.0; n]);
            cols.push(vec![0.0; n]);
        }
        for (i, q) in pts.iter().enumerate() {
            let (s1, c1) = (w * (q.0 - t0)).sin_cos();
            let (mut sk, mut ck) = (s1, c1);
            for k in 0..order {
                cols[first + 2 * k][i] = ck;
                cols[first + 2 * k + 1][i] = sk;
                (sk, ck) = (sk * c1 + ck * s1, ck * c1 - sk * s1);
            }
        }
        let d = Design {
            n,
            start: vec![0; cols.len()],
            cols,
        };
        let penalty = vec![1e-9 * n as f64; d.p()];
        match NormalEq::new(&d, &y).solve(&d, &y, &vec![1.0; n], &penalty) {
            Some(beta) => d
                .apply(&beta)
                .iter()
                .zip(&y)
                .map(|(f, v)| (v - f) * (v - f))
                .sum(),
            None => f64::INFINITY,
        }
    };
    let step = 0.0025 * period_s;
    let (mut best, mut best_sse) = (period_s, sse(period_s));
    for j in (-8..=8).filter(|&j| j != 0) {
        let p = period_s + j as f64 * step;
        let e = sse(p);
        if e < best_sse {
            (best, best_sse) = (p, e);
        }
    }
    // Golden-section search between the neighbours of the best grid point.
    let (mut a, mut b) = (best - step, best + step);
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
    let (mut fc, mut fd) = (sse(c), sse(d));
    for _ in 0..12 {
        if fc < fd {
            (b, d, fd) = (d, c, fc);
            c = b - g * (b - a);
            fc = sse(c);
        } else {
            (a, c, fc) = (c, d, fd);
            d = a + g * (b - a);
            fd = sse(d);
        }
    }
    let (p, e) = if fc < fd { (c, fc) } else { (d, fd) };
    if e < best_sse {
        p
    } else {
        best
    }
}
