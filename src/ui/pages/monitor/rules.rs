//! The Rules panel of the Monitor: a rules file (YAML or JSON, see docs/rules.md) edited
//! with validation as you type, imported and exported; the loaded rules with their state
//! live; silences made, listed, expired and deleted; and when the edited rules would have
//! fired over the stream so far.

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::controls::clock;
use super::state::{validate, MonState};
use crate::core::rules::Backtest;
use crate::ui::rules_editor::RulesEditor;

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

/// The shared editor on the Monitor's stream (ids `rules-…`).
#[component]
fn Editor() -> impl IntoView {
    let st = expect_context::<MonState>();
    let errors = Memo::new(move |_| {
        let names = st.metric_names();
        st.rules_draft.with(|t| validate(t, &names))
    });
    view! {
        <RulesEditor prefix="rules" draft=st.rules_draft
            applied=Signal::derive(move || st.rules_view.with(|v| v.applied.clone()))
            errors=errors
            example=Signal::derive(move || example(&st.metric_names()))
            on_apply=Callback::new(move |text: String| { st.apply_rules(&text); })
            on_import=Callback::new(move |file| import(st, file))
            on_status=Callback::new(move |m| st.app.status.set(m))
            apply_title="Run these rules on the stream; rules left unchanged keep their pending timers" />
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
