//! Which points the adaptive detector flags: a point is flagged when it is rare — one in a
//! thousand at the default sensitivity — under one of three views of the metric's history:
//!
//! - **Forecast**: its forecast error among the recent errors, with whichever forecast has
//!   erred less lately: the band's model; the seasonal naive forecast (the median of the
//!   same phase in the last three cycles, which keeps sharp seasonal shapes that a smooth
//!   model rounds off, when the period is a whole number of steps); or the recent level (the median of the last few points, which never
//!   drifts away from a curve the model has not learnt yet, say a daily cycle on its first
//!   day, and which one spike does not move). A forecast's usual error is the larger of its
//!   errors' typical size over the window and their mean size over its last few points
//!   outside episodes, so a forecast that has just gone astray (the model carrying a trend
//!   past the top of a daily cycle it has not learnt) is not heard. Another view must find
//!   the point unusual too.
//! - **Range**: its value among the recent values, when the forecast finds it unusual too
//!   (a metric drifting to new highs is not rare while the forecast follows it).
//! - **Shape**: the score's shape view ([`super::novelty`]), when the new shape holds no
//!   point flagged already (one odd value makes every shape that holds it new).
//!
//! Anomalies stay out of the reference: the values and errors of an episode of flagged points
//! are excluded from the windows the next points are judged against, so a second spike like
//! the first is flagged again. An episode that lasts about twenty minutes (at least 20 and
//! at most 200 points) is a new normal: its points join the reference and the flags stop, so a
//! level shift is flagged for that long at most (less when the forecast follows it sooner).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::novelty::Forecast;
use super::scratch::Scratch;
use super::tail::TailWindow;
use super::{Cause, Why};

/// Surprise (`−log10 p`) at which a point is flagged at the medium sensitivity.
pub const FLAG_SURPRISE: f64 = 3.0;
/// An episode lasting about this long is accepted as the new normal (twenty minutes: a
/// ten-minute fault that ends is not learnt, so its return is still rare) ...
pub const QUARANTINE_MS: f64 = 1_200_000.0;
/// ... counted in points, but never fewer than this many ...
pub const QUARANTINE_MIN: usize = 20;
/// ... nor more than this many.
pub const QUARANTINE_MAX: usize = 200;
/// Points a lasting change is flagged for at a step of `step_ms` before it is the new normal.
pub fn quarantine_points(step_ms: f64) -> usize {
    let k = if step_ms > 0.0 {
        (QUARANTINE_MS / step_ms).ceil()
    } else {
        QUARANTINE_MIN as f64
    };
    (k.min(QUARANTINE_MAX as f64) as usize).max(QUARANTINE_MIN)
}

/// An episode is left out of the reference only when it peaked this rare (one in 100,000):
/// leaving out every flagged point would thin the tails the next points are judged by, and
/// flag more and more of a clean series.
const EXCLUDE_SURPRISE: f64 = 4.0;
/// Anomalous events a reference leaves out at most: a metric with more is not having rare
/// anomalies any more, and its new habits are learnt.
const MAX_EXCLUDED_EVENTS: usize = 10;
/// Episodes this few points apart are one event (a fault the wave crosses in and out of).
const EVENT_GAP: u64 = 30;
/// How far under the flag a point of an episode may fall and keep the episode going.
const HYSTERESIS: f64 = 1.0;
/// Values the range view holds.
const RANGE_CAP: usize = 4000;
/// Errors each forecast view holds.
pub(super) const ERROR_CAP: usize = 2000;
/// Errors a forecast view needs before it judges (a young model's errors are few and drift).
const MIN_ERRORS: usize = 20;
/// A forecast whose typical error is within this factor of the best one's is heard too.
const GOOD_ENOUGH: f64 = 1.5;
/// Surprise another view must show for a view's flag to stand (one in twenty). A forecast
/// alone never flags: letting one flag at one in 100,000 paged a repeated level shift sooner
/// but also the return to normal after a fault the band had half learnt (a second incident
/// 20 minutes after a 40-minute fault at a 1-minute step; e2e monitor-alerting).
const CONFIRM: f64 = 1.3;
/// Weight of a new error in a forecast's recent error size (a mean over about 5 points).
const LATELY_WEIGHT: f64 = 0.2;
/// Points the recent level is the median of.
const LEVEL_POINTS: usize = 5;
/// Values kept for the seasonal naive forecast: three cycles of periods up to a third.
const RECENT_CAP: usize = 6002;
/// Spacings the step is the median of.
const STEP_GAPS: usize = 15;
/// A pause longer than this many steps restarts the recent level (what came before the
/// gap is not the level after it).
const GAP_STEPS: f64 = 3.0;

/// One view's reference window and the anomalies it holds but leaves out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Reference {
    window: TailWindow,
    cap: usize,
    /// Anomalous values still in the window, with the point count they were learnt at.
    anomalies: VecDeque<(u64, f64)>,
    /// Point count at the start of each excluded event still in the window.
    episodes: VecDeque<u64>,
}

impl Reference {
    fn new(cap: usize) -> Self {
        Reference {
            window: TailWindow::new(cap),
            cap,
            anomalies: VecDeque::new(),
            episodes: VecDeque::new(),
        }
    }

    /// Surprise of x and the typical size of the values, both without the anomalies and
    /// the current episode's values.
    fn judge(&self, x: f64, episode: impl Iterator<Item = f64>) -> (f64, f64) {
        self.left_out(episode, |out| {
            (
                self.window.surprise_excluding(x, out),
                self.window.typical_excluding(out),
            )
        })
    }

    fn surprise(&self, x: f64, episode: impl Iterator<Item = f64>) -> f64 {
        self.left_out(episode, |out| self.window.surprise_excluding(x, out))
    }

    /// Runs `f` on the values left out (the anomalies, then the episode's), gathered in a
    /// buffer kept between points: this runs for several views on every point.
    fn left_out<T>(&self, episode: impl Iterator<Item = f64>, f: impl FnOnce(&[f64]) -> T) -> T {
        thread_local! {
            static OUT: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        // Usually nothing is left out: no buffer to fill.
        let mut episode = episode.peekable();
        if self.anomalies.is_empty() && episode.peek().is_none() {
            return f(&[]);
        }
        OUT.with(|cell| {
            // Taken out of the cell so a nested call finds it empty rather than borrowed.
            let mut out = std::mem::take(&mut *cell.borrow_mut());
            out.clear();
            out.extend(self.anomalies.iter().map(|a| a.1));
            out.extend(episode);
            let r = f(&out);
            *cell.borrow_mut() = out;
            r
        })
    }

    /// Leaves an episode's values out, unless too many events are left out already.
    fn exclude(&mut self, values: &[(u64, f64)]) {
        let Some(&(first, _)) = values.first() else {
            return;
        };
        let same_event = self
            .anomalies
            .back()
            .is_some_and(|a| first.saturating_sub(a.0) <= EVENT_GAP);
        if same_event {
            self.anomalies.extend(values.iter().copied());
        } else if self.episodes.len() < MAX_EXCLUDED_EVENTS {
            self.episodes.push_back(first);
            self.anomalies.extend(values.iter().copied());
        }
    }

    fn push(&mut self, n: u64, x: f64) {
        self.window.push(x);
        // Anomalies leave the list when they leave the window.
        let gone = |at: u64| n.saturating_sub(at) >= self.cap as u64;
        while self.anomalies.front().is_some_and(|a| gone(a.0)) {
            self.anomalies.pop_front();
        }
        while self.episodes.front().is_some_and(|&e| gone(e)) {
            self.episodes.pop_front();
        }
    }
}

/// One flagged point's values, held while its episode runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Held {
    n: u64,
    surprise: f64,
    value: f64,
    error: Option<f64>,
    naive: Option<f64>,
    level: Option<f64>,
}

/// The flagging state of one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rarity {
    n: u64,
    range: Reference,
    errors: Reference,
    naive: Reference,
    level_errors: Reference,
    /// The last points outside episodes; the recent level is their median.
    level: VecDeque<f64>,
    /// (time, value) of the last points, for the seasonal naive forecast; the values of
    /// excluded anomalies are NaN (a cycle that held a fault is no forecast of the next).
    recent: VecDeque<(u64, i64, f64)>,
    /// Recent spacings between points, for the step.
    gaps: VecDeque<i64>,
    episode: Vec<Held>,
    /// Point count of the last flagged point.
    last_flag: Option<u64>,
    /// The last seasonal period the forecast found, ms: kept when a refit loses it, so the
    /// seasonal naive forecast still speaks while the model is astray (if the cycle has
    /// really gone, its errors grow and it is no longer heard).
    #[serde(default)]
    period_ms: Option<f64>,
    /// Recent size of each forecast's errors (model, seasonal naive, recent level): a
    /// moving average of their absolute values over the last points outside episodes.
    #[serde(default)]
    lately: [Option<f64>; 3],
    /// Pairs of neighbours in `recent` out of time order (None: not counted since a
    /// restore). At 0 the times are sorted, and a time is found there from the step
    /// without a binary search.
    #[serde(skip)]
    unsorted: Scratch<Option<usize>>,
    /// [`Rarity::step_ms`] while `gaps` holds the same spacings (None: not computed yet): it
    /// is read several times a point, and at a steady cadence never changes.
    #[serde(skip)]
    step: Scratch<Option<Option<f64>>>,
}

impl Default for Rarity {
    fn default() -> Self {
        Rarity::new()
    }
}

impl Rarity {
    /// A fresh state.
    pub fn new() -> Self {
        Rarity {
            n: 0,
            range: Reference::new(RANGE_CAP),
            errors: Reference::new(ERROR_CAP),
            naive: Reference::new(ERROR_CAP),
            level_errors: Reference::new(ERROR_CAP),
            level: VecDeque::new(),
            recent: VecDeque::new(),
            gaps: VecDeque::new(),
            episode: Vec::new(),
            last_flag: None,
            period_ms: None,
            lately: [None; 3],
            unsorted: Scratch::default(),
            step: Scratch::default(),
        }
    }

    /// The band's forecast errors held (the last [`ERROR_CAP`], with those of training
    /// data), anomalies included.
    pub(super) fn errors(&self) -> &TailWindow {
        &self.errors.window
    }

    /// Learns a value of training data, with the trained forecast's error for it when
    /// there is one (no judgement).
    pub fn learn(&mut self, t_ms: i64, x: f64, error: Option<f64>) {
        if x.is_finite() {
            self.observe(t_ms);
            self.n += 1;
            if let Some(l) = self.recent_level() {
                self.level_errors.push(self.n, x - l);
            }
            if let Some(e) = error.filter(|e| e.is_finite()) {
                self.errors.push(self.n, e);
            }
            self.range.push(self.n, x);
            self.remember(t_ms, x);
            self.follow(x);
        }
    }

    /// Learns the spacing to a point at `t_ms`; after a long pause the recent level starts
    /// again.
    fn observe(&mut self, t_ms: i64) {
        let Some(&(_, last, _)) = self.recent.back() else {
            return;
        };
        let gap = t_ms.saturating_sub(last);
        if gap <= 0 {
            return;
        }
        if let Some(step) = self.step_ms() {
            if gap as f64 > GAP_STEPS * step {
                self.level.clear();
            }
        }
        let dropped = if self.gaps.len() == STEP_GAPS {
            self.gaps.pop_front()
        } else {
            None
        };
        self.gaps.push_back(gap);
        // The same spacing in and out (a steady cadence) leaves the median as it was.
        if dropped != Some(gap) {
            self.step.set(None);
        }
    }

    /// Points an episode lasts before it is the new normal: about twenty minutes of the
    /// metric's steps, between [`QUARANTINE_MIN`] and [`QUARANTINE_MAX`].
    pub fn quarantine(&self) -> usize {
        self.step_ms().map_or(QUARANTINE_MIN, quarantine_points)
    }

    /// The median spacing of recent points.
    fn step_ms(&self) -> Option<f64> {
        if let Some(step) = self.step.get() {
            return step;
        }
        let step = self.median_gap();
        self.step.set(Some(step));
        step
    }

    /// The median of `gaps`.
    fn median_gap(&self) -> Option<f64> {
        if self.gaps.is_empty() {
            return None;
        }
        let mut buf = [0_i64; STEP_GAPS];
        let g = &mut buf[..self.gaps.len().min(STEP_GAPS)];
        for (d, &s) in g.iter_mut().zip(&self.gaps) {
            *d = s;
        }
        // A steady cadence (the usual case) needs no sort.
        if g.iter().all(|&v| v == g[0]) {
            return Some(g[0] as f64);
        }
        g.sort_unstable();
        Some(g[g.len() / 2] as f64)
    }

    /// Takes x into the recent level.
    fn follow(&mut self, x: f64) {
        if self.level.len() == LEVEL_POINTS {
            self.level.pop_front();
        }
        self.level.push_back(x);
    }

    /// The recent level: the median of the last points outside episodes.
    fn recent_level(&self) -> Option<f64> {
        if self.level.len() < LEVEL_POINTS {
            return None;
        }
        let mut buf = [0.0; LEVEL_POINTS];
        for (d, &s) in buf.iter_mut().zip(&self.level) {
            *d = s;
        }
        buf.sort_by(f64::total_cmp);
        Some(buf[LEVEL_POINTS / 2])
    }

    /// Judges `x` at `t_ms` with its forecast (the band's, and the band's seasonal period)
    /// and the shape view's verdict at this point, then learns it. `shape_span` is the points a shape covers. Returns the rarest view
    /// (None for a non-finite value); the point is flagged at a sensitivity when the
    /// surprise reaches its bar.
    #[allow(clippy::too_many_arguments)]
    pub fn judge(
        &mut self,
        t_ms: i64,
        x: f64,
        forecast: Option<Forecast>,
        period_ms: Option<f64>,
        shape: Option<(f64, f64)>,
        shape_span: usize,
        scale: f64,
    ) -> Option<Why> {
        if !x.is_finite() {
            return None;
        }
        self.observe(t_ms);
        self.n += 1;
        let n = self.n;
        if period_ms.is_some() {
            self.period_ms = period_ms;
        }
        let period_ms = self.period_ms;
        let episode = &self.episode;
        let range_s = self.range.surprise(x, episode.iter().map(|h| h.value));
        let error = forecast.map(|f| x - f.expected);
        let naive = period_ms
            .filter(|_| forecast.is_some())
            .and_then(|p| self.same_phase(t_ms, p))
            .map(|e| x - e);
        let level = self
            .recent_level()
            .filter(|_| forecast.is_some())
            .map(|l| x - l);
        // The forecasts that have erred least lately judge the point, if another view finds
        // the point unusual too: a forecast that has just gone astray (a recent level made
        // of spikes, a seasonal phase that slipped) is alone in its surprise.
        // (typical error, surprise) of each forecast that judges, in a buffer on the stack:
        // this runs on every point.
        let mut buf = [(0.0, 0.0); 3];
        let mut judged = 0;
        for (r, e, which) in [
            (&self.errors, error, 0usize),
            (&self.naive, naive, 1),
            (&self.level_errors, level, 2),
        ] {
            let Some(e) = e.filter(|_| r.window.len() >= MIN_ERRORS) else {
                continue;
            };
            let held = episode.iter().filter_map(|h| match which {
                0 => h.error,
                1 => h.naive,
                _ => h.level,
            });
            let (surprise, typical) = r.judge(e, held);
            // A forecast erring more than usual lately (a trend carried past a turning
            // point it has not learnt) is judged by its recent errors.
            let typical = self.lately[which].map_or(typical, |l| typical.max(l));
            buf[judged] = (typical, surprise);
            judged += 1;
        }
        let surprises = &buf[..judged];
        // Every forecast about as good as the best (typical error within GOOD_ENOUGH of it)
        // has its say, and the most surprised one counts.
        let best_typical = surprises.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
        let mut forecast_s = 0.0;
        let mut which = None;
        for (k, &(typical, sur)) in surprises.iter().enumerate() {
            if typical <= GOOD_ENOUGH * best_typical && sur > forecast_s {
                forecast_s = sur;
                which = Some(k);
            }
        }
        if let Some(k) = which {
            let confirmed = range_s >= CONFIRM
                || surprises
                    .iter()
                    .enumerate()
                    .any(|(j, o)| j != k && o.1 >= CONFIRM);
            if !confirmed && surprises.len() > 1 {
                forecast_s = forecast_s.min(FLAG_SURPRISE - 0.5);
            }
        }
        let mut views = [
            (
                Cause::Forecast,
                forecast_s,
                forecast.map_or(0.0, |f| f.distance(x)),
            ),
            (Cause::Range, range_s, self.range.window.beyond(x, scale)),
            (Cause::Shape, 0.0, 0.0),
        ];
        if self.errors.window.len() >= MIN_ERRORS && forecast_s < CONFIRM {
            views[1].1 = views[1].1.min(FLAG_SURPRISE - 0.5);
        }
        let explained = self
            .last_flag
            .is_some_and(|f| n.saturating_sub(f) <= shape_span as u64);
        if let Some((s, d)) = shape.filter(|_| !explained) {
            views[2].1 = s;
            views[2].2 = d;
        }
        let top = views
            .iter()
            .copied()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(cause, surprise, distance)| Why {
                cause,
                surprise,
                distance,
            });
        let bar = if self.episode.is_empty() {
            FLAG_SURPRISE
        } else {
            FLAG_SURPRISE - HYSTERESIS
        };
        let rare = top.is_some_and(|w| w.surprise >= bar);
        if top.is_some_and(|w| w.surprise >= FLAG_SURPRISE) {
            self.last_flag = Some(n);
        }
        if rare {
            self.episode.push(Held {
                n,
                surprise: top.map_or(0.0, |w| w.surprise),
                value: x,
                error,
                naive,
                level,
            });
            if self.episode.len() >= self.quarantine() {
                // A new normal: the episode joins the reference as ordinary history, and
                // the recent level moves to it.
                for h in std::mem::take(&mut self.episode) {
                    self.follow(h.value);
                }
            }
        } else if !self.episode.is_empty() {
            // A short episode that peaked far out was an anomaly: its points stay out of the
            // reference. A milder one joins it (the tails of a clean series need it).
            let peak = self.episode.iter().map(|h| h.surprise).fold(0.0, f64::max);
            let episode = std::mem::take(&mut self.episode);
            if peak >= EXCLUDE_SURPRISE {
                // The newest remembered point is number n − 1.
                let len = self.recent.len();
                for h in &episode {
                    let age = (n - 1 - h.n) as usize;
                    if age < len {
                        self.recent[len - 1 - age].2 = f64::NAN;
                    }
                }
                let pick = |f: fn(&Held) -> Option<f64>| -> Vec<(u64, f64)> {
                    episode
                        .iter()
                        .filter_map(|h| f(h).map(|v| (h.n, v)))
                        .collect()
                };
                self.range.exclude(&pick(|h| Some(h.value)));
                self.errors.exclude(&pick(|h| h.error));
                self.naive.exclude(&pick(|h| h.naive));
                self.level_errors.exclude(&pick(|h| h.level));
            }
        }
        self.range.push(n, x);
        if let Some(e) = error {
            self.errors.push(n, e);
        }
        if let Some(e) = naive {
            self.naive.push(n, e);
        }
        if let Some(e) = level {
            self.level_errors.push(n, e);
        }
        if !rare {
            for (k, e) in [error, naive, level].into_iter().enumerate() {
                if let Some(e) = e {
                    let a = e.abs();
                    self.lately[k] =
                        Some(self.lately[k].map_or(a, |l| l + LATELY_WEIGHT * (a - l)));
                }
            }
            self.follow(x);
        }
        self.remember(t_ms, x);
        top
    }

    fn remember(&mut self, t_ms: i64, x: f64) {
        let mut unsorted = self.unsorted.get().unwrap_or_else(|| {
            let t = |i: usize| self.recent[i].1;
            (1..self.recent.len()).filter(|&i| t(i - 1) > t(i)).count()
        });
        if self.recent.back().is_some_and(|p| p.1 > t_ms) {
            unsorted += 1;
        }
        self.recent.push_back((self.n, t_ms, x));
        if self.recent.len() > RECENT_CAP {
            if let (Some(a), Some(b)) = (self.recent.pop_front(), self.recent.front()) {
                unsorted -= usize::from(a.1 > b.1);
            }
        }
        self.unsorted.set(Some(unsorted));
    }

    /// The first index of `recent` at or after `target` (ms): its `partition_point`. When
    /// the times are sorted the index is guessed from the step and corrected by a few
    /// moves (the point it finds is the same: sorted, there is one); else, or when the
    /// cadence is too irregular for the guess, a binary search.
    fn index_at(&self, target: f64, step: f64) -> usize {
        let before = |i: usize| (self.recent[i].1 as f64) < target;
        let search = || self.recent.partition_point(|p| (p.1 as f64) < target);
        let len = self.recent.len();
        let (Some(0), Some(last)) = (self.unsorted.get(), self.recent.back()) else {
            return search();
        };
        let back = ((last.1 as f64 - target) / step).round();
        let mut i = if back.is_nan() || back < 0.0 {
            len
        } else {
            len.saturating_sub(1)
                .saturating_sub(back.min(len as f64) as usize)
        };
        for _ in 0..8 {
            if i > 0 && !before(i - 1) {
                i -= 1;
            } else if i < len && before(i) {
                i += 1;
            } else {
                return i;
            }
        }
        search()
    }

    /// Median of the values one, two and three periods before `t_ms`: the same phase in the
    /// last three cycles (one odd cycle does not move it). Each is interpolated between the
    /// points around that time when they are at most two steps apart (a gap leaves a cycle
    /// out); two of three are needed.
    fn same_phase(&self, t_ms: i64, period_ms: f64) -> Option<f64> {
        let step = self.step_ms()?;
        // The running episode's values are no forecast either (until it is a new normal).
        let held_from = self.episode.first().map_or(u64::MAX, |h| h.n);
        let mut buf = [0.0; 3];
        let mut k = 0;
        for c in 1..=3 {
            let target = t_ms as f64 - c as f64 * period_ms;
            let i = self.index_at(target, step);
            let (Some(&(n1, t1, v1)), Some(&(n0, t0, v0))) = (
                self.recent.get(i),
                i.checked_sub(1).and_then(|j| self.recent.get(j)),
            ) else {
                continue;
            };
            if n0 >= held_from || n1 >= held_from {
                continue;
            }
            let span = (t1 - t0) as f64;
            if span <= 0.0 || span > 2.0 * step {
                continue;
            }
            let w = (target - t0 as f64) / span;
            let v = v0 + w * (v1 - v0);
            if v.is_finite() {
                buf[k] = v;
                k += 1;
            }
        }
        let found = &mut buf[..k];
        match found.len() {
            3 => {
                found.sort_by(f64::total_cmp);
                Some(found[1])
            }
            2 => Some((found[0] + found[1]) / 2.0),
            _ => None,
        }
    }
}

/// The surprise a sensitivity flags at: one in a thousand at medium.
pub fn flag_surprise(s: super::Sensitivity) -> f64 {
    match s {
        super::Sensitivity::Low => FLAG_SURPRISE + 0.7,
        super::Sensitivity::Medium => FLAG_SURPRISE,
        super::Sensitivity::High => FLAG_SURPRISE - 0.5,
    }
}
