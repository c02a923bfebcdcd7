//! CSV/TSV ingest: sniff the dialect, parse chunks pushed in any size with csv-core, infer
//! column types, and build a typed [`Table`].

pub mod table;
pub use table::*;
pub mod error;
pub use error::IngestError;
pub use quotes::RunawayQuote;

mod builder;
pub mod cell;
mod infer;
pub mod locale;
pub mod quotes;
mod reader;
mod scan;
pub mod sniff;

pub use infer::infer_type;
#[cfg(not(target_arch = "wasm32"))]
pub use reader::PARALLEL_MIN_BYTES;
pub use reader::{utf8_bytes, Ingest, INFER_ROWS, SNIFF_BYTES};

/// How a file is read: what is not set is sniffed or inferred. Built and checked by
/// [`IngestOptions::builder`], so a reader never meets a delimiter it cannot split on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IngestOptions {
    delimiter: Option<u8>,
    has_header: Option<bool>,
    types: Vec<(String, ColumnType)>,
    max_bytes: Option<u64>,
    literal_quotes_from: Option<u64>,
    readings: Vec<(String, locale::Reading)>,
}

impl IngestOptions {
    /// A builder starting from "sniff and infer everything".
    ///
    /// ```
    /// use pipescope::core::ingest::{read_bytes, IngestOptions};
    /// let options = IngestOptions::builder().delimiter(Some(b';')).build().unwrap();
    /// let table = read_bytes(b"a;b\n1;2\n", &options).unwrap();
    /// assert_eq!(table.columns.len(), 2);
    /// assert!(IngestOptions::builder().delimiter(Some(0xC3)).build().is_err());
    /// ```
    pub fn builder() -> IngestOptionsBuilder {
        IngestOptionsBuilder(IngestOptions::default())
    }

    /// A builder holding these options, to change some of them.
    pub fn to_builder(&self) -> IngestOptionsBuilder {
        IngestOptionsBuilder(self.clone())
    }

    /// Field delimiter; None sniffs among `,` `\t` `;` `|`.
    pub fn delimiter(&self) -> Option<u8> {
        self.delimiter
    }

    /// Whether the first row is a header; None decides from the data.
    pub fn has_header(&self) -> Option<bool> {
        self.has_header
    }

    /// Per-column type overrides by column name (after header naming).
    pub fn types(&self) -> &[(String, ColumnType)] {
        &self.types
    }

    /// Inputs larger than this many bytes are refused.
    pub fn max_bytes(&self) -> Option<u64> {
        self.max_bytes
    }

    /// Per-column locale readings chosen by the user (see [`locale`]).
    pub fn readings(&self) -> &[(String, locale::Reading)] {
        &self.readings
    }

    /// 1-based line from which `"` is an ordinary character (see [`quotes`]).
    pub fn literal_quotes_from(&self) -> Option<u64> {
        self.literal_quotes_from
    }
}

/// Sets [`IngestOptions`] one at a time; [`IngestOptionsBuilder::build`] checks them.
#[derive(Debug, Clone, Default)]
pub struct IngestOptionsBuilder(IngestOptions);

impl IngestOptionsBuilder {
    /// Field delimiter; None sniffs among `,` `\t` `;` `|`.
    pub fn delimiter(mut self, delimiter: Option<u8>) -> Self {
        self.0.delimiter = delimiter;
        self
    }

    /// Whether the first row is a header; None decides from the data.
    pub fn has_header(mut self, has_header: Option<bool>) -> Self {
        self.0.has_header = has_header;
        self
    }

    /// Reads column `name` as `kind`, replacing an earlier choice for it.
    pub fn column_type(mut self, name: impl Into<String>, kind: ColumnType) -> Self {
        let name = name.into();
        self.0.types.retain(|(n, _)| *n != name);
        self.0.types.push((name, kind));
        self
    }

    /// Reads column `name` the `reading` way (a decimal comma, day-first dates, ...),
    /// replacing an earlier choice for it; `Standard` reads only the standard forms
    /// (`3.14`, ISO 8601 dates), whatever the cells look like.
    pub fn column_reading(mut self, name: impl Into<String>, reading: locale::Reading) -> Self {
        let name = name.into();
        self.0.readings.retain(|(n, _)| *n != name);
        self.0.readings.push((name, reading));
        self
    }

    /// Forgets a choice made with [`IngestOptionsBuilder::column_reading`]: the cells
    /// decide column `name`'s reading again.
    pub fn auto_reading(mut self, name: &str) -> Self {
        self.0.readings.retain(|(n, _)| n != name);
        self
    }

    /// Refuses inputs larger than this many bytes (checked as bytes arrive).
    pub fn max_bytes(mut self, limit: Option<u64>) -> Self {
        self.0.max_bytes = limit;
        self
    }

    /// From this 1-based line on, `"` is an ordinary character: the reading that keeps
    /// the rows a stray quote would swallow (1 reads the whole file so).
    pub fn literal_quotes_from(mut self, line: Option<u64>) -> Self {
        self.0.literal_quotes_from = line;
        self
    }

    /// The options, or what is wrong with them.
    pub fn build(self) -> Result<IngestOptions, IngestError> {
        if let Some(d) = self.0.delimiter {
            // Cells are cut at delimiter bytes without re-checking UTF-8, which is sound
            // only for an ASCII byte; a quote or a line break cannot also be a delimiter.
            if !d.is_ascii() || matches!(d, b'"' | b'\n' | b'\r') || d.is_ascii_alphanumeric() {
                return Err(IngestError::InvalidOption {
                    option: "delimiter",
                    reason: format!(
                        "byte 0x{d:02X} cannot separate fields; use an ASCII punctuation or \
                         whitespace character other than a quote or a line break, such as , ; | or tab"
                    ),
                });
            }
        }
        if self.0.literal_quotes_from == Some(0) {
            return Err(IngestError::InvalidOption {
                option: "literal quotes from",
                reason: "lines are numbered from 1".to_string(),
            });
        }
        if let Some((name, _)) = self.0.types.iter().find(|(n, _)| n.is_empty()) {
            return Err(IngestError::InvalidOption {
                option: "column type",
                reason: format!("a column type needs a column name (got '{name}')"),
            });
        }
        Ok(self.0)
    }
}

/// Progress so far, for a progress bar.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Progress {
    /// Bytes pushed.
    pub bytes: u64,
    /// Data rows kept.
    pub rows: u64,
    /// Ragged rows skipped.
    pub skipped: u64,
}

/// Reads a whole file held in memory.
pub fn read_bytes(bytes: &[u8], options: &IngestOptions) -> Result<Table, IngestError> {
    if let Some(limit) = options.max_bytes() {
        if bytes.len() as u64 > limit {
            return Err(IngestError::TooLarge {
                bytes: bytes.len() as u64,
                limit,
            });
        }
    }
    let mut ingest = Ingest::new(options.clone());
    ingest.expect_bytes(bytes.len() as u64);
    ingest.push(bytes)?;
    ingest.finish()
}

/// Reads a file from disk in chunks, refusing it up front when over `max_bytes`. Files of
/// 16 MiB and more are parsed in two halves on two threads when the split is safe; the
/// table is always identical to a sequential parse.
#[cfg(not(target_arch = "wasm32"))]
pub fn read_path(path: &std::path::Path, options: &IngestOptions) -> Result<Table, IngestError> {
    reader::read_path_split(path, options, reader::PARALLEL_MIN_BYTES)
}
