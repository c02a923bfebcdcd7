//! Pairwise correlations between the columns of a table, as a matrix for a heatmap:
//! Pearson and Spearman over numeric columns, Cramér's V over categorical and boolean
//! ones.
//!
//! Definitions (each pair on its *pairwise complete* rows, the rows where both cells are
//! present, as pandas `DataFrame.corr` does):
//! - Pearson r: covariance over the product of standard deviations, two-pass (means
//!   first) for accuracy.
//! - Spearman ρ: Pearson r of the ranks, ties given their average rank, ranks taken over
//!   the pair's complete rows.
//! - Cramér's V: sqrt(χ² / (n · (min(r, c) − 1))) of the pair's contingency table, with
//!   r and c the labels that occur; χ² without Yates' continuity correction and V without
//!   Bergsma's bias correction (SciPy's `association(method="cramer", correction=False)`).
//!
//! A cell is `None` when it is undefined: fewer than two complete rows, a column constant
//! on them, or (V) a single label. Tables larger than a cap are sampled uniformly (the
//! same rows for every pair, the same for the same table) and the matrix says so.

use serde::Serialize;

use crate::core::ingest::table::{Column, ColumnData, ColumnType, Dictionary, Table};
use crate::core::rng::SplitMix64;

/// Which coefficient a matrix holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Linear correlation of numeric columns, −1..1.
    Pearson,
    /// Rank correlation of numeric columns, −1..1.
    Spearman,
    /// Association of categorical columns, 0..1.
    Cramer,
}

impl Method {
    /// Every method, in the order the page offers them.
    pub const ALL: [Method; 3] = [Method::Pearson, Method::Spearman, Method::Cramer];

    /// Name as shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Method::Pearson => "Pearson r",
            Method::Spearman => "Spearman ρ",
            Method::Cramer => "Cramér's V",
        }
    }

    /// Short key for URLs, selects and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Method::Pearson => "pearson",
            Method::Spearman => "spearman",
            Method::Cramer => "cramer",
        }
    }

    /// The method of a [`Method::key`].
    pub fn from_key(key: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.key() == key)
    }

    /// Whether values run −1..1 (else 0..1).
    pub fn signed(self) -> bool {
        self != Method::Cramer
    }
}

/// Rows a correlation matrix reads at most; larger tables are sampled down to this.
pub const MAX_ROWS: usize = 100_000;
/// Labels a categorical column may have to take part in Cramér's V (more look like ids or
/// free text, and their contingency tables would not fit in a cell's worth of meaning).
pub const MAX_LABELS: usize = 100;

/// A symmetric matrix of one coefficient over the columns it applies to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrelationMatrix {
    /// The coefficient.
    pub method: Method,
    /// Names of the columns, in table order.
    pub columns: Vec<String>,
    /// Their indices in the table.
    pub indices: Vec<usize>,
    /// `columns.len()²` values, row-major; None where undefined.
    pub values: Vec<Option<f64>>,
    /// Complete rows of each pair, row-major like `values`.
    pub pairs: Vec<usize>,
    /// Rows read (all of them, or the sample).
    pub rows_used: usize,
    /// Rows in the table.
    pub rows_total: usize,
    /// Columns of the right type left out, with why (too many labels).
    pub left_out: Vec<(String, String)>,
}

impl CorrelationMatrix {
    /// The value at (i, j).
    pub fn get(&self, i: usize, j: usize) -> Option<f64> {
        self.values[i * self.columns.len() + j]
    }

    /// Complete rows of the pair (i, j).
    pub fn pairs_at(&self, i: usize, j: usize) -> usize {
        self.pairs[i * self.columns.len() + j]
    }

    /// Whether the rows were sampled.
    pub fn sampled(&self) -> bool {
        self.rows_used < self.rows_total
    }

    /// Off-diagonal pairs, strongest first (by |value|), at most `n`.
    pub fn strongest(&self, n: usize) -> Vec<(usize, usize, f64)> {
        let k = self.columns.len();
        let mut all: Vec<(usize, usize, f64)> = (0..k)
            .flat_map(|i| (i + 1..k).map(move |j| (i, j)))
            .filter_map(|(i, j)| Some((i, j, self.get(i, j)?)))
            .collect();
        all.sort_by(|a, b| b.2.abs().total_cmp(&a.2.abs()));
        all.truncate(n);
        all
    }
}

/// Rows read: all when the table has at most `max_rows`, else a uniform sample of exactly
/// `max_rows` in row order (selection sampling, a fixed seed: the same table gives the
/// same rows).
fn sample_rows(rows: usize, max_rows: usize) -> Vec<usize> {
    if rows <= max_rows {
        return (0..rows).collect();
    }
    let mut rng = SplitMix64::new(0x5eed);
    let mut out = Vec::with_capacity(max_rows);
    for r in 0..rows {
        if rng.below((rows - r) as u64) < (max_rows - out.len()) as u64 {
            out.push(r);
        }
    }
    out
}

/// The coefficient `method` between every pair of the columns it applies to (numeric for
/// Pearson and Spearman, categorical and boolean for Cramér's V), on at most `max_rows`
/// rows ([`MAX_ROWS`] is the page's cap).
///
/// ```
/// use pipescope::core::ingest::{read_bytes, IngestOptions};
/// use pipescope::core::profile::correlation::{correlations, Method, MAX_ROWS};
/// let t = read_bytes(b"x,y\n1,2\n2,4\n3,7\n", &IngestOptions::default()).unwrap();
/// let m = correlations(&t, Method::Spearman, MAX_ROWS);
/// // Ranks move together exactly; the division leaves at most a rounding error.
/// assert!((m.get(0, 1).unwrap() - 1.0).abs() < 1e-12);
/// ```
pub fn correlations(table: &Table, method: Method, max_rows: usize) -> CorrelationMatrix {
    let rows = sample_rows(table.rows, max_rows.max(2));
    let mut left_out = Vec::new();
    let chosen: Vec<usize> = table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| match method {
            Method::Pearson | Method::Spearman => c.kind == ColumnType::Numeric,
            Method::Cramer => {
                matches!(c.kind, ColumnType::Categorical | ColumnType::Boolean) && {
                    let labels = label_count(c);
                    if labels > MAX_LABELS {
                        left_out.push((
                            c.name.clone(),
                            format!("{labels} labels, more than {MAX_LABELS}"),
                        ));
                    }
                    labels <= MAX_LABELS
                }
            }
        })
        .map(|(i, _)| i)
        .collect();
    let k = chosen.len();
    let mut values = vec![None; k * k];
    let mut pairs = vec![0; k * k];
    match method {
        Method::Pearson | Method::Spearman => {
            let cols: Vec<Vec<f64>> = chosen
                .iter()
                .map(|&i| numbers(&table.columns[i], &rows))
                .collect();
            // Ranks over each column's present rows, reused for every pair where neither
            // column misses a value (the common case), so a pair costs no sort.
            let full_ranks: Vec<Option<Vec<f64>>> = cols
                .iter()
                .map(|c| {
                    (method == Method::Spearman && c.iter().all(|x| !x.is_nan())).then(|| ranks(c))
                })
                .collect();
            for a in 0..k {
                for b in a..k {
                    let (value, n) = match (&full_ranks[a], &full_ranks[b]) {
                        (Some(ra), Some(rb)) => (pearson(ra, rb), ra.len()),
                        _ => {
                            let (xs, ys): (Vec<f64>, Vec<f64>) = cols[a]
                                .iter()
                                .zip(&cols[b])
                                .filter(|(x, y)| !x.is_nan() && !y.is_nan())
                                .map(|(x, y)| (*x, *y))
                                .unzip();
                            let value = if method == Method::Spearman {
                                pearson(&ranks(&xs), &ranks(&ys))
                            } else {
                                pearson(&xs, &ys)
                            };
                            (value, xs.len())
                        }
                    };
                    for (i, j) in [(a, b), (b, a)] {
                        values[i * k + j] = value;
                        pairs[i * k + j] = n;
                    }
                }
            }
        }
        Method::Cramer => {
            let cols: Vec<(Vec<u32>, usize)> = chosen
                .iter()
                .map(|&i| codes(&table.columns[i], &rows))
                .collect();
            for a in 0..k {
                for b in a..k {
                    let (value, n) = cramers_v(&cols[a], &cols[b]);
                    for (i, j) in [(a, b), (b, a)] {
                        values[i * k + j] = value;
                        pairs[i * k + j] = n;
                    }
                }
            }
        }
    }
    CorrelationMatrix {
        method,
        columns: chosen
            .iter()
            .map(|&i| table.columns[i].name.clone())
            .collect(),
        indices: chosen,
        values,
        pairs,
        rows_used: rows.len(),
        rows_total: table.rows,
        left_out,
    }
}

fn label_count(c: &Column) -> usize {
    match &c.data {
        ColumnData::Labels(d) => d.values.len(),
        ColumnData::Boolean(_) => 2,
        _ => 0,
    }
}

/// The sampled rows of a numeric column, NaN where missing.
fn numbers(c: &Column, rows: &[usize]) -> Vec<f64> {
    match &c.data {
        ColumnData::Numeric(v) | ColumnData::Datetime(v) => rows
            .iter()
            .map(|&r| v.get(r).copied().unwrap_or(f64::NAN))
            .collect(),
        _ => vec![f64::NAN; rows.len()],
    }
}

/// The sampled rows of a label column as codes (MISSING where missing), with the number
/// of distinct codes.
fn codes(c: &Column, rows: &[usize]) -> (Vec<u32>, usize) {
    match &c.data {
        ColumnData::Labels(d) => (
            rows.iter()
                .map(|&r| d.codes.get(r).copied().unwrap_or(Dictionary::MISSING))
                .collect(),
            d.values.len(),
        ),
        ColumnData::Boolean(v) => (
            rows.iter()
                .map(|&r| match v.get(r) {
                    Some(&b) if b < 2 => u32::from(b),
                    _ => Dictionary::MISSING,
                })
                .collect(),
            2,
        ),
        _ => (vec![Dictionary::MISSING; rows.len()], 0),
    }
}

/// Pearson r of two equally long NaN-free slices; None for fewer than 2 values or a
/// constant side. Clamped to −1..1 (rounding can step a hair past).
pub fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    let n = xs.len().min(ys.len());
    if n < 2 {
        return None;
    }
    let mx = xs.iter().sum::<f64>() / n as f64;
    let my = ys.iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        let (dx, dy) = (x - mx, y - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    let r = sxy / (sxx.sqrt() * syy.sqrt());
    r.is_finite().then(|| r.clamp(-1.0, 1.0))
}

/// 1-based ranks of NaN-free values, ties sharing their average rank.
pub fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_unstable_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut out = vec![0.0; xs.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && xs[order[j]] == xs[order[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j share their mean.
        let rank = (i + 1 + j) as f64 / 2.0;
        for &o in &order[i..j] {
            out[o] = rank;
        }
        i = j;
    }
    out
}

/// Cramér's V (no continuity or bias correction) of two coded columns over the rows where
/// both are present, with that row count.
fn cramers_v(a: &(Vec<u32>, usize), b: &(Vec<u32>, usize)) -> (Option<f64>, usize) {
    let (ca, ka) = (&a.0, a.1);
    let (cb, kb) = (&b.0, b.1);
    let mut table = vec![0u64; ka * kb];
    let mut n = 0usize;
    for (&x, &y) in ca.iter().zip(cb) {
        if x == Dictionary::MISSING || y == Dictionary::MISSING {
            continue;
        }
        table[x as usize * kb + y as usize] += 1;
        n += 1;
    }
    let row: Vec<u64> = (0..ka)
        .map(|i| table[i * kb..(i + 1) * kb].iter().sum())
        .collect();
    let col: Vec<u64> = (0..kb)
        .map(|j| (0..ka).map(|i| table[i * kb + j]).sum())
        .collect();
    let r = row.iter().filter(|&&s| s > 0).count();
    let c = col.iter().filter(|&&s| s > 0).count();
    if n < 2 || r < 2 || c < 2 {
        return (None, n);
    }
    let nf = n as f64;
    let mut chi2 = 0.0;
    for i in (0..ka).filter(|&i| row[i] > 0) {
        for j in (0..kb).filter(|&j| col[j] > 0) {
            let expected = row[i] as f64 * col[j] as f64 / nf;
            let d = table[i * kb + j] as f64 - expected;
            chi2 += d * d / expected;
        }
    }
    let v = (chi2 / (nf * (r.min(c) - 1) as f64)).sqrt();
    (Some(v.min(1.0)), n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[10.0, 20.0, 10.0, 5.0]), vec![2.5, 4.0, 2.5, 1.0]);
    }

    #[test]
    fn pearson_is_undefined_on_constants_and_exact_on_lines() {
        assert_eq!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(pearson(&[1.0], &[2.0]), None);
        let r = pearson(&[1.0, 2.0, 3.0], &[-2.0, -4.0, -6.0]).unwrap();
        assert!((r + 1.0).abs() < 1e-15, "{r}");
    }

    #[test]
    fn samples_are_exact_in_size_ordered_and_repeatable() {
        let a = sample_rows(10_000, 1_000);
        assert_eq!(a.len(), 1_000);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(a, sample_rows(10_000, 1_000));
        assert_eq!(sample_rows(5, 1_000), vec![0, 1, 2, 3, 4]);
    }
}
