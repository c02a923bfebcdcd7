//! The Errors workspace's journal, natively: a real error stream replayed the way the page
//! does it (each tick journals its events before the engine applies them, a checkpoint of
//! the page snapshot at the start and now and then), crashed at random byte offsets of the
//! store (torn segments and torn checkpoints), reopened and resumed. The recovered state
//! must equal a run that was only seeked to the same stream time, and playing on to the end
//! must equal a run that never stopped. With a disk that lags the journal, the page applies
//! only what is on disk (the page's own write-ahead queue), so a crash never brings back
//! less than the page showed.

use pipescope::core::errors::heatmap::HeatMode;
use pipescope::core::errors::snapshot::{ErrorsSnapshot, ResumeError};
use pipescope::core::errors::{
    read_path, Alert, Bin, Config, ErrorEngine, ErrorStream, ReadOptions,
};
use pipescope::core::event::{ErrorEvent, Event};
use pipescope::core::journal::{Journal, JournalError, MemStore, NameKind};
use pipescope::core::rng::SplitMix64;
use pipescope::core::stream::Speed;

// The write-ahead queue the pages use (core::journal::ahead).
use pipescope::core::journal::ahead::WriteAhead;

const SET_A: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/ErrorStreamSetA.csv"
);

/// The file read with options a user could have picked (all roles pinned, builds named),
/// so the test also checks that they survive the checkpoint.
fn options() -> ReadOptions {
    ReadOptions {
        has_header: Some(false),
        time: Some(0),
        build: Some(1),
        code: Some(2),
        baseline: Some("5.0007.510.011".into()),
        candidate: Some("5.0007.610.011".into()),
        // The file has no quotes, so this reads it the same; it must survive too.
        literal_quotes_from: Some(14_001),
    }
}

fn stream() -> ErrorStream {
    read_path(std::path::Path::new(SET_A), &options()).expect("ErrorStreamSetA.csv reads")
}

fn config(s: &ErrorStream) -> Config {
    Config::new(s.baseline, s.candidate, 5)
}

/// The page's replay loop over a journal, as `ErrState::apply_until` runs it.
struct Page<'a> {
    events: &'a [ErrorEvent],
    journal: Journal<MemStore>,
    snap: ErrorsSnapshot,
    cursor: usize,
    ticks: u32,
}

impl<'a> Page<'a> {
    /// A stream starts: journal cleared, names journaled, checkpoint before any event.
    fn start(s: &'a ErrorStream, store: MemStore) -> Result<Self, JournalError> {
        let (mut journal, _) = Journal::open(store)?;
        journal.clear()?;
        for (id, b) in s.builds.iter().enumerate() {
            journal.name(NameKind::Build, id as u32, b)?;
        }
        for (id, c) in s.codes.iter().enumerate() {
            journal.name(NameKind::Code, id as u32, c)?;
        }
        journal.append(&[])?;
        let engine = ErrorEngine::new(config(s)).expect("valid config");
        let snap = ErrorsSnapshot::new(
            engine,
            &options(),
            HeatMode::Ratio,
            Speed::Max,
            s.events[0].t_ms,
        );
        journal.checkpoint(journal.last_seq(), &snap)?;
        Ok(Page {
            events: &s.events,
            journal,
            snap,
            cursor: 0,
            ticks: 0,
        })
    }

    fn end_ms(&self) -> i64 {
        self.events.last().map_or(0, |e| e.t_ms)
    }

    fn at_end(&self) -> bool {
        self.snap.position_ms >= self.end_ms()
    }

    /// One timer tick moving the clock to `to`: journal first, then apply.
    fn tick(&mut self, to: i64) -> Result<(), JournalError> {
        let to = to.min(self.end_ms());
        let rest = &self.events[self.cursor..];
        let n = rest.partition_point(|e| e.t_ms <= to);
        let batch: Vec<Event> = rest[..n].iter().map(|&e| Event::Error(e)).collect();
        self.journal.append(&batch)?;
        for &e in &rest[..n] {
            self.snap.push(e);
        }
        self.cursor += n;
        self.snap.position_ms = to;
        if self.cursor < self.events.len() {
            self.snap.engine.advance_to(to);
        } else if self.at_end() {
            self.snap.engine.finish();
        }
        self.ticks += 1;
        if self.ticks % 7 == 0 {
            self.journal
                .checkpoint(self.journal.last_seq(), &self.snap)?;
        }
        Ok(())
    }

    /// Ticks of random length (up to `max_step_ms`) until the end or the first failure.
    fn play(&mut self, rng: &mut SplitMix64, max_step_ms: u64) -> Result<(), JournalError> {
        while !self.at_end() {
            let step = 1 + rng.below(max_step_ms) as i64;
            self.tick(self.snap.position_ms + step)?;
        }
        Ok(())
    }
}

/// A stream only seeked to `pos`: the page's rebuild (fresh engine, every event up to
/// `pos`, the engine clock moved there or finished).
fn seeked(s: &ErrorStream, pos: i64) -> ErrorEngine {
    folded(s, s.events.partition_point(|ev| ev.t_ms <= pos), pos)
}

/// The first `n` events in one go, then the engine clock moved to `pos` (or finished).
fn folded(s: &ErrorStream, n: usize, pos: i64) -> ErrorEngine {
    let mut e = ErrorEngine::new(config(s)).expect("valid config");
    for &ev in &s.events[..n] {
        e.push(ev);
    }
    if n < s.events.len() {
        e.advance_to(pos);
    } else {
        e.finish();
    }
    e
}

/// What the page draws and lists: alerts, closed bins, per-code totals.
fn visible(e: &ErrorEngine) -> (Vec<Alert>, Vec<Bin>, Vec<[u64; 2]>) {
    (e.alerts().to_vec(), e.bins().to_vec(), e.totals().to_vec())
}

#[test]
fn crash_anywhere_then_recover_equals_a_run_that_never_stopped() {
    let s = stream();
    let mut rng = SplitMix64::new(5);
    let mut whole = Page::start(&s, MemStore::new()).expect("start");
    whole.play(&mut rng, 20_000).expect("uninterrupted run");
    let written = whole.journal.store().bytes_written();
    let finished = whole.snap.engine.clone();
    assert_eq!(
        finished,
        seeked(&s, whole.end_ms()),
        "tick pattern does not matter"
    );
    assert!(
        finished.alerts().len() >= 3,
        "SetA raises alerts: {:?}",
        finished.alerts()
    );

    let mut resumed_mid_stream = 0;
    for round in 0..24 {
        let mut rng = SplitMix64::new(100 + round);
        let mut page = Page::start(&s, MemStore::new()).expect("start");
        // Crash somewhere in the run: torn segments and torn checkpoints both happen.
        let crash_at = page.journal.store().bytes_written() + rng.below(written);
        page.journal.store_mut().crash_after(crash_at);
        let crashed = page.play(&mut rng, 20_000).is_err();
        let mut store = page.journal.into_store();
        store.revive();

        let (journal, recovery) = Journal::open(store).expect("reopen");
        let fresh = ErrorsSnapshot::new(
            ErrorEngine::new(config(&s)).expect("valid config"),
            &ReadOptions::default(),
            HeatMode::Difference,
            Speed::Times(1.0),
            0,
        );
        let restored = journal.restore(fresh).expect("restore");
        assert!(
            restored.checkpoint_seq.is_some(),
            "round {round}: the start checkpoint"
        );
        let mut snap = restored.engine;
        assert_eq!(
            snap.applied, recovery.events,
            "round {round}: every stored event once"
        );
        let cursor = snap.resume(&s.events).expect("the same file resumes");
        assert_eq!(cursor as u64, snap.applied);
        // The settings come back with the state.
        assert_eq!(snap.heat_mode, HeatMode::Ratio);
        assert_eq!(snap.speed, Speed::Max);
        assert_eq!(
            snap.read_options().candidate.as_deref(),
            Some("5.0007.610.011")
        );
        assert_eq!(snap.read_options().code, Some(2));
        // Equal to a stream seeked to the recovered clock.
        // Equal to a run that applied the same events and stopped there...
        assert_eq!(
            snap.engine,
            folded(&s, cursor, snap.position_ms),
            "round {round}: recovered at {} ms",
            snap.position_ms
        );
        // ...and what the page shows equals a stream seeked to the recovered clock (a
        // torn batch may hold only some events of the last millisecond; they wait in the
        // open second, which no view shows, and the next tick applies the rest).
        assert_eq!(
            visible(&snap.engine),
            visible(&seeked(&s, snap.position_ms)),
            "round {round}: recovered at {} ms",
            snap.position_ms
        );
        if crashed && cursor < s.events.len() {
            resumed_mid_stream += 1;
        }

        // Play on from there: the same end as the run that never stopped.
        let mut page = Page {
            events: &s.events,
            journal,
            snap,
            cursor,
            ticks: 0,
        };
        page.play(&mut rng, 20_000).expect("play on");
        assert_eq!(page.snap.engine, finished, "round {round}");
        assert_eq!(page.snap.applied as usize, s.events.len());
    }
    assert!(
        resumed_mid_stream >= 12,
        "most crashes land mid-stream: {resumed_mid_stream}"
    );
}

#[test]
fn a_file_that_is_not_the_journaled_stream_is_refused() {
    let s = stream();
    let mut page = Page::start(&s, MemStore::new()).expect("start");
    page.tick(s.events[0].t_ms + 600_000).expect("ten minutes");
    let (journal, _) = Journal::open(page.journal.into_store()).expect("reopen");
    let snap = journal.restore(page.snap.clone()).expect("restore").engine;
    assert!(snap.applied > 100);

    let shorter = &s.events[..snap.applied as usize - 1];
    assert_eq!(
        snap.clone().resume(shorter),
        Err(ResumeError::MoreEventsThanFile {
            applied: snap.applied,
            events: shorter.len()
        })
    );
    let mut changed = s.events.clone();
    changed[snap.applied as usize - 1].code += 1;
    let err = snap.clone().resume(&changed).unwrap_err();
    assert_eq!(
        err,
        ResumeError::Mismatch {
            index: snap.applied - 1
        }
    );
    assert!(
        err.to_string().contains("not the journaled stream"),
        "{err}"
    );
    // The genuine file resumes.
    assert_eq!(snap.clone().resume(&s.events), Ok(snap.applied as usize));
}

/// Issue 5, write-ahead: each tick journals the events the clock passed, a flush now and
/// then puts the journal on disk (the disk lags by a few ticks), and the engine applies a
/// slice only once the disk holds it, as `ErrState::apply_until` does; checkpoints are of
/// the applied state. The tab dies at a random tick with its disk as of the last flush:
/// recovery brings back every event and alert the page showed, never less.
#[test]
fn a_crash_never_brings_back_less_than_the_page_showed() {
    let s = stream();
    let events = &s.events;
    let end_ms = events.last().expect("events").t_ms;
    let mut lagged = 0;
    for round in 0..16 {
        let mut rng = SplitMix64::new(900 + round);
        let mut page = Page::start(&s, MemStore::new()).expect("start");
        let mut ahead: WriteAhead<usize> =
            WriteAhead::new(page.journal.last_seq(), page.snap.position_ms);
        let (mut disk, mut durable) = (page.journal.store().clone(), page.journal.last_seq());
        let mut clock = page.snap.position_ms;
        let crash_tick = 1 + rng.below(300);
        for tick in 1..=crash_tick {
            clock = (clock + 1 + rng.below(20_000) as i64).min(end_ms);
            let from = ahead
                .newest()
                .map_or(page.cursor, |p| p.batch.max(page.cursor));
            let n = events[from..].partition_point(|e| e.t_ms <= clock);
            let batch: Vec<Event> = events[from..from + n]
                .iter()
                .map(|&e| Event::Error(e))
                .collect();
            let seq = page.journal.append(&batch).expect("append");
            if !ahead.extend_clock(clock, |p| p.seq == seq && p.batch == from + n) {
                ahead.push(seq, clock, from + n);
            }
            if rng.below(3) == 0 {
                disk = page.journal.store().clone();
                durable = page.journal.last_seq();
            }
            while let Some(slice) = ahead.pop_durable(durable) {
                for &e in &events[page.cursor..slice.batch] {
                    page.snap.push(e);
                }
                page.cursor = slice.batch;
                page.snap.position_ms = slice.t_ms;
                if page.cursor < events.len() {
                    page.snap.engine.advance_to(slice.t_ms);
                } else if slice.t_ms >= end_ms {
                    page.snap.engine.finish();
                }
            }
            assert_eq!(ahead.applied_ms(), page.snap.position_ms);
            if ahead.waiting() {
                lagged += 1;
            }
            if tick % 5 == 0 {
                page.journal
                    .checkpoint(ahead.applied_seq(), &page.snap)
                    .expect("checkpoint");
            }
            if clock >= end_ms && !ahead.waiting() {
                break;
            }
        }

        let (journal, recovery) = Journal::open(disk).expect("reopen");
        let fresh = ErrorsSnapshot::new(
            ErrorEngine::new(config(&s)).expect("valid config"),
            &ReadOptions::default(),
            HeatMode::Difference,
            Speed::Times(1.0),
            0,
        );
        let mut snap = journal.restore(fresh).expect("restore").engine;
        // A checkpoint of applied state plus the records after it: every stored event once.
        assert_eq!(snap.applied, recovery.events, "round {round}");
        let cursor = snap.resume(events).expect("the same file resumes");
        assert_eq!(
            snap.engine,
            folded(&s, cursor, snap.position_ms),
            "round {round}"
        );
        let shown = page.cursor;
        assert!(
            cursor >= shown,
            "round {round}: the page showed {shown} events, recovery brought back {cursor}"
        );
        if shown == 0 {
            continue;
        }
        let last_shown_ms = events[shown - 1].t_ms;
        assert!(snap.position_ms >= last_shown_ms, "round {round}");
        let key = |a: &Alert| (a.code, a.method, a.window_bins, a.raised_at_s, a.start_s);
        let recovered: Vec<_> = snap.engine.alerts().iter().map(key).collect();
        for a in page.snap.engine.alerts() {
            if a.raised_at_s * 1000 <= last_shown_ms {
                assert!(
                    recovered.contains(&key(a)),
                    "round {round}: the alert {a:?} shown before the crash is recovered"
                );
            }
        }
    }
    assert!(lagged > 50, "the disk lagged the journal: {lagged} ticks");
}
