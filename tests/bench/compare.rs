//! Native benchmark: where the time of comparing two files goes (issue 15: comparing two
//! 100 MB files in the page takes at most 2.2x profiling one). The page's figure comes from
//! tests/bench/browser/compare.mjs; this one splits the comparison into its parts.
//!
//! Run: `cargo bench --bench compare`. PIPESCOPE_BENCH_MB=N sets the synthetic files' size
//! (default 100 MB; seeds 1 and 2, as the browser bench). Prints medians of reading one
//! file, profiling one (keeping its numeric columns' orders, as the Checks page does), and
//! the comparison's set-up (reading the profiles), its steps (the tests) and its finish
//! (duplicate rows), and the page-like ratio of the whole comparison to one profile.

use std::time::{Duration, Instant};

use pipescope::core::compare::{Comparison, DriftRule, Profiled};
use pipescope::core::ingest::{read_path, IngestOptions};
use pipescope::core::{profile, synth};

const RUNS: usize = 3;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mb: u64 = std::env::var("PIPESCOPE_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let dir = std::env::temp_dir().join(format!("pipescope-bench-compare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<_> = [1u64, 2]
        .iter()
        .map(|&seed| {
            let path = dir.join(format!("synthetic-{mb}mb-seed{seed}.csv"));
            let file = std::fs::File::create(&path).unwrap();
            synth::write_csv(file, mb * 1_000_000, seed).unwrap();
            path
        })
        .collect();

    let (mut read, mut prof, mut setup, mut steps, mut finish) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let t = Instant::now();
        let r = read_path(&paths[0], &IngestOptions::default()).unwrap();
        read.push(t.elapsed());
        let c = read_path(&paths[1], &IngestOptions::default()).unwrap();
        // One column at a time, as the page profiles (no threads); the page keeps the
        // numeric columns' orders of both files for the comparison.
        let ordered = |t: &pipescope::core::ingest::Table| {
            let (columns, orders) = t
                .columns
                .iter()
                .map(|c| profile::ColumnProfiler::new(c).finish_with_order())
                .unzip();
            profile::OrderedProfile {
                profile: profile::Profile {
                    columns,
                    ..profile::Profile::of_table(t)
                },
                orders,
            }
        };
        let t = Instant::now();
        let rp = ordered(&r);
        prof.push(t.elapsed());
        let cp = ordered(&c);

        let t = Instant::now();
        let mut cmp = Comparison::new(
            Profiled::new(&r, &rp),
            Profiled::new(&c, &cp),
            &DriftRule::default(),
        )
        .unwrap();
        setup.push(t.elapsed());
        let t = Instant::now();
        while !cmp.step() {}
        steps.push(t.elapsed());
        let t = Instant::now();
        let report = cmp.finish();
        finish.push(t.elapsed());
        assert_eq!(report.summary.columns_tested, 8);
    }
    let [read, prof, setup, steps, finish] = [read, prof, setup, steps, finish].map(median);
    let total = setup + steps + finish;
    println!("{mb} MB files, medians of {RUNS}:");
    println!("  read one            {:>8.1} ms", read.as_secs_f64() * 1e3);
    println!(
        "  profile one         {:>8.1} ms (one thread)",
        prof.as_secs_f64() * 1e3
    );
    println!(
        "  compare: set-up     {:>8.1} ms",
        setup.as_secs_f64() * 1e3
    );
    println!(
        "           steps      {:>8.1} ms",
        steps.as_secs_f64() * 1e3
    );
    println!(
        "           finish     {:>8.1} ms",
        finish.as_secs_f64() * 1e3
    );
    println!(
        "  compare total       {:>8.1} ms; (2 reads + 2 profiles + compare) / (read + profile) = {:.2}",
        total.as_secs_f64() * 1e3,
        (2 * (read + prof) + total).as_secs_f64() / (read + prof).as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
