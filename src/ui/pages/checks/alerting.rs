//! Rules on check results in the Checks workspace: the app's rules text (the editor the
//! Monitor and Errors panels share) applied here judges every run of the checks, and a
//! firing rule opens an incident (source `rule`) in the Checks book.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::ChecksState;
use crate::core::checks::CheckReport;
use crate::core::rules::{self, check_for_checks, check_rules, Format, RulesError, Target};
use crate::ui::rules_editor::RulesEditor;

/// localStorage key of the rules text applied to the checks, kept for the next visit.
const APPLIED_KEY: &str = "pipescope-check-rules";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Every mistake of `text` for the checks: the file's own, and check rules matching no check
/// of the checks file in use (when one is).
fn validate(text: &str, checks: Option<&[String]>) -> Vec<RulesError> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    check_for_checks(text, Format::sniff(text), checks)
}

impl ChecksState {
    fn check_names(&self) -> Option<Vec<String>> {
        self.checks.with(|c| {
            c.as_ref()
                .map(|(_, c)| c.checks.iter().map(|k| k.name.clone()).collect())
        })
    }

    /// Applies the rules text to the checks; false (the mistakes under the editor) when it
    /// has mistakes, the applied rules kept.
    pub fn apply_check_rules(&self, text: &str) -> bool {
        let names = self.checks.with_untracked(|c| {
            c.as_ref()
                .map(|(_, c)| c.checks.iter().map(|k| k.name.clone()).collect::<Vec<_>>())
        });
        let errors = validate(text, names.as_deref());
        if !errors.is_empty() {
            self.app.status.set(format!(
                "Rules not applied: {} mistake(s); the applied rules keep running",
                errors.len()
            ));
            return false;
        }
        if text.trim().is_empty() {
            if let Some(s) = storage() {
                let _ = s.remove_item(APPLIED_KEY);
            }
            self.check_rules.set(None);
            self.check_rules_run.set(None);
            return true;
        }
        let file = match rules::parse(text, Format::sniff(text)) {
            Ok(f) => f,
            Err(e) => {
                self.app.status.set(format!("Rules not applied: {e}"));
                return false;
            }
        };
        crate::ui::rules_editor::forget_draft();
        if let Some(s) = storage() {
            let _ = s.set_item(APPLIED_KEY, text);
        }
        let n = count(&file);
        self.check_rules
            .set(Some((text.to_string(), Arc::new(file))));
        self.run_checks();
        self.app.status.set(format!(
            "Applied {n} check rule(s); they judge every run of the checks"
        ));
        true
    }

    /// Brings back the rules applied on the last visit.
    pub fn restore_check_rules(&self) {
        let Some(text) = storage().and_then(|s| s.get_item(APPLIED_KEY).ok().flatten()) else {
            return;
        };
        if let Ok(file) = rules::parse(&text, Format::sniff(&text)) {
            self.check_rules.set(Some((text, Arc::new(file))));
        }
    }

    /// Judges the applied check rules on a run of the checks at `now_ms` and folds their
    /// outcomes into the Checks book; how many fired (None without rules).
    pub(super) fn judge_check_rules(&self, report: &CheckReport, now_ms: i64) -> Option<usize> {
        let (_, file) = self.check_rules.get_untracked()?;
        let run = check_rules(&file.rules, report, now_ms);
        self.incidents
            .sync_check_rules(&run.outcomes, &file.silences, now_ms);
        let fired = run.firing().count();
        self.check_rules_run.set(Some(Arc::new(run)));
        Some(fired)
    }
}

fn count(file: &rules::RulesFile) -> usize {
    file.rules
        .iter()
        .filter(|r| matches!(r.target, Target::Check(_)))
        .count()
}

/// A starting rules file for the checks in use.
fn example(names: Option<Vec<String>>) -> String {
    let first = names
        .and_then(|n| n.into_iter().next())
        .unwrap_or_else(|| "row count".into());
    format!(
        "version: 1\nrules:\n  - name: {first} fails\n    check: {first}\n    fails: true\n    severity: 1\n"
    )
}

/// The rules editor on the checks (ids `checks-rules-…`), and what the rules said on the
/// last run.
#[component]
pub fn CheckRulesPanel() -> impl IntoView {
    let st = expect_context::<ChecksState>();
    let errors = Memo::new(move |_| {
        let names = st.check_names();
        st.app.rules_draft.with(|t| validate(t, names.as_deref()))
    });
    let on_import = Callback::new(move |file: web_sys::File| {
        let name = file.name();
        spawn_local(async move {
            match crate::ui::loader::read_whole(&file).await {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => crate::ui::rules_editor::import_text(
                        st.app.rules_draft,
                        st.app.status,
                        &name,
                        text,
                        |t| st.apply_check_rules(t),
                    ),
                    Err(e) => st.app.status.set(format!(
                        "Rules: {name} is not UTF-8 text (byte {}); save it as UTF-8",
                        e.utf8_error().valid_up_to()
                    )),
                },
                Err(e) => st.app.status.set(format!("Rules: {name}: {e}")),
            }
        });
    });
    let running = move || {
        st.check_rules
            .with(|r| r.as_ref().map_or(0, |(_, f)| count(f)))
    };
    view! {
        <details class="panel rules-panel" id="checks-rules">
            <summary><h2>"Rules on check results"</h2>
                <span class="hint" id="checks-rules-count">{move || format!(
                    " {} check rule(s) applied; a firing rule opens an incident beside the checks'", running())}</span>
            </summary>
            <RulesEditor prefix="checks-rules" draft=st.app.rules_draft
                applied=Signal::derive(move || st.check_rules.with(|r| r.as_ref().map(|(t, _)| t.clone()).unwrap_or_default()))
                errors=errors
                example=Signal::derive(move || example(st.check_names()))
                on_apply=Callback::new(move |text: String| { st.apply_check_rules(&text); })
                on_import=on_import
                on_status=Callback::new(move |m| st.app.status.set(m))
                apply_title="Judge every run of the checks with these rules (targets 'check: NAME or pattern')" />
            {move || st.check_rules_run.get().map(|run| {
                let fired: Vec<(String, String, String)> = run
                    .firing()
                    .map(|o| (o.rule.clone(), o.target.clone(), o.condition.clone()))
                    .collect();
                let n = fired.len().to_string();
                view! {
                    <ul class="rules-fired" id="checks-rules-fired" data-fired=n>
                        {fired.into_iter().map(|(rule, target, condition)| {
                            let text = format!(" fired on {target} ({condition})");
                            let shown = rule.clone();
                            view! {
                                <li data-rule=rule data-check=target><b>{shown}</b>{text}</li>
                            }
                        }).collect_view()}
                        {run.skipped.iter().map(|s| view! { <li class="hint">{s.clone()}</li> }).collect_view()}
                    </ul>
                }
            })}
        </details>
    }
}
