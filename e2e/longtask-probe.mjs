// A probe, not part of the suite (like memory-probe.mjs): the main thread's long tasks while
// the default MLP trains one epoch, in a fresh context with the service worker allowed and
// one with it blocked, N times (default 3); one JSON line per run: the longest task and each
// task's start after Train was pressed, in ms. Compare builds with DIST=...:
//   DATA=../shared/data N=3 node e2e/longtask-probe.mjs
import { dataReady, launch, newPage, startServer } from './lib.mjs';
const runs = Number(process.env.N || 3);
const browser = await launch();
const server = await startServer();
for (let i = 0; i < runs; i++) {
  for (const sw of ['allow', 'block']) {
    const page = await newPage(browser, { serviceWorkers: sw });
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push({ start: Math.round(e.startTime), d: Math.round(e.duration) }); }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(server.base);
    await dataReady(page);
    await page.click('#tab-train');
    await page.fill('#epochs', '1'); await page.dispatchEvent('#epochs', 'change');
    await page.waitForSelector('#train-button:not([disabled])', { timeout: 120000 });
    const t0 = await page.evaluate(() => performance.now());
    await page.click('#train-button');
    await page.waitForFunction(() => document.querySelectorAll('#models tbody tr').length > 0, null, { timeout: 600000, polling: 500 });
    const t1 = await page.evaluate(() => performance.now());
    const lt = await page.evaluate(([a, b]) => window.__longTasks.filter((t) => t.start >= a && t.start <= b), [t0, t1]);
    console.log(JSON.stringify({ run: i, sw, t0: Math.round(t0), secs: ((t1 - t0) / 1000).toFixed(1), max: Math.max(0, ...lt.map((t) => t.d)), tasks: lt.map((t) => `${t.start - Math.round(t0)}:${t.d}`).join(' ') }));
    await page.context().close();
  }
}
await browser.close();
await server.stop();
