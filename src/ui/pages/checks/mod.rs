//! The Checks workspace: a current file against its reference. Per column, presence and
//! type on each side, missing shares, distinct counts, new and vanished labels and a drift
//! test, most moved first; one click overlays the two distributions.

mod alerting;
mod drift;
mod overlay;
mod rules;
mod state;

use crate::core::ingest::IngestOptions;
use crate::ui::format;
use crate::ui::loader::Source;
use crate::ui::shell::AppState;
use leptos::ev;
use leptos::prelude::*;
use state::{ChecksState, Which};
use wasm_bindgen::JsCast;

/// The Checks workspace page.
#[component]
pub fn ChecksPage() -> impl IntoView {
    let app = expect_context::<AppState>();
    let st = ChecksState::new(
        app,
        expect_context::<crate::ui::pages::incidents::state::IncidentsState>(),
    );
    provide_context(st);
    let dispatch = expect_context::<crate::ui::dispatch::Dispatch>();
    dispatch.on_file(crate::ui::route::Route::Checks, move |file| {
        st.drop_file(file)
    });
    dispatch.on_problem(crate::ui::route::Route::Checks, st.error);
    st.restore_reference();
    st.restore_check_rules();
    st.restore_checks();

    view! {
        <div class="workspace-head">
            <h1>"Checks"</h1>
            <span class="hint">"Compare a batch with its reference, column by column."
                <span class="for-pointer">" Drop a file anywhere: the first becomes the reference, later ones the current file."</span>
            </span>
        </div>
        <div class="compare-slots">
            <Slot which=Which::Reference />
            <button id="compare-swap" class="small" title="Make the current file the reference and the reference the current file"
                disabled=move || st.reference.with(Option::is_none) || st.current.with(Option::is_none)
                on:click=move |_| st.swap()>"⇄ Swap"</button>
            <Slot which=Which::Current />
        </div>
        <Progress />
        <rules::ChecksPanel />
        <alerting::CheckRulesPanel />
        {move || st.error.get().map(|msg| view! {
            <div class="banner error" role="alert" id="compare-error">
                <div class="msg"><strong>"Could not compare"</strong>{msg}</div>
                <button class="small" on:click=move |_| st.error.set(None) aria-label="Dismiss">"Dismiss"</button>
            </div>
        })}
        {move || match st.report.get() {
            None => view! {
                <div class="dropzone-hint">
                    <p><strong>"Open a reference and a current file"</strong>
                        " to see which columns changed: added, removed, renamed or retyped columns, missing shares, \
                        new and vanished labels, and a drift test for every column present in both."</p>
                    <p>"Each file is read by its own rules (delimiter, encoding, header). Nothing is uploaded; \
                        the reference is kept in this browser for your next visit."</p>
                </div>
            }.into_any(),
            Some(_) => view! {
                <drift::Summary />
                <drift::DriftTable />
                <overlay::Overlay />
            }.into_any(),
        }}
    }
}

/// A file slot: its picker, name and size.
#[component]
fn Slot(which: Which) -> impl IntoView {
    let st = expect_context::<ChecksState>();
    let (id, label, signal) = match which {
        Which::Reference => ("reference-input", "Open reference…", st.reference),
        Which::Current => ("current-input", "Open current file…", st.current),
    };
    let on_pick = move |e: ev::Event| {
        let input: web_sys::HtmlInputElement = e.target().unwrap().unchecked_into();
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            st.load(which, Source::File(file), IngestOptions::default());
        }
        input.set_value("");
    };
    let slot_id = match which {
        Which::Reference => "slot-reference",
        Which::Current => "slot-current",
    };
    view! {
        <div class="compare-slot" id=slot_id>
            <div class="slot-title">{match which { Which::Reference => "Reference", Which::Current => "Current" }}</div>
            <span class="button file-picker" class:primary=move || signal.with(Option::is_none)>
                {label}
                <input id=id type="file" accept=".csv,.tsv,.txt,.psv,text/csv,text/tab-separated-values,text/plain"
                    aria-label=format!("Open the {} CSV or TSV file", which.name()) on:change=on_pick />
            </span>
            {move || signal.get().map(|l| {
                let t = &l.table;
                view! {
                    <span class="slot-name" title=l.name.clone()>{l.name.clone()}</span>
                    <span class="slot-figures">{format!("{} rows × {} columns · {} · read in {:.2} s", format::count(t.rows), t.columns.len(), format::megabytes(t.bytes), l.read_ms / 1000.0)}</span>
                }
            })}
            {(which == Which::Reference).then(|| move || st.kept.get().filter(|_| st.reference.with(Option::is_some)).map(|k| match k {
                crate::ui::keep::Kept::Yes => view! {
                    <span class="chip" id="reference-kept" data-kept="yes"
                        title="A copy of the reference is kept in this browser's storage (never sent anywhere), so it is here on your next visit">
                        "kept in this browser "
                        <button id="forget-reference" class="link" on:click=move |_| st.forget_reference()>"Forget"</button>
                    </span>
                }.into_any(),
                crate::ui::keep::Kept::No(why) => view! {
                    <span class="chip" id="reference-kept" data-kept="no">{format!("not kept: {why}")}</span>
                }.into_any(),
            }))}
        </div>
    }
}

/// Progress bar and cancel button while a file is read, then while columns are compared.
#[component]
fn Progress() -> impl IntoView {
    let st = expect_context::<ChecksState>();
    let comparing = move || {
        st.comparing.get().map(|(done, total)| {
            view! {
                <div class="progress-row">
                    <span>"comparing"</span>
                    <progress id="compare-columns" max=total.max(1) as f64 value=done as f64
                        aria-label="Columns compared"></progress>
                    <span class="rate">{format!("{done} of {total} columns")}</span>
                </div>
            }
        })
    };
    let reading = move || {
        st.loading.get().map(|(which, name, p)| {
            view! {
                <div class="progress-row">
                    <span>{format!("{} · {name}", which.name())}</span>
                    <progress id="compare-progress" max=p.total.max(1) as f64 value=p.bytes as f64
                        aria-label=format!("Reading the {}", which.name())></progress>
                    <span class="rate">{format!("{} rows", format::count(p.rows as usize))}</span>
                    <button id="cancel-compare" on:click=move |_| st.cancel()>"Cancel"</button>
                </div>
            }
        })
    };
    view! { {reading} {comparing} }
}
