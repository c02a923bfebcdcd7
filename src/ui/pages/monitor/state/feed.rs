//! The Monitor's stream from an event feed of metric points (NDJSON polled with `since=`,
//! or Server-Sent Events): the core reads the answers ([`MetricReader`]), the shared loop
//! ([`crate::ui::event_feed`]) fetches and paces, and the points go through the same
//! write-ahead path and detectors as every other source's.

use std::rc::Rc;

use leptos::prelude::*;

use super::MonState;
use crate::core::live::events::{EventFeed, MetricBatch, MetricReader};
use crate::core::text::clip;
use crate::ui::event_feed::{self, FeedStatus, FeedTarget, SseConn};

/// What the feed's answers held besides new points, since connecting (not journaled: a
/// reload starts these counts again).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedCounts {
    /// Points taken.
    pub points: u64,
    /// Lines that did not read.
    pub malformed: usize,
    /// Points dropped because they were already taken (the `since` millisecond).
    pub repeated: usize,
    /// Points older than `since`, skipped.
    pub older: usize,
    /// Points behind their series' newest on an open stream, dropped.
    pub late: usize,
    /// The last answer's first bad lines, in words.
    pub problems: Vec<String>,
    /// Which answer held them.
    pub problems_at: String,
}

impl FeedCounts {
    fn add(&mut self, batch: &MetricBatch, at: &str) {
        self.points += batch.events.len() as u64;
        self.repeated += batch.repeated;
        self.older += batch.older;
        self.late += batch.late;
        if batch.malformed > 0 {
            self.malformed += batch.malformed;
            self.problems = batch
                .problems
                .iter()
                .take(3)
                .map(|p| p.to_string())
                .collect();
            if batch.malformed > self.problems.len() {
                self.problems
                    .push(format!("… {} bad line(s) in that answer", batch.malformed));
            }
            self.problems_at = at.to_string();
        }
    }
}

impl MonState {
    /// Starts a fresh stream over `feed`: no series until its first answer, fresh
    /// detectors and journal, then everything the feed holds is read and judged.
    pub fn start_feed(&self, feed: EventFeed) {
        self.player.pause(*self);
        self.file.set(None);
        self.runaway.set(None);
        if self.live.with_untracked(Option::is_some) {
            self.live.set(None);
            self.live_status.set(super::LiveStatus::Idle);
        }
        self.connecting.set_value(None);
        event_feed::close(*self);
        self.live_names.set(Vec::new());
        self.feed_reader.set_value(MetricReader::default());
        self.feed_counts.set(FeedCounts::default());
        let feed = Rc::new(feed);
        self.event_feed.set(Some(feed.clone()));
        self.restart();
        self.app
            .status
            .set(format!("Event feed: connecting to {}", clip(feed.url())));
        event_feed::follow(*self, feed);
    }

    /// Stops following the feed; the stream so far stays on screen.
    pub fn stop_feed(&self) {
        event_feed::close(*self);
        if self.event_feed.with_untracked(Option::is_some) {
            self.event_feed.set(None);
            self.feed_status.set(FeedStatus::Stopped);
            self.app
                .status
                .set("Event feed stopped; the points received stay on screen".into());
        }
    }

    /// Leaves the feed for another source.
    pub(super) fn leave_feed(&self) {
        event_feed::close(*self);
        if self.event_feed.with_untracked(Option::is_some) {
            self.event_feed.set(None);
        }
        self.feed_status.set(FeedStatus::Idle);
    }

    /// Events judged since the stream started (a recovered stream counts what its journal
    /// held).
    pub fn judged_events(&self) -> u64 {
        self.judged.get_value()
    }

    /// Follows the recovered stream's feed again: the reader resumes with the series the
    /// journal holds and the newest judged point of each, so the first request asks
    /// `since=` that point and backfills what the feed sent meanwhile.
    pub fn resume_feed(&self) {
        let Some(feed) = self.event_feed.get_untracked() else {
            return;
        };
        let (names, newest): (Vec<String>, Vec<i64>) = self
            .with_feed(|f| {
                f.tracks
                    .iter()
                    .map(|t| {
                        let newest = t.history.back().map_or(i64::MIN, |p| p.t_ms);
                        (t.name.clone(), newest)
                    })
                    .unzip()
            })
            .unwrap_or_default();
        self.feed_reader
            .set_value(MetricReader::resume(names, newest));
        self.feed_counts.set(FeedCounts::default());
        event_feed::follow(*self, feed);
    }
}

impl FeedTarget for MonState {
    fn follows(&self, feed: &Rc<EventFeed>) -> bool {
        self.event_feed
            .try_with_untracked(|l| l.as_ref().is_some_and(|l| Rc::ptr_eq(l, feed)))
            .unwrap_or(false)
    }

    fn begin(&self) -> Option<i64> {
        self.feed_reader
            .try_update_value(|r| {
                r.begin();
                r.since()
            })
            .flatten()
    }

    fn take(&self, body: &[u8], at: &str, more: bool) {
        let Some(batch) = self.feed_reader.try_update_value(|r| {
            if more {
                r.read_more(body)
            } else {
                r.read_ndjson(body)
            }
        }) else {
            return;
        };
        if batch.malformed + batch.repeated + batch.older + batch.late > 0
            || !batch.events.is_empty()
        {
            self.feed_counts.update(|c| c.add(&batch, at));
        }
        let fresh: Vec<String> = batch.new_series.iter().map(|(_, n)| n.clone()).collect();
        self.live_take(&fresh, batch.events, None);
        if !fresh.is_empty() {
            let url = self
                .event_feed
                .with_untracked(|f| f.as_ref().map(|f| clip(f.url()).into_owned()))
                .unwrap_or_default();
            let series = self.live_names.with_untracked(Vec::len);
            self.app
                .status
                .set(format!("Event feed {url}: {series} series"));
        }
    }

    fn publish(&self) {
        MonState::publish(self);
    }

    fn set_status(&self, status: FeedStatus) {
        self.feed_status.set(status);
    }

    fn status(&self) -> FeedStatus {
        self.feed_status.get_untracked()
    }

    fn give_up(&self) {
        self.event_feed.set(None);
    }

    fn stream_slot(&self) -> StoredValue<Option<SseConn>, LocalStorage> {
        self.feed_stream
    }
}
