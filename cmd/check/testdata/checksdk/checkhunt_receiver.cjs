// A Standard Webhooks receiver with svix's Webhook.verify in express, in
// the body-parser mistakes a newcomer makes (checkhunt tests):
//
//   VARIANT=rawdefault|jsonparsed SECRET=… EFFECT=FILE node checkhunt_receiver.cjs
//
// rawdefault: express.raw() without a type, which reads only
// application/octet-stream: req.body is left empty for the JSON a
// provider sends. jsonparsed: express.json(), whose parsed object goes
// to verify. Both catch verify's exception and answer 400 with its
// message, as the svix docs' example does.
//
// It listens on 127.0.0.1 (a free port) and prints {"port": N} on stdout.
const { appendFileSync } = require("node:fs");
const express = require("express");
const { Webhook } = require("svix");

const { VARIANT, SECRET, EFFECT } = process.env;
const wh = new Webhook(SECRET);
const app = express();
const parser = VARIANT === "jsonparsed" ? express.json() : express.raw();
app.post("/webhooks", parser, (req, res) => {
  try {
    wh.verify(req.body, req.headers);
  } catch (err) {
    return res.status(400).json({ error: err.message });
  }
  res.json({ received: true });
  appendFileSync(EFFECT, req.headers["webhook-id"] + "\n");
});
const server = app.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: server.address().port })));
