// An app using the official svix Node library against `hookctl serve`:
// it creates an application and an endpoint, sends a message, and its own
// receiver verifies the delivery with the library's Webhook and the
// secret from GET …/secret/. It then resends the message to the endpoint
// and lists the message's attempts (the first scheduled, the resend's
// manual: triggerType), and pages through the event types one at a time
// (one named "-early"). Prints one JSON line with what it saw.
const http = require('http');
const { Svix, Webhook } = require('svix');

const serverUrl = process.argv[2];

// receiver answers 200 to every delivery; next() resolves with the next
// one not yet taken.
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
  const app = await svix.application.getOrCreate({ name: 'Node app', uid: 'node-app' });
  // filterTypes must name declared event types (Svix answers 422 otherwise).
  try {
    await svix.eventType.create({ name: 'invoice.paid', description: 'An invoice was paid' });
  } catch (e) {
    if (e.code !== 409) throw e;
  }
  const ep = await svix.endpoint.create(app.id, { url: recv.url, filterTypes: ['invoice.paid'], description: 'node' });
  const got = await svix.endpoint.get(app.id, ep.id);
  const list = await svix.endpoint.list(app.id, { limit: 10 });
  const secret = await svix.endpoint.getSecret(app.id, ep.id);
  const msg = await svix.message.create(app.id, { eventType: 'invoice.paid', payload: { invoice: 'in_1', amount: 42 } });
  const delivery = await recv.next();
  let verified = false, verifyError = '';
  try {
    new Webhook(secret.key).verify(delivery.body, delivery.headers);
    verified = true;
  } catch (e) { verifyError = String(e); }
  const msgs = await svix.message.list(app.id);
  const fetched = await svix.message.get(app.id, msg.id);
  // The first attempt is recorded once answered: wait for it, resend, and
  // wait for the resend's attempt.
  const attempts = async (n) => {
    for (let i = 0; i < 200; i++) {
      const page = await svix.messageAttempt.listByMsg(app.id, msg.id);
      if (page.data.length >= n) return page.data;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`fewer than ${n} attempts listed`);
  };
  await attempts(1);
  await svix.messageAttempt.resend(app.id, msg.id, ep.id);
  const resent = await recv.next();
  // Newest first: the resend's, then the first send's.
  const listed = (await attempts(2)).map((a) => ({ triggerType: a.triggerType, status: a.status, endpointId: a.endpointId }));
  await svix.endpoint.delete(app.id, ep.id);
  // The event types one at a time by their iterators, through one named
  // "-early" (its iterator is "~-early"), and back by prevIterator.
  try {
    await svix.eventType.create({ name: '-early', description: 'first by name' });
  } catch (e) {
    if (e.code !== 409) throw e;
  }
  const walked = [];
  let page = await svix.eventType.list({ limit: 1 });
  walked.push(...page.data.map((t) => t.name));
  while (!page.done) {
    page = await svix.eventType.list({ limit: 1, iterator: page.iterator });
    walked.push(...page.data.map((t) => t.name));
  }
  const back = await svix.eventType.list({ limit: 1, iterator: (await svix.eventType.list({ limit: 1, iterator: '~-early' })).prevIterator });
  recv.srv.close();
  console.log(JSON.stringify({
    appId: app.id, endpointId: ep.id, gotUrl: got.url, listed: list.data.length, secretPrefix: secret.key.slice(0, 6),
    msgId: msg.id, deliveredId: delivery.headers['webhook-id'] || delivery.headers['svix-id'], body: delivery.body,
    verified, verifyError, messages: msgs.data.length, fetchedType: fetched.eventType,
    resentId: resent.headers['webhook-id'] || resent.headers['svix-id'], attempts: listed,
    typesWalked: walked, typeBefore: back.data.map((t) => t.name),
  }));
})().catch((e) => { console.error('svix client failed:', e); process.exit(1); });
