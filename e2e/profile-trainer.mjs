// Where the trainer worker's time goes while the Train panel trains: a V8 CPU profile (DevTools
// Profiler, through the worker's own session) of every worker during one run, summarised as self
// time per function for the busiest worker. Function names need a build that keeps the wasm name
// section (Cargo.toml: `strip = "none"` for memristor-playground, then `trunk build --release
// --dist /tmp/dist-prof`); the shipped build strips them and shows wasm-function[N].
//   DIST=/tmp/dist-prof ARCH=mlp EPOCHS=2 node e2e/profile-trainer.mjs
// Writes the raw profiles to OUT (default e2e/artifacts/profiles/).
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.resolve(process.env.DIST || path.join(root, 'dist'));
const out = path.resolve(process.env.OUT || path.join(root, 'e2e/artifacts/profiles'));
fs.mkdirSync(out, { recursive: true });
const port = 8800 + Math.floor(Math.random() * 100);
const server = await serve({ dist, data: path.join(root, 'data'), broken: path.join(root, 'data') }, port);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
});
const page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
const cdp = await page.context().newCDPSession(page);
const workers = []; let nextId = 1; const pending = new Map();
cdp.on('Target.attachedToTarget', (e) => workers.push(e.sessionId));
cdp.on('Target.receivedMessageFromTarget', (e) => { const m = JSON.parse(e.message); if (m.id && pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); } });
const inWorker = (sessionId, method, params = {}) => new Promise((res) => { const id = nextId++; pending.set(id, res); cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }); });
await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
await page.goto(`http://127.0.0.1:${port}/?shipped=0`);
await page.click('#tab-train');
await page.selectOption('#arch', process.env.ARCH || 'mlp');
await page.fill('#epochs', process.env.EPOCHS || '2');
await page.dispatchEvent('#epochs', 'change');
await page.waitForSelector('#train-button:not([disabled])', { timeout: 120_000 });
await page.waitForTimeout(3000);
for (const w of workers) {
  await inWorker(w, 'Profiler.enable');
  await inWorker(w, 'Profiler.setSamplingInterval', { interval: 250 });
  await inWorker(w, 'Profiler.start');
}
const n = await page.locator('#models tbody tr').count();
await page.click('#train-button');
await page.waitForFunction((n) => document.querySelectorAll('#models tbody tr').length > n, n, { timeout: 1_800_000, polling: 250 });
const cells = await page.locator('#models tbody tr').last().locator('td').allTextContents();
console.log(`trained: ${cells.slice(0, 3).join(' | ')}`);
let best = null;
for (const [i, w] of workers.entries()) {
  const r = await inWorker(w, 'Profiler.stop');
  const profile = r.result?.profile;
  if (!profile) continue;
  fs.writeFileSync(path.join(out, `worker-${i}.cpuprofile`), JSON.stringify(profile));
  const dt = new Map();
  for (let k = 0; k < profile.samples.length; k++) dt.set(profile.samples[k], (dt.get(profile.samples[k]) || 0) + (profile.timeDeltas[k + 1] || 0));
  const self = new Map(); let total = 0;
  for (const node of profile.nodes) {
    const t = (dt.get(node.id) || 0) / 1000;
    if (!t) continue;
    const name = node.callFrame.functionName || `(${node.callFrame.url.split('/').pop() || 'anonymous'})`;
    self.set(name, (self.get(name) || 0) + t);
    if (name !== '(idle)' && name !== '(program)') total += t;
  }
  if (!best || total > best.total) best = { i, total, self };
}
console.log(`busiest worker: ${best.i}, ${(best.total / 1000).toFixed(2)} s busy`);
for (const [name, t] of [...best.self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP || 40))) {
  console.log(`${(100 * t / best.total).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(2).padStart(6)} s  ${name.slice(0, 140)}`);
}
await browser.close();
server.close();
