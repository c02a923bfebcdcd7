//! One module per workspace.

pub mod distribution;
pub mod errors;
pub mod placeholder;
