// Flash sales (start with price, quantity, per-viewer limit, start and end; stop) and coupons
// (issue, withdraw). The lists follow the shelf and its flash_sale / coupon events.
import { el } from '../common/dom.js';
import { duration, yuan } from '../common/format.js';
import { t } from '../common/i18n.js';
import { wholeNumber, yuanToCents } from './money.js';
import { delegate, patchChildren } from './view.js';
import {
  confirmDialog, errorText, field, formDialog, input, parseLocalInput, select, shortTime, showError,
  showFormError, toast,
} from './ui.js';

const MAX_SALE_MINUTES = 24 * 60;
const DEFAULT_SALE_MINUTES = 30;
const QUICK_MINUTES = [5, 10, 30, 60];

// The server's state is a snapshot; the clock moves it on between events.
export function saleState(s, now = Date.now()) {
  if (s.state === 'sold_out' || s.state === 'ended' || s.stopped) return s.state === 'sold_out' ? 'sold_out' : 'ended';
  if (s.remaining === 0) return 'sold_out';
  if (now >= s.ends_at_ms) return 'ended';
  if (now < s.starts_at_ms) return 'scheduled';
  return 'running';
}

export function openSaleForm(ctx, product) {
  const products = ctx.shelf.products.filter((p) => p.stock > 0);
  const minutes = input({ name: 'minutes', inputmode: 'numeric', value: String(DEFAULT_SALE_MINUTES) });
  const starts = input({ name: 'starts', type: 'datetime-local' });
  const endHint = el('small', { class: 'muted field-hint' });
  // "Ends at 14:30" follows what is typed, so the host sees the window before starting it.
  const showEnd = () => {
    const m = Number(minutes.value);
    const from = parseLocalInput(starts.value) || Date.now();
    endHint.textContent = Number.isInteger(m) && m > 0 && Number.isFinite(from) ? t('sale.endsAtHint', { time: shortTime(from + m * 60_000) }) : '';
  };
  minutes.addEventListener('input', showEnd);
  starts.addEventListener('input', showEnd);
  showEnd();
  const quick = el('div', { class: 'quick-picks' }, ...QUICK_MINUTES.map((m) => el('button', {
    type: 'button', class: 'chip', onclick: () => { minutes.value = String(m); showEnd(); },
  }, t('sale.minutes', { n: m }))));
  const fields = [
    product
      ? el('p', { class: 'sale-product' }, el('strong', {}, product.title), ' ', el('span', { class: 'muted' }, t('sale.was', { price: yuan(product.price_cents) }), ` · ${t('prod.stock', { n: product.stock })}`))
      : field('sale.product', select('sku', products.map((p) => [p.sku, `${p.title}（${yuan(p.price_cents)}）`]), '')),
    el('div', { class: 'grid-2' },
      field('sale.price', input({ name: 'price', inputmode: 'decimal', placeholder: '9.90' })),
      field('sale.quantity', input({ name: 'quantity', inputmode: 'numeric', placeholder: '100' })),
      field('sale.limit', input({ name: 'limit', inputmode: 'numeric', value: '1' })),
      field('sale.startsAt', starts),
      el('label', { class: 'field wide' }, el('span', { class: 'field-label' }, t('sale.duration')),
        el('div', { class: 'duration-row' }, minutes, quick), endHint)),
  ];
  formDialog({
    title: product ? t('sale.formTitle', { title: product.title }) : t('sale.start'),
    fields,
    submitText: t('sale.submit'),
    submit: async (form) => {
      const p = product || ctx.shelf.products.find((x) => x.sku === form.elements.sku.value);
      const read = readSale(form, p);
      if (read.error) { showFormError(form, t(read.error, read.vars), read.name); return null; }
      try {
        const sale = await ctx.call('/flash-sales', { method: 'POST', body: read.body });
        ctx.upsertSale(sale);
        toast(t('sale.started'));
        return true;
      } catch (e) {
        return errorText('act.sale', e);
      }
    },
  });
}

function readSale(form, product) {
  const f = form.elements;
  const bad = (error, name, vars = {}) => ({ error, name, vars });
  if (!product) return bad('v.required', 'sku', { field: t('sale.product') });
  const price = yuanToCents(f.price.value);
  if (price.error) return bad(price.error, 'price', { field: price.error === 'v.required' ? t('sale.price') : '' });
  if (price.value > product.price_cents) return bad('v.salePrice', 'price', { price: yuan(product.price_cents) });
  const qty = wholeNumber(f.quantity.value, { min: 1, max: 100_000_000, field: t('sale.quantity') });
  if (qty.error) return bad(qty.error, 'quantity', qty.vars);
  if (qty.value > product.stock) return bad('v.saleQty', 'quantity', { stock: product.stock });
  const limit = wholeNumber(f.limit.value, { min: 1, max: 99, field: t('sale.limit') });
  if (limit.error) return bad(limit.error, 'limit', limit.vars);
  const starts = parseLocalInput(f.starts.value);
  if (Number.isNaN(starts)) return bad('v.date', 'starts', { field: t('sale.startsAt') });
  if (starts !== null && starts < Date.now() - 60_000) return bad('v.saleStart', 'starts');
  const minutes = wholeNumber(f.minutes.value, { min: 1, max: MAX_SALE_MINUTES, field: t('sale.duration') });
  if (minutes.error) return bad(minutes.error, 'minutes', minutes.vars);
  const ends = (starts ?? Date.now()) + minutes.value * 60_000;
  const body = { sku: product.sku, price_cents: price.value, quantity: qty.value, limit_per_viewer: limit.value, ends_at_ms: ends };
  if (starts !== null) body.starts_at_ms = starts;
  return { body };
}

export class PromoPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.saleHead = el('h2');
    this.saleBtn = el('button', { type: 'button', class: 'primary push', 'data-testid': 'new-sale', onclick: () => openSaleForm(this.ctx, null) });
    this.couponHead = el('h2');
    this.couponBtn = el('button', { type: 'button', class: 'primary push', 'data-testid': 'new-coupon', onclick: () => this.couponForm() });
    this.sales = el('div', { class: 'list-box' });
    this.coupons = el('div', { class: 'list-box' });
    delegate(this.sales, (act, id) => { const s = this.ctx.shelf.flash_sales.find((x) => x.id === id); if (s && act === 'stop-sale') this.stopSale(s); });
    delegate(this.coupons, (act, id) => { const c = this.ctx.shelf.coupons.find((x) => x.id === id); if (c && act === 'withdraw') this.withdraw(c); });
    this.node = el('section', { class: 'pane promos', 'data-testid': 'promos' },
      el('header', { class: 'pane-head' }, this.saleHead, this.saleBtn), this.sales,
      el('header', { class: 'pane-head' }, this.couponHead, this.couponBtn), this.coupons);
    ctx.on('shelf', () => this.render());
    // Countdowns move every second; only their text changes.
    setInterval(() => this.tick(), 1000);
  }

  render() {
    const { flash_sales: sales, coupons } = this.ctx.shelf;
    this.saleHead.textContent = t('sale.heading');
    this.saleBtn.textContent = `＋ ${t('sale.start')}`;
    this.couponHead.textContent = t('coupon.heading');
    this.couponBtn.textContent = `＋ ${t('coupon.create')}`;
    patchChildren(this.sales, [sales.length ? el('ul', { class: 'sale-list' }, ...sales.map((s) => this.saleRow(s))) : el('p', { class: 'empty-state' }, t('sale.none'))]);
    patchChildren(this.coupons, [coupons.length ? el('ul', { class: 'coupon-list' }, ...coupons.map((c) => this.couponRow(c))) : el('p', { class: 'empty-state' }, t('coupon.none'))]);
  }

  saleRow(s) {
    const state = saleState(s);
    const title = this.ctx.productTitle(s.sku);
    const product = this.ctx.shelf.products.find((p) => p.sku === s.sku);
    const pct = s.quantity ? Math.min(100, Math.round((s.sold / s.quantity) * 100)) : 0;
    const over = state === 'ended' || state === 'sold_out';
    return el('li', { class: `sale ${state}`, dataset: { key: s.id } },
      el('div', { class: 'sale-main' },
        el('div', { class: 'title-line' }, el('span', { class: `state-chip ${state}` }, t(`sale.state.${state}`)), el('strong', {}, title)),
        el('div', { class: 'meta-line' },
          el('span', { class: 'price' }, yuan(s.price_cents)),
          product ? el('s', { class: 'muted' }, yuan(product.price_cents)) : null,
          el('span', { class: 'muted' }, t('prod.limit', { n: s.limit_per_viewer })),
          el('span', { class: 'muted' }, t('sale.window', { start: shortTime(s.starts_at_ms), end: shortTime(s.ends_at_ms) })),
          over ? null : el('span', { class: 'countdown', dataset: { start: String(s.starts_at_ms), end: String(s.ends_at_ms) } }, countdown(s))),
        el('div', { class: 'progress' }, el('span', { class: 'bar', style: `width:${pct}%` })),
        el('small', { class: 'muted', 'data-testid': 'sale-sold' }, t('sale.sold', { sold: s.sold, quantity: s.quantity }))),
      over ? null : el('button', { type: 'button', class: 'danger-text', 'data-act': 'stop-sale' }, t('sale.stop')));
  }

  tick() {
    for (const node of this.node.querySelectorAll('.countdown')) {
      node.textContent = countdown({ starts_at_ms: Number(node.dataset.start), ends_at_ms: Number(node.dataset.end) });
    }
  }

  async stopSale(s) {
    const title = this.ctx.productTitle(s.sku);
    if (!(await confirmDialog(t('sale.stopConfirm', { title }), { okText: t('sale.stop'), danger: true }))) return;
    try {
      const sale = await this.ctx.call(`/flash-sales/${encodeURIComponent(s.id)}/stop`, { method: 'POST' });
      this.ctx.upsertSale(sale);
      toast(t('sale.stopped'));
    } catch (e) { showError('act.stopSale', e); }
  }

  couponRow(c) {
    const rule = c.min_spend_cents > 0
      ? t('coupon.rule', { min: yuan(c.min_spend_cents), off: yuan(c.discount_cents) })
      : t('coupon.ruleNoMin', { off: yuan(c.discount_cents) });
    return el('li', { class: 'coupon', dataset: { key: c.id } },
      el('div', { class: 'coupon-value' }, el('strong', {}, yuan(c.discount_cents))),
      el('div', { class: 'coupon-main' },
        el('div', { class: 'title-line' }, el('span', { class: `kind-chip ${c.kind}` }, t(`coupon.kindShort.${c.kind}`)), el('strong', {}, c.title)),
        el('div', { class: 'meta-line' },
          el('span', {}, rule),
          el('span', { class: 'muted' }, c.quantity ? t('coupon.claimed', c) : t('coupon.claimedUnlimited', c)),
          c.expires_at_ms ? el('span', { class: 'muted' }, t('coupon.expiresAt', { time: shortTime(c.expires_at_ms) })) : null)),
      el('button', { type: 'button', class: 'danger-text', 'data-act': 'withdraw' }, t('coupon.withdraw')));
  }

  async withdraw(c) {
    if (!(await confirmDialog(t('coupon.withdrawConfirm', { title: c.title }), { okText: t('coupon.withdraw'), danger: true }))) return;
    try {
      const coupon = await this.ctx.call(`/coupons/${encodeURIComponent(c.id)}/withdraw`, { method: 'POST' });
      this.ctx.upsertCoupon(coupon);
      toast(t('coupon.withdrawn'));
    } catch (e) { showError('act.withdraw', e); }
  }

  couponForm() {
    const fields = [
      el('div', { class: 'grid-2' },
        field('coupon.kind', select('kind', [['room', t('coupon.kind.room')], ['welcome', t('coupon.kind.welcome')]], 'room'), { wide: true }),
        field('coupon.title', input({ name: 'title', placeholder: t('coupon.titlePh'), maxlength: '40' }), { wide: true }),
        field('coupon.discount', input({ name: 'discount', inputmode: 'decimal', placeholder: '5' })),
        field('coupon.minSpend', input({ name: 'min', inputmode: 'decimal', value: '0' })),
        field('coupon.quantity', input({ name: 'quantity', inputmode: 'numeric', value: '0' })),
        field('coupon.expires', input({ name: 'expires', type: 'datetime-local' }))),
    ];
    formDialog({
      title: t('coupon.formTitle'),
      fields,
      submitText: t('coupon.submit'),
      submit: async (form) => {
        const read = readCoupon(form);
        if (read.error) { showFormError(form, t(read.error, read.vars), read.name); return null; }
        try {
          const coupon = await this.ctx.call('/coupons', { method: 'POST', body: read.body });
          this.ctx.upsertCoupon(coupon);
          toast(t('coupon.created'));
          return true;
        } catch (e) {
          return errorText('act.coupon', e);
        }
      },
    });
  }
}

function readCoupon(form) {
  const f = form.elements;
  const bad = (error, name, vars = {}) => ({ error, name, vars });
  const title = f.title.value.trim();
  if (!title) return bad('v.required', 'title', { field: t('coupon.title') });
  const discount = yuanToCents(f.discount.value, { field: t('coupon.discount') });
  if (discount.error) return bad(discount.error, 'discount', discount.vars);
  const min = yuanToCents(f.min.value || '0', { min: 0, field: t('coupon.minSpend') });
  if (min.error) return bad(min.error, 'min', min.vars);
  const qty = wholeNumber(f.quantity.value || '0', { min: 0, max: 100_000_000, field: t('coupon.quantity') });
  if (qty.error) return bad(qty.error, 'quantity', qty.vars);
  const expires = parseLocalInput(f.expires.value);
  if (Number.isNaN(expires) || (expires !== null && expires <= Date.now())) return bad('v.date', 'expires', { field: t('coupon.expires') });
  return {
    body: {
      kind: f.kind.value, title, discount_cents: discount.value, min_spend_cents: min.value,
      quantity: qty.value, expires_at_ms: expires ?? 0,
    },
  };
}

function countdown(s) {
  const now = Date.now();
  if (now < s.starts_at_ms) return t('sale.startsIn', { d: duration(s.starts_at_ms - now) });
  return t('sale.endsIn', { d: duration(Math.max(0, s.ends_at_ms - now)) });
}
