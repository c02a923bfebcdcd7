//! The comparison's result: typed, serialised as the JSON report (`version` 1), and
//! rendered as the command line's readable table.

use serde::Serialize;

use crate::core::ingest::table::{ColumnType, TextEncoding};

/// Version of the JSON report; bumped when a field changes meaning or goes away.
pub const REPORT_VERSION: u32 = 1;

/// A whole comparison of a reference file with a current one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareReport {
    /// [`REPORT_VERSION`].
    pub version: u32,
    /// The rule the `drifted` verdicts were given by.
    pub rule: DriftRule,
    /// Dataset-level figures.
    pub summary: Summary,
    /// One entry a column, most moved first (see [`ColumnComparison::score`]).
    pub columns: Vec<ColumnComparison>,
}

/// The drift rule: a column drifted when its test's p-value is below `alpha` and its
/// effect size is at least `min_effect`, so a huge file does not flag a trivial move.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DriftRule {
    /// Significance level.
    pub alpha: f64,
    /// Smallest effect size (KS D for numbers and dates, Jensen-Shannon distance for
    /// labels) that counts as drift.
    pub min_effect: f64,
}

impl Default for DriftRule {
    fn default() -> Self {
        DriftRule {
            alpha: 0.05,
            min_effect: 0.1,
        }
    }
}

/// Dataset-level figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The reference file.
    pub reference: TableSummary,
    /// The current file.
    pub current: TableSummary,
    /// Columns present on both sides (by name or renamed-looking) with a drift test.
    pub columns_tested: usize,
    /// Of those, columns whose verdict is `drifted`.
    pub columns_drifted: usize,
    /// Columns only in the current file.
    pub columns_added: usize,
    /// Columns only in the reference file.
    pub columns_removed: usize,
    /// Columns whose kind (number, date, labels) differs.
    pub columns_retyped: usize,
    /// Removed/added pairs that look like one column renamed.
    pub columns_renamed: usize,
    /// Things a reader should know, such as the two files being read with different
    /// delimiters or encodings.
    pub notes: Vec<String>,
}

/// One file's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableSummary {
    /// Data rows.
    pub rows: usize,
    /// Columns.
    pub columns: usize,
    /// Rows equal in every cell to an earlier row.
    pub duplicate_rows: usize,
    /// Ragged rows the reader skipped.
    pub skipped_rows: usize,
    /// Field delimiter the file was read with.
    pub delimiter: String,
    /// Text encoding the file was decoded from.
    pub encoding: TextEncoding,
}

/// How a column relates across the two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnStatus {
    /// Same name, same kind: tested for drift.
    Matched,
    /// Same name, different kind (number, date, labels): not tested.
    Retyped,
    /// Only in the reference, no renamed-looking partner.
    Removed,
    /// Only in the current file, no renamed-looking partner.
    Added,
    /// A reference column and a differently named current column whose values look alike.
    Renamed,
}

/// One column's comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnComparison {
    /// The column's name (the current file's for a renamed pair).
    pub name: String,
    /// Its name in the reference, for a renamed pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// How it relates across the files.
    pub status: ColumnStatus,
    /// Its figures in the reference (absent when added).
    pub reference: Option<ColumnSide>,
    /// Its figures in the current file (absent when removed).
    pub current: Option<ColumnSide>,
    /// The drift test, when one applies.
    pub test: Option<DriftTest>,
    /// Labels in the current file the reference never had (labels columns).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_categories: Option<CategoryChange>,
    /// Labels of the reference the current file no longer has (labels columns).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vanished_categories: Option<CategoryChange>,
    /// The verdict by [`DriftRule`]; schema changes are not drift.
    pub drifted: bool,
    /// How much the column moved, in [0, 1], the sort key: the test's effect size; 1 for
    /// an added, removed or retyped column; 0 when no test applies.
    pub score: f64,
    /// Why there is no test, or what else to know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Column warnings one side has and the other has not (both sides present).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warning_changes: Vec<super::warnings::WarningChange>,
}

/// One side's figures for a column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnSide {
    /// Type as read.
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// Valid cells.
    pub count: usize,
    /// Empty cells and missing markers.
    pub missing: usize,
    /// Cells that did not parse as the column's type.
    pub invalid: usize,
    /// missing / rows (0 for an empty table).
    pub missing_share: f64,
    /// invalid / rows.
    pub invalid_share: f64,
    /// Distinct valid values.
    pub distinct: usize,
    /// Median of numbers (a number) or dates (ISO 8601 text), when there are values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median: Option<serde_json::Value>,
    /// The column's warnings in this file (constant, unique, missing, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<crate::core::profile::warnings::ColumnWarning>,
}

/// Labels that appear on one side only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryChange {
    /// How many.
    pub count: usize,
    /// Rows of the side that has them.
    pub rows: u64,
    /// Up to [`CategoryChange::KEEP`] of them, most frequent first.
    pub examples: Vec<(String, u64)>,
}

impl CategoryChange {
    /// How many labels are listed.
    pub const KEEP: usize = 10;
}

/// Which test was run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestMethod {
    /// Two-sample Kolmogorov-Smirnov, exact p-value.
    KsExact,
    /// Two-sample Kolmogorov-Smirnov, asymptotic p-value.
    KsAsymptotic,
    /// Chi-square test of homogeneity on the 2 x k table of label counts.
    ChiSquare,
}

/// A drift test's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftTest {
    /// The test.
    pub method: TestMethod,
    /// Its statistic (KS D, or Pearson's chi-square).
    pub statistic: f64,
    /// Its p-value.
    pub p_value: f64,
    /// The effect size the rule reads: KS D (numbers, dates) or Jensen-Shannon distance
    /// (labels), both in [0, 1].
    pub effect: f64,
    /// Population stability index (reference deciles, or labels, as bins).
    pub psi: Option<f64>,
    /// Number and date columns: the KS details and the Wasserstein distance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericDrift>,
    /// Labels columns: the chi-square details and the Jensen-Shannon distance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<LabelDrift>,
}

/// KS and Wasserstein details.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumericDrift {
    /// Where the largest CDF gap is (a number, or ISO 8601 text for dates).
    pub ks_location: serde_json::Value,
    /// +1: the reference's CDF is above the current's there (the current is shifted up).
    pub ks_sign: i8,
    /// Wasserstein-1 distance in the column's unit (seconds for dates).
    pub wasserstein: f64,
    /// Wasserstein-1 divided by the reference's interquartile range, or by its standard
    /// deviation when the IQR is 0; None when both are 0 and the distance is not.
    pub wasserstein_normalised: Option<f64>,
    /// What it was divided by: "iqr", "std", or "none".
    pub wasserstein_scale: &'static str,
    /// PSI bin edges (the reference's deciles, equal ones merged).
    pub psi_edges: Vec<f64>,
}

/// Chi-square and Jensen-Shannon details.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelDrift {
    /// Degrees of freedom (labels seen on either side, minus one).
    pub dof: usize,
    /// Jensen-Shannon distance, base 2.
    pub jensen_shannon: f64,
}

impl CompareReport {
    /// Pretty-printed JSON (missing figures and non-finite numbers are `null`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }

    /// The readable table: a summary, then one line a column, most moved first.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let s = &self.summary;
        let mut out = String::new();
        let side = |t: &TableSummary| {
            format!(
                "{} rows, {} columns, {} duplicate rows",
                t.rows, t.columns, t.duplicate_rows
            )
        };
        let _ = writeln!(out, "reference: {}", side(&s.reference));
        let _ = writeln!(out, "current:   {}", side(&s.current));
        let _ = writeln!(
            out,
            "drifted: {} of {} tested columns (p < {} and effect >= {}); added {}, removed {}, retyped {}, renamed {}",
            s.columns_drifted,
            s.columns_tested,
            self.rule.alpha,
            self.rule.min_effect,
            s.columns_added,
            s.columns_removed,
            s.columns_retyped,
            s.columns_renamed
        );
        for n in &s.notes {
            let _ = writeln!(out, "note: {n}");
        }
        let _ = writeln!(out);
        let name_width = self
            .columns
            .iter()
            .map(|c| display_name(c).chars().count())
            .max()
            .unwrap_or(6)
            .clamp(6, 40);
        let _ = writeln!(
            out,
            "{:<name_width$}  {:<8}  {:<7}  {:>10}  {:>9}  {:>6}  {:>7}  {:>7}  {:>7}  drifted",
            "column",
            "status",
            "test",
            "statistic",
            "p-value",
            "effect",
            "psi",
            "missing",
            "distinct"
        );
        for c in &self.columns {
            let (test, stat, p, effect, psi) = match &c.test {
                Some(t) => (
                    match t.method {
                        TestMethod::KsExact | TestMethod::KsAsymptotic => "ks",
                        TestMethod::ChiSquare => "chi2",
                    },
                    fmt_num(t.statistic),
                    fmt_p(t.p_value),
                    format!("{:.3}", t.effect),
                    t.psi.map_or("-".into(), |v| format!("{v:.3}")),
                ),
                None => ("-", "-".into(), "-".into(), "-".into(), "-".into()),
            };
            let share = |side: &Option<ColumnSide>| {
                side.as_ref()
                    .map_or("-".into(), |s| format!("{:.1}%", 100.0 * s.missing_share))
            };
            let distinct = |side: &Option<ColumnSide>| {
                side.as_ref().map_or("-".into(), |s| s.distinct.to_string())
            };
            let status = match c.status {
                ColumnStatus::Matched => "matched",
                ColumnStatus::Retyped => "retyped",
                ColumnStatus::Removed => "removed",
                ColumnStatus::Added => "added",
                ColumnStatus::Renamed => "renamed",
            };
            let _ = writeln!(
                out,
                "{:<name_width$}  {:<8}  {:<7}  {:>10}  {:>9}  {:>6}  {:>7}  {:>7}  {:>7}  {}",
                display_name(c),
                status,
                test,
                stat,
                p,
                effect,
                psi,
                format!("{}>{}", share(&c.reference), share(&c.current)),
                format!("{}>{}", distinct(&c.reference), distinct(&c.current)),
                if c.drifted { "yes" } else { "no" }
            );
        }
        out
    }
}

/// A column's name for the table: control characters shown as `?`, clipped to 39
/// characters, with the old name of a renamed pair.
fn display_name(c: &ColumnComparison) -> String {
    let clean = |s: &str| -> String {
        let s: String = s
            .chars()
            .map(|ch| if ch.is_control() { '?' } else { ch })
            .collect();
        crate::core::text::clip_to(&s, 39).into_owned()
    };
    match &c.renamed_from {
        Some(old) => clean(&format!("{old} -> {}", c.name)),
        None => clean(&c.name),
    }
}

fn fmt_num(v: f64) -> String {
    if v.abs() >= 1e5 {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

fn fmt_p(p: f64) -> String {
    if p == 0.0 {
        "0".into()
    } else if p < 1e-4 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}
