//! The Monitor's stream with user rules: the rules are judged after each point's detector
//! (as `pipescope incidents --rules` does), their incidents land in the Monitor's book,
//! silences made mid-stream mute the next firing, and the rules' state checkpointed at any
//! point (as the page journals it) resumes to exactly the run that never stopped.

mod common;

use pipescope::core::detect::DetectConfig;
use pipescope::core::incident::{IncidentConfig, IncidentEngine, IncidentSource, IncidentState};
use pipescope::core::monitor::{judge_with_rules, Feed};
use pipescope::core::rules::{parse_matchers, Alerting, Silence};
use pipescope::core::simulator::{Injection, InjectionKind, SimConfig};

const TICK: i64 = 2_000;
const RULES: &str = "version: 1
rules:
  - name: consumption silent
    metric: energy_consumption
    absent: 10s
  - name: price pending
    metric: energy_price
    above: 2000
    for: 1m
";

fn names() -> Vec<String> {
    common::sim_metric_names()
}

/// A gap of 15 ticks on energy_consumption after 60 s and after 200 s; a silence of the
/// rule made at 150 s for 2 minutes.
fn start() -> (Feed, IncidentEngine, Alerting) {
    let mut feed = Feed::new(
        SimConfig::default(),
        7,
        &DetectConfig::with_train_ms(60_000),
        30_000,
    )
    .unwrap();
    let sim = feed.sim_mut().unwrap();
    for at in [60_000, 200_000] {
        sim.inject(Injection::new(InjectionKind::Gap, 0, at + TICK, 15 * TICK))
            .unwrap();
    }
    let mut book = IncidentEngine::new(IncidentConfig::default(), names()).unwrap();
    let mut rules = Alerting::new(names());
    rules.load(RULES, &mut book).unwrap();
    (feed, book, rules)
}

fn run(s: &mut (Feed, IncidentEngine, Alerting), from: i64, to: i64) {
    let mut events = Vec::new();
    let mut t = from;
    while t < to {
        t = (t + 3 * TICK).min(to);
        events.clear();
        s.0.pull(t, &mut events);
        judge_with_rules(&mut s.0, &mut s.1, &mut s.2, &events, t);
        if t == 150_000 {
            let silence = Silence {
                matchers: parse_matchers(r#"rule="consumption silent""#).unwrap(),
                start_ms: Some(t),
                end_ms: Some(t + 120_000),
                daily: None,
                comment: "maintenance".into(),
                line: None,
            };
            s.2.add_silence(silence, &mut s.1, t);
        }
    }
}

fn rule_incidents(book: &IncidentEngine) -> Vec<(i64, i64, Option<i64>, Option<String>)> {
    book.incidents()
        .iter()
        .filter(|i| matches!(&i.source, IncidentSource::Rule { rule, .. } if rule == "consumption silent"))
        .map(|i| (i.start_ms, i.opened_ms, i.end_ms, i.silenced.clone()))
        .collect()
}

#[test]
fn a_gap_fires_the_absent_rule_and_a_silence_mutes_the_second() {
    let mut s = start();
    run(&mut s, 0, 300_000);
    let got = rule_incidents(&s.1);
    // The gap starts at 62 s: the last sample is at 60 s, so the rule breaches at 70 s
    // (10 s of silence) and fires at the next clock move past it, energy_price's sample at
    // 72 s; it resolves at the first sample back, 92 s. The second gap likewise: 200 s, 210
    // s, 212 s, 232 s, muted by the silence made at 150 s.
    assert_eq!(
        got,
        vec![
            (70_000, 72_000, Some(92_000), None),
            (210_000, 212_000, Some(232_000), Some("maintenance".into())),
        ],
        "{got:?}"
    );
    assert!(s
        .1
        .incidents()
        .iter()
        .all(|i| i.state == IncidentState::Resolved
            || !matches!(i.source, IncidentSource::Rule { .. })));
    assert!(s.2.engine().pending().is_empty() && s.2.engine().firing().is_empty());
}

#[test]
fn a_checkpoint_anywhere_resumes_the_rules_exactly() {
    let mut straight = start();
    run(&mut straight, 0, 300_000);
    for split in [66_000, 72_000, 150_000, 210_000] {
        let mut s = start();
        run(&mut s, 0, split);
        // What the page's checkpoint holds of them, through postcard.
        let bytes = postcard::to_allocvec(&(&s.0, &s.1, &s.2)).unwrap();
        let (feed, book, rules): (Feed, IncidentEngine, Alerting) =
            postcard::from_bytes(&bytes).unwrap();
        let mut back = (feed, book, rules);
        run(&mut back, split, 300_000);
        assert_eq!(
            rule_incidents(&back.1),
            rule_incidents(&straight.1),
            "split at {split}"
        );
        assert_eq!(back.2, straight.2, "split at {split}");
        assert_eq!(
            postcard::to_allocvec(&back.1).unwrap(),
            postcard::to_allocvec(&straight.1).unwrap(),
            "the whole book, split at {split}"
        );
    }
}
