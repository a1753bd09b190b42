// Asks for a room's operator key (or the admin token) when none is kept or the one kept is
// refused, and says why kindly; resolves once a pasted key opens the room.
import { el } from '../common/dom.js';
import { langToggle, t } from '../common/i18n.js';
import { checkAccess } from './keys.js';

export class KeyPrompt {
  // reason: 'missing' | 'unauthorized' | 'forbidden'; onAccepted(key, snapshot).
  constructor(root, room, reason, onAccepted) {
    this.room = room;
    this.reason = reason;
    this.message = el('p', { class: 'key-reason', role: 'alert' });
    this.input = el('input', { type: 'password', class: 'key-input', autocomplete: 'off', 'aria-label': t('key.placeholder'), placeholder: t('key.placeholder'), 'data-i18n-placeholder': 'key.placeholder' });
    this.submit = el('button', { type: 'submit', class: 'primary', 'data-i18n': 'key.open' }, t('key.open'));
    const form = el('form', {
      class: 'key-form',
      onsubmit: async (e) => {
        e.preventDefault();
        const key = this.input.value.trim();
        if (!key) return;
        this.submit.disabled = true;
        this.submit.textContent = t('key.checking');
        const access = await checkAccess(room, key);
        this.submit.disabled = false;
        this.submit.textContent = t('key.open');
        if (access.ok) { onAccepted(key, access.snapshot); return; }
        this.reason = access.reason === 'not_found' ? 'not_found' : access.reason;
        this.render();
        this.input.select();
      },
    }, el('div', { class: 'key-row' }, this.input, this.submit));
    root.replaceChildren(el('div', { class: 'prompt-page' },
      el('div', { class: 'prompt-tools' }, langToggle()),
      el('div', { class: 'prompt panel', id: 'key-prompt' },
        el('div', { class: 'brand' }, el('span', { class: 'logo' }, 'Livecart'), el('span', { 'data-i18n': 'dash.title' }, t('dash.title'))),
        el('h1', { 'data-i18n': 'key.title' }, t('key.title')),
        this.message,
        form,
        el('a', { class: 'nav', href: '/dashboard', 'data-i18n': 'dash.rooms' }, t('dash.rooms')))));
    document.title = `${t('key.title')} · ${t('dash.title')}`;
    this.render();
    this.input.focus();
  }

  render() {
    const key = { missing: 'key.missing', unauthorized: 'key.unauthorized', forbidden: 'key.forbidden', network: 'key.network', not_found: 'key.not_found' }[this.reason] || 'key.missing';
    this.message.textContent = t(key, { room: this.room });
    this.message.className = `key-reason ${this.reason}`;
  }

  relabel() { this.render(); }
}
