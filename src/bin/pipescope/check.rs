//! `pipescope check DATA --checks FILE [--reference REF] [--junit OUT.xml] [--json OUT|-]
//! [--rules RULES]`: runs a checks file on a CSV/TSV file as a CI gate (with `--rules`, the
//! rules whose target is a check judge the results, their incidents printed as JSON lines
//! after the table); `pipescope check DATA --suggest` writes a starting checks file from
//! the data's profile instead.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pipescope::core::checks::{self, Format, Status};
use pipescope::core::ingest::{read_path, IngestOptions, Table};

use crate::common::{fail, ingest_failure, note_readings, QuoteArgs};

/// Run a checks file on a CSV/TSV file: a pass/warn/fail table, JSON and JUnit XML.
#[derive(clap::Args)]
pub struct Args {
    /// The data (CSV/TSV) file to check.
    pub data: PathBuf,
    /// The checks file (JSON or YAML; see docs/checks.md).
    #[arg(long, value_name = "FILE", required_unless_present = "suggest")]
    pub checks: Option<PathBuf>,
    /// The reference (baseline) file that drift checks compare with.
    #[arg(long, value_name = "REF")]
    pub reference: Option<PathBuf>,
    /// Also write the results as JUnit XML to this path, one test case a check.
    #[arg(long, value_name = "OUT.xml")]
    pub junit: Option<PathBuf>,
    /// Write the JSON report to this path (`-`: standard output, instead of the table).
    #[arg(long, value_name = "OUT")]
    pub json: Option<PathBuf>,
    /// Measure freshness from this time (ISO 8601 or epoch) instead of the clock.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// A rules file (JSON or YAML, see docs/rules.md): its rules whose target is a check
    /// judge the results; each rule incident is printed as a JSON line after the table, and
    /// a firing severity-1 rule that no silence mutes makes the exit code 1.
    #[arg(long, value_name = "RULES")]
    pub rules: Option<PathBuf>,
    /// Print a starting checks file made from DATA's profile instead of running checks.
    #[arg(long, conflicts_with_all = ["checks", "reference", "junit", "json", "now", "rules"])]
    pub suggest: bool,
    /// Format of the suggested checks file.
    #[arg(long, value_name = "yaml|json", default_value = "yaml", value_parser = ["yaml", "json"], requires = "suggest")]
    pub format: String,
    #[command(flatten)]
    pub quotes: QuoteArgs,
}

fn read_table(what: &str, path: &Path, options: &IngestOptions) -> Result<Table, ExitCode> {
    let name = path.display().to_string();
    match read_path(path, options) {
        Ok(t) => {
            note_readings(&name, &t);
            if t.skipped.count > 0 {
                eprintln!(
                    "pipescope: {name}: skipped {} row(s) with the wrong number of fields (lines {})",
                    t.skipped.count,
                    crate::common::list_lines(&t.skipped.lines)
                );
            }
            Ok(t)
        }
        Err(e) => Err(ingest_failure(&format!("{what} {name}"), &e)),
    }
}

/// Writes `text` to a path, or to standard output for `-`.
fn write_out(path: &Path, text: &str) -> Result<(), String> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .map_err(|e| e.to_string());
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Run the subcommand: exit 0 when every check passes or only warns, 1 when a `fail`
/// check is broken, 2 on an error (bad arguments, an unreadable file, a bad checks file,
/// a check that cannot run on this data).
pub fn run(args: Args) -> ExitCode {
    let options = match IngestOptions::builder()
        .literal_quotes_from(args.quotes.literal_quotes_from)
        .build()
    {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    if args.suggest {
        let table = match read_table("data file", &args.data, &options) {
            Ok(t) => t,
            Err(code) => return code,
        };
        let suggested = checks::suggest(&table);
        let text = if args.format == "json" {
            suggested.to_json() + "\n"
        } else {
            suggested.to_yaml()
        };
        return match write_out(Path::new("-"), &text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(format_args!("cannot write the checks: {e}")),
        };
    }
    let Some(checks_path) = args.checks.as_deref() else {
        return fail("--checks FILE is required (or --suggest)");
    };
    let now_ms = match args.now.as_deref() {
        Some(t) => match pipescope::core::time::parse_timestamp_ms(t) {
            Ok(ms) => ms,
            Err(e) => return fail(format_args!("--now '{t}': {e}")),
        },
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    };
    // The checks file first: a mistake in it is found before a large file is read.
    let shown = checks_path.display().to_string();
    let text = match std::fs::read_to_string(checks_path) {
        Ok(t) => t,
        Err(e) => return fail(format_args!("cannot read the checks file {shown}: {e}")),
    };
    let format = Format::from_name(&shown).unwrap_or_else(|| Format::sniff(&text));
    let spec = match checks::parse(&text, format) {
        Ok(c) => c,
        Err(e) => return fail(format_args!("{shown}: {e}")),
    };
    if args.rules.is_some() && args.json.as_deref().is_some_and(|p| p.as_os_str() == "-") {
        return fail("--rules prints its incidents on standard output; write the JSON report to a file (--json OUT)");
    }
    let rules = match args.rules.as_deref() {
        Some(path) => {
            let names: Vec<String> = spec.checks.iter().map(|c| c.name.clone()).collect();
            match crate::rules::load_for_checks(path, &names) {
                Ok(f) => Some(f),
                Err(code) => return code,
            }
        }
        None => None,
    };
    let table = match read_table("data file", &args.data, &options) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let reference = match args.reference.as_deref() {
        Some(p) => match read_table("reference file", p, &options) {
            Ok(t) => Some(t),
            Err(code) => return code,
        },
        None => None,
    };
    // The profile (every column at once, on all cores) answers most checks from its
    // figures: 50 checks on a 100 MB file take 22 ms after it instead of 620 ms alone
    // (cargo bench --bench checks), so profiling first is the faster way to the report.
    let profile = pipescope::core::profile::profile(&table);
    let report = checks::run_with_profile(&table, &spec, reference.as_ref(), now_ms, &profile);
    drop((table, reference));

    let to_stdout_json = args.json.as_deref().is_some_and(|p| p.as_os_str() == "-");
    if !to_stdout_json {
        if let Err(e) = write_out(Path::new("-"), &report.to_text()) {
            return fail(format_args!("cannot write the table: {e}"));
        }
    }
    if let Some(p) = args.json.as_deref() {
        if let Err(e) = write_out(p, &(report.to_json() + "\n")) {
            return fail(format_args!("cannot write the JSON report: {e}"));
        }
    }
    if let Some(p) = args.junit.as_deref() {
        let suite = args.data.display().to_string();
        if let Err(e) = write_out(p, &report.to_junit(&suite)) {
            return fail(format_args!("cannot write the JUnit report: {e}"));
        }
    }
    // A check that could not run is a mistake in the checks file (for this data): said
    // on stderr with its line, as a parse error would be.
    for c in report.checks.iter().filter(|c| c.status == Status::Error) {
        let line = c
            .check_line
            .map_or(String::new(), |l| format!("line {l}: "));
        eprintln!(
            "pipescope: {shown}: {line}check '{}': {}",
            pipescope::core::text::clip(&c.name),
            c.message
        );
    }
    let paged = match rules {
        Some(file) => match crate::rules::judge_checks(&file, &report, now_ms) {
            Ok(paged) => paged,
            Err(e) => return fail(format_args!("cannot write the rule incidents: {e}")),
        },
        None => false,
    };
    match report.worst() {
        Status::Error => ExitCode::from(2),
        Status::Fail => ExitCode::from(1),
        _ if paged => ExitCode::from(1),
        Status::Pass | Status::Warn => ExitCode::SUCCESS,
    }
}
