//! The Monitor's side of the write-ahead journal: what a checkpoint holds, when one is
//! written, and how the page comes back from the journal on start.
//!
//! A stream's journal starts with its metric names, the replayed file's table (stored once,
//! beside the checkpoints) and a checkpoint at record 0 of the fresh stream (settings,
//! detectors, incident book). While it runs, every event is journaled before it is judged
//! and a checkpoint is written every [`CHECKPOINT_EVERY_MS`] of wall time and at each fault
//! injection, so retention can drop what a checkpoint covers and recovery only replays the
//! events after the newest checkpoint.

use std::rc::Rc;

use crate::core::journal::ahead::WriteAhead;

use super::{MetricFile, MonState, OPEN_END_MS, RECOVER_SLICE};
use crate::core::event::Event;
use crate::core::journal::{JournalError, NameKind, PlayerState, SourceFile};
use crate::core::monitor::{judge_with_rules, resume, Recovering, Settings, Snapshot, Source};
use crate::core::source::MetricTable;
use crate::ui::journal::JournalService;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Wall-clock time between two checkpoints of a running stream.
pub(crate) const CHECKPOINT_EVERY_MS: f64 = 5_000.0;
/// Events between two checkpoints, whatever the wall clock says: at "max" speed 5 s are
/// over a million events, and recovery replays what follows the last checkpoint.
pub(crate) const CHECKPOINT_EVERY_EVENTS: u64 = 100_000;
/// A checkpoint costs at most this share of wall time: a big state (fifty live series
/// whose detectors hold thousands of values each) takes a few hundred ms to serialise, so
/// it is written less often than [`CHECKPOINT_EVERY_MS`] (recovery replays a longer tail).
const CHECKPOINT_SHARE: f64 = 0.05;

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

impl MonState {
    /// Takes the opened journal: comes back from what it holds (the stream recovered where
    /// it stopped, and said so), or starts journaling the fresh stream.
    pub(super) fn attach_journal(&self, svc: JournalService) {
        let mut restored = svc.restore(Recovering::default());
        // A checkpoint another version wrote (its detectors' state has another shape) is
        // no reason to lose the stream: while the journal still holds every event, they
        // are all judged again from the start; only the settings it held are lost.
        let mut rejudged = None;
        if let Err(JournalError::State { seq, .. }) = &restored {
            if let Ok(Some(r)) = svc.restore_from_start(Recovering::default()) {
                rejudged = Some(*seq);
                restored = Ok(r);
            }
        }
        let names: Vec<String> = svc
            .catalog()
            .names(NameKind::Series)
            .map(|(_, n)| n.to_string())
            .collect();
        let mut note = if svc.recovery().is_clean() {
            String::new()
        } else {
            format!(" ({})", svc.recovery().summary())
        };
        if let Some(seq) = rejudged {
            note += &format!(
                " (the checkpoint at record {seq} is another version's and could not be read: \
                 every event was judged again from the start, with default settings)"
            );
        }
        let source = svc.source();
        // The user's speed comes back whatever the journal holds; None: the default.
        let player = svc.player();
        if let Some(p) = player {
            self.player.set_speed(p.speed);
        }
        let st = *self;
        svc.on_durable(move || {
            if st.drain() {
                st.publish();
            }
        });
        self.journal.set(Some(svc));
        match restored {
            Ok(r) => match r.engine.snapshot {
                Some(snapshot) => match self.restore_snapshot(*snapshot, source, &names) {
                    Ok(done) => self.replay(r.engine.events, done, player, note),
                    Err(e) => {
                        self.error
                            .set(Some(format!("Journal: {e}; a new stream starts")));
                        self.start_journal();
                    }
                },
                // A journal written before checkpoints existed: every event, no state.
                None if !r.engine.events.is_empty() && !names.is_empty() => {
                    self.recover_events(names, r.engine.events, player, note)
                }
                None => self.start_journal(),
            },
            Err(e) => {
                self.error.set(Some(format!(
                    "Journal: could not replay it ({e}); starting fresh"
                )));
                self.start_journal();
            }
        }
    }

    /// The state to checkpoint now; `position_ms` is the stream time the feed has reached.
    fn snapshot(&self, position_ms: i64) -> Option<Snapshot> {
        let mut feed = self.feed.with_value(|f| f.clone())?;
        // With batches waiting for the disk the source has run ahead of the detectors.
        if let Some(source) = self.judged_source.with_value(Clone::clone) {
            feed.source = source;
        }
        let incidents = self
            .incidents
            .read(crate::ui::pages::incidents::state::Source::Monitor, |e| {
                e.clone()
            })?;
        Some(Snapshot {
            settings: Settings {
                config: self.config.get_untracked(),
                train_ms: self.train_ms.get_untracked(),
                level: self.level.get_untracked(),
                periods: self.periods.get_untracked(),
                eval_ms: self.eval_ms.get_untracked(),
                file: self.file.get_untracked().map(|f| f.name.clone()),
                detectors: self.detectors.get_untracked(),
                rules: self.rules.get_untracked(),
                live: self.live.get_untracked().map(|l| (*l).clone()),
                feed: self.event_feed.get_untracked().map(|f| (*f).clone()),
            },
            feed,
            incidents,
            injections: self.injections.get_value(),
            injected: self.injected.get_untracked(),
            position_ms,
            events: self.judged.get_value(),
            alerting: self.alerting.get_value(),
        })
    }

    /// Writes a checkpoint of the state after journal record `seq` (the last one appended),
    /// the feed having reached stream time `position_ms`, and compacts with the retention
    /// in force. A failure leaves the journal as it was: recovery then replays from the
    /// previous checkpoint.
    fn checkpoint(&self, seq: u64, position_ms: i64) {
        let started = now_ms();
        self.last_checkpoint
            .set_value((started, self.judged.get_value()));
        let Some(snapshot) = self.snapshot(position_ms) else {
            return;
        };
        self.journal.with_untracked(|j| {
            if let Some(svc) = j.as_ref().filter(|s| s.status().is_writable()) {
                let engine = Recovering {
                    snapshot: Some(Box::new(snapshot)),
                    events: Vec::new(),
                };
                let _ = svc.checkpoint(seq, &engine);
            }
        });
        self.checkpoint_cost_ms.set_value(now_ms() - started);
    }

    /// Checkpoints the judged state (which includes record `seq`) when the last checkpoint
    /// is [`CHECKPOINT_EVERY_MS`] old (longer when checkpoints are costly, see
    /// [`CHECKPOINT_SHARE`]) or [`CHECKPOINT_EVERY_EVENTS`] events back.
    pub(super) fn checkpoint_if_due(&self, seq: u64) {
        let (wall, judged) = self.last_checkpoint.get_value();
        let every = CHECKPOINT_EVERY_MS.max(self.checkpoint_cost_ms.get_value() / CHECKPOINT_SHARE);
        if now_ms() - wall >= every
            || self.judged.get_value().saturating_sub(judged) >= CHECKPOINT_EVERY_EVENTS
        {
            self.checkpoint(seq, self.judged_ms.get_untracked());
        }
    }

    /// Stores the player's speed and whether it runs beside the journal (a small slot of its
    /// own, not a checkpoint: the judged state and its clock are left as they are).
    pub(super) fn save_player(&self) {
        if self.recovering.get_untracked() {
            return;
        }
        let state = PlayerState {
            speed: self.player.speed.get_untracked(),
            playing: self.player.playing.get_untracked(),
        };
        self.journal.with_untracked(|j| {
            if let Some(svc) = j.as_ref().filter(|s| s.status().is_writable()) {
                let _ = svc.set_player(&state);
            }
        });
    }

    /// Checkpoints the judged state now (an injection changed the simulator).
    pub(super) fn checkpoint_now(&self) {
        let seq = self.ahead.with_value(|a| a.applied_seq());
        if self.journal.with_untracked(Option::is_some) {
            self.checkpoint(seq, self.judged_ms.get_untracked());
        }
    }

    /// Empties the journal and starts it again for the current stream: the metric names,
    /// the replayed file's table, and a checkpoint of the fresh state (reset, another
    /// source, new settings, a backward seek). Call it with the feed fresh, before it is
    /// fed anything.
    pub(super) fn start_journal(&self) {
        self.judged.set_value(0);
        let names = self.metric_names_untracked();
        let file = self.file.get_untracked();
        let writable = self.journal.with_untracked(|j| {
            let Some(svc) = j.as_ref().filter(|s| s.status().is_writable()) else {
                return false;
            };
            let _ = svc.clear();
            for (id, name) in names.iter().enumerate() {
                let _ = svc.name(NameKind::Series, id as u32, name);
            }
            if let Some(f) = &file {
                match postcard::to_allocvec(&*f.table) {
                    Ok(bytes) => {
                        let _ = svc.set_source(Some(&SourceFile {
                            name: f.name.clone(),
                            bytes,
                        }));
                    }
                    Err(e) => self.error.set(Some(format!(
                        "Journal: the file's table could not be stored ({e}); a reload \
                         recovers the judged events only"
                    ))),
                }
            }
            true
        });
        if writable {
            let start = file
                .as_ref()
                .and_then(|f| f.table.times_ms.first().copied())
                .unwrap_or(0);
            self.checkpoint(0, start);
        }
    }

    /// Puts a checkpoint's state in place (settings, source, detectors, incident book,
    /// injections) and returns the events it covers and its clock. Err says why it cannot
    /// be used.
    fn restore_snapshot(
        &self,
        snapshot: Snapshot,
        source: Option<Result<SourceFile, String>>,
        journal_names: &[String],
    ) -> Result<(u64, i64), String> {
        let Snapshot {
            settings,
            mut feed,
            incidents,
            injections,
            injected,
            position_ms,
            events,
            alerting,
        } = snapshot;
        let file = match (&feed.source, source) {
            (Source::Sim(_), _) => None,
            (Source::Live { .. }, _) => {
                // Series that joined after the checkpoint are named in the journal: their
                // tracks come back before the events after it are judged.
                let mut detect =
                    crate::core::detect::DetectConfig::with_train_ms(settings.train_ms);
                detect.level = settings.level;
                detect.periods = settings.periods.clone();
                for name in journal_names.iter().skip(feed.tracks.len()) {
                    feed.add_series(name.clone(), &detect, &settings.detectors)?;
                }
                self.live_names
                    .set(feed.tracks.iter().map(|t| t.name.clone()).collect());
                match (settings.live.clone(), settings.feed.clone()) {
                    // The polling loop sees a live source with no loop and resumes it from
                    // the newest journaled point.
                    (Some(live), _) => {
                        self.live.set(Some(Rc::new(live)));
                        self.live_status.set(super::LiveStatus::Idle);
                    }
                    // The feed form sees a feed with no loop and resumes it the same way.
                    (None, Some(f)) => {
                        self.event_feed.set(Some(Rc::new(f)));
                        self.feed_status.set(Default::default());
                    }
                    (None, None) => {
                        return Err("the live source's settings are missing from the journal".into())
                    }
                }
                None
            }
            (Source::File { .. }, Some(Ok(stored))) => {
                let table: MetricTable = postcard::from_bytes(&stored.bytes).map_err(|e| {
                    format!("the stored copy of the replayed file is unreadable ({e})")
                })?;
                if table.names.len() != feed.tracks.len() {
                    return Err("the stored copy of the replayed file does not match its \
                                checkpoint"
                        .into());
                }
                let table = Rc::new(table);
                feed.set_table(table.clone());
                Some(Rc::new(MetricFile {
                    name: settings.file.clone().unwrap_or(stored.name),
                    table,
                }))
            }
            (Source::File { .. }, Some(Err(e))) => return Err(e),
            (Source::File { .. }, None) => {
                return Err("the replayed file is missing from the journal".into())
            }
        };
        self.config.set(settings.config);
        self.train_ms.set(settings.train_ms);
        self.level.set(settings.level);
        self.periods.set(settings.periods);
        self.eval_ms.set(settings.eval_ms);
        self.detectors.set(settings.detectors);
        self.rules.set(settings.rules);
        self.training.set(None);
        self.pretrained.set(feed.pretrained.clone());
        self.file.set(file);
        self.feed.set_value(Some(feed));
        self.drop_waiting(position_ms);
        self.incidents.set_monitor(Some(incidents));
        if self.is_live_untracked() {
            let all = self.live_names.get_untracked();
            self.alerting.update_value(|a| a.set_names(all.clone()));
            self.incidents.with_book(
                crate::ui::pages::incidents::state::Source::Monitor,
                |book| book.set_names(all),
            );
        }
        // The editor shows the draft the user had not applied yet (marked "unapplied
        // changes"), else the rules as they were applied (the text is the app's: a stream
        // that ran none leaves what the Errors workspace restored).
        match crate::ui::rules_editor::stored_draft().filter(|d| d != alerting.text()) {
            Some(draft) => self.rules_draft.set(draft),
            None if !alerting.text().is_empty() => {
                self.rules_draft.set(alerting.text().to_string())
            }
            None => {}
        }
        self.alerting.set_value(alerting);
        self.injections.set_value(injections);
        self.injected.set(injected);
        self.judged.set_value(events);
        Ok((events, position_ms))
    }

    /// Rebuilds the stream from journaled events alone (a journal without a checkpoint):
    /// the simulator when the names are its metrics, else the events as a replayed table.
    fn recover_events(
        &self,
        names: Vec<String>,
        events: Vec<Event>,
        player: Option<PlayerState>,
        note: String,
    ) {
        let sim_names: Vec<String> = self
            .config
            .with_untracked(|c| c.metrics.iter().map(|m| m.name.clone()).collect());
        if names == sim_names {
            self.file.set(None);
        } else {
            let table = MetricTable::from_events(names, &events);
            self.file.set(Some(Rc::new(MetricFile {
                name: "recovered journal".into(),
                table: Rc::new(table),
            })));
        }
        self.build_feed();
        let first = events.iter().map(|e| e.t_ms()).min().unwrap_or(0);
        self.judged.set_value(0);
        self.replay(events, (0, first), player, note);
    }

    /// Judges the events journaled after the restored state in slices between which the
    /// browser paints (a million take over a second), with the progress in the status
    /// line, then moves the source past them and says what was recovered. `(covered,
    /// position)` are the events the restored state holds and its clock. The player waits
    /// until it is done; the status line then says how it ran before (`player`) and why it
    /// is paused now.
    fn replay(
        &self,
        events: Vec<Event>,
        (covered, position): (u64, i64),
        player: Option<PlayerState>,
        note: String,
    ) {
        self.recovering.set(true);
        let st = *self;
        spawn_local(async move {
            let total = covered + events.len() as u64;
            for (i, chunk) in events.chunks(RECOVER_SLICE).enumerate() {
                let until = chunk.last().map_or(position, |e| e.t_ms());
                st.with_engines(|feed, book, rules| {
                    judge_with_rules(feed, book, rules, chunk, until)
                });
                let done = covered + ((i + 1) * RECOVER_SLICE).min(events.len()) as u64;
                st.app.status.set(format!(
                    "Recovering the journal: {} of {} events…",
                    crate::ui::format::count(done as usize),
                    crate::ui::format::count(total as usize)
                ));
                crate::ui::loader::yield_task().await;
            }
            // The source moves past the replayed events (the simulator regenerates and
            // drops them, a file's cursor moves past their rows); what a crash cut from
            // the last tick's batch is journaled and judged now.
            let mut reached = position;
            st.with_engines(|feed, book, rules| {
                let (at, rest) = resume(feed, &events, position);
                reached = at;
                if !rest.is_empty() {
                    st.journal.with_untracked(|j| {
                        if let Some(svc) = j.as_ref().filter(|s| s.status().is_writable()) {
                            let _ = svc.append(&rest);
                        }
                    });
                    st.judged.update_value(|n| *n += rest.len() as u64);
                }
                judge_with_rules(feed, book, rules, &rest, at);
            });
            let last = reached;
            st.judged_ms.set(last);
            let seq = st
                .journal
                .with_untracked(|j| j.as_ref().map_or(0, JournalService::last_seq));
            st.ahead.set_value(WriteAhead::new(seq, last));
            st.judged_source.set_value(None);
            st.judged.update_value(|n| *n += events.len() as u64);
            match st.file.get_untracked() {
                Some(f) => st.player.load(
                    f.table.times_ms.first().copied().unwrap_or(last),
                    f.table.times_ms.last().copied().unwrap_or(last),
                    last,
                ),
                None => st.player.load(0, OPEN_END_MS, last),
            }
            st.recovering.set(false);
            st.publish();
            if total == 0 {
                // Only the settings of a stream that had not started: nothing to report.
                return;
            }
            let speed = st.player.speed.get_untracked().label();
            let then = match player {
                // A live source's clock is the source's: its polling loop resumes by itself.
                _ if st.is_live_untracked() => String::new(),
                // Not restarted by itself: after a crash the user looks first (and a stream
                // at max speed would run on for hours of stream time before they could).
                Some(p) if p.playing && !st.player.at_end() => format!(
                    "; paused after the recovery, it was running at {speed}: Start (k) goes on"
                ),
                Some(p) if p.playing => "; paused: the stream had reached its end".into(),
                Some(_) => format!("; paused as it was, at {speed}"),
                None => format!("; paused, at {speed}"),
            };
            st.app.status.set(format!(
                "Recovered {} events, stream time {}{then}{note}",
                crate::ui::format::count(total as usize),
                crate::ui::pages::monitor::controls::clock(last),
            ));
        });
    }
}
