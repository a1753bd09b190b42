// The host console at /host/{room}?token=HOST_KEY: go live (OBS settings, stream key,
// preview), mic-link guests, the shelf and its promotions, orders, chat with moderation and live
// suggestions.
import '../common/base.css';
import './style.css';
import './strings.js';
import { api, roomFromPath } from '../common/api.js';
import { $, el } from '../common/dom.js';
import { compact } from '../common/format.js';
import { applyI18n, currentLang, langToggle, onLangChange, t } from '../common/i18n.js';
import { LiveSocket, wsUrl } from '../common/socket.js';
import { ChatPanel } from './chat.js';
import { GoLivePanel } from './golive.js';
import { checkKey, forgetKey, keepKey, keyFromPage, keyPrompt } from './key.js';
import { MicLinkCard } from './miclink.js';
import { OrdersPanel } from './orders.js';
import { ProductPanel } from './products.js';
import { PromoPanel } from './promos.js';
import { SettingsPanel } from './settings.js';
import { SuggestionFeed } from './suggestions.js';
import { confirmDialog, showError } from './ui.js';
import { patchChildren } from './view.js';

const app = $('#app');
const room = roomFromPath();

document.title = t('host.title');
applyI18n(document);

async function boot(key) {
  if (!room) {
    keyPrompt(app, { room: '', problem: t('key.noRoomInPath'), fatal: true, onKey: () => {} });
    return;
  }
  if (!key) {
    keyPrompt(app, { room, onKey: tryKey });
    return;
  }
  app.replaceChildren(el('p', { class: 'boot muted' }, t('key.checking')));
  const r = await checkKey(room, key);
  if (!r.keys) {
    if (!r.retry) forgetKey(room);
    keyPrompt(app, { room, problem: r.problem, fatal: r.fatal, onKey: tryKey });
    return;
  }
  keepKey(room, key);
  start(key, r.keys);
}

function tryKey(key) { boot(key); }

// What every panel shares: the room, its key, the shelf as last known, and a tiny event bus.
function makeContext(key) {
  const listeners = new Map();
  const scheduled = new Set();
  const ctx = {
    room,
    key,
    shelf: { products: [], pinned: null, flash_sales: [], coupons: [], pickup_points: [] },
    call: (path, opts = {}) => api(`/api/rooms/${encodeURIComponent(room)}${path}`, { ...opts, token: key }),
    send: () => false,
    on(type, fn) { if (!listeners.has(type)) listeners.set(type, []); listeners.get(type).push(fn); },
    // Several changes in one frame (a batch of events) render once.
    emit(type, arg) {
      if (type !== 'shelf') { for (const fn of listeners.get(type) || []) fn(arg); return; }
      if (scheduled.has(type)) return;
      scheduled.add(type);
      requestAnimationFrame(() => { scheduled.delete(type); for (const fn of listeners.get(type) || []) fn(arg); });
    },
    productTitle(sku) { return ctx.shelf.products.find((p) => p.sku === sku)?.title || sku; },
    upsertProduct(p) {
      const list = ctx.shelf.products;
      const i = list.findIndex((x) => x.sku === p.sku);
      if (p.on_shelf === false) { if (i >= 0) list.splice(i, 1); } else if (i >= 0) list[i] = p; else list.push(p);
      ctx.emit('shelf');
    },
    upsertSale(s) { upsert(ctx.shelf.flash_sales, s, 'id'); ctx.emit('shelf'); },
    upsertCoupon(c) {
      const list = ctx.shelf.coupons;
      if (c.active === false) ctx.shelf.coupons = list.filter((x) => x.id !== c.id); else upsert(list, c, 'id');
      ctx.emit('shelf');
    },
    upsertPoint(p) { upsert(ctx.shelf.pickup_points, p, 'id'); ctx.emit('shelf'); },
  };
  return ctx;
}

function upsert(list, item, idKey) {
  const i = list.findIndex((x) => x[idKey] === item[idKey]);
  if (i >= 0) list[i] = item; else list.push(item);
}

function start(key, keys) {
  const ctx = makeContext(key);
  const info = { title: room, status: 'open', online: 0, likes: 0, live: false, conn: 'connecting' };

  const golive = new GoLivePanel(ctx, keys);
  const suggestions = new SuggestionFeed(ctx);
  const micLink = new MicLinkCard(ctx);
  const chat = new ChatPanel(ctx);
  const products = new ProductPanel(ctx);
  const promos = new PromoPanel(ctx);
  const orders = new OrdersPanel(ctx);
  const settings = new SettingsPanel(ctx);

  // ---- layout ----
  const tabs = [
    { id: 'products', label: 'tab.products', pane: products.node },
    { id: 'promos', label: 'tab.promos', pane: promos.node },
    { id: 'orders', label: 'tab.orders', pane: orders.node },
    { id: 'settings', label: 'tab.settings', pane: settings.node },
  ];
  let activeTab = 'products';
  const tabBar = el('nav', { class: 'tabs', role: 'tablist' });
  const renderTabs = () => {
    patchChildren(tabBar, tabs.map((tab) => el('button', {
      type: 'button', role: 'tab', class: `tab${tab.id === activeTab ? ' active' : ''}`, 'aria-selected': String(tab.id === activeTab),
      'data-tab': tab.id, 'data-key': tab.id, onclick: () => { activeTab = tab.id; renderTabs(); },
    }, t(tab.label), tab.id === 'products' ? el('span', { class: 'tab-count' }, String(ctx.shelf.products.length)) : null)));
    for (const tab of tabs) tab.pane.hidden = tab.id !== activeTab;
  };
  ctx.on('shelf', renderTabs);

  const header = el('header', { class: 'topbar' });
  const renderHeader = () => {
    patchChildren(header, [
      el('div', { class: 'brand' }, el('span', { class: 'logo-mark' }, '●'), t('host.brand')),
      el('div', { class: 'room-name' }, el('strong', {}, info.title), el('span', { class: 'muted mono' }, `#${room}`)),
      el('span', { class: `live-pill big ${info.live ? 'on' : ''}`, 'data-testid': 'header-live' }, info.live ? t('host.live') : t('host.notLive')),
      el('span', { class: 'stat' }, t('host.online', { n: compact(info.online, currentLang()) })),
      el('span', { class: 'stat likes' }, t('host.likes', { n: compact(info.likes, currentLang()) })),
      el('span', { class: 'conn', 'data-testid': 'conn' }, el('span', { class: `status-dot ${info.conn}` }), t(`host.conn.${info.conn}`)),
      el('div', { class: 'top-actions' },
        el('a', { class: 'ghost-link', href: `/r/${encodeURIComponent(room)}`, target: '_blank', rel: 'noopener' }, t('host.viewPage')),
        el('button', { type: 'button', class: 'ghost small', 'data-testid': 'switch-key', onclick: switchKey }, t('host.switchKey')),
        langToggle())]);
  };
  const closedBanner = el('div', { class: 'banner', hidden: true, role: 'status' });
  const renderBanner = () => {
    closedBanner.hidden = info.status !== 'closed';
    closedBanner.textContent = t('host.roomClosed');
  };

  app.replaceChildren(header, closedBanner, el('div', { class: 'console' },
    el('aside', { class: 'col-left' }, golive.node, micLink.node, suggestions.node),
    el('main', { class: 'col-mid' }, tabBar, el('div', { class: 'tab-body' }, ...tabs.map((tab) => tab.pane))),
    el('aside', { class: 'col-right' }, chat.node)));

  const renderAll = () => {
    document.title = `${t('host.title')} · ${info.title}`;
    renderHeader();
    renderBanner();
    renderTabs();
    golive.render();
    micLink.render();
    suggestions.render();
    chat.render();
    products.render();
    promos.render();
    orders.render();
    settings.render();
  };
  renderAll();
  onLangChange(renderAll);
  ctx.on('live', (live) => { info.live = live; renderHeader(); });

  async function switchKey() {
    if (!(await confirmDialog(t('host.switchKeyConfirm'), { okText: t('host.switchKey') }))) return;
    socket.close();
    forgetKey(room);
    location.reload();
  }

  // ---- the room connection: chat, shop events, suggestions ----
  const onBatch = (events) => {
    let shelfChanged = false;
    let bought = false;
    for (const e of events) {
      switch (e.type) {
        case 'online': info.online = e.count; break;
        case 'likes': info.likes = e.total; break;
        case 'shelf':
          Object.assign(ctx.shelf, {
            products: e.products || [], pinned: e.pinned ?? null, flash_sales: e.flash_sales || [],
            coupons: e.coupons || [], pickup_points: e.pickup_points || [],
          });
          shelfChanged = true;
          break;
        case 'pin': ctx.shelf.pinned = e.product?.sku ?? null; if (e.product) ctx.upsertProduct(e.product); shelfChanged = true; break;
        case 'product': ctx.upsertProduct(e.product); break;
        case 'stock': {
          const p = ctx.shelf.products.find((x) => x.sku === e.sku);
          if (p) { p.stock = e.stock; shelfChanged = true; }
          bought = true;
          break;
        }
        case 'flash_sale': ctx.upsertSale(e.sale); break;
        case 'coupon': ctx.upsertCoupon(e.coupon); break;
        case 'purchase_notice': bought = true; break;
        default: break;
      }
    }
    if (shelfChanged) ctx.emit('shelf');
    if (bought) orders.purchased();
    renderHeader();
    chat.events(events);
  };

  let welcomed = false;
  const socket = new LiveSocket(() => wsUrl(`/ws/rooms/${encodeURIComponent(room)}?token=${encodeURIComponent(key)}`), {
    onState: (state) => { info.conn = state; renderHeader(); },
    onMessage: (msg) => {
      switch (msg.type) {
        case 'welcome':
          // Back after a drop: what changed meanwhile came in batches this console missed.
          if (welcomed) loadState();
          welcomed = true;
          info.title = msg.room?.title || room;
          info.online = msg.online;
          info.likes = msg.likes;
          document.title = `${t('host.title')} · ${info.title}`;
          renderHeader();
          chat.welcome(msg);
          micLink.welcome(msg);
          break;
        case 'batch': onBatch(Array.isArray(msg.events) ? msg.events : []); break;
        case 'suggestion': suggestions.add(msg.suggestion); break;
        case 'ack': chat.ack(msg); break;
        case 'error': if (!micLink.error(msg)) chat.error(msg); break;
        case 'mic_queue': micLink.onQueue(msg); break;
        case 'mic_guests': micLink.onGuests(msg); break;
        case 'room_closed': info.status = 'closed'; renderBanner(); break;
        default: break;
      }
    },
  });
  ctx.send = (msg) => socket.send(msg);

  // ---- what the page starts from (and catches up on after a reconnection) ----
  function loadState() {
    ctx.call('').then((r) => { info.title = r.title; info.status = r.status; renderHeader(); renderBanner(); })
      .catch((e) => showError('act.load', e));
    ctx.call('/shelf').then((s) => {
      Object.assign(ctx.shelf, {
        products: s.products || [], pinned: s.pinned ?? null, flash_sales: s.flash_sales || [],
        coupons: s.coupons || [], pickup_points: s.pickup_points || [],
      });
      ctx.emit('shelf');
    }).catch((e) => showError('act.shelf', e));
    ctx.call('/stats').then((s) => suggestions.load(s.suggestions)).catch((e) => showError('act.load', e));
    orders.load();
  }
  loadState();
  settings.loadWebhook();
  chat.banned.load();
}

boot(keyFromPage(room));
