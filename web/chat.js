// Livecart room chat: joins /ws/rooms/{id}, renders batches, sends chat and aggregated likes.
const params = new URLSearchParams(location.search);
const roomId = params.get('room') || 'demo';
const tokenKey = `livecart.token.${roomId}`;
const MAX_NODES = 200;
const LIKE_FLUSH_MS = 500;

const $ = (id) => document.getElementById(id);
const ui = {
  title: $('title'), online: $('online'), likes: $('likes'), status: $('status'),
  joinPanel: $('join-panel'), nick: $('nick'), join: $('join'),
  staffBar: $('staff-bar'), roleBadge: $('role-badge'), slow: $('slow'),
  messages: $('messages'), notice: $('notice'), composer: $('composer'),
  text: $('text'), send: $('send'), like: $('like'), error: $('error'), slowHint: $('slow-hint'),
};

const ERRORS = {
  rate_limited: '发言太快了，请稍后再试', slow_mode: '慢速模式中，请稍后再发', muted: '你已被禁言',
  banned_word: '消息包含违禁词', too_long: '消息太长了（最多 200 字）', empty: '消息不能为空',
  invalid_text: '消息包含无效字符', forbidden: '没有权限', banned: '你已被移出直播间',
  room_closed: '直播已结束', not_found: '消息不存在',
};
const ROLE_NAMES = { host: '主播', operator: '场控', admin: '管理员' };

let ws = null;
let me = null;
let refSeq = 0;
let pendingLikes = 0;
let likeTimer = null;
let reconnectDelay = 1000;
let reconnectTimer = null;
let finalClose = false;

ui.nick.value = params.get('nick') || localStorage.getItem('livecart.nick') || '';

function setStatus(text, cls) {
  ui.status.textContent = text;
  ui.status.className = `status ${cls || ''}`;
}

function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { ui.error.hidden = true; }, 4000);
}

function showNotice(text) {
  ui.notice.textContent = text;
  ui.notice.hidden = false;
  clearTimeout(showNotice.timer);
  showNotice.timer = setTimeout(() => { ui.notice.hidden = true; }, 3000);
}

function isStaff() { return me && me.role !== 'viewer'; }

function nearBottom() {
  const m = ui.messages;
  return m.scrollHeight - m.scrollTop - m.clientHeight < 40;
}

function append(node) {
  const stick = nearBottom();
  ui.messages.appendChild(node);
  while (ui.messages.children.length > MAX_NODES) ui.messages.firstElementChild.remove();
  if (stick) ui.messages.scrollTop = ui.messages.scrollHeight;
}

function staffButton(label, message) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', () => send(message));
  return b;
}

function renderChat(e) {
  const li = document.createElement('li');
  li.className = 'msg';
  li.dataset.id = String(e.id);
  li.dataset.user = e.user.id;
  if (ROLE_NAMES[e.user.role]) {
    const badge = document.createElement('span');
    badge.className = `badge ${e.user.role}`;
    badge.textContent = ROLE_NAMES[e.user.role];
    li.appendChild(badge);
  }
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = `${e.user.nick}:`;
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = e.text;
  li.append(who, text);
  if (isStaff() && e.user.role === 'viewer') {
    const actions = document.createElement('span');
    actions.className = 'actions';
    actions.append(
      staffButton('删除', { type: 'delete', id: e.id }),
      staffButton('禁言', { type: 'mute', user: e.user.id, seconds: 600 }),
      staffButton('踢出', { type: 'ban', user: e.user.id }),
    );
    li.appendChild(actions);
  }
  append(li);
}

function renderJoin(e) {
  if (!e.users.length) return;
  const li = document.createElement('li');
  li.className = 'joinline';
  const first = e.users[0].nick;
  const total = e.users.length + (e.more || 0);
  li.textContent = total > 1 ? `${first} 等${total}人 来了` : `${first} 来了`;
  append(li);
}

function setSlowMode(seconds) {
  ui.slow.value = String(seconds);
  ui.slowHint.hidden = seconds === 0 || isStaff();
  ui.slowHint.textContent = seconds ? `慢速模式：每 ${seconds} 秒可发一条` : '';
}

const handlers = {
  chat: renderChat,
  likes: (e) => { ui.likes.textContent = String(e.total); },
  join: renderJoin,
  online: (e) => { ui.online.textContent = String(e.count); },
  delete: (e) => { ui.messages.querySelector(`.msg[data-id="${Number(e.id)}"]`)?.remove(); },
  slow_mode: (e) => { setSlowMode(e.seconds); showNotice(e.seconds ? `已开启慢速模式（${e.seconds} 秒）` : '已关闭慢速模式'); },
  error: (e) => showError(ERRORS[e.code] || e.message),
  ack: (e) => showNotice(`已执行：${e.action}`),
  room_closed: () => { finalClose = true; setStatus('直播已结束', 'down'); },
  welcome: onWelcome,
};

function onWelcome(w) {
  me = w.you;
  if (w.you.role === 'viewer') localStorage.setItem(tokenKey, w.token);
  ui.title.textContent = w.room.title;
  document.title = `${w.room.title} · Livecart`;
  ui.online.textContent = String(w.online);
  ui.likes.textContent = String(w.likes);
  ui.messages.replaceChildren();
  ui.joinPanel.hidden = true;
  ui.staffBar.hidden = !isStaff();
  ui.roleBadge.textContent = ROLE_NAMES[me.role] || '';
  ui.roleBadge.className = `badge ${me.role}`;
  setSlowMode(w.slow_mode);
  for (const e of w.history) renderChat(e);
  for (const el of [ui.text, ui.like]) el.disabled = false;
  ui.send.disabled = ui.text.value.trim() === '';
  setStatus(`已进入 · ${me.nick}`, 'live');
  reconnectDelay = 1000;
}

function dispatch(e) {
  const h = handlers[e.type];
  if (h) h(e);
}

function send(message) {
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(message));
  return true;
}

function connect() {
  clearTimeout(reconnectTimer);
  finalClose = false;
  const q = new URLSearchParams();
  const nick = ui.nick.value.trim();
  if (nick) {
    q.set('nick', nick);
    localStorage.setItem('livecart.nick', nick);
  }
  const token = params.get('token') || localStorage.getItem(tokenKey);
  if (token) q.set('token', token);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = q.toString();
  ws = new WebSocket(`${scheme}://${location.host}/ws/rooms/${encodeURIComponent(roomId)}${query ? `?${query}` : ''}`);
  setStatus('连接中…');
  ws.addEventListener('message', (ev) => {
    let msg;
    try { msg = JSON.parse(ev.data); } catch { return; }
    if (msg.type === 'batch') msg.events.forEach(dispatch); else dispatch(msg);
  });
  ws.addEventListener('close', onClose);
}

function onClose(ev) {
  for (const el of [ui.text, ui.send, ui.like]) el.disabled = true;
  const reasons = { 1000: '直播已结束', 1001: '服务器重启中', 1007: '消息编码无效', 1008: '你已被移出直播间', 1009: '消息太大' };
  if (ev.code === 1008 || finalClose || (ev.code === 1000 && ev.reason === 'room closed')) {
    setStatus(reasons[ev.code] || '连接已关闭', 'down');
    return;
  }
  if (!me && ev.code === 1006) {
    // Refused before the upgrade (bad token, unknown room): a saved token may be stale.
    localStorage.removeItem(tokenKey);
  }
  const delay = reconnectDelay;
  reconnectDelay = Math.min(reconnectDelay * 2, 30000);
  setStatus(`${reasons[ev.code] || '连接断开'}，${Math.round(delay / 1000)} 秒后重连…`, 'down');
  reconnectTimer = setTimeout(connect, delay);
}

function flushLikes() {
  likeTimer = null;
  while (pendingLikes > 0) {
    const count = Math.min(pendingLikes, 100);
    if (!send({ type: 'like', count })) break;
    pendingLikes -= count;
  }
}

ui.join.addEventListener('click', connect);
ui.nick.addEventListener('keydown', (e) => { if (e.key === 'Enter') connect(); });
ui.text.addEventListener('input', () => { ui.send.disabled = ui.text.value.trim() === ''; });
ui.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = ui.text.value.trim();
  if (!text) return;
  if (send({ type: 'chat', text, ref: `c${++refSeq}` })) {
    ui.text.value = '';
    ui.send.disabled = true;
  }
});
ui.like.addEventListener('click', () => {
  pendingLikes += 1;
  ui.likes.textContent = String(Number(ui.likes.textContent) + 1);
  if (!likeTimer) likeTimer = setTimeout(flushLikes, LIKE_FLUSH_MS);
});
ui.slow.addEventListener('change', () => send({ type: 'slow_mode', seconds: Number(ui.slow.value) }));

// With a key or a saved token there is nothing to ask: join at once.
if (params.get('token') || localStorage.getItem(tokenKey)) connect();
