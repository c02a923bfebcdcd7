// Crash recovery of the Errors workspace, end to end (issue 5): ErrorStreamSetA.csv replays,
// the browser is SIGKILLed mid-run at a high speed (no graceful close) right after reading
// what the page showed, the same profile is launched again, and the recovered page must be
// at or after what was shown (write-ahead: nothing is judged before it is on disk) and show what an uninterrupted run of the same file (a fresh
// profile, seeked to the same stream time) shows: the alerts, the heatmap's counts and
// pixels, the incident cards. Both then play to the end and must still agree. A second
// test switches storage off or makes it full: the banner says so and the replay goes on.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import {
  DIST, closeLeftBrowsers, gotoApp, killBrowser, launchPersistent, readCanvasPixels, screenshot, startServer,
  tempDir, watchContext,
} from './harness.mjs';

const SET_A = fileURLToPath(new URL('../../../shared/data/ErrorStreamSetA.csv', import.meta.url));

/** Stream seconds of every event of the file (H:MM:SS, no header). */
const SECONDS = fs.readFileSync(SET_A, 'utf8').split(/\r?\n/).filter(Boolean).map((line) => {
  const [h, m, s] = line.split(',')[0].split(':').map(Number);
  return h * 3600 + m * 60 + s;
});
const LAST_S = Math.max(...SECONDS);
/** The same, in the time order the workspace replays them. */
const SORTED = [...SECONDS].sort((a, b) => a - b);
/** `H:MM:SS` as seconds. */
const secondsOf = (clock) => clock.split(':').map(Number).reduce((t, x) => t * 60 + x, 0);

let server;
let work;
before(async () => {
  await fsp.access(path.join(DIST, 'index.html')).catch(() => {
    throw new Error(`${DIST}/index.html is missing: run \`make build\` (trunk build index.html --release) first`);
  });
  server = await startServer();
  work = await tempDir('pipescope-errj-');
});
// Browsers still open when a test ends (it failed half-way) are closed, so none outlives it
// and a failure is reported instead of hanging the run.
const track = closeLeftBrowsers();
after(async () => {
  await server?.close();
  if (work) await fsp.rm(work, { recursive: true, force: true });
});

/** A browser on the profile `work/name` with its page at the Errors workspace and the
 *  journal opened (its panel is there). `query` goes before the hash (`?journal=off`). */
async function openErrors(name, query = '') {
  const context = track(await launchPersistent(path.join(work, name)));
  const watch = watchContext(context, server.origin);
  const page = context.pages()[0] ?? await context.newPage();
  watch.attach(page);
  page.setDefaultTimeout(20_000);
  await gotoApp(page, server.url() + query, '#/errors');
  await page.waitForSelector('#errors-journal', { state: 'attached' });
  return { context, page, watch };
}

function assertClean(watch, what) {
  const problems = watch.problems();
  assert.deepEqual(problems, [], `${what} broke the rules:\n  ${problems.join('\n  ')}`);
}

const positionOf = (page) => page.locator('#seek').inputValue().then(Number);
const playing = (page) => page.locator('#play').innerText().then((t) => t.includes('Pause'));

/** Opens the file; the workspace starts playing it at once. */
async function openFile(page) {
  await page.setInputFiles('#errors-file-input', SET_A);
  await page.waitForSelector('#heatmap');
}

/** Stalls the journal's disk: a read-write transaction on its stores that never ends, so
 *  every flush the page starts from now on waits behind it (as on a slow or busy disk). */
async function stallDisk(page) {
  await page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('pipescope-errors');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const tx = req.result.transaction(['segments', 'slots'], 'readwrite');
      tx.onerror = () => reject(tx.error);
      const slots = tx.objectStore('slots');
      // A transaction lives while it has a request pending; this one always has one.
      const spin = () => { slots.get(0).onsuccess = spin; };
      slots.get(0).onsuccess = () => { spin(); resolve(); };
    };
  }));
}

async function seekTo(page, seconds) {
  await page.locator('#seek').evaluate((el, s) => {
    el.value = String(s);
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, seconds);
}

/** Plays at max speed until every event is in and the player stopped. */
async function playToEnd(page) {
  await page.selectOption('#speed', 'max');
  if (!(await playing(page))) await page.click('#play');
  await page.waitForFunction(() => {
    const m = /^(\d+) \/ (\d+) events$/.exec(document.querySelector('#events-applied')?.textContent ?? '');
    return m && m[1] === m[2] && !/Pause/.test(document.querySelector('#play').textContent);
  }, null, { timeout: 60_000, polling: 100 });
}

/** Everything the workspace shows of the analysis, as plain data. */
async function analysis(page) {
  const dom = await page.evaluate(() => {
    const q = (s) => document.querySelector(s);
    const heat = q('#heatmap');
    return {
      clock: q('#stream-time').textContent,
      applied: q('#events-applied').textContent,
      alertCount: q('#alert-count').textContent,
      alerts: [...document.querySelectorAll('#alerts-table tbody tr[data-code]')]
        .map((tr) => [tr.dataset.state, ...[...tr.cells].map((c) => c.textContent)].join(' | ')),
      plain: q('#alerts-plain').textContent,
      heatmap: {
        shape: q('#heatmap-shape').textContent,
        rows: heat.dataset.rows,
        rowSums: heat.dataset.rowSums,
        digest: heat.dataset.digest,
      },
      incidents: [...document.querySelectorAll('.incident-card[data-source="errors"]')].map((c) => ({
        severity: c.dataset.severity,
        state: c.dataset.state,
        text: c.textContent,
        spark: c.querySelector('polyline')?.getAttribute('points') ?? null,
      })),
    };
  });
  dom.pixels = (await readCanvasPixels(page, '#heatmap')).hash;
  return dom;
}

function assertSameAnalysis(actual, expected, what) {
  assert.equal(actual.clock, expected.clock, `${what}: stream time`);
  assert.equal(actual.applied, expected.applied, `${what}: events applied`);
  assert.deepEqual(actual.alerts, expected.alerts, `${what}: alerts`);
  assert.equal(actual.alertCount, expected.alertCount, `${what}: alert count`);
  assert.equal(actual.plain, expected.plain, `${what}: alerts in the original format`);
  assert.deepEqual(actual.heatmap, expected.heatmap, `${what}: heatmap counts`);
  // Whole cards, sparkline and "what decided the severity" included: the Errors engine keeps
  // each alert's figures per bin, so a run that played through (the recovered one keeps its
  // book in the checkpoint) and one that seeked there in one jump fold the same history.
  assert.deepEqual(actual.incidents, expected.incidents, `${what}: incident cards`);
  assert.equal(actual.pixels, expected.pixels, `${what}: heatmap pixels`);
}

test('an error stream killed mid-run recovers to what an uninterrupted run shows, and goes on to the same end', { timeout: 300_000 }, async () => {
  // The crashing run at the default 60x: past the third golden alert (0:05:02) and at least
  // one periodic checkpoint (every 5 s of wall time).
  const crash = await openErrors('profile-crash');
  await openFile(crash.page);
  await crash.page.waitForFunction(() => Number(document.querySelector('#seek').value) >= 600
    && document.querySelectorAll('#alerts-table tr[data-code]').length >= 3, null, { timeout: 60_000, polling: 50 });
  // Then 1000x, each frame pulling dozens of events, with the disk stalled for 0.7 s: a
  // page that counted events before the disk held them would be caught far ahead of its
  // journal. What the page shows is read while it plays and the browser is killed right
  // after, with no pause or wait between.
  await crash.page.selectOption('#speed', '1000x');
  await stallDisk(crash.page);
  await crash.page.waitForTimeout(700);
  assertClean(crash.watch, 'the run before the crash');
  const shown = await crash.page.evaluate(() => ({
    playing: /Pause/.test(document.querySelector('#play').textContent),
    applied: Number(/^(\d+) \//.exec(document.querySelector('#events-applied').textContent)[1]),
    clock: document.querySelector('#stream-time').textContent.split(' / ')[0],
    alerts: [...document.querySelectorAll('#alerts-table tbody tr[data-code]')]
      .map((tr) => [...tr.cells].slice(0, 4).map((c) => c.textContent).join(' | ')),
  }));
  await killBrowser(crash.context);
  assert.ok(shown.playing, 'still playing when killed');
  assert.ok(shown.applied > 0 && secondsOf(shown.clock) < LAST_S, `killed mid-run: ${JSON.stringify(shown)}`);
  // The last event the page had judged, and the time of it.
  const lastShownS = SORTED[shown.applied - 1];

  const again = await openErrors('profile-crash');
  await again.page.waitForFunction(() => /Recovered [\d,]+ events, stream time/.test(document.querySelector('#status')?.textContent || ''), null, { timeout: 60_000, polling: 50 });
  const status = await again.page.locator('#status').textContent();
  const [, n, clock] = status.match(/Recovered ([\d,]+) events, stream time (\d+:\d\d:\d\d)/);
  const events = Number(n.replace(/,/g, ''));
  const t = await positionOf(again.page);
  assert.ok(!(await playing(again.page)), 'recovered paused');
  assert.equal(await again.page.locator('#stream-time').textContent().then((s) => s.split(' / ')[0]), clock);
  // Never behind what the user saw: every event counted on screen came back (the clock may
  // have shown up to one tick past the last of them; no record holds a clock move alone).
  assert.ok(events >= shown.applied, `${shown.applied} events shown before the kill, ${status}`);
  assert.ok(t >= lastShownS && t < LAST_S, `the page showed ${shown.clock} with its last event at ${lastShownS} s, recovered ${t} s (${status})`);
  // Every stored event once: neither skipped nor applied twice.
  assert.equal(events, SECONDS.filter((s) => s <= t).length, `every event up to ${clock}: ${status}`);
  assert.equal(await again.page.locator('[data-workspace="errors"] .dataset-name').textContent(), 'ErrorStreamSetA.csv');
  const recovered = await analysis(again.page);
  assert.equal(recovered.applied, `${events} / ${SECONDS.length} events`);
  assert.ok(recovered.alerts.length >= 3, `the alerts survived: ${recovered.alerts}`);
  // Every alert shown before the kill that those events raised is back (code, method, raised
  // at, start; an open alert's stop and counts move on).
  const recoveredAlerts = recovered.alerts.map((a) => a.split(' | ').slice(1, 5).join(' | '));
  for (const a of shown.alerts.filter((a) => secondsOf(a.split(' | ')[2]) <= lastShownS)) {
    assert.ok(recoveredAlerts.includes(a), `the alert ${a} shown before the kill is recovered: ${recoveredAlerts.join('; ')}`);
  }
  assert.ok(recovered.incidents.length >= 3, 'the incidents survived');
  assert.ok(recovered.incidents.every((i) => i.spark), 'the incidents kept their history (sparklines) across the crash');
  await screenshot(again.page, 'errors-journal-recovered');

  // A second tab on the same profile shows the stored stream read-only and says so.
  const second = await again.context.newPage();
  again.watch.attach(second);
  await gotoApp(second, server.url(), '#/errors');
  await second.waitForSelector('#errors-durability');
  assert.match(await second.locator('#errors-durability').textContent(), /another pipescope tab is writing/);
  assert.equal(await second.locator('#events-applied').textContent(), recovered.applied);
  await second.close();

  // The same file, uninterrupted, in a fresh profile, seeked to the recovered stream time.
  const fresh = await openErrors('profile-fresh');
  assert.equal(await fresh.page.locator('#heatmap').count(), 0, 'a fresh profile has no stream to recover');
  await openFile(fresh.page);
  if (await playing(fresh.page)) await fresh.page.click('#play');
  await seekTo(fresh.page, t);
  // The clock shows the seek once the journal has the events on disk and they are judged.
  await fresh.page.waitForFunction((c) => document.querySelector('#stream-time').textContent.startsWith(`${c} /`), clock);
  assertSameAnalysis(recovered, await analysis(fresh.page), `recovered vs uninterrupted at ${clock}`);

  // Both go on to the end of the file and still agree.
  await playToEnd(again.page);
  await playToEnd(fresh.page);
  const againEnd = await analysis(again.page);
  const freshEnd = await analysis(fresh.page);
  assert.equal(againEnd.applied, `${SECONDS.length} / ${SECONDS.length} events`);
  assertSameAnalysis(againEnd, freshEnd, 'recovered vs uninterrupted at the end');
  const codes = [...new Set(againEnd.alerts.map((a) => a.split(' | ')[1]))].sort();
  assert.deepEqual(codes, ['2', '3', '4'], 'the golden codes of ErrorStreamSetA.csv');
  await screenshot(again.page, 'errors-journal-end');
  assertClean(again.watch, 'the recovered run');
  assertClean(fresh.watch, 'the uninterrupted run');
  await again.context.close();
  await fresh.context.close();
});

test('storage switched off or full: the banner says durability is off and the replay goes on', { timeout: 180_000 }, async () => {
  // Off, as in private browsing with storage disabled.
  const off = await openErrors('profile-off', '?journal=off');
  await off.page.waitForSelector('#errors-durability');
  assert.match(await off.page.locator('#errors-durability').textContent(), /switched off/);
  await openFile(off.page);
  await playToEnd(off.page);
  const offEnd = await analysis(off.page);
  assert.deepEqual([...new Set(offEnd.alerts.map((a) => a.split(' | ')[1]))].sort(), ['2', '3', '4']);
  await off.context.close();

  // A quota smaller than the stored file: the first flush fails whole, the banner says so,
  // and the stream runs on in memory to the same end.
  const full = await openErrors('profile-full', '?journal=quota:100000');
  assert.equal(await full.page.locator('#errors-durability').count(), 0, 'durable until storage fills');
  await openFile(full.page);
  await full.page.waitForSelector('#errors-durability', { timeout: 30_000 });
  assert.match(await full.page.locator('#errors-durability').textContent(), /Durability is off/);
  const before = await positionOf(full.page);
  await full.page.waitForFunction((s) => Number(document.querySelector('#seek').value) > s + 30, before, { timeout: 30_000 });
  await screenshot(full.page, 'errors-journal-quota-banner');
  await playToEnd(full.page);
  const fullEnd = await analysis(full.page);
  assert.deepEqual(fullEnd.alerts, offEnd.alerts, 'the same alerts as without a journal');
  assert.deepEqual(fullEnd.heatmap, offEnd.heatmap, 'the same heatmap as without a journal');
  assertClean(full.watch, 'the run with storage full');
  assertClean(off.watch, 'the run with storage off');
  await full.context.close();

  // What the failed flush held never reached the disk (a transaction aborts whole), so
  // the next start finds nothing to recover and nothing damaged.
  const reopened = await openErrors('profile-full');
  await reopened.page.waitForTimeout(500);
  assert.equal(await reopened.page.locator('#heatmap').count(), 0, 'no stream recovered');
  assert.equal(await reopened.page.locator('#errors-error').count(), 0, 'no recovery error');
  await reopened.context.close();
});

test('a damaged stored file is reported, and the workspace starts fresh', { timeout: 120_000 }, async () => {
  const { context, page, watch } = await openErrors('profile-damaged');
  await openFile(page);
  await page.waitForFunction(() => Number(document.querySelector('#seek').value) >= 120, null, { timeout: 30_000 });
  await page.click('#play'); // pause: the checkpoint goes to disk with the next flush
  await page.waitForTimeout(500);
  // Flip one byte in the middle of the stored copy of the file (IndexedDB slot 2).
  await page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('pipescope-errors');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction('slots', 'readwrite');
      const slots = tx.objectStore('slots');
      const get = slots.get(2);
      get.onsuccess = () => {
        const bytes = new Uint8Array(get.result);
        bytes[bytes.length >> 1] ^= 0x20;
        slots.put(bytes, 2);
      };
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }));
  await page.reload();
  await page.waitForSelector('#errors-error');
  assert.match(await page.locator('#errors-error').textContent(),
    /Journal: the stored stream could not be recovered: the stored copy of the replayed file is damaged .*Starting fresh\./);
  assert.equal(await page.locator('#heatmap').count(), 0, 'nothing half-recovered on screen');
  // Starting fresh cleared the journal: the next start is clean.
  await page.waitForTimeout(500);
  await page.reload();
  await page.waitForSelector('#errors-journal', { state: 'attached' });
  assert.equal(await page.locator('#errors-error').count(), 0);
  assert.equal(await page.locator('#heatmap').count(), 0);
  // And a new stream works.
  await openFile(page);
  await page.waitForFunction(() => Number(document.querySelector('#seek').value) >= 30, null, { timeout: 30_000 });
  assertClean(watch, 'the damaged-file run');
  await context.close();
});
