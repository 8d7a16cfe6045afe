// End-to-end tests of how the widget's files travel, in headless Chromium against a real release
// `duijie serve` behind a byte-counting proxy: a first visit downloads no more than the gzip size of
// what it loads, a repeat visit only revalidates (no body), the widget then works offline, and a new
// build is picked up on the next visit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { dist, distName, launchBrowser, startCountingProxy, startServer, waitForCatalog, waitForServiceWorker } from './harness.mjs';

const NEED = '锂电池热失控预警与储能安全';
/** What the widget's page loads from web/dist: the page, its hashed files, the service worker. */
const LOADED = ['index.html', 'sw.js', 'style.css', 'app.js', 'duijie-web.js', 'duijie-web_bg.wasm'];
let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

test('a first visit downloads at most the gzip size of what it loads, a repeat visit revalidates without bodies, and the widget then works offline', async () => {
  const proxy = await startCountingProxy(server.base);
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Network.enable');
    const responses = new Map();
    cdp.on('Network.responseReceived', ({ requestId, response }) => {
      responses.set(requestId, { url: response.url, status: response.status, headers: lower(response.headers), fromServiceWorker: response.fromServiceWorker, bytes: 0 });
    });
    cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
      const response = responses.get(requestId);
      if (response) response.bytes = encodedDataLength;
    });
    const wasm = distName('duijie-web_bg.wasm');
    const responseOf = (name) => [...responses.values()].find((response) => new URL(response.url).pathname === `/${name}`);

    // First visit, until the service worker is installed (its requests count too).
    await page.goto(`${proxy.base}/`);
    await waitForCatalog(page);
    await waitForServiceWorker(page);
    await page.waitForTimeout(500);
    const first = { ...proxy.counts };
    const gzipFiles = LOADED.reduce((sum, name) => sum + gzipSync(readFileSync(join(dist, distName(name))), { level: 9 }).length, 0);
    const identityFiles = LOADED.reduce((sum, name) => sum + readFileSync(join(dist, distName(name))).length, 0);
    const snapshot = await gzipBodyBytes(`${server.base}/api/v1/snapshot`);
    console.log(`first visit: ${first.down} bytes on the wire (${first.up} sent); the files it loads are ${gzipFiles} bytes gzip -9 `
      + `(${identityFiles} bytes as built), the snapshot ${snapshot} bytes gzip; ${describe(first.exchanges)}`);
    assert.ok(first.down <= gzipFiles + snapshot, `first visit ${first.down} bytes > gzip ${gzipFiles} + snapshot ${snapshot}`);
    // Each hashed file is asked for once: the worker's install finds them in the HTTP cache (when the
    // page's answers varied on Origin, it revalidated each).
    for (const name of LOADED.slice(2)) {
      const asked = first.exchanges.filter((exchange) => exchange.request === `GET /${distName(name)}`);
      assert.deepEqual(asked.map((exchange) => exchange.status), [200], `${name}: ${describe(first.exchanges)}`);
    }
    const wasmResponse = responseOf(wasm);
    assert.equal(wasmResponse.headers['content-encoding'], 'br');
    assert.equal(wasmResponse.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.ok(wasmResponse.bytes < readFileSync(join(dist, `${wasm}.br`)).length + 2048, `wasm ${wasmResponse.bytes} bytes on the wire`);
    const pageResponse = [...responses.values()].find((response) => new URL(response.url).pathname === '/');
    assert.equal(pageResponse.headers['cache-control'], 'no-cache');
    assert.match(pageResponse.headers.etag, /^"[0-9a-f]{32}"$/);

    // A repeat visit: the page and the snapshot are revalidated (304, no body); the hashed files are
    // not asked for at all.
    proxy.reset();
    responses.clear();
    await page.reload();
    await waitForCatalog(page);
    await page.waitForTimeout(1000);
    const repeat = { ...proxy.counts };
    console.log(`repeat visit: ${repeat.down} bytes on the wire (${repeat.up} sent); ${describe(repeat.exchanges)}`);
    assert.ok(repeat.exchanges.some((exchange) => exchange.request === 'GET /'), 'the page is revalidated');
    assert.ok(!repeat.exchanges.some((exchange) => /\.[0-9a-f]{16}\./.test(exchange.request)), `no hashed file is asked for: ${describe(repeat.exchanges)}`);
    assert.ok(repeat.exchanges.every((exchange) => exchange.status === 304), `only 304s: ${describe(repeat.exchanges)}`);
    assert.ok(repeat.down < 8192, `repeat visit ${repeat.down} bytes`);
    const wasmAgain = responseOf(wasm);
    assert.ok(!wasmAgain || wasmAgain.fromServiceWorker, 'the wasm comes from the service worker');

    // The fair's Wi-Fi gone: a new tab still loads the widget and matches.
    await browser.context.setOffline(true);
    const offline = await browser.context.newPage();
    await offline.goto(`${proxy.base}/`);
    await waitForCatalog(offline);
    await offline.locator('textarea[name=need]').pressSequentially(NEED, { delay: 10 });
    await offline.locator('.results [data-resource-id]').first().waitFor();
  } finally {
    await browser.context.setOffline(false);
    await browser.close();
    await proxy.close();
  }
});

test('a new build is picked up on the next visit, and its service worker replaces the old cache', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'duijie-dist-'));
  cpSync(dist, folder, { recursive: true });
  const deployed = await startServer({ staticDir: folder });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${deployed.base}/`);
    await waitForCatalog(page);
    await waitForServiceWorker(page);
    const oldShell = (await page.evaluate(() => caches.keys())).filter((name) => name.startsWith('duijie-shell-'));
    assert.equal(oldShell.length, 1, `shell caches: ${oldShell}`);

    // A new build, as `cargo xtask web` would write it: a changed stylesheet under a new hashed name,
    // named by the new page and the new service worker (sent uncompressed: their variants are gone).
    const oldCss = distName('style.css');
    const newCss = 'style.00000000000000aa.css';
    writeFileSync(join(folder, newCss), `${readFileSync(join(folder, oldCss), 'utf8')}\nbody { outline: 3px solid rgb(1, 2, 3); }\n`);
    for (const file of ['index.html', 'sw.js']) {
      let text = readFileSync(join(folder, file), 'utf8').replaceAll(oldCss, newCss);
      if (file === 'sw.js') text = text.replace(/const BUILD = '[^']*';/, "const BUILD = 'next-build';");
      writeFileSync(join(folder, file), text);
    }
    for (const file of [oldCss, 'index.html', 'sw.js']) {
      for (const suffix of ['.br', '.gz']) rmSync(join(folder, file + suffix), { force: true });
    }
    rmSync(join(folder, oldCss));

    const next = await browser.context.newPage();
    await next.goto(`${deployed.base}/`);
    await waitForCatalog(next);
    assert.equal(await next.evaluate(() => getComputedStyle(document.body).outlineColor), 'rgb(1, 2, 3)', 'the new stylesheet is used');
    let shells = [];
    for (let attempt = 0; attempt < 100; attempt += 1) {
      shells = (await next.evaluate(() => caches.keys())).filter((name) => name.startsWith('duijie-shell-'));
      if (shells.length === 1 && shells[0] === 'duijie-shell-next-build') break;
      await next.waitForTimeout(100);
    }
    assert.deepEqual(shells, ['duijie-shell-next-build'], 'the new worker took over and dropped the old build');

    // Offline, the new build is what the worker serves.
    await browser.context.setOffline(true);
    const offline = await browser.context.newPage();
    await offline.goto(`${deployed.base}/`);
    await waitForCatalog(offline);
    assert.equal(await offline.evaluate(() => getComputedStyle(document.body).outlineColor), 'rgb(1, 2, 3)');
  } finally {
    await browser.context.setOffline(false);
    await browser.close();
    await deployed.stop();
    rmSync(folder, { recursive: true, force: true });
  }
});

/** `GET /x 200 1234 B, ...`: each request the proxy saw, its status and the bytes of its answer. */
function describe(exchanges) {
  return exchanges.map((exchange) => `${exchange.request} ${exchange.status} ${exchange.bytes} B`).join(', ');
}

function lower(headers) {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** Bytes of a gzip-encoded body as sent. */
function gzipBodyBytes(url) {
  return new Promise((resolve, reject) => {
    request(url, { headers: { 'accept-encoding': 'gzip' } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk) => { bytes += chunk.length; });
      response.on('end', () => resolve(bytes));
    }).on('error', reject).end();
  });
}
