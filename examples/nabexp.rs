//! EXPERIMENT harness (not shipped): run the adaptive detector over every NAB file in-process
//! and write OUT/<rel>.csv with `timestamp,anomaly_score,cause,surprise,distance`.
//! `PS_EXP="k=v,..."` overrides the tuning; `PS_BENCH=1` instead times the band detector
//! alone and the whole adaptive detector over every point (one thread) and prints µs/point.
use std::io::Write;
use std::time::Instant;

use pipescope::core::detect::novelty::{Forecast, Novelty, Tuning};
use pipescope::core::detect::{AdaptiveDetector, BandDetector, DetectConfig, Judge};
use pipescope::core::time::TimeCells;

fn load(f: &std::path::Path) -> (Vec<String>, Vec<i64>, Vec<f64>) {
    let text = std::fs::read_to_string(f).unwrap();
    let (mut ts, mut tm, mut vs) = (Vec::new(), Vec::new(), Vec::new());
    let mut tc = None;
    for line in text.lines().skip(1) {
        let (t, v) = line.split_once(',').unwrap();
        let tc = *tc.get_or_insert_with(|| TimeCells::detect(t));
        tm.push(tc.parse_ms(t).unwrap());
        vs.push(v.trim().parse().unwrap_or(f64::NAN));
        ts.push(t.to_string());
    }
    (ts, tm, vs)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = &args[1];
    let mut files = Vec::new();
    for cat in std::fs::read_dir(data).unwrap() {
        let cat = cat.unwrap().path();
        if !cat.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&cat).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "csv") {
                files.push(f);
            }
        }
    }
    files.sort();
    let tuning = Tuning::default()
        .with_overrides(&std::env::var("PS_EXP").unwrap_or_default())
        .unwrap();
    if std::env::var("PS_BENCH").is_ok() {
        let all: Vec<_> = files.iter().map(|f| load(f)).collect();
        let n: usize = all.iter().map(|a| a.1.len()).sum();
        let mut sink = 0.0;
        let (mut band, mut adaptive) = (f64::INFINITY, f64::INFINITY);
        let mode = std::env::var("PS_BENCH").unwrap();
        let reps = if mode == "1" { 3 } else { 1 };
        for _ in 0..reps {
            let t0 = Instant::now();
            for (_, tm, vs) in all.iter().filter(|_| mode == "1" || mode == "band") {
                let mut d = BandDetector::new(DetectConfig::default()).unwrap();
                for (t, v) in tm.iter().zip(vs) {
                    sink += d.push(*t, *v).score;
                }
            }
            band = band.min(t0.elapsed().as_secs_f64());
            let t0 = Instant::now();
            for (_, tm, vs) in all.iter().filter(|_| mode == "1" || mode == "adaptive") {
                let mut d =
                    AdaptiveDetector::with_tuning(DetectConfig::default(), tuning.clone()).unwrap();
                for (t, v) in tm.iter().zip(vs) {
                    sink += d.push(*t, *v).score;
                }
            }
            adaptive = adaptive.min(t0.elapsed().as_secs_f64());
        }
        let us = |s: f64| s * 1e6 / n as f64;
        println!(
            "{n} points: band {:.3} µs/pt, adaptive {:.3} µs/pt, novelty {:.3} µs/pt ({sink:.1})",
            us(band),
            us(adaptive),
            us(adaptive - band)
        );
        return;
    }
    let out = &args[2];
    std::thread::scope(|sc| {
        for chunk in files.chunks(files.len().div_ceil(2)) {
            let tuning = tuning.clone();
            sc.spawn(move || {
                for f in chunk {
                    let (ts, tm, vs) = load(f);
                    let rel = f.strip_prefix(data).unwrap();
                    let dst = std::path::Path::new(out).join(rel);
                    std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
                    let mut w = std::io::BufWriter::new(std::fs::File::create(&dst).unwrap());
                    writeln!(w, "timestamp,anomaly_score,cause,surprise,distance,expected,lower,upper,t0,t1,t2,t3,t4,t5,t6,t7,t8,t9,t10,t11,t12,t13,t14,t15").unwrap();
                    // The adaptive detector's fold, spelt out to reach the trace.
                    // As `pipescope detect` (the scored path): the library default;
                    // PS_TRAIN=quarter trains on the first quarter of the file's span.
                    let config = if !std::env::var("PS_TRAIN").is_ok_and(|v| v == "quarter") {
                        DetectConfig::default()
                    } else {
                        let span = tm.iter().max().zip(tm.iter().min()).map_or(0, |(b, a)| b - a);
                        DetectConfig::with_train_ms(span / 4)
                    };
                    let mut band = BandDetector::new(config).unwrap();
                    let mut nov = Novelty::new(tuning.clone());
                    for ((t, t_ms), v) in ts.iter().zip(&tm).zip(&vs) {
                        let p = band.push(*t_ms, *v);
                        let f = match (p.expected, p.lower, p.upper) {
                            (Some(expected), Some(lower), Some(upper)) => Some(Forecast { expected, lower, upper }),
                            _ => None,
                        };
                        let (mut verdict, trace) = nov.judge_traced(*v, f);
                        // As AdaptiveDetector: nothing scores while the forecast trains.
                        if f.is_none() || !nov.judges() {
                            verdict.score = 0.0;
                        }
                        let (c, s, dist) = verdict
                            .why
                            .map(|y| (format!("{:?}", y.cause), y.surprise, y.distance))
                            .unwrap_or_default();
                        let o = |x: Option<f64>| x.map(|x| format!("{x}")).unwrap_or_default();
                        write!(w, "{t},{},{c},{s:.3},{dist:.3},{},{},{}", verdict.score, o(p.expected), o(p.lower), o(p.upper)).unwrap();
                        for x in trace {
                            if x.is_nan() { write!(w, ",").unwrap() } else { write!(w, ",{x:.4}").unwrap() }
                        }
                        writeln!(w).unwrap();
                    }
                }
            });
        }
    });
}
