//! The Monitor's stream path without the page: a [`Feed`] (simulator ticks or a replayed
//! file's rows → one causal detector per metric) and the incident book it feeds, as a fold
//! over journaled events, with the [`Snapshot`] a journal checkpoint holds.
//!
//! The page and the native tests drive it the same way: [`Feed::pull`] the source's events
//! up to a stream time, journal them, [`judge`] them; on start, [`Recovering`] collects the
//! newest checkpoint and the events after it, which are judged again and the source moved
//! past them with [`resume`] — equal to a run that never stopped.

pub mod feed;

use serde::{Deserialize, Serialize};

pub use feed::{EvalRecord, Feed, Source, Track, Training, EVAL_LEN, HISTORY_LEN};

use crate::core::detect::DetectorChoice;
use crate::core::event::Event;
use crate::core::forecast::Periods;
use crate::core::incident::{IncidentConfig, IncidentEngine};
use crate::core::journal::Engine;
use crate::core::rules::Alerting;
use crate::core::simulator::{Injection, SimConfig};

/// Judges `events` (pulled up to stream time `t_ms`) and moves the incident book to `t_ms`.
pub fn judge(feed: &mut Feed, incidents: &mut IncidentEngine, events: &[Event], t_ms: i64) {
    let mut evidence = Vec::new();
    feed.apply(events, t_ms, &mut evidence);
    for ev in &evidence {
        incidents.apply(ev);
    }
    incidents.advance_to(t_ms);
}

/// [`judge`] with the user's rules too: each sample goes to the rules after its detector
/// judged it (the rules see its score), as `pipescope incidents --rules` feeds them, and
/// rule incidents and silences land in the same book.
pub fn judge_with_rules(
    feed: &mut Feed,
    incidents: &mut IncidentEngine,
    rules: &mut Alerting,
    events: &[Event],
    t_ms: i64,
) {
    if rules.is_idle() {
        return judge(feed, incidents, events, t_ms);
    }
    let mut evidence = Vec::new();
    feed.apply(events, t_ms, &mut evidence);
    // The evidence is the judged samples' in event order (none while a detector trains).
    let mut judged = evidence.iter().peekable();
    for e in events {
        let Event::Metric(m) = e else { continue };
        let ev = judged.next_if(|ev| (ev.t_ms, ev.series) == (m.t_ms, m.series));
        if let Some(ev) = ev {
            incidents.apply(ev);
        }
        rules.observe(incidents, m.t_ms, m.series, m.value, ev.map(|e| e.score));
    }
    for ev in judged {
        incidents.apply(ev);
    }
    rules.advance(incidents, t_ms);
    incidents.advance_to(t_ms);
}

/// After the events journaled since a checkpoint (`tail`) have been judged, moves the
/// source past them. Returns the stream time reached (`position_ms`, the checkpoint's, when
/// the tail is empty) and the rest of the last tick when a crash cut its batch short:
/// journal those, then [`judge`] them at that time (with none, judging moves the incident
/// book to it).
pub fn resume(feed: &mut Feed, tail: &[Event], position_ms: i64) -> (i64, Vec<Event>) {
    let Some(last) = tail.last().map(Event::t_ms) else {
        return (position_ms, Vec::new());
    };
    let at_last = tail.iter().rev().take_while(|e| e.t_ms() == last).count();
    let rest = feed.resume_after(last, &tail[tail.len() - at_last..]);
    (last.max(position_ms), rest)
}

/// The settings a stream was started with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Simulator settings (the metric list of a simulated stream).
    pub config: SimConfig,
    /// Detectors' training window, ms.
    pub train_ms: i64,
    /// Band coverage, in (0, 1).
    pub level: f64,
    /// Seasonal periods.
    pub periods: Periods,
    /// Evaluation window, ms.
    pub eval_ms: i64,
    /// The replayed file's name (its table is stored once, beside the checkpoints).
    pub file: Option<String>,
    /// Metrics with their own detector or sensitivity (the others use the defaults).
    #[serde(default)]
    pub detectors: Vec<DetectorChoice>,
    /// The incident book's rules.
    #[serde(default)]
    pub rules: IncidentConfig,
    /// The live source the stream follows, if any (recovery reconnects to it).
    #[serde(default)]
    pub live: Option<crate::core::live::PromSource>,
    /// The event feed the stream follows, if any (recovery reconnects to it with
    /// `since=` its newest journaled point).
    #[serde(default)]
    pub feed: Option<crate::core::live::events::EventFeed>,
}

/// The Monitor's whole analysis state after some journaled record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    /// How the stream was started.
    pub settings: Settings,
    /// Source and detectors (a file source without its table).
    pub feed: Feed,
    /// The incident book.
    pub incidents: IncidentEngine,
    /// Faults injected into the simulator so far.
    pub injections: Vec<Injection>,
    /// The same, as the page lists them: (stream ms, text).
    pub injected: Vec<(i64, String)>,
    /// Stream time the feed has been run to.
    pub position_ms: i64,
    /// Events judged so far.
    pub events: u64,
    /// The user's rules and silences, with the rules' pending timers.
    pub alerting: Alerting,
}

/// Recovery's engine: the newest checkpoint's snapshot (None in a journal without one)
/// and the events journaled after it, to be judged by the caller (the page does it in
/// slices, so it stays live).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Recovering {
    /// The checkpoint's state.
    pub snapshot: Option<Box<Snapshot>>,
    /// Events journaled after it, in journal order.
    #[serde(skip)]
    pub events: Vec<Event>,
}

impl Engine for Recovering {
    fn apply(&mut self, event: &Event) {
        self.events.push(*event);
    }
}
