// Mic-link (连麦) on the viewer page: ask to join the host on camera, wait in the queue (or take
// the request back), once accepted take the camera and microphone and publish them over WHIP
// with the guest token, watch yourself in a small preview, leave. Everyone sees who is on
// camera. Messages as in docs/protocol.md (mic_request … mic_guests).
import { el } from '../common/dom.js';
import { t } from '../common/i18n.js';
import { publish } from '../common/webrtc.js';

// Error codes that answer this panel's own messages.
const CODES = new Set(['not_live', 'already_queued', 'already_guest', 'queue_full', 'not_queued', 'not_guest']);
const ENDED = ['host_ended', 'left', 'disconnected', 'media_ended', 'stream_ended', 'room_closed'];

export class MicLink {
  // `root`: where the panel goes (over the picture); `send(frame)`: the room socket;
  // `onAir(on)`: told when this viewer goes on camera and off it (the page then plays the program
  // in its low-latency mode, so that the guest talks with the host without seconds of delay).
  constructor({ room, root, send, toast, onAir = () => {} }) {
    this.room = room;
    this.send = send;
    this.toast = toast;
    this.onAir = onAir;
    this.state = 'idle';     // idle | asking | queued | joining | on | failed
    this.position = 0;
    this.guests = [];        // [{slot, id, nick}]
    this.me = null;
    this.live = false;
    this.problem = '';
    this.session = null;     // the WHIP session while publishing
    this.stream = null;      // camera and microphone
    this.attempt = 0;        // a newer acceptance or an end makes an older publish give up
    this.preview = el('video', { class: 'mic-preview', muted: true, playsinline: true, autoplay: true, 'data-testid': 'mic-preview' });
    this.preview.muted = true;
    this.node = el('div', { class: 'mic', 'data-testid': 'mic' });
    root.append(this.node);
    this.render();
  }

  // A (new) welcome: who is on camera; a request or link of an earlier connection is gone.
  welcome(w) {
    this.me = w.you;
    this.guests = Array.isArray(w.mic_link?.guests) ? w.mic_link.guests : [];
    if (this.state !== 'idle') this.reset();
    this.render();
  }

  setLive(live) {
    this.live = live;
    this.render();
  }

  // True when `msg` was a mic-link message (handled here).
  onMessage(msg) {
    switch (msg.type) {
      case 'mic_queued': this.state = 'queued'; this.position = Number(msg.position) || 0; break;
      case 'mic_cancelled': this.reset(); break;
      case 'mic_accepted': this.accepted(msg); break;
      case 'mic_declined':
        this.reset();
        this.toast(t(msg.reason === 'declined' ? 'v.mic_declined' : 'v.mic_turned_down'), 'warn');
        break;
      case 'mic_ended':
        this.reset({ ended: true });
        this.toast(t(ENDED.includes(msg.reason) ? `v.mic_ended_${msg.reason}` : 'v.mic_ended_host_ended'));
        break;
      case 'mic_guests': this.guests = Array.isArray(msg.guests) ? msg.guests : []; break;
      default: return false;
    }
    this.render();
    return true;
  }

  onError(m) {
    if (!CODES.has(m.code) || this.state === 'idle') return false;
    if (m.code === 'already_queued') this.state = 'queued';
    else if (m.code !== 'already_guest') this.reset();
    this.toast(t(`v.mic_e_${m.code}`), 'warn');
    this.render();
    return true;
  }

  ask() {
    if (!this.send({ type: 'mic_request' })) { this.toast(t('e.generic'), 'warn'); return; }
    this.state = 'asking';
    this.problem = '';
    this.render();
  }

  cancel() { this.send({ type: 'mic_cancel' }); }

  leave() {
    this.send({ type: 'mic_leave' });
    this.reset();
    this.render();
  }

  async accepted(msg) {
    const attempt = ++this.attempt;
    this.state = 'joining';
    this.problem = '';
    this.render();
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
      if (attempt !== this.attempt) { this.stopMedia(); return; }
      this.preview.srcObject = this.stream;
      this.onAir(true);
      this.session = await publish(this.room, this.stream, msg.token, (s) => {
        if (attempt !== this.attempt) return;
        if (s === 'connected') { this.state = 'on'; this.render(); }
        if (s === 'failed') this.failed(t('v.mic_net_failed'));
      });
      if (attempt !== this.attempt) { this.stopMedia(); return; }
      if (this.state === 'joining') { this.state = 'on'; this.render(); }
    } catch (e) {
      if (attempt !== this.attempt) return;
      const denied = e?.name === 'NotAllowedError' || e?.name === 'NotFoundError';
      this.failed(denied ? t('v.mic_no_camera') : e?.message || String(e));
    }
  }

  failed(message) {
    this.state = 'failed';
    this.problem = message;
    this.stopMedia();
    this.render();
  }

  // `ended`: the server ended the link and stopped the stream itself: no DELETE for it.
  stopMedia({ ended = false } = {}) {
    if (this.stream) this.onAir(false);
    if (ended) this.session?.close();
    else this.session?.stop();
    this.session = null;
    for (const track of this.stream?.getTracks() || []) track.stop();
    this.stream = null;
    this.preview.srcObject = null;
  }

  reset({ ended = false } = {}) {
    this.attempt += 1;
    this.stopMedia({ ended });
    this.state = 'idle';
    this.position = 0;
  }

  render() {
    const viewer = this.me?.role === 'viewer';
    const badge = this.guests.length
      ? el('div', { class: 'mic-badge', 'data-testid': 'mic-badge' }, el('i', { class: 'bars' }, el('b'), el('b'), el('b')),
        t('v.mic_on_camera', { names: this.guests.map((g) => g.nick).join('、') }))
      : null;
    let body = null;
    if (this.state === 'idle' || this.state === 'asking') {
      body = viewer && this.live
        ? el('button', { type: 'button', class: 'mic-ask', 'data-testid': 'mic-ask', disabled: this.state === 'asking', onclick: () => this.ask() }, t('v.mic_ask'))
        : null;
    } else if (this.state === 'queued') {
      body = el('div', { class: 'mic-card', 'data-testid': 'mic-status', 'data-state': 'queued' },
        el('p', {}, t('v.mic_waiting', { n: this.position })),
        el('button', { type: 'button', class: 'mic-small', 'data-testid': 'mic-cancel', onclick: () => this.cancel() }, t('v.mic_cancel')));
    } else {
      const text = { joining: t('v.mic_joining'), on: t('v.mic_on'), failed: t('v.mic_failed', { message: this.problem }) }[this.state];
      body = el('div', { class: `mic-card ${this.state}`, 'data-testid': 'mic-status', 'data-state': this.state },
        this.state === 'failed' ? null : this.preview,
        el('p', { role: this.state === 'failed' ? 'alert' : null }, text),
        el('button', { type: 'button', class: 'mic-small', 'data-testid': 'mic-leave', onclick: () => this.leave() }, t('v.mic_leave')));
    }
    this.node.replaceChildren(...[badge, body].filter(Boolean));
    this.node.hidden = !badge && !body;
  }
}
