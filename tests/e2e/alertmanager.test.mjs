// Incidents sent to a real Alertmanager (Debian's 0.25, null receiver). The page reaches
// Prometheus and Alertmanager through same-origin proxies under its sub-path
// (/deep/sub/path/prom/, /deep/sub/path/am/; the page's CSP allows only its own origin).
// The Incidents workspace's sinks panel is pointed at /deep/sub/path/am, the Monitor goes
// live on Prometheus, and a fault (x6) in the exporter opens an incident: within about a
// second (the sink loop ticks every second) Alertmanager holds an active alert with the
// incident's labels, a generatorURL back to the page, startsAt at the fault (wall time) and
// endsAt ahead; when the incident resolves the alert stops being active (Alertmanager 0.25
// drops an alert whose endsAt has passed from GET /api/v2/alerts, whatever the filters, and
// counts it in alertmanager_alerts_received_total{status="resolved"}). Then Alertmanager is
// stopped (the proxy answers 502): the next incident's delivery fails, the panel and the
// card say so, retries back off (~1 s, 2 s, 4 s), and once Alertmanager is back on its port
// the alert arrives. Alertmanager is read from Node, never through the page.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { appSession, screenshot } from './harness.mjs';
import { GAUGE, JOB, startAlertmanager, startPromStack } from './prom.mjs';

const { test } = appSession({ hash: '#/incidents' });

const PROM_PATH = '/deep/sub/path/prom/';
const AM_PATH = '/deep/sub/path/am/';
const AM_ENDPOINT = `${AM_PATH}api/v2/alerts`;
const ALERTNAME = 'PipescopeMetricIncident';
/** The target: one poll interval (1 s) + 1 s, with some slack for a busy machine. */
const DELIVERY_MS = 3_000;

let stack;
let am;
before(async () => {
  [stack, am] = await Promise.all([startPromStack(), startAlertmanager()]);
});
after(async () => {
  await Promise.allSettled([stack?.stop(), am?.stop()]);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const iso = (ms) => new Date(ms).toISOString();

/** The metric's name as Prometheus prints it (labels sorted; a space after commas or not). */
const seriesName = () => new RegExp(
  `^${GAUGE}\\{instance="127\\.0\\.0\\.1:${stack.exporter.port}",\\s?job="${JOB}"\\}$`,
);

/**
 * Polls Alertmanager's GET /api/v2/alerts every 100 ms from Node and remembers, per alert
 * fingerprint, when it was first and last seen active and when it stopped being listed.
 * Survives Alertmanager restarts (a failed poll is skipped).
 */
function watchAlertmanager() {
  const seen = new Map(); // fingerprint -> { first, last, gone, alert }
  let current = [];
  let polls = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const res = await fetch(`${am.url}/api/v2/alerts`, { signal: AbortSignal.timeout(1_000) });
        if (res.ok) {
          const list = await res.json();
          const now = Date.now();
          polls++;
          current = list;
          const here = new Set();
          for (const a of list) {
            here.add(a.fingerprint);
            const s = seen.get(a.fingerprint);
            if (!s || s.gone) seen.set(a.fingerprint, { first: now, last: now, gone: null, alert: a });
            else Object.assign(s, { last: now, alert: a });
          }
          for (const s of seen.values()) if (!s.gone && !here.has(s.alert.fingerprint)) s.gone = now;
        }
      } catch { /* Alertmanager is down or restarting */ }
      await sleep(100);
    }
  })();
  return {
    seen,
    current: () => current,
    polls: () => polls,
    /** Active alerts of ours for incident `id`. */
    active: (id) => current.filter((a) => a.labels.alertname === ALERTNAME && isIncidentLabel(a.labels.incident_id, id)
      && a.status?.state === 'active'),
    ours: () => current.filter((a) => a.labels.alertname === ALERTNAME),
    stop: async () => { stopped = true; await loop; },
  };
}

/** Alertmanager's own count of alerts it received, by status (firing, resolved). */
async function received() {
  const text = await (await fetch(`${am.url}/metrics`)).text();
  const count = (status) => Number(new RegExp(`^alertmanager_alerts_received_total\\{status="${status}",version="v2"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { firing: count('firing'), resolved: count('resolved') };
}

/**
 * In the page: the monitor incident card of incident ID (its data-uid `monitor-ID`, or in a
 * build before card uids its header's `#ID · monitor`), and the id of a card. Installed as
 * window.__card / window.__cardId.
 */
async function installCardFinder(page) {
  await page.evaluate(() => {
    window.__cardId = (c) => {
      const m = /^monitor-(\d+)$/.exec(c.dataset.uid || '')
        || /^(?:#(\d+) · monitor|monitor-(\d+))$/.exec(c.querySelector('header .muted')?.textContent.trim() || '');
      return m ? (m[1] ?? m[2]) : null;
    };
    window.__card = (id) => [...document.querySelectorAll('.incident-card[data-source="monitor"]')]
      .find((c) => window.__cardId(c) === String(id)) || null;
  });
}

/** The incident_id label of monitor incident `id`: `monitor-ID` (unique across
 *  workspaces), or the bare `ID` of a build before card uids. */
const isIncidentLabel = (label, id) => label === `monitor-${id}` || label === String(id);

/**
 * Records in the page, by MutationObserver, the wall time (Date.now(), the same clock as
 * Node's) at which each monitor incident was first shown open and resolved, in the Monitor
 * summary (li[data-id]) and on its card; the times of the POSTs to Alertmanager are
 * recorded by the test from the page's requests.
 */
async function recordIncidentTimes(page) {
  await installCardFinder(page);
  await page.evaluate(() => {
    const seen = (window.__incidents = {});
    const scan = () => {
      const now = Date.now();
      const mark = (id, key) => { (seen[id] ??= {})[key] ??= now; };
      for (const li of document.querySelectorAll('#monitor-incidents li[data-id]')) {
        mark(li.dataset.id, li.dataset.state === 'open' ? 'summaryOpen' : 'summaryResolved');
      }
      for (const c of document.querySelectorAll('.incident-card[data-source="monitor"]')) {
        const id = window.__cardId(c);
        if (id) mark(id, c.dataset.state === 'open' ? 'cardOpen' : 'cardResolved');
      }
    };
    scan();
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-id', 'data-uid'] });
  });
}

/** When the page first showed incident `id` open / resolved (summary or card, whichever first). */
async function pageTimes(page, id) {
  const s = await page.evaluate((id) => window.__incidents[id] || {}, String(id));
  const min = (...v) => Math.min(...v.filter((x) => Number.isFinite(x)));
  return { opened: min(s.summaryOpen, s.cardOpen), resolved: min(s.summaryResolved, s.cardResolved), raw: s };
}

const summary = (page) => page.locator('#monitor-incidents').evaluate((el) => ({
  open: Number(el.dataset.open), severity: el.dataset.severity, total: Number(el.dataset.total),
  items: [...el.querySelectorAll('li[data-id]')].map((li) => ({ id: li.dataset.id, severity: li.dataset.severity, state: li.dataset.state })),
}));

const amStatus = async (page) => ({
  state: await page.getAttribute('#sink-am-status', 'data-state'),
  text: (await page.locator('#sink-am-status').textContent()).trim(),
});

/** The Alertmanager delivery line of incident `id`'s card: { state, text } or null. */
const delivery = (page, id) => page.evaluate((id) => {
  const li = window.__card(id)?.querySelector('ul.delivery li[data-sink="Alertmanager"]');
  return li ? { state: li.dataset.delivery, text: li.textContent.trim() } : null;
}, String(id));

/** Waits until incident `id`'s card shows its Alertmanager delivery as `state` with text matching `re`. */
async function waitDelivery(page, id, state, re, timeout = 3_000) {
  await page.waitForFunction(([id, state, src]) => {
    const li = window.__card(id)?.querySelector('ul.delivery li[data-sink="Alertmanager"]');
    return li?.dataset.delivery === state && new RegExp(src).test(li.textContent);
  }, [String(id), state, re.source], { timeout, polling: 100 }).catch(async () => assert.fail(
    `card ${id}'s Alertmanager delivery line is not ${state} (${re}): ${JSON.stringify(await delivery(page, id))}; cards: ${JSON.stringify(await page.locator('.incident-card').evaluateAll((cs) => cs.map((c) => c.outerHTML)))}`));
  return delivery(page, id);
}

async function go(page, route) {
  await page.click(`nav a[href="#/${route}"]`);
  await page.waitForSelector(`section[data-workspace="${route}"]:not([hidden])`);
}

/** Fills the Prometheus form and connects (as tests/e2e/prometheus.test.mjs does). */
async function connect(page, { url, query, step = 1, history = 30 }) {
  if (!(await page.locator('#prom-form').isVisible())) await page.click('#monitor-use-prom', { timeout: 10_000 });
  await page.waitForSelector('#prom-form');
  for (const [sel, v] of [['#prom-url', url], ['#prom-queries', query], ['#prom-step', String(step)], ['#prom-history', String(history)]]) {
    await page.fill(sel, v);
    await page.locator(sel).dispatchEvent('change');
  }
  await page.click('#prom-connect');
}

/** Waits for a new open monitor incident (not in `known`) and returns its id. */
async function nextIncident(page, known, timeout, what) {
  const handle = await page.waitForFunction((known) => {
    const li = [...document.querySelectorAll('#monitor-incidents li[data-id][data-state="open"]')]
      .find((l) => !known.includes(l.dataset.id));
    return li?.dataset.id ?? null;
  }, known, { timeout, polling: 100 }).catch(async () => assert.fail(
    `no new incident within ${timeout} ms of ${what}; summary ${JSON.stringify(await summary(page))}`));
  return handle.jsonValue();
}

/** Waits until the page has no open monitor incident and Alertmanager no active alert of ours. */
async function allResolved(page, amw, timeout, what) {
  await page.waitForFunction(() => document.querySelector('#monitor-incidents').dataset.open === '0'
    && !document.querySelector('.incident-card[data-source="monitor"][data-state="open"]'), null, { timeout, polling: 100 })
    .catch(async () => assert.fail(`incidents still open ${timeout} ms after ${what}: ${JSON.stringify(await summary(page))}`));
  const resolvedAt = Date.now();
  try {
    await waitUntil(() => amw.ours().length === 0, DELIVERY_MS + 2_000);
  } catch {
    assert.fail(`Alertmanager still lists alerts ${DELIVERY_MS + 2_000} ms after the page resolved every incident: ${JSON.stringify(amw.ours().map((a) => ({ labels: a.labels, endsAt: a.endsAt, state: a.status?.state })))}`);
  }
  return resolvedAt;
}

async function waitUntil(check, timeout, every = 50) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(every);
  }
}

test('incidents go to a real Alertmanager within a second or two, resolve there, and survive an outage with backoff', { timeout: 150_000 }, async ({ t, page, server, base, watch }) => {
  server.mount(PROM_PATH, { proxy: `${stack.prometheus.url}/` });
  server.mount(AM_PATH, { proxy: `${am.url}/` });
  stack.exporter.setFault(false);
  // While Alertmanager is down the proxy answers 502 and the browser logs the failed POSTs;
  // the page's own status line is what we judge.
  watch.allowConsoleError(/Failed to load resource: the server responded with a status of 502/);
  const posts = []; // wall times of the page's POSTs to Alertmanager
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith(AM_ENDPOINT)) posts.push(Date.now()); });
  const amw = watchAlertmanager();
  t.after(() => amw.stop());

  // --- 1. The sinks panel: point the Alertmanager sink at the proxy path.
  const details = page.locator('details#sinks');
  await details.waitFor({ state: 'attached' }).catch(() => assert.fail('no details#sinks in the Incidents workspace: does dist/ hold the build with the sinks?'));
  assert.deepEqual(await amStatus(page), { state: 'off', text: 'Not set: incidents stay in this page.' }, 'no sink before one is set');
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  assert.equal(await details.evaluate((d) => d.open), true, 'the panel opens');
  await page.fill('#sink-am-url', AM_PATH.slice(0, -1));
  await page.click('#sink-am-save');
  await page.waitForSelector('#sink-am-status[data-state="ok"]', { timeout: 5_000 })
    .catch(async () => assert.fail(`#sink-am-status is not ok after Send here: ${JSON.stringify(await amStatus(page))}`));
  const set = await amStatus(page);
  t.diagnostic(`sink set: ${set.text}`);
  assert.match(set.text, /^Sending to /);
  assert.equal(set.text, `Sending to ${AM_ENDPOINT}: 0 message(s) delivered (firing, repeated and resolved).`);
  assert.equal(await page.locator('#sinks .problem').count(), 0, 'no problem shown for a valid path');

  // --- 2. The Monitor goes live on Prometheus.
  await go(page, 'monitor');
  await connect(page, { url: PROM_PATH.slice(0, -1), query: GAUGE, step: 1, history: 30 });
  await page.waitForSelector('#prom-status[data-state="live"]', { timeout: 20_000 })
    .catch(async () => assert.fail(`#prom-status never went live: ${await page.locator('#prom-status').innerText()}`));
  await page.waitForSelector('canvas[data-metric][data-trained="true"]', { timeout: 10_000 });
  await recordIncidentTimes(page);
  // A few seconds of clean live data: nothing opens, nothing is posted.
  await sleep(4_000);
  assert.equal((await summary(page)).total, 0, 'clean data opens no incident');
  assert.equal(posts.length, 0, 'nothing is sent while there is no incident');
  assert.ok(amw.polls() > 10, 'the Alertmanager watcher is polling');
  assert.deepEqual(amw.current(), [], 'Alertmanager holds no alert yet');

  // --- 3. A fault opens an incident; Alertmanager has its alert within ~1-2 s.
  const r0 = await received();
  stack.exporter.setFault(true);
  const faultAt = Date.now();
  const id1 = await nextIncident(page, [], 20_000, 'the fault');
  const opened1 = (await pageTimes(page, id1)).opened;
  t.diagnostic(`incident ${id1} open in the page ${((opened1 - faultAt) / 1000).toFixed(1)} s after the fault began`);
  await waitUntil(() => amw.active(id1).length > 0, 10_000).catch(() => assert.fail(
    `no active alert for incident ${id1} in Alertmanager within 10 s; it lists ${JSON.stringify(amw.current())}; sink: ${JSON.stringify(posts)}`));
  const [alert1] = amw.active(id1);
  const arrived1 = amw.seen.get(alert1.fingerprint).first;
  const updated1 = Date.parse(alert1.updatedAt);
  const delay1 = arrived1 - opened1;
  t.diagnostic(`incident ${id1}: in Alertmanager ${delay1} ms after it opened in the page (seen by the 100 ms poll; Alertmanager's updatedAt says ${updated1 - opened1} ms; the page POSTed after ${posts[0] - opened1} ms)`);
  assert.ok(delay1 < DELIVERY_MS, `the alert reached Alertmanager ${delay1} ms after the incident opened (target < ${DELIVERY_MS} ms)`);

  // The alert: labels, link back, times.
  const sum1 = await summary(page);
  const item1 = sum1.items.find((i) => i.id === id1);
  t.diagnostic(`alert: ${JSON.stringify({ labels: alert1.labels, startsAt: alert1.startsAt, endsAt: alert1.endsAt, generatorURL: alert1.generatorURL, annotations: alert1.annotations })}`);
  assert.equal(alert1.labels.alertname, ALERTNAME);
  assert.equal(alert1.labels.source, 'monitor');
  assert.ok(isIncidentLabel(alert1.labels.incident_id, id1), `incident_id ${alert1.labels.incident_id} names incident ${id1}`);
  assert.ok(['critical', 'warning'].includes(alert1.labels.severity), `severity label: ${alert1.labels.severity}`);
  assert.match(alert1.labels.metric, seriesName(), 'the metric label is the Prometheus series');
  assert.equal(alert1.status.state, 'active');
  assert.deepEqual(alert1.receivers.map((r) => r.name), ['null']);
  // The incident's group is a label, and Alertmanager's route (group_by: [group]) files
  // the alert under that group.
  const groupUid = await page.getAttribute(`.incident-card[data-uid="${alert1.labels.incident_id}"]`, 'data-group');
  assert.match(alert1.labels.group ?? '', /^monitor-g\d+$/, 'every alert carries its incident group');
  assert.equal(alert1.labels.group, groupUid, 'the group label is the group the page shows');
  const amGroups = await (await fetch(`${am.url}/api/v2/alerts/groups`)).json();
  const amGroup = amGroups.find((g) => g.labels?.group === groupUid);
  assert.ok(amGroup?.alerts.some((a) => a.labels.incident_id === alert1.labels.incident_id),
    `Alertmanager groups the alert under ${groupUid}: ${JSON.stringify(amGroups.map((g) => g.labels))}`);
  assert.equal(alert1.generatorURL, `${base}#/incidents`, 'generatorURL leads back to the Incidents workspace');
  assert.match(alert1.annotations?.summary ?? '', new RegExp(GAUGE), 'the summary names the metric');
  const startsAt1 = Date.parse(alert1.startsAt);
  t.diagnostic(`startsAt ${alert1.startsAt}: ${((startsAt1 - faultAt) / 1000).toFixed(1)} s after the fault began (${iso(faultAt)}); endsAt ${alert1.endsAt}: ${((Date.parse(alert1.endsAt) - Date.now()) / 1000).toFixed(0)} s ahead`);
  assert.ok(startsAt1 > faultAt - 2_000 && startsAt1 < faultAt + 5_000,
    `startsAt ${alert1.startsAt} is at the fault's start ${iso(faultAt)} (stream on wall time)`);
  assert.ok(Date.parse(alert1.endsAt) > Date.now() + 30_000, `endsAt ${alert1.endsAt} is ahead (the page sends it again while open)`);

  // The card says it was delivered; the panel counts it.
  const line1 = (await waitDelivery(page, id1, 'sent', /^Alertmanager: open \d{4}-\d\d-\d\dT/)).text;
  t.diagnostic(`card ${id1}: ${line1}`);
  // The card and the alert name the incident alike (the uid `monitor-N` when the card has one).
  const uid1 = await page.evaluate((id) => window.__card(id).dataset.uid ?? null, id1);
  if (uid1) assert.equal(alert1.labels.incident_id, uid1, 'the incident_id label is the card uid');
  assert.equal(alert1.labels.severity, Number(item1?.severity ?? 9) <= 1 ? 'critical' : 'warning', `severity label agrees with the page (${JSON.stringify(item1)})`);
  assert.match((await amStatus(page)).text, /^Sending to \S+: [1-9]\d* message\(s\) delivered \(firing, repeated and resolved\)\.$/);

  await go(page, 'incidents');
  const shotSent = await screenshot(page, 'alertmanager-incident-sent');
  await go(page, 'monitor');

  // --- 4. The fault ends; the incident resolves and the alert stops being active.
  await sleep(Math.max(0, 15_000 - (Date.now() - faultAt)));
  stack.exporter.setFault(false);
  const backAt = Date.now();
  await allResolved(page, amw, 50_000, 'the fault ended');
  const done1 = await summary(page);
  const resolved1 = (await pageTimes(page, id1)).resolved;
  const gone1 = amw.seen.get(alert1.fingerprint).gone;
  t.diagnostic(`incident ${id1} resolved in the page ${((resolved1 - backAt) / 1000).toFixed(1)} s after the fault ended; alert no longer active ${gone1 - resolved1} ms later; ${done1.total} incident(s) in all`);
  assert.ok(gone1 && gone1 - resolved1 < DELIVERY_MS, `the alert ended in Alertmanager ${gone1 - resolved1} ms after the incident resolved`);
  // Every alert Alertmanager showed for this fault has ended, and it was told so (a
  // resolution received), not left to lapse at its endsAt.
  const r1 = await received();
  t.diagnostic(`Alertmanager received ${r1.firing - r0.firing} firing and ${r1.resolved - r0.resolved} resolved alert(s) for this fault; POSTs ${posts.length}`);
  assert.ok(r1.resolved - r0.resolved >= 1, 'Alertmanager received the resolution');
  for (const s of amw.seen.values()) assert.ok(s.gone, `alert ${JSON.stringify(s.alert.labels)} ended`);
  t.diagnostic(`card ${id1}: ${(await waitDelivery(page, id1, 'sent', /^Alertmanager: resolved /)).text}`);
  const postsPhase1 = posts.length;

  // --- 5. Alertmanager goes down; the next incident fails to deliver, and is retried with
  // backoff until Alertmanager is back on its port.
  const amPort = am.port;
  await am.stop();
  const known = done1.items.map((i) => i.id);
  stack.exporter.setFault(true);
  const fault2At = Date.now();
  const id2 = await nextIncident(page, known, 25_000, 'the second fault (Alertmanager down)');
  t.diagnostic(`incident ${id2} open ${((Date.now() - fault2At) / 1000).toFixed(1)} s after the second fault began`);
  await page.waitForSelector('#sink-am-status[data-state="error"]', { state: 'attached', timeout: 5_000 })
    .catch(async () => assert.fail(`#sink-am-status shows no error with Alertmanager down: ${JSON.stringify(await amStatus(page))}`));
  const err = await amStatus(page);
  t.diagnostic(`sink status while down: ${err.text}`);
  assert.match(err.text, new RegExp(`^${AM_PATH.slice(0, -1).replace(/\//g, '\\/')} answered HTTP 502`), 'names the sink and the status');
  assert.match(err.text, /could not reach/, 'says the proxy could not reach Alertmanager');
  assert.match(err.text, /\(attempt \d+ failed; next at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/, 'says when it tries again');
  t.diagnostic(`card ${id2}: ${(await waitDelivery(page, id2, 'failing', /^Alertmanager: not delivered yet, retrying$/)).text}`);
  await go(page, 'incidents');
  const shotError = await screenshot(page, 'alertmanager-sink-error');
  await go(page, 'monitor');

  // A few failed attempts, then Alertmanager comes back where the proxy points.
  await waitUntil(() => posts.length - postsPhase1 >= 3, 10_000).catch(() => assert.fail(`only ${posts.length - postsPhase1} attempt(s) while down`));
  await sleep(500);
  am = await startAlertmanager({ port: amPort });
  const backUpAt = Date.now();
  const failedPosts = posts.slice(postsPhase1);
  await waitUntil(() => amw.active(id2).length > 0, 15_000).catch(async () => assert.fail(
    `incident ${id2} did not reach Alertmanager within 15 s of its return; POSTs at ${JSON.stringify(posts.slice(postsPhase1).map((p) => p - backUpAt))} ms from the return; status ${JSON.stringify(await amStatus(page))}`));
  const alert2 = amw.active(id2)[0];
  const arrived2 = amw.seen.get(alert2.fingerprint).first;
  const attempts = posts.slice(postsPhase1);
  const gaps = attempts.slice(1).map((p, i) => p - attempts[i]);
  t.diagnostic(`incident ${id2}: in Alertmanager ${arrived2 - backUpAt} ms after it came back, after ${attempts.length} POSTs ${gaps.map((g) => (g / 1000).toFixed(1)).join(' s, ')} s apart`);
  // Backoff: ~1 s, 2 s, 4 s (±25%), each taken at the next 1 s tick.
  for (let k = 0; k < failedPosts.length - 1; k++) {
    const wait = 1_000 * 2 ** k;
    assert.ok(gaps[k] >= 0.75 * wait - 150 && gaps[k] <= 1.25 * wait + 1_300, `retry ${k + 1} came ${gaps[k]} ms after the failure before it (backoff ~${wait} ms)`);
  }
  assert.ok(isIncidentLabel(alert2.labels.incident_id, id2), `incident_id ${alert2.labels.incident_id} names incident ${id2}`);
  assert.equal(alert2.labels.source, 'monitor');
  assert.match(alert2.labels.metric, seriesName());
  const startsAt2 = Date.parse(alert2.startsAt);
  assert.ok(startsAt2 > fault2At - 2_000 && startsAt2 < fault2At + 5_000, `startsAt ${alert2.startsAt} is the incident's start, not the delivery (${iso(fault2At)})`);
  await page.waitForSelector('#sink-am-status[data-state="ok"]', { state: 'attached', timeout: 3_000 })
    .catch(async () => assert.fail(`#sink-am-status stays in error after a delivery: ${JSON.stringify(await amStatus(page))}`));
  t.diagnostic(`sink status after recovery: ${(await amStatus(page)).text}`);
  t.diagnostic(`card ${id2} after recovery: ${(await waitDelivery(page, id2, 'sent', /^Alertmanager: open /)).text}`);

  // The second fault ends; its alert ends too.
  await sleep(Math.max(0, 15_000 - (Date.now() - fault2At)));
  stack.exporter.setFault(false);
  const back2At = Date.now();
  await allResolved(page, amw, 50_000, 'the second fault ended');
  const resolved2 = (await pageTimes(page, id2)).resolved;
  const gone2 = amw.seen.get(alert2.fingerprint).gone;
  t.diagnostic(`incident ${id2} resolved ${((resolved2 - back2At) / 1000).toFixed(1)} s after the fault ended; alert no longer active ${gone2 - resolved2} ms later`);
  assert.ok(gone2 && gone2 - resolved2 < DELIVERY_MS, `the alert ended ${gone2 - resolved2} ms after the incident resolved`);
  assert.ok((await received()).resolved >= 1, 'the restarted Alertmanager received the resolution');
  t.diagnostic(`card ${id2}: ${(await waitDelivery(page, id2, 'sent', /^Alertmanager: resolved /)).text}`);

  await go(page, 'incidents');
  const shotDone = await screenshot(page, 'alertmanager-resolved');
  t.diagnostic(`screenshots: ${shotSent} ${shotError} ${shotDone}`);
  t.diagnostic(`final sink status: ${(await amStatus(page)).text}`);
});
