//! `pipescope quality [--data DIR] [--out FILE]`: the detection-quality report of issue 3 —
//! the simulated corpus, plus the real labelled series `tests/quality/export.py` wrote to
//! DIR — scored by `core::quality` and written as markdown.

use std::path::PathBuf;
use std::process::ExitCode;

use pipescope::core::calendar::format_epoch_seconds;
use pipescope::core::quality::corpus::{self, CorpusConfig};
use pipescope::core::quality::real::{load_series, parse_manifest};
use pipescope::core::quality::report::{
    incident_config, render, scaled_incident_config, RealResult, ReportMeta, Results,
    SCALED_HALF_LIFE_STEPS,
};
use pipescope::core::quality::{chance_scores, evaluate, summarize, ScoreConfig, SeriesScore};
use pipescope::core::simulator::InjectionKind;

use crate::common::fail;

/// Score the detector on labelled series and write the markdown report.
#[derive(clap::Args)]
pub struct Args {
    /// Directory with manifest.json and the real series' CSVs (from tests/quality/export.py);
    /// without it only the simulated corpus is scored.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Where to write the report (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// A markdown file appended to the report (the discussion of its figures).
    #[arg(long)]
    pub notes: Option<PathBuf>,
    /// Seeds per (metric, kind, variant) in the simulated corpus.
    #[arg(long, default_value_t = 4)]
    pub seeds: u64,
}

/// Run the subcommand; failures are reported on stderr with exit code 2.
pub fn run(args: Args) -> ExitCode {
    if args.seeds == 0 {
        return fail("--seeds must be at least 1");
    }
    let corpus_config = CorpusConfig {
        seeds: args.seeds,
        ..CorpusConfig::default()
    };
    let score = ScoreConfig::default();
    let incidents = incident_config();
    let run_all = |series: Vec<pipescope::core::quality::LabelledSeries>| {
        series
            .iter()
            .map(|s| evaluate(s, &incidents, &score))
            .collect::<Result<Vec<SeriesScore>, _>>()
    };
    let faulty_series = corpus::faulty_series(&corpus_config);
    let clean_series = corpus::clean_series(&corpus_config);
    let faulty = match run_all(faulty_series.clone()) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let clean = match run_all(clean_series.clone()) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let chance = match chance_scores(&faulty_series, &clean_series, &score) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };

    let real = match &args.data {
        None => None,
        Some(dir) => {
            let path = dir.join("manifest.json");
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    return fail(format_args!(
                        "{}: {e}; run tests/quality/export.py {} first (make quality does)",
                        path.display(),
                        dir.display()
                    ))
                }
            };
            let manifest = match parse_manifest(&text) {
                Ok(m) => m,
                Err(e) => return fail(format_args!("{}: {e}", dir.display())),
            };
            let mut scored = Vec::new();
            for entry in &manifest.series {
                let file = dir.join(&entry.file);
                let bytes = match std::fs::read(&file) {
                    Ok(b) => b,
                    Err(e) => return fail(format_args!("{}: {e}", file.display())),
                };
                let series = match load_series(entry, &bytes) {
                    Ok(s) => s,
                    Err(e) => return fail(format_args!("{}: {e}", dir.display())),
                };
                let scaled_config =
                    scaled_incident_config(series.step_ms(), SCALED_HALF_LIFE_STEPS);
                match (
                    evaluate(&series, &incidents, &score),
                    evaluate(&series, &scaled_config, &score),
                ) {
                    (Ok(s), Ok(scaled)) => scored.push(RealResult {
                        series: entry.clone(),
                        points: series.times_ms.len(),
                        score: s,
                        scaled,
                    }),
                    (Err(e), _) | (_, Err(e)) => return fail(e),
                }
            }
            Some((manifest, scored))
        }
    };

    let notes = match &args.notes {
        None => None,
        Some(path) => match std::fs::read_to_string(path) {
            Ok(t) => Some(t),
            Err(e) => return fail(format_args!("{}: {e}", path.display())),
        },
    };
    let mut command = String::from("pipescope quality");
    if let Some(d) = &args.data {
        command += &format!(" --data {}", d.display());
    }
    if let Some(o) = &args.out {
        command += &format!(" --out {}", o.display());
    }
    if let Some(n) = &args.notes {
        command += &format!(" --notes {}", n.display());
    }
    if args.seeds != CorpusConfig::default().seeds {
        command += &format!(" --seeds {}", args.seeds);
    }
    // The report says when it was made; the core reads no clock, so the command does.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs() as f64);
    let meta = ReportMeta {
        command,
        date: format!("{} UTC", format_epoch_seconds(now)),
        version: env!("CARGO_PKG_VERSION").to_string(),
        notes,
    };
    for kind in InjectionKind::ALL {
        let s = summarize(&faulty, kind, None);
        eprintln!(
            "{:<16} windows {:>4}  detected {:>4}  recall {}  precision {}  median delay {} s",
            kind.name(),
            s.windows,
            s.detected,
            s.recall.map_or("  – ".into(), |r| format!("{r:.2}")),
            s.precision.map_or("  – ".into(), |p| format!("{p:.2}")),
            s.median_delay_ms
                .map_or("–".into(), |d| format!("{:.1}", d / 1000.0)),
        );
    }
    let results = Results {
        corpus: corpus_config,
        score,
        faulty,
        clean,
        chance,
        real,
    };
    let text = render(&meta, &results);
    match &args.out {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                eprintln!("pipescope: report written to {}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(format_args!("{}: {e}", path.display())),
        },
        None => {
            use std::io::Write;
            match std::io::stdout().lock().write_all(text.as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => fail(format_args!("cannot write the report: {e}")),
            }
        }
    }
}
