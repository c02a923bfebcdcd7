//! Hash routes (`#/distribution`, `#/monitor?prom=…`): read in one place, the core's
//! [`crate::core::view`], so native tests cover them and the embedding protocol names
//! workspaces the same way.

pub use crate::core::view::{Route, View};
