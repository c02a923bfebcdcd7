//! Simulator ticks or the rows of a replayed file → one causal detector per metric →
//! evidence for the incident book, with a bounded point history for the charts and MAE /
//! MAPE / anomaly counts per evaluation window.

use std::collections::VecDeque;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::core::detect::{DetectConfig, Detector, DetectorChoice, Point};
use crate::core::event::{Event, MetricEvent};
use crate::core::incident::Evidence;
use crate::core::simulator::{SimConfig, SimError, Simulator};
use crate::core::source::MetricTable;

/// Points kept per metric for the charts (older points are dropped first).
pub const HISTORY_LEN: usize = 2_000;
/// Evaluation windows kept per metric for the table's small series.
pub const EVAL_LEN: usize = 240;

/// Forecast error and anomalies of one metric over one evaluation window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EvalRecord {
    /// Window start, stream ms.
    pub start_ms: i64,
    /// Judged points (those with a forecast).
    pub judged: u32,
    /// Mean absolute error of the forecast.
    pub mae: f64,
    /// Mean absolute percentage error, in percent, over points whose value is not 0
    /// (None when every judged value was 0).
    pub mape: Option<f64>,
    /// Anomalous points.
    pub anomalies: u32,
}

/// Running sums of the open evaluation window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct EvalSums {
    index: i64,
    judged: u32,
    abs_err: f64,
    pct_err: f64,
    pct_n: u32,
    anomalies: u32,
}

impl EvalSums {
    fn record(&self, window_ms: i64) -> EvalRecord {
        EvalRecord {
            start_ms: self.index * window_ms,
            judged: self.judged,
            mae: if self.judged > 0 {
                self.abs_err / f64::from(self.judged)
            } else {
                0.0
            },
            mape: (self.pct_n > 0).then(|| 100.0 * self.pct_err / f64::from(self.pct_n)),
            anomalies: self.anomalies,
        }
    }
}

/// One metric's detector, recent points and evaluation windows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Track {
    /// The metric's name.
    pub name: String,
    detector: Detector,
    /// Recent judged points, oldest first (at most [`HISTORY_LEN`]).
    pub history: VecDeque<Point>,
    /// Time of the first point with a forecast: training ended there.
    pub trained_from_ms: Option<i64>,
    /// Closed evaluation windows, oldest first (at most [`EVAL_LEN`]).
    pub evals: VecDeque<EvalRecord>,
    open: Option<EvalSums>,
    /// Anomalies since the stream started.
    pub total_anomalies: u64,
}

impl Track {
    fn new(name: String, detector: Detector) -> Track {
        Track {
            name,
            detector,
            history: VecDeque::with_capacity(HISTORY_LEN),
            trained_from_ms: None,
            evals: VecDeque::new(),
            open: None,
            total_anomalies: 0,
        }
    }

    /// The settings of this metric's detector.
    pub fn detect_config(&self) -> &DetectConfig {
        self.detector.config()
    }

    /// Model fits this metric's detector has made (the training fit included).
    pub fn fits(&self) -> u64 {
        self.detector.fits()
    }

    fn push(&mut self, t_ms: i64, value: f64, window_ms: i64) -> Point {
        let p = self.detector.push(t_ms, value);
        if self.history.len() == HISTORY_LEN {
            self.history.pop_front();
        }
        self.history.push_back(p);
        if let Some(expected) = p.expected {
            self.trained_from_ms.get_or_insert(t_ms);
            self.close_until(t_ms, window_ms);
            let index = t_ms.div_euclid(window_ms);
            let s = self.open.get_or_insert(EvalSums {
                index,
                ..EvalSums::default()
            });
            if value.is_finite() {
                let err = (value - expected).abs();
                s.judged += 1;
                s.abs_err += err;
                if value != 0.0 {
                    s.pct_err += err / value.abs();
                    s.pct_n += 1;
                }
                if p.anomaly {
                    s.anomalies += 1;
                    self.total_anomalies += 1;
                }
            }
        }
        p
    }

    /// Closes the open window if stream time `t_ms` lies past it.
    fn close_until(&mut self, t_ms: i64, window_ms: i64) {
        if let Some(s) = self.open {
            if t_ms.div_euclid(window_ms) > s.index {
                if self.evals.len() == EVAL_LEN {
                    self.evals.pop_front();
                }
                self.evals.push_back(s.record(window_ms));
                self.open = None;
            }
        }
    }
}

/// Where a feed's points come from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Source {
    /// The built-in simulator (open-ended).
    Sim(Simulator),
    /// A replayed file: its rows in time order, and the next row to feed.
    File {
        /// The file's table: not in a checkpoint (the journal stores it once, beside the
        /// checkpoints, and recovery puts it back).
        #[serde(skip, default = "empty_table")]
        table: Rc<MetricTable>,
        /// Rows fed so far.
        next_row: usize,
    },
    /// A live source: points the page fetched, waiting to be pulled in time order.
    Live {
        /// Fetched and not pulled yet: not in a checkpoint (a resumed stream fetches
        /// again what its journal does not hold).
        #[serde(skip)]
        pending: std::collections::VecDeque<Event>,
    },
}

/// Training data per metric, from an uploaded file: (times ms, values).
pub type Training<'a> = &'a dyn Fn(&str) -> Option<(Vec<i64>, Vec<f64>)>;

/// The stream source and the per-metric tracks fed from it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Feed {
    /// The stream source.
    pub source: Source,
    /// One track per metric, by series id.
    pub tracks: Vec<Track>,
    /// Evaluation window length, stream ms (> 0).
    pub eval_ms: i64,
    /// Metrics whose detector started from the training file, with its point count.
    pub pretrained: Vec<(String, usize)>,
    #[serde(skip)]
    scratch: Vec<Event>,
}

fn empty_table() -> Rc<MetricTable> {
    Rc::new(MetricTable::from_events(Vec::new(), &[]))
}

impl Feed {
    /// A feed over a fresh simulator; fails with a message naming the bad setting.
    pub fn new(
        config: SimConfig,
        seed: u64,
        detect: &DetectConfig,
        eval_ms: i64,
    ) -> Result<Feed, String> {
        Self::new_sim(config, seed, detect, &[], eval_ms, &|_| None)
    }

    /// A feed over a fresh simulator, metrics found in `training` starting from a model
    /// fitted on it, and those in `choices` with their own detector.
    pub fn new_sim(
        config: SimConfig,
        seed: u64,
        detect: &DetectConfig,
        choices: &[DetectorChoice],
        eval_ms: i64,
        training: Training,
    ) -> Result<Feed, String> {
        let names: Vec<String> = config.metrics.iter().map(|m| m.name.clone()).collect();
        let step = config.tick_ms;
        let sim = Simulator::new(config, seed).map_err(|e: SimError| e.to_string())?;
        Self::build(
            Source::Sim(sim),
            names,
            step,
            detect,
            choices,
            eval_ms,
            training,
        )
    }

    /// A feed replaying `table` from its first row (see [`Feed::new_sim`]).
    pub fn new_file(
        table: Rc<MetricTable>,
        detect: &DetectConfig,
        choices: &[DetectorChoice],
        eval_ms: i64,
        training: Training,
    ) -> Result<Feed, String> {
        let names = table.names.clone();
        let step = table.step_ms().unwrap_or(1000);
        let source = Source::File { table, next_row: 0 };
        Self::build(source, names, step, detect, choices, eval_ms, training)
    }

    /// A feed over a live source whose series are `names` (more may join, see
    /// [`Feed::add_series`]), its points arriving through [`Feed::receive`].
    pub fn new_live(
        names: Vec<String>,
        step_ms: i64,
        detect: &DetectConfig,
        choices: &[DetectorChoice],
        eval_ms: i64,
    ) -> Result<Feed, String> {
        let source = Source::Live {
            pending: Default::default(),
        };
        Self::build(source, names, step_ms, detect, choices, eval_ms, &|_| None)
    }

    /// Adds a series that appeared in a live source after the stream started; its id is
    /// the next track's.
    pub fn add_series(
        &mut self,
        name: String,
        detect: &DetectConfig,
        choices: &[DetectorChoice],
    ) -> Result<u32, String> {
        let config = DetectorChoice::config_for(choices, &name, detect);
        let detector = Detector::new(config).map_err(|e| format!("detector: {e}"))?;
        self.tracks.push(Track::new(name, detector));
        Ok(self.tracks.len() as u32 - 1)
    }

    /// Queues a live source's new points (in time order) until the clock pulls them.
    pub fn receive(&mut self, events: impl IntoIterator<Item = Event>) {
        if let Source::Live { pending } = &mut self.source {
            pending.extend(events);
        }
    }

    fn build(
        source: Source,
        names: Vec<String>,
        step_ms: i64,
        detect: &DetectConfig,
        choices: &[DetectorChoice],
        eval_ms: i64,
        training: Training,
    ) -> Result<Feed, String> {
        let n = names.len().max(1) as i64;
        let mut pretrained = Vec::new();
        let mut tracks = Vec::with_capacity(names.len());
        for (i, name) in names.into_iter().enumerate() {
            // Spread the metrics' refits over the refit interval: one tick, one refit.
            let mut config = DetectorChoice::config_for(choices, &name, detect);
            config.refit_offset_ms = detect.refit_every_ms * i as i64 / n;
            // Metrics finish training one step apart, so their first fits (which also
            // detect the period, the costliest fit) fall in different ticks too.
            config.train_ms = detect
                .train_ms
                .saturating_add(step_ms.max(0).saturating_mul(i as i64));
            let detector = match training(&name) {
                Some((times, values)) => {
                    let d = Detector::pretrained(config, &times, &values)
                        .map_err(|e| format!("training {name}: {e}"))?;
                    pretrained.push((name.clone(), times.len()));
                    d
                }
                None => Detector::new(config).map_err(|e| format!("detector: {e}"))?,
            };
            tracks.push(Track::new(name, detector));
        }
        Ok(Feed {
            source,
            tracks,
            eval_ms: eval_ms.max(1),
            pretrained,
            scratch: Vec::new(),
        })
    }

    /// Puts back a file source's table after a checkpoint restored the feed without it.
    pub fn set_table(&mut self, new: Rc<MetricTable>) {
        if let Source::File { table, .. } = &mut self.source {
            *table = new;
        }
    }

    /// The simulator, when it is the source.
    pub fn sim(&self) -> Option<&Simulator> {
        match &self.source {
            Source::Sim(s) => Some(s),
            Source::File { .. } | Source::Live { .. } => None,
        }
    }

    /// The simulator, when it is the source.
    pub fn sim_mut(&mut self) -> Option<&mut Simulator> {
        match &mut self.source {
            Source::Sim(s) => Some(s),
            Source::File { .. } | Source::Live { .. } => None,
        }
    }

    /// For a file: the time of the row `rows` rows ahead of the next one to feed (the end
    /// of one max-speed slice), None when every row has been fed.
    pub fn rows_ahead_ms(&self, rows: usize) -> Option<i64> {
        match &self.source {
            Source::Sim(_) | Source::Live { .. } => None,
            Source::File { table, next_row } => (*next_row < table.rows())
                .then(|| table.times_ms[(next_row + rows).min(table.rows()) - 1]),
        }
    }

    /// Runs the source up to stream time `t_ms`, judges every new point and returns the
    /// evidence of the judged ones (points seen while training give none).
    pub fn advance(&mut self, t_ms: i64, evidence: &mut Vec<Evidence>) -> usize {
        let mut events = std::mem::take(&mut self.scratch);
        events.clear();
        self.pull(t_ms, &mut events);
        let n = events.len();
        self.apply(&events, t_ms, evidence);
        self.scratch = events;
        n
    }

    /// The source's events up to stream time `t_ms`, in time order, without judging them
    /// (so they can be journaled first). A missing value in a file row is an event whose
    /// value is NaN: a gap, judged as no anomaly and drawn as a break.
    pub fn pull(&mut self, t_ms: i64, out: &mut Vec<Event>) {
        match &mut self.source {
            Source::Sim(sim) => sim.events_until(t_ms, out),
            Source::File { table, next_row } => {
                while *next_row < table.rows() && table.times_ms[*next_row] <= t_ms {
                    let row = *next_row;
                    let t = table.times_ms[row];
                    for (series, column) in table.columns.iter().enumerate() {
                        out.push(Event::Metric(MetricEvent {
                            t_ms: t,
                            series: series as u32,
                            value: column[row],
                        }));
                    }
                    *next_row += 1;
                }
            }
            Source::Live { pending } => {
                while pending.front().is_some_and(|e| e.t_ms() <= t_ms) {
                    out.extend(pending.pop_front());
                }
            }
        }
    }

    /// Judges `events` (from [`Feed::pull`] or a journal), then closes the evaluation
    /// windows that stream time `t_ms` has passed; appends the judged points' evidence.
    pub fn apply(&mut self, events: &[Event], t_ms: i64, evidence: &mut Vec<Evidence>) {
        for e in events {
            let Event::Metric(m) = e else { continue };
            let Some(track) = self.tracks.get_mut(m.series as usize) else {
                continue;
            };
            let p = track.push(m.t_ms, m.value, self.eval_ms);
            evidence.extend(p.evidence(m.series));
        }
        // A metric in a gap still has its window closed when time moves past it.
        for track in &mut self.tracks {
            track.close_until(t_ms, self.eval_ms);
        }
    }

    /// Moves the source past stream time `t_ms` without judging anything: after a
    /// recovery has applied the journaled events, the stream continues from there.
    pub fn skip_to(&mut self, t_ms: i64) {
        let mut sink = Vec::new();
        match &mut self.source {
            Source::Sim(sim) => {
                // The simulator is a pure function of time: generate and drop in slices.
                let step = sim.config().tick_ms.max(1) * 10_000;
                let mut at = sim.next_t_ms();
                while at <= t_ms {
                    at = at.saturating_add(step).min(t_ms);
                    sink.clear();
                    sim.events_until(at, &mut sink);
                    if at == t_ms {
                        break;
                    }
                }
            }
            Source::File { table, next_row } => {
                *next_row = table.times_ms.partition_point(|&t| t <= t_ms);
            }
            Source::Live { pending } => pending.retain(|e| e.t_ms() > t_ms),
        }
    }

    /// Moves the source past the events journaled after a checkpoint, the last of them at
    /// stream time `last_t_ms`; `at_last` are the journaled events at that time (a prefix of
    /// its tick's or row's events: a crash can cut a batch between two events of one tick).
    /// Returns the rest of that tick, never journaled, to journal and judge now.
    pub fn resume_after(&mut self, last_t_ms: i64, at_last: &[Event]) -> Vec<Event> {
        self.skip_to(last_t_ms.saturating_sub(1));
        let mut tick = Vec::new();
        self.pull(last_t_ms, &mut tick);
        // Keyed by time and series, not value: a missing value is NaN, never equal.
        let key = |e: &Event| match e {
            Event::Metric(m) => Some((m.t_ms, m.series)),
            Event::Error(_) => None,
        };
        let journaled =
            tick.len() >= at_last.len() && tick.iter().zip(at_last).all(|(a, b)| key(a) == key(b));
        if journaled {
            tick.split_off(at_last.len())
        } else {
            Vec::new()
        }
    }

    /// Oldest and newest point time over every metric's history.
    pub fn span_ms(&self) -> Option<(i64, i64)> {
        let first = self
            .tracks
            .iter()
            .filter_map(|t| t.history.front())
            .map(|p| p.t_ms)
            .min()?;
        let last = self
            .tracks
            .iter()
            .filter_map(|t| t.history.back())
            .map(|p| p.t_ms)
            .max()?;
        Some((first, last))
    }
}
