//! Benchmark hooks the browser benchmark calls through `window.wasmBindings`: the engines
//! timed inside the page's own wasm, on generated input, so the figures are those a user
//! gets. Not used by the page itself.

use wasm_bindgen::prelude::*;

use crate::core::errors::{default_bin_seconds, Config, ErrorEngine, Method};
use crate::core::synth;

fn now_ms() -> f64 {
    leptos::prelude::window()
        .performance()
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Aggregation plus detection of `n` generated error events spread over a day, with
/// `method` (`rate-test` or `mean-threshold`); returns the milliseconds the engine took
/// (generation excluded) and the alert count, as `[ms, alerts]`.
#[wasm_bindgen(js_name = benchErrors)]
pub fn bench_errors(n: u32, method: &str) -> Result<Vec<f64>, JsError> {
    let method =
        Method::parse(method).ok_or_else(|| JsError::new("method: rate-test or mean-threshold"))?;
    let events = synth::error_events(u64::from(n), 86_400_000, 42);
    let mut config = Config::new(0, 1, default_bin_seconds(86_400));
    config.method = method;
    let start = now_ms();
    let mut engine = ErrorEngine::new(config).map_err(|e| JsError::new(&e.to_string()))?;
    for e in &events {
        engine.push(*e);
    }
    engine.finish();
    let ms = now_ms() - start;
    Ok(vec![ms, engine.alerts().len() as f64])
}

/// The Monitor's per-point path in the page's wasm: the default simulator's `energy_price`
/// for `ticks` ticks through one causal detector (default settings). Returns `[ms spent on
/// the judged points, judged points, refits]`; training points are pushed but not timed.
#[wasm_bindgen(js_name = benchDetect)]
pub fn bench_detect(ticks: u32) -> Result<Vec<f64>, JsError> {
    use crate::core::detect::{DetectConfig, Detector};
    use crate::core::event::Event;
    use crate::core::simulator::{SimConfig, Simulator};
    let config = SimConfig::default();
    let tick_ms = config.tick_ms;
    let mut sim = Simulator::new(config, 7).map_err(|e| JsError::new(&e.to_string()))?;
    let mut events = Vec::new();
    sim.events_until(i64::from(ticks) * tick_ms, &mut events);
    let values: Vec<(i64, f64)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Metric(m) if m.series == 1 => Some((m.t_ms, m.value)),
            _ => None,
        })
        .collect();
    let mut detector =
        Detector::new(DetectConfig::default()).map_err(|e| JsError::new(&e.to_string()))?;
    let mut i = 0;
    while i < values.len() && !detector.is_trained() {
        detector.push(values[i].0, values[i].1);
        i += 1;
    }
    let start = now_ms();
    let judged = values.len() - i;
    for &(t, v) in &values[i..] {
        detector.push(t, v);
    }
    Ok(vec![
        now_ms() - start,
        judged as f64,
        detector.fits() as f64,
    ])
}

/// One simulator tick through detection and the incident update, in the page's wasm and
/// through the Monitor page's own path (`Feed`: simulator, one detector per metric, history
/// and evaluation windows): the default two metrics for `ticks` ticks. Returns `[mean ms per
/// tick, slowest tick ms, ticks timed, p99.9 ms, ticks with a refit, their mean ms,
/// their slowest ms]` once every metric is judged (browsers coarsen the
/// clock, so the mean is the precise figure and the slowest is rounded to the clock's step).
#[wasm_bindgen(js_name = benchTick)]
pub fn bench_tick(ticks: u32) -> Result<Vec<f64>, JsError> {
    use crate::core::detect::DetectConfig;
    use crate::core::incident::{IncidentConfig, IncidentEngine};
    use crate::core::monitor::Feed;
    use crate::core::simulator::SimConfig;
    let config = SimConfig::default();
    let tick_ms = config.tick_ms;
    let names: Vec<String> = config.metrics.iter().map(|m| m.name.clone()).collect();
    let mut feed =
        Feed::new(config, 7, &DetectConfig::default(), 30_000).map_err(|e| JsError::new(&e))?;
    let mut incidents = IncidentEngine::new(IncidentConfig::default(), names.clone())
        .map_err(|e| JsError::new(&e.to_string()))?;
    let mut evidence = Vec::new();
    let mut times = Vec::new();
    let mut refit_times = Vec::new();
    let fits = |feed: &Feed| feed.tracks.iter().map(|t| t.fits()).sum::<u64>();
    for k in 1..=i64::from(ticks) {
        let t = k * tick_ms;
        let before = fits(&feed);
        let start = now_ms();
        evidence.clear();
        feed.advance(t, &mut evidence);
        for e in &evidence {
            incidents.apply(e);
        }
        incidents.advance_to(t);
        let took = now_ms() - start;
        // Every metric judged this tick: training is over.
        if evidence.len() >= names.len() {
            times.push(took);
            if fits(&feed) > before {
                refit_times.push(took);
            }
        }
    }
    if times.is_empty() {
        return Err(JsError::new("no tick after training: run more ticks"));
    }
    let total: f64 = times.iter().sum();
    let slowest = times.iter().copied().fold(0.0, f64::max);
    let slowest_refit = refit_times.iter().copied().fold(0.0, f64::max);
    let refit_mean = refit_times.iter().sum::<f64>() / refit_times.len().max(1) as f64;
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let p999 = sorted[((sorted.len() - 1) as f64 * 0.999) as usize];
    Ok(vec![
        total / times.len() as f64,
        slowest,
        times.len() as f64,
        p999,
        refit_times.len() as f64,
        refit_mean,
        slowest_refit,
    ])
}
