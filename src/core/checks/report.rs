//! The result of running a checks file: one [`CheckResult`] a check, serialised as the
//! JSON report (`version` 1) and rendered as the command line's pass/warn/fail table.

use serde::Serialize;

use super::spec::Level;
use crate::core::text::clip;

/// Version of the JSON report; bumped when a field changes meaning or goes away.
pub const CHECK_REPORT_VERSION: u32 = 1;

/// How many offending rows (or columns) a result lists as evidence.
pub const EVIDENCE_ROWS: usize = 5;

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The data meets the check.
    Pass,
    /// The data breaks a `warn` check.
    Warn,
    /// The data breaks a `fail` check.
    Fail,
    /// The check could not be evaluated (a column the data lacks, no reference, ...).
    Error,
}

impl Status {
    /// `pass`, `warn`, `fail` or `error`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }
}

/// One piece of evidence: an offending row (its file line, column and value) or an
/// offending column (drift, schema).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// 1-based line of the row in the data file, when the evidence is a row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The value, as text (empty for a missing cell).
    pub value: String,
    /// What is wrong with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    /// The check's name.
    pub name: String,
    /// Its level.
    pub level: Level,
    /// Its rule's key (`range`, `missing`, ...).
    pub rule: &'static str,
    /// The column it reads, for single-column rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The outcome.
    pub status: Status,
    /// What was measured (a number, a time as ISO 8601 text, or an object); null on error.
    pub observed: serde_json::Value,
    /// What the check expects, in words (`<= 0.05`, `between 18 and 100`).
    pub expected: String,
    /// One sentence: what was found, or why the check could not run.
    pub message: String,
    /// Up to [`EVIDENCE_ROWS`] offending rows or columns.
    pub evidence: Vec<Evidence>,
    /// Line of the check in the checks file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_line: Option<u64>,
}

/// Counts of results by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Checks that passed.
    pub passed: usize,
    /// Broken `warn` checks.
    pub warned: usize,
    /// Broken `fail` checks.
    pub failed: usize,
    /// Checks that could not be evaluated.
    pub errors: usize,
}

/// The result of a whole checks file on one table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// [`CHECK_REPORT_VERSION`].
    pub version: u32,
    /// Data rows checked.
    pub rows: usize,
    /// The time freshness was measured from, ISO 8601.
    pub now: String,
    /// Counts by status.
    pub counts: Counts,
    /// One result a check, in file order.
    pub checks: Vec<CheckResult>,
}

impl CheckReport {
    /// The worst status over all checks (`pass` for none): what decides an exit code.
    pub fn worst(&self) -> Status {
        self.checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Pass)
    }

    /// The JSON report, pretty-printed.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a check report serialises")
    }

    /// The readable table: one line a check, evidence under broken ones, then counts.
    pub fn to_text(&self) -> String {
        let head = ["STATUS", "LEVEL", "CHECK", "OBSERVED", "EXPECTED"];
        let rows: Vec<[String; 5]> = self
            .checks
            .iter()
            .map(|c| {
                [
                    c.status.name().to_uppercase(),
                    c.level.name().to_string(),
                    clip(&c.name).into_owned(),
                    clip(&observed_text(&c.observed)).into_owned(),
                    clip(&c.expected).into_owned(),
                ]
            })
            .collect();
        let mut width = head.map(|h| h.chars().count());
        for r in &rows {
            for (w, cell) in width.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: [&str; 5]| {
            let mut s = String::new();
            for (i, (cell, w)) in cells.iter().zip(width).enumerate() {
                if i == 4 {
                    s.push_str(cell);
                } else {
                    s.push_str(cell);
                    s.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 2));
                }
            }
            s.trim_end().to_string() + "\n"
        };
        let mut out = line(head);
        for (r, c) in rows.iter().zip(&self.checks) {
            out += &line([&r[0], &r[1], &r[2], &r[3], &r[4]]);
            if c.status != Status::Pass {
                out += &format!("    {}\n", clip_line(&c.message));
                for e in &c.evidence {
                    out += &format!("    - {}\n", clip_line(&evidence_text(e)));
                }
            }
        }
        let n = self.counts;
        out += &format!(
            "{} passed, {} warned, {} failed, {} errors ({} checks on {} rows)\n",
            n.passed,
            n.warned,
            n.failed,
            n.errors,
            self.checks.len(),
            self.rows
        );
        out
    }
}

/// A long message cut so one table line stays readable; control characters shown escaped.
fn clip_line(s: &str) -> String {
    let s: String = s
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    crate::core::text::clip_to(&s, 200).into_owned()
}

/// Evidence as one line: `line 17, Customer_Age = 130 (above 100)`.
pub fn evidence_text(e: &Evidence) -> String {
    let mut s = String::new();
    if let Some(l) = e.line {
        s += &format!("line {l}, ");
    }
    if let Some(c) = &e.column {
        s += &format!("{} = ", clip(c));
    }
    if e.value.is_empty() && e.line.is_some() {
        s += "(missing)";
    } else {
        s += &format!("{:?}", clip(&e.value).as_ref());
    }
    if let Some(n) = &e.note {
        s += &format!(" ({n})");
    }
    s
}

/// An observed value in a table cell: numbers and text as they are, objects compact.
pub fn observed_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "-".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.as_f64().map_or(n.to_string(), number_text),
        other => other.to_string(),
    }
}

/// A number as a person writes it: whole numbers without `.0`, others to 6 significant
/// digits at most.
pub fn number_text(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let s = format!("{v}");
    if s.len() <= 10 {
        return s;
    }
    let digits = (6 - v.abs().log10().floor() as i32 - 1).clamp(0, 12) as usize;
    let t = format!("{v:.digits$}");
    if t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        t
    }
}
