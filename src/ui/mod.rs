//! The Leptos page: app shell, workspaces and browser glue. No analytics here: components
//! call the core and render its results.

pub mod bench;
pub mod bench_journal;
mod canvas;
mod choice;
mod data_table;
mod dispatch;
mod download;
mod embed;
mod event_feed;
mod format;
pub mod journal;
mod keep;
mod loader;
mod net;
pub(crate) mod pages;
mod player;
mod route;
mod rules_backtest;
mod rules_editor;
mod running_rules;
mod secrets;
mod shell;
mod silences;
mod skip;
mod theme;
mod update;

/// Mounts the app on the page's body.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(shell::App);
}
