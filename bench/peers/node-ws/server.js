// A plain Node.js chat broadcaster on the `ws` library: the peer that Livecart's chat fan-out
// is measured beside (bench/RESULTS.md). It speaks the subset chat_load uses and does what
// most hand-written chat servers do: each message is re-sent to every client at once, with no
// batching. Start: `node server.js` (PORT=0 picks a free port; prints `http_port=N`).
'use strict';
const { WebSocketServer } = require('ws');

const wss = new WebSocketServer({ port: Number(process.env.PORT || 0), perMessageDeflate: false, maxPayload: 4096 });
wss.on('listening', () => console.log(`http_port=${wss.address().port}`));
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    let m;
    try { m = JSON.parse(data); } catch { return ws.send('{"type":"error","code":"bad_json","message":"malformed JSON"}'); }
    if (isBinary || m === null || m.type !== 'chat' || typeof m.text !== 'string') return;
    const out = JSON.stringify({ type: 'chat', text: m.text });
    for (const client of wss.clients) if (client.readyState === 1) client.send(out);
  });
});
process.on('SIGTERM', () => wss.close(() => process.exit(0)));
