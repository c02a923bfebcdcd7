//! The journal in the browser: the core's write-ahead journal over IndexedDB, as a service
//! the pages hold, and the Journal panel.
//!
//! * [`mirror`]: the synchronous store the journal writes to, mirrored in memory, with an
//!   outbox of changed keys (its doc says why this shape keeps the write-ahead order).
//! * [`idb`]: raw IndexedDB: open, load everything once, one transaction per flush.
//! * [`lock`]: one writing tab per journal (a Web Lock, or without it a lease in
//!   IndexedDB); other tabs open it read-only.
//! * [`fault`]: the test switch (`?journal=off`, `?journal=quota:BYTES`).
//! * [`service`]: [`JournalService`], what a page calls.
//! * [`panel`]: [`JournalPanel`], figures, status banner, export, import, clear, retention.

pub mod fault;
pub mod idb;
pub mod lock;
pub mod mirror;
pub mod panel;
pub mod service;

pub use panel::{JournalPanel, TakeOver};
pub use service::{delete_database, JournalService, JournalView, OpenTimings, Status, PUBLISH_MS};
