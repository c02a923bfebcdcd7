//! The Errors workspace's checkpoint: the regression engine plus everything besides the
//! events that resuming its stream needs (how the file was read, the colour mode, the
//! speed, the replay position). It is a journal [`Engine`], so the journal's newest
//! checkpoint plus the events after it rebuild it exactly. It lives in the core, not in the
//! page, so native tests can fold, checkpoint and restore it like the page does.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::errors::heatmap::HeatMode;
use crate::core::errors::{ErrorEngine, ReadOptions};
use crate::core::event::{ErrorEvent, Event};
use crate::core::incident::IncidentEngine;
use crate::core::journal::Engine;
use crate::core::rules::{Alerting, ErrorNames, ErrorRules};
use crate::core::stream::Speed;

/// The Errors stream's state at a journal position: the engine (its `Config` holds bin
/// width, detector, threshold, windows, alpha and the compared builds) and the page's
/// settings that are not engine settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorsSnapshot {
    /// The regression engine after every event applied so far.
    pub engine: ErrorEngine,
    /// How the stored file is read (column roles, build picks).
    pub read: ReadOptions,
    /// What the heatmap colours show.
    pub heat_mode: HeatMode,
    /// Replay speed.
    pub speed: Speed,
    /// Replay clock, ms of stream time (the engine's clock was moved to it).
    pub position_ms: i64,
    /// Error events applied, which is the replay cursor into the file's events.
    pub applied: u64,
    /// The last event applied, to check the re-read file is the journaled stream.
    pub last: Option<ErrorEvent>,
    /// The user's error-code rules with their pending timers, and the incident book they
    /// (and the alerts) write to; the journal's events after the checkpoint go through
    /// them too, so a reload resumes every `for` timer exactly.
    pub rules: RuleState,
}

/// The rules an Errors stream runs and its incident book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleState {
    /// The rules, silences and the bin clock that judges them.
    pub rules: ErrorRules,
    /// The stream's incident book (rule incidents and alert incidents).
    pub book: IncidentEngine,
}

impl RuleState {
    /// `rules` with an empty book.
    pub fn new(rules: ErrorRules) -> RuleState {
        RuleState {
            rules,
            book: IncidentEngine::with_defaults(),
        }
    }
}

/// Why a snapshot does not fit the file re-read for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeError {
    /// The journal holds more events than the file has.
    MoreEventsThanFile {
        /// Events the journal applied.
        applied: u64,
        /// Events in the file.
        events: usize,
    },
    /// The file's event at this 0-based position is not the one the journal applied.
    Mismatch {
        /// Position in the file's time-ordered events.
        index: u64,
    },
}

impl fmt::Display for ResumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResumeError::MoreEventsThanFile { applied, events } => write!(
                f,
                "the journal applied {applied} events but the stored file has only {events}; \
                 the stored file is not the journaled stream"
            ),
            ResumeError::Mismatch { index } => write!(
                f,
                "event {} of the stored file differs from the journaled one; the stored file \
                 is not the journaled stream",
                index + 1
            ),
        }
    }
}

impl std::error::Error for ResumeError {}

impl ErrorsSnapshot {
    /// A stream about to start: a fresh engine, no event applied, the clock at `start_ms`.
    pub fn new(
        engine: ErrorEngine,
        read: &ReadOptions,
        heat_mode: HeatMode,
        speed: Speed,
        start_ms: i64,
    ) -> Self {
        ErrorsSnapshot {
            engine,
            read: read.clone(),
            heat_mode,
            speed,
            position_ms: start_ms,
            applied: 0,
            last: None,
            rules: RuleState::new(ErrorRules::new(
                Alerting::new(Vec::new()),
                ErrorNames::default(),
                1000,
            )),
        }
    }

    /// Runs `rules` (fresh, no event in yet) beside the engine.
    pub fn with_rules(mut self, rules: RuleState) -> Self {
        self.rules = rules;
        self
    }

    /// Apply one error event (what the journal's replay does for each stored event).
    pub fn push(&mut self, e: ErrorEvent) {
        self.engine.push(e);
        self.rules.rules.event(&mut self.rules.book, &e);
        self.applied += 1;
        self.last = Some(e);
    }

    /// The read options to re-read the stored file with.
    pub fn read_options(&self) -> ReadOptions {
        self.read.clone()
    }

    /// Finish a restore against the re-read file's time-ordered `events`: check they begin
    /// with the journaled ones, put the clock at the later of the checkpoint's position and
    /// the last journaled event, and move the engine clock there as the replay loop does
    /// (finishing the engine when every event is in). Returns the replay cursor.
    pub fn resume(&mut self, events: &[ErrorEvent]) -> Result<usize, ResumeError> {
        let applied = self.applied;
        let n = usize::try_from(applied).unwrap_or(usize::MAX);
        if n > events.len() {
            return Err(ResumeError::MoreEventsThanFile {
                applied,
                events: events.len(),
            });
        }
        if n > 0 && Some(events[n - 1]) != self.last {
            return Err(ResumeError::Mismatch { index: applied - 1 });
        }
        if let Some(last) = self.last {
            self.position_ms = self.position_ms.max(last.t_ms);
        }
        let RuleState { rules, book } = &mut self.rules;
        if n < events.len() {
            self.engine.advance_to(self.position_ms);
            rules.advance(book, self.position_ms);
        } else if n > 0 {
            self.engine.finish();
            rules.finish(book);
        }
        Ok(n)
    }
}

impl Engine for ErrorsSnapshot {
    fn apply(&mut self, event: &Event) {
        if let Event::Error(e) = event {
            self.push(*e);
        }
    }
}
