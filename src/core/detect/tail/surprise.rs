//! A window's surprise at a value. The surprise is `−log10 p` with p its two-sided tail
//! probability. Inside the window's range p is the empirical share of values at least as
//! extreme (ties count, so an integer count series is not surprised by a value it has
//! seen). Beyond the window's extreme the share `1/(n+1)` is extrapolated with a
//! generalised Pareto distribution fitted by moments to the excesses of the top
//! `TAIL_SHARE` of the window (peaks over threshold, as in Siffer et al. 2017, "Anomaly
//! detection in streams with extreme value theory"), so a value just past the record and
//! one ten spreads past it are told apart.

use super::TailWindow;

/// Share of the window whose excesses fit the tail beyond the record.
const TAIL_SHARE: f64 = 0.02;
/// Excesses the tail fit needs at least.
const TAIL_MIN: usize = 5;
/// Upper bound of the fitted shape: heavier tails than this are not extrapolated.
const SHAPE_MAX: f64 = 0.5;

/// Values the tail fit takes from a window of n, or None when n is too small to fit one.
fn tail_count(n: usize) -> Option<usize> {
    (n > TAIL_MIN).then(|| {
        ((TAIL_SHARE * n as f64).ceil() as usize)
            .max(TAIL_MIN)
            .min(n - 1)
    })
}

impl TailWindow {
    /// The typical size of the values (of errors, say) without the `excluded` ones: half
    /// their interquartile range plus the distance of their median from 0 (∞ when nothing
    /// is left, so an empty window never looks better than a held one).
    pub fn typical_excluding(&self, excluded: &[f64]) -> f64 {
        let n = self.len().saturating_sub(excluded.len());
        if n == 0 {
            return f64::INFINITY;
        }
        // A few excluded values are counted where they lie; many are sorted once.
        let sorted: Vec<f64> = if excluded.len() > 32 {
            let mut ex = excluded.to_vec();
            ex.sort_by(f64::total_cmp);
            ex
        } else {
            Vec::new()
        };
        let at_or_below = |v: f64| -> usize {
            if excluded.len() > 32 {
                sorted.partition_point(|&e| e <= v)
            } else {
                excluded.iter().filter(|&&e| e <= v).count()
            }
        };
        // The k-th smallest value left: the smallest held rank j with j − (excluded at or
        // below get(j)) ≥ k. That difference grows by at most 1 a rank, so while it falls
        // d short, the next d − 1 ranks fall short too and are skipped.
        let kth = |k: usize| -> f64 {
            let mut j = k;
            loop {
                let Some(v) = self.get(j) else {
                    return self.get(self.len() - 1).unwrap_or(0.0);
                };
                let below = at_or_below(v);
                if j >= below && j - below >= k || j + 1 >= self.len() {
                    return v;
                }
                j = (j + (k + below - j)).min(self.len() - 1);
            }
        };
        let q = |p: f64| kth(((p * (n - 1) as f64).round() as usize).min(n - 1));
        (q(0.75) - q(0.25)) / 2.0 + q(0.5).abs()
    }

    /// Surprise of x, `−log10` of its two-sided tail probability (0 for an empty window).
    pub fn surprise(&self, x: f64) -> f64 {
        let n = self.len();
        let Some((min, max)) = self.extremes() else {
            return 0.0;
        };
        let tail = if x > max {
            self.upper_p(x)
        } else if x < min {
            self.lower_p(x)
        } else {
            // Inside the range: empirical shares, ties counted on both sides.
            let (below, at_most) = self.ranks(x);
            let (up, lo) = (n - below, at_most);
            (up.min(lo) as f64 + 1.0) / (n as f64 + 1.0)
        };
        -(2.0 * tail).min(1.0).log10()
    }

    /// Surprise of x against the window without the `excluded` values (a handful, each
    /// one held by the window: anomalies that stay out of the reference).
    pub fn surprise_excluding(&self, x: f64, excluded: &[f64]) -> f64 {
        if excluded.is_empty() {
            return self.surprise(x);
        }
        let (below, at_most) = self.ranks(x);
        let upper = self.tail_p_excluding(x, excluded, false, self.len() - below);
        let lower = self.tail_p_excluding(x, excluded, true, at_most);
        -(2.0 * upper.min(lower)).min(1.0).log10()
    }

    /// P(value ≥ x) (`low`: P(value ≤ x)) without the excluded values, given the values
    /// held at or beyond x.
    fn tail_p_excluding(&self, x: f64, excluded: &[f64], low: bool, held: usize) -> f64 {
        let n = self.len();
        let outer = |v: f64| if low { v <= x } else { v >= x };
        let dropped = excluded.iter().filter(|&&v| outer(v)).count();
        let m = excluded.len().min(n);
        let n2 = n - m;
        let c = held.saturating_sub(dropped);
        if c > 0 || n2 == 0 {
            return (c as f64 + 1.0) / (n2 as f64 + 1.0);
        }
        // Beyond the record of what is left: walk in from the extreme, skipping excluded
        // values, for the tail's own values.
        let Some(k) = tail_count(n2) else {
            return 1.0 / (n2 as f64 + 1.0);
        };
        let mut skip: Vec<f64> = excluded.to_vec();
        let mut top = Vec::with_capacity(k + 1);
        for j in 0..n {
            let i = if low { j } else { n - 1 - j };
            let Some(v) = self.get(i) else { break };
            if let Some(pos) = skip.iter().position(|&e| e == v) {
                skip.swap_remove(pos);
                continue;
            }
            top.push(if low { -v } else { v });
            if top.len() > k {
                break;
            }
        }
        let (Some(&record), Some(&u)) = (top.first(), top.last()) else {
            return 1.0 / (n2 as f64 + 1.0);
        };
        let xs = if low { -x } else { x };
        let excesses = top[..top.len() - 1].iter().map(|v| v - u);
        let spread = self.spread();
        (self.beyond_record(excesses, xs - u, record - u, spread) / (n2 as f64 + 1.0)).max(1e-300)
    }

    /// Surprise of x as a high value only (one-sided).
    pub fn upper_surprise(&self, x: f64) -> f64 {
        -self.upper_p(x).log10()
    }

    /// P(value ≥ x) under the window's distribution with a fitted upper tail.
    pub fn upper_p(&self, x: f64) -> f64 {
        let n = self.len();
        if n == 0 {
            return 1.0;
        }
        let max = self.get(n - 1).unwrap_or(x);
        if x <= max {
            let c = n - self.count_below(x);
            return (c as f64 + 1.0) / (n as f64 + 1.0);
        }
        let Some(k) = tail_count(n) else {
            return 1.0 / (n as f64 + 1.0);
        };
        let u = self.get(n - 1 - k).unwrap_or(max);
        let excesses = self.top(k).map(|v| v - u);
        let spread = self.spread();
        (self.beyond_record(excesses, x - u, max - u, spread) / (n as f64 + 1.0)).max(1e-300)
    }

    /// P(value ≤ x), mirrored.
    pub fn lower_p(&self, x: f64) -> f64 {
        let n = self.len();
        if n == 0 {
            return 1.0;
        }
        let min = self.get(0).unwrap_or(x);
        if x >= min {
            let c = self.count_at_most(x);
            return (c as f64 + 1.0) / (n as f64 + 1.0);
        }
        let Some(k) = tail_count(n) else {
            return 1.0 / (n as f64 + 1.0);
        };
        let u = self.get(k).unwrap_or(min);
        let excesses = self.bottom(k).map(|v| u - v);
        let spread = self.spread();
        (self.beyond_record(excesses, u - x, u - min, spread) / (n as f64 + 1.0)).max(1e-300)
    }

    /// Inter-decile range, the floor of the tail's scale (so a tail of ties does not make
    /// every new value infinitely surprising).
    fn spread(&self) -> f64 {
        let n = self.len();
        let lo = self.get(n / 10).unwrap_or(0.0);
        let hi = self.get(n - 1 - n / 10).unwrap_or(0.0);
        let mid = self.get(n / 2).unwrap_or(0.0);
        ((hi - lo) * 0.05).max(mid.abs() * 1e-9).max(1e-12)
    }

    /// `sf(e)/sf(record)` of a GPD fitted by moments to `excesses`: how much rarer than the
    /// record an excess of `e` is.
    fn beyond_record(
        &self,
        excesses: impl Iterator<Item = f64>,
        e: f64,
        record: f64,
        floor: f64,
    ) -> f64 {
        let (mut k, mut m, mut m2) = (0.0, 0.0, 0.0);
        for v in excesses {
            k += 1.0;
            m += v;
            m2 += v * v;
        }
        if k == 0.0 {
            return 1.0;
        }
        m /= k;
        let var = (m2 / k - m * m).max(0.0);
        let (shape, scale) = if var > 0.0 && m > 0.0 {
            let r = m * m / var;
            let g = (0.5 * (1.0 - r)).clamp(0.0, SHAPE_MAX);
            (g, (m * (1.0 - g)).max(floor))
        } else {
            (0.0, m.max(floor))
        };
        let sf = |e: f64| {
            if shape < 1e-9 {
                (-e / scale).exp()
            } else {
                (1.0 + shape * e / scale).powf(-1.0 / shape)
            }
        };
        (sf(e) / sf(record)).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_far_out_is_rarer_than_one_just_past() {
        let mut w = TailWindow::new(1000);
        for i in 0..1000 {
            w.push(((i * 7919) % 101) as f64);
        }
        let near = w.surprise(101.0);
        let far = w.surprise(300.0);
        let inside = w.surprise(50.0);
        assert!(inside < 0.5, "{inside}");
        assert!(near > 2.5 && near < 3.5, "{near}");
        assert!(far > near + 3.0, "{far} vs {near}");
    }

    #[test]
    fn excluded_values_are_as_if_never_held() {
        let mut a = TailWindow::new(1000);
        let mut b = TailWindow::new(1000);
        for i in 0..900 {
            let v = ((i * 7919) % 101) as f64;
            a.push(v);
            b.push(v);
        }
        let excluded = [150.0, 160.0, -40.0];
        for v in excluded {
            b.push(v);
        }
        for x in [
            -80.0, -5.0, 0.0, 40.0, 100.0, 120.0, 150.0, 155.0, 170.0, 400.0,
        ] {
            let (sa, sb) = (a.surprise(x), b.surprise_excluding(x, &excluded));
            // Beyond the record the tail's scale floor still sees the whole window.
            let tol = if (0.0..=100.0).contains(&x) {
                1e-9
            } else {
                0.05 * sa
            };
            assert!((sa - sb).abs() < tol, "{x}: {sa} vs {sb}");
        }
        // Held, a spike like them is ordinary; excluded, it is far out.
        assert!(b.surprise(155.0) < 2.8);
        assert!(b.surprise_excluding(155.0, &excluded) > 5.0);
    }

    #[test]
    fn ties_are_not_surprising() {
        let mut w = TailWindow::new(500);
        for i in 0..500 {
            w.push(if i % 50 == 0 { 3.0 } else { 0.0 });
        }
        assert!(w.surprise(0.0) < 0.1);
        assert!(w.surprise(3.0) < 2.0);
    }
}
