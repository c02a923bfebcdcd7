//! The analytics core: plain Rust, no web crates, tested natively.

pub mod calendar;
pub mod demo;
pub mod distribution;
pub mod errors;
pub mod event;
pub mod ingest;
pub mod profile;
pub mod rng;
pub mod stream;
pub mod synth;
