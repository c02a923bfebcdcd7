//! Live event feeds: NDJSON lines polled from a URL or pushed as Server-Sent Events, one
//! JSON object with a time a line. Two feeds share this one mechanism:
//!
//! - [`errors`]: error events `{"ts": …, "build": …, "code": …}` for the Errors workspace;
//! - [`metrics`]: metric points `{"ts": …, "metric": …, "value": …}` (or many metrics a
//!   line, `{"ts": …, "values": {name: value, …}}`) for the Monitor.
//!
//! The page asks `GET <url>` once, then `GET <url>?since=<ms>` every poll, where `<ms>` is
//! the time of the newest event received (the same milliseconds the events carry: epoch
//! ms, or ms since `0:00:00` for clock times). The server answers the events at or after
//! `since`, one JSON object a line. Events at exactly `since` come again by that rule, so
//! each reader drops those it already holds, and anything older than `since` (a server that
//! ignores the parameter, or a straggler) is skipped and counted, never applied twice. A
//! line that does not read is reported with its line number and field, counted, and the
//! rest of the answer still goes in ([`lines`]).
//!
//! A Server-Sent Events feed is asked the same way (`URL?since=<ms>`) and each message's
//! data is read as more NDJSON of one connection: the `since` rule applies from the
//! connection's start. Its settings carry how long the page waits with no message before it
//! calls the stream stalled and reconnects ([`EventFeed::stall_ms`]).

pub mod errors;
pub mod lines;
pub mod metrics;

use serde::{Deserialize, Serialize};

use super::LiveError;
use crate::core::text::clip;

pub use errors::{parse_line, Batch, FeedCursor, FeedReader, LineEvent};
pub use lines::{LineError, MAX_LINE_BYTES, MAX_NAME_CHARS, MAX_PROBLEMS};
pub use metrics::{MetricBatch, MetricReader};

/// An event stream with no message (data or heartbeat) for this many poll intervals is
/// stalled: the page says so and reconnects.
pub const STALL_INTERVALS: i64 = 3;
/// Shortest stall time, ms: a feed with nothing to say for a few seconds is normal.
pub const MIN_STALL_MS: i64 = 10_000;

/// Shortest and longest poll interval, ms.
pub const POLL_MS_RANGE: (i64, i64) = (200, 600_000);

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

/// Where a live feed is, how it delivers, and how often to poll it.
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
                "give the feed's address, e.g. https://ci.example.com/events.ndjson or a path \
                 on this page's server such as /feed/events"
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

    /// Wait between polls, ms; for an event stream, how often the server is expected to
    /// send something (an event or a heartbeat).
    pub fn poll_ms(&self) -> i64 {
        self.poll_ms
    }

    /// How long an event stream may send nothing the page can see (no event and no `ping`
    /// message) before it counts as stalled and is reconnected: [`STALL_INTERVALS`] times
    /// the interval, at least [`MIN_STALL_MS`]. SSE comments (`: ping`) keep proxies from closing the connection, but
    /// browsers do not hand them to the page, so they do not count.
    ///
    /// ```
    /// use pipescope::core::live::events::EventFeed;
    /// assert_eq!(EventFeed::new("/s", 5_000).unwrap().stall_ms(), 15_000);
    /// assert_eq!(EventFeed::new("/s", 1_000).unwrap().stall_ms(), 10_000);
    /// ```
    pub fn stall_ms(&self) -> i64 {
        self.poll_ms
            .saturating_mul(STALL_INTERVALS)
            .max(MIN_STALL_MS)
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

#[cfg(test)]
mod tests {
    use super::*;

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
