//! `pipescope detect FILE --time COL --value COL`: causal anomaly detection over one metric,
//! one CSV row out per row in. FILE may also be a Prometheus HTTP API JSON response: then
//! `--time` is not needed and `--value` names the series (or its index).

use std::path::PathBuf;
use std::process::ExitCode;

use pipescope::core::detect::{detect_series, DetectConfig, Point};
use pipescope::core::ingest::{
    read_path, ColumnData, ColumnType, IngestError, IngestOptions, Table, PARALLEL_MIN_BYTES,
};
use pipescope::core::source::{read_prometheus_json, MetricTable};
use pipescope::core::time::TimeCells;

use crate::common::{
    column_numbers, fail, ingest_failure, list_lines, parse_delimiter, report_unjudged,
    DetectorArgs, QuoteArgs,
};

/// Judge each row of a metric against a forecast band fitted on the rows before it.
#[derive(clap::Args)]
pub struct Args {
    /// The CSV/TSV file to read (with a header row), or a Prometheus HTTP API JSON response.
    pub file: PathBuf,
    /// Name of the time column: epoch seconds or milliseconds, ISO 8601, or H:MM:SS
    /// (required for CSV; ignored for Prometheus JSON).
    #[arg(long)]
    pub time: Option<String>,
    /// Name of the numeric value column; for Prometheus JSON, the series name as
    /// `name{label="v"}` or its index (optional when there is one series).
    #[arg(long)]
    pub value: Option<String>,
    #[command(flatten)]
    pub detector: DetectorArgs,
    /// Field delimiter: `,`, `tab`, `;` or `pipe` (sniffed when absent).
    #[arg(long, value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    #[command(flatten)]
    pub quotes: QuoteArgs,
}

/// Raw cells of a column read as text (None = missing).
fn raw_cells<'a>(table: &'a Table, name: &str) -> Vec<Option<&'a str>> {
    match table.column(name).map(|c| &c.data) {
        Some(ColumnData::Labels(d)) => (0..table.rows).map(|r| d.get(r)).collect(),
        _ => vec![None; table.rows],
    }
}

/// The configuration, checked once up front by `run`.
fn config_or_default(args: &Args) -> DetectConfig {
    args.detector.config().unwrap_or_default()
}

/// Run the subcommand; failures are reported on stderr with exit code 2.
pub fn run(args: Args) -> ExitCode {
    let file = args.file.display().to_string();
    if let Err(e) = args.detector.config() {
        return fail(e);
    }
    if is_json_file(&args.file) {
        return run_json(args);
    }
    let (Some(time), Some(value)) = (args.time.clone(), args.value.clone()) else {
        return fail(format_args!(
            "{file}: a CSV file needs --time COL and --value COL (the time and value columns)"
        ));
    };
    // As text: the timestamp is printed back exactly as written, and a bad value can be
    // reported with its line.
    let options = match IngestOptions::builder()
        .delimiter(args.delimiter)
        .has_header(Some(true))
        .column_type(time.clone(), ColumnType::Text)
        .column_type(value.clone(), ColumnType::Text)
        .literal_quotes_from(args.quotes.literal_quotes_from)
        .build()
    {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    if let Err(code) = crate::memory::guard(&args.file, &plan(&options)) {
        return code;
    }
    let table = match read_path(&args.file, &options) {
        Ok(t) => t,
        Err(IngestError::UnknownColumn { name, available }) => {
            let flag = if name == time { "--time" } else { "--value" };
            return fail(format_args!(
                "{file}: no column named '{}' ({flag}); the columns are: {}",
                pipescope::core::text::clip(&name),
                pipescope::core::text::list(&available)
            ));
        }
        Err(e) => return ingest_failure(&file, &e),
    };
    if table.skipped.count > 0 {
        eprintln!(
            "pipescope: {file}: skipped {} row(s) with the wrong number of fields (lines {})",
            table.skipped.count,
            list_lines(&table.skipped.lines)
        );
    }
    let lines = table.row_lines();
    let times_raw = raw_cells(&table, &time);
    let values_raw = raw_cells(&table, &value);

    let times = TimeCells::parse_column(&times_raw);
    let values = column_numbers(&file, &value, &values_raw);
    if times.iter().all(Option::is_none) {
        let example = times_raw.iter().flatten().next().copied().unwrap_or("");
        return fail(format_args!(
            "{file}: column '{}' holds no times (first value '{example}'); use epoch seconds or \
             milliseconds, ISO 8601 (2026-11-28T14:05:00Z) or H:MM:SS",
            time
        ));
    }
    let bad_time: Vec<u64> = (0..table.rows)
        .filter(|&r| times[r].is_none())
        .map(|r| lines[r])
        .collect();
    if !bad_time.is_empty() {
        eprintln!(
            "pipescope: {file}: {} row(s) with a missing or unreadable time in '{}' are printed with empty forecast fields and not judged (lines {})",
            bad_time.len(),
            time,
            list_lines(&bad_time)
        );
    }
    let bad_value: Vec<u64> = (0..table.rows)
        .filter(|&r| values_raw[r].is_some() && values[r].is_nan())
        .map(|r| lines[r])
        .collect();
    if !bad_value.is_empty() {
        eprintln!(
            "pipescope: {file}: {} value(s) in '{}' are not numbers; printed with an empty value and not judged (lines {})",
            bad_value.len(),
            value,
            list_lines(&bad_value)
        );
    }
    let valid: Vec<usize> = (0..table.rows).filter(|&r| times[r].is_some()).collect();
    let ts: Vec<i64> = valid.iter().map(|&r| times[r].unwrap_or(0)).collect();
    let vs: Vec<f64> = valid.iter().map(|&r| values[r]).collect();
    let mut rows: Vec<(i64, u64, f64)> = valid
        .iter()
        .map(|&r| (times[r].unwrap_or(0), lines[r], values[r]))
        .collect();
    rows.sort_by_key(|r| r.0);
    report_unjudged(&file, &value, &rows);
    let mut newest = i64::MIN;
    let (mut back, mut dup) = (0usize, 0usize);
    for &t in &ts {
        if t < newest {
            back += 1;
        } else if t == newest {
            dup += 1;
        }
        newest = newest.max(t);
    }
    if back > 0 {
        eprintln!("pipescope: {file}: {back} row(s) are earlier than a row above them; rows are judged in time order and printed in input order");
    }
    if dup > 0 {
        eprintln!("pipescope: {file}: {dup} row(s) repeat the time of the row before; each is judged after the ones above it");
    }
    if vs.iter().all(|v| v.is_nan()) {
        eprintln!(
            "pipescope: {file}: column '{}' has no numeric values; nothing can be judged",
            value
        );
    }
    let points = match detect_series(&config_or_default(&args), &ts, &vs) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let mut judged: Vec<Option<Point>> = vec![None; table.rows];
    for (&r, p) in valid.iter().zip(points) {
        judged[r] = Some(p);
    }

    emit(|out| {
        for r in 0..table.rows {
            let p = judged[r];
            let value = if values[r].is_finite() {
                values_raw[r].unwrap_or("").trim()
            } else {
                ""
            };
            write_point(out, times_raw[r].unwrap_or(""), value, p)?;
        }
        Ok(())
    })
}

type Out = csv::Writer<std::io::BufWriter<std::io::StdoutLock<'static>>>;

/// A forecast figure as printed: empty while the model trains (or when not finite).
fn num(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite())
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// One output row: the time and value as given, then the judgement (empty when not judged).
fn write_point(out: &mut Out, time: &str, value: &str, p: Option<Point>) -> Result<(), csv::Error> {
    // Cells as written in the file, but never a formula for the spreadsheet that opens this.
    out.write_record([
        pipescope::core::csv_cell::text(time).as_str(),
        pipescope::core::csv_cell::text(value).as_str(),
        &num(p.and_then(|p| p.expected)),
        &num(p.and_then(|p| p.lower)),
        &num(p.and_then(|p| p.upper)),
        &p.map_or(0.0, |p| p.score).to_string(),
        if p.is_some_and(|p| p.anomaly) {
            "1"
        } else {
            "0"
        },
        p.and_then(|p| p.why).map_or("", |w| w.cause.name()),
        &num(p.and_then(|p| p.why).map(|w| w.surprise)),
    ])
}

/// Writes the header, then the rows `body` writes, to stdout.
fn emit(body: impl FnOnce(&mut Out) -> Result<(), csv::Error>) -> ExitCode {
    let mut out = csv::Writer::from_writer(std::io::BufWriter::new(std::io::stdout().lock()));
    let write = |out: &mut Out| -> Result<(), csv::Error> {
        out.write_record([
            "timestamp",
            "value",
            "expected",
            "lower",
            "upper",
            "score",
            "anomaly",
            "cause",
            "surprise",
        ])?;
        body(out)?;
        out.flush()?;
        Ok(())
    };
    match write(&mut out) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe) => {
            ExitCode::SUCCESS
        }
        Err(e) => fail(format_args!("writing the output: {e}")),
    }
}

/// Whether FILE is a JSON document (first non-space byte `{` or `[`, or named `*.json`),
/// read as a Prometheus HTTP API response rather than CSV.
pub fn is_json_file(path: &std::path::Path) -> bool {
    use std::io::Read;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        return true;
    }
    let mut head = Vec::with_capacity(4096);
    let read = std::fs::File::open(path).and_then(|f| f.take(4096).read_to_end(&mut head));
    // An unreadable file goes the CSV way, whose reader reports why.
    read.is_ok() && pipescope::core::source::looks_like_json(&head)
}

/// Reads a Prometheus JSON file, printing its notes on stderr.
pub fn read_json(path: &std::path::Path) -> Result<MetricTable, ExitCode> {
    let file = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|e| fail(format_args!("could not read '{file}': {e}")))?;
    let table = read_prometheus_json(&bytes).map_err(|e| fail(format_args!("{file}: {e}")))?;
    for note in &table.notes {
        eprintln!("pipescope: {file}: {}", note.message);
    }
    Ok(table)
}

/// Index of the series `--value` names (by name, or index), or the only series.
pub fn pick_series(
    table: &MetricTable,
    file: &str,
    value: Option<&str>,
) -> Result<usize, ExitCode> {
    let list = || {
        let names = table
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{i}: {n}"));
        pipescope::core::text::list(names)
    };
    match value {
        Some(v) => table.metric_index(v).ok_or_else(|| {
            fail(format_args!(
                "{file}: no series named '{v}' (--value); the series are {}",
                list()
            ))
        }),
        None if table.names.len() == 1 => Ok(0),
        None => Err(fail(format_args!(
            "{file}: the response holds {} series; pick one with --value NAME or --value INDEX: {}",
            table.names.len(),
            list()
        ))),
    }
}

/// Epoch milliseconds as Prometheus writes times: seconds, with up to three decimals.
fn prometheus_time(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let (secs, frac) = (ms.unsigned_abs() / 1000, ms.unsigned_abs() % 1000);
    if frac == 0 {
        format!("{sign}{secs}")
    } else {
        let frac = format!("{frac:03}");
        format!("{sign}{secs}.{}", frac.trim_end_matches('0'))
    }
}

/// `detect` over one series of a Prometheus JSON response: one row per timestamp.
fn run_json(args: Args) -> ExitCode {
    let file = args.file.display().to_string();
    if let Err(code) = crate::memory::guard(&args.file, &json_plan("detect")) {
        return code;
    }
    let table = match read_json(&args.file) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let series = match pick_series(&table, &file, args.value.as_deref()) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let ts = &table.times_ms;
    let vs = &table.columns[series];
    let points = match detect_series(&config_or_default(&args), ts, vs) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    emit(|out| {
        for ((&t, &v), p) in ts.iter().zip(vs).zip(points) {
            let value = if v.is_finite() {
                v.to_string()
            } else {
                String::new()
            };
            write_point(out, &prometheus_time(t), &value, Some(p))?;
        }
        Ok(())
    })
}

/// Bytes `run` holds per row besides the table at its peak, when the judged rows are
/// filled from the points: the line numbers, raw cells, parsed times and values, the rows
/// kept, their times and values, the rows in time order, the points and the judged rows.
/// (The sorts' scratch and `detect_series`' time order come and go before that.) Keep in
/// step with the vectors `run` makes.
pub const PER_ROW: usize = size_of::<u64>()
    + 2 * size_of::<Option<&str>>()
    + size_of::<Option<i64>>()
    + size_of::<f64>()
    + size_of::<usize>()
    + size_of::<i64>()
    + size_of::<f64>()
    + size_of::<(i64, u64, f64)>()
    + size_of::<Point>()
    + size_of::<Option<Point>>();

/// What `detect` on a CSV takes: the table its reader builds (time and value as text;
/// half as much again in address space while a large file's halves are merged), and
/// [`PER_ROW`] bytes a row.
fn plan(options: &IngestOptions) -> crate::memory::Plan<'_> {
    crate::memory::Plan {
        command: "detect",
        threads: Box::new(|len| u64::from(len >= PARALLEL_MIN_BYTES)),
        footprint: Box::new(move |sample, len| {
            let (table, read) =
                crate::memory::measure(|| crate::memory::ingest_sample(sample, options));
            let table = table?;
            Some(crate::memory::table_run(
                read,
                (table.rows * PER_ROW) as u64,
                len,
            ))
        }),
        per_byte: None,
    }
}

/// Bytes per file byte of a Prometheus JSON run: the file, its parse (the general JSON
/// reader's tree when the fast path declines) and the points judged, at about 16 bytes of
/// JSON a point. Not sampled: a JSON document's start is not a document.
pub const JSON_PER_BYTE: u64 = 32;

/// The guard's plan for a Prometheus JSON file (`detect` and `incidents`).
pub fn json_plan(command: &str) -> crate::memory::Plan<'_> {
    crate::memory::Plan {
        command,
        threads: Box::new(|_| 0),
        footprint: Box::new(|_, _| None),
        per_byte: Some(JSON_PER_BYTE),
    }
}
