//! The simulated corpus: seeded simulator series with every injection kind at several
//! magnitudes and lengths, on the two default metrics and one of a very different scale,
//! plus clean series for the false-positive rate.
//!
//! Each faulty series is one metric alone (so its detector and incident engine see only
//! it), trained for the page's default 5 minutes, then [`CorpusConfig::windows_per_series`]
//! faults of one kind and variant, [`CorpusConfig::spacing_ms`] apart, each shifted by a
//! seeded jitter so faults land at different phases of the wave.

use serde::{Deserialize, Serialize};

use crate::core::detect::DetectConfig;
use crate::core::quality::{LabelledSeries, Window};
use crate::core::rng::SplitMix64;
use crate::core::simulator::{Injection, InjectionKind, MetricSpec, SimConfig, Simulator};

/// Size of the simulated corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusConfig {
    /// Seeds per (metric, kind, variant): series count = 3 metrics × 24 variants × seeds.
    pub seeds: u64,
    /// Faults per series.
    pub windows_per_series: usize,
    /// Stream time between fault starts (before jitter).
    pub spacing_ms: i64,
    /// Judged stream time of each clean series (after the 5 minutes of training).
    pub clean_ms: i64,
    /// Clean series per metric.
    pub clean_series: u64,
}

impl Default for CorpusConfig {
    fn default() -> Self {
        CorpusConfig {
            seeds: 4,
            windows_per_series: 4,
            // Far enough apart that the incident of one fault has resolved before the next.
            spacing_ms: 6 * 60_000,
            clean_ms: 60 * 60_000,
            clean_series: 4,
        }
    }
}

/// Stream time before the first fault: the detector's 5 minutes of training plus one.
pub const FIRST_FAULT_MS: i64 = 6 * 60_000;
/// Faults start up to this much after their slot, so they hit every phase of the waves.
pub const JITTER_MS: i64 = 60_000;

/// The metrics of the corpus: the simulator's two defaults and one of a very different
/// scale (a latency in seconds, range 0.018, a 72 s cycle, noise 1% of the range).
pub fn metrics() -> Vec<MetricSpec> {
    let mut m = SimConfig::default().metrics;
    m.push(MetricSpec::new(
        "request_latency_s",
        0.002,
        0.020,
        0.0005,
        0.00018,
    ));
    m
}

/// One fault variant: magnitude (× the metric's range) and length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Magnitude in units of the metric's range (see [`InjectionKind`]).
    pub magnitude: f64,
    /// Length in ms (a transient spike is always one tick).
    pub len_ms: i64,
}

impl Variant {
    /// How the report names it (`+0.50×range, 60 s`).
    pub fn label(&self, kind: InjectionKind) -> String {
        let len = format!("{} s", self.len_ms / 1000);
        match kind {
            InjectionKind::TransientSpike => format!("{:+.2}×range, 1 tick", self.magnitude),
            InjectionKind::DropToZero | InjectionKind::Gap => len,
            InjectionKind::NoiseBurst => format!("sd {:.2}×range, {len}", self.magnitude),
            _ => format!("{:+.2}×range, {len}", self.magnitude),
        }
    }
}

/// The four variants of each kind, from hard to easy. The first sits near the noise (every
/// corpus metric has noise of 1% of its range, so 0.03×range is 3 σ) to show where
/// detection stops; the others are plainly visible faults.
pub fn variants(kind: InjectionKind) -> Vec<Variant> {
    let v = |magnitude: f64, len_s: i64| Variant {
        magnitude,
        len_ms: len_s * 1000,
    };
    match kind {
        InjectionKind::TransientSpike => vec![v(0.03, 2), v(0.1, 2), v(0.3, 2), v(1.0, 2)],
        InjectionKind::ProlongedSpike => vec![v(0.04, 30), v(0.2, 10), v(0.5, 30), v(1.0, 60)],
        InjectionKind::LevelShift => vec![v(0.05, 120), v(0.2, 120), v(-0.3, 120), v(0.5, 120)],
        InjectionKind::DropToZero => vec![v(0.0, 4), v(0.0, 10), v(0.0, 30), v(0.0, 120)],
        InjectionKind::Gap => vec![v(0.0, 2), v(0.0, 10), v(0.0, 60), v(0.0, 240)],
        InjectionKind::NoiseBurst => vec![v(0.02, 60), v(0.05, 60), v(0.1, 60), v(0.2, 60)],
    }
}

/// Values of series 0 of `sim` at every tick in `[0, end_ms)`; ticks hidden by a gap are
/// left out, as the page's stream has no event for them.
pub(crate) fn sample(sim: &Simulator, end_ms: i64) -> (Vec<i64>, Vec<f64>) {
    let tick = sim.config().tick_ms;
    let mut times = Vec::new();
    let mut values = Vec::new();
    let mut t = 0;
    while t < end_ms {
        if let Some(v) = sim.value_at(0, t) {
            times.push(t);
            values.push(v);
        }
        t += tick;
    }
    (times, values)
}

pub(crate) fn seed_of(parts: &[u64]) -> u64 {
    parts
        .iter()
        .fold(0x5eed_u64, |h, &p| SplitMix64::new(h ^ p).next_u64())
}

/// The faulty series: every metric × kind × variant × seed.
pub fn faulty_series(config: &CorpusConfig) -> Vec<LabelledSeries> {
    let mut out = Vec::new();
    for (mi, metric) in metrics().into_iter().enumerate() {
        let sim_config = SimConfig {
            tick_ms: 2000,
            metrics: vec![metric.clone()],
        };
        for (ki, kind) in InjectionKind::ALL.into_iter().enumerate() {
            for (vi, variant) in variants(kind).into_iter().enumerate() {
                for s in 0..config.seeds {
                    let seed = seed_of(&[mi as u64, ki as u64, vi as u64, s]);
                    // The config is a constant known to be valid.
                    let Ok(mut sim) = Simulator::new(sim_config.clone(), seed) else {
                        continue;
                    };
                    let mut jitter = SplitMix64::new(seed ^ 0x6a17);
                    let mut windows = Vec::new();
                    for w in 0..config.windows_per_series {
                        let slot = FIRST_FAULT_MS + w as i64 * config.spacing_ms;
                        let start = slot + jitter.below((JITTER_MS / 2000) as u64) as i64 * 2000;
                        let injection = Injection {
                            kind,
                            series: 0,
                            start_ms: start,
                            len_ms: variant.len_ms,
                            magnitude: variant.magnitude,
                        };
                        if sim.inject(injection).is_err() {
                            continue;
                        }
                        // The simulator fixes a transient spike's length to one tick.
                        let len = sim.injections().last().map_or(variant.len_ms, |i| i.len_ms);
                        windows.push(Window {
                            start_ms: start,
                            end_ms: start + len,
                            kind,
                            variant: variant.label(kind),
                        });
                    }
                    let end = FIRST_FAULT_MS + config.windows_per_series as i64 * config.spacing_ms;
                    let (times_ms, values) = sample(&sim, end);
                    out.push(LabelledSeries {
                        name: format!("{}/{}/{}/seed{}", metric.name, kind.name(), vi, s),
                        group: metric.name.clone(),
                        times_ms,
                        values,
                        windows,
                        detect: DetectConfig::default(),
                    });
                }
            }
        }
    }
    out
}

/// Clean series (no fault): `clean_series` per metric, each trained for 5 minutes and then
/// judged for `clean_ms`.
pub fn clean_series(config: &CorpusConfig) -> Vec<LabelledSeries> {
    let mut out = Vec::new();
    for (mi, metric) in metrics().into_iter().enumerate() {
        for s in 0..config.clean_series {
            let sim_config = SimConfig {
                tick_ms: 2000,
                metrics: vec![metric.clone()],
            };
            let Ok(sim) = Simulator::new(sim_config, seed_of(&[mi as u64, 99, s])) else {
                continue;
            };
            let (times_ms, values) = sample(&sim, 5 * 60_000 + config.clean_ms);
            out.push(LabelledSeries {
                name: format!("{}/clean/seed{}", metric.name, s),
                group: metric.name.clone(),
                times_ms,
                values,
                windows: Vec::new(),
                detect: DetectConfig::default(),
            });
        }
    }
    out
}
