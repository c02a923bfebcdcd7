//! Write-ahead in the strict sense: a batch the source produced is journaled at once, but
//! judged (and shown) only once IndexedDB has committed it. A crash then never takes back
//! anything the user saw: recovery comes back at or after the last judged point.
//!
//! The source runs ahead of the judged state by the batches waiting for the disk (one
//! flush, a frame or two), so each waiting batch keeps the source as it was right after it
//! was pulled: a checkpoint pairs the judged detectors with that source, not with the one
//! already ahead.

use leptos::prelude::*;

use super::MonState;
use crate::core::event::Event;
use crate::core::journal::ahead::WriteAhead;
use crate::core::monitor::{judge_with_rules, Source};
use crate::core::simulator::Injection;

/// What a batch journaled and not yet on disk carries.
#[derive(Debug)]
pub(super) struct Batch {
    events: Vec<Event>,
    /// The source right after pulling it.
    source: Source,
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
        self.ahead.update_value(|w| {
            let seq = appended.unwrap_or(w.last_seq());
            w.push(seq, t_ms, Batch { events, source });
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
        // Taken out while judging: judging reaches other signals, never this queue.
        let mut ahead = self
            .ahead
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        ahead.drain(durable, |p| {
            self.with_engines(|feed, book, rules| {
                judge_with_rules(feed, book, rules, &p.batch.events, p.t_ms)
            });
            self.judged
                .update_value(|n| *n += p.batch.events.len() as u64);
            self.judged_ms.set(p.t_ms);
            self.judged_source.set_value(Some(p.batch.source));
            judged_any = true;
        });
        if !ahead.waiting() {
            // The feed's own source is the judged one again.
            self.judged_source.set_value(None);
        }
        let seq = ahead.applied_seq();
        self.ahead.set_value(ahead);
        if judged_any {
            if seq > 0 {
                self.checkpoint_if_due(seq);
            }
        }
        judged_any
    }

    /// Forgets the batches waiting for the disk: the stream they belong to is gone.
    pub(super) fn drop_waiting(&self, judged_ms: i64) {
        self.ahead.set_value(WriteAhead::new(0, judged_ms));
        self.judged_source.set_value(None);
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
        self.ahead
            .update_value(|w| w.iter_mut().for_each(|p| apply(&mut p.batch.source)));
        self.judged_source.update_value(|j| {
            if let Some(s) = j.as_mut() {
                apply(s);
            }
        });
    }
}
