// The page's side of offline use (www/sw.js): registers the service worker, hands it the files
// this visit loaded before it took control, shows in the footer what is cached, and runs the
// "Clear offline cache" button. Plain script, no build step; it never stands in the app's way:
// where service workers are unavailable (file://, an http:// origin other than localhost, a
// browser without them) it says so and does nothing else.
(function () {
  'use strict';
  const status = document.getElementById('offline-status');
  const clear = document.getElementById('offline-clear');
  if (!status || !clear) return;
  const say = (text, state) => {
    status.textContent = text;
    status.dataset.state = state;
  };
  const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

  if (!('serviceWorker' in navigator) || !window.isSecureContext || !('caches' in window)) {
    say('Offline use is not available here: service workers need https:// or localhost.', 'unavailable');
    clear.hidden = true;
    return;
  }

  // The data folder the app reads (its `?data=` parameter, as the app resolves it) and the
  // four files of the dataset the status line says is loaded: the workers fetch them, and the
  // service worker stores data only when told it was verified.
  function dataFiles() {
    let base = new URLSearchParams(location.search).get('data') || 'data/';
    if (!base.endsWith('/')) base += '/';
    const text = document.querySelector('#data-status')?.textContent || '';
    const dataset = /^\s*Fashion-MNIST/.test(text) ? 'fashion-mnist' : 'mnist';
    const names = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
    return names.map((n) => new URL(`${base}${dataset}/${n}.gz`, location.href).href);
  }

  // Sends a message to the active service worker and waits for its answer.
  function ask(worker, message) {
    return new Promise((resolve, reject) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => reject(new Error('the service worker did not answer')), 600000);
      channel.port1.onmessage = (e) => {
        clearTimeout(timer);
        if (e.data && e.data.type === 'error') reject(new Error(e.data.error));
        else resolve(e.data);
      };
      worker.postMessage(message, [channel.port2]);
    });
  }

  async function describe(worker) {
    const s = await ask(worker, { type: 'status' });
    const app = s.caches[`mpg-app-${s.build}`] || { files: 0, bytes: 0 };
    const data = s.caches['mpg-data-v1'] || { files: 0, bytes: 0 };
    const complete = s.precache > 0 && app.files >= s.precache;
    const text = `Offline use: ${complete ? 'ready' : 'partly ready'}. Cached in this browser: the app (build ${s.build}, ${app.files} files, ${mb(app.bytes)})`
      + `${data.files ? ` and ${data.files} data files (${mb(data.bytes)})` : ', no data files yet'}.`;
    // Ready: the build is cached and this page is served by the worker (a reload works offline).
    say(text, complete && data.files >= 4 && navigator.serviceWorker.controller ? 'ready' : 'partial');
    status.dataset.build = s.build;
    return s;
  }

  // Calls `f` each time the app's data becomes ready (loaded and checked against its SHA-256;
  // never while it shows a damaged file): on this visit's first load, and after a switch of
  // dataset or a retry.
  function whenDataReady(f) {
    let was = false;
    const look = () => {
      const now = !!document.querySelector('#data-status[data-state=ready]');
      if (now && !was) f();
      was = now;
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    look();
  }

  async function start() {
    say('Offline use: preparing…', 'registering');
    const registration = await navigator.serviceWorker.register('sw.js');
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
    }
    const worker = registration.active;
    say('Offline use: caching the files this visit loaded…', 'caching');
    const loaded = performance.getEntriesByType('resource').map((e) => e.name).filter((u) => u.startsWith(location.origin));
    await ask(worker, { type: 'cache-urls', urls: [new URL('index.html', location.href).href, ...loaded] });
    await describe(worker);
    // The verified data, a moment later and when the page is idle: a first training started
    // at once keeps its CPU. The copies come from the network (or the HTTP cache).
    whenDataReady(() => {
      const urls = dataFiles();
      setTimeout(() => {
        const idle = 'requestIdleCallback' in window ? requestIdleCallback : (f) => f();
        // (the worker in charge now: a newer build's may have taken over since)
        const current = navigator.serviceWorker.controller || worker;
        idle(() => ask(current, { type: 'cache-urls', urls })
          .then((counts) => { status.dataset.failed = String(counts.failed); return describe(current); })
          .catch((e) => say(`Offline use: could not cache the data (${e.message}).`, 'failed')), { timeout: 10000 });
      }, 3000);
    });
  }

  clear.addEventListener('click', async () => {
    clear.disabled = true;
    try {
      let files = 0;
      let bytes = 0;
      const names = (await caches.keys()).filter((n) => n.startsWith('mpg-'));
      for (const name of names) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
          const response = await cache.match(request);
          files++;
          bytes += Number(response.headers.get('content-length')) || (await response.blob()).size;
        }
        await caches.delete(name);
      }
      const registrations = await navigator.serviceWorker.getRegistrations();
      const unregistered = (await Promise.all(registrations.map((r) => r.unregister()))).filter(Boolean).length;
      say(`Offline cache cleared: ${names.length} cache${names.length === 1 ? '' : 's'} deleted (${files} files, ${mb(bytes)}), `
        + `${unregistered} service worker${unregistered === 1 ? '' : 's'} unregistered. Your trained models are kept (they live in IndexedDB). `
        + 'Reloading the page fetches everything from the network and caches it again.', 'cleared');
    } catch (e) {
      say(`Could not clear the offline cache: ${e.message}`, 'failed');
    } finally {
      clear.disabled = false;
    }
  });

  // After the page has loaded: the worker's install fetches the whole build, which must not
  // slow the first visit's own downloads.
  const go = () => start().catch((e) => say(`Offline use is not available: ${e.message}`, 'failed'));
  if (document.readyState === 'complete') go();
  else window.addEventListener('load', go, { once: true });
})();
