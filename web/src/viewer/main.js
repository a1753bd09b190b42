// The viewer page, /r/{room}: the live picture, chat, likes, the pinned product and the shelf
// with one-click purchase, mic-link (连麦) with the host, over the room's WebSocket (docs/protocol.md).
import '../common/base.css';
import './style.css';
import './strings.js';
import { api, roomFromPath } from '../common/api.js';
import { $, el } from '../common/dom.js';
import { compact } from '../common/format.js';
import { applyI18n, currentLang, langToggle, onLangChange, t } from '../common/i18n.js';
import { LiveSocket, wsUrl } from '../common/socket.js';
import { store } from '../common/store.js';
import { Chat } from './chat.js';
import { observeServerTime } from './clock.js';
import { icon } from './icons.js';
import { Likes } from './likes.js';
import { MicLink } from './miclink.js';
import { Sheet } from './sheet.js';
import { Shop } from './shop.js';
import { ShopView } from './shopview.js';
import { Stage, showReplays } from './stage.js';

const room = roomFromPath();
const TOKEN_KEY = `livecart.viewer-token.${room}`;   // the viewer token from `welcome`
const NICK_KEY = 'livecart.nick';

const app = $('#app');
const toastBox = $('#toast');
let toastTimer = null;
function toast(text, kind = '') {
  toastBox.textContent = text;
  toastBox.className = `toast ${kind}`.trim();
  toastBox.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toastBox.hidden = true; }, 3200);
}

let socket = null;
let me = null;
let roomInfo = null;
let joins = 0;
let online = 0;
let likesTotal = 0;
let connState = 'connecting';
let phase = 'loading';

const send = (frame) => !!socket && socket.send(frame);
const stage = new Stage(room);
const sheet = new Sheet($('#sheet-root'));
const shop = new Shop();
const chat = new Chat({
  list: $('#messages'), more: $('#more'), form: $('#composer'), input: $('#text'), sendButton: $('#send'),
  arrivals: $('#arrivals'), send, toast,
});
const likes = new Likes({ button: $('#like'), burstRoot: $('#hearts'), send, onTotal: (n) => { likesTotal = n; renderHeader(); } });
const micLink = new MicLink({ room, root: $('#stage'), send, toast, onAir: (on) => stage.onAir(on) });
const shopView = new ShopView({ room, shop, sheet, send, toast, token: () => store.get(TOKEN_KEY) });

function setPhase(p) {
  phase = p;
  app.dataset.phase = p;
}

// ---------- header and connection ----------

function renderHeader() {
  const title = roomInfo?.title || room;
  $('#room-title').textContent = title;
  $('#avatar').textContent = [...title][0] || '';
  document.title = t('v.title', { title });
  $('#likes-total').textContent = t('v.likes', { n: compact(likesTotal, currentLang()) });
  const chip = $('#online');
  chip.replaceChildren(icon('people'), el('span', {}, compact(online, currentLang())));
  chip.title = t('v.online', { n: online });
  chip.hidden = !me;
  const nick = $('#nick-button');
  nick.replaceChildren(icon('edit'), el('span', {}, t('v.nick')));
  nick.title = me ? `${t('v.nick')}: ${me.nick}` : t('v.nick');
  nick.hidden = !me;
}

function renderConn() {
  const box = $('#conn');
  const show = phase === 'live' && connState !== 'open';
  box.hidden = !show;
  box.className = `conn ${connState}`;
  box.replaceChildren(el('span', { class: 'status-dot' }),
    t(connState === 'refused' ? 'v.refused' : joins ? 'common.offline' : 'common.connecting'));
}

// ---------- the room socket ----------

function socketUrl() {
  const q = new URLSearchParams();
  const nick = store.get(NICK_KEY);
  const token = store.get(TOKEN_KEY);
  if (nick) q.set('nick', nick);
  if (token) q.set('token', token);
  const query = q.toString();
  return wsUrl(`/ws/rooms/${encodeURIComponent(room)}${query ? `?${query}` : ''}`);
}

function connect() {
  const attempt = { welcomed: false, token: !!store.get(TOKEN_KEY), nick: !!store.get(NICK_KEY) };
  const s = new LiveSocket(() => {
    attempt.welcomed = false;
    attempt.token = !!store.get(TOKEN_KEY);
    attempt.nick = !!store.get(NICK_KEY);
    return socketUrl();
  }, {
    onMessage: (msg) => { if (socket === s) { if (msg.type === 'welcome') attempt.welcomed = true; onMessage(msg); } },
    onState: (state, detail) => { if (socket === s) onSocketState(state, detail, attempt); },
  });
  socket = s;
}

function reconnect() {
  const old = socket;
  socket = null;
  old?.close();
  connect();
}

async function onSocketState(state, detail, attempt) {
  if (state === 'ended') {
    if (detail?.code === 1008) { banned(); return; }
    ended();
    return;
  }
  if (state !== 'open') chat.setEnabled(false);
  connState = state === 'open' ? (attempt.welcomed ? 'open' : 'connecting') : state;
  renderConn();
  if (state === 'closed' && !attempt.welcomed) {
    // The browser reports a refused join only as a closed socket: ask the rooms list why.
    const s = socket;
    const why = await roomStatus();
    if (socket !== s) return;
    if (why === 'gone') { socket.close(); noRoom(); return; }
    if (why === 'closed') { ended(); return; }
    if (why === 'open') {
      if (attempt.token) store.del(TOKEN_KEY);      // expired, or from another server secret
      else if (attempt.nick) { store.del(NICK_KEY); toast(t('v.nick_bad'), 'warn'); }
      else { connState = 'refused'; renderConn(); }
    }
  }
}

const handlers = {
  welcome(w) {
    me = w.you;
    joins += 1;
    if (me.role === 'viewer' && w.token) store.set(TOKEN_KEY, w.token);
    if (w.room?.title) roomInfo = { ...(roomInfo || {}), title: w.room.title };
    if (typeof w.room?.live === 'boolean') { stage.setLive(w.room.live); micLink.setLive(w.room.live); }
    online = Number(w.online) || 0;
    likes.setTotal(w.likes);
    connState = 'open';
    chat.welcome(w);
    chat.setEnabled(true);
    shopView.joined(me, joins > 1);
    micLink.welcome(w);
    renderHeader();
    renderConn();
  },
  batch(b) {
    for (const e of Array.isArray(b.events) ? b.events : []) {
      if (!e || typeof e !== 'object') continue;
      if (e.type === 'chat') observeServerTime(e.ts);
      if (chat.onEvent(e)) continue;
      if (e.type === 'likes') likes.setTotal(e.total);
      else if (e.type === 'online') { online = Number(e.count) || 0; renderHeader(); }
      else shopView.onEvent(e);
    }
  },
  order_result(m) { shopView.onOrderResult(m); },
  coupon_result(m) { shopView.onCouponResult(m); },
  error(m) {
    if (m.code === 'banned') { banned(); return; }
    if (m.code === 'room_closed') { shopView.onError(m); ended(); return; }
    if (chat.onError(m)) return;
    if (micLink.onError(m)) return;
    if (shopView.onError(m)) return;
    // unknown_product / not_in_room answer an impression or click the room does not count.
    if (m.code === 'unknown_product' || m.code === 'not_in_room') return;
    if (m.code === 'rate_limited') { toast(t('e.rate_limited'), 'warn'); return; }
    toast(t('e.generic'), 'warn');
  },
  room_closed() { ended(); },
  stream(m) { if (typeof m.live === 'boolean') { stage.setLive(m.live); micLink.setLive(m.live); } },
};

function onMessage(msg) {
  if (msg && Object.prototype.hasOwnProperty.call(handlers, msg.type)) handlers[msg.type](msg);
  else if (msg && typeof msg.type === 'string' && msg.type.startsWith('mic_')) micLink.onMessage(msg);
}

// ---------- the room's phases ----------

// 'open', 'closed', 'gone' (no such room) or 'unknown' (could not ask). The list answers 200
// for any room, where GET /api/rooms/{id} would answer an unknown one with a 404.
async function roomStatus() {
  try {
    const rooms = (await api('/api/rooms')).rooms || [];
    roomInfo = rooms.find((r) => r.id === room) || null;
    if (!roomInfo) return 'gone';
    return roomInfo.status === 'closed' ? 'closed' : 'open';
  } catch {
    return 'unknown';
  }
}

function fullScreen(kind, titleKey, hintKey) {
  setPhase(kind);
  $('#ended').hidden = false;
  $('#ended-title').textContent = t(titleKey);
  $('#ended-hint').textContent = hintKey ? t(hintKey) : '';
}

function noRoom() {
  stage.stop();
  fullScreen('gone', 'v.no_room', 'v.no_room_hint');
  $('#ended-room').hidden = true;
  $('#ended-home').hidden = false;
  $('#replay').replaceChildren();
  document.title = t('v.no_room');
}

function ended() {
  if (phase === 'ended') return;
  socket?.close();
  micLink.reset();
  micLink.render();
  stage.stop();
  sheet.close();
  shopView.stop();
  fullScreen('ended', 'v.ended_title', 'v.ended_hint');
  const title = roomInfo?.title || room;
  $('#ended-room').hidden = false;
  $('#ended-room-title').textContent = title;
  $('#ended-avatar').textContent = [...title][0] || '';
  $('#ended-home').hidden = false;
  showReplays(room, $('#replay'));
  renderHeader();
}

function banned() {
  socket?.close();
  chat.setEnabled(false);
  connState = 'ended';
  toast(t('v.banned'), 'warn');
  $('#conn').hidden = false;
  $('#conn').textContent = t('v.banned');
}

function loadFailed() {
  fullScreen('failed', 'v.load_failed', '');
  $('#replay').replaceChildren(el('button', { type: 'button', class: 'primary', onclick: () => location.reload() }, t('v.retry')));
}

function live() {
  setPhase('live');
  renderHeader();
  renderConn();
  stage.start(typeof roomInfo?.live === 'boolean' ? roomInfo.live : undefined);
  shopView.start();
  connect();
}

async function boot() {
  applyI18n(document);
  $('#top-actions').append(langToggle());
  $('#bag').prepend(icon('bag'));
  $('#like').append(icon('heart'));
  $('#like').setAttribute('aria-label', t('v.like'));
  $('#nick-button').addEventListener('click', openNick);
  stage.render();
  if (!room) { noRoom(); return; }
  const status = await roomStatus();
  if (status === 'gone') noRoom();
  else if (status === 'closed') ended();
  else if (status === 'unknown') loadFailed();
  else live();
}

// ---------- nickname ----------

function openNick() {
  const input = el('input', {
    class: 'nick-input', maxlength: '20', value: store.get(NICK_KEY) || '', placeholder: me?.nick || t('v.nick_placeholder'),
    enterkeyhint: 'done',
  });
  const form = el('form', { class: 'nick-form', autocomplete: 'off' },
    el('h2', {}, t('v.nick_title')),
    el('p', { class: 'muted small' }, t('v.nick_hint')),
    input,
    el('button', { type: 'submit', class: 'primary wide' }, t('common.save')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const nick = input.value.trim();
    if (!nick || [...nick].length > 20) { toast(t('v.nick_bad'), 'warn'); return; }
    store.set(NICK_KEY, nick);
    sheet.close();
    if (nick !== me?.nick) reconnect();   // a new nick is a new join (the token keeps the user)
  });
  sheet.open('nick', () => form);
  input.focus();
}

onLangChange(() => {
  renderHeader();
  renderConn();
  stage.render();
  chat.render();
  chat.update();
  shopView.render();
  sheet.refresh();
  micLink.render();
  if (phase === 'ended') { fullScreen('ended', 'v.ended_title', 'v.ended_hint'); showReplays(room, $('#replay')); }
  if (phase === 'gone') noRoom();
  $('#like').setAttribute('aria-label', t('v.like'));
});
// Back online or back on the tab: the socket reconnects by itself; the picture may have stalled.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && phase === 'live') stage.player?.resume();
});
// Leaving the page ends its stream at once (a WebRTC session is DELETEd, not left to time out).
window.addEventListener('pagehide', (e) => { if (!e.persisted) { stage.player?.stop(); micLink.stopMedia(); } });

boot();
