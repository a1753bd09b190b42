// whep_glass: glass-to-glass delay of a room played over WHEP in headless Chromium.
//
// The room's publisher burns the wall-clock time into every picture (bench/clock_frames.cpp,
// layout in bench/clock_code.hpp). A page on the server's origin plays the room as the viewer's
// low-latency player does (a receive-only video transceiver, non-trickle offer POSTed to
// /whep/{room}), and for each frame the video element presents (requestVideoFrameCallback) draws
// the code's corner into a canvas, reads the 64 cells, checks the CRC and compares the stamp
// with the same machine's clock at three points the callback knows:
//   receive  - the last packet of the frame arrived (metadata.receiveTime)
//   callback - the callback ran (the frame is composited)
//   display  - the frame's expected display time (metadata.expectedDisplayTime): glass.
// Frames in the first --warmup seconds after the first one are not counted. The connection's
// statistics add the browser's own breakdown (jitter buffer, decode).
// The offer is video only unless --audio: the server (at b515d63) sends no video to an offer
// with an audio section when the stream has no audio (the answer's audio is inactive, ICE and
// DTLS connect, no RTP comes), and the clock stream has none.
// Usage: node bench/whep_glass.mjs --base http://127.0.0.1:PORT --room ROOM [--seconds 20]
//        [--warmup 3] [--audio] [--label L] [--json FILE]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { launchBrowser } from '../tests/web/harness.mjs';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    room: { type: 'string', default: 'demo' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    audio: { type: 'boolean', default: false },
    label: { type: 'string', default: 'whep' },
    json: { type: 'string' },
  },
});
if (!args.base) {
  console.error('usage: node bench/whep_glass.mjs --base http://127.0.0.1:PORT --room ROOM [--seconds S]');
  process.exit(2);
}

// In the page: play the room over WHEP and collect the stamp of every presented frame.
async function measure({ room, seconds, warmup, audio }) {
  const CELL = 32, COLUMNS = 16, ROWS = 4, SURE_BLACK = 80, SURE_WHITE = 170;
  const crc16 = (payload) => {  // CRC-16/CCITT-FALSE over 6 bytes, as clock_code.hpp
    let crc = 0xffff;
    for (let byte = 5; byte >= 0; --byte) {
      crc ^= Number((payload >> BigInt(8 * byte)) & 0xffn) << 8;
      for (let i = 0; i < 8; ++i) crc = (crc & 0x8000) ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    return crc;
  };
  const canvas = document.createElement('canvas');
  canvas.width = CELL * COLUMNS;
  canvas.height = CELL * ROWS;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const read = (video) => {
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height, 0, 0, canvas.width, canvas.height);
    const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let word = 0n;
    for (let bit = 0; bit < COLUMNS * ROWS; ++bit) {
      const x0 = (bit % COLUMNS) * CELL + CELL / 4, y0 = Math.floor(bit / COLUMNS) * CELL + CELL / 4;
      let sum = 0;
      for (let y = y0; y < y0 + CELL / 2; ++y)
        for (let x = x0; x < x0 + CELL / 2; ++x) {
          const i = 4 * (y * canvas.width + x);
          sum += (px[i] + px[i + 1] + px[i + 2]) / 3;
        }
      const mean = sum / (CELL / 2 * CELL / 2);
      if (mean > SURE_BLACK && mean < SURE_WHITE) return null;
      word = (word << 1n) | (mean >= SURE_WHITE ? 1n : 0n);
    }
    const payload = word >> 16n;
    if (crc16(payload) !== Number(word & 0xffffn)) return null;
    return { stamp: Number(payload >> 8n), frame: Number(payload & 0xffn) };
  };

  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  if (audio) pc.addTransceiver('audio', { direction: 'recvonly' });
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
    setTimeout(resolve, 2000);
  });
  const posted = performance.now();
  const res = await fetch(`/whep/${room}`, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
  const answer = await res.text();
  if (res.status !== 201) return { error: `POST /whep/${room}: ${res.status} ${answer}` };
  const answeredMs = performance.now() - posted;
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });

  const wall = (t) => performance.timeOrigin + t;
  const samples = [];
  let unreadable = 0, firstAt = null, firstFrameMs = null;
  const clockOffsetStart = Date.now() - wall(performance.now());
  const NO_FRAME_MS = 20_000;
  const done = await new Promise((resolve) => {
    const timer = setTimeout(() => { if (firstAt === null) resolve('no frame'); }, NO_FRAME_MS);
    const onFrame = (now, meta) => {
      const callback = wall(performance.now());
      const code = read(video);
      if (firstAt === null) { firstAt = callback; firstFrameMs = performance.now() - posted; }
      const elapsed = (callback - firstAt) / 1000;
      if (!code) ++unreadable;
      else if (elapsed >= warmup) {
        samples.push({
          ...code,
          callback,
          display: wall(meta.expectedDisplayTime),
          receive: meta.receiveTime ? wall(meta.receiveTime) : null,
          presentedFrames: meta.presentedFrames,
        });
      }
      if (elapsed >= warmup + seconds) { clearTimeout(timer); return resolve('done'); }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  });
  const clockOffsetEnd = Date.now() - wall(performance.now());
  if (done !== 'done') return { error: `no frame presented within ${NO_FRAME_MS} ms (connection ${pc.connectionState})` };

  const report = await pc.getStats();
  let inbound = null, codec = null;
  report.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') inbound = s; });
  report.forEach((s) => { if (inbound && s.id === inbound.codecId) codec = s.mimeType; });
  const per = (total, count) => (count ? (1000 * total) / count : null);
  const stats = inbound && {
    codec,
    width: inbound.frameWidth,
    height: inbound.frameHeight,
    framesPerSecond: inbound.framesPerSecond,
    framesDecoded: inbound.framesDecoded,
    framesDropped: inbound.framesDropped,
    freezeCount: inbound.freezeCount,
    packetsLost: inbound.packetsLost,
    jitterBufferMs: per(inbound.jitterBufferDelay, inbound.jitterBufferEmittedCount),
    jitterBufferTargetMs: per(inbound.jitterBufferTargetDelay, inbound.jitterBufferEmittedCount),
    jitterBufferMinimumMs: per(inbound.jitterBufferMinimumDelay, inbound.jitterBufferEmittedCount),
    decodeMs: per(inbound.totalDecodeTime, inbound.framesDecoded),
    processingMs: per(inbound.totalProcessingDelay, inbound.framesDecoded),
    assemblyMs: per(inbound.totalAssemblyTime, inbound.framesAssembledFromMultiplePackets),
  };
  pc.close();
  return { samples, unreadable, answeredMs, firstFrameMs, clockOffsetStart, clockOffsetEnd, stats };
}

const MASK = 2 ** 40;
// The full time of a 40-bit stamp, taken as the nearest to `near`.
const unwrap = (stamp, near) => {
  let t = near - (near % MASK) + stamp;
  if (t > near + MASK / 2) t -= MASK;
  if (t < near - MASK / 2) t += MASK;
  return t;
};
const percentile = (values, p) => {
  const v = values.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  return v[Math.min(v.length, Math.max(1, Math.ceil((p / 100) * v.length))) - 1];
};
const fmt = (x) => (x === null || x === undefined ? '-' : x.toFixed(1));
const line = (name, values) => {
  const row = [50, 90, 99, 100].map((p) => percentile(values, p));
  console.log(`${args.label}: ${name.padEnd(28)} p50 ${fmt(row[0])}  p90 ${fmt(row[1])}  p99 ${fmt(row[2])}  max ${fmt(row[3])} ms`);
  return row;
};

const browser = await launchBrowser();
let status = 0;
try {
  const context = await browser.newContext();
  await context.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${args.base}/healthz`);
  const r = await page.evaluate(measure, {
    room: args.room, seconds: Number(args.seconds), warmup: Number(args.warmup), audio: args.audio,
  });
  if (r.error) throw new Error(r.error);
  const rows = r.samples.map((s) => {
    const stamp = unwrap(s.stamp, s.callback);
    return {
      frame: s.frame,
      receive: s.receive === null ? null : s.receive - stamp,
      callback: s.callback - stamp,
      display: s.display - stamp,
      browser: s.receive === null ? null : s.display - s.receive,
    };
  });
  let skipped = 0, repeated = 0;
  for (let i = 1; i < rows.length; ++i) {
    const step = (rows[i].frame - rows[i - 1].frame + 256) % 256;
    if (step === 0) ++repeated;
    if (step > 1) skipped += step - 1;
  }
  const st = r.stats || {};
  console.log(`${args.label}: ${rows.length} frames measured after a ${args.warmup} s warm-up, ${r.unreadable} unreadable `
    + `(check failed), ${skipped} skipped, ${repeated} repeated; answer in ${fmt(r.answeredMs)} ms, first frame `
    + `${fmt(r.firstFrameMs)} ms after the POST`);
  console.log(`${args.label}: ${st.codec} ${st.width}x${st.height} at ${st.framesPerSecond} fps; ${st.framesDecoded} decoded, `
    + `${st.framesDropped} dropped, ${st.freezeCount} freezes, ${st.packetsLost} packets lost; Date.now() − performance `
    + `clock ${fmt(r.clockOffsetStart)} → ${fmt(r.clockOffsetEnd)} ms`);
  const display = line('stamp → display (glass)', rows.map((x) => x.display));
  line('stamp → frame callback', rows.map((x) => x.callback));
  line('stamp → last packet received', rows.map((x) => x.receive));
  line('received → display (browser)', rows.map((x) => x.browser));
  console.log(`${args.label}: browser means: jitter buffer ${fmt(st.jitterBufferMs)} ms (target ${fmt(st.jitterBufferTargetMs)}, `
    + `minimum ${fmt(st.jitterBufferMinimumMs)}), decode ${fmt(st.decodeMs)} ms, first packet → decoded `
    + `${fmt(st.processingMs)} ms, assembly ${fmt(st.assemblyMs)} ms`);
  console.log(`RESULT ${args.label} frames=${rows.length} p50=${fmt(display[0])} p90=${fmt(display[1])} p99=${fmt(display[2])} `
    + `max=${fmt(display[3])} unreadable=${r.unreadable} skipped=${skipped}`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ ...r, rows }, null, 1));
  if (errors.length) console.error(`page errors: ${errors.join('; ')}`);
  if (rows.length < 300) {
    console.error(`${args.label}: only ${rows.length} frames measured (want ≥ 300)`);
    status = 1;
  }
} catch (e) {
  console.error(`whep_glass: ${e.message}`);
  status = 2;
} finally {
  await browser.close();
}
process.exit(status);
