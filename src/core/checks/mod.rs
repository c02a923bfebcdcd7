//! Checks: a versioned file of named data-quality and drift rules, run on a table (and a
//! reference for drift) to a pass/warn/fail report, as JSON or JUnit XML.
//!
//! * [`parse`] reads a checks file (JSON or YAML, see docs/checks.md); every mistake is a
//!   [`ChecksError`] naming the check, its line and what was expected.
//! * [`run`] evaluates every check: a [`CheckReport`] with, per check, its status, what was
//!   observed, what was expected and evidence (offending rows with their file lines).
//! * [`validate`] finds, before running, the checks that name a column the data lacks or
//!   that cannot read its type, as typed errors with the check's line.
//! * [`suggest`] turns a table's profile into a starting checks file.
//! * [`CheckReport::to_junit`] writes JUnit XML, one test case a check, for CI.
//!
//! ```
//! use pipescope::core::checks::{parse, run, Format, Status};
//! use pipescope::core::ingest::{read_bytes, IngestOptions};
//! let table = read_bytes(b"id,age\n1,30\n2,130\n3,41\n", &IngestOptions::default()).unwrap();
//! let checks = parse(r#"{"version": 1, "checks": [
//!     {"name": "ages", "range": {"column": "age", "min": 0, "max": 120}},
//!     {"name": "ids", "level": "warn", "unique": {"column": "id"}}]}"#, Format::Json).unwrap();
//! let report = run(&table, &checks, None, 0);
//! assert_eq!(report.checks[0].status, Status::Fail);
//! assert_eq!(report.checks[0].evidence[0].line, Some(3)); // the row with 130
//! assert_eq!(report.checks[1].status, Status::Pass);
//! assert_eq!(report.worst(), Status::Fail);
//! ```

pub mod error;
mod eval;
mod junit;
pub mod parse;
pub mod report;
pub mod spec;
pub mod suggest;
pub mod values;

pub use crate::core::file_error::ItemRef;
pub use error::{ChecksError, ChecksErrorKind};
pub use eval::age_text;
pub use parse::{parse, Format};
pub use report::{CheckReport, CheckResult, Counts, Evidence, Status, CHECK_REPORT_VERSION};
pub use spec::{Check, Checks, Level, Rule};
pub use suggest::suggest;
pub use values::{Bound, Duration, Pattern, Share, CHECKS_VERSION};

use crate::core::ingest::table::Table;

/// Runs every check on `table`: `reference` is the baseline for drift checks (a drift
/// check without one is an error), `now_ms` (epoch milliseconds) the time freshness is
/// measured from unless a check sets `as_of`. Never fails: a check that cannot be
/// evaluated has status [`Status::Error`] and says why.
pub fn run(table: &Table, checks: &Checks, reference: Option<&Table>, now_ms: i64) -> CheckReport {
    run_ctx(
        table,
        checks,
        eval::Ctx::new(table, reference, now_ms),
        now_ms,
    )
}

/// [`run`] for a table already profiled (the page profiles every file it opens): counts,
/// extremes, distinct counts and means are read from `profile`, so most checks need no
/// pass over the data at all. The report is the same as [`run`]'s. A profile of other
/// columns than the table's is ignored.
pub fn run_with_profile(
    table: &Table,
    checks: &Checks,
    reference: Option<&Table>,
    now_ms: i64,
    profile: &crate::core::profile::Profile,
) -> CheckReport {
    let ctx = eval::Ctx::with_profile(table, reference, now_ms, Some(profile));
    run_ctx(table, checks, ctx, now_ms)
}

fn run_ctx(table: &Table, checks: &Checks, ctx: eval::Ctx, now_ms: i64) -> CheckReport {
    let mut counts = Counts::default();
    let results: Vec<CheckResult> = checks
        .checks
        .iter()
        .map(|check| {
            let outcome = ctx
                .resolve(&check.rule)
                .and_then(|ci| ctx.eval(&check.rule, ci));
            let result = match outcome {
                Ok(o) => CheckResult {
                    name: check.name.clone(),
                    level: check.level,
                    rule: check.rule.key(),
                    column: check.rule.column().map(str::to_string),
                    status: match (o.ok, check.level) {
                        (true, _) => Status::Pass,
                        (false, Level::Warn) => Status::Warn,
                        (false, Level::Fail) => Status::Fail,
                    },
                    observed: o.observed,
                    expected: o.expected,
                    message: o.message,
                    evidence: o.evidence,
                    check_line: check.line,
                },
                Err(kind) => CheckResult {
                    name: check.name.clone(),
                    level: check.level,
                    rule: check.rule.key(),
                    column: check.rule.column().map(str::to_string),
                    status: Status::Error,
                    observed: serde_json::Value::Null,
                    expected: String::new(),
                    message: kind.to_string(),
                    evidence: Vec::new(),
                    check_line: check.line,
                },
            };
            match result.status {
                Status::Pass => counts.passed += 1,
                Status::Warn => counts.warned += 1,
                Status::Fail => counts.failed += 1,
                Status::Error => counts.errors += 1,
            }
            result
        })
        .collect();
    CheckReport {
        version: CHECK_REPORT_VERSION,
        rows: table.rows,
        now: crate::core::time::format_iso_seconds(now_ms.div_euclid(1000)),
        counts,
        checks: results,
    }
}

/// The checks that cannot run on this data: a column it lacks, a column of a type the
/// rule cannot read, a drift check with no reference. Each error names the check and its
/// line, as a mistake in the file would.
pub fn validate(table: &Table, checks: &Checks, reference: Option<&Table>) -> Vec<ChecksError> {
    let ctx = eval::Ctx::new(table, reference, 0);
    checks
        .checks
        .iter()
        .enumerate()
        .filter_map(|(index, check)| {
            let kind = match ctx.resolve(&check.rule) {
                Err(kind) => kind,
                Ok(_) => match &check.rule {
                    Rule::Drift(_) if reference.is_none() => ChecksErrorKind::NoReference,
                    Rule::Drift(d) => {
                        let missing = d
                            .columns
                            .iter()
                            .flat_map(|c| &c.0)
                            .find_map(|(name, _)| ctx.column(name).err());
                        missing?
                    }
                    _ => return None,
                },
            };
            Some(ChecksError {
                kind,
                line: check.line,
                column: None,
                item: Some(ItemRef {
                    list: "checks",
                    index,
                    name: Some(check.name.clone()),
                }),
                path: Some(format!("checks[{index}].{}", check.rule.key())),
            })
        })
        .collect()
}

impl Checks {
    /// The checks as YAML, the format people edit by hand.
    pub fn to_yaml(&self) -> String {
        serde_norway::to_string(self).expect("checks serialise to YAML")
    }

    /// The checks as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("checks serialise to JSON")
    }
}
