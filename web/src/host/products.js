// The shelf as the host runs it: products in the viewers' order, present (pin) one, add and
// edit (price in yuan typed, integer cents sent), move up and down, take off the shelf.
import { el } from '../common/dom.js';
import { yuan } from '../common/format.js';
import { t } from '../common/i18n.js';
import { centsToInput, wholeNumber, yuanToCents } from './money.js';
import { openSaleForm, saleState } from './promos.js';
import { patchChildren, delegate } from './view.js';
import { confirmDialog, errorText, field, formDialog, input, showError, showFormError, toast } from './ui.js';

const SKU = /^[A-Za-z0-9._-]{1,64}$/;
const IMAGE = /^(https?:\/\/\S+|\/\S*)$/;
const chars = (s) => [...s].length;

export class ProductPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.heading = el('h2');
    this.count = el('span', { class: 'muted' });
    this.addBtn = el('button', { type: 'button', class: 'primary push', 'data-testid': 'add-product', onclick: () => this.openForm(null) });
    this.list = el('div', { class: 'list-box' });
    delegate(this.list, (act, sku) => this.act(act, sku));
    this.node = el('section', { class: 'pane products', 'data-testid': 'products' },
      el('header', { class: 'pane-head' }, this.heading, this.count, this.addBtn), this.list);
    ctx.on('shelf', () => this.render());
  }

  render() {
    const { products, pinned } = this.ctx.shelf;
    this.heading.textContent = t('prod.heading');
    this.count.textContent = t('prod.count', { n: products.length });
    this.addBtn.textContent = `＋ ${t('prod.add')}`;
    patchChildren(this.list, [products.length
      ? el('ol', { class: 'product-list' }, ...products.map((p, i) => this.row(p, i, p.sku === pinned)))
      : el('p', { class: 'empty-state' }, t('prod.none'))]);
  }

  act(act, sku) {
    const i = this.ctx.shelf.products.findIndex((p) => p.sku === sku);
    const p = this.ctx.shelf.products[i];
    if (!p) return;
    if (act === 'up') this.move(i, -1);
    else if (act === 'down') this.move(i, 1);
    else if (act === 'pin') this.pin(p);
    else if (act === 'unpin') this.unpin();
    else if (act === 'edit') this.openForm(p);
    else if (act === 'sale') openSaleForm(this.ctx, p);
    else if (act === 'remove') this.remove(p);
  }

  row(p, i, isPinned) {
    const n = this.ctx.shelf.products.length;
    const sale = this.ctx.shelf.flash_sales.find((s) => s.sku === p.sku && ['running', 'scheduled'].includes(saleState(s)));
    const thumb = p.images?.[0] && IMAGE.test(p.images[0])
      ? el('img', { class: 'thumb', src: p.images[0], alt: '', loading: 'lazy' })
      : el('span', { class: 'thumb letter', 'aria-hidden': 'true' }, [...p.title][0] || '?');
    const stockText = p.stock > 0 ? t('prod.stock', { n: p.stock }) : t('prod.soldOut');
    const button = (act, label, attrs = {}) => el('button', { type: 'button', 'data-act': act, ...attrs }, label);
    return el('li', { class: `product${isPinned ? ' pinned' : ''}`, dataset: { key: p.sku, sku: p.sku } },
      el('div', { class: 'order-btns' },
        button('up', '↑', { class: 'icon-btn', title: t('prod.up'), 'aria-label': t('prod.up'), disabled: i === 0 }),
        button('down', '↓', { class: 'icon-btn', title: t('prod.down'), 'aria-label': t('prod.down'), disabled: i === n - 1 })),
      thumb,
      el('div', { class: 'info' },
        el('div', { class: 'title-line' },
          isPinned ? el('span', { class: 'pin-badge' }, t('prod.pinned')) : null,
          sale ? el('span', { class: 'sale-badge' }, t('prod.onSale')) : null,
          el('strong', { class: 'p-title' }, p.title)),
        el('div', { class: 'meta-line' },
          el('span', { class: 'price', 'data-testid': 'price' }, yuan(p.price_cents)),
          el('span', { class: `stock${p.stock === 0 ? ' out' : p.stock < 10 ? ' low' : ''}`, 'data-testid': 'stock', 'data-stock': String(p.stock) }, stockText),
          p.limit_per_viewer ? el('span', { class: 'muted' }, t('prod.limit', { n: p.limit_per_viewer })) : null,
          el('span', { class: 'sku muted' }, p.sku)),
        (p.tags?.length || p.trace?.origin) ? el('div', { class: 'tag-line' },
          ...(p.tags || []).map((tag) => el('span', { class: 'tag' }, tag)),
          p.trace?.origin ? el('span', { class: 'muted origin' }, t('prod.origin', { v: p.trace.origin })) : null) : null),
      el('div', { class: 'actions' },
        isPinned ? button('unpin', t('prod.unpin'), { class: 'pin-btn on' }) : button('pin', t('prod.pin'), { class: 'pin-btn' }),
        button('edit', t('prod.edit')),
        button('sale', t('prod.sale'), { disabled: !!sale || p.stock === 0 }),
        button('remove', t('prod.remove'), { class: 'danger-text' })));
  }

  async pin(p) {
    try {
      const r = await this.ctx.call('/pin', { method: 'PUT', body: { sku: p.sku } });
      this.ctx.shelf.pinned = r?.pinned ?? p.sku;
      this.ctx.emit('shelf');
      toast(t('prod.pinnedToast', { title: p.title }));
    } catch (e) { showError('act.pin', e); }
  }

  async unpin() {
    try {
      await this.ctx.call('/pin', { method: 'DELETE' });
      this.ctx.shelf.pinned = null;
      this.ctx.emit('shelf');
      toast(t('prod.unpinnedToast'));
    } catch (e) { showError('act.unpin', e); }
  }

  async move(i, delta) {
    const skus = this.ctx.shelf.products.map((p) => p.sku);
    const j = i + delta;
    if (j < 0 || j >= skus.length) return;
    [skus[i], skus[j]] = [skus[j], skus[i]];
    try {
      const r = await this.ctx.call('/shelf/order', { method: 'PUT', body: { skus } });
      const order = r?.skus || skus;
      const bySku = new Map(this.ctx.shelf.products.map((p) => [p.sku, p]));
      this.ctx.shelf.products = order.map((s) => bySku.get(s)).filter(Boolean);
      this.ctx.emit('shelf');
      toast(t('prod.reordered'));
    } catch (e) { showError('act.reorder', e); }
  }

  async remove(p) {
    if (!(await confirmDialog(t('prod.removeConfirm', { title: p.title }), { okText: t('prod.remove'), danger: true }))) return;
    try {
      await this.ctx.call(`/products/${encodeURIComponent(p.sku)}`, { method: 'DELETE' });
      this.ctx.shelf.products = this.ctx.shelf.products.filter((x) => x.sku !== p.sku);
      if (this.ctx.shelf.pinned === p.sku) this.ctx.shelf.pinned = null;
      this.ctx.emit('shelf');
      toast(t('prod.removed', { title: p.title }));
    } catch (e) { showError('act.remove', e); }
  }

  openForm(p) {
    const v = p || { title: '', price_cents: '', stock: '', limit_per_viewer: 0, tags: [], images: [], description: '', trace: {} };
    const tr = v.trace || {};
    const fields = [
      el('div', { class: 'grid-2' },
        field('form.title', input({ name: 'title', value: v.title, placeholder: t('form.titlePh'), maxlength: '80' }), { wide: true }),
        field('form.price', input({ name: 'price', value: v.price_cents === '' ? '' : centsToInput(v.price_cents), inputmode: 'decimal', placeholder: '19.90' })),
        field('form.stock', input({ name: 'stock', value: String(v.stock), inputmode: 'numeric', placeholder: '100' })),
        field('form.limit', input({ name: 'limit', value: String(v.limit_per_viewer || 0), inputmode: 'numeric' })),
        p ? field('form.sku', input({ name: 'sku', value: p.sku, readonly: true, class: 'mono' }))
          : field('form.sku', input({ name: 'sku', placeholder: t('form.skuPh'), class: 'mono', maxlength: '64' }), { optional: true }),
        field('form.tags', input({ name: 'tags', value: (v.tags || []).join('，'), placeholder: t('form.tagsPh') }), { wide: true, optional: true }),
        field('form.description', el('textarea', { name: 'description', rows: 2, maxlength: '2000' }, v.description || ''), { wide: true, optional: true }),
        field('form.images', el('textarea', { name: 'images', rows: 2, class: 'mono', placeholder: 'https://…/photo.jpg' }, (v.images || []).join('\n')), { wide: true, optional: true })),
      el('fieldset', { class: 'trace' }, el('legend', {}, t('form.trace')),
        el('div', { class: 'grid-2' },
          field('form.origin', input({ name: 'origin', value: tr.origin || '' }), { optional: true }),
          field('form.producer', input({ name: 'producer', value: tr.producer || '' }), { optional: true }),
          field('form.producedOn', input({ name: 'produced_on', value: tr.produced_on || '', placeholder: '2026-09-18' }), { optional: true }),
          field('form.story', el('textarea', { name: 'story', rows: 2 }, tr.story || ''), { wide: true, optional: true }))),
    ];
    formDialog({
      title: p ? t('form.editTitle') : t('form.addTitle'),
      fields,
      wide: true,
      submitText: p ? t('form.save') : t('form.create'),
      submit: (form) => this.save(form, p),
    });
  }

  async save(form, original) {
    const read = readProduct(form, original, this.ctx.shelf.products);
    if (read.error) {
      showFormError(form, t(read.error, read.vars), read.name);
      return null;
    }
    const { body } = read;
    try {
      let product;
      if (original) {
        if (!Object.keys(body).length) { toast(t('prod.noChange')); return true; }
        product = await this.ctx.call(`/products/${encodeURIComponent(original.sku)}`, { method: 'PATCH', body });
      } else {
        product = await this.ctx.call('/products', { method: 'POST', body });
      }
      this.ctx.upsertProduct(product);
      toast(t(original ? 'prod.saved' : 'prod.added', { title: product.title }));
      return true;
    } catch (e) {
      return errorText('act.save', e);
    }
  }
}

// The form's values as a product body (all fields for a new one, only the changed ones for an
// edit, so a stock changed by purchases meanwhile is never written back), or the first problem.
export function readProduct(form, original, products) {
  const f = form.elements;
  const bad = (error, name, vars = {}) => ({ error, name, vars });
  const title = f.title.value.trim();
  if (!title) return bad('v.required', 'title', { field: t('form.title') });
  if (chars(title) > 60) return bad('v.titleLen', 'title');
  const price = yuanToCents(f.price.value);
  if (price.error) return bad(price.error, 'price', { ...price.vars, field: price.error === 'v.required' ? t('form.price') : '' });
  const stock = wholeNumber(f.stock.value, { min: 0, max: 100_000_000, field: t('form.stock'), negativeKey: 'v.stockNegative' });
  if (stock.error) return bad(stock.error, 'stock', stock.vars);
  const limit = wholeNumber(f.limit.value || '0', { min: 0, max: 9999, field: t('form.limit') });
  if (limit.error) return bad(limit.error, 'limit', limit.vars);
  let sku = original ? original.sku : f.sku.value.trim();
  if (!original) {
    if (!sku) sku = `p-${Date.now().toString(36)}`;
    if (!SKU.test(sku)) return bad('v.sku', 'sku');
    if (products.some((p) => p.sku === sku)) return bad('v.skuExists', 'sku', { sku });
  }
  const tags = f.tags.value.split(/[,，、;；\s]+/).map((s) => s.trim()).filter(Boolean);
  if (tags.length > 10 || tags.some((s) => chars(s) > 12)) return bad('v.tags', 'tags');
  const images = f.images.value.split('\n').map((s) => s.trim()).filter(Boolean);
  if (images.length > 9 || images.some((s) => !IMAGE.test(s))) return bad('v.images', 'images');
  const trace = { origin: f.origin.value.trim(), producer: f.producer.value.trim(), produced_on: f.produced_on.value.trim(), story: f.story.value.trim() };
  const full = {
    sku, title, price_cents: price.value, stock: stock.value, limit_per_viewer: limit.value,
    tags, images, description: f.description.value.trim(), trace,
  };
  if (!original) return { body: full };
  const body = {};
  for (const k of ['title', 'price_cents', 'stock', 'limit_per_viewer', 'description']) if (full[k] !== (original[k] ?? '')) body[k] = full[k];
  for (const k of ['tags', 'images']) if (JSON.stringify(full[k]) !== JSON.stringify(original[k] || [])) body[k] = full[k];
  const ot = original.trace || {};
  if (Object.keys(trace).some((k) => trace[k] !== (ot[k] || ''))) body.trace = trace;
  return { body };
}
