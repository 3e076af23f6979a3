// The whole report in one tab, timed (issue 10's "whole report in <= 10 minutes"). A fresh
// browser profile opens the Reproduce panel with the crossbar simulation on at its default
// (the report's) settings, presses "Train all", and waits until every row of every section
// is complete: each figure of its section that the panel shows is in (trainings, the noise
// curves' draws, the fault curves). Run by `bash e2e/run.sh --full-report` after the site is
// built. Writes e2e/artifacts/full-report.json: the wall time, each row's completion time,
// the final table (for comparing with `mpg reproduce`), the load average before and after,
// the CPU model, and the longest main-thread task.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const dist = path.resolve(process.env.DIST || path.join(root, 'dist'));
const data = path.resolve(process.env.DATA || path.join(root, 'data'));
const limitMinutes = Number(process.env.E2E_FULL_REPORT_LIMIT_MIN || 45);
const artifacts = path.join(here, 'artifacts');
fs.mkdirSync(artifacts, { recursive: true });

const port = 8000 + Math.floor(Math.random() * 900);
const server = await serve({ dist, data, broken: data }, port);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
const page = await context.newPage();
page.on('pageerror', (e) => console.log('page error:', e.message));
await page.addInitScript(() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
});

const result = { cpu: os.cpus()[0].model, cores: os.cpus().length, loadBefore: os.loadavg(), rows: {}, ok: false };
await page.goto(`http://127.0.0.1:${port}/?shipped=0#tab=reproduce&xbar=on`);
await page.waitForSelector('#train-all:not([disabled])', { timeout: 120_000 });
// Data loaded in every worker before the clock starts: the Train button says so.
await page.click('#tab-train');
await page.waitForSelector('#train-button:not([disabled])', { timeout: 120_000 }).catch(() => {});
await page.click('#tab-reproduce');
const rows = await page.$$eval('#report-table tbody tr[data-key]', (rs) => [...new Set(rs.map((r) => r.dataset.key))]);
console.log(`${rows.length} rows; pressing "Train all"`);
const t0 = Date.now();
await page.click('#train-all');
let lastLog = 0;
for (;;) {
  const state = await page.$$eval('#report-table tbody tr[data-key]', (rs) => rs.map((r) => [r.dataset.key, r.dataset.complete === 'true']));
  const seconds = (Date.now() - t0) / 1000;
  for (const [key, done] of state) if (done && !(key in result.rows)) result.rows[key] = seconds;
  const complete = state.filter((r) => r[1]).length;
  if (complete === state.length) break;
  if (seconds - lastLog >= 30) {
    lastLog = seconds;
    console.log(`${seconds.toFixed(0)} s: ${complete}/${state.length} rows complete`);
  }
  if (seconds > limitMinutes * 60) {
    console.log(`not complete after ${limitMinutes} min`);
    break;
  }
  await page.waitForTimeout(1000);
}
result.seconds = (Date.now() - t0) / 1000;
result.ok = Object.keys(result.rows).length >= 1 && (await page.$$eval('#report-table tbody tr[data-key]', (rs) => rs.every((r) => r.dataset.complete === 'true')));
result.loadAfter = os.loadavg();
result.cells = await page.$$eval('#report-table tbody tr[data-key]', (rs) => rs.map((r) => [r.closest('tbody').dataset.section, r.dataset.key, ...[...r.querySelectorAll('td')].map((td) => td.textContent)]));
result.longestTaskMs = Math.max(0, ...(await page.evaluate(() => window.__longTasks.map((t) => t.duration))));
fs.writeFileSync(path.join(artifacts, 'full-report.json'), JSON.stringify(result, null, 2));
console.log(`${result.ok ? 'ok  ' : 'FAIL'} the whole report in one tab: ${result.seconds.toFixed(0)} s (load ${result.loadBefore.map((l) => l.toFixed(2)).join(' ')} -> ${result.loadAfter.map((l) => l.toFixed(2)).join(' ')}, ${result.cpu})`);
await browser.close();
server.close();
process.exit(result.ok ? 0 : 1);
