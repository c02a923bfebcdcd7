use super::*;

fn src(step_ms: i64, history_ms: i64) -> PromSource {
    PromSource::builder()
        .base("http://prom:9090/")
        .queries("up\nrate(x[1m])\n\n")
        .step_ms(step_ms)
        .history_ms(history_ms)
        .build()
        .unwrap()
}

#[test]
fn settings_out_of_range_name_the_field() {
    let e = |b: PromSourceBuilder| b.build().unwrap_err().to_string();
    assert!(e(PromSource::builder().queries("up")).starts_with("Server:"));
    assert!(e(PromSource::builder().base("prom:9090").queries("up")).contains("http://prom:9090"));
    assert!(e(PromSource::builder().base("/p?x=1").queries("up")).contains("?query"));
    assert!(e(PromSource::builder().base("/p").queries("  \n")).starts_with("Queries:"));
    assert!(e(PromSource::builder().base("/p").queries("up").step_ms(0)).starts_with("Step:"));
    assert!(e(PromSource::builder()
        .base("/p")
        .queries("up")
        .history_ms(-1))
    .starts_with("History:"));
    let many = (0..=MAX_QUERIES)
        .map(|i| format!("q{i}"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(e(PromSource::builder().base("/p").queries(&many)).contains("at most"));
}

#[test]
fn a_past_range_is_backfilled_whole_and_never_polled() {
    let range =
        TimeRange::parse(Some("2026-12-01T00:00:00Z"), Some("2026-12-01T06:00:00Z")).unwrap();
    let s = PromSource::builder()
        .base("/p")
        .queries("up")
        .step_ms(60_000)
        .range(range)
        .build()
        .unwrap();
    let now = 1_800_000_000_000;
    let reqs = s.backfill(now);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].end_ms - reqs[0].start_ms, 6 * 3_600_000);
    assert_eq!(
        crate::core::time::format_iso_seconds(reqs[0].start_ms / 1000),
        "2026-12-01T00:00:00Z"
    );
    assert!(s.is_replay());
    assert!(
        s.poll(reqs[0].end_ms, now).is_empty(),
        "a replay is not polled"
    );
    // A range that ends in the future is cut at now.
    let ahead =
        TimeRange::parse(Some("2026-12-01T00:00:00Z"), Some("2026-12-02T00:00:00Z")).unwrap();
    let s = PromSource::builder()
        .base("/p")
        .queries("up")
        .step_ms(60_000)
        .range(ahead)
        .build()
        .unwrap();
    let noon = 1_796_126_400_000; // 2026-12-01T12:00:00Z
    let r = s.backfill(noon);
    assert!(r.last().unwrap().end_ms <= noon);
}

#[test]
fn a_range_ending_now_backfills_its_span_then_polls() {
    let range = TimeRange::parse(Some("now-6h"), None).unwrap();
    let s = PromSource::builder()
        .base("/p")
        .queries("up")
        .step_ms(60_000)
        .history_ms(60_000)
        .range(range)
        .build()
        .unwrap();
    assert!(!s.is_replay());
    let now = 1_700_000_000_000;
    let reqs = s.backfill(now);
    let span = reqs.last().unwrap().end_ms - reqs[0].start_ms;
    assert_eq!(
        span,
        6 * 3_600_000,
        "the range, not the history, sets the span"
    );
    assert_eq!(s.poll(now - 120_000, now).len(), 1);
    let too_long = TimeRange::parse(Some("now-31d"), None).unwrap();
    let e = PromSource::builder()
        .base("/p")
        .queries("up")
        .range(too_long)
        .build()
        .unwrap_err();
    assert!(
        e.to_string().starts_with("Time range: longer than 30 days"),
        "{e}"
    );
}

#[test]
fn a_link_with_a_bad_range_says_which_parameter() {
    let e = PromSource::from_query("prom=/p&query=up&from=yesterday")
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("Time range: from: 'yesterday' is neither a date and time"),
        "{e}"
    );
    let e = PromSource::from_query("prom=/p&query=up&from=now-1h&to=now-2h")
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(e.contains("must be before"), "{e}");
    let live = PromSource::from_query("prom=/p&query=up&from=now-6h")
        .unwrap()
        .unwrap();
    assert_eq!(live.to_query(), "prom=%2Fp&query=up&step=15&from=now-6h");
}

#[test]
fn a_week_at_a_minute_backfills_in_aligned_chunks_under_the_limit() {
    let s = src(60_000, 7 * 86_400_000);
    let now = 1_700_000_123_456;
    let reqs = s.backfill(now);
    // 10,081 points per query: two chunks of each of the two queries.
    assert_eq!(reqs.len(), 4);
    for r in &reqs {
        assert_eq!(r.start_ms % 60_000, 0);
        assert_eq!(r.end_ms % 60_000, 0);
        assert!((r.end_ms - r.start_ms) / 60_000 + 1 <= MAX_POINTS);
    }
    let q0: Vec<_> = reqs.iter().filter(|r| r.query == 0).collect();
    assert_eq!(
        q0[1].start_ms,
        q0[0].end_ms + 60_000,
        "chunks meet without overlap"
    );
    assert!(q0[1].end_ms <= now - s.lag_ms());
    assert!(now - s.lag_ms() - q0[1].end_ms < 60_000);
    assert_eq!(q0[1].end_ms - q0[0].start_ms, 7 * 86_400_000);
}

#[test]
fn polls_ask_only_for_new_evaluation_times_and_cap_a_long_outage() {
    let s = src(15_000, 3_600_000);
    let last = 1_700_000_010_000 - 1_700_000_010_000 % 15_000;
    assert!(s.poll(last, last + 10_000).is_empty(), "no new step yet");
    let r = s.poll(last, last + 15_000 + s.lag_ms());
    assert_eq!(r.len(), 2);
    assert_eq!((r[0].start_ms, r[0].end_ms), (last + 15_000, last + 15_000));
    let day_later = s.poll(last, last + 86_400_000);
    assert!(day_later[0].start_ms >= last + 86_400_000 - 3_600_000 - 15_000);
}

#[test]
fn urls_encode_the_query_and_the_times_in_seconds() {
    let s = src(500, 60_000);
    let url = s.url(&RangeRequest {
        query: 1,
        start_ms: 1_000,
        end_ms: 2_500,
    });
    assert_eq!(
        url,
        "http://prom:9090/api/v1/query_range?query=rate%28x%5B1m%5D%29&start=1&end=2.5&step=0.5"
    );
}

#[test]
fn answers_errors_and_empty_results_read_as_a_user_needs() {
    let s = src(1_000, 60_000);
    let ok = br#"{"status":"success","warnings":["slow"],"data":{"resultType":"matrix","result":[
        {"metric":{"__name__":"up","job":"a"},"values":[[1,"1"],[2,"NaN"],[3,"0"]]}]}}"#;
    let a = s.read(200, ok).unwrap();
    assert_eq!(a.series.len(), 1);
    assert_eq!(a.series[0].0, "up{job=\"a\"}");
    assert_eq!(a.series[0].1, vec![(1_000, 1.0), (3_000, 0.0)]);
    assert!(a.notes.iter().any(|n| n.message.contains("slow")));
    let empty = br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
    assert!(s.read(200, empty).unwrap().series.is_empty());
    let bad = br#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected <EOF>"}"#;
    let e = s.read(400, bad).unwrap_err();
    assert_eq!(e.kind(), "prometheus");
    assert!(!e.is_transient());
    assert!(e.to_string().contains("parse error"), "{e}");
    let proxy = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
    let e = s.read(502, proxy).unwrap_err();
    assert_eq!(e.kind(), "http");
    assert!(e.is_transient());
    assert!(
        e.to_string().contains("502 Bad Gateway") && !e.to_string().contains('<'),
        "{e}"
    );
    let e = s.read(404, b"404 page not found").unwrap_err();
    assert!(e.to_string().contains("base URL"), "{e}");
    // A proxy asking for credentials: missing ones and refused ones read differently,
    // and neither is retried (waiting does not fix them).
    let e = s.read(401, b"Unauthorized").unwrap_err();
    assert_eq!(e.kind(), "auth");
    assert!(!e.is_transient());
    assert!(e.to_string().contains("wants credentials"), "{e}");
    let e = e.with_credentials_sent(true);
    assert!(e.to_string().contains("refused the credentials"), "{e}");
}

#[test]
fn the_book_keeps_ids_and_drops_samples_already_taken() {
    let mut book = SeriesBook::default();
    let answer = |name: &str, s: &[(i64, f64)]| Answer {
        series: vec![(name.to_string(), s.to_vec())],
        notes: Vec::new(),
    };
    let (ev, fresh) = book.take(&[
        answer("b", &[(1_000, 1.0), (2_000, 2.0)]),
        answer("a", &[(1_000, 5.0)]),
    ]);
    assert_eq!(fresh, vec![0, 1]);
    let keys: Vec<_> = ev
        .iter()
        .map(|e| match e {
            Event::Metric(m) => (m.t_ms, m.series),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(keys, vec![(1_000, 0), (1_000, 1), (2_000, 0)]);
    // An overlapping poll: only the new sample of b, and a is still id 1.
    let (ev, fresh) = book.take(&[
        answer("a", &[(1_000, 5.0), (3_000, 6.0)]),
        answer("b", &[(2_000, 2.0)]),
    ]);
    assert!(fresh.is_empty());
    assert_eq!(ev.len(), 1);
    assert!(matches!(
        ev[0],
        Event::Metric(MetricEvent {
            t_ms: 3_000,
            series: 1,
            ..
        })
    ));
    assert_eq!(book.newest_ms(), Some(3_000));
    // Resumed from a journal: the same ids, nothing taken twice.
    let mut again = SeriesBook::with_series(book.names().to_vec(), vec![2_000, 3_000]);
    let (ev, _) = again.take(&[answer("a", &[(3_000, 6.0), (4_000, 7.0)])]);
    assert_eq!(ev.len(), 1);
}
