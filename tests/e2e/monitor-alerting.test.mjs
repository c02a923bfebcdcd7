// Alerting on real cadences: a minute-level metric with a daily cycle and a 15 s metric
// (Prometheus' default scrape) replayed in the Monitor with the product's defaults. A blip
// (one point far out) is flagged and pages no one; a prolonged fault opens an incident.
// Hovering or focusing a chart point explains it; incident rules that can never page are
// called out.
import assert from 'node:assert/strict';
import { appSession, captureDownload, readCanvasPixels, screenshot } from './harness.mjs';

const { test } = appSession({ hash: '#/monitor' });

const T0 = Date.UTC(2026, 9, 5, 0, 0, 0);
const DAY = 86_400_000;

/** Deterministic standard normal noise. */
function gauss(seed) {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** `rows` points `stepMs` apart: a cycle of `periodMs` plus noise of sd 2, a blip of
 *  +15 sd at row `blip` and a fault of +8 sd for `faultLen` rows from row `fault`. */
function series({ name, rows, stepMs, periodMs, blip, fault, faultLen }) {
  const rnd = gauss(41);
  const lines = [`timestamp,${name}`];
  for (let i = 0; i < rows; i++) {
    const t = T0 + i * stepMs;
    let v = 200 + 40 * Math.sin((2 * Math.PI * (t - T0)) / periodMs) + 2 * rnd();
    if (i === blip) v += 30;
    if (i >= fault && i < fault + faultLen) v += 16;
    lines.push(`${new Date(t).toISOString()},${v.toFixed(3)}`);
  }
  return { name: `${name}.csv`, mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n') + '\n') };
}

const CASES = [
  // Three days a minute apart, daily cycle; a 40-minute fault on the third day.
  { label: 'one point a minute', name: 'orders_per_min', rows: 3 * 1440, stepMs: 60_000, periodMs: DAY, blip: 2 * 1440 + 360, fault: 2 * 1440 + 900, faultLen: 40 },
  // A day at Prometheus' default 15 s scrape, hourly cycle; a 15-minute fault.
  { label: 'one point every 15 s', name: 'api_latency_ms', rows: 5760, stepMs: 15_000, periodMs: 3_600_000, blip: 3000, fault: 4500, faultLen: 60 },
];

async function clockAt(page, ms) {
  await page.waitForFunction((t) => Number(document.querySelector('#monitor-clock').dataset.ms) === t, ms, { timeout: 20_000 })
    .catch(async () => assert.fail(`clock ${await page.getAttribute('#monitor-clock', 'data-ms')}, want ${ms}`));
}

async function seekTo(page, ms) {
  await page.locator('#monitor-seek').evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, Math.floor(ms / 1000));
  await clockAt(page, Math.floor(ms / 1000) * 1000);
}

for (const c of CASES) {
  test(`${c.label}: a blip pages no one, a prolonged fault opens an incident, and the chart explains each flag`, async ({ page }) => {
    await page.setInputFiles('#monitor-file-input', series(c));
    await page.waitForSelector(`#band-${c.name}`);
    await page.click('#monitor-play'); // pause the replay that started by itself

    // Up to just after the blip: it is flagged, and no incident opens.
    const blipMs = T0 + c.blip * c.stepMs;
    await seekTo(page, blipMs + 10 * c.stepMs);
    assert.equal(await page.getAttribute('#monitor-incidents', 'data-total'), '0', 'a blip pages no one');
    const log = JSON.parse((await captureDownload(page, () => page.click('#anomaly-log-json'))).text());
    assert.ok(log.some((r) => Math.abs(r.t_ms - blipMs) < 1000), `the blip is flagged (${log.length} anomalies logged)`);
    assert.ok(log.length <= 0.01 * (c.blip + 10), `flags stay rare on the clean part (${log.length} in ${c.blip + 10} points)`);

    // To the end: the fault opens an incident within five steps of its start.
    await page.click('#monitor-to-end');
    await clockAt(page, T0 + (c.rows - 1) * c.stepMs);
    await page.waitForSelector('#monitor-incidents li[data-severity="2"]');
    assert.equal(await page.getAttribute('#monitor-incidents', 'data-total'), '1', 'one incident, for the fault');
    const all = JSON.parse((await captureDownload(page, () => page.click('#anomaly-log-json'))).text());
    const faultMs = T0 + c.fault * c.stepMs;
    const paged = all.filter((r) => r.incident != null);
    assert.ok(paged.length >= 2, 'the incident holds the fault\'s flags');
    for (const r of paged) {
      assert.ok(r.t_ms >= faultMs && r.t_ms < faultMs + (c.faultLen + 10) * c.stepMs, `flag at ${r.t_ms} belongs to the fault`);
    }
    const firstPaged = Math.min(...paged.map((r) => r.t_ms));
    assert.ok(firstPaged - faultMs <= 5 * c.stepMs, `the incident's evidence starts within 5 steps (${(firstPaged - faultMs) / c.stepMs})`);

    // The chart shows the fault's flags in the anomaly colour.
    await page.selectOption('#monitor-window', '0');
    const canvas = `#band-${c.name}`;
    await page.waitForFunction((sel) => Number(document.querySelector(sel).dataset.anomalies) > 0, canvas);
    const colors = await page.locator(canvas).evaluate((el) => ({ band: el.dataset.bandColor, anomaly: el.dataset.anomalyColor }));
    const px = await readCanvasPixels(page, canvas, colors, { tolerance: 10 });
    assert.ok(px.counts.anomaly > 20 && px.counts.band > 200, `anomaly marks and band drawn (${JSON.stringify(px.counts)})`);

    // Keyboard: focus the chart, Page Up to the newest flag: the tooltip says why.
    await page.focus(canvas);
    await page.keyboard.press('End');
    await page.keyboard.press('PageUp');
    const tip = page.locator('figure.band .chart-tip');
    await tip.waitFor();
    assert.equal(await tip.getAttribute('data-anomaly'), 'true');
    const why = await tip.locator('.tip-why').innerText();
    assert.match(why, /^flagged: (far from the forecast|outside the metric's usual range|a shape the metric has not shown before)/, why);
    assert.match(why, /about 1 in [\d,]+ under that view, the bar at medium sensitivity is 1 in 1,000/, why);
    for (const cls of ['tip-time', 'tip-value', 'tip-expected', 'tip-band', 'tip-score']) {
      assert.ok((await tip.locator(`.${cls}`).innerText()).trim().length > 0, `${cls} shown`);
    }
    assert.match(await tip.locator('.tip-time').innerText(), /^2026-10-0\d /, 'the time reads as a UTC date-time');
    assert.equal(await page.getAttribute(canvas, 'aria-describedby'), await tip.getAttribute('id'));
    await screenshot(page, `monitor-alerting-${c.name}`);
    // Arrow keys step to the neighbouring points; Escape closes.
    const t1 = Number(await tip.getAttribute('data-t'));
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((t) => Number(document.querySelector('figure.band .chart-tip')?.dataset.t) > t, t1);
    await page.keyboard.press('Escape');
    await tip.waitFor({ state: 'detached' });

    // Pointer: hovering the plot shows the point under it.
    const box = await page.locator(canvas).boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await tip.waitFor();
    assert.match(await tip.locator('.tip-why').innerText(), /^(not flagged|flagged|not judged)/);
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height + 40);
    await tip.waitFor({ state: 'detached' });
  });
}

test('incident rules that can never page are called out, and the defaults come back', async ({ page }) => {
  await page.setInputFiles('#monitor-file-input', series(CASES[0]));
  await page.waitForSelector(`#band-${CASES[0].name}`);
  await page.click('#monitor-detection summary');
  assert.match(await page.locator('#rules-meaning').innerText(), /step of 1 min, a metric goes over after 5 flagged points in a row \(about 5 min\)/);
  await page.fill('#rule-max-points', '60');
  await page.locator('#rule-max-points').dispatchEvent('change');
  await page.fill('#rule-min-points', '50');
  await page.locator('#rule-min-points').dispatchEvent('change');
  await page.fill('#rule-min-duration', '3600');
  await page.locator('#rule-min-duration').dispatchEvent('change');
  const warning = await page.locator('#rules-warning').innerText();
  assert.match(warning, /Incidents are impossible with these rules: an incident needs 60 flagged points in a row, but the detector accepts a lasting change as normal after 20 points/);
  // Nonsense is explained, not applied.
  await page.fill('#rule-half-life', '-3');
  await page.locator('#rule-half-life').dispatchEvent('change');
  assert.match(await page.locator('#incident-rules .banner.error').innerText(), /Half-life: '-3' is not a number of 0 or more/);
  await screenshot(page, 'monitor-incident-rules');
  await page.click('#rules-default');
  assert.equal(await page.locator('#rules-warning').count(), 0);
  assert.equal(await page.isDisabled('#rules-apply'), true, 'the defaults are the rules in use');
});
