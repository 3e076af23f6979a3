// What e2e/offline.mjs and e2e/a11y.mjs share: where the site and the data are, the server,
// Debian's Chromium through playwright-core, the check log, and a tiny model trained in the
// tab (the panels need one). Environment as e2e/test.mjs: DIST (default ../dist), DATA
// (default ../data), CHROMIUM (default /usr/bin/chromium).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..');
export const dist = path.resolve(process.env.DIST || path.join(root, 'dist'));
export const data = path.resolve(process.env.DATA || path.join(root, 'data'));
export const artifacts = path.join(here, 'artifacts');
fs.mkdirSync(artifacts, { recursive: true });

/** A list of named checks, printed as they come and saved as `artifacts/<name>.json`. */
export function checks(name) {
  const results = { checks: [] };
  let failed = false;
  return {
    results,
    check(what, ok, detail) {
      results.checks.push({ name: what, ok, detail });
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail !== undefined ? ': ' + JSON.stringify(detail) : ''}`);
      if (!ok) failed = true;
    },
    get failed() { return failed; },
    save() { fs.writeFileSync(path.join(artifacts, `${name}.json`), JSON.stringify(results, null, 2)); },
  };
}

/**
 * Serves dist/ with the data on a random local port (`/data-broken/` from `broken`, default the
 * data itself); `stop()` also drops kept-alive connections.
 */
export async function startServer(port = 8000 + Math.floor(Math.random() * 900), broken = data) {
  const server = await serve({ dist, data, broken }, port);
  return {
    port,
    base: `http://127.0.0.1:${port}/`,
    stop: () => new Promise((ok) => { server.close(() => ok()); server.closeAllConnections(); }),
  };
}

/** Debian's Chromium, headless, with the flags known to work here (toolchain notes). */
export function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** A page in a fresh context (its own profile: storage, caches, service workers). */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1, acceptDownloads: true, ...options });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => { page.errors.push(e.message); console.log('page error:', e.message); });
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('404')) console.log('console error:', m.text()); });
  return page;
}

export async function setInput(page, sel, value) {
  await page.fill(sel, String(value));
  await page.dispatchEvent(sel, 'change');
}

/** Waits until the data is loaded and checked in every worker. */
export async function dataReady(page, timeout = 180_000) {
  await page.waitForSelector('#data-status[data-state=ready]', { timeout });
  return page.textContent('#data-status');
}

/**
 * Trains a small MLP (784-32-10, one epoch) in the Train panel and waits for its row: a model
 * in seconds, so the panels have something to show. Returns the row's cells.
 */
export async function trainTiny(page) {
  await page.click('#tab-train');
  await page.selectOption('#arch', 'mlp');
  await page.selectOption('#method', 'standard');
  await setInput(page, '#hidden', '32');
  await setInput(page, '#epochs', 1);
  await page.waitForSelector('#train-button:not([disabled])', { timeout: 180_000 });
  const before = await page.locator('#models tbody tr').count();
  await page.click('#train-button');
  await page.waitForFunction((n) => document.querySelectorAll('#models tbody tr').length > n, before, { timeout: 600_000, polling: 250 });
  return page.locator('#models tbody tr').last().locator('td').allTextContents();
}

/** Opens Explore and waits for the exact noisy accuracy; returns σ and the figure. */
export async function exactReadout(page, timeout = 300_000) {
  await page.waitForSelector('#accuracy-readout[data-state=exact]', { timeout });
  return {
    std: await page.textContent('#noise-std-value'),
    accuracy: parseFloat(await page.getAttribute('#accuracy-readout', 'data-value')),
  };
}
