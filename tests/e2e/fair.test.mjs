// The fair at the tables, in headless Chromium against a real release `duijie serve`: a broker opens
// a fair, the hall's network drops, the broker checks a participant in and records a meeting as held
// and then as wanting a follow-up, reloads the page offline (the day and the queue are still there),
// and when the network returns each is sent exactly once (one reply lost on the way) and the
// follow-up engagement exists once, with the fair's id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, waitForCatalog, createToken, api as harnessApi } from './harness.mjs';

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

const post = (path, token, body) => api(path, token, { method: 'POST', body: JSON.stringify(body) });

/** A scheduled fair of two enterprises and two resources of the demo catalog: its id. */
async function scheduledFair() {
  const editor = server.token;
  const fair = await post('/api/v1/fairs', editor, {
    name: '现场签到对接会', venue: '佛山国际会议中心 A 厅', days: ['2030-06-01'], day_start: '09:00', day_end: '10:00',
    slot_minutes: 20, tables: 2, max_meetings: 3, request_deadline: '2000-01-01T00:00:00+08:00',
  });
  assert.equal(fair.status, 201, JSON.stringify(fair.body));
  const id = fair.body.id;
  const catalog = await (await fetch(`${server.base}/api/v1/resources?limit=2`)).json();
  const needs = [
    { id: 'fair-e2e-need-1', text: '锂电池热失控预警与储能安全', organization: '甲储能科技有限公司', visibility: 'members' },
    { id: 'fair-e2e-need-2', text: '光伏组件回收与材料再利用', organization: '乙新材料有限公司', visibility: 'members' },
  ];
  for (const need of needs) {
    const stored = await post('/api/v1/needs', editor, need);
    assert.equal(stored.status, 201, JSON.stringify(stored.body));
    const registered = await post(`/api/v1/fairs/${id}/participants`, editor, { need: need.id });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
  }
  for (const resource of catalog.items) {
    const registered = await post(`/api/v1/fairs/${id}/participants`, editor, { resource: resource.id });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
  }
  for (const [need, resource] of [[needs[0], catalog.items[0]], [needs[1], catalog.items[1]]]) {
    const request = await post(`/api/v1/fairs/${id}/requests`, editor, { need: need.id, resource: resource.id });
    assert.equal(request.status, 201, JSON.stringify(request.body));
    // After the request deadline the organiser accepts on the participants' behalf.
    const accepted = await post(`/api/v1/fairs/${id}/requests/${request.body.id}/answer`, editor, { decision: 'accept' });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  }
  const schedule = await post(`/api/v1/fairs/${id}/schedule`, editor, {});
  assert.equal(schedule.status, 200, JSON.stringify(schedule.body));
  assert.equal(schedule.body.meetings.length, 2);
  return id;
}

test('a broker checks in and records outcomes offline; each reaches the server exactly once, and the follow-up becomes one engagement with the fair\'s id', async () => {
  const fairId = await scheduledFair();
  const broker = createToken(server, 'broker');
  const own = await launchBrowser();
  const page = await own.context.newPage();
  try {
    await page.goto(`${server.base}/`);
    await waitForCatalog(page);
    // The service worker holds the app shell, so the page reloads offline.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((done) => navigator.serviceWorker.addEventListener('controllerchange', done, { once: true }));
      }
    });
    await page.fill('input[name=broker-token]', broker);
    await page.click('button.sign-in');
    await page.locator('.shortlist .broker[data-signed-in]').waitFor();

    // The broker lists the fairs and opens this one: its day comes from the server.
    await page.click('.fair-day button.list-fairs');
    await page.click(`.fair-day button.open-fair[data-fair-id="${fairId}"]`);
    await page.locator('.fair-day[data-source=server]').waitFor();
    const day = (await api(`/api/v1/fairs/${fairId}/day`, broker)).body;
    assert.equal(await page.locator('.fair-day li.meeting').count(), 2);
    const meeting = day.meetings[0];
    const row = page.locator(`.fair-day li.meeting[data-request="${meeting.request}"]`);
    assert.match(await row.locator('.who').textContent(), new RegExp(`${meeting.need_name} ↔ `));
    assert.equal(await row.locator('.table').textContent(), `桌 ${meeting.table + 1}`);
    const person = page.locator(`.fair-day li[data-participant="${meeting.need}"]`);

    // The hall's network drops: check-in, held, then follow-up wanted, all queued.
    await own.context.setOffline(true);
    await person.locator('button.check-in').click();
    await person.locator('.checked[data-state=queued]').waitFor();
    await row.locator('button.outcome-held').click();
    await row.locator('.recorded[data-state=queued][data-outcome=held]').waitFor();
    await row.locator('button.outcome-follow_up').click();
    await row.locator('.recorded[data-state=queued][data-outcome=follow_up]').waitFor();
    await page.waitForTimeout(500);
    assert.equal((await api(`/api/v1/fairs/${fairId}/day`, broker)).body.actions.length, 0, 'nothing reached the server while offline');

    // A reload with the network still off: the day and what was recorded are still shown.
    await page.reload();
    await page.locator('.fair-day[data-source=cache] li.meeting').first().waitFor({ timeout: 30000 });
    await person.locator('.checked[data-state=queued]').waitFor();
    await row.locator('.recorded[data-state=queued][data-outcome=follow_up]').waitFor();

    // The network returns, but the first reply is lost after the server recorded the write.
    const posts = [];
    const statuses = [];
    await own.context.route(`**/api/v1/fairs/${fairId}/**`, async (route) => {
      const request = route.request();
      if (request.method() !== 'POST') return route.continue();
      posts.push({ url: new URL(request.url()).pathname, body: request.postData() });
      const response = await route.fetch();
      statuses.push(response.status());
      if (posts.length === 1) return route.abort('connectionreset');
      return route.fulfill({ response });
    });

    await own.context.setOffline(false);
    await row.locator('.recorded[data-state=sent][data-outcome=follow_up]').waitFor({ timeout: 30000 });
    await person.locator('.checked[data-state=sent]').waitFor({ timeout: 30000 });
    await page.locator('.fair-day[data-source=server]').waitFor({ timeout: 30000 });
    // Which reply a loaded machine hands back first is not fixed (once the first one came back
    // 200: the write had reached the server before the route saw it), so the statuses are checked
    // as a set; that the server holds each write once is checked on its log below.
    assert.equal(posts[1].body, posts[0].body, 'the retry is the same request, with the same key');
    assert.ok(statuses.every((status) => status === 201 || status === 200), JSON.stringify(statuses));
    assert.ok(statuses.includes(200), `a retry was answered with the entry already made: ${JSON.stringify(statuses)}`);
    const keys = posts.map((sent) => JSON.parse(sent.body).idempotency_key);
    assert.ok(keys.every((key) => /^w-[0-9a-f]{32}$/.test(key)));
    assert.equal(new Set(keys).size, 3, 'three writes, each with its key');

    // The server got each exactly once, in order.
    const after = (await api(`/api/v1/fairs/${fairId}/day`, server.token)).body;
    assert.deepEqual(
      after.actions.map((action) => [action.kind, action.participant || action.outcome]),
      [['check_in', meeting.need], ['outcome', 'held'], ['outcome', 'follow_up']],
    );
    assert.equal(after.meetings.find((shown) => shown.request === meeting.request).outcome, 'follow_up');
    assert.ok(after.participants.find((shown) => shown.id === meeting.need).checked_in_at);

    // The follow-up is one engagement intent, with the fair's id, the need and the resource.
    const engagements = (await api(`/api/v1/engagements?fair=${fairId}`, server.token)).body;
    assert.equal(engagements.total, 1, JSON.stringify(engagements));
    assert.equal(engagements.items[0].fair, fairId);
    assert.equal(engagements.items[0].status, 'intent');
    assert.equal(engagements.items[0].need_id, meeting.need.replace(/^need:/, ''));
    assert.equal(engagements.items[0].resource_id, meeting.resource.replace(/^resource:/, ''));
    assert.equal(engagements.items[0].created_by.scope, 'broker');

    // The fair's figures count it; a reload sends nothing again.
    const stats = (await api(`/api/v1/fairs/${fairId}/stats`, broker)).body;
    assert.deepEqual(stats.outcomes, { checked_in: 1, recorded: 1, held: 1, no_shows: 0, follow_ups: 1 });
    assert.equal(stats.follow_ups.engagements, 1);
    const sent = posts.length;
    await page.reload();
    await page.locator('.fair-day[data-source=server]').waitFor({ timeout: 30000 });
    await page.waitForTimeout(500);
    assert.equal(posts.length, sent, 'a reload sends nothing again');
    assert.equal((await api(`/api/v1/fairs/${fairId}/day`, server.token)).body.actions.length, 3);
  } finally {
    await own.close();
  }
});
