//! The Prometheus HTTP API as a live source: `query_range` requests that backfill the
//! detectors' history and then poll each step for new samples, and the answers read into
//! events of stable series.
//!
//! - Evaluation times are whole multiples of the step (Prometheus' own advice: aligned
//!   ranges give the same samples on every poll), and a poll stops a little short of now
//!   (the lag: one step, at most 2 s) so the latest scrape has landed.
//! - A request asks for at most [`MAX_POINTS`] points per series (Prometheus refuses more
//!   than 11,000); longer ranges are split.
//! - After an outage the next poll catches up from the last sample seen, but never further
//!   back than the history asked for.
//! - Each series is named as Prometheus prints it (`up{instance="a:9100", job="node"}`, see
//!   [`crate::core::source`]) and keeps its id for the life of the stream, so a series that
//!   disappears and comes back is the same metric; a sample at or before the last one seen
//!   of its series is dropped (overlapping polls, a repeated backfill).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::error::LiveError;
use crate::core::event::{Event, MetricEvent};
use crate::core::source::{read_prometheus_json, Note, SourceError};
use crate::core::time::range::{RangeError, TimeBound, TimeRange};

/// Points per series one request asks for at most (Prometheus' limit is 11,000).
pub const MAX_POINTS: i64 = 10_000;
/// Most queries one source polls.
pub const MAX_QUERIES: usize = 20;
/// Longest history a source backfills, ms (30 days).
pub const MAX_HISTORY_MS: i64 = 30 * 86_400_000;
/// Shortest and longest step, ms.
pub const STEP_RANGE_MS: (i64, i64) = (100, 86_400_000);
/// Time allowed for one request, ms, before it counts as failed.
pub const TIMEOUT_MS: i64 = 30_000;

/// A Prometheus server and the queries to watch, validated by [`PromSourceBuilder`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromSource {
    base: String,
    queries: Vec<String>,
    step_ms: i64,
    history_ms: i64,
    /// A range from a link or the form: it replaces `history_ms`, and a fixed end makes
    /// the source a replay of that range (backfilled, never polled).
    #[serde(default)]
    range: Option<TimeRange>,
}

/// Builds a [`PromSource`], refusing settings a server would refuse or that make no sense.
#[derive(Debug, Clone, Default)]
pub struct PromSourceBuilder {
    base: String,
    queries: Vec<String>,
    step_ms: Option<i64>,
    history_ms: Option<i64>,
    range: Option<TimeRange>,
}

impl PromSourceBuilder {
    /// The server's base URL: absolute (`http://host:9090`, `https://…/prometheus`) or a
    /// path on the page's own origin (`/prometheus`, `./prom`), the part before `/api/v1`.
    pub fn base(mut self, base: &str) -> Self {
        self.base = base.trim().to_string();
        self
    }

    /// Adds PromQL queries, one per non-empty line.
    pub fn queries(mut self, text: &str) -> Self {
        self.queries.extend(
            text.lines()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(str::to_string),
        );
        self
    }

    /// Step between evaluations, ms (default 15 s, Prometheus' default scrape interval).
    pub fn step_ms(mut self, ms: i64) -> Self {
        self.step_ms = Some(ms);
        self
    }

    /// History to backfill before judging live points, ms (default one hour).
    pub fn history_ms(mut self, ms: i64) -> Self {
        self.history_ms = Some(ms);
        self
    }

    /// The time range to fetch instead of the last `history_ms` (see [`TimeRange`]).
    pub fn range(mut self, range: Option<TimeRange>) -> Self {
        self.range = range;
        self
    }

    /// The source, or the first setting out of range.
    ///
    /// ```
    /// use pipescope::core::live::PromSourceBuilder;
    /// let src = PromSourceBuilder::default()
    ///     .base("http://localhost:9090/")
    ///     .queries("up\nrate(http_requests_total[5m])")
    ///     .step_ms(15_000)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(src.base(), "http://localhost:9090");
    /// assert_eq!(src.queries().len(), 2);
    /// assert!(PromSourceBuilder::default().base("localhost:9090").queries("up").build().is_err());
    /// ```
    pub fn build(self) -> Result<PromSource, LiveError> {
        let setting = |field, message: String| LiveError::Setting { field, message };
        let base = self.base.trim_end_matches('/').to_string();
        let lower = base.to_ascii_lowercase();
        let absolute = ["http://", "https://"]
            .iter()
            .any(|p| lower.starts_with(p) && lower.len() > p.len());
        let path = base.starts_with('/') || base.starts_with("./") || base.is_empty();
        if self.base.trim().is_empty() {
            return Err(setting(
                "Server",
                "give the Prometheus address, e.g. http://localhost:9090 or a path on this \
                 page's server such as /prometheus"
                    .into(),
            ));
        }
        if !(absolute || path) {
            return Err(setting(
                "Server",
                format!(
                    "'{}' is neither an http(s):// address nor a path starting with /; \
                     write it as http://{}",
                    crate::core::text::clip(&base),
                    crate::core::text::clip(&base)
                ),
            ));
        }
        if base.contains(['?', '#']) {
            return Err(setting(
                "Server",
                "give the base address only, without ?query or #fragment (the part before \
                 /api/v1)"
                    .into(),
            ));
        }
        if self.queries.is_empty() {
            return Err(setting(
                "Queries",
                "give at least one PromQL query, one per line (e.g. up)".into(),
            ));
        }
        if self.queries.len() > MAX_QUERIES {
            return Err(setting(
                "Queries",
                format!(
                    "{} queries; watch at most {MAX_QUERIES} at once",
                    self.queries.len()
                ),
            ));
        }
        let step_ms = self.step_ms.unwrap_or(15_000);
        if !(STEP_RANGE_MS.0..=STEP_RANGE_MS.1).contains(&step_ms) {
            return Err(setting(
                "Step",
                format!(
                    "{} s is outside 0.1 s to 1 day; use the scrape interval of the series, \
                     e.g. 15",
                    step_ms as f64 / 1000.0
                ),
            ));
        }
        let history_ms = self.history_ms.unwrap_or(3_600_000);
        if !(0..=MAX_HISTORY_MS).contains(&history_ms) {
            return Err(setting(
                "History",
                format!(
                    "{} minutes is outside 0 to 30 days",
                    history_ms as f64 / 60_000.0
                ),
            ));
        }
        if let Some(r) = &self.range {
            // A span known without a clock (both ends fixed, or both relative) is checked
            // now; a mixed one is cut to the longest history when it is fetched.
            let span = match (r.from, r.to) {
                (TimeBound::At { ms: a }, TimeBound::At { ms: b }) => Some(b - a),
                (TimeBound::Ago { ago_ms: a }, TimeBound::Ago { ago_ms: b }) => Some(a - b),
                _ => None,
            };
            if span.is_some_and(|s| s > MAX_HISTORY_MS) {
                return Err(setting(
                    "Time range",
                    "longer than 30 days; fetch a shorter range (Prometheus would refuse \
                     it anyway at this step)"
                        .into(),
                ));
            }
        }
        Ok(PromSource {
            base,
            queries: self.queries,
            step_ms,
            history_ms,
            range: self.range,
        })
    }
}

/// One `query_range` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeRequest {
    /// Which of the source's queries.
    pub query: usize,
    /// First evaluation time, ms.
    pub start_ms: i64,
    /// Last evaluation time, ms.
    pub end_ms: i64,
}

impl PromSource {
    /// A builder.
    pub fn builder() -> PromSourceBuilder {
        PromSourceBuilder::default()
    }

    /// The base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The PromQL queries.
    pub fn queries(&self) -> &[String] {
        &self.queries
    }

    /// Step between evaluations, ms.
    pub fn step_ms(&self) -> i64 {
        self.step_ms
    }

    /// History backfilled before the first live point, ms.
    pub fn history_ms(&self) -> i64 {
        self.history_ms
    }

    /// The source as a link's query parameters: `prom` (the server), `query` (once per
    /// query), `step` (seconds), and `history` (minutes) or the time range `from` and `to`
    /// (see [`TimeRange`]; `to` left out when it is now), as [`PromSource::from_query`]
    /// reads them.
    ///
    /// ```
    /// use pipescope::core::live::PromSource;
    /// let src = PromSource::builder().base("/prom").queries("up\nrate(x[5m])").build().unwrap();
    /// let q = src.to_query();
    /// assert_eq!(q, "prom=%2Fprom&query=up&query=rate%28x%5B5m%5D%29&step=15&history=60");
    /// assert_eq!(PromSource::from_query(&q).unwrap().unwrap(), src);
    /// assert!(PromSource::from_query("other=1").is_none());
    /// let past = PromSource::from_query("prom=/p&query=up&from=2026-12-01T00:00:00Z&to=2026-12-01T06:00:00Z").unwrap().unwrap();
    /// assert!(past.is_replay());
    /// assert_eq!(past.to_query(), "prom=%2Fp&query=up&step=15&from=2026-12-01T00%3A00%3A00Z&to=2026-12-01T06%3A00%3A00Z");
    /// ```
    pub fn to_query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("prom", &self.base);
        for query in &self.queries {
            q.append_pair("query", query);
        }
        q.append_pair("step", &seconds(self.step_ms));
        match &self.range {
            Some(r) => {
                q.append_pair("from", &r.from.text());
                if !r.follows_now() {
                    q.append_pair("to", &r.to.text());
                }
            }
            None => {
                q.append_pair("history", &format!("{}", self.history_ms as f64 / 60_000.0));
            }
        }
        q.finish()
    }

    /// Reads a source from a link's query parameters (see [`PromSource::to_query`]); None
    /// when they name no server, else the source or the first setting out of range.
    pub fn from_query(query: &str) -> Option<Result<PromSource, LiveError>> {
        let mut b = PromSource::builder();
        let mut any = false;
        let (mut from, mut to) = (None, None);
        let number = |field: &'static str, v: &str, unit: f64| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(|x| (x * unit).round() as i64)
                .ok_or_else(|| LiveError::Setting {
                    field,
                    message: format!("'{}' is not a number", crate::core::text::clip(v)),
                })
        };
        for (k, v) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            match k.as_ref() {
                "prom" => {
                    any = true;
                    b = b.base(&v);
                }
                "query" => b = b.queries(&v),
                "step" => match number("Step", &v, 1000.0) {
                    Ok(ms) => b = b.step_ms(ms),
                    Err(e) => return Some(Err(e)),
                },
                "history" => match number("History", &v, 60_000.0) {
                    Ok(ms) => b = b.history_ms(ms),
                    Err(e) => return Some(Err(e)),
                },
                "from" => from = Some(v.into_owned()),
                "to" => to = Some(v.into_owned()),
                _ => {}
            }
        }
        if !any {
            return None;
        }
        Some(
            TimeRange::parse(from.as_deref(), to.as_deref())
                .map_err(range_setting)
                .and_then(|range| b.range(range).build()),
        )
    }

    /// Whether the server is on the page's own origin (a path, not an address).
    pub fn same_origin(&self) -> bool {
        !self.base.to_ascii_lowercase().starts_with("http")
    }

    /// How far behind now a poll stops, so the latest scrape has landed: one step, at
    /// most 2 s.
    pub fn lag_ms(&self) -> i64 {
        self.step_ms.min(2_000)
    }

    /// How often to poll, ms: each step, but not more than once a second.
    pub fn poll_every_ms(&self) -> i64 {
        self.step_ms.max(1_000)
    }

    fn align_down(&self, t_ms: i64) -> i64 {
        t_ms.div_euclid(self.step_ms) * self.step_ms
    }

    /// The time range fetched instead of the last [`PromSource::history_ms`], if any.
    pub fn time_range(&self) -> Option<&TimeRange> {
        self.range.as_ref()
    }

    /// Whether the source replays a past range (its time range has a fixed end): it is
    /// backfilled and then not polled.
    pub fn is_replay(&self) -> bool {
        self.range.is_some_and(|r| !r.follows_now())
    }

    /// The history fetched first, ms, with now at `now_ms`: the time range's span (never
    /// beyond now, at most 30 days), else [`PromSource::history_ms`].
    pub fn span_ms(&self, now_ms: i64) -> i64 {
        match &self.range {
            Some(r) => {
                let (start, end) = r.resolve(now_ms);
                (end.min(now_ms) - start).clamp(0, MAX_HISTORY_MS)
            }
            None => self.history_ms,
        }
    }

    /// The requests that backfill the history before `now_ms` (or the time range, cut
    /// at now), oldest first.
    pub fn backfill(&self, now_ms: i64) -> Vec<RangeRequest> {
        let live_end = now_ms - self.lag_ms();
        let end = match &self.range {
            Some(r) => self.align_down(r.to.resolve(now_ms).min(live_end)),
            None => self.align_down(live_end),
        };
        let start = self.align_down(end - self.span_ms(now_ms));
        if start > end {
            return Vec::new();
        }
        self.split(start, end)
    }

    /// The requests for the samples after `after_ms` (the newest one seen) up to `now_ms`,
    /// oldest first; none when no new evaluation time has come. A long outage is caught
    /// up to the history length at most.
    pub fn poll(&self, after_ms: i64, now_ms: i64) -> Vec<RangeRequest> {
        if self.is_replay() {
            return Vec::new();
        }
        let end = self.align_down(now_ms - self.lag_ms());
        let from = after_ms.max(end - self.span_ms(now_ms));
        let start = self.align_down(from) + self.step_ms;
        if start > end {
            return Vec::new();
        }
        self.split(start, end)
    }

    fn split(&self, start: i64, end: i64) -> Vec<RangeRequest> {
        let span = (MAX_POINTS - 1) * self.step_ms;
        let mut out = Vec::new();
        let mut a = start;
        while a <= end {
            let b = a.saturating_add(span).min(end);
            for q in 0..self.queries.len() {
                out.push(RangeRequest {
                    query: q,
                    start_ms: a,
                    end_ms: b,
                });
            }
            a = b + self.step_ms;
        }
        out
    }

    /// The URL of a request: `BASE/api/v1/query_range?query=…&start=…&end=…&step=…`.
    ///
    /// ```
    /// use pipescope::core::live::{PromSource, RangeRequest};
    /// let src = PromSource::builder().base("/prom").queries("up{job=\"a b\"}").step_ms(1_500).build().unwrap();
    /// let url = src.url(&RangeRequest { query: 0, start_ms: 1_500, end_ms: 3_000 });
    /// assert_eq!(url, "/prom/api/v1/query_range?query=up%7Bjob%3D%22a+b%22%7D&start=1.5&end=3&step=1.5");
    /// ```
    pub fn url(&self, r: &RangeRequest) -> String {
        let query = self.queries.get(r.query).map_or("", String::as_str);
        let q = form_urlencoded::Serializer::new(String::new())
            .append_pair("query", query)
            .append_pair("start", &seconds(r.start_ms))
            .append_pair("end", &seconds(r.end_ms))
            .append_pair("step", &seconds(self.step_ms))
            .finish();
        format!("{}/api/v1/query_range?{q}", self.base)
    }

    /// Reads one answer (HTTP status and body) to a request: the samples by series name,
    /// and the server's warnings; or what went wrong. An empty result is no samples, not
    /// an error (nothing new since the last poll, or a series that went away).
    pub fn read(&self, status: u16, body: &[u8]) -> Result<Answer, LiveError> {
        let server = self.base.clone();
        match read_prometheus_json(body) {
            Ok(table) => {
                if !(200..300).contains(&status) {
                    return Err(LiveError::http(server, status, String::new()));
                }
                let series = table
                    .names
                    .iter()
                    .zip(&table.columns)
                    .map(|(name, column)| {
                        let samples = table
                            .times_ms
                            .iter()
                            .zip(column)
                            .filter(|(_, v)| !v.is_nan())
                            .map(|(&t, &v)| (t, v))
                            .collect();
                        (name.clone(), samples)
                    })
                    .collect();
                Ok(Answer {
                    series,
                    notes: table.notes,
                })
            }
            Err(SourceError::NoSamples { .. }) if (200..300).contains(&status) => Ok(Answer {
                series: Vec::new(),
                notes: Vec::new(),
            }),
            Err(e @ SourceError::Prometheus { .. }) => {
                Err(LiveError::Response { server, error: e })
            }
            Err(_) if !(200..300).contains(&status) => {
                Err(LiveError::http(server, status, first_line(body)))
            }
            Err(error) => Err(LiveError::Response { server, error }),
        }
    }
}

/// A link's time range that does not read, as a setting of the source.
fn range_setting(e: RangeError) -> LiveError {
    LiveError::Setting {
        field: "Time range",
        message: e.to_string(),
    }
}

/// Epoch seconds with up to millisecond decimals, as the API takes them.
fn seconds(ms: i64) -> String {
    let (s, frac) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    if frac == 0 {
        s.to_string()
    } else {
        format!("{s}.{frac:03}").trim_end_matches('0').to_string()
    }
}

/// The first line of a body that is not a Prometheus answer (a proxy's error page, say),
/// markup stripped so the message reads as text.
fn first_line(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                plain.push(' ');
            }
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    plain
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect()
}

/// One answer's samples, by series name, and the server's warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// (name, samples (ms, value) in time order) per series.
    pub series: Vec<(String, Vec<(i64, f64)>)>,
    /// Warnings and what the reader fixed.
    pub notes: Vec<Note>,
}

/// The series of a live stream: a stable id per name and the newest sample taken of each.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesBook {
    names: Vec<String>,
    last_ms: Vec<i64>,
    #[serde(skip)]
    ids: HashMap<String, u32>,
}

impl SeriesBook {
    /// A book already holding these series (a stream resumed from its journal), with the
    /// newest sample time of each.
    pub fn with_series(names: Vec<String>, last_ms: Vec<i64>) -> Self {
        let mut last_ms = last_ms;
        last_ms.resize(names.len(), i64::MIN);
        let ids = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as u32))
            .collect();
        SeriesBook {
            names,
            last_ms,
            ids,
        }
    }

    /// Series names, by id.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Newest sample time over every series (None before any sample).
    pub fn newest_ms(&self) -> Option<i64> {
        self.last_ms.iter().copied().filter(|&t| t > i64::MIN).max()
    }

    /// Takes the answers' new samples as events in time order (series order within a
    /// time), registering series not seen before; returns the events and the ids of the
    /// new series.
    pub fn take(&mut self, answers: &[Answer]) -> (Vec<Event>, Vec<u32>) {
        if self.ids.len() != self.names.len() {
            self.ids = self
                .names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), i as u32))
                .collect();
        }
        let mut fresh = Vec::new();
        let mut events = Vec::new();
        let mut newest: Vec<(u32, i64)> = Vec::new();
        for answer in answers {
            for (name, samples) in &answer.series {
                let id = match self.ids.get(name) {
                    Some(&id) => id,
                    None => {
                        let id = self.names.len() as u32;
                        self.names.push(name.clone());
                        self.last_ms.push(i64::MIN);
                        self.ids.insert(name.clone(), id);
                        fresh.push(id);
                        id
                    }
                };
                let after = self.last_ms[id as usize];
                let mut top = after;
                for &(t_ms, value) in samples.iter().filter(|s| s.0 > after) {
                    events.push(Event::Metric(MetricEvent {
                        t_ms,
                        series: id,
                        value,
                    }));
                    top = top.max(t_ms);
                }
                newest.push((id, top));
            }
        }
        for (id, top) in newest {
            let last = &mut self.last_ms[id as usize];
            *last = (*last).max(top);
        }
        events.sort_by_key(|e| match e {
            Event::Metric(m) => (m.t_ms, m.series),
            Event::Error(_) => (i64::MAX, u32::MAX),
        });
        // Two answers (two chunks, or two queries naming one series) may hold one sample.
        events.dedup_by_key(|e| match e {
            Event::Metric(m) => (m.t_ms, m.series),
            Event::Error(_) => (i64::MAX, u32::MAX),
        });
        (events, fresh)
    }
}

#[cfg(test)]
mod tests;
