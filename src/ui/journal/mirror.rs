//! The synchronous store the journal runs on in the page: an in-memory mirror of what
//! IndexedDB holds, plus an outbox of the keys changed since the last flush.
//!
//! `JournalStore` is synchronous and IndexedDB is not, so the journal writes here at once
//! and a flusher copies the outbox to disk later, one transaction per flush. That shape
//! keeps the write-ahead order where it matters:
//!
//! * in memory, an event is in the journal before `append` returns, so before any engine
//!   applies it — always;
//! * on disk, one flush is one IndexedDB transaction, atomic: after a crash the disk holds
//!   exactly the journal as of some flush, never half of one, and a checkpoint is never on
//!   disk without the segments it covers (they were put in the mirror first, so they are in
//!   the same or an earlier flush);
//! * a crash loses at most the outbox not yet flushed (one frame or tick of events), and
//!   recovery cuts anything a torn write left behind anyway.
//!
//! The outbox holds keys, not bytes: a flush writes whatever the mirror holds for each
//! dirty key then (or deletes it if the key is gone), so a segment written and compacted
//! away between two flushes never reaches the disk at all.

use std::collections::{BTreeMap, BTreeSet};

use crate::core::journal::{JournalStore, StoreError, SLOTS};

/// Journal bytes in memory, with the keys changed since the last [`MirrorStore::take_outbox`].
#[derive(Debug, Default)]
pub struct MirrorStore {
    segments: BTreeMap<u64, Vec<u8>>,
    slots: [Option<Vec<u8>>; SLOTS],
    dirty_segments: BTreeSet<u64>,
    dirty_slots: [bool; SLOTS],
    /// False while the journal runs in memory only: nothing is queued for disk.
    track: bool,
    bytes: u64,
}

/// Keys to write on the next flush.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outbox {
    /// Segment keys changed (put or removed).
    pub segments: Vec<u64>,
    /// Slots rewritten.
    pub slots: Vec<usize>,
}

impl Outbox {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty() && self.slots.is_empty()
    }
}

impl MirrorStore {
    /// A mirror of what was loaded from disk; `track` queues changes for a flusher.
    pub fn new(
        segments: Vec<(u64, Vec<u8>)>,
        slots: [Option<Vec<u8>>; SLOTS],
        track: bool,
    ) -> Self {
        let segments: BTreeMap<u64, Vec<u8>> = segments.into_iter().collect();
        let bytes = segments.values().map(|v| v.len() as u64).sum::<u64>()
            + slots.iter().flatten().map(|v| v.len() as u64).sum::<u64>();
        MirrorStore {
            segments,
            slots,
            track,
            bytes,
            ..Default::default()
        }
    }

    /// Stop queueing changes (the disk is out of reach) and drop what was queued.
    pub fn stop_tracking(&mut self) {
        self.track = false;
        self.dirty_segments.clear();
        self.dirty_slots = [false; SLOTS];
    }

    /// Take the keys changed since the last call.
    pub fn take_outbox(&mut self) -> Outbox {
        Outbox {
            segments: std::mem::take(&mut self.dirty_segments)
                .into_iter()
                .collect(),
            slots: (0..SLOTS)
                .filter(|&s| std::mem::take(&mut self.dirty_slots[s]))
                .collect(),
        }
    }

    /// Whether a flush has something to write.
    pub fn has_outbox(&self) -> bool {
        !self.dirty_segments.is_empty() || self.dirty_slots.iter().any(|d| *d)
    }

    /// Bytes the queued changes would write.
    pub fn outbox_bytes(&self) -> u64 {
        let segs: usize = self
            .dirty_segments
            .iter()
            .filter_map(|k| self.segments.get(k))
            .map(Vec::len)
            .sum();
        let slots: usize = (0..SLOTS)
            .filter(|&s| self.dirty_slots[s])
            .filter_map(|s| self.slots[s].as_ref())
            .map(Vec::len)
            .sum();
        (segs + slots) as u64
    }

    /// The bytes of a segment, if the mirror holds it.
    pub fn segment(&self, key: u64) -> Option<&[u8]> {
        self.segments.get(&key).map(Vec::as_slice)
    }

    /// The bytes of a slot, if written.
    pub fn slot(&self, slot: usize) -> Option<&[u8]> {
        self.slots.get(slot).and_then(|s| s.as_deref())
    }

    /// Bytes held: all segments and every slot (what the disk holds after a full flush).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl JournalStore for MirrorStore {
    fn segment_keys(&self) -> Result<Vec<u64>, StoreError> {
        Ok(self.segments.keys().copied().collect())
    }

    fn read_segment(&self, key: u64) -> Result<Vec<u8>, StoreError> {
        Ok(self.segments.get(&key).cloned().unwrap_or_default())
    }

    fn put_segment(&mut self, key: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let old = self
            .segments
            .insert(key, bytes.to_vec())
            .map_or(0, |v| v.len());
        self.bytes = self.bytes - old as u64 + bytes.len() as u64;
        if self.track {
            self.dirty_segments.insert(key);
        }
        Ok(())
    }

    fn remove_segment(&mut self, key: u64) -> Result<(), StoreError> {
        if let Some(old) = self.segments.remove(&key) {
            self.bytes -= old.len() as u64;
            if self.track {
                self.dirty_segments.insert(key);
            }
        }
        Ok(())
    }

    fn read_slot(&self, slot: usize) -> Result<Option<Vec<u8>>, StoreError> {
        self.slots
            .get(slot)
            .cloned()
            .ok_or_else(|| StoreError::Unavailable(format!("there is no slot {slot}")))
    }

    fn write_slot(&mut self, slot: usize, bytes: &[u8]) -> Result<(), StoreError> {
        let Some(s) = self.slots.get_mut(slot) else {
            return Err(StoreError::Unavailable(format!("there is no slot {slot}")));
        };
        let old = s.replace(bytes.to_vec()).map_or(0, |v| v.len());
        self.bytes = self.bytes - old as u64 + bytes.len() as u64;
        if self.track {
            self.dirty_slots[slot] = true;
        }
        Ok(())
    }

    fn size(&self) -> Result<u64, StoreError> {
        Ok(self.bytes)
    }
}
