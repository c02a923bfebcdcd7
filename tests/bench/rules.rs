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

const RUNS: usize = 7;
const TICKS: i64 = 100_000;
// The 100 rules and the simulator points (shared with the wasm twin, examples/wasm_rules.rs).
include!("rules_set.rs");

fn main() {
    let file = parse(&rules(), Format::Yaml).expect("the benchmark's rules parse");
    assert_eq!(file.rules.len(), RULES);
    let (names, points) = stream(TICKS);
    let series = names.len();
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
