// Browser benchmark of the Monitor's live Prometheus source, against the issue's targets,
// on the release page in dist/ and Debian's Prometheus (as tests/e2e/prom.mjs runs it):
//  1. backfill: 7 days of one series at a 60 s step (10,081 points, history written with
//     promtool) — from the click on Connect to the first judged live point: #prom-status
//     [data-state=live] and the Monitor's judged clock #monitor-clock[data-ms] at the newest
//     sample the page asked for. Target < 3 s. A fresh browser context (empty IndexedDB)
//     per run; median of --runs.
//  2. poll cycle: 50 series (one query, a `series` label) at a 1 s step, live: the
//     main-thread time of each poll → judge → draw cycle, as Chromium's own count
//     (CDP Performance.getMetrics, TaskDuration) between one judged poll and the next.
//     Target < 50 ms. Median and p95 over --polls cycles.
// One test exporter serves all 51 gauges; one Prometheus scrapes it every second, with the
// history backfilled by promtool. The page reaches Prometheus through a same-origin proxy.
//
//   node tests/bench/browser/live.mjs [--runs 5] [--polls 30] [--series 50] [--days 7]
//        [--via form|link] [--profile]
//
// `--via link` loads the shareable link (#/monitor?prom=…) instead of pressing Connect
// (needs a dist/ built with it), timed from navigation start (wasm load included).
// `--profile` samples the page's main thread (CDP Profiler) over the polls and prints the
// functions with the most self time (the sampling slows the cycles a little).
// Prints a markdown table; writes target/bench/live-browser.json.
import { spawn, execFile } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { DIST, REPO, launchBrowser, startServer, watchContext } from '../../e2e/harness.mjs';
import { PROMETHEUS, PROMTOOL, freePort, gaussian, waitFor } from '../../e2e/prom.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    polls: { type: 'string', default: '30' },
    series: { type: 'string', default: '50' },
    days: { type: 'string', default: '7' },
    via: { type: 'string', default: 'form' },
    profile: { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const POLLS = Number(args.polls);
const SERIES = Number(args.series);
const DAYS = Number(args.days);
const VIA = args.via;
const PROFILE = args.profile;
if (!['form', 'link'].includes(VIA)) throw new Error(`--via form|link, not ${VIA}`);

const APP = '/app/sub/';
const PROM_PATH = '/app/prom/';
const OUT = path.join(REPO, 'target', 'bench', 'live-browser.json');
const JOB = 'bench';
/** The long series (task 1) and the many (task 2, label `series="00"`…). */
const WEEK = 'pipescope_bench_week_seconds';
const MANY = 'pipescope_bench_gauge_seconds';
const WEEK_STEP = 60;
const MANY_HISTORY_MIN = 30;
const BACKFILL_TARGET_MS = 3_000;
const CYCLE_TARGET_MS = 50;

const run = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error('[bench]', ...a);
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const quantile = (v, q) => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]; };

// ---------------------------------------------------------------- the Prometheus stack
for (const [file, pkg] of [[PROMETHEUS, 'prometheus'], [PROMTOOL, 'prometheus']]) {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: install the Debian package ${pkg} (\`make setup-test\` does)`);
}
const children = new Set();
let dir = null;
process.on('exit', () => {
  for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
  if (dir) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* busy */ } }
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

const names = Array.from({ length: SERIES }, (_, i) => String(i).padStart(2, '0'));
const value = (rnd, i) => 0.2 + 0.01 * (i % 7) + 0.004 * rnd();

/** The exporter: the long series and the `SERIES` gauges, a fresh noisy draw per scrape. */
const rnd = gaussian(20261206);
const exporter = http.createServer((req, res) => {
  if (new URL(req.url, 'http://x').pathname !== '/metrics') { res.writeHead(404); return res.end(); }
  const lines = [`# TYPE ${WEEK} gauge`, `${WEEK} ${value(rnd, 0).toPrecision(6)}`, `# TYPE ${MANY} gauge`];
  names.forEach((s, i) => lines.push(`${MANY}{series="${s}"} ${value(rnd, i).toPrecision(6)}`));
  res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  res.end(lines.join('\n') + '\n');
});
await new Promise((resolve) => exporter.listen(0, '127.0.0.1', resolve));
const target = `127.0.0.1:${exporter.address().port}`;

dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pipescope-bench-live-'));
const dataDir = path.join(dir, 'data');
await fsp.mkdir(dataDir);

/** History as OpenMetrics, labelled as the scrape labels it, written into blocks by promtool. */
async function backfill(name, text) {
  const file = path.join(dir, `${name}.om.txt`);
  await fsp.writeFile(file, text);
  const t0 = Date.now();
  await run(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, dataDir], { timeout: 300_000, maxBuffer: 1 << 24 });
  await fsp.rm(file);
  return Date.now() - t0;
}
const nowSec = Math.floor(Date.now() / 1000) - 1;
{
  const h = gaussian(7);
  const to = nowSec - (nowSec % WEEK_STEP);
  const from = to - DAYS * 86_400;
  const week = [`# TYPE ${WEEK} gauge`];
  for (let t = from; t <= to; t += WEEK_STEP) week.push(`${WEEK}{instance="${target}",job="${JOB}"} ${value(h, 0).toPrecision(6)} ${t}`);
  week.push('# EOF', '');
  const weekMs = await backfill('week', week.join('\n'));
  const many = [`# TYPE ${MANY} gauge`];
  names.forEach((s, i) => {
    for (let t = nowSec - MANY_HISTORY_MIN * 60; t <= nowSec; t++) many.push(`${MANY}{instance="${target}",job="${JOB}",series="${s}"} ${value(h, i).toPrecision(6)} ${t}`);
  });
  many.push('# EOF', '');
  const manyMs = await backfill('many', many.join('\n'));
  const blocks = (await fsp.readdir(dataDir)).filter((d) => /^[0-9A-Z]{26}$/.test(d)).length;
  log(`promtool: ${week.length - 3} samples of ${WEEK} over ${DAYS} days in ${weekMs} ms, ${many.length - 3} of ${SERIES} × ${MANY} over ${MANY_HISTORY_MIN} min in ${manyMs} ms; ${blocks} blocks`);
}

const config = path.join(dir, 'prometheus.yml');
await fsp.writeFile(config, [
  'global:', '  scrape_interval: 1s', '  scrape_timeout: 800ms', '  evaluation_interval: 15s',
  'scrape_configs:', `  - job_name: ${JOB}`, '    static_configs:', `      - targets: [${JSON.stringify(target)}]`, '',
].join('\n'));
const promPort = await freePort();
const prom = spawn(PROMETHEUS, [
  `--config.file=${config}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${promPort}`,
  // Longer than the history, or the backfilled blocks are deleted at start.
  '--storage.tsdb.retention.time=30d', '--log.level=warn',
], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
children.add(prom);
let promErr = '';
prom.stderr.setEncoding('utf8').on('data', (c) => { promErr = (promErr + c).slice(-8_000); });
const promExit = new Promise((resolve) => prom.once('exit', (code, signal) => { children.delete(prom); resolve(code ?? signal); }));
const PROM = `http://127.0.0.1:${promPort}`;
const promQuery = async (q) => (await (await fetch(`${PROM}/api/v1/query?query=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(5_000) })).json()).data.result;
await waitFor(async () => (await promQuery(`up{job="${JOB}"}`)).some((s) => s.value[1] === '1'),
  { timeout: 60_000, what: `Prometheus' first scrape (${PROM}):\n${promErr}` });
{
  const [w] = await promQuery(`count_over_time(${WEEK}[${DAYS}d])`);
  const m = await promQuery(`count_over_time(${MANY}[${MANY_HISTORY_MIN}m])`);
  log(`Prometheus ${PROM}: ${WEEK} holds ${w?.value[1]} samples over ${DAYS} d; ${m.length} series of ${MANY}`);
  if (m.length !== SERIES) throw new Error(`expected ${SERIES} series of ${MANY}, Prometheus has ${m.length}`);
}

async function stopStack() {
  if (children.has(prom)) {
    prom.kill('SIGTERM');
    const done = await Promise.race([promExit, sleep(5_000).then(() => null)]);
    if (done === null) { prom.kill('SIGKILL'); await promExit; }
  }
  await new Promise((resolve) => { exporter.closeAllConnections?.(); exporter.close(resolve); });
  await fsp.rm(dir, { recursive: true, force: true });
  dir = null;
}

// ---------------------------------------------------------------- the page
const server = await startServer({ [APP]: DIST });
server.mount(PROM_PATH, { proxy: `${PROM}/` });
const browser = await launchBrowser();
const problems = [];

/** A fresh context (own IndexedDB, so no stream to recover) and page. */
async function freshPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const watch = watchContext(context, server.origin);
  const page = await context.newPage();
  return { context, page, done: async () => { problems.push(...watch.problems()); await context.close(); } };
}

/** Opens the Monitor's Prometheus form and fills it, without connecting. */
async function fillForm(page, { query, step, history }) {
  await page.goto(server.url(APP) + '#/monitor', { waitUntil: 'load' });
  await page.click('#monitor-use-prom', { timeout: 30_000 });
  await page.waitForSelector('#prom-form');
  for (const [sel, v] of [['#prom-url', PROM_PATH.slice(0, -1)], ['#prom-queries', query], ['#prom-step', String(step)], ['#prom-history', String(history)]]) {
    await page.fill(sel, v);
    await page.locator(sel).dispatchEvent('change');
  }
}

/** Waits for #prom-status[data-state=live]; on a timeout or an error says what it showed. */
async function waitLive(page, timeout) {
  try {
    await page.waitForSelector('#prom-status[data-state="live"]', { timeout });
  } catch (e) {
    const shown = await page.locator('#prom-status').evaluate((el) => `${el.dataset.state}: ${el.innerText}`).catch(() => '(no #prom-status)');
    throw new Error(`#prom-status not live within ${timeout} ms; it shows ${shown}`);
  }
}

// In the page: a MutationObserver that notes when the status is live and the judged clock
// has reached the newest sample the backfill can hold (the page's end is the step-aligned
// time at least 2 s before now: PromSource::lag_ms), in performance.now() ms.
const WATCH_FIRST_JUDGED = (stepMs) => {
  const w = { t0: null, expect: null, live: null, judged: null, clock: null };
  window.__bench = w;
  const check = () => {
    if (w.expect === null) return;
    const st = document.querySelector('#prom-status');
    const clock = Number(document.querySelector('#monitor-clock')?.dataset.ms);
    if (st?.dataset.state === 'live' && w.live === null) w.live = performance.now();
    if (st?.dataset.state === 'live' && clock >= w.expect && w.judged === null) {
      w.judged = performance.now();
      w.clock = clock;
      w.status = st.innerText;
    }
  };
  w.arm = (t0) => {
    w.t0 = t0;
    w.expect = Math.floor((Date.now() - (performance.now() - t0) - Math.min(stepMs, 2_000)) / stepMs) * stepMs;
    check();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-ms'] });
};

/** Task 1: one run, fresh page. Returns the times and what the page showed. */
async function backfillRun(i) {
  const { context, page, done } = await freshPage();
  try {
    const query = WEEK;
    const history = DAYS * 24 * 60;
    if (VIA === 'link') {
      await context.addInitScript(`(${WATCH_FIRST_JUDGED})(${WEEK_STEP * 1000}); document.addEventListener('DOMContentLoaded', () => window.__bench.arm(0));`);
      const q = new URLSearchParams({ prom: PROM_PATH.slice(0, -1), query, step: String(WEEK_STEP), history: String(history) });
      await page.goto(`${server.url(APP)}#/monitor?${q}`, { waitUntil: 'load' });
    } else {
      await fillForm(page, { query, step: WEEK_STEP, history });
      await page.evaluate(`(${WATCH_FIRST_JUDGED})(${WEEK_STEP * 1000})`);
      await page.evaluate(() => document.querySelector('#prom-connect').addEventListener('click', () => window.__bench.arm(performance.now()), { capture: true, once: true }));
      await page.click('#prom-connect');
    }
    await waitLive(page, 30_000);
    await page.waitForFunction(() => window.__bench.judged !== null, null, { timeout: 30_000, polling: 100 }).catch(async () => {
      throw new Error(`live, but the judged clock never reached the newest sample: ${JSON.stringify(await page.evaluate(() => ({ ...window.__bench, now: document.querySelector('#monitor-clock')?.dataset.ms })))}`);
    });
    const r = await page.evaluate(() => {
      const w = window.__bench;
      const fetches = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/query_range'));
      const canvas = document.querySelector('canvas[data-metric]');
      return {
        totalMs: w.judged - w.t0, liveMs: w.live - w.t0, expect: w.expect, clock: w.clock, status: w.status,
        fetches: fetches.map((e) => ({ ms: e.duration, bytes: e.encodedBodySize || e.transferSize, start: e.startTime - w.t0, end: e.responseEnd - w.t0 })),
        points: Number(canvas?.dataset.points), trained: canvas?.dataset.trained, metric: canvas?.dataset.metric,
      };
    });
    // The request that brought the last of the history ends where the page's work begins.
    const backfill = r.fetches.filter((f) => f.end <= r.totalMs);
    r.fetchedMs = Math.max(0, ...backfill.map((f) => f.end));
    r.pageMs = r.totalMs - r.fetchedMs;
    log(`backfill run ${i}: first judged live point ${r.totalMs.toFixed(0)} ms after ${VIA === 'link' ? 'navigation start' : 'Connect'} `
      + `(status live at ${r.liveMs.toFixed(0)} ms; ${backfill.length} query_range requests done at ${r.fetchedMs.toFixed(0)} ms: `
      + `${backfill.map((f) => `${f.ms.toFixed(0)} ms/${(f.bytes / 1024).toFixed(0)} KiB`).join(', ')}; page after the last answer ${r.pageMs.toFixed(0)} ms); `
      + `clock ${new Date(r.clock).toISOString()}, ${r.points} points drawn, trained=${r.trained}; "${r.status}"`);
    return r;
  } finally {
    await done();
  }
}

/** Self time per function of a CPU profile, ms per cycle, the largest first. */
function selfTimes(profile, cycles) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const ms = new Map();
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const key = f.functionName || `(anonymous ${f.url.split('/').pop()}:${f.lineNumber})`;
    ms.set(key, (ms.get(key) ?? 0) + (dt[i + 1] ?? 0) / 1000);
  });
  const fns = [...ms].map(([name, t]) => ({ name, msPerCycle: t / cycles })).sort((a, b) => b.msPerCycle - a.msPerCycle);
  // Coarse groups by the leaf: the canvas calls, the journal's IndexedDB writes and the
  // bytes copied out for them, strings decoded out of wasm, wasm itself, the rest.
  const group = (n) => {
    if (/^(fillText|strokeText|measureText|lineTo|moveTo|stroke|fill|fillRect|clearRect|strokeRect|beginPath|closePath|arc|rect|save|restore|setLineDash|translate|scale|drawImage)$|^__wbg_set_(font|fillStyle|strokeStyle|lineWidth|textAlign|textBaseline|globalAlpha)/.test(n)) return 'canvas drawing';
    if (/^(put|add|transaction|objectStore|commit)$|^__wbg_(put|add|transaction|objectStore|new_from_slice)/.test(n)) return 'journal (IndexedDB writes, bytes copied out of wasm)';
    if (/^(decode|encode|encodeInto)$|StringFromWasm|passStringToWasm/.test(n)) return 'strings in and out of wasm';
    if (/^wasm-function|^wasm-to-js|^js-to-wasm/.test(n)) return 'wasm (detect, judge, plan the drawing)';
    if (n === '(garbage collector)') return 'garbage collector';
    if (n === '(program)') return "(program: the browser's own work outside JS)";
    if (n === '(idle)') return null;
    return 'other JS (glue, DOM updates)';
  };
  const groups = new Map();
  for (const f of fns) { const g = group(f.name); if (g) groups.set(g, (groups.get(g) ?? 0) + f.msPerCycle); }
  return { groups: [...groups].map(([name, msPerCycle]) => ({ name, msPerCycle })).sort((a, b) => b.msPerCycle - a.msPerCycle), functions: fns.slice(0, 25) };
}

/** Task 2: 50 series at 1 s; main-thread time per poll cycle, by Chromium's TaskDuration. */
async function pollRun() {
  const { context, page, done } = await freshPage();
  try {
    await fillForm(page, { query: MANY, step: 1, history: MANY_HISTORY_MIN });
    await page.click('#prom-connect');
    await waitLive(page, 60_000);
    await page.waitForFunction((n) => document.querySelectorAll('canvas[data-metric]').length >= n, SERIES, { timeout: 30_000 });
    const charts = await page.locator('canvas[data-metric]').evaluateAll((cs) => ({ n: cs.length, trained: cs.filter((c) => c.dataset.trained === 'true').length }));
    log(`poll: live with ${charts.n} charts, ${charts.trained} trained; settling 5 s`);
    await sleep(5_000);

    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    // Each judged poll moves the clock; the page tells us (one binding call per poll).
    const ticks = [];
    let wake = null;
    await page.exposeFunction('__benchJudged', (ms) => { ticks.push({ clock: ms, at: Date.now() }); wake?.(); });
    await page.evaluate(() => {
      const el = document.querySelector('#monitor-clock');
      window.__longTasks = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: 'longtask' });
      new MutationObserver(() => window.__benchJudged(Number(el.dataset.ms))).observe(el, { attributes: true, attributeFilter: ['data-ms'] });
    });
    const nextTick = () => new Promise((resolve) => { wake = resolve; });
    const requests = () => server.log.filter((l) => l.includes(`${PROM_PATH}api/v1/query_range`)).length;
    // Sample half-way between judged polls, so each interval holds one whole cycle:
    // the answer read, the points judged, the charts drawn.
    const samples = [];
    if (PROFILE) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    await nextTick();
    await sleep(500);
    let prev = { m: await metrics(), req: requests(), tick: ticks.length };
    while (samples.length < POLLS) {
      await nextTick();
      await sleep(500);
      const cur = { m: await metrics(), req: requests(), tick: ticks.length };
      // Per judged poll: an interval that caught two (a late sample) counts as two cycles.
      const polls = cur.tick - prev.tick;
      const d = (k) => ((cur.m[k] - prev.m[k]) * 1000) / Math.max(1, polls);
      samples.push({
        taskMs: d('TaskDuration'), scriptMs: d('ScriptDuration'), layoutMs: d('LayoutDuration'), styleMs: d('RecalcStyleDuration'),
        wallMs: (cur.m.Timestamp - prev.m.Timestamp) * 1000, requests: cur.req - prev.req, polls,
      });
      prev = cur;
    }
    const hot = PROFILE ? selfTimes((await cdp.send('Profiler.stop')).profile, samples.length) : null;
    const longTasks = await page.evaluate(() => window.__longTasks);
    const clocks = ticks.map((t) => t.clock);
    const steps = clocks.slice(1).map((c, i) => c - clocks[i]);
    return { samples, hot, longTasks, charts, clockSteps: steps, judgedLagMs: median(ticks.map((t) => t.at - t.clock)) };
  } finally {
    await done();
  }
}

let backfills = [];
let poll = null;
try {
  for (let i = 0; i < RUNS; i++) backfills.push(await backfillRun(i));
  poll = await pollRun();
} finally {
  await browser.close();
  await server.close();
  await stopStack();
}

// ---------------------------------------------------------------- report
const totals = backfills.map((r) => r.totalMs);
const mid = backfills[totals.indexOf(median(totals))];
const per = (k) => poll.samples.map((s) => s[k]);
const task = per('taskMs');
const result = {
  backfill: {
    via: VIA, days: DAYS, stepSec: WEEK_STEP, points: (DAYS * 86_400) / WEEK_STEP + 1, chartPoints: mid.points, runs: backfills,
    medianMs: median(totals), medianLiveMs: median(backfills.map((r) => r.liveMs)),
    medianFetchedMs: median(backfills.map((r) => r.fetchedMs)), medianPageMs: median(backfills.map((r) => r.pageMs)),
    targetMs: BACKFILL_TARGET_MS,
  },
  poll: {
    series: SERIES, stepSec: 1, cycles: poll.samples.length, samples: poll.samples, charts: poll.charts,
    medianTaskMs: median(task), p95TaskMs: quantile(task, 0.95), medianScriptMs: median(per('scriptMs')),
    medianLayoutMs: median(per('layoutMs')), medianStyleMs: median(per('styleMs')),
    hot: poll.hot, longTasks: poll.longTasks, judgedLagMs: poll.judgedLagMs, targetMs: CYCLE_TARGET_MS,
  },
  load: os.loadavg(),
  problems,
};
await fsp.mkdir(path.dirname(OUT), { recursive: true });
await fsp.writeFile(OUT, JSON.stringify(result, null, 2));

const b = result.backfill;
const p = result.poll;
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
const msf = (ms) => `${ms.toFixed(1)} ms`;
console.log(`Monitor on a live Prometheus (Debian's, via a same-origin proxy), release page in headless Chromium; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('');
console.log('| measure | median | p95 | target | median / target |');
console.log('|---|---|---|---|---|');
console.log(`| ${VIA === 'link' ? 'shareable link loaded' : 'Connect'} → first judged live point, ${DAYS} d of 1 series at ${WEEK_STEP} s (${b.points?.toLocaleString('en')} points), median of ${RUNS} | ${sec(b.medianMs)} | — | < ${sec(BACKFILL_TARGET_MS)} | ${(b.medianMs / BACKFILL_TARGET_MS).toFixed(2)} |`);
console.log(`| main-thread time per poll → judge → draw cycle, ${SERIES} series at 1 s, ${p.cycles} polls | ${msf(p.medianTaskMs)} | ${msf(p.p95TaskMs)} | < ${CYCLE_TARGET_MS} ms | ${(p.medianTaskMs / CYCLE_TARGET_MS).toFixed(2)} |`);
console.log('');
console.log(`backfill, medians: status live at ${sec(b.medianLiveMs)}; the history's answers in at ${sec(b.medianFetchedMs)}, then ${sec(b.medianPageMs)} in the page (read, judge, journal, draw)`);
console.log(`poll cycle, medians: script ${msf(p.medianScriptMs)}, layout ${msf(p.medianLayoutMs)}, style ${msf(p.medianStyleMs)}; `
  + `${p.longTasks.length} long tasks (> 50 ms) in ${p.cycles} cycles${p.longTasks.length ? `, longest ${msf(Math.max(...p.longTasks))}` : ''}; `
  + `${p.samples.reduce((a, s) => a + s.requests, 0)} query_range requests for ${p.samples.reduce((a, s) => a + s.polls, 0)} judged polls; the judged clock ${sec(p.judgedLagMs)} behind real time`);
if (problems.length) { console.log(`session problems:\n  ${problems.join('\n  ')}`); process.exitCode = 1; }
if (p.hot) {
  console.log('\nmain-thread self time per cycle (CDP Profiler; the sampling itself slows the cycles), by group:');
  for (const g of p.hot.groups) console.log(`  ${g.msPerCycle.toFixed(2).padStart(7)} ms  ${g.name}`);
  console.log('by function:');
  for (const h of p.hot.functions.filter((h) => !['(idle)', '(program)'].includes(h.name)).slice(0, 15)) console.log(`  ${h.msPerCycle.toFixed(2).padStart(7)} ms  ${h.name.slice(0, 140)}`);
}
