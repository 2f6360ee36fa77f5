// The official stripe Node library's auto-pagination over
// GET /v1/webhook_endpoints, both ways: forwards from the newest
// (starting_after) and backwards from the oldest (ending_before, which
// the library follows while has_more is true). Prints one JSON line.
const Stripe = require('stripe');

const base = new URL(process.argv[2]);

(async () => {
  const stripe = new Stripe('sk_test_node', { host: base.hostname, port: base.port, protocol: 'http', maxNetworkRetries: 0 });
  const created = [];
  for (let i = 0; i < 7; i++) {
    const we = await stripe.webhookEndpoints.create({ url: `http://127.0.0.1:9/${i}`, enabled_events: ['*'] });
    created.push(we.id);
  }
  const forward = [];
  for await (const we of stripe.webhookEndpoints.list({ limit: 2 })) forward.push(we.id);
  const backward = [];
  for await (const we of stripe.webhookEndpoints.list({ limit: 2, ending_before: created[0] })) {
    backward.push(we.id);
    if (backward.length > 20) break;
  }
  const newest = await stripe.webhookEndpoints.list({ limit: 2, ending_before: created[2] });
  console.log(JSON.stringify({ created, forward, backward, newestHasMore: newest.has_more }));
})().catch((e) => { console.error('stripe paging failed:', e); process.exit(1); });
