// Chinese first (zh-CN), English when chosen (kept per browser) or asked for with ?lang=en.
// Pages define their strings as { key: ['中文', 'English'] } and mark static text with
// data-i18n="key" (textContent) or data-i18n-placeholder / data-i18n-title.
import { store } from './store.js';

const LANG_KEY = 'livecart.lang';
const LANGS = ['zh-CN', 'en'];
const strings = {};
const listeners = [];
let lang = (() => {
  const asked = new URLSearchParams(location.search).get('lang');
  if (LANGS.includes(asked)) return asked;
  const saved = store.get(LANG_KEY);
  return LANGS.includes(saved) ? saved : 'zh-CN';
})();

export function define(table) { Object.assign(strings, table); }

// The text for `key` in the current language; {name} placeholders are filled from `vars`.
export function t(key, vars = {}) {
  const entry = strings[key];
  const text = entry ? entry[lang === 'en' ? 1 : 0] : key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

export function currentLang() { return lang; }

export function setLang(next) {
  if (!LANGS.includes(next) || next === lang) return;
  lang = next;
  store.set(LANG_KEY, next);
  applyI18n(document);
  for (const cb of listeners) cb(lang);
}

export function onLangChange(cb) { listeners.push(cb); }

export function applyI18n(root) {
  document.documentElement.lang = lang;
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of root.querySelectorAll('[data-i18n-title]')) node.title = t(node.dataset.i18nTitle);
}

// A button that switches 中文 ⇄ English.
export function langToggle() {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'lang-toggle';
  const label = () => { b.textContent = lang === 'en' ? '中文' : 'EN'; };
  label();
  b.addEventListener('click', () => { setLang(lang === 'en' ? 'zh-CN' : 'en'); label(); });
  return b;
}

define({
  'common.connecting': ['连接中…', 'Connecting…'],
  'common.connected': ['已连接', 'Connected'],
  'common.offline': ['连接断开，重连中…', 'Disconnected, reconnecting…'],
  'common.stale': ['数据已过时', 'Data is stale'],
  'common.retry': ['重试', 'Retry'],
  'common.copy': ['复制', 'Copy'],
  'common.copied': ['已复制', 'Copied'],
  'common.save': ['保存', 'Save'],
  'common.cancel': ['取消', 'Cancel'],
  'common.error': ['出错了：{message}', 'Error: {message}'],
});
