// The like button: every tap floats a heart at once; taps are added up and sent as at most one
// `like` frame per 500 ms (count 1–100). The room's total comes back in `likes` events.
import { icon } from './icons.js';

const FLUSH_MS = 500;
const MAX_PER_FRAME = 100;
const MAX_PENDING = 1000;
const COLORS = ['#ff4d6d', '#ff8a3d', '#ffc94d', '#ff6fb5', '#b388ff', '#4dd0e1'];

export class Likes {
  constructor({ button, burstRoot, send, onTotal = () => {} }) {
    this.button = button;
    this.burstRoot = burstRoot;
    this.send = send;
    this.onTotal = onTotal;
    this.pending = 0;
    this.timer = null;
    this.lastSentAt = 0;
    this.total = 0;
    button.addEventListener('click', () => this.tap());
  }

  setTotal(total) {
    // Our own taps show at once; the server's total catches up and never goes down.
    if (Number(total) > this.total) {
      this.total = Number(total);
      this.onTotal(this.total);
    }
  }

  tap() {
    if (this.pending < MAX_PENDING) this.pending += 1;
    this.total += 1;
    this.onTotal(this.total);
    this.float();
    this.button.classList.remove('pop');
    void this.button.offsetWidth; // restart the animation
    this.button.classList.add('pop');
    if (!this.timer) this.timer = setTimeout(() => this.flush(), Math.max(0, this.lastSentAt + FLUSH_MS - Date.now()));
  }

  flush() {
    this.timer = null;
    if (this.pending <= 0) return;
    const count = Math.min(this.pending, MAX_PER_FRAME);
    if (!this.send({ type: 'like', count })) { this.pending = 0; return; }
    this.pending -= count;
    this.lastSentAt = Date.now();
    if (this.pending > 0) this.timer = setTimeout(() => this.flush(), FLUSH_MS);
  }

  float() {
    const h = icon('heart', 'float-heart');
    h.style.setProperty('--dx', `${Math.round(Math.random() * 50 - 25)}px`);
    h.style.setProperty('--rot', `${Math.round(Math.random() * 40 - 20)}deg`);
    h.style.color = COLORS[Math.floor(Math.random() * COLORS.length)];
    h.addEventListener('animationend', () => h.remove());
    this.burstRoot.append(h);
  }
}
