//! Why a checks file cannot be used: a typed kind, the position in the file and the check
//! it belongs to, in the manner of the csv crate's errors (kind plus position).

use std::fmt;

use crate::core::file_error::FileError;
use crate::core::ingest::table::ColumnType;
use crate::core::text::{clip, list};

/// What is wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum ChecksErrorKind {
    /// Not well-formed JSON or YAML.
    Syntax {
        /// The reader's message.
        message: String,
    },
    /// A key this version does not know.
    UnknownKey {
        /// The key as written.
        key: String,
        /// The keys allowed there.
        expected: String,
    },
    /// A required key is absent.
    MissingKey {
        /// The key.
        key: String,
    },
    /// A value of the wrong type (text where a number belongs, ...).
    WrongType {
        /// What was found.
        found: String,
        /// What belongs there.
        expected: String,
    },
    /// A value of the right type but out of range or malformed (a share above 1, a bad
    /// regular expression or duration, an unknown level).
    InvalidValue {
        /// What was found.
        found: String,
        /// What belongs there.
        expected: String,
    },
    /// The file's version is not one this build reads.
    UnsupportedVersion {
        /// The version found.
        found: String,
    },
    /// A check with no rule key.
    NoRule,
    /// A check with more than one rule key.
    SeveralRules {
        /// The rule keys found.
        rules: Vec<&'static str>,
    },
    /// A lower bound above the upper one.
    MinAboveMax {
        /// The lower bound as written.
        min: String,
        /// The upper bound as written.
        max: String,
    },
    /// Two checks of the same name.
    DuplicateName {
        /// Line of the first check of that name.
        first_line: Option<u64>,
    },
    /// A column the data does not have.
    UnknownColumn {
        /// The name in the checks file.
        column: String,
        /// The columns the data has.
        available: Vec<String>,
    },
    /// A column of a type the rule cannot read.
    ColumnType {
        /// The column.
        column: String,
        /// Its type as read.
        found: ColumnType,
        /// The types the rule reads.
        expected: &'static str,
    },
    /// A drift check with no reference to compare with.
    NoReference,
    /// Something else the reader refused.
    Other {
        /// The reader's message.
        message: String,
    },
}

/// An error in a checks file: kind, position, check and key path.
pub type ChecksError = FileError<ChecksErrorKind>;

impl fmt::Display for ChecksErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChecksErrorKind::Syntax { message } => write!(f, "not valid JSON or YAML: {message}"),
            ChecksErrorKind::UnknownKey { key, expected } => {
                write!(f, "unknown key '{}'; expected {expected}", clip(key))
            }
            ChecksErrorKind::MissingKey { key } => write!(f, "the key '{key}' is missing"),
            ChecksErrorKind::WrongType { found, expected } => {
                write!(f, "expected {expected}, found {found}")
            }
            ChecksErrorKind::InvalidValue { found, expected } => {
                write!(f, "expected {expected}, found {found}")
            }
            ChecksErrorKind::UnsupportedVersion { found } => write!(
                f,
                "unsupported version {found}: this pipescope reads checks files of version {}",
                super::CHECKS_VERSION
            ),
            ChecksErrorKind::NoRule => write!(
                f,
                "the check has no rule; expected one of: {}",
                super::spec::RULE_KEYS.join(", ")
            ),
            ChecksErrorKind::SeveralRules { rules } => write!(
                f,
                "the check has {} rules ({}); expected exactly one a check",
                rules.len(),
                rules.join(", ")
            ),
            ChecksErrorKind::MinAboveMax { min, max } => {
                write!(
                    f,
                    "min {min} is greater than max {max}; expected min <= max"
                )
            }
            ChecksErrorKind::DuplicateName { first_line } => match first_line {
                Some(l) => write!(
                    f,
                    "a check of this name already starts on line {l}; expected unique names"
                ),
                None => write!(f, "another check has this name; expected unique names"),
            },
            ChecksErrorKind::UnknownColumn { column, available } => write!(
                f,
                "the data has no column '{}'; expected one of: {}",
                clip(column),
                list(available)
            ),
            ChecksErrorKind::ColumnType {
                column,
                found,
                expected,
            } => write!(
                f,
                "column '{}' was read as {}; this rule expects {expected}",
                clip(column),
                found.name()
            ),
            ChecksErrorKind::NoReference => write!(
                f,
                "a drift check needs a reference file to compare with (--reference REF)"
            ),
            ChecksErrorKind::Other { message } => f.write_str(message),
        }
    }
}
