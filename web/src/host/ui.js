// The console's small pieces: toasts, dialogs (confirm and forms), labelled fields, copying,
// and one way to turn any refusal into words the host can act on.
import { el } from '../common/dom.js';
import { t } from '../common/i18n.js';

// ---- toasts: bottom right, errors stay until read (or 8 s) ----
let toastBox = null;
export function toast(text, kind = 'ok') {
  if (!toastBox) {
    toastBox = el('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(toastBox);
  }
  const close = el('button', { type: 'button', class: 'toast-close', 'aria-label': t('ui.close') }, '×');
  const node = el('div', { class: `toast-item ${kind}` }, el('span', { class: 'toast-text' }, text), close);
  const remove = () => node.remove();
  close.addEventListener('click', remove);
  toastBox.append(node);
  while (toastBox.children.length > 4) toastBox.firstElementChild.remove();
  setTimeout(remove, kind === 'error' ? 8000 : 3000);
  return node;
}

// "保存商品失败：输入有误（'stock' must be an integer）": the action, what kind of refusal,
// and the server's own message, so nothing the API says is lost.
export function errorText(action, e) {
  const code = e?.code || (e?.status === 0 ? 'network' : '');
  const known = code && t(`http.${code}`) !== `http.${code}` ? t(`http.${code}`) : '';
  const detail = e?.message && e.message !== code ? e.message : '';
  const reason = known && detail ? `${known}（${detail}）` : (known || detail || `HTTP ${e?.status ?? '?'}`);
  return t('http.failed', { action: t(action), reason });
}

export function showError(action, e) { return toast(errorText(action, e), 'error'); }

// ---- dialogs: one <dialog> at a time, Esc and the backdrop close it ----
export function openDialog(title, body, { wide = false, onClose } = {}) {
  const closeBtn = el('button', { type: 'button', class: 'icon-btn dialog-x', 'aria-label': t('ui.close') }, '×');
  const dialog = el('dialog', { class: `dialog${wide ? ' wide' : ''}` },
    el('header', { class: 'dialog-head' }, el('h2', {}, title), closeBtn), body);
  const close = () => { if (dialog.open) dialog.close(); };
  closeBtn.addEventListener('click', close);
  dialog.addEventListener('click', (ev) => { if (ev.target === dialog) close(); });
  dialog.addEventListener('close', () => { dialog.remove(); onClose?.(); });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, close };
}

export function confirmDialog(message, { okText = t('ui.confirm'), danger = false } = {}) {
  return new Promise((resolve) => {
    let answer = false;
    const ok = el('button', { type: 'button', class: danger ? 'danger' : 'primary' }, okText);
    const cancel = el('button', { type: 'button' }, t('ui.cancel'));
    const body = el('div', { class: 'dialog-body' }, el('p', { class: 'confirm-text' }, message),
      el('footer', { class: 'dialog-foot' }, cancel, ok));
    const { close } = openDialog(t('ui.confirm'), body, { onClose: () => resolve(answer) });
    ok.addEventListener('click', () => { answer = true; close(); });
    cancel.addEventListener('click', close);
    ok.focus();
  });
}

// A form in a dialog. `fields` are nodes (field(...) rows); `submit(form)` validates, calls the
// API and resolves true to close, or throws/returns a message to show inside the form.
export function formDialog({ title, fields, submitText, submit, wide = false }) {
  const error = el('p', { class: 'form-error', role: 'alert', hidden: true });
  const ok = el('button', { type: 'submit', class: 'primary' }, submitText || t('form.save'));
  const cancel = el('button', { type: 'button' }, t('form.cancel'));
  const form = el('form', { class: 'dialog-body form', novalidate: true }, ...fields,
    el('div', { class: 'dialog-sticky' }, error, el('footer', { class: 'dialog-foot' }, cancel, ok)));
  const { close } = openDialog(title, form, { wide });
  cancel.addEventListener('click', close);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    for (const bad of form.querySelectorAll('.invalid')) bad.classList.remove('invalid');
    ok.disabled = true;
    const label = ok.textContent;
    ok.textContent = t('form.saving');
    try {
      const result = await submit(form);
      if (result === true) close();
      else if (result) showFormError(form, result);
    } catch (e) {
      showFormError(form, String(e?.message || e));
    } finally {
      ok.disabled = false;
      ok.textContent = label;
    }
  });
  form.querySelector('input, textarea, select')?.focus();
  return { form, close };
}

// Shows a message inside a form, marking the input named `name` (when given).
export function showFormError(form, message, name) {
  const error = form.querySelector('.form-error');
  error.textContent = message;
  error.hidden = false;
  if (name) {
    const input = form.elements[name];
    input?.classList.add('invalid');
    input?.focus();
  }
}

// A labelled input: field('form.price', input({name:'price'})).
export function field(labelKey, control, { hint, wide = false, optional = false } = {}) {
  return el('label', { class: `field${wide ? ' wide' : ''}` },
    el('span', { class: 'field-label' }, t(labelKey), optional ? el('small', { class: 'muted' }, ` · ${t('form.optional')}`) : null),
    control, hint ? el('small', { class: 'muted field-hint' }, hint) : null);
}

export function input(attrs) { return el('input', { type: 'text', autocomplete: 'off', ...attrs }); }

export function select(name, options, value) {
  const s = el('select', { name });
  for (const [v, label] of options) s.append(el('option', { value: v, selected: String(v) === String(value) }, label));
  return s;
}

// Copies text; falls back to a selected textarea where the Clipboard API is missing (plain http).
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch { /* fall back below */ }
  const area = el('textarea', { class: 'copy-buffer', readonly: true });
  area.value = text;
  document.body.append(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  area.remove();
  return ok;
}

// A datetime-local value as Unix ms: null when blank, NaN when not a time.
export function parseLocalInput(value) {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : NaN;
}

// "12-02 14:30" in this browser's time.
export function shortTime(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
