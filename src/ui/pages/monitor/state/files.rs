//! Where the Monitor's stream comes from, when it is not live: a replayed metric file (CSV
//! or Prometheus JSON), an imported journal export, or the built-in simulator; and the
//! training file its detectors may learn from first.

use std::rc::Rc;

use leptos::prelude::*;

use super::{MetricFile, MonState};
use crate::core::ingest::{IngestError, IngestOptions};
use crate::core::journal::export::Imported;
use crate::core::journal::NameKind;
use crate::core::source::{read_metrics, read_metrics_with, MetricTable, SourceError};

impl MonState {
    /// Replays an imported export (from the Journal panel) as the stream, from its start.
    pub fn open_imported(&self, imported: Imported) {
        let names: Vec<String> = imported
            .catalog
            .names(NameKind::Series)
            .map(|(_, n)| n.to_string())
            .collect();
        if names.is_empty() {
            self.error
                .set(Some("Import: the file holds no metric series".into()));
            return;
        }
        let table = MetricTable::from_events(names, &imported.events);
        self.file.set(Some(Rc::new(MetricFile {
            name: "imported journal".into(),
            table: Rc::new(table),
        })));
        self.reset();
        self.play();
    }

    /// Replays a metric file (CSV or Prometheus JSON) instead of the simulator, from its
    /// start; a file that cannot be read is reported and the running stream kept.
    pub fn open_file(&self, name: String, bytes: &[u8]) {
        self.open_file_with(name, bytes, None);
    }

    /// Replays the file refused for a runaway quote, quotes read literally from its line.
    pub fn read_quotes_literally(&self) {
        if let Some((name, bytes, line, _)) = self.runaway.get_untracked() {
            self.open_file_with(name, &bytes, Some(line));
        }
    }

    fn open_file_with(&self, name: String, bytes: &[u8], literal_from: Option<u64>) {
        let options = IngestOptions::builder()
            .literal_quotes_from(literal_from)
            .build()
            .unwrap_or_default();
        self.runaway.set(None);
        match read_metrics_with(bytes, &name, None, &options) {
            Ok(table) => {
                let mut notes = note_text(&table);
                if let Some(line) = literal_from {
                    let literal = format!("quotes read as ordinary characters from line {line}");
                    notes = if notes.is_empty() {
                        literal
                    } else {
                        format!("{literal}; {notes}")
                    };
                }
                self.app.status.set(format!(
                    "{name}: {} metric(s), {} rows{}",
                    table.names.len(),
                    table.rows(),
                    if notes.is_empty() {
                        String::new()
                    } else {
                        format!("; {notes}")
                    }
                ));
                self.error.set(None);
                self.leave_live();
                self.file.set(Some(Rc::new(MetricFile {
                    name,
                    table: Rc::new(table),
                })));
                self.reset();
                self.play();
            }
            Err(e) => {
                let message = format!("{name}: {e}");
                if let SourceError::Csv(IngestError::RunawayQuote(r)) = &e {
                    let bytes = Rc::new(bytes.to_vec());
                    self.runaway
                        .set(Some((name.clone(), bytes, r.line, message.clone())));
                }
                self.error.set(Some(message));
            }
        }
    }

    /// Back to the built-in simulator.
    pub fn use_simulator(&self) {
        self.leave_live();
        self.file.set(None);
        self.reset();
    }

    /// Trains the detectors of metrics found in this file (by name) on it; the stream
    /// restarts. A file that cannot be read is reported and the training kept.
    pub fn open_training(&self, name: String, bytes: &[u8]) {
        match read_metrics(bytes, &name, None) {
            Ok(table) => {
                self.error.set(None);
                self.training.set(Some(Rc::new(MetricFile {
                    name: name.clone(),
                    table: Rc::new(table),
                })));
                self.reset();
                let used = self.pretrained.get_untracked();
                if used.is_empty() {
                    self.error.set(Some(format!(
                        "Training: no metric of {name} matches a metric of the stream by name; \
                         the detectors train on the stream itself"
                    )));
                } else {
                    self.app.status.set(format!(
                        "Trained on {name}: {}",
                        used.iter()
                            .map(|(m, n)| format!("{m} ({n} points)"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            Err(e) => self.error.set(Some(format!("Training: {name}: {e}"))),
        }
    }

    /// Forgets the training file: detectors train on the stream again (it restarts).
    pub fn clear_training(&self) {
        self.training.set(None);
        self.reset();
    }
}

/// The table's notes as one line.
fn note_text(table: &MetricTable) -> String {
    table
        .notes
        .iter()
        .map(|n| n.message.clone())
        .collect::<Vec<_>>()
        .join(" ")
}
