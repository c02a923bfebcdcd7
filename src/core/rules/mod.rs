//! Rules a user writes, and silences: a versioned file (JSON or YAML, see docs/rules.md)
//! of named threshold, rate, absence, detector-score and error-rate rules, evaluated
//! causally on a stream beside the learnt detectors, and of silences that mute matching
//! incidents for a while.
//!
//! * [`parse`] reads a rules file (the first mistake as a [`RulesError`] naming the rule,
//!   its line and what was expected); [`check`] returns every mistake at once, for an
//!   editor validating as the user types, and [`unmatched`] the rules whose metric matches
//!   nothing in a stream. A caller keeps its running rules when a new file fails to read.
//! * [`RuleEngine`] evaluates the rules point by point ([`RuleEngine::observe`],
//!   [`RuleEngine::error_event`], [`RuleEngine::advance_to`]) into [`RuleOutcome`]s; its
//!   state is serde, so a journal resumes pending `for` timers exactly.
//! * [`check_rules`] judges the rules whose target is a dataset check on one run of a
//!   checks file (one-shot: a check rule has no `for`).
//! * [`IncidentEngine::sync_rules`] turns outcomes into incidents (source `rule`) in the
//!   same book as the detectors'; [`apply`] does that and marks silenced incidents.
//!
//! ```
//! use pipescope::core::incident::{IncidentConfig, IncidentEngine};
//! use pipescope::core::rules::{apply, parse, Format, RuleEngine};
//! let file = parse(r#"{"version": 1,
//!     "rules": [{"name": "price high", "metric": "energy_price", "above": 900, "for": "1m"}],
//!     "silences": [{"matchers": ["rule=\"price high\""], "daily": "02:00-03:00", "comment": "nightly batch"}]}"#,
//!     Format::Json).unwrap();
//! let mut rules = RuleEngine::new(file.rules.clone(), vec!["energy_price".into()]);
//! let mut book = IncidentEngine::new(IncidentConfig::default(), vec!["energy_price".into()]).unwrap();
//! let mut out = Vec::new();
//! for minute in 0..5 {
//!     let t = minute * 60_000;
//!     rules.observe(t, 0, if minute >= 1 { 950.0 } else { 800.0 }, None, &mut out);
//!     apply(&mut book, &out, &file.silences, t);
//!     out.clear();
//! }
//! let incident = &book.incidents()[0];
//! assert_eq!((incident.start_ms, incident.opened_ms), (60_000, 120_000));
//! assert_eq!(incident.silenced, None); // 00:02 is outside 02:00-03:00
//! ```
//!
//! [`IncidentEngine::sync_rules`]: crate::core::incident::IncidentEngine::sync_rules

pub mod checks;
pub mod error;
pub mod errors;
pub mod eval;
pub mod glob;
pub mod parse;
pub mod silence;
pub mod spec;
pub mod stream;

pub use crate::core::checks::Format;
pub use crate::core::incident::RuleOutcome;
pub use checks::{check_rules, CheckRulesRun};
pub use error::{ItemRef, RulesError, RulesErrorKind};
pub use errors::{backtest_errors, error_rule_incidents, ErrorRules};
pub use eval::{ErrorNames, RuleEngine};
pub use parse::{check, check_for_checks, parse, unmatched, unmatched_checks};
pub use silence::{parse_matchers, silencing, Daily, Matcher, Op};
pub use spec::{
    Build, Condition, Recover, Rule, RulesFile, Silence, Target, CHECK_PREFIX, FAILS_TEXT,
    RULES_VERSION,
};
pub use stream::{backtest, Alerting, Backtest, Firing, SilenceOrigin};

use crate::core::incident::IncidentEngine;

/// Folds rule outcomes into the incident book, then marks silenced every open incident
/// (the detectors' too) that one of `silences` mutes at stream time `now_ms`.
pub fn apply(
    book: &mut IncidentEngine,
    outcomes: &[RuleOutcome],
    silences: &[Silence],
    now_ms: i64,
) {
    if !outcomes.is_empty() {
        book.sync_rules(outcomes);
    }
    if !silences.is_empty() {
        book.mark_silenced(|i| silencing(silences, i, now_ms).map(Silence::describe));
    }
}

/// A crossing value as incidents show it: up to 4 significant decimals.
pub fn format_value(v: f64) -> String {
    crate::core::checks::report::number_text(v)
}
