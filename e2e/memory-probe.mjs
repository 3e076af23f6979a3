// Peak memory of the app's workers while the page trains LeNet (EPOCHS, default 1) and
// evaluates it (the Explore readout at σ 1.0 and the curves the evaluators compute for a new
// model). Each worker's wasm memory size, read through DevTools (the worker binary exposes its
// WebAssembly.Memory as self.mpgWasmMemory; wasm memory never shrinks, so its size at the end
// is the worker's peak heap), and VmHWM (peak resident set) of this browser's renderer
// processes from /proc (the page's renderer holds the main thread and every worker).
// Run after `trunk build --release`: node e2e/memory-probe.mjs
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = 8800 + Math.floor(Math.random() * 100);
const server = await serve({ dist: path.join(root, 'dist'), data: path.join(root, 'data'), broken: path.join(root, 'data') }, port);
const marker = '--mpg-probe-' + Math.floor(Math.random() * 1e9);
const ppid = (pid) => { try { const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); return st.slice(st.lastIndexOf(')') + 2).split(' ')[1]; } catch { return '0'; } };
function mine(pid) {
  for (let p = pid, i = 0; p !== '0' && p !== '1' && i < 6; p = ppid(p), i++) {
    try { if (fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker)) return true; } catch { return false; }
  }
  return false;
}
function renderers() {
  const out = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd; try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
    if (!cmd.includes('--type=renderer') || !mine(pid)) continue;
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(status.match(new RegExp(`${k}:\\s+(\\d+)`))[1]);
    const threads = fs.readdirSync(`/proc/${pid}/task`).map((t) => { try { return fs.readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(); } catch { return ''; } });
    out.push({ pid, peakMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024, workers: threads.filter((c) => c.startsWith('DedicatedWorker')).length });
  }
  return out;
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', marker],
});
const page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
const cdp = await page.context().newCDPSession(page);
const workers = []; let nextId = 1; const pending = new Map();
cdp.on('Target.attachedToTarget', (e) => workers.push(e.sessionId));
cdp.on('Target.receivedMessageFromTarget', (e) => { const m = JSON.parse(e.message); if (m.id && pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); } });
const inWorker = (sessionId, method, params) => new Promise((res) => { const id = nextId++; pending.set(id, res); cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }); });
await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
async function wasmMiB() {
  const out = [];
  for (const w of workers) {
    const r = await inWorker(w, 'Runtime.evaluate', { expression: 'self.mpgWasmMemory ? self.mpgWasmMemory.buffer.byteLength : -1', returnByValue: true });
    out.push(Math.round(r.result?.result?.value / 2 ** 20));
  }
  return out;
}
await page.goto(`http://127.0.0.1:${port}/?shipped=0`);
await page.click('#tab-train');
await page.selectOption('#arch', 'lenet');
await page.fill('#epochs', process.env.EPOCHS || '1');
await page.dispatchEvent('#epochs', 'change');
await page.waitForSelector('#train-button:not([disabled])', { timeout: 120_000 });
await page.click('#train-button');
await page.waitForFunction(() => document.querySelectorAll('#models tbody tr').length > 0, null, { timeout: 1_800_000, polling: 500 });
const row = await page.locator('#models tbody tr').last().locator('td').allTextContents();
const afterTraining = { renderers: renderers(), workerWasmMiB: await wasmMiB() };
await page.click('#tab-explore');
await page.fill('#noise-std', '1');
await page.waitForSelector('#accuracy-readout[data-state=exact]', { timeout: 600_000 });
const readout = await page.getAttribute('#accuracy-readout', 'data-value');
await page.waitForTimeout(Number(process.env.SETTLE || 30_000)); // the evaluators' curves
const afterEval = { renderers: renderers(), workerWasmMiB: await wasmMiB() };
console.log(JSON.stringify({ epochs: Number(process.env.EPOCHS || 1), modelRow: row.slice(0, 3), afterTraining, readoutAtStd1: readout, afterEval, load: fs.readFileSync('/proc/loadavg', 'utf8').trim() }));
await browser.close();
server.close();
