// The Monitor workspace end to end: run the built-in simulator fast, inject faults while it
// runs, and check what a user would: a transient spike pages no one, a prolonged spike in one
// metric opens a severity-2 incident that resolves by itself, in both metrics severity 1;
// the band charts show the band and the anomaly marks (read from canvas pixels); the
// evaluation table fills; zoom, pan and the metric editor work; screenshots are saved.
import assert from 'node:assert/strict';
import { appSession, readCanvasPixels, screenshot } from './harness.mjs';

const { test } = appSession({ hash: '#/monitor' });

const METRICS = ['energy_consumption', 'energy_price'];

const summary = (page) => page.locator('#monitor-incidents').evaluate((el) => ({
  open: Number(el.dataset.open), severity: el.dataset.severity, total: Number(el.dataset.total),
}));

const clockMs = async (page) => Number(await page.getAttribute('#monitor-clock', 'data-ms'));

/** Waits until stream time has moved `ms` past now. */
async function waitStream(page, ms) {
  const from = await clockMs(page);
  await page.waitForFunction((t) => Number(document.querySelector('#monitor-clock').dataset.ms) >= t,
    from + ms, { timeout: 30_000, polling: 50 });
}

/** Starts the simulator at 1000x and waits until every detector judges and windows close
 *  (not "max": it would run hours of stream time before the wait notices). */
async function startTrained(page) {
  await page.selectOption('#monitor-speed', '1000x');
  await page.click('#monitor-play');
  await page.waitForFunction((names) => names.every((n) => {
    const c = document.querySelector(`#band-${n}`);
    const row = document.querySelector(`#eval-table tr[data-metric="${n}"]`);
    return c?.dataset.trained === 'true' && Number(row?.dataset.windows) >= 3;
  }), METRICS, { timeout: 30_000, polling: 'raf' });
  // Back to a watchable speed.
  await page.selectOption('#monitor-speed', '60x');
}

async function inject(page, kind, metric, ticks = 10) {
  await page.selectOption('#inject-kind', 'prolonged-spike');
  await page.fill('#inject-ticks', String(ticks));
  await page.locator('#inject-ticks').dispatchEvent('change');
  await page.selectOption('#inject-kind', kind);
  await page.selectOption('#inject-metric', metric);
  await page.click('#inject');
}

/** Band and anomaly pixels of a metric's chart, with the colours the page says it uses. */
async function bandPixels(page, metric) {
  const sel = `#band-${metric}`;
  const colors = await page.locator(sel).evaluate((c) => ({ band: c.dataset.bandColor, anomaly: c.dataset.anomalyColor }));
  return readCanvasPixels(page, sel, colors, { tolerance: 10 });
}

const plotWidth = (attr) => Number(attr.split(',')[2]);

/** Waits for the Incidents workspace's monitor cards matching `sel` (mounted while hidden), then counts them. */
async function cards(page, sel, expected) {
  const all = page.locator(`.incident-card[data-source="monitor"]${sel}`);
  await page.waitForFunction(([s, n]) => document.querySelectorAll(s).length === n,
    [`.incident-card[data-source="monitor"]${sel}`, expected], { timeout: 5_000 }).catch(() => {});
  return all.count();
}

test('faults injected while the simulator runs open incidents of the right severity, which resolve', async ({ page }) => {
  await startTrained(page);
  assert.equal((await summary(page)).total, 0, 'the clean simulated stream opens no incident');
  for (const m of METRICS) {
    const row = page.locator(`#eval-table tr[data-metric="${m}"]`);
    assert.ok(Number(await row.getAttribute('data-mae')) >= 0);
    assert.match(await row.innerText(), /\d/);
    const px = await bandPixels(page, m);
    // The band is narrow (the noise is about 1% of the range) but drawn all along the plot.
    assert.ok(px.counts.band > 300, `${m}: the band is shaded (${px.counts.band} px)`);
    const cols = px.columns.band.filter((n) => n > 0).length;
    // (Lines cover the narrow band where the wave is steep, so not every column shows it.)
    assert.ok(cols > 0.2 * plotWidth(await page.getAttribute(`#band-${m}`, 'data-plot')), `${m}: band along the plot (${cols} columns)`);
    const plot = (await page.getAttribute(`#band-${m}`, 'data-plot')).split(',').map(Number);
    assert.ok(plot[2] > 400 && plot[3] > 100, `plot rectangle ${plot}`);
  }

  // Injections at 60x (set by startTrained), so an open incident stays open for about a
  // second of wall time.

  // A single transient spike is marked but opens nothing.
  await inject(page, 'transient-spike', 'energy_consumption');
  await waitStream(page, 90_000);
  assert.equal((await summary(page)).total, 0, 'a transient spike pages no one');
  assert.equal(await cards(page, '', 0), 0);

  // A prolonged spike in one metric: severity 2 opens, then resolves by itself.
  await inject(page, 'prolonged-spike', 'energy_consumption', 10);
  await page.waitForSelector('#monitor-incidents[data-open="1"][data-severity="2"]', { timeout: 30_000 });
  await page.click('#monitor-play'); // pause to look at it
  assert.equal(await cards(page, '[data-severity="2"][data-state="open"]', 1), 1, 'an open severity-2 card');
  const spiked = await bandPixels(page, 'energy_consumption');
  assert.ok(spiked.counts.anomaly > 40, `anomaly marks on the spiked metric (${spiked.counts.anomaly} px)`);
  assert.ok(Number(await page.getAttribute('#band-energy_consumption', 'data-anomalies')) >= 5);
  await screenshot(page, 'monitor-severity-2-open');
  await page.click('#monitor-play');
  await page.waitForSelector('#monitor-incidents[data-open="0"] li[data-severity="2"][data-state="resolved"]', { timeout: 30_000 });
  assert.equal(await cards(page, '[data-severity="2"][data-state="resolved"]', 1), 1, 'the card resolved by itself');
  assert.equal((await summary(page)).total, 1);

  // A prolonged spike in both metrics: severity 1.
  await inject(page, 'prolonged-spike', 'all', 10);
  await page.waitForSelector('#monitor-incidents[data-open="1"][data-severity="1"]', { timeout: 30_000 });
  await page.click('#monitor-play');
  assert.equal(await cards(page, '[data-severity="1"][data-state="open"]', 1), 1, 'an open severity-1 card');
  for (const m of METRICS) {
    const px = await bandPixels(page, m);
    assert.ok(px.counts.anomaly > 40, `${m}: anomaly marks (${px.counts.anomaly} px)`);
  }
  await screenshot(page, 'monitor-severity-1-open');
  await page.evaluate(() => { window.location.hash = '#/incidents'; });
  await page.waitForSelector('section[data-workspace="incidents"]:not([hidden])');
  await screenshot(page, 'monitor-incident-cards');
  await page.evaluate(() => { window.location.hash = '#/monitor'; });
  await page.click('#monitor-play');
  await page.waitForSelector('#monitor-incidents[data-open="0"] li[data-severity="1"][data-state="resolved"]', { timeout: 30_000 });
  assert.equal((await summary(page)).total, 2, 'exactly the two incidents, nothing else');
  assert.equal(await cards(page, '[data-state="resolved"]', 2), 2);
});

test('at 1000x the page keeps up; zoom and pan change what the charts show', async ({ t, page }) => {
  await startTrained(page);
  await page.selectOption('#monitor-speed', '1000x');
  await waitStream(page, 60_000);
  // Work per timer tick (stream, detection, incidents) stays well inside a frame.
  const work = [];
  for (let i = 0; i < 10; i++) {
    work.push(Number(await page.getAttribute('#monitor-tick-ms', 'data-ms')));
    await page.waitForTimeout(100);
  }
  work.sort((a, b) => a - b);
  t.diagnostic(`work per timer tick at 1000x: median ${work[5]} ms, max ${work[9]} ms`);
  assert.ok(work[5] < 16, `median work per tick ${work[5]} ms`);
  await page.click('#monitor-play');

  const points = async () => Number(await page.getAttribute('#band-energy_price', 'data-points'));
  const hash = async () => (await readCanvasPixels(page, '#band-energy_price')).hash;
  await page.selectOption('#monitor-window', '1800');
  await page.waitForFunction(() => Number(document.querySelector('#band-energy_price').dataset.points) > 600);
  const wide = await points();
  await page.selectOption('#monitor-window', '60');
  await page.waitForFunction(() => Number(document.querySelector('#band-energy_price').dataset.points) < 40);
  assert.ok((await points()) < wide / 10, 'zooming in shows fewer points');
  const live = await hash();
  // The pan slider is keyboard accessible: Home jumps to the oldest history.
  await page.focus('#monitor-pan');
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelector('#monitor-pan').value === '0');
  let panned = live;
  for (let i = 0; i < 50 && panned === live; i++) {
    await page.waitForTimeout(100);
    panned = await hash();
  }
  assert.notEqual(panned, live, 'panning back redraws the chart');
  assert.ok(await page.locator('#band-energy_price[data-trained="true"]').count());
  await screenshot(page, 'monitor-zoomed-panned');
});

test('metrics can be added and edited; a bad setting is explained and the stream keeps its metrics', async ({ page }) => {
  await page.click('#metrics-editor summary');
  await page.click('#metric-add');
  await page.click('#metrics-apply');
  await page.waitForSelector('#band-metric_1', { state: 'attached' });
  await page.waitForSelector('#inject-metric option[value="metric_1"]', { state: 'attached' });
  // max below min is refused with the metric named, and the three metrics stay.
  const row = page.locator('#metrics-editor tbody tr').nth(2);
  await row.locator('input.metric-max').fill('-5');
  await row.locator('input.metric-max').dispatchEvent('change');
  await page.click('#metrics-apply');
  await page.waitForSelector('#monitor-error');
  assert.match(await page.textContent('#monitor-error'), /metric 3 \('metric_1'\): max must be at least min/);
  assert.equal(await page.locator('canvas[id^="band-"]').count(), 3);
  await page.selectOption('#monitor-speed', 'max');
  await page.click('#monitor-play');
  await page.waitForFunction(() => document.querySelector('#band-metric_1')?.dataset.trained === 'true', null, { timeout: 30_000 });
  await screenshot(page, 'monitor-three-metrics');
});
