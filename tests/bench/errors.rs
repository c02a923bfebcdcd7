//! Native benchmark: aggregation plus detection of generated error events (no file I/O).
//!
//! Run: `cargo bench --bench errors`. PIPESCOPE_BENCH_EVENTS=N sets the number of events
//! (default 20 million, spread over one day, 32 codes, one code regressed).
//! Target: >= 20 million events/s natively for each method. Prints the median of 5 runs of
//! each detector, run side by side (interleaved) in this one process: the default rate test
//! (recent evidence), the previous default (cumulative evidence) and mean-threshold, and the
//! default's speed as a ratio to the previous default's.

use std::time::{Duration, Instant};

use pipescope::core::errors::{default_bin_seconds, Config, ErrorEngine, Evidence, Method};
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
    let detectors = [
        (
            "rate-test, recent (default)",
            Method::RateTest,
            Evidence::Recent,
        ),
        (
            "rate-test, cumulative (previous default)",
            Method::RateTest,
            Evidence::Cumulative,
        ),
        ("mean-threshold", Method::MeanThreshold, Evidence::Recent),
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); detectors.len()];
    let mut alerts = vec![0; detectors.len()];
    // Interleaved, so a slower stretch of the machine touches every detector alike.
    for _ in 0..RUNS {
        for (i, &(_, method, evidence)) in detectors.iter().enumerate() {
            let mut config = Config::new(0, 1, bin);
            config.method = method;
            config.evidence = evidence;
            let start = Instant::now();
            let mut engine = ErrorEngine::new(config).expect("valid config");
            for e in &events {
                engine.push(*e);
            }
            engine.finish();
            times[i].push(start.elapsed());
            alerts[i] = engine.alerts().len();
            assert_eq!(engine.bins().len(), 86_400 / bin as usize);
        }
    }
    let rates: Vec<f64> = times
        .into_iter()
        .zip(&detectors)
        .zip(&alerts)
        .map(|((t, (name, _, _)), alerts)| {
            let t = median(t);
            let rate = n as f64 / t.as_secs_f64() / 1e6;
            println!(
                "errors {name}: {n} events, {bin} s bins: median {:.1} ms over {RUNS} runs = {rate:.1} million events/s ({alerts} alerts) [target >= 20]",
                t.as_secs_f64() * 1e3,
            );
            rate
        })
        .collect();
    println!(
        "errors rate-test recent / cumulative speed: {:.2}x",
        rates[0] / rates[1]
    );
}
