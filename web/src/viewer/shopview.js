// The shop on the viewer page: the pinned card, the 购物袋 button and sheet, product details,
// coupons, pickup point, one-click purchases and their outcomes, "just bought" notices, and the
// impressions and clicks the room's analytics count.
import { api } from '../common/api.js';
import { $, el } from '../common/dom.js';
import { yuan } from '../common/format.js';
import { t } from '../common/i18n.js';
import { store } from '../common/store.js';
import { Coupons } from './coupons.js';
import { morphChildren } from './morph.js';
import { icon } from './icons.js';
import { Purchases } from './purchases.js';
import { Reporter, visibilityWatcher } from './reporter.js';
import { saleState } from './shop.js';
import { countdownText, detailView, orderView, ordersView, pinnedCard, shelfView } from './views.js';

const NOTICE_MS = 3000;
const OUTCOMES = new Set(['sold_out', 'limit_reached', 'sale_not_started', 'sale_ended', 'room_closed', 'invalid', 'conflict', 'unavailable', 'lost', 'not_sent']);

export class ShopView {
  constructor({ room, shop, sheet, send, toast, token }) {
    Object.assign(this, { room, shop, sheet, send, toast, token });
    this.pointKey = `livecart.pickup.${room}`;
    this.pickerOpen = false;
    this.reporter = new Reporter(send);
    this.purchases = new Purchases({ send, onChange: () => this.render(), onResult: (a, r) => this.purchased(a, r) });
    this.coupons = new Coupons({ room, send, onChange: () => this.render(), onResult: (outcome) => this.claimed(outcome) });
    this.card = $('#pinned');
    this.pinSku = null;
    this.pinAppearance = 0;
    this.pinVisible = false;
    this.saleStates = '';
    this.ticker = null;
    this.noticeTimer = null;
    this.shelfWatcher = null;

    this.card.addEventListener('click', () => { if (this.pinSku) this.openDetail(this.pinSku, this.pinAppearance); });
    this.card.addEventListener('keydown', (e) => { if (e.key === 'Enter' && this.pinSku) this.openDetail(this.pinSku, this.pinAppearance); });
    $('#bag').addEventListener('click', () => this.openShelf());
    $('#coupon-chip').addEventListener('click', () => { const c = this.claimable(); if (c) this.coupons.claim(c); });
    if (typeof IntersectionObserver !== 'undefined') {
      new IntersectionObserver((entries) => {
        for (const e of entries) this.pinVisible = e.isIntersecting;
        this.reportPin();
      }, { threshold: 0.5 }).observe(this.card);
    } else this.pinVisible = true;
  }

  start() {
    this.loadShelf();
    clearInterval(this.ticker);
    this.ticker = setInterval(() => this.tick(), 1000);
  }

  stop() { clearInterval(this.ticker); }

  async loadShelf() {
    try {
      this.shop.applyShelf(await api(`/api/rooms/${encodeURIComponent(this.room)}/shelf`));
      this.render();
    } catch { /* the room's events and the next join bring it */ }
  }

  // The room welcomed us (again): what waited for the socket goes out; after a reconnection
  // the shelf is read again, since events were missed meanwhile.
  joined(me, again) {
    this.coupons.setUser(me.id);
    this.reporter.flush();
    this.purchases.resendAll();
    if (again) this.loadShelf();
  }

  onEvent(e) {
    if (e.type === 'purchase_notice') { this.notice(e); return; }
    if (this.shop.apply(e)) this.render();
  }

  // ---------- context for the views ----------

  ctx(appearance) {
    return {
      offer: (sku) => this.shop.offer(sku),
      shelf: () => this.shop.shelfProducts(),
      pinnedSku: () => this.shop.pinned,
      coupons: () => [...this.shop.coupons.values()],
      couponFor: (offer) => this.coupons.bestFor(offer.price, !!offer.sale),
      claimed: (id) => this.coupons.isClaimed(id),
      asking: (id) => this.coupons.isAsking(id),
      claim: (c) => this.coupons.claim(c),
      pending: (sku) => !!this.purchases.pending(sku),
      points: () => this.shop.points,
      point: () => this.point(),
      pickerOpen: () => this.pickerOpen,
      togglePicker: () => { this.pickerOpen = !this.pickerOpen; this.sheet.refresh(); },
      choosePoint: (id) => { store.set(this.pointKey, id); this.pickerOpen = false; this.sheet.refresh(); },
      buy: (sku) => this.buy(sku, appearance),
      open: (sku) => this.openDetail(sku, appearance),
      showOrders: () => this.openOrders(),
      close: () => this.sheet.close(),
    };
  }

  point() {
    const points = this.shop.points;
    const id = store.get(this.pointKey);
    return points.find((p) => p.id === id) || points[0] || null;
  }

  claimable() {
    for (const c of this.shop.coupons.values()) {
      if (c.active && !this.coupons.isClaimed(c.id) && !(c.quantity && c.claimed >= c.quantity)) return c;
    }
    return null;
  }

  // ---------- rendering ----------

  render() {
    const offer = this.shop.pinned ? this.shop.offer(this.shop.pinned) : null;
    const sku = offer ? offer.product.sku : null;
    if (sku !== this.pinSku) {
      this.pinSku = sku;
      this.pinAppearance = this.reporter.newAppearance();
    }
    this.card.hidden = !offer;
    if (offer) {
      this.card.dataset.sku = sku;
      morphChildren(this.card, el('div', {}, pinnedCard(offer, this.ctx(this.pinAppearance))));
    } else this.card.replaceChildren();
    this.reportPin();

    const count = this.shop.shelfProducts().length;
    const badge = $('#bag-count');
    badge.textContent = String(count);
    badge.hidden = count === 0;
    $('#bag').setAttribute('aria-label', t('p.bag'));

    const chip = $('#coupon-chip');
    const c = this.claimable();
    chip.hidden = !c;
    if (c) chip.replaceChildren(icon('ticket'), el('span', {}, t('p.claim_chip', { amount: yuan(c.discount_cents) })));

    if (this.sheet.kind === 'shelf' || this.sheet.kind === 'detail') this.sheet.refresh();
    this.saleStates = this.saleSignature();
  }

  reportPin() {
    if (this.pinSku && this.pinVisible && !this.card.hidden) this.reporter.impression(this.pinSku, this.pinAppearance);
  }

  saleSignature() { return [...this.shop.sales.values()].map((s) => `${s.id}:${saleState(s)}`).join(','); }

  tick() {
    for (const node of document.querySelectorAll('.countdown')) countdownText(node);
    // A countdown reached zero: the sale started or ended by the clock; redraw what it changes.
    if (this.saleSignature() !== this.saleStates) this.render();
  }

  notice(e) {
    const box = $('#purchase-notice');
    const names = Array.isArray(e.names) ? e.names : [];
    const title = this.shop.product(e.sku)?.title || '';
    const n = Number(e.buyers) || names.length;
    if (!names.length || !title) return;
    box.replaceChildren(icon('cart'), el('span', {}, n > 1
      ? t('p.just_bought_many', { name: names[0], n, more: n - 1, title })
      : t('p.just_bought', { name: names[0], title })));
    box.hidden = false;
    box.classList.remove('show');
    void box.offsetWidth;
    box.classList.add('show');
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => { box.hidden = true; }, NOTICE_MS);
  }

  // ---------- sheets ----------

  openShelf() {
    const appearance = this.reporter.newAppearance();
    const ctx = this.ctx(appearance);
    this.sheet.open('shelf', () => shelfView(ctx), {
      // Each product of the list reports its impression once it is half on screen.
      rendered: (body) => {
        this.shelfWatcher?.disconnect();
        this.shelfWatcher = visibilityWatcher((node) => this.reporter.impression(node.dataset.sku, appearance));
        for (const node of body.querySelectorAll('.shelf-item')) this.shelfWatcher.watch(node);
      },
      onClose: () => { this.shelfWatcher?.disconnect(); this.shelfWatcher = null; this.pickerOpen = false; },
    });
  }

  openDetail(sku, appearance) {
    if (!this.shop.product(sku)) return;
    this.reporter.click(sku, appearance);
    const ctx = this.ctx(appearance);
    this.sheet.open('detail', () => {
      const offer = this.shop.offer(sku);
      return offer ? detailView(offer, ctx) : el('p', { class: 'empty' }, t('p.bag_empty'));
    }, { onClose: () => { this.pickerOpen = false; } });
  }

  async openOrders() {
    const token = this.token();
    let orders = [];
    try {
      if (token) orders = (await api(`/api/rooms/${encodeURIComponent(this.room)}/orders?limit=50`, { token })).orders || [];
    } catch {
      this.toast(t('e.generic'), 'warn');
      return;
    }
    const name = (id) => this.shop.points.find((p) => p.id === id)?.name || '';
    this.sheet.open('orders', () => ordersView(orders, name));
  }

  // ---------- purchases ----------

  buy(sku, appearance) {
    this.reporter.click(sku, appearance);
    const offer = this.shop.offer(sku);
    if (!offer || offer.soldOut || offer.notStarted) return;
    const running = offer.saleState === 'running';
    const coupon = this.coupons.bestFor(offer.price, !!offer.sale);
    this.purchases.buy(sku, {
      pickup_point: this.point()?.id,
      expected_price_cents: offer.price,
      sale: running ? offer.sale.id : undefined,
      coupon: coupon?.id,
    });
  }

  onOrderResult(m) { this.purchases.onOrderResult(m); }
  onCouponResult(m) { this.coupons.onCouponResult(m); }
  onError(m) {
    if (m.ref && this.coupons.asked.has(m.ref)) {   // a claim refused as a frame (rate limited)
      this.coupons.onCouponResult({ ref: m.ref, outcome: m.code });
      return true;
    }
    return this.purchases.onError(m);
  }

  purchased(attempt, r) {
    const title = this.shop.product(attempt.sku)?.title || '';
    if (r.outcome === 'ok' && r.order) {
      if (r.order.coupon_id) this.coupons.markUsed(r.order.coupon_id);
      const point = this.shop.points.find((p) => p.id === r.order.pickup_point_id) || null;
      const ctx = this.ctx(0);
      this.sheet.open('order', () => orderView(r.order, point, ctx));
      return;
    }
    if (r.outcome === 'sold_out') this.markSoldOut(attempt.sku);
    if (r.outcome === 'invalid' && attempt.frame.coupon) {
      this.coupons.drop(attempt.frame.coupon);
      this.toast(t('o.coupon_invalid'), 'warn');
      return;
    }
    if (r.outcome === 'invalid') this.loadShelf();
    this.toast(t(OUTCOMES.has(r.outcome) ? `o.${r.outcome}` : 'e.generic', { title }), 'warn');
  }

  // Refused as sold out: show it now rather than at the next stock event.
  markSoldOut(sku) {
    const offer = this.shop.offer(sku);
    if (!offer) return;
    if (offer.saleState === 'running') this.shop.sales.set(offer.sale.id, { ...offer.sale, remaining: 0, state: 'sold_out' });
    else this.shop.products.set(sku, { ...offer.product, stock: 0 });
    this.render();
  }

  claimed(outcome) {
    if (outcome === 'ok') this.toast(t('p.claim_ok'));
    else if (outcome === 'rate_limited') this.toast(t('e.rate_limited'), 'warn');
    else if (outcome === 'conflict') this.toast(t('p.claim_gone'), 'warn');
    else this.toast(t('p.claim_invalid'), 'warn');
  }
}
