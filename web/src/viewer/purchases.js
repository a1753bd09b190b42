// One-click purchases over the room socket. Each attempt has a fresh idempotency key; the same
// attempt is sent again with the same key when no answer comes (or the socket comes back), so
// a retry never buys twice. Answers: order_result with the attempt's ref.
import { freshKey } from './keys.js';

const ANSWER_MS = 8000;      // no order_result for this long: send the attempt again
const GIVE_UP_MS = 30000;    // past this the outcome is unknown: the order list will tell
const MAX_SENDS = 4;

export class Purchases {
  constructor({ send, onChange = () => {}, onResult = () => {} }) {
    this.send = send;
    this.onChange = onChange;
    this.onResult = onResult;
    this.byRef = new Map();
    this.seq = 0;
  }

  pending(sku) {
    for (const a of this.byRef.values()) if (a.sku === sku) return a;
    return null;
  }

  // fields: pickup_point, expected_price_cents, sale, coupon (each optional).
  buy(sku, fields = {}) {
    if (this.pending(sku)) return null;
    const key = freshKey();
    const ref = `b${++this.seq}`;
    const frame = { type: 'buy', sku, quantity: 1, key, ref };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null && v !== '') frame[k] = v;
    const a = { sku, ref, frame, sends: 0, retrying: false, startedAt: Date.now(), timer: null };
    this.byRef.set(ref, a);
    a.giveUp = setTimeout(() => this.finish(a, { outcome: a.sends ? 'lost' : 'not_sent' }), GIVE_UP_MS);
    this.transmit(a);
    this.onChange();
    return a;
  }

  transmit(a) {
    clearTimeout(a.timer);
    if (!this.byRef.has(a.ref)) return;
    if (!this.send(a.frame)) return; // not connected: sent again once the room welcomes us back
    a.sends += 1;
    a.timer = setTimeout(() => {
      if (a.sends >= MAX_SENDS) { this.finish(a, { outcome: 'lost' }); return; }
      a.retrying = true;
      this.onChange();
      this.transmit(a);
    }, ANSWER_MS);
  }

  // The socket joined (again): attempts still waiting go out with their own keys.
  resendAll() {
    for (const a of this.byRef.values()) {
      if (a.sends > 0) { a.retrying = true; }
      this.transmit(a);
    }
    this.onChange();
  }

  onOrderResult(msg) {
    const a = this.byRef.get(msg.ref);
    if (a) this.finish(a, msg);
  }

  // An `error` frame: a refused buy frame (rate limited) is sent again after the wait asked for.
  onError(msg) {
    const targets = msg.ref ? [this.byRef.get(msg.ref)].filter(Boolean) : [...this.byRef.values()];
    if (msg.code === 'rate_limited') {
      for (const a of targets) {
        clearTimeout(a.timer);
        a.timer = setTimeout(() => this.transmit(a), Math.max(200, Number(msg.retry_after_ms) || 1000));
      }
      return targets.length > 0;
    }
    if (msg.code === 'room_closed') {
      for (const a of [...this.byRef.values()]) this.finish(a, { outcome: 'room_closed' });
      return true;
    }
    if (msg.ref && targets.length) {
      this.finish(targets[0], { outcome: 'invalid', message: msg.message });
      return true;
    }
    return false;
  }

  finish(a, result) {
    if (!this.byRef.delete(a.ref)) return;
    clearTimeout(a.timer);
    clearTimeout(a.giveUp);
    this.onResult(a, result);
    this.onChange();
  }
}
