// Per-point cost of the detectors under wasm (Node): the wasm twin of the "simulator" rows
// of `cargo bench --bench detect` (mean ns/point, refits amortised). Given several .wasm
// builds (say before and after a change) it interleaves their runs, since the load of a
// shared machine moves absolute times more than the ratio between builds.
//
// Build (dev-dependencies are compiled for examples; getrandom, under proptest, needs a
// backend named on wasm32; a RUSTFLAGS variable replaces .cargo/config.toml's flags, so the
// page's SIMD is named again):
//   RUSTFLAGS='--cfg getrandom_backend="unsupported" -C target-feature=+simd128' \
//     CARGO_TARGET_DIR=target/wasm-bench \
//     cargo build --release --target wasm32-unknown-unknown --example wasm_detect
// Run: node tests/bench/wasm_detect.mjs [--points N] [--runs R] A.wasm [B.wasm ...]
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cli, instantiate, median } from './wasm_standalone.mjs';

const { args, opt } = cli();
const n = opt('--points', 200000);
const runs = opt('--runs', 7);
const builds = [];
for (const path of args) {
  const instance = await instantiate(path);
  instance.exports.prepare(n);
  builds.push({ name: basename(path), run: instance.exports.run, times: [[], []], flagged: [] });
}
for (let r = 0; r < runs; r++) {
  for (const kind of [0, 1]) {
    for (const b of builds) {
      const t = performance.now();
      b.flagged[kind] = b.run(kind);
      b.times[kind].push(((performance.now() - t) * 1e6) / n);
    }
  }
}
console.log(`| build | detector | points | flagged | mean ns/point (median of ${runs} runs) |`);
console.log('| --- | --- | ---: | ---: | ---: |');
for (const b of builds) {
  for (const [kind, name] of [[0, 'adaptive'], [1, 'band']]) {
    console.log(`| ${b.name} | ${name} | ${n} | ${b.flagged[kind]} | ${median(b.times[kind]).toFixed(0)} |`);
  }
}
