//! What every subcommand shares: argument parsers and the way failures are reported.

use std::process::ExitCode;

use pipescope::core::errors;
use pipescope::core::ingest::locale::Reading;
use pipescope::core::ingest::ColumnType;

pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "," | "comma" => Ok(b','),
        "tab" | "\t" | "\\t" => Ok(b'\t'),
        ";" | "semicolon" => Ok(b';'),
        "|" | "pipe" => Ok(b'|'),
        _ => Err(format!(
            "unknown delimiter '{s}': use ',', 'tab', ';' or 'pipe'"
        )),
    }
}

pub fn parse_method(s: &str) -> Result<errors::Method, String> {
    errors::Method::parse(s)
        .ok_or_else(|| format!("unknown method '{s}': use rate-test or mean-threshold"))
}

pub fn parse_type(s: &str) -> Result<(String, ColumnType), String> {
    let (col, ty) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("'{s}' is not COL=TYPE (for example Credit_Limit=numeric)"))?;
    let kind = ColumnType::parse(ty).ok_or_else(|| {
        format!("unknown type '{ty}' for column '{col}': use numeric, categorical, boolean, datetime or text")
    })?;
    Ok((col.to_string(), kind))
}

/// Parses `COL=READING` for `--reading`.
pub fn parse_reading(s: &str) -> Result<(String, Reading), String> {
    let names = || Reading::ALL.map(Reading::name).join(", ");
    let (col, name) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("'{s}' is not COL=READING (for example Preis=decimal-comma)"))?;
    let reading = Reading::parse(name).ok_or_else(|| {
        format!(
            "unknown reading '{name}' for column '{col}': use {}",
            names()
        )
    })?;
    Ok((col.to_string(), reading))
}

/// Notes on stderr which columns were read a locale's way, and the flag for the other
/// reading where the cells fit it too.
pub fn note_readings(file: &str, table: &pipescope::core::ingest::Table) {
    for c in &table.columns {
        note_reading(file, &c.name, c.reading, c.other_reading, true);
    }
}

/// One column's reading on stderr, when it is a locale's; `flag`: name `--reading` for the
/// other one (the subcommands that take it).
fn note_reading(file: &str, name: &str, reading: Reading, other: Option<Reading>, flag: bool) {
    if reading == Reading::Standard {
        return;
    }
    let name = pipescope::core::text::clip(name);
    let other = other.map_or(String::new(), |o| {
        let how = if flag {
            format!(": --reading '{name}={}'", o.name())
        } else {
            String::new()
        };
        format!("; its cells read as {} too{how}", o.describe())
    });
    eprintln!(
        "pipescope: {file}: column '{name}' read as {}{other}",
        reading.describe()
    );
}

/// A text column's cells as numbers by ingest's one rule (`locale::number_reading`),
/// saying on stderr when a locale's reading was taken (missing cells are NaN).
pub fn column_numbers(file: &str, name: &str, cells: &[Option<&str>]) -> Vec<f64> {
    let (reading, other) =
        pipescope::core::ingest::locale::number_reading(cells.iter().flatten().copied());
    note_reading(file, name, reading, other, false);
    cells
        .iter()
        .map(|c| {
            c.and_then(|c| reading.number(c.as_bytes()))
                .unwrap_or(f64::NAN)
        })
        .collect()
}

pub fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("pipescope: {message}");
    ExitCode::from(2)
}

/// How `"` is read: every subcommand that reads CSV takes this flag.
#[derive(clap::Args, Clone, Default)]
pub struct QuoteArgs {
    /// Read `"` as an ordinary character from this line on (1: the whole file), the
    /// reading that keeps the rows a stray quote would take into one cell.
    #[arg(long, value_name = "LINE", value_parser = clap::value_parser!(u64).range(1..))]
    pub literal_quotes_from: Option<u64>,
}

/// The message for a runaway quote, with the flag that keeps the rows.
pub fn runaway_failure(file: &str, r: &pipescope::core::ingest::RunawayQuote) -> ExitCode {
    fail(format_args!(
        "{file}: {r} (--literal-quotes-from {}); nothing was analysed",
        r.line
    ))
}

/// Reports a file ingest could not read, naming the flag that applies when there is one.
pub fn ingest_failure(file: &str, e: &pipescope::core::ingest::IngestError) -> ExitCode {
    match e {
        pipescope::core::ingest::IngestError::RunawayQuote(r) => runaway_failure(file, r),
        e => fail(format_args!("{file}: {e}")),
    }
}

/// Longest training window the command line accepts, in minutes (four weeks).
pub const MAX_TRAIN_MINUTES: f64 = 40_320.0;

/// The detector options `detect` and `incidents` share.
#[derive(clap::Args, Clone)]
pub struct DetectorArgs {
    /// The detector: `adaptive` (rarity under the metric's own history, one threshold for
    /// every series) or `band` (outside the forecast band).
    #[arg(long, default_value = "adaptive", value_parser = parse_detector)]
    pub detector: pipescope::core::detect::DetectorKind,
    /// How readily the adaptive detector flags: `low` (a point rarer than one in 5,000
    /// under one of its views), `medium` (one in 1,000) or `high` (one in 300).
    #[arg(long, default_value = "medium", value_parser = parse_sensitivity)]
    pub sensitivity: pipescope::core::detect::Sensitivity,
    /// Coverage of the forecast band, between 0 and 1 (the band detector flags outside it).
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Seasonal period of the forecast: `auto` (detected), `none`, or seconds (several:
    /// `86400,604800`).
    #[arg(long, default_value = "auto", value_parser = pipescope::core::forecast::Periods::parse)]
    pub period: pipescope::core::forecast::Periods,
    /// Minutes of stream time the forecast trains on before its band exists (0 to 40320;
    /// default 5). Training also waits for 100 points, whatever the cadence.
    #[arg(long)]
    pub train_minutes: Option<f64>,
}

fn parse_detector(s: &str) -> Result<pipescope::core::detect::DetectorKind, String> {
    pipescope::core::detect::DetectorKind::parse(s)
        .ok_or_else(|| format!("unknown detector '{s}': use adaptive or band"))
}

fn parse_sensitivity(s: &str) -> Result<pipescope::core::detect::Sensitivity, String> {
    pipescope::core::detect::Sensitivity::parse(s)
        .ok_or_else(|| format!("unknown sensitivity '{s}': use low, medium or high"))
}

impl DetectorArgs {
    /// The detector configuration, or a message naming the option out of range. The same
    /// defaults whatever the file's length, so a row is judged the same in a shorter file.
    pub fn config(&self) -> Result<pipescope::core::detect::DetectConfig, String> {
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(format!(
                "--level {} is not between 0 and 1 (for a 95% band use 0.95)",
                self.level
            ));
        }
        let mut config = pipescope::core::detect::DetectConfig::default();
        if let Some(m) = self.train_minutes {
            if !(m.is_finite() && (0.0..=MAX_TRAIN_MINUTES).contains(&m)) {
                return Err(format!(
                    "--train-minutes {m} is not between 0 and {MAX_TRAIN_MINUTES} minutes"
                ));
            }
            config =
                pipescope::core::detect::DetectConfig::with_train_ms((m * 60_000.0).round() as i64);
        }
        config.kind = self.detector;
        config.sensitivity = self.sensitivity;
        config.level = self.level;
        config.periods = self.period.clone();
        config.validate().map_err(|e| e.to_string())?;
        Ok(config)
    }
}

/// Line numbers listed in a warning at most.
pub const LIST: usize = 10;

/// The first [`LIST`] line numbers, `…` when there are more.
pub fn list_lines(lines: &[u64]) -> String {
    let shown: Vec<String> = lines.iter().take(LIST).map(|l| l.to_string()).collect();
    let more = if lines.len() > LIST { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}

/// Says on stderr, with line numbers, what of a metric no detector judges: infinite values
/// (`inf`, `1e400`) and gaps in time. `rows` are (time ms, line, value) in time order.
pub fn report_unjudged(file: &str, column: &str, rows: &[(i64, u64, f64)]) {
    let infinite: Vec<u64> = rows
        .iter()
        .filter(|r| r.2.is_infinite())
        .map(|r| r.1)
        .collect();
    if !infinite.is_empty() {
        eprintln!(
            "pipescope: {file}: {} value(s) in '{column}' are infinite (inf, 1e400); printed with an empty value and not judged (lines {})",
            infinite.len(),
            list_lines(&infinite)
        );
    }
    let times: Vec<i64> = rows.iter().map(|r| r.0).collect();
    if let Some(g) = pipescope::core::source::gaps(&times) {
        let (before, after) = (rows[g.largest_at].1, rows[g.largest_at + 1].1);
        eprintln!(
            "pipescope: {file}: {} gap(s) in time longer than {} times the usual step of {}; nothing is judged in a gap, and the detector goes on after it; the largest is {}, between lines {before} and {after}",
            g.count,
            pipescope::core::source::GAP_FACTOR,
            pipescope::core::source::duration(g.step),
            pipescope::core::source::duration(g.largest.1 - g.largest.0),
        );
    }
}
