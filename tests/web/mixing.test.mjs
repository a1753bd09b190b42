// Mic-link compositing end to end, with real parts: ffmpeg publishes the host (a plain blue
// picture over RTMP), a viewer asks to join over the room's WebSocket, the host accepts, and the
// guest's Chromium (fake camera: a green picture) publishes with WHIP and the guest token. ffmpeg
// grabs frames of the HLS output: the guest's corner turns from the host's blue to the guest's
// green while the link is on, and back to blue when the guest's page closes. An HTTP-FLV viewer
// connected before the link keeps its one connection throughout: no output restarts; the
// recording holds the whole broadcast (host, mix, host again) with picture and sound. Refusals:
// the guest token used for another room, and once the guest no longer holds the slot.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { createRoom, keepArtifact, launchBrowser, metric, openPage, startServer, until } from './harness.mjs';

const SLOW = 90_000;  // an ASan server mixing on a busy 2-core machine
const run = promisify(execFile);
const W = 320;
const H = 180;

let server;
let browser;

before(async () => {
  server = await startServer(['--no-snapshots'], { record: true });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  assert.equal(await server?.stop(), 0, 'the server exits cleanly');
});

// The host: a blue picture and a tone, over RTMP.
async function hostLive(room) {
  const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', `color=c=blue:size=${W}x${H}:rate=15`, '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '15', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '48k', '-f', 'flv', `rtmp://127.0.0.1:${server.rtmpPort}/live/${room.id}?key=${room.stream_key}`],
  { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => { ffmpeg.on('exit', resolve); });
  await until('the host to go live', async () => (await metric(server, `livecart_stream_live{room="${room.id}"}`)) === 1);
  return async () => {
    if (ffmpeg.exitCode === null) ffmpeg.kill('SIGINT');
    await exited;
  };
}

// The mean colour of the guest's corner (slot 1: bottom right, a quarter of the picture) in the
// newest HLS segment: {r, g, b}.
async function guestCorner(room) {
  const w = Math.floor(W / 4) & ~1;
  const h = Math.floor(H / 4) & ~1;
  const margin = Math.floor(W / 40) & ~1;
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-live_start_index', '-1',
    '-i', `${server.base}/live/${room.id}/index.m3u8`, '-frames:v', '1',
    '-vf', `crop=${w - 8}:${h - 8}:${W - w - margin + 4}:${H - h - margin + 4},scale=1:1`,
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', timeout: SLOW });
  return { r: stdout[0], g: stdout[1], b: stdout[2] };
}
const green = (c) => c.g > 100 && c.g > c.b + 50;
const blue = (c) => c.b > 100 && c.b > c.g + 50;

// A page on the server's origin with a WebSocket to the room: window.room.{ws, seen, send}.
async function roomPage(room, query) {
  const opened = await openPage(browser, 'about:blank');
  await opened.context.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  await opened.page.goto(`${server.base}/healthz`);
  await opened.page.evaluate(async ([id, q]) => {
    const ws = new WebSocket(`ws://${location.host}/ws/rooms/${id}?${q}`);
    const seen = [];
    ws.onmessage = (e) => seen.push(JSON.parse(e.data));
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
    window.room = { ws, seen, send: (m) => ws.send(JSON.stringify(m)) };
  }, [room.id, query]);
  return opened;
}

const seen = (page, type) => page.evaluate((t) => window.room.seen.filter((m) => m.type === t), type);

test('a guest accepted on the mic-link is composited into the HLS program and leaves it again', async (t) => {
  const room = await createRoom(server, 'mix', '连麦试吃');
  const other = await createRoom(server, 'mix-other', '别的直播间');
  const stopHost = await hostLive(room);
  const host = await roomPage(room, `token=${encodeURIComponent(room.host_key)}`);
  const guest = await roomPage(room, 'nick=%E5%B0%8F%E7%BE%8E');
  // An HTTP-FLV viewer from before the link: the same response must carry on throughout.
  const flv = await fetch(`${server.base}/live/${room.id}.flv`);
  const reader = flv.body.getReader();
  let flvBytes = 0;
  let flvEnded = false;
  const reading = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) { flvEnded = true; return; }
      flvBytes += value.length;
    }
  })().catch(() => { flvEnded = true; });
  try {
    // The playlist is there once the first segment is complete, a moment after the host is live.
    await until('the HLS playlist', async () => (await fetch(`${server.base}/live/${room.id}/index.m3u8`)).ok, SLOW);
    await until('the host-only program in HLS', async () => blue(await guestCorner(room)), SLOW);

    await guest.page.evaluate(() => window.room.send({ type: 'mic_request' }));
    const queue = await until('the host to see the request', async () =>
      (await seen(host.page, 'mic_queue')).find((m) => m.queue?.length === 1));
    assert.equal(queue.queue[0].nick, '小美');
    await host.page.evaluate((user) => window.room.send({ type: 'mic_accept', user }), queue.queue[0].id);
    const [accepted] = await until('the guest to be accepted', async () => {
      const m = await seen(guest.page, 'mic_accepted');
      return m.length ? m : null;
    });
    assert.equal(accepted.slot, 1);

    // The guest token is for this room's slot only.
    const offer = await guest.page.evaluate(async () => {
      const pc = new RTCPeerConnection();
      const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
      const sdp = (await pc.createOffer()).sdp;
      pc.close();
      for (const track of stream.getTracks()) track.stop();
      return sdp;
    });
    const wrong = await fetch(`${server.base}/whip/${other.id}`, {
      method: 'POST', headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${accepted.token}` }, body: offer,
    });
    assert.equal(wrong.status, 403);
    assert.equal((await wrong.json()).error.code, 'wrong_room');

    // The guest publishes its camera with the token, as the viewer page does.
    const status = await guest.page.evaluate(async ({ token, url }) => {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 180 }, audio: true });
      const pc = new RTCPeerConnection();
      for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise((resolve) => {
        if (pc.iceGatheringState === 'complete') resolve();
        pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') resolve(); };
        setTimeout(resolve, 5000);
      });
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` },
        body: pc.localDescription.sdp });
      if (res.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
      window.guestPc = pc;
      return res.status;
    }, { token: accepted.token, url: accepted.whip_url });
    assert.equal(status, 201);

    await until('the mix to run with the guest', async () =>
      (await metric(server, 'livecart_miclink_mixes')) === 1 && (await metric(server, 'livecart_miclink_guests')) === 1, SLOW);
    const mixed = await until('the guest in the HLS program\'s corner', async () => {
      const c = await guestCorner(room);
      return green(c) ? c : null;
    }, SLOW);
    t.diagnostic(`guest corner while linked: rgb(${mixed.r}, ${mixed.g}, ${mixed.b})`);
    assert.ok(await metric(server, 'livecart_miclink_frames_total') > 0);

    // The guest's page goes away: the link ends (its room connection closes), its stream is
    // stopped, the program is the host's again.
    const left = Date.now();
    await guest.context.close();
    const ended = await until('the host to hear the link ended', async () =>
      (await seen(host.page, 'mic_guests')).find((m) => m.ended), SLOW);
    t.diagnostic(`the link ended: ${JSON.stringify(ended.ended)}`);
    await until('the mix to end', async () => (await metric(server, 'livecart_miclink_mixes')) === 0, SLOW);
    await until('the host-only program in HLS again', async () => blue(await guestCorner(room)), SLOW);
    t.diagnostic(`host-only again in HLS ${Date.now() - left} ms after the guest's page closed`);

    // The token no longer publishes: its guest holds no slot.
    const late = await fetch(`${server.base}/whip/${room.id}`, {
      method: 'POST', headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${accepted.token}` }, body: offer,
    });
    assert.equal(late.status, 403);
    assert.equal((await late.json()).error.code, 'not_on_mic');

    const before = flvBytes;
    await until('the HTTP-FLV viewer to keep receiving', async () => flvBytes > before + 10_000);
    assert.equal(flvEnded, false, 'the HTTP-FLV response never ended');
    const playlist = await (await fetch(`${server.base}/live/${room.id}/index.m3u8`)).text();
    assert.doesNotMatch(playlist, /EXT-X-ENDLIST/, 'the HLS playlist never ended');
    assert.deepEqual(host.errors, []);

    // The broadcast ends: its recording is host, mix, host again.
    await stopHost();
    await until('the broadcast\'s files to be finished', async () => (await metric(server, 'livecart_media_pipelines')) === 0, SLOW);
    const files = (await server.api(`/api/rooms/${room.id}/recordings`)).body.recordings;
    assert.equal(files.length, 1, JSON.stringify(files));
    const [file] = files;
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name:format=duration',
      '-of', 'csv=p=0', `${server.base}${file.url}`], { timeout: SLOW });
    assert.match(stdout, /h264,video/, `${file.name}: ${stdout}`);
    assert.match(stdout, /aac,audio/, `${file.name}: ${stdout}`);
    // Host, mix and host again, to the end of the broadcast.
    const duration = Number(stdout.trim().split('\n').pop());
    assert.ok(duration * 1000 >= (file.finished_at_ms - file.started_at_ms) * 0.8, `${duration} s of ${stdout}`);
    // Every frame decodes, the ones right after each switch too (the file holds two picture formats).
    const decoded = await run('ffmpeg', ['-v', 'error', '-i', `${server.base}${file.url}`, '-f', 'null', '-'], { timeout: SLOW });
    if (decoded.stderr.trim() !== '') t.diagnostic(`kept ${await keepArtifact(file.name, `${server.base}${file.url}`)}`);
    assert.equal(decoded.stderr.trim(), '', `${file.name} decodes without errors`);
    t.diagnostic(`recording: ${files.map((f) => `${f.name} ${f.bytes} B`).join(', ')}`);
  } finally {
    await reader.cancel().catch(() => {});
    await reading;
    await host.context.close();
    await guest.context.close().catch(() => {});
    await stopHost();
  }
});
