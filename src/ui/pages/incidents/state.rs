//! The incident books every workspace writes to and the Incidents workspace reads: one
//! incident engine per source, because each source has its own stream clock (simulator
//! time, replayed error-stream time) and an engine's decay runs on one clock.

use leptos::prelude::*;

use crate::core::errors::Alert;
use crate::core::incident::notes::Notes;
use crate::core::incident::{CheckOutcome, Incident, IncidentEngine, IncidentGroup};

/// localStorage key of the user's acknowledgements and notes.
const NOTES_KEY: &str = "pipescope-incident-notes";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn load_notes() -> Notes {
    storage()
        .and_then(|s| s.get_item(NOTES_KEY).ok().flatten())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Where an incident came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// The Monitor workspace's metrics.
    Monitor,
    /// The Errors workspace's regression alerts.
    Errors,
    /// The Checks workspace's data checks.
    Checks,
}

impl Source {
    /// Name shown on cards and used in exports.
    pub fn name(self) -> &'static str {
        match self {
            Source::Monitor => "monitor",
            Source::Errors => "errors",
            Source::Checks => "checks",
        }
    }
}

#[derive(Default)]
struct Books {
    monitor: Option<IncidentEngine>,
    errors: Option<IncidentEngine>,
    checks: Option<IncidentEngine>,
}

impl Books {
    fn engine(&mut self, source: Source) -> Option<&mut IncidentEngine> {
        match source {
            Source::Monitor => self.monitor.as_mut(),
            Source::Errors => self.errors.as_mut(),
            Source::Checks => self.checks.as_mut(),
        }
    }
}

/// Makes a silence from matchers, a duration and a comment (the Monitor's, which runs the
/// silences); Ok says what was silenced.
type Silencer = std::rc::Rc<dyn Fn(&str, &str, &str) -> Result<String, String>>;

/// App-wide incident state, provided by the shell.
#[derive(Clone, Copy)]
pub struct IncidentsState {
    /// Bumped whenever any book changed.
    pub version: RwSignal<u64>,
    books: StoredValue<Books, LocalStorage>,
    /// The user's acknowledgements and notes, laid over every engine: an engine rebuilt by a
    /// reload or a new file does not know them.
    notes: StoredValue<Notes, LocalStorage>,
    /// Why the last note could not be stored, if it could not.
    pub notes_problem: RwSignal<Option<String>>,
    /// Where a card's "Silence" goes, per source whose stream runs silences (the Monitor's,
    /// the Errors workspace's).
    silencers: StoredValue<Vec<(Source, Silencer)>, LocalStorage>,
    /// The step (ms) incidents of the Errors and Checks books are grouped at: those books
    /// see no metric, so their workspace says (the Errors bin width).
    group_steps: StoredValue<[Option<f64>; 3], LocalStorage>,
}

/// The step groups of a book use when its workspace gave none, ms.
const DEFAULT_GROUP_STEP_MS: f64 = 1000.0;

impl IncidentsState {
    /// Empty books.
    pub fn new() -> Self {
        IncidentsState {
            version: RwSignal::new(0),
            books: StoredValue::new_local(Books::default()),
            notes: StoredValue::new_local(load_notes()),
            notes_problem: RwSignal::new(None),
            silencers: StoredValue::new_local(Vec::new()),
            group_steps: StoredValue::new_local([None; 3]),
        }
    }

    fn bump(&self) {
        self.version.update(|v| *v += 1);
    }

    /// Lays the user's notes over `source`'s engine.
    fn overlay(&self, source: Source, b: &mut Books) {
        if let Some(e) = b.engine(source) {
            self.notes.with_value(|n| n.apply(source.name(), e));
        }
    }

    /// Sets where silences made on cards of `source` go (its workspace calls this once).
    pub fn set_silencer(
        &self,
        source: Source,
        f: impl Fn(&str, &str, &str) -> Result<String, String> + 'static,
    ) {
        self.silencers.update_value(|s| {
            s.retain(|(k, _)| *k != source);
            s.push((source, std::rc::Rc::new(f)));
        });
    }

    /// Whether incidents of `source` can be silenced from their card.
    pub fn can_silence(&self, source: Source) -> bool {
        self.silencers
            .with_value(|s| s.iter().any(|(k, _)| *k == source))
    }

    /// Silences incidents of `source` matching `matchers` for `duration` of its stream time.
    pub fn silence(
        &self,
        source: Source,
        matchers: &str,
        duration: &str,
        comment: &str,
    ) -> Result<String, String> {
        let f = self
            .silencers
            .with_value(|s| s.iter().find(|(k, _)| *k == source).map(|(_, f)| f.clone()))
            .ok_or_else(|| {
                format!(
                    "silences run on the {} stream, which is not running",
                    source.name()
                )
            })?;
        f(matchers, duration, comment)
    }

    /// Replaces the Monitor's incident engine (a new stream or new settings).
    pub fn set_monitor(&self, engine: Option<IncidentEngine>) {
        self.books.update_value(|b| {
            b.monitor = engine;
            self.overlay(Source::Monitor, b);
        });
        self.bump();
    }

    /// Runs `f` on `source`'s book (if any) and tells readers it changed.
    pub fn with_book<R>(
        &self,
        source: Source,
        f: impl FnOnce(&mut IncidentEngine) -> R,
    ) -> Option<R> {
        let r = self
            .books
            .try_update_value(|b| {
                let r = b.engine(source).map(f);
                self.overlay(source, b);
                r
            })
            .flatten();
        self.bump();
        r
    }

    /// Starts the Errors book afresh (a new stream, or the engine was rebuilt).
    pub fn reset_errors(&self) {
        self.books
            .update_value(|b| b.errors = Some(IncidentEngine::with_defaults()));
        self.bump();
    }

    /// Replaces the Errors book (a restored checkpoint's).
    pub fn set_errors(&self, engine: IncidentEngine) {
        self.books.update_value(|b| {
            b.errors = Some(engine);
            self.overlay(Source::Errors, b);
        });
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
                self.overlay(Source::Errors, b);
                Some(b.errors.as_ref()?.incidents() != before.as_slice())
            })
            .flatten()
            .unwrap_or(false);
        if changed {
            self.bump();
        }
    }

    /// Opens, updates and resolves data-check incidents from the checks run on `file` at
    /// `now_ms` (epoch ms); the book starts with the first call.
    pub fn sync_checks(&self, file: &str, outcomes: &[CheckOutcome], now_ms: i64) {
        self.with_checks_book(|engine| engine.sync_checks(file, outcomes, now_ms));
    }

    /// Folds the check rules' outcomes of one run of the checks into the Checks book (rule
    /// incidents beside the checks' own), marking the ones `silences` mute.
    pub fn sync_check_rules(
        &self,
        outcomes: &[crate::core::rules::RuleOutcome],
        silences: &[crate::core::rules::Silence],
        now_ms: i64,
    ) {
        self.with_checks_book(|engine| {
            crate::core::rules::apply(engine, outcomes, silences, now_ms)
        });
    }

    /// Runs `f` on the Checks book (started on first use) and tells readers when it changed
    /// the incidents.
    fn with_checks_book(&self, f: impl FnOnce(&mut IncidentEngine)) {
        let changed = self
            .books
            .try_update_value(|b| {
                let engine = match &mut b.checks {
                    Some(e) => e,
                    None => b.checks.insert(IncidentEngine::with_defaults()),
                };
                let before = engine.incidents().to_vec();
                f(engine);
                self.overlay(Source::Checks, b);
                Some(b.checks.as_ref()?.incidents() != before.as_slice())
            })
            .flatten()
            .unwrap_or(false);
        if changed {
            self.bump();
        }
    }

    /// Sets the step `source`'s incidents are grouped at (a book that sees metrics uses
    /// their step instead).
    pub fn set_group_step(&self, source: Source, step_ms: f64) {
        let changed = self.group_steps.try_update_value(|g| {
            let k = source as usize;
            let was = g[k];
            g[k] = Some(step_ms);
            was != Some(step_ms)
        });
        if changed == Some(true) {
            self.bump();
        }
    }

    /// The step `source`'s incidents are grouped at.
    pub fn group_step(&self, source: Source) -> f64 {
        self.group_steps.get_value()[source as usize].unwrap_or(DEFAULT_GROUP_STEP_MS)
    }

    /// Every book's incident groups (core::incident::group), with their source.
    pub fn groups(&self) -> Vec<(Source, IncidentGroup)> {
        let steps = self.group_steps.get_value();
        self.books.with_value(|b| {
            let mut out = Vec::new();
            for (source, book) in [
                (Source::Monitor, &b.monitor),
                (Source::Errors, &b.errors),
                (Source::Checks, &b.checks),
            ] {
                if let Some(e) = book {
                    let step = steps[source as usize].unwrap_or(DEFAULT_GROUP_STEP_MS);
                    out.extend(e.groups(step).into_iter().map(|g| (source, g)));
                }
            }
            out
        })
    }

    /// Incident uid → group uid, over every book.
    pub fn group_uids(&self) -> std::collections::BTreeMap<String, String> {
        let groups: Vec<IncidentGroup> = self.groups().into_iter().map(|(_, g)| g).collect();
        crate::core::incident::group_uids(&groups)
    }

    /// Every incident with its source.
    pub fn all(&self) -> Vec<(Source, Incident)> {
        self.books.with_value(|b| {
            let mut out = Vec::new();
            for (source, book) in [
                (Source::Monitor, &b.monitor),
                (Source::Errors, &b.errors),
                (Source::Checks, &b.checks),
            ] {
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
            Source::Checks => b.checks.as_ref().map(f),
        })
    }

    /// Marks an incident acknowledged, here and across reloads.
    pub fn acknowledge(&self, source: Source, id: u64) {
        self.edit(source, id, |n, i, now| n.acknowledge(source.name(), i, now));
    }

    /// Acknowledges every member of a group not yet acknowledged.
    pub fn acknowledge_all(&self, source: Source, ids: &[u64]) {
        for &id in ids {
            self.acknowledge(source, id);
        }
    }

    /// Takes back an acknowledgement, here and across reloads.
    pub fn unacknowledge(&self, source: Source, id: u64) {
        self.edit(source, id, |n, i, now| {
            n.unacknowledge(source.name(), i, now)
        });
    }

    /// When the user acknowledged `i`, epoch ms (None: not acknowledged, or before times
    /// were kept).
    pub fn acknowledged_at(&self, source: Source, i: &Incident) -> Option<i64> {
        let key = crate::core::incident::notes::key_of(source.name(), i);
        self.notes
            .with_value(|n| n.get(&key).and_then(|a| a.acknowledged_at_ms))
    }

    /// Sets an incident's note, here and across reloads.
    pub fn set_note(&self, source: Source, id: u64, text: &str) {
        self.edit(source, id, |n, i, now| {
            n.set_note(source.name(), i, text, now)
        });
    }

    fn edit(&self, source: Source, id: u64, f: impl FnOnce(&mut Notes, &Incident, i64)) {
        let Some(incident) = self
            .read(source, |e| {
                e.incidents().iter().find(|i| i.id == id).cloned()
            })
            .flatten()
        else {
            return;
        };
        self.notes
            .update_value(|n| f(n, &incident, js_sys::Date::now() as i64));
        let saved = self.notes.with_value(|n| {
            let s = storage().ok_or(())?;
            s.set_item(NOTES_KEY, &serde_json::to_string(n).map_err(|_| ())?)
                .map_err(|_| ())
        });
        self.notes_problem.set(saved.err().map(|_| {
            "The browser refused to store acknowledgements and notes (storage full or \
             disabled): they last until this tab closes."
                .to_string()
        }));
        let done = self
            .books
            .try_update_value(|b| {
                b.engine(source)
                    .map(|e| self.notes.with_value(|n| n.apply(source.name(), e)))
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
