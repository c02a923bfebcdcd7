use pipescope::core::detect::{DetectConfig, Detector};
use pipescope::core::rng::SplitMix64;
fn main() {
    let step: i64 = std::env::args().nth(1).unwrap().parse().unwrap();
    let seed: u64 = std::env::args().nth(2).map_or(1, |s| s.parse().unwrap());
    let mut rng = SplitMix64::new(seed);
    let mut d = Detector::new(DetectConfig::default()).unwrap();
    let fault_len = (600_000 / step).max(1) as usize;
    for i in 0..3000 + fault_len + 50 {
        let t = i as i64 * step;
        let mut v = 100.0 + 3.0 * (i as f64 * std::f64::consts::TAU / 200.0).sin() + rng.normal();
        if i >= 3000 && i < 3000 + fault_len {
            v += 12.0;
        }
        let p = d.push(t, v);
        if i == 2999 {
            println!(
                "periods {:?} fits {}",
                d.model().map(|m| m
                    .seasonalities()
                    .iter()
                    .map(|s| s.period_s)
                    .collect::<Vec<_>>()),
                d.fits()
            );
        }
        let lo: usize = std::env::args().nth(3).map_or(2998, |s| s.parse().unwrap());
        let hi: usize = std::env::args().nth(4).map_or(3010, |s| s.parse().unwrap());
        if i >= lo && i < hi && (p.anomaly || std::env::var("ALL").is_ok()) {
            println!(
                "{i} v={v:.1} score={:.3} anom={} why={:?} exp={:?}",
                p.score,
                p.anomaly,
                p.why.map(|w| (
                    w.cause,
                    (w.surprise * 100.0).round() / 100.0,
                    (w.distance * 100.0).round() / 100.0
                )),
                p.expected.map(|e| (e * 10.0).round() / 10.0)
            );
        }
    }
}
