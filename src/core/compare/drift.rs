//! The drift statistics other than Kolmogorov-Smirnov (see [`super::ks`]): Wasserstein-1
//! distance, the chi-square test of homogeneity, Jensen-Shannon distance and the population
//! stability index, each defined as the SciPy / NumPy reference computes it.

use crate::core::profile::SortedValues;

/// Shares below this are raised to it before the PSI's logarithm, so an empty bin on one
/// side gives a large but finite term (no renormalisation afterwards).
pub const PSI_EPSILON: f64 = 1e-4;

/// Wasserstein-1 (earth mover's) distance between two sorted samples without NaN:
/// ∫ |F_a - F_b| dx, as `scipy.stats.wasserstein_distance(a, b)`. None if either is empty.
pub fn wasserstein(a: &[f64], b: &[f64]) -> Option<f64> {
    wasserstein_of(SortedValues::Sorted(a), SortedValues::Sorted(b))
}

/// [`wasserstein`] of values however they are held in order (the same arithmetic, so the
/// same bits).
pub fn wasserstein_of(a: SortedValues, b: SortedValues) -> Option<f64> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut w = WassersteinWalk::new(a.len(), b.len());
    pooled_walk(a, b, |v, i, j| w.visit(v, i, j));
    Some(w.total)
}

/// Calls `visit(v, i, j)` for each distinct value `v` of both samples together, in
/// ascending order, with `i` and `j` the counts of values `<= v` in `a` and `b`: the walk
/// the KS statistic and the Wasserstein distance share.
#[inline]
pub fn pooled_walk(a: SortedValues, b: SortedValues, mut visit: impl FnMut(f64, usize, usize)) {
    let (mut ra, mut rb) = (a.runs().peekable(), b.runs().peekable());
    let (mut i, mut j) = (0usize, 0usize);
    loop {
        let v = match (ra.peek(), rb.peek()) {
            (Some(&(x, _)), Some(&(y, _))) => x.min(y),
            (Some(&(x, _)), None) => x,
            (None, Some(&(y, _))) => y,
            (None, None) => break,
        };
        while let Some(&(_, c)) = ra.peek().filter(|r| r.0 <= v) {
            i += c;
            ra.next();
        }
        while let Some(&(_, c)) = rb.peek().filter(|r| r.0 <= v) {
            j += c;
            rb.next();
        }
        visit(v, i, j);
    }
}

/// The Wasserstein-1 distance, fed the pooled values of [`pooled_walk`].
pub struct WassersteinWalk {
    n1: f64,
    n2: f64,
    /// The previous pooled value and both counts there.
    prev: Option<(f64, usize, usize)>,
    /// ∫ |F_a - F_b| dx so far.
    pub total: f64,
}

impl WassersteinWalk {
    /// A distance between samples of `n1` and `n2` values (both non-zero).
    pub fn new(n1: usize, n2: usize) -> WassersteinWalk {
        WassersteinWalk {
            n1: n1 as f64,
            n2: n2 as f64,
            prev: None,
            total: 0.0,
        }
    }

    /// The pooled value `v` with `i` and `j` values at most `v`; between the previous
    /// value and this one both CDFs are constant.
    #[inline]
    pub fn visit(&mut self, v: f64, i: usize, j: usize) {
        if let Some((p, pi, pj)) = self.prev {
            self.total += ((pi as f64 / self.n1) - (pj as f64 / self.n2)).abs() * (v - p);
        }
        self.prev = Some((v, i, j));
    }
}

/// The `q` quantile of a sorted sample by NumPy's default (`method="linear"`, Hyndman-Fan
/// type 7), with NumPy's own interpolation arithmetic so bin edges agree to the bit.
pub fn quantile_linear(sorted: &[f64], q: f64) -> Option<f64> {
    quantile_linear_at(sorted.len(), q, |r| sorted[r])
}

/// [`quantile_linear`] of `n` values in order, read through `at(rank)`: the same
/// arithmetic, so the same bits, for orders not kept as one slice (the profile's runs).
pub fn quantile_linear_at(n: usize, q: f64, at: impl Fn(usize) -> f64) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let virtual_index = (n - 1) as f64 * q;
    let lo = virtual_index.floor().clamp(0.0, (n - 1) as f64);
    let t = virtual_index - lo;
    let lo = lo as usize;
    let hi = (lo + 1).min(n - 1);
    let (a, b) = (at(lo), at(hi));
    let diff = b - a;
    // numpy's _lerp: a + diff*t, or b - diff*(1-t) when t >= 0.5.
    Some(if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    })
}

/// Interquartile range (type 7) of values in order.
pub fn iqr(sorted: SortedValues) -> Option<f64> {
    let q = |p| quantile_linear_at(sorted.len(), p, |r| sorted.at(r));
    Some(q(0.75)? - q(0.25)?)
}

/// Sample standard deviation (n - 1), None under two values. Summed in the values' order,
/// one value at a time.
pub fn std_dev(values: SortedValues) -> Option<f64> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mut sum = 0.0;
    for (x, c) in values.runs() {
        for _ in 0..c {
            sum += x;
        }
    }
    let mean = sum / n as f64;
    let mut ss = 0.0;
    for (x, c) in values.runs() {
        let d2 = (x - mean) * (x - mean);
        for _ in 0..c {
            ss += d2;
        }
    }
    Some((ss / (n - 1) as f64).sqrt())
}

/// The PSI bin edges of a numeric column: the reference's deciles (type 7, at k/10 for
/// k = 1..9), equal edges merged. A value v falls in bin i = #{edges < v}, so the bins are
/// (-inf, e1], (e1, e2], ..., (e_last, +inf).
pub fn decile_edges(reference: SortedValues) -> Vec<f64> {
    let mut edges: Vec<f64> = (1..10)
        .filter_map(|k| quantile_linear_at(reference.len(), k as f64 / 10.0, |r| reference.at(r)))
        .collect();
    edges.dedup();
    edges
}

/// Counts of values in order in the bins of [`decile_edges`].
pub fn bin_counts(sorted: SortedValues, edges: &[f64]) -> Vec<u64> {
    let mut counts = vec![0u64; edges.len() + 1];
    // Values ascend, so the bin only moves up.
    let mut i = 0;
    for (v, c) in sorted.runs() {
        while i < edges.len() && edges[i] < v {
            i += 1;
        }
        counts[i] += c as u64;
    }
    counts
}

/// Population stability index of two count vectors over the same bins:
/// Σ (c_i - r_i) ln(c_i / r_i) with shares r_i, c_i raised to [`PSI_EPSILON`] when
/// smaller. None when either side has no count.
pub fn psi(reference: &[u64], current: &[u64]) -> Option<f64> {
    let (nr, nc) = (
        reference.iter().sum::<u64>() as f64,
        current.iter().sum::<u64>() as f64,
    );
    if nr == 0.0 || nc == 0.0 {
        return None;
    }
    Some(
        reference
            .iter()
            .zip(current)
            .map(|(&r, &c)| {
                let r = (r as f64 / nr).max(PSI_EPSILON);
                let c = (c as f64 / nc).max(PSI_EPSILON);
                (c - r) * (c / r).ln()
            })
            .sum(),
    )
}

/// A chi-square test of homogeneity on a 2 x k table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSquare {
    /// Pearson's statistic (Yates-corrected when dof is 1, as SciPy's default).
    pub statistic: f64,
    /// Degrees of freedom, k - 1 over the categories seen on either side.
    pub dof: usize,
    /// Upper tail of the chi-square distribution at the statistic.
    pub p_value: f64,
}

/// `scipy.stats.chi2_contingency([reference, current])` with its default `correction=True`
/// (Yates' continuity correction, applied by SciPy only when dof = 1). Categories with no
/// count on either side are dropped first (SciPy refuses a zero expected count). None when
/// either side has no count. The p-value is Q(dof/2, x/2), the regularized upper incomplete
/// gamma function, from the `statrs` crate (a port of Cephes' `igamc`, which SciPy's
/// `chdtrc` also descends from).
pub fn chi_square(reference: &[u64], current: &[u64]) -> Option<ChiSquare> {
    let cols: Vec<(f64, f64)> = reference
        .iter()
        .zip(current)
        .filter(|(r, c)| **r + **c > 0)
        .map(|(&r, &c)| (r as f64, c as f64))
        .collect();
    let nr: f64 = cols.iter().map(|c| c.0).sum();
    let nc: f64 = cols.iter().map(|c| c.1).sum();
    if nr == 0.0 || nc == 0.0 {
        return None;
    }
    let dof = cols.len() - 1;
    if dof == 0 {
        return Some(ChiSquare {
            statistic: 0.0,
            dof,
            p_value: 1.0,
        });
    }
    let total = nr + nc;
    let mut stat = 0.0;
    for &(r, c) in &cols {
        let col = r + c;
        for (obs, row) in [(r, nr), (c, nc)] {
            let exp = row * col / total;
            let mut obs = obs;
            if dof == 1 {
                let diff = exp - obs;
                obs += diff.abs().min(0.5) * diff.signum();
            }
            stat += (obs - exp) * (obs - exp) / exp;
        }
    }
    let p_value = if stat > 0.0 {
        statrs::function::gamma::checked_gamma_ur(dof as f64 / 2.0, stat / 2.0).unwrap_or(f64::NAN)
    } else {
        1.0
    };
    Some(ChiSquare {
        statistic: stat,
        dof,
        p_value,
    })
}

/// Jensen-Shannon distance in bits between two count vectors over the same categories,
/// `scipy.spatial.distance.jensenshannon(reference, current, base=2)`: the square root
/// of the JS divergence, 0 for equal shares, 1 for disjoint support. None when either
/// side has no count.
pub fn jensen_shannon(reference: &[u64], current: &[u64]) -> Option<f64> {
    let (nr, nc) = (
        reference.iter().sum::<u64>() as f64,
        current.iter().sum::<u64>() as f64,
    );
    if nr == 0.0 || nc == 0.0 {
        return None;
    }
    let rel_entr = |x: f64, y: f64| if x > 0.0 { x * (x / y).ln() } else { 0.0 };
    let (mut left, mut right) = (0.0, 0.0);
    for (&r, &c) in reference.iter().zip(current) {
        let (p, q) = (r as f64 / nr, c as f64 / nc);
        let m = (p + q) / 2.0;
        left += rel_entr(p, m);
        right += rel_entr(q, m);
    }
    let js = (left + right) / 2.0;
    Some((js / std::f64::consts::LN_2).max(0.0).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasserstein_of_a_shift_is_the_shift() {
        let a = [0.0, 1.0, 2.0, 3.0];
        let b = [2.0, 3.0, 4.0, 5.0];
        assert!((wasserstein(&a, &b).unwrap() - 2.0).abs() < 1e-12);
        assert_eq!(wasserstein(&a, &a), Some(0.0));
        assert_eq!(wasserstein(&[], &a), None);
    }

    #[test]
    fn quantiles_follow_numpy() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_linear(&s, 0.5), Some(2.5));
        assert_eq!(quantile_linear(&s, 0.0), Some(1.0));
        assert_eq!(quantile_linear(&s, 1.0), Some(4.0));
        assert_eq!(quantile_linear(&[7.0], 0.3), Some(7.0));
        assert_eq!(quantile_linear(&[], 0.3), None);
    }

    #[test]
    fn chi_square_matches_scipy_on_small_tables() {
        // scipy.stats.chi2_contingency([[10, 20, 30], [20, 20, 20]])
        // -> statistic 5.333333333333333, pvalue 0.06948345122280154, dof 2
        let r = chi_square(&[10, 20, 30], &[20, 20, 20]).unwrap();
        assert_eq!(r.dof, 2);
        assert!((r.statistic - 5.333333333333333).abs() < 1e-12);
        assert!(
            (r.p_value - 0.06948345122280154).abs() < 1e-12,
            "{}",
            r.p_value
        );
        // 2x2 with Yates: chi2_contingency([[10, 20], [20, 10]]) -> 5.400000000000001, 0.02013675155034633
        let y = chi_square(&[10, 20], &[20, 10]).unwrap();
        assert!((y.statistic - 5.4).abs() < 1e-12, "{}", y.statistic);
        assert!(
            (y.p_value - 0.02013675155034633).abs() < 1e-12,
            "{}",
            y.p_value
        );
        // One category on both sides: nothing to test.
        assert_eq!(chi_square(&[5], &[7]).unwrap().p_value, 1.0);
        assert!(chi_square(&[0, 0], &[1, 2]).is_none());
    }

    #[test]
    fn jensen_shannon_bounds() {
        assert_eq!(jensen_shannon(&[3, 4], &[3, 4]), Some(0.0));
        assert!((jensen_shannon(&[1, 0], &[0, 1]).unwrap() - 1.0).abs() < 1e-12);
        // scipy: jensenshannon([1.0, 0.0], [0.5, 0.5], base=2) = 0.5579230452841438...
        let v = jensen_shannon(&[2, 0], &[1, 1]).unwrap();
        assert!(
            (v - 0.46450140402245893 / std::f64::consts::LN_2.sqrt()).abs() < 1e-12,
            "{v}"
        );
    }

    #[test]
    fn psi_is_zero_for_equal_shares_and_finite_for_empty_bins() {
        assert_eq!(psi(&[10, 20], &[1, 2]), Some(0.0));
        let p = psi(&[10, 0], &[0, 10]).unwrap();
        assert!(p.is_finite() && p > 10.0);
        let edges = decile_edges(SortedValues::Sorted(&[1.0, 1.0, 1.0]));
        assert_eq!(edges, vec![1.0]);
        let values = SortedValues::Sorted(&[0.5, 1.0, 2.0]);
        assert_eq!(bin_counts(values, &edges), vec![2, 1]);
        let runs = SortedValues::Runs {
            values: &[0.5, 1.0, 2.0],
            ends: &[1, 3, 4],
        };
        assert_eq!(bin_counts(runs, &edges), vec![3, 1]);
    }
}
