//! Per-column warnings a person should see before trusting a column: constant, unique like
//! an id, high cardinality, a high share missing, strong skew, many zeros. Computed from
//! the profile (plus one pass over a numeric column for its zeros), with fixed, documented
//! thresholds so the page, the CLI and the Checks compare view flag the same columns.
//!
//! Thresholds (chosen after ydata-profiling's defaults where it has them):
//! - constant: one distinct valid value (and at least one valid value);
//! - unique: every valid value distinct, at least [`UNIQUE_MIN`] of them, no missing cell
//!   (numbers with fractions too: a continuous measure is unique as well, which the tooltip
//!   says);
//! - high cardinality: a categorical or text column with more than [`HIGH_CARDINALITY`]
//!   distinct labels that is not unique;
//! - missing: at least [`HIGH_MISSING`] of the rows missing or invalid;
//! - skewed: |adjusted skewness G1| of at least [`STRONG_SKEW`];
//! - zeros: a numeric column with at least [`MANY_ZEROS`] of its valid values exactly 0.

use serde::Serialize;

use super::ColumnProfile;
use crate::core::ingest::table::{Column, ColumnData, ColumnType};

/// Fewest valid values for "unique" (two distinct values prove little).
pub const UNIQUE_MIN: usize = 10;
/// Distinct labels above which a label column has high cardinality (ydata-profiling: 50).
pub const HIGH_CARDINALITY: usize = 50;
/// Share of missing or invalid cells from which a column is flagged.
pub const HIGH_MISSING: f64 = 0.2;
/// |skewness| from which a column is strongly skewed (|G1| > 1 is usually called highly
/// skewed; 3 keeps the flag for columns whose histogram is mostly one tail).
pub const STRONG_SKEW: f64 = 3.0;
/// Share of zeros from which a numeric column is flagged (ydata-profiling: 5%; 10% keeps
/// counts and balances that are legitimately sometimes zero from flagging on every file).
pub const MANY_ZEROS: f64 = 0.1;

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// One distinct value.
    Constant,
    /// Every value distinct.
    Unique,
    /// Many distinct labels.
    HighCardinality,
    /// A high share missing.
    Missing,
    /// Strong skew.
    Skewed,
    /// Many zeros.
    Zeros,
}

impl WarningKind {
    /// Short stable name, as in JSON.
    pub fn key(self) -> &'static str {
        match self {
            WarningKind::Constant => "constant",
            WarningKind::Unique => "unique",
            WarningKind::HighCardinality => "high_cardinality",
            WarningKind::Missing => "missing",
            WarningKind::Skewed => "skewed",
            WarningKind::Zeros => "zeros",
        }
    }

    /// The badge text.
    pub fn label(self) -> &'static str {
        match self {
            WarningKind::Constant => "constant",
            WarningKind::Unique => "unique",
            WarningKind::HighCardinality => "high cardinality",
            WarningKind::Missing => "missing",
            WarningKind::Skewed => "skewed",
            WarningKind::Zeros => "zeros",
        }
    }
}

/// One warning on one column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnWarning {
    /// What it is about.
    pub kind: WarningKind,
    /// The figure behind it ("62.1% missing", "skewness 8.4").
    pub detail: String,
    /// What it means and the threshold, for a tooltip.
    pub explain: String,
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// Zeros among a numeric column's valid values.
fn zeros(column: &Column) -> usize {
    match &column.data {
        ColumnData::Numeric(v) => v.iter().filter(|&&x| x == 0.0).count(),
        _ => 0,
    }
}

/// The warnings of one column of a table with `rows` rows, in [`WarningKind`] order.
pub fn column_warnings(column: &Column, p: &ColumnProfile, rows: usize) -> Vec<ColumnWarning> {
    let mut out = Vec::new();
    let mut add = |kind, detail: String, explain: String| {
        out.push(ColumnWarning {
            kind,
            detail,
            explain,
        })
    };
    if p.count > 0 && p.distinct == 1 {
        add(
            WarningKind::Constant,
            "one value".into(),
            "Every valid cell holds the same value: the column carries no information.".into(),
        );
    }
    let unique = p.count >= UNIQUE_MIN && p.distinct == p.count && p.missing == 0 && p.invalid == 0;
    if unique {
        add(
            WarningKind::Unique,
            format!("{} distinct of {}", p.distinct, p.count),
            "Every value is distinct: an id or key (or a continuous measure); leave it out of grouping and drift checks."
                .into(),
        );
    }
    if matches!(p.kind, ColumnType::Categorical | ColumnType::Text)
        && p.distinct > HIGH_CARDINALITY
        && !unique
    {
        add(
            WarningKind::HighCardinality,
            format!("{} labels", p.distinct),
            format!("More than {HIGH_CARDINALITY} distinct labels: too many to compare or plot as categories."),
        );
    }
    if rows > 0 {
        let share = (p.missing + p.invalid) as f64 / rows as f64;
        if share >= HIGH_MISSING {
            add(
                WarningKind::Missing,
                format!("{} missing", percent(share)),
                format!(
                    "{} of {} cells are missing or invalid (flagged from {}).",
                    p.missing + p.invalid,
                    rows,
                    percent(HIGH_MISSING)
                ),
            );
        }
    }
    if let Some(s) = p.skewness.filter(|s| s.abs() >= STRONG_SKEW) {
        add(
            WarningKind::Skewed,
            format!("skewness {s:.1}"),
            format!(
                "Adjusted skewness {s:.2} (flagged from |{STRONG_SKEW}|): the mean and standard deviation mislead; read the median and quartiles, or a log scale."
            ),
        );
    }
    if p.kind == ColumnType::Numeric && p.count > 0 {
        let z = zeros(column);
        let share = z as f64 / p.count as f64;
        if share >= MANY_ZEROS {
            add(
                WarningKind::Zeros,
                format!("{} zeros", percent(share)),
                format!(
                    "{z} of {} valid values are 0 (flagged from {}): check whether 0 stands for missing.",
                    p.count,
                    percent(MANY_ZEROS)
                ),
            );
        }
    }
    out
}

/// The warnings of every column of a profiled table, by column name, in file order;
/// columns without a warning are left out.
pub fn table_warnings(
    table: &crate::core::ingest::Table,
    profile: &super::Profile,
) -> Vec<(String, Vec<ColumnWarning>)> {
    table
        .columns
        .iter()
        .zip(&profile.columns)
        .map(|(c, p)| (c.name.clone(), column_warnings(c, p, table.rows)))
        .filter(|(_, w)| !w.is_empty())
        .collect()
}
