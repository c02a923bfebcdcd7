//! Causal streaming anomaly detection per metric.
//!
//! A [`Detector`] is a deterministic fold over `(t_ms, value)` pairs: each point is judged
//! from the points before it only, then learnt; the same pushes give the same state and the
//! same [`Point`]s, and its state serialises for checkpoints.
//!
//! Detection is a seam: every detector implements [`Judge`], and [`Detector`] holds the one
//! a metric uses, chosen by [`DetectorKind`]. Two exist:
//! - [`DetectorKind::Adaptive`] (the default, [`adaptive`]): a forecast band for the chart,
//!   and a score from how rare the point is under several views of the metric's own
//!   history (its range, its recent shape, its forecast errors), calibrated so one threshold
//!   means the same on every series.
//! - [`DetectorKind::Band`] ([`band`]): the point is anomalous when it leaves the forecast
//!   band of a Prophet-style model; the score is its distance outside.
//!
//! Adding a third is a file implementing [`Judge`], a variant here and a name in
//! [`DetectorKind`].

pub mod adaptive;
pub mod band;
pub mod novelty;
pub mod rarity;
pub(crate) mod scratch;
pub mod tail;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::forecast::{FitError, FittedModel, Periods};

pub use adaptive::AdaptiveDetector;
pub use band::{BandDetector, DETECT_CHANGEPOINT_PRIOR, EXCLUDE_SCORE};

/// Which detector judges a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DetectorKind {
    /// Rarity under the metric's own history, calibrated across series (the default).
    #[default]
    Adaptive,
    /// Outside the forecast band.
    Band,
}

impl DetectorKind {
    /// Every kind, in the order a picker lists them.
    pub const ALL: [DetectorKind; 2] = [DetectorKind::Adaptive, DetectorKind::Band];

    /// The kind's name on the command line and in the page (`adaptive`, `band`).
    pub fn name(self) -> &'static str {
        match self {
            DetectorKind::Adaptive => "adaptive",
            DetectorKind::Band => "band",
        }
    }

    /// Parses a name written by [`DetectorKind::name`].
    pub fn parse(s: &str) -> Option<DetectorKind> {
        DetectorKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// One line for a tooltip.
    pub fn describe(self) -> &'static str {
        match self {
            DetectorKind::Adaptive => {
                "flags values that are rare for this metric: beyond its usual range, a shape it has not shown, or far from its forecast; one threshold for every metric"
            }
            DetectorKind::Band => "flags every value outside the forecast band at the band's level",
        }
    }
}

/// How readily the adaptive detector flags: how rare a point must be (low: one in 5,000,
/// medium: one in 1,000, high: one in 300).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sensitivity {
    /// Only the clearest anomalies.
    Low,
    /// The default.
    #[default]
    Medium,
    /// More flags, more false alarms.
    High,
}

impl Sensitivity {
    /// Every level, least sensitive first.
    pub const ALL: [Sensitivity; 3] = [Sensitivity::Low, Sensitivity::Medium, Sensitivity::High];

    /// How rare a point must be to be flagged: `−log10` of its tail probability under its
    /// rarest view (3 = one in a thousand).
    pub fn surprise(self) -> f64 {
        rarity::flag_surprise(self)
    }

    /// Its name (`low`, `medium`, `high`).
    pub fn name(self) -> &'static str {
        match self {
            Sensitivity::Low => "low",
            Sensitivity::Medium => "medium",
            Sensitivity::High => "high",
        }
    }

    /// Parses a name written by [`Sensitivity::name`].
    pub fn parse(s: &str) -> Option<Sensitivity> {
        Sensitivity::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// A metric's own detector and sensitivity, as the user chose them in the Monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectorChoice {
    /// The metric's name.
    pub metric: String,
    /// Its detector.
    pub kind: DetectorKind,
    /// Its sensitivity.
    pub sensitivity: Sensitivity,
}

impl DetectorChoice {
    /// `base` with the choice made for `metric`, if one was.
    pub fn config_for(
        choices: &[DetectorChoice],
        metric: &str,
        base: &DetectConfig,
    ) -> DetectConfig {
        let mut config = base.clone();
        if let Some(c) = choices.iter().find(|c| c.metric == metric) {
            config.kind = c.kind;
            config.sensitivity = c.sensitivity;
        }
        config
    }
}

/// Which detector, how sensitive, and how its forecast trains and refits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectConfig {
    /// The detector.
    #[serde(default)]
    pub kind: DetectorKind,
    /// How readily the adaptive detector flags (the band detector flags by `level`).
    #[serde(default)]
    pub sensitivity: Sensitivity,
    /// Coverage of the forecast band, in (0, 1) (0.95).
    pub level: f64,
    /// Seasonal periods (detected by default).
    pub periods: Periods,
    /// Stream time from the first point before the first fit (5 minutes).
    pub train_ms: i64,
    /// Fewest points before the first fit, and the fewest a refit window keeps, whatever the
    /// cadence (100): five minutes are 150 points at a 2 s step but five at one a minute.
    pub min_train_points: usize,
    /// Stream time between refits (`train_ms`).
    pub refit_every_ms: i64,
    /// Refits use the points of this much recent stream time (twice `train_ms`), and at
    /// least three of the longest seasonal period.
    pub window_ms: i64,
    /// Refits stride the window down to this many points, bounding their cost (1000).
    pub max_fit_points: usize,
    /// Trend changepoints per fit (10).
    pub changepoints: usize,
    /// Delay of the first refit after training (0). Detectors that train together would
    /// otherwise refit in the same tick forever; the Monitor spreads them over the refit
    /// interval so one tick never pays for more than one refit.
    #[serde(default)]
    pub refit_offset_ms: i64,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig::with_train_ms(5 * 60_000)
    }
}

impl DetectConfig {
    /// Defaults scaled to a training window: refit once per its length, on twice its
    /// length (so each refit's cost, at most a few hundred µs, is spread over many points).
    pub fn with_train_ms(train_ms: i64) -> Self {
        DetectConfig {
            kind: DetectorKind::default(),
            sensitivity: Sensitivity::default(),
            level: 0.95,
            periods: Periods::Auto,
            train_ms,
            min_train_points: 100,
            refit_every_ms: train_ms.max(1),
            window_ms: train_ms.saturating_mul(2).max(1),
            max_fit_points: 1000,
            changepoints: 10,
            refit_offset_ms: 0,
        }
    }

    /// Checks every field, naming the first one out of range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(ConfigError::Fit(FitError::BadLevel { level: self.level }));
        }
        if let Periods::Fixed(ps) = &self.periods {
            if let Some(&p) = ps.iter().find(|p| !(p.is_finite() && **p > 0.0)) {
                return Err(ConfigError::Fit(FitError::BadPeriod { period_s: p }));
            }
        }
        for (field, v) in [
            ("train_ms", self.train_ms),
            ("refit_every_ms", self.refit_every_ms),
            ("window_ms", self.window_ms),
            ("refit_offset_ms", self.refit_offset_ms),
        ] {
            if v < 0 || (v == 0 && field != "train_ms" && field != "refit_offset_ms") {
                return Err(ConfigError::NotPositive { field, value: v });
            }
        }
        if self.max_fit_points < self.min_train_points.max(crate::core::forecast::MIN_POINTS) {
            return Err(ConfigError::FitPointsTooFew {
                max_fit_points: self.max_fit_points,
                min_train_points: self.min_train_points,
            });
        }
        Ok(())
    }
}

/// A configuration a detector cannot run with.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// The level or a period is invalid.
    Fit(FitError),
    /// A duration that must be positive is not.
    NotPositive {
        /// The field.
        field: &'static str,
        /// Its value.
        value: i64,
    },
    /// Refits could never gather enough points.
    FitPointsTooFew {
        /// Configured cap.
        max_fit_points: usize,
        /// Configured minimum.
        min_train_points: usize,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Fit(e) => e.fmt(f),
            ConfigError::NotPositive { field, value } => {
                write!(f, "{field} is {value} ms; it must be a positive duration")
            }
            ConfigError::FitPointsTooFew {
                max_fit_points,
                min_train_points,
            } => write!(
                f,
                "max_fit_points ({max_fit_points}) is below min_train_points ({min_train_points}); raise it"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// One judged point. `expected`, `lower` and `upper` are None while the detector trains.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Stream time (ms).
    pub t_ms: i64,
    /// The observed value (NaN when missing).
    pub value: f64,
    /// Forecast from the points before this one.
    pub expected: Option<f64>,
    /// Lower end of the band.
    pub lower: Option<f64>,
    /// Upper end of the band.
    pub upper: Option<f64>,
    /// How anomalous, in [0, 1] (see the detector's kind for the scale).
    pub score: f64,
    /// Flagged: the score reached the sensitivity's threshold (adaptive), or the value lies
    /// outside the band (band).
    pub anomaly: bool,
    /// What drove the score, once the detector judges.
    #[serde(default)]
    pub why: Option<Why>,
}

/// The view of the metric's history under which a point looked most anomalous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// Higher or lower than the recent values.
    Range,
    /// The recent shape (the last few blocks of points) is unlike any earlier one.
    Shape,
    /// Far from the forecast, compared with the forecast's usual errors.
    Forecast,
}

impl Cause {
    /// Its name in outputs (`range`, `shape`, `forecast`).
    pub fn name(self) -> &'static str {
        match self {
            Cause::Range => "range",
            Cause::Shape => "shape",
            Cause::Forecast => "forecast",
        }
    }

    /// Words for a tooltip.
    pub fn describe(self) -> &'static str {
        match self {
            Cause::Range => "outside the metric's usual range",
            Cause::Shape => "a shape the metric has not shown before",
            Cause::Forecast => "far from the forecast",
        }
    }
}

/// Why a point scored as it did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Why {
    /// The view that found it rarest.
    pub cause: Cause,
    /// How rare under that view: `−log10` of the tail probability (3 = one in a thousand).
    pub surprise: f64,
    /// How far out, in that view's unit: spreads beyond the record (range), nearest-shape
    /// distance in spreads (shape), or half-widths of the band beyond it (forecast; negative
    /// inside the band).
    pub distance: f64,
}

impl Point {
    /// The point as evidence for the incident engine, as series `series`; None while the
    /// detector trains (no band yet, so nothing to judge).
    pub fn evidence(&self, series: u32) -> Option<crate::core::incident::Evidence> {
        Some(crate::core::incident::Evidence {
            t_ms: self.t_ms,
            series,
            value: self.value,
            expected: self.expected?,
            lower: self.lower?,
            upper: self.upper?,
            score: self.score,
            anomaly: self.anomaly,
        })
    }

    /// Why the detector configured by `config` judged this point as it did, in words: the
    /// view that found it rarest, how far out, and how rare against the flag's bar.
    ///
    /// ```
    /// use pipescope::core::detect::{DetectConfig, Detector, Judge};
    /// let mut d = Detector::new(DetectConfig::default()).unwrap();
    /// assert!(d.push(0, 1.0).explain(&DetectConfig::default()).starts_with("not judged"));
    /// ```
    pub fn explain(&self, config: &DetectConfig) -> String {
        if !self.value.is_finite() {
            return "not judged: no value at this time".into();
        }
        let Some(why) = self.why else {
            return if self.expected.is_some() {
                "not judged: the detector is still learning this metric".into()
            } else {
                "not judged: the detector trains on the first points".into()
            };
        };
        let far = match why.cause {
            Cause::Range => format!(
                "{:.1} spreads beyond the values seen",
                why.distance.max(0.0)
            ),
            Cause::Shape => format!(
                "nearest earlier shape {:.1} spreads away",
                why.distance.max(0.0)
            ),
            Cause::Forecast if why.distance >= 0.0 => {
                format!("{:.1} band half-widths outside the band", why.distance)
            }
            Cause::Forecast => "inside the band".to_string(),
        };
        let verdict = if self.anomaly {
            "flagged"
        } else {
            "not flagged"
        };
        match config.kind {
            DetectorKind::Adaptive => format!(
                "{verdict}: {} ({far}); about 1 in {} under that view, the bar at {} sensitivity is 1 in {}",
                why.cause.describe(),
                odds(why.surprise),
                config.sensitivity.name(),
                odds(config.sensitivity.surprise()),
            ),
            DetectorKind::Band => format!(
                "{verdict}: {} ({far}); the band covers {:.1}% of values",
                if self.anomaly { "outside the forecast band" } else { "within the forecast band" },
                config.level * 100.0
            ),
        }
    }
}

/// `10^surprise` as a rounded count with separators: 3.0 → "1,000".
fn odds(surprise: f64) -> String {
    let x = 10f64.powf(surprise.clamp(0.0, 15.0));
    let digits = x.log10().floor() as i32;
    // Two significant figures.
    let unit = 10f64.powi((digits - 1).max(0));
    crate::core::text::group_thousands(((x / unit).round() * unit) as u64)
}

/// One detector's interface: a causal fold from points to judgements.
pub trait Judge {
    /// Judges one point from what came before it, then learns from it. A non-finite value
    /// (missing data) is not flagged and not learnt.
    fn push(&mut self, t_ms: i64, value: f64) -> Point;
    /// Whether the forecast is trained (the band exists).
    fn is_trained(&self) -> bool;
    /// Forecast fits made so far (the training fit included).
    fn fits(&self) -> u64;
    /// The configuration.
    fn config(&self) -> &DetectConfig;
}

/// The detector a metric uses, of the kind its configuration names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Detector {
    /// See [`adaptive`].
    Adaptive(AdaptiveDetector),
    /// See [`band`].
    Band(BandDetector),
}

impl Detector {
    /// A detector of `config.kind`; an invalid configuration is refused.
    ///
    /// ```
    /// use pipescope::core::detect::{DetectConfig, Detector, Judge};
    /// let mut d = Detector::new(DetectConfig::default()).unwrap();
    /// let p = d.push(0, 1.0);
    /// assert!(!p.anomaly);
    /// ```
    pub fn new(config: DetectConfig) -> Result<Detector, ConfigError> {
        config.validate()?;
        Ok(match config.kind {
            DetectorKind::Adaptive => Detector::Adaptive(AdaptiveDetector::new(config)?),
            DetectorKind::Band => Detector::Band(BandDetector::new(config)?),
        })
    }

    /// A detector whose forecast starts from a model trained elsewhere.
    pub fn with_model(config: DetectConfig, model: FittedModel) -> Result<Detector, ConfigError> {
        Ok(match config.kind {
            DetectorKind::Adaptive => {
                Detector::Adaptive(AdaptiveDetector::with_model(config, model)?)
            }
            DetectorKind::Band => Detector::Band(BandDetector::with_model(config, model)?),
        })
    }

    /// A detector whose first forecast is fitted on training data from elsewhere (say, an
    /// uploaded file of the metric's last hour), with the same settings as its refits.
    pub fn pretrained(
        config: DetectConfig,
        times_ms: &[i64],
        values: &[f64],
    ) -> Result<Detector, ConfigError> {
        config.validate()?;
        Ok(match config.kind {
            DetectorKind::Adaptive => {
                Detector::Adaptive(AdaptiveDetector::pretrained(config, times_ms, values)?)
            }
            DetectorKind::Band => {
                Detector::Band(BandDetector::pretrained(config, times_ms, values)?)
            }
        })
    }

    fn inner(&self) -> &dyn Judge {
        match self {
            Detector::Adaptive(d) => d,
            Detector::Band(d) => d,
        }
    }

    /// Judges one point from what came before it, then learns from it (see [`Judge::push`]).
    pub fn push(&mut self, t_ms: i64, value: f64) -> Point {
        Judge::push(self, t_ms, value)
    }

    /// Whether the forecast is trained.
    pub fn is_trained(&self) -> bool {
        self.inner().is_trained()
    }

    /// Forecast fits made so far.
    pub fn fits(&self) -> u64 {
        self.inner().fits()
    }

    /// The configuration.
    pub fn config(&self) -> &DetectConfig {
        self.inner().config()
    }

    /// The forecast band's detector (the adaptive one draws its band from it).
    pub fn band(&self) -> &BandDetector {
        match self {
            Detector::Adaptive(d) => d.band(),
            Detector::Band(d) => d,
        }
    }

    /// The current forecast model, once trained.
    pub fn model(&self) -> Option<&FittedModel> {
        self.band().model()
    }

    /// Points currently held for refits.
    pub fn window_len(&self) -> usize {
        self.band().window_len()
    }
}

impl Judge for Detector {
    fn push(&mut self, t_ms: i64, value: f64) -> Point {
        match self {
            Detector::Adaptive(d) => d.push(t_ms, value),
            Detector::Band(d) => d.push(t_ms, value),
        }
    }

    fn is_trained(&self) -> bool {
        self.inner().is_trained()
    }

    fn fits(&self) -> u64 {
        self.inner().fits()
    }

    fn config(&self) -> &DetectConfig {
        self.inner().config()
    }
}

/// Runs a fresh detector over a whole series and returns one point per input, in input
/// order. Points are judged in time order (a stable sort, so a sorted series is judged
/// exactly in input order and equal times keep their input order).
pub fn detect_series(
    config: &DetectConfig,
    times_ms: &[i64],
    values: &[f64],
) -> Result<Vec<Point>, ConfigError> {
    let mut detector = Detector::new(config.clone())?;
    let n = times_ms.len().min(values.len());
    let mut order: Vec<usize> = (0..n).collect();
    if !times_ms[..n].windows(2).all(|w| w[0] <= w[1]) {
        order.sort_by_key(|&i| times_ms[i]);
    }
    let mut out = vec![
        Point {
            t_ms: 0,
            value: f64::NAN,
            expected: None,
            lower: None,
            upper: None,
            score: 0.0,
            anomaly: false,
            why: None,
        };
        n
    ];
    for i in order {
        out[i] = detector.push(times_ms[i], values[i]);
    }
    Ok(out)
}
