//! A workspace that is not built yet says so plainly.

use crate::ui::route::Route;
use leptos::prelude::*;

/// What a workspace will do, and that it is not built yet.
#[component]
pub fn Placeholder(route: Route) -> impl IntoView {
    let what = match route {
        Route::Monitor => "live metrics against a forecast band, anomaly marks, MAE and MAPE",
        Route::Errors => "a build-vs-build error-code heatmap and regression alerts",
        Route::Incidents => "severity-ranked incident cards from the detectors",
        Route::Distribution => "profiles and plots of any CSV column",
    };
    view! {
        <div class="placeholder">
            <h1>{route.title()}</h1>
            <p>{format!("This workspace is not built yet. It will show {what}.")}</p>
            <p>"The Distribution workspace works today: open it to profile a CSV file."</p>
            <p><a href=Route::Distribution.href()>"Go to Distribution"</a></p>
        </div>
    }
}
