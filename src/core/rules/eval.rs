//! The causal evaluator: fed each point in stream order, it keeps one state a rule and
//! target (a `for` timer pending, firing since, a rate window, the last sample) and says
//! when a rule fires and when it resolves. Its whole state is serde, so a journal can
//! checkpoint and restore it exactly (pending `for` timers included).
//!
//! Timing, the contract the tests hold it to:
//! - A value condition is judged at each sample of its target. It breaches at the first
//!   breaching sample (the incident's start) and fires at the first breaching sample at
//!   least `for` later, all samples between breaching; a non-breaching sample in between
//!   starts the wait again.
//! - A firing rule resolves at the first sample on the recovering side of `recover`
//!   (default: the threshold itself), so a value hovering between the two does not flap.
//! - `absent: D` is judged whenever the stream's clock moves: it breaches once more than D
//!   passed since the target's last sample (or since the rule started watching it) and
//!   resolves at the next sample.
//! - Error rates are judged when the clock moves to a new time `t`, over the events in
//!   `[t - window, t)`, so all events of one instant count together.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::spec::{Build, Condition, Recover, Rule, Target};
use crate::core::incident::RuleOutcome;

/// The error stream's names: builds, codes and which builds are compared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorNames {
    /// Build names by id.
    pub builds: Vec<String>,
    /// Code labels by id.
    pub codes: Vec<String>,
    /// The baseline build's id.
    pub baseline: u32,
    /// The candidate build's id.
    pub candidate: u32,
}

/// One rule on one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Slot {
    rule: u32,
    /// Series id, or code id for an error rule.
    target: u32,
    /// Breaching since (the first breaching sample), while not firing.
    pending: Option<i64>,
    /// Firing since (the start of the breach that fired).
    firing: Option<i64>,
    /// Absent rules: the last sample's time (or when watching began).
    last_ms: Option<i64>,
    /// Rate rules: recent (t, value); error rules: (t, 1 candidate / 0 baseline).
    window: VecDeque<(i64, f64)>,
    /// Error rules: events in the window of the candidate (or counted build), and of the
    /// baseline.
    counts: (u32, u32),
}

impl Slot {
    fn new(rule: u32, target: u32, now: Option<i64>) -> Slot {
        Slot {
            rule,
            target,
            pending: None,
            firing: None,
            last_ms: now,
            window: VecDeque::new(),
            counts: (0, 0),
        }
    }
}

/// Which side breaches.
#[derive(Clone, Copy)]
enum Side {
    Up(f64),
    Down(f64),
    Band(f64, f64),
}

/// The rule evaluator.
///
/// ```
/// use pipescope::core::rules::{parse, Format, RuleEngine};
/// let file = parse("version: 1\nrules:\n  - {name: hot, metric: temp, above: 30, for: 2s, recover: 25}\n", Format::Yaml).unwrap();
/// let mut engine = RuleEngine::new(file.rules, vec!["temp".into()]);
/// let mut out = Vec::new();
/// for (t, v) in [(0, 20.0), (1000, 31.0), (2000, 32.0), (3000, 33.0), (4000, 28.0), (5000, 24.0)] {
///     engine.observe(t, 0, v, None, &mut out);
/// }
/// assert_eq!((out[0].firing, out[0].start_ms, out[0].at_ms), (true, 1000, 3000));
/// assert_eq!((out[1].firing, out[1].at_ms), (false, 5000)); // 28 is above the recovery
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleEngine {
    rules: Vec<Rule>,
    names: Vec<String>,
    errors: ErrorNames,
    slots: Vec<Slot>,
    /// Series id to its slots.
    by_series: Vec<Vec<u32>>,
    /// Code id to its slots.
    by_code: Vec<Vec<u32>>,
    /// Slots of absent rules, and the earliest time one of them can fire.
    absent: Vec<u32>,
    next_due: i64,
    /// Slots of error rules.
    error_slots: Vec<u32>,
    start_ms: Option<i64>,
    now_ms: Option<i64>,
}

impl RuleEngine {
    /// An evaluator of `rules` over metrics named `names` (by series id; a series beyond
    /// them is `series N`).
    pub fn new(rules: Vec<Rule>, names: Vec<String>) -> RuleEngine {
        let mut e = RuleEngine {
            rules: Vec::new(),
            names,
            errors: ErrorNames::default(),
            slots: Vec::new(),
            by_series: Vec::new(),
            by_code: Vec::new(),
            absent: Vec::new(),
            next_due: i64::MIN,
            error_slots: Vec::new(),
            start_ms: None,
            now_ms: None,
        };
        e.set_rules(rules, &mut Vec::new());
        e
    }

    /// The rules.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The stream clock (None before anything happened).
    pub fn now_ms(&self) -> Option<i64> {
        self.now_ms
    }

    /// Replaces the rules (a newly loaded file). A rule unchanged but for its line keeps
    /// its state (pending timers, firing); a firing rule that was removed or changed
    /// resolves now, into `out`.
    pub fn set_rules(&mut self, rules: Vec<Rule>, out: &mut Vec<RuleOutcome>) {
        let now = self.now_ms.unwrap_or(0);
        for k in 0..self.slots.len() {
            let slot = &self.slots[k];
            let old = &self.rules[slot.rule as usize];
            let kept = rules.iter().any(|r| r.name == old.name && r.same_as(old));
            if let (false, Some(start)) = (kept, slot.firing) {
                out.push(self.outcome(k, start, now, f64::NAN, false));
            }
        }
        let old_rules = std::mem::replace(&mut self.rules, rules);
        let old_slots = std::mem::take(&mut self.slots);
        self.rebind(|_, rule: &Rule, target: u32| {
            let r = old_rules
                .iter()
                .position(|o| o.name == rule.name && o.same_as(rule))?;
            old_slots
                .iter()
                .find(|s| s.rule as usize == r && s.target == target)
                .cloned()
        });
    }

    /// Renames the metrics (series ids keep their meaning); rules by pattern pick up new
    /// matching metrics from now on.
    pub fn set_names(&mut self, names: Vec<String>) {
        self.names = names;
        self.rebind_keeping();
    }

    /// The error stream's names the rules bind to.
    pub fn error_names(&self) -> &ErrorNames {
        &self.errors
    }

    /// Names the error stream's builds and codes (before its events, or when new codes
    /// appear).
    pub fn set_error_names(&mut self, errors: ErrorNames) {
        self.errors = errors;
        self.rebind_keeping();
    }

    fn rebind_keeping(&mut self) {
        let old = std::mem::take(&mut self.slots);
        self.rebind(|r, _: &Rule, target: u32| {
            old.iter()
                .find(|s| s.rule as usize == r && s.target == target)
                .cloned()
        });
    }

    /// Builds every slot anew, taking a slot's state from `keep` when it has one.
    fn rebind(&mut self, keep: impl Fn(usize, &Rule, u32) -> Option<Slot>) {
        let series = self.names.len().max(self.by_series.len());
        let codes = self.errors.codes.len().max(self.by_code.len());
        let mut slots = Vec::new();
        let mut by_series = vec![Vec::new(); series];
        let mut by_code = vec![Vec::new(); codes];
        for (r, rule) in self.rules.iter().enumerate() {
            let errors = matches!(rule.target, Target::Errors { .. });
            let count = if errors { codes } else { series };
            for target in 0..count as u32 {
                let matched = if errors {
                    rule.target.matches_code(&code_name(&self.errors, target))
                } else {
                    rule.target
                        .matches_metric(&series_name(&self.names, target))
                };
                if !matched {
                    continue;
                }
                let mut slot =
                    keep(r, rule, target).unwrap_or_else(|| Slot::new(0, target, self.now_ms));
                slot.rule = r as u32;
                let list = if errors { &mut by_code } else { &mut by_series };
                list[target as usize].push(slots.len() as u32);
                slots.push(slot);
            }
        }
        self.slots = slots;
        self.by_series = by_series;
        self.by_code = by_code;
        self.index();
    }

    fn index(&mut self) {
        let kind = |s: &Slot| &self.rules[s.rule as usize].condition;
        self.absent = (0..self.slots.len() as u32)
            .filter(|&k| matches!(kind(&self.slots[k as usize]), Condition::Absent(_)))
            .collect();
        self.error_slots = (0..self.slots.len() as u32)
            .filter(|&k| {
                matches!(
                    kind(&self.slots[k as usize]),
                    Condition::ErrorRate { .. } | Condition::ErrorRatio { .. }
                )
            })
            .collect();
        self.next_due = i64::MIN;
    }

    /// Binds series ids up to `series` seen for the first time (beyond the names given).
    fn bind_series(&mut self, series: u32) {
        while self.by_series.len() <= series as usize {
            let id = self.by_series.len() as u32;
            let name = series_name(&self.names, id);
            let mut list = Vec::new();
            for (r, rule) in self.rules.iter().enumerate() {
                if rule.target.matches_metric(&name) {
                    list.push(self.slots.len() as u32);
                    self.slots.push(Slot::new(r as u32, id, self.now_ms));
                }
            }
            self.by_series.push(list);
        }
        self.index();
    }

    fn bind_code(&mut self, code: u32) {
        while self.by_code.len() <= code as usize {
            let id = self.by_code.len() as u32;
            let name = code_name(&self.errors, id);
            let mut list = Vec::new();
            for (r, rule) in self.rules.iter().enumerate() {
                if rule.target.matches_code(&name) {
                    list.push(self.slots.len() as u32);
                    self.slots.push(Slot::new(r as u32, id, self.now_ms));
                }
            }
            self.by_code.push(list);
        }
        self.index();
    }

    /// One metric sample at stream time `t_ms` (stream order; an older time counts at the
    /// clock): its value and the learnt detector's score if there is one. NaN is no
    /// sample. Rule transitions are appended to `out`.
    pub fn observe(
        &mut self,
        t_ms: i64,
        series: u32,
        value: f64,
        score: Option<f64>,
        out: &mut Vec<RuleOutcome>,
    ) {
        self.advance_to(t_ms, out);
        let t = self.now_ms.unwrap_or(t_ms);
        if series as usize >= self.by_series.len() {
            self.bind_series(series);
        }
        for i in 0..self.by_series[series as usize].len() {
            let k = self.by_series[series as usize][i] as usize;
            self.point(k, t, value, score, out);
        }
    }

    /// One error event at stream time `t_ms`: `build` and `code` index the names given
    /// by [`RuleEngine::set_error_names`].
    pub fn error_event(&mut self, t_ms: i64, build: u32, code: u32, out: &mut Vec<RuleOutcome>) {
        self.advance_to(t_ms, out);
        let t = self.now_ms.unwrap_or(t_ms);
        if code as usize >= self.by_code.len() {
            self.bind_code(code);
        }
        let (base, cand) = (self.errors.baseline, self.errors.candidate);
        for i in 0..self.by_code[code as usize].len() {
            let k = self.by_code[code as usize][i] as usize;
            let rule = &self.rules[self.slots[k].rule as usize];
            let slot = &mut self.slots[k];
            let Target::Errors { build: b, .. } = &rule.target else {
                continue;
            };
            let counted = match b {
                Build::Candidate => build == cand,
                Build::Baseline => build == base,
                Build::Named(n) => self.errors.builds.get(build as usize) == Some(n),
            };
            match rule.condition {
                Condition::ErrorRatio { .. } if counted || build == base => {
                    let flag = if counted { 1.0 } else { 0.0 };
                    slot.window.push_back((t, flag));
                    if counted {
                        slot.counts.0 += 1;
                    } else {
                        slot.counts.1 += 1;
                    }
                }
                Condition::ErrorRate { .. } if counted => {
                    slot.window.push_back((t, 1.0));
                    slot.counts.0 += 1;
                }
                _ => {}
            }
        }
    }

    /// Moves the stream clock to `t_ms` with no sample (a timer tick): absent rules and
    /// error rates are judged at the new time.
    pub fn advance_to(&mut self, t_ms: i64, out: &mut Vec<RuleOutcome>) {
        if self.now_ms.is_some_and(|now| t_ms <= now) {
            return;
        }
        self.now_ms = Some(t_ms);
        let start = *self.start_ms.get_or_insert(t_ms);
        if !self.absent.is_empty() && t_ms >= self.next_due {
            let mut next = i64::MAX;
            for i in 0..self.absent.len() {
                let k = self.absent[i] as usize;
                let rule = &self.rules[self.slots[k].rule as usize];
                let (Condition::Absent(d), hold) = (&rule.condition, rule.hold_ms()) else {
                    continue;
                };
                let slot = &mut self.slots[k];
                if slot.firing.is_some() {
                    continue;
                }
                let last = slot.last_ms.unwrap_or(start);
                let since = last.saturating_add(d.ms);
                if t_ms > since {
                    slot.pending = Some(since);
                    if t_ms - since >= hold {
                        slot.firing = Some(since);
                        slot.pending = None;
                        let silent_s = (t_ms - last) as f64 / 1000.0;
                        out.push(self.outcome(k, since, t_ms, silent_s, true));
                        continue;
                    }
                } else {
                    slot.pending = None;
                }
                next = next.min(since.saturating_add(hold.max(1)));
            }
            self.next_due = next;
        }
        for i in 0..self.error_slots.len() {
            let k = self.error_slots[i] as usize;
            self.error_tick(k, t_ms, out);
        }
    }

    fn error_tick(&mut self, k: usize, t: i64, out: &mut Vec<RuleOutcome>) {
        let rule = &self.rules[self.slots[k].rule as usize];
        let (window, side) = match &rule.condition {
            Condition::ErrorRate { window, above } => (window.ms, Side::Up(*above)),
            Condition::ErrorRatio { window, times } => (window.ms, Side::Up(*times)),
            _ => return,
        };
        let slot = &mut self.slots[k];
        while slot.window.front().is_some_and(|e| e.0 < t - window) {
            let (_, flag) = slot.window.pop_front().expect("a front");
            if flag > 0.5 {
                slot.counts.0 -= 1;
            } else {
                slot.counts.1 -= 1;
            }
        }
        if slot.window.is_empty() && slot.firing.is_none() && slot.pending.is_none() {
            return;
        }
        let m = match rule.condition {
            Condition::ErrorRate { .. } => slot.counts.0 as f64 / (window as f64 / 1000.0),
            _ => slot.counts.0 as f64 / f64::from(slot.counts.1.max(1)),
        };
        self.judge(k, t, m, side, out);
    }

    fn point(&mut self, k: usize, t: i64, v: f64, score: Option<f64>, out: &mut Vec<RuleOutcome>) {
        if v.is_nan() {
            return;
        }
        let rule = &self.rules[self.slots[k].rule as usize];
        let (m, side) = match &rule.condition {
            Condition::Above(x) => (v, Side::Up(*x)),
            Condition::Below(x) => (v, Side::Down(*x)),
            Condition::Outside { min, max } => (v, Side::Band(*min, *max)),
            Condition::ScoreAbove(x) => match score {
                Some(s) if !s.is_nan() => (s, Side::Up(*x)),
                _ => return,
            },
            Condition::Rate {
                window,
                above,
                below,
            } => {
                let w = window.ms;
                let side = match (above, below) {
                    (Some(a), _) => Side::Up(*a),
                    (_, Some(b)) => Side::Down(*b),
                    _ => return,
                };
                let slot = &mut self.slots[k];
                slot.window.push_back((t, v));
                // Keep the newest sample at or before t - window, and all after it.
                while slot.window.len() >= 2 && slot.window[1].0 <= t - w {
                    slot.window.pop_front();
                }
                let (t0, v0) = slot.window[0];
                if t0 > t - w || t0 == t {
                    return;
                }
                ((v - v0) / ((t - t0) as f64 / 1000.0), side)
            }
            Condition::Absent(d) => {
                let due = t.saturating_add(d.ms).saturating_add(rule.hold_ms().max(1));
                let slot = &mut self.slots[k];
                slot.last_ms = Some(t);
                slot.pending = None;
                self.next_due = self.next_due.min(due);
                if let Some(start) = slot.firing.take() {
                    out.push(self.outcome(k, start, t, 0.0, false));
                }
                return;
            }
            Condition::ErrorRate { .. } | Condition::ErrorRatio { .. } | Condition::Fails => return,
        };
        if m.is_finite() {
            self.judge(k, t, m, side, out);
        }
    }

    /// Breach, hold, fire and recover for measure `m` at `t`.
    fn judge(&mut self, k: usize, t: i64, m: f64, side: Side, out: &mut Vec<RuleOutcome>) {
        let rule = &self.rules[self.slots[k].rule as usize];
        let hold = rule.hold_ms();
        let rec = rule.recover.as_ref();
        let (breach, clear) = match side {
            Side::Up(x) => {
                let r = match rec {
                    Some(Recover::Value(r)) => *r,
                    _ => x,
                };
                (m > x, m <= r)
            }
            Side::Down(x) => {
                let r = match rec {
                    Some(Recover::Value(r)) => *r,
                    _ => x,
                };
                (m < x, m >= r)
            }
            Side::Band(a, b) => {
                let (ra, rb) = match rec {
                    Some(Recover::Range { min, max }) => (*min, *max),
                    _ => (a, b),
                };
                (m < a || m > b, m >= ra && m <= rb)
            }
        };
        let slot = &mut self.slots[k];
        if let Some(start) = slot.firing {
            if clear {
                slot.firing = None;
                slot.pending = None;
                out.push(self.outcome(k, start, t, m, false));
            }
            return;
        }
        if !breach {
            slot.pending = None;
            return;
        }
        let since = *slot.pending.get_or_insert(t);
        if t - since >= hold {
            slot.firing = Some(since);
            slot.pending = None;
            out.push(self.outcome(k, since, t, m, true));
        }
    }

    fn outcome(&self, k: usize, start: i64, at: i64, value: f64, firing: bool) -> RuleOutcome {
        let slot = &self.slots[k];
        let rule = &self.rules[slot.rule as usize];
        let (target, series, code) = match rule.target {
            Target::Errors { .. } => {
                let c = code_name(&self.errors, slot.target);
                (c.clone(), None, Some(c))
            }
            _ => (
                series_name(&self.names, slot.target),
                Some(slot.target),
                None,
            ),
        };
        RuleOutcome {
            rule: rule.name.clone(),
            severity: rule.severity,
            target,
            series,
            code,
            condition: rule.condition_text(),
            value,
            start_ms: start,
            at_ms: at,
            firing,
        }
    }

    /// The rules firing now: (rule, target, since).
    pub fn firing(&self) -> Vec<(&str, String, i64)> {
        self.states(|s| s.firing)
    }

    /// The rules breaching but waiting out their `for`: (rule, target, breaching since).
    pub fn pending(&self) -> Vec<(&str, String, i64)> {
        self.states(|s| s.pending)
    }

    fn states(&self, f: impl Fn(&Slot) -> Option<i64>) -> Vec<(&str, String, i64)> {
        self.slots
            .iter()
            .filter_map(|s| {
                let since = f(s)?;
                let rule = &self.rules[s.rule as usize];
                let target = match rule.target {
                    Target::Errors { .. } => code_name(&self.errors, s.target),
                    _ => series_name(&self.names, s.target),
                };
                Some((rule.name.as_str(), target, since))
            })
            .collect()
    }
}

fn series_name(names: &[String], id: u32) -> String {
    names
        .get(id as usize)
        .cloned()
        .unwrap_or_else(|| format!("series {id}"))
}

fn code_name(errors: &ErrorNames, id: u32) -> String {
    errors
        .codes
        .get(id as usize)
        .cloned()
        .unwrap_or_else(|| format!("code {id}"))
}
