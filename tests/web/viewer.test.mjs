// The viewer page (/r/{room}) in Chromium against the real server: the demo stream plays,
// viewers chat with each other, the pinned product is bought in one click, a sold-out product
// and an unknown room are told kindly, a room that is not live plays by itself once it goes
// live, and an ended room offers its replays. Waits are for events, with deadlines.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';

import { launchBrowser, metric, openPage, screenshot, startServer, until as untilWithin } from './harness.mjs';

const SLOW = 60_000;   // an ASan build on a shared machine: starting and first frames take time
const MOBILE = { mobile: true };
const until = (what, check, timeout = SLOW) => untilWithin(what, check, timeout);

let server;
let browser;



// The demo room is live (FLV) and its HLS playlist is written: a page opened now finds both.
async function demoLive() {
  await until('the demo stream to go live', async () => (await metric(server, 'livecart_stream_live{room="demo"}')) === 1);
  await until('the demo HLS playlist', async () => (await fetch(`${server.base}/live/demo/index.m3u8`, { method: 'HEAD' })).ok);
}

async function videoPlays(page) {
  await page.waitForFunction(() => {
    const v = document.querySelector('#video');
    return v && v.videoWidth > 0 && v.currentTime > 0;
  }, null, { timeout: SLOW });
  const t0 = await page.evaluate(() => document.querySelector('#video').currentTime);
  await page.waitForFunction((t) => document.querySelector('#video').currentTime > t + 1, t0, { timeout: SLOW });
}

async function joined(page) {
  await page.locator('#text:not([disabled])').waitFor({ timeout: SLOW });
}

async function closeAll(...contexts) {
  for (const c of contexts) await c.close();
}

before(async () => {
  server = await startServer(['--demo', '--demo-stream', '--no-snapshots']);
  browser = await launchBrowser();
  await demoLive();
});
after(async () => {
  await browser?.close();
  assert.equal(await server?.stop(), 0, 'the server exits cleanly');
});

test('the viewer page plays the demo stream over HTTP-FLV, muted with a tap to unmute', async () => {
  const { page, errors, context } = await openPage(browser, `${server.base}/r/demo`, MOBILE);
  await videoPlays(page);
  // The page marks the stage once its player reports playing, which may follow the first frames.
  await page.locator('#stage[data-state="playing"]').waitFor({ timeout: SLOW });
  assert.equal(await page.locator('#stage').getAttribute('data-engine'), 'flv', 'mpegts.js plays HTTP-FLV');
  await page.locator('#live-badge').waitFor();
  assert.match(await page.locator('#room-title').innerText(), /低钠酱油试吃直播间/);
  assert.equal(await page.evaluate(() => document.querySelector('#video').muted), true, 'autoplay starts muted');
  await joined(page);
  await screenshot(page, 'viewer-live');
  await page.locator('#unmute', { hasText: '点击开启声音' }).click();
  await page.waitForFunction(() => !document.querySelector('#video').muted);
  assert.equal((await page.locator('#unmute').innerText()).trim(), '', 'unmuted: only the speaker icon stays');
  assert.deepEqual(errors, []);
  await closeAll(context);
});

test('the page plays HLS through hls.js where FLV is not used (here on a desktop screen)', async () => {
  const { page, errors, context } = await openPage(browser, `${server.base}/r/demo?player=hls`);
  await videoPlays(page);
  assert.equal(await page.locator('#stage').getAttribute('data-engine'), 'hls');
  await joined(page);
  await page.locator('#pinned .title', { hasText: '低钠酱油' }).waitFor({ timeout: SLOW });
  await screenshot(page, 'viewer-desktop');
  assert.deepEqual(errors, []);
  await closeAll(context);
});

test('two viewers chat with each other, with a nickname, and likes add up', async () => {
  const a = await openPage(browser, `${server.base}/r/demo`, MOBILE);
  const b = await openPage(browser, `${server.base}/r/demo`, MOBILE);
  await joined(a.page);
  await joined(b.page);

  await a.page.locator('#nick-button').click();
  await a.page.locator('.nick-input').fill('小王');
  await a.page.locator('.nick-form button[type=submit]').click();
  await a.page.locator('#nick-button[title*="小王"]').waitFor({ timeout: SLOW });
  await joined(a.page);

  await a.page.locator('#text').fill('酱油多少钱？');
  await a.page.locator('#text').press('Enter');
  const line = b.page.locator('.msg', { hasText: '酱油多少钱？' });
  await line.waitFor({ timeout: SLOW });
  assert.match(await line.innerText(), /小王/);

  await b.page.locator('#text').fill('刚下单了，很划算');
  await b.page.locator('#send').click();
  await a.page.locator('.msg', { hasText: '刚下单了，很划算' }).waitFor({ timeout: SLOW });

  // A refused message is told kindly and comes back to the input.
  await b.page.locator('#text').fill('加微信私聊');
  await b.page.locator('#text').press('Enter');
  await b.page.locator('.toast', { hasText: '不当词语' }).waitFor({ timeout: SLOW });
  assert.equal(await b.page.locator('#text').inputValue(), '加微信私聊');
  await b.page.locator('#text').fill('');

  // Six quick taps: they float hearts at once and reach the room as at most one frame per 500 ms.
  const before = await a.page.evaluate(() => Number(document.querySelector('#likes-total').textContent.replace(/\D/g, '')));
  await b.page.evaluate(() => { for (let i = 0; i < 6; i += 1) document.querySelector('#like').click(); });
  assert.ok(await b.page.locator('#hearts .float-heart').count() > 0, 'hearts float up');
  await a.page.waitForFunction((n) => Number(document.querySelector('#likes-total').textContent.replace(/\D/g, '')) >= n + 6,
    before, { timeout: SLOW });

  // A reload comes back as the same viewer (the token is kept), nickname included.
  const id = await a.page.evaluate(() => localStorage.getItem('livecart.viewer-token.demo'));
  assert.ok(id, 'the viewer token is kept');
  await a.page.reload();
  await joined(a.page);
  await a.page.locator('#nick-button[title*="小王"]').waitFor({ timeout: SLOW });
  await a.page.locator('.msg.mine', { hasText: '酱油多少钱？' }).waitFor({ timeout: SLOW });

  await screenshot(a.page, 'viewer-chat');
  await a.page.locator('.lang-toggle').click();
  await a.page.locator('#text[placeholder="Say something…"]').waitFor();
  await a.page.locator('#pinned .buy', { hasText: 'Buy now' }).waitFor();
  await a.page.locator('.lang-toggle').click();
  await a.page.locator('#pinned .buy', { hasText: '立即购买' }).waitFor();
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await closeAll(a.context, b.context);
});

test('the pinned product is shown with its price and story, bought in one click, and the stock falls', async () => {
  const { page, errors, context } = await openPage(browser, `${server.base}/r/demo`, MOBILE);
  await joined(page);
  const card = page.locator('#pinned');
  await card.locator('.title', { hasText: '低钠酱油' }).waitFor({ timeout: SLOW });
  assert.match(await card.innerText(), /讲解中/);
  assert.match(await card.locator('.money').innerText(), /¥19\.90/);
  assert.match(await card.innerText(), /低钠/);
  const stock = Number(await card.locator('[data-stock]').getAttribute('data-stock'));
  assert.ok(stock > 0);

  // The traceability story, on tap.
  await card.locator('.title').click();
  const sheet = page.locator('.sheet-detail');
  await sheet.locator('.trace', { hasText: '广东佛山' }).waitFor();
  assert.match(await sheet.innerText(), /180天自然晒制/);
  await screenshot(page, 'viewer-product');

  await sheet.locator('.pickup-current').click();
  await sheet.locator('.pickup-list button', { hasText: '回龙观自提点' }).click();
  await sheet.locator('.pickup-current', { hasText: '回龙观自提点' }).waitFor();
  await sheet.locator('.buy').click();

  const number = page.locator('.order-ok .order-number');
  await number.waitFor({ timeout: SLOW });
  const orderNumber = (await number.innerText()).trim();
  assert.match(orderNumber, /^LC\d+$/);
  assert.match(await page.locator('.order-ok').innerText(), /回龙观自提点/);
  assert.match(await page.locator('.order-ok').innerText(), /¥19\.90/);
  await page.waitForFunction((s) => Number(document.querySelector('#pinned [data-stock]')?.dataset.stock) < s,
    stock, { timeout: SLOW });
  await screenshot(page, 'viewer-order');

  // The order is the buyer's, at the chosen pickup point; the card's impression and the tap counted.
  const orders = await server.api('/api/rooms/demo/orders?sku=soy-low-sodium');
  const order = orders.body.orders.find((o) => o.number === orderNumber);
  assert.ok(order, 'the order shown is in the room');
  assert.equal(order.pickup_point_id, 'pp2');
  assert.equal(order.total_cents, 1990);
  await until('the impression and click on the dashboard', async () => {
    const stats = await server.api('/api/rooms/demo/stats');
    const p = stats.body.products.find((x) => x.sku === 'soy-low-sodium');
    return p && p.last_minute.impressions >= 1 && p.last_minute.clicks >= 1 && p.last_minute.orders >= 1;
  });

  await page.locator('.order-ok button.primary').click();
  await page.locator('#bag').click();
  await page.locator('.shelf-item', { hasText: '五常大米' }).waitFor();
  assert.equal(await page.locator('.shelf-item').count(), 5);
  await screenshot(page, 'viewer-shelf');
  await until('shelf impressions', async () => {
    const stats = await server.api('/api/rooms/demo/stats');
    return stats.body.products.find((x) => x.sku === 'rice-wuchang')?.last_minute.impressions >= 1;
  });
  assert.deepEqual(errors, []);
  await closeAll(context);
});

test('a sold-out product says 已售罄 to the viewer who came second', async () => {
  const a = await openPage(browser, `${server.base}/r/demo`, MOBILE);
  const b = await openPage(browser, `${server.base}/r/demo`, MOBILE);
  await joined(a.page);
  await joined(b.page);
  const made = await server.api('/api/rooms/demo/products', {
    method: 'POST',
    body: {
      sku: 'eggs-last', title: '散养土鸡蛋 30枚', price_cents: 3580, stock: 1, tags: ['散养', '当日鲜'],
      trace: { origin: '河北承德', producer: '滦平山区散养鸡场', produced_on: '2026-11-30', story: '林下散养，吃玉米和青草' },
    },
  });
  assert.equal(made.status, 201);
  assert.equal((await server.api('/api/rooms/demo/pin', { method: 'PUT', body: { sku: 'eggs-last' } })).status, 200);
  for (const { page } of [a, b]) await page.locator('#pinned .title', { hasText: '散养土鸡蛋' }).waitFor({ timeout: SLOW });
  assert.match(await a.page.locator('#pinned .money').innerText(), /¥35\.80/);

  // Both tap at once. (A dispatched click: the second tap may land on a button that the first
  // buyer's stock event has already turned into 已售罄, which is disabled and takes no click.)
  const buy = (page) => page.locator('#pinned .buy[data-sku="eggs-last"]').dispatchEvent('click');
  await Promise.all([buy(a.page), buy(b.page)]);
  // One of them bought the last one; the other is told it is sold out.
  const winner = await Promise.race([
    a.page.locator('.order-ok .order-number').waitFor({ timeout: SLOW }).then(() => a),
    b.page.locator('.order-ok .order-number').waitFor({ timeout: SLOW }).then(() => b),
  ]);
  const loser = winner === a ? b : a;
  await loser.page.locator('text=已售罄').first().waitFor({ timeout: SLOW });
  await screenshot(loser.page, 'viewer-sold-out');
  await loser.page.locator('#pinned .buy.gone', { hasText: '已售罄' }).waitFor({ timeout: SLOW });
  await winner.page.locator('#pinned .buy.gone', { hasText: '已售罄' }).waitFor({ timeout: SLOW });
  assert.equal(await loser.page.locator('.order-ok').count(), 0);
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await closeAll(a.context, b.context);
});

test('a flash sale counts down to its start and sells at its price; a claimed coupon comes off the next order', async () => {
  const now = Date.now();
  const sale = await server.api('/api/rooms/demo/flash-sales', {
    method: 'POST',
    body: { sku: 'oats-no-sugar', price_cents: 1990, quantity: 20, limit_per_viewer: 1, starts_at_ms: now + 8000, ends_at_ms: now + 600_000 },
  });
  assert.equal(sale.status, 201);
  const coupon = await server.api('/api/rooms/demo/coupons', {
    method: 'POST', body: { kind: 'room', title: '满50减5', discount_cents: 500, min_spend_cents: 5000, quantity: 100 },
  });
  assert.equal(coupon.status, 201);
  assert.equal((await server.api('/api/rooms/demo/pin', { method: 'PUT', body: { sku: 'oats-no-sugar' } })).status, 200);

  const { page, errors, context } = await openPage(browser, `${server.base}/r/demo`, MOBILE);
  await joined(page);
  const card = page.locator('#pinned');
  await card.locator('.title', { hasText: '无糖燕麦片' }).waitFor({ timeout: SLOW });
  if (Date.now() < now + 6000) {  // still before the start (a slow machine may be past it)
    await card.locator('.sale-strip.scheduled', { hasText: '距开抢' }).waitFor();
    await card.locator('.buy.soon', { hasText: '即将开抢' }).waitFor();
    await screenshot(page, 'viewer-flash-sale');
  }
  await card.locator('.buy', { hasText: '马上抢' }).waitFor({ timeout: SLOW });
  assert.match(await card.locator('.money').innerText(), /¥19\.90/);
  assert.match(await card.locator('.was').innerText(), /¥29\.90/);
  assert.match(await card.innerText(), /距结束/);
  await card.locator('.buy').click();
  await page.locator('.order-ok .order-number').waitFor({ timeout: SLOW });
  assert.match(await page.locator('.order-ok').innerText(), /无糖燕麦片[\s\S]*¥19\.90/);
  await card.locator('.stock', { hasText: '秒杀剩 19 件' }).waitFor({ timeout: SLOW });
  await page.locator('.order-ok button.primary').click();

  await page.locator('#coupon-chip', { hasText: '领券' }).click();
  await page.locator('.toast', { hasText: '领券成功' }).waitFor({ timeout: SLOW });
  await page.locator('#bag').click();
  const milk = page.locator('.shelf-item', { hasText: '高钙奶粉' });
  await milk.locator('.after-coupon', { hasText: '券后 ¥84.00' }).waitFor();
  await screenshot(page, 'viewer-coupon');
  await milk.locator('.buy').click();
  const ok = page.locator('.order-ok');
  await ok.locator('.order-number').waitFor({ timeout: SLOW });
  assert.match(await ok.innerText(), /-¥5\.00/);
  assert.match(await ok.innerText(), /¥84\.00/);
  assert.deepEqual(errors, []);
  await closeAll(context);
});

test('an unknown room says so clearly', async () => {
  const { page, errors, context } = await openPage(browser, `${server.base}/r/no-such-room`, MOBILE);
  await page.locator('#ended-title', { hasText: '直播间不存在' }).waitFor({ timeout: SLOW });
  assert.ok(await page.locator('#ended-home').isVisible());
  await screenshot(page, 'viewer-unknown-room');
  assert.deepEqual(errors, []);
  await closeAll(context);
});

test('a room that is not live waits, then plays by itself when the host goes live', async () => {
  const made = await server.api('/api/rooms', { method: 'POST', body: { id: 'soon', title: '五常大米新米开镰' } });
  assert.equal(made.status, 201);
  const { page, errors, context } = await openPage(browser, `${server.base}/r/soon`, MOBILE);
  await joined(page);
  await page.locator('#cover-title', { hasText: '主播暂时不在' }).waitFor({ timeout: SLOW });
  await screenshot(page, 'viewer-offline');
  const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25',
    '-t', '60', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p',
    '-f', 'flv', `rtmp://127.0.0.1:${server.rtmpPort}/live/soon?key=${made.body.stream_key}`], { stdio: 'ignore' });
  try {
    // A video-only encoder: the FLV header still announces audio; the page must not wait for it.
    await videoPlays(page);
    assert.equal(await page.locator('#stage').getAttribute('data-engine'), 'flv');
  } finally {
    ffmpeg.kill('SIGINT');
  }
  // The room told the page when it went live and whether it had a picture: the page never asked
  // for a stream or a snapshot that was not there.
  assert.deepEqual(errors, []);
  await closeAll(context);
});

test('an ended room shows that it ended and offers its replays', async () => {
  const made = await server.api('/api/rooms', { method: 'POST', body: { id: 'over', title: '梅干菜专场' } });
  assert.equal(made.status, 201);
  assert.equal((await server.api('/api/rooms/over/close', { method: 'POST' })).status, 200);
  const { page, errors, context } = await openPage(browser, `${server.base}/r/over`, MOBILE);
  await page.locator('#ended-title', { hasText: '直播已结束' }).waitFor({ timeout: SLOW });
  await page.locator('.no-replay', { hasText: '暂无回放' }).waitFor({ timeout: SLOW });
  await screenshot(page, 'viewer-ended');
  assert.deepEqual(errors, []);
  await closeAll(context);
});

test('a viewer watching when the host closes the room sees the end', async () => {
  const { page, errors, context } = await openPage(browser, `${server.base}/r/demo`, MOBILE);
  await joined(page);
  assert.equal((await server.api('/api/rooms/demo/close', { method: 'POST' })).status, 200);
  await page.locator('#ended-title', { hasText: '直播已结束' }).waitFor({ timeout: SLOW });
  await page.locator('.replay h2, .no-replay').first().waitFor({ timeout: SLOW });
  assert.deepEqual(errors, []);
  await closeAll(context);
});
