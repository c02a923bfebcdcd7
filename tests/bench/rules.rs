//! Native benchmark of the rule evaluator (issue 16: under 0.5 µs per point per rule).
//!
//! Run: `cargo bench --bench rules`. 100 rules, every one on every metric (`metric: '*'`,
//! so each point is judged by all 100), a mix of every metric condition with `for` and
//! recovery values, over the default simulator's stream (2 metrics, 2 s ticks) with a
//! detector-like score per point. Prints the median over RUNS runs of the time per point
//! and per point per rule, and how many rule incidents fired (so the rules do work).

use std::hint::black_box;
use std::time::Instant;

use pipescope::core::rules::{parse, Format, RuleEngine};
use pipescope::core::simulator::{SimConfig, Simulator};

const RUNS: usize = 7;
const TICKS: i64 = 100_000;
const RULES: usize = 100;

fn rules() -> String {
    let mut text = String::from("version: 1\nrules:\n");
    for i in 0..RULES {
        let k = i as f64;
        let condition = match i % 10 {
            0 | 1 => format!(
                "above: {}, for: 10s, recover: {}",
                300.0 + 5.0 * k,
                250.0 + 5.0 * k
            ),
            2 | 3 => format!("below: {}, for: 6s", 20.0 + k),
            4 => format!("outside: {{min: {}, max: {}}}", 5.0 + k, 600.0 + k),
            5 | 6 => format!("rate: {{window: 1m, above: {}}}", 2.0 + k / 20.0),
            7 => format!("rate: {{window: 30s, below: -{}}}", 3.0 + k / 20.0),
            8 => format!("absent: {}s", 10 + i),
            _ => format!("score_above: {}, for: 4s", 0.9 + k / 2000.0),
        };
        text += &format!("  - {{name: rule {i}, metric: '*', {condition}}}\n");
    }
    text
}

fn main() {
    let file = parse(&rules(), Format::Yaml).expect("the benchmark's rules parse");
    assert_eq!(file.rules.len(), RULES);
    let sim = Simulator::new(SimConfig::default(), 7).unwrap();
    let names = sim.names();
    let series = names.len() as u32;
    let points: Vec<(i64, u32, f64, f64)> = (0..TICKS)
        .flat_map(|i| {
            let t = i * 2000;
            let sim = &sim;
            (0..series).map(move |s| {
                let v = sim.value_at(s, t).unwrap_or(f64::NAN);
                // A detector-like score: mostly low, now and then high.
                let score = ((i * 7919 + i64::from(s) * 104_729) % 1000) as f64 / 1000.0;
                (t, s, v, score)
            })
        })
        .collect();
    let mut per_point = Vec::new();
    let mut fired = 0;
    for _ in 0..RUNS {
        let mut engine = RuleEngine::new(file.rules.clone(), names.clone());
        let mut out = Vec::new();
        let start = Instant::now();
        for &(t, s, v, score) in &points {
            engine.observe(t, s, v, Some(score), &mut out);
            // The page folds outcomes as they come; dropping them keeps memory flat.
            if out.len() > 1024 {
                fired += out.iter().filter(|o| o.firing).count();
                out.clear();
            }
        }
        fired += out.iter().filter(|o| o.firing).count();
        black_box(&engine);
        per_point.push(start.elapsed().as_secs_f64() * 1e9 / points.len() as f64);
    }
    per_point.sort_by(f64::total_cmp);
    let median = per_point[RUNS / 2];
    println!(
        "rules: {RULES} rules on every metric, {} points ({} metrics x {TICKS} ticks of 2 s)",
        points.len(),
        series
    );
    println!("  per point:          {median:9.1} ns (median of {RUNS} runs)");
    println!(
        "  per point per rule: {:9.2} ns (target < 500 ns)",
        median / RULES as f64
    );
    println!("  rule firings:       {:9}", fired / RUNS);
}
