// Going live from the browser (WHIP) in Chromium with its fake camera and microphone, against
// the real server: the host console publishes with the host key, and the stream is what every
// other path plays: a viewer page in its low-latency mode (WHEP), HTTP-FLV and HLS (ffprobe sees
// H.264 passed through and the Opus turned into AAC). Ending the broadcast, closing the tab, and
// a second publisher for a busy room are checked too.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { createRoom, launchBrowser, metric, openPage, screenshot, startServer, until, waitText } from './harness.mjs';

const SLOW = 60_000;  // an ASan server on a busy 2-core machine
const run = promisify(execFile);

let server;
let browser;

before(async () => {
  server = await startServer(['--no-snapshots']);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  assert.equal(await server?.stop(), 0, 'the server exits cleanly');
});

// The streams ffprobe finds at `url`: [{codec_type, codec_name, width, height}].
async function probe(url) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-rw_timeout', '20000000', '-show_entries',
    'stream=codec_type,codec_name,width,height,sample_rate', '-of', 'json', url], { timeout: SLOW });
  return JSON.parse(stdout).streams;
}

async function hostConsole(room) {
  const opened = await openPage(browser, `${server.base}/host/${room.id}?token=${encodeURIComponent(room.host_key)}`);
  await opened.page.locator('[data-testid="source-browser"]').click();
  return opened;
}

async function goLiveFromBrowser(page) {
  await page.locator('[data-testid="browser-start"]').click();
  await page.locator('[data-testid="browser-state"][data-state="live"]').waitFor({ timeout: SLOW });
}

test('the host goes live from the browser and WHEP, HTTP-FLV and HLS viewers see it', async (t) => {
  const room = await createRoom(server, 'whip-live', '浏览器开播');
  const host = await hostConsole(room);
  let viewer;
  try {
    await goLiveFromBrowser(host.page);
    await until('the room to go live with frames coming in', async () =>
      (await metric(server, `livecart_stream_live{room="${room.id}"}`)) === 1
      && (await metric(server, 'livecart_whip_frames_total')) > 30, SLOW);
    assert.equal(await metric(server, 'livecart_whip_sessions'), 1);
    await waitText(host.page, '[data-testid="live-state"]', /直播中|Live/);
    await screenshot(host.page, 'whip-host-console');

    // HTTP-FLV: the browser's H.264 as it came, its Opus as AAC.
    const flv = await probe(`${server.base}/live/${room.id}.flv`);
    const video = flv.find((s) => s.codec_type === 'video');
    const audio = flv.find((s) => s.codec_type === 'audio');
    assert.equal(video?.codec_name, 'h264', JSON.stringify(flv));
    assert.ok(video.width > 0 && video.height > 0, JSON.stringify(flv));
    assert.equal(audio?.codec_name, 'aac', JSON.stringify(flv));

    // WHEP: a viewer page in its low-latency mode decodes the picture.
    viewer = await openPage(browser, `${server.base}/r/${room.id}`, { mobile: true });
    await viewer.page.locator('#latency').click();
    await viewer.page.locator('#stage[data-engine="whep"][data-state="playing"]').waitFor({ timeout: SLOW });
    await viewer.page.waitForFunction(() => {
      const v = document.querySelector('#video');
      return v.videoWidth > 0 && v.currentTime > 1;
    }, null, { timeout: SLOW });
    t.diagnostic(`WHEP viewer: ${await viewer.page.evaluate(() => {
      const v = document.querySelector('#video');
      return `${v.videoWidth}x${v.videoHeight}`;
    })}`);
    await screenshot(viewer.page, 'whip-viewer-whep');
    assert.deepEqual(viewer.errors, []);
    await viewer.context.close();  // before the broadcast ends: its player would look again (404 offline)
    viewer = null;

    // HLS: segments cut on the keyframes the server asks the browser for.
    await until('the HLS playlist to list two segments', async () => {
      const res = await fetch(`${server.base}/live/${room.id}/index.m3u8`);
      return res.ok && ((await res.text()).match(/\.ts/g) || []).length >= 2;
    }, SLOW);
    const hls = await probe(`${server.base}/live/${room.id}/index.m3u8`);
    assert.equal(hls.find((s) => s.codec_type === 'video')?.codec_name, 'h264', JSON.stringify(hls));
    assert.equal(hls.find((s) => s.codec_type === 'audio')?.codec_name, 'aac', JSON.stringify(hls));

    // Ending the broadcast ends the session and the room's stream.
    await host.page.locator('[data-testid="browser-stop"]').click();
    await host.page.locator('[data-testid="browser-state"][data-state="idle"]').waitFor();
    await until('the session and the stream to end', async () =>
      (await metric(server, 'livecart_whip_sessions')) === 0
      && (await metric(server, `livecart_stream_live{room="${room.id}"}`)) === 0, SLOW);
    assert.deepEqual(host.errors, []);
  } finally {
    await viewer?.context.close();
    await host.context.close();
  }
});

test('a second publisher for a busy room is told, and closing the tab ends the broadcast', async () => {
  const room = await createRoom(server, 'whip-busy', '抢播');
  const first = await hostConsole(room);
  const second = await hostConsole(room);
  try {
    await goLiveFromBrowser(first.page);
    await second.page.locator('[data-testid="browser-start"]').click();
    await waitText(second.page, '.toast-item.error', /已有其他设备在为本直播间推流|Another encoder is live/);
    await second.page.locator('[data-testid="browser-state"][data-state="idle"]').waitFor();
    assert.equal(await metric(server, 'livecart_whip_sessions'), 1);
    assert.equal(await metric(server, 'livecart_whip_refused_total'), 1);

    await first.page.close({ runBeforeUnload: true });
    await until('the closed tab\'s broadcast to end', async () =>
      (await metric(server, 'livecart_whip_sessions')) === 0
      && (await metric(server, `livecart_stream_live{room="${room.id}"}`)) === 0, SLOW);
    // The error toast was the point; nothing else went wrong on either page.
    assert.deepEqual(second.errors.filter((e) => !/409/.test(e)), []);
  } finally {
    await first.context.close();
    await second.context.close();
  }
});
