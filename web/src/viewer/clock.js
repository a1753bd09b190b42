// The server's clock as seen from here: flash-sale countdowns run on server time. The page
// learns the offset from the server's timestamps on chat messages received live (a message
// is stamped before it travels, so the largest recent "stamp - arrival" is the best guess).
const SAMPLES = 20;
const samples = [];
let offset = 0;

export function observeServerTime(serverMs) {
  const v = Number(serverMs);
  if (!Number.isFinite(v) || v <= 0) return;
  samples.push(v - Date.now());
  if (samples.length > SAMPLES) samples.shift();
  offset = Math.max(...samples);
}

export function serverNow() { return Date.now() + offset; }

// 83000 → "01:23", 4000000 → "1:06:40" (a countdown never shows a negative time).
export function countdown(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const mm = String(m).padStart(2, '0'), ss = String(sec).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
