// Why the app's first training after page load ran slower than the same engine in bench/web.sh,
// and whether the trainer's warm-up (WorkerCore::warm_up) fixes it. For each mode (MODES:
// default, notier = `--js-flags=--no-wasm-dynamic-tiering`, every function compiled by V8's
// optimising tier up front) a fresh browser loads the built site (dist/, data/), waits PAUSE ms
// after the Train button is enabled, then trains RUNS times (EPOCHS each) from the Train panel.
// Prints the panel's training time, click-to-row wall time, and the CPU seconds of each of this
// browser's threads (from /proc, so a busy machine inflates wall time but hardly CPU time).
// Run after `trunk build --release`: MODES=default,notier node e2e/tiering-probe.mjs
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = 8800 + Math.floor(Math.random() * 100);
const server = await serve({ dist: path.join(root, 'dist'), data: path.join(root, 'data'), broken: path.join(root, 'data') }, port);
const marker = '--mpg-probe-' + Math.floor(Math.random() * 1e9);
function ppid(pid) { try { const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); return st.slice(st.lastIndexOf(')') + 2).split(' ')[1]; } catch { return '0'; } }
function mine(pid) { for (let p = pid, i = 0; p !== '0' && p !== '1' && i < 6; p = ppid(p), i++) { try { if (fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker)) return true; } catch { return false; } } return false; }
function workerThreads() {
  const out = {};
  for (const pid of fs.readdirSync('/proc').filter(d => /^\d+$/.test(d))) {
    let cmd; try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
    if (!cmd.includes('chromium') || !cmd.includes('--type=renderer') || !mine(pid)) continue;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        const comm = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        const st = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        out[`${pid}/${tid}`] = { comm, cpu: (Number(f[11]) + Number(f[12])) / 100 };
      } catch {}
    }
  }
  return out;
}
const modes = (process.env.MODES || 'default').split(',');
for (const mode of modes) {
  const extra = mode === 'notier' ? ['--js-flags=--no-wasm-dynamic-tiering'] : [];
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', marker, ...extra] });
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
  page.on('console', m => { if (m.text().includes('warm-up')) console.log('  ', m.text()); });
  await page.goto(`http://127.0.0.1:${port}/?shipped=0`);
  await page.click('#tab-train');
  await page.fill('#epochs', process.env.EPOCHS || '1'); await page.dispatchEvent('#epochs', 'change');
  for (let run = 0; run < Number(process.env.RUNS || 2); run++) {
    await page.waitForSelector('#train-button:not([disabled])', { timeout: 120_000 });
    await page.waitForTimeout(Number(process.env.PAUSE || 3000));
    const n = await page.locator('#models tbody tr').count();
    const before = workerThreads(); const t0 = Date.now();
    await page.click('#train-button');
    await page.waitForFunction((n) => document.querySelectorAll('#models tbody tr').length > n, n, { timeout: 600_000, polling: 250 });
    const wall = (Date.now() - t0) / 1000; const after = workerThreads();
    const cells = await page.locator('#models tbody tr').last().locator('td').allTextContents();
    const deltas = Object.entries(after).map(([k, v]) => [v.comm, v.cpu - (before[k]?.cpu || 0)]).filter(([c, d]) => d > 0.2).sort((a, b) => b[1] - a[1]);
    console.log(`${mode} run ${run}: panel ${cells[2]}, click-to-row ${wall}s, load ${fs.readFileSync('/proc/loadavg','utf8').split(' ')[0]}, thread CPU s: ${deltas.map(([c, d]) => c + ' ' + d.toFixed(2)).join(', ')}`);
  }
  await browser.close();
}
server.close();
