// Takes docs/widget.png: the widget on the bundled demo catalog with a need typed and one result
// shortlisted (run after cargo xtask web and a release server build).
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
} finally {
  await browser.close();
  await server.stop();
}
