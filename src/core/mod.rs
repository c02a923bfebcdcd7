//! The analytics core: plain Rust, no web crates, tested natively.

pub mod compare;
pub mod csv_cell;
pub mod demo;
pub mod detect;
pub mod distribution;
pub mod embed;
pub mod errors;
pub mod event;
pub mod forecast;
pub mod incident;
pub mod ingest;
pub mod journal;
pub mod live;
pub mod memory;
pub mod monitor;
pub mod profile;
pub mod quality;
pub mod rng;
pub mod simulator;
pub mod sink;
pub mod source;
pub mod stream;
pub mod synth;
pub mod text;
pub mod time;
pub mod view;
