//! Fault injection on the journal format: truncation at every byte of the last records,
//! bit flips anywhere, duplicated and out-of-order records, an empty store, torn and
//! corrupt checkpoints, compaction, quota, and a real error stream replayed through it.

use pipescope::core::errors::{read_path, Config, ErrorEngine, ReadOptions};
use pipescope::core::event::{ErrorEvent, Event, MetricEvent};
use pipescope::core::journal::{
    Damage, FileStore, Journal, JournalError, JournalStore, MemStore, NameKind, ProblemKind,
    Record, Retention, SlotDamage, StoreError,
};
use pipescope::core::rng::SplitMix64;

fn events(seed: u64, n: usize) -> Vec<Event> {
    let mut rng = SplitMix64::new(seed);
    let mut t = 0i64;
    (0..n)
        .map(|_| {
            t += rng.below(400) as i64;
            if rng.below(5) == 0 {
                Event::Metric(MetricEvent {
                    t_ms: t,
                    series: rng.below(3) as u32,
                    value: rng.normal() * 10.0,
                })
            } else {
                Event::Error(ErrorEvent {
                    t_ms: t,
                    build: rng.below(2) as u32,
                    code: rng.below(5) as u32,
                })
            }
        })
        .collect()
}

fn engine() -> ErrorEngine {
    ErrorEngine::new(Config::new(0, 1, 10)).expect("valid config")
}

/// Size of one stored record, from the documented layout (not from the code under test).
fn record_size(r: &Record) -> usize {
    17 + match r {
        Record::Event(Event::Error(_)) => 16,
        Record::Event(Event::Metric(_)) => 20,
        Record::Name(n) => 5 + n.name.len(),
    }
}

/// Journal `batches` into a fresh store, naming each code before its first use; returns
/// the store and every record in journal order.
fn journaled(batches: &[&[Event]]) -> (MemStore, Vec<Record>) {
    let (mut j, rec) = Journal::open(MemStore::new()).unwrap();
    assert!(rec.is_clean());
    let mut records = Vec::new();
    for batch in batches {
        for e in batch.iter() {
            if let Event::Error(e) = e {
                if j.catalog().name(NameKind::Code, e.code).is_none()
                    && !records.iter().any(|r| matches!(r, Record::Name(n) if n.kind == NameKind::Code && n.id == e.code))
                {
                    let name = format!("E{}", e.code);
                    j.name(NameKind::Code, e.code, &name).unwrap();
                    records.push(Record::Name(pipescope::core::journal::CatalogEntry {
                        kind: NameKind::Code,
                        id: e.code,
                        name,
                    }));
                }
            }
        }
        j.append(batch).unwrap();
        records.extend(batch.iter().map(|e| Record::Event(*e)));
    }
    (j.into_store(), records)
}

fn recovered_records(j: &Journal<MemStore>) -> Vec<Record> {
    let entries = j.records_after(0).unwrap();
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1, "sequence numbers are 1, 2, 3, …");
    }
    entries.into_iter().map(|e| e.record).collect()
}

/// Byte ranges of the records of the segment holding `records[first..]`.
fn boundaries(records: &[Record]) -> Vec<usize> {
    let mut b = vec![8];
    for r in records {
        b.push(b.last().unwrap() + record_size(r));
    }
    b
}

#[test]
fn empty_store_opens_clean_and_starts_at_record_one() {
    let (mut j, rec) = Journal::open(MemStore::new()).unwrap();
    assert!(rec.is_clean());
    assert_eq!(
        (rec.records, rec.last_seq, rec.checkpoint_seq),
        (0, 0, None)
    );
    assert_eq!(j.append(&[]).unwrap(), 0, "an empty batch writes nothing");
    assert_eq!(j.store().segment_keys().unwrap(), Vec::<u64>::new());
    let ev = events(1, 3);
    assert_eq!(j.append(&ev).unwrap(), 3);
    assert_eq!(j.store().segment_keys().unwrap(), vec![1]);
    let r = j.restore(engine()).unwrap();
    assert_eq!(r.replayed, 3);
    assert!(rec.summary().starts_with("recovered 0 events"));
}

#[test]
fn reopen_returns_every_record_and_the_catalog() {
    let ev = events(2, 500);
    let (store, records) = journaled(&[&ev[..100], &ev[100..101], &ev[101..]]);
    let (j, rec) = Journal::open(store).unwrap();
    assert!(rec.is_clean(), "{}", rec.summary());
    assert_eq!(rec.events, 500);
    assert_eq!(rec.records, records.len() as u64);
    assert_eq!(recovered_records(&j), records);
    assert_eq!(j.catalog().name(NameKind::Code, 3), Some("E3"));
    let stats = j.stats();
    assert_eq!(stats.events, 500);
    assert_eq!(stats.oldest_t_ms, Some(ev[0].t_ms()));
    assert_eq!(stats.newest_t_ms, Some(ev[499].t_ms()));
    assert!(rec.summary().starts_with("recovered 500 events"));
}

/// Cut the journal at every byte offset of its last two segments: the longest valid
/// prefix comes back, the drop is reported, the store is repaired, and appending goes on.
#[test]
fn truncation_at_every_byte_of_the_last_records() {
    let ev = events(3, 30);
    let (store, records) = journaled(&[&ev[..20], &ev[20..24], &ev[24..]]);
    let keys = store.segment_keys().unwrap();
    // Records per segment, in journal order.
    let mut per_seg: Vec<Vec<Record>> = Vec::new();
    let mut start = 0;
    for (i, &k) in keys.iter().enumerate() {
        let end = keys.get(i + 1).map_or(records.len(), |&n| n as usize - 1);
        assert_eq!(k as usize - 1, start);
        per_seg.push(records[start..end].to_vec());
        start = end;
    }
    for seg in [keys.len() - 2, keys.len() - 1] {
        let full = store.read_segment(keys[seg]).unwrap();
        let bounds = boundaries(&per_seg[seg]);
        assert_eq!(
            *bounds.last().unwrap(),
            full.len(),
            "layout matches the docs"
        );
        let before: usize = per_seg[..seg].iter().map(Vec::len).sum();
        for cut in 0..full.len() {
            let mut s = store.clone();
            for &k in &keys[seg + 1..] {
                s.remove_segment(k).unwrap();
            }
            s.segment_mut(keys[seg]).unwrap().truncate(cut);
            let (mut j, rec) = Journal::open(s).unwrap();
            let whole = bounds
                .iter()
                .filter(|&&b| b <= cut)
                .count()
                .saturating_sub(1);
            let kept = before + whole;
            assert_eq!(recovered_records(&j), records[..kept], "cut at byte {cut}");
            assert_eq!(rec.last_seq, kept as u64);
            let on_boundary = cut == 0 || bounds.contains(&cut);
            let kept_bytes = if whole == 0 { 0 } else { bounds[whole] };
            assert_eq!(rec.dropped_bytes, (cut - kept_bytes) as u64, "cut at {cut}");
            if on_boundary {
                assert!(rec.problems.is_empty(), "cut at {cut}: {}", rec.summary());
            } else {
                assert_eq!(
                    rec.problems[0].kind,
                    ProblemKind::Damaged(Damage::TornTail),
                    "cut at {cut}"
                );
                assert_eq!(rec.problems[0].at_seq, kept as u64 + 1);
                assert!(rec.summary().contains("torn tail"));
            }
            // The store was repaired: appending continues the sequence, and a reopen is clean.
            assert_eq!(j.append(&ev[..2]).unwrap(), kept as u64 + 2);
            let (j2, rec2) = Journal::open(j.into_store()).unwrap();
            assert!(rec2.is_clean(), "cut at {cut}: {}", rec2.summary());
            assert_eq!(rec2.last_seq, kept as u64 + 2);
            drop(j2);
        }
    }
}

/// Flip every bit of every byte: each time the journal keeps exactly the records before
/// the damaged one, and reports the damage.
#[test]
fn bit_flips_anywhere_keep_the_longest_valid_prefix() {
    let ev = events(4, 12);
    let (store, records) = journaled(&[&ev[..5], &ev[5..9], &ev[9..]]);
    let keys = store.segment_keys().unwrap();
    let seg_lens: Vec<usize> = keys
        .iter()
        .map(|&k| store.read_segment(k).unwrap().len())
        .collect();
    let total: usize = seg_lens.iter().sum();
    let mut start = 0;
    for (si, &k) in keys.iter().enumerate() {
        let end = keys.get(si + 1).map_or(records.len(), |&n| n as usize - 1);
        let bounds = boundaries(&records[start..end]);
        let len = store.read_segment(k).unwrap().len();
        for byte in 0..len {
            // Records before the one holding this byte survive; a header flip loses all.
            let survivors = start
                + bounds
                    .iter()
                    .filter(|&&b| b <= byte)
                    .count()
                    .saturating_sub(1);
            for bit in 0..8 {
                let mut s = store.clone();
                s.segment_mut(k).unwrap()[byte] ^= 1 << bit;
                let (j, rec) = Journal::open(s).unwrap();
                assert_eq!(
                    recovered_records(&j),
                    records[..survivors],
                    "segment {k} byte {byte} bit {bit}"
                );
                assert!(
                    !rec.problems.is_empty(),
                    "byte {byte} bit {bit}: nothing reported"
                );
                assert_eq!(rec.problems[0].at_seq, survivors as u64 + 1);
                let kept_here = bounds
                    .iter()
                    .filter(|&&b| b <= byte)
                    .count()
                    .saturating_sub(1);
                let kept_bytes = seg_lens[..si].iter().sum::<usize>()
                    + if kept_here == 0 { 0 } else { bounds[kept_here] };
                assert_eq!(
                    rec.dropped_bytes as usize,
                    total - kept_bytes,
                    "byte {byte} bit {bit}"
                );
                assert!(rec.dropped_records as usize <= records.len() - survivors);
            }
        }
        start = end;
    }
}

#[test]
fn a_duplicated_record_is_applied_once_and_reported() {
    let ev = events(5, 10);
    let (mut store, records) = journaled(&[&ev[..6], &ev[6..]]);
    let keys = store.segment_keys().unwrap();
    let b = boundaries(&records[..keys[1] as usize - 1]);
    // Copy the third record right after itself, as a retried write would.
    let seg = store.segment_mut(keys[0]).unwrap();
    let copy = seg[b[2]..b[3]].to_vec();
    seg.splice(b[3]..b[3], copy.iter().copied());
    let (j, rec) = Journal::open(store).unwrap();
    assert_eq!(recovered_records(&j), records);
    assert_eq!(rec.problems.len(), 1);
    assert_eq!(rec.problems[0].kind, ProblemKind::Duplicate { seq: 3 });
    assert_eq!(
        (rec.dropped_records, rec.dropped_bytes),
        (1, copy.len() as u64)
    );
    let mut direct = engine();
    ev.iter().for_each(|e| direct.apply(e));
    assert_eq!(j.restore(engine()).unwrap().engine, direct);
    let (_, again) = Journal::open(j.into_store()).unwrap();
    assert!(again.is_clean(), "repaired: {}", again.summary());

    // A copy of the last record of one segment at the head of the next is skipped too.
    let (mut store, records) = journaled(&[&ev[..6], &ev[6..]]);
    let keys = store.segment_keys().unwrap();
    let first = store.read_segment(keys[0]).unwrap();
    let b = boundaries(&records[..keys[1] as usize - 1]);
    let last = first[b[b.len() - 2]..].to_vec();
    store.segment_mut(keys[1]).unwrap().splice(8..8, last);
    let (j, rec) = Journal::open(store).unwrap();
    assert_eq!(recovered_records(&j), records);
    assert!(matches!(
        rec.problems[0].kind,
        ProblemKind::Duplicate { .. }
    ));
}

#[test]
fn out_of_order_sequence_numbers_cut_the_journal() {
    let ev = events(6, 12);
    let (mut store, records) = journaled(&[&ev[..6], &ev[6..9], &ev[9..]]);
    let keys = store.segment_keys().unwrap();
    let b = boundaries(&records[..keys[1] as usize - 1]);
    // Swap records 4 and 5 (both intact, each with its own checksum).
    let seg = store.segment_mut(keys[0]).unwrap();
    let (r4, r5) = (seg[b[3]..b[4]].to_vec(), seg[b[4]..b[5]].to_vec());
    let swapped = [r5, r4].concat();
    seg.splice(b[3]..b[5], swapped);
    let (j, rec) = Journal::open(store).unwrap();
    assert_eq!(recovered_records(&j), records[..3]);
    assert_eq!(
        rec.problems[0].kind,
        ProblemKind::OutOfOrder {
            expected: 4,
            found: 5
        }
    );
    assert_eq!(rec.dropped_records as usize, records.len() - 3);
    assert!(rec.summary().contains("cut at record 4"));
    assert_eq!(
        j.store().segment_keys().unwrap(),
        vec![1],
        "later segments removed"
    );

    // A missing middle segment: everything after the gap goes.
    let (mut store, records) = journaled(&[&ev[..6], &ev[6..9], &ev[9..]]);
    let keys = store.segment_keys().unwrap();
    store.remove_segment(keys[1]).unwrap();
    let (j, rec) = Journal::open(store).unwrap();
    assert_eq!(recovered_records(&j), records[..keys[1] as usize - 1]);
    assert!(matches!(
        rec.problems[0].kind,
        ProblemKind::OutOfOrder { .. }
    ));

    // Same sequence number, different content: not a duplicate, a conflict that cuts.
    let (mut store, records) = journaled(&[&ev[..6], &ev[6..]]);
    let keys = store.segment_keys().unwrap();
    let mut other = Vec::new();
    let odd = Event::Metric(MetricEvent {
        t_ms: -1,
        series: 99,
        value: 12345.0,
    });
    pipescope::core::journal::encode_event(&mut other, keys[1] - 1, &odd);
    store.segment_mut(keys[1]).unwrap().splice(8..8, other);
    let (j, rec) = Journal::open(store).unwrap();
    assert_eq!(recovered_records(&j), records[..keys[1] as usize - 1]);
    assert!(matches!(
        rec.problems[0].kind,
        ProblemKind::OutOfOrder { .. }
    ));
}

/// Write-ahead use: append, apply, checkpoint now and then.
fn run(j: &mut Journal<MemStore>, e: &mut ErrorEngine, batch: &[Event], checkpoint: bool) {
    let seq = j.append(batch).unwrap();
    batch.iter().for_each(|x| e.apply(x));
    if checkpoint {
        j.checkpoint(seq, e).unwrap();
    }
}

#[test]
fn a_torn_or_corrupt_checkpoint_falls_back_to_the_previous_one() {
    let ev = events(7, 3000);
    let (mut j, _) = Journal::open(MemStore::new()).unwrap();
    let mut e = engine();
    run(&mut j, &mut e, &ev[..1000], true);
    run(&mut j, &mut e, &ev[1000..2000], true);
    run(&mut j, &mut e, &ev[2000..], false);
    let mut direct = engine();
    ev.iter().for_each(|x| direct.apply(x));
    assert_eq!(e, direct);

    // The third checkpoint is torn (the crash hits 40 bytes into it).
    let mut torn = j.store().clone();
    torn.crash_after(40);
    let (mut j3, _) = Journal::open(torn).unwrap();
    let err = j3.checkpoint(3000, &e).unwrap_err();
    assert!(matches!(
        err,
        JournalError::Store(StoreError::Unavailable(_))
    ));
    let mut store = j3.into_store();
    store.revive();
    let (j4, rec) = Journal::open(store).unwrap();
    assert_eq!(rec.checkpoint_seq, Some(2000), "{}", rec.summary());
    assert_eq!(rec.slot_problems[0].damage, SlotDamage::Torn);
    assert_eq!(rec.to_replay, 1000);
    let r = j4.restore(engine()).unwrap();
    assert_eq!((r.checkpoint_seq, r.replayed), (Some(2000), 1000));
    assert_eq!(r.engine, direct);

    // A bit flip in the newest checkpoint: the older one is used, with a longer replay.
    let mut store = j.store().clone();
    // Slot 0 holds the checkpoint at 1000, slot 1 the one at 2000.
    store.slot_mut(1).unwrap()[40] ^= 0x10;
    let (j5, rec) = Journal::open(store).unwrap();
    assert_eq!(rec.checkpoint_seq, Some(1000));
    assert_eq!(rec.slot_problems[0].damage, SlotDamage::Checksum);
    assert!(rec.summary().contains("checkpoint slot"));
    let r = j5.restore(engine()).unwrap();
    assert_eq!((r.checkpoint_seq, r.replayed), (Some(1000), 2000));
    assert_eq!(r.engine, direct);

    // Both checkpoints gone: a full replay still gives the same state.
    let mut store = j.store().clone();
    store.slot_mut(0).unwrap().truncate(10);
    store.slot_mut(1).unwrap().truncate(10);
    let (j6, rec) = Journal::open(store).unwrap();
    assert_eq!(rec.checkpoint_seq, None);
    assert_eq!(j6.restore(engine()).unwrap().engine, direct);
}

#[test]
fn a_checkpoint_of_another_version_is_replaced_by_a_replay_from_the_start() {
    let ev = events(11, 3000);
    let (mut j, _) = Journal::open(MemStore::new()).unwrap();
    let mut direct = engine();
    ev.iter().for_each(|x| direct.apply(x));
    // State of another shape (an older engine, shorter): postcard cannot read it as this one.
    let seq = j.append(&ev[..2000]).unwrap();
    j.checkpoint(seq, &(7u8, 1u32)).unwrap();
    j.append(&ev[2000..]).unwrap();
    let (j2, rec) = Journal::open(j.store().clone()).unwrap();
    assert_eq!(rec.checkpoint_seq, Some(2000));
    let err = j2.restore(engine()).unwrap_err();
    assert!(
        matches!(err, JournalError::State { seq: 2000, .. }),
        "{err}"
    );
    let r = j2
        .restore_from_start(engine())
        .unwrap()
        .expect("every record is stored");
    assert_eq!(
        (r.checkpoint_seq, r.replayed, r.last_seq),
        (None, 3000, 3000)
    );
    assert_eq!(r.engine, direct);

    // Once compaction has dropped history only the checkpoint covered, there is no start.
    let mut j3 = j2;
    let c = j3.compact(Retention::covered_only()).unwrap();
    assert!(c.segments > 0);
    assert!(j3.restore_from_start(engine()).unwrap().is_none());
}

#[test]
fn checkpoints_must_follow_the_journal() {
    let (mut j, _) = Journal::open(MemStore::new()).unwrap();
    j.append(&events(8, 5)).unwrap();
    let err = j.checkpoint(6, &engine()).unwrap_err();
    assert_eq!(
        err,
        JournalError::CheckpointAhead {
            seq: 6,
            last_seq: 5
        }
    );
    assert!(err.to_string().contains("journal ends at record 5"));
}

#[test]
fn compaction_drops_only_covered_history_within_the_caps() {
    let ev = events(9, 4000);
    let (mut j, _) = Journal::open(MemStore::new()).unwrap();
    let mut e = engine();
    // Nothing is covered yet: compaction removes nothing and says a checkpoint is due.
    run(&mut j, &mut e, &ev[..1000], false);
    let c = j.compact(Retention::covered_only()).unwrap();
    assert_eq!((c.segments, c.over_cap), (0, true));
    run(&mut j, &mut e, &ev[1000..2000], true);
    run(&mut j, &mut e, &ev[2000..3000], true);
    run(&mut j, &mut e, &ev[3000..], false);
    // Covered by the older checkpoint (2000): two segments.
    let c = j.compact(Retention::covered_only()).unwrap();
    assert_eq!((c.segments, c.records), (2, 2000));
    assert!(
        c.over_cap,
        "records 2001-3000 are covered by the newest checkpoint only"
    );
    assert_eq!(j.stats().first_seq, 2001);
    let mut direct = engine();
    ev.iter().for_each(|x| direct.apply(x));
    let (j2, rec) = Journal::open(j.into_store()).unwrap();
    assert!(rec.is_clean(), "{}", rec.summary());
    assert_eq!(j2.restore(engine()).unwrap().engine, direct);

    // The size cap keeps covered history while it fits; the age cap by stream time.
    let (mut j, _) = Journal::open(MemStore::new()).unwrap();
    let mut e = engine();
    for k in 0..4 {
        run(&mut j, &mut e, &ev[k * 1000..(k + 1) * 1000], k >= 2);
    }
    let unlimited = j.compact(Retention::default()).unwrap();
    assert_eq!(unlimited.segments, 0, "no cap, nothing dropped");
    let total = j.stats().bytes;
    let c = j
        .compact(Retention {
            max_age_ms: None,
            max_bytes: Some(total - j.segments()[0].bytes),
        })
        .unwrap();
    assert_eq!(c.segments, 1);
    let newest = j.stats().newest_t_ms.unwrap();
    let age = newest - j.segments()[0].max_t_ms.unwrap() - 1;
    let c = j
        .compact(Retention {
            max_age_ms: Some(age),
            max_bytes: None,
        })
        .unwrap();
    assert_eq!(c.segments, 1);
    assert_eq!(j.stats().first_seq, 2001);
}

#[test]
fn storage_full_refuses_the_write_and_keeps_what_is_stored() {
    let ev = events(10, 400);
    let mut store = MemStore::new();
    store.set_quota(Some(8_000));
    let (mut j, _) = Journal::open(store).unwrap();
    let mut acked = 0;
    let err = loop {
        match j.append(&ev[acked..acked + 50]) {
            Ok(_) => acked += 50,
            Err(e) => break e,
        }
    };
    assert!(matches!(
        err,
        JournalError::Store(StoreError::QuotaExceeded { limit: 8_000, .. })
    ));
    assert!(err.to_string().contains("storage is full"), "{err}");
    assert_eq!(j.last_seq(), acked as u64, "a refused batch is not counted");
    let (j, rec) = Journal::open(j.into_store()).unwrap();
    assert!(rec.is_clean());
    assert_eq!(
        recovered_records(&j),
        ev[..acked]
            .iter()
            .map(|e| Record::Event(*e))
            .collect::<Vec<_>>()
    );
}

#[test]
fn names_are_journaled_before_their_events_and_conflicts_refused() {
    let (mut j, _) = Journal::open(MemStore::new()).unwrap();
    j.name(NameKind::Series, 3, "energy_price").unwrap();
    j.name(NameKind::Series, 3, "energy_price").unwrap();
    let err = j.name(NameKind::Series, 3, "gas_price").unwrap_err();
    assert!(
        err.to_string().contains("series 3 is already named"),
        "{err}"
    );
    let long = "x".repeat(5000);
    assert!(matches!(
        j.name(NameKind::Build, 0, &long),
        Err(JournalError::NameTooLong { bytes: 5000, .. })
    ));
    let m = Event::Metric(MetricEvent {
        t_ms: 5,
        series: 3,
        value: 1.5,
    });
    assert_eq!(j.append(&[m]).unwrap(), 2);
    let entries = j.records_after(0).unwrap();
    assert!(matches!(&entries[0].record, Record::Name(n) if n.name == "energy_price"));
    assert_eq!(entries[1].record, Record::Event(m));
    // The catalog survives compaction through the checkpoint.
    j.checkpoint(2, &engine()).unwrap();
    j.compact(Retention::covered_only()).unwrap();
    assert!(j.segments().is_empty());
    let (j, _) = Journal::open(j.into_store()).unwrap();
    assert_eq!(j.catalog().name(NameKind::Series, 3), Some("energy_price"));
    assert_eq!(j.last_seq(), 2, "the sequence goes on after the checkpoint");
}

#[test]
fn file_store_survives_reopen_and_a_torn_segment_file() {
    let dir = std::env::temp_dir().join(format!("pipescope-journal-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ev: Vec<Event> = events(11, 600)
        .into_iter()
        .filter(|e| matches!(e, Event::Error(_)))
        .take(300)
        .collect();
    assert_eq!(ev.len(), 300);
    {
        let (mut j, rec) = Journal::open(FileStore::open(&dir).unwrap()).unwrap();
        assert!(rec.is_clean());
        let mut e = engine();
        let seq = j.append(&ev[..100]).unwrap();
        ev[..100].iter().for_each(|x| e.apply(x));
        j.checkpoint(seq, &e).unwrap();
        j.append(&ev[100..200]).unwrap();
        j.append(&ev[200..]).unwrap();
    }
    // Tear the last segment file 5 bytes into its 10th record.
    let last = dir.join(format!("seg-{:016x}.psj", 201));
    let f = std::fs::OpenOptions::new().write(true).open(&last).unwrap();
    f.set_len(8 + 9 * 33 + 5).unwrap();
    let (j, rec) = Journal::open(FileStore::open(&dir).unwrap()).unwrap();
    assert_eq!(rec.last_seq, 209);
    assert_eq!(rec.checkpoint_seq, Some(100));
    assert_eq!(rec.problems[0].kind, ProblemKind::Damaged(Damage::TornTail));
    let mut direct = engine();
    ev[..209].iter().for_each(|x| direct.apply(x));
    assert_eq!(j.restore(engine()).unwrap().engine, direct);
    assert_eq!(
        std::fs::metadata(&last).unwrap().len(),
        8 + 9 * 33,
        "repaired in place"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A real error stream journaled in frame-sized batches, checkpointed, restored: the
/// alerts equal those of the direct run.
#[test]
fn real_error_stream_through_the_journal_equals_the_direct_run() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/ErrorStreamSetA.csv"
    );
    let stream = read_path(std::path::Path::new(path), &ReadOptions::default()).unwrap();
    let config = Config::for_stream(&stream);
    let mut direct = ErrorEngine::new(config.clone()).unwrap();
    stream.events.iter().for_each(|e| direct.push(*e));
    let (mut j, _) = Journal::open(MemStore::new()).unwrap();
    for (id, b) in stream.builds.iter().enumerate() {
        j.name(NameKind::Build, id as u32, b).unwrap();
    }
    for (id, c) in stream.codes.iter().enumerate() {
        j.name(NameKind::Code, id as u32, c).unwrap();
    }
    let mut live = ErrorEngine::new(config.clone()).unwrap();
    let events: Vec<Event> = stream.events.iter().map(|e| Event::Error(*e)).collect();
    // Crash after the 9th batch of 1,000, with a checkpoint after the 5th.
    for (k, batch) in events.chunks(1000).take(9).enumerate() {
        run(&mut j, &mut live, batch, k == 4);
    }
    let (j, rec) = Journal::open(j.into_store()).unwrap();
    assert_eq!(rec.events, 9000);
    assert_eq!(
        rec.checkpoint_seq,
        Some(5000 + stream.builds.len() as u64 + stream.codes.len() as u64)
    );
    let mut restored = j.restore(ErrorEngine::new(config).unwrap()).unwrap().engine;
    assert_eq!(restored, live);
    events[9000..].iter().for_each(|e| restored.apply(e));
    restored.finish();
    direct.finish();
    assert!(!direct.alerts().is_empty());
    assert_eq!(restored.alerts(), direct.alerts());
    assert_eq!(restored, direct);
    assert_eq!(
        j.catalog().name(NameKind::Build, 0),
        Some(stream.builds[0].as_str())
    );
}

/// Damage in history a checkpoint already covers costs that history, not the records the
/// state still needs after the checkpoint.
#[test]
fn damage_in_covered_history_does_not_cut_the_needed_tail() {
    let ev = events(12, 3000);
    let (mut j, _) = Journal::open(MemStore::new()).unwrap();
    let mut e = engine();
    run(&mut j, &mut e, &ev[..1000], false);
    run(&mut j, &mut e, &ev[1000..2000], true);
    run(&mut j, &mut e, &ev[2000..], false);
    let mut store = j.into_store();
    // Flip a bit inside a record near the middle of the second segment (records 1001-2000).
    let seg = store.segment_mut(1001).unwrap();
    let mid = seg.len() / 2;
    seg[mid] ^= 0x04;
    let (j, rec) = Journal::open(store).unwrap();
    assert_eq!(rec.checkpoint_seq, Some(2000));
    assert!(matches!(rec.problems[0].kind, ProblemKind::Damaged(_)));
    let lost_from = rec.problems[0].at_seq;
    assert!((1001..2000).contains(&lost_from));
    assert_eq!(
        rec.problems[1].kind,
        ProblemKind::HistoryGap {
            from: lost_from,
            to: 2000
        }
    );
    assert_eq!(
        rec.last_seq, 3000,
        "records after the checkpoint are all kept"
    );
    assert_eq!(rec.to_replay, 1000);
    let mut direct = engine();
    ev.iter().for_each(|x| direct.apply(x));
    assert_eq!(j.restore(engine()).unwrap().engine, direct);
    // Without the checkpoint, the same flip cuts the journal at the damaged record.
    let mut store = j.into_store();
    store.slot_mut(0).unwrap().clear();
    let (j, rec) = Journal::open(store).unwrap();
    assert_eq!(rec.last_seq, lost_from - 1);
    assert!(matches!(
        rec.problems.last().unwrap().kind,
        ProblemKind::OutOfOrder { .. }
    ));
    drop(j);
}
