// Browser benchmark of the write-ahead journal in IndexedDB, in one headless Chromium
// session on the release page (window.wasmBindings, src/ui/bench_journal.rs):
//  (a) sustained append throughput through the real JournalService into IndexedDB: batches
//      of --batch generated error events, the main thread handed back after each batch as a
//      page's frame or tick would, timed until the last event is on disk; the longest
//      main-thread task meanwhile (PerformanceObserver 'longtask') and the frames painted;
//  (b) recovery of a --recover-events journal (default 1,000,000) after a page reload:
//      take the lock, load every segment out of IndexedDB, verify (Journal::open), replay
//      into core::errors::ErrorEngine via restore. Then the same after a checkpoint.
//
//   node tests/bench/browser/journal.mjs [--events 1000000] [--batch 10000] [--runs 3]
//        [--recover-events 1000000] [--recover-runs 3]
//
// Prints medians; writes target/bench/journal-browser.json.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DIST, REPO, launchBrowser, startServer, watchContext } from '../../e2e/harness.mjs';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '10000' },
    'small-batch': { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
    'recover-events': { type: 'string', default: '1000000' },
    'recover-runs': { type: 'string', default: '3' },
  },
});
const N = Number(args.events);
const BATCH = Number(args.batch);
const SMALL_BATCH = Number(args['small-batch']);
const RUNS = Number(args.runs);
const RN = Number(args['recover-events']);
const RRUNS = Number(args['recover-runs']);
const APP = '/app/sub/';
const OUT = path.join(REPO, 'target', 'bench', 'journal-browser.json');
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const log = (...a) => console.error('[bench]', ...a);

const server = await startServer({ [APP]: DIST });
const browser = await launchBrowser();
const context = await browser.newContext();
const watch = watchContext(context, server.origin);
const page = await context.newPage();
watch.attach(page);

async function load() {
  await page.goto(server.url(APP) + '#/errors', { waitUntil: 'load' });
  await page.waitForFunction(() => window.wasmBindings && window.wasmBindings.benchJournalAppend, null, { timeout: 30_000 });
}

/** One append run, with a long-task observer and a frame counter around it. */
async function appendRun(db, n, batch) {
  return page.evaluate(async ([db, n, batch]) => {
    const tasks = [];
    const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push(e); });
    obs.observe({ type: 'longtask', buffered: false });
    let frames = 0;
    let running = true;
    const tick = () => { frames++; if (running) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    const t0 = performance.now();
    const [ms, events, flushes, bytes, slowestAppend, start] = Array.from(await window.wasmBindings.benchJournalAppend(db, n, batch));
    const wall = performance.now() - t0;
    running = false;
    await new Promise((r) => setTimeout(r, 50));
    obs.disconnect();
    // Long tasks of the timed appends only; set-up (delete, open, generate) is reported apart.
    const timed = tasks.filter((e) => e.startTime + e.duration > start);
    const setup = tasks.filter((e) => e.startTime + e.duration <= start);
    return {
      ms, events, flushes, bytes, slowestAppend, frames, wallMs: wall,
      longestTaskMs: Math.max(0, ...timed.map((e) => e.duration)), longTasks: timed.length,
      setupLongestTaskMs: Math.max(0, ...setup.map((e) => e.duration)),
    };
  }, [db, n, batch]);
}

await load();
const appendResults = {};
for (const batch of [BATCH, SMALL_BATCH]) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await appendRun('pipescope-bench-append', N, batch);
    runs.push(r);
    log(`append batch ${batch} run ${i}: ${r.events} events in ${r.ms.toFixed(0)} ms = ${(r.events / r.ms * 1000 / 1e3).toFixed(0)} k events/s; ${r.flushes} flushes, ${(r.bytes / 1e6).toFixed(1)} MB; slowest append ${r.slowestAppend.toFixed(1)} ms; longest task ${r.longestTaskMs.toFixed(0)} ms (${r.longTasks} long tasks; set-up ${r.setupLongestTaskMs.toFixed(0)} ms); ${r.frames} frames`);
  }
  const rates = runs.map((r) => r.events / (r.ms / 1000));
  appendResults[batch] = {
    eventsPerSec: median(rates),
    medianMs: median(runs.map((r) => r.ms)),
    longestTaskMs: Math.max(...runs.map((r) => r.longestTaskMs)),
    slowestAppendMs: Math.max(...runs.map((r) => r.slowestAppend)),
    flushes: median(runs.map((r) => r.flushes)),
    fps: median(runs.map((r) => r.frames / (r.wallMs / 1000))),
    runs,
  };
}

// Recovery: fill a journal once, then reload the page before each recovery (fresh wasm).
const RDB = 'pipescope-bench-recover';
const fill = await appendRun(RDB, RN, BATCH);
log(`filled ${RDB}: ${fill.events} events, ${(fill.bytes / 1e6).toFixed(1)} MB in ${fill.flushes} flushes`);
async function recoverRuns(label) {
  const runs = [];
  for (let i = 0; i < RRUNS; i++) {
    await load();
    const [total, connect, loadMs, verify, restore, events, replayed, checkpoint] =
      await page.evaluate((db) => window.wasmBindings.benchJournalRecover(db).then((a) => Array.from(a)), RDB);
    runs.push({ total, connect, load: loadMs, verify, restore, events, replayed, checkpoint });
    log(`recover ${label} run ${i}: ${total.toFixed(0)} ms (connect ${connect.toFixed(0)}, load ${loadMs.toFixed(0)}, verify ${verify.toFixed(0)}, restore ${restore.toFixed(0)}); ${events} events, ${replayed} replayed`);
  }
  const ev = runs[0].events;
  if (runs.some((r) => r.events !== ev)) throw new Error('recoveries disagree on the event count');
  return {
    medianMs: median(runs.map((r) => r.total)),
    phases: Object.fromEntries(['connect', 'load', 'verify', 'restore'].map((k) => [k, median(runs.map((r) => r[k]))])),
    events: ev,
    replayed: runs[0].replayed,
    runs,
  };
}
const recoverFull = await recoverRuns('full replay');
await load();
const [cpMs, cpSeq] = await page.evaluate((db) => window.wasmBindings.benchJournalCheckpoint(db).then((a) => Array.from(a)), RDB);
log(`checkpoint at record ${cpSeq} in ${cpMs.toFixed(0)} ms`);
const recoverCp = await recoverRuns('from checkpoint');

const problems = watch.problems();
await context.close();
await browser.close();
await server.close();

const result = { events: N, append: appendResults, recoverEvents: RN, recoverFull, checkpointMs: cpMs, recoverFromCheckpoint: recoverCp, problems };
await fsp.mkdir(path.dirname(OUT), { recursive: true });
await fsp.writeFile(OUT, JSON.stringify(result, null, 2));

console.log(`Journal in IndexedDB, Chromium, median of ${RUNS} (append) / ${RRUNS} (recovery):`);
for (const [batch, a] of Object.entries(appendResults)) {
  console.log(`  append ${N.toLocaleString('en')} events, ${Number(batch).toLocaleString('en')} per batch: ${(a.eventsPerSec / 1e3).toFixed(0)} k events/s until on disk ` +
    `(target >= 200 k; ${(a.eventsPerSec / 2e5).toFixed(1)}x), ${a.flushes} flushes; longest main-thread task ${a.longestTaskMs.toFixed(0)} ms, ` +
    `slowest append call ${a.slowestAppendMs.toFixed(1)} ms, ${a.fps.toFixed(0)} frames/s`);
}
for (const [label, r] of [['full replay', recoverFull], ['after a checkpoint', recoverCp]]) {
  console.log(`  recover ${r.events.toLocaleString('en')} events (${label}, ${r.replayed.toLocaleString('en')} replayed): ${r.medianMs.toFixed(0)} ms ` +
    `(target < 3000; connect ${r.phases.connect.toFixed(0)}, load ${r.phases.load.toFixed(0)}, verify ${r.phases.verify.toFixed(0)}, restore ${r.phases.restore.toFixed(0)})`);
}
if (problems.length) { console.log(`session problems:\n  ${problems.join('\n  ')}`); process.exitCode = 1; }
