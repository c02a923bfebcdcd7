//! One NDJSON line of a feed read as an object with a time, its fields read by name; and an
//! answer's lines read with the bad ones counted and reported. Shared by every event feed
//! ([`super::errors`], [`super::metrics`]), so each says only which fields it wants.

use std::fmt;

use rustc_hash::FxHashMap;
use serde_json::{Map, Value};

use crate::core::text::clip;
use crate::core::time::{parse_timestamp_ms, TimeFormat};

/// A line longer than this is refused (one event is a few dozen bytes).
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Longest name (build, code label, metric) kept.
pub const MAX_NAME_CHARS: usize = 200;
/// Line problems a batch keeps for display (all are counted).
pub const MAX_PROBLEMS: usize = 20;

/// Why one line of a feed's answer was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    /// Not JSON.
    NotJson {
        /// 1-based line in the answer.
        line: u64,
        /// The JSON reader's complaint.
        message: String,
    },
    /// JSON, but not an object.
    NotObject {
        /// 1-based line in the answer.
        line: u64,
    },
    /// A field the event needs is absent or null.
    Missing {
        /// 1-based line in the answer.
        line: u64,
        /// The field.
        field: &'static str,
    },
    /// A field is there but does not read.
    Field {
        /// 1-based line in the answer.
        line: u64,
        /// The field.
        field: &'static str,
        /// What is wrong, in words.
        message: String,
    },
    /// The line is longer than [`MAX_LINE_BYTES`].
    TooLong {
        /// 1-based line in the answer.
        line: u64,
        /// Its length in bytes.
        bytes: usize,
    },
    /// The line is not UTF-8 text.
    NotText {
        /// 1-based line in the answer.
        line: u64,
    },
}

impl LineError {
    /// The 1-based line in the answer.
    pub fn line(&self) -> u64 {
        match self {
            LineError::NotJson { line, .. }
            | LineError::NotObject { line }
            | LineError::Missing { line, .. }
            | LineError::Field { line, .. }
            | LineError::TooLong { line, .. }
            | LineError::NotText { line } => *line,
        }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::NotJson { line, message } => write!(
                f,
                "line {line}: not a JSON object ({}); each line is one event object with a \
                 `ts` field, like {{\"ts\":\"2026-12-06T10:00:00Z\", …}}",
                clip(message)
            ),
            LineError::NotObject { line } => write!(
                f,
                "line {line}: a JSON value that is not an object; each line is one event \
                 object with a `ts` field"
            ),
            LineError::Missing { line, field } => {
                write!(f, "line {line}: field `{field}` is missing")
            }
            LineError::Field {
                line,
                field,
                message,
            } => write!(f, "line {line}: field `{field}`: {message}"),
            LineError::TooLong { line, bytes } => write!(
                f,
                "line {line}: {bytes} bytes, longer than the {MAX_LINE_BYTES} a line may hold"
            ),
            LineError::NotText { line } => write!(f, "line {line}: not UTF-8 text"),
        }
    }
}

impl std::error::Error for LineError {}

/// One line read: a JSON object and its time.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// 1-based line in the answer.
    pub line: u64,
    /// Time, ms (epoch, or since `0:00:00` for clock times).
    pub t_ms: i64,
    map: Map<String, Value>,
}

impl Line {
    /// Reads one line (1-based `line` in its answer); Ok(None) for a blank line. The time
    /// is `ts` (or `timestamp`, `time`): an RFC 3339 / ISO 8601 or `H:MM:SS` string (read
    /// by [`crate::core::time`]), or an epoch number in seconds or milliseconds (told by
    /// size, as a file's column is).
    ///
    /// ```
    /// use pipescope::core::live::events::lines::Line;
    /// let l = Line::read(4, r#"{"ts":"1970-01-01T00:00:02Z","x":1}"#).unwrap().unwrap();
    /// assert_eq!(l.t_ms, 2_000);
    /// assert_eq!(Line::read(4, r#"{"x":1}"#).unwrap_err().to_string(), "line 4: field `ts` is missing");
    /// ```
    pub fn read(line: u64, text: &str) -> Result<Option<Line>, LineError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if text.len() > MAX_LINE_BYTES {
            return Err(LineError::TooLong {
                line,
                bytes: text.len(),
            });
        }
        let value: Value = serde_json::from_str(text).map_err(|e| LineError::NotJson {
            line,
            message: e.to_string(),
        })?;
        let Value::Object(map) = value else {
            return Err(LineError::NotObject { line });
        };
        let mut read = Line { line, t_ms: 0, map };
        let ts = read
            .get(&["ts", "timestamp", "time"])
            .ok_or(LineError::Missing { line, field: "ts" })?;
        read.t_ms = time_of(ts).map_err(|message| LineError::Field {
            line,
            field: "ts",
            message,
        })?;
        Ok(Some(read))
    }

    /// The first of `names` present and not null.
    pub fn get(&self, names: &[&str]) -> Option<&Value> {
        names
            .iter()
            .find_map(|n| self.map.get(*n).filter(|v| !v.is_null()))
    }

    /// The first of `names` present, null included.
    pub fn raw(&self, names: &[&str]) -> Option<&Value> {
        names.iter().find_map(|n| self.map.get(*n))
    }

    /// `field` as a name: a non-empty string (trimmed) or a number, at most
    /// [`MAX_NAME_CHARS`] characters.
    pub fn name(&self, field: &'static str) -> Result<String, LineError> {
        let v = self.get(&[field]).ok_or(self.missing(field))?;
        self.name_of(field, v)
    }

    /// `v`, the value of `field`, as a name (see [`Line::name`]).
    pub fn name_of(&self, field: &'static str, v: &Value) -> Result<String, LineError> {
        let s = match v {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => return Err(self.bad(field, "must be a string or a number".into())),
        };
        if s.is_empty() {
            return Err(self.bad(field, "is empty".into()));
        }
        if s.chars().count() > MAX_NAME_CHARS {
            return Err(self.bad(field, format!("longer than {MAX_NAME_CHARS} characters")));
        }
        Ok(s)
    }

    /// `v`, the value of `field`, as a number: a JSON number, a string holding one
    /// (`"1.5"`, `"NaN"`, as Prometheus writes samples), or null for a gap (NaN).
    pub fn number_of(&self, field: &'static str, v: &Value) -> Result<f64, LineError> {
        match v {
            Value::Null => Ok(f64::NAN),
            Value::Number(n) => n
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| self.bad(field, format!("{n} is out of range"))),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|x| !x.is_infinite())
                .ok_or_else(|| self.bad(field, format!("'{}' is not a number", clip(s)))),
            _ => Err(self.bad(field, "must be a number (or null for a gap)".into())),
        }
    }

    /// A field that is absent.
    pub fn missing(&self, field: &'static str) -> LineError {
        LineError::Missing {
            line: self.line,
            field,
        }
    }

    /// A field that does not read, and why.
    pub fn bad(&self, field: &'static str, message: String) -> LineError {
        LineError::Field {
            line: self.line,
            field,
            message,
        }
    }
}

/// A JSON time value in ms, or what is wrong with it.
fn time_of(v: &Value) -> Result<i64, String> {
    match v {
        Value::String(s) => parse_timestamp_ms(s).map_err(|e| {
            format!(
                "'{}': {e}; use RFC 3339 like 2026-12-06T10:00:00Z, or epoch seconds or ms",
                clip(s)
            )
        }),
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            TimeFormat::epoch_unit(x)
                .epoch_ms(x)
                .filter(|_| {
                    matches!(
                        TimeFormat::epoch_unit(x),
                        TimeFormat::EpochSeconds | TimeFormat::EpochMillis
                    )
                })
                .ok_or_else(|| format!("{n} is not epoch seconds or milliseconds"))
        }
        _ => Err("must be a time string or an epoch number".into()),
    }
}

/// What reading an answer's lines gave: each good line's reading with its time, and the
/// bad lines counted (the first [`MAX_PROBLEMS`] kept to show).
#[derive(Debug, Clone, PartialEq)]
pub struct Lines<T> {
    /// (time ms, what the line held), in answer order.
    pub read: Vec<(i64, T)>,
    /// Lines that did not read.
    pub malformed: usize,
    /// The first of them.
    pub problems: Vec<LineError>,
}

/// Reads an answer's NDJSON lines (a UTF-8 byte-order mark is skipped; line numbers count
/// from the start of `body`), each good one through `fields`, which reads what the feed
/// wants from it.
pub fn read_lines<T>(
    body: &[u8],
    mut fields: impl FnMut(&Line) -> Result<T, LineError>,
) -> Lines<T> {
    let mut out = Lines {
        read: Vec::new(),
        malformed: 0,
        problems: Vec::new(),
    };
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    for (i, raw) in body.split(|&b| b == b'\n').enumerate() {
        let line = i as u64 + 1;
        let parsed = match std::str::from_utf8(raw) {
            Ok(text) => Line::read(line, text).and_then(|l| match l {
                Some(l) => fields(&l).map(|t| Some((l.t_ms, t))),
                None => Ok(None),
            }),
            Err(_) => Err(LineError::NotText { line }),
        };
        match parsed {
            Ok(Some(x)) => out.read.push(x),
            Ok(None) => {}
            Err(p) => {
                out.malformed += 1;
                if out.problems.len() < MAX_PROBLEMS {
                    out.problems.push(p);
                }
            }
        }
    }
    out
}

/// Names with ids in order of first appearance (a feed's builds, codes or metrics).
#[derive(Debug, Clone, Default)]
pub struct Names {
    names: Vec<String>,
    ids: FxHashMap<String, u32>,
}

impl Names {
    /// A catalog that resumes with these names (ids are positions).
    pub fn resume(names: Vec<String>) -> Names {
        let ids = names
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
        Names { names, ids }
    }

    /// Names by id.
    pub fn all(&self) -> &[String] {
        &self.names
    }

    /// The id of `name`, a new one (also pushed to `fresh`) when first seen.
    pub fn id(&mut self, name: String, fresh: &mut Vec<(u32, String)>) -> u32 {
        if let Some(&id) = self.ids.get(&name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.clone());
        fresh.push((id, name.clone()));
        self.ids.insert(name, id);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_json_numbers_numeric_strings_or_null_gaps() {
        let l = Line::read(1, r#"{"ts":1}"#).unwrap().unwrap();
        let n = |v: &str| l.number_of("value", &serde_json::from_str(v).unwrap());
        assert_eq!(n("1.5").unwrap(), 1.5);
        assert_eq!(n("\"-2e3\"").unwrap(), -2000.0);
        assert!(n("null").unwrap().is_nan());
        assert!(n("\"NaN\"").unwrap().is_nan());
        assert_eq!(
            n("\"abc\"").unwrap_err().to_string(),
            "line 1: field `value`: 'abc' is not a number"
        );
        assert!(n("\"+Inf\"").is_err());
        assert!(n("[1]").is_err());
    }

    #[test]
    fn every_bad_line_is_counted_and_the_first_kept() {
        let mut body = String::new();
        for i in 0..30 {
            body += if i % 2 == 0 { "{\"ts\":1}\n" } else { "x\n" };
        }
        let lines = read_lines(body.as_bytes(), |_| Ok(()));
        assert_eq!((lines.read.len(), lines.malformed), (15, 15));
        assert_eq!(lines.problems.len(), 15);
        assert_eq!(lines.problems[0].line(), 2);
    }
}
