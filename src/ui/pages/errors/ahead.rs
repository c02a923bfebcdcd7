//! Write-ahead for the Errors replay: the slice of the stream a clock move passes is
//! journaled at once but waits here until the journal has it on disk; only then does the
//! engine judge it. What the page shows (clock, event count, alerts) is therefore never
//! ahead of what a crash leaves stored, so recovery never goes back behind it.

use std::collections::VecDeque;

/// A journaled slice of the stream waiting for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Slice {
    /// Journal sequence number of its last event (of the last record before it when it
    /// has no event): the slice may be applied once the disk holds this record.
    pub seq: u64,
    /// Index just past its last event in the stream's time-ordered events.
    pub end: usize,
    /// Stream time the clock had reached when the slice was pulled, ms.
    pub t_ms: i64,
}

/// The slices journaled but not applied yet, oldest first, and what the applied state
/// covers (for the views and for checkpoints, which must describe applied state only).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct WriteAhead {
    queue: VecDeque<Slice>,
    applied_seq: u64,
    applied_ms: i64,
}

impl WriteAhead {
    /// Nothing waiting; the applied state covers the journal up to `seq` with its clock at
    /// `t_ms` (a new stream, a rebuild, a recovery).
    pub fn new(seq: u64, t_ms: i64) -> Self {
        WriteAhead {
            queue: VecDeque::new(),
            applied_seq: seq,
            applied_ms: t_ms,
        }
    }

    /// Queues a slice just journaled. A clock move that pulled no event only moves the
    /// newest waiting slice's clock, so ticks waiting on a slow disk do not pile up.
    pub fn push(&mut self, slice: Slice) {
        match self.queue.back_mut() {
            Some(last) if last.seq == slice.seq && last.end == slice.end => {
                last.t_ms = last.t_ms.max(slice.t_ms);
            }
            _ => self.queue.push_back(slice),
        }
    }

    /// Index of the next event to pull: past the newest waiting slice, or `applied` (the
    /// engine's cursor) when nothing waits.
    pub fn pulled(&self, applied: usize) -> usize {
        self.queue.back().map_or(applied, |s| s.end.max(applied))
    }

    /// Takes the oldest waiting slice when the disk holds it (`durable` is the last
    /// sequence number on disk) and counts it as applied.
    pub fn pop_durable(&mut self, durable: u64) -> Option<Slice> {
        if self.queue.front()?.seq > durable {
            return None;
        }
        let slice = self.queue.pop_front()?;
        self.applied_seq = self.applied_seq.max(slice.seq);
        self.applied_ms = self.applied_ms.max(slice.t_ms);
        Some(slice)
    }

    /// Whether some slice waits for the disk.
    pub fn waiting(&self) -> bool {
        !self.queue.is_empty()
    }

    /// The last journal sequence number the applied state covers.
    pub fn applied_seq(&self) -> u64 {
        self.applied_seq
    }

    /// The applied state's clock, ms of stream time.
    pub fn applied_ms(&self) -> i64 {
        self.applied_ms
    }
}
