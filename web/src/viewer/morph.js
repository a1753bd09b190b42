// Brings live DOM in line with a freshly built copy, keeping the nodes that stay the same kind.
// The shop's cards are rebuilt on every stock or sale event (up to twice a second in a flash
// sale); replacing them would swap the buy button out from under a finger mid-tap. Nodes with
// a different data-sku or data-key are replaced, never patched: their listeners belong to them.
const TEXT = 3;
const ELEMENT = 1;

function sameKind(a, b) {
  if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) return false;
  if (a.nodeType !== ELEMENT) return true;
  return a.getAttribute('data-sku') === b.getAttribute('data-sku') && a.getAttribute('data-key') === b.getAttribute('data-key');
}

export function morph(live, fresh) {
  if (!sameKind(live, fresh)) {
    live.replaceWith(fresh);
    return fresh;
  }
  if (live.nodeType === TEXT) {
    if (live.data !== fresh.data) live.data = fresh.data;
    return live;
  }
  if (live.nodeType !== ELEMENT) return live;
  for (const a of [...live.attributes]) if (!fresh.hasAttribute(a.name)) live.removeAttribute(a.name);
  for (const a of fresh.attributes) if (live.getAttribute(a.name) !== a.value) live.setAttribute(a.name, a.value);
  morphChildren(live, fresh);
  return live;
}

// Makes `live`'s children match `fresh`'s (fresh is consumed).
export function morphChildren(live, fresh) {
  const before = [...live.childNodes];
  const after = [...fresh.childNodes];
  after.forEach((node, i) => {
    if (i < before.length) morph(before[i], node);
    else live.append(node);
  });
  for (const gone of before.slice(after.length)) gone.remove();
}
