// localStorage may throw (private mode, storage off): treat that as "nothing saved".
export const store = {
  get(k) { try { return localStorage.getItem(k); } catch { return null; } },
  set(k, v) { try { localStorage.setItem(k, v); } catch { /* not kept */ } },
  del(k) { try { localStorage.removeItem(k); } catch { /* nothing to remove */ } },
};
