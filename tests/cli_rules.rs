//! `pipescope incidents --rules` and `pipescope errors --rules` end to end: the command
//! line evaluates a rules file to the same incidents as the core the page runs, and
//! refuses a bad rules file with its line.

mod common;

use common::{run, scratch, stderr, stdout, write};
use pipescope::core::incident::{IncidentConfig, IncidentEngine};
use pipescope::core::rules::{apply, parse, Format, RuleEngine};

const STREAM: &str = include_str!("data/rules_stream.csv");
const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/rules_stream.rules.yaml"
);

/// (rule, target, opened s, end s, silenced) of one rule incident.
type RuleIncident = (String, String, i64, Option<i64>, Option<String>);

/// Rule incidents from JSON lines.
fn rule_incidents(out: &str) -> Vec<RuleIncident> {
    let mut got: Vec<_> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .filter_map(|v| {
            let rule = v["source"].get("rule")?;
            Some((
                rule["rule"].as_str()?.to_string(),
                rule["target"].as_str()?.to_string(),
                v["opened_ms"].as_i64()? / 1000,
                v["end_ms"].as_i64().map(|e| e / 1000),
                v["silenced"].as_str().map(String::from),
            ))
        })
        .collect();
    got.sort();
    got
}

#[test]
fn incidents_with_rules_match_the_core_at_15s() {
    let dir = scratch("rules-15s");
    // The recorded stream at 15 s, plus a silence over the first price incident.
    let mut lines = STREAM.lines();
    let mut csv = format!("{}\n", lines.next().unwrap());
    for (i, line) in lines.enumerate() {
        if i % 15 == 0 {
            csv.push_str(line);
            csv.push('\n');
        }
    }
    let data = write(&dir, "stream.csv", &csv);
    let text = format!(
        "{}silences:\n  - matchers: ['rule=~\"price high.*\"']\n    start: '0:08:00'\n    end: '0:09:00'\n    comment: trading halt\n",
        std::fs::read_to_string(RULES).unwrap()
    );
    let rules = write(&dir, "r.rules.yaml", &text);
    let o = run(&["incidents", &data, "--time", "time", "--rules", &rules]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got = rule_incidents(&stdout(&o));

    // The same rules through the core, as the page runs them.
    let file = parse(&text, Format::Yaml).unwrap();
    let names: Vec<String> = csv
        .lines()
        .next()
        .unwrap()
        .split(',')
        .skip(1)
        .map(String::from)
        .collect();
    let mut engine = RuleEngine::new(file.rules.clone(), names.clone());
    let mut book = IncidentEngine::new(IncidentConfig::default(), names).unwrap();
    let mut out = Vec::new();
    for line in csv.lines().skip(1) {
        let mut cells = line.split(',');
        let t = pipescope::core::time::parse_timestamp_ms(cells.next().unwrap()).unwrap();
        for (s, c) in cells.enumerate() {
            engine.observe(t, s as u32, c.parse().unwrap_or(f64::NAN), None, &mut out);
        }
        apply(&mut book, &out, &file.silences, t);
        out.clear();
    }
    let want: Vec<String> = book
        .incidents()
        .iter()
        .map(|i| serde_json::to_string(i).unwrap())
        .collect();
    assert_eq!(got, rule_incidents(&want.join("\n")));
    // And the known times, silence included: the price rules fire at 495 s (8:15), inside
    // the halt; "price out of band" fired at 435 s, before it.
    let price: Vec<_> = got
        .iter()
        .filter(|g| g.0.starts_with("price high"))
        .collect();
    assert_eq!(price.len(), 2);
    assert!(price
        .iter()
        .all(|g| g.2 == 495 && g.4.as_deref() == Some("trading halt")));
    assert!(got.contains(&(
        "heartbeat lost".into(),
        "heartbeat".into(),
        1425,
        Some(1500),
        None
    )));
    assert!(got.contains(&("queue growing".into(), "queue".into(), 660, Some(885), None)));
    assert!(got.contains(&(
        "price out of band".into(),
        "price".into(),
        435,
        Some(705),
        None
    )));
    assert_eq!(got.len(), 9);

    // Every line names its group: rule incidents opening within 5 steps (75 s at 15 s) of
    // each other are one group; the heartbeat, lost long after, is another.
    let group_of = |rule: &str| -> Vec<String> {
        stdout(&o)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|v| v["source"]["rule"]["rule"] == rule)
            .map(|v| {
                v["group"]
                    .as_str()
                    .expect("a group on every line")
                    .to_string()
            })
            .collect()
    };
    let price = group_of("price high");
    assert!(price[0].starts_with("monitor-g"), "{price:?}");
    assert_eq!(group_of("price high, no recovery")[0], price[0]);
    // "price out of band" opened 60 s before: within the window, the same group.
    assert_eq!(group_of("price out of band")[0], price[0]);
    assert_ne!(group_of("heartbeat lost")[0], price[0]);
}

#[test]
fn a_bad_rules_file_is_refused_with_its_line_and_rule() {
    let dir = scratch("rules-bad");
    let data = write(&dir, "s.csv", STREAM);
    let rules = write(
        &dir,
        "bad.yaml",
        "version: 1\nrules:\n  - name: slow\n    metric: price\n    above: 900\n    for: 5 minutes\n  - name: disks\n    metric: 'disk_*'\n    above: 1\n",
    );
    let o = run(&["incidents", &data, "--time", "time", "--rules", &rules]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("line 6, column 10: rule 'slow' (rules[0].for)"),
        "{err}"
    );
    assert!(err.contains("'minutes' is not a unit"), "{err}");
    assert!(err.contains("line 7: rule 'disks' (rules[1].metric): 'disk_*' matches no metric of this stream; expected one of: price, cpu_user, cpu_system, queue, heartbeat"), "{err}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn errors_with_rules_prints_rule_incidents_after_the_alerts() {
    let dir = scratch("rules-errors");
    // Baseline v1: one code 5 a second; candidate v2: one a second, four over [20, 40) s.
    let mut csv = String::from("timestamp,build,code\n");
    let t0 = 1_765_000_000i64;
    for s in 0..80 {
        csv.push_str(&format!("{},v1,5\n", t0 + s));
        let n = if (20..40).contains(&s) { 4 } else { 1 };
        for _ in 0..n {
            csv.push_str(&format!("{},v2,5\n", t0 + s));
        }
    }
    let data = write(&dir, "e.csv", &csv);
    let rules = write(
        &dir,
        "e.rules.json",
        r#"{"version": 1, "rules": [
            {"name": "code 5 surge", "severity": 1, "code": "5", "error_rate": {"window": "10s", "above": 2}}]}"#,
    );
    let args = [
        "errors",
        &data,
        "--baseline",
        "v1",
        "--candidate",
        "v2",
        "--bin-seconds",
        "1",
        "--rules",
        &rules,
    ];
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let got = rule_incidents(&stdout(&o));
    // Judged each second over the 10 s before: 22 events at 24 s, 19 at 47 s.
    let at = |s: i64| t0 + s;
    assert_eq!(
        got,
        vec![(
            "code 5 surge".into(),
            "5".into(),
            at(24),
            Some(at(47)),
            None
        )]
    );
    let text = run(&[&args[..], &["--format", "text"]].concat());
    assert!(
        stdout(&text)
            .contains("rule 'code 5 surge' on code 5: error rate over 10s above 2/s; fired"),
        "{}",
        stdout(&text)
    );
}
