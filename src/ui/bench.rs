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
