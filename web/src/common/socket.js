// A WebSocket that reconnects by itself (backoff 0.5 s doubling to 15 s) and tells the page
// its state: 'connecting', 'open', 'closed' (waiting to reconnect), 'stale' (open but nothing
// received for `staleAfterMs`), 'ended' (the server closed it for good: room over, banned).
// `mayReconnect()` (async, optional) is asked before each reconnect: false ends it instead (a
// page that can tell its room has closed does not knock on a door that answers 410).
export class LiveSocket {
  constructor(url, { onMessage, onState, staleAfterMs = 0, finalCodes = [1000, 1008], mayReconnect = null } = {}) {
    this.url = url;
    this.mayReconnect = mayReconnect;
    this.onMessage = onMessage || (() => {});
    this.onState = onState || (() => {});
    this.staleAfterMs = staleAfterMs;
    this.finalCodes = finalCodes;
    this.backoff = 500;
    this.state = 'connecting';
    this.ws = null;
    this.lastMessageAt = 0;
    this.stopped = false;
    if (staleAfterMs) this.staleTimer = setInterval(() => this.checkStale(), Math.min(1000, staleAfterMs / 2));
    this.connect();
  }

  setState(s, detail) {
    if (this.state === s && !detail) return;
    this.state = s;
    this.onState(s, detail);
  }

  connect() {
    if (this.stopped) return;
    this.setState('connecting');
    const ws = new WebSocket(typeof this.url === 'function' ? this.url() : this.url);
    this.ws = ws;
    ws.onopen = () => { this.backoff = 500; this.lastMessageAt = Date.now(); this.setState('open'); };
    ws.onmessage = (ev) => {
      this.lastMessageAt = Date.now();
      if (this.state === 'stale') this.setState('open');
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      this.onMessage(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      if (this.stopped || this.finalCodes.includes(ev.code)) {
        this.stopped = true;
        this.setState('ended', { code: ev.code, reason: ev.reason });
        return;
      }
      this.setState('closed', { code: ev.code });
      setTimeout(async () => {
        if (this.mayReconnect && !this.stopped && !(await this.mayReconnect())) {
          this.stopped = true;
          this.setState('ended', { code: ev.code, reason: ev.reason });
          return;
        }
        this.connect();
      }, this.backoff);
      this.backoff = Math.min(this.backoff * 2, 15000);
    };
  }

  checkStale() {
    if (this.state === 'open' && Date.now() - this.lastMessageAt > this.staleAfterMs) this.setState('stale');
  }

  send(obj) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  close() {
    this.stopped = true;
    clearInterval(this.staleTimer);
    if (this.ws) this.ws.close();
  }
}

export function wsUrl(path) {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
}
