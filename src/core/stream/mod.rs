//! Streams: how stored events are played back on stream time (the replay clock) and handed
//! to engines in order. Shared by the Errors and Monitor workspaces.

pub mod replay;

pub use replay::{Cursor, Replay, Speed};
