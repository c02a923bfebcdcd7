//! What the engine reports: incident cards, the anomaly log, and why a user action on an
//! incident cannot be done.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Evidence;

/// Whether an incident still needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IncidentState {
    /// Still happening.
    Open,
    /// Resolved by itself.
    Resolved,
}

impl IncidentState {
    /// `open` or `resolved`.
    pub fn name(self) -> &'static str {
        match self {
            IncidentState::Open => "open",
            IncidentState::Resolved => "resolved",
        }
    }
}

/// What opened an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// Externally tagged (`"metrics"` or `{"error-alert": {...}}`): internal tags would need
// self-describing formats, and the journal checkpoints engines with postcard.
#[serde(rename_all = "kebab-case")]
pub enum IncidentSource {
    /// Metric anomalies (Monitor workspace).
    Metrics,
    /// A build-regression alert (Errors workspace).
    ErrorAlert {
        /// The error code's label.
        code: String,
        /// The detector (`rate-test` or `mean-threshold`).
        method: String,
        /// Latest candidate/baseline rate ratio (mean-threshold: window mean).
        ratio: f64,
        /// Latest lower 95% bound of the ratio (rate-test only).
        ci_low: Option<f64>,
        /// Baseline events of the code.
        baseline_count: u64,
        /// Candidate events of the code.
        candidate_count: u64,
        /// The figures that set the severity (None in books kept before they were).
        #[serde(default)]
        decided: Option<super::AlertPeak>,
    },
    /// A data check that did not pass (Checks workspace).
    Check {
        /// The check's name.
        check: String,
        /// `fail` or `warn`.
        level: String,
        /// The column it looks at, if one.
        column: Option<String>,
        /// What was found on the latest failing file.
        observed: String,
        /// What the check asks for.
        expected: String,
        /// The latest file it failed on.
        file: String,
    },
    /// A user-written rule that fired (core::rules).
    Rule {
        /// The rule's name.
        rule: String,
        /// Its condition in words.
        condition: String,
        /// The metric or error code it fired on.
        target: String,
        /// The error code, for a rule on an error stream.
        code: Option<String>,
        /// The value that crossed (seconds of silence for an absent rule).
        value: f64,
    },
}

impl IncidentSource {
    /// The workspace whose book holds such incidents: `monitor`, `errors` or `checks`.
    pub fn workspace(&self) -> &'static str {
        match self {
            IncidentSource::Metrics => "monitor",
            IncidentSource::ErrorAlert { .. } => "errors",
            IncidentSource::Check { .. } => "checks",
            IncidentSource::Rule {
                code: None,
                condition,
                ..
            } if condition.starts_with(crate::core::rules::CHECK_PREFIX) => "checks",
            IncidentSource::Rule { code: None, .. } => "monitor",
            IncidentSource::Rule { code: Some(_), .. } => "errors",
        }
    }

    /// The source as the `source` label and CSV column say it: `metrics`, `error-alert`,
    /// `check` or `rule`.
    pub fn kind(&self) -> &'static str {
        match self {
            IncidentSource::Metrics => "metrics",
            IncidentSource::ErrorAlert { .. } => "error-alert",
            IncidentSource::Check { .. } => "check",
            IncidentSource::Rule { .. } => "rule",
        }
    }
}

/// One incident card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Unique, increasing from 1.
    pub id: u64,
    /// 1 (most severe) or 2; an incident only ever escalates.
    pub severity: u8,
    /// Open or resolved.
    pub state: IncidentState,
    /// What opened it.
    pub source: IncidentSource,
    /// Names of the metrics involved (for an error alert, the code label).
    pub metrics: Vec<String>,
    /// Series ids of the metrics involved (empty for an error alert).
    pub series: Vec<u32>,
    /// Stream ms of the first anomaly of the run that opened it (error alert: its start).
    pub start_ms: i64,
    /// Stream ms it opened (the threshold was crossed; error alert: raised at).
    pub opened_ms: i64,
    /// Stream ms the evidence ended; None while open.
    pub end_ms: Option<i64>,
    /// `end − start`, or up to the engine's clock while open.
    pub duration_ms: i64,
    /// Metrics: largest |value − expected| in half band widths; error alert: peak ratio.
    pub peak_deviation: f64,
    /// Metrics: anomalous points of the metrics involved; error alert: candidate events.
    pub anomaly_count: u64,
    /// Bounded (stream ms, level) evidence: the highest accumulator of the metrics, or the
    /// alert's ratio.
    pub sparkline: Vec<(i64, f64)>,
    /// Set by the user.
    pub acknowledged: bool,
    /// Free text set by the user; kept as data in every export.
    pub note: String,
    /// What silences it (a silence's comment), if one did while it was open: it is
    /// recorded, but no sink receives it.
    #[serde(default)]
    pub silenced: Option<String>,
}

impl Incident {
    /// Unique across workspaces (each book numbers its own from 1): `monitor-3`.
    pub fn uid(&self) -> String {
        format!("{}-{}", self.source.workspace(), self.id)
    }
}

/// One anomalous point as logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyRecord {
    /// The evidence.
    pub evidence: Evidence,
    /// The incident open on that metric at the time, if any.
    pub incident: Option<u64>,
}

/// A user action on an incident that cannot be done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentError {
    /// No incident has this id.
    UnknownId(u64),
}

impl fmt::Display for IncidentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IncidentError::UnknownId(id) => write!(f, "no incident #{id}"),
        }
    }
}

impl std::error::Error for IncidentError {}
