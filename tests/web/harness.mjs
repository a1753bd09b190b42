// What every browser test needs: the real livecart binary on free ports, Debian's Chromium
// driven by playwright-core (kept off the network), pages that record their console errors,
// and screenshots kept as test artefacts. Waits are for events, with deadlines; no sleeps.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const { chromium } = await import(new URL('../../web/node_modules/playwright-core/index.mjs', import.meta.url));

export const ADMIN_TOKEN = 'web-test-admin-token-0123456789';
const BINARY = process.env.LIVECART_BINARY;
// The pages to serve; by default the binary's own (the bundle its build made).
const WEB_DIR = process.env.LIVECART_WEB_DIR;
const ARTIFACTS = process.env.LIVECART_ARTIFACTS || join(tmpdir(), 'livecart-web-artifacts');

// Starts `livecart` with a fresh data dir; resolves once it prints its ports.
// `record`: keep the MP4 recording on (off by default: it costs CPU most tests do not need).
export async function startServer(args = [], { record = false } = {}) {
  if (!BINARY) throw new Error('LIVECART_BINARY is not set (ctest sets it)');
  const dataDir = mkdtempSync(join(tmpdir(), 'livecart-web-'));
  const child = spawn(BINARY, ['--http-port', '0', '--rtmp-port', '0', '--data-dir', dataDir, '--admin-token', ADMIN_TOKEN,
    '--log-level', 'warn', '--threads', '2', ...(record ? [] : ['--no-record']), ...(WEB_DIR ? ['--web-dir', WEB_DIR] : []), ...args],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = await new Promise((resolve, reject) => {
    const found = {};
    const timer = setTimeout(() => reject(new Error('the server did not start in 60 s')), 60_000);
    child.on('exit', (code) => reject(new Error(`the server exited (${code}) before starting`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^(http|rtmp)_port=(\d+)$/.exec(line);
      if (m) found[m[1]] = Number(m[2]);
      if (found.http && found.rtmp) { clearTimeout(timer); resolve(found); }
    });
  });
  const base = `http://127.0.0.1:${ports.http}`;
  return {
    base,
    port: ports.http,
    rtmpPort: ports.rtmp,
    dataDir,
    // An API call as `token` (the admin's by default): {status, body}.
    async api(path, { method = 'GET', body, token = ADMIN_TOKEN } = {}) {
      const res = await fetch(base + path, {
        method, headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    // Stops it with SIGTERM and resolves with its exit code.
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const code = await new Promise((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('exit', (c, sig) => { clearTimeout(kill); resolve(c ?? 128); });
        child.kill('SIGTERM');
      });
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

// Flags that keep Chromium headless, sandbox-free (root in CI) and off the network.
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions',
  '--metrics-recording-only', '--no-default-browser-check', '--mute-audio', '--autoplay-policy=no-user-gesture-required',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
];

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

// A page in a fresh browser context (its own storage, like another person's phone), with
// every console error and uncaught exception recorded in `errors`.
export async function openPage(browser, url, { viewport = { width: 1280, height: 800 }, mobile = false } = {}) {
  const context = await browser.newContext(mobile
    ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' }
    : { viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => errors.push(`exception: ${err.message}`));
  page.on('requestfailed', (req) => {
    // A WebSocket or media request cut by the test closing the page is not the page's error.
    if (!/net::ERR_ABORTED/.test(req.failure()?.errorText || '')) errors.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  await page.goto(url);
  return { page, errors, context };
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// Keeps a file a test fetched (a recording that failed a check) where screenshots go.
export async function keepArtifact(name, url) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  writeFileSync(path, Buffer.from(await (await fetch(url)).arrayBuffer()));
  return path;
}

// Polls `check` (async, truthy when done) until it holds, or throws after `timeout` ms.
export async function until(what, check, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => { setTimeout(r, 200); });
  }
}

// One sample of the server's /metrics (`name` with its labels), 0 when absent.
export async function metric(server, name) {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

// A room made by the admin, with `products` put on its shelf by its host: the room's
// {id, host_key, operator_key, stream_key}.
export async function createRoom(server, id, title, products = []) {
  const made = await server.api('/api/rooms', { method: 'POST', body: { id, title } });
  if (made.status !== 201) throw new Error(`creating room ${id}: ${made.status} ${JSON.stringify(made.body)}`);
  for (const product of products) {
    const res = await server.api(`/api/rooms/${id}/products`, { method: 'POST', body: product, token: made.body.host_key });
    if (res.status !== 201) throw new Error(`adding ${product.sku}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return made.body;
}

// OBS's part, played by ffmpeg: a small test picture and tone published to `room` until
// stop() is called; resolves once the server reports the room live.
export async function goLive(server, room, streamKey) {
  const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '15', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '48k', '-f', 'flv', `rtmp://127.0.0.1:${server.rtmpPort}/live/${room}?key=${streamKey}`],
  { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => { ffmpeg.on('exit', resolve); });
  const stop = async () => {
    if (ffmpeg.exitCode === null && ffmpeg.signalCode === null) ffmpeg.kill('SIGINT');
    await exited;
  };
  try {
    await until(`room ${room} to go live`, async () => {
      if (ffmpeg.exitCode !== null) throw new Error(`ffmpeg exited (${ffmpeg.exitCode}) before ${room} went live`);
      return (await metric(server, `livecart_stream_live{room="${room}"}`)) === 1;
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { stop };
}

// The text of `sel` as shown (a chart's SVG text in drawing order), spaces folded; null when
// there is no such node. Runs in the page, so it stands alone.
function shownText(sel) {
  const node = document.querySelector(sel);
  if (!node) return null;
  return (node.querySelector('svg') ? node.textContent : node.innerText).replace(/\s+/g, ' ').trim();
}

function shownTextMatches([sel, src, flags]) {
  const node = document.querySelector(sel);
  if (!node) return false;
  const text = (node.querySelector('svg') ? node.textContent : node.innerText).replace(/\s+/g, ' ').trim();
  return new RegExp(src, flags).test(text);
}

// Waits until the text of `selector` as shown matches `pattern`; on timeout the error says
// what it showed instead.
export async function waitText(page, selector, pattern, timeout = 60_000) {
  try {
    await page.waitForFunction(shownTextMatches, [selector, pattern.source, pattern.flags], { timeout });
  } catch (e) {
    const seen = await page.evaluate(shownText, selector).catch(() => '(page gone)');
    throw new Error(`${selector} never matched ${pattern} (it shows: ${JSON.stringify(seen)})`, { cause: e });
  }
}
