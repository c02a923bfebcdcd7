// Recovery of the Monitor's journal to a live page (issue 5: 1,000,000 events in under 3 s):
// the default simulator's events judged by the Monitor's fold and journaled into IndexedDB
// through the page's own service, the page reloaded, then open + verify + restore the
// newest checkpoint + judge the events after it, timed inside the page's wasm; with the
// page's checkpoints and without any, side by side. Medians of the runs.
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
// Two journals of the same events: the page's own (a checkpoint of the Monitor's state
// every 100,000 events, so recovery replays only what follows the newest one) and the
// worst case of none (every event replayed into fresh detectors).
const MODES = [['with checkpoints', 'bench-monitor-ckpt', 100_000], ['without checkpoints', 'bench-monitor', 0]];
const results = {};
for (const [label, db, every] of MODES) {
  await ready();
  const [fillMs, stored, checkpoints, ckptMs, stateBytes] = await page.evaluate(([d, n, e]) => window.wasmBindings.benchMonitorFill(d, n, e).then(Array.from), [db, EVENTS, every]);
  console.error(`[bench] ${label}: judged and journaled ${stored} simulator events in ${fillMs.toFixed(0)} ms, ${checkpoints} checkpoints`
    + (checkpoints ? ` taking ${(ckptMs / checkpoints).toFixed(1)} ms each, state ${(stateBytes / 1024).toFixed(0)} KiB` : ''));
  results[label] = { totals: [], parts: [] };
}
for (let i = 0; i < RUNS; i++) {
  // Alternate the two journals run by run, so both see the same machine noise.
  for (const [label, db] of MODES) {
    await ready(); // a reload: nothing in memory, everything from IndexedDB
    const r = await page.evaluate((d) => window.wasmBindings.benchMonitorRecover(d).then(Array.from), db);
    results[label].totals.push(r[0]);
    results[label].parts.push(r);
    console.error(`[bench] ${label} run ${i}: ${r[0].toFixed(0)} ms (open ${r[1].toFixed(0)}, restore ${r[2].toFixed(0)}, replay ${r[3].toFixed(0)}), ${r[4]} events in the state, ${r[6]} replayed, ${r[5]} anomalies`);
  }
}
const problems = watch.problems();
await context.close(); await browser.close(); await server.close();
const medians = {};
for (const [label] of MODES) {
  const { totals, parts } = results[label];
  const m = median(totals);
  const p = parts[totals.indexOf(m)];
  medians[label] = m;
  console.log(`Monitor recovery of ${p[4].toLocaleString('en')} journaled events to a live page ${label}, median of ${RUNS}: ${(m / 1000).toFixed(2)} s (target < 3 s): open ${p[1].toFixed(0)} ms, restore ${p[2].toFixed(0)} ms, replay ${p[6].toLocaleString('en')} events ${p[3].toFixed(0)} ms`);
}
console.log(`checkpoints make recovery ${(medians['without checkpoints'] / medians['with checkpoints']).toFixed(1)}x faster`);
if (problems.length) { console.log(`session problems:\n  ${problems.join('\n  ')}`); process.exitCode = 1; }
