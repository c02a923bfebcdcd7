//! Benchmark hooks for the journal in the browser, called through `window.wasmBindings` by
//! tests/bench/browser/journal.mjs: appends through the real service into IndexedDB, and
//! recovery of a stored journal into an engine. Not used by the page itself.

use js_sys::Float64Array;
use wasm_bindgen::prelude::*;

use crate::core::detect::DetectConfig;
use crate::core::errors::{Config, ErrorEngine};
use crate::core::event::Event;
use crate::core::forecast::Periods;
use crate::core::incident::{IncidentConfig, IncidentEngine};
use crate::core::journal::NameKind;
use crate::core::monitor::{judge, resume, Feed, Recovering, Settings, Snapshot};
use crate::core::simulator::SimConfig;
use crate::core::synth;
use crate::ui::journal::{delete_database, JournalService, Status};

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn fail(msg: impl std::fmt::Display) -> JsValue {
    JsError::new(&msg.to_string()).into()
}

/// Append `total` generated error events (one hour, 2 builds, 32 codes) into a fresh
/// journal in the IndexedDB database `db`, `batch` events per call, handing the main thread
/// back to the browser after every batch as a page's frame or tick would; the time runs
/// until the last event is on disk. Returns `[ms, events, flushes, bytes stored, slowest
/// append ms, performance.now() at the first append]` (the last so the caller can tell the
/// long tasks of the timed appends from those of the set-up: deleting the database, opening
/// the journal, generating the events).
#[wasm_bindgen(js_name = benchJournalAppend)]
pub async fn bench_journal_append(
    db: String,
    total: u32,
    batch: u32,
) -> Result<Float64Array, JsValue> {
    delete_database(&db).await.map_err(fail)?;
    let service = JournalService::open(&db).await;
    if let Status::MemoryOnly { reason } | Status::ReadOnly { reason } = service.status() {
        return Err(fail(format!("the journal is not durable: {reason}")));
    }
    let events: Vec<Event> = synth::error_events(u64::from(total), 3_600_000, 42)
        .into_iter()
        .map(Event::Error)
        .collect();
    service
        .name(NameKind::Build, 0, "5.0007.510.011")
        .map_err(fail)?;
    service
        .name(NameKind::Build, 1, "5.0007.610.011")
        .map_err(fail)?;
    for code in 0..32 {
        service
            .name(NameKind::Code, code, &format!("E{code:03}"))
            .map_err(fail)?;
    }
    let start = now_ms();
    let mut slowest: f64 = 0.0;
    for chunk in events.chunks(batch.max(1) as usize) {
        let t = now_ms();
        service.append(chunk).map_err(fail)?;
        slowest = slowest.max(now_ms() - t);
        gloo_timers::future::TimeoutFuture::new(0).await;
    }
    service.flush().await.map_err(fail)?;
    let ms = now_ms() - start;
    let stats = service.stats();
    let flushes = service.flushes();
    service.close().await;
    Ok(Float64Array::from(
        &[
            ms,
            stats.events as f64,
            flushes as f64,
            stats.bytes as f64,
            slowest,
            start,
        ][..],
    ))
}

/// Recover the journal in `db` as a page does on start: open (lock, load every segment from
/// IndexedDB, verify) and replay into an `ErrorEngine` through `restore`. Returns `[total
/// ms, connect ms, load ms, verify ms, restore ms, events recovered, events replayed,
/// checkpoint seq or -1]`.
#[wasm_bindgen(js_name = benchJournalRecover)]
pub async fn bench_journal_recover(db: String) -> Result<Float64Array, JsValue> {
    let start = now_ms();
    let service = JournalService::open(&db).await;
    let opened = now_ms();
    let engine = ErrorEngine::new(Config::new(0, 1, 10)).map_err(fail)?;
    let restored = service.restore(engine).map_err(fail)?;
    let done = now_ms();
    let t = service.timings();
    let out = [
        done - start,
        t.connect_ms,
        t.load_ms,
        t.verify_ms,
        done - opened,
        service.recovery().events as f64,
        restored.replayed as f64,
        restored.checkpoint_seq.map_or(-1.0, |s| s as f64),
    ];
    service.close().await;
    Ok(Float64Array::from(&out[..]))
}

/// Checkpoint the journal in `db` at its last record with the engine restored from it, so
/// the next recovery replays nothing. Returns `[ms, checkpoint seq]`.
#[wasm_bindgen(js_name = benchJournalCheckpoint)]
pub async fn bench_journal_checkpoint(db: String) -> Result<Float64Array, JsValue> {
    let service = JournalService::open(&db).await;
    let engine = ErrorEngine::new(Config::new(0, 1, 10)).map_err(fail)?;
    let restored = service.restore(engine).map_err(fail)?;
    let start = now_ms();
    service
        .checkpoint(restored.last_seq, &restored.engine)
        .map_err(fail)?;
    service.flush().await.map_err(fail)?;
    let ms = now_ms() - start;
    service.close().await;
    Ok(Float64Array::from(&[ms, restored.last_seq as f64][..]))
}

/// The Monitor's fold as the bench runs it: the default simulator, default detectors.
fn monitor_fresh() -> Result<(Feed, IncidentEngine), JsValue> {
    let config = SimConfig::default();
    let names: Vec<String> = config.metrics.iter().map(|m| m.name.clone()).collect();
    let feed = Feed::new(config, 7, &DetectConfig::default(), 30_000).map_err(fail)?;
    let book = IncidentEngine::new(IncidentConfig::default(), names).map_err(fail)?;
    Ok((feed, book))
}

/// Run the Monitor on `total` events of the default simulator (its two metrics, from
/// stream time 0), journaling each batch of 10,000 into a fresh database `db` before
/// judging it as the page does, with a checkpoint of the Monitor's state every
/// `checkpoint_every` events (0: none, so recovery must replay everything); returns
/// `[ms until on disk, events, checkpoints, ms spent checkpointing, bytes of the last
/// checkpoint's state]`.
#[wasm_bindgen(js_name = benchMonitorFill)]
pub async fn bench_monitor_fill(
    db: String,
    total: u32,
    checkpoint_every: u32,
) -> Result<Float64Array, JsValue> {
    delete_database(&db).await.map_err(fail)?;
    let service = JournalService::open(&db).await;
    if let Status::MemoryOnly { reason } | Status::ReadOnly { reason } = service.status() {
        return Err(fail(format!("the journal is not durable: {reason}")));
    }
    let config = SimConfig::default();
    for (id, m) in config.metrics.iter().enumerate() {
        service
            .name(NameKind::Series, id as u32, &m.name)
            .map_err(fail)?;
    }
    let settings = Settings {
        config: config.clone(),
        train_ms: DetectConfig::default().train_ms,
        level: 0.95,
        periods: Periods::Auto,
        eval_ms: 30_000,
        file: None,
        detectors: Vec::new(),
        rules: Default::default(),
        live: None,
        feed: None,
    };
    let tick = config.tick_ms;
    let series = config.metrics.len() as i64;
    let (mut feed, mut book) = monitor_fresh()?;
    let start = now_ms();
    let mut events = Vec::new();
    let mut at = 0i64;
    let last = (i64::from(total) / series - 1) * tick;
    // The first checkpoint comes 10,000 events in, then one every `checkpoint_every`: the
    // newest is then 90% of an interval back at a round total, near the page's worst case.
    let mut since = u64::from(checkpoint_every).saturating_sub(10_000);
    let (mut judged, mut checkpoints, mut checkpoint_ms, mut state_bytes) = (0u64, 0u32, 0.0, 0);
    while at <= last {
        let to = (at + 5_000 * tick - tick).min(last);
        events.clear();
        feed.pull(to, &mut events);
        let seq = service.append(&events).map_err(fail)?;
        judge(&mut feed, &mut book, &events, to);
        judged += events.len() as u64;
        since += events.len() as u64;
        if checkpoint_every > 0 && since >= u64::from(checkpoint_every) {
            since = 0;
            checkpoints += 1;
            let state = Recovering {
                snapshot: Some(Box::new(Snapshot {
                    settings: settings.clone(),
                    feed: feed.clone(),
                    incidents: book.clone(),
                    injections: Vec::new(),
                    injected: Vec::new(),
                    position_ms: to,
                    events: judged,
                    alerting: crate::core::rules::Alerting::new(Vec::new()),
                })),
                events: Vec::new(),
            };
            let t0 = now_ms();
            service.checkpoint(seq, &state).map_err(fail)?;
            checkpoint_ms += now_ms() - t0;
            state_bytes = postcard::to_allocvec(&state).map_or(0, |b| b.len());
        }
        gloo_timers::future::TimeoutFuture::new(0).await;
        at = to + tick;
    }
    service.flush().await.map_err(fail)?;
    let ms = now_ms() - start;
    let stored = service.stats().events as f64;
    service.close().await;
    Ok(Float64Array::from(
        &[
            ms,
            stored,
            f64::from(checkpoints),
            checkpoint_ms,
            state_bytes as f64,
        ][..],
    ))
}

/// Recover the Monitor's journal in `db` as the page does on start: open (lock, load,
/// verify), restore the newest checkpoint and collect the events after it, judge those and
/// move the simulator past them (`core::monitor`, the page's own fold). Returns `[total
/// ms, open ms, restore ms, replay ms, events the state includes, anomalies, events
/// replayed]`.
#[wasm_bindgen(js_name = benchMonitorRecover)]
pub async fn bench_monitor_recover(db: String) -> Result<Float64Array, JsValue> {
    let start = now_ms();
    let service = JournalService::open(&db).await;
    let opened = now_ms();
    let restored = service.restore(Recovering::default()).map_err(fail)?.engine;
    let (mut feed, mut book, position, covered) = match restored.snapshot {
        Some(s) => (s.feed, s.incidents, s.position_ms, s.events),
        None => {
            let (f, b) = monitor_fresh()?;
            (f, b, 0, 0)
        }
    };
    let tail = restored.events;
    let collected = now_ms();
    let until = tail.last().map_or(position, |e| e.t_ms());
    judge(&mut feed, &mut book, &tail, until);
    let (reached, rest) = resume(&mut feed, &tail, position);
    judge(&mut feed, &mut book, &rest, reached);
    let done = now_ms();
    let anomalies: u64 = feed.tracks.iter().map(|t| t.total_anomalies).sum();
    service.close().await;
    Ok(Float64Array::from(
        &[
            done - start,
            opened - start,
            collected - opened,
            done - collected,
            (covered + tail.len() as u64) as f64,
            anomalies as f64,
            tail.len() as f64,
        ][..],
    ))
}
