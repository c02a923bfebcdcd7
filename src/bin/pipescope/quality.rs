//! `pipescope quality [--data DIR] [--nab-summary FILE] [--out FILE]`: the
//! detection-quality report of issues 3 and 12 — the simulated corpus at 2 s and at other
//! cadences, minute-level series with a daily cycle, the real labelled series
//! `tests/quality/export.py` wrote to DIR, and the NAB benchmark's results — scored by
//! `core::quality` and written as markdown.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use pipescope::core::incident::IncidentConfig;
use pipescope::core::quality::cadence::{self, CadenceConfig};
use pipescope::core::quality::corpus::{self, CorpusConfig};
use pipescope::core::quality::nab::{self, NabResults};
use pipescope::core::quality::real::{load_series, parse_manifest, QualityError};
use pipescope::core::quality::report::{
    incident_config, render, CadenceResult, RealResult, ReportMeta, Results,
};
use pipescope::core::quality::{
    chance_scores, evaluate, summarize, LabelledSeries, ScoreConfig, SeriesScore,
};
use pipescope::core::simulator::InjectionKind;
use pipescope::core::time::format_epoch_seconds;

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
    /// The NAB harness' summary.json (printed by `../shared/nab/score.sh` as `summary:`), or
    /// its run directory; the report's NAB section reads it and NAB's per-file table
    /// `results/NAME/NAME_standard_scores.csv` beside it.
    #[arg(long, value_name = "FILE")]
    pub nab_summary: Option<PathBuf>,
    /// Why NAB was not run, for the report's NAB section (when there is no --nab-summary).
    #[arg(long, value_name = "TEXT", conflicts_with = "nab_summary")]
    pub nab_skipped: Option<String>,
    /// Leave out the cadence and daily-cycle sections (faster).
    #[arg(long)]
    pub no_cadences: bool,
}

/// Evaluates every series on all cores, keeping their order.
fn evaluate_all(
    series: &[LabelledSeries],
    incidents: &IncidentConfig,
    score: &ScoreConfig,
) -> Result<Vec<SeriesScore>, QualityError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(series.len().max(1));
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<SeriesScore, QualityError>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(one) = series.get(i) else { break };
                        out.push((i, evaluate(one, incidents, score)));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    done.sort_by_key(|d| d.0);
    done.into_iter().map(|d| d.1).collect()
}

/// Reads the NAB harness' run: summary.json and the per-file standard table.
fn read_nab(path: &Path) -> Result<NabResults, String> {
    let summary_path = if path.is_dir() {
        path.join("summary.json")
    } else {
        path.to_path_buf()
    };
    let dir = summary_path.parent().unwrap_or(Path::new("."));
    let text = std::fs::read_to_string(&summary_path)
        .map_err(|e| format!("{}: {e}", summary_path.display()))?;
    let summary =
        nab::parse_summary(&text).map_err(|e| format!("{}: {e}", summary_path.display()))?;
    let table = dir
        .join("results")
        .join(&summary.name)
        .join(format!("{}_standard_scores.csv", summary.name));
    let text = std::fs::read_to_string(&table).map_err(|e| format!("{}: {e}", table.display()))?;
    let files = nab::parse_scores(&text).map_err(|e| format!("{}: {e}", table.display()))?;
    // The command as run from the repository's directory, with its absolute path written
    // as $PWD so the report does not name this machine's directories.
    let mut detector = summary.detector_cmd.clone();
    if let Ok(cwd) = std::env::current_dir() {
        let cwd = cwd.display().to_string();
        if !cwd.is_empty() {
            detector = detector.replace(&cwd, "$PWD");
        }
    }
    Ok(NabResults {
        command: format!("../shared/nab/score.sh \"{detector}\" {}", summary.name),
        summary,
        files,
    })
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
    let run_all = |series: &[LabelledSeries]| evaluate_all(series, &incidents, &score);
    let started = std::time::Instant::now();
    let faulty_series = corpus::faulty_series(&corpus_config);
    let clean_series = corpus::clean_series(&corpus_config);
    let faulty = match run_all(&faulty_series) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let clean = match run_all(&clean_series) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    eprintln!(
        "pipescope: 2 s corpus scored in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let cadence_config = CadenceConfig::default();
    let mut cadences = Vec::new();
    let mut daily = Vec::new();
    if !args.no_cadences {
        for step in cadence::CADENCES_MS {
            let t = std::time::Instant::now();
            let faulty = match run_all(&cadence::faulty_series(step, &cadence_config)) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let clean = match run_all(&cadence::clean_series(step, &cadence_config)) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            eprintln!(
                "pipescope: cadence {} scored in {:.1} s",
                cadence::step_name(step),
                t.elapsed().as_secs_f64()
            );
            cadences.push(CadenceResult {
                step_ms: step,
                faulty,
                clean,
            });
        }
        let t = std::time::Instant::now();
        daily = match run_all(&cadence::daily_series(&cadence_config)) {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        eprintln!(
            "pipescope: daily cycle scored in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let nab_run = match (&args.nab_summary, &args.nab_skipped) {
        (Some(p), _) => match read_nab(p) {
            Ok(n) => Ok(n),
            Err(e) => return fail(e),
        },
        (None, Some(why)) => Err(why.clone()),
        (None, None) => Err("`pipescope quality` was given no `--nab-summary` (`make quality` runs NAB when `../shared/nab/score.sh` exists beside the clone).".into()),
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
                match evaluate(&series, &incidents, &score) {
                    Ok(s) => scored.push(RealResult {
                        series: entry.clone(),
                        points: series.times_ms.len(),
                        score: s,
                    }),
                    Err(e) => return fail(e),
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
    if args.nab_summary.is_some() {
        command += " --nab-summary FILE";
    }
    if args.no_cadences {
        command += " --no-cadences";
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
        cadence: cadence_config,
        cadences,
        daily,
        nab: nab_run,
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
