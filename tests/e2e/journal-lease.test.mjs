// One writer per journal without Web Locks (issue 13 item 6). Web Locks exist only in secure
// contexts, so a page served over plain http from a LAN address has no `navigator.locks`;
// 127.0.0.1 is a secure context, so the API is removed before the page's scripts run. The
// journal must then fall back to its IndexedDB lease: one tab writes, the other is
// read-only with the same words as with Web Locks (said once, with the controls that would
// write switched off and explained), no event is lost, the reader takes over
// when the writer closes (at once) or stops renewing (after the lease runs out), and a
// writer frozen past its lease stops writing and says so.
import assert from 'node:assert/strict';
import { appSession, captureDownload, gotoApp, screenshot } from './harness.mjs';

const { test } = appSession({ hash: '#/monitor' });

const METRICS = ['energy_consumption', 'energy_price'];
/** The lease's lifetime in src/ui/journal/lock/lease.rs (TTL_MS). */
const LEASE_MS = 8_000;

/** Removes Web Locks from every page of `context`, as on a plain-http LAN address. */
async function withoutWebLocks(context) {
  await context.addInitScript(() => { delete Navigator.prototype.locks; });
}

async function openTab(context, watch, base) {
  const page = await context.newPage();
  watch.attach(page);
  page.setDefaultTimeout(20_000);
  await gotoApp(page, base, '#/monitor');
  await page.waitForSelector('#monitor-journal-status[data-status]', { state: 'attached' });
  return page;
}

/** Proves the page really runs without Web Locks. */
async function assertNoWebLocks(page) {
  const seen = await page.evaluate(() => ({ locks: typeof navigator.locks, has: 'locks' in navigator }));
  assert.equal(seen.locks, 'undefined', 'navigator.locks is gone');
  assert.equal(seen.has, false, "'locks' in navigator is false");
}

const journalStatus = (page) => page.getAttribute('#monitor-journal-status', 'data-status');
const clock = async (page) => Number(await page.getAttribute('#monitor-clock', 'data-ms'));

async function play(page, untilMs) {
  await page.click('#monitor-play');
  await page.waitForFunction((t) => Number(document.querySelector('#monitor-clock').dataset.ms) >= t, untilMs, { timeout: 30_000 });
  await page.click('#monitor-play'); // pause
}

async function exportNdjson(page) {
  if (!(await page.locator('#monitor-journal').evaluate((d) => d.open))) await page.click('#monitor-journal summary');
  return (await captureDownload(page, () => page.click('#monitor-journal-export-ndjson'))).text().trim().split('\n');
}

/** The controls that would add events to the journal. */
const WRITING_CONTROLS = ['#monitor-play', '#monitor-step', '#monitor-reset', '#inject'];

/** Checks that a tab that does not write says so once and offers no control that would
 *  write: each is off (aria-disabled, still focusable so its reason is read), explains why
 *  on hover (title) and on focus (aria-describedby to a visible note), and does nothing when
 *  pressed, nor does the `k` shortcut. */
async function assertReadOnlyControls(page, why) {
  // One warning, even with the Journal panel open (it used to repeat the banner).
  if (!(await page.locator('#monitor-journal').evaluate((d) => d.open))) await page.click('#monitor-journal summary');
  const warnings = await page.evaluate((re) => [...document.querySelectorAll('.banner, [role="alert"]')]
    .filter((e) => e.offsetParent !== null && new RegExp(re).test(e.innerText)).map((e) => e.id || e.className), why.source);
  assert.deepEqual(warnings, ['monitor-durability'], `one banner says why the tab does not write: ${JSON.stringify(warnings)}`);
  assert.equal(await page.getAttribute('#monitor-journal-status', 'data-status'), 'read-only');
  await page.click('#monitor-journal summary'); // closed again
  const note = page.locator('#monitor-read-only-note');
  assert.ok(await note.isVisible(), 'the reason is shown beside the controls');
  assert.match(await note.innerText(), /another pipescope tab writes this journal.*Start, Step, Inject and Reset are off/);
  for (const sel of WRITING_CONTROLS) {
    const c = page.locator(sel);
    assert.equal(await c.getAttribute('aria-disabled'), 'true', `${sel} is off`);
    assert.match(await c.getAttribute('title'), /another pipescope tab writes this journal/, `${sel} explains on hover`);
    assert.equal(await c.getAttribute('aria-describedby'), 'monitor-read-only-note', `${sel} explains on focus`);
    await c.focus();
    assert.equal(await page.evaluate(() => document.activeElement?.id), sel.slice(1), `${sel} can take focus`);
  }
  const t = await clock(page);
  const incidents = await page.getAttribute('#monitor-incidents', 'data-total');
  // Forced: Playwright waits for an aria-disabled control to be enabled; a user can press it.
  for (const sel of WRITING_CONTROLS) await page.click(sel, { force: true });
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('k');
  await page.waitForTimeout(800);
  assert.equal(await clock(page), t, 'Start, Step, Reset and k leave the clock where it was');
  assert.equal(await page.locator('#monitor-play').innerText().then((x) => x.includes('Start')), true, 'it did not start');
  assert.equal(await page.getAttribute('#monitor-incidents', 'data-total'), incidents, 'Inject added nothing');
  assert.match(await page.locator('#status').innerText(), /Read-only tab/, 'pressing one says why it did nothing');
}

/** Waits for the "Recovered N events" status after a reload and returns N. */
async function recovered(page) {
  await page.waitForFunction(() => /Recovered [\d,]+ events, stream time/.test(document.querySelector('#status')?.innerText || ''), null, { timeout: 30_000 });
  const status = await page.locator('#status').innerText();
  return Number(status.match(/Recovered ([\d,]+) events/)[1].replace(/,/g, ''));
}

test('without Web Locks one tab writes, the second is read-only, nothing is lost, and closing the writer hands over at once', { goto: false }, async ({ page, context, base, watch }) => {
  await withoutWebLocks(context);
  await gotoApp(page, base, '#/monitor');
  await page.waitForSelector('#monitor-journal-status[data-status]', { state: 'attached' });
  await assertNoWebLocks(page);
  assert.equal(await journalStatus(page), 'durable', 'the first tab writes');

  const second = await openTab(context, watch, base);
  await assertNoWebLocks(second);
  assert.equal(await journalStatus(second), 'read-only', 'the second tab does not write');
  // The same words as when a Web Lock says no.
  assert.match(await second.locator('#monitor-durability').innerText(), /another pipescope tab is writing this journal/);
  assert.equal(await page.locator('#monitor-durability').count(), 0, 'the writer shows no banner');
  assert.equal(await journalStatus(page), 'durable', 'the writer still writes');

  // The reader does not stream: its controls that would write are off, and say why.
  await play(page, 20_000);
  await assertReadOnlyControls(second, /another pipescope tab is writing/);
  await screenshot(second, 'journal-lease-read-only-controls');
  await page.waitForTimeout(500); // the writer's last flush lands
  const stopped = await clock(page);
  const written = await exportNdjson(page);
  await second.click('#monitor-journal summary');
  await screenshot(second, 'journal-lease-read-only');

  // Closing the writer tells the reader at once, not after the lease runs out.
  const closedAt = Date.now();
  await page.close();
  await second.waitForSelector('#monitor-durability .journal-takeover', { timeout: LEASE_MS + 10_000 });
  const handOver = Date.now() - closedAt;
  assert.ok(handOver < LEASE_MS / 2, `the reader heard of the close in ${handOver} ms, before the lease expired`);
  assert.match(await second.locator('#monitor-durability').innerText(), /has closed/);
  await second.click('#monitor-durability .journal-takeover');

  // After its reload it writes, and recovery restores exactly what the writer stored.
  const events = await recovered(second);
  assert.equal(events, written.length, 'every written event recovered');
  assert.equal(await second.locator('#monitor-durability').count(), 0, 'this tab writes now');
  assert.equal(await journalStatus(second), 'durable');
  const resumed = await clock(second);
  assert.ok(resumed <= stopped && resumed > stopped - 2_000, `clock ${resumed} vs ${stopped}`);
  assert.equal(events, METRICS.length * (Math.floor(resumed / 2_000) + 1), 'every tick of the writer\'s stream, none of the reader\'s');
  assert.deepEqual(await exportNdjson(second), written, 'the stored journal is the writer\'s, event for event');
  assert.equal(await second.getAttribute('#monitor-journal-recovery', 'data-clean'), 'true', 'recovery found nothing wrong');
});

test('without Web Locks a writer that stops renewing is replaced once its lease runs out, and a writer frozen past it stops writing and says so', { goto: false }, async ({ page, context, base, watch }) => {
  await withoutWebLocks(context);
  await gotoApp(page, base, '#/monitor');
  await page.waitForSelector('#monitor-journal-status[data-status]', { state: 'attached' });
  await assertNoWebLocks(page);
  assert.equal(await journalStatus(page), 'durable');
  await play(page, 10_000);
  await page.waitForTimeout(500);
  const first = await clock(page);

  const second = await openTab(context, watch, base);
  assert.equal(await journalStatus(second), 'read-only');

  // Freeze the writer: no timers, no heartbeat, no pagehide, as a background tab the
  // browser froze (or a crashed one). The reader may take over once the lease expires.
  // Paused in the debugger, because headless Chromium ignores Page.setWebLifecycleState;
  // it pauses at the next script it runs, the heartbeat at the latest.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Debugger.enable');
  await cdp.send('Debugger.pause');
  const frozenAt = Date.now();
  await second.waitForSelector('#monitor-durability .journal-takeover', { timeout: LEASE_MS + 15_000 });
  const waited = Date.now() - frozenAt;
  assert.ok(waited >= LEASE_MS - 3_000, `the reader waited ${waited} ms, for the lease to run out`);
  await second.click('#monitor-durability .journal-takeover');
  const events = await recovered(second);
  const resumed = await clock(second);
  assert.ok(resumed <= first && resumed > first - 2_000, `clock ${resumed} vs ${first}`);
  assert.equal(events, METRICS.length * (Math.floor(resumed / 2_000) + 1), 'the frozen writer\'s events recovered');
  assert.equal(await journalStatus(second), 'durable', 'the reader writes now');
  await play(second, first + 20_000);
  await second.waitForTimeout(500);
  const secondStopped = await clock(second);
  const written = await exportNdjson(second);

  // The old writer wakes up: it must find it lost its place before it writes anything.
  await cdp.send('Debugger.resume');
  await page.waitForFunction(() => document.querySelector('#monitor-journal-status')?.dataset.status === 'read-only', null, { timeout: 10_000 });
  assert.match(await page.locator('#monitor-durability').innerText(), /took over writing this journal[^]*has stopped writing/);
  await screenshot(page, 'journal-lease-lost');
  // It no longer streams: nothing it could add may reach the disk.
  await assertReadOnlyControls(page, /took over writing this journal/);

  // And the new writer's journal recovers whole: the woken tab did not write over it.
  await page.close();
  await second.reload();
  await second.waitForSelector('#monitor-journal-status[data-status]', { state: 'attached' });
  assert.equal(await recovered(second), written.length, 'every event the new writer stored');
  const again = await clock(second);
  assert.ok(again <= secondStopped && again > secondStopped - 2_000, `clock ${again} vs ${secondStopped}`);
  assert.deepEqual(await exportNdjson(second), written, 'the new writer\'s journal, event for event');
  assert.equal(await journalStatus(second), 'durable');
  assert.equal(await second.getAttribute('#monitor-journal-recovery', 'data-clean'), 'true');
});
