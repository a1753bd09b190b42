// Go-live panel: what to paste into OBS (server and stream key, with copy buttons), a new key
// when one leaks, and a muted preview of the room's own HTTP-FLV stream; or going live from this
// browser's camera and microphone (WHIP with the host key), previewed locally.
import { el } from '../common/dom.js';
import { t } from '../common/i18n.js';
import { publish } from '../common/webrtc.js';
import { confirmDialog, copyText, showError, toast } from './ui.js';

const LIVE_POLL_MS = 3000;       // how often the stream's state is read from /metrics
const RETRY_AFTER_ERROR_MS = 5000;
const BLIND_RETRY_MS = 10000;
const DEFAULT_RTMP_PORT = 1935;  // docs/protocol.md: --rtmp-port defaults to 1935

export class GoLivePanel {
  constructor(ctx, keys) {
    this.ctx = ctx;
    this.keys = keys;
    this.live = false;
    this.player = null;
    this.playerState = 'offline';  // offline | loading | playing | unsupported
    this.mediaInfo = '';
    this.reveal = false;
    this.retryAt = 0;
    this.blind = false;  // no /metrics to read: the player finds out by trying
    this.source = 'obs';  // 'obs' | 'browser'
    this.browser = { state: 'idle', stream: null, session: null };  // idle | starting | live
    this.video = el('video', { muted: true, autoplay: true, playsinline: true, class: 'preview-video' });
    this.video.muted = true;
    this.previewBox = el('div', { 'data-testid': 'preview' }, this.video);
    this.node = el('section', { class: 'card golive', 'aria-labelledby': 'golive-h' });
    this.render();
    this.poll();
    this.timer = setInterval(() => this.poll(), LIVE_POLL_MS);
    // Leaving the page ends a browser broadcast at once (DELETE with keepalive), not after the
    // server's silence timeout.
    window.addEventListener('pagehide', () => { if (this.browser.session) this.stopBrowser(); });
  }

  serverUrl() {
    if (this.keys.rtmp_url) return this.keys.rtmp_url;  // the server knows its public name (--public-host)
    const port = Number(this.keys.rtmp_port) || DEFAULT_RTMP_PORT;
    return `rtmp://${location.hostname}:${port}/live`;
  }

  obsKey() { return `${this.ctx.room}?key=${this.keys.stream_key}`; }

  render() {
    this.updatePreview();
    const serverInput = el('input', { class: 'mono', readonly: true, value: this.serverUrl(), 'data-testid': 'rtmp-url', 'aria-label': t('live.server') });
    const keyInput = el('input', {
      class: `mono${this.reveal ? '' : ' masked'}`, readonly: true, value: this.obsKey(), spellcheck: 'false',
      'data-testid': 'stream-key', 'aria-label': t('live.streamKey'),
    });
    const copyRow = (labelKey, inputNode, text, extra) => el('div', { class: 'copy-row' },
      el('div', { class: 'copy-head' }, el('span', { class: 'copy-label' }, t(labelKey)), extra,
        el('button', { type: 'button', class: 'copy-btn small', 'data-copy': labelKey, onclick: () => this.copy(text(), labelKey) }, t('common.copy'))),
      inputNode);
    const toggle = el('button', {
      type: 'button', class: 'ghost small', 'data-testid': 'reveal-key',
      onclick: () => { this.reveal = !this.reveal; this.render(); },
    }, this.reveal ? t('live.hide') : t('live.show'));
    const tab = (source, labelKey) => el('button', {
      type: 'button', role: 'tab', class: `seg${this.source === source ? ' on' : ''}`, 'aria-selected': String(this.source === source),
      'data-testid': `source-${source}`, disabled: this.browser.state !== 'idle' && source !== this.source,
      onclick: () => { this.source = source; this.render(); },
    }, t(labelKey));
    const head = el('header', { class: 'card-head' },
      el('h2', { id: 'golive-h' }, t('live.heading')),
      el('span', { class: `live-pill ${this.live ? 'on' : ''}`, 'data-testid': 'live-state' }, this.live ? t('host.live') : t('host.notLive')));
    const tabs = el('div', { class: 'segmented', role: 'tablist', 'aria-label': t('live.source') },
      tab('obs', 'live.fromObs'), tab('browser', 'live.fromBrowser'));
    if (this.source === 'browser') {
      const b = this.browser;
      const action = b.state === 'idle'
        ? el('button', { type: 'button', class: 'primary', 'data-testid': 'browser-start', onclick: () => this.startBrowser() }, t('live.browserStart'))
        : el('button', { type: 'button', class: 'danger', 'data-testid': 'browser-stop', disabled: b.state === 'starting', onclick: () => this.stopBrowser() },
          b.state === 'starting' ? t('live.browserStarting') : t('live.browserStop'));
      this.node.replaceChildren(head, this.previewBox, tabs,
        el('p', { class: 'hint' }, 'RTCPeerConnection' in window ? t('live.browserHint') : t('live.noWebRtc')),
        el('div', { class: 'browser-live', 'data-testid': 'browser-state', 'data-state': b.state },
          action, b.state === 'live' ? el('span', { class: 'muted' }, t('live.browserLive')) : null));
      return;
    }
    this.node.replaceChildren(
      head,
      this.previewBox,
      tabs,
      el('p', { class: 'hint' }, t('live.obsHint')),
      copyRow('live.server', serverInput, () => this.serverUrl()),
      copyRow('live.streamKey', keyInput, () => this.obsKey(), toggle),
      el('div', { class: 'key-foot' },
        el('small', { class: 'muted' }, t('live.keySecret')),
        el('button', { type: 'button', class: 'ghost small danger-text', 'data-testid': 'rotate-key', onclick: () => this.rotate() }, t('live.rotate'))));
  }

  // The video stays in one box for the panel's life; only the overlay and badge change.
  updatePreview() {
    const state = this.playerState;
    const box = this.previewBox;
    box.className = `preview ${state}`;
    box.dataset.state = state;
    for (const n of [...box.children]) if (n !== this.video) n.remove();
    if (state !== 'playing') {
      const [title, hint] = {
        offline: [t('live.offline'), t('live.offlineHint')],
        loading: [t('live.loading'), ''],
        unsupported: [t('live.unsupported'), ''],
      }[state];
      box.append(el('div', { class: `preview-overlay ${state}` },
        el('span', { class: 'preview-icon', 'aria-hidden': 'true' }, state === 'loading' ? '◌' : '▶'),
        el('strong', {}, title), hint ? el('small', {}, hint) : null));
    } else if (this.browser.stream) {
      box.append(el('span', { class: 'preview-badge' }, t('live.previewLocal')));
    } else {
      box.append(el('span', { class: 'preview-badge' }, t('live.previewMuted'), this.mediaInfo ? ` · ${this.mediaInfo}` : ''));
    }
  }

  async copy(text, labelKey) {
    if (await copyText(text)) toast(t('ui.copied', { what: t(labelKey) }));
    else toast(t('ui.copyFailed'), 'error');
  }

  async rotate() {
    if (!(await confirmDialog(t('live.rotateConfirm'), { okText: t('live.rotate'), danger: true }))) return;
    try {
      const keys = await this.ctx.call('/keys/stream/rotate', { method: 'POST' });
      this.keys = { ...this.keys, ...keys };
      this.render();
      toast(t('live.rotated'));
    } catch (e) {
      showError('act.rotate', e);
    }
  }

  // /metrics carries livecart_stream_live{room="…"} 1 while the room is live; it always answers
  // 200, so an offline room costs no failed request (the FLV URL would answer 404 offline).
  // Where /metrics is closed off, the player itself tries the stream every BLIND_RETRY_MS.
  async poll() {
    let live = false;
    try {
      const res = await fetch('/metrics', { cache: 'no-store' });
      const text = res.ok ? await res.text() : '';
      if (!text.includes('livecart_')) return this.pollBlind();
      const needle = `livecart_stream_live{room="${this.ctx.room}"} `;
      const line = text.split('\n').find((l) => l.startsWith(needle));
      live = !!line && Number(line.slice(needle.length)) > 0;
    } catch {
      return undefined;  // the server is unreachable: the chat socket's state says so
    }
    this.setLive(live);
    if (this.browser.stream) return undefined;  // the preview shows the camera itself
    if (live && !this.player && this.playerState !== 'unsupported' && Date.now() >= this.retryAt) this.startPlayer();
    return undefined;
  }

  pollBlind() {
    if (this.player || this.playerState === 'unsupported' || Date.now() < this.retryAt) return;
    this.blind = true;
    this.retryAt = Date.now() + BLIND_RETRY_MS;
    this.startPlayer();
  }

  setLive(live) {
    if (live === this.live) return;
    this.live = live;
    this.ctx.emit('live', live);
    if (!live) this.stopPlayer();
    this.render();
  }

  async startPlayer() {
    this.setPlayerState('loading');
    let mpegts;
    try {
      mpegts = (await import('mpegts.js')).default;
    } catch {
      this.setPlayerState('unsupported');
      return;
    }
    if (!mpegts.isSupported() || !mpegts.getFeatureList().mseLivePlayback) {
      this.setPlayerState('unsupported');
      return;
    }
    // The library logs to the console; the panel shows the state instead.
    mpegts.LoggingControl.applyConfig({ enableAll: false, enableDebug: false, enableVerbose: false, enableInfo: false, enableWarn: false, enableError: false });
    if (this.player) return;
    if (!this.live && !this.blind) { this.setPlayerState('offline'); return; }
    const player = mpegts.createPlayer(
      { type: 'flv', isLive: true, hasAudio: true, hasVideo: true, url: `${location.origin}/live/${encodeURIComponent(this.ctx.room)}.flv` },
      { enableWorker: false, liveBufferLatencyChasing: true, liveBufferLatencyMaxLatency: 3, liveBufferLatencyMinRemain: 0.5, lazyLoad: false },
    );
    this.player = player;
    const ended = () => {
      this.retryAt = Date.now() + (this.blind ? BLIND_RETRY_MS : RETRY_AFTER_ERROR_MS);
      this.stopPlayer();
      if (this.blind) this.setLive(false);
    };
    player.on(mpegts.Events.ERROR, ended);
    // The stream ended; /metrics may say "live" for a moment more, so wait before trying again.
    player.on(mpegts.Events.LOADING_COMPLETE, ended);
    player.on(mpegts.Events.MEDIA_INFO, (info) => {
      this.mediaInfo = info?.width ? `${info.width}×${info.height}${info.fps ? ` · ${Math.round(info.fps)}fps` : ''}` : '';
      if (this.playerState === 'playing') this.updatePreview();
    });
    const playing = () => { if (this.player === player) { this.setPlayerState('playing'); this.setLive(true); } };
    this.video.addEventListener('playing', playing, { once: true });
    player.attachMediaElement(this.video);
    player.load();
    const p = player.play();
    if (p && typeof p.catch === 'function') p.catch(() => { /* muted autoplay may still wait for the data */ });
  }

  stopPlayer() {
    const player = this.player;
    this.player = null;
    if (player) {
      try {
        player.pause();
        player.unload();
        player.detachMediaElement();
        player.destroy();
      } catch { /* already torn down */ }
    }
    this.mediaInfo = '';
    this.setPlayerState('offline');
  }

  // Going live from this browser: camera and microphone, published with WHIP and the host key.
  async startBrowser() {
    if (this.browser.state !== 'idle') return;
    this.browser.state = 'starting';
    this.render();
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } }, audio: true,
      });
    } catch (e) {
      this.browser.state = 'idle';
      this.render();
      toast(t('live.cameraDenied', { message: e.message || e.name }), 'error');
      return;
    }
    this.stopPlayer();
    this.browser.stream = stream;
    this.video.srcObject = stream;
    this.video.play().catch(() => {});
    this.setPlayerState('playing');
    try {
      this.browser.session = await publish(this.ctx.room, stream, this.ctx.key, (state) => {
        if (state === 'failed' || state === 'closed') this.stopBrowser(t('live.browserEnded'));
      });
    } catch (e) {
      this.stopBrowser();
      showError('act.goLive', e);
      return;
    }
    if (!this.browser.stream) return;  // stopped meanwhile
    this.browser.state = 'live';
    this.render();
  }

  stopBrowser(notice) {
    const { stream, session } = this.browser;
    this.browser = { state: 'idle', stream: null, session: null };
    if (session) session.stop();
    if (stream) for (const track of stream.getTracks()) track.stop();
    if (this.video.srcObject === stream) this.video.srcObject = null;
    this.setPlayerState('offline');
    this.render();
    if (notice) toast(notice);
  }

  setPlayerState(state) {
    if (this.playerState === state) return;
    this.playerState = state;
    this.updatePreview();
  }
}
