// The widget's service worker: the app shell and the catalog snapshot, network first, with the last
// good copy served when the network is gone (a docking fair's Wi-Fi).
const SHELL_CACHE = 'duijie-shell-v2';
const SNAPSHOT_CACHE = 'duijie-snapshot-v1';
const SHELL = ['./', 'index.html', 'app.js', 'style.css', 'duijie-web.js', 'duijie-web_bg.wasm'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
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
  } else if (request.mode === 'navigate' || isShell(url)) {
    // The page is fetched with its query (?region=...), but one shell serves every scope.
    event.respondWith(networkFirst(request, SHELL_CACHE, true));
  }
});

function isShell(url) {
  const file = url.pathname.split('/').pop();
  return SHELL.includes(file) || url.pathname === '/';
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
