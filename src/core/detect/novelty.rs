//! The adaptive detector's score: how rare a point is under three views of the metric's own
//! history, each calibrated into a tail probability by its own sliding window
//! ([`TailWindow`]), so that one threshold means the same on every series.
//!
//! - **Range**: the value among the last `range_cap` values.
//! - **Shape**: the last `shape_len` block means (blocks of `block` points) against every
//!   earlier such window in memory; the distance to the nearest one, in robust spreads, among
//!   the recent nearest distances. A shape seen before scores low however far it lies from
//!   the forecast; a new one scores high however ordinary each of its values is.
//! - **Forecast**: the forecast error `value − expected` among the recent forecast errors.
//!
//! The surprises (`−log10 p`) are averaged with weights, then `bonf · log10 n` is taken
//! off: after n points a one-in-n value is expected once, so rarity is measured against the
//! history's length. Only the onset of an episode scores in full: a point that is not more
//! surprising than every point of the last `refract` steps keeps `keep` of its score, so a
//! lasting change pages when it starts, not on every point while it lasts. Everything is
//! counted in points (steps), never in stream time, so the same defaults hold at any cadence.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::seasonal::Seasonal;
use super::tail::TailWindow;
use super::{Cause, Why};

/// The score's settings; [`Tuning::default`] is the product's one parameter set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tuning {
    /// Values the range view remembers.
    pub range_cap: usize,
    /// Points per block of the shape view.
    pub block: usize,
    /// Blocks per shape.
    pub shape_len: usize,
    /// Shapes remembered.
    pub shape_mem: usize,
    /// Whether shapes are taken at every point (sliding blocks, 1) or at block ends (0).
    pub shape_sliding: f64,
    /// Nearest-shape distances remembered for calibration.
    pub dist_cap: usize,
    /// Forecast errors remembered for calibration.
    pub err_cap: usize,
    /// Weight of the range view.
    pub w_range: f64,
    /// Weight of the shape view.
    pub w_shape: f64,
    /// Weight of the forecast view.
    pub w_forecast: f64,
    /// Weight of the seasonal view.
    pub w_seas: f64,
    /// Earlier cycles the seasonal view compares with.
    pub seas_cycles: usize,
    /// Points between checks of the seasonal period.
    pub seas_check: usize,
    /// Seasonal residuals remembered for calibration.
    pub seas_cap: usize,
    /// Seasonal residuals needed before the view judges.
    pub seas_warm: usize,
    /// Whether a new period resets the seasonal calibration (1) or not (0).
    pub seas_reset: f64,
    /// Weight of the jump view (the value against the mean of the previous `jump_k`).
    pub w_jump: f64,
    /// Previous values the jump view compares with.
    pub jump_k: usize,
    /// Weight of the coarse shape view.
    pub w_shape2: f64,
    /// Points per block of the coarse shape view.
    pub block2: usize,
    /// How far below a view's record level (`log10` of its values held, plus one) its
    /// surprise starts to count as beyond the record.
    pub rec_margin: f64,
    /// Share of the range view's surprise beyond its record that counts in full.
    pub x_range: f64,
    /// The same for the shape view.
    pub x_shape: f64,
    /// The same for the forecast view.
    pub x_forecast: f64,
    /// The same for the seasonal view.
    pub x_seas: f64,
    /// Autocorrelation at its period the seasonal view needs to count.
    pub seas_min_acf: f64,
    /// Share of `log10 n` taken off the surprise.
    pub bonf: f64,
    /// Steps over which only a new high of surprise scores in full.
    pub refract: usize,
    /// Share of its score a point keeps when it is not a new high.
    pub keep: f64,
    /// Points seen before anything is judged.
    pub warm: usize,
    /// Adjusted surprise that maps to score 0.5.
    pub mid: f64,
    /// Adjusted surprise that moves the score from 0.5 to 1.
    pub half_span: f64,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            range_cap: 8000,
            block: 4,
            shape_len: 6,
            shape_mem: 2000,
            shape_sliding: 0.0,
            dist_cap: 2000,
            err_cap: 2000,
            w_range: 1.0,
            w_shape: 1.0,
            w_forecast: 0.0,
            w_seas: 0.0,
            w_jump: 0.0,
            w_shape2: 0.0,
            rec_margin: 0.3,
            x_range: 1.0,
            x_shape: 0.0,
            x_forecast: 0.0,
            x_seas: 1.0,
            seas_min_acf: 0.6,
            block2: 16,
            jump_k: 1,
            seas_cycles: 3,
            seas_check: 256,
            seas_cap: 2000,
            seas_warm: 100,
            seas_reset: 0.0,
            bonf: 0.5,
            refract: 50,
            keep: 0.1,
            warm: 50,
            mid: 0.0,
            half_span: 4.0,
        }
    }
}

impl Tuning {
    /// The defaults with `key=value,key=value` overrides (for experiments and benchmarks);
    /// an unknown key or a bad number is an error naming it.
    pub fn with_overrides(mut self, s: &str) -> Result<Self, String> {
        for kv in s.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("'{kv}' is not key=value"))?;
            let f: f64 = v
                .parse()
                .map_err(|_| format!("{k}: '{v}' is not a number"))?;
            let n = f.max(0.0) as usize;
            match k {
                "range_cap" => self.range_cap = n,
                "block" => self.block = n,
                "shape_len" => self.shape_len = n,
                "shape_mem" => self.shape_mem = n,
                "shape_sliding" => self.shape_sliding = f,
                "dist_cap" => self.dist_cap = n,
                "err_cap" => self.err_cap = n,
                "w_range" => self.w_range = f,
                "w_shape" => self.w_shape = f,
                "w_forecast" => self.w_forecast = f,
                "w_seas" => self.w_seas = f,
                "w_jump" => self.w_jump = f,
                "w_shape2" => self.w_shape2 = f,
                "rec_margin" => self.rec_margin = f,
                "x_range" => self.x_range = f,
                "x_shape" => self.x_shape = f,
                "x_forecast" => self.x_forecast = f,
                "x_seas" => self.x_seas = f,
                "seas_min_acf" => self.seas_min_acf = f,
                "block2" => self.block2 = n,
                "jump_k" => self.jump_k = n,
                "seas_cycles" => self.seas_cycles = n,
                "seas_check" => self.seas_check = n,
                "seas_cap" => self.seas_cap = n,
                "seas_warm" => self.seas_warm = n,
                "seas_reset" => self.seas_reset = f,
                "bonf" => self.bonf = f,
                "refract" => self.refract = n,
                "keep" => self.keep = f,
                "warm" => self.warm = n,
                "mid" => self.mid = f,
                "half_span" => self.half_span = f,
                _ => return Err(format!("unknown tuning key '{k}'")),
            }
        }
        Ok(self)
    }
}

/// Nearest-neighbour novelty of the recent shape.
///
/// The search is exact and cheap: a k-d tree over the shapes stored up to its last rebuild
/// (every `rebuild` shapes) and a linear scan of those stored since. The ring keeps
/// `mem_cap + rebuild` shapes so that no shape the tree points to is overwritten before the
/// next rebuild; shapes older than `mem_cap` are skipped at query time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Shapes {
    block: usize,
    len: usize,
    mem_cap: usize,
    acc: f64,
    acc_n: usize,
    blocks: VecDeque<f64>,
    /// Stored shapes, flattened: a ring of `mem_cap + rebuild` windows of `len` block means.
    mem: Vec<f64>,
    stored: usize,
    /// Slots in k-d order: the node of a range is its middle element.
    tree: Vec<u32>,
    /// Split dimension of each node (indexed as `tree`).
    split: Vec<u8>,
    /// `stored` when the tree was built.
    built: usize,
    dist: TailWindow,
    sliding: bool,
    raw: VecDeque<f64>,
}

/// Shapes stored between rebuilds of the k-d tree.
const REBUILD: usize = 128;
/// Ranges of at most this many shapes are scanned, not split.
const LEAF: usize = 8;

impl Shapes {
    fn new(t: &Tuning, block: usize, len: usize, mem: usize) -> Self {
        Shapes {
            block: block.max(1),
            len: len.clamp(1, 255),
            mem_cap: mem.max(1),
            acc: 0.0,
            acc_n: 0,
            blocks: VecDeque::new(),
            mem: Vec::new(),
            stored: 0,
            tree: Vec::new(),
            split: Vec::new(),
            built: 0,
            dist: TailWindow::new(t.dist_cap),
            sliding: t.shape_sliding > 0.0,
            raw: VecDeque::new(),
        }
    }

    fn ring(&self) -> usize {
        self.mem_cap + REBUILD
    }

    fn shape(&self, slot: usize) -> &[f64] {
        &self.mem[slot * self.len..(slot + 1) * self.len]
    }

    /// Feeds one value; when it closes a block, returns (surprise, distance in `scale`s) of
    /// the new shape against its nearest stored neighbour.
    fn push(&mut self, x: f64, scale: f64, judge: bool) -> Option<(f64, f64)> {
        if self.sliding {
            self.raw.push_back(x);
            if self.raw.len() > self.len * self.block {
                self.raw.pop_front();
            }
            if self.raw.len() < self.len * self.block {
                return None;
            }
            self.blocks.clear();
            for i in 0..self.len {
                let m = self.raw.range(i * self.block..(i + 1) * self.block).sum::<f64>() / self.block as f64;
                self.blocks.push_back(m);
            }
        } else {
            self.acc += x;
            self.acc_n += 1;
            if self.acc_n < self.block {
                return None;
            }
            let mean = self.acc / self.acc_n as f64;
            self.acc = 0.0;
            self.acc_n = 0;
            self.blocks.push_back(mean);
            if self.blocks.len() > self.len {
                self.blocks.pop_front();
            }
            if self.blocks.len() < self.len {
                return None;
            }
        }
        let len = self.len;
        let held = self.stored.min(self.mem_cap);
        let mut out = None;
        let span = if self.sliding { len * self.block } else { len };
        if held > span + 5 {
            let q: Vec<f64> = self.blocks.iter().copied().collect();
            let best = self.nearest(&q);
            let dist = best.sqrt() / scale;
            if judge {
                out = Some((self.dist.upper_surprise(dist), dist));
            }
            self.dist.push(dist);
        }
        let ring = self.ring();
        let slot = self.stored % ring;
        if self.mem.len() < (slot + 1) * len {
            self.mem.resize((slot + 1) * len, 0.0);
        }
        for (i, b) in self.blocks.iter().enumerate() {
            self.mem[slot * len + i] = *b;
        }
        self.stored += 1;
        if self.stored - self.built >= REBUILD {
            self.rebuild();
        }
        out
    }

    /// Whether the shape `age` stores back (0 the newest) is a candidate: not overlapping
    /// the current one, and still in memory.
    fn usable(&self, age: usize) -> bool {
        let span = if self.sliding { self.len * self.block } else { self.len };
        age + 1 >= span && age < self.mem_cap.min(self.stored)
    }

    /// Squared distance from `q` to its nearest usable stored shape.
    fn nearest(&self, q: &[f64]) -> f64 {
        let ring = self.ring();
        let newest = self.stored - 1;
        let mut best = f64::INFINITY;
        // Shapes stored since the tree was built.
        for g in self.built..self.stored {
            let age = newest - g;
            if self.usable(age) {
                best = sq_dist(q, self.shape(g % ring), best);
            }
        }
        if !self.tree.is_empty() {
            self.search(q, 0, self.tree.len(), &mut best, newest % ring);
        }
        best
    }

    fn search(&self, q: &[f64], lo: usize, hi: usize, best: &mut f64, newest_slot: usize) {
        let ring = self.ring();
        let age = |slot: usize| (newest_slot + ring - slot) % ring;
        if hi - lo <= LEAF {
            for &s in &self.tree[lo..hi] {
                let s = s as usize;
                if self.usable(age(s)) {
                    *best = sq_dist(q, self.shape(s), *best);
                }
            }
            return;
        }
        let mid = (lo + hi) / 2;
        let s = self.tree[mid] as usize;
        let d = self.split[mid] as usize;
        let diff = q[d] - self.shape(s)[d];
        if self.usable(age(s)) {
            *best = sq_dist(q, self.shape(s), *best);
        }
        let (near, far) = if diff < 0.0 { ((lo, mid), (mid + 1, hi)) } else { ((mid + 1, hi), (lo, mid)) };
        self.search(q, near.0, near.1, best, newest_slot);
        if diff * diff < *best {
            self.search(q, far.0, far.1, best, newest_slot);
        }
    }

    /// Rebuilds the k-d tree over the shapes in memory.
    fn rebuild(&mut self) {
        let ring = self.ring();
        let held = self.stored.min(self.mem_cap);
        let mut tree: Vec<u32> = (self.stored - held..self.stored).map(|g| (g % ring) as u32).collect();
        let mut split = vec![0u8; tree.len()];
        self.build(&mut tree, &mut split, 0);
        self.tree = tree;
        self.split = split;
        self.built = self.stored;
    }

    fn build(&self, tree: &mut [u32], split: &mut [u8], _depth: usize) {
        if tree.len() <= LEAF {
            return;
        }
        // Split on the widest dimension, at the median.
        let mut dim = 0;
        let mut widest = -1.0;
        for d in 0..self.len {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for &s in tree.iter() {
                let v = self.mem[s as usize * self.len + d];
                lo = lo.min(v);
                hi = hi.max(v);
            }
            if hi - lo > widest {
                widest = hi - lo;
                dim = d;
            }
        }
        let mid = tree.len() / 2;
        let key = |s: &u32| (self.mem[*s as usize * self.len + dim], *s);
        tree.select_nth_unstable_by(mid, |a, b| {
            let (x, i) = key(a);
            let (y, j) = key(b);
            x.total_cmp(&y).then(i.cmp(&j))
        });
        split[mid] = dim as u8;
        let (l, r) = tree.split_at_mut(mid);
        let (ls, rs) = split.split_at_mut(mid);
        self.build(l, ls, _depth + 1);
        self.build(&mut r[1..], &mut rs[1..], _depth + 1);
    }
}

/// `min(best, |a − b|²)`, abandoning the sum once it reaches `best`.
fn sq_dist(a: &[f64], b: &[f64], best: f64) -> f64 {
    let mut d = 0.0;
    for (x, y) in a.iter().zip(b) {
        let e = x - y;
        d += e * e;
        if d >= best {
            return best;
        }
    }
    d.min(best)
}

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
}

/// Slots of a [`Trace`].
pub const TRACE: usize = 16;
/// Inner quantities of one judgement, for experiments (NaN where not computed): range,
/// shape and forecast surprises, adjusted surprise, points held, then view-specific extras.
pub type Trace = [f64; TRACE];

/// The adaptive score's state: a deterministic fold over values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Novelty {
    t: Tuning,
    n: usize,
    range: TailWindow,
    shapes: Shapes,
    shapes2: Shapes,
    errors: TailWindow,
    seasonal: Seasonal,
    jumps: TailWindow,
    recent: VecDeque<f64>,
}

impl Novelty {
    /// A fresh score with these settings.
    pub fn new(t: Tuning) -> Self {
        Novelty {
            range: TailWindow::new(t.range_cap),
            shapes: Shapes::new(&t, t.block, t.shape_len, t.shape_mem),
            shapes2: Shapes::new(&t, t.block2, t.shape_len, t.shape_mem),
            errors: TailWindow::new(t.err_cap),
            jumps: TailWindow::new(t.err_cap),
            seasonal: Seasonal::new(t.seas_cycles, t.seas_check, t.seas_cap, t.seas_warm, t.seas_reset > 0.0),
            t,
            n: 0,
            recent: VecDeque::new(),
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

    /// Judges `x` (with the band's forecast for it, when there is one), then learns it.
    /// A non-finite value is neither judged nor learnt.
    pub fn judge(&mut self, x: f64, forecast: Option<Forecast>) -> Verdict {
        self.judge_traced(x, forecast).0
    }

    /// [`Novelty::judge`] with the inner quantities of the score (for experiments).
    #[doc(hidden)]
    pub fn judge_traced(&mut self, x: f64, forecast: Option<Forecast>) -> (Verdict, Trace) {
        let mut trace = [f64::NAN; TRACE];
        if !x.is_finite() {
            return (
                Verdict {
                    score: 0.0,
                    rarity: 0.0,
                    why: None,
                },
                trace,
            );
        }
        let t = &self.t;
        let judge = self.n >= t.warm;
        let scale = self.scale();
        let mut views: [(Cause, f64, f64, f64); 4] = [
            (Cause::Range, t.w_range, 0.0, 0.0),
            (Cause::Shape, t.w_shape, 0.0, 0.0),
            (Cause::Forecast, t.w_forecast, 0.0, 0.0),
            // A seasonal-naive forecast: reported as the forecast.
            (Cause::Forecast, t.w_seas, 0.0, 0.0),
        ];
        if judge && t.w_range > 0.0 {
            views[0].2 = self.range.surprise(x);
            views[0].3 = self.beyond_range(x, scale);
        }
        if let Some((s, d)) = self.shapes.push(x, scale, judge) {
            views[1].2 = s;
            views[1].3 = d;
            trace[1] = s;
            trace[9] = self.shapes.dist.len() as f64;
        }
        if let Some(f) = forecast {
            let err = x - f.expected;
            if judge && t.w_forecast > 0.0 {
                views[2].2 = self.errors.surprise(err);
                views[2].3 = band_distance(x, f);
            }
            self.errors.push(err);
        }
        if t.w_seas > 0.0 || t.x_seas > 0.0 {
            if let Some((s, d)) = self.seasonal.judge(&self.range, self.n, x, scale, judge) {
                views[3].2 = s;
                views[3].3 = d;
                trace[5] = s;
                trace[10] = self.seasonal.calibrated() as f64;
            }
            trace[6] = self.seasonal.period().unwrap_or(f64::NAN);
            trace[7] = self.seasonal.strength();
        }
        if t.w_jump > 0.0 {
            let k = t.jump_k.max(1);
            if self.range.len() >= k {
                let m = (0..k).filter_map(|b| self.range.recent(b)).sum::<f64>() / k as f64;
                let e = x - m;
                if judge && self.jumps.len() >= 50 {
                    trace[8] = self.jumps.surprise(e);
                }
                self.jumps.push(e);
            }
        }
        if t.w_shape2 > 0.0 {
            if let Some((s, _)) = self.shapes2.push(x, scale, judge) {
                trace[12] = s;
                trace[13] = self.shapes2.dist.len() as f64;
            }
        }
        self.range.push(x);
        self.n += 1;
        if !judge {
            return (
                Verdict {
                    score: 0.0,
                    rarity: 0.0,
                    why: None,
                },
                trace,
            );
        }
        let held = (self.n as f64).min(t.range_cap as f64);
        // Record levels: a surprise of log10(n + 1) is a value beyond all n held.
        let levels = [
            held,
            self.shapes.dist.len() as f64,
            self.errors.len() as f64,
            self.seasonal.calibrated() as f64,
        ]
        .map(|n| (n + 1.0).log10() - t.rec_margin);
        let xw = [t.x_range, t.x_shape, t.x_forecast, t.x_seas];
        let seasonal_ok = self.seasonal.strength() >= t.seas_min_acf;
        // Evidence within what each view's history holds is averaged over the views; the
        // part beyond it (a value past every one held) counts in full.
        let (mut within, mut weights, mut excess) = (0.0, 0.0, 0.0_f64);
        let mut contrib = [0.0; 4];
        for (k, v) in views.iter().enumerate() {
            let (w, sur) = (v.1, v.2);
            let (inside, beyond) = if xw[k] > 0.0 {
                (sur.min(levels[k]), (sur - levels[k]).max(0.0) * xw[k])
            } else {
                (sur, 0.0)
            };
            let beyond = if k == 3 && !seasonal_ok { 0.0 } else { beyond };
            within += w * inside;
            weights += w;
            excess = excess.max(beyond);
            contrib[k] = w * inside + beyond;
        }
        let mean = if weights > 0.0 { within / weights } else { 0.0 } + excess;
        let adjusted = mean - t.bonf * held.log10();
        trace[0] = views[0].2;
        trace[11] = self.errors.len() as f64;
        trace[2] = views[2].2;
        trace[3] = adjusted;
        trace[4] = held;
        // Onset: full strength only above every adjusted surprise of the last steps.
        let prev = self.recent.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let s = if t.refract == 0 || adjusted > prev {
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
            .zip(contrib)
            .filter(|(v, c)| v.1 > 0.0 || *c > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(v, _)| *v);
        (
            Verdict {
                score: to_score(s),
                rarity: to_score(adjusted),
                why: top.map(|(cause, _, surprise, distance)| Why {
                    cause,
                    surprise,
                    distance,
                }),
            },
            trace,
        )
    }

    /// Robust spread of recent values (the interquartile range, floored above 0).
    fn scale(&self) -> f64 {
        let q = |p| self.range.quantile(p).unwrap_or(0.0);
        (q(0.75) - q(0.25)).max(q(0.5).abs() * 1e-9).max(1e-12)
    }

    /// How far x lies beyond the recent record, in spreads (negative inside the range).
    fn beyond_range(&self, x: f64, scale: f64) -> f64 {
        let n = self.range.len();
        let (Some(lo), Some(hi)) = (self.range.get(0), n.checked_sub(1).and_then(|k| self.range.get(k)))
        else {
            return 0.0;
        };
        if x > hi {
            (x - hi) / scale
        } else if x < lo {
            (lo - x) / scale
        } else {
            -((x - lo).min(hi - x)) / scale
        }
    }
}

/// Distance outside the band in half-widths of its side (negative inside).
fn band_distance(x: f64, f: Forecast) -> f64 {
    if x >= f.expected {
        let half = (f.upper - f.expected).max(f64::MIN_POSITIVE);
        (x - f.upper) / half
    } else {
        let half = (f.expected - f.lower).max(f64::MIN_POSITIVE);
        (f.lower - x) / half
    }
}
