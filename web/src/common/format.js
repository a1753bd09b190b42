// Money is integer cents everywhere; it becomes yuan only here, for display.
export function yuan(cents) {
  const n = Number(cents) || 0;
  const sign = n < 0 ? '-' : '';
  const abs = Math.abs(n);
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function percent(ratio, digits = 1) {
  return `${((Number(ratio) || 0) * 100).toFixed(digits)}%`;
}

// 83000 → "1:23", 4000000 → "1:06:40".
export function duration(ms) {
  const s = Math.max(0, Math.floor((Number(ms) || 0) / 1000));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return `${h ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}

export function clock(unixMs) {
  const d = new Date(unixMs);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}`;
}

// 12345 → "1.2万" in Chinese, "12.3k" in English.
export function compact(n, lang = 'zh-CN') {
  const v = Number(n) || 0;
  if (lang !== 'en') return v >= 10000 ? `${(v / 10000).toFixed(1)}万` : String(v);
  return v >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(v);
}

// The exact amount with thousands separators, for a tooltip beside a compact figure:
// 1990000 → "¥19,900.00".
export function yuanExact(cents) {
  const n = Number(cents) || 0;
  const abs = Math.abs(n);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}¥${whole}.${String(abs % 100).padStart(2, '0')}`;
}

// Units for big sums: Chinese counts in 万 (10⁴) and 亿 (10⁸), English in K, M and B.
const MONEY_UNITS = {
  'zh-CN': [[1e8, '亿'], [1e4, '万']],
  en: [[1e9, 'B'], [1e6, 'M'], [1e3, 'K']],
};
const COMPACT_FROM_YUAN = 10_000;

// Money for a headline figure that must fit a small tile: exact below ¥10,000 (as yuan()
// shows it), above that three significant digits and a unit: 1990000 cents → "¥1.99万" in
// Chinese, "¥19.9K" in English. Digits are cut, never rounded up, so a figure never reads
// more than was taken (¥19,999 is "¥1.99万", not "¥2万"). Integer arithmetic throughout.
export function yuanCompact(cents, lang = 'zh-CN') {
  const n = Math.trunc(Number(cents) || 0);
  const abs = Math.abs(n);
  if (abs < COMPACT_FROM_YUAN * 100) return yuan(n);
  const [unit, suffix] = MONEY_UNITS[lang === 'en' ? 'en' : 'zh-CN'].find(([u]) => abs >= u * 100);
  const unitCents = unit * 100;
  const whole = Math.floor(abs / unitCents);
  const decimals = Math.max(0, 3 - String(whole).length);
  const scaled = Math.floor((abs * 10 ** decimals) / unitCents);
  let digits = String(scaled);
  if (decimals) {
    const int = digits.slice(0, -decimals);
    const frac = digits.slice(-decimals).replace(/0+$/, '');
    digits = frac ? `${int}.${frac}` : int;
  }
  return `${n < 0 ? '-' : ''}¥${digits}${suffix}`;
}
