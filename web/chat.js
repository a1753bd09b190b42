// Livecart room chat: joins /ws/rooms/{id}, renders batches, sends chat, aggregated likes and
// (for staff) moderation actions. User data reaches the DOM only through textContent.
const params = new URLSearchParams(location.search);
const roomId = params.get('room') || 'demo';
const paramToken = params.get('token') || '';
const TOKEN_KEY = `livecart.token.${roomId}`;
const NICK_KEY = 'livecart.nick';
const MAX_NODES = 200;        // the message list keeps at most this many nodes
const MAX_CHARS = 200;        // the server's --chat-max-chars default (code points)
const LIKE_FLUSH_MS = 500;    // at most one like frame per this period
const MAX_BACKOFF_MS = 30000;

const $ = (id) => document.getElementById(id);
const ui = {
  title: $('title'), online: $('online'), likes: $('likes'), status: $('status'), reconnect: $('reconnect'),
  joinPanel: $('join-panel'), nick: $('nick'), join: $('join'),
  staffBar: $('staff-bar'), roleBadge: $('role-badge'), slow: $('slow'),
  messages: $('messages'), more: $('more'), arrivals: $('arrivals'), notice: $('notice'),
  composer: $('composer'), text: $('text'), count: $('count'), send: $('send'), like: $('like'),
  error: $('error'), slowHint: $('slow-hint'),
};

const ERRORS = {
  rate_limited: '发言太快了，请稍后再试', slow_mode: '慢速模式中，请稍后再发', muted: '你已被禁言',
  banned_word: '消息包含违禁词', too_long: `消息太长了（最多 ${MAX_CHARS} 字）`, empty: '消息不能为空',
  invalid_text: '消息包含无效字符', forbidden: '没有权限', banned: '你已被移出直播间',
  room_closed: '直播已结束', not_found: '消息不存在或已删除',
};
const ROLE_NAMES = { host: '主播', operator: '场控', admin: '管理员' };
const ACKS = { mute: '已禁言', unmute: '已解除禁言', ban: '已踢出', delete: '已删除', slow_mode: '慢速模式已更新' };
const CLOSE_REASONS = {
  1000: '直播已结束', 1001: '服务器重启中', 1006: '连接断开', 1007: '消息编码无效', 1008: '你已被移出直播间', 1009: '消息太大',
};

// localStorage may throw (private mode, storage off): treat that as "nothing saved".
const store = {
  get(k) { try { return localStorage.getItem(k); } catch { return null; } },
  set(k, v) { try { localStorage.setItem(k, v); } catch { /* not kept */ } },
  del(k) { try { localStorage.removeItem(k); } catch { /* nothing to remove */ } },
};

let ws = null;
let me = null;                // welcome.you of the current session
let slowSeconds = 0;
let refSeq = 0;
const sentTexts = new Map();  // ref -> text, to give a refused message back to the input
let pendingLikes = 0;
let likeTimer = null;
let lastLikeAt = 0;
let likesShown = 0;
let cooldownUntil = 0;        // slow mode / rate limit: no sending before this time
let cooldownTimer = null;
let reconnectDelay = 1000;
let reconnectTimer = null;
let finalClose = false;       // room ended or banned: do not reconnect by ourselves

ui.nick.value = params.get('nick') || store.get(NICK_KEY) || '';

// ---------- small UI helpers ----------

function setStatus(text, cls) {
  ui.status.textContent = text;
  ui.status.className = `status ${cls || ''}`;
}

function flash(el, text, ms) {
  el.textContent = text;
  el.hidden = false;
  clearTimeout(el.flashTimer);
  el.flashTimer = setTimeout(() => { el.hidden = true; }, ms);
}
const showError = (text) => flash(ui.error, text, 4000);
const showNotice = (text) => flash(ui.notice, text, 3000);

function restartAnimation(el, cls) {
  el.classList.remove(cls);
  void el.offsetWidth;  // reflow so the animation starts again
  el.classList.add(cls);
}

function isStaff() { return !!me && Object.prototype.hasOwnProperty.call(ROLE_NAMES, me.role); }
const charCount = (s) => [...s].length;

function setComposerEnabled(on) {
  ui.text.disabled = !on;
  ui.like.disabled = !on;
  updateSend();
}

function updateSend() {
  const n = charCount(ui.text.value.trim());
  ui.count.hidden = n < MAX_CHARS - 20;
  ui.count.textContent = `${n}/${MAX_CHARS}`;
  ui.count.classList.toggle('over', n > MAX_CHARS);
  const wait = Math.ceil((cooldownUntil - Date.now()) / 1000);
  ui.send.textContent = wait > 0 ? `${wait} 秒` : '发送';
  ui.send.disabled = ui.text.disabled || n === 0 || n > MAX_CHARS || wait > 0;
}

function startCooldown(ms) {
  cooldownUntil = Math.max(cooldownUntil, Date.now() + ms);
  clearInterval(cooldownTimer);
  cooldownTimer = setInterval(() => {
    updateSend();
    if (Date.now() >= cooldownUntil) clearInterval(cooldownTimer);
  }, 250);
  updateSend();
}

// ---------- message list ----------

function nearBottom() {
  const m = ui.messages;
  return m.scrollHeight - m.scrollTop - m.clientHeight < 40;
}

function scrollToBottom() {
  ui.messages.scrollTop = ui.messages.scrollHeight;
  ui.more.hidden = true;
}

// Runs render() (which appends nodes), then bounds the list and keeps the scroll position:
// at the bottom when the reader was there, otherwise on what they were reading.
function withList(render) {
  const m = ui.messages;
  const stick = nearBottom();
  const before = m.children.length;
  render();
  const grew = m.children.length > before;
  if (m.children.length > MAX_NODES) {
    const height = m.scrollHeight;
    while (m.children.length > MAX_NODES) m.firstElementChild.remove();
    if (!stick) m.scrollTop -= height - m.scrollHeight;
  }
  if (stick) scrollToBottom();
  else if (grew) ui.more.hidden = false;
}

function staffButton(label, message) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', () => { if (send(message)) b.disabled = true; });
  return b;
}

function timeOf(ts) {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString('zh-CN', { hour12: false });
}

function renderChat(e) {
  if (!e.user) return;
  const li = document.createElement('li');
  li.className = 'msg';
  li.dataset.id = String(e.id);
  li.dataset.user = String(e.user.id);
  if (me && e.user.id === me.id) li.classList.add('mine');
  if (e.ts) li.title = timeOf(e.ts);
  const role = Object.prototype.hasOwnProperty.call(ROLE_NAMES, e.user.role) ? e.user.role : '';
  if (role) {
    const badge = document.createElement('span');
    badge.className = `badge ${role}`;
    badge.textContent = ROLE_NAMES[role];
    li.appendChild(badge);
  }
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = `${e.user.nick}：`;
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = e.text;
  li.append(who, text);
  if (isStaff() && !role && e.user.id !== me.id) {
    const actions = document.createElement('span');
    actions.className = 'actions';
    actions.append(
      staffButton('删除', { type: 'delete', id: e.id }),
      staffButton('禁言', { type: 'mute', user: e.user.id, seconds: 600 }),
      staffButton('踢出', { type: 'ban', user: e.user.id }),
    );
    li.appendChild(actions);
  }
  ui.messages.appendChild(li);
}

// Arrivals are a passing line above the input, never part of the message list.
function renderJoin(e) {
  const users = Array.isArray(e.users) ? e.users : [];
  if (!users.length) return;
  const total = users.length + (Number(e.more) || 0);
  ui.arrivals.textContent = total > 1 ? `${users[0].nick} 等${total}人 来了` : `${users[0].nick} 来了`;
  restartAnimation(ui.arrivals, 'show');
}

function setLikes(total) {
  likesShown = total;
  ui.likes.textContent = String(total);
}

function setSlowMode(seconds) {
  slowSeconds = Number(seconds) || 0;
  ui.slow.value = String(slowSeconds);
  ui.slowHint.hidden = slowSeconds === 0 || isStaff();
  ui.slowHint.textContent = slowSeconds ? `慢速模式：每 ${slowSeconds} 秒可发一条` : '';
}

// ---------- server events ----------

const handlers = {
  chat: renderChat,
  likes: (e) => {
    // Our own taps show at once; the server total catches up (it never goes down).
    if (e.total > likesShown) {
      setLikes(e.total);
      restartAnimation(ui.likes, 'bump');
    }
  },
  join: renderJoin,
  online: (e) => { ui.online.textContent = String(e.count); },
  delete: (e) => { ui.messages.querySelector(`.msg[data-id="${Number(e.id)}"]`)?.remove(); },
  slow_mode: (e) => {
    setSlowMode(e.seconds);
    showNotice(slowSeconds ? `已开启慢速模式（每 ${slowSeconds} 秒一条）` : '慢速模式已关闭');
  },
  error: onError,
  ack: (e) => showNotice(ACKS[e.action] || `已执行：${e.action}`),
  room_closed: () => { finalClose = true; setStatus('直播已结束', 'down'); },
  welcome: onWelcome,
};

function onError(e) {
  let text = ERRORS[e.code] || e.message || '出错了';
  const wait = Number(e.retry_after_ms) || 0;
  if (wait > 0) {
    const s = Math.ceil(wait / 1000);
    text += s >= 120 ? `（${Math.ceil(s / 60)} 分钟后可发言）` : `（${s} 秒后可再发）`;
    if (e.code === 'rate_limited' || e.code === 'slow_mode') startCooldown(wait);
  }
  if (e.code === 'banned' || e.code === 'room_closed') finalClose = true;
  // Give a refused chat message back so it can be edited or sent again.
  const lost = e.ref && sentTexts.get(e.ref);
  if (lost && ui.text.value === '') {
    ui.text.value = lost;
    updateSend();
  }
  showError(text);
}

function onWelcome(w) {
  me = w.you;
  // Viewer tokens are kept so a reload comes back as the same user; staff keys are not.
  if (me.role === 'viewer' && w.token) store.set(TOKEN_KEY, w.token);
  ui.title.textContent = w.room.title;
  document.title = `${w.room.title} · Livecart`;
  ui.online.textContent = String(w.online);
  setLikes(w.likes);
  ui.joinPanel.hidden = true;
  ui.staffBar.hidden = !isStaff();
  ui.roleBadge.textContent = ROLE_NAMES[me.role] || '';
  ui.roleBadge.className = `badge ${isStaff() ? me.role : ''}`;
  setSlowMode(w.slow_mode);
  ui.messages.replaceChildren();
  withList(() => { for (const e of w.history || []) renderChat(e); });
  scrollToBottom();
  setComposerEnabled(true);
  setStatus(`已进入 · ${me.nick}`, 'live');
  ui.reconnect.hidden = true;
  reconnectDelay = 1000;
}

function dispatch(e) {
  const h = e && Object.prototype.hasOwnProperty.call(handlers, e.type) ? handlers[e.type] : null;
  if (h) h(e);  // unknown types are ignored
}

// ---------- connection ----------

function send(message) {
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(message));
  return true;
}

function connect() {
  clearTimeout(reconnectTimer);
  reconnectTimer = null;
  if (ws && ws.readyState <= WebSocket.OPEN) return;  // already connecting or open
  finalClose = false;
  const q = new URLSearchParams();
  const nick = ui.nick.value.trim();
  if (nick) q.set('nick', nick);
  const savedToken = store.get(TOKEN_KEY);
  const token = paramToken || savedToken;
  if (token) q.set('token', token);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = q.toString();
  const sock = new WebSocket(`${scheme}://${location.host}/ws/rooms/${encodeURIComponent(roomId)}${query ? `?${query}` : ''}`);
  const attempt = { sock, welcomed: false, usedSavedToken: !paramToken && !!savedToken, nick };
  ws = sock;
  ui.join.disabled = true;
  ui.reconnect.hidden = true;
  setStatus('连接中…');
  sock.addEventListener('message', (ev) => {
    if (sock !== ws) return;
    let msg;
    try { msg = JSON.parse(ev.data); } catch { return; }
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'welcome') {
      attempt.welcomed = true;
      if (nick) store.set(NICK_KEY, nick);  // remembered once the server took it
    }
    if (msg.type === 'batch' && Array.isArray(msg.events)) withList(() => msg.events.forEach(dispatch));
    else dispatch(msg);
  });
  sock.addEventListener('close', (ev) => { if (sock === ws) onClose(ev, attempt); });
}

// Why a join was refused: the browser reports an HTTP refusal before the upgrade only as 1006,
// so ask the room API whether the room exists and is open (and whether the server answers at all).
async function diagnose() {
  try {
    const r = await fetch(`/api/rooms/${encodeURIComponent(roomId)}`, { cache: 'no-store' });
    if (r.status === 404) return 'not_found';
    if (!r.ok) return 'network';
    const room = await r.json();
    return room.status === 'closed' ? 'closed' : 'refused';
  } catch {
    return 'network';
  }
}

// Stops reconnecting by ourselves; retry offers the reconnect button.
function stop(text, retry) {
  finalClose = true;
  ws = null;
  setComposerEnabled(false);
  ui.join.disabled = false;
  setStatus(text, 'down');
  ui.reconnect.hidden = !retry;
}

async function onClose(ev, attempt) {
  setComposerEnabled(false);
  pendingLikes = 0;
  if (finalClose || ev.code === 1008 || (ev.code === 1000 && ev.reason === 'room closed')) {
    stop(CLOSE_REASONS[ev.code] || (finalClose ? '直播已结束' : '连接已关闭'), false);
    return;
  }
  if (!attempt.welcomed) {
    const why = await diagnose();
    if (ws !== attempt.sock) return;  // joined again meanwhile
    if (why === 'not_found') return stop('直播间不存在', true);
    if (why === 'closed') return stop('直播已结束', false);
    if (why === 'refused') {
      if (attempt.usedSavedToken) {  // expired, or signed by another server secret: join afresh
        store.del(TOKEN_KEY);
        ws = null;
        connect();
        return;
      }
      if (paramToken) return stop('密钥无效或不属于本直播间', false);
      if (attempt.nick) {
        ui.joinPanel.hidden = false;
        showError('昵称无效：1–20 个字符，不能只有空格');
        return stop('无法进入直播间', false);
      }
      return stop('无法进入直播间', true);
    }
  }
  ws = null;
  const delay = reconnectDelay;
  reconnectDelay = Math.min(reconnectDelay * 2, MAX_BACKOFF_MS);
  setStatus(`${CLOSE_REASONS[ev.code] || '连接断开'}，${Math.round(delay / 1000)} 秒后重连…`, 'down');
  ui.reconnect.hidden = false;
  ui.join.disabled = false;
  reconnectTimer = setTimeout(connect, delay);
}

function reconnectNow() {
  reconnectDelay = 1000;
  connect();
}

// ---------- likes ----------

function flushLikes() {
  likeTimer = null;
  if (pendingLikes <= 0) return;
  const count = Math.min(pendingLikes, 100);
  if (!send({ type: 'like', count })) {
    pendingLikes = 0;
    return;
  }
  pendingLikes -= count;
  lastLikeAt = Date.now();
  if (pendingLikes > 0) likeTimer = setTimeout(flushLikes, LIKE_FLUSH_MS);
}

function floatHeart() {
  const h = document.createElement('span');
  h.className = 'heart';
  h.textContent = '❤';
  h.style.setProperty('--dx', `${Math.round(Math.random() * 24 - 12)}px`);
  h.addEventListener('animationend', () => h.remove());
  ui.like.appendChild(h);
}

// ---------- input ----------

ui.joinPanel.addEventListener('submit', (e) => {
  e.preventDefault();
  reconnectDelay = 1000;
  if (ws) {  // a new nick means a new join
    const old = ws;
    ws = null;
    old.close();
  }
  connect();
});
ui.reconnect.addEventListener('click', reconnectNow);
ui.text.addEventListener('input', updateSend);
ui.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = ui.text.value.trim();
  if (ui.send.disabled || !text) return;
  const ref = `c${++refSeq}`;
  if (!send({ type: 'chat', text, ref })) return;
  sentTexts.set(ref, text);
  if (sentTexts.size > 20) sentTexts.delete(sentTexts.keys().next().value);
  ui.text.value = '';
  if (slowSeconds > 0 && !isStaff()) startCooldown(slowSeconds * 1000);
  updateSend();
});
ui.like.addEventListener('click', () => {
  if (pendingLikes < 1000) pendingLikes += 1;
  setLikes(likesShown + 1);
  floatHeart();
  if (!likeTimer) likeTimer = setTimeout(flushLikes, Math.max(0, lastLikeAt + LIKE_FLUSH_MS - Date.now()));
});
ui.slow.addEventListener('change', () => send({ type: 'slow_mode', seconds: Number(ui.slow.value) }));
ui.messages.addEventListener('scroll', () => { if (nearBottom()) ui.more.hidden = true; });
ui.more.addEventListener('click', scrollToBottom);
// Back online or back on the tab: do not sit out the rest of a backoff.
window.addEventListener('online', () => { if (reconnectTimer) reconnectNow(); });
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && reconnectTimer) reconnectNow();
});

// With a key, a saved token or a nick in the URL there is nothing to ask: join at once.
if (paramToken || store.get(TOKEN_KEY) || params.get('nick')) connect();
else if (matchMedia('(pointer: fine)').matches) ui.nick.focus({ preventScroll: true });  // no keyboard pop-up on phones
