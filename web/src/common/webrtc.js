// WHIP and WHEP (RFC 9725) from the browser, without trickle ICE: the offer goes out with its
// candidates once gathering completes, the answer comes back with the server's, and DELETE on
// the session's Location ends it. The viewer's low-latency player plays with it (WHEP); the
// host console and a mic-link guest publish with it (WHIP).

const GATHER_MS = 2000;  // enough candidates by now: the offer goes with what it has

// An HTTP refusal from the server: `status`, and its JSON error's `code` and `message`.
export class WebRtcRefused extends Error {
  constructor(status, code, message) {
    super(message || `the server answered ${status}`);
    this.status = status;
    this.code = code || '';
  }
}

function gathered(pc) {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(resolve, GATHER_MS);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
    });
  });
}

// Offers `pc`'s description to `url` and applies the answer. Returns the session's resource URL
// (DELETE it to end the session). `token` goes as a bearer token. `cancelled()` is asked after
// each wait: when it says yes, the session is ended and null returned.
export async function negotiate(pc, url, { token = '', cancelled = () => false } = {}) {
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  if (cancelled()) return null;
  const headers = { 'Content-Type': 'application/sdp' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: 'POST', headers, body: pc.localDescription.sdp });
  const location = res.status === 201 ? res.headers.get('Location') : null;
  const resource = location ? new URL(location, new URL(url, window.location.href)).href : null;
  if (cancelled()) {
    endSession(resource);
    return null;
  }
  if (res.status !== 201) {
    let code = '', message = '';
    try {
      const body = await res.json();
      ({ code, message } = body.error || {});
    } catch { /* not JSON */ }
    throw new WebRtcRefused(res.status, code, message);
  }
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  return resource;
}

// Ends a session; `keepalive` lets it go out while the page unloads.
export function endSession(resource, token = '') {
  if (!resource) return;
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  fetch(resource, { method: 'DELETE', headers, keepalive: true }).catch(() => {});
}

// Publishes `stream` (camera and microphone) to /whip/{room} with `token` (the room's host key or
// a mic-link guest's token). H.264 is preferred, so the server passes the video through.
// Resolves to { pc, resource, stop(), close() }: stop() ends the session on the server too
// (DELETE), close() only here (when the server ended it). `onState(connectionState)` follows the
// connection.
export async function publish(room, stream, token, onState = () => {}) {
  const pc = new RTCPeerConnection();
  for (const track of stream.getTracks()) {
    const transceiver = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    if (track.kind === 'video' && RTCRtpSender.getCapabilities) {
      const codecs = RTCRtpSender.getCapabilities('video')?.codecs || [];
      const h264 = codecs.filter((c) => c.mimeType.toLowerCase() === 'video/h264');
      if (h264.length && transceiver.setCodecPreferences)
        transceiver.setCodecPreferences([...h264, ...codecs.filter((c) => !h264.includes(c))]);
    }
  }
  pc.onconnectionstatechange = () => onState(pc.connectionState);
  let resource = null;
  try {
    resource = await negotiate(pc, `/whip/${encodeURIComponent(room)}`, { token });
  } catch (e) {
    pc.close();
    throw e;
  }
  return {
    pc,
    resource,
    stop() {
      pc.close();
      endSession(resource, token);
    },
    close() { pc.close(); },
  };
}
