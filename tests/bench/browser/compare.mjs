// Browser benchmark (issue 15): comparing two 100 MB files in the Checks workspace against
// profiling one of them in Distribution, in one headless Chromium session on the release page.
// Target: compare <= 2.2x profile.
//
//   node tests/bench/browser/compare.mjs [--mb 100] [--runs 3]
//
// Both files come from `pipescope gen-csv` (seeds 1 and 2: same columns, other values). Each
// run uses a fresh browser context (nothing kept from the previous run) and measures wall
// time on the page's clock: profile = file chosen -> profile published (body[data-load-seq]);
// compare = reference chosen -> current chosen (as soon as the reference is read) -> the
// status says "Compared". Runs alternate; medians and their ratio are printed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { DIST, REPO, launchBrowser, startServer } from '../../e2e/harness.mjs';

const { values: args } = parseArgs({
  options: { mb: { type: 'string', default: '100' }, runs: { type: 'string', default: '3' } },
});
const MB = Number(args.mb);
const RUNS = Number(args.runs);
const CLI = path.join(REPO, 'target', 'release', 'pipescope');
const APP = '/app/';

function file(seed) {
  const f = path.join(os.tmpdir(), `pipescope-bench-${MB}mb-seed${seed}.csv`);
  if (!fs.existsSync(f)) {
    const r = spawnSync(CLI, ['gen-csv', '--mb', String(MB), '--seed', String(seed), '--out', f], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${CLI} gen-csv failed (build it: cargo build --release --bin pipescope)`);
  }
  return f;
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function profileOnce(browser, base, f) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(base + '#/distribution', { waitUntil: 'load' });
  await page.waitForSelector('input#file-input', { state: 'attached', timeout: 60_000 });
  const prev = await page.evaluate(() => Number(document.body.dataset.loadSeq || 0));
  const t0 = await page.evaluate(() => performance.now());
  await page.setInputFiles('input#file-input', f);
  await page.waitForFunction((p) => Number(document.body.dataset.loadSeq || 0) > p || document.querySelector('.banner.error'),
    prev, { timeout: 600_000, polling: 50 });
  const ms = await page.evaluate((t0) => performance.now() - t0, t0);
  const err = await page.$('.banner.error');
  if (err) throw new Error(`profile failed: ${await err.textContent()}`);
  await context.close();
  return ms;
}

async function compareOnce(browser, base, ref, cur) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(base + '#/checks', { waitUntil: 'load' });
  await page.waitForSelector('input#reference-input', { state: 'attached', timeout: 60_000 });
  const t0 = await page.evaluate(() => performance.now());
  await page.setInputFiles('input#reference-input', ref);
  // The page reads one file at a time: the current file is chosen once the reference is in.
  await page.waitForFunction(() => /Open a current file/.test(document.querySelector('#status')?.textContent || '')
    || document.querySelector('#compare-error'), null, { timeout: 600_000, polling: 50 });
  await page.setInputFiles('input#current-input', cur);
  await page.waitForFunction(() => /^Compared /.test(document.querySelector('#status')?.textContent || '')
    || document.querySelector('#compare-error'), null, { timeout: 600_000, polling: 50 });
  const ms = await page.evaluate((t0) => performance.now() - t0, t0);
  const err = await page.$('#compare-error');
  if (err) throw new Error(`compare failed: ${await err.textContent()}`);
  const drifted = await page.textContent('#status');
  await context.close();
  return { ms, drifted };
}

const [a, b] = [file(1), file(2)];
const server = await startServer({ [APP]: DIST });
const browser = await launchBrowser();
const base = server.origin + APP;
const prof = [], cmp = [];
try {
  for (let i = 0; i < RUNS; i++) {
    prof.push(await profileOnce(browser, base, a));
    const c = await compareOnce(browser, base, a, b);
    cmp.push(c.ms);
    console.log(`run ${i + 1}: profile ${(prof.at(-1) / 1000).toFixed(2)} s, compare ${(c.ms / 1000).toFixed(2)} s (${c.drifted.trim()})`);
  }
} finally {
  await browser.close();
  await server.close();
}
const [p, c] = [median(prof), median(cmp)];
console.log(`${MB} MB files, median of ${RUNS}: profile one ${(p / 1000).toFixed(2)} s, compare two ${(c / 1000).toFixed(2)} s; compare / profile = ${(c / p).toFixed(2)} (target <= 2.2)`);
