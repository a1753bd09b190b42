// Impressions and clicks for the room's analytics. A card "appears" when it comes on screen
// (the pinned card, or the shelf opened); each appearance reports its product once, and a tap
// once, however often the card re-renders. Reports that could not go out (not connected yet)
// go when the room welcomes us.
const KEEP = 500;

export class Reporter {
  constructor(send) {
    this.send = send;
    this.done = new Set();     // "i:appearance:sku" / "c:appearance:sku" already sent
    this.waiting = new Map();  // the same keys, not sent yet → frame
    this.appearances = 0;
  }

  newAppearance() { return ++this.appearances; }

  impression(sku, appearance) { this.report('impression', sku, appearance); }
  click(sku, appearance) { this.report('click', sku, appearance); }

  report(type, sku, appearance) {
    if (!sku) return;
    const key = `${type[0]}:${appearance}:${sku}`;
    if (this.done.has(key)) return;
    const frame = { type, sku };
    if (this.send(frame)) this.mark(key);
    else this.waiting.set(key, frame);
  }

  mark(key) {
    this.waiting.delete(key);
    this.done.add(key);
    if (this.done.size > KEEP) this.done.delete(this.done.values().next().value);
  }

  flush() {
    for (const [key, frame] of [...this.waiting]) if (this.send(frame)) this.mark(key);
  }
}

// Calls onVisible(target) each time a watched element becomes at least half visible.
export function visibilityWatcher(onVisible, root = null) {
  if (typeof IntersectionObserver === 'undefined') {
    return { watch: (node) => onVisible(node), disconnect() {} };
  }
  const io = new IntersectionObserver((entries) => {
    for (const e of entries) if (e.isIntersecting) onVisible(e.target);
  }, { root, threshold: 0.5 });
  return { watch: (node) => io.observe(node), unwatch: (node) => io.unobserve(node), disconnect: () => io.disconnect() };
}
