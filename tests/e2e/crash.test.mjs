// Crash recovery of the Monitor, end to end (issue 5, "Done when"): a stream runs, the
// browser is SIGKILLed mid-run (no graceful close: what a browser crash leaves behind),
// the same profile is launched again, and what the page shows is checked against an
// uninterrupted run of the same events in a fresh profile: the clock, the incidents (id,
// severity, state), the anomaly log with each anomaly's incident, per-metric anomaly totals,
// the chart counts and pixels, and the evaluation table. A replayed file must then go on
// to its end and still agree; the simulator must go on from the recovered clock.
// (Storage failing while a stream runs is journal.test.mjs's.)
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  DIST, captureDownload, closeLeftBrowsers, gotoApp, killBrowser, launchPersistent, readCanvasPixels,
  screenshot, startServer, tempDir, watchContext,
} from './harness.mjs';

const T0 = Date.UTC(2026, 10, 2, 8, 0, 0); // 2026-11-02 08:00:00 UTC
const ROWS = 3600; // one hour at 1 s
const END = T0 + (ROWS - 1) * 1000;
const METRICS = ['cpu', 'latency_ms', 'queue_depth'];
/** The planted faults, in seconds from the file's start. */
const SPIKE = { from: 1500, to: 1620 }; // cpu and latency together: prolonged
const LATE_SPIKE = { from: 2800, to: 2870 }; // queue_depth alone: the second kill lands in it

/** Deterministic noise in [-0.5, 0.5). */
function noise(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** An hour of three metrics at 1 s steps: a 60 s wave, a 5 min wave and a slow ramp, with a
 *  two-minute spike on cpu and latency at 25:00 and a late one on queue_depth at 46:40. */
function pipelineCsv() {
  const rnd = noise(2026);
  const lines = ['timestamp,' + METRICS.join(',')];
  for (let s = 0; s < ROWS; s++) {
    const spike = s >= SPIKE.from && s < SPIKE.to;
    const late = s >= LATE_SPIKE.from && s < LATE_SPIKE.to;
    const cpu = 50 + 10 * Math.sin((2 * Math.PI * s) / 60) + rnd() + (spike ? 45 : 0);
    const latency = 120 + 15 * Math.sin((2 * Math.PI * s) / 300) + 4 * rnd() + (spike ? 150 : 0);
    const queue = 20 + 0.002 * s + 0.5 * rnd() + (late ? 30 : 0);
    lines.push(`${new Date(T0 + s * 1000).toISOString()},${cpu.toFixed(3)},${latency.toFixed(3)},${queue.toFixed(3)}`);
  }
  return lines.join('\n') + '\n';
}

let server;
let work;
let csvPath;
before(async () => {
  await fsp.access(path.join(DIST, 'index.html')).catch(() => {
    throw new Error(`${DIST}/index.html is missing: run \`make build\` (trunk build index.html --release) first`);
  });
  server = await startServer();
  work = await tempDir('pipescope-crash-');
  csvPath = path.join(work, 'pipeline.csv');
  await fsp.writeFile(csvPath, pipelineCsv());
});
// Browsers still open when a test ends (it failed half-way) are closed, so none outlives it.
const track = closeLeftBrowsers();
after(async () => {
  await server?.close();
  if (work) await fsp.rm(work, { recursive: true, force: true });
});

/** A browser on the profile in `work/name`, watched for off-origin requests and console
 *  errors, with its page at the Monitor and the journal opened. */
async function openMonitor(name) {
  const context = await launchPersistent(path.join(work, name));
  track(context);
  const watch = watchContext(context, server.origin);
  const page = context.pages()[0] ?? await context.newPage();
  watch.attach(page);
  page.setDefaultTimeout(20_000);
  await gotoApp(page, server.url(), '#/monitor');
  await page.waitForSelector('#monitor-journal', { state: 'attached' });
  return { context, page, watch };
}

/** Fails with every rule a session broke (requests off the origin, console or page errors). */
function assertClean(watch, what) {
  const problems = watch.problems();
  assert.deepEqual(problems, [], `${what} broke the rules:\n  ${problems.join('\n  ')}`);
}

/** Seconds of a stream clock as the page writes it: `m:ss` or `h:mm:ss`. */
const streamSeconds = (text) => text.trim().split(':').reduce((a, p) => a * 60 + Number(p), 0);

/** A file clock as the test reports it: seconds from the file's first row. */
const clockText = (ms) => `${(ms - T0) / 1000} s`;

const clockOf = (page) => page.evaluate(() => Number(document.querySelector('#monitor-clock').dataset.ms));

/** Waits for "Recovered N events, stream time T" and returns N and the status text. */
async function recovered(page) {
  try {
    await page.waitForFunction(() => /Recovered [\d,]+ events, stream time/.test(document.querySelector('#status')?.innerText || ''), null, { timeout: 60_000, polling: 50 });
  } catch {
    throw new Error(`no recovery message; #status says ${JSON.stringify(await page.locator('#status').innerText().catch(() => null))}`);
  }
  const status = await page.locator('#status').innerText();
  return { status, events: Number(status.match(/Recovered ([\d,]+) events/)[1].replace(/,/g, '')) };
}

/** Everything the Monitor shows of the analysis, as plain data. */
async function snapshot(page) {
  const dom = await page.evaluate(() => {
    const q = (s) => document.querySelector(s);
    const inc = q('#monitor-incidents');
    return {
      clock: Number(q('#monitor-clock').dataset.ms),
      clockText: q('#monitor-clock').innerText,
      incidents: {
        open: inc.dataset.open,
        total: inc.dataset.total,
        worst: inc.dataset.severity,
        list: [...inc.querySelectorAll('li')].map((li) => `#${li.dataset.id} severity ${li.dataset.severity} ${li.dataset.state}`),
        anomalyLog: inc.querySelector('.anomaly-log .muted')?.innerText,
      },
      charts: [...document.querySelectorAll('canvas[data-metric]')].map((c) => ({
        metric: c.dataset.metric, points: c.dataset.points, anomalies: c.dataset.anomalies, trained: c.dataset.trained,
      })),
      eval: [...document.querySelectorAll('#eval-table tbody tr')].map((tr) => ({
        metric: tr.dataset.metric, windows: tr.dataset.windows, mae: tr.dataset.mae, mape: tr.dataset.mape,
        anomalies: tr.dataset.anomalies, cells: [...tr.cells].slice(0, 7).map((c) => c.innerText),
      })),
    };
  });
  // What was drawn: a hash of every chart's pixels.
  dom.pixels = {};
  for (const c of dom.charts) {
    dom.pixels[c.metric] = (await readCanvasPixels(page, `canvas[data-metric="${c.metric}"]`)).hash;
  }
  // Every anomaly with its values, band, score and incident, as the page exports it.
  dom.anomalies = JSON.parse((await captureDownload(page, () => page.click('#anomaly-log-json'))).text());
  return dom;
}

/** Compares two snapshots part by part, so a failure names what differs. */
function assertSameAnalysis(actual, expected, what) {
  assert.equal(actual.clock, expected.clock, `${what}: stream time`);
  assert.deepEqual(actual.incidents, expected.incidents, `${what}: incidents`);
  assert.deepEqual(actual.eval, expected.eval, `${what}: evaluation table and anomaly totals`);
  assert.deepEqual(actual.charts, expected.charts, `${what}: chart counts`);
  assert.equal(actual.anomalies.length, expected.anomalies.length, `${what}: anomalies in the log`);
  assert.deepEqual(actual.anomalies, expected.anomalies, `${what}: the anomaly log`);
  assert.deepEqual(actual.pixels, expected.pixels, `${what}: chart pixels`);
}

async function setSpeed(page, speed) {
  await page.selectOption('#monitor-speed', speed);
}

const playing = (page) => page.locator('#monitor-play').innerText().then((t) => t.includes('Pause'));

/** Plays at max speed until the player stops by itself; returns the clock. */
async function playToEnd(page) {
  await setSpeed(page, 'max');
  if (!(await playing(page))) await page.click('#monitor-play');
  await page.waitForFunction(() => document.querySelector('#monitor-play').innerText.includes('Start'), null, { timeout: 60_000, polling: 50 });
  // The clock shows what has been judged, and the last rows are judged once on disk.
  await page.waitForFunction((end) => Number(document.querySelector('#monitor-clock').dataset.ms) === end, END, { timeout: 10_000, polling: 50 }).catch(() => {});
  return clockOf(page);
}

/** Runs the page's stream at 100x until the clock passes `untilS` seconds of the file with
 *  an incident on screen, then SIGKILLs the browser; returns the last clock read. */
async function runThenKill(session, untilS) {
  await setSpeed(session.page, '100x');
  if (!(await playing(session.page))) await session.page.click('#monitor-play');
  await session.page.waitForFunction((t) => Number(document.querySelector('#monitor-clock').dataset.ms) >= t
    && Number(document.querySelector('#monitor-incidents').dataset.total) >= 1, T0 + untilS * 1000, { timeout: 60_000, polling: 50 });
  const seen = await clockOf(session.page);
  const readAt = Date.now();
  assert.ok(seen < END, 'the kill lands before the end of the file');
  assertClean(session.watch, 'the run before the crash');
  await killBrowser(session.context);
  return { seen, killedAfterMs: Date.now() - readAt };
}

/** Relaunches the crashed profile and checks the recovery itself: the file is back, the
 *  clock on a row, every stored event applied once. Returns, as `lost`, a message when rows
 *  the page had shown before the kill (up to `seen`) did not come back, else null. */
async function relaunch(profile, { seen, killedAfterMs }, shotName) {
  const session = await openMonitor(profile);
  const { status, events } = await recovered(session.page);
  const snap = await snapshot(session.page);
  const at = snap.clock;
  await screenshot(session.page, shotName);
  assert.match(await session.page.locator('#monitor-source-name').innerText(), /pipeline\.csv · 3 metric\(s\) · 3,600 rows/, 'the replayed file is back');
  assert.ok(at >= T0 && at < END && (at - T0) % 1000 === 0, `the clock is on a row of the file: ${at} (${status})`);
  // Every stored row once: recovery neither skips an event nor applies one twice.
  assert.equal(events, METRICS.length * ((at - T0) / 1000 + 1), `every event up to the recovered clock: ${status}`);
  // Rows are 1 s apart: the last row the page had judged when the clock was read.
  const shown = T0 + Math.floor((seen - T0) / 1000) * 1000;
  const lost = at < shown && `the clock read ${clockText(seen)} before the kill (row ${(shown - T0) / 1000} s judged), `
    + `but it came back at ${clockText(at)}: ${(shown - at) / 1000} rows (${METRICS.length * (shown - at) / 1000} events) the page had judged were not on disk when it was killed ${killedAfterMs} ms later (${status})`;
  return { session, snap, status, lost };
}

/** Moves a paused file replay forward to exactly stream time `ms` with the seek slider. */
async function seekTo(page, ms) {
  await page.locator('#monitor-seek').evaluate((el, s) => {
    el.value = String(s);
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, ms / 1000);
  // The rows the seek read are judged once IndexedDB holds them: wait for the clock.
  await page.waitForFunction((t) => Number(document.querySelector('#monitor-clock').dataset.ms) === t, ms, { timeout: 10_000, polling: 50 }).catch(() => {});
  assert.equal(await clockOf(page), ms, 'the seek reached the stream time');
}

test('a file replay killed mid-run, twice, recovers to what an uninterrupted run shows, and goes on to the same end', { timeout: 300_000 }, async (t) => {
  // The crashing run: 100x, so the hour takes 36 s and the kills land mid-file.
  const crash = await openMonitor('profile-file');
  await setSpeed(crash.page, '100x');
  await crash.page.setInputFiles('#monitor-file-input', csvPath);
  await crash.page.waitForFunction(() => document.querySelector('#monitor-source-name')?.innerText.includes('pipeline.csv'));
  // First kill: past the planted spike, with the incident it opened on screen.
  const kill1 = await runThenKill(crash, SPIKE.to + 60);
  const first = await relaunch('profile-file', kill1, 'crash-file-recovered');
  // What the page judged before the kill must come back; checked at the end, so that a
  // loss does not hide whether the rest agrees.
  const lost = [first.lost];
  assert.ok(first.snap.incidents.list.length >= 1, 'the spike\'s incident survived the crash');

  // The same file, uninterrupted, in a fresh profile, taken to exactly the same stream time.
  const fresh = await openMonitor('profile-fresh');
  await setSpeed(fresh.page, '1x');
  await fresh.page.setInputFiles('#monitor-file-input', csvPath);
  await fresh.page.waitForFunction(() => document.querySelector('#monitor-source-name')?.innerText.includes('pipeline.csv'));
  if (await playing(fresh.page)) await fresh.page.click('#monitor-play');
  await seekTo(fresh.page, first.snap.clock);
  assertSameAnalysis(first.snap, await snapshot(fresh.page), `recovered vs uninterrupted at ${first.snap.clockText}`);
  t.diagnostic(`first kill at ${clockText(kill1.seen)}; ${first.status}; ${first.snap.incidents.list.length} incident(s), ${first.snap.anomalies.length} anomalies, equal to the uninterrupted run`);

  // Second kill: the recovered session goes on with the file into the late spike and is
  // killed there; what it journaled after the recovery must come back too.
  const kill2 = await runThenKill(first.session, LATE_SPIKE.from + 30);
  assert.ok(kill2.seen > first.snap.clock, 'the recovered session went on before the second kill');
  const second = await relaunch('profile-file', kill2, 'crash-file-recovered-twice');
  lost.push(second.lost);
  await seekTo(fresh.page, second.snap.clock);
  assertSameAnalysis(second.snap, await snapshot(fresh.page), `recovered twice vs uninterrupted at ${second.snap.clockText}`);
  t.diagnostic(`second kill at ${clockText(kill2.seen)}; ${second.status}; ${second.snap.incidents.list.length} incident(s), ${second.snap.anomalies.length} anomalies, equal`);

  // Both go on to the end of the file and still agree.
  const freshEnd = await playToEnd(fresh.page);
  assert.equal(freshEnd, END, 'the uninterrupted run reaches the last row');
  const again = second.session;
  const againEnd = await playToEnd(again.page);
  await screenshot(again.page, 'crash-file-recovered-to-end');
  assert.equal(againEnd, END, `the recovered page goes on with the file from ${second.snap.clockText} to its last row (it stopped at ${againEnd}; source shows ${JSON.stringify(await again.page.locator('#monitor-source-name').innerText())})`);
  const endAgain = await snapshot(again.page);
  assertSameAnalysis(endAgain, await snapshot(fresh.page), 'recovered vs uninterrupted at the end of the file');
  t.diagnostic(`at the end: ${endAgain.incidents.list.length} incident(s), ${endAgain.anomalies.length} anomalies, equal`);

  assertClean(again.watch, 'the twice-recovered session');
  assertClean(fresh.watch, 'the uninterrupted session');
  await again.context.close();
  await fresh.context.close();
  if (lost.some(Boolean)) assert.fail(lost.filter(Boolean).join('; '));
});

test('the simulator killed mid-run recovers every incident it showed and goes on from the recovered clock', { timeout: 300_000 }, async (t) => {
  const crash = await openMonitor('profile-sim');
  const { page } = crash;
  // Past training, then a prolonged spike on one metric (1000x, not max: max runs hours of
  // stream time before the wait notices).
  await setSpeed(page, '1000x');
  await page.click('#monitor-play');
  await page.waitForFunction(() => Number(document.querySelector('#monitor-clock').dataset.ms) >= 600_000, null, { timeout: 60_000 });
  await setSpeed(page, '100x');
  await page.selectOption('#inject-kind', 'prolonged-spike');
  await page.selectOption('#inject-metric', 'energy_consumption');
  await page.click('#inject');
  await page.waitForSelector('#monitor-incidents[data-open="1"]', { timeout: 60_000 });
  // Then fast again, and the kill lands while the stream runs flat out.
  await setSpeed(page, 'max');
  const t1 = await clockOf(page);
  await page.waitForFunction((t) => Number(document.querySelector('#monitor-clock').dataset.ms) > t + 120_000, t1, { timeout: 60_000 });
  const before = await page.evaluate(() => ({
    clock: Number(document.querySelector('#monitor-clock').dataset.ms),
    incidents: [...document.querySelectorAll('#monitor-incidents li')].map((li) => ({ id: li.dataset.id, severity: li.dataset.severity })),
  }));
  const readAt = Date.now();
  assertClean(crash.watch, 'the run before the crash');
  await killBrowser(crash.context);
  const killedAfterMs = Date.now() - readAt;
  assert.ok(before.incidents.length >= 1, 'an incident was on screen before the kill');

  const again = await openMonitor('profile-sim');
  const { status, events } = await recovered(again.page);
  const after1 = await again.page.evaluate(() => ({
    clock: Number(document.querySelector('#monitor-clock').dataset.ms),
    incidents: [...document.querySelectorAll('#monitor-incidents li')].map((li) => ({ id: li.dataset.id, severity: li.dataset.severity })),
    source: document.querySelector('#monitor-source-name').innerText,
  }));
  await screenshot(again.page, 'crash-simulator-recovered');
  assert.match(after1.source, /simulator/, 'the simulator is the source again');
  // Checked last, so that the checks below still run when it fails: whatever the page
  // showed before the kill was journaled, so the clock comes back at least as far.
  // Ticks are 2 s apart: the last tick the page had judged when the clock was read.
  const shown = Math.floor(before.clock / 2_000) * 2_000;
  const lost = shown - after1.clock;
  t.diagnostic(`seen ${before.clock / 1000} s, killed ${killedAfterMs} ms later; ${status}`);
  const lostProblem = lost > 0 && `the recovered clock ${after1.clock / 1000} s is at or after the last tick judged before the kill, ${shown / 1000} s: `
    + `${lost / 1000} s of stream time (${lost / 1_000} events) the page had judged were not on disk when it was killed ${killedAfterMs} ms later (${status})`;
  // Two metrics, one event each per 2 s tick from 0.
  assert.equal(events, 2 * (after1.clock / 2_000 + 1), `every tick up to the recovered clock: ${status}`);
  for (const inc of before.incidents) {
    assert.ok(after1.incidents.some((i) => i.id === inc.id && i.severity === inc.severity),
      `incident #${inc.id} (severity ${inc.severity}) is still there: ${JSON.stringify(after1.incidents)}`);
  }

  // It goes on from the recovered clock, and the new points are judged.
  await setSpeed(again.page, '100x');
  await again.page.click('#monitor-play');
  await again.page.waitForFunction((t) => Number(document.querySelector('#monitor-clock').dataset.ms) > t + 90_000, after1.clock, { timeout: 60_000 });
  await again.page.click('#monitor-play');
  const after2 = await again.page.evaluate(() => ({
    clock: Number(document.querySelector('#monitor-clock').dataset.ms),
    incidents: [...document.querySelectorAll('#monitor-incidents li')].map((li) => li.dataset.id),
    // Start of each metric's last closed evaluation window, as the table shows it.
    windows: [...document.querySelectorAll('#eval-table tbody tr')].map((tr) => tr.cells[1].innerText),
  }));
  assert.ok(after2.clock > after1.clock + 90_000, 'the clock went on');
  // A window closes only over judged points: one that starts after the recovered clock
  // holds points judged since.
  after2.windows.forEach((w, i) => assert.ok(streamSeconds(w) * 1000 >= after1.clock,
    `metric ${i}: its last evaluation window (${w}) starts after the recovered clock (${after1.clock / 1000} s): new points are judged`));
  for (const inc of before.incidents) assert.ok(after2.incidents.includes(inc.id), `incident #${inc.id} is kept as the stream goes on`);
  // The journal went on too: the events since the recovery are stored after the recovered ones.
  await again.page.click('#monitor-journal summary');
  const want = 2 * (Math.floor(after2.clock / 2_000) + 1);
  // The panel's figures follow within a publish interval.
  await again.page.waitForFunction((n) => Number(document.querySelector('#monitor-journal-events')?.innerText.replace(/,/g, '')) === n, want, { timeout: 5_000 })
    .catch(async () => assert.fail(`the journal holds the recovered ticks and the new ones: ${want} events, the panel says ${await again.page.locator('#monitor-journal-events').innerText()}`));
  await screenshot(again.page, 'crash-simulator-went-on');

  assertClean(again.watch, 'the recovered session');
  await again.context.close();
  if (lostProblem) assert.fail(lostProblem);
});
