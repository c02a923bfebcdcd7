//! The adaptive detector: the forecast band draws the chart and the forecast errors, and
//! [`Novelty`] scores each point by how rare it is for this metric (see [`super::novelty`]).
//! A point is flagged when its score reaches the sensitivity's threshold.
//!
//! The score's forecast view and the flagging's forecast reference would hold the same
//! window: both learn every point's forecast error `x − expected` and keep the last 2,000.
//! One copy is kept (the flagging's) and the score reads it: a window less to push and to
//! keep in cache on every point. Training data from elsewhere ([`AdaptiveDetector::pretrained`])
//! gives the flagging the training errors and the score none, so the two are apart until
//! 2,000 points have been judged; the score keeps its own copy until then.

use serde::{Deserialize, Serialize};

use super::band::BandDetector;
use super::novelty::{Forecast, Novelty, Tuning};
use super::rarity::{flag_surprise, Rarity, ERROR_CAP};
use super::{ConfigError, DetectConfig, Judge, Point};
use crate::core::forecast::FittedModel;

/// Forecast band plus calibrated rarity score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdaptiveDetector {
    band: BandDetector,
    novelty: Novelty,
    rarity: Rarity,
    /// Whether the score reads the flagging's forecast errors rather than a copy of its own
    /// (see the module's doc; false for a pretrained detector until the copies agree).
    #[serde(default)]
    shared_errors: bool,
}

impl AdaptiveDetector {
    /// A detector with the product's tuning.
    pub fn new(config: DetectConfig) -> Result<Self, ConfigError> {
        Self::with_tuning(config, Tuning::default())
    }

    /// A detector with other score settings (experiments, benchmarks).
    pub fn with_tuning(config: DetectConfig, tuning: Tuning) -> Result<Self, ConfigError> {
        Ok(AdaptiveDetector::of(
            BandDetector::new(config)?,
            Novelty::new(tuning),
            Rarity::new(),
        ))
    }

    /// Starts from a forecast model trained elsewhere.
    pub fn with_model(config: DetectConfig, model: FittedModel) -> Result<Self, ConfigError> {
        Ok(AdaptiveDetector::of(
            BandDetector::with_model(config, model)?,
            Novelty::new(Tuning::default()),
            Rarity::new(),
        ))
    }

    /// A detector whose forecast is fitted on training data from elsewhere and whose score
    /// has already learnt those values (in time order), so it judges from the first point.
    pub fn pretrained(
        config: DetectConfig,
        times_ms: &[i64],
        values: &[f64],
    ) -> Result<Self, ConfigError> {
        let band = BandDetector::pretrained(config, times_ms, values)?;
        let mut novelty = Novelty::new(Tuning::default());
        let mut rarity = Rarity::new();
        let mut order: Vec<usize> = (0..times_ms.len().min(values.len())).collect();
        order.sort_by_key(|&i| times_ms[i]);
        for i in order {
            novelty.learn(values[i]);
            // In-sample errors of the trained forecast stand in for its forecast errors.
            let expected = band
                .model()
                .map(|m| m.predict(times_ms[i] as f64 / 1000.0).expected);
            rarity.learn(times_ms[i], values[i], expected.map(|e| values[i] - e));
        }
        Ok(AdaptiveDetector::of(band, novelty, rarity))
    }

    /// The detector of these parts, the forecast errors shared when the two copies agree.
    fn of(band: BandDetector, novelty: Novelty, rarity: Rarity) -> Self {
        let mut d = AdaptiveDetector {
            band,
            novelty,
            rarity,
            shared_errors: false,
        };
        d.share_errors_if_same();
        d
    }

    /// Drops the score's copy of the forecast errors once it holds what the flagging's does:
    /// both empty (a fresh detector), or both full of the same last errors (the score's
    /// copy full means every error in it was learnt by both).
    fn share_errors_if_same(&mut self) {
        let own = self.novelty.own_errors();
        let same = self.novelty.tuning().err_cap == ERROR_CAP
            && (own.is_empty() && self.rarity.errors().is_empty() || own.len() == ERROR_CAP);
        if same && !self.shared_errors {
            self.novelty.forget_errors();
            self.shared_errors = true;
        }
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
        let period_ms = self.band.model().and_then(|m| {
            let p = m
                .seasonalities()
                .iter()
                .map(|s| s.period_s)
                .fold(0.0, f64::max);
            (p > 0.0).then_some(p * 1000.0)
        });
        let v = if self.shared_errors {
            self.novelty
                .judge_sharing(value, forecast, self.rarity.errors())
        } else {
            let v = self.novelty.judge(value, forecast);
            self.share_errors_if_same();
            v
        };
        let t = self.novelty.tuning();
        let span = t.block * t.shape_len;
        let why = self
            .rarity
            .judge(t_ms, value, forecast, period_ms, v.shape, span, v.scale);
        if forecast.is_none() || !self.novelty.judges() {
            // Nothing is judged while the forecast trains (its window is the warm-up).
            p.score = 0.0;
            p.why = None;
            p.anomaly = false;
            return p;
        }
        p.score = v.score;
        p.why = why;
        // Flagged while the point itself is rare; the score marks when an episode starts.
        let bar = flag_surprise(self.band.config().sensitivity);
        p.anomaly = why.is_some_and(|w| w.surprise >= bar);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rng::SplitMix64;

    /// A simulator-like stream: 2 s steps, a 60 s triangle, noise and rare spikes.
    fn stream(n: usize) -> Vec<(i64, f64)> {
        let mut rng = SplitMix64::new(3);
        (0..n)
            .map(|i| {
                let t_ms = i as i64 * 2000;
                let ph = (t_ms % 60_000) as f64 / 60_000.0;
                let tri = if ph < 0.5 { ph * 2.0 } else { 2.0 - ph * 2.0 };
                let spike = if rng.below(300) == 0 { 400.0 } else { 0.0 };
                (t_ms, 1.0 + 499.0 * tri + 10.0 * rng.normal() + spike)
            })
            .collect()
    }

    #[test]
    fn a_state_keeping_two_copies_of_the_errors_judges_the_same() {
        let s = stream(5000);
        let mut shared = AdaptiveDetector::new(DetectConfig::default()).unwrap();
        for &(t, v) in &s[..1500] {
            shared.push(t, v);
        }
        assert!(shared.shared_errors);
        assert!(shared.novelty.own_errors().is_empty());
        let held = shared.rarity.errors().len();
        assert!(held > 1000 && held < ERROR_CAP, "{held}");
        // A state from before the sharing: no flag, the score holding its own copy.
        let mut two = shared.clone();
        two.shared_errors = false;
        two.novelty.keep_errors(shared.rarity.errors().clone());
        assert!(!two.shared_errors);
        let mut switched_at = None;
        for (i, &(t, v)) in s[1500..].iter().enumerate() {
            assert_eq!(shared.push(t, v), two.push(t, v), "point {}", 1500 + i);
            if two.shared_errors && switched_at.is_none() {
                switched_at = Some(i);
            }
        }
        // It keeps its copy until the copy is full, then drops it.
        assert_eq!(switched_at, Some(ERROR_CAP - held - 1));
        assert!(two.novelty.own_errors().is_empty());
    }

    #[test]
    fn a_pretrained_detector_shares_the_errors_once_its_copies_agree() {
        let s = stream(4000);
        let (times, values): (Vec<i64>, Vec<f64>) = s[..600].iter().copied().unzip();
        let mut d = AdaptiveDetector::pretrained(DetectConfig::default(), &times, &values).unwrap();
        // The flagging learnt the training errors; the score did not.
        assert!(!d.shared_errors);
        assert!(d.novelty.own_errors().is_empty() && !d.rarity.errors().is_empty());
        for &(t, v) in &s[600..600 + ERROR_CAP - 1] {
            d.push(t, v);
        }
        assert!(!d.shared_errors);
        d.push(s[599 + ERROR_CAP].0, s[599 + ERROR_CAP].1);
        assert!(d.shared_errors);
        assert!(d.novelty.own_errors().is_empty());
    }
}
