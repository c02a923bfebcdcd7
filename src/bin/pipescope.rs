//! `pipescope`: the native command-line tool over the same core as the page.
//!
//! `pipescope profile FILE` prints the JSON profile of every column;
//! `pipescope errors FILE [options]` prints regression alerts, one JSON object a line;
//! `pipescope gen-csv --mb N --out FILE` writes the synthetic benchmark file.
//! Errors go to stderr with exit code 2.

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::io::Write;
    use std::path::PathBuf;
    use std::process::ExitCode;

    use clap::{Parser, Subcommand};
    use pipescope::core::ingest::{read_path, ColumnType, IngestOptions};
    use pipescope::core::{errors, profile, synth};

    #[derive(Parser)]
    #[command(name = "pipescope", version, about = "Data-pipeline monitoring workbench: command-line tools")]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Print the JSON profile of every column of a CSV/TSV file.
        Profile {
            /// The file to read.
            file: PathBuf,
            /// Field delimiter: `,`, `tab`, `;` or `pipe` (sniffed when absent).
            #[arg(long, value_parser = parse_delimiter)]
            delimiter: Option<u8>,
            /// The first row is a header.
            #[arg(long, conflicts_with = "no_header")]
            header: bool,
            /// The first row is data.
            #[arg(long)]
            no_header: bool,
            /// Force a column's type: COL=numeric|categorical|boolean|datetime|text (repeatable).
            #[arg(long = "type", value_name = "COL=TYPE", value_parser = parse_type)]
            types: Vec<(String, ColumnType)>,
        },
        /// Regression alerts from an error-event CSV (timestamp, build, code), one a line.
        Errors {
            /// The error-event CSV (header row or none).
            file: PathBuf,
            /// Bin width in seconds (default: from the data's span, at most 720 bins).
            #[arg(long)]
            bin_seconds: Option<u32>,
            /// Detector: rate-test (always-valid, false alarms <= --alpha) or mean-threshold.
            #[arg(long, default_value = "rate-test", value_parser = parse_method)]
            method: errors::Method,
            /// mean-threshold: alert when the window mean of candidate/baseline exceeds this.
            #[arg(long, default_value_t = 1.25)]
            threshold: f64,
            /// mean-threshold: window lengths in bins, comma-separated.
            #[arg(long, default_value = "5,10", value_delimiter = ',')]
            windows: Vec<u32>,
            /// rate-test: probability of any false alarm over all codes and the whole stream.
            #[arg(long, default_value_t = 0.01)]
            alpha: f64,
            /// The baseline build (default: the older of two).
            #[arg(long)]
            baseline: Option<String>,
            /// The candidate build (default: the newer of two).
            #[arg(long)]
            candidate: Option<String>,
            /// Timestamp column, 1-based (guessed when absent).
            #[arg(long)]
            time_column: Option<usize>,
            /// Build column, 1-based (guessed when absent).
            #[arg(long)]
            build_column: Option<usize>,
            /// Code column, 1-based (guessed when absent).
            #[arg(long)]
            code_column: Option<usize>,
            /// Output: jsonl (one alert per line) or text (the original plain format).
            #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "text"])]
            format: String,
        },
        /// Write a deterministic synthetic CSV for benchmarks.
        GenCsv {
            /// Approximate size in megabytes (10^6 bytes).
            #[arg(long)]
            mb: f64,
            /// Random seed; the same seed writes the same file.
            #[arg(long, default_value_t = 1)]
            seed: u64,
            /// Output path.
            #[arg(long)]
            out: PathBuf,
        },
    }

    fn parse_delimiter(s: &str) -> Result<u8, String> {
        match s {
            "," | "comma" => Ok(b','),
            "tab" | "\t" | "\\t" => Ok(b'\t'),
            ";" | "semicolon" => Ok(b';'),
            "|" | "pipe" => Ok(b'|'),
            _ => Err(format!("unknown delimiter '{s}': use ',', 'tab', ';' or 'pipe'")),
        }
    }

    fn parse_method(s: &str) -> Result<errors::Method, String> {
        errors::Method::parse(s).ok_or_else(|| format!("unknown method '{s}': use rate-test or mean-threshold"))
    }

    fn parse_type(s: &str) -> Result<(String, ColumnType), String> {
        let (col, ty) = s
            .rsplit_once('=')
            .ok_or_else(|| format!("'{s}' is not COL=TYPE (for example Credit_Limit=numeric)"))?;
        let kind = ColumnType::parse(ty).ok_or_else(|| {
            format!("unknown type '{ty}' for column '{col}': use numeric, categorical, boolean, datetime or text")
        })?;
        Ok((col.to_string(), kind))
    }

    /// Bytes of memory the kernel says are available (Linux); None elsewhere.
    fn memory_available() -> Option<u64> {
        let info = std::fs::read_to_string("/proc/meminfo").ok()?;
        let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }

    fn fail(message: impl std::fmt::Display) -> ExitCode {
        eprintln!("pipescope: {message}");
        ExitCode::from(2)
    }

    pub fn main() -> ExitCode {
        match Cli::parse().command {
            Command::Profile { file, delimiter, header, no_header, types } => {
                let options = IngestOptions {
                    delimiter,
                    has_header: if header { Some(true) } else if no_header { Some(false) } else { None },
                    types,
                    max_bytes: None,
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
                    Err(e) => return fail(format_args!("{}: {e}", file.display())),
                };
                if table.skipped.count > 0 {
                    let lines: Vec<String> = table.skipped.lines.iter().take(10).map(|l| l.to_string()).collect();
                    eprintln!(
                        "pipescope: {}: skipped {} row(s) with the wrong number of fields (lines {}{})",
                        file.display(),
                        table.skipped.count,
                        lines.join(", "),
                        if table.skipped.count > lines.len() { ", ..." } else { "" }
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
            Command::Errors {
                file,
                bin_seconds,
                method,
                threshold,
                windows,
                alpha,
                baseline,
                candidate,
                time_column,
                build_column,
                code_column,
                format,
            } => {
                let column = |c: Option<usize>| c.map(|c| c.saturating_sub(1));
                let options = errors::ReadOptions {
                    has_header: None,
                    time: column(time_column),
                    build: column(build_column),
                    code: column(code_column),
                    baseline,
                    candidate,
                };
                let stream = match errors::read_path(&file, &options) {
                    Ok(s) => s,
                    Err(e) => return fail(format_args!("{}: {e}", file.display())),
                };
                if stream.skipped > 0 {
                    let shown: Vec<String> = stream.problems.iter().take(5).map(|p| p.to_string()).collect();
                    eprintln!(
                        "pipescope: {}: skipped {} row(s): {}{}",
                        file.display(),
                        stream.skipped,
                        shown.join("; "),
                        if stream.skipped > shown.len() { "; ..." } else { "" }
                    );
                }
                if stream.out_of_order > 0 {
                    eprintln!(
                        "pipescope: {}: {} row(s) were out of time order and were sorted into place",
                        file.display(),
                        stream.out_of_order
                    );
                }
                let mut config = errors::Config::for_stream(&stream);
                if let Some(b) = bin_seconds {
                    config.bin_seconds = b;
                }
                config.method = method;
                config.threshold = threshold;
                config.windows = windows;
                config.alpha = alpha;
                let engine = match errors::analyze(&stream, config) {
                    Ok(e) => e,
                    Err(e) => return fail(e),
                };
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                let mut result = Ok(());
                for alert in engine.alerts() {
                    result = if format == "text" {
                        writeln!(out, "{}", errors::alert_text(alert, &stream.codes))
                    } else {
                        writeln!(out, "{}", errors::alert_json(alert, &stream.codes))
                    };
                    if result.is_err() {
                        break;
                    }
                }
                match result.and_then(|_| out.flush()) {
                    Ok(()) => ExitCode::SUCCESS,
                    // A closed pipe (`| head`) is the reader's choice, not a failure.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                    Err(e) => fail(format_args!("cannot write the alerts: {e}")),
                }
            }
            Command::GenCsv { mb, seed, out } => {
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
