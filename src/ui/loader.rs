//! Reading a dropped file in chunks through the core's push-style ingest, so the page
//! stays responsive: each chunk is one short task, and awaiting the next slice of the file
//! hands the main thread back to the browser in between.

use crate::core::ingest::{Ingest, IngestError, IngestOptions, Progress, Table};
use crate::core::profile::{profile_column, Profile};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Bytes per slice of the file: big enough that per-chunk overhead is small, small enough
/// that parsing one chunk stays far below the 100 ms long-task budget.
const CHUNK: usize = 1 << 20;

/// Largest file the page profiles in memory. wasm32 memory tops out at 4 GiB, and the typed
/// table needs up to about twice the file, so anything larger is refused before reading.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// Where a dataset's bytes come from; kept so a type override can re-read them.
#[derive(Clone)]
pub enum Source {
    /// A file the user picked or dropped.
    File(web_sys::File),
    /// Bytes generated in the page (demo data).
    Bytes { name: String, bytes: Rc<Vec<u8>> },
}

impl Source {
    /// Name shown to the user.
    pub fn name(&self) -> String {
        match self {
            Source::File(f) => f.name(),
            Source::Bytes { name, .. } => name.clone(),
        }
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        match self {
            Source::File(f) => f.size() as u64,
            Source::Bytes { bytes, .. } => bytes.len() as u64,
        }
    }
}

/// A loaded, profiled dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// File name.
    pub name: String,
    /// Typed columns.
    pub table: Table,
    /// Figures of every column.
    pub profile: Profile,
    /// Options it was read with (type overrides included).
    pub options: IngestOptions,
    /// Wall time of reading, parsing and profiling, in milliseconds.
    pub load_ms: f64,
    /// Of which reading and parsing (up to the typed table).
    pub parse_ms: f64,
}

/// Why a load did not complete.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    /// The user pressed cancel.
    Cancelled,
    /// The file is bigger than the page can hold.
    TooLarge { bytes: u64 },
    /// The browser could not read the file.
    Read(String),
    /// The content is not a usable CSV.
    Ingest(IngestError),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Cancelled => write!(
                f,
                "Loading was cancelled; the previous dataset is still shown."
            ),
            LoadError::TooLarge { bytes } => write!(
                f,
                "This file is {:.1} GB; the page profiles files up to {:.1} GB in memory. \
                 Run `pipescope profile FILE` on the command line for larger files.",
                *bytes as f64 / 1e9,
                MAX_FILE_BYTES as f64 / 1e9
            ),
            LoadError::Read(m) => write!(f, "The browser could not read the file: {m}"),
            LoadError::Ingest(e) => write!(f, "{e}"),
        }
    }
}

/// What the progress bar shows.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LoadProgress {
    /// Bytes parsed so far.
    pub bytes: u64,
    /// Total bytes.
    pub total: u64,
    /// Rows parsed so far.
    pub rows: u64,
    /// Milliseconds since the start.
    pub elapsed_ms: f64,
    /// Columns profiled so far (after parsing).
    pub profiled: usize,
}

fn now_ms() -> f64 {
    leptos::prelude::window()
        .performance()
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Hands the main thread back to the browser for a moment (a macrotask, so it can paint).
pub async fn yield_now() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// Reads, parses and profiles `source`. `progress` is called after each chunk; `cancel`
/// is polled between chunks.
pub async fn load(
    source: &Source,
    options: IngestOptions,
    progress: impl Fn(LoadProgress),
    cancel: Rc<Cell<bool>>,
) -> Result<Dataset, LoadError> {
    let total = source.size();
    if total > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge { bytes: total });
    }
    let start = now_ms();
    let mut ingest = Ingest::new(options.clone());
    ingest.expect_bytes(total);
    let mut buf: Vec<u8> = Vec::new();
    let mut offset: u64 = 0;
    let report = |p: Progress, profiled: usize| {
        progress(LoadProgress {
            bytes: p.bytes,
            total,
            rows: p.rows,
            elapsed_ms: now_ms() - start,
            profiled,
        })
    };
    while offset < total {
        if cancel.get() {
            return Err(LoadError::Cancelled);
        }
        let end = (offset + CHUNK as u64).min(total);
        match source {
            Source::File(file) => {
                let blob = file
                    .slice_with_f64_and_f64(offset as f64, end as f64)
                    .map_err(|e| LoadError::Read(js_text(&e)))?;
                let array = JsFuture::from(blob.array_buffer())
                    .await
                    .map_err(|e| LoadError::Read(js_text(&e)))?;
                let array = js_sys::Uint8Array::new(&array);
                buf.resize(array.length() as usize, 0);
                array.copy_to(&mut buf);
                ingest.push(&buf).map_err(LoadError::Ingest)?;
            }
            Source::Bytes { bytes, .. } => {
                ingest
                    .push(&bytes[offset as usize..end as usize])
                    .map_err(LoadError::Ingest)?;
                yield_now().await;
            }
        }
        offset = end;
        report(ingest.progress(), 0);
    }
    drop(buf);
    let table = ingest.finish().map_err(LoadError::Ingest)?;
    let parse_ms = now_ms() - start;
    yield_now().await;
    let mut profile = Profile::of_table(&table);
    for column in &table.columns {
        if cancel.get() {
            return Err(LoadError::Cancelled);
        }
        // One column per task: a wide column of millions of distinct values alone takes tens
        // of milliseconds, so two in one task could pass the 100 ms long-task budget.
        yield_now().await;
        profile.columns.push(profile_column(column));
        report(
            Progress {
                bytes: table.bytes,
                rows: table.rows as u64,
                skipped: table.skipped.count as u64,
            },
            profile.columns.len(),
        );
    }
    Ok(Dataset {
        name: source.name(),
        table,
        profile,
        options,
        load_ms: now_ms() - start,
        parse_ms,
    })
}

fn js_text(v: &wasm_bindgen::JsValue) -> String {
    v.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| v.as_string())
        .unwrap_or_else(|| "unknown error".into())
}
