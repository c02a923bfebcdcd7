// Included by tests/bench/rules.rs and examples/wasm_rules.rs: one rule set and stream for
// the native and the wasm figure.

/// Rules in the benchmark.
const RULES: usize = 100;

/// 100 rules, each on every metric, a mix of every metric condition.
fn rules() -> String {
    let mut text = String::from("version: 1\nrules:\n");
    for i in 0..RULES {
        let k = i as f64;
        let condition = match i % 10 {
            0 | 1 => format!(
                "above: {}, for: 10s, recover: {}",
                300.0 + 5.0 * k,
                250.0 + 5.0 * k
            ),
            2 | 3 => format!("below: {}, for: 6s", 20.0 + k),
            4 => format!("outside: {{min: {}, max: {}}}", 5.0 + k, 600.0 + k),
            5 | 6 => format!("rate: {{window: 1m, above: {}}}", 2.0 + k / 20.0),
            7 => format!("rate: {{window: 30s, below: -{}}}", 3.0 + k / 20.0),
            8 => format!("absent: {}s", 10 + i),
            _ => format!("score_above: {}, for: 4s", 0.9 + k / 2000.0),
        };
        text += &format!("  - {{name: rule {i}, metric: '*', {condition}}}\n");
    }
    text
}

/// The default simulator's metric names and `ticks` ticks of (t, series, value, score).
fn stream(ticks: i64) -> (Vec<String>, Vec<(i64, u32, f64, f64)>) {
    use pipescope::core::simulator::{SimConfig, Simulator};
    let sim = Simulator::new(SimConfig::default(), 7).unwrap();
    let names = sim.names();
    let series = names.len() as u32;
    let points = (0..ticks)
        .flat_map(|i| {
            let t = i * 2000;
            let sim = &sim;
            (0..series).map(move |s| {
                let v = sim.value_at(s, t).unwrap_or(f64::NAN);
                // A detector-like score: mostly low, now and then high.
                let score = ((i * 7919 + i64::from(s) * 104_729) % 1000) as f64 / 1000.0;
                (t, s, v, score)
            })
        })
        .collect();
    (names, points)
}
