//! Reading a dropped file in chunks through the core's push-style ingest, so the page
//! stays responsive: each chunk is one short task, and awaiting the next slice of the file
//! hands the main thread back to the browser in between.

use crate::core::ingest::{Ingest, IngestError, IngestOptions, Progress, Table, INFER_ROWS};
use crate::core::profile::{ColumnOrder, ColumnProfiler, Profile};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Bytes per slice of the file: big enough that per-chunk overhead is small (the next slice
/// is read while this one is parsed), small enough that parsing one chunk stays far below
/// the 100 ms long-task budget even on a busy machine (1 MiB measured 60-70 ms there).
const CHUNK: usize = 512 << 10;

/// Bytes of the first slices. The push that reaches [`INFER_ROWS`] rows also infers every
/// column's type, and the first pushes run code the browser has not optimised yet, so
/// slices stay this small until inference is done, then double up to [`CHUNK`].
const FIRST_CHUNK: usize = 64 << 10;

/// Bytes after which slices grow even if inference has not happened (very wide rows).
const SMALL_CHUNKS_UP_TO: u64 = 4 << 20;

/// Values a profiling step handles: well under a millisecond of work, so the clock is read
/// often enough to yield close to [`SLICE_MS`].
const PROFILE_STEP: usize = 1 << 15;

/// Main-thread time profiling works before yielding to the browser: short enough that no
/// task nears the 100 ms long-task budget, long enough that yields cost little in total.
const SLICE_MS: f64 = 25.0;

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

/// Reads a whole picked or dropped file into memory.
pub async fn read_whole(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("the browser could not read the file: {e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Hands the main thread back to the browser for a moment (a macrotask, so it can paint).
pub async fn yield_now() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// Like [`yield_now`], without the 4 ms minimum browsers put on nested zero timeouts: a
/// message posted to a `MessageChannel` is a new task that runs as soon as the browser has
/// handled what is pending. Built through `Reflect` since it is needed only here.
pub async fn yield_task() {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::JsValue;
    let mut posted = false;
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let post = || -> Result<(), JsValue> {
            let ctor: Function =
                Reflect::get(&js_sys::global(), &"MessageChannel".into())?.dyn_into()?;
            let channel = Reflect::construct(&ctor, &js_sys::Array::new())?;
            let (port1, port2) = (
                Reflect::get(&channel, &"port1".into())?,
                Reflect::get(&channel, &"port2".into())?,
            );
            Reflect::set(&port1, &"onmessage".into(), &resolve)?;
            let send: Function = Reflect::get(&port2, &"postMessage".into())?.dyn_into()?;
            send.call1(&port2, &JsValue::UNDEFINED)?;
            Ok(())
        };
        posted = post().is_ok();
        if !posted {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = JsFuture::from(promise).await;
    if !posted {
        yield_now().await;
    }
}

/// Reads and parses `source` into a typed table, without profiling it (the compare view
/// needs only the table). `progress` is called after each chunk; `cancel` is polled
/// between chunks. Returns the table and the milliseconds it took.
pub async fn read_table(
    source: &Source,
    options: &IngestOptions,
    progress: &impl Fn(LoadProgress),
    cancel: &Rc<Cell<bool>>,
) -> Result<(Table, f64), LoadError> {
    let total = source.size();
    if total > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge { bytes: total });
    }
    let start = now_ms();
    let mut ingest = Ingest::new(options.clone());
    ingest.expect_bytes(total);
    let mut buf: Vec<u8> = Vec::new();
    let mut offset: u64 = 0;
    let mut chunk = FIRST_CHUNK;
    let mut end = total.min(chunk as u64);
    let report = |p: Progress, profiled: usize| {
        progress(LoadProgress {
            bytes: p.bytes,
            total,
            rows: p.rows,
            elapsed_ms: now_ms() - start,
            profiled,
        })
    };
    // The task that handled the pick ends here, before any parsing.
    yield_task().await;
    let mut pending: Option<JsFuture> = None;
    while offset < total {
        if cancel.get() {
            return Err(LoadError::Cancelled);
        }
        if ingest.progress().rows >= INFER_ROWS as u64 || end >= SMALL_CHUNKS_UP_TO {
            chunk = (chunk * 2).min(CHUNK);
        }
        let next_end = (end + chunk as u64).min(total);
        match source {
            Source::File(file) => {
                let this = match pending.take() {
                    Some(read) => read,
                    None => read_slice(file, offset, end)?,
                };
                let array = this.await.map_err(|e| LoadError::Read(js_text(&e)))?;
                // Ask for the next slice now, so the browser reads it while this one is parsed.
                if next_end > end {
                    pending = Some(read_slice(file, end, next_end)?);
                }
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
        end = next_end;
        report(ingest.progress(), 0);
    }
    drop(pending);
    drop(buf);
    let table = ingest.finish().map_err(LoadError::Ingest)?;
    Ok((table, now_ms() - start))
}

/// Reads, parses and profiles `source`. `progress` is called after each chunk; `cancel`
/// is polled between chunks.
pub async fn load(
    source: &Source,
    options: IngestOptions,
    progress: impl Fn(LoadProgress),
    cancel: Rc<Cell<bool>>,
) -> Result<Dataset, LoadError> {
    Ok(load_keeping(source, options, progress, cancel, false)
        .await?
        .0)
}

/// [`load`], keeping each numeric column's values in order when `keep_orders` (the Checks
/// workspace compares with them; the Distribution page lets them go column by column).
pub async fn load_keeping(
    source: &Source,
    options: IngestOptions,
    progress: impl Fn(LoadProgress),
    cancel: Rc<Cell<bool>>,
    keep_orders: bool,
) -> Result<(Dataset, Vec<Option<ColumnOrder>>), LoadError> {
    let start = now_ms();
    let (table, parse_ms) = read_table(source, &options, &progress, &cancel).await?;
    let total = source.size();
    let report = |p: Progress, profiled: usize| {
        progress(LoadProgress {
            bytes: p.bytes,
            total,
            rows: p.rows,
            elapsed_ms: now_ms() - start,
            profiled,
        })
    };
    yield_task().await;
    if cancel.get() {
        return Err(LoadError::Cancelled);
    }
    let mut profile = Profile::of_table(&table);
    let mut orders = Vec::with_capacity(table.columns.len());
    // Profiling runs in slices of about SLICE_MS: a column of millions of distinct values
    // takes far longer than the long-task budget, so it is stepped, never run in one go.
    let mut slice_start = now_ms();
    for column in &table.columns {
        let mut profiler = ColumnProfiler::new(column);
        loop {
            if now_ms() - slice_start >= SLICE_MS {
                yield_task().await;
                if cancel.get() {
                    return Err(LoadError::Cancelled);
                }
                slice_start = now_ms();
            }
            if profiler.step(PROFILE_STEP) {
                break;
            }
        }
        let (p, order) = profiler.finish_with_order();
        profile.columns.push(p);
        orders.push(order.filter(|_| keep_orders));
        report(
            Progress {
                bytes: table.bytes,
                rows: table.rows as u64,
                skipped: table.skipped.count as u64,
            },
            profile.columns.len(),
        );
    }
    let load_ms = now_ms() - start;
    // Showing the dataset (table, plots) gets a task of its own, apart from the last slice.
    yield_task().await;
    if cancel.get() {
        return Err(LoadError::Cancelled);
    }
    Ok((
        Dataset {
            name: source.name(),
            table,
            profile,
            options,
            load_ms,
            parse_ms,
        },
        orders,
    ))
}

/// Starts reading bytes `from..to` of `file`.
fn read_slice(file: &web_sys::File, from: u64, to: u64) -> Result<JsFuture, LoadError> {
    let blob = file
        .slice_with_f64_and_f64(from as f64, to as f64)
        .map_err(|e| LoadError::Read(js_text(&e)))?;
    Ok(JsFuture::from(blob.array_buffer()))
}

fn js_text(v: &wasm_bindgen::JsValue) -> String {
    v.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| v.as_string())
        .unwrap_or_else(|| "unknown error".into())
}
