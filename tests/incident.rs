//! The incident engine: the default scenarios on the simulator's stream, hysteresis,
//! determinism, user actions, incidents from error alerts, and the exports.

use pipescope::core::errors::{self, Alert, Method};
use pipescope::core::event::{Event, MetricEvent};
use pipescope::core::incident::export::{
    alertmanager_json, anomaly_log_csv, anomaly_log_json, incidents_csv, incidents_json,
};
use pipescope::core::incident::{
    Evidence, Incident, IncidentConfig, IncidentEngine, IncidentError, IncidentSource,
    IncidentState,
};
use pipescope::core::simulator::{Injection, InjectionKind, SimConfig, Simulator};

const SET_A: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/ErrorStreamSetA.csv"
);
const SET_B: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/ErrorStreamSetB.csv"
);

/// A stand-in detector that knows the clean wave: band ±3 noise sd, score 0 at the band's
/// edge rising to 1 at twice the band's half-width. The engine must not care where the
/// evidence comes from.
fn judge(sim: &Simulator, m: &MetricEvent) -> Evidence {
    let expected = sim.clean_value(m.series, m.t_ms).unwrap();
    let half = 3.0 * sim.config().metrics[m.series as usize].noise_sd;
    let dev = (m.value - expected).abs();
    let anomaly = dev > half;
    Evidence {
        t_ms: m.t_ms,
        series: m.series,
        value: m.value,
        expected,
        lower: expected - half,
        upper: expected + half,
        score: if anomaly {
            ((dev - half) / half).min(1.0)
        } else {
            0.0
        },
        anomaly,
    }
}

/// Per tick: (t_ms, open incidents' (id, severity)).
type Timeline = Vec<(i64, Vec<(u64, u8)>)>;

/// Run the default simulator for `seconds` with faults given as (kind, series, start s,
/// length s), every point through the stand-in detector into an engine.
fn scenario(
    faults: &[(InjectionKind, u32, i64, i64)],
    seconds: i64,
    config: IncidentConfig,
) -> (IncidentEngine, Timeline) {
    let mut sim = Simulator::new(SimConfig::default(), 17).unwrap();
    for &(kind, series, start, len) in faults {
        sim.inject(Injection::new(kind, series, start * 1000, len * 1000))
            .unwrap();
    }
    let mut engine = IncidentEngine::new(config, sim.names()).unwrap();
    let mut events = Vec::new();
    let mut timeline = Vec::new();
    let mut t = 0;
    while t <= seconds * 1000 {
        events.clear();
        sim.events_until(t, &mut events);
        for e in &events {
            if let Event::Metric(m) = e {
                engine.apply(&judge(&sim, m));
            }
        }
        engine.advance_to(t);
        let open = engine
            .incidents()
            .iter()
            .filter(|i| i.state == IncidentState::Open)
            .map(|i| (i.id, i.severity))
            .collect();
        timeline.push((t, open));
        t += 2000;
    }
    (engine, timeline)
}

/// Logged anomalies of the incident's metrics from its start to its end.
fn logged_during(engine: &IncidentEngine, inc: &Incident) -> u64 {
    engine
        .anomaly_log()
        .filter(|r| inc.series.contains(&r.evidence.series))
        .filter(|r| {
            r.evidence.t_ms >= inc.start_ms && inc.end_ms.is_none_or(|e| r.evidence.t_ms <= e)
        })
        .count() as u64
}

/// JSON trees equal up to float rounding in the last bits (serde_json parses floats fast,
/// not exactly).
fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value::*;
    match (a, b) {
        (Number(x), Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
        }
        (Array(x), Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y)),
        (Object(x), Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

fn opened_at(timeline: &Timeline, id: u64) -> Option<i64> {
    timeline
        .iter()
        .find(|(_, open)| open.iter().any(|o| o.0 == id))
        .map(|x| x.0)
}

#[test]
fn clean_stream_and_transient_spikes_open_nothing() {
    let (engine, _) = scenario(&[], 600, IncidentConfig::default());
    assert!(engine.incidents().is_empty(), "{:?}", engine.incidents());
    let (engine, _) = scenario(
        &[
            (InjectionKind::TransientSpike, 0, 100, 0),
            (InjectionKind::TransientSpike, 1, 100, 0),
            (InjectionKind::TransientSpike, 0, 300, 0),
        ],
        600,
        IncidentConfig::default(),
    );
    assert!(engine.incidents().is_empty(), "{:?}", engine.incidents());
    // The spikes were seen: they are in the anomaly log, with no incident.
    let spikes: Vec<_> = engine
        .anomaly_log()
        .filter(|r| r.evidence.score == 1.0)
        .map(|r| (r.evidence.t_ms, r.evidence.series, r.incident))
        .collect();
    assert_eq!(
        spikes,
        [(100_000, 0, None), (100_000, 1, None), (300_000, 0, None)]
    );
}

#[test]
fn prolonged_spike_in_one_metric_opens_severity_2_then_resolves() {
    let (engine, timeline) = scenario(
        &[(InjectionKind::ProlongedSpike, 0, 100, 20)],
        600,
        IncidentConfig::default(),
    );
    let incidents = engine.incidents();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    let inc = &incidents[0];
    assert_eq!(inc.severity, 2);
    assert_eq!(inc.metrics, ["energy_consumption"]);
    assert_eq!(inc.series, [0]);
    assert_eq!(inc.source, IncidentSource::Metrics);
    assert_eq!(inc.state, IncidentState::Resolved);
    assert_eq!(inc.start_ms, 100_000, "dated from the first anomaly");
    let opened = opened_at(&timeline, inc.id).unwrap();
    assert!(opened > 100_000 && opened < 120_000, "opened at {opened}");
    assert_eq!(inc.opened_ms, opened);
    let end = inc.end_ms.unwrap();
    assert!(end > 120_000 && end < 240_000, "evidence ended at {end}");
    assert_eq!(inc.duration_ms, end - inc.start_ms);
    // Resolved by itself, once, after the quiet time; never reopened.
    let closed = timeline
        .iter()
        .find(|(t, open)| *t > opened && open.is_empty())
        .unwrap()
        .0;
    assert!(
        closed >= end + 10_000 && closed < end + 14_000,
        "closed at {closed}"
    );
    assert!(timeline
        .iter()
        .filter(|(t, _)| *t >= closed)
        .all(|(_, o)| o.is_empty()));
    assert_eq!(inc.anomaly_count, logged_during(&engine, inc));
    assert!(inc.anomaly_count >= 10, "the ten spiked ticks");
    // Spike of one range (499) over a half band of 15: about 33 half-widths.
    assert!(
        (inc.peak_deviation - 499.0 / 15.0).abs() < 2.0,
        "{}",
        inc.peak_deviation
    );
    let peak_level = inc.sparkline.iter().map(|p| p.1).fold(0.0, f64::max);
    assert!(peak_level > 4.0 && peak_level < 10.0, "{peak_level}");
    assert!(inc.sparkline.len() <= 64);
    assert!(inc.sparkline.windows(2).all(|w| w[0].0 < w[1].0));
}

#[test]
fn prolonged_spikes_in_both_metrics_open_one_severity_1() {
    let (engine, _) = scenario(
        &[
            (InjectionKind::ProlongedSpike, 0, 100, 30),
            (InjectionKind::ProlongedSpike, 1, 100, 30),
        ],
        600,
        IncidentConfig::default(),
    );
    let incidents = engine.incidents();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!(incidents[0].severity, 1);
    let mut metrics = incidents[0].metrics.clone();
    metrics.sort();
    assert_eq!(metrics, ["energy_consumption", "energy_price"]);
    assert_eq!(
        incidents[0].anomaly_count,
        logged_during(&engine, &incidents[0])
    );
    assert!(
        incidents[0].anomaly_count >= 30,
        "fifteen spiked ticks on each metric"
    );
    assert_eq!(incidents[0].state, IncidentState::Resolved);
}

#[test]
fn a_second_spike_soon_after_resolution_is_a_new_incident_with_its_own_evidence() {
    let (engine, _) = scenario(
        &[
            (InjectionKind::ProlongedSpike, 0, 50, 20),
            (InjectionKind::ProlongedSpike, 0, 170, 20),
        ],
        400,
        IncidentConfig::default(),
    );
    let incidents = engine.incidents();
    assert_eq!(incidents.len(), 2, "{incidents:?}");
    assert!(incidents[0].end_ms.unwrap() < 170_000);
    assert_eq!(incidents[1].start_ms, 170_000);
    for inc in incidents {
        assert_eq!(inc.anomaly_count, logged_during(&engine, inc));
        assert_eq!(inc.state, IncidentState::Resolved);
    }
}

#[test]
fn open_severity_2_escalates_instead_of_opening_a_second_incident() {
    let (engine, timeline) = scenario(
        &[
            (InjectionKind::LevelShift, 0, 100, 60),
            (InjectionKind::DropToZero, 1, 130, 20),
        ],
        600,
        IncidentConfig::default(),
    );
    assert_eq!(engine.incidents().len(), 1, "{:?}", engine.incidents());
    let id = engine.incidents()[0].id;
    let severities: Vec<u8> = timeline
        .iter()
        .filter_map(|(_, o)| o.first().map(|x| x.1))
        .collect();
    assert_eq!(severities.first(), Some(&2), "opens as severity 2");
    assert!(severities.contains(&1), "escalates to severity 1");
    assert!(timeline
        .iter()
        .all(|(_, o)| o.len() <= 1 && o.iter().all(|x| x.0 == id)));
    assert_eq!(engine.incidents()[0].severity, 1);
}

#[test]
fn which_metrics_count_and_how_many_make_severity_1_are_configurable() {
    let faults = [
        (InjectionKind::ProlongedSpike, 0, 100, 30),
        (InjectionKind::ProlongedSpike, 1, 100, 30),
    ];
    let only_price = IncidentConfig {
        counted: Some(vec![1]),
        ..IncidentConfig::default()
    };
    let (engine, _) = scenario(&faults, 400, only_price);
    assert_eq!(engine.incidents().len(), 1);
    assert_eq!(engine.incidents()[0].severity, 2);
    assert_eq!(engine.incidents()[0].metrics, ["energy_price"]);
    let one_is_enough = IncidentConfig {
        sev1_metrics: 1,
        ..IncidentConfig::default()
    };
    let (engine, _) = scenario(&faults[..1], 400, one_is_enough);
    assert_eq!(engine.incidents()[0].severity, 1);
}

fn boundary_evidence(t_ms: i64, anomaly: bool, score: f64) -> Evidence {
    Evidence {
        t_ms,
        series: 0,
        value: if anomaly { 20.0 } else { 10.0 },
        expected: 10.0,
        lower: 8.0,
        upper: 12.0,
        score,
        anomaly,
    }
}

/// Incidents opened by a metric whose evidence hovers at the open threshold for ten
/// minutes: every other point flagged (the level swinging just below and above the open
/// level) and half the points at random.
fn boundary_incidents(config: IncidentConfig) -> (usize, usize) {
    let mut steady = IncidentEngine::new(config.clone(), vec!["m".into()]).unwrap();
    let mut random = IncidentEngine::new(config, vec!["m".into()]).unwrap();
    let mut rng = pipescope::core::rng::SplitMix64::new(99);
    for k in 0..300 {
        let t = k * 2000;
        steady.apply(&boundary_evidence(t, k % 2 == 0, 0.27));
        let hit = rng.next_f64() < 0.5;
        random.apply(&boundary_evidence(t, hit, if hit { 0.55 } else { 0.0 }));
    }
    (steady.incidents().len(), random.incidents().len())
}

#[test]
fn a_noisy_boundary_does_not_flap() {
    assert_eq!(boundary_incidents(IncidentConfig::default()), (1, 1));
    // Without hysteresis (close just under the open level, no quiet time) the same
    // evidence flaps: the test above can fail.
    let open = IncidentConfig::default().open_level(5);
    let no_hysteresis = IncidentConfig {
        min_points: 5,
        max_points: 5,
        close_threshold: open - 0.01,
        quiet_steps: 0.0,
        ..IncidentConfig::default()
    };
    let (steady, random) = boundary_incidents(no_hysteresis);
    assert!(steady > 20 && random > 5, "{steady} {random}");
}

#[test]
fn state_does_not_depend_on_clock_granularity_and_survives_a_checkpoint() {
    let mut sim = Simulator::new(SimConfig::default(), 3).unwrap();
    sim.inject(Injection::new(
        InjectionKind::ProlongedSpike,
        0,
        60_000,
        30_000,
    ))
    .unwrap();
    sim.inject(Injection::new(
        InjectionKind::NoiseBurst,
        1,
        200_000,
        60_000,
    ))
    .unwrap();
    let mut events = Vec::new();
    sim.events_until(400_000, &mut events);
    let evidence: Vec<Evidence> = events
        .iter()
        .map(|e| match e {
            Event::Metric(m) => judge(&sim, m),
            Event::Error(_) => unreachable!(),
        })
        .collect();
    let names = sim.names();
    let mut coarse = IncidentEngine::new(IncidentConfig::default(), names.clone()).unwrap();
    let mut fine = coarse.clone();
    let mut resumed = coarse.clone();
    for (i, ev) in evidence.iter().enumerate() {
        coarse.apply(ev);
        // A timer ticking every 100 ms between points.
        let mut t = fine.now_ms().unwrap_or(0);
        while t < ev.t_ms {
            fine.advance_to(t);
            t += 100;
        }
        fine.apply(ev);
        if i == evidence.len() / 2 {
            // The journal checkpoints engines with postcard.
            let bytes = postcard::to_allocvec(&resumed).unwrap();
            resumed = postcard::from_bytes(&bytes).unwrap();
        }
        resumed.apply(ev);
    }
    for e in [&mut coarse, &mut fine, &mut resumed] {
        e.advance_to(500_000);
    }
    assert!(!coarse.incidents().is_empty());
    assert_eq!(coarse.incidents(), fine.incidents());
    assert_eq!(coarse, resumed);
}

#[test]
fn late_evidence_counts_at_the_clock_and_each_flag_counts_one() {
    let mut e = IncidentEngine::new(IncidentConfig::default(), vec![]).unwrap();
    e.apply(&boundary_evidence(8_000, false, 0.0));
    e.apply(&boundary_evidence(10_000, true, 1.0));
    e.apply(&boundary_evidence(5_000, true, f64::NAN));
    e.apply(&boundary_evidence(10_000, true, 7.0));
    assert_eq!(e.now_ms(), Some(10_000));
    // Whatever the scores, three flags.
    assert!((e.level(0) - 3.0).abs() < 1e-12, "{}", e.level(0));
    // Half-life: 5 steps of the metric's own 2 s step.
    e.advance_to(20_000);
    assert!((e.level(0) - 1.5).abs() < 1e-12, "{}", e.level(0));
    assert_eq!(e.name(0), "series 0");
}

#[test]
fn bad_config_is_refused_with_a_reason() {
    let c = IncidentConfig {
        close_threshold: 5.0,
        ..IncidentConfig::default()
    };
    let err = IncidentEngine::new(c, vec![]).unwrap_err();
    assert!(
        err.to_string()
            .contains("below 1.87, the level the fewest flagged points reach"),
        "{err}"
    );
    for c in [
        IncidentConfig {
            half_life_steps: 0.0,
            ..IncidentConfig::default()
        },
        IncidentConfig {
            min_points: 6,
            ..IncidentConfig::default()
        },
        IncidentConfig {
            quiet_steps: f64::NAN,
            ..IncidentConfig::default()
        },
        IncidentConfig {
            min_duration_ms: -1,
            ..IncidentConfig::default()
        },
    ] {
        assert!(IncidentEngine::new(c, vec![]).is_err());
    }
}

fn two_incidents() -> IncidentEngine {
    let (engine, _) = scenario(
        &[
            (InjectionKind::ProlongedSpike, 0, 50, 20),
            (InjectionKind::ProlongedSpike, 0, 300, 30),
            (InjectionKind::ProlongedSpike, 1, 300, 30),
        ],
        340,
        IncidentConfig::default(),
    );
    engine
}

#[test]
fn acknowledge_note_and_filters() {
    let mut engine = two_incidents();
    let ids: Vec<u64> = engine.incidents().iter().map(|i| i.id).collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(engine.incidents()[1].state, IncidentState::Open);
    engine.acknowledge(2).unwrap();
    engine.set_note(2, "paged on-call; looking").unwrap();
    engine.set_note(2, "false alarm: load test").unwrap();
    assert!(engine.incidents()[1].acknowledged);
    assert!(!engine.incidents()[0].acknowledged);
    assert_eq!(engine.incidents()[1].note, "false alarm: load test");
    assert_eq!(engine.acknowledge(9), Err(IncidentError::UnknownId(9)));
    assert_eq!(
        engine.set_note(9, "x").unwrap_err().to_string(),
        "no incident #9"
    );
    let newest_first: Vec<u64> = engine.filtered(None, None).iter().map(|i| i.id).collect();
    assert_eq!(newest_first, [2, 1]);
    let sev1: Vec<u64> = engine
        .filtered(Some(1), None)
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(sev1, [2]);
    let resolved: Vec<u64> = engine
        .filtered(None, Some(IncidentState::Resolved))
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(resolved, [1]);
    // User actions survive later evidence.
    engine.advance_to(2_000_000);
    assert!(engine.incidents()[1].acknowledged);
    assert_eq!(engine.incidents()[1].state, IncidentState::Resolved);
}

#[test]
fn the_users_word_outlives_a_rebuilt_engine_and_stays_with_its_incident() {
    use pipescope::core::incident::notes::{key_of, Notes, MAX_NOTES};
    let mut engine = two_incidents();
    let mut notes = Notes::default();
    let second = engine.incidents()[1].clone();
    notes.acknowledge("monitor", &second, 1_000);
    notes.set_note("monitor", &second, "<b>load test</b>, not a fault", 1_001);
    // A reload rebuilds the engine from its journal: same incidents, no user actions.
    let mut rebuilt = two_incidents();
    assert!(!rebuilt.incidents()[1].acknowledged);
    assert!(notes.apply("monitor", &mut rebuilt));
    assert!(rebuilt.incidents()[1].acknowledged);
    assert_eq!(rebuilt.incidents()[1].note, "<b>load test</b>, not a fault");
    assert!(
        !rebuilt.incidents()[0].acknowledged,
        "only the incident the user touched"
    );
    assert!(
        !notes.apply("monitor", &mut rebuilt),
        "laying them over twice changes nothing"
    );
    // Another source's incidents with the same ids are not this one.
    assert!(!notes.apply("errors", &mut engine));
    assert!(!engine.incidents()[1].acknowledged);
    // An incident of a new stream numbered 2 again but starting elsewhere is another one.
    let mut moved = second.clone();
    moved.start_ms += 60_000;
    assert!(notes.get(&key_of("monitor", &moved)).is_none());
    assert!(notes
        .get(&key_of("monitor", &second))
        .is_some_and(|a| a.acknowledged));
    // Bounded: the oldest words are forgotten first.
    let mut many = Notes::default();
    for k in 0..(MAX_NOTES as u64 + 10) {
        let mut i = second.clone();
        i.id = k;
        many.set_note("monitor", &i, "n", k as i64);
    }
    assert_eq!(many.len(), MAX_NOTES);
    let mut first = second.clone();
    first.id = 0;
    assert!(many.get(&key_of("monitor", &first)).is_none());
    first.id = MAX_NOTES as u64 + 9;
    assert!(many.get(&key_of("monitor", &first)).is_some());
    // An acknowledgement records when, and can be taken back: the rebuilt engine follows.
    assert_eq!(
        notes
            .get(&key_of("monitor", &second))
            .unwrap()
            .acknowledged_at_ms,
        Some(1_000)
    );
    notes.unacknowledge("monitor", &second, 2_000);
    assert!(notes.apply("monitor", &mut rebuilt));
    assert!(!rebuilt.incidents()[1].acknowledged);
    assert_eq!(
        rebuilt.incidents()[1].note,
        "<b>load test</b>, not a fault",
        "the note stays"
    );
    assert_eq!(
        notes
            .get(&key_of("monitor", &second))
            .unwrap()
            .acknowledged_at_ms,
        None
    );
    notes.acknowledge("monitor", &second, 3_000);
    // It round-trips through the page's storage format.
    let back: Notes = serde_json::from_str(&serde_json::to_string(&notes).unwrap()).unwrap();
    assert_eq!(back, notes);
}

// ---- incidents from error alerts ----

fn alert(code: u32, method: Method, raised: i64, stop: Option<i64>, ci_low: f64, c: u64) -> Alert {
    Alert {
        code,
        method,
        window_bins: (method == Method::MeanThreshold).then_some(5),
        raised_at_s: raised,
        start_s: raised - 5,
        stop_s: stop,
        value: ci_low * 1.5,
        ci_low: (method == Method::RateTest).then_some(ci_low),
        ci_high: None,
        p_value: None,
        threshold: 0.01,
        baseline_count: c / 3,
        candidate_count: c,
        samples: Vec::new(),
    }
}

#[test]
fn error_alerts_open_update_and_resolve_incidents() {
    let codes: Vec<String> = ["E1", "E2", "E3"].map(String::from).to_vec();
    let mut engine = IncidentEngine::new(IncidentConfig::default(), vec![]).unwrap();
    let mut alerts = vec![
        alert(0, Method::RateTest, 60, None, 3.0, 500),
        alert(1, Method::RateTest, 70, None, 3.0, 20),
        alert(2, Method::RateTest, 80, None, 1.2, 5000),
    ];
    engine.sync_error_alerts(&alerts, &codes, 90);
    let sev: Vec<(String, u8, IncidentState)> = engine
        .incidents()
        .iter()
        .map(|i| (i.metrics[0].clone(), i.severity, i.state))
        .collect();
    assert_eq!(
        sev,
        [
            ("E1".into(), 1, IncidentState::Open),
            ("E2".into(), 2, IncidentState::Open),
            ("E3".into(), 2, IncidentState::Open)
        ],
        "sev 1 needs both a ratio bound >= 2 and >= 100 candidate events"
    );
    assert_eq!(engine.incidents()[0].opened_ms, 60_000);
    assert_eq!(engine.incidents()[0].start_ms, 55_000);
    assert_eq!(engine.incidents()[0].duration_ms, 35_000);
    // The same alerts again change nothing.
    let before = engine.clone();
    engine.sync_error_alerts(&alerts, &codes, 90);
    assert_eq!(engine, before);
    // E2 grows in volume: the same incident escalates. E1 stops: it resolves.
    alerts[1].candidate_count = 400;
    alerts[0].stop_s = Some(120);
    engine.sync_error_alerts(&alerts, &codes, 130);
    assert_eq!(engine.incidents().len(), 3);
    assert_eq!(engine.incidents()[1].severity, 1);
    assert_eq!(engine.incidents()[1].anomaly_count, 400);
    assert_eq!(engine.incidents()[0].state, IncidentState::Resolved);
    assert_eq!(engine.incidents()[0].end_ms, Some(120_000));
    // E1 regresses again later: a new incident. Two mean-threshold windows of E3 that
    // overlap are one incident.
    engine.acknowledge(1).unwrap();
    alerts.push(alert(0, Method::RateTest, 300, None, 2.5, 900));
    alerts.push(alert(2, Method::MeanThreshold, 310, Some(400), 1.0, 50));
    alerts.push(alert(2, Method::MeanThreshold, 330, Some(420), 1.0, 60));
    engine.sync_error_alerts(&alerts, &codes, 430);
    let e1: Vec<&Incident> = engine
        .incidents()
        .iter()
        .filter(|i| i.metrics[0] == "E1")
        .collect();
    assert_eq!(e1.len(), 2);
    assert!(e1[0].acknowledged && !e1[1].acknowledged);
    let mean: Vec<&Incident> = engine
        .incidents()
        .iter()
        .filter(|i| matches!(&i.source, IncidentSource::ErrorAlert { method, .. } if method == "mean-threshold"))
        .collect();
    assert_eq!(mean.len(), 1);
    assert_eq!(mean[0].end_ms, Some(420_000));
    assert_eq!(mean[0].start_ms, 305_000);
}

#[test]
fn a_card_says_what_decided_its_severity_after_the_ratio_fell_back() {
    let codes: Vec<String> = ["-10", "E2"].map(String::from).to_vec();
    let mut engine = IncidentEngine::new(IncidentConfig::default(), vec![]).unwrap();
    // Code -10 first shows strong evidence at volume (bound 2.4, 150 events): severity 1.
    let mut alerts = vec![
        alert(0, Method::RateTest, 600, None, 2.4, 150),
        alert(1, Method::RateTest, 610, None, 3.0, 40),
    ];
    engine.sync_error_alerts(&alerts, &codes, 620);
    // Then its bound falls under the bar (1.87) while it stays open: it keeps severity 1,
    // and the card names the figures that set it, read at 0:10:20, not the latest ones.
    alerts[0].ci_low = Some(1.87);
    alerts[0].value = 2.9;
    alerts[0].candidate_count = 180;
    engine.sync_error_alerts(&alerts, &codes, 700);
    let config = engine.config().clone();
    let first = &engine.incidents()[0];
    assert_eq!(first.severity, 1);
    assert!(
        matches!(first.source, IncidentSource::ErrorAlert { ci_low: Some(l), .. } if l == 1.87)
    );
    assert_eq!(
        first.severity_reason(&config).unwrap(),
        "severity 1: code -10's rate ratio 3.60× with a 95% lower bound of 2.40 (bar 2) and \
         150 candidate events (at least 100) at 0:10:20"
    );
    // A stronger reading later replaces it.
    alerts[0].ci_low = Some(3.5);
    alerts[0].value = 4.0;
    engine.sync_error_alerts(&alerts, &codes, 760);
    assert!(engine.incidents()[0]
        .severity_reason(&config)
        .unwrap()
        .contains(
            "lower bound of 3.50 (bar 2) and 180 candidate events (at least 100) at 0:12:40"
        ));
    // Severity 2 says which part of the rule was not met.
    let second = &engine.incidents()[1];
    assert_eq!(second.severity, 2);
    assert_eq!(
        second.severity_reason(&config).unwrap(),
        "severity 2: code E2's strongest evidence, rate ratio 4.50× with a 95% lower bound of \
         3.00 and 40 candidate events at 0:10:20, met the bar of 2 with fewer than 100 events"
    );
    // A closed alert's figures are dated at its stop.
    alerts[1].stop_s = Some(740);
    alerts[1].ci_low = Some(3.2);
    alerts[1].value = 4.8;
    engine.sync_error_alerts(&alerts, &codes, 800);
    assert!(engine.incidents()[1]
        .severity_reason(&config)
        .unwrap()
        .ends_with(
            "3.20 and 40 candidate events at 0:12:20, met the bar of 2 with fewer than 100 events"
        ));
    // The figures survive a checkpoint (postcard, as the journal stores the book).
    let bytes = postcard::to_allocvec(&engine).unwrap();
    let back: IncidentEngine = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back, engine);
}

#[test]
fn a_metric_card_says_how_many_metrics_were_over() {
    let (engine, _) = scenario(
        &[(InjectionKind::ProlongedSpike, 0, 100, 20)],
        600,
        IncidentConfig::default(),
    );
    let inc = &engine.incidents()[0];
    let why = inc.severity_reason(engine.config()).unwrap();
    assert!(
        why.starts_with(&format!(
            "severity 2: energy_consumption went over its band at {} (peak deviation ",
            pipescope::core::time::format_stream_ms(inc.opened_ms)
        )) && why.ends_with("severity 1 takes 2 metrics over at once"),
        "{why}"
    );
    let (both, _) = scenario(
        &[
            (InjectionKind::ProlongedSpike, 0, 100, 30),
            (InjectionKind::ProlongedSpike, 1, 100, 30),
        ],
        600,
        IncidentConfig::default(),
    );
    let why = both.incidents()[0].severity_reason(both.config()).unwrap();
    assert!(
        why.starts_with("severity 1: 2 metrics were over their bands at once ("),
        "{why}"
    );
}

/// The book an error stream gives when it is synced every `every_s` stream seconds while
/// the engine takes the events (a page at some speed), then once at the end.
fn book_synced_every(
    stream: &errors::ErrorStream,
    config: errors::Config,
    every_s: i64,
) -> IncidentEngine {
    let mut engine = errors::ErrorEngine::new(config).unwrap();
    let mut book = IncidentEngine::new(IncidentConfig::default(), vec![]).unwrap();
    let mut next_s = 0;
    for e in &stream.events {
        while e.t_ms >= next_s * 1000 {
            engine.advance_to(next_s * 1000);
            book.sync_error_alerts(engine.alerts(), &stream.codes, next_s);
            next_s += every_s;
        }
        engine.push(*e);
    }
    engine.finish();
    let end_s = stream.events.last().map_or(0, |e| e.t_ms / 1000 + 1);
    book.sync_error_alerts(engine.alerts(), &stream.codes, end_s);
    book
}

#[test]
fn error_incidents_are_the_same_however_often_the_book_is_synced() {
    // A page syncs its book each frame: at 60x that is every stream second, at max speed or
    // after a seek once. Severity, the deciding figures, the peak and the sparkline must be
    // functions of the events, not of how often anyone looked.
    for (path, method) in [
        (SET_A, Method::RateTest),
        (SET_B, Method::RateTest),
        (SET_A, Method::MeanThreshold),
    ] {
        let stream =
            errors::read_path(std::path::Path::new(path), &errors::ReadOptions::default()).unwrap();
        let mut config = errors::Config::for_stream(&stream);
        config.method = method;
        let once = book_synced_every(&stream, config.clone(), i64::MAX / 4000);
        let by_second = book_synced_every(&stream, config.clone(), 1);
        let by_minute = book_synced_every(&stream, config, 61);
        assert!(!once.incidents().is_empty(), "{path} {method:?}");
        assert!(
            once.incidents().iter().any(|i| i.sparkline.len() > 3),
            "{path} {method:?}: sparklines follow the alerts over time"
        );
        assert_eq!(by_second.incidents(), once.incidents(), "{path} {method:?}");
        assert_eq!(by_minute.incidents(), once.incidents(), "{path} {method:?}");
    }
}

#[test]
fn regressions_in_the_real_error_streams_become_incidents() {
    for (path, flagged) in [
        (SET_A, vec!["2", "3", "4"]),
        (SET_B, vec!["-1", "-2", "-3"]),
    ] {
        let stream =
            errors::read_path(std::path::Path::new(path), &errors::ReadOptions::default()).unwrap();
        let result = errors::analyze(&stream, errors::Config::for_stream(&stream)).unwrap();
        let mut engine = IncidentEngine::new(IncidentConfig::default(), vec![]).unwrap();
        engine.sync_error_alerts(result.alerts(), &stream.codes, 3600);
        let mut codes: Vec<&str> = engine
            .incidents()
            .iter()
            .map(|i| i.metrics[0].as_str())
            .collect();
        codes.sort();
        let mut want = flagged.clone();
        want.sort();
        assert_eq!(codes, want, "{path}");
        for inc in engine.incidents() {
            let IncidentSource::ErrorAlert {
                ratio,
                ci_low,
                candidate_count,
                baseline_count,
                ..
            } = &inc.source
            else {
                panic!("not an error incident")
            };
            assert!(ratio > &1.0 && candidate_count > baseline_count);
            let strong = ci_low.unwrap() >= 2.0 && *candidate_count >= 100;
            assert_eq!(inc.severity, if strong { 1 } else { 2 }, "{inc:?}");
        }
        // Codes only the new build raises, at volume, are severity 1; a 1.7x rise is not.
        if path == SET_B {
            assert!(engine.incidents().iter().all(|i| i.severity == 1));
        } else {
            let sev = |c: &str| {
                engine
                    .incidents()
                    .iter()
                    .find(|i| i.metrics[0] == c)
                    .unwrap()
                    .severity
            };
            assert_eq!((sev("3"), sev("2")), (1, 2));
        }
    }
}

// ---- exports ----

const HOSTILE: &str = "=HYPERLINK(\"http://evil\",\"click\")\n\"quoted\", </script><b>";

#[test]
fn exports_parse_back_and_keep_hostile_text_as_data() {
    let mut engine = two_incidents();
    engine.set_note(1, HOSTILE).unwrap();
    engine.set_names(vec!["@cmd".into(), "-2+3".into()]);
    let incidents = engine.incidents().to_vec();

    let back: Vec<Incident> = serde_json::from_str(&incidents_json(&incidents)).unwrap();
    assert_eq!(back.len(), incidents.len());
    assert_eq!(back[0].note, HOSTILE);
    assert!(same_json(
        &serde_json::to_value(&back).unwrap(),
        &serde_json::to_value(&incidents).unwrap()
    ));

    let csv = incidents_csv(&incidents);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..3], ["id", "severity", "state"]);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[0][col("note")], format!("'{HOSTILE}"));
    assert_eq!(&rows[1][col("severity")], "1");
    assert_eq!(&rows[1][col("state")], "open");
    assert_eq!(&rows[1][col("end_s")], "");
    assert_eq!(
        rows[0][col("end_s")].parse::<f64>().unwrap() * 1000.0,
        incidents[0].end_ms.unwrap() as f64
    );

    let log_csv = anomaly_log_csv(engine.anomaly_log(), engine.names());
    let mut r = csv::Reader::from_reader(log_csv.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), engine.anomaly_log().len());
    assert!(
        rows.iter().all(|x| &x[1] == "'@cmd" || &x[1] == "'-2+3"),
        "{rows:?}"
    );
    assert!(rows.iter().any(|x| &x[8] == "2"));
    let log: serde_json::Value =
        serde_json::from_str(&anomaly_log_json(engine.anomaly_log(), engine.names())).unwrap();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), rows.len());
    assert!(
        log.iter()
            .all(|x| x["metric"] == "@cmd" || x["metric"] == "-2+3"),
        "JSON keeps the text as it is"
    );
    assert!(log[0]["score"].as_f64().unwrap() > 0.0);

    let origin = 1_793_491_200_000; // 2026-11-01T00:00:00Z
    let am: serde_json::Value =
        serde_json::from_str(&alertmanager_json(&incidents, origin)).unwrap();
    let am = am.as_array().unwrap();
    assert_eq!(am.len(), 2);
    assert_eq!(am[0]["labels"]["alertname"], "PipescopeMetricIncident");
    assert_eq!(am[0]["labels"]["severity"], "warning");
    assert_eq!(am[1]["labels"]["severity"], "critical");
    assert_eq!(am[0]["labels"]["metric"], "energy_consumption");
    assert_eq!(am[0]["startsAt"], "2026-11-01T00:00:50.000Z");
    let end = incidents[0].end_ms.unwrap();
    assert_eq!(
        am[0]["endsAt"],
        format!(
            "2026-11-01T00:{:02}:{:02}.{:03}Z",
            end / 60_000,
            end / 1000 % 60,
            end % 1000
        )
    );
    assert!(am[1].get("endsAt").is_none(), "open: no end yet");
    assert!(am[0]["annotations"]["description"]
        .as_str()
        .unwrap()
        .ends_with(HOSTILE));
    assert!(!am[0]["annotations"]["summary"].as_str().unwrap().is_empty());
}

#[test]
fn error_incidents_export_as_alertmanager_alerts() {
    let mut engine = IncidentEngine::new(IncidentConfig::default(), vec![]).unwrap();
    let codes = vec!["=2+5".to_string()];
    engine.sync_error_alerts(
        &[alert(0, Method::RateTest, 63, Some(200), 3.0, 1739)],
        &codes,
        300,
    );
    let am: serde_json::Value =
        serde_json::from_str(&alertmanager_json(engine.incidents(), 0)).unwrap();
    assert_eq!(am[0]["labels"]["alertname"], "PipescopeErrorRegression");
    assert_eq!(am[0]["labels"]["code"], "=2+5");
    assert!(
        am[0]["labels"].get("metric").is_none(),
        "the code is not repeated as a metric"
    );
    assert_eq!(am[0]["labels"]["method"], "rate-test");
    assert_eq!(am[0]["labels"]["severity"], "critical");
    assert_eq!(am[0]["startsAt"], "1970-01-01T00:00:58.000Z");
    assert_eq!(am[0]["endsAt"], "1970-01-01T00:03:20.000Z");
    let csv = incidents_csv(engine.incidents());
    let row = csv.lines().nth(1).unwrap();
    assert!(row.contains(",'=2+5,rate-test,'=2+5,"), "{row}");
}

#[test]
fn hostile_evidence_never_panics_and_exports_stay_valid() {
    let mut engine = IncidentEngine::new(IncidentConfig::default(), vec!["m".into()]).unwrap();
    let mut rng = pipescope::core::rng::SplitMix64::new(1);
    let times = [i64::MIN, -1, 0, 1, i64::MAX - 1, i64::MAX];
    let values = [f64::NAN, f64::INFINITY, -f64::INFINITY, 0.0, 1e308, -1e308];
    for k in 0..2000 {
        let pick = |r: &mut pipescope::core::rng::SplitMix64, n: usize| r.below(n as u64) as usize;
        let t = if k < 1000 {
            k * 1000
        } else {
            times[pick(&mut rng, times.len())]
        };
        let ev = Evidence {
            t_ms: t,
            series: [0, 1, u32::MAX][pick(&mut rng, 3)],
            value: values[pick(&mut rng, values.len())],
            expected: values[pick(&mut rng, values.len())],
            lower: values[pick(&mut rng, values.len())],
            upper: values[pick(&mut rng, values.len())],
            score: values[pick(&mut rng, values.len())],
            anomaly: rng.next_f64() < 0.8,
        };
        engine.apply(&ev);
        engine.advance_to(t);
    }
    engine.advance_to(i64::MAX);
    assert!(!engine.incidents().is_empty());
    for inc in engine.incidents() {
        assert!(inc.peak_deviation.is_finite());
        assert!(inc.sparkline.iter().all(|p| p.1.is_finite()));
        assert!(inc.duration_ms >= 0);
    }
    let json: serde_json::Value =
        serde_json::from_str(&incidents_json(engine.incidents())).unwrap();
    assert!(json.is_array());
    serde_json::from_str::<serde_json::Value>(&anomaly_log_json(
        engine.anomaly_log(),
        engine.names(),
    ))
    .unwrap();
    let am: serde_json::Value =
        serde_json::from_str(&alertmanager_json(engine.incidents(), i64::MAX)).unwrap();
    assert!(am[0]["startsAt"]
        .as_str()
        .unwrap()
        .starts_with("9999-12-31T"));
    assert!(incidents_csv(engine.incidents()).lines().count() > 1);
    assert_eq!(
        anomaly_log_csv(engine.anomaly_log(), engine.names())
            .lines()
            .count(),
        engine.anomaly_log().len() + 1
    );
}

#[test]
fn the_anomaly_log_keeps_the_newest_entries_only() {
    let config = IncidentConfig {
        anomaly_log_len: 5,
        ..IncidentConfig::default()
    };
    let mut engine = IncidentEngine::new(config, vec![]).unwrap();
    for k in 0..50 {
        engine.apply(&boundary_evidence(k * 60_000, true, 0.5));
    }
    let times: Vec<i64> = engine.anomaly_log().map(|r| r.evidence.t_ms).collect();
    assert_eq!(times, (45..50).map(|k| k * 60_000).collect::<Vec<_>>());
}
