//! Native benchmark: aggregation plus detection of generated error events (no file I/O).
//!
//! Run: `cargo bench --bench errors`. PIPESCOPE_BENCH_EVENTS=N sets the number of events
//! (default 20 million, spread over one day, 32 codes, one code regressed).
//! Target: >= 20 million events/s natively for each method. Prints the median of 5 runs.

use std::time::{Duration, Instant};

use pipescope::core::errors::{default_bin_seconds, Config, ErrorEngine, Method};
use pipescope::core::event::ErrorEvent;

const RUNS: usize = 5;

fn generate(n: u64) -> Vec<ErrorEvent> {
    pipescope::core::synth::error_events(n, 86_400_000, 42)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n: u64 = std::env::var("PIPESCOPE_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000_000);
    let events = generate(n);
    let bin = default_bin_seconds(86_400);
    for method in [Method::RateTest, Method::MeanThreshold] {
        let mut times = Vec::new();
        let mut alerts = 0;
        for _ in 0..RUNS {
            let mut config = Config::new(0, 1, bin);
            config.method = method;
            let start = Instant::now();
            let mut engine = ErrorEngine::new(config).expect("valid config");
            for e in &events {
                engine.push(*e);
            }
            engine.finish();
            times.push(start.elapsed());
            alerts = engine.alerts().len();
            assert_eq!(engine.bins().len(), 86_400 / bin as usize);
        }
        let t = median(times);
        println!(
            "errors {method:?}: {n} events, {bin} s bins: median {:.1} ms over {RUNS} runs = {:.1} million events/s ({alerts} alerts) [target >= 20]",
            t.as_secs_f64() * 1e3,
            n as f64 / t.as_secs_f64() / 1e6
        );
    }
}
