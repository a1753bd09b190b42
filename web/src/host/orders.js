// Orders of the room, newest first, filtered by product and status, a page at a time; each
// moves paid → packed → ready → collected, or is cancelled. New purchases (stock and purchase
// notices on the room connection) bring the list up to date.
import { el } from '../common/dom.js';
import { yuan } from '../common/format.js';
import { t } from '../common/i18n.js';
import { confirmDialog, errorText, shortTime, showError, toast } from './ui.js';
import { delegate, patchChildren } from './view.js';

const PAGE = 50;
const REFRESH_DEBOUNCE_MS = 1000;
const STATUSES = ['paid', 'packed', 'ready', 'collected', 'cancelled'];
const NEXT = { paid: 'packed', packed: 'ready', ready: 'collected' };

export class OrdersPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.orders = [];
    this.next = null;        // next_before of the last page, null at the end
    this.filter = { sku: '', status: '' };
    this.loading = false;
    this.error = '';
    this.stale = false;      // new purchases while the host reads further pages
    this.busy = new Set();   // order ids being changed
    this.refreshTimer = null;
    this.node = el('section', { class: 'pane orders', 'data-testid': 'orders' });
    ctx.on('shelf', () => this.renderFilters());
  }

  // A purchase happened: reload the first page soon (once for a burst), unless the host has
  // paged further down, then only say so.
  purchased() {
    if (this.orders.length > PAGE) { this.stale = true; this.render(); return; }
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.load(), REFRESH_DEBOUNCE_MS);
  }

  async load(more = false) {
    if (this.loading) { if (!more) this.purchased(); return; }
    this.loading = true;
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (this.filter.sku) q.set('sku', this.filter.sku);
    if (this.filter.status) q.set('status', this.filter.status);
    if (more && this.next) q.set('before', String(this.next));
    try {
      const r = await this.ctx.call(`/orders?${q}`);
      this.orders = more ? [...this.orders, ...r.orders] : r.orders;
      this.next = r.next_before ?? null;
      this.error = '';
      if (!more) this.stale = false;
    } catch (e) {
      this.error = errorText('act.orders', e);
    } finally {
      this.loading = false;
    }
    this.render();
  }

  // The filters and buttons are built once (an open <select> is not pulled from under the
  // host); the table is patched.
  build() {
    this.heading = el('h2');
    this.skuSelect = el('select', { name: 'sku', 'data-testid': 'orders-sku' });
    this.skuSelect.addEventListener('change', () => { this.filter.sku = this.skuSelect.value; this.load(); });
    this.statusSelect = el('select', { name: 'status', 'data-testid': 'orders-status' });
    this.statusSelect.addEventListener('change', () => { this.filter.status = this.statusSelect.value; this.load(); });
    this.staleBtn = el('button', { type: 'button', class: 'new-orders', onclick: () => this.load() });
    this.refreshBtn = el('button', { type: 'button', class: 'push', 'data-testid': 'orders-refresh', onclick: () => this.load() });
    this.errorBox = el('p', { class: 'form-error', role: 'alert' });
    this.body = el('div', { class: 'list-box' });
    delegate(this.body, (act, id) => {
      const o = this.orders.find((x) => String(x.id) === id);
      if (!o) return;
      if (act === 'cancel') this.cancel(o);
      else if (NEXT[o.status] === act) this.setStatus(o, act);
    });
    this.moreBtn = el('button', { type: 'button', class: 'more-btn', onclick: () => this.load(true) });
    this.node.append(el('header', { class: 'pane-head' }, this.heading, this.skuSelect, this.statusSelect, this.staleBtn, this.refreshBtn),
      this.errorBox, this.body, this.moreBtn);
  }

  renderFilters() {
    if (!this.skuSelect) return;
    const seen = new Map(this.ctx.shelf.products.map((p) => [p.sku, p.title]));
    for (const o of this.orders) if (!seen.has(o.sku)) seen.set(o.sku, o.title);
    const opts = [['', t('orders.allProducts')], ...seen];
    patchChildren(this.skuSelect, opts.map(([v, label]) => el('option', { value: v, dataset: { key: v } }, label)));
    this.skuSelect.value = this.filter.sku;
    const statuses = [['', t('orders.allStatus')], ...STATUSES.map((s) => [s, t(`orders.status.${s}`)])];
    patchChildren(this.statusSelect, statuses.map(([v, label]) => el('option', { value: v, dataset: { key: v } }, label)));
    this.statusSelect.value = this.filter.status;
  }

  render() {
    if (!this.heading) this.build();
    this.heading.textContent = t('orders.heading');
    this.renderFilters();
    this.staleBtn.textContent = t('orders.newOnes');
    this.staleBtn.hidden = !this.stale;
    this.refreshBtn.textContent = t('orders.refresh');
    this.refreshBtn.disabled = this.loading;
    this.errorBox.textContent = this.error;
    this.errorBox.hidden = !this.error;
    patchChildren(this.body, [this.orders.length ? this.table() : el('p', { class: 'empty-state' }, t('orders.none'))]);
    this.moreBtn.textContent = t('orders.more');
    this.moreBtn.hidden = !this.next;
  }

  table() {
    const cols = ['order', 'product', 'total', 'pickup', 'status', 'actions'];
    const points = new Map(this.ctx.shelf.pickup_points.map((p) => [p.id, p.name]));
    return el('div', { class: 'table-wrap' }, el('table', { class: 'order-table' },
      el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', { class: `c-${c}` }, t(`orders.col.${c}`))))),
      el('tbody', {}, ...this.orders.map((o) => el('tr', { dataset: { key: String(o.id) }, class: `st-${o.status}` },
        el('td', {}, el('span', { class: 'mono block' }, o.number), el('small', { class: 'muted block' }, shortTime(o.created_at_ms))),
        el('td', { class: 'c-product' }, el('span', { class: 'o-title block' }, o.title, el('span', { class: 'muted' }, ` × ${o.quantity}`)),
          el('small', { class: 'muted block' }, o.nick || o.user_id)),
        el('td', { class: 'num' }, yuan(o.total_cents),
          o.discount_cents ? el('small', { class: 'muted block' }, t('orders.discount', { v: yuan(o.discount_cents) })) : null),
        el('td', { class: 'muted' }, points.get(o.pickup_point_id) || o.pickup_point_id || '—'),
        el('td', {}, el('span', { class: `status-chip ${o.status}`, 'data-testid': 'order-status' }, t(`orders.status.${o.status}`))),
        el('td', { class: 'row-actions' }, ...this.actions(o)))))));
  }

  actions(o) {
    const busy = this.busy.has(o.id);
    const out = [];
    if (NEXT[o.status]) {
      out.push(el('button', { type: 'button', class: 'small', disabled: busy, 'data-act': NEXT[o.status] }, t(`orders.next.${NEXT[o.status]}`)));
    }
    if (['paid', 'packed', 'ready'].includes(o.status)) {
      out.push(el('button', { type: 'button', class: 'small danger-text', disabled: busy, 'data-act': 'cancel' }, t('orders.cancel')));
    }
    return out;
  }

  async cancel(o) {
    if (await confirmDialog(t('orders.cancelConfirm', { number: o.number }), { okText: t('orders.cancel'), danger: true })) this.setStatus(o, 'cancelled');
  }

  async setStatus(o, status) {
    this.busy.add(o.id);
    this.render();
    try {
      const updated = await this.ctx.call(`/orders/${o.id}/status`, { method: 'POST', body: { status } });
      const i = this.orders.findIndex((x) => x.id === o.id);
      if (i >= 0) this.orders[i] = updated;
      toast(t('orders.updated', { number: updated.number, status: t(`orders.status.${updated.status}`) }));
    } catch (e) {
      showError('act.orderStatus', e);
    } finally {
      this.busy.delete(o.id);
      this.render();
    }
  }
}
