//! Detection quality: run the causal detector and the incident engine over series whose
//! incidents are known, and score what they flagged (recall, precision and detection delay
//! per kind of incident), for the report `pipescope quality` writes.
//!
//! - [`corpus`] builds the simulated corpus from [`crate::core::simulator`] (seeded, so
//!   every run scores the same series);
//! - [`cadence`] builds it again at 1 s, 10 s, 15 s, 60 s and 5 min steps, and minute-level
//!   clean series with a daily cycle;
//! - [`real`] reads real public series and their labels exported by
//!   `tests/quality/export.py`;
//! - [`score`] holds the definitions (detections, matching, delay) and the evaluation;
//! - [`nab`] reads the NAB benchmark's results (run by a harness outside the repository);
//! - [`report`] renders the markdown report.
//!
//! Nothing here changes how detection works: every series goes through
//! [`crate::core::detect::detect_series`] and [`crate::core::incident::IncidentEngine`],
//! the code the page and `pipescope detect` / `incidents` run.

pub mod cadence;
pub mod corpus;
pub mod nab;
pub mod real;
pub mod report;
pub mod score;

use serde::{Deserialize, Serialize};

use crate::core::detect::DetectConfig;
use crate::core::simulator::InjectionKind;

pub use score::{
    chance_scores, evaluate, group_detections, median, run_detector, run_incidents, score_points,
    summarize, Detection, KindSummary, ScoreConfig, SeriesScore, WindowOutcome,
};

/// A labelled incident: stream time `[start_ms, end_ms)` of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// First stream time of the incident.
    pub start_ms: i64,
    /// Stream time just after it (exclusive).
    pub end_ms: i64,
    /// What happened, in the simulator's vocabulary.
    pub kind: InjectionKind,
    /// Which variant (magnitude, length) or which real event, for the report.
    pub variant: String,
}

/// A series with its labelled incidents and the detector settings it is judged with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledSeries {
    /// Unique name, shown in the report.
    pub name: String,
    /// The metric or source it comes from (`energy_price`, `nile`, ...).
    pub group: String,
    /// Stream times in ms, sorted.
    pub times_ms: Vec<i64>,
    /// Values (NaN for a missing one), as long as `times_ms`.
    pub values: Vec<f64>,
    /// Labelled incidents; empty for a clean series.
    pub windows: Vec<Window>,
    /// How the detector runs on it.
    pub detect: DetectConfig,
}

impl LabelledSeries {
    /// The series' sampling step: the median spacing of consecutive distinct times (1 ms
    /// when there are fewer than two distinct times), so grace and delay can be counted in
    /// steps on series sampled every 2 s or every year.
    pub fn step_ms(&self) -> i64 {
        let mut d: Vec<i64> = self
            .times_ms
            .windows(2)
            .map(|w| w[1].saturating_sub(w[0]))
            .filter(|&d| d > 0)
            .collect();
        if d.is_empty() {
            return 1;
        }
        let mid = d.len() / 2;
        *d.select_nth_unstable(mid).1
    }

    /// Whether every window is of `kind` (and there is at least one).
    pub fn only_kind(&self) -> Option<InjectionKind> {
        let first = self.windows.first()?.kind;
        self.windows
            .iter()
            .all(|w| w.kind == first)
            .then_some(first)
    }
}
