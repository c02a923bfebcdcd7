//! Native benchmark of the journal format: encode + append, and open (decode + verify
//! every checksum + sequence check), and a full restore of an `ErrorEngine`.
//!
//! Run: `cargo bench --bench journal`. PIPESCOPE_BENCH_EVENTS=N sets the number of events
//! (default 1,000,000, 80% error events, 20% metrics), appended in batches of 1,000 into a
//! `MemStore`. Prints the median of 7 runs. Browser targets: >= 200,000 events/s append,
//! recovery of 1,000,000 events < 3 s; natively this should be tens of millions a second.

use std::time::{Duration, Instant};

use pipescope::core::errors::{Config, ErrorEngine};
use pipescope::core::event::{ErrorEvent, Event, MetricEvent};
use pipescope::core::journal::{FileStore, Journal, JournalStore, MemStore};
use pipescope::core::rng::SplitMix64;

const RUNS: usize = 7;
const BATCH: usize = 1000;

fn generate(n: usize) -> Vec<Event> {
    let mut rng = SplitMix64::new(42);
    (0..n)
        .map(|i| {
            let t_ms = (i as i64) * 3;
            if rng.below(5) == 0 {
                Event::Metric(MetricEvent {
                    t_ms,
                    series: rng.below(8) as u32,
                    value: rng.normal(),
                })
            } else {
                Event::Error(ErrorEvent {
                    t_ms,
                    build: rng.below(2) as u32,
                    code: rng.below(32) as u32,
                })
            }
        })
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn append_all<S: JournalStore>(store: S, events: &[Event]) -> Journal<S> {
    let (mut j, _) = Journal::open(store).expect("open");
    for batch in events.chunks(BATCH) {
        j.append(batch).expect("append");
    }
    j
}

fn report(what: &str, n: usize, t: Duration, target: &str) {
    println!(
        "journal {what}: {n} events: median {:.1} ms over {RUNS} runs = {:.1} million events/s {target}",
        t.as_secs_f64() * 1e3,
        n as f64 / t.as_secs_f64() / 1e6
    );
}

fn main() {
    let n: usize = std::env::var("PIPESCOPE_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let events = generate(n);

    let mut times = Vec::new();
    let mut store = MemStore::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let j = append_all(MemStore::new(), &events);
        times.push(start.elapsed());
        store = j.into_store();
    }
    let bytes = store.size().expect("size");
    report(
        "encode+append (MemStore, batches of 1,000)",
        n,
        median(times),
        "[browser target >= 0.2]",
    );
    println!(
        "journal size: {bytes} bytes = {:.1} bytes/event",
        bytes as f64 / n as f64
    );

    let mut times = Vec::new();
    for _ in 0..RUNS {
        let s = store.clone();
        let start = Instant::now();
        let (j, rec) = Journal::open(s).expect("open");
        let all = j.records_after(0).expect("read");
        times.push(start.elapsed());
        assert_eq!((rec.events as usize, all.len()), (n, n));
        assert!(rec.is_clean());
    }
    report(
        "open (decode+verify) + records_after(0)",
        n,
        median(times),
        "",
    );

    let mut times = Vec::new();
    for _ in 0..RUNS {
        let s = store.clone();
        let start = Instant::now();
        let (j, _) = Journal::open(s).expect("open");
        let r = j
            .restore(ErrorEngine::new(Config::new(0, 1, 10)).expect("config"))
            .expect("restore");
        times.push(start.elapsed());
        assert_eq!(r.replayed as usize, n);
    }
    report(
        "recovery (open + full replay into ErrorEngine)",
        n,
        median(times),
        "[browser target: 1,000,000 in < 3 s]",
    );

    let dir = std::env::temp_dir().join(format!("pipescope-journal-bench-{}", std::process::id()));
    let mut times = Vec::new();
    for _ in 0..3 {
        let _ = std::fs::remove_dir_all(&dir);
        let start = Instant::now();
        append_all(FileStore::open(&dir).expect("dir"), &events);
        times.push(start.elapsed());
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "journal encode+append (FileStore, one file per batch, no fsync): median {:.1} ms over 3 runs = {:.1} million events/s",
        median(times.clone()).as_secs_f64() * 1e3,
        n as f64 / median(times).as_secs_f64() / 1e6
    );
}
