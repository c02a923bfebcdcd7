// The app shell: navigation, hash routes, every workspace built and titled, keyboard reach,
// system theme, and serving from a sub-path.
import assert from 'node:assert/strict';
import { appSession, gotoApp, screenshot, SUB_PATH } from './harness.mjs';

const { test } = appSession();

const WORKSPACES = ['distribution', 'monitor', 'errors', 'incidents', 'checks'];
const TITLES = { distribution: 'Distribution', monitor: 'Monitor', errors: 'Errors', incidents: 'Incidents', checks: 'Checks' };

/** Which workspace section is visible and which nav link claims aria-current="page". */
async function shellState(page) {
  return page.evaluate(() => {
    const visible = [...document.querySelectorAll('main section[data-workspace]')]
      .filter((s) => s.checkVisibility ? s.checkVisibility() : s.offsetParent !== null)
      .map((s) => s.dataset.workspace);
    const current = [...document.querySelectorAll('nav a[aria-current="page"]')].map((a) => a.getAttribute('href'));
    return { visible, current };
  });
}

test('nav lists the five workspaces and the status line is a live region', async ({ page }) => {
  for (const name of WORKSPACES) {
    const link = page.locator(`nav a[href="#/${name}"]`);
    assert.equal(await link.count(), 1, `expected one nav link to #/${name}`);
    assert.match((await link.textContent()).trim(), new RegExp(name, 'i'), `nav link #/${name} should be labelled with its name`);
  }
  assert.equal(await page.locator('#status').getAttribute('role'), 'status', '#status should have role=status');
});

test('hash routes switch the visible workspace and aria-current', async ({ page, base }) => {
  for (const name of WORKSPACES) {
    await page.goto(base + `#/${name}`);
    await page.waitForSelector(`main section[data-workspace="${name}"]`, { state: 'visible' });
    const st = await shellState(page);
    assert.deepEqual(st.visible, [name], `after loading #/${name}, only that workspace should be visible`);
    assert.deepEqual(st.current, [`#/${name}`], `after loading #/${name}, only its link should have aria-current="page"`);
    await screenshot(page, `shell-${name}`);
  }
  // In-page navigation by clicking the links, not just loading the URL.
  for (const name of [...WORKSPACES].reverse()) {
    await page.click(`nav a[href="#/${name}"]`);
    await page.waitForFunction((n) => location.hash === `#/${n}`, name);
    await page.waitForSelector(`main section[data-workspace="${name}"]`, { state: 'visible' });
    const st = await shellState(page);
    assert.deepEqual(st.visible, [name], `after clicking the ${name} link`);
    assert.deepEqual(st.current, [`#/${name}`], `after clicking the ${name} link`);
  }
  // Back button follows the hash history: distribution was clicked last, monitor before it.
  await page.goBack();
  await page.waitForFunction(() => location.hash === '#/monitor');
  await page.waitForSelector('main section[data-workspace="monitor"]', { state: 'visible' });
  assert.deepEqual((await shellState(page)).current, ['#/monitor'], 'after the Back button');
});

test('a page without a hash opens a workspace and marks it current', { hash: '' }, async ({ page }) => {
  const st = await shellState(page);
  assert.equal(st.visible.length, 1, `exactly one workspace should be visible, saw ${JSON.stringify(st.visible)}`);
  assert.deepEqual(st.current, [`#/${st.visible[0]}`]);
});

test('every workspace is built: it shows its own title and controls, never "not built yet"', async ({ page, base }) => {
  for (const name of WORKSPACES) {
    await page.goto(base + `#/${name}`);
    const section = page.locator(`main section[data-workspace="${name}"]`);
    await section.waitFor({ state: 'visible' });
    assert.equal((await section.locator('h1').first().textContent()).trim(), TITLES[name]);
    assert.doesNotMatch(await section.innerText(), /not built yet/i, `#/${name} should be built`);
    assert.ok(await section.locator('button, select, input').count() > 0, `#/${name} has controls`);
  }
});

test('keyboard: Tab reaches every nav link and the file picker', async ({ page }) => {
  const seen = new Set();
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      if (el.matches('nav a')) return `nav:${el.getAttribute('href')}`;
      if (el.matches('input#file-input') || el.matches('label[for="file-input"]') || el.querySelector?.('#file-input')) return 'file-picker';
      if (el.id === 'demo-data') return 'demo-data';
      return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`;
    });
    if (id) seen.add(id);
    if (WORKSPACES.every((w) => seen.has(`nav:#/${w}`)) && seen.has('file-picker') && seen.has('demo-data')) break;
  }
  for (const w of WORKSPACES) assert.ok(seen.has(`nav:#/${w}`), `Tab never focused the #/${w} link; focused: ${[...seen].join(', ')}`);
  assert.ok(seen.has('file-picker'), `Tab never focused the file picker (input#file-input or its label); focused: ${[...seen].join(', ')}`);
  assert.ok(seen.has('demo-data'), `Tab never focused button#demo-data; focused: ${[...seen].join(', ')}`);

  // Enter on a focused nav link follows it.
  await page.focus('nav a[href="#/errors"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('main section[data-workspace="errors"]', { state: 'visible' });
  // Focus is visible: the focused link draws an outline or a box shadow.
  const ring = await page.evaluate(() => {
    const cs = getComputedStyle(document.activeElement);
    return { outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0, shadow: cs.boxShadow !== 'none' };
  });
  assert.ok(ring.outline || ring.shadow, 'the focused nav link should show a focus ring (outline or box-shadow)');
});

/** Relative luminance of a CSS rgb()/rgba() colour string. */
function luminance(css) {
  const m = css.match(/[\d.]+/g);
  assert.ok(m && m.length >= 3, `cannot read colour ${css}`);
  const [r, g, b] = m.slice(0, 3).map(Number).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

test('light and dark themes follow the system colour scheme', async ({ page }) => {
  const bodyBg = () => page.evaluate(() => {
    // The body may be transparent with the colour on <html>; report what the user sees.
    for (const el of [document.body, document.documentElement]) {
      const c = getComputedStyle(el).backgroundColor;
      if (c && c !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(c)) return c;
    }
    return 'rgb(255, 255, 255)';
  });
  await page.emulateMedia({ colorScheme: 'light' });
  const light = await bodyBg();
  await screenshot(page, 'shell-theme-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(100);
  const dark = await bodyBg();
  await screenshot(page, 'shell-theme-dark');
  assert.notEqual(dark, light, `body background should change with the colour scheme (light ${light}, dark ${dark})`);
  assert.ok(luminance(light) > 0.6, `light theme background should be light, got ${light}`);
  assert.ok(luminance(dark) < 0.1, `dark theme background should be dark, got ${dark}`);
  const text = await page.evaluate(() => getComputedStyle(document.body).color);
  assert.ok(luminance(text) > 0.4, `dark theme text should be light, got ${text}`);
});

test('served under a sub-path: every asset loads relative to it, wasm as application/wasm', { goto: false }, async ({ page, base, server }) => {
  const responses = [];
  page.on('response', (r) => responses.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] || '' }));
  await gotoApp(page, base, '#/distribution');
  await page.waitForLoadState('networkidle');
  assert.ok(base.includes(SUB_PATH), `the app should be served under ${SUB_PATH}`);
  const bad = responses.filter((r) => r.status >= 400);
  assert.deepEqual(bad, [], 'no request should fail');
  const outside = server.log.filter((l) => !l.split(' ')[1].startsWith(SUB_PATH));
  assert.deepEqual(outside, [], `every request should stay under ${SUB_PATH} (absolute asset paths break sub-path hosting)`);
  const wasm = responses.filter((r) => r.url.endsWith('.wasm'));
  assert.ok(wasm.length >= 1, `the page should load its .wasm; it requested: ${responses.map((r) => r.url).join(', ')}`);
  for (const w of wasm) assert.match(w.type, /^application\/wasm/, `${w.url} served as ${w.type}`);
});

/** Drops a file named `name` holding `text` on the page, as a user dragging it in does. */
async function dropFile(page, name, text) {
  await page.evaluate(([n, t]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], n, { type: 'text/csv' }));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      document.body.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  }, [name, text]);
}

test('a dropped file goes to the workspace on screen, and only there', async ({ page }) => {
  const seq = () => page.evaluate(() => Number(document.body.dataset.loadSeq ?? 0));
  const before = await seq();
  // Monitor: the file replays as the stream; Distribution does not load it.
  await page.evaluate(() => { location.hash = '#/monitor'; });
  const rows = ['time,cpu'];
  for (let i = 0; i < 200; i += 1) rows.push(`${1_700_000_000 + 60 * i},${50 + (i % 7)}`);
  await dropFile(page, 'metrics.csv', rows.join('\n') + '\n');
  await page.waitForFunction(() => /metrics\.csv/.test(document.querySelector('#monitor-source-name')?.textContent ?? ''), null, { timeout: 15_000 });
  await page.waitForTimeout(300);
  assert.equal(await seq(), before, 'Distribution did not load the Monitor\'s file');
  assert.equal(await page.evaluate(() => location.hash), '#/monitor', 'the Monitor stays on screen');
  // Incidents takes no files: Distribution loads it and is shown.
  await page.evaluate(() => { location.hash = '#/incidents'; });
  await dropFile(page, 'table.csv', 'a,b\n1,x\n2,y\n');
  await page.waitForFunction((b) => Number(document.body.dataset.loadSeq ?? 0) > b, before, { timeout: 15_000 });
  assert.equal(await page.evaluate(() => location.hash), '#/distribution');
  assert.match(await page.locator('#monitor-source-name').textContent(), /metrics\.csv/, 'the Monitor kept its stream');
  // `k` plays and pauses only the stream on screen.
  await page.evaluate(() => { location.hash = '#/monitor'; });
  const playing = () => page.locator('#monitor-play').innerText();
  const was = await playing();
  await page.locator('body').press('k');
  await page.waitForFunction((w) => document.querySelector('#monitor-play').innerText !== w, was, { timeout: 5_000 });
});

test('a browser without WebAssembly SIMD is told why the page cannot start, not left blank', { goto: false }, async ({ page, context, base }) => {
  // This Chromium has SIMD, so the page's probe is made to fail as an older engine's would
  // (it cannot validate a module with a v128 type).
  await context.addInitScript(() => {
    const validate = WebAssembly.validate.bind(WebAssembly);
    WebAssembly.validate = (bytes) => (new Uint8Array(bytes).includes(123) ? false : validate(bytes));
  });
  await page.goto(base + '#/distribution', { waitUntil: 'load' });
  const alert = page.locator('p.unsupported[role="alert"]');
  await alert.waitFor({ state: 'visible' });
  const text = await alert.textContent();
  assert.match(text, /WebAssembly SIMD/, text);
  assert.match(text, /Chrome or Edge 91, Firefox 89, Safari 16\.4/, text);
  await screenshot(page, 'unsupported-browser');
});

test('a browser with WebAssembly SIMD sees no such warning', async ({ page }) => {
  assert.equal(await page.locator('p.unsupported').count(), 0, 'no SIMD warning in a browser that has it');
});
