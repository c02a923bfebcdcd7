//! The Errors workspace: replay an error-event stream and see, per error code, whether the
//! candidate build raises it: a heatmap of candidate-minus-baseline counts over time bins,
//! per-code totals with the rate ratio, and the regression alerts as they start and stop.

mod alerts;
mod controls;
mod heatmap;
mod live;
mod recovery;
mod rules;
mod state;

pub use state::ErrState;

use std::rc::Rc;

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::core::demo;
use crate::ui::journal::{JournalPanel, Status};
use crate::ui::route::Route;
use crate::ui::shell::AppState;

/// Error files above this size are refused before reading: the events are held in memory
/// (16 bytes each, about a quarter of the CSV).
const MAX_ERROR_FILE_BYTES: f64 = 512e6;

/// Opens a picked or dropped file in the Errors workspace.
fn open_file(st: ErrState, file: web_sys::File) {
    let name = file.name();
    if file.size() > MAX_ERROR_FILE_BYTES {
        st.error.set(Some(format!(
            "{name} is {:.0} MB; the Errors workspace reads error streams up to {:.0} MB.",
            file.size() / 1e6,
            MAX_ERROR_FILE_BYTES / 1e6
        )));
        return;
    }
    st.app.status.set(format!("Reading {name}…"));
    spawn_local(async move {
        match crate::ui::loader::read_whole(&file).await {
            Ok(bytes) => st.open(name, Rc::new(bytes)),
            Err(e) => {
                st.app.status.set(format!("Could not read {name}"));
                st.error.set(Some(format!("{name}: {e}")));
            }
        }
    });
}

/// The Errors workspace page.
#[component]
pub fn ErrorsPage() -> impl IntoView {
    let app = expect_context::<AppState>();
    let incidents = expect_context::<crate::ui::pages::incidents::state::IncidentsState>();
    let st = ErrState::new(app, incidents);
    provide_context(st);
    // Error incidents are grouped at the stream's bin width (its step).
    Effect::new(move |_| {
        incidents.set_group_step(
            crate::ui::pages::incidents::state::Source::Errors,
            f64::from(st.bin_seconds.get().max(1)) * 1000.0,
        )
    });
    // A card's "Silence…" on an Errors incident runs on this stream.
    incidents.set_silencer(
        crate::ui::pages::incidents::state::Source::Errors,
        move |m, d, c| st.add_silence(m, d, c),
    );
    expect_context::<crate::ui::dispatch::Dispatch>().on_problem(Route::Errors, st.error);

    // A file dropped while this workspace is open is an error stream; `k` plays/pauses.
    crate::ui::player::stream_shortcuts(
        Route::Errors,
        move |f| open_file(st, f),
        move || st.toggle(),
    );

    let on_pick = move |e: ev::Event| {
        let input: web_sys::HtmlInputElement = e.target().unwrap().unchecked_into();
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            open_file(st, file);
        }
        input.set_value("");
    };
    let on_demo = move |_| {
        st.open(
            demo::DEMO_ERRORS_NAME.into(),
            Rc::new(demo::error_stream_csv(7).into_bytes()),
        );
    };

    let live_open = RwSignal::new(false);

    view! {
        <div class="workspace-head">
            <h1>"Errors"</h1>
            <span class="button primary file-picker">
                "Open error stream…"
                <input id="errors-file-input" type="file" accept=".csv,.tsv,.txt,text/csv,text/plain"
                    aria-label="Open an error-event CSV (timestamp, build, code)" on:change=on_pick />
            </span>
            <button id="errors-demo" on:click=on_demo>"Load demo stream"</button>
            <button id="errors-use-live" aria-expanded=move || live_open.get().to_string()
                title="Follow error events a pipeline publishes as NDJSON at a URL; nothing is asked until you connect"
                on:click=move |_| live_open.update(|o| *o = !*o)>"Live feed…"</button>
            <span class="hint"><span class="for-pointer">"or drop a CSV here: "</span>"timestamp, build, error code"</span>
            <span class="dataset-name">{move || st.loaded.get().map(|l| l.name.clone())}</span>
        </div>
        {move || st.error.get().map(|m| view! {
            <div class="banner error" role="alert" id="errors-error">
                <div class="msg">{m}</div>
                {move || st.quote_offer.get().map(|line| view! {
                    <button id="errors-literal-quotes" class="small"
                        title="Take every \" from this line on as an ordinary character, so the rows after it are read as rows"
                        on:click=move |_| st.read_quotes_literally()>
                        {format!("Read quotes literally from line {line}")}
                    </button>
                })}
            </div>
        })}
        <Durability />
        <live::LiveForm open=live_open />
        <controls::BuildPicker />
        {move || match st.loaded.get() {
            None => view! {
                <div class="dropzone-hint">
                    <p><strong class="for-pointer">"Drop an error-event CSV here"</strong>
                        <strong class="for-touch">"Choose an error-event CSV with Open error stream…"</strong>" (timestamp, build, error code; header row or none) \
                        to see whether a new build raises some error code."</p>
                    <p>"Builds and codes are discovered from the data; with two builds the newer version is the \
                        candidate. Or load the demo stream, which has two planted regressions."</p>
                </div>
            }.into_any(),
            Some(_) => view! {
                <controls::Settings />
                <Show when=move || st.live_status.with(|s| *s == live::LiveStatus::Idle)>
                    <controls::Player />
                </Show>
                <heatmap::Heatmap />
                <alerts::AlertList />
                <rules::RulesPanel />
            }.into_any(),
        }}
        {move || st.journal.get().map(|svc| view! {
            <details class="panel journal-details" id="errors-journal">
                <summary>"Journal: every error event is stored before it is counted, so a reload or a crash loses nothing"</summary>
                <JournalPanel scope="errors" service=svc
                    on_import=Callback::new(move |imported| st.open_imported(imported))
                    on_clear=Callback::new(move |_| st.restart()) />
            </details>
        })}
    }
}

/// Durability off (storage full, unavailable, or another tab writes): says so at the top;
/// the stream keeps running in memory.
#[component]
fn Durability() -> impl IntoView {
    let st = expect_context::<ErrState>();
    move || {
        let svc = st.journal.get()?;
        let view = svc.view();
        Some(move || match view.get().status {
            Status::Durable => None,
            Status::MemoryOnly { reason } | Status::ReadOnly { reason } => Some(view! {
                <div class="banner warn" role="status" id="errors-durability">
                    <strong>"Journal"</strong><span class="msg">{reason}</span>
                </div>
            }),
        })
    }
}
