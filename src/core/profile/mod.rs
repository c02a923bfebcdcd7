//! Per-column profile statistics: counts, five-number summary, mean, standard deviation,
//! skewness, Tukey outliers and the most frequent labels.
//!
//! Quantile definition: linear interpolation between closest ranks (Hyndman-Fan type 7,
//! numpy's default, Python's `statistics.quantiles(method="inclusive")`), evaluated with
//! the same floating-point operations as CPython 3.11's `statistics` module so the
//! figures are bit-identical to it. The mean is the exact mean correctly rounded, as
//! Python's `statistics.mean` computes it with fractions.

use std::borrow::Cow;

use serde::Serialize;

use crate::core::distribution::{python_median_at, python_quartiles_at};
use crate::core::ingest::table::{Column, ColumnData, ColumnType, Dictionary, Table};

mod exact_sum;
mod export;
pub use exact_sum::exact_mean;
use exact_sum::ExactSum;

/// Profile of one column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnProfile {
    /// Column name.
    pub name: String,
    /// Column type.
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// Valid, non-missing cells.
    pub count: usize,
    /// Empty cells or missing markers.
    pub missing: usize,
    /// Non-missing cells that did not parse as the column's type.
    pub invalid: usize,
    /// Distinct valid values (exact).
    pub distinct: usize,
    /// Smallest value (numeric, datetime in epoch seconds, boolean as 0/1).
    pub min: Option<f64>,
    /// First quartile (type 7).
    pub q1: Option<f64>,
    /// Median.
    pub median: Option<f64>,
    /// Third quartile (type 7).
    pub q3: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Arithmetic mean, correctly rounded.
    pub mean: Option<f64>,
    /// Sample standard deviation (n - 1 denominator).
    pub std: Option<f64>,
    /// Adjusted Fisher-Pearson skewness G1, as pandas `Series.skew`.
    pub skewness: Option<f64>,
    /// Values outside the Tukey fences Q1 - 1.5 IQR and Q3 + 1.5 IQR.
    pub outliers: Option<usize>,
    /// Up to 5 most frequent labels (categorical, text, boolean), most frequent first.
    pub top: Vec<(String, u64)>,
}

/// Profile of a whole table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// Data rows kept.
    pub rows: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Field delimiter, as the character itself.
    pub delimiter: String,
    /// Whether the first record was a header.
    pub has_header: bool,
    /// Ragged rows dropped.
    pub skipped_rows: usize,
    /// Line numbers of the first dropped rows.
    pub skipped_lines: Vec<u64>,
    /// One profile per column, in file order.
    pub columns: Vec<ColumnProfile>,
}

/// How many frequent labels a profile lists.
pub const TOP_LABELS: usize = 5;

/// Profiles every column of a table.
pub fn profile(table: &Table) -> Profile {
    Profile {
        columns: profile_columns(&table.columns),
        ..Profile::of_table(table)
    }
}

impl Profile {
    /// The table-level figures with no column profiled yet (the page adds the columns one
    /// task at a time with [`profile_column`]).
    pub fn of_table(table: &Table) -> Profile {
        Profile {
            rows: table.rows,
            bytes: table.bytes,
            delimiter: (table.dialect.delimiter as char).to_string(),
            has_header: table.dialect.has_header,
            skipped_rows: table.skipped.count,
            skipped_lines: table.skipped.lines.clone(),
            columns: Vec::with_capacity(table.columns.len()),
        }
    }
}

/// Columns profiled in order. Natively, large tables use a few threads (one column per
/// task) since columns are independent; the page calls [`profile_column`] per column and
/// yields between them instead.
fn profile_columns(columns: &[Column]) -> Vec<ColumnProfile> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Mutex;
        let cells: usize = columns.iter().map(column_len).sum();
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4)
            .min(columns.len());
        if workers > 1 && cells >= 1_000_000 {
            let next = AtomicUsize::new(0);
            let out: Mutex<Vec<Option<ColumnProfile>>> = Mutex::new(vec![None; columns.len()]);
            std::thread::scope(|s| {
                for _ in 0..workers {
                    s.spawn(|| loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(c) = columns.get(i) else { break };
                        let p = profile_column(c);
                        out.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(p);
                    });
                }
            });
            return out
                .into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .into_iter()
                .map(|p| p.expect("every column was profiled"))
                .collect();
        }
    }
    columns.iter().map(profile_column).collect()
}

#[cfg(not(target_arch = "wasm32"))]
fn column_len(c: &Column) -> usize {
    match &c.data {
        ColumnData::Numeric(v) | ColumnData::Datetime(v) => v.len(),
        ColumnData::Boolean(v) => v.len(),
        ColumnData::Labels(d) => d.codes.len(),
    }
}

/// Profiles one column (the page calls this per column so it can yield in between).
pub fn profile_column(column: &Column) -> ColumnProfile {
    let mut p = ColumnProfile {
        name: column.name.clone(),
        kind: column.kind,
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
    };
    match &column.data {
        ColumnData::Numeric(v) | ColumnData::Datetime(v) => {
            let (ordered, mean) = Ordered::with_mean(v);
            fill_numeric(&mut p, &ordered, mean, |m| central_sums(v, m));
        }
        ColumnData::Boolean(v) => {
            let (mut falses, mut trues) = (0usize, 0usize);
            for &b in v {
                match b {
                    0 => falses += 1,
                    1 => trues += 1,
                    _ => {}
                }
            }
            // Booleans are 0/1 for the figures: two runs, zeros then ones.
            let mut ordered = Ordered::Runs {
                values: Vec::new(),
                ends: Vec::new(),
            };
            if let Ordered::Runs { values, ends } = &mut ordered {
                for (value, n) in [(0.0, falses), (1.0, trues)] {
                    if n > 0 {
                        values.push(value);
                        ends.push(ends.last().copied().unwrap_or(0) + n);
                    }
                }
            }
            let n = falses + trues;
            let mean = if n == 0 {
                None
            } else {
                Some(trues as f64 / n as f64)
            };
            fill_numeric(&mut p, &ordered, mean, |m| {
                let (d0, d1) = (-m, 1.0 - m);
                let (f, t) = (falses as f64, trues as f64);
                (
                    f * d0 * d0 + t * d1 * d1,
                    f * d0 * d0 * d0 + t * d1 * d1 * d1,
                )
            });
            let mut top = vec![
                ("false".to_string(), falses as u64),
                ("true".to_string(), trues as u64),
            ];
            top.retain(|(_, c)| *c > 0);
            sort_top(&mut top);
            p.top = top;
        }
        ColumnData::Labels(dict) => {
            let counts = code_counts(dict);
            p.count = counts.iter().map(|&c| c as usize).sum();
            p.distinct = counts.iter().filter(|&&c| c > 0).count();
            p.top = top_labels(&dict.values, &counts, TOP_LABELS);
        }
    }
    p
}

/// Occurrences of each dictionary code (missing cells not counted).
pub(crate) fn code_counts(dict: &Dictionary) -> Vec<u64> {
    let mut counts = vec![0u64; dict.values.len()];
    for &c in &dict.codes {
        if let Some(n) = counts.get_mut(c as usize) {
            *n += 1;
        }
    }
    counts
}

/// The `k` most frequent labels with a non-zero count, most frequent first, ties by label.
pub(crate) fn top_labels(labels: &[String], counts: &[u64], k: usize) -> Vec<(String, u64)> {
    let mut idx: Vec<usize> = (0..counts.len()).filter(|&i| counts[i] > 0).collect();
    let order = |a: &usize, b: &usize| {
        counts[*b]
            .cmp(&counts[*a])
            .then_with(|| labels[*a].cmp(&labels[*b]))
    };
    if idx.len() > k {
        idx.select_nth_unstable_by(k, order);
        idx.truncate(k);
    }
    idx.sort_unstable_by(order);
    idx.into_iter()
        .map(|i| (labels[i].clone(), counts[i]))
        .collect()
}

fn sort_top(top: &mut [(String, u64)]) {
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
}

/// Above this many distinct values, order statistics come from a sorted copy instead of
/// a table of value counts.
const COUNTING_MAX_DISTINCT: usize = 1 << 16;

/// Largest decimal key counted in arrays indexed by the key (12 MiB at most) rather than sorted.
const COUNT_ARRAY_MAX_KEY: u32 = 1 << 20;

/// The non-missing values in ascending order, held either as one sorted slice, as sorted
/// distinct values with cumulative counts (far cheaper when values repeat a lot, as most
/// measured columns do), or as sorted decimal keys.
enum Ordered<'a> {
    /// Ascending, NaN-free values.
    Sorted(Cow<'a, [f64]>),
    /// Distinct values ascending; `ends[i]` is the count of values <= `values[i]`.
    Runs { values: Vec<f64>, ends: Vec<usize> },
    /// Ascending keys of values that are each exactly the correctly rounded `key / scale`
    /// (see [`DecimalKeys`]); values are computed only where a figure needs one, which
    /// spares a division per value and a copy of the column.
    Keys { keys: Vec<u32>, scale: f64 },
}

/// A column of non-negative decimals with few places (prices, amounts, ratios) as integer
/// keys: every value is exactly the correctly rounded k / scale for a u32 k, so ordering
/// the keys orders the values (rounding is monotonic) and equal keys are equal values.
struct DecimalKeys {
    /// One key per non-NaN value, in column order.
    keys: Vec<u32>,
    scale: f64,
}

/// The key of `x` at `scale`, when `x` is exactly the correctly rounded key / scale.
#[inline]
fn decimal_key(x: f64, scale: f64) -> Option<u32> {
    let k = (x * scale + 0.5) as u64;
    (k < 1 << 32 && (k as f64 / scale).to_bits() == x.to_bits()).then_some(k as u32)
}

/// The scale (1, 10, ... 10^4) at which the first values of `v` are all decimal keys.
fn decimal_scale(v: &[f64]) -> Option<f64> {
    let probe: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).take(64).collect();
    [1.0, 10.0, 100.0, 1e3, 1e4]
        .into_iter()
        .find(|&s| probe.iter().all(|&x| decimal_key(x, s).is_some()))
}

/// Counts a column of decimal keys with a small range (ratios, one-decimal measurements,
/// small integers) in arrays indexed by the key: this replaces hashing, whose table
/// outgrew the cache at ~10k distinct values. A value is checked against the array's
/// value for its key, so only a key's first sight pays the division of [`decimal_key`].
/// None when a value is no key at `scale` or the key range gets too wide.
fn count_decimal_keys(v: &[f64], scale: f64) -> Option<(Ordered<'static>, Option<f64>)> {
    if v.len() >= u32::MAX as usize {
        return None;
    }
    let limit = (COUNT_ARRAY_MAX_KEY as usize).min(v.len().saturating_mul(4).saturating_add(64));
    // values[k] is the value of key k; counts[k] its occurrences.
    let (mut values, mut counts): (Vec<f64>, Vec<u32>) = (Vec::new(), Vec::new());
    #[cold]
    fn first_sight(
        values: &mut Vec<f64>,
        counts: &mut Vec<u32>,
        x: f64,
        scale: f64,
        limit: usize,
    ) -> Option<usize> {
        let k = decimal_key(x, scale)? as usize;
        // Growth follows the values seen (a key far above them means a wide range, which
        // a sort handles better), so a wide column gives up before filling a big table.
        let seen: u32 = counts.iter().sum();
        if k >= limit || k >= (1 << 14).max(8 * seen as usize) {
            return None;
        }
        let len = (k + 1).max(2 * values.len()).min(limit);
        let from = values.len();
        values.extend((from..len).map(|i| i as f64 / scale));
        counts.resize(len, 0);
        Some(k)
    }
    for &x in v {
        if x.is_nan() {
            continue;
        }
        let k = (x * scale + 0.5) as u64 as usize;
        let k = match values.get(k) {
            Some(want) if want.to_bits() == x.to_bits() => k,
            _ => first_sight(&mut values, &mut counts, x, scale, limit)?,
        };
        counts[k] += 1;
    }
    let mut sum = ExactSum::new();
    let (mut distinct, mut ends) = (Vec::new(), Vec::new());
    let mut total = 0;
    for (&x, &n) in values.iter().zip(&counts) {
        if n > 0 {
            sum.add_n(x, n as u64);
            total += n as usize;
            distinct.push(x);
            ends.push(total);
        }
    }
    Some((
        Ordered::Runs {
            values: distinct,
            ends,
        },
        sum.mean(),
    ))
}

impl DecimalKeys {
    /// The keys of `v` at `scale`, or None when any value is no such decimal.
    fn of(v: &[f64], scale: f64) -> Option<DecimalKeys> {
        let mut keys: Vec<u32> = Vec::with_capacity(v.len());
        for &x in v {
            if !x.is_nan() {
                keys.push(decimal_key(x, scale)?);
            }
        }
        Some(DecimalKeys { keys, scale })
    }

    /// Radix-sorts the keys: a u32 sort takes half the passes of one over f64 bits.
    fn sorted(mut self) -> Ordered<'static> {
        radsort::sort(&mut self.keys);
        Ordered::Keys {
            keys: self.keys,
            scale: self.scale,
        }
    }
}

impl<'a> Ordered<'a> {
    /// Orders the non-NaN values of `v` and finds their exact mean, touching each value as
    /// few times as possible: a sorted column (ids, timestamps) is borrowed as it is; a
    /// column of short decimals with a small range is counted by key, one with few
    /// distinct values by a hash table, its sum taken from the counts; only the rest is
    /// sorted (by decimal key where it can).
    fn with_mean(v: &'a [f64]) -> (Ordered<'a>, Option<f64>) {
        // NaN compares false, so missing cells do not break an ascending run.
        let mut ascending = true;
        let mut prev = f64::NEG_INFINITY;
        for &x in v {
            ascending &= x.is_nan() || x >= prev;
            prev = if x.is_nan() { prev } else { x };
        }
        if ascending && !v.iter().any(|x| x.is_nan()) {
            return (Ordered::Sorted(Cow::Borrowed(v)), exact_mean(v));
        }
        let scale = decimal_scale(v);
        if let Some(found) = scale.and_then(|s| count_decimal_keys(v, s)) {
            return found;
        }
        // The hash table gives up early on a column of mostly distinct values, so trying
        // it costs little there.
        let Some(counts) = ValueCounts::of(v, COUNTING_MAX_DISTINCT) else {
            if let Some(keys) = scale.and_then(|s| DecimalKeys::of(v, s)) {
                return (keys.sorted(), exact_mean(v));
            }
            let mut sum = ExactSum::new();
            let mut sorted: Vec<f64> = Vec::with_capacity(v.len());
            for &x in v {
                if !x.is_nan() {
                    sum.add(x);
                    sorted.push(x);
                }
            }
            radsort::sort(&mut sorted);
            return (Ordered::Sorted(Cow::Owned(sorted)), sum.mean());
        };
        let mut runs = counts.into_runs();
        radsort::sort_by_key(&mut runs, |r| r.0);
        let mut sum = ExactSum::new();
        let mut total = 0;
        let ends = runs
            .iter()
            .map(|&(x, n)| {
                sum.add_n(x, n as u64);
                total += n;
                total
            })
            .collect();
        (
            Ordered::Runs {
                values: runs.into_iter().map(|r| r.0).collect(),
                ends,
            },
            sum.mean(),
        )
    }

    fn len(&self) -> usize {
        match self {
            Ordered::Sorted(s) => s.len(),
            Ordered::Runs { ends, .. } => ends.last().copied().unwrap_or(0),
            Ordered::Keys { keys, .. } => keys.len(),
        }
    }

    /// Value at 0-based rank `r`.
    fn at(&self, r: usize) -> f64 {
        match self {
            Ordered::Sorted(s) => s[r],
            Ordered::Runs { values, ends } => values[ends.partition_point(|&e| e <= r)],
            Ordered::Keys { keys, scale } => keys[r] as f64 / scale,
        }
    }

    /// How many values are below `x`.
    fn count_below(&self, x: f64) -> usize {
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
    fn count_above(&self, x: f64) -> usize {
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

    /// Distinct values (0.0 and -0.0 count as one).
    fn distinct(&self) -> usize {
        match self {
            Ordered::Sorted(s) if s.is_empty() => 0,
            Ordered::Sorted(s) => 1 + s.windows(2).filter(|w| w[0] != w[1]).count(),
            Ordered::Runs { values, .. } => values.len(),
            Ordered::Keys { keys, .. } if keys.is_empty() => 0,
            Ordered::Keys { keys, .. } => 1 + keys.windows(2).filter(|w| w[0] != w[1]).count(),
        }
    }
}

/// Occurrences of each distinct non-NaN value. Hand-written open addressing (linear
/// probing, multiplicative hash of the bits) because this loop runs once per cell: a
/// general-purpose map measured 4x slower here, as float bits of repeated values hash poorly.
struct ValueCounts {
    /// (value bits, count) per slot, side by side so a probe touches one cache line;
    /// EMPTY bits mark a free slot.
    slots: Vec<(u64, usize)>,
    len: usize,
    shift: u32,
}

impl ValueCounts {
    /// A NaN bit pattern never stored as a key, since NaN values are skipped.
    const EMPTY: u64 = u64::MAX;

    /// Counts the values of `v`; None as soon as there are more than `max_distinct`.
    fn of(v: &[f64], max_distinct: usize) -> Option<ValueCounts> {
        let mut t = ValueCounts::with_bits(10);
        for &x in v {
            if x.is_nan() {
                continue;
            }
            // 0.0 and -0.0 are one value.
            let key = (x + 0.0).to_bits();
            let mask = t.slots.len() - 1;
            let mut i = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> t.shift) as usize;
            loop {
                let slot = &mut t.slots[i];
                if slot.0 == key {
                    slot.1 += 1;
                    break;
                }
                if slot.0 == Self::EMPTY {
                    *slot = (key, 1);
                    t.len += 1;
                    if t.len > max_distinct {
                        return None;
                    }
                    if t.len * 2 > t.slots.len() {
                        t = t.grown();
                    }
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        Some(t)
    }

    fn with_bits(bits: u32) -> ValueCounts {
        ValueCounts {
            slots: vec![(Self::EMPTY, 0); 1 << bits],
            len: 0,
            shift: 64 - bits,
        }
    }

    fn grown(self) -> ValueCounts {
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
        t
    }

    /// (value, count) pairs in no particular order.
    fn into_runs(self) -> Vec<(f64, usize)> {
        self.slots
            .into_iter()
            .filter(|(k, _)| *k != Self::EMPTY)
            .map(|(k, n)| (f64::from_bits(k), n))
            .collect()
    }
}

/// Fills the numeric figures from the ordered values, the exact mean, and a function
/// giving the sums of squared and cubed deviations from a mean.
fn fill_numeric(
    p: &mut ColumnProfile,
    ordered: &Ordered,
    mean: Option<f64>,
    central: impl Fn(f64) -> (f64, f64),
) {
    let n = ordered.len();
    p.count = n;
    p.distinct = ordered.distinct();
    if n == 0 {
        return;
    }
    p.min = Some(ordered.at(0));
    p.max = Some(ordered.at(n - 1));
    p.median = python_median_at(n, |r| ordered.at(r));
    let (q1, _, q3) = python_quartiles_at(n, |r| ordered.at(r)).expect("non-empty");
    p.q1 = Some(q1);
    p.q3 = Some(q3);
    let iqr = q3 - q1;
    let (lo, hi) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
    p.outliers = Some(ordered.count_below(lo) + ordered.count_above(hi));
    p.mean = mean;
    if let Some(m) = mean.filter(|m| m.is_finite()) {
        let (m2, m3) = central(m);
        if n >= 2 {
            p.std = Some((m2 / (n - 1) as f64).sqrt());
        }
        if n >= 3 {
            let nf = n as f64;
            // pandas reports 0 for constant data rather than 0/0.
            p.skewness = Some(if m2 == 0.0 {
                0.0
            } else {
                let (b2, b3) = (m2 / nf, m3 / nf);
                (nf * (nf - 1.0)).sqrt() / (nf - 2.0) * b3 / b2.powf(1.5)
            });
        }
    }
}

/// Sums of squared and cubed deviations from `m`, NaN (missing) values skipped. Blocked
/// summation keeps the rounding error near that of pairwise summation while the inner loop
/// stays vectorisable.
fn central_sums(values: &[f64], m: f64) -> (f64, f64) {
    let (mut s2, mut s3) = (0.0, 0.0);
    for chunk in values.chunks(256) {
        let (mut c2, mut c3) = ([0.0f64; 4], [0.0f64; 4]);
        let mut it = chunk.chunks_exact(4);
        for q in &mut it {
            for k in 0..4 {
                let d = q[k] - m;
                let d = if d.is_nan() { 0.0 } else { d };
                let d2 = d * d;
                c2[k] += d2;
                c3[k] += d2 * d;
            }
        }
        for &x in it.remainder() {
            let d = x - m;
            let d = if d.is_nan() { 0.0 } else { d };
            c2[0] += d * d;
            c3[0] += d * d * d;
        }
        s2 += (c2[0] + c2[1]) + (c2[2] + c2[3]);
        s3 += (c3[0] + c3[1]) + (c3[2] + c3[3]);
    }
    (s2, s3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rng::SplitMix64;

    /// Every rank of `ordered` holds the same value, bit for bit, as a plain sort gives
    /// (0.0 and -0.0 being one value).
    fn assert_orders_like_a_sort(ordered: &Ordered, values: &[f64]) {
        let mut want: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        want.sort_by(f64::total_cmp);
        assert_eq!(ordered.len(), want.len());
        let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a == 0.0 && b == 0.0);
        assert!((0..want.len()).all(|r| same(ordered.at(r), want[r])));
        let distinct = 1 + want.windows(2).filter(|w| w[0] != w[1]).count();
        assert_eq!(ordered.distinct(), distinct);
        for probe in [
            want[0],
            want[want.len() / 3],
            want[want.len() - 1] - 0.005,
            want[want.len() - 1],
        ] {
            assert_eq!(
                ordered.count_below(probe),
                want.iter().filter(|&&w| w < probe).count()
            );
            assert_eq!(
                ordered.count_above(probe),
                want.iter().filter(|&&w| w > probe).count()
            );
        }
    }

    #[test]
    fn decimal_keys_sort_exactly_like_the_values() {
        let mut rng = SplitMix64::new(3);
        let cents: Vec<f64> = (0..200_000)
            .map(|i| {
                if i % 1000 == 7 {
                    f64::NAN
                } else {
                    rng.below(10_000_000) as f64 / 100.0
                }
            })
            .collect();
        assert_eq!(decimal_scale(&cents), Some(100.0));
        assert!(
            count_decimal_keys(&cents, 100.0).is_none(),
            "a key range this wide is sorted, not counted"
        );
        let keys = DecimalKeys::of(&cents, 100.0).expect("two-place decimals fit");
        let ordered = keys.sorted();
        assert!(matches!(ordered, Ordered::Keys { .. }));
        assert_orders_like_a_sort(&ordered, &cents);
        let (via_profile, mean) = Ordered::with_mean(&cents);
        assert!(matches!(via_profile, Ordered::Keys { .. }));
        assert_eq!(mean, exact_mean(&cents));
        // Values that are no short decimal, or negative, keep the general sort.
        assert!(decimal_scale(&[0.1, 1.0 / 3.0, 2.0]).is_none());
        assert!(decimal_scale(&[1.5, -2.25]).is_none());
        assert!(DecimalKeys::of(&[1.5, 5e9], 10.0).is_none());
        assert!(DecimalKeys::of(&[0.5, -0.0], 10.0).is_none());
        // A late value that is no key, or negative, sends a counted column to the general path.
        let mut late: Vec<f64> = (0..5000).map(|i| (i % 70) as f64 / 10.0).collect();
        for bad in [1.0 / 3.0, -0.5, -0.0, 1e12] {
            late.push(bad);
            assert!(count_decimal_keys(&late, 10.0).is_none(), "{bad}");
            let (ordered, mean) = Ordered::with_mean(&late);
            assert_orders_like_a_sort(&ordered, &late);
            assert_eq!(mean, exact_mean(&late));
            late.pop();
        }
    }

    #[test]
    fn narrow_decimal_keys_are_counted_like_a_sort() {
        // Four-place ratios: 10^4 possible keys, counted in an array.
        let mut rng = SplitMix64::new(8);
        let ratios: Vec<f64> = (0..100_000)
            .map(|i| {
                if i % 501 == 3 {
                    f64::NAN
                } else {
                    rng.below(10_000) as f64 / 1e4
                }
            })
            .collect();
        let (ordered, mean) =
            count_decimal_keys(&ratios, 1e4).expect("a narrow key range is counted");
        assert!(matches!(ordered, Ordered::Runs { .. }));
        assert_orders_like_a_sort(&ordered, &ratios);
        assert_eq!(mean, exact_mean(&ratios));
        let (via_profile, mean2) = Ordered::with_mean(&ratios);
        assert!(matches!(via_profile, Ordered::Runs { .. }));
        assert_eq!(mean2, mean);
    }

    #[test]
    fn counted_and_sorted_columns_profile_alike() {
        // Few distinct values take the counting path; the same values plus many distinct
        // ones force a sort. The shared figures must come out as a plain sort gives them.
        let mut rng = SplitMix64::new(5);
        let few: Vec<f64> = (0..5000)
            .map(|i| {
                if i % 97 == 0 {
                    f64::NAN
                } else {
                    rng.below(40) as f64 / 4.0 - 3.0
                }
            })
            .collect();
        let column = |v: Vec<f64>| Column {
            name: "x".into(),
            kind: ColumnType::Numeric,
            data: ColumnData::Numeric(v),
            missing: 0,
            invalid: 0,
            first_invalid: None,
        };
        let p = profile_column(&column(few.clone()));
        let mut sorted: Vec<f64> = few.iter().copied().filter(|x| !x.is_nan()).collect();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(p.count, sorted.len());
        assert_eq!(p.min, Some(sorted[0]));
        assert_eq!(p.max, sorted.last().copied());
        assert_eq!(p.mean, exact_mean(&sorted));
        let (ordered, mean) = Ordered::with_mean(&sorted);
        assert!(matches!(ordered, Ordered::Sorted(Cow::Borrowed(_))));
        assert_eq!(mean, p.mean);
        let mut q = p.clone();
        fill_numeric(&mut q, &ordered, mean, |m| central_sums(&sorted, m));
        assert_eq!(
            (q.q1, q.median, q.q3, q.distinct, q.outliers),
            (p.q1, p.median, p.q3, p.distinct, p.outliers)
        );
    }
}
