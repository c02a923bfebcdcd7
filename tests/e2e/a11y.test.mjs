// Accessibility of every workspace, empty and loaded, in the light and dark themes, on a
// desktop (1440x900) and a phone (390x844): axe-core (npm, run inside the page under test)
// must report no violation of the WCAG 2.0/2.1 A and AA rules, contrast included; at phone
// width nothing may widen the page past the screen. Screenshots of every workspace in each
// combination land in target/e2e-screenshots/a11y-<workspace>-<width>-<theme>.png.
//
// The dark theme is reached both ways a user can: the system preference (Playwright's
// colorScheme emulation) at 1440 px, and the header's theme switch over a light system at
// 390 px.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import {
  DIST, SCREENSHOT_DIR, gotoApp, launchBrowser, readCanvasPixels, startServer, tempDir, uploadAndWait,
  waitForStatus, watchContext,
} from './harness.mjs';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const BANK = path.join(DATA, 'BankChurners.csv');
const SET_A = path.join(DATA, 'ErrorStreamSetA.csv');
const WORKSPACES = ['distribution', 'monitor', 'errors', 'incidents', 'checks'];
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let server;
let browser;
let split;

before(async () => {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html is missing: run \`make build\` first`);
  }
  server = await startServer();
  browser = await launchBrowser();
  await fsp.mkdir(SCREENSHOT_DIR, { recursive: true });
  // The Checks workspace compares the existing customers with the attrited ones.
  const dir = await tempDir();
  const lines = fs.readFileSync(BANK, 'utf8').split(/\r?\n/).filter((l) => l.length);
  const flag = lines[0].split(',').indexOf('Attrition_Flag');
  const part = (v) => [lines[0], ...lines.slice(1).filter((l) => l.split(',')[flag] === v)].join('\n') + '\n';
  split = { ref: path.join(dir, 'existing.csv'), cur: path.join(dir, 'attrited.csv') };
  await fsp.writeFile(split.ref, part('Existing Customer'));
  await fsp.writeFile(split.cur, part('Attrited Customer'));
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Runs axe-core in the page on the whole document; returns its violations, readable. */
async function axeViolations(page) {
  // The page's CSP allows inline scripts, so the source goes in as a script tag as is.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  const result = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
  }, WCAG);
  return result;
}

function describe(violations) {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 8).map((n) =>
    `    at ${n.target}\n      ${String(n.summary).replace(/\n/g, '\n      ')}`).join('\n')}${v.nodes.length > 8 ? `\n    … and ${v.nodes.length - 8} more` : ''}`).join('\n  ');
}

/** Opens a workspace through its hash and waits until it is the one shown. */
async function show(page, ws) {
  await page.evaluate((h) => { window.location.hash = h; }, `#/${ws}`);
  await page.waitForSelector(`section[data-workspace="${ws}"]:not([hidden])`);
  // Let a redraw on the resize or theme change land.
  await page.waitForTimeout(150);
}

/** Checks the shown workspace; pushes what is wrong onto `problems`. */
async function check(page, ws, label, width, problems) {
  const v = await axeViolations(page);
  if (v.length) problems.push(`${ws} (${label}): ${v.length} axe violation(s):\n  ${describe(v)}`);
  if (width < 600) {
    const { scroll, inner, wide } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
      // What sticks out, to say where to look.
      wide: [...document.querySelectorAll('body *')]
        .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > window.innerWidth + 1; })
        .filter((e) => !e.parentElement?.closest('.table-wrap, .scroll-x'))
        .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''} (right ${Math.round(e.getBoundingClientRect().right)})`),
    }));
    // A touch screen has nothing to drop: the page asks to choose a file instead.
    const dropWords = await page.evaluate(() => (document.querySelector('main section:not([hidden])')?.innerText ?? '').match(/[^.\n]*\bdrop\b[^.\n]*/i)?.[0] ?? null);
    if (dropWords) problems.push(`${ws} (${label}): on a touch screen the page still says "${dropWords.trim()}"`);
    if (scroll > inner) problems.push(`${ws} (${label}): the page is ${scroll} px wide in a ${inner} px window: ${wide.join(', ')}`);
  }
}

/** Loads a real file or stream into every workspace, as a user would. */
async function loadAll(page) {
  await show(page, 'distribution');
  await uploadAndWait(page, BANK);
  await waitForStatus(page, /Loaded\s+BankChurners\.csv/);
  await page.click('table#profile-table tbody tr[data-column="Customer_Age"]');
  await page.waitForSelector('figure#fig-hist canvas');

  await show(page, 'errors');
  await page.setInputFiles('#errors-file-input', SET_A);
  await page.waitForSelector('#heatmap');
  await page.selectOption('#speed', 'max');
  await page.waitForFunction(() => {
    const m = /^(\d+) \/ (\d+) events$/.exec(document.querySelector('#events-applied')?.textContent ?? '');
    return m && m[1] === m[2] && Number(m[2]) > 0 && !/Pause/.test(document.querySelector('#play').textContent);
  }, null, { timeout: 60_000, polling: 100 });

  await show(page, 'monitor');
  await page.selectOption('#monitor-speed', '1000x');
  await page.click('#monitor-play');
  await page.waitForFunction(() => [...document.querySelectorAll('#eval-table tr[data-metric]')]
    .some((r) => Number(r.dataset.windows) >= 2), null, { timeout: 30_000, polling: 100 });
  await page.click('#monitor-play');

  await show(page, 'checks');
  await page.setInputFiles('#reference-input', split.ref);
  await page.waitForSelector('#slot-reference .slot-name');
  await page.setInputFiles('#current-input', split.cur);
  await page.waitForSelector('#drift-table tbody tr');
  await page.click('#drift-table tbody tr[data-column="Total_Trans_Ct"]');
  await page.waitForSelector('#overlay-canvas');
}

const COMBOS = [
  { width: 1440, height: 900, theme: 'light', system: 'light' },
  { width: 1440, height: 900, theme: 'dark', system: 'dark' },
  { width: 390, height: 844, theme: 'light', system: 'light' },
  // Dark by the header's switch, over a light system.
  { width: 390, height: 844, theme: 'dark', system: 'light', pick: 'dark' },
];

for (const c of COMBOS) {
  const how = c.pick ? `${c.theme} (chosen in the header)` : `${c.theme} (system)`;
  test(`axe finds no WCAG 2.1 A/AA violation on any workspace, empty and loaded, at ${c.width} px, ${how}`, { timeout: 240_000 }, async () => {
    const context = await browser.newContext({
      viewport: { width: c.width, height: c.height },
      colorScheme: c.system,
      isMobile: c.width < 600,
      hasTouch: c.width < 600,
    });
    const watch = watchContext(context, server.origin);
    const page = await context.newPage();
    watch.attach(page);
    page.setDefaultTimeout(20_000);
    const problems = [];
    try {
      await gotoApp(page, server.url(), '#/distribution');
      if (c.pick) await page.selectOption('#theme-choice', c.pick);
      const dark = await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme);
      assert.equal(dark, c.theme, `the page's colour scheme is ${dark}, expected ${c.theme}`);
      for (const ws of WORKSPACES) {
        await show(page, ws);
        await check(page, ws, `empty, ${c.width} px, ${how}`, c.width, problems);
      }
      await loadAll(page);
      for (const ws of WORKSPACES) {
        await show(page, ws);
        await check(page, ws, `loaded, ${c.width} px, ${how}`, c.width, problems);
        if (ws === 'distribution') {
          // Scrolled sideways, the table keeps each row's column name in view.
          const stuck = await page.locator('#profile-table').evaluate((t) => {
            const wrap = t.closest('.table-wrap');
            wrap.scrollLeft = 400;
            const cell = t.querySelector('tbody tr td.name');
            const r = { scrolled: wrap.scrollLeft, gap: Math.round(cell.getBoundingClientRect().left - wrap.getBoundingClientRect().left) };
            wrap.scrollLeft = 0;
            return r;
          });
          if (stuck.scrolled > 0 && Math.abs(stuck.gap) > 2) problems.push(`distribution (${c.width} px): scrolled ${stuck.scrolled} px sideways, the name column moved ${stuck.gap} px off the table's edge`);
          if (c.width < 600 && stuck.scrolled === 0) problems.push('distribution (390 px): the profile table does not scroll sideways inside its box');
        }
        // The whole page in one window as tall as it (a full-page capture would drop the
        // touch emulation, and draw the sticky header and status line mid-page).
        for (let i = 0; i < 3; i++) {
          // Parts sized to the window (the table is 46vh) grow with it: measure again.
          const tall = Math.min(await page.evaluate(() => document.documentElement.scrollHeight), 8000);
          if (tall === page.viewportSize().height) break;
          await page.setViewportSize({ width: c.width, height: tall });
          await page.waitForTimeout(150);
        }
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, `a11y-${ws}-${c.width}-${c.theme}.png`) });
        await page.setViewportSize({ width: c.width, height: c.height });
      }
    } catch (e) {
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `FAILED-a11y-${c.width}-${c.theme}.png`), fullPage: true }).catch(() => {});
      throw e;
    } finally {
      await context.close();
    }
    problems.push(...watch.problems());
    assert.deepEqual(problems, [], problems.join('\n'));
  });
}

test('the header\'s theme switch overrides the system, redraws the charts, and is remembered across a reload', { timeout: 120_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
  const watch = watchContext(context, server.origin);
  const page = await context.newPage();
  watch.attach(page);
  page.setDefaultTimeout(20_000);
  const scheme = () => page.evaluate(() => ({
    scheme: getComputedStyle(document.documentElement).colorScheme,
    bg: getComputedStyle(document.body).backgroundColor,
    input: getComputedStyle(document.querySelector('#theme-choice')).backgroundColor,
    choice: document.querySelector('#theme-choice').value,
  }));
  // The histogram's background pixels: white in the light theme, #0d1117 in the dark.
  const histBg = async () => {
    const px = await readCanvasPixels(page, 'figure#fig-hist canvas', { light: '#ffffff', dark: '#0d1117' }, { tolerance: 2 });
    return px.counts.light > px.counts.dark ? 'light' : 'dark';
  };
  const waitHist = (want) => page.waitForFunction(([w]) => {
    const c = document.querySelector('figure#fig-hist canvas');
    if (!c || !c.width) return false;
    const d = c.getContext('2d').getImageData(2, 2, 1, 1).data;
    return w === 'light' ? d[0] > 240 && d[1] > 240 && d[2] > 240 : d[0] < 30 && d[1] < 30 && d[2] < 40;
  }, [want], { timeout: 10_000, polling: 50 });
  try {
    await gotoApp(page, server.url(), '#/distribution');
    let s = await scheme();
    assert.equal(s.choice, 'system');
    assert.equal(s.scheme, 'dark', 'with no choice made the page follows the dark system');
    await uploadAndWait(page, BANK);
    await page.click('table#profile-table tbody tr[data-column="Customer_Age"]');
    await waitHist('dark');
    assert.equal(await histBg(), 'dark');

    await page.selectOption('#theme-choice', 'light');
    await waitHist('light');
    s = await scheme();
    assert.equal(s.scheme, 'light');
    assert.equal(s.bg, 'rgb(255, 255, 255)');
    assert.equal(s.input, 'rgb(255, 255, 255)', 'form controls follow the chosen theme');
    assert.equal(await histBg(), 'light', 'the histogram is redrawn light');

    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('#theme-choice');
    s = await scheme();
    assert.equal(s.choice, 'light', 'the choice survives a reload');
    assert.equal(s.scheme, 'light');

    // Back to the system's (dark) preference; the stored choice is forgotten.
    await page.selectOption('#theme-choice', 'system');
    await page.waitForFunction(() => getComputedStyle(document.documentElement).colorScheme === 'dark');
    s = await scheme();
    assert.equal(s.bg, 'rgb(13, 17, 23)');
    assert.notEqual(s.input, 'rgb(255, 255, 255)', 'a dark theme\'s select is not drawn white');
    assert.equal(await page.evaluate(() => localStorage.getItem('pipescope-theme')), null);
  } catch (e) {
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'FAILED-a11y-theme-switch.png'), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await context.close();
  }
  assert.deepEqual(watch.problems(), []);
});

/** Code `code`'s [baseline, candidate] events in ErrorStreamSetA.csv (build 5.0007.510 is the older). */
function setATotals(code) {
  const t = [0, 0];
  for (const line of fs.readFileSync(SET_A, 'utf8').split(/\r?\n/)) {
    const [, build, c] = line.split(',');
    if (c === code) t[build.includes('.510.') ? 0 : 1] += 1;
  }
  return t;
}

/** Presses Tab (or Shift+Tab) until the focused element matches `selector`; fails after `max` presses. */
async function tabTo(page, selector, { back = false, max = 120 } = {}) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const at = await page.evaluate((sel) => {
      const el = document.activeElement;
      if (el?.matches(sel)) return null;
      return el ? `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.dataset?.skip ? `[data-skip=${el.dataset.skip}]` : ''}` : 'none';
    }, selector);
    if (at === null) return i + 1;
    seen.push(at);
  }
  throw new Error(`${max} presses of ${back ? 'Shift+Tab' : 'Tab'} never reached ${selector}; focus went ${seen.slice(-15).join(' → ')}`);
}

test('keyboard only: skip links come first, a file opens, a column\'s plots open, a heatmap row\'s figures read as text, an incident is acknowledged', { timeout: 180_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  const watch = watchContext(context, server.origin);
  const page = await context.newPage();
  watch.attach(page);
  // Playwright starts intercepting file choosers when a 'filechooser' listener is added,
  // without waiting for Chromium to confirm; a key pressed right after can beat it, and the
  // chooser then opens unseen. Listening from the start settles it long before the presses.
  page.on('filechooser', () => {});
  page.setDefaultTimeout(20_000);
  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el?.tagName.toLowerCase(), skip: el?.dataset?.skip ?? null, text: el?.textContent?.trim() ?? '', visible: !!el && el.getBoundingClientRect().left >= 0 };
  });
  try {
    await gotoApp(page, server.url(), '#/distribution');
    // The first Tab stops are the skip links, visible while focused.
    await page.keyboard.press('Tab');
    assert.deepEqual(await focused(), { tag: 'a', skip: 'workspace', text: 'Skip to the workspace', visible: true });
    await page.keyboard.press('Tab');
    assert.equal((await focused()).skip, 'table');
    await page.keyboard.press('Tab');
    assert.equal((await focused()).skip, 'plots');

    // Open BankChurners through the file input, reached and pressed with the keyboard.
    await tabTo(page, '#file-input');
    const prev = await page.evaluate(() => Number(document.body.dataset.loadSeq || 0));
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
    await chooser.setFiles(BANK);
    await page.waitForFunction((p) => Number(document.body.dataset.loadSeq || 0) > p, prev, { timeout: 60_000 });
    await waitForStatus(page, /Loaded\s+BankChurners\.csv/);

    // Tab to Customer_Age's row and open its plots with Enter.
    await tabTo(page, 'table#profile-table tbody tr[data-column="Customer_Age"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /^Customer_Age/.test(document.querySelector('figure#fig-box figcaption')?.textContent ?? ''));
    // Back to the skip links, then straight to the plots: the next Tab stop is inside them.
    await tabTo(page, 'a[data-skip="plots"]', { back: true });
    await page.keyboard.press('Enter');
    assert.ok(await page.evaluate(() => document.activeElement.matches('.plots')), 'the plots take focus');
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => !!document.activeElement.closest('.plots')), 'Tab goes on inside the plots');

    // Errors (Alt+3): open Set A, apply the whole stream, then acknowledge an incident (Alt+4).
    await page.keyboard.press('Alt+3');
    await page.waitForSelector('section[data-workspace="errors"]:not([hidden])');
    await tabTo(page, '#errors-file-input');
    const [errChooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
    await errChooser.setFiles(SET_A);
    await page.waitForSelector('#to-end');
    await tabTo(page, '#to-end');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => {
      const m = /^(\d+) \/ (\d+) events$/.exec(document.querySelector('#events-applied')?.textContent ?? '');
      return m && m[1] === m[2] && Number(m[2]) > 0;
    }, null, { timeout: 60_000, polling: 100 });
    // The heatmap's per-code figures, as text reached by keyboard: code 2 rose in Set A.
    await tabTo(page, '#heatmap-totals summary');
    await page.keyboard.press('Enter');
    const row = await page.locator('#heatmap-totals tbody tr[data-code="2"]').evaluate((tr) => [...tr.children].map((c) => c.textContent.trim()));
    const [base, cand] = setATotals('2');
    assert.equal(row[0], '2');
    assert.equal(Number(row[1].replace(/,/g, '')), base, `baseline total of code 2: ${row}`);
    assert.equal(Number(row[2].replace(/,/g, '')), cand, `candidate total of code 2: ${row}`);
    assert.match(row[3], /^\d+\.\d+ \[\d+\.\d+, [\d.]+\]$/, `ratio and interval: ${row}`);
    assert.match(row[4], /^yes/, `code 2's interval lies above 1: ${row}`);

    await page.keyboard.press('Alt+4');
    await page.waitForSelector('section[data-workspace="incidents"]:not([hidden]) .incident-card');
    await tabTo(page, '.incident-card button.ack');
    const uid = await page.evaluate(() => document.activeElement.closest('.incident-card').dataset.uid);
    await page.keyboard.press('Enter');
    await page.waitForFunction((u) => document.querySelector(`.incident-card[data-uid="${u}"]`)?.dataset.acknowledged === 'true', uid);
  } catch (e) {
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'FAILED-a11y-keyboard.png'), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await context.close();
  }
  assert.deepEqual(watch.problems(), []);
});
