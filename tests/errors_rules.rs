//! Error-code rules the Errors workspace's way and the command line's way: the page feeds
//! events to `core::rules::ErrorRules` in slices as its clock moves (and journals them
//! in the Errors checkpoint), `pipescope errors --rules` in one go; both must fire and
//! resolve at the same stream times, and a restore mid-`for` must equal a run that never
//! stopped.

mod common;

use common::set_a_rules::{expected_firings, firings, Firing, RULES, SET_A};
use common::{run, stderr, stdout};
use pipescope::core::errors::heatmap::HeatMode;
use pipescope::core::errors::snapshot::{ErrorsSnapshot, RuleState};
use pipescope::core::errors::{read_path, Config, ErrorEngine, ErrorStream, ReadOptions};
use pipescope::core::event::Event;
use pipescope::core::journal::{Journal, MemStore};
use pipescope::core::rules::{parse, Alerting, ErrorNames, ErrorRules, Format};
use pipescope::core::stream::Speed;

fn stream() -> ErrorStream {
    read_path(std::path::Path::new(SET_A), &ReadOptions::default()).expect("SetA reads")
}

fn names(s: &ErrorStream) -> ErrorNames {
    ErrorNames {
        builds: s.builds.clone(),
        codes: s.codes.clone(),
        baseline: s.baseline,
        candidate: s.candidate,
    }
}

/// A fresh page snapshot running the rules file, as the page starts a stream.
fn page_snapshot(s: &ErrorStream, config: &Config) -> ErrorsSnapshot {
    let text = std::fs::read_to_string(RULES).unwrap();
    let file = parse(&text, Format::Yaml).expect("the rules file reads");
    let bin_ms = i64::from(config.bin_seconds) * 1000;
    let rules = ErrorRules::new(Alerting::from_file(file, Vec::new()), names(s), bin_ms);
    ErrorsSnapshot::new(
        ErrorEngine::new(config.clone()).unwrap(),
        &ReadOptions::default(),
        HeatMode::Difference,
        Speed::Times(60.0),
        s.events[0].t_ms,
    )
    .with_rules(RuleState::new(rules))
}

/// The page's clock tick to `to`: the events up to it, then the clock (or the end).
fn tick(snap: &mut ErrorsSnapshot, s: &ErrorStream, cursor: &mut usize, to: i64) -> Vec<Event> {
    let end = s.events.last().unwrap().t_ms;
    let to = to.min(end);
    let n = s.events[*cursor..].partition_point(|e| e.t_ms <= to);
    let batch: Vec<Event> = s.events[*cursor..*cursor + n]
        .iter()
        .map(|&e| Event::Error(e))
        .collect();
    for &e in &s.events[*cursor..*cursor + n] {
        snap.push(e);
    }
    *cursor += n;
    snap.position_ms = to;
    let RuleState { rules, book } = &mut snap.rules;
    if *cursor < s.events.len() {
        snap.engine.advance_to(to);
        rules.advance(book, to);
    } else {
        snap.engine.finish();
        rules.finish(book);
    }
    batch
}

/// What the command line prints for the rules.
fn cli_firings() -> Vec<Firing> {
    let o = run(&["errors", SET_A, "--rules", RULES]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut got: Vec<Firing> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .filter_map(|v| {
            let rule = v["source"].get("rule")?;
            Some((
                rule["rule"].as_str()?.to_string(),
                rule["target"].as_str()?.to_string(),
                v["start_ms"].as_i64()? / 1000,
                v["opened_ms"].as_i64()? / 1000,
                v["end_ms"].as_i64().map(|e| e / 1000),
            ))
        })
        .collect();
    got.sort();
    got
}

#[test]
fn the_page_and_the_cli_fire_the_same_rules_at_the_same_times() {
    let s = stream();
    let config = Config::for_stream(&s);
    let want = cli_firings();
    // The rule times are in common::set_a_rules.
    let expected = expected_firings();
    assert_eq!(want, expected, "the command line's firings");

    // The page: ticks of every length its clock moves by (a frame at 1x to a slice at max).
    for step_ms in [250, 1_000, 7_000, 60_000, 3_600_000] {
        let mut snap = page_snapshot(&s, &config);
        let mut cursor = 0;
        let mut t = s.events[0].t_ms;
        while cursor < s.events.len() {
            t += step_ms;
            tick(&mut snap, &s, &mut cursor, t);
        }
        assert_eq!(
            firings(snap.rules.book.incidents()),
            expected,
            "ticks of {step_ms} ms"
        );
    }
}

#[test]
fn a_restore_mid_pending_resumes_the_timer_exactly() {
    let s = stream();
    let config = Config::for_stream(&s);
    let run_to_end =
        |snap: &mut ErrorsSnapshot, cursor: &mut usize, journal: Option<&mut Journal<MemStore>>| {
            let mut journal = journal;
            while *cursor < s.events.len() {
                let to = snap.position_ms + 3_000;
                let batch = tick(snap, &s, cursor, to);
                if let Some(j) = journal.as_deref_mut() {
                    j.append(&batch).unwrap();
                }
            }
        };
    let mut whole = page_snapshot(&s, &config);
    let mut cursor = 0;
    run_to_end(&mut whole, &mut cursor, None);

    // Again with a journal: checkpoint while the ratio rule waits out its `for`, journal a
    // little more, then crash and restore from the checkpoint plus the events after it.
    let (mut journal, _) = Journal::open(MemStore::new()).unwrap();
    let mut page = page_snapshot(&s, &config);
    journal.checkpoint(journal.last_seq(), &page).unwrap();
    let mut cursor = 0;
    while page.rules.rules.alerting().engine().pending().is_empty() {
        let to = page.position_ms + 3_000;
        let batch = tick(&mut page, &s, &mut cursor, to);
        journal.append(&batch).unwrap();
    }
    let pending_since = page.rules.rules.alerting().engine().pending()[0].2;
    journal.checkpoint(journal.last_seq(), &page).unwrap();
    for _ in 0..4 {
        let to = page.position_ms + 3_000;
        let batch = tick(&mut page, &s, &mut cursor, to);
        journal.append(&batch).unwrap();
    }
    let crashed_at = page.position_ms;
    let (journal, _) = Journal::open(journal.into_store()).unwrap();
    let mut restored = journal
        .restore(page_snapshot(&s, &config))
        .expect("restore")
        .engine;
    assert_eq!(restored.applied as usize, cursor);
    let resumed = restored.resume(&s.events).expect("resume");
    assert_eq!(resumed, cursor);
    assert_eq!(restored.position_ms.max(crashed_at), crashed_at);
    let timers = |p: &ErrorsSnapshot| {
        let e = p.rules.rules.alerting().engine();
        let own = |v: Vec<(&str, String, i64)>| {
            v.into_iter()
                .map(|(r, t, s)| (r.to_string(), t, s))
                .collect::<Vec<_>>()
        };
        (own(e.pending()), own(e.firing()))
    };
    assert!(
        timers(&restored).0.iter().any(|p| p.2 == pending_since),
        "the pending timer came back: {:?}",
        timers(&restored)
    );
    let mut cursor = resumed;
    restored.position_ms = crashed_at;
    run_to_end(&mut restored, &mut cursor, None);
    assert_eq!(
        firings(restored.rules.book.incidents()),
        firings(whole.rules.book.incidents())
    );
    assert_eq!(
        restored.rules.rules, whole.rules.rules,
        "the rules' whole state"
    );
}
