// Live suggestions: the active ones from GET …/stats at start, then each {"type":"suggestion"}
// the room connection brings. Newest first, coloured by severity, the evidence on demand.
import { el } from '../common/dom.js';
import { percent, yuan, clock } from '../common/format.js';
import { t } from '../common/i18n.js';

const MAX_SHOWN = 50;
const SEVERITIES = ['info', 'warning', 'critical'];

export class SuggestionFeed {
  constructor(ctx) {
    this.ctx = ctx;
    this.items = new Map();  // id → suggestion
    this.open = new Set();   // ids whose evidence is shown
    this.dismissed = new Set();
    this.list = el('ol', { class: 'sug-list', 'data-testid': 'suggestions' });
    this.count = el('span', { class: 'count-badge' });
    this.node = el('section', { class: 'card suggestions', 'aria-labelledby': 'sug-h' });
    this.render();
    // Expiry is a time, not an event: look again every few seconds.
    setInterval(() => { if ([...this.items.values()].some((s) => this.expired(s) && !s.shownExpired)) this.renderList(); }, 5000);
  }

  load(list) { for (const s of list || []) this.add(s, false); this.renderList(); }

  add(s, render = true) {
    if (!s || s.id === undefined) return;
    const old = this.items.get(s.id);
    this.items.set(s.id, { ...old, ...s, fresh: !old && render });
    if (this.items.size > MAX_SHOWN) {
      const oldest = [...this.items.values()].sort((a, b) => order(a) - order(b))[0];
      this.items.delete(oldest.id);
    }
    if (render) this.renderList();
  }

  expired(s) { return s.expires_ms && s.expires_ms < Date.now(); }

  render() {
    this.node.replaceChildren(
      el('header', { class: 'card-head' }, el('h2', { id: 'sug-h' }, t('sug.heading')), this.count),
      this.list);
    this.renderList();
  }

  renderList() {
    const shown = [...this.items.values()].filter((s) => !this.dismissed.has(s.id)).sort((a, b) => order(b) - order(a));
    const active = shown.filter((s) => !this.expired(s)).length;
    this.count.textContent = String(active);
    this.count.hidden = active === 0;
    if (!shown.length) {
      this.list.replaceChildren(el('li', { class: 'empty' }, t('sug.none')));
      return;
    }
    this.list.replaceChildren(...shown.map((s) => this.item(s)));
  }

  item(s) {
    const severity = SEVERITIES.includes(s.severity) ? s.severity : 'info';
    const expired = this.expired(s);
    s.shownExpired = expired;
    const isOpen = this.open.has(s.id);
    const product = s.sku ? this.ctx.productTitle(s.sku) : '';
    const meta = [
      el('span', { class: `sev-chip ${severity}` }, t(`sug.${severity}`)),
      product ? el('span', { class: 'sug-sku' }, product) : null,
      s.source && s.source !== 'livecart' ? el('span', { class: 'sug-source' }, t('sug.from', { source: s.source })) : null,
      el('span', { class: 'muted' }, clock(s.updated_ms || s.created_ms)),
      expired ? el('span', { class: 'muted' }, t('sug.expired')) : null,
    ];
    const hasEvidence = s.evidence && typeof s.evidence === 'object' && Object.keys(s.evidence).length > 0;
    const toggle = hasEvidence ? el('button', {
      type: 'button', class: 'link-btn', 'aria-expanded': String(isOpen), 'data-testid': 'sug-evidence-toggle',
      onclick: () => { if (this.open.has(s.id)) this.open.delete(s.id); else this.open.add(s.id); this.renderList(); },
    }, isOpen ? t('sug.hideEvidence') : `${t('sug.evidence')} ▾`) : null;
    const dismiss = el('button', {
      type: 'button', class: 'icon-btn', title: t('sug.dismiss'), 'aria-label': t('sug.dismiss'),
      onclick: () => { this.dismissed.add(s.id); this.renderList(); },
    }, '×');
    const li = el('li', { class: `sug ${severity}${expired ? ' expired' : ''}${s.fresh ? ' fresh' : ''}`, dataset: { id: String(s.id) } },
      el('div', { class: 'sug-meta' }, ...meta, dismiss),
      el('p', { class: 'sug-msg' }, s.message),
      toggle, isOpen ? evidenceTable(s.evidence) : null);
    s.fresh = false;
    return li;
  }
}

// Ids increase within a room: the highest is the newest.
function order(s) { return Number(s.id) || 0; }

// Evidence is free-form (an operator's model posts its own); known figures get names and units.
function evidenceTable(evidence) {
  const rows = Object.entries(evidence).map(([k, v]) => {
    const label = t(`sug.ev.${k}`) !== `sug.ev.${k}` ? t(`sug.ev.${k}`) : k;
    return el('div', { class: 'ev-row' }, el('dt', {}, label), el('dd', {}, formatValue(k, v)));
  });
  return el('dl', { class: 'evidence', 'data-testid': 'sug-evidence' }, ...rows);
}

function formatValue(key, v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (/_cents$/.test(key)) return yuan(v);
    if (/(^|_)(ctr|cvr|rate)(_|$)/.test(key) && v <= 1) return percent(v, 1);
    return Number.isInteger(v) ? String(v) : String(Math.round(v * 10000) / 10000);
  }
  if (typeof v === 'string') {
    const w = t(`sug.ev.${v}`);
    return w !== `sug.ev.${v}` ? w : v;
  }
  return JSON.stringify(v);
}
