//! Sinks: where incidents go besides the page. An Alertmanager (API v2, `POST
//! /api/v2/alerts`) or any webhook (the Alertmanager webhook payload, for chat tools and
//! pipelines).
//!
//! The core decides what to send and when; the page does the POST. Delivery is at least
//! once: a [`Ledger`] remembers what each sink has acknowledged (the page keeps it across
//! reloads), and everything not acknowledged is sent again, failures after a backoff.
//!
//! - An incident is sent when it opens, again every [`RESEND_MS`] while it stays open
//!   (Alertmanager forgets a firing alert at its `endsAt`, set [`HOLD_MS`] ahead, so a
//!   page that closes lets its alerts lapse instead of firing forever), and once more when
//!   it resolves, with `endsAt` at its end.
//! - When an incident escalates, its alert's `severity` label changes, which Alertmanager
//!   treats as another alert: the old one is sent resolved beside the new one.
//! - Labels: `alertname` (`PipescopeMetricIncident`, `PipescopeErrorRegression`),
//!   `severity` (`critical` or `warning`), `source` (`monitor`, `errors`), `incident_id`,
//!   `metric` (the metrics involved, comma-separated), and `code`, `method` for an error
//!   regression. Annotations: `summary`, `description`. `generatorURL` points back to the
//!   page's Incidents workspace.
//! - A silenced incident (core::rules silences) is not sent; one silenced after it was
//!   sent is still followed to its resolution.
//! - Groups (core::incident::group): every member carries its group's uid as the `group`
//!   label, so an Alertmanager route with `group_by: [group]` notifies once per group; a
//!   webhook gets one payload per group (`groupLabels.group`). A silenced member is not
//!   sent, so a group whose members are all silenced sends nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::core::incident::export::{am_alert, AmAlert};
use crate::core::incident::{Incident, IncidentState};
use crate::core::live::{Backoff, LiveError};
use crate::core::time::format_rfc3339_ms;

/// How often an open incident is sent again, ms.
pub const RESEND_MS: i64 = 60_000;
/// How long a firing alert holds in Alertmanager without being sent again, ms.
pub const HOLD_MS: i64 = 4 * RESEND_MS;

/// What kind of receiver a sink is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SinkKind {
    /// An Alertmanager: alerts go to `BASE/api/v2/alerts`.
    Alertmanager,
    /// Any URL taking the Alertmanager webhook payload.
    Webhook,
}

/// A sink, validated by [`Sink::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sink {
    kind: SinkKind,
    url: String,
}

impl Sink {
    /// A sink of `kind` at `url`: an http(s) address or a path on the page's origin (an
    /// Alertmanager's base, the part before `/api/v2`; a webhook's full URL).
    ///
    /// ```
    /// use pipescope::core::sink::{Sink, SinkKind};
    /// let am = Sink::new(SinkKind::Alertmanager, "http://am:9093/").unwrap();
    /// assert_eq!(am.endpoint(), "http://am:9093/api/v2/alerts");
    /// assert!(Sink::new(SinkKind::Webhook, "hooks.example").is_err());
    /// ```
    pub fn new(kind: SinkKind, url: &str) -> Result<Sink, LiveError> {
        let url = url.trim();
        let lower = url.to_ascii_lowercase();
        let field = match kind {
            SinkKind::Alertmanager => "Alertmanager",
            SinkKind::Webhook => "Webhook",
        };
        let absolute = ["http://", "https://"]
            .iter()
            .any(|p| lower.starts_with(p) && lower.len() > p.len());
        if !(absolute || url.starts_with('/') || url.starts_with("./")) {
            return Err(LiveError::Setting {
                field,
                message: format!(
                    "'{}' is neither an http(s):// address nor a path starting with /",
                    crate::core::text::clip(url)
                ),
            });
        }
        let url = match kind {
            SinkKind::Alertmanager => url.trim_end_matches('/').to_string(),
            SinkKind::Webhook => url.to_string(),
        };
        Ok(Sink { kind, url })
    }

    /// The kind.
    pub fn kind(&self) -> SinkKind {
        self.kind
    }

    /// The URL as given (an Alertmanager's base).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the POST goes.
    pub fn endpoint(&self) -> String {
        match self.kind {
            SinkKind::Alertmanager => format!("{}/api/v2/alerts", self.url),
            SinkKind::Webhook => self.url.clone(),
        }
    }

    /// The request body for a batch.
    pub fn body(&self, batch: &Batch, external_url: &str) -> String {
        match self.kind {
            SinkKind::Alertmanager => {
                serde_json::to_string(&batch.alerts).expect("alerts always serialise")
            }
            SinkKind::Webhook => webhook_payload(&batch.alerts, &batch.resolved, external_url),
        }
    }
}

/// The Alertmanager webhook payload (version 4) for these alerts (`resolved` marks the
/// ended ones), as one group.
pub fn webhook_payload(alerts: &[AmAlert], resolved: &[bool], external_url: &str) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct One<'a> {
        status: &'static str,
        labels: &'a BTreeMap<&'static str, String>,
        annotations: &'a BTreeMap<&'static str, String>,
        starts_at: &'a str,
        ends_at: &'a str,
        #[serde(rename = "generatorURL")]
        generator_url: &'a str,
        fingerprint: String,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Payload<'a> {
        version: &'static str,
        group_key: String,
        truncated_alerts: u32,
        status: &'static str,
        receiver: &'static str,
        group_labels: BTreeMap<&'static str, String>,
        common_labels: BTreeMap<&'static str, String>,
        common_annotations: BTreeMap<&'static str, String>,
        #[serde(rename = "externalURL")]
        external_url: &'a str,
        alerts: Vec<One<'a>>,
    }
    let ones: Vec<One> = alerts
        .iter()
        .zip(resolved.iter().chain(std::iter::repeat(&false)))
        .map(|(a, &r)| One {
            status: if r { "resolved" } else { "firing" },
            labels: &a.labels,
            annotations: &a.annotations,
            starts_at: &a.starts_at,
            ends_at: a.ends_at.as_deref().unwrap_or("0001-01-01T00:00:00Z"),
            generator_url: a.generator_url.as_deref().unwrap_or(""),
            fingerprint: fingerprint(&a.labels),
        })
        .collect();
    let status = if ones.iter().any(|o| o.status == "firing") {
        "firing"
    } else {
        "resolved"
    };
    let common = |f: fn(&AmAlert) -> &BTreeMap<&'static str, String>| {
        let mut out = alerts.first().map(f).cloned().unwrap_or_default();
        out.retain(|k, v| alerts.iter().all(|a| f(a).get(k) == Some(v)));
        out
    };
    // A batch for a webhook is one group (see `Ledger::due_grouped`): its uid is the
    // group label, as Alertmanager's webhook names the labels it grouped by.
    let mut group_labels = BTreeMap::new();
    if let Some(g) = alerts.first().and_then(|a| a.labels.get("group")) {
        if alerts.iter().all(|a| a.labels.get("group") == Some(g)) {
            group_labels.insert("group", g.clone());
        }
    }
    let group_key = match group_labels.get("group") {
        Some(g) => format!("{{}}:{{group=\"{g}\"}}"),
        None => "{}:{alertname=~\"Pipescope.*\"}".into(),
    };
    let payload = Payload {
        version: "4",
        group_key,
        truncated_alerts: 0,
        status,
        receiver: "pipescope",
        group_labels,
        common_labels: common(|a| &a.labels),
        common_annotations: common(|a| &a.annotations),
        external_url,
        alerts: ones,
    };
    serde_json::to_string(&payload).expect("the payload always serialises")
}

/// A stable fingerprint of a label set (FNV-1a over the sorted pairs), as Alertmanager
/// identifies an alert by its labels.
fn fingerprint(labels: &BTreeMap<&'static str, String>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in labels {
        for b in k.bytes().chain([0xff]).chain(v.bytes()).chain([0xfe]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

pub use crate::core::incident::notes::{key_of, Key};

/// What one sink has acknowledged of one incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivered {
    /// The state last acknowledged.
    pub state: IncidentState,
    /// Its severity then.
    pub severity: u8,
    /// Wall time of the acknowledgement, epoch ms.
    pub at_ms: i64,
    /// Wall time the incident was first sent, epoch ms (its `startsAt` when its stream
    /// time is not wall time).
    pub first_ms: i64,
    /// The labels and `startsAt` last acknowledged, so an incident that vanishes from the
    /// page (a new stream) while open can still be ended at the sink.
    #[serde(default)]
    pub labels: Vec<(String, String)>,
    /// Its `startsAt`.
    #[serde(default)]
    pub starts_at: String,
}

/// The label names sinks send, as static text (an [`AmAlert`]'s keys).
fn label_key(k: &str) -> Option<&'static str> {
    [
        "alertname",
        "severity",
        "source",
        "incident_id",
        "metric",
        "code",
        "method",
        "rule",
        "check",
        "column",
        "group",
    ]
    .into_iter()
    .find(|&s| s == k)
}

/// One sink's delivery record: what it acknowledged, and the retry pacing after failures.
/// Serialisable, so the page keeps it across reloads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    delivered: BTreeMap<String, Delivered>,
    backoff: Backoff,
    /// No attempt before this wall time, epoch ms (after a failure).
    retry_at_ms: i64,
    /// The last failure's message, until a delivery succeeds.
    pub last_error: Option<String>,
    /// Alerts acknowledged in all.
    pub sent: u64,
}

fn key_text(k: &Key) -> String {
    format!("{}-{}@{}", k.0, k.1, k.2)
}

/// A batch to send: the alerts and the incidents they acknowledge when they go through.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The alerts, in incident order.
    pub alerts: Vec<AmAlert>,
    /// Whether each alert is a resolution.
    pub resolved: Vec<bool>,
    /// (incident, state, severity) each alert acknowledges.
    pub covers: Vec<(Key, IncidentState, u8)>,
    /// Incidents gone from the page while open, ended by this batch.
    pub ended: Vec<String>,
    /// Index in `alerts` of each covered incident's own alert.
    pub own: Vec<usize>,
}

impl Batch {
    /// Only the alerts of the first alert's group (its `group` label; alerts with none are
    /// a group of their own kind), with what they acknowledge.
    fn first_group(self) -> Batch {
        let Some(first) = self.alerts.first() else {
            return self;
        };
        let key = first.labels.get("group").cloned();
        let keep: Vec<bool> = self
            .alerts
            .iter()
            .map(|a| a.labels.get("group") == key.as_ref())
            .collect();
        // Old index to new, for what `own` points at.
        let mut new_index = vec![None; keep.len()];
        let mut n = 0;
        for (k, &kept) in keep.iter().enumerate() {
            if kept {
                new_index[k] = Some(n);
                n += 1;
            }
        }
        let mut out = Batch {
            alerts: Vec::new(),
            resolved: Vec::new(),
            covers: Vec::new(),
            ended: Vec::new(),
            own: Vec::new(),
        };
        // Ended alerts come first, one per `ended` key.
        for (k, e) in self.ended.into_iter().enumerate() {
            if keep[k] {
                out.ended.push(e);
            }
        }
        for ((a, r), kept) in self.alerts.into_iter().zip(self.resolved).zip(&keep) {
            if *kept {
                out.alerts.push(a);
                out.resolved.push(r);
            }
        }
        for (c, o) in self.covers.into_iter().zip(self.own) {
            if let Some(k) = new_index[o] {
                out.covers.push(c);
                out.own.push(k);
            }
        }
        out
    }
}

impl Ledger {
    /// An empty ledger; `seed` spreads its retries from other pages' (say, the clock).
    pub fn new(seed: u64) -> Self {
        Ledger {
            backoff: Backoff::new(seed),
            ..Ledger::default()
        }
    }

    /// What the sink acknowledged of an incident.
    pub fn delivered(&self, key: &Key) -> Option<&Delivered> {
        self.delivered.get(&key_text(key))
    }

    /// Wall time before which no attempt is made (after a failure), epoch ms.
    pub fn retry_at_ms(&self) -> i64 {
        self.retry_at_ms
    }

    /// The alerts due at wall time `now_ms` for these incidents: new ones, ones whose
    /// state or severity changed since acknowledged, and open ones not sent for
    /// [`RESEND_MS`]. `wall` maps an incident's stream ms to epoch ms when its stream runs
    /// on wall time (None: the simulator, a replay of `H:MM:SS` times); `page_url` is the
    /// generator URL.
    pub fn due(
        &self,
        now_ms: i64,
        incidents: &[(String, Incident)],
        wall: &dyn Fn(&str) -> bool,
        page_url: &str,
    ) -> Option<Batch> {
        self.due_grouped(now_ms, incidents, &|_, _| None, false, wall, page_url)
    }

    /// [`Ledger::due`] with incident groups (core::incident::group): `group` gives an
    /// incident's group uid (from its source name and the incident), sent as the `group`
    /// label. With `per_group` (a webhook, whose every POST is one notification) the batch
    /// holds the alerts of one group only, the group of the first alert due; the others
    /// follow on the next calls.
    ///
    /// Why a label and not one alert per group: Alertmanager identifies an alert by its
    /// labels and groups alerts itself (`route.group_by`). Each member stays its own alert,
    /// so it fires, resolves and is silenced on its own; the common `group` label lets a
    /// route with `group_by: [group]` (or `[alertname, group]`) send the group as one
    /// notification, which is what an Alertmanager user expects.
    pub fn due_grouped(
        &self,
        now_ms: i64,
        incidents: &[(String, Incident)],
        group: &dyn Fn(&str, &Incident) -> Option<String>,
        per_group: bool,
        wall: &dyn Fn(&str) -> bool,
        page_url: &str,
    ) -> Option<Batch> {
        if now_ms < self.retry_at_ms {
            return None;
        }
        let mut batch = Batch {
            alerts: Vec::new(),
            resolved: Vec::new(),
            covers: Vec::new(),
            ended: Vec::new(),
            own: Vec::new(),
        };
        // Open at the sink but gone from the page (a new stream, a reconnect): end them
        // rather than leave them firing until they lapse.
        let listed: std::collections::BTreeSet<String> = incidents
            .iter()
            .map(|(s, i)| key_text(&key_of(s, i)))
            .collect();
        for (k, d) in &self.delivered {
            if d.state != IncidentState::Open || listed.contains(k) || d.labels.is_empty() {
                continue;
            }
            let labels = d
                .labels
                .iter()
                .filter_map(|(k, v)| Some((label_key(k)?, v.clone())))
                .collect();
            let mut annotations = BTreeMap::new();
            annotations.insert(
                "summary",
                "Ended: the stream that raised it was replaced in pipescope".to_string(),
            );
            batch.alerts.push(AmAlert {
                labels,
                annotations,
                starts_at: d.starts_at.clone(),
                ends_at: Some(format_rfc3339_ms(now_ms)),
                generator_url: Some(format!("{page_url}#/incidents")),
            });
            batch.resolved.push(true);
            batch.ended.push(k.clone());
        }
        for (source, i) in incidents {
            let key = key_of(source, i);
            let seen = self.delivered(&key);
            if i.silenced.is_some() && seen.is_none() {
                // Silenced before any sink heard of it: recorded on the page only. One
                // already sent still gets its resolution, so nothing is left firing.
                continue;
            }
            let changed = seen.is_none_or(|d| d.state != i.state || d.severity != i.severity);
            let stale = i.state == IncidentState::Open
                && seen.is_some_and(|d| now_ms - d.at_ms >= RESEND_MS);
            if !(changed || stale) {
                continue;
            }
            let first_ms = seen.map_or(now_ms, |d| d.first_ms);
            let mut alert = if wall(source) {
                am_alert(i, 0)
            } else {
                // Stream time is not wall time: the alert starts when it was first sent
                // and ends when its resolution was seen.
                let mut a = am_alert(i, first_ms - i.start_ms);
                if i.state == IncidentState::Resolved {
                    a.ends_at = Some(format_rfc3339_ms(now_ms.max(first_ms)));
                }
                a
            };
            alert.labels.insert("source", source.clone());
            if let Some(g) = group(source, i) {
                alert.labels.insert("group", g);
            }
            alert.generator_url = Some(format!("{page_url}#/incidents"));
            if i.state == IncidentState::Open {
                alert.ends_at = Some(format_rfc3339_ms(now_ms + HOLD_MS));
            }
            if let Some(old) =
                seen.filter(|d| d.severity != i.severity && d.state == IncidentState::Open)
            {
                // The escalated alert has other labels: end the old one.
                let mut prev = alert.clone();
                prev.labels.insert(
                    "severity",
                    if old.severity <= 1 {
                        "critical"
                    } else {
                        "warning"
                    }
                    .into(),
                );
                prev.ends_at = Some(format_rfc3339_ms(now_ms));
                batch.alerts.push(prev);
                batch.resolved.push(true);
            }
            batch.alerts.push(alert);
            batch.own.push(batch.alerts.len() - 1);
            batch.resolved.push(i.state == IncidentState::Resolved);
            batch.covers.push((key, i.state, i.severity));
        }
        if per_group {
            batch = batch.first_group();
        }
        (!batch.alerts.is_empty()).then_some(batch)
    }

    /// The sink took the batch at wall time `now_ms`.
    pub fn succeeded(&mut self, batch: &Batch, now_ms: i64) {
        for k in &batch.ended {
            self.delivered.remove(k);
        }
        let labelled: Vec<Option<AmAlert>> = batch
            .own
            .iter()
            .map(|&k| batch.alerts.get(k).cloned())
            .collect();
        for ((key, state, severity), alert) in batch.covers.iter().zip(labelled) {
            let k = key_text(key);
            let first_ms = self.delivered.get(&k).map_or(now_ms, |d| d.first_ms);
            let (labels, starts_at) = alert.map_or_else(Default::default, |a| {
                (
                    a.labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect(),
                    a.starts_at,
                )
            });
            self.delivered.insert(
                k,
                Delivered {
                    state: *state,
                    severity: *severity,
                    at_ms: now_ms,
                    first_ms,
                    labels,
                    starts_at,
                },
            );
        }
        self.sent += batch.alerts.len() as u64;
        self.backoff.succeed();
        self.retry_at_ms = 0;
        self.last_error = None;
    }

    /// The sink refused the batch or could not be reached at wall time `now_ms`; returns
    /// the wait before the next attempt, ms.
    pub fn failed(&mut self, error: &LiveError, now_ms: i64) -> i64 {
        let wait = self.backoff.fail();
        self.retry_at_ms = now_ms + wait;
        self.last_error = Some(error.to_string());
        wait
    }

    /// Failures in a row.
    pub fn failures(&self) -> u32 {
        self.backoff.failures()
    }

    /// Forgets resolved incidents no longer listed (a new stream): a later incident with
    /// the same id is new. Open ones stay until [`Ledger::due`] has ended them.
    pub fn keep_only(&mut self, incidents: &[(String, Incident)]) {
        let live: std::collections::BTreeSet<String> = incidents
            .iter()
            .map(|(s, i)| key_text(&key_of(s, i)))
            .collect();
        self.delivered.retain(|k, d| {
            live.contains(k) || (d.state == IncidentState::Open && !d.labels.is_empty())
        });
    }
}

/// Reads a sink's answer: 2xx is taken; anything else says what the server said.
pub fn read_answer(sink: &Sink, status: u16, body: &[u8]) -> Result<(), LiveError> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(2048)]);
    // Alertmanager answers a refused alert with a JSON string or {"message": …}.
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| match v {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Object(o) => o
                .get("message")
                .or_else(|| o.get("error"))
                .and_then(|m| m.as_str().map(str::to_string)),
            _ => None,
        })
        .unwrap_or_else(|| text.split_whitespace().collect::<Vec<_>>().join(" "));
    Err(LiveError::Http {
        server: sink.url().to_string(),
        status,
        body: message.chars().take(200).collect(),
    })
}
