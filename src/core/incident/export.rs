//! Incidents and the anomaly log as CSV and JSON, and incidents as Prometheus
//! Alertmanager alerts (the JSON array `POST /api/v2/alerts` takes).
//!
//! Times in CSV are stream seconds. Alertmanager needs wall-clock RFC 3339 times, so stream
//! milliseconds map through an origin: `epoch ms = origin_epoch_ms + stream ms`. For a
//! stream read with epoch or ISO 8601 timestamps the stream is already epoch-based: pass 0.
//! For `H:MM:SS` data (stream time from `0:00:00`) and the simulator (which starts at 0),
//! pass the epoch milliseconds of the stream's start (the page uses the moment the stream
//! was started; a replay of a known day uses that day's midnight UTC).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{AnomalyRecord, Incident, IncidentSource};
use crate::core::time::format_rfc3339_ms;

pub use crate::core::csv_cell::text as csv_text;

fn seconds(ms: i64) -> String {
    format!("{}", ms as f64 / 1000.0)
}

fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

fn write_rows(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).expect("writing to memory");
    for row in rows {
        w.write_record(&row).expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("CSV of UTF-8 text")
}

/// Incident uid → group uid (core::incident::group_uids).
pub type Groups = BTreeMap<String, String>;

/// One row per incident: `id, severity, state, source, code, method, metrics` (joined by
/// `; `), `start_s, opened_s, end_s, duration_s` (stream seconds; `end_s` empty while
/// open), `peak_deviation, anomaly_count, acknowledged, note`.
pub fn incidents_csv(incidents: &[Incident]) -> String {
    incidents_csv_grouped(incidents, &Groups::new())
}

/// [`incidents_csv`] with a last column `group`: the incident's group uid from `groups`
/// (empty when it has none).
pub fn incidents_csv_grouped(incidents: &[Incident], groups: &Groups) -> String {
    let header = [
        "id",
        "severity",
        "state",
        "source",
        "code",
        "method",
        "metrics",
        "start_s",
        "opened_s",
        "end_s",
        "duration_s",
        "peak_deviation",
        "anomaly_count",
        "acknowledged",
        "note",
        "group",
    ];
    write_rows(
        &header,
        incidents.iter().map(|i| {
            let (source, code, method) = match &i.source {
                IncidentSource::Metrics => ("metrics", String::new(), String::new()),
                IncidentSource::ErrorAlert { code, method, .. } => {
                    ("error-alert", csv_text(code), method.clone())
                }
                // The check's name is in `metrics`.
                IncidentSource::Check { .. } => ("check", String::new(), String::new()),
                // The rule's name is in `method`: what raised it, as for an error alert.
                IncidentSource::Rule { rule, code, .. } => (
                    "rule",
                    code.as_deref().map(csv_text).unwrap_or_default(),
                    csv_text(rule),
                ),
            };
            vec![
                i.id.to_string(),
                i.severity.to_string(),
                i.state.name().to_string(),
                source.to_string(),
                code,
                method,
                csv_text(&i.metrics.join("; ")),
                seconds(i.start_ms),
                seconds(i.opened_ms),
                i.end_ms.map(seconds).unwrap_or_default(),
                seconds(i.duration_ms),
                number(i.peak_deviation),
                i.anomaly_count.to_string(),
                i.acknowledged.to_string(),
                csv_text(&i.note),
                groups.get(&i.uid()).cloned().unwrap_or_default(),
            ]
        }),
    )
}

/// The incidents as a pretty JSON array of [`Incident`] (it parses back with serde).
pub fn incidents_json(incidents: &[Incident]) -> String {
    serde_json::to_string_pretty(incidents).expect("incidents always serialise")
}

/// An incident with its group uid, as the grouped exports write it.
#[derive(Serialize)]
struct WithGroup<'a> {
    #[serde(flatten)]
    incident: &'a Incident,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a String>,
}

impl<'a> WithGroup<'a> {
    fn of(incident: &'a Incident, groups: &'a Groups) -> Self {
        WithGroup {
            incident,
            group: groups.get(&incident.uid()),
        }
    }
}

/// [`incidents_json`] with each incident's group uid from `groups` as a `group` field
/// (left out when it has none); it still parses back as [`Incident`]s.
pub fn incidents_json_grouped(incidents: &[Incident], groups: &Groups) -> String {
    let rows: Vec<WithGroup> = incidents.iter().map(|i| WithGroup::of(i, groups)).collect();
    serde_json::to_string_pretty(&rows).expect("incidents always serialise")
}

/// One incident as a one-line JSON object with its `group` (the CLI's output lines).
pub fn incident_json_line(incident: &Incident, groups: &Groups) -> String {
    serde_json::to_string(&WithGroup::of(incident, groups)).expect("incidents always serialise")
}

fn name_of(names: &[String], series: u32) -> String {
    names
        .get(series as usize)
        .cloned()
        .unwrap_or_else(|| format!("series {series}"))
}

/// One row per logged anomaly: `t_s, metric, value, expected, lower, upper, score,
/// deviation` (half band widths), `incident` (id, empty when none was open).
pub fn anomaly_log_csv<'a>(
    log: impl IntoIterator<Item = &'a AnomalyRecord>,
    names: &[String],
) -> String {
    let header = [
        "t_s",
        "metric",
        "value",
        "expected",
        "lower",
        "upper",
        "score",
        "deviation",
        "incident",
    ];
    write_rows(
        &header,
        log.into_iter().map(|r| {
            let e = &r.evidence;
            vec![
                seconds(e.t_ms),
                csv_text(&name_of(names, e.series)),
                number(e.value),
                number(e.expected),
                number(e.lower),
                number(e.upper),
                number(e.score),
                number(e.deviation()),
                r.incident.map(|i| i.to_string()).unwrap_or_default(),
            ]
        }),
    )
}

/// One logged anomaly in the JSON log.
#[derive(Serialize)]
struct LogLine {
    t_ms: i64,
    metric: String,
    value: f64,
    expected: f64,
    lower: f64,
    upper: f64,
    score: f64,
    deviation: f64,
    incident: Option<u64>,
}

/// The anomaly log as a JSON array of objects with `t_ms`, `metric`, `value`, `expected`,
/// `lower`, `upper`, `score`, `deviation` and `incident` (null when none was open).
pub fn anomaly_log_json<'a>(
    log: impl IntoIterator<Item = &'a AnomalyRecord>,
    names: &[String],
) -> String {
    let lines: Vec<LogLine> = log
        .into_iter()
        .map(|r| {
            let e = &r.evidence;
            LogLine {
                t_ms: e.t_ms,
                metric: name_of(names, e.series),
                value: e.value,
                expected: e.expected,
                lower: e.lower,
                upper: e.upper,
                score: e.score,
                deviation: e.deviation(),
                incident: r.incident,
            }
        })
        .collect();
    serde_json::to_string_pretty(&lines).expect("the log always serialises")
}

/// One alert in Alertmanager's shape (API v2 `PostableAlert`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AmAlert {
    /// Identifying labels: `alertname`, `severity`, `incident_id`, `metric` (and `code`,
    /// `method` for an error regression; `source` when sent by a sink).
    pub labels: BTreeMap<&'static str, String>,
    /// `summary` and `description`.
    pub annotations: BTreeMap<&'static str, String>,
    /// When it started, RFC 3339.
    pub starts_at: String,
    /// When it ended (or, for a firing alert sent by a sink, until when it holds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<String>,
    /// Link back to the page (sinks only).
    #[serde(rename = "generatorURL", skip_serializing_if = "Option::is_none")]
    pub generator_url: Option<String>,
}

/// The incidents as Alertmanager alerts: a JSON array of `{labels, annotations, startsAt,
/// endsAt}` objects, `endsAt` left out while an incident is open (Alertmanager then keeps
/// it firing). Times: see the module doc.
pub fn alertmanager_json(incidents: &[Incident], origin_epoch_ms: i64) -> String {
    alertmanager_json_grouped(incidents, origin_epoch_ms, &Groups::new())
}

/// [`alertmanager_json`] with each incident's group uid as its `group` label (what the
/// sinks send; see core::sink).
pub fn alertmanager_json_grouped(
    incidents: &[Incident],
    origin_epoch_ms: i64,
    groups: &Groups,
) -> String {
    let alerts: Vec<AmAlert> = incidents
        .iter()
        .map(|i| {
            let mut a = am_alert(i, origin_epoch_ms);
            if let Some(g) = groups.get(&i.uid()) {
                a.labels.insert("group", g.clone());
            }
            a
        })
        .collect();
    serde_json::to_string_pretty(&alerts).expect("alerts always serialise")
}

/// One incident as an Alertmanager alert (`endsAt` set once it resolved).
pub fn am_alert(i: &Incident, origin_epoch_ms: i64) -> AmAlert {
    let at = |ms: i64| format_rfc3339_ms(origin_epoch_ms.saturating_add(ms));
    let mut labels = BTreeMap::new();
    let severity = if i.severity <= 1 {
        "critical"
    } else {
        "warning"
    };
    labels.insert("severity", severity.to_string());
    labels.insert("incident_id", i.uid());
    let (summary, mut description) = match &i.source {
        IncidentSource::Metrics => {
            // An error regression names its code in `code`; `metric` is for metrics only.
            labels.insert("metric", i.metrics.join(","));
            labels.insert("alertname", "PipescopeMetricIncident".to_string());
            (
                format!(
                    "Severity {} anomaly incident on {}",
                    i.severity,
                    i.metrics.join(", ")
                ),
                format!(
                    "{} anomalous points; peak deviation {:.2} half band widths.",
                    i.anomaly_count, i.peak_deviation
                ),
            )
        }
        IncidentSource::ErrorAlert {
            code,
            method,
            ratio,
            ci_low,
            baseline_count,
            candidate_count,
            ..
        } => {
            labels.insert("alertname", "PipescopeErrorRegression".to_string());
            labels.insert("code", code.clone());
            labels.insert("method", method.clone());
            let ci = ci_low.map_or(String::new(), |lo| format!(" (95% lower bound {lo:.2})"));
            let description = if *baseline_count == 0 {
                // A ratio against no baseline event only measures the volume.
                format!(
                    "A new code in the candidate build ({}; {method}).",
                    crate::core::errors::new_code_text(*candidate_count)
                )
            } else {
                format!(
                    "Rate ratio {ratio:.2}{ci}; {candidate_count} candidate vs {baseline_count} baseline events ({method})."
                )
            };
            (
                format!("Error code {code} regressed in the candidate build"),
                description,
            )
        }
        IncidentSource::Check {
            check,
            level,
            column,
            observed,
            expected,
            file,
        } => {
            labels.insert("alertname", "PipescopeCheckFailed".to_string());
            labels.insert("check", check.clone());
            if let Some(c) = column {
                labels.insert("column", c.clone());
            }
            (
                format!("Data check '{check}' ({level}) did not pass on {file}"),
                format!("Found {observed}; expected {expected}."),
            )
        }
        IncidentSource::Rule {
            rule,
            condition,
            target,
            code,
            ..
        } => {
            labels.insert("alertname", "PipescopeRule".to_string());
            labels.insert("rule", rule.clone());
            match code {
                Some(c) => labels.insert("code", c.clone()),
                None => labels.insert("metric", target.clone()),
            };
            (
                format!("Rule '{rule}' fired on {target}"),
                format!(
                    "{condition}; {}.",
                    i.source.rule_evidence().unwrap_or_default()
                ),
            )
        }
    };
    if !i.note.is_empty() {
        description.push_str(" Note: ");
        description.push_str(&i.note);
    }
    let mut annotations = BTreeMap::new();
    annotations.insert("summary", summary);
    annotations.insert("description", description);
    AmAlert {
        labels,
        annotations,
        starts_at: at(i.start_ms),
        ends_at: i.end_ms.map(at),
        generator_url: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(csv_text("=1+1"), "'=1+1");
        assert_eq!(csv_text("-3.5"), "-3.5");
        assert_eq!(csv_text("-cmd"), "'-cmd");
        assert_eq!(csv_text("ok"), "ok");
    }
}
