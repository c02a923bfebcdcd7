//! Error-code rules on an error stream, judged the one way both the Errors workspace and
//! `pipescope errors --rules` judge them: each event in stream order, and the clock ticking
//! at every bin boundary counted from the first event (so rates fall back between events
//! and rules resolve), whatever slices the events arrive in. After the last event the
//! clock runs on for the longest window and `for` of the rules, plus a bin.
//!
//! The state is serde: the Errors checkpoint holds it, so a reload resumes every pending
//! `for` timer exactly.

use serde::{Deserialize, Serialize};

use super::eval::ErrorNames;
use super::spec::{Condition, Rule};
use super::stream::{Alerting, Firing};
use super::{Backtest, RulesFile};
use crate::core::event::ErrorEvent;
use crate::core::incident::{IncidentEngine, IncidentSource};

/// The rules and silences an error stream runs, with the bin clock that judges them.
///
/// ```
/// use pipescope::core::event::ErrorEvent;
/// use pipescope::core::incident::IncidentEngine;
/// use pipescope::core::rules::{parse, Alerting, ErrorNames, ErrorRules, Format};
/// let file = parse("version: 1\nrules:\n  - {name: e5, code: '5', build: candidate, error_rate: {window: 10s, above: 1}}\n",
///     Format::Yaml).unwrap();
/// let names = ErrorNames { builds: vec!["v1".into(), "v2".into()], codes: vec!["5".into()], baseline: 0, candidate: 1 };
/// let mut rules = ErrorRules::new(Alerting::from_file(file, Vec::new()), names, 5_000);
/// let mut book = IncidentEngine::with_defaults();
/// for k in 0..40 {
///     rules.event(&mut book, &ErrorEvent { t_ms: k * 250, build: 1, code: 0 });
/// }
/// rules.finish(&mut book);
/// let i = &book.incidents()[0];
/// assert!(i.opened_ms > 0 && i.end_ms.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorRules {
    alerting: Alerting,
    /// Bin width, ms: the clock's tick.
    bin_ms: i64,
    /// The next bin boundary to tick (None: no event yet).
    next_tick: Option<i64>,
    /// The newest event's time.
    last_ms: Option<i64>,
}

impl ErrorRules {
    /// `alerting`'s rules over an error stream named by `names`, ticking every `bin_ms`.
    pub fn new(mut alerting: Alerting, names: ErrorNames, bin_ms: i64) -> ErrorRules {
        alerting.set_error_names(names);
        ErrorRules {
            alerting,
            bin_ms: bin_ms.max(1),
            next_tick: None,
            last_ms: None,
        }
    }

    /// The same rules and silences, their state forgotten (the stream replays from its
    /// start, with `names` and `bin_ms` perhaps changed).
    pub fn fresh(&self, names: ErrorNames, bin_ms: i64) -> ErrorRules {
        ErrorRules::new(self.alerting.fresh(Vec::new()), names, bin_ms)
    }

    /// The builds and codes the rules bind to, and the compared pair.
    pub fn names(&self) -> &ErrorNames {
        self.alerting.engine().error_names()
    }

    /// Names build `id` (a live feed names each build before its first event); rules on a
    /// named build count its events from then on.
    pub fn name_build(&mut self, id: u32, name: &str) {
        let mut names = self.names().clone();
        set_at(&mut names.builds, id, name, "build");
        self.alerting.set_error_names(names);
    }

    /// Names code `id` (before its first event); rules whose pattern matches it start
    /// counting it, and state already kept for it stays.
    pub fn name_code(&mut self, id: u32, name: &str) {
        let mut names = self.names().clone();
        set_at(&mut names.codes, id, name, "code");
        self.alerting.set_error_names(names);
    }

    /// The bin width the clock ticks by, ms.
    pub fn bin_ms(&self) -> i64 {
        self.bin_ms
    }

    /// The rules, silences and their evaluator.
    pub fn alerting(&self) -> &Alerting {
        &self.alerting
    }

    /// The rules and silences, to apply a file or add a silence.
    pub fn alerting_mut(&mut self) -> &mut Alerting {
        &mut self.alerting
    }

    /// Stream time the rules were last judged at (None: before the first event).
    pub fn now_ms(&self) -> Option<i64> {
        self.alerting.engine().now_ms()
    }

    /// One event: the bin boundaries before it tick, then it is counted.
    pub fn event(&mut self, book: &mut IncidentEngine, e: &ErrorEvent) {
        let next = *self.next_tick.get_or_insert(e.t_ms);
        self.tick_until(book, next, e.t_ms, false);
        self.last_ms = Some(e.t_ms);
        if !self.alerting.is_idle() {
            self.alerting.error_event(book, e.t_ms, e.build, e.code);
        }
    }

    /// The clock moved to `t_ms` with no event: every bin boundary up to it ticks.
    pub fn advance(&mut self, book: &mut IncidentEngine, t_ms: i64) {
        if let Some(next) = self.next_tick {
            self.tick_until(book, next, t_ms, true);
        }
    }

    /// The stream ended: the clock runs on for the longest window and `for` of the rules
    /// plus one bin, so what the events raised resolves. Calling it again does nothing.
    pub fn finish(&mut self, book: &mut IncidentEngine) {
        let Some(last) = self.last_ms else { return };
        let end = last
            .saturating_add(longest(self.alerting.engine().rules()))
            .saturating_add(self.bin_ms);
        self.advance(book, end);
    }

    /// Ticks every boundary from `tick` on that is before `limit` (or at it, `inclusive`).
    fn tick_until(&mut self, book: &mut IncidentEngine, tick: i64, limit: i64, inclusive: bool) {
        let due = |t: i64| t < limit || (inclusive && t == limit);
        let mut t = tick;
        if self.alerting.is_idle() {
            // Nothing to judge: only the grid moves on, to where the loop would leave it.
            if due(t) {
                let gap = limit.saturating_sub(t);
                let n = gap / self.bin_ms + i64::from(inclusive || gap % self.bin_ms != 0);
                t = t.saturating_add(n.saturating_mul(self.bin_ms));
            }
        } else {
            while due(t) {
                self.alerting.advance(book, t);
                t = t.saturating_add(self.bin_ms);
            }
        }
        self.next_tick = Some(t);
    }
}

/// Puts `name` at `id`, naming any id skipped on the way by its number (ids come in order
/// of first appearance, so a gap is only seen in a damaged journal).
fn set_at(list: &mut Vec<String>, id: u32, name: &str, word: &str) {
    let id = id as usize;
    while list.len() < id {
        list.push(format!("{word} {}", list.len()));
    }
    match list.get_mut(id) {
        Some(slot) => *slot = name.to_string(),
        None => list.push(name.to_string()),
    }
}

/// How long after the last event an error rule can still change: its window plus its `for`.
fn longest(rules: &[Rule]) -> i64 {
    rules
        .iter()
        .filter_map(|r| match &r.condition {
            Condition::ErrorRate { window, .. } | Condition::ErrorRatio { window, .. } => {
                Some(window.ms + r.hold_ms())
            }
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

/// The rule incidents `file` raises on an error stream's time-ordered `events` (the whole
/// stream, then [`ErrorRules::finish`]): what `pipescope errors --rules` prints.
pub fn error_rule_incidents(
    file: RulesFile,
    names: ErrorNames,
    events: &[ErrorEvent],
    bin_ms: i64,
) -> Vec<crate::core::incident::Incident> {
    let mut book = IncidentEngine::with_defaults();
    let mut rules = ErrorRules::new(Alerting::from_file(file, Vec::new()), names, bin_ms);
    for e in events {
        rules.event(&mut book, e);
    }
    rules.finish(&mut book);
    book.incidents().to_vec()
}

/// When `rules` would have fired over a whole error stream: "what would this rule have
/// fired on?", before it is applied. The same evaluation as [`error_rule_incidents`].
pub fn backtest_errors(
    rules: &[Rule],
    names: ErrorNames,
    events: &[ErrorEvent],
    bin_ms: i64,
) -> Backtest {
    let incidents = error_rule_incidents(RulesFile::of_rules(rules), names, events, bin_ms);
    Backtest::of_errors(rules, &incidents, events)
}

impl Backtest {
    /// Each of `rules`' firings among the rule `incidents` raised over error `events`.
    pub fn of_errors(
        rules: &[Rule],
        incidents: &[crate::core::incident::Incident],
        events: &[ErrorEvent],
    ) -> Backtest {
        let per_rule = rules
            .iter()
            .map(|r| {
                let firings = incidents
                    .iter()
                    .filter_map(|i| match &i.source {
                        IncidentSource::Rule { rule, target, .. } if *rule == r.name => {
                            Some(Firing {
                                target: target.clone(),
                                start_ms: i.start_ms,
                                fired_ms: i.opened_ms,
                                resolved_ms: i.end_ms,
                            })
                        }
                        _ => None,
                    })
                    .collect();
                (r.name.clone(), firings)
            })
            .collect();
        Backtest {
            rules: per_rule,
            span: events
                .first()
                .zip(events.last())
                .map(|(a, b)| (a.t_ms, b.t_ms)),
        }
    }
}
