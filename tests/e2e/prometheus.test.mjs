// The Monitor on a live Prometheus: Debian's Prometheus scrapes a test exporter every second,
// with two hours of the same series backfilled by promtool, and the page reaches it through a
// same-origin reverse proxy under the page's sub-path (/deep/sub/path/prom/), as a deployer
// would put it (the page's CSP allows only its own origin). The page connects, backfills 30
// minutes, goes live, draws the chart and stays quiet on clean data; a fault (x6) in the
// exporter opens an incident that resolves once it ends; an unreachable server and a bad
// PromQL query give errors that say what failed. Alertmanager is checked to start for later.
import assert from 'node:assert/strict';
import { before, after, test as nodeTest } from 'node:test';
import { appSession, gotoApp, readCanvasPixels, screenshot } from './harness.mjs';
import { GAUGE, JOB, freePort, queryRange, startAlertmanager, startPromStack } from './prom.mjs';

const { test } = appSession({ hash: '#/monitor' });

/** Where the page finds Prometheus: beside the app, on its origin. */
const PROM_PATH = '/deep/sub/path/prom/';
/** A proxy to a port nobody listens on: Prometheus is down. */
const DOWN_PATH = '/deep/sub/path/prom-down/';

let stack;
before(async () => {
  stack = await startPromStack();
});
after(async () => {
  await stack?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The metric's name as Prometheus prints it (labels sorted; a space after commas or not). */
const seriesName = () => new RegExp(
  `^${GAUGE}\\{instance="127\\.0\\.0\\.1:${stack.exporter.port}",\\s?job="${JOB}"\\}$`,
);

const summary = (page) => page.locator('#monitor-incidents').evaluate((el) => ({
  open: Number(el.dataset.open), severity: el.dataset.severity, total: Number(el.dataset.total),
}));

/** Fills the Prometheus form and connects. */
async function connect(page, { url, query, step = 1, history = 30 }) {
  if (!(await page.locator('#prom-form').isVisible())) {
    await page.click('#monitor-use-prom', { timeout: 10_000 }).catch(() => assert.fail(
      'no #monitor-use-prom button in the Monitor: does dist/ hold the build with the Prometheus source?'));
  }
  await page.waitForSelector('#prom-form');
  for (const [sel, v] of [['#prom-url', url], ['#prom-queries', query], ['#prom-step', String(step)], ['#prom-history', String(history)]]) {
    await page.fill(sel, v);
    await page.locator(sel).dispatchEvent('change');
  }
  await page.click('#prom-connect');
}

/** Waits for #prom-status[data-state=STATE]; on timeout says what it showed. */
async function promState(page, state, timeout) {
  try {
    await page.waitForSelector(`#prom-status[data-state="${state}"]`, { timeout });
  } catch {
    const el = page.locator('#prom-status');
    const now = (await el.count())
      ? { state: await el.getAttribute('data-state'), text: await el.innerText() }
      : '(no #prom-status)';
    assert.fail(`#prom-status never reached data-state=${state} within ${timeout} ms; it shows ${JSON.stringify(now)}`);
  }
  return page.locator('#prom-status').innerText();
}

/** The canvas of the exporter's metric, found by its data-metric (an id cannot hold braces). */
async function gaugeCanvas(page, timeout = 10_000) {
  const re = seriesName();
  const handle = await page.waitForFunction((src) => {
    const re = new RegExp(src);
    return [...document.querySelectorAll('canvas[data-metric]')].find((c) => re.test(c.dataset.metric))?.id || null;
  }, re.source, { timeout }).catch(async () => {
    const names = await page.locator('canvas[data-metric]').evaluateAll((cs) => cs.map((c) => c.dataset.metric));
    assert.fail(`no chart for a metric named like ${re} within ${timeout} ms; the Monitor lists ${JSON.stringify(names)}`);
  });
  return `#${await handle.jsonValue()}`;
}

async function bandPixels(page, sel) {
  const colors = await page.locator(sel).evaluate((c) => ({ band: c.dataset.bandColor, anomaly: c.dataset.anomalyColor }));
  return readCanvasPixels(page, sel, colors, { tolerance: 10 });
}

const promRequests = (server) => server.log.filter((l) => l.includes(PROM_PATH)).length;

test('the harness: Prometheus serves the backfilled history and the live scrapes as one series, through the same-origin proxy', { goto: false }, async ({ t, server }) => {
  server.mount(PROM_PATH, { proxy: `${stack.prometheus.url}/` });
  const base = server.origin + PROM_PATH;
  const h = stack.prometheus.history;
  assert.equal(h.samples, 7200, 'two hours at 1 s');
  t.diagnostic(`history ${new Date(h.fromSec * 1000).toISOString()} .. ${new Date(h.toSec * 1000).toISOString()} in ${h.blocks} blocks`);

  // Raw samples: exactly the backfilled ones, then the scrapes, in one series.
  await sleep(2_500);
  const nowSec = Date.now() / 1000;
  const res = await fetch(`${base}api/v1/query?${new URLSearchParams({ query: `${GAUGE}[${7200 + 120}s]`, time: String(nowSec) })}`);
  assert.equal(res.status, 200);
  const raw = (await res.json()).data.result;
  assert.equal(raw.length, 1, `one series: ${JSON.stringify(raw.map((s) => s.metric))}`);
  assert.deepEqual(raw[0].metric, { __name__: GAUGE, instance: stack.exporter.target, job: JOB });
  const ts = raw[0].values.map(([t]) => t);
  const hist = ts.filter((t) => t <= h.toSec);
  const live = ts.filter((t) => t > h.toSec);
  assert.equal(hist.length, 7200, 'every backfilled sample is served');
  assert.equal(hist[0], h.fromSec);
  assert.ok(live.length >= 3, `live scrapes follow the history (${live.length})`);
  const gap = live[0] - h.toSec;
  t.diagnostic(`first scrape ${gap.toFixed(1)} s after the last backfilled sample; ${live.length} scrapes so far`);
  assert.ok(gap > 0 && gap < 30, `the live part starts right after the history (${gap} s)`);
  for (let i = 1; i < live.length; i++) {
    assert.ok(Math.abs(live[i] - live[i - 1] - 1) < 0.2, `scrapes 1 s apart (${live[i] - live[i - 1]})`);
  }
  const values = raw[0].values.map(([, v]) => Number(v));
  assert.ok(values.every((v) => v > 0.15 && v < 0.25), 'history and live values alike (0.2 plus noise)');

  // A range query at 1 s over the last 30 minutes, as the page backfills: one series, no holes.
  const endSec = Math.floor(Date.now() / 1000);
  const range = await queryRange(server.origin + PROM_PATH, GAUGE, { startSec: endSec - 1800, endSec, stepSec: 1 });
  assert.equal(range.length, 1);
  assert.equal(range[0].values.length, 1801, 'a point every second of the 30 minutes');

  // The proxy: a closed port answers 502 naming it; Prometheus' own errors pass through.
  server.mount(DOWN_PATH, { proxy: `http://127.0.0.1:${await freePort()}/` });
  const down = await fetch(`${server.origin}${DOWN_PATH}api/v1/query?query=up`);
  assert.equal(down.status, 502);
  assert.match(await down.text(), /could not reach http:\/\/127\.0\.0\.1:\d+\/: ECONNREFUSED/);
  const bad = await fetch(`${base}api/v1/query?query=${encodeURIComponent(`rate(${GAUGE}[`)}`);
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /parse error/);
});

nodeTest('the harness: Alertmanager starts with a null receiver and answers /api/v2/alerts with []', { timeout: 30_000 }, async () => {
  const am = await startAlertmanager();
  try {
    const res = await fetch(`${am.url}/api/v2/alerts`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), []);
  } finally {
    await am.stop();
  }
});

test('live from Prometheus: backfilled, charted, quiet on clean data; a fault opens an incident that resolves; disconnect stops polling', { timeout: 170_000 }, async ({ t, page, server }) => {
  server.mount(PROM_PATH, { proxy: `${stack.prometheus.url}/` });
  stack.exporter.setFault(false);
  await connect(page, { url: PROM_PATH.slice(0, -1), query: GAUGE, step: 1, history: 30 });
  const connectedAt = Date.now();
  await promState(page, 'live', 15_000);
  t.diagnostic(`live ${Date.now() - connectedAt} ms after Connect; status: ${await page.locator('#prom-status').innerText()}`);

  // The series is a metric of the Monitor, named as Prometheus prints it, with a drawn chart.
  const canvas = await gaugeCanvas(page);
  const names = await page.locator('canvas[data-metric]').evaluateAll((cs) => cs.map((c) => c.dataset.metric));
  assert.equal(names.length, 1, `only the query's one series: ${JSON.stringify(names)}`);
  // 30 minutes of history at 1 s is well over what the detector needs: it judges at once.
  // (In view: a live chart far from view redraws only every few seconds.)
  await page.locator(canvas).scrollIntoViewIfNeeded();
  await page.waitForSelector(`${canvas}[data-trained="true"]`, { timeout: 5_000 })
    .catch(() => assert.fail('the detector is not trained right after the backfill: was the history loaded?'));
  // The stream clock follows real time.
  const clock = Number(await page.getAttribute('#monitor-clock', 'data-ms'));
  assert.ok(Math.abs(Date.now() - clock) < 10_000, `the clock is live (${(Date.now() - clock) / 1000} s behind)`);
  const px = await bandPixels(page, canvas);
  assert.ok(px.counts.band > 200, `the band is drawn (${JSON.stringify(px.counts)})`);
  assert.ok(Number(await page.getAttribute(canvas, 'data-points')) > 0);

  // About 20 s of clean live data: new points keep coming, nothing pages.
  const hash0 = px.hash;
  await page.waitForFunction((t) => Number(document.querySelector('#monitor-clock').dataset.ms) >= t, clock + 20_000, { timeout: 30_000, polling: 250 });
  assert.deepEqual(await summary(page), { open: 0, severity: '', total: 0 }, 'clean live data opens no incident');
  assert.notEqual((await bandPixels(page, canvas)).hash, hash0, 'the chart moves with the live data');
  assert.equal(await page.getAttribute('#prom-status', 'data-state'), 'live');
  await screenshot(page, 'prometheus-live');

  // A fault: the exporter's value x6 for about 40 s. An incident opens within ~15 s.
  stack.exporter.setFault(true);
  const faultAt = Date.now();
  await page.waitForSelector('#monitor-incidents[data-open="1"]', { timeout: 15_000 })
    .catch(async () => assert.fail(`no incident within 15 s of the fault; summary ${JSON.stringify(await summary(page))}, anomalies ${await page.getAttribute(canvas, 'data-anomalies')}`));
  t.diagnostic(`incident open ${((Date.now() - faultAt) / 1000).toFixed(1)} s after the fault began: ${JSON.stringify(await summary(page))}`);
  assert.ok(Number(await page.getAttribute(canvas, 'data-anomalies')) >= 1, 'the fault is marked on the chart');
  assert.ok((await bandPixels(page, canvas)).counts.anomaly > 0, 'anomaly marks drawn');
  const cards = page.locator('.incident-card[data-source="monitor"][data-state="open"]');
  await page.waitForFunction(() => document.querySelectorAll('.incident-card[data-source="monitor"][data-state="open"]').length >= 1, null, { timeout: 5_000 })
    .catch(() => assert.fail('no open monitor card in the Incidents workspace'));
  assert.match(await cards.first().textContent(), new RegExp(GAUGE), 'the card names the metric');
  await screenshot(page, 'prometheus-incident');

  await sleep(Math.max(0, 40_000 - (Date.now() - faultAt)));
  stack.exporter.setFault(false);
  const backAt = Date.now();
  // Once the value is back (and any incident the return opens has passed), nothing is open.
  await page.waitForFunction(() => {
    const el = document.querySelector('#monitor-incidents');
    return el.dataset.open === '0' && Number(el.dataset.total) >= 1
      && !document.querySelector('.incident-card[data-source="monitor"][data-state="open"]');
  }, null, { timeout: 50_000, polling: 250 })
    .catch(async () => assert.fail(`incidents still open 50 s after the fault ended: ${JSON.stringify(await summary(page))}`));
  const done = await summary(page);
  t.diagnostic(`all resolved ${((Date.now() - backAt) / 1000).toFixed(1)} s after the fault ended; ${done.total} incident(s)`);
  assert.ok(done.total <= 2, `the fault and at most its return (${done.total} incidents)`);
  assert.equal(await page.locator('#monitor-incidents li[data-state="resolved"]').count(), done.total);

  // Disconnect: no more requests to Prometheus.
  await page.click('#prom-disconnect');
  await sleep(1_500); // a request already under way may still land
  const before = promRequests(server);
  await sleep(3_000);
  assert.equal(promRequests(server), before, 'no polling after Disconnect');
});

test('errors: an unreachable Prometheus and a bad query say what failed', async ({ t, page, server, watch }) => {
  server.mount(PROM_PATH, { proxy: `${stack.prometheus.url}/` });
  server.mount(DOWN_PATH, { proxy: `http://127.0.0.1:${await freePort()}/` });
  // The browser logs the failed loads themselves; the page's message is what we judge.
  watch.allowConsoleError(/Failed to load resource: the server responded with a status of (502|400)/);

  await connect(page, { url: DOWN_PATH.slice(0, -1), query: GAUGE, step: 1, history: 30 });
  const down = await promState(page, 'error', 15_000);
  t.diagnostic(`unreachable: ${down}`);
  assert.ok(down.includes(DOWN_PATH.slice(0, -1)), `the message names the server: ${JSON.stringify(down)}`);
  assert.match(down, /502|Bad Gateway|could not reach|unreachable|not reach|refused/i, `the message says what failed: ${JSON.stringify(down)}`);

  await connect(page, { url: PROM_PATH.slice(0, -1), query: `rate(${GAUGE}[`, step: 1, history: 30 });
  const bad = await promState(page, 'error', 15_000);
  t.diagnostic(`bad query: ${bad}`);
  assert.match(bad, /parse error/, `Prometheus' own error text: ${JSON.stringify(bad)}`);
  assert.equal(await page.locator('canvas[data-metric]').evaluateAll((cs, name) => cs.filter((c) => c.dataset.metric.startsWith(name)).length, GAUGE), 0,
    'no metric from a failed query');
  await screenshot(page, 'prometheus-error');
});

test('a shared link connects at once; new settings on a live stream fetch the history again', { timeout: 90_000 }, async ({ t, page, server, base }) => {
  server.mount(PROM_PATH, { proxy: `${stack.prometheus.url}/` });
  stack.exporter.setFault(false);
  // The link the live status offers, opened fresh: a server on the page's origin connects
  // without a click.
  const link = `#/monitor?prom=${encodeURIComponent(PROM_PATH.slice(0, -1))}&query=${GAUGE}&step=1&history=30`;
  await page.goto('about:blank');
  await page.goto(base + link);
  await promState(page, 'live', 20_000);
  assert.equal(await page.inputValue('#prom-url'), PROM_PATH.slice(0, -1), 'the form shows what the link asked for');
  const href = await page.getAttribute('#prom-link', 'href');
  assert.match(href, /^#\/monitor\?prom=%2Fdeep%2Fsub%2Fpath%2Fprom&query=pipescope_e2e_latency_seconds&step=1&history=30$/);
  const canvas = await gaugeCanvas(page);
  const before = Number(await page.getAttribute(canvas, 'data-points'));
  assert.ok(before > 100, `the backfill is drawn (${before} points)`);
  // The player has no start, step or speed while live.
  assert.equal(await page.locator('#monitor-play').isVisible(), false);
  assert.equal(await page.locator('#monitor-speed').isVisible(), false);

  // A new band level restarts the detectors: the page connects again and backfills, so the
  // chart is full again at once rather than empty.
  await page.selectOption('#monitor-level', '0.99');
  await page.waitForFunction(() => document.querySelector('#prom-status')?.dataset.state !== 'live', null, { timeout: 5_000 }).catch(() => {});
  await promState(page, 'live', 20_000);
  const canvas2 = await gaugeCanvas(page);
  await page.waitForFunction((sel) => Number(document.querySelector(sel)?.dataset.points) > 100, canvas2, { timeout: 10_000 })
    .catch(async () => assert.fail(`after new settings the chart holds ${await page.getAttribute(canvas2, 'data-points')} points: the history was not fetched again`));
  await page.waitForSelector(`${canvas2}[data-trained="true"]`, { timeout: 5_000 });
  t.diagnostic(`link live; after the settings change ${await page.getAttribute(canvas2, 'data-points')} points, trained`);
  await page.click('#prom-disconnect');
});

test('sign-in: a server behind an authenticating proxy asks for credentials, takes a token, and forgets it on reload unless remembered', { timeout: 120_000 }, async ({ t, page, server, watch }) => {
  const AUTH_PATH = '/deep/sub/path/prom-auth/';
  const TOKEN = 'e2e-Token.42_secret';
  server.mount(AUTH_PATH, { proxy: `${stack.prometheus.url}/`, auth: `Bearer ${TOKEN}` });
  stack.exporter.setFault(false);
  watch.allowConsoleError(/Failed to load resource: the server responded with a status of 401/);
  const url = AUTH_PATH.slice(0, -1);

  // No credentials: the message says the server wants some, nothing is retried, and the
  // sign-in part of the form opens.
  await connect(page, { url, query: GAUGE, step: 1, history: 10 });
  const missing = await promState(page, 'error', 15_000);
  assert.equal(await page.getAttribute('#prom-status', 'data-kind'), 'auth');
  assert.match(missing, /401.*wants credentials/, `says what is missing: ${JSON.stringify(missing)}`);
  assert.ok(!/retrying/.test(missing), 'waiting does not fix missing credentials');
  assert.equal(await page.locator('#prom-signin').evaluate((d) => d.open), true, 'the sign-in opens by itself');

  // A wrong token reads as refused, not missing.
  await page.selectOption('#prom-auth', 'token');
  await page.fill('#prom-token', 'not-the-token');
  await page.click('#prom-connect');
  await page.waitForFunction(() => /refused the credentials/.test(document.querySelector('#prom-status')?.textContent || ''), null, { timeout: 15_000 })
    .catch(async () => assert.fail(`a wrong token shows ${JSON.stringify(await page.innerText('#prom-status'))}`));

  // The right one connects; it is in no link and not in localStorage.
  await page.fill('#prom-token', TOKEN);
  await page.click('#prom-connect');
  await promState(page, 'live', 20_000);
  await gaugeCanvas(page);
  const href = await page.getAttribute('#prom-link', 'href');
  assert.ok(!href.includes(TOKEN) && !href.includes('secret'), `the link holds no credentials: ${href}`);
  const stored = () => page.evaluate(() => JSON.stringify({ ...localStorage }));
  assert.ok(!(await stored()).includes(TOKEN), 'not remembered unless asked');

  // A reload resumes the stream from the journal, but the token was only in memory: the
  // page asks for it again instead of failing silently.
  await page.reload();
  await page.waitForSelector('#prom-status[data-kind="auth"]', { timeout: 20_000 });
  const again = await page.innerText('#prom-status');
  assert.match(again, /wants credentials/, `after a reload: ${JSON.stringify(again)}`);

  // Remembered on this device: a reload resumes live polling by itself.
  if (!(await page.locator('#prom-form').isVisible())) await page.click('#monitor-use-prom');
  await page.selectOption('#prom-auth', 'token');
  await page.fill('#prom-token', TOKEN);
  await page.check('#prom-remember');
  await page.click('#prom-connect');
  await promState(page, 'live', 20_000);
  assert.ok((await stored()).includes(TOKEN), 'remembered when asked');
  await page.reload();
  await promState(page, 'live', 20_000);
  t.diagnostic('token remembered: live again after a reload without typing it');
  await screenshot(page, 'prometheus-signin');

  // Unticking Remember and connecting forgets it on this device.
  if (!(await page.locator('#prom-form').isVisible())) await page.click('#monitor-use-prom');
  await page.uncheck('#prom-remember');
  await page.click('#prom-connect');
  await promState(page, 'live', 20_000);
  assert.ok(!(await stored()).includes(TOKEN), 'forgotten on this device when Remember is unticked');
  // The top bar does not claim "no network" while the page polls a server.
  assert.match(await page.innerText('#privacy'), /servers you added: Prometheus/);
  assert.match(await page.getAttribute('#privacy', 'title'), new RegExp(`Prometheus: ${url}`));
  await page.click('#prom-disconnect');
  await page.waitForFunction(() => /^Local only/.test(document.querySelector('#privacy')?.textContent || ''), null, { timeout: 5_000 })
    .catch(async () => assert.fail(`after Stop the top bar says ${JSON.stringify(await page.innerText('#privacy'))}`));
});

test('a link with a time range: a past range is backfilled and replayed, not polled, and shown in the form; a bad range says what to write', { goto: false, timeout: 90_000 }, async ({ t, page, context, server, base, watch }) => {
  server.mount(PROM_PATH, { proxy: `${stack.prometheus.url}/` });
  const h = stack.prometheus.history;
  const iso = (sec) => new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
  // Twenty minutes inside the backfilled history, ending ten minutes before its end.
  const from = iso(h.toSec - 1800);
  const to = iso(h.toSec - 600);
  const link = `#/monitor?${new URLSearchParams({ prom: PROM_PATH.slice(0, -1), query: GAUGE, step: '1', from, to })}`;
  await gotoApp(page, base, link);
  const text = await promState(page, 'replayed', 20_000);
  t.diagnostic(`replay: ${text}`);
  assert.match(text, new RegExp(`Replay of a past range: 1 series from ${from} to ${to}`));
  assert.equal(await page.inputValue('#prom-from'), from, 'the form shows the range');
  assert.equal(await page.inputValue('#prom-to'), to);
  const canvas = await gaugeCanvas(page);
  assert.equal(Number(await page.getAttribute(canvas, 'data-points')) > 0, true);
  const clock = Number(await page.getAttribute('#monitor-clock', 'data-ms'));
  assert.equal(clock, Date.parse(to), 'the stream ends at the end of the range');
  // A fixed end is a replay: nothing more is asked.
  const asked = promRequests(server);
  await sleep(3_000);
  assert.equal(promRequests(server), asked, 'a past range is not polled');
  const href = await page.getAttribute('#prom-link', 'href');
  assert.ok(href.includes(`from=${encodeURIComponent(from)}`) && href.includes(`to=${encodeURIComponent(to)}`), `the link keeps the range: ${href}`);
  await screenshot(page, 'prometheus-range');

  // A bad value in a link: what is wrong and what to write, nothing asked.
  await page.close();
  const page2 = await context.newPage();
  watch.attach(page2);
  const before = promRequests(server);
  await gotoApp(page2, base, `#/monitor?${new URLSearchParams({ prom: PROM_PATH.slice(0, -1), query: GAUGE, from: 'now-6x' })}`);
  const problem = await page2.locator('#prom-form .problem').innerText();
  assert.match(problem, /The link's settings: Time range: from: 'now-6x' has a number without a unit \(s, m, h, d or w\); write an RFC 3339 time like .* or a time relative to now like now-6h/);
  assert.equal(promRequests(server), before, 'a bad link asks nothing');
});

/** The rule incident cards (Incidents workspace, mounted while hidden) of rule `rule`,
 *  oldest first: state, the headline, the detail line and the start. */
async function ruleCards(page, rule) {
  const cards = await page.$$eval('.incident-card[data-source="monitor"]', (els, rule) => els
    .filter((e) => e.querySelector('.what').textContent.startsWith(`rule ${rule} on `))
    .map((e) => ({
      uid: e.dataset.uid,
      state: e.dataset.state,
      severity: e.dataset.severity,
      metrics: e.dataset.metrics,
      what: e.querySelector('.what').textContent,
      detail: e.querySelector('.detail').textContent,
      start: e.querySelector('.start').textContent,
    })), rule);
  return cards.sort((a, b) => a.uid.localeCompare(b.uid, undefined, { numeric: true }));
}

/** Waits until `rule`'s row in the running-rules table shows `state`; on timeout says what
 *  the table and the rule's cards show. */
async function ruleRow(page, rule, state, timeout) {
  await page.waitForSelector(`#rules-list tr[data-rule="${rule}"][data-state="${state}"]`, { timeout }).catch(async () => {
    const rows = await page.$$eval('#rules-list tr[data-rule]', (trs) => trs.map((tr) => [tr.dataset.rule, tr.dataset.state, tr.innerText]));
    assert.fail(`rule '${rule}' not ${state} within ${timeout} ms; rules ${JSON.stringify(rows)}; its cards ${JSON.stringify(await ruleCards(page, rule))}; clock ${await page.getAttribute('#monitor-clock', 'data-ms')} (now ${Date.now()}), status ${JSON.stringify(await page.innerText('#prom-status'))}`);
  });
}

// Issue 16: rules run on every stream, live sources included. A rules file written in the
// Monitor's editor, naming the series as Prometheus prints it, is applied to the live stream;
// the exporter's fault (x6) breaches the threshold, the rule fires after its `for` with an
// incident (source rule) naming the rule, the series and a value Prometheus really holds, and
// resolves at the first sample back under the recovery value. Then the exporter goes down
// (scrapes answer 503, Prometheus marks the series stale): the `absent` rule fires, and
// resolves once the exporter is back.
test('rules on a live Prometheus: a threshold rule fires on the exporter\'s fault and resolves; an absent rule fires while the exporter is down', { timeout: 120_000 }, async ({ t, page, server }) => {
  server.mount(PROM_PATH, { proxy: `${stack.prometheus.url}/` });
  stack.exporter.setFault(false);
  stack.exporter.setDown(false);
  const began = Date.now();
  await connect(page, { url: PROM_PATH.slice(0, -1), query: GAUGE, step: 1, history: 10 });
  await promState(page, 'live', 15_000);
  const canvas = await gaugeCanvas(page);
  const series = await page.getAttribute(canvas, 'data-metric');

  // The threshold rule names the series exactly as the chart does (braces, quotes and all);
  // the absent rule by a pattern. Clean data is 0.2 and the fault 1.2.
  const yamlQuoted = `'${series.replaceAll("'", "''")}'`;
  const RULES = `version: 1
rules:
  - name: latency high
    metric: ${yamlQuoted}
    above: 0.6
    for: 3s
    recover: 0.4
    severity: 1
  - name: exporter silent
    metric: "${GAUGE}*"
    absent: 5s
    severity: 2
`;
  await page.fill('#rules-editor', RULES);
  await page.waitForSelector('#rules-errors li', { state: 'detached' }).catch(async () => assert.fail(
    `the rules file has mistakes on the live stream: ${JSON.stringify(await page.locator('#rules-errors li').allInnerTexts())}`));
  await page.click('#rules-text-apply');
  await ruleRow(page, 'latency high', 'inactive', 5_000);
  await ruleRow(page, 'exporter silent', 'inactive', 5_000);
  assert.equal(await page.getAttribute('#rules-applied', 'data-applied'), 'true');
  // A few clean live samples: nothing fires.
  const appliedAt = Number(await page.getAttribute('#monitor-clock', 'data-ms'));
  await page.waitForFunction((t) => Number(document.querySelector('#monitor-clock').dataset.ms) >= t, appliedAt + 3_000, { timeout: 10_000, polling: 250 });
  assert.deepEqual(await page.$$eval('#rules-list tr[data-rule]', (trs) => trs.map((tr) => tr.dataset.state)), ['inactive', 'inactive'], 'clean data breaches no rule');
  assert.deepEqual(await ruleCards(page, 'latency high'), []);

  // The fault: the rule waits its 3 s, then fires, with an open incident card.
  stack.exporter.setFault(true);
  const faultAt = Date.now();
  await ruleRow(page, 'latency high', 'firing', 15_000);
  const firedAfter = (Date.now() - faultAt) / 1000;
  const rowText = (rule) => page.locator(`#rules-list tr[data-rule="${rule}"] td:nth-child(3)`).innerText();
  const since = (text) => text.match(/^firing firing on (.*?) since (\S+ \S+)/);
  const high = since(await rowText('latency high'));
  assert.ok(high && high[1] === series, `the running rules say where it fires: ${JSON.stringify(await rowText('latency high'))}`);
  t.diagnostic(`'latency high' firing ${firedAfter.toFixed(1)} s after the fault began`);
  assert.ok(firedAfter >= 3, `not before its 'for' of 3 s (${firedAfter} s)`);
  await page.waitForFunction(() => [...document.querySelectorAll('.incident-card[data-source="monitor"][data-state="open"] .what')]
    .some((e) => e.textContent.startsWith('rule latency high on ')), null, { timeout: 5_000 });
  let [card, ...more] = await ruleCards(page, 'latency high');
  assert.equal(more.length, 0, 'one incident per rule and series');
  assert.equal(card.state, 'open');
  assert.equal(card.severity, '1');
  assert.equal(card.what, `rule latency high on ${series}`, 'the card names the rule and the series');
  const m = card.detail.match(/^above 0\.6 for 3s, recovers at 0\.4 · crossed at ([\d.]+)$/);
  assert.ok(m, `the card says the condition and the value that crossed: ${JSON.stringify(card.detail)}`);
  const crossed = Number(m[1]);
  assert.ok(crossed > 1.1 && crossed < 1.3, `the value is the fault's (0.2 x6): ${crossed}`);
  // The value is a sample Prometheus holds for the series, not a rounded or made-up one.
  const raw = await (await fetch(`${stack.prometheus.url}/api/v1/query?${new URLSearchParams({ query: `${GAUGE}[2m]` })}`)).json();
  assert.ok(raw.data.result[0].values.some(([, v]) => Number(v) === crossed), `${crossed} is one of the series' samples`);
  // The breach started at the fault, in wall time (the stream's clock is Prometheus' time).
  const start = Date.parse(card.start);
  assert.ok(start >= faultAt - 2_000 && start <= faultAt + 4_000, `the breach starts at the fault: ${card.start} vs ${new Date(faultAt).toISOString()}`);
  // The Monitor's summary counts it.
  assert.ok(Number(await page.getAttribute('#monitor-incidents', 'data-open')) >= 1);
  await screenshot(page, 'prometheus-rule-firing');

  // The fault ends: the first sample at or under 0.4 resolves it.
  stack.exporter.setFault(false);
  const backAt = Date.now();
  await ruleRow(page, 'latency high', 'inactive', 10_000);
  t.diagnostic(`'latency high' resolved ${((Date.now() - backAt) / 1000).toFixed(1)} s after the fault ended`);
  [card, ...more] = await ruleCards(page, 'latency high');
  assert.equal(more.length, 0);
  assert.equal(card.state, 'resolved');

  // The exporter goes down: no sample of the series for 5 s fires the absent rule.
  stack.exporter.setDown(true);
  const downAt = Date.now();
  await ruleRow(page, 'exporter silent', 'firing', 20_000);
  t.diagnostic(`'exporter silent' firing ${((Date.now() - downAt) / 1000).toFixed(1)} s after the exporter went down`);
  const silentRow = since(await rowText('exporter silent'));
  assert.ok(silentRow && silentRow[1] === series, `the running rules say where it fires: ${JSON.stringify(await rowText('exporter silent'))}`);
  const [gone] = await ruleCards(page, 'exporter silent');
  assert.equal(gone.state, 'open');
  assert.equal(gone.what, `rule exporter silent on ${series}`);
  const silent = gone.detail.match(/^absent for 5s · no sample for (\d+\.\d) s$/);
  assert.ok(silent && Number(silent[1]) > 5 && Number(silent[1]) < 20, `the card says how long the series was silent: ${JSON.stringify(gone.detail)}`);
  // The stream's clock kept up with the present while no sample came.
  const lag = Date.now() - Number(await page.getAttribute('#monitor-clock', 'data-ms'));
  assert.ok(lag < 6_000, `the clock follows real time while the series is silent (${lag} ms behind)`);
  assert.equal(await page.getAttribute('#prom-status', 'data-state'), 'live');
  await screenshot(page, 'prometheus-rule-absent');

  // Back up: the next sample resolves it.
  stack.exporter.setDown(false);
  await ruleRow(page, 'exporter silent', 'inactive', 15_000);
  assert.equal((await ruleCards(page, 'exporter silent'))[0].state, 'resolved');
  assert.equal((await ruleCards(page, 'latency high')).length, 1, 'the down time did not fire the threshold rule');
  t.diagnostic(`whole test ${((Date.now() - began) / 1000).toFixed(1)} s`);
  await page.click('#prom-disconnect');
  // In the Incidents workspace: both rule cards, resolved, among the Monitor's incidents.
  await page.evaluate(() => { location.hash = '#/incidents'; });
  const shown = page.locator('.incident-card[data-source="monitor"]').filter({ hasText: /rule (latency high|exporter silent) on / });
  await shown.first().waitFor({ state: 'visible' });
  assert.equal(await shown.count(), 2);
  // A long series name wraps inside its card: no line runs past the card's edge.
  const overflowing = await page.$$eval('.incident-card', (cards) => cards.flatMap((card) => {
    const edge = card.getBoundingClientRect().right + 1;
    return [...card.querySelectorAll('p, h3, dd')]
      .filter((el) => el.getBoundingClientRect().right > edge || el.scrollWidth > el.clientWidth + 1)
      .map((el) => `${card.dataset.uid}: ${el.className || el.tagName}`);
  }));
  assert.deepEqual(overflowing, [], 'every line of every card stays inside it');
  await screenshot(page, 'prometheus-rule-cards');
});
