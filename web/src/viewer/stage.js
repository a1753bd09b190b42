// The video area: the live player, what covers it while there is no picture (loading, the host
// away with the room's last snapshot, an unsupported browser), the LIVE badge, tap to unmute,
// tap to play; and the replays of an ended room.
import { api } from '../common/api.js';
import { $, el } from '../common/dom.js';
import { duration } from '../common/format.js';
import { currentLang, t } from '../common/i18n.js';
import { icon } from './icons.js';
import { LivePlayer } from './player.js';

const LATENCY_KEY = 'livecart.player';

export class Stage {
  constructor(room) {
    this.room = room;
    this.video = $('#video');
    this.stage = $('#stage');
    this.cover = $('#cover');
    this.snapshot = $('#snapshot');
    this.unmute = $('#unmute');
    this.tapPlay = $('#tap-play');
    this.live = $('#live-badge');
    this.state = 'loading';
    this.snapshotTried = false;
    this.snapshot.addEventListener('error', () => { this.snapshot.hidden = true; });
    this.snapshot.addEventListener('load', () => { this.snapshot.hidden = false; });
    this.unmute.addEventListener('click', () => {
      this.video.muted = !this.video.muted;
      if (!this.video.muted) this.player?.play();
      this.render();
    });
    this.tapPlay.addEventListener('click', () => { this.video.muted = true; this.player?.play(); });
    // The low-latency mode (WebRTC), remembered on this device; ?player= chooses for one visit.
    this.latency = $('#latency');
    this.latency.hidden = !('RTCPeerConnection' in window);
    this.latency.addEventListener('click', () => {
      const engine = this.player?.wanted === 'whep' ? 'auto' : 'whep';
      try { localStorage.setItem(LATENCY_KEY, engine); } catch { /* private mode */ }
      this.player?.setEngine(engine);
      this.render();
    });
    const shape = () => this.stage.classList.toggle('portrait', this.video.videoHeight > this.video.videoWidth);
    this.video.addEventListener('loadedmetadata', shape);
    this.video.addEventListener('resize', shape);
    this.video.addEventListener('volumechange', () => this.render());
    this.player = null;
  }

  // `live`: the room's stream as the server said (undefined when it does not say).
  start(live) {
    let saved = null;
    try { saved = localStorage.getItem(LATENCY_KEY); } catch { /* private mode */ }
    const engine = new URLSearchParams(location.search).get('player') || saved || 'auto';
    this.player = new LivePlayer(this.video, this.room, { engine, live, onState: (s) => this.onState(s) });
    this.player.start();
  }

  setLive(live) { this.player?.setLive(live); }

  // On camera (mic-link): the program over WebRTC, whatever the viewer chose, for a conversation
  // without seconds of delay; off camera, back to the viewer's choice. Not remembered.
  onAir(on) {
    if (!this.player) return;
    if (on && this.offAirEngine === undefined) {
      this.offAirEngine = this.player.wanted;
      this.player.setEngine('whep');
    } else if (!on && this.offAirEngine !== undefined) {
      this.player.setEngine(this.offAirEngine);
      this.offAirEngine = undefined;
    }
    this.render();
  }

  stop() {
    this.player?.stop();
    this.player = null;
  }

  onState(s) {
    this.state = s;
    if (s === 'offline' && !this.snapshotTried) {
      // The picture the room last showed (it stays after a broadcast), when the server has one:
      // asked first, so a room that never showed one costs no failed request.
      this.snapshotTried = true;
      this.showSnapshot();
    }
    if (s === 'playing') this.snapshotTried = false;
    this.render();
  }

  async showSnapshot() {
    const room = encodeURIComponent(this.room);
    try {
      const res = await fetch(`/api/rooms/${room}`);
      if (!res.ok || !(await res.json()).snapshot || this.state !== 'offline') return;
    } catch {
      return;
    }
    this.snapshot.src = `/live/${room}/snapshot.jpg?t=${Date.now()}`;
  }

  render() {
    const s = this.state;
    const playing = s === 'playing';
    this.stage.dataset.state = s;
    if (this.player?.engine) this.stage.dataset.engine = this.player.engine;
    this.cover.hidden = playing || s === 'blocked' || s === 'stopped';
    this.live.hidden = !playing;
    const texts = {
      loading: ['v.loading_video', ''],
      offline: ['v.offline_title', 'v.offline_hint'],
      unsupported: ['v.unsupported', ''],
    }[s] || ['v.loading_video', ''];
    $('#cover-title').textContent = t(texts[0]);
    $('#cover-hint').textContent = texts[1] ? t(texts[1]) : '';
    this.cover.classList.toggle('busy', s === 'loading');
    this.tapPlay.hidden = s !== 'blocked';
    this.tapPlay.replaceChildren(icon('play'), el('span', {}, t('v.tap_play')));
    this.unmute.hidden = !playing;
    this.unmute.classList.toggle('on', !this.video.muted);
    if (this.video.muted) this.unmute.replaceChildren(icon('muted'), el('span', {}, t('v.unmute')));
    else this.unmute.replaceChildren(icon('sound'));
    this.unmute.setAttribute('aria-label', this.video.muted ? t('v.unmute') : t('v.mute'));
    const fast = this.player?.wanted === 'whep';
    this.latency.classList.toggle('on', fast);
    this.latency.setAttribute('aria-pressed', String(fast));
    this.latency.textContent = t(fast ? 'v.low_latency_on' : 'v.low_latency');
    this.latency.title = t('v.low_latency_hint');
  }
}

// The replays of an ended room (newest first), played in a <video> with controls.
export async function showReplays(room, box) {
  box.replaceChildren(el('p', { class: 'muted' }, t('v.replay_loading')));
  let list = [];
  try {
    list = (await api(`/api/rooms/${encodeURIComponent(room)}/recordings`)).recordings || [];
  } catch {
    list = [];
  }
  if (!list.length) {
    box.replaceChildren(el('p', { class: 'no-replay' }, icon('replay'), t('v.no_replay')));
    return;
  }
  list = [...list].reverse();
  const player = el('video', { class: 'replay-video', controls: true, playsinline: true, preload: 'metadata', src: list[0].url });
  const items = list.map((r, i) => el('li', {},
    el('button', {
      type: 'button', class: i === 0 ? 'on' : '',
      onclick: (ev) => {
        player.src = r.url;
        player.play().catch(() => {});
        for (const b of box.querySelectorAll('.replay-list button')) b.classList.toggle('on', b === ev.currentTarget);
      },
    }, icon('play'), t('v.replay_item', {
      date: new Date(r.started_at_ms).toLocaleString(currentLang(), { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }),
      length: duration(r.finished_at_ms - r.started_at_ms),
    }))));
  box.replaceChildren(el('h2', {}, t('v.replays')), player, el('ul', { class: 'replay-list' }, items));
}
