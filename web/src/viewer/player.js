// The live picture of a room: HTTP-FLV through mpegts.js where the browser has Media Source
// Extensions (about a second of latency), HLS otherwise (native on Safari, hls.js elsewhere);
// or, as the low-latency mode (engine 'whep'), WebRTC through the server's WHEP endpoint
// (POST /whep/{room}: a few hundred milliseconds), falling back to the default when it fails.
// The server says when the room goes live and when it stops (`live` in the room and the welcome,
// then `stream` messages: setLive): the page opens the stream then, and never asks for one that
// is not there. Against a server that does not say (no flag), a room that is not live is
// 'offline' and tried again by itself. A stream that ends or stalls is reopened. States: 'loading', 'playing', 'offline', 'blocked' (autoplay refused: the page
// asks for a tap), 'unsupported', 'stopped'.
import { endSession, negotiate, WebRtcRefused } from '../common/webrtc.js';

const RETRY_FIRST_MS = 1000; // after a stream ends, an error, or "not live": look again, backing off
const RETRY_MAX_MS = 10000;
const STALL_MS = 8000;       // playing, but the picture has not moved for this long: reopen
const LOAD_MS = 15000;       // opened, but no picture after this long: reopen
const WATCHDOG_MS = 2000;

let mpegtsModule = null;
async function loadMpegts() {
  if (!mpegtsModule) {
    mpegtsModule = (await import('mpegts.js')).default;
    // Its own log goes to the console; the player reports what matters through its events.
    mpegtsModule.LoggingControl.enableAll = false;
  }
  return mpegtsModule;
}

export class LivePlayer {
  constructor(video, room, { onState = () => {}, engine = 'auto', live } = {}) {
    this.video = video;
    this.room = room;
    this.onState = onState;
    this.wanted = engine;
    this.state = 'idle';
    this.engine = null;
    this.impl = null;
    this.gen = 0;
    this.retryTimer = null;
    this.retryDelay = RETRY_FIRST_MS;
    this.lastTime = -1;
    this.lastProgressAt = 0;
    this.audio = undefined;    // false once the stream's metadata shows no audio
    this.live = typeof live === 'boolean' ? live : undefined;  // undefined: the server does not say
    video.muted = true;
    video.playsInline = true;
    video.autoplay = true;
    video.disableRemotePlayback = true; // Safari's ManagedMediaSource needs it
    video.addEventListener('playing', () => { this.retryDelay = RETRY_FIRST_MS; this.setState('playing'); });
    video.addEventListener('timeupdate', () => {
      if (video.currentTime !== this.lastTime) { this.lastTime = video.currentTime; this.lastProgressAt = Date.now(); }
    });
    video.addEventListener('ended', () => { if (this.engine !== 'flv') this.retry(); });
    video.addEventListener('error', () => { if (this.engine === 'native') this.retry(); });
    this.watchdog = null;
  }

  setState(s) {
    if (s === this.state) return;
    this.state = s;
    this.onState(s);
  }

  start() {
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => this.checkStall(), WATCHDOG_MS);
    if (this.live === false) this.setState('offline');
    else this.open();
  }

  // The room's stream started or ended (the server said so).
  setLive(live) {
    if (this.state === 'stopped') return;
    const was = this.live;
    this.live = !!live;
    if (!this.live) {
      clearTimeout(this.retryTimer);
      this.gen += 1;
      this.teardown();
      this.setState('offline');
      return;
    }
    if (was !== false && this.state !== 'offline') return;  // already open or opening
    this.retryDelay = RETRY_FIRST_MS;
    this.open();
  }

  // Another player: 'whep' (low latency) or 'auto'; reopens the picture with it.
  setEngine(engine) {
    if (engine === this.wanted) return;
    this.wanted = engine;
    if (this.state === 'stopped' || this.live === false) return;
    this.retryDelay = RETRY_FIRST_MS;
    this.open();
  }

  // Back on the tab: reopen a picture that stalled, unless the room is known to be offline.
  resume() {
    if (this.state === 'playing' || this.state === 'stopped' || this.live === false) return;
    this.open();
  }

  stop() {
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdog);
    this.gen += 1;
    this.teardown();
    this.setState('stopped');
  }

  // Plays again after a tap (autoplay refused) or a tap to unmute.
  play() {
    const p = this.video.play();
    if (p) p.catch((e) => { if (e?.name === 'NotAllowedError') this.setState('blocked'); });
  }

  async open() {
    clearTimeout(this.retryTimer);
    const gen = ++this.gen;
    this.teardown();
    if (this.state !== 'offline') this.setState('loading');
    const engine = await this.chooseEngine();
    if (gen !== this.gen) return;
    this.engine = engine;
    if (engine === 'unsupported') { this.setState('unsupported'); return; }
    this.lastProgressAt = Date.now();
    this.openedAt = Date.now();
    try {
      if (engine === 'flv') await this.openFlv(gen);
      else if (engine === 'whep') await this.openWhep(gen);
      else await this.openHls(gen, engine);
    } catch {
      if (gen !== this.gen) return;
      // WebRTC refused (no common codec, the server's limit, a network that blocks UDP): the
      // low-latency mode gives way to the default player for this page.
      if (engine === 'whep') this.wanted = 'auto';
      this.retry();
    }
  }

  async chooseEngine() {
    if (this.wanted === 'whep' && 'RTCPeerConnection' in window) return 'whep';
    const mse = 'MediaSource' in window || 'ManagedMediaSource' in window;
    const nativeHls = !!this.video.canPlayType('application/vnd.apple.mpegurl');
    if (this.wanted === 'hls') return mse ? 'hls' : (nativeHls ? 'native' : 'unsupported');
    if (this.wanted === 'native') return nativeHls ? 'native' : 'unsupported';
    if (mse) {
      const mpegts = await loadMpegts();
      if (mpegts.getFeatureList().mseLivePlayback) return 'flv';
    }
    if (nativeHls) return 'native';
    return mse ? 'hls' : 'unsupported';
  }

  async openFlv(gen) {
    const mpegts = await loadMpegts();
    if (gen !== this.gen) return;
    const source = { type: 'flv', isLive: true, url: `/live/${encodeURIComponent(this.room)}.flv` };
    if (this.audio === false) source.hasAudio = false;
    const player = mpegts.createPlayer(
      source,
      {
        enableStashBuffer: false, lazyLoad: false, autoCleanupSourceBuffer: true,
        liveBufferLatencyChasing: true, liveBufferLatencyMaxLatency: 2, liveBufferLatencyMinRemain: 0.5,
      },
    );
    this.impl = { destroy: () => { player.pause(); player.unload(); player.detachMediaElement(); player.destroy(); } };
    player.on(mpegts.Events.ERROR, (type, detail, info) => {
      if (gen !== this.gen) return;
      if (detail === mpegts.ErrorDetails.NETWORK_STATUS_CODE_INVALID && info?.code === 404) this.offline();
      else this.retry();
    });
    // mpegts.js waits for every track the FLV header announces. The server's header says which
    // there are; against one that always announced audio, the metadata tells: reopen without it.
    player.on(mpegts.Events.METADATA_ARRIVED, (meta) => {
      if (gen !== this.gen || !meta || typeof meta !== 'object') return;
      const audio = 'audiocodecid' in meta || 'audiodatarate' in meta || 'stereo' in meta;
      if (audio === (this.audio !== false)) return;
      this.audio = audio ? undefined : false;
      this.gen += 1;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.open(), 0);
    });
    // The publisher stopped: the FLV body ended. Look again (a blip, or a new broadcast).
    player.on(mpegts.Events.LOADING_COMPLETE, () => { if (gen === this.gen) this.retry(); });
    player.attachMediaElement(this.video);
    player.load();
    this.play();
  }

  // WHEP (RFC 9725; common/webrtc.js): receive-only, video and audio.
  async openWhep(gen) {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const stream = new MediaStream();
    let session = null;
    this.impl = {
      destroy: () => {
        pc.close();
        if (this.video.srcObject === stream) this.video.srcObject = null;
        endSession(session);
      },
    };
    pc.ontrack = (e) => {
      stream.addTrack(e.track);
      if (this.video.srcObject !== stream) {
        this.video.srcObject = stream;
        this.play();
      }
    };
    pc.onconnectionstatechange = () => {
      if (gen === this.gen && (pc.connectionState === 'failed' || pc.connectionState === 'closed')) this.retry();
    };
    try {
      session = await negotiate(pc, `/whep/${encodeURIComponent(this.room)}`, { cancelled: () => gen !== this.gen });
    } catch (e) {
      if (e instanceof WebRtcRefused && e.status === 404) { this.offline(); return; }
      throw e;
    }
  }

  async openHls(gen, engine) {
    const url = `/live/${encodeURIComponent(this.room)}/index.m3u8`;
    // A finished broadcast's playlist stays (with ENDLIST) until the next one: that is offline.
    const res = await fetch(url, { cache: 'no-store' });
    const text = res.ok ? await res.text() : '';
    if (gen !== this.gen) return;
    if (!res.ok || text.includes('#EXT-X-ENDLIST')) { this.offline(); return; }
    if (engine === 'native') {
      this.video.src = url;
      this.impl = { destroy: () => { this.video.removeAttribute('src'); this.video.load(); } };
      this.play();
      return;
    }
    const Hls = (await import('hls.js')).default;
    if (gen !== this.gen) return;
    if (!Hls.isSupported()) { this.setState('unsupported'); return; }
    const hls = new Hls({ liveSyncDurationCount: 2, liveMaxLatencyDurationCount: 6, debug: false });
    this.impl = { destroy: () => hls.destroy() };
    hls.on(Hls.Events.ERROR, (_, data) => {
      if (gen !== this.gen || !data.fatal) return;
      if (data.response?.code === 404) this.offline();
      else this.retry();
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => { if (gen === this.gen) this.play(); });
    hls.loadSource(url);
    hls.attachMedia(this.video);
  }

  offline() {
    this.teardown();
    this.setState('offline');
    this.retry();
  }

  retry() {
    if (this.state === 'stopped') return;
    if (this.live === false) { this.teardown(); this.setState('offline'); return; }  // the `stream` message reopens it
    clearTimeout(this.retryTimer);
    this.gen += 1; // events of the stream being replaced no longer count
    this.retryTimer = setTimeout(() => this.open(), this.retryDelay);
    this.openedAt = Date.now() + this.retryDelay; // the load timeout counts from the next open
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
  }

  checkStall() {
    if (this.state === 'loading' && this.engine && Date.now() - this.openedAt > LOAD_MS) { this.retry(); return; }
    if (this.state !== 'playing' || this.video.paused) return;
    if (Date.now() - this.lastProgressAt > STALL_MS) {
      this.setState('loading');
      this.open();
    }
  }

  teardown() {
    const impl = this.impl;
    this.impl = null;
    if (impl) {
      try { impl.destroy(); } catch { /* already torn down */ }
    }
  }
}
