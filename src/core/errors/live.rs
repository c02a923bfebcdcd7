//! The regression engine over a live feed, where builds come and go while the stream runs.
//!
//! Which builds are compared follows the deployment: build ids are given in order of first
//! appearance, and the newest build to appear is the candidate, the one before it the
//! baseline. Until a second build appears nothing is compared (the events are counted).
//! When a new build appears, the comparison starts over at the second of its first event:
//! the previous candidate becomes the baseline, and events before that second are not
//! compared, because the new build had no traffic then to set against them.
//!
//! Like [`ErrorEngine`], this is a deterministic fold over the events, so the journal's
//! checkpoint plus the events after it rebuild it exactly; the feed's cursor is part of the
//! fold, so a recovered page asks the feed for exactly what it missed.

use serde::{Deserialize, Serialize};

use super::heatmap::HeatMode;
use super::snapshot::RuleState;
use super::{Config, ConfigError, ErrorEngine};
use crate::core::event::{ErrorEvent, Event};
use crate::core::incident::IncidentEngine;
use crate::core::journal::{CatalogEntry, Engine, NameKind};
use crate::core::live::events::{EventFeed, FeedCursor};
use crate::core::rules::{ErrorNames, ErrorRules};

/// A live comparison: the engine for the current pair of builds, and what came before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveErrors {
    /// Settings for each new engine (its builds are replaced by the current pair).
    template: Config,
    /// The engine for the current pair, None before two builds were seen.
    engine: Option<ErrorEngine>,
    /// Build ids in order of first appearance.
    seen: Vec<u32>,
    /// Events applied.
    events: u64,
    /// Events of the newest second so far: a new pair's comparison starts with them, so
    /// the baseline's events of that second are not lost to the candidate's arrival.
    this_second: Vec<ErrorEvent>,
    /// When the current pair's comparison started, ms.
    pair_since_ms: Option<i64>,
    /// Time of the newest event applied, ms.
    newest_ms: Option<i64>,
    /// Where the feed has got to (a fold over the same events).
    cursor: FeedCursor,
}

impl LiveErrors {
    /// A live comparison with these detector settings (their builds are ignored).
    pub fn new(template: Config) -> Result<LiveErrors, ConfigError> {
        // The settings are checked now, not when the second build arrives.
        ErrorEngine::new(Config {
            baseline: 0,
            candidate: 1,
            ..template.clone()
        })?;
        Ok(LiveErrors {
            template,
            engine: None,
            seen: Vec::new(),
            events: 0,
            this_second: Vec::new(),
            pair_since_ms: None,
            newest_ms: None,
            cursor: FeedCursor::default(),
        })
    }

    /// Applies one event (in time order; a late one is counted late by the engine).
    pub fn push(&mut self, e: ErrorEvent) {
        self.push_with(e, |_, _| {});
    }

    /// Applies one event and judges `rules` on it, writing their incidents to `book`
    /// (what the page and a journal replay both do). The rules run with the comparison:
    /// not before two builds were seen, and afresh, with a fresh book, when a new build
    /// takes over as the candidate, starting with the events of that second as the
    /// engine does. True when that happened.
    ///
    /// ```
    /// use pipescope::core::errors::{live::LiveErrors, Config};
    /// use pipescope::core::event::ErrorEvent;
    /// use pipescope::core::incident::IncidentEngine;
    /// use pipescope::core::rules::{parse, Alerting, ErrorNames, ErrorRules, Format};
    /// let file = parse("version: 1\nrules:\n  - {name: e5, code: '5', build: candidate, error_rate: {window: 10s, above: 1}}\n",
    ///     Format::Yaml).unwrap();
    /// let mut rules = ErrorRules::new(Alerting::from_file(file, Vec::new()), ErrorNames::default(), 5_000);
    /// let mut book = IncidentEngine::with_defaults();
    /// let mut live = LiveErrors::new(Config::new(0, 1, 5)).unwrap();
    /// for (id, name) in ["v1", "v2"].iter().enumerate() {
    ///     rules.name_build(id as u32, name);
    /// }
    /// rules.name_code(0, "5");
    /// for k in 0..200 {
    ///     let build = u32::from(k >= 20);
    ///     live.push_judged(ErrorEvent { t_ms: k * 250, build, code: 0 }, &mut rules, &mut book);
    /// }
    /// assert_eq!(rules.names().candidate, 1);
    /// assert!(book.incidents()[0].opened_ms > 5_000, "build v2 surges once it is the candidate");
    /// ```
    pub fn push_judged(
        &mut self,
        e: ErrorEvent,
        rules: &mut ErrorRules,
        book: &mut IncidentEngine,
    ) -> bool {
        let mut fresh = false;
        self.push_with(e, |(baseline, candidate), earlier| {
            let names = ErrorNames {
                baseline,
                candidate,
                ..rules.names().clone()
            };
            *rules = rules.fresh(names, rules.bin_ms());
            *book = IncidentEngine::with_defaults();
            for x in earlier {
                rules.event(book, x);
            }
            fresh = true;
        });
        if self.engine.is_some() {
            rules.event(book, &e);
        }
        fresh
    }

    /// [`LiveErrors::push`], calling `new_pair` with the pair and the events of the
    /// newest second before `e` when `e` makes a new pair.
    fn push_with(&mut self, e: ErrorEvent, new_pair: impl FnOnce((u32, u32), &[ErrorEvent])) {
        self.events += 1;
        self.cursor.observe(&e);
        let sec = e.t_ms.div_euclid(1000);
        match self.newest_ms.map(|n| n.div_euclid(1000)) {
            Some(n) if sec < n => {}
            Some(n) if sec == n => {}
            _ => self.this_second.clear(),
        }
        self.newest_ms = Some(self.newest_ms.map_or(e.t_ms, |n| n.max(e.t_ms)));
        if !self.seen.contains(&e.build) {
            self.seen.push(e.build);
            if let [.., baseline, candidate] = self.seen[..] {
                let config = Config {
                    baseline,
                    candidate,
                    ..self.template.clone()
                };
                // Checked in `new`; only the builds differ.
                let mut engine = ErrorEngine::new(config).ok();
                if let Some(engine) = engine.as_mut() {
                    for &earlier in &self.this_second {
                        engine.push(earlier);
                    }
                }
                new_pair((baseline, candidate), &self.this_second);
                self.engine = engine;
                self.pair_since_ms = Some(sec * 1000);
            }
        }
        if e.t_ms.div_euclid(1000) == self.newest_ms.unwrap_or(e.t_ms).div_euclid(1000) {
            self.this_second.push(e);
        }
        if let Some(engine) = self.engine.as_mut() {
            engine.push(e);
        }
    }

    /// The engine comparing the current pair, None before two builds were seen.
    pub fn engine(&self) -> Option<&ErrorEngine> {
        self.engine.as_ref()
    }

    /// The detector settings.
    pub fn template(&self) -> &Config {
        &self.template
    }

    /// (baseline, candidate) build ids being compared.
    pub fn pair(&self) -> Option<(u32, u32)> {
        self.engine
            .as_ref()
            .map(|e| (e.config().baseline, e.config().candidate))
    }

    /// Build ids seen, in order of first appearance.
    pub fn seen(&self) -> &[u32] {
        &self.seen
    }

    /// Events applied.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// When the current comparison began, ms.
    pub fn pair_since_ms(&self) -> Option<i64> {
        self.pair_since_ms
    }

    /// Time of the newest event applied, ms.
    pub fn newest_ms(&self) -> Option<i64> {
        self.newest_ms
    }

    /// Where the feed has got to, as of the events applied.
    pub fn cursor(&self) -> &FeedCursor {
        &self.cursor
    }
}

/// The Errors workspace's checkpoint while it follows a live feed: the feed, the live
/// comparison, the rules with their timers and the incident book, and the colour mode. A
/// journal [`Engine`], like the file replay's [`super::snapshot::ErrorsSnapshot`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveSnapshot {
    /// Where the events come from.
    pub feed: EventFeed,
    /// The comparison after every event applied so far.
    pub live: LiveErrors,
    /// What the heatmap colours show.
    pub heat_mode: HeatMode,
    /// The user's error-code rules, judged on every event as [`LiveErrors::push_judged`]
    /// judges them, and the book they (and the alerts) write to; the journal's events and
    /// names after the checkpoint go through them too, so a reload resumes every pending
    /// `for` timer exactly.
    pub rules: RuleState,
}

impl LiveSnapshot {
    /// A feed about to start: the comparison and the rules before any event.
    pub fn new(feed: EventFeed, live: LiveErrors, heat_mode: HeatMode, rules: RuleState) -> Self {
        LiveSnapshot {
            feed,
            live,
            heat_mode,
            rules,
        }
    }

    /// Applies one event, to the comparison and the rules.
    pub fn push(&mut self, e: ErrorEvent) {
        let RuleState { rules, book } = &mut self.rules;
        self.live.push_judged(e, rules, book);
    }
}

/// Names a build or code for `rules` as the feed names it, before its first event.
pub fn learn_name(rules: &mut ErrorRules, entry: &CatalogEntry) {
    match entry.kind {
        NameKind::Build => rules.name_build(entry.id, &entry.name),
        NameKind::Code => rules.name_code(entry.id, &entry.name),
        NameKind::Series => {}
    }
}

impl Engine for LiveSnapshot {
    fn apply(&mut self, event: &Event) {
        if let Event::Error(e) = event {
            self.push(*e);
        }
    }

    fn name(&mut self, entry: &CatalogEntry) {
        learn_name(&mut self.rules.rules, entry);
    }
}

/// When `rules` would have fired over a live feed's `events` (time order, builds and
/// codes named by `names`), judged as the live page judges them: a fresh comparison with
/// `template`'s settings, the rules running from its first pair of builds and afresh with
/// each new candidate.
pub fn backtest_live(
    rules: &[crate::core::rules::Rule],
    names: &ErrorNames,
    events: &[ErrorEvent],
    template: &Config,
) -> Result<crate::core::rules::Backtest, ConfigError> {
    let mut live = LiveErrors::new(template.clone())?;
    let file = crate::core::rules::RulesFile::of_rules(rules);
    let bin_ms = i64::from(template.bin_seconds.max(1)) * 1000;
    let mut judged = ErrorRules::new(
        crate::core::rules::Alerting::from_file(file, Vec::new()),
        ErrorNames {
            baseline: 0,
            candidate: 0,
            ..names.clone()
        },
        bin_ms,
    );
    let mut book = IncidentEngine::with_defaults();
    // Each pair's book is fresh, so the firings of pairs already left are kept here.
    let mut earlier = Vec::new();
    for e in events {
        if !live.seen().is_empty() && !live.seen().contains(&e.build) {
            earlier.extend(book.incidents().iter().cloned());
        }
        live.push_judged(*e, &mut judged, &mut book);
    }
    judged.finish(&mut book);
    earlier.extend(book.incidents().iter().cloned());
    Ok(crate::core::rules::Backtest::of_errors(
        rules, &earlier, events,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::errors::Method;

    fn ev(t_s: i64, build: u32, code: u32) -> ErrorEvent {
        ErrorEvent {
            t_ms: t_s * 1000,
            build,
            code,
        }
    }

    #[test]
    fn the_newest_build_to_appear_is_the_candidate() {
        let mut live = LiveErrors::new(Config::new(0, 1, 5)).unwrap();
        live.push(ev(1, 0, 0));
        live.push(ev(2, 0, 1));
        assert_eq!(live.pair(), None);
        live.push(ev(3, 0, 0));
        live.push(ev(3, 1, 0));
        assert_eq!(live.pair(), Some((0, 1)));
        assert_eq!(live.pair_since_ms(), Some(3_000));
        live.push(ev(4, 0, 0));
        live.push(ev(9, 2, 0));
        assert_eq!(
            live.pair(),
            Some((1, 2)),
            "a third build takes over as the candidate"
        );
        assert_eq!(live.pair_since_ms(), Some(9_000));
        live.push(ev(10, 0, 0));
        assert_eq!(
            live.pair(),
            Some((1, 2)),
            "an old build seen again changes nothing"
        );
        assert_eq!(live.engine().unwrap().ignored_events(), 1);
        assert_eq!(live.events(), 7);
    }

    #[test]
    fn the_baselines_events_in_the_candidates_first_second_are_compared() {
        let mut live = LiveErrors::new(Config::new(0, 1, 5)).unwrap();
        for k in 0..3 {
            live.push(ErrorEvent {
                t_ms: 5_000 + k,
                build: 0,
                code: 0,
            });
        }
        live.push(ErrorEvent {
            t_ms: 5_900,
            build: 1,
            code: 0,
        });
        live.push(ErrorEvent {
            t_ms: 5_950,
            build: 1,
            code: 0,
        });
        live.push(ErrorEvent {
            t_ms: 5_960,
            build: 1,
            code: 0,
        });
        live.push(ErrorEvent {
            t_ms: 6_000,
            build: 0,
            code: 0,
        });
        assert_eq!(
            live.engine().unwrap().totals()[0],
            [3, 3],
            "second 5 is compared whole"
        );
    }

    #[test]
    fn a_regression_in_the_candidate_raises_an_alert() {
        let mut config = Config::new(0, 1, 5);
        config.method = Method::RateTest;
        let mut live = LiveErrors::new(config).unwrap();
        // Both builds raise code 0 alike; from 60 s the candidate also raises code 1 often.
        for s in 0..180 {
            live.push(ev(s, 0, 0));
            live.push(ev(s, 1, 0));
            if s >= 60 {
                for _ in 0..5 {
                    live.push(ev(s, 1, 1));
                }
            }
        }
        let alerts = live.engine().unwrap().alerts();
        assert!(alerts.iter().any(|a| a.code == 1), "{alerts:?}");
        assert!(alerts.iter().all(|a| a.code != 0), "{alerts:?}");
    }

    #[test]
    fn a_checkpoint_plus_the_events_after_it_is_the_same_state() {
        use crate::core::journal::Engine as _;
        let feed = EventFeed::new("/feed", 1_000).unwrap();
        let fresh = LiveErrors::new(Config::new(0, 1, 5)).unwrap();
        let rules = ErrorRules::new(
            crate::core::rules::Alerting::new(Vec::new()),
            ErrorNames::default(),
            5_000,
        );
        let events: Vec<ErrorEvent> = (0..300)
            .map(|i| {
                ev(
                    i / 3,
                    (i % 3 == 0) as u32 + u32::from(i > 200),
                    (i % 4) as u32,
                )
            })
            .collect();
        let mut straight = LiveSnapshot::new(
            feed.clone(),
            fresh.clone(),
            HeatMode::Difference,
            RuleState::new(rules.clone()),
        );
        for e in &events {
            straight.apply(&Event::Error(*e));
        }
        let mut half = LiveSnapshot::new(feed, fresh, HeatMode::Difference, RuleState::new(rules));
        for e in &events[..150] {
            half.apply(&Event::Error(*e));
        }
        let bytes = postcard::to_allocvec(&half).unwrap();
        let mut resumed: LiveSnapshot = postcard::from_bytes(&bytes).unwrap();
        for e in &events[150..] {
            resumed.apply(&Event::Error(*e));
        }
        assert_eq!(resumed, straight);
        assert_eq!(resumed.live.cursor().since(), Some(99_000));
    }

    #[test]
    fn refused_settings_are_refused_at_once() {
        let mut c = Config::new(0, 1, 5);
        c.bin_seconds = 0;
        assert_eq!(LiveErrors::new(c), Err(ConfigError::ZeroBin));
    }
}
