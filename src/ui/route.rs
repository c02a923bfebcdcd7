//! Hash routes (`#/distribution`, ...): they work from any static host and any sub-path.

/// A workspace of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Distribution,
    Monitor,
    Errors,
    Incidents,
}

impl Route {
    /// Every workspace, in navigation order.
    pub const ALL: [Route; 4] = [
        Route::Distribution,
        Route::Monitor,
        Route::Errors,
        Route::Incidents,
    ];

    /// The route of a location hash; unknown hashes fall back to Distribution.
    pub fn from_hash(hash: &str) -> Route {
        let h = hash.trim_start_matches('#').trim_start_matches('/');
        let h = h.split(['/', '?']).next().unwrap_or("");
        match h {
            "monitor" => Route::Monitor,
            "errors" => Route::Errors,
            "incidents" => Route::Incidents,
            _ => Route::Distribution,
        }
    }

    /// Path segment used in the hash and in `data-workspace`.
    pub fn slug(self) -> &'static str {
        match self {
            Route::Distribution => "distribution",
            Route::Monitor => "monitor",
            Route::Errors => "errors",
            Route::Incidents => "incidents",
        }
    }

    /// Name shown in the navigation bar.
    pub fn title(self) -> &'static str {
        match self {
            Route::Distribution => "Distribution",
            Route::Monitor => "Monitor",
            Route::Errors => "Errors",
            Route::Incidents => "Incidents",
        }
    }

    /// The location hash of this route.
    pub fn href(self) -> String {
        format!("#/{}", self.slug())
    }
}
