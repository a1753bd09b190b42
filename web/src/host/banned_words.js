// The room's own banned words (GET/PUT /api/rooms/{id}/banned-words), in the chat's
// moderation area: the saved list, words added and removed in a draft, one save. The server
// alone decides what a valid list is (its limits live there); its refusal is shown in words
// beside the list and the draft is kept, so nothing typed is lost.
import { el } from '../common/dom.js';
import { t } from '../common/i18n.js';
import { errorText, input, toast } from './ui.js';

// What the host types may hold several words: 加微信，代购、返现 or one per line.
const SEPARATORS = /[,，、;；\n]+/;

export class BannedWordsEditor {
  constructor(ctx) {
    this.ctx = ctx;
    this.saved = null;    // the server's list; null until loaded
    this.draft = [];
    this.problem = '';    // the last refusal, in words
    this.saving = false;
    this.open = false;
    this.word = input({ name: 'banned-word', maxlength: '200', 'data-testid': 'banned-input' });
    this.addBtn = el('button', { type: 'submit', class: 'small' });
    this.saveBtn = el('button', { type: 'button', class: 'primary small', 'data-testid': 'banned-save', onclick: () => this.save() });
    this.revertBtn = el('button', { type: 'button', class: 'ghost small', 'data-testid': 'banned-revert', onclick: () => this.revert() });
    this.form = el('form', { class: 'banned-add', novalidate: true }, this.word, this.addBtn);
    this.form.addEventListener('submit', (ev) => { ev.preventDefault(); this.add(); });
    this.list = el('ul', { class: 'banned-list', 'data-testid': 'banned-list' });
    this.list.addEventListener('click', (ev) => {
      const button = ev.target.closest('[data-act=remove-word]');
      if (button) this.remove(button.closest('li').dataset.word);
    });
    this.summary = el('summary', {});
    this.note = el('p', { class: 'banned-note muted' });
    this.status = el('span', { class: 'banned-status' });
    this.error = el('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'banned-error' });
    this.node = el('details', { class: 'banned-box', 'data-testid': 'banned-words' },
      this.summary, this.note, this.list, this.form, this.error,
      el('footer', { class: 'banned-foot' }, this.status, this.revertBtn, this.saveBtn));
    // The chat panel rebuilds its card on every render: the box keeps its own open state.
    this.node.addEventListener('toggle', () => { this.open = this.node.open; });
    this.render();
  }

  async load() {
    try {
      this.saved = (await this.ctx.call('/banned-words')).words || [];
      this.draft = [...this.saved];
      this.problem = '';
    } catch (e) {
      this.problem = errorText('act.bannedLoad', e);
    }
    this.render();
  }

  changed() {
    return this.saved !== null && (this.draft.length !== this.saved.length || this.draft.some((w, i) => w !== this.saved[i]));
  }

  render() {
    this.node.open = this.open;
    const n = this.saved === null ? '…' : this.saved.length;
    const dirty = this.changed();
    this.summary.replaceChildren(el('span', {}, t('bw.heading')), el('span', { class: 'count-pill' }, String(n)),
      ...(dirty ? [el('span', { class: 'unsaved-dot', title: t('bw.unsaved') })] : []));
    this.note.textContent = t('bw.note');
    this.word.placeholder = t('bw.placeholder');
    this.addBtn.textContent = t('bw.add');
    this.saveBtn.textContent = this.saving ? t('form.saving') : t('bw.save');
    this.revertBtn.textContent = t('bw.revert');
    this.saveBtn.disabled = !dirty || this.saving;
    this.revertBtn.hidden = !dirty;
    this.status.textContent = dirty ? t('bw.unsaved') : '';
    this.error.textContent = this.problem;
    this.error.hidden = !this.problem;
    const added = new Set(this.draft.filter((w) => !this.saved?.includes(w)));
    this.list.replaceChildren(...(this.draft.length
      ? this.draft.map((w) => el('li', { class: `word-chip${added.has(w) ? ' added' : ''}`, dataset: { word: w } },
        el('span', { class: 'word' }, w),
        el('button', { type: 'button', class: 'chip-x', 'data-act': 'remove-word', title: t('bw.remove', { word: w }), 'aria-label': t('bw.remove', { word: w }) }, '×')))
      : [el('li', { class: 'empty-words muted' }, this.saved === null ? t('bw.loading') : t('bw.none'))]));
  }

  add() {
    const words = this.word.value.split(SEPARATORS).map((w) => w.trim()).filter(Boolean);
    if (!words.length) {
      this.problem = t('bw.empty');
      this.render();
      this.word.focus();
      return;
    }
    const fresh = words.filter((w, i) => !this.draft.includes(w) && words.indexOf(w) === i);
    this.draft.push(...fresh);
    this.problem = fresh.length ? '' : t('bw.already', { word: words[0] });
    this.word.value = '';
    this.render();
    this.word.focus();
  }

  remove(word) {
    this.draft = this.draft.filter((w) => w !== word);
    this.problem = '';
    this.render();
  }

  revert() {
    this.draft = [...(this.saved || [])];
    this.problem = '';
    this.render();
  }

  async save() {
    if (this.saving || !this.changed()) return;
    this.saving = true;
    this.problem = '';
    this.render();
    try {
      this.saved = (await this.ctx.call('/banned-words', { method: 'PUT', body: { words: this.draft } })).words || [];
      this.draft = [...this.saved];
      toast(t('bw.saved', { n: this.saved.length }));
    } catch (e) {
      // A list the server refuses (bad_field) is told with its rule, then the server's own words.
      this.problem = e?.code === 'bad_field'
        ? t('bw.refused', { message: e.message || '' })
        : errorText('act.bannedSave', e);
    } finally {
      this.saving = false;
      this.render();
    }
  }
}
