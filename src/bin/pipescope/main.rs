//! `pipescope`: the native command-line tool over the same core as the page.
//!
//! One module per subcommand, each with its `Args` and `run`; errors go to stderr with
//! exit code 2. Output formats are contracts documented in the README.

#[cfg(not(target_arch = "wasm32"))]
mod check;
#[cfg(not(target_arch = "wasm32"))]
mod common;
#[cfg(not(target_arch = "wasm32"))]
mod compare;
#[cfg(not(target_arch = "wasm32"))]
mod detect;
#[cfg(not(target_arch = "wasm32"))]
mod errors;
#[cfg(not(target_arch = "wasm32"))]
mod gen_csv;
#[cfg(not(target_arch = "wasm32"))]
mod incidents;
#[cfg(not(target_arch = "wasm32"))]
mod memory;
#[cfg(not(target_arch = "wasm32"))]
mod profile;
#[cfg(not(target_arch = "wasm32"))]
mod quality;
#[cfg(not(target_arch = "wasm32"))]
mod rules;
#[cfg(not(target_arch = "wasm32"))]
mod simulate;

/// Counts allocations while the memory guard measures a sample (see `memory`).
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: memory::Counting = memory::Counting;

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::process::ExitCode;

    use clap::{Parser, Subcommand};

    #[derive(Parser)]
    #[command(
        name = "pipescope",
        version,
        about = "Data-pipeline monitoring workbench: command-line tools"
    )]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Print the JSON profile of every column of a CSV/TSV file.
        Profile(super::profile::Args),
        /// Compare a current CSV/TSV file with its reference: drift tests per column, schema changes.
        Compare(super::compare::Args),
        /// Run a checks file on a CSV/TSV file (exit 0 pass or warn, 1 fail, 2 error), or suggest one.
        Check(super::check::Args),
        /// Regression alerts from an error-event CSV (timestamp, build, code), one a line.
        Errors(super::errors::Args),
        /// Causal anomaly detection on one metric: CSV of value, forecast band, score, flag.
        Detect(super::detect::Args),
        /// Incidents from metric columns (detector, then incident engine), one JSON object a line.
        Incidents(super::incidents::Args),
        /// Write a deterministic synthetic CSV for benchmarks.
        GenCsv(super::gen_csv::Args),
        /// Print the built-in simulator's stream as CSV, with optional injected faults.
        Simulate(super::simulate::Args),
        /// Detection quality on the labelled corpus (simulated, plus real series): markdown report.
        Quality(super::quality::Args),
    }

    pub fn main() -> ExitCode {
        match Cli::parse().command {
            Command::Profile(args) => super::profile::run(args),
            Command::Compare(args) => super::compare::run(args),
            Command::Check(args) => super::check::run(args),
            Command::Errors(args) => super::errors::run(args),
            Command::Detect(args) => super::detect::run(args),
            Command::Incidents(args) => super::incidents::run(args),
            Command::GenCsv(args) => super::gen_csv::run(args),
            Command::Simulate(args) => super::simulate::run(args),
            Command::Quality(args) => super::quality::run(args),
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

// The page is the `pipescope-web` binary; this one has nothing to do in a browser.
#[cfg(target_arch = "wasm32")]
fn main() {}
