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

    fn row_count(&self, r: &RowCount) -> Outcome {
        let n = self.table.rows as u64;
        let ok = r.min.is_none_or(|m| n >= m) && r.max.is_none_or(|m| n <= m);
        let expected = between(
            r.min.map(|m| count(m as usize)),
            r.max.map(|m| count(m as usize)),
        );
        Outcome {
            ok,
            observed: json!(n),
            message: format!("{} data rows; expected {expected}", count(n as usize)),
            expected,
            evidence: Vec::new(),
        }
    }

    fn missing(&self, r: &ShareRule, ci: usize) -> Outcome {
        let column = &self.table.columns[ci];
        let s = share(column.missing, self.table.rows);
        let mut evidence = Vec::new();
        let ok = s <= r.max.0;
        if !ok {
            // A numeric or datetime cell that did not parse is stored as missing too, so
            // with invalid cells about the evidence says "missing or invalid".
            let note = if column.invalid > 0 {
                "missing or invalid"
            } else {
                "missing"
            };
            for row in 0..self.table.rows {
                if self.cell(ci, row).is_none() {
                    evidence.push(Evidence {
                        line: Some(self.line(row)),
                        column: Some(column.name.clone()),
                        value: String::new(),
                        note: Some(note.into()),
                    });
                    if evidence.len() >= EVIDENCE_ROWS {
                        break;
                    }
                }
            }
        }
        Outcome {
            ok,
            observed: json!(s),
            expected: format!("<= {}", number_text(r.max.0)),
            message: format!(
                "{} of {} rows ({}) are missing in '{}'",
                count(column.missing),
                count(self.table.rows),
                percent(s),
                column.name
            ),
            evidence,
        }
    }

    fn invalid(&self, r: &ShareRule, ci: usize) -> Outcome {
        let column = &self.table.columns[ci];
        let s = share(column.invalid, self.table.rows);
        let ok = s <= r.max.0;
        let evidence = match (&column.first_invalid, ok) {
            (Some(p), false) => vec![Evidence {
                line: Some(p.line),
                column: Some(p.column.clone()),
                value: String::new(),
                note: Some(format!("the first cell that is not {}", column.kind.name())),
            }],
            _ => Vec::new(),
        };
        Outcome {
            ok,
            observed: json!(s),
            expected: format!("<= {}", number_text(r.max.0)),
            message: format!(
                "{} of {} rows ({}) in '{}' did not read as {}",
                count(column.invalid),
                count(self.table.rows),
                percent(s),
                column.name,
                column.kind.name()
            ),
            evidence,
        }
    }

    fn unique(&self, r: &Unique, ci: usize) -> Outcome {
        let column = &self.table.columns[ci];
        let valid = self.valid(ci);
        let distinct = match &column.data {
            ColumnData::Labels(_) => self.counts(ci).iter().filter(|&&n| n > 0).count(),
            ColumnData::Boolean(_) => self.with_values(ci, true, |s| {
                s.v.windows(2).filter(|w| w[0] != w[1]).count() + usize::from(!s.v.is_empty())
            }),
            _ => self.distinct_numbers(ci),
        };
        let min = r.min.unwrap_or(Share(1.0)).0;
        let observed = if valid == 0 {
            1.0
        } else {
            distinct as f64 / valid as f64
        };
        let ok = observed >= min;
        let mut evidence = Vec::new();
        if !ok {
            // Rows that repeat an earlier row's value, with the line of the first.
            let mut first: FxHashMap<u64, usize> = FxHashMap::default();
            for row in 0..self.table.rows {
                let key = match &column.data {
                    ColumnData::Numeric(v) | ColumnData::Datetime(v) => {
                        if v[row].is_nan() {
                            continue;
                        }
                        (v[row] + 0.0).to_bits()
                    }
                    ColumnData::Boolean(v) if v[row] < 2 => v[row] as u64,
                    ColumnData::Labels(d) if d.codes[row] != u32::MAX => d.codes[row] as u64,
                    _ => continue,
                };
                match first.get(&key) {
                    Some(&at) => {
                        let cell = self.cell(ci, row).expect("a valid cell");
                        evidence.push(Evidence {
                            line: Some(self.line(row)),
                            column: Some(column.name.clone()),
                            value: cell.text(),
                            note: Some(format!("repeats line {}", self.line(at))),
                        });
                        if evidence.len() >= EVIDENCE_ROWS {
                            break;
                        }
                    }
                    None => {
                        first.insert(key, row);
                    }
                }
            }
        }
        Outcome {
            ok,
            observed: json!(observed),
            expected: format!(">= {} distinct", number_text(min)),
            message: format!(
                "{} distinct of {} values in '{}' ({} repeat an earlier value)",
                count(distinct),
                count(valid),
                column.name,
                count(valid - distinct)
            ),
            evidence,
        }
    }

    /// The shared ending of the value rules (allowed, pattern, range).
    fn value_outcome(
        &self,
        ci: usize,
        tolerance: Option<Share>,
        what: String,
        found: (usize, usize, Vec<Evidence>),
    ) -> Outcome {
        let (bad, valid, evidence) = found;
        let tolerance = tolerance.map_or(0.0, |t| t.0);
        let s = share(bad, valid);
        let ok = s <= tolerance;
        let expected = if tolerance == 0.0 {
            format!("none {what}")
        } else {
            format!("at most {} {what}", percent(tolerance))
        };
        Outcome {
            ok,
            observed: json!(bad),
            message: format!(
                "{} of {} values in '{}' ({}) are {what}",
                count(bad),
                count(valid),
                self.table.columns[ci].name,
                percent(s)
            ),
            expected,
            evidence,
        }
    }

    fn allowed(&self, r: &Allowed, ci: usize) -> Outcome {
        let texts: FxHashSet<&str> = r.values.iter().map(|s| s.0.as_str()).collect();
        let numbers: Vec<f64> = r
            .values
            .iter()
            .filter_map(|s| s.0.trim().parse::<f64>().ok())
            .collect();
        let times: Vec<f64> = r
            .values
            .iter()
            .filter_map(|s| crate::core::time::parse_timestamp_ms(&s.0).ok())
            .map(|ms| ms as f64 / 1000.0)
            .collect();
        let bools: Vec<bool> = r
            .values
            .iter()
            .filter_map(|s| crate::core::ingest::cell::parse_bool(s.0.as_bytes()))
            .collect();
        let bad = |c: Cell| -> Option<String> {
            let allowed = match c {
                Cell::Text(t) => texts.contains(t),
                Cell::Number(v) => numbers.contains(&v),
                Cell::Time(v) => times.contains(&v),
                Cell::Bool(b) => bools.contains(&b),
            };
            (!allowed).then(|| "not an allowed value".to_string())
        };
        let found = self.offending(ci, &bad);
        self.value_outcome(ci, r.tolerance, "outside the allowed values".into(), found)
    }

    fn pattern(&self, r: &PatternRule, ci: usize) -> Outcome {
        let bad = |c: Cell| -> Option<String> {
            let ok = match c {
                Cell::Text(t) => r.regex.regex.is_match(t),
                other => r.regex.regex.is_match(&other.text()),
            };
            (!ok).then(|| "does not match".to_string())
        };
        let found = self.offending(ci, &bad);
        self.value_outcome(
            ci,
            r.tolerance,
            format!("not matching /{}/", r.regex.source),
            found,
        )
    }

    /// A bound on a column's scale, refusing a number for a datetime column and a time
    /// for a numeric one (a number of epoch seconds would be easy to get wrong).
    fn bound(
        &self,
        ci: usize,
        b: &Option<Bound>,
        key: &str,
    ) -> Result<Option<f64>, ChecksErrorKind> {
        let Some(b) = b else { return Ok(None) };
        let column = &self.table.columns[ci];
        match (column.kind, b) {
            (ColumnType::Datetime, Bound::Number(v)) => Err(ChecksErrorKind::InvalidValue {
                found: format!("{key} {}", number_text(*v)),
                expected: format!(
                    "a time such as \"2026-01-31T00:00:00Z\" ('{}' is a datetime column)",
                    column.name
                ),
            }),
            (ColumnType::Numeric, Bound::Time { text, .. }) => Err(ChecksErrorKind::InvalidValue {
                found: format!("{key} {text:?}"),
                expected: format!("a number ('{}' is a numeric column)", column.name),
            }),
            _ => Ok(Some(b.value())),
        }
    }

    fn range(&self, r: &Range, ci: usize) -> Result<Outcome, ChecksErrorKind> {
        let (lo, hi) = (
            self.bound(ci, &r.min, "min")?,
            self.bound(ci, &r.max, "max")?,
        );
        let bad = |c: Cell| -> Option<String> {
            let v = match c {
                Cell::Number(v) | Cell::Time(v) => v,
                _ => return None,
            };
            if lo.is_some_and(|l| v < l) {
                Some(format!(
                    "below {}",
                    r.min.as_ref().map(Bound::text).unwrap_or_default()
                ))
            } else if hi.is_some_and(|h| v > h) {
                Some(format!(
                    "above {}",
                    r.max.as_ref().map(Bound::text).unwrap_or_default()
                ))
            } else {
                None
            }
        };
        // Within bounds at both ends, no value can be outside: no second pass.
        let inside = self.summary(ci).is_some_and(|s| {
            s.valid == 0 || (lo.is_none_or(|l| s.min >= l) && hi.is_none_or(|h| s.max <= h))
        });
        let found = if inside {
            (0, self.valid(ci), Vec::new())
        } else {
            self.offending(ci, &bad)
        };
        let what = match (&r.min, &r.max) {
            (Some(a), Some(b)) => format!("outside {} to {}", a.text(), b.text()),
            (Some(a), None) => format!("below {}", a.text()),
            (None, Some(b)) => format!("above {}", b.text()),
            (None, None) => "out of range".into(),
        };
        Ok(self.value_outcome(ci, r.tolerance, what, found))
    }

    /// A figure on the column's scale as JSON: a number, or ISO text for a date.
    fn figure(&self, ci: usize, v: f64) -> (Value, String) {
        if self.table.columns[ci].kind == ColumnType::Datetime {
            let t = format_iso_seconds(v.floor() as i64);
            (json!(t), t)
        } else {
            (json!(v), number_text(v))
        }
    }

    fn stat(
        &self,
        ci: usize,
        r: &Stat,
        what: &str,
        q: Option<f64>,
    ) -> Result<Outcome, ChecksErrorKind> {
        let (lo, hi) = (
            self.bound(ci, &r.min, "min")?,
            self.bound(ci, &r.max, "max")?,
        );
        let v = match (q, &self.table.columns[ci].data) {
            // A whole percentile is in the profile, computed by the same arithmetic.
            (Some(q), ColumnData::Numeric(_) | ColumnData::Datetime(_))
                if self.profile_percentile(ci, q).is_some() =>
            {
                self.profile_percentile(ci, q)
            }
            (Some(q), _) => self.with_values(ci, false, |v| v.quantile(q)),
            // The mean needs no order: the exact mean skips the NaN of missing cells.
            // The profile's mean is the same exact mean.
            (None, ColumnData::Numeric(_) | ColumnData::Datetime(_)) if self.profile.is_some() => {
                self.profile.expect("checked").columns[ci].mean
            }
            (None, ColumnData::Numeric(v) | ColumnData::Datetime(v)) => {
                crate::core::profile::exact_mean(v)
            }
            (None, _) => None,
        };
        let expected = between(
            r.min.as_ref().map(Bound::text),
            r.max.as_ref().map(Bound::text),
        );
        let name = &self.table.columns[ci].name;
        Ok(match v {
            Some(v) => {
                let (observed, text) = self.figure(ci, v);
                Outcome {
                    ok: lo.is_none_or(|l| v >= l) && hi.is_none_or(|h| v <= h),
                    observed,
                    message: format!("the {what} of '{name}' is {text}; expected {expected}"),
                    expected,
                    evidence: Vec::new(),
                }
            }
            None => Outcome {
                ok: false,
                observed: Value::Null,
                message: format!("'{name}' has no values to take the {what} of"),
                expected,
                evidence: Vec::new(),
            },
        })
    }

    /// The profile's `q` quantile when `q` is a whole percentile (`k / 100` is the very
    /// number a checks file's "0.95" parses to, so the match is exact).
    fn profile_percentile(&self, ci: usize, q: f64) -> Option<f64> {
        let p = &self.profile?.columns[ci].percentiles;
        let k = (q * 100.0).round();
        (p.len() == crate::core::profile::PERCENTILES
            && (0.0..=100.0).contains(&k)
            && k / 100.0 == q)
            .then(|| p[k as usize])
    }

    fn quantile(&self, ci: usize, r: &Quantile, s: &Stat) -> Result<Outcome, ChecksErrorKind> {
        let what = format!("{} quantile", number_text(r.q.0));
        self.stat(ci, s, &what, Some(r.q.0))
    }

    fn freshness(&self, r: &Freshness, ci: usize) -> Result<Outcome, ChecksErrorKind> {
        let now_ms = match &r.as_of {
            None => self.now_ms,
            Some(Bound::Time { ms, .. }) => *ms,
            Some(Bound::Number(v)) => {
                return Err(ChecksErrorKind::InvalidValue {
                    found: format!("as_of {}", number_text(*v)),
                    expected: "a time such as \"2026-01-31T00:00:00Z\"".into(),
                })
            }
        };
        let column = &self.table.columns[ci];
        let now_text = format_iso_seconds(now_ms.div_euclid(1000));
        let expected = format!(
            "latest value no older than {} before {now_text}",
            r.max_age.text
        );
        let latest = self.summary(ci).filter(|s| s.valid > 0).map(|s| s.max);
        let Some(latest) = latest else {
            return Ok(Outcome {
                ok: false,
                observed: Value::Null,
                message: format!("'{}' has no dates", column.name),
                expected,
                evidence: Vec::new(),
            });
        };
        let age_ms = now_ms as f64 - latest * 1000.0;
        let ok = age_ms <= r.max_age.ms as f64;
        let latest_text = format_iso_seconds(latest.floor() as i64);
        let mut evidence = Vec::new();
        if !ok {
            if let ColumnData::Datetime(v) = &column.data {
                if let Some(row) = v.iter().position(|&x| x == latest) {
                    evidence.push(Evidence {
                        line: Some(self.line(row)),
                        column: Some(column.name.clone()),
                        value: latest_text.clone(),
                        note: Some("the latest value".into()),
                    });
                }
            }
        }
        let age = if age_ms >= 0.0 {
            format!("{} old", age_text(age_ms))
        } else {
            format!("{} in the future", age_text(-age_ms))
        };
        Ok(Outcome {
            ok,
            observed: json!(latest_text),
            message: format!(
                "the latest value of '{}' is {latest_text}, {age} at {now_text} (limit {})",
                column.name, r.max_age.text
            ),
            expected,
            evidence,
        })
    }

    fn schema(&self, r: &Schema) -> Outcome {
        let mut evidence = Vec::new();
        let (mut missing, mut retyped, mut unexpected) = (Vec::new(), Vec::new(), Vec::new());
        for (name, types) in &r.columns.0 {
            match self.index.get(name.as_str()) {
                None => {
                    missing.push(name.clone());
                    evidence.push(Evidence {
                        line: None,
                        column: Some(name.clone()),
                        value: String::new(),
                        note: Some("required column is absent".into()),
                    });
                }
                Some(&i) if !types.allows(self.table.columns[i].kind) => {
                    let kind = self.table.columns[i].kind;
                    retyped.push(name.clone());
                    evidence.push(Evidence {
                        line: None,
                        column: Some(name.clone()),
                        value: kind.name().into(),
                        note: Some(format!(
                            "read as {}; expected {}",
                            kind.name(),
                            types.describe()
                        )),
                    });
                }
                Some(_) => {}
            }
        }
        if !r.allow_extra {
            let listed: FxHashSet<&str> = r.columns.0.iter().map(|c| c.0.as_str()).collect();
            for c in &self.table.columns {
                if !listed.contains(c.name.as_str()) {
                    unexpected.push(c.name.clone());
                    evidence.push(Evidence {
                        line: None,
                        column: Some(c.name.clone()),
                        value: c.kind.name().into(),
                        note: Some("not in the schema".into()),
                    });
                }
            }
        }
        let problems = missing.len() + retyped.len() + unexpected.len();
        evidence.truncate(EVIDENCE_COLUMNS);
        let mut parts = Vec::new();
        for (what, names) in [
            ("missing", &missing),
            ("retyped", &retyped),
            ("unexpected", &unexpected),
        ] {
            if !names.is_empty() {
                parts.push(format!("{what}: {}", crate::core::text::list(names)));
            }
        }
        Outcome {
            ok: problems == 0,
            observed: json!(problems),
            expected: format!(
                "{} columns of the listed types{}",
                r.columns.0.len(),
                if r.allow_extra { "" } else { ", no others" }
            ),
            message: if problems == 0 {
                "every listed column is present with a listed type".into()
            } else {
                format!("{problems} column problems ({})", parts.join("; "))
            },
            evidence,
        }
    }

    fn drift(&self, r: &Drift) -> Result<Outcome, ChecksErrorKind> {
        let reference = self.reference.ok_or(ChecksErrorKind::NoReference)?;
        let ref_index = |name: &str| reference.columns.iter().position(|c| c.name == name);
        // The columns to test with their thresholds: listed ones first, then every other
        // column both files have when there is a threshold for all.
        let mut targets: Vec<(usize, usize, f64)> = Vec::new();
        if let Some(cols) = &r.columns {
            for (name, t) in &cols.0 {
                let ci = self.column(name)?;
                let ri = ref_index(name).ok_or_else(|| ChecksErrorKind::UnknownColumn {
                    column: format!("{name} (in the reference)"),
                    available: reference.columns.iter().map(|c| c.name.clone()).collect(),
                })?;
                targets.push((ci, ri, t.0));
            }
        }
        if let Some(all) = r.threshold {
            for (ci, c) in self.table.columns.iter().enumerate() {
                if targets.iter().any(|t| t.0 == ci) || self.index[c.name.as_str()] != ci {
                    continue;
                }
                if let Some(ri) = ref_index(&c.name) {
                    targets.push((ci, ri, all.0));
                }
            }
        }
        let alpha = r.alpha.map_or(0.05, |a| a.0);
        let mut drifted: Vec<(f64, Evidence)> = Vec::new();
        let mut tested = 0usize;
        let mut untested = Vec::new();
        for &(ci, ri, threshold) in &targets {
            let (cc, rc): (&Column, &Column) = (&self.table.columns[ci], &reference.columns[ri]);
            let Some(t) = crate::core::compare::column_drift(rc, cc) else {
                untested.push(cc.name.clone());
                continue;
            };
            let (figure, moved) = match r.metric {
                DriftMetric::Effect => (t.effect, t.effect > threshold && t.p_value < alpha),
                DriftMetric::Psi => match t.psi {
                    Some(p) => (p, p > threshold),
                    None => {
                        untested.push(cc.name.clone());
                        continue;
                    }
                },
            };
            tested += 1;
            if moved {
                let name = match r.metric {
                    DriftMetric::Effect => match t.method {
                        crate::core::compare::TestMethod::ChiSquare => "Jensen-Shannon distance",
                        _ => "KS D",
                    },
                    DriftMetric::Psi => "PSI",
                };
                drifted.push((
                    figure,
                    Evidence {
                        line: None,
                        column: Some(cc.name.clone()),
                        value: number_text(figure),
                        note: Some(format!(
                            "{name} {} > {} (p = {})",
                            number_text(figure),
                            number_text(threshold),
                            if t.p_value == 0.0 {
                                "0".to_string()
                            } else {
                                format!("{:.2e}", t.p_value)
                            }
                        )),
                    },
                ));
            }
        }
        drifted.sort_by(|a, b| b.0.total_cmp(&a.0));
        let names: Vec<String> = drifted.iter().filter_map(|d| d.1.column.clone()).collect();
        let metric = match r.metric {
            DriftMetric::Effect => "effect",
            DriftMetric::Psi => "PSI",
        };
        let mut message = if drifted.is_empty() {
            format!("none of {tested} columns drifted")
        } else {
            format!(
                "{} of {tested} columns drifted: {}",
                drifted.len(),
                crate::core::text::list(&names)
            )
        };
        if !untested.is_empty() {
            message += &format!(
                "; not tested (no values, different types or too many labels): {}",
                crate::core::text::list(&untested)
            );
        }
        Ok(Outcome {
            ok: drifted.is_empty(),
            observed: json!(drifted.len()),
            expected: match (r.threshold, &r.columns) {
                (Some(t), None) => format!("{metric} <= {} in every column", number_text(t.0)),
                _ => format!("{metric} within each column's threshold"),
            },
            message,
            evidence: drifted
                .into_iter()
                .take(EVIDENCE_COLUMNS)
                .map(|d| d.1)
                .collect(),
        })
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
