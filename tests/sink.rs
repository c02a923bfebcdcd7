//! Incident delivery to Alertmanager and webhooks (`core::sink`): what is sent when, in
//! which shape, and that nothing acknowledged is lost or repeated across a reload.

use pipescope::core::incident::{Incident, IncidentSource, IncidentState};
use pipescope::core::live::LiveError;
use pipescope::core::sink::{read_answer, Ledger, Sink, SinkKind, HOLD_MS, RESEND_MS};
use serde_json::Value;

const NOW: i64 = 1_765_000_000_000;

fn incident(id: u64, severity: u8, state: IncidentState) -> Incident {
    Incident {
        id,
        severity,
        state,
        source: IncidentSource::Metrics,
        metrics: vec!["latency{job=\"api\"}".into()],
        series: vec![0],
        start_ms: NOW - 60_000,
        opened_ms: NOW - 55_000,
        end_ms: (state == IncidentState::Resolved).then_some(NOW - 5_000),
        duration_ms: 55_000,
        peak_deviation: 7.5,
        anomaly_count: 12,
        sparkline: Vec::new(),
        acknowledged: false,
        note: String::new(),
        silenced: None,
    }
}

fn wall(_: &str) -> bool {
    true
}

fn json(sink: &Sink, batch: &pipescope::core::sink::Batch) -> Value {
    serde_json::from_str(&sink.body(batch, "http://page/")).unwrap()
}

#[test]
fn an_open_incident_fires_is_held_and_resent_then_resolves() {
    let am = Sink::new(SinkKind::Alertmanager, "/am/").unwrap();
    assert_eq!(am.endpoint(), "/am/api/v2/alerts");
    let mut ledger = Ledger::default();
    let open = vec![("monitor".to_string(), incident(3, 2, IncidentState::Open))];
    let batch = ledger.due(NOW, &open, &wall, "http://page/").unwrap();
    let v = json(&am, &batch);
    let a = &v[0];
    assert_eq!(a["labels"]["alertname"], "PipescopeMetricIncident");
    assert_eq!(a["labels"]["severity"], "warning");
    assert_eq!(a["labels"]["source"], "monitor");
    assert_eq!(
        a["labels"]["incident_id"], "monitor-3",
        "unique across workspaces"
    );
    assert_eq!(a["labels"]["metric"], "latency{job=\"api\"}");
    assert_eq!(a["generatorURL"], "http://page/#/incidents");
    assert_eq!(a["startsAt"], "2025-12-06T05:45:40.000Z");
    assert_eq!(
        a["endsAt"],
        pipescope::core::time::format_rfc3339_ms(NOW + HOLD_MS),
        "a firing alert holds a few resend intervals, so a closed page lets it lapse"
    );
    ledger.succeeded(&batch, NOW);
    assert!(
        ledger
            .due(NOW + 1_000, &open, &wall, "http://page/")
            .is_none(),
        "sent once"
    );
    assert!(
        ledger
            .due(NOW + RESEND_MS, &open, &wall, "http://page/")
            .is_some(),
        "resent while open"
    );
    let resolved = vec![(
        "monitor".to_string(),
        incident(3, 2, IncidentState::Resolved),
    )];
    let batch = ledger
        .due(NOW + 2_000, &resolved, &wall, "http://page/")
        .unwrap();
    let v = json(&am, &batch);
    assert_eq!(
        v[0]["endsAt"],
        pipescope::core::time::format_rfc3339_ms(NOW - 5_000)
    );
    ledger.succeeded(&batch, NOW + 2_000);
    assert!(
        ledger
            .due(NOW + 10 * RESEND_MS, &resolved, &wall, "http://page/")
            .is_none(),
        "a resolved incident is sent once"
    );
    assert_eq!(ledger.sent, 2);
}

#[test]
fn an_escalation_ends_the_old_alert_and_fires_the_new() {
    let mut ledger = Ledger::default();
    let w2 = vec![("errors".to_string(), incident(1, 2, IncidentState::Open))];
    let b = ledger.due(NOW, &w2, &wall, "p").unwrap();
    ledger.succeeded(&b, NOW);
    let w1 = vec![("errors".to_string(), incident(1, 1, IncidentState::Open))];
    let b = ledger.due(NOW + 1_000, &w1, &wall, "p").unwrap();
    assert_eq!(b.alerts.len(), 2);
    assert_eq!(b.alerts[0].labels["severity"], "warning");
    assert_eq!(b.resolved, vec![true, false]);
    assert_eq!(b.alerts[1].labels["severity"], "critical");
    let hook = Sink::new(SinkKind::Webhook, "https://hooks.example/x").unwrap();
    let v = json(&hook, &b);
    assert_eq!(v["version"], "4");
    assert_eq!(v["status"], "firing");
    assert_eq!(v["alerts"][0]["status"], "resolved");
    assert_eq!(v["alerts"][1]["status"], "firing");
    assert_eq!(v["commonLabels"]["source"], "errors");
    assert!(v["commonLabels"].get("severity").is_none());
    assert_ne!(v["alerts"][0]["fingerprint"], v["alerts"][1]["fingerprint"]);
}

#[test]
fn failures_back_off_and_nothing_unacknowledged_is_lost_over_a_reload() {
    let am = Sink::new(SinkKind::Alertmanager, "http://am:9093").unwrap();
    let mut ledger = Ledger::default();
    let open = vec![("monitor".to_string(), incident(7, 1, IncidentState::Open))];
    let b = ledger.due(NOW, &open, &wall, "p").unwrap();
    let err = read_answer(
        &am,
        400,
        br#"{"code":400,"message":"start time must be before end time"}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("start time must be before end time"),
        "{err}"
    );
    let wait = ledger.failed(&err, NOW);
    assert!((750..=1_250).contains(&wait));
    assert!(
        ledger.due(NOW + 100, &open, &wall, "p").is_none(),
        "waits out the backoff"
    );
    let down = LiveError::Unreachable {
        server: "http://am:9093".into(),
        cross_origin: true,
    };
    let again = ledger.due(NOW + wait, &open, &wall, "p").unwrap();
    let wait2 = ledger.failed(&down, NOW + wait);
    assert!(wait2 > wait);
    assert_eq!(ledger.failures(), 2);
    assert!(ledger
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("am:9093")));
    // The page reloads before any delivery went through: the kept ledger still owes it.
    let kept = serde_json::to_string(&ledger).unwrap();
    let mut reloaded: Ledger = serde_json::from_str(&kept).unwrap();
    let due = reloaded
        .due(NOW + wait + wait2, &open, &wall, "p")
        .expect("still owed after a reload");
    assert_eq!(due.covers, again.covers);
    assert_eq!(due.covers, b.covers);
    reloaded.succeeded(&due, NOW + wait + wait2);
    assert!(reloaded.last_error.is_none());
    let kept = serde_json::to_string(&reloaded).unwrap();
    let reloaded: Ledger = serde_json::from_str(&kept).unwrap();
    assert!(
        reloaded
            .due(NOW + wait + wait2 + 1_000, &open, &wall, "p")
            .is_none(),
        "not sent twice after a reload"
    );
}

#[test]
fn a_simulated_stream_is_dated_by_the_wall_clock_it_was_sent_at() {
    let mut ledger = Ledger::default();
    let mut i = incident(2, 1, IncidentState::Open);
    (i.start_ms, i.opened_ms) = (120_000, 130_000);
    let sim = |_: &str| false;
    let b = ledger
        .due(NOW, &[("monitor".into(), i.clone())], &sim, "p")
        .unwrap();
    assert_eq!(
        b.alerts[0].starts_at,
        pipescope::core::time::format_rfc3339_ms(NOW)
    );
    ledger.succeeded(&b, NOW);
    i.state = IncidentState::Resolved;
    i.end_ms = Some(400_000);
    let b = ledger
        .due(NOW + 30_000, &[("monitor".into(), i)], &sim, "p")
        .unwrap();
    assert_eq!(
        b.alerts[0].starts_at,
        pipescope::core::time::format_rfc3339_ms(NOW)
    );
    assert_eq!(
        b.alerts[0].ends_at.as_deref(),
        Some(pipescope::core::time::format_rfc3339_ms(NOW + 30_000).as_str())
    );
}

#[test]
fn sink_addresses_are_checked() {
    assert!(Sink::new(SinkKind::Alertmanager, "am:9093")
        .unwrap_err()
        .to_string()
        .starts_with("Alertmanager:"));
    assert!(Sink::new(SinkKind::Webhook, "").is_err());
    assert_eq!(
        Sink::new(SinkKind::Webhook, "/hook/").unwrap().endpoint(),
        "/hook/"
    );
}

#[test]
fn an_open_incident_whose_stream_is_replaced_is_ended_and_a_new_number_one_is_new() {
    let am = Sink::new(SinkKind::Alertmanager, "/am").unwrap();
    let mut ledger = Ledger::new(9);
    let old = vec![("monitor".to_string(), incident(1, 2, IncidentState::Open))];
    let b = ledger.due(NOW, &old, &wall, "p").unwrap();
    ledger.succeeded(&b, NOW);
    // A new stream: its own incident #1, opened later.
    let mut fresh = incident(1, 2, IncidentState::Open);
    fresh.start_ms = NOW + 5_000;
    fresh.opened_ms = NOW + 6_000;
    let new = vec![("monitor".to_string(), fresh)];
    ledger.keep_only(&new);
    let b = ledger
        .due(NOW + 7_000, &new, &wall, "p")
        .expect("the new #1 is sent");
    let v = json(&am, &b);
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(
        v[0]["endsAt"],
        pipescope::core::time::format_rfc3339_ms(NOW + 7_000),
        "the old one ended now"
    );
    assert_eq!(
        v[0]["startsAt"],
        pipescope::core::time::format_rfc3339_ms(NOW - 60_000),
        "its own start"
    );
    assert_eq!(v[0]["labels"]["incident_id"], "monitor-1");
    assert_eq!(
        v[1]["startsAt"],
        pipescope::core::time::format_rfc3339_ms(NOW + 5_000)
    );
    ledger.succeeded(&b, NOW + 7_000);
    assert!(
        ledger.due(NOW + 8_000, &new, &wall, "p").is_none(),
        "both settled"
    );
}

/// Three rule incidents on one stream: #1 and #2 open one step apart (one group), #3 long
/// after (its own group).
fn grouped_book() -> (
    Vec<(String, Incident)>,
    std::collections::BTreeMap<String, String>,
) {
    let mut list = Vec::new();
    for (id, opened) in [(1, 0), (2, 15_000), (3, 3_600_000)] {
        let mut i = incident(id, 2, IncidentState::Open);
        i.source = IncidentSource::Rule {
            rule: "hot".into(),
            condition: "above 900 for 1m".into(),
            target: format!("m{id}"),
            code: None,
            value: 950.0,
        };
        i.metrics = vec![format!("m{id}")];
        i.start_ms = NOW + opened;
        i.opened_ms = NOW + opened;
        list.push(i);
    }
    let groups = pipescope::core::incident::group_incidents(
        &list,
        15_000.0,
        &pipescope::core::incident::GroupConfig::default(),
    );
    let uids = pipescope::core::incident::group_uids(&groups);
    (
        list.into_iter()
            .map(|i| ("monitor".to_string(), i))
            .collect(),
        uids,
    )
}

#[test]
fn a_group_is_what_a_sink_receives_and_silenced_members_are_not_sent() {
    let (mut book, uids) = grouped_book();
    let group = |_: &str, i: &Incident| uids.get(&i.uid()).cloned();
    // Alertmanager: every member is an alert, with its group's label, in one POST.
    let am = Sink::new(SinkKind::Alertmanager, "/am").unwrap();
    let ledger = Ledger::default();
    let b = ledger
        .due_grouped(NOW, &book, &group, false, &wall, "p")
        .unwrap();
    let v = json(&am, &b);
    let labels: Vec<(&str, &str)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["labels"]["incident_id"].as_str().unwrap(),
                a["labels"]["group"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        labels,
        [
            ("monitor-1", "monitor-g1"),
            ("monitor-2", "monitor-g1"),
            ("monitor-3", "monitor-g3")
        ]
    );

    // A webhook: one payload per group, the next group on the next call.
    let hook = Sink::new(SinkKind::Webhook, "/hook").unwrap();
    let mut ledger = Ledger::default();
    let b = ledger
        .due_grouped(NOW, &book, &group, true, &wall, "p")
        .unwrap();
    let v = json(&hook, &b);
    assert_eq!(v["groupLabels"]["group"], "monitor-g1");
    assert_eq!(v["groupKey"], "{}:{group=\"monitor-g1\"}");
    assert_eq!(v["alerts"].as_array().unwrap().len(), 2);
    assert_eq!(v["commonLabels"]["group"], "monitor-g1");
    ledger.succeeded(&b, NOW);
    let b = ledger
        .due_grouped(NOW + 1_000, &book, &group, true, &wall, "p")
        .unwrap();
    let v = json(&hook, &b);
    assert_eq!(v["groupLabels"]["group"], "monitor-g3");
    assert_eq!(v["alerts"][0]["labels"]["incident_id"], "monitor-3");
    ledger.succeeded(&b, NOW + 1_000);
    assert!(ledger
        .due_grouped(NOW + 2_000, &book, &group, true, &wall, "p")
        .is_none());

    // Silences: a silenced member is left out; a group all silenced sends nothing.
    for (_, i) in book.iter_mut() {
        i.silenced = (i.id != 2).then(|| "maintenance".to_string());
    }
    let b = Ledger::default()
        .due_grouped(NOW, &book, &group, true, &wall, "p")
        .unwrap();
    let v = json(&hook, &b);
    assert_eq!(v["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(v["alerts"][0]["labels"]["incident_id"], "monitor-2");
    book[1].1.silenced = Some("maintenance".into());
    assert!(Ledger::default()
        .due_grouped(NOW, &book, &group, true, &wall, "p")
        .is_none());
}

#[test]
fn exports_carry_the_group() {
    let (book, uids) = grouped_book();
    let list: Vec<Incident> = book.into_iter().map(|(_, i)| i).collect();
    let csv = pipescope::core::incident::export::incidents_csv_grouped(&list, &uids);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let col = header.iter().position(|h| h == "group").unwrap();
    let groups: Vec<String> = r.records().map(|x| x.unwrap()[col].to_string()).collect();
    assert_eq!(groups, ["monitor-g1", "monitor-g1", "monitor-g3"]);
    let json: Value = serde_json::from_str(
        &pipescope::core::incident::export::incidents_json_grouped(&list, &uids),
    )
    .unwrap();
    assert_eq!(json[1]["group"], "monitor-g1");
    assert_eq!(json[1]["id"], 2);
    let back: Vec<Incident> = serde_json::from_value(json).unwrap();
    assert_eq!(back, list);
    let am: Value = serde_json::from_str(
        &pipescope::core::incident::export::alertmanager_json_grouped(&list, 0, &uids),
    )
    .unwrap();
    assert_eq!(am[2]["labels"]["group"], "monitor-g3");
}
