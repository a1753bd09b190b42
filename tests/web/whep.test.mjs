// WHEP playback in Chromium against the real server: ffmpeg publishes RTMP (H.264 + AAC) to a
// room, a page on the server's origin does the WHEP exchange with its own RTCPeerConnection
// (non-trickle: the offer after ICE gathering) and plays it in a <video>: frames decoded, the
// picture advancing, Opus audio received, a delay well under a second. The session ends on
// DELETE, when the page closes its connection, and when the stream ends.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { spawn } from 'node:child_process';

import { createRoom, goLive, launchBrowser, metric, openPage, screenshot, startServer, until } from './harness.mjs';

const SLOW = 60_000;  // an ASan server on a busy 2-core machine

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

// A page on the server's origin with nothing of its own: /healthz, its icon request answered
// here (a JSON answer has no icon, and Chromium's 404 for it would count as a console error).
async function originPage() {
  const opened = await openPage(browser, 'about:blank');
  await opened.context.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  await opened.page.goto(`${server.base}/healthz`);
  return opened;
}

// In the page: a receive-only connection, its offer POSTed to /whep/{room}, the answer applied,
// the tracks in a new <video>. Kept as window.whep for later checks.
async function whepPlay(room) {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  document.body.append(video);
  const stream = new MediaStream();
  pc.ontrack = (e) => { stream.addTrack(e.track); video.srcObject = stream; };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') resolve();
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
    setTimeout(resolve, 5000);  // what there is by then
  });
  const res = await fetch(`/whep/${room}`, {
    method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp,
  });
  const body = await res.text();
  const answer = { status: res.status, location: res.headers.get('Location'), type: res.headers.get('Content-Type'), body };
  if (res.status !== 201) return answer;
  await pc.setRemoteDescription({ type: 'answer', sdp: body });
  window.whep = { pc, video, location: answer.location };
  return answer;
}

// In the page: what the <video> and the connection's statistics say.
async function playback() {
  const { pc, video } = window.whep;
  const stats = await pc.getStats();
  const codecs = new Map();
  let v;
  let a;
  stats.forEach((s) => {
    if (s.type === 'codec') codecs.set(s.id, s);
    if (s.type === 'inbound-rtp' && s.kind === 'video') v = s;
    if (s.type === 'inbound-rtp' && s.kind === 'audio') a = s;
  });
  return {
    width: video.videoWidth,
    time: video.currentTime,
    framesDecoded: v?.framesDecoded ?? 0,
    videoCodec: codecs.get(v?.codecId)?.mimeType ?? null,
    audioCodec: codecs.get(a?.codecId)?.mimeType ?? null,
    audioPackets: a?.packetsReceived ?? 0,
    audioSamples: a?.totalSamplesReceived ?? 0,
    // Mean time a frame waited in the jitter buffer: the receiver's share of the delay.
    jitterDelayMs: v?.jitterBufferEmittedCount ? (1000 * v.jitterBufferDelay) / v.jitterBufferEmittedCount : null,
    connection: pc.connectionState,
  };
}

test('an RTMP stream plays over WHEP in Chromium: H.264 passed through, AAC heard as Opus', async (t) => {
  const room = await createRoom(server, 'whep-play', 'WebRTC 试播');
  const live = await goLive(server, room.id, room.stream_key);
  const { page, errors, context } = await originPage();
  try {
    const answer = await page.evaluate(whepPlay, room.id);
    assert.equal(answer.status, 201, answer.body);
    assert.match(answer.type, /^application\/sdp/);
    assert.match(answer.location, /^\/whep\/whep-play\/[0-9a-f]{32}$/);
    // libx264 ultrafast is constrained baseline: the stream's own profile-level-id, packetization-mode=1.
    assert.match(answer.body, /a=fmtp:\d+ .*packetization-mode=1;profile-level-id=42c0[0-9a-f]{2}/);
    assert.match(answer.body, /a=rtpmap:\d+ OPUS\/48000\/2/);
    assert.match(answer.body, /a=candidate:.* typ host/);

    await page.waitForFunction(() => window.whep.video.videoWidth > 0 && window.whep.video.currentTime > 0, null,
      { timeout: SLOW });
    const first = await page.evaluate(playback);
    await until('the picture to advance and audio to arrive', async () => {
      const now = await page.evaluate(playback);
      return now.time > first.time + 1 && now.framesDecoded > first.framesDecoded && now.audioSamples > 0;
    }, SLOW);
    const now = await page.evaluate(playback);
    t.diagnostic(`${now.framesDecoded} frames decoded, ${now.jitterDelayMs?.toFixed(0)} ms mean jitter-buffer wait`);
    assert.equal(now.width, 320);
    assert.equal(now.videoCodec, 'video/H264');
    assert.equal(now.audioCodec, 'audio/opus');
    assert.ok(now.audioPackets > 0, 'Opus packets received');
    assert.equal(now.connection, 'connected');
    assert.ok(now.jitterDelayMs !== null && now.jitterDelayMs < 1000,
      `frames wait ${now.jitterDelayMs} ms in the jitter buffer: playback stays well under a second behind`);
    assert.equal(await metric(server, 'livecart_whep_sessions'), 1);
    assert.ok(await metric(server, 'livecart_whep_connected_total') >= 1);
    await screenshot(page, 'whep-playing');

    // DELETE ends the session on the server.
    const status = await page.evaluate(async () => (await fetch(window.whep.location, { method: 'DELETE' })).status);
    assert.equal(status, 200);
    await until('the session to end', async () => (await metric(server, 'livecart_whep_sessions')) === 0);
    await page.evaluate(() => window.whep.pc.close());
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await live.stop();
  }
});

test('a viewer that closes its connection without a DELETE, and the end of the stream, end sessions', async (t) => {
  const room = await createRoom(server, 'whep-end', 'WebRTC 结束');
  const live = await goLive(server, room.id, room.stream_key);
  const a = await originPage();
  const b = await originPage();
  try {
    assert.equal((await a.page.evaluate(whepPlay, room.id)).status, 201);
    assert.equal((await b.page.evaluate(whepPlay, room.id)).status, 201);
    for (const { page } of [a, b])
      await page.waitForFunction(() => window.whep.video.videoWidth > 0, null, { timeout: SLOW });
    assert.equal(await metric(server, 'livecart_whep_sessions'), 2);

    const closed = Date.now();
    await a.page.evaluate(() => window.whep.pc.close());
    await until('the closed viewer\'s session to end', async () => (await metric(server, 'livecart_whep_sessions')) === 1,
      SLOW);
    t.diagnostic(`the closed connection's session ended after ${Date.now() - closed} ms`);

    const stopped = Date.now();
    await live.stop();
    await until('the last session to end with the stream', async () => (await metric(server, 'livecart_whep_sessions')) === 0,
      SLOW);
    t.diagnostic(`the stream's end ended the last session after ${Date.now() - stopped} ms`);
    const gone = await fetch(`${server.base}/whep/${room.id}`, { method: 'POST', headers: { 'Content-Type': 'application/sdp' },
      body: 'v=0\r\n' });
    assert.equal(gone.status, 404);
    assert.equal((await gone.json()).error.code, 'offline');
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
  } finally {
    await a.context.close();
    await b.context.close();
    await live.stop();
  }
});

// The viewer page's own low-latency mode: the toggle switches the picture to WHEP and back,
// the choice is remembered, and a session is ended when the page leaves it.
test('the viewer page plays over WHEP in its low-latency mode and switches back', async () => {
  const room = await createRoom(server, 'whep-page', '低延迟试吃');
  const live = await goLive(server, room.id, room.stream_key);
  const { page, errors, context } = await openPage(browser, `${server.base}/r/${room.id}`, { mobile: true });
  const plays = async (engine) => {
    await page.locator(`#stage[data-engine="${engine}"][data-state="playing"]`).waitFor({ timeout: SLOW });
    const t0 = await page.evaluate(() => document.querySelector('#video').currentTime);
    await page.waitForFunction((t) => {
      const v = document.querySelector('#video');
      return v.videoWidth > 0 && v.currentTime > t + 1;
    }, t0, { timeout: SLOW });
  };
  try {
    await plays('flv');  // the default
    const toggle = page.locator('#latency');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    await toggle.click();
    await plays('whep');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    assert.equal(await metric(server, 'livecart_whep_sessions'), 1);
    assert.equal(await page.evaluate(() => document.querySelector('#video').srcObject instanceof MediaStream), true);
    await screenshot(page, 'viewer-low-latency');

    // Remembered on this device: a reload comes back in the low-latency mode, and the page it
    // replaced ended its session as it left.
    await page.reload();
    await plays('whep');
    await until('the replaced page\'s session to end', async () => (await metric(server, 'livecart_whep_sessions')) === 1,
      SLOW);

    // Back to the default: the page ends its WHEP session (DELETE) and plays FLV again.
    await page.locator('#latency').click();
    await plays('flv');
    await until('the session to end', async () => (await metric(server, 'livecart_whep_sessions')) === 0, SLOW);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await live.stop();
  }
});

// A host without a microphone (RTMP video only, or a browser that publishes its camera alone):
// the page's offer receives audio too, and still gets the picture (and silence).
test('a stream without audio plays over WHEP to an offer that receives audio', async () => {
  const room = await createRoom(server, 'whep-mute', '无声试播');
  const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '15', '-pix_fmt', 'yuv420p', '-an',
    '-f', 'flv', `rtmp://127.0.0.1:${server.rtmpPort}/live/${room.id}?key=${room.stream_key}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => { ffmpeg.on('exit', resolve); });
  const { page, errors, context } = await originPage();
  try {
    await until('the room to go live', async () => (await metric(server, `livecart_stream_live{room="${room.id}"}`)) === 1);
    const answer = await page.evaluate(whepPlay, room.id);
    assert.equal(answer.status, 201, answer.body);
    assert.match(answer.body, /a=rtpmap:\d+ OPUS\/48000\/2/);
    await page.waitForFunction(() => window.whep.video.videoWidth > 0 && window.whep.video.currentTime > 1, null,
      { timeout: SLOW });
    const now = await page.evaluate(playback);
    assert.equal(now.videoCodec, 'video/H264');
    assert.ok(now.audioPackets > 0, 'silence arrives as Opus');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    ffmpeg.kill('SIGINT');
    await exited;
  }
});
