//! A live Prometheus stream through the core as the page runs it: the backfill's and each
//! poll's answers (Prometheus JSON, as the server writes it) read by `core::live`, fed to a
//! live `Feed` and judged with the incident book. A latency series at a 1 s step stays
//! quiet while clean, a ×6 fault opens an incident within seconds and it resolves after the
//! fault; a series that appears mid-stream joins with its own track; overlapping polls
//! judge no sample twice.

use pipescope::core::detect::DetectConfig;
use pipescope::core::incident::{IncidentConfig, IncidentEngine, IncidentState};
use pipescope::core::live::{PromSource, SeriesBook};
use pipescope::core::monitor::{judge, Feed};
use pipescope::core::rng::SplitMix64;

const STEP: i64 = 1_000;
const T0: i64 = 1_765_000_000_000;

/// A query_range answer for `series` (name, job) over [from, to] at the step: latency
/// about 0.2 s with noise, ×6 inside `fault`.
fn answer(
    series: &[(&str, &str)],
    from: i64,
    to: i64,
    fault: (i64, i64),
    rng: &mut SplitMix64,
) -> String {
    let result: Vec<String> = series
        .iter()
        .map(|(name, job)| {
            let values: Vec<String> = (0..)
                .map(|k| from + k * STEP)
                .take_while(|&t| t <= to)
                .map(|t| {
                    let mut v = 0.2 + 0.01 * rng.normal();
                    if (fault.0..fault.1).contains(&t) {
                        v *= 6.0;
                    }
                    format!("[{}.{:03},\"{v}\"]", t / 1000, t % 1000)
                })
                .collect();
            format!(
                "{{\"metric\":{{\"__name__\":\"{name}\",\"job\":\"{job}\",\"instance\":\"127.0.0.1:9100\"}},\"values\":[{}]}}",
                values.join(",")
            )
        })
        .collect();
    format!(
        "{{\"status\":\"success\",\"data\":{{\"resultType\":\"matrix\",\"result\":[{}]}}}}",
        result.join(",")
    )
}

#[test]
fn a_live_stream_pages_for_a_fault_and_not_before() {
    let source = PromSource::builder()
        .base("/prom")
        .queries("latency_seconds")
        .step_ms(STEP)
        .history_ms(30 * 60_000)
        .build()
        .unwrap();
    let mut rng = SplitMix64::new(5);
    let now = T0 + 30 * 60_000;
    let backfill = source.backfill(now);
    assert_eq!(backfill.len(), 1, "30 minutes at 1 s is one request");
    let r = &backfill[0];
    let body = answer(
        &[("latency_seconds", "api")],
        r.start_ms,
        r.end_ms,
        (0, 0),
        &mut rng,
    );
    let mut book = SeriesBook::default();
    let (events, fresh) = book.take(&[source.read(200, body.as_bytes()).unwrap()]);
    assert_eq!(fresh, vec![0]);
    assert_eq!(
        book.names()[0],
        "latency_seconds{instance=\"127.0.0.1:9100\",job=\"api\"}"
    );
    let detect = DetectConfig::default();
    let mut feed = Feed::new_live(book.names().to_vec(), STEP, &detect, &[], 30_000).unwrap();
    let mut incidents =
        IncidentEngine::new(IncidentConfig::default(), book.names().to_vec()).unwrap();
    let run = |feed: &mut Feed,
               incidents: &mut IncidentEngine,
               events: Vec<pipescope::core::event::Event>| {
        let Some(t) = events.last().map(|e| e.t_ms()) else {
            return;
        };
        feed.receive(events);
        let mut batch = Vec::new();
        feed.pull(t, &mut batch);
        judge(feed, incidents, &batch, t);
    };
    assert_eq!(events.len(), 1_801);
    run(&mut feed, &mut incidents, events);
    assert!(
        incidents.incidents().is_empty(),
        "30 clean minutes open nothing"
    );

    // Polls every 5 s for 10 minutes: clean 3 minutes, a 3-minute ×6 fault, then clean;
    // each poll overlaps the previous one by 2 s (as after a retry).
    let fault = (now + 180_000, now + 360_000);
    let mut t = now;
    let mut opened_at = None;
    let mut judged = 0usize;
    while t < now + 600_000 {
        let next = t + 5_000;
        let reqs = source.poll(book.newest_ms().unwrap() - 2_000, next + source.lag_ms());
        let answers: Vec<_> = reqs
            .iter()
            .map(|r| {
                let body = answer(
                    &[("latency_seconds", "api")],
                    r.start_ms,
                    r.end_ms,
                    fault,
                    &mut rng,
                );
                source.read(200, body.as_bytes()).unwrap()
            })
            .collect();
        let (events, fresh) = book.take(&answers);
        assert!(fresh.is_empty());
        judged += events.len();
        run(&mut feed, &mut incidents, events);
        if opened_at.is_none() {
            opened_at = incidents.incidents().first().map(|i| i.opened_ms);
        }
        t = next;
    }
    // The backfill ended a lag (1 s) before `now`; the polls take every second from there
    // to the last one, each once.
    assert_eq!(judged, 601, "every second judged once, overlaps dropped");
    let opened = opened_at.expect("the fault opened an incident");
    assert!(opened >= fault.0, "nothing opened before the fault");
    assert!(
        opened - fault.0 <= 10 * STEP,
        "opened {} s after the fault began",
        (opened - fault.0) / 1000
    );
    let inc = &incidents.incidents()[0];
    assert_eq!(
        inc.state,
        IncidentState::Resolved,
        "it resolved after the fault ended"
    );
    assert_eq!(incidents.incidents().len(), 1, "one fault, one incident");

    // A second series appears: it gets the next id and its own track.
    let (from, to) = (now + 601_000, now + 700_000);
    let body = answer(
        &[("latency_seconds", "api"), ("latency_seconds", "db")],
        from,
        to,
        (0, 0),
        &mut rng,
    );
    let (events, fresh) = book.take(&[source.read(200, body.as_bytes()).unwrap()]);
    assert_eq!(fresh, vec![1]);
    feed.add_series(book.names()[1].clone(), &detect, &[])
        .unwrap();
    incidents.set_names(book.names().to_vec());
    run(&mut feed, &mut incidents, events);
    assert_eq!(feed.tracks.len(), 2);
    assert_eq!(feed.tracks[1].history.len(), 100);
}
