// The Distribution workspace end to end: load BankChurners.csv, read the profile table,
// open the plots (DOM captions and canvas pixels), use the controls, export, and feed the page
// bad input. Expected figures come from an independent read of the CSV in this file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  SCREENSHOT_DIR, appSession, captureDownload, countRuns, loadSeq, readCanvasPixels, screenshot, tempDir,
  uploadAndWait, waitForLoad, waitForStatus,
} from './harness.mjs';

const { test } = appSession({ hash: '#/distribution' });

const BANK = fileURLToPath(new URL('../../../shared/data/BankChurners.csv', import.meta.url));
const LIGHT = { bg: '#ffffff', accent: '#0969da', density: '#d1242f', outlier: '#8250df' };
const DARK = { bg: '#0d1117', accent: '#58a6ff', density: '#ff7b72' };
const FIELDS = ['type', 'count', 'missing', 'distinct', 'min', 'q1', 'median', 'q3', 'max', 'mean', 'std', 'skewness', 'outliers'];

// ---------- independent reference from the file itself (BankChurners has no quoted fields) ----------
const reference = (() => {
  const lines = fs.readFileSync(BANK, 'utf8').split(/\r?\n/).filter((l) => l.length);
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((l) => l.split(','));
  const col = (name) => rows.map((r) => r[header.indexOf(name)]);
  const sortedNums = (name) => col(name).map(Number).sort((a, b) => a - b);
  // Linear interpolation between order statistics (Hyndman-Fan type 7), as numpy's default.
  const quantile = (s, p) => { const h = (s.length - 1) * p; const lo = Math.floor(h); return s[lo] + (h - lo) * ((s[lo + 1] ?? s[lo]) - s[lo]); };
  const counts = (name) => { const m = new Map(); for (const v of col(name)) m.set(v, (m.get(v) || 0) + 1); return m; };
  return { header, rows: rows.length, col, sortedNums, quantile, counts };
})();

/** Reads a number the page formatted for people ("10,127", "4.6e1", "−3"). */
function num(text) {
  const t = String(text ?? '').replace(/[\s,\u00a0\u202f\u2009']/g, '').replace(/\u2212/g, '-');
  const v = parseFloat(t);
  return Number.isFinite(v) ? v : NaN;
}

/** The profile table row of `column` as { field: text }. */
async function profileRow(page, column) {
  const row = page.locator(`table#profile-table tbody tr[data-column="${column}"]`);
  assert.equal(await row.count(), 1, `expected one profile row tr[data-column="${column}"]`);
  return row.evaluate((tr, fields) => Object.fromEntries(fields.map((f) => {
    const td = tr.querySelector(`td[data-field="${f}"]`);
    if (!td) return [f, null];
    const sel = td.querySelector('select');
    return [f, sel ? sel.value : td.textContent.trim()];
  })), FIELDS);
}

async function loadBank(page) {
  const ds = await uploadAndWait(page, BANK);
  await waitForStatus(page, /Loaded\s+BankChurners\.csv/);
  return ds;
}

/** Clicks a column's row in the profile table. */
async function selectColumn(page, column) {
  await page.click(`table#profile-table tbody tr[data-column="${column}"]`);
}

async function caption(page, fig) {
  return (await page.locator(`figure#${fig} figcaption`).textContent() ?? '').trim();
}

/** Waits until a figure's caption mentions `text` (the page redraws asynchronously). */
async function waitForCaption(page, fig, re) {
  try {
    await page.waitForFunction(([sel, src, fl]) => new RegExp(src, fl).test(document.querySelector(sel)?.textContent ?? ''),
      [`figure#${fig} figcaption`, re.source, re.flags], { polling: 50, timeout: 15_000 });
  } catch {
    throw new Error(`figure#${fig} figcaption never matched ${re}; it says ${JSON.stringify(await caption(page, fig))}`);
  }
  return caption(page, fig);
}

/** Waits for a canvas's pixels to differ from `hash` (a redraw), or times out quietly. */
async function waitForRedraw(page, selector, hash, timeout = 5_000) {
  const t0 = Date.now();
  for (;;) {
    const px = await readCanvasPixels(page, selector, LIGHT);
    if (px.hash !== hash || Date.now() - t0 > timeout) return px;
    await page.waitForTimeout(100);
  }
}

/** All messages the page shows about a load: error/warning banners and the status line. */
async function messages(page) {
  const banners = await page.locator('.banner').allTextContents();
  const status = await page.locator('#status').textContent();
  return [...banners, status].join(' | ');
}

function runsSummary(px, colour) {
  return { x: countRuns(px.columns[colour], 3), y: countRuns(px.rows[colour], 3) };
}

// ---------- happy path on the real data ----------

test('BankChurners.csv: profile table matches the file', async ({ page }) => {
  const ds = await loadBank(page);
  assert.equal(Number(ds.loadRows), reference.rows, 'body[data-load-rows]');
  assert.equal(Number(ds.loadBytes), fs.statSync(BANK).size, 'body[data-load-bytes]');
  assert.ok(Number(ds.loadMs) > 0, `body[data-load-ms] should be a positive time, got ${ds.loadMs}`);
  const status = await page.locator('#status').textContent();
  assert.match(status.replace(/[,\u202f\u00a0 ](?=\d{3}\b)/g, ''), new RegExp(`${reference.rows} rows x ${reference.header.length} columns`),
    `#status should give rows and columns: ${status}`);
  assert.equal(await page.locator('table#profile-table tbody tr[data-column]').count(), reference.header.length, 'one profile row per column');

  const age = await profileRow(page, 'Customer_Age');
  const s = reference.sortedNums('Customer_Age');
  assert.equal(age.type, 'numeric', 'Customer_Age type');
  assert.equal(num(age.count), s.length, 'Customer_Age count');
  assert.equal(num(age.missing), 0, 'Customer_Age missing');
  assert.equal(num(age.min), s[0], 'Customer_Age min');
  assert.equal(num(age.max), s.at(-1), 'Customer_Age max');
  assert.equal(num(age.median), reference.quantile(s, 0.5), 'Customer_Age median');
  assert.equal(num(age.q1), reference.quantile(s, 0.25), 'Customer_Age Q1');
  assert.equal(num(age.q3), reference.quantile(s, 0.75), 'Customer_Age Q3');
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  assert.ok(Math.abs(num(age.mean) - mean) < 0.01, `Customer_Age mean ${age.mean} vs ${mean}`);
  for (const f of FIELDS) assert.notEqual(age[f], null, `Customer_Age row has no td[data-field="${f}"]`);

  const income = await profileRow(page, 'Income_Category');
  assert.equal(income.type, 'categorical', 'Income_Category type');
  assert.equal(num(income.distinct), reference.counts('Income_Category').size, 'Income_Category distinct');

  const limit = await profileRow(page, 'Credit_Limit');
  const ls = reference.sortedNums('Credit_Limit');
  assert.equal(num(limit.min), ls[0], 'Credit_Limit min');
  assert.equal(num(limit.max), ls.at(-1), 'Credit_Limit max');
  assert.equal(num(limit.median), reference.quantile(ls, 0.5), 'Credit_Limit median');
  await screenshot(page, 'distribution-profile');
});

test('Customer_Age: box plot and histogram on canvas and in captions', async ({ page }) => {
  await loadBank(page);
  // Another column first, so the click on Customer_Age is what opens its plots.
  await selectColumn(page, 'Credit_Limit');
  await waitForCaption(page, 'fig-box', /^Credit_Limit/);
  await selectColumn(page, 'Customer_Age');
  const s = reference.sortedNums('Customer_Age');
  const q1 = reference.quantile(s, 0.25), med = reference.quantile(s, 0.5), q3 = reference.quantile(s, 0.75);
  const boxCap = await waitForCaption(page, 'fig-box', /Customer_Age/);
  for (const [label, v] of [['median', med], ['Q1', q1], ['Q3', q3]]) {
    assert.match(boxCap, new RegExp(`${label}\\D{0,4}${v}\\b`, 'i'), `box caption should state ${label} ${v}: ${boxCap}`);
  }
  const iqr = q3 - q1;
  const outliers = s.filter((v) => v < q1 - 1.5 * iqr || v > q3 + 1.5 * iqr).length;
  assert.match(boxCap, new RegExp(`\\b${outliers} outliers?`), `box caption should count ${outliers} Tukey outliers: ${boxCap}`);

  const box = await waitForPixels(page, 'figure#fig-box canvas', LIGHT, (px) => px.counts.accent > 300);
  assert.ok(box.width >= 200 && box.height >= 100, `box canvas is ${box.width}x${box.height}`);
  assert.ok(box.counts.accent > 300, `box plot should be drawn in the accent colour ${LIGHT.accent}; saw ${box.counts.accent} accent pixels`);
  assert.ok(box.counts.bg > box.width * box.height * 0.3, `box canvas background should be ${LIGHT.bg}; saw ${box.counts.bg} pixels`);
  await page.locator('figure#fig-box').screenshot({ path: await shotPath('customer-age-box') });

  const hist = await waitForPixels(page, 'figure#fig-hist canvas', LIGHT, (px) => px.counts.accent > 1000);
  assert.ok(hist.counts.accent > 1000, `histogram bars should be accent-coloured; saw ${hist.counts.accent} pixels`);
  assert.ok(hist.counts.density > 30, `histogram should overlay a density curve in ${LIGHT.density}; saw ${hist.counts.density} pixels`);
  // Bins of different heights: the accent pixel columns take several distinct heights.
  const heights = new Set(hist.columns.accent.filter((c) => c > 2));
  assert.ok(heights.size >= 5, `histogram should show bins of several heights; saw ${heights.size} distinct accent column heights`);
  const histCap = await caption(page, 'fig-hist');
  assert.match(histCap, /\d+\s*bins?/i, `histogram caption gives the bin count: ${histCap}`);
  const binsInCaption = Number(histCap.match(/(\d+)\s*bins?/i)[1]);
  assert.ok(binsInCaption >= 5 && binsInCaption <= 200, `a sensible Freedman-Diaconis bin count for ages 26-73: ${histCap}`);
  await page.locator('figure#fig-hist').screenshot({ path: await shotPath('customer-age-histogram') });
  await screenshot(page, 'distribution-customer-age');
});

test('Income_Category: bar chart with its six labels', async ({ page }) => {
  await loadBank(page);
  await selectColumn(page, 'Income_Category');
  const expected = reference.counts('Income_Category');
  const items = await waitForBarItems(page, (items) => items.some((t) => t.includes('Less than $40K')));
  const cap = await caption(page, 'fig-bars');
  assert.match(cap, new RegExp(`\\b${expected.size} distinct`), `bars caption should count ${expected.size} labels: ${cap}`);
  assert.equal(items.length, expected.size, `ol.bar-data should list ${expected.size} bars: ${JSON.stringify(items)}`);
  for (const [label, n] of expected) {
    const li = items.find((t) => t.includes(label));
    assert.ok(li, `ol.bar-data has no item for ${label}: ${JSON.stringify(items)}`);
    assert.equal(num(li.slice(li.indexOf(label) + label.length).match(/[\d,\u202f]+/)?.[0]), n, `count of ${label} in "${li}"`);
  }
  // Bars come in descending order of count.
  const shown = items.map((t) => [...expected.keys()].find((l) => t.includes(l)));
  const byCount = [...expected].sort((a, b) => b[1] - a[1]).map(([l]) => l);
  assert.deepEqual(shown, byCount, 'bars should be sorted by count, largest first');

  const px = await waitForPixels(page, 'figure#fig-bars canvas', LIGHT, (px) => px.counts.accent > 500);
  const runs = runsSummary(px, 'accent');
  assert.ok(runs.x === expected.size || runs.y === expected.size,
    `bars canvas should show ${expected.size} separate accent bars; runs along x ${runs.x}, along y ${runs.y}`);
  await page.locator('figure#fig-bars').screenshot({ path: await shotPath('income-category-bars') });
  await screenshot(page, 'distribution-income-category');
});

test('Credit_Limit by Income_Category: grouped box plots', async ({ page }) => {
  await loadBank(page);
  await page.selectOption('select#group-value', 'Credit_Limit');
  await page.selectOption('select#group-by', 'Income_Category');
  await waitForCaption(page, 'fig-grouped', /Credit_Limit.*Income_Category|Income_Category.*Credit_Limit/);
  const groups = reference.counts('Income_Category').size;
  const px = await waitForPixels(page, 'figure#fig-grouped canvas', LIGHT, (px) => px.counts.accent > 500);
  assert.ok(px.counts.accent > 500, `grouped boxes should be accent-coloured; saw ${px.counts.accent} pixels`);
  const runs = runsSummary(px, 'accent');
  assert.ok(runs.x === groups || runs.y === groups, `grouped canvas should show ${groups} boxes; runs along x ${runs.x}, along y ${runs.y}`);
  // Credit_Limit is right-skewed with a cap: every income group has points past the upper fence.
  assert.ok(px.counts.outlier > 0, `outliers should be drawn in ${LIGHT.outlier}`);
  await page.locator('figure#fig-grouped').screenshot({ path: await shotPath('credit-limit-by-income') });
  await screenshot(page, 'distribution-grouped');
});

test('scatter of two numeric columns states its sample size', async ({ page }) => {
  await loadBank(page);
  await page.selectOption('select#scatter-x', 'Credit_Limit');
  await page.selectOption('select#scatter-y', 'Avg_Open_To_Buy');
  const cap = await waitForCaption(page, 'fig-scatter', /Credit_Limit|Avg_Open_To_Buy/);
  assert.match(cap, /Credit_Limit/, cap);
  assert.match(cap, /Avg_Open_To_Buy/, cap);
  const n = [...cap.matchAll(/\d[\d,\u202f]*/g)].map((m) => num(m[0]));
  assert.ok(n.some((v) => v > 100 && v <= reference.rows), `scatter caption should give the number of points drawn (<= ${reference.rows}): ${cap}`);
  const px = await waitForPixels(page, 'figure#fig-scatter canvas', LIGHT, (px) => px.counts.accent > 500);
  assert.ok(px.counts.accent > 500, `scatter points should be accent-coloured; saw ${px.counts.accent}`);
  await page.locator('figure#fig-scatter').screenshot({ path: await shotPath('scatter') });
});

test('bin rule, bin count and log scale redraw the histogram', async ({ page }) => {
  await loadBank(page);
  await selectColumn(page, 'Credit_Limit');
  await waitForCaption(page, 'fig-box', /Credit_Limit/);
  await waitForCaption(page, 'fig-hist', /bins?/);
  const sel = 'figure#fig-hist canvas';
  assert.equal(await page.locator('select#bin-rule').inputValue(), 'fd', 'Freedman-Diaconis should be the default bin rule');
  const fd = await readCanvasPixels(page, sel, LIGHT);
  const fdCap = await caption(page, 'fig-hist');

  await page.selectOption('select#bin-rule', 'sturges');
  const st = await waitForRedraw(page, sel, fd.hash);
  assert.notEqual(st.hash, fd.hash, 'switching to Sturges should redraw the histogram');
  assert.notEqual(await caption(page, 'fig-hist'), fdCap, 'the caption should reflect the bin rule / count');
  // Sturges on 10,127 rows gives ceil(log2 n)+1 = 15 bins.
  assert.match(await caption(page, 'fig-hist'), new RegExp(`\\b${Math.ceil(Math.log2(reference.rows)) + 1}\\s*bins?`, 'i'));

  await page.selectOption('select#bin-rule', 'fixed');
  await page.fill('input#bin-count', '5');
  await page.locator('input#bin-count').dispatchEvent('change');
  const fixed = await waitForRedraw(page, sel, st.hash);
  await waitForCaption(page, 'fig-hist', /\b5\s*bins?/i);
  const runs = runsSummary(fixed, 'accent');
  assert.ok(Math.min(runs.x, runs.y) <= 5 && Math.max(runs.x, runs.y) >= 1, `5 fixed bins drawn: runs ${JSON.stringify(runs)}`);

  await page.check('input#log-scale');
  const logged = await waitForRedraw(page, sel, fixed.hash);
  assert.notEqual(logged.hash, fixed.hash, 'the log-scale toggle should redraw the histogram');
  await page.locator('figure#fig-hist').screenshot({ path: await shotPath('credit-limit-hist-fixed5-log') });
});

test('the profile table sorts by a header', async ({ page }) => {
  await loadBank(page);
  const order = () => page.locator('table#profile-table tbody tr[data-column]').evaluateAll((trs) => trs.map((tr) => tr.dataset.column));
  const means = () => page.locator('table#profile-table tbody tr[data-column]').evaluateAll((trs) =>
    trs.map((tr) => tr.querySelector('td[data-field="mean"]')?.textContent.trim() ?? ''));
  const before = await order();
  await page.click('th button[data-sort="mean"]');
  await page.waitForFunction((b) => [...document.querySelectorAll('table#profile-table tbody tr[data-column]')].map((tr) => tr.dataset.column).join() !== b.join(), before, { timeout: 5_000 })
    .catch(() => {});
  const after = await order();
  assert.notDeepEqual(after, before, 'clicking the mean header should reorder the rows');
  assert.deepEqual([...after].sort(), [...before].sort(), 'sorting must keep every column');
  const vals = (await means()).map(num).filter((v) => !Number.isNaN(v));
  const asc = vals.every((v, i) => i === 0 || vals[i - 1] <= v);
  const desc = vals.every((v, i) => i === 0 || vals[i - 1] >= v);
  assert.ok(asc || desc, `numeric means should be in order after sorting: ${vals.join(', ')}`);
  await page.click('th button[data-sort="mean"]');
  await page.waitForTimeout(200);
  const again = (await means()).map(num).filter((v) => !Number.isNaN(v));
  assert.deepEqual(again, [...vals].reverse(), 'a second click should reverse the order');
});

test('exports: plot PNG and SVG, profile JSON and CSV', async ({ page }) => {
  await loadBank(page);
  await selectColumn(page, 'Customer_Age');
  await waitForCaption(page, 'fig-box', /Customer_Age/);

  const png = await captureDownload(page, () => page.click('figure#fig-box button.export-png'));
  // Named after the file, the column and the plot, so exports of two columns never clash.
  assert.match(png.name, /^BankChurners-\w+-box\.png$/, `PNG export file name: ${png.name}`);
  assert.deepEqual([...png.buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  const w = png.buf.readUInt32BE(16), h = png.buf.readUInt32BE(20);
  assert.ok(w >= 200 && h >= 100 && png.buf.length > 2000, `PNG is ${w}x${h}, ${png.buf.length} bytes`);

  const svg = await captureDownload(page, () => page.click('figure#fig-hist button.export-svg'));
  assert.match(svg.name, /^BankChurners-\w+-histogram\.svg$/, `SVG export file name: ${svg.name}`);
  const svgText = svg.text();
  assert.match(svgText, /<svg[\s>]/, 'SVG export has an <svg> root');
  assert.ok((svgText.match(/<(rect|path|polyline|line|circle)\b/g) || []).length >= 10, 'SVG export draws marks');
  assert.doesNotMatch(svgText, /NaN|Infinity/, 'SVG export has no NaN or Infinity coordinates');
  assert.match(svgText, /Customer_Age/, 'SVG export labels its axis or title with the column');

  const json = await captureDownload(page, () => page.click('button#export-json'));
  assert.match(json.name, /\.json$/i, `profile JSON file name: ${json.name}`);
  const profile = JSON.parse(json.text());
  assert.ok(JSON.stringify(profile).includes(String(reference.rows)), `profile JSON should give rows ${reference.rows}`);
  const ageEntry = findColumn(profile, 'Customer_Age');
  assert.ok(ageEntry, 'profile JSON should have an entry for Customer_Age');
  const s = reference.sortedNums('Customer_Age');
  assert.equal(Number(ageEntry.count), s.length, 'JSON Customer_Age count');
  assert.equal(Number(ageEntry.median), reference.quantile(s, 0.5), 'JSON Customer_Age median');
  assert.equal(Number(ageEntry.min), s[0], 'JSON Customer_Age min');

  const csv = await captureDownload(page, () => page.click('button#export-csv'));
  assert.match(csv.name, /\.csv$/i, `profile CSV file name: ${csv.name}`);
  const lines = csv.text().trim().split(/\r?\n/);
  assert.equal(lines.length, reference.header.length + 1, 'profile CSV: header plus one line per column');
  const head = lines[0].toLowerCase().split(',');
  for (const f of ['count', 'min', 'median', 'max', 'mean']) assert.ok(head.some((h) => h.includes(f)), `profile CSV header should have ${f}: ${lines[0]}`);
  const ageLine = lines.find((l) => l.startsWith('Customer_Age,') || l.startsWith('"Customer_Age",'));
  assert.ok(ageLine, 'profile CSV has a Customer_Age line');
  const medIdx = head.findIndex((h) => h === 'median');
  if (medIdx >= 0) assert.equal(num(ageLine.split(',')[medIdx]), reference.quantile(s, 0.5), 'CSV Customer_Age median');
});

test('demo data loads a table with no file', async ({ page }) => {
  const prev = await loadSeq(page);
  await page.click('button#demo-data');
  const ds = await waitForLoad(page, prev);
  assert.ok(Number(ds.loadRows) > 0, 'demo data should have rows');
  await waitForStatus(page, /Loaded .+: [\d,\u202f]+ rows x \d+ columns/);
  assert.ok(await page.locator('table#profile-table tbody tr[data-column]').count() >= 2, 'demo data should have several columns');
  await screenshot(page, 'distribution-demo');
});

test('keyboard: Enter on a focused profile row opens its plots', async ({ page }) => {
  await loadBank(page);
  await page.focus('table#profile-table tbody tr[data-column="Credit_Limit"]');
  await page.keyboard.press('Enter');
  await waitForCaption(page, 'fig-box', /^Credit_Limit/);
  await page.focus('table#profile-table tbody tr[data-column="Income_Category"]');
  await page.keyboard.press('Enter');
  await waitForBarItems(page, (items) => items.some((t) => t.includes('Less than $40K')));
});

test('a file dropped anywhere on the page loads', async ({ page }) => {
  const prev = await loadSeq(page);
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['x,y\n1,2\n3,4\n5,6\n'], 'dropped.csv', { type: 'text/csv' }));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      document.body.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  });
  const ds = await waitForLoad(page, prev);
  assert.equal(Number(ds.loadRows), 3);
  await waitForStatus(page, /Loaded dropped\.csv/);
});

test('type override: Customer_Age as categorical shows bars', async ({ page }) => {
  await loadBank(page);
  const select = page.locator('tr[data-column="Customer_Age"] td[data-field="type"] select');
  await select.selectOption('categorical');
  await page.waitForFunction(() => document.querySelector('tr[data-column="Customer_Age"] td[data-field="type"] select')?.value === 'categorical');
  await selectColumn(page, 'Customer_Age');
  const distinct = new Set(reference.col('Customer_Age')).size;
  const items = await waitForBarItems(page, (items) => items.length > 0);
  assert.equal(items.length, Math.min(distinct, 31), `ages as categories: ${distinct} distinct values, top 30 plus "other"`);
});

test('dark theme draws charts in the dark palette', { colorScheme: 'dark' }, async ({ page }) => {
  await loadBank(page);
  await selectColumn(page, 'Customer_Age');
  await waitForCaption(page, 'fig-box', /Customer_Age/);
  const px = await waitForPixels(page, 'figure#fig-hist canvas', DARK, (px) => px.counts.accent > 1000);
  assert.ok(px.counts.accent > 1000, `dark histogram bars in ${DARK.accent}; saw ${px.counts.accent}`);
  assert.ok(px.counts.bg > px.width * px.height * 0.3, `dark chart background ${DARK.bg}; saw ${px.counts.bg}`);
  assert.ok(px.counts.density > 30, `dark density curve in ${DARK.density}; saw ${px.counts.density}`);
  await screenshot(page, 'distribution-dark');
});

test('progress, rows per second and cancel while a large file parses', async ({ page }) => {
  await loadBank(page);
  const dir = await tempDir();
  const big = path.join(dir, 'big.csv');
  await writeLargeCsv(big, 120 * 1024 * 1024);
  await page.setInputFiles('input#file-input', big);
  await page.waitForSelector('progress#parse-progress', { state: 'visible', timeout: 10_000 });
  await page.waitForFunction(() => /[\d,.]+\s*(k|M)?\s*rows\/s/i.test(document.querySelector('#parse-rate')?.textContent ?? ''), null, { timeout: 10_000 })
    .catch(async () => { throw new Error(`#parse-rate should read "N rows/s" while parsing; it says ${JSON.stringify(await page.locator('#parse-rate').textContent().catch(() => null))}`); });
  // The page stays responsive while parsing: a click on the nav is handled promptly.
  const t0 = Date.now();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  assert.ok(Date.now() - t0 < 1000, 'the main thread should paint a frame within a second while parsing');
  await page.click('button#cancel-parse');
  await waitForStatus(page, /cancel/i, { timeout: 10_000 });
  assert.equal(await page.locator('tr[data-column="Customer_Age"]').count(), 1, 'after cancel the previous dataset stays');
  await page.waitForSelector('progress#parse-progress', { state: 'hidden', timeout: 10_000 });
  await fsp.rm(dir, { recursive: true, force: true });
});

// ---------- bad input ----------

/** Loads a small good CSV, then `bytes` as `name`, and returns what the page said. */
async function loadBadAfterGood(page, name, bytes, { expectLoad = false, keep = false } = {}) {
  const dir = await tempDir();
  const good = path.join(dir, 'good.csv');
  await fsp.writeFile(good, 'alpha,beta\n1,x\n2,y\n3,z\n');
  await uploadAndWait(page, good);
  await waitForStatus(page, /Loaded good\.csv/);
  const bad = path.join(dir, name);
  await fsp.writeFile(bad, bytes);
  const prev = await loadSeq(page);
  await page.setInputFiles('input#file-input', bad);
  if (expectLoad) {
    await waitForLoad(page, prev);
  } else {
    await page.waitForSelector('.banner.error', { state: 'visible', timeout: 15_000 });
    await page.waitForTimeout(200);
    assert.equal(await loadSeq(page), prev, `${name} should not count as a completed load`);
    // The previous dataset is still shown.
    assert.equal(await page.locator('table#profile-table tbody tr[data-column="alpha"]').count(), 1, `after ${name} failed, good.csv's profile should still be shown`);
    assert.equal(await page.evaluate(() => document.body.dataset.loadRows), '3', 'load figures still describe good.csv');
    assert.equal(await page.locator('.banner.error').getAttribute('role'), 'alert', '.banner.error should have role=alert');
  }
  const msg = await messages(page);
  await screenshot(page, `bad-input-${name}`);
  // `keep`: the page reads the file again (another reading offered), so it must stay.
  if (!keep) await fsp.rm(dir, { recursive: true, force: true });
  return msg;
}

test('bad input: empty file', async ({ page }) => {
  const msg = await loadBadAfterGood(page, 'empty.csv', '');
  assert.match(msg, /empty/i, `message should say the file is empty: ${msg}`);
  assert.match(msg, /empty\.csv/, `message should name the file: ${msg}`);
});

test('bad input: header only', async ({ page }) => {
  const msg = await loadBadAfterGood(page, 'header-only.csv', 'a,b,c\n');
  assert.match(msg, /no (data )?rows|header only|only a header|0 rows/i, `message should say there are no rows: ${msg}`);
});

test('bad input: ragged rows are reported by line and skipped, good rows kept', async ({ page }) => {
  const lines = ['id,name,score'];
  for (let i = 1; i <= 20; i++) lines.push(`${i},n${i},${i * 2}`);
  lines[4] = '4,n4';          // line 5: too few fields
  lines[12] = '12,n12,24,99'; // line 13: too many fields
  const msg = await loadBadAfterGood(page, 'ragged.csv', lines.join('\n') + '\n', { expectLoad: true });
  assert.equal(await page.evaluate(() => document.body.dataset.loadRows), '18', 'the 18 good rows are kept');
  assert.match(msg, /\b5\b/, `message should give line 5: ${msg}`);
  assert.match(msg, /\b13\b/, `message should give line 13: ${msg}`);
  assert.match(msg, /\b2\b.*(skipped|ragged)|(skipped|ragged).*\b2\b/i, `message should say 2 rows were skipped: ${msg}`);
  assert.ok(await page.locator('.banner').count() >= 1, 'ragged rows are reported in a banner');
  assert.equal(await page.locator('tr[data-column="score"] td[data-field="count"]').textContent().then(num), 18);
});

test('bad input: a stray quote is reported at its line, and the literal reading keeps every row', async ({ page }) => {
  const lines = fs.readFileSync(BANK, 'utf8').split('\n');
  lines[100] = lines[100].replace(',', ',"'); // line 101
  const msg = await loadBadAfterGood(page, 'stray-quote.csv', lines.join('\n'), { keep: true });
  assert.match(msg, /line 101/, `message should give the quote's line: ${msg}`);
  assert.match(msg, /end of the file/, `message should say how far the quote ran: ${msg}`);
  assert.match(msg, /10,0\d\d lines/, `message should say how many lines it took: ${msg}`);
  const offer = page.locator('#literal-quotes');
  assert.match(await offer.textContent(), /line 101/);
  const prev = await loadSeq(page);
  await offer.click();
  await waitForLoad(page, prev);
  assert.equal(await page.evaluate(() => document.body.dataset.loadRows), String(reference.rows), 'every row is kept');
  assert.equal(await page.locator('#skipped-rows').count(), 0, 'no row skipped');
  assert.match(await page.locator('#literal-quotes-note').textContent(), /from line 101/);
  assert.equal(await page.locator('.banner.error').count(), 0, 'the error is gone once the file loaded');
  await screenshot(page, 'bad-input-stray-quote-read');
});

test('a reload shows the last dataset again, kept in this browser until forgotten', async ({ page }) => {
  const dir = await tempDir();
  const file = path.join(dir, 'kept.csv');
  await fsp.writeFile(file, 'id,score\n1,10\n2,20\n3,30\n4,40\n');
  await uploadAndWait(page, file);
  await page.waitForSelector('#kept-chip[data-kept="yes"]');
  // Read with a type override: the reload reads it the same way.
  await page.selectOption('tr[data-column="score"] select', 'categorical');
  await waitForStatus(page, /Loaded kept\.csv/);
  await page.waitForFunction(() => document.querySelector('tr[data-column="score"] select')?.value === 'categorical');
  await page.waitForSelector('#kept-chip[data-kept="yes"]');
  await fsp.rm(dir, { recursive: true, force: true }); // the browser's copy is what comes back
  await page.reload();
  await waitForStatus(page, /Restored from the last session.*Loaded kept\.csv: 4 rows x 2 columns/);
  assert.equal(await page.locator('tr[data-column="score"] select').inputValue(), 'categorical');
  await page.click('#forget-kept');
  await waitForStatus(page, /no longer kept/);
  await page.reload();
  await page.waitForTimeout(1500);
  assert.equal(await page.locator('table#profile-table').count(), 0, 'a forgotten dataset does not come back');
});

test('a UTF-16 file (Excel "Unicode text") is decoded, not called binary', async ({ page }) => {
  const text = fs.readFileSync(BANK, 'utf8');
  const dir = await tempDir();
  const file = path.join(dir, 'bank-utf16.csv');
  await fsp.writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  await uploadAndWait(page, file);
  await waitForStatus(page, /Loaded bank-utf16\.csv: 10,127 rows x 23 columns/);
  assert.match(await page.locator('#encoding-chip').textContent(), /UTF-16 LE/);
  const age = await profileRow(page, 'Customer_Age');
  assert.equal(num(age.median), 46);
});

test('a file with 21,000 columns loads whole', async ({ page }) => {
  const n = 21000;
  const header = Array.from({ length: n }, (_, i) => `c${i}`).join(',');
  const row = Array.from({ length: n }, (_, i) => String(i % 7)).join(',');
  const dir = await tempDir();
  const file = path.join(dir, 'wide.csv');
  await fsp.writeFile(file, `${header}\n${row}\n${row}\n${row}\n`);
  await uploadAndWait(page, file);
  await waitForStatus(page, /Loaded wide\.csv: 3 rows x 21000 columns/);
  assert.equal(await page.locator('.banner.error').count(), 0);
  assert.equal(await page.locator('table#profile-table tbody tr[data-column="c20999"]').count(), 1, 'the last column is profiled');
});

test('bad input: invalid UTF-8', async ({ page }) => {
  const bytes = Buffer.concat([Buffer.from('name,value\nok,1\n'), Buffer.from([0x62, 0xff, 0xfe, 0x61]), Buffer.from(',2\nfine,3\n')]);
  const msg = await loadBadAfterGood(page, 'latin.csv', bytes);
  assert.match(msg, /UTF-?8/i, `message should say the file is not UTF-8: ${msg}`);
  assert.match(msg, /line 3|byte \d+|offset \d+/i, `message should say where: ${msg}`);
});

test('bad input: a binary file renamed .csv', async ({ page }) => {
  const png = Buffer.alloc(4096);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).copy(png);
  for (let i = 12; i < png.length; i++) png[i] = (i * 7919) % 256;
  const msg = await loadBadAfterGood(page, 'picture.csv', png);
  assert.match(msg, /binary|not (a )?(text|CSV)|UTF-?8/i, `message should say the file is not text: ${msg}`);
});

test('bad input: hostile cells are shown as text and never run', async ({ page, server }) => {
  const dir = await tempDir();
  const file = path.join(dir, 'hostile.csv');
  const cells = ['<script>window.__pwned=1</script>', '<img src=x onerror=window.__pwned=2>', '=HYPERLINK("http://evil")', '<b>bold</b>'];
  const header = 'id,payload,"<img src=y onerror=window.__pwned=3>","=HYPERLINK(""http://evil"")"';
  const rows = cells.map((c, i) => `${i},"${c.replace(/"/g, '""')}",${i},${i % 2}`);
  await fsp.writeFile(file, [header, ...rows, ...rows, ...rows, ...rows, ...rows].join('\n') + '\n');
  const imgsBefore = await page.locator('img').count();
  await uploadAndWait(page, file);
  await selectColumn(page, 'payload');
  await waitForBarItems(page, (items) => items.length >= cells.length);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'a cell or header ran as script');
  assert.equal(await page.locator('img').count(), imgsBefore, 'a cell or header was rendered as an <img>');
  assert.equal(await page.locator('b', { hasText: /^bold$/ }).count(), 0, 'a cell was rendered as markup');
  const items = await page.locator('figure#fig-bars ol.bar-data li').allTextContents();
  for (const c of cells) assert.ok(items.some((t) => t.includes(c)), `bar label should show the cell as text: ${c}; items ${JSON.stringify(items)}`);
  assert.equal(await page.locator('table#profile-table tbody tr[data-column="<img src=y onerror=window.__pwned=3>"]').count(), 1,
    'the hostile header should be a column name shown as text');
  assert.ok(!server.log.some((l) => /\/(x|y)$/.test(l)), 'no request for the hostile img src');
  // The profile CSV export must not hand a spreadsheet a live formula.
  const csv = await captureDownload(page, () => page.click('button#export-csv'));
  assert.match(csv.text(), /HYPERLINK/, 'the profile CSV lists the formula-named column');
  assert.ok(!/(^|,)"?=HYPERLINK/m.test(csv.text()), `profile CSV should neutralise fields that start with = (CSV injection): ${csv.text().split('\n').find((l) => l.includes('HYPERLINK'))}`);
  await screenshot(page, 'bad-input-hostile');
  await fsp.rm(dir, { recursive: true, force: true });
});

// ---------- the profile, finished: axes that read right, correlations, warnings, duplicates, gaps ----------

const NB2 = 'Naive_Bayes_Classifier_Attrition_Flag_Card_Category_Contacts_Count_12_mon_Dependent_count_Education_Level_Months_Inactive_12_mon_2';

test('a spiky column keeps its bars: the histogram count axis is in counts, not scaled to the density', async ({ page }) => {
  await loadBank(page);
  await selectColumn(page, NB2);
  const cap = await waitForCaption(page, 'fig-hist', /tallest bin/);
  const tallest = num(cap.match(/tallest bin ([\d,]+)/)[1]);
  assert.ok(tallest > 1000 && tallest <= reference.rows, `tallest bin of ${reference.rows} rows: ${cap}`);
  // Bars are drawn again: the accent colour fills more than a sliver of the canvas (a few
  // pixels when the axis ran to the density's peak, past 400,000).
  const px = await waitForPixels(page, 'figure#fig-hist canvas', LIGHT, (p) => p.counts.accent > 300);
  assert.ok(px.counts.accent > 300, `histogram bars should show; saw ${px.counts.accent} accent pixels`);
  // And the axis labels say so: the SVG export's numeric labels stay at or below the fullest bin.
  const svg = (await captureDownload(page, () => page.click('figure#fig-hist button.export-svg'))).text();
  const labels = [...svg.matchAll(/<text[^>]*>\s*([^<]*?)\s*<\/text>/g)].map((m) => m[1]);
  const counts = labels.filter((t) => /^[\d,]+$/.test(t)).map(num);
  assert.ok(counts.length >= 2 && Math.max(...counts) <= tallest * 1.08, `count ticks ${counts} for a fullest bin of ${tallest}`);
  assert.ok(!labels.some((t) => /^\d+(\.\d+)?[KMG]$/.test(t)), `no scaled-up tick labels: ${labels}`);
  // The fullest bin's bar fills most of the plot's height (the density's spike is drawn over it on canvas).
  const bars = [...svg.matchAll(/<rect [^>]*height="(\d+)"[^>]*fill="#0969DA"/gi)].map((m) => Number(m[1]));
  assert.ok(Math.max(...bars) > 150, `the fullest bin should be tall on a 300px plot; bar heights ${bars}`);
  assert.ok(labels.some((t) => t.includes('cut at the top')), 'the subtitle says the density curve is cut');
});

test('integer columns get whole-number bins, date columns get date axes', async ({ page }) => {
  await loadBank(page);
  await selectColumn(page, 'Customer_Age');
  const ageCap = await waitForCaption(page, 'fig-hist', /Customer_Age|bins of width/);
  const width = ageCap.match(/bins of width (\d[\d.]*)/)[1];
  assert.match(width, /^\d+$/, `Customer_Age bins should have a whole width: ${ageCap}`);

  const dir = await tempDir();
  const file = path.join(dir, 'shipments.csv');
  const day0 = Date.UTC(2023, 0, 1);
  const rows = ['shipped,qty'];
  for (let d = 0; d < 430; d++) {
    const iso = new Date(day0 + d * 86_400_000).toISOString().slice(0, 10);
    rows.push(`${iso},${d % 7}`);
    if (d % 7 < 5) rows.push(`${iso},${d % 5}`);
  }
  await fsp.writeFile(file, rows.join('\n') + '\n');
  await uploadAndWait(page, file);
  await selectColumn(page, 'shipped');
  const histCap = await waitForCaption(page, 'fig-hist', /days?/);
  assert.match(histCap, /bins of width \d+ days?/, `date bins are whole days: ${histCap}`);
  const boxCap = await waitForCaption(page, 'fig-box', /shipped/);
  assert.match(boxCap, /median 2023-\d\d-\d\d/, `the box caption gives dates: ${boxCap}`);
  assert.doesNotMatch(boxCap, /\dG\b|1\.6\d+/, `no epoch seconds in the caption: ${boxCap}`);
  const svg = (await captureDownload(page, () => page.click('figure#fig-hist button.export-svg'))).text();
  const labels = [...svg.matchAll(/<text[^>]*>\s*([^<]*?)\s*<\/text>/g)].map((m) => m[1]);
  assert.ok(labels.filter((t) => /^20\d\d(-\d\d){0,2}$/.test(t)).length >= 3, `date tick labels on the axis: ${labels}`);
  assert.ok(!labels.some((t) => /^[\d.]+G$/.test(t)), `no epoch-second ticks such as 1.709295G: ${labels}`);
  await fsp.rm(dir, { recursive: true, force: true });
});

/** Pearson r of two numeric BankChurners columns, computed here from the file. */
function pearson(a, b) {
  const x = reference.col(a).map(Number), y = reference.col(b).map(Number);
  const mx = x.reduce((s, v) => s + v, 0) / x.length, my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ** 2; syy += (y[i] - my) ** 2; }
  return sxy / Math.sqrt(sxx * syy);
}

test('correlations: computed when opened, heatmap with values on hover and keyboard, table alternative', async ({ page }) => {
  await loadBank(page);
  assert.equal(await page.locator('#corr-table').count(), 0, 'nothing is computed before the section opens');
  await page.click('details#correlations > summary');
  await page.waitForSelector('#corr-table', { state: 'attached' });
  const cell = async (row, col) => page.evaluate(([r, c]) => {
    const table = document.querySelector('#corr-table');
    const cols = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
    const tr = [...table.querySelectorAll('tbody tr')].find((t) => t.querySelector('th').textContent === r);
    return tr?.querySelectorAll('td')[cols.indexOf(c)]?.dataset.value;
  }, [row, col]);
  for (const [a, b] of [['Credit_Limit', 'Avg_Open_To_Buy'], ['Total_Trans_Amt', 'Total_Trans_Ct'], ['Customer_Age', 'Total_Trans_Ct']]) {
    const v = Number(await cell(a, b));
    assert.ok(Math.abs(v - pearson(a, b)) < 1e-9, `${a} × ${b}: page ${v}, file ${pearson(a, b)}`);
  }
  // Blue for negative, orange for positive cells, on the canvas.
  const px = await waitForPixels(page, '#corr-canvas', { orange: '#b35806', blue: '#2166ac' }, (p) => p.counts.orange > 200);
  assert.ok(px.counts.orange > 200, `strong positive cells in orange: ${px.counts.orange}px`);
  // Keyboard: focus the chart, move with the arrows, read the value.
  await page.focus('#corr-canvas');
  await page.keyboard.press('ArrowRight');
  const first = await page.textContent('#corr-readout');
  assert.match(first, /×.*Pearson r = −?\d\.\d\d on [\d,]+ rows/, `readout on keyboard focus: ${first}`);
  await page.keyboard.press('ArrowDown');
  const second = await page.textContent('#corr-readout');
  assert.notEqual(second, first, 'arrow keys move the focused cell');
  // Hover: the pointer over the first cell reads its (diagonal) value.
  const box = await page.locator('#corr-canvas').boundingBox();
  const layoutProbe = await page.evaluate(() => document.querySelector('.corr-ring')?.getAttribute('style'));
  assert.ok(layoutProbe, 'a ring marks the focused cell');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction((prev) => document.querySelector('#corr-readout').textContent !== prev, second, { timeout: 5_000 }).catch(() => {});
  assert.match(await page.textContent('#corr-readout'), /×/, 'hovering a cell reads it');
  assert.match(await page.getAttribute('#corr-canvas', 'aria-label'), /Pearson r between \d+ columns; strongest: /);
  // Cramér's V over the categorical columns.
  await page.selectOption('#corr-method', 'cramer');
  await page.waitForFunction(() => /Cramér/.test(document.querySelector('#corr-table caption')?.textContent ?? ''));
  const heads = await page.locator('#corr-table thead th').allTextContents();
  assert.ok(heads.includes('Attrition_Flag') && heads.includes('Card_Category'), `categorical columns: ${heads}`);
  assert.ok(!heads.includes('Customer_Age'), 'numeric columns are not in the Cramér matrix');
  await page.locator('details#correlations').screenshot({ path: await shotPath('correlations') });
});

test('warnings as badges: the id is unique, balances are often zero', async ({ page }) => {
  await loadBank(page);
  const badges = async (col) => page.locator(`table#profile-table tr[data-column="${col}"] .warn-badge`).evaluateAll(
    (els) => els.map((e) => ({ kind: e.dataset.warning, title: e.title, text: e.textContent })));
  const id = await badges('CLIENTNUM');
  assert.deepEqual(id.map((b) => b.kind), ['unique'], JSON.stringify(id));
  assert.match(id[0].title, /10127 distinct of 10127.*id/);
  const zeros = await badges('Total_Revolving_Bal');
  assert.deepEqual(zeros.map((b) => b.kind), ['zeros']);
  assert.match(zeros[0].title, /24\.4% zeros/);
  assert.deepEqual(await badges('Customer_Age'), [], 'an ordinary column has no badge');
  assert.match(await page.textContent('#duplicate-rows'), /No duplicate rows/);
});

test('duplicate rows with their lines, and a missing-value matrix that finds a cluster', async ({ page }) => {
  const dir = await tempDir();
  const file = path.join(dir, 'gaps.csv');
  const rows = ['id,region,amount,note'];
  for (let i = 0; i < 600; i++) {
    const amount = i >= 200 && i < 260 ? '' : String((i * 37) % 101);
    const note = i % 3 === 0 ? '' : `n${i % 7}`;
    rows.push(`${i},r${i % 4},${amount},${note}`);
  }
  rows.push('5,r1,84,n5', '5,r1,84,n5', '7,r3,57,n0');
  await fsp.writeFile(file, rows.join('\n') + '\n');
  await uploadAndWait(page, file);
  const dup = await page.waitForSelector('#duplicate-rows');
  await page.waitForFunction(() => document.querySelector('#duplicate-rows')?.dataset.count === '3');
  const text = await dup.textContent();
  assert.match(text, /3 duplicate rows/, text);
  assert.match(text, /line 602 repeats line 7, line 603 repeats line 7, line 604 repeats line 9/, text);
  await page.click('details#missing-values > summary');
  const amount = await page.waitForSelector('#missing-summary li[data-column="amount"]');
  assert.match(await amount.textContent(), /amount: 60 missing \(\d+\.\d%\), clustered: all in rows (19\d|20\d)–26\d/);
  assert.match(await page.textContent('#missing-summary li[data-column="note"]'), /note: 200 missing .* spread over/);
  const px = await waitForPixels(page, '#missing-canvas', { ink: '#1f2328' }, (p) => p.counts.ink > 300);
  assert.ok(px.counts.ink > 300, `missing cells drawn dark: ${px.counts.ink}px`);
  await page.locator('details#missing-values').screenshot({ path: await shotPath('missing-values') });
  await fsp.rm(dir, { recursive: true, force: true });
});

// ---------- helpers ----------

/** Polls a canvas until `ok(pixels)` holds (drawing may trail the DOM), returning the last read. */
async function waitForPixels(page, selector, colors, ok, timeout = 10_000) {
  const t0 = Date.now();
  for (;;) {
    const px = await readCanvasPixels(page, selector, colors);
    if (ok(px) || Date.now() - t0 > timeout) return px;
    await page.waitForTimeout(100);
  }
}

/** Waits until figure#fig-bars lists items satisfying `ok`; returns their texts. */
async function waitForBarItems(page, ok, timeout = 15_000) {
  const t0 = Date.now();
  for (;;) {
    const items = await page.locator('figure#fig-bars ol.bar-data li').allTextContents();
    if (ok(items)) return items;
    if (Date.now() - t0 > timeout) throw new Error(`figure#fig-bars ol.bar-data never showed the expected bars; it lists ${JSON.stringify(items)}`);
    await page.waitForTimeout(100);
  }
}

async function shotPath(name) {
  await fsp.mkdir(SCREENSHOT_DIR, { recursive: true });
  return path.join(SCREENSHOT_DIR, `${name}.png`);
}

/** Finds the per-column entry for `name` anywhere in an exported profile. */
function findColumn(node, name) {
  if (Array.isArray(node)) {
    for (const x of node) { const r = findColumn(x, name); if (r) return r; }
  } else if (node && typeof node === 'object') {
    if (node.name === name || node.column === name) return node;
    if (node[name] && typeof node[name] === 'object' && 'count' in node[name]) return node[name];
    for (const v of Object.values(node)) { const r = findColumn(v, name); if (r) return r; }
  }
  return null;
}

/** Writes a numeric-and-categorical CSV of about `bytes` bytes, in 1 MB chunks. */
async function writeLargeCsv(file, bytes) {
  const fh = await fsp.open(file, 'w');
  await fh.write('id,value,amount,category,flag\n');
  const cats = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
  let written = 0, i = 0;
  while (written < bytes) {
    let chunk = '';
    while (chunk.length < 1 << 20) {
      chunk += `${i},${(Math.sin(i) * 1000).toFixed(3)},${(i % 997) * 1.5},${cats[i % 6]},${i % 3 === 0}\n`;
      i++;
    }
    await fh.write(chunk);
    written += chunk.length;
  }
  await fh.close();
}

test('decimal commas and day-first dates are read as numbers and dates, the other reading offered when both fit', async ({ page }) => {
  const dir = await tempDir();
  const file = path.join(dir, 'german.csv');
  await fsp.writeFile(file, 'Datum;Wert;Menge\n31.12.2024;3,14;1,234\n01.01.2025;2,5;5,678\n02.01.2025;-0,75;9,012\n');
  await uploadAndWait(page, file);
  await waitForStatus(page, /Loaded german\.csv: 3 rows x 3 columns/);
  assert.equal((await profileRow(page, 'Wert')).type, 'numeric');
  assert.equal((await profileRow(page, 'Datum')).type, 'datetime');
  assert.equal(num((await profileRow(page, 'Wert')).min), -0.75);
  const note = page.locator('#locale-readings');
  assert.match(await note.textContent(), /'Wert': decimal comma/);
  assert.match(await note.textContent(), /'Datum': day first/);
  await screenshot(page, 'locale-readings');
  // 1,234 reads either way: the page offers the thousands reading.
  const prev = await loadSeq(page);
  await page.click('#locale-readings li[data-column="Menge"] button');
  await waitForLoad(page, prev);
  assert.equal(num((await profileRow(page, 'Menge')).max), 9012);
  assert.match(await note.locator('li[data-column="Menge"]').textContent(), /thousands comma.*\(your choice\)/);
  // The choice can be handed back to the cells.
  const again = await loadSeq(page);
  await page.click('#locale-readings li[data-column="Menge"] button[data-read-as="found"]');
  await waitForLoad(page, again);
  const back = num((await profileRow(page, 'Menge')).max);
  assert.ok(back > 9 && back < 9.1, `max ${back}`);
  assert.doesNotMatch(await note.locator('li[data-column="Menge"]').textContent(), /your choice/);
});

test('beside decimal commas a column of 1.234 reads as thousands, and the standard reading is one click away', async ({ page }) => {
  const dir = await tempDir();
  const file = path.join(dir, 'stueck.csv');
  await fsp.writeFile(file, 'Preis;Stück\n3,14;1.234\n2,50;2.000\n7,25;12.500\n');
  await uploadAndWait(page, file);
  await waitForStatus(page, /Loaded stueck\.csv: 3 rows x 2 columns/);
  assert.equal(num((await profileRow(page, 'Stück')).max), 12500);
  const item = page.locator('#locale-readings li[data-column="Stück"]');
  assert.match(await item.textContent(), /decimal comma/);
  const prev = await loadSeq(page);
  await item.locator('button').click();
  await waitForLoad(page, prev);
  const standard = num((await profileRow(page, 'Stück')).max);
  assert.ok(standard > 12 && standard < 13, `max ${standard}`);
  assert.match(await page.locator('#locale-readings li[data-column="Stück"]').textContent(), /standard.*your choice/);
});
