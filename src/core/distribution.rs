//! Plot-ready summaries of columns: box statistics, histograms with bin rules, Gaussian
//! KDE, category counts, scatter samples and grouped box statistics. Charts draw these;
//! they never compute statistics themselves.

use serde::Serialize;

/// Five-number summary with Tukey fences, for a box plot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoxStats {
    /// Non-missing values summarised.
    pub count: usize,
    pub min: f64,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    pub max: f64,
    /// Q1 - 1.5 IQR.
    pub lower_fence: f64,
    /// Q3 + 1.5 IQR.
    pub upper_fence: f64,
    /// Smallest value inside the fences (end of the lower whisker).
    pub whisker_low: f64,
    /// Largest value inside the fences (end of the upper whisker).
    pub whisker_high: f64,
    /// Values outside the fences (all of them when few; a deterministic subsample of at
    /// most [`BoxStats::MAX_OUTLIER_POINTS`] when many), sorted ascending.
    pub outliers: Vec<f64>,
    /// How many values lie outside the fences in total.
    pub outlier_count: usize,
}

impl BoxStats {
    /// Cap on outlier points kept for drawing.
    pub const MAX_OUTLIER_POINTS: usize = 2000;
}

/// How histogram bins are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum BinRule {
    /// Width 2 IQR / n^(1/3) (the default); falls back to Sturges when IQR is 0.
    FreedmanDiaconis,
    /// ceil(log2 n) + 1 bins.
    Sturges,
    /// A fixed number of bins.
    Fixed(usize),
}

/// A histogram with equal-width bins over [edges[0], edges[last]].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    /// Bin edges, `counts.len() + 1` of them, ascending. In log scale these are log10 values.
    pub edges: Vec<f64>,
    /// Count of values per bin; the last bin includes its right edge.
    pub counts: Vec<u64>,
    /// Whether the value axis is log10.
    pub log: bool,
    /// Values left out (non-positive values in log scale).
    pub excluded: usize,
}

/// A density curve evaluated on a grid, scaled to the histogram's counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Density {
    /// (x, y) points; x on the histogram's axis, y in counts per bin width.
    pub points: Vec<(f64, f64)>,
    /// Silverman bandwidth used.
    pub bandwidth: f64,
}

/// Counts of the most frequent labels, with the rest folded into "other".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryCounts {
    /// (label, count), most frequent first (ties by label), at most `top` entries.
    pub top: Vec<(String, u64)>,
    /// Total count of labels not in `top`.
    pub other: u64,
    /// How many distinct labels were folded into `other`.
    pub other_labels: usize,
    /// Missing cells.
    pub missing: u64,
}

/// Points for a scatter plot, sampled when large.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScatterSample {
    /// (x, y) pairs where both are present.
    pub points: Vec<(f64, f64)>,
    /// How many rows had both values present.
    pub total: usize,
    /// Whether `points` is a sample (points.len() < total).
    pub sampled: bool,
}

/// Box statistics of a numeric column per category of another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupedBoxes {
    /// (category label, stats), in a stable order (by label).
    pub groups: Vec<(String, BoxStats)>,
}

use std::collections::HashMap;

use crate::core::ingest::table::{Column, ColumnData, Dictionary};
use crate::core::rng::SplitMix64;

/// Type-7 quartiles (Q1, median, Q3) of sorted data with the arithmetic of CPython's
/// `statistics.quantiles(n=4, method="inclusive")`, so results are bit-identical to it.
/// One value gives that value three times. None when empty.
pub fn python_quartiles(sorted: &[f64]) -> Option<(f64, f64, f64)> {
    python_quartiles_at(sorted.len(), |i| sorted[i])
}

/// [`python_quartiles`] over `len` ascending values given by rank, for data not held as
/// one sorted slice (for example distinct values with counts).
pub fn python_quartiles_at(len: usize, at: impl Fn(usize) -> f64) -> Option<(f64, f64, f64)> {
    match len {
        0 => None,
        1 => Some((at(0), at(0), at(0))),
        len => {
            let m = len - 1;
            let cut = |i: usize| {
                let (j, delta) = ((i * m) / 4, (i * m) % 4);
                // Python: (data[j] * (n - delta) + data[j + 1] * delta) / n, floats times ints.
                (at(j) * (4 - delta) as f64 + at(j + 1) * delta as f64) / 4.0
            };
            Some((cut(1), cut(2), cut(3)))
        }
    }
}

/// Median of sorted data with the arithmetic of CPython's `statistics.median`.
pub fn python_median(sorted: &[f64]) -> Option<f64> {
    python_median_at(sorted.len(), |i| sorted[i])
}

/// [`python_median`] over `len` ascending values given by rank.
pub fn python_median_at(len: usize, at: impl Fn(usize) -> f64) -> Option<f64> {
    if len == 0 {
        None
    } else if len % 2 == 1 {
        Some(at(len / 2))
    } else {
        Some((at(len / 2 - 1) + at(len / 2)) / 2.0)
    }
}

/// Quartiles of unsorted NaN-free data in linear time (selection instead of a sort);
/// same definition and arithmetic as [`python_quartiles`]. Reorders `values`.
fn quartiles_unsorted(values: &mut [f64]) -> Option<(f64, f64, f64)> {
    let len = values.len();
    if len < 2 {
        return values.first().map(|&v| (v, v, v));
    }
    let m = len - 1;
    let mut cut = |i: usize| {
        let (j, delta) = ((i * m) / 4, (i * m) % 4);
        let (_, &mut a, rest) = values.select_nth_unstable_by(j, f64::total_cmp);
        let b = rest.iter().copied().fold(f64::INFINITY, f64::min);
        (a * (4 - delta) as f64 + b * delta as f64) / 4.0
    };
    let q1 = cut(1);
    let q2 = cut(2);
    let q3 = cut(3);
    Some((q1, q2, q3))
}

/// Tukey fences, 1.5 IQR beyond the quartiles.
fn fences(q1: f64, q3: f64) -> (f64, f64) {
    let iqr = q3 - q1;
    // Infinite data can make the fences NaN; then nothing counts as an outlier.
    let lower = q1 - 1.5 * iqr;
    let upper = q3 + 1.5 * iqr;
    (
        if lower.is_nan() {
            f64::NEG_INFINITY
        } else {
            lower
        },
        if upper.is_nan() { f64::INFINITY } else { upper },
    )
}

impl BoxStats {
    /// Box statistics of values in any order; NaN values are ignored. None when no value is left.
    /// Runs in linear time (selection, then one scan): the page computes it on the main
    /// thread for columns of millions of values, where a full sort would stall a frame.
    pub fn from_values(values: &[f64]) -> Option<BoxStats> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        let (q1, median, q3) = quartiles_unsorted(&mut v)?;
        BoxStats::with_quartiles(&v, q1, median, q3)
    }

    /// Box statistics when the quartiles are already known (the profile has them): one
    /// pass over the values, no copy. NaN values are ignored. None when no value is left.
    pub fn with_quartiles(values: &[f64], q1: f64, median: f64, q3: f64) -> Option<BoxStats> {
        let (lower_fence, upper_fence) = fences(q1, q3);
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut whisker_low, mut whisker_high) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut outliers = Vec::new();
        let mut count = 0;
        for &x in values {
            if x.is_nan() {
                continue;
            }
            count += 1;
            min = min.min(x);
            max = max.max(x);
            if x < lower_fence || x > upper_fence {
                outliers.push(x);
            } else {
                whisker_low = whisker_low.min(x);
                whisker_high = whisker_high.max(x);
            }
        }
        if count == 0 {
            return None;
        }
        radsort::sort(&mut outliers);
        let outlier_count = outliers.len();
        if outlier_count > Self::MAX_OUTLIER_POINTS {
            // Same evenly spaced ranks as from_sorted, so both give identical results.
            outliers = (0..Self::MAX_OUTLIER_POINTS)
                .map(|k| outliers[k * outlier_count / Self::MAX_OUTLIER_POINTS])
                .collect();
        }
        Some(BoxStats {
            count,
            min,
            q1,
            median,
            q3,
            max,
            lower_fence,
            upper_fence,
            whisker_low,
            whisker_high,
            outliers,
            outlier_count,
        })
    }

    /// Box statistics of ascending, NaN-free values. None when empty.
    pub fn from_sorted(sorted: &[f64]) -> Option<BoxStats> {
        let (q1, median, q3) = python_quartiles(sorted)?;
        BoxStats::with_quartiles(sorted, q1, median, q3)
    }
}

/// Most bins a histogram gets, whatever the rule asks for.
pub const MAX_BINS: usize = 200;

fn sturges(n: usize) -> usize {
    (n as f64).log2().ceil() as usize + 1
}

/// Values on the histogram's axis: finite values, log10 of the positive ones in log scale.
/// Returns them with the count of values left out (non-finite, or non-positive in log scale).
fn axis_values(values: &[f64], log: bool) -> (Vec<f64>, usize) {
    let mut out = Vec::with_capacity(values.len());
    let mut excluded = 0;
    for &x in values {
        if x.is_nan() {
            continue;
        }
        if !x.is_finite() || (log && x <= 0.0) {
            excluded += 1;
        } else {
            out.push(if log { x.log10() } else { x });
        }
    }
    (out, excluded)
}

/// The step every value is a whole multiple of, when there is one worth binning by: a
/// day (86,400, for dates without a time of day) or 1 (integers). None for fractions.
fn grain(xs: &[f64]) -> Option<f64> {
    // Past 2^53 floats are all integers and the arithmetic below stops being exact.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if !xs.iter().all(|x| x.fract() == 0.0 && x.abs() < EXACT) {
        return None;
    }
    if xs.iter().all(|x| x.rem_euclid(86_400.0) == 0.0) && xs.iter().any(|x| *x != 0.0) {
        Some(86_400.0)
    } else {
        Some(1.0)
    }
}

/// Histogram of the non-NaN values with equal-width bins chosen by `rule` (at most
/// [`MAX_BINS`]); with `log`, bins span log10 of the positive values. None when no value
/// can be placed. Constant data gives one bin of width 1 centred on the value.
///
/// Whole-number data gets whole-number bin widths, each bin centred on the integers it
/// holds (edges at half-integers), so no bin holds one more integer than its neighbour;
/// whole days (a date column) get widths of whole days with edges at midnight. The rule's
/// width is rounded up to that grain, so a fixed count may give fewer bins than asked.
pub fn histogram(values: &[f64], rule: BinRule, log: bool) -> Option<Histogram> {
    let (mut xs, excluded) = axis_values(values, log);
    let n = xs.len();
    if n == 0 {
        return None;
    }
    let (min, max) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    if min == max {
        return Some(Histogram {
            edges: vec![min - 0.5, max + 0.5],
            counts: vec![n as u64],
            log,
            excluded,
        });
    }
    let span = max - min;
    let bins = match rule {
        BinRule::Fixed(k) => k,
        BinRule::Sturges => sturges(n),
        BinRule::FreedmanDiaconis => {
            let (q1, _, q3) = quartiles_unsorted(&mut xs).expect("n > 0");
            let iqr = q3 - q1;
            if iqr > 0.0 {
                let width = 2.0 * iqr / (n as f64).cbrt();
                (span / width).ceil().min(MAX_BINS as f64) as usize
            } else {
                sturges(n)
            }
        }
    }
    .clamp(1, MAX_BINS);
    let grain = if log { None } else { grain(&xs) };
    let (start, width, bins) = match grain {
        Some(g) => {
            // Whole grains per bin, enough bins to reach past max, never more than MAX_BINS.
            let steps = (span / g) as u64 + 1;
            let mut per_bin = steps.div_ceil(bins as u64).max(1);
            if steps.div_ceil(per_bin) > MAX_BINS as u64 {
                per_bin = steps.div_ceil(MAX_BINS as u64);
            }
            let start = if g == 1.0 { min - 0.5 } else { min };
            (start, per_bin as f64 * g, steps.div_ceil(per_bin) as usize)
        }
        None => (min, span / bins as f64, bins),
    };
    let mut edges: Vec<f64> = (0..bins).map(|i| start + i as f64 * width).collect();
    edges.push(if grain.is_some() {
        start + bins as f64 * width
    } else {
        max
    });
    let mut counts = vec![0u64; bins];
    if grain.is_some() {
        // Whole grains: an exact division, so a day on a bin edge lands in the bin it opens.
        for &x in &xs {
            counts[(((x - start) / width) as usize).min(bins - 1)] += 1;
        }
    } else {
        let scale = bins as f64 / span;
        for &x in &xs {
            counts[(((x - min) * scale) as usize).min(bins - 1)] += 1;
        }
    }
    Some(Histogram {
        edges,
        counts,
        log,
        excluded,
    })
}

/// Output points of a density curve.
pub const DENSITY_POINTS: usize = 200;
/// Above this many values the KDE is computed from a linearly binned fine grid.
const KDE_EXACT_MAX: usize = 2_000;
const KDE_FINE_GRID: usize = 1_024;

/// Gaussian kernel density of the values on the histogram's axis (log10 when the
/// histogram is in log scale), with Silverman's bandwidth 0.9 min(sd, IQR/1.34) n^(-1/5),
/// evaluated at [`DENSITY_POINTS`] points across the histogram's range and scaled to
/// counts per bin width so it overlays the bars. None for fewer than 2 values or zero spread.
pub fn density(values: &[f64], hist: &Histogram) -> Option<Density> {
    let (mut xs, _) = axis_values(values, hist.log);
    let n = xs.len();
    if n < 2 || hist.edges.len() < 2 {
        return None;
    }
    let nf = n as f64;
    let mean = xs.iter().sum::<f64>() / nf;
    let sd = (xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (nf - 1.0)).sqrt();
    let (min, max) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let (q1, _, q3) = quartiles_unsorted(&mut xs).expect("n >= 2");
    let iqr_sd = (q3 - q1) / 1.34;
    let spread = if iqr_sd > 0.0 { sd.min(iqr_sd) } else { sd };
    let bandwidth = 0.9 * spread * nf.powf(-0.2);
    if !(bandwidth > 0.0 && bandwidth.is_finite()) {
        return None;
    }
    // Weighted sample points: the data itself when small; otherwise linear binning onto a
    // fine grid (each value split between its two neighbouring grid points), which turns
    // n kernel evaluations per output point into KDE_FINE_GRID, with error far below a pixel.
    let (pts, weights): (Vec<f64>, Vec<f64>) = if n <= KDE_EXACT_MAX {
        (xs, vec![1.0; n])
    } else {
        let step = (max - min) / (KDE_FINE_GRID - 1) as f64;
        let mut w = vec![0.0; KDE_FINE_GRID];
        for &x in &xs {
            let pos = (x - min) / step;
            let i = (pos.floor() as usize).min(KDE_FINE_GRID - 2);
            let frac = pos - i as f64;
            w[i] += 1.0 - frac;
            w[i + 1] += frac;
        }
        (
            (0..KDE_FINE_GRID).map(|i| min + i as f64 * step).collect(),
            w,
        )
    };
    let lo = hist.edges[0];
    let hi = hist.edges[hist.edges.len() - 1];
    let bin_width = (hi - lo) / (hist.edges.len() - 1) as f64;
    // Density integrates to 1; times n * bin width gives expected counts per bin.
    let norm = nf * bin_width / (nf * bandwidth * (2.0 * std::f64::consts::PI).sqrt());
    let cutoff = 6.0 * bandwidth;
    let points = (0..DENSITY_POINTS)
        .map(|k| {
            let x = lo + (hi - lo) * k as f64 / (DENSITY_POINTS - 1) as f64;
            let mut s = 0.0;
            for (&p, &w) in pts.iter().zip(&weights) {
                let d = x - p;
                if d.abs() < cutoff {
                    let u = d / bandwidth;
                    s += w * (-0.5 * u * u).exp();
                }
            }
            (x, s * norm)
        })
        .collect();
    Some(Density { points, bandwidth })
}

/// Non-missing values of a numeric, datetime (epoch seconds) or boolean (0/1) column;
/// None for label columns.
pub fn numeric_values(column: &Column) -> Option<Vec<f64>> {
    match &column.data {
        ColumnData::Numeric(v) | ColumnData::Datetime(v) => {
            Some(v.iter().copied().filter(|x| !x.is_nan()).collect())
        }
        ColumnData::Boolean(v) => Some(v.iter().filter(|&&b| b < 2).map(|&b| b as f64).collect()),
        ColumnData::Labels(_) => None,
    }
}

/// Value of row `row` as a number, when the column holds numbers and the cell is present.
fn number_at(column: &Column, row: usize) -> Option<f64> {
    match &column.data {
        ColumnData::Numeric(v) | ColumnData::Datetime(v) => {
            v.get(row).copied().filter(|x| !x.is_nan())
        }
        ColumnData::Boolean(v) => v.get(row).filter(|&&b| b < 2).map(|&b| b as f64),
        ColumnData::Labels(_) => None,
    }
}

fn rows_of(column: &Column) -> usize {
    match &column.data {
        ColumnData::Numeric(v) | ColumnData::Datetime(v) => v.len(),
        ColumnData::Boolean(v) => v.len(),
        ColumnData::Labels(d) => d.codes.len(),
    }
}

/// Any column as dictionary codes: labels as they are, booleans as "true"/"false",
/// numbers as their shortest text (datetimes as epoch seconds).
fn as_labels(column: &Column) -> std::borrow::Cow<'_, Dictionary> {
    use std::borrow::Cow;
    match &column.data {
        ColumnData::Labels(d) => Cow::Borrowed(d),
        ColumnData::Boolean(v) => Cow::Owned(Dictionary {
            values: vec!["false".into(), "true".into()],
            codes: v
                .iter()
                .map(|&b| if b < 2 { b as u32 } else { Dictionary::MISSING })
                .collect(),
        }),
        ColumnData::Numeric(v) | ColumnData::Datetime(v) => {
            let mut index: HashMap<u64, u32> = HashMap::new();
            let mut values = Vec::new();
            let codes = v
                .iter()
                .map(|&x| {
                    if x.is_nan() {
                        return Dictionary::MISSING;
                    }
                    // 0.0 and -0.0 are one label.
                    let key = if x == 0.0 { 0 } else { x.to_bits() };
                    *index.entry(key).or_insert_with(|| {
                        values.push(format!("{}", if x == 0.0 { 0.0 } else { x }));
                        (values.len() - 1) as u32
                    })
                })
                .collect();
            Cow::Owned(Dictionary { values, codes })
        }
    }
}

/// Counts of the `top` most frequent labels of any column (most frequent first, ties by
/// label), with the rest folded into `other`.
pub fn category_counts(column: &Column, top: usize) -> CategoryCounts {
    let dict = as_labels(column);
    let counts = crate::core::profile::code_counts(&dict);
    let total: u64 = counts.iter().sum();
    let distinct = counts.iter().filter(|&&c| c > 0).count();
    let top = crate::core::profile::top_labels(&dict.values, &counts, top);
    let shown: u64 = top.iter().map(|(_, c)| c).sum();
    CategoryCounts {
        other: total - shown,
        other_labels: distinct - top.len(),
        missing: (dict.codes.len() as u64) - total,
        top,
    }
}

/// (x, y) points of the rows where both columns hold a number; when there are more than
/// `max_points`, a uniform sample of exactly `max_points` rows in row order, the same for
/// the same seed.
pub fn scatter_sample(x: &Column, y: &Column, max_points: usize, seed: u64) -> ScatterSample {
    let rows = rows_of(x).min(rows_of(y));
    let pair = |r: usize| Some((number_at(x, r)?, number_at(y, r)?));
    let total = (0..rows).filter(|&r| pair(r).is_some()).count();
    if total <= max_points {
        let points = (0..rows).filter_map(pair).collect();
        return ScatterSample {
            points,
            total,
            sampled: false,
        };
    }
    // Selection sampling (Knuth's Algorithm S): one pass, exactly max_points, every subset
    // equally likely, output already in row order.
    let mut rng = SplitMix64::new(seed);
    let mut points = Vec::with_capacity(max_points);
    for (seen, p) in (0..rows).filter_map(pair).enumerate() {
        let left = (total - seen) as u64;
        let need = (max_points - points.len()) as u64;
        if rng.below(left) < need {
            points.push(p);
            if points.len() == max_points {
                break;
            }
        }
    }
    ScatterSample {
        points,
        total,
        sampled: true,
    }
}

/// Box statistics of `values` per label of `by` (rows missing either are left out), for
/// the `max_groups` groups with most values, ordered by label.
pub fn grouped_boxes(values: &Column, by: &Column, max_groups: usize) -> GroupedBoxes {
    let dict = as_labels(by);
    let mut buckets: Vec<Vec<f64>> = vec![Vec::new(); dict.values.len()];
    for (row, &code) in dict.codes.iter().enumerate() {
        if code == Dictionary::MISSING {
            continue;
        }
        if let (Some(v), Some(b)) = (number_at(values, row), buckets.get_mut(code as usize)) {
            b.push(v);
        }
    }
    let mut keep: Vec<usize> = (0..buckets.len())
        .filter(|&i| !buckets[i].is_empty())
        .collect();
    if keep.len() > max_groups {
        keep.sort_by(|&a, &b| {
            buckets[b]
                .len()
                .cmp(&buckets[a].len())
                .then_with(|| dict.values[a].cmp(&dict.values[b]))
        });
        keep.truncate(max_groups);
    }
    // Natural order, so income ranges read "$40K", "$60K", …, "$120K +".
    keep.sort_by(|&a, &b| crate::core::text::natural_cmp(&dict.values[a], &dict.values[b]));
    let groups = keep
        .into_iter()
        .filter_map(|i| Some((dict.values[i].clone(), BoxStats::from_values(&buckets[i])?)))
        .collect();
    GroupedBoxes { groups }
}
