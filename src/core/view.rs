//! The shareable view in the page's location hash: `#/<workspace>?<parameters>`. Hash
//! routes work from any static host and any sub-path, and a hash never reaches the server,
//! so a shared link does not leak its queries into a host's logs.
//!
//! Parameters (only the Monitor reads any today):
//! - a Prometheus source: `prom`, `query` (repeated), `step` (seconds) and `history`
//!   (minutes), see [`crate::core::live::PromSource::to_query`];
//! - a time range: `from` and `to`, RFC 3339 or relative to now (`now-6h`), see
//!   [`TimeRange`]; with `prom` it replaces `history`, and a `to` other than now makes the
//!   view a replay of that past range;
//! - an event feed: `feed` (its URL), `kind` (`ndjson` or `sse`) and `poll` (seconds), see
//!   [`View::event_feed`].

use crate::core::live::events::{EventFeed, FeedKind};
use crate::core::live::{LiveError, PromSource};
use crate::core::time::range::{RangeError, TimeRange};

/// A workspace of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// Column profiles of a dropped table.
    Distribution,
    /// Metrics against forecast bands.
    Monitor,
    /// Build-vs-build error regressions.
    Errors,
    /// Incident cards of every source.
    Incidents,
    /// A current file against its reference: drift per column.
    Checks,
}

impl Route {
    /// Every workspace, in navigation order.
    pub const ALL: [Route; 5] = [
        Route::Distribution,
        Route::Monitor,
        Route::Errors,
        Route::Incidents,
        Route::Checks,
    ];

    /// The route of a location hash; unknown hashes fall back to Distribution.
    pub fn from_hash(hash: &str) -> Route {
        View::from_hash(hash).route
    }

    /// The workspace named by `slug` (`monitor`, …), or None.
    pub fn from_slug(slug: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|r| r.slug() == slug)
    }

    /// Path segment used in the hash and in `data-workspace`.
    pub fn slug(self) -> &'static str {
        match self {
            Route::Distribution => "distribution",
            Route::Monitor => "monitor",
            Route::Errors => "errors",
            Route::Incidents => "incidents",
            Route::Checks => "checks",
        }
    }

    /// Name shown in the navigation bar.
    pub fn title(self) -> &'static str {
        match self {
            Route::Distribution => "Distribution",
            Route::Monitor => "Monitor",
            Route::Errors => "Errors",
            Route::Incidents => "Incidents",
            Route::Checks => "Checks",
        }
    }

    /// The location hash of this route.
    pub fn href(self) -> String {
        format!("#/{}", self.slug())
    }
}

/// A location hash read: the workspace and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The workspace shown.
    pub route: Route,
    /// The raw parameters after `?` (form-urlencoded), empty when none.
    pub query: String,
}

impl View {
    /// Reads `#/monitor?prom=…`; an unknown workspace falls back to Distribution.
    ///
    /// ```
    /// use pipescope::core::view::{Route, View};
    /// let v = View::from_hash("#/monitor?prom=%2Fprom&query=up");
    /// assert_eq!(v.route, Route::Monitor);
    /// assert_eq!(v.query, "prom=%2Fprom&query=up");
    /// assert_eq!(View::from_hash("#/nowhere").route, Route::Distribution);
    /// ```
    pub fn from_hash(hash: &str) -> View {
        let h = hash.trim_start_matches('#').trim_start_matches('/');
        let (path, query) = h.split_once('?').unwrap_or((h, ""));
        let slug = path.split('/').next().unwrap_or("");
        View {
            route: Route::from_slug(slug).unwrap_or(Route::Distribution),
            query: query.to_string(),
        }
    }

    /// The Monitor's live source named by the parameters: None when this is not the
    /// Monitor or no `prom` is given, else the source or the first setting out of range.
    pub fn prom_source(&self) -> Option<Result<PromSource, LiveError>> {
        if self.route != Route::Monitor {
            return None;
        }
        PromSource::from_query(&self.query)
    }

    /// The hash of the Monitor watching `source`, the link "Link to this view" gives.
    pub fn monitor_live(source: &PromSource) -> String {
        format!("{}?{}", Route::Monitor.href(), source.to_query())
    }

    /// The time range of the parameters `from` and `to`: None when there is no `from`
    /// (and `to` is absent or now), else the range or what is wrong with it.
    ///
    /// ```
    /// use pipescope::core::view::View;
    /// let v = View::from_hash("#/monitor?from=now-6h");
    /// assert!(v.time_range().unwrap().unwrap().follows_now());
    /// let e = View::from_hash("#/monitor?from=now-6x").time_range().unwrap().unwrap_err();
    /// assert!(e.to_string().starts_with("from: 'now-6x' has a number without a unit"));
    /// ```
    pub fn time_range(&self) -> Option<Result<TimeRange, RangeError>> {
        TimeRange::parse(self.param("from").as_deref(), self.param("to").as_deref()).transpose()
    }

    /// The Monitor's event feed named by the parameters: None when this is not the Monitor
    /// or there is no `feed`, else the feed or the first setting that does not read.
    ///
    /// ```
    /// use pipescope::core::view::View;
    /// use pipescope::core::live::events::{EventFeed, FeedKind};
    /// let f = EventFeed::new("/feed/metrics", 2_000).unwrap().with_kind(FeedKind::Sse);
    /// let hash = View::monitor_feed(&f);
    /// assert_eq!(hash, "#/monitor?feed=%2Ffeed%2Fmetrics&kind=sse&poll=2");
    /// assert_eq!(View::from_hash(&hash).event_feed(), Some(Ok(f)));
    /// ```
    pub fn event_feed(&self) -> Option<Result<EventFeed, LiveError>> {
        if self.route != Route::Monitor {
            return None;
        }
        let url = self.param("feed")?;
        let poll_ms = match self.param("poll") {
            None => 2_000,
            Some(v) => match v.trim().parse::<f64>().ok().filter(|x| x.is_finite()) {
                Some(s) => (s * 1000.0).round() as i64,
                None => {
                    return Some(Err(LiveError::Setting {
                        field: "Poll every",
                        message: format!(
                            "'{}' is not a number of seconds",
                            crate::core::text::clip(&v)
                        ),
                    }))
                }
            },
        };
        let kind = match self.param("kind") {
            None => FeedKind::Ndjson,
            Some(k) => match FeedKind::parse(k.trim()) {
                Some(k) => k,
                None => {
                    return Some(Err(LiveError::Setting {
                        field: "Delivery",
                        message: format!("'{}' is not ndjson or sse", crate::core::text::clip(&k)),
                    }))
                }
            },
        };
        Some(EventFeed::new(&url, poll_ms).map(|f| f.with_kind(kind)))
    }

    /// The hash of the Monitor following the event feed `feed`.
    pub fn monitor_feed(feed: &EventFeed) -> String {
        let q = form_urlencoded::Serializer::new(String::new())
            .append_pair("feed", feed.url())
            .append_pair("kind", feed.kind().name())
            .append_pair("poll", &format!("{}", feed.poll_ms() as f64 / 1000.0))
            .finish();
        format!("{}?{q}", Route::Monitor.href())
    }

    /// The last value of parameter `name`, decoded.
    fn param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes())
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .last()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_read_in_one_place() {
        assert_eq!(View::from_hash("").route, Route::Distribution);
        assert_eq!(View::from_hash("#/errors").route, Route::Errors);
        assert_eq!(View::from_hash("#incidents").route, Route::Incidents);
        assert_eq!(View::from_hash("#/monitor/extra?x=1").query, "x=1");
        for r in Route::ALL {
            assert_eq!(Route::from_hash(&r.href()), r);
            assert_eq!(Route::from_slug(r.slug()), Some(r));
        }
        assert_eq!(Route::from_slug("Monitor"), None);
    }

    #[test]
    fn a_time_range_reads_from_the_hash_with_typed_errors() {
        assert_eq!(View::from_hash("#/monitor?prom=%2Fp").time_range(), None);
        let r =
            View::from_hash("#/monitor?from=2026-12-01T00%3A00%3A00Z&to=2026-12-01T06%3A00%3A00Z")
                .time_range()
                .unwrap()
                .unwrap();
        assert!(!r.follows_now());
        assert_eq!(r.resolve(0).1 - r.resolve(0).0, 6 * 3_600_000);
        assert_eq!(
            View::from_hash("#/monitor?to=now-1h").time_range(),
            Some(Err(RangeError::NoStart))
        );
        assert!(matches!(
            View::from_hash("#/monitor?from=tomorrow").time_range(),
            Some(Err(RangeError::Bound { param: "from", .. }))
        ));
    }

    #[test]
    fn an_event_feed_reads_from_the_hash() {
        let v = View::from_hash("#/monitor?feed=%2Fm");
        let f = v.event_feed().unwrap().unwrap();
        assert_eq!(
            (f.url(), f.kind(), f.poll_ms()),
            ("/m", FeedKind::Ndjson, 2_000)
        );
        assert!(View::from_hash("#/errors?feed=%2Fm").event_feed().is_none());
        let e = View::from_hash("#/monitor?feed=%2Fm&kind=ws")
            .event_feed()
            .unwrap()
            .unwrap_err();
        assert!(e.to_string().starts_with("Delivery: 'ws'"), "{e}");
        let e = View::from_hash("#/monitor?feed=%2Fm&poll=x")
            .event_feed()
            .unwrap()
            .unwrap_err();
        assert!(e.to_string().starts_with("Poll every:"), "{e}");
        let e = View::from_hash("#/monitor?feed=javascript%3Ax")
            .event_feed()
            .unwrap()
            .unwrap_err();
        assert!(e.to_string().starts_with("URL:"), "{e}");
    }

    #[test]
    fn only_the_monitor_reads_a_source() {
        let src = PromSource::builder()
            .base("/prom")
            .queries("up")
            .build()
            .unwrap();
        let hash = View::monitor_live(&src);
        assert_eq!(View::from_hash(&hash).prom_source(), Some(Ok(src)));
        assert_eq!(
            View::from_hash("#/errors?prom=%2Fprom&query=up").prom_source(),
            None
        );
        assert!(matches!(
            View::from_hash("#/monitor?prom=%2Fprom&query=up&step=x").prom_source(),
            Some(Err(_))
        ));
    }
}
