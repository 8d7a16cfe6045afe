// The matching worker: the widget's own wasm module, run off the page's thread, decodes and indexes
// the catalog snapshot and answers the page's questions (web/src/worker.rs), so typing and painting
// never wait for either. Messages that arrive while the module loads are kept and handled in order.
import init, { worker_message } from './duijie-web.js';

const early = [];
self.onmessage = (event) => early.push(event.data);
init().then(() => {
  self.onmessage = (event) => worker_message(event.data);
  for (const data of early.splice(0)) worker_message(data);
}, (error) => {
  self.postMessage({ type: 'failed', message: `the matching worker could not start: ${error}` });
});
