// Lists that change many times a second during a sale (stock, sold counts, online) are patched
// in place rather than rebuilt: a button replaced between mousedown and mouseup never gets its
// click. Rows therefore carry no listeners of their own; their container delegates by data-act.

// Makes `container`'s children look like `nodes`, keeping every existing node that matches by
// position, tag and data-key (its listeners stay; new nodes bring theirs).
export function patchChildren(container, nodes) {
  const want = nodes.filter((n) => n !== null && n !== undefined && n !== false);
  const have = [...container.childNodes];
  want.forEach((next, i) => {
    const cur = have[i];
    if (!cur) container.append(next);
    else if (same(cur, next)) morph(cur, next);
    else container.replaceChild(next, cur);
  });
  for (let i = want.length; i < have.length; i++) have[i].remove();
}

function same(a, b) {
  if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) return false;
  if (a.nodeType !== Node.ELEMENT_NODE) return true;
  return (a.dataset.key ?? '') === (b.dataset.key ?? '');
}

function morph(cur, next) {
  if (cur.nodeType !== Node.ELEMENT_NODE) {
    if (cur.nodeValue !== next.nodeValue) cur.nodeValue = next.nodeValue;
    return;
  }
  for (const a of [...cur.attributes]) if (!next.hasAttribute(a.name)) cur.removeAttribute(a.name);
  for (const a of [...next.attributes]) if (cur.getAttribute(a.name) !== a.value) cur.setAttribute(a.name, a.value);
  patchChildren(cur, [...next.childNodes]);
}

// One click listener for a list: handler(action, key, button, event) for the nearest
// [data-act] inside the nearest [data-key] row.
export function delegate(container, handler) {
  container.addEventListener('click', (ev) => {
    const button = ev.target.closest('[data-act]');
    if (!button || !container.contains(button) || button.disabled) return;
    const row = button.closest('[data-key]');
    handler(button.dataset.act, row ? row.dataset.key : '', button, ev);
  });
}
