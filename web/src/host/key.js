// The host key: read from the page (?token=, then kept in this browser), checked against the
// room (GET …/keys answers only the room's host or the admin), and asked for when missing or wrong.
import { api, tokenFromPage } from '../common/api.js';
import { el } from '../common/dom.js';
import { t } from '../common/i18n.js';
import { store } from '../common/store.js';

export const keyStorage = (room) => `livecart.host.${room}`;

export function keyFromPage(room) { return tokenFromPage(keyStorage(room), store); }
export function forgetKey(room) { store.del(keyStorage(room)); }
export function keepKey(room, key) { store.set(keyStorage(room), key); }

// Room keys carry their room and role in a signed payload; reading it (unverified) lets the
// page say "this key is for room X" without asking the server. The server still decides.
function claims(key) {
  const dot = key.indexOf('.');
  if (dot <= 0) return null;
  try {
    const b64 = key.slice(0, dot).replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes));
    return payload && typeof payload === 'object' ? payload : null;
  } catch {
    return null;  // not a room key: maybe the admin token
  }
}

// Resolves {keys} when the key may run this room, or {problem: text, fatal} when not.
export async function checkKey(room, key) {
  if (!key) return { problem: '' };
  const c = claims(key);
  if (c && typeof c.room === 'string' && c.room !== room) return { problem: t('key.otherRoom', { room: c.room }) };
  if (c && c.role === 'operator') return { problem: t('key.notHost') };
  try {
    const keys = await api(`/api/rooms/${encodeURIComponent(room)}/keys`, { token: key });
    return { keys };
  } catch (e) {
    if (e.status === 401) return { problem: t('key.invalid') };
    if (e.status === 403) return { problem: t('key.forbidden') };
    if (e.status === 404) return { problem: t('key.noRoom', { room }), fatal: true };
    return { problem: t('key.network', { message: e.message }), retry: true };
  }
}

// The full-page prompt; calls onKey(key) with what the host pasted.
export function keyPrompt(app, { room, problem, onKey, fatal = false }) {
  const keyInput = el('textarea', {
    name: 'key', rows: 3, spellcheck: 'false', autocomplete: 'off', class: 'key-input',
    placeholder: t('key.placeholder'), 'aria-label': t('key.label'),
  });
  const error = el('p', { class: 'form-error key-problem', role: 'alert', hidden: !problem }, problem || '');
  const submit = el('button', { type: 'submit', class: 'primary', disabled: fatal }, t('key.submit'));
  const form = el('form', { class: 'key-form' },
    el('label', { class: 'field' }, el('span', { class: 'field-label' }, t('key.label')), keyInput),
    error, el('div', { class: 'key-actions' }, el('a', { href: '/' }, t('key.home')), submit));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const key = keyInput.value.trim();
    if (!key) {
      error.textContent = t('key.empty');
      error.hidden = false;
      keyInput.focus();
      return;
    }
    submit.disabled = true;
    error.hidden = false;
    error.classList.add('pending');
    error.textContent = t('key.checking');
    onKey(key);
  });
  app.replaceChildren(el('section', { class: 'key-gate' },
    el('div', { class: 'key-card' },
      el('div', { class: 'key-logo' }, el('span', { class: 'logo-mark' }, '●'), t('host.brand')),
      el('h1', {}, t('key.heading')),
      room ? el('p', { class: 'key-room' }, `# ${room}`) : null,
      el('p', { class: 'muted' }, t('key.intro')),
      form)));
  if (!fatal) keyInput.focus();
}
