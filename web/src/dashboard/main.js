// The operator dashboard: /dashboard/{room}?token=OPERATOR_KEY shows the room live from its
// dashboard WebSocket; /dashboard lists the rooms. A key is checked with GET …/stats before
// the socket opens (a refused WebSocket only closes: the answer tells a bad key from a
// server that cannot be reached).
import '../common/base.css';
import './style.css';
import './strings.js';
import { api, roomFromPath, tokenFromPage } from '../common/api.js';
import { $, el } from '../common/dom.js';
import { applyI18n, langToggle, onLangChange, t } from '../common/i18n.js';
import { LiveSocket, wsUrl } from '../common/socket.js';
import { store } from '../common/store.js';
import { Board, STALE_AFTER_MS } from './board.js';
import { KeyPrompt } from './key_prompt.js';
import { checkAccess, forgetRoomKey, GENERAL_KEY, roomKeyName, saveRoomKey } from './keys.js';
import { RoomList } from './room_list.js';

const VERIFY_EVERY_MS = 5000;
// The dashboard stream goes on after the room closes (snapshots carry no status): the room's
// status is looked at now and then.
const ROOM_STATUS_EVERY_MS = 10_000;
const app = $('#app');
const room = roomFromPath();
let view = null;

onLangChange(() => view?.relabel());
applyI18n(document);

if (room) openRoom();
else {
  tokenFromPage(GENERAL_KEY, store);
  view = new RoomList(app);
}

async function openRoom() {
  const enc = encodeURIComponent(room);
  const given = tokenFromPage(roomKeyName(room), store);
  const info = api(`/api/rooms/${enc}`).catch(() => null);
  // The room's own key first, then the one kept from the room list (the admin token).
  const candidates = [...new Set([given, store.get(roomKeyName(room)), store.get(GENERAL_KEY)].filter(Boolean))];
  let refusal = 'missing';
  for (const key of candidates) {
    const access = await checkAccess(room, key);
    if (access.ok) { start(key, access.snapshot, await info); return; }
    if (access.reason === 'not_found') { notFound(); return; }
    if (access.reason === 'network') { start(key, null, await info); return; }
    refusal = access.reason;
    if (store.get(roomKeyName(room)) === key) forgetRoomKey(room);
  }
  askForKey(refusal, info);
}

function askForKey(reason, info) {
  view = new KeyPrompt(app, room, reason, async (key, snapshot) => {
    saveRoomKey(room, key);
    start(key, snapshot, await info);
  });
}

function notFound() {
  const message = el('p', {}, t('key.not_found', { room }));
  view = { relabel: () => { message.textContent = t('key.not_found', { room }); } };
  app.replaceChildren(el('div', { class: 'prompt-page' },
    el('div', { class: 'prompt-tools' }, langToggle()),
    el('div', { class: 'prompt panel', id: 'not-found' },
      el('div', { class: 'brand' }, el('span', { class: 'logo' }, 'Livecart'), el('span', { 'data-i18n': 'dash.title' }, t('dash.title'))),
      message,
      el('a', { class: 'nav', href: '/dashboard', 'data-i18n': 'dash.rooms' }, t('dash.rooms')))));
}

function start(key, snapshot, info) {
  const enc = encodeURIComponent(room);
  const board = new Board(app, room);
  view = board;
  board.setRoomInfo(info);
  if (snapshot) board.update(snapshot);
  if (info?.status === 'closed') { board.setEnded(info); return; }

  let leaving = false;
  let openedSinceConnect = false;
  let lastVerify = 0;
  let statusTimer = 0;
  const stop = () => { leaving = true; clearInterval(statusTimer); socket.close(); };
  const leave = () => { stop(); board.destroy(); };
  let closedRoom = null;
  const end = () => { stop(); board.setEnded(closedRoom); };
  const roomClosed = async () => {
    const now = await api(`/api/rooms/${enc}`).catch(() => null);
    if (now?.status === 'closed') closedRoom = now;
    return !leaving && now?.status === 'closed';
  };

  // The socket closed before opening: a refused key, a closed room, or no server?
  const verify = async () => {
    if (Date.now() - lastVerify < VERIFY_EVERY_MS) return;
    lastVerify = Date.now();
    const access = await checkAccess(room, key);
    if (leaving) return;
    if (!access.ok && (access.reason === 'unauthorized' || access.reason === 'forbidden')) {
      leave();
      if (store.get(roomKeyName(room)) === key) forgetRoomKey(room);
      askForKey(access.reason, Promise.resolve(info));
    } else if (!access.ok && access.reason === 'not_found') {
      leave();
      notFound();
    } else if (access.ok && await roomClosed()) {
      end();
    }
  };

  const socket = new LiveSocket(() => wsUrl(`/ws/rooms/${enc}/dashboard?token=${encodeURIComponent(key)}`), {
    staleAfterMs: STALE_AFTER_MS,
    // A socket cut as the room closes (before its room_closed came through) is not reopened.
    mayReconnect: async () => !(await roomClosed()),
    onMessage: (msg) => {
      if (leaving) return;
      if (msg.type === 'snapshot') board.update(msg);
      else if (msg.type === 'room_closed') end();
      else if (msg.type === 'suggestion' && msg.suggestion) board.addSuggestion(msg.suggestion);
    },
    onState: (state) => {
      if (leaving) return;
      if (state === 'connecting') openedSinceConnect = false;
      if (state === 'open') openedSinceConnect = true;
      if (state === 'ended') { end(); return; }
      board.setSocketState(state);
      if (state === 'closed' && !openedSinceConnect) verify();
    },
  });

  statusTimer = setInterval(async () => {
    if (socket.state === 'open' && await roomClosed()) end();
  }, ROOM_STATUS_EVERY_MS);

  board.onChangeKey(() => {
    leave();
    forgetRoomKey(room);
    askForKey('missing', Promise.resolve(info));
  });
}
