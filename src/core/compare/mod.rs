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

mod column;
pub mod drift;
pub mod duplicates;
pub mod ks;
pub mod overlay;
pub mod report;
pub mod schema;
pub mod text;
pub mod warnings;

use std::fmt;

pub use column::column_drift;
use column::{one_side, pair_entry, test, Values};
pub use report::*;

use crate::core::ingest::table::Table;
use crate::core::ingest::IngestError;
use crate::core::profile::{OrderedProfile, Profile};
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

#[cfg(test)]
mod tests;
