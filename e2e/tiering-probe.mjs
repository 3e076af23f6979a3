// Why the app's trainer runs slower than the same engine in bench/web.sh: trains the MLP from
// the Train panel of the built site (dist/, data/) three times in one page (1, 2, 2 epochs,
// the same worker), then once more in a fresh browser with V8's wasm dynamic tiering off
// (`--js-flags=--no-wasm-dynamic-tiering`: every function compiled by the optimising tier up
// front). Prints the training time of each run as the models list shows it.
// Run after `trunk build --release`: node e2e/tiering-probe.mjs
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = 8800 + Math.floor(Math.random() * 100);
const server = await serve({ dist: path.join(root, 'dist'), data: path.join(root, 'data'), broken: path.join(root, 'data') }, port);
const base = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'];
for (const [label, args, runs] of [['dynamic tiering (default)', base, [1, 2, 2]], ['no dynamic tiering', [...base, '--js-flags=--no-wasm-dynamic-tiering'], [2]]]) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args });
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.click('#tab-train');
  for (const epochs of runs) {
    await page.fill('#epochs', String(epochs));
    await page.dispatchEvent('#epochs', 'change');
    await page.waitForSelector('#train-button:not([disabled])', { timeout: 120_000 });
    const n = await page.locator('#models tbody tr').count();
    await page.click('#train-button');
    await page.waitForFunction((n) => document.querySelectorAll('#models tbody tr').length > n, n, { timeout: 600_000, polling: 1000 });
    const cells = await page.locator('#models tbody tr').last().locator('td').allTextContents();
    console.log(`${label}: ${epochs} epoch(s): ${cells[2]} of training, ${cells[1]}`);
  }
  await browser.close();
}
server.close();
