//! `pipescope errors FILE`: build-regression alerts, one a line. With `--rules FILE`, the
//! rules on error codes are evaluated on the same events (judged every bin, as the page's
//! clock ticks) and their incidents follow the alerts, one JSON object (or text line) each.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use pipescope::core::errors;

use crate::common::{fail, parse_method, runaway_failure, QuoteArgs};
use crate::memory::{measure, Plan};

/// Regression alerts from an error-event CSV (timestamp, build, code), one a line.
#[derive(clap::Args)]
pub struct Args {
    /// The error-event CSV (header row or none).
    pub file: PathBuf,
    /// Bin width in seconds (default: from the data's span, at most 720 bins).
    #[arg(long)]
    pub bin_seconds: Option<u32>,
    /// Detector: rate-test (false alerts bounded, see --evidence) or mean-threshold.
    #[arg(long, default_value = "rate-test", value_parser = parse_method)]
    pub method: errors::Method,
    /// mean-threshold: alert when the window mean of candidate/baseline exceeds this.
    #[arg(long, default_value_t = 1.25)]
    pub threshold: f64,
    /// mean-threshold: window lengths in bins, comma-separated.
    #[arg(long, default_value = "5,10", value_delimiter = ',')]
    pub windows: Vec<u32>,
    /// rate-test: recent (default; a late rise is raised within about a minute, expected
    /// false alerts <= alpha + false-alarm-rate per code-hour) or cumulative (evidence since
    /// the stream started; probability of any false alert <= alpha).
    #[arg(long, default_value = "recent", value_parser = parse_evidence)]
    pub evidence: errors::Evidence,
    /// rate-test, recent: expected false alerts per code per hour of stream from the
    /// restarted tests, at most (1e-9 to 1).
    #[arg(long, default_value_t = errors::recent::DEFAULT_FALSE_ALARM_RATE)]
    pub false_alarm_rate: f64,
    /// rate-test, recent: seconds between fresh tests of a code (1 to 3600).
    #[arg(long, default_value_t = errors::recent::DEFAULT_RESTART_SECONDS)]
    pub restart_seconds: u32,
    /// rate-test: false alarms of the stream-start test (recent: expected, cumulative:
    /// probability of any) over all codes and the whole stream (between 0 and 1).
    #[arg(long, default_value_t = 0.01)]
    pub alpha: f64,
    /// The baseline build (default: the older of two).
    #[arg(long)]
    pub baseline: Option<String>,
    /// The candidate build (default: the newer of two).
    #[arg(long)]
    pub candidate: Option<String>,
    /// Timestamp column, 1-based (guessed when absent).
    #[arg(long)]
    pub time_column: Option<usize>,
    /// Build column, 1-based (guessed when absent).
    #[arg(long)]
    pub build_column: Option<usize>,
    /// Code column, 1-based (guessed when absent).
    #[arg(long)]
    pub code_column: Option<usize>,
    /// Output: jsonl (one alert per line) or text (the original plain format).
    #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "text"])]
    pub format: String,
    #[command(flatten)]
    pub quotes: QuoteArgs,
    /// A rules file (JSON or YAML, see docs/rules.md): its error-code rules are evaluated
    /// on the events and their incidents printed after the alerts.
    #[arg(long, value_name = "RULES")]
    pub rules: Option<PathBuf>,
}

fn parse_evidence(s: &str) -> Result<errors::Evidence, String> {
    errors::Evidence::parse(s)
        .ok_or_else(|| format!("unknown evidence '{s}': use recent or cumulative"))
}

/// Run the subcommand; failures are reported on stderr with exit code 2.
pub fn run(args: Args) -> ExitCode {
    let Args {
        file,
        bin_seconds,
        method,
        threshold,
        windows,
        evidence,
        false_alarm_rate,
        restart_seconds,
        alpha,
        baseline,
        candidate,
        time_column,
        build_column,
        code_column,
        format,
        quotes,
        rules,
    } = args;
    let rules = match rules.map(|p| crate::rules::load(&p, None)).transpose() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let column = |c: Option<usize>| c.map(|c| c.saturating_sub(1));
    let options = errors::ReadOptions {
        has_header: None,
        time: column(time_column),
        build: column(build_column),
        code: column(code_column),
        baseline,
        candidate,
        literal_quotes_from: quotes.literal_quotes_from,
    };
    let config = |stream: &errors::ErrorStream| {
        let mut config = errors::Config::for_stream(stream);
        if let Some(b) = bin_seconds {
            config.bin_seconds = b;
        }
        config.method = method;
        config.threshold = threshold;
        config.windows = windows.clone();
        config.evidence = evidence;
        config.false_alarm_rate = false_alarm_rate;
        config.restart_seconds = restart_seconds;
        config.alpha = alpha;
        config
    };
    // The whole file is read into memory, then its events and the engine's bins.
    let plan = Plan {
        command: "errors",
        threads: Box::new(|_| 0),
        footprint: Box::new(|sample, _| {
            let (done, peak) = measure(|| {
                // A copy: `read_path` holds the file's bytes while it reads them.
                #[allow(clippy::unnecessary_to_owned)]
                let stream = errors::read_bytes(&sample.to_vec(), &options).ok()?;
                errors::analyze(&stream, config(&stream)).ok().map(drop)
            });
            done.map(|()| peak.peak)
        }),
        per_byte: None,
    };
    if let Err(code) = crate::memory::guard(&file, &plan) {
        return code;
    }
    let bytes = match std::fs::read(&file) {
        Ok(b) => b,
        Err(e) => return fail(format_args!("cannot read {}: {e}", file.display())),
    };
    let stream = match errors::read_bytes(&bytes, &options) {
        Ok(s) => s,
        Err(errors::ReadError::RunawayQuote(r)) => {
            return runaway_failure(&file.display().to_string(), &r)
        }
        Err(e) => return fail(format_args!("{}: {e}", file.display())),
    };
    drop(bytes);
    if stream.skipped > 0 {
        let shown: Vec<String> = stream
            .problems
            .iter()
            .take(5)
            .map(|p| p.to_string())
            .collect();
        eprintln!(
            "pipescope: {}: skipped {} row(s): {}{}",
            file.display(),
            stream.skipped,
            shown.join("; "),
            if stream.skipped > shown.len() {
                "; ..."
            } else {
                ""
            }
        );
    }
    if stream.other_build_events > 0 {
        let (b, c) = (stream.baseline, stream.candidate);
        let others = (0..stream.builds.len() as u32)
            .filter(|&i| i != b && i != c)
            .map(|i| stream.builds[i as usize].as_str());
        eprintln!(
            "pipescope: {}: {} row(s) of other builds ({}) are not compared",
            file.display(),
            stream.other_build_events,
            pipescope::core::text::list(others)
        );
    }
    if stream.out_of_order > 0 {
        eprintln!(
            "pipescope: {}: {} row(s) were out of time order and were sorted into place",
            file.display(),
            stream.out_of_order
        );
    }
    let stream_config = config(&stream);
    let bin_ms = i64::from(stream_config.bin_seconds.max(1)) * 1000;
    let engine = match errors::analyze(&stream, stream_config) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    let incidents = match rules {
        Some(file) => rule_incidents(file, &stream, bin_ms),
        None => Vec::new(),
    };
    // The rule incidents' groups, at the stream's bin width (its step).
    let groups =
        pipescope::core::incident::group_uids(&pipescope::core::incident::group_incidents(
            &incidents,
            bin_ms as f64,
            &pipescope::core::incident::GroupConfig::default(),
        ));
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
    for incident in &incidents {
        if result.is_err() {
            break;
        }
        result = if format == "text" {
            writeln!(out, "{}", incident_text(incident))
        } else {
            let line = pipescope::core::incident::export::incident_json_line(incident, &groups);
            writeln!(out, "{line}")
        };
    }
    match result.and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(format_args!("cannot write the alerts: {e}")),
    }
}

/// The rule incidents of an error stream, judged as the Errors workspace judges them
/// (see `core::rules::errors`).
fn rule_incidents(
    file: pipescope::core::rules::RulesFile,
    stream: &errors::ErrorStream,
    bin_ms: i64,
) -> Vec<pipescope::core::incident::Incident> {
    let names = pipescope::core::rules::ErrorNames {
        builds: stream.builds.clone(),
        codes: stream.codes.clone(),
        baseline: stream.baseline,
        candidate: stream.candidate,
    };
    pipescope::core::rules::error_rule_incidents(file, names, &stream.events, bin_ms)
}

/// One rule incident as a text line.
fn incident_text(i: &pipescope::core::incident::Incident) -> String {
    use pipescope::core::incident::IncidentSource;
    use pipescope::core::time::format_stream_ms;
    let (rule, condition, value) = match &i.source {
        IncidentSource::Rule {
            rule,
            condition,
            value,
            ..
        } => (rule.as_str(), condition.as_str(), *value),
        _ => ("?", "", f64::NAN),
    };
    let end = i.end_ms.map_or("still open".to_string(), |e| {
        format!("resolved {}", format_stream_ms(e))
    });
    let silenced = i
        .silenced
        .as_ref()
        .map_or(String::new(), |s| format!(" (silenced: {s})"));
    format!(
        "rule '{rule}' on code {}: {condition}; fired {} at {}, {end}{silenced}",
        i.metrics.join(", "),
        format_stream_ms(i.opened_ms),
        pipescope::core::rules::format_value(value)
    )
}
