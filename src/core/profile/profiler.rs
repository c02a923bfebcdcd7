//! Profiling one column in bounded steps, so the page can hand the main thread back to the
//! browser between them while a column of millions of values is counted and sorted.
//!
//! A numeric column goes through phases, each a loop over the column that can stop after
//! any number of values and resume: check whether it is sorted already; count it by
//! decimal key or by hash table when values repeat; otherwise collect and radix-sort its
//! keys (or values); take the exact sum; count distinct values; sum squared and cubed
//! deviations. Stopping early changes no figure: every phase is either exact or keeps
//! the blocks of its floating-point sums the same whatever the step size.

use std::borrow::Cow;

use super::exact_sum::ExactSum;
use super::order::{
    decimal_key, decimal_scale, ColumnOrder, KeyCounter, Ordered, ValueCounts,
    COUNTING_MAX_DISTINCT,
};
use super::radix::RadixSort;
use super::{
    central_block, fill_numeric, sort_top, top_labels, ColumnProfile, CENTRAL_BLOCK, TOP_LABELS,
};
use crate::core::ingest::table::{Column, ColumnData, Dictionary};

/// Profiles one column a bounded amount of work at a time: [`step`](Self::step) handles
/// about `budget` values and says whether all is done; [`finish`](Self::finish) does what
/// is left and returns the profile. Any step sizes give the same figures, bit for bit.
pub struct ColumnProfiler<'a> {
    profile: ColumnProfile,
    work: Work<'a>,
    /// A numeric column's values in order, once known.
    order: Option<ColumnOrder>,
}

enum Work<'a> {
    Numeric(Box<Numeric<'a>>),
    Boolean {
        v: &'a [u8],
        i: usize,
        falses: usize,
        trues: usize,
    },
    Labels {
        dict: &'a Dictionary,
        i: usize,
        counts: Vec<u64>,
    },
    Done,
}

/// A numeric (or datetime) column on its way to figures.
struct Numeric<'a> {
    v: &'a [f64],
    scale: Option<f64>,
    stage: Stage,
    /// Known once the values are ordered.
    ordered: Option<Ordered<'a>>,
    mean: Option<f64>,
    distinct: usize,
    moments: Option<(f64, f64)>,
}

/// The phase a numeric column is in; `i` is the next value (or key, or rank) to handle.
enum Stage {
    /// Checking whether the column is already ascending with no missing value.
    Scan {
        i: usize,
        prev: f64,
    },
    /// Counting by decimal key.
    CountKeys {
        i: usize,
        counter: KeyCounter,
    },
    /// Turning the key counts into runs and their exact sum.
    KeyRuns {
        i: usize,
        counter: KeyCounter,
        sum: ExactSum,
        values: Vec<f64>,
        ends: Vec<usize>,
    },
    /// Counting in a hash table.
    Hash {
        i: usize,
        counts: ValueCounts,
    },
    /// Collecting decimal keys to sort.
    Keys {
        i: usize,
        keys: Vec<u32>,
        scale: f64,
    },
    /// Collecting the values to sort, summing them on the way.
    Copy {
        i: usize,
        values: Vec<f64>,
        sum: ExactSum,
    },
    SortKeys {
        sort: RadixSort<u32>,
        scale: f64,
    },
    SortValues {
        sort: RadixSort<f64>,
    },
    /// Exact sum of the column, for an order that did not give it.
    Sum {
        i: usize,
        sum: ExactSum,
    },
    /// Distinct values among the ordered ones.
    Distinct {
        i: usize,
        count: usize,
    },
    /// Sums of squared and cubed deviations from the mean.
    Central {
        i: usize,
        s2: f64,
        s3: f64,
    },
    Done,
}

impl<'a> ColumnProfiler<'a> {
    /// A profiler of `column`, nothing done yet.
    pub fn new(column: &'a Column) -> ColumnProfiler<'a> {
        let profile = ColumnProfile {
            name: column.name.clone(),
            kind: column.kind,
            reading: (column.reading != Default::default()).then_some(column.reading),
            count: 0,
            missing: column.missing,
            invalid: column.invalid,
            distinct: 0,
            min: None,
            q1: None,
            median: None,
            q3: None,
            max: None,
            mean: None,
            std: None,
            skewness: None,
            outliers: None,
            top: Vec::new(),
            percentiles: Vec::new(),
            label_counts: Vec::new(),
        };
        let work = match &column.data {
            ColumnData::Numeric(v) | ColumnData::Datetime(v) => Work::Numeric(Box::new(Numeric {
                v,
                scale: None,
                stage: Stage::Scan {
                    i: 0,
                    prev: f64::NEG_INFINITY,
                },
                ordered: None,
                mean: None,
                distinct: 0,
                moments: None,
            })),
            ColumnData::Boolean(v) => Work::Boolean {
                v,
                i: 0,
                falses: 0,
                trues: 0,
            },
            ColumnData::Labels(dict) => Work::Labels {
                dict,
                i: 0,
                counts: vec![0; dict.values.len()],
            },
        };
        ColumnProfiler {
            profile,
            work,
            order: None,
        }
    }

    /// Handles about `budget` values (at least one step's worth); true once every figure
    /// is known and [`finish`](Self::finish) only hands them over.
    pub fn step(&mut self, budget: usize) -> bool {
        let mut left = budget.max(1);
        while left > 0 {
            let used = match &mut self.work {
                Work::Done => return true,
                Work::Numeric(num) => {
                    let used = num.step(left);
                    if matches!(num.stage, Stage::Done) {
                        let Work::Numeric(num) = std::mem::replace(&mut self.work, Work::Done)
                        else {
                            unreachable!("matched above")
                        };
                        self.order = Some(num.fill(&mut self.profile));
                    }
                    used
                }
                Work::Boolean {
                    v,
                    i,
                    falses,
                    trues,
                } => {
                    let j = *i + left.min(v.len() - *i);
                    for &b in &v[*i..j] {
                        match b {
                            0 => *falses += 1,
                            1 => *trues += 1,
                            _ => {}
                        }
                    }
                    let used = j - *i;
                    *i = j;
                    if j == v.len() {
                        fill_boolean(&mut self.profile, *falses, *trues);
                        self.work = Work::Done;
                    }
                    used
                }
                Work::Labels { dict, i, counts } => {
                    let codes = &dict.codes;
                    let j = *i + left.min(codes.len() - *i);
                    for &c in &codes[*i..j] {
                        if let Some(n) = counts.get_mut(c as usize) {
                            *n += 1;
                        }
                    }
                    let used = j - *i;
                    *i = j;
                    if j == codes.len() {
                        let p = &mut self.profile;
                        p.count = counts.iter().map(|&c| c as usize).sum();
                        p.distinct = counts.iter().filter(|&&c| c > 0).count();
                        p.top = top_labels(&dict.values, counts, TOP_LABELS);
                        p.label_counts = std::mem::take(counts);
                        self.work = Work::Done;
                    }
                    used
                }
            };
            // A phase change costs a step of its own at most, never a stall.
            left = left.saturating_sub(used.max(1));
        }
        matches!(self.work, Work::Done)
    }

    /// The profile, after doing whatever work is left in one go.
    pub fn finish(self) -> ColumnProfile {
        self.finish_with_order().0
    }

    /// The profile and, for a numeric or datetime column, its valid values in order (kept
    /// for a comparison, which would otherwise order the column again).
    pub fn finish_with_order(mut self) -> (ColumnProfile, Option<ColumnOrder>) {
        while !self.step(usize::MAX) {}
        (self.profile, self.order)
    }

    /// The values in order and the exact mean, after doing the work up to there (tests
    /// compare the orders the phases choose).
    #[cfg(test)]
    pub(super) fn ordered_with_mean(mut self, budget: usize) -> (Ordered<'a>, Option<f64>) {
        loop {
            let Work::Numeric(num) = &mut self.work else {
                panic!("not a numeric column")
            };
            if matches!(
                num.stage,
                Stage::Distinct { .. } | Stage::Central { .. } | Stage::Done
            ) {
                return (num.ordered.take().expect("ordered"), num.mean);
            }
            num.step(budget);
        }
    }
}

impl<'a> Numeric<'a> {
    /// Works through up to `left` values of the current stage (moving to the next stage
    /// when it ends); returns how many it handled.
    fn step(&mut self, left: usize) -> usize {
        let v = self.v;
        let n = v.len();
        // End of the slice to handle from `i` on, within `len` values.
        let upto = |i: usize, len: usize| i + left.min(len - i);
        match &mut self.stage {
            Stage::Done => 0,
            Stage::Scan { i, prev } => {
                let j = upto(*i, n);
                let mut sorted = true;
                for &x in &v[*i..j] {
                    // NaN compares false, so a missing value ends the scan too.
                    if !(x >= *prev) {
                        sorted = false;
                        break;
                    }
                    *prev = x;
                }
                let used = j - *i;
                *i = j;
                if !sorted {
                    self.scale = decimal_scale(v);
                    self.stage = match self.scale.and_then(|s| KeyCounter::new(n, s)) {
                        Some(counter) => Stage::CountKeys { i: 0, counter },
                        None => Stage::Hash {
                            i: 0,
                            counts: ValueCounts::new(),
                        },
                    };
                } else if j == n {
                    self.ordered = Some(Ordered::Sorted(Cow::Borrowed(v)));
                    self.stage = Stage::Sum {
                        i: 0,
                        sum: ExactSum::new(),
                    };
                }
                used
            }
            Stage::CountKeys { i, counter } => {
                let j = upto(*i, n);
                let ok = counter.count(&v[*i..j]);
                let used = j - *i;
                *i = j;
                if !ok {
                    self.stage = Stage::Hash {
                        i: 0,
                        counts: ValueCounts::new(),
                    };
                } else if j == n {
                    let Stage::CountKeys { counter, .. } =
                        std::mem::replace(&mut self.stage, Stage::Done)
                    else {
                        unreachable!("matched above")
                    };
                    self.stage = Stage::KeyRuns {
                        i: 0,
                        counter,
                        sum: ExactSum::new(),
                        values: Vec::new(),
                        ends: Vec::new(),
                    };
                }
                used
            }
            Stage::KeyRuns {
                i,
                counter,
                sum,
                values,
                ends,
            } => {
                let j = upto(*i, counter.values.len());
                let mut total = ends.last().copied().unwrap_or(0);
                for (&x, &c) in counter.values[*i..j].iter().zip(&counter.counts[*i..j]) {
                    if c > 0 {
                        sum.add_n(x, c as u64);
                        total += c as usize;
                        values.push(x);
                        ends.push(total);
                    }
                }
                let used = j - *i;
                *i = j;
                if j == counter.values.len() {
                    self.mean = sum.clone().mean();
                    self.ordered = Some(Ordered::Runs {
                        values: std::mem::take(values),
                        ends: std::mem::take(ends),
                    });
                    self.after_order();
                }
                used
            }
            Stage::Hash { i, counts } => {
                let j = upto(*i, n);
                let ok = counts.count(&v[*i..j], COUNTING_MAX_DISTINCT);
                let used = j - *i;
                *i = j;
                if !ok {
                    self.stage = match self.scale {
                        Some(scale) => Stage::Keys {
                            i: 0,
                            keys: Vec::with_capacity(n),
                            scale,
                        },
                        None => Stage::Copy {
                            i: 0,
                            values: Vec::with_capacity(n),
                            sum: ExactSum::new(),
                        },
                    };
                } else if j == n {
                    // At most COUNTING_MAX_DISTINCT runs: small enough for one step.
                    let counts = std::mem::replace(counts, ValueCounts::new());
                    let mut runs = counts.into_runs();
                    radsort::sort_by_key(&mut runs, |r| r.0);
                    let mut sum = ExactSum::new();
                    let mut total = 0;
                    let ends = runs
                        .iter()
                        .map(|&(x, c)| {
                            sum.add_n(x, c as u64);
                            total += c;
                            total
                        })
                        .collect();
                    self.mean = sum.mean();
                    self.ordered = Some(Ordered::Runs {
                        values: runs.into_iter().map(|r| r.0).collect(),
                        ends,
                    });
                    self.after_order();
                }
                used
            }
            Stage::Keys { i, keys, scale } => {
                let j = upto(*i, n);
                let mut fits = true;
                for &x in &v[*i..j] {
                    if !x.is_nan() {
                        match decimal_key(x, *scale) {
                            Some(k) => keys.push(k),
                            None => {
                                fits = false;
                                break;
                            }
                        }
                    }
                }
                let used = j - *i;
                *i = j;
                if !fits {
                    self.stage = Stage::Copy {
                        i: 0,
                        values: Vec::with_capacity(n),
                        sum: ExactSum::new(),
                    };
                } else if j == n {
                    self.stage = Stage::SortKeys {
                        sort: RadixSort::new(std::mem::take(keys)),
                        scale: *scale,
                    };
                }
                used
            }
            Stage::Copy { i, values, sum } => {
                let j = upto(*i, n);
                for &x in &v[*i..j] {
                    if !x.is_nan() {
                        sum.add(x);
                        values.push(x);
                    }
                }
                let used = j - *i;
                *i = j;
                if j == n {
                    self.mean = sum.clone().mean();
                    self.stage = Stage::SortValues {
                        sort: RadixSort::new(std::mem::take(values)),
                    };
                }
                used
            }
            Stage::SortKeys { sort, scale } => {
                if sort.step(left) {
                    let scale = *scale;
                    let Stage::SortKeys { sort, .. } =
                        std::mem::replace(&mut self.stage, Stage::Done)
                    else {
                        unreachable!("matched above")
                    };
                    self.ordered = Some(Ordered::Keys {
                        keys: sort.into_sorted(),
                        scale,
                    });
                    self.stage = Stage::Sum {
                        i: 0,
                        sum: ExactSum::new(),
                    };
                }
                left
            }
            Stage::SortValues { sort } => {
                if sort.step(left) {
                    let Stage::SortValues { sort } =
                        std::mem::replace(&mut self.stage, Stage::Done)
                    else {
                        unreachable!("matched above")
                    };
                    self.ordered = Some(Ordered::Sorted(Cow::Owned(sort.into_sorted())));
                    self.after_order();
                }
                left
            }
            Stage::Sum { i, sum } => {
                let j = upto(*i, n);
                for &x in &v[*i..j] {
                    sum.add(x);
                }
                let used = j - *i;
                *i = j;
                if j == n {
                    self.mean = sum.clone().mean();
                    self.after_order();
                }
                used
            }
            Stage::Distinct { i, count } => {
                let ordered = self.ordered.as_ref().expect("ordered before counting");
                let len = ordered.len();
                // Runs know their distinct values at once.
                let j = if matches!(ordered, Ordered::Runs { .. }) {
                    len
                } else {
                    upto(*i, len)
                };
                *count += ordered.distinct_in(*i, j);
                let used = j - *i;
                *i = j;
                if j == len {
                    self.distinct = *count;
                    self.stage = self.central_stage();
                }
                used
            }
            Stage::Central { i, s2, s3 } => {
                let m = self.mean.expect("a finite mean before central sums");
                // Whole blocks only, so the blocks are the same whatever the step size.
                let take = left.min(n - *i).max(CENTRAL_BLOCK) / CENTRAL_BLOCK * CENTRAL_BLOCK;
                let j = (*i + take).min(n);
                for block in v[*i..j].chunks(CENTRAL_BLOCK) {
                    let (b2, b3) = central_block(block, m);
                    *s2 += b2;
                    *s3 += b3;
                }
                let used = j - *i;
                *i = j;
                if j == n {
                    self.moments = Some((*s2, *s3));
                    self.stage = Stage::Done;
                }
                used
            }
        }
    }

    /// Once ordered and summed: count distinct values next.
    fn after_order(&mut self) {
        self.stage = Stage::Distinct { i: 0, count: 0 };
    }

    /// Central sums when the mean is finite, else nothing more to do.
    fn central_stage(&self) -> Stage {
        match self.mean {
            Some(m) if m.is_finite() => Stage::Central {
                i: 0,
                s2: 0.0,
                s3: 0.0,
            },
            _ => Stage::Done,
        }
    }

    fn fill(self, p: &mut ColumnProfile) -> ColumnOrder {
        let ordered = self
            .ordered
            .unwrap_or(Ordered::Sorted(Cow::Owned(Vec::new())));
        fill_numeric(p, &ordered, self.distinct, self.mean, self.moments);
        ColumnOrder::of(ordered)
    }
}

/// Figures of a boolean column, as 0/1 values: two runs, zeros then ones.
fn fill_boolean(p: &mut ColumnProfile, falses: usize, trues: usize) {
    let (mut values, mut ends) = (Vec::new(), Vec::new());
    for (value, n) in [(0.0, falses), (1.0, trues)] {
        if n > 0 {
            values.push(value);
            ends.push(ends.last().copied().unwrap_or(0) + n);
        }
    }
    let ordered = Ordered::Runs { values, ends };
    let n = falses + trues;
    let mean = (n > 0).then(|| trues as f64 / n as f64);
    let moments = mean.filter(|m| m.is_finite()).map(|m| {
        let (d0, d1) = (-m, 1.0 - m);
        let (f, t) = (falses as f64, trues as f64);
        (
            f * d0 * d0 + t * d1 * d1,
            f * d0 * d0 * d0 + t * d1 * d1 * d1,
        )
    });
    fill_numeric(p, &ordered, ordered.distinct(), mean, moments);
    let mut top = vec![
        ("false".to_string(), falses as u64),
        ("true".to_string(), trues as u64),
    ];
    top.retain(|(_, c)| *c > 0);
    sort_top(&mut top);
    p.top = top;
}
