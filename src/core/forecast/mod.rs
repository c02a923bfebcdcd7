//! Prophet-style additive forecasting: a piecewise-linear trend with changepoints plus
//! Fourier seasonality, fitted by regularised, outlier-robust least squares, with a
//! prediction band from the residual distribution. See `README.md` beside this file.
//!
//! Typestate: a [`Model`] is configuration only; [`Model::fit`] turns it into a
//! [`FittedModel`], the only thing that can [`FittedModel::predict`].

pub(crate) mod acf;
mod error;
pub mod period;
mod probit;
mod solve;

use serde::{Deserialize, Serialize};

pub use error::FitError;
pub use period::detect_period;
use period::ROUND_PERIODS_S;

use solve::{Design, NormalEq};

const DAY_S: f64 = 86_400.0;
const WEEK_S: f64 = 7.0 * DAY_S;
/// Fewest usable points a fit accepts.
pub const MIN_POINTS: usize = 3;

/// Which seasonal periods a model uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub enum Periods {
    /// The period found by autocorrelation, plus daily and weekly terms when the training
    /// data spans at least two days / two weeks.
    #[default]
    Auto,
    /// These periods, in seconds.
    Fixed(Vec<f64>),
    /// Trend only.
    Off,
}

impl Periods {
    /// Reads `auto`, `none` (or `off`), or seconds (several: `86400,604800`); the error
    /// says what is accepted.
    pub fn parse(s: &str) -> Result<Periods, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(Periods::Auto),
            "none" | "off" => Ok(Periods::Off),
            list => list
                .split(',')
                .map(|p| match p.trim().parse::<f64>() {
                    Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
                    _ => Err(format!(
                        "'{}' is not a period: use auto, none, or a number of seconds such as 86400",
                        p.trim()
                    )),
                })
                .collect::<Result<Vec<f64>, String>>()
                .map(Periods::Fixed),
        }
    }

    /// The text [`Periods::parse`] reads back.
    pub fn label(&self) -> String {
        match self {
            Periods::Auto => "auto".into(),
            Periods::Off => "none".into(),
            Periods::Fixed(ps) => ps
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

/// One seasonal component: `order` sine/cosine pairs of a period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Seasonality {
    /// Period in seconds.
    pub period_s: f64,
    /// Number of Fourier harmonics.
    pub order: usize,
}

/// An unfitted model: configuration only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Seasonal periods (default: detected).
    pub periods: Periods,
    /// Potential trend changepoints (default 25, as Prophet).
    pub changepoints: usize,
    /// Share of the training window, from its start, where changepoints may sit (0.8).
    pub changepoint_range: f64,
    /// Prior scale of a rate change, in units of the series' robust spread per training
    /// window (default 5): smaller makes the trend stiffer. Prophet's 0.05 is in units of
    /// the series' largest absolute value, 5–12x larger than the robust spread on real
    /// series, and its Laplace prior lets large changes through more easily than this L2
    /// penalty; 5 matched Prophet's held-out error on the benchmark series
    /// (tests/bench/forecast/README.md), where 0.05 was 34–63% worse.
    pub changepoint_prior: f64,
    /// Prior scale of Fourier coefficients in the same units (10, as Prophet: nearly free).
    pub seasonality_prior: f64,
    /// Coverage of the prediction band, in (0, 1) (default 0.95).
    pub level: f64,
    /// Fit on at most this many points, evenly strided over the data (bounds fit time).
    pub max_points: Option<usize>,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            periods: Periods::Auto,
            changepoints: 25,
            changepoint_range: 0.8,
            changepoint_prior: 5.0,
            seasonality_prior: 10.0,
            level: 0.95,
            max_points: None,
        }
    }
}

/// A forecast for one instant: the expected value and the prediction band around it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Expected value.
    pub expected: f64,
    /// Lower end of the band.
    pub lower: f64,
    /// Upper end of the band.
    pub upper: f64,
}

impl Prediction {
    /// How far `value` lies outside the band, in [0, 1]: 0 inside, `1 − exp(−d)` where `d`
    /// is the distance beyond the band in units of the band's half-width on that side.
    pub fn score(&self, value: f64) -> f64 {
        let d = if value > self.upper {
            (value - self.upper) / (self.upper - self.expected)
        } else if value < self.lower {
            (self.lower - value) / (self.expected - self.lower)
        } else {
            return 0.0;
        };
        if d.is_nan() {
            // Only a zero-width band can give 0/0; any departure from it is far.
            1.0
        } else {
            1.0 - (-d).exp()
        }
    }

    /// Distance of `value` outside the band in half-widths of the side it lies on (the
    /// band's edge is 0, the expected value −1; a zero-width band gives ±∞ or 0).
    pub fn deviation(&self, value: f64) -> f64 {
        let d = if value >= self.expected {
            (value - self.upper) / (self.upper - self.expected)
        } else {
            (self.lower - value) / (self.expected - self.lower)
        };
        if d.is_nan() {
            0.0
        } else {
            d
        }
    }

    /// Whether `value` lies outside the band.
    pub fn is_outside(&self, value: f64) -> bool {
        value > self.upper || value < self.lower
    }
}

/// A fitted model: everything needed to predict, in internal (normalised) units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedModel {
    t0: f64,
    t_scale: f64,
    y_center: f64,
    y_scale: f64,
    changepoints: Vec<f64>,
    seasonalities: Vec<Seasonality>,
    coef: Vec<f64>,
    band_lo: f64,
    band_hi: f64,
    level: f64,
    points: usize,
    t_end: f64,
}

impl Model {
    /// The default model (detected periods, 25 changepoints, 95% band).
    pub fn new() -> Self {
        Model::default()
    }

    /// The same model with another band coverage.
    pub fn with_level(mut self, level: f64) -> Self {
        self.level = level;
        self
    }

    /// The same model with other seasonal periods.
    pub fn with_periods(mut self, periods: Periods) -> Self {
        self.periods = periods;
        self
    }

    /// Fits the model to `values` observed at `times_s` (seconds, any origin, any order,
    /// any spacing). Pairs with a non-finite time or value are skipped.
    pub fn fit(&self, times_s: &[f64], values: &[f64]) -> Result<FittedModel, FitError> {
        if times_s.len() != values.len() {
            return Err(FitError::LengthMismatch {
                times: times_s.len(),
                values: values.len(),
            });
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(FitError::BadLevel { level: self.level });
        }
        if let Periods::Fixed(ps) = &self.periods {
            if let Some(&p) = ps.iter().find(|p| !(p.is_finite() && **p > 0.0)) {
                return Err(FitError::BadPeriod { period_s: p });
            }
        }
        let mut pts: Vec<(f64, f64)> = times_s
            .iter()
            .zip(values)
            .filter(|(t, v)| t.is_finite() && v.is_finite())
            .map(|(&t, &v)| (t, v))
            .collect();
        if pts.len() < MIN_POINTS {
            return Err(FitError::TooFewPoints {
                usable: pts.len(),
                needed: MIN_POINTS,
            });
        }
        if !pts.windows(2).all(|w| w[0].0 <= w[1].0) {
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        if let Some(cap) = self
            .max_points
            .filter(|&c| c >= MIN_POINTS && c < pts.len())
        {
            let n = pts.len();
            // Even stride that always keeps the newest point: the trend's end matters most.
            pts = (0..cap).map(|i| pts[(i * (n - 1)) / (cap - 1)]).collect();
        }
        let n = pts.len();
        let t0 = pts[0].0;
        let span = pts[n - 1].0 - t0;
        if !(span > 0.0) {
            return Err(FitError::NoTimeSpan { time_s: t0 });
        }
        let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
        let (y_center, y_scale) = location_scale(&ys);
        let y: Vec<f64> = ys.iter().map(|v| (v - y_center) / y_scale).collect();
        let ts: Vec<f64> = pts.iter().map(|p| (p.0 - t0) / span).collect();
        let dt = period::median_step(&pts).unwrap_or(span);
        let seasonalities = self.resolve_periods(&pts, span, dt);

        // Changepoints at evenly spaced rows of the first `changepoint_range` of the data,
        // as Prophet places them; fewer when there are few points.
        let n_cp = self.changepoints.min(n / 4);
        let last_row = ((n - 1) as f64 * self.changepoint_range.clamp(0.0, 1.0)) as usize;
        let mut cp_rows: Vec<usize> = (1..=n_cp).map(|j| j * last_row / n_cp.max(1)).collect();
        cp_rows.dedup();
        cp_rows.retain(|&r| r > 0 && r < n - 1);
        let changepoints: Vec<f64> = cp_rows.iter().map(|&r| ts[r]).collect();

        let mut cols = vec![vec![1.0; n], ts.clone()];
        let mut start = vec![0, 0];
        for (&c, &r) in changepoints.iter().zip(&cp_rows) {
            cols.push(ts.iter().map(|&t| (t - c).max(0.0)).collect());
            start.push(r);
        }
        for s in &seasonalities {
            let first = cols.len();
            for _ in 0..s.order {
                cols.push(vec![0.0; n]);
                cols.push(vec![0.0; n]);
                start.extend([0, 0]);
            }
            for (i, p) in pts.iter().enumerate() {
                fourier(p.0 - t0, s, |k, c, sn| {
                    cols[first + 2 * k][i] = c;
                    cols[first + 2 * k + 1][i] = sn;
                });
            }
        }
        let design = Design { n, cols, start };
        let normal = NormalEq::new(&design, &y);
        let p = design.p();
        let n_trend = 2 + changepoints.len();

        // Robust fit (IRLS): least squares, then Huber reweighting (k = 2σ, and no weight
        // beyond 6σ so a gross outlier is dropped at once rather than over many rounds),
        // with the priors' strength tied to the current residual scale as in a MAP
        // estimate. The first σ comes from successive differences, which see the noise
        // and barely the signal.
        let mut w = vec![1.0; n];
        let mut sigma = diff_sigma(&y);
        let mut coef = Vec::new();
        let mut resid = Vec::new();
        for round in 0..4 {
            let ridge_floor = 1e-9 * n as f64;
            let penalty: Vec<f64> = (0..p)
                .map(|j| match j {
                    0 | 1 => ridge_floor,
                    j if j < n_trend => {
                        ridge_floor + sigma * sigma / self.changepoint_prior.max(1e-6).powi(2)
                    }
                    _ => ridge_floor + sigma * sigma / self.seasonality_prior.max(1e-6).powi(2),
                })
                .collect();
            coef = normal
                .solve(&design, &y, &w, &penalty)
                .ok_or(FitError::Singular)?;
            let fitted = design.apply(&coef);
            resid = y.iter().zip(&fitted).map(|(a, b)| a - b).collect();
            let (shift, s) = robust_sigma(&resid);
            sigma = s;
            let mut changed = false;
            for (wi, r) in w.iter_mut().zip(&resid) {
                let a = (r - shift).abs();
                let new = if a <= 2.0 * sigma {
                    1.0
                } else if a <= 6.0 * sigma {
                    2.0 * sigma / a
                } else {
                    0.0
                };
                changed |= (new - *wi).abs() > 0.05;
                *wi = new;
            }
            if round > 0 && !changed {
                break;
            }
        }
        let (band_lo, band_hi) = band(&resid, self.level, p, sigma);
        Ok(FittedModel {
            t0,
            t_scale: span,
            y_center,
            y_scale,
            changepoints,
            seasonalities,
            coef,
            band_lo,
            band_hi,
            level: self.level,
            points: n,
            t_end: pts[n - 1].0,
        })
    }

    fn resolve_periods(&self, pts: &[(f64, f64)], span: f64, dt: f64) -> Vec<Seasonality> {
        let mut periods: Vec<f64> = match &self.periods {
            Periods::Off => Vec::new(),
            Periods::Fixed(ps) => ps.clone(),
            Periods::Auto => {
                let (ts, vs): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
                let mut ps: Vec<f64> = detect_period(&ts, &vs)
                    .filter(|&p| span >= 2.0 * p)
                    .into_iter()
                    .collect();
                if let Some(p) = ps.first_mut() {
                    let calendar = ROUND_PERIODS_S.contains(p);
                    let order = seasonal_order(*p, dt);
                    if !calendar && order >= 1 {
                        *p = period::refine_period(pts, *p, order);
                    }
                }
                // A detected daily harmonic (24 h, 12 h, 8 h, 6 h) is the daily term.
                if let Some(p) = ps.first().copied() {
                    if (1..=4).any(|k| (p - DAY_S / k as f64).abs() <= 0.05 * DAY_S / k as f64) {
                        ps.clear();
                    }
                }
                for calendar in [DAY_S, WEEK_S] {
                    let near = ps.iter().any(|&p| (p - calendar).abs() <= 0.05 * calendar);
                    if span >= 2.0 * calendar && dt <= calendar / 4.0 && !near {
                        ps.push(calendar);
                    }
                }
                ps
            }
        };
        periods.sort_by(f64::total_cmp);
        periods.dedup();
        periods
            .into_iter()
            .filter_map(|p| {
                let order = seasonal_order(p, dt);
                (order >= 1).then_some(Seasonality { period_s: p, order })
            })
            .collect()
    }
}

impl FittedModel {
    /// The forecast at time `t_s` (seconds, same origin as the training times).
    pub fn predict(&self, t_s: f64) -> Prediction {
        let e = self.expected_scaled(t_s);
        Prediction {
            expected: self.y_center + self.y_scale * e,
            lower: self.y_center + self.y_scale * (e + self.band_lo),
            upper: self.y_center + self.y_scale * (e + self.band_hi),
        }
    }

    fn expected_scaled(&self, t_s: f64) -> f64 {
        let ts = (t_s - self.t0) / self.t_scale;
        let c = &self.coef;
        let mut e = c[0] + c[1] * ts;
        let n_cp = self.changepoints.len();
        for (cp, d) in self.changepoints.iter().zip(&c[2..2 + n_cp]) {
            if ts > *cp {
                e += d * (ts - cp);
            }
        }
        let mut j = 2 + n_cp;
        for s in &self.seasonalities {
            fourier(t_s - self.t0, s, |k, cos, sin| {
                e += c[j + 2 * k] * cos + c[j + 2 * k + 1] * sin;
            });
            j += 2 * s.order;
        }
        e
    }

    /// Widens the band to reach at least `lower` below and `upper` above the expected
    /// value (offsets in the series' units; `lower` ≤ 0 ≤ `upper` to widen both sides).
    pub fn widen_band(&mut self, lower: f64, upper: f64) {
        if lower.is_finite() {
            self.band_lo = self.band_lo.min(lower / self.y_scale);
        }
        if upper.is_finite() {
            self.band_hi = self.band_hi.max(upper / self.y_scale);
        }
    }

    /// The seasonal components the model uses.
    pub fn seasonalities(&self) -> &[Seasonality] {
        &self.seasonalities
    }

    /// Times (seconds) of the trend changepoints.
    pub fn changepoints_s(&self) -> Vec<f64> {
        self.changepoints
            .iter()
            .map(|c| self.t0 + c * self.t_scale)
            .collect()
    }

    /// Coverage of the band.
    pub fn level(&self) -> f64 {
        self.level
    }

    /// Points the fit used (after skipping non-finite ones and striding).
    pub fn points(&self) -> usize {
        self.points
    }

    /// Time of the newest training point (seconds).
    pub fn trained_until_s(&self) -> f64 {
        self.t_end
    }
}

/// Fourier harmonics for a period: Prophet's 4 (daily) and 3 (weekly), 6 for others
/// (enough for a sawtooth-like cycle), and never faster than the sampling can show.
fn seasonal_order(period_s: f64, dt: f64) -> usize {
    let default = if (period_s - DAY_S).abs() < 1.0 {
        4
    } else if (period_s - WEEK_S).abs() < 1.0 {
        3
    } else {
        6
    };
    let nyquist = (period_s / (2.0 * dt)).floor();
    default.min(if nyquist.is_finite() {
        nyquist as usize
    } else {
        0
    })
}

/// Calls `f(k, cos, sin)` for harmonics k = 0..order (frequency k + 1) at `dt_s` seconds
/// from the origin. One `sin_cos` per call, higher harmonics by the angle-addition
/// recurrence; the phase is reduced to one cycle first so far-off times stay accurate.
#[inline]
fn fourier(dt_s: f64, s: &Seasonality, mut f: impl FnMut(usize, f64, f64)) {
    let cycles = dt_s / s.period_s;
    let theta = 2.0 * std::f64::consts::PI * (cycles - cycles.floor());
    let (s1, c1) = theta.sin_cos();
    let (mut sk, mut ck) = (s1, c1);
    for k in 0..s.order {
        f(k, ck, sk);
        (sk, ck) = (sk * c1 + ck * s1, ck * c1 - sk * s1);
    }
}

/// Median and a robust spread (1.4826 × MAD, else the standard deviation, else the
/// magnitude of the values, else 1): internal units where every series looks alike.
fn location_scale(ys: &[f64]) -> (f64, f64) {
    let center = median(&mut ys.to_vec());
    let mut dev: Vec<f64> = ys.iter().map(|y| (y - center).abs()).collect();
    let mad = 1.4826 * median(&mut dev);
    let scale = if mad > 0.0 {
        mad
    } else {
        let n = ys.len() as f64;
        let mean = ys.iter().sum::<f64>() / n;
        let sd = (ys.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / n).sqrt();
        if sd > 0.0 {
            sd
        } else if center != 0.0 {
            center.abs()
        } else {
            1.0
        }
    };
    (center, scale)
}

fn median(v: &mut [f64]) -> f64 {
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    let m = *m;
    if v.len() % 2 == 1 {
        m
    } else {
        let lower = v[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + m) / 2.0
    }
}

/// Smallest band half-width in internal units, so a constant series still has a band
/// (any departure from it scores near 1) without dividing by zero.
const MIN_HALF_WIDTH: f64 = 1e-9;

/// Centre and spread of residuals: median and 1.4826 × MAD about it, or the mean absolute
/// deviation when most residuals are equal (quantised data), floored.
fn robust_sigma(resid: &[f64]) -> (f64, f64) {
    let centre = median(&mut resid.to_vec());
    let mut abs: Vec<f64> = resid.iter().map(|r| (r - centre).abs()).collect();
    let mad = 1.4826 * median(&mut abs);
    let s = if mad > 0.0 {
        mad
    } else {
        1.2533 * abs.iter().sum::<f64>() / abs.len() as f64
    };
    (centre, s.max(MIN_HALF_WIDTH))
}

/// Noise scale from successive differences (1.4826 × MAD / √2), floored.
fn diff_sigma(y: &[f64]) -> f64 {
    let d: Vec<f64> = y.windows(2).map(|w| w[1] - w[0]).collect();
    robust_sigma(&d).1 / std::f64::consts::SQRT_2
}

/// Band offsets (lower < 0 < upper) around the expected value, in internal units.
/// Empirical residual quantiles when each tail holds at least five residuals (so skewed
/// metrics get skewed bands, and a few outliers barely move it), otherwise a Gaussian band
/// from the robust σ. Widened by √(n / (n − p)) because in-sample residuals understate
/// the error of a forecast.
fn band(resid: &[f64], level: f64, p: usize, sigma: f64) -> (f64, f64) {
    let n = resid.len();
    let tail = (1.0 - level) / 2.0;
    let (lo, hi) = if n as f64 * tail >= 5.0 {
        let mut r = resid.to_vec();
        r.sort_by(f64::total_cmp);
        (quantile_sorted(&r, tail), quantile_sorted(&r, 1.0 - tail))
    } else {
        let z = probit::probit(1.0 - tail);
        (-z * sigma, z * sigma)
    };
    let inflate = if n > p + 1 {
        (n as f64 / (n - p) as f64).sqrt().min(2.0)
    } else {
        2.0
    };
    (
        (lo * inflate).min(-MIN_HALF_WIDTH),
        (hi * inflate).max(MIN_HALF_WIDTH),
    )
}

/// Quantile of sorted data, linear between closest ranks (Hyndman–Fan type 7).
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let i = h.floor() as usize;
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + (h - i as f64) * (sorted[j] - sorted[i])
}
