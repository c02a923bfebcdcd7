//! State of the Monitor workspace: the simulator settings, the stream clock and the loop a
//! gloo-timers Interval drives, feeding points to the detectors and the incident book.

use gloo_timers::callback::Interval;
use leptos::prelude::*;

use super::feed::Feed;
use crate::core::detect::DetectConfig;
use crate::core::incident::{IncidentConfig, IncidentEngine, IncidentState};
use crate::core::simulator::{Injection, InjectionKind, SimConfig};
use crate::core::stream::{Replay, Speed};
use crate::ui::pages::incidents::state::IncidentsState;
use crate::ui::shell::AppState;

/// Timer period of the stream loop: about one frame.
const TICK_MS: u32 = 16;
/// At "max" speed, work per timer tick stays under this many milliseconds so the page
/// keeps painting; ticks are fed in slices of [`SLICE_TICKS`] between clock reads.
const MAX_SPEED_BUDGET_MS: f64 = 6.0;
const SLICE_TICKS: i64 = 10;
/// The simulator runs forever; the clock's span only has to outlast any session.
const OPEN_END_MS: i64 = i64::MAX / 4;
/// Seed of the simulator's noise: fixed, so a run can be repeated.
const SEED: u64 = 7;

/// Open incidents of the Monitor book, for the page's live summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentSummary {
    /// Open incidents.
    pub open: usize,
    /// Most severe open incident (1 is the most severe).
    pub worst_open: Option<u8>,
    /// Every incident so far: (id, severity, open).
    pub all: Vec<(u64, u8, bool)>,
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
    /// Training window of every detector, ms.
    pub train_ms: RwSignal<i64>,
    /// Evaluation window, ms.
    pub eval_ms: RwSignal<i64>,
    /// Speed.
    pub speed: RwSignal<Speed>,
    /// Whether the clock runs.
    pub playing: RwSignal<bool>,
    /// Stream time reached, ms.
    pub position_ms: RwSignal<i64>,
    /// Bumped whenever the feed changed, so views re-read it.
    pub version: RwSignal<u64>,
    /// The last settings or injection error.
    pub error: RwSignal<Option<String>>,
    /// Injections made, newest last: (stream ms, text).
    pub injected: RwSignal<Vec<(i64, String)>>,
    /// Open incidents of this stream.
    pub summary: RwSignal<IncidentSummary>,
    /// Work of the last timer tick, ms (feed plus incident update).
    pub tick_work_ms: RwSignal<f64>,
    feed: StoredValue<Option<Feed>, LocalStorage>,
    replay: StoredValue<Replay, LocalStorage>,
    timer: StoredValue<Option<Interval>, LocalStorage>,
    last_tick: StoredValue<f64, LocalStorage>,
}

fn now_ms() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}

impl MonState {
    /// The default simulator, ready to start.
    pub fn new(app: AppState, incidents: IncidentsState) -> Self {
        let st = MonState {
            app,
            incidents,
            config: RwSignal::new(SimConfig::default()),
            train_ms: RwSignal::new(DetectConfig::default().train_ms),
            eval_ms: RwSignal::new(30_000),
            speed: RwSignal::new(Speed::Times(10.0)),
            playing: RwSignal::new(false),
            position_ms: RwSignal::new(0),
            version: RwSignal::new(0),
            error: RwSignal::new(None),
            injected: RwSignal::new(Vec::new()),
            summary: RwSignal::new(IncidentSummary::default()),
            tick_work_ms: RwSignal::new(0.0),
            feed: StoredValue::new_local(None),
            replay: StoredValue::new_local(Replay::new(0, OPEN_END_MS)),
            timer: StoredValue::new_local(None),
            last_tick: StoredValue::new_local(0.0),
        };
        st.reset();
        st
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

    /// Sets the evaluation window; the stream restarts.
    pub fn set_eval_ms(&self, ms: i64) {
        self.eval_ms.set(ms.max(1000));
        self.reset();
    }

    /// A fresh stream at time 0 with fresh detectors and an empty incident book; the
    /// clock keeps its speed and whether it runs.
    pub fn reset(&self) {
        let config = self.config.get_untracked();
        let detect = DetectConfig::with_train_ms(self.train_ms.get_untracked());
        let names: Vec<String> = config.metrics.iter().map(|m| m.name.clone()).collect();
        let feed = Feed::new(config, SEED, &detect, self.eval_ms.get_untracked());
        let engine = IncidentEngine::new(IncidentConfig::default(), names);
        match (feed, engine) {
            (Ok(feed), Ok(engine)) => {
                self.feed.set_value(Some(feed));
                self.incidents.set_monitor(Some(engine));
                if self
                    .error
                    .get_untracked()
                    .is_some_and(|m| m.starts_with("Metrics:"))
                {
                    self.error.set(None);
                }
            }
            (Err(e), _) => self.error.set(Some(format!("Metrics: {e}"))),
            (_, Err(e)) => self.error.set(Some(format!("Incidents: {e}"))),
        }
        let playing = self.replay.with_value(|r| r.playing());
        let mut replay = Replay::new(0, OPEN_END_MS);
        replay.set_speed(self.speed.get_untracked());
        if playing {
            replay.play();
        }
        self.replay.set_value(replay);
        self.injected.set(Vec::new());
        self.last_tick.set_value(now_ms());
        self.publish();
    }

    /// Starts the clock.
    pub fn play(&self) {
        self.replay.update_value(|r| {
            r.play();
        });
        self.last_tick.set_value(now_ms());
        let st = *self;
        self.timer
            .set_value(Some(Interval::new(TICK_MS, move || st.tick())));
        self.publish();
    }

    /// Stops the clock where it is.
    pub fn pause(&self) {
        self.replay.update_value(|r| r.pause());
        self.timer.set_value(None);
        self.publish();
    }

    /// Start or pause.
    pub fn toggle(&self) {
        if self.playing.get_untracked() {
            self.pause();
        } else {
            self.play();
        }
    }

    /// Sets the speed.
    pub fn set_speed(&self, speed: Speed) {
        self.speed.set(speed);
        self.replay.update_value(|r| r.set_speed(speed));
        self.last_tick.set_value(now_ms());
    }

    /// One simulator tick forward, running or not.
    pub fn step(&self) {
        let tick = self.config.get_untracked().tick_ms;
        let to = self.replay.try_update_value(|r| r.step(tick)).unwrap_or(0);
        self.feed_until(to);
        self.publish();
    }

    /// Injects a fault of `kind` into the metric called `metric` (or every metric for
    /// `all`) from the next tick, lasting `ticks` ticks.
    pub fn inject(&self, kind: InjectionKind, metric: &str, ticks: u32) {
        let result = self
            .feed
            .try_update_value(|f| {
                let Some(feed) = f.as_mut() else {
                    return Err("start the simulator first".to_string());
                };
                let config = feed.sim.config().clone();
                let series: Vec<u32> = if metric == "all" {
                    (0..config.metrics.len() as u32).collect()
                } else {
                    match config.series_of(metric) {
                        Some(s) => vec![s],
                        None => return Err(format!("there is no metric called '{metric}'")),
                    }
                };
                let start = feed.sim.next_t_ms();
                let len = i64::from(ticks.max(1)) * config.tick_ms;
                for s in series {
                    feed.sim
                        .inject(Injection::new(kind, s, start, len))
                        .map_err(|e| e.to_string())?;
                }
                Ok(start)
            })
            .unwrap_or_else(|| Err("the stream is gone".into()));
        match result {
            Ok(start) => {
                let what = if kind == InjectionKind::TransientSpike {
                    format!("{} on {metric}", kind.name())
                } else {
                    format!("{} on {metric} for {ticks} tick(s)", kind.name())
                };
                self.injected.update(|v| v.push((start, what.clone())));
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

    /// Feeds every tick up to `t_ms` through the detectors into the incident book.
    fn feed_until(&self, t_ms: i64) {
        let mut evidence = Vec::new();
        self.feed.update_value(|f| {
            if let Some(feed) = f.as_mut() {
                feed.advance(t_ms, &mut evidence);
            }
        });
        self.incidents.with_monitor(|e| {
            for ev in &evidence {
                e.apply(ev);
            }
            e.advance_to(t_ms);
        });
    }

    /// Copies the clock and incident state into the signals the views read.
    fn publish(&self) {
        let (pos, playing) = self.replay.with_value(|r| (r.position_ms(), r.playing()));
        self.position_ms.set(pos);
        if self.playing.get_untracked() != playing {
            self.playing.set(playing);
        }
        let summary = self
            .incidents
            .read(crate::ui::pages::incidents::state::Source::Monitor, |e| {
                let all: Vec<(u64, u8, bool)> = e
                    .incidents()
                    .iter()
                    .map(|i| (i.id, i.severity, i.state == IncidentState::Open))
                    .collect();
                IncidentSummary {
                    open: all.iter().filter(|i| i.2).count(),
                    worst_open: all.iter().filter(|i| i.2).map(|i| i.1).min(),
                    all,
                }
            })
            .unwrap_or_default();
        if self.summary.with_untracked(|s| *s != summary) {
            self.summary.set(summary);
        }
        self.version.update(|v| *v += 1);
        if !playing {
            self.timer.set_value(None);
        }
    }

    /// One timer tick: move the clock by the wall time since the last tick and feed the
    /// ticks it passed; at "max", feed slices of ticks for a bounded part of the frame.
    fn tick(&self) {
        let now = now_ms();
        let wall = now - self.last_tick.get_value();
        self.last_tick.set_value(now);
        let speed = self.replay.with_value(|r| r.speed());
        match speed {
            Speed::Times(_) => {
                let to = self.replay.try_update_value(|r| r.tick(wall)).unwrap_or(0);
                self.feed_until(to);
            }
            Speed::Max => {
                let slice = SLICE_TICKS * self.config.get_untracked().tick_ms;
                loop {
                    let to = self
                        .replay
                        .try_update_value(|r| {
                            let to = r.position_ms().saturating_add(slice);
                            r.advance_to(to);
                            r.position_ms()
                        })
                        .unwrap_or(0);
                    self.feed_until(to);
                    if now_ms() - now > MAX_SPEED_BUDGET_MS {
                        break;
                    }
                }
            }
        }
        self.tick_work_ms.set(now_ms() - now);
        self.publish();
    }
}
