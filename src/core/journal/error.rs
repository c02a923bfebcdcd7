//! What the journal could not do, as typed errors with where.

use std::fmt;

use super::{Damage, NameKind, StoreError, MAX_NAME_BYTES};

/// Something the journal could not do.
#[derive(Debug, Clone, PartialEq)]
pub enum JournalError {
    /// The store failed; what was stored before is intact.
    Store(StoreError),
    /// An id was given a second, different name.
    NameConflict {
        /// Id space.
        kind: NameKind,
        /// The id.
        id: u32,
        /// The name it already has.
        old: String,
        /// The name it was given now.
        new: String,
    },
    /// A name longer than [`MAX_NAME_BYTES`].
    NameTooLong {
        /// Id space.
        kind: NameKind,
        /// The id.
        id: u32,
        /// Its length in bytes.
        bytes: usize,
    },
    /// A checkpoint for records that are not in the journal yet (write-ahead order).
    CheckpointAhead {
        /// The checkpoint's sequence number.
        seq: u64,
        /// The last record journaled.
        last_seq: u64,
    },
    /// Engine state that would not serialize or deserialize.
    State {
        /// The checkpoint's sequence number.
        seq: u64,
        /// postcard's message.
        message: String,
    },
    /// A segment that was good at open is damaged now (changed under the journal).
    Corrupt {
        /// Segment key.
        segment: u64,
        /// Byte offset in the segment.
        offset: usize,
        /// What is wrong.
        damage: Damage,
    },
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JournalError::Store(e) => write!(f, "journal: {e}"),
            JournalError::NameConflict { kind, id, old, new } => write!(
                f,
                "{} {id} is already named {old:?} in this journal and cannot become {new:?}; \
                 clear the journal to start a different stream",
                kind.word()
            ),
            JournalError::NameTooLong { kind, id, bytes } => write!(
                f,
                "the name of {} {id} is {bytes} bytes long; names may have at most {MAX_NAME_BYTES}",
                kind.word()
            ),
            JournalError::CheckpointAhead { seq, last_seq } => write!(
                f,
                "cannot checkpoint at record {seq}: the journal ends at record {last_seq}, \
                 and state may only include journaled events"
            ),
            JournalError::State { seq, message } => write!(
                f,
                "the engine state of the checkpoint at record {seq} could not be read or \
                 written ({message}); clear the journal if the engine changed"
            ),
            JournalError::Corrupt {
                segment,
                offset,
                damage,
            } => write!(
                f,
                "journal segment {segment} is damaged at byte {offset} ({}) since it was \
                 opened; reopen the journal to recover",
                damage_words(*damage)
            ),
        }
    }
}

impl std::error::Error for JournalError {}

impl From<StoreError> for JournalError {
    fn from(e: StoreError) -> Self {
        JournalError::Store(e)
    }
}

/// Words for a segment's damage, for messages.
pub(super) fn damage_words(d: Damage) -> &'static str {
    match d {
        Damage::BadHeader => "not a journal segment of this version",
        Damage::TornTail => "torn tail: a write did not finish",
        Damage::Checksum => "checksum mismatch",
        Damage::Malformed => "a record of unknown kind or shape",
    }
}
