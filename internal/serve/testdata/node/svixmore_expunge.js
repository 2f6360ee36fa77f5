// The official svix Node library's message.precheck, message.expungeContent,
// messageAttempt.expungeContent and message.expungeAllContents against
// `hookctl serve`, and what the library reads afterwards (the message's
// payload, the attempt's response, a resend's error). Prints one JSON line.
const http = require('http');
const { Svix } = require('svix');

const serverUrl = process.argv[2];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  const queued = [], waiting = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      res.writeHead(200); res.end('{"session":"s3cret"}');
      if (waiting.length) waiting.shift()(body); else queued.push(body);
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const next = () => (queued.length ? Promise.resolve(queued.shift()) : new Promise((r) => waiting.push(r)));
  const url = `http://127.0.0.1:${srv.address().port}/webhooks`;

  const svix = new Svix('testsk_node', { serverUrl });
  const app = await svix.application.create({ name: 'Node expunge' });
  const before = await svix.message.precheck(app.id, { eventType: 'x.y' });
  const ep = await svix.endpoint.create(app.id, { url });
  const after = await svix.message.precheck(app.id, { eventType: 'x.y' });
  const msg = await svix.message.create(app.id, { eventType: 'x.y', payload: { card: '4242' } });
  const delivered = await next();
  let atts;
  for (let i = 0; i < 750; i++) { // the attempt is recorded just after the answer
    atts = await svix.messageAttempt.listByMsg(app.id, msg.id);
    if (atts.data.length === 1) break;
    await sleep(20);
  }
  const responseBefore = atts.data[0].response;
  await svix.messageAttempt.expungeContent(app.id, msg.id, atts.data[0].id);
  const att = await svix.messageAttempt.get(app.id, msg.id, atts.data[0].id);
  await svix.message.expungeContent(app.id, msg.id);
  const expunged = await svix.message.get(app.id, msg.id);
  let resend;
  try {
    await svix.messageAttempt.resend(app.id, msg.id, ep.id);
    resend = 'sent';
  } catch (e) {
    resend = { status: e.code, code: e.body && e.body.code, detail: e.body && e.body.detail };
  }
  const other = await svix.message.create(app.id, { eventType: 'x.y', payload: { n: 2 } });
  await next();
  const purge = await svix.message.expungeAllContents(app.id);
  const task = await svix.backgroundTask.get(purge.id);
  const otherAfter = await svix.message.get(app.id, other.id);
  console.log(JSON.stringify({
    before: before.active, after: after.active, delivered,
    responseBefore, responseAfter: att.response,
    payload: expunged.payload, resend,
    purgeTask: purge.task, purgeStatus: purge.status, purged: task.data.messagesPurged, otherPayload: otherAfter.payload,
  }));
  srv.close();
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
