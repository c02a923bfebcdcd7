//! Why a file could not be read, with enough position to find the problem.

use std::fmt;

use crate::core::text::{clip, list};

/// A failure to read a CSV/TSV file. Each Display message says what went wrong and where,
/// in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestError {
    /// No bytes, or only blank lines / whitespace.
    Empty,
    /// A header row and nothing else.
    HeaderOnly {
        /// Columns the header named.
        columns: usize,
    },
    /// Bytes that are not UTF-8.
    InvalidUtf8 {
        /// 1-based line holding the bad byte.
        line: u64,
        /// Column (header name or `column_N`) the bad byte falls in.
        column: String,
        /// 0-based byte offset of the bad byte in the file.
        offset: u64,
    },
    /// A UTF-16 file (told by its byte order mark) with a broken code unit.
    InvalidUtf16 {
        /// 0-based byte offset of the bad unit in the file.
        offset: u64,
    },
    /// NUL bytes or mostly non-text bytes at the start of the file.
    Binary,
    /// More bytes than the configured limit.
    TooLarge {
        /// Bytes seen (the file size when known up front, otherwise bytes read so far).
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// No row had the header's number of fields.
    AllRowsRagged {
        /// Fields the header (or the usual row) has.
        expected: usize,
        /// Rows skipped.
        skipped: usize,
        /// Line of the first skipped row.
        first_line: u64,
        /// Fields found on that line.
        found: usize,
    },
    /// A type override names a column the file does not have.
    UnknownColumn {
        /// The name asked for.
        name: String,
        /// Column names the file has.
        available: Vec<String>,
    },
    /// A quoted field swallowed rows (see [`super::quotes`]).
    RunawayQuote(super::RunawayQuote),
    /// An option that cannot be used, refused before reading.
    InvalidOption {
        /// Which option.
        option: &'static str,
        /// Why, and what to use instead.
        reason: String,
    },
    /// The file could not be opened or read.
    Io {
        /// Path as given.
        path: String,
        /// The operating system's message.
        message: String,
    },
}

/// Human-readable size, so limits read as "120.0 MB" instead of a long byte count.
fn size(bytes: u64) -> String {
    const MB: f64 = 1_000_000.0;
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / MB)
    } else {
        format!("{bytes} bytes")
    }
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IngestError::Empty => write!(f, "the file is empty: there are no rows to read"),
            IngestError::HeaderOnly { columns } => write!(
                f,
                "the file has a header row ({columns} column{}) but no data rows",
                if *columns == 1 { "" } else { "s" }
            ),
            IngestError::InvalidUtf8 { line, column, offset } => write!(
                f,
                "line {line}, column '{}': invalid UTF-8 at byte offset {offset}; \
                 re-save the file as UTF-8 and load it again",
                clip(column)
            ),
            IngestError::InvalidUtf16 { offset } => write!(
                f,
                "the file is UTF-16 (it starts with a UTF-16 byte order mark) but holds an unpaired \
                 surrogate or a lone byte at byte offset {offset}; re-save it as UTF-8 or UTF-16"
            ),
            IngestError::Binary => write!(
                f,
                "this looks like a binary file, not CSV or TSV (it holds NUL or other non-text bytes)"
            ),
            IngestError::TooLarge { bytes, limit } => write!(
                f,
                "the file is too large: {} read, over the limit of {}; load a smaller file or a sample of it",
                size(*bytes),
                size(*limit)
            ),
            IngestError::AllRowsRagged { expected, skipped, first_line, found } => write!(
                f,
                "every row was skipped ({skipped} row{}): the header has {expected} field{} \
                 but line {first_line} has {found}; check the delimiter and the header row",
                if *skipped == 1 { "" } else { "s" },
                if *expected == 1 { "" } else { "s" },
            ),
            IngestError::UnknownColumn { name, available } => write!(
                f,
                "no column named '{}' to set the type of; the columns are: {}",
                clip(name),
                list(available)
            ),
            IngestError::RunawayQuote(r) => write!(f, "{r}"),
            IngestError::InvalidOption { option, reason } => write!(f, "invalid {option}: {reason}"),
            IngestError::Io { path, message } => {
                write!(f, "could not read '{}': {message}", clip(path))
            }
        }
    }
}

impl std::error::Error for IngestError {}
