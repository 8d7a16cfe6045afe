// End-to-end tests of the widget in headless Chromium against a real release `duijie serve`:
// typing shows results, the server answers while the snapshot loads, offline reload still matches, embedding posts the shortlist to the portal's
// origin only, hostile catalog text renders as text, and intents queued offline reach the server
// exactly once, as does a need a broker saves offline, which the intents recorded after it name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, importJsonl, launchBrowser, startPageServer, readStatic, waitForCatalog, createToken } from './harness.mjs';

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

test('until the snapshot is indexed the server answers, then the local catalog does, with the same ranking', async () => {
  // A fresh profile (no service worker yet), and the snapshot held back until the server has answered.
  const fresh = await launchBrowser();
  try {
    const page = await fresh.context.newPage();
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route('**/api/v1/snapshot*', async (route) => { await held; await route.continue(); });
    await page.goto(`${server.base}/`);
    await page.fill('textarea[name=need]', NEED);
    await page.locator('.results [data-resource-id]').first().waitFor();
    assert.equal(await page.locator('.status .server').count(), 1, 'the status line says the server answered');
    assert.equal(await page.locator('.status .catalog').count(), 0, 'no local catalog yet');
    const fromServer = await page.locator('.results [data-resource-id]').evaluateAll((items) => items.map((item) => item.dataset.resourceId));
    release();
    await waitForCatalog(page);
    await page.waitForFunction(() => !document.querySelector('.status .server'));
    const local = await page.locator('.results [data-resource-id]').evaluateAll((items) => items.map((item) => item.dataset.resourceId));
    assert.deepEqual(local, fromServer, 'the same core on the same catalog ranks the same');
    await page.close();
  } finally {
    await fresh.close();
  }
});

test('embedded in a configured portal origin, the widget posts the shortlist to that origin and the frame stops at the window; other origins get a notice in words', async () => {
  const pages = {};
  const portal = await startPageServer(pages);
  // The portal's origin is configured, so the service's CSP names it in frame-ancestors.
  const duijie = await startServer({ extraArgs: ['--cors-origin', `http://localhost:${portal.port}`] });
  pages['/portal.html'] = readStatic('embed-example.html')
    .replace('src="embed.js"', `src="${duijie.base}/embed.js"`)
    .replace('src="embed-example.js"', `src="${duijie.base}/embed-example.js"`);
  // A browser of its own: in the shared one, after the other tests, this test took about 100 s.
  const own = await launchBrowser();
  const page = await own.context.newPage();
  try {
    // The same page from an origin that is not configured (another host name): the service's CSP
    // would leave a broken frame, explained only in the console; embed.js asks the service first and
    // puts a notice in words in its place, and tells the page with a duijie:error event.
    const stranger = await own.context.newPage();
    const errors = [];
    await stranger.exposeFunction('reportDuijieError', (detail) => errors.push(detail));
    await stranger.addInitScript(() => window.addEventListener('duijie:error', (event) => window.reportDuijieError(event.detail)));
    await stranger.goto(`http://127.0.0.1:${portal.port}/portal.html`);
    const notice = stranger.locator('[data-duijie-notice=origin_not_allowed]');
    await notice.waitFor({ timeout: 15000 });
    const words = await notice.textContent();
    assert.match(words, new RegExp(`--cors-origin http://127\\.0\\.0\\.1:${portal.port}`));
    assert.match(words, /未在 duijie 服务/);
    assert.equal(await stranger.locator('iframe[data-duijie]').count(), 0, 'no broken frame left');
    assert.equal(errors[0]?.reason, 'origin_not_allowed');
    await stranger.close();

    await page.setViewportSize({ width: 1280, height: 800 });
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
    assert.equal(await page.locator('[data-duijie-notice]').count(), 0, 'no notice for a configured portal');
    // The iframe was sized from its posted height, up to the window's: ten result cards are taller
    // than the window, so the frame stops there and the widget scrolls inside.
    await frame.locator('.results [data-resource-id]').nth(9).waitFor();
    const content = await frame.locator('html').evaluate((html) => html.scrollHeight);
    assert.ok(content > 800, `content ${content} px`);
    await page.waitForFunction(() => parseInt(document.querySelector('iframe[data-duijie]').style.height, 10) === Math.max(480, window.innerHeight - 16));
    const height = await page.evaluate(() => parseInt(document.querySelector('iframe[data-duijie]').style.height, 10));
    assert.ok(height > 300 && height <= 800, `iframe height ${height}`);
  } finally {
    await own.close();
    await portal.close();
    await duijie.stop();
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

test('a hostile catalog entry is read as text at import and renders as text, and javascript: links are refused', async () => {
  // The importer reads free text as text (docs/formats.md): tags go, and what only looks like a tag
  // (<经济学家>) stays as written, which the widget must show as text.
  const hostile = {
    id: 'hostile-1',
    kind: 'achievement',
    title: '恶意脚本测试<经济学家><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">',
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
  const title = await item.locator('.title').textContent();
  assert.match(title, /<经济学家>/);
  assert.doesNotMatch(title, /script|onerror/);
  assert.equal(await item.locator('script, img, b, a').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await page.close();
});

test('intents queued offline are sent exactly once when the network returns, even when a reply is lost', async () => {
  const broker = createToken(server, 'broker');
  const engagementsOf = async (id) => {
    const response = await fetch(`${server.base}/api/v1/engagements?limit=500`, { headers: { authorization: `Bearer ${server.token}` } });
    assert.equal(response.status, 200);
    return (await response.json()).items.filter((item) => item.resource_id === id && item.need.text === NEED);
  };
  const own = await launchBrowser();
  const page = await own.context.newPage();
  try {
    await page.goto(`${server.base}/`);
    await waitForCatalog(page);
    await page.locator('textarea[name=need]').fill(NEED);
    const first = page.locator('.results [data-resource-id]').first();
    await first.waitFor();
    const id = await first.getAttribute('data-resource-id');
    await first.locator('button.toggle').click();
    const item = page.locator(`.shortlist li[data-resource-id="${id}"]`);

    // Sign-in checks the token with the server: a wrong one is refused, the broker's accepted.
    await page.fill('input[name=broker-token]', 'not-a-token');
    await page.click('button.sign-in');
    await page.locator('.shortlist [role=alert]').waitFor();
    await page.fill('input[name=broker-token]', broker);
    await page.click('button.sign-in');
    await page.locator('.shortlist .broker[data-signed-in]').waitFor();

    // The hall's Wi-Fi drops: the intent waits in the queue.
    await own.context.setOffline(true);
    await item.locator('button.intent').click();
    await item.locator('button.intent-submit').click();
    await item.locator('[data-engagement=queued]').waitFor();
    await page.waitForTimeout(500);
    assert.equal((await engagementsOf(id)).length, 0, 'nothing reached the server while offline');

    // The network returns, but the first reply is lost after the server recorded the intent.
    const posts = [];
    const statuses = [];
    await own.context.route('**/api/v1/engagements', async (route) => {
      const request = route.request();
      if (request.method() !== 'POST') return route.continue();
      posts.push(request.postData());
      const response = await route.fetch();
      statuses.push(response.status());
      if (posts.length === 1) return route.abort('connectionreset');
      return route.fulfill({ response });
    });
    await own.context.setOffline(false);
    await item.locator('[data-engagement=sent]').waitFor({ timeout: 30000 });
    assert.ok(posts.length >= 2, `the lost reply was retried (${posts.length} POSTs)`);
    assert.equal(statuses[0], 201, 'the server recorded the intent whose reply was lost');
    assert.equal(statuses.at(-1), 200, 'the retry was answered with the record already made');
    assert.ok(posts.every((body) => body === posts[0]), 'every retry is the same request, with the same key');
    assert.match(JSON.parse(posts[0]).idempotency_key, /^w-[0-9a-f]{32}$/);
    const recorded = await engagementsOf(id);
    assert.equal(recorded.length, 1, 'recorded exactly once');
    assert.equal(recorded[0].status, 'intent');
    assert.equal(recorded[0].created_by.scope, 'broker');

    // The record moves on the server; after a reload the shortlist shows it, and nothing is sent again.
    const moved = await fetch(`${server.base}/api/v1/engagements/${recorded[0].id}/transitions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'contacted' }),
    });
    assert.equal(moved.status, 200);
    const sent = posts.length;
    await page.reload();
    await waitForCatalog(page);
    await page.waitForFunction((wanted) => {
      const status = document.querySelector(`.shortlist li[data-resource-id="${wanted}"] [data-engagement=sent]`);
      return status && /已联系|contacted/.test(status.textContent);
    }, id, { timeout: 30000 });
    assert.equal(posts.length, sent, 'a reload sends nothing again');
    assert.equal((await engagementsOf(id)).length, 1);
  } finally {
    await own.close();
  }
});

test('a need saved offline is stored exactly once when the network returns, and the intents recorded for it name it', async () => {
  const broker = createToken(server, 'broker');
  const need = '储能电站电池簇热管理与消防联动';
  const organization = '示例储能装备有限公司';
  const storedNeeds = async () => {
    const response = await fetch(`${server.base}/api/v1/needs?limit=200`, { headers: { authorization: `Bearer ${server.token}` } });
    assert.equal(response.status, 200);
    return (await response.json()).items.filter((item) => item.text === need);
  };
  const own = await launchBrowser();
  const page = await own.context.newPage();
  try {
    await page.goto(`${server.base}/`);
    await waitForCatalog(page);
    await page.locator('textarea[name=need]').fill(need);
    const first = page.locator('.results [data-resource-id]').first();
    await first.waitFor();
    const id = await first.getAttribute('data-resource-id');
    await first.locator('button.toggle').click();
    // Not signed in: no way to save the need.
    assert.equal(await page.locator('form.save-need').count(), 0);
    await page.fill('input[name=broker-token]', broker);
    await page.click('button.sign-in');
    await page.locator('.shortlist .broker[data-signed-in]').waitFor();

    // Offline: the need waits in the queue.
    await own.context.setOffline(true);
    await page.fill('input[name=need-organization]', organization);
    await page.click('button.save-need-submit');
    await page.locator('[data-saved-need=queued]').waitFor();
    await page.waitForTimeout(500);
    assert.equal((await storedNeeds()).length, 0, 'nothing reached the server while offline');

    // Online again, and the first reply is lost after the server stored the need.
    const posts = [];
    const statuses = [];
    await own.context.route('**/api/v1/needs', async (route) => {
      const request = route.request();
      if (request.method() !== 'POST') return route.continue();
      posts.push(request.postData());
      const response = await route.fetch();
      statuses.push(response.status());
      if (posts.length === 1) return route.abort('connectionreset');
      return route.fulfill({ response });
    });
    await own.context.setOffline(false);
    await page.locator('[data-saved-need=sent]').waitFor({ timeout: 30000 });
    assert.ok(posts.length >= 2, `the lost reply was retried (${posts.length} POSTs)`);
    assert.equal(statuses[0], 201, 'the server stored the need whose reply was lost');
    assert.equal(statuses.at(-1), 200, 'the retry was answered with the need already stored');
    assert.ok(posts.every((body) => body === posts[0]), 'every retry is the same request');
    const stored = await storedNeeds();
    assert.equal(stored.length, 1, 'stored exactly once');
    assert.equal(stored[0].organization, organization);
    assert.equal(stored[0].id, JSON.parse(posts[0]).id);

    // An intent recorded for this need names the stored need.
    const item = page.locator(`.shortlist li[data-resource-id="${id}"]`);
    await item.locator('button.intent').click();
    await item.locator('button.intent-submit').click();
    await item.locator('[data-engagement=sent]').waitFor({ timeout: 30000 });
    const response = await fetch(`${server.base}/api/v1/engagements?limit=500`, { headers: { authorization: `Bearer ${server.token}` } });
    const recorded = (await response.json()).items.filter((entry) => entry.need.text === need);
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0].need_id, stored[0].id);
    assert.equal(recorded[0].enterprise, organization, 'the intent form offers the need\'s enterprise');
  } finally {
    await own.close();
  }
});
