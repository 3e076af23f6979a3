// End-to-end test of the built site in Debian's headless Chromium (playwright-core, no
// downloaded browser). Serves dist/ on localhost with the real MNIST files, trains the MLP,
// drags the noise slider, checks the readout and the curve, reopens the shared URL in a fresh
// browser, trains fault-aware and noise-injection models and checks every trained model's
// epochs against the form, breaks a data file and checks the error screen.
//
// Screenshots of every panel go to e2e/artifacts/screenshots/ (ignored by git):
// scripts/screenshots.sh copies them into docs/screenshots/ when someone means to refresh
// them, so running the tests never dirties the tree.
//
// Environment: E2E_EPOCHS (default 1; 5 = the acceptance run), E2E_LENET=1 also trains LeNet
// for the benchmark, DIST (default ../dist), DATA (default ../data), CHROMIUM (default
// /usr/bin/chromium). Results: e2e/artifacts/results.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const dist = path.resolve(process.env.DIST || path.join(root, 'dist'));
const data = path.resolve(process.env.DATA || path.join(root, 'data'));
const epochs = Number(process.env.E2E_EPOCHS || 1);
const artifacts = path.join(here, 'artifacts');
const shots = path.join(artifacts, 'screenshots');
fs.mkdirSync(shots, { recursive: true });
fs.mkdirSync(artifacts, { recursive: true });

const results = { epochs, checks: [] };
let failed = false;
function check(name, ok, detail) {
  results.checks.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail !== undefined ? ': ' + JSON.stringify(detail) : ''}`);
  if (!ok) failed = true;
}

// A damaged copy of the data: one label flipped inside the gzip, so the SHA-256 check must fail.
const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'mpg-broken-'));
fs.mkdirSync(path.join(broken, 'mnist'));
for (const f of fs.readdirSync(path.join(data, 'mnist'))) fs.copyFileSync(path.join(data, 'mnist', f), path.join(broken, 'mnist', f));
{
  const file = path.join(broken, 'mnist', 't10k-labels-idx1-ubyte.gz');
  const raw = zlib.gunzipSync(fs.readFileSync(file));
  raw[100] = (raw[100] + 1) % 10;
  fs.writeFileSync(file, zlib.gzipSync(raw));
}

const port = 8000 + Math.floor(Math.random() * 900);
const server = await serve({ dist, data, broken }, port);
const base = `http://127.0.0.1:${port}/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

let current = null;
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  current = page;
  page.on('pageerror', (e) => console.log('page error:', e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('404')) console.log('console error:', m.text()); });
  // Every main-thread task over 50 ms, with its start and duration.
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  return page;
}

async function setInput(page, sel, value) {
  await page.fill(sel, String(value));
  await page.dispatchEvent(sel, 'change');
}

// The metadata of a .safetensors file: an 8-byte little-endian header length, then a JSON
// header whose `__metadata__` holds string values.
function safetensorsMetadata(file) {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  return JSON.parse(buf.subarray(8, 8 + n).toString('utf8')).__metadata__ || {};
}

// The JSON notes a model file carries about how it was trained (the metadata entry whose key
// names notes), or null.
function modelNotes(file) {
  for (const [k, v] of Object.entries(safetensorsMetadata(file))) {
    if (/notes/.test(k)) {
      try { return JSON.parse(v); } catch { return null; }
    }
  }
  return null;
}

// The shallowest value stored under `key` anywhere in a JSON tree (breadth first), so the
// check reads the configuration's field whatever object the notes nest it in.
function findKey(tree, key) {
  const queue = [tree];
  while (queue.length) {
    const o = queue.shift();
    if (o && typeof o === 'object') {
      if (!Array.isArray(o) && Object.prototype.hasOwnProperty.call(o, key)) return o[key];
      queue.push(...Object.values(o));
    }
  }
  return undefined;
}

// Saves the model of a row of the models table through its Download button.
async function downloadRow(page, row, file) {
  const [download] = await Promise.all([page.waitForEvent('download'), row.locator('button', { hasText: 'Download' }).click()]);
  const saved = path.join(artifacts, file);
  await download.saveAs(saved);
  return saved;
}

// How many epochs the model of a row trained, by every account the app gives: the file's
// notes (the configuration sent to the trainer and the per-epoch history it returned), the
// name in the table, and the "epoch i/N" totals the run view showed while it trained.
async function epochsOf(page, row, file, progressTotals) {
  const notes = modelNotes(await downloadRow(page, row, file));
  const name = await row.locator('td').first().textContent();
  const named = name.match(/(\d+) epochs?\b/);
  const history = findKey(notes, 'history');
  return {
    name,
    configured: findKey(notes, 'epochs'),
    history: Array.isArray(history) ? history.length : null,
    named: named ? Number(named[1]) : null,
    progressTotals,
  };
}

// Every account of a model's epochs agrees with what it was asked for.
function epochsMatch(e, asked, { finished = asked } = {}) {
  return e.configured === asked && e.history === finished && (e.named === null || e.named === asked)
    && (e.progressTotals === undefined || (e.progressTotals.length > 0 && e.progressTotals.every((t) => t === asked)));
}

// Starts recording the "epoch i/N" totals the run view shows (every render, not a sample).
async function watchEpochTotals(page) {
  await page.evaluate(() => {
    window.__epochTotals = [];
    const seen = () => {
      const m = document.querySelector('#run')?.textContent.match(/epoch (\d+)\/(\d+)/);
      if (m && !window.__epochTotals.includes(Number(m[2]))) window.__epochTotals.push(Number(m[2]));
    };
    window.__epochObserver?.disconnect();
    window.__epochObserver = new MutationObserver(seen);
    window.__epochObserver.observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

async function train(page, label, { arch, epochs }) {
  await page.click('#tab-train');
  await page.selectOption('#arch', arch);
  await setInput(page, '#epochs', epochs);
  await page.waitForSelector('#train-button:not([disabled])', { timeout: 120_000 });
  // What the form says at the moment Train is pressed: what the model must be trained for.
  const formEpochs = Number(await page.inputValue('#epochs'));
  const before = await page.locator('#models tbody tr').count();
  await watchEpochTotals(page);
  const t0 = await page.evaluate(() => performance.now());
  await page.click('#train-button');
  // A screenshot mid-run: after the first epoch when there are several (the run view goes away
  // when training ends, and a short run's last epoch and end can arrive in one go).
  const done = (n) => document.querySelectorAll('#models tbody tr').length > n;
  await page.waitForFunction(
    ([n, many]) => (many ? document.querySelector('#run-test-accuracy') : document.querySelector('#train-progress[value]') && Number(document.querySelector('#train-progress').value) > 0.3) || document.querySelectorAll('#models tbody tr').length > n,
    [before, epochs > 1], { timeout: 1_800_000, polling: 200 });
  if (await page.$('#run')) await page.screenshot({ path: path.join(shots, `train-${label}.png`) });
  await page.waitForFunction(done, before, { timeout: 1_800_000, polling: 500 });
  const t1 = await page.evaluate(() => performance.now());
  const progressTotals = await page.evaluate(() => { window.__epochObserver?.disconnect(); return window.__epochTotals; });
  const row = page.locator('#models tbody tr').last();
  const cells = await row.locator('td').allTextContents();
  const longTasks = await page.evaluate(([a, b]) => window.__longTasks.filter((t) => t.start >= a && t.start <= b), [t0, t1]);
  const trained = await epochsOf(page, row, `${label}.safetensors`, progressTotals);
  check(`${label}: the model trained for the ${formEpochs} epoch(s) the form said`, formEpochs === epochs && epochsMatch(trained, formEpochs), { asked: epochs, formEpochs, ...trained });
  return { name: cells[0], testAccuracy: parseFloat(cells[1]), trainSeconds: parseFloat(cells[2]), wallSeconds: (t1 - t0) / 1000, longTasks, epochs: trained };
}

// Opens a row's model in Explore and waits for its exact noisy accuracy. Choosing another
// model makes the readout leave "exact" and come back; if it never leaves within a few
// seconds, the row's model was the one shown already.
async function exactReadoutOf(page, row) {
  await page.click('#tab-train');
  await page.evaluate(() => {
    window.__states = [];
    window.__statesObserver?.disconnect();
    window.__statesObserver = new MutationObserver(() => {
      const s = document.querySelector('#accuracy-readout')?.dataset.state;
      if (s && window.__states[window.__states.length - 1] !== s) window.__states.push(s);
    });
    window.__statesObserver.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  });
  await row.locator('button', { hasText: 'Explore' }).click();
  await page.waitForFunction(() => window.__states.some((x) => x !== 'exact'), null, { timeout: 5_000, polling: 50 }).catch(() => {});
  await page.waitForSelector('#accuracy-readout[data-state=exact]', { timeout: 300_000 });
  return { std: await page.textContent('#noise-std-value'), accuracy: parseFloat(await page.getAttribute('#accuracy-readout', 'data-value')) };
}

// The crossbar settings the Explore panel shows.
async function crossbarSettings(page) {
  return {
    enabled: await page.isChecked('#xbar-enabled'),
    lrs: await page.inputValue('#fault-lrs'),
    hrs: await page.inputValue('#fault-hrs'),
    adc: await page.inputValue('#xbar-adc'),
    tile: await page.inputValue('#xbar-tile'),
    scaling: await page.inputValue('#xbar-scaling'),
  };
}

// The first-visit page (shipped models loaded), kept for the drawing checks.
let firstVisit = null;
try {
  // 0. Instant start: a first visit opens Explore at σ 1.0 with the shipped models loaded.
  //    Timed from navigation (performance's time origin) to the first accuracy figure under
  //    σ 1.0 on a shipped model, recorded by an observer in the page at the render itself.
  {
    const first = await newPage();
    await first.addInitScript(() => {
      window.__firstFigure = {};
      new MutationObserver(() => {
        const r = document.querySelector('#accuracy-readout');
        const std = document.querySelector('#noise-std-value')?.textContent;
        const model = document.querySelector('#explore-model option:checked')?.textContent || '';
        if (r && std === '1.00' && /ready-trained/.test(model)) {
          const st = r.dataset.state;
          if ((st === 'estimate' || st === 'exact') && window.__firstFigure.any === undefined) window.__firstFigure.any = { ms: performance.now(), state: st, value: r.dataset.value, model };
          if (st === 'exact' && window.__firstFigure.exact === undefined) window.__firstFigure.exact = { ms: performance.now(), value: r.dataset.value, model };
        }
      }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    const load = os.loadavg()[0];
    await first.goto(base);
    await first.waitForFunction(() => window.__firstFigure.exact, null, { timeout: 120_000, polling: 100 });
    const fig = await first.evaluate(() => window.__firstFigure);
    await first.waitForSelector('#shipped-status[data-state=done]', { timeout: 120_000 });
    const names = await first.locator('#explore-model option').allTextContents();
    results.instantStart = { ...fig, loadAverage1m: load, models: names };
    check('a first visit opens Explore with the four shipped models',
      names.length === 4 && names.every((n) => /ready-trained/.test(n)) && /MLP batch 64/.test(fig.any.model), names);
    // The 3-second target is a measurement, recorded with the load (results.json, the run's
    // log), not a pass/fail line: a speed target does not belong in a test a loaded machine fails.
    console.log(`measured: first accuracy under σ 1.0 on a shipped model ${Math.round(fig.any.ms)} ms after navigation (${fig.any.state}), exact ${Math.round(fig.exact.ms)} ms; load average ${load}`);
    check('a first accuracy under σ 1.0 on a shipped model appears (timed in results.instantStart)',
      fig.any.ms > 0 && Math.abs(parseFloat(fig.exact.value) - 77.07) < 0.01, { firstMs: Math.round(fig.any.ms), state: fig.any.state, exactMs: Math.round(fig.exact.ms), value: fig.exact.value, loadAverage1m: load });
    await first.screenshot({ path: path.join(shots, 'instant-start.png'), fullPage: false });
    firstVisit = first;

    // 0b. Draw a digit: a "7" drawn with pointer events is read by the shipped MLP; the
    //     probabilities change at σ 1.5 and the reading follows the slider.
    await first.click('#tab-draw');
    const pad = await first.locator('#draw-canvas').boundingBox();
    const k = pad.width / 280;
    const pt = (x, y) => [pad.x + x * k, pad.y + y * k];
    const stroke = async (points) => {
      await first.mouse.move(...pt(...points[0]));
      await first.mouse.down();
      for (let i = 1; i < points.length; i++) {
        const [a, b] = [points[i - 1], points[i]];
        for (let s = 1; s <= 12; s++) await first.mouse.move(...pt(a[0] + ((b[0] - a[0]) * s) / 12, a[1] + ((b[1] - a[1]) * s) / 12));
      }
      await first.mouse.up();
    };
    await stroke([[70, 60], [215, 60], [125, 235]]);
    const mlpReading = '.reading[data-model-name^="MLP batch 64 (ready-trained)"]';
    const reading = async (std) => {
      await first.waitForSelector(`${mlpReading}[data-state=current][data-std="${std}"]`, { timeout: 60_000 });
      return first.evaluate((sel) => {
        const r = document.querySelector(sel);
        return { clean: r.dataset.cleanClass, noisyClass: r.dataset.noisyClass, noisy: JSON.parse(r.dataset.noisy || 'null'), std: r.dataset.std, verdict: r.querySelector('.verdict')?.textContent };
      }, mlpReading);
    };
    const at1 = await reading('1.00');
    check('a drawn 7 is read as 7 by the shipped MLP', at1.clean === '7', at1);
    await first.focus('#noise-std');
    for (let i = 0; i < 10; i++) await first.keyboard.press('ArrowRight');
    const at15 = await reading('1.50');
    const moved = at1.noisy && at15.noisy && at15.noisy.some((p, c) => Math.abs(p - at1.noisy[c]) > 1e-4);
    check('at σ 1.5 the probabilities change, and the reading follows the slider', at15.std === '1.50' && moved && at15.clean === '7',
      { at1: at1.noisy?.map((p) => +p.toFixed(3)), at15: at15.noisy?.map((p) => +p.toFixed(3)), verdict: at15.verdict });
    results.drawing = { at1, at15 };
    await first.screenshot({ path: path.join(shots, 'draw.png'), fullPage: true });
  }

  // 0c. The lesson, stepped through with the keyboard from a link; each step's figure appears.
  {
    const lesson = await newPage();
    await lesson.goto(base + '#lesson=1');
    const steps = [];
    for (let guard = 0; guard < 12; guard++) {
      await lesson.waitForSelector('#lesson[data-step]', { timeout: 60_000 });
      const { step, figure, title } = await lesson.evaluate(() => {
        const l = document.querySelector('#lesson');
        return { step: Number(l.dataset.step), figure: l.dataset.figure, title: l.querySelector('.lesson-title').textContent };
      });
      const t0 = Date.now();
      const shown = await lesson.waitForSelector(figure, { timeout: 180_000 }).then(() => true).catch(() => false);
      steps.push({ step, title, figure, shown, seconds: (Date.now() - t0) / 1000 });
      await lesson.screenshot({ path: path.join(shots, `lesson-${step}.png`) });
      if (!shown || (await lesson.isDisabled('#lesson-next'))) break;
      // the keyboard: focus leaves the controls (the arrows move a focused slider instead)
      await lesson.evaluate(() => document.activeElement?.blur());
      await lesson.keyboard.press('ArrowRight');
      await lesson.waitForSelector(`#lesson[data-step="${step + 1}"]`, { timeout: 10_000 });
    }
    results.lesson = steps;
    check('the lesson steps from start to end with the keyboard, each step\'s figure appears',
      steps.length === 7 && steps.every((s, i) => s.step === i + 1 && s.shown), steps);
    await lesson.keyboard.press('ArrowLeft');
    check('the left arrow goes back a step', (await lesson.getAttribute('#lesson', 'data-step')) === '6');
    await lesson.context().close();
  }

  // 0d. A teacher's link: hidden tabs and controls, a locked view, crossbar settings.
  {
    const link = base + '#tab=explore&std=0.50&draws=5&xbar=on&lrs=0.10&hrs=0.05&hide=draws,reproduce,train&lock=1';
    const t = await newPage();
    await t.goto(link);
    await t.waitForSelector('#xbar-readout', { timeout: 120_000 });
    const view = await t.evaluate(() => ({
      tabs: document.querySelectorAll('[role=tab]').length,
      draws: !!document.querySelector('#draws'),
      std: document.querySelector('#noise-std-value')?.textContent,
      xbar: document.querySelector('#xbar-enabled')?.checked,
      lrs: document.querySelector('#fault-lrs')?.value,
      hrs: document.querySelector('#fault-hrs')?.value,
      url: location.hash,
    }));
    check('a hide= link opens exactly that view in a new context',
      view.tabs === 0 && !view.draws && view.std === '0.50' && view.xbar === true && Number(view.lrs) === 0.1 && Number(view.hrs) === 0.05
      && /hide=draws,reproduce,train/.test(view.url) && /lock=1/.test(view.url), view);
    await t.screenshot({ path: path.join(shots, 'teacher-link.png') });
    await t.context().close();
  }

  // 0e. The projector (1280x720 at 150% zoom: 853x480 CSS pixels) and a phone: no tab scrolls
  //     sideways, and on the phone the noise slider answers a tap.
  for (const [device, opts] of [
    ['projector', { viewport: { width: 853, height: 480 }, deviceScaleFactor: 1.5 }],
    ['phone', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true }],
  ]) {
    const context = await browser.newContext(opts);
    const p = await context.newPage();
    await p.goto(base);
    await p.waitForSelector('#shipped-status[data-state=done]', { timeout: 120_000 });
    const overflow = {};
    for (const tab of ['train', 'explore', 'draw', 'see', 'reproduce', 'landscape']) {
      await p.locator(`#tab-${tab}`).click();
      await p.waitForTimeout(300);
      const wide = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (wide > 0) overflow[tab] = wide;
      await p.screenshot({ path: path.join(shots, `${device}-${tab}.png`) });
    }
    check(`no tab scrolls sideways on the ${device} (${opts.viewport.width} CSS px)`, Object.keys(overflow).length === 0, overflow);
    if (device === 'phone') {
      await p.locator('#tab-explore').click();
      const box = await p.locator('#noise-std').boundingBox();
      await p.touchscreen.tap(box.x + box.width * 0.25, box.y + box.height / 2);
      const tapped = await p.textContent('#noise-std-value');
      check('on a phone the noise slider answers a tap', Math.abs(parseFloat(tapped) - 0.5) <= 0.1, tapped);
    }
    await context.close();
  }

  // 0f. The crossbar's other device effects: each new control moves the crossbar readout,
  //     and with drift on the accuracy-versus-time curve is drawn for the compared models.
  {
    const d = await newPage();
    await d.goto(base + '#tab=explore&std=0.00&xbar=on');
    await d.waitForSelector('#shipped-status[data-state=done]', { timeout: 120_000 });
    const exact = async () => {
      await d.waitForSelector('#xbar-readout[data-state=exact]', { timeout: 600_000 });
      return parseFloat(await d.getAttribute('#xbar-readout', 'data-value'));
    };
    // waits for the readout to leave its exact figure (the new jobs) and come back
    const after = async (change) => {
      await change();
      await d.waitForSelector('#xbar-readout:not([data-state=exact])', { timeout: 10_000 }).catch(() => {});
      return exact();
    };
    const setRange = (sel, v) => d.evaluate(([s, x]) => {
      const el = document.querySelector(s);
      el.value = String(x);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, [sel, v]);
    const moved = { none: await exact() };
    await d.click('.device-effects summary');
    moved.levels4 = await after(() => d.selectOption('#xbar-levels', '4'));
    await after(() => d.selectOption('#xbar-levels', 'continuous'));
    moved.variation = await after(() => setRange('#xbar-variation', 0.2));
    await after(() => setRange('#xbar-variation', 0));
    moved.readNoise = await after(() => setRange('#xbar-read-noise', 0.05));
    await after(() => setRange('#xbar-read-noise', 0));
    moved.drift1h = await after(() => d.check('#xbar-drift'));
    moved.drift10y = await after(() => setRange('#xbar-drift-time', 8.5));
    results.deviceEffects = moved;
    check('each new crossbar control moves its readout',
      moved.levels4 !== moved.none && moved.variation !== moved.none && moved.readNoise !== moved.none && moved.drift10y !== moved.drift1h, moved);
    await d.waitForFunction(() => document.querySelector('#drift-curve')?.dataset.pending === '0', null, { timeout: 900_000, polling: 500 });
    const drift = await d.evaluate(() => ({ series: Number(document.querySelector('#drift-curve').dataset.series), url: location.hash }));
    check('the drift curve is drawn for two models or more', drift.series >= 2 && /drift=/.test(drift.url), drift);
    await d.screenshot({ path: path.join(shots, 'explore-drift.png'), fullPage: true });
    // The curve against another device knob (issue 13): conductance levels, 2 to 256, for
    // every compared model, the other settings (drift at 10 years included) held.
    await d.selectOption('#xbar-curve-knob', 'levels');
    await d.waitForFunction(() => document.querySelector('#knob-curve')?.dataset.pending === '0', null, { timeout: 900_000, polling: 500 });
    const knob = await d.evaluate(() => ({
      knob: document.querySelector('#knob-curve').dataset.knob,
      series: Number(document.querySelector('#knob-curve').dataset.series),
      drift: !!document.querySelector('#drift-curve'),
      url: location.hash,
    }));
    results.knobCurve = knob;
    await d.screenshot({ path: path.join(shots, 'explore-levels.png'), fullPage: true });
    check('the curve against conductance levels is drawn for two models or more, in place of the drift curve',
      knob.knob === 'levels' && knob.series >= 2 && !knob.drift && /curve=levels/.test(knob.url), knob);
    await d.context().close();
  }

  // 1. Load and train the report's MLP (a page without the shipped models, to count its own).
  const page = await newPage();
  await page.goto(base + '?shipped=0');
  await page.waitForSelector('#data-status[data-state=ready]', { timeout: 120_000 });
  // Ready means both halves loaded and checked: the status names the real counts and the check.
  const counted = () => /60,000/.test(document.querySelector('#data-status')?.textContent) && /10,000/.test(document.querySelector('#data-status')?.textContent);
  await page.waitForFunction(counted, null, { timeout: 120_000 }).catch(() => {});
  const status = await page.textContent('#data-status');
  check('page loads and the data is verified', /MNIST/.test(status) && /60,000/.test(status) && /10,000/.test(status) && /verified/i.test(status) && !/not checksum-verified/.test(status), status);
  const mlp = await train(page, 'mlp', { arch: 'mlp', epochs });
  results.mlp = mlp;
  const maxTask = Math.max(0, ...mlp.longTasks.map((t) => t.duration));
  check(`MLP ${epochs} epoch(s) trained in the tab`, mlp.testAccuracy > (epochs >= 5 ? 97 : 93), mlp);
  check('no main-thread long task over 100 ms during training', maxTask <= 100, { maxTaskMs: maxTask, longTasks: mlp.longTasks.length });
  // The model for PyTorch, from the models list: PyTorch's key names and layouts.
  {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('#models tbody tr').last().locator('button.pytorch-export').click()]);
    const saved = path.join(artifacts, 'mlp-pytorch.safetensors');
    await dl.saveAs(saved);
    const buf = fs.readFileSync(saved);
    const header = JSON.parse(buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))).toString('utf8'));
    const names = Object.keys(header).filter((k) => k !== '__metadata__').sort();
    check('a trained model downloads as a PyTorch state dict', names.join() === 'fc1.bias,fc1.weight,fc2.bias,fc2.weight,fc3.bias,fc3.weight'
      && JSON.stringify(header['fc1.weight'].shape) === '[256,784]' && header.__metadata__?.format === 'pt', { file: dl.suggestedFilename(), names });
  }

  // 2. Explore: clean figure, then drag the slider to std 1.0.
  await page.click('#tab-explore');
  await page.waitForSelector('#accuracy-readout[data-state=exact]', { timeout: 120_000 });
  const clean = parseFloat(await page.getAttribute('#accuracy-readout', 'data-value'));
  // Every state the readout shows from now on, in order (each render, not a sample).
  await page.evaluate(() => {
    window.__readoutStates = [];
    const seen = () => {
      const s = document.querySelector('#accuracy-readout')?.dataset.state;
      if (s && window.__readoutStates[window.__readoutStates.length - 1] !== s) window.__readoutStates.push(s);
    };
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  });
  const slider = await page.locator('#noise-std').boundingBox();
  const y = slider.y + slider.height / 2;
  await page.mouse.move(slider.x + 2, y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(slider.x + 2 + ((slider.width - 4) * 0.5 * i) / 10, y);
  await page.mouse.up();
  const std = parseFloat(await page.textContent('#noise-std-value'));
  await page.waitForSelector('#accuracy-readout[data-state=estimate], #accuracy-readout[data-state=exact]', { timeout: 60_000 });
  await page.waitForSelector('#accuracy-readout[data-state=exact]', { timeout: 120_000 });
  const noisy = parseFloat(await page.getAttribute('#accuracy-readout', 'data-value'));
  const timing = { first: Number(await page.getAttribute('#slider-timing', 'data-first')), exact: Number(await page.getAttribute('#slider-timing', 'data-exact')) };
  const states = await page.evaluate(() => window.__readoutStates);
  // What the readout showed just before it settled on the exact figure.
  const beforeExact = states[states.lastIndexOf('exact') - 1];
  results.slider = { std, clean, noisy, states, timingMs: timing };
  check('dragging the slider moves it to about 1.0', Math.abs(std - 1.0) <= 0.1, std);
  check('displayed accuracy falls under noise', noisy < clean - 3, { clean, noisy });
  check('a fast estimate comes before the exact figure',
    states[states.length - 1] === 'exact' && beforeExact === 'estimate' && timing.first < timing.exact,
    { states, ...timing });
  // keyboard: arrow keys move the slider
  await page.focus('#noise-std');
  await page.keyboard.press('ArrowRight');
  const keyed = parseFloat(await page.textContent('#noise-std-value'));
  check('the slider answers the keyboard', Math.abs(keyed - (std + 0.05)) < 1e-6, keyed);
  await page.keyboard.press('ArrowLeft');
  await page.waitForSelector('#accuracy-readout[data-state=exact]', { timeout: 120_000 });
  await page.waitForFunction(() => document.querySelector('#noise-curve')?.dataset.pending === '0', null, { timeout: 600_000, polling: 500 });
  const curve = await page.evaluate(() => {
    const svg = document.querySelector('#noise-curve svg');
    return { polylines: svg ? svg.querySelectorAll('polyline').length : 0, circles: svg ? svg.querySelectorAll('circle').length : 0, polygons: svg ? svg.querySelectorAll('polygon').length : 0 };
  });
  results.curve = curve;
  check('the accuracy-vs-noise curve renders with its ±sd band', curve.circles >= 11 && curve.polylines >= 1 && curve.polygons >= 1, curve);
  results.url = page.url();
  check('the Explore state is in the URL', /std=1\.00/.test(page.url()) && /tab=explore/.test(page.url()), page.url());
  await page.screenshot({ path: path.join(shots, 'explore.png'), fullPage: true });

  // Crossbar: map the model onto simulated crossbars, then add stuck-at faults (0.1 / 0.1, the report's).
  await page.check('#xbar-enabled');
  const x0 = Date.now();
  await page.waitForSelector('#xbar-readout[data-state=exact]', { timeout: 600_000 });
  const xbarClean = parseFloat(await page.getAttribute('#xbar-readout', 'data-value'));
  const xbarSeconds = (Date.now() - x0) / 1000;
  // Calibrated scaling: the evaluators fetch training images for the ranges, and without
  // faults the crossbar then matches the digital network.
  const c0 = Date.now();
  await page.selectOption('#xbar-scaling', 'calibrated');
  await page.waitForSelector('#xbar-readout:not([data-state=exact])', { timeout: 5_000 }).catch(() => {});
  await page.waitForSelector('#xbar-readout[data-state=exact]', { timeout: 600_000 });
  const xbarCalibrated = parseFloat(await page.getAttribute('#xbar-readout', 'data-value'));
  results.calibrated = { accuracy: xbarCalibrated, digital: mlp.testAccuracy, seconds: (Date.now() - c0) / 1000 };
  check('calibrated scaling (ranges from training images) keeps the digital accuracy', Math.abs(xbarCalibrated - mlp.testAccuracy) <= 0.3, results.calibrated);
  await page.selectOption('#xbar-scaling', 'memtorch');
  await page.waitForSelector('#xbar-readout:not([data-state=exact])', { timeout: 5_000 }).catch(() => {});
  await page.waitForSelector('#xbar-readout[data-state=exact]', { timeout: 600_000 });
  for (const id of ['#fault-lrs', '#fault-hrs']) {
    await page.focus(id);
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  }
  const x1 = Date.now();
  await page.waitForSelector('#xbar-readout[data-state=exact]', { timeout: 900_000 });
  const xbarFaulty = parseFloat(await page.getAttribute('#xbar-readout', 'data-value'));
  results.crossbar = { clean: xbarClean, faulty: xbarFaulty, firstSeconds: xbarSeconds, faultySeconds: (Date.now() - x1) / 1000 };
  check('crossbar mapping keeps most accuracy, stuck-at faults 0.1/0.1 destroy it', xbarClean > 80 && xbarFaulty < xbarClean - 20, results.crossbar);
  await page.waitForFunction(() => document.querySelector('#fault-curve')?.dataset.pending === '0', null, { timeout: 900_000, polling: 500 });
  const faultPoints = await page.evaluate(() => document.querySelectorAll('#fault-curve svg circle').length);
  check('the accuracy-vs-fault-rate curve renders', faultPoints >= 6, faultPoints);
  await page.screenshot({ path: path.join(shots, 'explore-crossbar.png'), fullPage: true });
  // The view as a link would share it, to reopen in a fresh browser once a model file exists.
  const shared = { url: page.url(), std: await page.textContent('#noise-std-value'), crossbar: await crossbarSettings(page) };
  results.shared = shared;

  // 3. See it and Reproduce.
  await page.click('#tab-see');
  await page.waitForSelector('#confusion', { timeout: 60_000 });
  await page.waitForSelector('#weight-histogram svg', { timeout: 60_000 });
  check('See-it panel shows digits, histogram and confusion matrix', (await page.locator('.digits canvas').count()) > 0);
  await page.waitForSelector('#tile-map canvas', { timeout: 120_000 });
  check('See-it panel shows a crossbar tile with its stuck devices', /stuck at LRS/.test(await page.textContent('#tile-map figcaption')), await page.textContent('#tile-map figcaption'));
  await page.screenshot({ path: path.join(shots, 'see-it.png'), fullPage: true });
  await page.click('#tab-reproduce');
  // The engine's report table, as `mpg reproduce` builds it: 8 batch-size rows, 7 hardening
  // rows and 5 fault-aware rows, each keyed by its recipe.
  const sections = await page.$$eval('#report-table tbody', (bs) => bs.map((b) => [b.dataset.section, b.querySelectorAll('tr[data-key]').length]));
  check("the Reproduce panel lists the report's rows by section (8 batch, 7 hardening, 5 fault-aware)", JSON.stringify(sections.map((s) => s[1])) === '[8,7,5]', sections);
  // Where our figures differ from the report, the experiments' findings sit under the table.
  await page.click('#report-gaps summary');
  const gaps = await page.$eval('#report-gaps', (d) => ({ open: d.open, items: d.querySelectorAll('li').length, text: d.innerText.slice(0, 80) }));
  check('the gaps under the report table open to four findings', gaps.open && gaps.items === 4, gaps);
  // Train one row from the panel (the report's MLP at batch 256: the quickest) and see it fill in.
  const row256 = page.locator('#report-table tbody tr[data-key="mlp-b256"]');
  await row256.locator('button', { hasText: 'Train' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('#report-table tbody tr[data-key="mlp-b256"]')].some((r) => r.textContent.includes('trained')), null, { timeout: 900_000, polling: 500 });
  const cells256 = await row256.locator('td').allTextContents();
  check('a report row trains from the Reproduce panel and fills in', parseFloat(cells256[2]) > 96, cells256.slice(0, 3));
  await page.screenshot({ path: path.join(shots, 'reproduce.png'), fullPage: true });
  // Two seeds per row (issue 13): the setting reaches the URL and the table, whose row now
  // waits for its second seed's model (training it is left to the native tests: minutes);
  // back to one seed, the row is trained again.
  await page.selectOption('#reproduce-seeds', '2');
  await page.waitForFunction(() => document.querySelector('#report-table')?.dataset.seeds === '2', null, { timeout: 10_000 });
  const seeds2 = await page.evaluate(() => ({
    url: location.hash,
    row: document.querySelector('#report-table tbody tr[data-key="mlp-b256"]').textContent,
    trainAll: document.querySelector('#train-all').textContent,
  }));
  results.seeds2 = seeds2;
  check('two seeds per row: in the URL, and the trained row waits for its second seed', /seeds=2/.test(seeds2.url) && /1 of 2 seeds trained/.test(seeds2.row) && /missing models/.test(seeds2.trainAll), seeds2);
  await page.selectOption('#reproduce-seeds', '1');
  await page.waitForFunction(() => document.querySelector('#report-table')?.dataset.seeds === '1', null, { timeout: 10_000 });
  check('back to one seed, the row is trained and the URL has no seeds',
    !/seeds=/.test(await page.evaluate(() => location.hash)) && (await row256.locator('td').last().textContent()) === 'trained');

  // Landscape: 1-D slices, the 2-D grid and the noise landscape, computed by the evaluators.
  await page.click('#tab-landscape');
  await page.click('#landscape-run');
  await page.waitForFunction(() => {
    const s = document.querySelector('#landscape-status');
    return s && s.dataset.total !== '0' && s.dataset.done === s.dataset.total;
  }, null, { timeout: 900_000, polling: 250 });
  const land = await page.evaluate(() => {
    const d = document.querySelector('#landscape-status').dataset;
    return {
      done: +d.done, total: +d.total, sliceMs: +d.sliceMs, gridMs: +d.gridMs,
      rects: document.querySelectorAll('#landscape-grid svg rect').length,
      polylines: document.querySelectorAll('#landscape-slice svg polyline').length,
      noisePolylines: document.querySelectorAll('#landscape-noise-accuracy svg polyline, #landscape-noise-loss svg polyline').length,
    };
  });
  // Again, now that no other curve is queued: the timings for BENCHMARKS.md.
  await page.click('#landscape-run');
  await page.waitForFunction(() => {
    const s = document.querySelector('#landscape-status');
    return s && s.dataset.total !== '0' && s.dataset.done === s.dataset.total;
  }, null, { timeout: 900_000, polling: 100 });
  land.rerun = await page.evaluate(() => {
    const d = document.querySelector('#landscape-status').dataset;
    return { sliceMs: +d.sliceMs, gridMs: +d.gridMs };
  });
  results.landscape = land;
  check('the Landscape panel computes 1-D slices, a 21x21 grid and the noise landscape',
    land.done === land.total && land.rects >= 441 && land.polylines >= 1 && land.noisePolylines >= 2, land);
  await page.screenshot({ path: path.join(shots, 'landscape.png'), fullPage: true });

  // 4. Download the model and upload it again: same accuracy.
  await page.click('#tab-train');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#models tbody tr').first().locator('button', { hasText: 'Download' }).click()]);
  const saved = path.join(artifacts, 'model.safetensors');
  await download.saveAs(saved);
  const rowsBefore = await page.locator('#models tbody tr').count();
  await page.setInputFiles('#upload-model', saved);
  await page.waitForFunction((n) => document.querySelectorAll('#models tbody tr').length > n, rowsBefore, { timeout: 120_000 });
  const up = await page.locator('#models tbody tr').last().locator('td').allTextContents();
  // Its file's notes say how it was trained: it keeps the trained model's name (and so its
  // method, batch, epochs and seed), marked as uploaded.
  check('a downloaded model uploads again with the same accuracy and name', parseFloat(up[1]) === mlp.testAccuracy && up[0].trim() === `${mlp.name.trim()} (uploaded)`, { uploaded: up.slice(0, 2), trained: mlp.name });
  // The model the Reproduce panel trained (the second row) follows its recipe: 5 epochs.
  const reproduced = await epochsOf(page, page.locator('#models tbody tr').nth(1), 'reproduce-mlp-batch-256.safetensors');
  results.reproduceRow = reproduced;
  check("the Reproduce panel's model trained for its recipe's 5 epochs", /batch 256/.test(reproduced.name) && epochsMatch(reproduced, 5), reproduced);

  // 4b. The shared link in a fresh browser (nothing stored, no models): the same view. The
  // Explore panel needs a model, so the downloaded one is uploaded there first.
  {
    const fresh = await newPage();
    await fresh.goto(shared.url);
    await fresh.waitForSelector('#data-status[data-state=ready]', { timeout: 120_000 });
    const tab = await fresh.getAttribute('#tab-explore', 'aria-selected');
    // The link's model is not in this browser: the link's recipe is offered for training, and
    // the same seed on the same platform gives the same model (its clean accuracy, exactly).
    await fresh.waitForSelector('#retrain-linked:not([disabled])', { timeout: 120_000 });
    await fresh.click('#retrain-linked');
    await fresh.waitForSelector('#models tbody tr', { timeout: 900_000 });
    const again = await fresh.locator('#models tbody tr').first().locator('td').allTextContents();
    results.retrainedFromLink = { name: again[0], accuracy: parseFloat(again[1]), original: mlp.testAccuracy };
    check('a link with a recipe offers to retrain it, and the retrained model has the original clean accuracy',
      parseFloat(again[1]) === mlp.testAccuracy && again[0].trim() === mlp.name.trim(), results.retrainedFromLink);
    await fresh.click('#tab-train');
    await fresh.setInputFiles('#upload-model', saved);
    await fresh.waitForFunction(() => document.querySelectorAll('#models tbody tr').length >= 2, null, { timeout: 120_000 });
    await fresh.click('#tab-explore');
    await fresh.waitForSelector('#noise-std-value', { timeout: 60_000 });
    const view = { tab, std: await fresh.textContent('#noise-std-value'), crossbar: await crossbarSettings(fresh) };
    results.sharedReopened = view;
    check('a shared link opens on its tab in a fresh browser', tab === 'true', { url: shared.url, tab });
    check('a shared link reopens with the same noise σ', view.std === shared.std, { shared: shared.std, reopened: view.std });
    check('a shared link reopens with the same crossbar settings', JSON.stringify(view.crossbar) === JSON.stringify(shared.crossbar), { url: shared.url, shared: shared.crossbar, reopened: view.crossbar });
    await fresh.context().close();
    current = page;
  }

  // 5. Persistence: the models survive a reload.
  await page.reload();
  await page.click('#tab-train');
  await page.waitForSelector('#models tbody tr', { timeout: 60_000 });
  check('trained models survive a reload (IndexedDB)', (await page.locator('#models tbody tr').count()) >= 1);

  // 6. Fault-aware training from the Train panel: it starts with the biases held at 0, and on
  // crossbars with stuck-at faults 0.1 / 0.1 it keeps far more accuracy than the plain MLP did.
  await page.click('#tab-train');
  await page.selectOption('#method', 'fault');
  const zeroBiases = await page.isChecked('#zero-biases');
  const fat = await train(page, 'faultaware', { arch: 'mlp', epochs });
  results.faultAware = fat;
  check('a fault-aware MLP trains from the Train panel with its biases held at 0', zeroBiases && /fault-aware/.test(fat.name) && /biases 0/.test(fat.name) && fat.testAccuracy > 70, { zeroBiases, ...fat });
  await page.click('#tab-explore');
  if (!(await page.isChecked('#xbar-enabled'))) await page.check('#xbar-enabled');
  for (const id of ['#fault-lrs', '#fault-hrs']) {
    const v = parseFloat(await page.inputValue(id));
    await page.focus(id);
    for (let i = Math.round(v * 100); i < 10; i++) await page.keyboard.press('ArrowRight');
  }
  await page.waitForSelector('#xbar-readout[data-state=exact]', { timeout: 900_000 });
  const fatFaulty = parseFloat(await page.getAttribute('#xbar-readout', 'data-value'));
  results.faultAware.crossbarFaulty = fatFaulty;
  check('on faulty crossbars (0.1 / 0.1) the fault-aware model beats the plain one by 20+ points', fatFaulty > results.crossbar.faulty + 20, { fatFaulty, plain: results.crossbar.faulty });
  // The fault-rate curves of both models, for the screenshot (a picture, not a check).
  await page.waitForFunction(() => document.querySelector('#fault-curve')?.dataset.pending === '0', null, { timeout: 300_000, polling: 500 }).catch(() => {});
  await page.screenshot({ path: path.join(shots, 'explore-fault-aware.png'), fullPage: true });
  await page.uncheck('#xbar-enabled');

  // 6b. Noise-injection training from the Train panel (one epoch): the method is in the model's
  // name, and the model evaluates under noise, where it beats the plain MLP at the same σ (the
  // point of the remedy).
  await page.click('#tab-train');
  await page.selectOption('#method', 'noise');
  const trainStd = Number(await page.inputValue('#train-std'));
  const noiseTrained = await train(page, 'noise', { arch: 'mlp', epochs: 1 });
  results.noiseInjection = { trainStd, ...noiseTrained };
  // One epoch under σ = 1 training noise gives about 91% clean (measured 90.95%): 80% is the bar
  // for "it learned", the comparison under noise below is the real test of the remedy.
  check('a noise-injection MLP trains from the Train panel with its method in its name',
    /noise/i.test(noiseTrained.name) && !/standard/.test(noiseTrained.name) && noiseTrained.testAccuracy > 80, results.noiseInjection);
  const names = await page.locator('#models tbody tr td:first-child').allTextContents();
  const plainUnderNoise = await exactReadoutOf(page, page.locator('#models tbody tr').nth(Math.max(0, names.indexOf(mlp.name))));
  const noiseUnderNoise = await exactReadoutOf(page, page.locator('#models tbody tr').last());
  results.noiseInjection.underNoise = { std: plainUnderNoise.std, plain: plainUnderNoise.accuracy, noiseTrained: noiseUnderNoise.accuracy };
  check('the noise-injection model evaluates under noise and beats the plain MLP at the same σ',
    noiseUnderNoise.std === plainUnderNoise.std && parseFloat(noiseUnderNoise.std) >= 0.5 && noiseUnderNoise.accuracy > plainUnderNoise.accuracy,
    results.noiseInjection.underNoise);

  // 7. Cancel keeps the model as it was after the last finished epoch, and training works again.
  await page.click('#tab-train');
  await page.selectOption('#method', 'standard');
  await setInput(page, '#epochs', 3);
  await page.waitForSelector('#train-button:not([disabled])', { timeout: 120_000 });
  // Twice (577a411, 8fe95ec) the box was back at the previous run's 1 here: a render between
  // the typing and its change event put the old value back (fixed by State::drafts).
  const cancelEpochs = await page.inputValue('#epochs');
  check('the epochs typed before Train are still in the box when it is pressed', cancelEpochs === '3', { cancelEpochs });
  const beforeCancel = await page.locator('#models tbody tr').count();
  await watchEpochTotals(page);
  await page.click('#train-button');
  await page.waitForSelector('#run-test-accuracy', { timeout: 600_000 });
  await page.click('#cancel-button');
  await page.waitForFunction((n) => document.querySelectorAll('#models tbody tr').length > n, beforeCancel, { timeout: 60_000 });
  const kept = await page.locator('#models tbody tr').last().locator('td').allTextContents();
  await page.waitForSelector('#train-button:not([disabled])', { timeout: 120_000 });
  check('a cancelled run keeps its model after the last finished epoch; the trainer is ready again',
    /standard · batch 64 .*cancelled after epoch [12] of 3/.test(kept[0]) && parseFloat(kept[1]) > 90, kept.slice(0, 2));
  {
    const totals = await page.evaluate(() => window.__epochTotals);
    const finished = Number((kept[0].match(/after epoch (\d+)/) || [])[1]);
    const e = await epochsOf(page, page.locator('#models tbody tr').last(), 'cancelled.safetensors', totals);
    results.cancelled = { finished, ...e };
    check('the cancelled model was asked for 3 epochs and keeps the history of the epochs it finished', epochsMatch(e, 3, { finished }), results.cancelled);
  }

  // 8. Optional LeNet benchmark.
  if (process.env.E2E_LENET === '1') {
    await page.click('#tab-train');
    await page.selectOption('#method', 'standard');
    const lenet = await train(page, 'lenet', { arch: 'lenet', epochs });
    results.lenet = lenet;
    check(`LeNet ${epochs} epoch(s) trained in the tab`, lenet.testAccuracy > 90, lenet);
  }

  // 7. Damaged and missing data.
  const bad = await newPage();
  await bad.goto(base + '?data=data-broken/');
  await bad.waitForSelector('#data-error', { timeout: 60_000 });
  const kind = await bad.getAttribute('#data-error', 'data-kind');
  const detail = await bad.textContent('#data-error .detail');
  check('a damaged data file gets the error screen', kind === 'invalid' && /SHA-256/.test(detail) && /t10k-labels-idx1-ubyte/.test(detail) && !/blob:/.test(detail), { kind, detail });
  await bad.screenshot({ path: path.join(shots, 'data-damaged.png') });
  await bad.goto(base + '?data=nowhere/');
  await bad.waitForSelector('#data-error', { timeout: 60_000 });
  const missing = { kind: await bad.getAttribute('#data-error', 'data-kind'), detail: await bad.textContent('#data-error .detail'), text: await bad.textContent('#data-error') };
  // Not here is not damaged: the detail names the missing file, not a checksum, and the screen
  // says how to get the data.
  check('missing data gets the how-to-get-it screen',
    missing.kind === 'missing' && /idx[13]-ubyte/.test(missing.detail) && !/blob:|SHA-256|mismatch/i.test(missing.detail) && /data fetch/.test(missing.text),
    { kind: missing.kind, detail: missing.detail });
  await bad.screenshot({ path: path.join(shots, 'data-missing.png') });

  // 8. Your own data at any time: the four IDX files dropped on a working page replace the data.
  {
    const own = await newPage();
    await own.goto(base + '?shipped=0');
    await own.waitForSelector('#data-status[data-state=ready]', { timeout: 120_000 });
    const transfer = await own.evaluateHandle(async () => {
      const dt = new DataTransfer();
      for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
        const blob = await (await fetch(`data/mnist/${f}.gz`)).blob();
        dt.items.add(new File([blob], `${f}.gz`));
      }
      return dt;
    });
    await own.dispatchEvent('#panel', 'drop', { dataTransfer: transfer });
    await own.waitForFunction(() => /your own files/.test(document.querySelector('#data-status')?.textContent) && document.querySelector('#data-status')?.dataset.state === 'ready', null, { timeout: 120_000 });
    const status = await own.textContent('#data-status');
    check('IDX files dropped on a working page become the data', /your own files/.test(status) && /60,000/.test(status), status);
    await own.context().close();
  }
} catch (e) {
  check('test ran to the end', false, String(e));
  if (current) {
    await current.screenshot({ path: path.join(artifacts, 'failure.png'), fullPage: true }).catch(() => {});
    console.log('page at failure:', await current.evaluate(() => document.querySelector('main')?.innerText.slice(0, 2000)).catch((x) => String(x)));
  }
} finally {
  fs.writeFileSync(path.join(artifacts, 'results.json'), JSON.stringify(results, null, 2));
  await browser.close();
  server.close();
  fs.rmSync(broken, { recursive: true, force: true });
}
console.log(failed ? 'E2E FAILED' : 'E2E PASSED');
process.exit(failed ? 1 : 0);
