//! Error-code rules on a live error feed: the Errors workspace reads the feed's NDJSON
//! answers (`FeedReader`), names each new build and code, journals the events and judges
//! them with `LiveErrors::push_judged`. Fed ErrorStreamSetA as a feed, the rules must fire
//! and resolve at the stream times `pipescope errors --rules` gives for the file; a restore
//! from a checkpoint plus the names and events journaled after it must equal a feed that
//! never stopped; and a new candidate build starts the rules afresh.

mod common;

use common::set_a_rules::{expected_firings, firings, Firing, RULES, SET_A};
use pipescope::core::errors::heatmap::HeatMode;
use pipescope::core::errors::live::{backtest_live, learn_name, LiveErrors, LiveSnapshot};
use pipescope::core::errors::snapshot::RuleState;
use pipescope::core::errors::Config;
use pipescope::core::event::Event;
use pipescope::core::journal::{CatalogEntry, Journal, MemStore, NameKind};
use pipescope::core::live::events::{EventFeed, FeedReader};
use pipescope::core::rules::{parse, Alerting, ErrorNames, ErrorRules, Format};

/// SetA as a feed's answers: NDJSON lines, `per_answer` events an answer, with the
/// candidate build renamed `renamed` from stream second `from_s` on (a new deployment).
fn answers(per_answer: usize, rename: Option<(i64, &str)>) -> Vec<String> {
    let text = std::fs::read_to_string(SET_A).expect("SetA is in ../shared/data");
    let lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut p = l.split(',');
            let (ts, build, code) = (p.next().unwrap(), p.next().unwrap(), p.next().unwrap());
            let secs = pipescope::core::time::parse_timestamp_ms(ts).unwrap() / 1000;
            let build = match rename {
                Some((from, to)) if secs >= from && build == "5.0007.610.011" => to,
                _ => build,
            };
            serde_json::json!({"ts": ts, "build": build, "code": code}).to_string()
        })
        .collect();
    lines.chunks(per_answer).map(|c| c.join("\n")).collect()
}

fn template() -> Config {
    // SetA's settings as the workspace picks them for the file (bin width included), so
    // the rules' clock is the command line's.
    let s = pipescope::core::errors::read_path(std::path::Path::new(SET_A), &Default::default())
        .unwrap();
    Config::for_stream(&s)
}

fn rules_file() -> pipescope::core::rules::RulesFile {
    parse(&std::fs::read_to_string(RULES).unwrap(), Format::Yaml).unwrap()
}

/// The workspace as it connects: an empty comparison and the rules, nothing named yet.
fn connected() -> LiveSnapshot {
    let config = template();
    let bin_ms = i64::from(config.bin_seconds) * 1000;
    let rules = ErrorRules::new(
        Alerting::from_file(rules_file(), Vec::new()),
        ErrorNames::default(),
        bin_ms,
    );
    LiveSnapshot::new(
        EventFeed::new("/errors/feed", 1_000).unwrap(),
        LiveErrors::new(config).unwrap(),
        HeatMode::Difference,
        RuleState::new(rules),
    )
}

/// One answer, as the page takes it: names first (journaled before the events), then the
/// events. Returns what the journal records, in order.
fn take(
    snap: &mut LiveSnapshot,
    reader: &mut FeedReader,
    body: &str,
) -> (Vec<CatalogEntry>, Vec<Event>) {
    let batch = reader.read_more(body.as_bytes());
    assert_eq!(batch.malformed, 0);
    let mut names = Vec::new();
    for (id, name) in &batch.new_builds {
        names.push(CatalogEntry {
            kind: NameKind::Build,
            id: *id,
            name: name.clone(),
        });
    }
    for (id, name) in &batch.new_codes {
        names.push(CatalogEntry {
            kind: NameKind::Code,
            id: *id,
            name: name.clone(),
        });
    }
    for n in &names {
        learn_name(&mut snap.rules.rules, n);
    }
    for e in &batch.events {
        snap.push(*e);
    }
    (
        names,
        batch.events.iter().map(|&e| Event::Error(e)).collect(),
    )
}

fn feed_all(per_answer: usize, rename: Option<(i64, &str)>) -> LiveSnapshot {
    let mut snap = connected();
    let mut reader = FeedReader::default();
    reader.begin();
    for body in answers(per_answer, rename) {
        take(&mut snap, &mut reader, &body);
    }
    snap
}

#[test]
fn a_live_feed_fires_the_rules_at_the_command_lines_times() {
    for per_answer in [1, 37, 5_000] {
        let mut snap = feed_all(per_answer, None);
        assert_eq!(snap.live.pair(), Some((0, 1)));
        let names = snap.rules.rules.names().clone();
        assert_eq!(
            (names.builds[1].as_str(), names.candidate),
            ("5.0007.610.011", 1),
            "the second build to appear is the candidate the rules count"
        );
        // The feed ends: the clock runs on as the command line's does after the file.
        let RuleState { rules, book } = &mut snap.rules;
        rules.finish(book);
        assert_eq!(
            firings(book.incidents()),
            expected_firings(),
            "answers of {per_answer} event(s)"
        );
    }
}

#[test]
fn a_restore_resumes_names_rules_and_timers_exactly() {
    let bodies = answers(7, None);
    let straight = feed_all(7, None);

    let (mut journal, _) = Journal::open(MemStore::new()).unwrap();
    let mut page = connected();
    journal.checkpoint(journal.last_seq(), &page).unwrap();
    let mut reader = FeedReader::default();
    reader.begin();
    let mut crashed_pending = false;
    let mut checkpointed_early = false;
    for body in &bodies {
        let (names, events) = take(&mut page, &mut reader, body);
        for n in &names {
            journal.name(n.kind, n.id, &n.name).unwrap();
        }
        let seq = journal.append(&events).unwrap();
        // A checkpoint before codes 4 and 5 are named: the restore must name them from
        // the journal, in order, before their first events.
        if !checkpointed_early && page.live.newest_ms().unwrap_or(0) >= 2_000 {
            assert!(!page.rules.rules.names().codes.iter().any(|c| c == "4"));
            journal.checkpoint(seq, &page).unwrap();
            checkpointed_early = true;
        }
        // A crash while the ratio rule waits out its `for`.
        if !crashed_pending && !page.rules.rules.alerting().engine().pending().is_empty() {
            crashed_pending = true;
            let (again, _) = Journal::open(journal.store().clone()).unwrap();
            let restored = again.restore(connected()).unwrap();
            assert!(restored.replayed > 0);
            assert_eq!(restored.engine, page, "restored mid-`for`");
        }
    }
    assert!(checkpointed_early && crashed_pending);
    assert_eq!(page, straight);
    let (again, _) = Journal::open(journal.store().clone()).unwrap();
    assert_eq!(again.restore(connected()).unwrap().engine, straight);
}

#[test]
fn a_new_candidate_build_starts_the_rules_afresh() {
    let switch_s = 30 * 60;
    let mut snap = feed_all(200, Some((switch_s, "5.0007.710.011")));
    assert_eq!(
        snap.live.pair(),
        Some((1, 2)),
        "the new build is the candidate"
    );
    let names = snap.rules.rules.names().clone();
    assert_eq!((names.baseline, names.candidate), (1, 2));
    let RuleState { rules, book } = &mut snap.rules;
    rules.finish(book);
    let got = firings(book.incidents());
    assert!(
        got.iter().all(|f| f.2 >= switch_s),
        "the book starts with the new comparison: {got:?}"
    );
    // The candidate's code 5 is the same traffic under the new name: the rate rule fires
    // where it did.
    let c5: Vec<Firing> = got.into_iter().filter(|f| f.1 == "5").collect();
    let want: Vec<Firing> = expected_firings()
        .into_iter()
        .filter(|f| f.1 == "5")
        .collect();
    assert_eq!(c5, want);
}

#[test]
fn the_backtest_over_a_feeds_events_is_what_the_feed_fired() {
    let mut reader = FeedReader::default();
    reader.begin();
    let mut events = Vec::new();
    for body in answers(500, None) {
        events.extend(reader.read_more(body.as_bytes()).events);
    }
    let names = ErrorNames {
        builds: reader.builds().to_vec(),
        codes: reader.codes().to_vec(),
        baseline: 0,
        candidate: 0,
    };
    let file = rules_file();
    let b = backtest_live(&file.rules, &names, &events, &template()).unwrap();
    let mut got: Vec<Firing> = b
        .rules
        .iter()
        .flat_map(|(rule, fs)| {
            fs.iter().map(move |x| {
                (
                    rule.clone(),
                    x.target.clone(),
                    x.start_ms / 1000,
                    x.fired_ms / 1000,
                    x.resolved_ms.map(|r| r / 1000),
                )
            })
        })
        .collect();
    got.sort();
    assert_eq!(got, expected_firings());
}
