//! The engine's settings and why a set of them cannot run.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Engine settings. Durations are counted in each metric's own steps (its typical spacing
/// between points), so one set of defaults works at a 1 s and at a 5 min cadence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentConfig {
    /// A metric goes over after the flags of about this much stream time in a row (5 min) ...
    pub min_duration_ms: i64,
    /// ... but at least this many flagged points (2: one point alone never pages) ...
    pub min_points: u32,
    /// ... and at most this many (5: a slow metric pages within five steps).
    pub max_points: u32,
    /// Steps for an accumulator to halve (5).
    pub half_life_steps: f64,
    /// Level, in flagged points, below which an over metric is back to normal (1).
    pub close_threshold: f64,
    /// Steps with no metric over before an incident resolves (5).
    pub quiet_steps: f64,
    /// The series that can open incidents; None means every series.
    pub counted: Option<Vec<u32>>,
    /// How many metrics over at once make severity 1 (≥ 1).
    pub sev1_metrics: usize,
    /// Most points kept in an incident's sparkline (≥ 3); older points are merged in pairs.
    pub sparkline_len: usize,
    /// Most anomalies kept in the anomaly log; the oldest are dropped first.
    pub anomaly_log_len: usize,
    /// Error alerts: severity 1 needs the rate ratio's lower 95% bound (or, with no
    /// interval, the ratio itself) at least this high ...
    pub alert_sev1_ratio: f64,
    /// ... and at least this many candidate events of the code.
    pub alert_sev1_events: u64,
}

impl Default for IncidentConfig {
    fn default() -> Self {
        IncidentConfig {
            min_duration_ms: 300_000,
            min_points: 2,
            max_points: 5,
            half_life_steps: 5.0,
            close_threshold: 1.0,
            quiet_steps: 5.0,
            counted: None,
            sev1_metrics: 2,
            sparkline_len: 64,
            anomaly_log_len: 10_000,
            alert_sev1_ratio: 2.0,
            alert_sev1_events: 100,
        }
    }
}

impl IncidentConfig {
    /// Check the settings.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(self.half_life_steps.is_finite()
            && (MIN_HALF_LIFE_STEPS..=MAX_HALF_LIFE_STEPS).contains(&self.half_life_steps))
        {
            return Err(ConfigError::HalfLife(self.half_life_steps));
        }
        if self.min_duration_ms < 0 {
            return Err(ConfigError::MinDuration(self.min_duration_ms));
        }
        if self.min_points == 0 || self.max_points < self.min_points || self.max_points > MAX_POINTS
        {
            return Err(ConfigError::Points {
                min: self.min_points,
                max: self.max_points,
            });
        }
        let open = self.open_level(self.min_points);
        if !(self.close_threshold.is_finite()
            && self.close_threshold > 0.0
            && self.close_threshold < open)
        {
            return Err(ConfigError::CloseThreshold {
                close: self.close_threshold,
                open,
            });
        }
        if !(self.quiet_steps.is_finite() && (0.0..=MAX_QUIET_STEPS).contains(&self.quiet_steps)) {
            return Err(ConfigError::QuietSteps(self.quiet_steps));
        }
        if self.sev1_metrics == 0 {
            return Err(ConfigError::Sev1Metrics);
        }
        if self.sparkline_len < 3 {
            return Err(ConfigError::SparklineLen(self.sparkline_len));
        }
        if !self.alert_sev1_ratio.is_finite() {
            return Err(ConfigError::AlertRatio(self.alert_sev1_ratio));
        }
        Ok(())
    }

    /// Flagged points in a row that open an incident at a cadence of `step_ms`.
    pub fn points_to_open(&self, step_ms: f64) -> u32 {
        let k = if step_ms > 0.0 {
            (self.min_duration_ms as f64 / step_ms).ceil()
        } else {
            f64::INFINITY
        };
        (k.min(f64::from(self.max_points)) as u32).clamp(self.min_points, self.max_points)
    }

    /// The accumulator level that `k` flagged points in a row, one step apart, reach:
    /// `Σ_{j<k} 2^(−j/h)`; a metric goes over there.
    pub fn open_level(&self, k: u32) -> f64 {
        (0..k)
            .map(|j| (-(f64::from(j)) / self.half_life_steps).exp2())
            .sum()
    }

    /// Why these rules can never open an incident for a metric stepping every `step_ms`
    /// whose detector stops flagging a lasting change after `lasting_flags` points; None
    /// when they can.
    pub fn impossible(&self, step_ms: f64, lasting_flags: usize) -> Option<String> {
        if self.counted.as_ref().is_some_and(|c| c.is_empty()) {
            return Some("no metric is counted for incidents".into());
        }
        let k = self.points_to_open(step_ms);
        (k as usize > lasting_flags).then(|| {
            format!(
                "an incident needs {k} flagged points in a row, but the detector accepts a lasting change as normal after {lasting_flags} points: lower the points to open to {lasting_flags} or fewer"
            )
        })
    }

    /// Whether `series` can open incidents.
    pub(super) fn counts(&self, series: u32) -> bool {
        self.counted.as_ref().is_none_or(|c| c.contains(&series))
    }
}

/// Shortest and longest half-life, in steps.
pub const MIN_HALF_LIFE_STEPS: f64 = 0.1;
/// See [`MIN_HALF_LIFE_STEPS`].
pub const MAX_HALF_LIFE_STEPS: f64 = 1000.0;
/// Most flagged points an incident can wait for.
pub const MAX_POINTS: u32 = 1000;
/// Longest quiet time, in steps.
pub const MAX_QUIET_STEPS: f64 = 100_000.0;

/// Settings the engine cannot run with.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// The half-life is out of range.
    HalfLife(f64),
    /// The minimum duration is negative.
    MinDuration(i64),
    /// The point bounds are out of order or range.
    Points {
        /// Fewest points given.
        min: u32,
        /// Most points given.
        max: u32,
    },
    /// The close threshold is not between 0 and the level `min_points` flags reach.
    CloseThreshold {
        /// The close threshold given.
        close: f64,
        /// The lowest open level.
        open: f64,
    },
    /// The quiet time is out of range.
    QuietSteps(f64),
    /// Severity 1 would need 0 metrics.
    Sev1Metrics,
    /// The sparkline could hold fewer than 3 points.
    SparklineLen(usize),
    /// The alert ratio bar is not a number.
    AlertRatio(f64),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::HalfLife(h) => write!(
                f,
                "half-life of {h} steps: it must be between {MIN_HALF_LIFE_STEPS} and {MAX_HALF_LIFE_STEPS}"
            ),
            ConfigError::MinDuration(d) => {
                write!(f, "minimum duration of {d} ms: it must be 0 or more")
            }
            ConfigError::Points { min, max } => write!(
                f,
                "points to open an incident {min} to {max}: the fewest must be at least 1 and the most between it and {MAX_POINTS}"
            ),
            ConfigError::CloseThreshold { close, open } => write!(
                f,
                "close threshold {close}: it must be above 0 and below {open:.2}, the level the fewest flagged points reach"
            ),
            ConfigError::QuietSteps(q) => write!(
                f,
                "quiet time of {q} steps: it must be between 0 and {MAX_QUIET_STEPS}"
            ),
            ConfigError::Sev1Metrics => {
                write!(f, "severity 1 must need at least 1 metric over at once")
            }
            ConfigError::SparklineLen(n) => {
                write!(f, "sparkline length {n}: it must hold at least 3 points")
            }
            ConfigError::AlertRatio(r) => write!(f, "alert ratio bar {r}: it must be a number"),
        }
    }
}

impl std::error::Error for ConfigError {}
