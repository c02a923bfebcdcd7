//! Read an error-event CSV (timestamp, build, code; header row or none) into events.
//!
//! Column roles are guessed from the header names or, without a header, from the values
//! (the timestamp column parses as times, the build column holds dotted versions), and each
//! can be overridden. Builds and codes are discovered from the data. Rows that cannot be read
//! are skipped and reported with their line numbers, so one bad row does not stop a stream.
//! Rows out of time order are sorted into order (stable), and counted.

use std::fmt;

use rustc_hash::FxHashMap;

use super::records::{RecordError, Records};
use super::roles::guess_roles;
pub use super::roles::{compare_versions, Roles};
use crate::core::event::ErrorEvent;
use crate::core::ingest::IngestError;
use crate::core::text::{clip, list};
use crate::core::time::TimeFormat;

/// How to read the file; every `None` is guessed. Serialized in the Errors page's
/// checkpoints.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadOptions {
    /// The first row is a header (`Some(true)`), data (`Some(false)`), or sniffed.
    pub has_header: Option<bool>,
    /// Timestamp column index.
    pub time: Option<usize>,
    /// Build column index.
    pub build: Option<usize>,
    /// Code column index.
    pub code: Option<usize>,
    /// 1-based line from which `"` is an ordinary character (the reading that keeps the
    /// rows a stray quote would swallow).
    #[serde(default)]
    pub literal_quotes_from: Option<u64>,
    /// The baseline build's name (default: the older of two builds).
    pub baseline: Option<String>,
    /// The candidate build's name (default: the newer of two builds).
    pub candidate: Option<String>,
}

/// A row that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// 1-based line in the file.
    pub line: u64,
    /// The column's name (or `column N` without a header).
    pub column: String,
    /// What is wrong, in words a user can act on.
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column '{}': {}",
            self.line,
            clip(&self.column),
            self.message
        )
    }
}

/// Why an error-event file cannot be used at all.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadError {
    /// The CSV itself is broken (for example invalid quoting) at this line.
    Csv { line: u64, message: String },
    /// Fewer than three columns, so there is no timestamp, build and code.
    TooFewColumns { line: u64, found: usize },
    /// No data rows.
    Empty,
    /// A role was set to a column that does not exist.
    NoSuchColumn {
        role: &'static str,
        index: usize,
        columns: usize,
    },
    /// Two roles were given the same column.
    SameColumn { index: usize },
    /// No column parses as timestamps.
    NoTimeColumn,
    /// The chosen timestamp column holds no value that reads as a time.
    BadTimeColumn { problem: RowProblem },
    /// Every row was skipped; the first problem is shown.
    NoUsableRows { first: RowProblem, skipped: usize },
    /// Only one build in the data: there is nothing to compare.
    SingleBuild { build: String },
    /// More than two builds and no (or only one) choice of baseline and candidate.
    TooManyBuilds { builds: Vec<String> },
    /// A named build is not in the data.
    UnknownBuild {
        role: &'static str,
        name: String,
        builds: Vec<String>,
    },
    /// Baseline and candidate are the same build.
    SameBuild { name: String },
    /// A quoted field swallowed rows.
    RunawayQuote(crate::core::ingest::RunawayQuote),
    /// Not text the reader can read: empty, binary, badly encoded (the words every reader
    /// uses).
    Text(IngestError),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Csv { line, message } => write!(f, "line {line}: {message}"),
            ReadError::RunawayQuote(r) => write!(f, "{r}"),
            ReadError::Text(e) => write!(f, "{e}"),
            ReadError::TooFewColumns { line, found } => write!(
                f,
                "line {line}: found {found} column(s), but an error-event file needs three: timestamp, build and error code"
            ),
            ReadError::Empty => write!(f, "the file has no data rows"),
            ReadError::NoSuchColumn { role, index, columns } => write!(
                f,
                "the {role} column was set to column {} but the file has {columns} column(s)",
                index + 1
            ),
            ReadError::SameColumn { index } => {
                write!(f, "column {} was given two roles; timestamp, build and code need three different columns", index + 1)
            }
            ReadError::NoTimeColumn => write!(
                f,
                "no column holds timestamps (H:MM:SS, ISO 8601, epoch seconds or milliseconds); name the timestamp column"
            ),
            ReadError::BadTimeColumn { problem } => write!(
                f,
                "{problem}; no value in this column is H:MM:SS, ISO 8601, epoch seconds or milliseconds"
            ),
            ReadError::NoUsableRows { first, skipped } => {
                write!(f, "all {skipped} row(s) were skipped; the first: {first}")
            }
            ReadError::SingleBuild { build } => write!(
                f,
                "only one build ('{}') is in the data; a regression check needs events from a baseline and a candidate build",
                clip(build)
            ),
            ReadError::TooManyBuilds { builds } => write!(
                f,
                "{} builds are in the data ({}); choose two with --baseline BUILD and --candidate BUILD",
                builds.len(),
                list(builds)
            ),
            ReadError::UnknownBuild { role, name, builds } => {
                write!(
                    f,
                    "the {role} build '{}' is not in the data; the builds are {}",
                    clip(name),
                    list(builds)
                )
            }
            ReadError::SameBuild { name } => {
                write!(
                    f,
                    "baseline and candidate are both '{}'; choose two different builds",
                    clip(name)
                )
            }
        }
    }
}

impl std::error::Error for ReadError {}

/// Error events read from a file, with their catalog of builds and codes.
#[derive(Debug, Clone)]
pub struct ErrorStream {
    /// Events in time order; `build` and `code` index `builds` and `codes`.
    pub events: Vec<ErrorEvent>,
    /// Build names, in order of first appearance.
    pub builds: Vec<String>,
    /// Code labels, in order of first appearance.
    pub codes: Vec<String>,
    /// The baseline build's id.
    pub baseline: u32,
    /// The candidate build's id.
    pub candidate: u32,
    /// The column roles used.
    pub roles: Roles,
    /// Column names (from the header, or `column N`).
    pub columns: Vec<String>,
    /// Whether the first row was a header.
    pub has_header: bool,
    /// The timestamp format of the time column.
    pub time_format: TimeFormat,
    /// Rows whose time was earlier than the row before (they were sorted into place).
    pub out_of_order: usize,
    /// Rows skipped; only the first [`MAX_PROBLEMS`] are kept in `problems`.
    pub skipped: usize,
    /// The first skipped rows, with line numbers.
    pub problems: Vec<RowProblem>,
    /// Events of builds that are neither baseline nor candidate (kept, ignored by engines).
    pub other_build_events: usize,
}

/// How many skipped-row problems are kept for display.
pub const MAX_PROBLEMS: usize = 100;

/// Rows sampled to guess the header and the column roles.
const SAMPLE_ROWS: usize = 200;

impl ErrorStream {
    /// Span of the stream in whole seconds (last minus first event), 0 when empty.
    pub fn span_seconds(&self) -> i64 {
        match (self.events.first(), self.events.last()) {
            (Some(a), Some(b)) => (b.t_ms - a.t_ms) / 1000,
            _ => 0,
        }
    }
}

fn csv_error(e: csv::Error) -> ReadError {
    let line = e.position().map_or(0, |p| p.line());
    ReadError::Csv {
        line,
        message: e.to_string(),
    }
}

/// Read error events from CSV bytes.
pub fn read_bytes(bytes: &[u8], options: &ReadOptions) -> Result<ErrorStream, ReadError> {
    // The same words as every other reader for a file that is not text at all.
    let text = crate::core::ingest::utf8_bytes(bytes).map_err(ReadError::Text)?;
    let bytes = &text[..];
    let head = &bytes[..bytes.len().min(crate::core::ingest::SNIFF_BYTES)];
    if crate::core::ingest::sniff::looks_binary(head) {
        return Err(ReadError::Text(IngestError::Binary));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::Text(IngestError::Empty));
    }
    let mut rdr = Records::new(bytes, options.literal_quotes_from);

    // Sample the head to decide the header and the roles.
    let mut sample: Vec<Vec<String>> = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
    let mut record = csv::ByteRecord::new();
    while sample.len() <= SAMPLE_ROWS {
        match rdr.next(&mut record) {
            Ok(Some(line)) => {
                let mut row = Vec::with_capacity(record.len());
                for (i, field) in record.iter().enumerate() {
                    match std::str::from_utf8(field) {
                        Ok(f) => row.push(f.to_owned()),
                        Err(_) => {
                            let offset = std::str::from_utf8(bytes)
                                .err()
                                .map_or(0, |e| e.valid_up_to() as u64);
                            return Err(ReadError::Text(IngestError::InvalidUtf8 {
                                line,
                                column: format!("column {}", i + 1),
                                offset,
                            }));
                        }
                    }
                }
                lines.push(line);
                sample.push(row);
            }
            Ok(None) => break,
            Err(RecordError::Runaway(r)) => return Err(ReadError::RunawayQuote(r)),
            Err(RecordError::Csv(e)) => return Err(csv_error(e)),
        }
    }
    let first = sample.first().ok_or(ReadError::Empty)?;
    if first.len() < 3 {
        return Err(ReadError::TooFewColumns {
            line: lines[0],
            found: first.len(),
        });
    }
    let ncols = first.len();
    let has_header = options.has_header.unwrap_or_else(|| {
        let any_time = |r: &Vec<String>| r.iter().any(|v| TimeFormat::detect(v).is_some());
        !any_time(first) && sample.get(1).is_none_or(any_time)
    });
    let header: Option<Vec<String>> = has_header.then(|| first.clone());
    let data_start = usize::from(has_header);
    if sample.len() <= data_start {
        return Err(ReadError::Empty);
    }
    let data_sample: Vec<Vec<String>> = sample[data_start..]
        .iter()
        .filter(|r| r.len() == ncols)
        .cloned()
        .collect();
    let roles = guess_roles(header.as_deref(), &data_sample, ncols, options)?;
    let columns: Vec<String> = (0..ncols)
        .map(|c| {
            header
                .as_ref()
                .and_then(|h| h.get(c))
                .filter(|n| !n.is_empty())
                .cloned()
                .unwrap_or_else(|| format!("column {}", c + 1))
        })
        .collect();
    let time_format = data_sample
        .iter()
        .find_map(|r| TimeFormat::detect(&r[roles.time]))
        .ok_or_else(|| {
            let value = sample[data_start]
                .get(roles.time)
                .cloned()
                .unwrap_or_default();
            ReadError::BadTimeColumn {
                problem: RowProblem {
                    line: lines[data_start],
                    column: columns[roles.time].clone(),
                    message: format!("'{}' is not a timestamp", clip(&value)),
                },
            }
        })?;

    let mut st = Builder {
        roles,
        time_format,
        columns: &columns,
        events: Vec::with_capacity(bytes.len() / 24),
        builds: Vec::new(),
        build_ids: FxHashMap::default(),
        codes: Vec::new(),
        code_ids: FxHashMap::default(),
        out_of_order: 0,
        skipped: 0,
        problems: Vec::new(),
        last_t: i64::MIN,
    };
    for (row, &line) in sample.iter().zip(&lines).skip(data_start) {
        st.row(line, row.len(), |c| {
            row.get(c).map(String::as_str).unwrap_or("")
        });
    }
    if sample.len() > SAMPLE_ROWS {
        let mut rec = csv::ByteRecord::new();
        loop {
            match rdr.next(&mut rec) {
                Ok(Some(line)) => {
                    let rec = &rec;
                    // Non-UTF-8 cells become empty and are reported as missing.
                    st.row(line, rec.len(), |c| {
                        rec.get(c)
                            .and_then(|b| std::str::from_utf8(b).ok())
                            .unwrap_or("")
                    });
                }
                Ok(None) => break,
                Err(RecordError::Runaway(r)) => return Err(ReadError::RunawayQuote(r)),
                Err(RecordError::Csv(e)) => {
                    // A broken row (for example bad quoting) is skipped like any bad row.
                    let line = e.position().map_or(0, |p| p.line());
                    st.problem(line, 0, e.to_string());
                    if !matches!(
                        e.kind(),
                        csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }
                    ) {
                        break;
                    }
                }
            }
        }
    }
    st.finish(has_header, options)
}

/// Read error events from a file path (native only).
#[cfg(not(target_arch = "wasm32"))]
pub fn read_path(path: &std::path::Path, options: &ReadOptions) -> Result<ErrorStream, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    read_bytes(&bytes, options).map_err(|e| e.to_string())
}

struct Builder<'a> {
    roles: Roles,
    time_format: TimeFormat,
    columns: &'a [String],
    events: Vec<ErrorEvent>,
    builds: Vec<String>,
    build_ids: FxHashMap<String, u32>,
    codes: Vec<String>,
    code_ids: FxHashMap<String, u32>,
    out_of_order: usize,
    skipped: usize,
    problems: Vec<RowProblem>,
    last_t: i64,
}

fn intern(ids: &mut FxHashMap<String, u32>, names: &mut Vec<String>, s: &str) -> u32 {
    if let Some(&i) = ids.get(s) {
        return i;
    }
    let i = names.len() as u32;
    names.push(s.to_owned());
    ids.insert(s.to_owned(), i);
    i
}

impl Builder<'_> {
    fn problem(&mut self, line: u64, column: usize, message: String) {
        self.skipped += 1;
        if self.problems.len() < MAX_PROBLEMS {
            let column = self
                .columns
                .get(column)
                .cloned()
                .unwrap_or_else(|| format!("column {}", column + 1));
            self.problems.push(RowProblem {
                line,
                column,
                message,
            });
        }
    }

    fn row<'r>(&mut self, line: u64, len: usize, cell: impl Fn(usize) -> &'r str) {
        let Roles { time, build, code } = self.roles;
        for c in [time, build, code] {
            if c >= len || cell(c).is_empty() {
                self.problem(
                    line,
                    c,
                    format!("missing value (the row has {len} field(s))"),
                );
                return;
            }
        }
        let t_ms = match self.time_format.parse_ms(cell(time)) {
            Ok(t) => t,
            Err(e) => {
                self.problem(
                    line,
                    time,
                    format!("'{}' is not a timestamp: {e}", clip(cell(time))),
                );
                return;
            }
        };
        if t_ms < self.last_t {
            self.out_of_order += 1;
        }
        self.last_t = self.last_t.max(t_ms);
        let build = intern(&mut self.build_ids, &mut self.builds, cell(build));
        let code = intern(&mut self.code_ids, &mut self.codes, cell(code));
        self.events.push(ErrorEvent { t_ms, build, code });
    }

    fn finish(mut self, has_header: bool, options: &ReadOptions) -> Result<ErrorStream, ReadError> {
        if self.events.is_empty() {
            return match self.problems.first() {
                Some(first) => Err(ReadError::NoUsableRows {
                    first: first.clone(),
                    skipped: self.skipped,
                }),
                None => Err(ReadError::Empty),
            };
        }
        if self.out_of_order > 0 {
            self.events.sort_by_key(|e| e.t_ms); // stable: ties keep file order
        }
        let (baseline, candidate) = choose_builds(&self.builds, options)?;
        let other_build_events = self
            .events
            .iter()
            .filter(|e| e.build != baseline && e.build != candidate)
            .count();
        Ok(ErrorStream {
            events: self.events,
            builds: self.builds,
            codes: self.codes,
            baseline,
            candidate,
            roles: self.roles,
            columns: self.columns.to_vec(),
            has_header,
            time_format: self.time_format,
            out_of_order: self.out_of_order,
            skipped: self.skipped,
            problems: self.problems,
            other_build_events,
        })
    }
}

/// Pick (baseline, candidate) build ids: the named ones, else the older and newer of two.
pub fn choose_builds(builds: &[String], options: &ReadOptions) -> Result<(u32, u32), ReadError> {
    if builds.len() == 1 {
        return Err(ReadError::SingleBuild {
            build: builds[0].clone(),
        });
    }
    let find = |role: &'static str, name: &str| -> Result<u32, ReadError> {
        builds
            .iter()
            .position(|b| b == name)
            .map(|i| i as u32)
            .ok_or_else(|| ReadError::UnknownBuild {
                role,
                name: name.to_owned(),
                builds: builds.to_vec(),
            })
    };
    let base = options
        .baseline
        .as_deref()
        .map(|n| find("baseline", n))
        .transpose()?;
    let cand = options
        .candidate
        .as_deref()
        .map(|n| find("candidate", n))
        .transpose()?;
    let (b, c) = match (base, cand) {
        (Some(b), Some(c)) => (b, c),
        _ if builds.len() > 2 => {
            return Err(ReadError::TooManyBuilds {
                builds: builds.to_vec(),
            })
        }
        (Some(b), None) => (b, 1 - b),
        (None, Some(c)) => (1 - c, c),
        (None, None) => {
            if compare_versions(&builds[0], &builds[1]).is_le() {
                (0, 1)
            } else {
                (1, 0)
            }
        }
    };
    if b == c {
        return Err(ReadError::SameBuild {
            name: builds[b as usize].clone(),
        });
    }
    Ok((b, c))
}
