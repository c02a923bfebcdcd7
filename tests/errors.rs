//! The Errors engine: timestamps, reading error-event CSVs, aggregation, both detectors,
//! determinism, and the `pipescope errors` command.

use std::path::PathBuf;
use std::process::{Command, Output};

use pipescope::core::errors::{
    self, analyze, default_bin_seconds, read::compare_versions, read_bytes, Config, ErrorEngine,
    Evidence, Method, ReadError, ReadOptions,
};
use pipescope::core::event::{ErrorEvent, Event};
use pipescope::core::rng::SplitMix64;
use pipescope::core::time::{format_stream_seconds, parse_timestamp_ms, TimeFormat};

const BIN: &str = env!("CARGO_BIN_EXE_pipescope");
const SET_A: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/ErrorStreamSetA.csv"
);

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run pipescope")
}

fn scratch_file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("pipescope-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p: PathBuf = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn timestamps_in_every_supported_format() {
    assert_eq!(parse_timestamp_ms("0:59:00"), Ok(59 * 60_000));
    assert_eq!(
        parse_timestamp_ms("12:00:01.250"),
        Ok(12 * 3_600_000 + 1_250)
    );
    assert_eq!(parse_timestamp_ms("1970-01-02T00:00:01Z"), Ok(86_401_000));
    assert_eq!(
        parse_timestamp_ms("1970-01-02 01:00:01+01:00"),
        Ok(86_401_000)
    );
    assert_eq!(
        parse_timestamp_ms("1970-01-01T23:00:00-01:00"),
        Ok(86_400_000)
    );
    assert_eq!(parse_timestamp_ms("2000-03-01"), Ok(11_017 * 86_400_000));
    assert_eq!(parse_timestamp_ms("1764338700"), Ok(1_764_338_700_000));
    assert_eq!(parse_timestamp_ms("1764338700.5"), Ok(1_764_338_700_500));
    assert_eq!(parse_timestamp_ms("1764338700123"), Ok(1_764_338_700_123));
    assert_eq!(
        TimeFormat::detect("1764338700123"),
        Some(TimeFormat::EpochMillis)
    );
    assert_eq!(
        TimeFormat::detect("1764338700"),
        Some(TimeFormat::EpochSeconds)
    );
    assert_eq!(TimeFormat::detect("0:00:00"), Some(TimeFormat::Clock));
    assert_eq!(
        TimeFormat::detect("2026-11-28T14:05:00Z"),
        Some(TimeFormat::Iso8601)
    );
    for bad in [
        "0:60:00",
        "1:2:3",
        "2026-02-30",
        "2026-13-01",
        "abc",
        "",
        "12:00",
        "NaN",
        "1e9",
        "0:00:00x",
    ] {
        assert!(parse_timestamp_ms(bad).is_err(), "{bad} should not parse");
    }
    // A column's format is enforced once detected.
    assert!(TimeFormat::Clock.parse_ms("2026-11-28").is_err());
    assert_eq!(format_stream_seconds(3540), "0:59:00");
    assert_eq!(format_stream_seconds(1_764_338_700), "2025-11-28T14:05:00Z");
}

#[test]
fn malformed_timestamps_are_skipped_with_their_line_numbers() {
    let csv = "time,build,code\n0:00:01,1.0,E1\n0:00:02,1.1,E1\n0:0x:03,1.1,E2\n0:00:04,1.0,E2\n,1.0,E3\n";
    let s = read_bytes(csv.as_bytes(), &ReadOptions::default()).unwrap();
    assert!(s.has_header);
    assert_eq!(s.events.len(), 3);
    assert_eq!(s.skipped, 2);
    assert_eq!(s.problems[0].line, 4);
    let msg = s.problems[0].to_string();
    assert!(msg.starts_with("line 4, column 'time'"), "{msg}");
    assert!(msg.contains("0:0x:03") && msg.contains("H:MM:SS"), "{msg}");
    assert_eq!(s.problems[1].line, 6);
    // The stream keeps running: the CLI warns and still prints alerts (none here).
    let path = scratch_file("bad_ts.csv", csv);
    let out = run(&["errors", &path]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("skipped 2 row(s)") && err.contains("line 4"),
        "{err}"
    );
    // Nothing readable at all is an error naming the first bad line.
    let all_bad = "a:b,1.0,E1\nx:y,1.1,E2\n";
    let e = read_bytes(
        all_bad.as_bytes(),
        &ReadOptions {
            time: Some(0),
            build: Some(1),
            code: Some(2),
            has_header: Some(false),
            ..Default::default()
        },
    );
    assert!(
        matches!(e, Err(ReadError::BadTimeColumn { ref problem }) if problem.line == 1),
        "{e:?}"
    );
    assert!(e
        .unwrap_err()
        .to_string()
        .starts_with("line 1, column 'column 1': 'a:b' is not a timestamp"));
    // A time column that starts well but goes bad everywhere after is reported the same way.
    let late_bad = "0:00:01,1.0,E1\n0:00:0x,1.1,E2\n";
    let s = read_bytes(late_bad.as_bytes(), &ReadOptions::default()).unwrap_err();
    assert!(matches!(s, ReadError::SingleBuild { .. }), "{s:?}");
}

#[test]
fn roles_are_guessed_from_names_or_values_and_can_be_overridden() {
    // Header in another order.
    let csv = "error_code,ts,version\nE1,0:00:01,2.0.1\nE2,0:00:02,2.0.10\n";
    let s = read_bytes(csv.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!((s.roles.time, s.roles.build, s.roles.code), (1, 2, 0));
    assert_eq!(s.builds[s.candidate as usize], "2.0.10");
    // No header, numeric codes and epoch times: time is the column that never goes back.
    let csv = "7,1764338700,5.1\n-3,1764338701,5.2\n7,1764338701,5.1\n";
    let s = read_bytes(csv.as_bytes(), &ReadOptions::default()).unwrap();
    assert!(!s.has_header);
    assert_eq!((s.roles.time, s.roles.build, s.roles.code), (1, 2, 0));
    assert_eq!(s.time_format, TimeFormat::EpochSeconds);
    assert_eq!(s.codes, vec!["7", "-3"]);
    // Override: read column 0 as the code even when the names say otherwise.
    let csv = "code,time,build\nA,0:00:01,1\nB,0:00:02,2\n";
    let s = read_bytes(
        csv.as_bytes(),
        &ReadOptions {
            code: Some(2),
            build: Some(0),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.codes, vec!["1", "2"]);
    assert_eq!(s.builds, vec!["A", "B"]);
    let e = read_bytes(
        csv.as_bytes(),
        &ReadOptions {
            code: Some(5),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("column 6"), "{e}");
}

#[test]
fn builds_single_many_and_version_order() {
    let one = "0:00:01,1.0,E1\n0:00:02,1.0,E2\n";
    let e = read_bytes(one.as_bytes(), &ReadOptions::default()).unwrap_err();
    assert!(matches!(e, ReadError::SingleBuild { .. }));
    assert!(e.to_string().contains("only one build ('1.0')"), "{e}");

    let three = "0:00:01,1.0,E1\n0:00:02,1.2,E1\n0:00:03,1.10,E2\n0:00:04,1.2,E2\n";
    let e = read_bytes(three.as_bytes(), &ReadOptions::default()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("3 builds") && msg.contains("1.0, 1.2, 1.10") && msg.contains("--baseline"),
        "{msg}"
    );
    let opts = ReadOptions {
        baseline: Some("1.0".into()),
        candidate: Some("1.10".into()),
        ..Default::default()
    };
    let s = read_bytes(three.as_bytes(), &opts).unwrap();
    assert_eq!(
        (
            s.builds[s.baseline as usize].as_str(),
            s.builds[s.candidate as usize].as_str()
        ),
        ("1.0", "1.10")
    );
    assert_eq!(s.other_build_events, 2);
    let engine = analyze(&s, Config::for_stream(&s)).unwrap();
    assert_eq!(engine.ignored_events(), 2);
    let e = read_bytes(
        three.as_bytes(),
        &ReadOptions {
            baseline: Some("9.9".into()),
            candidate: Some("1.0".into()),
            ..Default::default()
        },
    );
    assert!(matches!(
        e,
        Err(ReadError::UnknownBuild {
            role: "baseline",
            ..
        })
    ));

    use std::cmp::Ordering::*;
    assert_eq!(
        compare_versions("5.0007.610.011", "5.0007.510.011"),
        Greater
    );
    assert_eq!(compare_versions("1.10", "1.9"), Greater);
    assert_eq!(compare_versions("v2.0", "1.99.99"), Greater);
    // The newer build is the candidate whichever comes first in the file; overridable.
    let two = "0:00:01,5.0007.610.011,3\n0:00:01,5.0007.510.011,3\n";
    let s = read_bytes(two.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(s.builds[s.candidate as usize], "5.0007.610.011");
    let s = read_bytes(
        two.as_bytes(),
        &ReadOptions {
            candidate: Some("5.0007.510.011".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.builds[s.candidate as usize], "5.0007.510.011");
    assert_eq!(s.builds[s.baseline as usize], "5.0007.610.011");
}

#[test]
fn out_of_order_rows_are_sorted_and_late_stream_events_count_in_the_open_second() {
    let csv = "0:00:05,1.0,E1\n0:00:01,1.1,E1\n0:00:07,1.1,E2\n0:00:06,1.0,E2\n";
    let s = read_bytes(csv.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(s.out_of_order, 2);
    assert!(s.events.windows(2).all(|w| w[0].t_ms <= w[1].t_ms));

    let mut engine = ErrorEngine::new(Config::new(0, 1, 10)).unwrap();
    engine.push(ErrorEvent {
        t_ms: 5_000,
        build: 0,
        code: 0,
    });
    engine.push(ErrorEvent {
        t_ms: 1_000,
        build: 1,
        code: 0,
    }); // late
    engine.finish();
    assert_eq!(engine.late_events(), 1);
    assert_eq!(engine.totals()[0], [1, 1]);
    assert_eq!(engine.bins().len(), 1);
    assert_eq!(engine.bins()[0].count(0), [1, 1]);
}

fn mean_threshold_config(windows: Vec<u32>) -> Config {
    let mut c = Config::new(0, 1, 10);
    c.method = Method::MeanThreshold;
    c.windows = windows;
    c
}

#[test]
fn mean_threshold_starts_and_stops_on_a_hand_made_stream() {
    // 40 bins of 10 s. Each bin: 10 baseline events of code 0 and 10 candidate events,
    // except bins 20..=29 where the candidate has 30 (ratio 3).
    let mut engine = ErrorEngine::new(mean_threshold_config(vec![5])).unwrap();
    for bin in 0..40i64 {
        let cand = if (20..30).contains(&bin) { 30 } else { 10 };
        for i in 0..10 {
            engine.push(ErrorEvent {
                t_ms: bin * 10_000 + i * 900,
                build: 0,
                code: 0,
            });
        }
        for i in 0..cand {
            engine.push(ErrorEvent {
                t_ms: bin * 10_000 + i * 300,
                build: 1,
                code: 0,
            });
        }
    }
    engine.finish();
    assert_eq!(engine.bins().len(), 40);
    let alerts = engine.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let a = &alerts[0];
    // Bin 20 closes at 210 s with a 5-bin mean of (4·1 + 3)/5 = 1.4 > 1.25: start.
    assert_eq!(a.start_s, 210);
    assert_eq!(a.raised_at_s, 210);
    // Bin 34 closes at 350 s with the mean back to (5·1)/5 = 1: stop. (Bin 33: 1.4.)
    assert_eq!(a.stop_s, Some(350));
    assert_eq!(a.value, 3.0);
    assert_eq!(a.window_bins, Some(5));
    let text = errors::alert_text(a, &["3".to_string()]);
    assert_eq!(
        text,
        "Alert: Mean Threshold Exceeded\nStart Timestamp: 0:03:30\nStop Timestamp: 0:05:50\nError Code: Error_Code_3\nValue: 3\nThreshold: 1.25\n"
    );
}

#[test]
fn mean_threshold_with_no_baseline_counts_the_candidate_as_over_one() {
    // Code 0 appears only in the candidate, 2 a bin: ratio 2 by the documented rule.
    let mut engine = ErrorEngine::new(mean_threshold_config(vec![2])).unwrap();
    for bin in 0..4i64 {
        engine.push(ErrorEvent {
            t_ms: bin * 10_000,
            build: 1,
            code: 0,
        });
        engine.push(ErrorEvent {
            t_ms: bin * 10_000 + 1,
            build: 1,
            code: 0,
        });
    }
    engine.finish();
    assert_eq!(engine.alerts().len(), 1);
    assert_eq!(engine.alerts()[0].value, 2.0);
    assert_eq!(errors::alerts::bin_ratio([0, 0]), 1.0);
}

/// One synthetic hour: `codes` codes with rates falling off by code, each event on a build
/// by a fair coin, except `boost` codes whose candidate events are multiplied.
fn synthetic_hour(
    seed: u64,
    codes: u32,
    per_second: u64,
    boost: Option<(u32, u64)>,
) -> Vec<ErrorEvent> {
    let mut rng = SplitMix64::new(seed);
    let mut events = Vec::new();
    for s in 0..3600i64 {
        for j in 0..per_second {
            // Zipf-like: code k with weight ~ 1/(k+1).
            let u = rng.next_f64();
            let code = (((codes as f64 + 1.0).powf(u) - 1.0) as u32).min(codes - 1);
            let build = rng.below(2) as u32;
            let t_ms = s * 1000 + (j * 1000 / per_second) as i64;
            let copies = match boost {
                Some((c, m)) if c == code && build == 1 => m,
                _ => 1,
            };
            for _ in 0..copies {
                events.push(ErrorEvent { t_ms, build, code });
            }
        }
    }
    events
}

fn run_config(events: &[ErrorEvent], config: Config) -> ErrorEngine {
    let mut engine = ErrorEngine::new(config).unwrap();
    for e in events {
        engine.push(*e);
    }
    engine.finish();
    engine
}

fn run_rate_test(events: &[ErrorEvent]) -> ErrorEngine {
    run_config(events, Config::new(0, 1, default_bin_seconds(3600)))
}

fn cumulative_config() -> Config {
    let mut c = Config::new(0, 1, default_bin_seconds(3600));
    c.evidence = Evidence::Cumulative;
    c
}

#[test]
fn cumulative_rate_test_stays_quiet_on_matched_rate_hours() {
    // 200 independent hours of 30 codes at equal rates; α = 0.01 bounds the chance of any
    // alert in an hour, so at most a handful of the 200 may alert (expected ≤ 2). The
    // default (recent evidence) has its own bound, checked in tests/errors_recent.rs.
    let mut noisy_hours = 0;
    for seed in 0..200 {
        let engine = run_config(&synthetic_hour(seed, 30, 4, None), cumulative_config());
        if !engine.alerts().is_empty() {
            noisy_hours += 1;
        }
    }
    eprintln!("{noisy_hours} of 200 matched-rate hours raised an alert");
    assert!(
        noisy_hours <= 6,
        "{noisy_hours} of 200 matched-rate hours raised an alert"
    );
    // And the one the issue asks about: a long matched hour has no alert at all, with
    // either evidence.
    let hour = synthetic_hour(2026, 32, 4, None);
    for engine in [run_config(&hour, cumulative_config()), run_rate_test(&hour)] {
        assert!(engine.alerts().is_empty(), "{:?}", engine.alerts());
    }
}

#[test]
fn recent_evidence_raises_no_later_than_the_stream_start_test() {
    // The default keeps the cumulative test as one term of its evidence (same α, same
    // shares by discovery rank), so every code the cumulative test raises is raised by the
    // default at the same second or sooner.
    let mut compared = 0;
    for seed in 0..40 {
        let boost = Some((seed as u32 % 7, 2 + seed % 2));
        let events = synthetic_hour(100 + seed, 12, 3, boost);
        let recent = run_rate_test(&events);
        let cumulative = run_config(&events, cumulative_config());
        for old in cumulative.alerts() {
            let first_old = cumulative
                .alerts()
                .iter()
                .filter(|a| a.code == old.code)
                .map(|a| a.raised_at_s)
                .min()
                .unwrap();
            let first_new = recent
                .alerts()
                .iter()
                .filter(|a| a.code == old.code)
                .map(|a| a.raised_at_s)
                .min();
            assert!(
                first_new.is_some_and(|t| t <= first_old),
                "seed {seed}, code {}: cumulative at {first_old} s, recent at {first_new:?}",
                old.code
            );
            compared += 1;
        }
    }
    assert!(compared >= 40, "only {compared} codes compared");
}

/// Code 0 at `rate` events a second on each build, with the candidate's rate tripled in the
/// seconds of `rises`; one event a second at most per build and code, spread by a seed.
fn rises(seed: u64, seconds: i64, rises: &[std::ops::Range<i64>]) -> Vec<ErrorEvent> {
    let mut rng = SplitMix64::new(seed);
    let mut events = Vec::new();
    for s in 0..seconds {
        let risen = rises.iter().any(|r| r.contains(&s));
        let p_cand = if risen { 0.9 } else { 0.3 };
        if rng.next_f64() < 0.3 {
            events.push(ErrorEvent {
                t_ms: s * 1000,
                build: 0,
                code: 0,
            });
        }
        if rng.next_f64() < p_cand {
            events.push(ErrorEvent {
                t_ms: s * 1000 + 500,
                build: 1,
                code: 0,
            });
        }
    }
    events
}

#[test]
fn recent_evidence_stops_after_a_rise_and_raises_the_next_one_afresh() {
    // Rises in 1500..1800 s and 4000..4300 s of a 2-hour stream; matched rates otherwise.
    let events = rises(3, 7200, &[1500..1800, 4000..4300]);
    let engine = run_rate_test(&events);
    let alerts = engine.alerts();
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    for (a, onset) in alerts.iter().zip([1500, 4000]) {
        assert!(
            a.raised_at_s > onset && a.raised_at_s <= onset + 120,
            "raised at {} for an onset at {onset}",
            a.raised_at_s
        );
        // Dated near the onset (the CUSUM estimate follows the data: this seed has a
        // candidate-heavy minute just before the first rise), with the counts since then.
        assert!(
            (onset - 90..=a.raised_at_s).contains(&a.start_s),
            "start {} for an onset at {onset}",
            a.start_s
        );
        let stop = a.stop_s.expect("each rise stops");
        assert!(
            stop > onset + 300 && stop < onset + 1500,
            "stopped at {stop}"
        );
        // The counts run from the start to the stop, so they hold the rise (×3) and the
        // minutes after it that it took to see it had ended.
        let (lo, hi) = (a.ci_low.unwrap(), a.ci_high.unwrap());
        assert!(
            lo > 1.5 && a.value > 1.8 && a.value < 3.2 && hi < 4.0,
            "{a:?}"
        );
        assert!(a.baseline_count > 0 && a.baseline_count < 300, "{a:?}");
        assert!(!a.is_new_code());
    }
    // The cumulative test has to outweigh 25 minutes of matched counts first.
    let cumulative = run_config(&events, cumulative_config());
    let first = cumulative
        .alerts()
        .first()
        .map_or(i64::MAX, |a| a.raised_at_s);
    assert!(first > alerts[0].raised_at_s + 60, "cumulative at {first}");
}

#[test]
fn new_codes_read_as_new_with_their_counts() {
    // Code 0 only on the candidate (1352 events), code 1 tripled on the candidate.
    let mut engine = ErrorEngine::new(Config::new(0, 1, 5)).unwrap();
    for i in 0..1352i64 {
        engine.push(ErrorEvent {
            t_ms: 3_000 + i * 2_000,
            build: 1,
            code: 0,
        });
        if i % 3 == 0 {
            engine.push(ErrorEvent {
                t_ms: 3_000 + i * 2_000,
                build: 0,
                code: 1,
            });
        }
        engine.push(ErrorEvent {
            t_ms: 3_500 + i * 2_000,
            build: 1,
            code: 1,
        });
    }
    engine.finish();
    let codes = ["-2".to_string(), "3".to_string()];
    let new = engine.alerts().iter().find(|a| a.code == 0).unwrap();
    assert!(new.is_new_code());
    assert_eq!((new.baseline_count, new.candidate_count), (0, 1352));
    assert_eq!(new.start_s, 3, "a new code is dated from its first event");
    let text = errors::alert_text(new, &codes);
    assert!(text.contains("\nValue: new: 0 → 1,352\n"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&errors::alert_json(new, &codes)).unwrap();
    assert_eq!(json["new_code"], true);
    assert_eq!(json["baseline_count"], 0);
    assert_eq!(json["candidate_count"], 1352);
    let old = engine.alerts().iter().find(|a| a.code == 1).unwrap();
    assert!(!old.is_new_code());
    let text = errors::alert_text(old, &codes);
    assert!(
        text.contains("\nValue: 2.9") || text.contains("\nValue: 3"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&errors::alert_json(old, &codes)).unwrap();
    assert_eq!(json["new_code"], false);
    assert_eq!(errors::group_thousands(1_234_567), "1,234,567");
    assert_eq!(errors::group_thousands(999), "999");
}

#[test]
fn rate_test_flags_a_tripled_code_within_minutes() {
    let events = synthetic_hour(7, 30, 4, Some((5, 3)));
    let engine = run_rate_test(&events);
    let flagged: Vec<u32> = engine.alerts().iter().map(|a| a.code).collect();
    assert_eq!(flagged, vec![5], "{:?}", engine.alerts());
    let a = &engine.alerts()[0];
    assert!(a.raised_at_s <= 300, "raised at {} s", a.raised_at_s);
    assert!(a.stop_s.is_none());
    let (lo, hi) = (a.ci_low.unwrap(), a.ci_high.unwrap());
    assert!(1.5 < lo && lo < a.value && a.value < hi, "{a:?}");
    assert!(a.p_value.unwrap() < a.threshold);
}

#[test]
fn engines_are_deterministic_folds_and_clock_ticks_change_nothing() {
    let events = synthetic_hour(11, 20, 3, Some((2, 2)));
    let straight = run_rate_test(&events);
    // The same events with timer ticks in between, and a checkpoint (clone) halfway.
    let mut ticked = ErrorEngine::new(Config::new(0, 1, default_bin_seconds(3600))).unwrap();
    let half = events.len() / 2;
    for e in &events[..half] {
        ticked.advance_to(e.t_ms);
        ticked.apply(&Event::Error(*e));
    }
    let mut resumed = ticked.clone();
    for e in &events[half..] {
        resumed.apply(&Event::Error(*e));
        resumed.advance_to(e.t_ms);
    }
    resumed.finish();
    assert_eq!(straight, resumed);
    assert!(!straight.alerts().is_empty());
    // Live: at the halfway point, alerts seen so far are a prefix of the final ones.
    for (a, b) in ticked.alerts().iter().zip(straight.alerts()) {
        assert_eq!((a.code, a.raised_at_s), (b.code, b.raised_at_s));
    }
}

#[test]
fn bins_default_from_the_span_and_cover_the_stream() {
    assert_eq!(default_bin_seconds(3600), 5);
    assert_eq!(default_bin_seconds(60), 1);
    assert_eq!(default_bin_seconds(86_400), 120);
    let mut engine = ErrorEngine::new(Config::new(0, 1, 5)).unwrap();
    for t in [0, 4_999, 5_000, 31_000] {
        engine.push(ErrorEvent {
            t_ms: t,
            build: 1,
            code: 3,
        });
    }
    engine.finish();
    let starts: Vec<i64> = engine.bins().iter().map(|b| b.start_s).collect();
    assert_eq!(starts, vec![0, 5, 10, 15, 20, 25, 30]);
    assert_eq!(engine.bins()[0].count(3), [0, 2]);
    assert_eq!(engine.bins()[2].count(3), [0, 0]);
    assert_eq!(engine.totals()[3], [0, 4]);
    assert!(ErrorEngine::new(Config::new(0, 1, 0)).is_err());
    assert!(ErrorEngine::new(Config::new(1, 1, 5)).is_err());
}

#[test]
fn cli_prints_jsonl_and_text_alerts() {
    let out = run(&["errors", SET_A]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.is_empty());
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["code"].is_string(), "{line}");
        assert_eq!(v["method"], "rate-test");
        assert!(
            v["raised_at_s"].is_i64() && v["start_s"].is_i64() && v["value"].is_f64(),
            "{line}"
        );
        assert!(v.get("stop_s").is_some(), "{line}");
    }

    let out = run(&[
        "errors",
        SET_A,
        "--method",
        "mean-threshold",
        "--windows",
        "5,10",
        "--threshold",
        "1.25",
        "--format",
        "text",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let first: Vec<&str> = text.lines().take(6).collect();
    let keys = [
        "Alert: Mean Threshold Exceeded",
        "Start Timestamp: ",
        "Stop Timestamp: ",
        "Error Code: Error_Code_",
        "Value: ",
        "Threshold: 1.25",
    ];
    for (line, key) in first.iter().zip(keys) {
        assert!(line.starts_with(key), "{line:?} should start with {key:?}");
    }

    let out = run(&["errors", SET_A, "--method", "magic"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rate-test or mean-threshold"));
    let one = scratch_file("one_build.csv", "0:00:01,1.0,E1\n0:00:02,1.0,E2\n");
    let out = run(&["errors", &one]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only one build"));
    let out = run(&["errors", SET_A, "--bin-seconds", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bin-seconds"));
}

#[test]
fn cli_exposes_the_rate_test_settings_with_ranges() {
    let lines = |out: Output| -> Vec<serde_json::Value> {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    // The defaults spelled out give the same alerts as none.
    let default = lines(run(&["errors", SET_A]));
    let spelled = lines(run(&[
        "errors",
        SET_A,
        "--evidence",
        "recent",
        "--false-alarm-rate",
        "0.002",
        "--restart-seconds",
        "10",
        "--alpha",
        "0.01",
    ]));
    assert_eq!(default, spelled);
    // The previous detector is still there, and its bar is α_k, not 1/A.
    let cumulative = lines(run(&["errors", SET_A, "--evidence", "cumulative"]));
    assert!(!cumulative.is_empty());
    assert!(cumulative
        .iter()
        .all(|a| a["threshold"].as_f64().unwrap() > 1e-5));
    assert!(default
        .iter()
        .all(|a| (a["threshold"].as_f64().unwrap() - 1.0 / 180_000.0).abs() < 1e-12));
    for (args, needle) in [
        (&["--restart-seconds", "0"][..], "--restart-seconds must be a whole number of seconds from 1 to 3600, got 0"),
        (&["--restart-seconds", "3601"][..], "from 1 to 3600"),
        (&["--false-alarm-rate", "0"][..], "--false-alarm-rate (expected false alerts per code-hour) must be from 1e-9 to 1, got 0"),
        (&["--false-alarm-rate", "1.5"][..], "got 1.5"),
        (&["--alpha", "1"][..], "--alpha"),
        (&["--evidence", "all"][..], "use recent or cumulative"),
    ] {
        let mut argv = vec!["errors", SET_A];
        argv.extend_from_slice(args);
        let out = run(&argv);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn rate_test_alert_stops_when_the_baseline_catches_up() {
    // A burst of 30 candidate-only events of code 0 (one a second), then 60 baseline events.
    let mut engine = ErrorEngine::new(Config::new(0, 1, 5)).unwrap();
    for s in 0..30i64 {
        engine.push(ErrorEvent {
            t_ms: s * 1000,
            build: 1,
            code: 0,
        });
    }
    engine.advance_to(30_000);
    assert_eq!(engine.alerts().len(), 1);
    let raised = engine.alerts()[0].raised_at_s;
    assert!(raised < 30 && engine.alerts()[0].stop_s.is_none());
    assert_eq!(engine.alerts()[0].start_s, 0);
    for s in 30..90i64 {
        engine.push(ErrorEvent {
            t_ms: s * 1000,
            build: 0,
            code: 0,
        });
    }
    engine.finish();
    assert_eq!(engine.alerts().len(), 1);
    let stop = engine.alerts()[0].stop_s.expect("the alert stopped");
    assert!(stop > 30 && stop <= 61, "stopped at {stop}");
    assert_eq!(engine.alerts()[0].state(), "closed");
}

#[test]
fn events_serialize_and_round_trip() {
    let e = Event::Error(ErrorEvent {
        t_ms: 3_540_000,
        build: 1,
        code: 4,
    });
    let json = serde_json::to_string(&e).unwrap();
    assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), e);
    assert_eq!(e.t_ms(), 3_540_000);
}

#[test]
fn demo_stream_flags_exactly_its_two_regressions() {
    let csv = pipescope::core::demo::error_stream_csv(7);
    let stream = read_bytes(csv.as_bytes(), &ReadOptions::default()).expect("demo stream reads");
    assert!(!stream.has_header);
    assert_eq!(stream.builds[stream.candidate as usize], "4.13.0-rc2");
    assert_eq!(stream.skipped, 0);
    let engine = analyze(&stream, Config::for_stream(&stream)).unwrap();
    let mut flagged: Vec<&str> = engine
        .alerts()
        .iter()
        .map(|a| stream.codes[a.code as usize].as_str())
        .collect();
    flagged.sort();
    flagged.dedup();
    assert_eq!(
        flagged,
        ["12", "4"],
        "the demo's regressions, and nothing else"
    );
    for a in engine.alerts() {
        let code = stream.codes[a.code as usize].as_str();
        let onset = if code == "4" { 1200 } else { 2100 };
        assert!(
            a.raised_at_s >= onset && a.raised_at_s < onset + 600,
            "{code} raised at {}",
            a.raised_at_s
        );
    }
}

#[test]
fn a_stray_quote_stops_the_read_with_its_line_and_the_literal_reading_keeps_the_rows() {
    let text = std::fs::read_to_string(SET_A).unwrap();
    let mut edited = String::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i + 1 == 101 {
            edited.push_str(&line.replacen(',', ",\"", 1));
        } else {
            edited.push_str(line);
        }
    }
    match read_bytes(edited.as_bytes(), &ReadOptions::default()) {
        Err(ReadError::RunawayQuote(r)) => {
            assert_eq!((r.line, r.to_end), (101, true));
            assert!(r.rows > 13_000, "{r:?}");
        }
        other => panic!("{other:?}"),
    }
    let whole = read_bytes(text.as_bytes(), &ReadOptions::default()).unwrap();
    let kept = read_bytes(
        edited.as_bytes(),
        &ReadOptions {
            literal_quotes_from: Some(101),
            baseline: Some(whole.builds[whole.baseline as usize].clone()),
            candidate: Some(whole.builds[whole.candidate as usize].clone()),
            ..ReadOptions::default()
        },
    )
    .unwrap();
    // Every row is kept; only line 101's build changed (it now starts with the quote).
    assert_eq!(kept.events.len(), whole.events.len());
    assert_eq!(kept.other_build_events, whole.other_build_events + 1);
    assert!(kept.builds.iter().any(|b| b.starts_with('"')));
}

#[test]
fn a_utf16_error_stream_reads_like_its_utf8_copy() {
    let text = std::fs::read_to_string(SET_A).unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    let plain = read_bytes(text.as_bytes(), &ReadOptions::default()).unwrap();
    let wide = read_bytes(&bytes, &ReadOptions::default()).unwrap();
    assert_eq!(wide.events, plain.events);
    assert_eq!(wide.builds, plain.builds);
}

#[test]
fn files_that_are_not_text_get_the_words_every_reader_uses() {
    use pipescope::core::ingest::{read_bytes as ingest, IngestOptions};
    let png = [
        0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H',
    ];
    for bytes in [&png[..], b"  \n\n"] {
        let here = read_bytes(bytes, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        let there = ingest(bytes, &IngestOptions::default())
            .unwrap_err()
            .to_string();
        assert_eq!(here, there);
    }
    let latin = b"0:00:01,1.0,3\n0:00:02,1.\xff0,4\n";
    let msg = read_bytes(latin, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with("line 2, column 'column 2': invalid UTF-8 at byte offset 24"),
        "{msg}"
    );
}
