//! The checks file as types: what each check asks of the data (documented for users in
//! docs/checks.md). [`RawCheck`] is the shape written in the file, one optional key per
//! rule, so unknown keys and wrong types are refused at their own position; [`Check`] is
//! what the rest of the program uses, with exactly one [`Rule`].

use serde::{Deserialize, Serialize};

use super::values::{
    Bound, Duration, NonNegative, Ordered, Pattern, Scalar, Share, TypeSet, Version,
};

/// A whole checks file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checks {
    /// File format version ([`super::CHECKS_VERSION`]).
    pub version: Version,
    /// What these checks are for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The checks, in file order.
    pub checks: Vec<Check>,
}

/// How much a broken check matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Reported, but the run still passes (exit code 0).
    Warn,
    /// The run fails (exit code 1).
    #[default]
    Fail,
}

impl Level {
    /// `warn` or `fail`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Warn => "warn",
            Level::Fail => "fail",
        }
    }
}

/// One named check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(into = "RawCheck")]
pub struct Check {
    /// Unique name, shown in reports and as the JUnit test name.
    pub name: String,
    /// warn or fail.
    pub level: Level,
    /// Free text for the reader of a report.
    pub description: Option<String>,
    /// What is checked.
    pub rule: Rule,
    /// 1-based line where the check starts in the file it was read from (its first key).
    pub line: Option<u64>,
}

/// What a check asks of the data.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// Number of data rows within bounds.
    RowCount(RowCount),
    /// Share of missing cells in a column at most `max`.
    Missing(ShareRule),
    /// Share of cells that did not parse as the column's type at most `max`.
    Invalid(ShareRule),
    /// Share of distinct values among a column's values at least `min` (1: all unique).
    Unique(Unique),
    /// A column's values all (but `tolerance`) among a list.
    Allowed(Allowed),
    /// A column's values all (but `tolerance`) match a regular expression.
    Pattern(PatternRule),
    /// A column's values all (but `tolerance`) within bounds.
    Range(Range),
    /// A column's mean within bounds.
    Mean(Stat),
    /// A column's median within bounds.
    Median(Stat),
    /// A column's `q` quantile within bounds.
    Quantile(Quantile),
    /// A datetime column's latest value no older than `max_age`.
    Freshness(Freshness),
    /// Required columns and their types; no unexpected columns.
    Schema(Schema),
    /// Distribution moved from the reference's by at most a threshold.
    Drift(Drift),
}

impl Rule {
    /// The rule's key in the file (`row_count`, `missing`, ...).
    pub fn key(&self) -> &'static str {
        match self {
            Rule::RowCount(_) => "row_count",
            Rule::Missing(_) => "missing",
            Rule::Invalid(_) => "invalid",
            Rule::Unique(_) => "unique",
            Rule::Allowed(_) => "allowed",
            Rule::Pattern(_) => "pattern",
            Rule::Range(_) => "range",
            Rule::Mean(_) => "mean",
            Rule::Median(_) => "median",
            Rule::Quantile(_) => "quantile",
            Rule::Freshness(_) => "freshness",
            Rule::Schema(_) => "schema",
            Rule::Drift(_) => "drift",
        }
    }

    /// The one column the rule reads, for the rules about one column.
    pub fn column(&self) -> Option<&str> {
        match self {
            Rule::Missing(r) | Rule::Invalid(r) => Some(&r.column),
            Rule::Unique(r) => Some(&r.column),
            Rule::Allowed(r) => Some(&r.column),
            Rule::Pattern(r) => Some(&r.column),
            Rule::Range(r) => Some(&r.column),
            Rule::Mean(r) | Rule::Median(r) => Some(&r.column),
            Rule::Quantile(r) => Some(&r.column),
            Rule::Freshness(r) => Some(&r.column),
            Rule::RowCount(_) | Rule::Schema(_) | Rule::Drift(_) => None,
        }
    }
}

/// `row_count: {min, max}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowCount {
    /// Fewest rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    /// Most rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
}

/// `missing: {column, max}` and `invalid: {column, max}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareRule {
    /// The column.
    pub column: String,
    /// Largest share of rows (0 to 1).
    pub max: Share,
}

/// `unique: {column, min}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unique {
    /// The column.
    pub column: String,
    /// Smallest share of distinct values among the non-missing values (default 1: no
    /// value repeats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Share>,
}

/// `allowed: {column, values, tolerance}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowed {
    /// The column.
    pub column: String,
    /// The values allowed (missing cells are not checked here; see `missing`).
    pub values: Vec<Scalar>,
    /// Share of non-missing values allowed to break the rule (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Share>,
}

/// `pattern: {column, regex, tolerance}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternRule {
    /// The column.
    pub column: String,
    /// The expression a value must match (unanchored: use `^...$` for whole values).
    pub regex: Pattern,
    /// Share of non-missing values allowed to break the rule (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Share>,
}

/// `range: {column, min, max, tolerance}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// The column (numeric or datetime).
    pub column: String,
    /// Smallest value allowed (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Bound>,
    /// Largest value allowed (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Bound>,
    /// Share of non-missing values allowed to break the rule (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Share>,
}

/// `mean: {column, min, max}` and `median: {column, min, max}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stat {
    /// The column (numeric or datetime).
    pub column: String,
    /// Smallest value allowed (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Bound>,
    /// Largest value allowed (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Bound>,
}

/// `quantile: {column, q, min, max}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantile {
    /// The column (numeric or datetime).
    pub column: String,
    /// Which quantile, 0 to 1 (0.95 is the 95th percentile; type 7, as NumPy).
    pub q: Share,
    /// Smallest value allowed (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Bound>,
    /// Largest value allowed (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Bound>,
}

/// `freshness: {column, max_age, as_of}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Freshness {
    /// The datetime column.
    pub column: String,
    /// Oldest the latest value may be (`30m`, `2h`, `1d`).
    pub max_age: Duration,
    /// Measure the age from this time instead of now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Bound>,
}

/// `schema: {columns, allow_extra}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// Required columns and the types each may have.
    pub columns: Ordered<TypeSet>,
    /// Whether columns not listed are allowed (default false).
    #[serde(default)]
    pub allow_extra: bool,
}

/// Which drift figure a threshold bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftMetric {
    /// The effect size, 0 to 1: KS D for numbers and dates, Jensen-Shannon distance for
    /// labels; drift needs p < `alpha` too.
    #[default]
    Effect,
    /// The population stability index (0.1 is a usual "moderate shift", 0.25 "major").
    Psi,
}

/// `drift: {metric, threshold, columns, alpha}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drift {
    /// The figure compared with the thresholds (default `effect`).
    #[serde(default)]
    pub metric: DriftMetric,
    /// Threshold for every column present in both files (omit to check only `columns`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<NonNegative>,
    /// Per-column thresholds, overriding `threshold`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Ordered<NonNegative>>,
    /// Significance level an effect must also reach (default 0.05; `effect` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<Share>,
}

/// A check as written in the file: name, level and one key per rule, exactly one of
/// which must be set (checked after reading, with the check's line).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawCheck {
    pub name: String,
    #[serde(default)]
    pub level: Level,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_count: Option<RowCount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<ShareRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<ShareRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique: Option<Unique>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Allowed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<PatternRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<Range>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Stat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<Stat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile: Option<Quantile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness: Option<Freshness>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Drift>,
}

/// The rule keys, in the order the documentation lists them.
pub const RULE_KEYS: [&str; 13] = [
    "row_count",
    "missing",
    "invalid",
    "unique",
    "allowed",
    "pattern",
    "range",
    "mean",
    "median",
    "quantile",
    "freshness",
    "schema",
    "drift",
];

impl RawCheck {
    /// The rules set, as (key, rule); a valid check has exactly one.
    pub fn rules(self) -> Vec<Rule> {
        let mut out = Vec::new();
        out.extend(self.row_count.map(Rule::RowCount));
        out.extend(self.missing.map(Rule::Missing));
        out.extend(self.invalid.map(Rule::Invalid));
        out.extend(self.unique.map(Rule::Unique));
        out.extend(self.allowed.map(Rule::Allowed));
        out.extend(self.pattern.map(Rule::Pattern));
        out.extend(self.range.map(Rule::Range));
        out.extend(self.mean.map(Rule::Mean));
        out.extend(self.median.map(Rule::Median));
        out.extend(self.quantile.map(Rule::Quantile));
        out.extend(self.freshness.map(Rule::Freshness));
        out.extend(self.schema.map(Rule::Schema));
        out.extend(self.drift.map(Rule::Drift));
        out
    }
}

impl From<Check> for RawCheck {
    fn from(c: Check) -> RawCheck {
        let mut raw = RawCheck {
            name: c.name,
            level: c.level,
            description: c.description,
            ..RawCheck::default()
        };
        match c.rule {
            Rule::RowCount(r) => raw.row_count = Some(r),
            Rule::Missing(r) => raw.missing = Some(r),
            Rule::Invalid(r) => raw.invalid = Some(r),
            Rule::Unique(r) => raw.unique = Some(r),
            Rule::Allowed(r) => raw.allowed = Some(r),
            Rule::Pattern(r) => raw.pattern = Some(r),
            Rule::Range(r) => raw.range = Some(r),
            Rule::Mean(r) => raw.mean = Some(r),
            Rule::Median(r) => raw.median = Some(r),
            Rule::Quantile(r) => raw.quantile = Some(r),
            Rule::Freshness(r) => raw.freshness = Some(r),
            Rule::Schema(r) => raw.schema = Some(r),
            Rule::Drift(r) => raw.drift = Some(r),
        }
        raw
    }
}

/// The whole file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChecks {
    pub version: Version,
    #[serde(default)]
    pub description: Option<String>,
    pub checks: Vec<RawCheck>,
}

/// Just the version, read first, so a file of another version is told so before its
/// other keys are judged by this version's rules.
#[derive(Debug, Deserialize)]
pub(crate) struct Head {
    #[allow(dead_code)]
    pub version: Version,
}
