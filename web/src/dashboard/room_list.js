// /dashboard: the node's rooms for an operator with several, each opening its dashboard.
import { api } from '../common/api.js';
import { el } from '../common/dom.js';
import { clock, compact } from '../common/format.js';
import { currentLang, langToggle, t } from '../common/i18n.js';
import { store } from '../common/store.js';
import { GENERAL_KEY, hasRoomKey } from './keys.js';

function day(unixSeconds) {
  const d = new Date(unixSeconds * 1000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${clock(d.getTime()).slice(0, 5)}`;
}

export class RoomList {
  constructor(root) {
    this.rooms = null;
    this.error = '';
    this.list = el('ul', { class: 'room-cards', id: 'rooms' });
    this.keyInput = el('input', { type: 'password', class: 'key-input', autocomplete: 'off', 'data-i18n-placeholder': 'list.key_placeholder', placeholder: t('list.key_placeholder') });
    this.keyState = el('span', { class: 'key-state muted' });
    this.forget = el('button', { type: 'button', class: 'ghost', 'data-i18n': 'list.forget', onclick: () => { store.del(GENERAL_KEY); this.renderKey(); } }, t('list.forget'));
    const form = el('form', {
      class: 'key-form',
      onsubmit: (e) => {
        e.preventDefault();
        const key = this.keyInput.value.trim();
        if (key) store.set(GENERAL_KEY, key);
        this.keyInput.value = '';
        this.renderKey();
      },
    },
    el('label', { class: 'muted', 'data-i18n': 'list.general_key' }, t('list.general_key')),
    el('div', { class: 'key-row' }, this.keyInput, el('button', { type: 'submit', class: 'primary', 'data-i18n': 'common.save' }, t('common.save')), this.forget, this.keyState));
    root.replaceChildren(el('div', { class: 'list-page' },
      el('header', { class: 'dash-head' },
        el('div', { class: 'brand' }, el('span', { class: 'logo' }, 'Livecart'), el('span', { 'data-i18n': 'dash.title' }, t('dash.title'))),
        el('div', { class: 'head-tools' }, langToggle())),
      el('main', { class: 'list-main' },
        el('h1', { 'data-i18n': 'list.title' }, t('list.title')),
        el('p', { class: 'muted hint', 'data-i18n': 'list.hint' }, t('list.hint')),
        form,
        this.list)));
    document.title = `${t('list.title')} · ${t('dash.title')}`;
    this.renderKey();
    this.load();
  }

  async load() {
    try {
      this.rooms = (await api('/api/rooms')).rooms || [];
      this.error = '';
    } catch (e) {
      this.error = e.message;
    }
    this.render();
  }

  renderKey() {
    const saved = Boolean(store.get(GENERAL_KEY));
    this.keyState.textContent = saved ? t('list.saved') : '';
    this.forget.hidden = !saved;
  }

  relabel() {
    document.title = `${t('list.title')} · ${t('dash.title')}`;
    this.renderKey();
    this.render();
  }

  render() {
    if (this.error) {
      this.list.replaceChildren(el('li', { class: 'muted' }, t('common.error', { message: this.error })));
      return;
    }
    if (!this.rooms) return;
    if (!this.rooms.length) {
      this.list.replaceChildren(el('li', { class: 'muted empty-rooms' }, t('list.none')));
      return;
    }
    this.list.replaceChildren(...this.rooms.map((r) => {
      const href = `/dashboard/${encodeURIComponent(r.id)}`;
      const closed = r.status === 'closed';
      return el('li', { class: `room-card panel${closed ? ' closed' : ''}`, dataset: { room: r.id } },
        el('div', { class: 'rc-top' },
          el('a', { class: 'rc-title', href }, r.title || r.id),
          el('span', { class: `badge ${closed ? 'closed' : 'open'}` }, t(closed ? 'list.status_closed' : 'list.status_open'))),
        el('div', { class: 'rc-meta muted' },
          el('span', { class: 'chip' }, t('dash.room_id', { id: r.id })),
          closed ? null : el('span', {}, t('list.online', { n: compact(r.online, currentLang()) })),
          r.created_at ? el('span', {}, t('list.created', { time: day(r.created_at) })) : null,
          hasRoomKey(r.id) ? el('span', { class: 'key-saved' }, t('list.key_saved')) : null),
        el('a', { class: 'button primary rc-open', href }, t('list.open')));
    }));
  }
}
