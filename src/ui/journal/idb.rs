//! The few IndexedDB calls the journal needs, over raw `web-sys` bindings: open the
//! database, read everything once at start, and write one batch in one transaction.
//!
//! Requests and transactions are awaited through a `Promise` whose `resolve` and `reject`
//! are installed directly as the event handlers, so no Rust closure is created (or leaked)
//! per request.

use js_sys::{Array, Promise, Reflect, Uint8Array};

use crate::core::journal::SLOTS as SLOT_COUNT;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbDatabase, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode,
};

/// Object store of segments, keyed by their first sequence number.
pub const SEGMENTS: &str = "segments";
/// Object store of the slots: checkpoints keyed 0 and 1, the replayed source file 2, the
/// player's state 3.
pub const SLOTS: &str = "slots";
const VERSION: u32 = 1;
/// How long opening may take before the journal gives up and runs in memory.
const OPEN_TIMEOUT_MS: i32 = 8_000;

/// Why IndexedDB could not be used, in words for the banner.
#[derive(Debug, Clone, PartialEq)]
pub enum IdbError {
    /// The write would pass the storage quota; the transaction was aborted whole.
    Quota(String),
    /// IndexedDB is missing, disabled, blocked or failed.
    Unavailable(String),
}

impl std::fmt::Display for IdbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdbError::Quota(m) | IdbError::Unavailable(m) => f.write_str(m),
        }
    }
}

fn describe(v: &JsValue) -> String {
    if let Some(e) = v.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", e.name(), e.message());
    }
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    v.as_string().unwrap_or_else(|| format!("{v:?}"))
}

fn unavailable(what: &str, e: &JsValue) -> IdbError {
    IdbError::Unavailable(format!("IndexedDB {what} failed ({})", describe(e)))
}

/// A promise settled by the request's success or error event.
fn request(req: &IdbRequest) -> JsFuture {
    let p = Promise::new(&mut |resolve, reject| {
        req.set_onsuccess(Some(&resolve));
        req.set_onerror(Some(&reject));
    });
    JsFuture::from(p)
}

/// Map a transaction's failure to the banner's words: quota, or anything else.
pub fn transaction_error(tx: &IdbTransaction) -> IdbError {
    match tx.error() {
        Some(e) if e.name() == "QuotaExceededError" => IdbError::Quota(format!(
            "storage is full: the browser refused the write ({}); events stay in memory only",
            e.message()
        )),
        Some(e) => IdbError::Unavailable(format!(
            "IndexedDB refused a write ({}: {})",
            e.name(),
            e.message()
        )),
        None => IdbError::Unavailable("IndexedDB aborted a write".into()),
    }
}

/// A promise that resolves when the transaction commits and rejects when it aborts.
pub fn committed(tx: &IdbTransaction) -> JsFuture {
    let p = Promise::new(&mut |resolve, reject| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onabort(Some(&reject));
    });
    JsFuture::from(p)
}

/// Open (creating on first use) the journal database. Fails when IndexedDB is missing
/// (some private modes), refused (storage disabled), blocked by another tab holding an
/// older version open, or silent for [`OPEN_TIMEOUT_MS`].
pub async fn open(name: &str) -> Result<IdbDatabase, IdbError> {
    open_stores(name, VERSION, &[SEGMENTS, SLOTS]).await
}

/// Open (creating on first use) the database `name` at `version` with the object stores
/// `stores`; fails as [`open`] does.
pub async fn open_stores(
    name: &str,
    version: u32,
    stores: &'static [&'static str],
) -> Result<IdbDatabase, IdbError> {
    let window = web_sys::window().ok_or_else(|| IdbError::Unavailable("no window".into()))?;
    let factory = match window.indexed_db() {
        Ok(Some(f)) => f,
        Ok(None) => {
            return Err(IdbError::Unavailable(
                "this browser offers no IndexedDB here (private browsing?)".into(),
            ))
        }
        Err(e) => return Err(unavailable("access", &e)),
    };
    let req: IdbOpenDbRequest = factory
        .open_with_u32(name, version)
        .map_err(|e| unavailable("open", &e))?;
    // Creates the object stores on first open; runs before `success`.
    let upgrade = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new({
        let req = req.clone();
        move |_e: JsValue| {
            if let Ok(db) = req
                .result()
                .and_then(|r| r.dyn_into::<IdbDatabase>().map_err(JsValue::from))
            {
                let names = db.object_store_names();
                for &store in stores {
                    if !names.contains(store) {
                        let _ = db.create_object_store(store);
                    }
                }
            }
        }
    });
    req.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    // `blocked` and the timeout settle the same promise with a marker instead of hanging.
    let mut marks: Vec<wasm_bindgen::closure::Closure<dyn FnMut()>> = Vec::new();
    let mut timer = None;
    let outcome = Promise::new(&mut |resolve, reject| {
        req.set_onsuccess(Some(&resolve));
        req.set_onerror(Some(&reject));
        for mark in ["blocked", "timeout"] {
            let resolve = resolve.clone();
            marks.push(wasm_bindgen::closure::Closure::new(move || {
                let _ = resolve.call1(&JsValue::NULL, &mark.into());
            }));
        }
        req.set_onblocked(Some(marks[0].as_ref().unchecked_ref()));
        timer = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                marks[1].as_ref().unchecked_ref(),
                OPEN_TIMEOUT_MS,
            )
            .ok();
    });
    let settled = JsFuture::from(outcome).await;
    // Unhook everything before the closures are dropped, so none can fire afterwards.
    if let Some(t) = timer {
        window.clear_timeout_with_handle(t);
    }
    req.set_onblocked(None);
    req.set_onupgradeneeded(None);
    drop(marks);
    drop(upgrade);
    match settled {
        Ok(v) if v.as_string().as_deref() == Some("blocked") => Err(IdbError::Unavailable(
            "IndexedDB is blocked by another pipescope tab holding an older version open".into(),
        )),
        Ok(v) if v.as_string().as_deref() == Some("timeout") => Err(IdbError::Unavailable(
            format!("IndexedDB did not open within {} s", OPEN_TIMEOUT_MS / 1000),
        )),
        Ok(_) => req
            .result()
            .and_then(|r| r.dyn_into::<IdbDatabase>().map_err(JsValue::from))
            .map_err(|e| unavailable("open", &e)),
        Err(_) => {
            let why = req
                .error()
                .ok()
                .flatten()
                .map(|e| format!("{}: {}", e.name(), e.message()))
                .unwrap_or_else(|| "refused".into());
            Err(IdbError::Unavailable(format!(
                "IndexedDB open failed ({why})"
            )))
        }
    }
}

/// A transaction over both stores. Writes ask for relaxed durability: the commit is
/// reported once the browser has handed the data to the operating system, which survives
/// a crashed or killed tab or browser; only a power cut can lose the last flushes, and
/// recovery cuts whatever that tears.
pub fn transaction(db: &IdbDatabase, write: bool) -> Result<IdbTransaction, IdbError> {
    let stores = Array::of2(&SEGMENTS.into(), &SLOTS.into());
    let mode = if write { "readwrite" } else { "readonly" };
    let options = js_sys::Object::new();
    if write {
        let _ = Reflect::set(&options, &"durability".into(), &"relaxed".into());
    }
    // Called through Reflect: the options overload is behind web-sys's unstable flag.
    let f: js_sys::Function = Reflect::get(db, &"transaction".into())
        .and_then(|f| f.dyn_into().map_err(JsValue::from))
        .map_err(|e| unavailable("transaction", &e))?;
    let tx = f
        .call3(db, &stores, &mode.into(), &options)
        .or_else(|_| {
            // Browsers without the options argument.
            let mode = if write {
                IdbTransactionMode::Readwrite
            } else {
                IdbTransactionMode::Readonly
            };
            db.transaction_with_str_sequence_and_mode(&stores, mode)
                .map(JsValue::from)
        })
        .map_err(|e| unavailable("transaction", &e))?;
    tx.dyn_into().map_err(|e| unavailable("transaction", &e))
}

/// Everything stored: segments in key order and the slots.
pub struct Loaded {
    /// (key, bytes) ascending.
    pub segments: Vec<(u64, Vec<u8>)>,
    /// Slots 0, 1 (checkpoints) and 2 (source file).
    pub slots: [Option<Vec<u8>>; SLOT_COUNT],
}

fn store(tx: &IdbTransaction, name: &str) -> Result<IdbObjectStore, IdbError> {
    tx.object_store(name)
        .map_err(|e| unavailable("object store", &e))
}

fn bytes_of(v: &JsValue) -> Option<Vec<u8>> {
    if v.is_undefined() || v.is_null() {
        return None;
    }
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        return Some(a.to_vec());
    }
    if let Some(b) = v.dyn_ref::<js_sys::ArrayBuffer>() {
        return Some(Uint8Array::new(b).to_vec());
    }
    None
}

/// Read the whole journal in one read-only transaction (two bulk reads and four gets).
pub async fn load(db: &IdbDatabase) -> Result<Loaded, IdbError> {
    let tx = transaction(db, false)?;
    let segs = store(&tx, SEGMENTS)?;
    let slots = store(&tx, SLOTS)?;
    let keys_req = segs.get_all_keys().map_err(|e| unavailable("read", &e))?;
    let vals_req = segs.get_all().map_err(|e| unavailable("read", &e))?;
    let s0 = slots
        .get(&JsValue::from(0))
        .map_err(|e| unavailable("read", &e))?;
    let s1 = slots
        .get(&JsValue::from(1))
        .map_err(|e| unavailable("read", &e))?;
    let s2 = slots
        .get(&JsValue::from(2))
        .map_err(|e| unavailable("read", &e))?;
    let s3 = slots
        .get(&JsValue::from(3))
        .map_err(|e| unavailable("read", &e))?;
    // Every request's result is ready once the transaction completes.
    committed(&tx).await.map_err(|_| transaction_error(&tx))?;
    let keys: Array = keys_req
        .result()
        .map_err(|e| unavailable("read", &e))?
        .unchecked_into();
    let vals: Array = vals_req
        .result()
        .map_err(|e| unavailable("read", &e))?
        .unchecked_into();
    let mut segments = Vec::with_capacity(keys.length() as usize);
    for i in 0..keys.length() {
        let key = keys.get(i).as_f64().unwrap_or(-1.0);
        // A key that is not a whole number was not written by this code: skip it, and
        // recovery treats the missing segment like any other hole.
        if !(key >= 1.0 && key.fract() == 0.0 && key < 9_007_199_254_740_992.0) {
            continue;
        }
        segments.push((key as u64, bytes_of(&vals.get(i)).unwrap_or_default()));
    }
    let slot = |r: &IdbRequest| r.result().ok().and_then(|v| bytes_of(&v));
    Ok(Loaded {
        segments,
        slots: [slot(&s0), slot(&s1), slot(&s2), slot(&s3)],
    })
}

/// One change to make on disk.
pub enum Write {
    /// Store these bytes under the segment key.
    Put(u64, Uint8Array),
    /// Remove the segment.
    Delete(u64),
    /// Replace a slot's bytes.
    Slot(usize, Uint8Array),
}

/// Issue every write in one read-write transaction and return it (the caller awaits
/// [`committed`]). With `abort` set the transaction is aborted after the writes are queued:
/// the simulated quota of the test switch fails exactly like a real one, all or nothing.
pub fn write_all(
    db: &IdbDatabase,
    writes: &[Write],
    abort: bool,
) -> Result<IdbTransaction, IdbError> {
    let tx = transaction(db, true)?;
    let segs = store(&tx, SEGMENTS)?;
    let slots = store(&tx, SLOTS)?;
    for w in writes {
        let r = match w {
            Write::Put(key, bytes) => segs.put_with_key(bytes, &JsValue::from(*key as f64)),
            Write::Delete(key) => segs.delete(&JsValue::from(*key as f64)),
            Write::Slot(slot, bytes) => slots.put_with_key(bytes, &JsValue::from(*slot as u32)),
        };
        if let Err(e) = r {
            let _ = tx.abort();
            return Err(unavailable("write", &e));
        }
    }
    if abort {
        let _ = tx.abort();
    }
    Ok(tx)
}

/// Delete the whole database (tests and benchmarks start clean with it).
pub async fn delete(name: &str) -> Result<(), IdbError> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or_else(|| IdbError::Unavailable("no IndexedDB".into()))?;
    let req = factory
        .delete_database(name)
        .map_err(|e| unavailable("delete", &e))?;
    request(&req).await.map_err(|e| unavailable("delete", &e))?;
    Ok(())
}

/// Stores `value` under `key` in the one-store database `db` (a small keyed record, such
/// as the Distribution page's last file); a full quota is [`IdbError::Quota`].
pub async fn put_value(
    db: &IdbDatabase,
    store_name: &str,
    key: &str,
    value: &JsValue,
) -> Result<(), IdbError> {
    let tx = db
        .transaction_with_str_and_mode(store_name, IdbTransactionMode::Readwrite)
        .map_err(|e| unavailable("transaction", &e))?;
    let done = committed(&tx);
    store(&tx, store_name)?
        .put_with_key(value, &key.into())
        .map_err(|e| unavailable("write", &e))?;
    done.await.map_err(|_| transaction_error(&tx))?;
    Ok(())
}

/// The value under `key` in `store_name`, or undefined.
pub async fn get_value(db: &IdbDatabase, store_name: &str, key: &str) -> Result<JsValue, IdbError> {
    let tx = db
        .transaction_with_str(store_name)
        .map_err(|e| unavailable("transaction", &e))?;
    let req = store(&tx, store_name)?
        .get(&key.into())
        .map_err(|e| unavailable("read", &e))?;
    request(&req).await.map_err(|e| unavailable("read", &e))?;
    req.result().map_err(|e| unavailable("read", &e))
}

/// Removes `key` from `store_name`.
pub async fn delete_value(db: &IdbDatabase, store_name: &str, key: &str) -> Result<(), IdbError> {
    let tx = db
        .transaction_with_str_and_mode(store_name, IdbTransactionMode::Readwrite)
        .map_err(|e| unavailable("transaction", &e))?;
    let done = committed(&tx);
    store(&tx, store_name)?
        .delete(&key.into())
        .map_err(|e| unavailable("delete", &e))?;
    done.await.map_err(|_| transaction_error(&tx))?;
    Ok(())
}
