//! How rare a value is among the recent values of a stream: a sliding window kept in order,
//! empirical ranks inside its range and a generalised Pareto tail beyond it
//! (`surprise.rs` says how).
//!
//! Written by hand: no maintained crate keeps a sliding window's order statistics with rank
//! queries; a list of sorted blocks (as Python's `sortedcontainers`) keeps insert and
//! removal at O(√n). The blocks are small and counted whole rather than bisected
//! (`count.rs`): the detector holds about ten windows and judges every point
//! against each, so a search mostly waits on memory, and a block's loads then overlap
//! instead of queueing.

mod count;
mod surprise;

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::scratch::Scratch;
use count::{count_le, count_lt, lasts_below2};

/// Block size of the sorted list (a block splits past twice this).
const BLOCK: usize = 32;
/// Ranks whose blocks `TailWindow::block_of` remembers: a prime, so the quartiles and
/// median of the usual window sizes fall in different slots.
const RANK_SLOTS: usize = 7;

/// A sliding window of the last `cap` values, in arrival order and in sorted order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TailWindow {
    cap: usize,
    order: VecDeque<f64>,
    blocks: Vec<Vec<f64>>,
    /// Values in the blocks before each block, and each block's largest value, so ranks
    /// and order statistics take binary searches over two flat arrays instead of a walk
    /// over the blocks.
    start: Vec<usize>,
    lasts: Vec<f64>,
    /// Where the value of the last rank query would be inserted: its bits, its block and
    /// the block's values below it. A view ranks a value and then learns it, so the push
    /// that follows a query reuses its search; any change to the window clears it.
    #[serde(skip)]
    probe: Scratch<Option<(u64, usize, usize)>>,
    /// Where the oldest value sits (its block and index there) while the window is full:
    /// found beside a rank query, side by side with its search, so the push that follows
    /// removes it without a search of its own. Any change to the window clears it.
    #[serde(skip)]
    leaving: Scratch<Option<(usize, usize)>>,
    /// The block each rank asked for was last found in, by rank modulo [`RANK_SLOTS`] (a
    /// guess, checked before use; see `block_of`).
    #[serde(skip)]
    ranked: Scratch<[u32; RANK_SLOTS]>,
}

impl TailWindow {
    /// An empty window keeping at most `cap` values (at least 1).
    pub fn new(cap: usize) -> Self {
        TailWindow {
            cap: cap.max(1),
            order: VecDeque::new(),
            blocks: Vec::new(),
            start: Vec::new(),
            lasts: Vec::new(),
            probe: Scratch::default(),
            leaving: Scratch::default(),
            ranked: Scratch::default(),
        }
    }

    /// Values held.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// No value held yet.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Adds a finite value, dropping the oldest once full.
    pub fn push(&mut self, x: f64) {
        debug_assert!(x.is_finite());
        // Where the last query found x, if it was x.
        let hint = self
            .probe
            .take()
            .filter(|p| p.0 == x.to_bits())
            .map(|p| (p.1, p.2));
        let leaving = self.leaving.take();
        if self.order.len() == self.cap {
            if let Some(old) = self.order.pop_front() {
                self.order.push_back(x);
                // The same value in and out leaves the sorted values as they were.
                if old.to_bits() != x.to_bits() {
                    self.replace_sorted(old, x, hint, leaving);
                }
                return;
            }
        }
        self.order.push_back(x);
        self.insert_sorted(x, hint);
    }

    /// Notes that x would go into block `b` after its first `lt` values (see `probe`).
    #[inline]
    fn remember(&self, x: f64, b: usize, lt: usize) {
        self.probe.set(Some((x.to_bits(), b, lt)));
    }

    /// How far `x` lies beyond the values held, in `scale`s (negative inside their range:
    /// the distance to the nearer end); 0 while the window is empty.
    pub fn beyond(&self, x: f64, scale: f64) -> f64 {
        let (Some(lo), Some(hi)) = (
            self.get(0),
            self.len().checked_sub(1).and_then(|k| self.get(k)),
        ) else {
            return 0.0;
        };
        let scale = scale.max(f64::MIN_POSITIVE);
        if x > hi {
            (x - hi) / scale
        } else if x < lo {
            (lo - x) / scale
        } else {
            -((x - lo).min(hi - x)) / scale
        }
    }

    /// The value pushed `back` pushes before the newest (0 the newest), if still held.
    pub fn recent(&self, back: usize) -> Option<f64> {
        let n = self.order.len();
        back.checked_add(1)
            .filter(|&k| k <= n)
            .map(|k| self.order[n - k])
    }

    /// The last `m` values pushed (at most all held), oldest first.
    pub fn recent_values(&self, m: usize) -> Vec<f64> {
        let n = self.order.len();
        self.order.range(n - m.min(n)..).copied().collect()
    }

    /// Empties the window (a new regime starts).
    pub fn clear(&mut self) {
        self.probe.set(None);
        self.leaving.set(None);
        self.order.clear();
        self.blocks.clear();
        self.start.clear();
        self.lasts.clear();
    }

    /// Inserts x in sorted order; `hint` is its place (block, values of the block below
    /// it) when a query has just found it.
    fn insert_sorted(&mut self, x: f64, hint: Option<(usize, usize)>) {
        if self.blocks.is_empty() {
            self.blocks.push(vec![x]);
            self.start.push(0);
            self.lasts.push(x);
            return;
        }
        let b = match hint {
            Some((b, i)) => self.insert_at(b, i, x),
            None => self.insert_in_block(x),
        };
        for s in &mut self.start[b + 1..] {
            *s += 1;
        }
        self.split_if_full(b);
    }

    /// Inserts x in order into the first block whose last value is >= x (else the last
    /// block; there must be one) and returns that block; `start` is left to the caller.
    fn insert_in_block(&mut self, x: f64) -> usize {
        let b = self
            .lasts
            .partition_point(|&l| l < x)
            .min(self.blocks.len() - 1);
        let i = count_lt(&self.blocks[b], x);
        self.insert_at(b, i, x)
    }

    /// Inserts x at index `i` of block `b` (where [`Self::insert_in_block`] would put it)
    /// and returns `b`.
    #[inline]
    fn insert_at(&mut self, b: usize, i: usize, x: f64) -> usize {
        self.blocks[b].insert(i, x);
        self.lasts[b] = self.lasts[b].max(x);
        b
    }

    /// Splits block `b` in two once it holds more than `2 · BLOCK` values (`start` must be
    /// up to date).
    fn split_if_full(&mut self, b: usize) {
        let blk = &mut self.blocks[b];
        if blk.len() > 2 * BLOCK {
            let tail = blk.split_off(BLOCK);
            let (last, tail_last) = (blk[BLOCK - 1], tail[tail.len() - 1]);
            self.blocks.insert(b + 1, tail);
            self.start.insert(b + 1, self.start[b] + BLOCK);
            self.lasts[b] = last;
            self.lasts.insert(b + 1, tail_last);
        }
    }

    /// Removes `old` (a value held) and inserts `x`, shifting the block starts only between
    /// the two blocks touched rather than after each. `hint` is x's place before `old` went
    /// out, when a query has just found it; `leaving` is old's place (block, index), when a
    /// query has just found that.
    fn replace_sorted(
        &mut self,
        old: f64,
        x: f64,
        hint: Option<(usize, usize)>,
        leaving: Option<(usize, usize)>,
    ) {
        // Blocks from `stale` on count one value too many once `old` is out.
        let (b, found) = match leaving {
            Some((b, i)) => (b, Some(i)),
            None => (self.lasts.partition_point(|&l| l < old), None),
        };
        let mut stale = self.blocks.len();
        let mut hint = hint;
        if let Some(blk) = self.blocks.get_mut(b) {
            let i = found.unwrap_or_else(|| count_lt(blk, old));
            if i < blk.len() {
                blk.remove(i);
                stale = b + 1;
                // Out of x's own block, old leaves x's place one value lower if it was
                // below x.
                if let Some((hb, lt)) = &mut hint {
                    if *hb == b {
                        *lt -= usize::from(old < x);
                    }
                }
            }
            match blk.last() {
                Some(&l) => {
                    self.lasts[b] = l;
                    // x's block may now end below x, and x belong to the next one: search.
                    if hint.is_some_and(|(hb, _)| hb == b && l < x && b + 1 < self.blocks.len()) {
                        hint = None;
                    }
                }
                None => {
                    self.blocks.remove(b);
                    self.start.remove(b);
                    self.lasts.remove(b);
                    stale = b;
                    hint = None;
                }
            }
        }
        if self.blocks.is_empty() {
            self.insert_sorted(x, None);
            return;
        }
        let b = match hint {
            Some((b, i)) => self.insert_at(b, i, x),
            None => self.insert_in_block(x),
        };
        // Blocks after `b` count one value too few; with `stale` the two offsets cancel
        // but between them.
        let stale = stale.min(self.start.len());
        if stale <= b {
            for s in &mut self.start[stale..=b] {
                *s -= 1;
            }
        } else {
            for s in &mut self.start[b + 1..stale] {
                *s += 1;
            }
        }
        self.split_if_full(b);
    }

    /// The k-th smallest value (0-based), if held.
    pub fn get(&self, k: usize) -> Option<f64> {
        if k >= self.len() {
            return None;
        }
        // The ends, asked for on every point, need no search.
        if k == 0 {
            return self.blocks[0].first().copied();
        }
        if k + 1 == self.len() {
            return self.lasts.last().copied();
        }
        let b = self.block_of(k);
        self.blocks[b].get(k - self.start[b]).copied()
    }

    /// The block holding rank `k` (below `len`, above 0): `start.partition_point(|&s| s <=
    /// k) − 1`. The views ask for the same few ranks on every point (quartiles, a median),
    /// whose blocks rarely change: the block last found for a rank is checked first, two
    /// loads instead of a search.
    #[inline]
    fn block_of(&self, k: usize) -> usize {
        let slot = k % RANK_SLOTS;
        let mut seen = self.ranked.get();
        let b = seen[slot] as usize;
        let holds = |b: usize| {
            self.start.get(b).is_some_and(|&s| s <= k)
                && self.start.get(b + 1).is_none_or(|&s| s > k)
        };
        if holds(b) {
            return b;
        }
        let b = self.start.partition_point(|&s| s <= k) - 1;
        seen[slot] = b as u32;
        self.ranked.set(seen);
        b
    }

    /// Values strictly below x.
    fn count_below(&self, x: f64) -> usize {
        match self.place(x) {
            Some((b, lt)) => self.start[b] + lt,
            None => self.len(),
        }
    }

    /// The block x would go into and the values of that block below it (None when x is
    /// above every value held), remembered for the push that follows (see `probe`). When
    /// the window is full the oldest value's place is found beside it (see `leaving`).
    #[inline]
    fn place(&self, x: f64) -> Option<(usize, usize)> {
        let old = match self.order.front() {
            Some(&old) if self.order.len() == self.cap && old.to_bits() != x.to_bits() => old,
            _ => {
                let b = self.lasts.partition_point(|&l| l < x);
                let lt = count_lt(self.blocks.get(b)?, x);
                self.remember(x, b, lt);
                return Some((b, lt));
            }
        };
        let (b, bo) = lasts_below2(&self.lasts, x, old);
        // The oldest value is held, so its block exists; x's may not (x above them all).
        let blk_old = &self.blocks[bo];
        let Some(blk) = self.blocks.get(b) else {
            self.leaving.set(Some((bo, count_lt(blk_old, old))));
            return None;
        };
        let (lt, io) = (count_lt(blk, x), count_lt(blk_old, old));
        self.leaving.set(Some((bo, io)));
        self.remember(x, b, lt);
        Some((b, lt))
    }

    /// Values at or below x.
    fn count_at_most(&self, x: f64) -> usize {
        let b = self.lasts.partition_point(|&l| l <= x);
        match self.blocks.get(b) {
            Some(blk) => self.start[b] + count_le(blk, x),
            None => self.len(),
        }
    }

    /// `(count_below(x), count_at_most(x))`, with one search when no tie of x spans blocks.
    fn ranks(&self, x: f64) -> (usize, usize) {
        let Some((b, lt)) = self.place(x) else {
            return (self.len(), self.len());
        };
        let blk = &self.blocks[b];
        if self.lasts[b] > x {
            // Every later block starts at or above this one's last, which is above x. The
            // values at or below x past the first `lt` are the ties of x, usually none.
            let le = lt + blk[lt..].iter().take_while(|&&v| v <= x).count();
            (self.start[b] + lt, self.start[b] + le)
        } else {
            (self.start[b] + lt, self.count_at_most(x))
        }
    }

    /// The smallest and largest values held.
    fn extremes(&self) -> Option<(f64, f64)> {
        Some((*self.blocks.first()?.first()?, *self.lasts.last()?))
    }

    /// The `k` largest values, largest first.
    fn top(&self, k: usize) -> impl Iterator<Item = f64> + '_ {
        self.blocks
            .iter()
            .rev()
            .flat_map(|b| b.iter().rev())
            .copied()
            .take(k)
    }

    /// The `k` smallest values, smallest first.
    fn bottom(&self, k: usize) -> impl Iterator<Item = f64> + '_ {
        self.blocks.iter().flat_map(|b| b.iter()).copied().take(k)
    }

    /// The q-quantile of the window (linear between ranks, so a mirrored series gets the
    /// mirrored quantile), if any value is held.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.len();
        if n == 0 {
            return None;
        }
        let h = q.clamp(0.0, 1.0) * (n - 1) as f64;
        let (i, j) = (h.floor() as usize, (h.ceil() as usize).min(n - 1));
        let (a, b) = if j == i + 1 {
            self.get_pair(i)?
        } else {
            (self.get(i)?, self.get(j)?)
        };
        Some(a + (h - i as f64) * (b - a))
    }

    /// `(get(k), get(k + 1))` with one search: neighbours are mostly in one block.
    fn get_pair(&self, k: usize) -> Option<(f64, f64)> {
        let n = self.len();
        if k + 1 >= n {
            return None;
        }
        if k == 0 || k + 2 == n {
            // The ends, as `get` reads them.
            return Some((self.get(k)?, self.get(k + 1)?));
        }
        let b = self.block_of(k);
        let (blk, o) = (&self.blocks[b], k - self.start[b]);
        let next = match blk.get(o + 1) {
            Some(&v) => v,
            None => *self.blocks.get(b + 1)?.first()?,
        };
        Some((*blk.get(o)?, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_match_a_sorted_copy() {
        let mut w = TailWindow::new(300);
        let mut x = 0.3_f64;
        let mut all = Vec::new();
        for _ in 0..1000 {
            x = (x * 3.7 * (1.0 - x)).clamp(0.01, 0.99);
            let v = (x * 50.0).round();
            w.push(v);
            all.push(v);
        }
        let mut last: Vec<f64> = all[all.len() - 300..].to_vec();
        last.sort_by(f64::total_cmp);
        for (k, v) in last.iter().enumerate() {
            assert_eq!(w.get(k), Some(*v));
        }
        assert_eq!(w.len(), 300);
    }

    #[test]
    fn counts_match_a_sorted_copy_as_values_come_and_go() {
        let mut w = TailWindow::new(700);
        let mut all = Vec::new();
        let mut x = 0.41_f64;
        for i in 0..5000 {
            x = (x * 3.93 * (1.0 - x)).clamp(0.001, 0.999);
            // Ties: a coarse grid, plus runs of one value.
            let v = if i % 97 < 20 { 0.5 } else { (x * 60.0).round() };
            w.push(v);
            all.push(v);
            if i % 37 == 0 {
                let mut last: Vec<f64> = all[all.len().saturating_sub(700)..].to_vec();
                last.sort_by(f64::total_cmp);
                for q in [-1.0, 0.0, 0.5, 13.0, 29.5, 30.0, 60.0, 61.0] {
                    let below = last.iter().filter(|&&v| v < q).count();
                    let at_most = last.iter().filter(|&&v| v <= q).count();
                    assert_eq!(w.count_below(q), below, "{i} {q}");
                    assert_eq!(w.count_at_most(q), at_most, "{i} {q}");
                }
                for (k, v) in last.iter().enumerate() {
                    assert_eq!(w.get(k), Some(*v));
                }
                assert_eq!(w.get(last.len()), None);
                let top: Vec<f64> = w.top(5).collect();
                assert_eq!(top, last.iter().rev().take(5).copied().collect::<Vec<_>>());
            }
        }
    }

    /// The `i`-th value of a stream whose regime changes every `phase` values: a few ties
    /// (`ties` distinct values), noise, a rising drift, a falling one. Now and then the value
    /// leaving a window of `cap` (of the values pushed so far, `all`) comes straight back.
    fn next_value(
        rng: &mut crate::core::rng::SplitMix64,
        i: usize,
        phase: usize,
        ties: u64,
        all: &[f64],
        cap: usize,
    ) -> f64 {
        let v = match (i / phase) % 4 {
            0 => rng.below(ties) as f64,
            1 => rng.normal(),
            2 => i as f64 * 0.01 + rng.normal(),
            _ => -(i as f64) + rng.below(3) as f64,
        };
        match all.len().checked_sub(cap) {
            Some(k) if rng.below(10) == 0 => all[k],
            _ => v,
        }
    }

    #[test]
    fn every_query_matches_a_sorted_vec_under_random_pushes() {
        use crate::core::rng::SplitMix64;
        let mut rng = SplitMix64::new(7);
        // Small caps (one block, a block emptied and dropped), the block size's edges, and
        // a window of many blocks; values from a few ties to all distinct, with drifts (a
        // block at one end fills and splits while the other end drains).
        for cap in [1, 2, 3, 64, 65, 129, 1000] {
            let mut w = TailWindow::new(cap);
            let mut all: Vec<f64> = Vec::new();
            for i in 0..6000 {
                let v = next_value(&mut rng, i, 500, 5, &all, cap);
                w.push(v);
                all.push(v);
                let mut last: Vec<f64> = all[all.len().saturating_sub(cap)..].to_vec();
                last.sort_by(f64::total_cmp);
                let n = last.len();
                assert_eq!(w.len(), n);
                let total: usize = w.blocks.iter().map(Vec::len).sum();
                assert_eq!(total, n, "{cap} {i}");
                for (b, blk) in w.blocks.iter().enumerate() {
                    assert!(!blk.is_empty());
                    assert_eq!(w.lasts[b], blk[blk.len() - 1]);
                    let before: usize = w.blocks[..b].iter().map(Vec::len).sum();
                    assert_eq!(w.start[b], before, "{cap} {i} {b}");
                }
                if i % 13 == 0 || cap < 200 {
                    for k in 0..n {
                        assert_eq!(w.get(k), Some(last[k]), "{cap} {i} {k}");
                        let pair = (k + 1 < n).then(|| (last[k], last[k + 1]));
                        assert_eq!(w.get_pair(k), pair, "{cap} {i} {k}");
                    }
                    let probe = [
                        v,
                        v - 0.5,
                        v + 0.5,
                        last[0],
                        last[n - 1],
                        last[n / 2],
                        -1e9,
                        1e9,
                    ];
                    for q in probe {
                        let below = last.iter().filter(|&&v| v < q).count();
                        let at_most = last.iter().filter(|&&v| v <= q).count();
                        assert_eq!(w.count_below(q), below, "{cap} {i} {q}");
                        assert_eq!(w.count_at_most(q), at_most, "{cap} {i} {q}");
                        assert_eq!(w.ranks(q), (below, at_most), "{cap} {i} {q}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_push_after_a_query_builds_the_same_window() {
        use crate::core::rng::SplitMix64;
        let mut rng = SplitMix64::new(11);
        // Queried before each push (the probe's path) or never (the plain search's): the
        // blocks must come out identical, through splits, emptied blocks and ties.
        for cap in [1, 2, 3, 64, 65, 129, 1000] {
            let (mut probed, mut plain) = (TailWindow::new(cap), TailWindow::new(cap));
            let mut all: Vec<f64> = Vec::new();
            for i in 0..6000 {
                let v = next_value(&mut rng, i, 400, 4, &all, cap);
                match i % 3 {
                    0 => drop(probed.surprise(v)),
                    1 => drop(probed.upper_p(v)),
                    _ => drop(probed.surprise_excluding(v, &[v])),
                }
                probed.push(v);
                plain.push(v);
                all.push(v);
                assert_eq!(probed.blocks, plain.blocks, "{cap} {i}");
                assert_eq!(probed.start, plain.start, "{cap} {i}");
                assert_eq!(probed.lasts, plain.lasts, "{cap} {i}");
            }
        }
    }
}
