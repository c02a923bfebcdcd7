//! `pipescope compare REF CUR [--json OUT] [--html OUT.html [--checks FILE]]`: how the
//! current file drifted from its reference, as a readable table, the JSON report or a
//! self-contained HTML report (the one the page's Checks view exports).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use pipescope::core::checks::{self, Format};
use pipescope::core::compare::{Comparison, DriftRule, Profiled};
use pipescope::core::ingest::{read_path, IngestOptions};
use pipescope::core::profile::OrderedProfile;
use pipescope::report::compare::{compare_html, NamedFile};

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
    /// Also write a self-contained HTML report (summary, drift table, overlaid
    /// distributions of the drifted columns; one file that opens offline) to this path.
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
    /// Run this checks file on the current file (with the reference for drift checks) and
    /// add its results to the HTML report.
    #[arg(long, value_name = "FILE", requires = "html")]
    pub checks: Option<PathBuf>,
    /// Measure the checks' freshness from this time (ISO 8601 or epoch) instead of the clock.
    #[arg(long, value_name = "TIME", requires = "checks")]
    pub now: Option<String>,
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
    let clock_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let now_ms = match args.now.as_deref() {
        Some(t) => match pipescope::core::time::parse_timestamp_ms(t) {
            Ok(ms) => ms,
            Err(e) => return fail(format_args!("--now '{t}': {e}")),
        },
        None => clock_ms,
    };
    // The checks file before the data: a mistake in it is found before a large file is read.
    let spec = match args.checks.as_deref() {
        Some(path) => {
            let shown = path.display().to_string();
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => return fail(format_args!("cannot read the checks file {shown}: {e}")),
            };
            let format = Format::from_name(&shown).unwrap_or_else(|| Format::sniff(&text));
            match checks::parse(&text, format) {
                Ok(c) => Some(c),
                Err(e) => return fail(format_args!("{shown}: {e}")),
            }
        }
        None => None,
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
    // Profiled once: the comparison, the HTML report's overlays and the checks read it.
    let (rp, cp) = (
        OrderedProfile::of(&tables[0]),
        OrderedProfile::of(&tables[1]),
    );
    let (rs, cs) = (
        Profiled::new(&tables[0], &rp),
        Profiled::new(&tables[1], &cp),
    );
    let report = match Comparison::new(rs, cs, &rule) {
        Ok(mut c) => {
            while !c.step() {}
            c.finish()
        }
        Err(e) => return fail(e),
    };
    if let Some(out) = args.html.as_deref() {
        let check_report = spec.as_ref().map(|spec| {
            checks::run_with_profile(&tables[1], spec, Some(&tables[0]), now_ms, &cp.profile)
        });
        // The file name only, as the page knows it: both write the same report.
        let name = |p: &std::path::Path| {
            p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        };
        let (rn, cn) = (name(&args.reference), name(&args.current));
        let html = compare_html(
            NamedFile {
                name: &rn,
                data: rs,
            },
            NamedFile {
                name: &cn,
                data: cs,
            },
            &report,
            check_report.as_ref(),
            Some(clock_ms),
        );
        if let Err(e) = std::fs::write(out, html) {
            return fail(format_args!(
                "cannot write the HTML report {}: {e}",
                out.display()
            ));
        }
    }
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
