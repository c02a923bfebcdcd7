//! Write-ahead in the strict sense: a batch the source produced is journaled at once, but
//! judged (and shown) only once IndexedDB has committed it. A crash then never takes back
//! anything the user saw: recovery comes back at or after the last judged point.
//!
//! The source runs ahead of the judged state by the batches waiting for the disk (one
//! flush, a frame or two), so each waiting batch keeps the source as it was right after it
//! was pulled: a checkpoint pairs the judged detectors with that source, not with the one
//! already ahead.

use std::collections::VecDeque;

use leptos::prelude::*;

use super::MonState;
use crate::core::event::Event;
use crate::core::monitor::{judge, Source};
use crate::core::simulator::Injection;

/// A batch journaled and not yet on disk.
#[derive(Debug)]
pub(super) struct Waiting {
    /// Its last record's sequence number (the previous batch's for an empty batch).
    seq: u64,
    events: Vec<Event>,
    /// Stream time the clock had reached when it was pulled.
    t_ms: i64,
    /// The source right after pulling it.
    source: Source,
}

/// What the judged state has reached.
#[derive(Debug, Clone, Default)]
pub(super) struct Judged {
    /// Last journal record included (0 before any).
    pub(super) seq: u64,
    /// The source as of the judged state, while batches wait (None: the feed's own).
    pub(super) source: Option<Source>,
}

impl MonState {
    /// Pulls the source up to `t_ms`, journals the events, and judges every batch already
    /// on disk (all of them when the journal is memory-only or read-only).
    pub(super) fn feed_until(&self, t_ms: i64) {
        let mut events = Vec::new();
        let mut source = None;
        self.feed.update_value(|f| {
            if let Some(feed) = f.as_mut() {
                feed.pull(t_ms, &mut events);
                source = Some(feed.source.clone());
            }
        });
        let Some(source) = source else { return };
        let appended = if events.is_empty() {
            None
        } else {
            self.journal.with_untracked(|j| {
                let svc = j.as_ref().filter(|s| s.status().is_writable())?;
                // A failed append switches the service to memory-only and its banner says
                // why; the stream goes on.
                svc.append(&events).ok()
            })
        };
        self.waiting.update_value(|w| {
            let prev = w
                .back()
                .map_or(self.judged_at.with_value(|j| j.seq), |b| b.seq);
            w.push_back(Waiting {
                seq: appended.unwrap_or(prev),
                events,
                t_ms,
                source,
            });
        });
        self.drain();
    }

    /// Judges the waiting batches the disk now holds, in order; checkpoints when due.
    /// Returns whether it judged anything.
    pub(super) fn drain(&self) -> bool {
        let durable = self.journal.with_untracked(|j| match j {
            Some(svc) if svc.status().is_writable() => svc.durable_seq(),
            _ => u64::MAX,
        });
        let mut judged_any = false;
        loop {
            let Some(batch) = self
                .waiting
                .try_update_value(|w| {
                    if w.front().is_some_and(|b| b.seq <= durable) {
                        w.pop_front()
                    } else {
                        None
                    }
                })
                .flatten()
            else {
                break;
            };
            self.with_engines(|feed, book| judge(feed, book, &batch.events, batch.t_ms));
            self.judged
                .update_value(|n| *n += batch.events.len() as u64);
            self.judged_ms.set(batch.t_ms);
            let empty = self.waiting.with_value(VecDeque::is_empty);
            self.judged_at.set_value(Judged {
                seq: batch.seq,
                source: (!empty).then_some(batch.source),
            });
            judged_any = true;
        }
        if judged_any {
            let seq = self.judged_at.with_value(|j| j.seq);
            if seq > 0 {
                self.checkpoint_if_due(seq);
            }
        }
        judged_any
    }

    /// Forgets the batches waiting for the disk: the stream they belong to is gone.
    pub(super) fn drop_waiting(&self, judged_ms: i64) {
        self.waiting.update_value(VecDeque::clear);
        self.judged_at.set_value(Judged::default());
        self.judged_ms.set(judged_ms);
    }

    /// An injection reaches the simulator everywhere it is kept: the one that runs ahead,
    /// the judged state's, and each waiting batch's (so a checkpoint taken before they
    /// are judged keeps the fault).
    pub(super) fn inject_everywhere(&self, injections: &[Injection]) {
        let apply = |source: &mut Source| {
            if let Source::Sim(sim) = source {
                for i in injections {
                    // Accepted by the source ahead, so by any earlier copy of it.
                    let _ = sim.inject(*i);
                }
            }
        };
        self.waiting
            .update_value(|w| w.iter_mut().for_each(|b| apply(&mut b.source)));
        self.judged_at.update_value(|j| {
            if let Some(s) = j.source.as_mut() {
                apply(s);
            }
        });
    }
}
