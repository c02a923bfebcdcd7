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
use super::{Config, ConfigError, ErrorEngine};
use crate::core::event::{ErrorEvent, Event};
use crate::core::journal::Engine;
use crate::core::live::events::{EventFeed, FeedCursor};

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
/// comparison and the colour mode. A journal [`Engine`], like the file replay's
/// [`super::snapshot::ErrorsSnapshot`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveSnapshot {
    /// Where the events come from.
    pub feed: EventFeed,
    /// The comparison after every event applied so far.
    pub live: LiveErrors,
    /// What the heatmap colours show.
    pub heat_mode: HeatMode,
}

impl Engine for LiveSnapshot {
    fn apply(&mut self, event: &Event) {
        if let Event::Error(e) = event {
            self.live.push(*e);
        }
    }
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
        let events: Vec<ErrorEvent> = (0..300)
            .map(|i| {
                ev(
                    i / 3,
                    (i % 3 == 0) as u32 + u32::from(i > 200),
                    (i % 4) as u32,
                )
            })
            .collect();
        let mut straight = LiveSnapshot {
            feed: feed.clone(),
            live: fresh.clone(),
            heat_mode: HeatMode::Difference,
        };
        for e in &events {
            straight.apply(&Event::Error(*e));
        }
        let mut half = LiveSnapshot {
            feed,
            live: fresh,
            heat_mode: HeatMode::Difference,
        };
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
