// The service worker of Memristor Playground: once a visit has loaded the site, it keeps
// working with the network gone (a classroom with bad Wi-Fi). Registered by www/offline.js.
//
// What is cached, and how it is answered:
// - The build's own files (index.html, the app's and the worker's js and wasm, the stylesheet,
//   the shipped models in pretrained/, the manifest and icon) are fetched at install, from the
//   list scripts/sw-precache.sh writes into this file when trunk builds the site. They go to a
//   cache named after the build (a checksum of every file), and the previous builds' caches
//   are deleted when this worker activates: a new build never runs an old build's wasm.
// - Content-hashed files (trunk's `name-<16 hex>.js/.wasm/.css`): cache first. A new build
//   gives new names, so a cached copy is always the right one.
// - The MNIST files (`*-ubyte`, `*-ubyte.gz`): cache first, in a cache kept across builds (the
//   dataset never changes, and 11 MB are not fetched again for every release). Only files the
//   app has verified go in: the app checks each against its pinned SHA-256, and www/offline.js
//   hands this worker the dataset's files once the app says they passed. A request for data
//   that is not cached goes to the network and is not stored, so a damaged file never stays.
// - Everything else of this origin (the page itself, worker.js and worker_bg.wasm, whose names
//   carry no hash, the models' manifest): network first, so an online visit always gets the
//   current build; the cached copy when the network fails, or when it has not answered within
//   NETWORK_WAIT_MS and a cached copy exists (the answer still refreshes the cache).
// - Other origins, non-GET requests and range requests are left to the browser.
//
// The page posts the URLs it fetched before this worker controlled it (the first visit) and
// the data files its workers read; they are cached then, so the first visit is enough.

// Filled in by scripts/sw-precache.sh at build time; as written here (unbuilt), only what the
// visits fetch gets cached.
const BUILD = 'dev';
const PRECACHE = [];

const APP_CACHE = `mpg-app-${BUILD}`;
const DATA_CACHE = 'mpg-data-v1';
const NETWORK_WAIT_MS = 4000;

const HASHED = /-[0-9a-f]{16}(_bg)?\.(js|wasm|css)$/;
const DATA = /-ubyte(\.gz)?$/;

/** Which cache a URL of this origin belongs to, and how it is answered. */
function kindOf(url) {
  if (DATA.test(url.pathname)) return 'data';
  if (HASHED.test(url.pathname)) return 'hashed';
  return 'other';
}

function cacheFor(kind) {
  return caches.open(kind === 'data' ? DATA_CACHE : APP_CACHE);
}

/** The cache key of a request: a page navigation is stored as index.html, whatever its query. */
function keyOf(request) {
  if (request.mode === 'navigate') return new URL('index.html', self.registration.scope).href;
  return request.url;
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(APP_CACHE);
    // All or nothing: a build half cached would break offline. If a file cannot be had, the
    // install fails and the browser tries again on the next visit. `no-cache` revalidates
    // whatever the HTTP cache holds (index.html, worker.js carry no hash).
    await cache.addAll(PRECACHE.map((u) => new Request(u, { cache: 'no-cache' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith('mpg-app-') && n !== APP_CACHE).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

async function put(kind, key, response) {
  if (!response || !response.ok || response.type === 'opaque') return;
  const cache = await cacheFor(kind);
  await cache.put(key, response);
}

async function cacheFirst(event, kind) {
  const cache = await cacheFor(kind);
  const hit = await cache.match(event.request);
  if (hit) return hit;
  const response = await fetch(event.request);
  // Data is stored only once verified (the page says so: `cache-urls`).
  if (kind !== 'data') event.waitUntil(put(kind, event.request.url, response.clone()));
  return response;
}

async function networkFirst(event) {
  const key = keyOf(event.request);
  const cache = await cacheFor('other');
  const network = fetch(event.request).then((response) => {
    // A refused or failed answer never replaces a good copy.
    if (response.ok) event.waitUntil(put('other', key, response.clone()));
    return response;
  });
  // Wait for the network, but no longer than NETWORK_WAIT_MS when a cached copy is there.
  let timer;
  const slow = new Promise((resolve) => { timer = setTimeout(resolve, NETWORK_WAIT_MS, 'slow'); });
  try {
    const first = await Promise.race([network, slow]);
    if (first !== 'slow') return first.ok ? first : (await cache.match(key)) || first;
    const hit = await cache.match(key);
    if (hit) {
      event.waitUntil(network.catch(() => {}));
      return hit;
    }
    return await network;
  } catch (e) {
    const hit = await cache.match(key);
    if (hit) return hit;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || request.headers.has('range')) return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const kind = kindOf(url);
  event.respondWith(kind === 'other' ? networkFirst(event) : cacheFirst(event, kind));
});

/**
 * Caches the given URLs of this origin that are not cached yet, one after the other (a
 * background chore: it must not crowd out the page and its workers); counts what happened.
 */
async function cacheUrls(urls) {
  const counts = { cached: 0, already: 0, failed: 0 };
  for (const u of new Set(urls)) await (async () => {
    let url;
    try { url = new URL(u, self.registration.scope); } catch { counts.failed++; return; }
    if (url.origin !== self.location.origin || url.pathname.endsWith('/sw.js')) return;
    url.hash = '';
    const kind = kindOf(url);
    const cache = await cacheFor(kind);
    if (await cache.match(url.href)) { counts.already++; return; }
    try {
      const response = await fetch(url.href, { cache: 'no-cache' });
      if (!response.ok) { counts.failed++; return; }
      await put(kind, url.href, response);
      counts.cached++;
    } catch {
      counts.failed++;
    }
  })();
  return counts;
}

/** What is cached: files and bytes per cache, this build's name. */
async function status() {
  const out = { build: BUILD, precache: PRECACHE.length, caches: {} };
  for (const name of await caches.keys()) {
    if (!name.startsWith('mpg-')) continue;
    const cache = await caches.open(name);
    let files = 0;
    let bytes = 0;
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      files++;
      bytes += Number(response.headers.get('content-length')) || (await response.clone().blob()).size;
    }
    out.caches[name] = { files, bytes };
  }
  return out;
}

self.addEventListener('message', (event) => {
  const msg = event.data || {};
  const reply = (body) => (event.ports && event.ports[0] ? event.ports[0].postMessage(body) : event.source && event.source.postMessage(body));
  let work;
  if (msg.type === 'cache-urls') work = cacheUrls(msg.urls || []).then((counts) => ({ type: 'cached', ...counts }));
  else if (msg.type === 'status') work = status().then((s) => ({ type: 'status', ...s }));
  else return;
  event.waitUntil(work.then(reply, (e) => reply({ type: 'error', error: String(e) })));
});
