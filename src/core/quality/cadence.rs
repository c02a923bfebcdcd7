//! The simulated corpus at other cadences: the same three metrics sampled every 1 s, 10 s, 15 s,
//! 60 s and 5 min, clean and with faults of ten minutes, plus minute-level clean series with
//! a daily cycle. The detector and the incident engine run with their defaults at every
//! cadence (the engine counts in the metric's own steps), as the page and the CLI do.
//!
//! At a cadence, each metric's rate is scaled with the step so that one cycle of its wave
//! holds as many points as at the corpus' 2 s tick (20 to 36): the detector sees the same
//! shape in steps, and what changes is only how many steps ten minutes, the training and
//! the refits are. The daily-cycle series instead keep one rise and fall per day at a
//! 1-minute step (1,440 points per cycle), as a minute-level business metric does.

use serde::{Deserialize, Serialize};

use crate::core::detect::DetectConfig;
use crate::core::quality::corpus::{self, sample, seed_of};
use crate::core::quality::{LabelledSeries, Window};
use crate::core::rng::SplitMix64;
use crate::core::simulator::{Injection, InjectionKind, MetricSpec, SimConfig, Simulator};

/// The cadences of the section, in ms.
pub const CADENCES_MS: [i64; 5] = [1_000, 10_000, 15_000, 60_000, 300_000];

/// Length of a prolonged fault: ten minutes, whatever the cadence.
pub const FAULT_MS: i64 = 10 * 60_000;

/// One week of stream time, for false incidents per simulated week.
pub const WEEK_MS: i64 = 7 * 86_400_000;

/// Step of the daily-cycle series.
pub const DAILY_STEP_MS: i64 = 60_000;

/// Size of the cadence section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CadenceConfig {
    /// Seeds per (metric, kind) at each cadence.
    pub seeds: u64,
    /// Faults per faulty series.
    pub windows_per_series: usize,
    /// Clean series per metric at each cadence.
    pub clean_series: u64,
    /// Judged points of each clean series (after training).
    pub clean_points: usize,
    /// Daily-cycle series per metric.
    pub daily_series: u64,
    /// Judged days of each daily-cycle series (after training).
    pub daily_days: i64,
}

impl Default for CadenceConfig {
    fn default() -> Self {
        CadenceConfig {
            seeds: 4,
            windows_per_series: 4,
            clean_series: 2,
            // A week at 15 s; 11 hours at 1 s, 4.7 days at 10 s, 4 weeks at 60 s, 20 weeks
            // at 5 min.
            clean_points: 40_320,
            daily_series: 4,
            daily_days: 7,
        }
    }
}

/// The faults of the section: (kind, magnitude × range). Prolonged ones last
/// [`FAULT_MS`]; the transient spike is one point, to show a blip pages no one.
pub fn faults() -> Vec<(InjectionKind, f64)> {
    vec![
        (InjectionKind::LevelShift, 0.5),
        (InjectionKind::ProlongedSpike, 0.3),
        (InjectionKind::DropToZero, 0.0),
        (InjectionKind::TransientSpike, 0.5),
    ]
}

/// Whether `kind` is a prolonged fault of the section (one that must open an incident).
pub fn is_prolonged(kind: InjectionKind) -> bool {
    !matches!(kind, InjectionKind::TransientSpike | InjectionKind::Gap)
}

/// The corpus metrics at `step_ms`: their rates scaled so a cycle holds as many points as
/// at a 2 s tick.
pub fn metrics_at(step_ms: i64) -> Vec<MetricSpec> {
    corpus::metrics()
        .into_iter()
        .map(|mut m| {
            m.increment *= 2000.0 / step_ms as f64;
            m
        })
        .collect()
}

/// The corpus metrics with one rise and fall per day.
pub fn daily_metrics() -> Vec<MetricSpec> {
    corpus::metrics()
        .into_iter()
        .map(|mut m| {
            m.increment = 2.0 * (m.max - m.min) / 86_400.0;
            m
        })
        .collect()
}

/// Stream time the default detector needs before judging at `step_ms`: its 5 minutes of
/// training, or its 100 points when they take longer.
pub fn training_ms(step_ms: i64) -> i64 {
    let d = DetectConfig::default();
    d.train_ms.max(d.min_train_points as i64 * step_ms)
}

/// Stream time between fault starts at `step_ms` (before jitter): the fault, then 30
/// minutes or 100 steps, whichever is longer, for the detector and the engine to settle.
pub fn spacing_ms(step_ms: i64) -> i64 {
    FAULT_MS + (30 * 60_000).max(100 * step_ms)
}

/// Faults start up to this many steps after their slot (more than one cycle of any metric).
pub const JITTER_STEPS: u64 = 40;

/// Human name of a step (`1 s`, `15 s`, `5 min`).
pub fn step_name(step_ms: i64) -> String {
    if step_ms >= 60_000 && step_ms % 60_000 == 0 {
        format!("{} min", step_ms / 60_000)
    } else if step_ms % 1000 == 0 {
        format!("{} s", step_ms / 1000)
    } else {
        format!("{step_ms} ms")
    }
}

fn simulator(metric: &MetricSpec, step_ms: i64, seed: u64) -> Option<Simulator> {
    let config = SimConfig {
        tick_ms: step_ms,
        metrics: vec![metric.clone()],
    };
    // Every config here is a corpus metric with a positive tick: valid.
    Simulator::new(config, seed).ok()
}

/// Faulty series at `step_ms`: every metric × fault × seed, each with
/// `windows_per_series` faults after the training.
pub fn faulty_series(step_ms: i64, config: &CadenceConfig) -> Vec<LabelledSeries> {
    let mut out = Vec::new();
    let first = training_ms(step_ms) + 20 * step_ms;
    let spacing = spacing_ms(step_ms);
    for (mi, metric) in metrics_at(step_ms).into_iter().enumerate() {
        for (ki, (kind, magnitude)) in faults().into_iter().enumerate() {
            for s in 0..config.seeds {
                let seed = seed_of(&[step_ms as u64, mi as u64, ki as u64, s]);
                let Some(mut sim) = simulator(&metric, step_ms, seed) else {
                    continue;
                };
                let mut jitter = SplitMix64::new(seed ^ 0x6a17);
                let mut windows = Vec::new();
                for w in 0..config.windows_per_series {
                    let slot = first + w as i64 * spacing;
                    let start = slot + jitter.below(JITTER_STEPS) as i64 * step_ms;
                    let injection = Injection {
                        kind,
                        series: 0,
                        start_ms: start,
                        len_ms: FAULT_MS,
                        magnitude,
                    };
                    if sim.inject(injection).is_err() {
                        continue;
                    }
                    let len = sim.injections().last().map_or(FAULT_MS, |i| i.len_ms);
                    windows.push(Window {
                        start_ms: start,
                        end_ms: start + len,
                        kind,
                        variant: format!("{magnitude:+.2}×range"),
                    });
                }
                let end = first + config.windows_per_series as i64 * spacing;
                let (times_ms, values) = sample(&sim, end);
                out.push(LabelledSeries {
                    name: format!(
                        "{}/{}/{}/seed{s}",
                        step_name(step_ms),
                        metric.name,
                        kind.name()
                    ),
                    group: metric.name.clone(),
                    times_ms,
                    values,
                    windows,
                    detect: DetectConfig::default(),
                });
            }
        }
    }
    out
}

/// Clean series at `step_ms`: `clean_series` per metric, each judged for `clean_points`
/// points after its training.
pub fn clean_series(step_ms: i64, config: &CadenceConfig) -> Vec<LabelledSeries> {
    let end = training_ms(step_ms) + config.clean_points as i64 * step_ms;
    clean_of(&metrics_at(step_ms), step_ms, end, config.clean_series, 98)
}

/// Minute-level clean series with a daily cycle: `daily_series` per metric, each judged for
/// `daily_days` days after its training.
pub fn daily_series(config: &CadenceConfig) -> Vec<LabelledSeries> {
    let end = training_ms(DAILY_STEP_MS) + config.daily_days * 86_400_000;
    clean_of(
        &daily_metrics(),
        DAILY_STEP_MS,
        end,
        config.daily_series,
        97,
    )
}

fn clean_of(
    metrics: &[MetricSpec],
    step_ms: i64,
    end_ms: i64,
    per_metric: u64,
    salt: u64,
) -> Vec<LabelledSeries> {
    let mut out = Vec::new();
    for (mi, metric) in metrics.iter().enumerate() {
        for s in 0..per_metric {
            let seed = seed_of(&[step_ms as u64, mi as u64, salt, s]);
            let Some(sim) = simulator(metric, step_ms, seed) else {
                continue;
            };
            let (times_ms, values) = sample(&sim, end_ms);
            out.push(LabelledSeries {
                name: format!("{}/{}/clean/seed{s}", step_name(step_ms), metric.name),
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
