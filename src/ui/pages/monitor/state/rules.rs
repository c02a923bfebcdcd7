//! The Monitor's side of the user's rules and silences: applying an edited or imported
//! rules file to the running stream, silences made on the page, what the panel shows of
//! them, and "would have fired" over the history the Monitor holds. The state itself is
//! `core::rules::Alerting`, judged with the detectors and checkpointed with them.

use leptos::prelude::*;

use super::MonState;
use crate::core::rules::{backtest, check, parse, Alerting, Backtest, Format, RulesError, Silence};
use crate::core::time::format_short_clock;
use crate::ui::pages::incidents::state::Source;
use crate::ui::running_rules::{rule_rows, RuleRow};
use crate::ui::silences::{page_silence, silence_rows, SilenceRow};

/// What the rules panel shows of the running rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RulesView {
    /// The rules file as applied.
    pub applied: String,
    /// The loaded rules.
    pub rules: Vec<RuleRow>,
    /// Every silence.
    pub silences: Vec<SilenceRow>,
}

impl RulesView {
    fn of(a: &Alerting, now: i64) -> RulesView {
        let clock = super::super::controls::clock;
        RulesView {
            applied: a.text().to_string(),
            rules: rule_rows(
                a.engine(),
                |_| true,
                |t, s| format!("{t} since {}", clock(s)),
            ),
            silences: silence_rows(a, now, |s| silence_when(s, now)),
        }
    }
}

/// A silence's window in the Monitor's words: daily, and the time it starts or has left.
fn silence_when(s: &Silence, now: i64) -> String {
    let clock = super::super::controls::clock;
    let mut when = Vec::new();
    if let Some(d) = s.daily {
        when.push(format!("daily {d} UTC"));
    }
    match (s.start_ms, s.end_ms) {
        _ if s.expired(now) => when.push(format!(
            "expired at {}",
            s.end_ms.map(clock).unwrap_or_default()
        )),
        (Some(a), _) if now < a => when.push(format!("starts at {}", clock(a))),
        (_, Some(e)) => when.push(format!(
            "{} left (until {})",
            format_short_clock((e - now).max(0).div_euclid(1000)),
            clock(e)
        )),
        _ => {}
    }
    when.join(", ")
}

/// Every mistake in the rules text being edited; metric patterns are checked against the
/// stream's metrics.
pub fn validate(text: &str, metrics: &[String]) -> Vec<RulesError> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    check(text, Format::sniff(text), Some(metrics))
}

impl MonState {
    /// Runs `f` on the rules and the incident book together.
    pub(super) fn with_alerting<R>(
        &self,
        f: impl FnOnce(&mut Alerting, &mut crate::core::incident::IncidentEngine) -> R,
    ) -> Option<R> {
        let mut a = self
            .alerting
            .try_update_value(|a| std::mem::replace(a, Alerting::new(Vec::new())))?;
        let r = self
            .incidents
            .with_book(Source::Monitor, |book| f(&mut a, book));
        self.alerting.set_value(a);
        r
    }

    /// Applies the rules text to the running stream; false (and the errors shown in the
    /// panel) when it has mistakes, the running rules kept.
    pub fn apply_rules(&self, text: &str) -> bool {
        let names = self.metric_names_untracked();
        let errors = validate(text, &names);
        if !errors.is_empty() {
            self.app.status.set(format!(
                "Rules not applied: {} mistake(s); the running rules keep running",
                errors.len()
            ));
            return false;
        }
        let result = self.with_alerting(|a, book| a.load(text, book));
        match result {
            Some(Ok(())) => {
                crate::ui::rules_editor::forget_draft();
                let n = self.alerting.with_value(|a| a.engine().rules().len());
                self.app
                    .status
                    .set(format!("Applied {n} rule(s) to the stream"));
                self.checkpoint_now();
                self.publish();
                true
            }
            Some(Err(e)) => {
                self.app.status.set(format!("Rules not applied: {}", e[0]));
                false
            }
            None => false,
        }
    }

    /// An imported rules file: into the editor, applied when it has no mistake.
    pub fn import_rules(&self, name: &str, text: String) {
        crate::ui::rules_editor::import_text(self.rules_draft, self.app.status, name, text, |t| {
            self.apply_rules(t)
        });
    }

    /// Silences incidents matching `matchers` (`rule="x", metric=y`) from now for
    /// `duration` (`1h`) of stream time. Returns what was silenced, in words.
    pub fn add_silence(
        &self,
        matchers: &str,
        duration: &str,
        comment: &str,
    ) -> Result<String, String> {
        let now = self.judged_ms.get_untracked();
        let (silence, words) = page_silence(matchers, duration, comment, now)?;
        self.with_alerting(|a, book| a.add_silence(silence, book, now))
            .ok_or_else(|| "the stream is not running".to_string())?;
        self.checkpoint_now();
        self.publish();
        self.app.status.set(format!("Silenced {words}"));
        Ok(words)
    }

    /// Ends a page silence now.
    pub fn expire_silence(&self, index: usize) {
        let now = self.judged_ms.get_untracked();
        self.alerting.update_value(|a| {
            a.expire_silence(index, now);
        });
        self.checkpoint_now();
        self.publish();
    }

    /// Removes a page silence.
    pub fn delete_silence(&self, index: usize) {
        self.alerting.update_value(|a| {
            a.delete_silence(index);
        });
        self.checkpoint_now();
        self.publish();
    }

    /// Copies what the panel shows of the rules into its signal, when it changed.
    pub(super) fn publish_rules(&self) {
        let now = self.judged_ms.get_untracked();
        let view = self.alerting.with_value(|a| RulesView::of(a, now));
        if self.rules_view.with_untracked(|v| *v != view) {
            self.rules_view.set(view);
        }
    }

    /// When the rules in `text` would have fired over the points the Monitor holds (the
    /// last [`crate::core::monitor::HISTORY_LEN`] of each metric); Err: the text's first
    /// mistake.
    pub fn would_have_fired(&self, text: &str) -> Result<Backtest, String> {
        let file = parse(text, Format::sniff(text)).map_err(|e| e.to_string())?;
        let (names, samples) = self
            .with_feed(|f| {
                let names: Vec<String> = f.tracks.iter().map(|t| t.name.clone()).collect();
                let mut samples: Vec<(i64, u32, f64, Option<f64>)> = f
                    .tracks
                    .iter()
                    .enumerate()
                    .flat_map(|(s, t)| {
                        t.history
                            .iter()
                            .map(move |p| (p.t_ms, s as u32, p.value, p.expected.map(|_| p.score)))
                    })
                    .collect();
                // Stream order: time, then metric, as the stream delivered them.
                samples.sort_by_key(|p| (p.0, p.1));
                (names, samples)
            })
            .unwrap_or_default();
        Ok(backtest(&file.rules, names, &samples))
    }
}
