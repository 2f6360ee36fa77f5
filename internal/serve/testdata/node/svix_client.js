// An app using the official svix Node library against `hookctl serve`:
// it creates an application and an endpoint, sends a message, and its own
// receiver verifies the delivery with the library's Webhook and the
// secret from GET …/secret/. Prints one JSON line with what it saw.
const http = require('http');
const { Svix, Webhook } = require('svix');

const serverUrl = process.argv[2];

function receiver() {
  return new Promise((resolve) => {
    let onDelivery;
    const got = new Promise((r) => { onDelivery = r; });
    const srv = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => { res.writeHead(200); res.end('ok'); onDelivery({ headers: req.headers, body }); });
    });
    srv.listen(0, '127.0.0.1', () => resolve({ srv, url: `http://127.0.0.1:${srv.address().port}/webhooks`, got }));
  });
}

(async () => {
  const recv = await receiver();
  const svix = new Svix('testsk_node', { serverUrl });
  const app = await svix.application.getOrCreate({ name: 'Node app', uid: 'node-app' });
  const ep = await svix.endpoint.create(app.id, { url: recv.url, filterTypes: ['invoice.paid'], description: 'node' });
  const got = await svix.endpoint.get(app.id, ep.id);
  const list = await svix.endpoint.list(app.id, { limit: 10 });
  const secret = await svix.endpoint.getSecret(app.id, ep.id);
  const msg = await svix.message.create(app.id, { eventType: 'invoice.paid', payload: { invoice: 'in_1', amount: 42 } });
  const delivery = await recv.got;
  let verified = false, verifyError = '';
  try {
    new Webhook(secret.key).verify(delivery.body, delivery.headers);
    verified = true;
  } catch (e) { verifyError = String(e); }
  const msgs = await svix.message.list(app.id);
  const fetched = await svix.message.get(app.id, msg.id);
  await svix.endpoint.delete(app.id, ep.id);
  recv.srv.close();
  console.log(JSON.stringify({
    appId: app.id, endpointId: ep.id, gotUrl: got.url, listed: list.data.length, secretPrefix: secret.key.slice(0, 6),
    msgId: msg.id, deliveredId: delivery.headers['webhook-id'] || delivery.headers['svix-id'], body: delivery.body,
    verified, verifyError, messages: msgs.data.length, fetchedType: fetched.eventType,
  }));
})().catch((e) => { console.error('svix client failed:', e); process.exit(1); });
