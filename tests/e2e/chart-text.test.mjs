// Every canvas carries its data as text: an accessible name with the column or metric and
// its headline figures, and a "Show data" table. Checked on BankChurners' Customer_Age
// histogram and box plot, and on a Monitor chart after a short simulator run; axe-core
// must still find no WCAG 2.1 A/AA violation with the tables open.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { DIST, gotoApp, launchBrowser, screenshot, startServer, uploadAndWait, waitForStatus, watchContext } from './harness.mjs';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const BANK = fileURLToPath(new URL('../../../shared/data/BankChurners.csv', import.meta.url));
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let server;
let browser;

before(async () => {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) throw new Error(`${DIST}/index.html is missing: run \`make build\` first`);
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  }, WCAG);
}

/** The rows of a figure's data table: [row header, ...cells]. */
async function tableRows(page, details) {
  await page.click(`${details} > summary`);
  // A Monitor chart fills its table when the toggle opens, on the next redraw.
  await page.waitForSelector(`${details} table tbody tr`, { state: "attached" });
  return page.locator(`${details} table tbody tr`).evaluateAll((rows) =>
    rows.map((r) => [...r.children].map((c) => c.textContent.trim())));
}

const num = (s) => Number(String(s).replace(/,/g, ''));

test('canvases name their column or metric with headline figures, and show their data as a table', { timeout: 90_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  const watch = watchContext(context, server.origin);
  const page = await context.newPage();
  watch.attach(page);
  page.setDefaultTimeout(20_000);
  try {
    await gotoApp(page, server.url(), '#/distribution');
    await uploadAndWait(page, BANK);
    await waitForStatus(page, /Loaded\s+BankChurners\.csv/);
    await page.click('table#profile-table tbody tr[data-column="Customer_Age"]');
    await page.waitForFunction(() => /^Histogram of Customer_Age/.test(document.querySelector('#fig-hist canvas')?.getAttribute('aria-label') ?? ''));

    // The histogram's name: column, values, bins, range, tallest bin.
    const name = await page.getAttribute('#fig-hist canvas', 'aria-label');
    const m = /^Histogram of Customer_Age: ([\d,]+) values, (\d+) bins of [\d.]+ from [\d.]+ to [\d.]+, tallest bin [\d.]+ to [\d.]+ \(([\d,]+) values\)$/.exec(name);
    assert.ok(m, `histogram name: ${name}`);
    const [values, bins, tallest] = [num(m[1]), Number(m[2]), num(m[3])];
    const profileCount = num(await page.textContent('table#profile-table tbody tr[data-column="Customer_Age"] td[data-field="count"]'));
    assert.equal(values, profileCount, 'the name counts the profile\'s non-missing values');
    // The caption is not read twice: the canvas is named by its figures, not by the caption.
    const caption = (await page.textContent('#fig-hist figcaption')).trim();
    assert.notEqual(name, caption);
    assert.ok(!name.includes(caption) && !caption.includes(name), `name and caption overlap: ${name} / ${caption}`);
    assert.equal(await page.getAttribute('#fig-hist canvas', 'aria-labelledby'), null);

    // Its table: one row a bin, counts summing to the profile's count, the tallest in it.
    const rows = await tableRows(page, '#fig-hist-data');
    assert.equal(rows.length, bins, `${rows.length} table rows for ${bins} bins`);
    const counts = rows.map((r) => num(r[1]));
    assert.equal(counts.reduce((a, b) => a + b, 0), profileCount);
    assert.equal(Math.max(...counts), tallest);
    assert.match(rows[0][0], /^\[\d+(\.\d+)?, \d+(\.\d+)?\)$/);
    assert.match(rows.at(-1)[0], /\]$/, 'the last bin holds its right edge');
    assert.equal(await page.locator('#fig-hist-data table caption').textContent(), 'Histogram of Customer_Age: values per bin');
    assert.equal(await page.locator('#fig-hist-data table thead th[scope="col"]').count(), 2);

    // The box plot: five figures in the name, the same in its one-row table.
    const boxName = await page.getAttribute('#fig-box canvas', 'aria-label');
    const bm = /^Box plot of Customer_Age: ([\d,]+) values, median ([\d.]+), quartiles ([\d.]+) to ([\d.]+), whiskers [\d.]+ to [\d.]+, ([\d,]+) outliers? outside the fences$/.exec(boxName);
    assert.ok(bm, `box name: ${boxName}`);
    const box = await tableRows(page, '#fig-box-data');
    assert.deepEqual(box.map((r) => [r[0], r[1], r[3], r[4], r[5], r[7]]),
      [['Customer_Age', bm[1], bm[3], bm[2], bm[4], bm[5]]]);
    const dist = await axeViolations(page);
    assert.deepEqual(dist, [], dist.join('\n'));
    await screenshot(page, 'chart-text-distribution');

    // Monitor: run the simulator for a while, pause, and read one chart.
    await page.evaluate(() => { window.location.hash = '#/monitor'; });
    await page.waitForSelector('section[data-workspace="monitor"]:not([hidden])');
    await page.selectOption('#monitor-speed', '1000x');
    await page.click('#monitor-play');
    await page.waitForFunction(() => [...document.querySelectorAll('figure.band canvas')]
      .some((c) => c.dataset.trained === 'true' && Number(c.dataset.points) > 100), null, { timeout: 30_000, polling: 100 });
    await page.click('#monitor-play');
    const chart = page.locator('figure.band canvas[data-trained="true"]').first();
    const metric = await chart.getAttribute('data-metric');
    // The label follows the pause's last drawing.
    await page.waitForTimeout(300);
    const label = await chart.getAttribute('aria-label');
    const lm = new RegExp(`^${metric}: latest (-?[\\d.,]+[kMG]?), expected (-?[\\d.,]+[kMG]?) \\(band (-?[\\d.,]+[kMG]?) to (-?[\\d.,]+[kMG]?)\\), ([\\d,]+) points? flagged in view$`).exec(label);
    assert.ok(lm, `monitor chart label: ${label}`);
    assert.equal(num(lm[5]), Number(await chart.getAttribute('data-anomalies')), 'flagged in view, as drawn');
    // The same point read by keyboard (End: the newest in view).
    await chart.focus();
    await page.keyboard.press('End');
    const tipValue = (await page.textContent(`figure.band[data-metric="${metric}"] .tip-value`)).trim();
    // The tooltip writes more digits than the label's four significant ones.
    const near = (a, b) => Math.abs(a - b) <= 5e-4 * Math.max(Math.abs(a), Math.abs(b), 1e-9) + 1e-12;
    assert.ok(near(num(tipValue), num(lm[1])), `the tooltip's value ${tipValue} is the label's latest ${lm[1]}`);
    // Its data table, filled when the toggle opens: the newest row is the label's latest.
    const monRows = await tableRows(page, `#data-${metric.replace(/[^A-Za-z0-9_-]/g, '-')}`);
    assert.ok(monRows.length >= 2 && monRows.length <= 20, `monitor table rows: ${monRows.length}`);
    assert.ok(monRows.some((r) => r[1] === lm[1] || near(num(r[1]), num(lm[1]))),
      `a row holds the latest value ${lm[1]}: ${JSON.stringify(monRows.slice(-2))}`);
    const mon = await axeViolations(page);
    assert.deepEqual(mon, [], mon.join('\n'));
    await screenshot(page, 'chart-text-monitor');
  } finally {
    await context.close();
  }
  assert.deepEqual(watch.problems(), []);
});
