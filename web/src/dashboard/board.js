// The dashboard of one room: headline figures, trend, funnel, product ranking, hot words and
// suggestions, redrawn from each SNAPSHOT; it shows how fresh the data is at all times.
import { el } from '../common/dom.js';
import { clock, compact, duration, percent, yuan, yuanCompact, yuanExact } from '../common/format.js';
import { currentLang, langToggle, t } from '../common/i18n.js';
import { store } from '../common/store.js';
import { funnelOption, hotWordsOption, mountChart, trendOption } from './charts.js';
import { SuggestionFeed } from './suggestions.js';

export const STALE_AFTER_MS = 3000;
const WINDOWS = ['last_minute', 'last_5_minutes', 'broadcast'];
const STEPS = { '1s': 1000, '10s': 10000 };
const PREFS = { window: 'livecart.dashboard.window', step: 'livecart.dashboard.series' };

const count = (n) => {
  const v = Number(n) || 0;
  return v >= 100000 ? compact(v, currentLang()) : v.toLocaleString('en-US');
};
const ratio = (r) => (r === null || r === undefined ? '—' : percent(r));
// A sum in a headline tile: compact when large ("¥1.99万"), the exact amount in its tooltip.
const money = (cents) => ({ text: yuanCompact(cents, currentLang()), exact: yuanExact(cents) });
// The smallest a headline figure may shrink to so that it fits its tile (see fitFigure).
const MIN_FIGURE_PX = 14;

// A headline figure is never cut off: one wider than its tile (a long figure on a small
// screen) gets a smaller font, just small enough to fit.
function fitFigure(node) {
  node.style.fontSize = '';
  const room = node.clientWidth;
  if (!room || node.scrollWidth <= room) return;
  let size = Math.max(MIN_FIGURE_PX, Math.floor((parseFloat(getComputedStyle(node).fontSize) * room) / node.scrollWidth));
  // scrollWidth is rounded to whole pixels: step down until it really fits.
  for (;;) {
    node.style.fontSize = `${size}px`;
    if (node.scrollWidth <= room || size <= MIN_FIGURE_PX) return;
    size -= 1;
  }
}

// A segmented switch: options [[value, labelKey]], the chosen value kept in localStorage.
function segmented(name, options, chosen, onPick) {
  const buttons = options.map(([value, key]) => el('button', {
    type: 'button', class: 'seg-btn', 'data-i18n': key, dataset: { value }, 'aria-pressed': String(value === chosen),
    onclick: () => {
      for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.value === value));
      onPick(value);
    },
  }, t(key)));
  return el('div', { class: 'seg', role: 'group', dataset: { name } }, buttons);
}

function kpi(id, labelKey, windowed) {
  return el('div', { class: `kpi${windowed ? ' windowed' : ''}`, id: `kpi-${id}` },
    el('div', { class: 'kpi-label' }, el('span', { 'data-i18n': labelKey }, t(labelKey)),
      windowed ? el('span', { class: 'kpi-window' }) : null),
    el('div', { class: 'kpi-value' }, '—'),
    el('div', { class: 'kpi-sub muted' }));
}

function panel(area, titleKey, tools, ...body) {
  return el('section', { class: `panel area-${area}`, id: `panel-${area}` },
    el('header', { class: 'panel-head' }, el('h2', { 'data-i18n': titleKey }, t(titleKey)), el('div', { class: 'panel-tools' }, tools)),
    el('div', { class: 'panel-body' }, body));
}

export class Board {
  constructor(root, room) {
    this.room = room;
    this.snapshot = null;
    this.receivedAt = 0;
    this.socketState = 'connecting';
    this.everOpen = false;
    this.ended = false;
    this.window = WINDOWS.includes(store.get(PREFS.window)) ? store.get(PREFS.window) : 'broadcast';
    this.step = STEPS[store.get(PREFS.step)] ? store.get(PREFS.step) : '1s';
    this.build(root);
    this.feed = new SuggestionFeed(this.sugList, this.sugCount);
    this.charts = {
      trend: mountChart(this.trendNode),
      funnel: mountChart(this.funnelNode),
      words: mountChart(this.wordsNode),
    };
    this.timer = setInterval(() => this.renderFreshness(), 500);
    this.renderFreshness();
  }

  build(root) {
    this.title = el('h1', { class: 'room-title' }, this.room);
    this.roomChip = el('span', { class: 'chip' });
    this.onAir = el('span', { class: 'on-air muted' });
    this.connDot = el('span', { class: 'status-dot' });
    this.connLabel = el('span', { class: 'conn-label' });
    this.connTime = el('span', { class: 'conn-time muted' });
    this.banner = el('div', { class: 'banner', role: 'status', hidden: true });
    this.keyButton = el('button', { type: 'button', class: 'ghost', 'data-i18n': 'key.change' }, t('key.change'));

    const windowSwitch = segmented('window', WINDOWS.map((w) => [w, `win.${w}`]), this.window, (w) => {
      this.window = w;
      store.set(PREFS.window, w);
      this.render();
    });
    const stepSwitch = segmented('series', [['1s', 'chart.1s'], ['10s', 'chart.10s']], this.step, (s) => {
      this.step = s;
      store.set(PREFS.step, s);
      this.renderTrend();
    });

    this.kpis = el('section', { class: 'kpis' },
      kpi('online', 'kpi.online'), kpi('gmv', 'kpi.gmv', true), kpi('orders', 'kpi.orders', true),
      kpi('buyers', 'kpi.buyers', true), kpi('gpm', 'kpi.gpm', true), kpi('views', 'kpi.views', true),
      kpi('watch', 'kpi.avg_watch'), kpi('cpm', 'kpi.cpm'), kpi('lpm', 'kpi.lpm'));

    this.trendNode = el('div', { class: 'chart', id: 'chart-trend' });
    this.funnelNode = el('div', { class: 'chart', id: 'chart-funnel' });
    this.wordsNode = el('div', { class: 'chart', id: 'chart-words' });
    this.wordsEmpty = el('div', { class: 'empty muted', 'data-i18n': 'chart.no_words' }, t('chart.no_words'));
    this.funnelWindow = el('span', { class: 'window-tag' });
    this.productsWindow = el('span', { class: 'window-tag' });
    this.sugList = el('ol', { class: 'sug-list', 'aria-live': 'polite' });
    this.sugCount = el('span', { class: 'sug-count muted' });
    this.sugEmpty = el('div', { class: 'empty muted', 'data-i18n': 'sug.none' }, t('sug.none'));
    this.tbody = el('tbody');
    const th = (key, cls) => el('th', { class: cls, 'data-i18n': key }, t(key));

    this.root = el('div', { class: 'dash', dataset: { conn: 'connecting' } },
      el('header', { class: 'dash-head' },
        el('div', { class: 'brand' }, el('span', { class: 'logo' }, 'Livecart'), el('span', { 'data-i18n': 'dash.title' }, t('dash.title'))),
        el('div', { class: 'room-info' }, this.title, this.roomChip, this.onAir),
        el('div', { class: 'head-tools' },
          el('span', { class: 'seg-label muted', 'data-i18n': 'win.label' }, t('win.label')), windowSwitch,
          el('div', { class: 'conn', id: 'conn' }, this.connDot, this.connLabel, this.connTime),
          this.keyButton,
          el('a', { class: 'nav', href: '/dashboard', 'data-i18n': 'dash.rooms' }, t('dash.rooms')),
          langToggle())),
      this.banner,
      this.kpis,
      el('div', { class: 'grid' },
        panel('trend', 'chart.trend', stepSwitch, this.trendNode),
        panel('funnel', 'chart.funnel', this.funnelWindow, this.funnelNode),
        panel('sugs', 'sug.title', this.sugCount, this.sugList, this.sugEmpty),
        panel('products', 'prod.title', this.productsWindow,
          el('div', { class: 'table-wrap' }, el('table', { class: 'products' },
            el('thead', {}, el('tr', {},
              th('prod.rank', 'num rank'), th('prod.name', 'name'), th('prod.price', 'num'), th('prod.stock', 'stock'),
              th('prod.impressions', 'num'), th('prod.clicks', 'num'), th('prod.ctr', 'num'), th('prod.orders', 'num'),
              th('prod.cvr', 'num'), th('prod.gmv', 'num'))),
            this.tbody))),
        panel('words', 'chart.hot_words', null, this.wordsNode, this.wordsEmpty)));
    root.replaceChildren(this.root);
    // A tile that changes width (a resized window, a language with longer labels) fits its figure again.
    this.tileWidths = new WeakMap();
    this.resizing = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const width = Math.round(entry.contentRect.width);
        if (this.tileWidths.get(entry.target) === width) continue;
        this.tileWidths.set(entry.target, width);
        fitFigure(entry.target.querySelector('.kpi-value'));
      }
    });
    for (const tile of this.kpis.children) this.resizing.observe(tile);
  }

  onChangeKey(cb) { this.keyButton.addEventListener('click', cb); }

  setRoomInfo(info) {
    if (info?.title) {
      this.title.textContent = info.title;
      document.title = `${info.title} · ${t('dash.title')}`;
    }
  }

  setSocketState(state) {
    this.socketState = state;
    if (state === 'open') this.everOpen = true;
    this.renderFreshness();
  }

  // info: the ROOM, with closed_at once closed.
  setEnded(info) {
    this.ended = true;
    if (info?.closed_at) this.closedAtMs = info.closed_at * 1000;
    this.render();
  }

  update(snapshot) {
    this.snapshot = snapshot;
    this.receivedAt = Date.now();
    this.render();
  }

  addSuggestion(s) { this.feed.add(s); this.renderSugEmpty(); }

  relabel() {
    this.render();
    this.feed.relabel();
  }

  productOf = (sku) => (this.snapshot?.products || []).find((p) => p.sku === sku) || null;

  render() {
    this.roomChip.textContent = t('dash.room_id', { id: this.room });
    this.funnelWindow.textContent = t(`win.${this.window}`);
    this.productsWindow.textContent = t(`win.${this.window}`);
    for (const tag of this.kpis.querySelectorAll('.kpi-window')) tag.textContent = t(`win.${this.window}`);
    this.renderFreshness();
    const s = this.snapshot;
    if (!s) return;
    this.renderKpis(s);
    this.renderTrend();
    this.charts.funnel.setOption(funnelOption(s.windows?.[this.window]?.funnel));
    this.renderProducts(s);
    this.renderWords(s);
    this.feed.fromSnapshot(s, this.productOf);
    this.renderSugEmpty();
  }

  renderSugEmpty() { this.sugEmpty.hidden = this.feed.items.size > 0; }

  // value and sub are text, or {text, exact} for a compact sum (the exact one as a tooltip).
  setKpi(id, value, sub = '') {
    const card = this.kpis.querySelector(`#kpi-${id}`);
    const figure = card.querySelector('.kpi-value');
    const line = card.querySelector('.kpi-sub');
    const text = value?.text ?? value;
    figure.title = value?.exact ?? '';
    line.textContent = sub?.text ?? sub;
    line.title = sub?.exact ?? '';
    if (figure.textContent === text) return;
    figure.textContent = text;
    fitFigure(figure);
  }

  renderKpis(s) {
    const w = s.windows?.[this.window] || {};
    const step = (name) => (w.funnel || []).find((f) => f.step === name);
    if (this.ended) this.onAir.textContent = this.closedAtMs ? t('dash.lasted', { time: duration(this.closedAtMs - s.started_at_ms) }) : '';
    else this.onAir.textContent = s.started_at_ms ? t('dash.on_air', { time: duration(s.at_ms - s.started_at_ms) }) : '';
    this.setKpi('online', count(s.online), t('kpi.peak', { n: count(s.peak_online) }));
    const perBuyer = w.buyers ? money(Math.round(w.gmv_cents / w.buyers)) : null;
    this.setKpi('gmv', money(w.gmv_cents),
      perBuyer ? { text: t('kpi.per_buyer', { v: perBuyer.text }), exact: t('kpi.per_buyer', { v: perBuyer.exact }) } : '');
    this.setKpi('orders', count(w.orders), step('order') ? t('kpi.order_rate', { v: ratio(step('order').of_entered) }) : '');
    this.setKpi('buyers', count(w.buyers), step('paid') ? t('kpi.buyer_rate', { v: ratio(step('paid').of_entered) }) : '');
    this.setKpi('gpm', money(w.gpm_cents));
    this.setKpi('views', count(w.views), t('kpi.unique', { n: count(w.unique_viewers) }));
    this.setKpi('watch', duration(s.avg_watch_ms));
    this.setKpi('cpm', count(s.comments_per_minute));
    this.setKpi('lpm', count(s.likes_per_minute));
  }

  renderTrend() {
    const s = this.snapshot;
    if (!s) return;
    this.charts.trend.setOption(trendOption(s.series?.[this.step], STEPS[this.step], s.at_ms, s.started_at_ms));
  }

  renderProducts(s) {
    const rows = (s.products || []).map((p, i) => {
      const m = p[this.window] || {};
      const share = p.peak_stock > 0 ? Math.min(1, p.stock / p.peak_stock) : 0;
      const stockState = p.stock <= 0 ? 'out' : share < 0.1 ? 'low' : 'ok';
      return el('tr', { class: `${p.pinned ? 'pinned' : ''}${p.on_shelf ? '' : ' off'}`, dataset: { sku: p.sku } },
        el('td', { class: 'num rank' }, String(i + 1)),
        el('td', { class: 'name' },
          el('div', { class: 'p-title' }, p.title,
            p.pinned ? el('span', { class: 'tag pin' }, t('prod.pinned')) : null,
            p.on_shelf ? null : el('span', { class: 'tag off' }, t('prod.off_shelf'))),
          el('div', { class: 'p-sku muted' }, p.sku)),
        el('td', { class: 'num' }, yuan(p.price_cents)),
        el('td', { class: `stock ${stockState}` },
          el('div', { class: 'stock-num' }, p.stock <= 0 ? t('prod.sold_out') : count(p.stock)),
          el('div', { class: 'bar' }, el('i', { style: `width:${(share * 100).toFixed(1)}%` }))),
        el('td', { class: 'num' }, count(m.impressions)),
        el('td', { class: 'num' }, count(m.clicks)),
        el('td', { class: 'num' }, ratio(m.ctr)),
        el('td', { class: 'num' }, count(m.orders)),
        el('td', { class: 'num' }, ratio(m.cvr)),
        el('td', { class: 'num gmv' }, yuan(m.gmv_cents)));
    });
    if (!rows.length) rows.push(el('tr', { class: 'none' }, el('td', { colspan: '10', class: 'muted' }, t('prod.none'))));
    this.tbody.replaceChildren(...rows);
  }

  renderWords(s) {
    const words = s.hot_words || [];
    this.wordsEmpty.hidden = words.length > 0;
    this.charts.words.setOption(hotWordsOption(words, (sku) => this.productOf(sku)?.title || sku));
  }

  // live → stale (no snapshot for 3 s) → down (socket closed); ended once the room closes.
  freshness() {
    if (this.ended) return 'ended';
    const down = this.socketState === 'closed' || (this.socketState === 'connecting' && this.everOpen);
    if (!this.snapshot) return down ? 'down' : 'connecting';
    if (down) return 'down';
    return Date.now() - this.receivedAt > STALE_AFTER_MS ? 'stale' : 'live';
  }

  renderFreshness() {
    const state = this.freshness();
    const s = this.snapshot;
    const at = s ? clock(s.at_ms) : '';
    const ago = Math.max(0, Math.round((Date.now() - this.receivedAt) / 1000));
    this.root.dataset.conn = state;
    this.root.classList.toggle('is-stale', state === 'stale' || state === 'down');
    this.connDot.className = `status-dot ${{ live: 'open', stale: 'stale', down: 'closed', ended: 'ended' }[state] || ''}`;
    this.connLabel.textContent = t({ live: 'conn.live', stale: 'conn.stale', down: 'conn.down', ended: 'conn.ended' }[state] || 'conn.connecting');
    if (!s) this.connTime.textContent = '';
    else if (state === 'live') this.connTime.textContent = t('conn.updated', { time: at });
    else if (state === 'ended') this.connTime.textContent = t('conn.final', { time: at });
    else this.connTime.textContent = t('conn.last_update', { time: at, ago });
    let banner = '';
    if (state === 'stale') banner = t('conn.banner_stale');
    else if (state === 'down') banner = s ? t('conn.banner_down', { time: at }) : t('conn.banner_down_never');
    else if (state === 'ended') banner = t('conn.banner_ended');
    this.banner.hidden = !banner;
    this.banner.className = `banner ${state}`;
    this.banner.textContent = banner;
  }

  destroy() {
    clearInterval(this.timer);
    this.resizing.disconnect();
    for (const c of Object.values(this.charts)) c.unmount();
  }
}
