//! Metric replay files: a CSV/TSV export or a Prometheus HTTP API JSON response read into
//! one clean [`MetricTable`] (one row per distinct timestamp, ascending; one column per
//! metric), plus [`Note`]s saying what was fixed, or a [`SourceError`] saying what is wrong
//! and where. The Monitor page replays the table as a stream of [`Event`]s.
//!
//! # Rules
//!
//! **Format.** [`read_metrics`] reads JSON when the first non-space byte (after a UTF-8
//! byte-order mark) is `{` or `[`, and CSV/TSV otherwise.
//!
//! **CSV** ([`read_metrics_csv`]) goes through [`crate::core::ingest`] (delimiter and
//! header sniffing, ragged rows skipped, errors with line numbers).
//! - The time column is the one named, or else the first column whose name is `time`,
//!   `timestamp`, `date`, `datetime`, `ts` (any case) and whose cells read as times; else
//!   the first column holding ISO 8601 or `H:MM:SS` times; else the first column when it
//!   holds epoch numbers (at least 1e9, i.e. after 2001 in seconds). Times are read by
//!   [`crate::core::time`], as every workspace reads them: epoch seconds, milliseconds
//!   (from 1e11 on), microseconds (from 1e14) or nanoseconds (from 1e17), ISO 8601, or
//!   `H:MM:SS` (stream time since `0:00:00`), detected from the first cell and then
//!   enforced for the column.
//! - A row whose time cell is missing or unreadable is skipped with a [`NoteKind::BadTimes`]
//!   note (count and first line); when more than half the rows fail, the file is refused
//!   ([`SourceError::BadTimes`], naming the first line and the column).
//! - Metrics are the other columns whose non-missing cells are mostly (more than half)
//!   numbers. Their other cells become missing with a [`NoteKind::NonNumeric`] note (column,
//!   count, first line). Other columns (labels, dates, booleans) are skipped with a
//!   [`NoteKind::SkippedColumn`] note. No metric column at all is [`SourceError::NoMetrics`].
//! - Rows out of time order are sorted into place (a stable sort) with a [`NoteKind::Sorted`]
//!   note counting the rows that were earlier than a row above them.
//! - Rows sharing a timestamp become one row: per metric, the last non-missing value in
//!   file order wins ([`NoteKind::Duplicates`], count and first line).
//!
//! **Prometheus JSON** ([`read_prometheus_json`]): the `/api/v1/query` and
//! `/api/v1/query_range` response shapes.
//! - `resultType` `matrix` (`values`), `vector` (`value`, one row) or `scalar` (one metric
//!   named `scalar`); `string` results and native histograms (`histogram`/`histograms`) are
//!   refused with [`SourceError::Unsupported`].
//! - Times are float epoch seconds, rounded to milliseconds. Values are strings; `NaN`,
//!   `+Inf` and `-Inf` become missing ([`NoteKind::NonFinite`]), other unreadable values
//!   too ([`NoteKind::NonNumeric`]).
//! - Names are Prometheus' own text form, `__name__{a="x",b="y"}` with labels sorted and
//!   `__name__` left out of the braces (`{job="x"}` when there is no name). A repeated name
//!   gets a suffix ` (2)`, ` (3)`, ...
//! - The rows are the union of all series' timestamps; a series is missing where it has no
//!   sample. Samples out of order within a series are sorted ([`NoteKind::Sorted`]); a
//!   repeated timestamp within a series keeps the last sample ([`NoteKind::Duplicates`]).
//! - `warnings` and `infos` become [`NoteKind::Warning`] notes. `"status":"error"` is
//!   [`SourceError::Prometheus`]; valid JSON of another shape is
//!   [`SourceError::NotPrometheus`]; a bad field is [`SourceError::Shape`] with its JSON
//!   path; invalid JSON is [`SourceError::Json`] with line and column.
//!
//! **Both.**
//! - Gaps (a step more than [`GAP_FACTOR`] times the median step) are kept as gaps, no rows
//!   are invented; a [`NoteKind::Gaps`] note gives their count and the largest.
//! - A constant metric is kept with a [`NoteKind::Constant`] note. An all-missing metric is
//!   dropped with a [`NoteKind::AllMissing`] note; when every metric is all-missing the file
//!   is refused ([`SourceError::AllMissing`]).
//! - More than [`MAX_CELLS`] cells (rows × metrics) is refused ([`SourceError::TooLarge`]).
//! - Names are kept verbatim (markup included): they are text, and the page renders text.
//! - No input panics: every malformed input is an `Ok` with notes or an `Err`.

mod csv;
mod error;
mod prometheus;

pub use self::csv::{read_metrics_csv, read_metrics_csv_with};
pub use error::SourceError;
pub use prometheus::read_prometheus_json;

use serde::{Deserialize, Serialize};

use crate::core::event::{Event, MetricEvent};
use crate::core::ingest::IngestOptions;
use crate::core::time::format_stream_ms;

/// A step longer than this many median steps is a gap.
pub const GAP_FACTOR: i64 = 3;

/// Most cells (rows × metrics) a table may hold: 100 million f64 are 800 MB, about what a
/// tab can hold beside everything else.
pub const MAX_CELLS: usize = 100_000_000;

/// Which kind of file the table came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceFormat {
    /// A CSV or TSV file with a time column.
    Csv,
    /// A Prometheus instant query response (`resultType` `vector` or `scalar`).
    PrometheusVector,
    /// A Prometheus range response (`resultType` `matrix`).
    PrometheusMatrix,
    /// Metric events from a journal or an import ([`MetricTable::from_events`]).
    Events,
}

/// What a [`Note`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoteKind {
    /// Rows (or samples) out of time order were sorted into place.
    Sorted,
    /// Rows (or samples) sharing a timestamp were merged into one.
    Duplicates,
    /// Steps much longer than the typical step; kept as gaps.
    Gaps,
    /// Cells that are not numbers became missing.
    NonNumeric,
    /// NaN or ±Inf values became missing.
    NonFinite,
    /// A metric never changes.
    Constant,
    /// A metric with no value at all was dropped.
    AllMissing,
    /// A column that is not a metric (labels, dates) was left out.
    SkippedColumn,
    /// Rows with a missing or unreadable time were left out.
    BadTimes,
    /// Rows with the wrong number of fields were left out.
    SkippedRows,
    /// A warning or info the Prometheus server sent with its answer.
    Warning,
}

/// Something fixed in the file, or worth knowing about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// What the note is about.
    pub kind: NoteKind,
    /// One sentence a user reads.
    pub message: String,
}

impl Note {
    fn new(kind: NoteKind, message: String) -> Note {
        Note { kind, message }
    }
}

/// A replay file read into columns: one row per distinct timestamp, ascending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricTable {
    /// One name per metric (series id = index).
    pub names: Vec<String>,
    /// Ascending, distinct; epoch ms (or stream ms for `H:MM:SS`).
    pub times_ms: Vec<i64>,
    /// `columns[metric][row]`; NaN = missing (a gap).
    pub columns: Vec<Vec<f64>>,
    /// What was fixed or is worth knowing, in file order.
    pub notes: Vec<Note>,
    /// Which kind of file the table came from.
    pub format: SourceFormat,
}

impl MetricTable {
    /// The table of a stream of metric events (a recovered journal or an imported
    /// export): one row per distinct time, one column per name (series id = index),
    /// missing where a series has no event at a time; for two events of one series at
    /// one time the later wins. Events of unknown series or other kinds are ignored.
    pub fn from_events(names: Vec<String>, events: &[Event]) -> MetricTable {
        let mut metrics: Vec<&MetricEvent> = events
            .iter()
            .filter_map(|e| match e {
                Event::Metric(m) if (m.series as usize) < names.len() => Some(m),
                _ => None,
            })
            .collect();
        metrics.sort_by_key(|m| m.t_ms);
        let mut times_ms: Vec<i64> = metrics.iter().map(|m| m.t_ms).collect();
        times_ms.dedup();
        let mut columns = vec![vec![f64::NAN; times_ms.len()]; names.len()];
        let mut row = 0;
        for m in metrics {
            while times_ms[row] < m.t_ms {
                row += 1;
            }
            columns[m.series as usize][row] = m.value;
        }
        MetricTable {
            names,
            times_ms,
            columns,
            notes: Vec::new(),
            format: SourceFormat::Events,
        }
    }

    /// Number of rows (distinct timestamps).
    pub fn rows(&self) -> usize {
        self.times_ms.len()
    }

    /// The table as stream events in time order (series id = metric index), missing values
    /// skipped.
    pub fn events(&self) -> Vec<Event> {
        let mut out = Vec::with_capacity(self.rows() * self.names.len());
        for row in 0..self.rows() {
            self.row_events(row, &mut out);
        }
        out
    }

    /// Appends the events of row `row` (one per non-missing metric, in metric order) to
    /// `out`, for replaying in steps without materialising all events. A row past the end
    /// appends nothing.
    pub fn row_events(&self, row: usize, out: &mut Vec<Event>) {
        let Some(&t_ms) = self.times_ms.get(row) else {
            return;
        };
        for (series, column) in self.columns.iter().enumerate() {
            match column.get(row) {
                Some(&value) if !value.is_nan() => out.push(Event::Metric(MetricEvent {
                    t_ms,
                    series: series as u32,
                    value,
                })),
                _ => {}
            }
        }
    }

    /// Typical spacing of rows in ms (the median difference), None for < 2 rows.
    pub fn step_ms(&self) -> Option<i64> {
        median_step(&self.times_ms)
    }

    /// Index of the metric called `name`, or, when no metric has that name, the metric at
    /// index `name` (`"0"`, `"1"`, ...).
    pub fn metric_index(&self, name: &str) -> Option<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .or_else(|| name.trim().parse().ok().filter(|&i| i < self.names.len()))
    }
}

/// Reads a replay file: JSON (first non-space byte `{` or `[`) as a Prometheus response,
/// or a file named `*.json`; anything else as CSV/TSV. `time_column` applies to CSV only.
pub fn read_metrics(
    bytes: &[u8],
    file_name: &str,
    time_column: Option<&str>,
) -> Result<MetricTable, SourceError> {
    read_metrics_with(bytes, file_name, time_column, &IngestOptions::default())
}

/// As [`read_metrics`], reading a CSV with `options` (for example quotes taken literally
/// from the line of a runaway quote).
pub fn read_metrics_with(
    bytes: &[u8],
    file_name: &str,
    time_column: Option<&str>,
    options: &IngestOptions,
) -> Result<MetricTable, SourceError> {
    // A `.json` file that does not start like JSON is still read as JSON, so the user is
    // told where its JSON breaks rather than that it lacks a time column.
    if looks_like_json(bytes) || file_name.to_ascii_lowercase().ends_with(".json") {
        read_prometheus_json(bytes)
    } else {
        csv::read_metrics_csv_with(bytes, time_column, options)
    }
}

/// Whether the bytes start (after a BOM and whitespace) like a JSON document.
pub fn looks_like_json(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    matches!(
        bytes.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{') | Some(b'[')
    )
}

fn median_step(times: &[i64]) -> Option<i64> {
    if times.len() < 2 {
        return None;
    }
    let mut diffs: Vec<i64> = times
        .windows(2)
        .map(|w| w[1].saturating_sub(w[0]))
        .collect();
    let mid = diffs.len() / 2;
    Some(*diffs.select_nth_unstable(mid).1)
}

/// Plural suffix.
fn s(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A duration for messages (`3 s`, `5 min`, `2 h 30 min`).
pub fn duration(ms: i64) -> String {
    let ms = ms.unsigned_abs();
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let secs = ms / 1000;
    let (d, h, m, sec) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "min"), (sec, "s")]
        .iter()
        .filter(|(v, _)| *v > 0)
        .map(|(v, u)| format!("{v} {u}"))
        .collect();
    if parts.is_empty() {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        parts.join(" ")
    }
}

/// Steps much longer than the usual one in a sorted series: what no detector judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gaps {
    /// How many.
    pub count: usize,
    /// The usual (median) step, ms.
    pub step: i64,
    /// The largest gap: (time before, time after).
    pub largest: (i64, i64),
    /// Index in the series of the point before the largest gap.
    pub largest_at: usize,
}

/// The gaps of a sorted series: steps over [`GAP_FACTOR`] times its median step (None when
/// there is none).
pub fn gaps(times_ms: &[i64]) -> Option<Gaps> {
    let step = median_step(times_ms).filter(|&s| s > 0)?;
    let limit = step.saturating_mul(GAP_FACTOR);
    let mut found: Option<Gaps> = None;
    for (i, w) in times_ms.windows(2).enumerate() {
        let d = w[1].saturating_sub(w[0]);
        if d > limit {
            let g = found.get_or_insert(Gaps {
                count: 0,
                step,
                largest: (w[0], w[1]),
                largest_at: i,
            });
            g.count += 1;
            if d > g.largest.1.saturating_sub(g.largest.0) {
                g.largest = (w[0], w[1]);
                g.largest_at = i;
            }
        }
    }
    found
}

/// The steps shared by every format once the rows are sorted and distinct: gap notes,
/// constant and all-missing metrics, the size limit.
fn finish(
    mut names: Vec<String>,
    times_ms: Vec<i64>,
    mut columns: Vec<Vec<f64>>,
    mut notes: Vec<Note>,
    format: SourceFormat,
) -> Result<MetricTable, SourceError> {
    debug_assert!(times_ms.windows(2).all(|w| w[0] < w[1]));
    if let Some(Gaps {
        count,
        step,
        largest,
        ..
    }) = gaps(&times_ms)
    {
        {
            notes.push(Note::new(
                NoteKind::Gaps,
                format!(
                    "{count} gap{} longer than {GAP_FACTOR} times the usual step of {} are kept as gaps; the largest is {} (from {} to {}).",
                    s(count),
                    duration(step),
                    duration(largest.1.saturating_sub(largest.0)),
                    format_stream_ms(largest.0),
                    format_stream_ms(largest.1)
                ),
            ));
        }
    }
    let mut dropped = Vec::new();
    let mut keep = Vec::with_capacity(columns.len());
    for (name, column) in names.iter().zip(&columns) {
        let mut present = column.iter().filter(|v| !v.is_nan());
        match present.next() {
            None => {
                keep.push(false);
                dropped.push(name.clone());
                notes.push(Note::new(
                    NoteKind::AllMissing,
                    format!("Metric '{}' has no values at all and is left out; the other metrics replay as usual.", crate::core::text::clip(name)),
                ));
            }
            Some(&first) => {
                keep.push(true);
                let n = 1 + present.clone().count();
                if n >= 2 && present.all(|&v| v == first) {
                    notes.push(Note::new(
                        NoteKind::Constant,
                        format!("Metric '{}' is constant ({first}); its band will be tight, so any change is flagged.", crate::core::text::clip(name)),
                    ));
                }
            }
        }
    }
    if keep.iter().all(|k| !k) {
        return Err(SourceError::AllMissing { metrics: dropped });
    }
    if keep.iter().any(|k| !k) {
        let mut it = keep.iter();
        names.retain(|_| *it.next().unwrap_or(&true));
        let mut it = keep.iter();
        columns.retain(|_| *it.next().unwrap_or(&true));
    }
    Ok(MetricTable {
        names,
        times_ms,
        columns,
        notes,
        format,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(250), "250 ms");
        assert_eq!(duration(30_000), "30 s");
        assert_eq!(duration(7_500_000), "2 h 5 min");
    }
}
