// Per-point cost of the detectors under wasm (Node): the wasm twin of the "simulator" rows
// of `cargo bench --bench detect` (mean ns/point, refits amortised). Given several .wasm
// builds (say before and after a change) it interleaves their runs, since the load of a
// shared machine moves absolute times more than the ratio between builds.
//
// Build (dev-dependencies are compiled for examples; getrandom, under proptest, needs a
// backend named on wasm32):
//   RUSTFLAGS='--cfg getrandom_backend="unsupported"' CARGO_TARGET_DIR=target/wasm-bench \
//     cargo build --release --target wasm32-unknown-unknown --example wasm_detect
// Run: node tests/bench/wasm_detect.mjs [--points N] [--runs R] A.wasm [B.wasm ...]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : Number(args.splice(i, 2)[1]);
};
const n = opt('--points', 200000);
const runs = opt('--runs', 7);
const builds = [];
for (const path of args) {
  const bytes = readFileSync(path);
  // Nothing the bench calls imports from JS; stub whatever the linked crates declare.
  const imports = {};
  for (const imp of WebAssembly.Module.imports(new WebAssembly.Module(bytes))) {
    imports[imp.module] ??= {};
    imports[imp.module][imp.name] = () => {
      throw new Error(`unexpected import ${imp.module}.${imp.name}`);
    };
  }
  const { instance } = await WebAssembly.instantiate(bytes, imports);
  instance.exports.prepare(n);
  builds.push({ name: basename(path), run: instance.exports.run, times: [[], []], flagged: [] });
}
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
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
