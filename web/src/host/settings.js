// Where buyers collect (pickup points: add, remove) and where new orders are sent for
// fulfilment (the webhook URL).
import { el } from '../common/dom.js';
import { t } from '../common/i18n.js';
import { confirmDialog, errorText, input, showError, toast } from './ui.js';

export class SettingsPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.webhook = null;   // null until loaded
    this.hookError = '';
    this.node = el('section', { class: 'pane settings', 'data-testid': 'settings' });
    this.pointForm = this.buildPointForm();
    this.hookForm = this.buildHookForm();
    ctx.on('shelf', () => this.renderPoints());
  }

  async loadWebhook() {
    try {
      this.webhook = (await this.ctx.call('/webhook')).url || '';
      this.hookForm.elements.url.value = this.webhook;
    } catch (e) {
      this.hookError = errorText('act.load', e);
    }
    this.render();
  }

  render() {
    this.pointList = el('ul', { class: 'point-list' });
    this.node.replaceChildren(...[
      el('header', { class: 'pane-head' }, el('h2', {}, t('pp.heading'))),
      this.pointList,
      this.pointForm,
      el('header', { class: 'pane-head' }, el('h2', {}, t('hook.heading')),
        this.webhook === null ? null : el('span', { class: `state-chip ${this.webhook ? 'running' : 'ended'}` }, t(this.webhook ? 'hook.state.on' : 'hook.state.off'))),
      el('p', { class: 'muted hint' }, t('hook.intro')),
      this.hookForm,
      this.hookError ? el('p', { class: 'form-error' }, this.hookError) : null].filter(Boolean));
    this.relabel(this.pointForm);
    this.relabel(this.hookForm);
    this.renderPoints();
  }

  renderPoints() {
    if (!this.pointList) return;
    const points = this.ctx.shelf.pickup_points;
    if (!points.length) {
      this.pointList.replaceChildren(el('li', { class: 'empty-state' }, t('pp.none')));
      return;
    }
    this.pointList.replaceChildren(...points.map((p) => el('li', { class: 'point', dataset: { id: p.id } },
      el('span', { class: 'point-pin', 'aria-hidden': 'true' }),
      el('div', { class: 'point-main' }, el('strong', {}, p.name), el('small', { class: 'muted' }, p.address || '')),
      el('button', { type: 'button', class: 'danger-text', 'data-act': 'remove-point', onclick: () => this.removePoint(p) }, t('pp.remove')))));
  }

  // The forms are built once (what was typed survives a language switch); labels follow the language.
  relabel(form) {
    for (const span of form.querySelectorAll('[data-label]')) span.textContent = t(span.dataset.label);
    for (const b of form.querySelectorAll('[data-text]')) b.textContent = t(b.dataset.text);
    for (const i of form.querySelectorAll('[data-ph]')) i.placeholder = t(i.dataset.ph);
  }

  buildPointForm() {
    const label = (key, control, cls = '') => el('label', { class: `field ${cls}` }, el('span', { class: 'field-label', dataset: { label: key } }), control);
    const form = el('form', { class: 'inline-form point-form', novalidate: true, 'data-testid': 'point-form' },
      label('pp.name', input({ name: 'name', maxlength: '40', dataset: { ph: 'pp.namePh' } })),
      label('pp.address', input({ name: 'address', maxlength: '200' }), 'grow'),
      label('pp.lat', input({ name: 'lat', inputmode: 'decimal', class: 'coord' })),
      label('pp.lng', input({ name: 'lng', inputmode: 'decimal', class: 'coord' })),
      el('button', { type: 'submit', class: 'primary', dataset: { text: 'pp.add' } }),
      el('p', { class: 'form-error', hidden: true, role: 'alert' }));
    form.addEventListener('submit', (ev) => { ev.preventDefault(); this.addPoint(form); });
    return form;
  }

  async addPoint(form) {
    const f = form.elements;
    const error = form.querySelector('.form-error');
    const fail = (text, name) => { error.textContent = text; error.hidden = false; if (name) f[name].focus(); };
    error.hidden = true;
    const name = f.name.value.trim();
    if (!name) return fail(t('v.required', { field: t('pp.name') }), 'name');
    const body = { name, address: f.address.value.trim() };
    for (const [k, limit] of [['lat', 90], ['lng', 180]]) {
      const s = f[k].value.trim();
      if (!s) continue;
      const n = Number(s);
      if (!/^-?\d+(\.\d+)?$/.test(s) || Math.abs(n) > limit) return fail(t('v.coord'), k);
      body[k] = n;
    }
    try {
      const point = await this.ctx.call('/pickup-points', { method: 'POST', body });
      this.ctx.upsertPoint(point);
      form.reset();
      toast(t('pp.added'));
    } catch (e) {
      fail(errorText('act.pickup', e));
    }
  }

  async removePoint(p) {
    if (!(await confirmDialog(t('pp.removeConfirm', { name: p.name }), { okText: t('pp.remove'), danger: true }))) return;
    try {
      await this.ctx.call(`/pickup-points/${encodeURIComponent(p.id)}`, { method: 'DELETE' });
      this.ctx.shelf.pickup_points = this.ctx.shelf.pickup_points.filter((x) => x.id !== p.id);
      this.ctx.emit('shelf');
      toast(t('pp.removed'));
    } catch (e) { showError('act.removePickup', e); }
  }

  buildHookForm() {
    const form = el('form', { class: 'inline-form hook-form', novalidate: true, 'data-testid': 'webhook-form' },
      el('label', { class: 'field grow' }, el('span', { class: 'field-label', dataset: { label: 'hook.url' } }),
        input({ name: 'url', class: 'mono', placeholder: 'http://wms.example:8081/orders', inputmode: 'url' })),
      el('button', { type: 'submit', class: 'primary', dataset: { text: 'hook.save' } }),
      el('p', { class: 'form-error', hidden: true, role: 'alert' }));
    form.addEventListener('submit', (ev) => { ev.preventDefault(); this.saveHook(form); });
    return form;
  }

  async saveHook(form) {
    const error = form.querySelector('.form-error');
    error.hidden = true;
    const url = form.elements.url.value.trim();
    if (url && !/^http:\/\/[^\s/]+/.test(url)) {
      error.textContent = t('v.url');
      error.hidden = false;
      return;
    }
    try {
      this.webhook = (await this.ctx.call('/webhook', { method: 'PUT', body: { url } })).url || '';
      this.hookError = '';
      form.elements.url.value = this.webhook;
      this.render();
      toast(this.webhook ? t('hook.saved') : t('hook.off'));
    } catch (e) {
      error.textContent = errorText('act.webhook', e);
      error.hidden = false;
    }
  }
}
