// A Standard Webhooks receiver: Express + the standardwebhooks package.
//
// It verifies webhook-id / webhook-timestamp / webhook-signature over the
// raw body (the library checks every signature in the header and a 5-minute
// tolerance either way), answers at once, and processes each event once,
// after the answer, keyed by webhook-id. Every processed id is appended to
// EVENTS_LOG, so `wc -l < processed.log` shows what the app did.
//
//   npm install && WEBHOOK_SECRET=whsec_… PORT=3000 node server.js
//   hookctl check http://localhost:3000/webhooks --scheme standard --secret whsec_… \
//       --effect-cmd 'wc -l < processed.log'
const fs = require("node:fs");
const express = require("express");
const { Webhook } = require("standardwebhooks");

const wh = new Webhook(process.env.WEBHOOK_SECRET);
const log = process.env.EVENTS_LOG || "processed.log";
fs.appendFileSync(log, ""); // exists from the start, for the effect command
const seen = new Set(); // ids already accepted (use your database)

function processEvent(id, event) {
  switch (event.type) {
    case "invoice.paid":
    case "ping":
      break; // update your records here
    default:
      break; // an event type this app does not handle: ignore it
  }
  fs.appendFileSync(log, id + "\n");
}

const app = express();

// The raw bytes are what was signed: never verify a re-serialised body.
app.post("/webhooks", express.raw({ type: () => true, limit: "1mb" }), (req, res) => {
  let event;
  try {
    event = wh.verify(req.body, req.headers);
  } catch (err) {
    return res.status(400).json({ error: err.message });
  }
  const id = req.headers["webhook-id"];
  const duplicate = seen.has(id);
  seen.add(id);
  res.json({ received: true, duplicate });
  if (!duplicate) setImmediate(() => processEvent(id, event));
});

const server = app.listen(Number(process.env.PORT || 3000), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/webhooks`);
});
