//! One module per workspace.

pub mod checks;
pub mod distribution;
pub mod errors;
pub mod incidents;
pub mod monitor;
