//! Real public series with known incidents, as `tests/quality/export.py` writes them: one
//! CSV per series (`t_ms,value`, epoch milliseconds, empty value when missing) and a
//! `manifest.json` naming each file, its source and its labelled windows.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::detect::{self, DetectConfig};
use crate::core::forecast::Periods;
use crate::core::incident;
use crate::core::ingest::{read_bytes, ColumnData, ColumnType, IngestError, IngestOptions};
use crate::core::quality::{LabelledSeries, Window};
use crate::core::simulator::InjectionKind;

/// The exporter's description of the real series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The script that wrote it.
    pub generated_by: String,
    /// Python version it ran with.
    pub python: String,
    /// Package name → version, for the report.
    pub packages: BTreeMap<String, String>,
    /// One entry per series.
    pub series: Vec<RealSeries>,
}

/// One real series: where it comes from, how to judge it, what is known to have happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RealSeries {
    /// Short unique name (also the CSV's stem).
    pub name: String,
    /// What it measures.
    pub title: String,
    /// Sampling step in words (`1 month`).
    pub step: String,
    /// Package, version and loader it was read from.
    pub source: String,
    /// CSV file name, relative to the manifest.
    pub file: String,
    /// Detector settings the series needs.
    pub detector: DetectorHint,
    /// Known incidents.
    pub labels: Vec<RealLabel>,
}

/// Detector settings for a real series: periods and training length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorHint {
    /// `"auto"`, `"none"`, or a list of periods in seconds.
    pub periods: PeriodsHint,
    /// Training stream time; None trains on the first quarter of the span, as
    /// `pipescope detect` does by default.
    pub train_ms: Option<i64>,
}

/// Periods as the manifest writes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PeriodsHint {
    /// `"auto"` or `"none"`.
    Named(String),
    /// Fixed periods in seconds.
    Fixed(Vec<f64>),
}

impl PeriodsHint {
    /// The detector's periods, or None for an unknown name.
    pub fn periods(&self) -> Option<Periods> {
        match self {
            PeriodsHint::Named(n) if n == "auto" => Some(Periods::Auto),
            PeriodsHint::Named(n) if n == "none" => Some(Periods::Off),
            PeriodsHint::Named(_) => None,
            PeriodsHint::Fixed(p) => Some(Periods::Fixed(p.clone())),
        }
    }

    /// Short description for the report.
    pub fn describe(&self) -> String {
        match self {
            PeriodsHint::Named(n) => n.clone(),
            PeriodsHint::Fixed(p) => p
                .iter()
                .map(|s| format!("{:.4} d", s / 86_400.0))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// One known incident of a real series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RealLabel {
    /// The incident, in the simulator's vocabulary.
    pub kind: InjectionKind,
    /// Start, epoch ms.
    pub start_ms: i64,
    /// End (exclusive), epoch ms.
    pub end_ms: i64,
    /// What happened.
    pub what: String,
    /// The public source of the label.
    pub reference: String,
}

/// Something in the corpus that cannot be used, said so a user can fix it.
#[derive(Debug)]
pub enum QualityError {
    /// The manifest is not valid JSON of the expected shape (line and column from serde).
    Manifest(serde_json::Error),
    /// A series' CSV cannot be read.
    Csv {
        /// The file.
        file: String,
        /// Why.
        error: IngestError,
    },
    /// A series' CSV lacks a column.
    MissingColumn {
        /// The file.
        file: String,
        /// The column wanted.
        column: &'static str,
    },
    /// A row's time is missing or not a whole number of milliseconds.
    BadTime {
        /// The file.
        file: String,
        /// 1-based line in the file.
        line: usize,
    },
    /// The periods of a series are neither `auto`, `none` nor a list of seconds.
    BadPeriods {
        /// The series.
        series: String,
    },
    /// A label ends before it starts.
    BadLabel {
        /// The series.
        series: String,
        /// 0-based label index.
        index: usize,
    },
    /// The detector refuses the settings of a series.
    Detector(String, detect::ConfigError),
    /// The incident engine refuses its settings.
    Incidents(incident::ConfigError),
}

impl fmt::Display for QualityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QualityError::Manifest(e) => write!(
                f,
                "manifest.json: {e}; regenerate it with tests/quality/export.py"
            ),
            QualityError::Csv { file, error } => write!(f, "{file}: {error}"),
            QualityError::MissingColumn { file, column } => write!(
                f,
                "{file}: no column '{column}'; the exporter writes t_ms,value"
            ),
            QualityError::BadTime { file, line } => write!(
                f,
                "{file}, line {line}: t_ms must be a whole number of epoch milliseconds"
            ),
            QualityError::BadPeriods { series } => write!(
                f,
                "series '{series}': detector.periods must be \"auto\", \"none\" or a list of seconds"
            ),
            QualityError::BadLabel { series, index } => write!(
                f,
                "series '{series}', label {}: end_ms is before start_ms",
                index + 1
            ),
            QualityError::Detector(series, e) => write!(f, "series '{series}': {e}"),
            QualityError::Incidents(e) => write!(f, "incident engine: {e}"),
        }
    }
}

impl std::error::Error for QualityError {}

/// Parses `manifest.json`.
pub fn parse_manifest(json: &str) -> Result<Manifest, QualityError> {
    serde_json::from_str(json).map_err(QualityError::Manifest)
}

/// Reads one series' CSV (`csv`, the bytes of `entry.file`) into a labelled series, with
/// the detector settings its manifest entry asks for.
pub fn load_series(entry: &RealSeries, csv: &[u8]) -> Result<LabelledSeries, QualityError> {
    let file = entry.file.clone();
    let options = IngestOptions::builder()
        .delimiter(Some(b','))
        .has_header(Some(true))
        .column_type("t_ms", ColumnType::Numeric)
        .column_type("value", ColumnType::Numeric)
        .build()
        .expect("fixed options are valid");
    let table = read_bytes(csv, &options).map_err(|error| match error {
        IngestError::UnknownColumn { name, .. } => QualityError::MissingColumn {
            file: file.clone(),
            column: if name == "t_ms" { "t_ms" } else { "value" },
        },
        error => QualityError::Csv {
            file: file.clone(),
            error,
        },
    })?;
    let numeric = |column: &'static str| match table.column(column).map(|c| &c.data) {
        Some(ColumnData::Numeric(v)) => Ok(v.clone()),
        _ => Err(QualityError::MissingColumn {
            file: file.clone(),
            column,
        }),
    };
    let t = numeric("t_ms")?;
    let values = numeric("value")?;
    let mut times_ms = Vec::with_capacity(t.len());
    for (row, &x) in t.iter().enumerate() {
        // Epoch ms stay exact in f64 up to 2^53 (year 287,396).
        if !(x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15) {
            return Err(QualityError::BadTime {
                file,
                line: row + 2,
            });
        }
        times_ms.push(x as i64);
    }
    let periods = entry
        .detector
        .periods
        .periods()
        .ok_or_else(|| QualityError::BadPeriods {
            series: entry.name.clone(),
        })?;
    let span = match (times_ms.iter().min(), times_ms.iter().max()) {
        (Some(a), Some(b)) => b - a,
        _ => 0,
    };
    let mut detect = DetectConfig::with_train_ms(entry.detector.train_ms.unwrap_or(span / 4));
    detect.periods = periods;
    let mut windows = Vec::with_capacity(entry.labels.len());
    for (index, l) in entry.labels.iter().enumerate() {
        if l.end_ms < l.start_ms {
            return Err(QualityError::BadLabel {
                series: entry.name.clone(),
                index,
            });
        }
        windows.push(Window {
            start_ms: l.start_ms,
            end_ms: l.end_ms,
            kind: l.kind,
            variant: l.what.clone(),
        });
    }
    // The detector judges in time order; keep the series sorted so steps and spans hold.
    let mut order: Vec<usize> = (0..times_ms.len()).collect();
    order.sort_by_key(|&i| times_ms[i]);
    Ok(LabelledSeries {
        name: entry.name.clone(),
        group: entry.name.clone(),
        times_ms: order.iter().map(|&i| times_ms[i]).collect(),
        values: order.iter().map(|&i| values[i]).collect(),
        windows,
        detect,
    })
}
