//! The two-sample Kolmogorov-Smirnov test, two-sided, as SciPy's
//! `scipy.stats.ks_2samp(x, y, method="auto")` computes it.
//!
//! * Statistic: D = max over the pooled values v of |F_ref(v) - F_cur(v)|, with the
//!   empirical CDFs counting values `<= v` (SciPy's `searchsorted(side="right")`).
//! * p-value, "auto": exact when both samples have at most [`MAX_EXACT_N`] values,
//!   asymptotic otherwise. Exact: D is first snapped to the lattice `h / lcm(n1, n2)`;
//!   equal sizes use the closed form of `_compute_prob_outside_square`, unequal sizes
//!   Viehmann's recursion for 1 - p (SciPy's `_compute_outer_prob_inside_method`).
//!   Asymptotic (or an exact attempt that fails): the one-sample two-sided Kolmogorov
//!   distribution `kstwo.sf(D, round(n1 n2 / (n1 + n2)))`, computed by Simard and
//!   L'Ecuyer's choice of method (SciPy's `_kolmogn`).
//!
//! Hand-written: no crate in crates.io implements these exact two-sample null
//! distributions, and matching SciPy means following its choice of method case by case.
//! The one difference: where SciPy runs Pomeranz's recursion (n <= 140, 0.754693 < n x^2
//! <= 4) this uses the Durbin matrix (Marsaglia, Tsang and Wang), which is also exact, so
//! the two agree to rounding.

use super::drift::pooled_walk;
use crate::core::profile::SortedValues;

/// Largest sample size for which "auto" computes the exact p-value (SciPy's `MAX_AUTO_N`).
pub const MAX_EXACT_N: usize = 10_000;

/// The result of a two-sided two-sample KS test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsResult {
    /// The statistic D in [0, 1] (on the exact path, snapped to the lattice as SciPy does).
    pub statistic: f64,
    /// The two-sided p-value.
    pub p_value: f64,
    /// The pooled value where D is reached.
    pub location: f64,
    /// +1 when the reference's CDF is above the current's there (current shifted up).
    pub sign: i8,
    /// Whether the p-value came from the exact distribution.
    pub exact: bool,
}

/// The two-sided KS test on two sorted samples without NaN. None when either is empty.
pub fn ks_2samp(a: &[f64], b: &[f64]) -> Option<KsResult> {
    ks_2samp_of(SortedValues::Sorted(a), SortedValues::Sorted(b))
}

/// [`ks_2samp`] of values however they are held in order (runs of equal values are
/// walked at once, so a column of few distinct values costs few steps).
pub fn ks_2samp_of(a: SortedValues, b: SortedValues) -> Option<KsResult> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut walk = KsWalk::new(a.len(), b.len());
    pooled_walk(a, b, |v, i, j| walk.visit(v, i, j));
    Some(walk.finish())
}

/// The statistic's search, fed each pooled value in order with both CDF counts there (so
/// a caller can share the walk with other statistics).
pub struct KsWalk {
    n1: usize,
    n2: usize,
    max_s: f64,
    max_at: f64,
    min_s: f64,
    min_at: f64,
}

impl KsWalk {
    /// A search over samples of `n1` and `n2` values (both non-zero).
    pub fn new(n1: usize, n2: usize) -> KsWalk {
        KsWalk {
            n1,
            n2,
            max_s: f64::NEG_INFINITY,
            max_at: f64::NAN,
            min_s: f64::INFINITY,
            min_at: f64::NAN,
        }
    }

    /// The pooled value `v`, with `i` reference and `j` current values at most `v`.
    #[inline]
    pub fn visit(&mut self, v: f64, i: usize, j: usize) {
        let diff = i as f64 / self.n1 as f64 - j as f64 / self.n2 as f64;
        if diff > self.max_s {
            (self.max_s, self.max_at) = (diff, v);
        }
        if diff < self.min_s {
            (self.min_s, self.min_at) = (diff, v);
        }
    }

    /// The statistic and its p-value, once every pooled value was visited.
    pub fn finish(self) -> KsResult {
        let KsWalk {
            n1,
            n2,
            max_s,
            max_at,
            min_s,
            min_at,
        } = self;
        let min_s = (-min_s).clamp(0.0, 1.0);
        let (mut d, location, sign) = if min_s > max_s {
            (min_s, min_at, -1)
        } else {
            (max_s, max_at, 1)
        };
        let g = gcd(n1 as u64, n2 as u64);
        let mut exact = n1.max(n2) <= MAX_EXACT_N;
        let mut p = f64::NAN;
        if exact {
            match exact_two_sided(n1 as u64, n2 as u64, g, d) {
                Some((snapped, prob)) => {
                    d = snapped;
                    p = prob;
                }
                None => exact = false,
            }
        }
        if !exact {
            let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
            let en = m * n / (m + n);
            p = kolmogorov_sf(round_half_even(en) as u64, d);
        }
        KsResult {
            statistic: d,
            p_value: p.clamp(0.0, 1.0),
            location,
            sign,
            exact,
        }
    }
}

/// NumPy's `np.round`: halves to even.
fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// SciPy's `_attempt_exact_2kssamp` (two-sided): the snapped D and its exact p-value, or
/// None when the computation leaves [0, 1].
fn exact_two_sided(n1: u64, n2: u64, g: u64, d: f64) -> Option<(f64, f64)> {
    let lcm = (n1 / g) * n2;
    let h = round_half_even(d * lcm as f64) as u64;
    let d = h as f64 / lcm as f64;
    if h == 0 {
        return Some((d, 1.0));
    }
    let p = if n1 == n2 {
        prob_outside_square(n1, h)
    } else {
        outer_prob_inside(n1, n2, g, h)
    };
    (p.is_finite() && (0.0..=1.0).contains(&p)).then_some((d, p))
}

/// Pr(D_{n,n} >= h/n): SciPy's `_compute_prob_outside_square`, a Horner-like evaluation
/// of 2 (C(2n, n-h) - C(2n, n-2h) + ...) / C(2n, n).
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let mut p = 0.0;
    let mut k = (n / h) as i64;
    let (n, h) = (n as i64, h as i64);
    while k >= 0 {
        let mut p1 = 1.0;
        for j in 0..h {
            p1 = (n - k * h - j) as f64 * p1 / (n + k * h + j + 1) as f64;
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

fn floor_div(a: i64, b: i64) -> i64 {
    a.div_euclid(b)
}

fn ceil_div(a: i64, b: i64) -> i64 {
    -((-a).div_euclid(b))
}

/// The share of lattice paths from (0, 0) to (m, n) that leave the band
/// |x/m - y/n| < h / lcm(m, n): SciPy's `_compute_outer_prob_inside_method`, Viehmann's
/// recursion for 1 - p with a sliding window of one column.
fn outer_prob_inside(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (m, n, g, h) = (m as i64, n as i64, g as i64, h as i64);
    let (mg, ng) = (m / g, n / g);
    let mut minj: i64 = 0;
    let mut maxj: i64 = ceil_div(h, mg).min(n + 1);
    let mut curlen = maxj - minj;
    let len_a = (2 * maxj + 2).min(n + 1).max(1) as usize;
    let mut a = vec![1.0f64; len_a];
    for x in a.iter_mut().take(maxj as usize) {
        *x = 0.0;
    }
    // A multiply by a stored reciprocal instead of a divide in the inner loop: the
    // recursion is one long dependent chain, and a divide's latency dominated it (twice as
    // slow on 8,500 x 1,627 values); the results move by a few ulps at most.
    let inverse: Vec<f64> = (0..=(m + n) as usize)
        .map(|k| if k == 0 { 0.0 } else { 1.0 / k as f64 })
        .collect();
    for i in 1..=m {
        let (lastminj, lastlen) = (minj, curlen);
        minj = (floor_div(ng * i - h, mg) + 1).max(0).min(n);
        maxj = ceil_div(ng * i + h, mg).min(n + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = jj + minj;
            let prev = a
                .get((jj + minj - lastminj) as usize)
                .copied()
                .unwrap_or(1.0);
            val = (prev * i as f64 + val * j as f64) * inverse[(i + j) as usize];
            if let Some(slot) = a.get_mut(jj as usize) {
                *slot = val;
            }
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let from = (maxj - minj) as usize;
            let to = (from + (lastlen - curlen) as usize).min(a.len());
            for x in a.iter_mut().take(to).skip(from) {
                *x = 1.0;
            }
        }
    }
    a.get((maxj - minj - 1) as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

/// Survival function of the two-sided one-sample Kolmogorov statistic D_n:
/// Pr(D_n >= x), SciPy's `kstwo.sf(x, n)` (`_kolmogn(n, x, cdf=False)`).
pub fn kolmogorov_sf(n: u64, x: f64) -> f64 {
    if n == 0 || x.is_nan() {
        return f64::NAN;
    }
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let t = nf * x;
    let clip = |p: f64| p.clamp(0.0, 1.0);
    if t <= 1.0 {
        // Ruben-Gambino: 1/2n <= x <= 1/n.
        if t <= 0.5 {
            return 1.0;
        }
        let cdf = if n <= 140 {
            (1..=n).fold(1.0, |p, i| p * (i as f64 * (1.0 / nf) * (2.0 * t - 1.0)))
        } else {
            (log_nfactorial_div_n_pow_n(nf) + nf * (2.0 * t - 1.0).ln()).exp()
        };
        return clip(1.0 - cdf);
    }
    if t >= nf - 1.0 {
        return clip(2.0 * (1.0 - x).powf(nf));
    }
    if x >= 0.5 {
        return clip(2.0 * smirnov(n, x));
    }
    let nx2 = t * x;
    if n <= 140 {
        if nx2 <= 4.0 {
            // SciPy: Durbin-MTW up to 0.754693, Pomeranz up to 4; both exact.
            return clip(1.0 - durbin_mtw_cdf(n, x));
        }
        return clip(2.0 * smirnov(n, x));
    }
    if nx2 >= 370.0 {
        return 0.0;
    }
    if nx2 >= 2.2 {
        return clip(2.0 * smirnov(n, x));
    }
    let cdf = if nx2 >= 18.0 {
        1.0
    } else if n <= 100_000 && nf * x.powf(1.5) <= 1.4 {
        durbin_mtw_cdf(n, x)
    } else {
        pelz_good_cdf(n, x)
    };
    clip(1.0 - cdf)
}

/// log(n! / n^n) by Stirling's series (SciPy's `_log_nfactorial_div_n_pow_n`).
fn log_nfactorial_div_n_pow_n(n: f64) -> f64 {
    #[allow(clippy::excessive_precision)] // SciPy's constants as written there
    const STIRLING: [f64; 8] = [
        -2.955065359477124183e-2,
        6.4102564102564102564e-3,
        -1.9175269175269175269e-3,
        8.4175084175084175084e-4,
        -5.952380952380952381e-4,
        7.9365079365079365079e-4,
        -2.7777777777777777778e-3,
        8.3333333333333333333e-2,
    ];
    let rn = 1.0 / n;
    let x = rn / n;
    let poly = STIRLING.iter().fold(0.0, |acc, &c| acc * x + c);
    n.ln() / 2.0 - n + (2.0 * std::f64::consts::PI).ln() / 2.0 + rn * poly
}

/// One-sided Smirnov survival Pr(D_n^+ >= d) by the Birnbaum-Tingey sum,
/// d Σ_{j=0}^{⌊n(1-d)⌋} C(n, j) (d + j/n)^(j-1) (1 - d - j/n)^(n-j), its terms in logs
/// (all terms are positive, so the sum is well conditioned).
pub fn smirnov(n: u64, d: f64) -> f64 {
    if d <= 0.0 {
        return 1.0;
    }
    if d >= 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    let last = (nf * (1.0 - d)).floor() as u64;
    let mut terms = Vec::with_capacity(last as usize + 1);
    for j in 0..=last.min(n) {
        let jf = j as f64;
        let rest = 1.0 - d - jf / nf;
        if rest <= 0.0 && n > j {
            continue;
        }
        let mut t =
            statrs::function::factorial::ln_binomial(n, j) + (jf - 1.0) * (d + jf / nf).ln();
        if n > j {
            t += (nf - jf) * rest.ln();
        }
        terms.push(t);
    }
    let Some(top) = terms.iter().copied().reduce(f64::max) else {
        return 0.0;
    };
    let sum: f64 = terms.iter().map(|t| (t - top).exp()).sum();
    (d.ln() + top + sum.ln()).exp().clamp(0.0, 1.0)
}

/// Pr(D_n <= d) by Durbin's matrix (Marsaglia, Tsang and Wang): the k-th diagonal entry of
/// (n!/n^n) H^n, scaling as it goes (SciPy's `_kolmogn_DMTW`).
fn durbin_mtw_cdf(n: u64, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nd = n as f64 * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut v: Vec<f64> = (1..=m).map(|i| 1.0 - h.powi(i as i32)).collect();
    let mut w = vec![0.0; m];
    let mut fac = 1.0;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] *= fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powi(m as i32) - 2.0 * h.powi(m as i32);
    v[m - 1] = (1.0 + tt) * fac;
    let mut hm = vec![0.0; m * m];
    for i in 1..m {
        for r in (i - 1)..m {
            hm[r * m + i] = w[r - (i - 1)];
        }
    }
    for r in 0..m {
        hm[r * m] = v[r];
    }
    for c in 0..m {
        hm[(m - 1) * m + c] = v[m - 1 - c];
    }
    let matmul = |x: &[f64], y: &[f64]| {
        let mut out = vec![0.0; m * m];
        for r in 0..m {
            for kk in 0..m {
                let a = x[r * m + kk];
                if a == 0.0 {
                    continue;
                }
                for c in 0..m {
                    out[r * m + c] += a * y[kk * m + c];
                }
            }
        }
        out
    };
    const E128: i32 = 128;
    let ep128 = 2f64.powi(E128);
    let em128 = 2f64.powi(-E128);
    let mut pwr = vec![0.0; m * m];
    for r in 0..m {
        pwr[r * m + r] = 1.0;
    }
    let (mut nn, mut expnt, mut hexpnt) = (n, 0i32, 0i32);
    while nn > 0 {
        if nn % 2 == 1 {
            pwr = matmul(&pwr, &hm);
            expnt += hexpnt;
        }
        hm = matmul(&hm, &hm);
        hexpnt *= 2;
        if hm[(k - 1) * m + (k - 1)].abs() > ep128 {
            for x in hm.iter_mut() {
                *x /= ep128;
            }
            hexpnt += E128;
        }
        nn /= 2;
    }
    let mut p = pwr[(k - 1) * m + (k - 1)];
    for i in 1..=n {
        p = i as f64 * p / n as f64;
        if p.abs() < em128 {
            p *= ep128;
            expnt -= E128;
        }
    }
    if expnt != 0 {
        p *= 2f64.powi(expnt);
    }
    p.clamp(0.0, 1.0)
}

/// The Pelz-Good approximation to Pr(D_n <= x) (SciPy's `_kolmogn_PelzGood`).
fn pelz_good_cdf(n: u64, x: f64) -> f64 {
    use std::f64::consts::PI;
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let nf = n as f64;
    let z = nf.sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z.powi(3), z.powi(4), z.powi(6));
    let qlog = -PI * PI / 8.0 / z2;
    if qlog < -708.0 {
        return 0.0;
    }
    let q = qlog.exp();
    let (pi2, pi4, pi6) = (PI * PI, PI.powi(4), PI.powi(6));
    let k1a = -z2;
    let k1b = pi2 / 4.0;
    let k2a = 6.0 * z6 + 2.0 * z4;
    let k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut k = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    for kk in (1..=maxk).rev() {
        let m = (2 * kk - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let qpower = q.powf(8.0 * kk as f64);
        let coeffs = [
            1.0,
            k1a + k1b * m2,
            k2a + k2b * m2 + k2c * m4,
            k3a + k3b * m2 + k3c * m4 + k3d * m6,
        ];
        for (s, c) in k.iter_mut().zip(coeffs) {
            *s = *s * qpower + c;
        }
    }
    let sqrt2pi = (2.0 * PI).sqrt();
    let div = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for (s, dv) in k.iter_mut().zip(div) {
        *s = *s * q * sqrt2pi / dv;
    }
    let q2 = (-pi2 / 2.0 / z2).exp();
    let sqrt3z = 3f64.sqrt() * z;
    let (mut k2extra, mut k3extra) = (0.0, 0.0);
    for kk in (1..=maxk).rev() {
        let kf = kk as f64;
        let ks2 = kf * kf;
        let qp = q2.powf(ks2);
        k2extra += ks2 * qp;
        let kspi = PI * kf;
        k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
    }
    k[2] += k2extra * pi2 * sqrt2pi / (-36.0 * z3);
    k[3] += k3extra * pi2 * sqrt2pi / (216.0 * z6);
    for (i, s) in k.iter_mut().enumerate() {
        *s /= nf.powf(i as f64 / 2.0);
    }
    k.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_samples_have_no_distance() {
        let a = [1.0, 2.0, 3.0, 4.0];
        let r = ks_2samp(&a, &a).unwrap();
        assert_eq!(r.statistic, 0.0);
        assert_eq!(r.p_value, 1.0);
        assert!(r.exact);
    }

    #[test]
    fn disjoint_samples_reach_one() {
        let r = ks_2samp(&[1.0, 2.0, 3.0], &[10.0, 11.0, 12.0, 13.0]).unwrap();
        assert_eq!(r.statistic, 1.0);
        // SciPy: ks_2samp([1,2,3],[10,11,12,13]).pvalue == 0.05714285714285714
        assert!(
            (r.p_value - 0.05714285714285714).abs() < 1e-15,
            "{}",
            r.p_value
        );
        let sq = ks_2samp(&[1.0, 2.0, 3.0], &[10.0, 11.0, 12.0]).unwrap();
        // 2 / C(6, 3)
        assert!((sq.p_value - 0.1).abs() < 1e-15, "{}", sq.p_value);
    }

    #[test]
    fn empty_sample_has_no_test() {
        assert!(ks_2samp(&[], &[1.0]).is_none());
    }

    #[test]
    fn kolmogorov_limits() {
        assert_eq!(kolmogorov_sf(10, 0.0), 1.0);
        assert_eq!(kolmogorov_sf(10, 1.0), 0.0);
        // Sf decreases with x.
        let mut last = 1.0;
        for i in 1..100 {
            let p = kolmogorov_sf(500, i as f64 / 200.0);
            assert!(p <= last + 1e-12, "{i}: {p} > {last}");
            last = p;
        }
    }
}
