// A bottom sheet (one at a time): the shelf, a product's details, an order, the nickname.
// `build` makes its content and is called again by refresh() when what it shows changes; the
// new content is morphed into the old (scroll position and buttons under a finger stay), then
// `rendered(body)` runs.
import { el } from '../common/dom.js';
import { t } from '../common/i18n.js';
import { icon } from './icons.js';
import { morph } from './morph.js';

export class Sheet {
  constructor(root) {
    this.backdrop = el('div', { class: 'backdrop', hidden: true, onclick: () => this.close() });
    this.body = el('div', { class: 'sheet-body' });
    this.closeButton = el('button', { type: 'button', class: 'sheet-close', onclick: () => this.close() }, icon('close'));
    this.panel = el('section', { class: 'sheet', hidden: true, role: 'dialog', 'aria-modal': 'true' }, this.closeButton, this.body);
    root.append(this.backdrop, this.panel);
    this.kind = '';
    this.build = null;
    this.onClose = null;
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && this.kind) this.close(); });
  }

  get isOpen() { return !!this.kind; }

  open(kind, build, { onClose = null, rendered = null } = {}) {
    if (this.kind && this.onClose) this.onClose();
    this.kind = kind;
    this.build = build;
    this.onClose = onClose;
    this.rendered = rendered;
    this.panel.className = `sheet sheet-${kind}`;
    this.closeButton.setAttribute('aria-label', t('v.close'));
    this.body.replaceChildren();
    this.refresh();
    this.backdrop.hidden = false;
    this.panel.hidden = false;
  }

  refresh() {
    if (!this.build) return;
    const fresh = this.build();
    if (this.body.firstChild) morph(this.body.firstChild, fresh);
    else this.body.append(fresh);
    if (this.rendered) this.rendered(this.body);
  }

  close() {
    if (!this.kind) return;
    const cb = this.onClose;
    this.kind = '';
    this.build = null;
    this.onClose = null;
    this.rendered = null;
    this.backdrop.hidden = true;
    this.panel.hidden = true;
    this.body.replaceChildren();
    if (cb) cb();
  }
}
