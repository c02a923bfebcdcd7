//! Autocorrelation of a regular series and the lag of its dominant cycle, shared by the
//! forecast's period detection and the detector's seasonal view, so the two agree on what
//! a cycle is.

/// Residuals from the least-squares line through `y`.
pub(crate) fn detrend(y: &[f64]) -> Vec<f64> {
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

/// `Σ y[i]·y[i + lag]` (0 when the lag is out of reach).
pub(crate) fn lagged(y: &[f64], lag: usize) -> f64 {
    if lag >= y.len() {
        return 0.0;
    }
    y[..y.len() - lag]
        .iter()
        .zip(&y[lag..])
        .map(|(a, b)| a * b)
        .sum()
}

/// Biased autocorrelation of centred `y` at lags 0..=max_lag (all zero for a constant).
pub(crate) fn autocorrelation(y: &[f64], max_lag: usize) -> Vec<f64> {
    let var: f64 = y.iter().map(|x| x * x).sum();
    (0..=max_lag)
        .map(|l| if var > 0.0 { lagged(y, l) / var } else { 0.0 })
        .collect()
}

/// The lag of the dominant cycle in an autocorrelation and the highest peak's value, or
/// None when no peak after the first dip below zero reaches `min_peak`. The highest peak
/// is found first; the lag is the first peak within 85% of it, because on noisy data a
/// multiple of the period can edge out the period itself.
pub(crate) fn dominant_lag(acf: &[f64], min_peak: f64) -> Option<(usize, f64)> {
    let first_dip = acf.iter().position(|&r| r < 0.0)?;
    let max_lag = acf.len() - 1;
    let peak = |l: usize| acf[l] > acf[l - 1] && acf[l] >= acf[l + 1];
    let mut best: Option<(usize, f64)> = None;
    for l in first_dip.max(2)..max_lag {
        if peak(l) && best.is_none_or(|(_, b)| acf[l] > b) {
            best = Some((l, acf[l]));
        }
    }
    let (best_lag, r) = best?;
    if r < min_peak {
        return None;
    }
    let lag = (first_dip.max(2)..best_lag)
        .find(|&l| peak(l) && acf[l] >= 0.85 * r)
        .unwrap_or(best_lag);
    Some((lag, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_of_period_twenty_is_found_at_lag_twenty() {
        let y: Vec<f64> = (0..400)
            .map(|i| (i as f64 * std::f64::consts::TAU / 20.0).sin())
            .collect();
        let acf = autocorrelation(&detrend(&y), 200);
        assert_eq!(dominant_lag(&acf, 0.2).map(|(l, _)| l), Some(20));
    }

    #[test]
    fn a_line_has_no_cycle() {
        let y: Vec<f64> = (0..100).map(|i| 3.0 * i as f64 + 1.0).collect();
        let d = detrend(&y);
        assert!(d.iter().all(|r| r.abs() < 1e-9));
        assert_eq!(dominant_lag(&autocorrelation(&d, 50), 0.2), None);
    }
}
