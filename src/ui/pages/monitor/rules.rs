//! The Rules panel of the Monitor: a rules file (YAML or JSON, see docs/rules.md) edited
//! with validation as you type, imported and exported; the loaded rules with their state
//! live; silences made, listed, expired and deleted; and when the edited rules would have
//! fired over the stream so far.

use leptos::prelude::*;

use super::controls::clock;
use super::state::{validate, MonState};
use crate::ui::rules_backtest::WouldHaveFired;
use crate::ui::rules_editor::{read_file, RulesEditor};
use crate::ui::running_rules::RunningRules;
use crate::ui::silences::{SilenceInput, Silences};

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
                    <MonitorSilences />
                </div>
            </div>
            <WouldHaveFired button_id="rules-backtest" result_id="backtest-result"
                draft=st.rules_draft
                title="Run the rules in the editor over the points the Monitor holds, as if they had been applied from the start"
                run=Callback::new(move |text: String| st.would_have_fired(&text))
                clock=clock over="over the points held" empty="no points yet" />
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
    read_file(file, st.error, move |name, text| {
        st.import_rules(name, text)
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
        <RunningRules prefix="rules" none="No rule applied yet."
            rows=Signal::derive(move || st.rules_view.with(|v| v.rules.clone())) />
    }
}

/// Silences: a form to make one, and the list with time left.
#[component]
fn MonitorSilences() -> impl IntoView {
    let st = expect_context::<MonState>();
    view! {
        <Silences prefix="" placeholder="rule=\"cpu high\", metric=cpu_*"
            matchers_title="Labels: source, rule, metric, code, severity, check; operators = != =~ !~; separate with commas"
            rows=Signal::derive(move || st.rules_view.with(|v| v.silences.clone()))
            on_add=Callback::new(move |(m, d, c): SilenceInput| st.add_silence(&m, &d, &c))
            on_expire=Callback::new(move |k| st.expire_silence(k))
            on_delete=Callback::new(move |k| st.delete_silence(k)) />
    }
}
