//! CSV/TSV ingest: sniff the dialect, parse chunks pushed in any size with csv-core, infer
//! column types, and build a typed [`Table`].

pub mod table;
pub use table::*;
pub mod error;
pub use error::IngestError;

mod builder;
pub mod cell;
mod infer;
mod reader;
mod scan;
pub mod sniff;

pub use infer::infer_type;
#[cfg(not(target_arch = "wasm32"))]
pub use reader::PARALLEL_MIN_BYTES;
pub use reader::{Ingest, INFER_ROWS, SNIFF_BYTES};

/// Options: None means sniff/infer.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Field delimiter; None sniffs among `,` `\t` `;` `|`.
    pub delimiter: Option<u8>,
    /// Whether the first row is a header; None decides from the data.
    pub has_header: Option<bool>,
    /// Per-column type overrides by column name (after header naming).
    pub types: Vec<(String, ColumnType)>,
    /// Refuse inputs larger than this many bytes (checked as bytes arrive, and by callers up front).
    pub max_bytes: Option<u64>,
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
    if let Some(limit) = options.max_bytes {
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
