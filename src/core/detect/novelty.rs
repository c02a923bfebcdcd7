//! The adaptive detector's score: how rare a point is under several views of the metric's
//! own history, each calibrated into a tail probability by a sliding window of its own
//! ([`TailWindow`]), so that one threshold means the same on every series.
//!
//! - **Range**: the value among the last `range_cap` values.
//! - **Shape**: the last `shape_len` block means (blocks of `block` points) against every
//!   earlier such window in memory; the distance to the nearest one, in robust spreads, among
//!   the recent nearest distances. A shape seen before scores low however far it lies from
//!   the forecast; a new one scores high however ordinary each of its values is.
//! - **Level**: the mean of the last `level_k` values among earlier such means (a lasting
//!   shift that no single value shows).
//! - **Spread**: the mean absolute step over the last `spread_k` values among earlier such
//!   means (the metric starts to oscillate, or goes flat).
//! - **Forecast**: the band's forecast error among the recent forecast errors.
//! - **Seasonal**: the value against the same phase of earlier cycles ([`seasonal`]).
//!
//! A surprise (`−log10 p`) of `log10(n + 1)` means a value beyond all `n` a view holds: its
//! record. Surprises up to a little below the record (`rec_margin`) are averaged over the
//! views with weights, so one view's moderate surprise needs another's support; the part of
//! the range and seasonal surprises beyond their records is added in full, so a value past
//! everything seen, or a cycle broken as never before, needs no support. Then `bonf · log10 n`
//! is taken off: after n points a one-in-n value is expected once, so rarity is measured
//! against the history's length. Only the onset of an episode scores in full: a point that
//! is not more surprising than every point of the last `refract` steps keeps `keep` of its
//! score, so a lasting change pages when it starts, not on every point while it lasts; and
//! within `refire` steps of an onset that scored above `refire_level`, a new high scores in
//! full only when it is `refire_gap` rarer (one episode, one page).
//! A stretch of moderately rare points counts too: the mean adjusted surprise of the last
//! `sustain_k` points (each capped at `sustain_cap`) plus `sustain_margin` stands in for a
//! point's own when higher, so a lasting change whose points are each only about one in a
//! hundred still makes an onset.
//! A flat run counts too ([`flat`]): when a run of repeated values becomes longer than each
//! of the last `flat_cap` runs (and at least `flat_min` points), that once-per-run event is
//! a one-in-(runs + 1) surprise, weighed by `w_flat` and adjusted like a point's, so a metric
//! that holds one value for longer than it ever has makes an onset however ordinary the value.
//! Everything is counted in points (steps), never in stream time, so the same defaults hold
//! at any cadence.

mod flat;
mod seasonal;
mod shapes;
mod tuning;

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use self::flat::FlatRuns;
use self::seasonal::Seasonal;
use self::shapes::Shapes;
pub use self::tuning::Tuning;
use super::scratch::Scratch;
use super::tail::TailWindow;
use super::{Cause, Why};

/// A forecast for the point being judged, from the detector's band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forecast {
    /// Expected value.
    pub expected: f64,
    /// Lower end of the band.
    pub lower: f64,
    /// Upper end of the band.
    pub upper: f64,
}

impl Forecast {
    /// How far `x` lies outside the band, in half-widths of its side (negative inside).
    pub fn distance(&self, x: f64) -> f64 {
        if x >= self.expected {
            (x - self.upper) / (self.upper - self.expected).max(f64::MIN_POSITIVE)
        } else {
            (self.lower - x) / (self.expected - self.lower).max(f64::MIN_POSITIVE)
        }
    }
}

/// The score of one point and what drove it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// Alert strength in [0, 1]: the rarity at the onset of an episode, a small share of it
    /// while the episode lasts.
    pub score: f64,
    /// How rare the point itself is, on the same scale (0.5 is the default flag threshold).
    pub rarity: f64,
    /// The view under which the point was rarest (None while warming up).
    pub why: Option<Why>,
    /// The shape view when a block closed at this point: (surprise, distance in spreads).
    pub shape: Option<(f64, f64)>,
    /// The robust spread of recent values the shape distances are in.
    pub scale: f64,
}

/// Slots of a [`Trace`].
pub const TRACE: usize = 16;
/// Inner quantities of one judgement, for experiments (NaN where not computed): surprises
/// of the range (0), shape (1), forecast (2), seasonal (5), spread (8) and level (9) views,
/// the adjusted surprise (3), points held (4), the seasonal period (6) and its
/// autocorrelation (7), the averaged part (10) and the part beyond records (11).
pub type Trace = [f64; TRACE];

/// The adaptive score's state: a deterministic fold over values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Novelty {
    t: Tuning,
    n: usize,
    range: TailWindow,
    shapes: Shapes,
    levels: TailWindow,
    spreads: TailWindow,
    errors: TailWindow,
    seasonal: Seasonal,
    recent: VecDeque<f64>,
    #[serde(default)]
    sums: Sums,
    /// Points seen and adjusted surprise at the last onset that scored in full.
    #[serde(default)]
    onset: Option<(usize, f64)>,
    /// The last `sustain_k` adjusted surprises.
    #[serde(default)]
    sustained: VecDeque<f64>,
    /// The flat-run view.
    #[serde(default)]
    flat: FlatRuns,
    /// `log10` of the counts the score reads on every point (the views' sizes, the points
    /// held), by argument: once the windows are full they no longer change.
    #[serde(skip)]
    logs: Scratch<[Option<(u64, f64)>; 7]>,
}

/// Running sums of the last values and of the last absolute steps between them (the level
/// and spread views), so that each costs O(1) a point.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Sums {
    /// Sum of the last `kv` values held.
    values: f64,
    /// Sum of the last `ks` absolute steps between values held.
    steps: f64,
}

impl Sums {
    /// Updates the sums for `x`, about to join `hist` (the `n`-th value): the last `kv`
    /// values and `ks` steps. Recomputed exactly now and then, so rounding does not drift.
    fn learn(&mut self, hist: &TailWindow, x: f64, kv: usize, ks: usize, n: usize) {
        let held = hist.len();
        if n % 1024 == 0 {
            self.values = (0..kv).filter_map(|b| hist.recent(b)).sum();
            self.steps = (0..ks)
                .filter_map(|b| Some((hist.recent(b)? - hist.recent(b + 1)?).abs()))
                .sum();
        }
        if kv > 0 {
            self.values += x;
            if held >= kv {
                self.values -= hist.recent(kv - 1).unwrap_or(0.0);
            }
        }
        if ks > 0 {
            if let Some(last) = hist.recent(0) {
                self.steps += (x - last).abs();
            }
            if held > ks {
                if let (Some(a), Some(b)) = (hist.recent(ks - 1), hist.recent(ks)) {
                    self.steps -= (a - b).abs();
                }
            }
        }
    }
}

/// One view's reading of a point.
#[derive(Clone, Copy)]
struct View {
    cause: Cause,
    /// Weight in the average.
    weight: f64,
    /// Share of the surprise beyond the record added in full.
    beyond: f64,
    surprise: f64,
    distance: f64,
    /// Values its calibration held.
    held: usize,
}

impl View {
    fn new(cause: Cause, weight: f64, beyond: f64) -> Self {
        View {
            cause,
            weight,
            beyond,
            surprise: 0.0,
            distance: 0.0,
            held: 0,
        }
    }
}

impl Novelty {
    /// A fresh score with these settings.
    pub fn new(t: Tuning) -> Self {
        Novelty {
            range: TailWindow::new(t.range_cap),
            shapes: Shapes::new(t.block, t.shape_len, t.shape_mem, t.dist_cap),
            levels: TailWindow::new(t.moment_cap),
            spreads: TailWindow::new(t.moment_cap),
            errors: TailWindow::new(t.err_cap),
            seasonal: Seasonal::new(t.seas_cycles, t.seas_check, t.seas_cap, t.seas_warm),
            t,
            n: 0,
            recent: VecDeque::new(),
            onset: None,
            sustained: VecDeque::new(),
            flat: FlatRuns::default(),
            sums: Sums::default(),
            logs: Scratch::default(),
        }
    }

    /// The settings.
    pub fn tuning(&self) -> &Tuning {
        &self.t
    }

    /// Points learnt so far.
    pub fn seen(&self) -> usize {
        self.n
    }

    /// Whether points are judged yet (the warm-up is over).
    pub fn judges(&self) -> bool {
        self.n > self.t.warm
    }

    /// Learns a value without judging it (training data from elsewhere): the range and
    /// shape views take it; the forecast view has no forecast for it.
    pub fn learn(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        let scale = self.scale();
        self.shapes.push(x, scale, false);
        if self.t.w_flat > 0.0 {
            let t = &self.t;
            self.flat.push(x, t.flat_cap, t.flat_min, usize::MAX);
        }
        self.range.push(x);
        self.n += 1;
    }

    /// Judges `x` (with the band's forecast for it, when there is one), then learns it.
    /// A non-finite value is neither judged nor learnt.
    pub fn judge(&mut self, x: f64, forecast: Option<Forecast>) -> Verdict {
        self.judge_traced(x, forecast).0
    }

    /// [`Novelty::judge`] with the inner quantities of the score (for experiments).
    #[doc(hidden)]
    pub fn judge_traced(&mut self, x: f64, forecast: Option<Forecast>) -> (Verdict, Trace) {
        self.judge_with(x, forecast, None)
    }

    /// [`Novelty::judge`] with the forecast view reading `errors` instead of a window of its
    /// own: the caller's window, fed the same forecast errors this score would learn (see
    /// [`super::adaptive`]), so the score keeps no copy and learns none.
    pub(crate) fn judge_sharing(
        &mut self,
        x: f64,
        forecast: Option<Forecast>,
        errors: &TailWindow,
    ) -> Verdict {
        self.judge_with(x, forecast, Some(errors)).0
    }

    /// The forecast errors this score keeps itself (empty while it reads another window).
    pub(crate) fn own_errors(&self) -> &TailWindow {
        &self.errors
    }

    /// Keeps `errors` as its own copy of the forecast errors (a state from before the
    /// sharing, for tests).
    #[cfg(test)]
    pub(crate) fn keep_errors(&mut self, errors: TailWindow) {
        self.errors = errors;
    }

    /// Forgets the forecast errors kept, from now on read from another window.
    pub(crate) fn forget_errors(&mut self) {
        self.errors.clear();
    }

    fn judge_with(
        &mut self,
        x: f64,
        forecast: Option<Forecast>,
        shared: Option<&TailWindow>,
    ) -> (Verdict, Trace) {
        let mut trace = [f64::NAN; TRACE];
        let quiet = Verdict {
            score: 0.0,
            rarity: 0.0,
            why: None,
            shape: None,
            scale: 0.0,
        };
        if !x.is_finite() {
            return (quiet, trace);
        }
        let t = &self.t;
        let judge = self.n >= t.warm;
        let (scale, median) = self.scale_median();
        let mut views = [
            View::new(Cause::Range, t.w_range, t.x_range),
            View::new(Cause::Shape, t.w_shape, 0.0),
            // A lasting shift of level is out of the usual range; a change of spread, a
            // shape not seen; a seasonal-naive forecast is a forecast.
            View::new(Cause::Range, t.w_level, 0.0),
            View::new(Cause::Shape, t.w_spread, 0.0),
            View::new(Cause::Forecast, t.w_forecast, 0.0),
            View::new(Cause::Forecast, t.w_seas, t.x_seas),
        ];
        if judge {
            let v = &mut views[0];
            v.surprise = self.range.surprise(x);
            v.distance = self.range.beyond(x, scale);
            v.held = self.range.len();
            trace[0] = v.surprise;
        }
        let shaped = if t.w_shape > 0.0 {
            self.shapes.push(x, scale, judge)
        } else {
            None
        };
        if let Some((s, d, held)) = shaped {
            views[1].surprise = s;
            views[1].distance = d;
            views[1].held = held;
            trace[1] = s;
        }
        // Level and spread over the last values, this one included.
        if t.w_level > 0.0 && self.range.len() + 1 >= t.level_k.max(1) {
            let k = t.level_k.max(1);
            let level = (x + self.sums.values) / k as f64;
            if judge && self.levels.len() >= t.view_warm {
                let v = &mut views[2];
                v.surprise = self.levels.surprise(level);
                v.distance = (level - median.unwrap_or(level)) / scale;
                v.held = self.levels.len();
                trace[9] = v.surprise;
            }
            self.levels.push(level);
        }
        if t.w_spread > 0.0 && self.range.len() >= t.spread_k.max(1) {
            let k = t.spread_k.max(1);
            let last = self.range.recent(0).unwrap_or(x);
            let spread = ((x - last).abs() + self.sums.steps) / k as f64;
            if judge && self.spreads.len() >= t.view_warm {
                let v = &mut views[3];
                v.surprise = self.spreads.surprise(spread);
                v.distance = spread / scale;
                v.held = self.spreads.len();
                trace[8] = v.surprise;
            }
            self.spreads.push(spread);
        }
        if let Some(f) = forecast {
            let err = x - f.expected;
            let errors = shared.unwrap_or(&self.errors);
            if judge && t.w_forecast > 0.0 {
                let v = &mut views[4];
                v.surprise = errors.surprise(err);
                v.distance = f.distance(x);
                v.held = errors.len();
                trace[2] = v.surprise;
            }
            if shared.is_none() {
                self.errors.push(err);
            }
        }
        let flat = if t.w_flat > 0.0 {
            let warm = if judge { t.flat_warm } else { usize::MAX };
            self.flat.push(x, t.flat_cap, t.flat_min, warm)
        } else {
            None
        };
        let mut seasonal_ok = false;
        if t.w_seas > 0.0 || t.x_seas > 0.0 {
            if let Some(s) = self.seasonal.judge(&self.range, self.n, x, scale, judge) {
                let v = &mut views[5];
                v.surprise = s.surprise;
                v.distance = s.distance;
                v.held = s.held;
                seasonal_ok = s.strength >= t.seas_min_acf;
                trace[5] = s.surprise;
                trace[7] = s.strength;
            }
            trace[6] = self.seasonal.period().unwrap_or(f64::NAN);
        }
        self.sums.learn(
            &self.range,
            x,
            t.level_k.max(1) - 1,
            t.spread_k.max(1) - 1,
            self.n,
        );
        self.range.push(x);
        self.n += 1;
        if !judge {
            return (quiet, trace);
        }
        // Surprise within each view's record is averaged over the views; beyond it, added.
        // A view not ready yet (forecast still training, too few values) is left out;
        // the shape view between its blocks is not (it has nothing new to say there).
        let weights: f64 = views
            .iter()
            .enumerate()
            .filter(|(k, v)| *k == 1 || v.held > 0)
            .map(|(_, v)| v.weight)
            .sum();
        let mut within = 0.0;
        let mut beyond = 0.0_f64;
        let mut parts = [0.0; 6];
        let mut logs = self.logs.get();
        let mut log10 = |slot: usize, x: f64| match logs[slot] {
            Some((bits, l)) if bits == x.to_bits() => l,
            _ => {
                let l = x.log10();
                logs[slot] = Some((x.to_bits(), l));
                l
            }
        };
        for (k, v) in views.iter().enumerate() {
            let record = log10(k, v.held as f64 + 1.0) - t.rec_margin;
            // A view with nothing to say (not warm, or between the shape view's blocks)
            // adds 0, not a negative share.
            let inside = v.surprise.min(record).max(0.0);
            let past = if k == 5 && !seasonal_ok {
                0.0
            } else {
                (v.surprise - record).max(0.0) * v.beyond
            };
            within += v.weight * inside;
            beyond = beyond.max(past);
            parts[k] = if weights > 0.0 {
                v.weight * inside / weights
            } else {
                0.0
            } + past;
        }
        let within = if weights > 0.0 { within / weights } else { 0.0 };
        let held = (self.n as f64).min(t.range_cap as f64);
        let adjusted = within + beyond - t.bonf * log10(6, held);
        self.logs.set(logs);
        trace[3] = adjusted;
        trace[4] = held;
        trace[10] = within;
        trace[11] = beyond;
        // A stretch of moderately rare points is as surprising as one rarer point.
        let adjusted = if t.sustain_k > 0 {
            self.sustained.push_back(adjusted.min(t.sustain_cap));
            if self.sustained.len() > t.sustain_k {
                self.sustained.pop_front();
            }
            if self.sustained.len() == t.sustain_k {
                let mean = self.sustained.iter().sum::<f64>() / t.sustain_k as f64;
                adjusted.max(mean + t.sustain_margin)
            } else {
                adjusted
            }
        } else {
            adjusted
        };
        // A record-long flat run is as rare as a point of the same surprise.
        let adjusted = match flat {
            Some(s) => {
                let f = t.w_flat * s - t.bonf * held.log10();
                trace[12] = f;
                adjusted.max(f)
            }
            None => adjusted,
        };
        // Onset: full strength only above every adjusted surprise of the last steps.
        let prev = self
            .recent
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let new_high = t.refract == 0 || adjusted > prev;
        // A new high soon after an onset that already scored high is its continuation
        // unless it is much rarer.
        let refired = new_high
            && t.refire > 0
            && self.onset.is_some_and(|(at, a)| {
                self.n - at <= t.refire && a > t.refire_level && adjusted - a < t.refire_gap
            });
        if new_high && !refired {
            self.onset = Some((self.n, adjusted));
        }
        let s = if new_high && !refired {
            adjusted
        } else {
            // Shrink towards "nothing unusual" (the score of mid − half_span, 0).
            let floor = t.mid - t.half_span;
            floor + (adjusted - floor).max(0.0) * t.keep
        };
        self.recent.push_back(adjusted);
        if self.recent.len() > t.refract {
            self.recent.pop_front();
        }
        let to_score = |s: f64| (0.5 + 0.5 * (s - t.mid) / t.half_span).clamp(0.0, 1.0);
        let top = views
            .iter()
            .zip(parts)
            .filter(|(v, _)| v.weight > 0.0 || v.beyond > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(v, _)| *v);
        (
            Verdict {
                score: to_score(s),
                rarity: to_score(adjusted),
                why: top.map(|v| Why {
                    cause: v.cause,
                    surprise: v.surprise,
                    distance: v.distance,
                }),
                shape: shaped.map(|(s, d, _)| (s, d)),
                scale,
            },
            trace,
        )
    }

    /// Robust spread of recent values (the interquartile range, floored above 0).
    fn scale(&self) -> f64 {
        self.scale_median().0
    }

    /// [`Novelty::scale`] and the median of recent values it reads (None while empty).
    fn scale_median(&self) -> (f64, Option<f64>) {
        let median = self.range.quantile(0.5);
        let q = |p| self.range.quantile(p).unwrap_or(0.0);
        let scale = (q(0.75) - q(0.25))
            .max(median.unwrap_or(0.0).abs() * 1e-9)
            .max(1e-12);
        (scale, median)
    }
}
