// Widget figures (not a test): for each catalog size, a generated catalog imported into a real
// `duijie serve`, then in headless Chromium on loopback: the duijie:results measure while typing a
// 30-character need (median, p95), page load to first results, snapshot bytes on the wire per 1,000
// resources, and the widget's wasm + JS size gzipped (size.mjs, which CI checks against the budget).
//
//   node bench.mjs 20000 100000        (cargo xtask web and a release server build first)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, widgetGzipBytes } from './size.mjs';
import { root, dist, startServer, importJsonl, launchBrowser, waitForCatalog } from './harness.mjs';

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
if (sizes.length === 0) sizes.push(20000, 100000);

console.log(describe(widgetGzipBytes(dist)));

for (const size of sizes) {
  const work = mkdtempSync(join(tmpdir(), 'duijie-bench-'));
  execFileSync('python3', [join(root, '../shared/bench/gen_catalog.py'), String(size), '50', '1', work]);
  // The server refuses formula-like values (=x, +x, -x, @x) from imports: drop such keywords.
  const formula = /^\s*([=@]|[+-][^0-9. ])/;
  const catalog = readFileSync(join(work, 'catalog.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => {
    const record = JSON.parse(line);
    if (record.keywords) record.keywords = record.keywords.filter((keyword) => !formula.test(keyword));
    for (const field of ['title', 'summary']) {
      if (record[field] && formula.test(record[field])) record[field] = record[field].replace(/^\s*[=@+-]+/, '');
    }
    return JSON.stringify(record);
  }).join('\n') + '\n';
  const firstQuery = JSON.parse(readFileSync(join(work, 'queries.jsonl'), 'utf8').split('\n')[0]);
  const need = [...firstQuery.need.text.replace(/\s+/g, '')].slice(0, 30).join('');

  const server = await startServer({ demo: false });
  const imported = await importJsonl(server, catalog, 'replace');
  if (imported.status !== 200) throw new Error(`import failed: ${JSON.stringify(imported.body).slice(0, 500)}`);
  const wire = await wireBytes(`${server.base}/api/v1/snapshot`);

  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  // Cold load: a fresh profile, no caches. Time from navigation start to the first result in the DOM,
  // the need being entered as soon as the need box is on the page (a broker at a fair does not wait
  // for the catalog; the server answers until the page has indexed the snapshot). Then the time
  // to the local catalog being ready, which is what typing is measured on below.
  // The need is entered from inside the page the moment the need box exists (a MutationObserver),
  // as the fastest broker would: through the protocol, typing waits for round trips to a browser
  // busy downloading and indexing, which is the harness's time, not the page's.
  await page.addInitScript((text) => {
    const enter = () => {
      const box = document.querySelector('textarea[name=need]');
      if (!box) return false;
      box.value = text;
      box.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: text }));
      return true;
    };
    new MutationObserver((_, observer) => { if (enter()) observer.disconnect(); })
      .observe(document, { childList: true, subtree: true });
    // Main-thread tasks over 50 ms (the page cannot answer a keystroke meanwhile), from the start.
    globalThis.longTasks = [];
    new PerformanceObserver((list) => { for (const entry of list.getEntries()) globalThis.longTasks.push(entry); })
      .observe({ type: 'longtask', buffered: true });
    // Who gave the first results: the status line says so while the server answers.
    new MutationObserver((_, observer) => {
      if (!document.querySelector('.results [data-resource-id]')) return;
      globalThis.firstResultsFrom = document.querySelector('.status .server') ? 'the server' : 'the local catalog';
      observer.disconnect();
    }).observe(document, { childList: true, subtree: true });
  }, need);
  await page.goto(`${server.base}/`);
  await page.waitForSelector('.results [data-resource-id]', { timeout: 300000 });
  // Read from the page's own timeline (the protocol's round trips are not the page's time): the
  // need box is there when the app has mounted (duijie:load-start), the first results when the
  // first duijie:results measure ends.
  const [needBox, typedAt, firstResults] = await page.evaluate(() => {
    const mounted = performance.getEntriesByName('duijie:load-start')[0];
    const first = performance.getEntriesByName('duijie:results')[0];
    return [mounted.startTime, first.startTime, first.startTime + first.duration];
  });
  const firstFrom = await page.evaluate(() => globalThis.firstResultsFrom);
  await waitForCatalog(page, 300000);
  const catalogReady = await page.evaluate(() => performance.now());
  const longTasks = await page.evaluate(() => globalThis.longTasks.map((entry) => [entry.startTime, entry.duration]));
  const readyAt = await page.evaluate(() => performance.getEntriesByName('duijie:indexed')[0]?.startTime ?? performance.now());
  const marks = await page.evaluate(() => ['duijie:init', 'duijie:started', 'duijie:load-start', 'duijie:snapshot-loaded', 'duijie:decoded', 'duijie:indexed']
    .map((name) => `${name.slice(7)} ${performance.getEntriesByName(name)[0]?.startTime.toFixed(0)}`).join(', '));
  const loadingTasks = longTasks.filter(([start]) => start < readyAt).map(([, duration]) => duration).sort((a, b) => b - a);
  const loading = await page.evaluate(() => ['duijie:snapshot', 'duijie:decode', 'duijie:index']
    .map((name) => `${name} ${performance.getEntriesByName(name).map((entry) => entry.duration.toFixed(0)).join(',')} ms`)
    .concat(performance.getEntriesByName('duijie:load-start').map((entry) => `snapshot requested at ${entry.startTime.toFixed(0)} ms`))
    .join(', '));

  // Let the offline copy of the snapshot finish writing before measuring keystrokes.
  await page.waitForTimeout(2000);
  await page.fill('textarea[name=need]', '');
  await page.evaluate(() => { performance.clearMeasures('duijie:results'); performance.clearMeasures('duijie:match'); });
  await page.locator('textarea[name=need]').pressSequentially(need, { delay: 80 });
  await page.waitForTimeout(300);
  const measured = (name) => page.evaluate((wanted) => performance.getEntriesByName(wanted).map((entry) => entry.duration).sort((a, b) => a - b), name);
  const durations = await measured('duijie:results');
  const matches = await measured('duijie:match');
  const quantileOf = (values, q) => values[Math.min(values.length - 1, Math.floor(q * values.length))];
  const quantile = (q) => quantileOf(durations, q);
  const budget = size <= 20000 ? 16 : 50;
  console.log(`${size} resources: duijie:results median ${quantile(0.5).toFixed(2)} ms, p95 ${quantile(0.95).toFixed(2)} ms over ${durations.length} keystrokes (budget p95 ${budget} ms)`);
  console.log(`${size} resources: of which duijie:match (matching alone) median ${quantileOf(matches, 0.5).toFixed(2)} ms, p95 ${quantileOf(matches, 0.95).toFixed(2)} ms`);
  console.log(`${size} resources: snapshot on the wire ${wire} bytes gzip = ${(wire / size * 1000 / 1024).toFixed(1)} KiB per 1,000 resources`);
  console.log(`${size} resources: page load to need box ${needBox.toFixed(0)} ms, need entered at ${typedAt.toFixed(0)} ms, first results ${firstResults.toFixed(0)} ms from ${firstFrom} (budget 1500 ms at 20,000), to local catalog ready ${catalogReady.toFixed(0)} ms`);
  console.log(`${size} resources: load steps: ${loading}`);
  console.log(`${size} resources: main-thread tasks over 50 ms before the catalog was ready: ${loadingTasks.length}, longest ${loadingTasks.length ? loadingTasks[0].toFixed(0) : 0} ms (start+duration: ${longTasks.filter(([start]) => start < readyAt).map(([start, d]) => `${start.toFixed(0)}+${d.toFixed(0)}`).join(', ')}; marks: ${marks})`);
  console.log(`${size} resources: need typed: ${need}`);

  await browser.close();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}

/** Bytes of the gzip-encoded snapshot as sent. */
function wireBytes(url) {
  return new Promise((resolve, reject) => {
    request(url, { headers: { 'accept-encoding': 'gzip' } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk) => { bytes += chunk.length; });
      response.on('end', () => resolve(bytes));
    }).on('error', reject).end();
  });
}
