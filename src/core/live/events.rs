//! A live error-event feed: NDJSON lines (`{"ts": …, "build": …, "code": …}`) polled from a
//! URL or pushed as Server-Sent Events, for the Errors workspace.
//!
//! The page asks `GET <url>` once, then `GET <url>?since=<ms>` every poll, where `<ms>` is
//! the time of the newest event received (the same milliseconds the events carry: epoch
//! ms, or ms since `0:00:00` for clock times). The server answers the events at or after
//! `since`, one JSON object a line. Events at exactly `since` come again by that rule, so
//! the reader drops those it already holds (per build and code at that millisecond), and
//! anything older than `since` (a server that ignores the parameter, or a straggler) is
//! skipped and counted, never applied twice. A line that does not read is reported with its
//! line number and field, counted, and the rest of the answer still goes in.
//!
//! A Server-Sent Events feed is asked the same way (`URL?since=<ms>`) and each message's
//! data is read as more NDJSON of one connection ([`FeedReader::begin`],
//! [`FeedReader::read_more`]): the `since` rule applies from the connection's start, and
//! events pushed a little out of order on an open stream are still new.
//!
//! Builds and codes get ids in order of first appearance, as an error file's catalog does.

use std::fmt;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::LiveError;
use crate::core::event::ErrorEvent;
use crate::core::text::clip;
use crate::core::time::{parse_timestamp_ms, TimeFormat};

/// Shortest and longest poll interval, ms.
pub const POLL_MS_RANGE: (i64, i64) = (200, 600_000);
/// A line longer than this is refused (one event is a few dozen bytes).
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Longest build name or code label kept.
pub const MAX_NAME_CHARS: usize = 200;
/// Line problems a batch keeps for display (all are counted).
pub const MAX_PROBLEMS: usize = 20;

/// How the feed delivers its events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeedKind {
    /// NDJSON answers to `GET url?since=<ms>`, polled.
    #[default]
    Ndjson,
    /// Server-Sent Events from `GET url?since=<ms>`: each message's `data` holds one or
    /// more NDJSON lines; the connection stays open and the server pushes.
    Sse,
}

impl FeedKind {
    /// `ndjson` or `sse`.
    pub fn name(self) -> &'static str {
        match self {
            FeedKind::Ndjson => "ndjson",
            FeedKind::Sse => "sse",
        }
    }

    /// Reads [`FeedKind::name`].
    pub fn parse(s: &str) -> Option<FeedKind> {
        match s {
            "ndjson" => Some(FeedKind::Ndjson),
            "sse" => Some(FeedKind::Sse),
            _ => None,
        }
    }
}

/// Where a live error feed is, how it delivers, and how often to poll it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventFeed {
    url: String,
    poll_ms: i64,
    #[serde(default)]
    kind: FeedKind,
}

impl EventFeed {
    /// A feed at `url` (an http(s) address, or a path on the page's origin) polled every
    /// `poll_ms`; a refused setting says which and why.
    ///
    /// ```
    /// use pipescope::core::live::events::EventFeed;
    /// let f = EventFeed::new("/events.ndjson", 2_000).unwrap();
    /// assert_eq!(f.poll_url(None), "/events.ndjson");
    /// assert_eq!(f.poll_url(Some(1_500)), "/events.ndjson?since=1500");
    /// assert!(EventFeed::new("javascript:alert(1)", 2_000).is_err());
    /// ```
    pub fn new(url: &str, poll_ms: i64) -> Result<EventFeed, LiveError> {
        let url = url.trim();
        let setting = |field, message: String| LiveError::Setting { field, message };
        if url.is_empty() {
            return Err(setting(
                "URL",
                "give the feed's address, e.g. https://ci.example.com/errors.ndjson or a path \
                 on this page's server such as /errors/feed"
                    .into(),
            ));
        }
        let lower = url.to_ascii_lowercase();
        let absolute = ["http://", "https://"].iter().any(|p| lower.starts_with(p));
        let path = url.starts_with('/') || url.starts_with("./") || url.starts_with("../");
        if !absolute && !path {
            return Err(setting(
                "URL",
                format!(
                    "'{}' is neither an http(s):// address nor a path starting with / or ./",
                    clip(url)
                ),
            ));
        }
        if url.contains('#') || url.chars().any(char::is_whitespace) {
            return Err(setting(
                "URL",
                "the address may not hold '#' or spaces".into(),
            ));
        }
        let (lo, hi) = POLL_MS_RANGE;
        if !(lo..=hi).contains(&poll_ms) {
            return Err(setting(
                "Poll every",
                format!(
                    "must be from {} to {} seconds, got {}",
                    lo as f64 / 1000.0,
                    hi / 1000,
                    poll_ms as f64 / 1000.0
                ),
            ));
        }
        Ok(EventFeed {
            url: url.to_string(),
            poll_ms,
            kind: FeedKind::Ndjson,
        })
    }

    /// The same feed delivered as `kind`.
    pub fn with_kind(mut self, kind: FeedKind) -> EventFeed {
        self.kind = kind;
        self
    }

    /// How the feed delivers.
    pub fn kind(&self) -> FeedKind {
        self.kind
    }

    /// The feed's address as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Wait between polls, ms.
    pub fn poll_ms(&self) -> i64 {
        self.poll_ms
    }

    /// Whether the feed is on the page's own origin (a path), which the default
    /// Content-Security-Policy allows.
    pub fn same_origin(&self) -> bool {
        !self.url.to_ascii_lowercase().starts_with("http")
    }

    /// The request for events at or after `since` ms (None: everything the server has).
    pub fn poll_url(&self, since: Option<i64>) -> String {
        match since {
            None => self.url.clone(),
            Some(ms) => {
                let sep = if self.url.contains('?') { '&' } else { '?' };
                format!("{}{sep}since={ms}", self.url)
            }
        }
    }
}

/// Why one line of a feed's answer was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    /// Not JSON.
    NotJson {
        /// 1-based line in the answer.
        line: u64,
        /// The JSON reader's complaint.
        message: String,
    },
    /// JSON, but not an object.
    NotObject {
        /// 1-based line in the answer.
        line: u64,
    },
    /// A field the event needs is absent or null.
    Missing {
        /// 1-based line in the answer.
        line: u64,
        /// The field.
        field: &'static str,
    },
    /// A field is there but does not read.
    Field {
        /// 1-based line in the answer.
        line: u64,
        /// The field.
        field: &'static str,
        /// What is wrong, in words.
        message: String,
    },
    /// The line is longer than [`MAX_LINE_BYTES`].
    TooLong {
        /// 1-based line in the answer.
        line: u64,
        /// Its length in bytes.
        bytes: usize,
    },
    /// The line is not UTF-8 text.
    NotText {
        /// 1-based line in the answer.
        line: u64,
    },
}

impl LineError {
    /// The 1-based line in the answer.
    pub fn line(&self) -> u64 {
        match self {
            LineError::NotJson { line, .. }
            | LineError::NotObject { line }
            | LineError::Missing { line, .. }
            | LineError::Field { line, .. }
            | LineError::TooLong { line, .. }
            | LineError::NotText { line } => *line,
        }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::NotJson { line, message } => write!(
                f,
                "line {line}: not a JSON object ({}); each line is one event like \
                 {{\"ts\":\"2026-12-06T10:00:00Z\",\"build\":\"5.1\",\"code\":\"E42\"}}",
                clip(message)
            ),
            LineError::NotObject { line } => write!(
                f,
                "line {line}: a JSON value that is not an object; each line is one event \
                 object with ts, build and code"
            ),
            LineError::Missing { line, field } => {
                write!(f, "line {line}: field `{field}` is missing")
            }
            LineError::Field {
                line,
                field,
                message,
            } => write!(f, "line {line}: field `{field}`: {message}"),
            LineError::TooLong { line, bytes } => write!(
                f,
                "line {line}: {bytes} bytes, longer than the {MAX_LINE_BYTES} a line may hold"
            ),
            LineError::NotText { line } => write!(f, "line {line}: not UTF-8 text"),
        }
    }
}

impl std::error::Error for LineError {}

/// One event as a line gives it: its time and the names of its build and code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineEvent {
    /// Time, ms (epoch, or since `0:00:00` for clock times).
    pub t_ms: i64,
    /// Build name.
    pub build: String,
    /// Code label.
    pub code: String,
}

/// Reads one line (1-based `line` in its answer); Ok(None) for a blank line. The time is
/// `ts` (or `timestamp`, `time`): an RFC 3339 / ISO 8601 or `H:MM:SS` string, or an epoch
/// number in seconds or milliseconds (told by size, as a file's column is). `build` and
/// `code` are strings or numbers. Other fields are ignored.
///
/// ```
/// use pipescope::core::live::events::parse_line;
/// let e = parse_line(1, r#"{"ts":"1970-01-01T00:00:02Z","build":"5.1","code":404}"#).unwrap().unwrap();
/// assert_eq!((e.t_ms, e.build.as_str(), e.code.as_str()), (2_000, "5.1", "404"));
/// let err = parse_line(12, r#"{"ts":1764000000,"code":"E1"}"#).unwrap_err();
/// assert_eq!(err.to_string(), "line 12: field `build` is missing");
/// ```
pub fn parse_line(line: u64, text: &str) -> Result<Option<LineEvent>, LineError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > MAX_LINE_BYTES {
        return Err(LineError::TooLong {
            line,
            bytes: text.len(),
        });
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| LineError::NotJson {
        line,
        message: e.to_string(),
    })?;
    let serde_json::Value::Object(map) = value else {
        return Err(LineError::NotObject { line });
    };
    let get = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| map.get(*n).filter(|v| !v.is_null()))
    };
    let ts = get(&["ts", "timestamp", "time"]).ok_or(LineError::Missing { line, field: "ts" })?;
    let t_ms = time_of(ts).map_err(|message| LineError::Field {
        line,
        field: "ts",
        message,
    })?;
    let name = |field: &'static str| -> Result<String, LineError> {
        let v = get(&[field]).ok_or(LineError::Missing { line, field })?;
        let s = match v {
            serde_json::Value::String(s) => s.trim().to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => {
                return Err(LineError::Field {
                    line,
                    field,
                    message: "must be a string or a number".into(),
                })
            }
        };
        if s.is_empty() {
            return Err(LineError::Field {
                line,
                field,
                message: "is empty".into(),
            });
        }
        if s.chars().count() > MAX_NAME_CHARS {
            return Err(LineError::Field {
                line,
                field,
                message: format!("longer than {MAX_NAME_CHARS} characters"),
            });
        }
        Ok(s)
    };
    Ok(Some(LineEvent {
        t_ms,
        build: name("build")?,
        code: name("code")?,
    }))
}

/// A JSON time value in ms, or what is wrong with it.
fn time_of(v: &serde_json::Value) -> Result<i64, String> {
    match v {
        serde_json::Value::String(s) => parse_timestamp_ms(s).map_err(|e| {
            format!(
                "'{}': {e}; use RFC 3339 like 2026-12-06T10:00:00Z, or epoch seconds or ms",
                clip(s)
            )
        }),
        serde_json::Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            TimeFormat::epoch_unit(x)
                .epoch_ms(x)
                .filter(|_| {
                    matches!(
                        TimeFormat::epoch_unit(x),
                        TimeFormat::EpochSeconds | TimeFormat::EpochMillis
                    )
                })
                .ok_or_else(|| format!("{n} is not epoch seconds or milliseconds"))
        }
        _ => Err("must be a time string or an epoch number".into()),
    }
}

/// Where the feed has got to: the newest event time taken, and how many events of each
/// build and code were taken at exactly that millisecond (the next answer repeats them).
/// A fold over the events taken, so a journal replay rebuilds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedCursor {
    newest_ms: Option<i64>,
    /// (build, code, count) at `newest_ms`.
    at_newest: Vec<(u32, u32, u32)>,
}

impl FeedCursor {
    /// Takes one event (in time order; an older one leaves the cursor as it is).
    pub fn observe(&mut self, e: &ErrorEvent) {
        match self.newest_ms {
            Some(n) if e.t_ms < n => return,
            Some(n) if e.t_ms == n => {}
            _ => {
                self.newest_ms = Some(e.t_ms);
                self.at_newest.clear();
            }
        }
        match self
            .at_newest
            .iter_mut()
            .find(|(b, c, _)| (*b, *c) == (e.build, e.code))
        {
            Some(slot) => slot.2 = slot.2.saturating_add(1),
            None => self.at_newest.push((e.build, e.code, 1)),
        }
    }

    /// The `since` of the next poll: the newest event time taken.
    pub fn since(&self) -> Option<i64> {
        self.newest_ms
    }
}

/// What one answer brought.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    /// New events, in time order.
    pub events: Vec<ErrorEvent>,
    /// Builds first seen in this answer: (id, name).
    pub new_builds: Vec<(u32, String)>,
    /// Codes first seen in this answer: (id, label).
    pub new_codes: Vec<(u32, String)>,
    /// Lines that did not read, counted.
    pub malformed: usize,
    /// The first [`MAX_PROBLEMS`] of them.
    pub problems: Vec<LineError>,
    /// Events already taken (at the `since` millisecond), dropped.
    pub repeated: usize,
    /// Events older than `since`, skipped.
    pub older: usize,
    /// Events in the answer out of time order (sorted into place).
    pub reordered: usize,
}

/// Reads a feed's answers into new events with stable build and code ids.
#[derive(Debug, Clone, Default)]
pub struct FeedReader {
    builds: Vec<String>,
    codes: Vec<String>,
    build_ids: FxHashMap<String, u32>,
    code_ids: FxHashMap<String, u32>,
    cursor: FeedCursor,
    /// The cursor as the current answer or connection began: what it may send again.
    start: FeedCursor,
}

impl FeedReader {
    /// A reader that resumes with this catalog (ids are positions) and cursor.
    pub fn resume(builds: Vec<String>, codes: Vec<String>, cursor: FeedCursor) -> FeedReader {
        let index = |v: &[String]| {
            v.iter()
                .enumerate()
                .map(|(i, s)| (s.clone(), i as u32))
                .collect()
        };
        FeedReader {
            build_ids: index(&builds),
            code_ids: index(&codes),
            builds,
            codes,
            start: cursor.clone(),
            cursor,
        }
    }

    /// Build names by id.
    pub fn builds(&self) -> &[String] {
        &self.builds
    }

    /// Code labels by id.
    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    /// Where the feed has got to.
    pub fn cursor(&self) -> &FeedCursor {
        &self.cursor
    }

    /// Reads one NDJSON answer (to a poll made with the current cursor's `since`): the new
    /// events in time order, with the lines that did not read.
    ///
    /// ```
    /// use pipescope::core::live::events::FeedReader;
    /// let mut r = FeedReader::default();
    /// let b = r.read_ndjson(b"{\"ts\":1,\"build\":\"a\",\"code\":\"E\"}\nnot json\n");
    /// assert_eq!((b.events.len(), b.malformed), (1, 1));
    /// assert!(b.problems[0].to_string().starts_with("line 2: not a JSON object"));
    /// // The next answer repeats the event at since=1000: it is not taken twice.
    /// let b = r.read_ndjson(b"{\"ts\":1,\"build\":\"a\",\"code\":\"E\"}\n{\"ts\":2,\"build\":\"b\",\"code\":\"E\"}");
    /// assert_eq!((b.events.len(), b.repeated, b.new_builds.len()), (1, 1, 1));
    /// ```
    pub fn read_ndjson(&mut self, body: &[u8]) -> Batch {
        self.begin();
        self.read_more(body)
    }

    /// A new answer or connection begins, asked with the cursor's `since`: until the next
    /// `begin`, events older than that `since` are skipped and those at it are matched
    /// against the ones already taken there.
    pub fn begin(&mut self) {
        self.start = self.cursor.clone();
    }

    /// Reads more NDJSON of the answer or connection begun last (an event stream's next
    /// message). Events older than the newest taken but not older than the `since` asked
    /// with are new (a stream may push a little out of order); line numbers count from
    /// the start of `body`.
    ///
    /// ```
    /// use pipescope::core::live::events::FeedReader;
    /// let mut r = FeedReader::default();
    /// r.begin();
    /// r.read_more(b"{\"ts\":2,\"build\":\"a\",\"code\":\"E\"}");
    /// // Pushed late on the same connection: still new.
    /// assert_eq!(r.read_more(b"{\"ts\":1,\"build\":\"a\",\"code\":\"E\"}").events.len(), 1);
    /// // A new connection with since=2000 skips what is older and what it already has.
    /// r.begin();
    /// let b = r.read_more(b"{\"ts\":1,\"build\":\"a\",\"code\":\"E\"}\n{\"ts\":2,\"build\":\"a\",\"code\":\"E\"}");
    /// assert_eq!((b.events.len(), b.older, b.repeated), (0, 1, 1));
    /// ```
    pub fn read_more(&mut self, body: &[u8]) -> Batch {
        let mut batch = Batch::default();
        let mut taken: Vec<(i64, u32, u32)> = Vec::new();
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        for (i, raw) in body.split(|&b| b == b'\n').enumerate() {
            let line = i as u64 + 1;
            let parsed = match std::str::from_utf8(raw) {
                Ok(text) => parse_line(line, text),
                Err(_) => Err(LineError::NotText { line }),
            };
            match parsed {
                Ok(Some(e)) => {
                    let build = intern(
                        &mut self.builds,
                        &mut self.build_ids,
                        e.build,
                        &mut batch.new_builds,
                    );
                    let code = intern(
                        &mut self.codes,
                        &mut self.code_ids,
                        e.code,
                        &mut batch.new_codes,
                    );
                    taken.push((e.t_ms, build, code));
                }
                Ok(None) => {}
                Err(p) => {
                    batch.malformed += 1;
                    if batch.problems.len() < MAX_PROBLEMS {
                        batch.problems.push(p);
                    }
                }
            }
        }
        batch.reordered = taken.windows(2).filter(|w| w[1].0 < w[0].0).count();
        taken.sort_by_key(|t| t.0);
        // What the cursor held at `since` may come again once each; more is new.
        let since = self.start.newest_ms;
        let again = &mut self.start.at_newest;
        for (t_ms, build, code) in taken {
            if let Some(s) = since {
                if t_ms < s {
                    batch.older += 1;
                    continue;
                }
                if t_ms == s {
                    if let Some(slot) = again
                        .iter_mut()
                        .find(|(b, c, n)| (*b, *c) == (build, code) && *n > 0)
                    {
                        slot.2 -= 1;
                        batch.repeated += 1;
                        continue;
                    }
                }
            }
            let e = ErrorEvent { t_ms, build, code };
            self.cursor.observe(&e);
            batch.events.push(e);
        }
        batch
    }
}

fn intern(
    names: &mut Vec<String>,
    ids: &mut FxHashMap<String, u32>,
    name: String,
    fresh: &mut Vec<(u32, String)>,
) -> u32 {
    if let Some(&id) = ids.get(&name) {
        return id;
    }
    let id = names.len() as u32;
    names.push(name.clone());
    fresh.push((id, name.clone()));
    ids.insert(name, id);
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(ts: &str, build: &str, code: &str) -> String {
        format!("{{\"ts\":{ts},\"build\":\"{build}\",\"code\":\"{code}\"}}\n")
    }

    #[test]
    fn times_read_as_rfc3339_clock_and_epoch_seconds_or_ms() {
        let t = |v: &str| parse_line(1, &format!("{{\"ts\":{v},\"build\":\"b\",\"code\":\"c\"}}"));
        assert_eq!(
            t("\"2026-12-06T10:00:00.250+01:00\"")
                .unwrap()
                .unwrap()
                .t_ms,
            1_796_547_600_250
        );
        assert_eq!(t("\"0:01:05\"").unwrap().unwrap().t_ms, 65_000);
        assert_eq!(t("1765015200").unwrap().unwrap().t_ms, 1_765_015_200_000);
        assert_eq!(t("1765015200.5").unwrap().unwrap().t_ms, 1_765_015_200_500);
        assert_eq!(t("1765015200123").unwrap().unwrap().t_ms, 1_765_015_200_123);
        let e = t("\"2026-13-01T00:00:00Z\"").unwrap_err();
        assert!(matches!(e, LineError::Field { field: "ts", .. }), "{e}");
        assert!(
            e.to_string()
                .starts_with("line 1: field `ts`: '2026-13-01T00:00:00Z'"),
            "{e}"
        );
        assert!(
            t("1765015200123456").is_err(),
            "microseconds are not an event time here"
        );
        assert!(t("true").is_err());
    }

    #[test]
    fn every_bad_line_says_its_line_and_field() {
        let cases = [
            (
                "{\"ts\":1,\"code\":\"c\"}",
                "line 3: field `build` is missing",
            ),
            (
                "{\"ts\":1,\"build\":\"b\",\"code\":null}",
                "line 3: field `code` is missing",
            ),
            (
                "{\"build\":\"b\",\"code\":\"c\"}",
                "line 3: field `ts` is missing",
            ),
            (
                "{\"ts\":1,\"build\":[1],\"code\":\"c\"}",
                "line 3: field `build`: must be a string or a number",
            ),
            (
                "{\"ts\":1,\"build\":\"  \",\"code\":\"c\"}",
                "line 3: field `build`: is empty",
            ),
            ("[1,2]", "line 3: a JSON value that is not an object"),
        ];
        for (text, want) in cases {
            let e = parse_line(3, text).unwrap_err();
            assert!(e.to_string().starts_with(want), "{text}: {e}");
            assert_eq!(e.line(), 3);
        }
        assert_eq!(parse_line(9, "   \r").unwrap(), None);
        let long = format!(
            "{{\"ts\":1,\"build\":\"{}\",\"code\":\"c\"}}",
            "x".repeat(MAX_LINE_BYTES)
        );
        assert!(matches!(
            parse_line(1, &long),
            Err(LineError::TooLong { .. })
        ));
    }

    #[test]
    fn a_hostile_answer_never_panics_and_keeps_the_good_lines() {
        let mut body = Vec::new();
        body.extend_from_slice(line("1", "a", "E1").as_bytes());
        body.extend_from_slice(b"\xff\xfe\n{\"ts\":\n<html>oops</html>\n\"just a string\"\n");
        body.extend_from_slice(line("2", "<script>b</script>", "E2").as_bytes());
        body.extend_from_slice(b"{\"ts\":1e400,\"build\":\"a\",\"code\":\"E\"}\n");
        let b = FeedReader::default().read_ndjson(&body);
        assert_eq!(b.events.len(), 2);
        assert_eq!(b.malformed, 5);
        assert_eq!(
            b.problems.iter().map(LineError::line).collect::<Vec<_>>(),
            [2, 3, 4, 5, 7]
        );
        assert_eq!(
            b.new_builds[1].1, "<script>b</script>",
            "names are data, kept as given"
        );
    }

    #[test]
    fn polls_that_repeat_the_since_millisecond_take_nothing_twice() {
        let mut r = FeedReader::default();
        let first = [
            line("10", "a", "E1"),
            line("11", "a", "E1"),
            line("11", "b", "E1"),
        ]
        .concat();
        let b = r.read_ndjson(first.as_bytes());
        assert_eq!(b.events.len(), 3);
        assert_eq!(r.cursor().since(), Some(11_000));
        // The server answers events at or after since: the two at 11 s again, plus a third
        // event at 11 s that arrived since (same build and code as one taken) and a later one.
        let second = [
            line("11", "b", "E1"),
            line("11", "a", "E1"),
            line("11", "a", "E1"),
            line("12", "b", "E2"),
        ]
        .concat();
        let b = r.read_ndjson(second.as_bytes());
        assert_eq!(b.repeated, 2);
        assert_eq!(
            b.events.iter().map(|e| e.t_ms).collect::<Vec<_>>(),
            [11_000, 12_000]
        );
        // A server that ignores since resends everything: nothing is taken again.
        let all = [first, second].concat();
        let b = r.read_ndjson(all.as_bytes());
        assert!(b.events.is_empty(), "{b:?}");
        assert_eq!(b.older, 6);
        assert_eq!(b.repeated, 1);
    }

    #[test]
    fn an_answer_out_of_order_is_sorted_and_counted() {
        let mut r = FeedReader::default();
        let body = [
            line("3", "a", "E"),
            line("1", "a", "E"),
            line("2", "b", "E"),
        ]
        .concat();
        let b = r.read_ndjson(body.as_bytes());
        assert_eq!(b.reordered, 1);
        assert_eq!(
            b.events.iter().map(|e| e.t_ms).collect::<Vec<_>>(),
            [1_000, 2_000, 3_000]
        );
    }

    #[test]
    fn a_resumed_reader_keeps_ids_and_cursor() {
        let mut r = FeedReader::default();
        r.read_ndjson(
            [line("1", "a", "E1"), line("2", "b", "E2")]
                .concat()
                .as_bytes(),
        );
        let mut cursor = FeedCursor::default();
        for e in [
            ErrorEvent {
                t_ms: 1_000,
                build: 0,
                code: 0,
            },
            ErrorEvent {
                t_ms: 2_000,
                build: 1,
                code: 1,
            },
        ] {
            cursor.observe(&e);
        }
        assert_eq!(
            &cursor,
            r.cursor(),
            "the cursor is a fold over the events taken"
        );
        let mut again = FeedReader::resume(r.builds().to_vec(), r.codes().to_vec(), cursor);
        let b = again.read_ndjson(
            [line("2", "b", "E2"), line("3", "a", "E2")]
                .concat()
                .as_bytes(),
        );
        assert_eq!(
            b.events,
            [ErrorEvent {
                t_ms: 3_000,
                build: 0,
                code: 1
            }]
        );
        assert!(b.new_builds.is_empty() && b.new_codes.is_empty());
    }

    #[test]
    fn settings_are_checked() {
        assert!(EventFeed::new("", 1_000).is_err());
        assert!(EventFeed::new("ftp://x", 1_000).is_err());
        assert!(EventFeed::new("/feed#x", 1_000).is_err());
        assert!(EventFeed::new("/feed", 10)
            .unwrap_err()
            .to_string()
            .starts_with("Poll every:"));
        let sse = EventFeed::new("/s", 1_000)
            .unwrap()
            .with_kind(FeedKind::Sse);
        let json = serde_json::to_string(&sse).unwrap();
        assert_eq!(serde_json::from_str::<EventFeed>(&json).unwrap(), sse);
        let old: EventFeed = serde_json::from_str(r#"{"url":"/s","poll_ms":1000}"#).unwrap();
        assert_eq!(
            old.kind(),
            FeedKind::Ndjson,
            "settings stored before SSE read as NDJSON"
        );
        let f = EventFeed::new(" https://h/feed?key=1 ", 1_000).unwrap();
        assert_eq!(f.poll_url(Some(-5)), "https://h/feed?key=1&since=-5");
        assert!(!f.same_origin());
        assert!(EventFeed::new("./feed", 1_000).unwrap().same_origin());
    }
}
