//! `pipescope`: the native command-line tool over the same core as the page.
//!
//! `pipescope profile FILE` prints the JSON profile of every column;
//! `pipescope gen-csv --mb N --out FILE` writes the synthetic benchmark file.
//! Errors go to stderr with exit code 2.

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::io::Write;
    use std::path::PathBuf;
    use std::process::ExitCode;

    use clap::{Parser, Subcommand};
    use pipescope::core::ingest::{read_path, ColumnType, IngestOptions};
    use pipescope::core::{profile, synth};

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
