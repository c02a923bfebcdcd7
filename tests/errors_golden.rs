//! Golden runs of the default detector on the real error streams in ../shared/data.

use pipescope::core::errors::{
    self, analyze, read_path, Config, ErrorStream, Evidence, ReadOptions,
};
use pipescope::core::time::format_stream_seconds;

const SET_A: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/ErrorStreamSetA.csv"
);
const SET_B: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/ErrorStreamSetB.csv"
);

/// (code label, raised_at_s) of every rate-test alert with the default settings.
fn flagged(path: &str) -> (ErrorStream, Vec<(String, i64)>) {
    flagged_with(path, Evidence::Recent)
}

/// (code label, raised_at_s) of every rate-test alert weighing `evidence`.
fn flagged_with(path: &str, evidence: Evidence) -> (ErrorStream, Vec<(String, i64)>) {
    let stream = read_path(std::path::Path::new(path), &ReadOptions::default()).unwrap();
    assert_eq!(stream.builds[stream.baseline as usize], "5.0007.510.011");
    assert_eq!(stream.builds[stream.candidate as usize], "5.0007.610.011");
    assert_eq!(stream.events.len(), 14_000);
    let mut config = Config::for_stream(&stream);
    config.evidence = evidence;
    let engine = analyze(&stream, config).unwrap();
    let out = engine
        .alerts()
        .iter()
        .map(|a| {
            let code = stream.codes[a.code as usize].clone();
            eprintln!(
                "{path}: code {code} raised at {}",
                format_stream_seconds(a.raised_at_s)
            );
            (code, a.raised_at_s)
        })
        .collect();
    (stream, out)
}

fn totals(stream: &ErrorStream, code: &str) -> (u64, u64) {
    let id = stream.codes.iter().position(|c| c == code).unwrap() as u32;
    let count = |b| {
        stream
            .events
            .iter()
            .filter(|e| e.code == id && e.build == b)
            .count() as u64
    };
    (count(stream.baseline), count(stream.candidate))
}

/// The README's golden table: the default's alerts, in the order raised, and the previous
/// default's (cumulative evidence) raise times, which the default must equal or beat.
#[test]
fn golden_raise_times_are_the_readmes_and_no_later_than_the_previous_default() {
    for (path, expected, previous) in [
        (
            SET_A,
            [("3", "0:01:03"), ("2", "0:02:55"), ("4", "0:03:44")],
            [("3", "0:01:03"), ("4", "0:03:56"), ("2", "0:05:02")],
        ),
        (
            SET_B,
            [("-2", "0:00:47"), ("-1", "0:02:35"), ("-3", "0:03:24")],
            [("-2", "0:00:47"), ("-1", "0:02:35"), ("-3", "0:03:27")],
        ),
    ] {
        let shown = |alerts: &[(String, i64)]| -> Vec<(String, String)> {
            alerts
                .iter()
                .map(|(c, t)| (c.clone(), format_stream_seconds(*t)))
                .collect()
        };
        let owned = |rows: &[(&str, &str)]| -> Vec<(String, String)> {
            rows.iter()
                .map(|(c, t)| (c.to_string(), t.to_string()))
                .collect()
        };
        let (_, now) = flagged(path);
        let (_, before) = flagged_with(path, Evidence::Cumulative);
        assert_eq!(shown(&now), owned(&expected), "{path}");
        assert_eq!(shown(&before), owned(&previous), "{path}");
        for (code, t) in &now {
            let (_, t_before) = before.iter().find(|(c, _)| c == code).unwrap();
            assert!(
                t <= t_before,
                "{path}: code {code} at {t} s, before at {t_before} s"
            );
        }
    }
}

#[test]
fn set_b_new_codes_read_as_new_with_their_counts() {
    let stream = read_path(std::path::Path::new(SET_B), &ReadOptions::default()).unwrap();
    let engine = analyze(&stream, Config::for_stream(&stream)).unwrap();
    let text: Vec<String> = engine
        .alerts()
        .iter()
        .map(|a| errors::alert_text(a, &stream.codes))
        .collect();
    for (alert, text) in engine.alerts().iter().zip(&text) {
        assert!(alert.is_new_code(), "{alert:?}");
        assert!(text.contains("\nValue: new: 0 → "), "{text}");
        let (_, c) = totals(&stream, &stream.codes[alert.code as usize]);
        assert_eq!(
            alert.candidate_count, c,
            "an open new-code alert counts them all"
        );
        let json: serde_json::Value =
            serde_json::from_str(&errors::alert_json(alert, &stream.codes)).unwrap();
        assert_eq!(json["new_code"], true);
    }
    assert!(
        text[0].contains("Error Code: Error_Code_-2\nValue: new: 0 → 1,352\n"),
        "{}",
        text[0]
    );
}

#[test]
fn set_a_flags_codes_2_3_4_and_nothing_with_matched_totals() {
    let (stream, alerts) = flagged(SET_A);
    for code in ["2", "3", "4"] {
        assert!(
            alerts.iter().any(|(c, _)| c == code),
            "code {code} not flagged: {alerts:?}"
        );
    }
    for (code, _) in &alerts {
        let (a, c) = totals(&stream, code);
        let diff = (c as f64 - a as f64).abs() / (a.max(c) as f64);
        assert!(diff >= 0.10, "code {code} flagged with totals {a} vs {c}");
    }
    // Within a few minutes of stream time.
    assert!(alerts.iter().all(|(_, t)| *t <= 600), "{alerts:?}");
}

#[test]
fn set_b_flags_codes_minus_3_2_1_and_none_of_1_to_7() {
    let (_, alerts) = flagged(SET_B);
    for code in ["-3", "-2", "-1"] {
        assert!(
            alerts.iter().any(|(c, _)| c == code),
            "code {code} not flagged: {alerts:?}"
        );
    }
    for code in 1..=7 {
        let code = code.to_string();
        assert!(
            !alerts.iter().any(|(c, _)| *c == code),
            "code {code} flagged: {alerts:?}"
        );
    }
}

#[test]
fn both_sets_through_the_command_line_match_the_library() {
    let bin = env!("CARGO_BIN_EXE_pipescope");
    for path in [SET_A, SET_B] {
        let out = std::process::Command::new(bin)
            .args(["errors", path, "--format", "jsonl"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let cli: Vec<(String, i64)> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    v["code"].as_str().unwrap().to_string(),
                    v["raised_at_s"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(cli, flagged(path).1);
    }
    let _ = errors::Method::RateTest;
}
