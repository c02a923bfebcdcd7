//! Evaluating each rule on a table. What several checks of one column need (its sorted
//! values, its label counts, the rows' file lines) is computed once and shared, so a file
//! of many checks costs about one pass over each column it names; labels are judged once
//! per distinct label, not once per row.

use std::cell::{OnceCell, RefCell};

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{json, Value};

use super::error::ChecksErrorKind;
use super::report::{number_text, Evidence, EVIDENCE_ROWS};
use super::spec::{
    Allowed, Drift, DriftMetric, Freshness, PatternRule, Quantile, Range, RowCount, Rule, Schema,
    ShareRule, Stat, Unique,
};
use super::values::{Bound, Share};
use crate::core::compare::drift::quantile_linear;
use crate::core::ingest::table::{Column, ColumnData, ColumnType, Table};
use crate::core::time::format_iso_seconds;

mod cells;
mod numbers;
mod table;

/// Widest range of whole numbers whose distinct values are counted in a bitmap (8 MiB).
const BITMAP_MAX: usize = 1 << 26;

/// How many columns a schema or drift result lists.
const EVIDENCE_COLUMNS: usize = 20;

/// What a rule found: whether the data meets it, and the figures to show.
pub(crate) struct Outcome {
    pub ok: bool,
    pub observed: Value,
    pub expected: String,
    pub message: String,
    pub evidence: Vec<Evidence>,
}

/// One table and what its checks share.
pub(crate) struct Ctx<'a> {
    pub table: &'a Table,
    pub reference: Option<&'a Table>,
    /// "Now" for freshness, epoch milliseconds.
    pub now_ms: i64,
    index: FxHashMap<&'a str, usize>,
    lines: OnceCell<Vec<u64>>,
    values: Vec<RefCell<Option<ColumnValues>>>,
    summaries: Vec<OnceCell<Option<Summary>>>,
    /// The table's profile, when the caller has one: counts, extremes, distinct counts
    /// and means are read from it instead of computed again.
    profile: Option<&'a crate::core::profile::Profile>,
    counts: Vec<OnceCell<Vec<u64>>>,
}

/// One pass over a number or date column: what lets most checks pass without another.
#[derive(Clone, Copy)]
struct Summary {
    valid: usize,
    min: f64,
    max: f64,
    /// Every value a whole number.
    integral: bool,
}

/// A column's valid values, in order once something needed them sorted.
struct ColumnValues {
    v: Vec<f64>,
    sorted: bool,
}

impl ColumnValues {
    /// The `q` quantile (type 7, as [`quantile_linear`]), by selection when unsorted.
    fn quantile(&mut self, q: f64) -> Option<f64> {
        if self.sorted || self.v.is_empty() {
            return quantile_linear(&self.v, q);
        }
        let n = self.v.len();
        let h = (n - 1) as f64 * q;
        let lo = h.floor().clamp(0.0, (n - 1) as f64) as usize;
        let (_, &mut a, right) = self.v.select_nth_unstable_by(lo, f64::total_cmp);
        let b = right.iter().copied().min_by(f64::total_cmp).unwrap_or(a);
        // quantile_linear on the two neighbours: the same arithmetic, the same bits.
        let t = h - lo as f64;
        let diff = b - a;
        Some(if t >= 0.5 {
            b - diff * (1.0 - t)
        } else {
            a + diff * t
        })
    }
}

/// One cell's value, typed.
#[derive(Clone, Copy)]
enum Cell<'a> {
    Number(f64),
    /// Epoch seconds.
    Time(f64),
    Bool(bool),
    Text(&'a str),
}

impl Cell<'_> {
    /// The value as text: what patterns match and evidence shows.
    fn text(self) -> String {
        match self {
            Cell::Number(v) => plain_number(v),
            Cell::Time(s) => format_iso_seconds(s.floor() as i64),
            Cell::Bool(b) => b.to_string(),
            Cell::Text(s) => s.to_string(),
        }
    }
}

/// A number in its shortest exact form: `42` for whole numbers, `3.25` otherwise.
fn plain_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn share(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 / of as f64
    }
}

fn percent(s: f64) -> String {
    format!("{}%", number_text((s * 1e4).round() / 100.0))
}

fn count(n: usize) -> String {
    crate::core::text::group_thousands(n as u64)
}

impl<'a> Ctx<'a> {
    pub fn new(table: &'a Table, reference: Option<&'a Table>, now_ms: i64) -> Ctx<'a> {
        Ctx::with_profile(table, reference, now_ms, None)
    }

    /// A context that reads what it can from `profile`, ignored unless it profiles the
    /// same columns in the same order.
    pub fn with_profile(
        table: &'a Table,
        reference: Option<&'a Table>,
        now_ms: i64,
        profile: Option<&'a crate::core::profile::Profile>,
    ) -> Ctx<'a> {
        let profile = profile.filter(|p| {
            p.rows == table.rows
                && p.columns.len() == table.columns.len()
                && p.columns
                    .iter()
                    .zip(&table.columns)
                    .all(|(p, c)| p.name == c.name && p.kind == c.kind)
        });
        let mut index = FxHashMap::default();
        for (i, c) in table.columns.iter().enumerate() {
            index.entry(c.name.as_str()).or_insert(i);
        }
        Ctx {
            table,
            reference,
            now_ms,
            index,
            lines: OnceCell::new(),
            values: (0..table.columns.len())
                .map(|_| RefCell::new(None))
                .collect(),
            summaries: (0..table.columns.len()).map(|_| OnceCell::new()).collect(),
            profile,
            counts: (0..table.columns.len()).map(|_| OnceCell::new()).collect(),
        }
    }

    /// The index of a column, or the error naming the columns there are.
    pub fn column(&self, name: &str) -> Result<usize, ChecksErrorKind> {
        self.index
            .get(name)
            .copied()
            .ok_or_else(|| ChecksErrorKind::UnknownColumn {
                column: name.to_string(),
                available: self.table.columns.iter().map(|c| c.name.clone()).collect(),
            })
    }

    /// The column of a rule, checked to be of a type the rule reads.
    pub fn resolve(&self, rule: &Rule) -> Result<Option<usize>, ChecksErrorKind> {
        let Some(name) = rule.column() else {
            return Ok(None);
        };
        let i = self.column(name)?;
        let kind = self.table.columns[i].kind;
        let (ok, expected) = match rule {
            Rule::Range(_) | Rule::Mean(_) | Rule::Median(_) | Rule::Quantile(_) => (
                matches!(kind, ColumnType::Numeric | ColumnType::Datetime),
                "a numeric or datetime column",
            ),
            Rule::Freshness(_) => (kind == ColumnType::Datetime, "a datetime column"),
            _ => (true, ""),
        };
        if !ok {
            return Err(ChecksErrorKind::ColumnType {
                column: name.to_string(),
                found: kind,
                expected,
            });
        }
        Ok(Some(i))
    }

    fn line(&self, row: usize) -> u64 {
        self.lines.get_or_init(|| self.table.row_lines())[row]
    }

    /// Runs `f` on a numeric, datetime or boolean column's valid values (NaN dropped),
    /// copied once and kept; `sorted` asks for them in order. Order statistics select
    /// in the copy (linear time) unless it is already sorted, so a file of a few checks
    /// a column costs about one pass each, not a sort each.
    fn with_values<R>(&self, ci: usize, sorted: bool, f: impl FnOnce(&mut ColumnValues) -> R) -> R {
        let mut slot = self.values[ci].borrow_mut();
        let values = slot.get_or_insert_with(|| {
            let v: Vec<f64> = match &self.table.columns[ci].data {
                ColumnData::Numeric(v) | ColumnData::Datetime(v) => {
                    v.iter().copied().filter(|x| !x.is_nan()).collect()
                }
                ColumnData::Boolean(v) => v.iter().filter(|&&b| b < 2).map(|&b| b as f64).collect(),
                ColumnData::Labels(_) => Vec::new(),
            };
            ColumnValues { v, sorted: false }
        });
        if sorted && !values.sorted {
            // Radix sort: several times faster than a comparison sort on millions of values.
            radsort::sort(&mut values.v);
            values.sorted = true;
        }
        f(values)
    }

    /// Count, min, max and integrality of a number or date column, in one pass (None for
    /// other columns).
    fn summary(&self, ci: usize) -> Option<Summary> {
        *self.summaries[ci].get_or_init(|| match &self.table.columns[ci].data {
            ColumnData::Numeric(_) | ColumnData::Datetime(_) if self.profile.is_some() => {
                let p = &self.profile.expect("checked").columns[ci];
                Some(Summary {
                    valid: p.count,
                    min: p.min.unwrap_or(f64::INFINITY),
                    max: p.max.unwrap_or(f64::NEG_INFINITY),
                    // Only the bitmap of distinct values reads this, and with a profile
                    // the distinct count is the profile's.
                    integral: false,
                })
            }
            ColumnData::Numeric(v) | ColumnData::Datetime(v) => {
                let mut s = Summary {
                    valid: 0,
                    min: f64::INFINITY,
                    max: f64::NEG_INFINITY,
                    integral: true,
                };
                for &x in v {
                    if x.is_nan() {
                        continue;
                    }
                    s.valid += 1;
                    s.min = s.min.min(x);
                    s.max = s.max.max(x);
                    s.integral &= x.fract() == 0.0;
                }
                Some(s)
            }
            _ => None,
        })
    }

    /// Distinct values of a number or date column: a bitmap over the range when the values
    /// are whole numbers in a range of at most [`BITMAP_MAX`] (ids), else by sorting.
    fn distinct_numbers(&self, ci: usize) -> usize {
        if let Some(p) = self.profile {
            return p.columns[ci].distinct;
        }
        if let (Some(s), ColumnData::Numeric(v) | ColumnData::Datetime(v)) =
            (self.summary(ci), &self.table.columns[ci].data)
        {
            if s.valid > 0 && s.integral && s.max - s.min < BITMAP_MAX as f64 {
                let mut bits = vec![0u64; ((s.max - s.min) as usize) / 64 + 1];
                let mut distinct = 0;
                for &x in v {
                    if x.is_nan() {
                        continue;
                    }
                    let k = (x - s.min) as usize;
                    let (word, bit) = (k / 64, 1u64 << (k % 64));
                    distinct += usize::from(bits[word] & bit == 0);
                    bits[word] |= bit;
                }
                return distinct;
            }
        }
        self.with_values(ci, true, |s| {
            s.v.windows(2).filter(|w| w[0] != w[1]).count() + usize::from(!s.v.is_empty())
        })
    }

    /// A labels column's count of each dictionary code.
    fn counts(&self, ci: usize) -> &[u64] {
        if let (Some(p), ColumnData::Labels(d)) = (self.profile, &self.table.columns[ci].data) {
            let counts = &p.columns[ci].label_counts;
            if counts.len() == d.values.len() {
                return counts;
            }
        }
        self.counts[ci].get_or_init(|| match &self.table.columns[ci].data {
            ColumnData::Labels(d) => crate::core::profile::code_counts(d),
            _ => Vec::new(),
        })
    }

    fn cell(&self, ci: usize, row: usize) -> Option<Cell<'a>> {
        let table: &'a Table = self.table;
        match &table.columns[ci].data {
            ColumnData::Numeric(v) => v.get(row).filter(|x| !x.is_nan()).map(|&x| Cell::Number(x)),
            ColumnData::Datetime(v) => v.get(row).filter(|x| !x.is_nan()).map(|&x| Cell::Time(x)),
            ColumnData::Boolean(v) => match v.get(row) {
                Some(0) => Some(Cell::Bool(false)),
                Some(1) => Some(Cell::Bool(true)),
                _ => None,
            },
            ColumnData::Labels(d) => d.get(row).map(Cell::Text),
        }
    }

    /// Valid (non-missing) cells of a column.
    fn valid(&self, ci: usize) -> usize {
        match &self.table.columns[ci].data {
            ColumnData::Labels(_) => self.counts(ci).iter().sum::<u64>() as usize,
            _ => match self.summary(ci) {
                Some(s) => s.valid,
                None => self.with_values(ci, false, |v| v.v.len()),
            },
        }
    }

    /// Counts the valid cells `bad` judges offending and lists the first few. Labels are
    /// judged once per distinct label.
    fn offending(
        &self,
        ci: usize,
        bad: &dyn Fn(Cell) -> Option<String>,
    ) -> (usize, usize, Vec<Evidence>) {
        let column = &self.table.columns[ci];
        let name = Some(column.name.clone());
        let mut evidence = Vec::new();
        // Adds one row of evidence while there is room; false once the list is full.
        let mut push = |row: usize, cell: Cell, note: String| {
            if evidence.len() < EVIDENCE_ROWS {
                evidence.push(Evidence {
                    line: Some(self.line(row)),
                    column: name.clone(),
                    value: cell.text(),
                    note: Some(note),
                });
            }
            evidence.len() < EVIDENCE_ROWS
        };
        match &column.data {
            ColumnData::Labels(d) => {
                let verdicts: Vec<Option<String>> =
                    d.values.iter().map(|v| bad(Cell::Text(v))).collect();
                let counts = self.counts(ci);
                let n_bad: u64 = verdicts
                    .iter()
                    .zip(counts)
                    .filter(|x| x.0.is_some())
                    .map(|x| *x.1)
                    .sum();
                if n_bad > 0 {
                    for (row, &code) in d.codes.iter().enumerate() {
                        if let Some(Some(note)) = verdicts.get(code as usize) {
                            if !push(row, Cell::Text(&d.values[code as usize]), note.clone()) {
                                break;
                            }
                        }
                    }
                }
                (n_bad as usize, self.valid(ci), evidence)
            }
            ColumnData::Numeric(v) | ColumnData::Datetime(v) => {
                // The hot loop of range checks: straight over the slice.
                let date = matches!(column.data, ColumnData::Datetime(_));
                let mut n_bad = 0usize;
                let mut n_valid = 0usize;
                for (row, &x) in v.iter().enumerate() {
                    if x.is_nan() {
                        continue;
                    }
                    n_valid += 1;
                    let cell = if date { Cell::Time(x) } else { Cell::Number(x) };
                    if let Some(note) = bad(cell) {
                        n_bad += 1;
                        push(row, cell, note);
                    }
                }
                (n_bad, n_valid, evidence)
            }
            ColumnData::Boolean(_) => {
                let mut n_bad = 0usize;
                let mut n_valid = 0usize;
                for row in 0..self.table.rows {
                    let Some(cell) = self.cell(ci, row) else {
                        continue;
                    };
                    n_valid += 1;
                    if let Some(note) = bad(cell) {
                        n_bad += 1;
                        push(row, cell, note);
                    }
                }
                (n_bad, n_valid, evidence)
            }
        }
    }

    /// Evaluates one rule.
    pub fn eval(&self, rule: &Rule, ci: Option<usize>) -> Result<Outcome, ChecksErrorKind> {
        let ci = ci.unwrap_or(usize::MAX);
        match rule {
            Rule::RowCount(r) => Ok(self.row_count(r)),
            Rule::Missing(r) => Ok(self.missing(r, ci)),
            Rule::Invalid(r) => Ok(self.invalid(r, ci)),
            Rule::Unique(r) => Ok(self.unique(r, ci)),
            Rule::Allowed(r) => Ok(self.allowed(r, ci)),
            Rule::Pattern(r) => Ok(self.pattern(r, ci)),
            Rule::Range(r) => self.range(r, ci),
            Rule::Mean(r) => self.stat(ci, r, "mean", None),
            Rule::Median(r) => self.stat(ci, r, "median", Some(0.5)),
            Rule::Quantile(r) => {
                let s = Stat {
                    column: r.column.clone(),
                    min: r.min.clone(),
                    max: r.max.clone(),
                };
                self.quantile(ci, r, &s)
            }
            Rule::Freshness(r) => self.freshness(r, ci),
            Rule::Schema(r) => Ok(self.schema(r)),
            Rule::Drift(r) => self.drift(r),
        }
    }
}

/// `between 1 and 5`, `>= 1`, `<= 5`.
fn between(min: Option<String>, max: Option<String>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("between {a} and {b}"),
        (Some(a), None) => format!(">= {a}"),
        (None, Some(b)) => format!("<= {b}"),
        (None, None) => "anything".into(),
    }
}

/// A length of time in the largest two units: `3h 12m`, `2d 4h`, `45s`.
pub fn age_text(ms: f64) -> String {
    let s = (ms / 1000.0).floor() as i64;
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{sec}s"),
        (0, 0, _) => format!("{m}m {sec}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}
