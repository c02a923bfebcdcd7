//! The Monitor's stream from a live source: what the polling loop (`super::super::live`)
//! hands over goes through the same write-ahead path as the simulator's ticks, so a live
//! point is judged only once the journal holds it.

use std::rc::Rc;

use leptos::prelude::*;

use super::MonState;
use crate::core::event::Event;
use crate::core::journal::NameKind;
use crate::core::live::PromSource;

/// Where a live source stands, for the status line.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LiveStatus {
    /// Not connected.
    #[default]
    Idle,
    /// First request under way.
    Connecting,
    /// Backfilling history: requests answered of all.
    Backfilling {
        /// Requests answered.
        done: usize,
        /// Requests in all.
        total: usize,
    },
    /// Polling each step.
    Live {
        /// Series watched.
        series: usize,
        /// Newest sample, epoch ms.
        newest_ms: i64,
        /// Server warnings of the last answer.
        warnings: Vec<String>,
    },
    /// A past time range was fetched and judged; a range with a fixed end is not polled.
    Replayed {
        /// Series fetched.
        series: usize,
        /// Range start, epoch ms.
        from_ms: i64,
        /// Range end, epoch ms.
        to_ms: i64,
    },
    /// The last request failed; `retry_ms` is the wait before the next attempt (None: no
    /// retry, the settings or the query must change).
    Error {
        /// Short kind (`unreachable`, `blocked`, `prometheus`, …).
        kind: &'static str,
        /// What failed and what to change.
        message: String,
        /// Wait before retrying, ms.
        retry_ms: Option<i64>,
    },
    /// Stopped by the user; the stream so far stays on screen.
    Stopped,
}

impl LiveStatus {
    /// The `data-state` of the status line.
    pub fn state(&self) -> &'static str {
        match self {
            LiveStatus::Idle => "idle",
            LiveStatus::Connecting => "connecting",
            LiveStatus::Backfilling { .. } => "backfilling",
            LiveStatus::Live { .. } => "live",
            LiveStatus::Replayed { .. } => "replayed",
            LiveStatus::Error { .. } => "error",
            LiveStatus::Stopped => "stopped",
        }
    }
}

impl MonState {
    /// Starts a stream over the live source `source`, whose series so far are `names`,
    /// with the backfilled `events` (in time order, the answer covering up to `until_ms`)
    /// judged at once.
    pub fn start_live(
        &self,
        source: Rc<PromSource>,
        names: Vec<String>,
        events: Vec<Event>,
        until_ms: Option<i64>,
    ) {
        self.player.pause(*self);
        self.leave_feed();
        self.file.set(None);
        self.runaway.set(None);
        self.live_names.set(names);
        self.live.set(Some(source));
        self.restart();
        self.live_receive(&[], events, until_ms);
    }

    /// Takes a poll's new points (in time order) and the series that joined with them
    /// (`fresh`: their names, in id order after the known ones), judges them and shows it.
    /// `until_ms`: the time the answer covers (its last evaluation time), if the source
    /// says; the stream's clock moves there even when no point came.
    pub fn live_receive(&self, fresh: &[String], events: Vec<Event>, until_ms: Option<i64>) {
        if self.live_take(fresh, events, until_ms) {
            self.publish();
        }
    }

    /// [`MonState::live_receive`] without showing it; whether the clock moved. The points
    /// go through the write-ahead path: journaled now, judged once the journal holds them.
    pub(super) fn live_take(
        &self,
        fresh: &[String],
        events: Vec<Event>,
        until_ms: Option<i64>,
    ) -> bool {
        if !fresh.is_empty() {
            let mut detect =
                crate::core::detect::DetectConfig::with_train_ms(self.train_ms.get_untracked());
            detect.level = self.level.get_untracked();
            detect.periods = self.periods.get_untracked();
            let choices = self.detectors.get_untracked();
            let mut added = Vec::new();
            self.feed.update_value(|f| {
                if let Some(feed) = f.as_mut() {
                    for name in fresh {
                        if let Ok(id) = feed.add_series(name.clone(), &detect, &choices) {
                            added.push((id, name.clone()));
                        }
                    }
                }
            });
            self.live_names
                .update(|n| n.extend(added.iter().map(|a| a.1.clone())));
            let all = self.live_names.get_untracked();
            self.alerting.update_value(|a| a.set_names(all.clone()));
            self.incidents.with_book(
                crate::ui::pages::incidents::state::Source::Monitor,
                |book| book.set_names(all),
            );
            self.journal.with_untracked(|j| {
                if let Some(svc) = j.as_ref().filter(|s| s.status().is_writable()) {
                    for (id, name) in &added {
                        let _ = svc.name(NameKind::Series, *id, name);
                    }
                }
            });
        }
        // An answer that covers up to `until_ms` says no sample came before it: a series
        // that stopped reporting (a target down, its series stale) leaves the clock moving,
        // so an `absent` rule on it fires; otherwise the clock would wait for a sample.
        let Some(newest) = events.last().map(Event::t_ms).max(until_ms) else {
            return false;
        };
        let position = self.position_ms.get_untracked();
        if events.is_empty() && newest <= position {
            return false;
        }
        // A lagging series' points may be older than the clock: the clock never goes back.
        let newest = newest.max(position);
        self.feed.update_value(|f| {
            if let Some(feed) = f.as_mut() {
                feed.receive(events);
            }
        });
        self.position_ms.set(newest);
        self.feed_until(newest);
        true
    }

    /// Whether `source` is still the stream's live source (a loop for an older one stops).
    pub fn is_live_source(&self, source: &Rc<PromSource>) -> bool {
        self.live
            .with_untracked(|l| l.as_ref().is_some_and(|l| Rc::ptr_eq(l, source)))
    }
}
