//! Property: the Monitor's stream (simulator → detectors → incident book), journaled
//! write-ahead and checkpointed as the page does it, recovers after a crash at any byte of
//! any write to a state that, run on to the same stream time, equals a run that never
//! stopped — the same detectors, points, evaluation windows, anomalies and incidents.
//! Frames (how far each timer tick runs the clock) and recovery slices are random too: the
//! analysis must not depend on them.

mod common;

use std::rc::Rc;
use std::sync::OnceLock;

use proptest::prelude::*;

use pipescope::core::detect::DetectConfig;
use pipescope::core::event::Event;
use pipescope::core::incident::{IncidentConfig, IncidentEngine};
use pipescope::core::journal::{Journal, MemStore, NameKind, Retention};
use pipescope::core::monitor::{judge, resume, Feed, Recovering, Settings, Snapshot};
use pipescope::core::rng::SplitMix64;
use pipescope::core::simulator::{Injection, InjectionKind, SimConfig, Simulator};
use pipescope::core::source::MetricTable;

const TICK: i64 = 2_000;

fn detect() -> DetectConfig {
    DetectConfig::with_train_ms(240_000)
}

fn names() -> Vec<String> {
    common::sim_metric_names()
}

/// A replayed file: 40 minutes of the simulator with a prolonged spike at 9:00 and a few
/// missing cells (NaN), as `core::source` reads them.
fn table() -> Rc<MetricTable> {
    static EVENTS: OnceLock<Vec<Event>> = OnceLock::new();
    let events = EVENTS.get_or_init(|| {
        let mut sim = Simulator::new(SimConfig::default(), 3).unwrap();
        sim.inject(Injection::new(
            InjectionKind::ProlongedSpike,
            1,
            540_000,
            40 * TICK,
        ))
        .unwrap();
        let mut out = Vec::new();
        sim.events_until(40 * 60_000, &mut out);
        for (i, e) in out.iter_mut().enumerate() {
            if let Event::Metric(m) = e {
                if i % 97 == 5 {
                    m.value = f64::NAN;
                }
            }
        }
        out
    });
    Rc::new(MetricTable::from_events(names(), events))
}

fn fresh(file: Option<&Rc<MetricTable>>) -> (Feed, IncidentEngine) {
    let config = SimConfig::default();
    assert_eq!(config.tick_ms, TICK);
    let feed = match file {
        Some(t) => Feed::new_file(t.clone(), &detect(), &[], 30_000, &|_| None),
        None => Feed::new(config, 7, &detect(), 30_000),
    }
    .expect("default stream");
    let book = IncidentEngine::new(IncidentConfig::default(), names()).expect("default book");
    (feed, book)
}

fn snapshot(feed: &Feed, book: &IncidentEngine, position_ms: i64, events: u64) -> Recovering {
    Recovering {
        snapshot: Some(Box::new(Snapshot {
            settings: Settings {
                config: SimConfig::default(),
                train_ms: 240_000,
                level: 0.95,
                periods: Default::default(),
                eval_ms: 30_000,
                file: None,
                detectors: Vec::new(),
                rules: Default::default(),
                live: None,
                feed: None,
            },
            feed: feed.clone(),
            incidents: book.clone(),
            injections: Vec::new(),
            injected: Vec::new(),
            position_ms,
            events,
            alerting: pipescope::core::rules::Alerting::new(names()),
        })),
        events: Vec::new(),
    }
}

#[derive(Debug, Clone)]
struct Plan {
    seed: u64,
    /// Stream time the run reaches, ms.
    end_ms: i64,
    /// Checkpoint every this many frames.
    checkpoint_every: usize,
    compact: bool,
    /// Fault injected when the clock passes this time (a checkpoint follows at once).
    inject_at_ms: i64,
    /// Replay this file instead of the simulator (no injection then).
    file: Option<Rc<MetricTable>>,
}

/// Frame ends: the clock moves 1–8 ticks (plus a random part of one) per timer tick.
fn frames(rng: &mut SplitMix64, from_ms: i64, end_ms: i64) -> Vec<i64> {
    let mut t = from_ms;
    let mut out = Vec::new();
    while t < end_ms {
        t = (t + TICK * (1 + rng.below(8) as i64) + rng.below(TICK as u64) as i64).min(end_ms);
        out.push(t);
    }
    out
}

/// Runs the page's loop from a fresh stream: names and a checkpoint first, then per frame
/// pull → journal → judge, a checkpoint every few frames and after the injection; stops
/// at the first store error (a crashed tab). Returns the state reached.
fn journaled_run(plan: &Plan, j: &mut Journal<MemStore>) -> (Feed, IncidentEngine) {
    let (mut feed, mut book) = fresh(plan.file.as_ref());
    for (i, n) in names().iter().enumerate() {
        j.name(NameKind::Series, i as u32, n).unwrap();
    }
    if j.checkpoint(0, &snapshot(&feed, &book, 0, 0)).is_err() {
        return (feed, book);
    }
    let mut rng = SplitMix64::new(plan.seed);
    let mut judged = 0u64;
    let mut injected = false;
    let mut events = Vec::new();
    for (k, t) in frames(&mut rng, 0, plan.end_ms).into_iter().enumerate() {
        events.clear();
        feed.pull(t, &mut events);
        let seq = match j.append(&events) {
            Ok(s) => s,
            Err(_) => return (feed, book),
        };
        judge(&mut feed, &mut book, &events, t);
        judged += events.len() as u64;
        let mut due = (k + 1) % plan.checkpoint_every == 0;
        if !injected && t >= plan.inject_at_ms && plan.file.is_none() {
            injected = true;
            let sim = feed.sim_mut().unwrap();
            let start = sim.next_t_ms();
            sim.inject(Injection::new(
                InjectionKind::ProlongedSpike,
                0,
                start,
                40 * TICK,
            ))
            .unwrap();
            due = true;
        }
        if due {
            if j.checkpoint(seq, &snapshot(&feed, &book, t, judged))
                .is_err()
            {
                return (feed, book);
            }
            if plan.compact && j.compact(Retention::covered_only()).is_err() {
                return (feed, book);
            }
        }
    }
    (feed, book)
}

/// Runs the stream on to `end_ms` in random frames.
fn run_on(feed: &mut Feed, book: &mut IncidentEngine, rng: &mut SplitMix64, from: i64, end: i64) {
    let mut events = Vec::new();
    for t in frames(rng, from, end) {
        events.clear();
        feed.pull(t, &mut events);
        judge(feed, book, &events, t);
    }
}

fn state_bytes(feed: &Feed) -> Vec<u8> {
    postcard::to_allocvec(feed).unwrap()
}

fn check(plan: Plan, crash_at: f64, slice: usize) -> Result<(), TestCaseError> {
    // Never stopped: the same loop with no crash, no journal in the way.
    let (mut dry_j, _) = Journal::open(MemStore::new()).unwrap();
    let (mut direct_feed, mut direct_book) = journaled_run(&plan, &mut dry_j);
    let total = dry_j.store().bytes_written();
    prop_assert!(
        direct_book.incidents().len() > 0,
        "the injected fault opens an incident"
    );

    let mut store = MemStore::new();
    store.crash_after((crash_at * total as f64) as u64);
    let (mut j, _) = Journal::open(store).unwrap();
    journaled_run(&plan, &mut j);
    let mut store = j.into_store();
    store.revive();

    let (j, _) = Journal::open(store).unwrap();
    let restored = j.restore(Recovering::default()).unwrap();
    let (mut feed, mut book, position) = match restored.engine.snapshot {
        Some(s) => {
            let mut feed = s.feed;
            // The page puts the stored file's table back the same way.
            if let Some(t) = &plan.file {
                feed.set_table(t.clone());
            }
            (feed, s.incidents, s.position_ms)
        }
        // Crashed inside the very first checkpoint: the stream starts again.
        None => {
            prop_assert!(restored.engine.events.is_empty());
            let (f, b) = fresh(plan.file.as_ref());
            let start = plan.file.as_ref().map_or(0, |t| t.times_ms[0] - 1);
            (f, b, start)
        }
    };
    let tail = restored.engine.events;
    for chunk in tail.chunks(slice.max(1)) {
        let until = chunk.last().map_or(position, Event::t_ms);
        judge(&mut feed, &mut book, chunk, until);
    }
    let (reached, rest) = resume(&mut feed, &tail, position);
    judge(&mut feed, &mut book, &rest, reached);
    prop_assert!(reached <= plan.end_ms);

    let mut rng = SplitMix64::new(plan.seed ^ 0x5eed);
    run_on(
        &mut feed,
        &mut book,
        &mut rng,
        reached,
        plan.end_ms + 60_000,
    );
    let mut rng = SplitMix64::new(plan.seed ^ 0xd1ec);
    run_on(
        &mut direct_feed,
        &mut direct_book,
        &mut rng,
        plan.end_ms,
        plan.end_ms + 60_000,
    );
    // The injection happened before the crash or not at all; a recovered stream that lost
    // it is not the same stream, so only runs that kept it are compared.
    let kept = feed.sim().map_or(true, |s| s.injections().len() == 1);
    if kept {
        prop_assert_eq!(&book, &direct_book);
        prop_assert!(
            state_bytes(&feed) == state_bytes(&direct_feed),
            "feeds differ"
        );
    } else {
        prop_assert!(reached < plan.inject_at_ms + 20 * TICK);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn crash_then_recover_equals_never_crashed(
        seed in any::<u64>(),
        minutes in 12i64..30,
        checkpoint_every in 1usize..40,
        compact in any::<bool>(),
        inject_min in 6i64..10,
        crash_at in 0.0f64..1.0,
        slice in 1usize..5000,
        file in any::<bool>(),
    ) {
        let plan = Plan {
            seed,
            end_ms: minutes * 60_000,
            checkpoint_every,
            compact,
            inject_at_ms: inject_min * 60_000,
            file: file.then(table),
        };
        check(plan, crash_at, slice)?;
    }
}

/// A fixed run, so a failure is easy to reproduce: crash at 70% of the writes, with
/// compaction, recovery in slices of 100 events.
#[test]
fn a_crash_late_in_a_compacted_journal_recovers_the_same_analysis() {
    let plan = Plan {
        seed: 11,
        end_ms: 20 * 60_000,
        checkpoint_every: 7,
        compact: true,
        inject_at_ms: 8 * 60_000,
        file: None,
    };
    check(plan, 0.7, 100).unwrap();
}

/// The same for a replayed file with missing cells.
#[test]
fn a_crashed_file_replay_recovers_the_same_analysis() {
    let plan = Plan {
        seed: 5,
        end_ms: 20 * 60_000,
        checkpoint_every: 5,
        compact: true,
        inject_at_ms: 0,
        file: Some(table()),
    };
    for crash_at in [0.2, 0.55, 0.9] {
        check(plan.clone(), crash_at, 37).unwrap();
    }
}

/// A snapshot survives the checkpoint encoding exactly: restoring right after a
/// checkpoint and running on equals running on from the live state.
#[test]
fn a_snapshot_round_trips_through_a_checkpoint() {
    let (mut feed, mut book) = fresh(None);
    let mut events = Vec::new();
    feed.pull(600_000, &mut events);
    judge(&mut feed, &mut book, &events, 600_000);
    let (mut j, _) = Journal::open(MemStore::new()).unwrap();
    let seq = j.append(&events).unwrap();
    j.checkpoint(seq, &snapshot(&feed, &book, 600_000, events.len() as u64))
        .unwrap();
    let (j, _) = Journal::open(j.into_store()).unwrap();
    let r = j.restore(Recovering::default()).unwrap();
    assert!(r.engine.events.is_empty());
    let s = r.engine.snapshot.unwrap();
    assert_eq!(s.position_ms, 600_000);
    assert_eq!(s.events, events.len() as u64);
    let (mut f2, mut b2) = (s.feed, s.incidents);
    let mut rng = SplitMix64::new(1);
    run_on(&mut feed, &mut book, &mut rng, 600_000, 1_200_000);
    let mut rng = SplitMix64::new(2);
    run_on(&mut f2, &mut b2, &mut rng, 600_000, 1_200_000);
    assert_eq!(book, b2);
    assert!(state_bytes(&feed) == state_bytes(&f2));
    assert!(feed.tracks.iter().all(|t| t.history.len() > 100));
}
