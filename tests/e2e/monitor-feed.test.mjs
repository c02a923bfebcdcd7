// The Monitor on a live event feed of metric points (issue 14): a feed server the test
// controls answers NDJSON lines {"ts", "metric", "value"} at GET /points?since=<ms>, and pushes
// the same lines as Server-Sent Events at GET /stream?since=<ms>, reached through a same-origin
// reverse proxy under the page's sub-path (the page's CSP allows only its own origin). The page
// connects, takes ten minutes of history, stays quiet on clean points, opens an incident for a
// prolonged fault, reports a bad line with its line number and field, and after a reload
// resumes from the journal and backfills with since= exactly what it missed (the judged count
// equals what the feed sent: nothing lost, nothing twice). On the event stream, `ping` messages
// keep it live; when the server goes silent the page shows "stalled" and reconnects from its
// newest point. A shared link with a bad feed setting says what is wrong.
import assert from 'node:assert/strict';
import http from 'node:http';
import { appSession, gotoApp, screenshot } from './harness.mjs';
import { gaussian } from './prom.mjs';

const { test } = appSession({ hash: '#/monitor' });

/** Where the page finds the feed: beside the app, on its origin. */
const FEED_PATH = '/deep/sub/path/points/';
const METRIC = 'queue_latency_seconds';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A feed server: `lines` holds [ms, text, isPoint] in the order pushed; GET /points?since=MS
 * answers every line with ms >= since (all without since), one a line; GET /stream does the
 * same as Server-Sent Events and then pushes each new line. `ping(true)` sends an `event: ping`
 * message every second on open streams (a heartbeat the page can see), `silence(true)` stops
 * the stream sending anything while keeping it open.
 */
function feedServer() {
  const lines = [];
  const requests = [];
  const streams = new Set();
  let server;
  let pinger;
  let silent = false;
  const message = ([ms, text]) => `id: ${ms}\ndata: ${text}\n\n`;
  const since = (url) => (url.searchParams.has('since') ? Number(url.searchParams.get('since')) : -Infinity);
  const handler = (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/stream') {
      requests.push({ path: 'stream', since: url.searchParams.get('since') });
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      res.write(': hello\n\n');
      // A silent server accepts the connection and says nothing more.
      if (!silent) for (const l of lines.filter(([ms]) => ms >= since(url))) res.write(message(l));
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    if (url.pathname !== '/points') {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('no such feed');
    }
    requests.push({ path: 'points', since: url.searchParams.get('since') });
    const body = lines.filter(([ms]) => ms >= since(url)).map(([, text]) => text).join('\n');
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
    res.end(body ? `${body}\n` : '');
  };
  const noise = gaussian(20261207);
  return {
    lines,
    requests,
    streams,
    async listen() {
      server = http.createServer(handler);
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.port = server.address().port;
    },
    close() {
      clearInterval(pinger);
      for (const res of streams) res.end();
      return new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); });
    },
    /** Points pushed (bad lines are not points). */
    points() { return lines.filter(([, , ok]) => ok).length; },
    /** One point of METRIC at `ms`: 0.2 plus noise, times `factor` in a fault. */
    push(ms, factor = 1) {
      const value = (0.2 + 0.004 * noise()) * factor;
      const form = (ms / 1000) % 2 === 0 ? new Date(ms).toISOString() : ms;
      this.add([ms, JSON.stringify({ ts: form, metric: METRIC, value }), true]);
    },
    pushRaw(ms, text) { this.add([ms, text, false]); },
    add(line) {
      lines.push(line);
      if (!silent) for (const res of streams) res.write(message(line));
    },
    ping(on) {
      clearInterval(pinger);
      if (on) pinger = setInterval(() => { if (!silent) for (const res of streams) res.write('event: ping\ndata: \n\n'); }, 1000);
    },
    silence(on) { silent = on; },
  };
}

/** Pushes `n` points one second apart from `t0` (ms); returns the next time. */
function run(feed, t0, n, factor = 1) {
  for (let i = 0; i < n; i++) feed.push(t0 + i * 1000, factor);
  return t0 + n * 1000;
}

/** Waits for #monfeed-status[data-state=STATE]; on timeout says what it showed. */
async function feedState(page, state, timeout = 15_000) {
  try {
    await page.waitForSelector(`#monfeed-status[data-state="${state}"]`, { timeout });
  } catch {
    const el = page.locator('#monfeed-status');
    const now = (await el.count())
      ? { state: await el.getAttribute('data-state'), text: await el.innerText() }
      : '(no #monfeed-status)';
    assert.fail(`#monfeed-status never reached data-state=${state} within ${timeout} ms; it shows ${JSON.stringify(now)}`);
  }
  return page.locator('#monfeed-status').innerText();
}

/** Waits until the page has judged `n` points; on timeout says what it showed. */
async function judged(page, n, timeout = 20_000) {
  try {
    await page.waitForSelector(`#monfeed-counts[data-judged="${n}"]`, { timeout });
  } catch {
    const el = page.locator('#monfeed-counts');
    const now = (await el.count()) ? await el.innerText() : '(no #monfeed-counts)';
    assert.fail(`the page never showed ${n} judged points within ${timeout} ms; it shows ${JSON.stringify(now)}`);
  }
  return page.locator('#monfeed-counts').innerText();
}

const summary = (page) => page.locator('#monitor-incidents').evaluate((el) => ({
  open: Number(el.dataset.open), total: Number(el.dataset.total),
}));

async function connect(page, { url, kind = 'ndjson', every = 0.5 }) {
  await page.click('#monitor-use-feed');
  await page.fill('#monfeed-url', url);
  await page.selectOption('#monfeed-kind', kind);
  await page.fill('#monfeed-poll', String(every));
  await page.locator('#monfeed-poll').dispatchEvent('change');
  await page.click('#monfeed-connect');
}

test('an NDJSON feed of points: quiet on clean data, an incident for a prolonged fault, bad lines reported, a reload resumes with since= and counts nothing twice', { timeout: 150_000 }, async ({ t, page, context, base, server, watch }) => {
  const feed = feedServer();
  await feed.listen();
  server.mount(FEED_PATH, { proxy: `http://127.0.0.1:${feed.port}/` });
  try {
    // Ten minutes of clean history, on whole seconds, ending an hour ago.
    let now = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
    now = run(feed, now, 600);

    await page.waitForSelector('#monitor-use-feed');
    assert.equal(feed.requests.length, 0, 'no request before Connect');
    const connectedAt = Date.now();
    await connect(page, { url: `${FEED_PATH}points` });
    await feedState(page, 'live');
    await judged(page, feed.points());
    t.diagnostic(`history of ${feed.points()} points judged ${Date.now() - connectedAt} ms after Connect`);
    assert.equal(feed.requests[0].since, null, 'the first poll asks for everything');
    const canvas = `canvas[data-metric="${METRIC}"]`;
    await page.waitForSelector(`${canvas}[data-trained="true"]`, { timeout: 10_000 })
      .catch(() => assert.fail('the detector is not trained on ten minutes of history'));
    assert.equal(await page.locator('canvas[data-metric]').count(), 1, 'one metric, one chart');
    assert.match(await page.locator('#monitor-source-name').innerText(), /Event feed .*points · 1 series/);

    // A minute of clean points: judged, and nothing pages.
    now = run(feed, now, 60);
    await judged(page, feed.points());
    assert.deepEqual(await summary(page), { open: 0, total: 0 }, 'clean points open no incident');
    const polls = feed.requests.slice(1);
    assert.ok(polls.length > 0 && polls.every((r) => Number(r.since) > 0), `polls carry since: ${JSON.stringify(polls.slice(0, 3))}`);
    await screenshot(page, 'monitor-feed-live');

    // A bad line: its line number and field are reported, the stream goes on.
    feed.pushRaw(now, JSON.stringify({ ts: new Date(now).toISOString(), metric: METRIC }));
    now = run(feed, now, 5);
    const problems = page.locator('#monfeed-problems');
    await problems.waitFor({ timeout: 10_000 });
    const text = await problems.innerText();
    t.diagnostic(`bad line: ${text}`);
    assert.match(text, /line \d+: field `value` is missing/);
    assert.match(text, /the answer to since=\d+/);
    await judged(page, feed.points());

    // A prolonged fault (x6 for 40 s of stream time) opens an incident.
    const faultAt = Date.now();
    now = run(feed, now, 40, 6);
    await page.waitForSelector('#monitor-incidents[data-open="1"]', { timeout: 15_000 })
      .catch(async () => assert.fail(`no incident for the fault; summary ${JSON.stringify(await summary(page))}, anomalies ${await page.getAttribute(canvas, 'data-anomalies')}`));
    t.diagnostic(`incident open ${Date.now() - faultAt} ms after the fault was pushed`);
    await judged(page, feed.points());
    const before = await summary(page);
    await screenshot(page, 'monitor-feed-incident');

    // The page goes away; the feed goes on (the fault ends); a new page resumes from the
    // journal and asks since its newest judged point.
    await page.close();
    now = run(feed, now, 30);
    const sent = feed.requests.length;
    const page2 = await context.newPage();
    watch.attach(page2);
    await gotoApp(page2, base, '#/monitor');
    await feedState(page2, 'live', 20_000);
    const counts = await judged(page2, feed.points(), 20_000);
    t.diagnostic(`after the reload: ${counts}`);
    const first = feed.requests[sent];
    assert.ok(first && Number(first.since) > 0, `the recovered page asked since its newest point, not from scratch (${JSON.stringify(first)})`);
    assert.ok(Number(await page2.getAttribute('#monfeed-counts', 'data-repeated')) >= 1, 'the point at since came again and was dropped');
    assert.match(await page2.locator('#status').innerText(), /Recovered [\d,]+ events/);
    assert.equal(await page2.inputValue('#monfeed-url'), `${FEED_PATH}points`, 'the form shows the recovered feed');
    const after = await summary(page2);
    assert.ok(after.total >= before.total, `the incident survived the reload (${JSON.stringify(before)} → ${JSON.stringify(after)})`);

    // The link to this view opens the same feed.
    const href = await page2.getAttribute('#monfeed-link', 'href');
    assert.equal(href, `#/monitor?feed=${encodeURIComponent(`${FEED_PATH}points`)}&kind=ndjson&poll=0.5`);
    await page2.click('#monfeed-stop');
    await feedState(page2, 'stopped');
    await screenshot(page2, 'monitor-feed-resumed');
  } finally {
    await feed.close().catch(() => {});
  }
});

test('an event stream: ping messages keep it live, silence shows stalled and reconnects since the newest point; a 404 and a bad link say what is wrong', { timeout: 120_000 }, async ({ t, page, context, base, server, watch }) => {
  const feed = feedServer();
  await feed.listen();
  server.mount(FEED_PATH, { proxy: `http://127.0.0.1:${feed.port}/` });
  try {
    let now = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
    now = run(feed, now, 400);
    feed.ping(true);
    await connect(page, { url: `${FEED_PATH}stream`, kind: 'sse', every: 1 });
    await feedState(page, 'live');
    await judged(page, feed.points());
    now = run(feed, now, 20);
    await judged(page, feed.points());
    assert.equal(feed.requests.length, 1, 'one connection carried it all');

    // Pings only, no points, for longer than the stall time (10 s): still live.
    await sleep(12_000);
    assert.equal(await page.getAttribute('#monfeed-status', 'data-state'), 'live', 'heartbeats keep a quiet stream live');
    assert.equal(feed.requests.length, 1, 'no reconnection while heartbeats come');

    // Silence: no point, no ping (the connection stays open).
    feed.silence(true);
    const quietAt = Date.now();
    const stalled = await feedState(page, 'stalled', 20_000);
    t.diagnostic(`stalled ${Date.now() - quietAt} ms after the server went silent: ${stalled}`);
    assert.match(stalled, /sent nothing for \d+ s/);
    await screenshot(page, 'monitor-feed-stalled');
    await sleep(500);
    const again = feed.requests.at(-1);
    assert.ok(feed.requests.length >= 2 && again.path === 'stream' && Number(again.since) > 0,
      `the stalled stream was reopened since its newest point: ${JSON.stringify(feed.requests)}`);
    // The server talks again: the reopened stream carries the new points, once.
    feed.silence(false);
    now = run(feed, now, 10);
    await feedState(page, 'live');
    await judged(page, feed.points());

    // A feed that is not there: the server's 404 in words, and the stream stops.
    await page.click('#monfeed-stop');
    await feedState(page, 'stopped');
    watch.allowConsoleError(/Failed to load resource: the server responded with a status of 404/);
    await page.selectOption('#monfeed-kind', 'ndjson');
    await page.fill('#monfeed-url', `${FEED_PATH}nowhere`);
    await page.click('#monfeed-connect');
    const text = await feedState(page, 'error');
    assert.match(text, /HTTP 404/);
    assert.match(text, /no such feed/);

    // A shared link with a bad setting says which and why (in a new page: a hash change
    // alone does not reload the app).
    await page.close();
    const page2 = await context.newPage();
    watch.attach(page2);
    await gotoApp(page2, base, `#/monitor?feed=${encodeURIComponent(`${FEED_PATH}points`)}&kind=websocket`);
    const problem = await page2.locator('#monfeed-form .problem').innerText();
    assert.match(problem, /The link's settings: Delivery: 'websocket' is not ndjson or sse/);
  } finally {
    await feed.close().catch(() => {});
  }
});
