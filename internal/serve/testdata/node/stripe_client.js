// An app using the official stripe Node library against `hookctl serve`
// (host/port/protocol settings): it creates a webhook endpoint, asks the
// control API for an event, verifies the delivery with
// stripe.webhooks.constructEvent and the secret from the create answer,
// and fetches the event back. Prints one JSON line.
const http = require('http');
const Stripe = require('stripe');

const base = new URL(process.argv[2]);

function receiver() {
  return new Promise((resolve) => {
    let onDelivery;
    const got = new Promise((r) => { onDelivery = r; });
    const srv = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => { res.writeHead(200); res.end('ok'); onDelivery({ headers: req.headers, body }); });
    });
    srv.listen(0, '127.0.0.1', () => resolve({ srv, url: `http://127.0.0.1:${srv.address().port}/stripe`, got }));
  });
}

(async () => {
  const recv = await receiver();
  const stripe = new Stripe('sk_test_node', { host: base.hostname, port: base.port, protocol: 'http', maxNetworkRetries: 0 });
  const we = await stripe.webhookEndpoints.create({ url: recv.url, enabled_events: ['payment.succeeded', 'payment.failed'], metadata: { team: 'billing' } });
  const got = await stripe.webhookEndpoints.retrieve(we.id);
  const updated = await stripe.webhookEndpoints.update(we.id, { description: 'from node' });
  const list = await stripe.webhookEndpoints.list({ limit: 3 });
  const trig = await fetch(new URL('/_hookctl/trigger', base), { method: 'POST', body: JSON.stringify({ type: 'payment.succeeded' }) });
  if (trig.status !== 201) throw new Error('trigger: ' + trig.status + ' ' + await trig.text());
  const delivery = await recv.got;
  let verified = false, verifyError = '', evId = '';
  try {
    const ev = stripe.webhooks.constructEvent(delivery.body, delivery.headers['stripe-signature'], we.secret);
    verified = true; evId = ev.id;
  } catch (e) { verifyError = String(e); }
  const fetched = await stripe.events.retrieve(evId);
  const del = await stripe.webhookEndpoints.del(we.id);
  let missing = '';
  try { await stripe.webhookEndpoints.retrieve(we.id); } catch (e) { missing = e.code || String(e); }
  recv.srv.close();
  console.log(JSON.stringify({
    id: we.id, secretPrefix: (we.secret || '').slice(0, 6), retrievedSecret: got.secret || '', metadata: got.metadata,
    enabled: got.enabled_events, description: updated.description, listed: list.data.length, verified, verifyError,
    fetchedType: fetched.type, deleted: del.deleted, missing,
  }));
})().catch((e) => { console.error('stripe client failed:', e); process.exit(1); });
