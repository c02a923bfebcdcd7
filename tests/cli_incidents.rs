//! `pipescope incidents`: the simulator's stream with injected faults, through the detector
//! and the incident engine, gives the incidents the issue describes: none for a transient
//! spike, severity 2 for a prolonged spike in one metric, severity 1 in both; each resolves.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_pipescope");

fn simulate(name: &str, injects: &[&str]) -> String {
    let mut args = vec!["simulate", "--seconds", "1800", "--seed", "3"];
    for i in injects {
        args.push("--inject");
        args.push(i);
    }
    let out = Command::new(BIN).args(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = std::env::temp_dir().join(format!("pipescope-cli-incidents-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, out.stdout).unwrap();
    path.display().to_string()
}

fn incidents(file: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let out = Command::new(BIN)
        .args(["incidents", file, "--time", "timestamp"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect()
}

#[test]
fn transient_spike_opens_nothing() {
    let f = simulate("transient.csv", &["transient-spike:energy_price:900:2"]);
    assert!(incidents(&f, &[]).is_empty());
}

#[test]
fn prolonged_spike_in_one_metric_is_severity_two_and_resolves() {
    let f = simulate("one.csv", &["prolonged-spike:energy_price:900:30"]);
    let list = incidents(&f, &[]);
    assert_eq!(list.len(), 1, "{list:?}");
    let i = &list[0];
    assert_eq!(i["severity"], 2);
    assert_eq!(i["metrics"], serde_json::json!(["energy_price"]));
    assert_eq!(i["state"], "resolved");
    let start = i["start_ms"].as_i64().unwrap();
    assert!(
        (880_000..=930_000).contains(&start),
        "starts with the spike: {start}"
    );
    // Only the chosen metric is watched: nothing opens.
    assert!(incidents(&f, &["--value", "energy_consumption"]).is_empty());
}

#[test]
fn prolonged_spike_in_both_metrics_is_severity_one() {
    let f = simulate(
        "both.csv",
        &[
            "prolonged-spike:energy_price:900:30",
            "prolonged-spike:energy_consumption:900:30",
        ],
    );
    let list = incidents(&f, &[]);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["severity"], 1);
    assert_eq!(
        list[0]["metrics"],
        serde_json::json!(["energy_consumption", "energy_price"])
    );
    // With severity 1 needing three metrics, the same stream is severity 2.
    assert_eq!(incidents(&f, &["--sev1-metrics", "3"])[0]["severity"], 2);
}

#[test]
fn unknown_column_names_the_columns() {
    let f = simulate("cols.csv", &[]);
    let out = Command::new(BIN)
        .args(["incidents", &f, "--time", "ts"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no column named 'ts'") && err.contains("energy_price"),
        "{err}"
    );
}
