// Starts the widget (the wasm module mounts itself on #duijie) and registers the service worker
// that keeps the app shell and the last snapshot for offline use. `cargo xtask web` writes the
// bindings' content-hashed name into the import below.
import init from './duijie-web.js';

// The catalog snapshot is requested now, while the module downloads and compiles, rather than once
// it runs; the module takes this request if the URL is the one it would ask for (browser.rs).
const scope = new URLSearchParams(location.search);
let snapshotUrl = '/api/v1/snapshot';
for (const name of ['region', 'kinds']) {
  const value = scope.get(name);
  if (value) snapshotUrl += `${snapshotUrl.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(value)}`;
}
// The body is read here too: Chromium holds a body no one reads, so the download would wait for the
// module. The module takes {url, ready} if the URL is the one it would ask for (browser.rs).
const ready = fetch(snapshotUrl).then(async (response) => {
  if (!response.ok) return { status: response.status };
  const copy = response.clone();
  const bytes = await response.arrayBuffer();
  return { status: response.status, bytes, copy };
});
ready.catch(() => {}); // offline: the module falls back to the stored copy
globalThis.duijieSnapshot = { url: snapshotUrl, ready };

performance.mark('duijie:init');
init().then(() => {
  performance.mark('duijie:started');
  // Registered once the module has loaded: the worker's install then finds every file in the HTTP
  // cache, where a worker installing during the download would fetch the wasm a second time.
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('sw.js').catch((error) => console.warn('duijie: no offline support', error));
  }
});
