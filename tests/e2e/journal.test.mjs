// The write-ahead journal in the page: every Monitor event is journaled before it is judged,
// so closing the tab (or a crash) and opening pipescope again recovers the stream where it
// stopped, with the same incidents and anomalies, and says so; a second tab is read-only;
// storage that is full or off keeps the stream running with a banner; the Journal panel
// exports what is stored.
import assert from 'node:assert/strict';
import { appSession, captureDownload, gotoApp, screenshot } from './harness.mjs';

const { test } = appSession({ hash: '#/monitor' });

const METRICS = ['energy_consumption', 'energy_price'];

/** What a user sees of the analysis: clock, incidents, and per metric the anomaly totals
 *  and the chart's counts. */
const snapshot = (page) => page.evaluate((names) => ({
  clock: Number(document.querySelector('#monitor-clock').dataset.ms),
  incidents: [...document.querySelectorAll('#monitor-incidents li')].map((li) => `${li.dataset.id}:${li.dataset.severity}:${li.dataset.state}`),
  metrics: names.map((n) => {
    const c = document.querySelector(`#band-${n}`);
    const row = document.querySelector(`#eval-table tr[data-metric="${n}"]`);
    return { n, points: c.dataset.points, anomalies: c.dataset.anomalies, total: row?.querySelector('td:nth-child(7)')?.innerText };
  }),
}), METRICS);

async function runWithIncident(page) {
  // 1000x, not max: max runs hours of stream time before the wait below notices.
  await page.selectOption('#monitor-speed', '1000x');
  await page.click('#monitor-play');
  await page.waitForFunction(() => Number(document.querySelector('#monitor-clock').dataset.ms) >= 600_000, null, { timeout: 30_000 });
  await page.selectOption('#monitor-speed', '60x');
  await page.selectOption('#inject-kind', 'prolonged-spike');
  await page.selectOption('#inject-metric', 'energy_consumption');
  await page.click('#inject');
  await page.waitForSelector('#monitor-incidents[data-open="1"]', { timeout: 30_000 });
  await page.click('#monitor-play'); // pause
}

test('closing the tab and opening pipescope again recovers the stream exactly where it stopped', async ({ page, context, base, watch }) => {
  await page.waitForSelector('#monitor-journal');
  await runWithIncident(page);
  // Everything journaled reaches IndexedDB within a task, and a batch is judged (and the
  // clock moves) once it is there: let the last flush land before reading the page.
  await page.waitForTimeout(500);
  const before = await snapshot(page);
  assert.equal(before.incidents.length, 1);
  await page.close();

  const again = await context.newPage();
  watch.attach(again);
  await gotoApp(again, base, '#/monitor');
  await again.waitForFunction(() => /Recovered [\d,]+ events, stream time/.test(document.querySelector('#status')?.innerText || ''), null, { timeout: 30_000 });
  const status = await again.locator('#status').innerText();
  const after = await snapshot(again);
  // The clock stops at the last journaled event: at most one simulator tick (2 s) before
  // the live clock, never after it.
  assert.ok(after.clock <= before.clock && after.clock > before.clock - 2_000, `clock ${after.clock} vs ${before.clock}`);
  const events = Number(status.match(/Recovered ([\d,]+) events/)[1].replace(/,/g, ''));
  assert.equal(events, METRICS.length * (after.clock / 2_000 + 1), `every event up to the last tick: ${status}`);
  assert.deepEqual(after.incidents, before.incidents, 'the same incidents');
  assert.deepEqual(after.metrics, before.metrics, 'the same points and anomalies');
  // At the user's speed (60x, set before the pause), not the default 10x, paused as it was,
  // and the status line says so.
  assert.equal(await again.inputValue('#monitor-speed'), '60x', 'the speed it ran at, not the default 10x');
  assert.match(await again.locator('#monitor-play').innerText(), /Start/);
  assert.match(status, /paused as it was, at 60x/);
  await screenshot(again, 'journal-recovered');

  // It goes on from there: the stream continues without a restart.
  await again.click('#monitor-play');
  await again.waitForFunction((t) => Number(document.querySelector('#monitor-clock').dataset.ms) > t + 10_000, after.clock, { timeout: 30_000 });
  // A reload while it runs, at a speed changed on the way: it comes back at that speed,
  // paused for a look, and says it was running, with every event up to its clock (the
  // speed is stored beside the journal, not as a checkpoint).
  await again.selectOption('#monitor-speed', '300x');
  await again.waitForTimeout(500); // the speed reaches IndexedDB with the next flush
  await again.reload();
  await again.waitForFunction(() => /Recovered [\d,]+ events, stream time/.test(document.querySelector('#status')?.innerText || ''), null, { timeout: 30_000 });
  const runningStatus = await again.locator('#status').innerText();
  assert.equal(await again.inputValue('#monitor-speed'), '300x', 'the speed it ran at');
  assert.match(runningStatus, /paused after the recovery, it was running at 300x: Start \(k\) goes on/);
  assert.match(await again.locator('#monitor-play').innerText(), /Start/);
  const reloaded = Number(await again.getAttribute('#monitor-clock', 'data-ms'));
  assert.equal(Number(runningStatus.match(/Recovered ([\d,]+) events/)[1].replace(/,/g, '')), METRICS.length * (Math.floor(reloaded / 2_000) + 1),
    `every event up to the recovered clock: ${runningStatus}`);
  // Start goes on at that speed.
  await again.click('#monitor-play');
  await again.waitForFunction((t) => Number(document.querySelector('#monitor-clock').dataset.ms) > t + 10_000, reloaded, { timeout: 30_000 });
  await again.click('#monitor-play');

  // The panel shows the figures and exports what is stored.
  await again.click('#monitor-journal summary');
  assert.match(await again.locator('#monitor-journal-status').innerText(), /./);
  const ndjson = (await captureDownload(again, () => again.click('#monitor-journal-export-ndjson'))).text().trim().split('\n');
  // The recovered events and those streamed since, in one journal.
  assert.ok(ndjson.length >= events + 10, `exported ${ndjson.length} lines, recovered ${events}`);
  assert.equal(JSON.parse(ndjson[0]).t_ms, 0, 'from the stream start');
  const first = JSON.parse(ndjson[0]);
  assert.equal(first.kind, 'metric');
  assert.ok(METRICS.includes(first.series_name), JSON.stringify(first));

  // Reset starts a new stream and a new journal.
  await again.click('#monitor-reset');
  await again.waitForTimeout(500); // the clear reaches IndexedDB with the next flush
  await again.reload();
  await again.waitForSelector('#monitor-journal');
  await again.waitForTimeout(500);
  assert.doesNotMatch(await again.locator('#status').innerText(), /Recovered/);
  assert.equal(Number(await again.getAttribute('#monitor-clock', 'data-ms')), 0);
});

test('a second tab is read-only and says so, and takes over when the writer closes; full or missing storage keeps the stream running with a banner', async ({ page, context, base, watch }) => {
  await page.waitForSelector('#monitor-journal');
  const second = await context.newPage();
  watch.attach(second);
  await gotoApp(second, base, '#/monitor');
  await second.waitForSelector('#monitor-durability');
  assert.match(await second.locator('#monitor-durability').innerText(), /another pipescope tab is writing/);
  // The writer runs a little, then closes: the read-only tab offers to take over, and after
  // its reload it writes and goes on with the stored stream.
  await page.click('#monitor-play');
  await page.waitForFunction(() => Number(document.querySelector('#monitor-clock').dataset.ms) >= 20_000, null, { timeout: 30_000 });
  await page.click('#monitor-play');
  const stopped = Number(await page.getAttribute('#monitor-clock', 'data-ms'));
  await page.waitForTimeout(500);
  await page.close();
  page = second;
  await page.waitForSelector('#monitor-durability .journal-takeover', { timeout: 20_000 });
  assert.match(await page.locator('#monitor-durability').innerText(), /has closed/);
  await page.click('#monitor-durability .journal-takeover');
  await page.waitForFunction(() => /Recovered [\d,]+ events, stream time/.test(document.querySelector('#status')?.innerText || ''), null, { timeout: 30_000 });
  assert.equal(await page.locator('#monitor-durability').count(), 0, 'this tab writes now');
  const resumed = Number(await page.getAttribute('#monitor-clock', 'data-ms'));
  assert.ok(resumed <= stopped && resumed > stopped - 2_000, `clock ${resumed} vs ${stopped}`);

  // A quota the journal soon exceeds: the banner says durability is off, the stream runs on.
  await page.goto(`${base}?journal=quota:60000#/monitor`);
  await page.waitForSelector('#monitor-journal');
  await page.selectOption('#monitor-speed', 'max');
  await page.click('#monitor-play');
  await page.waitForSelector('#monitor-durability', { timeout: 30_000 });
  assert.match(await page.locator('#monitor-durability').innerText(), /Durability is off/);
  const t = Number(await page.getAttribute('#monitor-clock', 'data-ms'));
  await page.waitForFunction((t0) => Number(document.querySelector('#monitor-clock').dataset.ms) > t0 + 60_000, t, { timeout: 30_000 });
  await page.click('#monitor-play');
  await screenshot(page, 'journal-quota-banner');

  // Storage switched off (as in private browsing with storage disabled).
  await page.goto(`${base}?journal=off#/monitor`);
  await page.waitForSelector('#monitor-durability');
  assert.match(await page.locator('#monitor-durability').innerText(), /switched off/);
  await page.click('#monitor-play');
  await page.waitForFunction(() => Number(document.querySelector('#monitor-clock').dataset.ms) > 20_000, null, { timeout: 30_000 });
});
