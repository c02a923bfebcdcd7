//! One module per workspace.

pub mod distribution;
pub mod placeholder;
