//! The adaptive detector: the forecast band draws the chart and the forecast errors, and
//! [`Novelty`] scores each point by how rare it is for this metric (see [`super::novelty`]).
//! A point is flagged when its score reaches the sensitivity's threshold.

use serde::{Deserialize, Serialize};

use super::band::BandDetector;
use super::novelty::{Forecast, Novelty, Tuning};
use super::{ConfigError, DetectConfig, Judge, Point};
use crate::core::forecast::FittedModel;

/// Forecast band plus calibrated rarity score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdaptiveDetector {
    band: BandDetector,
    novelty: Novelty,
}

impl AdaptiveDetector {
    /// A detector with the product's tuning.
    pub fn new(config: DetectConfig) -> Result<Self, ConfigError> {
        Self::with_tuning(config, Tuning::default())
    }

    /// A detector with other score settings (experiments, benchmarks).
    pub fn with_tuning(config: DetectConfig, tuning: Tuning) -> Result<Self, ConfigError> {
        Ok(AdaptiveDetector {
            band: BandDetector::new(config)?,
            novelty: Novelty::new(tuning),
        })
    }

    /// Starts from a forecast model trained elsewhere.
    pub fn with_model(config: DetectConfig, model: FittedModel) -> Result<Self, ConfigError> {
        Ok(AdaptiveDetector {
            band: BandDetector::with_model(config, model)?,
            novelty: Novelty::new(Tuning::default()),
        })
    }

    /// The forecast band underneath.
    pub fn band(&self) -> &BandDetector {
        &self.band
    }
}

impl Judge for AdaptiveDetector {
    fn push(&mut self, t_ms: i64, value: f64) -> Point {
        let mut p = self.band.push(t_ms, value);
        let forecast = match (p.expected, p.lower, p.upper) {
            (Some(expected), Some(lower), Some(upper)) => Some(Forecast {
                expected,
                lower,
                upper,
            }),
            _ => None,
        };
        let v = self.novelty.judge(value, forecast);
        if forecast.is_none() {
            // Nothing is judged while the forecast trains (its window is the warm-up).
            p.score = 0.0;
            p.why = None;
            p.anomaly = false;
            return p;
        }
        p.score = v.score;
        p.why = v.why;
        // Flagged while the point itself is rare; the score marks when an episode starts.
        p.anomaly = value.is_finite()
            && v.why.is_some()
            && v.rarity >= self.band.config().sensitivity.threshold();
        p
    }

    fn is_trained(&self) -> bool {
        self.band.is_trained()
    }

    fn fits(&self) -> u64 {
        self.band.fits()
    }

    fn config(&self) -> &DetectConfig {
        self.band.config()
    }
}
