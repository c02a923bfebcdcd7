// Rules on dataset check results (core::rules::checks) in the Checks workspace: rules
// written in the editor judge every run of the checks; a firing rule opens an incident with
// source "rule" in the Incidents book, a later passing run resolves it, and a `for` on a
// check rule is refused at its line.
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { appSession, screenshot, tempDir, waitForStatus } from './harness.mjs';

const { test } = appSession({ hash: '#/checks' });

/** 20 rows of id,age with the first `gaps` ages missing. */
const csv = (gaps) => ['id,age', ...Array.from({ length: 20 }, (_, i) => `${i},${i < gaps ? '' : 20 + i}`)].join('\n') + '\n';

const CHECKS = 'version: 1\nchecks:\n  - name: rows\n    row_count: {min: 10}\n  - name: age missing\n    missing: {column: age, max: 0.1}\n';

const RULES = `version: 1
rules:
  - name: age gaps
    check: age missing
    above: 0.2
    severity: 1
  - name: any check fails
    check: "*"
    fails: true
`;

test('check rules written in the editor open rule incidents on a failing run and resolve on a passing one; a for is refused at its line', async ({ page }) => {
  const dir = await tempDir();
  const files = { ref: 'ref.csv', bad: 'gappy.csv', good: 'full.csv', checks: 'age.checks.yaml' };
  for (const [k, name] of Object.entries(files)) files[k] = path.join(dir, name);
  await fsp.writeFile(files.ref, csv(0));
  await fsp.writeFile(files.bad, csv(6)); // 30% of ages missing
  await fsp.writeFile(files.good, csv(1)); // 5%
  await fsp.writeFile(files.checks, CHECKS);
  await page.setInputFiles('#reference-input', files.ref);
  await page.waitForSelector('#slot-reference .slot-name');
  await page.setInputFiles('#current-input', files.bad);
  await page.setInputFiles('#checks-input', files.checks);
  await page.waitForSelector('#checks-table tr[data-check="age missing"][data-status="fail"]');

  await page.click('#checks-rules > summary');
  // A `for` on a check: named with its line, and Apply stays off.
  await page.fill('#checks-rules-editor', 'version: 1\nrules:\n  - name: slow\n    check: rows\n    fails: true\n    for: 5m\n');
  const err = page.locator('#checks-rules-errors li[data-line="3"]');
  await err.waitFor();
  assert.match(await err.textContent(), /rule 'slow' \(rules\[0\]\.for\): 'for' does not apply here; it needs a metric or error-code stream; a check rule fires on the run/);
  assert.equal(await page.isDisabled('#checks-rules-text-apply'), true);

  await page.fill('#checks-rules-editor', RULES);
  await page.waitForSelector('#checks-rules-errors li', { state: 'detached' });
  await page.click('#checks-rules-text-apply');
  await waitForStatus(page, /Applied 2 check rule\(s\)/);
  const fired = page.locator('#checks-rules-fired');
  await page.waitForSelector('#checks-rules-fired[data-fired="2"]');
  assert.deepEqual(await fired.locator('li[data-rule]').evaluateAll((els) => els.map((e) => [e.dataset.rule, e.dataset.check])),
    [['age gaps', 'age missing'], ['any check fails', 'age missing']]);

  // In the Incidents book, beside the check's own incident: one per rule and check.
  await page.click('nav a[href="#/incidents"]');
  const card = (rule) => page.locator('article.incident-card[data-source="checks"]').filter({ hasText: `rule ${rule} on age missing` });
  await card('age gaps').waitFor();
  assert.equal(await card('age gaps').getAttribute('data-severity'), '1');
  assert.equal(await card('age gaps').getAttribute('data-state'), 'open');
  assert.match(await card('age gaps').textContent(), /above 0\.2 · crossed at 0\.3/);
  assert.match(await card('any check fails').textContent(), /check fails · the check did not pass/);
  await screenshot(page, 'check-rule-incident');

  // The same file again fires again but opens nothing new; a passing file resolves both.
  await page.click('nav a[href="#/checks"]');
  await page.setInputFiles('#current-input', files.bad);
  await page.waitForSelector('#checks-rules-fired[data-fired="2"]');
  await page.setInputFiles('#current-input', files.good);
  await page.waitForSelector('#checks-rules-fired[data-fired="0"]', { state: 'attached' }); // empty: no box
  await page.click('nav a[href="#/incidents"]');
  await page.waitForFunction(() => {
    const cards = [...document.querySelectorAll('article.incident-card[data-source="checks"]')]
      .filter((c) => /rule (age gaps|any check fails) on age missing/.test(c.textContent));
    return cards.length === 2 && cards.every((c) => c.dataset.state === 'resolved');
  }, null, { timeout: 10_000 });
});
