//! Native benchmark: `read_path` + `profile` against the csv crate merely reading records,
//! then the peak memory of `pipescope profile` per file size.
//!
//! Run: `cargo bench --bench profile`. PIPESCOPE_BENCH_MB=N shrinks the throughput file to
//! N MB and the memory files to N and 5N MB (default 100: 100 MB and 500 MB);
//! PIPESCOPE_BENCH_MEMORY=0 skips the memory runs (for quick before/after comparisons).
//! Targets: time ratio (profile / csv read) <= 1.5; peak RSS / file size <= 2.0.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pipescope::core::ingest::{read_path, IngestOptions};
use pipescope::core::{profile, synth};

const RUNS: usize = 5;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn generate(dir: &Path, mb: u64) -> (PathBuf, u64) {
    let path = dir.join(format!("synthetic-{mb}mb.csv"));
    let file = std::fs::File::create(&path).expect("create the benchmark file");
    let bytes = synth::write_csv(file, mb * 1_000_000, 42).expect("write the benchmark file");
    (path, bytes)
}

fn csv_crate_read(path: &Path) -> u64 {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .expect("open");
    let mut record = csv::ByteRecord::new();
    let mut rows = 0;
    while reader.read_byte_record(&mut record).expect("read") {
        rows += 1;
    }
    rows
}

/// Rows, and the time spent in the profile alone (the rest is ingest).
fn pipescope_profile(path: &Path) -> (usize, Duration) {
    let table = read_path(path, &IngestOptions::default()).expect("ingest");
    let t = Instant::now();
    let p = profile::profile(&table);
    (p.rows, t.elapsed())
}

/// Peak resident set of a `pipescope profile FILE` child process, in bytes.
fn peak_rss_of_cli(path: &Path) -> u64 {
    let child = Command::new(env!("CARGO_BIN_EXE_pipescope"))
        .arg("profile")
        .arg(path)
        .stdout(Stdio::null())
        .spawn()
        .expect("run pipescope");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain FFI call with valid pointers; wait4 reaps this very child and reports
    // its own resource usage (ru_maxrss in KiB on Linux).
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let r = libc::wait4(pid, &mut status, 0, &mut usage);
        assert_eq!(r, pid, "wait4 failed");
        usage
    };
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "pipescope profile failed"
    );
    usage.ru_maxrss as u64 * 1024
}

fn main() {
    let mb: u64 = std::env::var("PIPESCOPE_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let dir = std::env::temp_dir().join(format!("pipescope-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    let (path, bytes) = generate(&dir, mb);
    let size_mb = bytes as f64 / 1e6;
    println!("file: {} ({size_mb:.1} MB)", path.display());
    let (mut a, mut b, mut prof) = (Vec::new(), Vec::new(), Vec::new());
    let (mut rows_a, mut rows_b) = (0, 0);
    for _ in 0..RUNS {
        let t = Instant::now();
        rows_a = csv_crate_read(&path);
        a.push(t.elapsed());
        let t = Instant::now();
        let (rows, p) = pipescope_profile(&path);
        rows_b = rows;
        b.push(t.elapsed());
        prof.push(p);
    }
    assert_eq!(
        rows_a as usize, rows_b,
        "both readers must see the same rows"
    );
    let (ma, mb_) = (median(a), median(b));
    let mbps = |d: Duration| size_mb / d.as_secs_f64();
    println!("rows: {rows_b}");
    println!(
        "csv crate read_byte_record: median {:>8.1} ms  {:>7.1} MB/s",
        ma.as_secs_f64() * 1e3,
        mbps(ma)
    );
    println!(
        "read_path + profile:        median {:>8.1} ms  {:>7.1} MB/s",
        mb_.as_secs_f64() * 1e3,
        mbps(mb_)
    );
    let mp = median(prof);
    println!(
        "  of which profile:         median {:>8.1} ms  {:>7.1} MB/s",
        mp.as_secs_f64() * 1e3,
        mbps(mp)
    );
    println!(
        "ratio profile/csv: {:.2} (target <= 1.5)",
        mb_.as_secs_f64() / ma.as_secs_f64()
    );

    if std::env::var("PIPESCOPE_BENCH_MEMORY").is_ok_and(|v| v == "0") {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    for (i, size) in [mb, mb * 5].into_iter().enumerate() {
        let (p, bytes) = if i == 0 {
            (path.clone(), bytes)
        } else {
            generate(&dir, size)
        };
        let peak = peak_rss_of_cli(&p);
        println!(
            "peak memory, {:.0} MB file: {:.1} MB = {:.2}x file size (target <= 2.0)",
            bytes as f64 / 1e6,
            peak as f64 / 1e6,
            peak as f64 / bytes as f64
        );
        if i > 0 {
            let _ = std::fs::remove_file(&p);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
