// The room's comments: history from `welcome`, chat/delete/slow_mode/join events from batches,
// the composer (refused messages come back to the input with a kind word), and who arrived.
// User text reaches the page only as text nodes.
import { el } from '../common/dom.js';
import { t } from '../common/i18n.js';

const MAX_MESSAGES = 200;    // nodes kept in the list
const MAX_CHARS = 200;       // the server's --chat-max-chars default
const ROLES = { host: 'v.host', operator: 'v.operator', admin: 'v.admin' };
const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const CHAT_ERRORS = new Set(['rate_limited', 'slow_mode', 'muted', 'banned_word', 'too_long', 'empty', 'invalid_text']);

export class Chat {
  constructor({ list, more, form, input, sendButton, arrivals, send, toast }) {
    Object.assign(this, { list, more, form, input, sendButton, arrivals, send, toast });
    this.messages = [];        // chat events shown, oldest first
    this.me = null;
    this.slow = 0;
    this.cooldownUntil = 0;
    this.cooldownTimer = null;
    this.sent = new Map();     // ref → text, to give a refused message back
    this.seq = 0;
    this.enabled = false;
    form.addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
    input.addEventListener('input', () => this.update());
    list.addEventListener('scroll', () => { if (this.nearBottom()) this.more.hidden = true; });
    more.addEventListener('click', () => this.scrollToBottom());
  }

  welcome(w) {
    this.me = w.you;
    this.slow = Number(w.slow_mode) || 0;
    this.messages = (w.history || []).slice(-MAX_MESSAGES);
    this.render();
    this.scrollToBottom();
  }

  setEnabled(on) {
    this.enabled = on;
    this.input.disabled = !on;
    this.update();
  }

  // Returns true when the batch event was about the chat.
  onEvent(e) {
    switch (e.type) {
      case 'chat': this.add(e); return true;
      case 'delete': {
        this.messages = this.messages.filter((m) => m.id !== e.id);
        this.list.querySelector(`[data-id="${Number(e.id)}"]`)?.remove();
        return true;
      }
      case 'slow_mode':
        this.slow = Number(e.seconds) || 0;
        this.toast(this.slow ? t('v.slow_on', { n: this.slow }) : t('v.slow_off'));
        this.update();
        return true;
      case 'join': this.arrived(e); return true;
      default: return false;
    }
  }

  add(e) {
    if (!e.user) return;
    const stick = this.nearBottom();
    this.messages.push(e);
    this.list.append(this.line(e));
    while (this.messages.length > MAX_MESSAGES) {
      const gone = this.messages.shift();
      this.list.querySelector(`[data-id="${Number(gone.id)}"]`)?.remove();
    }
    if (stick || (this.me && e.user.id === this.me.id)) this.scrollToBottom();
    else this.more.hidden = false;
  }

  render() {
    this.list.replaceChildren(
      el('li', { class: 'msg system' }, t('v.welcome_note')),
      ...this.messages.map((m) => this.line(m)),
    );
  }

  line(e) {
    const mine = this.me && e.user.id === this.me.id;
    const role = has(ROLES, e.user.role) ? e.user.role : '';
    return el('li', { class: `msg${mine ? ' mine' : ''}${role ? ' staff' : ''}`, dataset: { id: String(e.id) } },
      role ? el('span', { class: `role ${role}` }, t(ROLES[role])) : null,
      el('span', { class: 'who' }, e.user.nick),
      el('span', { class: 'text' }, e.text));
  }

  arrived(e) {
    const users = Array.isArray(e.users) ? e.users.filter((u) => !this.me || u.id !== this.me.id) : [];
    if (!users.length) return;
    const more = users.length - 1 + (Number(e.more) || 0);
    this.arrivals.textContent = more > 0
      ? t('v.joined_many', { nick: users[0].nick, n: more + 1, more })
      : t('v.joined', { nick: users[0].nick });
    this.arrivals.classList.remove('show');
    void this.arrivals.offsetWidth;
    this.arrivals.classList.add('show');
  }

  // A refused frame of ours; true when it was about chatting.
  onError(e) {
    if (!CHAT_ERRORS.has(e.code) && !(e.ref && this.sent.has(e.ref))) return false;
    let text = e.code === 'too_long' ? t('e.too_long', { n: MAX_CHARS })
      : CHAT_ERRORS.has(e.code) ? t(`e.${e.code}`) : t('e.generic');
    const wait = Number(e.retry_after_ms) || 0;
    if (e.code === 'muted' && wait > 0) {
      const s = Math.ceil(wait / 1000);
      text = t('e.muted_for', { time: s >= 120 ? t('e.minutes', { n: Math.ceil(s / 60) }) : t('e.seconds', { n: s }) });
    } else if (wait > 0 && (e.code === 'rate_limited' || e.code === 'slow_mode')) {
      text += t('e.retry_in', { n: Math.ceil(wait / 1000) });
      this.cooldown(wait);
    }
    const lost = e.ref && this.sent.get(e.ref);
    if (lost && this.input.value === '') { this.input.value = lost; this.update(); }
    this.toast(text, 'warn');
    return true;
  }

  submit() {
    const text = this.input.value.trim();
    if (this.sendButton.disabled || !text) return;
    const ref = `c${++this.seq}`;
    if (!this.send({ type: 'chat', text, ref })) return;
    this.sent.set(ref, text);
    if (this.sent.size > 20) this.sent.delete(this.sent.keys().next().value);
    this.input.value = '';
    if (this.slow > 0 && !this.isStaff()) this.cooldown(this.slow * 1000);
    this.update();
  }

  isStaff() { return !!this.me && has(ROLES, this.me.role); }

  cooldown(ms) {
    this.cooldownUntil = Math.max(this.cooldownUntil, Date.now() + ms);
    clearInterval(this.cooldownTimer);
    this.cooldownTimer = setInterval(() => {
      this.update();
      if (Date.now() >= this.cooldownUntil) clearInterval(this.cooldownTimer);
    }, 250);
    this.update();
  }

  update() {
    const n = [...this.input.value.trim()].length;
    const wait = Math.ceil((this.cooldownUntil - Date.now()) / 1000);
    this.sendButton.textContent = wait > 0 ? t('v.wait_s', { n: wait }) : t('v.send');
    this.sendButton.disabled = !this.enabled || n === 0 || n > MAX_CHARS || wait > 0;
    this.form.classList.toggle('typing', n > 0 || wait > 0);
    this.input.placeholder = this.slow > 0 && !this.isStaff() ? t('v.slow_hint', { n: this.slow }) : t('v.say');
  }

  nearBottom() { return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40; }

  scrollToBottom() {
    this.list.scrollTop = this.list.scrollHeight;
    this.more.hidden = true;
  }
}
