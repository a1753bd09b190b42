// The landing page: the node's rooms, each with its viewer page (and, for staff, console and dashboard).
import '../common/base.css';
import './style.css';
import { api } from '../common/api.js';
import { $, clear, el } from '../common/dom.js';
import { applyI18n, define, langToggle, onLangChange, t } from '../common/i18n.js';

define({
  'home.intro': ['直播间', 'Rooms'],
  'home.watch': ['观看', 'Watch'],
  'home.host': ['主播控制台', 'Host console'],
  'home.dashboard': ['运营大屏', 'Dashboard'],
  'home.none': ['还没有直播间', 'No rooms yet'],
  'home.closed': ['已结束', 'Ended'],
  'home.online': ['{n} 人在线', '{n} online'],
});

async function load() {
  const list = $('#rooms');
  let rooms = [];
  try {
    rooms = (await api('/api/rooms')).rooms;
  } catch (e) {
    list.replaceChildren(el('li', { class: 'muted' }, t('common.error', { message: e.message })));
    return;
  }
  clear(list);
  if (!rooms.length) list.append(el('li', { class: 'muted' }, t('home.none')));
  for (const r of rooms) {
    const id = encodeURIComponent(r.id);
    list.append(el('li', { class: 'room-item panel' },
      el('a', { class: 'room-title', href: `/r/${id}` }, r.title),
      el('span', { class: 'muted' }, r.status === 'closed' ? t('home.closed') : t('home.online', { n: r.online })),
      el('span', { class: 'links' },
        el('a', { href: `/r/${id}` }, t('home.watch')), ' · ',
        el('a', { href: `/host/${id}` }, t('home.host')), ' · ',
        el('a', { href: `/dashboard/${id}` }, t('home.dashboard')))));
  }
}

document.body.append(langToggle());
applyI18n(document);
onLangChange(load);
load();
