//! What the page tells the portal: the messages it sends, and which incident changes are
//! news (opened, changed in a way a portal shows, resolved).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};

use super::{Rejection, PROTOCOL};
use crate::core::incident::{Incident, IncidentSource, IncidentState};

/// An incident as the portal receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentInfo {
    /// Unique across workspaces: `monitor-3`.
    pub uid: String,
    /// The workspace whose detectors opened it: `monitor` or `errors`.
    pub source: &'static str,
    /// 1 (most severe) or 2.
    pub severity: u8,
    /// `open` or `resolved`.
    pub state: IncidentState,
    /// One line saying what happened.
    pub title: String,
    /// The metrics involved (for an error regression, the code).
    pub metrics: Vec<String>,
    /// The error code of a regression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The stream time of its first anomaly, ms (epoch ms for live and dated streams).
    pub start_ms: i64,
    /// When it opened, stream ms.
    pub opened_ms: i64,
    /// When it ended, stream ms; null while open.
    pub end_ms: Option<i64>,
    /// Its length so far, ms.
    pub duration_ms: i64,
    /// Metrics: largest deviation in half band widths; a regression: the peak ratio.
    pub peak_deviation: f64,
    /// Anomalous points (a regression: candidate events).
    pub anomaly_count: u64,
    /// Whether a user acknowledged it.
    pub acknowledged: bool,
}

/// The `incident` of an `incident` message: all of it, or only who it was once it went.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum IncidentNews {
    /// The incident as it stands.
    Now(IncidentInfo),
    /// An incident no longer in the books.
    Gone {
        /// Its uid.
        uid: String,
        /// `monitor` or `errors`.
        source: &'static str,
    },
}

impl IncidentNews {
    /// The incident's uid.
    pub fn uid(&self) -> &str {
        match self {
            IncidentNews::Now(i) => &i.uid,
            IncidentNews::Gone { uid, .. } => uid,
        }
    }
}

impl IncidentInfo {
    /// The portal's view of `i`.
    pub fn of(i: &Incident) -> IncidentInfo {
        let alert = crate::core::incident::export::am_alert(i, 0);
        IncidentInfo {
            uid: i.uid(),
            source: i.source.workspace(),
            severity: i.severity,
            state: i.state,
            title: alert
                .annotations
                .get("summary")
                .cloned()
                .unwrap_or_default(),
            metrics: i.metrics.clone(),
            code: match &i.source {
                IncidentSource::ErrorAlert { code, .. } => Some(code.clone()),
                IncidentSource::Rule { code, .. } => code.clone(),
                IncidentSource::Metrics | IncidentSource::Check { .. } => None,
            },
            start_ms: i.start_ms,
            opened_ms: i.opened_ms,
            end_ms: i.end_ms,
            duration_ms: i.duration_ms,
            // JSON has no NaN: a ratio that is not a number is sent as 0.
            peak_deviation: if i.peak_deviation.is_finite() {
                i.peak_deviation
            } else {
                0.0
            },
            anomaly_count: i.anomaly_count,
            acknowledged: i.acknowledged,
        }
    }
}

/// What happened to an incident, as the `change` of an `incident` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Already there when the portal subscribed.
    Existing,
    /// New.
    Opened,
    /// Its severity rose (1 is the highest).
    Escalated,
    /// It ended.
    Resolved,
    /// Gone from the books: a new stream or new settings replaced them.
    Removed,
}

/// A message the page sends the portal.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Outgoing {
    /// The page listens; `workspace` is the one shown.
    Ready {
        /// The page's version (Cargo's).
        version: String,
        /// The workspace shown.
        workspace: &'static str,
    },
    /// The status line changed.
    Status {
        /// Its text.
        text: String,
    },
    /// Another workspace is shown.
    Workspace {
        /// Its slug.
        workspace: &'static str,
    },
    /// A workspace shows an error (a file it could not read, …), or cleared it (`message`
    /// null).
    Problem {
        /// The workspace.
        workspace: &'static str,
        /// What failed and what to do, as the page shows it.
        message: Option<String>,
    },
    /// An incident opened, escalated, resolved or went.
    Incident {
        /// What happened.
        change: Change,
        /// The incident now.
        incident: IncidentNews,
    },
    /// A command was carried out (a file handed to its workspace, a source connecting).
    Accepted {
        /// The command's id.
        id: Option<Value>,
        /// The command's type.
        command: &'static str,
    },
    /// A message was refused.
    Error {
        /// The message's id, when it had one.
        id: Option<Value>,
        /// A short code (see [`EmbedError::code`]).
        code: &'static str,
        /// What was wrong and what to send instead.
        message: String,
    },
}

impl Outgoing {
    /// The refusal of `r`.
    pub fn rejection(r: &Rejection) -> Outgoing {
        Outgoing::Error {
            id: r.id.clone(),
            code: r.error.code(),
            message: r.error.to_string(),
        }
    }

    /// The message as JSON, with `pipescope` set.
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or_else(|_| json!({"type": "error"}));
        if let Value::Object(m) = &mut v {
            m.insert("pipescope".into(), json!(PROTOCOL));
        }
        v
    }
}

/// Remembers what the portal was told of each incident, so each change is told once.
#[derive(Debug, Default)]
pub struct IncidentTracker {
    // uid -> (start, severity, state) as last told.
    told: BTreeMap<String, (i64, u8, IncidentState)>,
}

impl IncidentTracker {
    /// The news in `now` (every incident of every book) since the last call, oldest change
    /// first; an incident first seen already resolved gives `opened` then `resolved`.
    pub fn changes<'a>(&mut self, now: impl IntoIterator<Item = &'a Incident>) -> Vec<Outgoing> {
        let mut out = Vec::new();
        let mut seen = BTreeMap::new();
        for i in now {
            let uid = i.uid();
            let info = || IncidentInfo::of(i);
            let key = (i.start_ms, i.severity, i.state);
            match self.told.get(&uid) {
                // Same uid but another start: a new stream numbered its incidents afresh.
                Some(&(start, severity, state)) if start == i.start_ms => {
                    if i.severity < severity {
                        out.push(incident(Change::Escalated, info()));
                    }
                    if state == IncidentState::Open && i.state == IncidentState::Resolved {
                        out.push(incident(Change::Resolved, info()));
                    }
                }
                _ => {
                    out.push(incident(Change::Opened, info()));
                    if i.state == IncidentState::Resolved {
                        out.push(incident(Change::Resolved, info()));
                    }
                }
            }
            seen.insert(uid, key);
        }
        for (uid, _) in self.told.iter().filter(|(uid, _)| !seen.contains_key(*uid)) {
            out.push(Outgoing::Incident {
                change: Change::Removed,
                incident: IncidentNews::Gone {
                    uid: uid.clone(),
                    source: if uid.starts_with("errors-") {
                        "errors"
                    } else {
                        "monitor"
                    },
                },
            });
        }
        self.told = seen;
        out
    }
}

fn incident(change: Change, incident: IncidentInfo) -> Outgoing {
    Outgoing::Incident {
        change,
        incident: IncidentNews::Now(incident),
    }
}

/// Every incident in `now` as `existing`, for a portal that just subscribed.
pub fn snapshot<'a>(now: impl IntoIterator<Item = &'a Incident>) -> Vec<Outgoing> {
    now.into_iter()
        .map(|i| incident(Change::Existing, IncidentInfo::of(i)))
        .collect()
}
