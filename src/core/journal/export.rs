//! Journal export and import: the stored events as NDJSON or CSV, each row carrying the ids
//! *and* the catalog names, so a file exported here and imported into a new session (or
//! read by another tool) rebuilds the same stream and so the same analysis.
//!
//! # Columns
//!
//! `seq, t_ms, kind, series, series_name, build, build_name, code, code_name, value`
//!
//! * `kind` is `error` or `metric`; an error row fills `build`, `build_name`, `code`,
//!   `code_name`; a metric row fills `series`, `series_name`, `value`.
//! * NDJSON writes one object per event with only the fields of its kind; CSV writes every
//!   column, empty where the kind has none. `value` is a JSON number, or the strings
//!   `"NaN"`, `"inf"`, `"-inf"` (JSON has no such numbers).
//! * Names are the user's text and stay text on import. In CSV, a name that a spreadsheet
//!   would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) is
//!   written with a leading `'`, and a name starting with `'` gets one more; import removes
//!   exactly one leading `'`, so the escape is reversible. An empty name is written `'`.
//!
//! Catalog records are not rows: their names travel with the events that use them.

use std::fmt;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::checkpoint::Catalog;
use super::record::{CatalogEntry, Entry, NameKind, Record, MAX_NAME_BYTES};
use crate::core::event::{ErrorEvent, Event, MetricEvent};

/// The CSV header, also the NDJSON field names.
pub const COLUMNS: [&str; 10] = [
    "seq",
    "t_ms",
    "kind",
    "series",
    "series_name",
    "build",
    "build_name",
    "code",
    "code_name",
    "value",
];

/// A file format for [`export`] and [`import`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object a line.
    Ndjson,
    /// Comma-separated with a header row.
    Csv,
}

impl Format {
    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
        }
    }

    /// MIME type for a download.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Ndjson => "application/x-ndjson",
            Format::Csv => "text/csv",
        }
    }

    /// Guess the format of a file from its first non-blank byte: `{` is NDJSON.
    pub fn sniff(bytes: &[u8]) -> Format {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Format::Ndjson,
            _ => Format::Csv,
        }
    }
}

/// One exported row (NDJSON object); optional fields are left out when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    seq: u64,
    t_ms: i64,
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    series: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    series_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    build: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    build_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<JsonValue>,
}

/// A metric value in JSON: a number, or a word for the values JSON cannot hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum JsonValue {
    Number(f64),
    Word(String),
}

impl JsonValue {
    fn of(v: f64) -> Self {
        if v.is_finite() {
            JsonValue::Number(v)
        } else {
            JsonValue::Word(v.to_string())
        }
    }
}

fn name_of(catalog: &Catalog, kind: NameKind, id: u32) -> Option<String> {
    catalog.name(kind, id).map(str::to_string)
}

fn row_of(seq: u64, event: &Event, catalog: &Catalog) -> Row {
    let mut row = Row {
        seq,
        t_ms: event.t_ms(),
        kind: String::new(),
        series: None,
        series_name: None,
        build: None,
        build_name: None,
        code: None,
        code_name: None,
        value: None,
    };
    match event {
        Event::Error(e) => {
            row.kind = "error".into();
            row.build = Some(e.build);
            row.build_name = name_of(catalog, NameKind::Build, e.build);
            row.code = Some(e.code);
            row.code_name = name_of(catalog, NameKind::Code, e.code);
        }
        Event::Metric(m) => {
            row.kind = "metric".into();
            row.series = Some(m.series);
            row.series_name = name_of(catalog, NameKind::Series, m.series);
            row.value = Some(JsonValue::of(m.value));
        }
    }
    row
}

/// Write every event of `entries` to `out` in `format`, naming ids from `catalog` and from
/// the catalog records met on the way (so a journal whose names were journaled after the
/// checkpoint still exports its names). Returns the number of events written.
pub fn export<'a, W: Write>(
    entries: impl IntoIterator<Item = &'a Entry>,
    catalog: &Catalog,
    format: Format,
    out: W,
) -> io::Result<u64> {
    let mut names = catalog.clone();
    let mut n = 0u64;
    match format {
        Format::Ndjson => {
            let mut out = io::BufWriter::new(out);
            for entry in entries {
                match &entry.record {
                    Record::Name(c) => names.insert(c),
                    Record::Event(e) => {
                        serde_json::to_writer(&mut out, &row_of(entry.seq, e, &names))?;
                        out.write_all(b"\n")?;
                        n += 1;
                    }
                }
            }
            out.flush()?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(COLUMNS).map_err(csv_io)?;
            let id = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
            let name = |v: Option<String>| v.map(|s| escape_cell(&s)).unwrap_or_default();
            for entry in entries {
                match &entry.record {
                    Record::Name(c) => names.insert(c),
                    Record::Event(e) => {
                        let r = row_of(entry.seq, e, &names);
                        let value = match e {
                            Event::Metric(m) => m.value.to_string(),
                            Event::Error(_) => String::new(),
                        };
                        w.write_record([
                            r.seq.to_string(),
                            r.t_ms.to_string(),
                            r.kind,
                            id(r.series),
                            name(r.series_name),
                            id(r.build),
                            name(r.build_name),
                            id(r.code),
                            name(r.code_name),
                            value,
                        ])
                        .map_err(csv_io)?;
                        n += 1;
                    }
                }
            }
            w.flush()?;
        }
    }
    Ok(n)
}

fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

// Formulas neutralised reversibly (see the module doc). An empty name becomes `'` too, so
// it stays apart from an id without a name (an empty cell).
use crate::core::csv_cell::{reversible as escape_cell, unescape as unescape_cell};

/// What an imported file holds: the names it gave ids, and its events in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    /// Names by id space and id.
    pub catalog: Catalog,
    /// The events, in the order of the file.
    pub events: Vec<Event>,
}

impl Imported {
    /// The names as catalog entries, ready for [`super::Journal::name`] before appending.
    pub fn names(&self) -> Vec<CatalogEntry> {
        [NameKind::Series, NameKind::Build, NameKind::Code]
            .into_iter()
            .flat_map(|kind| {
                self.catalog
                    .names(kind)
                    .map(move |(id, name)| CatalogEntry {
                        kind,
                        id,
                        name: name.to_string(),
                    })
            })
            .collect()
    }
}

/// Why an import failed, with the line it failed on (1-based, counting the CSV header).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportError {
    /// Line in the file.
    pub line: u64,
    /// What was wrong.
    pub kind: ImportErrorKind,
}

/// What was wrong with an imported line.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportErrorKind {
    /// The file holds no event.
    Empty,
    /// The CSV header is not the export's header.
    Header {
        /// The header found.
        found: String,
    },
    /// A line that is not a JSON object of the export's fields.
    Json(String),
    /// A CSV line that could not be read (bad quoting, bad UTF-8, wrong field count).
    Csv(String),
    /// A field the row's kind needs is empty or missing.
    Missing(&'static str),
    /// A field that does not hold what it should.
    Invalid {
        /// The field.
        field: &'static str,
        /// Its text (cut to 80 characters).
        text: String,
    },
    /// An id named twice, differently.
    NameConflict {
        /// Id space.
        kind: NameKind,
        /// The id.
        id: u32,
        /// The name met first.
        first: String,
        /// The other name.
        second: String,
    },
    /// A name longer than the journal stores.
    NameTooLong {
        /// Id space.
        kind: NameKind,
        /// Bytes.
        bytes: usize,
    },
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = self.line;
        match &self.kind {
            ImportErrorKind::Empty => {
                write!(f, "the file holds no event: export a journal from pipescope and import that file")
            }
            ImportErrorKind::Header { found } => write!(
                f,
                "line {line}: the header is {found:?}, not a pipescope journal export's ({})",
                COLUMNS.join(",")
            ),
            ImportErrorKind::Json(m) => write!(
                f,
                "line {line}: not a journal event object ({m}); each line must be one JSON object as exported"
            ),
            ImportErrorKind::Csv(m) => write!(f, "line {line}: unreadable CSV ({m})"),
            ImportErrorKind::Missing(field) => {
                write!(f, "line {line}: the field {field:?} is missing or empty")
            }
            ImportErrorKind::Invalid { field, text } => {
                write!(f, "line {line}: {field} {text:?} is not valid here")
            }
            ImportErrorKind::NameConflict {
                kind,
                id,
                first,
                second,
            } => write!(
                f,
                "line {line}: {} {id} is named {second:?} here but {first:?} earlier; \
                 one id must keep one name",
                kind.word()
            ),
            ImportErrorKind::NameTooLong { kind, bytes } => write!(
                f,
                "line {line}: a {} name of {bytes} bytes; names may have at most {MAX_NAME_BYTES}",
                kind.word()
            ),
        }
    }
}

impl std::error::Error for ImportError {}

/// Parse an exported file (NDJSON or CSV, told apart by [`Format::sniff`]) back into names
/// and events. Blank lines are skipped; the first bad line stops the import, so a partial
/// file never passes for a whole one.
pub fn import(bytes: &[u8]) -> Result<Imported, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = Imported::default();
    match Format::sniff(bytes) {
        Format::Ndjson => import_ndjson(bytes, &mut out)?,
        Format::Csv => import_csv(bytes, &mut out)?,
    }
    if out.events.is_empty() {
        return Err(ImportError {
            line: 1,
            kind: ImportErrorKind::Empty,
        });
    }
    Ok(out)
}

fn import_ndjson(bytes: &[u8], out: &mut Imported) -> Result<(), ImportError> {
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = i as u64 + 1;
        let err = |kind| ImportError {
            line: line_no,
            kind,
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let row: Row = serde_json::from_slice(line).map_err(|e| {
            // serde_json counts lines within this one line; say the column instead.
            let text = e.to_string();
            let what = text
                .rsplit_once(" at line ")
                .map_or(text.as_str(), |(w, _)| w);
            err(ImportErrorKind::Json(format!(
                "{what}, at column {}",
                e.column()
            )))
        })?;
        let value = match &row.value {
            None => None,
            // serde_json (without its float_roundtrip feature) may round the last bit, and
            // replays must be bit-exact: parse the number's own text with Rust's parser.
            Some(JsonValue::Number(v)) => Some(
                raw_member(line, b"value")
                    .and_then(|t| t.parse::<f64>().ok())
                    .unwrap_or(*v),
            ),
            Some(JsonValue::Word(w)) => Some(parse_value(w).map_err(err)?),
        };
        let fields = Fields {
            kind: &row.kind,
            series: row.series,
            series_name: row.series_name.as_deref(),
            build: row.build,
            build_name: row.build_name.as_deref(),
            code: row.code,
            code_name: row.code_name.as_deref(),
            value,
        };
        fields.apply_at(row.t_ms, out).map_err(err)?;
    }
    Ok(())
}

fn import_csv(bytes: &[u8], out: &mut Imported) -> Result<(), ImportError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut first = true;
    loop {
        let line = rdr.position().line();
        let read = rdr.read_byte_record(&mut record);
        match read {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                return Err(ImportError {
                    line,
                    kind: ImportErrorKind::Csv(e.to_string()),
                });
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        let err = |kind| ImportError { line, kind };
        let text = |i: usize| -> Result<&str, ImportError> {
            std::str::from_utf8(&record[i]).map_err(|_| {
                err(ImportErrorKind::Csv(format!(
                    "field {} is not UTF-8 text",
                    COLUMNS[i]
                )))
            })
        };
        if first {
            first = false;
            let found: Vec<&[u8]> = record.iter().collect();
            let want: Vec<&[u8]> = COLUMNS.iter().map(|c| c.as_bytes()).collect();
            if found != want {
                let found =
                    String::from_utf8_lossy(&record.as_slice()[..record.as_slice().len().min(200)])
                        .into_owned();
                return Err(err(ImportErrorKind::Header { found }));
            }
            continue;
        }
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        if record.len() != COLUMNS.len() {
            return Err(err(ImportErrorKind::Csv(format!(
                "{} fields, expected {}",
                record.len(),
                COLUMNS.len()
            ))));
        }
        let id = |i: usize, field: &'static str| -> Result<Option<u32>, ImportError> {
            let t = text(i)?;
            if t.is_empty() {
                return Ok(None);
            }
            t.parse().map(Some).map_err(|_| {
                err(ImportErrorKind::Invalid {
                    field,
                    text: cut(t),
                })
            })
        };
        let name = |i: usize| -> Result<Option<&str>, ImportError> {
            let t = text(i)?;
            Ok((!t.is_empty()).then(|| unescape_cell(t)))
        };
        let seq = text(0)?;
        seq.parse::<u64>().map_err(|_| {
            err(ImportErrorKind::Invalid {
                field: "seq",
                text: cut(seq),
            })
        })?;
        let t = text(1)?;
        let t_ms = t.parse::<i64>().map_err(|_| {
            err(ImportErrorKind::Invalid {
                field: "t_ms",
                text: cut(t),
            })
        })?;
        let v = text(9)?;
        let value = if v.is_empty() {
            None
        } else {
            Some(parse_value(v).map_err(err)?)
        };
        let fields = Fields {
            kind: text(2)?,
            series: id(3, "series")?,
            series_name: name(4)?,
            build: id(5, "build")?,
            build_name: name(6)?,
            code: id(7, "code")?,
            code_name: name(8)?,
            value,
        };
        fields.apply_at(t_ms, out).map_err(err)?;
    }
    Ok(())
}

/// The raw text of the top-level member `key` of a JSON object already known to be valid:
/// a scan that skips over strings (escapes included) and nested values.
fn raw_member<'a>(line: &'a [u8], key: &[u8]) -> Option<&'a str> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < line.len() && line[i] != b'"' {
                    i += if line[i] == b'\\' { 2 } else { 1 };
                }
                let text = line.get(start..i)?;
                i += 1;
                if depth == 1 && text == key {
                    let rest = line.get(i..)?;
                    let colon = rest.iter().position(|b| !b.is_ascii_whitespace())?;
                    if rest[colon] != b':' {
                        continue;
                    }
                    let value = &rest[colon + 1..];
                    let from = value.iter().position(|b| !b.is_ascii_whitespace())?;
                    let len = value[from..]
                        .iter()
                        .position(|b| matches!(b, b',' | b'}') || b.is_ascii_whitespace())
                        .unwrap_or(value.len() - from);
                    return std::str::from_utf8(&value[from..from + len]).ok();
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

fn parse_value(text: &str) -> Result<f64, ImportErrorKind> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| ImportErrorKind::Invalid {
            field: "value",
            text: cut(text),
        })
}

fn cut(s: &str) -> String {
    s.chars().take(80).collect()
}

/// One row's fields, whichever format they came from.
struct Fields<'a> {
    kind: &'a str,
    series: Option<u32>,
    series_name: Option<&'a str>,
    build: Option<u32>,
    build_name: Option<&'a str>,
    code: Option<u32>,
    code_name: Option<&'a str>,
    value: Option<f64>,
}

impl Fields<'_> {
    fn apply_at(&self, t_ms: i64, out: &mut Imported) -> Result<(), ImportErrorKind> {
        let need = |v: Option<u32>, field| v.ok_or(ImportErrorKind::Missing(field));
        let event = match self.kind {
            "error" => {
                let build = need(self.build, "build")?;
                let code = need(self.code, "code")?;
                name(out, NameKind::Build, build, self.build_name)?;
                name(out, NameKind::Code, code, self.code_name)?;
                Event::Error(ErrorEvent { t_ms, build, code })
            }
            "metric" => {
                let series = need(self.series, "series")?;
                let value = self.value.ok_or(ImportErrorKind::Missing("value"))?;
                name(out, NameKind::Series, series, self.series_name)?;
                Event::Metric(MetricEvent {
                    t_ms,
                    series,
                    value,
                })
            }
            other => {
                return Err(ImportErrorKind::Invalid {
                    field: "kind",
                    text: cut(other),
                })
            }
        };
        out.events.push(event);
        Ok(())
    }
}

fn name(
    out: &mut Imported,
    kind: NameKind,
    id: u32,
    name: Option<&str>,
) -> Result<(), ImportErrorKind> {
    let Some(name) = name else { return Ok(()) };
    match out.catalog.name(kind, id) {
        Some(first) if first == name => Ok(()),
        Some(first) => Err(ImportErrorKind::NameConflict {
            kind,
            id,
            first: first.to_string(),
            second: name.to_string(),
        }),
        None if name.len() > MAX_NAME_BYTES => Err(ImportErrorKind::NameTooLong {
            kind,
            bytes: name.len(),
        }),
        None => {
            out.catalog.insert(&CatalogEntry {
                kind,
                id,
                name: name.to_string(),
            });
            Ok(())
        }
    }
}
