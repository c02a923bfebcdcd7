// Browser benchmark of the Monitor path, in the page's own wasm (window.wasmBindings):
//  - per-point causal detection (target < 10 µs), beside the native figure of
//    `cargo bench --bench detect` (target < 2 µs);
//  - one simulator tick through detection and the incident update (target < 1 ms).
//
//   node tests/bench/browser/monitor.mjs [--ticks 100000] [--runs 5]
import path from 'node:path';
import fsp from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DIST, REPO, launchBrowser, startServer, watchContext } from '../../e2e/harness.mjs';

const { values: args } = parseArgs({ options: { ticks: { type: 'string', default: '100000' }, runs: { type: 'string', default: '5' } } });
const TICKS = Number(args.ticks);
const RUNS = Number(args.runs);
const APP = '/app/sub/';
const OUT = path.join(REPO, 'target', 'bench', 'monitor-browser.json');
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const server = await startServer({ [APP]: DIST });
const browser = await launchBrowser();
const context = await browser.newContext();
const watch = watchContext(context, server.origin);
const page = await context.newPage();
watch.attach(page);
await page.goto(server.url(APP) + '#/monitor', { waitUntil: 'load' });
await page.waitForFunction(() => window.wasmBindings && window.wasmBindings.benchDetect, null, { timeout: 30_000 });

const perPoint = [];
const perTick = [];
const slowest = [];
const tickP999 = [];
const refitMeans = [];
const refitSlowest = [];
for (let i = 0; i < RUNS; i++) {
  const [ms, judged, fits] = await page.evaluate((n) => Array.from(window.wasmBindings.benchDetect(n)), TICKS);
  perPoint.push((ms * 1000) / judged);
  const [mean, worst, , p999, refitTicks, refitMean, refitWorst] = await page.evaluate((n) => Array.from(window.wasmBindings.benchTick(n)), Math.min(TICKS, 20000));
  perTick.push(mean);
  slowest.push(worst);
  tickP999.push(p999);
  refitMeans.push(refitMean);
  refitSlowest.push(refitWorst);
  console.error(`[bench] run ${i}: ${(ms * 1000 / judged).toFixed(2)} µs/point over ${judged} points (${fits} refits); tick mean ${(mean * 1000).toFixed(1)} µs, p99.9 ${p999.toFixed(2)} ms, slowest ${worst.toFixed(2)} ms; ${refitTicks} ticks with a refit: mean ${refitMean.toFixed(3)} ms, slowest ${refitWorst.toFixed(2)} ms`);
}
const problems = watch.problems();
await context.close(); await browser.close(); await server.close();
const result = { ticks: TICKS, perPointUs: median(perPoint), tickMeanMs: median(perTick), tickSlowestMs: Math.max(...slowest), tickP999Ms: median(tickP999), refitTickMeanMs: median(refitMeans), refitTickSlowestMs: Math.max(...refitSlowest), problems };
await fsp.mkdir(path.dirname(OUT), { recursive: true });
await fsp.writeFile(OUT, JSON.stringify(result, null, 2));
console.log(`Monitor path in wasm, default simulator, median of ${RUNS}:`);
console.log(`  detection: ${median(perPoint).toFixed(2)} µs per point, refits amortised (target < 10 µs; ${(10 / median(perPoint)).toFixed(1)}x under)`);
console.log(`  one tick (2 metrics: simulate, detect, incident update): mean ${(median(perTick) * 1000).toFixed(1)} µs, p99.9 ${median(tickP999).toFixed(2)} ms, slowest ${Math.max(...slowest).toFixed(2)} ms (target < 1 ms)`);
console.log(`  ticks that refit a model: mean ${median(refitMeans).toFixed(3)} ms, slowest ${Math.max(...refitSlowest).toFixed(2)} ms`);
if (problems.length) { console.log(`session problems:\n  ${problems.join('\n  ')}`); process.exitCode = 1; }
