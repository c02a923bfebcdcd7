//! What the user said about incidents (acknowledged, a note), kept apart from the engines:
//! an engine is rebuilt from its journal on a reload and replaced by a new file or new
//! settings, and the user's word must outlive both. The page stores this book and lays it
//! over every engine's incidents.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Incident, IncidentEngine};

/// Identifies an incident across workspaces and streams: its source's name, its id there,
/// and its start (a new stream numbers its incidents from 1 again).
pub type Key = (String, u64, i64);

/// The key of an incident of `source`.
pub fn key_of(source: &str, i: &Incident) -> Key {
    (source.to_string(), i.id, i.start_ms)
}

/// Incidents remembered at most; the least recently touched are forgotten first.
pub const MAX_NOTES: usize = 1_000;

/// The user's word on one incident.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Annotation {
    /// Acknowledged.
    pub acknowledged: bool,
    /// Wall time of the acknowledgement, epoch ms.
    #[serde(default)]
    pub acknowledged_at_ms: Option<i64>,
    /// The note.
    pub note: String,
    /// Wall time of the last change, epoch ms (which to forget first).
    pub at_ms: i64,
}

/// Acknowledgements and notes by incident.
///
/// ```
/// use pipescope::core::incident::{IncidentConfig, IncidentEngine, notes::Notes};
/// let mut notes = Notes::default();
/// let mut engine = IncidentEngine::new(IncidentConfig::default(), vec!["cpu".into()]).unwrap();
/// // (no incidents yet: laying the notes over changes nothing)
/// assert!(!notes.apply("monitor", &mut engine));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(into = "Vec<Stored>", from = "Vec<Stored>")]
pub struct Notes {
    by_source: BTreeMap<String, BTreeMap<(u64, i64), Annotation>>,
}

/// One note as stored: JSON maps take only string keys.
#[derive(Serialize, Deserialize)]
struct Stored {
    source: String,
    id: u64,
    start_ms: i64,
    #[serde(flatten)]
    annotation: Annotation,
}

impl From<Notes> for Vec<Stored> {
    fn from(n: Notes) -> Self {
        n.by_source
            .into_iter()
            .flat_map(|(source, book)| {
                book.into_iter()
                    .map(move |((id, start_ms), annotation)| Stored {
                        source: source.clone(),
                        id,
                        start_ms,
                        annotation,
                    })
            })
            .collect()
    }
}

impl From<Vec<Stored>> for Notes {
    fn from(v: Vec<Stored>) -> Self {
        let mut n = Notes::default();
        for s in v {
            n.by_source
                .entry(s.source)
                .or_default()
                .insert((s.id, s.start_ms), s.annotation);
        }
        n
    }
}

impl Notes {
    fn entry(&mut self, source: &str, i: &Incident, now_ms: i64) -> &mut Annotation {
        let a = self
            .by_source
            .entry(source.to_string())
            .or_default()
            .entry((i.id, i.start_ms))
            .or_default();
        a.at_ms = now_ms;
        a
    }

    /// Records that the user acknowledged `i`, and when.
    pub fn acknowledge(&mut self, source: &str, i: &Incident, now_ms: i64) {
        let a = self.entry(source, i, now_ms);
        a.acknowledged = true;
        a.acknowledged_at_ms = Some(now_ms);
        self.bound();
    }

    /// Records that the user took back their acknowledgement of `i`.
    pub fn unacknowledge(&mut self, source: &str, i: &Incident, now_ms: i64) {
        let a = self.entry(source, i, now_ms);
        a.acknowledged = false;
        a.acknowledged_at_ms = None;
        self.bound();
    }

    /// Records `i`'s note.
    pub fn set_note(&mut self, source: &str, i: &Incident, text: &str, now_ms: i64) {
        self.entry(source, i, now_ms).note = text.to_string();
        self.bound();
    }

    /// The user's word on `key`, if any.
    pub fn get(&self, key: &Key) -> Option<&Annotation> {
        self.by_source.get(&key.0)?.get(&(key.1, key.2))
    }

    /// Incidents with a word from the user.
    pub fn len(&self) -> usize {
        self.by_source.values().map(BTreeMap::len).sum()
    }

    /// Whether the user said nothing yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lays the notes over `engine`'s incidents: for an incident the user spoke of, their
    /// acknowledgement (given or taken back) and note win over the engine's; whether any
    /// incident changed.
    pub fn apply(&self, source: &str, engine: &mut IncidentEngine) -> bool {
        let Some(book) = self.by_source.get(source) else {
            return false;
        };
        let mut changed = false;
        let wanted: Vec<(u64, &Annotation)> = engine
            .incidents()
            .iter()
            .filter_map(|i| {
                let a = book.get(&(i.id, i.start_ms))?;
                (a.acknowledged != i.acknowledged || a.note != i.note).then_some((i.id, a))
            })
            .collect();
        for (id, a) in wanted {
            changed |= engine.set_acknowledged(id, a.acknowledged).is_ok();
            changed |= engine.set_note(id, &a.note).is_ok();
        }
        changed
    }

    /// Forgets the least recently touched beyond [`MAX_NOTES`].
    fn bound(&mut self) {
        let n = self.len();
        if n <= MAX_NOTES {
            return;
        }
        let mut ages: Vec<i64> = self
            .by_source
            .values()
            .flat_map(|b| b.values().map(|a| a.at_ms))
            .collect();
        ages.sort_unstable();
        let cut = ages[n - MAX_NOTES];
        let mut over = n - MAX_NOTES;
        for book in self.by_source.values_mut() {
            book.retain(|_, a| {
                if over > 0 && a.at_ms < cut {
                    over -= 1;
                    false
                } else {
                    true
                }
            });
        }
        // Ties at the cut: drop the first ones met until the bound holds.
        for book in self.by_source.values_mut() {
            book.retain(|_, a| {
                if over > 0 && a.at_ms == cut {
                    over -= 1;
                    false
                } else {
                    true
                }
            });
        }
        self.by_source.retain(|_, b| !b.is_empty());
    }
}
