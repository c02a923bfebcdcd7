// Rules in the Errors workspace (issue 16): ErrorStreamSetA.csv is loaded, a rules file is
// written in the workspace's editor (a mistake first, named with its line), applied, and
// the clock moved; the k x baseline rule's card fires at the time `pipescope errors
// --rules` gives (tests/errors_rules.rs holds the two to the same times), is silenced from
// its card, and its next firing is recorded but marked silenced; the Incidents book has the
// rule's cards too. A reload brings the rules, the silence and the cards back from the
// Errors journal.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import {
  DIST, assertFitsPhone, errorRuleCards, gotoApp, killBrowser, launchBrowser, launchPersistent,
  screenshot, silenceErrorRuleCard, startServer, tempDir, waitForStatus, watchContext,
} from './harness.mjs';

const SET_A = fileURLToPath(new URL('../../../shared/data/ErrorStreamSetA.csv', import.meta.url));
const RULES = fs.readFileSync(
  fileURLToPath(new URL('../data/error_stream_a.rules.yaml', import.meta.url)), 'utf8');
const RATIO = 'code 4 worse than baseline';

let server;
let work;
before(async () => {
  await fsp.access(path.join(DIST, 'index.html')).catch(() => {
    throw new Error(`${DIST}/index.html is missing: run \`make build\` first`);
  });
  server = await startServer();
  work = await tempDir('pipescope-errrules-');
});
after(async () => {
  await server?.close();
  if (work) await fsp.rm(work, { recursive: true, force: true });
});

async function seekTo(page, seconds) {
  await page.locator('#seek').evaluate((el, s) => {
    el.value = String(s);
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, seconds);
  // The clock shows the seek once the journal has the events on disk and they are judged.
  await page.waitForFunction((s) => Number(document.querySelector('#seek').value) >= s,
    seconds, { timeout: 20_000, polling: 100 });
}

/** The rule cards under "Rule incidents". */
const cards = errorRuleCards;

test('an error-code rule written in the Errors editor fires, is silenced from its card, and survives a reload', async () => {
  const context = await launchPersistent(path.join(work, 'profile'));
  const watch = watchContext(context, server.origin);
  const page = context.pages()[0] ?? await context.newPage();
  watch.attach(page);
  page.setDefaultTimeout(20_000);
  try {
    await gotoApp(page, server.url(), '#/errors');
    await page.waitForSelector('#errors-journal', { state: 'attached' });
    await page.setInputFiles('#errors-file-input', SET_A);
    await page.waitForSelector('#heatmap');
    if ((await page.locator('#play').innerText()).includes('Pause')) await page.click('#play');

    // A mistake is named with its line as it is typed; Apply stays off.
    await page.fill('#errors-rules-editor', RULES.replace('for: 1m', 'for: 1 minute'));
    await page.waitForSelector('#errors-rules-errors li[data-line="14"]');
    assert.ok(await page.locator('#errors-rules-text-apply').isDisabled(), 'Apply is off while there is a mistake');
    await page.fill('#errors-rules-editor', RULES);
    await page.waitForFunction(() => !document.querySelector('#errors-rules-text-apply').disabled);
    await page.click('#errors-rules-text-apply');
    await page.waitForSelector(`#errors-rules-list tr[data-rule="${RATIO}"]`);

    // "Would have fired" over the whole file: the command line's counts (4 and 2).
    await page.click('#errors-rules-backtest');
    assert.equal(await page.getAttribute(`#errors-backtest-result li[data-rule="${RATIO}"]`, 'data-fired'), '4');
    assert.equal(await page.getAttribute('#errors-backtest-result li[data-rule="code 5 surges"]', 'data-fired'), '2');

    // Play on to 0:03:00: the ratio rule fired at 0:02:45, as the command line says.
    await seekTo(page, 180);
    await page.waitForSelector(`#errors-rule-incidents li[data-rule="${RATIO}"][data-state="open"]`);
    assert.deepEqual(await cards(page), [{ rule: RATIO, opened: '0:02:45', state: 'open', silenced: 'false' }]);
    assert.equal(await page.getAttribute(`#errors-rules-list tr[data-rule="${RATIO}"]`, 'data-state'), 'firing');

    // Silence it from its card.
    await silenceErrorRuleCard(page, RATIO, '2h', 'known canary noise');
    await page.waitForSelector('#errors-silences-list li[data-origin="page"][data-state="active"]');

    // The next firing (0:22:07) is recorded, marked silenced.
    await seekTo(page, 23 * 60);
    await page.waitForFunction(() => document.querySelectorAll('#errors-rule-incidents li.incident-card').length === 2);
    const before = await cards(page);
    assert.deepEqual(before, [
      { rule: RATIO, opened: '0:22:07', state: 'open', silenced: 'true' },
      { rule: RATIO, opened: '0:02:45', state: 'resolved', silenced: 'true' },
    ]);
    await screenshot(page, 'errors-rules');

    // The Incidents book has them too, with "Silence…" on the open one.
    await page.click('a[href="#/incidents"]');
    const book = page.locator('article.incident-card[data-source="errors"][data-silenced="true"]');
    await book.first().waitFor();
    assert.equal(await book.count(), 2);
    assert.equal(await page.locator('article.incident-card[data-source="errors"][data-state="open"] .silence-card').count() >= 1, true);
    await page.click('a[href="#/errors"]');

    // Reload: the rules, the silence and the cards come back from the journal.
    await page.waitForTimeout(1_500);
    await page.reload();
    await page.waitForSelector('#errors-rule-incidents li.incident-card', { timeout: 30_000 });
    assert.deepEqual(await cards(page), before);
    assert.equal(await page.getAttribute(`#errors-rules-list tr[data-rule="${RATIO}"]`, 'data-state'), 'firing');
    assert.equal(await page.locator('#errors-silences-list li[data-origin="page"]').count(), 1);
    assert.equal(await page.inputValue('#errors-rules-editor'), RULES);
    assert.deepEqual(watch.problems(), []);
  } finally {
    await killBrowser(context);
  }
});

// "Import…" in the Errors workspace: the rules file picked through the file chooser is
// applied to the loaded stream (judged from its start: at 0:03:00 the ratio rule fires, as
// above); a file with a mistake names the rule and its line and leaves the running rules
// running. At phone width the running table, its firing row the longest, fits the screen.
test('Import… in the Errors workspace applies a rules file; a file with a mistake names the rule and its line and the rules keep running', async () => {
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const watch = watchContext(context, server.origin);
  const page = await context.newPage();
  watch.attach(page);
  page.setDefaultTimeout(20_000);
  const good = path.join(work, 'error_stream_a.rules.yaml');
  const broken = path.join(work, 'broken.rules.yaml');
  await fsp.writeFile(good, RULES);
  await fsp.writeFile(broken, RULES.replace('for: 1m', 'for: 1 minute'));
  const rows = () => page.$$eval('#errors-rules-list tr[data-rule]', (trs) => trs.map((tr) => [tr.dataset.rule, tr.dataset.state]));
  const running = [['code 5 surges', 'inactive'], [RATIO, 'firing']];
  try {
    await gotoApp(page, server.url(), '#/errors');
    await page.setInputFiles('#errors-file-input', SET_A);
    await page.waitForSelector('#heatmap');
    if ((await page.locator('#play').innerText()).includes('Pause')) await page.click('#play');
    await seekTo(page, 180);

    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#errors-rules-import')]);
    await chooser.setFiles(good);
    await waitForStatus(page, /^Imported and applied the rules of error_stream_a\.rules\.yaml$/);
    await page.waitForSelector(`#errors-rules-list tr[data-rule="${RATIO}"][data-state="firing"]`);
    assert.deepEqual(await rows(), running);
    assert.equal(await page.getAttribute('#errors-rules-applied', 'data-applied'), 'true');

    await page.setInputFiles('#errors-rules-import', broken);
    await waitForStatus(page, /^Imported broken\.rules\.yaml: it has mistakes \(listed under the editor\); the running rules keep running$/);
    const err = page.locator('#errors-rules-errors li[data-line="14"]');
    assert.match(await err.innerText(), new RegExp(`^14:\\d+ .*${RATIO}.*1 minute`, 's'));
    assert.equal(await page.getAttribute('#errors-rules-applied', 'data-applied'), 'false');
    assert.deepEqual(await rows(), running, 'the rules already running keep running');

    await assertFitsPhone(page, '#errors-rules-list', 'errors-rules-running-390');
    assert.deepEqual(watch.problems(), []);
  } finally {
    await context.close().catch(() => {});
    await browser.close();
  }
});
