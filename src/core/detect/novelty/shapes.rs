//! The shape view: nearest-neighbour novelty of the recent shape (the last `len` block means,
//! blocks of `block` points), its distance calibrated among the recent nearest distances.
//!
//! The search is exact and cheap: a k-d tree over the shapes stored up to its last rebuild
//! (every [`REBUILD`] shapes) and a linear scan of those stored since. The ring keeps
//! `mem_cap + REBUILD` shapes so that no shape the tree points to is overwritten before the
//! next rebuild; shapes older than `mem_cap` are skipped at query time.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::core::detect::tail::TailWindow;

/// Shapes stored between rebuilds of the k-d tree.
const REBUILD: usize = 128;
/// Ranges of at most this many shapes are scanned, not split.
const LEAF: usize = 8;

/// State of the shape view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Shapes {
    block: usize,
    len: usize,
    mem_cap: usize,
    acc: f64,
    acc_n: usize,
    blocks: VecDeque<f64>,
    /// Stored shapes, flattened: a ring of `mem_cap + REBUILD` windows of `len` block means.
    mem: Vec<f64>,
    stored: usize,
    /// Slots in k-d order: the node of a range is its middle element.
    tree: Vec<u32>,
    /// Split dimension of each node (indexed as `tree`).
    split: Vec<u8>,
    /// `stored` when the tree was built.
    built: usize,
    dist: TailWindow,
}

impl Shapes {
    pub(super) fn new(block: usize, len: usize, mem_cap: usize, dist_cap: usize) -> Self {
        Shapes {
            block: block.max(1),
            len: len.clamp(1, 255),
            mem_cap: mem_cap.max(1),
            acc: 0.0,
            acc_n: 0,
            blocks: VecDeque::new(),
            mem: Vec::new(),
            stored: 0,
            tree: Vec::new(),
            split: Vec::new(),
            built: 0,
            dist: TailWindow::new(dist_cap),
        }
    }

    /// Nearest distances held for calibration.
    #[allow(dead_code)]
    pub(super) fn calibrated(&self) -> usize {
        self.dist.len()
    }

    fn ring(&self) -> usize {
        self.mem_cap + REBUILD
    }

    fn shape(&self, slot: usize) -> &[f64] {
        &self.mem[slot * self.len..(slot + 1) * self.len]
    }

    /// Feeds one value; when it closes a block, returns (surprise, distance in `scale`s,
    /// distances held for calibration) of the new shape against its nearest stored
    /// neighbour.
    pub(super) fn push(&mut self, x: f64, scale: f64, judge: bool) -> Option<(f64, f64, usize)> {
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
        let len = self.len;
        let held = self.stored.min(self.mem_cap);
        let mut out = None;
        if held > len + 5 {
            let q: Vec<f64> = self.blocks.iter().copied().collect();
            let best = self.nearest(&q);
            let dist = best.sqrt() / scale;
            if judge {
                out = Some((self.dist.upper_surprise(dist), dist, self.dist.len()));
            }
            self.dist.push(dist);
        }
        let slot = self.stored % self.ring();
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
        age + 1 >= self.len && age < self.mem_cap.min(self.stored)
    }

    /// Squared distance from `q` to its nearest usable stored shape.
    fn nearest(&self, q: &[f64]) -> f64 {
        let ring = self.ring();
        let newest = self.stored - 1;
        let mut best = f64::INFINITY;
        // Shapes stored since the tree was built.
        for g in self.built..self.stored {
            if self.usable(newest - g) {
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
        let (near, far) = if diff < 0.0 {
            ((lo, mid), (mid + 1, hi))
        } else {
            ((mid + 1, hi), (lo, mid))
        };
        self.search(q, near.0, near.1, best, newest_slot);
        if diff * diff < *best {
            self.search(q, far.0, far.1, best, newest_slot);
        }
    }

    /// Rebuilds the k-d tree over the shapes in memory.
    fn rebuild(&mut self) {
        let ring = self.ring();
        let held = self.stored.min(self.mem_cap);
        let mut tree: Vec<u32> = (self.stored - held..self.stored)
            .map(|g| (g % ring) as u32)
            .collect();
        let mut split = vec![0u8; tree.len()];
        self.build(&mut tree, &mut split);
        self.tree = tree;
        self.split = split;
        self.built = self.stored;
    }

    /// Orders `tree` as a k-d tree: the median on the widest dimension in the middle, each
    /// half built the same way.
    fn build(&self, tree: &mut [u32], split: &mut [u8]) {
        if tree.len() <= LEAF {
            return;
        }
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
        self.build(l, ls);
        self.build(&mut r[1..], &mut rs[1..]);
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
