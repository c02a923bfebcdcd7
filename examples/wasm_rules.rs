//! Per-point cost of the rule evaluator under wasm, for `tests/bench/wasm_rules.mjs` (a
//! plain cdylib like examples/wasm_detect.rs: two exports, Node times `run`). The rules
//! and stream are the native bench's (tests/bench/rules.rs).

use std::cell::RefCell;
use std::hint::black_box;

use pipescope::core::rules::{parse, Format, RuleEngine};

include!("../tests/bench/rules_set.rs");

type Points = (Vec<String>, Vec<(i64, u32, f64, f64)>);

thread_local! {
    static STREAM: RefCell<Points> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// Builds `ticks` ticks of the stream (not timed); returns the points.
#[no_mangle]
pub extern "C" fn prepare(ticks: u32) -> u32 {
    let s = stream(i64::from(ticks));
    let n = s.1.len() as u32;
    STREAM.with(|c| *c.borrow_mut() = s);
    n
}

/// Runs the stream through a fresh evaluator of the 100 rules; returns the firings.
#[no_mangle]
pub extern "C" fn run() -> u32 {
    let file = parse(&rules(), Format::Yaml).expect("the bench rules parse");
    STREAM.with(|c| {
        let (names, points) = &*c.borrow();
        let mut engine = RuleEngine::new(file.rules, names.clone());
        let mut out = Vec::new();
        let mut fired = 0;
        for &(t, s, v, score) in points {
            engine.observe(t, s, v, Some(score), &mut out);
            if out.len() > 1024 {
                fired += out.iter().filter(|o| o.firing).count();
                out.clear();
            }
        }
        black_box(&engine);
        (fired + out.iter().filter(|o| o.firing).count()) as u32
    })
}

/// Rules in the run.
#[no_mangle]
pub extern "C" fn rules_count() -> u32 {
    RULES as u32
}
