// A real Prometheus for the end-to-end tests: a test exporter (one noisy but steady gauge
// that a test can switch to a fault), two hours of that same series backfilled with
// `promtool tsdb create-blocks-from openmetrics` so a detector has history to learn from at
// once, Debian's Prometheus scraping the exporter every second, and an Alertmanager with a
// null receiver. Everything listens on 127.0.0.1 on free ports, lives in temporary
// directories, and is stopped (and its directory removed) by `stop()`, or by the process
// exit hook if a test run dies first.
//
// `make setup-test` installs the `prometheus` and `prometheus-alertmanager` Debian packages;
// nothing is run as a service.

import { spawn, execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import fsp from 'node:fs/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const PROMETHEUS = process.env.PIPESCOPE_PROMETHEUS || '/usr/bin/prometheus';
export const PROMTOOL = process.env.PIPESCOPE_PROMTOOL || '/usr/bin/promtool';
export const ALERTMANAGER = process.env.PIPESCOPE_ALERTMANAGER || '/usr/bin/prometheus-alertmanager';

/** The exporter's gauge and the scrape job that collects it. */
export const GAUGE = 'pipescope_e2e_latency_seconds';
export const JOB = 'exporter';

const run = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Standard normal draws from a seeded generator (LCG + Box-Muller): deterministic runs. */
export function gaussian(seed) {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Value of the gauge: `base` plus noise of sd `sd`, times `faultFactor` during a fault. */
function gaugeValue(rnd, { base, sd }, factor = 1) {
  return (base + sd * rnd()) * factor;
}

/** Every child process still running and every temporary directory not yet removed: the
 *  exit hook kills and removes them if nobody stopped them (a crashed or interrupted run). */
const LIVE = new Set();
const DIRS = new Set();
process.on('exit', () => {
  for (const child of LIVE) { try { child.kill('SIGKILL'); } catch { /* gone */ } }
  for (const dir of DIRS) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* busy */ } }
});

/** A port that was free a moment ago on 127.0.0.1 (a service that loses the race is retried). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Fresh temporary directory, removed by `removeDir` (or at exit). */
async function tempDir(prefix) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  DIRS.add(dir);
  return dir;
}

async function removeDir(dir) {
  await fsp.rm(dir, { recursive: true, force: true });
  DIRS.delete(dir);
}

function requireBinary(file, pkg) {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: install the Debian package ${pkg} (\`make setup-test\` does: apt-get install --no-install-recommends ${pkg})`);
  }
}

/** GET `url` with a short timeout; resolves to { status, text } or rejects on network errors. */
async function get(url, timeout = 2_000) {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeout) });
  return { status: res.status, text: await res.text() };
}

/**
 * Spawns `cmd args` and waits until `readyUrl` answers 200. Keeps the last 64 KB of its
 * output for error messages. Rejects (after killing it) if it exits first or is not ready
 * within `timeout`; `err.exited` tells which.
 */
async function spawnService(name, cmd, args, { readyUrl, timeout = 30_000, cwd }) {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  LIVE.add(child);
  let output = '';
  const keep = (chunk) => { output = (output + chunk).slice(-65_536); };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  let exit = null;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    exit = { code, signal };
    LIVE.delete(child);
    resolve(exit);
  }));
  // A process that could not be spawned emits 'error' and never 'exit'.
  child.once('error', (e) => {
    keep(`\nspawn error: ${e.message}\n`);
    if (child.pid === undefined) { exit = { code: e.code || 'spawn error', signal: null }; LIVE.delete(child); }
  });

  const stop = async () => {
    if (exit) return exit;
    child.kill('SIGTERM');
    const done = await Promise.race([exited, sleep(5_000).then(() => null)]);
    if (done) return done;
    child.kill('SIGKILL');
    return exited;
  };

  const deadline = Date.now() + timeout;
  for (;;) {
    if (exit) {
      const err = new Error(`${name} exited (${exit.code ?? exit.signal}) before it was ready at ${readyUrl}:\n${output.slice(-4_000)}`);
      err.exited = true;
      err.output = output;
      throw err;
    }
    try {
      if ((await get(readyUrl, 1_000)).status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} was not ready at ${readyUrl} within ${timeout} ms:\n${output.slice(-4_000)}`);
    }
    await sleep(100);
  }
  return { child, stop, output: () => output, exited: () => exit };
}

/** Starts a service on a fresh port, retrying with another port if it lost the port race. */
async function withPort(start, attempts = 3) {
  for (let i = 1; ; i++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (e) {
      if (i >= attempts || !e.exited || !/address already in use/i.test(e.output || '')) throw e;
    }
  }
}

/**
 * The test exporter: a Node http server on 127.0.0.1 (free port) serving GET /metrics in
 * Prometheus' text format with one gauge, `GAUGE`, of value `base` plus Gaussian noise of
 * sd `sd` (a new draw at every scrape); `setFault(true)` multiplies it by `faultFactor`
 * until `setFault(false)`; `setDown(true)` answers every scrape 503 until `setDown(false)`
 * (the target is down: Prometheus records `up` 0 and marks the gauge stale, so it stops
 * reporting). Returns { url, port, target ('127.0.0.1:PORT', Prometheus' `instance`
 * label), scrapes(), setFault(on), faulty(), setDown(on), params, close() }.
 */
export async function startExporter({ base = 0.2, sd = 0.004, faultFactor = 6, seed = 20261105 } = {}) {
  const rnd = gaussian(seed);
  let fault = false;
  let down = false;
  let scrapes = 0;
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://x');
    if (req.method !== 'GET' || pathname !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('not found: the exporter serves GET /metrics\n');
    }
    scrapes++;
    if (down) {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      return res.end('down: the test switched the exporter off\n');
    }
    const v = gaugeValue(rnd, { base, sd }, fault ? faultFactor : 1);
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end([
      `# HELP ${GAUGE} Latency of a pretend request path: steady with small noise, or a fault (x${faultFactor}).`,
      `# TYPE ${GAUGE} gauge`,
      `${GAUGE} ${v.toPrecision(6)}`,
      '',
    ].join('\n'));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    port,
    target: `127.0.0.1:${port}`,
    params: { base, sd, faultFactor, seed },
    scrapes: () => scrapes,
    setFault(on) { fault = Boolean(on); },
    faulty: () => fault,
    setDown(on) { down = Boolean(on); },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

/**
 * OpenMetrics text of the exporter's series as the scrape will label it (`job`,
 * `instance`), one sample every `stepSec` from `fromSec` to `toSec` inclusive (Unix
 * seconds), values drawn like the exporter's (same base and sd, another seed).
 */
export function historyOpenMetrics({ target, job = JOB, fromSec, toSec, stepSec = 1, base = 0.2, sd = 0.004, seed = 7 }) {
  const rnd = gaussian(seed);
  const series = `${GAUGE}{instance="${target}",job="${job}"}`;
  const lines = [`# HELP ${GAUGE} Backfilled history of the test exporter's gauge.`, `# TYPE ${GAUGE} gauge`];
  let n = 0;
  for (let t = fromSec; t <= toSec; t += stepSec, n++) {
    lines.push(`${series} ${gaugeValue(rnd, { base, sd }).toPrecision(6)} ${t}`);
  }
  lines.push('# EOF', '');
  return { text: lines.join('\n'), samples: n };
}

/**
 * Writes `hours` of history of `exporter`'s series into `dataDir` as TSDB blocks (promtool
 * cuts them at 2 h boundaries, so two blocks usually), one sample every `stepSec`, the last
 * at `toSec`. Returns { fromSec, toSec, stepSec, samples, blocks }.
 */
export async function backfill({ dataDir, exporter, job = JOB, hours = 2, stepSec = 1, toSec }) {
  requireBinary(PROMTOOL, 'prometheus');
  const fromSec = toSec - Math.round(hours * 3600) + stepSec;
  const { text, samples } = historyOpenMetrics({
    target: exporter.target, job, fromSec, toSec, stepSec, base: exporter.params.base, sd: exporter.params.sd,
  });
  const file = path.join(dataDir, '..', 'history.om.txt');
  await fsp.writeFile(file, text);
  try {
    await run(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, dataDir], { timeout: 60_000 });
  } catch (e) {
    throw new Error(`promtool could not backfill ${file}: ${e.stderr || e.message}`);
  } finally {
    await fsp.rm(file, { force: true });
  }
  const blocks = (await fsp.readdir(dataDir)).filter((d) => /^[0-9A-Z]{26}$/.test(d));
  if (!blocks.length) throw new Error(`promtool wrote no block into ${dataDir}`);
  return { fromSec, toSec, stepSec, samples, blocks: blocks.length };
}

/**
 * Starts Prometheus scraping `exporter` every `scrapeSec` (timeout 80% of it), with
 * `history` hours of its series backfilled first (0 for none), in a temporary directory,
 * on 127.0.0.1 on a free port; resolves once /-/ready answers 200 and the first scrape has
 * landed. The history ends `gapSec` before Prometheus starts, so the head never overlaps
 * a block (see `backfill`).
 * Returns { url, port, dir, history, stop(), output() }.
 */
export async function startPrometheus({ exporter, job = JOB, scrapeSec = 1, history = { hours: 2, stepSec: 1 }, gapSec = 1 } = {}) {
  requireBinary(PROMETHEUS, 'prometheus');
  const dir = await tempDir('pipescope-prom-');
  const dataDir = path.join(dir, 'data');
  try {
    await fsp.mkdir(dataDir);
    const config = path.join(dir, 'prometheus.yml');
    await fsp.writeFile(config, [
      'global:',
      `  scrape_interval: ${scrapeSec * 1000}ms`,
      `  scrape_timeout: ${Math.floor(scrapeSec * 800)}ms`,
      '  evaluation_interval: 15s',
      'scrape_configs:',
      `  - job_name: ${JSON.stringify(job)}`,
      '    static_configs:',
      `      - targets: [${JSON.stringify(exporter.target)}]`,
      '',
    ].join('\n'));
    let backfilled = null;
    if (history?.hours > 0) {
      // The last historical sample lands `gapSec` before now; promtool and Prometheus' start
      // take about a second more, so the first scrape comes after it.
      const stepSec = history.stepSec ?? 1;
      const toSec = Math.floor(Date.now() / 1000) - gapSec;
      backfilled = await backfill({ dataDir, exporter, job, hours: history.hours, stepSec, toSec: toSec - (toSec % stepSec) });
    }
    const svc = await withPort((port) => spawnService('prometheus', PROMETHEUS, [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1d',
      '--log.level=info',
    ], { readyUrl: `http://127.0.0.1:${port}/-/ready`, cwd: dir }).then((s) => ({ ...s, port })));
    const url = `http://127.0.0.1:${svc.port}`;
    const prom = {
      url,
      port: svc.port,
      dir,
      history: backfilled,
      output: svc.output,
      async stop() {
        await svc.stop();
        await removeDir(dir);
      },
    };
    // Ready does not mean scraped: wait for the target's first successful scrape.
    try {
      await waitFor(async () => {
        const r = await get(`${url}/api/v1/query?query=${encodeURIComponent(`up{job="${job}"}`)}`);
        const res = JSON.parse(r.text).data?.result ?? [];
        return res.some((s) => s.value?.[1] === '1');
      }, { timeout: 15_000, what: `Prometheus' first scrape of ${exporter.url}` });
    } catch (e) {
      await prom.stop();
      throw e;
    }
    return prom;
  } catch (e) {
    await removeDir(dir);
    throw e;
  }
}

/**
 * Starts Alertmanager with a null receiver (every alert is accepted and sent nowhere),
 * clustering off, storage in a temporary directory, on 127.0.0.1 on a free port (or on
 * `port`, e.g. to bring a stopped one back where a proxy points); resolves once /-/ready
 * answers 200. Returns { url, port, dir, stop(), output() }.
 */
export async function startAlertmanager({ port: fixedPort } = {}) {
  requireBinary(ALERTMANAGER, 'prometheus-alertmanager');
  const dir = await tempDir('pipescope-am-');
  try {
    const config = path.join(dir, 'alertmanager.yml');
    await fsp.writeFile(config, [
      'route:',
      "  receiver: 'null'",
      // pipescope's incident groups: one Alertmanager group (one notification) per group.
      "  group_by: ['group']",
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      "  - name: 'null'",
      '',
    ].join('\n'));
    await fsp.mkdir(path.join(dir, 'data'));
    const start = (port) => spawnService('alertmanager', ALERTMANAGER, [
      `--config.file=${config}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=info',
    ], { readyUrl: `http://127.0.0.1:${port}/-/ready`, cwd: dir }).then((s) => ({ ...s, port }));
    const svc = fixedPort ? await start(fixedPort) : await withPort(start);
    return {
      url: `http://127.0.0.1:${svc.port}`,
      port: svc.port,
      dir,
      output: svc.output,
      async stop() {
        await svc.stop();
        await removeDir(dir);
      },
    };
  } catch (e) {
    await removeDir(dir);
    throw e;
  }
}

/**
 * The whole stack for a test: the exporter, its backfilled history and Prometheus scraping
 * it. `stop()` stops both (safe to call twice, and after a failed start).
 */
export async function startPromStack(opts = {}) {
  const exporter = await startExporter(opts.exporter);
  let prometheus;
  try {
    prometheus = await startPrometheus({ exporter, ...opts.prometheus });
  } catch (e) {
    await exporter.close();
    throw e;
  }
  let stopped;
  return {
    exporter,
    prometheus,
    stop() {
      stopped ??= Promise.allSettled([prometheus.stop(), exporter.close()]);
      return stopped;
    },
  };
}

/** Polls `check` (async, truthy when done) every 200 ms until `timeout`. */
export async function waitFor(check, { timeout = 10_000, what = 'condition', every = 200 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await sleep(every);
  }
}

/** Runs a PromQL range query against `base` (a Prometheus URL or a proxy path's URL). */
export async function queryRange(base, query, { startSec, endSec, stepSec }) {
  const u = new URL(`${base.replace(/\/$/, '')}/api/v1/query_range`);
  u.search = new URLSearchParams({ query, start: String(startSec), end: String(endSec), step: String(stepSec) }).toString();
  const r = await get(u.href, 10_000);
  const body = JSON.parse(r.text);
  if (r.status !== 200 || body.status !== 'success') throw new Error(`query_range ${r.status}: ${r.text.slice(0, 500)}`);
  return body.data.result;
}
