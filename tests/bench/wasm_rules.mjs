// Per-point-per-rule cost of the rule evaluator under wasm (Node): the wasm twin of
// `cargo bench --bench rules` (issue 16: under 2 µs per point per rule in wasm).
//
// Build (as for wasm_detect.mjs):
//   RUSTFLAGS='--cfg getrandom_backend="unsupported" -C target-feature=+simd128' \
//     CARGO_TARGET_DIR=target/wasm-bench \
//     cargo build --release --target wasm32-unknown-unknown --example wasm_rules
// Run: node tests/bench/wasm_rules.mjs [--ticks N] [--runs R] target/wasm-bench/wasm32-unknown-unknown/release/examples/wasm_rules.wasm
import { performance } from 'node:perf_hooks';
import { cli, instantiate, median as medianOf } from './wasm_standalone.mjs';

const { args, opt } = cli();
const ticks = opt('--ticks', 100000);
const runs = opt('--runs', 7);
const instance = await instantiate(args[0]);
const points = instance.exports.prepare(ticks);
const rules = instance.exports.rules_count();
const times = [];
let fired = 0;
for (let r = 0; r < runs; r++) {
  const start = performance.now();
  fired = instance.exports.run();
  times.push(((performance.now() - start) * 1e6) / points);
}
const median = medianOf(times);
console.log(`rules (wasm): ${rules} rules on every metric, ${points} points`);
console.log(`  per point:          ${median.toFixed(1).padStart(9)} ns (median of ${runs} runs)`);
console.log(`  per point per rule: ${(median / rules).toFixed(2).padStart(9)} ns (target < 2000 ns)`);
console.log(`  rule firings:       ${String(fired).padStart(9)}`);
