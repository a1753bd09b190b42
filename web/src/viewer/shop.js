// What the room sells, as this viewer knows it: the shelf (GET …/shelf) kept current by the
// batch events pin, product, shelf, stock, flash_sale and coupon. No DOM here.
import { serverNow } from './clock.js';

export class Shop {
  constructor() {
    this.order = [];             // on-shelf SKUs in the host's order
    this.products = new Map();   // sku → PRODUCT (also a pinned product not on the shelf list yet)
    this.pinned = null;          // sku
    this.sales = new Map();      // sale id → SALE
    this.coupons = new Map();    // coupon id → COUPON (claimable ones)
    this.points = [];            // pickup points
  }

  applyShelf(shelf) {
    this.order = [];
    this.products.clear();
    for (const p of shelf.products || []) {
      this.products.set(p.sku, p);
      this.order.push(p.sku);
    }
    this.pinned = shelf.pinned || null;
    this.sales.clear();
    for (const s of shelf.flash_sales || []) this.sales.set(s.id, s);
    this.coupons.clear();
    for (const c of shelf.coupons || []) this.coupons.set(c.id, c);
    this.points = Array.isArray(shelf.pickup_points) ? shelf.pickup_points : [];
  }

  // Applies one batch event; true when it changed what the shop shows.
  apply(e) {
    switch (e.type) {
      case 'shelf': this.applyShelf(e); return true;
      case 'pin':
        if (e.product) this.products.set(e.product.sku, e.product);
        this.pinned = e.product ? e.product.sku : null;
        return true;
      case 'product': {
        const p = e.product;
        if (!p) return false;
        this.products.set(p.sku, p);
        if (!p.on_shelf) {
          this.order = this.order.filter((s) => s !== p.sku);
          if (this.pinned === p.sku) this.pinned = null;
        } else if (!this.order.includes(p.sku)) this.order.push(p.sku);
        return true;
      }
      case 'stock': {
        const p = this.products.get(e.sku);
        if (!p || p.stock === e.stock) return false;
        this.products.set(e.sku, { ...p, stock: e.stock });
        return true;
      }
      case 'flash_sale':
        if (!e.sale) return false;
        this.sales.set(e.sale.id, e.sale);
        return true;
      case 'coupon':
        if (!e.coupon) return false;
        if (e.coupon.active) this.coupons.set(e.coupon.id, e.coupon);
        else this.coupons.delete(e.coupon.id);
        return true;
      default: return false;
    }
  }

  shelfProducts() { return this.order.map((s) => this.products.get(s)).filter(Boolean); }
  pinnedProduct() { return this.pinned ? this.products.get(this.pinned) || null : null; }
  product(sku) { return this.products.get(sku) || null; }

  // The sale a purchase of `sku` goes through now: scheduled or running (by the clock).
  activeSale(sku) {
    let best = null;
    for (const s of this.sales.values()) {
      if (s.sku !== sku) continue;
      const state = saleState(s);
      if (state === 'scheduled' || state === 'running') {
        if (!best || s.starts_at_ms < best.starts_at_ms) best = s;
      }
    }
    return best;
  }

  // What a viewer sees for a product: unit price, sale, and whether buying is possible now.
  offer(sku) {
    const p = this.products.get(sku);
    if (!p) return null;
    const sale = this.activeSale(sku);
    const state = sale ? saleState(sale) : null;
    const soldOut = p.stock <= 0 || (state === 'running' && sale.remaining <= 0);
    return {
      product: p,
      sale,
      saleState: state,
      price: state === 'running' ? sale.price_cents : p.price_cents,
      soldOut,
      notStarted: state === 'scheduled',
    };
  }
}

// A sale's state now, by the server's clock (the server tells changes too; this keeps a
// countdown that reaches zero from waiting for the next event).
export function saleState(s) {
  if (s.stopped || s.state === 'ended') return 'ended';
  if (s.state === 'sold_out' || s.remaining <= 0) return 'sold_out';
  const now = serverNow();
  if (now >= s.ends_at_ms) return 'ended';
  if (now < s.starts_at_ms) return 'scheduled';
  return 'running';
}
