//! Forecast benchmark of issue 3: pipescope's model against Python Prophet, side by side.
//!
//! Run: `make bench-forecast` (or `cargo bench --bench forecast` once the venv exists).
//! For each real series (see `tests/bench/forecast/README.md`): train on the first 80%,
//! forecast the held-out 20%; report median fit time and held-out MAE for both models,
//! the speedup (Prophet time / pipescope time) and the MAE ratio (pipescope / Prophet).
//!
//! The Prophet side runs `tests/bench/forecast/prophet_bench.py` with the interpreter in
//! `PROPHET_PYTHON` (default `/work/venv-prophet/bin/python`); it exports the series to
//! `target/bench-forecast/*.csv` and prints one JSON line per series. `PROPHET_RUNS` sets
//! its runs (default 3); pipescope always takes the median of `RUNS`.
//! `AUGURS_BENCH`, if set, names the augurs-prophet runner built from
//! `tests/bench/forecast/augurs/` (the Makefile target builds it); it runs on the same CSVs
//! with the Stan model shipped in PyPI `prophet`, and its figures are shown beside the others.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use pipescope::core::forecast::{Model, Periods};

const RUNS: usize = 5;
const TRAIN_SHARE: f64 = 0.8;
const DAY_S: f64 = 86_400.0;

/// One series' figures from the Python script.
#[derive(serde::Deserialize)]
struct ProphetResult {
    name: String,
    points: usize,
    train: usize,
    fit_ms: f64,
    fit_ms_unc0: f64,
    mae: f64,
}

/// One series' figures from the augurs-prophet runner (if any).
#[derive(serde::Deserialize)]
struct AugursResult {
    name: String,
    fit_ms: f64,
    mae: f64,
}

struct Ours {
    fit_ms: f64,
    mae: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn read_series(path: &Path) -> Result<(Vec<f64>, Vec<f64>), String> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (mut t, mut y) = (Vec::new(), Vec::new());
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
        let parse = |k: usize| -> Result<f64, String> {
            rec.get(k).and_then(|s| s.parse().ok()).ok_or_else(|| {
                format!(
                    "{} row {}: column {k} is not a number",
                    path.display(),
                    i + 2
                )
            })
        };
        t.push(parse(0)?);
        y.push(parse(1)?);
    }
    Ok((t, y))
}

fn ours(t: &[f64], y: &[f64], periods: &Periods) -> Ours {
    ours_with(t, y, Model::new().with_periods(periods.clone()))
}

fn ours_with(t: &[f64], y: &[f64], model: Model) -> Ours {
    let n_train = (t.len() as f64 * TRAIN_SHARE) as usize;
    let mut times = Vec::with_capacity(RUNS);
    let mut fitted = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let f = model
            .fit(std::hint::black_box(&t[..n_train]), &y[..n_train])
            .expect("benchmark series fit");
        times.push(start.elapsed().as_secs_f64() * 1e3);
        fitted = Some(f);
    }
    let fitted = fitted.expect("RUNS > 0");
    let held = &t[n_train..];
    let mae = held
        .iter()
        .zip(&y[n_train..])
        .map(|(&ti, &yi)| (fitted.predict(ti).expected - yi).abs())
        .sum::<f64>()
        / held.len() as f64;
    Ours {
        fit_ms: median(times),
        mae,
    }
}

/// Held-out MAE ratio against Prophet as the trend prior and changepoints vary: shows which
/// setting of the model closes the gap (`FORECAST_SWEEP=1`).
fn sweep(data_dir: &Path, prophet: &[ProphetResult], fixed: &Periods) {
    println!();
    println!("sweep: pipescope MAE / Prophet MAE by changepoint prior (daily + weekly set)");
    println!();
    let priors = [0.005, 0.05, 0.5, 5.0];
    let head: Vec<String> = priors.iter().map(|p| format!("prior {p}")).collect();
    println!(
        "| series | no changepoints | {} | 0.05 in Prophet's units (x max|y| / 1.4826 MAD) |",
        head.join(" | ")
    );
    println!("|---|---:|{}---:|", "---:|".repeat(priors.len()));
    for p in prophet {
        let Ok((t, y)) = read_series(&data_dir.join(format!("{}.csv", p.name))) else {
            continue;
        };
        let base = Model::new().with_periods(fixed.clone());
        let none = Model {
            changepoints: 0,
            ..base.clone()
        };
        let cells: Vec<String> = priors
            .iter()
            .map(|&prior| {
                let m = Model {
                    changepoint_prior: prior,
                    ..base.clone()
                };
                format!("{:.3}", ours_with(&t, &y, m).mae / p.mae)
            })
            .collect();
        // Prophet scales y by max|y| and our model by the robust spread; the same 0.05 then
        // means a much stiffer trend here. This column converts Prophet's prior to our units.
        let train = &y[..(y.len() as f64 * TRAIN_SHARE) as usize];
        let abs_max = train.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let med = median(train.to_vec());
        let mad = 1.4826 * median(train.iter().map(|v| (v - med).abs()).collect());
        if !(mad > 0.0) {
            continue;
        }
        let prophet_units = Model {
            changepoint_prior: 0.05 * abs_max / mad,
            ..base.clone()
        };
        println!(
            "| {} | {:.3} | {} | {:.3} (prior {:.2}) |",
            p.name,
            ours_with(&t, &y, none).mae / p.mae,
            cells.join(" | "),
            ours_with(&t, &y, prophet_units).mae / p.mae,
            0.05 * abs_max / mad
        );
    }
}

fn run_python(python: &str, script: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {python}: {e} (set PROPHET_PYTHON to a Python with prophet, vega_datasets and pmdarima)"))?;
    if !out.status.success() {
        return Err(format!(
            "{python} {} {}: {}\n{}",
            script.display(),
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs the augurs-prophet runner over the exported CSVs with the Stan model that PyPI
/// `prophet` ships (augurs' own optimisers need a cmdstan download or wasmtime).
fn run_augurs(
    bin: &str,
    python: &str,
    script: &Path,
    dir: &str,
    runs: &str,
) -> Result<HashMap<String, AugursResult>, String> {
    let model = run_python(python, script, &["model-path", dir])?;
    let out = Command::new(bin)
        .args([model.trim(), dir, runs])
        .output()
        .map_err(|e| format!("cannot run {bin}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{bin}: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<AugursResult>(l)
                .map(|r| (r.name.clone(), r))
                .map_err(|e| format!("unreadable augurs output {l:?}: {e}"))
        })
        .collect()
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; there is nothing to filter.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let data_dir = root.join("target/bench-forecast");
    let script = root.join("tests/bench/forecast/prophet_bench.py");
    let python =
        std::env::var("PROPHET_PYTHON").unwrap_or_else(|_| "/work/venv-prophet/bin/python".into());
    let runs = std::env::var("PROPHET_RUNS").unwrap_or_else(|_| "3".into());
    let dir = data_dir.to_string_lossy().into_owned();

    if let Err(e) = run_python(&python, &script, &["export", &dir]) {
        eprintln!("exporting the series failed: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!("fitting Prophet ({runs} runs per series; minutes)...");
    let prophet: Vec<ProphetResult> =
        match run_python(&python, &script, &["fit", &dir, "--runs", &runs]) {
            Ok(out) => match out.lines().map(serde_json::from_str).collect() {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("unreadable output of the Prophet script: {e}\n{out}");
                    return ExitCode::FAILURE;
                }
            },
            Err(e) => {
                eprintln!("Prophet side failed: {e}");
                return ExitCode::FAILURE;
            }
        };
    let augurs: HashMap<String, AugursResult> = match std::env::var("AUGURS_BENCH") {
        Err(_) => HashMap::new(),
        Ok(bin) => match run_augurs(&bin, &python, &script, &dir, &runs) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("augurs-prophet side failed: {e}");
                return ExitCode::FAILURE;
            }
        },
    };

    let fixed = Periods::Fixed(vec![DAY_S, 7.0 * DAY_S]);
    println!("forecast fit: train on the first 80%, forecast the last 20% (fit ms: median; pipescope {RUNS} runs, Prophet {runs})");
    println!();
    println!("| series | points (train) | Prophet fit ms | Prophet fit ms, uncertainty_samples=0 | pipescope fit ms | speedup | Prophet MAE | pipescope MAE | MAE ratio | pipescope (auto periods) fit ms / MAE ratio | augurs-prophet fit ms / MAE |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut worst_speedup = f64::INFINITY;
    let mut worst_mae_ratio: f64 = 0.0;
    for p in &prophet {
        let (t, y) = match read_series(&data_dir.join(format!("{}.csv", p.name))) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let o = ours(&t, &y, &fixed);
        let a = ours(&t, &y, &Periods::Auto);
        let speedup = p.fit_ms / o.fit_ms;
        let ratio = o.mae / p.mae;
        worst_speedup = worst_speedup.min(speedup);
        worst_mae_ratio = worst_mae_ratio.max(ratio);
        let aug = augurs
            .get(&p.name)
            .map(|r| format!("{:.1} / {:.3}", r.fit_ms, r.mae))
            .unwrap_or_else(|| "not measured".into());
        println!(
            "| {} | {} ({}) | {:.1} | {:.1} | {:.2} | {:.0}x | {:.3} | {:.3} | {:.3} | {:.2} / {:.3} | {} |",
            p.name,
            p.points,
            p.train,
            p.fit_ms,
            p.fit_ms_unc0,
            o.fit_ms,
            speedup,
            p.mae,
            o.mae,
            ratio,
            a.fit_ms,
            a.mae / p.mae,
            aug
        );
    }
    if std::env::var_os("FORECAST_SWEEP").is_some() {
        sweep(&data_dir, &prophet, &fixed);
    }
    println!();
    println!(
        "targets: speedup >= 50x (worst {worst_speedup:.0}x: {}), MAE ratio <= 1.05 (worst {worst_mae_ratio:.3}: {})",
        if worst_speedup >= 50.0 { "met" } else { "NOT met" },
        if worst_mae_ratio <= 1.05 { "met" } else { "NOT met" }
    );
    ExitCode::SUCCESS
}
