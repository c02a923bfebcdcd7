//! "Would these rules have fired?": the button under a rules editor and the list of when
//! each rule would have fired and resolved over the history a workspace holds. The
//! workspace runs the backtest (`core::rules::backtest`, `backtest_errors`,
//! `backtest_live`); this shows it, the same in every workspace.

use leptos::prelude::*;

use crate::core::rules::Backtest;

/// The button and its result; a result is for the text it was run on, so editing the
/// draft clears it.
#[component]
pub fn WouldHaveFired(
    /// Id of the button; the result is `result_id`.
    button_id: &'static str,
    /// Id of the result (`li[data-rule][data-fired]` per rule).
    result_id: &'static str,
    /// The editor's text.
    draft: RwSignal<String>,
    /// The button's hover text: what history the rules run over.
    #[prop(into)]
    title: String,
    /// Runs the rules in the text; Err: the text's first mistake (or why it cannot run).
    run: Callback<String, Result<Backtest, String>>,
    /// Formats a stream time.
    clock: fn(i64) -> String,
    /// Names the history before its span ("over the stream").
    over: &'static str,
    /// Says the history is empty.
    empty: &'static str,
    /// Put before a firing's target ("code " for error codes).
    #[prop(default = "")]
    target_word: &'static str,
) -> impl IntoView {
    let result = RwSignal::new(None::<Result<Backtest, String>>);
    Effect::new(move |_| {
        draft.track();
        result.set(None);
    });
    view! {
        <div class="rules-backtest">
            <button id=button_id disabled=move || draft.with(|t| t.trim().is_empty()) title=title
                on:click=move |_| result.set(Some(run.run(draft.get_untracked())))>
                "Would these rules have fired?"</button>
            {move || result.get().map(|r| match r {
                Err(e) => view! { <p class="problem" id=result_id>{format!("Fix the rules first: {e}")}</p> }.into_any(),
                Ok(b) => listing(b, result_id, clock, over, empty, target_word).into_any(),
            })}
        </div>
    }
}

/// Each rule with how many times and when it would have fired (the first ten).
fn listing(
    b: Backtest,
    id: &'static str,
    clock: fn(i64) -> String,
    over: &'static str,
    empty: &'static str,
    target_word: &'static str,
) -> impl IntoView {
    let span = b.span.map_or(empty.to_string(), |(a, z)| {
        format!("{over}, {} to {}", clock(a), clock(z))
    });
    view! {
        <div id=id>
            <p class="hint">{span}</p>
            <ul>
                {b.rules.into_iter().map(|(name, firings)| {
                    let n = firings.len();
                    let times = firings.iter().take(10).map(|f| format!(
                        "{} on {target_word}{} (breach from {}{})", clock(f.fired_ms), f.target, clock(f.start_ms),
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
