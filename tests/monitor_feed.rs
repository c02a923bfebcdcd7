//! A live feed of metric points through the core as the page runs it: NDJSON answers to
//! `?since=` polls read by `core::live::events::MetricReader`, fed to a live `Feed` and
//! judged with the incident book. Clean points stay quiet, a prolonged ×6 fault opens an
//! incident, and a page that crashes (losing what was not checkpointed) and resumes from its
//! checkpoint — the reader rebuilt from the judged tracks, the next poll asking `since` the
//! newest judged point — ends in exactly the state of a run that never stopped: nothing
//! lost, nothing judged twice.

use pipescope::core::detect::DetectConfig;
use pipescope::core::event::Event;
use pipescope::core::incident::{IncidentConfig, IncidentEngine};
use pipescope::core::live::events::MetricReader;
use pipescope::core::monitor::{judge, Feed};
use pipescope::core::rng::SplitMix64;

const T0: i64 = 1_765_000_000_000;

/// The feed server: lines in the order pushed, each with its time.
#[derive(Default)]
struct Server {
    lines: Vec<(i64, String)>,
}

impl Server {
    /// Pushes `n` seconds from `t0` of two metrics: latency about 0.2 s (×6 inside `fault`)
    /// one a line, and a queue depth beside it in a `values` line every tenth second.
    fn push(&mut self, t0: i64, n: i64, fault: (i64, i64), rng: &mut SplitMix64) {
        for k in 0..n {
            let t = t0 + k * 1_000;
            let mut v = 0.2 + 0.004 * rng.normal();
            if (fault.0..fault.1).contains(&t) {
                v *= 6.0;
            }
            self.lines.push((
                t,
                format!("{{\"ts\":{t},\"metric\":\"latency_seconds\",\"value\":{v}}}"),
            ));
            if k % 10 == 0 {
                let depth = 12.0 + rng.normal();
                self.lines.push((
                    t,
                    format!(
                        "{{\"ts\":{},\"values\":{{\"queue_depth\":{depth}}}}}",
                        t / 1000
                    ),
                ));
            }
        }
    }

    /// The answer to `GET /points?since=MS`: every line at or after `since`.
    fn answer(&self, since: Option<i64>) -> String {
        self.lines
            .iter()
            .filter(|(t, _)| since.is_none_or(|s| *t >= s))
            .map(|(_, l)| format!("{l}\n"))
            .collect()
    }
}

/// The page's state: the reader, the feed and the incident book, and what was judged.
struct Page {
    reader: MetricReader,
    feed: Feed,
    incidents: IncidentEngine,
    judged: usize,
}

impl Page {
    fn new() -> Page {
        Page {
            reader: MetricReader::default(),
            feed: Feed::new_live(Vec::new(), 1_000, &DetectConfig::default(), &[], 30_000).unwrap(),
            incidents: IncidentEngine::new(IncidentConfig::default(), Vec::new()).unwrap(),
            judged: 0,
        }
    }

    /// One poll: reads the answer, adds the series that joined, judges the new points.
    fn poll(&mut self, server: &Server) {
        let body = server.answer(self.reader.since());
        let batch = self.reader.read_ndjson(body.as_bytes());
        assert_eq!(batch.malformed, 0, "{:?}", batch.problems);
        for (id, name) in &batch.new_series {
            let got = self
                .feed
                .add_series(name.clone(), &DetectConfig::default(), &[])
                .unwrap();
            assert_eq!(got, *id, "series ids are the reader's");
        }
        if !batch.new_series.is_empty() {
            self.incidents.set_names(self.reader.names().to_vec());
        }
        let Some(t) = batch.events.last().map(Event::t_ms) else {
            return;
        };
        self.judged += batch.events.len();
        self.feed.receive(batch.events);
        let mut events = Vec::new();
        self.feed.pull(t, &mut events);
        judge(&mut self.feed, &mut self.incidents, &events, t);
    }

    /// A checkpoint of the judged state, as the journal stores it.
    fn checkpoint(&self) -> (Vec<u8>, Vec<u8>, usize) {
        (
            postcard::to_allocvec(&self.feed).unwrap(),
            postcard::to_allocvec(&self.incidents).unwrap(),
            self.judged,
        )
    }

    /// The page after a crash, from a checkpoint: the reader resumes from the tracks.
    fn recover((feed, incidents, judged): &(Vec<u8>, Vec<u8>, usize)) -> Page {
        let feed: Feed = postcard::from_bytes(feed).unwrap();
        let (names, newest) = feed
            .tracks
            .iter()
            .map(|t| {
                (
                    t.name.clone(),
                    t.history.back().map_or(i64::MIN, |p| p.t_ms),
                )
            })
            .unzip();
        Page {
            reader: MetricReader::resume(names, newest),
            feed,
            incidents: postcard::from_bytes(incidents).unwrap(),
            judged: *judged,
        }
    }
}

/// Ten minutes of history, then 5 s polls for 6 minutes with a 90 s fault from minute 2;
/// `crash` = (checkpoint after poll i, crash after poll j > i) resumes from that checkpoint.
fn run(crash: Option<(usize, usize)>) -> (Page, Server) {
    let mut rng = SplitMix64::new(11);
    let mut server = Server::default();
    let history = 600;
    server.push(T0, history, (0, 0), &mut rng);
    let mut page = Page::new();
    page.poll(&server);
    let live = T0 + history * 1_000;
    let fault = (live + 120_000, live + 210_000);
    let mut saved = None;
    for i in 0..72 {
        server.push(live + i * 5_000, 5, fault, &mut rng);
        page.poll(&server);
        match crash {
            Some((at, _)) if at == i as usize => saved = Some(page.checkpoint()),
            Some((_, at)) if at == i as usize => {
                page = Page::recover(saved.as_ref().unwrap());
            }
            _ => {}
        }
    }
    (page, server)
}

#[test]
fn a_fault_pages_and_clean_points_do_not() {
    let (page, server) = run(None);
    let points = server.lines.len() as usize;
    assert_eq!(page.judged, points, "every point judged once");
    assert_eq!(page.reader.names(), ["latency_seconds", "queue_depth"]);
    let incidents = page.incidents.incidents();
    assert!(!incidents.is_empty(), "the fault opened an incident");
    let fault_start = T0 + 600_000 + 120_000;
    assert!(
        incidents.iter().all(|i| i.opened_ms >= fault_start),
        "nothing opened before the fault: {:?}",
        incidents
            .iter()
            .map(|i| i.opened_ms - fault_start)
            .collect::<Vec<_>>()
    );
    assert!(incidents[0].opened_ms - fault_start <= 10_000);
}

#[test]
fn a_crash_resumes_since_the_newest_judged_point_and_ends_as_a_run_that_never_stopped() {
    let (straight, _) = run(None);
    for crash in [(10, 11), (20, 35), (5, 60)] {
        let (resumed, _) = run(Some(crash));
        assert_eq!(
            resumed.judged, straight.judged,
            "crash {crash:?}: nothing lost, nothing twice"
        );
        assert_eq!(
            postcard::to_allocvec(&resumed.feed).unwrap(),
            postcard::to_allocvec(&straight.feed).unwrap(),
            "crash {crash:?}: the detectors' state"
        );
        let summary = |p: &Page| {
            p.incidents
                .incidents()
                .iter()
                .map(|i| (i.id, i.severity, i.opened_ms, i.state))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            summary(&resumed),
            summary(&straight),
            "crash {crash:?}: the incidents"
        );
    }
}
