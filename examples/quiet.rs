//! EXPERIMENT harness (not shipped): the cadence section's clean series (and faults) at
//! several steps, with the flags broken down by cause and the false incidents per week.
//!
//! `cargo run --release --example quiet -- [clean|faults|all] [steps_ms,...|daily]`
//! Default: all, at 1000,10000,15000,60000,300000 and daily.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use pipescope::core::detect::{Cause, Point};
use pipescope::core::quality::cadence::{self, CadenceConfig};
use pipescope::core::quality::report::incident_config;
use pipescope::core::quality::{
    run_detector, run_incidents, score_points, LabelledSeries, ScoreConfig, SeriesScore,
};

struct Out {
    score: SeriesScore,
    by_cause: BTreeMap<&'static str, usize>,
    /// flagged points whose previous point was flagged too
    runs: Vec<usize>,
}

fn run(series: &[LabelledSeries]) -> Vec<Out> {
    let only = std::env::var("ONLY").ok();
    let series: Vec<LabelledSeries> = series
        .iter()
        .filter(|s| only.as_ref().is_none_or(|o| s.name.contains(o.as_str())))
        .cloned()
        .collect();
    let series = &series[..];
    let threads = std::env::var("THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2usize);
    let next = AtomicUsize::new(0);
    let mut all: Vec<(usize, Out)> = std::thread::scope(|s| {
        let ws: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(one) = series.get(i) else { break };
                        let points: Vec<Point> = run_detector(one).unwrap();
                        let inc = run_incidents(&points, &incident_config(), &one.group).unwrap();
                        let score = score_points(one, &points, &inc, &ScoreConfig::default());
                        let mut by_cause = BTreeMap::new();
                        let mut runs = Vec::new();
                        let mut run = 0;
                        for p in &points {
                            if p.anomaly {
                                let c = p.why.map_or("none", |w| match w.cause {
                                    Cause::Range => "range",
                                    Cause::Shape => "shape",
                                    Cause::Forecast => "forecast",
                                });
                                *by_cause.entry(c).or_insert(0) += 1;
                                run += 1;
                            } else if run > 0 {
                                runs.push(run);
                                run = 0;
                            }
                        }
                        if std::env::var("BUCKETS").is_ok() && one.windows.is_empty() {
                            let b = 4000;
                            let v: Vec<usize> = points.chunks(b).map(|c| c.iter().filter(|p| p.anomaly).count()).collect();
                            eprintln!("{} {:?}", one.name, v);
                        }
                        if std::env::var("DUMP").is_ok() && (one.windows.is_empty() || std::env::var("DUMPF").is_ok()) {
                            for &t in &score.false_incident_ms {
                                eprintln!("{} false incident at {} s", one.name, t / 1000);
                                let k = points.partition_point(|p| p.t_ms < t);
                                for p in &points[k.saturating_sub(40)..(k + 3).min(points.len())] {
                                    if p.anomaly || std::env::var("DUMPALL").is_ok() {
                                        eprintln!(
                                            "   t={} v={:.4} exp={:.4?} [{:.4?},{:.4?}] an={} why={:?}",
                                            p.t_ms / 1000,
                                            p.value,
                                            p.expected,
                                            p.lower,
                                            p.upper,
                                            p.anomaly as u8,
                                            p.why.map(|w| (w.cause.name(), (w.surprise * 100.0).round() / 100.0, (w.distance * 100.0).round() / 100.0))
                                        );
                                    }
                                }
                            }
                        }
                        if let Ok(want) = std::env::var("FDUMP") {
                            if !one.windows.is_empty() && one.name.contains(&want) {
                                for (k, w) in score.windows.iter().enumerate() {
                                    if w.incident_delay_steps.is_some_and(|d| d <= 5.0) && std::env::var("FALL").is_err() {
                                        continue;
                                    }
                                    eprintln!("{} window {k} start {} s delay {:?} inc {:?}", one.name, w.window.start_ms / 1000, w.delay_steps, w.incident_delay_steps);
                                    let a = points.partition_point(|p| p.t_ms < w.window.start_ms);
                                    let flen: usize = std::env::var("FLEN").ok().and_then(|s| s.parse().ok()).unwrap_or(12);
                                    for p in &points[a.saturating_sub(3)..(a + flen).min(points.len())] {
                                        eprintln!(
                                            "   t={} v={:.4} exp={:.4?} an={} sc={:.2} why={:?}",
                                            p.t_ms / 1000, p.value, p.expected, p.anomaly as u8, p.score,
                                            p.why.map(|w| (w.cause.name(), (w.surprise * 100.0).round() / 100.0, (w.distance * 100.0).round() / 100.0))
                                        );
                                    }
                                }
                            }
                        }
                        out.push((i, Out { score, by_cause, runs }));
                    }
                    out
                })
            })
            .collect();
        ws.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    all.sort_by_key(|a| a.0);
    all.into_iter().map(|a| a.1).collect()
}

fn clean_line(label: &str, outs: &[Out]) {
    let judged: usize = outs.iter().map(|o| o.score.judged_points).sum();
    let flagged: usize = outs.iter().map(|o| o.score.flagged_points).sum();
    let ms: i64 = outs.iter().map(|o| o.score.judged_ms).sum();
    let inc: usize = outs.iter().map(|o| o.score.incidents).sum();
    let mut causes: BTreeMap<&str, usize> = BTreeMap::new();
    for o in outs {
        for (k, v) in &o.by_cause {
            *causes.entry(k).or_insert(0) += v;
        }
    }
    let mut hist = [0usize; 6];
    for o in outs {
        for &r in &o.runs {
            hist[(r - 1).min(5)] += 1;
        }
    }
    println!(
        "CLEAN {label:>6}: judged {judged:>7} flagged {flagged:>5} ({:.2}%) incidents {inc:>4} = {:.2}/week  causes {:?} runs1..6+ {:?}",
        100.0 * flagged as f64 / judged.max(1) as f64,
        inc as f64 * cadence::WEEK_MS as f64 / ms.max(1) as f64,
        causes,
        hist
    );
    let mut per: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for o in outs {
        let e = per.entry(o.score.group.clone()).or_default();
        e.0 += o.score.judged_points;
        e.1 += o.score.flagged_points;
        e.2 += o.score.incidents;
    }
    for (g, (j, f, i)) in per {
        println!(
            "        {g:>20}: {:.2}% incidents {i}",
            100.0 * f as f64 / j.max(1) as f64
        );
    }
}

fn fault_lines(step: i64, outs: &[Out]) {
    for (kind, _) in cadence::faults() {
        let own: Vec<&Out> = outs
            .iter()
            .filter(|o| {
                !o.score.windows.is_empty() && o.score.windows.iter().all(|w| w.window.kind == kind)
            })
            .collect();
        let mut first_ok = 0;
        let mut first_n = 0;
        let mut later_ok = 0;
        let mut later_n = 0;
        let mut opened = 0;
        let mut detected = 0;
        let mut delays = Vec::new();
        for o in &own {
            for (k, w) in o.score.windows.iter().enumerate() {
                let ok = w.incident_delay_steps.is_some_and(|d| d <= 5.0);
                if k == 0 {
                    first_n += 1;
                    first_ok += ok as usize;
                } else {
                    later_n += 1;
                    later_ok += ok as usize;
                }
                opened += w.incident_opened as usize;
                detected += w.detected() as usize;
                if let Some(d) = w.incident_delay_steps {
                    delays.push(d);
                }
            }
        }
        delays.sort_by(f64::total_cmp);
        let other: usize = own.iter().map(|o| o.score.false_incidents).sum();
        println!(
            "FAULT {:>6} {:<16} detected {detected:>2} opened {opened:>2} in5: first {first_ok}/{first_n} later {later_ok}/{later_n}  maxdelay {:?} other {other}",
            cadence::step_name(step),
            kind.name(),
            delays.last(),
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map_or("all", |s| s.as_str()).to_string();
    let steps: Vec<String> = args
        .get(2)
        .map_or("1000,10000,15000,60000,300000,daily".to_string(), |s| {
            s.clone()
        })
        .split(',')
        .map(str::to_string)
        .collect();
    let config = CadenceConfig::default();
    let t0 = std::time::Instant::now();
    for s in &steps {
        if s == "daily" {
            if what != "faults" {
                let outs = run(&cadence::daily_series(&config));
                clean_line("daily", &outs);
            }
            continue;
        }
        let step: i64 = s.parse().unwrap();
        if what != "faults" {
            let outs = run(&cadence::clean_series(step, &config));
            clean_line(&cadence::step_name(step), &outs);
        }
        if what != "clean" {
            let outs = run(&cadence::faulty_series(step, &config));
            fault_lines(step, &outs);
        }
        eprintln!("  [{:.0} s]", t0.elapsed().as_secs_f64());
    }
}
