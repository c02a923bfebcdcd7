//! The ordered values of a numeric column, and the counters that order it without a sort
//! when values repeat. Each counter takes the column in slices so a step stays short.

use std::borrow::Cow;

/// Above this many distinct values, order statistics come from a sorted copy instead of
/// a table of value counts.
pub(super) const COUNTING_MAX_DISTINCT: usize = 1 << 16;

/// Largest decimal key counted in arrays indexed by the key (12 MiB at most) rather than sorted.
const COUNT_ARRAY_MAX_KEY: u32 = 1 << 20;

/// The non-missing values in ascending order, held either as one sorted slice, as sorted
/// distinct values with cumulative counts (far cheaper when values repeat a lot, as most
/// measured columns do), or as sorted decimal keys.
#[derive(Debug)]
pub(super) enum Ordered<'a> {
    /// Ascending, NaN-free values.
    Sorted(Cow<'a, [f64]>),
    /// Distinct values ascending; `ends[i]` is the count of values <= `values[i]`.
    Runs { values: Vec<f64>, ends: Vec<usize> },
    /// Ascending keys of values that are each exactly the correctly rounded `key / scale`
    /// (see [`decimal_key`]); values are computed only where a figure needs one, which
    /// spares a division per value and a copy of the column.
    Keys { keys: Vec<u32>, scale: f64 },
}

/// The key of `x` at `scale`, when `x` is exactly the correctly rounded key / scale. A
/// column of non-negative decimals with few places (prices, amounts, ratios) is all such
/// keys; rounding is monotonic, so ordering the keys orders the values, and equal keys are
/// equal values.
#[inline]
pub(super) fn decimal_key(x: f64, scale: f64) -> Option<u32> {
    let k = (x * scale + 0.5) as u64;
    (k < 1 << 32 && (k as f64 / scale).to_bits() == x.to_bits()).then_some(k as u32)
}

/// The scale (1, 10, ... 10^4) at which the first values of `v` are all decimal keys.
pub(super) fn decimal_scale(v: &[f64]) -> Option<f64> {
    let probe: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).take(64).collect();
    [1.0, 10.0, 100.0, 1e3, 1e4]
        .into_iter()
        .find(|&s| probe.iter().all(|&x| decimal_key(x, s).is_some()))
}

/// Counts a column of decimal keys with a small range (ratios, one-decimal measurements,
/// small integers) in arrays indexed by the key: this replaces hashing, whose table
/// outgrew the cache at ~10k distinct values. A value is checked against the array's
/// value for its key, so only a key's first sight pays the division of [`decimal_key`].
pub(super) struct KeyCounter {
    /// values[k] is the value of key k; counts[k] its occurrences.
    pub(super) values: Vec<f64>,
    pub(super) counts: Vec<u32>,
    scale: f64,
    limit: usize,
}

impl KeyCounter {
    /// A counter for a column of `len` values at `scale`; None when the column is too long
    /// for u32 counts.
    pub(super) fn new(len: usize, scale: f64) -> Option<KeyCounter> {
        (len < u32::MAX as usize).then(|| KeyCounter {
            values: Vec::new(),
            counts: Vec::new(),
            scale,
            limit: (COUNT_ARRAY_MAX_KEY as usize).min(len.saturating_mul(4).saturating_add(64)),
        })
    }

    /// Counts the next slice of the column; false (give up) when a value is no key at the
    /// scale or the key range gets too wide.
    pub(super) fn count(&mut self, v: &[f64]) -> bool {
        #[cold]
        fn first_sight(c: &mut KeyCounter, x: f64) -> Option<usize> {
            let k = decimal_key(x, c.scale)? as usize;
            // Growth follows the values seen (a key far above them means a wide range, which
            // a sort handles better), so a wide column gives up before filling a big table.
            let seen: u32 = c.counts.iter().sum();
            if k >= c.limit || k >= (1 << 14).max(8 * seen as usize) {
                return None;
            }
            let len = (k + 1).max(2 * c.values.len()).min(c.limit);
            let from = c.values.len();
            let scale = c.scale;
            c.values.extend((from..len).map(|i| i as f64 / scale));
            c.counts.resize(len, 0);
            Some(k)
        }
        for &x in v {
            if x.is_nan() {
                continue;
            }
            let k = (x * self.scale + 0.5) as u64 as usize;
            let k = match self.values.get(k) {
                Some(want) if want.to_bits() == x.to_bits() => k,
                _ => match first_sight(self, x) {
                    Some(k) => k,
                    None => return false,
                },
            };
            self.counts[k] += 1;
        }
        true
    }
}

/// Occurrences of each distinct non-NaN value. Hand-written open addressing (linear
/// probing, multiplicative hash of the bits) because this loop runs once per cell: a
/// general-purpose map measured 4x slower here, as float bits of repeated values hash poorly.
pub(super) struct ValueCounts {
    /// (value bits, count) per slot, side by side so a probe touches one cache line;
    /// EMPTY bits mark a free slot.
    slots: Vec<(u64, usize)>,
    len: usize,
    shift: u32,
}

impl ValueCounts {
    /// A NaN bit pattern never stored as a key, since NaN values are skipped.
    const EMPTY: u64 = u64::MAX;

    /// An empty table.
    pub(super) fn new() -> ValueCounts {
        ValueCounts::with_bits(10)
    }

    /// Counts the next slice of values; false as soon as there are more than `max_distinct`.
    pub(super) fn count(&mut self, v: &[f64], max_distinct: usize) -> bool {
        for &x in v {
            if x.is_nan() {
                continue;
            }
            // 0.0 and -0.0 are one value.
            let key = (x + 0.0).to_bits();
            let mask = self.slots.len() - 1;
            let mut i = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
            loop {
                let slot = &mut self.slots[i];
                if slot.0 == key {
                    slot.1 += 1;
                    break;
                }
                if slot.0 == Self::EMPTY {
                    *slot = (key, 1);
                    self.len += 1;
                    if self.len > max_distinct {
                        return false;
                    }
                    if self.len * 2 > self.slots.len() {
                        self.grow();
                    }
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        true
    }

    fn with_bits(bits: u32) -> ValueCounts {
        ValueCounts {
            slots: vec![(Self::EMPTY, 0); 1 << bits],
            len: 0,
            shift: 64 - bits,
        }
    }

    fn grow(&mut self) {
        let mut t = ValueCounts::with_bits(64 - self.shift + 1);
        let mask = t.slots.len() - 1;
        for &(key, n) in &self.slots {
            if key == Self::EMPTY {
                continue;
            }
            let mut i = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> t.shift) as usize;
            while t.slots[i].0 != Self::EMPTY {
                i = (i + 1) & mask;
            }
            t.slots[i] = (key, n);
        }
        t.len = self.len;
        *self = t;
    }

    /// (value, count) pairs in no particular order.
    pub(super) fn into_runs(self) -> Vec<(f64, usize)> {
        self.slots
            .into_iter()
            .filter(|(k, _)| *k != Self::EMPTY)
            .map(|(k, n)| (f64::from_bits(k), n))
            .collect()
    }
}

impl Ordered<'_> {
    /// Values held.
    pub(super) fn len(&self) -> usize {
        match self {
            Ordered::Sorted(s) => s.len(),
            Ordered::Runs { ends, .. } => ends.last().copied().unwrap_or(0),
            Ordered::Keys { keys, .. } => keys.len(),
        }
    }

    /// Value at 0-based rank `r`.
    pub(super) fn at(&self, r: usize) -> f64 {
        match self {
            Ordered::Sorted(s) => s[r],
            Ordered::Runs { values, ends } => values[ends.partition_point(|&e| e <= r)],
            Ordered::Keys { keys, scale } => keys[r] as f64 / scale,
        }
    }

    /// How many values are below `x`.
    pub(super) fn count_below(&self, x: f64) -> usize {
        match self {
            Ordered::Sorted(s) => s.partition_point(|&v| v < x),
            Ordered::Runs { values, ends } => match values.partition_point(|&v| v < x) {
                0 => 0,
                i => ends[i - 1],
            },
            Ordered::Keys { keys, scale } => keys.partition_point(|&k| (k as f64 / scale) < x),
        }
    }

    /// How many values are above `x`.
    pub(super) fn count_above(&self, x: f64) -> usize {
        let at_most = match self {
            Ordered::Sorted(s) => s.partition_point(|&v| v <= x),
            Ordered::Runs { values, ends } => match values.partition_point(|&v| v <= x) {
                0 => 0,
                i => ends[i - 1],
            },
            Ordered::Keys { keys, scale } => keys.partition_point(|&k| (k as f64 / scale) <= x),
        };
        self.len() - at_most
    }

    /// Distinct values (0.0 and -0.0 count as one) among ranks `from..to`, counting a value
    /// equal to the one at rank `from - 1` as seen already, so the counts of consecutive
    /// ranges add up to the whole.
    pub(super) fn distinct_in(&self, from: usize, to: usize) -> usize {
        match self {
            Ordered::Sorted(s) => new_values(s, from, to, |a, b| a != b),
            Ordered::Keys { keys, .. } => new_values(keys, from, to, |a, b| a != b),
            Ordered::Runs { values, ends } => {
                // A run's first rank is 0 or the end of the run before.
                let starts = &ends[..values.len().saturating_sub(1)];
                usize::from(from == 0 && to > 0) + starts.partition_point(|&e| e < to)
                    - starts
                        .partition_point(|&e| e < from)
                        .min(starts.partition_point(|&e| e < to))
            }
        }
    }

    /// Distinct values (0.0 and -0.0 count as one).
    pub(super) fn distinct(&self) -> usize {
        self.distinct_in(0, self.len())
    }
}

/// Ranks in `from..to` whose value differs from the one before (rank 0 always counts).
fn new_values<T: Copy>(s: &[T], from: usize, to: usize, differ: impl Fn(T, T) -> bool) -> usize {
    let first = usize::from(from == 0 && to > 0);
    let from = from.max(1);
    if from >= to {
        return first;
    }
    first
        + s[from - 1..to]
            .windows(2)
            .filter(|w| differ(w[0], w[1]))
            .count()
}

/// A numeric column's valid values in ascending order, kept after its profile so a
/// comparison (KS, Wasserstein, PSI, quantiles) need not order the column again. Owned;
/// read it through [`ColumnOrder::view`] with the column it was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnOrder(Held);

#[derive(Debug, Clone, PartialEq)]
enum Held {
    /// The column itself is ascending with no missing value.
    InColumn,
    Sorted(Vec<f64>),
    Runs {
        values: Vec<f64>,
        ends: Vec<usize>,
    },
    Keys {
        keys: Vec<u32>,
        scale: f64,
    },
}

impl ColumnOrder {
    pub(super) fn of(ordered: Ordered<'_>) -> ColumnOrder {
        ColumnOrder(match ordered {
            Ordered::Sorted(Cow::Borrowed(_)) => Held::InColumn,
            Ordered::Sorted(Cow::Owned(v)) => Held::Sorted(v),
            Ordered::Runs { values, ends } => Held::Runs { values, ends },
            Ordered::Keys { keys, scale } => Held::Keys { keys, scale },
        })
    }

    /// The values in order, `column` being the column this order was made from.
    pub fn view<'a>(&'a self, column: &'a crate::core::ingest::table::Column) -> SortedValues<'a> {
        use crate::core::ingest::table::ColumnData;
        match &self.0 {
            Held::InColumn => match &column.data {
                ColumnData::Numeric(v) | ColumnData::Datetime(v) => SortedValues::Sorted(v),
                _ => SortedValues::Sorted(&[]),
            },
            Held::Sorted(v) => SortedValues::Sorted(v),
            Held::Runs { values, ends } => SortedValues::Runs { values, ends },
            Held::Keys { keys, scale } => SortedValues::Keys {
                keys,
                scale: *scale,
            },
        }
    }
}

/// NaN-free values in ascending order, however they are held: one sorted slice, distinct
/// values with cumulative counts, or decimal keys (each value exactly `key / scale`).
#[derive(Debug, Clone, Copy)]
pub enum SortedValues<'a> {
    /// Ascending values.
    Sorted(&'a [f64]),
    /// Distinct values ascending; `ends[i]` counts the values up to `values[i]`.
    Runs {
        /// The distinct values.
        values: &'a [f64],
        /// Cumulative counts.
        ends: &'a [usize],
    },
    /// Ascending keys; a value is `key as f64 / scale`.
    Keys {
        /// The keys.
        keys: &'a [u32],
        /// Their scale (1, 10, ..., 10^4).
        scale: f64,
    },
}

impl<'a> SortedValues<'a> {
    /// Values held.
    pub fn len(&self) -> usize {
        match self {
            SortedValues::Sorted(s) => s.len(),
            SortedValues::Runs { ends, .. } => ends.last().copied().unwrap_or(0),
            SortedValues::Keys { keys, .. } => keys.len(),
        }
    }

    /// Whether no value is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value at 0-based rank `r` (below [`len`](Self::len)).
    pub fn at(&self, r: usize) -> f64 {
        match self {
            SortedValues::Sorted(s) => s[r],
            SortedValues::Runs { values, ends } => values[ends.partition_point(|&e| e <= r)],
            SortedValues::Keys { keys, scale } => keys[r] as f64 / scale,
        }
    }

    /// The values as (value, how many) in ascending order; equal values held apart (0.0
    /// and -0.0) come as separate entries.
    pub fn runs(&self) -> Runs<'a> {
        Runs {
            of: *self,
            i: 0,
            done: 0,
        }
    }

    /// Distinct values (0.0 and -0.0 count as one).
    pub fn distinct(&self) -> usize {
        let mut n = 0;
        let mut last = None;
        for (v, _) in self.runs() {
            if last != Some(v) {
                n += 1;
                last = Some(v);
            }
        }
        n
    }
}

/// Iterator of [`SortedValues::runs`].
pub struct Runs<'a> {
    of: SortedValues<'a>,
    /// Next rank (slices, keys) or run index.
    i: usize,
    /// Values handed out so far (runs).
    done: usize,
}

impl Iterator for Runs<'_> {
    type Item = (f64, usize);

    #[inline]
    fn next(&mut self) -> Option<(f64, usize)> {
        match self.of {
            SortedValues::Sorted(s) => {
                let x = *s.get(self.i)?;
                let start = self.i;
                self.i += 1;
                while self.i < s.len() && s[self.i].to_bits() == x.to_bits() {
                    self.i += 1;
                }
                Some((x, self.i - start))
            }
            SortedValues::Keys { keys, scale } => {
                let k = *keys.get(self.i)?;
                let start = self.i;
                self.i += 1;
                while self.i < keys.len() && keys[self.i] == k {
                    self.i += 1;
                }
                Some((k as f64 / scale, self.i - start))
            }
            SortedValues::Runs { values, ends } => {
                let x = *values.get(self.i)?;
                let n = ends[self.i] - self.done;
                self.done = ends[self.i];
                self.i += 1;
                Some((x, n))
            }
        }
    }
}
