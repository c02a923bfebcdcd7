//! `pipescope compare REF CUR [--json OUT]`: how the current file drifted from its
//! reference, as a readable table or the JSON report.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use pipescope::core::compare::{compare, DriftRule};
use pipescope::core::ingest::{read_path, IngestOptions};

use crate::common::{fail, ingest_failure, note_readings, QuoteArgs};

/// Compare a current CSV/TSV file with its reference: per-column drift tests, schema
/// changes, duplicate rows.
#[derive(clap::Args)]
pub struct Args {
    /// The reference (baseline) file.
    pub reference: PathBuf,
    /// The current (batch) file. Each file is read by its own sniffed delimiter and encoding.
    pub current: PathBuf,
    /// Write the JSON report to this path (`-` for standard output) instead of the table.
    #[arg(long, value_name = "OUT")]
    pub json: Option<PathBuf>,
    /// Significance level of the drift rule.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Smallest effect size (KS D, Jensen-Shannon distance) that counts as drift.
    #[arg(long, default_value_t = 0.1)]
    pub min_effect: f64,
    #[command(flatten)]
    pub quotes: QuoteArgs,
}

/// Run the subcommand: exit 0 when both files were compared (drift or not), 2 when a
/// file cannot be read or an option is out of range.
pub fn run(args: Args) -> ExitCode {
    let options = match IngestOptions::builder()
        .literal_quotes_from(args.quotes.literal_quotes_from)
        .build()
    {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let mut tables = Vec::with_capacity(2);
    for (what, path) in [("reference", &args.reference), ("current", &args.current)] {
        let name = path.display().to_string();
        match read_path(path, &options) {
            Ok(t) => {
                note_readings(&name, &t);
                if t.skipped.count > 0 {
                    eprintln!(
                        "pipescope: {name}: skipped {} row(s) with the wrong number of fields (lines {})",
                        t.skipped.count,
                        crate::common::list_lines(&t.skipped.lines)
                    );
                }
                tables.push(t);
            }
            Err(e) => return ingest_failure(&format!("{what} file {name}"), &e),
        }
    }
    let rule = DriftRule {
        alpha: args.alpha,
        min_effect: args.min_effect,
    };
    let report = match compare(&tables[0], &tables[1], &rule) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    drop(tables);
    let written = match args.json.as_deref() {
        None => {
            let mut out = std::io::stdout().lock();
            write!(out, "{}", report.to_text()).and_then(|_| out.flush())
        }
        Some(p) if p.as_os_str() == "-" => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", report.to_json()).and_then(|_| out.flush())
        }
        Some(p) => std::fs::write(p, report.to_json() + "\n")
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", p.display()))),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format_args!("cannot write the report: {e}")),
    }
}
