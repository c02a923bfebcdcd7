//! The write-ahead journal: every event is appended (durable) before any engine applies
//! it, engine state is checkpointed now and then, and on start the state is rebuilt as the
//! last good checkpoint plus a replay of the journal after it — equal to a run that never
//! stopped.
//!
//! # Storage shape
//!
//! A [`JournalStore`] holds a list of **segments**, keyed by the sequence number of their
//! first record (one segment per appended batch: in the browser, one per animation frame or
//! timer tick), and two **checkpoint slots**. That maps one to one onto an IndexedDB object
//! store (key → value), OPFS or a native directory (one file per segment). Stores need not be
//! atomic: a write torn by a crash is detected by the format below.
//!
//! # Segment layout (all integers little-endian)
//!
//! | offset | bytes | field |
//! | --- | --- | --- |
//! | 0 | 4 | magic `PSJL` |
//! | 4 | 1 | format version, 1 |
//! | 5 | 3 | reserved, 0 |
//! | 8 | … | records, back to back |
//!
//! # Record layout
//!
//! | offset | bytes | field |
//! | --- | --- | --- |
//! | 0 | 4 | CRC-32 (IEEE, as `crc32fast`) of bytes 4..8+len: length, seq, kind and body |
//! | 4 | 4 | `len`: bytes after this field (9 + body), 14 ..= 4110 |
//! | 8 | 8 | sequence number, u64, from 1, +1 per record across the whole journal |
//! | 16 | 1 | kind: 1 error event, 2 metric event, 3 catalog name |
//! | 17 | … | body |
//!
//! | kind | body |
//! | --- | --- |
//! | 1 error event (16 bytes) | `t_ms` i64, `build` u32, `code` u32 |
//! | 2 metric event (20 bytes) | `t_ms` i64, `series` u32, `value` f64 (IEEE bits) |
//! | 3 catalog name (5 + n bytes) | id space u8 (0 series, 1 build, 2 code), id u32, name UTF-8 (n ≤ 4096) |
//!
//! An error event takes 33 bytes, a metric 37. A name record is journaled before the first
//! event of its batch ([`Journal::name`] stages it; the next append writes it first).
//!
//! # Checkpoint slot layout
//!
//! | offset | bytes | field |
//! | --- | --- | --- |
//! | 0 | 4 | magic `PSCK` |
//! | 4 | 1 | format version, 1 |
//! | 5 | 3 | reserved, 0 |
//! | 8 | 8 | sequence number of the last record the state includes |
//! | 16 | 4 | catalog length `c` |
//! | 20 | 4 | state length `s` |
//! | 24 | 4 | CRC-32 of bytes 0..24 and 28..28+c+s |
//! | 28 | c | the catalog (postcard) |
//! | 28+c | s | the engine state (postcard) |
//!
//! A new checkpoint overwrites the slot that does not hold the newest good one, so a
//! checkpoint torn by a crash falls back to the previous one.
//!
//! # Recovery rules
//!
//! * A segment is read up to its first damaged byte (torn tail, checksum mismatch, bad
//!   header); the rest of that segment is cut.
//! * The newest good checkpoint (seq `c`, 0 without one) is chosen first. Records must
//!   start at 1 and follow each other: seq = previous + 1. A second copy of a record already
//!   kept (same seq, same content, in the same or the previous segment) is skipped and
//!   counted as a duplicate. Any other break in the sequence cuts the journal there: that
//!   record and everything after it are dropped. The one exception is a hole wholly at or
//!   below `c` (history that compaction or damage removed, for instance a journal that now
//!   starts at `c` + 1): the state does not need it, so the journal goes on.
//! * So the journal kept is the longest valid prefix; an event is never applied twice, and
//!   an intact stored event that follows without a gap is never skipped.
//! * The store is repaired in place (damaged segments rewritten to their good prefix,
//!   everything after a cut removed), so the next append continues a clean journal.

pub mod ahead;
mod checkpoint;
mod error;
pub mod export;
mod player;
mod record;
mod recovery;
mod slot;
mod source;
mod store;

use serde::Serialize;

pub use checkpoint::{
    decode_checkpoint, encode_checkpoint, Catalog, Checkpoint, Engine, SlotDamage,
    CHECKPOINT_HEADER, CHECKPOINT_MAGIC,
};
pub use error::JournalError;
pub use player::{decode_player, encode_player, PlayerState, PLAYER_SLOT};
pub use record::{
    begin_segment, decode_at, encode_event, encode_name, scan_segment, CatalogEntry, Damage, Entry,
    Found, NameKind, Record, Scan, FORMAT_VERSION, MAX_NAME_BYTES, RECORD_HEADER, SEGMENT_HEADER,
    SEGMENT_MAGIC,
};
pub use recovery::{Problem, ProblemKind, Recovery, SlotProblem};
pub use source::{decode_source, encode_source, SourceFile, SOURCE_SLOT};
#[cfg(not(target_arch = "wasm32"))]
pub use store::FileStore;
pub use store::{JournalStore, MemStore, StoreError, SLOTS};

use crate::core::event::Event;

/// What one stored segment holds (kept in memory; the records stay in the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentInfo {
    /// Store key: the first sequence number.
    pub key: u64,
    /// Last sequence number.
    pub last_seq: u64,
    /// Records in it.
    pub records: u64,
    /// Of which events.
    pub events: u64,
    /// Bytes.
    pub bytes: u64,
    /// Earliest event time in it.
    pub min_t_ms: Option<i64>,
    /// Latest event time in it.
    pub max_t_ms: Option<i64>,
}

impl SegmentInfo {
    fn of(found: &[Found], bytes: u64) -> Self {
        let mut info = SegmentInfo {
            key: found.first().map_or(0, |f| f.entry.seq),
            last_seq: found.last().map_or(0, |f| f.entry.seq),
            records: found.len() as u64,
            events: 0,
            bytes,
            min_t_ms: None,
            max_t_ms: None,
        };
        for f in found {
            if let Record::Event(e) = &f.entry.record {
                info.note_event(e.t_ms());
            }
        }
        info
    }

    fn note_event(&mut self, t: i64) {
        self.events += 1;
        self.min_t_ms = Some(self.min_t_ms.map_or(t, |m| m.min(t)));
        self.max_t_ms = Some(self.max_t_ms.map_or(t, |m| m.max(t)));
    }
}

/// Figures for a Journal panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Records stored.
    pub records: u64,
    /// Events stored.
    pub events: u64,
    /// Segments stored.
    pub segments: usize,
    /// Bytes of segments.
    pub bytes: u64,
    /// First sequence number stored (0: none).
    pub first_seq: u64,
    /// Last sequence number journaled (0: none).
    pub last_seq: u64,
    /// Earliest stored event time.
    pub oldest_t_ms: Option<i64>,
    /// Latest stored event time.
    pub newest_t_ms: Option<i64>,
    /// Newest good checkpoint.
    pub checkpoint_seq: Option<u64>,
}

/// How much covered history compaction keeps. A segment is dropped only when a
/// checkpoint covers all its records (so no state is lost) and it breaks a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Retention {
    /// Drop covered segments whose newest event is more than this much stream time older
    /// than the newest event in the journal.
    pub max_age_ms: Option<i64>,
    /// Drop covered segments, oldest first, while the journal holds more bytes than this.
    pub max_bytes: Option<u64>,
}

impl Retention {
    /// Keep no covered history: the journal holds only what restore needs.
    pub fn covered_only() -> Self {
        Retention {
            max_age_ms: None,
            max_bytes: Some(0),
        }
    }
}

/// What [`Journal::compact`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Compaction {
    /// Segments removed.
    pub segments: usize,
    /// Records removed.
    pub records: u64,
    /// Bytes removed.
    pub bytes: u64,
    /// The journal is still over a cap because too little of it is covered: checkpoint.
    pub over_cap: bool,
}

/// Engine state rebuilt by [`Journal::restore`].
#[derive(Debug, Clone, PartialEq)]
pub struct Restored<E> {
    /// The engine, equal to one that applied every journaled event once.
    pub engine: E,
    /// The checkpoint it started from.
    pub checkpoint_seq: Option<u64>,
    /// Events replayed after the checkpoint.
    pub replayed: u64,
    /// Last sequence number the engine includes.
    pub last_seq: u64,
}

/// The write-ahead journal over a store.
#[derive(Debug)]
pub struct Journal<S: JournalStore> {
    store: S,
    next_seq: u64,
    segments: Vec<SegmentInfo>,
    catalog: Catalog,
    pending: Vec<CatalogEntry>,
    slots: [Option<u64>; 2],
    buf: Vec<u8>,
}

impl<S: JournalStore> Journal<S> {
    /// Open a journal: verify everything stored, cut it to its longest valid prefix
    /// (repairing the store), pick the newest good checkpoint, and report what was found.
    pub fn open(mut store: S) -> Result<(Self, Recovery), JournalError> {
        let mut rec = Recovery::default();
        let mut slots = [None, None];
        let mut newest: Option<Checkpoint> = None;
        for (slot, seq) in slots.iter_mut().enumerate() {
            let Some(bytes) = store.read_slot(slot)? else {
                continue;
            };
            if bytes.is_empty() {
                continue;
            }
            match decode_checkpoint(&bytes) {
                Ok(c) => {
                    *seq = Some(c.seq);
                    if newest.as_ref().is_none_or(|n| c.seq > n.seq) {
                        newest = Some(c);
                    }
                }
                Err(damage) => rec.slot_problems.push(SlotProblem { slot, damage }),
            }
        }
        let base = newest.as_ref().map_or(0, |c| c.seq);
        rec.checkpoint_seq = newest.as_ref().map(|c| c.seq);
        let mut catalog = newest.map(|c| c.catalog).unwrap_or_default();

        let mut last_good = 0u64;
        let mut infos = Vec::new();
        let mut prev: Vec<Found> = Vec::new();
        let mut cut = false;
        for key in store.segment_keys()? {
            let bytes = store.read_segment(key)?;
            let scan = scan_segment(&bytes);
            let damaged = scan.damage.map_or(0, |(_, d)| damaged_records(d));
            if cut {
                rec.dropped_records += scan.records.len() as u64 + damaged;
                rec.dropped_bytes += bytes.len() as u64;
                store.remove_segment(key)?;
                continue;
            }
            let mut accepted: Vec<Found> = Vec::with_capacity(scan.records.len());
            let mut changed = false;
            let mut records = scan.records.into_iter();
            while let Some(f) = records.next() {
                let seq = f.entry.seq;
                let expected = last_good + 1;
                let problem = |kind| Problem {
                    segment: key,
                    offset: f.offset,
                    at_seq: expected,
                    kind,
                };
                if seq == expected {
                } else if seq > expected && seq - 1 <= base {
                    // Compaction leaves the journal starting after record 1: not a problem.
                    if last_good > 0 {
                        rec.problems.push(problem(ProblemKind::HistoryGap {
                            from: expected,
                            to: seq - 1,
                        }));
                    }
                } else if seq < expected && is_duplicate(&accepted, &prev, &f.entry) {
                    rec.problems.push(problem(ProblemKind::Duplicate { seq }));
                    rec.dropped_records += 1;
                    changed = true;
                    continue;
                } else {
                    rec.problems.push(problem(ProblemKind::OutOfOrder {
                        expected,
                        found: seq,
                    }));
                    rec.dropped_records += 1 + records.len() as u64 + damaged;
                    cut = true;
                    changed = true;
                    break;
                }
                last_good = seq;
                if let Record::Name(n) = &f.entry.record {
                    catalog.insert(n);
                }
                accepted.push(f);
            }
            if let Some((offset, d)) = scan.damage {
                if !cut {
                    rec.problems.push(Problem {
                        segment: key,
                        offset,
                        at_seq: last_good + 1,
                        kind: ProblemKind::Damaged(d),
                    });
                    rec.dropped_records += damaged;
                }
                changed = true;
            }
            if accepted.is_empty() {
                rec.dropped_bytes += bytes.len() as u64;
                store.remove_segment(key)?;
                prev = accepted;
                continue;
            }
            let new_key = accepted[0].entry.seq;
            let kept_len = if changed || new_key != key {
                let mut out = Vec::with_capacity(bytes.len());
                begin_segment(&mut out);
                for f in &accepted {
                    out.extend_from_slice(&bytes[f.offset..f.end]);
                }
                store.put_segment(new_key, &out)?;
                if new_key != key {
                    store.remove_segment(key)?;
                }
                out.len()
            } else {
                bytes.len()
            };
            rec.dropped_bytes += (bytes.len() - kept_len) as u64;
            let info = SegmentInfo::of(&accepted, kept_len as u64);
            rec.records += info.records;
            rec.events += info.events;
            rec.to_replay += accepted.iter().filter(|f| f.entry.seq > base).count() as u64;
            if let Some(t) = accepted.iter().rev().find_map(|f| match &f.entry.record {
                Record::Event(e) => Some(e.t_ms()),
                Record::Name(_) => None,
            }) {
                rec.last_t_ms = Some(t);
            }
            infos.push(info);
            prev = accepted;
        }
        rec.last_seq = last_good;
        let journal = Journal {
            store,
            next_seq: last_good.max(base) + 1,
            segments: infos,
            catalog,
            pending: Vec::new(),
            slots,
            buf: Vec::new(),
        };
        Ok((journal, rec))
    }

    /// Stage a name for an id; it is journaled at the head of the next append, before the
    /// events that use it. Naming an id again with the same name does nothing.
    pub fn name(&mut self, kind: NameKind, id: u32, name: &str) -> Result<(), JournalError> {
        let known = self.catalog.name(kind, id).or_else(|| {
            self.pending
                .iter()
                .find(|p| p.kind == kind && p.id == id)
                .map(|p| p.name.as_str())
        });
        match known {
            Some(old) if old == name => return Ok(()),
            Some(old) => {
                return Err(JournalError::NameConflict {
                    kind,
                    id,
                    old: old.to_string(),
                    new: name.to_string(),
                })
            }
            None => {}
        }
        if name.len() > MAX_NAME_BYTES {
            return Err(JournalError::NameTooLong {
                kind,
                id,
                bytes: name.len(),
            });
        }
        self.pending.push(CatalogEntry {
            kind,
            id,
            name: name.to_string(),
        });
        Ok(())
    }

    /// Append a batch as one segment (staged names first, then the events, in order) and
    /// return the last sequence number journaled. On error nothing is counted as written;
    /// a retry writes the same segment again.
    pub fn append(&mut self, events: &[Event]) -> Result<u64, JournalError> {
        if events.is_empty() && self.pending.is_empty() {
            return Ok(self.last_seq());
        }
        let first = self.next_seq;
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        buf.reserve(SEGMENT_HEADER + events.len() * 37);
        begin_segment(&mut buf);
        let mut seq = first;
        for n in &self.pending {
            encode_name(&mut buf, seq, n);
            seq += 1;
        }
        let mut info = SegmentInfo {
            key: first,
            last_seq: 0,
            records: seq - first + events.len() as u64,
            events: 0,
            bytes: 0,
            min_t_ms: None,
            max_t_ms: None,
        };
        for e in events {
            encode_event(&mut buf, seq, e);
            info.note_event(e.t_ms());
            seq += 1;
        }
        let result = self.store.put_segment(first, &buf);
        info.bytes = buf.len() as u64;
        self.buf = buf;
        result?;
        info.last_seq = seq - 1;
        for n in self.pending.drain(..) {
            self.catalog.insert(&n);
        }
        self.segments.push(info);
        self.next_seq = seq;
        Ok(seq - 1)
    }

    /// Every record with a sequence number above `seq`, in order, read back from the store.
    pub fn records_after(&self, seq: u64) -> Result<Vec<Entry>, JournalError> {
        let mut out = Vec::new();
        for info in self.segments.iter().filter(|i| i.last_seq > seq) {
            let bytes = self.store.read_segment(info.key)?;
            let scan = scan_segment(&bytes);
            if let Some((offset, damage)) = scan.damage {
                return Err(JournalError::Corrupt {
                    segment: info.key,
                    offset,
                    damage,
                });
            }
            out.extend(
                scan.records
                    .into_iter()
                    .map(|f| f.entry)
                    .filter(|e| e.seq > seq),
            );
        }
        Ok(out)
    }

    /// Write a checkpoint: `engine` is the state after applying every record up to `seq`
    /// (which must already be journaled). It goes to the slot not holding the newest good
    /// checkpoint, so a torn write leaves the previous one in place.
    pub fn checkpoint<E: Serialize>(&mut self, seq: u64, engine: &E) -> Result<(), JournalError> {
        if seq > self.last_seq() {
            return Err(JournalError::CheckpointAhead {
                seq,
                last_seq: self.last_seq(),
            });
        }
        let state = postcard::to_allocvec(engine).map_err(|e| JournalError::State {
            seq,
            message: e.to_string(),
        })?;
        let bytes = encode_checkpoint(seq, &self.catalog, &state);
        let slot = match self.slots {
            [None, _] => 0,
            [Some(_), None] => 1,
            [Some(a), Some(b)] => usize::from(b < a),
        };
        // Until the write is known complete, the slot holds nothing usable.
        self.slots[slot] = None;
        self.store.write_slot(slot, &bytes)?;
        self.slots[slot] = Some(seq);
        Ok(())
    }

    /// Rebuild engine state: the newest good checkpoint (or `fresh` without one), then every
    /// event journaled after it, each applied once (and every name, in order, to [`Engine::name`]).
    pub fn restore<E: Engine>(&self, fresh: E) -> Result<Restored<E>, JournalError> {
        let mut engine = fresh;
        let mut from = None;
        if let Some((slot, seq)) = self.newest_slot() {
            let bytes = self.store.read_slot(slot)?.unwrap_or_default();
            let c = decode_checkpoint(&bytes).map_err(|d| JournalError::State {
                seq,
                message: format!("checkpoint slot {slot} changed since open ({d:?})"),
            })?;
            engine = postcard::from_bytes(&c.state).map_err(|e| JournalError::State {
                seq,
                message: e.to_string(),
            })?;
            from = Some(seq);
        }
        self.replay(engine, from)
    }

    /// Rebuild engine state from every journaled record, ignoring the checkpoints: for a
    /// checkpoint whose state this version cannot read ([`JournalError::State`]: the
    /// engine's state changed shape between versions), so the events are judged again
    /// rather than dropped. None when compaction has removed records that only a
    /// checkpoint holds now.
    pub fn restore_from_start<E: Engine>(
        &self,
        fresh: E,
    ) -> Result<Option<Restored<E>>, JournalError> {
        let mut next = 1;
        for s in &self.segments {
            if s.key != next {
                return Ok(None);
            }
            next = s.last_seq + 1;
        }
        self.replay(fresh, None).map(Some)
    }

    /// Applies every record after `from` (the checkpoint `engine` holds) to it.
    fn replay<E: Engine>(
        &self,
        mut engine: E,
        from: Option<u64>,
    ) -> Result<Restored<E>, JournalError> {
        let mut replayed = 0;
        for entry in self.records_after(from.unwrap_or(0))? {
            match &entry.record {
                Record::Event(e) => {
                    engine.apply(e);
                    replayed += 1;
                }
                Record::Name(n) => engine.name(n),
            }
        }
        Ok(Restored {
            engine,
            checkpoint_seq: from,
            replayed,
            last_seq: self.last_seq().max(from.unwrap_or(0)),
        })
    }

    /// Drop the oldest segments that a checkpoint covers and that break a retention cap.
    /// Coverage is judged against the older of the two checkpoints, so either one can be
    /// lost later and restore still finds every record it needs.
    pub fn compact(&mut self, retention: Retention) -> Result<Compaction, JournalError> {
        let covered = match self.slots {
            [Some(a), Some(b)] => a.min(b),
            [Some(a), None] | [None, Some(a)] => a,
            [None, None] => 0,
        };
        let newest_t = self.segments.iter().filter_map(|s| s.max_t_ms).max();
        let mut bytes: u64 = self.segments.iter().map(|s| s.bytes).sum();
        let over = |s: &SegmentInfo, bytes: u64| {
            let too_big = retention.max_bytes.is_some_and(|m| bytes > m);
            let too_old = match (retention.max_age_ms, s.max_t_ms, newest_t) {
                (Some(age), Some(t), Some(newest)) => t < newest.saturating_sub(age),
                _ => false,
            };
            too_big || too_old
        };
        let mut done = Compaction::default();
        while let Some(s) = self.segments.first() {
            if s.last_seq > covered || !over(s, bytes) {
                break;
            }
            self.store.remove_segment(s.key)?;
            bytes -= s.bytes;
            done.segments += 1;
            done.records += s.records;
            done.bytes += s.bytes;
            self.segments.remove(0);
        }
        done.over_cap = self.segments.first().is_some_and(|s| over(s, bytes));
        Ok(done)
    }

    /// Remove every segment and checkpoint: an empty journal starting again at record 1.
    pub fn clear(&mut self) -> Result<(), JournalError> {
        for s in std::mem::take(&mut self.segments) {
            self.store.remove_segment(s.key)?;
        }
        for slot in 0..2 {
            self.slots[slot] = None;
            self.store.write_slot(slot, &[])?;
        }
        self.catalog = Catalog::new();
        self.pending.clear();
        self.next_seq = 1;
        Ok(())
    }

    fn newest_slot(&self) -> Option<(usize, u64)> {
        match self.slots {
            [Some(a), Some(b)] if b > a => Some((1, b)),
            [Some(a), _] => Some((0, a)),
            [None, Some(b)] => Some((1, b)),
            [None, None] => None,
        }
    }

    /// Last sequence number journaled or covered by the checkpoint (0: none).
    pub fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    /// The newest good checkpoint's sequence number.
    pub fn checkpoint_seq(&self) -> Option<u64> {
        self.newest_slot().map(|(_, s)| s)
    }

    /// Names journaled so far (staged names not yet appended are not included).
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The stored segments, oldest first.
    pub fn segments(&self) -> &[SegmentInfo] {
        &self.segments
    }

    /// Figures for the Journal panel.
    pub fn stats(&self) -> Stats {
        Stats {
            records: self.segments.iter().map(|s| s.records).sum(),
            events: self.segments.iter().map(|s| s.events).sum(),
            segments: self.segments.len(),
            bytes: self.segments.iter().map(|s| s.bytes).sum(),
            first_seq: self.segments.first().map_or(0, |s| s.key),
            last_seq: self.last_seq(),
            oldest_t_ms: self.segments.iter().filter_map(|s| s.min_t_ms).min(),
            newest_t_ms: self.segments.iter().filter_map(|s| s.max_t_ms).max(),
            checkpoint_seq: self.checkpoint_seq(),
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, for fault injection in tests.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Give the store back (to reopen it, as after a restart).
    pub fn into_store(self) -> S {
        self.store
    }
}

/// Records a damage makes unreadable: one damaged record, or none for a torn tail.
fn damaged_records(d: Damage) -> u64 {
    match d {
        Damage::Checksum | Damage::Malformed => 1,
        Damage::TornTail | Damage::BadHeader => 0,
    }
}

/// Whether `entry` repeats, byte for byte in content, a record already kept in this
/// segment or the one before (where a retried write would put it).
fn is_duplicate(accepted: &[Found], prev: &[Found], entry: &Entry) -> bool {
    [accepted, prev].iter().any(|list| {
        list.binary_search_by_key(&entry.seq, |f| f.entry.seq)
            .is_ok_and(|i| list[i].entry == *entry)
    })
}
