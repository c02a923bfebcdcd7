//! Per-column profile statistics: counts, five-number summary, mean, standard deviation,
//! skewness, Tukey outliers and the most frequent labels.
//!
//! Quantile definition: linear interpolation between closest ranks (Hyndman-Fan type 7,
//! numpy's default, Python's `statistics.quantiles(method="inclusive")`), evaluated with
//! the same floating-point operations as CPython 3.11's `statistics` module so the
//! figures are bit-identical to it. The mean is the exact mean correctly rounded, as
//! Python's `statistics.mean` computes it with fractions.

use serde::Serialize;

use crate::core::distribution::{python_median_at, python_quartiles_at};
use crate::core::ingest::table::{Column, ColumnType, Dictionary, Table};

pub mod correlation;
mod exact_sum;
mod export;
pub mod missing;
mod order;
mod profiler;
mod radix;
pub mod warnings;
pub use exact_sum::exact_mean;
use order::Ordered;
pub use order::{ColumnOrder, Runs, SortedValues};
pub use profiler::ColumnProfiler;

/// Profile of one column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnProfile {
    /// Column name.
    pub name: String,
    /// Column type.
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// How a locale's numbers or dates were read (absent for the standard reading).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<crate::core::ingest::locale::Reading>,
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
    /// The type 7 quantiles at 0, 0.01, ..., 1 (numbers and dates; else empty). Not
    /// exported: kept so checks read any whole percentile without ordering the column again.
    #[serde(skip)]
    pub percentiles: Vec<f64>,
    /// How many cells carry each label code (categorical and text; else empty). Not
    /// exported: kept so checks of allowed values and patterns need not count again.
    #[serde(skip)]
    pub label_counts: Vec<u64>,
}

/// Whole percentiles kept in [`ColumnProfile::percentiles`]: 0 to 100.
pub const PERCENTILES: usize = 101;

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
    /// The text encoding the file was decoded from ("utf-8", "utf-16le", "utf-16be").
    pub encoding: crate::core::ingest::TextEncoding,
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
        columns: profile_columns(&table.columns, false)
            .into_iter()
            .map(|(p, _)| p)
            .collect(),
        ..Profile::of_table(table)
    }
}

/// A profile with each numeric column's values kept in order (None for other columns), as
/// a comparison reads them.
#[derive(Debug, Clone)]
pub struct OrderedProfile {
    /// The profile.
    pub profile: Profile,
    /// Per column, in file order: the valid values in order (numbers and dates).
    pub orders: Vec<Option<ColumnOrder>>,
}

impl OrderedProfile {
    /// Profiles every column of `table`, keeping the numeric columns' orders.
    ///
    /// ```
    /// use pipescope::core::ingest::{read_bytes, IngestOptions};
    /// use pipescope::core::profile::OrderedProfile;
    /// let header = IngestOptions::builder().has_header(Some(true)).build().unwrap();
    /// let t = read_bytes(b"x,y\n3,a\n1,b\n2,a\n", &header).unwrap();
    /// let p = OrderedProfile::of(&t);
    /// let sorted = p.orders[0].as_ref().unwrap().view(&t.columns[0]);
    /// assert_eq!((sorted.at(0), sorted.at(2)), (1.0, 3.0));
    /// assert!(p.orders[1].is_none());
    /// ```
    pub fn of(table: &Table) -> OrderedProfile {
        let (columns, orders) = profile_columns(&table.columns, true).into_iter().unzip();
        OrderedProfile {
            profile: Profile {
                columns,
                ..Profile::of_table(table)
            },
            orders,
        }
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
            encoding: table.dialect.encoding,
            skipped_rows: table.skipped.count,
            skipped_lines: table.skipped.lines.clone(),
            columns: Vec::with_capacity(table.columns.len()),
        }
    }
}

/// Columns profiled in order. Natively, large tables use a few threads (one column per
/// task) since columns are independent; the page calls [`profile_column`] per column and
/// yields between them instead.
/// With `keep` the numeric columns' orders come back too (otherwise None, so a large
/// table's sorted copies are not all held at once).
fn profile_columns(columns: &[Column], keep: bool) -> Vec<(ColumnProfile, Option<ColumnOrder>)> {
    let one = |c: &Column| {
        let (p, order) = ColumnProfiler::new(c).finish_with_order();
        (p, order.filter(|_| keep))
    };
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Mutex;
        let workers = profile_workers(columns);
        if workers > 1 {
            let next = AtomicUsize::new(0);
            type Done = Option<(ColumnProfile, Option<ColumnOrder>)>;
            let out: Mutex<Vec<Done>> = Mutex::new(vec![None; columns.len()]);
            let work = || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(c) = columns.get(i) else { break };
                let p = one(c);
                out.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(p);
            };
            std::thread::scope(|s| {
                // This thread is one of the workers; a helper that cannot be made (a
                // tight `ulimit -v`) leaves its share to the others instead of aborting.
                for _ in 1..workers {
                    let _ = std::thread::Builder::new()
                        .name("profile".into())
                        .spawn_scoped(s, work);
                }
                work();
            });
            return out
                .into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .into_iter()
                .map(|p| p.expect("every column was profiled"))
                .collect();
        }
    }
    columns.iter().map(one).collect()
}

/// Columns profiled at once natively: up to four on large tables (a million cells and
/// more), one otherwise. The memory guard counts each one's working copy.
#[cfg(not(target_arch = "wasm32"))]
pub fn profile_workers(columns: &[Column]) -> usize {
    let cells: usize = columns.iter().map(column_len).sum();
    if cells < 1_000_000 {
        return 1;
    }
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4)
        .min(columns.len())
        .max(1)
}

#[cfg(not(target_arch = "wasm32"))]
fn column_len(c: &Column) -> usize {
    use crate::core::ingest::table::ColumnData;
    match &c.data {
        ColumnData::Numeric(v) | ColumnData::Datetime(v) => v.len(),
        ColumnData::Boolean(v) => v.len(),
        ColumnData::Labels(d) => d.codes.len(),
    }
}

/// Profiles one column in one go (the page steps a [`ColumnProfiler`] instead, so it can
/// yield in between).
pub fn profile_column(column: &Column) -> ColumnProfile {
    ColumnProfiler::new(column).finish()
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

/// Fills the numeric figures from the ordered values, their distinct count, the exact
/// mean, and the sums of squared and cubed deviations from it (when the mean is finite).
fn fill_numeric(
    p: &mut ColumnProfile,
    ordered: &Ordered,
    distinct: usize,
    mean: Option<f64>,
    moments: Option<(f64, f64)>,
) {
    let n = ordered.len();
    p.count = n;
    p.distinct = distinct;
    if n == 0 {
        return;
    }
    p.min = Some(ordered.at(0));
    p.max = Some(ordered.at(n - 1));
    p.median = python_median_at(n, |r| ordered.at(r));
    let (q1, _, q3) = python_quartiles_at(n, |r| ordered.at(r)).expect("non-empty");
    p.q1 = Some(q1);
    p.q3 = Some(q3);
    p.percentiles = (0..PERCENTILES)
        .filter_map(|k| {
            crate::core::compare::drift::quantile_linear_at(n, k as f64 / 100.0, |r| ordered.at(r))
        })
        .collect();
    let iqr = q3 - q1;
    let (lo, hi) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
    p.outliers = Some(ordered.count_below(lo) + ordered.count_above(hi));
    p.mean = mean;
    if let Some((m2, m3)) = moments.filter(|_| mean.is_some_and(f64::is_finite)) {
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

/// Values per block of the central sums. The blocks are part of the result (each is summed
/// on its own, then added to the total), so every caller must cut the column the same way.
const CENTRAL_BLOCK: usize = 256;

/// Sums of squared and cubed deviations from `m` over one block, NaN (missing) values
/// skipped. Blocked summation keeps the rounding error near that of pairwise summation
/// while the inner loop stays vectorisable.
fn central_block(block: &[f64], m: f64) -> (f64, f64) {
    let (mut c2, mut c3) = ([0.0f64; 4], [0.0f64; 4]);
    let mut it = block.chunks_exact(4);
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
    (
        (c2[0] + c2[1]) + (c2[2] + c2[3]),
        (c3[0] + c3[1]) + (c3[2] + c3[3]),
    )
}

#[cfg(test)]
mod tests {
    use super::order::{decimal_scale, KeyCounter};
    use super::*;
    use crate::core::ingest::table::ColumnData;
    use crate::core::rng::SplitMix64;
    use std::borrow::Cow;

    fn column(v: Vec<f64>) -> Column {
        Column {
            name: "x".into(),
            kind: ColumnType::Numeric,
            data: ColumnData::Numeric(v),
            missing: 0,
            invalid: 0,
            first_invalid: None,
            reading: Default::default(),
            other_reading: None,
        }
    }

    /// The order and mean the profiler reaches for `v`, stepping `budget` values at a time.
    fn ordered(c: &Column, budget: usize) -> (Ordered<'_>, Option<f64>) {
        ColumnProfiler::new(c).ordered_with_mean(budget)
    }

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
        // Distinct counts of consecutive rank ranges add up to the whole.
        let third = want.len() / 3;
        assert_eq!(
            ordered.distinct_in(0, third)
                + ordered.distinct_in(third, 2 * third)
                + ordered.distinct_in(2 * third, want.len()),
            distinct
        );
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

    /// Profiles equal field by field, floats bit for bit.
    fn assert_identical(a: &ColumnProfile, b: &ColumnProfile, what: &str) {
        let bits = |p: &ColumnProfile| {
            [
                p.min, p.q1, p.median, p.q3, p.max, p.mean, p.std, p.skewness,
            ]
            .map(|x| x.map(f64::to_bits))
        };
        assert_eq!(bits(a), bits(b), "{what}");
        // Bit for bit: a percentile next to an infinity is NaN (inf * 0), as in NumPy.
        let pct = |p: &ColumnProfile| {
            p.percentiles
                .iter()
                .map(|x| x.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(pct(a), pct(b), "{what}");
        let strip = |p: &ColumnProfile| ColumnProfile {
            percentiles: Vec::new(),
            ..p.clone()
        };
        assert_eq!(strip(a), strip(b), "{what}");
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
        let mut counter = KeyCounter::new(cents.len(), 100.0).expect("short enough");
        assert!(
            !counter.count(&cents),
            "a key range this wide is sorted, not counted"
        );
        let c = column(cents.clone());
        let (ordered_keys, mean) = ordered(&c, usize::MAX);
        assert!(matches!(ordered_keys, Ordered::Keys { .. }));
        assert_orders_like_a_sort(&ordered_keys, &cents);
        assert_eq!(mean, exact_mean(&cents));
        // Values that are no short decimal, or negative, keep the general sort.
        assert!(decimal_scale(&[0.1, 1.0 / 3.0, 2.0]).is_none());
        assert!(decimal_scale(&[1.5, -2.25]).is_none());
        // A late value that is no key, or negative, sends a counted or keyed column to
        // the general path.
        let mut late: Vec<f64> = (0..5000).map(|i| (i % 70) as f64 / 10.0).collect();
        let mut wide = cents[..80_000].to_vec();
        for bad in [1.0 / 3.0, -0.5, -0.0, 1e12] {
            let mut counter = KeyCounter::new(late.len() + 1, 10.0).expect("short enough");
            late.push(bad);
            assert!(!counter.count(&late), "{bad}");
            wide.push(bad);
            for v in [&late, &wide] {
                let c = column(v.clone());
                let (o, mean) = ordered(&c, 1000);
                assert!(!matches!(o, Ordered::Keys { .. }), "{bad}");
                assert_orders_like_a_sort(&o, v);
                assert_eq!(mean, exact_mean(v));
            }
            let c = column(wide.clone());
            assert!(matches!(
                ordered(&c, 1000).0,
                Ordered::Sorted(Cow::Owned(_))
            ));
            late.pop();
            wide.pop();
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
        let c = column(ratios.clone());
        for budget in [usize::MAX, 333] {
            let (o, mean) = ordered(&c, budget);
            assert!(matches!(o, Ordered::Runs { .. }));
            assert_orders_like_a_sort(&o, &ratios);
            assert_eq!(mean, exact_mean(&ratios));
        }
    }

    #[test]
    fn counted_and_sorted_columns_profile_alike() {
        // Few distinct values take the counting path; the same values sorted borrow the
        // column. The shared figures must come out as a plain sort gives them.
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
        let p = profile_column(&column(few.clone()));
        let mut sorted: Vec<f64> = few.iter().copied().filter(|x| !x.is_nan()).collect();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(p.count, sorted.len());
        assert_eq!(p.min, Some(sorted[0]));
        assert_eq!(p.max, sorted.last().copied());
        assert_eq!(p.mean, exact_mean(&sorted));
        let c = column(sorted.clone());
        let (o, mean) = ordered(&c, usize::MAX);
        assert!(matches!(o, Ordered::Sorted(Cow::Borrowed(_))));
        assert_eq!(mean, p.mean);
        let q = profile_column(&c);
        assert_eq!(
            (q.q1, q.median, q.q3, q.distinct, q.outliers),
            (p.q1, p.median, p.q3, p.distinct, p.outliers)
        );
    }

    #[test]
    fn stepping_in_any_size_gives_the_same_profile() {
        // One column per path: sorted, counted by key, hashed, sorted by key, sorted as
        // floats; plus booleans, labels and an empty column.
        let mut rng = SplitMix64::new(13);
        let n = 20_000;
        let mut cols: Vec<Column> = vec![
            column((0..n).map(|i| i as f64 * 0.5).collect()),
            column((0..n).map(|_| rng.below(700) as f64 / 10.0).collect()),
            column((0..n).map(|_| rng.below(50) as f64 / 3.0).collect()),
            column(
                (0..n)
                    .map(|i| {
                        if i % 89 == 0 {
                            f64::NAN
                        } else {
                            rng.below(10_000_000) as f64 / 100.0
                        }
                    })
                    .collect(),
            ),
            column((0..n).map(|_| rng.normal() * 1e3).collect()),
            column(vec![f64::NAN; 3]),
            column(vec![1.0, f64::INFINITY, 2.5]),
        ];
        cols.push(Column {
            data: ColumnData::Boolean((0..n).map(|_| rng.below(3) as u8).collect()),
            kind: ColumnType::Boolean,
            ..column(Vec::new())
        });
        cols.push(Column {
            data: ColumnData::Labels(Dictionary {
                values: vec!["a".into(), "b".into(), "c".into()],
                codes: (0..n).map(|_| rng.below(4) as u32).collect(),
            }),
            kind: ColumnType::Categorical,
            ..column(Vec::new())
        });
        for (k, c) in cols.iter().enumerate() {
            let whole = profile_column(c);
            for budget in [1, 100, 4099] {
                let mut p = ColumnProfiler::new(c);
                let mut steps = 0;
                while !p.step(budget) {
                    steps += 1;
                }
                assert_identical(&p.finish(), &whole, &format!("column {k}, budget {budget}"));
                if budget == 100 && k < 5 {
                    assert!(steps >= n / 100, "column {k} took only {steps} steps");
                }
            }
        }
    }
}
