//! "Turn this profile into checks": a starting checks file that the table it was made from
//! passes, for a person to tighten. Schema and uniqueness are `fail` checks (a missing
//! column or a repeated id breaks a pipeline); shares, ranges and categories are `warn`
//! checks (they move with the data) until someone decides otherwise.

use super::spec::{Allowed, Check, Checks, Level, RowCount, Rule, Schema, ShareRule, Unique};
use super::values::{Bound, Ordered, Scalar, Share, TypeSet, Version, CHECKS_VERSION};
use crate::core::ingest::table::{ColumnType, Table};
use crate::core::profile::profile_column;

/// Extra share of missing or invalid cells allowed over what the table has.
pub const SHARE_MARGIN: f64 = 0.02;
/// Labels columns with at most this many distinct labels get an `allowed` check.
pub const MAX_ALLOWED_VALUES: usize = 20;
/// Rows a column needs before its all-distinct values read as an id.
pub const MIN_ID_ROWS: usize = 20;

/// A share rounded up to 4 decimals, so the file reads `0.0512`, never `0.05120000000000001`,
/// and the table still passes.
fn share_up(s: f64) -> Share {
    Share(((s * 1e4).ceil() / 1e4).min(1.0))
}

/// A starting checks file for `table`: row count within half and twice its rows; a schema
/// of its columns and types (categorical and text as one, since inference may call the
/// same labels either in another file); per column, missing (and for numbers and dates
/// invalid) share at most what it is plus [`SHARE_MARGIN`]; numeric ranges from min to
/// max; allowed values for labels columns of at most [`MAX_ALLOWED_VALUES`] labels; and
/// uniqueness for id-like columns (every value distinct, none missing).
///
/// ```
/// use pipescope::core::checks::{parse, run, suggest, Format, Status};
/// use pipescope::core::ingest::{read_bytes, IngestOptions};
/// let table = read_bytes(b"id,plan\n1,a\n2,b\n3,a\n", &IngestOptions::default()).unwrap();
/// let checks = suggest(&table);
/// let again = parse(&checks.to_yaml(), Format::Yaml).unwrap();
/// assert_eq!(run(&table, &again, None, 0).worst(), Status::Pass);
/// ```
pub fn suggest(table: &Table) -> Checks {
    let mut checks = Vec::new();
    let mut push = |name: String, level: Level, rule: Rule| {
        checks.push(Check {
            name,
            level,
            description: None,
            rule,
            line: None,
        })
    };
    let rows = table.rows as u64;
    push(
        "row count".into(),
        Level::Fail,
        Rule::RowCount(RowCount {
            min: Some(rows / 2),
            max: Some(rows.saturating_mul(2).max(1)),
        }),
    );
    let mut seen = rustc_hash::FxHashSet::default();
    let mut schema = Vec::new();
    for c in &table.columns {
        // A repeated header name can be listed once only.
        if seen.insert(c.name.as_str()) {
            let types = match c.kind {
                ColumnType::Categorical | ColumnType::Text => {
                    vec![ColumnType::Categorical, ColumnType::Text]
                }
                k => vec![k],
            };
            schema.push((c.name.clone(), TypeSet(types)));
        }
    }
    push(
        "schema".into(),
        Level::Fail,
        Rule::Schema(Schema {
            columns: Ordered(schema),
            allow_extra: false,
        }),
    );
    let share = |n: usize| {
        if rows == 0 {
            0.0
        } else {
            n as f64 / rows as f64
        }
    };
    let mut named = rustc_hash::FxHashSet::default();
    for c in &table.columns {
        if !named.insert(c.name.as_str()) {
            continue;
        }
        let p = profile_column(c);
        let name = &c.name;
        push(
            format!("{name}: missing"),
            Level::Warn,
            Rule::Missing(ShareRule {
                column: name.clone(),
                max: share_up(share(c.missing) + SHARE_MARGIN),
            }),
        );
        if matches!(c.kind, ColumnType::Numeric | ColumnType::Datetime) {
            push(
                format!("{name}: invalid"),
                Level::Warn,
                Rule::Invalid(ShareRule {
                    column: name.clone(),
                    max: share_up(share(c.invalid) + SHARE_MARGIN),
                }),
            );
        }
        if let (ColumnType::Numeric, Some(min), Some(max)) = (c.kind, p.min, p.max) {
            push(
                format!("{name}: range"),
                Level::Warn,
                Rule::Range(super::spec::Range {
                    column: name.clone(),
                    min: Some(Bound::Number(min)),
                    max: Some(Bound::Number(max)),
                    tolerance: None,
                }),
            );
        }
        if matches!(c.kind, ColumnType::Categorical | ColumnType::Text)
            && p.distinct > 0
            && p.distinct <= MAX_ALLOWED_VALUES
            && p.distinct < p.count
        {
            if let crate::core::ingest::table::ColumnData::Labels(d) = &c.data {
                let counts = crate::core::profile::code_counts(d);
                let mut values: Vec<Scalar> = d
                    .values
                    .iter()
                    .zip(&counts)
                    .filter(|x| *x.1 > 0)
                    .map(|x| Scalar(x.0.clone()))
                    .collect();
                values.sort_by(|a, b| a.0.cmp(&b.0));
                push(
                    format!("{name}: allowed values"),
                    Level::Warn,
                    Rule::Allowed(Allowed {
                        column: name.clone(),
                        values,
                        tolerance: None,
                    }),
                );
            }
        }
        let id_like = c.missing == 0
            && c.invalid == 0
            && p.count >= MIN_ID_ROWS
            && p.distinct == p.count
            && match c.kind {
                ColumnType::Numeric => {
                    p.min.is_some_and(|m| m.fract() == 0.0)
                    && p.max.is_some_and(|m| m.fract() == 0.0)
                    // Whole numbers all distinct could be a measurement; an id's values
                    // are mostly whole and spread, a measurement's rarely all distinct
                    // over many rows. Require integers throughout.
                    && matches!(&c.data, crate::core::ingest::table::ColumnData::Numeric(v) if v.iter().all(|x| x.fract() == 0.0))
                }
                ColumnType::Categorical | ColumnType::Text => true,
                _ => false,
            };
        if id_like {
            push(
                format!("{name}: unique"),
                Level::Fail,
                Rule::Unique(Unique {
                    column: name.clone(),
                    min: None,
                }),
            );
        }
    }
    Checks {
        version: Version(CHECKS_VERSION),
        description: Some(format!(
            "Suggested from a table of {rows} rows and {} columns; tighten before relying on it.",
            table.columns.len()
        )),
        checks,
    }
}
