// Offline use end to end: the service worker (pwa/sw.js, written into dist/ by
// pwa/build.mjs) caches every file of the build, so a reload with the host gone still opens
// a working page under its sub-path; a new deployment is offered in a banner and comes in
// only on the user's click, never under a running stream by itself; the page is installable.
// Every session is also held to the harness's rules: nothing requested off the origin, no
// console or page error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { before, after, test } from 'node:test';
import {
  DIST, REPO, SUB_PATH, startServer, launchBrowser, watchContext, gotoApp, loadSeq, waitForLoad,
  screenshot, tempDir,
} from './harness.mjs';

let browser;
before(async () => {
  if (!fs.existsSync(path.join(DIST, 'sw.js'))) {
    throw new Error(`${DIST}/sw.js is missing: build the page with Trunk (its post_build hook writes sw.js)`);
  }
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); });

/** The files sw.js says it caches (its FILES array), as written by pwa/build.mjs. */
function precacheList(dir) {
  const src = fs.readFileSync(path.join(dir, 'sw.js'), 'utf8');
  const m = /const FILES = (\[[\s\S]*?\]);/.exec(src);
  assert.ok(m, 'sw.js holds a FILES array');
  return JSON.parse(m[1]);
}

/** Every file of a build directory, relative and sorted. */
function filesOf(dir, rel = '') {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? filesOf(dir, r) : [r];
  }).sort();
}

/**
 * A fresh browser context on a static server of `dir` under SUB_PATH; fails the test if the
 * session broke the harness's rules or any request reached the server outside SUB_PATH.
 */
async function session(dir, fn) {
  const server = await startServer({ [SUB_PATH]: dir });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  const watch = watchContext(context, server.origin);
  const page = await context.newPage();
  watch.attach(page);
  page.setDefaultTimeout(20_000);
  let failure;
  try {
    await fn({ page, context, server, base: server.url(), watch });
  } catch (e) {
    failure = e;
    await screenshot(page, `FAILED-offline-${Date.now()}`).catch(() => {});
  }
  await page.waitForTimeout(100).catch(() => {});
  await context.close();
  await server.close();
  const problems = watch.problems();
  const outside = server.log.filter((l) => !l.split(' ')[1].startsWith(SUB_PATH));
  problems.push(...outside.map((l) => `request outside ${SUB_PATH}: ${l}`));
  if (failure && problems.length) failure.message += `\nsession problems:\n  ${problems.join('\n  ')}`;
  if (failure) throw failure;
  if (problems.length) throw new Error(`session broke the rules:\n  ${problems.join('\n  ')}`);
}

/** Waits until the service worker controls the page; returns its script URL and scope. */
async function waitControlled(page) {
  await page.waitForFunction(() => !!navigator.serviceWorker?.controller, null, { timeout: 60_000, polling: 100 });
  return page.evaluate(async () => ({
    script: navigator.serviceWorker.controller.scriptURL,
    scope: (await navigator.serviceWorker.getRegistration()).scope,
  }));
}

/** The page's pipescope caches: name -> cached URLs. */
function cacheContents(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const name of await caches.keys()) {
      if (!name.startsWith('pipescope ')) continue;
      out[name] = (await (await caches.open(name)).keys()).map((r) => r.url);
    }
    return out;
  });
}

const clockMs = (page) => page.evaluate(() => Number(document.querySelector('#monitor-clock')?.dataset.ms ?? NaN));

/** Waits until the Monitor's stream clock has moved past where it is now. */
async function waitTicking(page, what) {
  const from = await clockMs(page);
  try {
    await page.waitForFunction((t) => Number(document.querySelector('#monitor-clock').dataset.ms) > t, from, { timeout: 10_000, polling: 50 });
  } catch {
    throw new Error(`${what}: the Monitor's stream clock stayed at ${from}`);
  }
}

async function startMonitor(page) {
  await page.waitForSelector('main section[data-workspace="monitor"]', { state: 'visible' });
  await page.selectOption('#monitor-speed', '60x');
  await page.click('#monitor-play');
  await waitTicking(page, 'after Start');
}

test('with the host gone, a reload still opens the page from the cache under its sub-path, and it works', { timeout: 180_000 }, async () => {
  const files = precacheList(DIST);
  // sw.js names every file of the build (the page itself as './'), and only relative paths.
  const expected = ['./', ...filesOf(DIST).filter((f) => f !== 'sw.js' && f !== 'index.html')];
  assert.deepEqual([...files].sort(), expected.sort(), 'sw.js precaches exactly the files of dist/');
  for (const f of files) assert.doesNotMatch(f, /^(\/|[a-z]+:)/i, `precached path ${f} must be relative`);
  assert.ok(files.some((f) => f.endsWith('.wasm')), 'the .wasm is precached');

  await session(DIST, async ({ page, context, server, base }) => {
    await gotoApp(page, base, '#/distribution');
    const sw = await waitControlled(page);
    assert.equal(sw.script, base + 'sw.js', 'the worker is registered relative to the page');
    assert.equal(sw.scope, base, "its scope is the page's directory");
    const cached = await cacheContents(page);
    const names = Object.keys(cached);
    assert.equal(names.length, 1, `one cache for this deployment, saw ${JSON.stringify(names)}`);
    assert.deepEqual(cached[names[0]].sort(), files.map((f) => new URL(f, base).href).sort(), 'every listed file is in the cache');

    // The host goes away: the server stops and the browser is offline.
    await server.close();
    await context.setOffline(true);
    const served = server.log.length;
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('nav a[href="#/distribution"]', { state: 'attached', timeout: 30_000 });
    assert.equal(server.log.length, served, 'nothing reached the (stopped) server');
    assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller), 'the reloaded page is served by the worker');

    // It works, not just renders: the Distribution demo loads and the Monitor's simulator runs.
    const seq = await loadSeq(page);
    await page.click('#demo-data');
    const loaded = await waitForLoad(page, seq);
    assert.ok(Number(loaded.loadSeq) > seq);
    await page.waitForSelector('table.profile', { state: 'attached' });
    await page.click('nav a[href="#/monitor"]');
    await startMonitor(page);
    await waitTicking(page, 'offline');
    await screenshot(page, 'offline-monitor-without-network');

    // A fresh navigation (not a reload) to the page's directory with a query is served too.
    await page.goto(base + '?from=offline#/distribution', { waitUntil: 'load' });
    await page.waitForSelector('nav a[href="#/distribution"]', { state: 'attached', timeout: 30_000 });
  });
});

test('a new deployment is offered in a banner; the running stream keeps ticking until Reload is clicked', { timeout: 300_000 }, async () => {
  const dir = await tempDir('pipescope-offline-');
  await fsp.cp(DIST, dir, { recursive: true });
  const original = { sw: await fsp.readFile(path.join(dir, 'sw.js'), 'utf8'), html: await fsp.readFile(path.join(dir, 'index.html'), 'utf8') };
  /** Deploys a "new build" in place: a marked index.html and a sw.js of another version. */
  async function deploy(tag) {
    const html = original.html.replace('<head>', `<head><meta name="pipescope-build" content="${tag}">`);
    assert.notEqual(html, original.html);
    await fsp.writeFile(path.join(dir, 'index.html'), html);
    const sw = original.sw.replace(/const VERSION = "([0-9a-f]+)"/, `const VERSION = "$1-${tag}"`);
    assert.notEqual(sw, original.sw);
    await fsp.writeFile(path.join(dir, 'sw.js'), sw);
  }
  const build = (page) => page.evaluate(() => document.querySelector('meta[name="pipescope-build"]')?.content ?? 'first');
  const lookForUpdate = (page) => page.evaluate(async () => { await (await navigator.serviceWorker.getRegistration()).update(); });
  const banner = (page) => page.locator('#update-banner');

  try {
    await session(dir, async ({ page, base }) => {
      await gotoApp(page, base, '#/monitor');
      await waitControlled(page);
      // Anything that survives until the Reload click proves nothing reloaded the page.
      await page.evaluate(() => { window.__samePage = true; });
      await startMonitor(page);
      assert.equal(await banner(page).count(), 0, 'no banner while nothing new is deployed');

      await deploy('v2');
      await lookForUpdate(page);
      // Chromium holds the first update check after a journaled stream starts for up to about a
      // minute (not with ?journal=off); hence the long wait.
      await banner(page).waitFor({ state: 'visible', timeout: 90_000 });
      const text = await banner(page).innerText();
      assert.match(text, /A new version of pipescope is ready — Reload to update/);
      assert.match(text, /stream is running/i, 'the banner says the running stream is left alone');
      assert.ok(await page.locator('#update-reload').isVisible() && await page.locator('#update-dismiss').isVisible());
      // The viewport, where the fixed banner really sits (a full-page shot moves it).
      await screenshot(page, 'offline-update-banner', { fullPage: false });

      // The old version keeps running: the stream ticks on, no reload, the worker waits.
      for (let i = 0; i < 3; i += 1) {
        await page.waitForTimeout(1_000);
        await waitTicking(page, 'with the banner up');
      }
      assert.equal(await page.evaluate(() => window.__samePage), true, 'the page was not reloaded');
      assert.equal(await build(page), 'first', 'the old version still runs');
      assert.ok(await page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration()).waiting), 'the new worker waits');
      assert.equal(await page.locator('#monitor-play').innerText().then((t) => /Pause/.test(t)), true, 'the stream still plays');

      // "Not now" hides it; a later deployment offers itself again.
      await page.click('#update-dismiss');
      await banner(page).waitFor({ state: 'detached' });
      await deploy('v3');
      await lookForUpdate(page);
      await banner(page).waitFor({ state: 'visible', timeout: 60_000 });
      await waitTicking(page, 'after the second offer');
      assert.equal(await page.evaluate(() => window.__samePage), true, 'still not reloaded');

      // Only now, on the click, the new worker takes over and the page reloads into it.
      const loaded = page.waitForEvent('load', { timeout: 30_000 });
      await page.click('#update-reload');
      await loaded;
      await page.waitForSelector('nav a[href="#/distribution"]', { state: 'attached', timeout: 30_000 });
      assert.equal(await page.evaluate(() => window.__samePage), undefined, 'the page reloaded');
      assert.equal(await build(page), 'v3', 'the page runs the newest deployment');
      await waitControlled(page);
      const names = Object.keys(await cacheContents(page));
      assert.equal(names.length, 1, `the old caches are gone, saw ${JSON.stringify(names)}`);
      assert.match(names[0], /-v3$/, 'the remaining cache is the new version');
      assert.equal(await banner(page).count(), 0, 'no banner after updating');
      await page.click('nav a[href="#/monitor"]');
      await startMonitor(page);
    });
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('the page is installable: a manifest with start_url ".", standalone, theme colours and PNG icons', { timeout: 120_000 }, async () => {
  await session(DIST, async ({ page, base }) => {
    await gotoApp(page, base, '#/distribution');
    const found = await page.evaluate(async () => {
      const href = document.querySelector('link[rel="manifest"]').href;
      const res = await fetch(href);
      return { href, type: res.headers.get('content-type'), json: await res.json() };
    });
    assert.equal(found.href, base + 'manifest.webmanifest');
    assert.match(found.type, /manifest\+json|json/);
    const m = found.json;
    assert.equal(m.name, 'pipescope');
    assert.equal(m.short_name, 'pipescope');
    assert.equal(m.display, 'standalone');
    assert.equal(new URL(m.start_url, found.href).href, base, 'start_url is the page under its sub-path');
    assert.equal(m.theme_color, '#f6f8fa', 'theme colour: the light top bar (style/main.css --bg-soft)');
    assert.equal(m.background_color, '#ffffff', 'background: the light page (--bg)');
    for (const size of [192, 512]) {
      assert.ok(m.icons.some((i) => i.sizes === `${size}x${size}` && i.type === 'image/png'), `a ${size}px PNG icon`);
    }
    for (const icon of m.icons) {
      const info = await page.evaluate(async (u) => {
        const buf = new Uint8Array(await (await fetch(u)).arrayBuffer());
        const dv = new DataView(buf.buffer);
        return { sig: Array.from(buf.slice(1, 4)), w: dv.getUint32(16), h: dv.getUint32(20) };
      }, new URL(icon.src, found.href).href);
      assert.deepEqual(info.sig, [0x50, 0x4e, 0x47], `${icon.src} is a PNG`);
      assert.equal(`${info.w}x${info.h}`, icon.sizes, `${icon.src} has the size the manifest says`);
    }
    // The CSP still allows only the page's own origin, workers and manifest included.
    const csp = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]').content);
    assert.match(csp, /default-src 'self';/);
    assert.match(csp, /worker-src 'self';/);
    assert.match(csp, /connect-src 'self' data: blob:;/);
  });
});

/** Waits until no service worker is registered for the page. */
async function waitUnregistered(page, timeout = 30_000) {
  const registered = () => page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration()));
  for (const end = Date.now() + timeout; await registered();) {
    if (Date.now() > end) throw new Error(`a service worker is still registered after ${timeout} ms`);
    await page.waitForTimeout(200);
  }
}

test('PIPESCOPE_SERVICE_WORKER=off: an installed worker removes itself and its caches, and nothing reloads', { timeout: 180_000 }, async () => {
  const dir = await tempDir('pipescope-offline-off-');
  await fsp.cp(DIST, dir, { recursive: true });
  try {
    await session(dir, async ({ page, base }) => {
      await gotoApp(page, base, '#/distribution');
      await waitControlled(page);
      assert.equal(Object.keys(await cacheContents(page)).length, 1);
      await page.evaluate(() => { window.__samePage = true; });
      // The deployer rebuilds with offline use turned off (only the hook's part is rerun here).
      execFileSync(process.execPath, [path.join(REPO, 'pwa', 'build.mjs')], {
        env: { ...process.env, TRUNK_STAGING_DIR: dir, PIPESCOPE_SERVICE_WORKER: 'off' }, stdio: 'pipe',
      });
      await page.evaluate(async () => { await (await navigator.serviceWorker.getRegistration()).update(); });
      await waitUnregistered(page);
      assert.deepEqual(await cacheContents(page), {}, 'the caches are gone');
      assert.equal(await page.evaluate(() => window.__samePage), true, 'the open page was not reloaded');
      // The next load comes from the host and registers nothing that stays.
      await page.reload({ waitUntil: 'load' });
      await page.waitForSelector('nav a[href="#/distribution"]', { state: 'attached', timeout: 30_000 });
      // (It registers the self-removing worker once more, which goes again at once.)
      await waitUnregistered(page);
      assert.equal(await page.evaluate(() => navigator.serviceWorker.controller), null, 'nothing controls the reloaded page');
    });
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
