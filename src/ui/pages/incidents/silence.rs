//! "Silence…" on an incident card: matchers taken from the incident's labels (editable),
//! a duration and a comment; the silence runs on the stream of the incident's workspace
//! (the Monitor's or the Errors workspace's).

use leptos::prelude::*;

use super::state::{IncidentsState, Source};
use crate::core::incident::Incident;

/// The matchers that silence incidents like `i`: its rule, else its source and metrics.
pub fn matchers_for(i: &Incident) -> String {
    let labels = i.labels();
    let get = |k: &'static str| -> Vec<String> {
        labels
            .iter()
            .filter(|(l, _)| *l == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    if let Some(rule) = get("rule").first() {
        return format!("rule={rule:?}");
    }
    let mut out: Vec<String> = get("source")
        .iter()
        .map(|s| format!("source={s:?}"))
        .collect();
    out.extend(
        get("metric")
            .iter()
            .take(1)
            .map(|m| format!("metric={m:?}")),
    );
    out.join(", ")
}

/// The matchers that silence every member of a group: their one rule, else their source
/// and a pattern of their metrics (or codes).
pub fn matchers_for_group(members: &[Incident]) -> String {
    let labels: Vec<Vec<(&'static str, String)>> = members.iter().map(Incident::labels).collect();
    let values = |k: &'static str| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (l, v) in labels.iter().flatten() {
            if *l == k && !out.contains(v) {
                out.push(v.clone());
            }
        }
        out
    };
    let rules = values("rule");
    if rules.len() == 1 && labels.iter().all(|l| l.iter().any(|(k, _)| *k == "rule")) {
        return format!("rule={:?}", rules[0]);
    }
    let mut out: Vec<String> = values("source")
        .iter()
        .take(1)
        .map(|s| format!("source={s:?}"))
        .collect();
    for key in ["metric", "code"] {
        let vs = values(key);
        if !vs.is_empty() {
            let pattern: Vec<String> = vs.iter().map(|v| regex::escape(v)).collect();
            out.push(format!("{key}=~{:?}", pattern.join("|")));
        }
    }
    out.join(", ")
}

/// A disclosure with the silence form, its matchers filled in.
#[component]
pub fn SilenceForm(source: Source, matchers: String) -> impl IntoView {
    let st = expect_context::<IncidentsState>();
    let matchers = RwSignal::new(matchers);
    let duration = RwSignal::new("1h".to_string());
    let comment = RwSignal::new(String::new());
    let said = RwSignal::new(None::<Result<String, String>>);
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        said.set(Some(st.silence(
            source,
            &matchers.get_untracked(),
            &duration.get_untracked(),
            &comment.get_untracked(),
        )));
    };
    view! {
        <details class="silence-card">
            <summary>"Silence…"</summary>
            <form class="row" on:submit=submit>
                <label>"Matchers "<input class="silence-matchers" type="text" size="22"
                    prop:value=move || matchers.get() on:input=move |e| matchers.set(event_target_value(&e)) /></label>
                <label>"For "<input class="silence-duration" type="text" size="5"
                    prop:value=move || duration.get() on:input=move |e| duration.set(event_target_value(&e)) /></label>
                <label>"Comment "<input class="silence-comment" type="text" size="12"
                    prop:value=move || comment.get() on:input=move |e| comment.set(event_target_value(&e)) /></label>
                <button class="silence-submit" type="submit">"Silence"</button>
            </form>
            {move || said.get().map(|r| match r {
                Ok(w) => view! { <p class="hint" role="status">{format!("Silenced {w}; matching incidents are recorded but sent nowhere")}</p> }.into_any(),
                Err(e) => view! { <p class="problem" role="alert">{e}</p> }.into_any(),
            })}
        </details>
    }
}
