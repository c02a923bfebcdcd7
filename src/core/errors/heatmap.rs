//! What the Errors heatmap draws: one row per code, one column per closed bin, a signed
//! value per cell (candidate minus baseline, or the log₂ rate ratio), and beside the rows
//! each code's totals with the rate ratio and its interval. Plot-ready, so the chart only
//! maps values to colours.

use super::aggregate::Bin;
use super::alerts::{is_new_code, new_code_text, rate_ratio};

/// What a cell's colour shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum HeatMode {
    /// Candidate count minus baseline count in the bin.
    #[default]
    Difference,
    /// log₂ of the bin's rate ratio (c + ½) / (b + ½): +1 is twice as many in the candidate.
    Ratio,
}

/// The ratio colour scale saturates at 8× either way (log₂ = 3).
pub const RATIO_SCALE_LOG2: f64 = 3.0;

/// The grid of cells behind the heatmap.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatGrid {
    /// What the values are.
    pub mode: HeatMode,
    /// Code ids, top row first.
    pub codes: Vec<u32>,
    /// Start second of each column (bin).
    pub starts: Vec<i64>,
    /// Bin width in seconds.
    pub bin_seconds: i64,
    /// Row-major values (`codes.len()` rows × `starts.len()` columns); NaN where neither
    /// build had an event of the code in the bin.
    pub values: Vec<f64>,
    /// Row-major `[baseline, candidate]` counts, for hover text.
    pub counts: Vec<[u32; 2]>,
    /// The |value| that gets the fullest colour; always positive.
    pub scale: f64,
}

impl HeatGrid {
    /// Number of rows (codes).
    pub fn rows(&self) -> usize {
        self.codes.len()
    }

    /// Number of columns (bins).
    pub fn cols(&self) -> usize {
        self.starts.len()
    }

    /// The value of a cell (NaN when the cell is empty or out of range).
    pub fn value(&self, row: usize, col: usize) -> f64 {
        if row < self.rows() && col < self.cols() {
            self.values[row * self.cols() + col]
        } else {
            f64::NAN
        }
    }

    /// `[baseline, candidate]` counts of a cell.
    pub fn count(&self, row: usize, col: usize) -> [u32; 2] {
        if row < self.rows() && col < self.cols() {
            self.counts[row * self.cols() + col]
        } else {
            [0, 0]
        }
    }
}

/// Display order of codes: integer labels ascending by value, then other labels
/// alphabetically, so `-3, -2, -1, 0, 1, 2, …, 10` reads as a ruler.
pub fn row_order(codes: &[String]) -> Vec<u32> {
    let mut ids: Vec<u32> = (0..codes.len() as u32).collect();
    ids.sort_by(|&a, &b| {
        let (la, lb) = (&codes[a as usize], &codes[b as usize]);
        match (la.trim().parse::<i64>(), lb.trim().parse::<i64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            (Ok(_), Err(_)) => std::cmp::Ordering::Less,
            (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
            (Err(_), Err(_)) => la.cmp(lb),
        }
    });
    ids
}

/// The grid of `bins` for the codes in `order` (see [`row_order`]).
pub fn heat_grid(bins: &[Bin], order: &[u32], bin_seconds: u32, mode: HeatMode) -> HeatGrid {
    let cols = bins.len();
    let mut values = Vec::with_capacity(order.len() * cols);
    let mut counts = Vec::with_capacity(order.len() * cols);
    let mut max_abs: f64 = 0.0;
    for &code in order {
        for bin in bins {
            let [b, c] = bin.count(code);
            counts.push([b, c]);
            let v = if b == 0 && c == 0 {
                f64::NAN
            } else {
                match mode {
                    HeatMode::Difference => f64::from(c) - f64::from(b),
                    HeatMode::Ratio => ((f64::from(c) + 0.5) / (f64::from(b) + 0.5)).log2(),
                }
            };
            if v.is_finite() {
                max_abs = max_abs.max(v.abs());
            }
            values.push(v);
        }
    }
    let scale = match mode {
        // A difference of one event is the smallest that means anything. Rounded up to 1,
        // 2 or 5 × 10ⁿ: while a stream plays the largest difference grows bin by bin, and
        // a scale that followed it exactly would recolour every cell at every bin.
        HeatMode::Difference => nice_ceil(max_abs.max(1.0)),
        HeatMode::Ratio => RATIO_SCALE_LOG2,
    };
    HeatGrid {
        mode,
        codes: order.to_vec(),
        starts: bins.iter().map(|b| b.start_s).collect(),
        bin_seconds: i64::from(bin_seconds),
        values,
        counts,
        scale,
    }
}

/// The difference scale of a whole replayed file: its largest |candidate − baseline| in any
/// code and bin (bins of `bin_seconds` from second 0, as the engine closes them), and at
/// least one. Set before the replay plays, the colours of a cell never change while the
/// stream grows: the same difference reads the same at 0:05 and at 0:55.
///
/// ```
/// use pipescope::core::errors::heatmap::file_difference_scale;
/// use pipescope::core::event::ErrorEvent;
/// let ev = |t_ms, build| ErrorEvent { t_ms, build, code: 0 };
/// // Bin 0: three in the candidate (build 1), none in the baseline: a scale of 3.
/// let events = [ev(0, 1), ev(1_000, 1), ev(2_000, 1), ev(6_000, 0)];
/// assert_eq!(file_difference_scale(&events, 0, 1, 5), 3.0);
/// ```
pub fn file_difference_scale(
    events: &[crate::core::event::ErrorEvent],
    baseline: u32,
    candidate: u32,
    bin_seconds: u32,
) -> f64 {
    let b = i64::from(bin_seconds.max(1));
    let mut cells: std::collections::HashMap<(u32, i64), i64> = std::collections::HashMap::new();
    for e in events {
        let side = if e.build == candidate {
            1
        } else if e.build == baseline {
            -1
        } else {
            continue;
        };
        *cells
            .entry((e.code, e.t_ms.div_euclid(1000).div_euclid(b)))
            .or_default() += side;
    }
    let max = cells.values().map(|d| d.unsigned_abs()).max().unwrap_or(0);
    (max as f64).max(1.0)
}

/// The smallest of 1, 2 and 5 × 10ⁿ at or above `x` (≥ 1).
fn nice_ceil(x: f64) -> f64 {
    let mut step = 1.0;
    loop {
        for m in [1.0, 2.0, 5.0] {
            if m * step >= x {
                return m * step;
            }
        }
        step *= 10.0;
    }
}

/// One code's totals beside its heatmap row.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeTotals {
    /// Code id.
    pub code: u32,
    /// Baseline events so far.
    pub baseline: u64,
    /// Candidate events so far.
    pub candidate: u64,
    /// Rate ratio candidate / baseline (Haldane-corrected, finite when one side is 0).
    pub ratio: f64,
    /// Lower end of its 95% interval.
    pub ci_low: f64,
    /// Upper end of its 95% interval; None when unbounded (no baseline events).
    pub ci_high: Option<f64>,
}

impl CodeTotals {
    /// The candidate raised the code and the baseline never did.
    pub fn is_new(&self) -> bool {
        is_new_code(self.baseline, self.candidate)
    }

    /// The candidate has more of the code with 95% confidence (a new code too, once it has
    /// enough events to say so).
    pub fn raised(&self) -> bool {
        self.ci_low > 1.0
    }

    /// What the row's summary reads: `new: 0 → 1,352` for a new code, else the ratio with
    /// its interval, `1.52 [1.31, 1.77]` (`∞` for an open upper end).
    pub fn summary(&self) -> String {
        if self.is_new() {
            return new_code_text(self.candidate);
        }
        let high = self.ci_high.map_or("∞".to_string(), ratio_text);
        format!(
            "{} [{}, {high}]",
            ratio_text(self.ratio),
            ratio_text(self.ci_low)
        )
    }
}

/// A ratio with two significant decimals, short for large values.
pub fn ratio_text(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}")
    } else if r >= 10.0 {
        format!("{r:.1}")
    } else {
        format!("{r:.2}")
    }
}

/// Totals and rate ratio of each code in `order`, from the engine's running totals.
pub fn code_totals(totals: &[[u64; 2]], order: &[u32]) -> Vec<CodeTotals> {
    order
        .iter()
        .map(|&code| {
            let [baseline, candidate] = totals.get(code as usize).copied().unwrap_or([0, 0]);
            let (ratio, ci_low, ci_high) = rate_ratio(baseline, candidate);
            CodeTotals {
                code,
                baseline,
                candidate,
                ratio,
                ci_low,
                ci_high,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(start_s: i64, counts: &[[u32; 2]]) -> Bin {
        Bin {
            start_s,
            counts: counts.to_vec(),
        }
    }

    #[test]
    fn codes_read_as_a_ruler_then_labels() {
        let codes: Vec<String> = ["3", "-1", "E_TLS", "10", "0", "-12", "ABORT"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let order: Vec<&str> = row_order(&codes)
            .iter()
            .map(|&i| codes[i as usize].as_str())
            .collect();
        assert_eq!(order, ["-12", "-1", "0", "3", "10", "ABORT", "E_TLS"]);
    }

    #[test]
    fn cells_hold_signed_differences_and_empty_cells_are_nan() {
        let bins = [bin(0, &[[2, 5], [0, 0]]), bin(5, &[[4, 1]])];
        let g = heat_grid(&bins, &[0, 1], 5, HeatMode::Difference);
        assert_eq!((g.rows(), g.cols()), (2, 2));
        assert_eq!(g.value(0, 0), 3.0);
        assert_eq!(g.value(0, 1), -3.0);
        assert!(g.value(1, 0).is_nan() && g.value(1, 1).is_nan());
        assert_eq!(g.count(0, 1), [4, 1]);
        // 3 rounded up to the scale's next step, so a bin of 4 or 5 does not recolour.
        assert_eq!(g.scale, 5.0);
        assert_eq!(g.starts, [0, 5]);
    }

    #[test]
    fn the_difference_scale_moves_in_steps_as_the_stream_grows() {
        let steps: Vec<f64> = [1.0, 1.5, 2.0, 2.1, 4.9, 5.0, 7.0, 11.0, 40.0, 101.0]
            .map(nice_ceil)
            .to_vec();
        assert_eq!(
            steps,
            [1.0, 2.0, 2.0, 5.0, 5.0, 5.0, 10.0, 20.0, 50.0, 200.0]
        );
    }

    #[test]
    fn ratio_cells_are_log2_and_finite_for_new_codes() {
        let bins = [bin(0, &[[0, 7], [3, 3]])];
        let g = heat_grid(&bins, &[0, 1], 5, HeatMode::Ratio);
        assert!((g.value(0, 0) - (7.5f64 / 0.5).log2()).abs() < 1e-12);
        assert_eq!(g.value(1, 0), 0.0);
        assert_eq!(g.scale, RATIO_SCALE_LOG2);
    }

    #[test]
    fn new_codes_read_as_new_with_their_counts_not_as_a_ratio() {
        let t = code_totals(&[[0, 1352], [0, 0], [200, 300], [0, 1]], &[0, 1, 2, 3]);
        assert!(t[0].is_new() && t[0].raised());
        assert!(t[3].is_new() && !t[3].raised(), "one event says little");
        assert_eq!(t[3].summary(), "new: 0 → 1");
        assert_eq!(t[0].summary(), "new: 0 → 1,352");
        assert!(!t[1].is_new(), "no events at all is not a new code");
        assert!(!t[2].is_new());
        assert_eq!(t[2].summary(), "1.50 [1.25, 1.79]");
    }

    #[test]
    fn totals_carry_the_interval_of_the_ratio() {
        let t = code_totals(&[[100, 300], [0, 20]], &[1, 0]);
        assert_eq!(t[0].code, 1);
        assert!(
            t[0].ci_high.is_none(),
            "no baseline events: unbounded above"
        );
        assert!(
            t[1].ci_low > 2.0
                && t[1].ci_high.unwrap() < 4.0
                && (t[1].ratio - 300.5 / 100.5).abs() < 1e-12
        );
    }
}
