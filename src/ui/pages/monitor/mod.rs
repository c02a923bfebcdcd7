//! The Monitor workspace: the built-in simulator or a replayed metric file (CSV or
//! Prometheus JSON) streamed on a timer, each metric judged by a causal detector against
//! its forecast band (trained on the stream's start or on an uploaded training file),
//! faults injected into the simulator while it runs, MAE / MAPE / anomaly counts per
//! evaluation window, and anomalies fed to the incident book.

mod charts;
mod controls;
mod detection;
mod eval;
mod feed;
mod live;
mod rules;
mod source;
mod state;

pub use state::MonState;

use leptos::prelude::*;

use crate::ui::journal::{JournalPanel, Status, TakeOver};
use crate::ui::pages::incidents::state::IncidentsState;
use crate::ui::route::Route;
use crate::ui::shell::AppState;

/// The Monitor workspace page.
#[component]
pub fn MonitorPage() -> impl IntoView {
    let app = expect_context::<AppState>();
    let incidents = expect_context::<IncidentsState>();
    let st = MonState::new(app, incidents);
    provide_context(st);
    // Silences run on this stream; a card's "Silence…" comes here.
    incidents.set_silencer(
        crate::ui::pages::incidents::state::Source::Monitor,
        move |m, d, c| st.add_silence(m, d, c),
    );
    expect_context::<crate::ui::dispatch::Dispatch>().on_problem(Route::Monitor, st.error);

    // A file dropped while this workspace is open is replayed as the stream; `k`
    // plays/pauses.
    crate::ui::player::stream_shortcuts(
        Route::Monitor,
        move |f: web_sys::File| {
            if rules::is_rules_file(&f.name()) {
                rules::import(st, f)
            } else {
                source::open_file(st, f, source::Purpose::Replay)
            }
        },
        move || st.toggle(),
    );
    let is_sim = move || st.file.with(|f| f.is_none()) && !st.is_live();

    view! {
        <div class="workspace-head">
            <h1>"Monitor"</h1>
            <span class="hint">"Each metric against a forecast band learnt from its own past; anomalies open incidents."</span>
        </div>
        {move || st.error.get().map(|m| {
            let offer = st.runaway.with(|r| r.as_ref().filter(|r| r.3 == m).map(|r| r.2));
            view! {
            <div class="banner error" role="alert" id="monitor-error">
                <div class="msg">{m}</div>
                {offer.map(|line| view! {
                    <button id="monitor-literal-quotes" class="small"
                        title="Read \" as an ordinary character from that line on, so the rows after a stray quote are kept"
                        on:click=move |_| st.read_quotes_literally()>
                        {format!("Read quotes literally from line {line}")}
                    </button>
                })}
            </div>
        }})}
        {move || st.journal.get().and_then(|svc| {
            // Durability off (storage full, unavailable, or another tab writes): say so
            // at the top; the stream keeps running in memory.
            let view = svc.view();
            move || match view.get().status {
                Status::Durable => None,
                Status::MemoryOnly { reason } | Status::ReadOnly { reason } => Some(view! {
                    <div class="banner warn" role="status" id="monitor-durability">
                        <strong>"Journal"</strong><span class="msg">{reason}</span>
                        <TakeOver closed=view.get().writer_closed />
                    </div>
                }),
            }
        }.into())}
        <source::SourceBar />
        <controls::Player />
        <div class="monitor-grid">
            {move || is_sim().then(|| view! { <controls::Inject /> })}
            <controls::IncidentSummaryPanel />
        </div>
        {move || is_sim().then(|| view! { <controls::MetricsEditor /> })}
        <detection::DetectionPanel />
        <charts::BandCharts />
        // After the charts: open, it is tall, and charts pushed out of view redraw only
        // every few seconds on a live stream.
        <rules::RulesPanel />
        <eval::EvalTable />
        {move || st.journal.get().map(|svc| view! {
            <details class="panel journal-details" id="monitor-journal">
                <summary>"Journal: every event is stored before it is judged, so a reload or a crash loses nothing"</summary>
                <JournalPanel scope="monitor" service=svc
                    on_import=Callback::new(move |imported| st.open_imported(imported))
                    on_clear=Callback::new(move |_| st.reset()) />
            </details>
        })}
    }
}
