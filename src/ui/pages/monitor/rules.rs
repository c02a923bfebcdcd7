//! The Rules panel of the Monitor: a rules file (YAML or JSON, see docs/rules.md) edited
//! with validation as you type, imported and exported; the loaded rules with their state
//! live; silences made, listed, expired and deleted; and when the edited rules would have
//! fired over the stream so far.

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::controls::clock;
use super::state::{validate, MonState};
use crate::core::rules::{Backtest, RulesError};
use crate::ui::download;

/// The whole panel.
#[component]
pub fn RulesPanel() -> impl IntoView {
    let st = expect_context::<MonState>();
    let count = move || st.rules_view.with(|v| v.rules.len());
    view! {
        <details class="panel rules-panel" id="monitor-rules" open=true>
            <summary><h2>"Rules and silences"</h2>
                <span class="hint">{move || format!(
                    " {} rule(s) running; a firing rule opens an incident beside the detectors'", count())}</span>
            </summary>
            <div class="rules-cols">
                <Editor />
                <div class="rules-side">
                    <RuleList />
                    <Silences />
                </div>
            </div>
            <WouldHaveFired />
        </details>
    }
}

/// A starting rules file for the stream's metrics.
fn example(metrics: &[String]) -> String {
    let m = metrics.first().map_or("cpu", String::as_str);
    format!(
        "version: 1\nrules:\n  - name: {m} high\n    metric: {m}\n    above: 100\n    for: 30s\n    severity: 1\n"
    )
}

/// Where `line`:`column` (1-based, characters) is in `text`, in UTF-16 units (as a
/// textarea's selection counts).
fn offset(text: &str, line: u64, column: u64) -> u32 {
    let mut at = 0usize;
    for (k, l) in text.split('\n').enumerate() {
        if k + 1 == line as usize {
            let col: usize = l
                .chars()
                .take(column.saturating_sub(1) as usize)
                .map(char::len_utf16)
                .sum();
            return (at + col) as u32;
        }
        at += l.encode_utf16().count() + 1;
    }
    at as u32
}

/// The rules text with validation as you type, Apply, Import and Export.
#[component]
fn Editor() -> impl IntoView {
    let st = expect_context::<MonState>();
    let area = NodeRef::<leptos::html::Textarea>::new();
    let errors = Memo::new(move |_| {
        let names = st.metric_names();
        st.rules_draft.with(|t| validate(t, &names))
    });
    let applied = move || st.rules_view.with(|v| v.applied.clone()) == st.rules_draft.get();
    let go_to = move |line: u64, column: u64| {
        if let Some(el) = area.get_untracked() {
            let at = offset(&el.value(), line, column);
            let _ = el.focus();
            let _ = el.set_selection_range(at, at + 1);
        }
    };
    let on_import = move |e: ev::Event| {
        let input: web_sys::HtmlInputElement = e.target().unwrap().unchecked_into();
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            import(st, file);
        }
        input.set_value("");
    };
    let on_export = move |_| {
        let text = st.rules_draft.get_untracked();
        let (name, mime) = match crate::core::rules::Format::sniff(&text) {
            crate::core::rules::Format::Json => ("pipescope.rules.json", "application/json"),
            crate::core::rules::Format::Yaml => ("pipescope.rules.yaml", "application/yaml"),
        };
        match download::text(name, mime, &text) {
            Ok(()) => st.app.status.set(format!("Downloaded the rules as {name}")),
            Err(e) => st.app.status.set(format!("Download failed: {e}")),
        }
    };
    view! {
        <div class="rules-editor">
            <label for="rules-editor">"Rules file (YAML or JSON; the format is in docs/rules.md)"</label>
            <textarea id="rules-editor" node_ref=area rows="12" spellcheck="false" class="mono"
                aria-describedby="rules-errors"
                aria-invalid=move || (!errors.with(Vec::is_empty)).to_string()
                placeholder=move || example(&st.metric_names())
                prop:value=move || st.rules_draft.get()
                on:input=move |e| st.edit_rules_draft(event_target_value(&e))></textarea>
            <div class="row">
                <button id="rules-text-apply" class="primary" disabled=move || !errors.with(Vec::is_empty) || applied()
                    title="Run these rules on the stream; rules left unchanged keep their pending timers"
                    on:click=move |_| { st.apply_rules(&st.rules_draft.get_untracked()); }>"Apply"</button>
                <span class="button file-picker" title="Open a rules file (.yaml, .yml or .json); dropping one on the Monitor does the same">
                    "Import…"
                    <input id="rules-import" type="file" accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml,text/plain"
                        aria-label="Import a rules file (YAML or JSON)" on:change=on_import />
                </span>
                <button id="rules-export" on:click=on_export disabled=move || st.rules_draft.with(|t| t.trim().is_empty())>"Export"</button>
                <button id="rules-example" class="small" disabled=move || !st.rules_draft.with(|t| t.trim().is_empty())
                    on:click=move |_| st.edit_rules_draft(example(&st.metric_names()))>"Start from an example"</button>
                <span id="rules-applied" class="chip" data-applied=move || applied().to_string()>
                    {move || if applied() { "applied" } else { "unapplied changes" }}</span>
            </div>
            <div id="rules-errors" aria-live="polite">
                {move || {
                    let list = errors.get();
                    let text = st.rules_draft.get_untracked();
                    (!list.is_empty()).then(|| view! {
                        <p class="problem" role="alert">{format!("{} mistake(s); the running rules keep running until this is fixed", list.len())}</p>
                        <ul class="rules-errors">
                            {list.into_iter().map(|e| error_item(e, &text, go_to)).collect_view()}
                        </ul>
                    })
                }}
            </div>
        </div>
    }
}

/// One mistake: where, what, and the line with a caret under the column; a click puts the
/// cursor there.
fn error_item(
    e: RulesError,
    text: &str,
    go_to: impl Fn(u64, u64) + Copy + 'static,
) -> impl IntoView {
    let (line, column) = (e.line.unwrap_or(1), e.column.unwrap_or(1));
    let source = text
        .split('\n')
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("");
    let caret = format!("{}^", " ".repeat(column.saturating_sub(1) as usize));
    let at = match (e.line, e.column) {
        (Some(l), Some(c)) => format!("{l}:{c}"),
        (Some(l), None) => format!("{l}"),
        _ => String::new(),
    };
    view! {
        <li data-line=e.line.map(|l| l.to_string()).unwrap_or_default()
            data-column=e.column.map(|c| c.to_string()).unwrap_or_default()>
            <button class="link" title="Put the cursor there" on:click=move |_| go_to(line, column)>{at}</button>
            " "{e.to_string()}
            {e.line.map(|_| view! { <pre class="rules-excerpt" aria-hidden="true">{format!("{source}\n{caret}")}</pre> })}
        </li>
    }
}

/// Reads a rules file picked or dropped.
pub fn import(st: MonState, file: web_sys::File) {
    let name = file.name();
    spawn_local(async move {
        match crate::ui::loader::read_whole(&file).await {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => st.import_rules(&name, text),
                Err(e) => st.error.set(Some(format!(
                    "Rules: {name} is not UTF-8 text (byte {}); save it as UTF-8",
                    e.utf8_error().valid_up_to()
                ))),
            },
            Err(e) => st.error.set(Some(format!("Rules: {name}: {e}"))),
        }
    });
}

/// Whether a file's name says it is a rules file rather than metrics to replay.
pub fn is_rules_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.contains(".rules.")
}

/// The loaded rules and their state on the stream.
#[component]
fn RuleList() -> impl IntoView {
    let st = expect_context::<MonState>();
    view! {
        <div class="rules-running">
            <h3>"Running rules"</h3>
            {move || {
                let rows = st.rules_view.with(|v| v.rules.clone());
                if rows.is_empty() {
                    return view! { <p class="hint" id="rules-none">"No rule applied yet."</p> }.into_any();
                }
                view! {
                    <table class="profile" id="rules-list">
                        <thead><tr><th>"Rule"</th><th>"Condition"</th><th>"State"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! {
                                <tr data-rule=r.name.clone() data-state=r.status.name()>
                                    <td>{r.name.clone()}<span class="hint">{format!(" · SEV {}", r.severity)}</span></td>
                                    <td>{r.condition.clone()}</td>
                                    <td><span class=format!("badge rule-{}", r.status.name())>{r.status.name()}</span>
                                        {(!r.detail.is_empty()).then(|| view! { <span class="hint">{format!(" {}", r.detail)}</span> })}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </div>
    }
}

/// Silences: a form to make one, and the list with time left.
#[component]
fn Silences() -> impl IntoView {
    let st = expect_context::<MonState>();
    let matchers = RwSignal::new(String::new());
    let duration = RwSignal::new("1h".to_string());
    let comment = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let add = move |e: ev::SubmitEvent| {
        e.prevent_default();
        match st.add_silence(
            &matchers.get_untracked(),
            &duration.get_untracked(),
            &comment.get_untracked(),
        ) {
            Ok(_) => {
                problem.set(None);
                matchers.set(String::new());
                comment.set(String::new());
            }
            Err(e) => problem.set(Some(e)),
        }
    };
    view! {
        <div class="silences">
            <h3>"Silences"</h3>
            <form id="silence-form" class="row" on:submit=add>
                <label>"Matchers "
                    <input id="silence-matchers" type="text" size="24" placeholder="rule=\"cpu high\", metric=cpu_*"
                        title="Labels: source, rule, metric, code, severity, check; operators = != =~ !~; separate with commas"
                        prop:value=move || matchers.get() on:input=move |e| matchers.set(event_target_value(&e)) />
                </label>
                <label>"For "
                    <input id="silence-duration" type="text" size="5" title="Stream time, such as 30m, 1h, 1h30m"
                        prop:value=move || duration.get() on:input=move |e| duration.set(event_target_value(&e)) />
                </label>
                <label>"Comment "
                    <input id="silence-comment" type="text" size="16" placeholder="maintenance"
                        prop:value=move || comment.get() on:input=move |e| comment.set(event_target_value(&e)) />
                </label>
                <button id="silence-add" type="submit">"Silence"</button>
            </form>
            {move || problem.get().map(|p| view! { <p class="problem" role="alert" id="silence-problem">{p}</p> })}
            {move || {
                let rows = st.rules_view.with(|v| v.silences.clone());
                (!rows.is_empty()).then(|| view! {
                    <ul id="silences-list" class="silences-list">
                        {rows.into_iter().map(|s| {
                            let page = s.page;
                            let state = if s.expired { "expired" } else if s.active { "active" } else { "waiting" };
                            view! {
                                <li data-state=state data-origin=if page.is_some() { "page" } else { "file" }>
                                    <b>{state}</b>" "<span class="mono">{s.matchers.clone()}</span>
                                    {(!s.comment.is_empty()).then(|| format!(" · {}", s.comment))}
                                    <span class="hint">{format!(" · {}", s.when)}{page.is_none().then_some(" · from the rules file")}</span>
                                    {page.map(|k| view! {
                                        {(!s.expired).then(|| view! {
                                            <button class="small silence-expire" on:click=move |_| st.expire_silence(k)>"Expire now"</button>
                                        })}
                                        <button class="small silence-delete" on:click=move |_| st.delete_silence(k)>"Delete"</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })
            }}
        </div>
    }
}

/// When the edited rules would have fired over the stream so far.
#[component]
fn WouldHaveFired() -> impl IntoView {
    let st = expect_context::<MonState>();
    let result = RwSignal::new(None::<Result<Backtest, String>>);
    // A result is for the text it was run on.
    Effect::new(move |_| {
        st.rules_draft.track();
        result.set(None);
    });
    view! {
        <div class="rules-backtest">
            <button id="rules-backtest" disabled=move || st.rules_draft.with(|t| t.trim().is_empty())
                title="Run the rules in the editor over the points the Monitor holds, as if they had been applied from the start"
                on:click=move |_| result.set(Some(st.would_have_fired(&st.rules_draft.get_untracked())))>
                "Would these rules have fired?"</button>
            {move || result.get().map(|r| match r {
                Err(e) => view! { <p class="problem" id="backtest-result">{format!("Fix the rules first: {e}")}</p> }.into_any(),
                Ok(b) => backtest_view(b).into_any(),
            })}
        </div>
    }
}

fn backtest_view(b: Backtest) -> impl IntoView {
    let span = b.span.map_or("no points yet".to_string(), |(a, z)| {
        format!("over the points held, {} to {}", clock(a), clock(z))
    });
    view! {
        <div id="backtest-result">
            <p class="hint">{span}</p>
            <ul>
                {b.rules.into_iter().map(|(name, firings)| {
                    let n = firings.len();
                    let times = firings.iter().take(10).map(|f| format!(
                        "{} on {} (breach from {}{})", clock(f.fired_ms), f.target, clock(f.start_ms),
                        f.resolved_ms.map_or(", still firing".to_string(), |r| format!(", resolved {}", clock(r))))).collect::<Vec<_>>();
                    let id = name.clone();
                    view! {
                        <li data-rule=id data-fired=n.to_string()>
                            <b>{name}</b>{format!(": would have fired {n} time{}", if n == 1 { "" } else { "s" })}
                            {(n > 0).then(|| format!(" — {}{}", times.join("; "), if n > 10 { "; …" } else { "" }))}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}
