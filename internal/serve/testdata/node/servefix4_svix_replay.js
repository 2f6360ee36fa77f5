// An app using the official svix Node library against `hookctl serve`:
// a message is sent before its endpoint exists; endpoint.replayMissing
// sends it to the endpoint, endpoint.sendExample sends an example of
// invoice.paid (hookctl's catalog), and endpoint.transformationGet says
// none is enabled. The receiver verifies both deliveries with the
// library's Webhook and the endpoint's secret. Prints one JSON line.
const http = require('http');
const { Svix, Webhook } = require('svix');

const serverUrl = process.argv[2];

function receiver() {
  return new Promise((resolve) => {
    const queued = [], waiting = [];
    const next = () => (queued.length ? Promise.resolve(queued.shift()) : new Promise((r) => waiting.push(r)));
    const srv = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        res.writeHead(200); res.end('ok');
        const d = { headers: req.headers, body };
        if (waiting.length) waiting.shift()(d); else queued.push(d);
      });
    });
    srv.listen(0, '127.0.0.1', () => resolve({ srv, url: `http://127.0.0.1:${srv.address().port}/webhooks`, next }));
  });
}

(async () => {
  const recv = await receiver();
  const svix = new Svix('testsk_node', { serverUrl });
  const app = await svix.application.create({ name: 'Node replay' });
  const since = new Date(Date.now() - 60 * 1000);
  const early = await svix.message.create(app.id, { eventType: 'order.created', payload: { order: 'o-early' } });
  const ep = await svix.endpoint.create(app.id, { url: recv.url });
  const { key } = await svix.endpoint.getSecret(app.id, ep.id);
  const wh = new Webhook(key);
  const verify = (d) => { try { wh.verify(d.body, d.headers); return true; } catch (e) { return String(e); } };

  const task = await svix.endpoint.replayMissing(app.id, ep.id, { since });
  const replayed = await recv.next();
  const example = await svix.endpoint.sendExample(app.id, ep.id, { eventType: 'invoice.paid' });
  const sent = await recv.next();
  const tr = await svix.endpoint.transformationGet(app.id, ep.id);
  recv.srv.close();
  console.log(JSON.stringify({
    task: task.task, earlyId: early.id, replayedId: replayed.headers['svix-id'], replayedBody: replayed.body, replayedVerified: verify(replayed),
    exampleId: example.id, exampleType: example.eventType, sentId: sent.headers['svix-id'], sentVerified: verify(sent),
    sentBody: JSON.parse(sent.body), transformationEnabled: tr.enabled,
  }));
})().catch((e) => { console.error('svix client failed:', e); process.exit(1); });
