// What the host types becomes exact integers here: yuan → cents with no floating point, and
// whole numbers within a range. Each returns {value} or {error: 'string key', vars}.

const MONEY = /^(\d{1,9})(?:\.(\d{0,2}))?$/;

// "19.9" → 1990; "19.999", "-1", "1e3", "" are refused. `min`/`max` are cents.
export function yuanToCents(text, { min = 1, max = 100_000_000, field = '' } = {}) {
  const s = String(text ?? '').trim().replace(/^[¥￥]/, '').replace(/,/g, '');
  if (s === '') return { error: 'v.required', vars: { field } };
  const m = MONEY.exec(s);
  if (!m) return { error: field ? 'v.moneyFormat' : 'v.priceFormat', vars: { field } };
  const cents = Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
  if (cents < min || cents > max) return { error: field ? 'v.moneyFormat' : 'v.priceRange', vars: { field } };
  return { value: cents };
}

// Cents shown in an input: 1990 → "19.90", 500 → "5".
export function centsToInput(cents) {
  const n = Number(cents) || 0;
  return n % 100 === 0 ? String(n / 100) : `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;
}

export function wholeNumber(text, { min = 0, max = 100_000_000, field = '', negativeKey = '' } = {}) {
  const s = String(text ?? '').trim();
  if (s === '') return { error: 'v.required', vars: { field } };
  if (negativeKey && /^-\s*\d/.test(s)) return { error: negativeKey, vars: { field } };
  if (!/^\d{1,12}$/.test(s)) return { error: 'v.int', vars: { field, min, max } };
  const n = Number(s);
  if (n < min || n > max) return { error: 'v.int', vars: { field, min, max } };
  return { value: n };
}
