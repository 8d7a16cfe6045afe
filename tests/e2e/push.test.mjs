// Precise push from the widget (issue 19) in headless Chromium against a real release `duijie serve`:
// a signed-in broker saves the typed need as a stored need, then subscribes it from the shortlist
// panel. Offline, nothing is sent or queued and the panel says so; a refused field is told next to
// it; the minimum fit starts at the server's own default (the strong band's lower edge); a feed
// subscription exists over HTTP afterwards, with the settings chosen, and its secret URL serves Atom.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, waitForCatalog, createToken, api as harnessApi } from './harness.mjs';

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

const api = (path, token, init = {}) => harnessApi(server, path, token, init);

test('a broker subscribes the stored need from the shortlist panel; offline it is told, not queued', async () => {
  const broker = createToken(server, 'broker');
  const page = await browser.context.newPage();
  await page.goto(`${server.base}/`);
  await waitForCatalog(page);
  await page.locator('textarea[name=need]').fill(NEED);
  await page.locator('.results [data-resource-id]').first().waitFor();
  await page.fill('input[name=broker-token]', broker);
  await page.click('button.sign-in');
  await page.locator('.shortlist .broker[data-signed-in]').waitFor();

  // No subscribing before the server has stored the need.
  assert.equal(await page.locator('form.subscribe').count(), 0);
  await page.fill('input[name=need-organization]', '示例储能科技有限公司');
  await page.click('button.save-need-submit');
  await page.locator('[data-saved-need=sent]').waitFor({ timeout: 30000 });
  const needs = await api('/api/v1/needs?limit=100', server.token);
  const need = needs.body.items.find((item) => item.text === NEED);
  assert.ok(need, JSON.stringify(needs.body));
  const form = page.locator('form.subscribe');
  await form.waitFor();

  // The minimum fit the form offers is the server's default for a subscription that gives none.
  const probe = await api('/api/v1/subscriptions', server.token, {
    method: 'POST', body: JSON.stringify({ need_id: need.id, channel: 'feed' }),
  });
  assert.equal(probe.status, 201, JSON.stringify(probe.body));
  assert.equal(Number(await form.locator('input[name=subscribe-min-fit]').inputValue()),
    Math.round(probe.body.subscription.min_fit * 100));
  assert.equal((await api(`/api/v1/subscriptions/${probe.body.subscription.id}`, server.token, { method: 'DELETE' })).status, 200);

  // Offline: the panel says subscribing needs the network, and nothing reaches the server later.
  await browser.context.setOffline(true);
  await form.locator('button.subscribe-submit').click();
  await form.locator('[data-subscribe=offline]').waitFor();
  assert.match(await form.locator('[data-subscribe=offline]').textContent(), /离线.*需要联网/);
  await browser.context.setOffline(false);
  await new Promise((done) => setTimeout(done, 500));
  assert.deepEqual((await api('/api/v1/subscriptions', server.token)).body.items, []);

  // A refused field is told next to it: a webhook is an http:// or https:// URL.
  await form.locator('select[name=subscribe-channel]').selectOption('webhook');
  await form.locator('input[name=subscribe-url]').fill('ftp://example.com/hook');
  await form.locator('button.subscribe-submit').click();
  const urlError = form.locator('label:has(input[name=subscribe-url]) .field-error[data-field=url]');
  await urlError.waitFor();
  assert.match(await urlError.textContent(), /http:\/\//);
  assert.deepEqual((await api('/api/v1/subscriptions', server.token)).body.items, []);

  // A daily feed of the top 5 with fit ≥ 50%: created, its secret URL shown once and serving Atom.
  await form.locator('select[name=subscribe-channel]').selectOption('feed');
  assert.equal(await form.locator('.field-error').count(), 0);
  await form.locator('select[name=subscribe-frequency]').selectOption('daily');
  await form.locator('input[name=subscribe-min-fit]').fill('50');
  await form.locator('input[name=subscribe-top]').fill('5');
  await form.locator('button.subscribe-submit').click();
  const created = form.locator('[data-subscribe=created]');
  await created.waitFor();
  const id = await created.getAttribute('data-subscription-id');
  const feedUrl = await created.locator('a.feed-url').getAttribute('href');
  const stored = await api(`/api/v1/subscriptions/${id}`, server.token);
  assert.equal(stored.status, 200, JSON.stringify(stored.body));
  assert.equal(stored.body.need_id, need.id);
  assert.equal(stored.body.channel, 'feed');
  assert.equal(stored.body.frequency, 'daily');
  assert.equal(stored.body.min_fit, 0.5);
  assert.equal(stored.body.top, 5);
  assert.equal(stored.body.feed_url, feedUrl);
  assert.equal((await api('/api/v1/subscriptions', server.token)).body.items.length, 1);
  const feed = await fetch(feedUrl);
  assert.equal(feed.status, 200);
  assert.match(feed.headers.get('content-type'), /application\/atom\+xml/);
  assert.match(await feed.text(), /<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom"/);

  // The English words, and clean up for the other files' tests.
  await page.locator('.shortlist .sign-out').click();
  await page.close();
});
