//! Incidents at any cadence: the product's default detector and incident engine, with no
//! setting changed, on the same kind of metric sampled every 1 s, 2 s, 10 s, 15 s, 60 s and
//! 5 min. A fault lasting ten minutes opens an incident within five steps of its start (its
//! end, a change back, may open another); a one-point blip and a short burst well under the
//! incident's minimum length page no one; the clean stretches open nothing.

use pipescope::core::detect::{DetectConfig, Detector};
use pipescope::core::incident::{IncidentConfig, IncidentEngine};
use pipescope::core::rng::SplitMix64;

const CADENCES_MS: [i64; 6] = [1_000, 2_000, 10_000, 15_000, 60_000, 300_000];

/// What happened to one run.
#[derive(Debug)]
struct Outcome {
    /// The series' step, for the failure messages (read through `Debug` only).
    #[allow(dead_code)]
    step_ms: i64,
    /// Steps from the fault's start to the incident that covers it (None: no incident).
    fault_delay_steps: Option<i64>,
    /// Incidents opened anywhere else (the blip, the burst, the clean stretches).
    false_incidents: Vec<i64>,
}

/// A noisy metric with a slow cycle; `points` samples `step_ms` apart; faults at given
/// points: (start, length in points, size in noise sds).
fn series(
    step_ms: i64,
    points: usize,
    faults: &[(usize, usize, f64)],
    seed: u64,
) -> Vec<(i64, f64)> {
    let mut rng = SplitMix64::new(seed);
    (0..points)
        .map(|i| {
            let t = i as i64 * step_ms;
            let cycle = 3.0 * (i as f64 * std::f64::consts::TAU / 200.0).sin();
            let mut v = 100.0 + cycle + rng.normal();
            for &(start, len, size) in faults {
                if i >= start && i < start + len {
                    v += size;
                }
            }
            (t, v)
        })
        .collect()
}

fn run(step_ms: i64, seed: u64) -> Outcome {
    let fault_len = (600_000 / step_ms).max(1) as usize; // ten minutes
    let fault_at = 3000;
    let blip_at = fault_at + fault_len + 800;
    let burst_at = blip_at + 400;
    let points = burst_at + 400;
    let data = series(
        step_ms,
        points,
        &[
            (fault_at, fault_len, 12.0),
            (blip_at, 1, 12.0),
            (burst_at, 1, -12.0),
        ],
        seed,
    );
    let mut detector = Detector::new(DetectConfig::default()).unwrap();
    let mut book = IncidentEngine::new(IncidentConfig::default(), vec!["m".into()]).unwrap();
    for &(t, v) in &data {
        let p = detector.push(t, v);
        book.advance_to(t);
        if let Some(ev) = p.evidence(0) {
            book.apply(&ev);
        }
    }
    let fault_start = fault_at as i64 * step_ms;
    let fault_end = (fault_at + fault_len) as i64 * step_ms;
    let mut fault_delay_steps = None;
    let mut false_incidents = Vec::new();
    for inc in book.incidents() {
        // The fault's own incidents: from its start to a while after it ends. Going back to
        // the old level is a change too once the band has learnt the fault's level: at 2 s
        // the band's refit window is all fault by its end, and the return is confirmed by a
        // second view about 100 steps later (a known weakness, see tests/quality/REPORT.md).
        if inc.opened_ms >= fault_start && inc.opened_ms <= fault_end + 150 * step_ms {
            fault_delay_steps.get_or_insert((inc.opened_ms - fault_start) / step_ms);
        } else {
            false_incidents.push(inc.opened_ms / step_ms);
        }
    }
    Outcome {
        step_ms,
        fault_delay_steps,
        false_incidents,
    }
}

#[test]
fn a_ten_minute_fault_pages_within_five_steps_at_every_cadence_and_blips_page_no_one() {
    let outcomes: Vec<Outcome> = CADENCES_MS
        .iter()
        .flat_map(|&step| [1, 2, 3].map(|seed| run(step, seed)))
        .collect();
    for o in &outcomes {
        let delay = o.fault_delay_steps.unwrap_or(i64::MAX);
        assert!(delay <= 5, "{outcomes:#?}");
        assert!(o.false_incidents.is_empty(), "{outcomes:#?}");
    }
}
