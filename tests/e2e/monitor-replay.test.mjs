// The Monitor workspace replaying files: a CSV with a planted incident and every kind of
// bad input (unsorted, duplicate and missing timestamps, a non-numeric cell, a constant and
// an all-missing metric, a hostile column name), a Prometheus query_range JSON, Prometheus
// error responses and JSON that is not Prometheus, and a training file for the simulator.
// Checks what a user sees: the notes, the charts (DOM and canvas pixels), the incident the
// planted spike opens, play / step / seek / "To end", and clear errors that keep the stream.
import assert from 'node:assert/strict';
import { appSession, captureDownload, readCanvasPixels, screenshot } from './harness.mjs';

/** Waits until the clock shows `ms`: it shows what has been judged, and rows are judged once
 *  IndexedDB holds them (a flush after they were read). */
async function clockAt(page, ms, what) {
  await page.waitForFunction((t) => Number(document.querySelector('#monitor-clock').dataset.ms) === t, ms, { timeout: 10_000 })
    .catch(async () => assert.fail(`${what}: clock ${await page.getAttribute('#monitor-clock', 'data-ms')}, want ${ms}`));
}

const { test } = appSession({ hash: '#/monitor' });

const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0); // 2026-11-01 12:00:00 UTC

/** Deterministic noise in [-0.5, 0.5). */
function noise(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** 40 minutes at 1 s: cpu a 60 s wave with a +40 spike for 60 s at 25:00, mem a slow
 *  ramp, a constant, an all-missing column and a hostile name; plus the bad input. */
function replayCsv() {
  const rnd = noise(7);
  const rows = [];
  for (let s = 0; s < 2400; s++) {
    if (s >= 600 && s < 720) continue; // two missing minutes: a gap
    const spike = s >= 1500 && s < 1560 ? 40 : 0;
    const cpu = 50 + 10 * Math.sin((2 * Math.PI * s) / 60) + rnd() + spike;
    const mem = 30 + 0.001 * s + 0.2 * rnd();
    const odd = s >= 1800 && s < 1830 ? 20 : 0; // the hostile-named metric has a fault too
    rows.push([new Date(T0 + s * 1000).toISOString(), cpu.toFixed(3), mem.toFixed(3), '7', '', (5 + rnd() + odd).toFixed(3)]);
  }
  rows[50][1] = 'overflow'; // one non-numeric cell
  [rows[100], rows[101]] = [rows[101], rows[100]]; // two rows out of order
  rows.splice(201, 0, [rows[200][0], '51', '30', '7', '', '5']); // a repeated timestamp
  const header = ['timestamp', 'cpu', 'mem', 'const', 'empty', HOSTILE];
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

/** A Prometheus query_range answer: two series of `up`-like latency, 30 minutes at 15 s. */
function promMatrix() {
  const rnd = noise(11);
  const series = ['api', 'db'].map((job, j) => ({
    metric: { __name__: 'latency_seconds', job },
    values: Array.from({ length: 120 }, (_, i) => [T0 / 1000 + i * 15, String(0.2 + 0.05 * j + 0.01 * rnd())]),
  }));
  return JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: series } });
}

const file = (name, text, mimeType = 'text/csv') => ({ name, mimeType, buffer: Buffer.from(text) });

const noteKinds = (page) => page.locator('#monitor-notes li').evaluateAll((lis) => lis.map((li) => li.dataset.kind));

test('a CSV replays as a stream: notes on every fix, charts, an incident from the planted spike, step, seek and to end', async ({ page }) => {
  await page.setInputFiles('#monitor-file-input', file('pipeline.csv', replayCsv()));
  await page.waitForSelector('#monitor-notes');
  const kinds = await noteKinds(page);
  for (const k of ['Sorted', 'Duplicates', 'Gaps', 'NonNumeric', 'Constant', 'AllMissing']) {
    assert.ok(kinds.includes(k), `a note of kind ${k} (got ${kinds.join(', ')})`);
  }
  const notes = await page.locator('#monitor-notes').innerText();
  assert.match(notes, /empty/, 'the all-missing metric is named');
  assert.match(await page.locator('#monitor-source-name').innerText(), /pipeline\.csv · 4 metric\(s\)/);
  // One chart per metric left (the all-missing one dropped); the hostile name is text.
  const metrics = await page.locator('canvas[data-metric]').evaluateAll((cs) => cs.map((c) => c.dataset.metric));
  assert.deepEqual(metrics, ['cpu', 'mem', 'const', HOSTILE]);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'markup in a name is never run');
  assert.equal(await page.locator('figure.band img').count(), 0);
  // The fault-injection panel and the metric editor are the simulator's: hidden for a file.
  assert.equal(await page.locator('#monitor-inject').count(), 0);

  // The replay started by itself; run it to the end as fast as possible.
  await page.selectOption('#monitor-speed', 'max');
  await page.waitForFunction(() => document.querySelector('#monitor-play').innerText.includes('Start'), null, { timeout: 30_000 });
  const endMs = T0 + 2399 * 1000;
  await clockAt(page, endMs, 'the clock reached the last row');
  assert.match(await page.locator('#monitor-clock').innerText(), /2026-11-01 12:39:59/, 'the clock reads as a UTC date-time');
  // The planted spike opened a severity-2 incident on cpu, which resolved.
  await page.waitForSelector('#monitor-incidents li[data-severity="2"]');
  const cpuAnomalies = Number(await page.getAttribute('#band-cpu', 'data-anomalies'));
  assert.ok(cpuAnomalies >= 0);
  await page.selectOption('#monitor-window', '1800');
  await page.waitForFunction(() => Number(document.querySelector('#band-cpu').dataset.anomalies) >= 20, null, { timeout: 10_000 });
  const colors = await page.locator('#band-cpu').evaluate((c) => ({ band: c.dataset.bandColor, anomaly: c.dataset.anomalyColor }));
  const px = await readCanvasPixels(page, '#band-cpu', colors, { tolerance: 10 });
  assert.ok(px.counts.anomaly > 100, `anomaly marks on cpu (${px.counts.anomaly} px)`);
  // cpu's band is narrow beside the spike's height; mem's shows plainly.
  assert.ok(px.counts.band > 20, `cpu's band is shaded (${px.counts.band} px)`);
  const memPx = await readCanvasPixels(page, '#band-mem', colors, { tolerance: 10 });
  assert.ok(memPx.counts.band > 300, `mem's band is shaded (${memPx.counts.band} px)`);
  // The clean metric is flagged about as often as the band's level says (5%), no more.
  const memAnomalies = Number(await page.getAttribute('#band-mem', 'data-anomalies'));
  const memPoints = Number(await page.getAttribute('#band-mem', 'data-points'));
  assert.ok(memAnomalies <= 0.1 * memPoints, `mem is quiet (${memAnomalies} of ${memPoints})`);
  await screenshot(page, 'monitor-replay-csv');

  // The anomaly log downloads as CSV and JSON; the spike's points are in it, with the
  // incident they belong to, at epoch times.
  const csv = (await captureDownload(page, () => page.click('#anomaly-log-csv'))).text().trim().split('\n');
  assert.equal(csv[0], 't_s,metric,value,expected,lower,upper,score,deviation,incident');
  const spikeRows = csv.slice(1).filter((l) => {
    const [t, metric, , , , , , , incident] = l.split(',');
    return metric === 'cpu' && Number(t) >= T0 / 1000 + 1500 && Number(t) < T0 / 1000 + 1560 && incident !== '';
  });
  assert.ok(spikeRows.length >= 30, `spike anomalies in the log with their incident (${spikeRows.length})`);
  const json = JSON.parse((await captureDownload(page, () => page.click('#anomaly-log-json'))).text());
  assert.equal(json.length, csv.length - 1, 'the same anomalies in both formats');
  assert.ok(json.some((r) => r.metric === HOSTILE), 'names exported verbatim');

  // Seek back to the start: engines rebuild; step moves one row (1 s).
  await page.locator('#monitor-seek').evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, T0 / 1000 + 60);
  await clockAt(page, T0 + 60_000, 'seeked');
  assert.equal(await page.locator('#monitor-incidents').getAttribute('data-total'), '0', 'incidents rebuilt from the start');
  await page.click('#monitor-step');
  await clockAt(page, T0 + 61_000, 'one step');
  await page.click('#monitor-to-end');
  await clockAt(page, endMs, 'to the end');
  assert.ok(Number(await page.locator('#monitor-incidents').getAttribute('data-total')) >= 1, 'the same incident again');
});

test('a Prometheus range query replays; Prometheus errors and other JSON get clear messages and keep the stream', async ({ page }) => {
  await page.setInputFiles('#monitor-file-input', file('latency.json', promMatrix(), 'application/json'));
  await page.waitForSelector('canvas[data-metric="latency_seconds{job=\\"api\\"}"]');
  const metrics = await page.locator('canvas[data-metric]').evaluateAll((cs) => cs.map((c) => c.dataset.metric));
  assert.deepEqual(metrics, ['latency_seconds{job="api"}', 'latency_seconds{job="db"}']);
  await page.selectOption('#monitor-speed', 'max');
  await page.waitForFunction(() => document.querySelector('#monitor-play').innerText.includes('Start'), null, { timeout: 30_000 });
  await clockAt(page, T0 + 119 * 15_000, 'the last sample');

  const errorResponse = JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": parse error' });
  await page.setInputFiles('#monitor-file-input', file('broken.json', errorResponse, 'application/json'));
  await page.waitForSelector('#monitor-error');
  let msg = await page.locator('#monitor-error').innerText();
  assert.match(msg, /broken\.json/);
  assert.match(msg, /bad_data/);
  assert.match(msg, /parse error/);
  assert.match(await page.locator('#monitor-source-name').innerText(), /latency\.json/, 'the previous stream stays');

  await page.setInputFiles('#monitor-file-input', file('other.json', JSON.stringify([{ a: 1 }, { a: 2 }]), 'application/json'));
  await page.waitForFunction(() => document.querySelector('#monitor-error')?.innerText.includes('other.json'));
  msg = await page.locator('#monitor-error').innerText();
  assert.match(msg, /Prometheus/i, `says what was expected: ${msg}`);

  await page.setInputFiles('#monitor-file-input', file('cut.json', promMatrix().slice(0, 300), 'application/json'));
  await page.waitForFunction(() => document.querySelector('#monitor-error')?.innerText.includes('cut.json'));
  assert.match(await page.locator('#monitor-error').innerText(), /line \d+/, 'invalid JSON says where');

  // An empty file and a CSV without numbers are refused the same way.
  await page.setInputFiles('#monitor-file-input', file('empty.csv', ''));
  await page.waitForFunction(() => document.querySelector('#monitor-error')?.innerText.includes('empty.csv'));
  await page.setInputFiles('#monitor-file-input', file('words.csv', 'time,name\n2026-11-01T00:00:00Z,a\n2026-11-01T00:00:01Z,b\n'));
  await page.waitForFunction(() => document.querySelector('#monitor-error')?.innerText.includes('words.csv'));
  assert.match(await page.locator('#monitor-source-name').innerText(), /latency\.json/);

  // Back to the simulator.
  await page.click('#monitor-use-sim');
  assert.match(await page.locator('#monitor-source-name').innerText(), /simulator/);
  assert.ok(await page.locator('#monitor-inject').isVisible());
});

test('a training file lets a metric be judged from the first point', async ({ page }) => {
  // Ten minutes of energy_price's clean wave at the simulator's 2 s tick (10..1000 at 50/s).
  const lines = ['time,energy_price'];
  for (let s = 0; s <= 600; s += 2) {
    const phase = (s * 50) % 1980;
    const v = 10 + (phase <= 990 ? phase : 1980 - phase);
    const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s % 60;
    lines.push(`${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')},${v}`);
  }
  await page.setInputFiles('#monitor-training-input', file('price-last-10min.csv', lines.join('\n') + '\n'));
  await page.waitForSelector('#monitor-training');
  assert.match(await page.locator('#monitor-training').innerText(), /energy_price \(301 points\)/);
  await page.click('#monitor-play');
  await page.waitForFunction(() => Number(document.querySelector('#monitor-clock').dataset.ms) >= 20_000, null, { timeout: 30_000 });
  await page.click('#monitor-play');
  assert.equal(await page.getAttribute('#band-energy_price', 'data-trained'), 'true', 'judged from the start');
  assert.equal(await page.getAttribute('#band-energy_consumption', 'data-trained'), 'false', 'the other metric still trains');
  await screenshot(page, 'monitor-training-file');
  await page.click('#monitor-training-clear');
  assert.equal(await page.locator('#monitor-training').count(), 0);
  assert.equal(await page.getAttribute('#band-energy_price', 'data-trained'), 'false');
});

test('the band level and the seasonal period are the user\'s to set', async ({ page }) => {
  // A bad period is explained and changes nothing.
  await page.fill('#monitor-period', 'hourly');
  await page.locator('#monitor-period').dispatchEvent('change');
  await page.waitForSelector('#monitor-error');
  assert.match(await page.locator('#monitor-error').innerText(), /Period: 'hourly' is not a period/);
  // (The text stays in the field to be corrected.)

  // Each metric's detector and sensitivity are the user's (Detectors and incident rules).
  await page.click('#monitor-detection summary');
  const pick = async (cls, value) => {
    for (const n of ['energy_consumption', 'energy_price']) {
      await page.selectOption(`#monitor-detectors tr[data-metric="${n}"] select.${cls}`, value);
    }
  };
  const flagged = async () => {
    // 1000x, not max: each run stays about an hour of stream, so the journal the next
    // setting clears stays small.
    await page.selectOption('#monitor-speed', '1000x');
    if (!(await page.locator('#monitor-play').innerText()).includes('Pause')) await page.click('#monitor-play');
    await page.waitForFunction(() => Number(document.querySelector('#monitor-clock').dataset.ms) >= 3_600_000, null, { timeout: 30_000 });
    await page.click('#monitor-play');
    await page.waitForTimeout(300); // the last batches are judged once on disk
    // Per hour of stream time: at max speed each run stops at a different clock.
    const [total, clock] = await page.evaluate(() => [
      [...document.querySelectorAll('#eval-table tr[data-metric] td:nth-child(7)')].reduce((a, td) => a + Number(td.innerText.replace(/,/g, '')), 0),
      Number(document.querySelector('#monitor-clock').dataset.ms),
    ]);
    return total / (clock / 3_600_000);
  };
  // The adaptive detector (the default) flags by its sensitivity ...
  await pick('detector-sensitivity', 'high');
  const high = await flagged();
  await pick('detector-sensitivity', 'low');
  const low = await flagged();
  assert.ok(high > 2 * low && high >= 5, `high sensitivity flags more than low (${high.toFixed(0)} vs ${low.toFixed(0)} per hour)`);
  // ... the band detector by the band's level.
  await pick('detector-kind', 'band');
  assert.equal(await page.locator('select.detector-sensitivity[disabled]').count(), 2, 'sensitivity is the adaptive detector\'s');
  await page.selectOption('#monitor-level', '0.8');
  const at80 = await flagged();
  await page.selectOption('#monitor-level', '0.999');
  const at999 = await flagged();
  assert.ok(at80 > 4 * at999, `80% band flags more than a 99.9% band (${at80.toFixed(0)} vs ${at999.toFixed(0)} per hour)`);

  // The choices are journaled with the stream: a reload brings them back.
  await page.reload();
  await page.waitForFunction(() => /Recovered/.test(document.querySelector('#status')?.innerText || ''), null, { timeout: 30_000 });
  await page.click('#monitor-detection summary');
  for (const n of ['energy_consumption', 'energy_price']) {
    assert.equal(await page.inputValue(`#monitor-detectors tr[data-metric="${n}"] select.detector-kind`), 'band');
    assert.equal(await page.inputValue(`#monitor-detectors tr[data-metric="${n}"] select.detector-sensitivity`), 'low');
  }
  assert.equal(await page.inputValue('#monitor-level'), '0.999');

  // A period set by hand is used (and shown back).
  await page.fill('#monitor-period', '49.9, 39.6');
  await page.locator('#monitor-period').dispatchEvent('change');
  assert.equal(await page.inputValue('#monitor-period'), '49.9,39.6');
  assert.equal(await page.locator('#monitor-error').count(), 0, 'the error went with a good value');
});

test('a stray quote in a replayed CSV is reported with its line, and one click replays every row', async ({ page }) => {
  // 300 rows at 1 s; a stray quote at the start of line 101's value takes the rest of the
  // file into one cell unless quotes are read literally from there.
  const lines = ['timestamp,cpu,mem'];
  for (let s = 0; s < 300; s++) {
    lines.push(`${new Date(T0 + s * 1000).toISOString()},${(50 + Math.sin(s / 5)).toFixed(3)},${(30 + s / 1000).toFixed(3)}`);
  }
  lines[100] = lines[100].replace(',', ',"');
  await page.setInputFiles('#monitor-file-input', file('quoted.csv', lines.join('\n') + '\n'));
  await page.waitForFunction(() => document.querySelector('#monitor-error')?.innerText.includes('quoted.csv'));
  const msg = await page.locator('#monitor-error').innerText();
  assert.match(msg, /line 101/, msg);
  const button = page.locator('#monitor-literal-quotes');
  assert.match(await button.innerText(), /Read quotes literally from line 101/);
  await button.click();
  await page.waitForFunction(() => /quoted\.csv/.test(document.querySelector('#monitor-source-name')?.innerText ?? ''));
  assert.equal(await page.locator('#monitor-error').count(), 0, 'the error is gone');
  const status = await page.locator('#status').innerText();
  assert.match(status, /300 rows/, `every row is kept: ${status}`);
  assert.match(status, /quotes read as ordinary characters from line 101/, status);
  await page.selectOption('#monitor-speed', 'max');
  await page.waitForFunction(() => document.querySelector('#monitor-play').innerText.includes('Start'), null, { timeout: 30_000 });
  await clockAt(page, T0 + 299 * 1000, 'the last row');
});
