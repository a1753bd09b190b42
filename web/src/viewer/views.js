// The shop's pieces as DOM: product pictures, prices, flash-sale strips, buy buttons, the
// pinned card (讲解中), the product details with its traceability, the shelf (购物袋), pickup
// points, coupons, and orders. Pure builders: they read the state they are given and call
// back through `ui` ({ buy, open, claim, choosePoint, showOrders, close }).
import { el } from '../common/dom.js';
import { yuan } from '../common/format.js';
import { t } from '../common/i18n.js';
import { countdown } from './clock.js';
import { icon } from './icons.js';
import { serverNow } from './clock.js';

const LOW_STOCK = 10;

function hue(text) {
  let h = 0;
  for (const ch of String(text)) h = (h * 31 + ch.codePointAt(0)) % 360;
  return h;
}

function placeholder(p) {
  return el('div', { class: 'ph', style: `--h:${hue(p.sku)}` }, el('span', {}, [...(p.title || '?')][0]));
}

export function thumb(p, cls = 'thumb') {
  const src = Array.isArray(p.images) ? p.images[0] : '';
  if (!src) return el('div', { class: cls }, placeholder(p));
  const img = el('img', { src, alt: p.title, loading: 'lazy', decoding: 'async' });
  img.addEventListener('error', () => img.replaceWith(placeholder(p)));
  return el('div', { class: cls }, img);
}

// ¥19.90 with a small ¥ and small cents, read as one text "¥19.90".
export function money(cents, cls = 'money') {
  const [int, dec] = yuan(cents).replace('¥', '').split('.');
  return el('span', { class: cls }, el('small', {}, '¥'), int, el('small', {}, `.${dec}`));
}

export function tags(p) {
  const list = Array.isArray(p.tags) ? p.tags.filter(Boolean) : [];
  return list.length ? el('div', { class: 'tags' }, list.map((x) => el('span', { class: 'tag' }, x))) : null;
}

export function stockText(offer) {
  const { product: p, sale, saleState } = offer;
  if (offer.soldOut) return el('span', { class: 'stock gone' }, t('p.sold_out'));
  if (saleState === 'running') return el('span', { class: 'stock hot' }, t('p.flash_left', { n: sale.remaining }));
  const low = p.stock < LOW_STOCK;
  return el('span', { class: `stock${low ? ' hot' : ''}`, dataset: { stock: String(p.stock) } },
    t(low ? 'p.stock_low' : 'p.stock', { n: p.stock }));
}

export function countdownText(node) {
  node.textContent = t(node.dataset.key, { t: countdown(Number(node.dataset.until) - serverNow()) });
}

export function saleStrip(offer, { limit = true } = {}) {
  if (!offer.sale) return null;
  const s = offer.sale;
  const scheduled = offer.saleState === 'scheduled';
  const clock = el('span', {
    class: 'countdown',
    dataset: { until: String(scheduled ? s.starts_at_ms : s.ends_at_ms), key: scheduled ? 'p.flash_starts' : 'p.flash_ends' },
  });
  countdownText(clock);
  return el('div', { class: `sale-strip ${scheduled ? 'scheduled' : 'running'}` },
    icon('bolt'), el('b', {}, t('p.flash')), clock,
    limit && s.limit_per_viewer ? el('span', { class: 'limit' }, t('p.flash_limit', { n: s.limit_per_viewer })) : null);
}

export function priceRow(offer, coupon, big = false) {
  const p = offer.product;
  const running = offer.saleState === 'running';
  return el('div', { class: `price-row${big ? ' big' : ''}` },
    money(offer.price, `money${running ? ' sale' : ''}`),
    running ? el('s', { class: 'was' }, yuan(p.price_cents)) : null,
    !running && coupon ? el('span', { class: 'after-coupon' }, t('p.after_coupon', { price: yuan(offer.price - coupon.discount_cents) })) : null,
    stockText(offer));
}

export function buyButton(offer, pending, onBuy, cls = '') {
  let label = offer.saleState === 'running' ? t('p.grab') : t('p.buy');
  let state = '';
  if (pending) { label = t('p.buying'); state = 'busy'; }
  else if (offer.soldOut) { label = t('p.sold_out'); state = 'gone'; }
  else if (offer.notStarted) { label = t('p.soon'); state = 'soon'; }
  return el('button', {
    type: 'button', class: `buy ${state} ${cls}`.trim(), disabled: !!state, dataset: { sku: offer.product.sku },
    onclick: (ev) => { ev.stopPropagation(); onBuy(); },
  }, label);
}

// The card of the product being presented (讲解中).
export function pinnedCard(offer, ctx) {
  const p = offer.product;
  const coupon = ctx.couponFor(offer);
  const pic = thumb(p, 'thumb');
  pic.append(el('span', { class: 'explaining' }, el('i', { class: 'bars' }, el('b'), el('b'), el('b')), t('p.explaining')));
  return [
    saleStrip(offer),
    el('div', { class: 'card-row' },
      pic,
      el('div', { class: 'info' },
        el('div', { class: 'title' }, p.title),
        tags(p),
        priceRow(offer, coupon)),
      buyButton(offer, ctx.pending(p.sku), () => ctx.buy(p.sku))),
  ];
}

function traceBlock(p) {
  const tr = p.trace && typeof p.trace === 'object' ? p.trace : {};
  const rows = [['p.origin', tr.origin], ['p.producer', tr.producer], ['p.produced_on', tr.produced_on]].filter(([, v]) => v);
  if (!rows.length && !tr.story) return null;
  return el('section', { class: 'trace' },
    el('h3', {}, icon('leaf'), t('p.trace')),
    rows.length ? el('dl', {}, rows.flatMap(([k, v]) => [el('dt', {}, t(k)), el('dd', {}, v)])) : null,
    tr.story ? el('p', { class: 'story' }, el('b', {}, t('p.story')), tr.story) : null);
}

export function pickupRow(ctx) {
  const points = ctx.points();
  if (!points.length) return null;
  const chosen = ctx.point();
  const open = ctx.pickerOpen();
  return el('div', { class: `pickup${open ? ' open' : ''}` },
    el('button', { type: 'button', class: 'pickup-current', onclick: () => ctx.togglePicker() },
      icon('pin'), el('span', { class: 'label' }, t('p.pickup')),
      el('span', { class: 'name' }, chosen ? chosen.name : ''), icon('chevron', 'chev')),
    open ? el('ul', { class: 'pickup-list', role: 'radiogroup' }, points.map((pt) => el('li', {},
      el('button', {
        type: 'button', role: 'radio', 'aria-checked': String(pt.id === chosen?.id), dataset: { key: pt.id },
        class: pt.id === chosen?.id ? 'on' : '', onclick: () => ctx.choosePoint(pt.id),
      }, el('b', {}, pt.name), el('small', {}, pt.address || ''))))) : null);
}

// Details of one product: picture, price, tags, description, traceability, pickup, buy.
export function detailView(offer, ctx) {
  const p = offer.product;
  const coupon = ctx.couponFor(offer);
  return el('div', { class: 'detail' },
    el('div', { class: 'detail-scroll' },
      thumb(p, 'hero'),
      el('div', { class: 'detail-body' },
        saleStrip(offer),
        priceRow(offer, coupon, true),
        el('h2', {}, p.title),
        tags(p),
        p.limit_per_viewer ? el('p', { class: 'muted small' }, t('p.limit', { n: p.limit_per_viewer })) : null,
        p.description ? el('p', { class: 'desc' }, p.description) : null,
        traceBlock(p),
        pickupRow(ctx))),
    el('div', { class: 'sheet-foot' },
      buyButton(offer, ctx.pending(p.sku), () => ctx.buy(p.sku), 'wide')));
}

function couponTile(c, ctx) {
  const claimed = ctx.claimed(c.id);
  const asking = ctx.asking(c.id);
  return el('div', { class: `coupon${claimed ? ' claimed' : ''}`, dataset: { key: c.id } },
    el('div', { class: 'amount' }, money(c.discount_cents, 'money')),
    el('div', { class: 'terms' }, el('b', {}, c.title || t('p.coupons')),
      el('small', {}, c.min_spend_cents ? t('p.coupon_min', { amount: yuan(c.min_spend_cents) }) : t('p.coupon_any'))),
    el('button', {
      type: 'button', class: 'claim', disabled: claimed || asking, onclick: () => ctx.claim(c),
    }, claimed ? t('p.claimed') : t('p.claim')));
}

// 购物袋: coupons, pickup point, then every product on the shelf.
export function shelfView(ctx) {
  const products = ctx.shelf();
  const coupons = ctx.coupons();
  const items = products.map((p, i) => {
    const offer = ctx.offer(p.sku);
    const li = el('li', { class: `shelf-item${ctx.pinnedSku() === p.sku ? ' is-pinned' : ''}`, dataset: { sku: p.sku }, onclick: () => ctx.open(p.sku) },
      el('span', { class: 'index' }, String(i + 1)),
      (() => {
        const pic = thumb(p, 'thumb');
        if (ctx.pinnedSku() === p.sku) pic.append(el('span', { class: 'explaining' }, t('p.explaining')));
        return pic;
      })(),
      el('div', { class: 'info' },
        el('div', { class: 'title' }, p.title),
        tags(p),
        saleStrip(offer, { limit: false }),
        priceRow(offer, ctx.couponFor(offer))),
      buyButton(offer, ctx.pending(p.sku), () => ctx.buy(p.sku)));
    return li;
  });
  return el('div', { class: 'shelf' },
    el('header', { class: 'sheet-head' },
      el('h2', {}, icon('bag'), t('p.bag_count', { n: products.length })),
      el('button', { type: 'button', class: 'link', onclick: () => ctx.showOrders() }, icon('receipt'), t('p.my_orders'))),
    coupons.length ? el('div', { class: 'coupons' }, coupons.map((c) => couponTile(c, ctx))) : null,
    pickupRow(ctx),
    products.length ? el('ol', { class: 'shelf-list' }, items) : el('p', { class: 'empty' }, t('p.bag_empty')));
}

export function orderView(order, point, ctx) {
  return el('div', { class: 'order-ok' },
    el('div', { class: 'ok-mark' }, icon('check')),
    el('h2', {}, t('o.ok_title')),
    el('dl', {},
      el('dt', {}, t('o.number')), el('dd', { class: 'order-number' }, order.number),
      el('dt', {}, t('o.item')), el('dd', {}, `${order.title} × ${order.quantity}`),
      order.discount_cents ? [el('dt', {}, t('o.discount')), el('dd', {}, `-${yuan(order.discount_cents)}`)] : null,
      el('dt', {}, t('o.paid')), el('dd', { class: 'paid' }, yuan(order.total_cents)),
      point ? [el('dt', {}, t('p.pickup')), el('dd', {}, el('b', {}, point.name), el('small', {}, point.address || ''))] : null),
    el('p', { class: 'muted small' }, t('o.pickup_hint')),
    el('button', { type: 'button', class: 'primary wide', onclick: () => ctx.close() }, t('o.done')));
}

export function ordersView(orders, pointName) {
  return el('div', { class: 'orders' },
    el('header', { class: 'sheet-head' }, el('h2', {}, icon('receipt'), t('p.my_orders'))),
    orders.length ? el('ul', { class: 'order-list' }, orders.map((o) => el('li', {},
      el('div', {}, el('b', {}, o.title), el('small', { class: 'muted' }, `${o.number} · ${pointName(o.pickup_point_id)}`)),
      el('div', { class: 'right' }, el('span', { class: 'paid' }, yuan(o.total_cents)),
        el('small', { class: `status ${o.status}` }, t(`p.order_status.${o.status}`)))))) : el('p', { class: 'empty' }, t('p.no_orders')));
}
