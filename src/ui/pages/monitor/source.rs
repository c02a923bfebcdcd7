//! Where the Monitor's stream comes from: the built-in simulator or a replayed metric file
//! (CSV or Prometheus JSON), an optional training file, and what reading the file fixed.

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::MonState;
use crate::ui::loader::read_whole;

/// Metric files above this size are refused before reading: the table is held in memory
/// (8 bytes a cell) beside the file's bytes.
const MAX_METRIC_FILE_BYTES: f64 = 256e6;

/// What a picked file is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Replay it as the stream.
    Replay,
    /// Train the detectors on it.
    Training,
}

/// Reads a picked or dropped file and hands it to the state.
pub fn open_file(st: MonState, file: web_sys::File, purpose: Purpose) {
    let name = file.name();
    if file.size() > MAX_METRIC_FILE_BYTES {
        st.error.set(Some(format!(
            "{name} is {:.0} MB; the Monitor replays metric files up to {:.0} MB.",
            file.size() / 1e6,
            MAX_METRIC_FILE_BYTES / 1e6
        )));
        return;
    }
    st.app.status.set(format!("Reading {name}…"));
    spawn_local(async move {
        match read_whole(&file).await {
            Ok(bytes) => match purpose {
                Purpose::Replay => st.open_file(name, &bytes),
                Purpose::Training => st.open_training(name, &bytes),
            },
            Err(e) => st.error.set(Some(format!("{name}: {e}"))),
        }
    });
}

fn picked(e: &ev::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = e.target()?.unchecked_into();
    let file = input.files().and_then(|f| f.get(0));
    input.set_value("");
    file
}

/// The source switch, the file pickers and the notes about the file.
#[component]
pub fn SourceBar() -> impl IntoView {
    let st = expect_context::<MonState>();
    let is_file = move || st.file.with(|f| f.is_some());
    let is_live = move || st.is_live();
    // The Prometheus form is open while the user fills it or a Prometheus stream runs;
    // the event-feed form likewise. One at a time.
    let prom_open = RwSignal::new(false);
    let feed_open = RwSignal::new(false);
    Effect::new(move |_| {
        if st.live.with(Option::is_some) {
            prom_open.set(true);
            feed_open.set(false);
        }
    });
    Effect::new(move |_| {
        if st.event_feed.with(Option::is_some) {
            feed_open.set(true);
            prom_open.set(false);
        }
    });
    let form_open = move || prom_open.get() || feed_open.get();
    let is_sim = move || !is_file() && !is_live() && !form_open();
    let on_replay = move |e: ev::Event| {
        if let Some(f) = picked(&e) {
            open_file(st, f, Purpose::Replay);
        }
    };
    let on_training = move |e: ev::Event| {
        if let Some(f) = picked(&e) {
            open_file(st, f, Purpose::Training);
        }
    };
    let accept = ".csv,.tsv,.txt,.json,text/csv,text/plain,application/json";
    view! {
        <div class="panel source-bar" id="monitor-source" role="group" aria-label="Stream source">
            // Toggle buttons, not radios: one of the choices is a file input, which a radio
            // group cannot hold.
            <span class="segmented" role="group" aria-label="Source">
                <button id="monitor-use-sim" aria-pressed=move || is_sim().to_string()
                    class:active=is_sim
                    on:click=move |_| {
                        prom_open.set(false);
                        feed_open.set(false);
                        if is_file() || is_live() { st.use_simulator() }
                    }>"Simulator"</button>
                <span class="button file-picker" class:active=move || is_file() && !form_open()
                    on:click=move |_| { prom_open.set(false); feed_open.set(false); }>
                    "Replay a file…"
                    <input id="monitor-file-input" type="file" accept=accept
                        aria-label="Replay a metric file: CSV with a time column and numeric columns, or a Prometheus query JSON"
                        on:change=on_replay />
                </span>
                <button id="monitor-use-prom" aria-pressed=move || prom_open.get().to_string()
                    class:active=move || prom_open.get()
                    title="Watch metrics live from a Prometheus server (or Mimir, Thanos, VictoriaMetrics)"
                    on:click=move |_| { prom_open.set(true); feed_open.set(false); }>"Prometheus…"</button>
                <button id="monitor-use-feed" aria-pressed=move || feed_open.get().to_string()
                    class:active=move || feed_open.get()
                    title="Follow metric points a pipeline pushes: NDJSON polled from a URL, or Server-Sent Events"
                    on:click=move |_| { feed_open.set(true); prom_open.set(false); }>"Event feed…"</button>
            </span>
            <span class="button file-picker" title="Fit each metric's first model on this file (matched by metric name), so judging starts at once">
                "Training file…"
                <input id="monitor-training-input" type="file" accept=accept
                    aria-label="Train the detectors on a metric file (CSV or Prometheus JSON)"
                    on:change=on_training />
            </span>
            {move || st.training.get().map(|t| view! {
                <span class="training" id="monitor-training">
                    "Trained on "<strong>{t.name.clone()}</strong>
                    {move || {
                        let used = st.pretrained.get();
                        if used.is_empty() {
                            " (no metric matched)".to_string()
                        } else {
                            format!(": {}", used.iter().map(|(m, n)| format!("{m} ({n} points)")).collect::<Vec<_>>().join(", "))
                        }
                    }}
                    " "<button id="monitor-training-clear" class="link" on:click=move |_| st.clear_training()
                        title="Forget the training file; detectors train on the stream">"Forget"</button>
                </span>
            })}
            <span class="dataset-name" id="monitor-source-name">
                {move || match st.file.get() {
                    _ if st.event_feed.with(Option::is_some) => format!(
                        "Event feed {} · {} series",
                        st.event_feed.with(|f| f.as_ref().map(|f| f.url().to_string()).unwrap_or_default()),
                        st.live_names.with(Vec::len)
                    ),
                    _ if is_live() => format!(
                        "Prometheus {} · {} series",
                        st.live.with(|l| l.as_ref().map(|l| l.base().to_string()).unwrap_or_default()),
                        st.live_names.with(Vec::len)
                    ),
                    Some(f) => format!("{} · {} metric(s) · {} rows", f.name, f.table.names.len(), crate::ui::format::count(f.table.rows())),
                    None => "built-in simulator".to_string(),
                }}
            </span>
            <span class="hint for-pointer">"or drop a file here"</span>
        </div>
        <super::live::LiveForm open=prom_open />
        <super::feed::FeedForm open=feed_open />
        {move || st.file.get().filter(|f| !f.table.notes.is_empty()).map(|f| view! {
            <div class="panel notes" id="monitor-notes" role="status">
                <strong>{format!("Reading {} fixed or found:", f.name)}</strong>
                <ul>
                    {f.table.notes.iter().map(|n| view! { <li data-kind=format!("{:?}", n.kind)>{n.message.clone()}</li> }).collect_view()}
                </ul>
            </div>
        })}
        {move || st.training.get().filter(|f| !f.table.notes.is_empty()).map(|f| view! {
            <div class="panel notes" id="monitor-training-notes" role="status">
                <strong>{format!("Training file {}:", f.name)}</strong>
                <ul>
                    {f.table.notes.iter().map(|n| view! { <li>{n.message.clone()}</li> }).collect_view()}
                </ul>
            </div>
        })}
    }
}
