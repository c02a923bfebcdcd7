//! The typed, column-oriented table that ingest produces and every analysis reads.

use serde::{Deserialize, Serialize};

/// Inferred (or user-chosen) type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// Numbers (integers or decimals, including exponent notation).
    Numeric,
    /// A small set of repeated labels.
    Categorical,
    /// true/false, yes/no, t/f, y/n (case-insensitive); 0/1 alone stays numeric.
    Boolean,
    /// Dates or date-times (ISO 8601 and common variants).
    Datetime,
    /// Free text: labels that rarely repeat.
    Text,
}

impl ColumnType {
    /// All types, in the order the UI offers them.
    pub const ALL: [ColumnType; 5] = [
        ColumnType::Numeric,
        ColumnType::Categorical,
        ColumnType::Boolean,
        ColumnType::Datetime,
        ColumnType::Text,
    ];

    /// Lower-case name, as in JSON output and the UI.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Numeric => "numeric",
            ColumnType::Categorical => "categorical",
            ColumnType::Boolean => "boolean",
            ColumnType::Datetime => "datetime",
            ColumnType::Text => "text",
        }
    }

    /// Parses a lower-case name as produced by [`ColumnType::name`].
    pub fn parse(s: &str) -> Option<ColumnType> {
        ColumnType::ALL
            .into_iter()
            .find(|t| t.name() == s.trim().to_ascii_lowercase())
    }
}

/// Dictionary-encoded labels: each row holds an index into `values`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dictionary {
    /// Distinct labels in order of first appearance.
    pub values: Vec<String>,
    /// One code per row; [`Dictionary::MISSING`] marks a missing cell.
    pub codes: Vec<u32>,
}

impl Dictionary {
    /// Code of a missing cell.
    pub const MISSING: u32 = u32::MAX;

    /// Label of row `row`, or None when missing.
    pub fn get(&self, row: usize) -> Option<&str> {
        match self.codes.get(row) {
            Some(&c) if c != Self::MISSING => Some(self.values[c as usize].as_str()),
            _ => None,
        }
    }
}

/// Storage of one column's cells, by type. Every variant holds exactly `Table::rows` cells.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// NaN marks a missing (or invalid) cell.
    Numeric(Vec<f64>),
    /// 0 = false, 1 = true, 2 = missing.
    Boolean(Vec<u8>),
    /// Seconds since the Unix epoch (UTC); NaN marks a missing cell.
    Datetime(Vec<f64>),
    /// Categorical and text columns.
    Labels(Dictionary),
}

/// Where a cell sits in the file: 1-based line and the column's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellPos {
    /// 1-based line number in the file.
    pub line: u64,
    /// Column name.
    pub column: String,
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header name, or `column_N` (1-based) when the file has no header.
    pub name: String,
    /// Type used for storage and analysis.
    pub kind: ColumnType,
    /// Cells.
    pub data: ColumnData,
    /// Cells that were empty or a missing marker (empty, NA, N/A, null, NaN; case-insensitive).
    pub missing: usize,
    /// Non-missing cells that did not parse as `kind` (stored as missing, counted apart).
    pub invalid: usize,
    /// First invalid cell, for the error message.
    pub first_invalid: Option<CellPos>,
    /// How the cells were read: standard, or a locale's numbers or dates.
    pub reading: super::locale::Reading,
    /// The other reading that fits the sample as well, when there is one (offered).
    pub other_reading: Option<super::locale::Reading>,
}

/// The CSV dialect used to read a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Dialect {
    /// Field delimiter: b',', b'\t', b';' or b'|'.
    pub delimiter: u8,
    /// Whether the first record is a header.
    pub has_header: bool,
    /// The text encoding the bytes were decoded from.
    pub encoding: TextEncoding,
}

/// Text encodings ingest reads: UTF-8, and UTF-16 told by its byte order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum TextEncoding {
    /// UTF-8 (with or without a byte order mark), and so ASCII.
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    /// UTF-16, little-endian (Excel's "Unicode text" and Windows tools).
    #[serde(rename = "utf-16le")]
    Utf16Le,
    /// UTF-16, big-endian.
    #[serde(rename = "utf-16be")]
    Utf16Be,
}

impl TextEncoding {
    /// The name people know it by.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf16Le => "UTF-16 LE",
            TextEncoding::Utf16Be => "UTF-16 BE",
        }
    }
}

/// Rows dropped because their field count differed from the header's.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SkippedRows {
    /// How many rows were skipped.
    pub count: usize,
    /// Line numbers (1-based) of the first skipped rows (at most [`SkippedRows::KEEP`]).
    pub lines: Vec<u64>,
}

impl SkippedRows {
    /// How many line numbers are kept for the report.
    pub const KEEP: usize = 100;
}

/// A parsed file: typed columns of equal length.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Columns in file order.
    pub columns: Vec<Column>,
    /// Number of data rows kept (header excluded, skipped rows excluded).
    pub rows: usize,
    /// Dialect the file was read with.
    pub dialect: Dialect,
    /// Ragged rows that were dropped.
    pub skipped: SkippedRows,
    /// Bytes read.
    pub bytes: u64,
    /// `(row, line)` for the first data row and for every row that does not start on the
    /// line after the previous data row (after blank lines, ragged rows or a cell that
    /// spans lines), in row order: what [`Table::row_lines`] needs, in a few entries.
    pub line_starts: Vec<(usize, u64)>,
}

impl Table {
    /// 1-based file line where each data row starts.
    pub fn row_lines(&self) -> Vec<u64> {
        if !self.line_starts.is_empty() {
            let mut starts = self.line_starts.iter().peekable();
            let mut line = 0;
            return (0..self.rows)
                .map(|row| {
                    line = match starts.next_if(|s| s.0 == row) {
                        Some(&(_, start)) => start,
                        None => line + 1,
                    };
                    line
                })
                .collect();
        }
        // A table built by hand: one line a row after the header, stepping over the
        // skipped rows (as far as their lines were kept).
        let mut skipped = self.skipped.lines.iter().peekable();
        let mut line = if self.dialect.has_header { 2 } else { 1 };
        (0..self.rows)
            .map(|_| {
                while skipped.next_if(|&&s| s == line).is_some() {
                    line += 1;
                }
                line += 1;
                line - 1
            })
            .collect()
    }

    /// Column by name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}
