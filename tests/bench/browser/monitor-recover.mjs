// Recovery of the Monitor's journal to a live page (issue 5: 1,000,000 events in under 3 s):
// the default simulator's events journaled into IndexedDB through the page's own service,
// the page reloaded, then open + verify + collect + replay into the Monitor's detectors and
// incident book, timed inside the page's wasm. Median of the runs.
//
//   node tests/bench/browser/monitor-recover.mjs [--events 1000000] [--runs 3]
import { DIST, launchBrowser, startServer, watchContext } from '../../e2e/harness.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const EVENTS = arg('events', 1_000_000);
const RUNS = arg('runs', 3);
const APP = '/bench/';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await startServer({ [APP]: DIST });
const browser = await launchBrowser();
const context = await browser.newContext();
const watch = watchContext(context, server.origin);
const page = await context.newPage();
watch.attach(page);
const url = server.url(APP) + "#/errors";
const ready = async () => {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.wasmBindings?.benchMonitorRecover, null, { timeout: 30_000 });
};
await ready();
const [fillMs, stored] = await page.evaluate(([db, n]) => window.wasmBindings.benchMonitorFill(db, n).then(Array.from), ['bench-monitor', EVENTS]);
console.error(`[bench] journaled ${stored} simulator events in ${fillMs.toFixed(0)} ms`);
const totals = [];
const parts = [];
for (let i = 0; i < RUNS; i++) {
  await ready(); // a reload: nothing in memory, everything from IndexedDB
  const r = await page.evaluate((db) => window.wasmBindings.benchMonitorRecover(db).then(Array.from), 'bench-monitor');
  totals.push(r[0]);
  parts.push(r);
  console.error(`[bench] run ${i}: ${r[0].toFixed(0)} ms (open ${r[1].toFixed(0)}, collect ${r[2].toFixed(0)}, replay into detectors ${r[3].toFixed(0)}), ${r[4]} events, ${r[5]} anomalies`);
}
const problems = watch.problems();
await context.close(); await browser.close(); await server.close();
const m = median(totals);
const p = parts[totals.indexOf(m)];
console.log(`Monitor recovery of ${p[4].toLocaleString('en')} journaled events to a live page, median of ${RUNS}: ${(m / 1000).toFixed(2)} s (target < 3 s): open ${p[1].toFixed(0)} ms, collect ${p[2].toFixed(0)} ms, replay into the detectors ${p[3].toFixed(0)} ms`);
if (problems.length) { console.log(`session problems:\n  ${problems.join('\n  ')}`); process.exitCode = 1; }
