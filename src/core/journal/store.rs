//! Where journal bytes live: a small trait over a keyed list of segments plus a few
//! slots (two checkpoints, the replayed file, the player), so IndexedDB (an object store keyed by first sequence number), OPFS
//! (a file per segment), a native directory and memory all fit behind it.

use std::collections::BTreeMap;
use std::fmt;

/// Slots a store holds: two checkpoints, the replayed source file and the player's state.
pub const SLOTS: usize = 4;

/// A storage failure, worded for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The write would take the store past its quota; nothing was written.
    QuotaExceeded {
        /// Bytes the write needed.
        needed: u64,
        /// Bytes the store may hold.
        limit: u64,
    },
    /// Storage cannot be used at all (disabled, private browsing, a simulated crash).
    Unavailable(String),
    /// An operating-system error on a path.
    Io {
        /// What was being done (`writing`, `reading`, …).
        action: &'static str,
        /// The file or directory.
        path: String,
        /// The system's message.
        message: String,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::QuotaExceeded { needed, limit } => write!(
                f,
                "storage is full: writing {needed} more bytes would pass the {limit}-byte quota; \
                 free space, or lower the journal's retention"
            ),
            StoreError::Unavailable(why) => write!(f, "storage is unavailable: {why}"),
            StoreError::Io {
                action,
                path,
                message,
            } => write!(f, "error {action} {path}: {message}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Storage for a journal: segments keyed by the sequence number of their first record,
/// plus [`SLOTS`] slots: checkpoints in 0 and 1, the replayed source file in 2, the
/// player's speed in 3. A write may be torn by a crash; the journal format
/// detects that, so a store need not be atomic.
pub trait JournalStore {
    /// Keys of the stored segments, ascending.
    fn segment_keys(&self) -> Result<Vec<u64>, StoreError>;
    /// The bytes of one segment (empty if there is no such key).
    fn read_segment(&self, key: u64) -> Result<Vec<u8>, StoreError>;
    /// Write a segment, replacing any segment with the same key.
    fn put_segment(&mut self, key: u64, bytes: &[u8]) -> Result<(), StoreError>;
    /// Remove a segment (no error if it is absent).
    fn remove_segment(&mut self, key: u64) -> Result<(), StoreError>;
    /// The bytes in a slot (below [`SLOTS`]), None if it was never written.
    fn read_slot(&self, slot: usize) -> Result<Option<Vec<u8>>, StoreError>;
    /// Replace the bytes in a slot (below [`SLOTS`]).
    fn write_slot(&mut self, slot: usize, bytes: &[u8]) -> Result<(), StoreError>;
    /// Bytes held: all segments plus every slot.
    fn size(&self) -> Result<u64, StoreError>;
}

/// A store in memory, with switches to inject the failures a browser store has: a quota
/// (writes past it are refused whole) and a crash after a byte budget (the write that
/// crosses it is torn, and every later write fails until [`MemStore::revive`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemStore {
    segments: BTreeMap<u64, Vec<u8>>,
    slots: [Option<Vec<u8>>; SLOTS],
    quota: Option<u64>,
    crash_budget: Option<u64>,
    crashed: bool,
    written: u64,
}

impl MemStore {
    /// An empty store with no quota.
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuse writes that would make the store hold more than `limit` bytes.
    pub fn set_quota(&mut self, limit: Option<u64>) {
        self.quota = limit;
    }

    /// Crash after `bytes` more bytes have been written: the write crossing the budget
    /// keeps only its first bytes, and later writes fail as if the tab were gone.
    pub fn crash_after(&mut self, bytes: u64) {
        self.crash_budget = Some(bytes);
        self.crashed = false;
    }

    /// Reopen after a simulated crash: what was stored stays, writes work again.
    pub fn revive(&mut self) {
        self.crash_budget = None;
        self.crashed = false;
    }

    /// Whether a simulated crash has happened.
    pub fn crashed(&self) -> bool {
        self.crashed
    }

    /// Total bytes ever written (segments and slots), to pick crash points.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// Raw access to a segment, for fault-injection tests.
    pub fn segment_mut(&mut self, key: u64) -> Option<&mut Vec<u8>> {
        self.segments.get_mut(&key)
    }

    /// Raw access to a checkpoint slot, for fault-injection tests.
    pub fn slot_mut(&mut self, slot: usize) -> Option<&mut Vec<u8>> {
        self.slots.get_mut(slot).and_then(Option::as_mut)
    }

    fn held(&self) -> u64 {
        let segs: usize = self.segments.values().map(Vec::len).sum();
        let slots: usize = self.slots.iter().flatten().map(Vec::len).sum();
        (segs + slots) as u64
    }

    /// Check the quota and crash budget for a write replacing `old` bytes with `new`;
    /// returns how many of the new bytes land (all unless the write crashes).
    fn admit(&mut self, old: usize, new: usize) -> Result<usize, StoreError> {
        if self.crashed {
            return Err(crashed());
        }
        if let Some(limit) = self.quota {
            let after = self.held() - old as u64 + new as u64;
            if after > limit {
                return Err(StoreError::QuotaExceeded {
                    needed: new as u64,
                    limit,
                });
            }
        }
        match self.crash_budget {
            Some(budget) if (new as u64) > budget => {
                self.crashed = true;
                self.crash_budget = Some(0);
                self.written += budget;
                Ok(budget as usize)
            }
            Some(budget) => {
                self.crash_budget = Some(budget - new as u64);
                self.written += new as u64;
                Ok(new)
            }
            None => {
                self.written += new as u64;
                Ok(new)
            }
        }
    }
}

fn crashed() -> StoreError {
    StoreError::Unavailable("the store stopped mid-write (simulated crash)".into())
}

fn check_slot(slot: usize) -> Result<(), StoreError> {
    if slot < SLOTS {
        Ok(())
    } else {
        Err(StoreError::Unavailable(format!("there is no slot {slot}")))
    }
}

impl JournalStore for MemStore {
    fn segment_keys(&self) -> Result<Vec<u64>, StoreError> {
        Ok(self.segments.keys().copied().collect())
    }

    fn read_segment(&self, key: u64) -> Result<Vec<u8>, StoreError> {
        Ok(self.segments.get(&key).cloned().unwrap_or_default())
    }

    fn put_segment(&mut self, key: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let old = self.segments.get(&key).map_or(0, Vec::len);
        let n = self.admit(old, bytes.len())?;
        self.segments.insert(key, bytes[..n].to_vec());
        if self.crashed {
            return Err(crashed());
        }
        Ok(())
    }

    fn remove_segment(&mut self, key: u64) -> Result<(), StoreError> {
        if self.crashed {
            return Err(crashed());
        }
        self.segments.remove(&key);
        Ok(())
    }

    fn read_slot(&self, slot: usize) -> Result<Option<Vec<u8>>, StoreError> {
        check_slot(slot)?;
        Ok(self.slots[slot].clone())
    }

    fn write_slot(&mut self, slot: usize, bytes: &[u8]) -> Result<(), StoreError> {
        check_slot(slot)?;
        let old = self.slots[slot].as_ref().map_or(0, Vec::len);
        let n = self.admit(old, bytes.len())?;
        self.slots[slot] = Some(bytes[..n].to_vec());
        if self.crashed {
            return Err(crashed());
        }
        Ok(())
    }

    fn size(&self) -> Result<u64, StoreError> {
        Ok(self.held())
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use file::FileStore;

#[cfg(not(target_arch = "wasm32"))]
mod file {
    use std::fs;
    use std::io::Write;
    use std::path::{Path, PathBuf};

    use super::{check_slot, JournalStore, StoreError};

    /// A directory: one file per segment (`seg-<first seq, 16 hex digits>.psj`) and
    /// `checkpoint-0.psc`, `checkpoint-1.psc` — the same shape as the browser's stores.
    #[derive(Debug, Clone)]
    pub struct FileStore {
        dir: PathBuf,
        sync: bool,
    }

    fn io(action: &'static str, path: &Path, e: std::io::Error) -> StoreError {
        StoreError::Io {
            action,
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }

    impl FileStore {
        /// Open (creating if needed) a journal directory; writes are not fsynced.
        pub fn open(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
            let dir = dir.into();
            fs::create_dir_all(&dir).map_err(|e| io("creating", &dir, e))?;
            Ok(FileStore { dir, sync: false })
        }

        /// Fsync every write (durable across power loss, much slower).
        pub fn with_sync(mut self, sync: bool) -> Self {
            self.sync = sync;
            self
        }

        fn segment_path(&self, key: u64) -> PathBuf {
            self.dir.join(format!("seg-{key:016x}.psj"))
        }

        fn slot_path(&self, slot: usize) -> PathBuf {
            self.dir.join(format!("checkpoint-{slot}.psc"))
        }

        fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
            let mut f = fs::File::create(path).map_err(|e| io("creating", path, e))?;
            f.write_all(bytes).map_err(|e| io("writing", path, e))?;
            if self.sync {
                f.sync_data().map_err(|e| io("syncing", path, e))?;
            }
            Ok(())
        }

        fn read(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
            match fs::read(path) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(io("reading", path, e)),
            }
        }
    }

    impl JournalStore for FileStore {
        fn segment_keys(&self) -> Result<Vec<u64>, StoreError> {
            let rd = fs::read_dir(&self.dir).map_err(|e| io("listing", &self.dir, e))?;
            let mut keys = Vec::new();
            for ent in rd {
                let ent = ent.map_err(|e| io("listing", &self.dir, e))?;
                let name = ent.file_name();
                let Some(name) = name.to_str() else { continue };
                let hex = name
                    .strip_prefix("seg-")
                    .and_then(|s| s.strip_suffix(".psj"));
                if let Some(key) = hex.and_then(|h| u64::from_str_radix(h, 16).ok()) {
                    keys.push(key);
                }
            }
            keys.sort_unstable();
            Ok(keys)
        }

        fn read_segment(&self, key: u64) -> Result<Vec<u8>, StoreError> {
            Ok(Self::read(&self.segment_path(key))?.unwrap_or_default())
        }

        fn put_segment(&mut self, key: u64, bytes: &[u8]) -> Result<(), StoreError> {
            self.write(&self.segment_path(key), bytes)
        }

        fn remove_segment(&mut self, key: u64) -> Result<(), StoreError> {
            let path = self.segment_path(key);
            match fs::remove_file(&path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io("removing", &path, e)),
            }
        }

        fn read_slot(&self, slot: usize) -> Result<Option<Vec<u8>>, StoreError> {
            check_slot(slot)?;
            Self::read(&self.slot_path(slot))
        }

        fn write_slot(&mut self, slot: usize, bytes: &[u8]) -> Result<(), StoreError> {
            check_slot(slot)?;
            self.write(&self.slot_path(slot), bytes)
        }

        fn size(&self) -> Result<u64, StoreError> {
            let mut total = 0;
            for key in self.segment_keys()? {
                let p = self.segment_path(key);
                total += fs::metadata(&p).map_err(|e| io("reading", &p, e))?.len();
            }
            for slot in 0..2 {
                if let Ok(m) = fs::metadata(self.slot_path(slot)) {
                    total += m.len();
                }
            }
            Ok(total)
        }
    }
}
