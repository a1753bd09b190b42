// Chat with moderation, on the host's room connection: every message with delete, mute (for a
// chosen time) and ban for its author, slow mode, the room's banned words, the host's own
// messages, and every refusal told in words. User text reaches the page only as text.
import { el } from '../common/dom.js';
import { clock } from '../common/format.js';
import { t } from '../common/i18n.js';
import { BannedWordsEditor } from './banned_words.js';
import { confirmDialog, openDialog, toast } from './ui.js';

const MAX_MESSAGES = 200;       // kept on screen
const MAX_CHARS = 200;          // --chat-max-chars default
const SLOW_CHOICES = [0, 3, 5, 10, 30, 60, 300];
const MUTE_CHOICES = [['chat.mute.5m', 300], ['chat.mute.10m', 600], ['chat.mute.1h', 3600], ['chat.mute.24h', 86400], ['chat.mute.forever', 0]];
const STAFF = ['host', 'operator', 'admin'];

export class ChatPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.me = null;
    this.items = [];            // {kind:'chat', e} | {kind:'notice', text, ts}
    this.slow = 0;
    this.muted = new Map();     // user id → {nick, until} (muted from this console)
    this.pending = new Map();   // user id → {nick, seconds} awaiting the server's ack
    this.sent = new Map();      // ref → text, to give a refused message back
    this.refSeq = 0;
    this.list = el('ol', { class: 'chat-list', 'data-testid': 'chat-list', 'aria-live': 'polite' });
    this.list.addEventListener('scroll', () => { if (this.nearBottom()) this.more.hidden = true; });
    this.more = el('button', { type: 'button', class: 'chat-more', hidden: true, onclick: () => this.scrollToEnd() });
    this.text = el('input', { type: 'text', name: 'chat', maxlength: String(MAX_CHARS * 2), autocomplete: 'off', 'data-testid': 'chat-input' });
    this.composer = el('form', { class: 'composer' }, this.text, el('button', { type: 'submit', class: 'primary' }));
    this.composer.addEventListener('submit', (ev) => { ev.preventDefault(); this.say(); });
    this.slowSelect = el('select', { name: 'slow', 'data-testid': 'slow-mode', onchange: () => this.setSlow(Number(this.slowSelect.value)) });
    this.mutedBox = el('details', { class: 'muted-box', hidden: true });
    this.banned = new BannedWordsEditor(ctx);
    this.node = el('section', { class: 'card chat', 'aria-labelledby': 'chat-h' });
    this.render();
  }

  render() {
    this.text.placeholder = t('chat.placeholder');
    this.composer.querySelector('button').textContent = t('chat.send');
    this.more.textContent = t('chat.more');
    this.renderSlow();
    this.renderMuted();
    this.banned.render();
    this.node.replaceChildren(
      el('header', { class: 'card-head' }, el('h2', { id: 'chat-h' }, t('chat.heading')),
        el('label', { class: 'slow-label' }, el('span', {}, t('chat.slow')), this.slowSelect)),
      el('p', { class: 'chat-hint' }, t('chat.hint')),
      this.banned.node,
      this.mutedBox,
      el('div', { class: 'chat-body' }, this.list, this.more),
      this.composer);
    this.renderList();
  }

  renderSlow() {
    const choices = SLOW_CHOICES.includes(this.slow) ? SLOW_CHOICES : [...SLOW_CHOICES, this.slow].sort((a, b) => a - b);
    this.slowSelect.replaceChildren(...choices.map((s) => el('option', { value: String(s), selected: s === this.slow },
      s === 0 ? t('chat.slow.off') : t('chat.slow.s', { n: s }))));
    this.slowSelect.value = String(this.slow);
    this.slowSelect.classList.toggle('on', this.slow > 0);
  }

  renderMuted() {
    const now = Date.now();
    for (const [id, m] of this.muted) if (m.until && m.until < now) this.muted.delete(id);
    this.mutedBox.hidden = this.muted.size === 0;
    const rows = [...this.muted].map(([id, m]) => el('li', {},
      el('span', { class: 'nick' }, m.nick),
      el('small', { class: 'muted' }, m.until ? t('chat.until', { time: clock(m.until) }) : t('chat.mutedForever')),
      el('button', { type: 'button', class: 'ghost small', onclick: () => this.moderate({ type: 'unmute', user: id }) }, t('chat.unmute'))));
    this.mutedBox.replaceChildren(el('summary', {}, t('chat.mutedList', { n: this.muted.size })), el('ul', {}, ...rows));
  }

  renderList() {
    if (!this.items.length) {
      this.list.replaceChildren(el('li', { class: 'empty' }, t('chat.none')));
      return;
    }
    this.list.replaceChildren(...this.items.map((it) => this.itemNode(it)));
    this.scrollToEnd();
  }

  itemNode(it) {
    if (it.kind === 'notice') return el('li', { class: 'notice' }, el('span', { class: 'notice-tag' }, t('chat.order')), it.text);
    const e = it.e;
    const role = STAFF.includes(e.user?.role) ? e.user.role : '';
    const isViewer = !role && e.user?.id !== this.me?.id;
    const mutedNow = this.muted.has(e.user?.id);
    return el('li', { class: `msg${role ? ` staff ${role}` : ''}`, dataset: { id: String(e.id), user: String(e.user?.id ?? '') } },
      el('span', { class: 'time' }, e.ts ? clock(e.ts) : ''),
      role ? el('span', { class: `role ${role}` }, t(`chat.role.${role}`)) : null,
      el('span', { class: 'nick' }, e.user?.nick ?? ''),
      mutedNow ? el('span', { class: 'tag-muted' }, t('chat.muted')) : null,
      el('span', { class: 'text' }, e.text),
      isViewer ? el('span', { class: 'actions' },
        el('button', { type: 'button', class: 'act', 'data-act': 'delete', onclick: () => this.moderate({ type: 'delete', id: e.id }) }, t('chat.delete')),
        el('button', { type: 'button', class: 'act', 'data-act': 'mute', onclick: () => this.askMute(e.user) }, t('chat.mute')),
        el('button', { type: 'button', class: 'act danger-text', 'data-act': 'ban', onclick: () => this.askBan(e.user) }, t('chat.ban'))) : null);
  }

  nearBottom() { return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40; }

  scrollToEnd() { this.list.scrollTop = this.list.scrollHeight; this.more.hidden = true; }

  // Appends nodes for new items, keeps at most MAX_MESSAGES, and stays at the bottom only if
  // the host was there (reading older messages is not interrupted).
  append(items) {
    if (!items.length) return;
    const stick = this.nearBottom();
    if (!this.items.length) this.list.replaceChildren();
    for (const it of items) {
      this.items.push(it);
      this.list.append(this.itemNode(it));
    }
    while (this.items.length > MAX_MESSAGES) {
      this.items.shift();
      this.list.firstElementChild?.remove();
    }
    if (stick) this.scrollToEnd();
    else this.more.hidden = false;
  }

  // ---- events from the room connection ----
  welcome(w) {
    this.me = w.you;
    this.slow = Number(w.slow_mode) || 0;
    this.items = (w.history || []).map((e) => ({ kind: 'chat', e }));
    this.render();
  }

  events(list) {
    const add = [];
    for (const e of list) {
      if (e.type === 'chat' && e.user) add.push({ kind: 'chat', e });
      else if (e.type === 'purchase_notice' && e.text) add.push({ kind: 'notice', text: e.text });
      else if (e.type === 'delete') {
        this.append(add.splice(0));
        this.remove(Number(e.id));
      } else if (e.type === 'slow_mode') {
        this.slow = Number(e.seconds) || 0;
        this.renderSlow();
      }
    }
    this.append(add);
  }

  remove(id) {
    const i = this.items.findIndex((it) => it.kind === 'chat' && it.e.id === id);
    if (i >= 0) this.items.splice(i, 1);
    this.list.querySelector(`.msg[data-id="${id}"]`)?.remove();
    if (!this.items.length) this.renderList();
  }

  ack(a) {
    if (a.action === 'mute' && a.user) {
      const p = this.pending.get(a.user);
      this.pending.delete(a.user);
      const seconds = p ? p.seconds : 0;
      this.muted.set(a.user, { nick: p?.nick || a.user, until: seconds ? Date.now() + seconds * 1000 : 0 });
      this.renderMuted();
      this.renderList();
    } else if (a.action === 'unmute' && a.user) {
      this.muted.delete(a.user);
      this.renderMuted();
      this.renderList();
    } else if (a.action === 'slow_mode') {
      const n = Number(a.seconds) || 0;
      toast(n ? t('chat.slowOn', { n }) : t('chat.slowOff'));
      return;
    }
    const key = `chat.ack.${a.action}`;
    if (t(key) !== key) toast(t(key));
  }

  error(e) {
    const key = `err.${e.code}`;
    const text = t(key, { message: e.message || '' }) !== key ? t(key, { message: e.message || '' }) : (e.message || e.code);
    const lost = e.ref && this.sent.get(e.ref);
    if (lost && this.text.value === '') this.text.value = lost;
    toast(text, 'error');
  }

  // ---- host actions ----
  moderate(msg) {
    if (!this.ctx.send(msg)) {
      toast(t('chat.notConnected'), 'error');
      return false;
    }
    return true;
  }

  askMute(user) {
    const buttons = MUTE_CHOICES.map(([label, seconds]) => el('button', {
      type: 'button', class: 'choice', 'data-seconds': String(seconds),
      onclick: () => {
        close();
        this.pending.set(user.id, { nick: user.nick, seconds });
        this.moderate(seconds ? { type: 'mute', user: user.id, seconds } : { type: 'mute', user: user.id });
      },
    }, t(label)));
    const { close } = openDialog(t('chat.muteFor', { nick: user.nick }), el('div', { class: 'dialog-body choices' }, ...buttons));
  }

  async askBan(user) {
    if (await confirmDialog(t('chat.banConfirm', { nick: user.nick }), { okText: t('chat.ban'), danger: true })) {
      this.moderate({ type: 'ban', user: user.id });
    }
  }

  setSlow(seconds) {
    if (!this.moderate({ type: 'slow_mode', seconds })) this.renderSlow();
  }

  say() {
    const text = this.text.value.trim();
    if (!text) return;
    const ref = `h${++this.refSeq}`;
    if (!this.moderate({ type: 'chat', text, ref })) return;
    this.sent.set(ref, text);
    if (this.sent.size > 20) this.sent.delete(this.sent.keys().next().value);
    this.text.value = '';
  }
}
