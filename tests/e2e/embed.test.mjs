// Embedding in a portal: a portal page served from another origin (http://localhost:PORT,
// the app being on http://127.0.0.1:PORT under a sub-path) loads the page's embed.js, mounts
// pipescope into a div, drives it through the JS API (open a workspace, replay a metric
// file) and receives the incident event the file's planted fault opens; the raw postMessage
// protocol answers, refuses malformed commands with clear errors, and refuses a third
// origin the deployer did not list. The stock build (no origin listed) refuses the portal.
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { before, after, test } from 'node:test';
import { DIST, SUB_PATH, SCREENSHOT_DIR, launchBrowser, startServer, tempDir, watchContext } from './harness.mjs';
import { GAUGE, startPromStack } from './prom.mjs';

const STOCK_PATH = '/stock/pipescope/';
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const SPIKE = [1500, 1560]; // seconds after T0

/** 40 minutes at 1 s: cpu a 60 s wave with +40 for a minute at 25:00, mem a slow ramp. */
function metricsCsv() {
  let s = 7;
  const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; };
  const rows = ['timestamp,cpu,mem'];
  for (let i = 0; i < 2400; i++) {
    const spike = i >= SPIKE[0] && i < SPIKE[1] ? 40 : 0;
    const cpu = 50 + 10 * Math.sin((2 * Math.PI * i) / 60) + rnd() + spike;
    const mem = 30 + 0.001 * i + 0.2 * rnd();
    rows.push(`${new Date(T0 + i * 1000).toISOString()},${cpu.toFixed(3)},${mem.toFixed(3)}`);
  }
  return rows.join('\n') + '\n';
}

/** A portal page: embed.js from the app's origin, a div to mount into, and a list that
 *  shows the incidents received (as text). Events land in window.events. */
function portalHtml(embedJs) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Portal</title>
<link rel="icon" href="data:,">
<style>body{font:14px system-ui,sans-serif;margin:0;display:grid;grid-template-columns:1fr 280px;height:100vh}
#ps{min-height:0} aside{border-left:2px solid #0969da;padding:8px 12px;background:#f6f8fa} li{margin:4px 0}</style>
<script src="${embedJs}"></script></head>
<body><div id="ps"></div><aside><h2>ACME portal</h2><p id="status">…</p><ul id="incidents"></ul></aside>
<script>
window.events = [];
window.mountPs = (opts) => {
  window.ps = PipeScope.mount(document.getElementById('ps'), opts);
  for (const t of ['ready', 'status', 'workspace', 'incident', 'problem', 'error']) {
    ps.on(t, (m) => { events.push(m); });
  }
  ps.on('status', (m) => { document.getElementById('status').textContent = m.text; });
  ps.on('incident', ({ change, incident }) => {
    const li = document.createElement('li');
    li.textContent = change + ': ' + incident.uid + ' severity ' + incident.severity + ' ' + incident.state + ' ' + incident.title;
    document.getElementById('incidents').append(li);
  });
  return ps.ready.then((m) => m, (e) => ({ rejected: e.code, message: e.message }));
};
</script></body></html>`;
}

let app; let portal; let evil; let browser; let allowedDist; let portalOrigin;

before(async () => {
  const portalDir = await tempDir('pipescope-portal-');
  const evilDir = await tempDir('pipescope-evil-');
  portal = await startServer({ '/portal/': portalDir });
  evil = await startServer({ '/evil/': evilDir });
  app = await startServer({});
  // Another host name is another origin too: the portal is on localhost, the app on 127.0.0.1.
  portalOrigin = portal.origin.replace('127.0.0.1', 'localhost');
  // The deployer's one-line change: list the portal's origin in the built index.html.
  allowedDist = await tempDir('pipescope-embed-dist-');
  await fsp.cp(DIST, allowedDist, { recursive: true });
  const index = path.join(allowedDist, 'index.html');
  const html = await fsp.readFile(index, 'utf8');
  const edited = html.replace(/(<meta name="pipescope-embed-origins" content=")[^"]*"/, `$1${portalOrigin}"`);
  assert.notEqual(edited, html, 'index.html has the pipescope-embed-origins meta');
  await fsp.writeFile(index, edited);
  app.mount(SUB_PATH, allowedDist);
  app.mount(STOCK_PATH, DIST);
  await fsp.writeFile(path.join(portalDir, 'allowed.html'), portalHtml(`${app.url(SUB_PATH)}public/embed.js`));
  await fsp.writeFile(path.join(portalDir, 'stock.html'), portalHtml(`${app.url(STOCK_PATH)}public/embed.js`));
  await fsp.writeFile(path.join(evilDir, 'evil.html'), `<!DOCTYPE html><meta charset="utf-8"><link rel="icon" href="data:,"><script>
window.replies = [];
addEventListener('message', (e) => { if (e.data && e.data.pipescope) replies.push({ origin: e.origin, data: e.data }); });
const ps = parent.frames[0];
ps.postMessage({ pipescope: 1, type: 'open', workspace: 'incidents', id: 'evil-1' }, '*');
ps.postMessage({ pipescope: 1, type: 'subscribe' }, '*');
</script>`);
  browser = await launchBrowser();
  await fsp.mkdir(SCREENSHOT_DIR, { recursive: true });
});

after(async () => {
  await browser?.close();
  await Promise.all([app?.close(), portal?.close(), evil?.close()]);
  if (allowedDist) await fsp.rm(allowedDist, { recursive: true, force: true });
});

/** A fresh context on the portal page; fails the test if the session broke the rules
 *  (a request off the three origins, a console error, a page error). */
async function session(file, fn, { url = `${portalOrigin}/portal/${file}` } = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const watch = watchContext(context, [app.origin, portalOrigin, evil.origin]);
  const page = await context.newPage();
  watch.attach(page);
  page.setDefaultTimeout(20_000);
  try {
    await page.goto(url, { waitUntil: 'load' });
    await fn(page);
  } catch (e) {
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `FAILED-embed-${file}.png`) }).catch(() => {});
    const problems = watch.problems();
    if (problems.length) e.message += `\nsession problems:\n  ${problems.join('\n  ')}`;
    throw e;
  } finally {
    await page.waitForTimeout(100).catch(() => {});
    await context.close();
  }
  const problems = watch.problems();
  if (problems.length) throw new Error(`session broke the rules:\n  ${problems.join('\n  ')}`);
}

/** The pipescope frame (on the app's origin). */
async function psFrame(page) {
  for (let i = 0; i < 100; i++) {
    const f = page.frames().find((fr) => fr !== page.mainFrame() && fr.url().startsWith(app.origin));
    if (f) return f;
    await page.waitForTimeout(50);
  }
  throw new Error('no pipescope frame');
}

const shown = (frame) => frame.evaluate(() => document.querySelector('section[data-workspace]:not([hidden])')?.dataset.workspace);

const events = (page, pred) => page.evaluate(`window.events.filter(${pred})`);

test('a portal on another origin drives pipescope through the JS API and receives the incident event', { timeout: 180_000 }, async () => {
  await session('allowed.html', async (page) => {
    const ready = await page.evaluate(() => window.mountPs({ workspace: 'distribution' }));
    assert.equal(ready.type, 'ready', `ready (got ${JSON.stringify(ready)})`);
    assert.equal(ready.pipescope, 1);
    assert.match(ready.version, /^\d+\.\d+\.\d+/);
    assert.equal(ready.workspace, 'distribution');
    const frame = await psFrame(page);
    assert.ok(frame.url().startsWith(app.url(SUB_PATH)), `the frame is the page under its sub-path (${frame.url()})`);

    // open: the Monitor is shown, the command is acknowledged and the portal told.
    const accepted = await page.evaluate(() => ps.open('monitor'));
    assert.equal(accepted.type, 'accepted');
    assert.equal(accepted.command, 'open');
    await page.waitForFunction(() => events.some((e) => e.type === 'workspace' && e.workspace === 'monitor'));
    assert.equal(await shown(frame), 'monitor');

    // loadFile: bytes with a name, replayed by the Monitor as if dropped on it.
    const csv = metricsCsv();
    const fileAccepted = await page.evaluate((text) => ps.loadFile({ name: 'pipeline.csv', data: new TextEncoder().encode(text).buffer }, { workspace: 'monitor' }), csv);
    assert.equal(fileAccepted.command, 'file');
    await frame.waitForSelector('canvas[data-metric="cpu"]');
    assert.match(await frame.locator('#monitor-source-name').innerText(), /pipeline\.csv · 2 metric\(s\)/);
    // The user speeds the replay up inside the frame, as they would in the tab.
    await frame.selectOption('#monitor-speed', 'max');

    // The planted fault opens an incident; the portal hears it opened, then resolved.
    await page.waitForFunction(() => events.some((e) => e.type === 'incident' && e.change === 'opened'), null, { timeout: 60_000 });
    const [opened] = await events(page, `(e) => e.type === 'incident' && e.change === 'opened'`);
    const inc = opened.incident;
    assert.equal(opened.pipescope, 1);
    assert.equal(inc.uid, 'monitor-1');
    assert.equal(inc.source, 'monitor');
    assert.equal(inc.severity, 2);
    assert.deepEqual(inc.metrics, ['cpu']);
    assert.ok(inc.start_ms >= T0 + SPIKE[0] * 1000 && inc.start_ms < T0 + SPIKE[1] * 1000,
      `the incident starts in the fault (${new Date(inc.start_ms).toISOString()})`);
    assert.ok(inc.opened_ms >= inc.start_ms);
    assert.match(inc.title, /cpu/);
    assert.ok(inc.anomaly_count >= 1);
    await page.waitForFunction(() => events.some((e) => e.type === 'incident' && e.change === 'resolved'), null, { timeout: 60_000 });
    const [resolved] = await events(page, `(e) => e.type === 'incident' && e.change === 'resolved'`);
    assert.equal(resolved.incident.uid, 'monitor-1');
    assert.equal(resolved.incident.state, 'resolved');
    assert.ok(resolved.incident.end_ms > inc.start_ms && resolved.incident.end_ms <= T0 + (SPIKE[1] + 600) * 1000,
      `it ended after the fault (${new Date(resolved.incident.end_ms).toISOString()})`);
    // The same card the Incidents workspace shows.
    assert.equal(await frame.locator('article.incident-card[data-uid="monitor-1"]').count(), 1);
    // Each change is told once, and the status line travelled too.
    const incidentEvents = await events(page, `(e) => e.type === 'incident'`);
    assert.deepEqual(incidentEvents.map((e) => `${e.change} ${e.incident.uid}`), ['opened monitor-1', 'resolved monitor-1']);
    const statuses = await events(page, `(e) => e.type === 'status'`);
    assert.ok(statuses.some((e) => /pipeline\.csv/.test(e.text)), `status events name the file (${statuses.map((e) => e.text).join(' | ')})`);
    // A bad command through the API rejects with the page's reason.
    const bad = await page.evaluate(() => ps.open('nowhere').then(() => null, (e) => ({ code: e.code, message: e.message })));
    assert.equal(bad.code, 'field');
    assert.match(bad.message, /'workspace' should be one of distribution, monitor, errors, incidents, checks, not a string \("nowhere"\)/);
    assert.equal(await shown(frame), 'monitor', 'a refused command changes nothing');
    await page.waitForFunction(() => document.querySelectorAll('#incidents li').length >= 2);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'embed-portal.png') });

    // A file the Monitor cannot read: accepted (it was handed over), then the workspace's
    // error reaches the portal as a problem, and the replay so far stays.
    await page.evaluate(() => ps.loadFile({ name: 'notes.csv', data: 'just words\nno numbers here\n' }));
    await page.waitForFunction(() => events.some((e) => e.type === 'problem' && e.message), null, { timeout: 10_000 });
    const [problem] = await events(page, `(e) => e.type === 'problem' && e.message`);
    assert.equal(problem.workspace, 'monitor');
    assert.match(problem.message, /^notes\.csv: /);
    assert.equal(await frame.locator('#monitor-error').innerText(), problem.message, 'the banner the page shows');
    assert.match(await frame.locator('#monitor-source-name').innerText(), /pipeline\.csv/, 'the replay so far stays');
  });
});

test('the raw postMessage protocol: ready unasked, commands answered, malformed ones refused, another origin refused', async () => {
  await session('allowed.html', async (page) => {
    // A hand-made iframe, no embed.js API: what a portal written in another stack does.
    await page.evaluate((src) => {
      window.raw = [];
      const f = document.createElement('iframe');
      f.src = src + '#/distribution';
      f.style.cssText = 'width:100%;height:100%;border:0';
      addEventListener('message', (e) => {
        if (e.source === f.contentWindow && e.data && e.data.pipescope === 1) raw.push({ origin: e.origin, ...e.data });
      });
      document.getElementById('ps').append(f);
      window.send = (m) => f.contentWindow.postMessage(m, new URL(src).origin);
    }, app.url(SUB_PATH));
    // The parent's origin is allowed: it hears 'ready' without asking.
    await page.waitForFunction(() => raw.some((m) => m.type === 'ready'), null, { timeout: 30_000 });
    const ready = await page.evaluate(() => raw.find((m) => m.type === 'ready'));
    assert.equal(ready.origin, app.origin);
    assert.equal(ready.workspace, 'distribution');
    // With it, the status line as it stands.
    await page.waitForFunction(() => raw.some((m) => m.type === 'status' && /^Ready\. Drop a CSV/.test(m.text)));
    const frame = await psFrame(page);

    await page.evaluate(() => send({ pipescope: 1, type: 'open', workspace: 'errors', id: 1 }));
    await page.waitForFunction(() => raw.some((m) => m.type === 'accepted' && m.id === 1));
    await page.waitForFunction(() => raw.some((m) => m.type === 'workspace' && m.workspace === 'errors'));
    assert.equal(await shown(frame), 'errors');

    const HOSTILE = '<img src=x onerror="window.__pwned=1">';
    await page.evaluate((h) => {
      send({ pipescope: 1, type: 'open', workspace: h, id: 2 });
      send({ pipescope: 2, type: 'open', workspace: 'monitor', id: 3 });
      send({ pipescope: 1, type: 'launch', id: 4 });
      send({ pipescope: 1, type: 'file', name: 'x.csv', id: 5 });
      send({ pipescope: 1, type: 'source', prom: 'localhost:9090', query: 'up', id: 6 });
      send({ type: 'open', workspace: 'monitor', id: 7 }); // not pipescope's: ignored
      send('open monitor'); // not an object: ignored
      send({ pipescope: 1, type: 'subscribe', id: 8 });
    }, HOSTILE);
    await page.waitForFunction(() => raw.some((m) => m.id === 8));
    const answers = await page.evaluate(() => Object.fromEntries(raw.filter((m) => m.id != null && m.type !== 'ready').map((m) => [m.id, m])));
    assert.equal(answers[2].code, 'field');
    assert.ok(answers[2].message.includes('<img src=x onerror='), 'the refusal quotes the value, as text');
    assert.equal(answers[3].code, 'version');
    assert.match(answers[3].message, /send pipescope: 1/);
    assert.equal(answers[4].code, 'type');
    assert.match(answers[4].message, /unknown message type 'launch'/);
    assert.equal(answers[5].code, 'field');
    assert.match(answers[5].message, /'file' needs 'data'/);
    assert.equal(answers[6].code, 'source');
    assert.match(answers[6].message, /write it as http:\/\/localhost:9090/);
    assert.equal(answers[7], undefined, 'a message without pipescope gets no answer');
    assert.equal(answers[8].type, 'accepted');
    assert.equal(await shown(frame), 'errors', 'nothing refused changed the view');
    assert.equal(await frame.evaluate(() => window.__pwned), undefined);

    // A third origin, not listed by the deployer, sends commands to the same frame.
    await page.evaluate((src) => {
      const f = document.createElement('iframe');
      f.src = src;
      f.style.cssText = 'position:absolute;width:1px;height:1px;left:-10px';
      document.body.append(f);
    }, `${evil.url('/evil/')}evil.html`);
    let evilFrame;
    await page.waitForFunction(() => document.querySelectorAll('iframe').length === 2);
    for (let i = 0; i < 100 && !evilFrame; i++) {
      evilFrame = page.frames().find((f) => f.url().startsWith(evil.origin));
      if (!evilFrame) await page.waitForTimeout(50);
    }
    await evilFrame.waitForFunction(() => replies.length >= 2);
    const replies = await evilFrame.evaluate(() => replies);
    assert.ok(replies.every((r) => r.data.type === 'error' && r.data.code === 'origin'), JSON.stringify(replies));
    assert.match(replies[0].data.message, new RegExp(`does not take commands from ${evil.origin.replace(/[.]/g, '\\.')}.*pipescope-embed-origins`));
    await page.waitForTimeout(300);
    assert.equal(await shown(frame), 'errors', 'the other origin did not switch the workspace');
    const after = await page.evaluate(() => raw.filter((m) => m.type === 'workspace').map((m) => m.workspace));
    assert.deepEqual(after, ['errors'], 'and the portal heard of no switch');
  });
});

test('by default (no origin listed) the page refuses a portal on another origin', async () => {
  await session('stock.html', async (page) => {
    const result = await page.evaluate(() => window.mountPs({ workspace: 'distribution', readyTimeout: 20_000 }));
    assert.equal(result.rejected, 'origin', `refused (got ${JSON.stringify(result)})`);
    assert.match(result.message, new RegExp(`does not take commands from ${portalOrigin.replace(/[.]/g, '\\.')}`));
    assert.match(result.message, /<meta name="pipescope-embed-origins">/);
    const errors = await events(page, `(e) => e.type === 'error'`);
    assert.equal(errors.length, 1, 'the error event fired once');
    assert.equal((await events(page, `(e) => e.type === 'ready'`)).length, 0, 'never ready');
    const open = await page.evaluate(() => ps.open('monitor').then(() => 'accepted', (e) => e.code));
    assert.equal(open, 'origin', 'commands after the refusal reject at once');
    const frame = await psFrame(page);
    assert.ok(frame.url().startsWith(app.url(STOCK_PATH)));
    // The raw protocol is refused too, and the page stays as it was.
    await page.evaluate((o) => document.querySelector('iframe').contentWindow.postMessage({ pipescope: 1, type: 'open', workspace: 'monitor' }, o), app.origin);
    await page.waitForTimeout(300);
    assert.equal(await shown(frame), 'distribution');
  });
});

test('connect() through the JS API watches a real Prometheus live, and stop() ends it', { timeout: 120_000 }, async () => {
  const stack = await startPromStack();
  // The deployer's reverse proxy beside the page, on its origin (the page's CSP allows no other).
  const promPath = SUB_PATH.replace(/pipescope\/$/, 'prom/');
  app.mount(promPath, { proxy: `${stack.prometheus.url}/` });
  try {
    await session('allowed.html', async (page) => {
      const ready = await page.evaluate(() => window.mountPs({}));
      assert.equal(ready.type, 'ready');
      const accepted = await page.evaluate(([prom, query]) => ps.connect({ prom, query, step: 1, history: 5 }), [promPath, GAUGE]);
      assert.equal(accepted.command, 'source');
      const frame = await psFrame(page);
      await frame.waitForSelector('#prom-status[data-state="live"]', { timeout: 30_000 });
      assert.equal(await shown(frame), 'monitor', 'the Monitor is shown');
      // The view is shareable: the frame's hash carries the source.
      const hash = await frame.evaluate(() => location.hash);
      assert.match(hash, /^#\/monitor\?prom=/);
      assert.ok(decodeURIComponent(hash).includes(GAUGE));
      await page.waitForFunction(() => events.some((e) => e.type === 'status' && /^Prometheus: 1 series, 5 min/.test(e.text)), null, { timeout: 10_000 })
        .catch(async () => assert.fail(`no Prometheus status event: ${JSON.stringify(await page.evaluate(() => events.filter((e) => e.type === 'status').map((e) => e.text)))}`));
      assert.equal((await page.evaluate(() => ps.stop())).command, 'stop');
      await frame.waitForSelector('#prom-status[data-state="stopped"]');
      await page.waitForFunction(() => events.some((e) => e.type === 'status' && /stopped/.test(e.text)));
      // Settings the form would refuse are refused with its words.
      const bad = await page.evaluate(() => ps.connect({ prom: '/p', query: 'up', step: 0 }).then(() => null, (e) => e.message));
      assert.match(bad, /^source: .*Step/);
    });
  } finally {
    app.unmount(promPath);
    await stack.stop();
  }
});

test('the shipped example portal (public/embed-example.html) runs beside the page on its origin', async () => {
  await session('example', async (page) => {
    const frame = await psFrame(page);
    await page.waitForFunction(() => !/connecting/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
    assert.equal(await shown(frame), 'monitor', 'mounted on the Monitor');
    await page.click('#open-incidents');
    await frame.waitForSelector('section[data-workspace="incidents"]:not([hidden])');
    await page.setInputFiles('#file', { name: 'pipeline.csv', mimeType: 'text/csv', buffer: Buffer.from(metricsCsv()) });
    await frame.waitForSelector('canvas[data-metric="cpu"]');
    assert.equal(await shown(frame), 'monitor', 'the file went to the Monitor');
    assert.match(await page.locator('#status').innerText(), /pipeline\.csv/);
  }, { url: `${app.url(STOCK_PATH)}public/embed-example.html` });
});
