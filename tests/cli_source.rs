//! `pipescope detect` and `pipescope incidents` read a Prometheus HTTP API JSON response as
//! FILE: the same stream as a CSV gives the same judgements and the same incidents.

use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_pipescope");

fn dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pipescope-cli-source-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(name: &str, text: &str) -> String {
    let path = dir().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn simulate(injects: &[&str]) -> String {
    let mut args = vec!["simulate", "--seconds", "1800", "--seed", "3"];
    for i in injects {
        args.push("--inject");
        args.push(i);
    }
    ok(run(&args))
}

/// The simulator's CSV as a Prometheus range-query response: one series per metric column,
/// named by the column, with the CSV's cells as the sample strings.
fn to_matrix(csv: &str) -> String {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let series: Vec<String> = (1..header.len())
        .map(|c| {
            let values: Vec<String> = rows
                .iter()
                .filter(|r| !r[c].is_empty())
                .map(|r| format!("[{},\"{}\"]", r[0], r[c]))
                .collect();
            format!(
                r#"{{"metric":{{"__name__":"{}"}},"values":[{}]}}"#,
                header[c],
                values.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{}]}}}}"#,
        series.join(",")
    )
}

#[test]
fn detect_on_json_matches_detect_on_the_same_csv() {
    let csv = simulate(&["prolonged-spike:energy_price:900:30"]);
    let c = write("detect.csv", &csv);
    let j = write("detect.json", &to_matrix(&csv));
    let from_csv = ok(run(&[
        "detect",
        &c,
        "--time",
        "timestamp",
        "--value",
        "energy_price",
    ]));
    let from_json = ok(run(&["detect", &j, "--value", "energy_price"]));
    assert_eq!(from_json, from_csv);
    assert!(
        from_json.lines().any(|l| l.split(',').nth(6) == Some("1")),
        "the spike is flagged"
    );
    // By index, and with --time given anyway (ignored for JSON).
    let by_index = ok(run(&["detect", &j, "--value", "1", "--time", "whatever"]));
    assert_eq!(by_index, from_csv);
}

#[test]
fn detect_needs_value_only_when_the_response_has_several_series() {
    let one = write(
        "one.json",
        r#"{"status":"success","data":{"resultType":"matrix","result":[
        {"metric":{"__name__":"up","job":"a"},"values":[[1700000000.5,"1"],[1700000015.5,"1"],[1700000030.5,"0"]]}]}}"#,
    );
    let out = ok(run(&["detect", &one]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "timestamp,value,expected,lower,upper,score,anomaly,cause,surprise"
    );
    assert_eq!(lines.len(), 4);
    assert!(lines[1].starts_with("1700000000.5,1,"), "{}", lines[1]);

    let csv = simulate(&[]);
    let two = write("two.json", &to_matrix(&csv));
    let out = run(&["detect", &two]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--value")
            && err.contains("0: energy_consumption")
            && err.contains("1: energy_price"),
        "{err}"
    );
    let out = run(&["detect", &two, "--value", "cpu"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no series named 'cpu'"));
}

#[test]
fn incidents_on_json_match_incidents_on_the_same_csv() {
    let csv = simulate(&[
        "prolonged-spike:energy_price:900:30",
        "prolonged-spike:energy_consumption:900:30",
    ]);
    let c = write("both.csv", &csv);
    let j = write("both.json", &to_matrix(&csv));
    let from_csv = ok(run(&["incidents", &c, "--time", "timestamp"]));
    let from_json = ok(run(&["incidents", &j]));
    assert_eq!(from_json, from_csv);
    let first: serde_json::Value = serde_json::from_str(from_json.lines().next().unwrap()).unwrap();
    assert_eq!(first["severity"], 1);
    // One series picked by name: severity 2 at most.
    let one = ok(run(&["incidents", &j, "--value", "energy_price"]));
    let first: serde_json::Value = serde_json::from_str(one.lines().next().unwrap()).unwrap();
    assert_eq!(first["severity"], 2);
    assert_eq!(first["metrics"], serde_json::json!(["energy_price"]));
}

#[test]
fn bad_json_files_fail_with_the_reason() {
    let err = write(
        "err.json",
        r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\""}"#,
    );
    let other = write("other.json", r#"{"a":1,"b":[2]}"#);
    let broken = write("broken.json", "{\"status\":\"success\",\n\"data\":");
    for (file, expect) in [
        (&err, "bad_data"),
        (&other, "an object with keys a, b"),
        (&broken, "line 2"),
    ] {
        for cmd in ["detect", "incidents"] {
            let out = run(&[cmd, file]);
            assert_eq!(out.status.code(), Some(2));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains(expect), "{cmd} {file}: {stderr}");
        }
    }
}

#[test]
fn notes_go_to_stderr() {
    let f = write(
        "notes.json",
        r#"{"status":"success","warnings":["too many samples"],"data":{"resultType":"matrix","result":[
        {"metric":{"__name__":"m"},"values":[[1,"1"],[2,"NaN"],[3,"3"],[4,"4"]]}]}}"#,
    );
    let out = run(&["detect", &f]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("too many samples") && stderr.contains("NaN or ±Inf"),
        "{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.lines().nth(2).unwrap().starts_with("2,,"),
        "{stdout}"
    );
}

#[test]
fn csv_still_needs_the_time_column() {
    let c = write("plain.csv", "timestamp,v\n0,1\n2,2\n");
    let out = run(&["detect", &c, "--value", "v"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--time"));
    let out = run(&["incidents", &c]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--time"));
}
