//! The rules a running stream evaluates beside its detectors, as one journaled piece of
//! state: the rules file's text (as the user last applied it), the evaluator with its
//! pending `for` timers, the file's silences and those made on the page. The Monitor
//! checkpoints it with its detectors and incident book, so a reload resumes every rule
//! exactly; [`backtest`] answers "when would these rules have fired over this history?".

use serde::{Deserialize, Serialize};

use super::error::RulesError;
use super::eval::RuleEngine;
use super::spec::{Rule, Silence};
use super::{apply, check, parse, Format, RuleOutcome};
use crate::core::incident::IncidentEngine;

/// The rules and silences a stream runs.
///
/// ```
/// use pipescope::core::incident::{IncidentConfig, IncidentEngine};
/// use pipescope::core::rules::Alerting;
/// let names = vec!["temp".to_string()];
/// let mut book = IncidentEngine::new(IncidentConfig::default(), names.clone()).unwrap();
/// let mut rules = Alerting::new(names);
/// rules.load("version: 1\nrules:\n  - {name: hot, metric: temp, above: 30}\n", &mut book).unwrap();
/// rules.observe(&mut book, 1_000, 0, 35.0, None);
/// assert_eq!(rules.engine().firing().len(), 1);
/// assert_eq!(book.incidents().len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alerting {
    /// The rules file as last applied (empty: no rules).
    text: String,
    engine: RuleEngine,
    /// The rules file's silences, then those made on the page (newest last): one list, so
    /// each point is matched without copying them.
    silences: Vec<Silence>,
    /// How many of `silences` come from the file.
    from_file: usize,
    /// Outcomes not yet folded into the book (always empty between calls).
    #[serde(skip)]
    out: Vec<RuleOutcome>,
}

/// Where a silence comes from, to list and remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilenceOrigin {
    /// The rules file (edit the file to change it).
    File,
    /// Made on the page: the index in [`Alerting::page_silences`].
    Page(usize),
}

impl Alerting {
    /// No rules, no silences, over metrics named `names`.
    pub fn new(names: Vec<String>) -> Alerting {
        Alerting {
            text: String::new(),
            engine: RuleEngine::new(Vec::new(), names),
            silences: Vec::new(),
            from_file: 0,
            out: Vec::new(),
        }
    }

    /// The same rules and silences, their state forgotten, over metrics named `names` (a
    /// stream started afresh).
    pub fn fresh(&self, names: Vec<String>) -> Alerting {
        Alerting {
            text: self.text.clone(),
            engine: RuleEngine::new(self.engine.rules().to_vec(), names),
            silences: self.silences.clone(),
            from_file: self.from_file,
            out: Vec::new(),
        }
    }

    /// The rules file's text as last applied.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The evaluator (rules, what fires and what waits).
    pub fn engine(&self) -> &RuleEngine {
        &self.engine
    }

    /// The silences made on the page.
    pub fn page_silences(&self) -> &[Silence] {
        &self.silences[self.from_file..]
    }

    /// Every silence with where it comes from: the file's, then the page's.
    pub fn silences(&self) -> Vec<(SilenceOrigin, &Silence)> {
        self.silences
            .iter()
            .enumerate()
            .map(|(k, s)| match k.checked_sub(self.from_file) {
                Some(page) => (SilenceOrigin::Page(page), s),
                None => (SilenceOrigin::File, s),
            })
            .collect()
    }

    /// Whether there is nothing to evaluate (no rule, no silence): the stream judges as if
    /// rules did not exist.
    pub fn is_idle(&self) -> bool {
        self.engine.rules().is_empty() && self.silences.is_empty()
    }

    /// Applies a rules file (format sniffed from the text). On a mistake every error is
    /// returned and the rules already running keep running; otherwise rules unchanged but
    /// for their line keep their state, and a firing rule removed or changed resolves now.
    pub fn load(&mut self, text: &str, book: &mut IncidentEngine) -> Result<(), Vec<RulesError>> {
        let format = Format::sniff(text);
        let file = if text.trim().is_empty() {
            None
        } else {
            let errors = check(text, format, None);
            if !errors.is_empty() {
                return Err(errors);
            }
            Some(parse(text, format).map_err(|e| vec![e])?)
        };
        let (rules, silences) = file.map_or((Vec::new(), Vec::new()), |f| (f.rules, f.silences));
        self.engine.set_rules(rules, &mut self.out);
        let n = silences.len();
        self.silences.splice(..self.from_file, silences);
        self.from_file = n;
        self.text = text.to_string();
        self.settle(book, self.engine.now_ms().unwrap_or(0));
        Ok(())
    }

    /// The rules of an already-parsed file (its text not kept), over metrics named `names`.
    pub fn from_file(file: super::spec::RulesFile, names: Vec<String>) -> Alerting {
        Alerting {
            text: String::new(),
            engine: RuleEngine::new(file.rules, names),
            from_file: file.silences.len(),
            silences: file.silences,
            out: Vec::new(),
        }
    }

    /// Names the error stream's builds and codes (and which two are compared), so error
    /// rules find their targets.
    pub fn set_error_names(&mut self, names: super::eval::ErrorNames) {
        self.engine.set_error_names(names);
    }

    /// One error event; rule transitions go into `book` at once.
    pub fn error_event(&mut self, book: &mut IncidentEngine, t_ms: i64, build: u32, code: u32) {
        self.engine.error_event(t_ms, build, code, &mut self.out);
        self.settle(book, t_ms);
    }

    /// Renames the metrics (a live source's series joined).
    pub fn set_names(&mut self, names: Vec<String>) {
        self.engine.set_names(names);
    }

    /// Adds a silence made on the page and marks what it silences now.
    pub fn add_silence(&mut self, silence: Silence, book: &mut IncidentEngine, now_ms: i64) {
        self.silences.push(silence);
        self.settle(book, now_ms);
    }

    /// Ends a page silence at `now_ms` (it stays listed as expired); false when there is
    /// no such silence.
    pub fn expire_silence(&mut self, index: usize, now_ms: i64) -> bool {
        match self.silences[self.from_file..].get_mut(index) {
            Some(s) => {
                s.end_ms = Some(s.end_ms.map_or(now_ms, |e| e.min(now_ms)));
                true
            }
            None => false,
        }
    }

    /// Removes a page silence; false when there is no such silence.
    pub fn delete_silence(&mut self, index: usize) -> bool {
        let k = self.from_file + index;
        (k < self.silences.len())
            .then(|| self.silences.remove(k))
            .is_some()
    }

    /// One metric sample (after the detector judged it: `score` is its score, None while
    /// it trains); rule transitions go into `book` at once.
    pub fn observe(
        &mut self,
        book: &mut IncidentEngine,
        t_ms: i64,
        series: u32,
        value: f64,
        score: Option<f64>,
    ) {
        self.engine
            .observe(t_ms, series, value, score, &mut self.out);
        self.settle(book, t_ms);
    }

    /// Moves the rules' clock to `t_ms` (absent rules are judged) and settles the book.
    pub fn advance(&mut self, book: &mut IncidentEngine, t_ms: i64) {
        self.engine.advance_to(t_ms, &mut self.out);
        self.settle(book, t_ms);
    }

    fn settle(&mut self, book: &mut IncidentEngine, t_ms: i64) {
        if self.out.is_empty() && self.silences.is_empty() {
            return;
        }
        apply(book, &self.out, &self.silences, t_ms);
        self.out.clear();
    }
}

/// One time a rule would have fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing {
    /// The metric or code it fired on.
    pub target: String,
    /// Stream ms the breach began.
    pub start_ms: i64,
    /// Stream ms it fired.
    pub fired_ms: i64,
    /// Stream ms it resolved (None: still firing at the end of the history).
    pub resolved_ms: Option<i64>,
}

/// What each rule would have done over a history.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    /// Per rule, in file order: its name and its firings, oldest first.
    pub rules: Vec<(String, Vec<Firing>)>,
    /// The history's first and last stream times (None: no sample).
    pub span: Option<(i64, i64)>,
}

/// Runs `rules` from scratch over `samples` (stream ms, series id, value, detector score;
/// in stream order) of metrics named `names`, and lists when each would have fired and
/// resolved: "what would this rule have fired on?", before it is applied.
///
/// ```
/// use pipescope::core::rules::{backtest, parse, Format};
/// let file = parse("version: 1\nrules:\n  - {name: hot, metric: temp, above: 30, for: 1s}\n", Format::Yaml).unwrap();
/// let samples: Vec<_> = [20.0, 31.0, 32.0, 20.0, 35.0].iter().enumerate()
///     .map(|(k, v)| (k as i64 * 1000, 0, *v, None)).collect();
/// let b = backtest(&file.rules, vec!["temp".into()], &samples);
/// let firings = &b.rules[0].1;
/// assert_eq!(firings.len(), 1);
/// assert_eq!((firings[0].start_ms, firings[0].fired_ms, firings[0].resolved_ms), (1000, 2000, Some(3000)));
/// ```
pub fn backtest(
    rules: &[Rule],
    names: Vec<String>,
    samples: &[(i64, u32, f64, Option<f64>)],
) -> Backtest {
    let mut engine = RuleEngine::new(rules.to_vec(), names);
    let mut out = Vec::new();
    let mut per_rule: Vec<(String, Vec<Firing>)> =
        rules.iter().map(|r| (r.name.clone(), Vec::new())).collect();
    let mut record = |out: &mut Vec<RuleOutcome>| {
        for o in out.drain(..) {
            let Some(k) = per_rule.iter().position(|(n, _)| *n == o.rule) else {
                continue;
            };
            let list = &mut per_rule[k].1;
            if o.firing {
                list.push(Firing {
                    target: o.target,
                    start_ms: o.start_ms,
                    fired_ms: o.at_ms,
                    resolved_ms: None,
                });
            } else if let Some(f) = list
                .iter_mut()
                .rev()
                .find(|f| f.target == o.target && f.resolved_ms.is_none())
            {
                f.resolved_ms = Some(o.at_ms);
            }
        }
    };
    for &(t, series, value, score) in samples {
        engine.observe(t, series, value, score, &mut out);
        record(&mut out);
    }
    let span = samples.first().zip(samples.last()).map(|(a, b)| (a.0, b.0));
    if let Some((_, last)) = span {
        engine.advance_to(last, &mut out);
        record(&mut out);
    }
    Backtest {
        rules: per_rule,
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::incident::{IncidentConfig, IncidentState};

    fn book() -> IncidentEngine {
        IncidentEngine::new(IncidentConfig::default(), vec!["temp".into()]).unwrap()
    }

    const HOT: &str = "version: 1\nrules:\n  - {name: hot, metric: temp, above: 30, for: 2s}\n";

    #[test]
    fn a_bad_file_keeps_the_running_rules() {
        let mut b = book();
        let mut a = Alerting::new(vec!["temp".into()]);
        a.load(HOT, &mut b).unwrap();
        a.observe(&mut b, 0, 0, 35.0, None);
        let errors = a
            .load(
                "version: 1\nrules:\n  - {name: hot, metric: temp, above: high}\n",
                &mut b,
            )
            .unwrap_err();
        assert_eq!(errors[0].line, Some(3));
        assert_eq!(a.text(), HOT);
        a.observe(&mut b, 2_000, 0, 36.0, None);
        assert_eq!(
            b.incidents().len(),
            1,
            "the pending timer survived the bad file"
        );
    }

    #[test]
    fn a_page_silence_mutes_the_next_firing_until_it_expires() {
        let mut b = book();
        let mut a = Alerting::new(vec!["temp".into()]);
        a.load(HOT, &mut b).unwrap();
        let silence = Silence {
            matchers: vec![crate::core::rules::Matcher::parse("rule=hot").unwrap()],
            start_ms: Some(0),
            end_ms: Some(10_000),
            daily: None,
            comment: "maintenance".into(),
            line: None,
        };
        a.add_silence(silence, &mut b, 0);
        for (t, v) in [(0, 35.0), (2_000, 35.0), (3_000, 20.0)] {
            a.observe(&mut b, t, 0, v, None);
        }
        assert_eq!(b.incidents()[0].silenced.as_deref(), Some("maintenance"));
        assert_eq!(b.incidents()[0].state, IncidentState::Resolved);
        assert!(a.expire_silence(0, 4_000));
        for (t, v) in [(4_000, 35.0), (6_000, 35.0)] {
            a.observe(&mut b, t, 0, v, None);
        }
        assert_eq!(b.incidents().len(), 2);
        assert_eq!(b.incidents()[1].silenced, None);
        assert!(a.delete_silence(0) && !a.delete_silence(0));
    }

    #[test]
    fn state_survives_a_postcard_round_trip() {
        let mut b = book();
        let mut a = Alerting::new(vec!["temp".into()]);
        a.load(HOT, &mut b).unwrap();
        a.observe(&mut b, 0, 0, 35.0, None);
        let mut back: Alerting = postcard::from_bytes(&postcard::to_allocvec(&a).unwrap()).unwrap();
        assert_eq!(back, a);
        back.observe(&mut b, 2_000, 0, 35.0, None);
        assert_eq!(
            back.engine().firing()[0].2,
            0,
            "fired on the restored timer"
        );
    }
}
