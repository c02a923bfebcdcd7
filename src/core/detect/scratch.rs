//! [`Scratch`]: a cache derived from a detector's state, not part of it.
//!
//! Detector states serialise for checkpoints and compare equal after a replay; a cache kept
//! to skip repeated work (a search whose answer the next call needs again) must change
//! neither. So it is not serialised (a restored state starts with it empty and refills it)
//! and equality ignores it. Whatever it holds must be re-derivable from the state, and code
//! reading it must work the same, only slower, when it is empty.

use std::cell::Cell;

/// A cache beside a detector's state: skipped by serde, ignored by `==`.
#[derive(Debug, Clone, Default)]
pub struct Scratch<T: Copy + Default>(pub Cell<T>);

impl<T: Copy + Default> Scratch<T> {
    /// The value held, leaving the default in its place.
    pub fn take(&self) -> T {
        self.0.take()
    }

    /// The value held.
    pub fn get(&self) -> T {
        self.0.get()
    }

    /// Replaces the value held.
    pub fn set(&self, v: T) {
        self.0.set(v)
    }
}

impl<T: Copy + Default> PartialEq for Scratch<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
