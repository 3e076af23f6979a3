// Accessibility check of every panel with axe-core (npm, pinned in package.json), on the built
// site in Debian's headless Chromium (issue 12, "Accessible"). A small MLP is trained first so
// the panels are populated; then axe runs on Train (with each method's controls), Explore
// (crossbar simulation on), See it, Reproduce, Landscape (computed) and the missing-data
// screen, and the run fails on any "serious" or "critical" violation, printing each with its
// selectors (what axe cannot decide, such as text inside the SVG charts, is listed in the
// results without failing). Also checked: keyboard focus is visible on every
// control reached with Tab, and every chart is a figure with a text alternative and its
// download buttons; a chart's SVG download holds the chart's data.
// Environment as e2e/test.mjs (DIST, DATA, CHROMIUM). Results: e2e/artifacts/a11y.json.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { artifacts, checks, dataReady, exactReadout, launch, newPage, startServer, trainTiny } from './lib.mjs';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const axeVersion = JSON.parse(fs.readFileSync(require.resolve('axe-core/package.json'), 'utf8')).version;

const log = checks('a11y');
const { check, results, save } = log;
results.axe = axeVersion;
const browser = await launch();
const server = await startServer();
let page = null;

/** Runs axe on the whole page; returns the violations with their selectors. */
async function axe(page, label) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ content: axeSource });
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations', 'incomplete'] });
    // What axe could not decide (e.g. text over a picture): listed in the results, not failed.
    window.__axeIncomplete = r.incomplete.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary?.split('\n').slice(0, 3).join(' ') })),
    }));
  });
  const bad = found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of found) {
    console.log(`  ${v.impact.padEnd(8)} ${v.id}: ${v.help}`);
    for (const n of v.nodes.slice(0, 8)) console.log(`           ${n.target}${n.summary ? '  (' + n.summary + ')' : ''}`);
    if (v.nodes.length > 8) console.log(`           … and ${v.nodes.length - 8} more`);
  }
  results.panels = results.panels || {};
  results.panels[label] = found;
  results.incomplete = results.incomplete || {};
  results.incomplete[label] = await page.evaluate(() => window.__axeIncomplete);
  if (results.incomplete[label].length) console.log(`  (axe could not decide: ${results.incomplete[label].map((v) => `${v.id} x${v.nodes.length}`).join(', ')})`);
  check(`axe: no serious or critical violation on ${label}`, bad.length === 0,
    bad.map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`));
  return found;
}

/**
 * Presses Tab through the page (up to `max` stops) and lists the focused elements that show no
 * outline or box shadow: keyboard users must see where they are.
 */
async function invisibleFocus(page, max = 60) {
  await page.evaluate(() => document.activeElement?.blur());
  await page.mouse.click(1, 1);
  const bad = [];
  let stops = 0;
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || (s.boxShadow && s.boxShadow !== 'none');
      return { what: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.textContent ? ' "' + el.textContent.trim().slice(0, 30) + '"' : ''}`, visible };
    });
    if (!f) continue;
    stops++;
    if (!f.visible) bad.push(f.what);
  }
  return { stops, bad };
}

/** Every chart on the page: its figure, text alternative and download buttons. */
async function charts(page) {
  return page.$$eval('.chart svg[role=img], .chart svg', (svgs) => [...new Set(svgs)].map((svg) => {
    const figure = svg.closest('figure');
    return {
      label: svg.getAttribute('aria-label') || '',
      role: svg.getAttribute('role'),
      buttons: figure ? [...figure.querySelectorAll('button')].map((b) => b.textContent.trim()) : [],
      // where a chart without its buttons sits (an intermittent failure: its ancestors' tags)
      ancestors: figure ? undefined : (() => { const a = []; for (let e = svg.parentElement; e && a.length < 6; e = e.parentElement) a.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '')); return a; })(),
    };
  }));
}

try {
  // Without the shipped models: the panels as a visitor who trains their own sees them (and
  // the models table holds only the model trained here).
  page = await newPage(browser);
  await page.goto(server.base + '?shipped=0');
  await dataReady(page);
  await axe(page, 'Train (no model yet)');
  const trained = await trainTiny(page);
  check('a small MLP trains for the panels', parseFloat(trained[1]) > 80, trained.slice(0, 2));
  await axe(page, 'Train (a model trained)');
  // The models table as CSV: its header and one row per model, without the buttons' column.
  {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#models button:has-text("CSV")')]);
    const file = path.join(artifacts, 'models.csv');
    await download.saveAs(file);
    const rows = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
    results.modelsCsv = { name: download.suggestedFilename(), rows };
    check('the models table downloads as CSV (model, accuracy, time; no buttons)',
      rows.length === 2 && rows[0] === 'model,test accuracy,training time' && rows[1].includes(trained[1]) && !/Download|Delete/.test(rows[1]), results.modelsCsv);
  }
  // The controls each training method adds.
  for (const method of ['noise', 'distill', 'fault']) {
    await page.selectOption('#method', method);
    await axe(page, `Train (method ${method})`);
  }
  await page.selectOption('#method', 'standard');
  const focus = await invisibleFocus(page);
  results.focus = focus;
  check('keyboard focus is visible on every control reached with Tab', focus.stops > 10 && focus.bad.length === 0, focus);

  await page.click('#tab-explore');
  await exactReadout(page);
  // σ 0.50 (ten steps of the slider, by keyboard): the See-it panel's histogram needs noise.
  await page.focus('#noise-std');
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
  await page.waitForSelector('#accuracy-readout:not([data-state=exact])', { timeout: 5_000 }).catch(() => {});
  await exactReadout(page);
  await page.check('#xbar-enabled');
  await page.waitForSelector('#xbar-readout[data-state=exact]', { timeout: 600_000 });
  await page.waitForFunction(() => document.querySelector('#noise-curve')?.dataset.pending === '0', null, { timeout: 600_000, polling: 500 });
  await page.waitForSelector('#fault-curve svg', { timeout: 600_000 });
  // The charts are checked once settled, as the noise curve already was: in two of three
  // clean-clone runs the fault curve, caught while filling in, was found without its figure
  // (open bug; `ancestors` below records where it sat).
  await page.waitForFunction(() => document.querySelector('#fault-curve')?.dataset.pending === '0', null, { timeout: 600_000, polling: 500 });
  await axe(page, 'Explore (crossbar on)');
  await page.screenshot({ path: path.join(artifacts, 'a11y-explore.png'), fullPage: true });
  const explore = await charts(page);
  results.exploreCharts = explore;
  check('every Explore chart has a text alternative and SVG/PNG downloads',
    explore.length >= 2 && explore.every((c) => c.role === 'img' && c.label.length > 20 && c.buttons.some((b) => /SVG/.test(b)) && c.buttons.some((b) => /PNG/.test(b))), explore);

  // The noise curve's SVG download: a file that parses as SVG and carries the curve's points.
  {
    const points = await page.$$eval('#noise-curve svg circle', (cs) => cs.length);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#noise-curve button:has-text("SVG")')]);
    const file = path.join(artifacts, 'noise-curve.svg');
    await download.saveAs(file);
    const text = fs.readFileSync(file, 'utf8');
    const parsed = await page.evaluate((t) => {
      const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
      return { error: doc.querySelector('parsererror')?.textContent || null, root: doc.documentElement.nodeName, circles: doc.querySelectorAll('circle').length, title: doc.querySelector('title')?.textContent || '' };
    }, text);
    results.svgDownload = { name: download.suggestedFilename(), bytes: text.length, points, ...parsed };
    check("a chart's SVG download parses as SVG and holds the chart's data points",
      !parsed.error && parsed.root === 'svg' && parsed.circles === points && points >= 11 && /noise/.test(parsed.title) && /\.svg$/.test(download.suggestedFilename()), results.svgDownload);
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('#noise-curve button:has-text("PNG")')]);
    const pngFile = path.join(artifacts, 'noise-curve.png');
    await png.saveAs(pngFile);
    const head = fs.readFileSync(pngFile);
    const size = head.length > 24 ? { width: head.readUInt32BE(16), height: head.readUInt32BE(20) } : {};
    results.pngDownload = { name: png.suggestedFilename(), bytes: head.length, ...size };
    check("a chart's PNG download is a PNG image of the chart", head.subarray(1, 4).toString() === 'PNG' && size.width >= 760 && /\.png$/.test(png.suggestedFilename()), results.pngDownload);
  }

  await page.click('#tab-see');
  await page.waitForSelector('#confusion', { timeout: 120_000 });
  await page.waitForSelector('#weight-histogram svg', { timeout: 120_000 });
  await page.waitForSelector('#tile-map canvas', { timeout: 300_000 });
  await axe(page, 'See it');
  // The confusion matrix as CSV: a header row and ten rows of ten counts summing to 10,000.
  {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:near(#confusion):has-text("CSV")')]);
    const file = path.join(artifacts, 'confusion.csv');
    await download.saveAs(file);
    const rows = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/).map((l) => l.split(','));
    const total = rows.slice(1).reduce((a, r) => a + r.slice(1).reduce((b, v) => b + Number(v), 0), 0);
    results.confusionCsv = { name: download.suggestedFilename(), rows: rows.length, cols: rows[1]?.length, total };
    check('the confusion matrix downloads as CSV (10 x 10 counts, 10,000 in all)', rows.length === 11 && rows[1].length === 11 && total === 10000, results.confusionCsv);
  }

  await page.click('#tab-reproduce');
  await page.waitForSelector('#report-table', { timeout: 60_000 });
  await axe(page, 'Reproduce');

  await page.click('#tab-landscape');
  await page.click('#landscape-run');
  await page.waitForFunction(() => {
    const s = document.querySelector('#landscape-status');
    return s && s.dataset.total !== '0' && s.dataset.done === s.dataset.total;
  }, null, { timeout: 900_000, polling: 500 });
  await page.waitForSelector('#landscape-grid svg', { timeout: 60_000 });
  await axe(page, 'Landscape (computed)');
  const land = await charts(page);
  check('every Landscape chart has a text alternative and SVG/PNG downloads',
    land.length === 4 && land.every((c) => c.role === 'img' && c.label.length > 20 && c.buttons.length >= 2), land);

  // A first visit's panels, with the shipped models: Explore with the lesson bar and the
  // device-effect controls open, and the Draw panel with a digit read.
  {
    const first = await newPage(browser);
    await first.goto(server.base + '#lesson=2');
    await first.waitForSelector('#shipped-status[data-state=done]', { timeout: 180_000 });
    await exactReadout(first);
    await first.check('#xbar-enabled');
    await first.click('.device-effects summary');
    await first.check('#xbar-drift');
    await first.waitForSelector('#xbar-readout[data-state=exact]', { timeout: 600_000 });
    await axe(first, 'Explore (lesson bar, device effects, drift)');
    await first.click('#tab-draw');
    const pad = await first.locator('#draw-canvas').boundingBox();
    await first.mouse.move(pad.x + pad.width * 0.3, pad.y + pad.height * 0.2);
    await first.mouse.down();
    await first.mouse.move(pad.x + pad.width * 0.75, pad.y + pad.height * 0.2, { steps: 8 });
    await first.mouse.move(pad.x + pad.width * 0.45, pad.y + pad.height * 0.85, { steps: 8 });
    await first.mouse.up();
    await first.waitForSelector('.reading[data-state=current]', { timeout: 120_000 });
    await axe(first, 'Draw a digit (a digit read)');
    await first.context().close();
  }

  // The screen shown when the data is missing.
  const missing = await newPage(browser);
  await missing.goto(server.base + '?data=nowhere/');
  await missing.waitForSelector('#data-error', { timeout: 120_000 });
  await axe(missing, 'the missing-data screen');
  await missing.context().close();
} catch (e) {
  check('test ran to the end', false, String(e));
  if (page) {
    await page.screenshot({ path: path.join(artifacts, 'a11y-failure.png'), fullPage: true }).catch(() => {});
    console.log('page at failure:', await page.evaluate(() => document.body.innerText.slice(0, 1500)).catch((x) => String(x)));
  }
} finally {
  save();
  await browser.close();
  await server.stop();
}
console.log(log.failed ? 'A11Y E2E FAILED' : 'A11Y E2E PASSED');
process.exit(log.failed ? 1 : 0);
