// The widget's service worker: the app shell and the catalog snapshot for offline use (a docking
// fair's Wi-Fi). `cargo xtask web` writes this build's content-hashed file names into ASSETS and a
// hash of the build into BUILD, so each new build is a new sw.js: the browser installs it, it caches
// the new files, and the old build's cache is dropped.
const BUILD = 'dev';
const ASSETS = ['app.js', 'style.css', 'duijie-web.js', 'duijie-web_bg.wasm'];
const SHELL_CACHE = `duijie-shell-${BUILD}`;
const SNAPSHOT_CACHE = 'duijie-snapshot-v1';

self.addEventListener('install', (event) => {
  // The page registers this worker once the module has loaded, so these requests find the files in
  // the HTTP cache (the hashed ones are immutable there; the page is revalidated, 304 when unchanged).
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(['./', ...ASSETS])).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  const keep = [SHELL_CACHE, SNAPSHOT_CACHE];
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => !keep.includes(name)).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === '/api/v1/snapshot') {
    event.respondWith(networkFirst(request, SNAPSHOT_CACHE, false));
  } else if (ASSETS.includes(url.pathname.split('/').pop())) {
    // A hashed name never changes its bytes: the copy kept is the file.
    event.respondWith(cacheFirst(request));
  } else if (request.mode === 'navigate' || url.pathname === '/' || url.pathname === '/index.html') {
    // The page is fetched with its query (?region=...), but one shell serves every scope. It names
    // the files of the newest build, so it comes from the network whenever there is one.
    event.respondWith(networkFirst(request, SHELL_CACHE, true));
  }
});

async function cacheFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const key = new URL(request.url).pathname;
  const cached = await cache.match(key, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(key, response.clone());
  return response;
}

async function networkFirst(request, cacheName, ignoreSearch) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) {
      // Keyed by URL alone: the server varies on Origin, which module and preload requests differ in.
      const url = new URL(request.url);
      await cache.put(ignoreSearch ? url.pathname : url.href, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request.url, { ignoreSearch, ignoreVary: true });
    if (cached) return cached;
    throw error;
  }
}
