// The host console (/host/{room}) in Chromium against the real server: go-live settings and
// the stream preview, the shelf editor, chat moderation seen by a viewer, live suggestions,
// orders and promotions, and refusals (bad input, wrong keys) told in words.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';

import { createRoom as createRoomWith, launchBrowser, openPage, screenshot, startServer } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await startServer(['--no-hls', '--no-snapshots']);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  assert.equal(await server?.stop(), 0, 'the server exits cleanly');
});

// A fresh room per test: {id, host_key, operator_key, stream_key}.
const createRoom = (id, title) => createRoomWith(server, id, title);

// The console, signed in, with its room connection open.
async function openHost(room, key) {
  const opened = await openPage(browser, `${server.base}/host/${room}?token=${encodeURIComponent(key)}`);
  await opened.page.locator('[data-testid=conn] .status-dot.open').waitFor();
  return opened;
}

// A viewer: another browser context on the home page with a room WebSocket opened by hand (the
// viewer page is built elsewhere). Every frame and every batch event lands in window.__events.
async function openViewer(room, nick) {
  const viewer = await openPage(browser, `${server.base}/`);
  const url = `${server.base.replace('http', 'ws')}/ws/rooms/${room}?nick=${encodeURIComponent(nick)}`;
  const welcome = await viewer.page.evaluate((u) => new Promise((resolve, reject) => {
    const ws = new WebSocket(u);
    window.__ws = ws;
    window.__events = [];
    window.__closed = null;
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      window.__events.push(m);
      if (m.type === 'batch') window.__events.push(...m.events);
      if (m.type === 'welcome') resolve(m);
    };
    ws.onclose = (ev) => { window.__closed = ev.code; };
    ws.onerror = () => reject(new Error('the viewer socket failed'));
  }), url);
  return { ...viewer, welcome, send: (msg) => viewer.page.evaluate((m) => window.__ws.send(JSON.stringify(m)), msg) };
}

// Resolves with the first event of the viewer's that `match` (a function body over `e`) accepts.
async function viewerEvent(viewer, match, arg) {
  const handle = await viewer.page.waitForFunction(([body, a]) => {
    const f = new Function('e', 'arg', body);
    return window.__events.find((e) => f(e, a)) || null;
  }, [match, arg]);
  return handle.jsonValue();
}

// The console asks before anything it cannot undo; this answers its dialog.
async function confirm(page) {
  await page.locator('dialog[open] .dialog-foot button.danger, dialog[open] .dialog-foot button.primary').click();
}

async function dialogClosed(page) {
  await page.locator('dialog[open]').waitFor({ state: 'detached' });
}

async function productForm(page, values) {
  const dialog = page.locator('dialog[open]');
  await dialog.waitFor();
  for (const [name, value] of Object.entries(values)) await dialog.locator(`[name="${name}"]`).fill(value);
  await dialog.locator('button[type=submit]').click();
  return dialog;
}

test('go live: the console shows the OBS server and stream key, copies them, rotates the key and previews the stream', async () => {
  const room = await createRoom('golive', '春季新品直播');
  const { page, errors, context } = await openHost('golive', room.host_key);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });

  const keyInput = page.locator('[data-testid=stream-key]');
  assert.equal(await keyInput.inputValue(), `golive?key=${room.stream_key}`);
  // The port this server's RTMP listener really took (the test server asks for a free one).
  const keys = (await server.api('/api/rooms/golive/keys', { token: room.host_key })).body;
  assert.equal(keys.rtmp_port, server.rtmpPort);
  assert.equal(await page.locator('[data-testid=rtmp-url]').inputValue(), `rtmp://127.0.0.1:${server.rtmpPort}/live`);
  assert.match(await keyInput.getAttribute('class'), /masked/, 'the key is hidden until asked for');
  await page.locator('[data-testid=reveal-key]').click();
  assert.doesNotMatch(await page.locator('[data-testid=stream-key]').getAttribute('class'), /masked/);

  await page.locator('button[data-copy="live.streamKey"]').click();
  await page.locator('.toast-item', { hasText: '已复制串流密钥' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `golive?key=${room.stream_key}`);
  await page.locator('button[data-copy="live.server"]').click();
  await page.locator('.toast-item', { hasText: '已复制服务器' }).waitFor();
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /^rtmp:\/\/127\.0\.0\.1:\d+\/live$/);

  const preview = page.locator('[data-testid=preview]');
  await page.locator('[data-testid=preview][data-state=offline]').waitFor({ timeout: 30_000 });
  assert.match(await preview.innerText(), /未收到推流/);
  await screenshot(page, 'host-golive');

  await page.locator('[data-testid=rotate-key]').click();
  await page.locator('dialog[open]', { hasText: '旧密钥立即失效' }).waitFor();
  await confirm(page);
  await page.waitForFunction((old) => document.querySelector('[data-testid=stream-key]').value !== old, `golive?key=${room.stream_key}`);
  const rotated = (await server.api('/api/rooms/golive/keys', { token: room.host_key })).body;
  assert.equal(rotated.stream_key_generation, 1);
  assert.notEqual(rotated.stream_key, room.stream_key);
  assert.equal(await keyInput.inputValue(), `golive?key=${rotated.stream_key}`);
  await page.locator('.toast-item', { hasText: '已生成新的串流密钥' }).waitFor();

  // OBS's part, played by ffmpeg with the new key: the preview goes live, then offline again.
  const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '15', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '48k', '-f', 'flv', `rtmp://127.0.0.1:${server.rtmpPort}/live/golive?key=${rotated.stream_key}`],
  { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await page.locator('[data-testid=preview][data-state=playing]').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('.preview-video').currentTime > 0.5, null, { timeout: 20_000 });
    assert.equal(await page.evaluate(() => document.querySelector('.preview-video').muted), true, 'the preview is muted');
    assert.match(await page.locator('[data-testid=header-live]').innerText(), /直播中/);
    await screenshot(page, 'host-golive-live');
  } finally {
    ffmpeg.kill('SIGINT');
  }
  await page.locator('[data-testid=preview][data-state=offline]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid=header-live]', { hasText: '未开播' }).waitFor();
  assert.equal(await page.locator('[data-testid=preview]').getAttribute('data-state'), 'offline');
  assert.deepEqual(errors, []);
  await context.close();
});

test('products: the host adds one, pins it (a viewer sees it pinned), edits price and stock, and moves it up', async () => {
  const room = await createRoom('shop', '农家好物');
  const added = await server.api('/api/rooms/shop/products', {
    method: 'POST', token: room.host_key, body: { sku: 'rice', title: '五常大米 5kg', price_cents: 6990, stock: 300 },
  });
  assert.equal(added.status, 201);
  const { page, errors, context } = await openHost('shop', room.host_key);
  await page.locator('.product[data-sku=rice]').waitFor();
  const viewer = await openViewer('shop', '小李');

  await page.locator('[data-testid=add-product]').click();
  await productForm(page, { title: '土鸡蛋 30枚', price: '39.9', stock: '120', tags: '散养，新鲜', origin: '湖北恩施', producer: '恩施农户合作社' });
  await dialogClosed(page);
  const row = page.locator('.product', { hasText: '土鸡蛋 30枚' });
  await row.waitFor();
  await page.locator('.toast-item', { hasText: '已上架「土鸡蛋 30枚」' }).waitFor();
  const sku = await row.getAttribute('data-sku');
  let shelf = (await server.api('/api/rooms/shop/shelf')).body;
  const egg = shelf.products.find((p) => p.sku === sku);
  assert.equal(egg.price_cents, 3990, 'yuan typed, integer cents sent');
  assert.equal(egg.stock, 120);
  assert.deepEqual(egg.tags, ['散养', '新鲜']);
  assert.equal(egg.trace.origin, '湖北恩施');

  await row.locator('[data-act=pin]').click();
  await row.locator('.pin-badge', { hasText: '讲解中' }).waitFor();
  const pin = await viewerEvent(viewer, "return e.type === 'pin' && e.product && e.product.sku === arg", sku);
  assert.equal(pin.product.title, '土鸡蛋 30枚');
  assert.equal((await server.api('/api/rooms/shop/shelf')).body.pinned, sku);

  await row.locator('[data-act=edit]').click();
  await productForm(page, { price: '35.5', stock: '80' });
  await dialogClosed(page);
  await row.locator('[data-testid=price]', { hasText: '¥35.50' }).waitFor();
  await row.locator('[data-testid=stock]', { hasText: '库存 80' }).waitFor();
  const changed = await viewerEvent(viewer, "return e.type === 'product' && e.product.sku === arg && e.product.price_cents === 3550", sku);
  assert.equal(changed.product.stock, 80);
  shelf = (await server.api('/api/rooms/shop/shelf')).body;
  assert.deepEqual(shelf.products.map((p) => [p.sku, p.price_cents, p.stock]), [['rice', 6990, 300], [sku, 3550, 80]]);

  await row.locator('[data-act=up]').click();
  await page.locator('.toast-item', { hasText: '货架顺序已更新' }).waitFor();
  await page.waitForFunction((s) => document.querySelector('.product')?.dataset.sku === s, sku);
  shelf = (await server.api('/api/rooms/shop/shelf')).body;
  assert.deepEqual(shelf.products.map((p) => p.sku), [sku, 'rice']);
  await screenshot(page, 'host-products');

  await page.locator('.lang-toggle').click();
  await page.locator('.tab', { hasText: 'Products' }).waitFor();
  await page.locator('.product .pin-badge', { hasText: 'Presenting' }).waitFor();
  await screenshot(page, 'host-products-en');
  await page.locator('.lang-toggle').click();
  await page.locator('.tab', { hasText: '商品' }).waitFor();
  assert.deepEqual(errors, []);
  assert.deepEqual(viewer.errors, []);
  for (const c of [context, viewer.context]) await c.close();
});

test('chat: a viewer\'s message is deleted from the console and everywhere; mute, slow mode and ban reach the viewer', async () => {
  const room = await createRoom('chat', '厨房小课堂');
  const { page, errors, context } = await openHost('chat', room.host_key);
  const viewer = await openViewer('chat', '小王');
  const troll = await openViewer('chat', '捣乱的人');

  await viewer.send({ type: 'chat', text: '这个酱油多少钱？' });
  const msg = page.locator('.chat-list .msg', { hasText: '这个酱油多少钱？' });
  await msg.waitFor();
  assert.match(await msg.innerText(), /小王/);
  const id = Number(await msg.getAttribute('data-id'));
  await screenshot(page, 'host-chat');

  await msg.hover();
  await msg.locator('[data-act=delete]').click();
  await msg.waitFor({ state: 'detached' });
  await page.locator('.toast-item', { hasText: '已删除弹幕' }).waitFor();
  await viewerEvent(viewer, "return e.type === 'delete' && e.id === arg", id);

  // Mute for 10 minutes: the viewer's next message is refused.
  await viewer.send({ type: 'chat', text: '怎么还不发货' });
  const second = page.locator('.chat-list .msg', { hasText: '怎么还不发货' });
  await second.hover();
  await second.locator('[data-act=mute]').click();
  await page.locator('dialog[open]', { hasText: '禁言「小王」' }).locator('button[data-seconds="600"]').click();
  await page.locator('.toast-item', { hasText: '已禁言该观众' }).waitFor();
  await page.locator('.muted-box summary', { hasText: '本场已禁言 1 人' }).waitFor();
  await viewer.send({ type: 'chat', text: '我被禁言了吗', ref: 'm1' });
  const refused = await viewerEvent(viewer, "return e.type === 'error' && e.ref === 'm1'");
  assert.equal(refused.code, 'muted');

  await page.locator('[data-testid=slow-mode]').selectOption('10');
  await viewerEvent(viewer, "return e.type === 'slow_mode' && e.seconds === 10");
  await page.locator('.toast-item', { hasText: '慢速模式已开启' }).waitFor();

  await troll.send({ type: 'chat', text: '来我直播间看看更便宜的' });
  const ad = page.locator('.chat-list .msg', { hasText: '来我直播间看看更便宜的' });
  await ad.hover();
  await ad.locator('[data-act=ban]').click();
  await page.locator('dialog[open]', { hasText: '将「捣乱的人」踢出直播间' }).waitFor();
  await confirm(page);
  await page.locator('.toast-item', { hasText: '已踢出该观众' }).waitFor();
  await troll.page.waitForFunction(() => window.__closed === 1008);

  // The host's own message goes out as the host.
  await page.locator('[data-testid=chat-input]').fill('欢迎大家，今天全场包邮');
  await page.locator('.composer button[type=submit]').click();
  const own = await viewerEvent(viewer, "return e.type === 'chat' && e.text === '欢迎大家，今天全场包邮'");
  assert.equal(own.user.role, 'host');
  await page.locator('.chat-list .msg.staff', { hasText: '欢迎大家' }).waitFor();
  // Staff are held to the banned words too: the refusal is told and the text given back.
  await page.locator('[data-testid=chat-input]').fill('加微信领红包');
  await page.locator('.composer button[type=submit]').click();
  await page.locator('.toast-item.error', { hasText: '消息包含违禁词，未发送' }).waitFor();
  assert.equal(await page.locator('[data-testid=chat-input]').inputValue(), '加微信领红包');
  await screenshot(page, 'host-chat-moderated');
  assert.deepEqual(errors, []);
  assert.deepEqual(viewer.errors, []);
  for (const c of [context, viewer.context, troll.context]) await c.close();
});

test('suggestions: the active ones load at start, a posted one arrives live, newest first, with its evidence', async () => {
  const room = await createRoom('sug', '梅干菜专场');
  const post = (body) => server.api('/api/rooms/sug/suggestions', { method: 'POST', token: room.operator_key, body });
  assert.equal((await post({ source: 'my-llm', message: '弹幕里有人说太咸，请回应一下', severity: 'critical', key: 'salty' })).status, 201);

  const { page, errors, context } = await openHost('sug', room.host_key);
  const feed = page.locator('[data-testid=suggestions]');
  await feed.locator('.sug.critical', { hasText: '弹幕里有人说太咸' }).waitFor();

  const posted = await post({
    source: 'my-llm', message: '讲一讲梅干菜的产地', severity: 'warning', key: 'origin-story',
    evidence: { questions: 3, ctr: 0.25, window: 'last_5_minutes' },
  });
  assert.equal(posted.status, 201);
  const item = feed.locator('.sug.warning', { hasText: '讲一讲梅干菜的产地' });
  await item.waitFor();
  assert.equal(await feed.locator('.sug').first().getAttribute('data-id'), String(posted.body.suggestion.id), 'newest first');
  assert.match(await item.innerText(), /来自 my-llm/);
  await item.locator('[data-testid=sug-evidence-toggle]').click();
  const evidence = item.locator('[data-testid=sug-evidence]');
  await evidence.waitFor();
  const text = await evidence.innerText();
  assert.match(text, /求购提问\s*3/);
  assert.match(text, /点击率\s*25\.0%/);
  assert.match(text, /统计窗口\s*近 5 分钟/);
  await screenshot(page, 'host-suggestions');
  assert.deepEqual(errors, []);
  await context.close();
});

test('orders and promotions: a purchase shows up, moves paid → packed → ready → collected; sales, coupons, pickup points and the webhook', async () => {
  const room = await createRoom('ops', '社区团购');
  await server.api('/api/rooms/ops/products', {
    method: 'POST', token: room.host_key, body: { sku: 'oats', title: '无糖燕麦片 1kg', price_cents: 2990, stock: 50 },
  });
  const { page, errors, context } = await openHost('ops', room.host_key);

  await page.locator('.tab[data-tab=settings]').click();
  const pointForm = page.locator('[data-testid=point-form]');
  await pointForm.locator('[name=name]').fill('望京自提点');
  await pointForm.locator('[name=address]').fill('北京市朝阳区阜通东大街6号');
  await pointForm.locator('button[type=submit]').click();
  await page.locator('.point', { hasText: '望京自提点' }).waitFor();
  await page.locator('.toast-item', { hasText: '已添加自提点' }).waitFor();

  await page.locator('.tab[data-tab=promos]').click();
  await page.locator('[data-testid=new-sale]').click();
  await productForm(page, { price: '19.9', quantity: '20', limit: '2' });
  await dialogClosed(page);
  const sale = page.locator('.sale', { hasText: '无糖燕麦片 1kg' });
  await sale.locator('.state-chip', { hasText: '进行中' }).waitFor();
  await page.locator('[data-testid=new-coupon]').click();
  await productForm(page, { title: '直播间专享券', discount: '5', min: '30', quantity: '100' });
  await dialogClosed(page);
  await page.locator('.coupon', { hasText: '直播间专享券' }).waitFor();
  assert.match(await page.locator('.coupon').innerText(), /满 ¥30\.00 减 ¥5\.00/);

  // A viewer buys two in the sale: the orders list updates by itself.
  const viewer = await openViewer('ops', '阿芳');
  const shelf = (await server.api('/api/rooms/ops/shelf')).body;
  const bought = await server.api('/api/rooms/ops/orders', {
    method: 'POST', token: viewer.welcome.token, body: { sku: 'oats', quantity: 2, sale: shelf.flash_sales[0].id, key: 'buy-1' },
  });
  assert.equal(bought.status, 201, JSON.stringify(bought.body));
  await sale.locator('[data-testid=sale-sold]', { hasText: '已抢 2 / 20' }).waitFor();
  await screenshot(page, 'host-promos');

  await sale.locator('[data-act=stop-sale]').click();
  await confirm(page);
  await page.locator('.toast-item', { hasText: '秒杀已结束' }).waitFor();
  await page.locator('.coupon [data-act=withdraw]').click();
  await confirm(page);
  await page.locator('.toast-item', { hasText: '已停止发放' }).waitFor();
  await page.locator('.coupon').waitFor({ state: 'detached' });

  await page.locator('.tab[data-tab=orders]').click();
  const order = page.locator(`.order-table tr[data-key="${bought.body.order.id}"]`);
  await order.waitFor();
  assert.match(await order.innerText(), /阿芳/);
  assert.match(await order.innerText(), /¥39\.80/);
  assert.match(await order.innerText(), /望京自提点/);
  for (const [act, label] of [['packed', '已打包'], ['ready', '待自提'], ['collected', '已取货']]) {
    await order.locator(`[data-act=${act}]`).click();
    await order.locator('[data-testid=order-status]', { hasText: label }).waitFor();
  }
  const stored = await server.api(`/api/rooms/ops/orders/${bought.body.order.id}`, { token: room.host_key });
  assert.equal(stored.body.status, 'collected');

  const second = await server.api('/api/rooms/ops/orders', {
    method: 'POST', token: viewer.welcome.token, body: { sku: 'oats', quantity: 1, key: 'buy-2' },
  });
  assert.equal(second.status, 201);
  const row2 = page.locator(`.order-table tr[data-key="${second.body.order.id}"]`);
  await row2.waitFor();
  await row2.locator('[data-act=cancel]').click();
  await confirm(page);
  await row2.locator('[data-testid=order-status]', { hasText: '已取消' }).waitFor();
  await page.locator('[data-testid=orders-status]').selectOption('collected');
  await row2.waitFor({ state: 'detached' });
  await order.waitFor();
  await page.locator('[data-testid=orders-status]').selectOption('');
  await row2.waitFor();
  await screenshot(page, 'host-orders');

  // Set last, so that no order is queued for a webhook nobody answers.
  await page.locator('.tab[data-tab=settings]').click();
  const hookForm = page.locator('[data-testid=webhook-form]');
  await hookForm.locator('[name=url]').fill('https://wms.example/orders');
  await hookForm.locator('button[type=submit]').click();
  await hookForm.locator('.form-error', { hasText: 'http://' }).waitFor();
  await hookForm.locator('[name=url]').fill('http://127.0.0.1:9/orders');
  await hookForm.locator('button[type=submit]').click();
  await page.locator('.toast-item', { hasText: '推送地址已保存' }).waitFor();
  assert.equal((await server.api('/api/rooms/ops/webhook', { token: room.host_key })).body.url, 'http://127.0.0.1:9/orders');
  await screenshot(page, 'host-settings');
  assert.deepEqual(errors, []);
  assert.deepEqual(viewer.errors, []);
  for (const c of [context, viewer.context]) await c.close();
});

test('bad input is refused with a clear message; the API\'s own refusals are shown; a wrong key shows the prompt', async () => {
  const room = await createRoom('bad', '测试直播间');
  const other = await createRoom('other', '别的直播间');
  const { page, errors, context } = await openHost('bad', room.host_key);
  await page.locator('[data-testid=add-product]').click();
  const dialog = await productForm(page, { title: '蜂蜜 500g', price: '19.999', stock: '10' });
  await dialog.locator('.form-error', { hasText: '价格须为正数，最多两位小数' }).waitFor();
  assert.match(await dialog.locator('[name=price]').getAttribute('class'), /invalid/);
  await productForm(page, { price: '19.99', stock: '-5' });
  await dialog.locator('.form-error', { hasText: '库存不能为负数' }).waitFor();
  await productForm(page, { stock: '2.5' });
  await dialog.locator('.form-error', { hasText: '「库存」须为 0 到 100000000 的整数' }).waitFor();
  assert.equal((await server.api('/api/rooms/bad/shelf')).body.products.length, 0, 'nothing was sent');
  await screenshot(page, 'host-bad-input');
  await productForm(page, { stock: '5' });
  await dialogClosed(page);
  await page.locator('.product', { hasText: '蜂蜜 500g' }).waitFor();
  assert.equal((await server.api('/api/rooms/bad/shelf')).body.products[0].price_cents, 1999);

  // A refusal only the server can make (one welcome coupon per room): its words reach the host.
  await page.locator('.tab[data-tab=promos]').click();
  for (let i = 0; i < 2; i++) {
    await page.locator('[data-testid=new-coupon]').click();
    await page.locator('dialog[open] [name=kind]').selectOption('welcome');
    await productForm(page, { title: `新人券${i}`, discount: '3' });
    if (i === 0) await dialogClosed(page);
  }
  const refusal = page.locator('dialog[open] .form-error');
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /^发放优惠券失败：操作冲突（.+）$/);
  await page.locator('dialog[open] .dialog-foot button[type=button]').click();
  // Chromium reports every 4xx answer on the console itself; this one was asked for.
  assert.deepEqual(errors, ['console: Failed to load resource: the server responded with a status of 409 (Conflict)']);
  await context.close();

  // Another room's key: the prompt says whose it is, without asking the server.
  const wrongRoom = await openPage(browser, `${server.base}/host/bad?token=${other.host_key}`);
  await wrongRoom.page.locator('.key-problem', { hasText: '这是直播间「other」的密钥' }).waitFor();
  assert.equal(await wrongRoom.page.evaluate(() => location.search), '', 'the key leaves the address bar');
  assert.deepEqual(wrongRoom.errors, []);
  await wrongRoom.context.close();

  // A forged key: the server refuses it; the prompt takes the right one.
  const forged = `${room.host_key.slice(0, -4)}AAAA`;
  const { page: gate, errors: gateErrors, context: gateContext } = await openPage(browser, `${server.base}/host/bad?token=${forged}`);
  await gate.locator('.key-problem', { hasText: '密钥无效或已过期' }).waitFor();
  await screenshot(gate, 'host-key-prompt');
  await gate.locator('.key-input').fill(room.host_key);
  await gate.locator('.key-form button[type=submit]').click();
  await gate.locator('[data-testid=conn] .status-dot.open').waitFor();
  await gate.locator('.product', { hasText: '蜂蜜 500g' }).waitFor();
  assert.equal(await gate.evaluate(() => localStorage.getItem('livecart.host.bad')), room.host_key, 'kept for the next visit');
  assert.deepEqual(gateErrors, ['console: Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
  await gateContext.close();

  // No key at all: the prompt, nothing asked.
  const bare = await openPage(browser, `${server.base}/host/other`);
  await bare.page.locator('.key-card h1', { hasText: '进入主播控制台' }).waitFor();
  assert.deepEqual(bare.errors, []);
  await bare.context.close();
});
