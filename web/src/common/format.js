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
