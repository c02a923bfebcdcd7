//! The "Running rules" table both Rules panels show (the Monitor's and the Errors
//! workspace's): each loaded rule with its condition and its state on the stream. Each
//! workspace picks the rules that run on its stream and says how a target is named; element
//! ids start with the panel's `prefix` (`rules-list`, `rules-none` in the Monitor).

use leptos::prelude::*;

use crate::core::rules::{Rule, RuleEngine};

/// A rule's state on the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleStatus {
    /// Not breaching.
    Inactive,
    /// Breaching, waiting out its `for`.
    Pending,
    /// Firing.
    Firing,
}

impl RuleStatus {
    /// As the panel writes it.
    pub fn name(self) -> &'static str {
        match self {
            RuleStatus::Inactive => "inactive",
            RuleStatus::Pending => "pending",
            RuleStatus::Firing => "firing",
        }
    }
}

/// One loaded rule as the table lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleRow {
    /// The rule's name.
    pub name: String,
    /// 1 or 2.
    pub severity: u8,
    /// The condition in words.
    pub condition: String,
    /// Firing if any target fires, else pending if any waits.
    pub status: RuleStatus,
    /// The targets firing or pending, with since when.
    pub detail: String,
}

/// The rows of `engine`'s rules that `keep` selects, in file order; `since` writes a target
/// and the stream time it fires or waits since (`cpu since 0:01:10`).
pub fn rule_rows(
    engine: &RuleEngine,
    keep: impl Fn(&Rule) -> bool,
    since: impl Fn(&str, i64) -> String,
) -> Vec<RuleRow> {
    let (firing, pending) = (engine.firing(), engine.pending());
    engine
        .rules()
        .iter()
        .filter(|r| keep(r))
        .map(|r| {
            let of = |list: &[(&str, String, i64)]| -> Vec<String> {
                list.iter()
                    .filter(|(n, _, _)| *n == r.name)
                    .map(|(_, t, s)| since(t, *s))
                    .collect()
            };
            let (f, p) = (of(&firing), of(&pending));
            let status = if !f.is_empty() {
                RuleStatus::Firing
            } else if !p.is_empty() {
                RuleStatus::Pending
            } else {
                RuleStatus::Inactive
            };
            let mut detail = Vec::new();
            if !f.is_empty() {
                detail.push(format!("firing on {}", f.join(", ")));
            }
            if !p.is_empty() {
                detail.push(format!("pending on {}", p.join(", ")));
            }
            RuleRow {
                name: r.name.clone(),
                severity: r.severity,
                condition: r.condition_text(),
                status,
                detail: detail.join("; "),
            }
        })
        .collect()
}

/// The running rules and their state; `children` (a note on rules run elsewhere) follow
/// the table.
#[component]
pub fn RunningRules(
    /// Id prefix: `rules` gives `rules-list` (the table) and `rules-none` (no rule yet).
    prefix: &'static str,
    /// The rows, as the workspace publishes them.
    #[prop(into)]
    rows: Signal<Vec<RuleRow>>,
    /// What to say before any rule runs.
    none: &'static str,
    /// Shown under the table (or under `none`).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="rules-running">
            <h3>"Running rules"</h3>
            {move || {
                let rows = rows.get();
                if rows.is_empty() {
                    return view! { <p class="hint" id=format!("{prefix}-none")>{none}</p> }.into_any();
                }
                view! {
                    <table class="profile rules-table" id=format!("{prefix}-list")>
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
            {children.map(|c| c())}
        </div>
    }
}
