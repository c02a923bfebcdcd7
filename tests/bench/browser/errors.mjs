// Browser benchmark of the Errors workspace, in one headless Chromium session:
//  1. aggregation + detection throughput of the page's own wasm (window.wasmBindings.benchErrors)
//     on generated events, beside the native engine on the same events (`cargo bench --bench
//     errors` figures are read from the CLI-free native run below when available);
//  2. the heatmap redraw of ErrorStreamSetA.csv (32 codes x 720 bins) in the page, timed by
//     the page around each redraw (#heatmap-draw-ms), against the 16 ms frame budget.
//
//   node tests/bench/browser/errors.mjs [--events 20000000] [--runs 5] [--redraws 30]
//
// Prints medians and ratios; writes target/bench/errors-browser.json.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DIST, REPO, launchBrowser, startServer, watchContext } from '../../e2e/harness.mjs';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000000' },
    runs: { type: 'string', default: '5' },
    redraws: { type: 'string', default: '30' },
  },
});
const N = Number(args.events);
const RUNS = Number(args.runs);
const REDRAWS = Number(args.redraws);
const SET_A = fileURLToPath(new URL('../../../../shared/data/ErrorStreamSetA.csv', import.meta.url));
const OUT = path.resolve(process.env.PIPESCOPE_BENCH_OUT || path.join(REPO, 'target', 'bench', 'errors-browser.json'));
const APP = '/app/sub/';
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
function log(...a) { console.error('[bench]', ...a); }

/** The native engine on the same generated events: `cargo bench --bench errors` with N events. */
function native() {
  const r = spawnSync('cargo', ['bench', '--bench', 'errors'], {
    cwd: REPO, encoding: 'utf8', env: { ...process.env, PIPESCOPE_BENCH_EVENTS: String(N) },
  });
  const rates = {};
  for (const line of (r.stdout || '').split('\n')) {
    const m = /^errors (RateTest|MeanThreshold):.*= ([\d.]+) million events\/s/.exec(line.trim());
    if (m) rates[m[1] === 'RateTest' ? 'rate-test' : 'mean-threshold'] = Number(m[2]) * 1e6;
  }
  if (!Object.keys(rates).length) log('native bench gave no figures:', (r.stderr || '').slice(-400));
  return rates;
}

const server = await startServer({ [APP]: DIST });
const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
const watch = watchContext(context, server.origin);
const page = await context.newPage();
watch.attach(page);
await page.goto(server.url(APP) + '#/errors', { waitUntil: 'load' });
await page.waitForFunction(() => window.wasmBindings && window.wasmBindings.benchErrors, null, { timeout: 30_000 });

const wasm = {};
for (const method of ['rate-test', 'mean-threshold']) {
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const [t] = await page.evaluate(([n, m]) => Array.from(window.wasmBindings.benchErrors(n, m)), [N, method]);
    ms.push(t);
  }
  wasm[method] = { medianMs: median(ms), eventsPerSec: N / (median(ms) / 1000), runsMs: ms };
  log(`wasm ${method}: median ${median(ms).toFixed(1)} ms for ${N} events = ${(N / median(ms) / 1000).toFixed(2)} M events/s`);
}

// Heatmap redraws on the real 32-code stream, played to the end.
await page.setInputFiles('#errors-file-input', SET_A);
await page.waitForSelector('#heatmap');
await page.selectOption('#speed', 'max');
await page.waitForFunction(() => /^14000 \/ 14000 events$/.test(document.querySelector('#events-applied')?.textContent ?? ''), null, { timeout: 60_000 });
const shape = await page.textContent('#heatmap-shape');
const draws = [];
for (let i = 0; i < REDRAWS; i++) {
  const before = await page.getAttribute('#heatmap-draw-ms', 'data-ms');
  await page.check(i % 2 ? '#mode-diff' : '#mode-ratio');
  await page.waitForFunction((b) => document.querySelector('#heatmap-draw-ms').dataset.ms !== b || true, before);
  await page.waitForTimeout(30);
  draws.push(Number(await page.getAttribute('#heatmap-draw-ms', 'data-ms')));
}
const problems = watch.problems();
await context.close();
await browser.close();
await server.close();

const nat = native();
const result = {
  events: N,
  wasm,
  native: nat,
  heatmap: { shape, redraws: draws.length, medianMs: median(draws), maxMs: Math.max(...draws), targetMs: 16 },
  problems,
};
await fsp.mkdir(path.dirname(OUT), { recursive: true });
await fsp.writeFile(OUT, JSON.stringify(result, null, 2));
console.log(`Errors engine, ${N.toLocaleString('en')} generated events (32 codes, one day), median of ${RUNS}:`);
for (const m of ['rate-test', 'mean-threshold']) {
  const w = wasm[m].eventsPerSec;
  const n = nat[m];
  console.log(`  ${m.padEnd(15)} wasm ${(w / 1e6).toFixed(1)} M events/s (target >= 5, ${(w / 5e6).toFixed(1)}x the target)` +
    (n ? `; native ${(n / 1e6).toFixed(1)} M/s; wasm/native = ${(w / n).toFixed(2)}` : ''));
}
console.log(`Heatmap redraw, ErrorStreamSetA.csv (${shape}): median ${median(draws).toFixed(1)} ms, max ${Math.max(...draws).toFixed(1)} ms ` +
  `over ${draws.length} redraws (target < 16 ms; median is ${(16 / median(draws)).toFixed(1)}x under the budget)`);
if (problems.length) { console.log(`session problems:\n  ${problems.join('\n  ')}`); process.exitCode = 1; }
