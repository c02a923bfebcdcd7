//! Why a replay file could not be read: what is wrong and where.

use std::fmt;

use crate::core::ingest::IngestError;
use crate::core::text::{clip, list};

/// A failure to read a replay file. Each Display message says what went wrong and where
/// (line and column, or a JSON path), in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// The CSV/TSV could not be read at all (empty, binary, ragged, bad UTF-8, ...).
    Csv(IngestError),
    /// The time column asked for is not in the file.
    UnknownTimeColumn {
        /// The name asked for.
        name: String,
        /// The columns the file has.
        available: Vec<String>,
    },
    /// No column reads as times.
    NoTimeColumn {
        /// The columns the file has.
        columns: Vec<String>,
    },
    /// Most rows have a missing or unreadable time.
    BadTimes {
        /// The time column.
        column: String,
        /// 1-based line of the first bad time.
        line: u64,
        /// The cell written there ("" when missing).
        value: String,
        /// Rows with a bad time.
        bad: usize,
        /// Rows in the file.
        rows: usize,
    },
    /// No column besides the time holds numbers.
    NoMetrics {
        /// The time column.
        time_column: String,
        /// The other columns with what they hold ("labels", "dates", ...).
        columns: Vec<(String, String)>,
    },
    /// Every metric is missing in every row.
    AllMissing {
        /// The metrics found.
        metrics: Vec<String>,
    },
    /// The table would hold more cells than a tab can keep.
    TooLarge {
        /// Distinct timestamps.
        rows: usize,
        /// Metrics.
        metrics: usize,
    },
    /// Not valid JSON.
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's message, without its position.
        message: String,
    },
    /// Valid JSON, but not a Prometheus HTTP API response.
    NotPrometheus {
        /// What was found instead ("a JSON array", "an object with keys a, b").
        found: String,
    },
    /// The Prometheus server answered with an error.
    Prometheus {
        /// `errorType`, e.g. `bad_data`.
        error_type: String,
        /// `error`, the server's message.
        error: String,
    },
    /// A Prometheus response with a field of the wrong shape.
    Shape {
        /// JSON path of the field, e.g. `data.result[2].values[7]`.
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// A Prometheus result this tool cannot replay (string results, native histograms).
    Unsupported {
        /// JSON path of the field.
        path: String,
        /// What it is and what to do instead.
        message: String,
    },
    /// A Prometheus response with no samples at all.
    NoSamples {
        /// `resultType` of the response.
        result_type: String,
    },
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Csv(e) => e.fmt(f),
            SourceError::UnknownTimeColumn { name, available } => write!(
                f,
                "no column named '{}' to read times from; the columns are: {}",
                clip(name),
                list(available)
            ),
            SourceError::NoTimeColumn { columns } => write!(
                f,
                "no column holds times (epoch seconds or milliseconds, ISO 8601 like \
                 2026-11-28T14:05:00Z, or H:MM:SS); the columns are: {}; name the time column",
                list(columns)
            ),
            SourceError::BadTimes {
                column,
                line,
                value,
                bad,
                rows,
            } => write!(
                f,
                "line {line}, column '{}': '{}' is not a time, and neither are {bad} \
                 of the {rows} rows; use epoch seconds or milliseconds, ISO 8601 \
                 (2026-11-28T14:05:00Z) or H:MM:SS, or pick another time column",
                clip(column),
                clip(value)
            ),
            SourceError::NoMetrics {
                time_column,
                columns,
            } => {
                write!(
                    f,
                    "no numeric column to replay besides the time column '{}'",
                    clip(time_column)
                )?;
                if columns.is_empty() {
                    write!(f, "; the file has no other column")
                } else {
                    let named = columns
                        .iter()
                        .map(|(n, what)| format!("'{}' ({what})", clip(n)));
                    write!(f, "; the other columns are: {}", list(named))
                }
            }
            SourceError::AllMissing { metrics } => write!(
                f,
                "every metric is empty ({}): there is no value to replay",
                list(metrics)
            ),
            SourceError::TooLarge { rows, metrics } => write!(
                f,
                "the table would hold {rows} timestamps × {metrics} metrics, more than {} \
                 cells; query fewer series or a shorter range",
                super::MAX_CELLS
            ),
            SourceError::Json {
                line,
                column,
                message,
            } => write!(
                f,
                "line {line}, column {column}: this is not valid JSON ({message})"
            ),
            SourceError::NotPrometheus { found } => write!(
                f,
                "this JSON is not a Prometheus HTTP API response: found {found}; expected an \
                 object like {{\"status\":\"success\",\"data\":{{\"resultType\":\"matrix\",\
                 \"result\":[...]}}}} as returned by /api/v1/query or /api/v1/query_range"
            ),
            SourceError::Prometheus { error_type, error } => write!(
                f,
                "the Prometheus server answered with an error ({}): {}",
                clip(error_type),
                crate::core::text::clip_to(error, 500)
            ),
            SourceError::Shape { path, message } => {
                write!(f, "in the Prometheus response at {path}: {message}")
            }
            SourceError::Unsupported { path, message } => {
                write!(f, "in the Prometheus response at {path}: {message}")
            }
            SourceError::NoSamples { result_type } => write!(
                f,
                "the Prometheus response ({result_type}) holds no samples: the query matched \
                 no series in that range"
            ),
        }
    }
}

impl std::error::Error for SourceError {}

impl From<IngestError> for SourceError {
    fn from(e: IngestError) -> SourceError {
        SourceError::Csv(e)
    }
}
