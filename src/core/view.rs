//! The shareable view in the page's location hash: `#/<workspace>?<parameters>`. Hash
//! routes work from any static host and any sub-path, and a hash never reaches the server,
//! so a shared link does not leak its queries into a host's logs.
//!
//! Parameters (only the Monitor reads any today): `prom`, `query` (repeated), `step`
//! (seconds) and `history` (minutes), see [`crate::core::live::PromSource::to_query`].

use crate::core::live::{LiveError, PromSource};

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
