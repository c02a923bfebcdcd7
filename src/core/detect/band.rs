//! The forecast-band detector: judge each point against the band of a Prophet-style model
//! fitted only on earlier points (see `core::forecast`), then refit on a rolling window.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::{Cause, ConfigError, DetectConfig, Judge, Point, Why};
use crate::core::forecast::{FittedModel, Model, Periods};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Sample {
    t_ms: i64,
    value: f64,
    /// Left out of refits: a clear anomaly.
    excluded: bool,
    /// Forecast error `value − expected` when the point was judged.
    #[serde(default)]
    err: Option<f64>,
}

/// Points scoring at least this are left out of refits: 0.5 is ln 2 ≈ 0.7 half-widths
/// beyond the band, about 3.3 σ from the expected value for Gaussian noise at 95%.
pub const EXCLUDE_SCORE: f64 = 0.5;

/// Forecast errors needed in each tail before they calibrate the band (so at 95%, 200
/// judged points).
const CALIBRATION_TAIL_POINTS: f64 = 5.0;

/// Trend stiffness of the detector's refits (see [`Model::changepoint_prior`]).
pub const DETECT_CHANGEPOINT_PRIOR: f64 = 0.05;

/// A causal detector for one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandDetector {
    config: DetectConfig,
    model: Option<FittedModel>,
    /// Periods used by refits: the configured ones, or those found by the first fit that
    /// found any (so refits do not re-run detection, and the band does not flip between
    /// seasonal shapes).
    periods: Periods,
    history: VecDeque<Sample>,
    first_ms: Option<i64>,
    newest_ms: i64,
    last_fit_ms: Option<i64>,
    /// Points since the last fit: a refit waits for `min_train_points` new ones too.
    #[serde(default)]
    since_fit: usize,
    refits: u64,
}

impl BandDetector {
    /// A detector that trains on the first `config.train_ms` of stream time.
    pub fn new(config: DetectConfig) -> Result<BandDetector, ConfigError> {
        config.validate()?;
        Ok(BandDetector {
            periods: config.periods.clone(),
            config,
            model: None,
            history: VecDeque::new(),
            first_ms: None,
            newest_ms: i64::MIN,
            last_fit_ms: None,
            since_fit: 0,
            refits: 0,
        })
    }

    /// A detector that starts from a model trained elsewhere (for example on an uploaded
    /// file): it judges from the first point and refits once it has seen `train_ms` of
    /// stream time. The model's seasonal periods are kept for refits.
    pub fn with_model(config: DetectConfig, model: FittedModel) -> Result<BandDetector, ConfigError> {
        let mut d = BandDetector::new(config)?;
        if !model.seasonalities().is_empty() {
            d.periods = periods_of(&model);
        }
        d.model = Some(model);
        Ok(d)
    }

    /// A detector whose first model is fitted on training data from elsewhere (say, an
    /// uploaded file of the metric's last hour), with the same model settings as its
    /// refits; it judges from the first streamed point.
    pub fn pretrained(
        config: DetectConfig,
        times_ms: &[i64],
        values: &[f64],
    ) -> Result<BandDetector, ConfigError> {
        let d = BandDetector::new(config)?;
        let times: Vec<f64> = times_ms.iter().map(|&t| t as f64 / 1000.0).collect();
        let model = d
            .model_spec()
            .fit(&times, values)
            .map_err(ConfigError::Fit)?;
        BandDetector::with_model(d.config, model)
    }

    /// The model every fit of this detector uses.
    fn model_spec(&self) -> Model {
        Model {
            periods: self.periods.clone(),
            changepoints: self.config.changepoints,
            // Short rolling windows want a stiff trend: a flexible one would bend to follow
            // a prolonged spike and stop flagging it.
            changepoint_prior: DETECT_CHANGEPOINT_PRIOR,
            level: self.config.level,
            max_points: Some(self.config.max_fit_points),
            ..Model::default()
        }
    }

    /// Judges one point from what came before it, then learns from it.
    /// A non-finite `value` (missing data) is judged as no anomaly and not learnt.
    pub fn push(&mut self, t_ms: i64, value: f64) -> Point {
        let pred = self.model.as_ref().map(|m| m.predict(t_ms as f64 / 1000.0));
        let (score, anomaly) = match pred {
            Some(p) if value.is_finite() => (p.score(value), p.is_outside(value)),
            _ => (0.0, false),
        };
        let point = Point {
            t_ms,
            value,
            expected: pred.map(|p| p.expected),
            lower: pred.map(|p| p.lower),
            upper: pred.map(|p| p.upper),
            score,
            anomaly,
            why: pred.filter(|_| value.is_finite()).map(|p| {
                let distance = p.deviation(value);
                Why {
                    cause: Cause::Forecast,
                    // The score is 1 − e^(−d): its tail reading in decimal digits.
                    surprise: distance.max(0.0) * std::f64::consts::LOG10_E,
                    distance,
                }
            }),
        };
        let first = *self.first_ms.get_or_insert(t_ms);
        self.newest_ms = self.newest_ms.max(t_ms);
        if value.is_finite() {
            self.history.push_back(Sample {
                t_ms,
                value,
                excluded: score >= EXCLUDE_SCORE,
                err: pred.map(|p| value - p.expected),
            });
        }
        let keep = self.window_ms();
        let oldest = self.newest_ms.saturating_sub(keep);
        // At a slow cadence a window of stream time holds few points: keep enough to fit.
        let min_points = self.config.min_train_points.saturating_mul(2);
        while self.history.len() > min_points
            && self.history.front().is_some_and(|s| s.t_ms < oldest)
        {
            self.history.pop_front();
        }
        let seen_enough = self.newest_ms.saturating_sub(first) >= self.config.train_ms
            && self.history.len() >= self.config.min_train_points;
        self.since_fit += 1;
        let due = match self.last_fit_ms {
            None => true,
            Some(last) => {
                t_ms.saturating_sub(last) >= self.config.refit_every_ms
                    && self.since_fit >= self.config.min_train_points
            }
        };
        if seen_enough && due {
            self.refit(t_ms);
        } else if self.last_fit_ms.is_none() && self.model.is_some() {
            // A pre-trained model: count the refit interval from the first point.
            self.last_fit_ms = Some(t_ms.saturating_add(self.config.refit_offset_ms));
        }
        point
    }

    /// Fits on the window less its clear anomalies, or on all of it once those are the
    /// majority (the metric has moved to a new level and the model must follow).
    ///
    /// Only points well outside the band (score ≥ [`EXCLUDE_SCORE`]) are left out: leaving
    /// out every point outside the band would cut the tails off the residuals the next
    /// band is estimated from, so each refit would narrow the band and flag more points.
    fn refit(&mut self, now_ms: i64) {
        self.last_fit_ms = Some(now_ms);
        self.since_fit = 0;
        let anomalous = self.history.iter().filter(|s| s.excluded).count();
        let use_all = anomalous * 2 > self.history.len();
        let (times, values): (Vec<f64>, Vec<f64>) = self
            .history
            .iter()
            .filter(|s| use_all || !s.excluded)
            .map(|s| (s.t_ms as f64 / 1000.0, s.value))
            .unzip();
        if times.len() < self.config.min_train_points {
            return;
        }
        let first = self.model.is_none();
        // A failed refit (say, a window of one repeated timestamp) keeps the last model.
        if let Ok(mut m) = self.model_spec().fit(&times, &values) {
            self.calibrate(&mut m);
            if self.periods == Periods::Auto && !m.seasonalities().is_empty() {
                self.periods = periods_of(&m);
            }
            self.model = Some(m);
            self.refits += 1;
            if first {
                self.last_fit_ms = Some(now_ms.saturating_add(self.config.refit_offset_ms));
            }
        }
    }

    /// Widens the new model's band to cover the recent forecast errors of the window at
    /// the band's level (clear anomalies aside). A band from in-sample residuals is a
    /// little too narrow out of sample (the fit has seen those points; the trend is
    /// extrapolated), which showed as 7–13% of clean points flagged at 95%; the errors of
    /// points judged before they were learnt are honest out-of-sample errors, as in split
    /// conformal prediction. Only widens: a band never gets narrower than the fit's own.
    fn calibrate(&self, m: &mut FittedModel) {
        let mut errs: Vec<f64> = self
            .history
            .iter()
            .filter(|s| !s.excluded)
            .filter_map(|s| s.err)
            .filter(|e| e.is_finite())
            .collect();
        let tail = (1.0 - self.config.level) / 2.0;
        if (errs.len() as f64) * tail < CALIBRATION_TAIL_POINTS {
            return;
        }
        errs.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let h = (errs.len() - 1) as f64 * p;
            let (i, j) = (h.floor() as usize, (h.ceil() as usize).min(errs.len() - 1));
            errs[i] + (h - i as f64) * (errs[j] - errs[i])
        };
        m.widen_band(q(tail), q(1.0 - tail));
    }

    /// Stream time of history kept: the refit window, the training window while
    /// training, and at least three of the longest period.
    fn window_ms(&self) -> i64 {
        let longest = match &self.periods {
            Periods::Fixed(ps) => ps.iter().copied().fold(0.0, f64::max),
            _ => 0.0,
        };
        let mut w = self
            .config
            .window_ms
            .max((longest * 3000.0).min(1e15) as i64);
        if self.model.is_none() {
            w = w.max(self.config.train_ms);
        }
        w
    }

    /// The current model, once trained.
    pub fn model(&self) -> Option<&FittedModel> {
        self.model.as_ref()
    }

    /// Whether points are being judged (a model exists).
    pub fn is_trained(&self) -> bool {
        self.model.is_some()
    }

    /// The configuration.
    pub fn config(&self) -> &DetectConfig {
        &self.config
    }

    /// Successful fits so far (the first training fit included).
    pub fn fits(&self) -> u64 {
        self.refits
    }

    /// Points currently held for refits.
    pub fn window_len(&self) -> usize {
        self.history.len()
    }
}

fn periods_of(m: &FittedModel) -> Periods {
    let ps: Vec<f64> = m.seasonalities().iter().map(|s| s.period_s).collect();
    if ps.is_empty() {
        Periods::Off
    } else {
        Periods::Fixed(ps)
    }
}

impl Judge for BandDetector {
    fn push(&mut self, t_ms: i64, value: f64) -> Point {
        BandDetector::push(self, t_ms, value)
    }

    fn is_trained(&self) -> bool {
        self.model.is_some()
    }

    fn fits(&self) -> u64 {
        self.refits
    }

    fn config(&self) -> &DetectConfig {
        &self.config
    }
}
