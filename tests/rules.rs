//! Rules a user writes, and silences (core::rules): a recorded stream with known threshold
//! crossings replayed at 2 s, 15 s and 60 s cadences, every rule firing and resolving at
//! exactly the expected stream times; hysteresis; absence; rate of change; silences; bad
//! files with line numbers; a journal restore equal to the uninterrupted run.

use pipescope::core::incident::{IncidentConfig, IncidentEngine, IncidentSource, IncidentState};
use pipescope::core::rules::{
    apply, check, parse, ErrorNames, Format, RuleEngine, RuleOutcome, RulesErrorKind, RulesFile,
};
use pipescope::core::sink::Ledger;

const STREAM: &str = include_str!("data/rules_stream.csv");
const RULES: &str = include_str!("data/rules_stream.rules.yaml");

/// The recorded stream: metric names, and (t_ms, values) rows at 1 s.
fn recorded() -> (Vec<String>, Vec<(i64, Vec<f64>)>) {
    let mut lines = STREAM.lines();
    let names: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .skip(1)
        .map(String::from)
        .collect();
    let rows = lines
        .map(|line| {
            let mut cells = line.split(',');
            let t = pipescope::core::time::parse_timestamp_ms(cells.next().unwrap()).unwrap();
            let values = cells.map(|c| c.parse().unwrap_or(f64::NAN)).collect();
            (t, values)
        })
        .collect();
    (names, rows)
}

fn rules_file() -> RulesFile {
    parse(RULES, Format::Yaml).expect("the test rules read")
}

/// Replays the stream at `cadence_s` (every row whose time is a multiple of it) through
/// the evaluator and the incident book.
fn replay(cadence_s: i64, file: &RulesFile) -> (Vec<RuleOutcome>, IncidentEngine) {
    let (names, rows) = recorded();
    let mut engine = RuleEngine::new(file.rules.clone(), names.clone());
    let mut book = IncidentEngine::new(IncidentConfig::default(), names).unwrap();
    let mut all = Vec::new();
    let mut out = Vec::new();
    for (t, values) in rows.iter().filter(|(t, _)| t % (cadence_s * 1000) == 0) {
        for (series, v) in values.iter().enumerate() {
            engine.observe(*t, series as u32, *v, None, &mut out);
        }
        apply(&mut book, &out, &file.silences, *t);
        all.append(&mut out);
    }
    (all, book)
}

/// (rule, target, breach start s, fired s, resolved s) of every incident.
type Episode = (&'static str, &'static str, i64, i64, Option<i64>);

fn episodes(book: &IncidentEngine) -> Vec<(String, String, i64, i64, Option<i64>)> {
    let mut out: Vec<_> = book
        .incidents()
        .iter()
        .map(|i| {
            let IncidentSource::Rule { rule, target, .. } = &i.source else {
                panic!("only rule incidents here: {i:?}");
            };
            (
                rule.clone(),
                target.clone(),
                i.start_ms / 1000,
                i.opened_ms / 1000,
                i.end_ms.map(|e| e / 1000),
            )
        })
        .collect();
    out.sort();
    out
}

fn expect(list: &[Episode]) -> Vec<(String, String, i64, i64, Option<i64>)> {
    let mut out: Vec<_> = list
        .iter()
        .map(|&(r, t, s, f, e)| (r.to_string(), t.to_string(), s, f, e))
        .collect();
    out.sort();
    out
}

// The stream: price 800, 950 over [430, 700) s, 880 over [700, 1000), 820 after, with a
// 30 s spike to 950 at 1200; cpu_user 95 over [300, 400), else 40; cpu_system 97 over
// [900, 1100), else 35; queue 100, rising 5/s over [600, 800), then 1100; heartbeat
// missing over [1300, 1500). The times below are the first sample of each cadence at or
// after each crossing, worked out by hand.

#[test]
fn every_rule_fires_and_resolves_at_the_expected_times_at_2s() {
    let (_, book) = replay(2, &rules_file());
    assert_eq!(
        episodes(&book),
        expect(&[
            ("price high", "price", 430, 490, Some(1000)),
            // Without a recovery value it resolves as soon as the price is back at 900 or
            // below: 880 at 700.
            ("price high, no recovery", "price", 430, 490, Some(700)),
            ("price out of band", "price", 430, 430, Some(700)),
            ("price out of band", "price", 1200, 1200, Some(1230)),
            ("cpu busy", "cpu_user", 300, 330, Some(400)),
            ("cpu busy", "cpu_system", 900, 930, Some(1100)),
            ("cpu idle", "cpu_user", 400, 700, None),
            // Rate over 2 min above 2/s: the ramp's change over the window passes 240 after
            // 648 s and falls back to it at 872 s.
            ("queue growing", "queue", 650, 650, Some(872)),
            // Last beat at 1298: absent once more than 2 min passed (1418), seen at 1420.
            ("heartbeat lost", "heartbeat", 1418, 1420, Some(1500)),
        ])
    );
}

#[test]
fn every_rule_fires_and_resolves_at_the_expected_times_at_15s() {
    let (_, book) = replay(15, &rules_file());
    assert_eq!(
        episodes(&book),
        expect(&[
            ("price high", "price", 435, 495, Some(1005)),
            ("price high, no recovery", "price", 435, 495, Some(705)),
            ("price out of band", "price", 435, 435, Some(705)),
            ("price out of band", "price", 1200, 1200, Some(1230)),
            ("cpu busy", "cpu_user", 300, 330, Some(405)),
            ("cpu busy", "cpu_system", 900, 930, Some(1110)),
            ("cpu idle", "cpu_user", 405, 705, None),
            ("queue growing", "queue", 660, 660, Some(885)),
            ("heartbeat lost", "heartbeat", 1410, 1425, Some(1500)),
        ])
    );
}

#[test]
fn every_rule_fires_and_resolves_at_the_expected_times_at_60s() {
    let (_, book) = replay(60, &rules_file());
    assert_eq!(
        episodes(&book),
        expect(&[
            ("price high", "price", 480, 540, Some(1020)),
            ("price high, no recovery", "price", 480, 540, Some(720)),
            ("price out of band", "price", 480, 480, Some(720)),
            ("price out of band", "price", 1200, 1200, Some(1260)),
            ("cpu busy", "cpu_user", 300, 360, Some(420)),
            ("cpu busy", "cpu_system", 900, 960, Some(1140)),
            ("cpu idle", "cpu_user", 420, 720, None),
            ("queue growing", "queue", 660, 660, Some(900)),
            ("heartbeat lost", "heartbeat", 1380, 1440, Some(1500)),
        ])
    );
}

#[test]
fn a_rule_incident_carries_its_rule_condition_and_crossing_value() {
    let (_, book) = replay(15, &rules_file());
    let i = book
        .incidents()
        .iter()
        .find(|i| matches!(&i.source, IncidentSource::Rule { rule, .. } if rule == "price high"))
        .unwrap();
    assert_eq!(i.severity, 1);
    assert_eq!(i.uid(), format!("monitor-{}", i.id));
    let IncidentSource::Rule {
        condition, value, ..
    } = &i.source
    else {
        unreachable!()
    };
    assert_eq!(condition, "above 900 for 1m, recovers at 850");
    assert_eq!(*value, 950.0);
    let labels = i.labels();
    assert!(labels.contains(&("source", "rule".into())));
    assert!(labels.contains(&("rule", "price high".into())));
    assert!(labels.contains(&("metric", "price".into())));
}

/// Feeds one metric's values at 1 s; the outcomes.
fn feed(rules: &str, values: &[f64]) -> Vec<RuleOutcome> {
    let file = parse(rules, Format::Yaml).unwrap();
    let mut engine = RuleEngine::new(file.rules, vec!["m".into()]);
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        engine.observe(i as i64 * 1000, 0, *v, None, &mut out);
    }
    out
}

#[test]
fn hysteresis_keeps_a_hovering_value_from_flapping() {
    // Crosses 900 at 1 s, then hovers around it for a minute.
    let mut values = vec![800.0];
    values.extend((0..60).map(|i| if i % 2 == 0 { 905.0 } else { 895.0 }));
    values.extend([840.0, 800.0]);
    let with = feed(
        "version: 1\nrules:\n  - {name: r, metric: m, above: 900, recover: 850}\n",
        &values,
    );
    let times: Vec<(bool, i64)> = with.iter().map(|o| (o.firing, o.at_ms)).collect();
    assert_eq!(times, vec![(true, 1000), (false, 61_000)]);
    // The same rule without a recovery value flaps with the value: that is what the
    // recovery value is for.
    let without = feed(
        "version: 1\nrules:\n  - {name: r, metric: m, above: 900}\n",
        &values,
    );
    assert_eq!(without.len(), 60);
}

#[test]
fn a_breach_shorter_than_for_never_fires() {
    let mut values = vec![0.0; 5];
    values.extend([10.0; 9]); // 9 s above
    values.extend([0.0; 5]);
    values.extend([10.0; 10]); // 10 s above
    let out = feed(
        "version: 1\nrules:\n  - {name: r, metric: m, above: 5, for: 9s}\n",
        &values,
    );
    // The first run breaches at 5 s and its last breaching sample is at 13 s: held 8 s.
    // The second breaches at 19 s and has held 9 s at 28 s.
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!((out[0].start_ms, out[0].at_ms), (19_000, 28_000));
}

#[test]
fn absent_fires_only_on_a_real_gap_and_resolves_with_the_next_sample() {
    let file = parse(
        "version: 1\nrules:\n  - {name: quiet, metric: b, absent: 30s}\n",
        Format::Yaml,
    )
    .unwrap();
    let mut engine = RuleEngine::new(file.rules, vec!["a".into(), "b".into()]);
    let mut out = Vec::new();
    // `b` reports every 30 s (never absent for more than 30 s), then stops at 120 s and
    // comes back at 300 s; `a` reports every 10 s throughout.
    for t in (0..=400).step_by(10) {
        engine.observe(t * 1000, 0, 1.0, None, &mut out);
        if t % 30 == 0 && !(121..300).contains(&t) {
            engine.observe(t * 1000, 1, 1.0, None, &mut out);
        }
        if t == 200 {
            // The running-rules table reads these: firing, and no longer pending.
            assert_eq!(engine.firing(), vec![("quiet", "b".to_string(), 150_000)]);
            assert_eq!(engine.pending(), vec![]);
        }
    }
    let got: Vec<(bool, i64, i64)> = out
        .iter()
        .map(|o| (o.firing, o.start_ms, o.at_ms))
        .collect();
    // Last sample 120 s: absent past 150 s, noticed at 160 s; back at 300 s.
    assert_eq!(
        got,
        vec![(true, 150_000, 160_000), (false, 150_000, 300_000)]
    );
    assert_eq!(out[0].value, 40.0); // seconds without a sample when it fired
}

#[test]
fn rate_of_change_fires_on_a_fall_too() {
    let values: Vec<f64> = (0..40)
        .map(|i| {
            if i < 10 {
                100.0
            } else {
                (100 - 5 * (i - 10)) as f64
            }
        })
        .collect();
    let out = feed(
        "version: 1\nrules:\n  - {name: drain, metric: m, rate: {window: 10s, below: -3}}\n",
        &values,
    );
    // The change over 10 s is -5 per second from 20 s on; below -3/s once more than 6 s
    // of the window fall: at 17 s (-35 over 10 s).
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].firing, out[0].at_ms), (true, 17_000));
    assert_eq!(out[0].value, -3.5);
}

#[test]
fn detector_score_rules_use_the_score_given_with_the_point() {
    let file = parse(
        "version: 1\nrules:\n  - {name: odd, metric: '*', score_above: 0.9, for: 2s}\n",
        Format::Yaml,
    )
    .unwrap();
    let mut engine = RuleEngine::new(file.rules, vec!["x".into()]);
    let mut out = Vec::new();
    let scores = [
        None,
        Some(0.2),
        Some(0.95),
        Some(0.97),
        Some(0.99),
        Some(0.5),
    ];
    for (i, s) in scores.iter().enumerate() {
        engine.observe(i as i64 * 1000, 0, 1.0, *s, &mut out);
    }
    let got: Vec<(bool, i64)> = out.iter().map(|o| (o.firing, o.at_ms)).collect();
    assert_eq!(got, vec![(true, 4000), (false, 5000)]);
}

#[test]
fn error_code_rules_count_the_candidate_build_and_compare_with_the_baseline() {
    let file = parse(
        "version: 1
rules:
  - name: code 5 surge
    code: '5'
    error_rate: {window: 10s, above: 2}
  - name: code 5 worse than before
    code: '5'
    error_rate: {window: 10s, times_baseline: 3}
    recover: 2
",
        Format::Yaml,
    )
    .unwrap();
    let mut engine = RuleEngine::new(file.rules, Vec::new());
    engine.set_error_names(ErrorNames {
        builds: vec!["v1".into(), "v2".into()],
        codes: vec!["4".into(), "5".into()],
        baseline: 0,
        candidate: 1,
    });
    let mut out = Vec::new();
    // Baseline: one code 5 a second throughout; candidate: one a second, four a second over
    // [20, 40) s; code 4 is noise.
    for s in 0..80i64 {
        let t = s * 1000;
        engine.advance_to(t, &mut out);
        engine.error_event(t, 0, 1, &mut out);
        engine.error_event(t, 1, 0, &mut out);
        let n = if (20..40).contains(&s) { 4 } else { 1 };
        for k in 0..n {
            engine.error_event(t + k * 250, 1, 1, &mut out);
        }
    }
    let got: Vec<(&str, bool, i64)> = out
        .iter()
        .map(|o| (o.rule.as_str(), o.firing, o.at_ms))
        .collect();
    // Judged at each new time over the events of the 10 s before it. Surge: more than 20
    // candidate events, first at 23.75 s ([13.75, 23.75) s holds 6 + 12 + 3), none more
    // from 47 s (19). Ratio: 31 candidate to 10 baseline events at 27 s is above 3; it
    // recovers at 2 or less, 19 to 10 at 47 s (46 s: 22 to 10).
    assert_eq!(
        got,
        vec![
            ("code 5 surge", true, 23_750),
            ("code 5 worse than before", true, 27_000),
            ("code 5 surge", false, 47_000),
            ("code 5 worse than before", false, 47_000),
        ],
        "{out:?}"
    );
    assert!(out
        .iter()
        .all(|o| o.target == "5" && o.code.as_deref() == Some("5")));
}

fn silenced_run(silences: &str) -> Vec<(i64, Option<String>)> {
    let text = format!(
        "version: 1\nrules:\n  - {{name: price high, metric: price, above: 900}}\nsilences:\n{silences}"
    );
    let file = parse(&text, Format::Yaml).unwrap();
    let mut engine = RuleEngine::new(file.rules.clone(), vec!["price".into()]);
    let mut book = IncidentEngine::new(IncidentConfig::default(), vec!["price".into()]).unwrap();
    let mut out = Vec::new();
    // Fires every hour on the hour for a minute, over two days (epoch time: UTC days).
    for minute in 0..48 * 60i64 {
        let t = minute * 60_000;
        let v = if minute % 60 == 0 { 950.0 } else { 800.0 };
        engine.observe(t, 0, v, None, &mut out);
        apply(&mut book, &out, &file.silences, t);
        out.clear();
    }
    book.incidents()
        .iter()
        .map(|i| (i.opened_ms / 3_600_000, i.silenced.clone()))
        .collect()
}

#[test]
fn a_one_off_silence_mutes_while_active_and_expires_by_itself() {
    let got = silenced_run(
        "  - matchers: ['rule=\"price high\"', 'severity=2']\n    start: '1970-01-01T02:00:00Z'\n    end: '1970-01-01T04:00:00Z'\n    comment: deploy\n",
    );
    assert_eq!(got.len(), 48, "every firing is still recorded");
    for (hour, silenced) in got {
        let want = (2..4).contains(&hour).then(|| "deploy".to_string());
        assert_eq!(silenced, want, "hour {hour}");
    }
}

#[test]
fn a_daily_silence_mutes_the_same_window_every_day() {
    let got = silenced_run(
        "  - matchers: ['metric=~\"pri.*\"', 'source=rule']\n    daily: '02:00-03:00'\n    comment: nightly batch\n",
    );
    let muted: Vec<i64> = got
        .iter()
        .filter(|(_, s)| s.as_deref() == Some("nightly batch"))
        .map(|(h, _)| *h)
        .collect();
    assert_eq!(muted, vec![2, 26]);
}

#[test]
fn a_silence_that_matches_other_labels_mutes_nothing() {
    let got = silenced_run(
        "  - matchers: ['rule=\"cpu*\"']\n    end: '9:00:00'\n  - matchers: ['severity!=2']\n    end: '9:00:00'\n",
    );
    assert!(got.iter().all(|(_, s)| s.is_none()));
}

#[test]
fn sinks_do_not_receive_silenced_incidents() {
    let file = parse(
        "version: 1\nrules:\n  - {name: a, metric: x, above: 1}\n  - {name: b, metric: x, above: 2}\nsilences:\n  - {matchers: ['rule=b'], end: '1:00:00', comment: known}\n",
        Format::Yaml,
    )
    .unwrap();
    let mut engine = RuleEngine::new(file.rules, vec!["x".into()]);
    let mut book = IncidentEngine::new(IncidentConfig::default(), vec!["x".into()]).unwrap();
    let mut out = Vec::new();
    engine.observe(0, 0, 5.0, None, &mut out);
    apply(&mut book, &out, &file.silences, 0);
    assert_eq!(book.incidents().len(), 2);
    let listed: Vec<(String, _)> = book
        .incidents()
        .iter()
        .map(|i| ("monitor".to_string(), i.clone()))
        .collect();
    let batch = Ledger::new(1)
        .due(1_000, &listed, &|_| false, "http://page")
        .unwrap();
    assert_eq!(batch.alerts.len(), 1);
    assert_eq!(batch.alerts[0].labels["rule"], "a");
    assert_eq!(batch.alerts[0].labels["alertname"], "PipescopeRule");
}

/// The error at `line` with the text `has` among `errors`.
fn has_error(errors: &[pipescope::core::rules::RulesError], line: u64, has: &str) {
    assert!(
        errors
            .iter()
            .any(|e| e.line == Some(line) && e.to_string().contains(has)),
        "no error at line {line} saying {has:?} in:\n{}",
        errors.iter().map(|e| format!("{e}\n")).collect::<String>()
    );
}

#[test]
fn bad_files_name_the_rule_its_line_and_what_was_expected() {
    let text = "version: 1
rules:
  - name: ok
    metric: price
    above: 900
  - name: typo
    metric: price
    abvoe: 900
  - name: long wait
    metric: price
    above: 900
    for: 5 minutes
  - name: words
    metric: price
    above: high
  - name: ok
    metric: price
    below: 1
  - name: nowhere
    metric: 'disk_*'
    above: 1
  - name: backwards
    metric: price
    above: 900
    recover: 950
silences:
  - matchers: ['colour=red']
    end: '1:00:00'
";
    let errors = check(text, Format::Yaml, Some(&["price".to_string()]));
    has_error(
        &errors,
        8,
        "rule 'typo' (rules[1].abvoe): unknown key 'abvoe'",
    );
    has_error(
        &errors,
        12,
        "rule 'long wait' (rules[2].for): expected a duration such as \"30m\"",
    );
    has_error(
        &errors,
        15,
        "rule 'words' (rules[3].above): expected a number, found string \"high\"",
    );
    has_error(
        &errors,
        16,
        "rule 'ok' (rules[4].name): a rule of this name already starts on line 3",
    );
    has_error(
        &errors,
        19,
        "'disk_*' matches no metric of this stream; expected one of: price",
    );
    has_error(
        &errors,
        22,
        "recover 950 would never let it resolve; expected a value at or below the threshold 900",
    );
    has_error(&errors, 27, "unknown label 'colour'");
    assert_eq!(errors.len(), 7, "{errors:?}");
    // Columns where the reader knows them.
    let typo = errors.iter().find(|e| e.line == Some(8)).unwrap();
    assert_eq!(typo.column, Some(5));
    // parse stops at the first; the caller keeps the rules it runs.
    let first = parse(text, Format::Yaml).unwrap_err();
    assert_eq!(first.line, Some(8));
    assert!(matches!(first.kind, RulesErrorKind::Read(_)));
}

#[test]
fn bad_json_files_are_placed_too() {
    let text = r#"{"version": 1, "rules": [
  {"name": "a", "metric": "x", "above": 1},
  {"name": "b", "metric": "x", "above": "1", "for": "5m"}
]}"#;
    let e = parse(text, Format::Json).unwrap_err();
    assert_eq!(
        (e.line, e.item.as_ref().map(|i| i.index)),
        (Some(3), Some(1))
    );
    assert!(
        e.to_string()
            .contains("rule 'b' (rules[1].above): expected a number"),
        "{e}"
    );
    let e = parse(r#"{"version": 2, "rules": []}"#, Format::Json).unwrap_err();
    assert!(e.to_string().contains("unsupported version 2"), "{e}");
    let e = parse(
        "version: 1\nrules:\n  - {name: a, metric: x}\n",
        Format::Yaml,
    )
    .unwrap_err();
    assert_eq!(e.kind, RulesErrorKind::NoCondition);
    assert_eq!(e.line, Some(3));
    let e = parse(
        "version: 1\nrules:\n  - {name: a, metric: x, error_rate: {window: 1m, above: 1}}\n",
        Format::Yaml,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("'error_rate' does not apply here"),
        "{e}"
    );
    let e = parse(
        "version: 1\nsilences:\n  - matchers: ['rule=a']\n    comment: forever\n",
        Format::Yaml,
    )
    .unwrap_err();
    assert_eq!((e.kind.clone(), e.line), (RulesErrorKind::Endless, Some(3)));
}

#[test]
fn a_new_file_keeps_the_state_of_unchanged_rules_and_resolves_removed_ones() {
    let file = rules_file();
    let (names, rows) = recorded();
    let mut engine = RuleEngine::new(file.rules.clone(), names);
    let mut out = Vec::new();
    for (t, values) in rows.iter().filter(|(t, _)| *t <= 460_000) {
        for (s, v) in values.iter().enumerate() {
            engine.observe(*t, s as u32, *v, None, &mut out);
        }
    }
    // At 460 s the price rules are pending (breaching since 430 s).
    assert!(engine
        .pending()
        .iter()
        .any(|p| p.0 == "price high" && p.2 == 430_000));
    let before = out.len();
    // The edited file: "price high" moved down a line (same rule), the rest removed.
    let edited = parse(
        "version: 1\n\nrules:\n  - {name: price high, severity: 1, metric: price, above: 900, for: 1m, recover: 850}\n",
        Format::Yaml,
    )
    .unwrap();
    engine.set_rules(edited.rules, &mut out);
    // "price out of band" (no `for`) was firing since 430 s: removed, it resolves now.
    let resolved: Vec<_> = out[before..]
        .iter()
        .map(|o| (o.rule.as_str(), o.firing, o.at_ms))
        .collect();
    assert_eq!(resolved, vec![("price out of band", false, 460_000)]);
    let before = out.len();
    for (t, values) in rows.iter().filter(|(t, _)| *t > 460_000 && *t <= 600_000) {
        for (s, v) in values.iter().enumerate() {
            engine.observe(*t, s as u32, *v, None, &mut out);
        }
    }
    let fired: Vec<_> = out[before..]
        .iter()
        .map(|o| (o.rule.as_str(), o.start_ms, o.at_ms))
        .collect();
    assert_eq!(fired, vec![("price high", 430_000, 490_000)]);
}

#[test]
fn a_restored_evaluator_continues_exactly_as_the_uninterrupted_one() {
    let file = rules_file();
    let (names, rows) = recorded();
    let rows: Vec<_> = rows.into_iter().filter(|(t, _)| t % 2000 == 0).collect();
    let run = |engine: &mut RuleEngine, rows: &[(i64, Vec<f64>)], out: &mut Vec<RuleOutcome>| {
        for (t, values) in rows {
            for (s, v) in values.iter().enumerate() {
                engine.observe(*t, s as u32, *v, None, out);
            }
        }
    };
    let mut whole = RuleEngine::new(file.rules.clone(), names.clone());
    let mut expected = Vec::new();
    run(&mut whole, &rows, &mut expected);
    assert!(expected.len() >= 16);
    // Split inside a pending `for` (460 s), while firing (600 s), in an absence (1450 s).
    for split in [230usize, 300, 725] {
        for postcard_format in [true, false] {
            let mut first = RuleEngine::new(file.rules.clone(), names.clone());
            let mut got = Vec::new();
            run(&mut first, &rows[..split], &mut got);
            let mut restored: RuleEngine = if postcard_format {
                postcard::from_bytes(&postcard::to_allocvec(&first).unwrap()).unwrap()
            } else {
                serde_json::from_str(&serde_json::to_string(&first).unwrap()).unwrap()
            };
            assert_eq!(restored, first);
            run(&mut restored, &rows[split..], &mut got);
            assert_eq!(
                serde_json::to_vec(&got).unwrap(),
                serde_json::to_vec(&expected).unwrap(),
                "split at row {split}"
            );
            assert_eq!(
                postcard::to_allocvec(&restored).unwrap(),
                postcard::to_allocvec(&whole).unwrap()
            );
        }
    }
}

#[test]
fn a_resolved_incident_is_not_reopened_by_its_own_resolution() {
    let (_, book) = replay(60, &rules_file());
    assert!(book
        .incidents()
        .iter()
        .filter(|i| i.end_ms.is_some())
        .all(|i| i.state == IncidentState::Resolved && i.end_ms >= Some(i.opened_ms)));
}
