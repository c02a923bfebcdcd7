//! Regularised weighted least squares on a small dense design.
//!
//! Hand-written rather than nalgebra: the system is at most a few dozen unknowns, the
//! whole solver is a Gram product and a Cholesky factorisation, and keeping it here spares
//! the page a large dependency. The Gram product is the hot loop of a fit, so it works on
//! contiguous columns and skips the leading zeros of changepoint hinges.

/// A design matrix stored by columns; column `j` is zero before row `start[j]`.
pub(crate) struct Design {
    /// Rows.
    pub n: usize,
    /// Columns, each of length `n`.
    pub cols: Vec<Vec<f64>>,
    /// First row where each column may be nonzero (rows are in time order).
    pub start: Vec<usize>,
}

impl Design {
    pub fn p(&self) -> usize {
        self.cols.len()
    }

    /// Fitted values `X β`.
    pub fn apply(&self, beta: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.n];
        for ((col, &s), &b) in self.cols.iter().zip(&self.start).zip(beta) {
            if b == 0.0 {
                continue;
            }
            for (o, x) in out[s..].iter_mut().zip(&col[s..]) {
                *o += b * x;
            }
        }
        out
    }
}

/// Dot product with four independent accumulators, so the compiler can keep several
/// multiply-adds in flight (a single running sum serialises on its own latency).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// The unweighted normal equations `XᵀX`, `Xᵀy`, computed once per fit. Reweighting
/// rounds then subtract only the rows whose weight dropped below 1 (a few percent of
/// them), instead of recomputing the whole product each round.
pub(crate) struct NormalEq {
    p: usize,
    gram: Vec<f64>,
    xty: Vec<f64>,
}

impl NormalEq {
    /// `XᵀX` (upper triangle) and `Xᵀy`.
    pub fn new(design: &Design, y: &[f64]) -> NormalEq {
        let p = design.p();
        let mut gram = vec![0.0; p * p];
        let mut xty = vec![0.0; p];
        for a in 0..p {
            let sa = design.start[a];
            xty[a] = dot(&design.cols[a][sa..], &y[sa..]);
            for b in a..p {
                let s = sa.max(design.start[b]);
                gram[a * p + b] = dot(&design.cols[a][s..], &design.cols[b][s..]);
            }
        }
        NormalEq { p, gram, xty }
    }

    /// Minimises `Σ wᵢ (yᵢ − xᵢβ)² + Σ penaltyⱼ βⱼ²` for weights in [0, 1]; None when
    /// the system is singular even with the penalty (only with non-finite input).
    pub fn solve(
        &self,
        design: &Design,
        y: &[f64],
        w: &[f64],
        penalty: &[f64],
    ) -> Option<Vec<f64>> {
        let p = self.p;
        let mut g = self.gram.clone();
        let mut rhs = self.xty.clone();
        let mut row = vec![0.0; p];
        for (i, &wi) in w.iter().enumerate() {
            if wi >= 1.0 {
                continue;
            }
            let c = 1.0 - wi;
            for (r, col) in row.iter_mut().zip(&design.cols) {
                *r = col[i];
            }
            for a in 0..p {
                let ca = c * row[a];
                if ca == 0.0 {
                    continue;
                }
                rhs[a] -= ca * y[i];
                for b in a..p {
                    g[a * p + b] -= ca * row[b];
                }
            }
        }
        for a in 0..p {
            g[a * p + a] += penalty[a];
            for b in a + 1..p {
                g[b * p + a] = g[a * p + b];
            }
        }
        cholesky_solve(&mut g, &mut rhs, p)?;
        Some(rhs)
    }
}

/// One-shot weighted ridge solve (see [`NormalEq::solve`]).
#[cfg(test)]
pub(crate) fn ridge(design: &Design, y: &[f64], w: &[f64], penalty: &[f64]) -> Option<Vec<f64>> {
    NormalEq::new(design, y).solve(design, y, w, penalty)
}

/// Solves `G x = rhs` in place for a symmetric positive definite `G` (row-major p×p).
fn cholesky_solve(g: &mut [f64], rhs: &mut [f64], p: usize) -> Option<()> {
    for j in 0..p {
        let mut d = g[j * p + j];
        for k in 0..j {
            d -= g[j * p + k] * g[j * p + k];
        }
        if !(d > 0.0) || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        g[j * p + j] = d;
        for i in j + 1..p {
            let mut s = g[i * p + j];
            for k in 0..j {
                s -= g[i * p + k] * g[j * p + k];
            }
            g[i * p + j] = s / d;
        }
    }
    for i in 0..p {
        let mut s = rhs[i];
        for k in 0..i {
            s -= g[i * p + k] * rhs[k];
        }
        rhs[i] = s / g[i * p + i];
    }
    for i in (0..p).rev() {
        let mut s = rhs[i];
        for k in i + 1..p {
            s -= g[k * p + i] * rhs[k];
        }
        rhs[i] = s / g[i * p + i];
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_exact_coefficients_without_penalty() {
        let n = 50;
        let x1: Vec<f64> = (0..n).map(|i| i as f64 / n as f64).collect();
        let x2: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.3).sin()).collect();
        let y: Vec<f64> = (0..n).map(|i| 2.0 + 3.0 * x1[i] - 1.5 * x2[i]).collect();
        let d = Design {
            n,
            cols: vec![vec![1.0; n], x1, x2],
            start: vec![0, 0, 0],
        };
        let b = ridge(&d, &y, &vec![1.0; n], &[0.0; 3]).unwrap();
        for (got, want) in b.iter().zip([2.0, 3.0, -1.5]) {
            assert!((got - want).abs() < 1e-9, "{b:?}");
        }
        // A row with weight 0 is as if absent, however wrong it is.
        let mut y2 = y.clone();
        y2[7] += 1e6;
        let mut w = vec![1.0; n];
        w[7] = 0.0;
        let b = ridge(&d, &y2, &w, &[0.0; 3]).unwrap();
        for (got, want) in b.iter().zip([2.0, 3.0, -1.5]) {
            assert!((got - want).abs() < 1e-6, "{b:?}");
        }
    }
}
