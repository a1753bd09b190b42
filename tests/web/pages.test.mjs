// Every page loads in Chromium with no console error, in Chinese and in English.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, openPage, screenshot, startServer } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await startServer(['--demo', '--no-hls', '--no-snapshots']);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  assert.equal(await server?.stop(), 0, 'the server exits cleanly');
});

test('the home page lists the demo room with links to its pages', async () => {
  const { page, errors } = await openPage(browser, `${server.base}/`);
  const link = page.locator('a[href="/r/demo"]').first();
  await link.waitFor();
  assert.match(await page.locator('#rooms').innerText(), /低钠酱油试吃直播间/);
  await page.locator('.lang-toggle').click();
  await page.locator('text=Watch').first().waitFor();
  await screenshot(page, 'home');
  assert.deepEqual(errors, []);
});
