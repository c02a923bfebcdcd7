//! EXPERIMENT harness (not shipped): run the adaptive detector over every NAB file in-process
//! and write OUT/<rel>.csv with `timestamp,anomaly_score,cause,surprise,distance`.
use std::io::Write;

use pipescope::core::detect::novelty::Tuning;
use pipescope::core::detect::{AdaptiveDetector, DetectConfig, Judge};
use pipescope::core::source::TimeCells;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (data, out) = (&args[1], &args[2]);
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
    std::thread::scope(|sc| {
        for chunk in files.chunks(files.len().div_ceil(2)) {
            let tuning = tuning.clone();
            sc.spawn(move || {
                for f in chunk {
                    let text = std::fs::read_to_string(f).unwrap();
                    let rel = f.strip_prefix(data).unwrap();
                    let dst = std::path::Path::new(out).join(rel);
                    std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
                    let mut w = std::io::BufWriter::new(std::fs::File::create(&dst).unwrap());
                    writeln!(w, "timestamp,anomaly_score,cause,surprise,distance").unwrap();
                    let mut d =
                        AdaptiveDetector::with_tuning(DetectConfig::default(), tuning.clone())
                            .unwrap();
                    let mut tc = None;
                    for line in text.lines().skip(1) {
                        let (ts, v) = line.split_once(',').unwrap();
                        let tc = *tc.get_or_insert_with(|| TimeCells::detect(ts));
                        let t_ms = tc.parse_ms(ts).unwrap();
                        let v: f64 = v.trim().parse().unwrap_or(f64::NAN);
                        let p = d.push(t_ms, v);
                        let (c, s, dist) = p
                            .why
                            .map(|y| (format!("{:?}", y.cause), y.surprise, y.distance))
                            .unwrap_or_default();
                        writeln!(w, "{ts},{},{c},{s:.3},{dist:.3}", p.score).unwrap();
                    }
                }
            });
        }
    });
}
