// End-to-end test of how the app heals (issue 11), on the built site in Debian's headless
// Chromium. The page is opened with `?test-hooks=1`, which gives it `window.__mpgTest.crash`:
// a real panic in a worker (the same path as any bug's), never reachable without that URL.
//   1. The trainer panics after epoch 1 of 2: the Train panel leaves the training state, keeps
//      the model after epoch 1, and the next training completes on a fresh trainer.
//   2. Every evaluator panics on its next evaluation (a job in flight): each is started again,
//      the job retried, and the next readout completes.
//   3. IndexedDB refuses a write (a stubbed QuotaExceededError at commit): the page says which
//      error, and which model was not saved.
//   4. Stored entries that no longer read are listed after a reload.
//   5. A model file over the upload cap is refused before it is read.
// Environment as e2e/test.mjs (DIST, DATA, CHROMIUM). Results: e2e/artifacts/heal.json.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const dist = path.resolve(process.env.DIST || path.join(root, 'dist'));
const data = path.resolve(process.env.DATA || path.join(root, 'data'));
const artifacts = path.join(here, 'artifacts');
fs.mkdirSync(artifacts, { recursive: true });

const results = { checks: [] };
let failed = false;
function check(name, ok, detail) {
  results.checks.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail !== undefined ? ': ' + JSON.stringify(detail) : ''}`);
  if (!ok) failed = true;
}

const port = 8000 + Math.floor(Math.random() * 900);
const server = await serve({ dist, data, broken: data }, port);
const base = `http://127.0.0.1:${port}/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

let current = null;
async function newPage(init) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  current = page;
  page.on('pageerror', (e) => console.log('page error:', e.message));
  // Every notice the status line shows, in order (a later one may replace a crash's).
  await page.addInitScript(() => {
    window.__notices = [];
    new MutationObserver(() => {
      const n = document.querySelector('.status .notice')?.textContent;
      if (n && window.__notices[window.__notices.length - 1] !== n) window.__notices.push(n);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  return page;
}

async function setInput(page, sel, value) {
  await page.fill(sel, String(value));
  await page.dispatchEvent(sel, 'change');
}

const rows = (page) => page.locator('#models tbody tr');

try {
  const page = await newPage();
  await page.goto(base + '?test-hooks=1&shipped=0');
  await page.waitForSelector('#data-status[data-state=ready]', { timeout: 120_000 });
  await page.click('#tab-train');
  await page.selectOption('#arch', 'mlp');
  await page.selectOption('#method', 'standard');
  await setInput(page, '#epochs', 2);
  await page.waitForSelector('#train-button:not([disabled])', { timeout: 120_000 });

  // 1. The trainer crashes after epoch 1 of 2.
  const armed = await page.evaluate(() => window.__mpgTest.crash('trainer', 'after-epoch-1'));
  const before = await rows(page).count();
  await page.click('#train-button');
  await page.waitForSelector('#run[data-state=failed]', { timeout: 900_000 });
  const runError = await page.textContent('#run .error');
  await page.waitForFunction((n) => document.querySelectorAll('#models tbody tr').length > n, before, { timeout: 60_000 });
  const kept = await rows(page).last().locator('td').allTextContents();
  check('a crashed trainer leaves the training state with a message, keeping the model after its last finished epoch',
    armed === true && /crashed/.test(runError) && /after epoch 1/.test(runError) && /trainer crashed after epoch 1 of 2/.test(kept[0]) && parseFloat(kept[1]) > 80,
    { armed, runError, kept: kept.slice(0, 2) });
  // The fresh trainer loads the data; the next training completes.
  await page.waitForSelector('#train-button:not([disabled])', { timeout: 180_000 });
  await setInput(page, '#epochs', 1);
  const beforeRetry = await rows(page).count();
  await page.click('#train-button');
  await page.waitForFunction((n) => document.querySelectorAll('#models tbody tr').length > n, beforeRetry, { timeout: 900_000, polling: 500 });
  const trained = await rows(page).last().locator('td').allTextContents();
  check('after the trainer crash the next training completes', !/crashed|cancelled/.test(trained[0]) && parseFloat(trained[1]) > 90, trained.slice(0, 2));

  // 2. Every evaluator panics on its next evaluation, with a job in flight.
  await page.click('#tab-explore');
  await page.waitForSelector('#accuracy-readout[data-state=exact]', { timeout: 300_000 });
  const armedEval = await page.evaluate(() => window.__mpgTest.crash('evaluators', 'next-eval'));
  await page.focus('#noise-std');
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  const std = await page.textContent('#noise-std-value');
  await page.waitForFunction(() => window.__notices.some((n) => /evaluator \d crashed/.test(n)), null, { timeout: 300_000, polling: 200 });
  await page.waitForSelector('#accuracy-readout[data-state=exact]', { timeout: 600_000 });
  const readout = { std, value: await page.getAttribute('#accuracy-readout', 'data-value'), notices: await page.evaluate(() => window.__notices.filter((n) => /crash/.test(n))) };
  check('crashed evaluators are started again and the next readout completes',
    armedEval === true && parseFloat(std) > 0 && parseFloat(readout.value) > 10 && readout.notices.some((n) => /started again/.test(n)), readout);

  // The model file, for the quota test.
  await page.click('#tab-train');
  const [download] = await Promise.all([page.waitForEvent('download'), rows(page).last().locator('button', { hasText: 'Download' }).click()]);
  const saved = path.join(artifacts, 'heal-model.safetensors');
  await download.saveAs(saved);

  // 4. Entries that no longer read are listed after a reload.
  await page.evaluate(() => new Promise((ok, err) => {
    const open = indexedDB.open('memristor-playground', 1);
    open.onerror = () => err(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction('models', 'readwrite');
      tx.objectStore('models').put({ meta: '{"name":"from an old version","id":1}', bytes: new Uint8Array([1, 2, 3]) }, 1);
      tx.objectStore('models').put('not a model at all', 2);
      tx.oncomplete = () => ok();
      tx.onabort = () => err(tx.error);
    };
  }));
  await page.reload();
  await page.click('#tab-train');
  await page.waitForSelector('#unreadable-models li', { timeout: 60_000 });
  const unreadable = await page.locator('#unreadable-models li').allTextContents();
  const restored = await rows(page).count();
  check('stored entries that no longer read are listed, not skipped', unreadable.length === 2 && /from an old version/.test(unreadable.join(' ')) && restored >= 2, { unreadable, restored });

  // 5. A model file over the upload cap (64 MB) is refused before it is read, saying why.
  const huge = path.join(artifacts, 'huge.safetensors');
  fs.writeFileSync(huge, '');
  fs.truncateSync(huge, 65 << 20); // sparse: nothing is written
  const rowsBeforeHuge = await rows(page).count();
  await page.setInputFiles('#upload-model', huge);
  await page.waitForFunction(() => window.__notices.some((n) => /huge\.safetensors is/.test(n)), null, { timeout: 30_000, polling: 100 });
  const capNotice = await page.evaluate(() => window.__notices.find((n) => /huge\.safetensors is/.test(n)));
  fs.rmSync(huge);
  check('a model file over the upload cap is refused with its size and the cap',
    /65\.0 MB/.test(capNotice) && /64\.0 MB/.test(capNotice) && (await rows(page).count()) === rowsBeforeHuge, capNotice);

  // 3. A write refused at commit (QuotaExceededError), stubbed into IndexedDB.
  const full = await newPage(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args) {
      const req = put.apply(this, args);
      const tx = this.transaction;
      Object.defineProperty(tx, 'error', { configurable: true, get: () => new DOMException('The quota has been exceeded.', 'QuotaExceededError') });
      tx.abort();
      return req;
    };
  });
  await full.goto(base + '?shipped=0');
  await full.waitForSelector('#data-status[data-state=ready]', { timeout: 120_000 });
  await full.click('#tab-train');
  await full.setInputFiles('#upload-model', saved);
  await full.waitForFunction(() => window.__notices.some((n) => /QuotaExceededError/.test(n)), null, { timeout: 120_000, polling: 200 });
  const quota = await full.evaluate(() => window.__notices.find((n) => /QuotaExceededError/.test(n)));
  const name = (await full.locator('#models tbody tr').last().locator('td').first().textContent()).trim();
  check('a quota error names itself and the model that was not saved', /QuotaExceededError: The quota has been exceeded/.test(quota) && quota.includes(`model '${name}' was not saved`), { quota, name });
  await full.context().close();
  current = page;
} catch (e) {
  check('heal test ran to the end', false, String(e));
  if (current) {
    await current.screenshot({ path: path.join(artifacts, 'heal-failure.png'), fullPage: true }).catch(() => {});
    console.log('page at failure:', await current.evaluate(() => document.body?.innerText.slice(0, 2000)).catch((x) => String(x)));
  }
} finally {
  fs.writeFileSync(path.join(artifacts, 'heal.json'), JSON.stringify(results, null, 2));
  await browser.close();
  server.close();
}
const passed = results.checks.filter((c) => c.ok).length;
console.log(`${failed ? 'HEAL E2E FAILED' : 'HEAL E2E PASSED'} (${passed}/${results.checks.length} checks ok)`);
process.exit(failed ? 1 : 0);
