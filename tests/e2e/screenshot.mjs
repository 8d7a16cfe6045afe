// Takes docs/widget.png: the widget on the bundled demo catalog with a need typed and one result
// shortlisted, docs/widget-phone.png the same on a phone, and docs/widget-ceramics.png: a need as an
// enterprise writes it that the demo catalog cannot serve well, shown with its bands and the notice
// (run after cargo xtask web and a release server build).
import { join } from 'node:path';
import { root, startServer, launchBrowser, waitForCatalog } from './harness.mjs';

const server = await startServer();
const browser = await launchBrowser();
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.goto(`${server.base}/`);
  await waitForCatalog(page);
  await page.locator('textarea[name=need]').pressSequentially('锂电池热失控预警与储能安全', { delay: 20 });
  await page.locator('.results [data-resource-id]').first().waitFor();
  await page.locator('.results [data-resource-id] button.toggle').first().click();
  await page.screenshot({ path: join(root, 'docs/widget.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(root, 'docs/widget-phone.png') });
  // The shortlist is kept in the browser: empty it again for the next page.
  await page.locator('.results [data-resource-id] button.toggle').first().click();

  const ceramics =
    '我们是佛山的建筑陶瓷厂，辊道窑烟气温度高，想做窑炉余热回收利用，目前热量大多直接排掉了，需要换热设备和余热发电方面的专家';
  const second = await browser.context.newPage();
  await second.setViewportSize({ width: 1280, height: 1000 });
  await second.goto(`${server.base}/`);
  await waitForCatalog(second);
  await second.locator('textarea[name=need]').fill(ceramics);
  await second.locator('.results [data-resource-id]').first().waitFor();
  await second.waitForTimeout(300);
  await second.screenshot({ path: join(root, 'docs/widget-ceramics.png') });
} finally {
  await browser.close();
  await server.stop();
}
