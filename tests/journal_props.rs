//! Property: over random event streams and random crash points (the store cut at any byte
//! of any write, mid-segment or mid-checkpoint), crash-then-recover-then-continue equals
//! never-crashed — the same `ErrorEngine` state, and the recovered events are exactly the
//! stream's first ones, including every batch whose write was acknowledged.

use proptest::prelude::*;

use pipescope::core::errors::{Config, ErrorEngine};
use pipescope::core::event::{ErrorEvent, Event, MetricEvent};
use pipescope::core::journal::{Journal, MemStore, NameKind, Record, Retention};
use pipescope::core::rng::SplitMix64;

/// A stream of error and metric events, mostly in time order with some late arrivals;
/// build 1 has a regression on code 3, build 2 is neither baseline nor candidate.
fn stream(seed: u64, n: usize) -> Vec<Event> {
    let mut rng = SplitMix64::new(seed);
    let mut t = 0i64;
    (0..n)
        .map(|_| {
            t += rng.below(300) as i64;
            let late = if rng.below(20) == 0 {
                rng.below(3000) as i64
            } else {
                0
            };
            if rng.below(6) == 0 {
                return Event::Metric(MetricEvent {
                    t_ms: t - late,
                    series: rng.below(4) as u32,
                    value: rng.normal(),
                });
            }
            let code = rng.below(8) as u32;
            let build = match rng.below(20) {
                0 => 2,
                k if code == 3 => u32::from(k % 4 != 0),
                k => (k % 2) as u32,
            };
            Event::Error(ErrorEvent {
                t_ms: t - late,
                build,
                code,
            })
        })
        .collect()
}

fn engine() -> ErrorEngine {
    ErrorEngine::new(Config::new(0, 1, 10)).expect("valid config")
}

#[derive(Debug, Clone)]
struct Plan {
    seed: u64,
    events: usize,
    batch: usize,
    checkpoint_every: usize,
    compact: bool,
}

/// What a run wrote: for every sequence number, the index of its event (None for names).
struct Outcome {
    seq_event: Vec<Option<usize>>,
    acked_events: usize,
}

/// Journal the stream write-ahead (append, then apply; checkpoint every few batches),
/// stopping at the first store error, as a crashed tab would.
fn journal_run(plan: &Plan, events: &[Event], j: &mut Journal<MemStore>) -> Outcome {
    let mut e = engine();
    let mut out = Outcome {
        seq_event: vec![None],
        acked_events: 0,
    };
    for (k, batch) in events.chunks(plan.batch).enumerate() {
        let start = k * plan.batch;
        // Distinct codes this batch names for the first time: their name records come first.
        let mut fresh: Vec<u32> = batch
            .iter()
            .filter_map(|ev| match ev {
                Event::Error(x) if j.catalog().name(NameKind::Code, x.code).is_none() => {
                    Some(x.code)
                }
                _ => None,
            })
            .collect();
        fresh.sort_unstable();
        fresh.dedup();
        for ev in batch {
            if let Event::Error(x) = ev {
                j.name(NameKind::Code, x.code, &format!("code-{}", x.code))
                    .expect("the same name each time");
            }
        }
        out.seq_event.truncate(j.last_seq() as usize + 1);
        out.seq_event.extend(fresh.iter().map(|_| None));
        out.seq_event.extend((start..start + batch.len()).map(Some));
        let Ok(seq) = j.append(batch) else { break };
        out.acked_events = start + batch.len();
        batch.iter().for_each(|x| e.apply(x));
        if (k + 1) % plan.checkpoint_every == 0 {
            if j.checkpoint(seq, &e).is_err() {
                break;
            }
            if plan.compact && j.compact(Retention::covered_only()).is_err() {
                break;
            }
        }
    }
    out
}

fn check(plan: Plan, crash_at: f64) -> Result<(), TestCaseError> {
    let events = stream(plan.seed, plan.events);
    let mut direct = engine();
    events.iter().for_each(|x| direct.apply(x));
    direct.finish();

    // A dry run measures how many bytes the whole run writes, to pick the crash byte.
    let (mut dry, _) = Journal::open(MemStore::new()).unwrap();
    journal_run(&plan, &events, &mut dry);
    let total = dry.store().bytes_written();
    let budget = (crash_at * total as f64) as u64;

    let mut store = MemStore::new();
    store.crash_after(budget);
    let (mut j, _) = Journal::open(store).unwrap();
    let out = journal_run(&plan, &events, &mut j);
    let mut store = j.into_store();
    prop_assert!(store.crashed() || budget >= total);
    store.revive();

    let (j, rec) = Journal::open(store).unwrap();
    let restored = j.restore(engine()).unwrap();
    // The events the state includes: every event with a sequence number up to the last.
    let last = restored.last_seq as usize;
    let stored = out.seq_event[..=last.min(out.seq_event.len() - 1)]
        .iter()
        .flatten()
        .count();
    prop_assert!(
        stored >= out.acked_events,
        "an acknowledged batch was lost: {} < {}; {}",
        stored,
        out.acked_events,
        rec.summary()
    );
    prop_assert!(rec.dropped_records <= 1 + plan.batch as u64 + 8);

    // The journal holds exactly the stream's events at their sequence numbers.
    for entry in j.records_after(0).unwrap() {
        match (&entry.record, out.seq_event[entry.seq as usize]) {
            (Record::Event(e), Some(i)) => prop_assert_eq!(*e, events[i]),
            (Record::Name(n), None) => {
                prop_assert_eq!(n.kind, NameKind::Code);
                prop_assert_eq!(&n.name, &format!("code-{}", n.id));
            }
            (r, i) => prop_assert!(
                false,
                "record {} is {:?}, expected event {:?}",
                entry.seq,
                r,
                i
            ),
        }
    }
    // Every code of a stored event has its name.
    for e in &events[..stored] {
        if let Event::Error(x) = e {
            prop_assert!(j.catalog().name(NameKind::Code, x.code).is_some());
        }
    }

    // Continue the stream from where the journal ends: the same state as never crashed.
    let mut e = restored.engine;
    events[stored..].iter().for_each(|x| e.apply(x));
    e.finish();
    prop_assert_eq!(&e, &direct);

    // And the journal itself continues: append the rest, reopen, restore again.
    let mut j = j;
    for batch in events[stored..].chunks(plan.batch) {
        j.append(batch).unwrap();
    }
    let (j2, rec2) = Journal::open(j.into_store()).unwrap();
    // Segments are clean now; a torn checkpoint slot stays until the next checkpoint.
    prop_assert!(
        rec2.problems.is_empty() && rec2.dropped_bytes == 0,
        "{}",
        rec2.summary()
    );
    let mut again = j2.restore(engine()).unwrap().engine;
    again.finish();
    prop_assert_eq!(&again, &direct);
    Ok(())
}

fn plans() -> impl Strategy<Value = Plan> {
    (
        any::<u64>(),
        1usize..600,
        1usize..80,
        1usize..5,
        any::<bool>(),
    )
        .prop_map(|(seed, events, batch, checkpoint_every, compact)| Plan {
            seed,
            events,
            batch,
            checkpoint_every,
            compact,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn crash_recover_continue_equals_never_crashed(plan in plans(), crash_at in 0.0f64..1.0) {
        check(plan, crash_at)?;
    }
}

/// Every byte of one small run as a crash point, not just random ones.
#[test]
fn every_crash_byte_of_a_small_run() {
    let plan = Plan {
        seed: 7,
        events: 60,
        batch: 7,
        checkpoint_every: 2,
        compact: true,
    };
    let events = stream(plan.seed, plan.events);
    let (mut dry, _) = Journal::open(MemStore::new()).unwrap();
    journal_run(&plan, &events, &mut dry);
    let total = dry.store().bytes_written();
    for b in 0..=total {
        check(plan.clone(), b as f64 / total as f64 + 1e-12).unwrap();
    }
}
