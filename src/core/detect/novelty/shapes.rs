//! The shape view: nearest-neighbour novelty of the recent shape (the last `len` block means,
//! blocks of `block` points), its distance calibrated among the recent nearest distances.
//!
//! The search is exact and cheap: the stored shapes sit in a k-d tree whose leaves hold up
//! to [`LEAF`] shapes. A new shape is inserted (a full leaf splits at its median on its
//! widest dimension) and the shape it overwrites in the ring of `mem_cap` is removed, so
//! the tree always holds exactly the shapes in memory; it is rebuilt balanced every
//! `4 · mem_cap` shapes, or sooner when an insertion goes too deep (a trending metric).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::core::detect::tail::TailWindow;

/// Shapes a leaf holds before it splits.
const LEAF: usize = 12;
/// Depth past which an insertion triggers a balanced rebuild.
const MAX_DEPTH: usize = 48;

/// A node of the k-d tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Node {
    /// Shapes whose value on `dim` is below `at` go to `lo`, the others to `hi`.
    Split { dim: u8, at: f64, lo: u32, hi: u32 },
    /// Ring slots of the shapes held here.
    Leaf(Vec<u32>),
}

/// State of the shape view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Shapes {
    block: usize,
    len: usize,
    mem_cap: usize,
    acc: f64,
    acc_n: usize,
    blocks: VecDeque<f64>,
    /// Stored shapes, flattened: a ring of `mem_cap` windows of `len` block means.
    mem: Vec<f64>,
    stored: usize,
    /// The k-d tree over the ring's slots; the root is node 0.
    nodes: Vec<Node>,
    /// `stored` at the last balanced rebuild.
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
            nodes: vec![Node::Leaf(Vec::new())],
            built: 0,
            dist: TailWindow::new(dist_cap),
        }
    }

    fn shape(&self, slot: usize) -> &[f64] {
        &self.mem[slot * self.len..(slot + 1) * self.len]
    }

    fn coord(&self, slot: u32, dim: usize) -> f64 {
        self.mem[slot as usize * self.len + dim]
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
        // `len` is at most 255 (see `new`).
        let mut buf = [0.0; 255];
        for (d, &s) in buf.iter_mut().zip(&self.blocks) {
            *d = s;
        }
        let q = &buf[..len];
        let mut out = None;
        if held > len + 5 {
            let best = self.nearest(q);
            let dist = best.sqrt() / scale;
            if judge {
                out = Some((self.dist.upper_surprise(dist), dist, self.dist.len()));
            }
            self.dist.push(dist);
        }
        let slot = self.stored % self.mem_cap;
        if self.stored >= self.mem_cap {
            self.remove(slot as u32);
        }
        if self.mem.len() < (slot + 1) * len {
            self.mem.resize((slot + 1) * len, 0.0);
        }
        self.mem[slot * len..(slot + 1) * len].copy_from_slice(q);
        self.stored += 1;
        if self.stored - self.built >= 4 * self.mem_cap || !self.insert(slot as u32) {
            self.rebuild();
        }
        out
    }

    /// Whether the shape `age` stores back (0 the newest) is a candidate: not overlapping
    /// the current one (whose blocks it would share).
    fn usable(&self, age: usize) -> bool {
        age + 1 >= self.len
    }

    /// Squared distance from `q` to its nearest usable stored shape.
    fn nearest(&self, q: &[f64]) -> f64 {
        let newest = (self.stored - 1) % self.mem_cap;
        let mut best = f64::INFINITY;
        // The most recent usable shape first: often near, it tightens the bound early.
        let first = (newest + self.mem_cap - (self.len - 1) % self.mem_cap) % self.mem_cap;
        if self.stored >= self.len {
            best = sq_dist(q, self.shape(first), best);
        }
        self.search(q, 0, &mut best, newest);
        best
    }

    fn search(&self, q: &[f64], node: usize, best: &mut f64, newest: usize) {
        if *best == 0.0 {
            return;
        }
        match &self.nodes[node] {
            Node::Leaf(slots) => {
                for &s in slots {
                    let s = s as usize;
                    // The age `(newest − s) mod mem_cap` without a division per shape.
                    let age = newest + self.mem_cap - s;
                    let age = if age >= self.mem_cap {
                        age - self.mem_cap
                    } else {
                        age
                    };
                    if self.usable(age) {
                        *best = sq_dist(q, self.shape(s), *best);
                    }
                }
            }
            &Node::Split { dim, at, lo, hi } => {
                let diff = q[dim as usize] - at;
                let (near, far) = if diff < 0.0 { (lo, hi) } else { (hi, lo) };
                self.search(q, near as usize, best, newest);
                if diff * diff < *best {
                    self.search(q, far as usize, best, newest);
                }
            }
        }
    }

    /// The leaf holding `slot`'s shape, and its depth.
    fn leaf_of(&self, slot: u32) -> (usize, usize) {
        let (mut node, mut depth) = (0, 0);
        while let &Node::Split { dim, at, lo, hi } = &self.nodes[node] {
            node = if self.coord(slot, dim as usize) < at {
                lo
            } else {
                hi
            } as usize;
            depth += 1;
        }
        (node, depth)
    }

    /// Inserts a stored shape; false when it went too deep (the tree wants a rebuild).
    fn insert(&mut self, slot: u32) -> bool {
        let (leaf, depth) = self.leaf_of(slot);
        let Node::Leaf(slots) = &mut self.nodes[leaf] else {
            unreachable!("leaf_of ends at a leaf");
        };
        slots.push(slot);
        if slots.len() > LEAF {
            let slots = std::mem::take(slots);
            self.nodes[leaf] = self.subtree(slots);
        }
        depth <= MAX_DEPTH
    }

    /// Removes a stored shape (before its slot is overwritten).
    fn remove(&mut self, slot: u32) {
        let (leaf, _) = self.leaf_of(slot);
        if let Node::Leaf(slots) = &mut self.nodes[leaf] {
            if let Some(i) = slots.iter().position(|&s| s == slot) {
                slots.remove(i);
            }
        }
    }

    /// Rebuilds a balanced tree over the shapes in memory.
    fn rebuild(&mut self) {
        let held = self.stored.min(self.mem_cap);
        let slots: Vec<u32> = (self.stored - held..self.stored)
            .map(|g| (g % self.mem_cap) as u32)
            .collect();
        self.nodes = vec![Node::Leaf(Vec::new())];
        let root = self.subtree(slots);
        self.nodes[0] = root;
        self.built = self.stored;
    }

    /// A node over `slots`: a leaf when they are few (or all alike), else a split at the
    /// median of the widest dimension with both halves built the same way.
    fn subtree(&mut self, mut slots: Vec<u32>) -> Node {
        if slots.len() <= LEAF {
            return Node::Leaf(slots);
        }
        // The widest dimension, judged on at most 64 of the shapes.
        let stride = slots.len().div_ceil(64);
        let mut dim = 0;
        let mut widest = 0.0;
        for d in 0..self.len {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for &s in slots.iter().step_by(stride) {
                let v = self.coord(s, d);
                lo = lo.min(v);
                hi = hi.max(v);
            }
            if hi - lo > widest {
                widest = hi - lo;
                dim = d;
            }
        }
        let mid = slots.len() / 2;
        slots.select_nth_unstable_by(mid, |&a, &b| {
            self.coord(a, dim)
                .total_cmp(&self.coord(b, dim))
                .then(a.cmp(&b))
        });
        let at = self.coord(slots[mid], dim);
        let (lo, hi): (Vec<u32>, Vec<u32>) =
            slots.into_iter().partition(|&s| self.coord(s, dim) < at);
        if lo.is_empty() {
            // The lower half ties with the median: split above it, or not at all.
            let above: Option<f64> = hi
                .iter()
                .map(|&s| self.coord(s, dim))
                .filter(|&v| v > at)
                .min_by(f64::total_cmp);
            let Some(at) = above else {
                return Node::Leaf(hi);
            };
            let (lo, hi): (Vec<u32>, Vec<u32>) =
                hi.into_iter().partition(|&s| self.coord(s, dim) < at);
            return self.split(dim, at, lo, hi);
        }
        self.split(dim, at, lo, hi)
    }

    fn split(&mut self, dim: usize, at: f64, lo: Vec<u32>, hi: Vec<u32>) -> Node {
        let lo_node = self.subtree(lo);
        self.nodes.push(lo_node);
        let lo = (self.nodes.len() - 1) as u32;
        let hi_node = self.subtree(hi);
        self.nodes.push(hi_node);
        let hi = (self.nodes.len() - 1) as u32;
        Node::Split {
            dim: dim as u8,
            at,
            lo,
            hi,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The nearest distance by brute force over the ring.
    fn brute(s: &Shapes, q: &[f64]) -> f64 {
        let held = s.stored.min(s.mem_cap);
        let newest = (s.stored - 1) % s.mem_cap;
        (0..held)
            .filter(|&slot| s.usable((newest + s.mem_cap - slot) % s.mem_cap))
            .map(|slot| sq_dist(q, s.shape(slot), f64::INFINITY))
            .fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn the_tree_finds_the_nearest_shape_as_shapes_come_and_go() {
        let mut s = Shapes::new(2, 6, 300, 100);
        let mut x = 0.37_f64;
        for i in 0..20_000 {
            x = (x * 3.91 * (1.0 - x)).clamp(0.001, 0.999);
            // A drift, a cycle, noise, and runs of one value (ties).
            let v = if i % 500 < 40 {
                3.0
            } else {
                (i as f64 * 0.001) + (i as f64 * 0.05).sin() + x
            };
            s.push(v, 1.0, true);
            if i % 7 == 0 && s.stored > 20 && s.blocks.len() == s.len {
                let q: Vec<f64> = s.blocks.iter().copied().collect();
                assert_eq!(s.nearest(&q), brute(&s, &q), "at {i}");
            }
        }
        let count: usize = s
            .nodes
            .iter()
            .map(|n| match n {
                Node::Leaf(v) => v.len(),
                _ => 0,
            })
            .sum();
        assert_eq!(count, s.mem_cap);
    }
}
