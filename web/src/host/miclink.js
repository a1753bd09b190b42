// The mic-link (连麦) card: viewers asking to join the host on camera, in the order they asked,
// with accept and decline; the guests on camera with "end"; and the room's limit. It follows
// the room connection's `mic_queue` (staff only) and `mic_guests` messages (docs/protocol.md).
import { el } from '../common/dom.js';
import { t } from '../common/i18n.js';

// Error codes of the mic-link messages this card sends; the chat panel takes every other one.
const CODES = new Set(['mic_full', 'not_queued', 'not_guest', 'already_guest']);

export class MicLinkCard {
  constructor(ctx) {
    this.ctx = ctx;
    this.maxGuests = 1;
    this.queue = [];   // [{id, nick}] in order
    this.guests = [];  // [{slot, id, nick}]
    this.problem = '';
    this.node = el('section', { class: 'card miclink', 'data-testid': 'miclink', 'aria-labelledby': 'mic-h' });
    this.render();
  }

  welcome(msg) {
    const m = msg.mic_link;
    if (!m) return;
    this.maxGuests = Number(m.max_guests) || 1;
    this.guests = Array.isArray(m.guests) ? m.guests : [];
    this.queue = Array.isArray(m.queue) ? m.queue : [];
    this.problem = '';
    this.render();
  }

  onQueue(msg) {
    this.maxGuests = Number(msg.max_guests) || this.maxGuests;
    this.queue = Array.isArray(msg.queue) ? msg.queue : [];
    this.guests = Array.isArray(msg.guests) ? msg.guests : [];
    this.render();
  }

  onGuests(msg) {
    this.guests = Array.isArray(msg.guests) ? msg.guests : [];
    if (msg.ended?.reason === 'media_ended') this.problem = t('mic.mediaEnded', { nick: msg.ended.nick });
    this.render();
  }

  // True when `msg` answers one of this card's actions.
  error(msg) {
    if (!CODES.has(msg.code)) return false;
    this.problem = msg.code === 'mic_full' ? t('mic.full', { n: this.maxGuests }) : msg.message || msg.code;
    this.render();
    return true;
  }

  act(message) {
    this.problem = '';
    if (!this.ctx.send(message)) this.problem = t('mic.offline');
    this.render();
  }

  render() {
    const full = this.guests.length >= this.maxGuests;
    const guests = this.guests.length
      ? this.guests.map((g) => el('li', { class: 'mic-row guest', 'data-user': g.id },
        el('span', { class: 'mic-slot' }, t('mic.slot', { n: g.slot })),
        el('span', { class: 'mic-nick' }, g.nick),
        el('span', { class: 'live-pill on' }, t('mic.onCamera')),
        el('button', { type: 'button', class: 'small danger', 'data-testid': 'mic-end', onclick: () => this.act({ type: 'mic_end', slot: g.slot }) }, t('mic.end'))))
      : [el('li', { class: 'empty' }, t('mic.noGuests'))];
    const queue = this.queue.length
      ? this.queue.map((q, i) => el('li', { class: 'mic-row', 'data-user': q.id },
        el('span', { class: 'mic-pos' }, String(i + 1)),
        el('span', { class: 'mic-nick' }, q.nick),
        el('button', {
          type: 'button', class: 'small primary', 'data-testid': 'mic-accept', disabled: full,
          title: full ? t('mic.full', { n: this.maxGuests }) : null, onclick: () => this.act({ type: 'mic_accept', user: q.id }),
        }, t('mic.accept')),
        el('button', { type: 'button', class: 'small', 'data-testid': 'mic-decline', onclick: () => this.act({ type: 'mic_decline', user: q.id }) }, t('mic.decline'))))
      : [el('li', { class: 'empty' }, t('mic.noRequests'))];
    this.node.replaceChildren(...[
      el('header', { class: 'card-head' }, el('h2', { id: 'mic-h' }, t('mic.heading')),
        el('span', { class: 'muted small mic-limit', 'data-testid': 'mic-limit' }, t('mic.limit', { n: this.guests.length, max: this.maxGuests })),
        el('span', { class: 'count-badge', hidden: !this.queue.length }, String(this.queue.length))),
      el('h3', { class: 'mic-sub' }, t('mic.guests')),
      el('ul', { class: 'mic-list', 'data-testid': 'mic-guests' }, guests),
      el('h3', { class: 'mic-sub' }, t('mic.queue')),
      el('ol', { class: 'mic-list', 'data-testid': 'mic-queue' }, queue),
      this.problem ? el('p', { class: 'danger-text small mic-problem', role: 'alert' }, this.problem) : null,
    ].filter(Boolean));
  }
}
