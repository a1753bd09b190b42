// The three pages together in Chromium against the real server, as a broadcast uses them:
// the host console, two viewers' phones and the operator dashboard open at once on a live
// room. The viewers chat and the host deletes a message (gone on both phones); the host pins a
// product (its card on both phones); a viewer buys in one click (stock falls on every page,
// GMV rises on the dashboard); a burst of comments makes hot words. Then the dashboard's
// headline tiles keep a large sum whole at 1920×1080 and on a small laptop.
// Waits are for DOM states, with deadlines.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  createRoom, goLive, launchBrowser, metric, openPage, screenshot, startServer, until, waitText,
} from './harness.mjs';

const WAIT = 60_000;   // an ASan server and four pages on a shared 2-core machine
const BIG = { width: 1920, height: 1080 };
const LAPTOP = { width: 1366, height: 768 };
const SMALL_LAPTOP = { width: 1280, height: 800 };

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

async function joined(page) {
  await page.locator('#text:not([disabled])').waitFor({ timeout: WAIT });
}

async function setNick(page, nick) {
  await page.locator('#nick-button').click();
  await page.locator('.nick-input').fill(nick);
  await page.locator('.nick-form button[type=submit]').click();
  await page.locator(`#nick-button[title*="${nick}"]`).waitFor({ timeout: WAIT });
  await joined(page);
}

// Sends a comment from a viewer page and waits for the room to echo it back as the viewer's own.
async function say(page, text) {
  await page.locator('#text').fill(text);
  await page.locator('#text').press('Enter');
  await page.locator('.msg.mine', { hasText: text }).waitFor({ timeout: WAIT });
}

// Every headline tile shows its whole figure: none is wider than its tile.
function clippedTiles() {
  return [...document.querySelectorAll('.kpi .kpi-value')]
    .filter((v) => v.scrollWidth > v.clientWidth)
    .map((v) => `${v.closest('.kpi').id}: "${v.textContent}" ${v.scrollWidth} > ${v.clientWidth}`);
}

async function assertTilesWhole(page) {
  // A resize refits the tiles from a ResizeObserver callback: wait for it rather than read once.
  await page.waitForFunction(() => [...document.querySelectorAll('.kpi .kpi-value')]
    .every((v) => v.scrollWidth <= v.clientWidth), null, { timeout: WAIT }).catch(() => {});
  assert.deepEqual(await page.evaluate(clippedTiles), []);
}

test('host, two viewers and the dashboard at once: chat and delete, pin, buy, stock, GMV and hot words', async () => {
  const room = await createRoom(server, 'flows', '周末厨房直播', [
    { sku: 'soy', title: '低钠酱油 500ml', price_cents: 1990, stock: 100, tags: ['低钠'] },
    {
      sku: 'rice', title: '五常大米 5kg', price_cents: 6990, stock: 200, tags: ['有机', '新米'],
      trace: { origin: '黑龙江五常', producer: '五常稻花香合作社', produced_on: '2026-10-20', story: '当季新米，现磨现发' },
    },
  ]);
  const live = await goLive(server, 'flows', room.stream_key);
  const pages = [];
  try {
    const host = await openPage(browser, `${server.base}/host/flows?token=${encodeURIComponent(room.host_key)}`);
    pages.push(host);
    const a = await openPage(browser, `${server.base}/r/flows`, { mobile: true });
    const b = await openPage(browser, `${server.base}/r/flows`, { mobile: true });
    pages.push(a, b);
    const dash = await openPage(browser, `${server.base}/dashboard/flows?token=${encodeURIComponent(room.operator_key)}`, { viewport: BIG });
    pages.push(dash);

    await host.page.locator('[data-testid=conn] .status-dot.open').waitFor({ timeout: WAIT });
    await host.page.locator('.product[data-sku=rice]').waitFor({ timeout: WAIT });
    await joined(a.page);
    await joined(b.page);
    await setNick(a.page, '小王');
    await setNick(b.page, '小李');
    await dash.page.locator('.dash[data-conn="live"]').waitFor({ timeout: WAIT });
    await waitText(dash.page, '#kpi-online .kpi-value', /^2$/);

    // The two phones talk to each other; the host sees both.
    await say(a.page, '大家好，今天做什么菜？');
    const fromA = b.page.locator('.msg', { hasText: '大家好，今天做什么菜？' });
    await fromA.waitFor({ timeout: WAIT });
    assert.match(await fromA.innerText(), /小王/);
    await say(b.page, '想看看酱油怎么用');
    const fromB = a.page.locator('.msg', { hasText: '想看看酱油怎么用' });
    await fromB.waitFor({ timeout: WAIT });
    assert.match(await fromB.innerText(), /小李/);
    await host.page.locator('.chat-list .msg', { hasText: '想看看酱油怎么用' }).waitFor({ timeout: WAIT });

    // The host deletes 小王's message: it leaves the console and both phones; 小李's stays.
    const onHost = host.page.locator('.chat-list .msg', { hasText: '大家好，今天做什么菜？' });
    await onHost.hover();
    await onHost.locator('[data-act=delete]').click();
    await onHost.waitFor({ state: 'detached', timeout: WAIT });
    for (const { page } of [a, b]) {
      await page.locator('.msg', { hasText: '大家好，今天做什么菜？' }).waitFor({ state: 'detached', timeout: WAIT });
      assert.equal(await page.locator('.msg', { hasText: '想看看酱油怎么用' }).count(), 1);
    }

    // The host presents the rice: both phones show its card.
    const riceRow = host.page.locator('.product[data-sku=rice]');
    await riceRow.locator('[data-act=pin]').click();
    await riceRow.locator('.pin-badge').waitFor({ timeout: WAIT });
    for (const { page } of [a, b]) {
      await page.locator('#pinned .title', { hasText: '五常大米 5kg' }).waitFor({ timeout: WAIT });
      assert.match(await page.locator('#pinned .money').innerText(), /¥69\.90/);
      await page.locator('#pinned [data-stock="200"]').waitFor({ timeout: WAIT });
    }
    await riceRow.locator('[data-testid=stock][data-stock="200"]').waitFor();
    await waitText(dash.page, 'tr[data-sku="rice"] .stock-num', /^200$/);
    await waitText(dash.page, '#kpi-gmv .kpi-value', /^¥0\.00$/);

    // 小王 buys in one tap: the stock falls on every page that shows it, GMV rises.
    await a.page.locator('#pinned .buy').click();
    const number = a.page.locator('.order-ok .order-number');
    await number.waitFor({ timeout: WAIT });
    assert.match((await number.innerText()).trim(), /^LC\d+$/);
    await a.page.locator('.order-ok button.primary').click();
    for (const { page } of [a, b]) await page.locator('#pinned [data-stock="199"]').waitFor({ timeout: WAIT });
    await riceRow.locator('[data-testid=stock][data-stock="199"]').waitFor({ timeout: WAIT });
    assert.match(await riceRow.locator('[data-testid=stock]').innerText(), /库存 199/);
    await waitText(dash.page, 'tr[data-sku="rice"] .stock-num', /^199$/);
    await waitText(dash.page, '#kpi-gmv .kpi-value', /^¥69\.90$/);
    await waitText(dash.page, '#kpi-orders .kpi-value', /^1$/);

    // A burst of comments about the rice: the dashboard's hot words show it, linked to the product.
    await until('the hot-words dictionary', async () => (await metric(server, 'livecart_hot_words_dictionary_words')) > 0);
    const burst = [
      [a, ['这个大米香不香', '大米煮粥好吃吗', '大米还有货吗', '大米是今年的新米吗']],
      [b, ['大米多少钱一袋', '大米包邮吗', '想买大米', '大米怎么保存']],
    ];
    for (let i = 0; i < 4; i++) for (const [viewer, texts] of burst) await say(viewer.page, texts[i]);
    await waitText(dash.page, '#chart-words', /大米/);
    await waitText(dash.page, '#chart-words', /五常大米 5kg/);
    await host.page.locator('.chat-list .msg', { hasText: '大米怎么保存' }).waitFor({ timeout: WAIT });

    await screenshot(host.page, 'flows-host');
    await screenshot(a.page, 'flows-viewer-a');
    await screenshot(b.page, 'flows-viewer-b');
    await screenshot(dash.page, 'flows-dashboard');
    for (const [name, { errors }] of Object.entries({ host, a, b, dash })) assert.deepEqual(errors, [], `console errors on ${name}`);
  } finally {
    for (const { context } of pages) await context.close();
    await live.stop();
  }
});

test('the dashboard\'s headline tiles keep a large GPM whole, compact and exact in its tooltip, on a big screen and a laptop', async () => {
  const room = await createRoom(server, 'tiles', '大数字测试', [
    { sku: 'soy', title: '低钠酱油 500ml', price_cents: 1990, stock: 100 },
    { sku: 'ham', title: '金华火腿整腿礼盒', price_cents: 199590, stock: 20 },
  ]);
  // One viewer, one ¥19.90 order: GPM (sales per thousand views) is ¥19,900.00.
  const crowd = await openPage(browser, `${server.base}/`);
  const dash = await openPage(browser, `${server.base}/dashboard/tiles?token=${encodeURIComponent(room.operator_key)}`, { viewport: BIG });
  try {
    await dash.page.locator('.dash[data-conn="live"]').waitFor({ timeout: WAIT });
    await crowd.page.evaluate((url) => new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      window.results = {};
      window.buy = (sku, quantity, ref) => new Promise((done) => {
        window.results[ref] = done;
        ws.send(JSON.stringify({ type: 'buy', sku, quantity, key: `tiles-${ref}`, ref }));
      });
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === 'welcome') resolve();
        if (m.type === 'order_result') window.results[m.ref]?.(m.outcome);
      };
      ws.onerror = () => reject(new Error('the viewer socket failed'));
    }), `${server.base.replace('http', 'ws')}/ws/rooms/tiles?nick=${encodeURIComponent('阿芳')}`);
    const buy = (sku, quantity, ref) => crowd.page.evaluate(([s, q, r]) => window.buy(s, q, r), [sku, quantity, ref]);
    assert.equal(await buy('soy', 1, 'b1'), 'ok');

    await waitText(dash.page, '#kpi-gpm .kpi-value', /^¥1\.99万$/);
    assert.equal(await dash.page.locator('#kpi-gpm .kpi-value').getAttribute('title'), '¥19,900.00');
    await waitText(dash.page, '#kpi-gmv .kpi-value', /^¥19\.90$/);
    await assertTilesWhole(dash.page);
    await screenshot(dash.page, 'dashboard-tiles-1920');

    await dash.page.setViewportSize(LAPTOP);
    await assertTilesWhole(dash.page);
    await screenshot(dash.page, 'dashboard-tiles-1366');

    await dash.page.locator('.lang-toggle').click();
    await waitText(dash.page, '#kpi-gpm .kpi-value', /^¥19\.9K$/);
    assert.equal(await dash.page.locator('#kpi-gpm .kpi-value').getAttribute('title'), '¥19,900.00');
    await assertTilesWhole(dash.page);
    await screenshot(dash.page, 'dashboard-tiles-1366-en');

    // Five hams more: GMV ¥9,999.40 stays exact (under ¥10,000), the longest figure a tile
    // shows, and GPM reaches millions; both stay whole on a smaller laptop too.
    assert.equal(await buy('ham', 5, 'b2'), 'ok');
    await waitText(dash.page, '#kpi-gmv .kpi-value', /^¥9999\.40$/);
    await waitText(dash.page, '#kpi-gpm .kpi-value', /^¥9\.99M$/);
    assert.equal(await dash.page.locator('#kpi-gpm .kpi-value').getAttribute('title'), '¥9,999,400.00');
    await dash.page.setViewportSize(SMALL_LAPTOP);
    await assertTilesWhole(dash.page);
    await dash.page.locator('.lang-toggle').click();
    await waitText(dash.page, '#kpi-gpm .kpi-value', /^¥999万$/);
    await assertTilesWhole(dash.page);
    await screenshot(dash.page, 'dashboard-tiles-1280');
    assert.deepEqual(dash.errors, []);
    assert.deepEqual(crowd.errors, []);
  } finally {
    await dash.context.close();
    await crowd.context.close();
  }
});
