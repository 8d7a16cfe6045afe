// The demand dashboard (/dashboard/demand, issue 18) in headless Chromium against a real release
// `duijie serve` with stored needs: the charts and tables by province, industry and theme drawn from
// GET /api/v1/demand, public needs only without a token and every need with a broker's, no CSP
// violation, the English switch, and the needs a resource could serve (?resource=ID).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, createToken } from './harness.mjs';

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

async function get(path, token) {
  const response = await fetch(`${server.base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  assert.equal(response.status, 200, path);
  return response.json();
}

test('the demand dashboard draws coverage by province, industry and theme from the API, under the CSP', async () => {
  // Needs drawn from the demo catalog's own titles, two per resource, so they share key phrases;
  // a third of them for members only.
  const catalog = await get('/api/v1/resources?limit=6');
  const regions = ['440604', '330602', '110101'];
  const industries = ['3071', '1713', '3841'];
  const lines = [];
  catalog.items.forEach((resource, index) => {
    for (const copy of [0, 1]) {
      lines.push(JSON.stringify({
        id: `e2e-need-${index}-${copy}`,
        title: resource.title.slice(0, 30),
        text: `我们企业需要${resource.title}方面的技术支持`,
        organization: `企业${index}${copy}`,
        region: regions[(index + copy) % 3],
        industries: [industries[index % 3]],
        visibility: copy === 1 && index % 3 === 0 ? 'members' : 'public',
        contact: { name: '赵经理', phone: '0755-88886666' },
      }));
    }
  });
  const imported = await fetch(`${server.base}/api/v1/needs/import?format=jsonl`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/x-ndjson' },
    body: lines.join('\n') + '\n',
  });
  assert.equal(imported.status, 200, await imported.text());
  const started = Date.now();
  while (!(await get('/api/v1/demand', server.token)).ready) {
    assert.ok(Date.now() - started < 60000, 'the forward lists were not ready in a minute');
    await new Promise((done) => setTimeout(done, 100));
  }
  const publicRegions = await get('/api/v1/demand?group_by=region');
  const allRegions = await get('/api/v1/demand?group_by=region', server.token);
  assert.ok(publicRegions.overall.open < allRegions.overall.open);

  const page = await browser.context.newPage();
  const violations = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
  });
  await page.goto(`${server.base}/dashboard/demand`);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.match(await page.locator('h1').textContent(), /需求侧分析/);

  // Without a token: the public needs, drawn at once.
  await page.waitForFunction((count) => document.querySelector('#status').textContent.includes(`共 ${count} 条开放需求`),
    publicRegions.overall.open);
  const regionRows = page.locator('#region-table tbody tr');
  assert.equal(await regionRows.count(), publicRegions.groups.length);
  assert.equal(await page.locator('#region-chart svg rect').count(), 2 * publicRegions.groups.length);
  const first = publicRegions.groups[0];
  const cells = await regionRows.first().locator('td').allTextContents();
  assert.deepEqual(cells.slice(0, 3), [first.key === '(none)' ? '（未填写）' : first.name, first.key, String(first.open)]);
  assert.ok(await page.locator('#industry-table tbody tr').count() >= 1);
  assert.ok(await page.locator('#industry-chart svg rect').count() >= 2);
  const themes = await get('/api/v1/demand?group_by=theme&limit=200');
  assert.equal(await page.locator('#theme-table tbody tr').count(), Math.min(20, themes.groups.length));
  assert.doesNotMatch(await page.content(), /0755-88886666/);

  // A broker's token: every need.
  const broker = createToken(server, 'broker');
  await page.fill('#token', broker);
  await page.click('#controls button[type=submit]');
  await page.waitForFunction((count) => document.querySelector('#status').textContent.includes(`共 ${count} 条开放需求`),
    allRegions.overall.open);

  // A wrong token is told so.
  await page.fill('#token', '0'.repeat(64));
  await page.click('#controls button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#status').classList.contains('error'));
  assert.match(await page.locator('#status').textContent(), /令牌未被接受/);

  // English, and back.
  await page.fill('#token', '');
  await page.click('#controls button[type=submit]');
  await page.click('#lang');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.locator('h1').textContent(), /demand analysis/);
  assert.match(await page.locator('#region-table thead').textContent(), /open needs/);
  await page.click('#lang');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');

  // An expert's or a society's page links here with ?resource=ID: the needs the resource fits best,
  // as GET /api/v1/resources/{id}/needs gives them (public needs without a token).
  const resourceId = catalog.items[0].id;
  const reverse = await get(`/api/v1/resources/${encodeURIComponent(resourceId)}/needs?limit=20`);
  assert.ok(reverse.items.length >= 1, JSON.stringify(reverse));
  await page.goto(`${server.base}/dashboard/demand?resource=${encodeURIComponent(resourceId)}`);
  await page.waitForFunction(() => document.querySelector('#resource-status').textContent.includes('这项资源位列'));
  const resourceRows = page.locator('#resource-table tbody tr');
  assert.equal(await resourceRows.count(), reverse.items.length);
  const best = reverse.items[0];
  const bestCells = await resourceRows.first().locator('td').allTextContents();
  assert.deepEqual(bestCells, [
    best.need.title, best.need.organization, String(Math.floor(best.score * 100 + 1e-9)),
    { strong: '高度匹配', possible: '可能匹配', weak: '弱相关', none: '不匹配' }[best.band], String(best.rank),
  ]);
  await page.fill('#resource-id', 'no-such-resource');
  await page.click('#resource-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#resource-status').classList.contains('error'));
  assert.equal(await resourceRows.count(), 0);
  assert.doesNotMatch(await page.content(), /0755-88886666/);
  assert.deepEqual(violations, []);
  await page.close();
});
