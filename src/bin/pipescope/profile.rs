//! `pipescope profile FILE`: the JSON profile of every column.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use pipescope::core::ingest::{read_path, ColumnType, IngestOptions, PARALLEL_MIN_BYTES};
use pipescope::core::profile;

use pipescope::core::ingest::locale::Reading;

use crate::common::{
    fail, ingest_failure, note_readings, parse_delimiter, parse_reading, parse_type, QuoteArgs,
};
use crate::memory::{ingest_sample, measure, table_run, Plan};

/// Print the JSON profile of every column of a CSV/TSV file.
#[derive(clap::Args)]
pub struct Args {
    /// The file to read.
    pub file: PathBuf,
    /// Field delimiter: `,`, `tab`, `;` or `pipe` (sniffed when absent).
    #[arg(long, value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    #[command(flatten)]
    pub quotes: QuoteArgs,
    /// The first row is a header.
    #[arg(long, conflicts_with = "no_header")]
    pub header: bool,
    /// The first row is data.
    #[arg(long)]
    pub no_header: bool,
    /// Force a column's type: COL=numeric|categorical|boolean|datetime|text (repeatable).
    #[arg(long = "type", value_name = "COL=TYPE", value_parser = parse_type)]
    pub types: Vec<(String, ColumnType)>,
    /// Read a column's numbers or dates a locale's way: COL=standard|decimal-comma|thousands-comma|day-first|month-first (repeatable; chosen from the cells when absent).
    #[arg(long = "reading", value_name = "COL=READING", value_parser = parse_reading)]
    pub readings: Vec<(String, Reading)>,
    /// Also write a self-contained HTML report (tables, plots as inline SVG, correlations,
    /// missing values; no outside requests) to this file.
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
}

/// Run the subcommand; failures are reported on stderr with exit code 2.
pub fn run(args: Args) -> ExitCode {
    let Args {
        file,
        delimiter,
        quotes,
        header,
        no_header,
        types,
        readings,
        html,
    } = args;
    let mut builder = IngestOptions::builder()
        .delimiter(delimiter)
        .has_header(if header {
            Some(true)
        } else if no_header {
            Some(false)
        } else {
            None
        })
        .literal_quotes_from(quotes.literal_quotes_from);
    for (name, kind) in types {
        builder = builder.column_type(name, kind);
    }
    for (name, reading) in readings {
        builder = builder.column_reading(name, reading);
    }
    let options = match builder.build() {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    if let Err(code) = crate::memory::guard(&file, &plan(&options)) {
        return code;
    }
    let table = match read_path(&file, &options) {
        Ok(t) => t,
        Err(e) => return ingest_failure(&file.display().to_string(), &e),
    };
    note_readings(&file.display().to_string(), &table);
    if table.skipped.count > 0 {
        let lines: Vec<String> = table
            .skipped
            .lines
            .iter()
            .take(10)
            .map(|l| l.to_string())
            .collect();
        eprintln!(
            "pipescope: {}: skipped {} row(s) with the wrong number of fields (lines {}{})",
            file.display(),
            table.skipped.count,
            lines.join(", "),
            if table.skipped.count > lines.len() {
                ", ..."
            } else {
                ""
            }
        );
    }
    let profile = profile::profile(&table);
    if let Some(out) = &html {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.display().to_string());
        let report = pipescope::report::profile_html(&name, &table, &profile);
        if let Err(e) = std::fs::write(out, report) {
            return fail(format_args!("cannot write {}: {e}", out.display()));
        }
        eprintln!("pipescope: wrote the HTML report to {}", out.display());
    }
    let json = profile.to_json();
    drop(table);
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{json}").and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format_args!("cannot write the profile: {e}")),
    }
}

/// What `profile` takes: the table its reader builds (half as much again in address space
/// while a large file's two halves are parsed apart and merged), then, on each profiling
/// worker, the working copy of a column (at most a value and a sort scratch per row,
/// besides the value-count table measured on the sample) and the JSON.
fn plan(options: &IngestOptions) -> Plan<'_> {
    let workers = || {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4) as u64
    };
    Plan {
        command: "profile",
        threads: Box::new(move |len| {
            let split = u64::from(len >= PARALLEL_MIN_BYTES);
            split + workers() - 1
        }),
        footprint: Box::new(move |sample, len| {
            let (table, read) = measure(|| ingest_sample(sample, options));
            let table = table?;
            let (_, work) = measure(|| profile::profile(&table).to_json());
            let workers = workers().min(table.columns.len() as u64);
            let copy = 16 * table.rows as u64;
            Some(table_run(read, workers * (work.peak + copy), len))
        }),
        per_byte: None,
    }
}
