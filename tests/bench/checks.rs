//! Native benchmark: what a 50-check file adds to a profile (issue 15: at most 20%).
//!
//! Run: `cargo bench --bench checks`. PIPESCOPE_BENCH_MB=N sets the synthetic file's size
//! (default 100 MB). Prints the medians of ingest, profile and the checks' run, and the
//! run's share of ingest + profile and of the profile alone.

use std::time::{Duration, Instant};

use pipescope::core::checks::{parse, run, Format, Status};
use pipescope::core::ingest::{read_path, IngestOptions};
use pipescope::core::{profile, synth};

const RUNS: usize = 3;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// 50 checks over the synthetic file's eight columns (shared with the Evidently peer,
/// tests/bench/peers/check_vs_evidently.py, so both run the same checks).
const FIFTY_CHECKS: &str = include_str!("fifty.checks.yaml");

fn main() {
    let mb: u64 = std::env::var("PIPESCOPE_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let dir = std::env::temp_dir().join(format!("pipescope-bench-checks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("synthetic-{mb}mb.csv"));
    let file = std::fs::File::create(&path).unwrap();
    synth::write_csv(file, mb * 1_000_000, 42).unwrap();

    let checks = parse(FIFTY_CHECKS, Format::Yaml).expect("the benchmark's checks parse");
    let (mut ingest, mut prof, mut checked) = (Vec::new(), Vec::new(), Vec::new());
    let mut with_profile = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let table = read_path(&path, &IngestOptions::default()).unwrap();
        ingest.push(t.elapsed());
        let t = Instant::now();
        let p = profile::profile(&table);
        prof.push(t.elapsed());
        assert_eq!(p.rows, table.rows);
        let t = Instant::now();
        let report = run(&table, &checks, None, 0);
        checked.push(t.elapsed());
        let errors: Vec<_> = report
            .checks
            .iter()
            .filter(|c| c.status == Status::Error)
            .map(|c| &c.message)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        // The page's way: the profile it has made anyway feeds the checks.
        let t = Instant::now();
        let again = pipescope::core::checks::run_with_profile(&table, &checks, None, 0, &p);
        with_profile.push(t.elapsed());
        assert_eq!(again, report);
    }
    if std::env::var("PIPESCOPE_BENCH_EACH").is_ok_and(|v| v == "1") {
        // Each check alone (nothing shared), slowest first: where the time goes.
        let table = read_path(&path, &IngestOptions::default()).unwrap();
        let mut each: Vec<(Duration, String)> = checks
            .checks
            .iter()
            .map(|c| {
                let one = pipescope::core::checks::Checks {
                    checks: vec![c.clone()],
                    ..checks.clone()
                };
                let t = Instant::now();
                run(&table, &one, None, 0);
                (
                    t.elapsed(),
                    format!("{} {:?}", c.rule.key(), c.rule.column()),
                )
            })
            .collect();
        each.sort_by(|a, b| b.0.cmp(&a.0));
        for (t, what) in each.iter().take(15) {
            println!("  {t:>10.2?}  {what}");
        }
    }
    let (i, p, c) = (median(ingest), median(prof), median(checked));
    let w = median(with_profile);
    println!("file {mb} MB: ingest {i:.2?}, profile {p:.2?}, 50 checks {c:.2?}, 50 checks with the profile {w:.2?}");
    println!(
        "with the profile: checks / (ingest + profile) = {:.1}%, checks / profile = {:.1}% (target <= 20%)",
        100.0 * w.as_secs_f64() / (i + p).as_secs_f64(),
        100.0 * w.as_secs_f64() / p.as_secs_f64()
    );
    println!(
        "checks / (ingest + profile) = {:.1}%, checks / profile = {:.1}% (target <= 20%)",
        100.0 * c.as_secs_f64() / (i + p).as_secs_f64(),
        100.0 * c.as_secs_f64() / p.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
