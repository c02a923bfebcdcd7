// Browser benchmark: pipescope's parse + full profile against Papa Parse and DuckDB-wasm on
// the same generated CSV, in one headless Chromium session served from 127.0.0.1.
//
//   node tests/bench/browser/run.mjs [--mb 100] [--runs 3] [--file PATH]
//
// Prints a table of median seconds, MB/s (1 MB = 10^6 bytes) and the throughput ratios, plus
// the longest main-thread task seen while pipescope loaded; writes target/bench/browser.json.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { DIST, REPO, launchBrowser, startServer, watchContext } from '../../e2e/harness.mjs';

const { values: args } = parseArgs({
  options: {
    mb: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    file: { type: 'string' },
  },
});
const MB = Number(args.mb);
const RUNS = Number(args.runs);
const CLI = path.join(REPO, 'target', 'release', 'pipescope');
// PIPESCOPE_BENCH_OUT overrides where the JSON goes (e.g. when benchmarking another build's dist).
const OUT = path.resolve(process.env.PIPESCOPE_BENCH_OUT || path.join(REPO, 'target', 'bench', 'browser.json'));
const APP = '/app/sub/';

function log(...a) { console.error('[bench]', ...a); }

/** Makes (or reuses) the benchmark file; prefers the CLI's generator so native and browser benches share it. */
async function benchFile() {
  if (args.file) return { file: path.resolve(args.file), generator: 'given' };
  if (fs.existsSync(CLI) && /gen-csv/.test(spawnSync(CLI, ['--help'], { encoding: 'utf8' }).stdout || '')) {
    const file = path.join(os.tmpdir(), `pipescope-bench-${MB}mb.csv`);
    if (!fs.existsSync(file) || Math.abs(fs.statSync(file).size - MB * 1e6) > 1e6 && Math.abs(fs.statSync(file).size - MB * 2 ** 20) > 1e6) {
      log(`generating ${file} with ${CLI} gen-csv --mb ${MB}`);
      const r = spawnSync(CLI, ['gen-csv', '--mb', String(MB), '--out', file], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`${CLI} gen-csv failed with status ${r.status}`);
    }
    return { file, generator: 'pipescope gen-csv' };
  }
  const file = path.join(os.tmpdir(), `pipescope-bench-${MB}mb-js.csv`);
  log(`${CLI} (with gen-csv) not found: generating ${file} with the JS stand-in of core/synth.rs's shape`);
  if (!fs.existsSync(file)) await writeSynthCsv(file, MB * 1e6);
  return { file, generator: 'JS stand-in (tests/bench/browser/run.mjs writeSynthCsv)' };
}

/** Same columns and value shapes as src/core/synth.rs, for when the CLI is not built. */
async function writeSynthCsv(file, bytes) {
  let s = 0x9e3779b9;
  const rand = () => { s = (s + 0x6d2b79f5) | 0; let t = Math.imul(s ^ (s >>> 15), 1 | s); t ^= t + Math.imul(t ^ (t >>> 7), 61 | t); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const regions = ['eu-west-1', 'us-east-1', 'us-west-2', 'ap-south-1', 'sa-east-1'];
  const tiers = ['free', 'starter', 'basic', 'team', 'business', 'pro', 'premium', 'enterprise', 'partner', 'internal', 'trial', 'legacy'];
  const fh = await fsp.open(file, 'w');
  let header = 'id,latency_ms,amount,ratio,retries,region,service,customer_tier\n';
  await fh.write(header);
  let written = header.length, id = 0;
  while (written < bytes) {
    let chunk = '';
    while (chunk.length < 1 << 20 && written + chunk.length < bytes) {
      id++;
      const lat = Math.round(Math.exp(3 + 0.8 * normal()) * 10);
      const cents = Math.floor(rand() * 1e7);
      chunk += `${id},${Math.floor(lat / 10)}.${lat % 10},${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')},0.${String(Math.floor(rand() * 1e4)).padStart(4, '0')},${Math.floor(rand() ** 6 * 8)},${regions[Math.floor(rand() * 5)]},svc-${String(Math.floor(rand() ** 3 * 200)).padStart(3, '0')},${tiers[Math.floor(rand() * 12)]}\n`;
    }
    await fh.write(chunk);
    written += chunk.length;
  }
  await fh.close();
}

/** Data rows in the file: newlines minus the header (the generators end every line with \n). */
async function countRows(file) {
  let n = 0;
  for await (const buf of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  }
  return n - 1;
}

// Installed in every page before its scripts: long tasks, and when a file was picked / a load
// finished (a MutationObserver on body[data-load-seq]), all in performance.now() time.
const INIT = () => {
  window.__bench = { longTasks: [], changeAt: null, loadedAt: null, paintedAt: null };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__bench.longTasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch { window.__bench.noLongTask = true; }
  document.addEventListener('change', (e) => { if (e.target?.id === 'file-input') window.__bench.changeAt = performance.now(); }, true);
  // paintedAt: the first frame after the load was published, i.e. table and plots rendered.
  const watch = () => new MutationObserver(() => {
    window.__bench.loadedAt = performance.now();
    requestAnimationFrame(() => setTimeout(() => { window.__bench.paintedAt = performance.now(); }));
  })
    .observe(document.body, { attributes: true, attributeFilter: ['data-load-seq'] });
  if (document.body) watch(); else document.addEventListener('DOMContentLoaded', watch);
};

async function runPipescope(page, base, file, bytes) {
  await page.goto(base + APP + '#/distribution', { waitUntil: 'load' });
  await page.waitForSelector('input#file-input', { state: 'attached', timeout: 60_000 });
  await page.evaluate(() => window.gc?.());
  const prev = await page.evaluate(() => Number(document.body.dataset.loadSeq || 0));
  const t0 = await page.evaluate(() => performance.now());
  await page.setInputFiles('input#file-input', file);
  await page.waitForFunction((p) => (Number(document.body.dataset.loadSeq || 0) > p && window.__bench.paintedAt != null) || document.querySelector('.banner.error'),
    prev, { timeout: 600_000, polling: 100 });
  const r = await page.evaluate((t0) => {
    const b = window.__bench;
    const during = b.longTasks.filter((t) => t.start + t.ms >= t0 && t.start <= (b.loadedAt ?? performance.now()));
    // Tasks after the load was published until the first frame: rendering the table and plots.
    const render = b.longTasks.filter((t) => b.loadedAt != null && t.start + t.ms > b.loadedAt && t.start <= (b.paintedAt ?? performance.now()));
    const at = (t) => ({ atMs: Math.round(t.start - (b.changeAt ?? t0)), ms: Math.round(t.ms) });
    return {
      error: document.querySelector('.banner.error')?.textContent ?? null,
      status: document.querySelector('#status')?.textContent ?? null,
      ...document.body.dataset,
      wallMs: b.loadedAt != null && b.changeAt != null ? b.loadedAt - b.changeAt : null,
      longTasks: during.length,
      longestTaskMs: during.reduce((m, t) => Math.max(m, t.ms), 0),
      topTasks: [...during].sort((a, b) => b.ms - a.ms).slice(0, 5).map(at),
      renderMs: b.paintedAt != null && b.loadedAt != null ? b.paintedAt - b.loadedAt : null,
      renderLongestTaskMs: render.reduce((m, t) => Math.max(m, t.ms), 0),
      longTaskSupported: !b.noLongTask,
    };
  }, t0);
  if (r.error && !(Number(r.loadSeq) > prev)) throw new Error(`pipescope refused the file: ${r.error}`);
  const ms = Number(r.loadMs);
  return {
    ms, rows: Number(r.loadRows), bytes: Number(r.loadBytes) || bytes, wallMs: r.wallMs, renderMs: r.renderMs,
    longTasks: r.longTasks, longestTaskMs: r.longestTaskMs, topTasks: r.topTasks, renderLongestTaskMs: r.renderLongestTaskMs,
    longTaskSupported: r.longTaskSupported, status: r.status,
  };
}

async function runPeer(page, base, file, fn) {
  await page.goto(base + '/bench/bench.html', { waitUntil: 'load' });
  await page.waitForFunction(() => window.peersReady === true, null, { timeout: 60_000 });
  await page.setInputFiles('#file', file);
  await page.evaluate(() => window.gc?.());
  return page.evaluate((fn) => window[fn](), fn);
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) throw new Error(`${DIST}/index.html is missing: run \`make build\` first`);
  const { file, generator } = await benchFile();
  const bytes = fs.statSync(file).size;
  const rows = await countRows(file);
  log(`file ${file}: ${(bytes / 1e6).toFixed(1)} MB, ${rows} rows (${generator})`);

  const server = await startServer({ [APP]: DIST, '/bench/': path.join(REPO, 'tests', 'bench', 'browser'), '/node_modules/': path.join(REPO, 'tests', 'node_modules') });
  const browser = await launchBrowser({ extraArgs: ['--js-flags=--expose-gc'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const watch = watchContext(context, server.origin);
  await context.addInitScript(INIT);
  const page = await context.newPage();
  watch.attach(page);
  page.setDefaultTimeout(600_000);

  const runs = { pipescope: [], papaparse: [], duckdb: [] };
  try {
    for (let i = 1; i <= RUNS; i++) {
      const p = await runPipescope(page, server.origin, file, bytes);
      log(`run ${i} pipescope ${(p.ms / 1000).toFixed(2)} s (wall ${(p.wallMs / 1000).toFixed(2)} s, then ${(p.renderMs / 1000).toFixed(2)} s to first frame), ${p.rows} rows, longest tasks [ms after pick: ms] ${p.topTasks.map((t) => `${t.atMs}: ${t.ms}`).join(', ') || 'none over 50 ms'}`);
      runs.pipescope.push(p);
      const pp = await runPeer(page, server.origin, file, 'runPapa');
      log(`run ${i} papaparse ${(pp.ms / 1000).toFixed(2)} s, ${pp.rows} rows`);
      runs.papaparse.push(pp);
      const d = await runPeer(page, server.origin, file, 'runDuck');
      log(`run ${i} duckdb-wasm (${d.bundle}) ${(d.ms / 1000).toFixed(2)} s (+${(d.instantiateMs / 1000).toFixed(2)} s instantiate), ${d.rows} rows`);
      runs.duckdb.push(d);
    }
  } finally {
    await context.close();
    await browser.close();
    await server.close();
  }

  const summary = {};
  for (const [name, rs] of Object.entries(runs)) {
    const s = median(rs.map((r) => r.ms)) / 1000;
    summary[name] = { medianSeconds: s, mbPerSecond: bytes / 1e6 / s, rows: rs.map((r) => r.rows), runsSeconds: rs.map((r) => r.ms / 1000) };
  }
  const rowsOk = Object.fromEntries(Object.entries(runs).map(([n, rs]) => [n, rs.every((r) => r.rows === rows)]));
  const longest = Math.max(...runs.pipescope.map((r) => r.longestTaskMs));
  const result = {
    date: new Date().toISOString(),
    chromium: (spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).stdout || '').trim(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg() },
    file: { path: file, bytes, rows, generator },
    runs,
    summary,
    ratios: {
      pipescopeOverPapaparse: summary.pipescope.mbPerSecond / summary.papaparse.mbPerSecond,
      pipescopeOverDuckdb: summary.pipescope.mbPerSecond / summary.duckdb.mbPerSecond,
    },
    pipescopeWallSecondsMedian: median(runs.pipescope.map((r) => r.wallMs ?? NaN)) / 1000,
    pipescopeRenderSecondsMedian: median(runs.pipescope.map((r) => r.renderMs ?? NaN)) / 1000,
    longTasks: {
      longestMs: longest, targetMs: 100, supported: runs.pipescope.every((r) => r.longTaskSupported),
      perRun: runs.pipescope.map((r) => ({ count: r.longTasks, longestMs: r.longestTaskMs, top: r.topTasks, renderLongestMs: r.renderLongestTaskMs })),
    },
    rowCountsMatchFile: rowsOk,
    sessionProblems: watch.problems(),
  };
  await fsp.mkdir(path.dirname(OUT), { recursive: true });
  await fsp.writeFile(OUT, JSON.stringify(result, null, 2) + '\n');

  const pad = (s, n) => String(s).padEnd(n);
  const lines = [
    `browser benchmark: ${(bytes / 1e6).toFixed(1)} MB, ${rows} rows (${generator}), ${RUNS} interleaved runs each, ${result.chromium}`,
    `${pad('engine', 31)}${pad('median s', 11)}${pad('MB/s', 9)}runs (s)`,
    ...Object.entries(summary).map(([n, s]) => `${pad(n === 'pipescope' ? 'pipescope (parse+profile)' : n === 'duckdb' ? 'duckdb-wasm (read+SUMMARIZE)' : 'papaparse (dynamicTyping)', 31)}${pad(s.medianSeconds.toFixed(2), 11)}${pad(s.mbPerSecond.toFixed(1), 9)}${s.runsSeconds.map((x) => x.toFixed(2)).join(' ')}`),
    `pipescope / Papa Parse throughput: ${result.ratios.pipescopeOverPapaparse.toFixed(2)}x (target >= 2x)`,
    `pipescope / DuckDB-wasm throughput: ${result.ratios.pipescopeOverDuckdb.toFixed(2)}x`,
    `pipescope wall time (file picked -> load published), median: ${result.pipescopeWallSecondsMedian.toFixed(2)} s; then to first frame with table and plots: ${result.pipescopeRenderSecondsMedian.toFixed(2)} s`,
    `longest main-thread task during pipescope loads: ${longest.toFixed(0)} ms (target < 100 ms)${result.longTasks.supported ? '' : ' [longtask observer unsupported]'}`,
    `row counts match the file: ${JSON.stringify(rowsOk)}`,
    result.sessionProblems.length ? `session problems:\n  ${result.sessionProblems.join('\n  ')}` : 'no request left the origin; no console or page errors',
    `written to ${path.relative(REPO, OUT)}`,
  ];
  console.log(lines.join('\n'));
}

main().catch((e) => { console.error(e); process.exit(1); });
