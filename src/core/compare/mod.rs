//! Compare a batch with its reference: per column, presence and type on each side,
//! missing and invalid shares, distinct counts, new and vanished labels, and a drift test
//! chosen by the column's kind, with a p-value and an effect size a person can read.
//!
//! * Numbers and dates (dates as epoch seconds, reported as dates): the two-sample
//!   Kolmogorov-Smirnov test ([`ks`], as SciPy's `ks_2samp`, exact p-value up to 10,000
//!   values a side, asymptotic beyond), the Wasserstein-1 distance divided by the
//!   reference's IQR (or standard deviation when the IQR is 0), and the PSI over the
//!   reference's deciles. Effect size: KS D.
//! * Labels (categorical, boolean and text columns with at most [`MAX_TEST_LABELS`]
//!   distinct labels over both files): the chi-square test of homogeneity on the 2 x k
//!   table of label counts (SciPy's `chi2_contingency`, Yates-corrected when k = 2), the
//!   Jensen-Shannon distance in bits, and the PSI with labels as bins. Effect size: JS
//!   distance. More labels than that is free text: counts and new labels only.
//! * PSI: shares below [`drift::PSI_EPSILON`] (1e-4) are raised to it.
//! * Verdict ([`DriftRule`]): drifted when p < 0.05 and effect >= 0.1. Columns are sorted
//!   by [`ColumnComparison::score`], most moved first.
//! * Schema: columns pair by name; a name only on one side is added or removed unless it
//!   looks renamed ([`schema::RENAME_MAX_EFFECT`]); a pair of different kinds is retyped.
//!
//! ```
//! use pipescope::core::compare::{compare, DriftRule};
//! use pipescope::core::ingest::{read_bytes, IngestOptions};
//! let reference = read_bytes(b"age,plan\n30,a\n31,b\n32,a\n33,b\n", &IngestOptions::default()).unwrap();
//! let current = read_bytes(b"age;plan\n60;a\n61;b\n62;a\n63;c\n", &IngestOptions::default()).unwrap();
//! let report = compare(&reference, &current, &DriftRule::default()).unwrap();
//! let age = report.columns.iter().find(|c| c.name == "age").unwrap();
//! assert_eq!(age.test.as_ref().unwrap().statistic, 1.0);
//! assert_eq!(report.summary.notes.len(), 1); // "," vs ";" noted
//! assert!(report.to_json().contains("\"version\": 1"));
//! ```

pub mod drift;
pub mod duplicates;
pub mod ks;
pub mod overlay;
pub mod report;
pub mod schema;
pub mod text;
pub mod warnings;

use std::fmt;

use rustc_hash::FxHashMap;

pub use report::*;

use crate::core::ingest::table::{Column, ColumnData, Table};
use crate::core::ingest::IngestError;
use crate::core::profile::{
    ColumnOrder, ColumnProfile, ColumnProfiler, OrderedProfile, Profile, SortedValues,
};
use schema::{Kind, Pair};

/// Labels columns with more distinct labels than this over both files get no test: the
/// chi-square table would be mostly empty cells, and IDs or free text always "differ".
pub const MAX_TEST_LABELS: usize = 200;

/// Which of the two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The reference (baseline) file.
    Reference,
    /// The current (batch) file.
    Current,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Reference => "reference",
            Side::Current => "current",
        })
    }
}

/// Why a comparison could not be made.
#[derive(Debug, Clone, PartialEq)]
pub enum CompareError {
    /// One of the files could not be read.
    Read {
        /// Which file.
        side: Side,
        /// Its path as given.
        path: String,
        /// The reader's error (with line and column where it has them).
        error: IngestError,
    },
    /// A profile handed to [`Comparison::new`] is not of its table (other columns).
    ProfileMismatch {
        /// Which side.
        side: Side,
    },
    /// A rule setting out of range.
    InvalidRule {
        /// Which setting.
        setting: &'static str,
        /// The value given.
        value: f64,
        /// The range it must be in.
        range: &'static str,
    },
}

impl fmt::Display for CompareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompareError::Read { side, path, error } => write!(
                f,
                "{side} file '{}': {error}",
                crate::core::text::clip(path)
            ),
            CompareError::ProfileMismatch { side } => {
                write!(f, "the {side} file's profile is not of its columns")
            }
            CompareError::InvalidRule {
                setting,
                value,
                range,
            } => write!(f, "{setting} {value} is not {range}"),
        }
    }
}

impl std::error::Error for CompareError {}

/// Reads both files, each by its own sniffed rules (delimiter, encoding, header), and
/// compares them.
#[cfg(not(target_arch = "wasm32"))]
pub fn compare_paths(
    reference: &std::path::Path,
    current: &std::path::Path,
    options: &crate::core::ingest::IngestOptions,
    rule: &DriftRule,
) -> Result<CompareReport, CompareError> {
    let read = |side, path: &std::path::Path| {
        crate::core::ingest::read_path(path, options).map_err(|error| CompareError::Read {
            side,
            path: path.display().to_string(),
            error,
        })
    };
    let r = read(Side::Reference, reference)?;
    let c = read(Side::Current, current)?;
    compare(&r, &c, rule)
}

/// Compares a current table with its reference under `rule` (see the module's notes),
/// profiling both first.
pub fn compare(
    reference: &Table,
    current: &Table,
    rule: &DriftRule,
) -> Result<CompareReport, CompareError> {
    let (rp, cp) = (OrderedProfile::of(reference), OrderedProfile::of(current));
    let mut comparison = Comparison::new(
        Profiled::new(reference, &rp),
        Profiled::new(current, &cp),
        rule,
    )?;
    while !comparison.step() {}
    Ok(comparison.finish())
}

/// A table with its profile (numeric columns' orders kept): what a comparison reads, so
/// a page that has profiled both files orders no column twice.
#[derive(Debug, Clone, Copy)]
pub struct Profiled<'a> {
    /// The table.
    pub table: &'a Table,
    /// Its profile, one entry per column.
    pub profile: &'a OrderedProfile,
}

impl<'a> Profiled<'a> {
    /// `table` with `profile`, which must be its own ([`OrderedProfile::of`] or the page's
    /// stepped equivalent).
    pub fn new(table: &'a Table, profile: &'a OrderedProfile) -> Self {
        Profiled { table, profile }
    }

    /// The values of column `i`, read from the profile.
    fn values_at(self, i: usize) -> Option<Values<'a>> {
        if !self.fits() || i >= self.table.columns.len() {
            return None;
        }
        Some(Values::of(
            &self.table.columns[i],
            &self.profile.profile.columns[i],
            self.profile.orders[i].as_ref(),
        ))
    }

    fn fits(&self) -> bool {
        self.profile.profile.columns.len() == self.table.columns.len()
            && self.profile.orders.len() == self.table.columns.len()
    }
}

/// What one step of a [`Comparison`] does: one column.
enum Job {
    /// A column on both sides (reference index, current index, its reference name when
    /// renamed).
    Pair(usize, usize, Option<String>),
    /// A column on one side only.
    One(Side, usize),
}

/// A comparison taken one column at a time, so the page can hand the main thread back
/// between columns (an exact KS test on 10,000 values a side takes tens of milliseconds).
/// [`compare`] runs it in one go.
///
/// ```
/// use pipescope::core::compare::{Comparison, DriftRule, Profiled};
/// use pipescope::core::ingest::{read_bytes, IngestOptions};
/// use pipescope::core::profile::OrderedProfile;
/// let r = read_bytes(b"a,b\n1,x\n2,y\n3,x\n", &IngestOptions::default()).unwrap();
/// let c = read_bytes(b"a,b\n4,x\n5,y\n6,y\n", &IngestOptions::default()).unwrap();
/// let (rp, cp) = (OrderedProfile::of(&r), OrderedProfile::of(&c));
/// let (rs, cs) = (Profiled::new(&r, &rp), Profiled::new(&c, &cp));
/// let mut cmp = Comparison::new(rs, cs, &DriftRule::default()).unwrap();
/// assert_eq!(cmp.progress(), (0, 2));
/// while !cmp.step() {}
/// assert_eq!(cmp.finish().columns.len(), 2);
/// ```
pub struct Comparison<'a> {
    reference: &'a Table,
    current: &'a Table,
    rp: &'a Profile,
    cp: &'a Profile,
    rule: DriftRule,
    rv: Vec<Values<'a>>,
    cv: Vec<Values<'a>>,
    jobs: Vec<Job>,
    done: usize,
    columns: Vec<ColumnComparison>,
}

impl<'a> Comparison<'a> {
    /// Checks the rule, pairs the columns and finds renamed-looking pairs; the tests run
    /// in [`Comparison::step`].
    pub fn new(
        reference: Profiled<'a>,
        current: Profiled<'a>,
        rule: &DriftRule,
    ) -> Result<Self, CompareError> {
        for (side, p) in [(Side::Reference, &reference), (Side::Current, &current)] {
            if !p.fits() {
                return Err(CompareError::ProfileMismatch { side });
            }
        }
        let (rs, cs) = (reference, current);
        let (reference, current) = (rs.table, cs.table);
        if !(rule.alpha > 0.0 && rule.alpha < 1.0) {
            return Err(CompareError::InvalidRule {
                setting: "alpha",
                value: rule.alpha,
                range: "between 0 and 1 (exclusive)",
            });
        }
        if !(0.0..=1.0).contains(&rule.min_effect) {
            return Err(CompareError::InvalidRule {
                setting: "min_effect",
                value: rule.min_effect,
                range: "between 0 and 1",
            });
        }
        let rv = Values::of_table(rs);
        let cv = Values::of_table(cs);
        let pairs = schema::match_by_name(&reference.columns, &current.columns);

        // Renamed-looking pairs among the removed and added columns.
        let removed: Vec<usize> = pairs
            .iter()
            .filter_map(|p| {
                if let Pair::Removed(r) = p {
                    Some(*r)
                } else {
                    None
                }
            })
            .collect();
        let added: Vec<usize> = pairs
            .iter()
            .filter_map(|p| {
                if let Pair::Added(c) = p {
                    Some(*c)
                } else {
                    None
                }
            })
            .collect();
        let mut candidates = Vec::new();
        if removed.len() * added.len() <= 400 {
            for &r in &removed {
                for &c in &added {
                    let (rc, cc) = (&reference.columns[r], &current.columns[c]);
                    if Kind::of(rc.kind) != Kind::of(cc.kind) {
                        continue;
                    }
                    let (dr, dc) = (rv[r].distinct(), cv[c].distinct());
                    if dr.max(dc) == 0
                        || (dr.abs_diff(dc) as f64)
                            > schema::RENAME_MAX_DISTINCT_GAP * dr.max(dc) as f64
                    {
                        continue;
                    }
                    if let Some(t) = test(&rv[r], &cv[c]) {
                        if t.effect <= schema::RENAME_MAX_EFFECT {
                            candidates.push((r, c, t.effect));
                        }
                    }
                }
            }
        }
        let renames = schema::pick_renames(candidates);

        let mut jobs = Vec::with_capacity(pairs.len());
        for pair in &pairs {
            match *pair {
                Pair::Same(r, c) => jobs.push(Job::Pair(r, c, None)),
                Pair::Removed(r) if renames.iter().any(|x| x.0 == r) => {}
                Pair::Added(c) => match renames.iter().find(|x| x.1 == c) {
                    Some(&(r, c, _)) => {
                        jobs.push(Job::Pair(r, c, Some(reference.columns[r].name.clone())))
                    }
                    None => jobs.push(Job::One(Side::Current, c)),
                },
                Pair::Removed(r) => jobs.push(Job::One(Side::Reference, r)),
            }
        }
        Ok(Comparison {
            reference,
            current,
            rp: &rs.profile.profile,
            cp: &cs.profile.profile,
            rule: *rule,
            rv,
            cv,
            columns: Vec::with_capacity(jobs.len()),
            jobs,
            done: 0,
        })
    }

    /// Compares the next column; true when every column is done.
    pub fn step(&mut self) -> bool {
        let Some(job) = self.jobs.get(self.done) else {
            return true;
        };
        let (reference, current) = (self.reference, self.current);
        let entry = match job {
            Job::Pair(r, c, renamed_from) => pair_entry(
                (reference, self.rp),
                (current, self.cp),
                &self.rv,
                &self.cv,
                *r,
                *c,
                renamed_from.clone(),
                &self.rule,
            ),
            Job::One(Side::Reference, r) => one_side(
                reference,
                &reference.columns[*r],
                &self.rp.columns[*r],
                &self.rv[*r],
                Side::Reference,
            ),
            Job::One(Side::Current, c) => one_side(
                current,
                &current.columns[*c],
                &self.cp.columns[*c],
                &self.cv[*c],
                Side::Current,
            ),
        };
        self.columns.push(entry);
        self.done += 1;
        self.done >= self.jobs.len()
    }

    /// Columns compared and columns in all.
    pub fn progress(&self) -> (usize, usize) {
        (self.done, self.jobs.len())
    }

    /// The report, columns most moved first (the columns not stepped yet are left out).
    pub fn finish(self) -> CompareReport {
        let Comparison {
            reference,
            current,
            rp,
            cp,
            rule,
            mut columns,
            ..
        } = self;
        columns.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.name.cmp(&b.name))
        });
        let count = |s: ColumnStatus| columns.iter().filter(|c| c.status == s).count();
        let summary = Summary {
            reference: table_summary(reference, rp),
            current: table_summary(current, cp),
            columns_tested: columns.iter().filter(|c| c.test.is_some()).count(),
            columns_drifted: columns.iter().filter(|c| c.drifted).count(),
            columns_added: count(ColumnStatus::Added),
            columns_removed: count(ColumnStatus::Removed),
            columns_retyped: count(ColumnStatus::Retyped),
            columns_renamed: count(ColumnStatus::Renamed),
            notes: dialect_notes(reference, current),
        };
        CompareReport {
            version: REPORT_VERSION,
            rule,
            summary,
            columns,
        }
    }
}

fn table_summary(t: &Table, p: &Profile) -> TableSummary {
    TableSummary {
        rows: t.rows,
        columns: t.columns.len(),
        duplicate_rows: duplicates::duplicates_profiled(t, p).count,
        skipped_rows: t.skipped.count,
        delimiter: (t.dialect.delimiter as char).to_string(),
        encoding: t.dialect.encoding,
    }
}

fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        d => format!("'{}'", d as char),
    }
}

/// Says when the files were read differently (each is read by its own rules).
fn dialect_notes(r: &Table, c: &Table) -> Vec<String> {
    let mut notes = Vec::new();
    if r.dialect.delimiter != c.dialect.delimiter {
        notes.push(format!(
            "the reference is {}-delimited and the current file {}-delimited; each was read by its own delimiter",
            delimiter_name(r.dialect.delimiter),
            delimiter_name(c.dialect.delimiter)
        ));
    }
    if r.dialect.encoding != c.dialect.encoding {
        notes.push(format!(
            "the reference is {} and the current file {}; each was decoded by its own encoding",
            r.dialect.encoding.name(),
            c.dialect.encoding.name()
        ));
    }
    if r.dialect.has_header != c.dialect.has_header {
        notes.push(format!(
            "the reference {} a header row and the current file {}; columns without one are named column_N",
            if r.dialect.has_header { "has" } else { "has no" },
            if c.dialect.has_header { "has one" } else { "has none" },
        ));
    }
    notes
}

/// A column's valid values, ready for the tests.
enum Values<'a> {
    /// Numbers in order (dates as epoch seconds), NaN dropped.
    Numbers {
        sorted: SortedValues<'a>,
        date: bool,
    },
    /// Label counts in order of first appearance.
    Labels(Vec<(String, u64)>),
}

impl<'a> Values<'a> {
    fn of_table(p: Profiled<'a>) -> Vec<Values<'a>> {
        p.table
            .columns
            .iter()
            .zip(&p.profile.profile.columns)
            .zip(&p.profile.orders)
            .map(|((c, cp), order)| Values::of(c, cp, order.as_ref()))
            .collect()
    }

    /// From the column's profile: its order (numbers), or its label counts.
    fn of(column: &'a Column, p: &ColumnProfile, order: Option<&'a ColumnOrder>) -> Values<'a> {
        match &column.data {
            ColumnData::Numeric(_) | ColumnData::Datetime(_) => Values::Numbers {
                sorted: order.map_or(SortedValues::Sorted(&[]), |o| o.view(column)),
                date: matches!(column.data, ColumnData::Datetime(_)),
            },
            ColumnData::Boolean(_) => {
                let count = |l: &str| p.top.iter().find(|x| x.0 == l).map_or(0, |x| x.1);
                Values::Labels(
                    ["false", "true"]
                        .into_iter()
                        .map(|l| (l.to_string(), count(l)))
                        .filter(|x| x.1 > 0)
                        .collect(),
                )
            }
            ColumnData::Labels(d) => Values::Labels(
                d.values
                    .iter()
                    .zip(&p.label_counts)
                    .filter(|x| *x.1 > 0)
                    .map(|(l, &n)| (l.clone(), n))
                    .collect(),
            ),
        }
    }

    fn distinct(&self) -> usize {
        match self {
            Values::Numbers { sorted, .. } => sorted.distinct(),
            Values::Labels(l) => l.len(),
        }
    }

    fn median(&self) -> Option<serde_json::Value> {
        match self {
            Values::Numbers { sorted, date } => {
                let m = drift::quantile_linear_at(sorted.len(), 0.5, |r| sorted.at(r))?;
                Some(value(m, *date))
            }
            Values::Labels(_) => None,
        }
    }
}

/// A number as JSON, or a date's ISO 8601 text.
fn value(v: f64, date: bool) -> serde_json::Value {
    if date {
        serde_json::Value::String(crate::core::time::format_iso_seconds(v.floor() as i64))
    } else {
        serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

fn side(table: &Table, column: &Column, profile: &ColumnProfile, values: &Values) -> ColumnSide {
    let share = |n: usize| {
        if table.rows == 0 {
            0.0
        } else {
            n as f64 / table.rows as f64
        }
    };
    let count = match values {
        Values::Numbers { sorted, .. } => sorted.len(),
        Values::Labels(l) => l.iter().map(|x| x.1 as usize).sum(),
    };
    ColumnSide {
        kind: column.kind,
        count,
        missing: column.missing,
        invalid: column.invalid,
        missing_share: share(column.missing),
        invalid_share: share(column.invalid),
        // The profile's count: the same definition (0.0 and -0.0 as one), already known.
        distinct: profile.distinct,
        median: values.median(),
        warnings: crate::core::profile::warnings::column_warnings(column, profile, table.rows),
    }
}

fn one_side(
    table: &Table,
    column: &Column,
    profile: &ColumnProfile,
    values: &Values,
    which: Side,
) -> ColumnComparison {
    let s = Some(side(table, column, profile, values));
    let (reference, current, status) = match which {
        Side::Reference => (s, None, ColumnStatus::Removed),
        Side::Current => (None, s, ColumnStatus::Added),
    };
    ColumnComparison {
        name: column.name.clone(),
        renamed_from: None,
        status,
        reference,
        current,
        test: None,
        new_categories: None,
        vanished_categories: None,
        drifted: false,
        score: 1.0,
        note: None,
        warning_changes: Vec::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn pair_entry(
    (reference, rprof): (&Table, &Profile),
    (current, cprof): (&Table, &Profile),
    rv: &[Values],
    cv: &[Values],
    r: usize,
    c: usize,
    renamed_from: Option<String>,
    rule: &DriftRule,
) -> ColumnComparison {
    let (rc, cc) = (&reference.columns[r], &current.columns[c]);
    let (rvals, cvals) = (&rv[r], &cv[c]);
    let (rp, cp) = (&rprof.columns[r], &cprof.columns[c]);
    let (rside, cside) = (side(reference, rc, rp, rvals), side(current, cc, cp, cvals));
    let warning_changes = warnings::changes(
        &warnings::Side {
            column: rc,
            profile: rp,
            rows: reference.rows,
            warnings: &rside.warnings,
        },
        &warnings::Side {
            column: cc,
            profile: cp,
            rows: current.rows,
            warnings: &cside.warnings,
        },
    );
    let mut entry = ColumnComparison {
        name: cc.name.clone(),
        status: if renamed_from.is_some() {
            ColumnStatus::Renamed
        } else {
            ColumnStatus::Matched
        },
        renamed_from,
        reference: Some(rside),
        current: Some(cside),
        test: None,
        new_categories: None,
        vanished_categories: None,
        drifted: false,
        score: 0.0,
        note: None,
        warning_changes,
    };
    if Kind::of(rc.kind) != Kind::of(cc.kind) {
        entry.status = ColumnStatus::Retyped;
        entry.score = 1.0;
        entry.note = Some(format!(
            "read as {} in the reference and {} in the current file; not tested",
            rc.kind.name(),
            cc.kind.name()
        ));
        return entry;
    }
    if let (Values::Labels(a), Values::Labels(b)) = (rvals, cvals) {
        entry.new_categories = Some(category_change(b, a));
        entry.vanished_categories = Some(category_change(a, b));
    }
    entry.test = test(rvals, cvals);
    match &entry.test {
        Some(t) => {
            entry.score = t.effect;
            entry.drifted = t.p_value < rule.alpha && t.effect >= rule.min_effect;
        }
        None => {
            entry.note = Some(match (rvals, cvals) {
                (Values::Labels(a), Values::Labels(b)) if !a.is_empty() && !b.is_empty() => {
                    format!(
                        "more than {MAX_TEST_LABELS} distinct labels: free text, compared by counts and new labels only"
                    )
                }
                _ => "no valid values on one side; not tested".to_string(),
            })
        }
    }
    entry
}

/// Labels of `side` that `other` lacks.
fn category_change(side: &[(String, u64)], other: &[(String, u64)]) -> CategoryChange {
    let known: rustc_hash::FxHashSet<&str> = other.iter().map(|x| x.0.as_str()).collect();
    let mut only: Vec<(String, u64)> = side
        .iter()
        .filter(|x| !known.contains(x.0.as_str()))
        .cloned()
        .collect();
    only.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let count = only.len();
    let rows = only.iter().map(|x| x.1).sum();
    only.truncate(CategoryChange::KEEP);
    CategoryChange {
        count,
        rows,
        examples: only,
    }
}

/// The drift test of one reference column against one current column, as [`compare`]
/// runs it for a matched pair; None when their kinds differ (number, date, labels), one
/// side has no values, or labels are too many to test. The checks' `drift` rule reads it.
pub fn column_drift(reference: &Column, current: &Column) -> Option<DriftTest> {
    if Kind::of(reference.kind) != Kind::of(current.kind) {
        return None;
    }
    let (rp, ro) = ColumnProfiler::new(reference).finish_with_order();
    let (cp, co) = ColumnProfiler::new(current).finish_with_order();
    test(
        &Values::of(reference, &rp, ro.as_ref()),
        &Values::of(current, &cp, co.as_ref()),
    )
}

/// The drift test for two columns of the same kind, or None when one side has no values
/// (or labels are too many).
fn test(r: &Values, c: &Values) -> Option<DriftTest> {
    match (r, c) {
        (Values::Numbers { sorted: a, date }, Values::Numbers { sorted: b, .. }) => {
            numeric_test(*a, *b, *date)
        }
        (Values::Labels(a), Values::Labels(b)) => label_test(a, b),
        _ => None,
    }
}

fn numeric_test(a: SortedValues, b: SortedValues, date: bool) -> Option<DriftTest> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    // One walk over the pooled values for both statistics.
    let mut ks_walk = ks::KsWalk::new(a.len(), b.len());
    let mut w_walk = drift::WassersteinWalk::new(a.len(), b.len());
    drift::pooled_walk(a, b, |v, i, j| {
        ks_walk.visit(v, i, j);
        w_walk.visit(v, i, j);
    });
    let (k, w) = (ks_walk.finish(), w_walk.total);
    // The standard deviation (a pass over every value) only when the IQR is 0.
    let (scale, scale_name) = match drift::iqr(a) {
        Some(i) if i > 0.0 => (Some(i), "iqr"),
        _ => match drift::std_dev(a) {
            Some(s) if s > 0.0 => (Some(s), "std"),
            _ => (None, "none"),
        },
    };
    let normalised = match scale {
        Some(s) => Some(w / s),
        None if w == 0.0 => Some(0.0),
        None => None,
    };
    let edges = drift::decile_edges(a);
    let psi = drift::psi(&drift::bin_counts(a, &edges), &drift::bin_counts(b, &edges));
    Some(DriftTest {
        method: if k.exact {
            TestMethod::KsExact
        } else {
            TestMethod::KsAsymptotic
        },
        statistic: k.statistic,
        p_value: k.p_value,
        effect: k.statistic,
        psi,
        numeric: Some(NumericDrift {
            ks_location: value(k.location, date),
            ks_sign: k.sign,
            wasserstein: w,
            wasserstein_normalised: normalised,
            wasserstein_scale: scale_name,
            psi_edges: edges,
        }),
        labels: None,
    })
}

fn label_test(a: &[(String, u64)], b: &[(String, u64)]) -> Option<DriftTest> {
    // Union of labels: the reference's in order, then the current's new ones.
    let mut index: FxHashMap<&str, usize> = FxHashMap::default();
    for (l, _) in a.iter().chain(b) {
        let next = index.len();
        index.entry(l.as_str()).or_insert(next);
    }
    if index.len() > MAX_TEST_LABELS {
        return None;
    }
    let mut rc = vec![0u64; index.len()];
    let mut cc = vec![0u64; index.len()];
    for (l, n) in a {
        rc[index[l.as_str()]] += n;
    }
    for (l, n) in b {
        cc[index[l.as_str()]] += n;
    }
    let chi = drift::chi_square(&rc, &cc)?;
    let js = drift::jensen_shannon(&rc, &cc)?;
    Some(DriftTest {
        method: TestMethod::ChiSquare,
        statistic: chi.statistic,
        p_value: chi.p_value,
        effect: js,
        psi: drift::psi(&rc, &cc),
        numeric: None,
        labels: Some(LabelDrift {
            dof: chi.dof,
            jensen_shannon: js,
        }),
    })
}

#[cfg(test)]
mod tests;
