//! The Errors workspace's Rules panel: the app's rules file (the shared editor) applied to
//! the error stream, whose error-code rules are judged as `pipescope errors --rules` judges
//! them (`core::rules::ErrorRules`: every event, every bin boundary); the running rules and
//! their state, silences, the rule incidents with "Silence…", and when the edited rules
//! would have fired over the whole stream. Applying replays the stream from its start with
//! the rules, so the page's firings are the command line's.

use leptos::prelude::*;

use super::ErrState;
use crate::core::errors::live::backtest_live;
use crate::core::event::{ErrorEvent, Event};
use crate::core::incident::{Incident, IncidentSource, IncidentState};
use crate::core::rules::{
    backtest_errors, check, parse, Alerting, Backtest, ErrorNames, ErrorRules, Format, Rule,
    RulesError, Target,
};
use crate::core::time::format_stream_ms;
use crate::ui::pages::incidents::silence::SilenceForm;
use crate::ui::pages::incidents::state::Source;
use crate::ui::rules_backtest::WouldHaveFired;
use crate::ui::rules_editor::{read_file, RulesEditor};
use crate::ui::running_rules::{rule_rows, RuleRow, RunningRules};
use crate::ui::silences::{page_silence, silence_rows, SilenceInput, SilenceRow, Silences};

/// What the panel shows of the rules the stream runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RulesView {
    /// The rules file as applied.
    pub applied: String,
    rules: Vec<RuleRow>,
    /// Rules of the file that target metrics (the Monitor runs them), by name.
    elsewhere: Vec<String>,
    silences: Vec<SilenceRow>,
}

impl RulesView {
    fn of(a: &Alerting, now: i64) -> RulesView {
        let mine = |r: &Rule| matches!(r.target, Target::Errors { .. });
        RulesView {
            applied: a.text().to_string(),
            rules: rule_rows(a.engine(), mine, |t, s| {
                format!("code {t} since {}", format_stream_ms(s))
            }),
            elsewhere: a
                .engine()
                .rules()
                .iter()
                .filter(|r| !mine(r))
                .map(|r| r.name.clone())
                .collect(),
            silences: silence_rows(a, now, |s| match (s.daily, s.start_ms, s.end_ms) {
                (Some(d), _, _) => format!("daily {d} UTC"),
                (_, Some(a), Some(e)) => {
                    format!("{} to {}", format_stream_ms(a), format_stream_ms(e))
                }
                (_, _, Some(e)) => format!("until {}", format_stream_ms(e)),
                _ => String::new(),
            }),
        }
    }
}

/// Every mistake in the rules text for this workspace (metric patterns are the Monitor's
/// to check).
fn validate(text: &str) -> Vec<RulesError> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    check(text, Format::sniff(text), None)
}

/// A starting rules file for the stream's codes.
fn example(codes: &[String]) -> String {
    let c = codes.first().map_or("E500", String::as_str);
    format!(
        "version: 1\nrules:\n  - name: code {c} surges\n    code: \"{c}\"\n    build: candidate\n    error_rate: {{window: 1m, above: 1}}\n    for: 30s\n  - name: code {c} worse than baseline\n    code: \"{c}\"\n    error_rate: {{window: 5m, times_baseline: 3}}\n"
    )
}

impl ErrState {
    /// The error stream's names the rules bind to (None: no stream).
    pub(super) fn rule_names(&self) -> Option<ErrorNames> {
        let loaded = self.loaded.get_untracked()?;
        let (baseline, candidate) = self.builds.get_untracked();
        Some(ErrorNames {
            builds: loaded.stream.builds.clone(),
            codes: loaded.stream.codes.clone(),
            baseline,
            candidate,
        })
    }

    /// The rules, their state forgotten, for the stream starting again (a rebuild).
    pub(super) fn restart_rules(&self) {
        let names = self.rule_names().unwrap_or_default();
        let bin_ms = i64::from(self.bin_seconds.get_untracked().max(1)) * 1000;
        self.rules.update_value(|r| *r = r.fresh(names, bin_ms));
    }

    /// Applies the rules text: the stream replays from its start with it, so every rule is
    /// judged over the whole stream as the command line judges it. False (the running
    /// rules kept) when it has mistakes.
    pub fn apply_rules(&self, text: &str) -> bool {
        let errors = validate(text);
        let live = self.is_live();
        let load = |book: &mut crate::core::incident::IncidentEngine| {
            self.rules
                .try_update_value(|r| r.alerting_mut().load(text, book).is_ok())
                .unwrap_or(false)
        };
        let loaded = errors.is_empty()
            && if live {
                // A live feed is not replayed: the rules change in place, as a Prometheus
                // reload does (unchanged rules keep their timers; a removed rule that
                // was firing resolves in the book).
                self.incidents
                    .with_book(Source::Errors, load)
                    .unwrap_or(false)
            } else {
                // The stream replays from its start with the rules, into a fresh book.
                let mut scratch = crate::core::incident::IncidentEngine::with_defaults();
                load(&mut scratch)
            };
        if !loaded {
            self.app.status.set(format!(
                "Rules not applied: {} mistake(s); the running rules keep running",
                errors.len().max(1)
            ));
            return false;
        }
        let n = self.rules.with_value(|r| {
            r.alerting()
                .engine()
                .rules()
                .iter()
                .filter(|r| matches!(r.target, Target::Errors { .. }))
                .count()
        });
        if live {
            self.checkpoint_now();
        } else if self.loaded.with_untracked(Option::is_some) {
            self.rebuild();
        }
        self.publish_rules();
        crate::ui::rules_editor::forget_draft();
        self.app.status.set(if live {
            format!("Applied {n} error-code rule(s) to the live feed; they judge each event from now on (rules left unchanged keep their timers)")
        } else {
            format!("Applied {n} error-code rule(s); the stream was judged again from its start")
        });
        true
    }

    /// An imported rules file: into the editor, applied when it has no mistake.
    pub fn import_rules(&self, name: &str, text: String) {
        crate::ui::rules_editor::import_text(
            self.app.rules_draft,
            self.app.status,
            name,
            text,
            |t| self.apply_rules(t),
        );
    }

    /// Silences incidents matching `matchers` from the stream's clock now for `duration`
    /// of stream time; Ok says what was silenced.
    pub fn add_silence(
        &self,
        matchers: &str,
        duration: &str,
        comment: &str,
    ) -> Result<String, String> {
        if self.loaded.with_untracked(Option::is_none) {
            return Err("no error stream is loaded".into());
        }
        let now = self.position_ms.get_untracked();
        let (silence, words) = page_silence(matchers, duration, comment, now)?;
        let mut rules = self.rules.get_value();
        self.incidents
            .with_book(Source::Errors, |book| {
                rules.alerting_mut().add_silence(silence, book, now)
            })
            .ok_or_else(|| "the stream is not running".to_string())?;
        self.rules.set_value(rules);
        self.checkpoint_now();
        self.publish_rules();
        self.app.status.set(format!("Silenced {words}"));
        Ok(words)
    }

    /// Ends a page silence now.
    fn expire_silence(&self, index: usize) {
        let now = self.position_ms.get_untracked();
        self.rules.update_value(|r| {
            r.alerting_mut().expire_silence(index, now);
        });
        self.checkpoint_now();
        self.publish_rules();
    }

    /// Removes a page silence.
    fn delete_silence(&self, index: usize) {
        self.rules.update_value(|r| {
            r.alerting_mut().delete_silence(index);
        });
        self.checkpoint_now();
        self.publish_rules();
    }

    /// Copies what the panel shows of the rules into its signal, when it changed.
    pub(super) fn publish_rules(&self) {
        let now = self.position_ms.get_untracked();
        let view = self.rules.with_value(|r| RulesView::of(r.alerting(), now));
        if self.rules_view.with_untracked(|v| *v != view) {
            self.rules_view.set(view);
        }
    }

    /// When the rules in `text` would have fired over the whole loaded stream, judged as
    /// applying them would; Err: the text's first mistake.
    pub fn would_have_fired(&self, text: &str) -> Result<Backtest, String> {
        let file = parse(text, Format::sniff(text)).map_err(|e| e.to_string())?;
        let loaded = self
            .loaded
            .get_untracked()
            .ok_or_else(|| "load an error stream first".to_string())?;
        let names = self.rule_names().unwrap_or_default();
        let bin_ms = i64::from(self.bin_seconds.get_untracked().max(1)) * 1000;
        let rules: Vec<_> = file
            .rules
            .into_iter()
            .filter(|r| matches!(r.target, Target::Errors { .. }))
            .collect();
        if let Some(template) = self
            .live_state
            .with_value(|l| l.as_ref().map(|l| l.template().clone()))
        {
            // The feed's events are in the journal, not in a file.
            let events: Vec<ErrorEvent> = self
                .journal
                .get_untracked()
                .map(|svc| svc.events())
                .transpose()
                .map_err(|e| format!("the journal's events do not read ({e})"))?
                .unwrap_or_default()
                .into_iter()
                .filter_map(|e| match e {
                    Event::Error(e) => Some(e),
                    _ => None,
                })
                .collect();
            return backtest_live(&rules, &names, &events, &template).map_err(|e| e.to_string());
        }
        Ok(backtest_errors(
            &rules,
            names,
            &loaded.stream.events,
            bin_ms,
        ))
    }

    /// The rules and silences the stream runs now (for a checkpoint).
    pub(super) fn rules_state(&self) -> ErrorRules {
        self.rules.get_value()
    }
}

/// The whole panel.
#[component]
pub fn RulesPanel() -> impl IntoView {
    let st = expect_context::<ErrState>();
    let draft = st.app.rules_draft;
    let errors = Memo::new(move |_| draft.with(|t| validate(t)));
    let codes = move || {
        st.loaded
            .get()
            .map(|l| l.stream.codes.clone())
            .unwrap_or_default()
    };
    let import = move |file| {
        read_file(file, st.error, move |name, text| {
            st.import_rules(name, text)
        })
    };
    let count = move || st.rules_view.with(|v| v.rules.len());
    view! {
        <details class="panel rules-panel" id="errors-rules" open=true>
            <summary><h2>"Rules and silences"</h2>
                <span class="hint" id="errors-rules-hint">{move || if st.live.with(Option::is_some) {
                    format!(" {} error-code rule(s) running on the live feed; judged on every event it brings", count())
                } else {
                    format!(" {} error-code rule(s) running; judged every bin as `pipescope errors --rules` judges them", count())
                }}</span>
            </summary>
            <div class="rules-cols">
                <RulesEditor prefix="errors-rules" draft=draft
                    applied=Signal::derive(move || st.rules_view.with(|v| v.applied.clone()))
                    errors=errors
                    example=Signal::derive(move || example(&codes()))
                    on_apply=Callback::new(move |text: String| { st.apply_rules(&text); })
                    on_import=Callback::new(import)
                    on_status=Callback::new(move |m| st.app.status.set(m))
                    apply_title="Run these rules on the error stream, judged again from its start" />
                <div class="rules-side">
                    <RuleList />
                    <ErrorsSilences />
                </div>
            </div>
            <RuleIncidents />
            <WouldHaveFired button_id="errors-rules-backtest" result_id="errors-backtest-result"
                draft=st.app.rules_draft
                title="Run the error-code rules in the editor over the whole loaded stream (on a live feed, its journaled events), as applying them would"
                run=Callback::new(move |text: String| st.would_have_fired(&text))
                clock=format_stream_ms over="over the stream" empty="no events" target_word="code " />
        </details>
    }
}

/// The running error-code rules and their state.
#[component]
fn RuleList() -> impl IntoView {
    let st = expect_context::<ErrState>();
    view! {
        <RunningRules prefix="errors-rules" none="No error-code rule applied yet."
            rows=Signal::derive(move || st.rules_view.with(|v| v.rules.clone()))>
            {move || {
                let elsewhere = st.rules_view.with(|v| v.elsewhere.clone());
                (!elsewhere.is_empty()).then(|| view! {
                    <p class="hint" id="errors-rules-elsewhere">{format!(
                        "{} rule(s) run in other workspaces (metric rules in the Monitor, check rules in Checks): {}", elsewhere.len(), elsewhere.join(", "))}</p>
                })
            }}
        </RunningRules>
    }
}

/// Silences: a form to make one, and the list.
#[component]
fn ErrorsSilences() -> impl IntoView {
    let st = expect_context::<ErrState>();
    view! {
        <Silences prefix="errors-" placeholder="rule=\"code 5 surges\", code=5"
            matchers_title="Labels: source, rule, code, severity; operators = != =~ !~; separate with commas"
            rows=Signal::derive(move || st.rules_view.with(|v| v.silences.clone()))
            on_add=Callback::new(move |(m, d, c): SilenceInput| st.add_silence(&m, &d, &c))
            on_expire=Callback::new(move |k| st.expire_silence(k))
            on_delete=Callback::new(move |k| st.delete_silence(k)) />
    }
}

/// The rule incidents of the stream (also in the Incidents book), newest first, each open
/// one with "Silence…".
#[component]
fn RuleIncidents() -> impl IntoView {
    let st = expect_context::<ErrState>();
    let list = move || {
        st.incidents.version.get();
        let mut rows: Vec<Incident> = st
            .incidents
            .read(Source::Errors, |b| {
                b.incidents()
                    .iter()
                    .filter(|i| matches!(i.source, IncidentSource::Rule { .. }))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        rows.reverse();
        rows
    };
    view! {
        <div class="rule-incidents">
            <h3>"Rule incidents"</h3>
            {move || {
                let rows = list();
                if rows.is_empty() {
                    return view! { <p class="hint" id="errors-rule-incidents-none">"No rule has fired so far."</p> }.into_any();
                }
                view! {
                    <ul id="errors-rule-incidents" class="rule-incident-list">
                        {rows.into_iter().map(|i| {
                            let (rule, condition, target, value) = match &i.source {
                                IncidentSource::Rule { rule, condition, target, value, .. } => (rule.clone(), condition.clone(), target.clone(), *value),
                                _ => Default::default(),
                            };
                            let open = i.state == IncidentState::Open;
                            let end = i.end_ms.map_or("still firing".to_string(), |e| format!("resolved {}", format_stream_ms(e)));
                            let silenced = i.silenced.clone();
                            let is_silenced = silenced.is_some().to_string();
                            view! {
                                <li class="incident-card" data-rule=rule.clone() data-state=i.state.name()
                                    data-silenced=is_silenced data-opened=format_stream_ms(i.opened_ms)>
                                    <header>
                                        <span class=format!("sev sev{}", i.severity)>{format!("SEV {}", i.severity)}</span>
                                        <span class=format!("state {}", i.state.name())>{i.state.name()}</span>
                                    </header>
                                    <p><b>{format!("rule {rule} on code {target}")}</b>
                                        {format!(": {condition}; fired {} at {} (breach from {}), {end}",
                                            format_stream_ms(i.opened_ms), crate::core::rules::format_value(value), format_stream_ms(i.start_ms))}</p>
                                    {silenced.map(|s| view! {
                                        <p class="silenced-mark"><strong>"Silenced"</strong>{format!(" by {s}: not sent to any sink")}</p>
                                    })}
                                    {open.then(|| view! { <SilenceForm source=Source::Errors matchers=crate::ui::pages::incidents::silence::matchers_for(&i) /> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}
