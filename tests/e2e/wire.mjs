// Wire figures (not a test): the bytes a first and a repeat visit of the widget take from a real
// `duijie serve` (demo catalog) to headless Chromium, counted by a proxy between them, headers
// included, the service worker's requests too; each request with its status and bytes.
//
//   node wire.mjs [DIST]        (cargo xtask web and a release server build first; DIST defaults to
//                                web/dist, DUIJIE_BIN picks another server binary)
import { dist, startServer, launchBrowser, waitForCatalog, waitForServiceWorker, startCountingProxy } from './harness.mjs';

const server = await startServer({ staticDir: process.argv[2] || dist });
const proxy = await startCountingProxy(server.base);
const browser = await launchBrowser();
const describe = (exchanges) => exchanges.map((exchange) => `${exchange.request} ${exchange.status} ${exchange.bytes} B`).join(', ');
try {
  const page = await browser.context.newPage();
  await page.goto(`${proxy.base}/`);
  await waitForCatalog(page);
  await waitForServiceWorker(page);
  await page.waitForTimeout(500);
  console.log(`first visit: ${proxy.counts.down} bytes; ${describe(proxy.counts.exchanges)}`);
  proxy.reset();
  await page.reload();
  await waitForCatalog(page);
  await page.waitForTimeout(1000);
  console.log(`repeat visit (reload): ${proxy.counts.down} bytes; ${describe(proxy.counts.exchanges)}`);
} finally {
  await browser.close();
  await proxy.close();
  await server.stop();
}
