//! `JournalService`: the journal as the pages use it. Opening never fails (it falls back to
//! memory with a reason); appends are synchronous and schedule a flush; a signal carries
//! the figures and the status to the Journal panel, at most every [`PUBLISH_MS`].

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise, Uint8Array};
use leptos::prelude::*;
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::IdbDatabase;

use super::fault::{self, Fault};
use super::idb::{self, IdbError, Write};
use super::lock::{self, Hold, Writer};
use super::mirror::MirrorStore;
use crate::core::event::Event;
use crate::core::journal::export::{self, Format};
use crate::core::journal::{
    decode_player, decode_source, encode_player, encode_source, Catalog, Compaction, Engine,
    Journal, JournalError, JournalStore, NameKind, PlayerState, Recovery, Restored, Retention,
    SourceFile, Stats, StoreError, PLAYER_SLOT, SOURCE_SLOT,
};

/// Shortest gap between two updates of the panel's signal: appends come many times a
/// second, and the panel only needs to look alive.
pub const PUBLISH_MS: f64 = 250.0;

/// Whether events reach the disk, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Status {
    /// Every flushed event is in IndexedDB.
    Durable,
    /// Storage failed or is off: the stream runs in memory and a reload loses it.
    MemoryOnly {
        /// Why, in words for the banner.
        reason: String,
    },
    /// Another tab writes this journal: this one shows what was stored when it opened.
    ReadOnly {
        /// Why, in words for the banner.
        reason: String,
    },
}

impl Status {
    /// Whether flushed events survive a reload.
    pub fn is_durable(&self) -> bool {
        matches!(self, Status::Durable)
    }

    /// Whether this tab may append (it is not another tab's reader).
    pub fn is_writable(&self) -> bool {
        !matches!(self, Status::ReadOnly { .. })
    }
}

/// Wall-clock milliseconds the start-up took (what recovery costs a user).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct OpenTimings {
    /// Taking the writer's lock and opening IndexedDB.
    pub connect_ms: f64,
    /// Reading every segment and slot out of IndexedDB into memory.
    pub load_ms: f64,
    /// `Journal::open`: checksums, sequence checks, repair.
    pub verify_ms: f64,
}

/// What the Journal panel shows; published through [`JournalService::view`].
#[derive(Debug, Clone, PartialEq)]
pub struct JournalView {
    /// Figures of the stored journal.
    pub stats: Stats,
    /// Durable, memory-only or read-only.
    pub status: Status,
    /// Bytes journaled in memory and not yet on disk.
    pub unflushed_bytes: u64,
    /// What opening found: "recovered 48,210 events ...".
    pub recovery: String,
    /// Whether opening found anything wrong (dropped records, damaged slots).
    pub recovery_clean: bool,
    /// The retention in force.
    pub retention: Retention,
    /// Whether the journal is over a retention cap that only a newer checkpoint can free.
    pub over_cap: bool,
    /// A read-only tab whose writing tab has since closed: reloading makes this one write.
    pub writer_closed: bool,
}

struct Inner {
    journal: Journal<MirrorStore>,
    status: Status,
    db: Option<IdbDatabase>,
    quota: Option<u64>,
    flushing: bool,
    waiters: Vec<Function>,
    retention: Retention,
    over_cap: bool,
    /// This tab's place as the journal's writer, while it has one.
    hold: Option<Hold>,
    flushes: u64,
    last_publish: f64,
    publish_pending: bool,
    writer_closed: bool,
    /// Last sequence number known to be on disk.
    durable_seq: u64,
    /// Bumped by `clear`: a flush begun before it must not mark the new records durable.
    epoch: u64,
    /// Called after each flush commits and when durability is lost.
    listeners: Vec<Rc<dyn Fn()>>,
}

impl Inner {
    /// Storage is out of reach from now on: stop queueing writes and say why. The disk
    /// keeps the journal as of the last good flush (a failed transaction aborts whole).
    fn memory_only(&mut self, reason: String) {
        if let Some(db) = self.db.take() {
            db.close();
        }
        self.journal.store_mut().stop_tracking();
        self.status = Status::MemoryOnly { reason };
    }

    fn view(&self, recovery: &Recovery) -> JournalView {
        JournalView {
            stats: self.journal.stats(),
            status: self.status.clone(),
            unflushed_bytes: self.journal.store().outbox_bytes(),
            recovery: recovery.summary(),
            recovery_clean: recovery.is_clean(),
            retention: self.retention,
            over_cap: self.over_cap,
            writer_closed: self.writer_closed,
        }
    }
}

/// The write-ahead journal of one page session over IndexedDB. Cheap to clone (shared
/// state); hold it in a `StoredValue::new_local` to reach it from components.
#[derive(Clone)]
pub struct JournalService {
    inner: Rc<RefCell<Inner>>,
    recovery: Rc<Recovery>,
    timings: OpenTimings,
    db_name: Rc<str>,
    view: RwSignal<JournalView>,
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn retention_key(db_name: &str) -> String {
    format!("pipescope.journal.{db_name}.retention")
}

/// Retention until the user sets one: storage stays bounded (about 2.7 million metric
/// events), older history compacted into the checkpoint.
pub const DEFAULT_RETENTION: Retention = Retention {
    max_age_ms: None,
    max_bytes: Some(100_000_000),
};

/// Retention as stored in localStorage: `max_age_ms,max_bytes`, empty for no cap;
/// [`DEFAULT_RETENTION`] when never set.
fn load_retention(db_name: &str) -> Retention {
    let Some(text) = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(&retention_key(db_name)).ok().flatten())
    else {
        return DEFAULT_RETENTION;
    };
    let mut parts = text.split(',').map(|p| p.trim().parse::<u64>().ok());
    Retention {
        max_age_ms: parts
            .next()
            .flatten()
            .map(|v| v.min(i64::MAX as u64) as i64),
        max_bytes: parts.next().flatten(),
    }
}

fn save_retention(db_name: &str, r: Retention) {
    let text = format!(
        "{},{}",
        r.max_age_ms.map(|v| v.to_string()).unwrap_or_default(),
        r.max_bytes.map(|v| v.to_string()).unwrap_or_default()
    );
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(&retention_key(db_name), &text);
    }
}

const READ_ONLY: &str = "another pipescope tab is writing this journal. This tab shows what \
    was stored when it opened and can export it; nothing it does is stored. Close the other \
    tab and reload to write here.";

const WRITER_LOST: &str = "another pipescope tab took over writing this journal while this tab \
    was paused for longer than its claim to write lasts, so this tab has stopped writing to \
    keep the two from overwriting each other. What it records from now on stays in memory. \
    Close the other tab and reload to write here.";

const WRITER_CLOSED: &str = "the tab that was writing this journal has closed. Reload this \
    tab to go on with the stored stream here and write to it.";

impl JournalService {
    /// Open the journal stored in the IndexedDB database `db_name`: take the writer's lock,
    /// load everything, verify and repair it. Never fails: without storage (unavailable,
    /// switched off, another tab writing) the journal runs in memory and [`Self::status`]
    /// says why.
    pub async fn open(db_name: &str) -> JournalService {
        let t0 = now_ms();
        let fault = fault::read();
        let mut hold = None;
        let mut loaded = idb::Loaded {
            segments: Vec::new(),
            slots: Default::default(),
        };
        let mut db = None;
        let mut t_connected = t0;
        let status = if fault == Fault::Off {
            Status::MemoryOnly {
                reason: "storage is switched off for this page (journal=off); the stream runs \
                         in memory only"
                    .into(),
            }
        } else {
            let writer = lock::acquire(&format!("pipescope-journal:{db_name}")).await;
            let reader = matches!(writer, Writer::Taken);
            if let Writer::Granted(h) = writer {
                hold = Some(h);
            }
            let opened = idb::open(db_name).await;
            t_connected = now_ms();
            match opened {
                Err(e) => Status::MemoryOnly {
                    reason: format!("{e}; the stream runs in memory only"),
                },
                Ok(d) => match idb::load(&d).await {
                    Err(e) => {
                        d.close();
                        Status::MemoryOnly {
                            reason: format!("{e}; the stream runs in memory only"),
                        }
                    }
                    Ok(l) => {
                        loaded = l;
                        if reader {
                            d.close();
                            Status::ReadOnly {
                                reason: READ_ONLY.into(),
                            }
                        } else {
                            db = Some(d);
                            Status::Durable
                        }
                    }
                },
            }
        };
        let t_loaded = now_ms();
        let mirror = MirrorStore::new(loaded.segments, loaded.slots, status.is_durable());
        let (journal, recovery, status) = match Journal::open(mirror) {
            Ok((j, r)) => (j, r, status),
            // The mirror never fails, so this is unreachable; stay useful regardless.
            Err(e) => match Journal::open(MirrorStore::default()) {
                Ok((j, r)) => (
                    j,
                    r,
                    Status::MemoryOnly {
                        reason: format!("the stored journal could not be opened ({e})"),
                    },
                ),
                Err(_) => unreachable!("an empty in-memory journal always opens"),
            },
        };
        let t_verified = now_ms();
        let timings = OpenTimings {
            connect_ms: t_connected - t0,
            load_ms: t_loaded - t_connected,
            verify_ms: t_verified - t_loaded,
        };
        let retention = load_retention(db_name);
        let inner = Inner {
            journal,
            status,
            db,
            quota: match fault {
                Fault::Quota(q) => Some(q),
                _ => None,
            },
            flushing: false,
            waiters: Vec::new(),
            retention,
            over_cap: false,
            hold,
            flushes: 0,
            last_publish: t_verified,
            publish_pending: false,
            writer_closed: false,
            durable_seq: 0,
            epoch: 0,
            listeners: Vec::new(),
        };
        let mut inner = inner;
        inner.durable_seq = inner.journal.last_seq();
        let view = inner.view(&recovery);
        let service = JournalService {
            inner: Rc::new(RefCell::new(inner)),
            recovery: Rc::new(recovery),
            timings,
            db_name: db_name.into(),
            view: RwSignal::new(view),
        };
        // Repairs made while opening go to disk too.
        service.schedule_flush();
        if matches!(service.status(), Status::ReadOnly { .. }) {
            service.watch_writer();
        }
        let hold = service.inner.borrow().hold.clone();
        if let Some(hold) = hold {
            // Weak: the hold lives in `inner`, and must not keep it alive.
            let weak = Rc::downgrade(&service.inner);
            let parts = (
                service.recovery.clone(),
                service.timings,
                service.db_name.clone(),
                service.view,
            );
            hold.on_lost(move || {
                if let Some(inner) = weak.upgrade() {
                    let (recovery, timings, db_name, view) = parts.clone();
                    JournalService {
                        inner,
                        recovery,
                        timings,
                        db_name,
                        view,
                    }
                    .writer_lost();
                }
            });
        }
        service
    }

    /// Once the tab that writes has gone, say so: reloading makes this one the writer.
    fn watch_writer(&self) {
        let s = self.clone();
        let lock_name = format!("pipescope-journal:{}", self.db_name);
        leptos::task::spawn_local(async move {
            if lock::wait_free(&lock_name).await {
                s.inner.borrow_mut().status = Status::ReadOnly {
                    reason: WRITER_CLOSED.into(),
                };
                s.inner.borrow_mut().writer_closed = true;
                s.publish();
            }
        });
    }

    /// Another tab took the writer's place while this one was frozen: stop writing at
    /// once (its copy of the journal is stale, and a write would destroy the other's),
    /// and go on as that tab's reader.
    fn writer_lost(&self) {
        {
            let mut inner = self.inner.borrow_mut();
            if let Some(hold) = inner.hold.take() {
                hold.release();
            }
            if !inner.status.is_durable() {
                return;
            }
            if let Some(db) = inner.db.take() {
                db.close();
            }
            inner.journal.store_mut().stop_tracking();
            inner.status = Status::ReadOnly {
                reason: WRITER_LOST.into(),
            };
        }
        self.notify_durable();
        self.publish();
        self.watch_writer();
    }

    /// What opening found: events recovered, records dropped and why.
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    /// How long opening took, phase by phase.
    pub fn timings(&self) -> OpenTimings {
        self.timings
    }

    /// The IndexedDB database name.
    pub fn db_name(&self) -> &str {
        &self.db_name
    }

    /// The panel's figures, updated at most every [`PUBLISH_MS`] while events flow.
    pub fn view(&self) -> ReadSignal<JournalView> {
        self.view.read_only()
    }

    /// Rebuild an engine: the newest checkpoint, then every journaled event after it.
    pub fn restore<E: Engine>(&self, fresh: E) -> Result<Restored<E>, JournalError> {
        self.inner.borrow().journal.restore(fresh)
    }

    /// Rebuild an engine from every journaled event, without the checkpoint (one this
    /// version cannot read); None when compaction dropped the start.
    pub fn restore_from_start<E: Engine>(
        &self,
        fresh: E,
    ) -> Result<Option<Restored<E>>, JournalError> {
        self.inner.borrow().journal.restore_from_start(fresh)
    }

    /// Name an id; journaled before the next appended batch.
    pub fn name(&self, kind: NameKind, id: u32, name: &str) -> Result<(), JournalError> {
        self.inner.borrow_mut().journal.name(kind, id, name)
    }

    /// Journal a batch (call it before applying the events) and schedule its flush to disk
    /// at the end of the current task. Returns the last sequence number journaled.
    pub fn append(&self, events: &[Event]) -> Result<u64, JournalError> {
        let seq = self.inner.borrow_mut().journal.append(events)?;
        self.schedule_flush();
        self.touch();
        Ok(seq)
    }

    /// Checkpoint `engine` (its state after every record up to `seq`), then compact with the
    /// retention in force.
    pub fn checkpoint<E: Serialize>(
        &self,
        seq: u64,
        engine: &E,
    ) -> Result<Compaction, JournalError> {
        let done = {
            let mut inner = self.inner.borrow_mut();
            inner.journal.checkpoint(seq, engine)?;
            let retention = inner.retention;
            let done = inner.journal.compact(retention)?;
            inner.over_cap = done.over_cap;
            done
        };
        self.schedule_flush();
        self.touch();
        Ok(done)
    }

    /// Compact now with `retention` (without changing the one in force).
    pub fn compact(&self, retention: Retention) -> Result<Compaction, JournalError> {
        let done = {
            let mut inner = self.inner.borrow_mut();
            let done = inner.journal.compact(retention)?;
            inner.over_cap = done.over_cap;
            done
        };
        self.schedule_flush();
        self.publish();
        Ok(done)
    }

    /// The retention applied after every checkpoint.
    pub fn retention(&self) -> Retention {
        self.inner.borrow().retention
    }

    /// Set (and remember in this browser) the retention, and compact with it at once.
    pub fn set_retention(&self, retention: Retention) -> Result<Compaction, JournalError> {
        self.inner.borrow_mut().retention = retention;
        save_retention(&self.db_name, retention);
        self.compact(retention)
    }

    /// Figures of the stored journal.
    pub fn stats(&self) -> Stats {
        self.inner.borrow().journal.stats()
    }

    /// Durable, memory-only or read-only.
    pub fn status(&self) -> Status {
        self.inner.borrow().status.clone()
    }

    /// Last sequence number on disk: records up to it survive a crash. When the journal is
    /// not durable (memory-only, read-only) nothing more will reach the disk, so it is the
    /// last journaled one and nobody waits.
    pub fn durable_seq(&self) -> u64 {
        let inner = self.inner.borrow();
        match inner.status {
            Status::Durable => inner.durable_seq,
            _ => inner.journal.last_seq(),
        }
    }

    /// Call `f` after each flush commits (and when durability is lost): records waiting for
    /// the disk before being applied can be applied then ([`Self::durable_seq`]).
    pub fn on_durable(&self, f: impl Fn() + 'static) {
        self.inner.borrow_mut().listeners.push(Rc::new(f));
    }

    fn notify_durable(&self) {
        let listeners = self.inner.borrow().listeners.clone();
        for f in listeners {
            f();
        }
    }

    /// Last sequence number journaled (or covered by the checkpoint).
    pub fn last_seq(&self) -> u64 {
        self.inner.borrow().journal.last_seq()
    }

    /// Names journaled so far.
    pub fn catalog(&self) -> Catalog {
        self.inner.borrow().journal.catalog().clone()
    }

    /// Flushes committed since opening.
    pub fn flushes(&self) -> u64 {
        self.inner.borrow().flushes
    }

    /// The stored events (those still in the journal, so after retention), oldest first.
    pub fn events(&self) -> Result<Vec<Event>, JournalError> {
        let inner = self.inner.borrow();
        let entries = inner.journal.records_after(0)?;
        Ok(entries
            .into_iter()
            .filter_map(|e| match e.record {
                crate::core::journal::Record::Event(e) => Some(e),
                crate::core::journal::Record::Name(_) => None,
            })
            .collect())
    }

    /// The stored events (those still in the journal, so after retention) as a file.
    pub fn export(&self, format: Format) -> Result<Vec<u8>, JournalError> {
        let inner = self.inner.borrow();
        let entries = inner.journal.records_after(0)?;
        let mut out = Vec::new();
        export::export(&entries, inner.journal.catalog(), format, &mut out).map_err(|e| {
            JournalError::Store(StoreError::Unavailable(format!("export failed: {e}")))
        })?;
        Ok(out)
    }

    /// Remember the file the stream replays (None: the stream has no file), so a
    /// recovered replay can go on; on disk with the next flush, before the events after it.
    pub fn set_source(&self, source: Option<&SourceFile>) -> Result<(), JournalError> {
        let bytes = source.map(encode_source).unwrap_or_default();
        self.inner
            .borrow_mut()
            .journal
            .store_mut()
            .write_slot(SOURCE_SLOT, &bytes)?;
        self.schedule_flush();
        self.touch();
        Ok(())
    }

    /// The file the stored stream replays: None when there is none, Err when the stored
    /// copy is damaged (with the reason).
    pub fn source(&self) -> Option<Result<SourceFile, String>> {
        let inner = self.inner.borrow();
        let bytes = inner.journal.store().slot(SOURCE_SLOT)?;
        if bytes.is_empty() {
            return None;
        }
        Some(
            decode_source(bytes)
                .map_err(|d| format!("the stored copy of the replayed file is damaged ({d:?})")),
        )
    }

    /// Remember how the player runs (speed, running), so a recovered stream comes back at
    /// that speed; on disk with the next flush. Kept across [`Self::clear`]: the speed is
    /// the user's, not the stream's.
    pub fn set_player(&self, state: &PlayerState) -> Result<(), JournalError> {
        self.inner
            .borrow_mut()
            .journal
            .store_mut()
            .write_slot(PLAYER_SLOT, &encode_player(state))?;
        self.schedule_flush();
        Ok(())
    }

    /// How the player ran when last changed: None when never stored (or stored by a page
    /// older than the slot) or damaged (a torn write: the default speed is used then).
    pub fn player(&self) -> Option<PlayerState> {
        let inner = self.inner.borrow();
        decode_player(inner.journal.store().slot(PLAYER_SLOT)?).ok()
    }

    /// Remove every event, checkpoint and the source file; the next append starts again
    /// at record 1.
    pub fn clear(&self) -> Result<(), JournalError> {
        self.inner.borrow_mut().journal.clear()?;
        {
            let mut inner = self.inner.borrow_mut();
            inner.epoch += 1;
            inner.durable_seq = 0;
        }
        self.inner
            .borrow_mut()
            .journal
            .store_mut()
            .write_slot(SOURCE_SLOT, &[])?;
        self.inner.borrow_mut().over_cap = false;
        self.schedule_flush();
        self.publish();
        Ok(())
    }

    /// Wait until everything journaled so far is on disk. Err with the reason when the
    /// journal is not durable (nothing reaches the disk then).
    pub async fn flush(&self) -> Result<(), String> {
        self.schedule_flush();
        let waiting = {
            let mut inner = self.inner.borrow_mut();
            if inner.flushing {
                let mut slot = None;
                let p = Promise::new(&mut |resolve, _| slot = Some(resolve));
                inner.waiters.extend(slot);
                Some(p)
            } else {
                None
            }
        };
        if let Some(p) = waiting {
            let _ = JsFuture::from(p).await;
        }
        match self.status() {
            Status::Durable => Ok(()),
            Status::MemoryOnly { reason } | Status::ReadOnly { reason } => Err(reason),
        }
    }

    /// Flush, then let go of the database and the writer's lock (another tab may write).
    pub async fn close(self) {
        let _ = self.flush().await;
        let mut inner = self.inner.borrow_mut();
        if let Some(db) = inner.db.take() {
            db.close();
        }
        inner.journal.store_mut().stop_tracking();
        if let Some(hold) = inner.hold.take() {
            hold.release();
        }
    }

    /// Start the flusher unless it runs or has nothing to do. It runs at the end of the
    /// current task, so every append of one frame or tick goes into one transaction, and
    /// while a transaction is in flight the next batch gathers behind it.
    fn schedule_flush(&self) {
        {
            let mut inner = self.inner.borrow_mut();
            if inner.flushing || inner.db.is_none() || !inner.journal.store().has_outbox() {
                return;
            }
            inner.flushing = true;
        }
        let this = self.clone();
        leptos::task::spawn_local(async move { this.flush_loop().await });
    }

    async fn flush_loop(&self) {
        loop {
            let hold = self.inner.borrow().hold.clone();
            // A tab that lost its place learns it here, before the write and not after;
            // `writer_lost` has then closed the database.
            if let Some(hold) = hold {
                if !hold.confirm().await {
                    break;
                }
            }
            let step = {
                let mut inner = self.inner.borrow_mut();
                let Some(db) = inner.db.clone() else { break };
                let mirror = inner.journal.store_mut();
                if !mirror.has_outbox() {
                    break;
                }
                let outbox = mirror.take_outbox();
                let upto = (inner.journal.last_seq(), inner.epoch);
                let mirror = inner.journal.store_mut();
                let writes: Vec<Write> = outbox
                    .segments
                    .iter()
                    .map(|&k| match mirror.segment(k) {
                        Some(bytes) => Write::Put(k, Uint8Array::from(bytes)),
                        None => Write::Delete(k),
                    })
                    .chain(outbox.slots.iter().map(|&s| {
                        Write::Slot(s, Uint8Array::from(mirror.slot(s).unwrap_or_default()))
                    }))
                    .collect();
                let held = mirror.bytes();
                let needed: u64 = writes
                    .iter()
                    .map(|w| match w {
                        Write::Put(_, b) | Write::Slot(_, b) => u64::from(b.length()),
                        Write::Delete(_) => 0,
                    })
                    .sum();
                // The test switch's quota: the transaction is queued and then aborted, the
                // same all-or-nothing path a real QuotaExceededError takes.
                let simulated = inner
                    .quota
                    .filter(|&q| held > q)
                    .map(|limit| StoreError::QuotaExceeded { needed, limit }.to_string());
                match idb::write_all(&db, &writes, simulated.is_some()) {
                    Ok(tx) => Some((tx, simulated, upto)),
                    Err(e) => {
                        inner.memory_only(format!("{e}; the stream runs in memory only"));
                        None
                    }
                }
            };
            let Some((tx, simulated, (upto, epoch))) = step else {
                break;
            };
            let result = idb::committed(&tx).await;
            let mut inner = self.inner.borrow_mut();
            match result {
                Ok(_) => {
                    inner.flushes += 1;
                    if inner.epoch == epoch {
                        inner.durable_seq = inner.durable_seq.max(upto);
                    }
                    drop(inner);
                    self.notify_durable();
                }
                Err(_) => {
                    let reason = match simulated {
                        Some(r) => r,
                        None => match idb::transaction_error(&tx) {
                            IdbError::Quota(m) | IdbError::Unavailable(m) => m,
                        },
                    };
                    inner.memory_only(format!(
                        "{reason}. Durability is off: the stream keeps running in memory; \
                         what was stored before is intact"
                    ));
                    break;
                }
            }
        }
        let (waiters, lost) = {
            let mut inner = self.inner.borrow_mut();
            inner.flushing = false;
            (
                std::mem::take(&mut inner.waiters),
                !matches!(inner.status, Status::Durable),
            )
        };
        for w in waiters {
            let _ = w.call0(&JsValue::NULL);
        }
        if lost {
            // Nothing waits for a disk that is gone.
            self.notify_durable();
        }
        self.touch();
    }

    /// Publish now if the last update is older than [`PUBLISH_MS`], else once it is.
    fn touch(&self) {
        let wait = {
            let mut inner = self.inner.borrow_mut();
            if inner.publish_pending {
                return;
            }
            let since = now_ms() - inner.last_publish;
            if since < PUBLISH_MS {
                inner.publish_pending = true;
                Some(PUBLISH_MS - since)
            } else {
                None
            }
        };
        match wait {
            None => self.publish(),
            Some(ms) => {
                let this = self.clone();
                gloo_timers::callback::Timeout::new(ms.ceil() as u32, move || {
                    this.inner.borrow_mut().publish_pending = false;
                    this.publish();
                })
                .forget();
            }
        }
    }

    /// Publish the figures now.
    fn publish(&self) {
        let view = {
            let mut inner = self.inner.borrow_mut();
            inner.last_publish = now_ms();
            inner.view(&self.recovery)
        };
        // The signal may outlive the owner that made it; then there is nobody to tell.
        let _ = self.view.try_set(view);
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            db.close();
        }
        if let Some(hold) = self.hold.take() {
            hold.release();
        }
    }
}

/// Remove a journal database entirely (benchmarks and tests start from nothing).
pub async fn delete_database(db_name: &str) -> Result<(), String> {
    idb::delete(db_name).await.map_err(|e| e.to_string())
}

impl JournalView {
    /// The view of a journal that has not opened yet.
    pub fn opening() -> Self {
        JournalView {
            stats: Stats {
                records: 0,
                events: 0,
                segments: 0,
                bytes: 0,
                first_seq: 0,
                last_seq: 0,
                oldest_t_ms: None,
                newest_t_ms: None,
                checkpoint_seq: None,
            },
            status: Status::Durable,
            unflushed_bytes: 0,
            recovery: String::new(),
            recovery_clean: true,
            retention: Retention::default(),
            over_cap: false,
            writer_closed: false,
        }
    }
}
