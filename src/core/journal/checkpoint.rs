//! Checkpoints: the catalog and an engine's state as of a sequence number, in a slot of
//! their own with their own checksum.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::record::{CatalogEntry, NameKind, FORMAT_VERSION};
use super::slot::{crc_around, seal, SlotBytes};
use crate::core::errors::ErrorEngine;
use crate::core::event::Event;

/// First bytes of a checkpoint slot.
pub const CHECKPOINT_MAGIC: [u8; 4] = *b"PSCK";
/// Bytes before a checkpoint's payload.
pub const CHECKPOINT_HEADER: usize = 28;
/// Where a checkpoint's CRC-32 sits in its header.
const CRC_AT: usize = 24;

/// The stream's names for its ids, rebuilt from checkpoints and catalog records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    series: BTreeMap<u32, String>,
    builds: BTreeMap<u32, String>,
    codes: BTreeMap<u32, String>,
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self, kind: NameKind) -> &BTreeMap<u32, String> {
        match kind {
            NameKind::Series => &self.series,
            NameKind::Build => &self.builds,
            NameKind::Code => &self.codes,
        }
    }

    /// The name of an id, if it has one.
    pub fn name(&self, kind: NameKind, id: u32) -> Option<&str> {
        self.map(kind).get(&id).map(String::as_str)
    }

    /// Record a name (a later entry for the same id replaces the earlier one).
    pub fn insert(&mut self, entry: &CatalogEntry) {
        let map = match entry.kind {
            NameKind::Series => &mut self.series,
            NameKind::Build => &mut self.builds,
            NameKind::Code => &mut self.codes,
        };
        map.insert(entry.id, entry.name.clone());
    }

    /// All names of one kind, by id.
    pub fn names(&self, kind: NameKind) -> impl Iterator<Item = (u32, &str)> {
        self.map(kind).iter().map(|(&id, n)| (id, n.as_str()))
    }

    /// Number of names of all kinds.
    pub fn len(&self) -> usize {
        self.series.len() + self.builds.len() + self.codes.len()
    }

    /// Whether there is no name at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An engine the journal can checkpoint and replay into: a deterministic fold over events
/// whose state serializes.
pub trait Engine: Serialize + DeserializeOwned {
    /// Apply one event.
    fn apply(&mut self, event: &Event);

    /// Learn a name journaled before the events that use it, in journal order. Engines
    /// that bind by name as names arrive (rules on a live feed's codes) need this; the
    /// rest know their names up front and ignore it.
    fn name(&mut self, _entry: &CatalogEntry) {}
}

impl Engine for ErrorEngine {
    fn apply(&mut self, event: &Event) {
        ErrorEngine::apply(self, event)
    }
}

/// A decoded checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The last sequence number the state includes.
    pub seq: u64,
    /// Names known at that point.
    pub catalog: Catalog,
    /// The engine state, serialized with postcard.
    pub state: Vec<u8>,
}

/// Why a checkpoint slot could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlotDamage {
    /// Shorter than its header or its declared payload: a write that did not finish.
    Torn,
    /// Wrong magic, version or reserved bytes.
    BadHeader,
    /// The checksum does not match.
    Checksum,
    /// The checksum matches but the catalog does not decode.
    Malformed,
}

/// Serialize a checkpoint into slot bytes.
pub fn encode_checkpoint(seq: u64, catalog: &Catalog, state: &[u8]) -> Vec<u8> {
    let cat = postcard::to_allocvec(catalog).expect("a catalog always serializes");
    let mut out = Vec::with_capacity(CHECKPOINT_HEADER + cat.len() + state.len());
    out.extend_from_slice(&CHECKPOINT_MAGIC);
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&[0, 0, 0]);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&(cat.len() as u32).to_le_bytes());
    out.extend_from_slice(&(state.len() as u32).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&cat);
    out.extend_from_slice(state);
    seal(&mut out, CRC_AT);
    out
}

/// Verify and decode slot bytes.
pub fn decode_checkpoint(bytes: &[u8]) -> Result<Checkpoint, SlotDamage> {
    let slot = SlotBytes::open(
        bytes,
        CHECKPOINT_MAGIC,
        FORMAT_VERSION,
        CHECKPOINT_HEADER,
        &[(5, 8)],
    )?;
    let seq = slot.u64_at(8);
    let (cat_len, state_len) = (slot.u32_at(16) as usize, slot.u32_at(20) as usize);
    slot.expect_len(CHECKPOINT_HEADER as u64 + cat_len as u64 + state_len as u64)?
        .expect_crc(CRC_AT, crc_around(bytes, CRC_AT))?;
    let cat_end = CHECKPOINT_HEADER + cat_len;
    let catalog: Catalog = postcard::from_bytes(&bytes[CHECKPOINT_HEADER..cat_end])
        .map_err(|_| SlotDamage::Malformed)?;
    Ok(Checkpoint {
        seq,
        catalog,
        state: bytes[cat_end..].to_vec(),
    })
}
