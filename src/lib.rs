//! pipescope: a data-pipeline monitoring workbench. The analytics core is plain Rust
//! shared by the browser page and the native command-line tool.

pub mod charts;
pub mod core;
pub mod report;

#[cfg(target_arch = "wasm32")]
pub mod ui;
