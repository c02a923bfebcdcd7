//! Why a rules file cannot be used: a typed kind, the position in the file, and the rule
//! or silence it belongs to. The reader's own mistakes (syntax, unknown keys, wrong types)
//! come from the checks file's reader, which both files share.

use std::fmt;

use crate::core::checks::{ChecksError, ChecksErrorKind};
use crate::core::file_error::FileError;
pub use crate::core::file_error::ItemRef;
use crate::core::text::{clip, list};

/// What is wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum RulesErrorKind {
    /// What the JSON or YAML reader refused: syntax, an unknown key, a wrong type (a
    /// threshold that is not a number), a bad value (a duration such as "5 minutes"), a
    /// missing key.
    Read(ChecksErrorKind),
    /// The file's version is not one this build reads.
    UnsupportedVersion {
        /// The version found.
        found: String,
    },
    /// A rule with none of `metric`, `code` and `check`.
    NoTarget,
    /// A rule with more than one of `metric`, `code` and `check`.
    SeveralTargets,
    /// A rule with no condition key.
    NoCondition,
    /// A rule with more than one condition key.
    SeveralConditions {
        /// The condition keys found.
        conditions: Vec<&'static str>,
    },
    /// A condition that does not apply to the rule's target (`error_rate` on a metric,
    /// `above` on an error code), or a key that does not apply to the condition.
    DoesNotApply {
        /// The key.
        key: &'static str,
        /// What it needs.
        needs: &'static str,
    },
    /// A range whose lower end is above its upper end.
    MinAboveMax {
        /// The lower end.
        min: String,
        /// The upper end.
        max: String,
    },
    /// A recovery value on the breaching side of the threshold.
    RecoverSide {
        /// The recovery as written.
        recover: String,
        /// Where it belongs.
        expected: String,
    },
    /// Two rules of the same name.
    DuplicateName {
        /// Line of the first rule of that name.
        first_line: Option<u64>,
    },
    /// An empty name.
    EmptyName,
    /// A silence with neither an end nor a daily window (it would never expire).
    Endless,
    /// A silence whose end is not after its start.
    EndBeforeStart,
    /// A metric name or pattern that matches none of the stream's metrics.
    NoMatch {
        /// The name or pattern.
        pattern: String,
        /// The metrics the stream has.
        available: Vec<String>,
    },
    /// A check name or pattern that matches none of the checks file's checks.
    NoCheckMatch {
        /// The name or pattern.
        pattern: String,
        /// The checks the file has.
        available: Vec<String>,
    },
}

/// An error in a rules file: kind, position, rule or silence, and key path.
pub type RulesError = FileError<RulesErrorKind>;

impl RulesError {
    /// The reader's error (already placed in its list), with the version kind made ours.
    pub(crate) fn read(e: ChecksError) -> RulesError {
        let kind = match e.kind {
            ChecksErrorKind::UnsupportedVersion { found } => {
                RulesErrorKind::UnsupportedVersion { found }
            }
            other => RulesErrorKind::Read(other),
        };
        FileError {
            kind,
            line: e.line,
            column: e.column,
            item: e.item,
            path: e.path,
        }
    }
}

impl fmt::Display for RulesErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RulesErrorKind::Read(k) => write!(f, "{k}"),
            RulesErrorKind::UnsupportedVersion { found } => write!(
                f,
                "unsupported version {found}: this pipescope reads rules files of version {}",
                super::spec::RULES_VERSION
            ),
            RulesErrorKind::NoTarget => f.write_str(
                "the rule watches nothing; expected 'metric' (a name, a pattern such as cpu_*, or * for every metric), 'code' (an error code) or 'check' (a check of the checks file, by name or pattern)",
            ),
            RulesErrorKind::SeveralTargets => {
                f.write_str("the rule has more than one of 'metric', 'code' and 'check'; expected one target a rule")
            }
            RulesErrorKind::NoCondition => write!(
                f,
                "the rule has no condition; expected one of: {}",
                super::spec::CONDITION_KEYS.join(", ")
            ),
            RulesErrorKind::SeveralConditions { conditions } => write!(
                f,
                "the rule has {} conditions ({}); expected exactly one a rule",
                conditions.len(),
                conditions.join(", ")
            ),
            RulesErrorKind::DoesNotApply { key, needs } => {
                write!(f, "'{key}' does not apply here; it needs {needs}")
            }
            RulesErrorKind::MinAboveMax { min, max } => {
                write!(f, "min {min} is greater than max {max}; expected min <= max")
            }
            RulesErrorKind::RecoverSide { recover, expected } => {
                write!(f, "recover {recover} would never let it resolve; expected {expected}")
            }
            RulesErrorKind::DuplicateName { first_line } => match first_line {
                Some(l) => write!(
                    f,
                    "a rule of this name already starts on line {l}; expected unique names"
                ),
                None => write!(f, "another rule has this name; expected unique names"),
            },
            RulesErrorKind::EmptyName => {
                f.write_str("expected a name that says what the rule watches, found an empty name")
            }
            RulesErrorKind::Endless => f.write_str(
                "the silence never ends; expected 'end' (a time) or 'daily' (a window such as \"02:00-03:00\")",
            ),
            RulesErrorKind::EndBeforeStart => f.write_str("expected 'end' after 'start'"),
            RulesErrorKind::NoMatch { pattern, available } => write!(
                f,
                "'{}' matches no metric of this stream; expected one of: {}",
                clip(pattern),
                list(available)
            ),
            RulesErrorKind::NoCheckMatch { pattern, available } => write!(
                f,
                "'{}' matches no check of the checks file; expected one of: {}",
                clip(pattern),
                list(available)
            ),
        }
    }
}
