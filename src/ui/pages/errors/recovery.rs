//! The Errors workspace's write-ahead journal: every event the replay applies is journaled
//! first and applied only once the journal has it on disk (see `ahead`); each stream start (a file, the demo, a re-read, new settings, a backward seek)
//! restarts the journal with the stream's names, the file itself and a checkpoint of the
//! page snapshot ([`ErrorsSnapshot`]) before any event; the snapshot is checkpointed again
//! every few seconds while playing and whenever the clock stops, always as of what was
//! applied, not of what waits for the disk. On start, a stored stream
//! is re-read from the stored file and resumed where it stopped.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::ErrState;
use crate::core::errors::snapshot::{ErrorsSnapshot, RuleState};
use crate::core::errors::{read_bytes, Config, ErrorEngine};
use crate::core::event::{ErrorEvent, Event};
use crate::core::journal::ahead::WriteAhead;
use crate::core::journal::export::Imported;
use crate::core::journal::{NameKind, SourceFile};
use crate::core::stream::Speed;
use crate::core::time::format_stream_ms;
use crate::ui::journal::JournalService;
use crate::ui::player::now_ms;

/// IndexedDB database of the Errors workspace's journal.
const JOURNAL_DB: &str = "pipescope-errors";
/// Wall time between checkpoints while the stream plays: short enough that recovery
/// replays little, long enough that serializing the engine costs nothing noticeable.
const CHECKPOINT_EVERY_MS: f64 = 5_000.0;

/// What the last checkpoint holds, to tell whether another one is due.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Checkpointed {
    /// Wall clock when it was written, ms (performance.now).
    at_ms: f64,
    /// Journal sequence number it covers.
    seq: u64,
    /// Replay position it holds.
    position_ms: i64,
    /// Speed and colour mode it holds (settings that change without a rebuild).
    speed: Speed,
    ratio: bool,
}

impl Checkpointed {
    /// Nothing checkpointed yet.
    pub(super) const NONE: Checkpointed = Checkpointed {
        at_ms: f64::NEG_INFINITY,
        seq: u64::MAX,
        position_ms: i64::MIN,
        speed: Speed::Max,
        ratio: false,
    };
}

impl ErrState {
    /// Opens the workspace's journal in the background, then recovers what it holds.
    pub(super) fn open_journal(&self) {
        let st = *self;
        spawn_local(async move {
            let svc = JournalService::open(JOURNAL_DB).await;
            st.attach_journal(svc);
        });
    }

    /// The journal when this tab may write to it (not another tab's reader).
    pub(super) fn writable_journal(&self) -> Option<JournalService> {
        self.journal
            .get_untracked()
            .filter(|s| s.status().is_writable())
    }

    /// Takes the opened journal: resumes the stream it holds, or journals the stream on
    /// screen (one opened before the journal was ready), or waits for the first stream.
    fn attach_journal(&self, svc: JournalService) {
        let st = *self;
        svc.on_durable(move || st.on_disk());
        self.journal.set(Some(svc.clone()));
        if self.loaded.get_untracked().is_some() {
            self.rebuild();
            return;
        }
        let failure = if svc.stats().checkpoint_seq.is_none() {
            // Every stream starts with a checkpoint written in the same flush as its
            // names and file, so records without one mean the checkpoints were damaged.
            if svc.stats().records == 0 && svc.source().is_none() {
                return;
            }
            format!("its checkpoint is damaged ({})", svc.recovery().summary())
        } else {
            let Some(fresh) = placeholder() else { return };
            let note = if svc.recovery().is_clean() {
                String::new()
            } else {
                format!(" ({})", svc.recovery().summary())
            };
            if let Some(Ok(source)) = svc.source().filter(|s| {
                s.as_ref()
                    .is_ok_and(|s| s.name == super::live::LIVE_SOURCE_NAME)
            }) {
                let recovered = live_placeholder()
                    .ok_or_else(|| "no placeholder".to_string())
                    .and_then(|fresh| {
                        svc.restore(fresh).map_err(|e| match e {
                            crate::core::journal::JournalError::State { .. } => format!(
                                "its checkpoint does not read as this version's live state \
                                 ({e}); it was probably written by an older pipescope, before \
                                 live feeds ran rules"
                            ),
                            e => e.to_string(),
                        })
                    })
                    .and_then(|r| self.recover_live(&source, r.engine, &svc.catalog(), &note));
                match recovered {
                    Ok(()) => return,
                    Err(e) => {
                        self.error.set(Some(format!(
                            "Journal: the stored live stream could not be recovered: {e}. Starting fresh."
                        )));
                        if let Some(svc) = self.writable_journal() {
                            let _ = svc.clear();
                        }
                        return;
                    }
                }
            }
            match (svc.source(), svc.restore(fresh)) {
                (Some(Ok(source)), Ok(restored)) => {
                    let note = if svc.recovery().is_clean() {
                        String::new()
                    } else {
                        format!(" ({})", svc.recovery().summary())
                    };
                    match self.recover(source, restored.engine, &note) {
                        Ok(()) => return,
                        Err(e) => e,
                    }
                }
                (None, _) => "the replayed file was not stored with it".to_string(),
                (Some(Err(e)), _) => e,
                (_, Err(e @ crate::core::journal::JournalError::State { .. })) => format!(
                    "its checkpoint does not read as this version's Errors state ({e}); it was \
                     probably written by an older pipescope, before the Errors workspace ran rules"
                ),
                (_, Err(e)) => e.to_string(),
            }
        };
        self.error.set(Some(format!(
            "Journal: the stored stream could not be recovered: {failure}. Starting fresh."
        )));
        if let Some(svc) = self.writable_journal() {
            let _ = svc.clear();
        }
    }

    /// A flush committed (or durability was lost): apply what waited for it and show it.
    fn on_disk(&self) {
        // The page may be gone while the journal's last flush commits.
        if self.version.try_get_untracked().is_none() {
            return;
        }
        if self.live_ahead.with_value(|a| a.waiting()) {
            self.apply_live_durable();
            self.publish();
            return;
        }
        if !self.ahead.with_value(|a| a.waiting()) {
            return;
        }
        self.apply_durable();
        self.publish();
    }

    /// The last journal sequence number on disk; everything when this tab does not write a
    /// durable journal (none yet, memory-only, read-only), so nothing waits.
    pub(super) fn durable_seq(&self) -> u64 {
        self.writable_journal()
            .map_or(u64::MAX, |s| s.durable_seq())
    }

    /// Re-reads the stored file with the stored read options and puts the stored engine,
    /// settings, cursor and clock in place, paused. Err (with the reason) leaves the
    /// workspace as it was.
    fn recover(
        &self,
        source: SourceFile,
        mut snap: ErrorsSnapshot,
        note: &str,
    ) -> Result<(), String> {
        let options = snap.read_options();
        let stream = read_bytes(&source.bytes, &options)
            .map_err(|e| format!("the stored copy of {} does not read ({e})", source.name))?;
        let config = snap.engine.config().clone();
        let builds = stream.builds.len() as u32;
        if config.baseline >= builds || config.candidate >= builds {
            return Err(format!(
                "the stored settings compare builds the stored copy of {} does not have",
                source.name
            ));
        }
        let cursor = snap.resume(&stream.events).map_err(|e| e.to_string())?;
        let (start, end) = (
            stream.events.first().map_or(0, |e| e.t_ms),
            stream.events.last().map_or(0, |e| e.t_ms),
        );
        let position = snap.position_ms;

        self.read_options.set(options);
        self.show_settings(&config);
        self.builds.set((config.baseline, config.candidate));
        self.mode.set(snap.heat_mode);
        self.error.set(None);
        self.pick_builds.set(None);
        let bytes = Rc::new(source.bytes);
        self.source
            .set_value(Some((source.name.clone(), bytes.clone())));
        self.cursor.update_value(|c| {
            c.rewind();
            c.advance(&stream.events, i64::MAX, cursor, |e| e.t_ms, |_| {});
        });
        self.loaded.set(Some(Rc::new(super::state::Loaded {
            name: source.name,
            stream,
        })));
        self.engine.set_value(Some(snap.engine));
        self.resume_rules(snap.rules);
        // The restored state covers every stored record.
        let seq = self.journal.get_untracked().map_or(0, |s| s.last_seq());
        self.ahead.set_value(WriteAhead::new(seq, position));
        self.player.set_speed(snap.speed);
        self.player.load(start, end, position);
        self.publish();
        self.app.status.set(format!(
            "Recovered {} events, stream time {}{note}",
            crate::ui::format::count(cursor),
            format_stream_ms(position),
        ));
        Ok(())
    }

    /// Puts a checkpoint's rules in place: they resume with their pending timers, the book
    /// with their incidents, and an empty editor shows the rules that run.
    pub(super) fn resume_rules(&self, state: RuleState) {
        let text = state.rules.alerting().text().to_string();
        if self.app.rules_draft.with_untracked(|d| d.trim().is_empty()) {
            self.app.rules_draft.set(text);
        }
        self.rules.set_value(state.rules);
        self.incidents.set_errors(state.book);
    }

    /// A new stream starts (called by `rebuild` with a fresh engine, before any event is
    /// applied): empty the journal, name the builds and codes, store the file and
    /// checkpoint the snapshot before the first event.
    pub(super) fn start_journal(&self) {
        let Some(svc) = self.writable_journal() else {
            return;
        };
        let (Some(loaded), Some((name, bytes))) =
            (self.loaded.get_untracked(), self.source.get_value())
        else {
            return;
        };
        let start = self.player.span().map_or(0, |(s, _)| s);
        let Some(snap) = self.snapshot_at(0, start) else {
            return;
        };
        // A failure here leaves the service memory-only with its banner saying why; the
        // stream goes on either way.
        let _ = svc.clear();
        for (id, b) in loaded.stream.builds.iter().enumerate() {
            let _ = svc.name(NameKind::Build, id as u32, b);
        }
        for (id, c) in loaded.stream.codes.iter().enumerate() {
            let _ = svc.name(NameKind::Code, id as u32, c);
        }
        // The names go in now, so the checkpoint's catalog and the stored file agree.
        let _ = svc.append(&[]);
        let _ = svc.set_source(Some(&SourceFile {
            name,
            bytes: bytes.as_ref().clone(),
        }));
        let seq = svc.last_seq();
        self.ahead.set_value(WriteAhead::new(seq, start));
        self.write_checkpoint(&svc, seq, snap);
    }

    /// Journals the events the replay is about to apply; returns the sequence number the
    /// disk must hold before they are applied (0 without a journal to write).
    pub(super) fn journal_events(&self, events: &[ErrorEvent]) -> u64 {
        let Some(svc) = self.writable_journal() else {
            return 0;
        };
        if events.is_empty() {
            return svc.last_seq();
        }
        let batch: Vec<Event> = events.iter().map(|&e| Event::Error(e)).collect();
        // A failed append leaves the service memory-only with its banner; nothing waits then.
        svc.append(&batch).unwrap_or_else(|_| svc.last_seq())
    }

    /// After the clock moved: checkpoint when the stream has moved since the last one and
    /// either the clock stopped or [`CHECKPOINT_EVERY_MS`] passed.
    pub(super) fn maybe_checkpoint(&self) {
        let Some(svc) = self.writable_journal() else {
            return;
        };
        if self.live_state.with_value(Option::is_some) {
            self.maybe_checkpoint_live(&svc);
            return;
        }
        if self.player.position().is_none() {
            return;
        }
        // Applied state only: what waits for the disk is replayed from the journal.
        let (seq, position) = self.ahead.with_value(|a| (a.applied_seq(), a.applied_ms()));
        let last = self.checkpointed.get_value();
        let changed = seq != last.seq
            || position != last.position_ms
            || self.speed.get_untracked() != last.speed
            || (self.mode.get_untracked() == crate::core::errors::heatmap::HeatMode::Ratio)
                != last.ratio;
        let due = !self.playing.get_untracked() || now_ms() - last.at_ms >= CHECKPOINT_EVERY_MS;
        if !(changed && due) {
            return;
        }
        let applied = self.cursor.with_value(|c| c.applied());
        if let Some(snap) = self.snapshot_at(applied, position) {
            self.write_checkpoint(&svc, seq, snap);
        }
    }

    /// Checkpoints the applied state now (a silence was made or ended, or rules applied to
    /// a live feed: the clock did not move, but a reload must bring it back).
    pub(super) fn checkpoint_now(&self) {
        let Some(svc) = self.writable_journal() else {
            return;
        };
        if self.live_state.with_value(Option::is_some) {
            let seq = self.live_ahead.with_value(|a| a.applied_seq());
            if let Some(snap) = self.live_snapshot() {
                self.write_live_checkpoint(&svc, seq, &snap);
            }
            return;
        }
        if self.player.position().is_none() {
            return;
        }
        let (seq, position) = self.ahead.with_value(|a| (a.applied_seq(), a.applied_ms()));
        let applied = self.cursor.with_value(|c| c.applied());
        if let Some(snap) = self.snapshot_at(applied, position) {
            self.write_checkpoint(&svc, seq, snap);
        }
    }

    /// [`ErrState::maybe_checkpoint`] on a live feed: when new events were applied and
    /// [`CHECKPOINT_EVERY_MS`] passed, or the colour mode changed.
    fn maybe_checkpoint_live(&self, svc: &JournalService) {
        let seq = self.live_ahead.with_value(|a| a.applied_seq());
        let last = self.checkpointed.get_value();
        let ratio = self.mode.get_untracked() == crate::core::errors::heatmap::HeatMode::Ratio;
        let due = now_ms() - last.at_ms >= CHECKPOINT_EVERY_MS || ratio != last.ratio;
        if seq == last.seq && ratio == last.ratio || !due {
            return;
        }
        if let Some(snap) = self.live_snapshot() {
            self.write_live_checkpoint(svc, seq, &snap);
        }
    }

    /// Checkpoints the live `snap`, the state after every journal record up to `seq`.
    pub(super) fn write_live_checkpoint(
        &self,
        svc: &JournalService,
        seq: u64,
        snap: &crate::core::errors::live::LiveSnapshot,
    ) {
        match svc.checkpoint(seq, snap) {
            Ok(_) => self.checkpointed.set_value(Checkpointed {
                at_ms: now_ms(),
                seq,
                position_ms: snap.live.newest_ms().unwrap_or(0),
                speed: self.speed.get_untracked(),
                ratio: snap.heat_mode == crate::core::errors::heatmap::HeatMode::Ratio,
            }),
            Err(e) => self.error.set(Some(format!("Journal: {e}"))),
        }
    }

    /// Checkpoints `snap`, the state after every journal record up to `seq`.
    fn write_checkpoint(&self, svc: &JournalService, seq: u64, snap: ErrorsSnapshot) {
        match svc.checkpoint(seq, &snap) {
            Ok(_) => self.checkpointed.set_value(Checkpointed {
                at_ms: now_ms(),
                seq,
                position_ms: snap.position_ms,
                speed: snap.speed,
                ratio: snap.heat_mode == crate::core::errors::heatmap::HeatMode::Ratio,
            }),
            Err(e) => self.error.set(Some(format!("Journal: {e}"))),
        }
    }

    /// The page snapshot with `applied` events in and the clock at `position_ms`.
    fn snapshot_at(&self, applied: usize, position_ms: i64) -> Option<ErrorsSnapshot> {
        let engine = self.engine.with_value(|e| e.clone())?;
        let last = self.loaded.get_untracked().and_then(|l| {
            applied
                .checked_sub(1)
                .and_then(|i| l.stream.events.get(i).copied())
        });
        let book = self.incidents.read(
            crate::ui::pages::incidents::state::Source::Errors,
            Clone::clone,
        );
        let rules = match book {
            Some(book) => RuleState {
                rules: self.rules_state(),
                book,
            },
            None => RuleState::new(self.rules_state()),
        };
        let mut snap = ErrorsSnapshot::new(
            engine,
            &self.read_options.get_untracked(),
            self.mode.get_untracked(),
            self.speed.get_untracked(),
            position_ms,
        )
        .with_rules(rules);
        snap.applied = applied as u64;
        snap.last = last;
        Some(snap)
    }

    /// The Journal panel's clear: the stream starts again from its start, with a journal
    /// holding only its start.
    pub(super) fn restart(&self) {
        if self.is_live() {
            self.restart_live();
            return;
        }
        if let Some((start, end)) = self.player.span() {
            self.player.load(start, end, start);
        }
        self.rebuild();
    }

    /// Replays an export from the Journal panel (error events with their build and code
    /// names) as an error stream.
    pub(super) fn open_imported(&self, imported: Imported) {
        match imported_csv(&imported) {
            Ok(csv) => self.open("imported journal.csv".into(), Rc::new(csv.into_bytes())),
            Err(e) => self.error.set(Some(format!("Import: {e}"))),
        }
    }
}

/// A fresh snapshot for `restore` to start from when there is no checkpoint (never used:
/// recovery only runs when one exists).
fn placeholder() -> Option<ErrorsSnapshot> {
    let engine = ErrorEngine::new(Config::new(0, 1, 5)).ok()?;
    Some(ErrorsSnapshot::new(
        engine,
        &Default::default(),
        Default::default(),
        Speed::Times(60.0),
        0,
    ))
}

/// A fresh live checkpoint for `restore` to start from (never used: recovery only runs
/// when a checkpoint exists).
fn live_placeholder() -> Option<crate::core::errors::live::LiveSnapshot> {
    Some(crate::core::errors::live::LiveSnapshot::new(
        crate::core::live::events::EventFeed::new("/", 1_000).ok()?,
        crate::core::errors::live::LiveErrors::new(Config::new(0, 1, 5)).ok()?,
        Default::default(),
        RuleState::new(crate::core::rules::ErrorRules::new(
            crate::core::rules::Alerting::new(Vec::new()),
            Default::default(),
            1_000,
        )),
    ))
}

/// An export's error events as the CSV the workspace reads: `H:MM:SS` for stream-second
/// times, epoch milliseconds for epoch times.
fn imported_csv(imported: &Imported) -> Result<String, String> {
    let name = |kind, id: u32| -> Result<String, String> {
        let n = imported.catalog.name(kind, id).map(str::to_string);
        n.ok_or_else(|| format!("the file does not name {} {id}", kind.word()))
    };
    let mut out = String::new();
    for e in &imported.events {
        let Event::Error(e) = e else { continue };
        let t = if e.t_ms >= 100_000_000_000 {
            e.t_ms.to_string()
        } else if e.t_ms >= 0 && e.t_ms % 1000 == 0 && e.t_ms < 864_000_000 {
            format_stream_ms(e.t_ms)
        } else {
            return Err(format!(
                "event time {} ms is neither a whole stream second nor an epoch time",
                e.t_ms
            ));
        };
        let (b, c) = (
            name(NameKind::Build, e.build)?,
            name(NameKind::Code, e.code)?,
        );
        if [&b, &c].iter().any(|s| s.contains([',', '"', '\n'])) {
            return Err(format!("the name {b:?} or {c:?} holds a comma or quote"));
        }
        out += &format!("{t},{b},{c}\n");
    }
    if out.is_empty() {
        return Err("the file holds no error events".into());
    }
    Ok(out)
}
