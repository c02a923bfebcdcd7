//! The Monitor's stream path without the page: simulator ticks → one causal detector per
//! metric → evidence for the incident book, with a bounded point history for the charts
//! and MAE / MAPE / anomaly counts per evaluation window. Plain Rust, no web types.

use std::collections::VecDeque;

use crate::core::detect::{DetectConfig, Detector, Point};
use crate::core::event::Event;
use crate::core::incident::Evidence;
use crate::core::simulator::{SimConfig, SimError, Simulator};

/// Points kept per metric for the charts (older points are dropped first).
pub const HISTORY_LEN: usize = 2_000;
/// Evaluation windows kept per metric for the table's small series.
pub const EVAL_LEN: usize = 240;

/// Forecast error and anomalies of one metric over one evaluation window.
#[derive(Debug, Clone, Copy, PartialEq)]
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
#[derive(Debug, Clone, Copy, Default, PartialEq)]
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
#[derive(Debug, Clone)]
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
    fn new(name: String, detect: &DetectConfig) -> Result<Track, String> {
        Ok(Track {
            name,
            detector: Detector::new(detect.clone()).map_err(|e| format!("detector: {e}"))?,
            history: VecDeque::with_capacity(HISTORY_LEN),
            trained_from_ms: None,
            evals: VecDeque::new(),
            open: None,
            total_anomalies: 0,
        })
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

/// The simulator and the per-metric tracks fed from it.
#[derive(Debug, Clone)]
pub struct Feed {
    /// The stream source.
    pub sim: Simulator,
    /// One track per metric, by series id.
    pub tracks: Vec<Track>,
    /// Evaluation window length, stream ms (> 0).
    pub eval_ms: i64,
    scratch: Vec<Event>,
}

impl Feed {
    /// A feed over a fresh simulator; fails with a message naming the bad setting.
    pub fn new(
        config: SimConfig,
        seed: u64,
        detect: &DetectConfig,
        eval_ms: i64,
    ) -> Result<Feed, String> {
        let names: Vec<String> = config.metrics.iter().map(|m| m.name.clone()).collect();
        let sim = Simulator::new(config, seed).map_err(|e: SimError| e.to_string())?;
        let tracks = names
            .into_iter()
            .map(|n| Track::new(n, detect))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Feed {
            sim,
            tracks,
            eval_ms: eval_ms.max(1),
            scratch: Vec::new(),
        })
    }

    /// Runs the simulator up to stream time `t_ms`, judges every new point and returns the
    /// evidence of the judged ones (points seen while training give none).
    pub fn advance(&mut self, t_ms: i64, evidence: &mut Vec<Evidence>) -> usize {
        self.scratch.clear();
        self.sim.events_until(t_ms, &mut self.scratch);
        let n = self.scratch.len();
        for e in &self.scratch {
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
        n
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
