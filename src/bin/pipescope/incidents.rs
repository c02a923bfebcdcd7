//! `pipescope incidents FILE --time COL [--value COL]...`: every value column through the
//! causal detector, the judged points through the incident engine, the incidents out as
//! JSON lines — the same engines, in the same order, as the Monitor page. FILE may also be a
//! Prometheus HTTP API JSON response: every series (or those `--value` names) is a metric.
//! With `--rules FILE` the rules a user wrote are evaluated on the same points, and their
//! incidents (source `rule`) join the detectors' in the one book, silences applied.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use pipescope::core::detect::detect_series;
use pipescope::core::incident::{Evidence, IncidentConfig, IncidentEngine};
use pipescope::core::ingest::{
    read_path, ColumnData, ColumnType, IngestError, IngestOptions, PARALLEL_MIN_BYTES,
};
use pipescope::core::time::TimeCells;

use crate::common::{
    column_numbers, fail, ingest_failure, parse_delimiter, DetectorArgs, QuoteArgs,
};

/// Incidents from one or more metric columns of a CSV, one JSON object a line.
#[derive(clap::Args)]
pub struct Args {
    /// The CSV/TSV file to read (with a header row), or a Prometheus HTTP API JSON response.
    pub file: PathBuf,
    /// Name of the time column: epoch seconds or milliseconds, ISO 8601, or H:MM:SS
    /// (required for CSV; ignored for Prometheus JSON).
    #[arg(long)]
    pub time: Option<String>,
    /// A metric column (repeatable; default: every numeric column but the time); for
    /// Prometheus JSON a series name or index (default: every series).
    #[arg(long = "value")]
    pub values: Vec<String>,
    #[command(flatten)]
    pub detector: DetectorArgs,
    /// Flags in a row that open an incident span about this many seconds of the metric's
    /// own steps (0 to 86400; at least 2 and at most 5 points whatever the cadence).
    #[arg(long, default_value_t = 300.0)]
    pub min_duration: f64,
    /// Half-life of the anomaly accumulators, in steps of the metric (0.1 to 1000).
    #[arg(long, default_value_t = 5.0)]
    pub half_life: f64,
    /// How many metrics over their threshold at once make severity 1.
    #[arg(long, default_value_t = 2)]
    pub sev1_metrics: usize,
    /// Field delimiter: `,`, `tab`, `;` or `pipe` (sniffed when absent).
    #[arg(long, value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    #[command(flatten)]
    pub quotes: QuoteArgs,
    /// A rules file (JSON or YAML, see docs/rules.md): its rules are evaluated on every
    /// metric and their incidents printed with the detectors'; its silences mark
    /// incidents silenced.
    #[arg(long, value_name = "RULES")]
    pub rules: Option<PathBuf>,
}

/// Run the subcommand; failures are reported on stderr with exit code 2.
pub fn run(args: Args) -> ExitCode {
    let file = args.file.display().to_string();
    if let Err(e) = args.detector.config() {
        return fail(e);
    }
    if !(args.min_duration.is_finite() && (0.0..=86_400.0).contains(&args.min_duration)) {
        return fail(format_args!(
            "--min-duration {} is not between 0 and 86400 seconds",
            args.min_duration
        ));
    }
    if crate::detect::is_json_file(&args.file) {
        return run_json(args);
    }
    let Some(time) = args.time.clone() else {
        return fail(format_args!(
            "{file}: a CSV file needs --time COL (the time column)"
        ));
    };
    let mut types = vec![(time.clone(), ColumnType::Text)];
    types.extend(args.values.iter().map(|v| (v.clone(), ColumnType::Text)));
    let mut builder = IngestOptions::builder()
        .delimiter(args.delimiter)
        .has_header(Some(true))
        .literal_quotes_from(args.quotes.literal_quotes_from);
    for (name, kind) in types {
        builder = builder.column_type(name, kind);
    }
    let options = match builder.build() {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    if let Err(code) = crate::memory::guard(&args.file, &plan(&options, &time, &args.values)) {
        return code;
    }
    let table = match read_path(&args.file, &options) {
        Ok(t) => t,
        Err(IngestError::UnknownColumn { name, available }) => {
            return fail(format_args!(
                "{file}: no column named '{}'; the columns are: {}",
                pipescope::core::text::clip(&name),
                pipescope::core::text::list(&available)
            ))
        }
        Err(e) => return ingest_failure(&file, &e),
    };
    crate::common::note_readings(&file, &table);
    let text = |name: &str| -> Vec<Option<String>> {
        match table.column(name).map(|c| &c.data) {
            Some(ColumnData::Labels(d)) => (0..table.rows)
                .map(|r| d.get(r).map(str::to_string))
                .collect(),
            _ => vec![None; table.rows],
        }
    };
    let times_raw = text(&time);
    let times = TimeCells::parse_column(&times_raw);
    if times.iter().all(Option::is_none) {
        return fail(format_args!(
            "{file}: column '{}' holds no times; use epoch seconds or milliseconds, ISO 8601 or H:MM:SS",
            time
        ));
    }
    // Metric columns: the ones asked for, or every numeric column but the time.
    let names: Vec<String> = if args.values.is_empty() {
        table
            .columns
            .iter()
            .filter(|c| c.name != time && matches!(c.data, ColumnData::Numeric(_)))
            .map(|c| c.name.clone())
            .collect()
    } else {
        args.values.clone()
    };
    if names.is_empty() {
        return fail(format_args!(
            "{file}: no numeric column to watch besides '{}'; name one with --value",
            time
        ));
    }
    let valid: Vec<usize> = (0..table.rows).filter(|&r| times[r].is_some()).collect();
    if valid.len() < table.rows {
        eprintln!(
            "pipescope: {file}: {} row(s) without a readable time in '{}' are left out",
            table.rows - valid.len(),
            time
        );
    }
    let ts: Vec<i64> = valid.iter().map(|&r| times[r].unwrap_or(0)).collect();
    let mut columns: Vec<Vec<f64>> = Vec::with_capacity(names.len());
    for name in &names {
        let values: Vec<f64> = match table.column(name).map(|c| &c.data) {
            Some(ColumnData::Numeric(v)) => valid.iter().map(|&r| v[r]).collect(),
            Some(ColumnData::Labels(d)) => {
                let cells: Vec<Option<&str>> = valid.iter().map(|&r| d.get(r)).collect();
                column_numbers(&file, name, &cells)
            }
            _ => return fail(format_args!("{file}: column '{name}' is not numeric")),
        };
        columns.push(values);
    }
    judge(&args, &file, names, &ts, &columns)
}

/// `incidents` over the series of a Prometheus JSON response.
fn run_json(args: Args) -> ExitCode {
    let file = args.file.display().to_string();
    if let Err(code) = crate::memory::guard(&args.file, &crate::detect::json_plan("incidents")) {
        return code;
    }
    let table = match crate::detect::read_json(&args.file) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let picked: Vec<usize> = if args.values.is_empty() {
        (0..table.names.len()).collect()
    } else {
        let mut picked = Vec::new();
        for v in &args.values {
            match crate::detect::pick_series(&table, &file, Some(v)) {
                Ok(i) => picked.push(i),
                Err(code) => return code,
            }
        }
        picked
    };
    let names = picked.iter().map(|&i| table.names[i].clone()).collect();
    let columns: Vec<Vec<f64>> = picked.iter().map(|&i| table.columns[i].clone()).collect();
    judge(&args, &file, names, &table.times_ms, &columns)
}

/// Every metric through the detector, then all judged points in time order through the
/// incident engine; the incidents out as JSON lines.
fn judge(
    args: &Args,
    file: &str,
    names: Vec<String>,
    ts: &[i64],
    columns: &[Vec<f64>],
) -> ExitCode {
    let config = match args.detector.config() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };

    let mut evidence: Vec<Evidence> = Vec::new();
    for (series, (name, values)) in names.iter().zip(columns).enumerate() {
        let bad = values.iter().filter(|v| v.is_nan()).count();
        if bad > 0 {
            eprintln!("pipescope: {file}: {bad} value(s) in '{name}' are missing or not numbers and are not judged");
        }
        let points = match detect_series(&config, ts, values) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        evidence.extend(points.iter().filter_map(|p| p.evidence(series as u32)));
    }
    // One stream: all metrics' points in time order, as the page interleaves them.
    evidence.sort_by_key(|e| (e.t_ms, e.series));
    let incident_config = IncidentConfig {
        half_life_steps: args.half_life,
        min_duration_ms: (args.min_duration * 1000.0).round() as i64,
        sev1_metrics: args.sev1_metrics,
        ..IncidentConfig::default()
    };
    let rules = match &args.rules {
        Some(path) => match crate::rules::load(path, Some(&names)) {
            Ok(file) => Some(crate::rules::Rules::new(file, names.clone())),
            Err(code) => return code,
        },
        None => None,
    };
    let mut engine = match IncidentEngine::new(incident_config, names) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    match rules {
        None => {
            for e in &evidence {
                engine.advance_to(e.t_ms);
                engine.apply(e);
            }
        }
        Some(mut rules) => {
            // Every sample in stream order (time, then metric), the detector's judgement
            // of it first, as the page feeds its engines.
            let mut order: Vec<usize> = (0..ts.len()).collect();
            order.sort_by_key(|&r| ts[r]);
            let mut judged = evidence.iter().peekable();
            for r in order {
                let t = ts[r];
                for (series, values) in columns.iter().enumerate() {
                    let series = series as u32;
                    let mut score = None;
                    while let Some(e) = judged.next_if(|e| (e.t_ms, e.series) <= (t, series)) {
                        engine.advance_to(e.t_ms);
                        engine.apply(e);
                        if (e.t_ms, e.series) == (t, series) {
                            score = Some(e.score);
                        }
                    }
                    let out = &mut rules.out;
                    rules.engine.observe(t, series, values[r], score, out);
                    rules.settle(&mut engine, t);
                }
            }
            for e in judged {
                engine.advance_to(e.t_ms);
                engine.apply(e);
            }
            if let Some(&last) = ts.iter().max() {
                rules.engine.advance_to(last, &mut rules.out);
                rules.settle(&mut engine, last);
            }
        }
    }
    if let Some(last) = ts.iter().max() {
        engine.advance_to(*last);
    }
    // Each incident with its group (core::incident::group), at the metrics' step.
    let groups = pipescope::core::incident::group_uids(&engine.groups(1000.0));
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut result = Ok(());
    for incident in engine.incidents() {
        let line = pipescope::core::incident::export::incident_json_line(incident, &groups);
        result = writeln!(out, "{line}");
        if result.is_err() {
            break;
        }
    }
    match result.and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(format_args!("cannot write the incidents: {e}")),
    }
}

/// What `incidents` on a CSV takes: the table its reader builds (half as much again in
/// address space while a large file's halves are merged); per row the time as an owned
/// string, its parse, the rows kept and their times; per row and metric the values and the
/// evidence (every judged point, and its sort's scratch); and one metric's detection at a
/// time (its time order and points). Keep in step with the vectors `run` and `judge` make.
fn plan<'a>(
    options: &'a IngestOptions,
    time: &'a str,
    values: &'a [String],
) -> crate::memory::Plan<'a> {
    crate::memory::Plan {
        command: "incidents",
        threads: Box::new(|len| u64::from(len >= PARALLEL_MIN_BYTES)),
        footprint: Box::new(move |sample, len| {
            let (table, read) =
                crate::memory::measure(|| crate::memory::ingest_sample(sample, options));
            let table = table?;
            let metrics = if values.is_empty() {
                let numeric = |c: &&pipescope::core::ingest::Column| {
                    c.name != time && matches!(c.data, ColumnData::Numeric(_))
                };
                table.columns.iter().filter(numeric).count()
            } else {
                values.len()
            };
            // An owned time string: its header and a heap block (48 bytes holds 40 chars).
            let row = size_of::<Option<String>>() + 48 + size_of::<Option<i64>>() + 2 * 8;
            let per_metric = size_of::<f64>() + size_of::<Evidence>() * 3 / 2;
            let detection =
                size_of::<usize>() * 3 / 2 + size_of::<pipescope::core::detect::Point>();
            let per_row = row + metrics * per_metric + detection;
            Some(crate::memory::table_run(
                read,
                (table.rows * per_row) as u64,
                len,
            ))
        }),
        per_byte: None,
    }
}
