//! The incident books every workspace writes to and the Incidents workspace reads: one
//! incident engine per source, because each source has its own stream clock (simulator
//! time, replayed error-stream time) and an engine's decay runs on one clock.

use leptos::prelude::*;

use crate::core::errors::Alert;
use crate::core::incident::{Incident, IncidentConfig, IncidentEngine};

/// Where an incident came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// The Monitor workspace's metrics.
    Monitor,
    /// The Errors workspace's regression alerts.
    Errors,
}

impl Source {
    /// Name shown on cards and used in exports.
    pub fn name(self) -> &'static str {
        match self {
            Source::Monitor => "monitor",
            Source::Errors => "errors",
        }
    }
}

#[derive(Default)]
struct Books {
    monitor: Option<IncidentEngine>,
    errors: Option<IncidentEngine>,
}

/// App-wide incident state, provided by the shell.
#[derive(Clone, Copy)]
pub struct IncidentsState {
    /// Bumped whenever any book changed.
    pub version: RwSignal<u64>,
    books: StoredValue<Books, LocalStorage>,
}

impl IncidentsState {
    /// Empty books.
    pub fn new() -> Self {
        IncidentsState {
            version: RwSignal::new(0),
            books: StoredValue::new_local(Books::default()),
        }
    }

    fn bump(&self) {
        self.version.update(|v| *v += 1);
    }

    /// Replaces the Monitor's incident engine (a new stream or new settings).
    pub fn set_monitor(&self, engine: Option<IncidentEngine>) {
        self.books.update_value(|b| b.monitor = engine);
        self.bump();
    }

    /// Runs `f` on the Monitor's engine (if any) and tells readers it changed.
    pub fn with_monitor<R>(&self, f: impl FnOnce(&mut IncidentEngine) -> R) -> Option<R> {
        let r = self
            .books
            .try_update_value(|b| b.monitor.as_mut().map(f))
            .flatten();
        self.bump();
        r
    }

    /// Starts the Errors book afresh (a new stream, or the engine was rebuilt).
    pub fn reset_errors(&self) {
        let engine = IncidentEngine::new(IncidentConfig::default(), Vec::new()).ok();
        self.books.update_value(|b| b.errors = engine);
        self.bump();
    }

    /// Opens, updates and resolves error-alert incidents from the alerts so far.
    pub fn sync_errors(&self, alerts: &[Alert], codes: &[String], now_s: i64) {
        let changed = self
            .books
            .try_update_value(|b| {
                let engine = b.errors.as_mut()?;
                let before = engine.incidents().to_vec();
                engine.sync_error_alerts(alerts, codes, now_s);
                Some(engine.incidents() != before.as_slice())
            })
            .flatten()
            .unwrap_or(false);
        if changed {
            self.bump();
        }
    }

    /// Every incident with its source.
    pub fn all(&self) -> Vec<(Source, Incident)> {
        self.books.with_value(|b| {
            let mut out = Vec::new();
            for (source, book) in [(Source::Monitor, &b.monitor), (Source::Errors, &b.errors)] {
                if let Some(e) = book {
                    out.extend(e.incidents().iter().cloned().map(|i| (source, i)));
                }
            }
            out
        })
    }

    /// Runs `f` on a source's engine, read-only.
    pub fn read<R>(&self, source: Source, f: impl FnOnce(&IncidentEngine) -> R) -> Option<R> {
        self.books.with_value(|b| match source {
            Source::Monitor => b.monitor.as_ref().map(f),
            Source::Errors => b.errors.as_ref().map(f),
        })
    }

    /// Marks an incident acknowledged.
    pub fn acknowledge(&self, source: Source, id: u64) {
        self.edit(source, |e| e.acknowledge(id).is_ok());
    }

    /// Sets an incident's note.
    pub fn set_note(&self, source: Source, id: u64, text: &str) {
        self.edit(source, |e| e.set_note(id, text).is_ok());
    }

    fn edit(&self, source: Source, f: impl FnOnce(&mut IncidentEngine) -> bool) {
        let done = self
            .books
            .try_update_value(|b| {
                let book = match source {
                    Source::Monitor => b.monitor.as_mut(),
                    Source::Errors => b.errors.as_mut(),
                };
                book.map(f)
            })
            .flatten()
            .unwrap_or(false);
        if done {
            self.bump();
        }
    }
}

impl Default for IncidentsState {
    fn default() -> Self {
        Self::new()
    }
}
