//! The Journal panel: what is stored, whether it is durable, and the user's tools for it
//! (export, import, clear with an in-page confirmation, retention). Figures come from the
//! service's throttled signal; the panel computes nothing itself.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;

use super::service::{JournalService, Status};
use crate::core::journal::export::{self, Format, Imported};
use crate::core::journal::Retention;
use crate::core::time::format_stream_ms;
use crate::ui::download;
use crate::ui::format::{count, megabytes};

/// Offer bytes as a download straight from a Blob (an export can be 100 MB: no detour
/// through a string).
fn save(filename: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
        .map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let result = download::url_download(filename, &url);
    // Revoked later: the download may still be reading the Blob when this returns.
    let revoke = move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    };
    gloo_timers::callback::Timeout::new(60_000, revoke).forget();
    result
}

fn stream_time(t_ms: Option<i64>) -> String {
    t_ms.map_or_else(|| "–".into(), format_stream_ms)
}

/// A retention field's text: empty is no cap; otherwise a non-negative number.
fn parse_cap(text: &str, what: &str) -> Result<Option<f64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
        _ => Err(format!(
            "{what}: enter a number of 0 or more, or leave it empty for no cap ({t:?} is not one)."
        )),
    }
}

/// The journal's figures and tools. `scope` names the workspace (`monitor`, `errors`): every
/// element id is `{scope}-journal-…`, unique while all workspaces stay mounted. `on_import`
/// receives the names and events of an imported file (the page decides how to replay
/// them); `on_clear` runs after a clear.
#[component]
pub fn JournalPanel(
    scope: &'static str,
    service: JournalService,
    #[prop(into)] on_import: Callback<Imported>,
    #[prop(optional, into)] on_clear: Option<Callback<()>>,
) -> impl IntoView {
    let id = move |name: &str| format!("{scope}-journal-{name}");
    let view = service.view();
    let svc = StoredValue::new_local(service);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let cancel_ref = NodeRef::<leptos::html::Button>::new();
    let clear_ref = NodeRef::<leptos::html::Button>::new();

    let initial = view.get_untracked().retention;
    let age_text = RwSignal::new(
        initial
            .max_age_ms
            .map(|ms| format!("{}", ms as f64 / 60_000.0))
            .unwrap_or_default(),
    );
    let mb_text = RwSignal::new(
        initial
            .max_bytes
            .map(|b| format!("{}", b as f64 / 1e6))
            .unwrap_or_default(),
    );

    let read_only = move || matches!(view.get().status, Status::ReadOnly { .. });
    let stats = move || view.get().stats;

    let do_export = move |format: Format| {
        error.set(None);
        match svc.with_value(|s| s.export(format)) {
            Ok(bytes) => {
                let name = format!("pipescope-journal.{}", format.extension());
                match save(&name, format.mime(), &bytes) {
                    Ok(()) => notice.set(Some(format!(
                        "Exported {} as {name}.",
                        megabytes(bytes.len() as u64)
                    ))),
                    Err(e) => error.set(Some(format!("The export could not be saved: {e}"))),
                }
            }
            Err(e) => error.set(Some(format!("Export failed: {e}"))),
        }
    };

    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        // Cleared so that picking the same file again imports it again.
        input.set_value("");
        error.set(None);
        notice.set(Some(format!("Reading {}…", file.name())));
        spawn_local(async move {
            let name = file.name();
            let bytes = match JsFuture::from(file.array_buffer()).await {
                Ok(buf) => js_sys::Uint8Array::new(&buf).to_vec(),
                Err(_) => {
                    notice.set(None);
                    error.set(Some(format!("{name} could not be read.")));
                    return;
                }
            };
            match export::import(&bytes) {
                Ok(imported) => {
                    notice.set(Some(format!(
                        "Imported {} events from {name}.",
                        count(imported.events.len())
                    )));
                    on_import.run(imported);
                }
                Err(e) => {
                    notice.set(None);
                    error.set(Some(format!("{name}: {e}")));
                }
            }
        });
    };

    let ask_clear = move |_| {
        error.set(None);
        confirming.set(true);
    };
    // The confirmation takes focus on its safe choice; leaving it returns focus to Clear.
    Effect::new(move |_| {
        if let Some(b) = cancel_ref.get() {
            let _ = b.focus();
        }
    });
    let close_confirm = move || {
        confirming.set(false);
        if let Some(b) = clear_ref.get_untracked() {
            let _ = b.focus();
        }
    };
    let do_clear = move |_| {
        match svc.with_value(|s| s.clear()) {
            Ok(()) => {
                notice.set(Some("The journal is empty.".into()));
                if let Some(cb) = on_clear {
                    cb.run(());
                }
            }
            Err(e) => error.set(Some(format!("Clear failed: {e}"))),
        }
        close_confirm();
    };

    let apply_retention = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let age = parse_cap(&age_text.get_untracked(), "Keep at most (minutes)");
        let mb = parse_cap(&mb_text.get_untracked(), "Keep at most (MB)");
        let (age, mb) = match (age, mb) {
            (Ok(a), Ok(m)) => (a, m),
            (Err(e), _) | (_, Err(e)) => {
                error.set(Some(e));
                return;
            }
        };
        let retention = Retention {
            max_age_ms: age.map(|m| (m * 60_000.0).round().min(i64::MAX as f64) as i64),
            max_bytes: mb.map(|m| (m * 1e6).round() as u64),
        };
        match svc.with_value(|s| s.set_retention(retention)) {
            Ok(done) if done.segments > 0 => notice.set(Some(format!(
                "Retention applied: {} older records compacted into the checkpoint ({}).",
                count(done.records as usize),
                megabytes(done.bytes)
            ))),
            Ok(_) => notice.set(Some("Retention applied.".into())),
            Err(e) => error.set(Some(format!("Retention failed: {e}"))),
        }
    };

    let status_banner = move || {
        match view.get().status {
            Status::Durable => view! {
                <p class="journal-status" id=id("status") data-status="durable">
                    "Saved in this browser: events survive a reload."
                </p>
            }
            .into_any(),
            // The workspace's banner at the top already gives the reason (and the take-over
            // button): here one line, so a reader does not meet the same warning twice.
            Status::MemoryOnly { .. } => view! {
                <p class="journal-status warn-text" id=id("status") data-status="memory-only">
                    "Durability is off: events stay in memory (the notice at the top says why)."
                </p>
            }
            .into_any(),
            Status::ReadOnly { .. } => view! {
                <p class="journal-status warn-text" id=id("status") data-status="read-only">
                    "Read-only: another tab writes this journal (the notice at the top says more)."
                </p>
            }
            .into_any(),
        }
    };

    view! {
        <section class="panel journal-panel" id=id("panel") aria-labelledby="journal-title">
            <h2 id=id("title")>"Journal"</h2>
            {status_banner}
            <p class="journal-recovery muted" id=id("recovery")
                hidden=move || { let v = view.get(); v.recovery_clean && v.stats.last_seq == 0 || v.recovery.is_empty() }
                data-clean=move || view.get().recovery_clean.to_string()>
                {move || view.get().recovery}
            </p>
            <dl class="journal-figures">
                <div><dt>"Events"</dt><dd id=id("events")>{move || count(stats().events as usize)}</dd></div>
                <div><dt>"Size"</dt><dd id=id("bytes")>{move || megabytes(stats().bytes)}</dd></div>
                <div><dt>"Oldest"</dt><dd id=id("oldest")>{move || stream_time(stats().oldest_t_ms)}</dd></div>
                <div><dt>"Newest"</dt><dd id=id("newest")>{move || stream_time(stats().newest_t_ms)}</dd></div>
                <div><dt>"Checkpoint"</dt><dd id=id("checkpoint")>
                    {move || stats().checkpoint_seq.map_or_else(|| "none".to_string(), |s| format!("record {}", count(s as usize)))}
                </dd></div>
                <div><dt>"Not yet on disk"</dt><dd id=id("unflushed")>{move || megabytes(view.get().unflushed_bytes)}</dd></div>
            </dl>
            <div class="journal-actions">
                <button id=id("export-ndjson") on:click=move |_| do_export(Format::Ndjson)>"Export NDJSON"</button>
                <button id=id("export-csv") on:click=move |_| do_export(Format::Csv)>"Export CSV"</button>
                <label class="button file-picker" for=id("import-input")>
                    "Import…"
                    <input id=id("import-input") type="file" accept=".ndjson,.jsonl,.json,.csv,text/csv,application/x-ndjson" on:change=on_file />
                </label>
                <button id=id("clear") class="danger" node_ref=clear_ref on:click=ask_clear
                    disabled=read_only aria-expanded=move || confirming.get().to_string()>"Clear…"</button>
            </div>
            <Show when=move || confirming.get()>
                <div class="journal-confirm" role="alertdialog" aria-labelledby="journal-confirm-text" id=id("confirm")
                    on:keydown=move |e: leptos::ev::KeyboardEvent| if e.key() == "Escape" { close_confirm() }>
                    <p id=id("confirm-text")>
                        {move || format!(
                            "Remove all {} events and checkpoints stored in this browser? This cannot be undone; export first to keep a copy.",
                            count(stats().events as usize)
                        )}
                    </p>
                    <button id=id("clear-confirm") class="danger" on:click=do_clear>"Clear the journal"</button>
                    <button id=id("clear-cancel") node_ref=cancel_ref on:click=move |_| close_confirm()>"Cancel"</button>
                </div>
            </Show>
            <form class="journal-retention" on:submit=apply_retention>
                <fieldset>
                    <legend>"Retention"</legend>
                    <label>"Keep at most "
                        <input id=id("retention-age") type="number" min="0" step="any" size="6" placeholder="no cap"
                            prop:value=move || age_text.get() on:input=move |e| age_text.set(event_target_value(&e)) />
                        " min of stream time"</label>
                    <label>"and "
                        <input id=id("retention-mb") type="number" min="0" step="any" size="6" placeholder="no cap"
                            prop:value=move || mb_text.get() on:input=move |e| mb_text.set(event_target_value(&e)) />
                        " MB"</label>
                    <button id=id("retention-apply") type="submit">"Apply"</button>
                </fieldset>
                <p class="hint" hidden=move || !view.get().over_cap id=id("over-cap")>
                    "Over the cap: older events are dropped only once a checkpoint covers them."
                </p>
            </form>
            <p class="journal-notice" id=id("notice") role="status">{move || notice.get()}</p>
            {move || error.get().map(|e| view! {
                <div class="banner error" id=id("error") role="alert"><div class="msg">{e}</div></div>
            })}
        </section>
    }
}

/// Once the writing tab has closed, a read-only tab offers to reload and write.
#[component]
pub fn TakeOver(closed: bool) -> impl IntoView {
    let reload = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    };
    closed.then(|| {
        view! {
            <button class="journal-takeover" on:click=reload>"Reload and write here"</button>
        }
    })
}
