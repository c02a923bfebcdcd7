//! The engine's settings and why a set of them cannot run.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Engine settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentConfig {
    /// Stream milliseconds for an accumulator to halve (> 0).
    pub half_life_ms: i64,
    /// Accumulator level at which a metric goes over.
    pub open_threshold: f64,
    /// Level below which an over metric is back to normal (< `open_threshold`).
    pub close_threshold: f64,
    /// Stream milliseconds with no metric over before an incident resolves (≥ 0).
    pub quiet_ms: i64,
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
            half_life_ms: 20_000,
            open_threshold: 4.0,
            close_threshold: 1.0,
            quiet_ms: 10_000,
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
        if self.half_life_ms <= 0 {
            return Err(ConfigError::HalfLife(self.half_life_ms));
        }
        if !(self.open_threshold.is_finite() && self.open_threshold > 0.0) {
            return Err(ConfigError::OpenThreshold(self.open_threshold));
        }
        if !(self.close_threshold.is_finite()
            && self.close_threshold > 0.0
            && self.close_threshold < self.open_threshold)
        {
            return Err(ConfigError::CloseThreshold {
                close: self.close_threshold,
                open: self.open_threshold,
            });
        }
        if self.quiet_ms < 0 {
            return Err(ConfigError::QuietMs(self.quiet_ms));
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

    /// Whether `series` can open incidents.
    pub(super) fn counts(&self, series: u32) -> bool {
        self.counted.as_ref().is_none_or(|c| c.contains(&series))
    }
}

/// Settings the engine cannot run with.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// The half-life is not positive.
    HalfLife(i64),
    /// The open threshold is not a positive number.
    OpenThreshold(f64),
    /// The close threshold is not between 0 and the open threshold.
    CloseThreshold {
        /// The close threshold given.
        close: f64,
        /// The open threshold given.
        open: f64,
    },
    /// The quiet time is negative.
    QuietMs(i64),
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
            ConfigError::HalfLife(h) => write!(f, "half-life of {h} ms: it must be above 0"),
            ConfigError::OpenThreshold(t) => {
                write!(f, "open threshold {t}: it must be a number above 0")
            }
            ConfigError::CloseThreshold { close, open } => write!(
                f,
                "close threshold {close}: it must be above 0 and below the open threshold {open}"
            ),
            ConfigError::QuietMs(q) => write!(f, "quiet time of {q} ms: it must be 0 or more"),
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
