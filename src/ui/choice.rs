//! A labelled drop-down of fixed choices, the shape of every setting in a player bar.

use leptos::prelude::*;

/// `label` and a `<select id=id>` of `options` (value, text); `on_pick` gets the value
/// picked, `value` is the one shown.
#[component]
pub fn Choice(
    id: &'static str,
    label: &'static str,
    /// Hover help: what the setting does.
    #[prop(optional)]
    title: Option<&'static str>,
    options: Vec<(String, String)>,
    #[prop(into)] value: Signal<String>,
    #[prop(into)] on_pick: Callback<String>,
) -> impl IntoView {
    view! {
        <label title=title>{label}" "
            <select id=id prop:value=move || value.get()
                on:change=move |e| on_pick.run(event_target_value(&e))>
                {options
                    .into_iter()
                    .map(|(v, text)| view! { <option value=v>{text}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}

/// Options from static (value, text) pairs.
pub fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(v, t)| (v.to_string(), t.to_string()))
        .collect()
}
