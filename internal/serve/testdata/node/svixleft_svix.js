// The official svix Node library against `hookctl serve` where serve
// answered otherwise than Svix: a message.create sent again with its
// idempotencyKey and another message (Svix answers the first one), an
// endpoint uid with the id's prefix (422), and endpoint.list from an
// iterator that names no endpoint (Svix reads on from where it sorts).
// Prints one JSON line.
const { Svix } = require('svix');

const serverUrl = process.argv[2];

(async () => {
  const svix = new Svix('testsk_node_left', { serverUrl });
  const app = await svix.application.create({ name: 'Node left' });
  const eps = [];
  for (let i = 0; i < 2; i++) eps.push((await svix.endpoint.create(app.id, { url: 'http://127.0.0.1:9/hook' + i })).id);
  const first = await svix.message.create(app.id, { eventType: 'order.paid', payload: { n: 1 } }, { idempotencyKey: 'node-key' });
  const second = await svix.message.create(app.id, { eventType: 'order.refunded', payload: { n: 2 } }, { idempotencyKey: 'node-key' });
  const msgs = await svix.message.list(app.id);
  let uidError = null;
  try {
    await svix.endpoint.create(app.id, { url: 'http://127.0.0.1:9/x', uid: 'ep_mine' });
  } catch (e) {
    uidError = { code: e.code, msg: e.body && e.body.detail && e.body.detail[0] && e.body.detail[0].msg };
  }
  const ids = (p) => p.data.map((d) => d.id);
  // KSUIDs of 2100-01-01 and 2020-01-01 (random part zero).
  const late = 'ep_MyxnSzwsr8CAFq7hiqGzGPwCoEq', early = 'ep_1Vlny4c8wuG6PkYiNWkAfdN1MBs';
  const afterLate = ids(await svix.endpoint.list(app.id, { iterator: late }));
  const afterEarly = ids(await svix.endpoint.list(app.id, { iterator: early }));
  const descLate = ids(await svix.endpoint.list(app.id, { iterator: late, order: 'descending' }));
  console.log(JSON.stringify({
    eps, firstId: first.id, secondId: second.id, secondType: second.eventType, messages: msgs.data.length,
    uidError, afterLate, afterEarly, descLate,
  }));
})().catch((e) => { console.error(e); process.exit(1); });
