// End-to-end harness: serves the release build of the page on 127.0.0.1 under a sub-path,
// drives Debian's Chromium through playwright-core, and fails any test whose session made a
// request off the page's origin, logged a console error, or threw a page error.
//
// The static server is hand-written on node:http because it is ~60 lines and the rules
// forbid extra dependencies for the harness; it also lets us mount node_modules for the bench.

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { before, after, afterEach, test as nodeTest } from 'node:test';
import { chromium } from 'playwright-core';

/** Repository root (/work/main). */
export const REPO = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The built page; PIPESCOPE_DIST overrides it (e.g. a placeholder while the page is built). */
export const DIST = path.resolve(process.env.PIPESCOPE_DIST || path.join(REPO, 'dist'));
/** Where screenshots land; /target is git-ignored. */
export const SCREENSHOT_DIR = path.join(REPO, 'target', 'e2e-screenshots');
/** The app is served under this sub-path to prove its asset paths are relative. */
export const SUB_PATH = '/deep/sub/path/pipescope/';

export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Starts a static server on 127.0.0.1 with a random free port.
 * `mounts` maps URL prefixes (ending in '/') to directories; anything else is a 404, so an
 * absolute asset path in the page shows up as a failed request and a console error.
 * A mount may instead be `{ proxy: 'http://127.0.0.1:PORT/' }`: requests under the prefix
 * are forwarded there with the prefix cut off (query string kept), as a deployer's reverse
 * proxy would put a Prometheus beside the page on the same origin (the page's CSP allows
 * only its own origin). If the target does not answer, the proxy answers 502 Bad Gateway
 * with a text body naming the prefix and the target. A proxy mount with `auth: 'Bearer …'`
 * forwards only requests whose Authorization header is exactly that, and answers others
 * 401 (without WWW-Authenticate, so the browser shows no login prompt), as an
 * authenticating proxy in front of a server would. `server.mount(prefix, target)` adds
 * or replaces a mount (a directory or `{ proxy }`) while the server runs, `unmount(prefix)`
 * removes one.
 */
export async function startServer(mounts = { [SUB_PATH]: DIST }) {
  let entries = [];
  const setMounts = (m) => { entries = Object.entries(m).sort((a, b) => b[0].length - a[0].length); };
  const current = { ...mounts };
  setMounts(current);
  const log = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    let pathname;
    try { pathname = decodeURIComponent(url.pathname); } catch { pathname = url.pathname; }
    log.push(`${req.method} ${pathname}`);
    for (const [prefix, dir] of entries) {
      if (pathname === prefix.slice(0, -1)) {
        res.writeHead(301, { Location: prefix + url.search });
        return res.end();
      }
      if (typeof dir === 'object' && dir?.proxy) {
        if (!url.pathname.startsWith(prefix)) continue;
        if (dir.auth && req.headers.authorization !== dir.auth) {
          res.writeHead(401, 'Unauthorized', { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
          return res.end(req.headers.authorization ? 'credentials refused\n' : 'credentials required\n');
        }
        return proxyRequest(req, res, prefix, dir.proxy, url.pathname.slice(prefix.length) + url.search);
      }
      if (!pathname.startsWith(prefix)) continue;
      let file = path.resolve(dir, '.' + path.posix.normalize('/' + pathname.slice(prefix.length)));
      if (file !== dir && !file.startsWith(dir + path.sep)) break;
      try {
        let st = await fsp.stat(file);
        if (st.isDirectory()) { file = path.join(file, 'index.html'); st = await fsp.stat(file); }
        res.writeHead(200, {
          'Content-Type': MIME[path.extname(file).toLowerCase()] || 'application/octet-stream',
          'Content-Length': st.size,
          'Cache-Control': 'no-store',
        });
        if (req.method === 'HEAD') return res.end();
        fs.createReadStream(file).pipe(res);
        return;
      } catch { break; }
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    log,
    url: (prefix = SUB_PATH) => origin + prefix,
    mount(prefix, target) {
      if (!prefix.startsWith('/') || !prefix.endsWith('/')) throw new Error(`mount prefix must start and end with '/': ${prefix}`);
      current[prefix] = target;
      setMounts(current);
    },
    unmount(prefix) {
      delete current[prefix];
      setMounts(current);
    },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

// Headers that belong to one connection, not to the message (RFC 9110, 7.6.1).
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate',
  'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** Forwards one request to `target` + `rest` and streams the answer back (see startServer). */
function proxyRequest(req, res, prefix, target, rest) {
  const base = new URL(target);
  const headers = { ...req.headers, host: base.host };
  for (const h of HOP_BY_HOP) delete headers[h];
  const upstream = http.request({
    hostname: base.hostname,
    port: base.port,
    method: req.method,
    path: base.pathname.replace(/\/$/, '') + '/' + rest,
    headers,
  }, (up) => {
    const back = { ...up.headers };
    for (const h of HOP_BY_HOP) delete back[h];
    res.writeHead(up.statusCode, up.statusMessage, back);
    up.pipe(res);
  });
  upstream.setTimeout(30_000, () => upstream.destroy(new Error('timed out after 30 s')));
  upstream.on('error', (e) => {
    if (res.headersSent) { res.destroy(); return; }
    res.writeHead(502, 'Bad Gateway', { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`502 Bad Gateway: the proxy at ${prefix} could not reach ${target}: ${e.code || e.message}\n`);
  });
  // The page gave up (navigated, aborted the fetch): stop asking upstream too.
  res.on('close', () => { if (!res.writableFinished) upstream.destroy(); });
  req.pipe(upstream);
}

/** Launches Debian's Chromium headless with the flags that keep it off the network. */
export function launchBrowser({ extraArgs = [] } = {}) {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
}

// Which profile directory each persistent context was launched on, so `killBrowser` can
// find its processes (a persistent context's `browser()` gives no process id).
const PROFILE_OF = new WeakMap();

/**
 * Launches Debian's Chromium (headless, the harness's flags) on the profile in `userDataDir`
 * and returns its persistent BrowserContext: what one page stores there (IndexedDB, web
 * locks, localStorage) is there again when the same directory is launched later, as after a
 * crash and a restart. `opts` go to playwright-core's `launchPersistentContext` (viewport,
 * colorScheme, ...), `extraArgs` are appended to the Chromium flags. The context opens with
 * one blank page, `context.pages()[0]`. Pair it with `killBrowser` to crash it, or close it
 * with `context.close()` as usual.
 */
export async function launchPersistent(userDataDir, { extraArgs = [], ...opts } = {}) {
  const dir = path.resolve(userDataDir);
  await fsp.mkdir(dir, { recursive: true });
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...extraArgs],
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    ...opts,
  });
  PROFILE_OF.set(context, dir);
  return context;
}

/**
 * Registers an `afterEach` hook that closes every browser context handed to the returned
 * `track(context)` that its test left open (an assertion failed half-way, or it timed
 * out), so no browser outlives its test: a failing test then reports instead of keeping
 * the process alive. A hook rather than each test's own `finally`, because a test that
 * times out is abandoned mid-await and its `finally` never runs. `track` returns the
 * context; contexts already closed (or killed) are skipped.
 */
export function closeLeftBrowsers() {
  const open = [];
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close().catch(() => {});
  });
  return (context) => {
    open.push(context);
    return context;
  };
}

/** Fields of /proc/PID/stat from the state on (the command name may hold spaces). */
function statFields(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [f[0], Number(f[1]), Number(f[2])]; // state, ppid, pgid
}

/** Pids of the live (not zombie) processes whose command line holds `--user-data-dir=DIR`. */
function profileProcesses(dir) {
  const flag = `--user-data-dir=${dir}`;
  const found = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (!args.includes(flag)) continue;
      const [state, , pgid] = statFields(name);
      // A zombie is already dead, waiting for its parent to reap it.
      if (state === 'Z') continue;
      found.push({ pid: Number(name), pgid, main: !args.some((a) => a.startsWith('--type=')) });
    } catch { /* the process ended while we looked */ }
  }
  return found;
}

/**
 * Crashes a context made by `launchPersistent`: SIGKILLs its Chromium (the browser process,
 * its process group, and every helper process started on the same profile) with no
 * graceful close, so nothing is flushed, no `pagehide`/`beforeunload` runs and no lock is
 * released politely: what a browser crash or a power cut leaves behind (minus the OS's page
 * cache, which a process kill keeps). The processes are found by scanning /proc for the
 * profile's `--user-data-dir` argument, because a persistent context exposes no pid and
 * Debian's `chromium` is a wrapper script. Resolves once every such process is gone and
 * playwright has seen the context close; returns the pids it killed. Launch the same
 * directory again to see what survived.
 */
export async function killBrowser(context, { timeout = 10_000 } = {}) {
  const dir = PROFILE_OF.get(context);
  if (!dir) throw new Error('killBrowser: this context was not made by launchPersistent');
  const closed = new Promise((resolve) => context.once('close', resolve));
  const procs = profileProcesses(dir);
  if (!procs.some((p) => p.main)) throw new Error(`killBrowser: no browser process runs on ${dir}`);
  const ownGroup = statFields('self')[2];
  const killed = [];
  for (const { pid, pgid, main } of procs) {
    // playwright starts the browser as a process-group leader; killing the group also takes
    // helpers that do not carry the profile flag. Never our own group.
    if (main && pgid > 1 && pgid !== ownGroup) { try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ } }
    try { process.kill(pid, 'SIGKILL'); killed.push(pid); } catch { /* already gone */ }
  }
  const deadline = Date.now() + timeout;
  for (;;) {
    const left = profileProcesses(dir);
    if (!left.length) break;
    if (Date.now() > deadline) throw new Error(`killBrowser: still alive after SIGKILL: ${left.map((p) => p.pid).join(', ')}`);
    for (const { pid } of left) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.race([closed, new Promise((r) => setTimeout(r, timeout))]);
  PROFILE_OF.delete(context);
  return killed;
}

/**
 * Records everything a session must not do: requests off `origin` (data: and blob: are
 * allowed), console errors, page errors. `problems()` lists them as readable lines.
 * `origin` may be an array: a session that is legitimately on several origins (a portal
 * embedding the page) names each.
 */
export function watchContext(context, origin) {
  const origins = Array.isArray(origin) ? origin : [origin];
  const offOrigin = [];
  const consoleErrors = [];
  const pageErrors = [];
  const allowedConsole = [];
  context.on('request', (req) => {
    const u = req.url();
    if (u.startsWith('data:') || u.startsWith('blob:')) return;
    let o;
    try { o = new URL(u).origin; } catch { o = u; }
    if (!origins.includes(o)) offOrigin.push(`${req.method()} ${u}`);
  });
  const attach = (page) => {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      if (allowedConsole.some((re) => re.test(text))) return;
      const loc = msg.location();
      consoleErrors.push(`${text}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    });
    page.on('pageerror', (err) => pageErrors.push(String(err?.stack || err)));
  };
  context.on('page', attach);
  return {
    attach,
    offOrigin,
    consoleErrors,
    pageErrors,
    /** Lets a test declare a console error it provokes on purpose. */
    allowConsoleError: (re) => allowedConsole.push(re),
    problems() {
      return [
        ...offOrigin.map((r) => `request left the origin ${origins.join(' or ')}: ${r}`),
        ...consoleErrors.map((e) => `console error: ${e}`),
        ...pageErrors.map((e) => `page error: ${e}`),
      ];
    },
  };
}

/**
 * Registers before/after hooks for one test file (one server, one browser) and returns
 * `test(name, fn)`, which gives each test a fresh context and page already at the app and
 * fails it in teardown if the session broke a rule.
 */
export function appSession({ hash = '#/distribution', colorScheme = 'light' } = {}) {
  let server;
  let browser;
  before(async () => {
    if (!fs.existsSync(path.join(DIST, 'index.html'))) {
      throw new Error(`${DIST}/index.html is missing: run \`make build\` (trunk build index.html --release) first`);
    }
    server = await startServer();
    browser = await launchBrowser();
    await fsp.mkdir(SCREENSHOT_DIR, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  function test(name, opts, fn) {
    if (typeof opts === 'function') { fn = opts; opts = {}; }
    return nodeTest(name, { timeout: 120_000, ...opts }, async (t) => {
      const failedShot = path.join(SCREENSHOT_DIR, `FAILED-${slug(name)}.png`);
      await fsp.rm(failedShot, { force: true });
      const context = await browser.newContext({
        acceptDownloads: true,
        viewport: { width: 1280, height: 900 },
        colorScheme: opts.colorScheme || colorScheme,
      });
      const watch = watchContext(context, server.origin);
      const page = await context.newPage();
      watch.attach(page);
      page.setDefaultTimeout(20_000);
      const base = server.url();
      let failure;
      try {
        if (opts.goto !== false) await gotoApp(page, base, opts.hash ?? hash);
        await fn({ t, page, context, base, origin: server.origin, watch, server });
      } catch (e) {
        failure = e;
        await page.screenshot({ path: failedShot, fullPage: true }).catch(() => {});
      }
      // Let in-flight requests and late console errors surface before judging the session.
      await page.waitForTimeout(100).catch(() => {});
      await context.close();
      const problems = watch.problems();
      if (failure && problems.length) failure.message += `\nsession problems:\n  ${problems.join('\n  ')}`;
      if (failure) throw failure;
      if (problems.length) throw new Error(`session broke the rules:\n  ${problems.join('\n  ')}`);
    });
  }
  return { test, get origin() { return server.origin; }, get base() { return server.url(); } };
}

/** Opens the app at `hash` and waits until the Leptos app has mounted its nav. */
export async function gotoApp(page, base, hash = '#/distribution') {
  await page.goto(base + hash, { waitUntil: 'load' });
  await page.waitForSelector('nav a[href="#/distribution"]', { state: 'attached', timeout: 30_000 });
}

/** The Errors workspace's rule cards under "Rule incidents", newest first: rule, opened,
 *  state, silenced. */
export function errorRuleCards(page) {
  return page.$$eval('#errors-rule-incidents li.incident-card', (lis) => lis.map((li) => ({
    rule: li.dataset.rule, opened: li.dataset.opened, state: li.dataset.state, silenced: li.dataset.silenced,
  })));
}

/** Silences the Errors rule card of `rule` from its own "Silence…" for `duration` of stream
 *  time with `comment`, and waits until the card says it is silenced. */
export async function silenceErrorRuleCard(page, rule, duration, comment) {
  const card = page.locator(`#errors-rule-incidents li[data-rule="${rule}"]`);
  await card.locator('summary').click();
  await card.locator('.silence-duration').fill(duration);
  await card.locator('.silence-comment').fill(comment);
  await card.locator('.silence-submit').click();
  await page.waitForSelector(`#errors-rule-incidents li[data-rule="${rule}"][data-silenced="true"]`);
}

/** Waits until #status's text matches `re`; on timeout the error says what it did show. */
export async function waitForStatus(page, re, { timeout = 30_000 } = {}) {
  try {
    await page.waitForFunction(
      ([src, flags]) => new RegExp(src, flags).test(document.querySelector('#status')?.textContent ?? ''),
      [re.source, re.flags],
      { timeout, polling: 50 },
    );
  } catch (e) {
    const actual = await page.locator('#status').textContent().catch(() => '(no #status element)');
    throw new Error(`#status never matched ${re} within ${timeout} ms; it says: ${JSON.stringify(actual)}`);
  }
  return page.locator('#status').textContent();
}

/** Current value of body[data-load-seq] as a number (0 before the first load). */
export async function loadSeq(page) {
  return page.evaluate(() => Number(document.body.dataset.loadSeq || 0));
}

/** Waits until a load completes after `prevSeq`; returns the body dataset load figures. */
export async function waitForLoad(page, prevSeq, { timeout = 60_000 } = {}) {
  try {
    await page.waitForFunction((p) => Number(document.body.dataset.loadSeq || 0) > p, prevSeq, { timeout, polling: 50 });
  } catch {
    const status = await page.locator('#status').textContent().catch(() => null);
    const banner = await page.locator('.banner.error').allTextContents().catch(() => []);
    throw new Error(`no completed load (body.dataset.loadSeq > ${prevSeq}) within ${timeout} ms; #status=${JSON.stringify(status)} banners=${JSON.stringify(banner)}`);
  }
  return page.evaluate(() => ({ ...document.body.dataset }));
}

/** Picks `file` through input#file-input and waits for the load to complete. */
export async function uploadAndWait(page, file, opts) {
  const prev = await loadSeq(page);
  await page.setInputFiles('input#file-input', file);
  return waitForLoad(page, prev, opts);
}

/** Parses '#rrggbb' into [r, g, b]. */
export function hexToRgb(hex) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [1, 2, 3].map((i) => parseInt(m[i], 16));
}

/**
 * Reads a canvas's pixels and counts those within `tolerance` (max per-channel difference)
 * of each named colour. Also returns a cheap hash of all pixels so tests can tell whether a
 * control changed the drawing, and per pixel column / pixel row counts of each colour so
 * tests can count bars in either orientation.
 */
export async function readCanvasPixels(page, selector, colors = {}, { tolerance = 24 } = {}) {
  const named = Object.fromEntries(Object.entries(colors).map(([k, v]) => [k, hexToRgb(v)]));
  await page.waitForSelector(selector, { state: 'attached' });
  return page.evaluate(([sel, named, tol]) => {
    const canvas = document.querySelector(sel);
    if (!(canvas instanceof HTMLCanvasElement)) throw new Error(`${sel} is not a canvas`);
    const { width, height } = canvas;
    if (!width || !height) return { width, height, counts: {}, hash: 0, columns: {}, rows: {} };
    // Copy through a scratch canvas so we never touch the page's own context state.
    const scratch = document.createElement('canvas');
    scratch.width = width; scratch.height = height;
    const ctx = scratch.getContext('2d');
    ctx.drawImage(canvas, 0, 0);
    const data = ctx.getImageData(0, 0, width, height).data;
    const names = Object.keys(named);
    const counts = Object.fromEntries(names.map((n) => [n, 0]));
    const columns = Object.fromEntries(names.map((n) => [n, new Array(width).fill(0)]));
    const rows = Object.fromEntries(names.map((n) => [n, new Array(height).fill(0)]));
    let hash = 2166136261;
    for (let i = 0, px = 0; i < data.length; i += 4, px++) {
      const r = data[i], g = data[i + 1], b = data[i + 2];
      hash = Math.imul(hash ^ (r | (g << 8) | (b << 16)), 16777619);
      for (const n of names) {
        const c = named[n];
        if (Math.abs(r - c[0]) <= tol && Math.abs(g - c[1]) <= tol && Math.abs(b - c[2]) <= tol) {
          counts[n]++;
          columns[n][px % width]++;
          rows[n][(px / width) | 0]++;
        }
      }
    }
    return { width, height, counts, hash: hash >>> 0, columns, rows };
  }, [selector, named, tolerance]);
}

/**
 * Counts runs of consecutive pixel columns holding at least `minPixels` pixels of a colour:
 * the number of distinct vertical bars (or boxes) drawn in it.
 */
export function countRuns(columnCounts, minPixels = 3) {
  let runs = 0;
  let inRun = false;
  for (const c of columnCounts) {
    const on = c >= minPixels;
    if (on && !inRun) runs++;
    inRun = on;
  }
  return runs;
}

/** Saves a full-page screenshot as target/e2e-screenshots/NAME.png and returns its path. */
export async function screenshot(page, name, opts = {}) {
  await fsp.mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${slug(name)}.png`);
  await page.screenshot({ path: file, fullPage: true, ...opts });
  return file;
}

/**
 * Shows the page in a phone's 390 x 844 window, scrolls `selector` into view, saves the
 * window as target/e2e-screenshots/NAME.png, and fails if the element runs past the window
 * or makes its panel scroll sideways.
 */
export async function assertFitsPhone(page, selector, name) {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator(selector).scrollIntoViewIfNeeded();
  await screenshot(page, name, { fullPage: false });
  const fit = await page.locator(selector).evaluate((el) => {
    const panel = el.closest('.panel') ?? document.documentElement;
    return {
      right: Math.round(el.getBoundingClientRect().right),
      window: window.innerWidth,
      panel: [panel.scrollWidth, panel.clientWidth],
    };
  });
  if (fit.right > fit.window || fit.panel[0] > fit.panel[1]) {
    throw new Error(`${selector} does not fit a 390 px window: ${JSON.stringify(fit)}`);
  }
}

/** Runs `action` and returns the download it triggers with its content. */
export async function captureDownload(page, action) {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), action()]);
  const file = await download.path();
  const buf = file ? await fsp.readFile(file) : Buffer.alloc(0);
  return { name: download.suggestedFilename(), buf, text: () => buf.toString('utf8') };
}

/** Makes a fresh temporary directory for files a test writes. */
export async function tempDir(prefix = 'pipescope-e2e-') {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

function slug(s) {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
}
