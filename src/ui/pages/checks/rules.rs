//! The checks file panel: open, suggest, download or clear a checks file, and its
//! pass/warn/fail table on the current file.

use super::state::ChecksState;
use crate::core::checks::report::{evidence_text, observed_text};
use crate::core::checks::{CheckResult, Status};
use crate::ui::download;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

/// The checks file and its results.
#[component]
pub fn ChecksPanel() -> impl IntoView {
    let st = expect_context::<ChecksState>();
    let on_pick = move |e: ev::Event| {
        let input: web_sys::HtmlInputElement = e.target().unwrap().unchecked_into();
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            spawn_local(async move {
                match crate::ui::loader::read_whole(&file).await {
                    Ok(bytes) => match String::from_utf8(bytes) {
                        Ok(text) => st.load_checks(file.name(), &text),
                        Err(e) => st.checks_error.set(Some(format!(
                            "{}: not UTF-8 text (byte {}); save the checks file as UTF-8",
                            file.name(),
                            e.utf8_error().valid_up_to()
                        ))),
                    },
                    Err(e) => st.checks_error.set(Some(format!("{}: {e}", file.name()))),
                }
            });
        }
        input.set_value("");
    };
    let on_download = move |_| {
        if let Some((name, text)) = st.checks_text() {
            let mime = if name.ends_with(".json") {
                "application/json"
            } else {
                "application/yaml"
            };
            match download::text(&download::safe_name(&name), mime, &text) {
                Ok(()) => st
                    .app
                    .status
                    .set(format!("Downloaded the checks as {name}")),
                Err(e) => st.app.status.set(format!("Download failed: {e}")),
            }
        }
    };
    let no_file = move || st.current.with(Option::is_none) && st.reference.with(Option::is_none);
    view! {
        <section class="panel checks-panel" aria-labelledby="checks-title">
            <div class="workspace-head">
                <h2 id="checks-title" class="section-title" style="margin: 0">"Checks"</h2>
                <span class="button file-picker" class:primary=move || st.checks.with(Option::is_none)
                    title="A checks file (YAML or JSON, see docs/checks.md): row counts, missing shares, ranges, patterns, freshness, schema, drift">
                    "Open checks file…"
                    <input id="checks-input" type="file" accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml,text/plain"
                        aria-label="Open a checks file (YAML or JSON)" on:change=on_pick />
                </span>
                <button id="checks-suggest" disabled=no_file on:click=move |_| st.suggest_checks()
                    title="Write a starting checks file from the current file's profile: its columns and types, missing shares, ranges, labels and row count">
                    "Suggest from the current file"</button>
                {move || st.checks.get().map(|(name, c)| view! {
                    <span class="chip" id="checks-name" title="The checks run on every current file opened; they are kept in this browser">
                        <b>{name}</b>{format!(" · {} check{}", c.checks.len(), if c.checks.len() == 1 { "" } else { "s" })}
                    </span>
                    <button id="checks-download" class="small" on:click=on_download>"Download"</button>
                    <button id="checks-clear" class="small" on:click=move |_| st.clear_checks()>"Clear"</button>
                })}
            </div>
            {move || st.checks_error.get().map(|msg| view! {
                <div class="banner error" role="alert" id="checks-error">
                    <div class="msg"><strong>"Could not use the checks file"</strong>{msg}</div>
                    <button class="small" on:click=move |_| st.checks_error.set(None) aria-label="Dismiss">"Dismiss"</button>
                </div>
            })}
            {move || match (st.checks.with(Option::is_some), st.check_report.get()) {
                (true, None) => Some(view! {
                    <p class="hint" id="checks-waiting">"Open a current file to run the checks on it."</p>
                }.into_any()),
                (_, Some(report)) => Some(view! { <Results report=report /> }.into_any()),
                (false, None) => None,
            }}
        </section>
    }
}

#[component]
fn Results(report: std::sync::Arc<crate::core::checks::CheckReport>) -> impl IntoView {
    let k = report.counts;
    let rows: Vec<CheckResult> = report.checks.clone();
    view! {
        <div class="summary" id="checks-summary" data-passed=k.passed.to_string() data-warned=k.warned.to_string()
            data-failed=k.failed.to_string() data-errors=k.errors.to_string()>
            <span class="chip"><b>{k.passed}</b>" passed"</span>
            <span class="chip" class:warn={k.warned > 0}><b>{k.warned}</b>" warned"</span>
            <span class="chip" class:bad={k.failed > 0}><b>{k.failed}</b>" failed"</span>
            {(k.errors > 0).then(|| view! { <span class="chip bad"><b>{k.errors}</b>" could not run"</span> })}
            {(k.failed + k.warned > 0).then(|| view! {
                <a class="chip" href="#/incidents" title="Each check that did not pass opened an incident (fail: SEV 1, warn: SEV 2)">"see incidents"</a>
            })}
        </div>
        <div class="table-wrap">
            <table class="profile" id="checks-table">
                <thead><tr>
                    <th class="type">"Status"</th>
                    <th class="name">"Check"</th>
                    <th class="type" title="fail: breaks the run (exit 1 on the command line); warn: reported only">"Level"</th>
                    <th class="type">"Rule"</th>
                    <th class="type">"Column"</th>
                    <th title="What was measured on the current file">"Observed"</th>
                    <th class="type">"Expected"</th>
                    <th class="type">"Evidence"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let evidence: Vec<String> = r.evidence.iter().map(evidence_text).collect();
                        let status = r.status;
                        view! {
                            <tr data-check=r.name.clone() data-status=status.name()>
                                <td class="type"><span class=format!("badge {}", status.name())>{status.name()}</span></td>
                                <td class="name" title=r.message.clone()>{r.name.clone()}
                                    {r.check_line.map(|l| view! { <span class="hint">{format!(" (line {l})")}</span> })}</td>
                                <td class="type">{r.level.name()}</td>
                                <td class="type">{r.rule}</td>
                                <td class="type">{r.column.clone().unwrap_or_default()}</td>
                                <td data-field="observed">{if status == Status::Error { "–".to_string() } else { observed_text(&r.observed) }}</td>
                                <td class="type">{r.expected.clone()}</td>
                                <td class="type evidence" title=evidence.join("\n")>{if status == Status::Error { r.message.clone() } else { evidence.join("; ") }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
