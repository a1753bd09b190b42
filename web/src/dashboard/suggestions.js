// The suggestions feed: built-in rules and operators' own models, newest first. Suggestions
// come in snapshots (the active ones) and as they are raised; ones first seen after the page
// loaded are highlighted for a while, ones no longer active stay, dimmed, until pushed out.
import { clear, el } from '../common/dom.js';
import { clock, percent, yuan } from '../common/format.js';
import { currentLang, t } from '../common/i18n.js';

const KEEP = 60;
const NEW_FOR_MS = 20_000;
const SEVERITIES = ['info', 'warning', 'critical'];
const RULES = ['low_conversion', 'pin_hot_product', 'purchase_questions', 'audience_drop', 'low_stock', 'negative_comments'];
const RATIO_KEYS = new Set(['ctr', 'cvr', 'cvr_upper_95', 'median_ctr', 'median_cvr', 'drop', 'share']);

export class SuggestionFeed {
  constructor(list, counter) {
    this.list = list;
    this.counter = counter;
    this.items = new Map(); // id → {s, node, parts, seenAt, isNew, inSnapshot, gone}
    this.primed = false;
    this.serverNow = 0;
    this.productOf = () => null;
    this.titleOf = (sku) => this.productOf(sku)?.title || sku;
  }

  // productOf(sku) → the snapshot's PRODUCT_STATS, for titles and prices.
  fromSnapshot(snapshot, productOf) {
    this.serverNow = snapshot.at_ms || Date.now();
    this.productOf = productOf;
    const active = new Set();
    for (const s of snapshot.suggestions || []) {
      active.add(s.id);
      this.upsert(s).inSnapshot = true;
    }
    // One the server listed before and lists no more has expired (or been dropped).
    for (const item of this.items.values()) if (item.inSnapshot && !active.has(item.s.id)) item.gone = true;
    this.primed = true;
    this.render();
  }

  add(s) {
    this.upsert(s);
    this.render();
  }

  upsert(s) {
    let item = this.items.get(s.id);
    if (!item) {
      item = { s, seenAt: Date.now(), isNew: this.primed, inSnapshot: false, gone: false };
      this.items.set(s.id, item);
    } else {
      item.s = s;
      if (!item.inSnapshot) item.gone = false;
    }
    return item;
  }

  expired(item) {
    return item.gone || (this.serverNow && item.s.expires_ms && item.s.expires_ms <= this.serverNow);
  }

  render() {
    const now = Date.now();
    const ordered = [...this.items.values()].sort((a, b) => (b.s.created_ms - a.s.created_ms) || (b.s.id - a.s.id));
    for (const item of ordered.slice(KEEP)) {
      item.node?.remove();
      this.items.delete(item.s.id);
    }
    const shown = ordered.slice(0, KEEP);
    let active = 0;
    shown.forEach((item, i) => {
      if (!item.node) this.build(item);
      const expired = this.expired(item);
      if (!expired) active += 1;
      if (item.isNew && now - item.seenAt > NEW_FOR_MS) item.isNew = false;
      this.fill(item, expired);
      if (this.list.children[i] !== item.node) this.list.insertBefore(item.node, this.list.children[i] || null);
    });
    this.list.classList.toggle('is-empty', shown.length === 0);
    this.counter.textContent = t('sug.active', { n: active });
  }

  relabel() {
    for (const item of this.items.values()) item.evidenceKey = '';
    this.render();
  }

  build(item) {
    const parts = {
      sev: el('span', { class: 'sev' }),
      source: el('span', { class: 'source' }),
      badge: el('span', { class: 'new-badge' }),
      time: el('time', { class: 'time' }),
      message: el('p', { class: 'sug-msg' }),
      meta: el('div', { class: 'sug-meta muted' }),
      summary: el('summary', {}),
      evidence: el('dl', { class: 'evidence' }),
    };
    parts.details = el('details', { class: 'sug-ev' }, parts.summary, parts.evidence);
    item.parts = parts;
    item.node = el('li', { class: 'sug', dataset: { id: String(item.s.id) } },
      el('div', { class: 'sug-head' }, parts.sev, parts.source, parts.badge, parts.time),
      parts.message, parts.meta, parts.details);
  }

  fill(item, expired) {
    const { s, parts, node } = item;
    const severity = SEVERITIES.includes(s.severity) ? s.severity : 'info';
    const external = s.source !== 'livecart';
    node.className = `sug sev-${severity}${item.isNew ? ' is-new' : ''}${expired ? ' is-expired' : ''}`;
    node.dataset.source = s.source;
    parts.sev.textContent = t(`sug.${severity}`);
    parts.source.className = `source ${external ? 'external' : 'livecart'}`;
    parts.source.textContent = external
      ? t('sug.external', { source: s.source })
      : `${t('sug.livecart')}${RULES.includes(s.rule) ? ` · ${t(`rule.${s.rule}`)}` : ''}`;
    parts.badge.textContent = expired ? t('sug.expired') : (item.isNew ? t('sug.new') : '');
    parts.badge.hidden = !expired && !item.isNew;
    parts.time.textContent = clock(s.created_ms);
    parts.time.dateTime = new Date(s.created_ms).toISOString();
    parts.message.textContent = messageOf(s, this.titleOf, this.productOf);
    const meta = [];
    if (s.sku) meta.push(t('sug.product', { title: this.titleOf(s.sku) }));
    if (s.updated_ms && s.updated_ms - s.created_ms >= 1000) meta.push(t('sug.updated', { time: clock(s.updated_ms) }));
    parts.meta.textContent = meta.join(' · ');
    parts.meta.hidden = meta.length === 0;
    parts.summary.textContent = t('sug.evidence');
    // Rebuilt only when it changed, so an expanded evidence list stays as the operator left it.
    const key = `${currentLang()}|${JSON.stringify(s.evidence ?? null)}`;
    if (item.evidenceKey !== key) {
      item.evidenceKey = key;
      fillEvidence(parts.evidence, s.evidence, external);
    }
  }
}

function fillEvidence(dl, evidence, external) {
  clear(dl);
  const entries = evidence && typeof evidence === 'object' ? Object.entries(evidence) : [];
  if (!entries.length) {
    dl.append(el('dd', { class: 'muted' }, t('ev.none')));
    return;
  }
  for (const [k, v] of entries) {
    // An external model's evidence is shown as given; the built-in rules' is labelled.
    const label = !external && hasLabel(k) ? t(`ev.${k}`) : k;
    dl.append(el('dt', {}, label), el('dd', {}, external ? rawValue(v) : ruleValue(k, v)));
  }
}

function hasLabel(k) { return t(`ev.${k}`) !== `ev.${k}`; }

function rawValue(v) { return typeof v === 'string' ? v : JSON.stringify(v); }

function ruleValue(k, v) {
  if (RATIO_KEYS.has(k) && typeof v === 'number') return percent(v);
  if (k === 'window' && typeof v === 'string' && hasLabel(v)) return t(`win.${v}`);
  if (Array.isArray(v)) {
    if (!v.length) return t('ev.none');
    return v.map((x) => (x && typeof x === 'object' && 'phrase' in x ? `${x.phrase} ×${x.comments}` : rawValue(x))).join('、');
  }
  return rawValue(v);
}

// The server writes the built-in rules' messages in Chinese; in English they are told again
// from their evidence (an external model's message is shown as posted).
function messageOf(s, titleOf, productOf) {
  if (currentLang() !== 'en' || s.source !== 'livecart') return s.message;
  const e = s.evidence || {};
  const title = s.sku ? titleOf(s.sku) : '';
  const phrases = (list) => (Array.isArray(list) ? list.map((x) => x.phrase).join(', ') : '');
  switch (s.rule) {
    case 'low_conversion':
      return t('msg.low_conversion', { title, ctr: percent(e.ctr), median_ctr: percent(e.median_ctr), cvr: percent(e.cvr), median_cvr: percent(e.median_cvr) });
    case 'pin_hot_product': return t('msg.pin_hot_product', { word: e.word ?? '', title });
    case 'purchase_questions': {
      const p = s.sku ? productOf(s.sku) : null;
      return t('msg.purchase_questions', { n: e.last_minute ?? '', price: p ? ` of “${p.title}” (${yuan(p.price_cents)})` : '' });
    }
    case 'audience_drop': return t('msg.audience_drop', { peak: e.peak_last_2_minutes ?? '', online: e.online ?? '' });
    case 'low_stock': return t('msg.low_stock', { stock: e.stock ?? '', title });
    case 'negative_comments': return t('msg.negative_comments', { n: e.last_minute ?? '', words: phrases(e.words) });
    default: return s.message;
  }
}

