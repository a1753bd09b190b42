// The operator dashboard (/dashboard/{room}) against the real server: scripted viewers in a
// second page move the figures, funnel and GMV; comments make hot words; a model's posted
// suggestion shows with its evidence; a frozen or stopped server shows as stale or down; a
// wrong key asks for another; /dashboard lists the rooms. Waits are for events, with deadlines.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import {
  ADMIN_TOKEN, createRoom as createRoomWith, launchBrowser, openPage, screenshot, startServer, until as untilWithin,
  waitText as waitTextWithin,
} from './harness.mjs';

const BIG = { width: 1920, height: 1080 };
const SMALL = { width: 1280, height: 800 };
// Generous: the machine running these may be busy (the server is an ASan build).
const WAIT = 30_000;

let server;
let browser;
let room; // {id, host_key, operator_key}
let crowd; // the viewers' page

before(async () => {
  server = await startServer(['--no-hls', '--no-snapshots']);
  browser = await launchBrowser();
  room = await createRoom(server, 'd1', '低钠酱油试吃');
  crowd = await openCrowd(browser, server);
});
after(async () => {
  await browser?.close();
  assert.equal(await server?.stop(), 0, 'the server exits cleanly');
});

const PRODUCTS = [
  { sku: 'soy', title: '低钠酱油 500ml', price_cents: 1990, stock: 100, tags: ['低钠', '酱油'] },
  { sku: 'rice', title: '五常大米 5kg', price_cents: 5990, stock: 50, tags: ['大米'] },
];
const createRoom = (srv, id, title) => createRoomWith(srv, id, title, PRODUCTS);

// A page whose WebSockets play the viewers (Node 20 has no WebSocket of its own).
async function openCrowd(b, srv) {
  const crowdPage = await openPage(b, `${srv.base}/`);
  await crowdPage.page.evaluate(() => {
    window.viewers = {};
    window.join = (name, url) => new Promise((resolve, reject) => {
      const v = { ws: new WebSocket(url), msgs: [] };
      window.viewers[name] = v;
      v.ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        v.msgs.push(m);
        if (m.type === 'welcome') resolve(m.you.id);
      };
      v.ws.onclose = (e) => reject(new Error(`closed ${e.code}`));
    });
    window.send = (name, msg) => window.viewers[name].ws.send(JSON.stringify(msg));
  });
  const wsBase = srv.base.replace('http', 'ws');
  return {
    ...crowdPage,
    join: (name) => crowdPage.page.evaluate(([n, url]) => window.join(n, url), [name, `${wsBase}/ws/rooms/d1?nick=${encodeURIComponent(name)}`]),
    send: (name, msg) => crowdPage.page.evaluate(([n, m]) => window.send(n, m), [name, msg]),
    // Resolves with the first message from the server that `match`es (fields compared).
    waitFor: (name, match) => crowdPage.page.waitForFunction(([n, want]) => window.viewers[n].msgs.find(
      (m) => Object.entries(want).every(([k, v]) => m[k] === v)), [name, match], { timeout: WAIT }).then((h) => h.jsonValue()),
  };
}

const dashboardUrl = (srv, id, key) => `${srv.base}/dashboard/${id}${key ? `?token=${encodeURIComponent(key)}` : ''}`;

const waitText = (page, selector, pattern, timeout = WAIT) => waitTextWithin(page, selector, pattern, timeout);

const kpi = (page, id) => page.locator(`#kpi-${id} .kpi-value`).textContent();

// Console errors a test provokes on purpose (the browser logs refused requests itself); every
// other error still fails the test.
function unexpected(errors, ...allowed) {
  return errors.filter((e) => !allowed.some((re) => re.test(e)));
}

const until = (what, fn, timeout = WAIT) => untilWithin(what, fn, timeout);

test('the dashboard follows scripted viewers: online, funnel, products and GMV', async () => {
  const { page, errors } = await openPage(browser, dashboardUrl(server, 'd1', room.operator_key), { viewport: BIG });
  await page.locator('.dash[data-conn="live"]').waitFor({ timeout: WAIT });
  assert.ok(!page.url().includes('token='), 'the key is taken out of the address');
  assert.equal(await page.evaluate(() => localStorage.getItem('livecart.dashboard.key.d1')), room.operator_key);
  assert.equal(await page.locator('.room-title').textContent(), '低钠酱油试吃');
  assert.equal(await kpi(page, 'online'), '0');

  for (const name of ['小王', '小李', '阿芳']) await crowd.join(name);
  await waitText(page, '#kpi-online .kpi-value', /^3$/);
  await waitText(page, '#kpi-online .kpi-sub', /峰值 3/);

  for (const name of ['小王', '小李', '阿芳']) await crowd.send(name, { type: 'impression', sku: 'soy' });
  await crowd.send('小王', { type: 'impression', sku: 'rice' });
  for (const name of ['小王', '小李']) await crowd.send(name, { type: 'click', sku: 'soy' });
  await crowd.send('小王', { type: 'buy', sku: 'soy', quantity: 1, key: 'd1-first-buy', ref: 'b1' });
  const bought = await crowd.waitFor('小王', { type: 'order_result', ref: 'b1' });
  assert.equal(bought.outcome, 'ok', JSON.stringify(bought));

  await waitText(page, '#kpi-gmv .kpi-value', /^¥19\.90$/);
  await waitText(page, '#kpi-orders .kpi-value', /^1$/);
  await waitText(page, '#kpi-buyers .kpi-value', /^1$/);
  await waitText(page, '#kpi-views .kpi-value', /^3$/);
  // The funnel chart (SVG text) names each step with its viewers and rate.
  await waitText(page, '#chart-funnel', /进入直播间 3.*看到商品 3.*点击商品 2.*下单 1.*支付 1/);
  await waitText(page, '#chart-funnel', /100\.0% ?较上一步.*66\.7% ?较上一步.*50\.0% ?较上一步.*100\.0% ?较上一步/);
  // The product ranking: soy first (it sold), with its look and buy figures and stock.
  const soy = 'tr[data-sku="soy"]';
  await waitText(page, `${soy}`, /低钠酱油 500ml.*¥19\.90 99 3 2 66\.7% 1 50\.0% ¥19\.90/);
  assert.equal(await page.locator('.products tbody tr').first().getAttribute('data-sku'), 'soy');
  await waitText(page, 'tr[data-sku="rice"]', /五常大米 5kg.*¥59\.90 50 1 0 0\.0% 0 0\.0% ¥0\.00/);

  // The window switch changes the window figures; last minute holds the same here.
  await page.locator('.seg[data-name="window"] [data-value="last_minute"]').click();
  await waitText(page, '#panel-funnel .window-tag', /近 1 分钟/);
  await waitText(page, '#kpi-gmv .kpi-value', /^¥19\.90$/);
  // The trend chart plots the purchase; 10 s steps can be chosen.
  await waitText(page, '#chart-trend', /在线人数.*成交额/);
  await page.locator('.seg[data-name="series"] [data-value="10s"]').click();
  assert.equal(await page.locator('.seg[data-name="series"] [data-value="10s"]').getAttribute('aria-pressed'), 'true');
  await page.locator('.seg[data-name="window"] [data-value="broadcast"]').click();
  await waitText(page, '#chart-funnel', /支付 1/);

  await screenshot(page, 'dashboard-live');
  assert.deepEqual(errors, []);
  assert.deepEqual(crowd.errors, []);
  await page.context().close();
});

test('hot words of a burst of comments show with the product they name', async () => {
  await until('jieba dictionary', async () => {
    const text = await (await fetch(`${server.base}/metrics`)).text();
    const m = /^livecart_hot_words_dictionary_words (\d+)/m.exec(text);
    return m && Number(m[1]) > 0;
  }, 60_000);
  const { page, errors } = await openPage(browser, dashboardUrl(server, 'd1', room.operator_key), { viewport: BIG });
  await page.locator('.dash[data-conn="live"]').waitFor({ timeout: WAIT });

  const comments = {
    小王: ['这个酱油多少钱', '酱油怎么买', '低钠酱油好吃吗', '酱油还有货吗'],
    小李: ['酱油咸不咸', '酱油包邮吗', '想买酱油', '酱油链接在哪'],
    阿芳: ['酱油是零添加吗', '酱油多少钱一瓶', '酱油怎么下单', '酱油炒菜香'],
  };
  for (const [name, texts] of Object.entries(comments)) {
    for (const text of texts) await crowd.send(name, { type: 'chat', text });
  }
  await waitText(page, '#chart-words', /酱油/);
  await waitText(page, '#chart-words', /低钠酱油 500ml/);
  await waitText(page, '#kpi-cpm .kpi-value', /^12$/);
  // The built-in rules see the questions and the hot word (they run every 5 s).
  await page.locator('.sug[data-source="livecart"]').first().waitFor({ timeout: WAIT });
  await waitText(page, '#panel-sugs', /Livecart 规则/);

  await screenshot(page, 'dashboard-hot-words');
  assert.deepEqual(errors, []);
  assert.deepEqual(crowd.errors, []);
  await page.context().close();
});

test('a suggestion posted by an operator model appears in the feed with its evidence', async () => {
  const { page, errors } = await openPage(browser, dashboardUrl(server, 'd1', room.operator_key), { viewport: BIG });
  await page.locator('.dash[data-conn="live"]').waitFor({ timeout: WAIT });

  const posted = await server.api('/api/rooms/d1/suggestions', {
    method: 'POST',
    token: room.operator_key,
    body: {
      source: 'my-model', severity: 'critical', sku: 'soy', key: 'soy-origin',
      message: '观众在问酱油的酿造工艺：讲一讲 180 天晒制',
      evidence: { questions: 3, confidence: 0.82, sample: '<b>怎么酿的</b>' },
    },
  });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));

  const item = page.locator('.sug[data-source="my-model"]');
  await item.waitFor({ timeout: WAIT });
  assert.equal(await page.locator('.sug').first().getAttribute('data-source'), 'my-model', 'newest first');
  assert.match(await item.getAttribute('class'), /is-new/);
  assert.match(await item.getAttribute('class'), /sev-critical/);
  assert.match(await item.locator('.source').textContent(), /外部模型 my-model/);
  assert.equal(await item.locator('.sug-msg').textContent(), '观众在问酱油的酿造工艺：讲一讲 180 天晒制');
  assert.match(await item.locator('.sug-meta').textContent(), /低钠酱油 500ml/);

  const evidence = item.locator('.evidence');
  assert.equal(await evidence.isVisible(), false, 'evidence is folded until asked for');
  await item.locator('summary').click();
  await evidence.waitFor({ state: 'visible' });
  const shown = (await evidence.textContent()).replace(/\s+/g, ' ');
  assert.match(shown, /questions ?3/);
  assert.match(shown, /confidence ?0\.82/);
  assert.match(shown, /<b>怎么酿的<\/b>/, 'evidence is shown as text, never as HTML');
  assert.equal(await item.locator('.evidence b').count(), 0);
  // The expanded evidence stays open while snapshots keep coming.
  await waitText(page, '.conn-time', /更新于/);
  const at = await page.locator('.conn-time').textContent();
  await page.waitForFunction((before) => document.querySelector('.conn-time').textContent !== before, at, { timeout: WAIT });
  assert.equal(await evidence.isVisible(), true);
  await screenshot(page, 'dashboard-suggestion');

  // A smaller screen, in Chinese and then in English.
  const small = await openPage(browser, dashboardUrl(server, 'd1', room.operator_key), { viewport: SMALL });
  await small.page.locator('.dash[data-conn="live"]').waitFor({ timeout: WAIT });
  await small.page.locator('.sug[data-source="my-model"]').waitFor({ timeout: WAIT });
  await screenshot(small.page, 'dashboard-1280');
  await small.page.locator('.lang-toggle').click();
  await waitText(small.page, '.room-info .chip', /Room d1/);
  await waitText(small.page, '#kpi-online .kpi-label', /Online viewers/);
  await waitText(small.page, '.sug[data-source="my-model"] .source', /Model my-model/);
  await waitText(small.page, '#chart-funnel', /Entered 3/);
  await waitText(small.page, '.conn-label', /Live/);
  await screenshot(small.page, 'dashboard-en-1280');

  assert.deepEqual(errors, []);
  assert.deepEqual(small.errors, []);
  await page.context().close();
  await small.context.close();
});

// The server process of `srv`, found by its own data folder (to freeze it with SIGSTOP).
function pidOf(srv) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(srv.dataDir)) return Number(entry);
    } catch { /* gone meanwhile */ }
  }
  throw new Error('server process not found');
}

test('a frozen server makes the data stale and a stopped one shows the connection down', async () => {
  const own = await startServer(['--no-hls', '--no-snapshots']);
  let stopped = false;
  try {
    const other = await createRoom(own, 'd4', '断线测试');
    const { page, errors } = await openPage(browser, dashboardUrl(own, 'd4', other.operator_key), { viewport: BIG });
    await page.locator('.dash[data-conn="live"]').waitFor({ timeout: WAIT });
    assert.ok(await page.evaluate(() => document.querySelector('.dash').dataset.conn !== 'live' || document.querySelector('.banner').hidden),
      'no banner while the data is live');

    // Frozen: the socket stays open but no snapshot comes for more than 3 s.
    const pid = pidOf(own);
    process.kill(pid, 'SIGSTOP');
    try {
      await page.locator('.dash[data-conn="stale"].is-stale').waitFor({ timeout: WAIT });
      await waitText(page, '.banner', /超过 3 秒没有收到新数据/);
      await waitText(page, '.conn', /数据已过时.*最后更新 \d\d:\d\d:\d\d（\d+ 秒前）/);
      await screenshot(page, 'dashboard-stale');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // Fresh data again: not dimmed.
    await page.locator('.dash[data-conn="live"]:not(.is-stale)').waitFor({ timeout: WAIT });

    // Stopped: the socket closes and cannot reconnect.
    assert.equal(await own.stop(), 0);
    stopped = true;
    await page.locator('.dash[data-conn="down"].is-stale').waitFor({ timeout: WAIT });
    await waitText(page, '.banner', /连接已断开，正在自动重连/);
    await waitText(page, '.conn', /连接断开，重连中….*最后更新 \d\d:\d\d:\d\d/);
    // The last figures stay on screen, dimmed.
    assert.equal(await kpi(page, 'online'), '0');
    await screenshot(page, 'dashboard-disconnected');
    assert.deepEqual(unexpected(errors, /ERR_CONNECTION_REFUSED/), []);
    await page.context().close();
  } finally {
    if (!stopped) await own.stop();
  }
});

test('a wrong key asks for the right one, and /dashboard lists the rooms', async () => {
  const second = await createRoom(server, 'd5', '五常大米专场');
  const { page, errors } = await openPage(browser, dashboardUrl(server, 'd1', 'not-a-key'), { viewport: BIG });
  await page.locator('#key-prompt').waitFor({ timeout: WAIT });
  await waitText(page, '.key-reason', /密钥无效/);
  assert.equal(await page.evaluate(() => localStorage.getItem('livecart.dashboard.key.d1')), null, 'a refused key is not kept');

  // Another room's operator key: it opens only its own room.
  await page.locator('#key-prompt input').fill(second.operator_key);
  await page.locator('#key-prompt button[type="submit"]').click();
  await waitText(page, '.key-reason', /只能打开它自己的直播间/);
  await screenshot(page, 'dashboard-key-prompt');

  await page.locator('#key-prompt input').fill(room.operator_key);
  await page.locator('#key-prompt button[type="submit"]').click();
  await page.locator('.dash[data-conn="live"]').waitFor({ timeout: WAIT });
  await waitText(page, '#kpi-online .kpi-value', /^3$/);

  // The room list: each room links to its dashboard; the kept key opens d1 again.
  await page.goto(`${server.base}/dashboard`);
  await page.locator('li[data-room="d5"]').waitFor({ timeout: WAIT });
  await waitText(page, '#rooms', /低钠酱油试吃.*房间号 d1/);
  await waitText(page, 'li[data-room="d1"]', /已保存密钥/);
  assert.equal(await page.locator('li[data-room="d1"] a.rc-open').getAttribute('href'), '/dashboard/d1');
  await screenshot(page, 'dashboard-rooms');
  await page.locator('li[data-room="d1"] a.rc-open').click();
  await page.locator('.dash[data-conn="live"]').waitFor({ timeout: WAIT });
  assert.equal(new URL(page.url()).pathname, '/dashboard/d1');

  assert.deepEqual(unexpected(errors, /status of 401 \(Unauthorized\)/, /status of 403 \(Forbidden\)/), []);
  await page.context().close();
});

test('a room that closes shows as ended, with its last figures', async () => {
  const closing = await createRoom(server, 'd6', '已结束的专场');
  const { page, errors } = await openPage(browser, dashboardUrl(server, 'd6', ADMIN_TOKEN), { viewport: BIG });
  await page.locator('.dash[data-conn="live"]').waitFor({ timeout: WAIT });
  const closed = await server.api('/api/rooms/d6/close', { method: 'POST', token: closing.host_key });
  assert.equal(closed.status, 200);
  await page.locator('.dash[data-conn="ended"]').waitFor({ timeout: WAIT });
  await waitText(page, '.banner', /这场直播已经结束/);
  await waitText(page, '.conn-label', /直播已结束/);
  // Opened again later: the last figures, marked ended, without a socket that would be refused.
  await page.reload();
  await page.locator('.dash[data-conn="ended"]').waitFor({ timeout: WAIT });
  await waitText(page, 'tr[data-sku="soy"]', /低钠酱油 500ml/);
  await screenshot(page, 'dashboard-ended');
  assert.deepEqual(errors, []);
  await page.context().close();
});
