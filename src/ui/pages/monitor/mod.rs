//! The Monitor workspace: the built-in simulator streamed on a timer, each metric judged
//! by a causal detector against its forecast band, faults injected while it runs, MAE /
//! MAPE / anomaly counts per evaluation window, and anomalies fed to the incident book.
//!
//! Not done yet: replaying a CSV or Prometheus file through the same path (the issue's
//! "Replay" stream); only the simulator feeds this page.

mod charts;
mod controls;
mod eval;
pub(crate) mod feed;
mod state;

pub use state::MonState;

use leptos::prelude::*;

use crate::ui::pages::incidents::state::IncidentsState;
use crate::ui::shell::AppState;

/// The Monitor workspace page.
#[component]
pub fn MonitorPage() -> impl IntoView {
    let app = expect_context::<AppState>();
    let incidents = expect_context::<IncidentsState>();
    let st = MonState::new(app, incidents);
    provide_context(st);

    view! {
        <div class="workspace-head">
            <h1>"Monitor"</h1>
            <span class="hint">"Built-in simulator: each metric against a forecast band learnt from its own past."</span>
        </div>
        {move || st.error.get().map(|m| view! { <div class="banner error" role="alert" id="monitor-error">{m}</div> })}
        <controls::Player />
        <div class="monitor-grid">
            <controls::Inject />
            <controls::IncidentSummaryPanel />
        </div>
        <controls::MetricsEditor />
        <charts::BandCharts />
        <eval::EvalTable />
    }
}
