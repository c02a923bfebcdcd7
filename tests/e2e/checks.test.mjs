// The Checks workspace end to end: BankChurners split by Attrition_Flag (existing customers
// as the reference, attrited ones as the current file, written with another delimiter),
// the drift table read from the DOM, the overlay read from canvas pixels, the reference
// kept across a reload, schema changes and bad input.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { REPO, appSession, captureDownload, readCanvasPixels, screenshot, tempDir, waitForStatus } from './harness.mjs';

const { test } = appSession({ hash: '#/checks' });

const BANK = fileURLToPath(new URL('../../../shared/data/BankChurners.csv', import.meta.url));
// The current file's outline is the light theme's outlier colour; the reference's bars are
// the accent at 45% over white.
const LIGHT = { current: '#8250df', reference: '#90bbee' };

/** Writes the existing customers (comma) and the attrited ones (semicolon) to a temp dir. */
async function split() {
  const dir = await tempDir();
  const lines = fs.readFileSync(BANK, 'utf8').split(/\r?\n/).filter((l) => l.length);
  const flag = lines[0].split(',').indexOf('Attrition_Flag');
  const body = lines.slice(1);
  const existing = [lines[0], ...body.filter((l) => l.split(',')[flag] === 'Existing Customer')];
  const attrited = [lines[0], ...body.filter((l) => l.split(',')[flag] === 'Attrited Customer')].map((l) => l.replaceAll(',', ';'));
  const ref = path.join(dir, 'existing.csv');
  const cur = path.join(dir, 'attrited.csv');
  await fsp.writeFile(ref, existing.join('\n') + '\n');
  await fsp.writeFile(cur, attrited.join('\n') + '\n');
  return { ref, cur, refRows: existing.length - 1, curRows: attrited.length - 1 };
}

async function driftRows(page) {
  return page.locator('#drift-table tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    column: tr.dataset.column,
    status: tr.dataset.status,
    drifted: tr.dataset.drifted === 'true',
    verdict: tr.querySelector('[data-field="verdict"]').textContent,
    effect: Number(tr.querySelector('[data-field="effect"]').textContent),
    p: tr.querySelector('[data-field="p"]').textContent,
    labels: tr.querySelector('[data-field="labels"]').textContent,
  })));
}

async function openBoth(page, ref, cur) {
  await page.setInputFiles('#reference-input', ref);
  await page.waitForSelector('#slot-reference .slot-name');
  await page.setInputFiles('#current-input', cur);
  await page.waitForSelector('#drift-table tbody tr');
}

test('BankChurners, existing vs attrited: Total_Trans_Ct moved most, Customer_Age barely; the overlay shows both files', async ({ page }) => {
  const { ref, cur, refRows, curRows } = await split();
  await openBoth(page, ref, cur);
  await waitForStatus(page, /Compared attrited\.csv with existing\.csv/);
  const summary = page.locator('#compare-summary');
  assert.match(await summary.textContent(), new RegExp(`${refRows.toLocaleString('en-US')} → ${curRows.toLocaleString('en-US')} rows`));
  // Read each by its own rules, and say so.
  assert.match(await page.textContent('#compare-notes'), /','-delimited and the current file ';'-delimited/);

  const rows = await driftRows(page);
  const by = Object.fromEntries(rows.map((r) => [r.column, r]));
  // As SciPy's ks_2samp on the same split (tests/compare_golden.rs checks the figures).
  assert.ok(Math.abs(by.Total_Trans_Ct.effect - 0.551) < 0.001, JSON.stringify(by.Total_Trans_Ct));
  assert.equal(by.Total_Trans_Ct.verdict, 'drifted');
  assert.ok(by.Customer_Age.effect < 0.05, JSON.stringify(by.Customer_Age));
  assert.equal(by.Customer_Age.verdict, 'stable');
  // The split column itself: one label vanished, one new.
  assert.match(by.Attrition_Flag.labels, /1 new \(Attrited Customer\); 1 vanished \(Existing Customer\)/);
  // Most moved first.
  const effects = rows.filter((r) => Number.isFinite(r.effect)).map((r) => r.effect);
  assert.deepEqual(effects, [...effects].sort((a, b) => b - a));
  assert.equal(Number(await summary.getAttribute('data-drifted')), rows.filter((r) => r.drifted).length);

  // The first tested column is overlaid; choose Total_Trans_Ct and read the canvas.
  await page.click('#drift-table tr[data-column="Total_Trans_Ct"] button');
  await page.waitForSelector('#fig-overlay[data-column="Total_Trans_Ct"][data-kind="numbers"]');
  const px = await readCanvasPixels(page, '#overlay-canvas', LIGHT, { tolerance: 10 });
  assert.ok(px.counts.current > 500, `current outline pixels: ${px.counts.current}`);
  assert.ok(px.counts.reference > 2000, `reference bar pixels: ${px.counts.reference}`);
  // Attrited customers made fewer transactions: the current file's mass sits left of the
  // reference's. Compare the mean x of each colour.
  const meanX = (cols) => { let s = 0, n = 0; cols.forEach((c, x) => { s += c * x; n += c; }); return s / n; };
  assert.ok(meanX(px.columns.current) < meanX(px.columns.reference) - 20,
    `current mean x ${meanX(px.columns.current)} vs reference ${meanX(px.columns.reference)}`);
  // The canvas's name carries the figures; the caption (not repeated in it) how to read it.
  assert.match(await page.getAttribute('#overlay-canvas', 'aria-label'),
    /^Overlay of Total_Trans_Ct, reference [\d,]+ and current [\d,]+ values over \d+ bins; largest difference at /);
  assert.match(await page.textContent('#fig-overlay figcaption'), /Total_Trans_Ct: share of each file's valid values/);
  assert.ok(await page.locator('#overlay-data table tbody tr').count() > 5, 'the overlay has a data table');

  // A labels column: side-by-side bars.
  await page.keyboard.press('Tab'); // the table stays keyboard-reachable
  await page.click('#drift-table tr[data-column="Card_Category"] button');
  await page.waitForSelector('#fig-overlay[data-column="Card_Category"][data-kind="labels"]');
  const bars = await readCanvasPixels(page, '#overlay-canvas', LIGHT, { tolerance: 10 });
  assert.ok(bars.counts.current > 200 && bars.counts.reference > 200, JSON.stringify(bars.counts));
  await screenshot(page, 'checks-bankchurners');

  // The JSON export is the CLI's report.
  const dl = await captureDownload(page, () => page.click('#compare-export'));
  assert.equal(dl.name, 'attrited.compare.json');
  const report = JSON.parse(dl.text());
  assert.equal(report.version, 1);
  assert.equal(report.columns[0].name, rows[0].column);
});

test('the reference is kept for the next visit and can be forgotten; files can be swapped', async ({ page }) => {
  const { ref, cur } = await split();
  await openBoth(page, ref, cur);
  await page.waitForSelector('#reference-kept[data-kept="yes"]');
  await page.reload();
  await page.waitForSelector('#slot-reference .slot-name');
  assert.equal(await page.textContent('#slot-reference .slot-name'), 'existing.csv');
  assert.equal(await page.locator('#slot-current .slot-name').count(), 0);
  // Only the current file is needed now.
  await page.setInputFiles('#current-input', cur);
  await page.waitForSelector('#drift-table tbody tr');
  // Swap: the attrited customers become the reference; KS D is symmetric.
  const before = Object.fromEntries((await driftRows(page)).map((r) => [r.column, r.effect]));
  await page.click('#compare-swap');
  await page.waitForFunction(() => document.querySelector('#slot-reference .slot-name')?.textContent === 'attrited.csv');
  await waitForStatus(page, /Compared existing\.csv with attrited\.csv/);
  const after = Object.fromEntries((await driftRows(page)).map((r) => [r.column, r.effect]));
  assert.equal(after.Total_Trans_Ct, before.Total_Trans_Ct);
  // Forget: the next visit starts empty.
  await page.setInputFiles('#reference-input', ref);
  await page.waitForSelector('#reference-kept[data-kept="yes"]');
  await page.click('#forget-reference');
  await page.waitForSelector('#reference-kept[data-kept="no"]');
  await page.reload();
  await page.waitForSelector('#reference-input', { state: 'attached' });
  await page.waitForTimeout(500);
  assert.equal(await page.locator('#slot-reference .slot-name').count(), 0);
});

test('schema changes, hostile labels and bad input: each is named, nothing is lost', async ({ page }) => {
  const dir = await tempDir();
  const ref = path.join(dir, 'ref.csv');
  const cur = path.join(dir, 'cur.csv');
  const bad = path.join(dir, 'bad.csv');
  const n = 200;
  const refRows = ['id,age,plan,legacy'];
  const curRows = ['id,years,plan,age_group'];
  for (let i = 0; i < n; i++) {
    refRows.push(`${i},${20 + (i % 50)},${i % 3 ? 'basic' : 'pro'},${i % 7}`);
    // age renamed to years (same values), a new label that is markup, legacy gone, a new column.
    curRows.push(`${i},${20 + (i % 50)},${i % 3 ? 'basic' : '<img src=x onerror=alert(1)>'},g${i % 4}`);
  }
  await fsp.writeFile(ref, refRows.join('\n') + '\n');
  await fsp.writeFile(cur, curRows.join('\n') + '\n');
  await openBoth(page, ref, cur);
  const rows = await driftRows(page);
  const by = Object.fromEntries(rows.map((r) => [r.column, r]));
  assert.equal(by.years.status, 'renamed', JSON.stringify(rows));
  assert.match(await page.textContent('#drift-table tr[data-column="years"] td.name'), /← age/);
  assert.equal(by.legacy.status, 'removed');
  assert.equal(by.age_group.status, 'added');
  assert.match(await page.textContent('#schema-changes'), /1 added, 1 removed, 1 renamed/);
  // The hostile label is text in the table, never an element.
  assert.match(by.plan.labels, /<img src=x onerror=alert\(1\)>/);
  assert.equal(await page.locator('#drift-table img').count(), 0);
  // An added column has nothing to overlay, and says so.
  await page.click('#drift-table tr[data-column="age_group"] button');
  await page.waitForSelector('#fig-overlay[data-kind="none"]');
  assert.match(await page.textContent('#fig-overlay figcaption'), /in one file only/);

  // A file that is not a CSV: an error naming the file; the comparison stays.
  await fsp.writeFile(bad, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 1, 2, 3]));
  await page.setInputFiles('#current-input', bad);
  await page.waitForSelector('#compare-error');
  assert.match(await page.textContent('#compare-error'), /bad\.csv/);
  assert.equal((await driftRows(page)).length, rows.length, 'the comparison on screen stays');
  assert.equal(await page.textContent('#slot-current .slot-name'), 'cur.csv');
  await screenshot(page, 'checks-schema');
});

test('a checks file runs on the current file: a failing check opens a SEV 1 incident, a broken file names its line, suggested checks pass', async ({ page }) => {
  const { ref, cur } = await split();
  const dir = await tempDir();
  const checksFile = path.join(dir, 'nightly.checks.yaml');
  await fsp.writeFile(checksFile, [
    'version: 1',
    'checks:',
    '  - name: enough customers',
    '    row_count: {min: 1000}',
    '  - name: known genders',
    '    allowed: {column: Gender, values: [M, F]}',
    '  - name: transactions as usual',
    '    mean: {column: Total_Trans_Ct, min: 55, max: 80}',
    '  - name: no strong drift',
    '    level: warn',
    '    drift: {threshold: 0.3}',
    '',
  ].join('\n'));
  await openBoth(page, ref, cur);
  await page.setInputFiles('#checks-input', checksFile);
  await page.waitForSelector('#checks-table tbody tr');
  const statuses = Object.fromEntries(await page.locator('#checks-table tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.check, tr.dataset.status])));
  // Attrited customers made about 45 transactions on average (existing ones about 69).
  assert.deepEqual(statuses, {
    'enough customers': 'pass', 'known genders': 'pass', 'transactions as usual': 'fail', 'no strong drift': 'warn',
  });
  assert.match(await page.textContent('#checks-table tr[data-check="transactions as usual"] [data-field="observed"]'), /^4\d\./);
  assert.equal(await page.getAttribute('#checks-summary', 'data-failed'), '1');
  await screenshot(page, 'checks-results');

  // Each check that did not pass is an incident in the Incidents workspace.
  await page.click('nav a[href="#/incidents"]');
  const card = page.locator('article.incident-card[data-source="checks"][data-severity="1"]');
  await card.waitFor();
  assert.match(await card.textContent(), /check transactions as usual on Total_Trans_Ct/);
  assert.match(await card.textContent(), /attrited\.csv: found 4\d\.\d+; expected/);
  assert.equal(await page.locator('article.incident-card[data-source="checks"][data-severity="2"]').count(), 1);
  await screenshot(page, 'checks-incidents');

  // The checks stay for the next visit; a passing file resolves the incident.
  await page.click('nav a[href="#/checks"]');
  await page.reload();
  await page.waitForSelector('#checks-name');
  assert.match(await page.textContent('#checks-name'), /nightly\.checks\.yaml · 4 checks/);
  await page.setInputFiles('#current-input', ref); // the existing customers pass the mean
  await page.waitForFunction(() => document.querySelector('#checks-table tr[data-check="transactions as usual"]')?.dataset.status === 'pass');

  // A broken checks file: the line and what was expected; the checks in use stay.
  const bad = path.join(dir, 'bad.checks.yaml');
  await fsp.writeFile(bad, 'version: 1\nchecks:\n  - name: ages\n    range: {column: Customer_Age, min: 90, max: 10}\n');
  await page.setInputFiles('#checks-input', bad);
  await page.waitForSelector('#checks-error');
  assert.match(await page.textContent('#checks-error'), /bad\.checks\.yaml: line 3: check 'ages'.*min 90 is greater than max 10/);
  assert.match(await page.textContent('#checks-name'), /nightly\.checks\.yaml/);

  // Suggested checks start from the current file and pass on it.
  await page.click('#checks-suggest');
  await page.waitForFunction(() => /existing\.checks\.yaml/.test(document.querySelector('#checks-name')?.textContent ?? ''));
  await page.waitForSelector('#checks-table tbody tr');
  const suggested = await page.locator('#checks-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.status));
  assert.ok(suggested.length >= 10, `suggested ${suggested.length} checks`);
  assert.ok(suggested.every((s) => s === 'pass'), JSON.stringify(suggested));
  const dl = await captureDownload(page, () => page.click('#checks-download'));
  assert.equal(dl.name, 'existing.checks.yaml');
  assert.match(dl.text(), /^version: 1/m);
});

test('changed column warnings show in the drift table with their figures on hover', async ({ page }) => {
  // "plan" becomes one value and "score" loses 40% of its cells in the current file.
  const dir = await tempDir();
  const ref = path.join(dir, 'warn-ref.csv');
  const cur = path.join(dir, 'warn-cur.csv');
  const rows = (f) => ['plan,score', ...Array.from({ length: 100 }, (_, i) => f(i))].join('\n') + '\n';
  await fsp.writeFile(ref, rows((i) => `${['a', 'b', 'c'][i % 3]},${i < 2 ? '' : (i % 7) + 1}`));
  await fsp.writeFile(cur, rows((i) => `a,${i < 40 ? '' : (i % 7) + 1}`));
  await openBoth(page, ref, cur);
  await waitForStatus(page, /Compared warn-cur\.csv with warn-ref\.csv/);
  const badge = (col) => page.locator(`#drift-table tr[data-column="${col}"] [data-field="warnings"] .warn-badge`);
  assert.equal(await badge('plan').textContent(), 'became constant');
  assert.match(await badge('plan').getAttribute('title'), /In the current file only/);
  assert.equal(await badge('score').textContent(), 'missing share 2.0% → 40.0%');
  assert.match(await badge('score').getAttribute('title'), /40 of 100 cells are missing or invalid/);
  await screenshot(page, 'checks-warning-changes');
});

/** The native command line the native tests built (`make test` runs them first), if any. */
function cliBinary() {
  const candidates = [process.env.PIPESCOPE_BIN, ...['citest', 'release', 'debug'].map((p) => path.join(REPO, 'target', p, 'pipescope'))];
  return candidates.find((p) => p && fs.existsSync(p));
}

/**
 * The report without its generated-at time and each chart's drawing: the page lays chart
 * text out by the browser's glyph widths and the command line by plotters' estimate, so a
 * legend may sit a few pixels apart or a long title be clipped a few letters sooner. The
 * figures themselves (one a drifted column, named in its label) and all else are equal.
 */
const comparable = (html) => html
  .replace(/<span id="generated">[^<]*<\/span>/, '')
  .replace(/<svg[\s\S]*?<\/svg>/g, '<svg></svg>');

/**
 * Opens a report in a fresh offline context, where every request is recorded and aborted; returns the page's figures and the requests attempted.
 */
async function openOffline(browser, html) {
  const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
  const requests = [];
  try {
    await context.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    page.on('request', (r) => requests.push(r.url()));
    await page.setContent(html, { waitUntil: 'load' });
    await page.waitForTimeout(300); // a late image or font would ask by now
    const seen = await page.evaluate(() => ({
      title: document.title,
      rows: [...document.querySelectorAll('#drift-table tbody tr')].map((tr) => tr.dataset.column),
      svgs: [...document.querySelectorAll('figure svg')]
        .map((s) => { const b = s.getBoundingClientRect(); return { w: b.width, h: b.height, rects: s.querySelectorAll('rect').length }; }),
      checks: [...document.querySelectorAll('#checks-table tbody tr')].map((tr) => [tr.dataset.check, tr.dataset.status]),
    }));
    await page.locator('#overlays').scrollIntoViewIfNeeded();
    await screenshot(page, 'checks-html-report-offline');
    return { seen, requests };
  } finally {
    await context.close();
  }
}

test('the HTML report downloads, opens offline with its drift table and overlays, and is the CLI\'s report', async ({ page, context }) => {
  const { ref, cur } = await split();
  await openBoth(page, ref, cur);
  await waitForStatus(page, /Compared attrited\.csv with existing\.csv/);
  const onScreen = (await driftRows(page)).map((r) => r.column);

  const dl = await captureDownload(page, () => page.click('#compare-export-html'));
  assert.equal(dl.name, 'existing-vs-attrited-compare.html');
  const html = dl.text();
  const file = path.join(await tempDir(), dl.name);
  await fsp.writeFile(file, html);
  const { seen, requests } = await openOffline(context.browser(), html);
  assert.deepEqual(requests, [], 'the report asked for nothing');
  assert.equal(seen.title, 'Comparison of attrited.csv with existing.csv');
  // The same columns in the same order as the page's table, most moved first.
  assert.deepEqual(seen.rows, onScreen);
  assert.ok(seen.rows.indexOf('Total_Trans_Ct') < seen.rows.indexOf('Customer_Age'));
  assert.ok(seen.svgs.length >= 1, 'at least one overlay');
  assert.ok(seen.svgs.every((s) => s.w > 300 && s.h > 150 && s.rects >= 3), JSON.stringify(seen.svgs));
  assert.ok(seen.svgs.some((s) => s.rects > 20), 'a histogram overlay has its bars');
  assert.deepEqual(seen.checks, [], 'no checks file, no checks table');

  // One core: the command line writes the same document on the same files.
  const bin = cliBinary();
  if (bin) {
    const out = path.join(path.dirname(file), 'cli.html');
    execFileSync(bin, ['compare', ref, cur, '--html', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    const cli = fs.readFileSync(out, 'utf8');
    assert.equal(cli.match(/<svg/g).length, html.match(/<svg/g).length, 'as many charts');
    const [a, b] = [comparable(html), comparable(cli)];
    if (a !== b) {
      let i = 0;
      while (a[i] === b[i]) i++;
      assert.fail(`page and CLI reports differ at ${i}: page ${JSON.stringify(a.slice(i - 200, i + 120))}, cli ${JSON.stringify(b.slice(i - 200, i + 120))}`);
    }
  } else {
    throw new Error('no pipescope binary in target/{citest,release,debug}: run the native tests (make test-native) first');
  }

  // With a checks file, its results are in the report too.
  const checksFile = path.join(path.dirname(file), 'mean.checks.yaml');
  await fsp.writeFile(checksFile, 'version: 1\nchecks:\n  - name: transactions as usual\n    mean: {column: Total_Trans_Ct, min: 55, max: 80}\n');
  await page.setInputFiles('#checks-input', checksFile);
  await page.waitForSelector('#checks-table tbody tr');
  const withChecks = await captureDownload(page, () => page.click('#compare-export-html'));
  const again = await openOffline(context.browser(), withChecks.text());
  assert.deepEqual(again.requests, []);
  assert.deepEqual(again.seen.checks, [['transactions as usual', 'fail']]);
});

test('a reference swapped away while it is being kept is not the one kept', async ({ page }) => {
  const { ref, cur } = await split();
  await openBoth(page, ref, cur);
  await page.waitForSelector('#reference-kept[data-kept="yes"]');
  // A reference large enough that copying it into the browser's storage takes a while.
  const big = path.join(path.dirname(ref), 'big.csv');
  const lines = fs.readFileSync(ref, 'utf8').split('\n').filter((l) => l.length);
  const body = lines.slice(1).join('\n') + '\n';
  await fsp.writeFile(big, lines[0] + '\n' + body.repeat(12));
  await page.setInputFiles('#reference-input', big);
  await page.waitForFunction(() => document.querySelector('#slot-reference .slot-name')?.textContent === 'big.csv', null, { timeout: 60_000 });
  await page.click('#compare-swap'); // while big.csv is still being kept
  await page.waitForFunction(() => document.querySelector('#slot-reference .slot-name')?.textContent === 'attrited.csv');
  await page.waitForSelector('#reference-kept[data-kept="no"]', { timeout: 30_000 });
  assert.match(await page.textContent('#reference-kept'), /swapped/);
  await page.waitForTimeout(1500); // a stray late copy would have landed by now
  const kept = await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('pipescope-distribution');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const get = db.transaction('kept').objectStore('kept').get('compare-reference');
      get.onsuccess = () => { db.close(); resolve(get.result ? get.result.name : null); };
      get.onerror = () => reject(get.error);
    };
  }));
  assert.equal(kept, null, 'the swapped-away reference must not come back next visit');
  await page.reload();
  await page.waitForSelector('#reference-input', { state: 'attached' });
  await page.waitForTimeout(500);
  assert.equal(await page.locator('#slot-reference .slot-name').count(), 0);
});
