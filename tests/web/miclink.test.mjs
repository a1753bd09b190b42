// Mic-link (连麦) in Chromium against the real server: a viewer on a phone asks to join the host
// on camera, the host console shows the nickname and accepts, the viewer page takes the (fake)
// camera and posts its WHIP offer with the guest token, everyone sees who is on camera, the
// host ends it; a declined request; a cancelled one. The first test answers the viewer's POST
// /whip/{room} itself (a refusal, shown to the guest); the second goes on camera for real: the
// server mixes the guest in, and the guest's page plays the program over WHEP while on camera.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createRoom, goLive, launchBrowser, metric, openPage, screenshot, startServer, until, waitText } from './harness.mjs';

const MOBILE = { mobile: true };
let server;
let browser;
let encoder;
let room;

before(async () => {
  server = await startServer(['--no-hls', '--no-snapshots']);
  browser = await launchBrowser();
  room = await createRoom(server, 'mic', '连麦测试直播间');
  encoder = await goLive(server, 'mic', room.stream_key);
});
after(async () => {
  await encoder?.stop();
  await browser?.close();
  assert.equal(await server?.stop(), 0, 'the server exits cleanly');
});

// The host console, signed in, with its room connection open.
async function openHost() {
  const opened = await openPage(browser, `${server.base}/host/mic?token=${encodeURIComponent(room.host_key)}`);
  await opened.page.locator('[data-testid=conn] .status-dot.open').waitFor();
  await opened.page.locator('[data-testid=miclink]').waitFor();
  return opened;
}

// The viewer page on a phone, as `nick`, once the stream is live there (the ask button shows).
async function openViewer(nick) {
  const opened = await openPage(browser, `${server.base}/r/mic`, MOBILE);
  await opened.page.evaluate((n) => localStorage.setItem('livecart.nick', n), nick);
  await opened.page.reload();
  await opened.page.locator('[data-testid=mic-ask]').waitFor();
  return opened;
}

// Console errors other than the refused WHIP POST the test answers on purpose.
const realErrors = (errors) => errors.filter((e) => !/whip|503/.test(e));

test('request, the host sees the nickname and accepts, the page publishes with the guest token; the host ends it', async () => {
  const host = await openHost();
  const viewer = await openViewer('小王连麦');
  const bystander = await openViewer('路人甲');

  // The page's WHIP offer, answered here with the server's kind of refusal.
  let whip = null;
  await viewer.page.route('**/whip/**', async (route) => {
    const req = route.request();
    whip = { method: req.method(), url: req.url(), auth: req.headers().authorization || '', type: req.headers()['content-type'], sdp: req.postData() };
    await route.fulfill({
      status: 503, contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'unavailable', message: '嘉宾推流暂不可用' } }),
    });
  });

  await viewer.page.locator('[data-testid=mic-ask]').click();
  await waitText(viewer.page, '[data-testid=mic-status]', /排第 1 位/);
  await waitText(host.page, '[data-testid=mic-queue]', /小王连麦/);
  await screenshot(host.page, 'miclink-host-queue');
  assert.doesNotMatch(await host.page.locator('[data-testid=miclink]').innerText(), /null|undefined/);

  await host.page.locator('[data-testid=mic-queue] [data-testid=mic-accept]').click();
  await waitText(host.page, '[data-testid=mic-guests]', /小王连麦/);
  await waitText(host.page, '[data-testid=mic-limit]', /1\/1/);

  // Accepted: the page took the camera and posted its offer with the guest token; the refusal
  // is shown with the server's words.
  await waitText(viewer.page, '[data-testid=mic-status]', /连麦失败：嘉宾推流暂不可用/);
  assert.ok(whip, 'the page posted a WHIP offer');
  assert.equal(whip.method, 'POST');
  assert.match(whip.url, /\/whip\/mic$/);
  assert.equal(whip.type, 'application/sdp');
  assert.match(whip.sdp, /^v=0/);
  assert.match(whip.sdp, /m=video/);
  const token = whip.auth.replace(/^Bearer /, '');
  const claims = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
  assert.equal(claims.room, 'mic');
  assert.equal(claims.role, 'viewer');
  assert.equal(claims.slot, 1);
  assert.equal(claims.nick, '小王连麦');
  assert.ok(claims.exp > Date.now() / 1000, 'the guest token expires later');
  // The guest token is a credential of the room, with no host rights.
  assert.equal((await server.api('/api/rooms/mic/orders', { token })).status, 200);
  assert.equal((await server.api('/api/rooms/mic/keys', { token })).status, 403);
  await screenshot(viewer.page, 'miclink-viewer-accepted');

  // Everyone sees who is on camera.
  await waitText(bystander.page, '[data-testid=mic-badge]', /连麦中 · 小王连麦/);
  await screenshot(bystander.page, 'miclink-bystander-badge');

  await host.page.locator('[data-testid=mic-guests] [data-testid=mic-end]').click();
  await waitText(host.page, '[data-testid=mic-guests]', /还没有嘉宾连麦/);
  await viewer.page.locator('[data-testid=mic-ask]').waitFor();
  await bystander.page.locator('[data-testid=mic-badge]').waitFor({ state: 'detached' });

  assert.deepEqual(realErrors(viewer.errors), []);
  assert.deepEqual(host.errors, []);
  assert.deepEqual(bystander.errors, []);
  for (const p of [host, viewer, bystander]) await p.context.close();
});

// The same with the server's own guest endpoint: the page goes on camera for real, the room's
// program becomes the mix, and the guest watches it in the low-latency mode while on camera.
test('an accepted guest goes on camera: published, mixed, watched over WHEP, then back', async () => {
  const host = await openHost();
  const viewer = await openViewer('小李上麦');
  const engine = () => viewer.page.evaluate(() => document.querySelector('#stage').dataset.engine);
  await viewer.page.locator('#stage[data-state="playing"]').waitFor({ timeout: 60_000 });
  const before = await engine();
  await viewer.page.locator('[data-testid=mic-ask]').click();
  await waitText(host.page, '[data-testid=mic-queue]', /小李上麦/);
  await host.page.locator('[data-testid=mic-queue] [data-testid=mic-accept]').click();
  await viewer.page.locator('[data-testid=mic-status][data-state="on"]').waitFor({ timeout: 60_000 });
  await until('the mix to take the guest', async () => (await metric(server, 'livecart_miclink_guests')) === 1);
  await viewer.page.locator('#stage[data-engine="whep"][data-state="playing"]').waitFor({ timeout: 60_000 });
  await viewer.page.waitForFunction(() => document.querySelector('[data-testid=mic-preview]').videoWidth > 0);
  await screenshot(viewer.page, 'miclink-guest-on-camera');

  await host.page.locator('[data-testid=mic-guests] [data-testid=mic-end]').click();
  await viewer.page.locator('[data-testid=mic-ask]').waitFor();
  await until('the mix to end', async () => (await metric(server, 'livecart_miclink_mixes')) === 0, 60_000);
  await viewer.page.locator(`#stage[data-engine="${before}"][data-state="playing"]`).waitFor({ timeout: 60_000 });
  assert.equal(await metric(server, 'livecart_whip_sessions'), 0, 'the guest\'s stream was stopped');
  assert.deepEqual(viewer.errors, []);
  assert.deepEqual(host.errors, []);
  for (const p of [host, viewer]) await p.context.close();
});

test('a declined request is told to the viewer', async () => {
  const host = await openHost();
  const viewer = await openViewer('小李');
  await viewer.page.locator('[data-testid=mic-ask]').click();
  await waitText(host.page, '[data-testid=mic-queue]', /小李/);
  await host.page.locator('[data-testid=mic-queue] [data-testid=mic-decline]').click();
  await waitText(viewer.page, '#toast', /主播暂时没有接受/);
  await viewer.page.locator('[data-testid=mic-ask]').waitFor();
  await waitText(host.page, '[data-testid=mic-queue]', /暂无观众申请/);
  assert.deepEqual(viewer.errors, []);
  assert.deepEqual(host.errors, []);
  for (const p of [host, viewer]) await p.context.close();
});

test('a viewer cancels its request and the host queue empties', async () => {
  const host = await openHost();
  const viewer = await openViewer('阿芳');
  await viewer.page.locator('[data-testid=mic-ask]').click();
  await waitText(host.page, '[data-testid=mic-queue]', /阿芳/);
  await screenshot(viewer.page, 'miclink-viewer-waiting');
  await viewer.page.locator('[data-testid=mic-cancel]').click();
  await viewer.page.locator('[data-testid=mic-ask]').waitFor();
  await waitText(host.page, '[data-testid=mic-queue]', /暂无观众申请/);
  assert.deepEqual(viewer.errors, []);
  assert.deepEqual(host.errors, []);
  for (const p of [host, viewer]) await p.context.close();
});
