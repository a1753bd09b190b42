// The HTTP API (docs/protocol.md): JSON in and out, the room token as a bearer.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, { method = 'GET', body, token, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) throw new ApiError(res.status, json?.error?.code, json?.error?.message);
  return json;
}

// The room id of a page at /r/{room}, /host/{room} or /dashboard/{room}.
export function roomFromPath() {
  const parts = location.pathname.split('/').filter(Boolean);
  return parts.length >= 2 ? decodeURIComponent(parts[1]) : '';
}

// ?token=… (a host or operator key, or the admin token), or the one this browser kept.
export function tokenFromPage(storageKey, store) {
  const params = new URLSearchParams(location.search);
  const given = params.get('token') || params.get('key');
  if (given) {
    store.set(storageKey, given);
    // Keep the key out of the address bar (and of screenshots, history, shared links).
    params.delete('token');
    params.delete('key');
    const q = params.toString();
    history.replaceState(null, '', location.pathname + (q ? `?${q}` : '') + location.hash);
    return given;
  }
  return store.get(storageKey) || '';
}
