// The viewer page (being built).
import '../common/base.css';
import './style.css';
import { roomFromPath } from '../common/api.js';
import { $ } from '../common/dom.js';
import { applyI18n, langToggle } from '../common/i18n.js';

$('#app').textContent = roomFromPath();
document.body.append(langToggle());
applyI18n(document);
