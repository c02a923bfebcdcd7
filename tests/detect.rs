//! Causal detection: calibration on clean noise, injected faults caught as they happen,
//! causality itself, scale invariance, awkward series, checkpoints, and the
//! `pipescope detect` command line.

use std::path::PathBuf;
use std::process::{Command, Output};

use pipescope::core::detect::{
    detect_series, DetectConfig, Detector, DetectorKind, Point, Sensitivity,
};
use pipescope::core::forecast::{Model, Periods};
use pipescope::core::rng::SplitMix64;

const BIN: &str = env!("CARGO_BIN_EXE_pipescope");

/// A simulator-like metric: a 60 s triangle cycle between 1 and 500, 2 s ticks, noise σ 5.
fn triangle(n: usize, seed: u64) -> (Vec<i64>, Vec<f64>) {
    let mut rng = SplitMix64::new(seed);
    let t: Vec<i64> = (0..n as i64).map(|i| i * 2000).collect();
    let y = t
        .iter()
        .map(|&t| {
            let ph = (t % 60_000) as f64 / 60_000.0;
            let tri = if ph < 0.5 { ph * 2.0 } else { 2.0 - ph * 2.0 };
            1.0 + 499.0 * tri + 5.0 * rng.normal()
        })
        .collect();
    (t, y)
}

fn run(detector: &mut Detector, t: &[i64], y: &[f64]) -> Vec<Point> {
    t.iter()
        .zip(y)
        .map(|(&t, &v)| detector.push(t, v))
        .collect()
}

/// The forecast-band detector's configuration (the other kind).
fn band() -> DetectConfig {
    DetectConfig {
        kind: DetectorKind::Band,
        ..DetectConfig::default()
    }
}

fn anomaly_rate(points: &[Point]) -> f64 {
    let judged: Vec<&Point> = points.iter().filter(|p| p.expected.is_some()).collect();
    judged.iter().filter(|p| p.anomaly).count() as f64 / judged.len() as f64
}

#[test]
fn band_coverage_on_clean_gaussian_noise_is_near_the_level() {
    let mut rng = SplitMix64::new(1);
    let t: Vec<i64> = (0..20_000).map(|i| i * 1000).collect();
    let y: Vec<f64> = t.iter().map(|_| 100.0 + 5.0 * rng.normal()).collect();
    let points = detect_series(&band(), &t, &y).unwrap();
    let coverage = 1.0 - anomaly_rate(&points);
    assert!(
        (0.93..=0.97).contains(&coverage),
        "coverage {coverage} at level 0.95"
    );
    let mut config = band();
    config.level = 0.99;
    let coverage = 1.0 - anomaly_rate(&detect_series(&config, &t, &y).unwrap());
    assert!(
        (0.98..=0.995).contains(&coverage),
        "coverage {coverage} at level 0.99"
    );
}

#[test]
fn adaptive_flags_stay_rare_on_clean_noise_and_follow_the_sensitivity() {
    let mut rng = SplitMix64::new(1);
    let t: Vec<i64> = (0..20_000).map(|i| i * 1000).collect();
    let y: Vec<f64> = t.iter().map(|_| 100.0 + 5.0 * rng.normal()).collect();
    let rate = |s: Sensitivity| {
        let config = DetectConfig {
            sensitivity: s,
            ..DetectConfig::default()
        };
        anomaly_rate(&detect_series(&config, &t, &y).unwrap())
    };
    let (low, medium, high) = (
        rate(Sensitivity::Low),
        rate(Sensitivity::Medium),
        rate(Sensitivity::High),
    );
    assert!(medium <= 0.005, "medium flags {medium}");
    assert!(low < medium && medium < high, "{low} {medium} {high}");
}

#[test]
fn points_are_not_judged_while_training_then_all_are() {
    let (t, y) = triangle(600, 2);
    let points = detect_series(&DetectConfig::default(), &t, &y).unwrap();
    let train_end = 5 * 60_000;
    for p in &points {
        if p.t_ms < train_end {
            assert!(
                p.expected.is_none() && !p.anomaly && p.score == 0.0,
                "{p:?}"
            );
        } else if p.t_ms > train_end {
            let (e, lo, hi) = (p.expected.unwrap(), p.lower.unwrap(), p.upper.unwrap());
            assert!(lo < e && e < hi, "{p:?}");
        }
    }
    // The band follows the cycle, not a flat level.
    assert!(anomaly_rate(&points) < 0.1, "{}", anomaly_rate(&points));
}

#[test]
fn injected_spikes_and_level_shifts_are_flagged_when_they_happen() {
    let (t, mut y) = triangle(1800, 3);
    // Transient spikes of +120 (24 σ) at four places, one tick each.
    let spikes = [400, 700, 1000, 1300];
    for &i in &spikes {
        y[i] += 120.0;
    }
    // A level shift of −150 for 20 ticks.
    for v in &mut y[1500..1520] {
        *v -= 150.0;
    }
    let mut d = Detector::new(DetectConfig::default()).unwrap();
    let points = run(&mut d, &t, &y);
    for &i in &spikes {
        assert!(points[i].anomaly, "spike at {i}: {:?}", points[i]);
    }
    // Every tick of the shift, from the first: the change is not learnt while it lasts
    // less than the quarantine.
    for (k, p) in points[1500..1520].iter().enumerate() {
        assert!(p.anomaly, "shift tick {k}: {p:?}");
    }
    // Its start is an alert (the score's onset); its later ticks are not new alerts.
    assert!(points[1500].score > 0.5, "{:?}", points[1500]);
    assert!(points[1505..1520].iter().all(|p| p.score < 0.5));
    // The band detector flags them too.
    let points = detect_series(&band(), &t, &y).unwrap();
    for &i in &spikes {
        assert!(
            points[i].anomaly && points[i].score > 0.9,
            "{:?}",
            points[i]
        );
    }
    // And after it, the metric is normal again.
    let after = &points[1530..1600];
    assert!(anomaly_rate(after) < 0.15, "{}", anomaly_rate(after));
}

#[test]
fn changing_a_future_point_never_changes_an_earlier_output() {
    let (t, y) = triangle(900, 4);
    let base = detect_series(&DetectConfig::default(), &t, &y).unwrap();
    for k in [10, 149, 150, 151, 400, 899] {
        for new in [f64::NAN, -1e9, 1e9, y[k] + 0.001] {
            let mut changed = y.clone();
            changed[k] = new;
            let out = detect_series(&DetectConfig::default(), &t, &changed).unwrap();
            assert_eq!(
                out[..k],
                base[..k],
                "point {k} set to {new} changed the past"
            );
            // The judged point itself is judged from the past only: same band.
            assert_eq!(out[k].expected, base[k].expected);
            assert_eq!(out[k].upper, base[k].upper);
        }
    }
}

#[test]
fn scores_are_the_same_at_any_scale() {
    let (t, mut y) = triangle(900, 5);
    y[500] += 80.0;
    y[700] -= 30.0;
    let base = detect_series(&DetectConfig::default(), &t, &y).unwrap();
    for factor in [1e6, 1e-6, -3.0] {
        let scaled: Vec<f64> = y.iter().map(|v| v * factor).collect();
        let out = detect_series(&DetectConfig::default(), &t, &scaled).unwrap();
        for (a, b) in base.iter().zip(&out) {
            assert_eq!(
                a.anomaly, b.anomaly,
                "×{factor} at {}: {a:?} vs {b:?}",
                a.t_ms
            );
            assert!(
                (a.score - b.score).abs() < 1e-6,
                "×{factor}: {a:?} vs {b:?}"
            );
            if let (Some(ea), Some(eb)) = (a.expected, b.expected) {
                assert!((ea * factor - eb).abs() <= 1e-6 * (eb.abs() + factor.abs()));
            }
        }
    }
    assert!(base[500].anomaly);
}

#[test]
fn constant_series_has_no_anomalies_until_it_changes() {
    let t: Vec<i64> = (0..400).map(|i| i * 2000).collect();
    let mut y = vec![7.0; 400];
    y[300] = 7.5;
    for config in [DetectConfig::default(), band()] {
        let points = detect_series(&config, &t, &y).unwrap();
        assert!(points[200].expected.is_some());
        assert_eq!(points.iter().filter(|p| p.anomaly).count(), 1, "{config:?}");
        assert!(
            points[300].anomaly && points[300].score > 0.9,
            "{:?}",
            points[300]
        );
        assert!(points[301].score < 0.1, "{:?}", points[301]);
    }
}

#[test]
fn missing_values_are_not_judged_and_do_not_stop_the_stream() {
    let (t, mut y) = triangle(600, 6);
    for i in (0..600).step_by(9) {
        y[i] = f64::NAN;
    }
    let points = detect_series(&DetectConfig::default(), &t, &y).unwrap();
    for (p, v) in points.iter().zip(&y) {
        if v.is_nan() {
            assert!(!p.anomaly && p.score == 0.0);
        }
    }
    assert!(points[599].expected.is_some());
    // All missing: nothing trains, nothing is flagged.
    let none = detect_series(&DetectConfig::default(), &t, &vec![f64::NAN; 600]).unwrap();
    assert!(none.iter().all(|p| p.expected.is_none() && !p.anomaly));
}

#[test]
fn slow_drift_is_followed_and_a_permanent_shift_is_learnt() {
    let mut rng = SplitMix64::new(7);
    // Drifts upward by 200 σ over three hours: a frozen model would flag everything.
    let t: Vec<i64> = (0..10_800).map(|i| i * 1000).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&t| 50.0 + 1000.0 * (t as f64 / 10_800_000.0) + 5.0 * rng.normal())
        .collect();
    let points = detect_series(&DetectConfig::default(), &t, &y).unwrap();
    assert!(anomaly_rate(&points) < 0.08, "{}", anomaly_rate(&points));

    let (t, mut y) = triangle(3000, 8);
    for v in &mut y[1000..] {
        *v += 300.0;
    }
    let points = detect_series(&DetectConfig::default(), &t, &y).unwrap();
    assert!(points[1000].anomaly);
    assert!(
        anomaly_rate(&points[2500..]) < 0.15,
        "{}",
        anomaly_rate(&points[2500..])
    );
}

#[test]
fn a_pre_trained_model_judges_from_the_first_point() {
    let (t, y) = triangle(1200, 9);
    let ts: Vec<f64> = t[..600].iter().map(|&t| t as f64 / 1000.0).collect();
    let model = Model::new().fit(&ts, &y[..600]).unwrap();
    let mut d = Detector::with_model(band(), model).unwrap();
    let mut spiky = y[600..].to_vec();
    spiky[3] += 150.0;
    let points = run(&mut d, &t[600..], &spiky);
    assert!(points.iter().all(|p| p.expected.is_some()));
    assert!(points[3].anomaly && points[3].score > 0.9);
    assert!(anomaly_rate(&points) < 0.1);
}

#[test]
fn a_detector_trained_on_an_uploaded_file_judges_from_the_first_point() {
    // The "training file" path: the detector's own model settings, fitted on earlier data.
    let (t, y) = triangle(1200, 12);
    for config in [DetectConfig::default(), band()] {
        let mut d = Detector::pretrained(config.clone(), &t[..600], &y[..600]).unwrap();
        assert!(d.is_trained() && d.fits() == 0);
        let mut spiky = y[600..].to_vec();
        spiky[5] += 150.0;
        let points = run(&mut d, &t[600..], &spiky);
        assert!(points.iter().all(|p| p.expected.is_some()));
        assert!(points[5].anomaly, "{config:?}: {:?}", points[5]);
        assert!(anomaly_rate(&points) < 0.1, "{}", anomaly_rate(&points));
    }
    // Too little training data is refused with the fit's own message.
    let err = Detector::pretrained(DetectConfig::default(), &t[..2], &y[..2]).unwrap_err();
    assert!(err.to_string().contains("point"), "{err}");
}

#[test]
fn refit_offsets_keep_detectors_that_train_together_from_refitting_together() {
    let (t, y) = triangle(3000, 13);
    let base = DetectConfig::default();
    let mut late = base.clone();
    late.refit_offset_ms = base.refit_every_ms / 2;
    let (mut a, mut b) = (Detector::new(base).unwrap(), Detector::new(late).unwrap());
    let (mut both, mut fits_a, mut fits_b) = (0, 0, 0);
    for (&t, &v) in t.iter().zip(&y) {
        let (before_a, before_b) = (a.fits(), b.fits());
        a.push(t, v);
        b.push(t, v);
        let (ra, rb) = (a.fits() > before_a, b.fits() > before_b);
        fits_a += usize::from(ra);
        fits_b += usize::from(rb);
        // The training fit is the one they share.
        both += usize::from(ra && rb);
    }
    assert_eq!(both, 1, "only the training fit happens on the same point");
    assert!(
        fits_a >= 8 && fits_b >= 8,
        "both keep refitting: {fits_a}, {fits_b}"
    );
    assert!(fits_a.abs_diff(fits_b) <= 1);
}

#[test]
fn a_checkpointed_detector_continues_exactly_as_the_original() {
    let (t, y) = triangle(1200, 10);
    let mut a = Detector::new(DetectConfig::default()).unwrap();
    run(&mut a, &t[..500], &y[..500]);
    let bytes = postcard::to_allocvec(&a).unwrap();
    let mut b: Detector = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        run(&mut a, &t[500..], &y[500..]),
        run(&mut b, &t[500..], &y[500..])
    );
    assert_eq!(a, b);
}

#[test]
fn bad_configurations_are_refused_with_the_field_named() {
    let mut c = DetectConfig::default();
    c.level = 1.5;
    assert!(Detector::new(c).unwrap_err().to_string().contains("0.95"));
    let mut c = DetectConfig::default();
    c.refit_every_ms = 0;
    assert!(Detector::new(c)
        .unwrap_err()
        .to_string()
        .contains("refit_every_ms"));
    let mut c = DetectConfig::default();
    c.periods = Periods::Fixed(vec![0.0]);
    assert!(Detector::new(c).is_err());
}

#[test]
fn unsorted_input_is_judged_in_time_order_and_returned_in_input_order() {
    let (t, y) = triangle(600, 11);
    let sorted = detect_series(&DetectConfig::default(), &t, &y).unwrap();
    let mut order: Vec<usize> = (0..600).collect();
    order.swap(350, 420);
    order.swap(10, 11);
    let ts: Vec<i64> = order.iter().map(|&i| t[i]).collect();
    let ys: Vec<f64> = order.iter().map(|&i| y[i]).collect();
    let out = detect_series(&DetectConfig::default(), &ts, &ys).unwrap();
    for (k, &i) in order.iter().enumerate() {
        assert_eq!(out[k], sorted[i]);
    }
}

// ---- the command line ----

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pipescope-detect-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn detect(csv: &str, name: &str, extra: &[&str]) -> Output {
    let path = scratch(name).join("in.csv");
    std::fs::write(&path, csv).unwrap();
    Command::new(BIN)
        .arg("detect")
        .arg(&path)
        .args(extra)
        .output()
        .expect("run pipescope")
}

fn triangle_csv(n: usize, time: impl Fn(i64) -> String) -> String {
    let (t, y) = triangle(n, 12);
    let mut s = String::from("when,load,other\n");
    for (t, v) in t.iter().zip(&y) {
        s.push_str(&format!("{},{v},x\n", time(*t)));
    }
    s
}

#[test]
fn cli_prints_one_row_per_input_row_with_the_contract_header() {
    let mut csv = triangle_csv(600, |t| (1_764_338_700 + t / 1000).to_string());
    csv = csv.replacen(",x\n", ",x\n", 1);
    let mut lines: Vec<String> = csv.lines().map(String::from).collect();
    // A spike after training.
    let fields: Vec<&str> = lines[500].split(',').collect();
    let spiked = format!(
        "{},{},x",
        fields[0],
        fields[1].parse::<f64>().unwrap() + 200.0
    );
    lines[500] = spiked;
    let csv = lines.join("\n") + "\n";
    let o = detect(
        &csv,
        "shape",
        &["--time", "when", "--value", "load", "--train-minutes", "5"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "timestamp",
            "value",
            "expected",
            "lower",
            "upper",
            "score",
            "anomaly",
            "cause",
            "surprise"
        ]
    );
    assert_eq!(rows.len(), 601);
    for (r, input) in rows[1..].iter().zip(csv.lines().skip(1)) {
        let inp: Vec<&str> = input.split(',').collect();
        assert_eq!(r[0], inp[0], "timestamp as in the input");
        assert_eq!(r[1], inp[1]);
        let score: f64 = r[5].parse().unwrap();
        assert!((0.0..=1.0).contains(&score));
        assert!(r[6] == "0" || r[6] == "1");
    }
    // Training rows (first 5 minutes) have empty forecast fields; later rows have numbers.
    assert_eq!(&rows[1][2..5], ["", "", ""]);
    let later: f64 = rows[300][2].parse().unwrap();
    assert!(later.is_finite());
    assert_eq!(rows[500][6], "1", "the spike: {:?}", rows[500]);
}

#[test]
fn cli_reads_clock_times_and_reports_bad_values_by_line() {
    let mut csv = triangle_csv(400, |t| {
        let s = t / 1000;
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    });
    csv = csv.replacen("\n0:00:10,", "\n0:00:10,oops,x\nskip-me,", 1);
    let o = detect(&csv, "clock", &["--time", "when", "--value", "load"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("not numbers") && err.contains("(lines 7)"),
        "{err}"
    );
    assert!(
        err.contains("unreadable time") && err.contains("(lines 8)"),
        "{err}"
    );
    let out = String::from_utf8(o.stdout).unwrap();
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 402);
    assert!(rows[6].starts_with("0:00:10,,"), "{}", rows[6]);
    assert!(rows[7].starts_with("skip-me,"), "{}", rows[7]);
    assert!(rows[300].starts_with("0:09:"), "{}", rows[300]);
}

#[test]
fn cli_names_the_columns_that_exist_when_one_is_missing() {
    let o = detect(
        "a,b\n1,2\n2,3\n",
        "missing",
        &["--time", "a", "--value", "nope"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("'nope'") && err.contains("--value") && err.contains("a, b"),
        "{err}"
    );
}

#[test]
fn cli_warns_about_unsorted_rows_and_keeps_input_order() {
    let csv = triangle_csv(300, |t| (t / 1000).to_string());
    let mut lines: Vec<&str> = csv.lines().collect();
    lines.swap(100, 120);
    let csv = lines.join("\n") + "\n";
    let o = detect(
        &csv,
        "unsorted",
        &["--time", "when", "--value", "load", "--period", "60"],
    );
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("earlier than a row above"), "{err}");
    let out = String::from_utf8(o.stdout).unwrap();
    let first: Vec<&str> = out.lines().map(|l| l.split(',').next().unwrap()).collect();
    let input: Vec<&str> = lines.iter().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(first[1..], input[1..]);
    let bad = detect(
        &csv,
        "badperiod",
        &["--time", "when", "--value", "load", "--period=-3"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a period"));
}

#[test]
fn a_count_near_zero_never_gets_a_band_below_zero_but_a_signed_metric_does() {
    // Errors a minute: mostly 0 to 3, a wide band around a mean near 1.
    let mut rng = SplitMix64::new(9);
    let t: Vec<i64> = (0..1500).map(|i| i * 60_000).collect();
    let counts: Vec<f64> = t
        .iter()
        .map(|_| (1.0 + 1.2 * rng.normal()).round().max(0.0))
        .collect();
    for kind in [DetectorKind::Adaptive, DetectorKind::Band] {
        let config = DetectConfig {
            kind,
            ..DetectConfig::default()
        };
        let points = detect_series(&config, &t, &counts).unwrap();
        let judged: Vec<&Point> = points.iter().filter(|p| p.lower.is_some()).collect();
        assert!(judged.len() > 1000);
        assert!(
            judged
                .iter()
                .all(|p| p.lower.unwrap() >= 0.0 && p.expected.unwrap() >= 0.0),
            "{kind:?}: a band below 0 for a count"
        );
        // The same shape shifted below 0 keeps its band below 0.
        let signed: Vec<f64> = counts.iter().map(|c| c - 1.0).collect();
        let points = detect_series(&config, &t, &signed).unwrap();
        assert!(points.iter().any(|p| p.lower.is_some_and(|l| l < -1.0)));
    }
}

#[test]
fn cli_never_writes_a_formula_a_spreadsheet_would_run() {
    let mut csv = triangle_csv(400, |t| (t / 1000 + 1_700_000_000).to_string());
    csv = csv.replacen(
        "\n1700000010,",
        "\n=HYPERLINK(\"http://x\"),5,x\n@SUM(1+1),=1+1,x\n1700000010,",
        1,
    );
    let o = detect(&csv, "formula", &["--time", "when", "--value", "load"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let rows: Vec<&str> = out.lines().collect();
    assert!(
        rows[6].starts_with("\"'=HYPERLINK(\"\"http://x\"\")\",5,"),
        "{}",
        rows[6]
    );
    // (A value that is not a number is printed empty, as the contract says.)
    assert!(rows[7].starts_with("'@SUM(1+1),,"), "{}", rows[7]);
    assert!(
        !out.lines()
            .any(|l| l.starts_with('=') || l.starts_with('@')),
        "no cell starts a formula"
    );
}

#[test]
fn cli_reports_infinite_values_and_gaps_with_their_lines() {
    // One point a minute, an `inf` on line 102 and a three-hour pause after line 251.
    let mut csv = String::from("t,v\n");
    let mut rng = SplitMix64::new(4);
    for i in 0..500i64 {
        let t = 1_700_000_000 + 60 * i + if i >= 250 { 3 * 3600 } else { 0 };
        let v = if i == 100 {
            "inf".to_string()
        } else {
            format!("{}", 100.0 + rng.normal())
        };
        csv.push_str(&format!("{t},{v}\n"));
    }
    let o = detect(&csv, "unjudged", &["--time", "t", "--value", "v"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("(lines 102)"), "{err}");
    assert!(
        err.contains("1 gap(s) in time") && err.contains("between lines 251 and 252"),
        "{err}"
    );
}
