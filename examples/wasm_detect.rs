//! Per-point cost of the causal detectors under wasm, for `tests/bench/wasm_detect.mjs`
//! (built for wasm32-unknown-unknown as a plain cdylib: no bindings, two exports; Node
//! times `run`). Natively it is an empty library.
//!
//! The stream is the native bench's simulator stream (tests/bench/detect.rs): 2 s ticks,
//! a 60 s triangle cycle, noise and a spike one point in 500.

use std::cell::RefCell;
use std::hint::black_box;

use pipescope::core::detect::{DetectConfig, Detector, DetectorKind};
use pipescope::core::rng::SplitMix64;

thread_local! {
    static STREAM: RefCell<Vec<(i64, f64)>> = const { RefCell::new(Vec::new()) };
}

/// Builds the stream of `n` points (not timed).
#[no_mangle]
pub extern "C" fn prepare(n: u32) {
    let mut rng = SplitMix64::new(2);
    let s = (0..n as usize)
        .map(|i| {
            let t_ms = i as i64 * 2000;
            let ph = (t_ms % 60_000) as f64 / 60_000.0;
            let tri = if ph < 0.5 { ph * 2.0 } else { 2.0 - ph * 2.0 };
            let mut v = 1.0 + 499.0 * tri + 10.0 * rng.normal();
            if rng.below(500) == 0 {
                v += 400.0;
            }
            (t_ms, v)
        })
        .collect();
    STREAM.with(|c| *c.borrow_mut() = s);
}

/// Pushes the stream through a fresh detector (0 adaptive, 1 band); returns the points
/// flagged, so the work cannot be optimised away.
#[no_mangle]
pub extern "C" fn run(kind: u32) -> u32 {
    let kind = if kind == 0 {
        DetectorKind::Adaptive
    } else {
        DetectorKind::Band
    };
    let config = DetectConfig {
        kind,
        ..DetectConfig::default()
    };
    let mut d = Detector::new(config).expect("config");
    STREAM.with(|c| {
        c.borrow()
            .iter()
            .map(|&(t, v)| black_box(d.push(t, v)).anomaly as u32)
            .sum()
    })
}
