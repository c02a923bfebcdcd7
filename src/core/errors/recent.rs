//! `rate-test` on recent evidence (the default): per code, a Shiryaev–Roberts e-detector of
//! a rise in the candidate's share of the code's events. It raises a rise soon after it
//! starts however late in the stream, because old balanced counts do not dilute it, and it
//! keeps the stream-start test of [`super::cumulative`] as one of its terms, so a regression
//! present from the start is raised no later than by that test.
//!
//! **Null.** Given how many events of a code arrive in each second, each is the candidate's
//! with probability ½, independently (equal users on both builds, equal rates, whatever the
//! common rate does over time). For a candidate share p, a second with a baseline and c
//! candidate events of the code has likelihood ratio L(p) = (2p)^c · (2(1−p))^a, whose null
//! mean is 1 given a + c.
//!
//! **Statistic.** Every `restart_seconds` (g) the detector starts a fresh test of the code:
//! at the first second with events of the code in each block of g seconds (blocks aligned to
//! multiples of g). The test started at second s has evidence Λ_s,t(p) = Π_{s≤u≤t} L_u(p).
//! The statistic is
//!
//! M_t = Σ_m w_m Σ_{starts s ≤ t} Λ_s,t(p_m)  +  v_k · Λ₀,t
//!
//! The first part sums the restarted tests (the Shiryaev–Roberts statistic) mixed over six
//! candidate shares p_m (rate ratios 1.5 to 30, weights w_m summing to 1); per share it is
//! the recursion R_m ← (R_m + [a test starts now]) · L(p_m), kept in log space. The second is
//! the stream-start test: Λ₀ = 2ⁿ · B(c+1, a+1) over all the code's events (uniform prior on
//! the share), weighted v_k = α · A · 6/(π² k²) for the k-th code discovered; it counts only
//! while the code's candidate total exceeds its baseline total (one-sided).
//!
//! **Alerts.** A code is raised when M reaches A (the level, A = 3600 / (g · F)). M itself
//! forgets a long rise slowly (its mildest share decays at 0.02 nats an event, and the
//! stream-start term keeps a cumulative excess), so the end of a rise is watched by its own
//! test: from the raise on, a CUSUM of the log likelihood ratio of share ½ against the
//! share p̂ of the alert's counts so far (clamped to the mixture's range),
//! W ← max(0, W + a · ln(½ / (1 − p̂)) + c · ln(½ / p̂)). The alert stops when W reaches ln A
//! (a rise that goes on crosses that by chance about once in A / KL events) or M falls
//! below √A; then M is reset to 0, the stream-start term included (a fresh watch).
//!
//! **Bound.** Under the null, each second moves M by a mean-zero step plus what it starts:
//! 1 per restarted test and v_k for the stream-start test, so M minus the starts is a
//! martingale. From a reset (M = 0) to a raise (M ≥ A) M must climb A, and on average only
//! starts pay for climbing; summing over the phases between resets and raises (optional
//! stopping), A · E[alerts raised] ≤ E[N] + Σ_k v_k ≤ E[N] + α · A. Over all codes and the
//! whole stream:
//!
//! **E[false alerts] ≤ α + N / A**, N = the number of (code, g-second block) pairs with at
//! least one event of the code (N ≤ the number of events).
//!
//! A code has at most 3600/g blocks per hour, so N / A ≤ F per code-hour of stream
//! (`--false-alarm-rate`, default 0.002): a stream of K codes over H hours expects at most
//! α + F·K·H false alerts, and by Markov's inequality that also bounds the probability of
//! any. Raising only when the candidate is ahead, and stopping whenever, only lowers it.

use serde::{Deserialize, Serialize};

use super::alerts::{rate_ratio, Alert, Method};
use super::mixture::{log_lambda, rank_share, LnFactorial};

/// Number of candidate shares in the mixture.
const K: usize = 6;

/// Rate ratios r = p / (1 − p) the mixture puts weight on (candidate share p = r / (1 + r)):
/// from a mild rise to a code the baseline (almost) never raises, about evenly in log r.
pub const RATIOS: [f64; K] = [1.5, 2.0, 3.0, 5.0, 10.0, 30.0];

/// Mixture weights of [`RATIOS`] (they sum to 1).
const WEIGHTS: [f64; K] = [1.0 / 6.0; K];

/// ln R of a test that holds no evidence (R = 0, after a reset): finite, so arithmetic
/// stays finite, and far below anything evidence reaches.
const LOG_ZERO: f64 = -1.0e300;

/// Default expected false alerts per code per hour of stream from the restarted tests.
pub const DEFAULT_FALSE_ALARM_RATE: f64 = 0.002;

/// Default seconds between fresh tests of a code.
pub const DEFAULT_RESTART_SECONDS: u32 = 10;

/// ln(1 + e^x), exact to f64 for the whole range.
fn softplus(x: f64) -> f64 {
    if x > 36.0 {
        x
    } else {
        x.exp().ln_1p()
    }
}

/// ln(e^x + e^y).
fn log_add(x: f64, y: f64) -> f64 {
    let (hi, lo) = if x > y { (x, y) } else { (y, x) };
    hi + softplus(lo - hi)
}

/// Per-code state: the statistic per share, where its dominant test started, and whether
/// the stream-start test still counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CodeWatch {
    /// ln R_m per share of [`RATIOS`].
    log_r: [f64; K],
    /// Per share: the CUSUM max(0, ·) of the log likelihood ratio, whose last zero is the
    /// most likely onset of a rise of that share; that second, and the totals before it.
    cusum: [f64; K],
    start_s: [i64; K],
    start_base: [[u64; 2]; K],
    /// Block (second / g) of the last test started.
    last_block: i64,
    /// The code's first second with events (where the stream-start test begins).
    first_s: i64,
    /// The stream-start test is part of M (until the first reset).
    head: bool,
    /// ln v_k, the stream-start test's weight for this code's discovery rank.
    log_head_weight: f64,
    /// Index of the open alert, and the totals its counts are measured from.
    open: Option<usize>,
    open_base: [u64; 2],
    /// Largest ln M while the alert is open.
    peak_log_m: f64,
    /// The end-of-rise CUSUM W while the alert is open.
    recovery: f64,
}

impl Default for CodeWatch {
    fn default() -> Self {
        CodeWatch {
            log_r: [LOG_ZERO; K],
            cusum: [0.0; K],
            start_s: [0; K],
            start_base: [[0, 0]; K],
            last_block: i64::MIN,
            first_s: i64::MIN,
            head: true,
            log_head_weight: LOG_ZERO,
            open: None,
            open_base: [0, 0],
            peak_log_m: LOG_ZERO,
            recovery: 0.0,
        }
    }
}

/// Which term of M carries most of it, which dates the alert and its counts.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Dominant {
    /// The stream-start test.
    Head,
    /// The restarted tests of this share.
    Share(usize),
}

/// The recent-evidence rate test over all codes (see the module doc).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentTest {
    /// ln A.
    log_level: f64,
    /// ln(α · A): the stream-start tests' total weight.
    log_head_budget: f64,
    restart_s: i64,
    /// ln(2p) and ln(2(1 − p)) per share, and ln w.
    ln_up: [f64; K],
    ln_down: [f64; K],
    ln_w: [f64; K],
    /// The candidate shares of the mildest and the strongest ratio of the mixture.
    share_range: (f64, f64),
    #[serde(skip)]
    ln_fact: LnFactorial,
    codes: Vec<CodeWatch>,
}

impl RecentTest {
    /// The level A = 3600 / (g · F) that keeps the restarted tests' expected false alerts at
    /// most `false_alarm_rate` (F) per code-hour with a fresh test every `restart_seconds` (g).
    pub fn level_for(false_alarm_rate: f64, restart_seconds: u32) -> f64 {
        3600.0 / (f64::from(restart_seconds.max(1)) * false_alarm_rate)
    }

    /// A test with at most `alpha` + `false_alarm_rate` × code-hours expected false alerts,
    /// starting a fresh test of each code every `restart_seconds`.
    pub fn new(alpha: f64, false_alarm_rate: f64, restart_seconds: u32) -> Self {
        let level = Self::level_for(false_alarm_rate, restart_seconds);
        let share = |r: f64| r / (1.0 + r);
        RecentTest {
            log_level: level.ln(),
            log_head_budget: alpha.ln() + level.ln(),
            restart_s: i64::from(restart_seconds.max(1)),
            ln_up: RATIOS.map(|r| (2.0 * share(r)).ln()),
            ln_down: RATIOS.map(|r| (2.0 * (1.0 - share(r))).ln()),
            ln_w: WEIGHTS.map(f64::ln),
            share_range: (share(RATIOS[0]), share(RATIOS[K - 1])),
            ln_fact: LnFactorial::new(),
            codes: Vec::new(),
        }
    }

    /// The level A an alert is raised at.
    pub fn level(&self) -> f64 {
        self.log_level.exp()
    }

    /// ln of the restarted tests' part of M, and the share carrying most of it.
    fn log_restarted(&self, st: &CodeWatch) -> (f64, usize) {
        let mut top = 0;
        for m in 1..K {
            if self.ln_w[m] + st.log_r[m] > self.ln_w[top] + st.log_r[top] {
                top = m;
            }
        }
        let max = self.ln_w[top] + st.log_r[top];
        let sum: f64 = (0..K)
            .map(|m| (self.ln_w[m] + st.log_r[m] - max).exp())
            .sum();
        (max + sum.ln(), top)
    }

    /// Fold the second `second` for `code`, the `rank`-th code discovered (0-based): `counts`
    /// is its `[baseline, candidate]` events in that second (some nonzero), `totals` its
    /// totals after it. Alerts are raised and stopped at the end of the second.
    pub fn update(
        &mut self,
        code: u32,
        rank: u32,
        counts: [u32; 2],
        totals: [u64; 2],
        second: i64,
        alerts: &mut Vec<Alert>,
    ) {
        let i = code as usize;
        if i >= self.codes.len() {
            self.codes.resize_with(i + 1, CodeWatch::default);
        }
        let (a, c) = (f64::from(counts[0]), f64::from(counts[1]));
        let block = second.div_euclid(self.restart_s);
        let st = &mut self.codes[i];
        if st.first_s == i64::MIN {
            st.first_s = second;
            st.log_head_weight = self.log_head_budget + rank_share(rank).ln();
        }
        let starts = block != st.last_block;
        st.last_block = block;
        let mut max_log_r = LOG_ZERO;
        for m in 0..K {
            let ll = c * self.ln_up[m] + a * self.ln_down[m];
            if st.cusum[m] <= 0.0 {
                // Nothing before this second favours a rise of this share: it may start here.
                st.start_s[m] = second;
                st.start_base[m] = [
                    totals[0] - u64::from(counts[0]),
                    totals[1] - u64::from(counts[1]),
                ];
            }
            st.cusum[m] = st.cusum[m].max(0.0) + ll;
            let lr = if starts {
                softplus(st.log_r[m]) + ll
            } else {
                st.log_r[m] + ll
            };
            st.log_r[m] = lr;
            max_log_r = max_log_r.max(lr);
        }
        // The stream-start term counts while it has not been reset and the candidate leads.
        let head_counts = st.head && totals[1] > totals[0];
        // M ≤ 2 · max(term) (the weights sum to 1), and ln Λ₀ ≤ n · KL(ĉ/n ‖ ½) ≤ (c − a)²/n
        // (the mixture is below its best share; KL below χ²): most seconds need no exact M.
        if st.open.is_none() {
            let head_bound = if head_counts {
                let (b, c) = (totals[0] as f64, totals[1] as f64);
                st.log_head_weight + (c - b) * (c - b) / (b + c)
            } else {
                LOG_ZERO
            };
            if max_log_r.max(head_bound) + std::f64::consts::LN_2 < self.log_level {
                return;
            }
        }
        let head = head_counts
            .then(|| st.log_head_weight + log_lambda(&self.ln_fact, totals[0], totals[1]));
        let st = &self.codes[i];
        let (log_restarted, top) = self.log_restarted(st);
        let (log_m, dominant) = match head {
            Some(h) => (
                log_add(h, log_restarted),
                if h > log_restarted {
                    Dominant::Head
                } else {
                    Dominant::Share(top)
                },
            ),
            None => (log_restarted, Dominant::Share(top)),
        };
        let now = second + 1;
        let level = self.log_level;
        let st = &mut self.codes[i];
        match st.open {
            None if log_m >= level => {
                // A code the baseline never raised is dated from its first event, so its
                // counts read "new: 0 → all of them".
                let (start_s, base) = match dominant {
                    Dominant::Share(m) if totals[0] > 0 => (st.start_s[m], st.start_base[m]),
                    _ => (st.first_s, [0, 0]),
                };
                st.open = Some(alerts.len());
                st.open_base = base;
                st.peak_log_m = log_m;
                st.recovery = 0.0;
                let (b, c) = (totals[0] - base[0], totals[1] - base[1]);
                let (value, lo, hi) = rate_ratio(b, c);
                alerts.push(Alert {
                    code,
                    method: Method::RateTest,
                    window_bins: None,
                    raised_at_s: now,
                    start_s,
                    stop_s: None,
                    value,
                    ci_low: Some(lo),
                    ci_high: hi,
                    p_value: Some(p_of(log_m)),
                    threshold: (-level).exp(),
                    baseline_count: b,
                    candidate_count: c,
                    samples: Vec::new(),
                });
            }
            None => {}
            Some(k) => {
                st.peak_log_m = st.peak_log_m.max(log_m);
                let base = st.open_base;
                let (b, c) = (totals[0] - base[0], totals[1] - base[1]);
                // The share the rise has had, from the alert's counts before this second.
                let (b0, c0) = (b - u64::from(counts[0]), c - u64::from(counts[1]));
                let (lo_share, hi_share) = self.share_range;
                let p = ((c0 as f64 + 0.5) / ((b0 + c0) as f64 + 1.0)).clamp(lo_share, hi_share);
                st.recovery = (st.recovery
                    + f64::from(counts[0]) * (0.5 / (1.0 - p)).ln()
                    + f64::from(counts[1]) * (0.5 / p).ln())
                .max(0.0);
                let (value, lo, hi) = rate_ratio(b, c);
                let al = &mut alerts[k];
                al.value = value;
                al.ci_low = Some(lo);
                al.ci_high = hi;
                al.p_value = Some(p_of(st.peak_log_m));
                al.baseline_count = b;
                al.candidate_count = c;
                if st.recovery >= level || log_m < level / 2.0 {
                    al.stop_s = Some(now);
                    // A fresh watch: the next alert must climb from 0 to A again, which is
                    // what the bound counts.
                    st.open = None;
                    st.log_r = [LOG_ZERO; K];
                    st.cusum = [0.0; K];
                    st.head = false;
                    st.peak_log_m = LOG_ZERO;
                }
            }
        }
    }
}

/// 1 / M as reported in `p_value`, within (0, 1].
fn p_of(log_m: f64) -> f64 {
    (-log_m).exp().clamp(f64::MIN_POSITIVE, 1.0)
}
