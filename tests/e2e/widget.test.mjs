// End-to-end tests of the widget in headless Chromium against a real release `duijie serve`:
// typing shows results, offline reload still matches, embedding posts the shortlist to the portal's
// origin only, and hostile catalog text renders as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, importJsonl, launchBrowser, startPageServer, readStatic, waitForCatalog } from './harness.mjs';

const NEED = '锂电池热失控预警与储能安全';
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('typing a need shows explained results and records the duijie:results measure', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${server.base}/`);
  await waitForCatalog(page);
  await page.locator('textarea[name=need]').pressSequentially(NEED, { delay: 20 });
  const first = page.locator('.results [data-resource-id]').first();
  await first.waitFor();
  assert.ok(await page.locator('.results [data-resource-id]').count() > 0);
  assert.ok((await first.locator('mark').count()) > 0, 'matched terms are highlighted');
  assert.ok((await first.locator('.bar .seg').count()) > 0, 'the score bar has components');
  const measures = await page.evaluate(() => performance.getEntriesByName('duijie:results').length);
  assert.ok(measures > 0, 'duijie:results measures were recorded');
  await page.close();
});

test('embedded in another origin, the widget posts the shortlist to that origin', async () => {
  const example = readStatic('embed-example.html')
    .replace('src="embed.js"', `src="${server.base}/embed.js"`)
    .replace('src="embed-example.js"', `src="${server.base}/embed-example.js"`);
  const portal = await startPageServer({ '/portal.html': example });
  // A browser of its own: in the shared one, after the other tests, this test took about 100 s.
  const own = await launchBrowser();
  const page = await own.context.newPage();
  try {
    await page.goto(`http://localhost:${portal.port}/portal.html`);
    const frame = page.frameLocator('iframe[data-duijie]');
    await frame.locator('.status .catalog').waitFor({ timeout: 30000 });
    // The portal sets the need through the iframe's message channel.
    await page.evaluate((need) => document.querySelector('iframe[data-duijie]').duijieSetNeed(need), NEED);
    const first = frame.locator('.results [data-resource-id]').first();
    await first.waitFor();
    const id = await first.getAttribute('data-resource-id');
    await first.locator('button.toggle').click();
    await page.waitForFunction((wanted) => (window.received || []).some((items) => items.some((item) => item.id === wanted)), id);
    assert.equal(await page.locator('#shortlist li').count(), 1);
    // The iframe was sized from its posted height.
    const height = await page.evaluate(() => parseInt(document.querySelector('iframe[data-duijie]').style.height, 10));
    assert.ok(height > 300, `iframe height ${height}`);
  } finally {
    await own.close();
    await portal.close();
  }
});

test('after one online load, a reload with the network off still matches on the cached slice', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${server.base}/`);
  await waitForCatalog(page);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((done) => navigator.serviceWorker.addEventListener('controllerchange', done, { once: true }));
    }
  });
  await browser.context.setOffline(true);
  try {
    await page.reload();
    await waitForCatalog(page);
    await page.locator('textarea[name=need]').pressSequentially(NEED, { delay: 10 });
    await page.locator('.results [data-resource-id]').first().waitFor();
    assert.equal(await page.locator('.status .net').getAttribute('class'), 'net off');
  } finally {
    await browser.context.setOffline(false);
    await page.close();
  }
});

test('a hostile catalog entry renders as text, and javascript: links are refused at import', async () => {
  const hostile = {
    id: 'hostile-1',
    kind: 'achievement',
    title: '恶意脚本测试<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">',
    summary: '恶意脚本测试 <b onmouseover="window.__pwned=3">粗体</b> 与 <a href="https://example.invalid">链接</a>',
    keywords: ['恶意脚本测试'],
  };
  const imported = await importJsonl(server, JSON.stringify(hostile) + '\n');
  assert.equal(imported.status, 200, JSON.stringify(imported.body));
  const link = { id: 'hostile-2', kind: 'achievement', title: '链接测试', summary: 'javascript:alert(1)' };
  const refused = await importJsonl(server, JSON.stringify(link) + '\n');
  assert.equal(refused.status, 422);

  const page = await browser.context.newPage();
  await page.goto(`${server.base}/`);
  await waitForCatalog(page);
  await page.locator('textarea[name=need]').pressSequentially('恶意脚本测试', { delay: 10 });
  const item = page.locator('[data-resource-id="hostile-1"]');
  await item.waitFor();
  assert.match(await item.locator('.title').textContent(), /<script>window\.__pwned=1<\/script>/);
  assert.equal(await item.locator('script, img, b, a').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await page.close();
});
