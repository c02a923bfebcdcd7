//! `pipescope gen-csv`: the deterministic synthetic CSV the benchmarks read.

use std::path::PathBuf;
use std::process::ExitCode;

use pipescope::core::synth;

use crate::common::fail;

/// Write a deterministic synthetic CSV for benchmarks.
#[derive(clap::Args)]
pub struct Args {
    /// Approximate size in megabytes (10^6 bytes).
    #[arg(long)]
    pub mb: f64,
    /// Random seed; the same seed writes the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output path.
    #[arg(long)]
    pub out: PathBuf,
}

/// Run the subcommand; failures are reported on stderr with exit code 2.
pub fn run(args: Args) -> ExitCode {
    let Args { mb, seed, out } = args;
    if !(mb.is_finite() && mb > 0.0) {
        return fail(format_args!("--mb must be a positive number, got {mb}"));
    }
    let target = (mb * 1e6) as u64;
    let file = match std::fs::File::create(&out) {
        Ok(f) => f,
        Err(e) => return fail(format_args!("cannot create {}: {e}", out.display())),
    };
    match synth::write_csv(file, target, seed) {
        Ok(n) => {
            eprintln!("pipescope: wrote {n} bytes to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(format_args!("cannot write {}: {e}", out.display())),
    }
}
