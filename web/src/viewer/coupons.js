// Coupons this viewer claimed in the room (claim_coupon → coupon_result), remembered per room
// and user in this browser so the next purchase can use the best one.
import { store } from '../common/store.js';
import { serverNow } from './clock.js';

export class Coupons {
  constructor({ room, send, onChange = () => {}, onResult = () => {} }) {
    this.room = room;
    this.send = send;
    this.onChange = onChange;
    this.onResult = onResult;
    this.user = '';
    this.claims = new Map();   // coupon id → { coupon, used }
    this.asked = new Map();    // ref → coupon
    this.seq = 0;
  }

  storageKey() { return `livecart.claims.${this.room}.${this.user}`; }

  setUser(userId) {
    if (userId === this.user) return;
    this.user = userId;
    this.claims.clear();
    try {
      for (const c of JSON.parse(store.get(this.storageKey()) || '[]')) this.claims.set(c.coupon.id, c);
    } catch { /* nothing usable kept */ }
    this.onChange();
  }

  save() { store.set(this.storageKey(), JSON.stringify([...this.claims.values()])); }

  isClaimed(id) { return this.claims.has(id); }
  isAsking(id) { for (const c of this.asked.values()) if (c.id === id) return true; return false; }

  claim(coupon) {
    if (this.isClaimed(coupon.id) || this.isAsking(coupon.id)) return;
    const ref = `k${++this.seq}`;
    if (!this.send({ type: 'claim_coupon', coupon: coupon.id, ref })) return;
    this.asked.set(ref, coupon);
    this.onChange();
  }

  onCouponResult(msg) {
    const coupon = this.asked.get(msg.ref);
    if (!coupon) return;
    this.asked.delete(msg.ref);
    if (msg.outcome === 'ok') {
      this.claims.set(coupon.id, { coupon, used: Number(msg.claim?.used_by_order) > 0 });
      this.save();
    }
    this.onResult(msg.outcome, coupon);
    this.onChange();
  }

  // The claimed, unused coupon worth most on one unit at `price` (none on flash-sale prices).
  bestFor(price, onSale) {
    if (onSale) return null;
    const now = serverNow();
    let best = null;
    for (const { coupon, used } of this.claims.values()) {
      if (used || price < (coupon.min_spend_cents || 0)) continue;
      if (coupon.expires_at_ms && coupon.expires_at_ms <= now) continue;
      if (coupon.discount_cents >= price) continue;
      if (!best || coupon.discount_cents > best.discount_cents) best = coupon;
    }
    return best;
  }

  markUsed(id) {
    const c = this.claims.get(id);
    if (!c) return;
    c.used = true;
    this.save();
    this.onChange();
  }

  drop(id) {
    if (this.claims.delete(id)) { this.save(); this.onChange(); }
  }
}
