// Which key opens which dashboard: a room's own key (kept per room), else the one given on
// the room list (the admin token, which opens them all).
import { api, ApiError } from '../common/api.js';
import { store } from '../common/store.js';

export const GENERAL_KEY = 'livecart.dashboard.key';
export const roomKeyName = (room) => `livecart.dashboard.key.${room}`;

export function savedKey(room) {
  return store.get(roomKeyName(room)) || store.get(GENERAL_KEY) || '';
}

export function saveRoomKey(room, key) { store.set(roomKeyName(room), key); }

// A refused key is forgotten for this room; a general key stays (it may open other rooms).
export function forgetRoomKey(room) { store.del(roomKeyName(room)); }

export function hasRoomKey(room) { return Boolean(store.get(roomKeyName(room))); }

// GET …/stats tells a bad key (401/403), an unknown room (404) and an unreachable server
// apart, which a refused WebSocket cannot (it just closes).
// → {ok: true, snapshot} | {ok: false, reason: 'unauthorized'|'forbidden'|'not_found'|'network'}
export async function checkAccess(room, key) {
  try {
    const snapshot = await api(`/api/rooms/${encodeURIComponent(room)}/stats`, { token: key });
    return { ok: true, snapshot };
  } catch (e) {
    const status = e instanceof ApiError ? e.status : 0;
    if (status === 401) return { ok: false, reason: 'unauthorized' };
    if (status === 403) return { ok: false, reason: 'forbidden' };
    if (status === 404) return { ok: false, reason: 'not_found' };
    return { ok: false, reason: 'network' };
  }
}
