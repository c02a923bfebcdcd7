//! `pipescope profile FILE`: the JSON profile of every column.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use pipescope::core::ingest::{read_path, ColumnType, IngestOptions};
use pipescope::core::profile;

use crate::common::{
    fail, ingest_failure, memory_available, parse_delimiter, parse_type, QuoteArgs,
};

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
    let options = match builder.build() {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    // The typed table takes up to about twice the file: refuse up front rather
    // than be killed by the kernel halfway through.
    if let (Ok(meta), Some(available)) = (std::fs::metadata(&file), memory_available()) {
        if meta.len().saturating_mul(2) > available {
            return fail(format_args!(
                "{}: the file is {:.1} GB and profiling needs about twice that in memory, \
                 but only {:.1} GB is available; profile a sample of it (for example `head -n 1000000`)",
                file.display(),
                meta.len() as f64 / 1e9,
                available as f64 / 1e9
            ));
        }
    }
    let table = match read_path(&file, &options) {
        Ok(t) => t,
        Err(e) => return ingest_failure(&file.display().to_string(), &e),
    };
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
    let json = profile::profile(&table).to_json();
    drop(table);
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{json}").and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format_args!("cannot write the profile: {e}")),
    }
}
