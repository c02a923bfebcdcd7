// The Errors workspace on a live feed (issue 14): a feed server the test controls answers
// NDJSON error events at GET /events?since=<ms>, reached through a same-origin reverse proxy
// under the page's sub-path (the page's CSP allows only its own origin). The page connects,
// takes the history of a baseline and a candidate build, and a burst of a new error code in
// the candidate raises an alert and opens an incident within seconds. A malformed line is
// reported with its line and field while the stream goes on. The page is closed, the feed
// goes on, and a new page recovers from the journal and backfills exactly what it missed
// (the counts the user sees equal what the feed sent: nothing lost, nothing twice). The feed
// server going away shows "retrying" with the proxy's 502, and the stream recovers when it
// is back. A last test SIGKILLs the whole browser while events arrive (no graceful close),
// relaunches the profile, and checks the same: every event the feed sent, exactly once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { test as nodeTest } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  appSession, errorRuleCards, gotoApp, killBrowser, launchPersistent, screenshot,
  silenceErrorRuleCard, startServer, tempDir, waitForStatus, watchContext,
} from './harness.mjs';

const { test } = appSession({ hash: '#/errors' });

/** Where the page finds the feed: beside the app, on its origin. */
const FEED_PATH = '/deep/sub/path/feed/';
const FEED_URL = `${FEED_PATH}events`;
const BASELINE = '5.0007.510.011';
const CANDIDATE = '5.0007.610.011';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A feed server: `lines` holds [ms, text] in the order pushed; GET /events?since=MS answers
 * every line with ms >= since (all without since), one a line. `port` can be reused by
 * `listen(port)` after `close()`, so the proxy finds it again.
 */
function feedServer() {
  const lines = [];
  const requests = [];
  const streams = new Set();
  let server;
  const message = ([ms, text]) => `id: ${ms}\ndata: ${text}\n\n`;
  const handler = (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/stream') {
      // Server-Sent Events: what is at or after since, then each line as it is pushed.
      const since = url.searchParams.has('since') ? Number(url.searchParams.get('since')) : -Infinity;
      requests.push(url.searchParams.get('since'));
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      res.write(': hello\n\n');
      for (const l of lines.filter(([ms]) => ms >= since)) res.write(message(l));
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    if (url.pathname !== '/events') {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('no such feed');
    }
    const since = url.searchParams.has('since') ? Number(url.searchParams.get('since')) : -Infinity;
    requests.push(url.searchParams.get('since'));
    const body = lines.filter(([ms]) => ms >= since).map(([, text]) => text).join('\n');
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
    res.end(body ? `${body}\n` : '');
  };
  return {
    lines,
    requests,
    port: 0,
    async listen(port = 0) {
      server = http.createServer(handler);
      await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
      this.port = server.address().port;
    },
    close() {
      // Open event streams end as a dying server's would (the harness's proxy passes an end
      // on, but keeps a connection whose upstream was cut open).
      for (const res of streams) res.end();
      return new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); });
    },
    /** Events actually pushed (malformed lines are not events). */
    events() { return lines.filter(([, , ok]) => ok).length; },
    push(ms, build, code, form = 'iso') {
      const ts = form === 'iso' ? new Date(ms).toISOString() : form === 's' ? ms / 1000 : ms;
      this.add([ms, JSON.stringify({ ts, build, code }), true]);
    },
    pushRaw(ms, text) { this.add([ms, text, false]); },
    add(line) {
      lines.push(line);
      for (const res of streams) res.write(message(line));
    },
  };
}

/** Pushes `seconds` seconds of steady traffic from `t0` (ms): both builds raise E100 twice a
 *  second and E200 every fifth second; `burst` adds E999 four times a second to the
 *  candidate. Times alternate between RFC 3339, epoch seconds and epoch ms. */
function traffic(feed, t0, seconds, { burst = false } = {}) {
  const forms = ['iso', 's', 'ms'];
  for (let s = 0; s < seconds; s++) {
    const ms = t0 + s * 1000;
    const form = forms[s % 3];
    for (const build of [BASELINE, CANDIDATE]) {
      feed.push(ms, build, 'E100', form);
      feed.push(ms + 250, build, 'E100', form);
      if (s % 5 === 0) feed.push(ms + 500, build, 'E200', form);
    }
    if (burst) for (let k = 0; k < 4; k++) feed.push(ms + 100 * k, CANDIDATE, 'E999', form);
  }
  return t0 + seconds * 1000;
}

/** Waits for #errlive-status[data-state=STATE]; on timeout says what it showed. */
async function liveState(page, state, timeout = 15_000) {
  try {
    await page.waitForSelector(`#errlive-status[data-state="${state}"]`, { timeout });
  } catch {
    const el = page.locator('#errlive-status');
    const now = (await el.count())
      ? { state: await el.getAttribute('data-state'), text: await el.innerText() }
      : '(no #errlive-status)';
    assert.fail(`#errlive-status never reached data-state=${state} within ${timeout} ms; it shows ${JSON.stringify(now)}`);
  }
  return page.locator('#errlive-status').innerText();
}

/** Waits until the page says it received `n` events; on timeout says what it showed. */
async function eventsShown(page, n, timeout = 15_000) {
  try {
    await page.waitForSelector(`#errlive-counts[data-events="${n}"]`, { timeout });
  } catch {
    const el = page.locator('#errlive-counts');
    const now = (await el.count()) ? await el.innerText() : '(no #errlive-counts)';
    assert.fail(`the page never showed ${n} events within ${timeout} ms; it shows ${JSON.stringify(now)}`);
  }
  return page.locator('#errlive-counts').innerText();
}

test('a live feed: alerts within seconds, bad lines reported, resume after a reload, retry after an outage', { timeout: 150_000 }, async ({ t, page, context, base, server, watch }) => {
  const feed = feedServer();
  await feed.listen();
  server.mount(FEED_PATH, { proxy: `http://127.0.0.1:${feed.port}/` });
  try {
    // An hour ago, on a whole minute, so the bins line up.
    let now = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
    now = traffic(feed, now, 240);

    // Nothing is asked before the user connects.
    await page.waitForSelector('#errors-use-live');
    assert.equal(feed.requests.length, 0, 'no request before Connect');
    await page.click('#errors-use-live');
    await page.fill('#errlive-url', FEED_URL);
    await page.fill('#errlive-poll', '0.5');
    await page.locator('#errlive-poll').dispatchEvent('change');
    await page.click('#errlive-connect');
    await liveState(page, 'live');
    const history = await eventsShown(page, feed.events());
    t.diagnostic(`history: ${history}`);
    assert.match(history, new RegExp(`comparing baseline ${BASELINE.replaceAll('.', '\\.')} with candidate ${CANDIDATE.replaceAll('.', '\\.')}`));
    assert.equal(await page.locator('#alerts-table tr[data-state]').count(), 0, 'the same traffic in both builds raises no alert');
    assert.equal(await page.locator('#errors-player').count(), 0, 'no replay controls while live');
    assert.equal(feed.requests[0], null, 'the first poll asks for everything');

    // A burst of a new code in the candidate: an alert within a few seconds of wall time.
    const burstAt = Date.now();
    now = traffic(feed, now, 90, { burst: true });
    try {
      await page.waitForSelector('#alerts-table tr[data-code="E999"]', { timeout: 10_000 });
    } catch {
      assert.fail(`no alert for E999; the alert list says ${JSON.stringify(await page.locator('#alerts').innerText())}`);
    }
    t.diagnostic(`alert for E999 ${Date.now() - burstAt} ms after the burst was published`);
    assert.equal(await page.locator('#alerts-table tr[data-code="E100"]').count(), 0, 'no alert for the unchanged code');
    await eventsShown(page, feed.events());
    // Later polls asked from the newest event on, not from scratch.
    assert.ok(feed.requests.slice(1).every((s) => s !== null && Number(s) > 0), `polls carry since: ${feed.requests.slice(0, 5)}`);

    // A malformed line: reported with its line and field, and the stream goes on.
    const noBuild = JSON.stringify({ ts: new Date(now).toISOString(), code: 'E100' });
    feed.pushRaw(now, noBuild);
    feed.pushRaw(now, '{"ts": oops');
    now = traffic(feed, now + 1, 10);
    const problems = page.locator('#errlive-problems');
    await problems.waitFor({ timeout: 10_000 });
    const text = await problems.innerText();
    t.diagnostic(`bad lines: ${text}`);
    // Line numbers are those of the answer the page got (the lines at or after its since).
    const since = Number(/since=(\d+)/.exec(text)?.[1]);
    const answer = feed.lines.filter(([ms]) => ms >= since).map(([, line]) => line);
    const at = answer.indexOf(noBuild) + 1;
    assert.ok(at > 0, `the bad line is in the answer to since=${since}`);
    assert.match(text, new RegExp(`line ${at}: field \`build\` is missing`));
    assert.match(text, new RegExp(`line ${at + 1}: not a JSON object`));
    assert.equal(await problems.getAttribute('data-malformed'), '2');
    await eventsShown(page, feed.events());
    assert.equal(await page.locator('#errlive-status').getAttribute('data-state'), 'live');

    // The incident is on the Incidents page.
    await page.goto(`${base}#/incidents`);
    await page.waitForSelector('.incident-card[data-source="errors"]', { timeout: 10_000 })
      .catch(async () => assert.fail(`no error incident; the page says ${JSON.stringify(await page.locator('#incident-list').innerText())}`));
    const metrics = await page.locator('.incident-card[data-source="errors"]').first().getAttribute('data-metrics');
    assert.match(metrics, /E999/, `the incident names the code: ${metrics}`);

    // The page goes away; the feed goes on; a new page resumes from the journal and asks
    // only for what came since, so the counts equal what the feed sent, exactly.
    await page.close();
    const before = feed.requests.length;
    now = traffic(feed, now, 30);
    const page2 = await context.newPage();
    watch.attach(page2);
    page2.setDefaultTimeout(20_000);
    await page2.goto(`${base}#/errors`);
    await liveState(page2, 'live', 20_000);
    const resumed = await eventsShown(page2, feed.events(), 20_000);
    t.diagnostic(`after the reload: ${resumed} (status: ${await page2.locator('#status').innerText()})`);
    assert.match(await page2.locator('#status').innerText(), /Recovered [\d,]+ live events/);
    const firstAfter = feed.requests[before];
    assert.ok(firstAfter !== null && Number(firstAfter) > 0, `the recovered page asked since its newest event, not from scratch (since=${firstAfter})`);
    await page2.waitForSelector('#alerts-table tr[data-code="E999"]', { timeout: 10_000 });
    assert.equal(await page2.inputValue('#errlive-url'), FEED_URL, 'the form shows the recovered feed');

    // The feed server goes away: the proxy answers 502, the page retries and says so.
    watch.allowConsoleError(/Failed to load resource: the server responded with a status of 502/);
    const port = feed.port;
    await feed.close();
    const retrying = await liveState(page2, 'retrying', 15_000);
    t.diagnostic(`outage: ${retrying}`);
    assert.match(retrying, /HTTP 502/);
    assert.match(retrying, /retrying in \d+ s/);
    assert.ok(retrying.includes(FEED_URL), `the message names the feed: ${retrying}`);
    now = traffic(feed, now, 20);
    await feed.listen(port);
    await liveState(page2, 'live', 20_000);
    await eventsShown(page2, feed.events(), 15_000);
    await screenshot(page2, 'errors-live');
    await page2.click('#errlive-stop');
    await liveState(page2, 'stopped');
    const stoppedAt = feed.requests.length;
    await sleep(1_500);
    assert.ok(feed.requests.length <= stoppedAt + 1, 'no polling after Stop');
  } finally {
    await feed.close().catch(() => {});
  }
});

test('a feed that does not exist stops with a message naming it', async ({ page, server, watch }) => {
  const feed = feedServer();
  await feed.listen();
  server.mount(FEED_PATH, { proxy: `http://127.0.0.1:${feed.port}/` });
  watch.allowConsoleError(/Failed to load resource: the server responded with a status of 404/);
  try {
    await page.click('#errors-use-live');
    await page.fill('#errlive-url', `${FEED_PATH}nope`);
    await page.click('#errlive-connect');
    const text = await liveState(page, 'error');
    assert.match(text, /HTTP 404/);
    assert.match(text, /no such feed/, 'the server\'s own words are shown');
    // A setting out of range is refused before any request.
    await page.fill('#errlive-url', 'ftp://example.com/feed');
    await page.click('#errlive-connect');
    assert.match(await page.locator('#errlive-form .problem').innerText(), /neither an http\(s\):\/\/ address nor a path/);
  } finally {
    await feed.close();
  }
});

nodeTest('a browser killed mid-stream resumes from the journal and backfills exactly what it missed', { timeout: 120_000 }, async (t) => {
  const work = await tempDir('pipescope-errlive-');
  const server = await startServer();
  const feed = feedServer();
  await feed.listen();
  server.mount(FEED_PATH, { proxy: `http://127.0.0.1:${feed.port}/` });
  const open = async () => {
    const context = await launchPersistent(path.join(work, 'profile'));
    const watch = watchContext(context, server.origin);
    const page = context.pages()[0] ?? await context.newPage();
    watch.attach(page);
    page.setDefaultTimeout(20_000);
    await gotoApp(page, server.url(), '#/errors');
    return { context, page, watch };
  };
  let session;
  try {
    let now = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
    now = traffic(feed, now, 120);
    session = await open();
    const { page } = session;
    await page.click('#errors-use-live');
    await page.fill('#errlive-url', FEED_URL);
    await page.fill('#errlive-poll', '0.3');
    await page.locator('#errlive-poll').dispatchEvent('change');
    await page.click('#errlive-connect');
    await eventsShown(page, feed.events());
    // Events keep arriving; the browser dies in the middle of them.
    for (let k = 0; k < 4; k++) {
      now = traffic(feed, now, 5, { burst: k >= 2 });
      await sleep(150);
    }
    const shown = Number(await page.locator('#errlive-counts').getAttribute('data-events'));
    assert.deepEqual(session.watch.problems(), []);
    await killBrowser(session.context);
    session = null;
    now = traffic(feed, now, 60, { burst: true });

    session = await open();
    const page2 = session.page;
    await liveState(page2, 'live', 20_000);
    const text = await eventsShown(page2, feed.events(), 20_000);
    const status = await page2.locator('#status').innerText();
    t.diagnostic(`shown before the kill: ${shown}; after: ${text}; status: ${status}`);
    const recovered = Number(/Recovered ([\d,]+) live events/.exec(status)?.[1].replaceAll(',', ''));
    assert.ok(recovered > 0 && recovered <= feed.events(), `the journal held events (${recovered})`);
    assert.ok(recovered >= shown, `nothing the user saw was lost: ${recovered} recovered, ${shown} shown before the kill`);
    await page2.waitForSelector('#alerts-table tr[data-code="E999"]', { timeout: 10_000 });
    assert.deepEqual(session.watch.problems(), []);
  } finally {
    if (session) await session.context.close().catch(() => {});
    await feed.close().catch(() => {});
    await server.close();
    await fsp.rm(work, { recursive: true, force: true });
  }
});

test('a Server-Sent Events feed: pushed events alert, bad data is reported, a dropped stream reconnects from its cursor', { timeout: 120_000 }, async ({ t, page, context, base, server, watch }) => {
  const feed = feedServer();
  await feed.listen();
  server.mount(FEED_PATH, { proxy: `http://127.0.0.1:${feed.port}/` });
  try {
    let now = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
    now = traffic(feed, now, 120);
    await page.click('#errors-use-live');
    await page.fill('#errlive-url', `${FEED_PATH}stream`);
    await page.selectOption('#errlive-kind', 'sse');
    assert.equal(await page.locator('#errlive-poll').isVisible(), false, 'no poll interval for a pushed stream');
    await page.click('#errlive-connect');
    await liveState(page, 'live');
    await eventsShown(page, feed.events());
    assert.equal(feed.requests[0], null, 'the first connection asks for everything');

    // Pushed while connected: no poll, the events arrive on the open stream.
    const burstAt = Date.now();
    now = traffic(feed, now, 90, { burst: true });
    await page.waitForSelector('#alerts-table tr[data-code="E999"]', { timeout: 10_000 });
    t.diagnostic(`SSE alert ${Date.now() - burstAt} ms after the burst was pushed`);
    await eventsShown(page, feed.events());
    assert.equal(feed.requests.length, 1, 'one connection carried it all');

    feed.pushRaw(now, JSON.stringify({ ts: new Date(now).toISOString(), build: BASELINE }));
    now = traffic(feed, now + 1, 5);
    const problems = page.locator('#errlive-problems');
    await problems.waitFor({ timeout: 10_000 });
    const text = await problems.innerText();
    t.diagnostic(`bad data: ${text}`);
    assert.match(text, /stream message \d+ \(id \d+\)/);
    assert.match(text, /line 1: field `code` is missing/);
    await eventsShown(page, feed.events());

    // The server drops the stream: retrying, then a new connection from the cursor.
    watch.allowConsoleError(/Failed to load resource: the server responded with a status of 502|EventSource's response has a MIME type/);
    const port = feed.port;
    await feed.close();
    const retrying = await liveState(page, 'retrying', 15_000);
    t.diagnostic(`outage: ${retrying}`);
    assert.match(retrying, /event stream from .*stream broke or was refused/);
    now = traffic(feed, now, 20);
    await feed.listen(port);
    await liveState(page, 'live', 20_000);
    await eventsShown(page, feed.events(), 15_000);
    const reconnect = feed.requests.at(-1);
    assert.ok(reconnect !== null && Number(reconnect) > 0, `the new connection asked since its newest event (since=${reconnect})`);

    // A reload resumes from the journal and reconnects from the cursor.
    await page.close();
    now = traffic(feed, now, 10);
    const page2 = await context.newPage();
    watch.attach(page2);
    await page2.goto(`${base}#/errors`);
    await liveState(page2, 'live', 20_000);
    await eventsShown(page2, feed.events(), 20_000);
    assert.equal(await page2.inputValue('#errlive-kind'), 'sse');
    await page2.click('#errlive-stop');
    await liveState(page2, 'stopped');
  } finally {
    await feed.close().catch(() => {});
  }
});

// Rules on a live feed (issue 16): ErrorStreamSetA.csv is published line by line as NDJSON
// (clock times), the rules file is applied in the Errors editor while the feed is still
// empty, and the k x baseline rule's cards open at the stream times `pipescope errors
// --rules` gives for the file (tests/errors_live_rules.rs holds the core to the same
// times). A card silenced from its "Silence…" marks the next firing silenced; a reload in
// the middle of the feed resumes the rules, their pending timers, the silence and the
// cards from the journal, and the next firing comes at the command line's time.
const SET_A_LINES = fs.readFileSync(
  fileURLToPath(new URL('../../../shared/data/ErrorStreamSetA.csv', import.meta.url)), 'utf8')
  .split('\n').filter((l) => l.trim()).map((l) => {
    const [ts, build, code] = l.split(',');
    const [h, m, s] = ts.split(':').map(Number);
    return [(h * 3600 + m * 60 + s) * 1000, JSON.stringify({ ts, build, code })];
  });
const RULES_A = fs.readFileSync(
  fileURLToPath(new URL('../data/error_stream_a.rules.yaml', import.meta.url)), 'utf8');
const RATIO = 'code 4 worse than baseline';

test('rules on a live feed fire at the command line\'s times, are silenced, and resume after a reload', { timeout: 150_000 }, async ({ t, page, context, base, server, watch }) => {
  const feed = feedServer();
  await feed.listen();
  server.mount(FEED_PATH, { proxy: `http://127.0.0.1:${feed.port}/` });
  let next = 0;
  /** Publishes SetA's lines up to stream second `s`. */
  const publish = (s) => {
    while (next < SET_A_LINES.length && SET_A_LINES[next][0] <= s * 1000) {
      feed.add([...SET_A_LINES[next], true]);
      next += 1;
    }
  };
  const cards = errorRuleCards;
  try {
    await page.click('#errors-use-live');
    await page.fill('#errlive-url', FEED_URL);
    await page.fill('#errlive-poll', '0.3');
    await page.locator('#errlive-poll').dispatchEvent('change');
    await page.click('#errlive-connect');
    await liveState(page, 'live');
    await page.fill('#errors-rules-editor', RULES_A);
    await page.waitForFunction(() => !document.querySelector('#errors-rules-text-apply').disabled);
    await page.click('#errors-rules-text-apply');
    await page.waitForSelector(`#errors-rules-list tr[data-rule="${RATIO}"]`);
    await waitForStatus(page, /Applied 2 error-code rule\(s\) to the live feed/);
    assert.match(await page.locator('#errors-rules-hint').innerText(), /running on the live feed/);

    // The feed reaches 0:03:00: the ratio rule fired at 0:02:45, as the command line says.
    publish(180);
    await eventsShown(page, feed.events());
    await page.waitForSelector(`#errors-rule-incidents li[data-rule="${RATIO}"][data-state="open"]`);
    assert.deepEqual(await cards(page), [{ rule: RATIO, opened: '0:02:45', state: 'open', silenced: 'false' }]);
    assert.equal(await page.getAttribute(`#errors-rules-list tr[data-rule="${RATIO}"]`, 'data-state'), 'firing');

    // Silenced from its card, for two hours of stream time.
    await silenceErrorRuleCard(page, RATIO, '2h', 'canary under watch');

    // The next firing (0:22:07) is recorded and marked silenced; the first resolved.
    publish(23 * 60);
    await eventsShown(page, feed.events());
    await page.waitForFunction(() => document.querySelectorAll('#errors-rule-incidents li.incident-card').length === 2);
    assert.deepEqual(await cards(page), [
      { rule: RATIO, opened: '0:22:07', state: 'open', silenced: 'true' },
      { rule: RATIO, opened: '0:02:45', state: 'resolved', silenced: 'true' },
    ]);
    await screenshot(page, 'errors-live-rules');

    // Mid-`for` (the breach from 0:45:07 fires at 0:46:07) the page goes away; the feed
    // goes on; a new page resumes the rules and their timers from the journal.
    publish(45 * 60 + 30);
    await eventsShown(page, feed.events());
    await page.waitForSelector(`#errors-rules-list tr[data-rule="${RATIO}"][data-state="pending"]`);
    await sleep(1_500);
    await page.close();
    publish(47 * 60);
    const page2 = await context.newPage();
    watch.attach(page2);
    page2.setDefaultTimeout(20_000);
    await page2.goto(`${base}#/errors`);
    await liveState(page2, 'live', 20_000);
    await eventsShown(page2, feed.events(), 20_000);
    await page2.waitForFunction(() => document.querySelectorAll('#errors-rule-incidents li.incident-card').length === 3);
    const after = await cards(page2);
    t.diagnostic(`after the reload: ${JSON.stringify(after)}`);
    assert.deepEqual(after, [
      { rule: RATIO, opened: '0:46:07', state: 'open', silenced: 'true' },
      { rule: RATIO, opened: '0:22:07', state: 'resolved', silenced: 'true' },
      { rule: RATIO, opened: '0:02:45', state: 'resolved', silenced: 'true' },
    ]);
    assert.equal(await page2.locator('#errors-silences-list li[data-origin="page"]').count(), 1);
    assert.equal(await page2.inputValue('#errors-rules-editor'), RULES_A);

    // "Would these rules have fired?" over the feed's journaled events: the same three.
    await page2.click('#errors-rules-backtest');
    assert.equal(await page2.getAttribute(`#errors-backtest-result li[data-rule="${RATIO}"]`, 'data-fired'), '3');
    assert.equal(await page2.getAttribute('#errors-backtest-result li[data-rule="code 5 surges"]', 'data-fired'), '0');
    await page2.click('#errlive-stop');
    await liveState(page2, 'stopped');
  } finally {
    await feed.close().catch(() => {});
  }
});
