//! Files kept in this browser (IndexedDB) under a slot name (Distribution's last dataset,
//! the compare view's reference), so a reload shows them again as the Monitor and Errors
//! streams come back from their journal. The file is stored as the
//! browser's own Blob (no copy through wasm memory) with how it was read; it never leaves
//! the machine, and the page says it is kept and offers to forget it.

use crate::core::ingest::{ColumnType, IngestOptions};
use crate::ui::journal::idb::{self, IdbError};
use crate::ui::loader::Source;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

const DB: &str = "pipescope-distribution";
const STORE: &str = "kept";
const VERSION: u32 = 1;

/// Files above this size are not kept: the browser's quota is shared with the journals.
pub const MAX_KEPT_BYTES: u64 = 256 << 20;

/// Whether the dataset on screen will come back after a reload, and if not why.
#[derive(Debug, Clone, PartialEq)]
pub enum Kept {
    /// Stored in this browser.
    Yes,
    /// Not stored, for this reason.
    No(String),
}

/// How a kept file was read, as JSON beside it (the options are rebuilt, and so checked,
/// when it comes back).
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Reading {
    delimiter: Option<u8>,
    has_header: Option<bool>,
    types: Vec<(String, ColumnType)>,
    literal_quotes_from: Option<u64>,
}

impl Reading {
    fn of(o: &IngestOptions) -> Reading {
        Reading {
            delimiter: o.delimiter(),
            has_header: o.has_header(),
            types: o.types().to_vec(),
            literal_quotes_from: o.literal_quotes_from(),
        }
    }

    fn options(self) -> IngestOptions {
        let mut b = IngestOptions::builder()
            .delimiter(self.delimiter)
            .has_header(self.has_header)
            .literal_quotes_from(self.literal_quotes_from);
        for (name, kind) in self.types {
            b = b.column_type(name, kind);
        }
        b.build().unwrap_or_default()
    }
}

async fn open() -> Result<web_sys::IdbDatabase, IdbError> {
    idb::open_stores(DB, VERSION, &[STORE]).await
}

/// Keeps `source`, read with `options`, in `slot` in place of what it held.
pub async fn keep(slot: &str, source: &Source, options: &IngestOptions) -> Kept {
    if source.size() > MAX_KEPT_BYTES {
        forget(slot).await;
        return Kept::No(format!(
            "files over {} MB are not kept in the browser",
            MAX_KEPT_BYTES >> 20
        ));
    }
    // The bytes themselves, not the picked `File`: Chromium keeps a picked file as a
    // reference to the disk, which a reload cannot read once the file moved or changed.
    let parts: JsValue = match source {
        Source::File(f) => match wasm_bindgen_futures::JsFuture::from(f.array_buffer()).await {
            Ok(buffer) => Array::of1(&buffer).into(),
            Err(_) => return Kept::No("the browser could not read the file again".into()),
        },
        Source::Bytes { bytes, .. } => Array::of1(&Uint8Array::from(&bytes[..])).into(),
    };
    let blob: JsValue = match web_sys::Blob::new_with_buffer_source_sequence(&parts) {
        Ok(b) => b.into(),
        Err(_) => return Kept::No("the browser could not copy the data".into()),
    };
    let record = Object::new();
    let reading = serde_json::to_string(&Reading::of(options)).unwrap_or_default();
    let _ = Reflect::set(&record, &"blob".into(), &blob);
    let _ = Reflect::set(&record, &"name".into(), &source.name().into());
    let _ = Reflect::set(&record, &"reading".into(), &reading.into());
    let stored = match open().await {
        Ok(db) => {
            let r = idb::put_value(&db, STORE, slot, &record).await;
            db.close();
            r
        }
        Err(e) => Err(e),
    };
    match stored {
        Ok(()) => Kept::Yes,
        Err(IdbError::Quota(_)) => {
            // A half-kept older file would come back in place of this one.
            forget(slot).await;
            Kept::No("the browser's storage is full".into())
        }
        Err(IdbError::Unavailable(m)) => Kept::No(m),
    }
}

/// The file kept in `slot`, if any, as a `File`, with the options it was read with.
pub async fn restore(slot: &str) -> Option<(Source, IngestOptions)> {
    let db = open().await.ok()?;
    let record = idb::get_value(&db, STORE, slot).await.ok();
    db.close();
    let record = record.filter(|r| r.is_object())?;
    let blob: web_sys::Blob = Reflect::get(&record, &"blob".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let name = Reflect::get(&record, &"name".into()).ok()?.as_string()?;
    let reading = Reflect::get(&record, &"reading".into())
        .ok()
        .and_then(|r| r.as_string())
        .and_then(|r| serde_json::from_str::<Reading>(&r).ok())
        .unwrap_or_default();
    let file = web_sys::File::new_with_blob_sequence(&Array::of1(&blob), &name).ok()?;
    Some((Source::File(file), reading.options()))
}

/// Removes the file kept in `slot`.
pub async fn forget(slot: &str) {
    if let Ok(db) = open().await {
        let _ = idb::delete_value(&db, STORE, slot).await;
        db.close();
    }
}
