// Walks the "things that mislead" of issue 17 in the built page (dist/) and prints what a
// user sees for each, as JSON: run with `node tests/tools/audit-issue17.mjs` after
// `trunk build`. Not a test: its output is read and recorded in the closing note.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  captureDownload, gotoApp, launchBrowser, startServer, tempDir, uploadAndWait, waitForStatus,
} from '../e2e/harness.mjs';

const BANK = fileURLToPath(new URL('../../../shared/data/BankChurners.csv', import.meta.url));
const out = {};
const server = await startServer();
const browser = await launchBrowser();
const dir = await tempDir('pipescope-audit-');
try {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await gotoApp(page, server.url(), '#/distribution');

  // Failed load with nothing loaded before.
  const empty = path.join(dir, 'empty.csv');
  await fsp.writeFile(empty, '');
  await page.setInputFiles('input#file-input', empty);
  await page.waitForTimeout(1500);
  out.emptyFirst = { status: await page.textContent('#status'), banners: await page.locator('.banner').allTextContents() };

  // A tiny file's size and speed.
  const tiny = path.join(dir, 'tiny.csv');
  await fsp.writeFile(tiny, 'name,amount\na,1\nb,x\nc,3\n');
  await uploadAndWait(page, tiny);
  out.tinyStatus = await page.textContent('#status');
  // "1 cell … is" grammar: the notes/warnings of the amount column.
  out.tinyNotes = await page.locator('section[data-workspace="distribution"]').innerText().then((t) =>
    t.split('\n').filter((l) => /cell/.test(l)));
  // One numeric column: the scatter's default axes.
  out.tinyScatter = { x: await page.inputValue('#scatter-x'), y: await page.inputValue('#scatter-y'), caption: await page.textContent('#fig-scatter figcaption') };

  // BankChurners: grouped boxes order, export names, bin width agreement.
  await uploadAndWait(page, BANK);
  await waitForStatus(page, /Loaded\s+BankChurners\.csv/);
  out.bankStatus = await page.textContent('#status');
  await page.click('table#profile-table tbody tr[data-column="Customer_Age"]');
  await page.waitForFunction(() => /^Histogram of Customer_Age/.test(document.querySelector('#fig-hist canvas')?.getAttribute('aria-label') ?? ''));
  const byIdx = await page.locator('#group-by option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
  const income = byIdx.find(([, t]) => t === 'Income_Category');
  const limit = (await page.locator('#group-value option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]))).find(([, t]) => t === 'Credit_Limit');
  await page.selectOption('#group-value', limit[0]);
  await page.selectOption('#group-by', income[0]);
  await page.waitForFunction(() => /Credit_Limit by Income_Category/.test(document.querySelector('#fig-grouped canvas')?.getAttribute('aria-label') ?? ''));
  await page.click('#fig-grouped-data > summary');
  out.groupedOrder = await page.locator('#fig-grouped-data tbody th').allTextContents();
  out.groupedName = await page.getAttribute('#fig-grouped canvas', 'aria-label');
  out.scatterDefault = { x: await page.inputValue('#scatter-x'), y: await page.inputValue('#scatter-y'), caption: await page.textContent('#fig-scatter figcaption') };
  out.exports = {};
  for (const [fig, kind] of [['fig-hist', 'png'], ['fig-box', 'svg'], ['fig-scatter', 'png'], ['fig-grouped', 'png']]) {
    const d = await captureDownload(page, () => page.click(`#${fig} .export-${kind}`));
    out.exports[fig] = d.name;
    if (fig === 'fig-box') out.boxSvgBytes = d.buf.length;
  }
  const hsvg = await captureDownload(page, () => page.click('#fig-hist .export-svg'));
  out.histSvgSubtitle = (/bins of width [^<·]+/.exec(hsvg.text()) ?? [''])[0].trim();
  out.histCaption = await page.textContent('#fig-hist figcaption');
  out.histName = await page.getAttribute('#fig-hist canvas', 'aria-label');
  out.boxName = await page.getAttribute('#fig-box canvas', 'aria-label');
  out.boxCaption = await page.textContent('#fig-box figcaption');
  out.bars = await (async () => {
    await page.click('table#profile-table tbody tr[data-column="Income_Category"]');
    await page.waitForSelector('#fig-bars canvas');
    return { name: await page.getAttribute('#fig-bars canvas', 'aria-label'), caption: await page.textContent('#fig-bars figcaption') };
  })();
  out.scatterName = await page.getAttribute('#fig-scatter canvas', 'aria-label');
  // Correlations and missing values.
  await page.click('#correlations > summary, details:has(#corr-canvas) > summary').catch(() => {});
  await page.waitForTimeout(1500);
  out.corr = { name: await page.getAttribute('#corr-canvas', 'aria-label'), summaryHidden: await page.getAttribute('#corr-summary', 'aria-hidden'), tableRows: await page.locator('#corr-table tbody tr').count() };
  await page.click('#missing-values > summary');
  await page.waitForTimeout(800);
  out.missing = { name: await page.getAttribute('#missing-canvas', 'aria-label'), lines: await page.locator('#missing-summary li').count() };

  // Monitor before anything runs: the Inject panel and the evaluation table's header.
  await page.evaluate(() => { window.location.hash = '#/monitor'; });
  await page.waitForSelector('section[data-workspace="monitor"]:not([hidden])');
  await page.waitForTimeout(500);
  const mon = await page.locator('section[data-workspace="monitor"]').innerText();
  out.monitorBeforeRun = { perFrame: /0\.0 ms per frame/.test(mon), injectShown: await page.locator('section[data-workspace="monitor"] :text("Inject")').count() };
  out.evalHeader = await page.locator('#eval-table thead tr').evaluateAll((rs) => rs.map((r) => r.innerText.replace(/\s+/g, ' ').trim()));
  out.monitorLabels = await page.locator('figure.band canvas').evaluateAll((cs) => cs.map((c) => c.getAttribute('aria-label')));
  await page.selectOption('#monitor-speed', '1000x');
  await page.click('#monitor-play');
  await page.waitForTimeout(4000);
  await page.click('#monitor-play');
  await page.waitForTimeout(300);
  out.monitorLabelsAfter = await page.locator('figure.band canvas').evaluateAll((cs) => cs.map((c) => c.getAttribute('aria-label')));

  // Errors heatmap's name.
  await page.evaluate(() => { window.location.hash = '#/errors'; });
  await page.setInputFiles('#errors-file-input', fileURLToPath(new URL('../../../shared/data/ErrorStreamSetA.csv', import.meta.url)));
  await page.waitForSelector('#heatmap');
  await page.selectOption('#speed', 'max');
  await page.waitForTimeout(6000);
  out.heatmapName = await page.getAttribute('#heatmap', 'aria-label');
  out.heatmapTotalsRows = await page.locator('#heatmap-totals tbody tr').count();
  await context.close();
} finally {
  await browser.close();
  await server.close();
}
console.log(JSON.stringify(out, null, 2));
