//! What [`super::Journal::open`] found wrong in the store and did about it, for the user.

use serde::Serialize;

use super::error::damage_words;
use super::{Damage, SlotDamage};
use crate::core::text::group_thousands;

/// One thing recovery found wrong, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Key of the segment.
    pub segment: u64,
    /// Byte offset in the segment.
    pub offset: usize,
    /// The sequence number the record there should have had.
    pub at_seq: u64,
    /// What was wrong.
    pub kind: ProblemKind,
}

/// What recovery found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ProblemKind {
    /// Unreadable bytes; the rest of the segment was cut.
    Damaged(Damage),
    /// A second copy of record `seq`, skipped.
    Duplicate {
        /// The duplicated record.
        seq: u64,
    },
    /// A record out of sequence: the journal was cut here.
    OutOfOrder {
        /// The sequence number that should have come.
        expected: u64,
        /// The one that came.
        found: u64,
    },
    /// Records `from..=to` are missing, but the checkpoint covers them: nothing lost.
    HistoryGap {
        /// First missing.
        from: u64,
        /// Last missing.
        to: u64,
    },
}

/// A checkpoint slot that could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SlotProblem {
    /// Slot 0 or 1.
    pub slot: usize,
    /// What was wrong.
    pub damage: SlotDamage,
}

/// What [`Journal::open`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Recovery {
    /// Records kept.
    pub records: u64,
    /// Of which events.
    pub events: u64,
    /// Last sequence number kept (0: none; the checkpoint may go further).
    pub last_seq: u64,
    /// Stream time of the last event kept.
    pub last_t_ms: Option<i64>,
    /// The checkpoint restore starts from.
    pub checkpoint_seq: Option<u64>,
    /// Records after the checkpoint that restore replays.
    pub to_replay: u64,
    /// Records dropped: damaged, duplicated, or after a cut.
    pub dropped_records: u64,
    /// Bytes removed from the store by the repair.
    pub dropped_bytes: u64,
    /// Everything found wrong in the segments, in order.
    pub problems: Vec<Problem>,
    /// Checkpoint slots that could not be used.
    pub slot_problems: Vec<SlotProblem>,
}

impl Recovery {
    /// Whether nothing at all was wrong.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty() && self.slot_problems.is_empty() && self.dropped_bytes == 0
    }

    /// One paragraph for the user: what was recovered, what was dropped and why.
    pub fn summary(&self) -> String {
        let mut s = format!("recovered {} events", group_thousands(self.events));
        if let Some(c) = self.checkpoint_seq {
            s += &format!(
                " (checkpoint at record {}, {} records replayed)",
                group_thousands(c),
                group_thousands(self.to_replay)
            );
        }
        if self.dropped_records > 0 || self.dropped_bytes > 0 {
            s += &format!(
                "; dropped {} records ({} bytes)",
                group_thousands(self.dropped_records),
                group_thousands(self.dropped_bytes)
            );
        }
        for p in &self.problems {
            s += "; ";
            s += &match p.kind {
                ProblemKind::Damaged(d) => format!(
                    "{} at record {} (segment {}, byte {})",
                    damage_words(d),
                    group_thousands(p.at_seq),
                    p.segment,
                    p.offset
                ),
                ProblemKind::Duplicate { seq } => {
                    format!("skipped a duplicate of record {}", group_thousands(seq))
                }
                ProblemKind::OutOfOrder { expected, found } => format!(
                    "cut at record {}: found record {} out of order",
                    group_thousands(expected),
                    group_thousands(found)
                ),
                ProblemKind::HistoryGap { from, to } => format!(
                    "records {}–{} are missing but covered by the checkpoint",
                    group_thousands(from),
                    group_thousands(to)
                ),
            };
        }
        for p in &self.slot_problems {
            s += &format!(
                "; checkpoint slot {} unusable ({})",
                p.slot,
                match p.damage {
                    SlotDamage::Torn => "torn write",
                    SlotDamage::BadHeader => "not a checkpoint of this version",
                    SlotDamage::Checksum => "checksum mismatch",
                    SlotDamage::Malformed => "unreadable catalog",
                }
            );
        }
        s
    }
}
