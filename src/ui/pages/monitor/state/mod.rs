//! State of the Monitor workspace: the simulator settings, the stream clock and the loop a
//! gloo-timers Interval drives, feeding points to the detectors and the incident book.

use std::rc::Rc;

use leptos::prelude::*;

use leptos::task::spawn_local;

mod feed;
mod files;
mod live;
mod recovery;
mod rules;
mod wal;

pub use feed::FeedCounts;
pub use live::LiveStatus;
pub use rules::{validate, RulesView};

use crate::core::detect::{DetectConfig, DetectorChoice, DetectorKind, Sensitivity};
use crate::core::forecast::Periods;
use crate::core::incident::{IncidentConfig, IncidentEngine, IncidentState};
use crate::core::monitor::Feed;
use crate::core::rules::Alerting;
use crate::core::simulator::{Injection, InjectionKind, SimConfig};
use crate::core::source::MetricTable;
use crate::core::stream::Speed;
use crate::ui::journal::JournalService;
use crate::ui::pages::incidents::state::IncidentsState;
use crate::ui::player::{Deck, Player};
use crate::ui::shell::AppState;

/// At "max" speed, work per frame stays under this many milliseconds so the page keeps
/// painting; the simulator is fed [`SLICE_TICKS`] ticks (a file [`SLICE_ROWS`] rows)
/// between clock reads.
const MAX_SPEED_BUDGET_MS: f64 = 6.0;
const SLICE_TICKS: i64 = 10;
const SLICE_ROWS: usize = 20;
/// The simulator runs forever; the clock's span only has to outlast any session.
const OPEN_END_MS: i64 = i64::MAX / 4;
/// Seed of the simulator's noise: fixed, so a run can be repeated.
const SEED: u64 = 7;
/// Journaled events judged per slice while recovering (about 30 ms of work).
const RECOVER_SLICE: usize = 20_000;
/// IndexedDB database of the Monitor's journal.
const JOURNAL_DB: &str = "pipescope-monitor";
/// Why the controls that would add events are off in a tab that does not write.
pub const READ_ONLY_NOTE: &str = "Read-only tab: another pipescope tab writes this journal, so \
    Start, Step, Inject and Reset are off here. Close the other tab and reload to write here.";

/// Open incidents of the Monitor book, for the page's live summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentSummary {
    /// Open incidents.
    pub open: usize,
    /// Most severe open incident (1 is the most severe).
    pub worst_open: Option<u8>,
    /// Every incident so far: (id, severity, open).
    pub all: Vec<(u64, u8, bool)>,
    /// The summary's lines, oldest first: one per group (core::incident::group).
    pub lines: Vec<SummaryLine>,
    /// Anomalies in the book's log.
    pub logged: usize,
}

/// One line of the Monitor's incident summary: an incident alone, or a group of them.
#[derive(Debug, Clone, PartialEq)]
pub enum SummaryLine {
    /// (id, severity, open).
    One(u64, u8, bool),
    /// Incidents that opened close together: its uid, its headline (`2 rule firings: cpu,
    /// mem`), severity, open, and the members as (id, severity, open).
    Group {
        uid: String,
        headline: String,
        severity: u8,
        open: bool,
        members: Vec<(u64, u8, bool)>,
    },
}

/// A metric file read for replay or training.
#[derive(Debug)]
pub struct MetricFile {
    /// File name as picked.
    pub name: String,
    /// Its table.
    pub table: Rc<MetricTable>,
}

/// Signals of the Monitor workspace, shared by its components through context.
#[derive(Clone, Copy)]
pub struct MonState {
    /// App-wide status line and theme.
    pub app: AppState,
    /// Where anomalies open incidents.
    pub incidents: IncidentsState,
    /// Simulator settings in use.
    pub config: RwSignal<SimConfig>,
    /// The replayed file; None streams the simulator.
    pub file: RwSignal<Option<Rc<MetricFile>>, LocalStorage>,
    /// The live source, when the stream comes from one (the file is then None).
    pub live: RwSignal<Option<Rc<crate::core::live::PromSource>>, LocalStorage>,
    /// Where the live source stands.
    pub live_status: RwSignal<LiveStatus>,
    /// The live source's series, in id order.
    pub live_names: RwSignal<Vec<String>>,
    /// A live source to connect afresh (new settings or a reset of a live stream).
    pub live_restart: RwSignal<Option<Rc<crate::core::live::PromSource>>, LocalStorage>,
    /// A live source whose history is being fetched (not the stream's yet).
    pub connecting: StoredValue<Option<Rc<crate::core::live::PromSource>>, LocalStorage>,
    /// The event feed of metric points, when the stream follows one (the file and the
    /// Prometheus source are then None).
    pub event_feed: RwSignal<Option<Rc<crate::core::live::events::EventFeed>>, LocalStorage>,
    /// Where the event feed stands.
    pub feed_status: RwSignal<crate::ui::event_feed::FeedStatus>,
    /// What the feed's answers held besides new points, since connecting.
    pub feed_counts: RwSignal<FeedCounts>,
    /// Reads the feed's answers (series ids, the newest point of each).
    feed_reader: StoredValue<crate::core::live::events::MetricReader, LocalStorage>,
    /// The feed's open event stream, when it is one.
    feed_stream: StoredValue<Option<crate::ui::event_feed::SseConn>, LocalStorage>,
    /// The training file, if one was given.
    pub training: RwSignal<Option<Rc<MetricFile>>, LocalStorage>,
    /// Metrics whose detector started from the training file, with its point count.
    pub pretrained: RwSignal<Vec<(String, usize)>>,
    /// Training window of every detector, ms.
    pub train_ms: RwSignal<i64>,
    /// Coverage of the forecast band, in (0, 1).
    pub level: RwSignal<f64>,
    /// Seasonal periods: detected, none, or set by the user.
    pub periods: RwSignal<Periods>,
    /// Evaluation window, ms.
    pub eval_ms: RwSignal<i64>,
    /// Metrics with their own detector or sensitivity.
    pub detectors: RwSignal<Vec<DetectorChoice>>,
    /// The incident book's rules.
    pub rules: RwSignal<IncidentConfig>,
    /// Speed.
    pub speed: RwSignal<Speed>,
    /// Whether the clock runs.
    pub playing: RwSignal<bool>,
    /// Stream time reached, ms.
    pub position_ms: RwSignal<i64>,
    /// Bumped whenever the feed changed, so views re-read it.
    pub version: RwSignal<u64>,
    /// The last settings, file or injection error.
    pub error: RwSignal<Option<String>>,
    /// A replay file refused for a runaway quote: its name, bytes, the quote's line and the
    /// error shown, so that error (and no later one) offers to read quotes literally.
    pub runaway: RwSignal<Option<(String, Rc<Vec<u8>>, u64, String)>, LocalStorage>,
    /// Injections made, newest last: (stream ms, text).
    pub injected: RwSignal<Vec<(i64, String)>>,
    /// Open incidents of this stream.
    pub summary: RwSignal<IncidentSummary>,
    /// Work of the last timer tick, ms (feed plus incident update).
    pub tick_work_ms: RwSignal<f64>,
    /// The stream clock and its timer.
    pub player: Player,
    /// The write-ahead journal, once opened (None before, and in tests of the feed).
    pub journal: RwSignal<Option<JournalService>, LocalStorage>,
    /// True while a recovery replays the journal: the player and resets wait.
    pub recovering: RwSignal<bool>,
    feed: StoredValue<Option<Feed>, LocalStorage>,
    /// Injections made, re-applied when the stream is rebuilt.
    injections: StoredValue<Vec<Injection>, LocalStorage>,
    /// Events judged since the stream started.
    judged: StoredValue<u64>,
    /// The user's rules and silences, judged with the detectors (checkpointed with them).
    alerting: StoredValue<crate::core::rules::Alerting, LocalStorage>,
    /// The rules text in the editor (applied or not).
    pub rules_draft: RwSignal<String>,
    /// What the rules panel shows of the running rules and silences.
    pub rules_view: RwSignal<RulesView>,
    /// Stream time the judged state has reached: the clock the page shows (the source may
    /// run ahead by the batches waiting for the disk).
    pub judged_ms: RwSignal<i64>,
    /// Batches journaled and not yet on disk, oldest first.
    ahead: StoredValue<crate::core::journal::ahead::WriteAhead<wal::Batch>, LocalStorage>,
    /// The source as of the judged state while batches wait (None: the feed's own).
    judged_source: StoredValue<Option<crate::core::monitor::Source>, LocalStorage>,
    /// Wall time (performance.now() ms) and events judged at the last checkpoint.
    last_checkpoint: StoredValue<(f64, u64)>,
    /// Main-thread time the last checkpoint took, ms.
    checkpoint_cost_ms: StoredValue<f64>,
}

impl MonState {
    /// The default simulator, ready to start.
    pub fn new(app: AppState, incidents: IncidentsState) -> Self {
        let player = Player::new(Speed::Times(10.0), MAX_SPEED_BUDGET_MS);
        let st = MonState {
            app,
            incidents,
            config: RwSignal::new(SimConfig::default()),
            file: RwSignal::new_local(None),
            live: RwSignal::new_local(None),
            live_status: RwSignal::new(LiveStatus::Idle),
            live_names: RwSignal::new(Vec::new()),
            connecting: StoredValue::new_local(None),
            live_restart: RwSignal::new_local(None),
            event_feed: RwSignal::new_local(None),
            feed_status: RwSignal::new(Default::default()),
            feed_counts: RwSignal::new(FeedCounts::default()),
            feed_reader: StoredValue::new_local(Default::default()),
            feed_stream: StoredValue::new_local(None),
            training: RwSignal::new_local(None),
            pretrained: RwSignal::new(Vec::new()),
            train_ms: RwSignal::new(DetectConfig::default().train_ms),
            level: RwSignal::new(0.95),
            periods: RwSignal::new(Periods::Auto),
            eval_ms: RwSignal::new(30_000),
            detectors: RwSignal::new(Vec::new()),
            rules: RwSignal::new(IncidentConfig::default()),
            speed: player.speed,
            playing: player.playing,
            position_ms: player.position_ms,
            version: RwSignal::new(0),
            error: RwSignal::new(None),
            runaway: RwSignal::new_local(None),
            injected: RwSignal::new(Vec::new()),
            summary: RwSignal::new(IncidentSummary::default()),
            tick_work_ms: player.tick_work_ms,
            player,
            journal: RwSignal::new_local(None),
            recovering: RwSignal::new(false),
            feed: StoredValue::new_local(None),
            injections: StoredValue::new_local(Vec::new()),
            judged: StoredValue::new(0),
            alerting: StoredValue::new_local(crate::core::rules::Alerting::new(Vec::new())),
            rules_draft: app.rules_draft,
            rules_view: RwSignal::new(RulesView::default()),
            judged_ms: RwSignal::new(0),
            ahead: StoredValue::new_local(Default::default()),
            judged_source: StoredValue::new_local(None),
            last_checkpoint: StoredValue::new((0.0, 0)),
            checkpoint_cost_ms: StoredValue::new(0.0),
        };
        st.reset();
        spawn_local(async move {
            let svc = JournalService::open(JOURNAL_DB).await;
            st.attach_journal(svc);
        });
        st
    }

    /// Names of the stream's metrics, in series order (tracked).
    pub fn metric_names(&self) -> Vec<String> {
        if self.is_live() {
            return self.live_names.get();
        }
        match self.file.get() {
            Some(f) => f.table.names.clone(),
            None => self
                .config
                .with(|c| c.metrics.iter().map(|m| m.name.clone()).collect()),
        }
    }

    fn metric_names_untracked(&self) -> Vec<String> {
        untrack(|| self.metric_names())
    }

    /// Runs `f` on the feed, if there is one.
    pub fn with_feed<R>(&self, f: impl FnOnce(&Feed) -> R) -> Option<R> {
        self.feed.with_value(|e| e.as_ref().map(f))
    }

    /// Applies new simulator settings: the stream restarts with them. A setting the
    /// simulator refuses is reported and the running stream kept.
    pub fn apply_config(&self, config: SimConfig) {
        if let Err(e) = config.validate() {
            self.error.set(Some(format!("Metrics: {e}")));
            return;
        }
        self.config.set(config);
        self.reset();
    }

    /// Sets the detectors' training window; the stream restarts.
    pub fn set_train_ms(&self, ms: i64) {
        self.train_ms.set(ms);
        self.reset();
    }

    /// Sets the band's coverage; the stream restarts.
    pub fn set_level(&self, level: f64) {
        self.level.set(level);
        self.reset();
    }

    /// Sets the seasonal periods from text (`auto`, `none`, seconds); the stream restarts.
    /// Text that is not a period is explained and the stream kept.
    pub fn set_periods(&self, text: &str) {
        match Periods::parse(text) {
            Ok(p) => {
                self.periods.set(p);
                if self
                    .error
                    .get_untracked()
                    .is_some_and(|m| m.starts_with("Period:"))
                {
                    self.error.set(None);
                }
                self.reset();
            }
            Err(e) => self.error.set(Some(format!("Period: {e}"))),
        }
    }

    /// Sets the evaluation window; the stream restarts.
    pub fn set_eval_ms(&self, ms: i64) {
        self.eval_ms.set(ms.max(1000));
        self.reset();
    }

    /// The detector and sensitivity of `metric` (the defaults unless chosen).
    pub fn detector_of(&self, metric: &str) -> (DetectorKind, Sensitivity) {
        self.detectors.with(|d| {
            d.iter()
                .find(|c| c.metric == metric)
                .map(|c| (c.kind, c.sensitivity))
                .unwrap_or_default()
        })
    }

    /// Gives `metric` its own detector and sensitivity; the stream restarts.
    pub fn set_detector(&self, metric: &str, kind: DetectorKind, sensitivity: Sensitivity) {
        self.detectors.update(|d| {
            d.retain(|c| c.metric != metric);
            if (kind, sensitivity) != Default::default() {
                d.push(DetectorChoice {
                    metric: metric.to_string(),
                    kind,
                    sensitivity,
                });
            }
        });
        self.reset();
    }

    /// Sets the incident book's rules; the stream restarts. Rules the book cannot run
    /// with are explained and the running stream kept.
    pub fn set_rules(&self, rules: IncidentConfig) {
        if let Err(e) = rules.validate() {
            self.error.set(Some(format!("Incident rules: {e}")));
            return;
        }
        if self
            .error
            .get_untracked()
            .is_some_and(|m| m.starts_with("Incident rules:"))
        {
            self.error.set(None);
        }
        self.rules.set(rules);
        self.reset();
    }

    /// A fresh stream from its start with fresh detectors and an empty incident book; the
    /// clock keeps its speed and whether it runs. A live stream reconnects, so its history
    /// is fetched again for the new detectors.
    pub fn reset(&self) {
        if self.recovering.get_untracked() {
            return;
        }
        if let Some(source) = self.live.get_untracked() {
            // Its loop stops at its next turn; the form's effect connects afresh.
            self.live.set(None);
            self.live_restart.set(Some(source));
            return;
        }
        if let Some(feed) = self.event_feed.get_untracked() {
            // New detectors read the feed again from everything it holds.
            self.start_feed((*feed).clone());
            return;
        }
        self.restart();
    }

    /// [`MonState::reset`] for the current source, live or not.
    fn restart(&self) {
        let playing = self.playing.get_untracked();
        self.injections.set_value(Vec::new());
        self.injected.set(Vec::new());
        self.build_feed();
        let (start, end) = match self.file.get_untracked() {
            Some(f) => (
                f.table.times_ms.first().copied().unwrap_or(0),
                f.table.times_ms.last().copied().unwrap_or(0),
            ),
            None => (0, OPEN_END_MS),
        };
        self.player.load(start, end, start);
        self.start_journal();
        self.publish();
        if playing {
            self.play();
        }
    }

    /// Fresh detectors, source and incident book (the injections made so far re-applied),
    /// at the start of the stream; the clock and the journal are left alone.
    fn build_feed(&self) {
        let mut detect = DetectConfig::with_train_ms(self.train_ms.get_untracked());
        detect.level = self.level.get_untracked();
        detect.periods = self.periods.get_untracked();
        let eval_ms = self.eval_ms.get_untracked();
        let choices = self.detectors.get_untracked();
        let training = self.training.get_untracked();
        let one_metric = self.metric_names_untracked().len() == 1;
        let lookup = |name: &str| -> Option<(Vec<i64>, Vec<f64>)> {
            let t = &training.as_ref()?.table;
            // By name; a one-metric training file trains a one-metric stream whatever
            // the names.
            let i = t
                .names
                .iter()
                .position(|n| n == name)
                .or_else(|| (one_metric && t.names.len() == 1).then_some(0))?;
            let (times, values) = t
                .times_ms
                .iter()
                .zip(&t.columns[i])
                .filter(|(_, v)| v.is_finite())
                .map(|(&t, &v)| (t, v))
                .unzip();
            Some((times, values))
        };
        let live = self.live.get_untracked();
        let (feed, names) = match self.file.get_untracked() {
            _ if self.is_live_untracked() => {
                let names = self.live_names.get_untracked();
                // An event feed has no step; its points come when they come.
                let step = live.as_ref().map_or(1_000, |l| l.step_ms());
                (
                    Feed::new_live(names.clone(), step, &detect, &choices, eval_ms),
                    names,
                )
            }
            Some(f) => (
                Feed::new_file(f.table.clone(), &detect, &choices, eval_ms, &lookup),
                f.table.names.clone(),
            ),
            None => {
                let config = self.config.get_untracked();
                let names = config.metrics.iter().map(|m| m.name.clone()).collect();
                (
                    Feed::new_sim(config, SEED, &detect, &choices, eval_ms, &lookup),
                    names,
                )
            }
        };
        let feed_names = names.clone();
        let engine = IncidentEngine::new(self.rules.get_untracked(), names);
        match (feed, engine) {
            (Ok(mut feed), Ok(engine)) => {
                if let Some(sim) = feed.sim_mut() {
                    self.injections.with_value(|all| {
                        for i in all {
                            // Accepted once, so accepted again by the same simulator.
                            let _ = sim.inject(*i);
                        }
                    });
                }
                self.pretrained.set(feed.pretrained.clone());
                self.feed.set_value(Some(feed));
                let start = self
                    .file
                    .get_untracked()
                    .and_then(|f| f.table.times_ms.first().copied())
                    .unwrap_or(0);
                self.drop_waiting(start);
                // The rules carry over to the new stream; their state does not.
                let names = feed_names.clone();
                self.alerting.update_value(|a| *a = a.fresh(names));
                self.incidents.set_monitor(Some(engine));
                if self
                    .error
                    .get_untracked()
                    .is_some_and(|m| m.starts_with("Metrics:") || m.starts_with("Training:"))
                {
                    self.error.set(None);
                }
            }
            (Err(e), _) if e.starts_with("training") => {
                self.error.set(Some(format!("Training: {e}")));
                self.training.set(None);
                self.build_feed();
            }
            (Err(e), _) => self.error.set(Some(format!("Metrics: {e}"))),
            (_, Err(e)) => self.error.set(Some(format!("Incidents: {e}"))),
        }
    }

    /// Stops following the live source (its polling loop ends at its next turn).
    pub fn leave_live(&self) {
        if self.live.with_untracked(Option::is_some) {
            self.live.set(None);
            self.live_status.set(LiveStatus::Idle);
        }
        self.leave_feed();
    }

    /// Whether the stream comes from a live source, Prometheus or an event feed (tracked).
    pub fn is_live(&self) -> bool {
        self.live.with(Option::is_some) || self.event_feed.with(Option::is_some)
    }

    /// [`MonState::is_live`], untracked.
    pub fn is_live_untracked(&self) -> bool {
        untrack(|| self.is_live())
    }

    /// Whether another tab writes the journal (tracked): this tab then shows what was
    /// stored and does not stream, so Start, Step, Inject and Reset are off.
    pub fn read_only(&self) -> bool {
        self.journal.with(|j| {
            j.as_ref().is_some_and(|svc| {
                matches!(
                    svc.view().with(|v| v.status.clone()),
                    crate::ui::journal::Status::ReadOnly { .. }
                )
            })
        })
    }

    /// [`MonState::read_only`], untracked.
    pub fn read_only_untracked(&self) -> bool {
        untrack(|| self.read_only())
    }

    /// Starts the clock (a finished file starts over).
    pub fn play(&self) {
        // A live stream's clock is the source's: new points are judged as they arrive.
        if self.recovering.get_untracked() || self.is_live_untracked() || self.read_only_untracked()
        {
            return;
        }
        self.player.play(*self);
        self.save_player();
    }

    /// Start or pause (a read-only tab may pause, not start).
    pub fn toggle(&self) {
        if self.recovering.get_untracked() || self.is_live_untracked() {
            return;
        }
        if self.read_only_untracked() && !self.playing.get_untracked() {
            self.app.status.set(READ_ONLY_NOTE.into());
            return;
        }
        self.player.toggle(*self);
        self.save_player();
    }

    /// Sets the speed (kept beside the journal, so a recovered stream runs at it).
    pub fn set_speed(&self, speed: Speed) {
        self.player.set_speed(speed);
        self.save_player();
    }

    /// Jumps to stream time `t_ms` of a replayed file.
    pub fn seek(&self, t_ms: i64) {
        if self.recovering.get_untracked() {
            return;
        }
        self.player.seek(*self, t_ms);
    }

    /// One step forward, running or not: a simulator tick, or a file's typical row step.
    pub fn step(&self) {
        if self.recovering.get_untracked() {
            return;
        }
        if self.read_only_untracked() {
            self.app.status.set(READ_ONLY_NOTE.into());
            return;
        }
        let step = match self.file.get_untracked() {
            Some(f) => f.table.step_ms().unwrap_or(1000).max(1),
            None => self.config.get_untracked().tick_ms,
        };
        self.player.step(*self, step);
    }

    /// Injects a fault of `kind` into the metric called `metric` (or every metric for
    /// `all`) from the next tick, lasting `ticks` ticks.
    pub fn inject(&self, kind: InjectionKind, metric: &str, ticks: u32) {
        if self.read_only_untracked() {
            self.app.status.set(READ_ONLY_NOTE.into());
            return;
        }
        let result =
            self.feed
                .try_update_value(|f| {
                    let Some(sim) = f.as_mut().and_then(|f| f.sim_mut()) else {
                        return Err("faults are injected into the simulator; switch to it first"
                            .to_string());
                    };
                    let config = sim.config().clone();
                    let series: Vec<u32> = if metric == "all" {
                        (0..config.metrics.len() as u32).collect()
                    } else {
                        match config.series_of(metric) {
                            Some(s) => vec![s],
                            None => return Err(format!("there is no metric called '{metric}'")),
                        }
                    };
                    let start = sim.next_t_ms();
                    let len = i64::from(ticks.max(1)) * config.tick_ms;
                    let mut made = Vec::new();
                    for s in series {
                        let i = Injection::new(kind, s, start, len);
                        sim.inject(i).map_err(|e| e.to_string())?;
                        made.push(i);
                    }
                    self.injections
                        .update_value(|all| all.extend(made.iter().copied()));
                    Ok((start, made))
                })
                .unwrap_or_else(|| Err("the stream is gone".into()));
        match result {
            Ok((start, made)) => {
                self.inject_everywhere(&made);
                let what = if kind == InjectionKind::TransientSpike {
                    format!("{} on {metric}", kind.name())
                } else {
                    format!("{} on {metric} for {ticks} tick(s)", kind.name())
                };
                self.injected.update(|v| v.push((start, what.clone())));
                // The fault lives in the simulator's state: a checkpoint keeps it over a
                // reload (the journal holds events, not injections).
                self.checkpoint_now();
                self.app.status.set(format!(
                    "Injected {what} at {:.0} s of stream time",
                    start as f64 / 1000.0
                ));
                if self
                    .error
                    .get_untracked()
                    .is_some_and(|m| m.starts_with("Inject:"))
                {
                    self.error.set(None);
                }
            }
            Err(e) => self.error.set(Some(format!("Inject: {e}"))),
        }
    }

    /// Runs `f` on the feed and the incident book together (neither borrowed while the
    /// other's readers are told it changed).
    fn with_engines(&self, f: impl FnOnce(&mut Feed, &mut IncidentEngine, &mut Alerting)) {
        let Some(mut feed) = self.feed.try_update_value(Option::take).flatten() else {
            return;
        };
        self.with_alerting(|rules, book| f(&mut feed, book, rules));
        self.feed.set_value(Some(feed));
    }

    /// Copies the clock and incident state into the signals the views read.
    fn publish(&self) {
        use crate::ui::pages::incidents::state::Source;
        let summary = self
            .incidents
            .read(Source::Monitor, |e| {
                let all: Vec<(u64, u8, bool)> = e
                    .incidents()
                    .iter()
                    .map(|i| (i.id, i.severity, i.state == IncidentState::Open))
                    .collect();
                let step = self.incidents.group_step(Source::Monitor);
                let mut groups = e.groups(step);
                groups.sort_by_key(|g| g.members.iter().copied().min());
                let lines = groups
                    .into_iter()
                    .map(|g| {
                        let members: Vec<(u64, u8, bool)> =
                            all.iter().filter(|i| g.contains(i.0)).copied().collect();
                        match members[..] {
                            [one] => SummaryLine::One(one.0, one.1, one.2),
                            _ => SummaryLine::Group {
                                uid: g.uid(),
                                headline: g.headline(),
                                severity: g.severity,
                                open: g.state == IncidentState::Open,
                                members,
                            },
                        }
                    })
                    .collect();
                IncidentSummary {
                    open: all.iter().filter(|i| i.2).count(),
                    worst_open: all.iter().filter(|i| i.2).map(|i| i.1).min(),
                    lines,
                    all,
                    logged: e.anomaly_log().len(),
                }
            })
            .unwrap_or_default();
        self.publish_rules();
        if self.summary.with_untracked(|s| *s != summary) {
            self.summary.set(summary);
        }
        self.version.update(|v| *v += 1);
    }
}

impl Deck for MonState {
    fn feed_until(&self, t_ms: i64) {
        MonState::feed_until(self, t_ms);
    }

    fn rebuild_to(&self, t_ms: i64) {
        self.build_feed();
        self.start_journal();
        MonState::feed_until(self, t_ms);
    }

    fn slice_end(&self, position_ms: i64) -> Option<i64> {
        let tick = self.config.get_untracked().tick_ms;
        self.with_feed(|f| match f.sim() {
            Some(_) => Some(position_ms.saturating_add(SLICE_TICKS * tick)),
            None => f.rows_ahead_ms(SLICE_ROWS),
        })
        .flatten()
    }

    fn publish(&self) {
        MonState::publish(self);
    }
}
