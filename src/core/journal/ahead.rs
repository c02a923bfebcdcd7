//! The write-ahead sequence, once for every stream: a batch of events is appended to the
//! journal at once, waits here until the store holds it, and only then is applied to the
//! engine. What a page shows is therefore never ahead of what a crash leaves stored, so
//! recovery never goes back behind it. The Monitor, the Errors replay, the live sources and
//! the tests all queue their batches here; what a batch carries (the events, the source as
//! it was after pulling them, a cursor) is theirs.

use std::collections::VecDeque;

/// A batch journaled and not yet applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending<B> {
    /// Journal sequence number of its last record (of the record before it when it has
    /// no event): it may be applied once the store holds this record.
    pub seq: u64,
    /// Stream time the clock had reached when it was pulled, ms.
    pub t_ms: i64,
    /// What the stream needs to apply it.
    pub batch: B,
}

/// The batches journaled but not applied, oldest first, and what the applied state covers
/// (checkpoints must describe applied state only).
#[derive(Debug, Clone, PartialEq)]
pub struct WriteAhead<B> {
    queue: VecDeque<Pending<B>>,
    applied_seq: u64,
    applied_ms: i64,
}

impl<B> Default for WriteAhead<B> {
    fn default() -> Self {
        WriteAhead::new(0, 0)
    }
}

impl<B> WriteAhead<B> {
    /// Nothing waiting; the applied state covers the journal up to `seq` with its clock at
    /// `t_ms` (a new stream, a rebuild, a recovery).
    ///
    /// ```
    /// use pipescope::core::journal::ahead::WriteAhead;
    /// let mut wa = WriteAhead::new(0, 0);
    /// wa.push(3, 1_000, "first three events");
    /// wa.push(5, 2_000, "two more");
    /// let mut applied = Vec::new();
    /// wa.drain(4, |p| applied.push(p.batch)); // the store holds records up to 4
    /// assert_eq!(applied, ["first three events"]);
    /// assert_eq!((wa.applied_seq(), wa.applied_ms()), (3, 1_000));
    /// assert!(wa.waiting());
    /// ```
    pub fn new(seq: u64, t_ms: i64) -> Self {
        WriteAhead {
            queue: VecDeque::new(),
            applied_seq: seq,
            applied_ms: t_ms,
        }
    }

    /// Queues a batch just journaled (its last record is `seq`).
    pub fn push(&mut self, seq: u64, t_ms: i64, batch: B) {
        self.queue.push_back(Pending { seq, t_ms, batch });
    }

    /// A clock move that journaled nothing new: moves the newest waiting batch's clock when
    /// `same` says it is that batch (so ticks waiting on a slow disk do not pile up), and
    /// returns whether it did.
    pub fn extend_clock(&mut self, t_ms: i64, same: impl FnOnce(&Pending<B>) -> bool) -> bool {
        match self.queue.back_mut() {
            Some(last) if same(last) => {
                last.t_ms = last.t_ms.max(t_ms);
                true
            }
            _ => false,
        }
    }

    /// The sequence number a batch with no event of its own would wait for: the newest
    /// waiting batch's, or the applied one.
    pub fn last_seq(&self) -> u64 {
        self.queue.back().map_or(self.applied_seq, |p| p.seq)
    }

    /// Takes the oldest waiting batch when the store holds it (`durable` is the last
    /// sequence number stored) and counts it as applied.
    pub fn pop_durable(&mut self, durable: u64) -> Option<Pending<B>> {
        if self.queue.front()?.seq > durable {
            return None;
        }
        let p = self.queue.pop_front()?;
        self.applied_seq = self.applied_seq.max(p.seq);
        self.applied_ms = self.applied_ms.max(p.t_ms);
        Some(p)
    }

    /// Applies, oldest first, every batch the store holds; returns how many.
    pub fn drain(&mut self, durable: u64, mut apply: impl FnMut(Pending<B>)) -> usize {
        let mut n = 0;
        while let Some(p) = self.pop_durable(durable) {
            apply(p);
            n += 1;
        }
        n
    }

    /// Whether some batch waits for the store.
    pub fn waiting(&self) -> bool {
        !self.queue.is_empty()
    }

    /// The newest waiting batch.
    pub fn newest(&self) -> Option<&Pending<B>> {
        self.queue.back()
    }

    /// Every waiting batch, oldest first, to change in place (a fault injected into the
    /// simulator reaches the copies of it that waiting batches keep).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Pending<B>> {
        self.queue.iter_mut()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_wait_for_the_store_and_apply_in_order() {
        let mut wa: WriteAhead<Vec<u32>> = WriteAhead::new(0, 0);
        wa.push(2, 100, vec![1, 2]);
        wa.push(2, 200, Vec::new());
        wa.push(4, 300, vec![3, 4]);
        let mut seen = Vec::new();
        assert_eq!(
            wa.drain(1, |p| seen.extend(p.batch)),
            0,
            "nothing stored yet"
        );
        assert_eq!(wa.drain(2, |p| seen.extend(p.batch)), 2);
        assert_eq!((wa.applied_seq(), wa.applied_ms()), (2, 200));
        assert_eq!(wa.last_seq(), 4);
        assert_eq!(wa.drain(u64::MAX, |p| seen.extend(p.batch)), 1);
        assert_eq!(seen, vec![1, 2, 3, 4]);
        assert!(!wa.waiting());
        assert_eq!(wa.last_seq(), 4);
    }

    #[test]
    fn an_idle_clock_move_extends_the_newest_batch() {
        let mut wa: WriteAhead<usize> = WriteAhead::new(7, 0);
        wa.push(8, 100, 10);
        assert!(wa.extend_clock(150, |p| p.seq == 8 && p.batch == 10));
        assert!(!wa.extend_clock(160, |p| p.batch == 11));
        assert_eq!(wa.newest().map(|p| p.t_ms), Some(150));
        let p = wa.pop_durable(8).unwrap();
        assert_eq!((p.seq, p.t_ms), (8, 150));
        assert!(!wa.extend_clock(200, |_| true), "nothing waits");
    }
}
