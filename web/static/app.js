// Starts the widget (the wasm module mounts itself on #duijie) and registers the service worker
// that keeps the app shell and the last snapshot for offline use.
import init from './duijie-web.js';

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js').catch((error) => console.warn('duijie: no offline support', error));
}

init();
