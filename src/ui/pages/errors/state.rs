//! State of the Errors workspace: the loaded error stream, the engine settings, and the
//! replay loop that feeds events to the engine on stream time.

use std::rc::Rc;

use leptos::prelude::*;

use crate::core::errors::heatmap::HeatMode;
use crate::core::errors::{
    default_bin_seconds, read_bytes, recent, Config, ErrorEngine, ErrorStream, Evidence, Method,
    ReadError, ReadOptions,
};
use crate::core::rules::{Alerting, ErrorNames, ErrorRules};
use crate::core::stream::{Cursor, Speed};
use crate::ui::journal::JournalService;
use crate::ui::pages::incidents::state::{IncidentsState, Source};
use crate::ui::player::{Deck, Player};
use crate::ui::shell::AppState;

use super::live::{FeedCounts, LiveStatus};
use super::recovery::Checkpointed;
use crate::core::errors::live::LiveErrors;
use crate::core::journal::ahead::WriteAhead;
use crate::core::live::events::{EventFeed, FeedReader};

/// At "max" speed, work per frame stays under this many milliseconds so the page keeps
/// painting; events are applied in slices of [`SLICE`] between clock reads.
const MAX_SPEED_BUDGET_MS: f64 = 10.0;
const SLICE: usize = 50_000;

/// A stream read from a file or the demo.
pub struct Loaded {
    /// File name shown in the header.
    pub name: String,
    /// The parsed events and their catalog.
    pub stream: ErrorStream,
}

/// Signals of the Errors workspace, shared by its components through context.
#[derive(Clone, Copy)]
pub struct ErrState {
    /// App-wide status line and theme.
    pub app: AppState,
    /// Where alerts open incidents.
    pub incidents: IncidentsState,
    /// The stream on screen; stays until a new one has been read.
    pub loaded: RwSignal<Option<Rc<Loaded>>, LocalStorage>,
    /// The last read or settings error.
    pub error: RwSignal<Option<String>>,
    /// More than two builds: the user picks baseline and candidate from these.
    pub pick_builds: RwSignal<Option<Vec<String>>>,
    /// Line of a runaway quote in the last read: the page offers the literal reading.
    pub quote_offer: RwSignal<Option<u64>>,
    /// How the file is read (roles, builds).
    pub read_options: RwSignal<ReadOptions>,
    /// Bin width in seconds.
    pub bin_seconds: RwSignal<u32>,
    /// The detector.
    pub method: RwSignal<Method>,
    /// mean-threshold ratio threshold.
    pub threshold: RwSignal<f64>,
    /// mean-threshold windows in bins.
    pub windows: RwSignal<Vec<u32>>,
    /// rate-test: recent or cumulative evidence.
    pub evidence: RwSignal<Evidence>,
    /// rate-test, recent: expected false alerts per code-hour from the restarted tests.
    pub false_alarm_rate: RwSignal<f64>,
    /// rate-test, recent: seconds between fresh tests of a code.
    pub restart_seconds: RwSignal<u32>,
    /// rate-test: false alarms of the stream-start test over all codes and the stream.
    pub alpha: RwSignal<f64>,
    /// Baseline and candidate build ids.
    pub builds: RwSignal<(u32, u32)>,
    /// What the heatmap colours show.
    pub mode: RwSignal<HeatMode>,
    /// Replay speed.
    pub speed: RwSignal<Speed>,
    /// Whether the replay clock runs.
    pub playing: RwSignal<bool>,
    /// Stream time the engine has reached, ms: the replay clock once the journal has on
    /// disk what it passed (see `ahead`).
    pub position_ms: RwSignal<i64>,
    /// Events applied (judged) so far.
    pub applied: RwSignal<usize>,
    /// Bumped whenever the engine changed, so views re-read it.
    pub version: RwSignal<u64>,
    /// The replay clock and its timer.
    pub player: Player,
    /// The write-ahead journal, once opened.
    pub journal: RwSignal<Option<JournalService>, LocalStorage>,
    /// What the last checkpoint holds (see `recovery`).
    pub(super) checkpointed: StoredValue<Checkpointed, LocalStorage>,
    /// The last file opened (kept to re-read it with other roles or builds).
    pub(super) source: StoredValue<Option<(String, Rc<Vec<u8>>)>, LocalStorage>,
    pub(super) engine: StoredValue<Option<ErrorEngine>, LocalStorage>,
    pub(super) cursor: StoredValue<Cursor, LocalStorage>,
    /// Slices journaled and waiting for the disk before the engine applies them.
    /// Slices journaled and not applied yet: each carries the index just past its last
    /// event in the stream's time-ordered events.
    pub(super) ahead: StoredValue<WriteAhead<usize>, LocalStorage>,
    /// The live feed followed, None when the stream is a file (see `live`).
    pub live: RwSignal<Option<Rc<EventFeed>>, LocalStorage>,
    /// Where the live feed stands.
    pub live_status: RwSignal<LiveStatus>,
    /// Bad lines and skipped events of the feed since connecting.
    pub feed_counts: RwSignal<FeedCounts>,
    /// The live comparison (applied state), when following a feed.
    pub(super) live_state: StoredValue<Option<LiveErrors>, LocalStorage>,
    /// Reads the feed's answers: catalog and cursor of the events journaled.
    pub(super) live_reader: StoredValue<FeedReader, LocalStorage>,
    /// Live batches journaled and not applied yet.
    pub(super) live_ahead: StoredValue<WriteAhead<super::live::Answer>, LocalStorage>,
    /// The open Server-Sent Events connection of an SSE feed.
    pub(super) sse: StoredValue<Option<crate::ui::event_feed::SseConn>, LocalStorage>,
    /// The user's error-code rules and silences with their bin clock (checkpointed with
    /// the engine; see `rules`).
    pub(super) rules: StoredValue<ErrorRules, LocalStorage>,
    /// What the Rules panel shows of them.
    pub rules_view: RwSignal<super::rules::RulesView>,
}

impl ErrState {
    /// Fresh state with no stream.
    pub fn new(app: AppState, incidents: IncidentsState) -> Self {
        let player = Player::new(Speed::Times(60.0), MAX_SPEED_BUDGET_MS);
        let st = ErrState {
            app,
            incidents,
            loaded: RwSignal::new_local(None),
            error: RwSignal::new(None),
            pick_builds: RwSignal::new(None),
            quote_offer: RwSignal::new(None),
            read_options: RwSignal::new(ReadOptions::default()),
            bin_seconds: RwSignal::new(5),
            method: RwSignal::new(Method::RateTest),
            threshold: RwSignal::new(1.25),
            windows: RwSignal::new(vec![5, 10]),
            evidence: RwSignal::new(Evidence::Recent),
            false_alarm_rate: RwSignal::new(recent::DEFAULT_FALSE_ALARM_RATE),
            restart_seconds: RwSignal::new(recent::DEFAULT_RESTART_SECONDS),
            alpha: RwSignal::new(0.01),
            builds: RwSignal::new((0, 1)),
            mode: RwSignal::new(HeatMode::Difference),
            speed: player.speed,
            playing: player.playing,
            position_ms: RwSignal::new(0),
            applied: RwSignal::new(0),
            version: RwSignal::new(0),
            player,
            journal: RwSignal::new_local(None),
            checkpointed: StoredValue::new_local(Checkpointed::NONE),
            source: StoredValue::new_local(None),
            engine: StoredValue::new_local(None),
            cursor: StoredValue::new_local(Cursor::default()),
            ahead: StoredValue::new_local(WriteAhead::default()),
            live: RwSignal::new_local(None),
            live_status: RwSignal::new(LiveStatus::Idle),
            feed_counts: RwSignal::new(FeedCounts::default()),
            live_state: StoredValue::new_local(None),
            live_reader: StoredValue::new_local(FeedReader::default()),
            live_ahead: StoredValue::new_local(WriteAhead::default()),
            sse: StoredValue::new_local(None),
            rules: StoredValue::new_local(ErrorRules::new(
                Alerting::new(Vec::new()),
                ErrorNames::default(),
                1000,
            )),
            rules_view: RwSignal::new(Default::default()),
        };
        st.open_journal();
        st
    }

    /// Runs `f` on the engine, if there is one.
    pub fn with_engine<R>(&self, f: impl FnOnce(&ErrorEngine) -> R) -> Option<R> {
        if self.live_state.with_value(Option::is_some) {
            return self
                .live_state
                .with_value(|l| l.as_ref().and_then(LiveErrors::engine).map(f));
        }
        self.engine.with_value(|e| e.as_ref().map(f))
    }

    /// The stream time the heatmap spans, ms: the file's first to last event, or on a live
    /// feed the current comparison's start to the newest event.
    pub fn span_ms(&self) -> (i64, i64) {
        if let Some(span) = self.live_state.with_value(|l| {
            l.as_ref()
                .map(|l| (l.pair_since_ms().unwrap_or(0), l.newest_ms().unwrap_or(0)))
        }) {
            return span;
        }
        self.loaded.get_untracked().map_or((0, 0), |l| {
            let ev = &l.stream.events;
            (
                ev.first().map_or(0, |e| e.t_ms),
                ev.last().map_or(0, |e| e.t_ms),
            )
        })
    }

    /// Reads a new file (or the demo) with fresh roles and builds, then plays it.
    pub fn open(&self, name: String, bytes: Rc<Vec<u8>>) {
        self.leave_live();
        self.read_options.set(ReadOptions::default());
        self.source.set_value(Some((name.clone(), bytes.clone())));
        self.read(name, bytes, true);
    }

    /// Re-reads the current file with changed read options, keeping the replay position.
    pub fn reread(&self, options: ReadOptions) {
        let Some((name, bytes)) = self.source.get_value() else {
            return;
        };
        self.read_options.set(options);
        // A pick after "too many builds" is a first read of that file.
        let fresh = self.pick_builds.get_untracked().is_some();
        self.read(name, bytes, fresh);
    }

    /// Re-reads the current file with quotes literal from the runaway quote's line on.
    pub fn read_quotes_literally(&self) {
        let Some(line) = self.quote_offer.get_untracked() else {
            return;
        };
        let options = ReadOptions {
            literal_quotes_from: Some(line),
            ..self.read_options.get_untracked()
        };
        self.reread(options);
    }

    fn read(&self, name: String, bytes: Rc<Vec<u8>>, fresh: bool) {
        let options = self.read_options.get_untracked();
        self.quote_offer.set(None);
        match read_bytes(&bytes, &options) {
            Ok(stream) => {
                self.error.set(None);
                self.pick_builds.set(None);
                let mut notes = Vec::new();
                if stream.skipped > 0 {
                    let first: Vec<String> = stream
                        .problems
                        .iter()
                        .take(3)
                        .map(|p| p.to_string())
                        .collect();
                    notes.push(format!(
                        "skipped {} row(s): {}{}",
                        stream.skipped,
                        first.join("; "),
                        if stream.skipped > 3 { "; …" } else { "" }
                    ));
                }
                if stream.out_of_order > 0 {
                    notes.push(format!(
                        "{} row(s) were out of time order and were sorted into place",
                        stream.out_of_order
                    ));
                }
                if let Some(line) = options.literal_quotes_from {
                    notes.push(format!(
                        "quotes read as ordinary characters from line {line} on"
                    ));
                }
                if stream.other_build_events > 0 {
                    notes.push(format!(
                        "{} event(s) of other builds are not compared",
                        stream.other_build_events
                    ));
                }
                self.app.status.set(format!(
                    "{name}: {} events, {} builds, {} codes{}",
                    stream.events.len(),
                    stream.builds.len(),
                    stream.codes.len(),
                    if notes.is_empty() {
                        String::new()
                    } else {
                        format!("; {}", notes.join("; "))
                    }
                ));
                let keep_ms = self.player.position().unwrap_or(0);
                if fresh {
                    self.bin_seconds
                        .set(default_bin_seconds(stream.span_seconds()));
                }
                self.builds.set((stream.baseline, stream.candidate));
                let (start, end) = (
                    stream.events.first().map_or(0, |e| e.t_ms),
                    stream.events.last().map_or(0, |e| e.t_ms),
                );
                self.loaded.set(Some(Rc::new(Loaded { name, stream })));
                self.player
                    .load(start, end, if fresh { start } else { keep_ms });
                self.rebuild();
                if fresh {
                    self.play();
                }
            }
            Err(ReadError::TooManyBuilds { builds }) => {
                self.pause();
                self.app
                    .status
                    .set(format!("{name}: pick the two builds to compare"));
                self.error.set(Some(format!(
                    "{name} has {} builds ({}); pick the baseline and the candidate to compare.",
                    builds.len(),
                    builds.join(", ")
                )));
                self.pick_builds.set(Some(builds));
            }
            Err(e) => {
                // The stream on screen stays; the message says what and where.
                if let ReadError::RunawayQuote(r) = &e {
                    self.quote_offer.set(Some(r.line));
                }
                self.app.status.set(format!(
                    "Could not read {name}; {}",
                    if self.loaded.with_untracked(Option::is_some) {
                        "the stream shown before is kept"
                    } else {
                        "nothing is loaded"
                    }
                ));
                self.error.set(Some(format!("{name}: {e}")));
            }
        }
    }

    /// The engine settings from the controls.
    pub(super) fn config(&self) -> Config {
        let (baseline, candidate) = self.builds.get_untracked();
        Config {
            baseline,
            candidate,
            bin_seconds: self.bin_seconds.get_untracked(),
            method: self.method.get_untracked(),
            evidence: self.evidence.get_untracked(),
            false_alarm_rate: self.false_alarm_rate.get_untracked(),
            restart_seconds: self.restart_seconds.get_untracked(),
            alpha: self.alpha.get_untracked(),
            threshold: self.threshold.get_untracked(),
            windows: self.windows.get_untracked(),
        }
    }

    /// Sets the controls to `config`'s detector settings (not its builds: a file's pair and
    /// a live feed's pair are restored by their own rules), the inverse of [`Self::config`].
    pub(super) fn show_settings(&self, config: &Config) {
        self.bin_seconds.set(config.bin_seconds);
        self.method.set(config.method);
        self.threshold.set(config.threshold);
        self.windows.set(config.windows.clone());
        self.evidence.set(config.evidence);
        self.false_alarm_rate.set(config.false_alarm_rate);
        self.restart_seconds.set(config.restart_seconds);
        self.alpha.set(config.alpha);
    }

    /// Builds a fresh engine from the settings and replays the stream up to the current
    /// position (engines are folds, so this is how settings changes and backward seeks
    /// take effect). A setting the engine refuses is reported and the old engine kept.
    pub fn rebuild(&self) {
        if self.is_live() {
            self.restart_live();
            return;
        }
        let engine = match ErrorEngine::new(self.config()) {
            Ok(e) => e,
            Err(e) => {
                self.error.set(Some(format!("Settings: {e}")));
                return;
            }
        };
        if self
            .error
            .get_untracked()
            .is_some_and(|m| m.starts_with("Settings:"))
        {
            self.error.set(None);
        }
        self.engine.set_value(Some(engine));
        self.cursor.update_value(|c| c.rewind());
        // What waited for the disk belongs to the old stream.
        let start = self.player.span().map_or(0, |(s, _)| s);
        self.ahead.set_value(WriteAhead::new(0, start));
        // Incidents are a fold over the alerts and the rules, so they restart with the
        // engine (before the stream's first checkpoint, which holds them).
        self.incidents.reset_errors();
        self.restart_rules();
        self.start_journal();
        if let Some(to) = self.player.position() {
            self.apply_until(to);
        }
        self.publish();
    }

    /// Journals the events up to `t_ms` not pulled yet and queues them with the clock;
    /// then applies what the disk already holds (with no durable journal: everything).
    fn apply_until(&self, t_ms: i64) {
        let Some(loaded) = self.loaded.get_untracked() else {
            return;
        };
        let events = &loaded.stream.events;
        let from = self.pulled().min(events.len());
        let rest = &events[from..];
        let n = rest.partition_point(|e| e.t_ms <= t_ms);
        let seq = self.journal_events(&rest[..n]);
        let end = from + n;
        self.ahead.update_value(|a| {
            // A clock move that pulled no event only moves the newest slice's clock.
            if !a.extend_clock(t_ms, |p| p.seq == seq && p.batch == end) {
                a.push(seq, t_ms, end);
            }
        });
        self.apply_durable();
    }

    /// Index of the next event to pull into the journal (queued ones are pulled).
    fn pulled(&self) -> usize {
        let applied = self.cursor.with_value(|c| c.applied());
        self.ahead
            .with_value(|a| a.newest().map_or(applied, |p| p.batch.max(applied)))
    }

    /// Applies, oldest first, the queued slices the journal has on disk: their events go
    /// into the engine, whose clock moves to theirs (or finishes at the end of the stream).
    pub(super) fn apply_durable(&self) {
        let Some(loaded) = self.loaded.get_untracked() else {
            return;
        };
        let events = &loaded.stream.events;
        let durable = self.durable_seq();
        let end_ms = self.player.span().map_or(i64::MAX, |(_, e)| e);
        if !self.ahead.with_value(|a| a.waiting()) {
            return;
        }
        let mut rules = self.rules.get_value();
        // The rules see what the engine sees, the way `pipescope errors --rules` feeds them
        // (core::rules::ErrorRules), writing to the Errors incident book.
        self.incidents.with_book(Source::Errors, |book| {
            self.engine.update_value(|engine| {
                // Without an engine (settings refused from the start) the slices keep waiting.
                let Some(engine) = engine.as_mut() else {
                    return;
                };
                while let Some(slice) = self
                    .ahead
                    .try_update_value(|a| a.pop_durable(durable))
                    .flatten()
                {
                    self.cursor.update_value(|c| {
                        let n = slice.batch.saturating_sub(c.applied());
                        c.advance(
                            events,
                            i64::MAX,
                            n,
                            |e| e.t_ms,
                            |e| {
                                engine.push(*e);
                                rules.event(book, e);
                            },
                        );
                        if c.applied() < events.len() {
                            engine.advance_to(slice.t_ms);
                            rules.advance(book, slice.t_ms);
                        } else if slice.t_ms >= end_ms {
                            engine.finish();
                            rules.finish(book);
                        }
                    });
                }
            });
        });
        self.rules.set_value(rules);
    }

    /// Copies the clock and engine state into the signals the views read (and checkpoints
    /// the stream when one is due).
    pub(super) fn publish(&self) {
        if self.live_state.with_value(Option::is_some) {
            self.publish_live();
            return;
        }
        let pos = self.ahead.with_value(|a| a.applied_ms());
        if self.position_ms.get_untracked() != pos {
            self.position_ms.set(pos);
        }
        self.applied.set(self.cursor.with_value(|c| c.applied()));
        self.version.update(|v| *v += 1);
        self.publish_rules();
        if let Some(loaded) = self.loaded.get_untracked() {
            self.engine.with_value(|e| {
                if let Some(e) = e {
                    self.incidents.sync_errors(
                        e.alerts(),
                        &loaded.stream.codes,
                        pos.div_euclid(1000),
                    );
                }
            });
        }
        self.maybe_checkpoint();
    }

    /// [`ErrState::publish`] for a live feed: the clock is the newest event's.
    fn publish_live(&self) {
        let (pos, events) = self.live_state.with_value(|l| {
            l.as_ref().map_or((0, 0), |l| {
                (l.newest_ms().unwrap_or(0), l.events() as usize)
            })
        });
        if self.position_ms.get_untracked() != pos {
            self.position_ms.set(pos);
        }
        self.applied.set(events);
        self.version.update(|v| *v += 1);
        self.publish_rules();
        if let Some(loaded) = self.loaded.get_untracked() {
            self.live_state.with_value(|l| {
                if let Some(e) = l.as_ref().and_then(LiveErrors::engine) {
                    self.incidents.sync_errors(
                        e.alerts(),
                        &loaded.stream.codes,
                        pos.div_euclid(1000),
                    );
                }
            });
        }
        self.maybe_checkpoint();
    }

    /// Starts the replay clock (from the start when at the end).
    pub fn play(&self) {
        if self.live_state.with_value(Option::is_some) {
            return;
        }
        self.player.play(*self);
    }

    /// Stops the replay clock where it is.
    pub fn pause(&self) {
        self.player.pause(*self);
    }

    /// Play or pause.
    pub fn toggle(&self) {
        if self.live_state.with_value(Option::is_some) {
            return;
        }
        self.player.toggle(*self);
    }

    /// Sets the replay speed.
    pub fn set_speed(&self, speed: Speed) {
        self.player.set_speed(speed);
    }

    /// Jumps to stream time `t_ms`.
    pub fn seek(&self, t_ms: i64) {
        if self.live_state.with_value(Option::is_some) {
            return;
        }
        self.player.seek(*self, t_ms);
    }

    /// Steps forward by one bin of stream time.
    pub fn step(&self) {
        if self.live_state.with_value(Option::is_some) {
            return;
        }
        let step_ms = i64::from(self.bin_seconds.get_untracked()) * 1000;
        self.player.step(*self, step_ms);
    }
}

impl Deck for ErrState {
    fn feed_until(&self, t_ms: i64) {
        self.apply_until(t_ms);
    }

    fn rebuild_to(&self, _t_ms: i64) {
        // The player has already moved the clock: rebuild replays up to it.
        self.rebuild();
    }

    /// The clock follows the events: each slice reaches the time of the event
    /// [`SLICE`] events ahead.
    fn slice_end(&self, _position_ms: i64) -> Option<i64> {
        let loaded = self.loaded.get_untracked()?;
        let events = &loaded.stream.events;
        let next = self.pulled();
        (next < events.len()).then(|| events[(next + SLICE).min(events.len()) - 1].t_ms)
    }

    fn publish(&self) {
        ErrState::publish(self);
    }
}
