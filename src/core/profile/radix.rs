//! A least-significant-digit radix sort that can stop after any number of values and resume.
//!
//! Hand-written because the page must sort a column of millions of values without one
//! main-thread task passing the long-task budget, and `radsort` (used when the whole sort
//! may run at once) sorts in one call. Both give the same output: a sort of keys whose
//! order is total and whose equal keys are equal bit patterns has one result.

/// A value sortable by bytes: byte `d` (0 = least significant) of an order-preserving key.
pub(super) trait RadixKey: Copy {
    /// Bytes in the key.
    const BYTES: usize;
    /// Placeholder for the scratch buffer.
    const ZERO: Self;
    /// Byte `d` of the key.
    fn byte(self, d: usize) -> usize;
    /// Sorts in one call (`radsort`, same order as the byte keys).
    fn sort_all(v: &mut [Self]);
}

impl RadixKey for u32 {
    const BYTES: usize = 4;
    const ZERO: Self = 0;
    #[inline]
    fn byte(self, d: usize) -> usize {
        ((self >> (8 * d)) & 0xFF) as usize
    }
    fn sort_all(v: &mut [Self]) {
        radsort::sort(v);
    }
}

impl RadixKey for f64 {
    const BYTES: usize = 8;
    const ZERO: Self = 0.0;
    /// IEEE total order as radsort keys it: flip the sign bit of positives, every bit of
    /// negatives, so -0.0 sorts before 0.0 exactly as in `radsort`.
    #[inline]
    fn byte(self, d: usize) -> usize {
        let b = self.to_bits();
        let k = if b >> 63 == 1 { !b } else { b ^ (1 << 63) };
        ((k >> (8 * d)) & 0xFF) as usize
    }
    fn sort_all(v: &mut [Self]) {
        radsort::sort(v);
    }
}

/// Where a resumable sort is.
enum Pass {
    /// Counting every byte of values `i..`.
    Histogram {
        i: usize,
    },
    /// Moving values `i..` by byte `digit`; `next[b]` is where the next value with byte b goes.
    Scatter {
        digit: usize,
        i: usize,
        next: Box<[usize; 256]>,
    },
    Done,
}

/// A sort in progress over owned values.
pub(super) struct RadixSort<K> {
    data: Vec<K>,
    scratch: Vec<K>,
    /// hist[d][b]: values whose byte d is b.
    hist: Vec<[usize; 256]>,
    pass: Pass,
}

impl<K: RadixKey> RadixSort<K> {
    /// A sort of `data`, nothing done yet.
    pub(super) fn new(data: Vec<K>) -> RadixSort<K> {
        RadixSort {
            data,
            scratch: Vec::new(),
            hist: Vec::new(),
            pass: Pass::Histogram { i: 0 },
        }
    }

    /// Moves at most about `budget` values (a sort given `usize::MAX` before any step runs
    /// `radsort` at once); true once sorted.
    pub(super) fn step(&mut self, budget: usize) -> bool {
        let n = self.data.len();
        let mut left = budget.max(1);
        loop {
            match &mut self.pass {
                Pass::Done => return true,
                Pass::Histogram { i: 0 } if budget == usize::MAX => {
                    K::sort_all(&mut self.data);
                    self.pass = Pass::Done;
                }
                Pass::Histogram { i } => {
                    if self.hist.is_empty() {
                        self.hist = vec![[0; 256]; K::BYTES];
                    }
                    let j = *i + left.min(n - *i);
                    for &x in &self.data[*i..j] {
                        for (d, h) in self.hist.iter_mut().enumerate() {
                            h[x.byte(d)] += 1;
                        }
                    }
                    left -= j - *i;
                    *i = j;
                    if j == n {
                        self.pass = self.scatter_from(0);
                    }
                }
                Pass::Scatter { digit, i, next } => {
                    let j = *i + left.min(n - *i);
                    let d = *digit;
                    for &x in &self.data[*i..j] {
                        let b = x.byte(d);
                        self.scratch[next[b]] = x;
                        next[b] += 1;
                    }
                    left -= j - *i;
                    *i = j;
                    if j == n {
                        std::mem::swap(&mut self.data, &mut self.scratch);
                        self.pass = self.scatter_from(d + 1);
                    }
                }
            }
            if left == 0 {
                return matches!(self.pass, Pass::Done);
            }
        }
    }

    /// The first pass from byte `from` on that moves anything: a byte all values share
    /// leaves the order as it is.
    fn scatter_from(&mut self, from: usize) -> Pass {
        let n = self.data.len();
        let Some(digit) = (from..K::BYTES).find(|&d| !self.hist[d].iter().any(|&c| c == n)) else {
            self.scratch = Vec::new();
            return Pass::Done;
        };
        if self.scratch.len() != n {
            self.scratch = vec![K::ZERO; n];
        }
        let mut next = Box::new([0usize; 256]);
        let mut at = 0;
        for (slot, &c) in next.iter_mut().zip(&self.hist[digit]) {
            *slot = at;
            at += c;
        }
        Pass::Scatter { digit, i: 0, next }
    }

    /// The sorted values, finishing whatever is left.
    pub(super) fn into_sorted(mut self) -> Vec<K> {
        while !self.step(usize::MAX) {}
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rng::SplitMix64;

    fn stepped<K: RadixKey>(v: Vec<K>, budget: usize) -> Vec<K> {
        let mut s = RadixSort::new(v);
        while !s.step(budget) {}
        s.into_sorted()
    }

    #[test]
    fn sorting_in_small_steps_equals_radsort() {
        let mut rng = SplitMix64::new(21);
        let keys: Vec<u32> = (0..50_000).map(|_| rng.below(10_000_000) as u32).collect();
        let mut want = keys.clone();
        radsort::sort(&mut want);
        for budget in [1, 777, 4096] {
            assert_eq!(stepped(keys.clone(), budget), want, "budget {budget}");
        }
        let values: Vec<f64> = (0..30_000)
            .map(|i| match i % 5 {
                0 => -0.0,
                1 => 0.0,
                2 => -rng.normal() * 1e-300,
                _ => rng.normal() * 1e6,
            })
            .collect();
        let mut want = values.clone();
        radsort::sort(&mut want);
        let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
        assert_eq!(bits(stepped(values, 1000)), bits(want));
        assert!(stepped(Vec::<u32>::new(), 10).is_empty());
    }
}
