// Rules and silences in the Monitor: a rule written in the page's editor is checked as it
// is typed (a mistake named with its line and column), applied to the simulator, fires on
// an injected fault (an incident card with source rule), resolves; a silence made in the
// panel mutes the next firing (the card is recorded, marked silenced); the rules text and
// the silence come back after a reload.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {
  appSession, assertFitsPhone, gotoApp, screenshot, tempDir, waitForStatus,
} from './harness.mjs';

const { test } = appSession({ hash: '#/monitor' });

// The example of a bad duration: "10 seconds" where "10s" is meant.
const BROKEN = `version: 1
rules:
  - name: consumption silent
    metric: energy_consumption
    absent: 10 seconds
    severity: 1
`;
const RULES = BROKEN.replace('10 seconds', '10s');

const clock = (page) => page.getAttribute('#monitor-clock', 'data-ms').then(Number);
const ruleState = (page) => page.getAttribute('#rules-list tr[data-rule="consumption silent"]', 'data-state');

/** Makes energy_consumption stop reporting for `ticks` ticks (2 s each) and waits until the
 *  rule has fired and resolved. */
async function gap(page, ticks) {
  await page.selectOption('#inject-kind', 'gap');
  await page.selectOption('#inject-metric', 'energy_consumption');
  await page.fill('#inject-ticks', String(ticks));
  await page.dispatchEvent('#inject-ticks', 'change');
  await page.click('#inject');
  await page.waitForSelector('#rules-list tr[data-rule="consumption silent"][data-state="firing"]', { timeout: 20_000 });
  await page.waitForSelector('#rules-list tr[data-rule="consumption silent"][data-state="inactive"]', { timeout: 20_000 });
}

/** The rule's incident cards in the Incidents workspace (mounted while hidden), oldest
 *  first. */
async function ruleCards(page) {
  const cards = await page.$$eval('.incident-card[data-source="monitor"]', (els) => els
    .filter((e) => /rule consumption silent on energy_consumption/.test(e.querySelector('.what').textContent))
    .map((e) => ({ uid: e.dataset.uid, state: e.dataset.state, silenced: e.dataset.silenced, text: e.textContent })));
  return cards.sort((a, b) => a.uid.localeCompare(b.uid, undefined, { numeric: true }));
}

test('a rule written in the editor fires on an injected fault (a metric stops reporting), resolves, and a silence mutes its next firing; both survive a reload', async ({ page, context, base, watch }) => {
  await page.waitForSelector('#monitor-rules');
  await page.waitForSelector('#monitor-journal');

  // A threshold that is not a number: named at its line and column, Apply refused.
  await page.fill('#rules-editor', BROKEN);
  const err = page.locator('#rules-errors li').first();
  await err.waitFor();
  assert.equal(await err.getAttribute('data-line'), '5');
  assert.match(await err.innerText(), /^5:\d+ .*consumption silent.*10 seconds/s);
  assert.match(await page.locator('#rules-errors .rules-excerpt').first().innerText(), /absent: 10 seconds\n\s+\^/);
  assert.ok(await page.isDisabled('#rules-text-apply'), 'a broken file is not applied');
  await screenshot(page, 'rules-error');

  // Fixed: no mistake left, applied, listed as inactive.
  await page.fill('#rules-editor', RULES);
  await page.waitForSelector('#rules-errors li', { state: 'detached' });
  await page.click('#rules-text-apply');
  await page.waitForSelector('#rules-list tr[data-rule="consumption silent"]');
  assert.equal(await ruleState(page), 'inactive');
  assert.equal(await page.getAttribute('#rules-applied', 'data-applied'), 'true');

  // The simulator with a fault: the rule fires (an incident card, source rule) and resolves.
  await page.selectOption('#monitor-speed', '10x');
  await page.click('#monitor-play');
  await page.waitForFunction(() => Number(document.querySelector('#monitor-clock').dataset.ms) >= 10_000, null, { timeout: 20_000 });
  await gap(page, 8);
  let cards = await ruleCards(page);
  assert.equal(cards.length, 1, JSON.stringify(cards));
  assert.equal(cards[0].state, 'resolved');
  assert.equal(cards[0].silenced, 'false');
  assert.match(cards[0].text, /absent for 10s · no sample for 1\d\.\d s/);

  // A silence from the panel: the next firing is recorded but marked silenced.
  await page.fill('#silence-matchers', 'rule="consumption silent"');
  await page.fill('#silence-duration', '1h');
  await page.fill('#silence-comment', 'maintenance');
  await page.click('#silence-add');
  const silence = page.locator('#silences-list li[data-origin="page"]');
  await silence.waitFor();
  assert.equal(await silence.getAttribute('data-state'), 'active');
  assert.match(await silence.innerText(), /rule="consumption silent" · maintenance · (59:\d\d|1:00:00) left/);
  await gap(page, 8);
  cards = await ruleCards(page);
  assert.equal(cards.length, 2, JSON.stringify(cards));
  assert.equal(cards[1].silenced, 'true');
  assert.match(cards[1].text, /Silenced by maintenance: not sent to any sink/);
  await page.click('#monitor-play'); // pause
  await page.evaluate(() => { location.hash = '#/incidents'; });
  await screenshot(page, 'rules-silenced-card');
  await page.evaluate(() => { location.hash = '#/monitor'; });

  // Would the rule have fired over the history so far? Twice, at the two gaps.
  await page.click('#rules-backtest');
  assert.equal(await page.getAttribute('#backtest-result li[data-rule="consumption silent"]', 'data-fired'), '2');
  await screenshot(page, 'rules-panel');

  // A reload recovers the stream with its rules text and the silence.
  await page.waitForTimeout(500); // the last journal flush lands
  const stopped = await clock(page);
  await page.close();
  const again = await context.newPage();
  watch.attach(again);
  await gotoApp(again, base, '#/monitor');
  await again.waitForFunction(() => /Recovered [\d,]+ events/.test(document.querySelector('#status')?.innerText || ''), null, { timeout: 30_000 });
  assert.ok(await clock(again) > stopped - 2_000);
  assert.equal(await again.inputValue('#rules-editor'), RULES);
  await again.waitForSelector('#rules-list tr[data-rule="consumption silent"][data-state="inactive"]');
  assert.equal(await again.getAttribute('#silences-list li[data-origin="page"]', 'data-state'), 'active');
  assert.equal((await ruleCards(again)).length, 2, 'the rule incidents are recovered too');

  // Expiring the silence un-mutes the next firing.
  await again.click('#silences-list li[data-origin="page"] .silence-expire');
  await again.waitForSelector('#silences-list li[data-origin="page"][data-state="expired"]');
  await again.click('#monitor-play');
  await gap(again, 8);
  cards = await ruleCards(again);
  assert.equal(cards.length, 3);
  assert.equal(cards[2].silenced, 'false');
});

// Incident groups (core::incident::group): a fault on both simulator metrics fires a
// pattern rule on each; the two incidents open together and show as one group card, its
// members inside (expand/collapse by keyboard), acknowledged together; an unapplied draft
// in the editor survives a reload, marked so.
test('a fault on several metrics shows one group card with its members; an unapplied rules draft survives a reload', async ({ page, context, base, watch }) => {
  await page.waitForSelector('#monitor-rules');
  await page.waitForSelector('#monitor-journal');
  await page.fill('#rules-editor', `version: 1
rules:
  - name: energy silent
    metric: "energy_*"
    absent: 6s
    severity: 2
`);
  await page.waitForSelector('#rules-errors li', { state: 'detached' });
  await page.click('#rules-text-apply');
  await page.waitForSelector('#rules-list tr[data-rule="energy silent"]');
  await page.selectOption('#monitor-speed', '10x');
  await page.click('#monitor-play');
  await page.waitForFunction(() => Number(document.querySelector('#monitor-clock').dataset.ms) >= 8_000, null, { timeout: 20_000 });
  await page.selectOption('#inject-kind', 'gap');
  await page.selectOption('#inject-metric', 'all');
  await page.fill('#inject-ticks', '6');
  await page.dispatchEvent('#inject-ticks', 'change');
  await page.click('#inject');
  const group = page.locator('.incident-group[data-source="monitor"][data-members="2"]');
  await group.waitFor({ state: 'attached', timeout: 30_000 });
  // Both resolve once the metrics report again; then pause.
  await page.waitForFunction(() => document.querySelector('.incident-group[data-members="2"]')?.dataset.state === 'resolved', null, { timeout: 30_000 });
  await page.click('#monitor-play'); // pause
  const uid = await group.getAttribute('data-group');
  assert.match(uid, /^monitor-g\d+$/);
  assert.match(await group.locator(':scope > h3').textContent(), /^2 rule firings: energy_(consumption|price), energy_(consumption|price)$/);
  // Its members are inside it, each naming the group; no lone card repeats them.
  const members = group.locator('.incident-card');
  assert.equal(await members.count(), 2);
  assert.deepEqual(await members.evaluateAll((els) => els.map((e) => e.dataset.group)), [uid, uid]);
  assert.equal(await page.locator('#incident-list > .incident-card').filter({ hasText: 'rule energy silent' }).count(), 0);
  // The Monitor's small summary shows the group as one line with its member count, worded
  // as the card; the members' ids follow on that line.
  const line = page.locator(`#monitor-incidents li[data-group="${uid}"]`);
  assert.equal(await line.getAttribute('data-members'), '2');
  assert.match(await line.locator('.group-line').textContent(),
    new RegExp(`^${uid} · 2 rule firings: energy_(consumption|price), energy_(consumption|price) · severity 2 · resolved$`));
  assert.equal(await line.locator('li[data-id]').count(), 2);
  await page.locator('#monitor-incidents').screenshot({ path: await screenshot(page, 'monitor-summary-group') });

  await page.evaluate(() => { location.hash = '#/incidents'; });
  const toggle = group.locator('.group-toggle');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.equal(await toggle.getAttribute('aria-controls'), `${uid}-members`);
  await screenshot(page, 'incident-group');
  await toggle.focus();
  await page.keyboard.press('Enter');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await members.count(), 0, 'collapsed: the members are not drawn');
  await page.keyboard.press('Space');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.equal(await members.count(), 2);
  // Acknowledge the whole group from its card.
  await group.locator('.ack-group').click();
  await page.waitForFunction((u) => [...document.querySelectorAll(`.incident-group[data-group="${u}"] .incident-card`)]
    .every((e) => e.dataset.acknowledged === 'true'), uid);
  assert.match(await group.locator('.group-actions').textContent(), /All acknowledged/);
  // The CSV export names each incident's group.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-incidents-csv')]);
  const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.equal(csv[0].split(',').at(-1), 'group');
  assert.equal(csv.filter((l) => l.endsWith(`,${uid}`)).length, 2, csv.join('\n'));

  // A draft not applied is kept across a reload, marked as unapplied.
  await page.evaluate(() => { location.hash = '#/monitor'; });
  const draft = (await page.inputValue('#rules-editor')).replace('absent: 6s', 'absent: 9s');
  await page.fill('#rules-editor', draft);
  assert.equal(await page.textContent('#rules-applied'), 'unapplied changes');
  await page.waitForTimeout(500); // the last journal flush lands
  await page.close();
  const again = await context.newPage();
  watch.attach(again);
  await gotoApp(again, base, '#/monitor');
  await again.waitForFunction(() => /Recovered [\d,]+ events/.test(document.querySelector('#status')?.innerText || ''), null, { timeout: 30_000 });
  assert.equal(await again.inputValue('#rules-editor'), draft);
  assert.equal(await again.getAttribute('#rules-applied', 'data-applied'), 'false');
  assert.equal(await again.textContent('#rules-applied'), 'unapplied changes');
  // The group is rebuilt from the recovered book: the same id, the same members.
  await again.evaluate(() => { location.hash = '#/incidents'; });
  await again.waitForFunction((u) => document.querySelectorAll(`.incident-group[data-group="${u}"] .incident-card`).length === 2, uid, { timeout: 10_000 })
    .catch(async () => assert.fail(`after the reload: ${JSON.stringify(await again.$$eval('.incident-group, #incident-list > .incident-card', (els) => els.map((e) => [e.dataset.group, e.dataset.members, e.dataset.uid])))}`));
});

// "Import…" picks a rules file through the file chooser: a good file is applied at once
// (the status line says so, the running table lists its rule, which then fires on the
// simulator); a file with a mistake names the rule and its line, is not applied, and the
// rule already running keeps running. At phone width the running table fits the screen.
test('Import… applies a rules file from the file chooser; a file with a mistake names the rule and its line and the running rule keeps running', async ({ page }) => {
  await page.waitForSelector('#monitor-rules');
  const dir = await tempDir('pipescope-rules-import-');
  const good = path.join(dir, 'price.rules.yaml');
  // Every price the simulator makes is above 0: the rule fires on the first ticks.
  await fsp.writeFile(good, 'version: 1\nrules:\n  - name: price positive\n    metric: energy_price\n    above: 0\n    for: 2s\n    severity: 2\n');
  const broken = path.join(dir, 'broken.rules.yaml');
  await fsp.writeFile(broken, BROKEN);
  try {
    // The file chooser a click on "Import…" opens.
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#rules-import')]);
    await chooser.setFiles(good);
    await waitForStatus(page, /^Imported and applied the rules of price\.rules\.yaml$/);
    await page.waitForSelector('#rules-list tr[data-rule="price positive"][data-state="inactive"]');
    assert.equal(await page.getAttribute('#rules-applied', 'data-applied'), 'true');
    assert.match(await page.inputValue('#rules-editor'), /name: price positive/);
    await page.selectOption('#monitor-speed', '10x');
    await page.click('#monitor-play');
    await page.waitForSelector('#rules-list tr[data-rule="price positive"][data-state="firing"]', { timeout: 20_000 });

    // A bad duration in the next file: named with its rule and line, not applied.
    await page.setInputFiles('#rules-import', broken);
    await waitForStatus(page, /^Imported broken\.rules\.yaml: it has mistakes \(listed under the editor\); the running rules keep running$/);
    const err = page.locator('#rules-errors li').first();
    assert.equal(await err.getAttribute('data-line'), '5');
    assert.match(await err.innerText(), /^5:\d+ .*consumption silent.*10 seconds/s);
    assert.equal(await page.inputValue('#rules-editor'), BROKEN, 'the file is in the editor, to fix');
    assert.equal(await page.getAttribute('#rules-applied', 'data-applied'), 'false');
    await page.waitForTimeout(1_000); // the stream goes on
    assert.deepEqual(await page.$$eval('#rules-list tr[data-rule]', (trs) => trs.map((tr) => [tr.dataset.rule, tr.dataset.state])),
      [['price positive', 'firing']], 'the rule already running keeps running');
    await page.click('#monitor-play'); // pause

    // At phone width the table (a firing rule's longest row) stays inside the screen.
    await assertFitsPhone(page, '#rules-list', 'rules-running-390');
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
