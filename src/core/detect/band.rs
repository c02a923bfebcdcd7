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

/// Raw points kept at most, whatever the window asks: a daily cycle at one point a second
/// is 86,400 points a day, so long periods are learnt from [`Coarse`] block means instead.
const MAX_RAW_POINTS: usize = 4096;
/// Block means kept for the long view.
const COARSE_CAP: usize = 2048;

/// A long, coarse memory of the metric: means of blocks of points, the blocks doubling in
/// length whenever the memory fills, so a bounded buffer covers all the history seen. The
/// detector finds long periods (a daily cycle in second data) here and fits them on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
struct Coarse {
    /// Points per block (a power of two).
    block: usize,
    acc_t: f64,
    acc_v: f64,
    acc_n: usize,
    /// (time s, mean) of closed blocks, oldest first.
    blocks: Vec<(f64, f64)>,
    /// Points seen; the next long-period search waits until this reaches `next_search`.
    seen: u64,
    next_search: u64,
}

impl Coarse {
    fn push(&mut self, t_s: f64, v: f64) {
        self.block = self.block.max(1);
        self.seen += 1;
        self.acc_t += t_s;
        self.acc_v += v;
        self.acc_n += 1;
        if self.acc_n < self.block {
            return;
        }
        let n = self.acc_n as f64;
        self.blocks.push((self.acc_t / n, self.acc_v / n));
        (self.acc_t, self.acc_v, self.acc_n) = (0.0, 0.0, 0);
        if self.blocks.len() >= COARSE_CAP {
            self.blocks = self
                .blocks
                .chunks(2)
                .map(|p| {
                    let k = p.len() as f64;
                    (
                        p.iter().map(|x| x.0).sum::<f64>() / k,
                        p.iter().map(|x| x.1).sum::<f64>() / k,
                    )
                })
                .collect();
            self.block *= 2;
        }
    }

    /// The dominant period of the long view, searched when the history seen has grown by a
    /// quarter since the last search (so the cost, about a millisecond, is paid O(log n)
    /// times, and a daily cycle in minute data is found within a day of its third cycle).
    fn search(&mut self) -> Option<f64> {
        if self.seen < self.next_search.max(64) || self.blocks.len() < 16 {
            return None;
        }
        self.next_search = self.seen.saturating_add(self.seen / 4);
        let (t, v): (Vec<f64>, Vec<f64>) = self.blocks.iter().copied().unzip();
        crate::core::forecast::detect_period(&t, &v)
    }

    /// Stream time one block covers, s (0 with fewer than two blocks).
    fn block_s(&self) -> f64 {
        match (self.blocks.first(), self.blocks.last()) {
            (Some(a), Some(b)) if self.blocks.len() >= 2 => {
                (b.0 - a.0) / (self.blocks.len() - 1) as f64
            }
            _ => 0.0,
        }
    }

    /// Whether a period `p` the long view found may replace `current` (0: none), found in a
    /// raw window spanning `raw_span` s. Block means are a coarse sampling of the metric: a
    /// cycle shorter than two blocks is aliased in them to a slow beat that looks like a
    /// long period (a 25 s cycle read from 32 s blocks repeats every ~230 s), and a period
    /// of a few blocks is too rough to replace one measured on raw points. So the long view
    /// is heard only for a period the raw window cannot show three times, spanning at least
    /// [`COARSE_MIN_BLOCKS`] blocks, and not the beat of the current cycle with the blocks.
    fn trusts(&self, p: f64, current: f64, raw_span: f64) -> bool {
        let block = self.block_s();
        if !(block > 0.0 && p >= COARSE_MIN_BLOCKS * block) {
            return false;
        }
        if current <= 0.0 {
            return true;
        }
        if p <= raw_span / 3.0 {
            return false;
        }
        if current < 2.0 * block {
            // The beats of the cycle and of its first odd harmonics with the block rate.
            for h in [1.0, 3.0, 5.0] {
                let f = h / current;
                let beat = (f - (f * block).round() / block).abs();
                if beat > 0.0 {
                    for k in 1..=3 {
                        let alias = k as f64 / beat;
                        if (p - alias).abs() <= 0.1 * alias {
                            return false;
                        }
                    }
                }
            }
        }
        true
    }
}

/// Raw points kept for refining the period.
const REFINE_CAP: usize = 1024;
/// A refined period stays within this share of the one it refines.
const REFINE_SHARE: f64 = 0.1;

/// The last raw points (clear anomalies aside), on which the period found by the first fit
/// is measured again once they hold many more cycles. The first fit sees the training's few
/// cycles (100 points at a slow cadence, four cycles of a 25-point wave), and its period is
/// off by about 2%: enough for the seasonal shape to slide a quarter of a cycle out of
/// phase between refits, so that forecast errors as large as the wave hide real faults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
struct Refine {
    points: VecDeque<(i64, f64)>,
    /// Points held at the last search, and points pushed since.
    searched_at: usize,
    since: usize,
}

impl Refine {
    fn push(&mut self, t_ms: i64, v: f64) {
        if self.points.len() == REFINE_CAP {
            self.points.pop_front();
        }
        self.points.push_back((t_ms, v));
        self.since += 1;
    }

    /// `current` measured again on the points held, once they fill the buffer and then each
    /// time they have been renewed eight times over: a period within [`REFINE_SHARE`] of
    /// it, if the points show one there.
    fn search(&mut self, current: f64) -> Option<f64> {
        let n = self.points.len();
        // Only a full buffer: a few hundred points can move a right period off by a step's
        // fraction (360 s to 357 s at a 10 s step), which slides the seasonal naive
        // forecast off its phase as surely as the first fit's error did.
        let due =
            n == REFINE_CAP && (self.searched_at < REFINE_CAP || self.since >= 8 * REFINE_CAP);
        if !due {
            return None;
        }
        self.searched_at = n;
        self.since = 0;
        let (t, v): (Vec<f64>, Vec<f64>) = self
            .points
            .iter()
            .map(|&(t, v)| (t as f64 / 1000.0, v))
            .unzip();
        // Three cycles at least, as the first fit needs.
        if t.last().copied().unwrap_or(0.0) - t[0] < 6.0 * current {
            return None;
        }
        let p = crate::core::forecast::detect_period(&t, &v)?;
        ((p - current).abs() <= REFINE_SHARE * current && (p - current).abs() > 1e-3 * current)
            .then_some(p)
    }
}

/// Blocks a period from the long view spans at least.
const COARSE_MIN_BLOCKS: f64 = 16.0;

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
    /// The long view, for periods longer than the raw history.
    #[serde(default)]
    coarse: Coarse,
    /// Whether any value so far was below 0: until one is, the metric is taken for a count
    /// or a level that cannot go negative, and its band stops at 0.
    #[serde(default)]
    seen_negative: bool,
    /// The last raw points outside clear anomalies, for refining the period.
    #[serde(default)]
    refine: Refine,
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
            coarse: Coarse::default(),
            seen_negative: false,
            refine: Refine::default(),
        })
    }

    /// A detector that starts from a model trained elsewhere (for example on an uploaded
    /// file): it judges from the first point and refits once it has seen `train_ms` of
    /// stream time. The model's seasonal periods are kept for refits.
    pub fn with_model(
        config: DetectConfig,
        model: FittedModel,
    ) -> Result<BandDetector, ConfigError> {
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
        let mut trained = BandDetector::with_model(d.config, model)?;
        trained.seen_negative = values.iter().any(|v| *v < 0.0);
        Ok(trained)
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
        // A metric never seen below 0 gets no band below 0 (the fit's symmetric band would
        // reach under a count near 0); the flag is unchanged, as no such value lies there.
        let floor = if self.seen_negative || self.first_ms.is_none() {
            f64::NEG_INFINITY
        } else {
            0.0
        };
        let point = Point {
            t_ms,
            value,
            expected: pred.map(|p| p.expected.max(floor)),
            lower: pred.map(|p| p.lower.max(floor)),
            upper: pred.map(|p| p.upper.max(floor)),
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
        self.seen_negative |= value < 0.0;
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
        if value.is_finite() && score < EXCLUDE_SCORE {
            self.coarse.push(t_ms as f64 / 1000.0, value);
            self.refine.push(t_ms, value);
        }
        while self.history.len() > MAX_RAW_POINTS
            || (self.history.len() > min_points
                && self.history.front().is_some_and(|s| s.t_ms < oldest))
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
        let (mut times, mut values): (Vec<f64>, Vec<f64>) = self
            .history
            .iter()
            .filter(|s| use_all || !s.excluded)
            .map(|s| (s.t_ms as f64 / 1000.0, s.value))
            .unzip();
        if times.len() < self.config.min_train_points {
            return;
        }
        let raw_span = times.last().copied().unwrap_or(0.0) - times[0];
        if self.config.periods == Periods::Auto {
            // The long view has seen the most cycles: its period wins over one found in
            // the raw window, and a later search (twice the history) may correct it.
            if let Some(p) = self.coarse.search() {
                let current = self.longest_period();
                if (p - current).abs() > 0.02 * p.max(current)
                    && self.coarse.trusts(p, current, raw_span)
                {
                    self.periods = Periods::Fixed(vec![p]);
                }
            }
        }
        if self.config.periods == Periods::Auto {
            if let Periods::Fixed(ps) = &self.periods {
                if let [current] = ps[..] {
                    if let Some(p) = self.refine.search(current) {
                        self.periods = Periods::Fixed(vec![p]);
                    }
                }
            }
        }
        // A period longer than the raw history is fitted on the long view's block means
        // before it (three cycles), then the raw points.
        let longest = self.longest_period();
        let from = times[0];
        if longest > 0.0 && times.last().copied().unwrap_or(from) - from < 3.0 * longest {
            let start = times.last().copied().unwrap_or(from) - 3.0 * longest;
            let older: Vec<(f64, f64)> = self
                .coarse
                .blocks
                .iter()
                .copied()
                .filter(|b| b.0 >= start && b.0 < from)
                .collect();
            times.splice(0..0, older.iter().map(|b| b.0));
            values.splice(0..0, older.iter().map(|b| b.1));
        }
        let first = self.model.is_none();
        // A failed refit (say, a window of one repeated timestamp) keeps the last model.
        if let Ok(mut m) = self.model_spec().fit(&times, &values) {
            self.calibrate(&mut m);
            // A period the fit found in the raw window is kept only when the window shows
            // three cycles of it; with fewer it is too rough to lock in.
            let found = m
                .seasonalities()
                .iter()
                .map(|s| s.period_s)
                .fold(0.0, f64::max);
            if self.periods == Periods::Auto && found > 0.0 && raw_span >= 3.0 * found {
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

    /// The longest period the refits use (0 when none).
    fn longest_period(&self) -> f64 {
        match &self.periods {
            Periods::Fixed(ps) => ps.iter().copied().fold(0.0, f64::max),
            _ => 0.0,
        }
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
