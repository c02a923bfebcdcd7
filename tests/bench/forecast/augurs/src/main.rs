//! augurs-prophet runner for pipescope's forecast benchmark (issue 3).
//!
//! `augurs-forecast-bench PROPHET_MODEL_BIN DATA_DIR [RUNS]`: for every `DATA_DIR/*.csv`
//! (`t_s,y`, written by `prophet_bench.py export`), fit augurs' Prophet with daily and
//! weekly seasonality on the first 80% and forecast the rest; print one JSON line
//! `{"name", "fit_ms", "mae"}` per series (fit ms: median of RUNS, default 3).
//!
//! The optimiser is cmdstan's: the compiled Prophet Stan model shipped in PyPI `prophet`'s
//! wheel (`prophet/stan_model/prophet_model.bin`), the same one Python Prophet runs.

use std::time::Instant;

use augurs_prophet::cmdstan::CmdstanOptimizer;
use augurs_prophet::{PredictionData, Prophet, ProphetOptions, SeasonalityOption, TrainingData};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: {} PROPHET_MODEL_BIN DATA_DIR [RUNS]", args[0]);
        std::process::exit(2);
    }
    let runs: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(3);
    let mut files: Vec<_> = std::fs::read_dir(&args[2])
        .expect("data dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("csv");
        let (mut ds, mut y) = (Vec::new(), Vec::new());
        for line in text.lines().skip(1) {
            let (t, v) = line.split_once(',').expect("t_s,y");
            ds.push(t.parse::<i64>().expect("t_s"));
            y.push(v.parse::<f64>().expect("y"));
        }
        let n_train = (ds.len() as f64 * 0.8) as usize;
        let mut times = Vec::new();
        let mut mae = f64::NAN;
        for _ in 0..runs {
            let optimizer = CmdstanOptimizer::with_prophet_path(&args[1]).expect("prophet binary");
            let opts = ProphetOptions {
                daily_seasonality: SeasonalityOption::Manual(true),
                weekly_seasonality: SeasonalityOption::Manual(true),
                ..Default::default()
            };
            let mut model = Prophet::new(opts, optimizer);
            let train = TrainingData::new(ds[..n_train].to_vec(), y[..n_train].to_vec())
                .expect("training data");
            let start = Instant::now();
            model.fit(train, Default::default()).expect("fit");
            times.push(start.elapsed().as_secs_f64() * 1e3);
            let pred = model
                .predict(PredictionData::new(ds[n_train..].to_vec()))
                .expect("predict");
            mae = pred
                .yhat
                .point
                .iter()
                .zip(&y[n_train..])
                .map(|(p, a)| (p - a).abs())
                .sum::<f64>()
                / (ds.len() - n_train) as f64;
        }
        times.sort_by(f64::total_cmp);
        let name = path.file_stem().unwrap().to_string_lossy();
        println!(
            "{{\"name\": \"{name}\", \"fit_ms\": {}, \"mae\": {mae}}}",
            times[times.len() / 2]
        );
    }
}
