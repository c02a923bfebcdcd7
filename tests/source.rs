//! Metric replay files (issue 3, "Replay" and "Bad input"): CSV and Prometheus JSON into one
//! clean metric table, with notes for what was fixed and errors that say what and where.

use pipescope::core::event::{Event, MetricEvent};
use pipescope::core::rng::SplitMix64;
use pipescope::core::source::{
    read_metrics, read_metrics_csv, read_prometheus_json, MetricTable, NoteKind, SourceError,
    SourceFormat,
};
use proptest::prelude::*;

fn csv(text: &str) -> MetricTable {
    read_metrics_csv(text.as_bytes(), None).unwrap_or_else(|e| panic!("{e}"))
}

fn prom(text: &str) -> MetricTable {
    read_prometheus_json(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn note(t: &MetricTable, kind: NoteKind) -> String {
    let found: Vec<&str> = t
        .notes
        .iter()
        .filter(|n| n.kind == kind)
        .map(|n| n.message.as_str())
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {kind:?} note expected in {:?}",
        t.notes
    );
    found[0].to_string()
}

fn kinds(t: &MetricTable) -> Vec<NoteKind> {
    t.notes.iter().map(|n| n.kind).collect()
}

/// Missing cells as None, so columns compare with `==`.
fn col(t: &MetricTable, i: usize) -> Vec<Option<f64>> {
    t.columns[i]
        .iter()
        .map(|v| (!v.is_nan()).then_some(*v))
        .collect()
}

fn matrix(series: &[(&str, &[(f64, &str)])]) -> String {
    let items: Vec<String> = series
        .iter()
        .map(|(metric, samples)| {
            let values: Vec<String> = samples
                .iter()
                .map(|(t, v)| format!("[{t},\"{v}\"]"))
                .collect();
            format!(r#"{{"metric":{metric},"values":[{}]}}"#, values.join(","))
        })
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{}]}}}}"#,
        items.join(",")
    )
}

// ---------------------------------------------------------------- CSV

#[test]
fn csv_with_epoch_seconds_becomes_columns_and_events() {
    let t = csv("time,cpu,mem\n100,1.5,10\n102,2.5,\n104,3.5,30\n");
    assert_eq!(t.format, SourceFormat::Csv);
    assert_eq!(t.names, ["cpu", "mem"]);
    assert_eq!(t.times_ms, [100_000, 102_000, 104_000]);
    assert_eq!(col(&t, 0), [Some(1.5), Some(2.5), Some(3.5)]);
    assert_eq!(col(&t, 1), [Some(10.0), None, Some(30.0)]);
    assert!(t.notes.is_empty(), "{:?}", t.notes);
    assert_eq!(t.rows(), 3);
    assert_eq!(t.step_ms(), Some(2000));
    let events = t.events();
    // The missing mem cell makes no event; events come row by row, metric by metric.
    assert_eq!(events.len(), 5);
    assert_eq!(
        events[2],
        Event::Metric(MetricEvent {
            t_ms: 102_000,
            series: 0,
            value: 2.5
        })
    );
    assert!(events.windows(2).all(|w| w[0].t_ms() <= w[1].t_ms()));
    let mut row = Vec::new();
    t.row_events(2, &mut row);
    assert_eq!(row, events[3..]);
    t.row_events(99, &mut row);
    assert_eq!(row.len(), 2, "a row past the end adds nothing");
}

#[test]
fn epoch_milliseconds_iso_and_clock_times() {
    let ms = csv("ts,v\n1764338700000,1\n1764338701000,2\n");
    assert_eq!(ms.times_ms, [1_764_338_700_000, 1_764_338_701_000]);
    // The same instant as ISO 8601 and as epoch seconds.
    let iso = csv("date,v\n2025-11-28T14:05:00Z,1\n2025-11-28T14:05:01.5Z,2\n");
    assert_eq!(iso.times_ms, [1_764_338_700_000, 1_764_338_701_500]);
    let secs = csv("time,v\n1764338700,1\n1764338701.5,2\n");
    assert_eq!(secs.times_ms, iso.times_ms);
    let clock = csv("when,v\n0:00:00,1\n0:00:02,2\n1:00:00,3\n");
    assert_eq!(clock.times_ms, [0, 2000, 3_600_000]);
    let tsv = csv("time\tv\n10\t1\n11\t2\n");
    assert_eq!(
        (tsv.times_ms.len(), tsv.names.clone()),
        (2, vec!["v".to_string()])
    );
}

#[test]
fn time_column_found_by_name_labels_skipped_with_a_note() {
    let t = csv("host,cpu,timestamp\nweb-1,0.5,2026-01-01T00:00:00Z\nweb-2,0.7,2026-01-01T00:01:00Z\nweb-1,0.9,2026-01-01T00:02:00Z\n");
    assert_eq!(t.names, ["cpu"]);
    assert_eq!(t.rows(), 3);
    let n = note(&t, NoteKind::SkippedColumn);
    assert!(n.contains("'host'") && n.contains("labels"), "{n}");
}

#[test]
fn time_column_named_by_the_caller() {
    let text = "a,b,c\n1000000000,5,7\n1000000001,6,8\n";
    let t = read_metrics_csv(text.as_bytes(), Some("b")).unwrap();
    assert_eq!(t.names, ["a", "c"]);
    assert_eq!(t.times_ms, [5000, 6000]);
    let auto = csv(text);
    assert_eq!(
        auto.names,
        ["b", "c"],
        "the first column holds epoch seconds"
    );
    let e = read_metrics_csv(text.as_bytes(), Some("when")).unwrap_err();
    assert!(matches!(e, SourceError::UnknownTimeColumn { .. }));
    let msg = e.to_string();
    assert!(msg.contains("'when'") && msg.contains("a, b, c"), "{msg}");
}

#[test]
fn no_time_column_is_an_error_naming_the_columns() {
    let e = read_metrics_csv(b"x,y\n1,2\n3,4\n", None).unwrap_err();
    assert!(matches!(e, SourceError::NoTimeColumn { .. }), "{e:?}");
    assert!(e.to_string().contains("x, y"), "{e}");
}

#[test]
fn non_numeric_cells_become_missing_with_a_note() {
    let t = csv("time,cpu\n1,1\n2,oops\n3,3\n4,4\n5,n/a\n6,bad\n");
    assert_eq!(
        col(&t, 0),
        [Some(1.0), None, Some(3.0), Some(4.0), None, None]
    );
    let n = note(&t, NoteKind::NonNumeric);
    assert!(
        n.starts_with("2 cells in 'cpu'") && n.contains("line 3"),
        "{n}"
    );
}

#[test]
fn no_numeric_column_is_an_error_naming_what_was_found() {
    let e =
        read_metrics_csv(b"time,host,when\n1,a,2026-01-01\n2,b,2026-01-02\n", None).unwrap_err();
    assert!(matches!(e, SourceError::NoMetrics { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("'time'") && msg.contains("'host' (labels)") && msg.contains("'when' (dates)"),
        "{msg}"
    );
}

#[test]
fn bad_time_rows_are_skipped_unless_most_are_bad() {
    let t = csv("time,v\n0:00:01,1\nlater,2\n0:00:03,3\n,4\n0:00:05,5\n");
    assert_eq!(t.times_ms, [1000, 3000, 5000]);
    assert_eq!(col(&t, 0), [Some(1.0), Some(3.0), Some(5.0)]);
    let n = note(&t, NoteKind::BadTimes);
    assert!(
        n.starts_with("2 rows") && n.contains("line 3") && n.contains("'time'"),
        "{n}"
    );

    let e = read_metrics_csv(b"time,v\n0:00:01,1\nsoon,2\nlater,3\n", None).unwrap_err();
    assert!(matches!(e, SourceError::BadTimes { line: 3, .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("line 3") && msg.contains("'time'") && msg.contains("'soon'"),
        "{msg}"
    );
}

#[test]
fn unsorted_rows_are_sorted_stably_with_a_note() {
    let t = csv("time,v\n10,1\n30,3\n20,2\n40,4\n5,0\n");
    assert_eq!(t.times_ms, [5000, 10_000, 20_000, 30_000, 40_000]);
    assert_eq!(
        col(&t, 0),
        [Some(0.0), Some(1.0), Some(2.0), Some(3.0), Some(4.0)]
    );
    let n = note(&t, NoteKind::Sorted);
    assert!(n.starts_with("2 rows") && n.contains("line 4"), "{n}");
}

#[test]
fn duplicate_times_merge_last_non_missing_value_wins() {
    let t = csv("time,a,b\n1,1,10\n2,2,20\n2,3,\n3,4,40\n2,,25\n");
    assert_eq!(t.times_ms, [1000, 2000, 3000]);
    // Row order at time 2 in the file: (2,20), (3,-), (-,25): a = 3, b = 25.
    assert_eq!(col(&t, 0), [Some(1.0), Some(3.0), Some(4.0)]);
    assert_eq!(col(&t, 1), [Some(10.0), Some(25.0), Some(40.0)]);
    let n = note(&t, NoteKind::Duplicates);
    assert!(
        n.starts_with("2 rows") && n.contains("line 4") && n.contains("last"),
        "{n}"
    );
}

#[test]
fn gaps_are_kept_and_noted_with_the_largest() {
    let t = csv("time,v\n0,1\n10,1.5\n20,2\n30,2\n40,1\n640,1\n650,2\n700,3\n");
    assert_eq!(t.rows(), 8, "no rows are invented");
    assert_eq!(t.step_ms(), Some(10_000));
    let n = note(&t, NoteKind::Gaps);
    assert!(n.starts_with("2 gaps") && n.contains("10 min"), "{n}");
    let steady = csv("time,v\n0,1\n10,2\n20,3\n35,4\n");
    assert!(!kinds(&steady).contains(&NoteKind::Gaps));
}

#[test]
fn constant_metric_kept_all_missing_metric_dropped() {
    let t = csv("time,flat,empty,v\n1,5,,1\n2,5,,2\n3,5,,3\n");
    assert_eq!(t.names, ["flat", "v"]);
    assert_eq!(t.columns.len(), 2);
    assert!(note(&t, NoteKind::Constant).contains("'flat'"));
    assert!(note(&t, NoteKind::AllMissing).contains("'empty'"));
    assert!(t
        .events()
        .iter()
        .all(|e| matches!(e, Event::Metric(m) if m.series < 2)));

    let e = read_metrics_csv(b"time,a,b\n1,,\n2,,NA\n", None).unwrap_err();
    assert!(matches!(e, SourceError::AllMissing { .. }), "{e:?}");
    assert!(e.to_string().contains("a, b"), "{e}");
}

#[test]
fn hostile_names_are_kept_verbatim() {
    let name = "<img src=x onerror=alert(1)>";
    let t = csv(&format!("time,{name}\n1,1\n2,2\n"));
    assert_eq!(t.names, [name]);
    let p = prom(&matrix(&[(
        r#"{"__name__":"<script>x</script>","job":"<b>"}"#,
        &[(1.0, "1")],
    )]));
    assert_eq!(p.names, [r#"<script>x</script>{job="<b>"}"#]);
}

#[test]
fn csv_read_errors_keep_ingest_positions() {
    let e = read_metrics_csv(b"", None).unwrap_err();
    assert!(matches!(e, SourceError::Csv(_)), "{e:?}");
    let e = read_metrics_csv(b"time,v\n1,\xff\xfe\n", None).unwrap_err();
    assert!(e.to_string().contains("line 2"), "{e}");
}

// ---------------------------------------------------------------- Prometheus

#[test]
fn matrix_is_the_union_of_timestamps() {
    let doc = matrix(&[
        (
            r#"{"__name__":"up","job":"prometheus","instance":"localhost:9090"}"#,
            &[
                (1435781430.781, "1"),
                (1435781445.781, "1"),
                (1435781460.781, "0"),
            ],
        ),
        (
            r#"{"__name__":"up","job":"node","instance":"localhost:9091"}"#,
            &[(1435781445.781, "0.5"), (1435781475.781, "1")],
        ),
    ]);
    let t = prom(&doc);
    assert_eq!(t.format, SourceFormat::PrometheusMatrix);
    assert_eq!(
        t.names,
        [
            r#"up{instance="localhost:9090",job="prometheus"}"#,
            r#"up{instance="localhost:9091",job="node"}"#
        ]
    );
    assert_eq!(
        t.times_ms,
        [1435781430781, 1435781445781, 1435781460781, 1435781475781]
    );
    assert_eq!(col(&t, 0), [Some(1.0), Some(1.0), Some(0.0), None]);
    assert_eq!(col(&t, 1), [None, Some(0.5), None, Some(1.0)]);
    assert!(t.notes.is_empty(), "{:?}", t.notes);
}

#[test]
fn vector_and_scalar_are_one_row() {
    let v = prom(
        r#"{"status":"success","data":{"resultType":"vector","result":[
        {"metric":{"__name__":"up","job":"a"},"value":[1700000000,"1"]},
        {"metric":{"__name__":"up","job":"b"},"value":[1700000000,"0"]}]}}"#,
    );
    assert_eq!(v.format, SourceFormat::PrometheusVector);
    assert_eq!((v.rows(), v.names.len()), (1, 2));
    assert_eq!(v.times_ms, [1_700_000_000_000]);
    let s =
        prom(r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"42"]}}"#);
    assert_eq!(s.names, ["scalar"]);
    assert_eq!(
        (s.times_ms.clone(), col(&s, 0)),
        (vec![1_700_000_000_500], vec![Some(42.0)])
    );
}

#[test]
fn names_in_prometheus_text_form() {
    let t = prom(&matrix(&[
        (r#"{"z":"1","__name__":"m","a":"q\"x"}"#, &[(1.0, "1")]),
        (r#"{"job":"x"}"#, &[(1.0, "1")]),
        (r#"{"__name__":"m","a":"q\"x","z":"1"}"#, &[(1.0, "2")]),
        (r#"{}"#, &[(1.0, "3")]),
        (r#"{"__name__":"bare"}"#, &[(1.0, "3")]),
    ]));
    assert_eq!(
        t.names,
        [
            r#"m{a="q\"x",z="1"}"#,
            r#"{job="x"}"#,
            r#"m{a="q\"x",z="1"} (2)"#,
            "{}",
            "bare"
        ]
    );
}

#[test]
fn nan_and_infinities_become_missing_with_a_note() {
    let t = prom(&matrix(&[(
        r#"{"__name__":"m"}"#,
        &[
            (1.0, "1"),
            (2.0, "NaN"),
            (3.0, "+Inf"),
            (4.0, "-Inf"),
            (5.0, "2"),
        ],
    )]));
    assert_eq!(col(&t, 0), [Some(1.0), None, None, None, Some(2.0)]);
    let n = note(&t, NoteKind::NonFinite);
    assert!(
        n.starts_with("3 sample values") && n.contains("data.result[0].values[1]"),
        "{n}"
    );
    let bad = prom(&matrix(&[(r#"{}"#, &[(1.0, "x"), (2.0, "2")])]));
    assert!(note(&bad, NoteKind::NonNumeric).contains("values[0]"));
}

#[test]
fn unsorted_and_repeated_samples_within_a_series() {
    let t = prom(&matrix(&[(
        r#"{"__name__":"m"}"#,
        &[(3.0, "3"), (1.0, "1"), (2.0, "2"), (2.0, "5")],
    )]));
    assert_eq!(t.times_ms, [1000, 2000, 3000]);
    assert_eq!(col(&t, 0), [Some(1.0), Some(5.0), Some(3.0)]);
    assert!(note(&t, NoteKind::Sorted).contains("values[1]"));
    assert!(note(&t, NoteKind::Duplicates).starts_with("1 sample"));
}

#[test]
fn warnings_become_notes() {
    let t = prom(
        r#"{"status":"success","warnings":["query hit the sample limit"],"infos":["partial"],
        "data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}]}}"#,
    );
    assert_eq!(kinds(&t), [NoteKind::Warning, NoteKind::Warning]);
    assert!(t.notes[0].message.contains("query hit the sample limit"));
}

#[test]
fn prometheus_error_response_names_both_strings() {
    let e = read_prometheus_json(
        br#"{"status":"error","errorType":"bad_data","error":"parse error at char 4"}"#,
    )
    .unwrap_err();
    assert_eq!(
        e,
        SourceError::Prometheus {
            error_type: "bad_data".into(),
            error: "parse error at char 4".into()
        }
    );
    let msg = e.to_string();
    assert!(
        msg.contains("bad_data") && msg.contains("parse error at char 4"),
        "{msg}"
    );
}

#[test]
fn json_that_is_not_prometheus_says_what_it_found() {
    let e = read_prometheus_json(b"[1,2,3]").unwrap_err();
    assert!(matches!(e, SourceError::NotPrometheus { .. }));
    assert!(e.to_string().contains("a JSON array"), "{e}");
    let e = read_prometheus_json(br#"{"a":1,"b":2,"c":3}"#).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("an object with keys a, b, c") && msg.contains("resultType"),
        "{msg}"
    );
    let e = read_prometheus_json(br#"{"status":"success","data":{"result":[]}}"#).unwrap_err();
    assert!(matches!(e, SourceError::NotPrometheus { .. }), "{e:?}");
}

#[test]
fn invalid_json_has_line_and_column() {
    let e = read_prometheus_json(b"{\"status\":\"success\",\n  \"data\": {,}}").unwrap_err();
    match &e {
        SourceError::Json { line, column, .. } => assert_eq!((*line, *column), (2, 12)),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().starts_with("line 2, column 12"), "{e}");
}

#[test]
fn wrong_shapes_name_their_json_path() {
    let e = read_prometheus_json(
        br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],"oops"]}]}}"#,
    )
    .unwrap_err();
    assert!(matches!(e, SourceError::Shape { .. }));
    assert!(e.to_string().contains("data.result[0].values[1]"), "{e}");
    let e = read_prometheus_json(
        br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":3},"values":[]}]}}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("data.result[0].metric.job"), "{e}");
    let e = read_prometheus_json(
        br#"{"status":"success","data":{"resultType":"string","result":[1,"hello"]}}"#,
    )
    .unwrap_err();
    assert!(matches!(e, SourceError::Unsupported { .. }), "{e:?}");
    let e =
        read_prometheus_json(br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#)
            .unwrap_err();
    assert!(matches!(e, SourceError::NoSamples { .. }), "{e:?}");
}

#[test]
fn native_histograms_are_refused_clearly() {
    for key in ["histogram", "histograms"] {
        let doc = format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{"__name__":"h"}},"{key}":[1,{{"count":"2"}}]}}]}}}}"#
        );
        let e = read_prometheus_json(doc.as_bytes()).unwrap_err();
        assert!(matches!(e, SourceError::Unsupported { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("native histograms") && msg.contains(key),
            "{msg}"
        );
    }
}

#[test]
fn read_metrics_sniffs_json_and_csv() {
    let json = matrix(&[(r#"{"__name__":"m"}"#, &[(1.0, "1")])]);
    let padded = format!("\u{feff}  \n{json}");
    assert_eq!(
        read_metrics(padded.as_bytes(), "x.txt", None)
            .unwrap()
            .format,
        SourceFormat::PrometheusMatrix
    );
    let t = read_metrics(b"time,v\n1,2\n", "m.csv", None).unwrap();
    assert_eq!(t.format, SourceFormat::Csv);
    let e = read_metrics(b"time,v\n1,2\n", "dump.json", None).unwrap_err();
    assert!(matches!(e, SourceError::Json { .. }), "{e:?}");
}

// ---------------------------------------------------------------- no panics

fn sample_csv() -> String {
    "time,cpu,host,mem\n0:00:01,1,a,\n0:00:03,x,b,2\n0:00:02,3,a,3\n0:00:02,4,c,NaN\n0:00:09,5,a,5\n".into()
}

fn sample_json() -> String {
    r#"{"status":"success","warnings":["w"],"data":{"resultType":"matrix","result":[
    {"metric":{"__name__":"up","job":"a"},"values":[[1,"1"],[2,"NaN"],[1.5,"2"]]},
    {"metric":{"job":"b"},"values":[[1,"+Inf"],[4,"3"]]}]}}"#
        .into()
}

/// Ok or Err, never a panic; an Ok table is consistent.
fn check(bytes: &[u8]) {
    if let Ok(t) = read_metrics(bytes, "f", None) {
        assert_eq!(t.names.len(), t.columns.len());
        assert!(t.columns.iter().all(|c| c.len() == t.rows()));
        assert!(t.times_ms.windows(2).all(|w| w[0] < w[1]));
        assert!(!t.names.is_empty());
    }
}

#[test]
fn truncations_and_random_bytes_never_panic() {
    for doc in [sample_csv(), sample_json()] {
        let b = doc.as_bytes();
        for end in 0..=b.len() {
            check(&b[..end]);
        }
        let mut rng = SplitMix64::new(7);
        for _ in 0..2000 {
            let mut m = b.to_vec();
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(m.len() as u64) as usize;
                let alphabet = b"{}[],:\"0123456789.-+eENaInf \n\t\\xa";
                m[i] = alphabet[rng.below(alphabet.len() as u64) as usize];
            }
            check(&m);
        }
    }
    let mut rng = SplitMix64::new(11);
    for _ in 0..500 {
        let len = rng.below(200) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        check(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        check(&bytes);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[0-9a-z:,.\\-\n\"{}\\[\\] ]{0,200}") {
        check(text.as_bytes());
    }
}

// ---------------------------------------------------------------- size

/// Loads a generated ~50 MB matrix and prints the time taken: run with
/// `cargo test --release --test source -- --ignored --nocapture`.
#[test]
#[ignore]
fn large_matrix_load_time() {
    let mut rng = SplitMix64::new(1);
    let (series, samples) = (40usize, 40_000usize);
    let mut doc = String::from(r#"{"status":"success","data":{"resultType":"matrix","result":["#);
    for s in 0..series {
        if s > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(
            r#"{{"metric":{{"__name__":"node_cpu_seconds_total","cpu":"{s}","instance":"host-{}:9100","job":"node"}},"values":["#,
            s % 7
        ));
        for i in 0..samples {
            if i > 0 {
                doc.push(',');
            }
            let t = 1_700_000_000.0 + i as f64 * 15.0;
            doc.push_str(&format!("[{t:.3},\"{:.6}\"]", 100.0 + rng.normal()));
        }
        doc.push_str("]}");
    }
    doc.push_str("]}}");
    let start = std::time::Instant::now();
    let t = read_prometheus_json(doc.as_bytes()).unwrap();
    let took = start.elapsed();
    println!(
        "{:.1} MB, {} series x {} samples: {:.3} s ({:.0} MB/s)",
        doc.len() as f64 / 1e6,
        t.names.len(),
        t.rows(),
        took.as_secs_f64(),
        doc.len() as f64 / 1e6 / took.as_secs_f64()
    );
    assert_eq!((t.names.len(), t.rows()), (series, samples));
    // Without "status" the typed reader declines and the path-reporting walk reads it.
    let lenient = doc.replacen(r#""status":"success","#, "", 1);
    let start = std::time::Instant::now();
    let w = read_prometheus_json(lenient.as_bytes()).unwrap();
    println!(
        "same file through the JSON-value walk: {:.3} s",
        start.elapsed().as_secs_f64()
    );
    assert_eq!(format!("{:?}", w.columns), format!("{:?}", t.columns));
}

#[test]
fn a_table_from_journaled_events_has_one_row_per_time_and_gaps_where_a_series_is_silent() {
    use pipescope::core::event::{Event, MetricEvent};
    use pipescope::core::source::MetricTable;
    let m = |t_ms, series, value| {
        Event::Metric(MetricEvent {
            t_ms,
            series,
            value,
        })
    };
    // Out of order, a series silent at one time, an unknown series, a repeated point.
    let events = [
        m(2000, 1, 5.0),
        m(0, 0, 1.0),
        m(0, 1, 4.0),
        m(2000, 0, 2.0),
        m(4000, 0, 3.0),
        m(4000, 7, 9.0),
        m(4000, 0, 3.5),
    ];
    let t = MetricTable::from_events(vec!["a".into(), "b".into()], &events);
    assert_eq!(t.times_ms, vec![0, 2000, 4000]);
    assert_eq!(t.columns[0], vec![1.0, 2.0, 3.5]);
    assert_eq!(&t.columns[1][..2], &[4.0, 5.0]);
    assert!(t.columns[1][2].is_nan(), "b has no point at 4 s: a gap");
    // Replaying the table gives back the known series' events in time order.
    assert_eq!(t.events().len(), 5);
}

#[test]
fn prometheus_server_text_in_messages_and_notes_is_cut_short() {
    let huge = "w".repeat(1_000_000);
    // A status that is neither success nor error: the message shows a little of it.
    let err = read_prometheus_json(format!(r#"{{"status":"{huge}","data":{{}}}}"#).as_bytes())
        .unwrap_err();
    assert!(
        err.to_string().len() < 300,
        "{} bytes",
        err.to_string().len()
    );
    let err = read_prometheus_json(
        format!(r#"{{"status":"success","data":{{"resultType":{{"k":"{huge}"}},"result":[]}}}}"#)
            .as_bytes(),
    )
    .unwrap_err();
    assert!(
        err.to_string().len() < 300,
        "{} bytes",
        err.to_string().len()
    );
    // A label value that is not a string, under a huge label name.
    let err = read_prometheus_json(
        format!(
            r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{"{huge}":1}},"values":[[1,"1"]]}}]}}}}"#
        )
        .as_bytes(),
    )
    .unwrap_err();
    assert!(
        err.to_string().len() < 400,
        "{} bytes",
        err.to_string().len()
    );
    // Warnings from the server (or a proxy) become notes, each cut short.
    let ok = format!(
        r#"{{"status":"success","warnings":["{huge}"],"infos":["{huge}"],"data":{{"resultType":"matrix","result":[{{"metric":{{"__name__":"up"}},"values":[[1,"1"],[2,"1"],[2,"2"]]}}]}}}}"#
    );
    let t = read_prometheus_json(ok.as_bytes()).unwrap();
    for n in &t.notes {
        assert!(
            n.message.len() < 800,
            "{:?}: {} bytes",
            n.kind,
            n.message.len()
        );
    }
    assert!(t
        .notes
        .iter()
        .any(|n| n.message.starts_with("Prometheus warned: www")));
}
